/*
 * fuzz-driver.c - a small mutation driver for the fuzz-smoke suite.
 *
 * Each target defines LLVMFuzzerTestOneInput (so it also builds as a
 * libFuzzer target with clang -fsanitize=fuzzer). This driver feeds it the
 * seed files given on the command line, then a fixed number of mutants of
 * them (byte flips, cuts, line drops and duplications, random splices),
 * deterministic for a seed. A crash, a sanitizer report or a hang (meson's
 * timeout) fails the test; the target itself only has to survive.
 *
 *   fuzz-TARGET [--iterations N] [--seed S] SEED_FILE...
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static GByteArray *mutate(GRand *r, const GByteArray *src)
{
    GByteArray *m = g_byte_array_sized_new(src->len + 64);
    g_byte_array_append(m, src->data, src->len);
    int rounds = g_rand_int_range(r, 1, 8);
    for (int k = 0; k < rounds && m->len > 0; k++) {
        guint pos = (guint)g_rand_int_range(r, 0, (gint32)m->len);
        switch (g_rand_int_range(r, 0, 7)) {
        case 0: /* flip a byte */
            m->data[pos] ^= (uint8_t)(1u << g_rand_int_range(r, 0, 8));
            break;
        case 1: /* cut the tail */
            g_byte_array_set_size(m, pos);
            break;
        case 2: { /* drop a line */
            guint end = pos;
            while (end < m->len && m->data[end] != '\n') {
                end++;
            }
            g_byte_array_remove_range(m, pos, MIN(end + 1, m->len) - pos);
            break;
        }
        case 3: { /* duplicate a slice */
            guint len = (guint)g_rand_int_range(r, 1, 200);
            len = MIN(len, m->len - pos);
            g_autofree uint8_t *copy = g_memdup2(m->data + pos, len);
            g_byte_array_prepend(m, copy, len);
            break;
        }
        case 4: { /* interesting characters */
            static const char chars[] = " \t\n:@-()[]0fF,x";
            m->data[pos] = (uint8_t)chars[g_rand_int_range(r, 0, sizeof chars - 1)];
            break;
        }
        case 5: { /* a digit run: big numbers */
            static const char *nums[] = { "ffffffffffffffff", "0", "-1",
                                          "18446744073709551616", "7fffffff" };
            const char *n = nums[g_rand_int_range(r, 0, 5)];
            g_byte_array_append(m, (const uint8_t *)n, (guint)strlen(n));
            break;
        }
        default: /* random byte */
            m->data[pos] = (uint8_t)g_rand_int_range(r, 0, 256);
            break;
        }
    }
    return m;
}

int main(int argc, char **argv)
{
    long iterations = 1000;
    guint32 seed = 1;
    GPtrArray *seeds = g_ptr_array_new_with_free_func(
        (GDestroyNotify)g_byte_array_unref);

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--iterations") && i + 1 < argc) {
            iterations = strtol(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            seed = (guint32)strtoul(argv[++i], NULL, 10);
        } else {
            gchar *text;
            gsize len;
            if (!g_file_get_contents(argv[i], &text, &len, NULL)) {
                fprintf(stderr, "cannot read seed %s\n", argv[i]);
                return 2;
            }
            g_ptr_array_add(seeds, g_byte_array_new_take((guint8 *)text, len));
        }
    }
    if (seeds->len == 0) {
        fprintf(stderr, "usage: %s [--iterations N] [--seed S] SEED...\n", argv[0]);
        return 2;
    }
    for (guint i = 0; i < seeds->len; i++) {
        GByteArray *s = g_ptr_array_index(seeds, i);
        LLVMFuzzerTestOneInput(s->data, s->len);
    }
    GRand *r = g_rand_new_with_seed(seed);
    for (long it = 0; it < iterations; it++) {
        GByteArray *src = g_ptr_array_index(seeds,
            (guint)g_rand_int_range(r, 0, (gint32)seeds->len));
        GByteArray *m = mutate(r, src);
        LLVMFuzzerTestOneInput(m->data, m->len);
        g_byte_array_unref(m);
    }
    printf("%ld mutants of %u seeds survived\n", iterations, seeds->len);
    g_rand_free(r);
    g_ptr_array_free(seeds, TRUE);
    return 0;
}
