/*
 * address-space.h - AddressSpaces, MemoryListeners and the access API.
 *
 * An AddressSpace is a root region plus its current FlatView. Accesses go
 * through address_space_rw, which follows IOMMU regions (translate loop) to
 * RAM (memcpy, dirty bits) or MMIO (ops with access-size adjustment).
 */
#ifndef IOMMUSIM_MEMORY_ADDRESS_SPACE_H
#define IOMMUSIM_MEMORY_ADDRESS_SPACE_H

#include "memory/flatview.h"

typedef struct MemoryListener MemoryListener;

/* QEMU's MemoryListener. Add-type callbacks (begin, region_add, region_nop,
 * log_start, log_global_start) run in ascending priority, del-type
 * (region_del, log_stop, log_global_stop) in descending; begin and commit
 * are called for every listener in ascending priority, as QEMU 7.2 does. */
struct MemoryListener {
    void (*begin)(MemoryListener *l);
    void (*commit)(MemoryListener *l);
    void (*region_add)(MemoryListener *l, MemoryRegionSection *s);
    void (*region_del)(MemoryListener *l, MemoryRegionSection *s);
    void (*region_nop)(MemoryListener *l, MemoryRegionSection *s);
    void (*log_start)(MemoryListener *l, MemoryRegionSection *s, int old_mask,
                      int new_mask);
    void (*log_stop)(MemoryListener *l, MemoryRegionSection *s, int old_mask,
                     int new_mask);
    void (*log_sync)(MemoryListener *l, MemoryRegionSection *s);
    void (*log_global_start)(MemoryListener *l);
    void (*log_global_stop)(MemoryListener *l);
    unsigned priority;
    const char *name;
    void *opaque;
    /* private */
    AddressSpace *address_space;
};

typedef void (*MapClientFunc)(void *opaque);

struct AddressSpace {
    char *name;
    MemoryRegion *root;
    FlatView *current_map;
    GPtrArray *listeners; /* sorted by priority, stable */
    /* bounce buffer for address_space_map of non-RAM memory */
    uint64_t max_bounce_buffer_size;
    uint64_t bounce_buffer_size; /* in use */
    GList *map_clients;          /* struct AddressSpaceMapClient */
    GList *bounce_buffers;       /* outstanding buffers */
    bool heap;
};

#define DEFAULT_MAX_BOUNCE_BUFFER_SIZE 4096

/* Create an AddressSpace over @root (holds a reference on it). */
void address_space_init(AddressSpace *as, MemoryRegion *root,
                        const char *name);
AddressSpace *address_space_new(MemoryRegion *root, const char *name);
/* Remove it from the list and release its view; frees it if from _new. */
void address_space_destroy(AddressSpace *as);

/* All address spaces in creation order */
guint address_space_count(void);
AddressSpace *address_space_nth(guint n);

/* The current view (borrowed; valid until the next commit) */
FlatView *address_space_to_flatview(AddressSpace *as);

/* ---- accesses ------------------------------------------------------- */

/*
 * address_space_rw: read or write @len bytes at @addr. RAM is copied and
 * marked dirty; ROM ignores writes; MMIO is split into accesses its ops
 * accept; unassigned space reads 0. Returns the OR of every piece's
 * MemTxResult.
 */
MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                             void *buf, hwaddr len, bool is_write);
MemTxResult address_space_read(AddressSpace *as, hwaddr addr,
                               MemTxAttrs attrs, void *buf, hwaddr len);
MemTxResult address_space_write(AddressSpace *as, hwaddr addr,
                                MemTxAttrs attrs, const void *buf, hwaddr len);
/* Writes even to ROM (QEMU's address_space_write_rom: loading firmware). */
MemTxResult address_space_write_rom(AddressSpace *as, hwaddr addr,
                                    MemTxAttrs attrs, const void *buf,
                                    hwaddr len);
/* Set @len bytes to @c */
MemTxResult address_space_set(AddressSpace *as, hwaddr addr, uint8_t c,
                              hwaddr len, MemTxAttrs attrs);

/* Loads and stores of 1, 2, 4, 8 bytes; @result may be NULL. */
uint64_t address_space_ld(AddressSpace *as, hwaddr addr, unsigned size,
                          bool big_endian, MemTxAttrs attrs,
                          MemTxResult *result);
void address_space_st(AddressSpace *as, hwaddr addr, uint64_t val,
                      unsigned size, bool big_endian, MemTxAttrs attrs,
                      MemTxResult *result);
uint8_t address_space_ldub(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                           MemTxResult *result);
uint16_t address_space_lduw_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                               MemTxResult *result);
uint16_t address_space_lduw_be(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                               MemTxResult *result);
uint32_t address_space_ldl_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                              MemTxResult *result);
uint32_t address_space_ldl_be(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                              MemTxResult *result);
uint64_t address_space_ldq_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                              MemTxResult *result);
uint64_t address_space_ldq_be(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                              MemTxResult *result);
void address_space_stb(AddressSpace *as, hwaddr addr, uint8_t val,
                       MemTxAttrs attrs, MemTxResult *result);
void address_space_stw_le(AddressSpace *as, hwaddr addr, uint16_t val,
                          MemTxAttrs attrs, MemTxResult *result);
void address_space_stw_be(AddressSpace *as, hwaddr addr, uint16_t val,
                          MemTxAttrs attrs, MemTxResult *result);
void address_space_stl_le(AddressSpace *as, hwaddr addr, uint32_t val,
                          MemTxAttrs attrs, MemTxResult *result);
void address_space_stl_be(AddressSpace *as, hwaddr addr, uint32_t val,
                          MemTxAttrs attrs, MemTxResult *result);
void address_space_stq_le(AddressSpace *as, hwaddr addr, uint64_t val,
                          MemTxAttrs attrs, MemTxResult *result);
void address_space_stq_be(AddressSpace *as, hwaddr addr, uint64_t val,
                          MemTxAttrs attrs, MemTxResult *result);

/*
 * address_space_translate: the terminating region for @addr, following IOMMU
 * regions. *xlat receives the offset in that region; *plen is clipped to
 * what stays in it (and in the IOMMU page). Unassigned space or an IOMMU
 * fault gives the unassigned region (accesses fail with DECODE_ERROR).
 */
MemoryRegion *address_space_translate(AddressSpace *as, hwaddr addr,
                                      hwaddr *xlat, hwaddr *plen,
                                      bool is_write, MemTxAttrs attrs);
/* The region that backs unassigned space */
MemoryRegion *memory_region_unassigned(void);

/* Whether an access of @len bytes would succeed everywhere it reaches. */
bool address_space_access_valid(AddressSpace *as, hwaddr addr, hwaddr len,
                                bool is_write, MemTxAttrs attrs);

/*
 * address_space_map: a host pointer to [addr, addr+*plen). RAM is mapped
 * directly (as far as it is contiguous); anything else gets a bounce buffer
 * from the AddressSpace's budget, filled now for reads and written back at
 * unmap for writes. *plen may come back shorter; NULL (with *plen 0) when
 * the budget is spent: register a map client to be told when it frees.
 */
void *address_space_map(AddressSpace *as, hwaddr addr, hwaddr *plen,
                        bool is_write, MemTxAttrs attrs);
/* @access_len: bytes actually written (dirtied / copied back). */
void address_space_unmap(AddressSpace *as, void *buffer, hwaddr len,
                         bool is_write, hwaddr access_len);
/* @func is called once, the next time bounce memory is released. */
void address_space_register_map_client(AddressSpace *as, MapClientFunc func,
                                       void *opaque);
void address_space_unregister_map_client(AddressSpace *as, MapClientFunc func,
                                         void *opaque);

/* ---- listeners ------------------------------------------------------ */
/* Register @l on @as and replay the current map to it (begin, log_global_start
 * if logging, region_add and log_start for each range, commit). */
void memory_listener_register(MemoryListener *l, AddressSpace *as);
/* Unregister; tells it region_del for every range first, as QEMU does. */
void memory_listener_unregister(MemoryListener *l);

/* Internal: called by the transaction commit to publish new views. */
void address_space_update_all(void);
/* Internal (access.c): release outstanding bounce buffers of a dying AS. */
void address_space_free_bounce_buffers(AddressSpace *as);

#endif
