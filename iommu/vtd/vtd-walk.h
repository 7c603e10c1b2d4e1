/*
 * vtd-walk.h - the DMA-remapping half of the Intel VT-d model: guest tables
 * (root, context, PASID, second-level paging), the translate callback,
 * per-device address spaces and notifier synchronisation.
 *
 * This header is the seam between the two halves of iommu/vtd/:
 *   - vtd-internal.h (registers, IntelIOMMUState, VTD_FR_* fault reasons),
 *     vtd-regs.c, vtd-fault.c, vtd-cache.c and vtd-inv.c call what is
 *     declared here;
 *   - vtd-tables.c, vtd-translate.c, vtd-as.c and vtd-notify.c implement it.
 *
 * Table entry types (VTDRootEntry, VTDContextEntry, VTDPASIDDirEntry,
 * VTDPASIDEntry) and VTDAddressSpace are defined here. The context-cache
 * slot inside VTDAddressSpace (context_cache_entry) belongs to vtd-cache.c:
 * this half only reads and fills it through vtd-cache.c's functions.
 *
 * Conventions: functions that read guest tables return 0 or a negative
 * VT-d fault reason (-VTD_FR_*), as QEMU's helpers do. Nothing a guest
 * writes into a table reaches an assertion: tables outside RAM, in MMIO,
 * pointing at themselves or full of reserved bits yield a fault reason.
 */
#ifndef IOMMUSIM_IOMMU_VTD_WALK_H
#define IOMMUSIM_IOMMU_VTD_WALK_H

#include "iommu/iommu.h"
#include "iommu/iova-tree.h"

typedef struct IntelIOMMUState IntelIOMMUState; /* vtd-internal.h */
typedef struct PCIBus PCIBus;                   /* dma/pci.h */
typedef struct VTDAddressSpace VTDAddressSpace;

/* "no PASID": the request-without-PASID address space of a device (QEMU's
 * PCI_NO_PASID). In scalable mode such requests use the context entry's
 * RID_PASID. */
#define VTD_NO_PASID UINT32_MAX

#define VTD_PAGE_SHIFT 12
#define VTD_PAGE_SIZE (1ULL << VTD_PAGE_SHIFT)

/* Interrupt address range, VT-d spec 3.14: 0xFEEx_xxxx */
#define VTD_INTERRUPT_ADDR_FIRST 0xfee00000ULL
#define VTD_INTERRUPT_ADDR_LAST 0xfeefffffULL
#define VTD_INTERRUPT_ADDR_SIZE \
    (VTD_INTERRUPT_ADDR_LAST - VTD_INTERRUPT_ADDR_FIRST + 1)

/* ---- table entries (VT-d spec 9.1 - 9.6) ------------------------------- */

/* Root entry, 128 bits (legacy 9.1; scalable 9.2: lo = lower half, hi =
 * upper half, each with its own present bit and context table pointer). */
typedef struct VTDRootEntry {
    uint64_t lo;
    uint64_t hi;
} VTDRootEntry;

/* Context entry: 128 bits in legacy mode (9.3), 256 bits in scalable mode
 * (9.4); legacy entries leave val[2], val[3] zero. */
typedef struct VTDContextEntry {
    union {
        struct {
            uint64_t lo;
            uint64_t hi;
        };
        uint64_t val[4];
    };
} VTDContextEntry;

/* Scalable-mode PASID directory entry, 64 bits (9.5) */
typedef struct VTDPASIDDirEntry {
    uint64_t val;
} VTDPASIDDirEntry;

/* Scalable-mode PASID table entry, 512 bits (9.6) */
typedef struct VTDPASIDEntry {
    uint64_t val[8];
} VTDPASIDEntry;

/* What the context cache keeps per address space: the entry and the
 * generation of IntelIOMMUState.context_cache_gen it was read in (0: never
 * valid). Owned by vtd-cache.c. */
typedef struct VTDContextCacheEntry {
    uint32_t context_cache_gen;
    VTDContextEntry context_entry;
} VTDContextCacheEntry;

/* ---- per-device address space (vtd-as.c) -------------------------------- */

struct VTDAddressSpace {
    IOMMUMemoryRegion iommu;   /* "vtd-BB.F-dmar" (first: the region's
                                * destructor finds us from it) */
    PCIBus *bus;
    uint8_t devfn;
    uint32_t pasid;            /* VTD_NO_PASID for the device's own AS */
    AddressSpace as;           /* named "vtd-root" as in QEMU */
    MemoryRegion root;         /* container "vtd-BB.F" */
    MemoryRegion nodmar;       /* alias "vtd-nodmar" of the shared region */
    MemoryRegion iommu_ir;     /* alias "vtd-ir", at 0xfee00000 prio 1 */
    MemoryRegion iommu_ir_fault; /* "vtd-no-ir" at 0xfee00000 prio 2 */
    IntelIOMMUState *iommu_state;
    VTDContextCacheEntry context_cache_entry; /* vtd-cache.c's */
    /* Union of the flags of the notifiers registered on iommu */
    IOMMUNotifierFlag notifier_flags;
    /* What the notifiers were told is mapped (vtd-notify.c) */
    IOVATree *iova_tree;
    uint32_t iova_tree_gen;    /* bumped at every change of iova_tree */
    bool on_notifier_list;     /* in IntelIOMMUState's list of AS with
                                * notifiers (vtd-notify.c keeps it) */
    bool use_iommu;            /* as last switched */
    /* A sync was given up for want of the register write's work budget:
     * the notifiers were told the whole range is unmapped, and the next
     * invalidation that reaches this address space resyncs all of it
     * (vtd-notify.c) */
    bool resync_pending;
};

/*
 * vtd_address_spaces_init: create the regions all devices share ("vtd-nodmar"
 * container aliasing system memory, "vtd-ir" interrupt window) and the table
 * of address spaces. Called once by realize, before any vtd_find_add_as.
 * @system_memory: the machine's system memory region (the no-DMAR alias
 * target, also where the interrupt window forwards to).
 */
void vtd_address_spaces_init(IntelIOMMUState *s, MemoryRegion *system_memory);
/* Destroy every address space and the shared regions. */
void vtd_address_spaces_destroy(IntelIOMMUState *s);

/*
 * vtd_find_add_as: the address space of (@bus, @devfn, @pasid), created on
 * first use with QEMU's region layout and switched for the current state.
 */
VTDAddressSpace *vtd_find_add_as(IntelIOMMUState *s, PCIBus *bus, int devfn,
                                 uint32_t pasid);

/* The PCI bus hook (pci_setup_iommu): the device's AddressSpace; @opaque
 * is the IntelIOMMUState. */
AddressSpace *vtd_host_dma_iommu(PCIBus *bus, void *opaque, int devfn);

/* The no-PASID address space whose current source-id (bus number as the
 * guest programmed it, devfn) is @sid, or NULL. */
VTDAddressSpace *vtd_get_as_by_sid(IntelIOMMUState *s, uint16_t sid);

/* Source-id of @vtd_as now: bus number << 8 | devfn. */
uint16_t vtd_as_sid(const VTDAddressSpace *vtd_as);

/* Call @fn on every address space (no additions or removals meanwhile). */
void vtd_as_foreach(IntelIOMMUState *s,
                    void (*fn)(VTDAddressSpace *vtd_as, void *opaque),
                    void *opaque);

/* Whether @vtd_as is selected by a device-selective context invalidation of
 * @sid with function mask @fm (CCMD.FM / descriptor FM, VT-d spec 6.5.1.1,
 * 10.4.7: fm 1 ignores bit 2 of the function, 2 bits 2:1, 3 bits 2:0). */
bool vtd_as_matches_sid(const VTDAddressSpace *vtd_as, uint16_t sid,
                        unsigned fm);

/*
 * vtd_switch_address_space: enable the DMAR region or the no-DMAR alias of
 * @vtd_as for the current TE state and the device's context (pass-through
 * uses no-DMAR). Returns whether the DMAR region is in use.
 */
bool vtd_switch_address_space(VTDAddressSpace *vtd_as);
/* The same for every address space (in one memory transaction). */
void vtd_switch_address_spaces(IntelIOMMUState *s);

/*
 * vtd_address_space_refresh_all: what SRTP and a TE change need besides
 * emptying the caches: tell every notifier that its whole range is unmapped
 * (forgetting what it was told) and switch every address space.
 */
void vtd_address_space_refresh_all(IntelIOMMUState *s);

/* ---- guest tables (vtd-tables.c) ---------------------------------------- */

/*
 * vtd_dev_to_context_entry: read and check the root and context entries of
 * (@bus_num, @devfn) from the root table at IntelIOMMUState.root (legacy or
 * scalable as root_scalable says). In scalable mode the RID_PASID entry is
 * checked as well. 0 or -VTD_FR_* (root/context not present, reserved bits,
 * invalid programming, table unreadable).
 */
int vtd_dev_to_context_entry(IntelIOMMUState *s, uint8_t bus_num,
                             uint8_t devfn, VTDContextEntry *ce);

/* Domain-id of the context (legacy: context entry; scalable: the PASID
 * entry of @pasid, RID_PASID for VTD_NO_PASID). */
uint16_t vtd_get_domain_id(IntelIOMMUState *s, VTDContextEntry *ce,
                           uint32_t pasid);

/* Whether the context (legacy TT or scalable PGTT of @pasid) is
 * pass-through. */
bool vtd_dev_pt_enabled(IntelIOMMUState *s, VTDContextEntry *ce,
                        uint32_t pasid);

/* ---- translation (vtd-translate.c) --------------------------------------- */

/* The class of the per-device DMAR regions. */
extern const IOMMUMemoryRegionClass vtd_iommu_memory_region_class;

/* ---- notifier synchronisation (vtd-notify.c) ----------------------------- */
/*
 * All of these do nothing for address spaces without IOTLB-event notifiers;
 * they never touch the IOTLB or context cache (the caller empties those
 * first). MAP/UNMAP events are sent only where the guest tables and what
 * the notifiers were told differ.
 */

/* Global IOTLB invalidation, global context invalidation: resync every
 * address space with notifiers over its whole range. */
void vtd_sync_notifiers_all(IntelIOMMUState *s);

/* Domain-selective IOTLB invalidation: resync the address spaces whose
 * context is in domain @domain_id. */
void vtd_sync_notifiers_domain(IntelIOMMUState *s, uint16_t domain_id);

/*
 * Page-selective IOTLB invalidation of 2^@am pages at @addr (4 KiB aligned,
 * VT-d spec 6.5.1.2/10.4.8.1) in @domain_id: resync only that range (MAP
 * notifiers), or send one UNMAP of the range (address spaces with UNMAP-only
 * notifiers). @pasid: VTD_NO_PASID for every address space of the domain,
 * else only that PASID's (PASID-based IOTLB invalidation).
 */
void vtd_sync_notifiers_page(IntelIOMMUState *s, uint16_t domain_id,
                             hwaddr addr, unsigned am, uint32_t pasid);

/* PASID-selective IOTLB invalidation: resync the address spaces of @pasid
 * in @domain_id over their whole range. */
void vtd_sync_notifiers_pasid(IntelIOMMUState *s, uint16_t domain_id,
                              uint32_t pasid);

/*
 * Device-selective context invalidation (@sid, function mask @fm): for each
 * matching address space, switch it (the device may have entered or left
 * pass-through) and resync its notifiers (a context no longer present
 * unmaps everything). The caller invalidates the context cache of those
 * address spaces first.
 */
void vtd_sync_context_device(IntelIOMMUState *s, uint16_t sid, unsigned fm);

/* The same for one address space (after its context cache entry was
 * invalidated). */
void vtd_sync_address_space(VTDAddressSpace *vtd_as);

/*
 * Work budget of one register write (DESIGN.md: guest tables never cause a
 * hang without limit). Each sync stops at its own entry budget, but one
 * tail write can queue 65,536 invalidations, each syncing every address
 * space. vtd_sync_work_begin/end bracket what one register write does
 * (register-based invalidation, a run of the queue); nested brackets share
 * the outermost one's budget. Within it, the syncs together look at most
 * at about VTD_SYNC_WRITE_BUDGET page-table entries; syncs past it are
 * replaced by an UNMAP of the address space's whole range (so that nothing
 * stale stays mapped when a wait descriptor completes) and a full resync at
 * the next invalidation that reaches it; counted in VTDStats.sync_budget_*.
 */
#define VTD_SYNC_BUDGET (1ULL << 24)      /* entries one sync looks at */
/* Entries all the syncs of one register write look at: two syncs at their
 * own budget (0.4-1.2 s each on a developer machine), so that one MMIO
 * write costs at most a second or two whatever the queue holds. A sync
 * takes what the write has left when it begins; only notifiers that
 * invalidate from their callbacks (host code, not the guest) can make
 * nested syncs overrun it. */
#define VTD_SYNC_WRITE_BUDGET (2 * VTD_SYNC_BUDGET)
void vtd_sync_work_begin(IntelIOMMUState *s);
void vtd_sync_work_end(IntelIOMMUState *s);

/*
 * Device-IOTLB invalidation (VT-d spec 6.5.2.5): tell the DEVIOTLB_UNMAP
 * notifiers of the device @sid about [@addr, @addr + @addr_mask] (the
 * caller decodes the descriptor's S bit into a naturally aligned range).
 */
void vtd_deviotlb_invalidate(IntelIOMMUState *s, uint16_t sid, hwaddr addr,
                             hwaddr addr_mask);

/* ---- inside the translation half ------------------------------------------
 * What vtd-tables.c gives vtd-translate.c, vtd-as.c and vtd-notify.c. */

/* What a walk needs, resolved from a context entry (and in scalable mode
 * the PASID entry): VT-d spec 3.6 (legacy), 3.6.2/9.6 (scalable). */
typedef struct VTDWalkCtx {
    hwaddr pgtbl;        /* top-level second-level table */
    unsigned level;      /* 3 or 4 (SAGAW checked) */
    unsigned agaw;       /* 39 or 48 */
    uint16_t domain_id;
    uint32_t pasid;      /* RID_PASID resolved in scalable mode; VTD_NO_PASID
                          * in legacy mode for requests without PASID */
    bool pt;             /* pass-through (legacy TT 10b, scalable PGTT 100b) */
} VTDWalkCtx;

/* Read @len bytes of guest memory at @addr through the system address
 * space: false when the read did not complete with MEMTX_OK. */
bool vtd_read_guest(IntelIOMMUState *s, hwaddr addr, void *buf, hwaddr len);

/*
 * vtd_ce_resolve: fill @ctx from the checked context entry @ce for requests
 * with @pasid (VTD_NO_PASID: without PASID; RID_PASID in scalable mode).
 * 0 or -VTD_FR_* (scalable: PASID directory/table entry problems).
 */
int vtd_ce_resolve(IntelIOMMUState *s, const VTDContextEntry *ce,
                   uint32_t pasid, VTDWalkCtx *ctx);

/* Fault processing disable for @pasid in scalable mode (PASID directory
 * entry, then PASID entry, VT-d spec 9.5/9.6); legacy: false. 0 or
 * -VTD_FR_*. The context entry's own FPD is the caller's. */
int vtd_ce_get_pasid_fpd(IntelIOMMUState *s, const VTDContextEntry *ce,
                         uint32_t pasid, bool *fpd);

/*
 * vtd_iova_to_slpte: walk the second-level tables of @ctx for @iova
 * (VT-d spec 3.6, 9.8): permissions of every level stacked into @reads and
 * @writes (which start true), reserved bits checked at every level, the
 * walk ends at a leaf after at most @ctx->level reads, so a table that
 * points at itself or at a higher level only loops that many times. On
 * success *slpte is the leaf, *level its level. 0 or -VTD_FR_*.
 */
int vtd_iova_to_slpte(IntelIOMMUState *s, const VTDWalkCtx *ctx, hwaddr iova,
                      bool is_write, uint64_t *slpte, unsigned *level,
                      bool *reads, bool *writes);

/* Compute IntelIOMMUState.slpte_rsvd* (once, from the properties) */
void vtd_init_slpte_rsvd(IntelIOMMUState *s);

/* Output address of a leaf or next table of second-level entry @slpte */
uint64_t vtd_slpte_addr(IntelIOMMUState *s, uint64_t slpte);

/* Whether @slpte at @level sets a reserved bit (aw-bits, CAP.SLLPS,
 * device-IOTLB, snoop control; VT-d spec 9.8) */
bool vtd_slpte_nonzero_rsvd(IntelIOMMUState *s, uint64_t slpte,
                            unsigned level);

/*
 * Range walk (for notifier synchronisation): every piece of
 * [@start, @last] is reported once, in address order, as the whole range of
 * the entry that decides it: a leaf (perm != NONE, @translated its output)
 * or a hole (perm NONE: not present, no permission left, reserved bits,
 * unreadable, output in the interrupt range). @mask: size - 1 of the
 * entry's range (naturally aligned). The callback returns false to stop.
 * *budget counts entries looked at and stops the walk at 0 (a guest can
 * alias tables to make a space with 2^36 pages out of a few tables).
 * Returns false when stopped (budget or callback).
 */
typedef bool (*VTDWalkFn)(void *opaque, hwaddr iova, hwaddr mask,
                          hwaddr translated, IOMMUAccessFlags perm);
bool vtd_page_walk(IntelIOMMUState *s, const VTDWalkCtx *ctx, hwaddr start,
                   hwaddr last, VTDWalkFn fn, void *opaque, uint64_t *budget);

/* Notifier bookkeeping of the IOMMU region (vtd-notify.c) */
bool vtd_iommu_notify_flag_changed(MemoryRegion *iommu, unsigned old_flags,
                                   unsigned new_flags, GError **errp);
void vtd_iommu_replay(MemoryRegion *iommu, IOMMUNotifier *n);
/* Forget what the notifiers of @vtd_as were told (AS going away). */
void vtd_notify_forget(VTDAddressSpace *vtd_as);

/* Report a fault of a request of @vtd_as (vtd-translate.c): records the
 * PASID as QEMU 7.2 does (bits 15:0 only; 0xffff without PASID). */
void vtd_as_report_fault(VTDAddressSpace *vtd_as, int reason, bool fpd,
                         hwaddr addr, bool is_write, bool is_pasid,
                         uint32_t pasid);

/* First address above what a context of @agaw translates on a unit of
 * @aw bits: 2^min(AGAW, MGAW) (VT-d spec 3.6: input address check) */
static inline uint64_t vtd_ctx_iova_limit_aw(unsigned agaw, unsigned aw)
{
    return 1ULL << MIN(agaw, aw);
}

#endif
