/*
 * test-mtree-import.c - rebuild QEMU 7.2 `info mtree -D` dumps and print
 * them again.
 *
 * For every dump in tests/data/mtree (see its README.md): import NAME.tree.txt
 * with NAME.flat.txt as the hint, then
 *   - `info mtree -D` must equal NAME.tree.txt,
 *   - `info mtree` must equal NAME.plain.txt,
 *   - `info mtree -f` must equal NAME.flat.txt,
 * each compared in canonical form: the sections (blocks between empty
 * lines) as a sorted multiset, because QEMU orders address-space groups and
 * FlatViews by hash table; "FlatView #N" is compared as "FlatView #" since
 * the numbers follow that order. Everything else, including the order of
 * the AS lines inside a FlatView, must be identical.
 */
#include <string.h>
#include "test-helpers.h"
#include "memory/mtree.h"
#include "memory/mtree-import.h"

static const char *const dumps[] = {
    "pc-128m", "pc-6g", "pc-pflash", "q35-256m", "q35-5g", "q35-vtd",
    "q35-vtd-dmar", "q35-pci",
};

static char *data_path(const char *file)
{
    const char *dir = g_getenv("IOMMUSIM_DATA");

    return dir ? g_build_filename(dir, "mtree", file, NULL) : NULL;
}

static char *read_data(const char *file)
{
    g_autofree char *path = data_path(file);
    char *text = NULL;

    if (!path || !g_file_get_contents(path, &text, NULL, NULL)) {
        return NULL;
    }
    return text;
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sections sorted, "FlatView #N" numbers dropped, joined by empty lines */
static char *canonical(const char *text)
{
    g_auto(GStrv) parts = g_strsplit(text, "\n\n", -1);
    g_autoptr(GPtrArray) secs = g_ptr_array_new_with_free_func(g_free);
    GString *out = g_string_new(NULL);

    for (guint i = 0; parts[i]; i++) {
        const char *s = parts[i];
        if (!s[0]) {
            continue;
        }
        if (g_str_has_prefix(s, "FlatView #")) {
            const char *nl = strchr(s, '\n');
            g_ptr_array_add(secs, g_strconcat("FlatView #", nl ? nl : "",
                                              NULL));
        } else {
            g_ptr_array_add(secs, g_strdup(s));
        }
    }
    g_ptr_array_sort(secs, cmp_str);
    for (guint i = 0; i < secs->len; i++) {
        g_string_append(out, g_ptr_array_index(secs, i));
        g_string_append(out, "\n\n");
    }
    return g_string_free(out, FALSE);
}

static void assert_same_canonical(const char *what, const char *got,
                                  const char *expected)
{
    g_autofree char *a = canonical(got);
    g_autofree char *b = canonical(expected);

    if (strcmp(a, b) != 0) {
        g_test_message("%s differs.\n--- expected (canonical)\n%s\n"
                       "--- got (canonical)\n%s", what, b, a);
    }
    g_assert_cmpstr(a, ==, b);
}

static void show_warnings(MtreeImport *imp)
{
    for (guint i = 0; i < mtree_import_warning_count(imp); i++) {
        g_test_message("warning: %s", mtree_import_warning(imp, i));
    }
}

/* ---- every captured dump ----------------------------------------------- */

static void test_dump(gconstpointer data)
{
    const char *name = data;
    g_autofree char *tree_f = g_strconcat(name, ".tree.txt", NULL);
    g_autofree char *plain_f = g_strconcat(name, ".plain.txt", NULL);
    g_autofree char *flat_f = g_strconcat(name, ".flat.txt", NULL);
    g_autofree char *tree = read_data(tree_f);
    g_autofree char *plain = read_data(plain_f);
    g_autofree char *flat = read_data(flat_f);
    g_autoptr(GError) err = NULL;
    guint before = address_space_count();

    if (!tree || !plain || !flat) {
        g_test_skip("dump not found (IOMMUSIM_DATA)");
        return;
    }
    MtreeImport *imp = mtree_import(tree, flat, &err);
    g_assert_no_error(err);
    g_assert_nonnull(imp);
    show_warnings(imp);

    g_autofree char *d = mtree_info(false, true);
    g_autofree char *p = mtree_info(false, false);
    g_autofree char *f = mtree_info(true, false);
    assert_same_canonical("info mtree -D", d, tree);
    assert_same_canonical("info mtree", p, plain);
    assert_same_canonical("info mtree -f", f, flat);

    /* every warning names its line */
    for (guint i = 0; i < mtree_import_warning_count(imp); i++) {
        g_assert_true(g_str_has_prefix(mtree_import_warning(imp, i), "line "));
    }
    mtree_import_free(imp);
    g_assert_cmpuint(address_space_count(), ==, before);
}

/* The -o dump (owners on every line) imports to the same tree. */
static void test_dump_owner(gconstpointer data)
{
    const char *name = data;
    g_autofree char *owner_f = g_strconcat(name, ".owner.txt", NULL);
    g_autofree char *tree_f = g_strconcat(name, ".tree.txt", NULL);
    g_autofree char *flat_f = g_strconcat(name, ".flat.txt", NULL);
    g_autofree char *owner = read_data(owner_f);
    g_autofree char *tree = read_data(tree_f);
    g_autofree char *flat = read_data(flat_f);
    g_autoptr(GError) err = NULL;

    if (!owner || !tree || !flat) {
        g_test_skip("dump not found (IOMMUSIM_DATA)");
        return;
    }
    MtreeImport *imp = mtree_import(owner, flat, &err);
    g_assert_no_error(err);
    g_autofree char *d = mtree_info(false, true);
    g_autofree char *f = mtree_info(true, false);
    assert_same_canonical("info mtree -D from -o -D", d, tree);
    assert_same_canonical("info mtree -f from -o -D", f, flat);
    mtree_import_free(imp);
}

/* Without the hint the tree text still comes back exactly; the guesses
 * are warned about. */
static void test_dump_no_hint(gconstpointer data)
{
    const char *name = data;
    g_autofree char *tree_f = g_strconcat(name, ".tree.txt", NULL);
    g_autofree char *tree = read_data(tree_f);
    g_autoptr(GError) err = NULL;

    if (!tree) {
        g_test_skip("dump not found (IOMMUSIM_DATA)");
        return;
    }
    MtreeImport *imp = mtree_import(tree, NULL, &err);
    g_assert_no_error(err);
    g_autofree char *d = mtree_info(false, true);
    assert_same_canonical("info mtree -D (no hint)", d, tree);
    /* x86's io region has subregions: container or not is a guess */
    bool io_warned = false;
    for (guint i = 0; i < mtree_import_warning_count(imp); i++) {
        const char *w = mtree_import_warning(imp, i);
        io_warned |= strstr(w, "'io' has subregions") != NULL;
    }
    g_assert_true(io_warned);
    mtree_import_free(imp);
}

/* Several dumps, one after the other, in one process */
static void test_reimport(void)
{
    guint before = address_space_count();

    for (int round = 0; round < 2; round++) {
        for (guint i = 0; i < G_N_ELEMENTS(dumps); i++) {
            g_autofree char *tree_f = g_strconcat(dumps[i], ".tree.txt", NULL);
            g_autofree char *path = data_path(tree_f);
            g_autoptr(GError) err = NULL;
            if (!path || !g_file_test(path, G_FILE_TEST_EXISTS)) {
                g_test_skip("dumps not found (IOMMUSIM_DATA)");
                return;
            }
            MtreeImport *imp = mtree_import_files(path, NULL, &err);
            g_assert_no_error(err);
            g_assert_cmpuint(address_space_count(), >, before);
            g_assert_nonnull(mtree_import_find_address_space(imp, "memory"));
            g_assert_nonnull(mtree_import_find_region(imp, "pc.ram"));
            mtree_import_free(imp);
            g_assert_cmpuint(address_space_count(), ==, before);
        }
    }
}

/* The imported regions work: RAM reads back, ROM ignores writes, aliases
 * reach their target, unassigned I/O fails with DECODE_ERROR. */
static void test_imported_memory_works(void)
{
    g_autofree char *tree = read_data("q35-256m.tree.txt");
    g_autofree char *flat = read_data("q35-256m.flat.txt");
    g_autoptr(GError) err = NULL;
    uint32_t v = 0x12345678, r = 0;

    if (!tree || !flat) {
        g_test_skip("dump not found (IOMMUSIM_DATA)");
        return;
    }
    MtreeImport *imp = mtree_import(tree, flat, &err);
    g_assert_no_error(err);
    AddressSpace *mem = mtree_import_find_address_space(imp, "memory");
    AddressSpace *smm = mtree_import_find_address_space(imp, "cpu-smm-0");
    g_assert_nonnull(mem);
    g_assert_nonnull(smm);
    g_assert_cmpuint(address_space_write(mem, 0x100000, MEMTXATTRS_UNSPECIFIED,
                                         &v, 4), ==, MEMTX_OK);
    g_assert_cmpuint(address_space_read(smm, 0x100000, MEMTXATTRS_UNSPECIFIED,
                                        &r, 4), ==, MEMTX_OK);
    g_assert_cmphex(r, ==, v);
    /* pc.bios is ROM */
    g_assert_cmpuint(address_space_read(mem, 0xfffffff0,
                                        MEMTXATTRS_UNSPECIFIED, &r, 4), ==,
                     MEMTX_OK);
    uint32_t before = r;
    address_space_write(mem, 0xfffffff0, MEMTXATTRS_UNSPECIFIED, &v, 4);
    address_space_read(mem, 0xfffffff0, MEMTXATTRS_UNSPECIFIED, &r, 4);
    g_assert_cmphex(r, ==, before);
    /* hpet is imported as i/o that reads as unassigned */
    g_assert_cmpuint(address_space_read(mem, 0xfed00000,
                                        MEMTXATTRS_UNSPECIFIED, &r, 4), ==,
                     MEMTX_DECODE_ERROR);
    mtree_import_free(imp);
}

/* ---- round trips of trees built by hand ------------------------------- */

typedef struct Snapshot {
    char *tree, *plain, *flat;
} Snapshot;

static void snapshot(Snapshot *s)
{
    s->tree = mtree_info(false, true);
    s->plain = mtree_info(false, false);
    s->flat = mtree_info(true, false);
}

static void snapshot_clear(Snapshot *s)
{
    g_free(s->tree);
    g_free(s->plain);
    g_free(s->flat);
}

/* Import @s (with its flat view as hint unless @no_hint) and compare. */
static MtreeImport *roundtrip(Snapshot *s, bool no_hint)
{
    g_autoptr(GError) err = NULL;
    MtreeImport *imp = mtree_import(s->tree, no_hint ? NULL : s->flat, &err);
    Snapshot t;

    g_assert_no_error(err);
    show_warnings(imp);
    snapshot(&t);
    assert_same_canonical("round trip -D", t.tree, s->tree);
    assert_same_canonical("round trip plain", t.plain, s->plain);
    if (!no_hint) {
        assert_same_canonical("round trip -f", t.flat, s->flat);
    }
    snapshot_clear(&t);
    return imp;
}

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

static bool has_warning(MtreeImport *imp, const char *needle)
{
    for (guint i = 0; i < mtree_import_warning_count(imp); i++) {
        if (strstr(mtree_import_warning(imp, i), needle)) {
            return true;
        }
    }
    return false;
}

/*
 * The five things the tree text leaves open, each settled by the hint:
 * a terminating i/o with children (fills its holes), a childless
 * container, a readonly alias over RAM, equal-priority siblings where the
 * one at the higher address was added later, an empty alias.
 */
static void test_roundtrip_ambiguities(void)
{
    MemoryRegion *sys = memory_region_new_container("sys", 0x100000000ULL);
    MemoryRegion *ram = test_ram("ram0", 0x100000);
    MemoryRegion *pam = alias("pam-rom", ram, 0xc0000, 0x10000);
    MemoryRegion *leafkids = io("leaf-with-kids", 0x1000);
    Snapshot s;
    AddressSpace *as;

    memory_region_ref(ram);
    test_add(sys, 0, ram, 0);
    memory_region_set_readonly(pam, true);
    test_add(sys, 0xc0000, pam, 1);
    test_add(leafkids, 0x100, io("kid", 0x10), 0);
    test_add(sys, 0x200000, leafkids, 0);
    test_add(sys, 0x300000, memory_region_new_container("empty-bus", 0x1000),
             0);
    /* "low" first, "high" later: high wins in 0x400800-0x400fff */
    test_add(sys, 0x400000, io("low", 0x1000), 0);
    test_add(sys, 0x400800, io("high", 0x1000), 0);
    test_add(sys, 0x500000, alias("closed-window", ram, 0x80000, 0), 0);
    as = address_space_new(sys, "rt");
    snapshot(&s);
    address_space_destroy(as);
    memory_region_unref(sys);
    memory_region_unref(ram);

    MtreeImport *imp = roundtrip(&s, false);
    MemoryRegion *m = mtree_import_find_region(imp, "leaf-with-kids");
    g_assert_true(m->terminates);
    m = mtree_import_find_region(imp, "empty-bus");
    g_assert_false(m->terminates);
    m = mtree_import_find_region(imp, "pam-rom");
    g_assert_true(m->readonly);
    m = mtree_import_find_region(imp, "closed-window");
    g_assert_cmpuint(memory_region_size(m), ==, 0);
    mtree_import_free(imp);

    /* without the hint: the tree still comes back, with warnings */
    imp = roundtrip(&s, true);
    g_assert_true(has_warning(imp, "'leaf-with-kids' has subregions"));
    g_assert_true(has_warning(imp, "'low' and 'high'"));
    g_assert_true(has_warning(imp, "alias 'closed-window' prints START == END"));
    mtree_import_free(imp);
    snapshot_clear(&s);
}

/* Same-named sections: several objects called "vtd-00.0", aliases to
 * each, and a target printed both in a tree and in its section. */
static void test_roundtrip_same_names(void)
{
    MemoryRegion *sys = memory_region_new_container("system", UINT64_MAX);
    MemoryRegion *ram = test_ram("ram1", 0x10000);
    MemoryRegion *t1 = memory_region_new_container("vtd-00.0", UINT64_MAX);
    MemoryRegion *t2 = memory_region_new_container("vtd-00.0", UINT64_MAX);
    MemoryRegion *b1 = memory_region_new_container("bus master container",
                                                   UINT64_MAX);
    MemoryRegion *b2 = memory_region_new_container("bus master container",
                                                   UINT64_MAX);
    AddressSpace *spaces[5];
    Snapshot s;

    memory_region_ref(ram);
    test_add(sys, 0, ram, 0);
    test_add(t1, 0, alias("vtd-sys", sys, 0, UINT64_MAX), 0);
    test_add(t2, 0, alias("vtd-sys", sys, 0, 0x8000), 0);
    test_add(b1, 0, alias("bus master", t1, 0, UINT64_MAX), 0);
    test_add(b2, 0, alias("bus master", t2, 0, UINT64_MAX), 0);
    spaces[0] = address_space_new(sys, "memory");
    spaces[1] = address_space_new(b1, "dev-a");
    spaces[2] = address_space_new(b2, "dev-b");
    spaces[3] = address_space_new(t1, "vtd-root");
    spaces[4] = address_space_new(t2, "vtd-root");
    snapshot(&s);
    for (int i = 4; i >= 0; i--) {
        address_space_destroy(spaces[i]);
    }
    memory_region_unref(sys);
    memory_region_unref(ram);
    memory_region_unref(t1);
    memory_region_unref(t2);
    memory_region_unref(b1);
    memory_region_unref(b2);

    MtreeImport *imp = roundtrip(&s, false);
    /* dev-b reaches only the first 32 KiB of RAM */
    AddressSpace *devb = mtree_import_find_address_space(imp, "dev-b");
    uint8_t byte;
    g_assert_cmpuint(address_space_read(devb, 0x7000, MEMTXATTRS_UNSPECIFIED,
                                        &byte, 1), ==, MEMTX_OK);
    g_assert_cmpuint(address_space_read(devb, 0x9000, MEMTXATTRS_UNSPECIFIED,
                                        &byte, 1), ==, MEMTX_DECODE_ERROR);
    mtree_import_free(imp);
    snapshot_clear(&s);
}

/* nv-, romd, ramd, a negative priority, an unplaced alias target with a
 * non-zero address, an alias of an alias, an overflowing region. */
static void test_roundtrip_types(void)
{
    MemoryRegion *sys = memory_region_new_container("sys", UINT64_MAX);
    MemoryRegion *nv = test_ram("nv", 0x1000);
    g_autoptr(GError) err = NULL;
    MemoryRegion *flash = memory_region_new_rom_device(NULL, NULL, "flash",
                                                       0x10000, &err);
    MemoryRegion *dev = test_ram("bar-ram", 0x1000);
    MemoryRegion *lone = test_ram("lone", 0x2000);
    MemoryRegion *a1, *a2;
    AddressSpace *as;
    Snapshot s;

    g_assert_no_error(err);
    memory_region_set_nonvolatile(nv, true);
    test_add(sys, 0x1000, nv, 0);
    test_add(sys, 0xffff0000, flash, -2);
    dev->ram_device = true;
    test_add(sys, 0xfe000000, dev, 1);
    memory_region_set_address(lone, 0x5000); /* kept, though unplaced */
    a1 = alias("a1", lone, 0x1000, 0x1000);
    memory_region_ref(a1);
    test_add(sys, 0x10000, a1, 0);
    a2 = alias("a2", a1, 0x800, 0x800);
    test_add(sys, 0x20000, a2, 0);
    test_add(sys, 0x30000, io("wide", UINT64_MAX), 0);
    as = address_space_new(sys, "types");
    snapshot(&s);
    address_space_destroy(as);
    memory_region_unref(sys);
    memory_region_unref(lone);
    memory_region_unref(a1);

    MtreeImport *imp = roundtrip(&s, false);
    g_assert_true(memory_region_is_romd(mtree_import_find_region(imp,
                                                                 "flash")));
    g_assert_true(mtree_import_find_region(imp, "bar-ram")->ram_device);
    mtree_import_free(imp);
    snapshot_clear(&s);
}

/* ---- errors: each names the line -------------------------------------- */

typedef struct BadCase {
    const char *what;
    const char *text;
    const char *hint;
    int code;
    const char *prefix; /* the message starts with this */
} BadCase;

static const BadCase bad_cases[] = {
    { "empty", "", NULL, MTREE_IMPORT_ERROR_TRUNCATED, "line 1:" },
    { "no final newline",
      "address-space: memory\n"
      "  0000000000000000-ffffffffffffffff (prio 0, i/o): system",
      NULL, MTREE_IMPORT_ERROR_TRUNCATED, "line 2: truncated" },
    { "header at the end",
      "address-space: memory\n"
      "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n"
      "\n"
      "memory-region: pc.ram\n",
      NULL, MTREE_IMPORT_ERROR_TRUNCATED, "line 4: truncated" },
    { "bad hex",
      "address-space: memory\n"
      "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n"
      "    00000000000g0000-00000000000fffff (prio 0, ram): x\n",
      NULL, MTREE_IMPORT_ERROR_PARSE, "line 3: bad hex" },
    { "hex too long",
      "address-space: memory\n"
      "  00000000000000000-ffffffffffffffff (prio 0, i/o): system\n",
      NULL, MTREE_IMPORT_ERROR_PARSE, "line 2: bad hex" },
    { "malformed prio",
      "address-space: memory\n"
      "  0000000000000000-ffffffffffffffff (priority 0, i/o): system\n",
      NULL, MTREE_IMPORT_ERROR_PARSE, "line 2: malformed" },
    { "unknown type",
      "address-space: memory\n"
      "  0000000000000000-ffffffffffffffff (prio 0, mmio): system\n",
      NULL, MTREE_IMPORT_ERROR_PARSE, "line 2: unknown region type" },
    { "odd indentation",
      "address-space: memory\n"
      "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n"
      "     0000000000000000-0000000000000fff (prio 0, i/o): x\n",
      NULL, MTREE_IMPORT_ERROR_PARSE, "line 3: malformed" },
    { "indentation jump",
      "address-space: memory\n"
      "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n"
      "    0000000000000000-0000000000000fff (prio 0, i/o): x\n"
      "        0000000000000000-00000000000000ff (prio 0, i/o): y\n",
      NULL, MTREE_IMPORT_ERROR_PARSE, "line 4: indentation jumps" },
    { "root not at level 1",
      "address-space: memory\n"
      "    0000000000000000-ffffffffffffffff (prio 0, i/o): system\n",
      NULL, MTREE_IMPORT_ERROR_PARSE, "line 2: indentation jumps" },
    { "two roots",
      "address-space: memory\n"
      "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n"
      "  0000000000000000-ffffffffffffffff (prio 0, i/o): other\n",
      NULL, MTREE_IMPORT_ERROR_PARSE, "line 3:" },
    { "region before any header",
      "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n",
      NULL, MTREE_IMPORT_ERROR_PARSE, "line 1:" },
    { "garbage line",
      "address-space: memory\n"
      "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n"
      "\n"
      "hello\n",
      NULL, MTREE_IMPORT_ERROR_PARSE, "line 4: malformed" },
    { "alias to unknown target",
      "address-space: memory\n"
      "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n"
      "    0000000000000000-0000000000000fff (prio 0, ram): alias a @nowhere 0000000000000000-0000000000000fff\n",
      NULL, MTREE_IMPORT_ERROR_ALIAS, "line 3: alias 'a' targets unknown" },
    { "alias window beyond target",
      "address-space: memory\n"
      "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n"
      "    0000000000000000-0000000000001fff (prio 0, ram): alias a @r 0000000000000000-0000000000001fff\n"
      "\n"
      "memory-region: r\n"
      "  0000000000000000-0000000000000fff (prio 0, ram): r\n",
      NULL, MTREE_IMPORT_ERROR_ALIAS, "line 3: alias 'a' window" },
    { "alias window of another size",
      "address-space: memory\n"
      "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n"
      "    0000000000000000-0000000000000fff (prio 0, ram): alias a @r 0000000000000000-00000000000000ff\n"
      "\n"
      "memory-region: r\n"
      "  0000000000000000-0000000000000fff (prio 0, ram): r\n",
      NULL, MTREE_IMPORT_ERROR_PARSE, "line 3: alias window" },
    { "malformed alias",
      "address-space: memory\n"
      "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n"
      "    0000000000000000-0000000000000fff (prio 0, ram): alias a r 0000000000000000-0000000000000fff\n",
      NULL, MTREE_IMPORT_ERROR_PARSE, "line 3: malformed alias" },
    { "region inside an alias",
      "address-space: memory\n"
      "  0000000000000000-ffffffffffffffff (prio 0, i/o): alias a @r 0000000000000000-ffffffffffffffff\n"
      "    0000000000000000-0000000000000fff (prio 0, i/o): x\n"
      "\n"
      "memory-region: r\n"
      "  0000000000000000-ffffffffffffffff (prio 0, i/o): r\n",
      NULL, MTREE_IMPORT_ERROR_PARSE, "line 3:" },
    { "section name differs",
      "address-space: memory\n"
      "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n"
      "\n"
      "memory-region: r\n"
      "  0000000000000000-0000000000000fff (prio 0, ram): s\n",
      NULL, MTREE_IMPORT_ERROR_PARSE, "line 5:" },
    { "header without region",
      "address-space: memory\n"
      "\n"
      "address-space: io\n"
      "  0000000000000000-000000000000ffff (prio 0, i/o): io\n",
      NULL, MTREE_IMPORT_ERROR_PARSE, "line 1:" },
    { "bad priority",
      "address-space: memory\n"
      "  0000000000000000-ffffffffffffffff (prio 99999999999, i/o): system\n",
      NULL, MTREE_IMPORT_ERROR_PARSE, "line 2: bad priority" },
    { "hint: garbage",
      "address-space: memory\n"
      "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n",
      "FlatView #0\n"
      " AS \"memory\", root: system\n"
      " Root memory region: system\n"
      "  zzzz\n",
      MTREE_IMPORT_ERROR_HINT, "hint line 4:" },
    { "hint: truncated",
      "address-space: memory\n"
      "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n",
      "FlatView #0\n"
      " AS \"memory\", root: system\n",
      MTREE_IMPORT_ERROR_HINT, "hint line 2: truncated" },
    { "hint: no header",
      "address-space: memory\n"
      "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n",
      " AS \"memory\", root: system\n",
      MTREE_IMPORT_ERROR_HINT, "hint line 1:" },
    { "alias cycle",
      "address-space: memory\n"
      "  0000000000000000-0000000000000fff (prio 0, i/o): alias a @s 0000000000000000-0000000000000fff\n"
      "\n"
      "memory-region: s\n"
      "  0000000000000000-0000000000000fff (prio 0, i/o): alias s @t 0000000000000000-0000000000000fff\n"
      "\n"
      "memory-region: t\n"
      "  0000000000000000-0000000000000fff (prio 0, i/o): alias t @s 0000000000000000-0000000000000fff\n",
      NULL, MTREE_IMPORT_ERROR_ALIAS, "line 5: alias 's' is part of an alias cycle" },
    { "RAM too large to map",
      "address-space: memory\n"
      "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n"
      "    0000000000000000-ffffffffffffffff (prio 0, ram): huge\n",
      NULL, MTREE_IMPORT_ERROR_CREATE, "line 3:" },
};

static void test_errors(void)
{
    guint before = address_space_count();

    for (guint i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        const BadCase *c = &bad_cases[i];
        g_autoptr(GError) err = NULL;
        MtreeImport *imp = mtree_import(c->text, c->hint, &err);

        g_test_message("case: %s -> %s", c->what, err ? err->message : "ok");
        g_assert_null(imp);
        g_assert_error(err, MTREE_IMPORT_ERROR, c->code);
        g_assert_true(g_str_has_prefix(err->message, c->prefix));
        g_assert_cmpuint(address_space_count(), ==, before);
    }
}

/* Nesting deeper than the importer accepts is an error, not a crash. */
static void test_too_deep(void)
{
    GString *t = g_string_new("address-space: deep\n");
    g_autoptr(GError) err = NULL;

    for (int level = 1; level <= 300; level++) {
        for (int k = 0; k < level; k++) {
            g_string_append(t, "  ");
        }
        g_string_append_printf(t, "0000000000000000-0000000000000fff "
                               "(prio 0, i/o): c%d\n", level);
    }
    MtreeImport *imp = mtree_import(t->str, NULL, &err);
    g_assert_null(imp);
    g_assert_error(err, MTREE_IMPORT_ERROR, MTREE_IMPORT_ERROR_PARSE);
    g_assert_true(g_str_has_prefix(err->message, "line 258: nesting"));
    g_string_free(t, TRUE);
}

/* Whatever is cut off or changed, the importer answers without crashing:
 * every prefix of a real dump, and single-byte changes. */
static void test_mangled(void)
{
    g_autofree char *tree = read_data("q35-vtd.tree.txt");
    g_autofree char *flat = read_data("q35-vtd.flat.txt");
    guint before = address_space_count();
    size_t len;
    guint ok = 0, failed = 0;

    if (!tree || !flat) {
        g_test_skip("dump not found (IOMMUSIM_DATA)");
        return;
    }
    /* cut at line ends (the text stays well-formed line by line) and in
     * the middle of lines */
    len = strlen(tree);
    for (size_t cut = 0, line = 0; cut < len; cut++) {
        bool at_eol = tree[cut] == '\n';
        if (at_eol) {
            line++;
        }
        if (!(at_eol && line % (g_test_quick() ? 7 : 2) == 0) &&
            cut % (g_test_quick() ? 401 : 97) != 0) {
            continue;
        }
        g_autofree char *t = g_strndup(tree, cut + at_eol);
        g_autoptr(GError) err = NULL;
        MtreeImport *imp = mtree_import(t, flat, &err);
        if (imp) {
            ok++;
            mtree_import_free(imp);
        } else {
            failed++;
            if (g_getenv("MTREE_SHOW_REFUSED")) {
                g_test_message("refused: %s", err->message);
            }
            g_assert_true(g_str_has_prefix(err->message, "line ") ||
                          g_str_has_prefix(err->message, "hint line "));
        }
        g_assert_cmpuint(address_space_count(), ==, before);
    }
    /* hex digits changed near the low end of numbers: other sizes,
     * addresses, windows, overlaps (small, so RAM stays small) */
    GRand *rand = g_rand_new_with_seed(11);
    for (guint i = 0; i < (g_test_quick() ? 60u : 400u); i++) {
        g_autofree char *t = g_strdup(tree);
        for (int k = 0; k < 1 + (int)(i % 5); k++) {
            size_t at = (size_t)g_rand_int_range(rand, 0, (gint32)len);
            /* the last three digits of a 16-digit number */
            size_t d = 0;
            while (at + d < len && g_ascii_isxdigit(t[at + d])) {
                d++;
            }
            if (d == 0 || d > 3 || at < 13 || !g_ascii_isxdigit(t[at - 13])) {
                continue;
            }
            t[at] = "0123456789abcdef"[g_rand_int_range(rand, 0, 16)];
        }
        g_autoptr(GError) err = NULL;
        MtreeImport *imp = mtree_import(t, i % 2 ? flat : NULL, &err);
        if (imp) {
            ok++;
            g_free(mtree_info(false, true));
            g_free(mtree_info(true, false));
            mtree_import_free(imp);
        } else {
            failed++;
            if (g_getenv("MTREE_SHOW_REFUSED")) {
                g_test_message("refused: %s", err->message);
            }
            g_assert_true(g_str_has_prefix(err->message, "line ") ||
                          g_str_has_prefix(err->message, "hint line "));
        }
        g_assert_cmpuint(address_space_count(), ==, before);
    }
    g_rand_free(rand);
    static const char subst[] = { ' ', '\n', '-', '@', '0', 'f', 'x', '(', ')',
                                  ':', '[' };
    rand = g_rand_new_with_seed(7);
    for (guint i = 0; i < (g_test_quick() ? 100u : 600u); i++) {
        g_autofree char *t = g_strdup(tree);
        g_autofree char *h = g_strdup(flat);
        char *victim = (i % 3 == 2) ? h : t;
        size_t vlen = strlen(victim);
        for (int k = 0; k < 1 + (int)(i % 4); k++) {
            victim[g_rand_int_range(rand, 0, (gint32)vlen)] =
                subst[g_rand_int_range(rand, 0, G_N_ELEMENTS(subst))];
        }
        g_autoptr(GError) err = NULL;
        MtreeImport *imp = mtree_import(t, h, &err);
        if (imp) {
            ok++;
            g_free(mtree_info(false, true));
            g_free(mtree_info(true, false));
            mtree_import_free(imp);
        } else {
            failed++;
            if (g_getenv("MTREE_SHOW_REFUSED")) {
                g_test_message("refused: %s", err->message);
            }
            g_assert_true(g_str_has_prefix(err->message, "line ") ||
                          g_str_has_prefix(err->message, "hint line "));
        }
        g_assert_cmpuint(address_space_count(), ==, before);
    }
    g_rand_free(rand);
    g_test_message("mangled dumps: %u imported, %u refused", ok, failed);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(dumps); i++) {
        g_autofree char *p1 = g_strdup_printf("/mtree-import/dump/%s", dumps[i]);
        g_autofree char *p2 = g_strdup_printf("/mtree-import/owner/%s",
                                              dumps[i]);
        g_autofree char *p3 = g_strdup_printf("/mtree-import/no-hint/%s",
                                              dumps[i]);
        g_test_add_data_func(p1, dumps[i], test_dump);
        g_test_add_data_func(p2, dumps[i], test_dump_owner);
        g_test_add_data_func(p3, dumps[i], test_dump_no_hint);
    }
    g_test_add_func("/mtree-import/reimport", test_reimport);
    g_test_add_func("/mtree-import/imported-memory-works",
                    test_imported_memory_works);
    g_test_add_func("/mtree-import/roundtrip/ambiguities",
                    test_roundtrip_ambiguities);
    g_test_add_func("/mtree-import/roundtrip/same-names",
                    test_roundtrip_same_names);
    g_test_add_func("/mtree-import/roundtrip/types", test_roundtrip_types);
    g_test_add_func("/mtree-import/errors", test_errors);
    g_test_add_func("/mtree-import/too-deep", test_too_deep);
    g_test_add_func("/mtree-import/mangled", test_mangled);
    return g_test_run();
}
