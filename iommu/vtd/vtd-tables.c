/*
 * vtd-tables.c - the guest's DMA-remapping tables: root and context entries
 * (legacy and scalable mode), PASID directory and table, second-level
 * paging structures.
 *
 * Everything is read from guest memory through the system address space
 * (IntelIOMMUState.system_as) with the MemTxResult checked: a table outside
 * RAM yields the fault reason of an unreadable entry. A table in MMIO is
 * read as the device answers, as QEMU 7.2 does (its dma_memory_read only
 * fails where the access fails): the VT-d register window reads as entries
 * that are not present, a device's registers as whatever they hold. As in
 * QEMU 7.2, a second-level entry that reads as all ones is taken for a
 * failed read (its reader returns -1 on error); root, context and PASID
 * entries are not (their readers check the result).
 *
 * The checks and their order are QEMU 7.2's (hw/i386/intel_iommu.c), which
 * the qemu-oracle tests compare fault record by fault record: permission
 * before reserved bits at each paging level; an unreadable top-level table
 * is an invalid context entry, a lower one an invalid paging entry; level
 * (SAGAW) before translation type.
 */
#include "iommu/vtd/vtd-internal.h"

#include <string.h>

/* ---- masks (VT-d spec 9.1 - 9.8) ------------------------------------------ */

/* Legacy root entry (9.1): P bit 0, context-table pointer 63:12 */
#define VTD_RE_P                1ULL
#define VTD_RE_CTP              (~0xfffULL)
/* Bits 11:1 and the address bits above aw-bits are reserved; in legacy
 * mode the whole upper quadword is (9.1), in scalable mode the upper half
 * has its own P and pointer (9.2). */
#define VTD_RE_RSVD(aw)         (0xffeULL | ~VTD_HAW_MASK(aw))

/* Legacy context entry (9.3) */
#define VTD_CE_P                (1ULL << 0)
#define VTD_CE_FPD              (1ULL << 1)
#define VTD_CE_TT_SHIFT         2
#define VTD_CE_TT_MASK          (3ULL << 2)
#define VTD_CE_TT_MULTI_LEVEL   0ULL  /* untranslated requests only */
#define VTD_CE_TT_DEV_IOTLB     1ULL  /* + translated/translation reqs */
#define VTD_CE_TT_PASS_THROUGH  2ULL
#define VTD_CE_SLPTPTR          (~0xfffULL)
#define VTD_CE_RSVD_LO(aw)      (0xff0ULL | ~VTD_HAW_MASK(aw))
#define VTD_CE_AW_MASK          7ULL  /* hi 2:0: 3-level = 1, 4-level = 2 */
#define VTD_CE_DID(hi)          ((uint16_t)((hi) >> 8))
#define VTD_CE_RSVD_HI          0xffffffffff000080ULL /* 63:24 and 7 */

/* Scalable-mode context entry (9.4) */
#define VTD_SM_CE_PDTP          (~0xfffULL)   /* PASID directory pointer */
#define VTD_SM_CE_RSVD_VAL0(aw) (0x1e0ULL | ~VTD_HAW_MASK(aw))
#define VTD_SM_CE_RID_PASID     0xfffffULL    /* val[1] 19:0 */
#define VTD_SM_CE_RSVD_VAL1     0xffffffffffe00000ULL

/* PASID directory entry (9.5) and PASID table entry (9.6) */
#define VTD_PDIRE_P             (1ULL << 0)
#define VTD_PDIRE_FPD           (1ULL << 1)
#define VTD_PDIRE_PTP           (~0xfffULL)
#define VTD_PASID_DIR_INDEX(p)  (((p) >> 6) & 0x3fff)
#define VTD_PASID_TABLE_INDEX(p) ((p) & 0x3f)
#define VTD_PE_P                (1ULL << 0)
#define VTD_PE_FPD              (1ULL << 1)
#define VTD_PE_AW(v0)           (((v0) >> 2) & 7ULL)
#define VTD_PE_PGTT(v0)         (((v0) >> 6) & 7ULL)
#define VTD_PE_PGTT_FL          1ULL  /* first-level only */
#define VTD_PE_PGTT_SL          2ULL  /* second-level only */
#define VTD_PE_PGTT_NESTED      3ULL
#define VTD_PE_PGTT_PT          4ULL  /* pass-through */
#define VTD_PE_SLPTPTR          (~0xfffULL)
#define VTD_PE_DID(v1)          ((uint16_t)(v1))

/* Second-level paging entries (9.8) */
#define VTD_SL_R                (1ULL << 0)
#define VTD_SL_W                (1ULL << 1)
#define VTD_SL_PS               (1ULL << 7)   /* page size (levels 2, 3) */
#define VTD_SL_SNP              (1ULL << 11)
#define VTD_SL_TM               (1ULL << 62)  /* transient mapping */
/* Ignored bits: 61:52 and 63 */
#define VTD_SL_IGN              0xbff0000000000000ULL

/* ---- guest memory -------------------------------------------------------- */

bool vtd_read_guest(IntelIOMMUState *s, hwaddr addr, void *buf, hwaddr len)
{
    if (!s->system_as) {
        memset(buf, 0, len);
        return false;
    }
    return address_space_read(s->system_as, addr, MEMTXATTRS_UNSPECIFIED, buf,
                              len) == MEMTX_OK;
}

static inline bool vtd_read_quads(IntelIOMMUState *s, hwaddr addr,
                                  uint64_t *q, unsigned n)
{
    bool ok = vtd_read_guest(s, addr, q, (hwaddr)n * 8);

    for (unsigned i = 0; i < n; i++) {
        q[i] = GUINT64_FROM_LE(q[i]);
    }
    return ok;
}

/* ---- reserved bits of second-level entries -------------------------------- */

/* Called once per unit (vtd-as.c, vtd_address_spaces_init): 9.8 gives
 * which bits of each level are reserved. Bits from aw-bits to 51 always
 * (TM, bit 62, unless device-IOTLB is supported: then leaves may set it);
 * SNP (bit 11) is a leaf bit only with snoop control or scalable mode
 * (QEMU 7.2); at level 4 the page-size bit too; large-page leaves also
 * reserve the address bits below their page size. */
void vtd_init_slpte_rsvd(IntelIOMMUState *s)
{
    uint64_t above = ~(VTD_HAW_MASK(s->aw_bits) | VTD_SL_IGN);
    uint64_t leaf_above = s->dt_supported ? above & ~VTD_SL_TM : above;
    uint64_t snp = (s->scalable_mode || s->snoop_control) ? 0 : VTD_SL_SNP;

    s->slpte_rsvd[0] = ~0ULL;
    s->slpte_rsvd[1] = snp | leaf_above;
    s->slpte_rsvd[2] = VTD_SL_SNP | above;
    s->slpte_rsvd[3] = VTD_SL_SNP | above;
    s->slpte_rsvd[4] = VTD_SL_SNP | VTD_SL_PS | above;
    s->slpte_rsvd_large[0] = ~0ULL;
    s->slpte_rsvd_large[1] = ~0ULL;
    s->slpte_rsvd_large[2] = snp | 0x1ff000ULL | leaf_above;
    s->slpte_rsvd_large[3] = snp | 0x3ffff000ULL | leaf_above;
    s->slpte_rsvd_large[4] = ~0ULL;
}

bool vtd_slpte_nonzero_rsvd(IntelIOMMUState *s, uint64_t slpte,
                            unsigned level)
{
    if (level < 1 || level > 4) {
        return true;
    }
    if ((level == 2 || level == 3) && (slpte & VTD_SL_PS)) {
        /* 9.8: PS is reserved at a level whose page size CAP.SLLPS does
         * not advertise (QEMU 7.2 advertises 2 MiB and 1 GiB) */
        uint64_t sllps = level == 2 ? VTD_CAP_SLLPS_2M : VTD_CAP_SLLPS_1G;
        if (!(s->cap & sllps)) {
            return true;
        }
        return slpte & s->slpte_rsvd_large[level];
    }
    return slpte & s->slpte_rsvd[level];
}

uint64_t vtd_slpte_addr(IntelIOMMUState *s, uint64_t slpte)
{
    return slpte & VTD_ADDR_4K_MASK(s->aw_bits);
}

static inline bool vtd_slpte_is_leaf(uint64_t slpte, unsigned level)
{
    return level == 1 || (slpte & VTD_SL_PS);
}

/* SAGAW (CAP 12:8): bit 1 for 3-level (39-bit), bit 2 for 4-level */
static inline bool vtd_level_supported(IntelIOMMUState *s, unsigned level)
{
    if (level < 2 || level > 6) {
        return false;
    }
    return s->cap & VTD_CAP_SAGAW_MASK &
           (1ULL << (level - 2 + VTD_CAP_SAGAW_SHIFT));
}

/* ---- root and context entries --------------------------------------------- */

/* 3.4.2 / 3.4.3: the root entry of @bus; unreadable: root table invalid */
static int vtd_get_root_entry(IntelIOMMUState *s, uint8_t bus,
                              VTDRootEntry *re)
{
    uint64_t q[2];

    if (!vtd_read_quads(s, s->root + (hwaddr)bus * 16, q, 2)) {
        re->lo = re->hi = 0;
        return -VTD_FR_ROOT_TABLE_INV;
    }
    re->lo = q[0];
    re->hi = q[1];
    return 0;
}

/* 9.2: in scalable mode devfn 128..255 use the upper half */
static inline bool vtd_root_entry_present(IntelIOMMUState *s,
                                          const VTDRootEntry *re,
                                          uint8_t devfn)
{
    if (s->root_scalable && devfn >= 0x80) {
        return re->hi & VTD_RE_P;
    }
    return re->lo & VTD_RE_P;
}

static int vtd_root_entry_rsvd_check(IntelIOMMUState *s,
                                     const VTDRootEntry *re)
{
    uint64_t rsvd = VTD_RE_RSVD(s->aw_bits);

    if (!s->root_scalable) {
        /* 9.1: the upper 64 bits are reserved */
        if (re->hi || (re->lo & rsvd)) {
            return -VTD_FR_ROOT_ENTRY_RSVD;
        }
    } else if ((re->lo & rsvd) || (re->hi & rsvd)) {
        return -VTD_FR_ROOT_ENTRY_RSVD;
    }
    return 0;
}

static int vtd_get_context_entry(IntelIOMMUState *s, const VTDRootEntry *re,
                                 uint8_t devfn, VTDContextEntry *ce)
{
    hwaddr table, size;
    unsigned index = devfn;
    uint64_t q[4] = { 0 };

    if (s->root_scalable) {
        /* 9.4: 256-bit entries, 128 per half */
        size = 32;
        if (devfn >= 0x80) {
            index = devfn & 0x7f;
            table = re->hi & VTD_RE_CTP;
        } else {
            table = re->lo & VTD_RE_CTP;
        }
    } else {
        size = 16;
        table = re->lo & VTD_RE_CTP;
    }
    if (!vtd_read_quads(s, table + index * size, q, size / 8)) {
        return -VTD_FR_CONTEXT_TABLE_INV;
    }
    memset(ce, 0, sizeof(*ce));
    memcpy(ce->val, q, size);
    return 0;
}

static int vtd_context_entry_rsvd_check(IntelIOMMUState *s,
                                        const VTDContextEntry *ce)
{
    if (!s->root_scalable) {
        if ((ce->hi & VTD_CE_RSVD_HI) ||
            (ce->lo & VTD_CE_RSVD_LO(s->aw_bits))) {
            return -VTD_FR_CONTEXT_ENTRY_RSVD;
        }
        return 0;
    }
    if ((ce->val[0] & VTD_SM_CE_RSVD_VAL0(s->aw_bits)) ||
        (ce->val[1] & VTD_SM_CE_RSVD_VAL1) || ce->val[2] || ce->val[3]) {
        return -VTD_FR_CONTEXT_ENTRY_RSVD;
    }
    return 0;
}

/* 3.6 / 9.3: TT 01b needs ECAP.DT, 10b needs ECAP.PT, 11b is reserved */
static bool vtd_ce_type_check(IntelIOMMUState *s, const VTDContextEntry *ce)
{
    switch ((ce->lo & VTD_CE_TT_MASK) >> VTD_CE_TT_SHIFT) {
    case VTD_CE_TT_MULTI_LEVEL:
        return true;
    case VTD_CE_TT_DEV_IOTLB:
        return s->dt_supported;
    case VTD_CE_TT_PASS_THROUGH:
        return s->pt_supported;
    default:
        return false;
    }
}

/* ---- PASID directory and table (scalable mode, 3.4.3, 9.5, 9.6) ---------- */

static int vtd_get_pdire(IntelIOMMUState *s, hwaddr dir, uint32_t pasid,
                         uint64_t *pdire)
{
    if (!vtd_read_quads(s, dir + VTD_PASID_DIR_INDEX(pasid) * 8, pdire, 1)) {
        return -VTD_FR_PASID_TABLE_INV;
    }
    return 0;
}

/* PGTT 001b/010b/011b are accepted (QEMU 7.2 walks the second-level table
 * of each), 100b needs ECAP.PT; the level must be one SAGAW advertises. */
static int vtd_get_pe_in_table(IntelIOMMUState *s, uint64_t pdire,
                               uint32_t pasid, VTDPASIDEntry *pe)
{
    hwaddr addr = (pdire & VTD_PDIRE_PTP) + VTD_PASID_TABLE_INDEX(pasid) * 64;

    if (!vtd_read_quads(s, addr, pe->val, 8)) {
        return -VTD_FR_PASID_TABLE_INV;
    }
    switch (VTD_PE_PGTT(pe->val[0])) {
    case VTD_PE_PGTT_FL:
    case VTD_PE_PGTT_SL:
    case VTD_PE_PGTT_NESTED:
        break;
    case VTD_PE_PGTT_PT:
        if (!s->pt_supported) {
            return -VTD_FR_PASID_TABLE_INV;
        }
        break;
    default:
        return -VTD_FR_PASID_TABLE_INV;
    }
    if (!vtd_level_supported(s, 2 + VTD_PE_AW(pe->val[0]))) {
        return -VTD_FR_PASID_TABLE_INV;
    }
    return 0;
}

static inline uint32_t vtd_ce_rid_pasid(const VTDContextEntry *ce)
{
    return ce->val[1] & VTD_SM_CE_RID_PASID;
}

/* The present PASID entry of @pasid (RID_PASID for VTD_NO_PASID) */
static int vtd_ce_get_pasid_entry(IntelIOMMUState *s,
                                  const VTDContextEntry *ce, uint32_t pasid,
                                  VTDPASIDEntry *pe)
{
    uint64_t pdire;
    int ret;

    if (pasid == VTD_NO_PASID) {
        pasid = vtd_ce_rid_pasid(ce);
    }
    ret = vtd_get_pdire(s, ce->val[0] & VTD_SM_CE_PDTP, pasid, &pdire);
    if (ret) {
        return ret;
    }
    if (!(pdire & VTD_PDIRE_P)) {
        return -VTD_FR_PASID_TABLE_INV;
    }
    ret = vtd_get_pe_in_table(s, pdire, pasid, pe);
    if (ret) {
        return ret;
    }
    if (!(pe->val[0] & VTD_PE_P)) {
        return -VTD_FR_PASID_TABLE_INV;
    }
    return 0;
}

int vtd_ce_get_pasid_fpd(IntelIOMMUState *s, const VTDContextEntry *ce,
                         uint32_t pasid, bool *fpd)
{
    VTDPASIDEntry pe;
    uint64_t pdire;
    int ret;

    if (!s->root_scalable) {
        return 0;
    }
    if (pasid == VTD_NO_PASID) {
        pasid = vtd_ce_rid_pasid(ce);
    }
    /* 9.5/9.6: FPD counts even where P is clear */
    ret = vtd_get_pdire(s, ce->val[0] & VTD_SM_CE_PDTP, pasid, &pdire);
    if (ret) {
        return ret;
    }
    if (pdire & VTD_PDIRE_FPD) {
        *fpd = true;
        return 0;
    }
    if (!(pdire & VTD_PDIRE_P)) {
        return -VTD_FR_PASID_TABLE_INV;
    }
    ret = vtd_get_pe_in_table(s, pdire, pasid, &pe);
    if (ret) {
        return ret;
    }
    if (pe.val[0] & VTD_PE_FPD) {
        *fpd = true;
    }
    return 0;
}

/* ---- device to context ---------------------------------------------------- */

int vtd_dev_to_context_entry(IntelIOMMUState *s, uint8_t bus_num,
                             uint8_t devfn, VTDContextEntry *ce)
{
    VTDRootEntry re;
    int ret;

    memset(ce, 0, sizeof(*ce));
    ret = vtd_get_root_entry(s, bus_num, &re);
    if (ret) {
        return ret;
    }
    if (!vtd_root_entry_present(s, &re, devfn)) {
        return -VTD_FR_ROOT_ENTRY_P;
    }
    ret = vtd_root_entry_rsvd_check(s, &re);
    if (ret) {
        return ret;
    }
    ret = vtd_get_context_entry(s, &re, devfn, ce);
    if (ret) {
        return ret;
    }
    if (!(ce->lo & VTD_CE_P)) {
        return -VTD_FR_CONTEXT_ENTRY_P;
    }
    ret = vtd_context_entry_rsvd_check(s, ce);
    if (ret) {
        return ret;
    }
    if (!s->root_scalable) {
        /* 9.3: AW must be one SAGAW advertises, then the type */
        if (!vtd_level_supported(s, 2 + (ce->hi & VTD_CE_AW_MASK)) ||
            !vtd_ce_type_check(s, ce)) {
            return -VTD_FR_CONTEXT_ENTRY_INV;
        }
        return 0;
    }
    /* scalable: the RID_PASID entry must be usable (QEMU 7.2 checks it
     * here, so that later reads need not) */
    {
        VTDPASIDEntry pe;
        return vtd_ce_get_pasid_entry(s, ce, VTD_NO_PASID, &pe);
    }
}

int vtd_ce_resolve(IntelIOMMUState *s, const VTDContextEntry *ce,
                   uint32_t pasid, VTDWalkCtx *ctx)
{
    VTDPASIDEntry pe;
    int ret;

    memset(ctx, 0, sizeof(*ctx));
    if (!s->root_scalable) {
        unsigned aw = ce->hi & VTD_CE_AW_MASK;

        ctx->pgtbl = ce->lo & VTD_CE_SLPTPTR;
        ctx->level = 2 + aw;
        ctx->agaw = 30 + aw * 9;
        ctx->domain_id = VTD_CE_DID(ce->hi);
        ctx->pasid = pasid;
        ctx->pt = ((ce->lo & VTD_CE_TT_MASK) >> VTD_CE_TT_SHIFT) ==
                  VTD_CE_TT_PASS_THROUGH;
        if (!vtd_level_supported(s, ctx->level)) {
            return -VTD_FR_CONTEXT_ENTRY_INV;
        }
        return 0;
    }
    if (pasid == VTD_NO_PASID) {
        pasid = vtd_ce_rid_pasid(ce);
    }
    ret = vtd_ce_get_pasid_entry(s, ce, pasid, &pe);
    if (ret) {
        return ret;
    }
    ctx->pgtbl = pe.val[0] & VTD_PE_SLPTPTR;
    ctx->level = 2 + VTD_PE_AW(pe.val[0]);
    ctx->agaw = 30 + VTD_PE_AW(pe.val[0]) * 9;
    ctx->domain_id = VTD_PE_DID(pe.val[1]);
    ctx->pasid = pasid;
    ctx->pt = VTD_PE_PGTT(pe.val[0]) == VTD_PE_PGTT_PT;
    return 0;
}

uint16_t vtd_get_domain_id(IntelIOMMUState *s, VTDContextEntry *ce,
                           uint32_t pasid)
{
    VTDPASIDEntry pe;

    if (!s->root_scalable) {
        return VTD_CE_DID(ce->hi);
    }
    if (vtd_ce_get_pasid_entry(s, ce, pasid, &pe)) {
        return 0;
    }
    return VTD_PE_DID(pe.val[1]);
}

bool vtd_dev_pt_enabled(IntelIOMMUState *s, VTDContextEntry *ce,
                        uint32_t pasid)
{
    VTDPASIDEntry pe;

    if (!s->root_scalable) {
        return ((ce->lo & VTD_CE_TT_MASK) >> VTD_CE_TT_SHIFT) ==
               VTD_CE_TT_PASS_THROUGH;
    }
    /* an unusable PASID entry is not pass-through (the safe answer) */
    if (vtd_ce_get_pasid_entry(s, ce, pasid, &pe)) {
        return false;
    }
    return VTD_PE_PGTT(pe.val[0]) == VTD_PE_PGTT_PT;
}

/* ---- second-level walk for one address (3.6, 9.8) -------------------------- */

int vtd_iova_to_slpte(IntelIOMMUState *s, const VTDWalkCtx *ctx, hwaddr iova,
                      bool is_write, uint64_t *slptep, unsigned *levelp,
                      bool *reads, bool *writes)
{
    hwaddr table = ctx->pgtbl;
    unsigned level = ctx->level;
    uint64_t need = is_write ? VTD_SL_W : VTD_SL_R;
    uint64_t slpte;
    hwaddr xlat, size;

    /* 3.6: input address above 2^min(AGAW, MGAW) - 1 */
    if (iova >= vtd_ctx_iova_limit_aw(ctx->agaw, s->aw_bits)) {
        return -VTD_FR_ADDR_BEYOND_MGAW;
    }
    /* at most ctx->level (<= 4) reads: the level goes down every time */
    for (;;) {
        unsigned index = (iova >> vtd_level_shift(level)) & 0x1ff;

        /* QEMU 7.2 takes an entry that reads as all ones for a failed
         * read (its reader returns -1 on error): fault 0x3 at the top
         * level, 0x7 below, before permissions (checked by the oracle) */
        if (!vtd_read_quads(s, table + index * 8, &slpte, 1) ||
            slpte == UINT64_MAX) {
            /* the top table unreadable: the context entry points nowhere */
            return level == ctx->level ? -VTD_FR_CONTEXT_ENTRY_INV
                                       : -VTD_FR_PAGING_ENTRY_INV;
        }
        *reads = *reads && (slpte & VTD_SL_R);
        *writes = *writes && (slpte & VTD_SL_W);
        if (!(slpte & need)) {
            /* not present counts as no permission (7.1.3) */
            return is_write ? -VTD_FR_WRITE : -VTD_FR_READ;
        }
        if (vtd_slpte_nonzero_rsvd(s, slpte, level)) {
            return -VTD_FR_PAGING_ENTRY_RSVD;
        }
        if (vtd_slpte_is_leaf(slpte, level)) {
            break;
        }
        table = vtd_slpte_addr(s, slpte);
        level--;
    }
    *slptep = slpte;
    *levelp = level;

    /* 3.14: an output address in the interrupt range is blocked */
    xlat = vtd_slpte_addr(s, slpte);
    size = 1ULL << vtd_level_shift(level);
    if (xlat <= VTD_INTERRUPT_ADDR_LAST &&
        xlat + size - 1 >= VTD_INTERRUPT_ADDR_FIRST) {
        return s->scalable_mode ? -VTD_FR_SM_INTERRUPT_ADDR
                                : -VTD_FR_INTERRUPT_ADDR;
    }
    return 0;
}

/* ---- range walk --------------------------------------------------------- */

typedef struct VTDRangeWalk {
    IntelIOMMUState *s;
    VTDWalkFn fn;
    void *opaque;
    uint64_t *budget;
} VTDRangeWalk;

/* Entries of one table covering [start, last] (within the table's span);
 * @read/@write: permissions stacked from the levels above. */
static bool vtd_walk_level(VTDRangeWalk *w, hwaddr table, unsigned level,
                           hwaddr start, hwaddr last, bool read, bool write)
{
    IntelIOMMUState *s = w->s;
    unsigned shift = vtd_level_shift(level);
    hwaddr span_mask = (1ULL << shift) - 1;
    unsigned first = (start >> shift) & 0x1ff;
    unsigned n = ((last >> shift) & 0x1ff) - first + 1;
    uint64_t entries[512];
    bool batch_ok;
    hwaddr iova = start & ~span_mask;
    uint64_t seq = s->sync_seq;

    batch_ok = vtd_read_quads(s, table + first * 8ULL, entries, n);
    for (unsigned i = 0; i < n; i++, iova += span_mask + 1) {
        hwaddr e_last = iova + span_mask;
        uint64_t slpte;
        bool ok = true, r, wr;

        if (*w->budget == 0) {
            return false;
        }
        if (G_UNLIKELY(s->sync_seq != seq)) {
            /* a callback invalidated: the guest may have changed this
             * table since it was read (the table address itself comes
             * from the level above, read before: that walk stays) */
            seq = s->sync_seq;
            batch_ok = vtd_read_quads(s, table + (first + i) * 8ULL,
                                      entries + i, n - i);
        }
        slpte = entries[i];
        (*w->budget)--;
        if (!batch_ok) {
            /* part of the table may still read (a table across the end of
             * RAM): entry by entry */
            ok = vtd_read_quads(s, table + (first + i) * 8ULL, &slpte, 1);
        }
        r = read && (slpte & VTD_SL_R);
        wr = write && (slpte & VTD_SL_W);
        if (!ok || !(r || wr) || vtd_slpte_nonzero_rsvd(s, slpte, level)) {
            if (!w->fn(w->opaque, iova, span_mask, 0, IOMMU_NONE)) {
                return false;
            }
            continue;
        }
        if (!vtd_slpte_is_leaf(slpte, level)) {
            if (!vtd_walk_level(w, vtd_slpte_addr(s, slpte), level - 1,
                                MAX(start, iova), MIN(last, e_last), r, wr)) {
                return false;
            }
            continue;
        }
        {
            hwaddr xlat = vtd_slpte_addr(s, slpte);
            IOMMUAccessFlags perm = IOMMU_ACCESS_FLAG(r, wr);

            /* 3.14: translations into the interrupt range are blocked, so
             * they are not mappings */
            if (xlat <= VTD_INTERRUPT_ADDR_LAST &&
                xlat + span_mask >= VTD_INTERRUPT_ADDR_FIRST) {
                perm = IOMMU_NONE;
                xlat = 0;
            }
            if (!w->fn(w->opaque, iova, span_mask, xlat, perm)) {
                return false;
            }
        }
    }
    return true;
}

bool vtd_page_walk(IntelIOMMUState *s, const VTDWalkCtx *ctx, hwaddr start,
                   hwaddr last, VTDWalkFn fn, void *opaque, uint64_t *budget)
{
    uint64_t limit = vtd_ctx_iova_limit_aw(ctx->agaw, s->aw_bits);
    VTDRangeWalk w = { .s = s, .fn = fn, .opaque = opaque, .budget = budget };
    unsigned top_shift;

    if (start >= limit || start > last || ctx->level < 2 || ctx->level > 4) {
        return true;
    }
    if (last >= limit) {
        last = limit - 1;
    }
    /* The top table spans 2^(12 + 9 * level) >= limit: walk it piece by
     * piece of at most 512 entries (always one piece, since limit fits). */
    top_shift = vtd_level_shift(ctx->level) + 9;
    if (top_shift < 64 && (last >> top_shift) != (start >> top_shift)) {
        last = (start | ((1ULL << top_shift) - 1));
    }
    return vtd_walk_level(&w, ctx->pgtbl, ctx->level, start, last, true,
                          true);
}
