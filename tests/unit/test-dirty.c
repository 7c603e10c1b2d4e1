/*
 * test-dirty.c - per-client dirty bitmaps of RAMBlocks.
 */
#include "memory/ramblock.h"

#include <string.h>

static uint64_t P;

static RAMBlock *new_block(const char *name, uint64_t size, uint64_t max)
{
    RAMBlockOptions o = { .max_size = max };
    g_autoptr(GError) err = NULL;
    RAMBlock *rb = ram_block_new(name, size, &o, &err);

    g_assert_no_error(err);
    g_assert_nonnull(rb);
    return rb;
}

static void clear_all(RAMBlock *rb)
{
    for (unsigned c = 0; c < DIRTY_MEMORY_NUM; c++) {
        ram_block_clear_dirty(rb, 0, ram_block_used_length(rb), c);
        g_assert_cmpuint(ram_block_dirty_count(rb, c), ==, 0);
    }
}

/* ram_block_add: new memory is dirty for every client */
static void test_new_block_dirty(void)
{
    RAMBlock *rb = new_block("new", 10 * P + 1, 0);

    for (unsigned c = 0; c < DIRTY_MEMORY_NUM; c++) {
        g_assert_cmpuint(ram_block_dirty_count(rb, c), ==, 11);
        g_assert_true(ram_block_get_dirty(rb, 0, 1, c));
        g_assert_true(ram_block_get_dirty(rb, 11 * P - 1, 1, c));
    }
    ram_block_free(rb);

    /* a resizeable block is dirty over used_length only */
    rb = new_block("new-rs", 3 * P, 100 * P);
    for (unsigned c = 0; c < DIRTY_MEMORY_NUM; c++) {
        g_assert_cmpuint(ram_block_dirty_count(rb, c), ==, 3);
    }
    ram_block_free(rb);
}

static void test_clients_independent(void)
{
    RAMBlock *rb = new_block("clients", 8 * P, 0);

    clear_all(rb);
    /* two bytes across the boundary of pages 2 and 3, VGA only */
    ram_block_set_dirty(rb, 3 * P - 1, 2, 1u << DIRTY_MEMORY_VGA);
    g_assert_cmpuint(ram_block_dirty_count(rb, DIRTY_MEMORY_VGA), ==, 2);
    g_assert_cmpuint(ram_block_dirty_count(rb, DIRTY_MEMORY_CODE), ==, 0);
    g_assert_cmpuint(ram_block_dirty_count(rb, DIRTY_MEMORY_MIGRATION), ==, 0);
    g_assert_false(ram_block_get_dirty(rb, 0, 2 * P, DIRTY_MEMORY_VGA));
    g_assert_true(ram_block_get_dirty(rb, 2 * P, 1, DIRTY_MEMORY_VGA));
    g_assert_true(ram_block_get_dirty(rb, 3 * P + P / 2, 1,
                                      DIRTY_MEMORY_VGA));
    g_assert_false(ram_block_get_dirty(rb, 4 * P, 4 * P, DIRTY_MEMORY_VGA));
    /* a range that only touches the last byte of page 1 is clean */
    g_assert_false(ram_block_get_dirty(rb, 2 * P - 1, 1, DIRTY_MEMORY_VGA));
    g_assert_true(ram_block_get_dirty(rb, 2 * P - 1, 2, DIRTY_MEMORY_VGA));
    g_assert_false(ram_block_get_dirty(rb, 2 * P, 2 * P,
                                       DIRTY_MEMORY_MIGRATION));

    /* CODE and MIGRATION together, page 6 */
    ram_block_set_dirty(rb, 6 * P + 5, 1,
                        (1u << DIRTY_MEMORY_CODE) |
                        (1u << DIRTY_MEMORY_MIGRATION));
    g_assert_cmpuint(ram_block_dirty_count(rb, DIRTY_MEMORY_VGA), ==, 2);
    g_assert_cmpuint(ram_block_dirty_count(rb, DIRTY_MEMORY_CODE), ==, 1);
    g_assert_cmpuint(ram_block_dirty_count(rb, DIRTY_MEMORY_MIGRATION), ==, 1);
    g_assert_false(ram_block_get_dirty(rb, 6 * P, P, DIRTY_MEMORY_VGA));

    /* test_and_clear for one client leaves the others */
    g_assert_true(ram_block_test_and_clear_dirty(rb, 6 * P, P,
                                                 DIRTY_MEMORY_CODE));
    g_assert_false(ram_block_test_and_clear_dirty(rb, 6 * P, P,
                                                  DIRTY_MEMORY_CODE));
    g_assert_true(ram_block_get_dirty(rb, 6 * P, P, DIRTY_MEMORY_MIGRATION));

    /* test_and_clear across the page boundary clears both pages */
    g_assert_true(ram_block_test_and_clear_dirty(rb, 3 * P - 1, 2,
                                                 DIRTY_MEMORY_VGA));
    g_assert_cmpuint(ram_block_dirty_count(rb, DIRTY_MEMORY_VGA), ==, 0);
    g_assert_false(ram_block_test_and_clear_dirty(rb, 0, 8 * P,
                                                  DIRTY_MEMORY_VGA));
    ram_block_free(rb);
}

static void test_edges(void)
{
    RAMBlock *rb = new_block("edges", 4 * P, 16 * P);

    clear_all(rb);
    /* len 0, mask 0, bad clients: nothing */
    ram_block_set_dirty(rb, P, 0, DIRTY_CLIENTS_ALL);
    ram_block_set_dirty(rb, P, P, 0);
    ram_block_set_dirty(rb, P, P, 1u << DIRTY_MEMORY_NUM);
    for (unsigned c = 0; c < DIRTY_MEMORY_NUM; c++) {
        g_assert_cmpuint(ram_block_dirty_count(rb, c), ==, 0);
    }
    g_assert_false(ram_block_get_dirty(rb, 0, 0, DIRTY_MEMORY_VGA));
    g_assert_false(ram_block_get_dirty(rb, 0, P, DIRTY_MEMORY_NUM));
    g_assert_false(ram_block_get_dirty(rb, 0, P, 1000));
    g_assert_cmpuint(ram_block_dirty_count(rb, DIRTY_MEMORY_NUM), ==, 0);
    ram_block_clear_dirty(rb, 0, P, 77);

    /* past used_length (but within max_length): nothing */
    ram_block_set_dirty(rb, 4 * P, P, DIRTY_CLIENTS_ALL);
    ram_block_set_dirty(rb, 15 * P, P, DIRTY_CLIENTS_ALL);
    ram_block_set_dirty(rb, UINT64_MAX, 1, DIRTY_CLIENTS_ALL);
    g_assert_cmpuint(ram_block_dirty_count(rb, DIRTY_MEMORY_VGA), ==, 0);
    g_assert_false(ram_block_get_dirty(rb, 4 * P, 100 * P, DIRTY_MEMORY_VGA));

    /* offset + len overflows: clipped to used_length */
    ram_block_set_dirty(rb, 2 * P, UINT64_MAX, 1u << DIRTY_MEMORY_VGA);
    g_assert_cmpuint(ram_block_dirty_count(rb, DIRTY_MEMORY_VGA), ==, 2);
    g_assert_true(ram_block_get_dirty(rb, 3 * P + 1, UINT64_MAX,
                                      DIRTY_MEMORY_VGA));
    g_assert_true(ram_block_test_and_clear_dirty(rb, P + 1, UINT64_MAX - 1,
                                                 DIRTY_MEMORY_VGA));
    g_assert_cmpuint(ram_block_dirty_count(rb, DIRTY_MEMORY_VGA), ==, 0);

    /* extra mask bits are ignored, the valid ones used */
    ram_block_set_dirty(rb, 0, 1, 0xfffffff0u | (1u << DIRTY_MEMORY_CODE));
    g_assert_cmpuint(ram_block_dirty_count(rb, DIRTY_MEMORY_CODE), ==, 1);
    g_assert_cmpuint(ram_block_dirty_count(rb, DIRTY_MEMORY_VGA), ==, 0);

    /* setting everything marks used_length only, even after a grow */
    ram_block_set_dirty(rb, 0, UINT64_MAX, DIRTY_CLIENTS_ALL);
    g_assert_cmpuint(ram_block_dirty_count(rb, DIRTY_MEMORY_VGA), ==, 4);
    g_assert_true(ram_block_resize(rb, 6 * P, NULL));
    g_assert_cmpuint(ram_block_dirty_count(rb, DIRTY_MEMORY_VGA), ==, 6);
    /* shrinking drops the bits of the given-up pages */
    g_assert_true(ram_block_resize(rb, 2 * P, NULL));
    g_assert_cmpuint(ram_block_dirty_count(rb, DIRTY_MEMORY_VGA), ==, 2);
    clear_all(rb);
    g_assert_true(ram_block_resize(rb, 16 * P, NULL));
    g_assert_cmpuint(ram_block_dirty_count(rb, DIRTY_MEMORY_CODE), ==, 16);
    ram_block_free(rb);
}

/* Word boundaries of the bitmap: pages 63, 64, 127, 128 and runs over them */
static void test_word_boundaries(void)
{
    RAMBlock *rb = new_block("words", 300 * P, 0);
    const unsigned v = DIRTY_MEMORY_VGA;

    clear_all(rb);
    ram_block_set_dirty(rb, 63 * P, 2 * P, 1u << v);     /* 63, 64 */
    g_assert_cmpuint(ram_block_dirty_count(rb, v), ==, 2);
    g_assert_false(ram_block_get_dirty(rb, 0, 63 * P, v));
    g_assert_true(ram_block_get_dirty(rb, 62 * P, 2 * P, v));
    g_assert_true(ram_block_get_dirty(rb, 64 * P, P, v));
    g_assert_false(ram_block_get_dirty(rb, 65 * P, 200 * P, v));

    ram_block_set_dirty(rb, 100 * P, 150 * P, 1u << v); /* 100..249 */
    g_assert_cmpuint(ram_block_dirty_count(rb, v), ==, 152);
    g_assert_true(ram_block_get_dirty(rb, 249 * P, 1, v));
    g_assert_false(ram_block_get_dirty(rb, 250 * P, 50 * P, v));
    g_assert_false(ram_block_get_dirty(rb, 65 * P, 35 * P, v));

    /* clear the middle: 128..191 exactly one word */
    ram_block_clear_dirty(rb, 128 * P, 64 * P, v);
    g_assert_cmpuint(ram_block_dirty_count(rb, v), ==, 152 - 64);
    g_assert_false(ram_block_get_dirty(rb, 128 * P, 64 * P, v));
    g_assert_true(ram_block_get_dirty(rb, 127 * P, 2 * P, v));
    g_assert_true(ram_block_get_dirty(rb, 191 * P, 2 * P, v));

    g_assert_true(ram_block_test_and_clear_dirty(rb, 0, 300 * P, v));
    g_assert_cmpuint(ram_block_dirty_count(rb, v), ==, 0);
    g_assert_false(ram_block_test_and_clear_dirty(rb, 0, 300 * P, v));
    ram_block_free(rb);
}

/*
 * Random operations on a block large enough for several bitmap chunks (the
 * implementation splits bitmaps every 2^15 pages), checked against a plain
 * array of flags.
 */
static void test_random_vs_model(void)
{
    const uint64_t pages = 70001;
    RAMBlock *rb = new_block("model", pages * P, 0);
    uint8_t *model[DIRTY_MEMORY_NUM];
    uint64_t count[DIRTY_MEMORY_NUM];

    for (unsigned c = 0; c < DIRTY_MEMORY_NUM; c++) {
        model[c] = g_malloc(pages);
        memset(model[c], 1, pages);
        count[c] = pages;
    }

    for (int iter = 0; iter < 3000; iter++) {
        uint64_t off, len, p0, p1;
        unsigned client = (unsigned)g_test_rand_int_range(0, DIRTY_MEMORY_NUM);
        int op = g_test_rand_int_range(0, 4);

        /* mix of tiny, word-sized and chunk-sized ranges */
        switch (g_test_rand_int_range(0, 4)) {
        case 0:
            len = (uint64_t)g_test_rand_int_range(1, 3 * (int)P);
            break;
        case 1:
            len = (uint64_t)g_test_rand_int_range(1, 200) * P;
            break;
        case 2:
            len = (uint64_t)g_test_rand_int_range(1, 70001) * P +
                  (uint64_t)g_test_rand_int_range(0, (int)P);
            break;
        default:
            len = UINT64_MAX;
            break;
        }
        off = (uint64_t)g_test_rand_int_range(0, (int)pages) * P +
              (uint64_t)g_test_rand_int_range(0, (int)P);
        p0 = off / P;
        p1 = (len > pages * P - off) ? pages : (off + len - 1) / P + 1;

        if (op == 0) {
            unsigned mask = (unsigned)g_test_rand_int_range(1, 8);
            ram_block_set_dirty(rb, off, len, mask);
            for (unsigned c = 0; c < DIRTY_MEMORY_NUM; c++) {
                if (mask & (1u << c)) {
                    for (uint64_t p = p0; p < p1; p++) {
                        count[c] += !model[c][p];
                        model[c][p] = 1;
                    }
                }
            }
        } else {
            bool expect = memchr(model[client] + p0, 1, p1 - p0) != NULL;
            bool got;
            if (op == 1) {
                got = ram_block_get_dirty(rb, off, len, client);
            } else if (op == 2) {
                got = ram_block_test_and_clear_dirty(rb, off, len, client);
            } else {
                ram_block_clear_dirty(rb, off, len, client);
                got = expect;
            }
            g_assert_cmpint(got, ==, expect);
            if (op >= 2) {
                for (uint64_t p = p0; p < p1; p++) {
                    count[client] -= model[client][p];
                    model[client][p] = 0;
                }
            }
        }
        if (iter % 50 == 0) {
            for (unsigned c = 0; c < DIRTY_MEMORY_NUM; c++) {
                g_assert_cmpuint(ram_block_dirty_count(rb, c), ==, count[c]);
            }
        }
    }
    /* finally compare page by page */
    for (unsigned c = 0; c < DIRTY_MEMORY_NUM; c++) {
        g_assert_cmpuint(ram_block_dirty_count(rb, c), ==, count[c]);
        for (uint64_t p = 0; p < pages; p++) {
            g_assert_cmpint(ram_block_get_dirty(rb, p * P, P, c), ==,
                            model[c][p]);
        }
        g_free(model[c]);
    }
    ram_block_free(rb);
}

/* A large block that is all dirty, then cleared and partly redirtied, keeps
 * exact counts across chunk edges. */
static void test_large_block_chunks(void)
{
    const uint64_t pages = 3 * 32768 + 5;
    RAMBlock *rb = new_block("large", pages * P, 0);
    const unsigned m = DIRTY_MEMORY_MIGRATION;

    g_assert_cmpuint(ram_block_dirty_count(rb, m), ==, pages);
    /* clear one page in the middle of a wholly dirty chunk */
    g_assert_true(ram_block_test_and_clear_dirty(rb, 40000 * P, 1, m));
    g_assert_cmpuint(ram_block_dirty_count(rb, m), ==, pages - 1);
    g_assert_false(ram_block_get_dirty(rb, 40000 * P, P, m));
    g_assert_true(ram_block_get_dirty(rb, 39999 * P, P, m));
    g_assert_true(ram_block_get_dirty(rb, 40001 * P, P, m));
    /* the last (short) chunk */
    g_assert_true(ram_block_test_and_clear_dirty(rb, (pages - 5) * P, 5 * P,
                                                 m));
    g_assert_cmpuint(ram_block_dirty_count(rb, m), ==, pages - 6);
    g_assert_false(ram_block_get_dirty(rb, (pages - 5) * P, 5 * P, m));
    /* everything clean, then a run over two chunk edges */
    ram_block_clear_dirty(rb, 0, UINT64_MAX, m);
    g_assert_cmpuint(ram_block_dirty_count(rb, m), ==, 0);
    ram_block_set_dirty(rb, 32000 * P, 34000 * P, 1u << m);
    g_assert_cmpuint(ram_block_dirty_count(rb, m), ==, 34000);
    g_assert_false(ram_block_get_dirty(rb, 0, 32000 * P, m));
    g_assert_true(ram_block_get_dirty(rb, 65999 * P, 1, m));
    g_assert_false(ram_block_get_dirty(rb, 66000 * P, UINT64_MAX, m));
    /* other clients untouched by all this */
    g_assert_cmpuint(ram_block_dirty_count(rb, DIRTY_MEMORY_VGA), ==, pages);
    ram_block_free(rb);
}

/* One page a time over a whole block, as every RAM write does. */
static void test_write_pattern(void)
{
    RAMBlock *rb = new_block("writes", 64 * P, 0);
    const uint64_t sz = 64 * P;

    clear_all(rb);
    for (uint64_t off = 0; off < sz; off += 8) {
        ram_block_set_dirty(rb, off, 8, DIRTY_CLIENTS_ALL);
        if (off % P == 0) {
            g_assert_cmpuint(ram_block_dirty_count(rb, DIRTY_MEMORY_CODE), ==,
                             off / P + 1);
        }
    }
    g_assert_cmpuint(ram_block_dirty_count(rb, DIRTY_MEMORY_VGA), ==, 64);
    /* 64 KiB-ish writes straddling pages */
    clear_all(rb);
    ram_block_set_dirty(rb, P / 2, 16 * P, 1u << DIRTY_MEMORY_MIGRATION);
    g_assert_cmpuint(ram_block_dirty_count(rb, DIRTY_MEMORY_MIGRATION), ==, 17);
    ram_block_free(rb);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    P = ram_page_size();

    g_test_add_func("/dirty/new-block", test_new_block_dirty);
    g_test_add_func("/dirty/clients", test_clients_independent);
    g_test_add_func("/dirty/edges", test_edges);
    g_test_add_func("/dirty/word-boundaries", test_word_boundaries);
    g_test_add_func("/dirty/random-vs-model", test_random_vs_model);
    g_test_add_func("/dirty/large-block-chunks", test_large_block_chunks);
    g_test_add_func("/dirty/write-pattern", test_write_pattern);
    return g_test_run();
}
