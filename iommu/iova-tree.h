/*
 * iova-tree.h - a set of non-overlapping IOVA ranges with their
 * translations, QEMU's util/iova-tree rebuilt.
 *
 * IOMMU models use it to remember what they told their notifiers (so that
 * an invalidation can be turned into the right UNMAP/MAP events), and a
 * VFIO-style container to mirror a domain.
 *
 * Sizes are inclusive, as in QEMU: a DMAMap covers [iova, iova + size], so
 * size is the length minus one (0 for one byte, 0xfff for a 4 KiB page,
 * UINT64_MAX for all of 2^64).
 *
 * Costs: insert, find and find_address are O(log n); remove costs
 * O((k + 1) log n) for k maps in the range, whatever its size;
 * foreach_range O(log n + k); alloc_map O(log n + holes looked at);
 * find_iova is a linear search, as in QEMU.
 *
 * Differences from QEMU: a DMAMap carries an opaque pointer for its owner
 * (compared by nothing); the foreach iterator gets a user pointer;
 * iova_tree_alloc_map may use a hole that ends at 2^64 - 1 (QEMU 7.2 never
 * hands out the very last byte).
 */
#ifndef IOMMUSIM_IOMMU_IOVA_TREE_H
#define IOMMUSIM_IOMMU_IOVA_TREE_H

#include "memory/memory.h"

#define IOVA_OK (0)
#define IOVA_ERR_INVALID (-1) /* bad parameters */
#define IOVA_ERR_OVERLAP (-2) /* the range overlaps a map */
#define IOVA_ERR_NOMEM (-3)   /* no free range found */

typedef struct IOVATree IOVATree;

typedef struct DMAMap {
    hwaddr iova;
    hwaddr translated_addr;
    hwaddr size;            /* inclusive: length - 1 */
    IOMMUAccessFlags perm;
    void *opaque;           /* owner's data, copied with the map */
} DMAMap;

/* Return true to stop the walk. */
typedef gboolean (*iova_tree_iterator)(const DMAMap *map, gpointer data);

/* An empty tree. */
IOVATree *iova_tree_new(void);
/* Free the tree and its maps. */
void iova_tree_destroy(IOVATree *tree);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IOVATree, iova_tree_destroy)

/* Number of maps in the tree. */
guint iova_tree_count(const IOVATree *tree);

/*
 * iova_tree_insert: add a copy of @map. IOVA_ERR_INVALID if the range wraps
 * past 2^64 or perm is IOMMU_NONE; IOVA_ERR_OVERLAP if it overlaps a map
 * already there (the tree is unchanged then).
 */
int iova_tree_insert(IOVATree *tree, const DMAMap *map);

/*
 * iova_tree_find: a map whose IOVA range overlaps [map->iova, map->iova +
 * map->size] (one of them if several do), or NULL. The pointer is the
 * tree's: read it, do not keep it across a change of the tree.
 */
const DMAMap *iova_tree_find(const IOVATree *tree, const DMAMap *map);

/* iova_tree_find_address: the map that contains @iova, or NULL. */
const DMAMap *iova_tree_find_address(const IOVATree *tree, hwaddr iova);

/*
 * iova_tree_find_iova: a map whose translated range overlaps
 * [map->translated_addr, map->translated_addr + map->size] (the lowest in
 * IOVA order), or NULL. Linear in the number of maps.
 */
const DMAMap *iova_tree_find_iova(const IOVATree *tree, const DMAMap *map);

/*
 * iova_tree_remove: remove every map that overlaps [map.iova, map.iova +
 * map.size], whole (a map only partly inside goes entirely, as in QEMU).
 * map.translated_addr is not looked at.
 */
void iova_tree_remove(IOVATree *tree, DMAMap map);

/* Call @iterator on every map in IOVA order until it returns true. The
 * tree must not change during the walk. */
void iova_tree_foreach(IOVATree *tree, iova_tree_iterator iterator,
                       gpointer data);

/* The same for the maps that overlap [first, last], in IOVA order. */
void iova_tree_foreach_range(IOVATree *tree, hwaddr first, hwaddr last,
                             iova_tree_iterator iterator, gpointer data);

/*
 * iova_tree_alloc_map: find the lowest free range of map->size + 1 bytes
 * inside [@iova_begin, @iova_last], put its start in map->iova and insert
 * the map (QEMU 7.2's iova_tree_alloc_map). IOVA_ERR_INVALID if
 * @iova_last < @iova_begin or perm is IOMMU_NONE, IOVA_ERR_NOMEM if no free
 * range fits (map->iova is unchanged then).
 */
int iova_tree_alloc_map(IOVATree *tree, DMAMap *map, hwaddr iova_begin,
                        hwaddr iova_last);

#endif
