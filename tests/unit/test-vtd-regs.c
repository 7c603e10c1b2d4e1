/*
 * test-vtd-regs.c - VT-d register file: reset values per property
 * combination, read-only / write-1-to-clear / write-only bits, access
 * sizes, GCMD -> GSTS, properties and their errors.
 *
 * Expected values are the replies of qemu-system-x86_64 7.2 (Debian
 * 1:7.2+dfsg-7), run as
 *   qemu-system-x86_64 -machine q35 -accel tcg -icount shift=0,sleep=off \
 *     -bios hlt.bin -nodefaults -display none -m 256 -qtest stdio \
 *     -device intel-iommu[,PROPS]
 * and quoted next to each check ("readq 0xfed90008 -> OK 0x...").
 */
#include "test-vtd-env.h"
#include "test-pci-env.h"
#include "dma/intel-iommu.h"

/* A register value, with its offset in the failure message */
#define check_reg(got, want, off)                                          \
    do {                                                                   \
        uint64_t got_ = (got), want_ = (want);                             \
        if (got_ != want_) {                                               \
            g_error("register 0x%03" PRIx64 ": 0x%" PRIx64 ", expected "   \
                    "0x%" PRIx64, (uint64_t)(off), got_, want_);           \
        }                                                                  \
    } while (0)

/* ---- reset values ------------------------------------------------------ */

static const struct {
    const char *props;
    uint64_t cap, ecap;
} reset_cases[] = {
    /* -device intel-iommu
     *   readl 0xfed90000 -> OK 0x0000000000000010
     *   readq 0xfed90008 -> OK 0x00d2008c22260206
     *   readq 0xfed90010 -> OK 0x0000000000f00f4a */
    { "", 0x00d2008c22260206ULL, 0xf00f4aULL },
    /* aw-bits=48,caching-mode=on: CAP 0x00d2008c222f0686, ECAP f00f4a */
    { "aw-bits=48,caching-mode=on", 0x00d2008c222f0686ULL, 0xf00f4aULL },
    /* x-scalable-mode=on: ECAP 0x0000480080f00f4a */
    { "x-scalable-mode=on", 0x00d2008c22260206ULL, 0x0000480080f00f4aULL },
    /* x-scalable-mode=on,x-pasid-mode=on: ECAP 0x0000490080f00f4a */
    { "x-scalable-mode=on,x-pasid-mode=on", 0x00d2008c22260206ULL,
      0x0000490080f00f4aULL },
    /* snoop-control=on: ECAP 0x0000000000f00fca */
    { "snoop-control=on", 0x00d2008c22260206ULL, 0xf00fcaULL },
    /* intremap=off: ECAP 0x0000000000000f42 */
    { "intremap=off", 0x00d2008c22260206ULL, 0xf42ULL },
    /* dma-drain=off: CAP 0x0012008c22260206 */
    { "dma-drain=off", 0x0012008c22260206ULL, 0xf00f4aULL },
    /* eim=on,x-buggy-eim=on: ECAP 0x0000000000f00f5a */
    { "eim=on,x-buggy-eim=on", 0x00d2008c22260206ULL, 0xf00f5aULL },
    /* device-iotlb=on,pt=off: ECAP 0x0000000000f00f0e
     * (also as pt=no,device-iotlb=y) */
    { "device-iotlb=on,pt=off", 0x00d2008c22260206ULL, 0xf00f0eULL },
    { "pt=no,device-iotlb=y", 0x00d2008c22260206ULL, 0xf00f0eULL },
    /* dma-translation=off: CAP 0x00d2008c22260006 (no SAGAW) */
    { "dma-translation=off", 0x00d2008c22260006ULL, 0xf00f4aULL },
    /* aw-bits=0x30 (hex accepted): CAP 0x00d2008c222f0606 */
    { "aw-bits=0x30", 0x00d2008c222f0606ULL, 0xf00f4aULL },
    /* aw-bits=48,aw-bits=39 (last wins): CAP 0x00d2008c22260206 */
    { "aw-bits=48,aw-bits=39", 0x00d2008c22260206ULL, 0xf00f4aULL },
    /* caching-mode (short form): CAP 0x00d2008c22260286 */
    { "caching-mode", 0x00d2008c22260286ULL, 0xf00f4aULL },
    /* version=5 changes nothing: VER 0x10 */
    { "version=5", 0x00d2008c22260206ULL, 0xf00f4aULL },
    /* aw-bits=48,caching-mode=on,device-iotlb=on,x-scalable-mode=on,
     * snoop-control=on,intremap=off: CAP 0x00d2008c222f0686,
     * ECAP 0x0000480080000fc6 */
    { "aw-bits=48,caching-mode=on,device-iotlb=on,x-scalable-mode=on,"
      "snoop-control=on,intremap=off",
      0x00d2008c222f0686ULL, 0x0000480080000fc6ULL },
};

static void test_reset_values(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(reset_cases); i++) {
        VtdEnv *env = env_new(reset_cases[i].props);
        g_test_message("props '%s'", reset_cases[i].props);
        g_assert_cmphex(rdl(env, VTD_REG_VER), ==, 0x10);
        g_assert_cmphex(rdq(env, VTD_REG_VER), ==, 0x10);
        g_assert_cmphex(rdq(env, VTD_REG_CAP), ==, reset_cases[i].cap);
        g_assert_cmphex(rdq(env, VTD_REG_ECAP), ==, reset_cases[i].ecap);
        g_assert_cmphex(rdl(env, VTD_REG_CAP), ==,
                        (uint32_t)reset_cases[i].cap);
        g_assert_cmphex(rdl(env, VTD_REG_CAP + 4), ==,
                        reset_cases[i].cap >> 32);
        g_assert_cmphex(vtd_cap(env->s), ==, reset_cases[i].cap);
        g_assert_cmphex(vtd_ecap(env->s), ==, reset_cases[i].ecap);
        env_free(env);
    }
}

/* Every readl from 0 to 0x230 and readq from 0 to 0x228 after reset: all
 * zero except (QEMU, default properties)
 *   readl 0xfed90000 -> 0x10, 0xfed90008 -> 0x22260206,
 *   0xfed9000c -> 0x00d2008c, 0xfed90010 -> 0x00f00f4a,
 *   0xfed90038 -> 0x80000000 (FECTL.IM), 0xfed900a0 -> 0x80000000
 *   readq 0xfed90038 -> 0x80000000, 0xfed900a0 -> 0x80000000
 *   readl 0xfed90230 -> 0 (past the window), readq 0xfed9001c -> 0,
 *   readq 0xfed9022c -> 0 (unaligned), readw/readb -> 0 */
static void test_reset_dump(void)
{
    VtdEnv *env = env_new(NULL);

    for (hwaddr off = 0; off < VTD_REG_SIZE; off += 4) {
        uint32_t expect = 0;
        switch (off) {
        case 0x00: expect = 0x10; break;
        case 0x08: expect = 0x22260206; break;
        case 0x0c: expect = 0x00d2008c; break;
        case 0x10: expect = 0x00f00f4a; break;
        case 0x38: case 0xa0: expect = 0x80000000; break;
        }
        check_reg(rdl(env, off), expect, off);
    }
    for (hwaddr off = 0x18; off < VTD_REG_SIZE; off += 8) {
        uint64_t expect = (off == 0x38 || off == 0xa0) ? 0x80000000 : 0;
        check_reg(rdq(env, off), expect, off);
    }
    /* unaligned and 1/2-byte accesses do not reach the registers */
    MemTxResult r;
    address_space_ldq_le(env->as, VTD_BASE + 0x1c, MEMTXATTRS_UNSPECIFIED,
                         &r);
    g_assert_cmpuint(r, !=, MEMTX_OK);
    address_space_lduw_le(env->as, VTD_BASE, MEMTXATTRS_UNSPECIFIED, &r);
    g_assert_cmpuint(r, !=, MEMTX_OK);
    /* the model itself: past the window reads all ones, writes ignored */
    g_assert_cmphex(vtd_mem_read(env->s, 0x22c, 8), ==, UINT64_MAX);
    g_assert_cmphex(vtd_mem_read(env->s, 0x230, 4), ==, UINT64_MAX);
    vtd_mem_write(env->s, 0x22c, ~0ULL, 8);
    g_assert_cmphex(vtd_reg_read(env->s, 0x228, 8), ==, 0);
    env_free(env);
}

/* writel 0xffffffff to every register but GCMD, CCMD_HI and IOTLB_HI, then
 * readl/readq everything. QEMU (default properties), non-zero replies:
 *   readl 0x20 -> 0xfffffc00    readl 0x24 -> 0xffffffff
 *   readl 0x28 -> 0x0000ffff    readl 0x38 -> 0x80000000
 *   readl 0x3c -> 0x0000ffff    readl 0x40 -> 0xfffffffc
 *   readl 0x88 -> 0x0007fff0    readl 0x90 -> 0x00000007
 *   readl 0xa0 -> 0x80000000    readl 0xa4 -> 0xffffffff
 *   readl 0xa8 -> 0xfffffffc    readl 0xb8 -> 0xfffff80f
 *   readl 0xbc -> 0xffffffff    (plus VER, CAP, ECAP)
 *   readq 0x20 -> 0xfffffffffffffc00   readq 0x28 -> 0x000000000000ffff
 *   readq 0x38 -> 0x0000ffff80000000   readq 0x40 -> 0x00000000fffffffc
 *   readq 0x88 -> 0x7fff0   readq 0x90 -> 0x7
 *   readq 0xa0 -> 0xffffffff80000000   readq 0xa8 -> 0x00000000fffffffc
 *   readq 0xb8 -> 0xfffffffffffff80f */
static void test_write_masks_long(void)
{
    VtdEnv *env = env_new(NULL);

    for (hwaddr off = 0; off < VTD_REG_SIZE; off += 4) {
        if (off == VTD_REG_GCMD || off == VTD_REG_CCMD + 4 ||
            off == VTD_REG_IOTLB + 4) {
            continue;
        }
        wrl(env, off, 0xffffffff);
    }
    for (hwaddr off = 0; off < VTD_REG_SIZE; off += 4) {
        uint32_t expect = 0;
        switch (off) {
        case 0x00: expect = 0x10; break;
        case 0x08: expect = 0x22260206; break;
        case 0x0c: expect = 0x00d2008c; break;
        case 0x10: expect = 0x00f00f4a; break;
        case 0x20: expect = 0xfffffc00; break;
        case 0x24: expect = 0xffffffff; break;
        case 0x28: expect = 0x0000ffff; break;
        case 0x38: expect = 0x80000000; break;
        case 0x3c: expect = 0x0000ffff; break;
        case 0x40: expect = 0xfffffffc; break;
        case 0x88: expect = 0x0007fff0; break;
        case 0x90: expect = 0x00000007; break;
        case 0xa0: expect = 0x80000000; break;
        case 0xa4: expect = 0xffffffff; break;
        case 0xa8: expect = 0xfffffffc; break;
        case 0xb8: expect = 0xfffff80f; break;
        case 0xbc: expect = 0xffffffff; break;
        }
        check_reg(rdl(env, off), expect, off);
    }
    g_assert_cmphex(rdq(env, 0x20), ==, 0xfffffffffffffc00ULL);
    g_assert_cmphex(rdq(env, 0x28), ==, 0xffffULL);
    g_assert_cmphex(rdq(env, 0x38), ==, 0x0000ffff80000000ULL);
    g_assert_cmphex(rdq(env, 0x40), ==, 0xfffffffcULL);
    g_assert_cmphex(rdq(env, 0x88), ==, 0x7fff0ULL);
    g_assert_cmphex(rdq(env, 0x90), ==, 0x7ULL);
    g_assert_cmphex(rdq(env, 0xa0), ==, 0xffffffff80000000ULL);
    g_assert_cmphex(rdq(env, 0xa8), ==, 0xfffffffcULL);
    g_assert_cmphex(rdq(env, 0xb8), ==, 0xfffffffffffff80fULL);
    g_assert_cmphex(rdq(env, 0xf0), ==, 0);   /* IVA is write-only */
    g_assert_cmphex(rdq(env, 0x228), ==, 0);  /* F is W1C */
    env_free(env);
}

/* -device intel-iommu,aw-bits=48,x-scalable-mode=on; writeq all ones to
 * every 8-byte aligned register except GCMD, CCMD, IOTLB, FECTL, IECTL,
 * IEADDR. QEMU, non-zero replies:
 *   readq 0x08 -> 0x00d2008c222f0606   readq 0x10 -> 0x0000480080f00f4a
 *   readq 0x20 -> 0xfffffffffffffc00   readq 0x38 -> 0x0000000080000000
 *   readq 0x40 -> 0x00000000fffffffc   readq 0x88 -> 0x7fff0
 *   readq 0x90 -> 0x7   readq 0xa0 -> 0x80000000
 *   readq 0xb8 -> 0xfffffffffffff80f   (and VER) */
static void test_write_masks_quad(void)
{
    VtdEnv *env = env_new("aw-bits=48,x-scalable-mode=on");

    for (hwaddr off = 0; off < VTD_REG_SIZE; off += 8) {
        if (off == 0x18 || off == 0x28 || off == 0xf8 || off == 0x38 ||
            off == 0xa0 || off == 0xa8) {
            continue;
        }
        wrq(env, off, ~0ULL);
    }
    for (hwaddr off = 0; off < VTD_REG_SIZE; off += 8) {
        uint64_t expect = 0;
        switch (off) {
        case 0x00: expect = 0x10; break;
        case 0x08: expect = 0x00d2008c222f0606ULL; break;
        case 0x10: expect = 0x0000480080f00f4aULL; break;
        case 0x20: expect = 0xfffffffffffffc00ULL; break;
        case 0x38: expect = 0x80000000; break;
        case 0x40: expect = 0xfffffffc; break;
        case 0x88: expect = 0x7fff0; break;
        case 0x90: expect = 0x7; break;
        case 0xa0: expect = 0x80000000; break;
        case 0xb8: expect = 0xfffffffffffff80fULL; break;
        }
        check_reg(rdq(env, off), expect, off);
    }
    env_free(env);
}

/* QEMU 7.2 asserts on writeq to FECTL/IECTL/IEADDR; here they are two
 * 4-byte writes. */
static void test_write_quad_split(void)
{
    VtdEnv *env = env_new(NULL);

    wrq(env, VTD_REG_FECTL, 0x0000123480000000ULL);
    g_assert_cmphex(rdl(env, VTD_REG_FECTL), ==, 0x80000000);
    g_assert_cmphex(rdl(env, VTD_REG_FEDATA), ==, 0x1234);
    wrq(env, VTD_REG_IEADDR, 0xfffffffffee00004ULL);
    g_assert_cmphex(rdl(env, VTD_REG_IEADDR), ==, 0xfee00004);
    g_assert_cmphex(rdl(env, VTD_REG_IEUADDR), ==, 0);
    wrq(env, VTD_REG_IECTL, 0x5555555500000000ULL);
    g_assert_cmphex(rdl(env, VTD_REG_IECTL), ==, 0);
    g_assert_cmphex(rdl(env, VTD_REG_IEDATA), ==, 0x55555555);
    env_free(env);
}

/* ---- GCMD -> GSTS ------------------------------------------------------- */

/* QEMU, default properties (intremap on):
 *   writeq 0xfed90020 0x100000; writel 0xfed90018 0x40000000
 *   readl 0xfed9001c -> 0x40000000    readl 0xfed90018 -> 0
 *   writel 0x18 0x80000000 -> GSTS 0xc0000000
 *   writel 0x18 0x88000000 -> GSTS 0xc0000000 (WBF ignored)
 *   writel 0x18 0x08000000 -> GSTS 0x40000000 (TE off, RTPS stays)
 *   writel 0x18 0x02000000 -> GSTS 0x42000000 (IRE)
 *   writeq 0xb8 0x200007; writel 0x18 0x03000000 -> GSTS 0x43000000
 *   writel 0x18 0 -> GSTS 0x41000000
 *   writel 0x18 0x20000000 -> 0x41000000 (SFL ignored)
 *   writel 0x18 0x10800000 -> 0x41000000 (EAFL, CFI ignored)
 *   writeq 0x90 0x300803; readq 0x90 -> 0x3 (IQA reads the latched base)
 *   writel 0x18 0x04000000 -> GSTS 0x45000000; readq 0x90 -> 0x300003
 *   writel 0x18 0 -> GSTS 0x45000000 (QI disable refused: nothing done)
 *   writeq 0x28 0xa000000000000000; readq 0x28 -> 0xa000000000000000
 *   writeq 0xf8 0x9000000000000000; readq 0xf8 -> 0x9000000000000000
 *     (register invalidation ignored while QI is on)
 *   writel 0x1c 0xffffffff -> GSTS 0x45000000 (read-only)
 * With intremap=off,dma-translation=off the same writes give GSTS
 *   0x40000000 after TE (TE ignored), 0x40000000 after IRE, 0x41000000
 *   after SIRTP, 0x45000000 after QIE. */
static void run_gcmd_sequence(VtdEnv *env, bool ir, bool te)
{
    uint32_t tes = te ? VTD_GSTS_TES : 0, ires = ir ? VTD_GSTS_IRES : 0;

    wrq(env, VTD_REG_RTADDR, 0x100000);
    wrl(env, VTD_REG_GCMD, VTD_GCMD_SRTP);
    g_assert_cmphex(rdl(env, VTD_REG_GSTS), ==, 0x40000000);
    g_assert_cmphex(rdl(env, VTD_REG_GCMD), ==, 0);
    g_assert_cmphex(env->s->root, ==, 0x100000);
    wrl(env, VTD_REG_GCMD, 0x80000000);
    g_assert_cmphex(rdl(env, VTD_REG_GSTS), ==, 0x40000000 | tes);
    g_assert_cmpint(vtd_dmar_enabled(env->s), ==, te);
    wrl(env, VTD_REG_GCMD, 0x88000000);
    g_assert_cmphex(rdl(env, VTD_REG_GSTS), ==, 0x40000000 | tes);
    wrl(env, VTD_REG_GCMD, 0x08000000);
    g_assert_cmphex(rdl(env, VTD_REG_GSTS), ==, 0x40000000);
    g_assert_false(vtd_dmar_enabled(env->s));
    wrl(env, VTD_REG_GCMD, 0x02000000);
    g_assert_cmphex(rdl(env, VTD_REG_GSTS), ==, 0x40000000 | ires);
    wrq(env, VTD_REG_IRTA, 0x200007);
    wrl(env, VTD_REG_GCMD, 0x03000000);
    g_assert_cmphex(rdl(env, VTD_REG_GSTS), ==, 0x41000000 | ires);
    g_assert_cmphex(env->s->intr_root, ==, 0x200000);
    g_assert_cmpuint(env->s->intr_size, ==, 256);
    wrl(env, VTD_REG_GCMD, 0);
    g_assert_cmphex(rdl(env, VTD_REG_GSTS), ==, 0x41000000);
    wrl(env, VTD_REG_GCMD, 0x20000000);
    g_assert_cmphex(rdl(env, VTD_REG_GSTS), ==, 0x41000000);
    wrl(env, VTD_REG_GCMD, 0x10800000);
    g_assert_cmphex(rdl(env, VTD_REG_GSTS), ==, 0x41000000);
    wrq(env, VTD_REG_IQA, 0x300803);
    g_assert_cmphex(rdq(env, VTD_REG_IQA), ==, 0x3);
    wrl(env, VTD_REG_GCMD, VTD_GCMD_QIE);
    g_assert_cmphex(rdl(env, VTD_REG_GSTS), ==, 0x45000000);
    g_assert_cmphex(rdq(env, VTD_REG_IQA), ==, 0x300003);
    g_assert_cmphex(rdl(env, VTD_REG_IQA), ==, 0x300003);
    g_assert_cmphex(rdl(env, VTD_REG_IQA + 4), ==, 0);
    g_assert_cmpuint(env->s->iq_size, ==, 2048);
    wrl(env, VTD_REG_GCMD, 0);
    g_assert_cmphex(rdl(env, VTD_REG_GSTS), ==, 0x45000000);
    g_assert_true(vtd_qi_enabled(env->s));
    wrq(env, VTD_REG_CCMD, 0xa000000000000000ULL);
    g_assert_cmphex(rdq(env, VTD_REG_CCMD), ==, 0xa000000000000000ULL);
    wrq(env, VTD_REG_IOTLB, 0x9000000000000000ULL);
    g_assert_cmphex(rdq(env, VTD_REG_IOTLB), ==, 0x9000000000000000ULL);
    wrl(env, VTD_REG_GSTS, 0xffffffff);
    g_assert_cmphex(rdl(env, VTD_REG_GSTS), ==, 0x45000000);
}

static void test_gcmd(void)
{
    VtdEnv *env = env_new(NULL);
    run_gcmd_sequence(env, true, true);
    env_free(env);
    env = env_new("intremap=off,dma-translation=off");
    run_gcmd_sequence(env, false, false);
    env_free(env);
}

/* RTADDR.TTM (scalable root table) is latched only with x-scalable-mode */
static void test_srtp_scalable(void)
{
    VtdEnv *env = env_new("x-scalable-mode=on");
    wrq(env, VTD_REG_RTADDR, 0x100400);
    wrl(env, VTD_REG_GCMD, VTD_GCMD_SRTP);
    g_assert_true(env->s->root_scalable);
    g_assert_cmphex(env->s->root, ==, 0x100000);
    env_free(env);

    env = env_new(NULL);
    wrq(env, VTD_REG_RTADDR, 0x100400);
    wrl(env, VTD_REG_GCMD, VTD_GCMD_SRTP);
    g_assert_false(env->s->root_scalable);
    /* the address is cut to aw-bits (39) */
    wrq(env, VTD_REG_RTADDR, 0xfff0001234567000ULL);
    wrl(env, VTD_REG_GCMD, VTD_GCMD_SRTP);
    g_assert_cmphex(env->s->root, ==, 0x1234567000ULL & VTD_HAW_MASK(39));
    env_free(env);
}

/* A device reset puts everything back */
static void test_reset(void)
{
    VtdEnv *env = env_new(NULL);
    wrq(env, VTD_REG_RTADDR, 0x100000);
    wrl(env, VTD_REG_GCMD, VTD_GCMD_SRTP);
    wrl(env, VTD_REG_GCMD, VTD_GCMD_TE);
    wrl(env, VTD_REG_FEDATA, 0x1234);
    vtd_reset(env->s);
    g_assert_cmphex(rdl(env, VTD_REG_GSTS), ==, 0);
    g_assert_cmphex(rdq(env, VTD_REG_RTADDR), ==, 0);
    g_assert_cmphex(rdl(env, VTD_REG_FEDATA), ==, 0);
    g_assert_cmphex(rdl(env, VTD_REG_FECTL), ==, 0x80000000);
    g_assert_false(vtd_dmar_enabled(env->s));
    env_free(env);
}

/* ---- properties ---------------------------------------------------------- */

/* Messages as qemu-system-x86_64 7.2 prints them after "-device SPEC: " */
static const struct {
    const char *props;
    const char *message;
} bad_props[] = {
    { "foo=1", "Property 'intel-iommu.foo' not found" },
    { "caching-mode=maybe", "Parameter 'caching-mode' expects 'on' or 'off'" },
    { "aw-bits=40", "Supported values for aw-bits are: 39, 48" },
    { "aw-bits=300", "Parameter 'aw-bits' expects uint8_t" },
    { "aw-bits=-1", "Parameter 'aw-bits' expects uint8_t" },
    { "aw-bits=abc", "Parameter 'aw-bits' expects integer" },
    { "aw-bits=", "Parameter 'aw-bits' expects integer" },
    { "aw-bits=048", "Parameter 'aw-bits' expects integer" },
    { "x-pasid-mode=on", "Need to set scalable mode for PASID" },
    { "x-scalable-mode=on,dma-drain=off",
      "Need to set dma_drain for scalable mode" },
    { "eim=on", "eim=on requires accel=kvm,kernel-irqchip=split" },
    { "intremap=off,eim=on",
      "eim=on cannot be selected without intremap=on" },
    { "x-scalable-mode=on,x-pasid-mode=on,device-iotlb=on",
      "PASID based device IOTLB is not supported" },
    { "intremap=maybe", "Parameter 'intremap' does not accept value 'maybe'" },
};

static void test_properties(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(bad_props); i++) {
        g_autoptr(GError) err = NULL;
        VTDProperties p;
        IntelIOMMUState *s = NULL;

        vtd_properties_init(&p);
        if (vtd_properties_parse(&p, bad_props[i].props, &err)) {
            MemoryRegion *sys = memory_region_new_container("s", UINT64_MAX);
            AddressSpace *as = address_space_new(sys, "m");
            s = vtd_new(&p, sys, as, &err);
            g_assert_null(s);
            address_space_destroy(as);
            memory_region_unref(sys);
        }
        g_assert_nonnull(err);
        g_assert_cmpstr(err->message, ==, bad_props[i].message);
        g_assert_true(err->domain == IOMMUSIM_VTD_ERROR);
    }

    /* a whole -device string, id ignored, defaults */
    g_autoptr(GError) err = NULL;
    VTDProperties p;
    vtd_properties_init(&p);
    g_assert_cmpuint(p.aw_bits, ==, 39);
    g_assert_true(p.pt && p.dma_drain && p.dma_translation);
    g_assert_true(vtd_properties_parse(
        &p, "intel-iommu,id=vtd0,aw-bits=48,caching-mode=on,"
        "device-iotlb=on,pt=off", &err));
    g_assert_no_error(err);
    g_assert_cmpuint(p.aw_bits, ==, 48);
    g_assert_true(p.caching_mode && p.device_iotlb && !p.pt);
    g_assert_true(vtd_properties_set(&p, "aw-bits", "060", &err));
    g_assert_cmpuint(p.aw_bits, ==, 48); /* octal, as QEMU */
}

/* The stats list is stable and complete */
static void test_stats(void)
{
    VtdEnv *env = env_new(NULL);
    VTDStatItem items[64];
    unsigned n = vtd_stats(env->s, items, G_N_ELEMENTS(items));
    g_assert_cmpuint(n, >, 10);
    g_assert_cmpstr(items[0].name, ==, "iotlb_hits");
    vtd_stats_reset(env->s);
    env_free(env);
}

/* ---- -device intel-iommu on a PCI hierarchy ------------------------------ */

/* QEMU 7.2: "-device edu,addr=04.0 -device intel-iommu" works (the IOMMU
 * may come after the devices); a second intel-iommu fails with "QEMU does
 * not support multiple vIOMMUs for x86 yet."; "intel-iommu,addr=04.0" with
 * "Property 'intel-iommu.addr' not found"; "intel-iommu,bus=pcie.0" with
 * "Device 'intel-iommu' can't go on PCIE bus"; with DMA translation on
 * over an empty root table, DMA of 00:04.0 records reason 1 for source id
 * 0x20 (readq 0xfed90228 -> 0xc000000100000020 for a read of 0x1234). */
static void test_pci_attach(void)
{
    g_autoptr(GError) err = NULL;
    PciEnv e;
    PCIDevice *d;
    IntelIOMMUState *s;
    uint8_t buf[8] = { 0 };

    pci_env_init(&e);
    d = pci_env_add(&e, EDU_LIKE ",addr=04.0");
    g_assert_true(intel_iommu_spec_matches("intel-iommu,aw-bits=48"));
    g_assert_false(intel_iommu_spec_matches("edu,addr=04.0"));
    g_assert_false(intel_iommu_spec_matches("intel-iommu2"));

    static const struct { const char *spec, *msg; } bad[] = {
        { "intel-iommu,addr=04.0", "Property 'intel-iommu.addr' not found" },
        { "intel-iommu,bus=pcie.0", "Device 'intel-iommu' can't go on PCIE bus" },
        { "intel-iommu,id=9x", "Parameter 'id' expects an identifier" },
        { "intel-iommu,aw-bits=40", "Supported values for aw-bits are: 39, 48" },
        { "intel-iommu,caching-mode=maybe",
          "Parameter 'caching-mode' expects 'on' or 'off'" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        GError *e2 = NULL;
        g_assert_null(intel_iommu_device_add(e.bus, bad[i].spec, &e2));
        g_assert_nonnull(e2);
        g_assert_cmpstr(e2->message, ==, bad[i].msg);
        g_error_free(e2);
    }
    g_assert_null(intel_iommu_find(e.bus));

    s = intel_iommu_device_add(e.bus, "intel-iommu,id=vtd0,aw-bits=48,"
                               "caching-mode", &err);
    g_assert_no_error(err);
    g_assert_nonnull(s);
    g_assert_true(intel_iommu_find(e.bus) == s);
    g_assert_cmphex(address_space_ldq_le(e.memory, 0xfed90008,
                                         MEMTXATTRS_UNSPECIFIED, NULL), ==,
                    0x00d2008c222f0686ULL);
    g_assert_null(intel_iommu_device_add(e.bus, "intel-iommu", &err));
    g_assert_cmpstr(err->message, ==,
                    "QEMU does not support multiple vIOMMUs for x86 yet.");
    g_clear_error(&err);

    /* the device's DMA goes through the unit: no translation yet */
    address_space_stq_le(e.memory, 0x1230, 0x1122334455667788ULL,
                         MEMTXATTRS_UNSPECIFIED, NULL);
    pci_config_write(d, PCI_COMMAND, PCI_COMMAND_MASTER, 2);
    g_assert_cmpuint(pci_dma_read(d, 0x1230, buf, 8), ==, MEMTX_OK);
    g_assert_cmphex(buf[0], ==, 0x88);

    /* translation on over an empty root table: reason 1, sid 00:04.0 */
    address_space_stq_le(e.memory, VTD_REG_BASE + VTD_REG_RTADDR, 0x100000,
                         MEMTXATTRS_UNSPECIFIED, NULL);
    address_space_stl_le(e.memory, VTD_REG_BASE + VTD_REG_GCMD,
                         VTD_GCMD_SRTP, MEMTXATTRS_UNSPECIFIED, NULL);
    address_space_stl_le(e.memory, VTD_REG_BASE + VTD_REG_GCMD,
                         VTD_GCMD_SRTP | VTD_GCMD_TE, MEMTXATTRS_UNSPECIFIED,
                         NULL);
    g_assert_cmpuint(pci_dma_read(d, 0x1234, buf, 8), !=, MEMTX_OK);
    g_assert_cmphex(address_space_ldq_le(e.memory, VTD_REG_BASE + 0x228,
                                         MEMTXATTRS_UNSPECIFIED, NULL), ==,
                    0xc000000100000020ULL);
    g_assert_cmphex(address_space_ldq_le(e.memory, VTD_REG_BASE + 0x220,
                                         MEMTXATTRS_UNSPECIFIED, NULL), ==,
                    0x1000);
    g_assert_cmphex(address_space_ldl_le(e.memory, VTD_REG_BASE + 0x34,
                                         MEMTXATTRS_UNSPECIFIED, NULL), ==,
                    0x2);

    intel_iommu_device_remove(s);
    g_assert_null(intel_iommu_find(e.bus));
    /* back to the system memory */
    g_assert_cmpuint(pci_dma_read(d, 0x1230, buf, 8), ==, MEMTX_OK);
    pci_env_destroy(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vtd/regs/reset-values", test_reset_values);
    g_test_add_func("/vtd/regs/reset-dump", test_reset_dump);
    g_test_add_func("/vtd/regs/write-masks-long", test_write_masks_long);
    g_test_add_func("/vtd/regs/write-masks-quad", test_write_masks_quad);
    g_test_add_func("/vtd/regs/write-quad-split", test_write_quad_split);
    g_test_add_func("/vtd/regs/gcmd", test_gcmd);
    g_test_add_func("/vtd/regs/srtp-scalable", test_srtp_scalable);
    g_test_add_func("/vtd/regs/reset", test_reset);
    g_test_add_func("/vtd/regs/properties", test_properties);
    g_test_add_func("/vtd/regs/stats", test_stats);
    g_test_add_func("/vtd/regs/pci-attach", test_pci_attach);
    return g_test_run();
}
