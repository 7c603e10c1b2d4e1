/* bench-util.h - timing helpers for benchmarks (never used in tests) */
#ifndef IOMMUSIM_BENCH_UTIL_H
#define IOMMUSIM_BENCH_UTIL_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* median of @n samples (sorts them) */
static inline double bench_median(double *v, size_t n)
{
    qsort(v, n, sizeof(double), bench_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A line: name, figure, unit, baseline and the target verdict */
static inline void bench_report(const char *name, double value,
                                const char *unit, const char *baseline_name,
                                double baseline, const char *target,
                                bool met)
{
    printf("%-44s %10.2f %-6s | baseline %-28s %10.2f %-6s | ratio %6.2f | "
           "target %s: %s\n",
           name, value, unit, baseline_name, baseline, unit,
           baseline > 0 ? value / baseline : 0.0, target,
           met ? "met" : "MISSED");
}

/* keep the compiler from dropping a computed value */
static volatile uint64_t bench_sink;

#endif
