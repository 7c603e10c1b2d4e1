/*
 * flatview.h - the rendered, flat form of a region tree.
 *
 * A FlatView is a sorted array of non-overlapping FlatRanges, each a piece
 * of one terminating region (RAM, I/O, ROM device, IOMMU). It is rendered by
 * QEMU's rules (render_memory_region, flatview_simplify) and shared by every
 * AddressSpace whose root resolves to the same region
 * (memory_region_get_flatview_root). Views are immutable once published: a
 * change in the tree makes a new view.
 */
#ifndef IOMMUSIM_MEMORY_FLATVIEW_H
#define IOMMUSIM_MEMORY_FLATVIEW_H

#include "memory/memory.h"

typedef struct FlatRange {
    MemoryRegion *mr;
    hwaddr offset_in_region;
    u128 start;   /* in the address space */
    u128 size;    /* > 0 */
    uint8_t dirty_log_mask;
    bool romd_mode;
    bool readonly;
    bool nonvolatile;
} FlatRange;

typedef struct FlatView {
    int ref;
    MemoryRegion *root; /* the resolved root, NULL for the empty view */
    FlatRange *ranges;
    guint nr;
    hwaddr *starts; /* ranges[i].start as hwaddr, for binary search */
} FlatView;

/* A piece of an address space as listeners and lookups see it */
typedef struct MemoryRegionSection {
    u128 size;
    MemoryRegion *mr;
    FlatView *fv;
    hwaddr offset_within_region;
    hwaddr offset_within_address_space;
    bool readonly;
    bool nonvolatile;
} MemoryRegionSection;

void flatview_ref(FlatView *fv);
void flatview_unref(FlatView *fv);

/* Index of the range containing @addr, or -1 for unassigned space. */
int flatview_find(const FlatView *fv, hwaddr addr);

/*
 * memory_region_get_flatview_root: the region whose rendering equals that of
 * @mr, stepping through whole-target aliases at offset 0 and containers with
 * a single enabled child at 0 that covers them; NULL when nothing renders.
 */
MemoryRegion *memory_region_get_flatview_root(MemoryRegion *mr);

/* Render @root (may be NULL) into a new view with refcount 1. */
FlatView *flatview_render(MemoryRegion *root);

/* Whether two ranges are the same mapping (QEMU's flatrange_equal). */
bool flatrange_equal(const FlatRange *a, const FlatRange *b);

/* Type word of a flat range as info mtree -f prints it: "rom" where
 * readonly reached the range (from the region or an alias/container above
 * it), else the region's own type (memory_region_type_name). */
const char *flat_range_type_name(const FlatRange *fr);

/* Section for range @i of @fv */
MemoryRegionSection flatview_section(FlatView *fv, guint i);

/* Every distinct FlatView in use, in the order of the address spaces that
 * first use them (as QEMU's `info mtree -f` prints them). */
GPtrArray *flatviews_in_use(void);

#endif
