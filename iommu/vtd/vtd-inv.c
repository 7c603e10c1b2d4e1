/*
 * vtd-inv.c - global commands and invalidation (VT-d spec 6.5, 10.4.4,
 * 10.4.7, 10.4.8, 10.4.22-10.4.24): GCMD -> GSTS, register-based
 * context-cache and IOTLB invalidation, and the invalidation queue.
 *
 * Behaviour as QEMU 7.2 (hw/i386/intel_iommu.c), checked against
 * qemu-system-x86_64 7.2 by qtest (tests/unit/test-vtd-inv.c):
 *  - GCMD: TE and QIE act when they differ from GSTS; SRTP and SIRTP act
 *    whenever written as 1; IRE only with interrupt remapping (intremap);
 *    WBF, SFL, EAFL and CFI are ignored (their status bits stay 0); TE is
 *    ignored with dma-translation=off.
 *  - CCMD/IOTLB: ignored while queued invalidation is enabled (ICC/IVT
 *    stay set); a domain-selective context invalidation is performed as
 *    global (CAIG = global); an unknown granularity or an address mask
 *    above MAMV completes with actual granularity 0.
 *  - Queue: IQA latched at QIE enable (2^(QS+8) 128-bit descriptors, half
 *    as many 256-bit ones when IQA.DW with scalable mode); a tail at or
 *    beyond the queue size, a descriptor that cannot be read, one of an
 *    unknown type (4-bit type field) or with reserved bits set sets
 *    FSTS.IQE and stops with IQH at that descriptor; nothing more is
 *    processed until software clears IQE and writes the tail again.
 *    PASID-cache and PASID-IOTLB descriptors are accepted and do nothing
 *    (QEMU 7.2); a 256-bit tail with bit 4 set is ignored. Disabling QI is
 *    refused unless the queue is empty and its last descriptor was a wait.
 *
 * Deviations (QEMU 7.2 asserts or recurses): a wait descriptor with both
 * SW and IF does both; a queue that keeps refilling itself (a wait status
 * write into IQT) is processed at most VTD_IQ_BUDGET descriptors per
 * register write, and a tail written while the queue is being processed is
 * picked up by the running loop instead of a nested one. The notifier
 * syncs one register write causes (a register-based invalidation, one run
 * of the queue) share one work budget (vtd_sync_work_begin, vtd-walk.h):
 * past it every descriptor is still processed (caches emptied, waits
 * completed) but syncs are replaced by an UNMAP of the address space.
 */
#include "iommu/vtd/vtd-internal.h"

#include <string.h>

/* ---- global command (10.4.4) ------------------------------------------ */

static void vtd_root_table_setup(IntelIOMMUState *s)
{
    uint64_t rta = vtd_get_quad_raw(s, VTD_REG_RTADDR);

    s->root = rta & VTD_ADDR_4K_MASK(s->aw_bits);
    /* 10.4.6 TTM: 01b scalable mode, only if ECAP.SMTS */
    if (s->scalable_mode) {
        s->root_scalable = rta & VTD_RTADDR_SMT;
    }
}

static void vtd_interrupt_remap_table_setup(IntelIOMMUState *s)
{
    uint64_t irta = vtd_get_quad_raw(s, VTD_REG_IRTA);

    /* 10.4.31: 2^(S+1) entries */
    s->intr_size = 1u << ((irta & VTD_IRTA_S_MASK) + 1);
    s->intr_root = irta & VTD_ADDR_4K_MASK(s->aw_bits);
    s->intr_eime = irta & VTD_IRTA_EIME;
}

/* 6.5.2: the queue may be disabled only when it is drained and the last
 * descriptor was a wait descriptor */
static bool vtd_queued_inv_disable_check(IntelIOMMUState *s)
{
    return s->qi_enabled && s->iq_tail == s->iq_head &&
           s->iq_last_desc_type == VTD_INV_DESC_WAIT;
}

static void vtd_handle_gcmd_qie(IntelIOMMUState *s, bool en)
{
    uint64_t iqa = vtd_get_quad_raw(s, VTD_REG_IQA);

    if (en) {
        s->iq = iqa & VTD_ADDR_4K_MASK(s->aw_bits);
        /* 10.4.24: 2^QS pages of 4 KiB: 2^(QS+8) 128-bit descriptors */
        s->iq_size = 1u << ((iqa & VTD_IQA_QS_MASK) + 8 - (s->iq_dw ? 1 : 0));
        s->qi_enabled = true;
        vtd_set_clear_mask_long(s, VTD_REG_GSTS, 0, VTD_GSTS_QIES);
        /* QEMU processes a tail written before enabling (Windows does) */
        if (s->iq_tail != 0 &&
            !(vtd_get_long_raw(s, VTD_REG_FSTS) & VTD_FSTS_IQE)) {
            vtd_fetch_inv_desc(s);
        }
    } else if (vtd_queued_inv_disable_check(s)) {
        vtd_set_quad_raw(s, VTD_REG_IQH, 0);
        s->iq_head = 0;
        s->qi_enabled = false;
        vtd_set_clear_mask_long(s, VTD_REG_GSTS, VTD_GSTS_QIES, 0);
    }
    /* else: improper state, the command is ignored (QEMU) */
}

/* SRTP: latch the root table; every cached translation goes */
static void vtd_handle_gcmd_srtp(IntelIOMMUState *s)
{
    vtd_root_table_setup(s);
    vtd_set_clear_mask_long(s, VTD_REG_GSTS, 0, VTD_GSTS_RTPS);
    vtd_reset_caches(s);
    vtd_address_space_refresh_all(s);
}

static void vtd_handle_gcmd_sirtp(IntelIOMMUState *s)
{
    vtd_interrupt_remap_table_setup(s);
    vtd_set_clear_mask_long(s, VTD_REG_GSTS, 0, VTD_GSTS_IRTPS);
}

static void vtd_handle_gcmd_te(IntelIOMMUState *s, bool en)
{
    if (s->dmar_enabled == en) {
        return;
    }
    s->dmar_enabled = en;
    if (en) {
        vtd_set_clear_mask_long(s, VTD_REG_GSTS, 0, VTD_GSTS_TES);
    } else {
        s->next_frcd_reg = 0; /* QEMU restarts fault recording at 0 */
        vtd_set_clear_mask_long(s, VTD_REG_GSTS, VTD_GSTS_TES, 0);
    }
    vtd_reset_caches(s);
    vtd_address_space_refresh_all(s);
}

static void vtd_handle_gcmd_ire(IntelIOMMUState *s, bool en)
{
    s->intr_enabled = en;
    vtd_set_clear_mask_long(s, VTD_REG_GSTS, VTD_GSTS_IRES,
                            en ? VTD_GSTS_IRES : 0);
}

void vtd_handle_gcmd_write(IntelIOMMUState *s)
{
    uint32_t status = vtd_get_long_raw(s, VTD_REG_GSTS);
    uint32_t cmd = vtd_get_long_raw(s, VTD_REG_GCMD);
    uint32_t changed = status ^ cmd;

    if ((changed & VTD_GCMD_TE) && s->dma_translation) {
        vtd_handle_gcmd_te(s, cmd & VTD_GCMD_TE);
    }
    if (cmd & VTD_GCMD_SRTP) {
        vtd_handle_gcmd_srtp(s);
    }
    if (changed & VTD_GCMD_QIE) {
        vtd_handle_gcmd_qie(s, cmd & VTD_GCMD_QIE);
    }
    if (cmd & VTD_GCMD_SIRTP) {
        vtd_handle_gcmd_sirtp(s);
    }
    if ((changed & VTD_GCMD_IRE) && s->intr_supported) {
        vtd_handle_gcmd_ire(s, cmd & VTD_GCMD_IRE);
    }
}

/* ---- invalidation primitives ------------------------------------------ */

/* 6.5.1.1 global (and domain, done as global) context-cache invalidation:
 * every device's context entry goes stale; devices may change between
 * DMAR and pass-through; notifiers are resynced (only what changed). */
void vtd_context_global_invalidate(IntelIOMMUState *s)
{
    s->stats.inv_cc_global++;
    vtd_context_cache_bump(s);
    vtd_switch_address_spaces(s);
    vtd_sync_notifiers_all(s);
}

typedef struct VTDDevMatch {
    uint16_t sid;
    unsigned fm;
} VTDDevMatch;

static void vtd_as_ctx_device_invalidate(VTDAddressSpace *vtd_as,
                                         void *opaque)
{
    const VTDDevMatch *m = opaque;

    if (vtd_as_matches_sid(vtd_as, m->sid, m->fm)) {
        vtd_as->context_cache_entry.context_cache_gen = 0;
    }
}

/* 6.5.1.1 device-selective: source id @source_id, function mask FM */
void vtd_context_device_invalidate(IntelIOMMUState *s, uint16_t source_id,
                                   uint16_t func_mask)
{
    VTDDevMatch m = { .sid = source_id, .fm = func_mask & 3 };

    s->stats.inv_cc_device++;
    if (s->vtd_address_spaces) {
        vtd_as_foreach(s, vtd_as_ctx_device_invalidate, &m);
    }
    vtd_sync_context_device(s, m.sid, m.fm);
}

/* 6.5.1.2 IOTLB invalidation */
void vtd_iotlb_global_invalidate(IntelIOMMUState *s)
{
    s->stats.inv_iotlb_global++;
    vtd_reset_iotlb(s);
    vtd_sync_notifiers_all(s);
}

void vtd_iotlb_domain_invalidate(IntelIOMMUState *s, uint16_t domain_id)
{
    s->stats.inv_iotlb_domain++;
    vtd_iotlb_remove_domain(s, domain_id);
    vtd_sync_notifiers_domain(s, domain_id);
}

void vtd_iotlb_page_invalidate(IntelIOMMUState *s, uint16_t domain_id,
                               hwaddr addr, uint8_t am)
{
    s->stats.inv_iotlb_page++;
    vtd_iotlb_remove_page(s, domain_id, addr, am);
    vtd_sync_notifiers_page(s, domain_id, addr, am, VTD_NO_PASID);
}

/* ---- register-based invalidation (10.4.7, 10.4.8) --------------------- */

/* Returns the actual granularity (CAIG field value) */
static uint64_t vtd_context_cache_invalidate(IntelIOMMUState *s, uint64_t val)
{
    switch ((val & VTD_CCMD_CIRG_MASK) >> VTD_CCMD_CIRG_SHIFT) {
    case VTD_CCMD_G_DOMAIN:
        s->stats.inv_cc_domain++;
        /* performed as global */
        __attribute__((fallthrough));
    case VTD_CCMD_G_GLOBAL:
        vtd_context_global_invalidate(s);
        return (uint64_t)VTD_CCMD_G_GLOBAL << VTD_CCMD_CAIG_SHIFT;
    case VTD_CCMD_G_DEVICE:
        vtd_context_device_invalidate(s, VTD_CCMD_SID(val),
                                      VTD_CCMD_FM(val));
        return (uint64_t)VTD_CCMD_G_DEVICE << VTD_CCMD_CAIG_SHIFT;
    default:
        return 0; /* 10.4.7: CAIG 0 reports an incorrect request */
    }
}

void vtd_handle_ccmd_write(IntelIOMMUState *s)
{
    uint64_t val = vtd_get_quad_raw(s, VTD_REG_CCMD);
    uint64_t caig;

    if (!(val & VTD_CCMD_ICC)) {
        return;
    }
    if (s->qi_enabled) {
        return; /* 6.5.2: register invalidation is not used with QI */
    }
    vtd_sync_work_begin(s);
    caig = vtd_context_cache_invalidate(s, val);
    vtd_sync_work_end(s);
    /* completed at once: ICC clears, CAIG tells what was done */
    vtd_set_clear_mask_quad(s, VTD_REG_CCMD, VTD_CCMD_ICC, 0);
    vtd_set_clear_mask_quad(s, VTD_REG_CCMD, VTD_CCMD_CAIG_MASK, caig);
}

/* Returns the actual granularity (IAIG field value) */
static uint64_t vtd_iotlb_flush(IntelIOMMUState *s, uint64_t val)
{
    uint16_t did = VTD_IOTLB_DID(val);
    uint64_t iva;

    switch ((val & VTD_IOTLB_IIRG_MASK) >> VTD_IOTLB_IIRG_SHIFT) {
    case VTD_IOTLB_G_GLOBAL:
        vtd_iotlb_global_invalidate(s);
        return (uint64_t)VTD_IOTLB_G_GLOBAL << VTD_IOTLB_IAIG_SHIFT;
    case VTD_IOTLB_G_DOMAIN:
        vtd_iotlb_domain_invalidate(s, did);
        return (uint64_t)VTD_IOTLB_G_DOMAIN << VTD_IOTLB_IAIG_SHIFT;
    case VTD_IOTLB_G_PAGE:
        /* 10.4.8.2: address and mask from IVA */
        iva = vtd_get_quad_raw(s, VTD_REG_IVA);
        if (VTD_IVA_AM(iva) > VTD_MAMV) {
            return 0;
        }
        vtd_iotlb_page_invalidate(s, did, VTD_IVA_ADDR(iva), VTD_IVA_AM(iva));
        return (uint64_t)VTD_IOTLB_G_PAGE << VTD_IOTLB_IAIG_SHIFT;
    default:
        return 0;
    }
}

void vtd_handle_iotlb_write(IntelIOMMUState *s)
{
    uint64_t val = vtd_get_quad_raw(s, VTD_REG_IOTLB);
    uint64_t iaig;

    if (!(val & VTD_IOTLB_IVT)) {
        return;
    }
    if (s->qi_enabled) {
        return;
    }
    vtd_sync_work_begin(s);
    iaig = vtd_iotlb_flush(s, val);
    vtd_sync_work_end(s);
    vtd_set_clear_mask_quad(s, VTD_REG_IOTLB, VTD_IOTLB_IVT, 0);
    vtd_set_clear_mask_quad(s, VTD_REG_IOTLB, VTD_IOTLB_IAIG_MASK, iaig);
}

/* ---- queued invalidation (6.5.2) --------------------------------------- */

void vtd_update_iq_dw(IntelIOMMUState *s)
{
    uint64_t iqa = vtd_get_quad_raw(s, VTD_REG_IQA);

    /* 10.4.24 DW: 256-bit descriptors, only with scalable mode support */
    s->iq_dw = (s->ecap & VTD_ECAP_SMTS) && (iqa & VTD_IQA_DW);
}

static bool vtd_get_inv_desc(IntelIOMMUState *s, VTDInvDesc *desc)
{
    unsigned dw = s->iq_dw ? 32 : 16;
    hwaddr addr = s->iq + (hwaddr)s->iq_head * dw;
    uint8_t buf[32];

    if (!s->system_as ||
        address_space_read(s->system_as, addr, MEMTXATTRS_UNSPECIFIED, buf,
                           dw) != MEMTX_OK) {
        return false;
    }
    for (unsigned i = 0; i < 4; i++) {
        uint64_t v = 0;
        if (i * 8 < dw) {
            memcpy(&v, buf + i * 8, 8);
        }
        desc->val[i] = GUINT64_FROM_LE(v);
    }
    return true;
}

/* 6.5.2.8 invalidation wait descriptor */
#define VTD_WAIT_IF             (1ULL << 4)
#define VTD_WAIT_SW             (1ULL << 5)
#define VTD_WAIT_FN             (1ULL << 6)
#define VTD_WAIT_RSVD_LO        0xffffff80ULL  /* 31:7 */
#define VTD_WAIT_RSVD_HI        0x3ULL         /* status address 1:0 */

static bool vtd_process_wait_desc(IntelIOMMUState *s, const VTDInvDesc *d)
{
    uint64_t lo = d->val[0], hi = d->val[1];

    if ((lo & VTD_WAIT_RSVD_LO) || (hi & VTD_WAIT_RSVD_HI)) {
        return false;
    }
    s->stats.inv_wait++;
    if (!(lo & (VTD_WAIT_SW | VTD_WAIT_IF))) {
        return false; /* neither status write nor interrupt (QEMU) */
    }
    if (lo & VTD_WAIT_SW) {
        /* status data (63:32) to the status address */
        uint32_t data = (uint32_t)(lo >> 32);
        MemTxResult r = MEMTX_ERROR;
        if (s->system_as) {
            address_space_stl_le(s->system_as, hi, data,
                                 MEMTXATTRS_UNSPECIFIED, &r);
        }
        if (r != MEMTX_OK) {
            return false;
        }
    }
    if (lo & VTD_WAIT_IF) {
        vtd_generate_completion_event(s);
    }
    return true;
}

/* 6.5.2.1 context-cache invalidate descriptor */
#define VTD_CC_DESC_G(lo)       (((lo) >> 4) & 3)
#define VTD_CC_DESC_DID(lo)     ((uint16_t)((lo) >> 16))
#define VTD_CC_DESC_SID(lo)     ((uint16_t)((lo) >> 32))
#define VTD_CC_DESC_FM(lo)      (((lo) >> 48) & 3)
#define VTD_CC_DESC_RSVD_LO     0xfffc00000000ffc0ULL

static bool vtd_process_context_cache_desc(IntelIOMMUState *s,
                                           const VTDInvDesc *d)
{
    uint64_t lo = d->val[0];

    if ((lo & VTD_CC_DESC_RSVD_LO) || d->val[1]) {
        return false;
    }
    switch (VTD_CC_DESC_G(lo)) {
    case VTD_CCMD_G_DOMAIN:
        s->stats.inv_cc_domain++;
        /* performed as global (QEMU) */
        __attribute__((fallthrough));
    case VTD_CCMD_G_GLOBAL:
        vtd_context_global_invalidate(s);
        return true;
    case VTD_CCMD_G_DEVICE:
        vtd_context_device_invalidate(s, VTD_CC_DESC_SID(lo),
                                      VTD_CC_DESC_FM(lo));
        return true;
    default:
        return false;
    }
}

/* 6.5.2.3 IOTLB invalidate descriptor */
#define VTD_IOTLB_DESC_G(lo)    (((lo) >> 4) & 3)
#define VTD_IOTLB_DESC_DID(lo)  ((uint16_t)((lo) >> 16))
#define VTD_IOTLB_DESC_RSVD_LO  0xffffffff0000ff00ULL
#define VTD_IOTLB_DESC_RSVD_HI  0xf80ULL
#define VTD_IOTLB_DESC_ADDR(hi) ((hi) & ~0xfffULL)
#define VTD_IOTLB_DESC_AM(hi)   ((unsigned)((hi) & 0x3f))

static bool vtd_process_iotlb_desc(IntelIOMMUState *s, const VTDInvDesc *d)
{
    uint64_t lo = d->val[0], hi = d->val[1];

    if ((lo & VTD_IOTLB_DESC_RSVD_LO) || (hi & VTD_IOTLB_DESC_RSVD_HI)) {
        return false;
    }
    switch (VTD_IOTLB_DESC_G(lo)) {
    case VTD_IOTLB_G_GLOBAL:
        vtd_iotlb_global_invalidate(s);
        return true;
    case VTD_IOTLB_G_DOMAIN:
        vtd_iotlb_domain_invalidate(s, VTD_IOTLB_DESC_DID(lo));
        return true;
    case VTD_IOTLB_G_PAGE:
        if (VTD_IOTLB_DESC_AM(hi) > VTD_MAMV) {
            return false;
        }
        vtd_iotlb_page_invalidate(s, VTD_IOTLB_DESC_DID(lo),
                                  VTD_IOTLB_DESC_ADDR(hi),
                                  VTD_IOTLB_DESC_AM(hi));
        return true;
    default:
        return false;
    }
}

/* 6.5.2.5 device-TLB invalidate descriptor */
#define VTD_DEV_DESC_SID(lo)    ((uint16_t)((lo) >> 32))
#define VTD_DEV_DESC_RSVD_LO    0xffff0000ffe0fff8ULL
#define VTD_DEV_DESC_RSVD_HI    0xffeULL
#define VTD_DEV_DESC_S          1ULL

void vtd_dev_iotlb_desc_range(uint64_t hi, hwaddr *addr, hwaddr *addr_mask)
{
    hwaddr a = hi & ~0xfffULL;
    hwaddr mask;

    if (hi & VTD_DEV_DESC_S) {
        /* PCIe ATS: with S, the lowest 0 bit of the address above bit 11
         * gives the size: 8 KiB << (number of 1 bits below it) */
        unsigned ones = (a >> VTD_PAGE_SHIFT) == (UINT64_MAX >> VTD_PAGE_SHIFT)
                        ? 64 - VTD_PAGE_SHIFT
                        : (unsigned)__builtin_ctzll(~(a >> VTD_PAGE_SHIFT));
        unsigned shift = VTD_PAGE_SHIFT + 1 + ones;
        mask = shift >= 64 ? UINT64_MAX : (1ULL << shift) - 1;
        a &= ~mask;
    } else {
        mask = VTD_PAGE_SIZE - 1;
    }
    *addr = a;
    *addr_mask = mask;
}

static bool vtd_process_device_iotlb_desc(IntelIOMMUState *s,
                                          const VTDInvDesc *d)
{
    uint64_t lo = d->val[0], hi = d->val[1];
    hwaddr addr, mask;

    if ((lo & VTD_DEV_DESC_RSVD_LO) || (hi & VTD_DEV_DESC_RSVD_HI)) {
        return false;
    }
    s->stats.inv_dev_iotlb++;
    vtd_dev_iotlb_desc_range(hi, &addr, &mask);
    vtd_deviotlb_invalidate(s, VTD_DEV_DESC_SID(lo), addr, mask);
    return true;
}

/* Process the descriptor at IQH. False: an invalidation queue error. */
static bool vtd_process_inv_desc(IntelIOMMUState *s)
{
    VTDInvDesc d;
    uint8_t type;

    if (!vtd_get_inv_desc(s, &d)) {
        s->iq_last_desc_type = VTD_INV_DESC_NONE;
        return false;
    }
    /* QEMU 7.2 decodes bits 3:0 of the type only */
    type = VTD_INV_DESC_TYPE_LO(d.val[0]);
    s->iq_last_desc_type = type;
    s->stats.inv_descs++;

    switch (type) {
    case VTD_INV_DESC_CC:
        if (!vtd_process_context_cache_desc(s, &d)) {
            return false;
        }
        break;
    case VTD_INV_DESC_IOTLB:
        if (!vtd_process_iotlb_desc(s, &d)) {
            return false;
        }
        break;
    case VTD_INV_DESC_PC:
        s->stats.inv_pc++;   /* accepted, nothing done (QEMU 7.2) */
        break;
    case VTD_INV_DESC_PIOTLB:
        s->stats.inv_piotlb++; /* accepted, nothing done (QEMU 7.2) */
        break;
    case VTD_INV_DESC_WAIT:
        if (!vtd_process_wait_desc(s, &d)) {
            return false;
        }
        break;
    case VTD_INV_DESC_IEC:
        s->stats.inv_iec++;  /* no interrupt entry cache is kept */
        break;
    case VTD_INV_DESC_DEVICE:
        if (!vtd_process_device_iotlb_desc(s, &d)) {
            return false;
        }
        break;
    default:
        return false;
    }
    s->iq_head++;
    if (s->iq_head >= s->iq_size) {
        s->iq_head = 0;
    }
    return true;
}

void vtd_fetch_inv_desc(IntelIOMMUState *s)
{
    unsigned shift = s->iq_dw ? VTD_IQ_QT_SHIFT_256 : VTD_IQ_QT_SHIFT_128;
    unsigned budget = VTD_IQ_BUDGET;

    if (s->iq_running) {
        return; /* the running loop reads the new tail */
    }
    s->iq_running = true;
    s->iq_budget_hit = false;
    /* one work budget for the notifier syncs of the whole run */
    vtd_sync_work_begin(s);
    for (;;) {
        if (s->iq_tail >= s->iq_size) {
            /* 6.5.2.10: tail beyond the queue */
            vtd_handle_inv_queue_error(s);
            break;
        }
        if (s->iq_head == s->iq_tail || !s->qi_enabled) {
            break;
        }
        if (budget-- == 0) {
            s->iq_budget_hit = true;
            break;
        }
        if (!vtd_process_inv_desc(s)) {
            vtd_handle_inv_queue_error(s);
            break;
        }
        vtd_set_quad_raw(s, VTD_REG_IQH,
                         ((uint64_t)s->iq_head << shift) & VTD_IQT_QT_MASK);
        if (vtd_get_long_raw(s, VTD_REG_FSTS) & VTD_FSTS_IQE) {
            break; /* set meanwhile by a nested tail write */
        }
    }
    vtd_sync_work_end(s);
    s->iq_running = false;
}

void vtd_handle_iqt_write(IntelIOMMUState *s)
{
    uint64_t val = vtd_get_quad_raw(s, VTD_REG_IQT);

    if (s->iq_dw) {
        if (val & (1ULL << 4)) {
            return; /* 10.4.23: bit 4 reserved with 256-bit descriptors */
        }
        s->iq_tail = (val >> VTD_IQ_QT_SHIFT_256) & 0x3fff;
    } else {
        s->iq_tail = (val >> VTD_IQ_QT_SHIFT_128) & 0x7fff;
    }
    if (s->qi_enabled &&
        !(vtd_get_long_raw(s, VTD_REG_FSTS) & VTD_FSTS_IQE)) {
        vtd_fetch_inv_desc(s);
    }
}
