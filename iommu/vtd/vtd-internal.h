/*
 * vtd-internal.h - Intel VT-d (DMA remapping) model: state, register
 * layout and the functions the parts of the model call in each other.
 *
 * Shared by the two halves of the model:
 *   registers, faults, caches, invalidation (vtd-regs.c, vtd-fault.c,
 *   vtd-cache.c, vtd-inv.c, vtd.c)  -- owner of this header;
 *   tables, walk, address spaces, notifiers (vtd-tables.c,
 *   vtd-translate.c, vtd-as.c, vtd-notify.c; their API: vtd-walk.h).
 *
 * Contract: this header only grows. Fields and names here are not renamed
 * or removed; the translation half adds what it needs in the marked
 * blocks (or in vtd-walk.h).
 *
 * Register offsets, bit positions and reset values follow the Intel VT-d
 * specification (rev. 3.x, chapter 10 "Register Descriptions") and the
 * values QEMU 7.2 exposes for the same properties (checked by qtest reads
 * of qemu-system-x86_64 7.2; see tests/unit/test-vtd-regs.c).
 */
#ifndef IOMMUSIM_IOMMU_VTD_INTERNAL_H
#define IOMMUSIM_IOMMU_VTD_INTERNAL_H

#include "iommu/iommu.h"
#include "iommu/iova-tree.h"
#include "iommu/vtd/vtd.h"
#include "iommu/vtd/vtd-walk.h"

/* ======================================================================
 * Register file (VT-d spec 10.4, "Register Descriptions")
 * ====================================================================== */

#define VTD_REG_BASE            0xfed90000ULL /* q35: DMAR unit base */

#define VTD_REG_VER             0x000 /* 10.4.1 Version */
#define VTD_REG_CAP             0x008 /* 10.4.2 Capability */
#define VTD_REG_ECAP            0x010 /* 10.4.3 Extended Capability */
#define VTD_REG_GCMD            0x018 /* 10.4.4 Global Command */
#define VTD_REG_GSTS            0x01c /* 10.4.5 Global Status */
#define VTD_REG_RTADDR          0x020 /* 10.4.6 Root Table Address */
#define VTD_REG_CCMD            0x028 /* 10.4.7 Context Command */
#define VTD_REG_FSTS            0x034 /* 10.4.9 Fault Status */
#define VTD_REG_FECTL           0x038 /* 10.4.10 Fault Event Control */
#define VTD_REG_FEDATA          0x03c /* 10.4.11 Fault Event Data */
#define VTD_REG_FEADDR          0x040 /* 10.4.12 Fault Event Address */
#define VTD_REG_FEUADDR         0x044 /* 10.4.13 Fault Event Upper Addr */
#define VTD_REG_AFLOG           0x058 /* 10.4.15 Advanced Fault Log */
#define VTD_REG_PMEN            0x064 /* 10.4.16 Protected Memory Enable */
#define VTD_REG_PLMBASE         0x068
#define VTD_REG_PLMLIMIT        0x06c
#define VTD_REG_PHMBASE         0x070
#define VTD_REG_PHMLIMIT        0x078
#define VTD_REG_IQH             0x080 /* 10.4.22 Invalidation Queue Head */
#define VTD_REG_IQT             0x088 /* 10.4.23 Invalidation Queue Tail */
#define VTD_REG_IQA             0x090 /* 10.4.24 Invalidation Queue Addr */
#define VTD_REG_ICS             0x09c /* 10.4.25 Inv. Completion Status */
#define VTD_REG_IECTL           0x0a0 /* 10.4.26 Inv. Event Control */
#define VTD_REG_IEDATA          0x0a4 /* 10.4.27 Inv. Event Data */
#define VTD_REG_IEADDR          0x0a8 /* 10.4.28 Inv. Event Address */
#define VTD_REG_IEUADDR         0x0ac /* 10.4.29 Inv. Event Upper Addr */
#define VTD_REG_IRTA            0x0b8 /* 10.4.31 Int. Remapping Table Addr */

/* IOTLB registers: ECAP.IRO * 16 (10.4.8) */
#define VTD_REG_IOTLB_BASE      0x0f0
#define VTD_REG_IVA             (VTD_REG_IOTLB_BASE + 0x0) /* 10.4.8.2 */
#define VTD_REG_IOTLB           (VTD_REG_IOTLB_BASE + 0x8) /* 10.4.8.1 */

/* Fault recording registers: CAP.FRO * 16 (10.4.14); 128 bits each.
 * QEMU 7.2 has one (CAP.NFR = 0). */
#define VTD_REG_FRCD_BASE       0x220
#define VTD_FRCD_COUNT          1
#define VTD_REG_FRCD_LO(i)      (VTD_REG_FRCD_BASE + 16 * (i))
#define VTD_REG_FRCD_HI(i)      (VTD_REG_FRCD_BASE + 16 * (i) + 8)

/* Size of the register window (QEMU 7.2: 0x230) */
#define VTD_REG_SIZE            (VTD_REG_FRCD_BASE + 16 * VTD_FRCD_COUNT)

/* ---- VER (10.4.1): major 1, minor 0 ---------------------------------- */
#define VTD_VER_VALUE           0x10u

/* ---- CAP (10.4.2) ---------------------------------------------------- */
#define VTD_CAP_ND_SHIFT        0       /* number of domains: 2^(4+2*ND) */
#define VTD_CAP_ND_16BIT        6ULL    /* 65536 domains, 16-bit DID */
#define VTD_CAP_CM              (1ULL << 7)   /* caching mode */
#define VTD_CAP_SAGAW_SHIFT     8
#define VTD_CAP_SAGAW_MASK      (0x1fULL << 8)
#define VTD_CAP_SAGAW_39        (2ULL << 8)   /* 3-level tables */
#define VTD_CAP_SAGAW_48        (4ULL << 8)   /* 4-level tables */
#define VTD_CAP_MGAW_SHIFT      16            /* MGAW = aw - 1 */
#define VTD_CAP_MGAW(aw)        ((((uint64_t)(aw) - 1) & 0x3f) << 16)
#define VTD_CAP_FRO_SHIFT       24            /* offset / 16 */
#define VTD_CAP_FRO             ((uint64_t)(VTD_REG_FRCD_BASE / 16) << 24)
#define VTD_CAP_SLLPS_2M        (1ULL << 34)
#define VTD_CAP_SLLPS_1G        (1ULL << 35)
#define VTD_CAP_PSI             (1ULL << 39)  /* page-selective inv. */
#define VTD_CAP_NFR_SHIFT       40            /* count - 1 */
#define VTD_CAP_NFR             ((uint64_t)(VTD_FRCD_COUNT - 1) << 40)
#define VTD_CAP_MAMV_SHIFT      48
#define VTD_MAMV                18            /* max address mask value */
#define VTD_CAP_MAMV            ((uint64_t)VTD_MAMV << 48)
#define VTD_CAP_DWD             (1ULL << 54)  /* write draining */
#define VTD_CAP_DRD             (1ULL << 55)  /* read draining */

/* ---- ECAP (10.4.3) --------------------------------------------------- */
#define VTD_ECAP_C              (1ULL << 0)
#define VTD_ECAP_QI             (1ULL << 1)   /* queued invalidation */
#define VTD_ECAP_DT             (1ULL << 2)   /* device-IOTLB */
#define VTD_ECAP_IR             (1ULL << 3)   /* interrupt remapping */
#define VTD_ECAP_EIM            (1ULL << 4)   /* x2APIC mode */
#define VTD_ECAP_PT             (1ULL << 6)   /* pass-through */
#define VTD_ECAP_SC             (1ULL << 7)   /* snoop control */
#define VTD_ECAP_IRO_SHIFT      8             /* IOTLB regs offset / 16 */
#define VTD_ECAP_IRO            ((uint64_t)(VTD_REG_IOTLB_BASE / 16) << 8)
#define VTD_ECAP_MHMV           (15ULL << 20) /* handle mask max */
#define VTD_ECAP_SRS            (1ULL << 31)  /* supervisor requests */
#define VTD_ECAP_PASID          (1ULL << 40)
#define VTD_ECAP_SMTS           (1ULL << 43)  /* scalable mode */
#define VTD_ECAP_SLTS           (1ULL << 46)  /* second-level in SM */

/* ---- GCMD / GSTS (10.4.4, 10.4.5): same bit positions ---------------- */
#define VTD_GCMD_TE             (1u << 31)
#define VTD_GCMD_SRTP           (1u << 30)
#define VTD_GCMD_SFL            (1u << 29)
#define VTD_GCMD_EAFL           (1u << 28)
#define VTD_GCMD_WBF            (1u << 27)
#define VTD_GCMD_QIE            (1u << 26)
#define VTD_GCMD_IRE            (1u << 25)
#define VTD_GCMD_SIRTP          (1u << 24)
#define VTD_GCMD_CFI            (1u << 23)
#define VTD_GSTS_TES            (1u << 31)
#define VTD_GSTS_RTPS           (1u << 30)
#define VTD_GSTS_FLS            (1u << 29)
#define VTD_GSTS_AFLS           (1u << 28)
#define VTD_GSTS_WBFS           (1u << 27)
#define VTD_GSTS_QIES           (1u << 26)
#define VTD_GSTS_IRES           (1u << 25)
#define VTD_GSTS_IRTPS          (1u << 24)
#define VTD_GSTS_CFIS           (1u << 23)

/* ---- RTADDR (10.4.6) ------------------------------------------------- */
#define VTD_RTADDR_TTM_SHIFT    10            /* 01b: scalable mode */
#define VTD_RTADDR_SMT          (1ULL << 10)
#define VTD_HAW_MASK(aw)        ((1ULL << (aw)) - 1)
#define VTD_ADDR_4K_MASK(aw)    (VTD_HAW_MASK(aw) & ~0xfffULL)

/* ---- CCMD (10.4.7) --------------------------------------------------- */
#define VTD_CCMD_ICC            (1ULL << 63)  /* invalidate (busy) */
#define VTD_CCMD_CIRG_SHIFT     61            /* requested granularity */
#define VTD_CCMD_CIRG_MASK      (3ULL << 61)
#define VTD_CCMD_CAIG_SHIFT     59            /* actual granularity */
#define VTD_CCMD_CAIG_MASK      (3ULL << 59)
#define VTD_CCMD_G_GLOBAL       1
#define VTD_CCMD_G_DOMAIN       2
#define VTD_CCMD_G_DEVICE       3
#define VTD_CCMD_FM(v)          (((v) >> 32) & 3)
#define VTD_CCMD_SID(v)         ((uint16_t)((v) >> 16))
#define VTD_CCMD_DID(v)         ((uint16_t)(v))

/* ---- IOTLB / IVA (10.4.8.1, 10.4.8.2) -------------------------------- */
#define VTD_IOTLB_IVT           (1ULL << 63)
#define VTD_IOTLB_IIRG_SHIFT    60            /* requested granularity */
#define VTD_IOTLB_IIRG_MASK     (3ULL << 60)
#define VTD_IOTLB_IAIG_SHIFT    57            /* actual granularity */
#define VTD_IOTLB_IAIG_MASK     (3ULL << 57)
#define VTD_IOTLB_G_GLOBAL      1
#define VTD_IOTLB_G_DOMAIN      2
#define VTD_IOTLB_G_PAGE        3
#define VTD_IOTLB_DR            (1ULL << 49)
#define VTD_IOTLB_DW            (1ULL << 48)
#define VTD_IOTLB_DID(v)        ((uint16_t)((v) >> 32))
#define VTD_IVA_ADDR(v)         ((v) & ~0xfffULL)
#define VTD_IVA_IH              (1ULL << 6)
#define VTD_IVA_AM(v)           ((unsigned)((v) & 0x3f))

/* ---- FSTS (10.4.9) --------------------------------------------------- */
#define VTD_FSTS_PFO            (1u << 0)     /* primary fault overflow */
#define VTD_FSTS_PPF            (1u << 1)     /* primary pending fault */
#define VTD_FSTS_AFO            (1u << 2)
#define VTD_FSTS_APF            (1u << 3)
#define VTD_FSTS_IQE            (1u << 4)     /* inv. queue error */
#define VTD_FSTS_ICE            (1u << 5)     /* inv. completion error */
#define VTD_FSTS_ITE            (1u << 6)     /* inv. time-out error */
#define VTD_FSTS_FRI_SHIFT      8             /* fault record index */
#define VTD_FSTS_FRI_MASK       (0xffu << 8)

/* ---- FECTL / IECTL (10.4.10, 10.4.26) -------------------------------- */
#define VTD_FECTL_IM            (1u << 31)    /* interrupt mask */
#define VTD_FECTL_IP            (1u << 30)    /* interrupt pending */
#define VTD_IECTL_IM            (1u << 31)
#define VTD_IECTL_IP            (1u << 30)

/* ---- ICS (10.4.25) --------------------------------------------------- */
#define VTD_ICS_IWC             (1u << 0)     /* wait descriptor complete */

/* ---- IQA / IQT / IQH (10.4.22-24) ------------------------------------ */
#define VTD_IQA_QS_MASK         0x7ULL        /* 2^QS 4-KiB pages */
#define VTD_IQA_DW              (1ULL << 11)  /* 256-bit descriptors */
#define VTD_IQ_QT_SHIFT_128     4             /* QT field for 128-bit */
#define VTD_IQ_QT_SHIFT_256     5             /* QT field for 256-bit */
#define VTD_IQT_QT_MASK         0x7fff0ULL    /* bits 18:4 */

/* ---- IRTA (10.4.31) -------------------------------------------------- */
#define VTD_IRTA_S_MASK         0xfULL        /* 2^(S+1) entries */
#define VTD_IRTA_EIME           (1ULL << 11)

/* ---- Fault recording register (10.4.14) ------------------------------ */
/* low quadword: FI (page address of the faulting request) */
#define VTD_FRCD_LO_FI(addr)    ((addr) & ~0xfffULL)
/* high quadword */
#define VTD_FRCD_HI_SID_MASK    0xffffULL             /* bits 79:64 */
#define VTD_FRCD_HI_PRIV        (1ULL << 29)          /* PRIV (bit 93) */
#define VTD_FRCD_HI_EXE         (1ULL << 30)
#define VTD_FRCD_HI_PP          (1ULL << 31)          /* PASID present */
#define VTD_FRCD_HI_FR_SHIFT    32                    /* reason 103:96 */
#define VTD_FRCD_HI_PV_SHIFT    40                    /* PASID 123:104 */
#define VTD_FRCD_HI_AT_SHIFT    60
#define VTD_FRCD_HI_T           (1ULL << 62)          /* 1: read */
#define VTD_FRCD_HI_F           (1ULL << 63)          /* fault, RW1C */

/* Interrupt window: VTD_INTERRUPT_ADDR_* in vtd-walk.h */

/* ======================================================================
 * Fault reasons (VT-d spec 7.1.3, table "Unrecoverable Fault Conditions",
 * and 7.1.1 for interrupt remapping). Values are the specification's.
 * ====================================================================== */
typedef enum VTDFaultReason {
    VTD_FR_NONE = 0,               /* no fault (0 is reserved) */
    VTD_FR_ROOT_ENTRY_P = 0x1,     /* root entry not present */
    VTD_FR_CONTEXT_ENTRY_P = 0x2,  /* context entry not present */
    VTD_FR_CONTEXT_ENTRY_INV = 0x3,/* invalid context entry programming */
    VTD_FR_ADDR_BEYOND_MGAW = 0x4, /* input address above 2^AW - 1 */
    VTD_FR_WRITE = 0x5,            /* write without write permission */
    VTD_FR_READ = 0x6,             /* read without read permission */
    VTD_FR_PAGING_ENTRY_INV = 0x7, /* paging entry not accessible */
    VTD_FR_ROOT_TABLE_INV = 0x8,   /* root table not accessible */
    VTD_FR_CONTEXT_TABLE_INV = 0x9,/* context table not accessible */
    VTD_FR_ROOT_ENTRY_RSVD = 0xa,  /* reserved bit in root entry */
    VTD_FR_CONTEXT_ENTRY_RSVD = 0xb,/* reserved bit in context entry */
    VTD_FR_PAGING_ENTRY_RSVD = 0xc,/* reserved bit in paging entry */
    VTD_FR_CONTEXT_ENTRY_TT = 0xd, /* request blocked by context TT */
    VTD_FR_INTERRUPT_ADDR = 0xe,   /* output address in interrupt range */
    /* interrupt remapping (7.1.1) */
    VTD_FR_IR_REQ_RSVD = 0x20,
    VTD_FR_IR_INDEX_OVER = 0x21,
    VTD_FR_IR_ENTRY_P = 0x22,
    VTD_FR_IR_ROOT_INVAL = 0x23,
    VTD_FR_IR_IRTE_RSVD = 0x24,
    VTD_FR_IR_REQ_COMPAT = 0x25,
    VTD_FR_IR_SID_ERR = 0x26,
    /* scalable mode (7.1.3, "SM" conditions) */
    VTD_FR_PASID_TABLE_INV = 0x58, /* PASID table entry invalid (SCT.x) */
    VTD_FR_SM_INTERRUPT_ADDR = 0x87,
    VTD_FR_MAX = 0x100,
} VTDFaultReason;

/* ======================================================================
 * Invalidation descriptors (VT-d spec 6.5.2)
 * ====================================================================== */
#define VTD_INV_DESC_TYPE_LO(lo)    ((lo) & 0xf)        /* bits 3:0 */
#define VTD_INV_DESC_TYPE_HI(lo)    (((lo) >> 9) & 0x7) /* bits 11:9 */
#define VTD_INV_DESC_NONE       0   /* nothing processed yet */
#define VTD_INV_DESC_CC         1   /* 6.5.2.1 context-cache */
#define VTD_INV_DESC_IOTLB      2   /* 6.5.2.3 IOTLB */
#define VTD_INV_DESC_DEVICE     3   /* 6.5.2.5 device-TLB */
#define VTD_INV_DESC_IEC        4   /* 6.5.2.7 interrupt entry cache */
#define VTD_INV_DESC_WAIT       5   /* 6.5.2.8 invalidation wait */
#define VTD_INV_DESC_PIOTLB     6   /* 6.5.2.4 PASID-based IOTLB */
#define VTD_INV_DESC_PC         7   /* 6.5.2.2 PASID-cache */

/* Most descriptors processed in one tail write; the rest wait for the
 * next tail write (vtd_fetch_inv_desc). Guards against queues that feed
 * themselves (a wait status write into IQT). */
#define VTD_IQ_BUDGET           65536

/* A descriptor, 128 or 256 bits (IQA.DW) */
typedef struct VTDInvDesc {
    uint64_t val[4]; /* val[0] = low 64 bits */
} VTDInvDesc;

/* Table entry types (VTDRootEntry, VTDContextEntry, VTDPASIDDirEntry,
 * VTDPASIDEntry), VTDContextCacheEntry, VTDAddressSpace and VTD_NO_PASID:
 * vtd-walk.h (translation half). */

/* ======================================================================
 * IOTLB (vtd-cache.c)
 * ====================================================================== */
#define VTD_IOTLB_MAX_SIZE      1024  /* emptied when it reaches this */

/* Page sizes of the second-level levels (level 1: 4 KiB; VTD_PAGE_SHIFT
 * in vtd-walk.h) */
#define VTD_LEVEL_BITS          9
static inline unsigned vtd_level_shift(unsigned level)
{
    return VTD_PAGE_SHIFT + (level - 1) * VTD_LEVEL_BITS;
}
static inline uint64_t vtd_level_page_mask(unsigned level)
{
    return ~((1ULL << vtd_level_shift(level)) - 1);
}

/* One cached translation, keyed by (gfn at its level, sid, pasid, level) */
typedef struct VTDIOTLBEntry {
    uint64_t gfn;          /* (addr & page_mask(level)) >> 12 */
    uint64_t slpte;        /* the leaf entry */
    uint64_t mask;         /* page mask of the level: ~(size - 1) */
    uint32_t pasid;        /* VTD_NO_PASID for requests without */
    uint16_t domain_id;
    uint16_t sid;          /* source id: bus << 8 | devfn */
    uint8_t level;         /* 1: 4K, 2: 2M, 3: 1G */
    uint8_t access_flags;  /* IOMMUAccessFlags */
} VTDIOTLBEntry;

typedef struct VTDIOTLB VTDIOTLB; /* private to vtd-cache.c */

/* ======================================================================
 * Statistics (read by the Lua binding)
 * ====================================================================== */
typedef struct VTDStats {
    uint64_t iotlb_hits, iotlb_misses, iotlb_flushes_full;
    uint64_t ctx_hits, ctx_misses;
    uint64_t walks;              /* translation half counts its walks */
    uint64_t faults;             /* faults reported (recorded or not) */
    uint64_t faults_recorded, faults_collapsed, faults_overflow;
    uint64_t faults_fpd;         /* suppressed by fault processing disable */
    uint64_t fault_events, inv_events; /* MSIs sent */
    uint64_t inv_cc_global, inv_cc_domain, inv_cc_device;
    uint64_t inv_iotlb_global, inv_iotlb_domain, inv_iotlb_page;
    uint64_t inv_piotlb, inv_pc, inv_dev_iotlb, inv_iec, inv_wait;
    uint64_t inv_queue_errors;   /* IQE set */
    uint64_t inv_descs;          /* queued descriptors processed */
    /* Notifier sync work (vtd-notify.c; not in vtd_stats()'s list, the
     * Lua binding adds them): page-table entries the syncs looked at;
     * register writes whose syncs ran out of the write's work budget;
     * syncs replaced, for want of budget, by an UNMAP of the address
     * space's whole range and a full resync at its next invalidation */
    uint64_t sync_entries;
    uint64_t sync_budget_exceeded;
    uint64_t sync_budget_skipped;
} VTDStats;

/* ======================================================================
 * The device
 * ====================================================================== */
struct IntelIOMMUState {
    /* ---- configuration (-device intel-iommu,...; vtd.h) ---- */
    VTDProperties props;
    uint8_t aw_bits;            /* 39 or 48 */
    bool caching_mode;
    bool scalable_mode;         /* x-scalable-mode */
    bool snoop_control;
    bool pasid;                 /* x-pasid-mode */
    bool dma_drain;
    bool dma_translation;
    bool dt_supported;          /* device-iotlb */
    bool pt_supported;          /* pt */
    bool intr_supported;        /* intremap (resolved: auto -> on) */
    bool intr_eim;              /* eim (resolved) */

    /* ---- memory ---- */
    MemoryRegion *system_memory;  /* what DMA reaches without DMAR */
    AddressSpace *system_as;      /* tables, queue, MSI writes go here */
    MemoryRegion csrmem;          /* "intel_iommu", VTD_REG_SIZE bytes */
    bool csrmem_mapped;

    /* ---- register file (vtd-regs.c) ---- */
    uint8_t csr[VTD_REG_SIZE];     /* values */
    uint8_t wmask[VTD_REG_SIZE];   /* bits software may write */
    uint8_t w1cmask[VTD_REG_SIZE]; /* write-1-to-clear bits */
    uint8_t womask[VTD_REG_SIZE];  /* write-only bits: read as 0 */
    uint64_t cap;
    uint64_t ecap;

    /* ---- DMA remapping state ---- */
    hwaddr root;                 /* root table address (RTADDR at SRTP) */
    bool root_scalable;          /* RTADDR.TTM was scalable at SRTP */
    bool dmar_enabled;           /* GSTS.TES */

    /* ---- interrupt remapping registers (GSTS.IRES/IRTPS) ---- */
    bool intr_enabled;
    hwaddr intr_root;
    uint32_t intr_size;
    bool intr_eime;

    /* ---- queued invalidation (vtd-inv.c) ---- */
    hwaddr iq;                   /* queue base (IQA at QIE) */
    uint16_t iq_head;            /* in descriptors */
    uint16_t iq_tail;            /* in descriptors */
    uint16_t iq_size;            /* in descriptors */
    bool iq_dw;                  /* 256-bit descriptors */
    bool qi_enabled;             /* GSTS.QIES */
    uint8_t iq_last_desc_type;
    bool iq_running;             /* processing (no re-entry) */
    bool iq_budget_hit;          /* the last run stopped at the budget */

    /* ---- fault recording (vtd-fault.c) ---- */
    uint16_t next_frcd_reg;
    unsigned msi_depth;          /* MSI writes in progress (re-entry) */

    /* ---- caches (vtd-cache.c) ---- */
    uint32_t context_cache_gen;  /* 1.. ; device entries with another gen
                                  * are stale */
    VTDIOTLB *iotlb;

    /* ---- device address spaces (vtd-as.c, translation half) ----
     * vtd_address_spaces: every VTDAddressSpace created (value), keyed as
     * the translation half likes; vtd_as_with_notifiers: those with at
     * least one notifier (VTDAddressSpace *, GList). */
    GHashTable *vtd_address_spaces;
    GList *vtd_as_with_notifiers;
    MemoryRegion mr_nodmar;      /* "vtd-nodmar" container */
    MemoryRegion mr_ir;          /* "vtd-ir" interrupt window */
    MemoryRegion mr_sys_alias;   /* "vtd-sys-alias" of system memory */
    /* PCI bus number of a bus pointer; set by the PCI glue
     * (vtd_set_bus_num_fn) because iommu/ does not include dma/. NULL:
     * the translation half's own way (vtd_as_sid). */
    uint8_t (*bus_num)(PCIBus *bus);
    /* The root bus whose IOMMU this unit is (dma/intel-iommu.c), or NULL */
    PCIBus *pci_root_bus;

    /* ---- translation half: add fields below this line ---- */
    /* Reserved bits of second-level entries per level (index 1..4), for
     * entries that point to a table and for large-page leaves (9.8);
     * computed once from aw-bits, device-iotlb, snoop control and
     * scalable mode (vtd_address_spaces_init). */
    uint64_t slpte_rsvd[5];
    uint64_t slpte_rsvd_large[5];
    /* Last no-PASID address space found per bus number (by source id) */
    VTDAddressSpace *vtd_as_cache[256];
    /* Notifier syncs stopped by their entry budget; MAP events not sent
     * because an address space reached VTD_NOTIFY_MAX_MAPS (vtd-notify.c) */
    uint64_t sync_truncated;
    uint64_t sync_maps_dropped;
    /* Bumped whenever an invalidation reaches vtd-notify.c: a range walk
     * whose callbacks led to another one (a notifier that invalidates)
     * reads the rest of its table again instead of using what it read
     * before the guest changed it (vtd-tables.c) */
    uint64_t sync_seq;
    /* Work budget of the register write being handled (vtd-inv.c opens
     * it with vtd_sync_work_begin around register-based invalidations and
     * each run of the queue; vtd-notify.c spends it): page-table entries
     * the notifier syncs it causes may still look at. sync_work_depth:
     * how many opens are in progress (nested writes share the outermost
     * budget); 0: no budget but each sync's own. */
    uint64_t sync_work_left;
    unsigned sync_work_depth;
    bool sync_work_exceeded;     /* counted in stats for this write */

    /* ---- statistics ---- */
    VTDStats stats;
};

/* Source id of a device: bus << 8 | devfn (PCI requester id) */
#define VTD_SID(bus, devfn)     ((uint16_t)(((bus) << 8) | (devfn)))
#define VTD_SID_BUS(sid)        ((uint8_t)((sid) >> 8))
#define VTD_SID_DEVFN(sid)      ((uint8_t)(sid))

/* ======================================================================
 * vtd-regs.c: the register file
 * ====================================================================== */

/* Raw access to the register array (no masks). @addr: offset. */
uint32_t vtd_get_long_raw(IntelIOMMUState *s, hwaddr addr);
uint64_t vtd_get_quad_raw(IntelIOMMUState *s, hwaddr addr);
void vtd_set_long_raw(IntelIOMMUState *s, hwaddr addr, uint32_t val);
void vtd_set_quad_raw(IntelIOMMUState *s, hwaddr addr, uint64_t val);
/* Clear @clear then set @set; returns the new value. */
uint32_t vtd_set_clear_mask_long(IntelIOMMUState *s, hwaddr addr,
                                 uint32_t clear, uint32_t set);
uint64_t vtd_set_clear_mask_quad(IntelIOMMUState *s, hwaddr addr,
                                 uint64_t clear, uint64_t set);

/* Compute CAP/ECAP from the properties and put every register at its
 * reset value (QEMU's vtd_init); empties the caches. Does not touch the
 * address spaces: vtd_reset() does that too. */
void vtd_regs_init(IntelIOMMUState *s);

/* The MMIO ops of the register window (4- and 8-byte accesses). */
extern const MemoryRegionOps vtd_mem_ops;

/* A guest (MMIO) read/write of the register window at offset @addr. */
uint64_t vtd_mem_read(void *opaque, hwaddr addr, unsigned size);
void vtd_mem_write(void *opaque, hwaddr addr, uint64_t val, unsigned size);

/* ======================================================================
 * vtd-fault.c: fault recording and events (VT-d spec 7.2, 7.4)
 * ====================================================================== */

/* Whether FPD (fault processing disable) suppresses @reason: only the
 * "qualified" conditions (7.1.3) are. */
bool vtd_is_qualified_fault(VTDFaultReason reason);

/*
 * vtd_report_fault: report a DMA remapping fault of the request from
 * @source_id at @addr (@is_write, PASID @pasid when @is_pasid). When
 * @is_fpd_set and the reason is qualified it is only counted. Otherwise it
 * is recorded in the next fault recording register as QEMU 7.2 does (no
 * record while FSTS.PFO; collapsed while a record of the same source id is
 * pending; PFO when the next register is in use) and raises a fault event
 * when no fault was pending.
 */
void vtd_report_fault(IntelIOMMUState *s, VTDFaultReason reason,
                      bool is_fpd_set, uint16_t source_id, hwaddr addr,
                      bool is_write, bool is_pasid, uint32_t pasid);

/* Record an invalidation queue error (FSTS.IQE) and raise a fault event. */
void vtd_handle_inv_queue_error(IntelIOMMUState *s);

/* ICS.IWC and the invalidation completion event (6.5.2.8). */
void vtd_generate_completion_event(IntelIOMMUState *s);

/* Register side effects: FSTS (W1C), FECTL, ICS, IECTL writes. */
void vtd_handle_fsts_write(IntelIOMMUState *s);
void vtd_handle_fectl_write(IntelIOMMUState *s);
void vtd_handle_ics_write(IntelIOMMUState *s);
void vtd_handle_iectl_write(IntelIOMMUState *s);
/* After a write to a fault recording register (F is W1C). */
void vtd_update_fsts_ppf(IntelIOMMUState *s);

/* ======================================================================
 * vtd-cache.c: context cache and IOTLB
 * ====================================================================== */
VTDIOTLB *vtd_iotlb_new(void);
void vtd_iotlb_free(VTDIOTLB *t);

/* The cached translation of @addr for (@sid, @pasid) at any level, or NULL.
 * Counts hits and misses in s->stats. */
VTDIOTLBEntry *vtd_lookup_iotlb(IntelIOMMUState *s, uint16_t sid,
                                uint32_t pasid, hwaddr addr);
/* Cache a translation; when the IOTLB holds VTD_IOTLB_MAX_SIZE entries it
 * is emptied first (QEMU). */
void vtd_update_iotlb(IntelIOMMUState *s, uint16_t sid, uint16_t domain_id,
                      hwaddr addr, uint64_t slpte, uint8_t access_flags,
                      uint32_t level, uint32_t pasid);
unsigned vtd_iotlb_size(IntelIOMMUState *s);
/* Drop everything / a domain / a domain+PASID / pages of a domain
 * ([addr, addr + 2^am pages) as QEMU's page match) / pages of a PASID. */
void vtd_reset_iotlb(IntelIOMMUState *s);
void vtd_iotlb_remove_domain(IntelIOMMUState *s, uint16_t domain_id);
void vtd_iotlb_remove_pasid(IntelIOMMUState *s, uint16_t domain_id,
                            uint32_t pasid);
void vtd_iotlb_remove_page(IntelIOMMUState *s, uint16_t domain_id,
                           hwaddr addr, unsigned am);
void vtd_iotlb_remove_page_pasid(IntelIOMMUState *s, uint16_t domain_id,
                                 hwaddr addr, unsigned am, uint32_t pasid);

/* Context cache (VTDAddressSpace.context_cache_entry): the entry of
 * @vtd_as if still valid (copied to @ce). */
bool vtd_context_cache_lookup(IntelIOMMUState *s, VTDAddressSpace *vtd_as,
                              VTDContextEntry *ce);
void vtd_context_cache_update(IntelIOMMUState *s, VTDAddressSpace *vtd_as,
                              const VTDContextEntry *ce);
/* Make every device's entry stale (generation bump; on wrap all entries
 * get 0 and the generation restarts at 1). */
void vtd_reset_context_cache(IntelIOMMUState *s);
void vtd_context_cache_bump(IntelIOMMUState *s);
/* Both caches (reset, SRTP, TE change). */
void vtd_reset_caches(IntelIOMMUState *s);

/* ======================================================================
 * vtd-inv.c: invalidation through registers and the queue (6.5)
 * ====================================================================== */
void vtd_handle_gcmd_write(IntelIOMMUState *s);
void vtd_handle_ccmd_write(IntelIOMMUState *s);
void vtd_handle_iotlb_write(IntelIOMMUState *s);
void vtd_handle_iqt_write(IntelIOMMUState *s);
/* After an IQA write: 256-bit descriptors when IQA.DW and ECAP.SMTS. */
void vtd_update_iq_dw(IntelIOMMUState *s);
/* Process descriptors from IQH to IQT (bounded by VTD_IQ_BUDGET). */
void vtd_fetch_inv_desc(IntelIOMMUState *s);

/* 6.5.2.5: the range [*addr, *addr + *addr_mask] a device-TLB
 * invalidate descriptor's upper quadword @hi (address, S bit) covers. */
void vtd_dev_iotlb_desc_range(uint64_t hi, hwaddr *addr, hwaddr *addr_mask);

/* Invalidation primitives (also for the translation half and Lua). */
void vtd_context_global_invalidate(IntelIOMMUState *s);
void vtd_context_device_invalidate(IntelIOMMUState *s, uint16_t source_id,
                                   uint16_t func_mask);
void vtd_iotlb_global_invalidate(IntelIOMMUState *s);
void vtd_iotlb_domain_invalidate(IntelIOMMUState *s, uint16_t domain_id);
void vtd_iotlb_page_invalidate(IntelIOMMUState *s, uint16_t domain_id,
                               hwaddr addr, uint8_t am);

/* What the translation half implements for this one (address-space
 * switching, notifier sync, table reads): vtd-walk.h. */

#endif
