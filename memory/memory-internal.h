/*
 * memory-internal.h - state shared by memory.c, flatview.c and
 * address-space.c; nothing outside memory/ includes it.
 *
 * Rendering is incremental: every region caches its "local" flat list, the
 * pieces it renders relative to its own start, clipped to its size. A change
 * marks the region and, transitively, its users (container, aliases of it)
 * dirty; a commit recomputes only dirty lists reachable from an
 * AddressSpace root, and only views whose root is dirty are rebuilt.
 */
#ifndef IOMMUSIM_MEMORY_INTERNAL_H
#define IOMMUSIM_MEMORY_INTERNAL_H

#include "memory/address-space.h"

struct MemoryRegionRender {
    bool dirty;            /* `local` is stale */
    GArray *local;         /* FlatRange, start relative to the region */
    uint64_t version;      /* changes each time `local` is recomputed */
    GPtrArray *alias_users; /* aliases whose target is this region */
    GPtrArray *by_addr;    /* children sorted by addr (ties: priority order) */
};

/* Mark @mr's own rendering stale (and its users'). */
void memory_region_mark_dirty(MemoryRegion *mr);
/* Mark stale what renders @mr (placement or enabled changed). */
void memory_region_mark_users_dirty(MemoryRegion *mr);
/* The up-to-date local list of @mr (recomputed if dirty). */
GArray *memory_region_local_pieces(MemoryRegion *mr);
/* Free the render state (region being finalized). */
void memory_region_render_free(MemoryRegion *mr);
/* Keep a container's by_addr index in step with its children. */
void memory_region_by_addr_insert(MemoryRegion *container, MemoryRegion *sub);
void memory_region_by_addr_remove(MemoryRegion *container, MemoryRegion *sub);

/* Global dirty logging state (the MIGRATION client for every RAM range) */
extern bool memory_global_dirty_tracking;
/* Set by every change; consumed by the outermost commit. */
extern bool memory_region_update_pending;
/* Force every view to be rebuilt at the next commit (global logging) */
extern bool memory_region_views_stale;

/* Listener helpers in address-space.c */
void memory_listeners_global_call_log_global(bool start);

#endif
