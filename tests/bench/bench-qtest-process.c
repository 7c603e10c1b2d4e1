/*
 * bench-qtest-process.c - one qtest trace timed as whole processes on
 * QEMU 7.2 and on `iommusim qtest`: wall time from fork to the last reply
 * (QEMU does not exit at the end of its input; it is killed then, iommusim
 * exits by itself) and CPU time (user + system of the whole process, from
 * wait4), median of N runs each, alternating. Target: iommusim at least 50
 * times faster.
 *
 *   bench-qtest-process [-n RUNS] IOMMUSIM TRACE.qtest
 *
 * The trace syntax is tests/oracle/qtest-oracle.py's (#! args:, #! sync,
 * #! poll CMD mask M value V [max N], #! empty); a poll sends its command
 * again as soon as the reply says "not yet" (a driver's busy loop). The
 * replies are not compared here (the qemu-oracle suite does that). The
 * harness is C so that its own cost (fork, pipes) stays far below what it
 * measures.
 * Exits 77 (skipped) without qemu-system-x86_64.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench-util.h"

typedef struct Step {
    GString *block;       /* lines to send at once */
    unsigned nlines;
    char *poll_cmd;       /* or a poll loop */
    uint64_t mask, value;
    unsigned max;
} Step;

typedef struct Trace {
    GPtrArray *args;
    GArray *steps;        /* Step */
} Trace;

static void flush_block(Trace *t, Step *cur)
{
    if (cur->nlines) {
        g_array_append_val(t->steps, *cur);
    } else {
        g_string_free(cur->block, TRUE);
    }
    memset(cur, 0, sizeof(*cur));
    cur->block = g_string_new("");
}

static Trace *trace_load(const char *path)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    Trace *t = g_new0(Trace, 1);
    Step cur = { .block = g_string_new("") };
    GError *err = NULL;

    if (!g_file_get_contents(path, &text, NULL, &err)) {
        fprintf(stderr, "%s\n", err->message);
        exit(1);
    }
    t->args = g_ptr_array_new();
    t->steps = g_array_new(FALSE, TRUE, sizeof(Step));
    lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        char *l = lines[i];

        if (g_str_has_prefix(l, "#!")) {
            g_auto(GStrv) w = g_strsplit_set(l + 2, " \t", -1);
            GPtrArray *words = g_ptr_array_new();

            for (int k = 0; w[k]; k++) {
                if (*w[k]) {
                    g_ptr_array_add(words, w[k]);
                }
            }
            if (words->len && !strcmp(words->pdata[0], "args:")) {
                for (guint k = 1; k < words->len; k++) {
                    g_ptr_array_add(t->args, g_strdup(words->pdata[k]));
                }
            } else if (words->len && !strcmp(words->pdata[0], "empty")) {
                g_string_append_c(cur.block, '\n');
                cur.nlines++;
            } else if (words->len && !strcmp(words->pdata[0], "sync")) {
                flush_block(t, &cur);
            } else if (words->len && !strcmp(words->pdata[0], "poll")) {
                Step p = { 0 };
                GString *cmd = g_string_new("");
                guint k = 1;

                flush_block(t, &cur);
                for (; k < words->len && strcmp(words->pdata[k], "mask"); k++) {
                    g_string_append_printf(cmd, "%s%s", cmd->len ? " " : "",
                                           (char *)words->pdata[k]);
                }
                if (k + 3 >= words->len ||
                    strcmp(words->pdata[k + 2], "value")) {
                    fprintf(stderr, "%s: bad poll: %s\n", path, l);
                    exit(1);
                }
                p.poll_cmd = g_string_free(cmd, FALSE);
                p.mask = g_ascii_strtoull(words->pdata[k + 1], NULL, 0);
                p.value = g_ascii_strtoull(words->pdata[k + 3], NULL, 0);
                p.max = 2000;
                if (k + 5 < words->len && !strcmp(words->pdata[k + 4], "max")) {
                    p.max = (unsigned)g_ascii_strtoull(words->pdata[k + 5],
                                                       NULL, 0);
                }
                g_array_append_val(t->steps, p);
            }
            g_ptr_array_free(words, TRUE);
            continue;
        }
        if (l[0] == '#' || l[0] == '\0') {
            continue;
        }
        g_string_append(cur.block, l);
        g_string_append_c(cur.block, '\n');
        cur.nlines++;
    }
    flush_block(t, &cur);
    g_string_free(cur.block, TRUE);
    return t;
}

typedef struct Proc {
    pid_t pid;
    int in, out;
    GString *buf;
    size_t scan;
} Proc;

static void proc_start(Proc *p, char **argv)
{
    int to[2], from[2];

    if (pipe(to) || pipe(from)) {
        perror("pipe");
        exit(1);
    }
    p->pid = fork();
    if (p->pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);

        dup2(to[0], 0);
        dup2(from[1], 1);
        dup2(devnull, 2);
        close(to[1]);
        close(from[0]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    p->in = to[1];
    p->out = from[0];
    p->buf = g_string_new("");
    p->scan = 0;
}

static void proc_send(Proc *p, const char *data, size_t len)
{
    while (len) {
        ssize_t n = write(p->in, data, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror("write");
            exit(1);
        }
        data += n;
        len -= (size_t)n;
    }
}

/* Next reply line (OK/FAIL/ERR), skipping log lines; NULL at EOF */
static char *proc_reply(Proc *p)
{
    for (;;) {
        char *nl = memchr(p->buf->str + p->scan, '\n', p->buf->len - p->scan);
        if (nl) {
            char *line = g_strndup(p->buf->str + p->scan,
                                   (size_t)(nl - (p->buf->str + p->scan)));
            p->scan = (size_t)(nl - p->buf->str) + 1;
            if (g_str_has_prefix(line, "OK") ||
                g_str_has_prefix(line, "FAIL") ||
                g_str_has_prefix(line, "ERR")) {
                return line;
            }
            g_free(line);
            continue;
        }
        {
            char tmp[65536];
            struct pollfd pfd = { .fd = p->out, .events = POLLIN };
            ssize_t n;

            if (poll(&pfd, 1, 30000) <= 0) {
                return NULL;
            }
            n = read(p->out, tmp, sizeof(tmp));
            if (n <= 0) {
                return NULL;
            }
            g_string_append_len(p->buf, tmp, n);
        }
    }
}

static void reap(pid_t pid, double *cpu)
{
    struct rusage ru;
    int status;

    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
    }
    if (cpu) {
        *cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
               ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    }
}

/* One whole run; returns wall seconds (*cpu: the child's user+system
 * seconds), or -1 on failure */
static double run_once(char **argv, Trace *t, bool kill_at_end, double *cpu)
{
    Proc p;
    double t0 = bench_now_ns(), wall;

    proc_start(&p, argv);
    for (guint i = 0; i < t->steps->len; i++) {
        Step *s = &g_array_index(t->steps, Step, i);

        if (!s->poll_cmd) {
            proc_send(&p, s->block->str, s->block->len);
            for (unsigned k = 0; k < s->nlines; k++) {
                char *r = proc_reply(&p);
                if (!r) {
                    kill(p.pid, SIGKILL);
                    reap(p.pid, NULL);
                    return -1;
                }
                g_free(r);
            }
        } else {
            g_autofree char *line = g_strconcat(s->poll_cmd, "\n", NULL);

            for (unsigned k = 0; k < s->max; k++) {
                char *r;
                uint64_t v;

                proc_send(&p, line, strlen(line));
                r = proc_reply(&p);
                if (!r) {
                    kill(p.pid, SIGKILL);
                    reap(p.pid, NULL);
                    return -1;
                }
                v = strchr(r, ' ') ? g_ascii_strtoull(strchr(r, ' ') + 1, NULL,
                                                      0) : 0;
                g_free(r);
                if ((v & s->mask) == s->value) {
                    break;
                }
            }
        }
    }
    /* the last reply is in: that is the end of the work */
    wall = (bench_now_ns() - t0) / 1e9;
    close(p.in);
    if (kill_at_end) {
        kill(p.pid, SIGKILL);
    }
    reap(p.pid, cpu);     /* iommusim exits at the end of its input */
    close(p.out);
    g_string_free(p.buf, TRUE);
    return wall;
}

int main(int argc, char **argv)
{
    int runs = 5;
    const char *iommusim, *trace_path;
    static const char *base[] = {
        "-machine", "q35", "-accel", "tcg", "-icount", "shift=0,sleep=off",
        "-bios", NULL, "-nodefaults", "-display", "none", "-m", "256",
        "-qtest", "stdio",
    };
    g_autofree char *tmpdir = NULL;
    g_autofree char *hlt = NULL;
    g_autofree char *qemu = g_find_program_in_path("qemu-system-x86_64");
    GPtrArray *qa, *sa;
    Trace *t;
    double *tq, *ts, *cq, *cs;
    uint8_t halt[65536];

    if (argc >= 3 && !strcmp(argv[1], "-n")) {
        runs = atoi(argv[2]);
        argv += 2;
        argc -= 2;
    }
    if (argc != 3 || runs < 1) {
        fprintf(stderr, "usage: bench-qtest-process [-n RUNS] IOMMUSIM "
                "TRACE.qtest\n");
        return 2;
    }
    if (!qemu) {
        printf("SKIP: qemu-system-x86_64 not found\n");
        return 77;
    }
    iommusim = argv[1];
    trace_path = argv[2];
    t = trace_load(trace_path);
    tmpdir = g_dir_make_tmp("bench-qtest-XXXXXX", NULL);
    hlt = g_build_filename(tmpdir, "hlt.bin", NULL);
    memset(halt, 0xf4, sizeof(halt));
    g_file_set_contents(hlt, (const char *)halt, sizeof(halt), NULL);

    qa = g_ptr_array_new();
    sa = g_ptr_array_new();
    g_ptr_array_add(qa, qemu);
    g_ptr_array_add(sa, (char *)iommusim);
    g_ptr_array_add(sa, "qtest");
    for (size_t i = 0; i < G_N_ELEMENTS(base); i++) {
        g_ptr_array_add(qa, base[i] ? (char *)base[i] : hlt);
        g_ptr_array_add(sa, base[i] ? (char *)base[i] : hlt);
    }
    for (guint i = 0; i < t->args->len; i++) {
        g_ptr_array_add(qa, t->args->pdata[i]);
        g_ptr_array_add(sa, t->args->pdata[i]);
    }
    g_ptr_array_add(qa, NULL);
    g_ptr_array_add(sa, NULL);

    tq = g_new(double, runs);
    ts = g_new(double, runs);
    cq = g_new(double, runs);
    cs = g_new(double, runs);
    for (int r = 0; r < runs; r++) {
        tq[r] = run_once((char **)qa->pdata, t, true, &cq[r]);
        ts[r] = run_once((char **)sa->pdata, t, false, &cs[r]);
        if (tq[r] < 0 || ts[r] < 0) {
            fprintf(stderr, "bench-qtest-process: a run failed (%s)\n",
                    tq[r] < 0 ? "qemu" : "iommusim");
            return 1;
        }
    }
    {
        double mq = bench_median(tq, runs), ms = bench_median(ts, runs);
        double mcq = bench_median(cq, runs), mcs = bench_median(cs, runs);
        g_autofree char *name = g_path_get_basename(trace_path);

        printf("%s: median of %d whole-process runs (from fork to the last "
               "reply; CPU of the whole process): wall qemu-7.2 %.1f ms, "
               "iommusim %.2f ms; CPU (user+sys) qemu-7.2 %.1f ms, "
               "iommusim %.2f ms\n", name, runs, mq * 1e3, ms * 1e3,
               mcq * 1e3, mcs * 1e3);
        bench_report("whole process wall time, runs/s", 1.0 / ms, "run/s",
                     "qemu-system-x86_64 7.2", 1.0 / mq, ">= 50x QEMU",
                     mq / ms >= 50);
        bench_report("whole process CPU time, runs/CPU-s", 1.0 / mcs, "run/s",
                     "qemu-system-x86_64 7.2", 1.0 / mcq, ">= 50x QEMU",
                     mcq / mcs >= 50);
    }
    unlink(hlt);
    g_rmdir(tmpdir);
    return 0;
}
