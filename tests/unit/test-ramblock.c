/*
 * test-ramblock.c - RAMBlocks: sizes, the ram list and its offsets, backends,
 * resize and notifiers.
 */
#include "memory/ramblock.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t P;  /* host page size */
static uint64_t U;  /* QEMU's offset alignment: 64 pages (one bitmap word) */

static void free_all_blocks(void)
{
    while (ram_list_count()) {
        ram_block_free(ram_list_nth(0));
    }
}

static RAMBlock *new_anon(const char *name, uint64_t size)
{
    g_autoptr(GError) err = NULL;
    RAMBlock *rb = ram_block_new(name, size, NULL, &err);

    g_assert_no_error(err);
    g_assert_nonnull(rb);
    return rb;
}

static void test_page_rounding(void)
{
    RAMBlock *a = new_anon("one-byte", 1);
    RAMBlock *b = new_anon("page-plus-one", P + 1);
    RAMBlock *c = new_anon("exact", 3 * P);

    g_assert_cmpuint(ram_block_used_length(a), ==, P);
    g_assert_cmpuint(ram_block_max_length(a), ==, P);
    g_assert_cmpuint(ram_block_used_length(b), ==, 2 * P);
    g_assert_cmpuint(ram_block_used_length(c), ==, 3 * P);
    g_assert_false(ram_block_resizeable(a));
    g_assert_cmpint(ram_block_fd(a), ==, -1);
    g_assert_cmpint(ram_block_backend(a), ==, RAM_BACKEND_ANON);
    g_assert_cmpstr(ram_block_idstr(b), ==, "page-plus-one");
    /* the whole rounded length is usable */
    memset(ram_block_host(b), 0xab, 2 * P);
    g_assert_cmpuint(ram_block_host(b)[2 * P - 1], ==, 0xab);
    free_all_blocks();
}

/*
 * QEMU's find_ram_offset: a candidate is the end of an existing block rounded
 * up to 64 pages; its gap runs to the closest block at or after it; the
 * smallest gap that fits wins; the space below the lowest block is only used
 * when the list is empty.
 */
static void test_best_fit(void)
{
    RAMBlock *a, *b, *c, *d, *e, *f, *g, *h, *i;

    g_assert_cmpuint(ram_list_count(), ==, 0);
    g_assert_cmpuint(ram_list_end(), ==, 0);

    a = new_anon("a", 4 * U);
    g_assert_cmpuint(ram_block_offset(a), ==, 0);
    b = new_anon("b", 1);                /* one page, right after a */
    g_assert_cmpuint(ram_block_offset(b), ==, 4 * U);
    c = new_anon("c", 3 * U);            /* b's end is rounded up to 64 pages */
    g_assert_cmpuint(ram_block_offset(c), ==, 5 * U);
    d = new_anon("d", U);
    g_assert_cmpuint(ram_block_offset(d), ==, 8 * U);
    e = new_anon("e", 2 * U);
    g_assert_cmpuint(ram_block_offset(e), ==, 9 * U);
    f = new_anon("f", U);
    g_assert_cmpuint(ram_block_offset(f), ==, 11 * U);
    g_assert_cmpuint(ram_list_end(), ==, 12 * U);

    /* holes: [5U, 8U) of 3U and [9U, 11U) of 2U */
    ram_block_free(c);
    ram_block_free(e);
    g_assert_cmpuint(ram_list_end(), ==, 12 * U);

    /* best fit, not first fit: the 2U hole, not the 3U one before it */
    g = new_anon("g", U);
    g_assert_cmpuint(ram_block_offset(g), ==, 9 * U);

    /* 2U + 1 page fits only the 3U hole (the rest of the 2U hole is U) */
    h = new_anon("h", 2 * U + 1);
    g_assert_cmpuint(ram_block_offset(h), ==, 5 * U);

    /* with a gone, [0, 4U) is free but is never a candidate; the U left
     * between g and f is the smallest gap that fits */
    ram_block_free(a);
    i = new_anon("i", U);
    g_assert_cmpuint(ram_block_offset(i), ==, 10 * U);

    /* nothing fits below the top any more: goes after the highest block */
    a = new_anon("a2", U);
    g_assert_cmpuint(ram_block_offset(a), ==, 12 * U);
    g_assert_cmpuint(ram_list_end(), ==, 13 * U);

    (void)b; (void)d; (void)f;
    free_all_blocks();

    /* an empty list starts over at 0 */
    a = new_anon("again", P);
    g_assert_cmpuint(ram_block_offset(a), ==, 0);
    free_all_blocks();
}

/* The gap is measured with max_length, not used_length. */
static void test_offset_uses_max_length(void)
{
    RAMBlockOptions o = { .max_size = 3 * U };
    g_autoptr(GError) err = NULL;
    RAMBlock *r = ram_block_new("resizeable", P, &o, &err);
    RAMBlock *n;

    g_assert_no_error(err);
    g_assert_cmpuint(ram_block_offset(r), ==, 0);
    n = new_anon("next", P);
    g_assert_cmpuint(ram_block_offset(n), ==, 3 * U);
    g_assert_cmpuint(ram_list_end(), ==, 3 * U + P);
    free_all_blocks();
}

static const char *nth_name(guint n)
{
    return ram_block_idstr(ram_list_nth(n));
}

/* ram_block_add keeps the list sorted by max_length, biggest first; a new
 * block goes before the first strictly smaller one. */
static void test_list_order(void)
{
    RAMBlockOptions o = { .max_size = 8 * P };
    g_autoptr(GError) err = NULL;

    new_anon("x", 2 * P);
    new_anon("y", 4 * P);
    new_anon("z", 2 * P);
    new_anon("w", P);
    g_assert_nonnull(ram_block_new("r", P, &o, &err));
    g_assert_no_error(err);

    g_assert_cmpuint(ram_list_count(), ==, 5);
    g_assert_cmpstr(nth_name(0), ==, "r");
    g_assert_cmpstr(nth_name(1), ==, "y");
    g_assert_cmpstr(nth_name(2), ==, "x");
    g_assert_cmpstr(nth_name(3), ==, "z");
    g_assert_cmpstr(nth_name(4), ==, "w");
    g_assert_null(ram_list_nth(5));

    g_assert_true(ram_list_find("z") == ram_list_nth(3));
    g_assert_null(ram_list_find("nope"));
    g_assert_null(ram_list_find(NULL));

    ram_block_free(ram_list_find("y"));
    g_assert_cmpuint(ram_list_count(), ==, 4);
    g_assert_cmpstr(nth_name(1), ==, "x");
    g_assert_null(ram_list_find("y"));
    free_all_blocks();
    g_assert_cmpuint(ram_list_count(), ==, 0);
}

static void test_duplicate(void)
{
    g_autoptr(GError) err = NULL;
    RAMBlock *a = new_anon("pc.ram", 2 * P);

    g_assert_null(ram_block_new("pc.ram", P, NULL, &err));
    g_assert_error(err, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_EXISTS);
    g_assert_nonnull(strstr(err->message, "pc.ram"));
    g_assert_cmpuint(ram_list_count(), ==, 1);
    g_assert_true(ram_list_find("pc.ram") == a);

    /* the name is free again once the block is gone */
    ram_block_free(a);
    g_clear_error(&err);
    a = ram_block_new("pc.ram", P, NULL, &err);
    g_assert_no_error(err);
    g_assert_nonnull(a);
    free_all_blocks();
}

static void expect_new_error(const char *name, uint64_t size,
                             const RAMBlockOptions *o, int code)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(ram_block_new(name, size, o, &err));
    g_assert_error(err, RAM_BLOCK_ERROR, code);
    g_test_message("%s: %s", name ? name : "(null)", err->message);
    g_assert_cmpuint(ram_list_count(), ==, 0);
}

static void test_errors(void)
{
    RAMBlockOptions small_max = { .max_size = P };
    RAMBlockOptions overflow_max = { .max_size = UINT64_MAX };
    RAMBlockOptions no_host = { .backend = RAM_BACKEND_HOST_PTR };
    RAMBlockOptions no_path = { .backend = RAM_BACKEND_FILE };
    RAMBlockOptions bad_path = { .backend = RAM_BACKEND_FILE,
                                 .path = "/nonexistent-dir/x/ram" };
    RAMBlockOptions bad_backend = { .backend = (RAMBackend)42 };

    expect_new_error("zero", 0, NULL, RAM_BLOCK_ERROR_INVALID);
    expect_new_error(NULL, P, NULL, RAM_BLOCK_ERROR_INVALID);
    expect_new_error("", P, NULL, RAM_BLOCK_ERROR_INVALID);
    /* rounding up to a page overflows */
    expect_new_error("overflow", UINT64_MAX, NULL, RAM_BLOCK_ERROR_NOSPACE);
    expect_new_error("overflow2", UINT64_MAX - P + 2, NULL,
                     RAM_BLOCK_ERROR_NOSPACE);
    expect_new_error("overflow-max", P, &overflow_max,
                     RAM_BLOCK_ERROR_NOSPACE);
    /* more than any address space can map */
    expect_new_error("huge", (uint64_t)1 << 63, NULL, RAM_BLOCK_ERROR_NOSPACE);
    expect_new_error("huge-memfd", (uint64_t)1 << 62,
                     &(RAMBlockOptions){ .backend = RAM_BACKEND_MEMFD },
                     RAM_BLOCK_ERROR_NOSPACE);
    /* a caller's pointer cannot stand for more than an address space */
    expect_new_error("huge-host", (uint64_t)1 << 50,
                     &(RAMBlockOptions){ .backend = RAM_BACKEND_HOST_PTR,
                                         .host = &P },
                     RAM_BLOCK_ERROR_NOSPACE);
    expect_new_error("small-max", 2 * P, &small_max, RAM_BLOCK_ERROR_INVALID);
    expect_new_error("no-host", P, &no_host, RAM_BLOCK_ERROR_INVALID);
    expect_new_error("no-path", P, &no_path, RAM_BLOCK_ERROR_INVALID);
    expect_new_error("bad-path", P, &bad_path, RAM_BLOCK_ERROR_FILE);
    expect_new_error("bad-backend", P, &bad_backend, RAM_BLOCK_ERROR_INVALID);

    /* errors leave the list usable */
    new_anon("fine", P);
    g_assert_cmpuint(ram_list_count(), ==, 1);
    free_all_blocks();

    /* NULL is harmless everywhere */
    ram_block_free(NULL);
    g_assert_false(ram_block_resize(NULL, P, NULL));
    g_assert_null(ram_block_host(NULL));
    g_assert_cmpuint(ram_block_offset(NULL), ==, RAM_ADDR_INVALID);
    g_assert_false(ram_block_get_dirty(NULL, 0, P, 0));
    ram_block_set_dirty(NULL, 0, P, DIRTY_CLIENTS_ALL);
    g_assert_cmpuint(ram_block_dirty_count(NULL, 0), ==, 0);
}

/* 1 TiB reserved with MAP_NORESERVE normally succeeds; if the host refuses
 * (strict overcommit), it must be a clean error. Either way it is cheap:
 * nothing is touched, and "all dirty" costs no bitmap memory. */
static void test_huge_reservation(void)
{
    g_autoptr(GError) err = NULL;
    const uint64_t tib = (uint64_t)1 << 40;
    RAMBlock *rb = ram_block_new("tib", tib, NULL, &err);

    if (!rb) {
        g_assert_error(err, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_NOSPACE);
        g_test_message("1 TiB refused: %s", err->message);
        return;
    }
    g_assert_cmpuint(ram_block_used_length(rb), ==, tib);
    for (unsigned c = 0; c < DIRTY_MEMORY_NUM; c++) {
        g_assert_cmpuint(ram_block_dirty_count(rb, c), ==, tib / P);
    }
    ram_block_host(rb)[tib - 1] = 1;
    ram_block_clear_dirty(rb, 0, tib, DIRTY_MEMORY_VGA);
    g_assert_cmpuint(ram_block_dirty_count(rb, DIRTY_MEMORY_VGA), ==, 0);
    ram_block_set_dirty(rb, tib - 1, 1, 1u << DIRTY_MEMORY_VGA);
    g_assert_cmpuint(ram_block_dirty_count(rb, DIRTY_MEMORY_VGA), ==, 1);
    free_all_blocks();
}

static void test_memfd(void)
{
    RAMBlockOptions o = { .backend = RAM_BACKEND_MEMFD };
    g_autoptr(GError) err = NULL;
    RAMBlock *rb = ram_block_new("memfd", 2 * P, &o, &err);
    char buf[16] = { 0 };
    int fd;

    g_assert_no_error(err);
    g_assert_cmpint(ram_block_backend(rb), ==, RAM_BACKEND_MEMFD);
    fd = ram_block_fd(rb);
    g_assert_cmpint(fd, >=, 0);
    memcpy(ram_block_host(rb) + P + 3, "through-host", 12);
    /* shared mapping: the fd sees the write */
    g_assert_cmpint(pread(fd, buf, 12, (off_t)P + 3), ==, 12);
    g_assert_cmpmem(buf, 12, "through-host", 12);
    /* and the other way round */
    g_assert_cmpint(pwrite(fd, "via-fd", 6, 0), ==, 6);
    g_assert_cmpmem(ram_block_host(rb), 6, "via-fd", 6);
    free_all_blocks();
    /* the fd was closed with the block */
    g_assert_cmpint(fcntl(fd, F_GETFD), ==, -1);
}

static void test_file(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("iommusim-ramblock-XXXXXX", &err);
    g_autofree char *path = g_build_filename(dir, "ram", NULL);
    g_autofree char *small = g_build_filename(dir, "small", NULL);
    g_autofree char *ro = g_build_filename(dir, "ro", NULL);
    g_autofree char *missing = g_build_filename(dir, "missing", NULL);
    RAMBlockOptions o = { .backend = RAM_BACKEND_FILE, .path = path };
    RAMBlock *rb;
    char buf[8];
    struct stat st;
    int fd;
    GDir *d;

    g_assert_no_error(err);

    /* a missing file is created and sized */
    rb = ram_block_new("file", P + 1, &o, &err);
    g_assert_no_error(err);
    g_assert_cmpint(ram_block_backend(rb), ==, RAM_BACKEND_FILE);
    g_assert_cmpint(ram_block_fd(rb), >=, 0);
    g_assert_false(ram_block_readonly(rb));
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, (off_t)(2 * P));
    memcpy(ram_block_host(rb) + P, "PERSIST!", 8);
    ram_block_free(rb);

    /* the data is in the file: read it back with read(2) */
    fd = open(path, O_RDONLY);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(lseek(fd, (off_t)P, SEEK_SET), ==, (off_t)P);
    g_assert_cmpint(read(fd, buf, 8), ==, 8);
    close(fd);
    g_assert_cmpmem(buf, 8, "PERSIST!", 8);

    /* an existing file is mapped as it is: the data is still there */
    rb = ram_block_new("file", 2 * P, &o, &err);
    g_assert_no_error(err);
    g_assert_cmpmem(ram_block_host(rb) + P, 8, "PERSIST!", 8);
    ram_block_free(rb);

    /* a non-empty file smaller than the block is refused (QEMU does not
     * truncate a file with data in it) and left alone */
    g_assert_true(g_file_set_contents(small, "abc", 3, NULL));
    o.path = small;
    g_assert_null(ram_block_new("small", P, &o, &err));
    g_assert_error(err, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_FILE);
    g_test_message("%s", err->message);
    g_clear_error(&err);
    g_assert_cmpint(stat(small, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, 3);

    /* read-only: O_RDONLY and PROT_READ */
    {
        g_autofree char *content = g_malloc0(P);
        memcpy(content, "read-only data", 14);
        g_assert_true(g_file_set_contents(ro, content, (gssize)P, NULL));
    }
    o.path = ro;
    o.readonly_file = true;
    rb = ram_block_new("ro", P, &o, &err);
    g_assert_no_error(err);
    g_assert_true(ram_block_readonly(rb));
    g_assert_cmpmem(ram_block_host(rb), 14, "read-only data", 14);
    g_assert_cmpint(fcntl(ram_block_fd(rb), F_GETFL) & O_ACCMODE, ==,
                    O_RDONLY);
    ram_block_free(rb);

    /* read-only and missing: no file is created */
    o.path = missing;
    g_assert_null(ram_block_new("missing", P, &o, &err));
    g_assert_error(err, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_FILE);
    g_clear_error(&err);
    g_assert_false(g_file_test(missing, G_FILE_TEST_EXISTS));
    o.readonly_file = false;

    /* a file-backed block cannot be resizeable */
    o.path = path;
    o.max_size = 4 * P;
    g_assert_null(ram_block_new("file-rs", P, &o, &err));
    g_assert_error(err, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_INVALID);
    g_clear_error(&err);
    o.max_size = 0;

    /* a directory gets an unlinked temporary file */
    g_assert_cmpint(unlink(path), ==, 0);
    g_assert_cmpint(unlink(small), ==, 0);
    g_assert_cmpint(unlink(ro), ==, 0);
    o.path = dir;
    rb = ram_block_new("in/dir", P, &o, &err);
    g_assert_no_error(err);
    memset(ram_block_host(rb), 7, P);
    d = g_dir_open(dir, 0, NULL);
    g_assert_null(g_dir_read_name(d));
    g_dir_close(d);
    ram_block_free(rb);

    g_assert_cmpint(rmdir(dir), ==, 0);
}

static void test_host_ptr(void)
{
    size_t len = 4 * P;
    uint8_t *mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    RAMBlockOptions o = { .backend = RAM_BACKEND_HOST_PTR, .host = mem };
    g_autoptr(GError) err = NULL;
    RAMBlock *rb;

    g_assert_true(mem != MAP_FAILED);
    mem[5] = 0x5a;
    rb = ram_block_new("host", len, &o, &err);
    g_assert_no_error(err);
    g_assert_true(ram_block_host(rb) == mem);
    g_assert_cmpint(ram_block_fd(rb), ==, -1);
    g_assert_cmpuint(ram_block_host(rb)[5], ==, 0x5a);
    ram_block_host(rb)[len - 1] = 0xa5;
    g_assert_cmpuint(ram_block_dirty_count(rb, DIRTY_MEMORY_MIGRATION), ==, 4);

    /* a host pointer block cannot be resizeable */
    o.max_size = 8 * P;
    g_assert_null(ram_block_new("host2", len, &o, &err));
    g_assert_error(err, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_INVALID);

    ram_block_free(rb);
    /* still ours, still mapped */
    g_assert_cmpuint(mem[len - 1], ==, 0xa5);
    mem[0] = 1;
    munmap(mem, len);
}

/* ---- resize and notifiers ---------------------------------------------- */

typedef struct Event {
    char kind;                 /* 'a'dded, 'r'emoved, 's'ized, 'c'allback */
    void *host;
    uint64_t a, b;
    char *name;
} Event;

typedef struct Recorder {
    RAMBlockNotifier n;
    GArray *events;
    uint64_t dirty_at_callback; /* MIGRATION dirty pages seen by callback */
} Recorder;

static void ev_push(GArray *events, char kind, void *host, uint64_t a,
                    uint64_t b, const char *name)
{
    Event e = { kind, host, a, b, g_strdup(name) };
    g_array_append_val(events, e);
}

static void ev_clear(gpointer p)
{
    g_free(((Event *)p)->name);
}

static void rec_added(RAMBlockNotifier *n, void *host, size_t size,
                      size_t max_size)
{
    ev_push(((Recorder *)n)->events, 'a', host, size, max_size, NULL);
}

static void rec_removed(RAMBlockNotifier *n, void *host, size_t size,
                        size_t max_size)
{
    ev_push(((Recorder *)n)->events, 'r', host, size, max_size, NULL);
}

static void rec_resized(RAMBlockNotifier *n, void *host, size_t old_size,
                        size_t new_size)
{
    ev_push(((Recorder *)n)->events, 's', host, old_size, new_size, NULL);
}

static void rec_callback(const char *idstr, uint64_t new_size, void *opaque)
{
    Recorder *r = opaque;
    RAMBlock *rb = ram_list_find(idstr);

    ev_push(r->events, 'c', NULL, new_size, ram_block_used_length(rb), idstr);
    r->dirty_at_callback = ram_block_dirty_count(rb, DIRTY_MEMORY_MIGRATION);
}

static void rec_init(Recorder *r)
{
    memset(r, 0, sizeof(*r));
    r->n.ram_block_added = rec_added;
    r->n.ram_block_removed = rec_removed;
    r->n.ram_block_resized = rec_resized;
    r->events = g_array_new(FALSE, TRUE, sizeof(Event));
    g_array_set_clear_func(r->events, ev_clear);
}

static Event *ev(Recorder *r, guint i)
{
    g_assert_cmpuint(i, <, r->events->len);
    return &g_array_index(r->events, Event, i);
}

static bool all_zero(const uint8_t *p, uint64_t len)
{
    for (uint64_t i = 0; i < len; i++) {
        if (p[i]) {
            return false;
        }
    }
    return true;
}

static void check_resize(RAMBackend backend)
{
    Recorder r;
    RAMBlockOptions o = { .backend = backend, .max_size = 8 * P,
                          .resized = rec_callback, .resized_opaque = &r };
    g_autoptr(GError) err = NULL;
    RAMBlock *rb;
    uint8_t *host;

    rec_init(&r);
    ram_block_notifier_add(&r.n);
    rb = ram_block_new("rs", 2 * P, &o, &err);
    g_assert_no_error(err);
    host = ram_block_host(rb);
    g_assert_true(ram_block_resizeable(rb));
    g_assert_cmpuint(ram_block_used_length(rb), ==, 2 * P);
    g_assert_cmpuint(ram_block_max_length(rb), ==, 8 * P);
    g_assert_cmpuint(r.events->len, ==, 1);
    g_assert_cmpint(ev(&r, 0)->kind, ==, 'a');
    g_assert_true(ev(&r, 0)->host == host);
    g_assert_cmpuint(ev(&r, 0)->a, ==, 2 * P);
    g_assert_cmpuint(ev(&r, 0)->b, ==, 8 * P);
    g_array_set_size(r.events, 0);

    memset(host, 0xee, 2 * P);

    /* shrink: notifier (old, new) first, then the callback with the size as
     * given; the pointer does not move */
    g_assert_true(ram_block_resize(rb, P - 100, &err));
    g_assert_no_error(err);
    g_assert_true(ram_block_host(rb) == host);
    g_assert_cmpuint(ram_block_used_length(rb), ==, P);
    g_assert_cmpuint(r.events->len, ==, 2);
    g_assert_cmpint(ev(&r, 0)->kind, ==, 's');
    g_assert_true(ev(&r, 0)->host == host);
    g_assert_cmpuint(ev(&r, 0)->a, ==, 2 * P);
    g_assert_cmpuint(ev(&r, 0)->b, ==, P);
    g_assert_cmpint(ev(&r, 1)->kind, ==, 'c');
    g_assert_cmpstr(ev(&r, 1)->name, ==, "rs");
    g_assert_cmpuint(ev(&r, 1)->a, ==, P - 100);
    g_assert_cmpuint(ev(&r, 1)->b, ==, P);   /* already applied */
    g_assert_cmpuint(r.dirty_at_callback, ==, 1);
    g_assert_cmpuint(host[0], ==, 0xee);     /* kept part kept */
    g_array_set_size(r.events, 0);

    /* clean everything, then grow: the grown part reads as zero and the
     * whole block is dirty again for every client (qemu_ram_resize) */
    for (unsigned c = 0; c < DIRTY_MEMORY_NUM; c++) {
        ram_block_clear_dirty(rb, 0, UINT64_MAX, c);
        g_assert_cmpuint(ram_block_dirty_count(rb, c), ==, 0);
    }
    g_assert_true(ram_block_resize(rb, 5 * P, &err));
    g_assert_no_error(err);
    g_assert_true(ram_block_host(rb) == host);
    g_assert_cmpuint(ram_block_used_length(rb), ==, 5 * P);
    g_assert_cmpuint(host[P - 1], ==, 0xee);
    g_assert_true(all_zero(host + P, 4 * P));
    for (unsigned c = 0; c < DIRTY_MEMORY_NUM; c++) {
        g_assert_cmpuint(ram_block_dirty_count(rb, c), ==, 5);
        g_assert_true(ram_block_get_dirty(rb, 4 * P, P, c));
    }
    g_assert_cmpuint(r.events->len, ==, 2);
    g_assert_cmpuint(ev(&r, 0)->a, ==, P);
    g_assert_cmpuint(ev(&r, 0)->b, ==, 5 * P);
    g_assert_cmpuint(ev(&r, 1)->a, ==, 5 * P);
    g_array_set_size(r.events, 0);

    /* to max_length exactly, and one byte more */
    memset(host, 0x11, 5 * P);
    g_assert_true(ram_block_resize(rb, 8 * P, &err));
    g_assert_no_error(err);
    g_assert_true(all_zero(host + 5 * P, 3 * P));
    g_assert_false(ram_block_resize(rb, 8 * P + 1, &err));
    g_assert_error(err, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_INVALID);
    g_clear_error(&err);
    g_assert_false(ram_block_resize(rb, UINT64_MAX, &err));
    g_assert_error(err, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_INVALID);
    g_clear_error(&err);
    g_assert_cmpuint(ram_block_used_length(rb), ==, 8 * P);
    g_array_set_size(r.events, 0);

    /* a given-up part that comes back reads as zero too */
    g_assert_true(ram_block_resize(rb, P, &err));
    g_assert_true(ram_block_resize(rb, 3 * P, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(host[P - 1], ==, 0x11);
    g_assert_true(all_zero(host + P, 2 * P));
    g_array_set_size(r.events, 0);

    /* same rounded size: no notifier; the callback only if the size as
     * given changed */
    g_assert_true(ram_block_resize(rb, 3 * P, &err));
    g_assert_cmpuint(r.events->len, ==, 0);
    g_assert_true(ram_block_resize(rb, 3 * P - 1, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(r.events->len, ==, 1);
    g_assert_cmpint(ev(&r, 0)->kind, ==, 'c');
    g_assert_cmpuint(ev(&r, 0)->a, ==, 3 * P - 1);
    g_assert_cmpuint(ram_block_used_length(rb), ==, 3 * P);
    g_array_set_size(r.events, 0);

    ram_block_free(rb);
    g_assert_cmpuint(r.events->len, ==, 1);
    g_assert_cmpint(ev(&r, 0)->kind, ==, 'r');
    g_assert_true(ev(&r, 0)->host == host);
    g_assert_cmpuint(ev(&r, 0)->a, ==, 3 * P);
    g_assert_cmpuint(ev(&r, 0)->b, ==, 8 * P);

    ram_block_notifier_remove(&r.n);
    g_array_unref(r.events);
}

static void test_resize_anon(void)
{
    check_resize(RAM_BACKEND_ANON);
}

static void test_resize_memfd(void)
{
    check_resize(RAM_BACKEND_MEMFD);
}

static void test_resize_fixed(void)
{
    g_autoptr(GError) err = NULL;
    RAMBlock *rb = new_anon("fixed", 2 * P);

    g_assert_false(ram_block_resizeable(rb));
    g_assert_false(ram_block_resize(rb, 3 * P, &err));
    g_assert_error(err, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_INVALID);
    g_assert_nonnull(strstr(err->message, "fixed"));
    g_clear_error(&err);
    g_assert_false(ram_block_resize(rb, P, &err));
    g_assert_error(err, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_INVALID);
    g_clear_error(&err);
    /* unchanged (after rounding) is fine */
    g_assert_true(ram_block_resize(rb, 2 * P - 5, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(ram_block_used_length(rb), ==, 2 * P);
    free_all_blocks();
}

static void test_notifier_replay(void)
{
    Recorder r, r2;
    RAMBlock *big = new_anon("big", 4 * P);
    RAMBlock *small = new_anon("small", P);
    RAMBlock *mid;

    rec_init(&r);
    rec_init(&r2);

    /* replay of existing blocks, in list order */
    ram_block_notifier_add(&r.n);
    g_assert_cmpuint(r.events->len, ==, 2);
    g_assert_cmpint(ev(&r, 0)->kind, ==, 'a');
    g_assert_true(ev(&r, 0)->host == ram_block_host(big));
    g_assert_cmpuint(ev(&r, 0)->a, ==, 4 * P);
    g_assert_cmpuint(ev(&r, 0)->b, ==, 4 * P);
    g_assert_true(ev(&r, 1)->host == ram_block_host(small));
    g_assert_cmpuint(ev(&r, 1)->a, ==, P);

    /* adding it twice changes nothing */
    ram_block_notifier_add(&r.n);
    g_assert_cmpuint(r.events->len, ==, 2);

    /* a NULL callback is skipped */
    r2.n.ram_block_added = NULL;
    ram_block_notifier_add(&r2.n);
    g_assert_cmpuint(r2.events->len, ==, 0);

    mid = new_anon("mid", 2 * P);
    g_assert_cmpuint(r.events->len, ==, 3);
    g_assert_cmpint(ev(&r, 2)->kind, ==, 'a');
    g_assert_true(ev(&r, 2)->host == ram_block_host(mid));
    g_assert_cmpuint(ev(&r, 2)->a, ==, 2 * P);
    g_assert_cmpuint(r2.events->len, ==, 0);

    ram_block_free(small);
    g_assert_cmpuint(r.events->len, ==, 4);
    g_assert_cmpint(ev(&r, 3)->kind, ==, 'r');
    g_assert_cmpuint(ev(&r, 3)->a, ==, P);
    g_assert_cmpuint(r2.events->len, ==, 1);
    g_assert_cmpint(ev(&r2, 0)->kind, ==, 'r');

    /* removing a notifier tells it every block is gone (QEMU's
     * ram_block_notifier_remove) and it hears nothing more */
    ram_block_notifier_remove(&r.n);
    g_assert_cmpuint(r.events->len, ==, 6);
    g_assert_cmpint(ev(&r, 4)->kind, ==, 'r');
    g_assert_true(ev(&r, 4)->host == ram_block_host(big));
    g_assert_cmpint(ev(&r, 5)->kind, ==, 'r');
    g_assert_true(ev(&r, 5)->host == ram_block_host(mid));
    ram_block_notifier_remove(&r.n);  /* not registered: no-op */
    g_assert_cmpuint(r.events->len, ==, 6);
    new_anon("later", P);
    g_assert_cmpuint(r.events->len, ==, 6);
    g_assert_cmpuint(r2.events->len, ==, 1);

    ram_block_notifier_remove(&r2.n);
    g_assert_cmpuint(r2.events->len, ==, 4);
    free_all_blocks();
    g_array_unref(r.events);
    g_array_unref(r2.events);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    P = ram_page_size();
    U = 64 * P;

    g_test_add_func("/ramblock/page-rounding", test_page_rounding);
    g_test_add_func("/ramblock/best-fit", test_best_fit);
    g_test_add_func("/ramblock/offset-uses-max-length",
                    test_offset_uses_max_length);
    g_test_add_func("/ramblock/list-order", test_list_order);
    g_test_add_func("/ramblock/duplicate", test_duplicate);
    g_test_add_func("/ramblock/errors", test_errors);
    g_test_add_func("/ramblock/huge-reservation", test_huge_reservation);
    g_test_add_func("/ramblock/memfd", test_memfd);
    g_test_add_func("/ramblock/file", test_file);
    g_test_add_func("/ramblock/host-ptr", test_host_ptr);
    g_test_add_func("/ramblock/resize/anon", test_resize_anon);
    g_test_add_func("/ramblock/resize/memfd", test_resize_memfd);
    g_test_add_func("/ramblock/resize/fixed", test_resize_fixed);
    g_test_add_func("/ramblock/notifier-replay", test_notifier_replay);
    return g_test_run();
}
