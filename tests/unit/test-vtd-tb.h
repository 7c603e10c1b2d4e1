/*
 * test-vtd-tb.h - a table builder for the VT-d translation tests: root,
 * context (legacy and scalable), PASID directory/table and second-level
 * page tables written into the guest RAM of test-vtd-env.h's machine, the
 * way a guest driver writes them; DMA of a device through its VT-d address
 * space and the fault recording register read back.
 *
 * Layout: root table at TB_ROOT, context tables from TB_CTX, PASID tables
 * at TB_PDIR/TB_PTBL, page tables allocated upwards from TB_PT_POOL.
 */
#ifndef IOMMUSIM_TEST_VTD_TB_H
#define IOMMUSIM_TEST_VTD_TB_H

#include "test-vtd-env.h"

#define TB_ROOT     0x100000ULL
#define TB_CTX      0x101000ULL
#define TB_PDIR     0x106000ULL
#define TB_PTBL     0x107000ULL
#define TB_PT_POOL  0x200000ULL
#define TB_DEVFN    0x20          /* 00:04.0, source id 0x0020 */

#define FR_REG_LO   0x220
#define FR_REG_HI   0x228

typedef struct TB {
    VtdEnv *env;
    hwaddr next;        /* next free page-table page */
    hwaddr top;         /* top-level table of the device's context */
    unsigned levels;
    VTDAddressSpace *as;
} TB;

static inline uint64_t ram_rq(VtdEnv *env, hwaddr addr)
{
    return address_space_ldq_le(env->as, addr, MEMTXATTRS_UNSPECIFIED, NULL);
}

static inline hwaddr tb_alloc(TB *tb)
{
    hwaddr p = tb->next;
    tb->next += 0x1000;
    for (unsigned i = 0; i < 512; i++) {
        ram_wq(tb->env, p + i * 8, 0);
    }
    return p;
}

/* A unit with @props and the address space of device 00:04.0 */
static inline TB *tb_new(const char *props)
{
    TB *tb = g_new0(TB, 1);

    tb->env = env_new(props);
    tb->next = TB_PT_POOL;
    tb->as = vtd_find_add_as(tb->env->s, NULL, TB_DEVFN, VTD_NO_PASID);
    g_assert_nonnull(tb->as);
    return tb;
}

static inline void tb_free(TB *tb)
{
    env_free(tb->env);
    g_free(tb);
}

/* Legacy root + context entry for TB_DEVFN: @tt translation type, AW from
 * @levels (3: 1, 4: 2), domain @did; returns the top table. */
static inline hwaddr tb_legacy(TB *tb, unsigned levels, unsigned tt,
                               uint16_t did, bool fpd)
{
    hwaddr ce = TB_CTX + TB_DEVFN * 16;

    tb->levels = levels;
    tb->top = tb_alloc(tb);
    ram_wq(tb->env, TB_ROOT, TB_CTX | 1);
    ram_wq(tb->env, TB_ROOT + 8, 0);
    ram_wq(tb->env, ce, tb->top | ((uint64_t)tt << 2) | (fpd ? 2 : 0) | 1);
    ram_wq(tb->env, ce + 8, (levels - 2) | ((uint64_t)did << 8));
    return tb->top;
}

/* Scalable-mode root, context (RID_PASID @rid_pasid), PASID directory and
 * entry (PGTT @pgtt, AW from @levels, domain @did); returns the top
 * table. */
static inline hwaddr tb_scalable(TB *tb, unsigned levels, unsigned pgtt,
                                 uint16_t did, uint32_t rid_pasid)
{
    hwaddr ce = TB_CTX + (TB_DEVFN & 0x7f) * 32;
    hwaddr pe = TB_PTBL + (rid_pasid & 63) * 64;

    tb->levels = levels;
    tb->top = tb_alloc(tb);
    ram_wq(tb->env, TB_ROOT, TB_CTX | 1);
    ram_wq(tb->env, TB_ROOT + 8, 0);
    ram_wq(tb->env, ce, TB_PDIR | 1);
    ram_wq(tb->env, ce + 8, rid_pasid);
    ram_wq(tb->env, ce + 16, 0);
    ram_wq(tb->env, ce + 24, 0);
    ram_wq(tb->env, TB_PDIR + (rid_pasid >> 6) * 8, TB_PTBL | 1);
    ram_wq(tb->env, pe, tb->top | ((uint64_t)pgtt << 6) |
                        ((uint64_t)(levels - 2) << 2) | 1);
    ram_wq(tb->env, pe + 8, did);
    for (unsigned i = 2; i < 8; i++) {
        ram_wq(tb->env, pe + i * 8, 0);
    }
    return tb->top;
}

/* Address of the entry for @iova at @level (tables created on the way,
 * with @table_perm on every non-leaf entry made). */
static inline hwaddr tb_slot(TB *tb, hwaddr iova, unsigned level,
                             uint64_t table_perm)
{
    hwaddr t = tb->top;

    for (unsigned l = tb->levels; l > level; l--) {
        hwaddr e = t + ((iova >> (12 + 9 * (l - 1))) & 511) * 8;
        uint64_t v = ram_rq(tb->env, e);
        if (!(v & 3) || (v & 0x80)) {
            v = tb_alloc(tb) | table_perm;
            ram_wq(tb->env, e, v);
        }
        t = v & 0x000ffffffffff000ULL;
    }
    return t + ((iova >> (12 + 9 * (level - 1))) & 511) * 8;
}

/* Map @iova -> @pa with a leaf at @level (1: 4 KiB, 2: 2 MiB, 3: 1 GiB) */
static inline void tb_map(TB *tb, hwaddr iova, hwaddr pa, unsigned level,
                          unsigned perm)
{
    hwaddr slot = tb_slot(tb, iova, level, 3);
    ram_wq(tb->env, slot, pa | perm | (level > 1 ? 0x80 : 0));
}

static inline void tb_unmap(TB *tb, hwaddr iova, unsigned level)
{
    ram_wq(tb->env, tb_slot(tb, iova, level, 3), 0);
}

/* SRTP (legacy or scalable root) then TE */
static inline void tb_enable(TB *tb, bool scalable)
{
    wrq(tb->env, VTD_REG_RTADDR, TB_ROOT | (scalable ? VTD_RTADDR_SMT : 0));
    wrl(tb->env, VTD_REG_GCMD, VTD_GCMD_SRTP);
    wrl(tb->env, VTD_REG_GCMD, VTD_GCMD_TE);
}

/* Global context-cache and IOTLB invalidation through the registers */
static inline void tb_flush_all(TB *tb)
{
    wrq(tb->env, VTD_REG_CCMD, VTD_CCMD_ICC | (1ULL << VTD_CCMD_CIRG_SHIFT));
    wrq(tb->env, VTD_REG_IOTLB, VTD_IOTLB_IVT | (1ULL << VTD_IOTLB_IIRG_SHIFT));
}

/* Page-selective IOTLB invalidation of 2^am pages at @addr, domain @did */
static inline void tb_flush_page(TB *tb, uint16_t did, hwaddr addr,
                                 unsigned am)
{
    wrq(tb->env, VTD_REG_IVA, addr | am);
    wrq(tb->env, VTD_REG_IOTLB, VTD_IOTLB_IVT |
                                (3ULL << VTD_IOTLB_IIRG_SHIFT) |
                                ((uint64_t)did << 32));
}

static inline void tb_flush_domain(TB *tb, uint16_t did)
{
    wrq(tb->env, VTD_REG_IOTLB, VTD_IOTLB_IVT |
                                (2ULL << VTD_IOTLB_IIRG_SHIFT) |
                                ((uint64_t)did << 32));
}

/* A fault record, then cleared (F is write-1-to-clear, FSTS too) */
typedef struct TBFault {
    bool f;
    unsigned reason;
    uint16_t sid;
    hwaddr addr;
    bool is_read;     /* T */
    bool pp;
    uint32_t pv;
    uint32_t fsts;
} TBFault;

static inline TBFault tb_fault(TB *tb)
{
    uint64_t lo = rdq(tb->env, FR_REG_LO), hi = rdq(tb->env, FR_REG_HI);
    TBFault f = {
        .f = hi >> 63, .reason = (hi >> 32) & 0xff, .sid = hi & 0xffff,
        .addr = lo, .is_read = (hi >> 62) & 1, .pp = (hi >> 31) & 1,
        .pv = (hi >> 40) & 0xfffff, .fsts = rdl(tb->env, VTD_REG_FSTS),
    };
    wrl(tb->env, FR_REG_HI + 4, 0x80000000u);
    wrl(tb->env, VTD_REG_FSTS, 0x7f);
    return f;
}

/* DMA of @len bytes by the device; the MemTxResult */
static inline MemTxResult tb_dma_read(TB *tb, hwaddr iova, void *buf,
                                      hwaddr len)
{
    return address_space_read(&tb->as->as, iova, MEMTXATTRS_UNSPECIFIED, buf,
                              len);
}

static inline MemTxResult tb_dma_write(TB *tb, hwaddr iova, const void *buf,
                                       hwaddr len)
{
    return address_space_write(&tb->as->as, iova, MEMTXATTRS_UNSPECIFIED, buf,
                               len);
}

/* Reason of the fault a DMA read (or write) of 4 bytes at @iova records;
 * 0 if it succeeds without a record. */
static inline unsigned tb_dma_fault(TB *tb, hwaddr iova, bool write)
{
    uint32_t v = 0;
    MemTxResult r = write ? tb_dma_write(tb, iova, &v, 4)
                          : tb_dma_read(tb, iova, &v, 4);
    TBFault f = tb_fault(tb);

    if (r == MEMTX_OK) {
        g_assert_false(f.f);
        return 0;
    }
    return f.f ? f.reason : 0x100; /* failed without a record */
}

/* The IOMMU region's answer for @iova (a lookup, as the translate loop
 * makes it) */
static inline IOMMUTLBEntry tb_translate(TB *tb, hwaddr iova, bool write)
{
    return memory_region_iommu_translate(&tb->as->iommu, iova,
                                         write ? IOMMU_WO : IOMMU_RO, 0);
}

#endif
