/*
 * cli-mtree.c - `iommusim mtree [-f] [--json] [--hint FLAT.txt] [-q] DUMP.txt`:
 * rebuild the tree QEMU 7.2 printed with `info mtree -D` and print it
 * again (as `info mtree -D`), or its flat views (as `info mtree -f`), as
 * text or as JSON lines.
 */
#include <glib.h>
#include <stdio.h>
#include "memory/mtree.h"
#include "memory/mtree-json.h"
#include "memory/mtree-import.h"
#include "scripts/cli.h"

int cli_mtree(int argc, char **argv)
{
    gboolean flat = FALSE, quiet = FALSE, json = FALSE;
    g_autofree char *hint = NULL;
    GOptionEntry entries[] = {
        { "flat", 'f', 0, G_OPTION_ARG_NONE, &flat,
          "Print the flat views (as `info mtree -f`)", NULL },
        { "hint", 0, 0, G_OPTION_ARG_FILENAME, &hint,
          "`info mtree -f` output of the same VM: settles what the tree "
          "text leaves open", "FLAT.txt" },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json,
          "Print JSON lines (one per region, or per flat range with -f)",
          NULL },
        { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
          "Do not print the importer's warnings", NULL },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("DUMP.txt - print a QEMU `info mtree -D` dump "
                             "again");
    g_autoptr(GError) err = NULL;
    g_autoptr(MtreeImport) imp = NULL;
    g_autofree char *text = NULL;

    g_set_prgname("iommusim mtree");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_summary(ctx,
        "DUMP.txt is what QEMU 7.2 printed for `info mtree -D` (address-space\n"
        "and memory-region sections). Warnings about guesses go to stderr;\n"
        "give --hint to settle them.");
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        return cli_usage_error("mtree", "%s", err->message);
    }
    if (argc < 2) {
        return cli_usage_error("mtree", "missing DUMP.txt");
    }
    if (argc > 2) {
        return cli_usage_error("mtree", "unexpected argument '%s'", argv[2]);
    }
    imp = mtree_import_files(argv[1], hint, &err);
    if (!imp) {
        fprintf(stderr, "%s mtree: %s: %s\n", cli_prog, argv[1], err->message);
        return CLI_EXIT_FAILURE;
    }
    if (!quiet) {
        for (guint i = 0; i < mtree_import_warning_count(imp); i++) {
            fprintf(stderr, "%s mtree: %s: warning: %s\n", cli_prog, argv[1],
                    mtree_import_warning(imp, i));
        }
    }
    text = json ? mtree_json(flat) : mtree_info(flat, TRUE);
    fputs(text, stdout);
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}
