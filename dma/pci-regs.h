/*
 * pci-regs.h - PCI configuration space layout and little-endian accessors.
 *
 * The register offsets and bit names are the kernel's <linux/pci_regs.h>,
 * the same names QEMU uses (its copy lives in include/standard-headers).
 * This header adds what QEMU defines itself: config space sizes, the BAR
 * slot numbers, bridge control bits the kernel header lacks, MSI capability
 * sizes, and the pci_get_xxx and pci_set_xxx helpers that read and write config
 * bytes in little-endian order.
 *
 * Do not include this together with libpci's <pci/pci.h> in one file: both
 * define the PCI_* register names (dma/pci-names.h wraps libpci for that).
 */
#ifndef IOMMUSIM_DMA_PCI_REGS_H
#define IOMMUSIM_DMA_PCI_REGS_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/pci_regs.h>

/* An address on a PCI bus (memory or I/O space). */
typedef uint64_t pcibus_t;

/* Sizes of configuration space */
#define PCI_CONFIG_HEADER_SIZE 0x40    /* the standard header */
#define PCI_CONFIG_SPACE_SIZE  0x100   /* conventional PCI */
#define PCIE_CONFIG_SPACE_SIZE 0x1000  /* PCI Express (ECAM) */

/* BAR slots: 0..5, the expansion ROM is slot 6 */
#define PCI_ROM_SLOT    6
#define PCI_NUM_REGIONS 7
#define PCI_NUM_PINS    4              /* INTA# .. INTD# */

#define PCI_SLOT_MAX    32
#define PCI_FUNC_MAX    8
#define PCI_DEVFN_MAX   256

#ifndef PCI_DEVFN
#define PCI_DEVFN(slot, func) ((((slot) & 0x1f) << 3) | ((func) & 0x07))
#endif
#ifndef PCI_SLOT
#define PCI_SLOT(devfn)       (((devfn) >> 3) & 0x1f)
#endif
#ifndef PCI_FUNC
#define PCI_FUNC(devfn)       ((devfn) & 0x07)
#endif
/* Requester ID / BDF: bus << 8 | devfn */
#define PCI_BUILD_BDF(bus, devfn) ((uint16_t)(((bus) << 8) | (devfn)))
#define PCI_BUS_NUM(bdf)          (((bdf) >> 8) & 0xff)
#define PCI_BDF_TO_DEVFN(bdf)     ((bdf) & 0xff)

/* A BAR that decodes nothing (QEMU's PCI_BAR_UNMAPPED) */
#define PCI_BAR_UNMAPPED (~(pcibus_t)0)

#define PCI_HEADER_TYPE_MULTI_FUNCTION 0x80

/* Bridge control bits QEMU adds to the kernel's list */
#ifndef PCI_BRIDGE_CTL_VGA_16BIT
#define PCI_BRIDGE_CTL_VGA_16BIT       0x10
#endif
#ifndef PCI_BRIDGE_CTL_DISCARD
#define PCI_BRIDGE_CTL_DISCARD         0x100
#endif
#ifndef PCI_BRIDGE_CTL_SEC_DISCARD
#define PCI_BRIDGE_CTL_SEC_DISCARD     0x200
#endif
#ifndef PCI_BRIDGE_CTL_DISCARD_STATUS
#define PCI_BRIDGE_CTL_DISCARD_STATUS  0x400
#endif
#ifndef PCI_BRIDGE_CTL_DISCARD_SERR
#define PCI_BRIDGE_CTL_DISCARD_SERR    0x800
#endif

/* MSI capability sizes: 32/64-bit address, with or without mask bits */
#define PCI_MSI_32_SIZEOF  0x0a
#define PCI_MSI_64_SIZEOF  0x0e
#define PCI_MSI_32M_SIZEOF 0x14
#define PCI_MSI_64M_SIZEOF 0x18
#define PCI_MSI_ADDRESS_LO_MASK 0xfffffffcu
#define PCI_MSI_VECTORS_MAX 32

/* Class codes (class << 8 | subclass) QEMU's devices use */
#define PCI_CLASS_BRIDGE_HOST 0x0600
#define PCI_CLASS_BRIDGE_PCI  0x0604
#define PCI_CLASS_OTHERS      0x00ff   /* stored at 0x0a: subclass 0xff */

/* Vendor IDs QEMU's devices use */
#define PCI_VENDOR_ID_QEMU   0x1234
#define PCI_VENDOR_ID_REDHAT 0x1b36
#define PCI_VENDOR_ID_REDHAT_QUMRANET 0x1af4
#define PCI_VENDOR_ID_INTEL  0x8086
/* Default subsystem IDs of header type 0 devices (QEMU's pci.c) */
#define PCI_SUBVENDOR_ID_REDHAT_QUMRANET 0x1af4
#define PCI_SUBDEVICE_ID_QEMU            0x1100

/* ---- little-endian config space accessors ------------------------------ */

static inline uint8_t pci_get_byte(const uint8_t *p)
{
    return p[0];
}

static inline void pci_set_byte(uint8_t *p, uint8_t v)
{
    p[0] = v;
}

static inline uint16_t pci_get_word(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline void pci_set_word(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline uint32_t pci_get_long(const uint8_t *p)
{
    return (uint32_t)pci_get_word(p) | (uint32_t)pci_get_word(p + 2) << 16;
}

static inline void pci_set_long(uint8_t *p, uint32_t v)
{
    pci_set_word(p, (uint16_t)v);
    pci_set_word(p + 2, (uint16_t)(v >> 16));
}

static inline uint64_t pci_get_quad(const uint8_t *p)
{
    return (uint64_t)pci_get_long(p) | (uint64_t)pci_get_long(p + 4) << 32;
}

static inline void pci_set_quad(uint8_t *p, uint64_t v)
{
    pci_set_long(p, (uint32_t)v);
    pci_set_long(p + 4, (uint32_t)(v >> 32));
}

static inline void pci_word_test_and_set_mask(uint8_t *p, uint16_t m)
{
    pci_set_word(p, pci_get_word(p) | m);
}

static inline void pci_word_test_and_clear_mask(uint8_t *p, uint16_t m)
{
    pci_set_word(p, pci_get_word(p) & (uint16_t)~m);
}

static inline void pci_byte_test_and_clear_mask(uint8_t *p, uint8_t m)
{
    p[0] &= (uint8_t)~m;
}

static inline void pci_byte_test_and_set_mask(uint8_t *p, uint8_t m)
{
    p[0] |= m;
}

static inline void pci_long_test_and_set_mask(uint8_t *p, uint32_t m)
{
    pci_set_long(p, pci_get_long(p) | m);
}

static inline void pci_long_test_and_clear_mask(uint8_t *p, uint32_t m)
{
    pci_set_long(p, pci_get_long(p) & ~m);
}

/* Whether [addr, addr+len) and [start, start+size) overlap */
static inline bool pci_ranges_overlap(uint64_t addr, uint64_t len,
                                      uint64_t start, uint64_t size)
{
    return len && size && addr < start + size && start < addr + len;
}

#endif
