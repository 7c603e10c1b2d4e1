/*
 * vtd-notify.c - IOMMU notifiers of the per-device DMAR regions: what a
 * VFIO-style user (MAP/UNMAP), a vhost-style user (UNMAP only) or a device
 * IOTLB (DEVIOTLB_UNMAP) is told when the guest invalidates.
 *
 * With caching mode (CAP.CM, VT-d spec 6.1) the guest invalidates after
 * every change, not-present to present included, so an invalidation is the
 * moment to look at its tables again. Each address space keeps, in an IOVA
 * tree, what its MAP notifiers were told; a sync walks the guest tables
 * over the invalidated range and compares, piece by piece, in address
 * order:
 *   - a leaf that the tree holds exactly (same range, output, permission):
 *     nothing is sent;
 *   - a leaf that is new: MAP; one that replaces other maps: UNMAP of what
 *     it replaces, then MAP;
 *   - a hole (not present, no permission, reserved bits, unreadable, or
 *     output in the interrupt range) over maps: UNMAP.
 * Every event is a naturally aligned power-of-two range that lies wholly
 * inside or wholly outside each notifier's range and below 2^aw-bits:
 * events are cut at the boundaries of the notifiers that take them (a
 * 2 MiB page across the end of a notifier's range reaches it as the
 * chunks inside), so the core never has to crop one (QEMU 7.2 asserts
 * that MAP/UNMAP events lie inside the range).
 *
 * The cost of a sync follows the invalidated range: a page-selective one
 * reads its few entries and looks at the tree around them; a domain-wide
 * one walks the domain's tables once and sends nothing for what did not
 * change.
 *
 * Address spaces whose notifiers are all UNMAP-only (vhost-style, no tree
 * to keep) are told the invalidated range: the page range for a
 * page-selective invalidation, the whole notifier range (cut as above) for
 * domain, global and context invalidations, as QEMU 7.2's
 * vtd_address_space_unmap does.
 *
 * MAP notifiers need caching mode: without it the guest does not
 * invalidate when it adds mappings, so the registration is refused (QEMU
 * 7.2 refuses vfio-pci without caching-mode at machine start; newer QEMU in
 * notify_flag_changed, as here). Snoop control refuses every notifier
 * (QEMU 7.2).
 *
 * Bounds: a sync looks at most VTD_SYNC_BUDGET entries (a guest can alias
 * tables so that a few pages describe 2^36 mappings) and an address space
 * remembers at most VTD_NOTIFY_MAX_MAPS maps; what goes past is counted in
 * IntelIOMMUState.sync_truncated / sync_maps_dropped. All the syncs one
 * register write causes (a tail write can queue 65,536 global
 * invalidations) look at most at about VTD_SYNC_WRITE_BUDGET entries
 * together; past it a sync is replaced by an UNMAP of the whole range and
 * a full resync at the next invalidation (vtd_sync_give_up).
 *
 * Differences from QEMU 7.2 (vtd_page_walk_one and friends):
 *   - unreadable entries, entries with reserved bits and leaves into the
 *     interrupt range are holes (QEMU skips them and keeps what they
 *     replaced mapped);
 *   - a changed mapping is unmapped over the old map's whole range (QEMU
 *     unmaps the new leaf's range, which leaves the rest of a bigger old
 *     map mapped), and the sync range is widened to whole maps at its ends;
 *   - an entry that reads as all ones is a hole here; QEMU's range walk
 *     takes it for a failed read and skips it (its single-address walk
 *     faults, as ours does: vtd-tables.c);
 *   - a page-selective range is aligned to its size (the address mask
 *     says which low bits to ignore, 6.5.1.2);
 *   - events are cut at notifiers' boundaries (QEMU sends each entry
 *     whole to every notifier and asserts that it fits);
 *   - pass-through or invalid contexts unmap everything (QEMU: only a
 *     context that is not present);
 *   - a notifier may invalidate from its callback: the nested sync runs,
 *     and the outer one reads the tree and the rest of the table it was
 *     in again (iova_tree_gen, IntelIOMMUState.sync_seq).
 * As in QEMU 7.2, domain, global and context invalidations walk the whole
 * space and send nothing for mappings that did not change.
 */
#include "iommu/vtd/vtd-internal.h"

#include <string.h>

/* VTD_SYNC_BUDGET, VTD_SYNC_WRITE_BUDGET: vtd-walk.h */
#define VTD_NOTIFY_MAX_MAPS (1u << 21)

static inline bool vtd_as_has_map_notifier(const VTDAddressSpace *vtd_as)
{
    return vtd_as->notifier_flags & IOMMU_NOTIFIER_MAP;
}

static inline hwaddr vtd_aw_last(IntelIOMMUState *s)
{
    return VTD_HAW_MASK(s->aw_bits);
}

/* ---- sending ------------------------------------------------------------ */

/* The largest naturally aligned power-of-two range at @start that ends at
 * or before @last: its size - 1 */
static hwaddr vtd_aligned_pow2_mask(hwaddr start, hwaddr last)
{
    hwaddr len_m1 = last - start;        /* length - 1, no overflow */
    hwaddr align_m1 = start ? (start & -start) - 1 : HWADDR_MAX;
    hwaddr fit_m1;

    /* largest 2^k - 1 <= len_m1 */
    if (len_m1 == HWADDR_MAX) {
        fit_m1 = HWADDR_MAX;
    } else {
        fit_m1 = (1ULL << (63 - __builtin_clzll(len_m1 + 1))) - 1;
    }
    return MIN(align_m1, fit_m1);
}

/* Deliver [first, last] as naturally aligned power-of-two chunks of type
 * @type (MAP: output @translated at @first, moving with the chunk) to every
 * notifier of index 0 (the core skips the notifiers a chunk misses). */
static void vtd_send_chunks(VTDAddressSpace *vtd_as, IOMMUNotifierFlag type,
                            hwaddr first, hwaddr last, hwaddr translated,
                            IOMMUAccessFlags perm)
{
    IOMMUTLBEvent ev = {
        .type = type,
        .entry = { .target_as = vtd_as->iommu_state->system_as,
                   .perm = type == IOMMU_NOTIFIER_MAP ? perm : IOMMU_NONE },
    };
    hwaddr pos = first;

    for (;;) {
        hwaddr mask = vtd_aligned_pow2_mask(pos, last);

        ev.entry.iova = pos;
        ev.entry.addr_mask = mask;
        ev.entry.translated_addr =
            type == IOMMU_NOTIFIER_MAP ? translated + (pos - first) : 0;
        memory_region_notify_iommu(&vtd_as->iommu, 0, ev);
        if (pos + mask >= last) {
            break;
        }
        pos += mask + 1;
    }
}

/* Notifiers of index 0 that take events of @type */
static inline bool vtd_notifier_takes(IOMMUNotifier *n, IOMMUNotifierFlag type)
{
    return n && n->iommu_idx == 0 && (n->notifier_flags & type);
}

/*
 * An event of @type for [first, last] (clipped to 2^aw - 1; MAP: output
 * @translated at @first), cut at the start and end of every notifier that
 * takes @type, so that each piece lies wholly inside or outside each
 * notifier (QEMU 7.2's notifiers assert that an event lies inside their
 * range), then into naturally aligned power-of-two chunks. Pieces that no
 * such notifier covers are not sent. With one notifier over the whole
 * space (the usual case) the event goes out as it is.
 */
static void vtd_notify_range(VTDAddressSpace *vtd_as, IOMMUNotifierFlag type,
                             hwaddr first, hwaddr last, hwaddr translated,
                             IOMMUAccessFlags perm)
{
    GPtrArray *list = vtd_as->iommu.notifiers;
    hwaddr aw_last = vtd_aw_last(vtd_as->iommu_state);
    hwaddr pos = first;

    if (!list || first > aw_last || first > last) {
        return;
    }
    last = MIN(last, aw_last);
    while (pos <= last) {
        hwaddr seg_last = last;
        bool covered = false;

        /* the nearest notifier boundary after pos */
        for (guint i = 0; i < list->len; i++) {
            IOMMUNotifier *n = g_ptr_array_index(list, i);
            if (!vtd_notifier_takes(n, type)) {
                continue;
            }
            if (n->start > pos && n->start - 1 < seg_last) {
                seg_last = n->start - 1;
            }
            if (n->end >= pos && n->end < seg_last) {
                seg_last = n->end;
            }
            if (n->start <= pos && pos <= n->end) {
                covered = true;
            }
        }
        if (covered) {
            vtd_send_chunks(vtd_as, type, pos, seg_last,
                            translated + (pos - first), perm);
        }
        if (seg_last >= last) {
            break;
        }
        pos = seg_last + 1;
        /* the notifier list may have changed in a callback */
        list = vtd_as->iommu.notifiers;
        if (!list) {
            break;
        }
    }
}

/* UNMAP of [first, last] (vtd_notify_range) */
static void vtd_notify_unmap_range(VTDAddressSpace *vtd_as, hwaddr first,
                                   hwaddr last)
{
    vtd_notify_range(vtd_as, IOMMU_NOTIFIER_UNMAP, first, last, 0,
                     IOMMU_NONE);
}

/* MAP of a map of the tree (vtd_notify_range) */
static void vtd_notify_map(VTDAddressSpace *vtd_as, const DMAMap *m)
{
    vtd_notify_range(vtd_as, IOMMU_NOTIFIER_MAP, m->iova, m->iova + m->size,
                     m->translated_addr, m->perm);
}

/*
 * The same for one notifier @n (replay): [first, last] cropped to its
 * range and to 2^aw - 1, in naturally aligned power-of-two chunks.
 */
static void vtd_notify_one_range(VTDAddressSpace *vtd_as, IOMMUNotifier *n,
                                 IOMMUNotifierFlag type, hwaddr first,
                                 hwaddr last, hwaddr translated,
                                 IOMMUAccessFlags perm)
{
    hwaddr aw_last = vtd_aw_last(vtd_as->iommu_state);
    IOMMUTLBEvent ev = {
        .type = type,
        .entry = { .target_as = vtd_as->iommu_state->system_as,
                   .perm = type == IOMMU_NOTIFIER_MAP ? perm : IOMMU_NONE },
    };
    hwaddr pos, end;

    if (!(n->notifier_flags & type)) {
        return;
    }
    pos = MAX(first, n->start);
    end = MIN(MIN(last, n->end), aw_last);
    if (pos > end) {
        return;
    }
    for (;;) {
        hwaddr mask = vtd_aligned_pow2_mask(pos, end);

        ev.entry.iova = pos;
        ev.entry.addr_mask = mask;
        ev.entry.translated_addr =
            type == IOMMU_NOTIFIER_MAP ? translated + (pos - first) : 0;
        memory_region_notify_iommu_one(n, &ev);
        if (pos + mask >= end) {
            break;
        }
        pos += mask + 1;
    }
}

/* Forget the maps of the tree and tell every notifier its whole range
 * (up to 2^aw - 1) is unmapped: QEMU's vtd_address_space_unmap. */
static void vtd_address_space_unmap_all(VTDAddressSpace *vtd_as)
{
    iova_tree_destroy(vtd_as->iova_tree);
    vtd_as->iova_tree = iova_tree_new();
    vtd_as->iova_tree_gen++;
    vtd_notify_unmap_range(vtd_as, 0, HWADDR_MAX);
}

/* ---- work budget of one register write ------------------------------------ */

void vtd_sync_work_begin(IntelIOMMUState *s)
{
    if (s->sync_work_depth++ == 0) {
        s->sync_work_left = VTD_SYNC_WRITE_BUDGET;
        s->sync_work_exceeded = false;
    }
}

void vtd_sync_work_end(IntelIOMMUState *s)
{
    if (s->sync_work_depth && --s->sync_work_depth == 0) {
        s->sync_work_left = 0;
    }
}

/* Whether the register write being handled has no budget left */
static inline bool vtd_sync_work_out(IntelIOMMUState *s)
{
    return s->sync_work_depth && !s->sync_work_left;
}

/*
 * A sync of @vtd_as that the register write's budget does not cover (not
 * begun, or stopped part-way). DESIGN.md: guest tables never cause a hang
 * without limit, so the sync is not made; but its notifiers must not keep
 * a mapping the guest removed once the invalidation (and any wait
 * descriptor after it) completes, so they are told, at this point of the
 * queue, that the whole range is unmapped (QEMU's vtd_address_space_unmap:
 * a VFIO-style user then faults instead of reaching stale memory) and the
 * address space is marked for a full resync at the next invalidation that
 * reaches it, which brings the mappings back. Later syncs of it in the
 * same write send nothing more (nothing is mapped). Counted in
 * VTDStats.sync_budget_skipped / sync_budget_exceeded.
 */
static void vtd_sync_give_up(VTDAddressSpace *vtd_as)
{
    IntelIOMMUState *s = vtd_as->iommu_state;

    s->stats.sync_budget_skipped++;
    if (!s->sync_work_exceeded) {
        s->sync_work_exceeded = true;
        s->stats.sync_budget_exceeded++;
    }
    if (vtd_as->resync_pending && !iova_tree_count(vtd_as->iova_tree)) {
        return; /* already told */
    }
    vtd_as->resync_pending = true;
    vtd_address_space_unmap_all(vtd_as);
}

/* ---- the diff ------------------------------------------------------------ */

/*
 * A sync walks the guest's tables in address order and looks each piece up
 * in the tree. Looking up each piece from the root costs O(log n) cache
 * misses; instead the maps ahead are read from the tree in batches (one
 * in-order walk of the tree for VTD_SYNC_WINDOW maps) and consumed as the
 * walk moves on. The window stays right as long as only this sync changes
 * the tree, and only at the piece it is at; any other change (a notifier
 * that registers, unregisters or invalidates from its callback) bumps
 * iova_tree_gen, and the window is read again.
 */
#define VTD_SYNC_WINDOW 256

typedef struct VTDSync {
    VTDAddressSpace *vtd_as;
    uintptr_t tag;           /* DMAMap.opaque of maps inserted now */
    hwaddr last;             /* end of the synced range */
    /* window: the maps of the tree that end at or after win_lo, in order,
     * all of them up to win_hi (inclusive) */
    bool win_valid;
    uint32_t win_gen;        /* vtd_as->iova_tree_gen it was read at */
    hwaddr win_lo, win_hi;
    unsigned win_n, win_i;
    DMAMap win[VTD_SYNC_WINDOW];
} VTDSync;

static gboolean vtd_window_fill(const DMAMap *map, gpointer data)
{
    VTDSync *S = data;

    S->win[S->win_n++] = *map;
    return S->win_n == VTD_SYNC_WINDOW;
}

static void vtd_window_refill(VTDSync *S, hwaddr first, hwaddr last)
{
    VTDAddressSpace *vtd_as = S->vtd_as;

    S->win_n = S->win_i = 0;
    iova_tree_foreach_range(vtd_as->iova_tree, first, MAX(S->last, last),
                            vtd_window_fill, S);
    S->win_lo = first;
    /* full: every map up to the end of the last one is known; else every
     * map up to the end of the range asked */
    S->win_hi = S->win_n == VTD_SYNC_WINDOW
                ? S->win[S->win_n - 1].iova + S->win[S->win_n - 1].size
                : MAX(S->last, last);
    S->win_gen = vtd_as->iova_tree_gen;
    S->win_valid = true;
}

static inline void vtd_window_skip_before(VTDSync *S, hwaddr first)
{
    while (S->win_i < S->win_n &&
           S->win[S->win_i].iova + S->win[S->win_i].size < first) {
        S->win_i++;
    }
}

/*
 * The first map of the tree that overlaps [first, last] (pieces are asked
 * for in ascending order), or NULL. The window knows every map in
 * [win_lo, win_hi]: a map left in it that ends at or after @first is the
 * first such map of the tree; with none left, maps above win_hi are
 * unknown and a piece reaching there reads the tree again.
 */
static const DMAMap *vtd_sync_lookup(VTDSync *S, hwaddr first, hwaddr last)
{
    if (!S->win_valid || S->win_gen != S->vtd_as->iova_tree_gen ||
        first < S->win_lo || first > S->win_hi) {
        vtd_window_refill(S, first, last);
    }
    vtd_window_skip_before(S, first);
    if (S->win_i == S->win_n && last > S->win_hi) {
        vtd_window_refill(S, first, last);
        vtd_window_skip_before(S, first);
    }
    if (S->win_i < S->win_n && S->win[S->win_i].iova <= last) {
        return &S->win[S->win_i];
    }
    return NULL;
}

/* This sync changed the tree at [.., hi]: the window skips what it held
 * up to @hi and stays valid (unless something else changed the tree). */
static void vtd_sync_tree_changed(VTDSync *S, hwaddr hi)
{
    VTDAddressSpace *vtd_as = S->vtd_as;
    bool fresh = S->win_valid && S->win_gen == vtd_as->iova_tree_gen;

    vtd_as->iova_tree_gen++;
    if (fresh) {
        S->win_gen = vtd_as->iova_tree_gen;
        while (S->win_i < S->win_n && S->win[S->win_i].iova <= hi) {
            S->win_i++;
        }
    }
}

typedef struct VTDSpan {
    hwaddr lo, hi;
    bool any;
} VTDSpan;

static gboolean vtd_span_of(const DMAMap *map, gpointer data)
{
    VTDSpan *sp = data;
    hwaddr end = map->iova + map->size;

    if (!sp->any) {
        sp->lo = map->iova;
        sp->hi = end;
        sp->any = true;
    } else {
        sp->lo = MIN(sp->lo, map->iova);
        sp->hi = MAX(sp->hi, end);
    }
    return FALSE;
}

/* UNMAP every map overlapping [first, last] (whole: the event covers the
 * union of them and the range) and drop them from the tree. */
static void vtd_sync_unmap_overlaps(VTDSync *S, hwaddr first, hwaddr last)
{
    VTDAddressSpace *vtd_as = S->vtd_as;
    VTDSpan sp = { 0 };
    DMAMap whole;

    iova_tree_foreach_range(vtd_as->iova_tree, first, last, vtd_span_of, &sp);
    if (!sp.any) {
        return;
    }
    whole.iova = MIN(first, sp.lo);
    whole.size = MAX(last, sp.hi) - whole.iova;
    iova_tree_remove(vtd_as->iova_tree, whole);
    vtd_sync_tree_changed(S, whole.iova + whole.size);
    vtd_notify_unmap_range(vtd_as, whole.iova, whole.iova + whole.size);
}

static bool vtd_sync_piece(void *opaque, hwaddr iova, hwaddr mask,
                           hwaddr translated, IOMMUAccessFlags perm)
{
    VTDSync *S = opaque;
    VTDAddressSpace *vtd_as = S->vtd_as;
    const DMAMap *m = vtd_sync_lookup(S, iova, iova + mask);
    DMAMap map;

    if (perm == IOMMU_NONE) {
        if (m) {
            vtd_sync_unmap_overlaps(S, iova, iova + mask);
        }
        return true;
    }
    if (m && m->iova == iova && m->size == mask &&
        m->translated_addr == translated && m->perm == perm) {
        return true; /* unchanged */
    }
    if (m) {
        vtd_sync_unmap_overlaps(S, iova, iova + mask);
    }
    if (iova_tree_count(vtd_as->iova_tree) >= VTD_NOTIFY_MAX_MAPS) {
        vtd_as->iommu_state->sync_maps_dropped++;
        return true;
    }
    map = (DMAMap) {
        .iova = iova, .size = mask, .translated_addr = translated,
        .perm = perm, .opaque = (void *)S->tag,
    };
    if (iova_tree_insert(vtd_as->iova_tree, &map) == IOVA_OK) {
        vtd_sync_tree_changed(S, iova + mask);
        vtd_notify_map(vtd_as, &map);
    }
    return true;
}

/* The current context of @vtd_as as the tables say (no cache: a sync
 * follows an invalidation). False when it has no second-level mappings:
 * translation off, context unusable, or pass-through. */
static bool vtd_as_walk_ctx(VTDAddressSpace *vtd_as, VTDWalkCtx *ctx,
                            int *err)
{
    IntelIOMMUState *s = vtd_as->iommu_state;
    uint16_t sid = vtd_as_sid(vtd_as);
    VTDContextEntry ce;
    int ret;

    *err = 0;
    if (!s->dmar_enabled) {
        return false;
    }
    ret = vtd_dev_to_context_entry(s, VTD_SID_BUS(sid), VTD_SID_DEVFN(sid),
                                   &ce);
    if (!ret) {
        ret = vtd_ce_resolve(s, &ce, vtd_as->pasid, ctx);
    }
    if (ret) {
        *err = ret;
        return false;
    }
    return !ctx->pt;
}

/*
 * Bring the tree and the notifiers of @vtd_as in line with the guest's
 * tables over [first, last] (@ctx: its context, NULL when it has no
 * mappings: then everything in the range goes).
 */
static void vtd_sync_range(VTDAddressSpace *vtd_as, const VTDWalkCtx *ctx,
                           hwaddr first, hwaddr last, uintptr_t tag)
{
    IntelIOMMUState *s = vtd_as->iommu_state;
    /* (the window makes it big: not on the stack) */
    g_autofree VTDSync *S = NULL;
    uint64_t budget = VTD_SYNC_BUDGET, used;
    bool write_bound = false, done;
    const DMAMap *m;
    uint64_t limit;

    if (ctx && vtd_sync_work_out(s)) {
        vtd_sync_give_up(vtd_as);
        return;
    }
    /* its own budget, and no more than the register write has left */
    if (s->sync_work_depth && s->sync_work_left <= budget) {
        budget = s->sync_work_left;
        write_bound = true;
    }
    S = g_new(VTDSync, 1);

    /* whole maps at both ends, so that a map replaced in part is walked
     * again in full */
    m = iova_tree_find_address(vtd_as->iova_tree, first);
    if (m) {
        first = m->iova;
    }
    m = iova_tree_find_address(vtd_as->iova_tree, last);
    if (m) {
        last = m->iova + m->size;
    }
    S->vtd_as = vtd_as;
    S->tag = tag;
    S->last = last;
    S->win_valid = false;
    if (!ctx) {
        vtd_sync_unmap_overlaps(S, first, last);
        return;
    }
    limit = vtd_ctx_iova_limit_aw(ctx->agaw, s->aw_bits);
    if (first < limit) {
        used = budget;
        done = vtd_page_walk(s, ctx, first, MIN(last, limit - 1),
                             vtd_sync_piece, S, &budget);
        used -= budget;
        s->stats.sync_entries += used;
        if (s->sync_work_depth) {
            /* (nested syncs of notifiers that invalidate spent some too) */
            s->sync_work_left -= MIN(used, s->sync_work_left);
        }
        if (!done && !budget) {
            if (write_bound) {
                /* the rest of the range was not looked at */
                vtd_sync_give_up(vtd_as);
                return;
            }
            s->sync_truncated++;
        }
    }
    if (last >= limit) {
        /* above what the context translates now */
        vtd_sync_unmap_overlaps(S, MAX(first, limit), last);
    }
}

/* A whole-space resync of @vtd_as (domain, global, context invalidation) */
void vtd_sync_address_space(VTDAddressSpace *vtd_as)
{
    VTDWalkCtx ctx;
    int err;

    vtd_as->iommu_state->sync_seq++;
    if (!(vtd_as->notifier_flags & IOMMU_NOTIFIER_IOTLB_EVENTS)) {
        return;
    }
    if (!vtd_as_has_map_notifier(vtd_as)) {
        vtd_as->resync_pending = false;
        vtd_address_space_unmap_all(vtd_as);
        return;
    }
    if (!vtd_as_walk_ctx(vtd_as, &ctx, &err)) {
        vtd_as->resync_pending = false;   /* nothing is mapped: right */
        if (iova_tree_count(vtd_as->iova_tree) || err) {
            vtd_address_space_unmap_all(vtd_as);
        }
        return;
    }
    if (vtd_sync_work_out(vtd_as->iommu_state)) {
        vtd_sync_give_up(vtd_as);
        return;
    }
    /* a whole-space sync is the resync a given-up one asked for (asked
     * again if this one is given up part-way) */
    vtd_as->resync_pending = false;
    vtd_sync_range(vtd_as, &ctx, 0, HWADDR_MAX, 0);
}

/* ---- which address spaces ---------------------------------------------- */

/* A stable copy of the list: callbacks may register or unregister. */
static GPtrArray *vtd_as_with_notifiers_snapshot(IntelIOMMUState *s)
{
    GPtrArray *a = g_ptr_array_new();

    for (GList *l = s->vtd_as_with_notifiers; l; l = l->next) {
        g_ptr_array_add(a, l->data);
    }
    return a;
}

void vtd_sync_notifiers_all(IntelIOMMUState *s)
{
    g_autoptr(GPtrArray) a = vtd_as_with_notifiers_snapshot(s);

    s->sync_seq++;
    for (guint i = 0; i < a->len; i++) {
        vtd_sync_address_space(g_ptr_array_index(a, i));
    }
}

/* Whether @vtd_as is in @domain_id now (its context as the tables say) */
static bool vtd_as_in_domain(VTDAddressSpace *vtd_as, uint16_t domain_id,
                             VTDWalkCtx *ctx)
{
    IntelIOMMUState *s = vtd_as->iommu_state;
    uint16_t sid = vtd_as_sid(vtd_as);
    VTDContextEntry ce;

    if (vtd_dev_to_context_entry(s, VTD_SID_BUS(sid), VTD_SID_DEVFN(sid),
                                 &ce) ||
        vtd_ce_resolve(s, &ce, vtd_as->pasid, ctx)) {
        return false;
    }
    return ctx->domain_id == domain_id;
}

void vtd_sync_notifiers_domain(IntelIOMMUState *s, uint16_t domain_id)
{
    g_autoptr(GPtrArray) a = vtd_as_with_notifiers_snapshot(s);
    VTDWalkCtx ctx;

    s->sync_seq++;
    for (guint i = 0; i < a->len; i++) {
        VTDAddressSpace *vtd_as = g_ptr_array_index(a, i);
        if (vtd_as_in_domain(vtd_as, domain_id, &ctx)) {
            vtd_sync_address_space(vtd_as);
        }
    }
}

void vtd_sync_notifiers_pasid(IntelIOMMUState *s, uint16_t domain_id,
                              uint32_t pasid)
{
    g_autoptr(GPtrArray) a = vtd_as_with_notifiers_snapshot(s);
    VTDWalkCtx ctx;

    s->sync_seq++;
    for (guint i = 0; i < a->len; i++) {
        VTDAddressSpace *vtd_as = g_ptr_array_index(a, i);
        if (vtd_as_in_domain(vtd_as, domain_id, &ctx) && ctx.pasid == pasid) {
            vtd_sync_address_space(vtd_as);
        }
    }
}

void vtd_sync_notifiers_page(IntelIOMMUState *s, uint16_t domain_id,
                             hwaddr addr, unsigned am, uint32_t pasid)
{
    g_autoptr(GPtrArray) a = vtd_as_with_notifiers_snapshot(s);
    hwaddr size_m1, first, last;
    VTDWalkCtx ctx;

    s->sync_seq++;
    /* 6.5.1.2: 2^am pages, the low am bits of the page number ignored */
    if (am >= 64 - VTD_PAGE_SHIFT) {
        size_m1 = HWADDR_MAX;
    } else {
        size_m1 = (VTD_PAGE_SIZE << am) - 1;
    }
    first = addr & ~size_m1;
    last = first + size_m1;

    for (guint i = 0; i < a->len; i++) {
        VTDAddressSpace *vtd_as = g_ptr_array_index(a, i);

        if (!(vtd_as->notifier_flags & IOMMU_NOTIFIER_IOTLB_EVENTS) ||
            !vtd_as_in_domain(vtd_as, domain_id, &ctx)) {
            continue;
        }
        /* PASID-based: the PASID the address space's requests use (a
         * request without PASID uses RID_PASID in scalable mode) */
        if (pasid != VTD_NO_PASID && ctx.pasid != pasid) {
            continue;
        }
        if (!vtd_as_has_map_notifier(vtd_as)) {
            /* UNMAP-only: pass the invalidation on */
            vtd_notify_unmap_range(vtd_as, first, last);
            continue;
        }
        if (vtd_as->resync_pending) {
            /* a sync was given up for want of budget: all of it now */
            vtd_sync_address_space(vtd_as);
            continue;
        }
        vtd_sync_range(vtd_as, (s->dmar_enabled && !ctx.pt) ? &ctx : NULL,
                       first, last, 0);
    }
}

void vtd_sync_context_device(IntelIOMMUState *s, uint16_t sid, unsigned fm)
{
    g_autoptr(GPtrArray) all = g_ptr_array_new();
    GHashTableIter it;
    VTDAddressSpace *vtd_as;

    s->sync_seq++;
    if (!s->vtd_address_spaces) {
        return;
    }
    g_hash_table_iter_init(&it, s->vtd_address_spaces);
    while (g_hash_table_iter_next(&it, NULL, (gpointer *)&vtd_as)) {
        if (vtd_as_matches_sid(vtd_as, sid, fm)) {
            g_ptr_array_add(all, vtd_as);
        }
    }
    for (guint i = 0; i < all->len; i++) {
        vtd_as = g_ptr_array_index(all, i);
        /* it may have entered or left pass-through, or another domain */
        vtd_switch_address_space(vtd_as);
        vtd_sync_address_space(vtd_as);
    }
}

void vtd_address_space_refresh_all(IntelIOMMUState *s)
{
    g_autoptr(GPtrArray) a = vtd_as_with_notifiers_snapshot(s);

    s->sync_seq++;
    for (guint i = 0; i < a->len; i++) {
        vtd_address_space_unmap_all(g_ptr_array_index(a, i));
    }
    vtd_switch_address_spaces(s);
}

void vtd_deviotlb_invalidate(IntelIOMMUState *s, uint16_t sid, hwaddr addr,
                             hwaddr addr_mask)
{
    VTDAddressSpace *vtd_as = vtd_get_as_by_sid(s, sid);
    IOMMUTLBEvent ev = {
        .type = IOMMU_NOTIFIER_DEVIOTLB_UNMAP,
        .entry = { .iova = addr & ~addr_mask, .addr_mask = addr_mask,
                   .perm = IOMMU_NONE },
    };

    if (!vtd_as) {
        return;
    }
    /* 6.5.2.5: the device's own address space, as QEMU sends it */
    ev.entry.target_as = &vtd_as->as;
    memory_region_notify_iommu(&vtd_as->iommu, 0, ev);
}

/* ---- the region's notifier hooks ----------------------------------------- */

bool vtd_iommu_notify_flag_changed(MemoryRegion *iommu, unsigned old_flags,
                                   unsigned new_flags, GError **errp)
{
    VTDAddressSpace *vtd_as = (VTDAddressSpace *)iommu;
    IntelIOMMUState *s = vtd_as->iommu_state;
    unsigned added = new_flags & ~old_flags;

    if (added && s->snoop_control) {
        g_set_error(errp, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_REFUSED,
                    "Snoop Control with vhost or VFIO is not supported");
        return false;
    }
    if ((added & IOMMU_NOTIFIER_MAP) && !s->caching_mode) {
        uint16_t sid = vtd_as_sid(vtd_as);
        g_set_error(errp, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_REFUSED,
                    "device %02x:%02x.%x requires caching-mode=on in "
                    "intel-iommu for MAP notifiers (VT-d spec 6.1)",
                    VTD_SID_BUS(sid), (VTD_SID_DEVFN(sid) >> 3) & 0x1f,
                    VTD_SID_DEVFN(sid) & 7);
        return false;
    }
    vtd_as->notifier_flags = new_flags;
    if (old_flags == IOMMU_NOTIFIER_NONE && new_flags != IOMMU_NOTIFIER_NONE &&
        !vtd_as->on_notifier_list) {
        s->vtd_as_with_notifiers = g_list_prepend(s->vtd_as_with_notifiers,
                                                  vtd_as);
        vtd_as->on_notifier_list = true;
    } else if (new_flags == IOMMU_NOTIFIER_NONE && vtd_as->on_notifier_list) {
        s->vtd_as_with_notifiers = g_list_remove(s->vtd_as_with_notifiers,
                                                 vtd_as);
        vtd_as->on_notifier_list = false;
    }
    if (!(new_flags & IOMMU_NOTIFIER_MAP) &&
        iova_tree_count(vtd_as->iova_tree)) {
        /* nobody left to remember MAP events for */
        iova_tree_destroy(vtd_as->iova_tree);
        vtd_as->iova_tree = iova_tree_new();
        vtd_as->iova_tree_gen++;
    }
    return true;
}

void vtd_notify_forget(VTDAddressSpace *vtd_as)
{
    IntelIOMMUState *s = vtd_as->iommu_state;

    if (vtd_as->on_notifier_list) {
        s->vtd_as_with_notifiers = g_list_remove(s->vtd_as_with_notifiers,
                                                 vtd_as);
        vtd_as->on_notifier_list = false;
    }
    vtd_as->notifier_flags = IOMMU_NOTIFIER_NONE;
}

typedef struct VTDReplay {
    uintptr_t tag;
    GArray *maps;   /* DMAMap: told to the others, not yet to the new one */
} VTDReplay;

static gboolean vtd_replay_collect(const DMAMap *map, gpointer data)
{
    VTDReplay *r = data;

    if ((uintptr_t)map->opaque != r->tag) {
        g_array_append_val(r->maps, *map);
    }
    return FALSE;
}

/*
 * Replay (QEMU's vtd_iommu_replay): @n is told its whole range is
 * unmapped, then, if the address space has MAP notifiers, its range is
 * synced (new and changed mappings reach every notifier, @n included) and
 * @n is told every other mapping in its range.
 */
void vtd_iommu_replay(MemoryRegion *iommu, IOMMUNotifier *n)
{
    VTDAddressSpace *vtd_as = (VTDAddressSpace *)iommu;
    IntelIOMMUState *s = vtd_as->iommu_state;
    static uintptr_t replay_tags;
    hwaddr aw_last = vtd_aw_last(s);
    VTDReplay r = { 0 };
    bool was_registered = iommu_notifier_region(n) == &vtd_as->iommu;
    VTDWalkCtx ctx;
    g_autoptr(GArray) maps = NULL;
    int err;

    vtd_notify_one_range(vtd_as, n, IOMMU_NOTIFIER_UNMAP, 0, aw_last, 0,
                         IOMMU_NONE);
    if (!vtd_as_has_map_notifier(vtd_as) ||
        !(n->notifier_flags & IOMMU_NOTIFIER_MAP)) {
        return;
    }
    if (!vtd_as_walk_ctx(vtd_as, &ctx, &err)) {
        if (iova_tree_count(vtd_as->iova_tree)) {
            vtd_address_space_unmap_all(vtd_as);
        }
        return;
    }
    r.tag = ++replay_tags;
    vtd_sync_range(vtd_as, &ctx, n->start, n->end, r.tag);
    if (!was_registered) {
        /* the sync's own events did not reach it: tell it everything */
        r.tag = UINTPTR_MAX;
    }
    /* collected first: a notifier may make the tree change */
    maps = g_array_new(FALSE, FALSE, sizeof(DMAMap));
    r.maps = maps;
    iova_tree_foreach_range(vtd_as->iova_tree, n->start, n->end,
                            vtd_replay_collect, &r);
    for (guint i = 0; i < maps->len; i++) {
        const DMAMap *m = &g_array_index(maps, DMAMap, i);

        if (was_registered && iommu_notifier_region(n) != &vtd_as->iommu) {
            break; /* it unregistered itself */
        }
        vtd_notify_one_range(vtd_as, n, IOMMU_NOTIFIER_MAP, m->iova,
                             m->iova + m->size, m->translated_addr, m->perm);
    }
}
