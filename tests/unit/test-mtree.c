/*
 * test-mtree.c - `info mtree` text, byte for byte as QEMU 7.2 prints it.
 *
 * Expected texts follow QEMU's mtree_print_mr / mtree_print_flatview rules;
 * the last tests build by hand regions QEMU 7.2 printed for real machines
 * and compare with the dumps in tests/data/mtree.
 */
#include <string.h>
#include "test-helpers.h"
#include "memory/mtree.h"

static MemoryRegion *io(const char *name, uint64_t size)
{
    return memory_region_new_io(NULL, NULL, name, size);
}

static MemoryRegion *alias(const char *name, MemoryRegion *orig,
                           hwaddr offset, uint64_t size)
{
    g_autoptr(GError) err = NULL;
    MemoryRegion *mr = memory_region_new_alias(name, orig, offset, size, &err);
    g_assert_no_error(err);
    return mr;
}

static void assert_mtree(bool flat, bool disabled, const char *expected)
{
    g_autofree char *got = mtree_info(flat, disabled);
    g_assert_cmpstr(got, ==, expected);
}

static void test_empty(void)
{
    guint before = address_space_count();
    if (before) {
        g_test_skip("address spaces left by another test");
        return;
    }
    assert_mtree(false, true, "");
    assert_mtree(true, false, "");
}

/* Levels, sorting (address, then priority, then list order), [disabled],
 * nv-, rom, aliases and their memory-region section. */
static void test_basic_tree(void)
{
    MemoryRegion *sys = memory_region_new_container("system", UINT64_MAX);
    MemoryRegion *ram = test_ram("ram", 0x10000);
    MemoryRegion *hole = memory_region_new_container("hole", 0x1000);
    MemoryRegion *nvr = test_ram("nvram", 0x1000);
    g_autoptr(GError) err = NULL;
    MemoryRegion *bios = memory_region_new_rom("bios", 0x1000, &err);
    AddressSpace *as;

    g_assert_no_error(err);
    test_add(sys, 0, ram, 0);
    test_add(sys, 0x20000, io("dev", 0x1000), 0);
    test_add(hole, 0x8, io("inner", 0x10), 0);
    memory_region_set_enabled(hole, false);
    test_add(sys, 0x30000, hole, -1);
    memory_region_set_nonvolatile(nvr, true);
    test_add(sys, 0x40000, nvr, 0);
    test_add(sys, 0x50000, io("a", 0x100), 0);
    test_add(sys, 0x50000, io("b", 0x100), 0); /* later: printed first */
    test_add(sys, 0x50000, io("c", 0x100), 2);
    test_add(sys, 0x100000, alias("ram-hi", ram, 0x8000, 0x8000), 1);
    test_add(sys, 0xfffff000, bios, 0);
    as = address_space_new(sys, "memory");

    assert_mtree(false, true,
        "address-space: memory\n"
        "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n"
        "    0000000000000000-000000000000ffff (prio 0, ram): ram\n"
        "    0000000000020000-0000000000020fff (prio 0, i/o): dev\n"
        "    0000000000030000-0000000000030fff (prio -1, i/o): hole [disabled]\n"
        "      0000000000030008-0000000000030017 (prio 0, i/o): inner\n"
        "    0000000000040000-0000000000040fff (prio 0, nv-ram): nvram\n"
        "    0000000000050000-00000000000500ff (prio 2, i/o): c\n"
        "    0000000000050000-00000000000500ff (prio 0, i/o): b\n"
        "    0000000000050000-00000000000500ff (prio 0, i/o): a\n"
        "    0000000000100000-0000000000107fff (prio 1, ram): alias ram-hi @ram 0000000000008000-000000000000ffff\n"
        "    00000000fffff000-00000000ffffffff (prio 0, rom): bios\n"
        "\n"
        "memory-region: ram\n"
        "  0000000000000000-000000000000ffff (prio 0, ram): ram\n"
        "\n");
    /* without -D the disabled line goes, its children stay two levels
     * below the nearest printed ancestor */
    assert_mtree(false, false,
        "address-space: memory\n"
        "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n"
        "    0000000000000000-000000000000ffff (prio 0, ram): ram\n"
        "    0000000000020000-0000000000020fff (prio 0, i/o): dev\n"
        "      0000000000030008-0000000000030017 (prio 0, i/o): inner\n"
        "    0000000000040000-0000000000040fff (prio 0, nv-ram): nvram\n"
        "    0000000000050000-00000000000500ff (prio 2, i/o): c\n"
        "    0000000000050000-00000000000500ff (prio 0, i/o): b\n"
        "    0000000000050000-00000000000500ff (prio 0, i/o): a\n"
        "    0000000000100000-0000000000107fff (prio 1, ram): alias ram-hi @ram 0000000000008000-000000000000ffff\n"
        "    00000000fffff000-00000000ffffffff (prio 0, rom): bios\n"
        "\n"
        "memory-region: ram\n"
        "  0000000000000000-000000000000ffff (prio 0, ram): ram\n"
        "\n");
    assert_mtree(true, false,
        "FlatView #0\n"
        " AS \"memory\", root: system\n"
        " Root memory region: system\n"
        "  0000000000000000-000000000000ffff (prio 0, ram): ram\n"
        "  0000000000020000-0000000000020fff (prio 0, i/o): dev\n"
        "  0000000000040000-0000000000040fff (prio 0, nv-ram): nvram\n"
        "  0000000000050000-00000000000500ff (prio 2, i/o): c\n"
        "  0000000000100000-0000000000107fff (prio 0, ram): ram @0000000000008000\n"
        "  00000000fffff000-00000000ffffffff (prio 0, rom): bios\n"
        "\n");

    address_space_destroy(as);
    memory_region_unref(sys);
}

/* Address spaces of one root form one group, names sorted; groups in
 * creation order; sections for alias targets in the order first met,
 * once per object, also for disabled aliases and targets met in
 * sections. */
static void test_groups_and_sections(void)
{
    MemoryRegion *r1 = memory_region_new_container("r1", 0x10000);
    MemoryRegion *r2 = memory_region_new_container("r2", 0x100);
    MemoryRegion *t = io("t", 0x100);
    MemoryRegion *u = memory_region_new_container("u", 0x1000);
    MemoryRegion *v = test_ram("v", 0x1000);
    MemoryRegion *y;
    AddressSpace *beta, *gamma, *alpha;

    test_add(r1, 0, alias("x1", t, 0, 0x100), 0);
    test_add(r1, 0x1000, alias("x2", t, 0, 0x100), 0);
    test_add(u, 0, alias("z", v, 0, 0x1000), 0);
    y = alias("y", u, 0, 0x1000);
    memory_region_set_enabled(y, false);
    test_add(r1, 0x2000, y, 0);
    beta = address_space_new(r1, "beta");
    gamma = address_space_new(r2, "gamma");
    alpha = address_space_new(r1, "alpha");

    static const char sections[] =
        "memory-region: t\n"
        "  0000000000000000-00000000000000ff (prio 0, i/o): t\n"
        "\n"
        "memory-region: u\n"
        "  0000000000000000-0000000000000fff (prio 0, i/o): u\n"
        "    0000000000000000-0000000000000fff (prio 0, ram): alias z @v 0000000000000000-0000000000000fff\n"
        "\n"
        "memory-region: v\n"
        "  0000000000000000-0000000000000fff (prio 0, ram): v\n"
        "\n";
    g_autofree char *with_disabled = g_strconcat(
        "address-space: alpha\n"
        "address-space: beta\n"
        "  0000000000000000-000000000000ffff (prio 0, i/o): r1\n"
        "    0000000000000000-00000000000000ff (prio 0, i/o): alias x1 @t 0000000000000000-00000000000000ff\n"
        "    0000000000001000-00000000000010ff (prio 0, i/o): alias x2 @t 0000000000000000-00000000000000ff\n"
        "    0000000000002000-0000000000002fff (prio 0, i/o): alias y @u 0000000000000000-0000000000000fff [disabled]\n"
        "\n"
        "address-space: gamma\n"
        "  0000000000000000-00000000000000ff (prio 0, i/o): r2\n"
        "\n", sections, NULL);
    g_autofree char *plain = g_strconcat(
        "address-space: alpha\n"
        "address-space: beta\n"
        "  0000000000000000-000000000000ffff (prio 0, i/o): r1\n"
        "    0000000000000000-00000000000000ff (prio 0, i/o): alias x1 @t 0000000000000000-00000000000000ff\n"
        "    0000000000001000-00000000000010ff (prio 0, i/o): alias x2 @t 0000000000000000-00000000000000ff\n"
        "\n"
        "address-space: gamma\n"
        "  0000000000000000-00000000000000ff (prio 0, i/o): r2\n"
        "\n", sections, NULL);
    assert_mtree(false, true, with_disabled);
    assert_mtree(false, false, plain);
    assert_mtree(true, false,
        "FlatView #0\n"
        " AS \"beta\", root: r1\n"
        " AS \"alpha\", root: r1\n"
        " Root memory region: r1\n"
        "  0000000000000000-00000000000000ff (prio 0, i/o): t\n"
        "  0000000000001000-00000000000010ff (prio 0, i/o): t\n"
        "\n"
        "FlatView #1\n"
        " AS \"gamma\", root: r2\n"
        " Root memory region: (none)\n"
        "  No rendered FlatView\n"
        "\n");

    address_space_destroy(alpha);
    address_space_destroy(gamma);
    address_space_destroy(beta);
    memory_region_unref(r1);
    memory_region_unref(r2);
    memory_region_unref(t);
    memory_region_unref(u);
    memory_region_unref(v);
}

/* An address space whose root is an alias: ", alias TARGET", and the
 * view's root steps through the whole-target alias. */
static void test_alias_root(void)
{
    MemoryRegion *big = test_ram("big", 0x1000);
    MemoryRegion *win = alias("win", big, 0, 0x1000);
    AddressSpace *as = address_space_new(win, "aliased");

    assert_mtree(false, true,
        "address-space: aliased\n"
        "  0000000000000000-0000000000000fff (prio 0, ram): alias win @big 0000000000000000-0000000000000fff\n"
        "\n"
        "memory-region: big\n"
        "  0000000000000000-0000000000000fff (prio 0, ram): big\n"
        "\n");
    assert_mtree(true, false,
        "FlatView #0\n"
        " AS \"aliased\", root: win, alias big\n"
        " Root memory region: big\n"
        "  0000000000000000-0000000000000fff (prio 0, ram): big\n"
        "\n");
    address_space_destroy(as);
    memory_region_unref(win);
    memory_region_unref(big);
}

/* QEMU's overflow warning comes before the indentation, and is printed
 * even for a disabled line it then leaves out. */
static void test_overflow(void)
{
    MemoryRegion *c = memory_region_new_container("c", UINT64_MAX);
    MemoryRegion *hid = io("hid", UINT64_MAX);
    AddressSpace *as;

    test_add(c, 0x1000, io("wide", UINT64_MAX), 0);
    memory_region_set_enabled(hid, false);
    test_add(c, 0x2000, hid, 0);
    as = address_space_new(c, "ovf");
    assert_mtree(false, true,
        "address-space: ovf\n"
        "  0000000000000000-ffffffffffffffff (prio 0, i/o): c\n"
        "[DETECTED OVERFLOW!]     0000000000001000-0000000000000fff (prio 0, i/o): wide\n"
        "[DETECTED OVERFLOW!]     0000000000002000-0000000000001fff (prio 0, i/o): hid [disabled]\n"
        "\n");
    assert_mtree(false, false,
        "address-space: ovf\n"
        "  0000000000000000-ffffffffffffffff (prio 0, i/o): c\n"
        "[DETECTED OVERFLOW!]     0000000000001000-0000000000000fff (prio 0, i/o): wide\n"
        "[DETECTED OVERFLOW!] \n");
    address_space_destroy(as);
    memory_region_unref(c);
}

/* readonly on an alias renders as rom in the flat view while the tree
 * prints the target's type; pieces with different readonly do not merge;
 * a zero-size region prints START == END. */
static void test_flat_readonly_and_empty(void)
{
    MemoryRegion *root = memory_region_new_container("root", 0x100000);
    MemoryRegion *ram = test_ram("pc.ram2", 0x100000);
    MemoryRegion *pam = alias("pam-rom", ram, 0xc0000, 0x4000);
    AddressSpace *as;

    memory_region_set_readonly(pam, true);
    memory_region_ref(ram);
    test_add(root, 0, ram, 0);
    test_add(root, 0xc0000, pam, 1);
    test_add(root, 0x80000, alias("tseg-window", ram, 0x100000, 0), 0);
    as = address_space_new(root, "pam");
    assert_mtree(false, true,
        "address-space: pam\n"
        "  0000000000000000-00000000000fffff (prio 0, i/o): root\n"
        "    0000000000000000-00000000000fffff (prio 0, ram): pc.ram2\n"
        "    0000000000080000-0000000000080000 (prio 0, ram): alias tseg-window @pc.ram2 0000000000100000-0000000000100000\n"
        "    00000000000c0000-00000000000c3fff (prio 1, ram): alias pam-rom @pc.ram2 00000000000c0000-00000000000c3fff\n"
        "\n"
        "memory-region: pc.ram2\n"
        "  0000000000000000-00000000000fffff (prio 0, ram): pc.ram2\n"
        "\n");
    assert_mtree(true, false,
        "FlatView #0\n"
        " AS \"pam\", root: root\n"
        " Root memory region: root\n"
        "  0000000000000000-00000000000bffff (prio 0, ram): pc.ram2\n"
        "  00000000000c0000-00000000000c3fff (prio 0, rom): pc.ram2 @00000000000c0000\n"
        "  00000000000c4000-00000000000fffff (prio 0, ram): pc.ram2 @00000000000c4000\n"
        "\n");
    address_space_destroy(as);
    memory_region_unref(root);
    memory_region_unref(ram);
}

static void test_print_region(void)
{
    MemoryRegion *c = memory_region_new_container("c", 0x1000);
    MemoryRegion *d = io("d", 0x10);
    g_autofree char *text = NULL;

    memory_region_set_enabled(d, false);
    test_add(c, 0x10, d, 3);
    text = mtree_print_region(c, true);
    g_assert_cmpstr(text, ==,
        "  0000000000000000-0000000000000fff (prio 0, i/o): c\n"
        "    0000000000000010-000000000000001f (prio 3, i/o): d [disabled]\n");
    g_free(text);
    text = mtree_print_region(c, false);
    g_assert_cmpstr(text, ==,
        "  0000000000000000-0000000000000fff (prio 0, i/o): c\n");
    memory_region_unref(c);
}

/* ---- regions QEMU 7.2 printed, built by hand ------------------------- */

static char *read_dump(const char *name)
{
    const char *dir = g_getenv("IOMMUSIM_DATA");
    g_autofree char *path = NULL;
    char *text = NULL;

    if (!dir) {
        return NULL;
    }
    path = g_build_filename(dir, "mtree", name, NULL);
    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        return NULL;
    }
    return text;
}

/* The sections of a dump ("...\n" each, without the empty line) */
static GPtrArray *sections_of(const char *text)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) parts = g_strsplit(text, "\n\n", -1);

    for (guint i = 0; parts[i]; i++) {
        if (parts[i][0]) {
            g_ptr_array_add(out, g_strconcat(parts[i], "\n", NULL));
        }
    }
    return out;
}

static bool has_section(GPtrArray *secs, const char *s)
{
    for (guint i = 0; i < secs->len; i++) {
        if (strcmp(g_ptr_array_index(secs, i), s) == 0) {
            return true;
        }
    }
    return false;
}

/* The FlatView block listing @as_line, without its "FlatView #N" line */
static char *flat_block(const char *text, const char *as_line)
{
    g_autoptr(GPtrArray) secs = sections_of(text);

    for (guint i = 0; i < secs->len; i++) {
        const char *s = g_ptr_array_index(secs, i);
        if (strstr(s, as_line)) {
            const char *nl = strchr(s, '\n');
            return g_strdup(nl ? nl + 1 : s);
        }
    }
    return NULL;
}

typedef struct Row {
    int level;        /* 1: the root */
    hwaddr start;     /* absolute, as printed */
    uint64_t size;
    int prio;
    const char *name;
    char kind;        /* 'c' container, 'i' terminating i/o */
    bool disabled;
} Row;

/* q35 (-m 256) I/O address space as QEMU 7.2 prints it */
static const Row q35_io[] = {
    { 1, 0x0, 0x10000, 0, "io", 'i', false },
    { 2, 0x0, 0x80, 0, "ich9-pm", 'c', true },
    { 3, 0x0, 0x4, 0, "acpi-evt", 'i', false },
    { 3, 0x4, 0x2, 0, "acpi-cnt", 'i', false },
    { 3, 0x8, 0x4, 0, "acpi-tmr", 'i', false },
    { 3, 0x20, 0x10, 0, "acpi-gpe0", 'i', false },
    { 3, 0x30, 0x8, 0, "acpi-smi", 'i', false },
    { 3, 0x60, 0x20, 0, "sm-tco", 'i', false },
    { 2, 0x0, 0x8, 0, "dma-chan", 'i', false },
    { 2, 0x8, 0x8, 0, "dma-cont", 'i', false },
    { 2, 0x20, 0x2, 0, "pic", 'i', false },
    { 2, 0x40, 0x4, 0, "pit", 'i', false },
    { 2, 0x60, 0x1, 0, "i8042-data", 'i', false },
    { 2, 0x61, 0x1, 0, "pcspk", 'i', false },
    { 2, 0x64, 0x1, 0, "i8042-cmd", 'i', false },
    { 2, 0x70, 0x2, 0, "rtc", 'i', false },
    { 3, 0x70, 0x1, 0, "rtc-index", 'i', false },
    { 2, 0x7e, 0x2, 0, "kvmvapic", 'i', false },
    { 2, 0x80, 0x1, 0, "ioport80", 'i', false },
    { 2, 0x81, 0x3, 0, "dma-page", 'i', false },
    { 2, 0x87, 0x1, 0, "dma-page", 'i', false },
    { 2, 0x89, 0x3, 0, "dma-page", 'i', false },
    { 2, 0x8f, 0x1, 0, "dma-page", 'i', false },
    { 2, 0x92, 0x1, 0, "port92", 'i', false },
    { 2, 0xa0, 0x2, 0, "pic", 'i', false },
    { 2, 0xb2, 0x2, 0, "apm-io", 'i', false },
    { 2, 0xc0, 0x10, 0, "dma-chan", 'i', false },
    { 2, 0xd0, 0x10, 0, "dma-cont", 'i', false },
    { 2, 0xf0, 0x1, 0, "ioportF0", 'i', false },
    { 2, 0x4d0, 0x1, 0, "elcr", 'i', false },
    { 2, 0x4d1, 0x1, 0, "elcr", 'i', false },
    { 2, 0x510, 0x2, 0, "fwcfg", 'i', false },
    { 2, 0x514, 0x8, 0, "fwcfg.dma", 'i', false },
    { 2, 0xcc0, 0x18, 0, "acpi-pci-hotplug", 'i', false },
    { 2, 0xcd8, 0x20, 0, "acpi-cpu-hotplug", 'i', false },
    { 2, 0xcf8, 0x4, 0, "pci-conf-idx", 'i', false },
    { 2, 0xcf9, 0x1, 1, "lpc-reset-control", 'i', false },
    { 2, 0xcfc, 0x4, 0, "pci-conf-data", 'i', false },
    { 2, 0x5658, 0x1, 0, "vmport", 'i', false },
};

/* Build rows (in printed order) into regions; children are added last
 * printed first, so that equal (address, priority) siblings end up in
 * printed order (newest first). Returns the root (caller's reference). */
static MemoryRegion *build_rows(const Row *rows, guint n)
{
    MemoryRegion **mr = g_new0(MemoryRegion *, n);
    int *parent = g_new0(int, n);
    MemoryRegion *root;

    for (guint i = 0; i < n; i++) {
        mr[i] = rows[i].kind == 'c'
                ? memory_region_new_container(rows[i].name, rows[i].size)
                : io(rows[i].name, rows[i].size);
        if (rows[i].disabled) {
            memory_region_set_enabled(mr[i], false);
        }
        parent[i] = -1;
        for (int j = (int)i - 1; j >= 0 && rows[i].level > 1; j--) {
            if (rows[j].level == rows[i].level - 1) {
                parent[i] = j;
                break;
            }
        }
    }
    for (guint k = n; k-- > 1;) {
        int p = parent[k];
        test_add(mr[p], rows[k].start - rows[p].start, mr[k], rows[k].prio);
    }
    root = mr[0];
    g_free(mr);
    g_free(parent);
    return root;
}

static void test_qemu_q35_io(void)
{
    g_autofree char *tree = read_dump("q35-256m.tree.txt");
    g_autofree char *plain = read_dump("q35-256m.plain.txt");
    g_autofree char *flat = read_dump("q35-256m.flat.txt");
    if (!tree || !plain || !flat) {
        g_test_skip("tests/data/mtree not found (IOMMUSIM_DATA)");
        return;
    }
    MemoryRegion *root = build_rows(q35_io, G_N_ELEMENTS(q35_io));
    AddressSpace *as = address_space_new(root, "I/O");

    g_autofree char *ours_d = mtree_info(false, true);
    g_autofree char *ours_p = mtree_info(false, false);
    g_autofree char *ours_f = mtree_info(true, false);
    g_autoptr(GPtrArray) qd = sections_of(tree);
    g_autoptr(GPtrArray) qp = sections_of(plain);
    g_autoptr(GPtrArray) od = sections_of(ours_d);
    g_autoptr(GPtrArray) op = sections_of(ours_p);
    g_assert_cmpuint(od->len, ==, 1);
    g_assert_cmpuint(op->len, ==, 1);
    g_assert_true(has_section(qd, g_ptr_array_index(od, 0)));
    g_assert_true(has_section(qp, g_ptr_array_index(op, 0)));

    g_autofree char *qblock = flat_block(flat, " AS \"I/O\", root: io\n");
    g_autofree char *oblock = flat_block(ours_f, " AS \"I/O\", root: io\n");
    g_assert_nonnull(qblock);
    g_assert_cmpstr(oblock, ==, qblock);

    address_space_destroy(as);
    memory_region_unref(root);
}

/* q35 + intel-iommu: a device's VT-d root, the shared no-DMAR region, the
 * interrupt window and the bus-master alias, as QEMU 7.2 prints them. */
static void test_qemu_vtd_sections(void)
{
    g_autofree char *tree = read_dump("q35-vtd.tree.txt");
    if (!tree) {
        g_test_skip("tests/data/mtree not found (IOMMUSIM_DATA)");
        return;
    }
    MemoryRegion *system = memory_region_new_container("system", UINT64_MAX);
    MemoryRegion *nodmar = memory_region_new_container("vtd-nodmar",
                                                       UINT64_MAX);
    MemoryRegion *ir = io("vtd-ir", 0x100000);
    MemoryRegion *root = memory_region_new_container("vtd-00.0", UINT64_MAX);
    MemoryRegion *dmar = io("vtd-00.0-dmar", UINT64_MAX);
    MemoryRegion *noir = io("vtd-no-ir", 0x100000);
    MemoryRegion *bm = memory_region_new_container("bus master container",
                                                   UINT64_MAX);
    MemoryRegion *bma = alias("bus master", root, 0, UINT64_MAX);
    AddressSpace *mch, *vtd;

    test_add(nodmar, 0, alias("vtd-sys-alias", system, 0, UINT64_MAX), 0);
    memory_region_ref(ir);
    test_add(nodmar, 0xfee00000, ir, 1);
    test_add(dmar, 0xfee00000, alias("vtd-ir", ir, 0, 0x100000), 1);
    memory_region_set_enabled(dmar, false);
    test_add(root, 0, dmar, 0);
    test_add(root, 0, alias("vtd-nodmar", nodmar, 0, UINT64_MAX), 0);
    memory_region_set_enabled(noir, false);
    test_add(root, 0xfee00000, noir, 2);
    memory_region_set_enabled(bma, false);
    test_add(bm, 0, bma, 0);
    mch = address_space_new(bm, "mch");
    vtd = address_space_new(root, "vtd-root");

    g_autofree char *ours = mtree_info(false, true);
    g_autoptr(GPtrArray) q = sections_of(tree);
    g_autoptr(GPtrArray) o = sections_of(ours);
    guint checked = 0;
    for (guint i = 0; i < o->len; i++) {
        const char *s = g_ptr_array_index(o, i);
        if (g_str_has_prefix(s, "memory-region: system\n")) {
            continue; /* not built here */
        }
        if (!has_section(q, s)) {
            g_test_message("not in the QEMU dump:\n%s", s);
        }
        g_assert_true(has_section(q, s));
        checked++;
    }
    /* mch, vtd-root, vtd-00.0, vtd-nodmar, vtd-ir */
    g_assert_cmpuint(checked, ==, 5);

    address_space_destroy(vtd);
    address_space_destroy(mch);
    memory_region_unref(bm);
    memory_region_unref(root);
    memory_region_unref(nodmar);
    memory_region_unref(ir);
    memory_region_unref(system);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mtree/empty", test_empty);
    g_test_add_func("/mtree/basic-tree", test_basic_tree);
    g_test_add_func("/mtree/groups-and-sections", test_groups_and_sections);
    g_test_add_func("/mtree/alias-root", test_alias_root);
    g_test_add_func("/mtree/overflow", test_overflow);
    g_test_add_func("/mtree/flat-readonly-and-empty",
                    test_flat_readonly_and_empty);
    g_test_add_func("/mtree/print-region", test_print_region);
    g_test_add_func("/mtree/qemu-q35-io", test_qemu_q35_io);
    g_test_add_func("/mtree/qemu-vtd-sections", test_qemu_vtd_sections);
    return g_test_run();
}
