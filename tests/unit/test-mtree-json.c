/* test-mtree-json.c - info mtree as JSON lines: every line parses, and the
 * lines say what the text output says. */
#include <json-glib/json-glib.h>
#include "memory/mtree.h"
#include "memory/mtree-import.h"
#include "memory/mtree-json.h"
#include "test-helpers.h"

static JsonObject *parse_line(JsonParser *p, const char *line)
{
    g_autoptr(GError) err = NULL;
    g_assert_true(json_parser_load_from_data(p, line, -1, &err));
    g_assert_no_error(err);
    g_assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)));
    return json_node_get_object(json_parser_get_root(p));
}

/* A hand-built map: the values of each line are the region's. */
static void test_json_small_map(void)
{
    g_autoptr(GError) err = NULL;
    MemoryRegion *sys = memory_region_new_container("system", UINT64_MAX);
    MemoryRegion *ram = test_ram("ram", 0x10000);
    memory_region_ref(ram);
    test_add(sys, 0x100000, ram, 0);
    MemoryRegion *al = memory_region_new_alias("window", ram, 0x8000, 0x1000, &err);
    g_assert_no_error(err);
    memory_region_set_readonly(al, true);
    test_add(sys, 0xfffffffffffff000ull, al, 2);
    AddressSpace *as = address_space_new(sys, "json-as");
    g_autoptr(JsonParser) p = json_parser_new();

    g_autofree char *tree = mtree_json(false);
    g_auto(GStrv) lines = g_strsplit(tree, "\n", -1);
    gboolean seen_alias = FALSE;
    for (guint i = 0; lines[i] && *lines[i]; i++) {
        JsonObject *o = parse_line(p, lines[i]);
        if (strcmp(json_object_get_string_member(o, "root"), "system")) {
            continue; /* other tests' address spaces */
        }
        if (!strcmp(json_object_get_string_member(o, "name"), "window")) {
            seen_alias = TRUE;
            g_assert_cmpstr(json_object_get_string_member(o, "start"), ==, "0xfffffffffffff000");
            g_assert_cmpstr(json_object_get_string_member(o, "end"), ==, "0xffffffffffffffff");
            g_assert_cmpstr(json_object_get_string_member(o, "alias"), ==, "ram");
            g_assert_cmpstr(json_object_get_string_member(o, "alias_offset"), ==, "0x8000");
            g_assert_cmpint(json_object_get_int_member(o, "priority"), ==, 2);
            g_assert_cmpint(json_object_get_int_member(o, "depth"), ==, 1);
            g_assert_cmpstr(json_object_get_string_member(o, "kind"), ==, "alias");
        }
    }
    g_assert_true(seen_alias);

    g_autofree char *flat = mtree_json(true);
    g_auto(GStrv) flines = g_strsplit(flat, "\n", -1);
    guint ours = 0;
    for (guint i = 0; flines[i] && *flines[i]; i++) {
        JsonObject *o = parse_line(p, flines[i]);
        JsonArray *names = json_object_get_array_member(o, "address_spaces");
        if (json_array_get_length(names) != 1 ||
            strcmp(json_array_get_string_element(names, 0), "json-as")) {
            continue;
        }
        ours++;
        if (!strcmp(json_object_get_string_member(o, "start"), "0xfffffffffffff000")) {
            g_assert_cmpstr(json_object_get_string_member(o, "region"), ==, "ram");
            g_assert_cmpstr(json_object_get_string_member(o, "offset"), ==, "0x8000");
            g_assert_cmpstr(json_object_get_string_member(o, "type"), ==, "rom");
            g_assert_true(json_object_get_boolean_member(o, "readonly"));
        } else {
            g_assert_cmpstr(json_object_get_string_member(o, "start"), ==, "0x100000");
            g_assert_cmpstr(json_object_get_string_member(o, "end"), ==, "0x10ffff");
            g_assert_false(json_object_get_boolean_member(o, "readonly"));
        }
    }
    g_assert_cmpuint(ours, ==, 2);
    memory_region_unref(ram);
    address_space_destroy(as);
    memory_region_unref(sys);
}

/* On a real QEMU dump: as many flat JSON lines as ranges in `info mtree
 * -f`, and as many tree lines as regions in `info mtree -D`. */
static void test_json_matches_text(void)
{
    const char *data = g_getenv("IOMMUSIM_DATA");
    g_autofree char *tree_path = g_build_filename(data ? data : "tests/data",
                                                  "mtree", "q35-vtd.tree.txt", NULL);
    g_autofree char *flat_path = g_build_filename(data ? data : "tests/data",
                                                  "mtree", "q35-vtd.flat.txt", NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(MtreeImport) imp = mtree_import_files(tree_path, flat_path, &err);
    g_assert_no_error(err);
    g_autoptr(JsonParser) p = json_parser_new();

    g_autofree char *ftext = mtree_info(true, false);
    g_autofree char *fjson = mtree_json(true);
    g_auto(GStrv) tl = g_strsplit(ftext, "\n", -1);
    g_auto(GStrv) jl = g_strsplit(fjson, "\n", -1);
    guint text_ranges = 0, json_ranges = 0;
    for (guint i = 0; tl[i]; i++) {
        if (g_str_has_prefix(tl[i], "  ") && strstr(tl[i], " (prio ")) {
            text_ranges++;
        }
    }
    for (guint i = 0; jl[i] && *jl[i]; i++) {
        JsonObject *o = parse_line(p, jl[i]);
        if (!JSON_NODE_HOLDS_NULL(json_object_get_member(o, "start"))) {
            json_ranges++;
        }
    }
    g_assert_cmpuint(text_ranges, >, 50);
    g_assert_cmpuint(json_ranges, ==, text_ranges);

    g_autofree char *ttext = mtree_info(false, true);
    g_autofree char *tjson = mtree_json(false);
    g_auto(GStrv) tt = g_strsplit(ttext, "\n", -1);
    g_auto(GStrv) tj = g_strsplit(tjson, "\n", -1);
    guint text_regions = 0, json_regions = 0;
    gboolean in_as = FALSE;
    for (guint i = 0; tt[i]; i++) {
        if (g_str_has_prefix(tt[i], "address-space")) {
            in_as = TRUE;           /* the trees of address spaces */
        } else if (g_str_has_prefix(tt[i], "memory-region")) {
            in_as = FALSE;          /* alias targets printed again */
        } else if (in_as && strstr(tt[i], " (prio ")) {
            text_regions++;
        }
    }
    for (guint i = 0; tj[i] && *tj[i]; i++) {
        parse_line(p, tj[i]);
        json_regions++;
    }
    g_assert_cmpuint(json_regions, ==, text_regions);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mtree-json/small-map", test_json_small_map);
    g_test_add_func("/mtree-json/matches-text", test_json_matches_text);
    return g_test_run();
}
