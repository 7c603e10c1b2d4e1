/*
 * test-vtd-walk.c - the guest's tables as the VT-d model reads them: legacy
 * root/context entries and translation types, scalable-mode root, context,
 * PASID directory and table, second-level tables of 3 and 4 levels, 2 MiB
 * and 1 GiB pages, permissions stacked across levels, reserved bits at
 * every level, address widths, tables pointing at themselves or at a
 * higher level, tables outside RAM or in MMIO.
 *
 * Expected fault reasons are what qemu-system-x86_64 7.2 records for the
 * same tables (edu DMA through -device intel-iommu, fault recording
 * register read back; see the report of this work for the runs).
 */
#include "test-vtd-tb.h"

static const uint8_t pattern[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

/* ---- legacy, 4 KiB pages -------------------------------------------------- */

static void test_legacy_4level(void)
{
    TB *tb = tb_new("aw-bits=48,caching-mode=on");
    uint8_t buf[8];
    IOMMUTLBEntry e;

    tb_legacy(tb, 4, 0, 5, false);
    tb_map(tb, 0x1000, 0x300000, 1, 3);
    address_space_write(tb->env->as, 0x300010, MEMTXATTRS_UNSPECIFIED,
                        pattern, 8);
    tb_enable(tb, false);

    g_assert_cmpuint(tb_dma_read(tb, 0x1010, buf, 8), ==, MEMTX_OK);
    g_assert_cmpmem(buf, 8, pattern, 8);
    e = tb_translate(tb, 0x1234, true);
    g_assert_cmphex(e.iova, ==, 0x1000);
    g_assert_cmphex(e.translated_addr, ==, 0x300000);
    g_assert_cmphex(e.addr_mask, ==, 0xfff);
    g_assert_cmpint(e.perm, ==, IOMMU_RW);
    g_assert_true(e.target_as == tb->env->as);
    g_assert_false(tb_fault(tb).f);

    /* not mapped: read 6, write 5, at the page, source id 00:04.0 */
    g_assert_cmphex(tb_dma_fault(tb, 0x9000, false), ==, VTD_FR_READ);
    g_assert_cmphex(tb_dma_fault(tb, 0x9000, true), ==, VTD_FR_WRITE);
    {
        uint32_t v;
        TBFault f;
        tb_dma_read(tb, 0x9abc, &v, 4);
        f = tb_fault(tb);
        g_assert_true(f.f);
        g_assert_cmphex(f.sid, ==, 0x20);
        g_assert_cmphex(f.addr, ==, 0x9000);
        g_assert_true(f.is_read);
        /* QEMU 7.2 records PASID bits 15:0 of "no PASID": 0xffff, PP 0 */
        g_assert_false(f.pp);
        g_assert_cmphex(f.pv, ==, 0xffff);
        g_assert_cmphex(f.fsts, ==, VTD_FSTS_PPF);
    }
    tb_free(tb);
}

static void test_legacy_3level(void)
{
    /* aw-bits=39: SAGAW offers 3 levels only */
    TB *tb = tb_new("aw-bits=39");
    uint8_t buf[8];

    tb_legacy(tb, 3, 0, 1, false);
    tb_map(tb, 0x7fff000000ULL, 0x300000, 1, 3); /* near 2^39 */
    address_space_write(tb->env->as, 0x300000, MEMTXATTRS_UNSPECIFIED,
                        pattern, 8);
    tb_enable(tb, false);
    g_assert_cmpuint(tb_dma_read(tb, 0x7fff000000ULL, buf, 8), ==, MEMTX_OK);
    g_assert_cmpmem(buf, 8, pattern, 8);
    /* 2^39: above the address width */
    g_assert_cmphex(tb_dma_fault(tb, 1ULL << 39, false), ==,
                    VTD_FR_ADDR_BEYOND_MGAW);
    tb_free(tb);

    /* 3-level context on an aw-bits=48 unit: its own width is 39 */
    tb = tb_new("aw-bits=48");
    tb_legacy(tb, 3, 0, 1, false);
    tb_map(tb, 0x1000, 0x300000, 1, 3);
    tb_enable(tb, false);
    g_assert_cmphex(tb_dma_fault(tb, 0x1000, false), ==, 0);
    g_assert_cmphex(tb_dma_fault(tb, 1ULL << 39, false), ==,
                    VTD_FR_ADDR_BEYOND_MGAW);
    g_assert_cmphex(tb_dma_fault(tb, 1ULL << 48, false), ==,
                    VTD_FR_ADDR_BEYOND_MGAW);
    tb_free(tb);
}

/* ---- superpages --------------------------------------------------------- */

static void test_superpages(void)
{
    TB *tb = tb_new("aw-bits=48,caching-mode=on");
    uint8_t buf[8];
    IOMMUTLBEntry e;

    tb_legacy(tb, 4, 0, 5, false);
    tb_map(tb, 0x40600000, 0x400000, 2, 3);     /* 2 MiB */
    tb_map(tb, 0x80000000, 0x0, 3, 1);          /* 1 GiB, read-only */
    address_space_write(tb->env->as, 0x400000 + 0x1234,
                        MEMTXATTRS_UNSPECIFIED, pattern, 8);
    tb_enable(tb, false);

    g_assert_cmpuint(tb_dma_read(tb, 0x40601234, buf, 8), ==, MEMTX_OK);
    g_assert_cmpmem(buf, 8, pattern, 8);
    e = tb_translate(tb, 0x40612345, false);
    g_assert_cmphex(e.iova, ==, 0x40600000);
    g_assert_cmphex(e.translated_addr, ==, 0x400000);
    g_assert_cmphex(e.addr_mask, ==, 0x1fffff);

    g_assert_cmpuint(tb_dma_read(tb, 0x80401234, buf, 8), ==, MEMTX_OK);
    g_assert_cmpmem(buf, 8, pattern, 8);
    e = tb_translate(tb, 0x80401234, false);
    g_assert_cmphex(e.iova, ==, 0x80000000);
    g_assert_cmphex(e.addr_mask, ==, 0x3fffffff);
    g_assert_cmpint(e.perm, ==, IOMMU_RO);
    /* a write that hits the read-only IOTLB entry fails without a record
     * (QEMU 7.2: the IOTLB answer is not checked against the access) */
    g_assert_cmphex(tb_dma_fault(tb, 0x80401234, true), ==, 0x100);
    tb_flush_all(tb);
    g_assert_cmphex(tb_dma_fault(tb, 0x80401234, true), ==, VTD_FR_WRITE);

    /* a 2 MiB leaf with address bits below 2 MiB: reserved (QEMU: 0xc) */
    tb_map(tb, 0x40800000, 0x401000, 2, 3);
    tb_flush_all(tb);
    g_assert_cmphex(tb_dma_fault(tb, 0x40800000, false), ==,
                    VTD_FR_PAGING_ENTRY_RSVD);
    tb_free(tb);
}

/* ---- permissions -------------------------------------------------------- */

static void test_permissions_stacked(void)
{
    TB *tb = tb_new("aw-bits=48,caching-mode=on");
    IOMMUTLBEntry e;
    hwaddr l3;

    tb_legacy(tb, 4, 0, 5, false);
    tb_map(tb, 0x1000, 0x300000, 1, 3);
    /* the level-3 entry (PDPT) read-only: writes fault at any leaf below */
    l3 = tb_slot(tb, 0x1000, 3, 3);
    ram_wq(tb->env, l3, (ram_rq(tb->env, l3) & ~3ULL) | 1);
    tb_enable(tb, false);
    g_assert_cmphex(tb_dma_fault(tb, 0x1000, true), ==, VTD_FR_WRITE);
    e = tb_translate(tb, 0x1000, false);
    g_assert_cmpint(e.perm, ==, IOMMU_RO);
    g_assert_cmphex(tb_dma_fault(tb, 0x1000, false), ==, 0);

    /* write-only leaf under RW tables */
    tb_map(tb, 0x2000, 0x300000, 1, 2);
    tb_flush_all(tb);
    g_assert_cmphex(tb_dma_fault(tb, 0x2000, false), ==, VTD_FR_READ);
    tb_free(tb);
}

/* ---- reserved bits ------------------------------------------------------ */

static unsigned rsvd_case(const char *props, unsigned levels, unsigned level,
                          uint64_t bits)
{
    TB *tb = tb_new(props);
    hwaddr slot;
    unsigned fr;

    tb_legacy(tb, levels, 0, 5, false);
    tb_map(tb, 0x1000, 0x300000, 1, 3);
    slot = tb_slot(tb, 0x1000, level, 3);
    ram_wq(tb->env, slot, ram_rq(tb->env, slot) | bits);
    tb_enable(tb, false);
    fr = tb_dma_fault(tb, 0x1000, false);
    tb_free(tb);
    return fr;
}

static void test_reserved_bits(void)
{
    const char *p48 = "aw-bits=48,caching-mode=on";

    for (unsigned level = 1; level <= 4; level++) {
        /* QEMU 7.2: bits aw..51, 11 and 62 reserved everywhere */
        g_assert_cmphex(rsvd_case(p48, 4, level, 1ULL << 51), ==,
                        VTD_FR_PAGING_ENTRY_RSVD);
        g_assert_cmphex(rsvd_case(p48, 4, level, 1ULL << 11), ==,
                        VTD_FR_PAGING_ENTRY_RSVD);
        g_assert_cmphex(rsvd_case(p48, 4, level, 1ULL << 62), ==,
                        VTD_FR_PAGING_ENTRY_RSVD);
        /* 52 is ignored */
        g_assert_cmphex(rsvd_case(p48, 4, level, 1ULL << 52), ==, 0);
    }
    /* PS: reserved at level 4, a misaligned large page at 3 and 2,
     * ignored at 1 */
    g_assert_cmphex(rsvd_case(p48, 4, 4, 0x80), ==, VTD_FR_PAGING_ENTRY_RSVD);
    g_assert_cmphex(rsvd_case(p48, 4, 3, 0x80), ==, VTD_FR_PAGING_ENTRY_RSVD);
    g_assert_cmphex(rsvd_case(p48, 4, 2, 0x80), ==, VTD_FR_PAGING_ENTRY_RSVD);
    g_assert_cmphex(rsvd_case(p48, 4, 1, 0x80), ==, 0);
    /* aw-bits=39: bit 39 and up are reserved, 38 is an address bit */
    g_assert_cmphex(rsvd_case("aw-bits=39", 3, 3, 1ULL << 40), ==,
                    VTD_FR_PAGING_ENTRY_RSVD);
    g_assert_cmphex(rsvd_case("aw-bits=39", 3, 1, 1ULL << 39), ==,
                    VTD_FR_PAGING_ENTRY_RSVD);
    /* (translated above RAM: the DMA fails, nothing recorded) */
    g_assert_cmphex(rsvd_case("aw-bits=39", 3, 1, 1ULL << 38), ==, 0x100);
    /* device-iotlb: TM (62) allowed in leaves only */
    g_assert_cmphex(rsvd_case("aw-bits=48,device-iotlb=on", 4, 1, 1ULL << 62),
                    ==, 0);
    g_assert_cmphex(rsvd_case("aw-bits=48,device-iotlb=on", 4, 2, 1ULL << 62),
                    ==, VTD_FR_PAGING_ENTRY_RSVD);
    /* snoop control: SNP (11) allowed in leaves only */
    g_assert_cmphex(rsvd_case("aw-bits=48,snoop-control=on", 4, 1, 1ULL << 11),
                    ==, 0);
    g_assert_cmphex(rsvd_case("aw-bits=48,snoop-control=on", 4, 3, 1ULL << 11),
                    ==, VTD_FR_PAGING_ENTRY_RSVD);

    /* permission is checked before reserved bits (QEMU): R clear + bit 11
     * gives a read fault */
    {
        TB *tb = tb_new(p48);
        hwaddr slot;
        tb_legacy(tb, 4, 0, 5, false);
        tb_map(tb, 0x1000, 0x300000, 1, 2 | 0x800);
        tb_enable(tb, false);
        g_assert_cmphex(tb_dma_fault(tb, 0x1000, false), ==, VTD_FR_READ);
        slot = tb_slot(tb, 0x1000, 1, 3);
        g_assert_cmphex(ram_rq(tb->env, slot) & 0x800, ==, 0x800);
        tb_free(tb);
    }
}

static void test_sllps(void)
{
    TB *tb = tb_new("aw-bits=48");
    IntelIOMMUState *s = tb->env->s;

    /* a unit that would not advertise 1 GiB pages: PS at level 3 is
     * reserved even on an aligned entry (VT-d spec 9.8) */
    tb_legacy(tb, 4, 0, 5, false);
    tb_map(tb, 0x40000000, 0x0, 3, 3);
    tb_enable(tb, false);
    g_assert_cmphex(tb_dma_fault(tb, 0x40000000, false), ==, 0);
    s->cap &= ~VTD_CAP_SLLPS_1G;
    tb_flush_all(tb);
    g_assert_cmphex(tb_dma_fault(tb, 0x40000000, false), ==,
                    VTD_FR_PAGING_ENTRY_RSVD);
    tb_free(tb);
}

/* ---- loops ------------------------------------------------------------------ */

static void test_self_reference(void)
{
    TB *tb = tb_new("aw-bits=48,caching-mode=on");
    IOMMUTLBEntry e;
    hwaddr top;

    top = tb_legacy(tb, 4, 0, 5, false);
    /* PML4[0] -> PML4: each level reads the same page; the walk ends at
     * level 1 after 4 reads with a "leaf" that is the table itself */
    ram_wq(tb->env, top, top | 3);
    tb_enable(tb, false);
    e = tb_translate(tb, 0x0, false);
    g_assert_cmpint(e.perm, ==, IOMMU_RW);
    g_assert_cmphex(e.translated_addr, ==, top);
    g_assert_cmphex(tb_dma_fault(tb, 0x1000, false), ==, VTD_FR_READ);
    tb_free(tb);

    /* a level-2 entry pointing back at the PML4 */
    tb = tb_new("aw-bits=48,caching-mode=on");
    top = tb_legacy(tb, 4, 0, 5, false);
    tb_map(tb, 0x1000, 0x300000, 1, 3);
    ram_wq(tb->env, tb_slot(tb, 0x0, 2, 3), top | 3);
    tb_enable(tb, false);
    e = tb_translate(tb, 0x0, false);
    g_assert_cmpint(e.perm, ==, IOMMU_RW);
    g_assert_cmphex(e.translated_addr, ==, ram_rq(tb->env, top) & ~0xfffULL);
    tb_free(tb);
}

/* ---- tables outside RAM, in MMIO ------------------------------------------ */

static void test_tables_unreadable(void)
{
    TB *tb;
    hwaddr top;

    /* root table outside RAM: 8 */
    tb = tb_new("aw-bits=48");
    tb_legacy(tb, 4, 0, 5, false);
    wrq(tb->env, VTD_REG_RTADDR, 0x20000000);
    wrl(tb->env, VTD_REG_GCMD, VTD_GCMD_SRTP);
    wrl(tb->env, VTD_REG_GCMD, VTD_GCMD_TE);
    g_assert_cmphex(tb_dma_fault(tb, 0x1000, false), ==,
                    VTD_FR_ROOT_TABLE_INV);
    /* in the VT-d register window (MMIO that reads): VER/CAP as a root
     * entry: not present, as QEMU */
    wrq(tb->env, VTD_REG_RTADDR, VTD_BASE);
    wrl(tb->env, VTD_REG_GCMD, VTD_GCMD_SRTP | VTD_GCMD_TE);
    g_assert_cmphex(tb_dma_fault(tb, 0x1000, false), ==, VTD_FR_ROOT_ENTRY_P);
    tb_free(tb);

    /* context table outside RAM: 9 */
    tb = tb_new("aw-bits=48");
    tb_legacy(tb, 4, 0, 5, false);
    ram_wq(tb->env, TB_ROOT, 0x20000000 | 1);
    tb_enable(tb, false);
    g_assert_cmphex(tb_dma_fault(tb, 0x1000, false), ==,
                    VTD_FR_CONTEXT_TABLE_INV);
    tb_free(tb);

    /* top-level page table outside RAM: invalid context entry (3) */
    tb = tb_new("aw-bits=48");
    tb_legacy(tb, 4, 0, 5, false);
    ram_wq(tb->env, TB_CTX + TB_DEVFN * 16, 0x20000000 | 1);
    tb_enable(tb, false);
    g_assert_cmphex(tb_dma_fault(tb, 0x1000, false), ==,
                    VTD_FR_CONTEXT_ENTRY_INV);
    tb_free(tb);

    /* lower-level tables outside RAM or in MMIO: 7 */
    tb = tb_new("aw-bits=48");
    top = tb_legacy(tb, 4, 0, 5, false);
    ram_wq(tb->env, top, 0x20000000 | 3);
    tb_enable(tb, false);
    g_assert_cmphex(tb_dma_fault(tb, 0x1000, false), ==,
                    VTD_FR_PAGING_ENTRY_INV);
    ram_wq(tb->env, top, 0);
    tb_map(tb, 0x1000, 0x300000, 1, 3);
    ram_wq(tb->env, tb_slot(tb, 0x1000, 2, 3), 0x30000000 | 3);
    tb_flush_all(tb);
    g_assert_cmphex(tb_dma_fault(tb, 0x1000, false), ==,
                    VTD_FR_PAGING_ENTRY_INV);
    /* a level-1 table in the register window: CAP read as a PTE of the
     * second slot (0x1000 >> 12 = 1): R and W clear -> read fault */
    ram_wq(tb->env, tb_slot(tb, 0x1000, 2, 3), VTD_BASE | 3);
    tb_flush_all(tb);
    g_assert_cmphex(tb->env->s->cap & 3, ==, 2);
    g_assert_cmphex(tb_dma_fault(tb, 0x1000, false), ==, VTD_FR_READ);
    tb_free(tb);
}

/* ---- root and context entries (legacy) ------------------------------------ */

static unsigned ctx_case(const char *props, unsigned levels, unsigned tt,
                         bool fpd, uint64_t lo_or, uint64_t hi_or,
                         uint64_t root_lo_or, uint64_t root_hi, hwaddr iova)
{
    TB *tb = tb_new(props);
    hwaddr ce = TB_CTX + TB_DEVFN * 16;
    unsigned fr;

    tb_legacy(tb, levels, tt, 5, fpd);
    tb_map(tb, 0x1000, 0x300000, 1, 3);
    ram_wq(tb->env, ce, ram_rq(tb->env, ce) | lo_or);
    ram_wq(tb->env, ce + 8, ram_rq(tb->env, ce + 8) | hi_or);
    ram_wq(tb->env, TB_ROOT, ram_rq(tb->env, TB_ROOT) | root_lo_or);
    ram_wq(tb->env, TB_ROOT + 8, root_hi);
    tb_enable(tb, false);
    fr = tb_dma_fault(tb, iova, false);
    tb_free(tb);
    return fr;
}

static void test_context_entries(void)
{
    const char *p = "aw-bits=48,caching-mode=on";

    g_assert_cmphex(ctx_case(p, 4, 0, false, 0, 0, 0, 0, 0x1000), ==, 0);
    /* AW not in SAGAW: 4 levels on aw-bits=39, AW 3 and 0 on 48 */
    g_assert_cmphex(ctx_case("aw-bits=39", 4, 0, false, 0, 0, 0, 0, 0x1000),
                    ==, VTD_FR_CONTEXT_ENTRY_INV);
    g_assert_cmphex(ctx_case(p, 4, 0, false, 0, 1, 0, 0, 0x1000), ==,
                    VTD_FR_CONTEXT_ENTRY_INV);                  /* AW 3 */
    g_assert_cmphex(ctx_case(p, 4, 0, false, 0, 0, 0, 0, 0x1000), ==, 0);
    /* translation types */
    g_assert_cmphex(ctx_case(p, 4, 1, false, 0, 0, 0, 0, 0x1000), ==,
                    VTD_FR_CONTEXT_ENTRY_INV);           /* DT not offered */
    g_assert_cmphex(ctx_case("aw-bits=48,device-iotlb=on", 4, 1, false, 0, 0,
                             0, 0, 0x1000), ==, 0);
    g_assert_cmphex(ctx_case(p, 4, 2, false, 0, 0, 0, 0, 0x300000), ==, 0);
    g_assert_cmphex(ctx_case("aw-bits=48,pt=off", 4, 2, false, 0, 0, 0, 0,
                             0x1000), ==, VTD_FR_CONTEXT_ENTRY_INV);
    g_assert_cmphex(ctx_case(p, 4, 3, false, 0, 0, 0, 0, 0x1000), ==,
                    VTD_FR_CONTEXT_ENTRY_INV);
    /* reserved bits: lo 4, hi 7 and 24 (bit 3 of hi is ignored) */
    g_assert_cmphex(ctx_case(p, 4, 0, false, 0x10, 0, 0, 0, 0x1000), ==,
                    VTD_FR_CONTEXT_ENTRY_RSVD);
    g_assert_cmphex(ctx_case(p, 4, 0, false, 0, 0x80, 0, 0, 0x1000), ==,
                    VTD_FR_CONTEXT_ENTRY_RSVD);
    g_assert_cmphex(ctx_case(p, 4, 0, false, 0, 1ULL << 24, 0, 0, 0x1000), ==,
                    VTD_FR_CONTEXT_ENTRY_RSVD);
    g_assert_cmphex(ctx_case(p, 4, 0, false, 0, 0x8, 0, 0, 0x1000), ==, 0);
    /* root entry reserved bits: lo 1, any hi bit in legacy mode */
    g_assert_cmphex(ctx_case(p, 4, 0, false, 0, 0, 2, 0, 0x1000), ==,
                    VTD_FR_ROOT_ENTRY_RSVD);
    g_assert_cmphex(ctx_case(p, 4, 0, false, 0, 0, 0, 1, 0x1000), ==,
                    VTD_FR_ROOT_ENTRY_RSVD);
    /* FPD: qualified faults are not recorded, the reserved-bit fault of the
     * context entry is not qualified in QEMU 7.2 (recorded) */
    g_assert_cmphex(ctx_case(p, 4, 0, true, 0, 0, 0, 0, 0x9000), ==, 0x100);
    g_assert_cmphex(ctx_case(p, 4, 0, true, 0, 0, 0, 0, 1ULL << 48), ==,
                    0x100);
    g_assert_cmphex(ctx_case(p, 4, 3, true, 0, 0, 0, 0, 0x1000), ==, 0x100);
    g_assert_cmphex(ctx_case(p, 4, 0, true, 0x10, 0, 0, 0, 0x1000), ==,
                    VTD_FR_CONTEXT_ENTRY_RSVD);

    /* not present: root 1, context 2 (with FPD in the absent entry: none) */
    {
        TB *tb = tb_new(p);
        tb_legacy(tb, 4, 0, 5, false);
        ram_wq(tb->env, TB_ROOT, 0);
        tb_enable(tb, false);
        g_assert_cmphex(tb_dma_fault(tb, 0x1000, false), ==,
                        VTD_FR_ROOT_ENTRY_P);
        ram_wq(tb->env, TB_ROOT, TB_CTX | 1);
        ram_wq(tb->env, TB_CTX + TB_DEVFN * 16, 0);
        tb_flush_all(tb);
        g_assert_cmphex(tb_dma_fault(tb, 0x1000, false), ==,
                        VTD_FR_CONTEXT_ENTRY_P);
        ram_wq(tb->env, TB_CTX + TB_DEVFN * 16, 2);
        tb_flush_all(tb);
        g_assert_cmphex(tb_dma_fault(tb, 0x1000, false), ==, 0x100);
        tb_free(tb);
    }
}

/* ---- interrupt range ------------------------------------------------------ */

static void test_interrupt_range(void)
{
    TB *tb = tb_new("aw-bits=48,caching-mode=on");

    tb_legacy(tb, 4, 0, 5, false);
    tb_map(tb, 0x1000, 0xfee00000, 1, 3);
    tb_map(tb, 0x2000, 0xfef00000, 1, 3);
    tb_map(tb, 0x40000000, 0xc0000000, 3, 3); /* 1 GiB over 0xfee00000 */
    tb_map(tb, 0x80600000, 0xfee00000, 2, 3);
    tb_enable(tb, false);
    g_assert_cmphex(tb_dma_fault(tb, 0x1000, false), ==,
                    VTD_FR_INTERRUPT_ADDR);
    g_assert_cmphex(tb_dma_fault(tb, 0x40000000, false), ==,
                    VTD_FR_INTERRUPT_ADDR);
    g_assert_cmphex(tb_dma_fault(tb, 0x80600000, false), ==,
                    VTD_FR_INTERRUPT_ADDR);
    /* past the window: translated (then unassigned: no record) */
    g_assert_cmphex(tb_dma_fault(tb, 0x2000, false), ==, 0x100);
    tb_free(tb);

    /* with FPD: not recorded */
    tb = tb_new("aw-bits=48,caching-mode=on");
    tb_legacy(tb, 4, 0, 5, true);
    tb_map(tb, 0x1000, 0xfee00000, 1, 3);
    tb_enable(tb, false);
    g_assert_cmphex(tb_dma_fault(tb, 0x1000, false), ==, 0x100);
    tb_free(tb);
}

/* ---- scalable mode --------------------------------------------------------- */

#define SM_PROPS "aw-bits=48,caching-mode=on,x-scalable-mode=on"

static void test_scalable_basic(void)
{
    TB *tb = tb_new(SM_PROPS);
    uint8_t buf[8];
    TBFault f;
    uint32_t v;

    tb_scalable(tb, 4, 2, 7, 0);
    tb_map(tb, 0x1000, 0x300000, 1, 3);
    tb_map(tb, 0x200000, 0x400000, 2, 3);
    address_space_write(tb->env->as, 0x300000, MEMTXATTRS_UNSPECIFIED,
                        pattern, 8);
    tb_enable(tb, true);
    g_assert_cmpuint(tb_dma_read(tb, 0x1000, buf, 8), ==, MEMTX_OK);
    g_assert_cmpmem(buf, 8, pattern, 8);
    g_assert_cmphex(tb_translate(tb, 0x212345, false).addr_mask, ==,
                    0x1fffff);

    /* a translation fault names the RID_PASID (PP 1) */
    tb_dma_read(tb, 0x9000, &v, 4);
    f = tb_fault(tb);
    g_assert_true(f.f);
    g_assert_cmphex(f.reason, ==, VTD_FR_READ);
    g_assert_true(f.pp);
    g_assert_cmphex(f.pv, ==, 0);
    /* output in the interrupt range: 0x87 in scalable mode */
    tb_map(tb, 0x3000, 0xfee00000, 1, 3);
    tb_flush_all(tb);
    g_assert_cmphex(tb_dma_fault(tb, 0x3000, false), ==,
                    VTD_FR_SM_INTERRUPT_ADDR);
    tb_free(tb);

    /* RID_PASID 5: PV 5; 0x12345: QEMU records bits 15:0 only */
    tb = tb_new(SM_PROPS);
    tb_scalable(tb, 4, 2, 7, 0x12345);
    tb_enable(tb, true);
    tb_dma_read(tb, 0x9000, &v, 4);
    f = tb_fault(tb);
    g_assert_true(f.pp);
    g_assert_cmphex(f.pv, ==, 0x2345);
    tb_free(tb);
}

typedef struct SMCase {
    const char *props;
    unsigned levels, pgtt;
    uint64_t ce0_or, ce1_or, ce2;     /* context entry */
    uint64_t pdire_and, pdire_or;     /* PASID directory entry */
    uint64_t pe0_and, pe0_or;         /* PASID entry */
    uint64_t root_lo_or, root_hi;
    hwaddr iova;
    bool legacy_root;
} SMCase;

static unsigned sm_case(SMCase c)
{
    TB *tb = tb_new(c.props ? c.props : SM_PROPS);
    hwaddr ce = TB_CTX + TB_DEVFN * 32, pd = TB_PDIR, pe = TB_PTBL;
    unsigned fr;

    tb_scalable(tb, c.levels ? c.levels : 4, c.pgtt ? c.pgtt : 2, 7, 0);
    tb_map(tb, 0x1000, 0x300000, 1, 3);
    ram_wq(tb->env, ce, ram_rq(tb->env, ce) | c.ce0_or);
    ram_wq(tb->env, ce + 8, ram_rq(tb->env, ce + 8) | c.ce1_or);
    ram_wq(tb->env, ce + 16, c.ce2);
    ram_wq(tb->env, pd, (ram_rq(tb->env, pd) & ~c.pdire_and) | c.pdire_or);
    ram_wq(tb->env, pe, (ram_rq(tb->env, pe) & ~c.pe0_and) | c.pe0_or);
    ram_wq(tb->env, TB_ROOT, ram_rq(tb->env, TB_ROOT) | c.root_lo_or);
    ram_wq(tb->env, TB_ROOT + 8, c.root_hi);
    tb_enable(tb, !c.legacy_root);
    fr = tb_dma_fault(tb, c.iova ? c.iova : 0x1000, false);
    tb_free(tb);
    return fr;
}

static void test_scalable_faults(void)
{
    const uint64_t PGTT = 7ULL << 6;

    g_assert_cmphex(sm_case((SMCase){ 0 }), ==, 0);
    g_assert_cmphex(sm_case((SMCase){ .levels = 3 }), ==, 0);
    /* PGTT: pass-through (pt=on by default), first-level and nested walk
     * the second-level table as QEMU 7.2 does, 0 and 5..7 invalid */
    g_assert_cmphex(sm_case((SMCase){ .pgtt = 4, .iova = 0x300000 }), ==, 0);
    g_assert_cmphex(sm_case((SMCase){ .props = SM_PROPS ",pt=off", .pgtt = 4 }),
                    ==, VTD_FR_PASID_TABLE_INV);
    g_assert_cmphex(sm_case((SMCase){ .pgtt = 1 }), ==, 0);
    g_assert_cmphex(sm_case((SMCase){ .pgtt = 3 }), ==, 0);
    g_assert_cmphex(sm_case((SMCase){ .pe0_and = PGTT }), ==,
                    VTD_FR_PASID_TABLE_INV);
    g_assert_cmphex(sm_case((SMCase){ .pgtt = 5 }), ==,
                    VTD_FR_PASID_TABLE_INV);
    /* AW of the PASID entry not in SAGAW */
    g_assert_cmphex(sm_case((SMCase){ .pe0_or = 3 << 2 }), ==,
                    VTD_FR_PASID_TABLE_INV);
    /* not present PASID entry / directory entry (FPD in them does not
     * help: the context check fails first, QEMU 7.2) */
    g_assert_cmphex(sm_case((SMCase){ .pe0_and = 1 }), ==,
                    VTD_FR_PASID_TABLE_INV);
    g_assert_cmphex(sm_case((SMCase){ .pe0_and = 1, .pe0_or = 2 }), ==,
                    VTD_FR_PASID_TABLE_INV);
    g_assert_cmphex(sm_case((SMCase){ .pdire_and = 1 }), ==,
                    VTD_FR_PASID_TABLE_INV);
    g_assert_cmphex(sm_case((SMCase){ .pdire_and = 1, .pdire_or = 2 }), ==,
                    VTD_FR_PASID_TABLE_INV);
    /* FPD in the directory entry, PASID entry or context entry silences a
     * translation fault */
    g_assert_cmphex(sm_case((SMCase){ .pdire_or = 2, .iova = 0x9000 }), ==,
                    0x100);
    g_assert_cmphex(sm_case((SMCase){ .pe0_or = 2, .iova = 0x9000 }), ==,
                    0x100);
    g_assert_cmphex(sm_case((SMCase){ .ce0_or = 2, .iova = 0x9000 }), ==,
                    0x100);
    /* reserved bits: context val0 5, val1 21, val2 any; root lo/hi 1 */
    g_assert_cmphex(sm_case((SMCase){ .ce0_or = 0x20 }), ==,
                    VTD_FR_CONTEXT_ENTRY_RSVD);
    g_assert_cmphex(sm_case((SMCase){ .ce1_or = 1ULL << 21 }), ==,
                    VTD_FR_CONTEXT_ENTRY_RSVD);
    g_assert_cmphex(sm_case((SMCase){ .ce2 = 1 }), ==,
                    VTD_FR_CONTEXT_ENTRY_RSVD);
    g_assert_cmphex(sm_case((SMCase){ .root_lo_or = 2 }), ==,
                    VTD_FR_ROOT_ENTRY_RSVD);
    g_assert_cmphex(sm_case((SMCase){ .root_hi = 2 }), ==,
                    VTD_FR_ROOT_ENTRY_RSVD);
    /* tables outside RAM */
    g_assert_cmphex(sm_case((SMCase){ .pdire_and = ~0ULL,
                                      .pdire_or = 0x20000001 }), ==,
                    VTD_FR_PASID_TABLE_INV);
    g_assert_cmphex(sm_case((SMCase){ .pe0_and = ~0xfffULL,
                                      .pe0_or = 0x20000000 }), ==,
                    VTD_FR_CONTEXT_ENTRY_INV);
    /* widths */
    g_assert_cmphex(sm_case((SMCase){ .iova = 1ULL << 48 }), ==,
                    VTD_FR_ADDR_BEYOND_MGAW);
    g_assert_cmphex(sm_case((SMCase){ .levels = 3, .iova = 1ULL << 39 }), ==,
                    VTD_FR_ADDR_BEYOND_MGAW);
    /* a legacy root table on a scalable-mode unit reads 128-bit entries */
    g_assert_cmphex(sm_case((SMCase){ .legacy_root = true }), ==,
                    VTD_FR_CONTEXT_ENTRY_P);
}

static void test_scalable_upper_half(void)
{
    /* devfn >= 0x80 takes the upper half of the root entry (9.2) */
    TB *tb = tb_new(SM_PROPS);
    VTDAddressSpace *hi_as = vtd_find_add_as(tb->env->s, NULL, 0x88,
                                             VTD_NO_PASID);
    hwaddr ce = 0x108000 + (0x88 & 0x7f) * 32;
    uint32_t v;

    tb_scalable(tb, 4, 2, 7, 0);
    tb_map(tb, 0x1000, 0x300000, 1, 3);
    ram_wq(tb->env, TB_ROOT + 8, 0x108000 | 1);
    ram_wq(tb->env, ce, TB_PDIR | 1);
    ram_wq(tb->env, ce + 8, 0);
    tb_enable(tb, true);
    g_assert_cmpuint(address_space_read(&hi_as->as, 0x1000,
                                        MEMTXATTRS_UNSPECIFIED, &v, 4), ==,
                     MEMTX_OK);
    g_assert_false(tb_fault(tb).f);
    /* its upper half absent: root entry not present */
    ram_wq(tb->env, TB_ROOT + 8, 0);
    tb_flush_all(tb);
    g_assert_cmpuint(address_space_read(&hi_as->as, 0x1000,
                                        MEMTXATTRS_UNSPECIFIED, &v, 4), !=,
                     MEMTX_OK);
    g_assert_cmphex(tb_fault(tb).reason, ==, VTD_FR_ROOT_ENTRY_P);
    tb_free(tb);
}

/* ---- range walk ------------------------------------------------------------ */

typedef struct Piece {
    hwaddr iova, mask, xlat;
    IOMMUAccessFlags perm;
} Piece;

static bool collect_piece(void *opaque, hwaddr iova, hwaddr mask,
                          hwaddr xlat, IOMMUAccessFlags perm)
{
    Piece p = { iova, mask, xlat, perm };
    g_array_append_val((GArray *)opaque, p);
    return true;
}

static void test_range_walk(void)
{
    TB *tb = tb_new("aw-bits=48,caching-mode=on");
    IntelIOMMUState *s = tb->env->s;
    g_autoptr(GArray) pieces = g_array_new(FALSE, FALSE, sizeof(Piece));
    VTDContextEntry ce;
    VTDWalkCtx ctx;
    uint64_t budget = 1000;
    hwaddr top;

    top = tb_legacy(tb, 4, 0, 5, false);
    tb_map(tb, 0x1000, 0x300000, 1, 3);
    tb_map(tb, 0x3000, 0x301000, 1, 1);
    tb_map(tb, 0x200000, 0x400000, 2, 3);
    tb_map(tb, 0x4000, 0xfee00000, 1, 3);   /* interrupt range: a hole */
    tb_enable(tb, false);
    g_assert_cmpint(vtd_dev_to_context_entry(s, 0, TB_DEVFN, &ce), ==, 0);
    g_assert_cmpint(vtd_ce_resolve(s, &ce, VTD_NO_PASID, &ctx), ==, 0);
    g_assert_cmpuint(ctx.level, ==, 4);
    g_assert_cmpuint(ctx.agaw, ==, 48);
    g_assert_cmpuint(ctx.domain_id, ==, 5);
    g_assert_cmphex(ctx.pgtbl, ==, top);

    g_assert_true(vtd_page_walk(s, &ctx, 0, 0x3fffff, collect_piece, pieces,
                                &budget));
    /* 0: hole 4K, 1: leaf, 2: hole, 3: leaf ro, 4: hole (interrupt),
     * 5..511 holes, then the 2 MiB leaf */
    g_assert_cmpuint(pieces->len, ==, 513);
    g_assert_cmpint(g_array_index(pieces, Piece, 0).perm, ==, IOMMU_NONE);
    g_assert_cmphex(g_array_index(pieces, Piece, 1).xlat, ==, 0x300000);
    g_assert_cmpint(g_array_index(pieces, Piece, 3).perm, ==, IOMMU_RO);
    g_assert_cmpint(g_array_index(pieces, Piece, 4).perm, ==, IOMMU_NONE);
    g_assert_cmphex(g_array_index(pieces, Piece, 512).iova, ==, 0x200000);
    g_assert_cmphex(g_array_index(pieces, Piece, 512).mask, ==, 0x1fffff);
    g_assert_cmphex(g_array_index(pieces, Piece, 512).xlat, ==, 0x400000);

    /* the whole space: empty top entries are single 512 GiB holes */
    g_array_set_size(pieces, 0);
    budget = 10000;
    g_assert_true(vtd_page_walk(s, &ctx, 0, UINT64_MAX, collect_piece, pieces,
                                &budget));
    g_assert_cmphex(g_array_index(pieces, Piece, pieces->len - 1).iova, ==,
                    511ULL << 39);
    g_assert_cmphex(g_array_index(pieces, Piece, pieces->len - 1).mask, ==,
                    (1ULL << 39) - 1);

    /* aliased tables: every PML4 entry points at the PML4 (2^36 leaves);
     * the budget stops the walk */
    for (unsigned i = 0; i < 512; i++) {
        ram_wq(tb->env, top + i * 8, top | 3);
    }
    g_array_set_size(pieces, 0);
    budget = 100000;
    g_assert_false(vtd_page_walk(s, &ctx, 0, UINT64_MAX, collect_piece,
                                 pieces, &budget));
    g_assert_cmpuint(budget, ==, 0);
    g_assert_cmpuint(pieces->len, <, 100000);
    tb_free(tb);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vtd/walk/legacy-4level", test_legacy_4level);
    g_test_add_func("/vtd/walk/legacy-3level", test_legacy_3level);
    g_test_add_func("/vtd/walk/superpages", test_superpages);
    g_test_add_func("/vtd/walk/permissions-stacked", test_permissions_stacked);
    g_test_add_func("/vtd/walk/reserved-bits", test_reserved_bits);
    g_test_add_func("/vtd/walk/sllps", test_sllps);
    g_test_add_func("/vtd/walk/self-reference", test_self_reference);
    g_test_add_func("/vtd/walk/tables-unreadable", test_tables_unreadable);
    g_test_add_func("/vtd/walk/context-entries", test_context_entries);
    g_test_add_func("/vtd/walk/interrupt-range", test_interrupt_range);
    g_test_add_func("/vtd/walk/scalable-basic", test_scalable_basic);
    g_test_add_func("/vtd/walk/scalable-faults", test_scalable_faults);
    g_test_add_func("/vtd/walk/scalable-upper-half",
                    test_scalable_upper_half);
    g_test_add_func("/vtd/walk/range-walk", test_range_walk);
    return g_test_run();
}
