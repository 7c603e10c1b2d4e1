/*
 * mtree-json.h - `info mtree` as JSON lines, for tools that read maps
 * rather than people.
 *
 * Addresses, sizes and offsets are strings "0x..." (64-bit values do not
 * survive JSON numbers in most readers); priorities and depths are numbers.
 */
#ifndef IOMMUSIM_MEMORY_MTREE_JSON_H
#define IOMMUSIM_MEMORY_MTREE_JSON_H

#include <glib.h>

/*
 * mtree_json: one JSON object per line, g_malloc'd text.
 * @flatview false: a line per region as the tree shows it, for every
 *   address space root in creation order:
 *   {"root", "address_spaces", "depth", "name", "kind", "type", "start",
 *    "end", "priority", "enabled", ["alias", "alias_offset"]}
 *   (depth 0 is the root; start/end are absolute, as info mtree prints
 *   them; disabled regions are included with "enabled": false).
 * @flatview true: a line per range of every FlatView in use:
 *   {"view", "address_spaces", "root", "start", "end", "priority", "type",
 *    "region", "offset", "readonly", "nonvolatile", "romd"}
 *   ("root" is null for the empty view, which has no ranges: it gets one
 *   line with "start": null so that its address spaces are listed).
 */
char *mtree_json(bool flatview);

#endif
