/* test-flatview.c - rendering rules of QEMU's memory API */
#include "test-helpers.h"

/* docs/devel/memory.rst, "Overlapping regions and priority": B (container,
 * prio 2) over C (MMIO, prio 1); D and E show through B, C fills B's holes. */
static void test_overlap_a_to_e(void)
{
    MemoryRegion *a = memory_region_new_container("A", 0x8000);
    MemoryRegion *b = memory_region_new_container("B", 0x4000);
    MemoryRegion *c = memory_region_new_io(NULL, NULL, "C", 0x6000);
    test_add(b, 0x0, memory_region_new_io(NULL, NULL, "D", 0x1000), 0);
    test_add(b, 0x2000, memory_region_new_io(NULL, NULL, "E", 0x1000), 0);
    test_add(a, 0x2000, b, 2);
    test_add(a, 0x0, c, 1);
    AddressSpace *as = address_space_new(a, "a-to-e");
    assert_view(as, "0-1fff C@0;2000-2fff D@0;3000-3fff C@3000;"
                    "4000-4fff E@0;5000-5fff C@5000");
    address_space_destroy(as);
    memory_region_unref(a);
}

/* Same, but B has its own MMIO: B fills its own holes. */
static void test_overlap_a_to_e_terminating(void)
{
    MemoryRegion *a = memory_region_new_container("A", 0x8000);
    MemoryRegion *b = memory_region_new_io(NULL, NULL, "B", 0x4000);
    test_add(b, 0x0, memory_region_new_io(NULL, NULL, "D", 0x1000), 0);
    test_add(b, 0x2000, memory_region_new_io(NULL, NULL, "E", 0x1000), 0);
    test_add(a, 0x2000, b, 2);
    test_add(a, 0x0, memory_region_new_io(NULL, NULL, "C", 0x6000), 1);
    AddressSpace *as = address_space_new(a, "a-to-e-b");
    assert_view(as, "0-1fff C@0;2000-2fff D@0;3000-3fff B@1000;"
                    "4000-4fff E@0;5000-5fff B@3000");
    address_space_destroy(as);
    memory_region_unref(a);
}

/* Equal priorities: the region added later wins where they overlap. */
static void test_priority_tie_later_wins(void)
{
    MemoryRegion *root = memory_region_new_container("root", 0x10000);
    test_add(root, 0x0, memory_region_new_io(NULL, NULL, "first", 0x2000), 0);
    test_add(root, 0x1000, memory_region_new_io(NULL, NULL, "second", 0x2000), 0);
    AddressSpace *as = address_space_new(root, "tie");
    assert_view(as, "0-fff first@0;1000-2fff second@0");

    /* moving "first" re-adds it: it becomes the newer one and wins */
    memory_region_set_address(memory_region_subregion(root, 1), 0x800);
    assert_view(as, "800-27ff first@0;2800-2fff second@1800");
    address_space_destroy(as);
    memory_region_unref(root);
}

/* Priorities only compare between siblings. */
static void test_priority_is_local(void)
{
    MemoryRegion *root = memory_region_new_container("root", 0x10000);
    MemoryRegion *low = memory_region_new_container("low", 0x4000);
    test_add(low, 0, memory_region_new_io(NULL, NULL, "inner-high", 0x4000), 100);
    test_add(root, 0, low, -1);
    test_add(root, 0x1000, memory_region_new_io(NULL, NULL, "top", 0x1000), 0);
    AddressSpace *as = address_space_new(root, "local");
    assert_view(as, "0-fff inner-high@0;1000-1fff top@0;2000-3fff inner-high@2000");
    address_space_destroy(as);
    memory_region_unref(root);
}

/* An alias of an alias composes offsets; windows are clipped. */
static void test_alias_of_alias(void)
{
    g_autoptr(GError) err = NULL;
    MemoryRegion *root = memory_region_new_container("root", UINT64_MAX);
    MemoryRegion *ram = test_ram("ram", 0x100000);
    MemoryRegion *a1 = memory_region_new_alias("a1", ram, 0x10000, 0x20000, &err);
    g_assert_no_error(err);
    MemoryRegion *a2 = memory_region_new_alias("a2", a1, 0x1000, 0x2000, &err);
    g_assert_no_error(err);
    test_add(root, 0x500000, a2, 0);
    AddressSpace *as = address_space_new(root, "alias2");
    assert_view(as, "500000-501fff ram@11000");

    g_assert_true(memory_region_set_alias_offset(a1, 0x20000, &err));
    assert_view(as, "500000-501fff ram@21000");

    /* a window beyond the target is refused and changes nothing */
    g_assert_false(memory_region_set_alias_offset(a2, 0x1f000, &err));
    g_assert_error(err, IOMMUSIM_MEMORY_ERROR, MEMORY_ERROR_INVALID);
    assert_view(as, "500000-501fff ram@21000");

    memory_region_unref(a1);
    memory_region_unref(ram);
    address_space_destroy(as);
    memory_region_unref(root);
}

/* An alias subtracts the target's own addr: it shows the target's contents. */
static void test_alias_ignores_target_addr(void)
{
    g_autoptr(GError) err = NULL;
    MemoryRegion *root = memory_region_new_container("root", UINT64_MAX);
    MemoryRegion *ram = test_ram("ram", 0x10000);
    memory_region_ref(ram);
    test_add(root, 0x40000, ram, 0);
    test_add(root, 0x80000, memory_region_new_alias("al", ram, 0x8000, 0x8000, &err), 0);
    AddressSpace *as = address_space_new(root, "alias-addr");
    assert_view(as, "40000-4ffff ram@0;80000-87fff ram@8000");
    memory_region_set_enabled(ram, false);
    assert_view(as, "");
    memory_region_unref(ram);
    address_space_destroy(as);
    memory_region_unref(root);
}

/* A terminating region is the background of its children. */
static void test_region_as_background(void)
{
    MemoryRegion *root = memory_region_new_container("root", 0x10000);
    MemoryRegion *io = memory_region_new_io(NULL, NULL, "io", 0x10000);
    test_add(io, 0x10, memory_region_new_io(NULL, NULL, "dev", 0x10), 0);
    test_add(root, 0, io, 0);
    AddressSpace *as = address_space_new(root, "bg");
    assert_view(as, "0-f io@0;10-1f dev@0;20-ffff io@20");
    address_space_destroy(as);
    memory_region_unref(root);
}

/* Regions that end at 2^64-1, and a root of size 2^64. */
static void test_end_of_address_space(void)
{
    MemoryRegion *root = memory_region_new_container("root", UINT64_MAX);
    test_add(root, 0xfffffffffffff000ull, test_ram("top", 0x1000), 0);
    test_add(root, 0xffffffffffff0000ull, memory_region_new_io(NULL, NULL, "big", 0x100000), -1);
    AddressSpace *as = address_space_new(root, "top");
    assert_view(as, "ffffffffffff0000-ffffffffffffefff big@0;"
                    "fffffffffffff000-ffffffffffffffff top@0");
    g_assert_cmpint(flatview_find(as->current_map, UINT64_MAX), ==, 1);
    g_assert_cmpint(flatview_find(as->current_map, 0xfffffffffffeffffull), ==, -1);
    address_space_destroy(as);
    memory_region_unref(root);

    /* an I/O region of 2^64 fills everything */
    MemoryRegion *all = memory_region_new_io(NULL, NULL, "all", UINT64_MAX);
    as = address_space_new(all, "all");
    assert_view(as, "0-ffffffffffffffff all@0");
    address_space_destroy(as);
    memory_region_unref(all);
}

/* readonly set on an alias or container reaches the leaves (rom). */
static void test_readonly_inherited(void)
{
    g_autoptr(GError) err = NULL;
    MemoryRegion *root = memory_region_new_container("root", UINT64_MAX);
    MemoryRegion *ram = test_ram("pc.ram", 0x100000);
    MemoryRegion *al = memory_region_new_alias("pam-rom", ram, 0xc0000, 0x4000, &err);
    memory_region_set_readonly(al, true);
    test_add(root, 0xc0000, al, 1);
    memory_region_ref(ram);
    test_add(root, 0, ram, 0);
    AddressSpace *as = address_space_new(root, "ro");
    assert_view(as, "0-bffff pc.ram@0;c0000-c3fff pc.ram@c0000 ro;c4000-fffff pc.ram@c4000");
    memory_region_set_readonly(al, false);
    assert_view(as, "0-fffff pc.ram@0");
    memory_region_unref(ram);
    address_space_destroy(as);
    memory_region_unref(root);
}

/* Adjacent pieces of one region with contiguous offsets merge. */
static void test_simplify_merges(void)
{
    g_autoptr(GError) err = NULL;
    MemoryRegion *root = memory_region_new_container("root", 0x100000);
    MemoryRegion *ram = test_ram("ram", 0x4000);
    test_add(root, 0x0, memory_region_new_alias("lo", ram, 0, 0x2000, &err), 0);
    test_add(root, 0x2000, memory_region_new_alias("hi", ram, 0x2000, 0x2000, &err), 0);
    test_add(root, 0x4000, memory_region_new_alias("again", ram, 0x0, 0x1000, &err), 0);
    AddressSpace *as = address_space_new(root, "merge");
    assert_view(as, "0-3fff ram@0;4000-4fff ram@0");
    memory_region_unref(ram);
    address_space_destroy(as);
    memory_region_unref(root);
}

/* Address spaces whose roots render the same share one FlatView. */
static void test_shared_flatviews(void)
{
    g_autoptr(GError) err = NULL;
    MemoryRegion *sys = memory_region_new_container("system", UINT64_MAX);
    test_add(sys, 0, test_ram("ram", 0x10000), 0);
    AddressSpace *as_sys = address_space_new(sys, "memory");

    MemoryRegion *bm = memory_region_new_container("bus master container", UINT64_MAX);
    MemoryRegion *bm_alias = memory_region_new_alias("bus master", sys, 0, UINT64_MAX, &err);
    g_assert_no_error(err);
    memory_region_ref(bm_alias);
    test_add(bm, 0, bm_alias, 0);
    AddressSpace *as_dev = address_space_new(bm, "dev");
    g_assert_true(as_dev->current_map == as_sys->current_map);

    /* disabling the alias gives the empty view, not shared with system */
    memory_region_set_enabled(bm_alias, false);
    g_assert_true(as_dev->current_map != as_sys->current_map);
    g_assert_null(as_dev->current_map->root);
    g_assert_cmpuint(as_dev->current_map->nr, ==, 0);
    memory_region_set_enabled(bm_alias, true);
    g_assert_true(as_dev->current_map == as_sys->current_map);

    /* a change below system reaches both */
    test_add(sys, 0x100000, memory_region_new_io(NULL, NULL, "mmio", 0x1000), 0);
    g_assert_true(as_dev->current_map == as_sys->current_map);
    assert_view(as_dev, "0-ffff ram@0;100000-100fff mmio@0");

    memory_region_unref(bm_alias);
    address_space_destroy(as_dev);
    memory_region_unref(bm);
    address_space_destroy(as_sys);
    memory_region_unref(sys);
}

/* Views that did not change are not rebuilt. */
static void test_unchanged_view_kept(void)
{
    MemoryRegion *r1 = memory_region_new_container("r1", 0x10000);
    MemoryRegion *r2 = memory_region_new_container("r2", 0x10000);
    test_add(r1, 0, test_ram("ram1", 0x1000), 0);
    test_add(r2, 0, test_ram("ram2", 0x1000), 0);
    AddressSpace *a1 = address_space_new(r1, "a1");
    AddressSpace *a2 = address_space_new(r2, "a2");
    FlatView *v1 = a1->current_map, *v2 = a2->current_map;
    test_add(r2, 0x2000, memory_region_new_io(NULL, NULL, "x", 0x10), 0);
    g_assert_true(a1->current_map == v1);
    g_assert_true(a2->current_map != v2);
    address_space_destroy(a1);
    address_space_destroy(a2);
    memory_region_unref(r1);
    memory_region_unref(r2);
}

/* Bad input to the tree gives errors and changes nothing. */
static void test_tree_errors(void)
{
    g_autoptr(GError) err = NULL;
    MemoryRegion *c = memory_region_new_container("c", 0x10000);
    MemoryRegion *d = memory_region_new_container("d", 0x1000);
    MemoryRegion *x = memory_region_new_io(NULL, NULL, "x", 0x10);

    g_assert_true(memory_region_add_subregion(c, 0, x, &err));
    g_assert_false(memory_region_add_subregion(d, 0, x, &err));
    g_assert_error(err, IOMMUSIM_MEMORY_ERROR, MEMORY_ERROR_BUSY);
    g_clear_error(&err);

    g_assert_false(memory_region_add_subregion(c, 0, c, &err)); /* itself */
    g_assert_error(err, IOMMUSIM_MEMORY_ERROR, MEMORY_ERROR_BUSY);
    g_clear_error(&err);

    g_assert_true(memory_region_add_subregion(c, 0x1000, d, &err));
    g_assert_false(memory_region_add_subregion(d, 0, c, &err)); /* ancestor */
    g_clear_error(&err);

    /* alias cycle: d holds an alias of c, and c holds d */
    MemoryRegion *al = memory_region_new_alias("al", c, 0, 0x100, &err);
    g_assert_no_error(err);
    MemoryRegion *e = memory_region_new_container("e", 0x1000);
    g_assert_true(memory_region_add_subregion(e, 0, al, &err));
    g_assert_false(memory_region_add_subregion(d, 0x100, e, &err));
    g_assert_nonnull(strstr(err->message, "cycle"));
    g_clear_error(&err);

    g_assert_false(memory_region_del_subregion(d, x, &err)); /* not a child */
    g_assert_error(err, IOMMUSIM_MEMORY_ERROR, MEMORY_ERROR_INVALID);
    g_clear_error(&err);

    g_assert_null(memory_region_new_alias("big", x, 0x8, 0x10, &err));
    g_assert_error(err, IOMMUSIM_MEMORY_ERROR, MEMORY_ERROR_INVALID);
    g_clear_error(&err);
    g_assert_null(memory_region_new_ram("zero", 0, NULL, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    MemoryRegion *y = memory_region_new_container("y", 1);
    g_assert_false(memory_region_add_subregion(al, 0, y, &err));
    g_clear_error(&err);
    memory_region_unref(y);

    g_assert_true(memory_region_del_subregion(c, x, &err));
    g_assert_cmpuint(memory_region_subregion_count(c), ==, 1);
    memory_region_unref(x);
    memory_region_unref(al);
    memory_region_unref(e);
    memory_region_unref(d);
    memory_region_unref(c);
}

/* A child reaching past its container is clipped to it. */
static void test_clip_to_parent(void)
{
    MemoryRegion *root = memory_region_new_container("root", UINT64_MAX);
    MemoryRegion *win = memory_region_new_container("win", 0x1000);
    test_add(win, 0x800, test_ram("ram", 0x10000), 0);
    test_add(root, 0x10000, win, 0);
    AddressSpace *as = address_space_new(root, "clip");
    assert_view(as, "10800-10fff ram@0");
    address_space_destroy(as);
    memory_region_unref(root);
}

/* Many overlapping equal-priority regions render like painting in order. */
static void test_overlap_sweep_matches_painting(void)
{
    MemoryRegion *root = memory_region_new_container("root", 0x100);
    /* added in order; each later one is on top */
    test_add(root, 0x00, memory_region_new_io(NULL, NULL, "a", 0x80), 0);
    test_add(root, 0x40, memory_region_new_io(NULL, NULL, "b", 0x80), 0);
    test_add(root, 0x20, memory_region_new_io(NULL, NULL, "c", 0x10), 0);
    test_add(root, 0x10, memory_region_new_io(NULL, NULL, "d", 0x100), -5);
    AddressSpace *as = address_space_new(root, "paint");
    assert_view(as, "0-1f a@0;20-2f c@0;30-3f a@30;40-bf b@0;c0-ff d@b0");
    address_space_destroy(as);
    memory_region_unref(root);
}

/* memory_region_ram_resize changes the block and the region's rendering. */
static void test_ram_resize(void)
{
    g_autoptr(GError) err = NULL;
    RAMBlockOptions opts = { .backend = RAM_BACKEND_ANON, .max_size = 0x10000 };
    MemoryRegion *root = memory_region_new_container("root", UINT64_MAX);
    MemoryRegion *ram = memory_region_new_ram("growing", 0x4000, &opts, &err);
    g_assert_no_error(err);
    memory_region_ref(ram);
    test_add(root, 0x100000, ram, 0);
    AddressSpace *as = address_space_new(root, "resize");
    assert_view(as, "100000-103fff growing@0");

    g_assert_true(memory_region_ram_resize(ram, 0x8000, &err));
    g_assert_no_error(err);
    assert_view(as, "100000-107fff growing@0");
    g_assert_cmpuint(ram_block_used_length(ram->ram_block), ==, 0x8000);

    /* beyond max_size: refused, nothing changes */
    g_assert_false(memory_region_ram_resize(ram, 0x20000, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    assert_view(as, "100000-107fff growing@0");

    /* not resizeable */
    MemoryRegion *fixed = test_ram("fixed", 0x1000);
    g_assert_false(memory_region_ram_resize(fixed, 0x2000, &err));
    g_assert_error(err, IOMMUSIM_MEMORY_ERROR, MEMORY_ERROR_INVALID);
    memory_region_unref(fixed);

    memory_region_unref(ram);
    address_space_destroy(as);
    memory_region_unref(root);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/flatview/overlap-a-to-e", test_overlap_a_to_e);
    g_test_add_func("/flatview/overlap-a-to-e-terminating", test_overlap_a_to_e_terminating);
    g_test_add_func("/flatview/priority-tie-later-wins", test_priority_tie_later_wins);
    g_test_add_func("/flatview/priority-is-local", test_priority_is_local);
    g_test_add_func("/flatview/alias-of-alias", test_alias_of_alias);
    g_test_add_func("/flatview/alias-ignores-target-addr", test_alias_ignores_target_addr);
    g_test_add_func("/flatview/region-as-background", test_region_as_background);
    g_test_add_func("/flatview/end-of-address-space", test_end_of_address_space);
    g_test_add_func("/flatview/readonly-inherited", test_readonly_inherited);
    g_test_add_func("/flatview/simplify-merges", test_simplify_merges);
    g_test_add_func("/flatview/shared-flatviews", test_shared_flatviews);
    g_test_add_func("/flatview/unchanged-view-kept", test_unchanged_view_kept);
    g_test_add_func("/flatview/tree-errors", test_tree_errors);
    g_test_add_func("/flatview/clip-to-parent", test_clip_to_parent);
    g_test_add_func("/flatview/overlap-sweep", test_overlap_sweep_matches_painting);
    g_test_add_func("/flatview/ram-resize", test_ram_resize);
    return g_test_run();
}
