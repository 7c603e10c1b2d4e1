/*
 * dma.c - dma_memory_* helpers and scatter-gather lists (dma.h).
 */
#include "dma/dma.h"
#include <string.h>

bool dma_memory_valid(AddressSpace *as, dma_addr_t addr, dma_addr_t len,
                      DMADirection dir, MemTxAttrs attrs)
{
    return address_space_access_valid(as, addr, len,
                                      dir == DMA_DIRECTION_FROM_DEVICE, attrs);
}

MemTxResult dma_memory_rw(AddressSpace *as, dma_addr_t addr, void *buf,
                          dma_addr_t len, DMADirection dir, MemTxAttrs attrs)
{
    /* QEMU issues a memory barrier here (dma_barrier); accesses in this
     * simulator are already ordered. */
    return address_space_rw(as, addr, attrs, buf, len,
                            dir == DMA_DIRECTION_FROM_DEVICE);
}

MemTxResult dma_memory_read(AddressSpace *as, dma_addr_t addr, void *buf,
                            dma_addr_t len, MemTxAttrs attrs)
{
    return dma_memory_rw(as, addr, buf, len, DMA_DIRECTION_TO_DEVICE, attrs);
}

MemTxResult dma_memory_write(AddressSpace *as, dma_addr_t addr,
                             const void *buf, dma_addr_t len,
                             MemTxAttrs attrs)
{
    /* address_space_rw does not write into @buf for a write */
    return dma_memory_rw(as, addr, (void *)buf, len,
                         DMA_DIRECTION_FROM_DEVICE, attrs);
}

MemTxResult dma_memory_set(AddressSpace *as, dma_addr_t addr, uint8_t c,
                           dma_addr_t len, MemTxAttrs attrs)
{
    return address_space_set(as, addr, c, len, attrs);
}

void *dma_memory_map(AddressSpace *as, dma_addr_t addr, dma_addr_t *len,
                     DMADirection dir, MemTxAttrs attrs)
{
    hwaddr xlen = *len;
    void *p = address_space_map(as, addr, &xlen,
                                dir == DMA_DIRECTION_FROM_DEVICE, attrs);

    *len = p ? xlen : 0;
    return p;
}

void dma_memory_unmap(AddressSpace *as, void *buffer, dma_addr_t len,
                      DMADirection dir, dma_addr_t access_len)
{
    address_space_unmap(as, buffer, len, dir == DMA_DIRECTION_FROM_DEVICE,
                        access_len);
}

/* ---- loads and stores --------------------------------------------------- */

static MemTxResult dma_ld(AddressSpace *as, dma_addr_t addr, unsigned size,
                          uint64_t *val, MemTxAttrs attrs)
{
    MemTxResult r = MEMTX_OK;

    *val = address_space_ld(as, addr, size, false, attrs, &r);
    return r;
}

static MemTxResult dma_st(AddressSpace *as, dma_addr_t addr, unsigned size,
                          uint64_t val, MemTxAttrs attrs)
{
    MemTxResult r = MEMTX_OK;

    address_space_st(as, addr, val, size, false, attrs, &r);
    return r;
}

MemTxResult ldub_dma(AddressSpace *as, dma_addr_t addr, uint8_t *pval,
                     MemTxAttrs attrs)
{
    uint64_t v;
    MemTxResult r = dma_ld(as, addr, 1, &v, attrs);

    *pval = (uint8_t)v;
    return r;
}

MemTxResult lduw_le_dma(AddressSpace *as, dma_addr_t addr, uint16_t *pval,
                        MemTxAttrs attrs)
{
    uint64_t v;
    MemTxResult r = dma_ld(as, addr, 2, &v, attrs);

    *pval = (uint16_t)v;
    return r;
}

MemTxResult ldl_le_dma(AddressSpace *as, dma_addr_t addr, uint32_t *pval,
                       MemTxAttrs attrs)
{
    uint64_t v;
    MemTxResult r = dma_ld(as, addr, 4, &v, attrs);

    *pval = (uint32_t)v;
    return r;
}

MemTxResult ldq_le_dma(AddressSpace *as, dma_addr_t addr, uint64_t *pval,
                       MemTxAttrs attrs)
{
    return dma_ld(as, addr, 8, pval, attrs);
}

MemTxResult stb_dma(AddressSpace *as, dma_addr_t addr, uint8_t val,
                    MemTxAttrs attrs)
{
    return dma_st(as, addr, 1, val, attrs);
}

MemTxResult stw_le_dma(AddressSpace *as, dma_addr_t addr, uint16_t val,
                       MemTxAttrs attrs)
{
    return dma_st(as, addr, 2, val, attrs);
}

MemTxResult stl_le_dma(AddressSpace *as, dma_addr_t addr, uint32_t val,
                       MemTxAttrs attrs)
{
    return dma_st(as, addr, 4, val, attrs);
}

MemTxResult stq_le_dma(AddressSpace *as, dma_addr_t addr, uint64_t val,
                       MemTxAttrs attrs)
{
    return dma_st(as, addr, 8, val, attrs);
}

/* ---- scatter-gather lists ------------------------------------------------ */

void qemu_sglist_init(QEMUSGList *qsg, void *dev, int alloc_hint,
                      AddressSpace *as)
{
    if (alloc_hint < 0) {
        alloc_hint = 0;
    }
    qsg->sg = g_new(ScatterGatherEntry, alloc_hint ? alloc_hint : 1);
    qsg->nsg = 0;
    qsg->nalloc = alloc_hint ? alloc_hint : 1;
    qsg->size = 0;
    qsg->as = as;
    qsg->dev = dev;
}

void qemu_sglist_add(QEMUSGList *qsg, dma_addr_t base, dma_addr_t len)
{
    if (qsg->nsg == qsg->nalloc) {
        qsg->nalloc = 2 * qsg->nalloc + 1;
        qsg->sg = g_renew(ScatterGatherEntry, qsg->sg, qsg->nalloc);
    }
    qsg->sg[qsg->nsg].base = base;
    qsg->sg[qsg->nsg].len = len;
    /* QEMU's size is a size_t that would wrap; saturate instead */
    qsg->size = qsg->size + len < qsg->size ? UINT64_MAX : qsg->size + len;
    qsg->nsg++;
}

void qemu_sglist_destroy(QEMUSGList *qsg)
{
    g_free(qsg->sg);
    memset(qsg, 0, sizeof(*qsg));
}

static MemTxResult dma_buf_rw(void *buf, dma_addr_t len, dma_addr_t *residual,
                              QEMUSGList *sg, DMADirection dir,
                              MemTxAttrs attrs)
{
    uint8_t *ptr = buf;
    dma_addr_t left = sg->size;
    MemTxResult res = MEMTX_OK;
    int i = 0;

    if (len > left) {
        len = left;
    }
    /* i < nsg guards a saturated size */
    while (len > 0 && i < sg->nsg) {
        ScatterGatherEntry e = sg->sg[i++];
        dma_addr_t xfer = len < e.len ? len : e.len;

        res |= dma_memory_rw(sg->as, e.base, ptr, xfer, dir, attrs);
        ptr += xfer;
        len -= xfer;
        left -= xfer;
    }
    if (residual) {
        *residual = left;
    }
    return res;
}

MemTxResult dma_buf_read(void *ptr, dma_addr_t len, dma_addr_t *residual,
                         QEMUSGList *sg, MemTxAttrs attrs)
{
    return dma_buf_rw(ptr, len, residual, sg, DMA_DIRECTION_FROM_DEVICE,
                      attrs);
}

MemTxResult dma_buf_write(void *ptr, dma_addr_t len, dma_addr_t *residual,
                          QEMUSGList *sg, MemTxAttrs attrs)
{
    return dma_buf_rw(ptr, len, residual, sg, DMA_DIRECTION_TO_DEVICE, attrs);
}
