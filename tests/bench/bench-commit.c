/*
 * bench-commit - one region added and committed in a map of 10,000 regions,
 * with 4,096 device address spaces (bus-master container + alias onto the
 * shared root) beside the same change with 16 address spaces.
 */
#include "bench-util.h"
#include "memory/address-space.h"

#define NREGIONS 10000
#define ROUNDS 200

static double commit_cost_us(unsigned n_as)
{
    MemoryRegion *sys = memory_region_new_container("system", UINT64_MAX);
    memory_region_transaction_begin();
    for (unsigned i = 0; i < NREGIONS; i++) {
        g_autofree char *name = g_strdup_printf("mmio%u", i);
        MemoryRegion *io = memory_region_new_io(NULL, NULL, name, 0x1000);
        memory_region_add_subregion(sys, (hwaddr)i * 0x2000, io, NULL);
        memory_region_unref(io);
    }
    memory_region_transaction_commit();
    AddressSpace *sys_as = address_space_new(sys, "memory");

    AddressSpace **as = g_new(AddressSpace *, n_as);
    MemoryRegion **bm = g_new(MemoryRegion *, n_as);
    for (unsigned i = 0; i < n_as; i++) {
        bm[i] = memory_region_new_container("bus master container", UINT64_MAX);
        MemoryRegion *al = memory_region_new_alias("bus master", sys, 0,
                                                   UINT64_MAX, NULL);
        memory_region_add_subregion(bm[i], 0, al, NULL);
        memory_region_unref(al);
        as[i] = address_space_new(bm[i], "dev");
    }

    double samples[ROUNDS];
    for (unsigned r = 0; r < ROUNDS; r++) {
        MemoryRegion *extra = memory_region_new_io(NULL, NULL, "extra", 0x1000);
        hwaddr at = (hwaddr)(r % NREGIONS) * 0x2000 + 0x1000; /* in a gap */
        double t0 = bench_now_ns();
        memory_region_add_subregion(sys, at, extra, NULL);
        double t1 = bench_now_ns();
        samples[r] = (t1 - t0) / 1000.0;
        if (as[n_as - 1]->current_map->nr != NREGIONS + 1) {
            fprintf(stderr, "wrong map: %u ranges\n", as[n_as - 1]->current_map->nr);
            exit(1);
        }
        memory_region_del_subregion(sys, extra, NULL);
        memory_region_unref(extra);
    }
    for (unsigned i = 0; i < n_as; i++) {
        address_space_destroy(as[i]);
        memory_region_unref(bm[i]);
    }
    address_space_destroy(sys_as);
    memory_region_unref(sys);
    g_free(as);
    g_free(bm);
    return bench_median(samples, ROUNDS);
}

int main(void)
{
    double small = commit_cost_us(16);
    double big = commit_cost_us(4096);
    bench_report("commit: add 1 region, 10k regions, 4096 AS", big, "us",
                 "same with 16 AS", small, "<= 1000 us and <= 2x", big <= 1000 && big <= 2 * small);
    return 0;
}
