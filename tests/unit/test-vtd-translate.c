/*
 * test-vtd-translate.c - the translate callback and the per-device address
 * spaces of the VT-d model: IOTLB and context cache as QEMU 7.2 uses them
 * (stale until invalidated), fault processing disable, pass-through and
 * its fast path, address spaces switched by TE and by context
 * invalidations, the interrupt window (requests without PASID to
 * 0xFEEx_xxxx are interrupts; with PASID they are translated, and blocked
 * in pass-through), PASID address spaces in scalable mode, source ids from
 * the bus number the guest programmed, DMA across pages.
 */
#include "test-vtd-tb.h"

#define CM "aw-bits=48,caching-mode=on"
#define DID 5

static uint32_t dma_rl(TB *tb, hwaddr iova, MemTxResult *r)
{
    uint32_t v = 0;

    *r = tb_dma_read(tb, iova, &v, 4);
    return v;
}

static void ram_wl(TB *tb, hwaddr addr, uint32_t v)
{
    address_space_stl_le(tb->env->as, addr, v, MEMTXATTRS_UNSPECIFIED, NULL);
}

/* ---- caches --------------------------------------------------------------- */

static void test_caches(void)
{
    TB *tb = tb_new(CM);
    IntelIOMMUState *s = tb->env->s;
    MemTxResult r;
    hwaddr top2;

    tb_legacy(tb, 4, 0, DID, false);
    tb_map(tb, 0x1000, 0x300000, 1, 3);
    tb_map(tb, 0x2000, 0x301000, 1, 3);
    ram_wl(tb, 0x300000, 0xaaaa);
    ram_wl(tb, 0x301000, 0xbbbb);
    ram_wl(tb, 0x302000, 0xcccc);
    tb_enable(tb, false);

    vtd_stats_reset(s);
    g_assert_cmphex(dma_rl(tb, 0x1000, &r), ==, 0xaaaa);
    g_assert_cmpuint(s->stats.walks, ==, 1);
    g_assert_cmphex(dma_rl(tb, 0x1004, &r), ==, 0);
    g_assert_cmpuint(s->stats.walks, ==, 1);           /* IOTLB hit */
    g_assert_cmpuint(s->stats.iotlb_hits, ==, 1);
    g_assert_cmpuint(s->stats.ctx_misses + s->stats.ctx_hits, <=, 1);

    /* a changed PTE is not seen until invalidated (QEMU's IOTLB) */
    tb_map(tb, 0x1000, 0x302000, 1, 3);
    g_assert_cmphex(dma_rl(tb, 0x1000, &r), ==, 0xaaaa);
    tb_flush_page(tb, DID, 0x1000, 0);
    g_assert_cmphex(dma_rl(tb, 0x1000, &r), ==, 0xcccc);
    /* an invalidation of another domain does not drop it */
    tb_map(tb, 0x1000, 0x300000, 1, 3);
    tb_flush_domain(tb, DID + 1);
    g_assert_cmphex(dma_rl(tb, 0x1000, &r), ==, 0xcccc);
    tb_flush_domain(tb, DID);
    g_assert_cmphex(dma_rl(tb, 0x1000, &r), ==, 0xaaaa);

    /* the context cache: a new page table behind a cached context entry
     * is not seen until the context cache is invalidated */
    top2 = tb_alloc(tb);
    {
        hwaddr saved = tb->top;
        tb->top = top2;
        tb_map(tb, 0x2000, 0x302000, 1, 3);
        tb->top = saved;
    }
    ram_wq(tb->env, TB_CTX + TB_DEVFN * 16, top2 | 1);
    wrq(tb->env, VTD_REG_IOTLB, VTD_IOTLB_IVT | (1ULL << VTD_IOTLB_IIRG_SHIFT));
    g_assert_cmphex(dma_rl(tb, 0x2000, &r), ==, 0xbbbb);
    wrq(tb->env, VTD_REG_CCMD, VTD_CCMD_ICC | (3ULL << VTD_CCMD_CIRG_SHIFT) |
                               ((uint64_t)TB_DEVFN << 16));
    wrq(tb->env, VTD_REG_IOTLB, VTD_IOTLB_IVT | (1ULL << VTD_IOTLB_IIRG_SHIFT));
    g_assert_cmphex(dma_rl(tb, 0x2000, &r), ==, 0xcccc);
    tb_free(tb);
}

/* DMA across a page boundary: each page translated on its own */
static void test_dma_across_pages(void)
{
    TB *tb = tb_new(CM);
    uint8_t in[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, out[8];

    tb_legacy(tb, 4, 0, DID, false);
    tb_map(tb, 0x1000, 0x300000, 1, 3);
    tb_map(tb, 0x2000, 0x500000, 1, 3);
    tb_enable(tb, false);
    g_assert_cmpuint(tb_dma_write(tb, 0x1ffc, in, 8), ==, MEMTX_OK);
    address_space_read(tb->env->as, 0x300ffc, MEMTXATTRS_UNSPECIFIED, out, 4);
    address_space_read(tb->env->as, 0x500000, MEMTXATTRS_UNSPECIFIED,
                       out + 4, 4);
    g_assert_cmpmem(out, 8, in, 8);
    /* the second page unmapped: the access fails, fault at 0x2000 */
    tb_unmap(tb, 0x2000, 1);
    tb_flush_all(tb);
    g_assert_cmpuint(tb_dma_read(tb, 0x1ffc, out, 8), !=, MEMTX_OK);
    {
        TBFault f = tb_fault(tb);
        g_assert_true(f.f);
        g_assert_cmphex(f.addr, ==, 0x2000);
        g_assert_cmphex(f.reason, ==, VTD_FR_READ);
    }
    tb_free(tb);
}

/* ---- fault processing disable ---------------------------------------------- */

static void test_fpd(void)
{
    TB *tb = tb_new(CM);
    MemTxResult r;

    tb_legacy(tb, 4, 0, DID, true);
    tb_map(tb, 0x1000, 0x300000, 1, 1);
    tb_enable(tb, false);
    /* qualified faults: not recorded, the access fails all the same;
     * first with the context read now, then from the context cache */
    g_assert_cmphex(tb_dma_fault(tb, 0x9000, false), ==, 0x100);
    g_assert_cmphex(tb_dma_fault(tb, 0x9000, false), ==, 0x100);
    g_assert_cmphex(tb_dma_fault(tb, 0x1000, true), ==, 0x100);
    g_assert_cmphex(tb_dma_fault(tb, 1ULL << 50, true), ==, 0x100);
    dma_rl(tb, 0x1000, &r);
    g_assert_cmpuint(r, ==, MEMTX_OK);
    /* FPD cleared and the context cache invalidated: recorded again */
    ram_wq(tb->env, TB_CTX + TB_DEVFN * 16,
           ram_rq(tb->env, TB_CTX + TB_DEVFN * 16) & ~2ULL);
    tb_flush_all(tb);
    g_assert_cmphex(tb_dma_fault(tb, 0x9000, false), ==, VTD_FR_READ);
    tb_free(tb);
}

/* ---- pass-through and switching ---------------------------------------------- */

static void test_te_switch(void)
{
    TB *tb = tb_new(CM);
    IOMMUTLBEntry e;
    MemTxResult r;

    tb_legacy(tb, 4, 0, DID, false);
    tb_map(tb, 0x1000, 0x300000, 1, 3);
    ram_wl(tb, 0x1000, 0x1111);
    ram_wl(tb, 0x300000, 0x3333);
    /* translation off: the no-DMAR alias, identity */
    g_assert_false(tb->as->use_iommu);
    g_assert_cmphex(dma_rl(tb, 0x1000, &r), ==, 0x1111);
    /* the callback itself answers identity too (a direct lookup) */
    e = tb_translate(tb, 0x1234, false);
    g_assert_cmphex(e.translated_addr, ==, 0x1000);
    g_assert_cmphex(e.addr_mask, ==, 0xfff);
    g_assert_cmpint(e.perm, ==, IOMMU_RW);
    /* SRTP alone does not switch */
    wrq(tb->env, VTD_REG_RTADDR, TB_ROOT);
    wrl(tb->env, VTD_REG_GCMD, VTD_GCMD_SRTP);
    g_assert_false(tb->as->use_iommu);
    wrl(tb->env, VTD_REG_GCMD, VTD_GCMD_TE);
    g_assert_true(tb->as->use_iommu);
    g_assert_cmphex(dma_rl(tb, 0x1000, &r), ==, 0x3333);
    /* and off again */
    wrl(tb->env, VTD_REG_GCMD, 0);
    g_assert_false(tb->as->use_iommu);
    g_assert_cmphex(dma_rl(tb, 0x1000, &r), ==, 0x1111);

    /* an address space made while translation is on starts switched on */
    wrl(tb->env, VTD_REG_GCMD, VTD_GCMD_TE);
    {
        VTDAddressSpace *other = vtd_find_add_as(tb->env->s, NULL, 0x28,
                                                 VTD_NO_PASID);
        g_assert_true(other->use_iommu);
        g_assert_true(vtd_find_add_as(tb->env->s, NULL, 0x28, VTD_NO_PASID)
                      == other);
        g_assert_true(vtd_get_as_by_sid(tb->env->s, 0x28) == other);
        g_assert_true(vtd_get_as_by_sid(tb->env->s, TB_DEVFN) == tb->as);
        g_assert_null(vtd_get_as_by_sid(tb->env->s, 0x30));
    }
    g_assert_cmpuint(memory_region_iommu_get_min_page_size(&tb->as->iommu),
                     ==, 4096);
    tb_free(tb);
}

static void test_pass_through(void)
{
    TB *tb = tb_new("aw-bits=48");     /* no caching mode */
    IntelIOMMUState *s = tb->env->s;
    hwaddr ce = TB_CTX + TB_DEVFN * 16;
    MemTxResult r;

    tb_legacy(tb, 4, 2, DID, false);
    ram_wl(tb, 0x300000, 0x3333);
    tb_enable(tb, false);
    /* switched at TE: no-DMAR, no walk */
    g_assert_false(tb->as->use_iommu);
    vtd_stats_reset(s);
    g_assert_cmphex(dma_rl(tb, 0x300000, &r), ==, 0x3333);
    g_assert_cmpuint(r, ==, MEMTX_OK);
    g_assert_cmpuint(s->stats.walks + s->stats.iotlb_misses, ==, 0);

    /* into translation by a device context invalidation */
    tb_map(tb, 0x300000, 0x1000, 1, 3);
    ram_wq(tb->env, ce, ram_rq(tb->env, ce) & ~(3ULL << 2));
    wrq(tb->env, VTD_REG_CCMD, VTD_CCMD_ICC | (3ULL << VTD_CCMD_CIRG_SHIFT) |
                               ((uint64_t)TB_DEVFN << 16));
    g_assert_true(tb->as->use_iommu);
    ram_wl(tb, 0x1000, 0x1111);
    g_assert_cmphex(dma_rl(tb, 0x300000, &r), ==, 0x1111);

    /* the fast path: the context turned pass-through without any
     * invalidation, while its cached copy is stale: the next request
     * reads it, is answered identity and switches the address space
     * (QEMU's vtd_pt_enable_fast_path) */
    ram_wq(tb->env, ce, ram_rq(tb->env, ce) | (2ULL << 2));
    vtd_context_cache_bump(s);
    g_assert_cmphex(dma_rl(tb, 0x300004, &r), ==, 0);   /* IOTLB hit */
    ram_wl(tb, 0x5000, 0x5555);
    g_assert_cmphex(dma_rl(tb, 0x5000, &r), ==, 0x5555);
    g_assert_cmpuint(r, ==, MEMTX_OK);
    g_assert_false(tb->as->use_iommu);
    g_assert_cmphex(dma_rl(tb, 0x300000, &r), ==, 0x3333);

    /* pass-through without ECAP.PT: invalid context entry */
    tb_free(tb);
    tb = tb_new("aw-bits=48,pt=off");
    tb_legacy(tb, 4, 2, DID, false);
    tb_enable(tb, false);
    g_assert_true(tb->as->use_iommu);
    g_assert_cmphex(tb_dma_fault(tb, 0x300000, false), ==,
                    VTD_FR_CONTEXT_ENTRY_INV);
    tb_free(tb);
}

/* ---- interrupt window ------------------------------------------------------- */

static void test_interrupt_window(void)
{
    TB *tb = tb_new(CM);
    MemTxResult r;
    uint32_t v = 0x4321;

    tb_legacy(tb, 4, 0, DID, false);
    tb_map(tb, 0xfee00000, 0x300000, 1, 3);  /* never used: 3.14 */
    tb_enable(tb, false);
    g_array_set_size(tb->env->msi, 0);
    /* a write without PASID to 0xFEEx_xxxx is an interrupt: it reaches the
     * system's MSI window untranslated, no fault */
    g_assert_cmpuint(tb_dma_write(tb, 0xfee01004, &v, 4), ==, MEMTX_OK);
    g_assert_cmpuint(tb->env->msi->len, ==, 1);
    g_assert_cmphex(g_array_index(tb->env->msi, MsiWrite, 0).addr, ==,
                    0xfee01004);
    g_assert_cmphex(g_array_index(tb->env->msi, MsiWrite, 0).data, ==, 0x4321);
    g_assert_false(tb_fault(tb).f);
    /* reads of the window give 0 */
    g_assert_cmphex(dma_rl(tb, 0xfee00000, &r), ==, 0);
    g_assert_cmpuint(r, ==, MEMTX_OK);
    /* just below and above it: translated (not mapped: faults) */
    g_assert_cmphex(tb_dma_fault(tb, 0xfedff000, true), ==, VTD_FR_WRITE);
    g_assert_cmphex(tb_dma_fault(tb, 0xfef00000, true), ==, VTD_FR_WRITE);
    /* translation off: the same window (in vtd-nodmar) */
    wrl(tb->env, VTD_REG_GCMD, 0);
    g_array_set_size(tb->env->msi, 0);
    g_assert_cmpuint(tb_dma_write(tb, 0xfee00000, &v, 4), ==, MEMTX_OK);
    g_assert_cmpuint(tb->env->msi->len, ==, 1);
    /* the callback asked directly for the window: no entry, no record */
    wrl(tb->env, VTD_REG_GCMD, VTD_GCMD_TE);
    g_assert_cmpint(tb_translate(tb, 0xfee00000, true).perm, ==, IOMMU_NONE);
    g_assert_false(tb_fault(tb).f);
    tb_free(tb);
}

/* ---- scalable mode: PASID address spaces -------------------------------------- */

#define SM CM ",x-scalable-mode=on"

/* PASID entry @pasid in the PASID table of tb_scalable (same directory
 * entry as PASID 0..63): top table @top */
static void tb_pasid_entry(TB *tb, uint32_t pasid, hwaddr top, unsigned pgtt,
                           uint16_t did)
{
    hwaddr pe = TB_PTBL + (pasid & 63) * 64;

    ram_wq(tb->env, pe, top | ((uint64_t)pgtt << 6) | (2ULL << 2) | 1);
    ram_wq(tb->env, pe + 8, did);
}

static void test_pasid_as(void)
{
    TB *tb = tb_new(SM);
    IntelIOMMUState *s = tb->env->s;
    VTDAddressSpace *pas;
    hwaddr top0, top5;
    uint32_t v;
    TBFault f;

    top0 = tb_scalable(tb, 4, 2, 7, 0);
    tb_map(tb, 0x1000, 0x300000, 1, 3);
    top5 = tb_alloc(tb);
    tb->top = top5;
    tb_map(tb, 0x1000, 0x301000, 1, 3);
    tb_map(tb, 0xfee00000, 0x302000, 1, 3);
    tb->top = top0;
    tb_pasid_entry(tb, 5, top5, 2, 8);
    ram_wl(tb, 0x300000, 0xa0);
    ram_wl(tb, 0x301000, 0xa5);
    ram_wl(tb, 0x302000, 0xee);
    tb_enable(tb, true);

    pas = vtd_find_add_as(s, NULL, TB_DEVFN, 5);
    g_assert_nonnull(pas);
    g_assert_true(pas != tb->as);
    g_assert_cmpstr(memory_region_name(&pas->root), ==, "vtd-04.0-pasid-5");
    g_assert_true(pas->use_iommu);
    /* each PASID its own tables; the PASID's IOTLB entries are its own */
    address_space_read(&tb->as->as, 0x1000, MEMTXATTRS_UNSPECIFIED, &v, 4);
    g_assert_cmphex(v, ==, 0xa0);
    address_space_read(&pas->as, 0x1000, MEMTXATTRS_UNSPECIFIED, &v, 4);
    g_assert_cmphex(v, ==, 0xa5);
    address_space_read(&tb->as->as, 0x1000, MEMTXATTRS_UNSPECIFIED, &v, 4);
    g_assert_cmphex(v, ==, 0xa0);
    /* requests with PASID to 0xFEEx_xxxx are translated (3.14) */
    g_assert_cmpuint(address_space_read(&pas->as, 0xfee00000,
                                        MEMTXATTRS_UNSPECIFIED, &v, 4), ==,
                     MEMTX_OK);
    g_assert_cmphex(v, ==, 0xee);
    /* its faults carry PP and the PASID */
    g_assert_cmpuint(address_space_read(&pas->as, 0x9000,
                                        MEMTXATTRS_UNSPECIFIED, &v, 4), !=,
                     MEMTX_OK);
    f = tb_fault(tb);
    g_assert_true(f.f);
    g_assert_true(f.pp);
    g_assert_cmphex(f.pv, ==, 5);
    g_assert_cmphex(f.reason, ==, VTD_FR_READ);
    /* a PASID with no entry */
    {
        VTDAddressSpace *p9 = vtd_find_add_as(s, NULL, TB_DEVFN, 9);
        g_assert_cmpuint(address_space_read(&p9->as, 0x1000,
                                            MEMTXATTRS_UNSPECIFIED, &v, 4),
                         !=, MEMTX_OK);
        g_assert_cmphex(tb_fault(tb).reason, ==, VTD_FR_PASID_TABLE_INV);
    }

    /* PASID 5 in pass-through: the no-DMAR alias, and the interrupt range
     * blocked with fault 0x87 (vtd-no-ir) */
    tb_pasid_entry(tb, 5, top5, 4, 8);
    wrq(tb->env, VTD_REG_CCMD, VTD_CCMD_ICC | (1ULL << VTD_CCMD_CIRG_SHIFT));
    g_assert_false(pas->use_iommu);
    g_assert_true(tb->as->use_iommu);
    address_space_read(&pas->as, 0x300000, MEMTXATTRS_UNSPECIFIED, &v, 4);
    g_assert_cmphex(v, ==, 0xa0);
    g_assert_cmpuint(address_space_read(&pas->as, 0xfee00010,
                                        MEMTXATTRS_UNSPECIFIED, &v, 4), !=,
                     MEMTX_OK);
    f = tb_fault(tb);
    g_assert_true(f.f);
    g_assert_cmphex(f.reason, ==, VTD_FR_SM_INTERRUPT_ADDR);
    g_assert_true(f.pp);
    g_assert_cmphex(f.pv, ==, 5);
    g_assert_cmphex(f.addr, ==, 0xfee00000);
    tb_free(tb);
}

/* ---- source ids from the guest's bus numbers ----------------------------------- */

static uint8_t bus3(PCIBus *bus)
{
    return 3;
}

static void test_bus_number(void)
{
    static int fake_bus;    /* stands for a PCIBus the glue numbers */
    TB *tb = tb_new(CM);
    IntelIOMMUState *s = tb->env->s;
    VTDAddressSpace *dev;
    TBFault f;
    uint32_t v;

    tb_legacy(tb, 4, 0, DID, false);
    tb_map(tb, 0x1000, 0x300000, 1, 3);
    /* the device's bus is numbered 3 by the guest: root entry 3 */
    ram_wq(tb->env, TB_ROOT + 3 * 16, TB_CTX | 1);
    ram_wq(tb->env, TB_ROOT, 0);
    vtd_set_bus_num_fn(s, bus3);
    dev = vtd_find_add_as(s, (PCIBus *)&fake_bus, TB_DEVFN, VTD_NO_PASID);
    g_assert_cmphex(vtd_as_sid(dev), ==, 0x320);
    tb_enable(tb, false);
    g_assert_cmpuint(address_space_read(&dev->as, 0x1000,
                                        MEMTXATTRS_UNSPECIFIED, &v, 4), ==,
                     MEMTX_OK);
    g_assert_cmpuint(address_space_read(&dev->as, 0x9000,
                                        MEMTXATTRS_UNSPECIFIED, &v, 4), !=,
                     MEMTX_OK);
    f = tb_fault(tb);
    g_assert_cmphex(f.sid, ==, 0x320);
    g_assert_true(vtd_get_as_by_sid(s, 0x320) == dev);
    g_assert_true(vtd_as_matches_sid(dev, 0x324, 1));   /* FM ignores */
    g_assert_false(vtd_as_matches_sid(dev, 0x324, 0));  /* bit 2 */
    g_assert_true(vtd_as_matches_sid(dev, 0x327, 3));
    g_assert_false(vtd_as_matches_sid(dev, 0x328, 3));
    /* the bus-less one (bus 0): root entry 0 is not present */
    g_assert_cmphex(tb_dma_fault(tb, 0x1000, false), ==, VTD_FR_ROOT_ENTRY_P);
    tb_free(tb);
}

/* ---- a guest that writes garbage everywhere: never a crash ------------------- */

static void count_event(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    (*(unsigned *)n->opaque)++;
    g_assert_cmphex(e->iova & e->addr_mask, ==, 0);
    g_assert_cmphex(e->addr_mask & (e->addr_mask + 1), ==, 0);
}

static void test_garbage_tables(void)
{
    TB *tb = tb_new(CM ",device-iotlb=on");
    GRand *rnd = g_rand_new_with_seed(4);
    IOMMUNotifier n;
    unsigned events = 0;
    uint8_t buf[64];

    tb_legacy(tb, 4, 0, DID, false);
    tb_enable(tb, false);
    /* a VFIO-style notifier: every invalidation walks the garbage */
    iommu_notifier_init(&n, count_event, IOMMU_NOTIFIER_IOTLB_EVENTS, 0,
                        HWADDR_MAX, 0);
    n.opaque = &events;
    g_assert_true(memory_region_register_iommu_notifier(
        MEMORY_REGION(&tb->as->iommu), &n, NULL));
    for (unsigned round = 0; round < 400; round++) {
        /* random words over the root table, context table and the page
         * table pool, some pointing back into those tables */
        for (unsigned i = 0; i < 64; i++) {
            hwaddr where = (g_rand_int_range(rnd, 0, 3) == 0
                            ? TB_ROOT + g_rand_int_range(rnd, 0, 0x2000)
                            : TB_PT_POOL + g_rand_int_range(rnd, 0, 0x8000))
                           & ~7ULL;
            uint64_t v = ((uint64_t)g_rand_int(rnd) << 32) | g_rand_int(rnd);
            switch (g_rand_int_range(rnd, 0, 4)) {
            case 0:
                v = TB_PT_POOL + (v & 0x7000) + (v & 3);
                break;
            case 1:
                v = TB_ROOT | (v & 0x83);
                break;
            case 2:
                v = UINT64_MAX;
                break;
            }
            ram_wq(tb->env, where, v);
        }
        tb_flush_all(tb);
        tb_dma_read(tb, (hwaddr)g_rand_int(rnd) << 12, buf,
                    g_rand_int_range(rnd, 1, sizeof(buf)));
        tb_fault(tb);
    }
    g_rand_free(rnd);
    g_test_message("%u notifier events", events);
    memory_region_unregister_iommu_notifier(MEMORY_REGION(&tb->as->iommu),
                                            &n);
    tb_free(tb);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vtd/translate/caches", test_caches);
    g_test_add_func("/vtd/translate/dma-across-pages", test_dma_across_pages);
    g_test_add_func("/vtd/translate/fpd", test_fpd);
    g_test_add_func("/vtd/translate/te-switch", test_te_switch);
    g_test_add_func("/vtd/translate/pass-through", test_pass_through);
    g_test_add_func("/vtd/translate/interrupt-window",
                    test_interrupt_window);
    g_test_add_func("/vtd/translate/pasid-as", test_pasid_as);
    g_test_add_func("/vtd/translate/bus-number", test_bus_number);
    g_test_add_func("/vtd/translate/garbage-tables", test_garbage_tables);
    return g_test_run();
}
