/*
 * ramblock.h - RAMBlocks: the host memory behind RAM regions, the ram list
 * that gives every block its ram_addr offset, and per-client dirty bitmaps.
 *
 * Facts kept from QEMU (softmmu/physmem.c): block sizes are rounded up to the
 * host page size; a new block's offset is found by a best-fit search of the
 * gaps between existing blocks; a new block is dirty for every client; a
 * resizeable block reserves max_length and may change used_length up to it,
 * calling its resized callback; RAM block notifiers hear of add, remove and
 * resize.
 */
#ifndef IOMMUSIM_MEMORY_RAMBLOCK_H
#define IOMMUSIM_MEMORY_RAMBLOCK_H

#include <glib.h>
#include "memory/memtx.h"

typedef uint64_t ram_addr_t;
#define RAM_ADDR_INVALID (~(ram_addr_t)0)

/* Dirty memory clients, as QEMU numbers them */
#define DIRTY_MEMORY_VGA 0
#define DIRTY_MEMORY_CODE 1
#define DIRTY_MEMORY_MIGRATION 2
#define DIRTY_MEMORY_NUM 3
#define DIRTY_CLIENTS_ALL ((1u << DIRTY_MEMORY_NUM) - 1)

/* Where a block's memory comes from */
typedef enum RAMBackend {
    RAM_BACKEND_ANON,     /* private anonymous mmap */
    RAM_BACKEND_MEMFD,    /* memfd_create, mapped shared */
    RAM_BACKEND_FILE,     /* a file at a path, mapped shared */
    RAM_BACKEND_HOST_PTR, /* memory the caller owns; never freed by us */
} RAMBackend;

typedef struct RAMBlock RAMBlock;

/* Errors from ram_block_new() and ram_block_resize() */
#define RAM_BLOCK_ERROR (ram_block_error_quark())
GQuark ram_block_error_quark(void);
typedef enum RAMBlockError {
    RAM_BLOCK_ERROR_INVALID,  /* bad argument: size 0, max_size < size, ... */
    RAM_BLOCK_ERROR_EXISTS,   /* idstr already in the ram list */
    RAM_BLOCK_ERROR_NOSPACE,  /* too large to map, or no room in ram_addr space */
    RAM_BLOCK_ERROR_FILE,     /* backing file or memfd could not be set up */
} RAMBlockError;

typedef void (*RAMBlockResized)(const char *idstr, uint64_t new_size, void *opaque);

/* Options for ram_block_new(); zero-initialise and fill what you need. */
typedef struct RAMBlockOptions {
    RAMBackend backend;
    uint64_t max_size;     /* > size makes the block resizeable; 0: not */
    const char *path;      /* RAM_BACKEND_FILE: file to map (created if missing) */
    void *host;            /* RAM_BACKEND_HOST_PTR: caller's memory, size bytes */
    bool readonly_file;    /* RAM_BACKEND_FILE: map read-only */
    RAMBlockResized resized; /* called after a resize */
    void *resized_opaque;
} RAMBlockOptions;

/*
 * ram_block_new: allocate a block of @size bytes (rounded up to the host page
 * size) named @idstr and insert it in the ram list at a best-fit offset.
 * Returns NULL with @errp set when the size is 0, too large to map, the file
 * cannot be opened, or max_size < size.
 */
RAMBlock *ram_block_new(const char *idstr, uint64_t size,
                        const RAMBlockOptions *opts, GError **errp);

/* ram_block_free: remove the block from the ram list and release its memory. */
void ram_block_free(RAMBlock *rb);

/* Accessors */
const char *ram_block_idstr(const RAMBlock *rb);
uint8_t *ram_block_host(const RAMBlock *rb);
ram_addr_t ram_block_offset(const RAMBlock *rb);
uint64_t ram_block_used_length(const RAMBlock *rb);
uint64_t ram_block_max_length(const RAMBlock *rb);
bool ram_block_resizeable(const RAMBlock *rb);
RAMBackend ram_block_backend(const RAMBlock *rb);
int ram_block_fd(const RAMBlock *rb); /* -1 when not fd-backed */
/* true for a file block mapped read-only: its host memory must not be written */
bool ram_block_readonly(const RAMBlock *rb);

/*
 * ram_block_resize: change used_length to @new_size (page-rounded).
 * Fails for a non-resizeable block (unless the size is unchanged) or a size
 * beyond max_length. The grown part reads as zero and is dirty for every
 * client. Calls the resized callback and the notifiers.
 * As QEMU's qemu_ram_resize: notifiers hear (host, old, new page-rounded
 * lengths) before the change; then the whole new used_length is marked dirty
 * for every client; then the callback gets the size as passed (not rounded).
 * When the rounded size is unchanged only the callback is called, and only
 * if the unrounded size differs from the last one.
 */
bool ram_block_resize(RAMBlock *rb, uint64_t new_size, GError **errp);

/* The ram list: blocks in the order QEMU keeps them (by decreasing size). */
guint ram_list_count(void);
RAMBlock *ram_list_nth(guint n);
RAMBlock *ram_list_find(const char *idstr);
/* One past the highest ram_addr in use (QEMU's last_ram_page * page size) */
ram_addr_t ram_list_end(void);

/* Dirty bitmaps, per client, in host pages, @offset relative to the block. */
void ram_block_set_dirty(RAMBlock *rb, uint64_t offset, uint64_t len,
                         unsigned client_mask);
/* true if any page of [offset, offset+len) is dirty for @client */
bool ram_block_get_dirty(RAMBlock *rb, uint64_t offset, uint64_t len,
                         unsigned client);
/* as get_dirty, and clears those pages for @client */
bool ram_block_test_and_clear_dirty(RAMBlock *rb, uint64_t offset,
                                    uint64_t len, unsigned client);
void ram_block_clear_dirty(RAMBlock *rb, uint64_t offset, uint64_t len,
                           unsigned client);
/* Number of dirty pages for @client in the whole block */
uint64_t ram_block_dirty_count(RAMBlock *rb, unsigned client);

/*
 * Ranges are clipped to used_length; len 0 is a no-op (false); a client
 * number out of range is ignored (false / 0). Like QEMU's memory API these
 * functions expect to be called from one thread at a time.
 */

/* Host page size used for rounding and dirty tracking */
uint64_t ram_page_size(void);

/* RAM block notifiers, as QEMU's RAMBlockNotifier */
typedef struct RAMBlockNotifier RAMBlockNotifier;
struct RAMBlockNotifier {
    void (*ram_block_added)(RAMBlockNotifier *n, void *host, size_t size,
                            size_t max_size);
    void (*ram_block_removed)(RAMBlockNotifier *n, void *host, size_t size,
                              size_t max_size);
    void (*ram_block_resized)(RAMBlockNotifier *n, void *host,
                              size_t old_size, size_t new_size);
    void *opaque;
};
/* Adding a notifier replays ram_block_added for every existing block;
 * removing one calls its ram_block_removed for every existing block (both as
 * QEMU does). Callbacks may be NULL. Notifiers are called newest first. */
void ram_block_notifier_add(RAMBlockNotifier *n);
void ram_block_notifier_remove(RAMBlockNotifier *n);

#endif
