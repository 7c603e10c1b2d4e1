/*
 * scripted-iommu.h - an IOMMU model for experiments and tests.
 *
 * A scripted IOMMU is an IOMMU region whose translation is either
 *  - a mapping table per IOMMU index: page-aligned IOVA ranges, each to an
 *    address in a target AddressSpace with a permission, kept in an IOVA
 *    tree; changed with scripted_iommu_map()/unmap(), which send MAP and
 *    UNMAP events to the region's notifiers, or
 *  - a translate hook (C, or a Lua function through the binding) asked for
 *    every translation; the table is then not consulted for translation
 *    (map/unmap still keep it and send their events, so a script can
 *    announce the changes of its own tables) and replay is the core's
 *    default walk over the hook.
 *
 * Events: every range is sent as naturally aligned power-of-two chunks
 * (aligned in IOVA and, for MAP, in the translated address too), ascending.
 * map() over a range that already has mappings sends, for the parts whose
 * translation or permission change, UNMAP of the old chunks first and then
 * MAP of the new ones; parts that stay the same send nothing. unmap() sends
 * UNMAP for the parts that were mapped. Events are sent after the table is
 * updated, so a notifier may look at (or change) it.
 *
 * Faults: a translation that finds nothing, lacks the permission asked for,
 * has a bad index, or whose hook fails or returns nonsense (perm outside
 * NONE..RW, addr_mask not of the form 2^k - 1, a permission without a
 * target_as) counts as a fault and is recorded as the last fault; the
 * result then has perm NONE (or the table's permission when only the
 * access kind is missing), so the access fails with a decode error. Lookups
 * with IOMMU_NONE (replay) are not faults.
 *
 * Table lookups go through a small direct-mapped cache per index (an IOTLB
 * of 256 pages), dropped as a whole by any change of that index's table.
 *
 * Target address spaces may be destroyed while mapped: their mappings then
 * fault (reason TARGET_GONE) and their events carry target_as NULL.
 */
#ifndef IOMMUSIM_IOMMU_SCRIPTED_IOMMU_H
#define IOMMUSIM_IOMMU_SCRIPTED_IOMMU_H

#include "iommu/iommu.h"
#include "iommu/iova-tree.h"

typedef struct ScriptedIOMMU ScriptedIOMMU;

typedef enum {
    SCRIPTED_FAULT_NONE,
    SCRIPTED_FAULT_UNMAPPED,    /* nothing mapped at the address */
    SCRIPTED_FAULT_PERM,        /* mapped without the permission asked for */
    SCRIPTED_FAULT_BAD_INDEX,   /* iommu_idx out of range */
    SCRIPTED_FAULT_CALLBACK,    /* the translate hook failed or lied */
    SCRIPTED_FAULT_TARGET_GONE, /* the target address space was destroyed */
} ScriptedFaultReason;

typedef struct ScriptedFault {
    hwaddr iova;
    IOMMUAccessFlags flag;  /* access asked for */
    int iommu_idx;
    ScriptedFaultReason reason;
} ScriptedFault;

typedef struct ScriptedIOMMUStats {
    uint64_t translations;  /* translate calls (lookups included) */
    uint64_t iotlb_hits;    /* table lookups answered by the model's cache */
    uint64_t faults;
    uint64_t maps;          /* scripted_iommu_map calls that succeeded */
    uint64_t unmaps;        /* scripted_iommu_unmap calls that succeeded */
    uint64_t map_events;    /* MAP events sent */
    uint64_t unmap_events;  /* UNMAP events sent */
} ScriptedIOMMUStats;

/*
 * A translate hook: fill *@entry for @iova (target_as, translated_addr of
 * the page, addr_mask, perm; iova is recomputed from the mask) and return
 * true, or return false for a failure. perm NONE means "not mapped".
 */
typedef bool (*ScriptedTranslateFn)(ScriptedIOMMU *s, hwaddr iova,
                                    IOMMUAccessFlags flag, int iommu_idx,
                                    IOMMUTLBEntry *entry, void *opaque);
/* Index for @attrs; anything outside [0, num_indexes) makes the access
 * fault. */
typedef int (*ScriptedAttrsToIndexFn)(ScriptedIOMMU *s, MemTxAttrs attrs,
                                      void *opaque);

typedef struct ScriptedIOMMUOptions {
    uint64_t page_size;   /* power of two >= 4096; 0 means 4096 */
    int num_indexes;      /* 1..1024; 0 means 1 */
    bool refuse_map;      /* refuse MAP notifiers (VT-d without caching
                           * mode): registration fails with an error */
    ScriptedTranslateFn translate;          /* NULL: the mapping table */
    ScriptedAttrsToIndexFn attrs_to_index;  /* NULL: index 0 */
    void *opaque;                           /* for the hooks */
    void (*free_opaque)(void *opaque);      /* called when the region goes */
} ScriptedIOMMUOptions;

#define SCRIPTED_IOMMU_MAX_INDEXES 1024

/*
 * scripted_iommu_new: a scripted IOMMU region named @name of @size bytes
 * (UINT64_MAX: 2^64), with @opts (NULL for the defaults). The caller holds
 * the one reference on its region (scripted_iommu_region); the model goes
 * with the region. Fails for size 0, a bad page size or index count.
 */
ScriptedIOMMU *scripted_iommu_new(const char *name, uint64_t size,
                                  const ScriptedIOMMUOptions *opts,
                                  GError **errp);

/* The region (to place in a tree, to register notifiers on) */
MemoryRegion *scripted_iommu_region(ScriptedIOMMU *s);
IOMMUMemoryRegion *scripted_iommu_iommu(ScriptedIOMMU *s);
/* The scripted IOMMU @mr is (aliases followed), or NULL */
ScriptedIOMMU *scripted_iommu_from_region(MemoryRegion *mr);

uint64_t scripted_iommu_page_size(const ScriptedIOMMU *s);
int scripted_iommu_num_indexes(const ScriptedIOMMU *s);
bool scripted_iommu_has_hook(const ScriptedIOMMU *s);

/*
 * scripted_iommu_map: map [@iova, @iova + @size) of index @iommu_idx to
 * [@addr, @addr + @size) of @target_as with @perm (RO, WO or RW), replacing
 * what was mapped there, and send the events (see above). @size is in
 * bytes, UINT64_MAX meaning 2^64. Fails (nothing changed, no event) for a
 * NULL target, perm NONE, a bad index, @iova, @addr or @size not multiples
 * of the page size, a range that wraps or ends beyond the region.
 */
bool scripted_iommu_map(ScriptedIOMMU *s, int iommu_idx, hwaddr iova,
                        uint64_t size, AddressSpace *target_as, hwaddr addr,
                        IOMMUAccessFlags perm, GError **errp);

/*
 * scripted_iommu_unmap: unmap [@iova, @iova + @size) of index @iommu_idx
 * (parts of mappings outside it stay) and send UNMAP events for what was
 * mapped. Cost grows with the mappings in the range, not with its size.
 * Same argument checks as map.
 */
bool scripted_iommu_unmap(ScriptedIOMMU *s, int iommu_idx, hwaddr iova,
                          uint64_t size, GError **errp);

/* The mapping table of index @iommu_idx (read only), or NULL. Maps carry
 * the target address space's watch record in opaque: use
 * scripted_iommu_map_target() to get the AddressSpace (NULL if gone). */
const IOVATree *scripted_iommu_table(ScriptedIOMMU *s, int iommu_idx);
AddressSpace *scripted_iommu_map_target(const DMAMap *map);

/* Counters and the last fault (reason NONE while there was none) */
ScriptedIOMMUStats scripted_iommu_stats(const ScriptedIOMMU *s);
ScriptedFault scripted_iommu_last_fault(const ScriptedIOMMU *s);
const char *scripted_fault_reason_name(ScriptedFaultReason r);

#endif
