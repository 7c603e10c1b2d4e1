/*
 * cli.h - the subcommands of the iommusim program.
 *
 * Each takes the arguments after its name (argv[0] is the subcommand) and
 * returns the exit status: 0 success, 1 failure of the work itself (a
 * script error, a malformed dump), 2 a usage error.
 */
#ifndef IOMMUSIM_SCRIPTS_CLI_H
#define IOMMUSIM_SCRIPTS_CLI_H

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAILURE 1
#define CLI_EXIT_USAGE 2

/* Program name for messages ("iommusim") */
extern const char *cli_prog;

int cli_run(int argc, char **argv);
int cli_mtree(int argc, char **argv);
int cli_qtest(int argc, char **argv);

/* Print "iommusim CMD: message" and a hint to --help; returns CLI_EXIT_USAGE */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
