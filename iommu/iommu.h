/*
 * iommu.h - IOMMU memory regions and their notifiers, QEMU's IOMMU API
 * rebuilt.
 *
 * An IOMMUMemoryRegion is a MemoryRegion of kind MR_IOMMU (memory.h) whose
 * accesses are translated by an IOMMU model through its class table
 * (IOMMUMemoryRegionClass, memory.h). On top of what the memory floor calls
 * (translate, attrs_to_index) this layer keeps the model's notifiers: users
 * such as a VFIO-style container register an IOMMUNotifier for a range of
 * IOVAs and are told of MAP and UNMAP events as the guest changes its
 * tables, and can ask for a replay of what is mapped now.
 *
 * Models embed IOMMUMemoryRegion as the first member of their own state and
 * initialise it with iommu_memory_region_init(); the region's destructor
 * hook belongs to this layer (a model sets IOMMUMemoryRegion.destructor
 * instead).
 *
 * Nothing here aborts on what a model or a user passes in: bad events are
 * repaired and counted, bad registrations fail with a GError.
 *
 * Deviations from QEMU 7.2 (softmmu/memory.c), all documented at the
 * function concerned:
 *  - every notifier's events are cropped to its range (QEMU crops only for
 *    DEVIOTLB_UNMAP notifiers and asserts containment for the others); a
 *    cropped entry's translated_addr moves with its iova, and its range
 *    is then not necessarily a power of two;
 *  - an UNMAP event whose perm is not NONE is delivered with perm NONE and
 *    counted in bad_events (QEMU asserts);
 *  - registration checks (flags, range, index, already registered) fail
 *    with an error instead of asserting;
 *  - the default replay walks only the notifier's range, steps over a
 *    whole returned page at a time and delivers through
 *    memory_region_notify_iommu_one() as MAP events;
 *  - a model that refuses the smaller union of flags on unregistration is
 *    overruled (QEMU keeps the old union then);
 *  - notifiers may register and unregister (themselves or others) while
 *    being notified;
 *  - memory_region_unmap_iommu_notifier_range (newer QEMU) sends
 *    target_as NULL (QEMU: address_space_memory, which we do not have).
 */
#ifndef IOMMUSIM_IOMMU_IOMMU_H
#define IOMMUSIM_IOMMU_IOMMU_H

#include "memory/address-space.h"

#define IOMMUSIM_IOMMU_ERROR (iommusim_iommu_error_quark())
GQuark iommusim_iommu_error_quark(void);
typedef enum {
    IOMMU_ERROR_INVALID,  /* bad argument (flags, range, index, alignment) */
    IOMMU_ERROR_REFUSED,  /* the model refused (notify_flag_changed) */
    IOMMU_ERROR_BUSY,     /* notifier already registered */
    IOMMU_ERROR_NOT_IOMMU,/* the region is not an IOMMUMemoryRegion */
} IOMMUError;

/* Page size of the target when a model does not say (x86: 4 KiB) */
#define IOMMU_TARGET_PAGE_SIZE 4096

/* What a notifier wants to hear about; values are QEMU's. */
typedef enum {
    IOMMU_NOTIFIER_NONE = 0,
    IOMMU_NOTIFIER_UNMAP = 0x1,          /* invalidations */
    IOMMU_NOTIFIER_MAP = 0x2,            /* new entries */
    IOMMU_NOTIFIER_DEVIOTLB_UNMAP = 0x4, /* device-IOTLB invalidations */
} IOMMUNotifierFlag;

#define IOMMU_NOTIFIER_IOTLB_EVENTS (IOMMU_NOTIFIER_MAP | IOMMU_NOTIFIER_UNMAP)
#define IOMMU_NOTIFIER_DEVIOTLB_EVENTS IOMMU_NOTIFIER_DEVIOTLB_UNMAP
#define IOMMU_NOTIFIER_ALL (IOMMU_NOTIFIER_IOTLB_EVENTS | \
                            IOMMU_NOTIFIER_DEVIOTLB_EVENTS)

typedef struct IOMMUMemoryRegion IOMMUMemoryRegion;

/* Called with the (cropped) entry of each event the notifier accepts. The
 * entry is valid only during the call. */
typedef void (*IOMMUNotify)(IOMMUNotifier *n, IOMMUTLBEntry *entry);

struct IOMMUNotifier {
    IOMMUNotify notify;
    IOMMUNotifierFlag notifier_flags;
    /* Told about events that touch start <= iova <= end (inclusive) */
    hwaddr start;
    hwaddr end;
    int iommu_idx;
    void *opaque;                 /* for the owner */
    /* Type of the event being delivered; valid inside notify. */
    IOMMUNotifierFlag event_type;
    /* private */
    IOMMUMemoryRegion *iommu_mr;  /* where it is registered, or NULL */
};

/* An event: UNMAP entries carry perm IOMMU_NONE. [iova, iova + addr_mask]
 * is the range concerned; producers send naturally aligned power-of-two
 * ranges. */
typedef struct IOMMUTLBEvent {
    IOMMUNotifierFlag type;
    IOMMUTLBEntry entry;
} IOMMUTLBEvent;

struct IOMMUMemoryRegion {
    MemoryRegion parent_obj;
    /* The union of the registered notifiers' flags, as last accepted by
     * the model's notify_flag_changed. */
    IOMMUNotifierFlag iommu_notify_flags;
    /* Model's destructor, called when the region goes (before the memory
     * floor frees the region; it must not free the region itself). */
    void (*destructor)(IOMMUMemoryRegion *iommu_mr);
    /* UNMAP events that came with a permission (delivered as NONE) */
    uint64_t bad_events;
    /* private */
    GPtrArray *notifiers;   /* IOMMUNotifier *, oldest first; NULL holes
                             * while notifying */
    unsigned notify_depth;  /* nesting of notification loops */
    bool has_holes;
};

/*
 * iommu_notifier_init: fill in a notifier for events of @flags on
 * [@start, @end] (inclusive) of index @iommu_idx.
 */
static inline void iommu_notifier_init(IOMMUNotifier *n, IOMMUNotify fn,
                                       IOMMUNotifierFlag flags, hwaddr start,
                                       hwaddr end, int iommu_idx)
{
    n->notify = fn;
    n->notifier_flags = flags;
    n->start = start;
    n->end = end;
    n->iommu_idx = iommu_idx;
    n->event_type = IOMMU_NOTIFIER_NONE;
    n->iommu_mr = NULL;
}

/* ---- the region ---------------------------------------------------------- */

/*
 * iommu_memory_region_init: initialise @iommu_mr (embedded first in a
 * model's state) as an IOMMU region of @size bytes (UINT64_MAX: 2^64)
 * translated by @klass. Refcount 1; the caller's memory is not freed by the
 * memory floor unless it sets parent_obj.heap (then the block that starts
 * with @iommu_mr is g_free'd after the destructors ran).
 */
void iommu_memory_region_init(IOMMUMemoryRegion *iommu_mr,
                              const IOMMUMemoryRegionClass *klass,
                              const char *name, uint64_t size);

/* The IOMMUMemoryRegion @mr is, or NULL if it is not one made by
 * iommu_memory_region_init (no alias following). */
IOMMUMemoryRegion *IOMMU_MEMORY_REGION(MemoryRegion *mr);
static inline MemoryRegion *MEMORY_REGION(IOMMUMemoryRegion *iommu_mr)
{
    return &iommu_mr->parent_obj;
}

/* QEMU's memory_region_get_iommu: the IOMMU region behind @mr, following
 * aliases; NULL if there is none. */
IOMMUMemoryRegion *memory_region_get_iommu(MemoryRegion *mr);

/* ---- class helpers ------------------------------------------------------- */

/* Smallest page the model maps: get_min_page_size, 4096 when the model has
 * none (or says 0). */
uint64_t memory_region_iommu_get_min_page_size(IOMMUMemoryRegion *iommu_mr);
/* The index for @attrs: attrs_to_index, 0 when the model has none. */
int memory_region_iommu_attrs_to_index(IOMMUMemoryRegion *iommu_mr,
                                       MemTxAttrs attrs);
/* Number of indexes: num_indexes, 1 when the model has none (or says < 1). */
int memory_region_iommu_num_indexes(IOMMUMemoryRegion *iommu_mr);

/*
 * memory_region_iommu_translate: ask the model to translate @addr for an
 * access of kind @flag (IOMMU_NONE: a lookup without access, as replay
 * does) with index @iommu_idx. A missing translate hook or an index out of
 * range gives a fault (perm NONE, target_as NULL).
 */
IOMMUTLBEntry memory_region_iommu_translate(IOMMUMemoryRegion *iommu_mr,
                                            hwaddr addr,
                                            IOMMUAccessFlags flag,
                                            int iommu_idx);

/* ---- notifiers ----------------------------------------------------------- */

/*
 * memory_region_register_iommu_notifier: register @n on the IOMMU region
 * @mr is, or that the alias @mr leads to (as QEMU, the notifier's range is
 * in the IOMMU's own addresses, whatever the alias offset). The new union
 * of flags is offered to the model's notify_flag_changed; if it refuses,
 * @n is not registered and its error reaches @errp. Also fails (nothing
 * registered) for flags NONE, start > end, an index outside
 * [0, num_indexes), a notifier already registered, a region that is not an
 * IOMMU region.
 */
bool memory_region_register_iommu_notifier(MemoryRegion *mr, IOMMUNotifier *n,
                                           GError **errp);

/*
 * memory_region_unregister_iommu_notifier: remove @n (registered through
 * @mr or an alias of the same region) and offer the recomputed union of
 * flags to the model. A model that refuses the smaller union is overruled:
 * the flags are recomputed all the same. Unregistering a notifier that is
 * not registered is ignored.
 */
void memory_region_unregister_iommu_notifier(MemoryRegion *mr,
                                             IOMMUNotifier *n);

/* Whether @n is registered (and where). */
static inline IOMMUMemoryRegion *iommu_notifier_region(const IOMMUNotifier *n)
{
    return n->iommu_mr;
}

/*
 * memory_region_notify_iommu_one: deliver @event to @n. Skipped when
 * [iova, iova + addr_mask] does not touch [start, end] or the type is not in
 * the notifier's flags; otherwise the entry is cropped to the notifier's
 * range (for every notifier; QEMU 7.2 crops only for DEVIOTLB_UNMAP ones
 * and asserts containment for the rest), translated_addr moving by as much
 * as iova, and an UNMAP entry is given perm NONE. A range that would wrap
 * past 2^64 ends at 2^64 - 1. n->event_type holds the event's type during
 * the call.
 */
void memory_region_notify_iommu_one(IOMMUNotifier *n,
                                    const IOMMUTLBEvent *event);

/*
 * memory_region_notify_iommu: deliver @event to every notifier of
 * @iommu_mr registered for @iommu_idx, newest first (QEMU inserts at the
 * head of its list). Notifiers registered during the loop are not told of
 * this event; notifiers unregistered during it are not told any more.
 */
void memory_region_notify_iommu(IOMMUMemoryRegion *iommu_mr, int iommu_idx,
                                IOMMUTLBEvent event);

/*
 * memory_region_unmap_iommu_notifier_range: tell @n that its whole range is
 * unmapped: one UNMAP event for [start, end] (addr_mask end - start,
 * target_as NULL), as QEMU's function of the same name (newer QEMU).
 */
void memory_region_unmap_iommu_notifier_range(IOMMUNotifier *n);

/*
 * memory_region_iommu_replay: tell @n what is mapped now. The model's own
 * replay when it has one; else the default walk: translate (flag NONE,
 * @n's index) at every min-page step of [start, end] that lies in the
 * region, and deliver each entry with a permission as a MAP event through
 * memory_region_notify_iommu_one(). The walk steps over the whole page an
 * entry returns and never wraps past 2^64 - 1. (QEMU walks the whole
 * region in min-page steps and calls notify directly.)
 */
void memory_region_iommu_replay(IOMMUMemoryRegion *iommu_mr, IOMMUNotifier *n);

/* The default walk alone (for models whose replay falls back to it). */
void memory_region_iommu_replay_walk(IOMMUMemoryRegion *iommu_mr,
                                     IOMMUNotifier *n);

/* ---- helpers ------------------------------------------------------------- */

/* "none", "ro", "wo" or "rw" */
const char *iommu_access_flags_name(IOMMUAccessFlags perm);
/* "unmap", "map", "deviotlb_unmap" (or "none"/"mixed") */
const char *iommu_notifier_flag_name(IOMMUNotifierFlag type);

#endif
