/*
 * test-vtd-notify.c - IOMMU notifiers of the VT-d address spaces: MAP
 * notifiers refused without caching mode, replay on registration, the
 * invalidation-driven sync (unchanged: nothing; changed: UNMAP then MAP;
 * removed: UNMAP), events as naturally aligned power-of-two chunks that
 * never go past a notifier's range or 2^aw - 1, domain and global
 * invalidations that send nothing for what did not change, UNMAP-only
 * notifiers told of every invalidation, DEVIOTLB_UNMAP notifiers told of
 * device-IOTLB invalidations, context invalidations and TE changes.
 */
#include "test-vtd-tb.h"

/* ---- recording notifier ---------------------------------------------------- */

typedef struct Ev {
    IOMMUNotifierFlag type;
    hwaddr iova, mask, xlat;
    IOMMUAccessFlags perm;
} Ev;

typedef struct Rec {
    IOMMUNotifier n;
    GArray *ev;          /* Ev */
} Rec;

static void rec_notify(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    Rec *r = (Rec *)n;
    Ev ev = { n->event_type, e->iova, e->addr_mask, e->translated_addr,
              e->perm };

    /* what a producer owes a notifier: a naturally aligned power of two
     * inside the notifier's range (the core would crop one that is not,
     * and a cropped event is not a power of two or not aligned) */
    g_assert_cmphex(e->addr_mask & (e->addr_mask + 1), ==, 0);
    g_assert_cmphex(e->iova & e->addr_mask, ==, 0);
    g_assert_cmphex(e->iova, >=, n->start);
    g_assert_cmphex(e->iova + e->addr_mask, <=, n->end);
    if (ev.type == IOMMU_NOTIFIER_UNMAP) {
        g_assert_cmpint(e->perm, ==, IOMMU_NONE);
    }
    g_array_append_val(r->ev, ev);
}

static Rec *rec_new(IOMMUNotifierFlag flags, hwaddr start, hwaddr end)
{
    Rec *r = g_new0(Rec, 1);

    iommu_notifier_init(&r->n, rec_notify, flags, start, end, 0);
    r->ev = g_array_new(FALSE, FALSE, sizeof(Ev));
    return r;
}

/* register (and replay, as a VFIO-style user does) */
static void rec_register(TB *tb, Rec *r)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(memory_region_register_iommu_notifier(
        MEMORY_REGION(&tb->as->iommu), &r->n, &err));
    g_assert_no_error(err);
    memory_region_iommu_replay(&tb->as->iommu, &r->n);
}

static void rec_free(TB *tb, Rec *r)
{
    memory_region_unregister_iommu_notifier(MEMORY_REGION(&tb->as->iommu),
                                            &r->n);
    g_array_free(r->ev, TRUE);
    g_free(r);
}

static inline Ev *ev_at(Rec *r, guint i)
{
    g_assert_cmpuint(i, <, r->ev->len);
    return &g_array_index(r->ev, Ev, i);
}

static void ev_check(Rec *r, guint i, IOMMUNotifierFlag type, hwaddr iova,
                     hwaddr mask, hwaddr xlat, IOMMUAccessFlags perm)
{
    Ev *e = ev_at(r, i);

    g_assert_cmpint(e->type, ==, type);
    g_assert_cmphex(e->iova, ==, iova);
    g_assert_cmphex(e->mask, ==, mask);
    if (type == IOMMU_NOTIFIER_MAP) {
        g_assert_cmphex(e->xlat, ==, xlat);
        g_assert_cmpint(e->perm, ==, perm);
    }
}

static guint count_type(Rec *r, IOMMUNotifierFlag type)
{
    guint n = 0;

    for (guint i = 0; i < r->ev->len; i++) {
        n += ev_at(r, i)->type == type;
    }
    return n;
}

/* The events after the initial UNMAP of the replay, as MAP iova list */
static void clear(Rec *r)
{
    g_array_set_size(r->ev, 0);
}

#define CM "aw-bits=48,caching-mode=on"
#define DID 5

static TB *tb_cm(const char *props)
{
    TB *tb = tb_new(props);

    tb_legacy(tb, 4, 0, DID, false);
    return tb;
}

/* ---- registration ------------------------------------------------------------ */

static void test_map_refused_without_cm(void)
{
    TB *tb = tb_new("aw-bits=48");
    Rec *r = rec_new(IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX);
    Rec *u = rec_new(IOMMU_NOTIFIER_UNMAP, 0, HWADDR_MAX);
    g_autoptr(GError) err = NULL;

    g_assert_false(memory_region_register_iommu_notifier(
        MEMORY_REGION(&tb->as->iommu), &r->n, &err));
    g_assert_error(err, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_REFUSED);
    g_assert_nonnull(strstr(err->message, "caching-mode"));
    g_assert_null(iommu_notifier_region(&r->n));
    g_assert_cmpuint(tb->as->notifier_flags, ==, IOMMU_NOTIFIER_NONE);
    g_clear_error(&err);

    /* UNMAP-only (vhost-style) and DEVIOTLB notifiers are accepted */
    g_assert_true(memory_region_register_iommu_notifier(
        MEMORY_REGION(&tb->as->iommu), &u->n, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(tb->as->notifier_flags, ==, IOMMU_NOTIFIER_UNMAP);
    /* ... and adding MAP to the union later is refused too */
    g_assert_false(memory_region_register_iommu_notifier(
        MEMORY_REGION(&tb->as->iommu), &r->n, &err));
    g_clear_error(&err);
    rec_free(tb, u);
    g_array_free(r->ev, TRUE);
    g_free(r);
    g_assert_null(tb->env->s->vtd_as_with_notifiers);
    tb_free(tb);

    /* snoop control refuses every notifier (QEMU 7.2) */
    tb = tb_new(CM ",snoop-control=on");
    u = rec_new(IOMMU_NOTIFIER_UNMAP, 0, HWADDR_MAX);
    g_assert_false(memory_region_register_iommu_notifier(
        MEMORY_REGION(&tb->as->iommu), &u->n, &err));
    g_assert_error(err, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_REFUSED);
    g_array_free(u->ev, TRUE);
    g_free(u);
    tb_free(tb);
}

/* ---- replay ------------------------------------------------------------------ */

static void test_replay(void)
{
    TB *tb = tb_cm(CM);
    Rec *r = rec_new(IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX);
    Rec *r2;

    tb_map(tb, 0x1000, 0x300000, 1, 3);
    tb_map(tb, 0x3000, 0x301000, 1, 1);
    tb_map(tb, 0x400000, 0x600000, 2, 2);
    tb_map(tb, 0x80000000, 0x0, 3, 3);
    tb_map(tb, 0x5000, 0xfee00000, 1, 3);   /* interrupt range: not a map */
    tb_enable(tb, false);

    rec_register(tb, r);
    /* first the whole range (2^48) is unmapped, then every mapping */
    ev_check(r, 0, IOMMU_NOTIFIER_UNMAP, 0, (1ULL << 48) - 1, 0, 0);
    g_assert_cmpuint(r->ev->len, ==, 5);
    ev_check(r, 1, IOMMU_NOTIFIER_MAP, 0x1000, 0xfff, 0x300000, IOMMU_RW);
    ev_check(r, 2, IOMMU_NOTIFIER_MAP, 0x3000, 0xfff, 0x301000, IOMMU_RO);
    ev_check(r, 3, IOMMU_NOTIFIER_MAP, 0x400000, 0x1fffff, 0x600000,
             IOMMU_WO);
    ev_check(r, 4, IOMMU_NOTIFIER_MAP, 0x80000000, 0x3fffffff, 0, IOMMU_RW);
    g_assert_cmpuint(iova_tree_count(tb->as->iova_tree), ==, 4);

    /* a second notifier on part of the space: its replay tells it only
     * its own range; a 2 MiB page across its end comes in the chunks
     * inside; the first notifier hears nothing */
    clear(r);
    r2 = rec_new(IOMMU_NOTIFIER_IOTLB_EVENTS, 0x2000, 0x4fffff);
    rec_register(tb, r2);
    g_assert_cmpuint(r->ev->len, ==, 0);
    /* UNMAP [0x2000, 0x4fffff] in chunks */
    g_assert_cmpuint(count_type(r2, IOMMU_NOTIFIER_UNMAP), >, 1);
    g_assert_cmpuint(count_type(r2, IOMMU_NOTIFIER_MAP), ==, 2);
    {
        guint i = count_type(r2, IOMMU_NOTIFIER_UNMAP);
        ev_check(r2, i, IOMMU_NOTIFIER_MAP, 0x3000, 0xfff, 0x301000,
                 IOMMU_RO);
        ev_check(r2, i + 1, IOMMU_NOTIFIER_MAP, 0x400000, 0xfffff, 0x600000,
                 IOMMU_WO);
    }

    /* replay again: the same picture, nothing for the other */
    clear(r2);
    memory_region_iommu_replay(&tb->as->iommu, &r2->n);
    g_assert_cmpuint(count_type(r2, IOMMU_NOTIFIER_MAP), ==, 2);
    g_assert_cmpuint(r->ev->len, ==, 0);
    rec_free(tb, r2);
    rec_free(tb, r);
    tb_free(tb);
}

/* ---- page-selective sync ----------------------------------------------------- */

static void test_psi_sequences(void)
{
    TB *tb = tb_cm(CM);
    Rec *r = rec_new(IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX);

    tb_map(tb, 0x1000, 0x300000, 1, 3);
    tb_enable(tb, false);
    rec_register(tb, r);
    clear(r);

    /* new mapping (caching mode: the guest invalidates not-present ->
     * present): MAP only */
    tb_map(tb, 0x2000, 0x302000, 1, 3);
    tb_flush_page(tb, DID, 0x2000, 0);
    g_assert_cmpuint(r->ev->len, ==, 1);
    ev_check(r, 0, IOMMU_NOTIFIER_MAP, 0x2000, 0xfff, 0x302000, IOMMU_RW);

    /* unchanged: nothing */
    clear(r);
    tb_flush_page(tb, DID, 0x2000, 0);
    tb_flush_page(tb, DID, 0x1000, 0);
    g_assert_cmpuint(r->ev->len, ==, 0);

    /* changed output: UNMAP then MAP */
    tb_map(tb, 0x2000, 0x305000, 1, 3);
    tb_flush_page(tb, DID, 0x2000, 0);
    g_assert_cmpuint(r->ev->len, ==, 2);
    ev_check(r, 0, IOMMU_NOTIFIER_UNMAP, 0x2000, 0xfff, 0, 0);
    ev_check(r, 1, IOMMU_NOTIFIER_MAP, 0x2000, 0xfff, 0x305000, IOMMU_RW);

    /* changed permission: UNMAP then MAP */
    clear(r);
    tb_map(tb, 0x2000, 0x305000, 1, 1);
    tb_flush_page(tb, DID, 0x2000, 0);
    g_assert_cmpuint(r->ev->len, ==, 2);
    ev_check(r, 1, IOMMU_NOTIFIER_MAP, 0x2000, 0xfff, 0x305000, IOMMU_RO);

    /* removed: UNMAP */
    clear(r);
    tb_unmap(tb, 0x2000, 1);
    tb_flush_page(tb, DID, 0x2000, 0);
    g_assert_cmpuint(r->ev->len, ==, 1);
    ev_check(r, 0, IOMMU_NOTIFIER_UNMAP, 0x2000, 0xfff, 0, 0);

    /* another domain's invalidation: nothing */
    clear(r);
    tb_unmap(tb, 0x1000, 1);
    tb_flush_page(tb, DID + 1, 0x1000, 0);
    g_assert_cmpuint(r->ev->len, ==, 0);
    /* an address mask covering it (am 4: 16 pages at 0) */
    tb_flush_page(tb, DID, 0x5000, 4);
    g_assert_cmpuint(r->ev->len, ==, 1);
    ev_check(r, 0, IOMMU_NOTIFIER_UNMAP, 0x1000, 0xfff, 0, 0);

    /* reserved bits, output in the interrupt range: not mappings */
    clear(r);
    tb_map(tb, 0x3000, 0x303000, 1, 3);
    tb_flush_page(tb, DID, 0x3000, 0);
    ram_wq(tb->env, tb_slot(tb, 0x3000, 1, 3), 0x303000 | 3 | (1ULL << 51));
    tb_flush_page(tb, DID, 0x3000, 0);
    tb_map(tb, 0x3000, 0xfee00000, 1, 3);
    tb_flush_page(tb, DID, 0x3000, 0);
    g_assert_cmpuint(r->ev->len, ==, 2);
    ev_check(r, 0, IOMMU_NOTIFIER_MAP, 0x3000, 0xfff, 0x303000, IOMMU_RW);
    ev_check(r, 1, IOMMU_NOTIFIER_UNMAP, 0x3000, 0xfff, 0, 0);
    g_assert_cmpuint(iova_tree_count(tb->as->iova_tree), ==, 0);

    /* the same through the invalidation queue */
    clear(r);
    wrq(tb->env, VTD_REG_IQA, 0x180000);            /* 256 descriptors */
    wrl(tb->env, VTD_REG_GCMD, VTD_GCMD_TE | VTD_GCMD_QIE);
    tb_map(tb, 0x7000, 0x307000, 1, 3);
    ram_wq(tb->env, 0x180000, VTD_INV_DESC_IOTLB | (3 << 4) |
                              ((uint64_t)DID << 16));
    ram_wq(tb->env, 0x180008, 0x7000);
    wrq(tb->env, VTD_REG_IQT, 1 << 4);
    g_assert_cmphex(rdq(tb->env, VTD_REG_IQH), ==, 1 << 4);
    g_assert_cmpuint(r->ev->len, ==, 1);
    ev_check(r, 0, IOMMU_NOTIFIER_MAP, 0x7000, 0xfff, 0x307000, IOMMU_RW);

    rec_free(tb, r);
    tb_free(tb);
}

static void test_psi_superpages(void)
{
    TB *tb = tb_cm(CM);
    Rec *r = rec_new(IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX);

    tb_map(tb, 0x200000, 0x400000, 2, 3);
    tb_enable(tb, false);
    rec_register(tb, r);
    clear(r);

    /* the 2 MiB page split into 4 KiB pages (one changed), one page
     * invalidated: the old page goes whole, 512 new pages come */
    {
        hwaddr l1 = tb_alloc(tb);
        for (unsigned i = 0; i < 512; i++) {
            hwaddr pa = 0x400000 + i * 0x1000ULL;
            ram_wq(tb->env, l1 + i * 8, (i == 7 ? 0x900000 : pa) | 3);
        }
        ram_wq(tb->env, tb_slot(tb, 0x200000, 2, 3), l1 | 3);
    }
    tb_flush_page(tb, DID, 0x207000, 0);
    g_assert_cmpuint(r->ev->len, ==, 513);
    ev_check(r, 0, IOMMU_NOTIFIER_UNMAP, 0x200000, 0x1fffff, 0, 0);
    ev_check(r, 1, IOMMU_NOTIFIER_MAP, 0x200000, 0xfff, 0x400000, IOMMU_RW);
    ev_check(r, 8, IOMMU_NOTIFIER_MAP, 0x207000, 0xfff, 0x900000, IOMMU_RW);
    g_assert_cmpuint(iova_tree_count(tb->as->iova_tree), ==, 512);

    /* back to one 2 MiB page, one 4 KiB page invalidated: 512 pages go
     * in one UNMAP, the big page comes */
    clear(r);
    tb_map(tb, 0x200000, 0x400000, 2, 3);
    tb_flush_page(tb, DID, 0x3ff000, 0);
    g_assert_cmpuint(r->ev->len, ==, 2);
    ev_check(r, 0, IOMMU_NOTIFIER_UNMAP, 0x200000, 0x1fffff, 0, 0);
    ev_check(r, 1, IOMMU_NOTIFIER_MAP, 0x200000, 0x1fffff, 0x400000,
             IOMMU_RW);

    /* a 1 GiB page */
    clear(r);
    tb_map(tb, 0x40000000, 0x0, 3, 1);
    tb_flush_page(tb, DID, 0x40000000, 18);
    g_assert_cmpuint(r->ev->len, ==, 1);
    ev_check(r, 0, IOMMU_NOTIFIER_MAP, 0x40000000, 0x3fffffff, 0, IOMMU_RO);
    rec_free(tb, r);
    tb_free(tb);
}

/* ---- domain and global invalidations -------------------------------------- */

static void test_domain_global(void)
{
    TB *tb = tb_cm(CM);
    Rec *r = rec_new(IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX);

    for (unsigned i = 0; i < 64; i++) {
        tb_map(tb, 0x100000 + i * 0x1000ULL, 0x300000 + i * 0x1000ULL, 1, 3);
    }
    tb_map(tb, 0x40000000, 0x800000, 2, 3);
    tb_enable(tb, false);
    rec_register(tb, r);
    g_assert_cmpuint(count_type(r, IOMMU_NOTIFIER_MAP), ==, 65);
    clear(r);

    /* nothing changed: no event, whatever the granularity */
    tb_flush_domain(tb, DID);
    tb_flush_all(tb);
    g_assert_cmpuint(r->ev->len, ==, 0);

    /* one change, one removal, one addition: just those */
    tb_map(tb, 0x105000, 0x500000, 1, 3);
    tb_unmap(tb, 0x106000, 1);
    tb_map(tb, 0x7000000, 0x501000, 1, 2);
    tb_flush_domain(tb, DID);
    g_assert_cmpuint(r->ev->len, ==, 4);
    ev_check(r, 0, IOMMU_NOTIFIER_UNMAP, 0x105000, 0xfff, 0, 0);
    ev_check(r, 1, IOMMU_NOTIFIER_MAP, 0x105000, 0xfff, 0x500000, IOMMU_RW);
    ev_check(r, 2, IOMMU_NOTIFIER_UNMAP, 0x106000, 0xfff, 0, 0);
    ev_check(r, 3, IOMMU_NOTIFIER_MAP, 0x7000000, 0xfff, 0x501000, IOMMU_WO);

    /* another domain: nothing */
    clear(r);
    tb_unmap(tb, 0x107000, 1);
    tb_flush_domain(tb, DID + 1);
    g_assert_cmpuint(r->ev->len, ==, 0);
    /* global: that one */
    tb_flush_all(tb);
    g_assert_cmpuint(r->ev->len, ==, 1);
    ev_check(r, 0, IOMMU_NOTIFIER_UNMAP, 0x107000, 0xfff, 0, 0);

    /* a whole level-3 entry cleared: its maps go */
    clear(r);
    ram_wq(tb->env, tb_slot(tb, 0x100000, 3, 3), 0);
    tb_flush_domain(tb, DID);
    g_assert_cmpuint(count_type(r, IOMMU_NOTIFIER_MAP), ==, 0);
    g_assert_cmpuint(count_type(r, IOMMU_NOTIFIER_UNMAP), >=, 1);
    g_assert_cmpuint(iova_tree_count(tb->as->iova_tree), ==, 1);
    rec_free(tb, r);
    tb_free(tb);
}

/* ---- ranges: notifier boundaries and the address width ------------------ */

static void test_ranges(void)
{
    TB *tb = tb_new("aw-bits=39,caching-mode=on");
    Rec *r = rec_new(IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX);
    Rec *part = rec_new(IOMMU_NOTIFIER_IOTLB_EVENTS, 0x201000, 0x2fffff);
    hwaddr covered = 0;

    tb_legacy(tb, 3, 0, DID, false);
    tb_map(tb, 0x200000, 0x400000, 2, 3);
    tb_enable(tb, false);
    rec_register(tb, r);
    /* 2^39 - 1 is the end of what is unmapped */
    ev_check(r, 0, IOMMU_NOTIFIER_UNMAP, 0, (1ULL << 39) - 1, 0, 0);
    rec_register(tb, part);
    /* its replay: the part of the 2 MiB page inside its range, in aligned
     * chunks, each with its own output */
    for (guint i = 0; i < part->ev->len; i++) {
        Ev *e = ev_at(part, i);
        if (e->type == IOMMU_NOTIFIER_MAP) {
            g_assert_cmphex(e->xlat, ==, 0x400000 + (e->iova - 0x200000));
            covered += e->mask + 1;
        }
    }
    g_assert_cmphex(covered, ==, 0xff000);

    /* removing the page: both hear an UNMAP inside their ranges; the
     * notifier over everything gets it in pieces cut at the other's
     * boundaries */
    clear(r);
    clear(part);
    tb_unmap(tb, 0x200000, 2);
    tb_flush_page(tb, DID, 0x200000, 9);
    covered = 0;
    for (guint i = 0; i < r->ev->len; i++) {
        g_assert_cmpint(ev_at(r, i)->type, ==, IOMMU_NOTIFIER_UNMAP);
        covered += ev_at(r, i)->mask + 1;
    }
    g_assert_cmphex(covered, ==, 0x200000);
    covered = 0;
    for (guint i = 0; i < part->ev->len; i++) {
        covered += ev_at(part, i)->mask + 1;
    }
    g_assert_cmphex(covered, ==, 0xff000);
    rec_free(tb, part);

    /* a context invalidation with the context gone: everything unmapped,
     * up to 2^39 - 1 only */
    clear(r);
    tb_map(tb, 0x1000, 0x300000, 1, 3);
    tb_flush_page(tb, DID, 0x1000, 0);
    ram_wq(tb->env, TB_CTX + TB_DEVFN * 16, 0);
    clear(r);
    wrq(tb->env, VTD_REG_CCMD, VTD_CCMD_ICC | (3ULL << VTD_CCMD_CIRG_SHIFT) |
                               ((uint64_t)TB_DEVFN << 16));
    g_assert_cmpuint(r->ev->len, ==, 1);
    ev_check(r, 0, IOMMU_NOTIFIER_UNMAP, 0, (1ULL << 39) - 1, 0, 0);
    g_assert_cmpuint(iova_tree_count(tb->as->iova_tree), ==, 0);
    rec_free(tb, r);
    tb_free(tb);
}

/* A sync's last piece reaching past the synced range over a map that is
 * there only (a replay of a notifier whose range ends inside a new 2 MiB
 * page): the old map is found and replaced, not left overlapping */
static void test_piece_past_range(void)
{
    TB *tb = tb_cm(CM);
    Rec *a = rec_new(IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX);
    Rec *b = rec_new(IOMMU_NOTIFIER_IOTLB_EVENTS, 0x2000, 0x4fffff);
    const DMAMap *m;
    bool unmapped = false;

    tb_map(tb, 0x3000, 0x303000, 1, 3);
    tb_map(tb, 0x5ff000, 0x305000, 1, 3);
    tb_enable(tb, false);
    rec_register(tb, a);
    g_assert_cmpuint(count_type(a, IOMMU_NOTIFIER_MAP), ==, 2);
    clear(a);
    /* the level-1 table of 0x400000..0x5fffff becomes a 2 MiB page */
    tb_map(tb, 0x400000, 0x600000, 2, 3);
    rec_register(tb, b);
    for (guint i = 0; i < a->ev->len; i++) {
        Ev *e = ev_at(a, i);
        if (e->type == IOMMU_NOTIFIER_UNMAP && e->iova <= 0x5ff000 &&
            e->iova + e->mask >= 0x5ff000) {
            unmapped = true;
        }
    }
    g_assert_true(unmapped);
    /* cut at b's end: a hears the 2 MiB page in two halves */
    ev_check(a, a->ev->len - 2, IOMMU_NOTIFIER_MAP, 0x400000, 0xfffff,
             0x600000, IOMMU_RW);
    ev_check(a, a->ev->len - 1, IOMMU_NOTIFIER_MAP, 0x500000, 0xfffff,
             0x700000, IOMMU_RW);
    m = iova_tree_find_address(tb->as->iova_tree, 0x5ff000);
    g_assert_nonnull(m);
    g_assert_cmphex(m->iova, ==, 0x400000);
    g_assert_cmphex(m->size, ==, 0x1fffff);
    g_assert_cmpuint(iova_tree_count(tb->as->iova_tree), ==, 2);
    rec_free(tb, b);
    rec_free(tb, a);
    tb_free(tb);
}

/* Many maps (more than a sync reads from the tree at once), some changed
 * and removed here and there: the events are exactly the differences */
static void test_many_changes(void)
{
    TB *tb = tb_cm(CM);
    Rec *r = rec_new(IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX);
    const unsigned n = 3000;

    for (unsigned i = 0; i < n; i++) {
        tb_map(tb, 0x10000000 + i * 0x1000ULL, 0x300000 + (i % 64) * 0x1000ULL,
               1, 3);
    }
    tb_enable(tb, false);
    rec_register(tb, r);
    g_assert_cmpuint(count_type(r, IOMMU_NOTIFIER_MAP), ==, n);
    clear(r);
    for (unsigned i = 0; i < n; i += 7) {
        if (i % 2) {
            tb_unmap(tb, 0x10000000 + i * 0x1000ULL, 1);
        } else {
            tb_map(tb, 0x10000000 + i * 0x1000ULL, 0x900000, 1, 1);
        }
    }
    tb_flush_domain(tb, DID);
    {
        unsigned changed = (n + 6) / 7, removed = 0, i;
        for (i = 0; i < n; i += 7) {
            removed += i % 2;
        }
        g_assert_cmpuint(count_type(r, IOMMU_NOTIFIER_UNMAP), ==, changed);
        g_assert_cmpuint(count_type(r, IOMMU_NOTIFIER_MAP), ==,
                         changed - removed);
        g_assert_cmpuint(iova_tree_count(tb->as->iova_tree), ==, n - removed);
    }
    clear(r);
    tb_flush_all(tb);
    g_assert_cmpuint(r->ev->len, ==, 0);
    rec_free(tb, r);
    tb_free(tb);
}

/* A notifier that invalidates from its callback (a nested sync of the
 * same address space changes the tree under the outer one) */
typedef struct Nester {
    IOMMUNotifier n;
    TB *tb;
    unsigned depth, calls;
} Nester;

static void nester_notify(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    Nester *q = (Nester *)n;

    q->calls++;
    if (q->depth < 2 && q->calls % 5 == 1) {
        q->depth++;
        /* the guest changes a page further on, then invalidates */
        tb_unmap(q->tb, e->iova + 0x3000, 1);
        tb_flush_domain(q->tb, DID);
        q->depth--;
    }
}

static void test_reentrant_sync(void)
{
    TB *tb = tb_cm(CM);
    Nester q = { .tb = tb };
    Rec *r = rec_new(IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX);
    g_autoptr(GError) err = NULL;

    tb_enable(tb, false);
    rec_register(tb, r);
    iommu_notifier_init(&q.n, nester_notify, IOMMU_NOTIFIER_MAP, 0,
                        HWADDR_MAX, 0);
    g_assert_true(memory_region_register_iommu_notifier(
        MEMORY_REGION(&tb->as->iommu), &q.n, &err));
    for (unsigned i = 0; i < 600; i++) {
        tb_map(tb, 0x10000000 + i * 0x1000ULL, 0x300000, 1, 3);
    }
    tb_flush_domain(tb, DID);
    g_assert_cmpuint(q.calls, >, 0);
    /* whatever the nesting did, the tree is what the tables say now, and
     * one more sync has nothing to tell */
    {
        unsigned present = 0;
        for (unsigned i = 0; i < 600; i++) {
            hwaddr slot = tb_slot(tb, 0x10000000 + i * 0x1000ULL, 1, 3);
            present += (ram_rq(tb->env, slot) & 3) != 0;
        }
        g_assert_cmpuint(iova_tree_count(tb->as->iova_tree), ==, present);
        g_assert_cmpuint(present, <, 600);
    }
    clear(r);
    tb_flush_all(tb);
    g_assert_cmpuint(r->ev->len, ==, 0);
    memory_region_unregister_iommu_notifier(MEMORY_REGION(&tb->as->iommu),
                                            &q.n);
    rec_free(tb, r);
    tb_free(tb);
}

/* ---- UNMAP-only and DEVIOTLB notifiers ------------------------------------- */

static void test_unmap_only(void)
{
    TB *tb = tb_cm("aw-bits=48");           /* no caching mode needed */
    Rec *u = rec_new(IOMMU_NOTIFIER_UNMAP, 0, HWADDR_MAX);

    tb_map(tb, 0x1000, 0x300000, 1, 3);
    tb_enable(tb, false);
    rec_register(tb, u);
    g_assert_cmpuint(u->ev->len, ==, 1);   /* replay: the whole range */
    clear(u);

    /* page-selective: the invalidated range, passed on (no walk) */
    tb_flush_page(tb, DID, 0x8000, 3);
    g_assert_cmpuint(u->ev->len, ==, 1);
    ev_check(u, 0, IOMMU_NOTIFIER_UNMAP, 0x8000, 0x7fff, 0, 0);
    /* domain, global (context cache, then IOTLB): the whole range,
     * clipped to 2^48 - 1 */
    clear(u);
    tb_flush_domain(tb, DID);
    tb_flush_all(tb);
    g_assert_cmpuint(u->ev->len, ==, 3);
    for (guint i = 0; i < 3; i++) {
        ev_check(u, i, IOMMU_NOTIFIER_UNMAP, 0, (1ULL << 48) - 1, 0, 0);
    }
    /* other domains: nothing */
    clear(u);
    tb_flush_domain(tb, DID + 1);
    tb_flush_page(tb, DID + 1, 0x1000, 0);
    g_assert_cmpuint(u->ev->len, ==, 0);
    rec_free(tb, u);
    tb_free(tb);
}

static void test_deviotlb(void)
{
    TB *tb = tb_cm(CM ",device-iotlb=on");
    Rec *d = rec_new(IOMMU_NOTIFIER_DEVIOTLB_UNMAP, 0, HWADDR_MAX);
    Rec *r = rec_new(IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX);

    tb_enable(tb, false);
    rec_register(tb, d);
    rec_register(tb, r);
    g_assert_cmpuint(d->ev->len, ==, 0);
    clear(r);

    wrq(tb->env, VTD_REG_IQA, 0x180000);
    wrl(tb->env, VTD_REG_GCMD, VTD_GCMD_TE | VTD_GCMD_QIE);
    /* device-TLB invalidate of 00:04.0, one page at 0x5000 */
    ram_wq(tb->env, 0x180000, VTD_INV_DESC_DEVICE |
                              ((uint64_t)TB_DEVFN << 32));
    ram_wq(tb->env, 0x180008, 0x5000);
    /* with S: 0x7000 | S -> 8 KiB at 0x6000 */
    ram_wq(tb->env, 0x180010, VTD_INV_DESC_DEVICE |
                              ((uint64_t)TB_DEVFN << 32));
    ram_wq(tb->env, 0x180018, 0x6000 | 1);
    /* another device: nothing here */
    ram_wq(tb->env, 0x180020, VTD_INV_DESC_DEVICE | (0x28ULL << 32));
    ram_wq(tb->env, 0x180028, 0x5000);
    wrq(tb->env, VTD_REG_IQT, 3 << 4);
    g_assert_cmphex(rdl(tb->env, VTD_REG_FSTS) & VTD_FSTS_IQE, ==, 0);
    g_assert_cmpuint(d->ev->len, ==, 2);
    ev_check(d, 0, IOMMU_NOTIFIER_DEVIOTLB_UNMAP, 0x5000, 0xfff, 0, 0);
    ev_check(d, 1, IOMMU_NOTIFIER_DEVIOTLB_UNMAP, 0x6000, 0x1fff, 0, 0);
    /* IOTLB notifiers are not told of device-TLB invalidations */
    g_assert_cmpuint(r->ev->len, ==, 0);
    rec_free(tb, r);
    rec_free(tb, d);
    tb_free(tb);
}

/* ---- translation on and off, root table, pass-through ---------------------- */

static void test_te_srtp_pt(void)
{
    TB *tb = tb_cm(CM);
    Rec *r = rec_new(IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX);

    tb_map(tb, 0x1000, 0x300000, 1, 3);
    /* registered before translation is on: nothing mapped yet */
    rec_register(tb, r);
    g_assert_cmpuint(count_type(r, IOMMU_NOTIFIER_MAP), ==, 0);
    clear(r);
    tb_enable(tb, false);
    /* SRTP and TE: the whole range unmapped (QEMU's refresh); the guest
     * then invalidates, which maps */
    g_assert_cmpuint(count_type(r, IOMMU_NOTIFIER_MAP), ==, 0);
    g_assert_cmpuint(count_type(r, IOMMU_NOTIFIER_UNMAP), ==, 2);
    clear(r);
    tb_flush_all(tb);
    g_assert_cmpuint(r->ev->len, ==, 1);
    ev_check(r, 0, IOMMU_NOTIFIER_MAP, 0x1000, 0xfff, 0x300000, IOMMU_RW);

    /* pass-through: the device's AS switches to no-DMAR; its maps go */
    clear(r);
    ram_wq(tb->env, TB_CTX + TB_DEVFN * 16,
           ram_rq(tb->env, TB_CTX + TB_DEVFN * 16) | (2 << 2));
    wrq(tb->env, VTD_REG_CCMD, VTD_CCMD_ICC | (1ULL << VTD_CCMD_CIRG_SHIFT));
    g_assert_false(tb->as->use_iommu);
    g_assert_cmpuint(r->ev->len, ==, 1);
    ev_check(r, 0, IOMMU_NOTIFIER_UNMAP, 0, (1ULL << 48) - 1, 0, 0);
    /* and back */
    clear(r);
    ram_wq(tb->env, TB_CTX + TB_DEVFN * 16,
           ram_rq(tb->env, TB_CTX + TB_DEVFN * 16) & ~(3ULL << 2));
    wrq(tb->env, VTD_REG_CCMD, VTD_CCMD_ICC | (3ULL << VTD_CCMD_CIRG_SHIFT) |
                               ((uint64_t)TB_DEVFN << 16));
    g_assert_true(tb->as->use_iommu);
    g_assert_cmpuint(r->ev->len, ==, 1);
    ev_check(r, 0, IOMMU_NOTIFIER_MAP, 0x1000, 0xfff, 0x300000, IOMMU_RW);

    /* TE off: unmapped */
    clear(r);
    wrl(tb->env, VTD_REG_GCMD, 0);
    g_assert_false(tb->as->use_iommu);
    g_assert_cmpuint(r->ev->len, ==, 1);
    ev_check(r, 0, IOMMU_NOTIFIER_UNMAP, 0, (1ULL << 48) - 1, 0, 0);
    g_assert_cmpuint(iova_tree_count(tb->as->iova_tree), ==, 0);
    rec_free(tb, r);
    tb_free(tb);
}

/* ---- scalable mode ------------------------------------------------------------- */

static void test_scalable(void)
{
    TB *tb = tb_new(CM ",x-scalable-mode=on");
    Rec *r = rec_new(IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX);

    tb_scalable(tb, 4, 2, 9, 0);
    tb_map(tb, 0x1000, 0x300000, 1, 3);
    tb_enable(tb, true);
    rec_register(tb, r);
    g_assert_cmpuint(count_type(r, IOMMU_NOTIFIER_MAP), ==, 1);
    clear(r);
    /* the domain is the PASID entry's */
    tb_map(tb, 0x2000, 0x301000, 1, 3);
    tb_flush_page(tb, DID, 0x2000, 0);
    g_assert_cmpuint(r->ev->len, ==, 0);
    tb_flush_page(tb, 9, 0x2000, 0);
    g_assert_cmpuint(r->ev->len, ==, 1);
    /* PASID-based selection: RID_PASID 0 is this address space's */
    clear(r);
    tb_unmap(tb, 0x2000, 1);
    vtd_sync_notifiers_page(tb->env->s, 9, 0x2000, 0, 7);
    g_assert_cmpuint(r->ev->len, ==, 0);
    vtd_sync_notifiers_page(tb->env->s, 9, 0x2000, 0, 0);
    g_assert_cmpuint(r->ev->len, ==, 1);
    ev_check(r, 0, IOMMU_NOTIFIER_UNMAP, 0x2000, 0xfff, 0, 0);
    rec_free(tb, r);
    tb_free(tb);
}

/* ---- bad tables --------------------------------------------------------------- */

static void test_aliased_tables_bounded(void)
{
    TB *tb = tb_cm(CM);
    Rec *r = rec_new(IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX);
    IntelIOMMUState *s = tb->env->s;
    hwaddr top = tb->top;
    gint64 t0;

    tb_enable(tb, false);
    rec_register(tb, r);
    /* every PML4 entry points at the PML4: 2^36 "pages"; a global
     * invalidation looks at a bounded number of entries and remembers a
     * bounded number of maps */
    for (unsigned i = 0; i < 512; i++) {
        ram_wq(tb->env, top + i * 8, top | 3);
    }
    t0 = g_get_monotonic_time();
    tb_flush_all(tb);
    g_assert_cmpuint(s->sync_truncated, ==, 2);  /* context, IOTLB */
    g_test_message("two syncs of aliased tables: %" G_GINT64_FORMAT " ms",
                   (g_get_monotonic_time() - t0) / 1000);
    g_assert_cmpuint(iova_tree_count(tb->as->iova_tree), <=, 1u << 21);
    g_assert_cmpint(g_get_monotonic_time() - t0, <, 60 * G_USEC_PER_SEC);
    /* clearing them unmaps what was told */
    for (unsigned i = 0; i < 512; i++) {
        ram_wq(tb->env, top + i * 8, 0);
    }
    tb_flush_all(tb);
    g_assert_cmpuint(iova_tree_count(tb->as->iova_tree), ==, 0);
    rec_free(tb, r);
    tb_free(tb);
}

/* One tail write with thousands of global IOTLB invalidations of aliased
 * tables: the syncs of the write together look at no more than
 * VTD_SYNC_WRITE_BUDGET entries; every descriptor is still processed; the
 * syncs past the budget leave the notifiers told that nothing is mapped
 * (never a stale mapping), and the next invalidation resyncs in full. */
#define STORM_IQ 0x1000000ULL           /* 32768 descriptors: 512 KiB */
#define STORM_STATUS 0x1100000ULL
#define STORM_N 4096

static void storm_desc(TB *tb, unsigned i, uint64_t lo, uint64_t hi)
{
    ram_wq(tb->env, STORM_IQ + i * 16ULL, lo);
    ram_wq(tb->env, STORM_IQ + i * 16ULL + 8, hi);
}

static gboolean collect_map(const DMAMap *m, gpointer data)
{
    g_array_append_val((GArray *)data, *m);
    return FALSE;
}

static void test_queue_storm_budget(void)
{
    TB *tb = tb_cm(CM);
    Rec *r = rec_new(IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX);
    Rec *r2 = rec_new(IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX);
    IntelIOMMUState *s = tb->env->s;
    hwaddr top = tb->top;
    uint64_t pml4e0, entries0, tail;
    g_autoptr(GArray) maps = g_array_new(FALSE, FALSE, sizeof(DMAMap));
    Ev *last;

    tb_map(tb, 0x1000, 0x300000, 1, 3);
    tb_enable(tb, false);
    rec_register(tb, r);
    g_assert_cmpuint(iova_tree_count(tb->as->iova_tree), ==, 1);
    wrq(tb->env, VTD_REG_IQA, STORM_IQ | 7);
    wrl(tb->env, VTD_REG_GCMD, VTD_GCMD_TE | VTD_GCMD_QIE);
    g_assert_cmpuint(s->iq_size, ==, 32768);

    /* every PML4 entry points at the PML4; STORM_N global IOTLB
     * invalidations, then a wait with a status write */
    pml4e0 = ram_rq(tb->env, top);
    for (unsigned i = 0; i < 512; i++) {
        ram_wq(tb->env, top + i * 8, top | 3);
    }
    for (unsigned i = 0; i < STORM_N; i++) {
        storm_desc(tb, i, 0x12, 0);
    }
    storm_desc(tb, STORM_N, 0x0000123400000025ULL, STORM_STATUS);
    ram_wq(tb->env, STORM_STATUS, 0);
    clear(r);
    entries0 = s->stats.sync_entries;
    tail = (uint64_t)(STORM_N + 1) << 4;
    wrq(tb->env, VTD_REG_IQT, tail);

    /* every descriptor processed, the wait completed */
    g_assert_cmphex(rdq(tb->env, VTD_REG_IQH), ==, tail);
    g_assert_cmphex(rdl(tb->env, VTD_REG_FSTS), ==, 0);
    g_assert_cmpuint(s->stats.inv_iotlb_global, ==, STORM_N);
    g_assert_cmphex(ram_rl(tb->env, STORM_STATUS), ==, 0x1234);
    /* the work of the write is bounded: the first sync stops at its own
     * budget, the second at what the write has left, the others are not
     * begun */
    g_assert_cmpuint(s->stats.sync_entries - entries0, <=,
                     VTD_SYNC_WRITE_BUDGET);
    g_assert_cmpuint(s->stats.sync_entries - entries0, ==,
                     VTD_SYNC_WRITE_BUDGET);
    g_assert_cmpuint(s->sync_truncated, ==, 1);
    g_assert_cmpuint(s->stats.sync_budget_exceeded, ==, 1);
    g_assert_cmpuint(s->stats.sync_budget_skipped, ==, STORM_N - 1);
    /* what the notifier was told last: its whole range unmapped, once */
    g_assert_cmpuint(r->ev->len, >, 0);
    last = ev_at(r, r->ev->len - 1);
    g_assert_cmpint(last->type, ==, IOMMU_NOTIFIER_UNMAP);
    g_assert_cmphex(last->iova, ==, 0);
    g_assert_cmphex(last->mask, ==, (1ULL << 48) - 1);
    g_assert_cmpuint(count_type(r, IOMMU_NOTIFIER_UNMAP), <=, 3);
    g_assert_cmpuint(iova_tree_count(tb->as->iova_tree), ==, 0);
    g_assert_true(tb->as->resync_pending);
    /* the device reaches nothing through the notifier's user now, which
     * is safe; the tables as the guest wrote them still translate */
    g_assert_cmphex(tb_translate(tb, 0x7000, false).translated_addr, ==,
                    top);

    /* the guest repairs its tables and invalidates one page: the pending
     * resync covers the whole space, with a budget of its own */
    ram_wq(tb->env, top, pml4e0);
    for (unsigned i = 1; i < 512; i++) {
        ram_wq(tb->env, top + i * 8, 0);
    }
    tb_map(tb, 0x40000000, 0x305000, 1, 1);
    clear(r);
    storm_desc(tb, STORM_N + 1, 0x0000000000050032ULL, 0x9000);
    storm_desc(tb, STORM_N + 2, 0x0000567800000025ULL, STORM_STATUS);
    tail = (uint64_t)(STORM_N + 3) << 4;
    wrq(tb->env, VTD_REG_IQT, tail);
    g_assert_cmphex(rdq(tb->env, VTD_REG_IQH), ==, tail);
    g_assert_cmphex(ram_rl(tb->env, STORM_STATUS), ==, 0x5678);
    g_assert_false(tb->as->resync_pending);
    g_assert_cmpuint(s->stats.sync_budget_exceeded, ==, 1);
    g_assert_cmpuint(r->ev->len, ==, 2);
    ev_check(r, 0, IOMMU_NOTIFIER_MAP, 0x1000, 0xfff, 0x300000, IOMMU_RW);
    ev_check(r, 1, IOMMU_NOTIFIER_MAP, 0x40000000, 0xfff, 0x305000,
             IOMMU_RO);
    /* the tree matches the tables, and a fresh replay says the same */
    iova_tree_foreach_range(tb->as->iova_tree, 0, HWADDR_MAX, collect_map,
                            maps);
    g_assert_cmpuint(maps->len, ==, 2);
    g_assert_cmphex(g_array_index(maps, DMAMap, 0).iova, ==, 0x1000);
    g_assert_cmphex(g_array_index(maps, DMAMap, 0).translated_addr, ==,
                    0x300000);
    g_assert_cmphex(g_array_index(maps, DMAMap, 1).iova, ==, 0x40000000);
    g_assert_cmphex(g_array_index(maps, DMAMap, 1).translated_addr, ==,
                    0x305000);
    rec_register(tb, r2);
    g_assert_cmpuint(r2->ev->len, ==, 3);
    ev_check(r2, 0, IOMMU_NOTIFIER_UNMAP, 0, (1ULL << 48) - 1, 0, 0);
    ev_check(r2, 1, IOMMU_NOTIFIER_MAP, 0x1000, 0xfff, 0x300000, IOMMU_RW);
    ev_check(r2, 2, IOMMU_NOTIFIER_MAP, 0x40000000, 0xfff, 0x305000,
             IOMMU_RO);
    rec_free(tb, r2);
    rec_free(tb, r);
    tb_free(tb);
}

/* A notifier that unregisters itself and another one from its callback */
typedef struct Quitter {
    IOMMUNotifier n;
    TB *tb;
    IOMMUNotifier *other;
    unsigned calls;
} Quitter;

static void quitter_notify(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    Quitter *q = (Quitter *)n;

    q->calls++;
    memory_region_unregister_iommu_notifier(MEMORY_REGION(&q->tb->as->iommu),
                                            n);
    if (q->other) {
        memory_region_unregister_iommu_notifier(
            MEMORY_REGION(&q->tb->as->iommu), q->other);
    }
}

static void test_unregister_in_callback(void)
{
    TB *tb = tb_cm(CM);
    Rec *r = rec_new(IOMMU_NOTIFIER_IOTLB_EVENTS, 0x100000, 0x1fffff);
    Quitter q = { .tb = tb };
    g_autoptr(GError) err = NULL;

    for (unsigned i = 0; i < 8; i++) {
        tb_map(tb, 0x100000 + i * 0x1000ULL, 0x300000, 1, 3);
    }
    tb_enable(tb, false);
    rec_register(tb, r);
    iommu_notifier_init(&q.n, quitter_notify, IOMMU_NOTIFIER_IOTLB_EVENTS,
                        0, HWADDR_MAX, 0);
    q.other = &r->n;
    g_assert_true(memory_region_register_iommu_notifier(
        MEMORY_REGION(&tb->as->iommu), &q.n, &err));
    for (unsigned i = 0; i < 8; i++) {
        tb_unmap(tb, 0x100000 + i * 0x1000ULL, 1);
    }
    tb_flush_all(tb);
    g_assert_cmpuint(q.calls, ==, 1);
    g_assert_null(iommu_notifier_region(&r->n));
    g_assert_null(tb->env->s->vtd_as_with_notifiers);
    g_array_free(r->ev, TRUE);
    g_free(r);
    tb_free(tb);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vtd/notify/map-refused-without-cm",
                    test_map_refused_without_cm);
    g_test_add_func("/vtd/notify/replay", test_replay);
    g_test_add_func("/vtd/notify/psi-sequences", test_psi_sequences);
    g_test_add_func("/vtd/notify/psi-superpages", test_psi_superpages);
    g_test_add_func("/vtd/notify/domain-global", test_domain_global);
    g_test_add_func("/vtd/notify/ranges", test_ranges);
    g_test_add_func("/vtd/notify/piece-past-range", test_piece_past_range);
    g_test_add_func("/vtd/notify/many-changes", test_many_changes);
    g_test_add_func("/vtd/notify/reentrant-sync", test_reentrant_sync);
    g_test_add_func("/vtd/notify/unmap-only", test_unmap_only);
    g_test_add_func("/vtd/notify/deviotlb", test_deviotlb);
    g_test_add_func("/vtd/notify/te-srtp-pt", test_te_srtp_pt);
    g_test_add_func("/vtd/notify/scalable", test_scalable);
    g_test_add_func("/vtd/notify/aliased-tables-bounded",
                    test_aliased_tables_bounded);
    g_test_add_func("/vtd/notify/queue-storm-budget",
                    test_queue_storm_budget);
    g_test_add_func("/vtd/notify/unregister-in-callback",
                    test_unregister_in_callback);
    return g_test_run();
}
