/*
 * iommu.c - IOMMU memory regions: notifier registration, notification,
 * replay and the class helpers.
 *
 * Facts kept from QEMU 7.2 (softmmu/memory.c: memory_region_register_iommu_
 * notifier, memory_region_unregister_iommu_notifier,
 * memory_region_update_iommu_notify_flags, memory_region_notify_iommu,
 * memory_region_notify_iommu_one, memory_region_iommu_replay and the
 * attrs_to_index / num_indexes / get_min_page_size helpers), rewritten:
 *
 *  - registration and unregistration follow an alias to its target, as many
 *    times as needed, and act on the IOMMU region found there;
 *  - the union of the notifiers' flags is offered to the model's
 *    notify_flag_changed only when it changes; a refusal on registration
 *    takes the new notifier out again and reaches the caller;
 *  - notifiers sit at the head of the list: the newest is told first;
 *  - an event is given to the notifiers of its iommu_idx, skipped by those
 *    whose range it does not touch, and delivered only if its type is in
 *    their flags;
 *  - the default replay translates with IOMMU_NONE in min-page steps and
 *    reports entries that have a permission.
 *
 * The deviations (see iommu.h) make all of this safe against models and
 * scripts that send bad events or change the notifier list from inside a
 * notification.
 */
#include "iommu/iommu.h"

G_DEFINE_QUARK(iommusim-iommu-error-quark, iommusim_iommu_error)

/* Alias chains are followed this far (the memory floor forbids cycles). */
#define ALIAS_DEPTH_MAX 1024

/* ---- the region -------------------------------------------------------- */

static void iommu_memory_region_finalize(MemoryRegion *mr)
{
    IOMMUMemoryRegion *iommu_mr = (IOMMUMemoryRegion *)mr;

    if (iommu_mr->notifiers) {
        for (guint i = 0; i < iommu_mr->notifiers->len; i++) {
            IOMMUNotifier *n = g_ptr_array_index(iommu_mr->notifiers, i);
            if (n) {
                n->iommu_mr = NULL;
            }
        }
        g_ptr_array_free(iommu_mr->notifiers, TRUE);
        iommu_mr->notifiers = NULL;
    }
    if (iommu_mr->destructor) {
        iommu_mr->destructor(iommu_mr);
    }
}

void iommu_memory_region_init(IOMMUMemoryRegion *iommu_mr,
                              const IOMMUMemoryRegionClass *klass,
                              const char *name, uint64_t size)
{
    memory_region_init_iommu(&iommu_mr->parent_obj, klass, name, size);
    iommu_mr->parent_obj.destructor = iommu_memory_region_finalize;
    iommu_mr->iommu_notify_flags = IOMMU_NOTIFIER_NONE;
    iommu_mr->destructor = NULL;
    iommu_mr->bad_events = 0;
    iommu_mr->notifiers = g_ptr_array_new();
    iommu_mr->notify_depth = 0;
    iommu_mr->has_holes = false;
}

IOMMUMemoryRegion *IOMMU_MEMORY_REGION(MemoryRegion *mr)
{
    if (mr && mr->kind == MR_IOMMU &&
        mr->destructor == iommu_memory_region_finalize) {
        return (IOMMUMemoryRegion *)mr;
    }
    return NULL;
}

/* Follow aliases from @mr to the region they lead to. */
static MemoryRegion *resolve_alias(MemoryRegion *mr)
{
    for (int i = 0; mr && mr->alias && i < ALIAS_DEPTH_MAX; i++) {
        mr = mr->alias;
    }
    return mr && mr->alias ? NULL : mr;
}

IOMMUMemoryRegion *memory_region_get_iommu(MemoryRegion *mr)
{
    return IOMMU_MEMORY_REGION(resolve_alias(mr));
}

/* ---- class helpers ------------------------------------------------------ */

static inline const IOMMUMemoryRegionClass *klass_of(IOMMUMemoryRegion *m)
{
    return m->parent_obj.iommu_ops;
}

uint64_t memory_region_iommu_get_min_page_size(IOMMUMemoryRegion *iommu_mr)
{
    const IOMMUMemoryRegionClass *k = klass_of(iommu_mr);
    uint64_t sz = 0;

    if (k && k->get_min_page_size) {
        sz = k->get_min_page_size(MEMORY_REGION(iommu_mr));
    }
    return sz ? sz : IOMMU_TARGET_PAGE_SIZE;
}

int memory_region_iommu_attrs_to_index(IOMMUMemoryRegion *iommu_mr,
                                       MemTxAttrs attrs)
{
    const IOMMUMemoryRegionClass *k = klass_of(iommu_mr);

    if (!k || !k->attrs_to_index) {
        return 0;
    }
    return k->attrs_to_index(MEMORY_REGION(iommu_mr), attrs);
}

int memory_region_iommu_num_indexes(IOMMUMemoryRegion *iommu_mr)
{
    const IOMMUMemoryRegionClass *k = klass_of(iommu_mr);
    int n;

    if (!k || !k->num_indexes) {
        return 1;
    }
    n = k->num_indexes(MEMORY_REGION(iommu_mr));
    return n < 1 ? 1 : n;
}

IOMMUTLBEntry memory_region_iommu_translate(IOMMUMemoryRegion *iommu_mr,
                                            hwaddr addr,
                                            IOMMUAccessFlags flag,
                                            int iommu_idx)
{
    const IOMMUMemoryRegionClass *k = klass_of(iommu_mr);
    IOMMUTLBEntry e = { .iova = addr, .perm = IOMMU_NONE };

    if (!k || !k->translate || iommu_idx < 0 ||
        iommu_idx >= memory_region_iommu_num_indexes(iommu_mr)) {
        return e;
    }
    memory_region_ref(MEMORY_REGION(iommu_mr));
    e = k->translate(MEMORY_REGION(iommu_mr), addr, flag, iommu_idx);
    memory_region_unref(MEMORY_REGION(iommu_mr));
    if (e.perm & ~IOMMU_RW) {
        e.perm &= IOMMU_RW;
    }
    return e;
}

/* ---- the notifier list ------------------------------------------------- */

static void notifier_list_compact(IOMMUMemoryRegion *iommu_mr)
{
    if (iommu_mr->notify_depth || !iommu_mr->has_holes) {
        return;
    }
    for (guint i = iommu_mr->notifiers->len; i-- > 0;) {
        if (!g_ptr_array_index(iommu_mr->notifiers, i)) {
            g_ptr_array_remove_index(iommu_mr->notifiers, i);
        }
    }
    iommu_mr->has_holes = false;
}

static void notifier_list_remove(IOMMUMemoryRegion *iommu_mr,
                                 IOMMUNotifier *n)
{
    guint i;

    if (!g_ptr_array_find(iommu_mr->notifiers, n, &i)) {
        return;
    }
    if (iommu_mr->notify_depth) {
        /* a loop is walking the list: leave a hole, compact afterwards */
        g_ptr_array_index(iommu_mr->notifiers, i) = NULL;
        iommu_mr->has_holes = true;
    } else {
        g_ptr_array_remove_index(iommu_mr->notifiers, i);
    }
    n->iommu_mr = NULL;
}

/*
 * Offer the union of the flags to the model. With @force (unregistration)
 * the new union is kept even if the model objects, since the notifier is
 * gone anyway.
 */
static bool update_notify_flags(IOMMUMemoryRegion *iommu_mr, bool force,
                                GError **errp)
{
    const IOMMUMemoryRegionClass *k = klass_of(iommu_mr);
    IOMMUNotifierFlag flags = IOMMU_NOTIFIER_NONE;
    bool ok = true;

    for (guint i = 0; i < iommu_mr->notifiers->len; i++) {
        IOMMUNotifier *n = g_ptr_array_index(iommu_mr->notifiers, i);
        if (n) {
            flags |= n->notifier_flags;
        }
    }
    if (flags != iommu_mr->iommu_notify_flags && k &&
        k->notify_flag_changed) {
        GError *local = NULL;

        ok = k->notify_flag_changed(MEMORY_REGION(iommu_mr),
                                    iommu_mr->iommu_notify_flags, flags,
                                    &local);
        if (!ok) {
            if (!local) {
                local = g_error_new(IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_REFUSED,
                                    "IOMMU '%s' refused notifier flags 0x%x",
                                    memory_region_name(MEMORY_REGION(iommu_mr)),
                                    (unsigned)flags);
            }
            g_propagate_error(errp, local);
        } else {
            g_clear_error(&local);
        }
    }
    if (ok || force) {
        iommu_mr->iommu_notify_flags = flags;
    }
    return ok;
}

bool memory_region_register_iommu_notifier(MemoryRegion *mr, IOMMUNotifier *n,
                                           GError **errp)
{
    MemoryRegion *target = resolve_alias(mr);
    IOMMUMemoryRegion *iommu_mr = IOMMU_MEMORY_REGION(target);
    int nidx;
    bool ok;

    if (!n) {
        g_set_error(errp, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_INVALID,
                    "no notifier given");
        return false;
    }
    if (!iommu_mr) {
        g_set_error(errp, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_NOT_IOMMU,
                    "region '%s' is not an IOMMU region%s",
                    mr ? memory_region_name(mr) : "(null)",
                    mr && mr->alias ? " (nor an alias of one)" : "");
        return false;
    }
    if (n->iommu_mr) {
        g_set_error(errp, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_BUSY,
                    "notifier is already registered on '%s'",
                    memory_region_name(MEMORY_REGION(n->iommu_mr)));
        return false;
    }
    if ((n->notifier_flags & IOMMU_NOTIFIER_ALL) == IOMMU_NOTIFIER_NONE ||
        (n->notifier_flags & ~IOMMU_NOTIFIER_ALL)) {
        g_set_error(errp, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_INVALID,
                    "notifier flags 0x%x: need at least one of UNMAP (1), "
                    "MAP (2), DEVIOTLB_UNMAP (4) and nothing else",
                    (unsigned)n->notifier_flags);
        return false;
    }
    if (n->start > n->end) {
        g_set_error(errp, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_INVALID,
                    "notifier range start 0x%" PRIx64 " is above its end 0x%"
                    PRIx64, n->start, n->end);
        return false;
    }
    nidx = memory_region_iommu_num_indexes(iommu_mr);
    if (n->iommu_idx < 0 || n->iommu_idx >= nidx) {
        g_set_error(errp, IOMMUSIM_IOMMU_ERROR, IOMMU_ERROR_INVALID,
                    "IOMMU index %d out of range: '%s' has %d index%s",
                    n->iommu_idx, memory_region_name(MEMORY_REGION(iommu_mr)),
                    nidx, nidx == 1 ? "" : "es");
        return false;
    }

    memory_region_ref(MEMORY_REGION(iommu_mr));
    g_ptr_array_add(iommu_mr->notifiers, n);
    n->iommu_mr = iommu_mr;
    ok = update_notify_flags(iommu_mr, false, errp);
    if (!ok) {
        notifier_list_remove(iommu_mr, n);
    }
    memory_region_unref(MEMORY_REGION(iommu_mr));
    return ok;
}

void memory_region_unregister_iommu_notifier(MemoryRegion *mr,
                                             IOMMUNotifier *n)
{
    IOMMUMemoryRegion *iommu_mr;

    if (!n || !n->iommu_mr) {
        return;
    }
    iommu_mr = n->iommu_mr;
    memory_region_ref(MEMORY_REGION(iommu_mr));
    notifier_list_remove(iommu_mr, n);
    update_notify_flags(iommu_mr, true, NULL);
    memory_region_unref(MEMORY_REGION(iommu_mr));
}

/* ---- notification ------------------------------------------------------- */

void memory_region_notify_iommu_one(IOMMUNotifier *n,
                                    const IOMMUTLBEvent *event)
{
    IOMMUTLBEntry tmp = event->entry;
    hwaddr entry_end = tmp.iova + tmp.addr_mask;

    if (!n || !n->notify) {
        return;
    }
    if (entry_end < tmp.iova) {
        entry_end = HWADDR_MAX; /* a range wrapping past 2^64 */
    }
    if (n->start > entry_end || n->end < tmp.iova) {
        return;
    }
    if (!(event->type & n->notifier_flags)) {
        return;
    }
    if (event->type == IOMMU_NOTIFIER_UNMAP && tmp.perm != IOMMU_NONE) {
        tmp.perm = IOMMU_NONE;
        if (n->iommu_mr) {
            n->iommu_mr->bad_events++;
        }
    }
    /* crop to the notifier's range; keep the translation in step */
    if (tmp.iova < n->start) {
        tmp.translated_addr += n->start - tmp.iova;
        tmp.iova = n->start;
    }
    tmp.addr_mask = MIN(entry_end, n->end) - tmp.iova;
    n->event_type = event->type;
    n->notify(n, &tmp);
}

void memory_region_notify_iommu(IOMMUMemoryRegion *iommu_mr, int iommu_idx,
                                IOMMUTLBEvent event)
{
    if (!iommu_mr || !iommu_mr->notifiers) {
        return;
    }
    if (event.type == IOMMU_NOTIFIER_UNMAP &&
        event.entry.perm != IOMMU_NONE) {
        event.entry.perm = IOMMU_NONE;
        iommu_mr->bad_events++;
    }
    memory_region_ref(MEMORY_REGION(iommu_mr));
    iommu_mr->notify_depth++;
    /* newest first; notifiers added meanwhile sit above i: not visited */
    for (guint i = iommu_mr->notifiers->len; i-- > 0;) {
        IOMMUNotifier *n;

        if (i >= iommu_mr->notifiers->len) {
            continue;
        }
        n = g_ptr_array_index(iommu_mr->notifiers, i);
        if (n && n->iommu_idx == iommu_idx) {
            memory_region_notify_iommu_one(n, &event);
        }
    }
    iommu_mr->notify_depth--;
    notifier_list_compact(iommu_mr);
    memory_region_unref(MEMORY_REGION(iommu_mr));
}

void memory_region_unmap_iommu_notifier_range(IOMMUNotifier *n)
{
    IOMMUTLBEvent event = {
        .type = IOMMU_NOTIFIER_UNMAP,
        .entry = {
            .target_as = NULL,
            .iova = n->start,
            .translated_addr = 0,
            .addr_mask = n->end - n->start,
            .perm = IOMMU_NONE,
        },
    };

    if (n->start > n->end) {
        return;
    }
    memory_region_notify_iommu_one(n, &event);
}

/* ---- replay -------------------------------------------------------------- */

void memory_region_iommu_replay_walk(IOMMUMemoryRegion *iommu_mr,
                                     IOMMUNotifier *n)
{
    MemoryRegion *mr = MEMORY_REGION(iommu_mr);
    uint64_t gran = memory_region_iommu_get_min_page_size(iommu_mr);
    bool was_registered = n->iommu_mr != NULL;
    u128 region_last = mr->size - 1;
    hwaddr last, addr;

    if (mr->size == 0 || n->start > n->end || (u128)n->start > region_last) {
        return;
    }
    last = (u128)n->end < region_last ? n->end : (hwaddr)region_last;
    addr = n->start - n->start % gran;
    for (;;) {
        IOMMUTLBEntry e = memory_region_iommu_translate(iommu_mr, addr,
                                                        IOMMU_NONE,
                                                        n->iommu_idx);
        hwaddr next = addr + gran;

        if (e.perm != IOMMU_NONE) {
            IOMMUTLBEvent ev = { .type = IOMMU_NOTIFIER_MAP, .entry = e };
            bool pow2_mask = (e.addr_mask & (e.addr_mask + 1)) == 0;

            ev.entry.iova = addr & ~e.addr_mask;
            memory_region_notify_iommu_one(n, &ev);
            if (pow2_mask && e.addr_mask >= gran - 1) {
                hwaddr page_last = addr | e.addr_mask;
                if (page_last == HWADDR_MAX) {
                    break;
                }
                next = page_last + 1;
            }
        }
        if (next <= addr || next > last) {
            break; /* 2^64 - region size < granularity: no wrap */
        }
        if (was_registered && !n->iommu_mr) {
            break; /* it unregistered itself */
        }
        addr = next;
    }
}

void memory_region_iommu_replay(IOMMUMemoryRegion *iommu_mr, IOMMUNotifier *n)
{
    const IOMMUMemoryRegionClass *k;

    if (!iommu_mr || !n) {
        return;
    }
    k = klass_of(iommu_mr);
    memory_region_ref(MEMORY_REGION(iommu_mr));
    if (k && k->replay) {
        k->replay(MEMORY_REGION(iommu_mr), n);
    } else {
        memory_region_iommu_replay_walk(iommu_mr, n);
    }
    memory_region_unref(MEMORY_REGION(iommu_mr));
}

/* ---- names ---------------------------------------------------------------- */

const char *iommu_access_flags_name(IOMMUAccessFlags perm)
{
    static const char *const names[] = { "none", "ro", "wo", "rw" };
    return names[perm & IOMMU_RW];
}

const char *iommu_notifier_flag_name(IOMMUNotifierFlag type)
{
    switch (type) {
    case IOMMU_NOTIFIER_NONE:
        return "none";
    case IOMMU_NOTIFIER_UNMAP:
        return "unmap";
    case IOMMU_NOTIFIER_MAP:
        return "map";
    case IOMMU_NOTIFIER_DEVIOTLB_UNMAP:
        return "deviotlb_unmap";
    default:
        return "mixed";
    }
}
