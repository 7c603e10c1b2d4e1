/*
 * pci-bus.h - PCI buses: bus numbers, the 256 device functions of a bus,
 * the tree of buses below PCI-to-PCI bridges, and the IOMMU hook.
 *
 * A root bus belongs to a host bridge (pci-host.h) and has a fixed bus
 * number (0 on q35). A secondary bus belongs to a bridge device and takes
 * its number from the bridge's SECONDARY_BUS register, so that config
 * cycles reach it only once the guest (or a script) has numbered it, as in
 * QEMU's pci_find_bus_nr().
 *
 * Each bus has the two regions its devices' BARs are mapped into: the PCI
 * memory space and the PCI I/O space (QEMU's address_space_mem and
 * address_space_io). For a root bus they are the regions the machine gave
 * the host bridge; for a secondary bus they are the bridge's own
 * "pci_bridge_pci" and "pci_bridge_io" containers, reached from the parent
 * bus through the bridge's window aliases.
 */
#ifndef IOMMUSIM_DMA_PCI_BUS_H
#define IOMMUSIM_DMA_PCI_BUS_H

#include "memory/address-space.h"
#include "dma/pci-regs.h"

#define IOMMUSIM_PCI_ERROR (iommusim_pci_error_quark())
GQuark iommusim_pci_error_quark(void);
typedef enum {
    PCI_ERROR_INVALID,    /* malformed string or value */
    PCI_ERROR_NOT_FOUND,  /* unknown driver, property, bus or device */
    PCI_ERROR_BUSY,       /* slot or id already taken */
    PCI_ERROR_FAILED,     /* the device model refused (realize) */
} PCIError;

typedef struct PCIBus PCIBus;
typedef struct PCIDevice PCIDevice;
typedef struct PCIHostState PCIHostState;

/*
 * The IOMMU hook of a bus (QEMU's PCIIOMMUFunc): the AddressSpace that DMA
 * of function @devfn on @bus goes to. Called for the bus and devfn as the
 * IOMMU sees them: behind a conventional PCI bridge, the bridge's own bus
 * and devfn (pci_device_iommu_address_space).
 */
typedef AddressSpace *(*PCIIOMMUFunc)(PCIBus *bus, void *opaque, int devfn);

struct PCIBus {
    char *name;                   /* "pcie.0", a bridge's id, "pci.N" */
    PCIHostState *host;           /* host bridge of the hierarchy */
    PCIDevice *parent_dev;        /* the bridge above, NULL for a root bus */
    PCIDevice *devices[PCI_DEVFN_MAX];
    MemoryRegion *address_space_mem; /* where memory BARs are mapped */
    MemoryRegion *address_space_io;  /* where I/O BARs are mapped */
    PCIIOMMUFunc iommu_fn;
    void *iommu_opaque;
    AddressSpace *default_dma_as; /* root bus: DMA without IOMMU hook */
    uint8_t root_bus_num;         /* root bus: its number */
    bool express;                 /* PCIe: extended config space reachable */
    bool allow_0_address;         /* root bus: BARs may decode at 0 */
    int devfn_min;                /* first devfn for automatic placement */
    uint32_t slot_reserved_mask;  /* slots that cannot be used */
    GPtrArray *children;          /* secondary buses of bridges on this bus */
    unsigned next_auto_bus;       /* root: counter for "pci.N" names */
};

/*
 * pci_root_bus_new: a root bus named @name with number @bus_num whose
 * devices map their BARs into @mem and @io (both must stay alive as long
 * as the bus) and do DMA into @dma_as unless an IOMMU hook says otherwise.
 * @express: a PCIe bus, whose devices' 4 KiB config space is reachable
 * (through ECAM). Used by the host bridge (pci-host.h).
 */
PCIBus *pci_root_bus_new(const char *name, MemoryRegion *mem,
                         MemoryRegion *io, AddressSpace *dma_as,
                         uint8_t bus_num, bool express);
/* Destroy every device on the bus (bridges take their buses with them) and
 * the bus. */
void pci_bus_destroy(PCIBus *bus);

/* Internal to dma/: a secondary bus for bridge @bridge. */
PCIBus *pci_secondary_bus_new(PCIDevice *bridge, const char *name,
                              MemoryRegion *mem, MemoryRegion *io,
                              bool express);

bool pci_bus_is_root(const PCIBus *bus);
bool pci_bus_is_express(const PCIBus *bus);
/* Whether config offsets >= 256 reach devices on @bus: PCIe all the way
 * up to the root (QEMU's PCI_BUS_EXTENDED_CONFIG_SPACE). */
bool pci_bus_allows_extended_config_space(const PCIBus *bus);
/* The bus number: fixed for a root bus, the bridge's SECONDARY_BUS
 * register otherwise. */
int pci_bus_num(const PCIBus *bus);
/* The root bus of the hierarchy @bus belongs to */
PCIBus *pci_bus_root(PCIBus *bus);

/*
 * pci_find_bus_nr: the bus numbered @bus_num below (or equal to) @bus,
 * following bridges whose [secondary, subordinate] range contains it and
 * whose bridge control register does not hold the bus in reset, as QEMU's
 * pci_find_bus_nr() does. NULL if no bus answers.
 */
PCIBus *pci_find_bus_nr(PCIBus *bus, int bus_num);
/* The function at @devfn on bus @bus_num (searched from @bus), or NULL. */
PCIDevice *pci_find_device(PCIBus *bus, int bus_num, uint8_t devfn);

/* A bus of the hierarchy of @bus by name, or the only bus of a device
 * (bridge) with that id, as QEMU's qbus_find() accepts "bus=br1". */
PCIBus *pci_bus_find_by_name(PCIBus *bus, const char *name);
/* A device of the hierarchy of @bus by its id, or NULL */
PCIDevice *pci_bus_find_device_by_id(PCIBus *bus, const char *id);

/*
 * pci_setup_iommu: set the IOMMU hook of @bus. Devices on @bus and on the
 * buses below it (unless those have their own hook) are re-pointed at once:
 * their "bus master" alias is rebuilt on the AddressSpace the hook now
 * returns (QEMU builds the aliases when the machine is done; here the hook
 * may be set before or after the devices exist). @fn NULL removes it.
 */
void pci_setup_iommu(PCIBus *bus, PCIIOMMUFunc fn, void *opaque);

/* Call @fn for each device on @bus in devfn order; with @recursive, a
 * bridge's secondary bus is walked right after the bridge. @fn must not
 * add or remove devices. */
typedef void (*PCIBusDeviceFunc)(PCIBus *bus, PCIDevice *dev, void *opaque);
void pci_bus_foreach_device(PCIBus *bus, bool recursive, PCIBusDeviceFunc fn,
                            void *opaque);

/* Reset every device on @bus and below, as a bus reset (RST#) does. */
void pci_bus_reset(PCIBus *bus);

#endif
