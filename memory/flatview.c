/*
 * flatview.c - rendering region trees into FlatViews.
 *
 * QEMU's render_memory_region paints each region's children in priority
 * order, a terminating region filling only what is still empty, into one
 * array. We compute the same result bottom-up: each region keeps its local
 * flat list (pieces relative to its own start, clipped to its size, with its
 * readonly/nonvolatile applied), so a change re-renders only the regions on
 * the path from the change to the roots.
 *
 * A container whose enabled children do not overlap is rendered by
 * concatenating their lists in address order; overlapping children go
 * through a sweep where, at every address, the child first in priority order
 * wins (exactly what painting in priority order gives).
 */
#include "memory/memory-internal.h"

typedef __int128 i128;

/* Deeper nesting is not rendered (protects the C stack). */
#define RENDER_DEPTH_MAX 512

/* ---- dirty marking ----------------------------------------------------- */

void memory_region_mark_users_dirty(MemoryRegion *mr)
{
    if (mr->container) {
        memory_region_mark_dirty(mr->container);
    }
    GPtrArray *users = mr->render->alias_users;
    for (guint i = 0; users && i < users->len; i++) {
        memory_region_mark_dirty(g_ptr_array_index(users, i));
    }
}

/* Invariant: when a region is dirty, every region that renders it is dirty
 * too, so marking can stop at a region that already is. */
void memory_region_mark_dirty(MemoryRegion *mr)
{
    g_autoptr(GPtrArray) stack = g_ptr_array_new();

    g_ptr_array_add(stack, mr);
    while (stack->len > 0) {
        MemoryRegion *r = g_ptr_array_steal_index_fast(stack, stack->len - 1);
        if (r->render->dirty) {
            continue;
        }
        r->render->dirty = true;
        if (r->container) {
            g_ptr_array_add(stack, r->container);
        }
        GPtrArray *users = r->render->alias_users;
        for (guint i = 0; users && i < users->len; i++) {
            g_ptr_array_add(stack, g_ptr_array_index(users, i));
        }
    }
}

void memory_region_render_free(MemoryRegion *mr)
{
    struct MemoryRegionRender *r = mr->render;
    if (!r) {
        return;
    }
    if (r->local) {
        g_array_free(r->local, TRUE);
    }
    if (r->alias_users) {
        g_ptr_array_free(r->alias_users, TRUE);
    }
    if (r->by_addr) {
        g_ptr_array_free(r->by_addr, TRUE);
    }
    g_free(r);
    mr->render = NULL;
}

/* ---- children in address order ------------------------------------- */

static guint by_addr_position(GPtrArray *arr, hwaddr addr)
{
    guint lo = 0, hi = arr->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        MemoryRegion *other = g_ptr_array_index(arr, mid);
        if (other->addr <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

void memory_region_by_addr_insert(MemoryRegion *container, MemoryRegion *sub)
{
    struct MemoryRegionRender *r = container->render;
    if (!r->by_addr) {
        r->by_addr = g_ptr_array_new();
    }
    g_ptr_array_insert(r->by_addr, (gint)by_addr_position(r->by_addr, sub->addr),
                       sub);
}

void memory_region_by_addr_remove(MemoryRegion *container, MemoryRegion *sub)
{
    GPtrArray *arr = container->render->by_addr;
    if (!arr) {
        return;
    }
    /* start at the first sibling with the same address */
    guint i = by_addr_position(arr, sub->addr);
    while (i > 0) {
        MemoryRegion *other = g_ptr_array_index(arr, i - 1);
        if (other == sub) {
            g_ptr_array_remove_index(arr, i - 1);
            return;
        }
        if (other->addr != sub->addr) {
            break;
        }
        i--;
    }
    g_ptr_array_remove(arr, sub); /* address changed behind our back */
}

/* ---- local lists ---------------------------------------------------------- */

/* First piece of the sorted list @src that ends after @pos */
static guint first_piece_after(GArray *src, i128 pos)
{
    guint lo = 0, hi = src->len;
    if (pos <= 0) {
        return 0;
    }
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        FlatRange *p = &g_array_index(src, FlatRange, mid);
        if ((i128)(p->start + p->size) <= pos) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Append @src moved by @delta and clipped to [0, clip) to @out. */
static void append_moved(GArray *out, GArray *src, i128 delta, u128 clip)
{
    for (guint i = first_piece_after(src, -delta); i < src->len; i++) {
        const FlatRange *p = &g_array_index(src, FlatRange, i);
        i128 s = (i128)p->start + delta;
        i128 e = s + (i128)p->size;
        if (s >= (i128)clip) {
            break;
        }
        if (e <= 0) {
            continue;
        }
        FlatRange fr = *p;
        i128 ns = s < 0 ? 0 : s;
        i128 ne = e > (i128)clip ? (i128)clip : e;
        fr.offset_in_region += (hwaddr)(ns - s);
        fr.start = (u128)ns;
        fr.size = (u128)(ne - ns);
        g_array_append_val(out, fr);
    }
}

static FlatRange self_piece(MemoryRegion *mr, u128 start, u128 size)
{
    return (FlatRange){
        .mr = mr,
        .offset_in_region = (hwaddr)start,
        .start = start,
        .size = size,
        .dirty_log_mask = mr->dirty_log_mask,
        .romd_mode = mr->romd_mode,
        .readonly = false, /* applied with the region's flags below */
        .nonvolatile = false,
    };
}

typedef struct RankedPiece {
    FlatRange fr;
    guint rank;
} RankedPiece;

static int cmp_ranked_start(const void *a, const void *b)
{
    const RankedPiece *x = a, *y = b;
    return x->fr.start < y->fr.start ? -1 : x->fr.start > y->fr.start;
}

static int cmp_u128(const void *a, const void *b)
{
    u128 x = *(const u128 *)a, y = *(const u128 *)b;
    return x < y ? -1 : x > y;
}

/* min-heap of piece indexes by rank */
static void heap_push(GArray *heap, RankedPiece *pieces, guint idx)
{
    g_array_append_val(heap, idx);
    guint *h = (guint *)heap->data;
    guint i = heap->len - 1;
    while (i > 0) {
        guint parent = (i - 1) / 2;
        if (pieces[h[parent]].rank <= pieces[h[i]].rank) {
            break;
        }
        guint t = h[parent];
        h[parent] = h[i];
        h[i] = t;
        i = parent;
    }
}

static void heap_pop(GArray *heap, RankedPiece *pieces)
{
    guint *h = (guint *)heap->data;
    guint n = heap->len - 1;
    h[0] = h[n];
    g_array_set_size(heap, n);
    guint i = 0;
    for (;;) {
        guint l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && pieces[h[l]].rank < pieces[h[m]].rank) {
            m = l;
        }
        if (r < n && pieces[h[r]].rank < pieces[h[m]].rank) {
            m = r;
        }
        if (m == i) {
            break;
        }
        guint t = h[m];
        h[m] = h[i];
        h[i] = t;
        i = m;
    }
}

/* Emit [x, y) of piece @p, extending the last output piece if contiguous. */
static void emit_segment(GArray *out, const FlatRange *p, u128 x, u128 y)
{
    if (out->len > 0) {
        FlatRange *last = &g_array_index(out, FlatRange, out->len - 1);
        if (last->mr == p->mr && last->start + last->size == x &&
            last->offset_in_region + (hwaddr)last->size ==
                p->offset_in_region + (hwaddr)(x - p->start) &&
            last->dirty_log_mask == p->dirty_log_mask &&
            last->romd_mode == p->romd_mode &&
            last->readonly == p->readonly &&
            last->nonvolatile == p->nonvolatile) {
            last->size += y - x;
            return;
        }
    }
    FlatRange fr = *p;
    fr.offset_in_region += (hwaddr)(x - p->start);
    fr.start = x;
    fr.size = y - x;
    g_array_append_val(out, fr);
}

/* Overlapping children: at each address the lowest rank wins. */
static void overlay_sweep(GArray *out, GArray *ranked)
{
    guint n = ranked->len;
    RankedPiece *pieces = (RankedPiece *)ranked->data;
    g_autoptr(GArray) points = g_array_sized_new(FALSE, FALSE, sizeof(u128),
                                                 2 * n);
    g_autoptr(GArray) heap = g_array_new(FALSE, FALSE, sizeof(guint));

    if (n == 0) {
        return;
    }
    qsort(pieces, n, sizeof(RankedPiece), cmp_ranked_start);
    for (guint i = 0; i < n; i++) {
        u128 e = pieces[i].fr.start + pieces[i].fr.size;
        g_array_append_val(points, pieces[i].fr.start);
        g_array_append_val(points, e);
    }
    qsort(points->data, points->len, sizeof(u128), cmp_u128);

    guint next = 0;
    for (guint k = 0; k + 1 < points->len; k++) {
        u128 x = g_array_index(points, u128, k);
        u128 y = g_array_index(points, u128, k + 1);
        if (x == y) {
            continue;
        }
        while (next < n && pieces[next].fr.start <= x) {
            heap_push(heap, pieces, next++);
        }
        while (heap->len > 0) {
            RankedPiece *top = &pieces[g_array_index(heap, guint, 0)];
            if (top->fr.start + top->fr.size > x) {
                break;
            }
            heap_pop(heap, pieces);
        }
        if (heap->len > 0) {
            emit_segment(out, &pieces[g_array_index(heap, guint, 0)].fr, x, y);
        }
    }
}

static GArray *local_pieces_depth(MemoryRegion *mr, int depth);

/* Children of @mr in priority order, painted into @out. */
static void render_children(MemoryRegion *mr, GArray *out, int depth)
{
    GPtrArray *by_addr = mr->render->by_addr;
    bool overlap = false;
    u128 prev_end = 0;
    bool have_prev = false;

    if (!by_addr || by_addr->len == 0) {
        return;
    }
    for (guint i = 0; i < by_addr->len; i++) {
        MemoryRegion *c = g_ptr_array_index(by_addr, i);
        if (!c->enabled || c->size == 0) {
            continue;
        }
        if (have_prev && (u128)c->addr < prev_end) {
            overlap = true;
            break;
        }
        prev_end = (u128)c->addr + c->size;
        have_prev = true;
    }

    if (!overlap) {
        for (guint i = 0; i < by_addr->len; i++) {
            MemoryRegion *c = g_ptr_array_index(by_addr, i);
            if (c->enabled && c->size) {
                append_moved(out, local_pieces_depth(c, depth + 1),
                             (i128)c->addr, mr->size);
            }
        }
        return;
    }

    g_autoptr(GArray) tmp = g_array_new(FALSE, FALSE, sizeof(FlatRange));
    g_autoptr(GArray) ranked = g_array_new(FALSE, FALSE, sizeof(RankedPiece));
    for (guint rank = 0; rank < mr->subregions->len; rank++) {
        MemoryRegion *c = g_ptr_array_index(mr->subregions, rank);
        if (!c->enabled || c->size == 0) {
            continue;
        }
        g_array_set_size(tmp, 0);
        append_moved(tmp, local_pieces_depth(c, depth + 1), (i128)c->addr,
                     mr->size);
        for (guint i = 0; i < tmp->len; i++) {
            RankedPiece rp = { g_array_index(tmp, FlatRange, i), rank };
            g_array_append_val(ranked, rp);
        }
    }
    overlay_sweep(out, ranked);
}

/* A terminating region fills the holes its children leave. */
static GArray *fill_holes(MemoryRegion *mr, GArray *children)
{
    GArray *out = g_array_sized_new(FALSE, FALSE, sizeof(FlatRange),
                                    children->len * 2 + 1);
    u128 pos = 0;
    for (guint i = 0; i < children->len; i++) {
        FlatRange *p = &g_array_index(children, FlatRange, i);
        if (p->start > pos) {
            FlatRange fr = self_piece(mr, pos, p->start - pos);
            g_array_append_val(out, fr);
        }
        g_array_append_val(out, *p);
        pos = p->start + p->size;
    }
    if (pos < mr->size) {
        FlatRange fr = self_piece(mr, pos, mr->size - pos);
        g_array_append_val(out, fr);
    }
    return out;
}

static GArray *local_pieces_depth(MemoryRegion *mr, int depth)
{
    struct MemoryRegionRender *r = mr->render;
    GArray *out;

    if (!r->dirty && r->local) {
        return r->local;
    }
    out = g_array_new(FALSE, FALSE, sizeof(FlatRange));
    if (depth > RENDER_DEPTH_MAX) {
        static bool warned;
        if (!warned) {
            g_warning("memory regions nested deeper than %d levels are not "
                      "rendered", RENDER_DEPTH_MAX);
            warned = true;
        }
    } else if (mr->alias) {
        /* The target's own addr cancels out, as in QEMU's render. */
        if (mr->alias->enabled) {
            append_moved(out, local_pieces_depth(mr->alias, depth + 1),
                         -(i128)mr->alias_offset, mr->size);
        }
    } else {
        render_children(mr, out, depth);
        if (mr->terminates) {
            GArray *filled = fill_holes(mr, out);
            g_array_free(out, TRUE);
            out = filled;
        }
    }
    if (mr->readonly || mr->nonvolatile) {
        for (guint i = 0; i < out->len; i++) {
            FlatRange *p = &g_array_index(out, FlatRange, i);
            p->readonly |= mr->readonly;
            p->nonvolatile |= mr->nonvolatile;
        }
    }
    if (r->local) {
        g_array_free(r->local, TRUE);
    }
    static uint64_t versions;
    r->local = out;
    r->version = ++versions;
    r->dirty = false;
    return out;
}

GArray *memory_region_local_pieces(MemoryRegion *mr)
{
    return local_pieces_depth(mr, 0);
}

/* ---- views ------------------------------------------------------------ */

MemoryRegion *memory_region_get_flatview_root(MemoryRegion *mr)
{
    for (int steps = 0; mr && mr->enabled && steps < RENDER_DEPTH_MAX;
         steps++) {
        if (mr->alias) {
            if (!mr->alias_offset && mr->size >= mr->alias->size) {
                /* the whole target: share its view */
                mr = mr->alias;
                continue;
            }
        } else if (!mr->terminates) {
            unsigned found = 0;
            MemoryRegion *next = NULL;
            for (guint i = 0; i < mr->subregions->len; i++) {
                MemoryRegion *c = g_ptr_array_index(mr->subregions, i);
                if (!c->enabled) {
                    continue;
                }
                if (++found > 1) {
                    next = NULL;
                    break;
                }
                if (!c->addr && mr->size >= c->size) {
                    next = c;
                }
            }
            if (found == 0) {
                return NULL;
            }
            if (next) {
                mr = next;
                continue;
            }
        }
        return mr;
    }
    return NULL;
}

bool flatrange_equal(const FlatRange *a, const FlatRange *b)
{
    return a->mr == b->mr && a->start == b->start && a->size == b->size &&
           a->offset_in_region == b->offset_in_region &&
           a->romd_mode == b->romd_mode && a->readonly == b->readonly &&
           a->nonvolatile == b->nonvolatile;
}

static bool can_merge(const FlatRange *a, const FlatRange *b)
{
    return a->start + a->size == b->start && a->mr == b->mr &&
           a->offset_in_region + (hwaddr)a->size == b->offset_in_region &&
           a->dirty_log_mask == b->dirty_log_mask &&
           a->romd_mode == b->romd_mode && a->readonly == b->readonly &&
           a->nonvolatile == b->nonvolatile;
}

FlatView *flatview_render(MemoryRegion *root)
{
    FlatView *fv = g_new0(FlatView, 1);
    g_autoptr(GArray) moved = g_array_new(FALSE, FALSE, sizeof(FlatRange));

    fv->ref = 1;
    fv->root = root;
    if (root) {
        memory_region_ref(root);
        if (root->enabled) {
            /* QEMU renders a root at its own addr */
            append_moved(moved, memory_region_local_pieces(root),
                         (i128)root->addr, U128_2_64);
        }
    }
    fv->ranges = g_new(FlatRange, moved->len ? moved->len : 1);
    fv->starts = g_new(hwaddr, moved->len ? moved->len : 1);
    for (guint i = 0; i < moved->len; i++) {
        FlatRange fr = g_array_index(moved, FlatRange, i);
        if (memory_global_dirty_tracking &&
            (fr.mr->ram_block || fr.mr->kind == MR_IOMMU)) {
            fr.dirty_log_mask |= 1u << DIRTY_MEMORY_MIGRATION;
        }
        if (fv->nr > 0 && can_merge(&fv->ranges[fv->nr - 1], &fr)) {
            fv->ranges[fv->nr - 1].size += fr.size;
            continue;
        }
        fv->ranges[fv->nr] = fr;
        fv->starts[fv->nr] = (hwaddr)fr.start;
        fv->nr++;
        memory_region_ref(fr.mr);
    }
    return fv;
}

void flatview_ref(FlatView *fv)
{
    fv->ref++;
}

void flatview_unref(FlatView *fv)
{
    if (!fv || --fv->ref > 0) {
        return;
    }
    for (guint i = 0; i < fv->nr; i++) {
        memory_region_unref(fv->ranges[i].mr);
    }
    memory_region_unref(fv->root);
    g_free(fv->ranges);
    g_free(fv->starts);
    g_free(fv);
}

int flatview_find(const FlatView *fv, hwaddr addr)
{
    const hwaddr *starts = fv->starts;
    guint lo = 0, n = fv->nr;

    if (n == 0 || addr < starts[0]) {
        return -1;
    }
    /* branch-light search for the last start <= addr */
    while (n > 1) {
        guint half = n / 2;
        lo = starts[lo + half] <= addr ? lo + half : lo;
        n -= half;
    }
    const FlatRange *fr = &fv->ranges[lo];
    if ((u128)addr >= fr->start + fr->size) {
        return -1;
    }
    return (int)lo;
}

const char *flat_range_type_name(const FlatRange *fr)
{
    return fr->readonly ? "rom" : memory_region_type_name(fr->mr);
}

MemoryRegionSection flatview_section(FlatView *fv, guint i)
{
    const FlatRange *fr = &fv->ranges[i];
    return (MemoryRegionSection){
        .size = fr->size,
        .mr = fr->mr,
        .fv = fv,
        .offset_within_region = fr->offset_in_region,
        .offset_within_address_space = (hwaddr)fr->start,
        .readonly = fr->readonly,
        .nonvolatile = fr->nonvolatile,
    };
}

GPtrArray *flatviews_in_use(void)
{
    GPtrArray *views = g_ptr_array_new();
    for (guint i = 0; i < address_space_count(); i++) {
        FlatView *fv = address_space_nth(i)->current_map;
        if (fv && !g_ptr_array_find(views, fv, NULL)) {
            g_ptr_array_add(views, fv);
        }
    }
    return views;
}
