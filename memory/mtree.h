/*
 * mtree.h - `info mtree` text, byte-compatible with QEMU 7.2.
 *
 * The tree form (`info mtree`, `info mtree -D`) prints every AddressSpace's
 * region tree, then one `memory-region:` section per distinct alias target;
 * the flat form (`info mtree -f`) prints every distinct FlatView with the
 * address spaces that use it. Line formats, indentation, child order and the
 * alias-target queue are QEMU's (softmmu/memory.c, mtree_info); reference
 * dumps of real QEMU 7.2 machines are in tests/data/mtree.
 *
 * Where QEMU's order comes from a hash table (address-space groups in the
 * tree form, FlatViews in the flat form) iommusim prints in a deterministic
 * order instead:
 *   - address-space groups (address spaces sharing one root object) in the
 *     order of their first address space's creation; names in a group sorted
 *     with strcmp, as QEMU does;
 *   - FlatViews in the order of the first address space using each; the
 *     address spaces of one view in creation order, as QEMU does;
 *   - memory-region sections in the order their target is first met, as
 *     QEMU does (that order follows the group order above).
 * QEMU's own output may therefore list the same sections in another order;
 * compare sections as a multiset (and FlatView numbers normalised).
 */
#ifndef IOMMUSIM_MEMORY_MTREE_H
#define IOMMUSIM_MEMORY_MTREE_H

#include <glib.h>
#include "memory/memory.h"

/*
 * mtree_info: the text of `info mtree` (@flatview false; with
 * @dump_disabled, `info mtree -D`) or `info mtree -f` (@flatview true;
 * @dump_disabled is then ignored) for every address space. Lines end in
 * "\n" (QEMU's monitor turns those into "\r\n" on the wire). Returns a
 * g_malloc'd string; "" when there is no address space.
 */
char *mtree_info(bool flatview, bool dump_disabled);

/* As mtree_info, appending to @out. */
void mtree_info_append(GString *out, bool flatview, bool dump_disabled);

/*
 * mtree_print_region: the lines QEMU prints for @mr's subtree as the body
 * of a `memory-region:` section (level 1, base address 0), without the
 * header, the trailing empty line or the sections of alias targets.
 */
char *mtree_print_region(const MemoryRegion *mr, bool dump_disabled);

#endif
