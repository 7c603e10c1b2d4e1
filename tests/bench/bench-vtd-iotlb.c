/*
 * bench-vtd-iotlb.c - cost of a VT-d IOTLB lookup (vtd_lookup_iotlb) that
 * hits, beside a bare GHashTable lookup of a 64-bit key measured in the
 * same run with the same number of entries and the same access pattern.
 *
 * Target (issue 4): a translation that hits the IOTLB in at most 40 ns;
 * the lookup is the part of it this measures.
 */
#include "bench-util.h"
#include "iommu/vtd/vtd-internal.h"

#define ENTRIES 1000           /* below VTD_IOTLB_MAX_SIZE (1024) */
#define LOOKUPS (1u << 22)
#define ROUNDS 7

static uint64_t order[LOOKUPS];

static double bench_vtd(IntelIOMMUState *s, unsigned level_shift)
{
    double samples[ROUNDS];
    uint64_t acc = 0;

    for (int r = 0; r < ROUNDS; r++) {
        double t0 = bench_now_ns();
        for (unsigned i = 0; i < LOOKUPS; i++) {
            VTDIOTLBEntry *e = vtd_lookup_iotlb(s, 0x20, VTD_NO_PASID,
                                                (order[i] << level_shift) |
                                                0x123);
            acc += e->slpte;
        }
        samples[r] = (bench_now_ns() - t0) / LOOKUPS;
    }
    bench_sink += acc;
    return bench_median(samples, ROUNDS);
}

static double bench_miss(IntelIOMMUState *s)
{
    double samples[ROUNDS];
    uint64_t acc = 0;

    for (int r = 0; r < ROUNDS; r++) {
        double t0 = bench_now_ns();
        for (unsigned i = 0; i < LOOKUPS; i++) {
            acc += vtd_lookup_iotlb(s, 0x21, VTD_NO_PASID,
                                    order[i] << 12) != NULL;
        }
        samples[r] = (bench_now_ns() - t0) / LOOKUPS;
    }
    bench_sink += acc;
    return bench_median(samples, ROUNDS);
}

static double bench_ghash(GHashTable *h)
{
    double samples[ROUNDS];
    uint64_t acc = 0;

    for (int r = 0; r < ROUNDS; r++) {
        double t0 = bench_now_ns();
        for (unsigned i = 0; i < LOOKUPS; i++) {
            gint64 key = (gint64)order[i];
            acc += GPOINTER_TO_SIZE(g_hash_table_lookup(h, &key));
        }
        samples[r] = (bench_now_ns() - t0) / LOOKUPS;
    }
    bench_sink += acc;
    return bench_median(samples, ROUNDS);
}

int main(void)
{
    g_autoptr(GError) err = NULL;
    MemoryRegion *system = memory_region_new_container("system", UINT64_MAX);
    AddressSpace *as = address_space_new(system, "memory");
    VTDProperties p;
    IntelIOMMUState *s;
    GHashTable *h = g_hash_table_new_full(g_int64_hash, g_int64_equal,
                                          g_free, NULL);
    GRand *rnd = g_rand_new_with_seed(1);
    uint64_t gfns[ENTRIES];

    vtd_properties_init(&p);
    p.aw_bits = 48;
    s = vtd_new(&p, system, as, &err);
    g_assert_no_error(err);

    /* ENTRIES scattered 4K pages of one device */
    for (unsigned i = 0; i < ENTRIES; i++) {
        gfns[i] = ((uint64_t)g_rand_int(rnd) << 4) ^ i;
        vtd_update_iotlb(s, 0x20, 1, gfns[i] << 12,
                         (gfns[i] << 12) | 3, IOMMU_RW, 1, VTD_NO_PASID);
        gint64 *key = g_new(gint64, 1);
        *key = (gint64)gfns[i];
        g_hash_table_insert(h, key, GSIZE_TO_POINTER(i + 1));
    }
    for (unsigned i = 0; i < LOOKUPS; i++) {
        order[i] = gfns[g_rand_int_range(rnd, 0, ENTRIES)];
    }

    double base = bench_ghash(h);
    double hit4k = bench_vtd(s, 12);
    bench_report("vtd IOTLB hit (4K page, 1000 entries)", hit4k, "ns",
                 "GHashTable int64 lookup", base, "<= 40 ns", hit4k <= 40);

    /* 2 MiB entries beside 4 KiB ones: found at the second level tried */
    vtd_reset_iotlb(s);
    for (unsigned i = 0; i < ENTRIES; i++) {
        vtd_update_iotlb(s, 0x20, 1, gfns[i] << 21, (gfns[i] << 21) | 0x83,
                         IOMMU_RW, 2, VTD_NO_PASID);
        if (i < 20) {
            vtd_update_iotlb(s, 0x20, 1, (gfns[i] << 21) | 0x1000,
                             0x1000 | 3, IOMMU_RW, 1, VTD_NO_PASID);
        }
    }
    double hit2m = bench_vtd(s, 21);
    bench_report("vtd IOTLB hit (2M page, 4K probed first)", hit2m, "ns",
                 "GHashTable int64 lookup", base, "<= 40 ns", hit2m <= 40);

    double miss = bench_miss(s);
    bench_report("vtd IOTLB miss (levels 1 and 2 probed)", miss, "ns",
                 "GHashTable int64 lookup", base, "(info)", true);

    /* A page-selective invalidation scans the whole table: its cost with
     * a full IOTLB and nothing to drop (domain 2 has no entries), beside
     * the same with an empty IOTLB */
    {
        double samples[ROUNDS], empty[ROUNDS];
        const unsigned n = 20000;
        for (int r = 0; r < ROUNDS; r++) {
            double t0 = bench_now_ns();
            for (unsigned i = 0; i < n; i++) {
                vtd_iotlb_remove_page(s, 2, (hwaddr)i << 12, 0);
            }
            samples[r] = (bench_now_ns() - t0) / n;
        }
        IntelIOMMUState *s2 = vtd_new(&p, system, as, &err);
        for (int r = 0; r < ROUNDS; r++) {
            double t0 = bench_now_ns();
            for (unsigned i = 0; i < n; i++) {
                vtd_iotlb_remove_page(s2, 2, (hwaddr)i << 12, 0);
            }
            empty[r] = (bench_now_ns() - t0) / n;
        }
        vtd_destroy(s2);
        double full = bench_median(samples, ROUNDS);
        bench_report("vtd IOTLB page-selective scan (1020 entries)", full,
                     "ns", "same, empty IOTLB", bench_median(empty, ROUNDS),
                     "<= 10000 ns (PSI budget)", full <= 10000);
    }

    printf("IOTLB hits %" PRIu64 ", misses %" PRIu64 "\n",
           s->stats.iotlb_hits, s->stats.iotlb_misses);

    g_rand_free(rnd);
    g_hash_table_destroy(h);
    vtd_destroy(s);
    address_space_destroy(as);
    memory_region_unref(system);
    return 0;
}
