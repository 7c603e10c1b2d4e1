/*
 * ramblock.c - RAMBlocks, the ram list and per-client dirty bitmaps.
 *
 * Behaviour follows QEMU 7.2 (softmmu/physmem.c, hw/core/numa.c); the code is
 * our own.  Differences from QEMU, on purpose:
 *  - every failure (duplicate idstr, no room in the ram_addr space, sizes
 *    that cannot be mapped) is a GError, never an abort;
 *  - dirty bitmaps belong to the block (QEMU keeps one global bitmap per
 *    client indexed by ram_addr); they are split in chunks that are
 *    allocated lazily, and a chunk that is wholly dirty is a marker rather
 *    than memory, so a huge block that is all dirty costs next to nothing;
 *  - the part of a resizeable block that is given up or grown is discarded,
 *    so that a grown part reads as zero.
 */
#include "memory/ramblock.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

G_DEFINE_QUARK(iommusim-ram-block-error-quark, ram_block_error)

/* ---- dirty chunks ---------------------------------------------------- */

/*
 * Each client's bitmap is an array of chunk pointers; a chunk covers
 * DIRTY_CHUNK_PAGES pages (the last one fewer).  NULL: all clean;
 * DIRTY_CHUNK_FULL: all dirty; otherwise a bitmap of the chunk's pages
 * (bits past the block's last page are always 0).
 */
#define DIRTY_CHUNK_SHIFT 15
#define DIRTY_CHUNK_PAGES ((uint64_t)1 << DIRTY_CHUNK_SHIFT)
#define BITS_PER_WORD 64

/* No host maps more than this (x86-64 and arm64 user space: 2^47 or 2^48
 * without hints); a larger block, even on a caller's pointer, is refused. */
#define RAM_BLOCK_MAX_LENGTH ((uint64_t)1 << 48)

static uint64_t dirty_chunk_full_marker;
#define DIRTY_CHUNK_FULL (&dirty_chunk_full_marker)

struct RAMBlock {
    char *idstr;
    RAMBackend backend;
    uint8_t *host;
    ram_addr_t offset;
    uint64_t used_length;
    uint64_t max_length;
    uint64_t req_size;       /* size last asked for, before rounding */
    bool resizeable;
    bool readonly;
    int fd;
    RAMBlockResized resized;
    void *resized_opaque;
    uint64_t max_pages;
    uint64_t nchunks;
    uint64_t **dirty[DIRTY_MEMORY_NUM];
};

/* The ram list, in QEMU's order: decreasing max_length, and among equals
 * the older block first. */
static GPtrArray *ram_list_blocks;
static GHashTable *ram_list_by_name;
static GList *ram_notifiers; /* newest first, as QEMU's QLIST_INSERT_HEAD */

static uint64_t page_size_cache;
static unsigned page_shift_cache;

uint64_t ram_page_size(void)
{
    if (G_UNLIKELY(!page_size_cache)) {
        long ps = sysconf(_SC_PAGESIZE);
        uint64_t sz = (ps > 0 && !(ps & (ps - 1))) ? (uint64_t)ps : 4096;
        page_shift_cache = (unsigned)__builtin_ctzll(sz);
        page_size_cache = sz;
    }
    return page_size_cache;
}

static inline unsigned ram_page_shift(void)
{
    ram_page_size();
    return page_shift_cache;
}

/* Round @size up to the page size; false if that overflows. */
static bool page_round_up(uint64_t size, uint64_t *out)
{
    uint64_t mask = ram_page_size() - 1;

    if (size > UINT64_MAX - mask) {
        return false;
    }
    *out = (size + mask) & ~mask;
    return true;
}

static inline uint64_t chunk_npages(const RAMBlock *rb, uint64_t ci)
{
    uint64_t first = ci << DIRTY_CHUNK_SHIFT;
    return MIN(DIRTY_CHUNK_PAGES, rb->max_pages - first);
}

static inline uint64_t words_for(uint64_t bits)
{
    return (bits + BITS_PER_WORD - 1) / BITS_PER_WORD;
}

/* n bits from bit b (b + n <= 64) */
static inline uint64_t word_mask(unsigned b, uint64_t n)
{
    return (n >= BITS_PER_WORD ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1)) << b;
}

static void bits_set(uint64_t *w, uint64_t start, uint64_t n)
{
    uint64_t *p = w + start / BITS_PER_WORD;
    unsigned b = start % BITS_PER_WORD;

    if (b + n <= BITS_PER_WORD) {
        *p |= word_mask(b, n);
        return;
    }
    *p++ |= ~(uint64_t)0 << b;
    n -= BITS_PER_WORD - b;
    for (; n >= BITS_PER_WORD; n -= BITS_PER_WORD) {
        *p++ = ~(uint64_t)0;
    }
    if (n) {
        *p |= word_mask(0, n);
    }
}

/* Clears the bits; returns whether any of them was set. */
static bool bits_test_and_clear(uint64_t *w, uint64_t start, uint64_t n)
{
    uint64_t *p = w + start / BITS_PER_WORD;
    unsigned b = start % BITS_PER_WORD;
    uint64_t m, acc;

    if (b + n <= BITS_PER_WORD) {
        m = word_mask(b, n);
        acc = *p & m;
        *p &= ~m;
        return acc != 0;
    }
    m = ~(uint64_t)0 << b;
    acc = *p & m;
    *p++ &= ~m;
    n -= BITS_PER_WORD - b;
    for (; n >= BITS_PER_WORD; n -= BITS_PER_WORD) {
        acc |= *p;
        *p++ = 0;
    }
    if (n) {
        m = word_mask(0, n);
        acc |= *p & m;
        *p &= ~m;
    }
    return acc != 0;
}

static bool bits_any(const uint64_t *w, uint64_t start, uint64_t n)
{
    const uint64_t *p = w + start / BITS_PER_WORD;
    unsigned b = start % BITS_PER_WORD;

    if (b + n <= BITS_PER_WORD) {
        return (*p & word_mask(b, n)) != 0;
    }
    if (*p++ & (~(uint64_t)0 << b)) {
        return true;
    }
    n -= BITS_PER_WORD - b;
    for (; n >= BITS_PER_WORD; n -= BITS_PER_WORD) {
        if (*p++) {
            return true;
        }
    }
    return n && (*p & word_mask(0, n));
}

static uint64_t *chunk_alloc(const RAMBlock *rb, uint64_t ci, bool full)
{
    uint64_t npages = chunk_npages(rb, ci);
    uint64_t *w = g_new0(uint64_t, words_for(npages));

    if (full) {
        bits_set(w, 0, npages);
    }
    return w;
}

static inline void chunk_release(uint64_t *c)
{
    if (c != DIRTY_CHUNK_FULL) {
        g_free(c);
    }
}

/*
 * Turns (offset, len) relative to the block into the pages [*p0, *p1)
 * within used_length. false when nothing is left.
 */
static inline bool dirty_range(const RAMBlock *rb, uint64_t offset,
                               uint64_t len, uint64_t *p0, uint64_t *p1)
{
    unsigned shift;

    if (!len || offset >= rb->used_length) {
        return false;
    }
    if (len > rb->used_length - offset) {
        len = rb->used_length - offset;
    }
    shift = ram_page_shift();
    *p0 = offset >> shift;
    *p1 = ((offset + len - 1) >> shift) + 1;
    return true;
}

/*
 * The part of pages [p0, p1) that falls in chunk @ci, as [*cs, *ce) relative
 * to the chunk; true when that is the whole chunk.
 */
static inline bool chunk_span(const RAMBlock *rb, uint64_t ci, uint64_t p0,
                              uint64_t p1, uint64_t *cs, uint64_t *ce)
{
    uint64_t base = ci << DIRTY_CHUNK_SHIFT;

    *cs = MAX(p0, base) - base;
    *ce = MIN(p1, base + DIRTY_CHUNK_PAGES) - base;
    return *cs == 0 && *ce == chunk_npages(rb, ci);
}

static void dirty_set_pages(RAMBlock *rb, unsigned client, uint64_t p0,
                            uint64_t p1)
{
    uint64_t **chunks = rb->dirty[client];
    uint64_t last = (p1 - 1) >> DIRTY_CHUNK_SHIFT;

    for (uint64_t ci = p0 >> DIRTY_CHUNK_SHIFT; ci <= last; ci++) {
        uint64_t cs, ce;
        bool full = chunk_span(rb, ci, p0, p1, &cs, &ce);
        uint64_t *c = chunks[ci];

        if (c == DIRTY_CHUNK_FULL) {
            continue;
        }
        if (full) {
            g_free(c);
            chunks[ci] = DIRTY_CHUNK_FULL;
            continue;
        }
        if (!c) {
            c = chunks[ci] = chunk_alloc(rb, ci, false);
        }
        bits_set(c, cs, ce - cs);
    }
}

/* Clears pages [p0, p1); returns whether any of them was dirty. */
static bool dirty_clear_pages(RAMBlock *rb, unsigned client, uint64_t p0,
                              uint64_t p1)
{
    uint64_t **chunks = rb->dirty[client];
    uint64_t last = (p1 - 1) >> DIRTY_CHUNK_SHIFT;
    bool was = false;

    for (uint64_t ci = p0 >> DIRTY_CHUNK_SHIFT; ci <= last; ci++) {
        uint64_t cs, ce;
        bool full = chunk_span(rb, ci, p0, p1, &cs, &ce);
        uint64_t *c = chunks[ci];

        if (!c) {
            continue;
        }
        if (full) {
            was = was || c == DIRTY_CHUNK_FULL || bits_any(c, 0, ce);
            chunk_release(c);
            chunks[ci] = NULL;
            continue;
        }
        if (c == DIRTY_CHUNK_FULL) {
            c = chunks[ci] = chunk_alloc(rb, ci, true);
        }
        was |= bits_test_and_clear(c, cs, ce - cs);
    }
    return was;
}

static bool dirty_any_pages(const RAMBlock *rb, unsigned client, uint64_t p0,
                            uint64_t p1)
{
    uint64_t *const *chunks = rb->dirty[client];
    uint64_t last = (p1 - 1) >> DIRTY_CHUNK_SHIFT;

    for (uint64_t ci = p0 >> DIRTY_CHUNK_SHIFT; ci <= last; ci++) {
        uint64_t cs, ce;
        const uint64_t *c = chunks[ci];

        if (!c) {
            continue;
        }
        chunk_span(rb, ci, p0, p1, &cs, &ce);
        if (c == DIRTY_CHUNK_FULL || bits_any(c, cs, ce - cs)) {
            return true;
        }
    }
    return false;
}

void ram_block_set_dirty(RAMBlock *rb, uint64_t offset, uint64_t len,
                         unsigned client_mask)
{
    uint64_t p0, p1;

    client_mask &= DIRTY_CLIENTS_ALL;
    if (!rb || !client_mask || !dirty_range(rb, offset, len, &p0, &p1)) {
        return;
    }

    if (G_LIKELY(p1 - p0 == 1)) {
        /* one page: the common case of a small write */
        uint64_t ci = p0 >> DIRTY_CHUNK_SHIFT;
        uint64_t bit = p0 & (DIRTY_CHUNK_PAGES - 1);
        for (unsigned client = 0; client < DIRTY_MEMORY_NUM; client++) {
            uint64_t *c;
            if (!(client_mask & (1u << client))) {
                continue;
            }
            c = rb->dirty[client][ci];
            if (c == DIRTY_CHUNK_FULL) {
                continue;
            }
            if (!c) {
                c = rb->dirty[client][ci] = chunk_alloc(rb, ci, false);
            }
            c[bit / BITS_PER_WORD] |= (uint64_t)1 << (bit % BITS_PER_WORD);
        }
        return;
    }

    for (unsigned client = 0; client < DIRTY_MEMORY_NUM; client++) {
        if (client_mask & (1u << client)) {
            dirty_set_pages(rb, client, p0, p1);
        }
    }
}

bool ram_block_get_dirty(RAMBlock *rb, uint64_t offset, uint64_t len,
                         unsigned client)
{
    uint64_t p0, p1;

    if (!rb || client >= DIRTY_MEMORY_NUM ||
        !dirty_range(rb, offset, len, &p0, &p1)) {
        return false;
    }
    return dirty_any_pages(rb, client, p0, p1);
}

bool ram_block_test_and_clear_dirty(RAMBlock *rb, uint64_t offset,
                                    uint64_t len, unsigned client)
{
    uint64_t p0, p1;

    if (!rb || client >= DIRTY_MEMORY_NUM ||
        !dirty_range(rb, offset, len, &p0, &p1)) {
        return false;
    }
    return dirty_clear_pages(rb, client, p0, p1);
}

void ram_block_clear_dirty(RAMBlock *rb, uint64_t offset, uint64_t len,
                           unsigned client)
{
    ram_block_test_and_clear_dirty(rb, offset, len, client);
}

uint64_t ram_block_dirty_count(RAMBlock *rb, unsigned client)
{
    uint64_t n = 0;

    if (!rb || client >= DIRTY_MEMORY_NUM) {
        return 0;
    }
    for (uint64_t ci = 0; ci < rb->nchunks; ci++) {
        const uint64_t *c = rb->dirty[client][ci];
        if (!c) {
            continue;
        }
        if (c == DIRTY_CHUNK_FULL) {
            n += chunk_npages(rb, ci);
            continue;
        }
        for (uint64_t i = 0, nw = words_for(chunk_npages(rb, ci)); i < nw;
             i++) {
            n += (uint64_t)__builtin_popcountll(c[i]);
        }
    }
    return n;
}

/* All of [0, old_used) clean, all of [0, new_used) dirty for every client. */
static void dirty_reset_all(RAMBlock *rb, uint64_t old_used)
{
    uint64_t p0, p1;

    for (unsigned client = 0; client < DIRTY_MEMORY_NUM; client++) {
        if (old_used) {
            dirty_clear_pages(rb, client, 0,
                              ((old_used - 1) >> ram_page_shift()) + 1);
        }
    }
    if (dirty_range(rb, 0, rb->used_length, &p0, &p1)) {
        for (unsigned client = 0; client < DIRTY_MEMORY_NUM; client++) {
            dirty_set_pages(rb, client, p0, p1);
        }
    }
}

static void dirty_free(RAMBlock *rb)
{
    for (unsigned client = 0; client < DIRTY_MEMORY_NUM; client++) {
        if (!rb->dirty[client]) {
            continue;
        }
        for (uint64_t ci = 0; ci < rb->nchunks; ci++) {
            chunk_release(rb->dirty[client][ci]);
        }
        g_free(rb->dirty[client]);
        rb->dirty[client] = NULL;
    }
}

static bool dirty_alloc(RAMBlock *rb, GError **errp)
{
    rb->max_pages = rb->max_length >> ram_page_shift();
    rb->nchunks = (rb->max_pages + DIRTY_CHUNK_PAGES - 1) >> DIRTY_CHUNK_SHIFT;
    for (unsigned client = 0; client < DIRTY_MEMORY_NUM; client++) {
        rb->dirty[client] = g_try_new0(uint64_t *, rb->nchunks);
        if (!rb->dirty[client]) {
            dirty_free(rb);
            g_set_error(errp, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_NOSPACE,
                        "cannot allocate dirty bitmaps for RAMBlock \"%s\" "
                        "(0x%" G_GINT64_MODIFIER "x bytes)",
                        rb->idstr, rb->max_length);
            return false;
        }
    }
    return true;
}

/* ---- the ram list ---------------------------------------------------- */

static void ram_list_init(void)
{
    if (G_UNLIKELY(!ram_list_blocks)) {
        ram_list_blocks = g_ptr_array_new();
        ram_list_by_name = g_hash_table_new(g_str_hash, g_str_equal);
    }
}

guint ram_list_count(void)
{
    return ram_list_blocks ? ram_list_blocks->len : 0;
}

RAMBlock *ram_list_nth(guint n)
{
    if (!ram_list_blocks || n >= ram_list_blocks->len) {
        return NULL;
    }
    return g_ptr_array_index(ram_list_blocks, n);
}

RAMBlock *ram_list_find(const char *idstr)
{
    if (!idstr || !ram_list_by_name) {
        return NULL;
    }
    return g_hash_table_lookup(ram_list_by_name, idstr);
}

ram_addr_t ram_list_end(void)
{
    ram_addr_t end = 0;

    for (guint i = 0; i < ram_list_count(); i++) {
        RAMBlock *rb = ram_list_nth(i);
        end = MAX(end, rb->offset + rb->max_length);
    }
    return end;
}

/*
 * QEMU's find_ram_offset: each candidate starts right after an existing
 * block, rounded up to 64 pages (one bitmap word); the gap runs to the
 * nearest block at or after it, or to the top of the ram_addr space. The
 * smallest gap that fits wins; on equal gaps the first in list order. The
 * space before the lowest block is never a candidate unless the list is
 * empty. Returns RAM_ADDR_INVALID when nothing fits.
 */
static ram_addr_t find_ram_offset(uint64_t size)
{
    const uint64_t align = ram_page_size() * BITS_PER_WORD;
    ram_addr_t best = RAM_ADDR_INVALID;
    uint64_t best_gap = UINT64_MAX;
    guint n = ram_list_count();

    if (n == 0) {
        return 0;
    }
    for (guint i = 0; i < n; i++) {
        RAMBlock *rb = ram_list_nth(i);
        ram_addr_t candidate, next = UINT64_MAX;

        /* offset + max_length fits (see below); the rounding may not */
        candidate = rb->offset + rb->max_length;
        if (candidate > UINT64_MAX - (align - 1)) {
            continue;
        }
        candidate = (candidate + align - 1) & ~(align - 1);

        for (guint j = 0; j < n; j++) {
            RAMBlock *other = ram_list_nth(j);
            if (other->offset >= candidate) {
                next = MIN(next, other->offset);
            }
        }
        /* next - candidate >= size keeps candidate + size <= UINT64_MAX */
        if (next - candidate >= size && next - candidate < best_gap) {
            best = candidate;
            best_gap = next - candidate;
        }
    }
    return best;
}

static void ram_list_insert(RAMBlock *nb)
{
    guint i;

    /* before the first block that is smaller (QEMU's ram_block_add) */
    for (i = 0; i < ram_list_blocks->len; i++) {
        RAMBlock *rb = g_ptr_array_index(ram_list_blocks, i);
        if (rb->max_length < nb->max_length) {
            break;
        }
    }
    g_ptr_array_insert(ram_list_blocks, (gint)i, nb);
    g_hash_table_insert(ram_list_by_name, nb->idstr, nb);
}

/* ---- notifiers ------------------------------------------------------- */

/* QEMU's ram_block_notify_*: every notifier, newest first; a notifier may
 * remove itself from its callback. */
static void notify_added(RAMBlock *rb)
{
    for (GList *l = ram_notifiers, *next; l; l = next) {
        RAMBlockNotifier *n = l->data;
        next = l->next;
        if (n->ram_block_added) {
            n->ram_block_added(n, rb->host, rb->used_length, rb->max_length);
        }
    }
}

static void notify_removed(RAMBlock *rb)
{
    for (GList *l = ram_notifiers, *next; l; l = next) {
        RAMBlockNotifier *n = l->data;
        next = l->next;
        if (n->ram_block_removed) {
            n->ram_block_removed(n, rb->host, rb->used_length, rb->max_length);
        }
    }
}

static void notify_resized(RAMBlock *rb, uint64_t old_size, uint64_t new_size)
{
    for (GList *l = ram_notifiers, *next; l; l = next) {
        RAMBlockNotifier *n = l->data;
        next = l->next;
        if (n->ram_block_resized) {
            n->ram_block_resized(n, rb->host, old_size, new_size);
        }
    }
}

void ram_block_notifier_add(RAMBlockNotifier *n)
{
    if (!n || g_list_find(ram_notifiers, n)) {
        return;
    }
    ram_notifiers = g_list_prepend(ram_notifiers, n);
    if (n->ram_block_added) {
        for (guint i = 0; i < ram_list_count(); i++) {
            RAMBlock *rb = ram_list_nth(i);
            n->ram_block_added(n, rb->host, rb->used_length, rb->max_length);
        }
    }
}

void ram_block_notifier_remove(RAMBlockNotifier *n)
{
    GList *l = n ? g_list_find(ram_notifiers, n) : NULL;

    if (!l) {
        return;
    }
    ram_notifiers = g_list_delete_link(ram_notifiers, l);
    if (n->ram_block_removed) {
        for (guint i = 0; i < ram_list_count(); i++) {
            RAMBlock *rb = ram_list_nth(i);
            n->ram_block_removed(n, rb->host, rb->used_length, rb->max_length);
        }
    }
}

/* ---- backends -------------------------------------------------------- */

static const char *backend_name(RAMBackend b)
{
    switch (b) {
    case RAM_BACKEND_ANON:
        return "anonymous";
    case RAM_BACKEND_MEMFD:
        return "memfd";
    case RAM_BACKEND_FILE:
        return "file";
    case RAM_BACKEND_HOST_PTR:
        return "host pointer";
    }
    return "unknown";
}

static bool map_anon(RAMBlock *rb, GError **errp)
{
    void *p = mmap(NULL, rb->max_length, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

    if (p == MAP_FAILED) {
        int err = errno;
        g_set_error(errp, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_NOSPACE,
                    "cannot set up guest memory '%s' (0x%" G_GINT64_MODIFIER
                    "x bytes): %s", rb->idstr, rb->max_length,
                    g_strerror(err));
        return false;
    }
    rb->host = p;
    return true;
}

static bool map_fd(RAMBlock *rb, int prot, GError **errp)
{
    void *p = mmap(NULL, rb->max_length, prot, MAP_SHARED | MAP_NORESERVE,
                   rb->fd, 0);

    if (p == MAP_FAILED) {
        int err = errno;
        g_set_error(errp, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_NOSPACE,
                    "unable to map %s backing store for guest RAM '%s' "
                    "(0x%" G_GINT64_MODIFIER "x bytes): %s",
                    backend_name(rb->backend), rb->idstr, rb->max_length,
                    g_strerror(err));
        return false;
    }
    rb->host = p;
    return true;
}

static bool map_memfd(RAMBlock *rb, GError **errp)
{
    int err;

    rb->fd = memfd_create("iommusim-ram", MFD_CLOEXEC);
    if (rb->fd < 0) {
        err = errno;
        g_set_error(errp, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_FILE,
                    "memfd_create for guest RAM '%s' failed: %s", rb->idstr,
                    g_strerror(err));
        return false;
    }
    if (rb->max_length > (uint64_t)G_MAXINT64 ||
        ftruncate(rb->fd, (off_t)rb->max_length) < 0) {
        err = rb->max_length > (uint64_t)G_MAXINT64 ? EFBIG : errno;
        g_set_error(errp, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_NOSPACE,
                    "cannot size memfd for guest RAM '%s' to 0x%"
                    G_GINT64_MODIFIER "x bytes: %s", rb->idstr,
                    rb->max_length, g_strerror(err));
        return false;
    }
    return map_fd(rb, PROT_READ | PROT_WRITE, errp);
}

/*
 * As QEMU's file_ram_open: an existing file is used as is; a missing one is
 * created; a directory gets an unlinked temporary file in it.
 */
static int open_ram_file(const char *path, const char *idstr, bool readonly,
                         bool *created, GError **errp)
{
    int fd;

    *created = false;
    for (;;) {
        fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
        if (fd >= 0) {
            return fd;
        }
        if (errno == ENOENT && !readonly) {
            fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
            if (fd >= 0) {
                *created = true;
                return fd;
            }
        } else if (errno == EISDIR && !readonly) {
            g_autofree char *safe = g_strdelimit(g_strdup(idstr), "/", '_');
            g_autofree char *tmpl =
                g_strdup_printf("%s/iommusim_mem.%s.XXXXXX", path, safe);
            fd = g_mkstemp_full(tmpl, O_RDWR | O_CLOEXEC, 0600);
            if (fd >= 0) {
                unlink(tmpl);
                return fd;
            }
        }
        if (errno != EEXIST && errno != EINTR) {
            int err = errno;
            g_set_error(errp, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_FILE,
                        "can't open backing store %s for guest RAM '%s': %s",
                        path, idstr, g_strerror(err));
            return -1;
        }
        /* raced with another creator, or interrupted: try again */
    }
}

static bool map_file(RAMBlock *rb, const RAMBlockOptions *opts, GError **errp)
{
    struct stat st;
    bool created;
    int err;

    if (!opts->path || !opts->path[0]) {
        g_set_error(errp, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_INVALID,
                    "file-backed RAMBlock \"%s\" needs a path", rb->idstr);
        return false;
    }
    rb->fd = open_ram_file(opts->path, rb->idstr, opts->readonly_file,
                           &created, errp);
    if (rb->fd < 0) {
        return false;
    }
    if (fstat(rb->fd, &st) < 0) {
        err = errno;
        g_set_error(errp, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_FILE,
                    "cannot stat backing store %s: %s", opts->path,
                    g_strerror(err));
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        g_set_error(errp, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_FILE,
                    "backing store %s is not a regular file", opts->path);
        goto fail;
    }
    if (st.st_size == 0 && !opts->readonly_file) {
        /* QEMU sizes only an empty file: data in a non-empty one is kept */
        if (rb->max_length > (uint64_t)G_MAXINT64 ||
            ftruncate(rb->fd, (off_t)rb->max_length) < 0) {
            err = rb->max_length > (uint64_t)G_MAXINT64 ? EFBIG : errno;
            g_set_error(errp, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_FILE,
                        "cannot size backing store %s to 0x%"
                        G_GINT64_MODIFIER "x bytes: %s", opts->path,
                        rb->max_length, g_strerror(err));
            goto fail;
        }
    } else if ((uint64_t)st.st_size < rb->max_length) {
        g_set_error(errp, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_FILE,
                    "backing store %s size 0x%" G_GINT64_MODIFIER "x does not "
                    "match 'size' option 0x%" G_GINT64_MODIFIER "x",
                    opts->path, (uint64_t)st.st_size, rb->max_length);
        goto fail;
    }
    if (!map_fd(rb, opts->readonly_file ? PROT_READ : PROT_READ | PROT_WRITE,
                errp)) {
        goto fail;
    }
    return true;

fail:
    if (created) {
        unlink(opts->path);
    }
    return false;
}

/* Makes [start, start+len) of a resizeable block read as zero again and
 * gives its memory back. */
static void ram_block_discard(RAMBlock *rb, uint64_t start, uint64_t len)
{
    if (!len) {
        return;
    }
    switch (rb->backend) {
    case RAM_BACKEND_ANON:
        if (madvise(rb->host + start, len, MADV_DONTNEED) == 0) {
            return;
        }
        break;
    case RAM_BACKEND_MEMFD:
        if (fallocate(rb->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                      (off_t)start, (off_t)len) == 0) {
            return;
        }
        break;
    default:
        return; /* never resizeable */
    }
    memset(rb->host + start, 0, len);
}

static void ram_block_release(RAMBlock *rb)
{
    dirty_free(rb);
    if (rb->host && rb->backend != RAM_BACKEND_HOST_PTR) {
        munmap(rb->host, rb->max_length);
    }
    if (rb->fd >= 0) {
        close(rb->fd);
    }
    g_free(rb->idstr);
    g_free(rb);
}

/* ---- blocks ---------------------------------------------------------- */

RAMBlock *ram_block_new(const char *idstr, uint64_t size,
                        const RAMBlockOptions *opts, GError **errp)
{
    static const RAMBlockOptions anon_opts;
    uint64_t used, max;
    RAMBlock *rb;
    bool ok;

    if (!opts) {
        opts = &anon_opts;
    }
    if (!idstr || !idstr[0]) {
        g_set_error(errp, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_INVALID,
                    "a RAMBlock needs a name");
        return NULL;
    }
    if (size == 0) {
        g_set_error(errp, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_INVALID,
                    "RAMBlock \"%s\": size must not be 0", idstr);
        return NULL;
    }
    if (opts->max_size && opts->max_size < size) {
        g_set_error(errp, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_INVALID,
                    "RAMBlock \"%s\": max_size 0x%" G_GINT64_MODIFIER "x is "
                    "smaller than size 0x%" G_GINT64_MODIFIER "x", idstr,
                    opts->max_size, size);
        return NULL;
    }
    if (!page_round_up(size, &used) ||
        !page_round_up(opts->max_size ? opts->max_size : size, &max) ||
        max > (uint64_t)SIZE_MAX || max > RAM_BLOCK_MAX_LENGTH) {
        g_set_error(errp, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_NOSPACE,
                    "RAMBlock \"%s\": size 0x%" G_GINT64_MODIFIER "x is larger "
                    "than the host can map", idstr, MAX(size, opts->max_size));
        return NULL;
    }
    switch (opts->backend) {
    case RAM_BACKEND_ANON:
    case RAM_BACKEND_MEMFD:
        break;
    case RAM_BACKEND_FILE:
    case RAM_BACKEND_HOST_PTR:
        if (max != used) {
            g_set_error(errp, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_INVALID,
                        "RAMBlock \"%s\": a %s block cannot be resizeable",
                        idstr, backend_name(opts->backend));
            return NULL;
        }
        if (opts->backend == RAM_BACKEND_HOST_PTR && !opts->host) {
            g_set_error(errp, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_INVALID,
                        "RAMBlock \"%s\": host pointer backend without a "
                        "host pointer", idstr);
            return NULL;
        }
        break;
    default:
        g_set_error(errp, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_INVALID,
                    "RAMBlock \"%s\": unknown backend %d", idstr,
                    (int)opts->backend);
        return NULL;
    }
    if (ram_list_find(idstr)) {
        g_set_error(errp, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_EXISTS,
                    "RAMBlock \"%s\" already registered", idstr);
        return NULL;
    }

    ram_list_init();
    rb = g_new0(RAMBlock, 1);
    rb->idstr = g_strdup(idstr);
    rb->backend = opts->backend;
    rb->fd = -1;
    rb->used_length = used;
    rb->max_length = max;
    rb->req_size = size;
    rb->resizeable = opts->max_size > size;
    rb->readonly = opts->backend == RAM_BACKEND_FILE && opts->readonly_file;
    rb->resized = opts->resized;
    rb->resized_opaque = opts->resized_opaque;

    rb->offset = find_ram_offset(max);
    if (rb->offset == RAM_ADDR_INVALID) {
        g_set_error(errp, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_NOSPACE,
                    "RAMBlock \"%s\": no gap of 0x%" G_GINT64_MODIFIER "x "
                    "bytes left in the ram_addr space", idstr, max);
        ram_block_release(rb);
        return NULL;
    }

    switch (rb->backend) {
    case RAM_BACKEND_ANON:
        ok = map_anon(rb, errp);
        break;
    case RAM_BACKEND_MEMFD:
        ok = map_memfd(rb, errp);
        break;
    case RAM_BACKEND_FILE:
        ok = map_file(rb, opts, errp);
        break;
    default:
        rb->host = opts->host;
        ok = true;
        break;
    }
    if (!ok || !dirty_alloc(rb, errp)) {
        ram_block_release(rb);
        return NULL;
    }

    ram_list_insert(rb);
    /* new memory is dirty for every client (ram_block_add) */
    dirty_reset_all(rb, 0);
    notify_added(rb);
    return rb;
}

void ram_block_free(RAMBlock *rb)
{
    if (!rb) {
        return;
    }
    notify_removed(rb);
    g_ptr_array_remove(ram_list_blocks, rb);
    g_hash_table_remove(ram_list_by_name, rb->idstr);
    ram_block_release(rb);
}

bool ram_block_resize(RAMBlock *rb, uint64_t new_size, GError **errp)
{
    uint64_t old, rounded;

    if (!rb) {
        g_set_error(errp, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_INVALID,
                    "no RAMBlock to resize");
        return false;
    }
    if (!page_round_up(new_size, &rounded)) {
        g_set_error(errp, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_INVALID,
                    "Size too large: %s: 0x%" G_GINT64_MODIFIER "x > 0x%"
                    G_GINT64_MODIFIER "x", rb->idstr, new_size,
                    rb->max_length);
        return false;
    }
    old = rb->used_length;
    if (rounded == old) {
        /* the block is unchanged; only the unrounded size may differ */
        if (new_size != rb->req_size) {
            rb->req_size = new_size;
            if (rb->resized) {
                rb->resized(rb->idstr, new_size, rb->resized_opaque);
            }
        }
        return true;
    }
    if (!rb->resizeable) {
        g_set_error(errp, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_INVALID,
                    "Size mismatch: %s: 0x%" G_GINT64_MODIFIER "x != 0x%"
                    G_GINT64_MODIFIER "x", rb->idstr, rounded, old);
        return false;
    }
    if (rounded > rb->max_length) {
        g_set_error(errp, RAM_BLOCK_ERROR, RAM_BLOCK_ERROR_INVALID,
                    "Size too large: %s: 0x%" G_GINT64_MODIFIER "x > 0x%"
                    G_GINT64_MODIFIER "x", rb->idstr, rounded,
                    rb->max_length);
        return false;
    }

    /* notifiers hear of it before the block changes (qemu_ram_resize) */
    notify_resized(rb, old, rounded);

    if (rounded < old) {
        ram_block_discard(rb, rounded, old - rounded);
    } else {
        /* in case something wrote past used_length through the pointer */
        ram_block_discard(rb, old, rounded - old);
    }
    rb->used_length = rounded;
    rb->req_size = new_size;
    /* QEMU clears the old range and marks the whole new one dirty */
    dirty_reset_all(rb, old);

    if (rb->resized) {
        rb->resized(rb->idstr, new_size, rb->resized_opaque);
    }
    return true;
}

/* ---- accessors ------------------------------------------------------- */

const char *ram_block_idstr(const RAMBlock *rb)
{
    return rb ? rb->idstr : NULL;
}

uint8_t *ram_block_host(const RAMBlock *rb)
{
    return rb ? rb->host : NULL;
}

ram_addr_t ram_block_offset(const RAMBlock *rb)
{
    return rb ? rb->offset : RAM_ADDR_INVALID;
}

uint64_t ram_block_used_length(const RAMBlock *rb)
{
    return rb ? rb->used_length : 0;
}

uint64_t ram_block_max_length(const RAMBlock *rb)
{
    return rb ? rb->max_length : 0;
}

bool ram_block_resizeable(const RAMBlock *rb)
{
    return rb && rb->resizeable;
}

RAMBackend ram_block_backend(const RAMBlock *rb)
{
    return rb ? rb->backend : RAM_BACKEND_ANON;
}

int ram_block_fd(const RAMBlock *rb)
{
    return rb ? rb->fd : -1;
}

bool ram_block_readonly(const RAMBlock *rb)
{
    return rb && rb->readonly;
}
