/*
 * scripted-iommu.c - the scripted IOMMU model.
 *
 * The table of each index is an IOVA tree whose maps carry, in opaque, the
 * ScriptedTarget of their target address space. A target holds a
 * MemoryListener without callbacks on its address space: address_space_
 * destroy() clears the listener's address_space, which is how we learn,
 * at no cost per translation, that the space is gone.
 */
#include "iommu/scripted-iommu.h"

typedef struct ScriptedTarget {
    AddressSpace *as;
    MemoryListener watch; /* watch.address_space is NULL once as is gone */
} ScriptedTarget;

/*
 * A direct-mapped cache of table lookups per index, like an IOTLB: a slot
 * is valid while its generation is the index's; every change of the
 * index's table bumps the generation, which drops the whole cache at once.
 */
#define SCRIPTED_IOTLB_SLOTS 256

typedef struct IOTLBSlot {
    hwaddr page;          /* iova >> 12 */
    uint64_t gen;
    const DMAMap *map;    /* valid while gen matches */
} IOTLBSlot;

typedef struct ScriptedIndex {
    IOVATree *table;
    uint64_t gen;         /* starts at 1: zeroed slots never match */
    IOTLBSlot *iotlb;     /* SCRIPTED_IOTLB_SLOTS, allocated on first use */
} ScriptedIndex;

struct ScriptedIOMMU {
    IOMMUMemoryRegion iommu; /* first: the region is the model */
    uint64_t page_size;
    int num_indexes;
    bool refuse_map;
    ScriptedTranslateFn translate;
    ScriptedAttrsToIndexFn attrs_to_index;
    void *opaque;
    void (*free_opaque)(void *opaque);
    ScriptedIndex *idx;      /* one per index */
    GHashTable *live;        /* AddressSpace * -> ScriptedTarget *, live */
    GPtrArray *targets;      /* every ScriptedTarget, freed at the end */
    ScriptedIOMMUStats stats;
    ScriptedFault last_fault;
};

/* A range to send events for */
typedef struct Seg {
    hwaddr first, last;
    hwaddr taddr;            /* translation of first */
    ScriptedTarget *t;
    IOMMUAccessFlags perm;
} Seg;

static const IOMMUMemoryRegionClass scripted_iommu_class;

/* ---- targets --------------------------------------------------------------- */

static inline bool target_live(const ScriptedTarget *t)
{
    return t && t->watch.address_space != NULL;
}

static ScriptedTarget *target_get(ScriptedIOMMU *s, AddressSpace *as)
{
    ScriptedTarget *t = g_hash_table_lookup(s->live, as);

    if (t && target_live(t)) {
        return t;
    }
    /* new, or an address space that was destroyed (and maybe a new one now
     * has the same address): a fresh record, the old maps keep theirs */
    t = g_new0(ScriptedTarget, 1);
    t->as = as;
    t->watch.name = "scripted-iommu-target";
    memory_listener_register(&t->watch, as);
    g_ptr_array_add(s->targets, t);
    g_hash_table_insert(s->live, as, t);
    return t;
}

static void target_free(gpointer p)
{
    ScriptedTarget *t = p;

    if (t->watch.address_space) {
        memory_listener_unregister(&t->watch);
    }
    g_free(t);
}

AddressSpace *scripted_iommu_map_target(const DMAMap *map)
{
    const ScriptedTarget *t = map ? map->opaque : NULL;
    return target_live(t) ? t->as : NULL;
}

/* ---- faults ---------------------------------------------------------------- */

static void record_fault(ScriptedIOMMU *s, hwaddr iova, IOMMUAccessFlags flag,
                         int idx, ScriptedFaultReason reason)
{
    if (flag == IOMMU_NONE && reason != SCRIPTED_FAULT_CALLBACK) {
        return; /* a lookup (replay), not an access */
    }
    s->stats.faults++;
    s->last_fault = (ScriptedFault){
        .iova = iova, .flag = flag, .iommu_idx = idx, .reason = reason,
    };
}

const char *scripted_fault_reason_name(ScriptedFaultReason r)
{
    switch (r) {
    case SCRIPTED_FAULT_NONE:
        return "none";
    case SCRIPTED_FAULT_UNMAPPED:
        return "unmapped";
    case SCRIPTED_FAULT_PERM:
        return "permission";
    case SCRIPTED_FAULT_BAD_INDEX:
        return "bad-index";
    case SCRIPTED_FAULT_CALLBACK:
        return "callback";
    case SCRIPTED_FAULT_TARGET_GONE:
        return "target-gone";
    }
    return "?";
}

/* ---- class hooks ----------------------------------------------------------- */

static inline ScriptedIOMMU *to_scripted(MemoryRegion *mr)
{
    return (ScriptedIOMMU *)mr;
}

/* The map holding @iova, through the index's IOTLB. */
static inline const DMAMap *table_lookup(ScriptedIndex *x, hwaddr iova,
                                         ScriptedIOMMUStats *st)
{
    hwaddr page = iova >> 12;
    IOTLBSlot *slot;
    const DMAMap *m;

    if (G_UNLIKELY(!x->iotlb)) {
        x->iotlb = g_new0(IOTLBSlot, SCRIPTED_IOTLB_SLOTS);
    }
    slot = &x->iotlb[page % SCRIPTED_IOTLB_SLOTS];
    if (slot->gen == x->gen && slot->page == page) {
        st->iotlb_hits++;
        return slot->map;
    }
    m = iova_tree_find_address(x->table, iova);
    if (m) {
        slot->page = page;
        slot->gen = x->gen;
        slot->map = m;
    }
    return m;
}

static IOMMUTLBEntry translate_hook(ScriptedIOMMU *s, hwaddr iova,
                                    IOMMUAccessFlags flag, int idx)
{
    IOMMUTLBEntry e = { .perm = IOMMU_NONE };
    IOMMUTLBEntry fault = {
        .iova = iova & ~(s->page_size - 1),
        .addr_mask = s->page_size - 1,
        .perm = IOMMU_NONE,
    };

    if (!s->translate(s, iova, flag, idx, &e, s->opaque) ||
        (e.perm & ~IOMMU_RW) ||
        (e.addr_mask & (e.addr_mask + 1)) != 0 ||
        (e.perm != IOMMU_NONE && !e.target_as)) {
        record_fault(s, iova, flag, idx, SCRIPTED_FAULT_CALLBACK);
        return fault;
    }
    e.iova = iova & ~e.addr_mask;
    if (e.perm == IOMMU_NONE) {
        record_fault(s, iova, flag, idx, SCRIPTED_FAULT_UNMAPPED);
        e.target_as = NULL;
    } else if ((flag & e.perm) != flag) {
        record_fault(s, iova, flag, idx, SCRIPTED_FAULT_PERM);
    }
    return e;
}

static IOMMUTLBEntry scripted_translate(MemoryRegion *mr, hwaddr iova,
                                        IOMMUAccessFlags flag, int idx)
{
    ScriptedIOMMU *s = to_scripted(mr);
    hwaddr mask = s->page_size - 1;
    IOMMUTLBEntry e = {
        .iova = iova & ~mask, .addr_mask = mask, .perm = IOMMU_NONE,
    };
    const DMAMap *m;

    s->stats.translations++;
    if (idx < 0 || idx >= s->num_indexes) {
        record_fault(s, iova, flag, idx, SCRIPTED_FAULT_BAD_INDEX);
        return e;
    }
    if (s->translate) {
        return translate_hook(s, iova, flag, idx);
    }
    m = table_lookup(&s->idx[idx], iova, &s->stats);
    if (!m) {
        record_fault(s, iova, flag, idx, SCRIPTED_FAULT_UNMAPPED);
        return e;
    }
    if (!target_live(m->opaque)) {
        record_fault(s, iova, flag, idx, SCRIPTED_FAULT_TARGET_GONE);
        return e;
    }
    e.target_as = ((ScriptedTarget *)m->opaque)->as;
    e.translated_addr = m->translated_addr + (e.iova - m->iova);
    e.perm = m->perm;
    if ((flag & m->perm) != flag) {
        record_fault(s, iova, flag, idx, SCRIPTED_FAULT_PERM);
    }
    return e;
}

static uint64_t scripted_get_min_page_size(MemoryRegion *mr)
{
    return to_scripted(mr)->page_size;
}

static int scripted_num_indexes(MemoryRegion *mr)
{
    return to_scripted(mr)->num_indexes;
}

static int scripted_attrs_to_index(MemoryRegion *mr, MemTxAttrs attrs)
{
    ScriptedIOMMU *s = to_scripted(mr);

    return s->attrs_to_index ? s->attrs_to_index(s, attrs, s->opaque) : 0;
}

static bool scripted_notify_flag_changed(MemoryRegion *mr, unsigned old_flags,
                                         unsigned new_flags, GError **errp)
{
    ScriptedIOMMU *s = to_scripted(mr);

    if (s->refuse_map && (new_flags & IOMMU_NOTIFIER_MAP)) {
        g_set_error(errp, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_REFUSED,
                    "scripted IOMMU '%s' refuses MAP notifiers (refuse_map "
                    "is set, like VT-d without caching mode)",
                    memory_region_name(mr));
        return false;
    }
    return true;
}

/* ---- events ---------------------------------------------------------------- */

/*
 * Send @seg as naturally aligned power-of-two chunks of event @type, to
 * every notifier of index @idx, or to @only (replay).
 */
static void send_seg(ScriptedIOMMU *s, int idx, IOMMUNotifierFlag type,
                     const Seg *seg, IOMMUNotifier *only)
{
    u128 pos = seg->first, end = (u128)seg->last + 1;
    bool was_registered = only && only->iommu_mr;

    while (pos < end) {
        hwaddr p = (hwaddr)pos;
        hwaddr t = seg->taddr + (p - seg->first);
        hwaddr align = type == IOMMU_NOTIFIER_MAP ? (p | t) : p;
        u128 size = align ? (u128)(align & -align) : U128_2_64;
        IOMMUTLBEvent ev;

        while (size > end - pos) {
            size >>= 1;
        }
        ev.type = type;
        ev.entry = (IOMMUTLBEntry){
            .target_as = target_live(seg->t) ? seg->t->as : NULL,
            .iova = p,
            .translated_addr = t,
            .addr_mask = (hwaddr)(size - 1),
            .perm = type == IOMMU_NOTIFIER_MAP ? seg->perm : IOMMU_NONE,
        };
        if (only) {
            if (was_registered && !only->iommu_mr) {
                return; /* it unregistered itself */
            }
            memory_region_notify_iommu_one(only, &ev);
        } else {
            if (type == IOMMU_NOTIFIER_MAP) {
                s->stats.map_events++;
            } else {
                s->stats.unmap_events++;
            }
            memory_region_notify_iommu(&s->iommu, idx, ev);
        }
        pos += size;
    }
}

/* ---- the table ------------------------------------------------------------- */

static gboolean collect_map(const DMAMap *map, gpointer data)
{
    g_array_append_val((GArray *)data, *map);
    return FALSE;
}

/* Copies of the maps overlapping [first, last], ascending. */
static GArray *collect(IOVATree *t, hwaddr first, hwaddr last)
{
    GArray *a = g_array_new(FALSE, FALSE, sizeof(DMAMap));

    iova_tree_foreach_range(t, first, last, collect_map, a);
    return a;
}

/* Remove [first, last] from @t, keeping the parts of @overlaps (the maps
 * that overlap it) outside it. */
static void punch(ScriptedIndex *x, hwaddr first, hwaddr last,
                  GArray *overlaps)
{
    IOVATree *t = x->table;
    DMAMap range = { .iova = first, .size = last - first };

    x->gen++; /* the IOTLB may hold maps about to be freed */
    iova_tree_remove(t, range);
    for (guint i = 0; i < overlaps->len; i++) {
        DMAMap m = g_array_index(overlaps, DMAMap, i);
        hwaddr mlast = m.iova + m.size;

        if (m.iova < first) {
            DMAMap left = m;
            left.size = first - 1 - m.iova;
            iova_tree_insert(t, &left);
        }
        if (mlast > last) {
            DMAMap right = m;
            right.iova = last + 1;
            right.translated_addr = m.translated_addr + (last + 1 - m.iova);
            right.size = mlast - (last + 1);
            iova_tree_insert(t, &right);
        }
    }
}

/* Add [first, last] to the MAP list, merging with the previous piece. */
static void add_map_seg(GArray *maps, hwaddr first, hwaddr last,
                        hwaddr iova, hwaddr addr, ScriptedTarget *t,
                        IOMMUAccessFlags perm)
{
    if (maps->len) {
        Seg *prev = &g_array_index(maps, Seg, maps->len - 1);
        if (prev->last + 1 == first) {
            prev->last = last;
            return;
        }
    }
    Seg seg = {
        .first = first, .last = last, .taddr = addr + (first - iova),
        .t = t, .perm = perm,
    };
    g_array_append_val(maps, seg);
}

/* Check a range argument; *last gets its last byte. */
static bool check_range(ScriptedIOMMU *s, int idx, hwaddr iova, uint64_t size,
                        hwaddr *last, GError **errp)
{
    MemoryRegion *mr = &s->iommu.parent_obj;
    u128 len = size == UINT64_MAX ? U128_2_64 : (u128)size;
    uint64_t pmask = s->page_size - 1;

    if (idx < 0 || idx >= s->num_indexes) {
        g_set_error(errp, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_INVALID,
                    "IOMMU index %d out of range [0, %d)", idx,
                    s->num_indexes);
        return false;
    }
    if (size == 0 || (iova & pmask) || (len & pmask)) {
        g_set_error(errp, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_INVALID,
                    "range 0x%" PRIx64 " + 0x%" PRIx64 " is not a non-empty "
                    "multiple of the page size 0x%" PRIx64 " at a page "
                    "boundary", iova, size, s->page_size);
        return false;
    }
    if ((u128)iova + len > mr->size) {
        g_set_error(errp, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_INVALID,
                    "range 0x%" PRIx64 " + 0x%" PRIx64 " goes beyond the end "
                    "of IOMMU region '%s' (size 0x%" PRIx64 ")", iova, size,
                    memory_region_name(mr), memory_region_size(mr));
        return false;
    }
    *last = (hwaddr)((u128)iova + len - 1);
    return true;
}

bool scripted_iommu_map(ScriptedIOMMU *s, int iommu_idx, hwaddr iova,
                        uint64_t size, AddressSpace *target_as, hwaddr addr,
                        IOMMUAccessFlags perm, GError **errp)
{
    g_autoptr(GArray) overlaps = NULL;
    g_autoptr(GArray) unmaps = NULL;
    g_autoptr(GArray) maps = NULL;
    ScriptedTarget *t;
    u128 cursor;
    hwaddr last;
    DMAMap m;

    if (!check_range(s, iommu_idx, iova, size, &last, errp)) {
        return false;
    }
    if (!target_as) {
        g_set_error(errp, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_INVALID,
                    "no target address space");
        return false;
    }
    if (perm == IOMMU_NONE || (perm & ~IOMMU_RW)) {
        g_set_error(errp, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_INVALID,
                    "permission must be ro, wo or rw (unmap to remove)");
        return false;
    }
    if ((addr & (s->page_size - 1)) || addr + (last - iova) < addr) {
        g_set_error(errp, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_INVALID,
                    "translated address 0x%" PRIx64 " is not page aligned "
                    "or the range wraps past 2^64", addr);
        return false;
    }

    t = target_get(s, target_as);
    overlaps = collect(s->idx[iommu_idx].table, iova, last);
    unmaps = g_array_new(FALSE, FALSE, sizeof(Seg));
    maps = g_array_new(FALSE, FALSE, sizeof(Seg));
    cursor = iova;
    for (guint i = 0; i < overlaps->len; i++) {
        const DMAMap *o = &g_array_index(overlaps, DMAMap, i);
        hwaddr s0 = MAX(o->iova, iova);
        hwaddr e0 = MIN(o->iova + o->size, last);
        bool same = o->opaque == t && o->perm == perm &&
                    o->translated_addr - o->iova == addr - iova;

        if ((u128)s0 > cursor) {
            add_map_seg(maps, (hwaddr)cursor, s0 - 1, iova, addr, t, perm);
        }
        if (!same) {
            Seg old = {
                .first = s0, .last = e0,
                .taddr = o->translated_addr + (s0 - o->iova),
                .t = o->opaque, .perm = o->perm,
            };
            g_array_append_val(unmaps, old);
            add_map_seg(maps, s0, e0, iova, addr, t, perm);
        }
        cursor = (u128)e0 + 1;
    }
    if (cursor <= last) {
        add_map_seg(maps, (hwaddr)cursor, last, iova, addr, t, perm);
    }

    punch(&s->idx[iommu_idx], iova, last, overlaps);
    m = (DMAMap){
        .iova = iova, .translated_addr = addr, .size = last - iova,
        .perm = perm, .opaque = t,
    };
    iova_tree_insert(s->idx[iommu_idx].table, &m);
    s->stats.maps++;

    memory_region_ref(&s->iommu.parent_obj);
    for (guint i = 0; i < unmaps->len; i++) {
        send_seg(s, iommu_idx, IOMMU_NOTIFIER_UNMAP,
                 &g_array_index(unmaps, Seg, i), NULL);
    }
    for (guint i = 0; i < maps->len; i++) {
        send_seg(s, iommu_idx, IOMMU_NOTIFIER_MAP,
                 &g_array_index(maps, Seg, i), NULL);
    }
    memory_region_unref(&s->iommu.parent_obj);
    return true;
}

bool scripted_iommu_unmap(ScriptedIOMMU *s, int iommu_idx, hwaddr iova,
                          uint64_t size, GError **errp)
{
    g_autoptr(GArray) overlaps = NULL;
    g_autoptr(GArray) unmaps = NULL;
    hwaddr last;

    if (!check_range(s, iommu_idx, iova, size, &last, errp)) {
        return false;
    }
    overlaps = collect(s->idx[iommu_idx].table, iova, last);
    unmaps = g_array_new(FALSE, FALSE, sizeof(Seg));
    for (guint i = 0; i < overlaps->len; i++) {
        const DMAMap *o = &g_array_index(overlaps, DMAMap, i);
        hwaddr s0 = MAX(o->iova, iova);
        Seg old = {
            .first = s0, .last = MIN(o->iova + o->size, last),
            .taddr = o->translated_addr + (s0 - o->iova),
            .t = o->opaque, .perm = o->perm,
        };
        g_array_append_val(unmaps, old);
    }
    punch(&s->idx[iommu_idx], iova, last, overlaps);
    s->stats.unmaps++;

    memory_region_ref(&s->iommu.parent_obj);
    for (guint i = 0; i < unmaps->len; i++) {
        send_seg(s, iommu_idx, IOMMU_NOTIFIER_UNMAP,
                 &g_array_index(unmaps, Seg, i), NULL);
    }
    memory_region_unref(&s->iommu.parent_obj);
    return true;
}

/* ---- replay ------------------------------------------------------------------ */

static void scripted_replay(MemoryRegion *mr, IOMMUNotifier *n)
{
    ScriptedIOMMU *s = to_scripted(mr);
    g_autoptr(GArray) maps = NULL;
    bool was_registered = n->iommu_mr != NULL;

    if (s->translate) {
        memory_region_iommu_replay_walk(&s->iommu, n);
        return;
    }
    if (n->iommu_idx < 0 || n->iommu_idx >= s->num_indexes ||
        n->start > n->end) {
        return;
    }
    maps = collect(s->idx[n->iommu_idx].table, n->start, n->end);
    for (guint i = 0; i < maps->len; i++) {
        const DMAMap *m = &g_array_index(maps, DMAMap, i);
        /* only the part inside the notifier's range, chunked from there */
        hwaddr first = MAX(m->iova, n->start);
        Seg seg = {
            .first = first, .last = MIN(m->iova + m->size, n->end),
            .taddr = m->translated_addr + (first - m->iova),
            .t = m->opaque, .perm = m->perm,
        };
        if (was_registered && !n->iommu_mr) {
            return;
        }
        send_seg(s, n->iommu_idx, IOMMU_NOTIFIER_MAP, &seg, n);
    }
}

static const IOMMUMemoryRegionClass scripted_iommu_class = {
    .name = "scripted-iommu",
    .translate = scripted_translate,
    .get_min_page_size = scripted_get_min_page_size,
    .attrs_to_index = scripted_attrs_to_index,
    .num_indexes = scripted_num_indexes,
    .notify_flag_changed = scripted_notify_flag_changed,
    .replay = scripted_replay,
};

/* ---- lifetime ---------------------------------------------------------------- */

static void scripted_iommu_destroy(IOMMUMemoryRegion *iommu_mr)
{
    ScriptedIOMMU *s = (ScriptedIOMMU *)iommu_mr;

    for (int i = 0; i < s->num_indexes; i++) {
        iova_tree_destroy(s->idx[i].table);
        g_free(s->idx[i].iotlb);
    }
    g_free(s->idx);
    s->idx = NULL;
    g_hash_table_destroy(s->live);
    g_ptr_array_free(s->targets, TRUE); /* unregisters the watches */
    if (s->free_opaque) {
        s->free_opaque(s->opaque);
    }
    s->opaque = NULL;
}

ScriptedIOMMU *scripted_iommu_new(const char *name, uint64_t size,
                                  const ScriptedIOMMUOptions *opts,
                                  GError **errp)
{
    static const ScriptedIOMMUOptions defaults = { 0 };
    ScriptedIOMMU *s;
    uint64_t ps;
    int nidx;

    if (!opts) {
        opts = &defaults;
    }
    ps = opts->page_size ? opts->page_size : 4096;
    nidx = opts->num_indexes ? opts->num_indexes : 1;
    if (size == 0) {
        g_set_error(errp, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_INVALID,
                    "IOMMU region size must not be 0");
        return NULL;
    }
    if (ps < 4096 || (ps & (ps - 1))) {
        g_set_error(errp, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_INVALID,
                    "page size 0x%" PRIx64 " is not a power of two >= 4096",
                    ps);
        return NULL;
    }
    if (nidx < 1 || nidx > SCRIPTED_IOMMU_MAX_INDEXES) {
        g_set_error(errp, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_INVALID,
                    "number of IOMMU indexes %d not in [1, %d]", nidx,
                    SCRIPTED_IOMMU_MAX_INDEXES);
        return NULL;
    }

    s = g_new0(ScriptedIOMMU, 1);
    iommu_memory_region_init(&s->iommu, &scripted_iommu_class, name, size);
    s->iommu.parent_obj.heap = true; /* the memory floor frees s */
    s->iommu.destructor = scripted_iommu_destroy;
    s->page_size = ps;
    s->num_indexes = nidx;
    s->refuse_map = opts->refuse_map;
    s->translate = opts->translate;
    s->attrs_to_index = opts->attrs_to_index;
    s->opaque = opts->opaque;
    s->free_opaque = opts->free_opaque;
    s->idx = g_new0(ScriptedIndex, nidx);
    for (int i = 0; i < nidx; i++) {
        s->idx[i].table = iova_tree_new();
        s->idx[i].gen = 1;
    }
    s->live = g_hash_table_new(NULL, NULL);
    s->targets = g_ptr_array_new_with_free_func(target_free);
    return s;
}

/* ---- queries ----------------------------------------------------------------- */

MemoryRegion *scripted_iommu_region(ScriptedIOMMU *s)
{
    return &s->iommu.parent_obj;
}

IOMMUMemoryRegion *scripted_iommu_iommu(ScriptedIOMMU *s)
{
    return &s->iommu;
}

ScriptedIOMMU *scripted_iommu_from_region(MemoryRegion *mr)
{
    IOMMUMemoryRegion *iommu_mr = memory_region_get_iommu(mr);

    if (!iommu_mr || iommu_mr->parent_obj.iommu_ops != &scripted_iommu_class) {
        return NULL;
    }
    return (ScriptedIOMMU *)iommu_mr;
}

uint64_t scripted_iommu_page_size(const ScriptedIOMMU *s)
{
    return s->page_size;
}

int scripted_iommu_num_indexes(const ScriptedIOMMU *s)
{
    return s->num_indexes;
}

bool scripted_iommu_has_hook(const ScriptedIOMMU *s)
{
    return s->translate != NULL;
}

const IOVATree *scripted_iommu_table(ScriptedIOMMU *s, int iommu_idx)
{
    if (iommu_idx < 0 || iommu_idx >= s->num_indexes) {
        return NULL;
    }
    return s->idx[iommu_idx].table;
}

ScriptedIOMMUStats scripted_iommu_stats(const ScriptedIOMMU *s)
{
    return s->stats;
}

ScriptedFault scripted_iommu_last_fault(const ScriptedIOMMU *s)
{
    return s->last_fault;
}
