/*
 * iova-tree.c - the IOVA tree on a GTree.
 *
 * Facts kept from QEMU 7.2 (util/iova-tree.c): a lookup with any range
 * finds a map that overlaps it; insert refuses a wrapping range, perm NONE and overlaps; remove takes out
 * every overlapping map whole; find_iova searches translated addresses
 * linearly; alloc_map hands out the lowest hole at or above iova_begin that
 * holds size + 1 bytes and ends at or below iova_last.
 *
 * Unlike QEMU, the tree is keyed by the start address alone (QEMU's keys
 * compare equal on overlap), which gives the same answers with half the
 * memory touched per level, and walks start at the first map of interest
 * (g_tree_upper_bound and friends, GLib >= 2.68) instead of at the first
 * map of the tree.
 */
#include "iommu/iova-tree.h"

/*
 * The GTree is keyed by the start of each map, stored in the key pointer
 * itself (no dereference while searching); the value is the DMAMap. Maps
 * never overlap, so the map that may overlap [first, last] is the one with
 * the largest start <= last.
 */
G_STATIC_ASSERT(sizeof(gpointer) >= sizeof(hwaddr));

struct IOVATree {
    GTree *tree;
};

#define KEY(iova) ((gpointer)(uintptr_t)(iova))

/* Last byte of a range; a range that would wrap ends at 2^64 - 1. */
static inline hwaddr map_last(const DMAMap *m)
{
    hwaddr last = m->iova + m->size;
    return last < m->iova ? HWADDR_MAX : last;
}

static int iova_tree_compare(gconstpointer a, gconstpointer b, gpointer data)
{
    uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;

    return x < y ? -1 : x > y;
}

static inline const DMAMap *node_map(GTreeNode *node)
{
    return node ? g_tree_node_value(node) : NULL;
}

/* The node with the largest start <= @addr, or NULL. */
static GTreeNode *node_at_or_below(const IOVATree *tree, hwaddr addr)
{
    GTreeNode *above = g_tree_upper_bound(tree->tree, KEY(addr));

    return above ? g_tree_node_previous(above) : g_tree_node_last(tree->tree);
}

/* The first node whose map ends at or above @addr, or NULL. */
static GTreeNode *first_at_or_above(const IOVATree *tree, hwaddr addr)
{
    GTreeNode *node = node_at_or_below(tree, addr);

    if (node && map_last(node_map(node)) >= addr) {
        return node;
    }
    return g_tree_lower_bound(tree->tree, KEY(addr));
}

IOVATree *iova_tree_new(void)
{
    IOVATree *t = g_new0(IOVATree, 1);

    t->tree = g_tree_new_full(iova_tree_compare, NULL, NULL, g_free);
    return t;
}

void iova_tree_destroy(IOVATree *tree)
{
    if (tree) {
        g_tree_destroy(tree->tree);
        g_free(tree);
    }
}

guint iova_tree_count(const IOVATree *tree)
{
    return (guint)g_tree_nnodes(tree->tree);
}

const DMAMap *iova_tree_find(const IOVATree *tree, const DMAMap *map)
{
    const DMAMap *m = node_map(node_at_or_below(tree, map_last(map)));

    return m && map_last(m) >= map->iova ? m : NULL;
}

const DMAMap *iova_tree_find_address(const IOVATree *tree, hwaddr iova)
{
    const DMAMap *m = node_map(node_at_or_below(tree, iova));

    return m && map_last(m) >= iova ? m : NULL;
}

const DMAMap *iova_tree_find_iova(const IOVATree *tree, const DMAMap *map)
{
    hwaddr first = map->translated_addr;
    hwaddr last = first + map->size < first ? HWADDR_MAX : first + map->size;

    for (GTreeNode *node = g_tree_node_first(tree->tree); node;
         node = g_tree_node_next(node)) {
        const DMAMap *m = node_map(node);
        hwaddr mfirst = m->translated_addr;
        hwaddr mlast = mfirst + m->size < mfirst ? HWADDR_MAX
                                                 : mfirst + m->size;
        if (mfirst <= last && first <= mlast) {
            return m;
        }
    }
    return NULL;
}

int iova_tree_insert(IOVATree *tree, const DMAMap *map)
{
    DMAMap *copy;

    if (map->iova + map->size < map->iova || map->perm == IOMMU_NONE) {
        return IOVA_ERR_INVALID;
    }
    if (iova_tree_find(tree, map)) {
        return IOVA_ERR_OVERLAP;
    }
    copy = g_memdup2(map, sizeof(*map));
    g_tree_insert(tree->tree, KEY(copy->iova), copy);
    return IOVA_OK;
}

void iova_tree_remove(IOVATree *tree, DMAMap map)
{
    const DMAMap *overlap;

    while ((overlap = iova_tree_find(tree, &map))) {
        g_tree_remove(tree->tree, KEY(overlap->iova));
    }
}

void iova_tree_foreach(IOVATree *tree, iova_tree_iterator iterator,
                       gpointer data)
{
    for (GTreeNode *node = g_tree_node_first(tree->tree); node;
         node = g_tree_node_next(node)) {
        if (iterator(node_map(node), data)) {
            return;
        }
    }
}

void iova_tree_foreach_range(IOVATree *tree, hwaddr first, hwaddr last,
                             iova_tree_iterator iterator, gpointer data)
{
    if (first > last) {
        return;
    }
    for (GTreeNode *node = first_at_or_above(tree, first); node;
         node = g_tree_node_next(node)) {
        const DMAMap *m = node_map(node);
        if (m->iova > last || iterator(m, data)) {
            return;
        }
    }
}

int iova_tree_alloc_map(IOVATree *tree, DMAMap *map, hwaddr iova_begin,
                        hwaddr iova_last)
{
    hwaddr start = iova_begin;
    GTreeNode *node;

    if (iova_last < iova_begin || map->perm == IOMMU_NONE) {
        return IOVA_ERR_INVALID;
    }
    node = first_at_or_above(tree, start);
    for (;;) {
        const DMAMap *m = node_map(node);
        hwaddr hole_last;

        /* the hole [start, hole_last] before m (or up to 2^64 - 1) */
        if (m && m->iova <= start) {
            /* m covers start: the hole begins after it */
            if (map_last(m) == HWADDR_MAX) {
                return IOVA_ERR_NOMEM;
            }
            start = map_last(m) + 1;
            node = g_tree_node_next(node);
            continue;
        }
        if (start > iova_last || iova_last - start < map->size) {
            return IOVA_ERR_NOMEM; /* later holes are higher still */
        }
        hole_last = m ? m->iova - 1 : HWADDR_MAX;
        if (hole_last - start >= map->size) {
            map->iova = start;
            return iova_tree_insert(tree, map);
        }
        /* too small: try after m (m exists, else the hole reached 2^64) */
        if (map_last(m) == HWADDR_MAX) {
            return IOVA_ERR_NOMEM;
        }
        start = map_last(m) + 1;
        node = g_tree_node_next(node);
    }
}
