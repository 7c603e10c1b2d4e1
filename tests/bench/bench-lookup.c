/*
 * bench-lookup - flatview_find of random addresses in a view of 10,000
 * ranges, beside a plain binary search over the same ranges' (start, end).
 */
#include "bench-util.h"
#include "memory/address-space.h"

#define NRANGES 10000
#define LOOKUPS (1u << 22)

typedef struct { hwaddr start, end; } Plain;

static int plain_find(const Plain *p, unsigned n, hwaddr addr)
{
    int lo = 0, hi = (int)n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (addr < p[mid].start) {
            hi = mid - 1;
        } else if (addr > p[mid].end) {
            lo = mid + 1;
        } else {
            return mid;
        }
    }
    return -1;
}

int main(void)
{
    MemoryRegion *sys = memory_region_new_container("system", UINT64_MAX);
    memory_region_transaction_begin();
    for (unsigned i = 0; i < NRANGES; i++) {
        MemoryRegion *io = memory_region_new_io(NULL, NULL, "r", 0x1000);
        memory_region_add_subregion(sys, (hwaddr)i * 0x3000, io, NULL);
        memory_region_unref(io);
    }
    memory_region_transaction_commit();
    AddressSpace *as = address_space_new(sys, "memory");
    FlatView *fv = as->current_map;
    if (fv->nr != NRANGES) {
        fprintf(stderr, "expected %u ranges, got %u\n", NRANGES, fv->nr);
        return 1;
    }
    Plain *plain = g_new(Plain, NRANGES);
    for (unsigned i = 0; i < NRANGES; i++) {
        plain[i].start = (hwaddr)fv->ranges[i].start;
        plain[i].end = (hwaddr)(fv->ranges[i].start + fv->ranges[i].size - 1);
    }
    hwaddr *addrs = g_new(hwaddr, LOOKUPS);
    GRand *rand = g_rand_new_with_seed(42);
    for (unsigned i = 0; i < LOOKUPS; i++) {
        addrs[i] = (hwaddr)g_rand_int_range(rand, 0, NRANGES) * 0x3000 +
                   (hwaddr)g_rand_int_range(rand, 0, 0x1000);
    }
    double best_fv = 1e30, best_plain = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        uint64_t sum = 0;
        double t0 = bench_now_ns();
        for (unsigned i = 0; i < LOOKUPS; i++) {
            sum += (uint64_t)flatview_find(fv, addrs[i]);
        }
        double t1 = bench_now_ns();
        for (unsigned i = 0; i < LOOKUPS; i++) {
            sum += (uint64_t)plain_find(plain, NRANGES, addrs[i]);
        }
        double t2 = bench_now_ns();
        bench_sink = sum;
        best_fv = MIN(best_fv, (t1 - t0) / LOOKUPS);
        best_plain = MIN(best_plain, (t2 - t1) / LOOKUPS);
    }
    bench_report("lookup: random addr, 10k flat ranges", best_fv, "ns",
                 "plain binary search", best_plain, "<= 30 ns", best_fv <= 30);
    g_free(addrs);
    g_free(plain);
    g_rand_free(rand);
    address_space_destroy(as);
    memory_region_unref(sys);
    return 0;
}
