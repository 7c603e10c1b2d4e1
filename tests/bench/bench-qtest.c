/*
 * bench-qtest.c - qtest read/write lines executed per second by the
 * protocol server (scripts/qtest.c) against guest RAM, beside baselines
 * measured in the same run on the same input:
 *   - memcpy of the input text (the floor of any line processing);
 *   - splitting the input into lines and words and parsing the numbers,
 *     without executing anything (what a parser alone costs).
 * Target: 500,000 lines/s.
 *
 * The mix is what traces do: writeq/readq/writel/readl/writeb/readb at
 * scattered RAM addresses, and read/write of 8..64 bytes.
 */
#include <glib.h>
#include <string.h>
#include "memory/memory.h"
#include "memory/address-space.h"
#include "scripts/qtest.h"
#include "bench-util.h"

#define RAM_SIZE (64u << 20)
#define LINES 1000000
#define REPEAT 5

static GString *make_input(void)
{
    GString *in = g_string_sized_new(LINES * 32);
    GRand *r = g_rand_new_with_seed(42);

    for (int i = 0; i < LINES; i++) {
        uint64_t addr = (uint64_t)g_rand_int_range(r, 0, RAM_SIZE / 64) * 64;
        uint64_t val = ((uint64_t)g_rand_int(r) << 32) | g_rand_int(r);

        switch (i % 8) {
        case 0:
            g_string_append_printf(in, "writeq 0x%" PRIx64 " 0x%" PRIx64 "\n",
                                   addr, val);
            break;
        case 1:
            g_string_append_printf(in, "readq 0x%" PRIx64 "\n", addr);
            break;
        case 2:
            g_string_append_printf(in, "writel 0x%" PRIx64 " 0x%x\n", addr,
                                   (unsigned)val);
            break;
        case 3:
            g_string_append_printf(in, "readl 0x%" PRIx64 "\n", addr);
            break;
        case 4:
            g_string_append_printf(in, "writeb 0x%" PRIx64 " 0x%x\n", addr,
                                   (unsigned)val & 0xff);
            break;
        case 5:
            g_string_append_printf(in, "readb 0x%" PRIx64 "\n", addr);
            break;
        case 6:
            g_string_append_printf(in, "write 0x%" PRIx64 " 16 0x%016" PRIx64
                                   "%016" PRIx64 "\n", addr, val, ~val);
            break;
        default:
            g_string_append_printf(in, "read 0x%" PRIx64 " 16\n", addr);
            break;
        }
    }
    g_rand_free(r);
    return in;
}

/* Baseline: split into lines and words, parse every number. */
static uint64_t parse_only(const char *buf, size_t len)
{
    char line[256];
    uint64_t acc = 0;
    const char *p = buf, *end = buf + len;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = (size_t)(nl - p);
        char *w, *save = NULL;

        memcpy(line, p, l);
        line[l] = '\0';
        for (w = strtok_r(line, " ", &save); w;
             w = strtok_r(NULL, " ", &save)) {
            uint64_t v;
            if (qtest_parse_u64(w, &v)) {
                acc += v;
            } else {
                acc += (uint64_t)w[0];
            }
        }
        p = nl + 1;
    }
    return acc;
}

int main(void)
{
    GString *in = make_input();
    MemoryRegion *system = memory_region_new_container("system", UINT64_MAX);
    MemoryRegion *ram = memory_region_new_ram("ram", RAM_SIZE, NULL, NULL);
    AddressSpace *as;
    QTestServer *s;
    double t_memcpy[REPEAT], t_parse[REPEAT], t_qtest[REPEAT];
    char *copy = g_malloc(in->len);
    uint64_t out_bytes = 0;

    memory_region_add_subregion(system, 0, ram, NULL);
    as = address_space_new(system, "memory");
    s = qtest_server_new(&(QTestConfig){ .memory = as });

    for (int r = 0; r < REPEAT; r++) {
        double t0 = bench_now_ns();
        memcpy(copy, in->str, in->len);
        bench_sink += (uint8_t)copy[in->len / 2];
        t_memcpy[r] = bench_now_ns() - t0;

        t0 = bench_now_ns();
        bench_sink += parse_only(in->str, in->len);
        t_parse[r] = bench_now_ns() - t0;

        t0 = bench_now_ns();
        for (size_t off = 0; off < in->len; off += 65536) {
            size_t n = MIN(65536, in->len - off), olen;

            qtest_server_feed(s, in->str + off, n);
            qtest_server_output(s, &olen);
            out_bytes += olen;
            qtest_server_consume(s, olen);
        }
        t_qtest[r] = bench_now_ns() - t0;
    }
    g_assert(qtest_server_errors(s) == 0);
    {
        double tm = bench_median(t_memcpy, REPEAT);
        double tp = bench_median(t_parse, REPEAT);
        double tq = bench_median(t_qtest, REPEAT);
        double lps = LINES / (tq / 1e9);

        printf("qtest: %d lines (%zu bytes) against %u MiB of RAM, median of "
               "%d runs\n", LINES, in->len, RAM_SIZE >> 20, REPEAT);
        bench_report("qtest lines executed", lps / 1e6, "Mln/s",
                     "memcpy of the input", LINES / (tm / 1e9) / 1e6,
                     ">= 0.5 Mlines/s", lps >= 500000);
        bench_report("qtest lines executed", lps / 1e6, "Mln/s",
                     "split+parse only", LINES / (tp / 1e9) / 1e6,
                     ">= 0.5 Mlines/s", lps >= 500000);
        printf("qtest: %.0f ns per line executed, %.0f ns per line parsed, "
               "%.2f ns per line copied\n", tq / LINES, tp / LINES, tm / LINES);
    }
    qtest_server_free(s);
    address_space_destroy(as);
    memory_region_del_subregion(system, ram, NULL);
    memory_region_unref(ram);
    memory_region_unref(system);
    g_string_free(in, TRUE);
    g_free(copy);
    bench_sink += out_bytes;
    return 0;
}
