/*
 * test-map.c - address_space_map/unmap: direct RAM mappings, bounce buffers
 * out of the per-AddressSpace budget, write-back, map clients.
 */
#include "memory/address-space.h"

#include <string.h>

#define ATTRS MEMTXATTRS_UNSPECIFIED

/* ---- a byte-array device ------------------------------------------------- */

typedef struct Dev {
    uint8_t mem[0x4000];
    int reads, writes;
} Dev;

static uint64_t dev_read(void *opaque, hwaddr addr, unsigned size)
{
    Dev *d = opaque;
    uint64_t v = 0;
    d->reads++;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)d->mem[(addr + i) % sizeof(d->mem)] << (8 * i);
    }
    return v;
}

static void dev_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    Dev *d = opaque;
    d->writes++;
    for (unsigned i = 0; i < size; i++) {
        d->mem[(addr + i) % sizeof(d->mem)] = (uint8_t)(val >> (8 * i));
    }
}

static const MemoryRegionOps dev_ops = {
    .read = dev_read,
    .write = dev_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

typedef struct Sys {
    MemoryRegion *root;
    MemoryRegion *ram, *ram2, *io;
    AddressSpace *as;
    Dev dev;
} Sys;

/* RAM at 0 (64K), more RAM right after it (64K), MMIO at 0x100000 (16K) */
static void sys_init(Sys *s)
{
    GError *err = NULL;

    memset(s, 0, sizeof(*s));
    for (unsigned i = 0; i < sizeof(s->dev.mem); i++) {
        s->dev.mem[i] = (uint8_t)(i * 3);
    }
    s->root = memory_region_new_container("sys", UINT64_MAX);
    s->ram = memory_region_new_ram("ram", 0x10000, NULL, &err);
    g_assert_no_error(err);
    s->ram2 = memory_region_new_ram("ram2", 0x10000, NULL, &err);
    g_assert_no_error(err);
    s->io = memory_region_new_io(&dev_ops, &s->dev, "io", 0x4000);
    g_assert_true(memory_region_add_subregion(s->root, 0, s->ram, NULL));
    g_assert_true(memory_region_add_subregion(s->root, 0x10000, s->ram2,
                                              NULL));
    g_assert_true(memory_region_add_subregion(s->root, 0x100000, s->io, NULL));
    memory_region_unref(s->ram);
    memory_region_unref(s->ram2);
    memory_region_unref(s->io);
    s->as = address_space_new(s->root, "sys");
}

static void sys_fini(Sys *s)
{
    address_space_destroy(s->as);
    memory_region_unref(s->root);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_map_ram_direct(void)
{
    Sys s;
    hwaddr len;
    uint8_t *p;

    sys_init(&s);
    uint8_t *host = memory_region_get_ram_ptr(s.ram);

    len = 0x1000;
    p = address_space_map(s.as, 0x2000, &len, true, ATTRS);
    g_assert_true(p == host + 0x2000);
    g_assert_cmphex(len, ==, 0x1000);
    memcpy(p, "direct", 6);
    address_space_unmap(s.as, p, len, true, 6);
    g_assert_cmpmem(host + 0x2000, 6, "direct", 6);
    g_assert_cmpuint(s.as->bounce_buffer_size, ==, 0);

    /* a mapping stops at the end of the region (the next one is another
     * block) */
    len = 0x3000;
    p = address_space_map(s.as, 0xf000, &len, false, ATTRS);
    g_assert_true(p == host + 0xf000);
    g_assert_cmphex(len, ==, 0x1000);
    address_space_unmap(s.as, p, len, false, len);

    /* the same pointer mapped twice, unmapped twice */
    hwaddr l1 = 0x10, l2 = 0x10;
    uint8_t *p1 = address_space_map(s.as, 0x40, &l1, false, ATTRS);
    uint8_t *p2 = address_space_map(s.as, 0x40, &l2, true, ATTRS);
    g_assert_true(p1 == p2);
    address_space_unmap(s.as, p2, l2, true, l2);
    address_space_unmap(s.as, p1, l1, false, l1);

    /* length 0: NULL */
    len = 0;
    g_assert_null(address_space_map(s.as, 0, &len, false, ATTRS));
    g_assert_cmphex(len, ==, 0);
    sys_fini(&s);
}

/* Direct mappings extend across sections that continue the same region at
 * contiguous offsets (here: IOMMU pages mapped contiguously). */
typedef struct Iommu {
    MemoryRegion mr;
    AddressSpace *target;
    hwaddr stride;
} Iommu;

static IOMMUTLBEntry iommu_translate(MemoryRegion *mr, hwaddr addr,
                                     IOMMUAccessFlags flag, int idx)
{
    Iommu *t = (Iommu *)mr;
    return (IOMMUTLBEntry){
        .target_as = t->target,
        .iova = addr & ~(hwaddr)0xfff,
        .translated_addr = (addr >> 12) * t->stride,
        .addr_mask = 0xfff,
        .perm = IOMMU_RW,
    };
}

static const IOMMUMemoryRegionClass iommu_class = {
    .name = "test",
    .translate = iommu_translate,
};

static void test_map_through_iommu(void)
{
    Sys s;
    hwaddr len;
    uint8_t *p;

    sys_init(&s);
    uint8_t *host = memory_region_get_ram_ptr(s.ram);
    MemoryRegion *droot = memory_region_new_container("dev", UINT64_MAX);
    Iommu *t = g_new0(Iommu, 1);
    memory_region_init_iommu(&t->mr, &iommu_class, "iommu", UINT64_MAX);
    t->mr.heap = true;
    t->target = s.as;
    t->stride = 0x1000;
    g_assert_true(memory_region_add_subregion(droot, 0, &t->mr, NULL));
    memory_region_unref(&t->mr);
    AddressSpace *das = address_space_new(droot, "dev-as");

    len = 0x4000;
    p = address_space_map(das, 0x1800, &len, true, ATTRS);
    g_assert_true(p == host + 0x1800);
    g_assert_cmphex(len, ==, 0x4000);
    address_space_unmap(das, p, len, true, len);

    /* non-contiguous pages: the mapping stops at the page end */
    t->stride = 0x2000;
    len = 0x4000;
    p = address_space_map(das, 0x1800, &len, false, ATTRS);
    g_assert_true(p == host + 0x2800);
    g_assert_cmphex(len, ==, 0x800);
    address_space_unmap(das, p, len, false, len);

    address_space_destroy(das);
    memory_region_unref(droot);
    sys_fini(&s);
}

static void test_map_mmio_bounce(void)
{
    Sys s;
    hwaddr len;
    uint8_t *p;

    sys_init(&s);
    /* read: filled from the device now */
    len = 0x100;
    p = address_space_map(s.as, 0x100010, &len, false, ATTRS);
    g_assert_nonnull(p);
    g_assert_cmphex(len, ==, 0x100);
    g_assert_cmpmem(p, 0x100, s.dev.mem + 0x10, 0x100);
    g_assert_cmpuint(s.as->bounce_buffer_size, ==, 0x100);
    int writes = s.dev.writes;
    address_space_unmap(s.as, p, len, false, len);
    g_assert_cmpint(s.dev.writes, ==, writes); /* no write-back for reads */
    g_assert_cmpuint(s.as->bounce_buffer_size, ==, 0);

    /* write: written back at unmap, access_len bytes only */
    len = 0x100;
    p = address_space_map(s.as, 0x100020, &len, true, ATTRS);
    g_assert_nonnull(p);
    memset(p, 0xee, 0x100);
    g_assert_cmphex(s.dev.mem[0x20], ==, (uint8_t)(0x20 * 3));
    address_space_unmap(s.as, p, len, true, 0x10);
    for (int i = 0; i < 0x10; i++) {
        g_assert_cmphex(s.dev.mem[0x20 + i], ==, 0xee);
    }
    g_assert_cmphex(s.dev.mem[0x30], ==, (uint8_t)(0x30 * 3));

    /* a bounce mapping is at most the budget */
    len = 0x3000;
    p = address_space_map(s.as, 0x100000, &len, false, ATTRS);
    g_assert_nonnull(p);
    g_assert_cmphex(len, ==, DEFAULT_MAX_BOUNCE_BUFFER_SIZE);
    address_space_unmap(s.as, p, len, false, 0);

    /* unassigned space is bounced too (reads as zeros) */
    len = 0x10;
    p = address_space_map(s.as, 0x900000, &len, false, ATTRS);
    g_assert_nonnull(p);
    g_assert_cmphex(p[0] | p[15], ==, 0);
    address_space_unmap(s.as, p, len, false, 0);

    /* ROM written through map bounces (it is not writable RAM) */
    GError *err = NULL;
    MemoryRegion *rom = memory_region_new_rom("rom", 0x1000, &err);
    g_assert_no_error(err);
    g_assert_true(memory_region_add_subregion(s.root, 0x200000, rom, NULL));
    memory_region_unref(rom);
    len = 0x10;
    p = address_space_map(s.as, 0x200000, &len, true, ATTRS);
    g_assert_true(p != memory_region_get_ram_ptr(rom));
    memset(p, 1, 0x10);
    address_space_unmap(s.as, p, len, true, len);
    g_assert_cmphex(memory_region_get_ram_ptr(rom)[0], ==, 0);
    len = 0x10;
    p = address_space_map(s.as, 0x200000, &len, false, ATTRS);
    g_assert_true(p == memory_region_get_ram_ptr(rom));
    address_space_unmap(s.as, p, len, false, len);
    sys_fini(&s);
}

typedef struct ClientLog {
    int calls;
} ClientLog;

static void client_cb(void *opaque)
{
    ((ClientLog *)opaque)->calls++;
}

static void test_budget_and_clients(void)
{
    Sys s;
    hwaddr l1 = 2048, l2 = 2048, l3 = 16;
    ClientLog c1 = { 0 }, c2 = { 0 }, c3 = { 0 };

    sys_init(&s);
    g_assert_cmpuint(s.as->max_bounce_buffer_size, ==, 4096);
    void *p1 = address_space_map(s.as, 0x100000, &l1, false, ATTRS);
    void *p2 = address_space_map(s.as, 0x101000, &l2, true, ATTRS);
    g_assert_nonnull(p1);
    g_assert_nonnull(p2);
    g_assert_cmphex(l1, ==, 2048);
    g_assert_cmphex(l2, ==, 2048);
    g_assert_cmpuint(s.as->bounce_buffer_size, ==, 4096);

    /* spent: NULL and *plen 0 */
    g_assert_null(address_space_map(s.as, 0x102000, &l3, false, ATTRS));
    g_assert_cmphex(l3, ==, 0);
    /* RAM still maps directly */
    hwaddr lr = 0x100;
    void *pr = address_space_map(s.as, 0x100, &lr, false, ATTRS);
    g_assert_nonnull(pr);
    address_space_unmap(s.as, pr, lr, false, lr);

    /* clients wait while the budget is spent */
    address_space_register_map_client(s.as, client_cb, &c1);
    address_space_register_map_client(s.as, client_cb, &c2);
    address_space_register_map_client(s.as, client_cb, &c3);
    address_space_unregister_map_client(s.as, client_cb, &c3);
    g_assert_cmpint(c1.calls, ==, 0);

    /* releasing bounce memory tells each client once */
    address_space_unmap(s.as, p1, l1, false, 0);
    g_assert_cmpint(c1.calls, ==, 1);
    g_assert_cmpint(c2.calls, ==, 1);
    g_assert_cmpint(c3.calls, ==, 0);
    address_space_unmap(s.as, p2, l2, true, l2);
    g_assert_cmpint(c1.calls, ==, 1);
    g_assert_cmpint(c2.calls, ==, 1);
    g_assert_cmpuint(s.as->bounce_buffer_size, ==, 0);

    /* with budget left, a new client is told at once */
    address_space_register_map_client(s.as, client_cb, &c3);
    g_assert_cmpint(c3.calls, ==, 1);

    /* partial budget: a map gets what is left */
    hwaddr la = 3000, lb = 3000;
    void *pa = address_space_map(s.as, 0x100000, &la, false, ATTRS);
    void *pb = address_space_map(s.as, 0x101000, &lb, false, ATTRS);
    g_assert_cmphex(la, ==, 3000);
    g_assert_cmphex(lb, ==, 4096 - 3000);
    address_space_unmap(s.as, pb, lb, false, 0);
    address_space_unmap(s.as, pa, la, false, 0);

    /* the budget is per address space */
    AddressSpace *as2 = address_space_new(s.root, "sys2");
    s.as->max_bounce_buffer_size = 16;
    hwaddr lx = 4096;
    void *px = address_space_map(as2, 0x100000, &lx, false, ATTRS);
    g_assert_cmphex(lx, ==, 4096);
    hwaddr ly = 4096;
    void *py = address_space_map(s.as, 0x100000, &ly, false, ATTRS);
    g_assert_cmphex(ly, ==, 16);
    address_space_unmap(s.as, py, ly, false, 0);
    address_space_unmap(as2, px, lx, false, 0);
    address_space_destroy(as2);
    sys_fini(&s);
}

/* A client registering again from its callback waits for the next release
 * instead of being called in a loop. */
static AddressSpace *rereg_as;

static void rereg_cb(void *opaque)
{
    ClientLog *c = opaque;
    c->calls++;
    address_space_register_map_client(rereg_as, rereg_cb, c);
}

static void test_client_reregisters(void)
{
    Sys s;
    ClientLog c = { 0 };
    hwaddr l = 4096;

    sys_init(&s);
    rereg_as = s.as;
    void *p = address_space_map(s.as, 0x100000, &l, false, ATTRS);
    g_assert_cmphex(l, ==, 4096);
    address_space_register_map_client(s.as, rereg_cb, &c);
    g_assert_cmpint(c.calls, ==, 0);
    /* told once; its new registration waits for the next release */
    address_space_unmap(s.as, p, l, false, 0);
    g_assert_cmpint(c.calls, ==, 1);
    l = 16;
    p = address_space_map(s.as, 0x100000, &l, false, ATTRS);
    address_space_unmap(s.as, p, l, false, 0);
    g_assert_cmpint(c.calls, ==, 2);
    address_space_unregister_map_client(s.as, rereg_cb, &c);
    l = 16;
    p = address_space_map(s.as, 0x100000, &l, false, ATTRS);
    address_space_unmap(s.as, p, l, false, 0);
    g_assert_cmpint(c.calls, ==, 2);
    sys_fini(&s);
}

static void test_unmap_unknown(void)
{
    Sys s;
    uint8_t local[16];

    sys_init(&s);
    g_test_expect_message(NULL, G_LOG_LEVEL_WARNING, "*was not mapped*");
    address_space_unmap(s.as, local, sizeof(local), true, sizeof(local));
    g_test_assert_expected_messages();
    address_space_unmap(s.as, NULL, 0, false, 0);

    /* double unmap of a bounce buffer: the second is unknown */
    hwaddr l = 8;
    void *p = address_space_map(s.as, 0x100000, &l, false, ATTRS);
    address_space_unmap(s.as, p, l, false, 0);
    g_test_expect_message(NULL, G_LOG_LEVEL_WARNING, "*was not mapped*");
    address_space_unmap(s.as, p, l, false, 0);
    g_test_assert_expected_messages();
    sys_fini(&s);
}

/* Destroying an address space with bounce buffers outstanding frees them. */
static void test_destroy_with_outstanding(void)
{
    Sys s;
    ClientLog c = { 0 };
    hwaddr l = 4096;

    sys_init(&s);
    AddressSpace *as2 = address_space_new(s.root, "short-lived");
    void *p = address_space_map(as2, 0x100000, &l, true, ATTRS);
    g_assert_nonnull(p);
    address_space_register_map_client(as2, client_cb, &c);
    address_space_destroy(as2);
    g_assert_cmpint(c.calls, ==, 0);
    sys_fini(&s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/map/ram-direct", test_map_ram_direct);
    g_test_add_func("/map/through-iommu", test_map_through_iommu);
    g_test_add_func("/map/mmio-bounce", test_map_mmio_bounce);
    g_test_add_func("/map/budget-and-clients", test_budget_and_clients);
    g_test_add_func("/map/client-reregisters", test_client_reregisters);
    g_test_add_func("/map/unmap-unknown", test_unmap_unknown);
    g_test_add_func("/map/destroy-with-outstanding",
                    test_destroy_with_outstanding);
    return g_test_run();
}
