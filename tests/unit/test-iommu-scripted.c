/*
 * test-iommu-scripted.c - the scripted IOMMU as a test bed: the translate
 * loop of address_space_rw through it (RAM reached, faults, length clipped
 * at the page end, nested IOMMUs, an IOMMU that targets its own space),
 * address_space_get_iotlb_entry, and the MAP/UNMAP event sequences of
 * map/unmap (power-of-two chunks, changed mappings, partial unmaps).
 */
#include "iommu/iotlb.h"
#include "iommu/scripted-iommu.h"

#include <string.h>

#define MiB (1024 * 1024)

typedef struct Fixture {
    MemoryRegion *sys;      /* system container, 1 MiB of RAM at 0 */
    AddressSpace *sys_as;
    MemoryRegion *dev_root; /* device space: the IOMMU covers all of it */
    AddressSpace *dev_as;
    ScriptedIOMMU *s;
} Fixture;

static MemoryRegion *ram(const char *name, uint64_t size)
{
    GError *err = NULL;
    MemoryRegion *mr = memory_region_new_ram(name, size, NULL, &err);

    g_assert_no_error(err);
    return mr;
}

static void add(MemoryRegion *c, hwaddr addr, MemoryRegion *sub)
{
    GError *err = NULL;

    g_assert_true(memory_region_add_subregion(c, addr, sub, &err));
    g_assert_no_error(err);
}

static ScriptedIOMMU *scripted(const char *name, uint64_t size,
                               const ScriptedIOMMUOptions *opts)
{
    GError *err = NULL;
    ScriptedIOMMU *s = scripted_iommu_new(name, size, opts, &err);

    g_assert_no_error(err);
    g_assert_nonnull(s);
    return s;
}

static void fixture_setup_opts(Fixture *f, const ScriptedIOMMUOptions *opts)
{
    MemoryRegion *r = ram("ram", MiB);

    f->sys = memory_region_new_container("system", UINT64_MAX);
    add(f->sys, 0, r);
    memory_region_unref(r);
    f->sys_as = address_space_new(f->sys, "memory");
    f->dev_root = memory_region_new_container("dev", UINT64_MAX);
    f->s = scripted("siommu", UINT64_MAX, opts);
    add(f->dev_root, 0, scripted_iommu_region(f->s));
    f->dev_as = address_space_new(f->dev_root, "dev");
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    fixture_setup_opts(f, NULL);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    address_space_destroy(f->dev_as);
    address_space_destroy(f->sys_as);
    memory_region_unref(scripted_iommu_region(f->s));
    memory_region_unref(f->dev_root);
    memory_region_unref(f->sys);
}

static void map_ok(ScriptedIOMMU *s, int idx, hwaddr iova, uint64_t size,
                   AddressSpace *as, hwaddr addr, IOMMUAccessFlags perm)
{
    GError *err = NULL;

    g_assert_true(scripted_iommu_map(s, idx, iova, size, as, addr, perm,
                                     &err));
    g_assert_no_error(err);
}

static void unmap_ok(ScriptedIOMMU *s, int idx, hwaddr iova, uint64_t size)
{
    GError *err = NULL;

    g_assert_true(scripted_iommu_unmap(s, idx, iova, size, &err));
    g_assert_no_error(err);
}

/* ---- events ------------------------------------------------------------------ */

typedef struct Ev {
    IOMMUNotifierFlag type;
    hwaddr iova, mask, taddr;
    IOMMUAccessFlags perm;
    AddressSpace *as;
} Ev;

typedef struct Rec {
    IOMMUNotifier n;
    GArray *log;
} Rec;

static void rec_notify(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    Rec *r = (Rec *)n;
    Ev ev = { n->event_type, e->iova, e->addr_mask, e->translated_addr,
              e->perm, e->target_as };

    g_array_append_val(r->log, ev);
}

static void rec_register(Fixture *f, Rec *r, IOMMUNotifierFlag flags,
                         hwaddr start, hwaddr end, int idx)
{
    GError *err = NULL;

    r->log = g_array_new(FALSE, FALSE, sizeof(Ev));
    iommu_notifier_init(&r->n, rec_notify, flags, start, end, idx);
    g_assert_true(memory_region_register_iommu_notifier(
        scripted_iommu_region(f->s), &r->n, &err));
    g_assert_no_error(err);
}

static void rec_done(Rec *r)
{
    memory_region_unregister_iommu_notifier(NULL, &r->n);
    g_array_free(r->log, TRUE);
}

/* "M 1000+fff>101000 rw; U ..." */
static char *describe(GArray *log)
{
    GString *s = g_string_new("");

    for (guint i = 0; i < log->len; i++) {
        Ev *e = &g_array_index(log, Ev, i);
        g_string_append_printf(s, "%s%s %" PRIx64 "+%" PRIx64, i ? "; " : "",
                               e->type == IOMMU_NOTIFIER_MAP ? "M" : "U",
                               e->iova, e->mask);
        if (e->type == IOMMU_NOTIFIER_MAP) {
            g_string_append_printf(s, ">%" PRIx64 " %s", e->taddr,
                                   iommu_access_flags_name(e->perm));
        }
    }
    return g_string_free(s, FALSE);
}

#define assert_events(rec, expected)                                     \
    do {                                                                 \
        g_autofree char *got_ = describe((rec)->log);                    \
        g_assert_cmpstr(got_, ==, (expected));                           \
        g_array_set_size((rec)->log, 0);                                 \
    } while (0)

/* ---- the translate loop ---------------------------------------------------------- */

static void test_rw_reaches_ram(Fixture *f, gconstpointer data)
{
    char buf[8] = { 0 };
    ScriptedIOMMUStats st;

    map_ok(f->s, 0, 0x10000, 0x1000, f->sys_as, 0x2000, IOMMU_RW);
    g_assert_cmpuint(address_space_write(f->dev_as, 0x10010,
                                         MEMTXATTRS_UNSPECIFIED, "hello", 5),
                     ==, MEMTX_OK);
    g_assert_cmpuint(address_space_read(f->sys_as, 0x2010,
                                        MEMTXATTRS_UNSPECIFIED, buf, 5),
                     ==, MEMTX_OK);
    g_assert_cmpstr(buf, ==, "hello");
    memset(buf, 0, sizeof(buf));
    g_assert_cmpuint(address_space_read(f->dev_as, 0x10011,
                                        MEMTXATTRS_UNSPECIFIED, buf, 4),
                     ==, MEMTX_OK);
    g_assert_cmpstr(buf, ==, "ello");
    st = scripted_iommu_stats(f->s);
    g_assert_cmpuint(st.translations, >=, 2);
    g_assert_cmpuint(st.faults, ==, 0);
    g_assert_cmpint(scripted_iommu_last_fault(f->s).reason, ==,
                    SCRIPTED_FAULT_NONE);
}

static void test_rw_faults(Fixture *f, gconstpointer data)
{
    uint32_t v = 0xdeadbeef;
    ScriptedFault fault;

    /* nothing mapped */
    g_assert_cmpuint(address_space_read(f->dev_as, 0x20004,
                                        MEMTXATTRS_UNSPECIFIED, &v, 4),
                     ==, MEMTX_DECODE_ERROR);
    g_assert_cmpuint(v, ==, 0);
    fault = scripted_iommu_last_fault(f->s);
    g_assert_cmpint(fault.reason, ==, SCRIPTED_FAULT_UNMAPPED);
    g_assert_cmphex(fault.iova, ==, 0x20004);
    g_assert_cmpint(fault.flag, ==, IOMMU_RO);
    g_assert_cmpuint(scripted_iommu_stats(f->s).faults, ==, 1);

    /* read-only mapping: reads work, a write faults and changes nothing */
    map_ok(f->s, 0, 0x30000, 0x1000, f->sys_as, 0x3000, IOMMU_RO);
    v = 0x11223344;
    g_assert_cmpuint(address_space_write(f->sys_as, 0x3000,
                                         MEMTXATTRS_UNSPECIFIED, &v, 4),
                     ==, MEMTX_OK);
    v = 0;
    g_assert_cmpuint(address_space_read(f->dev_as, 0x30000,
                                        MEMTXATTRS_UNSPECIFIED, &v, 4),
                     ==, MEMTX_OK);
    g_assert_cmphex(v, ==, 0x11223344);
    v = 0x55;
    g_assert_cmpuint(address_space_write(f->dev_as, 0x30000,
                                         MEMTXATTRS_UNSPECIFIED, &v, 4),
                     ==, MEMTX_DECODE_ERROR);
    fault = scripted_iommu_last_fault(f->s);
    g_assert_cmpint(fault.reason, ==, SCRIPTED_FAULT_PERM);
    g_assert_cmpint(fault.flag, ==, IOMMU_WO);
    g_assert_cmpuint(address_space_read(f->sys_as, 0x3000,
                                        MEMTXATTRS_UNSPECIFIED, &v, 4),
                     ==, MEMTX_OK);
    g_assert_cmphex(v, ==, 0x11223344);
    g_assert_cmpuint(scripted_iommu_stats(f->s).faults, ==, 2);
}

static void test_rw_clip_page_end(Fixture *f, gconstpointer data)
{
    uint8_t out[0x20], in[0x20];
    hwaddr xlat, plen = 0x100;
    MemoryRegion *mr;

    /* two IOVA pages, far apart in RAM */
    map_ok(f->s, 0, 0x10000, 0x1000, f->sys_as, 0x2000, IOMMU_RW);
    map_ok(f->s, 0, 0x11000, 0x1000, f->sys_as, 0x8000, IOMMU_RW);
    for (int i = 0; i < 0x20; i++) {
        out[i] = (uint8_t)(i + 1);
    }
    g_assert_cmpuint(address_space_write(f->dev_as, 0x10ff0,
                                         MEMTXATTRS_UNSPECIFIED, out, 0x20),
                     ==, MEMTX_OK);
    g_assert_cmpuint(address_space_read(f->sys_as, 0x2ff0,
                                        MEMTXATTRS_UNSPECIFIED, in, 0x10),
                     ==, MEMTX_OK);
    g_assert_cmpmem(in, 0x10, out, 0x10);
    g_assert_cmpuint(address_space_read(f->sys_as, 0x8000,
                                        MEMTXATTRS_UNSPECIFIED, in, 0x10),
                     ==, MEMTX_OK);
    g_assert_cmpmem(in, 0x10, out + 0x10, 0x10);
    /* what address_space_translate reports: clipped to the IOMMU page */
    mr = address_space_translate(f->dev_as, 0x10ff0, &xlat, &plen, false,
                                 MEMTXATTRS_UNSPECIFIED);
    g_assert_true(memory_region_is_ram(mr));
    g_assert_cmphex(xlat, ==, 0x2ff0);
    g_assert_cmphex(plen, ==, 0x10);
    /* half mapped: the mapped half is written, the result says error */
    memset(in, 0, sizeof(in));
    g_assert_cmpuint(address_space_write(f->dev_as, 0x11ff0,
                                         MEMTXATTRS_UNSPECIFIED, out, 0x20),
                     ==, MEMTX_DECODE_ERROR);
    g_assert_cmpuint(address_space_read(f->sys_as, 0x8ff0,
                                        MEMTXATTRS_UNSPECIFIED, in, 0x10),
                     ==, MEMTX_OK);
    g_assert_cmpmem(in, 0x10, out, 0x10);
}

static void test_nested(Fixture *f, gconstpointer data)
{
    /* dev_as --(siommu, 4 KiB)--> mid_as --(inner, 64 KiB)--> memory */
    ScriptedIOMMUOptions o = { .page_size = 0x10000 };
    ScriptedIOMMU *inner = scripted("inner", UINT64_MAX, &o);
    MemoryRegion *mid_root = memory_region_new_container("mid", UINT64_MAX);
    AddressSpace *mid_as;
    IOMMUTLBEntry e;
    char buf[4] = { 0 };

    add(mid_root, 0, scripted_iommu_region(inner));
    mid_as = address_space_new(mid_root, "mid");
    map_ok(inner, 0, 0x400000, 0x10000, f->sys_as, 0x40000, IOMMU_RW);
    map_ok(f->s, 0, 0x1000, 0x1000, mid_as, 0x405000, IOMMU_RW);

    g_assert_cmpuint(address_space_write(f->dev_as, 0x1abc,
                                         MEMTXATTRS_UNSPECIFIED, "abc", 3),
                     ==, MEMTX_OK);
    g_assert_cmpuint(address_space_read(f->sys_as, 0x45abc,
                                        MEMTXATTRS_UNSPECIFIED, buf, 3),
                     ==, MEMTX_OK);
    g_assert_cmpstr(buf, ==, "abc");

    e = address_space_get_iotlb_entry(f->dev_as, 0x1abc, true,
                                      MEMTXATTRS_UNSPECIFIED);
    g_assert_cmpint(e.perm, ==, IOMMU_RW);
    g_assert_true(e.target_as == f->sys_as);
    g_assert_cmphex(e.addr_mask, ==, 0xfff); /* 0xfff & 0xffff */
    g_assert_cmphex(e.iova, ==, 0x1000);
    g_assert_cmphex(e.translated_addr, ==, 0x45000);

    /* the inner level faults: the whole access does */
    unmap_ok(inner, 0, 0x400000, 0x10000);
    g_assert_cmpuint(address_space_read(f->dev_as, 0x1abc,
                                        MEMTXATTRS_UNSPECIFIED, buf, 1),
                     ==, MEMTX_DECODE_ERROR);
    g_assert_cmpint(scripted_iommu_last_fault(inner).reason, ==,
                    SCRIPTED_FAULT_UNMAPPED);
    g_assert_cmphex(scripted_iommu_last_fault(inner).iova, ==, 0x405abc);
    e = address_space_get_iotlb_entry(f->dev_as, 0x1abc, false,
                                      MEMTXATTRS_UNSPECIFIED);
    g_assert_cmpint(e.perm, ==, IOMMU_NONE);
    g_assert_null(e.target_as);

    address_space_destroy(mid_as);
    memory_region_unref(scripted_iommu_region(inner));
    memory_region_unref(mid_root);
}

static void test_self_target(Fixture *f, gconstpointer data)
{
    uint64_t v = 1, before;
    uint8_t b = 1;
    IOMMUTLBEntry e;
    gint64 t0 = g_get_monotonic_time();

    /* the IOMMU translates into its own address space: a loop */
    map_ok(f->s, 0, 0, 0x10000, f->dev_as, 0, IOMMU_RW);
    g_assert_cmpuint(address_space_read(f->dev_as, 0x100,
                                        MEMTXATTRS_UNSPECIFIED, &v, 8),
                     ==, MEMTX_DECODE_ERROR);
    g_assert_cmpuint(v, ==, 0);
    g_assert_cmpuint(address_space_write(f->dev_as, 0x100,
                                         MEMTXATTRS_UNSPECIFIED, &v, 8),
                     ==, MEMTX_DECODE_ERROR);
    /* bounded: one byte costs at most a chain's worth of translations */
    before = scripted_iommu_stats(f->s).translations;
    g_assert_cmpuint(address_space_read(f->dev_as, 0x100,
                                        MEMTXATTRS_UNSPECIFIED, &b, 1),
                     ==, MEMTX_DECODE_ERROR);
    g_assert_cmpuint(scripted_iommu_stats(f->s).translations - before, <=,
                     IOMMU_CHAIN_MAX + 1);
    g_assert_cmpuint(scripted_iommu_stats(f->s).translations - before, >=, 2);
    before = scripted_iommu_stats(f->s).translations;
    e = address_space_get_iotlb_entry(f->dev_as, 0x100, false,
                                      MEMTXATTRS_UNSPECIFIED);
    g_assert_cmpint(e.perm, ==, IOMMU_NONE);
    g_assert_cmpuint(scripted_iommu_stats(f->s).translations - before, ==,
                     IOMMU_CHAIN_MAX);
    g_assert_cmpint(g_get_monotonic_time() - t0, <, G_USEC_PER_SEC);
}

static void test_iotlb_entry(Fixture *f, gconstpointer data)
{
    IOMMUTLBEntry e;

    map_ok(f->s, 0, 0x10000, 0x2000, f->sys_as, 0x6000, IOMMU_RO);
    e = address_space_get_iotlb_entry(f->dev_as, 0x11123, false,
                                      MEMTXATTRS_UNSPECIFIED);
    g_assert_true(e.target_as == f->sys_as);
    g_assert_cmphex(e.iova, ==, 0x11000);
    g_assert_cmphex(e.translated_addr, ==, 0x7000);
    g_assert_cmphex(e.addr_mask, ==, 0xfff);
    g_assert_cmpint(e.perm, ==, IOMMU_RW); /* as QEMU: always RW */
    /* write on a read-only mapping: failure */
    e = address_space_get_iotlb_entry(f->dev_as, 0x11123, true,
                                      MEMTXATTRS_UNSPECIFIED);
    g_assert_cmpint(e.perm, ==, IOMMU_NONE);
    g_assert_null(e.target_as);
    /* no IOMMU on the way: the target page */
    e = address_space_get_iotlb_entry(f->sys_as, 0x2345, true,
                                      MEMTXATTRS_UNSPECIFIED);
    g_assert_true(e.target_as == f->sys_as);
    g_assert_cmphex(e.iova, ==, 0x2000);
    g_assert_cmphex(e.translated_addr, ==, 0x2000);
    g_assert_cmphex(e.addr_mask, ==, 0xfff);
    /* unassigned space at the end: failure */
    e = address_space_get_iotlb_entry(f->sys_as, 0x200000, false,
                                      MEMTXATTRS_UNSPECIFIED);
    g_assert_cmpint(e.perm, ==, IOMMU_NONE);
    map_ok(f->s, 0, 0x40000, 0x1000, f->sys_as, 0x300000, IOMMU_RW);
    e = address_space_get_iotlb_entry(f->dev_as, 0x40000, false,
                                      MEMTXATTRS_UNSPECIFIED);
    g_assert_cmpint(e.perm, ==, IOMMU_NONE);
}

/* ---- events ----------------------------------------------------------------------- */

static void test_events_chunking(Fixture *f, gconstpointer data)
{
    Rec r;

    rec_register(f, &r, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, UINT64_MAX, 0);
    /* 7 pages from 0x1000: 4K + 8K + 16K, same alignment in RAM */
    map_ok(f->s, 0, 0x1000, 0x7000, f->sys_as, 0x101000, IOMMU_RW);
    assert_events(&r, "M 1000+fff>101000 rw; M 2000+1fff>102000 rw; "
                      "M 4000+3fff>104000 rw");
    /* unmapped with the same chunks, no permission */
    unmap_ok(f->s, 0, 0x1000, 0x7000);
    assert_events(&r, "U 1000+fff; U 2000+1fff; U 4000+3fff");
    g_assert_cmpint(g_array_index(r.log, Ev, 0).perm, ==, IOMMU_NONE);
    /* translated address less aligned than the IOVA: chunks follow it */
    map_ok(f->s, 0, 0x10000, 0x4000, f->sys_as, 0x101000, IOMMU_RO);
    assert_events(&r, "M 10000+fff>101000 ro; M 11000+fff>102000 ro; "
                      "M 12000+fff>103000 ro; M 13000+fff>104000 ro");
    /* the UNMAP chunks follow the IOVA only */
    unmap_ok(f->s, 0, 0x10000, 0x4000);
    assert_events(&r, "U 10000+3fff");
    /* all of 2^64 as one chunk */
    map_ok(f->s, 0, 0, UINT64_MAX, f->sys_as, 0, IOMMU_RW);
    assert_events(&r, "M 0+ffffffffffffffff>0 rw");
    unmap_ok(f->s, 0, 0, UINT64_MAX);
    assert_events(&r, "U 0+ffffffffffffffff");
    g_assert_cmpuint(iova_tree_count(scripted_iommu_table(f->s, 0)), ==, 0);
    rec_done(&r);
}

static void test_events_changed_mapping(Fixture *f, gconstpointer data)
{
    ScriptedIOMMUStats st;
    IOMMUTLBEntry e;
    Rec r;

    rec_register(f, &r, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, UINT64_MAX, 0);
    map_ok(f->s, 0, 0x0, 0x4000, f->sys_as, 0x10000, IOMMU_RW);
    assert_events(&r, "M 0+3fff>10000 rw");
    /* the same again: nothing changes, nothing is sent */
    map_ok(f->s, 0, 0x1000, 0x1000, f->sys_as, 0x11000, IOMMU_RW);
    assert_events(&r, "");
    /* [0x2000, 0x6000) elsewhere: the old half goes, then the new range */
    map_ok(f->s, 0, 0x2000, 0x4000, f->sys_as, 0x80000, IOMMU_RW);
    assert_events(&r, "U 2000+1fff; M 2000+1fff>80000 rw; "
                      "M 4000+1fff>82000 rw");
    /* a permission change alone is a change */
    map_ok(f->s, 0, 0x0, 0x1000, f->sys_as, 0x10000, IOMMU_RO);
    assert_events(&r, "U 0+fff; M 0+fff>10000 ro");
    /* the table is what it should be */
    e = memory_region_iommu_translate(scripted_iommu_iommu(f->s), 0x1800,
                                      IOMMU_NONE, 0);
    g_assert_cmphex(e.translated_addr, ==, 0x11000);
    g_assert_cmpint(e.perm, ==, IOMMU_RW);
    e = memory_region_iommu_translate(scripted_iommu_iommu(f->s), 0x5000,
                                      IOMMU_NONE, 0);
    g_assert_cmphex(e.translated_addr, ==, 0x83000);
    g_assert_cmpuint(iova_tree_count(scripted_iommu_table(f->s, 0)), ==, 3);

    /* unmap across two mappings: each part that was mapped */
    unmap_ok(f->s, 0, 0x1000, 0x2000);
    assert_events(&r, "U 1000+fff; U 2000+fff");
    e = memory_region_iommu_translate(scripted_iommu_iommu(f->s), 0x3000,
                                      IOMMU_NONE, 0);
    g_assert_cmphex(e.translated_addr, ==, 0x81000); /* right part kept */
    e = memory_region_iommu_translate(scripted_iommu_iommu(f->s), 0x1000,
                                      IOMMU_NONE, 0);
    g_assert_cmpint(e.perm, ==, IOMMU_NONE);
    /* unmapping nothing sends nothing */
    unmap_ok(f->s, 0, 0x100000, 0x10000);
    assert_events(&r, "");
    st = scripted_iommu_stats(f->s);
    g_assert_cmpuint(st.maps, ==, 4);
    g_assert_cmpuint(st.unmaps, ==, 2);
    g_assert_cmpuint(st.map_events, ==, 4);
    g_assert_cmpuint(st.unmap_events, ==, 4);
    rec_done(&r);
}

static void test_events_filtered(Fixture *f, gconstpointer data)
{
    Rec maps, unmaps;

    rec_register(f, &maps, IOMMU_NOTIFIER_MAP, 0x2000, 0x2fff, 0);
    rec_register(f, &unmaps, IOMMU_NOTIFIER_UNMAP, 0, UINT64_MAX, 0);
    map_ok(f->s, 0, 0x0, 0x4000, f->sys_as, 0x10000, IOMMU_RW);
    /* one 16K chunk, cropped to the notifier's page */
    assert_events(&maps, "M 2000+fff>12000 rw");
    assert_events(&unmaps, "");
    unmap_ok(f->s, 0, 0x0, 0x4000);
    assert_events(&maps, "");
    assert_events(&unmaps, "U 0+3fff");
    rec_done(&maps);
    rec_done(&unmaps);
}

static void test_unmap_everything_cost(Fixture *f, gconstpointer data)
{
    gint64 t0;
    Rec r;

    rec_register(f, &r, IOMMU_NOTIFIER_UNMAP, 0, UINT64_MAX, 0);
    for (hwaddr i = 0; i < 10; i++) {
        map_ok(f->s, 0, i << 44, 0x1000, f->sys_as, 0x1000, IOMMU_RW);
    }
    t0 = g_get_monotonic_time();
    unmap_ok(f->s, 0, 0, UINT64_MAX);
    g_assert_cmpint(g_get_monotonic_time() - t0, <, G_USEC_PER_SEC / 10);
    g_assert_cmpuint(r.log->len, ==, 10);
    g_assert_cmphex(g_array_index(r.log, Ev, 9).iova, ==, (hwaddr)9 << 44);
    rec_done(&r);
}

static void test_replay_table(Fixture *f, gconstpointer data)
{
    Rec r;

    map_ok(f->s, 0, 0x1000, 0x3000, f->sys_as, 0x21000, IOMMU_RW);
    map_ok(f->s, 0, 0x10000, 0x1000, f->sys_as, 0x30000, IOMMU_WO);
    rec_register(f, &r, IOMMU_NOTIFIER_IOTLB_EVENTS, 0x2000, UINT64_MAX, 0);
    g_assert_cmpuint(r.log->len, ==, 0); /* registering replays nothing */
    memory_region_iommu_replay(scripted_iommu_iommu(f->s), &r.n);
    assert_events(&r, "M 2000+1fff>22000 rw; M 10000+fff>30000 wo");
    /* map events of replay are not counted as map/unmap events */
    g_assert_cmpuint(scripted_iommu_stats(f->s).map_events, ==, 3);
    rec_done(&r);
}

static void test_refuse_map(void)
{
    ScriptedIOMMUOptions o = { .refuse_map = true };
    ScriptedIOMMU *s = scripted("strict", 0x100000, &o);
    IOMMUNotifier n;
    GError *err = NULL;

    iommu_notifier_init(&n, NULL, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, 0xfffff, 0);
    g_assert_false(memory_region_register_iommu_notifier(
        scripted_iommu_region(s), &n, &err));
    g_assert_error(err, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_REFUSED);
    g_assert_nonnull(strstr(err->message, "strict"));
    g_clear_error(&err);
    g_assert_null(iommu_notifier_region(&n));
    g_assert_cmpuint(scripted_iommu_iommu(s)->iommu_notify_flags, ==, 0);
    n.notifier_flags = IOMMU_NOTIFIER_UNMAP;
    g_assert_true(memory_region_register_iommu_notifier(
        scripted_iommu_region(s), &n, &err));
    memory_region_unregister_iommu_notifier(scripted_iommu_region(s), &n);
    memory_region_unref(scripted_iommu_region(s));
}

static void test_bad_arguments(Fixture *f, gconstpointer data)
{
    ScriptedIOMMU *small = scripted("small", 0x10000, NULL);
    GError *err = NULL;

#define BAD(call)                                                 \
    do {                                                          \
        g_assert_false(call);                                     \
        g_assert_error(err, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_INVALID); \
        g_clear_error(&err);                                      \
    } while (0)
    BAD(scripted_iommu_map(f->s, 0, 0x1001, 0x1000, f->sys_as, 0, IOMMU_RW,
                           &err));
    BAD(scripted_iommu_map(f->s, 0, 0x1000, 0x1001, f->sys_as, 0, IOMMU_RW,
                           &err));
    BAD(scripted_iommu_map(f->s, 0, 0x1000, 0, f->sys_as, 0, IOMMU_RW,
                           &err));
    BAD(scripted_iommu_map(f->s, 0, 0x1000, 0x1000, f->sys_as, 0x10,
                           IOMMU_RW, &err));
    BAD(scripted_iommu_map(f->s, 0, 0x1000, 0x1000, NULL, 0, IOMMU_RW,
                           &err));
    BAD(scripted_iommu_map(f->s, 0, 0x1000, 0x1000, f->sys_as, 0,
                           IOMMU_NONE, &err));
    BAD(scripted_iommu_map(f->s, 1, 0x1000, 0x1000, f->sys_as, 0, IOMMU_RW,
                           &err));
    BAD(scripted_iommu_map(f->s, 0, UINT64_MAX - 0xfff, 0x2000, f->sys_as, 0,
                           IOMMU_RW, &err));
    BAD(scripted_iommu_map(f->s, 0, 0x1000, 0x2000, f->sys_as,
                           UINT64_MAX - 0xfff, IOMMU_RW, &err));
    BAD(scripted_iommu_map(small, 0, 0xf000, 0x2000, f->sys_as, 0, IOMMU_RW,
                           &err));
    BAD(scripted_iommu_unmap(f->s, 0, 0x800, 0x1000, &err));
    BAD(scripted_iommu_unmap(f->s, -1, 0x1000, 0x1000, &err));
#undef BAD
    g_assert_cmpuint(iova_tree_count(scripted_iommu_table(f->s, 0)), ==, 0);
    g_assert_cmpuint(scripted_iommu_stats(f->s).maps, ==, 0);
    /* creation checks */
    {
        ScriptedIOMMUOptions o = { .page_size = 0x3000 };
        g_assert_null(scripted_iommu_new("x", 0x10000, &o, &err));
        g_assert_error(err, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_INVALID);
        g_clear_error(&err);
        o.page_size = 0x800;
        g_assert_null(scripted_iommu_new("x", 0x10000, &o, &err));
        g_clear_error(&err);
        o.page_size = 0;
        o.num_indexes = -1;
        g_assert_null(scripted_iommu_new("x", 0x10000, &o, &err));
        g_clear_error(&err);
        g_assert_null(scripted_iommu_new("x", 0, NULL, &err));
        g_clear_error(&err);
    }
    memory_region_unref(scripted_iommu_region(small));
}

static void test_target_gone(Fixture *f, gconstpointer data)
{
    MemoryRegion *r2 = ram("ram2", 0x10000);
    AddressSpace *as2 = address_space_new(r2, "other");
    uint32_t v = 7;
    Rec r;

    map_ok(f->s, 0, 0x1000, 0x1000, as2, 0x0, IOMMU_RW);
    g_assert_cmpuint(address_space_write(f->dev_as, 0x1000,
                                         MEMTXATTRS_UNSPECIFIED, &v, 4),
                     ==, MEMTX_OK);
    address_space_destroy(as2);
    memory_region_unref(r2);
    g_assert_cmpuint(address_space_read(f->dev_as, 0x1000,
                                        MEMTXATTRS_UNSPECIFIED, &v, 4),
                     ==, MEMTX_DECODE_ERROR);
    g_assert_cmpint(scripted_iommu_last_fault(f->s).reason, ==,
                    SCRIPTED_FAULT_TARGET_GONE);
    /* its unmap still tells notifiers, without a target */
    rec_register(f, &r, IOMMU_NOTIFIER_UNMAP, 0, UINT64_MAX, 0);
    unmap_ok(f->s, 0, 0x1000, 0x1000);
    g_assert_cmpuint(r.log->len, ==, 1);
    g_assert_null(g_array_index(r.log, Ev, 0).as);
    rec_done(&r);
}

/* ---- hooks ------------------------------------------------------------------------- */

typedef struct Hook {
    AddressSpace *as;
    int mode;    /* 0 ok, 1 fail, 2 bad mask, 3 no target, 4 bad perm */
    int calls;
} Hook;

static bool hook_translate(ScriptedIOMMU *s, hwaddr iova,
                           IOMMUAccessFlags flag, int idx, IOMMUTLBEntry *e,
                           void *opaque)
{
    Hook *h = opaque;

    h->calls++;
    e->target_as = h->as;
    e->translated_addr = (iova & ~0xfffULL) + 0x40000;
    e->addr_mask = 0xfff;
    e->perm = IOMMU_RW;
    switch (h->mode) {
    case 1:
        return false;
    case 2:
        e->addr_mask = 0x1234;
        break;
    case 3:
        e->target_as = NULL;
        break;
    case 4:
        e->perm = 7;
        break;
    }
    return true;
}

static int hook_attrs_to_index(ScriptedIOMMU *s, MemTxAttrs attrs,
                               void *opaque)
{
    return attrs.unspecified ? 0 : attrs.requester_id;
}

static void test_hook(void)
{
    Hook h = { 0 };
    ScriptedIOMMUOptions o = {
        .translate = hook_translate, .opaque = &h, .num_indexes = 2,
        .attrs_to_index = hook_attrs_to_index,
    };
    Fixture f;
    uint32_t v = 0x1234;
    MemTxAttrs idx1 = { .requester_id = 1 }, idx9 = { .requester_id = 9 };

    fixture_setup_opts(&f, &o);
    h.as = f.sys_as;
    g_assert_true(scripted_iommu_has_hook(f.s));
    g_assert_cmpuint(address_space_write(f.dev_as, 0x5008, idx1, &v, 4), ==,
                     MEMTX_OK);
    v = 0;
    g_assert_cmpuint(address_space_read(f.sys_as, 0x45008,
                                        MEMTXATTRS_UNSPECIFIED, &v, 4),
                     ==, MEMTX_OK);
    g_assert_cmphex(v, ==, 0x1234);
    /* an index the model does not have: fault before the hook */
    h.calls = 0;
    g_assert_cmpuint(address_space_read(f.dev_as, 0x5008, idx9, &v, 4), ==,
                     MEMTX_DECODE_ERROR);
    g_assert_cmpint(h.calls, ==, 0);
    g_assert_cmpint(scripted_iommu_last_fault(f.s).reason, ==,
                    SCRIPTED_FAULT_BAD_INDEX);
    /* every kind of nonsense is a callback fault, never a crash */
    for (int mode = 1; mode <= 4; mode++) {
        uint64_t before = scripted_iommu_stats(f.s).faults;
        h.mode = mode;
        g_assert_cmpuint(address_space_read(f.dev_as, 0x5008,
                                            MEMTXATTRS_UNSPECIFIED, &v, 4),
                         ==, MEMTX_DECODE_ERROR);
        g_assert_cmpint(scripted_iommu_last_fault(f.s).reason, ==,
                        SCRIPTED_FAULT_CALLBACK);
        g_assert_cmpuint(scripted_iommu_stats(f.s).faults, ==, before + 1);
        g_assert_cmpint(address_space_get_iotlb_entry(
                            f.dev_as, 0x5008, false,
                            MEMTXATTRS_UNSPECIFIED).perm, ==, IOMMU_NONE);
    }
    fixture_teardown(&f, NULL);
}

static void test_indexes(void)
{
    ScriptedIOMMUOptions o = {
        .num_indexes = 2, .attrs_to_index = hook_attrs_to_index,
    };
    MemTxAttrs idx1 = { .requester_id = 1 };
    Fixture f;
    uint32_t v = 0xabcd;
    Rec r0, r1;

    fixture_setup_opts(&f, &o);
    rec_register(&f, &r0, IOMMU_NOTIFIER_MAP, 0, UINT64_MAX, 0);
    rec_register(&f, &r1, IOMMU_NOTIFIER_MAP, 0, UINT64_MAX, 1);
    map_ok(f.s, 1, 0x3000, 0x1000, f.sys_as, 0x9000, IOMMU_RW);
    assert_events(&r0, "");
    assert_events(&r1, "M 3000+fff>9000 rw");
    g_assert_cmpuint(address_space_write(f.dev_as, 0x3000, idx1, &v, 4), ==,
                     MEMTX_OK);
    g_assert_cmpuint(address_space_write(f.dev_as, 0x3000,
                                         MEMTXATTRS_UNSPECIFIED, &v, 4),
                     ==, MEMTX_DECODE_ERROR);
    memory_region_iommu_replay(scripted_iommu_iommu(f.s), &r0.n);
    assert_events(&r0, "");
    memory_region_iommu_replay(scripted_iommu_iommu(f.s), &r1.n);
    assert_events(&r1, "M 3000+fff>9000 rw");
    rec_done(&r0);
    rec_done(&r1);
    fixture_teardown(&f, NULL);
}

static void test_big_pages(Fixture *f, gconstpointer data)
{
    ScriptedIOMMUOptions o = { .page_size = 2 * MiB };
    ScriptedIOMMU *s = scripted("huge", UINT64_MAX, &o);
    IOMMUTLBEntry e;
    GError *err = NULL;

    g_assert_false(scripted_iommu_map(s, 0, 0x1000, 0x1000, f->sys_as, 0,
                                      IOMMU_RW, &err));
    g_clear_error(&err);
    map_ok(s, 0, 4 * MiB, 2 * MiB, f->sys_as, 0, IOMMU_RW);
    e = memory_region_iommu_translate(scripted_iommu_iommu(s),
                                      4 * MiB + 0x12345, IOMMU_RO, 0);
    g_assert_cmphex(e.addr_mask, ==, 2 * MiB - 1);
    g_assert_cmphex(e.iova, ==, 4 * MiB);
    g_assert_cmphex(e.translated_addr, ==, 0);
    g_assert_cmpuint(memory_region_iommu_get_min_page_size(
                         scripted_iommu_iommu(s)), ==, 2 * MiB);
    memory_region_unref(scripted_iommu_region(s));
}

static void test_iotlb(Fixture *f, gconstpointer data)
{
    IOMMUMemoryRegion *im = scripted_iommu_iommu(f->s);
    uint64_t hits;
    IOMMUTLBEntry e;

    map_ok(f->s, 0, 0x1000, 0x1000, f->sys_as, 0x5000, IOMMU_RW);
    e = memory_region_iommu_translate(im, 0x1010, IOMMU_RO, 0);
    g_assert_cmphex(e.translated_addr, ==, 0x5000);
    hits = scripted_iommu_stats(f->s).iotlb_hits;
    e = memory_region_iommu_translate(im, 0x1ff0, IOMMU_RO, 0);
    g_assert_cmphex(e.translated_addr, ==, 0x5000);
    g_assert_cmpuint(scripted_iommu_stats(f->s).iotlb_hits, ==, hits + 1);
    /* a page 256 pages away shares the slot: no stale answer */
    map_ok(f->s, 0, 0x101000, 0x1000, f->sys_as, 0x9000, IOMMU_RW);
    e = memory_region_iommu_translate(im, 0x101000, IOMMU_RO, 0);
    g_assert_cmphex(e.translated_addr, ==, 0x9000);
    /* remap: the cache must not answer with the old map */
    e = memory_region_iommu_translate(im, 0x1000, IOMMU_RO, 0);
    map_ok(f->s, 0, 0x1000, 0x1000, f->sys_as, 0x7000, IOMMU_RO);
    e = memory_region_iommu_translate(im, 0x1000, IOMMU_RO, 0);
    g_assert_cmphex(e.translated_addr, ==, 0x7000);
    g_assert_cmpint(e.perm, ==, IOMMU_RO);
    /* unmap: nor after it */
    unmap_ok(f->s, 0, 0x1000, 0x1000);
    e = memory_region_iommu_translate(im, 0x1000, IOMMU_RO, 0);
    g_assert_cmpint(e.perm, ==, IOMMU_NONE);
    /* a partial unmap splits the map: the cached whole map must go */
    map_ok(f->s, 0, 0x10000, 0x4000, f->sys_as, 0x20000, IOMMU_RW);
    e = memory_region_iommu_translate(im, 0x12000, IOMMU_RO, 0);
    g_assert_cmphex(e.translated_addr, ==, 0x22000);
    unmap_ok(f->s, 0, 0x12000, 0x1000);
    e = memory_region_iommu_translate(im, 0x12000, IOMMU_RO, 0);
    g_assert_cmpint(e.perm, ==, IOMMU_NONE);
    e = memory_region_iommu_translate(im, 0x13000, IOMMU_RO, 0);
    g_assert_cmphex(e.translated_addr, ==, 0x23000);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define T(path, fn) \
    g_test_add("/iommu-scripted/" path, Fixture, NULL, fixture_setup, fn, \
               fixture_teardown)
    T("rw/reaches-ram", test_rw_reaches_ram);
    T("rw/faults", test_rw_faults);
    T("rw/clip-page-end", test_rw_clip_page_end);
    T("rw/nested", test_nested);
    T("rw/self-target", test_self_target);
    T("iotlb-entry", test_iotlb_entry);
    T("events/chunking", test_events_chunking);
    T("events/changed-mapping", test_events_changed_mapping);
    T("events/filtered", test_events_filtered);
    T("events/unmap-everything-cost", test_unmap_everything_cost);
    T("replay/table", test_replay_table);
    T("bad-arguments", test_bad_arguments);
    T("target-gone", test_target_gone);
    T("big-pages", test_big_pages);
    T("iotlb", test_iotlb);
#undef T
    g_test_add_func("/iommu-scripted/refuse-map", test_refuse_map);
    g_test_add_func("/iommu-scripted/hook", test_hook);
    g_test_add_func("/iommu-scripted/indexes", test_indexes);
    return g_test_run();
}
