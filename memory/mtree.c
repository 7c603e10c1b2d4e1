/*
 * mtree.c - `info mtree` text, byte-compatible with QEMU 7.2 (see mtree.h).
 */
#include "memory/mtree.h"
#include "memory/address-space.h"

#define MTREE_INDENT "  "

/* Distinct alias targets met so far, in order, deduplicated by object. */
typedef struct AliasQueue {
    GPtrArray *order;
    GHashTable *seen;
} AliasQueue;

static void alias_queue_push(AliasQueue *q, const MemoryRegion *mr)
{
    if (!g_hash_table_contains(q->seen, mr)) {
        g_hash_table_add(q->seen, (gpointer)mr);
        g_ptr_array_add(q->order, (gpointer)mr);
    }
}

/* END of a region starting at @start: start + size - 1, or start for an
 * empty region, computed modulo 2^64 as QEMU does. */
static hwaddr mtree_end(hwaddr start, u128 size)
{
    return start + (size ? (hwaddr)(size - 1) : 0);
}

typedef struct ChildRef {
    const MemoryRegion *mr;
    guint index; /* position in the priority-ordered list */
} ChildRef;

/* By address, then priority descending; equal ones keep list order. */
static gint child_cmp(gconstpointer pa, gconstpointer pb)
{
    const ChildRef *a = pa, *b = pb;

    if (a->mr->addr != b->mr->addr) {
        return a->mr->addr < b->mr->addr ? -1 : 1;
    }
    if (a->mr->priority != b->mr->priority) {
        return a->mr->priority > b->mr->priority ? -1 : 1;
    }
    return a->index < b->index ? -1 : a->index > b->index;
}

static void print_region(GString *out, const MemoryRegion *mr, unsigned level,
                         hwaddr base, AliasQueue *queue, bool dump_disabled,
                         unsigned depth)
{
    hwaddr start, end;
    guint n;

    if (!mr) {
        return;
    }
    if (depth > 4096) {
        /* a tree cannot be this deep; stop rather than run out of stack */
        return;
    }

    start = base + mr->addr;
    end = mtree_end(start, mr->size);
    if (start < base || end < start) {
        /* QEMU prints this before the indentation, even for a line it then
         * leaves out */
        g_string_append(out, "[DETECTED OVERFLOW!] ");
    }

    if (mr->alias && queue) {
        alias_queue_push(queue, mr->alias);
    }
    if (mr->enabled || dump_disabled) {
        for (unsigned i = 0; i < level; i++) {
            g_string_append(out, MTREE_INDENT);
        }
        g_string_append_printf(out,
                               "%016" PRIx64 "-%016" PRIx64 " (prio %d, %s%s): ",
                               start, end, mr->priority,
                               mr->nonvolatile ? "nv-" : "",
                               memory_region_type_name(mr));
        if (mr->alias) {
            g_string_append_printf(out,
                                   "alias %s @%s %016" PRIx64 "-%016" PRIx64,
                                   memory_region_name(mr),
                                   memory_region_name(mr->alias),
                                   mr->alias_offset,
                                   mtree_end(mr->alias_offset, mr->size));
        } else {
            g_string_append(out, memory_region_name(mr));
        }
        g_string_append(out, mr->enabled ? "\n" : " [disabled]\n");
    }

    n = mr->subregions ? mr->subregions->len : 0;
    if (n == 0) {
        return;
    }
    ChildRef *kids = g_new(ChildRef, n);
    for (guint i = 0; i < n; i++) {
        kids[i].mr = g_ptr_array_index(mr->subregions, i);
        kids[i].index = i;
    }
    qsort(kids, n, sizeof(*kids), child_cmp);
    for (guint i = 0; i < n; i++) {
        print_region(out, kids[i].mr, level + 1, start, queue, dump_disabled,
                     depth + 1);
    }
    g_free(kids);
}

typedef struct ASGroup {
    MemoryRegion *root;
    GPtrArray *spaces; /* AddressSpace *, sorted by name at print time */
} ASGroup;

static gint as_name_cmp(gconstpointer pa, gconstpointer pb)
{
    const AddressSpace *a = *(AddressSpace *const *)pa;
    const AddressSpace *b = *(AddressSpace *const *)pb;

    return g_strcmp0(a->name, b->name);
}

static void mtree_info_as(GString *out, bool dump_disabled)
{
    guint nas = address_space_count();
    GHashTable *by_root = g_hash_table_new(g_direct_hash, g_direct_equal);
    GPtrArray *groups = g_ptr_array_new();
    AliasQueue queue = {
        .order = g_ptr_array_new(),
        .seen = g_hash_table_new(g_direct_hash, g_direct_equal),
    };
    /* NULL roots: one group, keyed by a sentinel */
    static const char null_root_key;

    for (guint i = 0; i < nas; i++) {
        AddressSpace *as = address_space_nth(i);
        gconstpointer key = as->root ? (gconstpointer)as->root
                                     : (gconstpointer)&null_root_key;
        ASGroup *g = g_hash_table_lookup(by_root, key);

        if (!g) {
            g = g_new0(ASGroup, 1);
            g->root = as->root;
            g->spaces = g_ptr_array_new();
            g_hash_table_insert(by_root, (gpointer)key, g);
            g_ptr_array_add(groups, g);
        }
        g_ptr_array_add(g->spaces, as);
    }

    for (guint i = 0; i < groups->len; i++) {
        ASGroup *g = g_ptr_array_index(groups, i);

        /* stable: equal names keep creation order */
        g_ptr_array_sort(g->spaces, as_name_cmp);
        for (guint j = 0; j < g->spaces->len; j++) {
            AddressSpace *as = g_ptr_array_index(g->spaces, j);
            g_string_append_printf(out, "address-space: %s\n",
                                   as->name ? as->name : "");
        }
        print_region(out, g->root, 1, 0, &queue, dump_disabled, 0);
        g_string_append_c(out, '\n');
        g_ptr_array_free(g->spaces, TRUE);
        g_free(g);
    }

    /* the queue grows while it is printed: targets met in targets */
    for (guint i = 0; i < queue.order->len; i++) {
        const MemoryRegion *mr = g_ptr_array_index(queue.order, i);

        g_string_append_printf(out, "memory-region: %s\n",
                               memory_region_name(mr));
        print_region(out, mr, 1, 0, &queue, dump_disabled, 0);
        g_string_append_c(out, '\n');
    }

    g_ptr_array_free(groups, TRUE);
    g_hash_table_destroy(by_root);
    g_ptr_array_free(queue.order, TRUE);
    g_hash_table_destroy(queue.seen);
}

typedef struct ViewGroup {
    FlatView *view;
    GPtrArray *spaces; /* creation order */
} ViewGroup;

static void print_flatview(GString *out, ViewGroup *vg, int number)
{
    FlatView *view = vg->view;

    g_string_append_printf(out, "FlatView #%d\n", number);
    for (guint i = 0; i < vg->spaces->len; i++) {
        AddressSpace *as = g_ptr_array_index(vg->spaces, i);

        g_string_append_printf(out, " AS \"%s\", root: %s",
                               as->name ? as->name : "",
                               as->root ? memory_region_name(as->root) : "");
        if (as->root && as->root->alias) {
            g_string_append_printf(out, ", alias %s",
                                   memory_region_name(as->root->alias));
        }
        g_string_append_c(out, '\n');
    }
    g_string_append_printf(out, " Root memory region: %s\n",
                           view && view->root
                               ? memory_region_name(view->root) : "(none)");

    if (!view || view->nr == 0) {
        g_string_append(out, MTREE_INDENT "No rendered FlatView\n\n");
        return;
    }

    for (guint i = 0; i < view->nr; i++) {
        const FlatRange *fr = &view->ranges[i];
        const MemoryRegion *mr = fr->mr;
        hwaddr start = (hwaddr)fr->start;

        g_string_append_printf(out,
                               MTREE_INDENT "%016" PRIx64 "-%016" PRIx64
                               " (prio %d, %s%s): %s",
                               start, mtree_end(start, fr->size),
                               mr->priority,
                               fr->nonvolatile ? "nv-" : "",
                               flat_range_type_name(fr),
                               memory_region_name(mr));
        if (fr->offset_in_region) {
            g_string_append_printf(out, " @%016" PRIx64, fr->offset_in_region);
        }
        g_string_append_c(out, '\n');
    }
    g_string_append_c(out, '\n');
}

static void mtree_info_flatview(GString *out)
{
    guint nas = address_space_count();
    GHashTable *by_view = g_hash_table_new(g_direct_hash, g_direct_equal);
    GPtrArray *views = g_ptr_array_new();
    static const char null_view_key;

    for (guint i = 0; i < nas; i++) {
        AddressSpace *as = address_space_nth(i);
        FlatView *fv = address_space_to_flatview(as);
        gconstpointer key = fv ? (gconstpointer)fv
                               : (gconstpointer)&null_view_key;
        ViewGroup *vg = g_hash_table_lookup(by_view, key);

        if (!vg) {
            vg = g_new0(ViewGroup, 1);
            vg->view = fv;
            vg->spaces = g_ptr_array_new();
            g_hash_table_insert(by_view, (gpointer)key, vg);
            g_ptr_array_add(views, vg);
        }
        g_ptr_array_add(vg->spaces, as);
    }

    for (guint i = 0; i < views->len; i++) {
        ViewGroup *vg = g_ptr_array_index(views, i);

        print_flatview(out, vg, (int)i);
        g_ptr_array_free(vg->spaces, TRUE);
        g_free(vg);
    }
    g_ptr_array_free(views, TRUE);
    g_hash_table_destroy(by_view);
}

void mtree_info_append(GString *out, bool flatview, bool dump_disabled)
{
    if (flatview) {
        mtree_info_flatview(out);
    } else {
        mtree_info_as(out, dump_disabled);
    }
}

char *mtree_info(bool flatview, bool dump_disabled)
{
    GString *out = g_string_new(NULL);

    mtree_info_append(out, flatview, dump_disabled);
    return g_string_free(out, FALSE);
}

char *mtree_print_region(const MemoryRegion *mr, bool dump_disabled)
{
    GString *out = g_string_new(NULL);

    print_region(out, mr, 1, 0, NULL, dump_disabled, 0);
    return g_string_free(out, FALSE);
}
