/*
 * bench-iommu - translation through the scripted table IOMMU, beside a bare
 * GHashTable lookup of the same pages in the same run:
 *  - the model's translate for 64 Ki mapped pages hit at random (its IOVA
 *    tree), and for 64 hot pages (its IOTLB),
 *  - address_space_translate through a device AddressSpace (flat-view
 *    lookup, IOMMU, flat-view lookup in the target),
 *  - a 4-byte DMA read through the IOMMU beside the same read of RAM
 *    without it,
 *  - unmapping all of 2^64 with ten mappings in it, beside unmapping one.
 */
#include "bench-util.h"
#include "iommu/scripted-iommu.h"

#define NPAGES (1u << 16)
#define LOOKUPS (1u << 21)
#define REPS 5

typedef struct Page {
    hwaddr taddr;
    IOMMUAccessFlags perm;
} Page;

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "bench-iommu: %s failed\n", what);
        exit(1);
    }
}

int main(void)
{
    GError *err = NULL;
    MemoryRegion *sys = memory_region_new_container("system", UINT64_MAX);
    MemoryRegion *ram = memory_region_new_ram("ram", 64 * 1024 * 1024, NULL,
                                              &err);
    check(ram && !err, "ram");
    memory_region_add_subregion(sys, 0, ram, NULL);
    memory_region_unref(ram);
    AddressSpace *mem = address_space_new(sys, "memory");

    ScriptedIOMMU *s = scripted_iommu_new("siommu", UINT64_MAX, NULL, &err);
    check(s && !err, "scripted_iommu_new");
    MemoryRegion *dev_root = memory_region_new_container("dev", UINT64_MAX);
    memory_region_add_subregion(dev_root, 0, scripted_iommu_region(s), NULL);
    AddressSpace *dev = address_space_new(dev_root, "dev");
    IOMMUMemoryRegion *im = scripted_iommu_iommu(s);

    /* every other IOVA page mapped (no merging: NPAGES maps in the tree),
     * to scattered RAM pages */
    GHashTable *hash = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    GRand *rand = g_rand_new_with_seed(42);
    for (unsigned i = 0; i < NPAGES; i++) {
        hwaddr iova = (hwaddr)i * 0x2000;
        hwaddr taddr = (hwaddr)((i * 7919u) % (64u * 256u)) * 0x1000;
        Page *p = g_new(Page, 1);
        p->taddr = taddr;
        p->perm = IOMMU_RW;
        check(scripted_iommu_map(s, 0, iova, 0x1000, mem, taddr, IOMMU_RW,
                                 NULL), "map");
        g_hash_table_insert(hash, GSIZE_TO_POINTER(iova >> 12), p);
    }
    check(iova_tree_count(scripted_iommu_table(s, 0)) == NPAGES, "count");
    hwaddr *addrs = g_new(hwaddr, LOOKUPS);
    hwaddr *hot = g_new(hwaddr, LOOKUPS);
    for (unsigned i = 0; i < LOOKUPS; i++) {
        addrs[i] = (hwaddr)g_rand_int_range(rand, 0, NPAGES) * 0x2000 +
                   (hwaddr)g_rand_int_range(rand, 0, 0x1000 - 4);
        hot[i] = (hwaddr)g_rand_int_range(rand, 0, 64) * 0x2000 +
                 (hwaddr)g_rand_int_range(rand, 0, 0x1000 - 4);
    }

    double best_xl = 1e30, best_hash = 1e30, best_ast = 1e30;
    double best_dma = 1e30, best_ramrd = 1e30, best_hot = 1e30;
    double best_hothash = 1e30;
    for (int rep = 0; rep < REPS; rep++) {
        uint64_t sum = 0;
        double t0 = bench_now_ns();
        for (unsigned i = 0; i < LOOKUPS; i++) {
            IOMMUTLBEntry e = memory_region_iommu_translate(im, addrs[i],
                                                            IOMMU_RO, 0);
            sum += e.translated_addr;
        }
        double t1 = bench_now_ns();
        for (unsigned i = 0; i < LOOKUPS; i++) {
            Page *p = g_hash_table_lookup(hash,
                                          GSIZE_TO_POINTER(addrs[i] >> 12));
            sum += p->taddr;
        }
        double t2 = bench_now_ns();
        for (unsigned i = 0; i < LOOKUPS; i++) {
            hwaddr xlat, plen = 4;
            MemoryRegion *mr = address_space_translate(
                dev, addrs[i], &xlat, &plen, false, MEMTXATTRS_UNSPECIFIED);
            sum += xlat + (uintptr_t)mr;
        }
        double t3 = bench_now_ns();
        for (unsigned i = 0; i < LOOKUPS; i++) {
            uint32_t v;
            address_space_read(dev, addrs[i], MEMTXATTRS_UNSPECIFIED, &v, 4);
            sum += v;
        }
        double t4 = bench_now_ns();
        for (unsigned i = 0; i < LOOKUPS; i++) {
            uint32_t v;
            address_space_read(mem, addrs[i] & 0x3fffffc,
                               MEMTXATTRS_UNSPECIFIED, &v, 4);
            sum += v;
        }
        double t5 = bench_now_ns();
        for (unsigned i = 0; i < LOOKUPS; i++) {
            IOMMUTLBEntry e = memory_region_iommu_translate(im, hot[i],
                                                            IOMMU_RO, 0);
            sum += e.translated_addr;
        }
        double t6 = bench_now_ns();
        for (unsigned i = 0; i < LOOKUPS; i++) {
            Page *p = g_hash_table_lookup(hash,
                                          GSIZE_TO_POINTER(hot[i] >> 12));
            sum += p->taddr;
        }
        double t7 = bench_now_ns();
        bench_sink = sum;
        best_hot = MIN(best_hot, (t6 - t5) / LOOKUPS);
        best_hothash = MIN(best_hothash, (t7 - t6) / LOOKUPS);
        best_xl = MIN(best_xl, (t1 - t0) / LOOKUPS);
        best_hash = MIN(best_hash, (t2 - t1) / LOOKUPS);
        best_ast = MIN(best_ast, (t3 - t2) / LOOKUPS);
        best_dma = MIN(best_dma, (t4 - t3) / LOOKUPS);
        best_ramrd = MIN(best_ramrd, (t5 - t4) / LOOKUPS);
    }
    check(scripted_iommu_stats(s).faults == 0, "no faults");
    bench_report("iommu: translate, 64 hot pages (IOTLB)", best_hot, "ns",
                 "GHashTable lookup, same pages", best_hothash, "<= 4x hash",
                 best_hot <= 4 * best_hothash);
    bench_report("iommu: translate, 64Ki maps at random", best_xl, "ns",
                 "GHashTable lookup, same pages", best_hash, "<= 40x hash",
                 best_xl <= 40 * best_hash);
    bench_report("iommu: address_space_translate, 64Ki maps", best_ast,
                 "ns", "GHashTable lookup, same pages", best_hash,
                 "<= 50x hash", best_ast <= 50 * best_hash);
    bench_report("iommu: 4-byte DMA read, 64Ki maps", best_dma, "ns",
                 "4-byte read of RAM, no IOMMU", best_ramrd, "<= 40x",
                 best_dma <= 40 * best_ramrd);

    /* unmap of all 2^64 with 10 maps, beside unmapping one page */
    double best_all = 1e30, best_one = 1e30;
    for (int rep = 0; rep < REPS; rep++) {
        ScriptedIOMMU *u = scripted_iommu_new("u", UINT64_MAX, NULL, NULL);
        const int rounds = 2000;
        double tall = 0, tone = 0;
        for (int r = 0; r < rounds; r++) {
            for (hwaddr i = 0; i < 10; i++) {
                scripted_iommu_map(u, 0, i << 40, 0x1000, mem, 0x1000,
                                   IOMMU_RW, NULL);
            }
            scripted_iommu_map(u, 0, 0x7000, 0x1000, mem, 0x1000, IOMMU_RW,
                               NULL);
            double a = bench_now_ns();
            scripted_iommu_unmap(u, 0, 0x7000, 0x1000, NULL);
            double b = bench_now_ns();
            scripted_iommu_unmap(u, 0, 0, UINT64_MAX, NULL);
            double c = bench_now_ns();
            tone += b - a;
            tall += c - b;
        }
        check(iova_tree_count(scripted_iommu_table(u, 0)) == 0, "unmap all");
        best_all = MIN(best_all, tall / rounds);
        best_one = MIN(best_one, tone / rounds);
        memory_region_unref(scripted_iommu_region(u));
    }
    bench_report("iommu: unmap 2^64 holding 10 maps", best_all, "ns",
                 "unmap of one mapped page", best_one, "<= 20x one",
                 best_all <= 20 * best_one);

    g_free(addrs);
    g_free(hot);
    g_rand_free(rand);
    g_hash_table_destroy(hash);
    address_space_destroy(dev);
    address_space_destroy(mem);
    memory_region_unref(scripted_iommu_region(s));
    memory_region_unref(dev_root);
    memory_region_unref(sys);
    return 0;
}
