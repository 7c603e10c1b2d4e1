/*
 * test-vtd-inv.c - VT-d invalidation: context-cache and IOTLB registers,
 * the invalidation queue (descriptors, wait status write and interrupt,
 * queue errors, bad tails, storms) and the caches they empty.
 *
 * Register and queue replies are those of qemu-system-x86_64 7.2 with
 * -device intel-iommu (command line in test-vtd-regs.c), quoted next to
 * the checks.
 */
#include "test-vtd-env.h"

#define IQ_BASE 0x200000ULL
#define STATUS 0x300000ULL

/* ---- register-based invalidation -------------------------------------- */

/* QEMU:
 *   writeq 0xfed90028 0xa000000000000000 -> readq 0x28: 0x2800000000000000
 *   writeq 0x28 0xc000000000000005 -> 0x4800000000000005 (domain: global)
 *   writeq 0x28 0xe000000312340005 -> 0x7800000000000005 (device; FM and
 *     SID read as 0)
 *   writeq 0x28 0x8000000000000000 -> 0x0000000000000000 (CIRG 0: CAIG 0)
 *   writel 0x28 0x00000007 -> 0x0000000000000007 (low half: no command)
 *   writel 0x2c 0xa0000000 -> 0x2800000000000007 (upper half: command) */
static void test_ccmd(void)
{
    VtdEnv *env = env_new(NULL);
    uint32_t gen = env->s->context_cache_gen;

    wrq(env, VTD_REG_CCMD, 0xa000000000000000ULL);
    g_assert_cmphex(rdq(env, VTD_REG_CCMD), ==, 0x2800000000000000ULL);
    g_assert_cmpuint(env->s->context_cache_gen, ==, gen + 1);
    wrq(env, VTD_REG_CCMD, 0xc000000000000005ULL);
    g_assert_cmphex(rdq(env, VTD_REG_CCMD), ==, 0x4800000000000005ULL);
    g_assert_cmpuint(env->s->context_cache_gen, ==, gen + 2);
    wrq(env, VTD_REG_CCMD, 0xe000000312340005ULL);
    g_assert_cmphex(rdq(env, VTD_REG_CCMD), ==, 0x7800000000000005ULL);
    wrq(env, VTD_REG_CCMD, 0x8000000000000000ULL);
    g_assert_cmphex(rdq(env, VTD_REG_CCMD), ==, 0);
    wrl(env, VTD_REG_CCMD, 7);
    g_assert_cmphex(rdq(env, VTD_REG_CCMD), ==, 7);
    wrl(env, VTD_REG_CCMD + 4, 0xa0000000);
    g_assert_cmphex(rdq(env, VTD_REG_CCMD), ==, 0x2800000000000007ULL);
    g_assert_cmpuint(env->s->stats.inv_cc_global, ==, 3);
    g_assert_cmpuint(env->s->stats.inv_cc_domain, ==, 1);
    g_assert_cmpuint(env->s->stats.inv_cc_device, ==, 1);
    env_free(env);
}

/* Fill the IOTLB with one 4K entry per gfn 0..n-1 of domain @did */
static void fill_iotlb(VtdEnv *env, uint16_t did, uint16_t sid, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        vtd_update_iotlb(env->s, sid, did, (hwaddr)i << 12,
                         0x1000000 | ((hwaddr)i << 12) | 3, IOMMU_RW, 1,
                         VTD_NO_PASID);
    }
}

/* QEMU:
 *   writeq 0xf8 0x9000000000000000 -> readq 0xf8: 0x1200000000000000
 *   writeq 0xf8 0xa000000500000000 -> 0x2400000500000000 (domain 5)
 *   writeq 0xf0 0x0000000012345041; readq 0xf0 -> 0 (write-only)
 *   writeq 0xf8 0xb000000500000000 -> 0x3600000500000000 (page)
 *   writeq 0xf0 0x12345013 (AM 19); writeq 0xf8 0xb000000500000000
 *     -> 0x3000000500000000 (AM > MAMV: IAIG 0)
 *   writeq 0xf8 0x8000000500000000 -> 0x0000000500000000 (IIRG 0)
 *   writeq 0xf8 0xf0030005ffffffff -> 0x3003000500000000 (DR, DW kept)
 *   writel 0xf8 0; writel 0xfc 0x90000000 -> 0x1200000000000000
 *   writel 0xfc 0x10000000 -> 0x1200000000000000 (no IVT: nothing) */
static void test_iotlb_reg(void)
{
    VtdEnv *env = env_new(NULL);

    fill_iotlb(env, 5, 0x20, 16);
    fill_iotlb(env, 6, 0x28, 16);
    g_assert_cmpuint(vtd_iotlb_size(env->s), ==, 32);

    wrq(env, VTD_REG_IOTLB, 0x9000000000000000ULL);
    g_assert_cmphex(rdq(env, VTD_REG_IOTLB), ==, 0x1200000000000000ULL);
    g_assert_cmpuint(vtd_iotlb_size(env->s), ==, 0);

    fill_iotlb(env, 5, 0x20, 16);
    fill_iotlb(env, 6, 0x28, 16);
    wrq(env, VTD_REG_IOTLB, 0xa000000500000000ULL);
    g_assert_cmphex(rdq(env, VTD_REG_IOTLB), ==, 0x2400000500000000ULL);
    g_assert_cmpuint(vtd_iotlb_size(env->s), ==, 16);
    g_assert_null(vtd_lookup_iotlb(env->s, 0x20, VTD_NO_PASID, 0x3000));
    g_assert_nonnull(vtd_lookup_iotlb(env->s, 0x28, VTD_NO_PASID, 0x3000));

    fill_iotlb(env, 5, 0x20, 16);
    wrq(env, VTD_REG_IVA, 0x0000000000004041ULL); /* page 4, IH, AM 1 */
    g_assert_cmphex(rdq(env, VTD_REG_IVA), ==, 0);
    wrq(env, VTD_REG_IOTLB, 0xb000000500000000ULL);
    g_assert_cmphex(rdq(env, VTD_REG_IOTLB), ==, 0x3600000500000000ULL);
    /* pages 4 and 5 of domain 5 are gone, the rest stays */
    g_assert_cmpuint(vtd_iotlb_size(env->s), ==, 30);
    g_assert_null(vtd_lookup_iotlb(env->s, 0x20, VTD_NO_PASID, 0x4000));
    g_assert_null(vtd_lookup_iotlb(env->s, 0x20, VTD_NO_PASID, 0x5fff));
    g_assert_nonnull(vtd_lookup_iotlb(env->s, 0x20, VTD_NO_PASID, 0x6000));
    g_assert_nonnull(vtd_lookup_iotlb(env->s, 0x28, VTD_NO_PASID, 0x4000));

    wrq(env, VTD_REG_IVA, 0x12345013ULL);
    wrq(env, VTD_REG_IOTLB, 0xb000000500000000ULL);
    g_assert_cmphex(rdq(env, VTD_REG_IOTLB), ==, 0x3000000500000000ULL);
    g_assert_cmpuint(vtd_iotlb_size(env->s), ==, 30);
    wrq(env, VTD_REG_IOTLB, 0x8000000500000000ULL);
    g_assert_cmphex(rdq(env, VTD_REG_IOTLB), ==, 0x0000000500000000ULL);
    wrq(env, VTD_REG_IOTLB, 0xf0030005ffffffffULL);
    g_assert_cmphex(rdq(env, VTD_REG_IOTLB), ==, 0x3003000500000000ULL);
    wrl(env, VTD_REG_IOTLB, 0);
    wrl(env, VTD_REG_IOTLB + 4, 0x90000000);
    g_assert_cmphex(rdq(env, VTD_REG_IOTLB), ==, 0x1200000000000000ULL);
    g_assert_cmpuint(vtd_iotlb_size(env->s), ==, 0);
    wrl(env, VTD_REG_IOTLB + 4, 0x10000000);
    g_assert_cmphex(rdq(env, VTD_REG_IOTLB), ==, 0x1200000000000000ULL);
    env_free(env);
}

/* ---- IOTLB cache --------------------------------------------------------- */

static void test_iotlb_levels(void)
{
    VtdEnv *env = env_new(NULL);
    IntelIOMMUState *s = env->s;
    VTDIOTLBEntry *e;

    /* a 2M page at 0x40000000 and a 1G page at 0x80000000 */
    vtd_update_iotlb(s, 0x20, 1, 0x40123456, 0x600000 | 0x83, IOMMU_RO, 2,
                     VTD_NO_PASID);
    vtd_update_iotlb(s, 0x20, 1, 0x80000000, 0x40000000 | 0x83, IOMMU_RW, 3,
                     VTD_NO_PASID);
    e = vtd_lookup_iotlb(s, 0x20, VTD_NO_PASID, 0x401fffff);
    g_assert_nonnull(e);
    g_assert_cmpuint(e->level, ==, 2);
    g_assert_cmphex(e->mask, ==, ~0x1fffffULL);
    g_assert_cmphex(e->gfn, ==, 0x40000);
    g_assert_null(vtd_lookup_iotlb(s, 0x20, VTD_NO_PASID, 0x40200000));
    e = vtd_lookup_iotlb(s, 0x20, VTD_NO_PASID, 0xbfffffff);
    g_assert_nonnull(e);
    g_assert_cmpuint(e->level, ==, 3);
    /* other source id, other PASID: miss */
    g_assert_null(vtd_lookup_iotlb(s, 0x21, VTD_NO_PASID, 0x80000000));
    g_assert_null(vtd_lookup_iotlb(s, 0x20, 0, 0x80000000));
    /* replace keeps the count */
    vtd_update_iotlb(s, 0x20, 1, 0x80000000, 0x0 | 0x83, IOMMU_RO, 3,
                     VTD_NO_PASID);
    g_assert_cmpuint(vtd_iotlb_size(s), ==, 2);
    g_assert_cmpuint(vtd_lookup_iotlb(s, 0x20, VTD_NO_PASID,
                                      0x80000000)->access_flags, ==, IOMMU_RO);
    /* a large page goes with a page-selective invalidation inside it
     * (0x40101000: gfn 0x40101, whose low 8 bits differ from both large
     * pages' gfns 0x40000 and 0x80000, so only the containment rule
     * applies) */
    vtd_iotlb_remove_page(s, 1, 0x40101000, 0);
    g_assert_null(vtd_lookup_iotlb(s, 0x20, VTD_NO_PASID, 0x40000000));
    g_assert_nonnull(vtd_lookup_iotlb(s, 0x20, VTD_NO_PASID, 0x80000000));
    /* levels other than 1-3 are not cached */
    vtd_update_iotlb(s, 0x20, 1, 0, 0, IOMMU_RW, 4, VTD_NO_PASID);
    vtd_update_iotlb(s, 0x20, 1, 0, 0, IOMMU_RW, 0, VTD_NO_PASID);
    g_assert_cmpuint(vtd_iotlb_size(s), ==, 1);
    env_free(env);
}

/* QEMU empties the IOTLB when it holds VTD_IOTLB_MAX_SIZE entries */
static void test_iotlb_full(void)
{
    VtdEnv *env = env_new(NULL);

    fill_iotlb(env, 1, 0x20, VTD_IOTLB_MAX_SIZE);
    g_assert_cmpuint(vtd_iotlb_size(env->s), ==, VTD_IOTLB_MAX_SIZE);
    g_assert_nonnull(vtd_lookup_iotlb(env->s, 0x20, VTD_NO_PASID, 0));
    /* even replacing an entry empties it first */
    vtd_update_iotlb(env->s, 0x20, 1, 0, 3, IOMMU_RW, 1, VTD_NO_PASID);
    g_assert_cmpuint(vtd_iotlb_size(env->s), ==, 1);
    g_assert_cmpuint(env->s->stats.iotlb_flushes_full, ==, 1);
    g_assert_null(vtd_lookup_iotlb(env->s, 0x20, VTD_NO_PASID, 0x1000));
    env_free(env);
}

/* QEMU 7.2 compares page-selective invalidations on 8 bits of the mask:
 * pages whose gfn agrees in bits 7:0 go too */
static void test_iotlb_psi_qemu_mask(void)
{
    VtdEnv *env = env_new(NULL);
    IntelIOMMUState *s = env->s;

    vtd_update_iotlb(s, 0x20, 1, 0x5000, 3, IOMMU_RW, 1, VTD_NO_PASID);
    vtd_update_iotlb(s, 0x20, 1, 0x105000, 3, IOMMU_RW, 1, VTD_NO_PASID);
    vtd_update_iotlb(s, 0x20, 1, 0x6000, 3, IOMMU_RW, 1, VTD_NO_PASID);
    vtd_update_iotlb(s, 0x20, 2, 0x5000, 3, IOMMU_RW, 1, 7);
    vtd_iotlb_remove_page(s, 1, 0x5000, 0);
    g_assert_null(vtd_lookup_iotlb(s, 0x20, VTD_NO_PASID, 0x5000));
    g_assert_null(vtd_lookup_iotlb(s, 0x20, VTD_NO_PASID, 0x105000));
    g_assert_nonnull(vtd_lookup_iotlb(s, 0x20, VTD_NO_PASID, 0x6000));
    g_assert_nonnull(vtd_lookup_iotlb(s, 0x20, 7, 0x5000));
    /* am >= 8: the whole domain */
    vtd_iotlb_remove_page(s, 1, 0x0, 8);
    g_assert_null(vtd_lookup_iotlb(s, 0x20, VTD_NO_PASID, 0x6000));
    g_assert_cmpuint(vtd_iotlb_size(s), ==, 1);
    vtd_iotlb_remove_pasid(s, 2, 7);
    g_assert_cmpuint(vtd_iotlb_size(s), ==, 0);
    env_free(env);
}

/* Random inserts, lookups and removals against a reference table: the
 * open-addressing table with backward-shift deletion stays consistent. */
typedef struct RefEntry {
    uint64_t gfn;
    uint16_t sid, did;
    uint8_t level;
} RefEntry;

static guint ref_hash(gconstpointer p)
{
    const RefEntry *e = p;
    return (guint)(e->gfn * 31 + e->sid * 7 + e->level);
}

static gboolean ref_equal(gconstpointer a, gconstpointer b)
{
    const RefEntry *x = a, *y = b;
    return x->gfn == y->gfn && x->sid == y->sid && x->level == y->level;
}

static void test_iotlb_random(void)
{
    VtdEnv *env = env_new(NULL);
    IntelIOMMUState *s = env->s;
    GHashTable *ref = g_hash_table_new_full(ref_hash, ref_equal, g_free, NULL);
    GRand *rnd = g_rand_new_with_seed(42);

    for (int step = 0; step < 200000; step++) {
        unsigned op = g_rand_int_range(rnd, 0, 100);
        RefEntry k = {
            .gfn = g_rand_int_range(rnd, 0, 4096),
            .sid = g_rand_int_range(rnd, 0, 4),
            .level = 1,
        };
        k.did = k.sid & 1;
        if (op < 60) {
            if (g_hash_table_size(ref) >= VTD_IOTLB_MAX_SIZE) {
                g_hash_table_remove_all(ref);
            }
            vtd_update_iotlb(s, k.sid, k.did, k.gfn << 12, 0, IOMMU_RW, 1,
                             VTD_NO_PASID);
            g_hash_table_replace(ref, g_memdup2(&k, sizeof(k)), NULL);
        } else if (op < 97) {
            bool want = g_hash_table_contains(ref, &k);
            VTDIOTLBEntry *e = vtd_lookup_iotlb(s, k.sid, VTD_NO_PASID,
                                                k.gfn << 12);
            g_assert_cmpint(e != NULL, ==, want);
        } else if (op < 99) {
            /* page-selective, 2^am pages, QEMU's 8-bit mask */
            unsigned am = g_rand_int_range(rnd, 0, 4);
            uint64_t mask = ~((1ULL << am) - 1) & 0xff;
            uint64_t gfn = k.gfn & mask;
            GHashTableIter it;
            gpointer key;
            vtd_iotlb_remove_page(s, k.did, k.gfn << 12, am);
            g_hash_table_iter_init(&it, ref);
            while (g_hash_table_iter_next(&it, &key, NULL)) {
                RefEntry *e = key;
                if (e->did == k.did &&
                    ((e->gfn & mask) == gfn || e->gfn == k.gfn)) {
                    g_hash_table_iter_remove(&it);
                }
            }
        } else {
            GHashTableIter it;
            gpointer key;
            vtd_iotlb_remove_domain(s, k.did);
            g_hash_table_iter_init(&it, ref);
            while (g_hash_table_iter_next(&it, &key, NULL)) {
                if (((RefEntry *)key)->did == k.did) {
                    g_hash_table_iter_remove(&it);
                }
            }
        }
        g_assert_cmpuint(vtd_iotlb_size(s), ==, g_hash_table_size(ref));
    }
    g_rand_free(rnd);
    g_hash_table_destroy(ref);
    env_free(env);
}

/* Context cache: generation, bump, wrap-around */
static void test_context_cache(void)
{
    VtdEnv *env = env_new(NULL);
    IntelIOMMUState *s = env->s;
    VTDAddressSpace *as = g_new0(VTDAddressSpace, 1);
    VTDContextEntry ce = { .lo = 0x1234001, .hi = 0x102 }, got;

    g_assert_false(vtd_context_cache_lookup(s, as, &got));
    vtd_context_cache_update(s, as, &ce);
    g_assert_true(vtd_context_cache_lookup(s, as, &got));
    g_assert_cmphex(got.lo, ==, ce.lo);
    g_assert_cmphex(got.hi, ==, ce.hi);
    vtd_context_cache_bump(s);
    g_assert_false(vtd_context_cache_lookup(s, as, &got));
    vtd_context_cache_update(s, as, &ce);
    s->context_cache_gen = UINT32_MAX - 1;
    vtd_context_cache_update(s, as, &ce);
    vtd_context_cache_bump(s);                 /* wraps: restarts at 1 */
    g_assert_cmpuint(s->context_cache_gen, ==, 1);
    g_assert_false(vtd_context_cache_lookup(s, as, &got));
    g_free(as);
    env_free(env);
}

/* ---- queued invalidation ------------------------------------------------ */

static void desc(VtdEnv *env, unsigned index, uint64_t lo, uint64_t hi)
{
    ram_wq(env, IQ_BASE + index * 16, lo);
    ram_wq(env, IQ_BASE + index * 16 + 8, hi);
}

static void qi_enable(VtdEnv *env, unsigned qs)
{
    wrq(env, VTD_REG_IQA, IQ_BASE | qs);
    wrl(env, VTD_REG_GCMD, VTD_GCMD_QIE);
    g_assert_cmphex(rdl(env, VTD_REG_GSTS), ==, VTD_GSTS_QIES);
}

/* The qtest sequence of QEMU (queue at 0x200000, QS 0: 256 entries):
 *   desc0 wait SW data 0xdeadbeef -> 0x300000; writeq 0x88 0x10
 *     readq 0x80 -> 0x10; read 0x300000 4 -> 0xefbeadde; FSTS 0
 *   desc1 type 0xf; writeq 0x88 0x20
 *     readq 0x80 -> 0x10; readq 0x88 -> 0x20; FSTS 0x10; FECTL 0xc0000000
 *   desc1 := wait IF; writeq 0x88 0x20 (IQE set): readq 0x80 -> 0x10
 *   writel 0x34 0x10: FSTS 0; FECTL 0x80000000
 *   writeq 0x88 0x20: readq 0x80 -> 0x20; ICS 0x1; IECTL 0xc0000000
 *   writel 0x9c 0x1: ICS 0; IECTL 0x80000000
 *   writeq 0x88 0x1000 (tail 256 = queue size): IQH 0x20, FSTS 0x10
 *   desc2 wait with bit 7 (reserved): IQH 0x20, FSTS 0x10
 *   desc2..8: cc global, iotlb global, iec, pc (all ones), piotlb (all
 *     ones), dev-iotlb sid 1 addr 0x1000 S, wait SW 0x11111111:
 *     writeq 0x88 0x90 -> IQH 0x90, FSTS 0, read 0x300000 -> 0x11111111
 *   desc9 iotlb page AM 19: IQH 0x90, FSTS 0x10
 *   desc9 cc G=0: FSTS 0x10; cc with hi != 0: FSTS 0x10;
 *   wait with neither SW nor IF: FSTS 0x10;
 *   wait SW to 0xe0000000 (unassigned): FSTS 0x10 (IQH 0x90 each time)
 *   writel 0x18 0 (QI disable while head != tail) -> GSTS 0x04000000 */
static void test_qi_sequence(void)
{
    VtdEnv *env = env_new(NULL);

    qi_enable(env, 0);
    g_assert_cmpuint(env->s->iq_size, ==, 256);

    desc(env, 0, 0xdeadbeef00000025ULL, STATUS);
    wrq(env, VTD_REG_IQT, 0x10);
    g_assert_cmphex(rdq(env, VTD_REG_IQH), ==, 0x10);
    g_assert_cmphex(ram_rl(env, STATUS), ==, 0xdeadbeef);
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, 0);

    desc(env, 1, 0xf, 0);
    wrq(env, VTD_REG_IQT, 0x20);
    g_assert_cmphex(rdq(env, VTD_REG_IQH), ==, 0x10);
    g_assert_cmphex(rdq(env, VTD_REG_IQT), ==, 0x20);
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, 0x10);
    g_assert_cmphex(rdl(env, VTD_REG_FECTL), ==, 0xc0000000);

    desc(env, 1, 0x15, 0);
    wrq(env, VTD_REG_IQT, 0x20);
    g_assert_cmphex(rdq(env, VTD_REG_IQH), ==, 0x10);

    wrl(env, VTD_REG_FSTS, 0x10);
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, 0);
    g_assert_cmphex(rdl(env, VTD_REG_FECTL), ==, 0x80000000);
    wrq(env, VTD_REG_IQT, 0x20);
    g_assert_cmphex(rdq(env, VTD_REG_IQH), ==, 0x20);
    g_assert_cmphex(rdl(env, VTD_REG_ICS), ==, 1);
    g_assert_cmphex(rdl(env, VTD_REG_IECTL), ==, 0xc0000000);
    wrl(env, VTD_REG_ICS, 1);
    g_assert_cmphex(rdl(env, VTD_REG_ICS), ==, 0);
    g_assert_cmphex(rdl(env, VTD_REG_IECTL), ==, 0x80000000);

    wrq(env, VTD_REG_IQT, 0x1000);                 /* tail == size */
    g_assert_cmphex(rdq(env, VTD_REG_IQH), ==, 0x20);
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, 0x10);
    wrl(env, VTD_REG_FSTS, 0x10);

    desc(env, 2, 0xa5, STATUS);                    /* reserved bit 7 */
    wrq(env, VTD_REG_IQT, 0x30);
    g_assert_cmphex(rdq(env, VTD_REG_IQH), ==, 0x20);
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, 0x10);
    wrl(env, VTD_REG_FSTS, 0x10);

    desc(env, 2, 0x11, 0);
    desc(env, 3, 0x12, 0);
    desc(env, 4, 0x04, 0);
    desc(env, 5, 0xffffffffffffffc7ULL, ~0ULL);
    desc(env, 6, 0xffffffffffffffc6ULL, ~0ULL);
    desc(env, 7, 0x0000000100000003ULL, 0x1001);
    desc(env, 8, 0x1111111100000025ULL, STATUS);
    wrq(env, VTD_REG_IQT, 0x90);
    g_assert_cmphex(rdq(env, VTD_REG_IQH), ==, 0x90);
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, 0);
    g_assert_cmphex(ram_rl(env, STATUS), ==, 0x11111111);
    g_assert_cmpuint(env->s->stats.inv_pc, ==, 1);
    g_assert_cmpuint(env->s->stats.inv_piotlb, ==, 1);
    g_assert_cmpuint(env->s->stats.inv_iec, ==, 1);
    g_assert_cmpuint(env->s->stats.inv_dev_iotlb, ==, 1);

    static const uint64_t bad[][2] = {
        { 0x32, 0x13 },                 /* IOTLB page, AM 19 > MAMV */
        { 0x01, 0 },                    /* context-cache G = 0 */
        { 0x11, 1 },                    /* context-cache, hi != 0 */
        { 0x05, 0 },                    /* wait: neither SW nor IF */
        { 0x25, 0xe0000000 },           /* wait: status write fails */
        { 0x02, 0 },                    /* IOTLB G = 0 */
        { 0x12, 0x80 },                 /* IOTLB reserved hi bit 7 */
        { 0x0000000100000013ULL, 0 },   /* IOTLB reserved lo bit 32 */
        { 0x03, 0x2 },                  /* dev-IOTLB reserved hi bit 1 */
        { 0x08, 0 },                    /* unknown type 8 */
        { 0x25, 0x300002 },             /* wait: status address 1:0 */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        desc(env, 9, bad[i][0], bad[i][1]);
        wrq(env, VTD_REG_IQT, 0xa0);
        if (rdq(env, VTD_REG_IQH) != 0x90 || rdl(env, VTD_REG_FSTS) != 0x10) {
            g_error("bad descriptor %zu (0x%" PRIx64 ", 0x%" PRIx64 "): "
                    "IQH 0x%" PRIx64 ", FSTS 0x%x", i, bad[i][0], bad[i][1],
                    rdq(env, VTD_REG_IQH), rdl(env, VTD_REG_FSTS));
        }
        wrl(env, VTD_REG_FSTS, 0x10);
    }

    wrl(env, VTD_REG_GCMD, 0);                     /* refused */
    g_assert_cmphex(rdl(env, VTD_REG_GSTS), ==, VTD_GSTS_QIES);

    /* drain with a wait descriptor: now QI may be disabled */
    desc(env, 9, 0x25, STATUS);
    wrq(env, VTD_REG_IQT, 0xa0);
    g_assert_cmphex(rdq(env, VTD_REG_IQH), ==, 0xa0);
    wrl(env, VTD_REG_GCMD, 0);
    g_assert_cmphex(rdl(env, VTD_REG_GSTS), ==, 0);
    g_assert_cmphex(rdq(env, VTD_REG_IQH), ==, 0);
    env_free(env);
}

/* Descriptors are taken from the queue in guest RAM; the queue wraps */
static void test_qi_wrap(void)
{
    VtdEnv *env = env_new(NULL);

    qi_enable(env, 0);
    for (unsigned round = 0; round < 3; round++) {
        for (unsigned i = 0; i < 256; i++) {
            desc(env, i, 0x25 | ((uint64_t)(round * 256 + i) << 32), STATUS);
        }
        for (unsigned t = 64; t <= 256; t += 64) {
            wrq(env, VTD_REG_IQT, (uint64_t)(t % 256) << 4);
            g_assert_cmphex(rdq(env, VTD_REG_IQH), ==, (uint64_t)(t % 256) << 4);
            g_assert_cmphex(ram_rl(env, STATUS), ==, round * 256 + t - 1);
        }
    }
    g_assert_cmpuint(env->s->stats.inv_wait, ==, 768);
    env_free(env);
}

/* QEMU:
 *   writeq 0x90 0x200000; writel 0x18 0x04000000; desc0 = wait SW;
 *   writeq 0x88 0x10; writel 0x18 0 -> GSTS 0, IQH 0, IQT 0x10
 *   writel 0x18 0x04000000 -> GSTS 0x04000000, IQH 0x10 (the tail left
 *     from before is processed again at once)
 *   writeq 0x88 0x20 (desc1 all zero: type 0) -> IQH 0x10, FSTS 0x10 */
static void test_qi_disable_reenable(void)
{
    VtdEnv *env = env_new(NULL);

    qi_enable(env, 0);
    desc(env, 0, 0x0000000100000025ULL, STATUS);
    desc(env, 1, 0, 0);
    wrq(env, VTD_REG_IQT, 0x10);
    wrl(env, VTD_REG_GCMD, 0);
    g_assert_cmphex(rdl(env, VTD_REG_GSTS), ==, 0);
    g_assert_cmphex(rdq(env, VTD_REG_IQH), ==, 0);
    g_assert_cmphex(rdq(env, VTD_REG_IQT), ==, 0x10);
    wrl(env, VTD_REG_GCMD, VTD_GCMD_QIE);
    g_assert_cmphex(rdl(env, VTD_REG_GSTS), ==, VTD_GSTS_QIES);
    g_assert_cmphex(rdq(env, VTD_REG_IQH), ==, 0x10);
    wrq(env, VTD_REG_IQT, 0x20);
    g_assert_cmphex(rdq(env, VTD_REG_IQH), ==, 0x10);
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, 0x10);
    env_free(env);
}

/* A tail written before QIE is processed when QI is enabled (QEMU) */
static void test_qi_tail_before_enable(void)
{
    VtdEnv *env = env_new(NULL);

    desc(env, 0, 0x4200000025ULL, STATUS);
    wrq(env, VTD_REG_IQT, 0x10);
    g_assert_cmphex(rdq(env, VTD_REG_IQH), ==, 0);
    qi_enable(env, 0);
    g_assert_cmphex(rdq(env, VTD_REG_IQH), ==, 0x10);
    g_assert_cmphex(ram_rl(env, STATUS), ==, 0x42);
    env_free(env);
}

/* A queue in unassigned space: the first descriptor cannot be read */
static void test_qi_queue_outside_ram(void)
{
    VtdEnv *env = env_new(NULL);

    wrq(env, VTD_REG_IQA, 0xe0000000ULL);
    wrl(env, VTD_REG_GCMD, VTD_GCMD_QIE);
    wrq(env, VTD_REG_IQT, 0x10);
    g_assert_cmphex(rdq(env, VTD_REG_IQH), ==, 0);
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, VTD_FSTS_IQE);
    env_free(env);
}

/* Wait descriptor with both SW and IF (QEMU 7.2 asserts): both done */
static void test_qi_wait_sw_and_if(void)
{
    VtdEnv *env = env_new(NULL);

    wrl(env, VTD_REG_IECTL, 0);
    wrl(env, VTD_REG_IEADDR, 0xfee00000);
    wrl(env, VTD_REG_IEDATA, 0x55);
    qi_enable(env, 0);
    desc(env, 0, 0x7700000035ULL, STATUS);
    wrq(env, VTD_REG_IQT, 0x10);
    g_assert_cmphex(ram_rl(env, STATUS), ==, 0x77);
    g_assert_cmphex(rdl(env, VTD_REG_ICS), ==, 1);
    g_assert_cmpuint(env->msi->len, ==, 1);
    g_assert_cmphex(g_array_index(env->msi, MsiWrite, 0).data, ==, 0x55);
    env_free(env);
}

/* 256-bit descriptors (IQA.DW with scalable mode): half as many entries,
 * QT in bits 18:5, a tail with bit 4 set is ignored (QEMU) */
static void test_qi_256(void)
{
    VtdEnv *env = env_new("x-scalable-mode=on");

    wrq(env, VTD_REG_IQA, IQ_BASE | VTD_IQA_DW);
    wrl(env, VTD_REG_GCMD, VTD_GCMD_QIE);
    g_assert_true(env->s->iq_dw);
    g_assert_cmpuint(env->s->iq_size, ==, 128);
    ram_wq(env, IQ_BASE, 0x1200000025ULL);
    ram_wq(env, IQ_BASE + 8, STATUS);
    ram_wq(env, IQ_BASE + 32, 0x3400000025ULL);
    ram_wq(env, IQ_BASE + 40, STATUS);
    wrq(env, VTD_REG_IQT, 0x10);                   /* bit 4: ignored */
    g_assert_cmphex(rdq(env, VTD_REG_IQH), ==, 0);
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, 0);
    wrq(env, VTD_REG_IQT, 0x40);                   /* two descriptors */
    g_assert_cmphex(rdq(env, VTD_REG_IQH), ==, 0x40);
    g_assert_cmphex(ram_rl(env, STATUS), ==, 0x34);
    env_free(env);

    /* without scalable mode DW is ignored */
    env = env_new(NULL);
    wrq(env, VTD_REG_IQA, IQ_BASE | VTD_IQA_DW);
    wrl(env, VTD_REG_GCMD, VTD_GCMD_QIE);
    g_assert_false(env->s->iq_dw);
    g_assert_cmpuint(env->s->iq_size, ==, 256);
    env_free(env);
}

/* Queue descriptors reach the caches */
static void test_qi_invalidates_caches(void)
{
    VtdEnv *env = env_new(NULL);
    uint32_t gen = env->s->context_cache_gen;

    qi_enable(env, 0);
    fill_iotlb(env, 5, 0x20, 16);
    fill_iotlb(env, 6, 0x28, 16);
    desc(env, 0, 0x0000000000050032ULL, 0x4000 | 1);   /* page, did 5, am 1 */
    wrq(env, VTD_REG_IQT, 0x10);
    g_assert_cmpuint(vtd_iotlb_size(env->s), ==, 30);
    desc(env, 1, 0x0000000000060022ULL, 0);            /* domain 6 */
    wrq(env, VTD_REG_IQT, 0x20);
    g_assert_cmpuint(vtd_iotlb_size(env->s), ==, 14);
    desc(env, 2, 0x12, 0);                             /* global */
    desc(env, 3, 0x11, 0);                             /* cc global */
    wrq(env, VTD_REG_IQT, 0x40);
    g_assert_cmpuint(vtd_iotlb_size(env->s), ==, 0);
    g_assert_cmpuint(env->s->context_cache_gen, ==, gen + 1);
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, 0);
    env_free(env);
}

/* Device-TLB descriptor ranges (6.5.2.5, PCIe ATS size encoding) */
static void test_dev_iotlb_range(void)
{
    static const struct {
        uint64_t hi;
        hwaddr addr, mask;
    } cases[] = {
        { 0x12345000, 0x12345000, 0xfff },          /* S = 0: 4K */
        { 0x12344001, 0x12344000, 0x1fff },         /* 8K */
        { 0x12345001, 0x12344000, 0x3fff },         /* 16K */
        { 0x12347001, 0x12340000, 0xffff },         /* xx0111: 64K */
        { 0x7ffffffffffff001ULL, 0, UINT64_MAX },   /* 2^64 */
        { 0xfffffffffffff001ULL, 0, UINT64_MAX },   /* all ones */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        hwaddr a, m;
        vtd_dev_iotlb_desc_range(cases[i].hi, &a, &m);
        g_assert_cmphex(a, ==, cases[i].addr);
        g_assert_cmphex(m, ==, cases[i].mask);
    }
}

/* ---- storms and self-feeding queues ------------------------------------- */

/* 32768 valid descriptors written again and again: each tail write is
 * bounded by the queue size */
static void test_qi_storm(void)
{
    VtdEnv *env = env_new(NULL);
    gint64 t0 = g_get_monotonic_time();

    qi_enable(env, 7);                               /* 32768 entries */
    g_assert_cmpuint(env->s->iq_size, ==, 32768);
    for (unsigned i = 0; i < 32768; i++) {
        ram_wq(env, IQ_BASE + i * 16, (i & 1) ? 0x12 : 0x04);
        ram_wq(env, IQ_BASE + i * 16 + 8, 0);
    }
    for (unsigned round = 0; round < 4; round++) {
        wrq(env, VTD_REG_IQT, 0x7fff0);              /* 32767 descriptors */
        g_assert_cmphex(rdq(env, VTD_REG_IQH), ==, 0x7fff0);
        wrq(env, VTD_REG_IQT, 0);                    /* wrap: one more */
        g_assert_cmphex(rdq(env, VTD_REG_IQH), ==, 0);
    }
    g_assert_cmpuint(env->s->stats.inv_descs, ==, 4 * 32768);
    g_test_message("131072 descriptors in %.1f ms",
                   (g_get_monotonic_time() - t0) / 1000.0);
    env_free(env);
}

/* Wait descriptors whose status write moves the tail forward (into IQT):
 * the queue feeds itself forever. QEMU 7.2 would recurse; here one
 * register write processes at most VTD_IQ_BUDGET descriptors. */
static void test_qi_self_feeding(void)
{
    VtdEnv *env = env_new(NULL);

    qi_enable(env, 0);
    for (unsigned i = 0; i < 256; i++) {
        uint32_t next_tail = ((i + 2) % 256) << 4;
        desc(env, i, 0x25 | ((uint64_t)next_tail << 32),
             VTD_BASE + VTD_REG_IQT);
    }
    wrq(env, VTD_REG_IQT, 0x10);
    g_assert_true(env->s->iq_budget_hit);
    g_assert_cmpuint(env->s->stats.inv_descs, ==, VTD_IQ_BUDGET);
    g_assert_false(env->s->iq_running);
    /* a tail beyond the queue through the same path: IQE, no hang */
    for (unsigned i = 0; i < 256; i++) {
        desc(env, i, 0x25 | ((uint64_t)0x7fff0 << 32),
             VTD_BASE + VTD_REG_IQT);
    }
    wrq(env, VTD_REG_IQT, (rdq(env, VTD_REG_IQH) + 0x10) & 0xff0);
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, VTD_FSTS_IQE);
    env_free(env);
}

/* Wait descriptors that turn QI off, change the queue address, or write
 * GCMD while the queue runs */
static void test_qi_reentry(void)
{
    VtdEnv *env = env_new(NULL);

    qi_enable(env, 0);
    /* status write of 0 into GCMD: QI disable refused (queue not empty) */
    desc(env, 0, 0x25, VTD_BASE + VTD_REG_GCMD);
    desc(env, 1, 0x4400000025ULL, STATUS);
    wrq(env, VTD_REG_IQT, 0x20);
    g_assert_cmphex(rdq(env, VTD_REG_IQH), ==, 0x20);
    g_assert_cmphex(ram_rl(env, STATUS), ==, 0x44);
    g_assert_true(vtd_qi_enabled(env->s));
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, 0);
    env_free(env);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vtd/inv/ccmd", test_ccmd);
    g_test_add_func("/vtd/inv/iotlb-reg", test_iotlb_reg);
    g_test_add_func("/vtd/inv/iotlb-levels", test_iotlb_levels);
    g_test_add_func("/vtd/inv/iotlb-full", test_iotlb_full);
    g_test_add_func("/vtd/inv/iotlb-psi-qemu-mask", test_iotlb_psi_qemu_mask);
    g_test_add_func("/vtd/inv/iotlb-random", test_iotlb_random);
    g_test_add_func("/vtd/inv/context-cache", test_context_cache);
    g_test_add_func("/vtd/inv/qi-sequence", test_qi_sequence);
    g_test_add_func("/vtd/inv/qi-wrap", test_qi_wrap);
    g_test_add_func("/vtd/inv/qi-disable-reenable", test_qi_disable_reenable);
    g_test_add_func("/vtd/inv/qi-tail-before-enable",
                    test_qi_tail_before_enable);
    g_test_add_func("/vtd/inv/qi-queue-outside-ram", test_qi_queue_outside_ram);
    g_test_add_func("/vtd/inv/qi-wait-sw-and-if", test_qi_wait_sw_and_if);
    g_test_add_func("/vtd/inv/qi-256", test_qi_256);
    g_test_add_func("/vtd/inv/qi-invalidates-caches",
                    test_qi_invalidates_caches);
    g_test_add_func("/vtd/inv/dev-iotlb-range", test_dev_iotlb_range);
    g_test_add_func("/vtd/inv/qi-storm", test_qi_storm);
    g_test_add_func("/vtd/inv/qi-self-feeding", test_qi_self_feeding);
    g_test_add_func("/vtd/inv/qi-reentry", test_qi_reentry);
    return g_test_run();
}
