/*
 * pci-host.h - a PCI host bridge: the root bus, configuration mechanism #1
 * (the 0xcf8 address and 0xcfc data ports) and the PCIe ECAM (MMCONFIG)
 * window. QEMU's hw/pci/pci_host.c and hw/pci/pcie_host.c rebuilt.
 *
 * The host bridge makes three MMIO regions that the machine places:
 *   "pci-conf-idx"    4 bytes, the CONFIG_ADDRESS register (0xcf8 on PC):
 *                     only a 4-byte write at offset 0 stores it; any read
 *                     returns it (narrower reads see its low bytes, as the
 *                     memory core truncates);
 *   "pci-conf-data"   4 bytes, CONFIG_DATA (0xcfc): with bit 31 of
 *                     CONFIG_ADDRESS set, an access of N bytes at offset k
 *                     reaches register (CONFIG_ADDRESS | k) & 0xff of the
 *                     function (bus = bits 16-23, devfn = bits 8-15);
 *                     without it reads are all ones and writes vanish;
 *   "pcie-mmcfg-mmio" the ECAM window (bus << 20 | devfn << 12 | offset),
 *                     mapped into the machine's memory by
 *                     pcie_host_mmcfg_update() (q35: the MCH's PCIEXBAR).
 * A function that does not exist reads all ones; offsets beyond its config
 * space (256 bytes through 0xcfc, or not reachable on a conventional bus)
 * read all ones and ignore writes.
 */
#ifndef IOMMUSIM_DMA_PCI_HOST_H
#define IOMMUSIM_DMA_PCI_HOST_H

#include "dma/pci.h"

#define PCIE_MMCFG_SIZE_MAX (1ULL << 28)
#define PCIE_MMCFG_SIZE_MIN (1ULL << 20)
#define PCIE_MMCFG_BUS(addr)        (((addr) >> 20) & 0xff)
#define PCIE_MMCFG_DEVFN(addr)      (((addr) >> 12) & 0xff)
#define PCIE_MMCFG_CONFOFFSET(addr) ((addr) & 0xfff)
#define PCIE_BASE_ADDR_UNMAPPED     ((hwaddr)-1ULL)

/* Told of each change of an INTx line of the root bus: @irq_num is the
 * pin after swizzling through bridges (0 = INTA#), @level the new level of
 * that line (any device asserting it), @dev the device that changed it. */
typedef void (*PCIHostIRQHandler)(void *opaque, PCIDevice *dev, int irq_num,
                                  int level);

struct PCIHostState {
    char *name;
    PCIBus *bus;                 /* the root bus */
    MemoryRegion *conf_mem;      /* "pci-conf-idx" */
    MemoryRegion *data_mem;      /* "pci-conf-data" */
    uint32_t config_reg;         /* CONFIG_ADDRESS */

    MemoryRegion *mmcfg;         /* "pcie-mmcfg-mmio" */
    MemoryRegion *mmcfg_container; /* where ECAM is mapped (system) */
    hwaddr mmcfg_base;           /* PCIE_BASE_ADDR_UNMAPPED if not mapped */
    uint64_t mmcfg_size;

    PCIHostIRQHandler irq_handler;
    void *irq_opaque;
    int irq_count[PCI_NUM_PINS]; /* devices asserting each root line */
};

typedef struct PCIHostOptions {
    const char *name;            /* host bridge name (default "pcie-host") */
    const char *bus_name;        /* root bus name (default "pcie.0") */
    MemoryRegion *pci_memory;    /* PCI memory space (required) */
    MemoryRegion *pci_io;        /* PCI I/O space (required) */
    AddressSpace *dma_as;        /* DMA without IOMMU (required): system */
    MemoryRegion *mmcfg_container; /* where ECAM goes (NULL: no ECAM) */
    uint8_t bus_num;             /* root bus number (0) */
    bool conventional;           /* a PCI, not PCIe, root bus */
    bool allow_0_address;        /* BARs may decode at address 0 */
} PCIHostOptions;

/* A host bridge with an empty root bus; fails (errp) for missing regions. */
PCIHostState *pci_host_new(const PCIHostOptions *opts, GError **errp);
/* Destroy every device, unmap and release the regions, free. */
void pci_host_destroy(PCIHostState *s);

/* Place pci-conf-idx at @base and pci-conf-data at @base + 4 in @io
 * (QEMU's q35: base 0xcf8 of the "io" region, priority 0). */
bool pci_host_map_config_ports(PCIHostState *s, MemoryRegion *io,
                               hwaddr base, GError **errp);

/* QEMU's pci_data_read/write: a mechanism-#1 access with the given
 * CONFIG_ADDRESS value (bit 31 not checked) */
uint32_t pci_data_read(PCIBus *bus, uint32_t addr, unsigned len);
void pci_data_write(PCIBus *bus, uint32_t addr, uint32_t val, unsigned len);

/* An access to @dev at @addr that must stay below @limit (reduced to 256
 * where extended config space cannot be reached). */
uint32_t pci_host_config_read_common(PCIDevice *dev, uint32_t addr,
                                     uint32_t limit, uint32_t len);
void pci_host_config_write_common(PCIDevice *dev, uint32_t addr,
                                  uint32_t limit, uint32_t val, uint32_t len);

/*
 * pcie_host_mmcfg_update: unmap the ECAM window, then with @enable map
 * @size bytes of it (a power of two from 1 MiB to 256 MiB) at @addr in the
 * mmcfg container. A bad size or a host without container fails with
 * errp and leaves the window unmapped.
 */
bool pcie_host_mmcfg_update(PCIHostState *s, bool enable, hwaddr addr,
                            uint64_t size, GError **errp);

/* Handler of the root bus's INTx lines (NULL: none) */
void pci_host_set_irq_handler(PCIHostState *s, PCIHostIRQHandler fn,
                              void *opaque);

/* The host bridge of a bus's hierarchy */
PCIHostState *pci_bus_host(PCIBus *bus);

#endif
