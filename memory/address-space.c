/*
 * address-space.c - AddressSpaces, their shared FlatViews, and
 * MemoryListeners.
 *
 * A commit resolves each address space's flatview root; address spaces with
 * the same root share one view, and a view is rebuilt only when its root's
 * rendering changed. Listeners of an address space hear QEMU's two-pass diff
 * of the old and new view (region_del first, then region_nop/region_add).
 */
#include "memory/memory-internal.h"

static GPtrArray *address_spaces;  /* creation order */
static GPtrArray *all_listeners;   /* every listener, by priority */
/* root region (NULL for the empty view) -> struct ViewEntry */
static GHashTable *view_cache;
static uint64_t commit_gen;

typedef struct ViewEntry {
    FlatView *view;
    uint64_t used_gen;
    /* what the view was built from */
    uint64_t root_version;
    hwaddr root_addr;
    bool root_enabled;
    bool tracking;
} ViewEntry;

static void view_entry_free(gpointer p)
{
    ViewEntry *e = p;
    flatview_unref(e->view);
    g_free(e);
}

static void ensure_globals(void)
{
    if (!address_spaces) {
        address_spaces = g_ptr_array_new();
        all_listeners = g_ptr_array_new();
        view_cache = g_hash_table_new_full(NULL, NULL, NULL, view_entry_free);
    }
}

/* The current view for @root, rebuilt if its rendering changed. */
static FlatView *view_for_root(MemoryRegion *root)
{
    ViewEntry *e = g_hash_table_lookup(view_cache, root);
    uint64_t version = 0;

    if (root && root->enabled) {
        memory_region_local_pieces(root);
        version = root->render->version;
    }
    if (e && e->root_version == version &&
        (!root || (e->root_addr == root->addr &&
                   e->root_enabled == root->enabled)) &&
        e->tracking == memory_global_dirty_tracking) {
        e->used_gen = commit_gen;
        return e->view;
    }
    e = g_new0(ViewEntry, 1);
    e->view = flatview_render(root);
    e->used_gen = commit_gen;
    e->root_version = version;
    e->root_addr = root ? root->addr : 0;
    e->root_enabled = root ? root->enabled : false;
    e->tracking = memory_global_dirty_tracking;
    g_hash_table_replace(view_cache, root, e);
    return e->view;
}

/* ---- listener calls ---------------------------------------------------- */

static void call_update(AddressSpace *as, const FlatRange *fr, FlatView *fv,
                        bool forward, int which, int old_mask, int new_mask)
{
    GPtrArray *ls = as->listeners;
    MemoryRegionSection s = flatview_section(fv, (guint)(fr - fv->ranges));

    for (guint k = 0; k < ls->len; k++) {
        MemoryListener *l = g_ptr_array_index(ls, forward ? k : ls->len - 1 - k);
        switch (which) {
        case 0:
            if (l->region_del) {
                l->region_del(l, &s);
            }
            break;
        case 1:
            if (l->region_add) {
                l->region_add(l, &s);
            }
            break;
        case 2:
            if (l->region_nop) {
                l->region_nop(l, &s);
            }
            break;
        case 3:
            if (l->log_start) {
                l->log_start(l, &s, old_mask, new_mask);
            }
            break;
        case 4:
            if (l->log_stop) {
                l->log_stop(l, &s, old_mask, new_mask);
            }
            break;
        }
    }
}

enum { EV_DEL, EV_ADD, EV_NOP, EV_LOG_START, EV_LOG_STOP };

/* QEMU's address_space_update_topology_pass */
static void update_topology_pass(AddressSpace *as, FlatView *old_view,
                                 FlatView *new_view, bool adding)
{
    guint iold = 0, inew = 0;
    guint oldn = old_view ? old_view->nr : 0;

    while (iold < oldn || inew < new_view->nr) {
        FlatRange *frold = iold < oldn ? &old_view->ranges[iold] : NULL;
        FlatRange *frnew = inew < new_view->nr ? &new_view->ranges[inew] : NULL;

        if (frold && (!frnew || frold->start < frnew->start ||
                      (frold->start == frnew->start &&
                       !flatrange_equal(frold, frnew)))) {
            if (!adding) {
                call_update(as, frold, old_view, false, EV_DEL, 0, 0);
            }
            iold++;
        } else if (frold && frnew && flatrange_equal(frold, frnew)) {
            if (adding) {
                call_update(as, frnew, new_view, true, EV_NOP, 0, 0);
                if (frnew->dirty_log_mask & ~frold->dirty_log_mask) {
                    call_update(as, frnew, new_view, true, EV_LOG_START,
                                frold->dirty_log_mask, frnew->dirty_log_mask);
                }
                if (frold->dirty_log_mask & ~frnew->dirty_log_mask) {
                    call_update(as, frnew, new_view, false, EV_LOG_STOP,
                                frold->dirty_log_mask, frnew->dirty_log_mask);
                }
            }
            iold++;
            inew++;
        } else {
            if (adding) {
                call_update(as, frnew, new_view, true, EV_ADD, 0, 0);
            }
            inew++;
        }
    }
}

static void listeners_call_global(bool commit)
{
    for (guint i = 0; i < all_listeners->len; i++) {
        MemoryListener *l = g_ptr_array_index(all_listeners, i);
        if (commit && l->commit) {
            l->commit(l);
        } else if (!commit && l->begin) {
            l->begin(l);
        }
    }
}

void memory_listeners_global_call_log_global(bool start)
{
    ensure_globals();
    guint n = all_listeners->len;
    for (guint k = 0; k < n; k++) {
        /* start in ascending priority, stop in descending (QEMU) */
        MemoryListener *l = g_ptr_array_index(all_listeners,
                                              start ? k : n - 1 - k);
        if (start && l->log_global_start) {
            l->log_global_start(l);
        } else if (!start && l->log_global_stop) {
            l->log_global_stop(l);
        }
    }
}

/* ---- commit -------------------------------------------------------------- */

static void address_space_set_flatview(AddressSpace *as)
{
    MemoryRegion *root = memory_region_get_flatview_root(as->root);
    FlatView *old_view = as->current_map;
    FlatView *new_view = view_for_root(root);

    if (old_view == new_view && as->listeners->len == 0) {
        return;
    }
    flatview_ref(new_view);
    as->current_map = new_view;
    if (as->listeners->len > 0) {
        /* QEMU always builds new views, so listeners of every address space
         * hear a pass on each commit, region_nop for what stayed */
        update_topology_pass(as, old_view, new_view, false);
        update_topology_pass(as, old_view, new_view, true);
    }
    if (old_view) {
        flatview_unref(old_view);
    }
}

static void evict_unused_views(void);

void address_space_update_all(void)
{
    ensure_globals();
    commit_gen++;
    if (memory_region_views_stale) {
        g_hash_table_remove_all(view_cache);
        memory_region_views_stale = false;
    }
    listeners_call_global(false);
    for (guint i = 0; i < address_spaces->len; i++) {
        address_space_set_flatview(g_ptr_array_index(address_spaces, i));
    }
    evict_unused_views();
    listeners_call_global(true);
}

/* Drop cached views that no address space uses any more. */
static void evict_unused_views(void)
{
    GHashTableIter it;
    gpointer key, value;

    for (guint i = 0; i < address_spaces->len; i++) {
        AddressSpace *as = g_ptr_array_index(address_spaces, i);
        ViewEntry *e = g_hash_table_lookup(view_cache, as->current_map->root);
        if (e && e->view == as->current_map) {
            e->used_gen = commit_gen;
        }
    }
    g_hash_table_iter_init(&it, view_cache);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        if (((ViewEntry *)value)->used_gen != commit_gen) {
            g_hash_table_iter_remove(&it);
        }
    }
}

/* ---- address spaces ------------------------------------------------------- */

void address_space_init(AddressSpace *as, MemoryRegion *root,
                        const char *name)
{
    ensure_globals();
    memset(as, 0, sizeof(*as));
    as->name = g_strdup(name ? name : "anonymous");
    memory_region_ref(root);
    as->root = root;
    as->listeners = g_ptr_array_new();
    as->max_bounce_buffer_size = DEFAULT_MAX_BOUNCE_BUFFER_SIZE;
    g_ptr_array_add(address_spaces, as);

    /* the new address space gets its view now, outside any transaction */
    commit_gen++;
    as->current_map = view_for_root(memory_region_get_flatview_root(root));
    flatview_ref(as->current_map);
}

AddressSpace *address_space_new(MemoryRegion *root, const char *name)
{
    AddressSpace *as = g_new(AddressSpace, 1);
    address_space_init(as, root, name);
    as->heap = true;
    return as;
}

void address_space_destroy(AddressSpace *as)
{
    if (!as) {
        return;
    }
    while (as->listeners->len > 0) {
        MemoryListener *l = g_ptr_array_index(as->listeners,
                                              as->listeners->len - 1);
        g_ptr_array_remove(as->listeners, l);
        g_ptr_array_remove(all_listeners, l);
        l->address_space = NULL;
    }
    g_ptr_array_free(as->listeners, TRUE);
    g_ptr_array_remove(address_spaces, as);
    address_space_free_bounce_buffers(as);
    flatview_unref(as->current_map);
    as->current_map = NULL;
    commit_gen++;
    evict_unused_views();
    memory_region_unref(as->root);
    g_free(as->name);
    if (as->heap) {
        g_free(as);
    }
}

guint address_space_count(void)
{
    return address_spaces ? address_spaces->len : 0;
}

AddressSpace *address_space_nth(guint n)
{
    return address_spaces && n < address_spaces->len
               ? g_ptr_array_index(address_spaces, n)
               : NULL;
}

FlatView *address_space_to_flatview(AddressSpace *as)
{
    return as->current_map;
}

/* ---- listeners ----------------------------------------------------------- */

/* After every listener of priority <= l's, as QEMU inserts. */
static void insert_by_priority(GPtrArray *arr, MemoryListener *l)
{
    guint i = arr->len;
    while (i > 0 &&
           ((MemoryListener *)g_ptr_array_index(arr, i - 1))->priority >
               l->priority) {
        i--;
    }
    g_ptr_array_insert(arr, (gint)i, l);
}

void memory_listener_register(MemoryListener *l, AddressSpace *as)
{
    FlatView *view;

    ensure_globals();
    if (l->address_space) {
        g_warning("memory listener '%s' is already registered",
                  l->name ? l->name : "anonymous");
        return;
    }
    l->address_space = as;
    insert_by_priority(all_listeners, l);
    insert_by_priority(as->listeners, l);

    /* replay the current map to it (QEMU's listener_add_address_space) */
    if (l->begin) {
        l->begin(l);
    }
    if (memory_global_dirty_tracking && l->log_global_start) {
        l->log_global_start(l);
    }
    view = as->current_map;
    flatview_ref(view);
    for (guint i = 0; i < view->nr; i++) {
        MemoryRegionSection s = flatview_section(view, i);
        if (l->region_add) {
            l->region_add(l, &s);
        }
        if (view->ranges[i].dirty_log_mask && l->log_start) {
            l->log_start(l, &s, 0, view->ranges[i].dirty_log_mask);
        }
    }
    if (l->commit) {
        l->commit(l);
    }
    flatview_unref(view);
}

void memory_listener_unregister(MemoryListener *l)
{
    AddressSpace *as = l->address_space;
    FlatView *view;

    if (!as) {
        return;
    }
    if (l->begin) {
        l->begin(l);
    }
    view = as->current_map;
    flatview_ref(view);
    for (guint i = 0; i < view->nr; i++) {
        MemoryRegionSection s = flatview_section(view, i);
        if (view->ranges[i].dirty_log_mask && l->log_stop) {
            l->log_stop(l, &s, view->ranges[i].dirty_log_mask, 0);
        }
        if (l->region_del) {
            l->region_del(l, &s);
        }
    }
    if (l->commit) {
        l->commit(l);
    }
    flatview_unref(view);
    g_ptr_array_remove(all_listeners, l);
    g_ptr_array_remove(as->listeners, l);
    l->address_space = NULL;
}

void memory_region_sync_dirty_bitmap(MemoryRegion *mr)
{
    ensure_globals();
    for (guint i = 0; i < all_listeners->len; i++) {
        MemoryListener *l = g_ptr_array_index(all_listeners, i);
        if (!l->log_sync || !l->address_space) {
            continue;
        }
        FlatView *view = l->address_space->current_map;
        flatview_ref(view);
        for (guint k = 0; k < view->nr; k++) {
            if (view->ranges[k].dirty_log_mask &&
                (!mr || view->ranges[k].mr == mr)) {
                MemoryRegionSection s = flatview_section(view, k);
                l->log_sync(l, &s);
            }
        }
        flatview_unref(view);
    }
}
