/*
 * vtd.h - Intel VT-d DMA remapping unit, QEMU 7.2's "intel-iommu" device
 * rebuilt: public API.
 *
 * A unit is created from -device intel-iommu properties, owns its register
 * window ("intel_iommu", mapped at 0xfed90000 on q35) and gives each PCI
 * device of the bus it is attached to its own AddressSpace ("vtd-root"
 * container with the DMAR IOMMU region or the no-DMAR alias). The guest
 * programs it through the registers and tables in guest RAM, as a driver
 * does.
 *
 * Nothing here aborts on user input: bad properties fail with a GError,
 * anything a guest writes yields the fault or queue error the VT-d
 * specification gives.
 */
#ifndef IOMMUSIM_IOMMU_VTD_VTD_H
#define IOMMUSIM_IOMMU_VTD_VTD_H

#include "memory/address-space.h"

typedef struct PCIBus PCIBus;
typedef struct IntelIOMMUState IntelIOMMUState;

#define TYPE_INTEL_IOMMU_DEVICE "intel-iommu"

#define IOMMUSIM_VTD_ERROR (iommusim_vtd_error_quark())
GQuark iommusim_vtd_error_quark(void);
typedef enum {
    VTD_ERROR_PROPERTY,  /* unknown property or bad value */
    VTD_ERROR_CONFIG,    /* a combination QEMU refuses at realize */
} VTDError;

typedef enum {
    VTD_AUTO = -1,
    VTD_OFF = 0,
    VTD_ON = 1,
} VTDOnOffAuto;

/* The properties of -device intel-iommu (QEMU 7.2 names in comments) */
typedef struct VTDProperties {
    unsigned aw_bits;        /* aw-bits: 39 (default) or 48 */
    bool caching_mode;       /* caching-mode (off) */
    bool device_iotlb;       /* device-iotlb (off) */
    bool pt;                 /* pt (on) */
    bool snoop_control;      /* snoop-control (off) */
    bool scalable_mode;      /* x-scalable-mode (off) */
    bool pasid;              /* x-pasid-mode (off) */
    bool dma_drain;          /* dma-drain (on) */
    bool dma_translation;    /* dma-translation (on) */
    VTDOnOffAuto intremap;   /* intremap (auto: on, as QEMU without an
                              * in-kernel irqchip) */
    VTDOnOffAuto eim;        /* eim (auto: off without KVM) */
    bool buggy_eim;          /* x-buggy-eim (off) */
    uint32_t version;        /* version (0; unused by QEMU 7.2) */
} VTDProperties;

/* QEMU 7.2's defaults */
void vtd_properties_init(VTDProperties *p);

/*
 * vtd_properties_set: set property @name to @value as QEMU parses it
 * (booleans: on/off/yes/no/true/false; aw-bits: an unsigned 8-bit
 * number; intremap/eim: on/off/auto). Unknown names and values that do
 * not parse fail with VTD_ERROR_PROPERTY.
 */
bool vtd_properties_set(VTDProperties *p, const char *name,
                        const char *value, GError **errp);

/*
 * vtd_properties_parse: apply "name=value,name=value" (an optional leading
 * "intel-iommu," is skipped, so a whole -device string works). Stops at
 * the first error.
 */
bool vtd_properties_parse(VTDProperties *p, const char *opts, GError **errp);

/* Checks QEMU 7.2 makes at realize (aw-bits 39/48, scalable mode needs
 * dma-drain, x-pasid-mode needs scalable mode, no PASID with
 * device-iotlb, eim needs intremap...), message as QEMU's. */
bool vtd_properties_check(const VTDProperties *p, GError **errp);

/*
 * vtd_new: create a unit with properties @p. DMA that is not remapped
 * reaches @system_memory; the unit reads its tables and the invalidation
 * queue and writes fault/completion MSIs through @system_as (whose root
 * is usually @system_memory). The registers are at their reset values;
 * the window is not mapped (vtd_map_registers). NULL with @errp set if
 * the properties are refused.
 */
IntelIOMMUState *vtd_new(const VTDProperties *p, MemoryRegion *system_memory,
                         AddressSpace *system_as, GError **errp);
/* Unmap and free the unit (after its devices stopped using it). */
void vtd_destroy(IntelIOMMUState *s);

/* Device reset: registers, caches, address spaces back to no-DMAR. */
void vtd_reset(IntelIOMMUState *s);

/* Map the register window in @parent at @base (q35: VTD_DEFAULT_BASE). */
#define VTD_DEFAULT_BASE 0xfed90000ULL
bool vtd_map_registers(IntelIOMMUState *s, MemoryRegion *parent, hwaddr base,
                       GError **errp);
/* The register window region ("intel_iommu", 0x230 bytes) */
MemoryRegion *vtd_registers(IntelIOMMUState *s);

/*
 * vtd_host_dma_iommu: the AddressSpace of device @devfn on @bus (created
 * on first use), as QEMU's PCI IOMMU hook returns it. Implemented by
 * vtd-as.c.
 */
AddressSpace *vtd_host_dma_iommu(PCIBus *bus, void *opaque, int devfn);

/* Set how a bus pointer becomes a bus number (the PCI glue does). */
void vtd_set_bus_num_fn(IntelIOMMUState *s, uint8_t (*fn)(PCIBus *bus));

/* ---- accessors ---------------------------------------------------------- */
const VTDProperties *vtd_properties(IntelIOMMUState *s);
uint64_t vtd_cap(IntelIOMMUState *s);
uint64_t vtd_ecap(IntelIOMMUState *s);
unsigned vtd_aw_bits(IntelIOMMUState *s);
bool vtd_caching_mode(IntelIOMMUState *s);
bool vtd_dmar_enabled(IntelIOMMUState *s);
bool vtd_qi_enabled(IntelIOMMUState *s);

/* Register access as the guest does it (4 or 8 bytes at @offset); used by
 * the Lua helpers and tests. Invalid accesses read 0 / are ignored. */
uint64_t vtd_reg_read(IntelIOMMUState *s, hwaddr offset, unsigned size);
void vtd_reg_write(IntelIOMMUState *s, hwaddr offset, uint64_t val,
                   unsigned size);

/* Statistics as name/value pairs, in a fixed order; returns the count and
 * fills up to @max entries. */
typedef struct VTDStatItem {
    const char *name;
    uint64_t value;
} VTDStatItem;
unsigned vtd_stats(IntelIOMMUState *s, VTDStatItem *items, unsigned max);
void vtd_stats_reset(IntelIOMMUState *s);

#endif
