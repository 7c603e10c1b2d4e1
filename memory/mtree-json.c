/* mtree-json.c - info mtree as JSON lines (see mtree-json.h) */
#include <json-glib/json-glib.h>
#include "memory/address-space.h"
#include "memory/mtree-json.h"

static void add_hex(JsonBuilder *b, const char *key, u128 v)
{
    char buf[40];

    if (v >= U128_2_64) {
        g_snprintf(buf, sizeof buf, "0x10000000000000000");
    } else {
        g_snprintf(buf, sizeof buf, "0x%" PRIx64, (uint64_t)v);
    }
    json_builder_set_member_name(b, key);
    json_builder_add_string_value(b, buf);
}

static void add_line(GString *out, JsonBuilder *b)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    g_autofree char *text = NULL;

    json_generator_set_root(gen, root);
    text = json_generator_to_data(gen, NULL);
    g_string_append(out, text);
    g_string_append_c(out, '\n');
}

static const char *kind_name(const MemoryRegion *mr)
{
    switch (mr->kind) {
    case MR_CONTAINER:
        /* a "container" that terminates fills its holes like I/O */
        return mr->terminates ? "io" : "container";
    case MR_RAM:
        return mr->readonly ? "rom" : "ram";
    case MR_ROM_DEVICE:
        return "rom-device";
    case MR_IO:
        return "io";
    case MR_ALIAS:
        return "alias";
    case MR_IOMMU:
        return "iommu";
    }
    return "unknown";
}

/* The names of the address spaces whose root (tree) or view (flat) is @key */
static void add_as_names(JsonBuilder *b, gconstpointer key, bool by_view)
{
    json_builder_set_member_name(b, "address_spaces");
    json_builder_begin_array(b);
    for (guint i = 0; i < address_space_count(); i++) {
        AddressSpace *as = address_space_nth(i);
        if ((by_view ? (gconstpointer)as->current_map
                     : (gconstpointer)as->root) == key) {
            json_builder_add_string_value(b, as->name);
        }
    }
    json_builder_end_array(b);
}

/* Children in the order info mtree prints them: by address, then by
 * priority, highest first; equal ones keep list order. */
static gint child_order(gconstpointer a, gconstpointer b)
{
    const MemoryRegion *x = *(MemoryRegion *const *)a;
    const MemoryRegion *y = *(MemoryRegion *const *)b;

    if (x->addr != y->addr) {
        return x->addr < y->addr ? -1 : 1;
    }
    return x->priority > y->priority ? -1 : x->priority < y->priority;
}

#define TREE_DEPTH_MAX 512

static void tree_lines(GString *out, MemoryRegion *root, MemoryRegion *mr,
                       u128 base, unsigned depth)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    u128 start = base + mr->addr;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "root");
    json_builder_add_string_value(b, memory_region_name(root));
    if (depth == 0) {
        add_as_names(b, root, false);
    }
    json_builder_set_member_name(b, "depth");
    json_builder_add_int_value(b, depth);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, memory_region_name(mr));
    json_builder_set_member_name(b, "kind");
    json_builder_add_string_value(b, kind_name(mr));
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, memory_region_type_name(mr));
    add_hex(b, "start", start);
    add_hex(b, "end", mr->size ? start + mr->size - 1 : start);
    json_builder_set_member_name(b, "priority");
    json_builder_add_int_value(b, mr->priority);
    json_builder_set_member_name(b, "enabled");
    json_builder_add_boolean_value(b, mr->enabled);
    if (mr->alias) {
        json_builder_set_member_name(b, "alias");
        json_builder_add_string_value(b, memory_region_name(mr->alias));
        add_hex(b, "alias_offset", mr->alias_offset);
    }
    json_builder_end_object(b);
    add_line(out, b);

    if (depth >= TREE_DEPTH_MAX || mr->subregions->len == 0) {
        return;
    }
    g_autoptr(GPtrArray) kids = g_ptr_array_sized_new(mr->subregions->len);
    for (guint i = 0; i < mr->subregions->len; i++) {
        g_ptr_array_add(kids, g_ptr_array_index(mr->subregions, i));
    }
    g_ptr_array_sort(kids, child_order); /* stable: equal ones keep order */
    for (guint i = 0; i < kids->len; i++) {
        tree_lines(out, root, g_ptr_array_index(kids, i), start, depth + 1);
    }
}

static void flat_lines(GString *out, FlatView *fv, guint n)
{
    const char *root = fv->root ? memory_region_name(fv->root) : NULL;

    for (guint i = 0; i < MAX(fv->nr, 1); i++) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        const FlatRange *fr = fv->nr ? &fv->ranges[i] : NULL;

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "view");
        json_builder_add_int_value(b, n);
        add_as_names(b, fv, true);
        json_builder_set_member_name(b, "root");
        if (root) {
            json_builder_add_string_value(b, root);
        } else {
            json_builder_add_null_value(b);
        }
        if (!fr) {
            json_builder_set_member_name(b, "start");
            json_builder_add_null_value(b);
        } else {
            add_hex(b, "start", fr->start);
            add_hex(b, "end", fr->start + fr->size - 1);
            json_builder_set_member_name(b, "priority");
            json_builder_add_int_value(b, fr->mr->priority);
            json_builder_set_member_name(b, "type");
            json_builder_add_string_value(b, flat_range_type_name(fr));
            json_builder_set_member_name(b, "region");
            json_builder_add_string_value(b, memory_region_name(fr->mr));
            add_hex(b, "offset", fr->offset_in_region);
            json_builder_set_member_name(b, "readonly");
            json_builder_add_boolean_value(b, fr->readonly);
            json_builder_set_member_name(b, "nonvolatile");
            json_builder_add_boolean_value(b, fr->nonvolatile);
            json_builder_set_member_name(b, "romd");
            json_builder_add_boolean_value(b, fr->romd_mode);
        }
        json_builder_end_object(b);
        add_line(out, b);
    }
}

char *mtree_json(bool flatview)
{
    GString *out = g_string_new("");

    if (flatview) {
        g_autoptr(GPtrArray) views = flatviews_in_use();
        for (guint i = 0; i < views->len; i++) {
            flat_lines(out, g_ptr_array_index(views, i), i);
        }
    } else {
        g_autoptr(GPtrArray) roots = g_ptr_array_new();
        for (guint i = 0; i < address_space_count(); i++) {
            MemoryRegion *root = address_space_nth(i)->root;
            if (!g_ptr_array_find(roots, root, NULL)) {
                g_ptr_array_add(roots, root);
                tree_lines(out, root, root, 0, 0);
            }
        }
    }
    return g_string_free(out, FALSE);
}
