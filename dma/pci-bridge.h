/*
 * pci-bridge.h - PCI-to-PCI bridges (type 1 header): the secondary bus,
 * bus number routing and the forwarding windows. QEMU's hw/pci/pci_bridge.c
 * and the "pci-bridge" device of hw/pci-bridge/pci_bridge_dev.c.
 *
 * A bridge forwards config cycles for buses [SECONDARY_BUS,
 * SUBORDINATE_BUS] (pci-bus.h) and memory and I/O accesses in its windows:
 * the secondary bus has its own regions "pci_bridge_pci" (2^64) and
 * "pci_bridge_io" (4 GiB), and the bridge places three aliases of them in
 * its primary bus's regions at priority 1: "pci_bridge_pref_mem",
 * "pci_bridge_mem" (both enabled by COMMAND.MEMORY) and "pci_bridge_io"
 * (COMMAND.IO), each [base, limit] of its window or of size 0 when the
 * window is closed (limit < base) or decoding is off. Every write to the
 * command register, the windows or the bridge control register rebuilds
 * them, as QEMU does. Setting BRIDGE_CONTROL.BUS_RESET resets the devices
 * below and stops config routing beyond the secondary bus while set.
 *
 * A bridge model embeds PCIBridge as the first member of its state, sets
 * PCIDeviceClass.is_bridge, calls pci_bridge_initfn() from realize,
 * pci_bridge_exitfn() from exit, and uses pci_bridge_write_config and
 * pci_bridge_reset (or calls them from its own hooks).
 *
 * The "pci-bridge" driver (1b36:0001) takes chassis_nr (required, > 0),
 * shpc=on|off (default on: a 256-byte 64-bit BAR 0 "shpc-bar", interrupt
 * pin A, the SHPC capability) and msi=on|off|auto (auto: on with shpc).
 * Its capability list matches QEMU 7.2's: with shpc, MSI (0x4c) -> slot ID
 * (0x48) -> SHPC (0x40); without, slot ID at 0x40. Deviation: the SHPC
 * hot-plug registers are not modelled (its BAR and DWORD_DATA read 0), and
 * there are no VGA windows.
 */
#ifndef IOMMUSIM_DMA_PCI_BRIDGE_H
#define IOMMUSIM_DMA_PCI_BRIDGE_H

#include "dma/pci.h"

typedef struct PCIBridge {
    PCIDevice parent_obj;
    PCIBus *sec_bus;
    MemoryRegion *address_space_mem;   /* "pci_bridge_pci" */
    MemoryRegion *address_space_io;    /* "pci_bridge_io" */
    MemoryRegion *alias_pref_mem;      /* windows in the primary bus */
    MemoryRegion *alias_mem;
    MemoryRegion *alias_io;
} PCIBridge;

/* Set up the type 1 header, the secondary bus (named after the device's
 * id, else "pci.N") and the windows. @express: the secondary bus is PCIe. */
bool pci_bridge_initfn(PCIDevice *d, bool express, GError **errp);
/* Remove the windows and destroy the secondary bus with its devices. */
void pci_bridge_exitfn(PCIDevice *d);
/* pci_default_write_config, then rebuild the windows and handle the
 * secondary bus reset bit. */
void pci_bridge_write_config(PCIDevice *d, uint32_t addr, uint32_t val,
                             int len);
/* Bus numbers, windows and bridge control to 0 (window type bits stay). */
void pci_bridge_reset(PCIDevice *d);
/* Rebuild the three window aliases from config space now. */
void pci_bridge_update_mappings(PCIBridge *br);

/* First and last address of a window (type: PCI_BASE_ADDRESS_SPACE_IO,
 * memory, or memory with MEM_PREFETCH) */
pcibus_t pci_bridge_get_base(const PCIDevice *bridge, uint8_t type);
pcibus_t pci_bridge_get_limit(const PCIDevice *bridge, uint8_t type);

/* The secondary bus of a bridge device, NULL for other devices */
PCIBus *pci_device_secondary_bus(PCIDevice *d);

extern const PCIDeviceClass pci_bridge_dev_class;

#endif
