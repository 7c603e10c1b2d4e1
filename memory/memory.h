/*
 * memory.h - the MemoryRegion tree, QEMU's memory API rebuilt.
 *
 * A MemoryRegion is a container, RAM, ROM, ROM device, MMIO with ops, alias,
 * reservation or IOMMU region. Regions are placed in containers at an
 * address with a priority; AddressSpaces (address-space.h) render a root
 * region into a FlatView (flatview.h) and dispatch accesses through it.
 *
 * Lifetime: regions are reference counted. memory_region_new_*() return a
 * region holding one reference for the caller; a container holds one on each
 * child, an alias on its target, an AddressSpace on its root. The region is
 * freed when the last reference goes. Regions embedded in another structure
 * use memory_region_init_*() and a NULL free hook, or set `destructor`.
 *
 * Every function that takes input a user controls (a script, a dump file)
 * reports a problem through GError and leaves the tree unchanged.
 */
#ifndef IOMMUSIM_MEMORY_MEMORY_H
#define IOMMUSIM_MEMORY_MEMORY_H

#include <glib.h>
#include "memory/memtx.h"
#include "memory/ramblock.h"

#define IOMMUSIM_MEMORY_ERROR (iommusim_memory_error_quark())
GQuark iommusim_memory_error_quark(void);
typedef enum {
    MEMORY_ERROR_INVALID,  /* bad argument */
    MEMORY_ERROR_BUSY,     /* region already placed, cycle, ... */
    MEMORY_ERROR_NOMEM,    /* could not map memory */
} MemoryError;

typedef struct MemoryRegion MemoryRegion;
typedef struct MemoryRegionOps MemoryRegionOps;
typedef struct AddressSpace AddressSpace;
typedef struct IOMMUMemoryRegionClass IOMMUMemoryRegionClass;
typedef struct IOMMUNotifier IOMMUNotifier;

/* MMIO callbacks, QEMU's MemoryRegionOps. Either the plain or the
 * *_with_attrs callbacks are given; a missing read reads 0, a missing write
 * is ignored. */
struct MemoryRegionOps {
    uint64_t (*read)(void *opaque, hwaddr addr, unsigned size);
    void (*write)(void *opaque, hwaddr addr, uint64_t data, unsigned size);
    MemTxResult (*read_with_attrs)(void *opaque, hwaddr addr, uint64_t *data,
                                   unsigned size, MemTxAttrs attrs);
    MemTxResult (*write_with_attrs)(void *opaque, hwaddr addr, uint64_t data,
                                    unsigned size, MemTxAttrs attrs);
    device_endian endianness;
    /* What the guest may do; an access outside this fails with
     * MEMTX_DECODE_ERROR. min 0 means 1; max 0 accepts any size here,
     * while address_space_rw splits requests into pieces of at most 4. */
    struct {
        unsigned min_access_size;
        unsigned max_access_size;
        bool unaligned;
        bool (*accepts)(void *opaque, hwaddr addr, unsigned size,
                        bool is_write, MemTxAttrs attrs);
    } valid;
    /* What the callbacks implement; accesses are split or widened to fit
     * (access_with_adjusted_size). 0 means 1 (min) and 4 (max). */
    struct {
        unsigned min_access_size;
        unsigned max_access_size;
        bool unaligned;
    } impl;
};

/* Ops of unassigned space: reads 0 and fails with MEMTX_DECODE_ERROR */
extern const MemoryRegionOps unassigned_mem_ops;

typedef enum MemoryRegionKind {
    MR_CONTAINER,
    MR_RAM,        /* includes ROM (readonly RAM) */
    MR_ROM_DEVICE, /* RAM for reads in romd mode, ops for writes */
    MR_IO,         /* MMIO with ops, reservation */
    MR_ALIAS,
    MR_IOMMU,
} MemoryRegionKind;

struct MemoryRegion {
    /* identity */
    char *name;
    MemoryRegionKind kind;
    int refcount;
    void (*destructor)(MemoryRegion *mr); /* called before freeing */
    bool heap;          /* allocated by memory_region_new_*: g_free at the end */

    /* placement */
    MemoryRegion *container; /* parent, NULL if not placed */
    hwaddr addr;             /* offset in the container */
    u128 size;               /* may be 2^64 */
    int priority;
    bool may_overlap;        /* added with add_subregion_overlap */
    bool enabled;
    bool readonly;           /* for RAM-backed regions and renders as rom */
    bool nonvolatile;
    bool terminates;         /* a leaf: RAM, I/O, ROM device, IOMMU */
    bool rom_device;
    bool romd_mode;
    bool ram;                /* RAM or ROM: accesses go to host memory */
    bool ram_device;
    uint8_t dirty_log_mask;  /* clients logging on this region */
    unsigned log_count[DIRTY_MEMORY_NUM]; /* set_log(true) minus set_log(false) */

    /* children, highest priority first, newest first among equals */
    GPtrArray *subregions;

    /* alias */
    MemoryRegion *alias;
    hwaddr alias_offset;

    /* MMIO */
    const MemoryRegionOps *ops;
    void *opaque;

    /* RAM */
    RAMBlock *ram_block;
    hwaddr ram_block_offset; /* offset of this region in its block */

    /* IOMMU: class table of the model (iommu/ fills it) */
    const IOMMUMemoryRegionClass *iommu_ops;

    /* rendering state, private to memory/ */
    struct MemoryRegionRender *render;
};

/* ---- creation ------------------------------------------------------ */

/*
 * Each init function initialises a region embedded in the caller's memory
 * (refcount 1, destructor NULL); each new function allocates it. @size is
 * the size in bytes, UINT64_MAX meaning 2^64. The name may be NULL for an
 * anonymous region (QEMU prints "anonymous").
 */
void memory_region_init(MemoryRegion *mr, const char *name, uint64_t size);
MemoryRegion *memory_region_new_container(const char *name, uint64_t size);

/* MMIO region calling @ops with @opaque. */
void memory_region_init_io(MemoryRegion *mr, const MemoryRegionOps *ops,
                           void *opaque, const char *name, uint64_t size);
MemoryRegion *memory_region_new_io(const MemoryRegionOps *ops, void *opaque,
                                   const char *name, uint64_t size);

/* Reservation: I/O that reads as unassigned (QEMU's init_reservation). */
MemoryRegion *memory_region_new_reservation(const char *name, uint64_t size);

/* RAM backed by a new RAMBlock. @opts may be NULL for anonymous memory.
 * Fails (NULL, errp) for size 0, sizes that cannot be mapped, bad files. */
MemoryRegion *memory_region_new_ram(const char *name, uint64_t size,
                                    const RAMBlockOptions *opts, GError **errp);
/* ROM: RAM that the guest cannot write. As in QEMU 7.2 a write reaches
 * the region's unassigned ops: it is dropped and fails with
 * MEMTX_DECODE_ERROR (address_space_write_rom still writes). */
MemoryRegion *memory_region_new_rom(const char *name, uint64_t size,
                                    GError **errp);
/* ROM device: reads from RAM while in romd mode, writes go to @ops. */
MemoryRegion *memory_region_new_rom_device(const MemoryRegionOps *ops,
                                           void *opaque, const char *name,
                                           uint64_t size, GError **errp);

/* Alias of [offset, offset+size) of @orig. Fails if the window reaches past
 * the end of @orig or @orig is NULL. */
MemoryRegion *memory_region_new_alias(const char *name, MemoryRegion *orig,
                                      hwaddr offset, uint64_t size,
                                      GError **errp);
bool memory_region_init_alias(MemoryRegion *mr, const char *name,
                              MemoryRegion *orig, hwaddr offset,
                              uint64_t size, GError **errp);

/* IOMMU region: translation through @klass (iommu/ builds on this). */
void memory_region_init_iommu(MemoryRegion *mr,
                              const IOMMUMemoryRegionClass *klass,
                              const char *name, uint64_t size);

/* ---- references ---------------------------------------------------- */
void memory_region_ref(MemoryRegion *mr);
/* Drops a reference; at zero the region leaves nothing behind: it must not
 * be in a container then (a container holds a reference). */
void memory_region_unref(MemoryRegion *mr);

/* ---- the tree ------------------------------------------------------ */

/*
 * memory_region_add_subregion: place @sub in container @mr at @offset with
 * priority 0 (add_subregion_overlap: with @priority). Fails if @sub is
 * already in a container, is @mr or an ancestor of @mr, @mr is an alias,
 * or the placement would make an alias cycle. An IOMMU region may hold
 * subregions (they cover its translation where they are, as QEMU's VT-d
 * interrupt window does).
 */
bool memory_region_add_subregion(MemoryRegion *mr, hwaddr offset,
                                 MemoryRegion *sub, GError **errp);
bool memory_region_add_subregion_overlap(MemoryRegion *mr, hwaddr offset,
                                         MemoryRegion *sub, int priority,
                                         GError **errp);
/* Remove @sub from @mr; fails if it is not a child of @mr. */
bool memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *sub,
                                 GError **errp);

void memory_region_set_enabled(MemoryRegion *mr, bool enabled);
void memory_region_set_readonly(MemoryRegion *mr, bool readonly);
void memory_region_set_nonvolatile(MemoryRegion *mr, bool nonvolatile);
void memory_region_set_address(MemoryRegion *mr, hwaddr addr);
/* Changes size; fails for size 0 (or an alias window beyond its target). */
bool memory_region_set_size(MemoryRegion *mr, uint64_t size, GError **errp);
/* Fails if the window would reach past the target's end. */
bool memory_region_set_alias_offset(MemoryRegion *mr, hwaddr offset,
                                    GError **errp);
void memory_region_rom_device_set_romd(MemoryRegion *mr, bool romd_mode);
/* QEMU's memory_region_ram_resize: resize the RAMBlock of a resizeable RAM
 * region (up to its max_size) and the region with it. Fails for a region
 * that is not resizeable RAM, size 0, or a size beyond the maximum. */
bool memory_region_ram_resize(MemoryRegion *mr, uint64_t size, GError **errp);
/* Re-insert @mr among its siblings with a new priority. */
void memory_region_set_priority(MemoryRegion *mr, int priority);

/* Dirty logging for @client (VGA or CODE) on a RAM region. */
void memory_region_set_log(MemoryRegion *mr, bool log, unsigned client);
/* Global dirty logging (MIGRATION client) for every RAM region. */
void memory_global_dirty_log_start(void);
void memory_global_dirty_log_stop(void);
bool memory_global_dirty_log_enabled(void);
/* Calls log_sync of every listener covering @mr. */
void memory_region_sync_dirty_bitmap(MemoryRegion *mr);

/* ---- queries ------------------------------------------------------- */
const char *memory_region_name(const MemoryRegion *mr); /* "anonymous" if none */
/* Size; 2^64 is reported as UINT64_MAX, as QEMU's memory_region_size */
uint64_t memory_region_size(const MemoryRegion *mr);
bool memory_region_is_ram(const MemoryRegion *mr);
bool memory_region_is_rom(const MemoryRegion *mr);
bool memory_region_is_romd(const MemoryRegion *mr);
bool memory_region_is_iommu(const MemoryRegion *mr);
bool memory_region_is_mapped(const MemoryRegion *mr);
bool memory_region_is_logging(const MemoryRegion *mr, unsigned client);
uint8_t memory_region_get_dirty_log_mask(const MemoryRegion *mr);
/* Host pointer to offset 0 of a RAM region (through aliases), or NULL */
uint8_t *memory_region_get_ram_ptr(MemoryRegion *mr);
/* ram_addr of offset 0 of a RAM region, or RAM_ADDR_INVALID */
ram_addr_t memory_region_get_ram_addr(MemoryRegion *mr);
/* Number of direct children; nth in priority order */
guint memory_region_subregion_count(const MemoryRegion *mr);
MemoryRegion *memory_region_subregion(const MemoryRegion *mr, guint n);
/* Absolute address of @mr in its topmost container */
hwaddr memory_region_absolute_address(const MemoryRegion *mr);
/* Type word as printed by info mtree: ram, rom, romd, ramd or i/o */
const char *memory_region_type_name(const MemoryRegion *mr);

/* Dirty bitmap of a RAM region for @client, offsets relative to @mr */
bool memory_region_get_dirty(MemoryRegion *mr, hwaddr addr, hwaddr size,
                             unsigned client);
void memory_region_set_dirty(MemoryRegion *mr, hwaddr addr, hwaddr size);
bool memory_region_test_and_clear_dirty(MemoryRegion *mr, hwaddr addr,
                                        hwaddr size, unsigned client);
void memory_region_reset_dirty(MemoryRegion *mr, hwaddr addr, hwaddr size,
                               unsigned client);

/* ---- MMIO dispatch -------------------------------------------------- */
/*
 * memory_region_dispatch_read/write: an access of @size (1, 2, 4 or 8)
 * bytes at @addr in @mr, checked against ops->valid and split or widened to
 * ops->impl as QEMU's access_with_adjusted_size does; @data is in host order.
 */
MemTxResult memory_region_dispatch_read(MemoryRegion *mr, hwaddr addr,
                                        uint64_t *data, unsigned size,
                                        MemTxAttrs attrs);
MemTxResult memory_region_dispatch_write(MemoryRegion *mr, hwaddr addr,
                                         uint64_t data, unsigned size,
                                         MemTxAttrs attrs);
/* QEMU's memory_region_access_valid */
bool memory_region_access_valid(MemoryRegion *mr, hwaddr addr, unsigned size,
                                bool is_write, MemTxAttrs attrs);

/* ---- transactions --------------------------------------------------- */
/* Changes between begin and the outermost commit are rendered once. */
void memory_region_transaction_begin(void);
void memory_region_transaction_commit(void);
unsigned memory_region_transaction_depth(void);

/* ---- IOMMU hook ----------------------------------------------------- */

typedef enum {
    IOMMU_NONE = 0,
    IOMMU_RO = 1,
    IOMMU_WO = 2,
    IOMMU_RW = 3,
} IOMMUAccessFlags;

#define IOMMU_ACCESS_FLAG(r, w) (((r) ? IOMMU_RO : 0) | ((w) ? IOMMU_WO : 0))

/* Result of one translation: [iova & ~addr_mask, | addr_mask] maps to
 * translated_addr & ~addr_mask in target_as with permission perm. */
typedef struct IOMMUTLBEntry {
    AddressSpace *target_as;
    hwaddr iova;
    hwaddr translated_addr;
    hwaddr addr_mask; /* 0xfff for 4K pages */
    IOMMUAccessFlags perm;
} IOMMUTLBEntry;

/* The part of an IOMMU model's class table the memory floor calls. iommu/
 * extends the region with notifiers; see iommu/iommu.h. */
struct IOMMUMemoryRegionClass {
    const char *name;
    /* Translate @addr for an access of kind @flag; perm NONE means a fault. */
    IOMMUTLBEntry (*translate)(MemoryRegion *iommu, hwaddr addr,
                               IOMMUAccessFlags flag, int iommu_idx);
    uint64_t (*get_min_page_size)(MemoryRegion *iommu);
    int (*attrs_to_index)(MemoryRegion *iommu, MemTxAttrs attrs);
    int (*num_indexes)(MemoryRegion *iommu);
    /* Told when the union of notifier flags changes; returning false (with
     * errp) refuses the registration. (flags: iommu/iommu.h) */
    bool (*notify_flag_changed)(MemoryRegion *iommu, unsigned old_flags,
                                unsigned new_flags, GError **errp);
    /* Model's own replay of its mappings to @n; NULL: the default walk */
    void (*replay)(MemoryRegion *iommu, IOMMUNotifier *n);
};

#endif
