/*
 * mtree-import.h - rebuild a region tree and its address spaces from QEMU
 * 7.2's `info mtree -D` text, optionally helped by `info mtree -f`.
 *
 * What the tree text gives is rebuilt exactly: names, placement, sizes,
 * priorities, [disabled], nv-, alias windows, which regions are the same
 * object (an alias target is printed again in a `memory-region:` section;
 * sections are matched with the regions printed in the trees). Types map as:
 *   ram  -> RAM (anonymous memory)      rom  -> ROM (readonly RAM)
 *   romd -> ROM device in romd mode whose MMIO side reads as unassigned
 *   ramd -> RAM with ram_device set (QEMU's ram_device regions dispatch
 *           through ops; here accesses go to plain memory)
 *   i/o  -> a container, or a terminating region reading as unassigned
 *           (IOMMU regions come back as plain i/o: their translation is
 *           not in the text)
 *
 * What the text does not say is settled by the `info mtree -f` hint when
 * there is one, else by a stated rule with a warning per guess:
 *   1. container or terminating i/o: an i/o region with children
 *      terminates iff its name is a leaf of some hinted FlatView (no hint:
 *      container, warned); a childless one terminates unless, with a hint,
 *      it renders in our views but not in the hinted ones (no hint:
 *      terminates, not warned: this is QEMU's common case).
 *   2. readonly on an alias or container: where the hint shows `rom` over a
 *      leaf that prints `ram`, the deepest alias (else container) on the
 *      path to that leaf is made readonly. Without a hint nothing is.
 *   3. order of equal-priority siblings at different addresses (the later
 *      one wins where they overlap): by default the one printed first
 *      (lower address) is taken as the later one; the hint reorders
 *      siblings until the rendered views agree; without a hint each
 *      enabled overlapping pair is warned about.
 *   4. which of several same-named `memory-region:` sections an alias
 *      targets: settled by replaying QEMU's print order (a section is
 *      printed when its target is first met), else by type and window fit,
 *      else the first (warned).
 *   5. size 0 or 1 (START == END): an alias whose 1-byte window would
 *      reach past its target is size 0; a region the hint shows at START
 *      is size 1; otherwise aliases are taken as 0 (QEMU's closed PCI
 *      bridge windows, tseg-window) and other regions as 1 (I/O ports),
 *      warned.
 * Address spaces are created with address_space_new in file order; with a
 * hint, those sharing a FlatView are put in the hint's order (QEMU lists
 * them in creation order). With a hint, what still differs after all this
 * (a view's map, root or sharing) is reported as a warning too.
 *
 * `info mtree -o -D` text is accepted (the owner parts are dropped, but
 * used to tell regions apart), as are "\r\n" line ends and QEMU's
 * "[DETECTED OVERFLOW!] " prefix. Limits: 256 levels of nesting, chains of
 * 1024 aliases.
 *
 * Every problem in the input is a GError whose message starts with
 * "line N:" ("hint line N:" for the -f text); nothing aborts.
 */
#ifndef IOMMUSIM_MEMORY_MTREE_IMPORT_H
#define IOMMUSIM_MEMORY_MTREE_IMPORT_H

#include <glib.h>
#include "memory/address-space.h"

#define MTREE_IMPORT_ERROR (mtree_import_error_quark())
GQuark mtree_import_error_quark(void);
typedef enum {
    MTREE_IMPORT_ERROR_PARSE,     /* malformed line, bad hex, indentation */
    MTREE_IMPORT_ERROR_TRUNCATED, /* the text stops in the middle */
    MTREE_IMPORT_ERROR_ALIAS,     /* unknown target, window beyond target */
    MTREE_IMPORT_ERROR_CREATE,    /* the memory API refused (e.g. RAM size) */
    MTREE_IMPORT_ERROR_HINT,      /* malformed `info mtree -f` text */
} MtreeImportError;

typedef struct MtreeImport MtreeImport;

/*
 * mtree_import: rebuild @tree_text (`info mtree -D` or `info mtree -o -D`
 * output; plain `info mtree` hides disabled regions and cannot be imported
 * faithfully) with @flat_hint (`info mtree -f` output of the same VM, or
 * NULL). On success the regions and address spaces exist until
 * mtree_import_free(); on failure nothing is left behind.
 */
MtreeImport *mtree_import(const char *tree_text, const char *flat_hint,
                          GError **errp);
/* Same, reading the texts from files (@flat_path may be NULL); a file
 * that cannot be read is a G_FILE_ERROR. */
MtreeImport *mtree_import_files(const char *tree_path, const char *flat_path,
                                GError **errp);

/* Destroy the imported address spaces, then release every imported region. */
void mtree_import_free(MtreeImport *imp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MtreeImport, mtree_import_free)

/* Guesses made (see above), each "line N: ..." */
guint mtree_import_warning_count(const MtreeImport *imp);
const char *mtree_import_warning(const MtreeImport *imp, guint n);

/* The address spaces created, in creation order */
guint mtree_import_address_space_count(const MtreeImport *imp);
AddressSpace *mtree_import_address_space(const MtreeImport *imp, guint n);
/* The first imported address space named @name, or NULL */
AddressSpace *mtree_import_find_address_space(const MtreeImport *imp,
                                              const char *name);
/* The first imported region named @name in file order, or NULL */
MemoryRegion *mtree_import_find_region(const MtreeImport *imp,
                                       const char *name);

#endif
