/* fuzz-mtree-import.c - any text given to the mtree importer: an error or a
 * tree, never a crash, and nothing left behind after mtree_import_free. */
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include "memory/mtree-import.h"
#include "memory/mtree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *text = g_strndup((const char *)data, size);
    guint before = address_space_count();
    GError *err = NULL;
    MtreeImport *imp = mtree_import(text, NULL, &err);
    if (imp) {
        g_free(mtree_info(false, true));
        g_free(mtree_info(true, false));
        mtree_import_free(imp);
    } else {
        g_error_free(err);
    }
    if (address_space_count() != before) {
        abort(); /* the importer leaked an address space */
    }
    return 0;
}
