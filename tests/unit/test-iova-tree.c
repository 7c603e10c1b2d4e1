/*
 * test-iova-tree.c - the IOVA tree: QEMU util/iova-tree semantics (inclusive
 * sizes, overlap refusal, remove of every overlapping map, find_address,
 * find_iova, alloc_map) and costs that follow the maps, not the range.
 */
#include "iommu/iova-tree.h"

static DMAMap mk(hwaddr iova, hwaddr taddr, hwaddr size, IOMMUAccessFlags p)
{
    return (DMAMap){ .iova = iova, .translated_addr = taddr, .size = size,
                     .perm = p };
}

static void test_insert_overlap(void)
{
    g_autoptr(IOVATree) t = iova_tree_new();
    DMAMap a = mk(0x1000, 0x10000, 0xfff, IOMMU_RW);
    DMAMap b;

    g_assert_cmpint(iova_tree_insert(t, &a), ==, IOVA_OK);
    /* size is inclusive: 0x1000..0x1fff taken, 0x2000 free */
    b = mk(0x1fff, 0, 0, IOMMU_RO);
    g_assert_cmpint(iova_tree_insert(t, &b), ==, IOVA_ERR_OVERLAP);
    b = mk(0x0, 0, 0x1000, IOMMU_RO); /* 0..0x1000 touches 0x1000 */
    g_assert_cmpint(iova_tree_insert(t, &b), ==, IOVA_ERR_OVERLAP);
    b = mk(0x0, 0, 0xfff, IOMMU_RO);
    g_assert_cmpint(iova_tree_insert(t, &b), ==, IOVA_OK);
    b = mk(0x2000, 0, 0xfff, IOMMU_WO);
    g_assert_cmpint(iova_tree_insert(t, &b), ==, IOVA_OK);
    g_assert_cmpuint(iova_tree_count(t), ==, 3);
    /* a range spanning all three overlaps */
    b = mk(0x800, 0, 0x2000, IOMMU_RW);
    g_assert_cmpint(iova_tree_insert(t, &b), ==, IOVA_ERR_OVERLAP);
    g_assert_cmpuint(iova_tree_count(t), ==, 3);
}

static void test_insert_invalid(void)
{
    g_autoptr(IOVATree) t = iova_tree_new();
    DMAMap m = mk(0x1000, 0, 0xfff, IOMMU_NONE);

    g_assert_cmpint(iova_tree_insert(t, &m), ==, IOVA_ERR_INVALID);
    m = mk(UINT64_MAX - 0xfff, 0, 0x1000, IOMMU_RW); /* wraps */
    g_assert_cmpint(iova_tree_insert(t, &m), ==, IOVA_ERR_INVALID);
    m = mk(UINT64_MAX - 0xfff, 0, 0xfff, IOMMU_RW); /* ends at 2^64-1 */
    g_assert_cmpint(iova_tree_insert(t, &m), ==, IOVA_OK);
    m = mk(0, 0, UINT64_MAX, IOMMU_RW); /* all of 2^64 overlaps it */
    g_assert_cmpint(iova_tree_insert(t, &m), ==, IOVA_ERR_OVERLAP);
    g_assert_cmpuint(iova_tree_count(t), ==, 1);
}

static void test_find(void)
{
    g_autoptr(IOVATree) t = iova_tree_new();
    DMAMap a = mk(0x10000, 0x500000, 0x1fff, IOMMU_RW);
    DMAMap b = mk(0x20000, 0x400000, 0x0fff, IOMMU_RO);
    DMAMap needle;
    const DMAMap *f;

    iova_tree_insert(t, &a);
    iova_tree_insert(t, &b);
    g_assert_null(iova_tree_find_address(t, 0xffff));
    f = iova_tree_find_address(t, 0x10000);
    g_assert_nonnull(f);
    g_assert_cmphex(f->translated_addr, ==, 0x500000);
    f = iova_tree_find_address(t, 0x11fff);
    g_assert_nonnull(f);
    g_assert_cmphex(f->iova, ==, 0x10000);
    g_assert_null(iova_tree_find_address(t, 0x12000));
    g_assert_cmphex(iova_tree_find_address(t, 0x20abc)->perm, ==, IOMMU_RO);

    needle = mk(0x12000, 0, 0xe000, IOMMU_NONE); /* 0x12000..0x20000 */
    f = iova_tree_find(t, &needle);
    g_assert_nonnull(f);
    g_assert_cmphex(f->iova, ==, 0x20000);

    /* by translated address: 0x401000.. is free, 0x400fff is in b */
    needle = mk(0, 0x401000, 0xff, IOMMU_NONE);
    g_assert_null(iova_tree_find_iova(t, &needle));
    needle = mk(0, 0x400f00, 0xff, IOMMU_NONE);
    f = iova_tree_find_iova(t, &needle);
    g_assert_nonnull(f);
    g_assert_cmphex(f->iova, ==, 0x20000);
    needle = mk(0, 0x501fff, 0, IOMMU_NONE);
    g_assert_cmphex(iova_tree_find_iova(t, &needle)->iova, ==, 0x10000);
}

static void test_remove_overlapping(void)
{
    g_autoptr(IOVATree) t = iova_tree_new();

    for (hwaddr i = 0; i < 8; i++) {
        DMAMap m = mk(i * 0x10000, i * 0x1000, 0x1fff, IOMMU_RW);
        g_assert_cmpint(iova_tree_insert(t, &m), ==, IOVA_OK);
    }
    /* [0x21000, 0x40000] touches the maps at 0x20000 (partly), 0x30000 and
     * 0x40000 (its first byte): all three go, whole */
    iova_tree_remove(t, mk(0x21000, 0, 0x1f000, IOMMU_NONE));
    g_assert_cmpuint(iova_tree_count(t), ==, 5);
    g_assert_null(iova_tree_find_address(t, 0x20000));
    g_assert_null(iova_tree_find_address(t, 0x30000));
    g_assert_null(iova_tree_find_address(t, 0x40000));
    g_assert_nonnull(iova_tree_find_address(t, 0x10000));
    g_assert_nonnull(iova_tree_find_address(t, 0x50000));
    /* a range that touches nothing removes nothing */
    iova_tree_remove(t, mk(0x22000, 0, 0xd000, IOMMU_NONE));
    g_assert_cmpuint(iova_tree_count(t), ==, 5);
    /* all of 2^64 */
    iova_tree_remove(t, mk(0, 0, UINT64_MAX, IOMMU_NONE));
    g_assert_cmpuint(iova_tree_count(t), ==, 0);
}

typedef struct Walk {
    GArray *iovas;
    guint stop_after;
} Walk;

static gboolean walk_cb(const DMAMap *m, gpointer data)
{
    Walk *w = data;
    g_array_append_val(w->iovas, m->iova);
    return w->stop_after && w->iovas->len >= w->stop_after;
}

static void test_foreach(void)
{
    g_autoptr(IOVATree) t = iova_tree_new();
    Walk w = { .iovas = g_array_new(FALSE, FALSE, sizeof(hwaddr)) };
    hwaddr order[] = { 0x50000, 0x10000, 0x30000, 0x0, 0x40000 };

    for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
        DMAMap m = mk(order[i], 0, 0xffff, IOMMU_RW);
        iova_tree_insert(t, &m);
    }
    iova_tree_foreach(t, walk_cb, &w);
    g_assert_cmpuint(w.iovas->len, ==, 5);
    for (guint i = 0; i < 5; i++) {
        hwaddr want = (i < 2 ? i : i + 1) * 0x10000; /* no 0x20000 */
        g_assert_cmphex(g_array_index(w.iovas, hwaddr, i), ==, want);
    }
    /* range walk: [0x1ffff, 0x40000] -> 0x10000, 0x30000, 0x40000 */
    g_array_set_size(w.iovas, 0);
    iova_tree_foreach_range(t, 0x1ffff, 0x40000, walk_cb, &w);
    g_assert_cmpuint(w.iovas->len, ==, 3);
    g_assert_cmphex(g_array_index(w.iovas, hwaddr, 0), ==, 0x10000);
    g_assert_cmphex(g_array_index(w.iovas, hwaddr, 2), ==, 0x40000);
    /* stop early */
    g_array_set_size(w.iovas, 0);
    w.stop_after = 2;
    iova_tree_foreach(t, walk_cb, &w);
    g_assert_cmpuint(w.iovas->len, ==, 2);
    g_array_free(w.iovas, TRUE);
}

static void test_alloc(void)
{
    g_autoptr(IOVATree) t = iova_tree_new();
    DMAMap m;

    /* empty tree: the lowest address at or above begin */
    m = mk(0, 0x1000, 0xfff, IOMMU_RW);
    g_assert_cmpint(iova_tree_alloc_map(t, &m, 0x1000, 0xffffff), ==,
                    IOVA_OK);
    g_assert_cmphex(m.iova, ==, 0x1000);
    /* next one goes right after it */
    m = mk(0, 0x2000, 0x1fff, IOMMU_RW);
    g_assert_cmpint(iova_tree_alloc_map(t, &m, 0x1000, 0xffffff), ==,
                    IOVA_OK);
    g_assert_cmphex(m.iova, ==, 0x2000);
    /* a map at 0x6000: the hole 0x4000..0x5fff holds 0x2000 bytes */
    m = mk(0x6000, 0, 0xfff, IOMMU_RW);
    iova_tree_insert(t, &m);
    m = mk(0, 0, 0x2000, IOMMU_RW); /* 0x2001 bytes: does not fit */
    g_assert_cmpint(iova_tree_alloc_map(t, &m, 0x1000, 0xffffff), ==,
                    IOVA_OK);
    g_assert_cmphex(m.iova, ==, 0x7000);
    m = mk(0, 0, 0x1fff, IOMMU_RW); /* exactly fits */
    g_assert_cmpint(iova_tree_alloc_map(t, &m, 0x1000, 0xffffff), ==,
                    IOVA_OK);
    g_assert_cmphex(m.iova, ==, 0x4000);
    /* begin inside a map: start after it */
    m = mk(0, 0, 0xfff, IOMMU_RW);
    g_assert_cmpint(iova_tree_alloc_map(t, &m, 0x2800, 0xffffff), ==,
                    IOVA_OK);
    g_assert_cmphex(m.iova, ==, 0x9001); /* after 0x7000..0x9000 */
    /* the window [begin, last] is respected */
    m = mk(0x1234, 0, 0xfff, IOMMU_RW);
    g_assert_cmpint(iova_tree_alloc_map(t, &m, 0x1000, 0x9fff), ==,
                    IOVA_ERR_NOMEM);
    g_assert_cmphex(m.iova, ==, 0x1234); /* unchanged on failure */
    g_assert_cmpint(iova_tree_alloc_map(t, &m, 0x1000, 0xafff), ==,
                    IOVA_ERR_NOMEM); /* 0xa001..0xb000 ends past 0xafff */
    g_assert_cmpint(iova_tree_alloc_map(t, &m, 0x1000, 0xb000), ==,
                    IOVA_OK);
    g_assert_cmphex(m.iova, ==, 0xa001);
    g_assert_cmpint(iova_tree_alloc_map(t, &m, 0x2000, 0x1000), ==,
                    IOVA_ERR_INVALID);
    m.perm = IOMMU_NONE;
    g_assert_cmpint(iova_tree_alloc_map(t, &m, 0, UINT64_MAX), ==,
                    IOVA_ERR_INVALID);
}

static void test_alloc_top(void)
{
    g_autoptr(IOVATree) t = iova_tree_new();
    DMAMap m = mk(0, 0, 0xfff, IOMMU_RW);

    /* the last page of the 64-bit space can be handed out */
    g_assert_cmpint(iova_tree_alloc_map(t, &m, UINT64_MAX - 0xfff,
                                        UINT64_MAX), ==, IOVA_OK);
    g_assert_cmphex(m.iova, ==, UINT64_MAX - 0xfff);
    m = mk(0, 0, 0, IOMMU_RW);
    g_assert_cmpint(iova_tree_alloc_map(t, &m, UINT64_MAX - 0xfff,
                                        UINT64_MAX), ==, IOVA_ERR_NOMEM);
    /* all of 2^64 in an empty tree */
    {
        g_autoptr(IOVATree) t2 = iova_tree_new();
        DMAMap all = mk(5, 0, UINT64_MAX, IOMMU_RW);
        g_assert_cmpint(iova_tree_alloc_map(t2, &all, 0, UINT64_MAX), ==,
                        IOVA_OK);
        g_assert_cmphex(all.iova, ==, 0);
        DMAMap one = mk(0, 0, 0, IOMMU_RW);
        g_assert_cmpint(iova_tree_alloc_map(t2, &one, 0, UINT64_MAX), ==,
                        IOVA_ERR_NOMEM);
    }
}

/* Removing all of 2^64 with ten maps in it must not walk the range: it is
 * bounded by the maps (we time it against a generous bound). */
static void test_remove_cost(void)
{
    g_autoptr(IOVATree) t = iova_tree_new();
    gint64 t0;

    for (hwaddr i = 0; i < 10; i++) {
        DMAMap m = mk(i << 40, 0, 0xfff, IOMMU_RW);
        iova_tree_insert(t, &m);
    }
    t0 = g_get_monotonic_time();
    for (int rep = 0; rep < 1000; rep++) {
        iova_tree_remove(t, mk(0, 0, UINT64_MAX, IOMMU_NONE));
        for (hwaddr i = 0; i < 10; i++) {
            DMAMap m = mk(i << 40, 0, 0xfff, IOMMU_RW);
            iova_tree_insert(t, &m);
        }
    }
    g_assert_cmpuint(iova_tree_count(t), ==, 10);
    g_assert_cmpint(g_get_monotonic_time() - t0, <, 2 * G_USEC_PER_SEC);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/iova-tree/insert-overlap", test_insert_overlap);
    g_test_add_func("/iova-tree/insert-invalid", test_insert_invalid);
    g_test_add_func("/iova-tree/find", test_find);
    g_test_add_func("/iova-tree/remove-overlapping", test_remove_overlapping);
    g_test_add_func("/iova-tree/foreach", test_foreach);
    g_test_add_func("/iova-tree/alloc", test_alloc);
    g_test_add_func("/iova-tree/alloc-top", test_alloc_top);
    g_test_add_func("/iova-tree/remove-cost", test_remove_cost);
    return g_test_run();
}
