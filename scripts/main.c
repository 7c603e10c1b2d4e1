/*
 * main.c - the iommusim program: dispatch to a subcommand.
 */
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "scripts/cli.h"

#ifndef IOMMUSIM_VERSION
#define IOMMUSIM_VERSION "unknown"
#endif

const char *cli_prog = "iommusim";

static const char usage[] =
    "Usage: iommusim COMMAND [OPTIONS] [ARGUMENTS]\n"
    "\n"
    "An IOMMU and DMA address-translation simulator built on QEMU's memory\n"
    "API.\n"
    "\n"
    "Commands:\n"
    "  run [--timeout SECONDS] [--traceback] FILE.lua [ARGS...]\n"
    "                 run a Lua scenario; `require \"iommusim\"` gives the API\n"
    "                 (FILE '-' reads standard input; ARGS are in `arg`)\n"
    "  mtree [-f] [--hint FLAT.txt] [-q] DUMP.txt\n"
    "                 rebuild a QEMU 7.2 `info mtree -D` dump and print it\n"
    "                 again (-f: its flat views, as `info mtree -f`)\n"
    "  qtest [-machine q35] [-m SIZE] [-device DRIVER[,PROP=VALUE]]...\n"
    "                 serve QEMU's qtest protocol on stdin (as QEMU 7.2)\n"
    "\n"
    "Options:\n"
    "  -h, --help     show this help (COMMAND --help: that command's)\n"
    "  -V, --version  show the version\n"
    "\n"
    "Exit status: 0 success, 1 the script or dump failed, 2 usage error.\n";

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s%s%s: ", cli_prog, cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s%s%s --help' for more information.\n", cli_prog,
            cmd ? " " : "", cmd ? cmd : "");
    return CLI_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    const char *cmd;

    if (argc < 2) {
        fputs(usage, stderr);
        return CLI_EXIT_USAGE;
    }
    cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return CLI_EXIT_OK;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("iommusim %s\n", IOMMUSIM_VERSION);
        return CLI_EXIT_OK;
    }
    if (!strcmp(cmd, "run")) {
        return cli_run(argc - 1, argv + 1);
    }
    if (!strcmp(cmd, "mtree")) {
        return cli_mtree(argc - 1, argv + 1);
    }
    if (!strcmp(cmd, "qtest")) {
        return cli_qtest(argc - 1, argv + 1);
    }
    if (cmd[0] == '-') {
        return cli_usage_error(NULL, "unknown option '%s'", cmd);
    }
    return cli_usage_error(NULL, "unknown command '%s'", cmd);
}
