/*
 * sim-testdev.h - "sim-testdev", a configurable PCI function for tests
 * and scenarios (no QEMU counterpart; QEMU's own pci-testdev differs).
 *
 *   -device sim-testdev,addr=05.0,vendor_id=0x1234,device_id=0xbeef,
 *           class_id=0x0880,bar0=4K,bar0_type=mem,bar2=64K,bar2_type=mem64,
 *           bar4=32,bar4_type=io,msi=1
 *
 * Properties: vendor_id, device_id (default 1234:0001), revision,
 * class_id (16 bits, default 0x00ff), prog_if, subsys_vendor_id and
 * subsys_id (0: QEMU's default 1af4:1100), int_pin (0 none, 1-4 INTA-D,
 * default 1), msi (vectors: 0 none, 1-32 a power of two), barN (size, a
 * power of two, 0 none; N = 0..5) with barN_type mem, mem-pref, mem64,
 * mem64-pref or io, and rom (size of the expansion ROM BAR). An I/O BAR is
 * at least 4 bytes, a memory BAR at least 16; a 64-bit BAR uses the next
 * slot, which must then be empty. "sim-testdev-express" is the same with
 * a 4 KiB config space.
 *
 * Each BAR is an MMIO region "sim-testdev-barN" backed by 4 KiB of
 * registers (repeating through a larger BAR) that remembers its last
 * access, attributes included.
 */
#ifndef IOMMUSIM_DMA_SIM_TESTDEV_H
#define IOMMUSIM_DMA_SIM_TESTDEV_H

#include "dma/pci.h"

#define SIM_TESTDEV_REGS 4096

typedef struct SimTestDevAccess {
    unsigned count;        /* accesses so far */
    bool is_write;
    hwaddr addr;           /* offset in the BAR */
    unsigned size;
    uint64_t data;
    MemTxAttrs attrs;
} SimTestDevAccess;

typedef struct SimTestDev {
    PCIDevice parent_obj;
    /* properties */
    uint16_t vendor_id, device_id, class_id, subsys_vendor_id, subsys_id;
    uint8_t revision, prog_if, int_pin, msi_vectors;
    uint64_t bar_size[PCI_NUM_REGIONS];   /* [PCI_ROM_SLOT]: rom */
    char *bar_type[PCI_ROM_SLOT];
    /* state */
    MemoryRegion *bars[PCI_NUM_REGIONS];
    uint8_t regs[PCI_NUM_REGIONS][SIM_TESTDEV_REGS];
    SimTestDevAccess last[PCI_NUM_REGIONS];
} SimTestDev;

extern const PCIDeviceClass sim_testdev_class;
extern const PCIDeviceClass sim_testdev_express_class;

#endif
