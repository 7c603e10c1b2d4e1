/*
 * test-iommu.c - the IOMMU core: notifier registration (errors, refusal,
 * aliases, union of flags), notification (skip, crop, filter by type and
 * index, UNMAP permission, list changes from inside a notifier), the
 * notifier range unmap, the default replay and the class helpers.
 */
#include "iommu/iommu.h"

/* ---- a test model --------------------------------------------------------- */

typedef struct FlagChange {
    unsigned old_flags, new_flags;
} FlagChange;

typedef struct TestIOMMU {
    IOMMUMemoryRegion iommu;
    GArray *flag_changes;    /* FlagChange offered to the model */
    GArray *translated;      /* addresses asked for */
    bool refuse_map;         /* refuse unions that contain MAP */
    bool refuse_silently;    /* ... without setting an error */
    int indexes;
    uint64_t min_page;       /* 0: no get_min_page_size hook result */
    hwaddr mapped_first, mapped_last; /* identity-mapped + 0x100000 */
    hwaddr huge_mask;        /* addr_mask returned (default 0xfff) */
    int replays;             /* own replay calls */
    bool *destroyed;
} TestIOMMU;

static IOMMUTLBEntry t_translate(MemoryRegion *mr, hwaddr addr,
                                 IOMMUAccessFlags flag, int idx)
{
    TestIOMMU *t = (TestIOMMU *)mr;
    hwaddr mask = t->huge_mask ? t->huge_mask : 0xfff;
    IOMMUTLBEntry e = { .iova = addr & ~mask, .addr_mask = mask };

    g_array_append_val(t->translated, addr);
    if (addr >= t->mapped_first && addr <= t->mapped_last) {
        e.target_as = (AddressSpace *)0x1; /* never dereferenced here */
        e.translated_addr = (addr & ~mask) + 0x100000;
        e.perm = IOMMU_RW;
    }
    return e;
}

static bool t_flag_changed(MemoryRegion *mr, unsigned old_flags,
                           unsigned new_flags, GError **errp)
{
    TestIOMMU *t = (TestIOMMU *)mr;
    FlagChange c = { old_flags, new_flags };

    g_array_append_val(t->flag_changes, c);
    if (t->refuse_map && (new_flags & IOMMU_NOTIFIER_MAP)) {
        if (!t->refuse_silently) {
            g_set_error(errp, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_REFUSED,
                        "test model refuses MAP");
        }
        return false;
    }
    return true;
}

static int t_num_indexes(MemoryRegion *mr)
{
    return ((TestIOMMU *)mr)->indexes;
}

static uint64_t t_min_page(MemoryRegion *mr)
{
    return ((TestIOMMU *)mr)->min_page;
}

static int t_attrs_to_index(MemoryRegion *mr, MemTxAttrs attrs)
{
    return attrs.secure ? 1 : 0;
}

static void t_replay(MemoryRegion *mr, IOMMUNotifier *n)
{
    ((TestIOMMU *)mr)->replays++;
}

static const IOMMUMemoryRegionClass t_class = {
    .name = "test-iommu",
    .translate = t_translate,
    .notify_flag_changed = t_flag_changed,
    .num_indexes = t_num_indexes,
    .get_min_page_size = t_min_page,
    .attrs_to_index = t_attrs_to_index,
};

static const IOMMUMemoryRegionClass t_class_replay = {
    .name = "test-iommu-replay",
    .translate = t_translate,
    .replay = t_replay,
};

static const IOMMUMemoryRegionClass t_class_bare = {
    .name = "bare",
};

static void t_destroy(IOMMUMemoryRegion *iommu_mr)
{
    TestIOMMU *t = (TestIOMMU *)iommu_mr;

    g_array_free(t->flag_changes, TRUE);
    g_array_free(t->translated, TRUE);
    if (t->destroyed) {
        *t->destroyed = true;
    }
}

static TestIOMMU *t_new(const IOMMUMemoryRegionClass *k, uint64_t size)
{
    TestIOMMU *t = g_new0(TestIOMMU, 1);

    iommu_memory_region_init(&t->iommu, k, "test-iommu", size);
    t->iommu.parent_obj.heap = true;
    t->iommu.destructor = t_destroy;
    t->flag_changes = g_array_new(FALSE, FALSE, sizeof(FlagChange));
    t->translated = g_array_new(FALSE, FALSE, sizeof(hwaddr));
    t->indexes = 2;
    t->mapped_first = 1;
    t->mapped_last = 0;
    return t;
}

static MemoryRegion *MR(TestIOMMU *t)
{
    return MEMORY_REGION(&t->iommu);
}

/* ---- a recording notifier --------------------------------------------------- */

typedef struct Ev {
    int who;
    IOMMUNotifierFlag type;
    hwaddr iova, mask, taddr;
    IOMMUAccessFlags perm;
} Ev;

typedef struct Rec {
    IOMMUNotifier n;
    int who;
    GArray *log;          /* shared Ev log */
    /* actions inside the callback */
    IOMMUNotifier *unregister_other;
    IOMMUNotifier *register_other;
    MemoryRegion *on;
    bool unregister_self;
} Rec;

static void rec_notify(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    Rec *r = (Rec *)n;
    Ev ev = { r->who, n->event_type, e->iova, e->addr_mask,
              e->translated_addr, e->perm };

    g_array_append_val(r->log, ev);
    if (r->unregister_self) {
        memory_region_unregister_iommu_notifier(r->on, n);
    }
    if (r->unregister_other) {
        memory_region_unregister_iommu_notifier(r->on, r->unregister_other);
        r->unregister_other = NULL;
    }
    if (r->register_other) {
        g_assert_true(memory_region_register_iommu_notifier(
            r->on, r->register_other, NULL));
        r->register_other = NULL;
    }
}

static void rec_init(Rec *r, int who, GArray *log, IOMMUNotifierFlag flags,
                     hwaddr start, hwaddr end, int idx)
{
    memset(r, 0, sizeof(*r));
    iommu_notifier_init(&r->n, rec_notify, flags, start, end, idx);
    r->who = who;
    r->log = log;
}

static GArray *new_log(void)
{
    return g_array_new(FALSE, FALSE, sizeof(Ev));
}

static IOMMUTLBEvent event(IOMMUNotifierFlag type, hwaddr iova, hwaddr mask,
                           hwaddr taddr, IOMMUAccessFlags perm)
{
    return (IOMMUTLBEvent){
        .type = type,
        .entry = { .iova = iova, .addr_mask = mask,
                   .translated_addr = taddr, .perm = perm },
    };
}

#define EV(log, i) (&g_array_index((log), Ev, (i)))

/* ---- registration --------------------------------------------------------- */

static void test_register_errors(void)
{
    TestIOMMU *t = t_new(&t_class, 0x100000);
    g_autoptr(GArray) log = new_log();
    MemoryRegion *ram = memory_region_new_container("plain", 0x1000);
    GError *err = NULL;
    Rec r;

    rec_init(&r, 0, log, IOMMU_NOTIFIER_NONE, 0, 0xfff, 0);
    g_assert_false(memory_region_register_iommu_notifier(MR(t), &r.n, &err));
    g_assert_error(err, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_INVALID);
    g_clear_error(&err);

    rec_init(&r, 0, log, IOMMU_NOTIFIER_MAP, 0x2000, 0x1fff, 0);
    g_assert_false(memory_region_register_iommu_notifier(MR(t), &r.n, &err));
    g_assert_error(err, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_INVALID);
    g_clear_error(&err);

    rec_init(&r, 0, log, IOMMU_NOTIFIER_MAP, 0, 0xfff, 2); /* 2 indexes */
    g_assert_false(memory_region_register_iommu_notifier(MR(t), &r.n, &err));
    g_assert_error(err, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_INVALID);
    g_clear_error(&err);

    rec_init(&r, 0, log, IOMMU_NOTIFIER_MAP, 0, 0xfff, 0);
    g_assert_false(memory_region_register_iommu_notifier(ram, &r.n, &err));
    g_assert_error(err, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_NOT_IOMMU);
    g_clear_error(&err);

    g_assert_true(memory_region_register_iommu_notifier(MR(t), &r.n, &err));
    g_assert_no_error(err);
    g_assert_true(iommu_notifier_region(&r.n) == &t->iommu);
    g_assert_false(memory_region_register_iommu_notifier(MR(t), &r.n, &err));
    g_assert_error(err, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_BUSY);
    g_clear_error(&err);
    /* none of the failures reached the model */
    g_assert_cmpuint(t->flag_changes->len, ==, 1);

    memory_region_unregister_iommu_notifier(MR(t), &r.n);
    g_assert_null(iommu_notifier_region(&r.n));
    /* twice is harmless */
    memory_region_unregister_iommu_notifier(MR(t), &r.n);
    g_assert_cmpuint(t->flag_changes->len, ==, 2);
    memory_region_unref(ram);
    memory_region_unref(MR(t));
}

static void test_flags_union(void)
{
    TestIOMMU *t = t_new(&t_class, 0x100000);
    g_autoptr(GArray) log = new_log();
    Rec a, b, c;

    rec_init(&a, 0, log, IOMMU_NOTIFIER_UNMAP, 0, 0xffff, 0);
    rec_init(&b, 1, log, IOMMU_NOTIFIER_MAP, 0, 0xffff, 1);
    rec_init(&c, 2, log, IOMMU_NOTIFIER_UNMAP, 0, 0xffff, 0);
    g_assert_true(memory_region_register_iommu_notifier(MR(t), &a.n, NULL));
    g_assert_true(memory_region_register_iommu_notifier(MR(t), &b.n, NULL));
    /* same union: the model is not asked again */
    g_assert_true(memory_region_register_iommu_notifier(MR(t), &c.n, NULL));
    g_assert_cmpuint(t->flag_changes->len, ==, 2);
    g_assert_cmpuint(t->iommu.iommu_notify_flags, ==,
                     IOMMU_NOTIFIER_IOTLB_EVENTS);
    g_assert_cmpuint(g_array_index(t->flag_changes, FlagChange, 1).old_flags,
                     ==, IOMMU_NOTIFIER_UNMAP);
    g_assert_cmpuint(g_array_index(t->flag_changes, FlagChange, 1).new_flags,
                     ==, IOMMU_NOTIFIER_IOTLB_EVENTS);

    /* MAP goes away with b: recomputed and offered */
    memory_region_unregister_iommu_notifier(MR(t), &b.n);
    g_assert_cmpuint(t->iommu.iommu_notify_flags, ==, IOMMU_NOTIFIER_UNMAP);
    g_assert_cmpuint(t->flag_changes->len, ==, 3);
    /* a still wants UNMAP because of c */
    memory_region_unregister_iommu_notifier(MR(t), &a.n);
    g_assert_cmpuint(t->iommu.iommu_notify_flags, ==, IOMMU_NOTIFIER_UNMAP);
    g_assert_cmpuint(t->flag_changes->len, ==, 3);
    memory_region_unregister_iommu_notifier(MR(t), &c.n);
    g_assert_cmpuint(t->iommu.iommu_notify_flags, ==, IOMMU_NOTIFIER_NONE);
    g_assert_cmpuint(g_array_index(t->flag_changes, FlagChange, 3).new_flags,
                     ==, IOMMU_NOTIFIER_NONE);
    memory_region_unref(MR(t));
}

static void test_refusal(void)
{
    TestIOMMU *t = t_new(&t_class, 0x100000);
    g_autoptr(GArray) log = new_log();
    GError *err = NULL;
    Rec u, m;

    t->refuse_map = true;
    rec_init(&u, 0, log, IOMMU_NOTIFIER_UNMAP, 0, 0xffff, 0);
    rec_init(&m, 1, log, IOMMU_NOTIFIER_MAP | IOMMU_NOTIFIER_UNMAP, 0,
             0xffff, 0);
    g_assert_true(memory_region_register_iommu_notifier(MR(t), &u.n, NULL));
    g_assert_false(memory_region_register_iommu_notifier(MR(t), &m.n, &err));
    g_assert_error(err, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_REFUSED);
    g_assert_nonnull(strstr(err->message, "refuses MAP"));
    g_clear_error(&err);
    g_assert_null(iommu_notifier_region(&m.n));
    g_assert_cmpuint(t->iommu.iommu_notify_flags, ==, IOMMU_NOTIFIER_UNMAP);

    /* the refused notifier hears nothing, the other one does */
    memory_region_notify_iommu(&t->iommu, 0,
                               event(IOMMU_NOTIFIER_UNMAP, 0x1000, 0xfff, 0,
                                     IOMMU_NONE));
    g_assert_cmpuint(log->len, ==, 1);
    g_assert_cmpint(EV(log, 0)->who, ==, 0);

    /* a model that refuses without saying why still gives an error */
    t->refuse_silently = true;
    g_assert_false(memory_region_register_iommu_notifier(MR(t), &m.n, &err));
    g_assert_error(err, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_REFUSED);
    g_clear_error(&err);
    g_assert_null(iommu_notifier_region(&m.n));

    /* it can be registered once the model accepts */
    t->refuse_map = false;
    g_assert_true(memory_region_register_iommu_notifier(MR(t), &m.n, &err));
    g_assert_cmpuint(t->iommu.iommu_notify_flags, ==,
                     IOMMU_NOTIFIER_IOTLB_EVENTS);
    memory_region_unregister_iommu_notifier(MR(t), &m.n);
    memory_region_unregister_iommu_notifier(MR(t), &u.n);
    memory_region_unref(MR(t));
}

static void test_register_alias(void)
{
    TestIOMMU *t = t_new(&t_class, 0x100000);
    g_autoptr(GArray) log = new_log();
    MemoryRegion *a1, *a2;
    Rec r;

    a1 = memory_region_new_alias("a1", MR(t), 0x10000, 0x10000, NULL);
    a2 = memory_region_new_alias("a2", a1, 0, 0x1000, NULL);
    g_assert_true(memory_region_get_iommu(a2) == &t->iommu);
    g_assert_null(IOMMU_MEMORY_REGION(a2));
    /* the range is in the IOMMU's addresses, not the alias window's */
    rec_init(&r, 0, log, IOMMU_NOTIFIER_MAP, 0, 0xffff, 0);
    g_assert_true(memory_region_register_iommu_notifier(a2, &r.n, NULL));
    g_assert_true(iommu_notifier_region(&r.n) == &t->iommu);
    g_assert_cmpuint(t->iommu.iommu_notify_flags, ==, IOMMU_NOTIFIER_MAP);
    memory_region_notify_iommu(&t->iommu, 0,
                               event(IOMMU_NOTIFIER_MAP, 0x2000, 0xfff,
                                     0x5000, IOMMU_RO));
    g_assert_cmpuint(log->len, ==, 1);
    g_assert_cmphex(EV(log, 0)->iova, ==, 0x2000);
    memory_region_unregister_iommu_notifier(a1, &r.n);
    g_assert_null(iommu_notifier_region(&r.n));
    g_assert_cmpuint(t->iommu.iommu_notify_flags, ==, IOMMU_NOTIFIER_NONE);
    memory_region_unref(a2);
    memory_region_unref(a1);
    memory_region_unref(MR(t));
}

/* ---- notification --------------------------------------------------------- */

static void test_notify_skip_crop(void)
{
    TestIOMMU *t = t_new(&t_class, UINT64_MAX);
    g_autoptr(GArray) log = new_log();
    Rec r;

    rec_init(&r, 0, log, IOMMU_NOTIFIER_ALL, 0x10000, 0x1ffff, 0);
    g_assert_true(memory_region_register_iommu_notifier(MR(t), &r.n, NULL));
    /* below, above: skipped */
    memory_region_notify_iommu(&t->iommu, 0, event(IOMMU_NOTIFIER_MAP,
                               0xf000, 0xfff, 0x1000, IOMMU_RW));
    memory_region_notify_iommu(&t->iommu, 0, event(IOMMU_NOTIFIER_MAP,
                               0x20000, 0xffff, 0x1000, IOMMU_RW));
    g_assert_cmpuint(log->len, ==, 0);
    /* inside: as is */
    memory_region_notify_iommu(&t->iommu, 0, event(IOMMU_NOTIFIER_MAP,
                               0x12000, 0xfff, 0x7000, IOMMU_RO));
    g_assert_cmpuint(log->len, ==, 1);
    g_assert_cmphex(EV(log, 0)->iova, ==, 0x12000);
    g_assert_cmphex(EV(log, 0)->mask, ==, 0xfff);
    g_assert_cmphex(EV(log, 0)->taddr, ==, 0x7000);
    g_assert_cmpint(EV(log, 0)->type, ==, IOMMU_NOTIFIER_MAP);
    /* a 1 MiB page covering the whole range: cropped to [start, end], the
     * translation moved along */
    memory_region_notify_iommu(&t->iommu, 0, event(IOMMU_NOTIFIER_MAP,
                               0x0, 0xfffff, 0x800000, IOMMU_RW));
    g_assert_cmpuint(log->len, ==, 2);
    g_assert_cmphex(EV(log, 1)->iova, ==, 0x10000);
    g_assert_cmphex(EV(log, 1)->mask, ==, 0xffff);
    g_assert_cmphex(EV(log, 1)->taddr, ==, 0x810000);
    /* overlapping the end only */
    memory_region_notify_iommu(&t->iommu, 0, event(IOMMU_NOTIFIER_UNMAP,
                               0x18000, 0xffff, 0, IOMMU_NONE));
    g_assert_cmphex(EV(log, 2)->iova, ==, 0x18000);
    g_assert_cmphex(EV(log, 2)->mask, ==, 0x7fff);
    /* an entry wrapping past 2^64 is taken to end at 2^64 - 1 */
    memory_region_notify_iommu(&t->iommu, 0, event(IOMMU_NOTIFIER_UNMAP,
                               0x1f000, UINT64_MAX, 0, IOMMU_NONE));
    g_assert_cmpuint(log->len, ==, 4);
    g_assert_cmphex(EV(log, 3)->iova, ==, 0x1f000);
    g_assert_cmphex(EV(log, 3)->mask, ==, 0xfff);
    memory_region_unregister_iommu_notifier(MR(t), &r.n);
    memory_region_unref(MR(t));
}

static void test_notify_filter(void)
{
    TestIOMMU *t = t_new(&t_class, 0x100000);
    g_autoptr(GArray) log = new_log();
    Rec map0, unmap0, dev0, both1;

    rec_init(&map0, 0, log, IOMMU_NOTIFIER_MAP, 0, 0xfffff, 0);
    rec_init(&unmap0, 1, log, IOMMU_NOTIFIER_UNMAP, 0, 0xfffff, 0);
    rec_init(&dev0, 2, log, IOMMU_NOTIFIER_DEVIOTLB_UNMAP, 0, 0xfffff, 0);
    rec_init(&both1, 3, log, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, 0xfffff, 1);
    g_assert_true(memory_region_register_iommu_notifier(MR(t), &map0.n, NULL));
    g_assert_true(memory_region_register_iommu_notifier(MR(t), &unmap0.n,
                                                        NULL));
    g_assert_true(memory_region_register_iommu_notifier(MR(t), &dev0.n, NULL));
    g_assert_true(memory_region_register_iommu_notifier(MR(t), &both1.n,
                                                        NULL));

    memory_region_notify_iommu(&t->iommu, 0, event(IOMMU_NOTIFIER_MAP,
                               0x1000, 0xfff, 0x1000, IOMMU_RW));
    g_assert_cmpuint(log->len, ==, 1);
    g_assert_cmpint(EV(log, 0)->who, ==, 0);
    memory_region_notify_iommu(&t->iommu, 0, event(IOMMU_NOTIFIER_UNMAP,
                               0x1000, 0xfff, 0, IOMMU_NONE));
    g_assert_cmpuint(log->len, ==, 2);
    g_assert_cmpint(EV(log, 1)->who, ==, 1);
    memory_region_notify_iommu(&t->iommu, 0,
                               event(IOMMU_NOTIFIER_DEVIOTLB_UNMAP, 0x1000,
                                     0xfff, 0, IOMMU_NONE));
    g_assert_cmpuint(log->len, ==, 3);
    g_assert_cmpint(EV(log, 2)->who, ==, 2);
    g_assert_cmpint(EV(log, 2)->type, ==, IOMMU_NOTIFIER_DEVIOTLB_UNMAP);
    /* index 1: only both1 */
    memory_region_notify_iommu(&t->iommu, 1, event(IOMMU_NOTIFIER_MAP,
                               0x1000, 0xfff, 0x1000, IOMMU_RW));
    g_assert_cmpuint(log->len, ==, 4);
    g_assert_cmpint(EV(log, 3)->who, ==, 3);
    /* an index nobody listens to, a type nobody wants */
    memory_region_notify_iommu(&t->iommu, 5, event(IOMMU_NOTIFIER_MAP,
                               0x1000, 0xfff, 0x1000, IOMMU_RW));
    memory_region_notify_iommu(&t->iommu, 1, event(IOMMU_NOTIFIER_NONE,
                               0x1000, 0xfff, 0x1000, IOMMU_RW));
    g_assert_cmpuint(log->len, ==, 4);

    memory_region_unregister_iommu_notifier(MR(t), &map0.n);
    memory_region_unregister_iommu_notifier(MR(t), &unmap0.n);
    memory_region_unregister_iommu_notifier(MR(t), &dev0.n);
    memory_region_unregister_iommu_notifier(MR(t), &both1.n);
    memory_region_unref(MR(t));
}

static void test_notify_unmap_perm(void)
{
    TestIOMMU *t = t_new(&t_class, 0x100000);
    g_autoptr(GArray) log = new_log();
    Rec r;

    rec_init(&r, 0, log, IOMMU_NOTIFIER_UNMAP, 0, 0xfffff, 0);
    g_assert_true(memory_region_register_iommu_notifier(MR(t), &r.n, NULL));
    /* a model bug: UNMAP with a permission. Repaired, counted, no abort. */
    memory_region_notify_iommu(&t->iommu, 0, event(IOMMU_NOTIFIER_UNMAP,
                               0x1000, 0xfff, 0, IOMMU_RW));
    g_assert_cmpuint(log->len, ==, 1);
    g_assert_cmpint(EV(log, 0)->perm, ==, IOMMU_NONE);
    g_assert_cmpuint(t->iommu.bad_events, ==, 1);
    /* straight to one notifier too */
    IOMMUTLBEvent ev = event(IOMMU_NOTIFIER_UNMAP, 0x1000, 0xfff, 0,
                             IOMMU_WO);
    memory_region_notify_iommu_one(&r.n, &ev);
    g_assert_cmpint(EV(log, 1)->perm, ==, IOMMU_NONE);
    g_assert_cmpuint(t->iommu.bad_events, ==, 2);
    memory_region_unregister_iommu_notifier(MR(t), &r.n);
    memory_region_unref(MR(t));
}

static void test_notify_order_and_changes(void)
{
    TestIOMMU *t = t_new(&t_class, 0x100000);
    g_autoptr(GArray) log = new_log();
    Rec a, b, c, d;

    rec_init(&a, 0, log, IOMMU_NOTIFIER_MAP, 0, 0xfffff, 0);
    rec_init(&b, 1, log, IOMMU_NOTIFIER_MAP, 0, 0xfffff, 0);
    rec_init(&c, 2, log, IOMMU_NOTIFIER_MAP, 0, 0xfffff, 0);
    rec_init(&d, 3, log, IOMMU_NOTIFIER_MAP, 0, 0xfffff, 0);
    a.on = b.on = c.on = d.on = MR(t);
    g_assert_true(memory_region_register_iommu_notifier(MR(t), &a.n, NULL));
    g_assert_true(memory_region_register_iommu_notifier(MR(t), &b.n, NULL));
    g_assert_true(memory_region_register_iommu_notifier(MR(t), &c.n, NULL));

    /* newest first: c, b, a */
    memory_region_notify_iommu(&t->iommu, 0, event(IOMMU_NOTIFIER_MAP,
                               0x1000, 0xfff, 0, IOMMU_RW));
    g_assert_cmpuint(log->len, ==, 3);
    g_assert_cmpint(EV(log, 0)->who, ==, 2);
    g_assert_cmpint(EV(log, 1)->who, ==, 1);
    g_assert_cmpint(EV(log, 2)->who, ==, 0);

    /* c unregisters itself, b unregisters a (not told yet) and registers d
     * (not told of this event) */
    g_array_set_size(log, 0);
    c.unregister_self = true;
    b.unregister_other = &a.n;
    b.register_other = &d.n;
    memory_region_notify_iommu(&t->iommu, 0, event(IOMMU_NOTIFIER_MAP,
                               0x1000, 0xfff, 0, IOMMU_RW));
    g_assert_cmpuint(log->len, ==, 2);
    g_assert_cmpint(EV(log, 0)->who, ==, 2);
    g_assert_cmpint(EV(log, 1)->who, ==, 1);
    g_assert_null(iommu_notifier_region(&a.n));
    g_assert_null(iommu_notifier_region(&c.n));
    g_assert_nonnull(iommu_notifier_region(&d.n));

    /* next event: d then b */
    g_array_set_size(log, 0);
    memory_region_notify_iommu(&t->iommu, 0, event(IOMMU_NOTIFIER_MAP,
                               0x1000, 0xfff, 0, IOMMU_RW));
    g_assert_cmpuint(log->len, ==, 2);
    g_assert_cmpint(EV(log, 0)->who, ==, 3);
    g_assert_cmpint(EV(log, 1)->who, ==, 1);
    g_assert_cmpuint(t->iommu.notifiers->len, ==, 2); /* compacted */
    memory_region_unregister_iommu_notifier(MR(t), &b.n);
    memory_region_unregister_iommu_notifier(MR(t), &d.n);
    memory_region_unref(MR(t));
}

static void test_unmap_notifier_range(void)
{
    TestIOMMU *t = t_new(&t_class, UINT64_MAX);
    g_autoptr(GArray) log = new_log();
    Rec r, m;

    rec_init(&r, 0, log, IOMMU_NOTIFIER_IOTLB_EVENTS, 0x3000, 0x8fff, 0);
    rec_init(&m, 1, log, IOMMU_NOTIFIER_MAP, 0, UINT64_MAX, 0);
    g_assert_true(memory_region_register_iommu_notifier(MR(t), &r.n, NULL));
    g_assert_true(memory_region_register_iommu_notifier(MR(t), &m.n, NULL));
    memory_region_unmap_iommu_notifier_range(&r.n);
    g_assert_cmpuint(log->len, ==, 1);
    g_assert_cmpint(EV(log, 0)->type, ==, IOMMU_NOTIFIER_UNMAP);
    g_assert_cmphex(EV(log, 0)->iova, ==, 0x3000);
    g_assert_cmphex(EV(log, 0)->mask, ==, 0x5fff);
    g_assert_cmpint(EV(log, 0)->perm, ==, IOMMU_NONE);
    /* a MAP-only notifier does not want it */
    memory_region_unmap_iommu_notifier_range(&m.n);
    g_assert_cmpuint(log->len, ==, 1);
    /* the whole 64-bit range */
    m.n.notifier_flags = IOMMU_NOTIFIER_UNMAP;
    memory_region_unmap_iommu_notifier_range(&m.n);
    g_assert_cmpuint(log->len, ==, 2);
    g_assert_cmphex(EV(log, 1)->iova, ==, 0);
    g_assert_cmphex(EV(log, 1)->mask, ==, UINT64_MAX);
    memory_region_unregister_iommu_notifier(MR(t), &r.n);
    memory_region_unregister_iommu_notifier(MR(t), &m.n);
    memory_region_unref(MR(t));
}

/* ---- replay ------------------------------------------------------------------ */

static void test_replay_default(void)
{
    TestIOMMU *t = t_new(&t_class, 0x10000);
    g_autoptr(GArray) log = new_log();
    Rec r;

    t->mapped_first = 0x3000;
    t->mapped_last = 0x4fff;
    rec_init(&r, 0, log, IOMMU_NOTIFIER_MAP, 0, UINT64_MAX, 0);
    memory_region_iommu_replay(&t->iommu, &r.n);
    /* 16 steps of 4 KiB over the 64 KiB region, two entries mapped */
    g_assert_cmpuint(t->translated->len, ==, 16);
    g_assert_cmphex(g_array_index(t->translated, hwaddr, 15), ==, 0xf000);
    g_assert_cmpuint(log->len, ==, 2);
    g_assert_cmphex(EV(log, 0)->iova, ==, 0x3000);
    g_assert_cmphex(EV(log, 0)->taddr, ==, 0x103000);
    g_assert_cmphex(EV(log, 1)->iova, ==, 0x4000);
    g_assert_cmpint(EV(log, 1)->type, ==, IOMMU_NOTIFIER_MAP);

    /* min page 16 KiB: 4 steps; of the mapped pages only 0x4000 is a step */
    g_array_set_size(log, 0);
    g_array_set_size(t->translated, 0);
    t->min_page = 0x4000;
    memory_region_iommu_replay(&t->iommu, &r.n);
    g_assert_cmpuint(t->translated->len, ==, 4);
    g_assert_cmpuint(log->len, ==, 1);
    g_assert_cmphex(EV(log, 0)->iova, ==, 0x4000);

    /* only the notifier's range is walked */
    g_array_set_size(log, 0);
    g_array_set_size(t->translated, 0);
    t->min_page = 0;
    rec_init(&r, 0, log, IOMMU_NOTIFIER_MAP, 0x4800, 0x6fff, 0);
    memory_region_iommu_replay(&t->iommu, &r.n);
    g_assert_cmpuint(t->translated->len, ==, 3); /* 0x4000 .. 0x6000 */
    g_assert_cmphex(g_array_index(t->translated, hwaddr, 0), ==, 0x4000);
    g_assert_cmpuint(log->len, ==, 1);
    g_assert_cmphex(EV(log, 0)->iova, ==, 0x4800); /* cropped */
    g_assert_cmphex(EV(log, 0)->mask, ==, 0x7ff);

    /* an UNMAP-only notifier is not told of mappings */
    g_array_set_size(log, 0);
    rec_init(&r, 0, log, IOMMU_NOTIFIER_UNMAP, 0, UINT64_MAX, 0);
    memory_region_iommu_replay(&t->iommu, &r.n);
    g_assert_cmpuint(log->len, ==, 0);
    memory_region_unref(MR(t));
}

static void test_replay_no_wrap(void)
{
    TestIOMMU *t = t_new(&t_class, UINT64_MAX); /* 2^64 */
    g_autoptr(GArray) log = new_log();
    Rec r;

    t->mapped_first = UINT64_MAX - 0x1fff;
    t->mapped_last = UINT64_MAX;
    rec_init(&r, 0, log, IOMMU_NOTIFIER_MAP, UINT64_MAX - 0x2fff, UINT64_MAX,
             0);
    memory_region_iommu_replay(&t->iommu, &r.n);
    /* three pages, then stop: no wrap to 0 */
    g_assert_cmpuint(t->translated->len, ==, 3);
    g_assert_cmphex(g_array_index(t->translated, hwaddr, 2), ==,
                    UINT64_MAX - 0xfff);
    g_assert_cmpuint(log->len, ==, 2);
    g_assert_cmphex(EV(log, 1)->iova, ==, UINT64_MAX - 0xfff);

    /* a granule bigger than what is left below 2^64 */
    g_array_set_size(t->translated, 0);
    t->min_page = 0x10000;
    rec_init(&r, 0, log, IOMMU_NOTIFIER_MAP, UINT64_MAX - 0xff, UINT64_MAX,
             0);
    memory_region_iommu_replay(&t->iommu, &r.n);
    g_assert_cmpuint(t->translated->len, ==, 1);
    g_assert_cmphex(g_array_index(t->translated, hwaddr, 0), ==,
                    UINT64_MAX - 0xffff);
    memory_region_unref(MR(t));
}

static void test_replay_huge_page(void)
{
    TestIOMMU *t = t_new(&t_class, 0x800000);
    g_autoptr(GArray) log = new_log();
    Rec r;

    /* 2 MiB pages, all mapped: one translation and event per page, not 512 */
    t->huge_mask = 0x1fffff;
    t->mapped_first = 0;
    t->mapped_last = UINT64_MAX;
    rec_init(&r, 0, log, IOMMU_NOTIFIER_MAP, 0, UINT64_MAX, 0);
    memory_region_iommu_replay(&t->iommu, &r.n);
    g_assert_cmpuint(t->translated->len, ==, 4);
    g_assert_cmpuint(log->len, ==, 4);
    g_assert_cmphex(EV(log, 3)->iova, ==, 0x600000);
    g_assert_cmphex(EV(log, 3)->mask, ==, 0x1fffff);
    memory_region_unref(MR(t));
}

static void test_replay_model(void)
{
    TestIOMMU *t = t_new(&t_class_replay, 0x10000);
    g_autoptr(GArray) log = new_log();
    Rec r;

    rec_init(&r, 0, log, IOMMU_NOTIFIER_MAP, 0, UINT64_MAX, 0);
    memory_region_iommu_replay(&t->iommu, &r.n);
    g_assert_cmpint(t->replays, ==, 1);
    g_assert_cmpuint(t->translated->len, ==, 0);
    memory_region_unref(MR(t));
}

/* ---- helpers and lifetime ------------------------------------------------------ */

static void test_class_helpers(void)
{
    TestIOMMU *t = t_new(&t_class, 0x10000);
    TestIOMMU *bare = t_new(&t_class_bare, 0x10000);
    MemTxAttrs sec = { .secure = 1 };
    IOMMUTLBEntry e;

    g_assert_cmpuint(memory_region_iommu_get_min_page_size(&t->iommu), ==,
                     4096); /* hook says 0 */
    t->min_page = 0x200000;
    g_assert_cmpuint(memory_region_iommu_get_min_page_size(&t->iommu), ==,
                     0x200000);
    g_assert_cmpint(memory_region_iommu_num_indexes(&t->iommu), ==, 2);
    t->indexes = -3;
    g_assert_cmpint(memory_region_iommu_num_indexes(&t->iommu), ==, 1);
    t->indexes = 2;
    g_assert_cmpint(memory_region_iommu_attrs_to_index(&t->iommu, sec), ==, 1);
    g_assert_cmpint(memory_region_iommu_attrs_to_index(
                        &t->iommu, MEMTXATTRS_UNSPECIFIED), ==, 0);

    g_assert_cmpuint(memory_region_iommu_get_min_page_size(&bare->iommu), ==,
                     4096);
    g_assert_cmpint(memory_region_iommu_num_indexes(&bare->iommu), ==, 1);
    g_assert_cmpint(memory_region_iommu_attrs_to_index(&bare->iommu, sec), ==,
                    0);
    /* no translate hook, an index out of range: faults, no crash */
    e = memory_region_iommu_translate(&bare->iommu, 0x1000, IOMMU_RO, 0);
    g_assert_cmpint(e.perm, ==, IOMMU_NONE);
    t->mapped_first = 0;
    t->mapped_last = 0xffff;
    e = memory_region_iommu_translate(&t->iommu, 0x1000, IOMMU_RO, 2);
    g_assert_cmpint(e.perm, ==, IOMMU_NONE);
    e = memory_region_iommu_translate(&t->iommu, 0x1234, IOMMU_RO, 1);
    g_assert_cmpint(e.perm, ==, IOMMU_RW);
    g_assert_cmphex(e.translated_addr, ==, 0x101000);
    g_assert_cmpstr(iommu_access_flags_name(IOMMU_WO), ==, "wo");
    g_assert_cmpstr(iommu_notifier_flag_name(IOMMU_NOTIFIER_DEVIOTLB_UNMAP),
                    ==, "deviotlb_unmap");
    memory_region_unref(MR(t));
    memory_region_unref(MR(bare));
}

static void test_region_goes_first(void)
{
    bool destroyed = false;
    TestIOMMU *t = t_new(&t_class, 0x10000);
    g_autoptr(GArray) log = new_log();
    Rec r;

    t->destroyed = &destroyed;
    rec_init(&r, 0, log, IOMMU_NOTIFIER_MAP, 0, 0xffff, 0);
    g_assert_true(memory_region_register_iommu_notifier(MR(t), &r.n, NULL));
    memory_region_unref(MR(t));
    g_assert_true(destroyed);
    /* the notifier learnt that its region is gone; unregistering is a no-op */
    g_assert_null(iommu_notifier_region(&r.n));
    memory_region_unregister_iommu_notifier(NULL, &r.n);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/iommu/register/errors", test_register_errors);
    g_test_add_func("/iommu/register/flags-union", test_flags_union);
    g_test_add_func("/iommu/register/refusal", test_refusal);
    g_test_add_func("/iommu/register/alias", test_register_alias);
    g_test_add_func("/iommu/notify/skip-crop", test_notify_skip_crop);
    g_test_add_func("/iommu/notify/filter", test_notify_filter);
    g_test_add_func("/iommu/notify/unmap-perm", test_notify_unmap_perm);
    g_test_add_func("/iommu/notify/order-and-changes",
                    test_notify_order_and_changes);
    g_test_add_func("/iommu/notify/unmap-notifier-range",
                    test_unmap_notifier_range);
    g_test_add_func("/iommu/replay/default", test_replay_default);
    g_test_add_func("/iommu/replay/no-wrap", test_replay_no_wrap);
    g_test_add_func("/iommu/replay/huge-page", test_replay_huge_page);
    g_test_add_func("/iommu/replay/model", test_replay_model);
    g_test_add_func("/iommu/helpers", test_class_helpers);
    g_test_add_func("/iommu/region-goes-first", test_region_goes_first);
    return g_test_run();
}
