/*
 * dma.h - DMA helpers and scatter-gather lists, QEMU's include/sysemu/dma.h
 * and softmmu/dma-helpers.c rebuilt.
 *
 * A DMA is an access to an AddressSpace (usually a PCI device's bus master
 * AddressSpace, see pci.h) in a direction seen from the device:
 * DMA_DIRECTION_TO_DEVICE reads guest memory, DMA_DIRECTION_FROM_DEVICE
 * writes it. Every function returns what address_space_rw returns (the OR
 * of each piece's MemTxResult): a failed DMA is a result, never a crash.
 */
#ifndef IOMMUSIM_DMA_DMA_H
#define IOMMUSIM_DMA_DMA_H

#include "memory/address-space.h"

typedef uint64_t dma_addr_t;
#define DMA_ADDR_FMT "%" PRIx64

typedef enum DMADirection {
    DMA_DIRECTION_TO_DEVICE = 0,   /* the device reads memory */
    DMA_DIRECTION_FROM_DEVICE = 1, /* the device writes memory */
} DMADirection;

/* Whether every byte of [addr, addr+len) can be accessed in direction
 * @dir (address_space_access_valid). */
bool dma_memory_valid(AddressSpace *as, dma_addr_t addr, dma_addr_t len,
                      DMADirection dir, MemTxAttrs attrs);

/* Copy @len bytes between @buf and [addr, addr+len) of @as. */
MemTxResult dma_memory_rw(AddressSpace *as, dma_addr_t addr, void *buf,
                          dma_addr_t len, DMADirection dir, MemTxAttrs attrs);
/* dma_memory_rw TO_DEVICE: memory -> @buf */
MemTxResult dma_memory_read(AddressSpace *as, dma_addr_t addr, void *buf,
                            dma_addr_t len, MemTxAttrs attrs);
/* dma_memory_rw FROM_DEVICE: @buf -> memory */
MemTxResult dma_memory_write(AddressSpace *as, dma_addr_t addr,
                             const void *buf, dma_addr_t len,
                             MemTxAttrs attrs);
/* Fill [addr, addr+len) with @c (a FROM_DEVICE transfer). */
MemTxResult dma_memory_set(AddressSpace *as, dma_addr_t addr, uint8_t c,
                           dma_addr_t len, MemTxAttrs attrs);

/*
 * dma_memory_map: a host pointer to [addr, addr+*len) for a transfer in
 * direction @dir (address_space_map, is_write = FROM_DEVICE). *len may come
 * back shorter; NULL (and *len 0) when nothing can be mapped now (MMIO
 * beyond the bounce budget, a fault, unassigned space).
 */
void *dma_memory_map(AddressSpace *as, dma_addr_t addr, dma_addr_t *len,
                     DMADirection dir, MemTxAttrs attrs);
/* @access_len: bytes the device actually transferred (dirtied / copied). */
void dma_memory_unmap(AddressSpace *as, void *buffer, dma_addr_t len,
                      DMADirection dir, dma_addr_t access_len);

/* Little-endian / big-endian loads and stores of 1, 2, 4, 8 bytes, as
 * QEMU's ld*_dma / st*_dma: the value goes through *pval. */
MemTxResult ldub_dma(AddressSpace *as, dma_addr_t addr, uint8_t *pval,
                     MemTxAttrs attrs);
MemTxResult lduw_le_dma(AddressSpace *as, dma_addr_t addr, uint16_t *pval,
                        MemTxAttrs attrs);
MemTxResult ldl_le_dma(AddressSpace *as, dma_addr_t addr, uint32_t *pval,
                       MemTxAttrs attrs);
MemTxResult ldq_le_dma(AddressSpace *as, dma_addr_t addr, uint64_t *pval,
                       MemTxAttrs attrs);
MemTxResult stb_dma(AddressSpace *as, dma_addr_t addr, uint8_t val,
                    MemTxAttrs attrs);
MemTxResult stw_le_dma(AddressSpace *as, dma_addr_t addr, uint16_t val,
                       MemTxAttrs attrs);
MemTxResult stl_le_dma(AddressSpace *as, dma_addr_t addr, uint32_t val,
                       MemTxAttrs attrs);
MemTxResult stq_le_dma(AddressSpace *as, dma_addr_t addr, uint64_t val,
                       MemTxAttrs attrs);

/* ---- scatter-gather lists ---------------------------------------------- */

typedef struct ScatterGatherEntry {
    dma_addr_t base;
    dma_addr_t len;
} ScatterGatherEntry;

/* QEMU's QEMUSGList; @dev is an opaque owner pointer (a PCIDevice). */
typedef struct QEMUSGList {
    ScatterGatherEntry *sg;
    int nsg;
    int nalloc;
    dma_addr_t size;    /* sum of the entries' lengths (saturates) */
    void *dev;
    AddressSpace *as;
} QEMUSGList;

/* An empty list for DMA into @as, room for @alloc_hint entries. */
void qemu_sglist_init(QEMUSGList *qsg, void *dev, int alloc_hint,
                      AddressSpace *as);
/* Append [base, base+len). */
void qemu_sglist_add(QEMUSGList *qsg, dma_addr_t base, dma_addr_t len);
/* Free the entries; the list is zeroed (destroying twice is harmless). */
void qemu_sglist_destroy(QEMUSGList *qsg);

/*
 * dma_buf_read / dma_buf_write: move min(@len, sg->size) bytes between the
 * device buffer @ptr and the list's entries in order. As in QEMU,
 * dma_buf_read copies the device's buffer INTO guest memory (the device
 * "reads out" its buffer, FROM_DEVICE) and dma_buf_write copies guest
 * memory into @ptr (TO_DEVICE). *residual (may be NULL) receives
 * sg->size minus the bytes moved. Returns the OR of every entry's result.
 */
MemTxResult dma_buf_read(void *ptr, dma_addr_t len, dma_addr_t *residual,
                         QEMUSGList *sg, MemTxAttrs attrs);
MemTxResult dma_buf_write(void *ptr, dma_addr_t len, dma_addr_t *residual,
                          QEMUSGList *sg, MemTxAttrs attrs);

#endif
