/*
 * vtd-fault.c - fault recording and interrupt events (VT-d spec 7.2,
 * 7.4, 10.4.9-10.4.14, 10.4.25-10.4.28).
 *
 * Primary fault logging (7.2.1) with the single fault recording register
 * QEMU 7.2 has, recorded the way QEMU 7.2 does (checked against
 * qemu-system-x86_64 7.2, replies in tests/unit/test-vtd-fault.c):
 *  - nothing is recorded while FSTS.PFO is set;
 *  - a fault whose source id already has a pending record (F set) is
 *    dropped ("collapsed");
 *  - when the next record is still in use, PFO is set instead;
 *  - otherwise the record is written (F set, T = 1 for reads) and FSTS.PPF
 *    follows; FSTS.FRI takes the index and a fault event is raised only if
 *    no fault was pending before.
 * A fault event (7.4.1) sets FECTL.IP; unless FECTL.IM is set, FEDATA is
 * written (4 bytes) to FEADDR through the system address space, where
 * q35's apic-msi window sees it, and IP clears. The same for the
 * invalidation completion event with ICS/IECTL/IEDATA/IEADDR.
 */
#include "iommu/vtd/vtd-internal.h"

/* 7.1.3: conditions that FPD (context/PASID entry) suppresses. As QEMU
 * 7.2: root entry and table conditions, reserved bits of a context entry
 * and PASID table faults are always reported. */
bool vtd_is_qualified_fault(VTDFaultReason reason)
{
    switch (reason) {
    case VTD_FR_CONTEXT_ENTRY_P:
    case VTD_FR_CONTEXT_ENTRY_INV:
    case VTD_FR_ADDR_BEYOND_MGAW:
    case VTD_FR_WRITE:
    case VTD_FR_READ:
    case VTD_FR_PAGING_ENTRY_INV:
    case VTD_FR_INTERRUPT_ADDR:
    case VTD_FR_PAGING_ENTRY_RSVD:
    case VTD_FR_CONTEXT_ENTRY_TT:
    case VTD_FR_SM_INTERRUPT_ADDR:
        return true;
    default:
        return false;
    }
}

/*
 * Send the MSI described by the address/data register pair (7.4). The
 * write goes to the system address space, 4 bytes of data at the 32-bit
 * address (the upper address registers are reserved without EIM). A write
 * that lands in our own register window could raise another event: such
 * nested events are dropped so that a guest cannot make us recurse.
 */
static void vtd_generate_interrupt(IntelIOMMUState *s, hwaddr addr_reg,
                                   hwaddr data_reg)
{
    uint32_t addr = vtd_get_long_raw(s, addr_reg);
    uint32_t data = vtd_get_long_raw(s, data_reg);

    if (!s->system_as || s->msi_depth > 0) {
        return;
    }
    s->msi_depth++;
    address_space_stl_le(s->system_as, addr, data, MEMTXATTRS_UNSPECIFIED,
                         NULL);
    s->msi_depth--;
}

/* 7.4.1: a fault event, unless an earlier condition is still pending
 * (@pre_fsts: FSTS before this fault changed it). */
static void vtd_generate_fault_event(IntelIOMMUState *s, uint32_t pre_fsts)
{
    if (pre_fsts & (VTD_FSTS_PPF | VTD_FSTS_PFO | VTD_FSTS_IQE)) {
        return; /* software has not serviced the previous one */
    }
    vtd_set_clear_mask_long(s, VTD_REG_FECTL, 0, VTD_FECTL_IP);
    if (vtd_get_long_raw(s, VTD_REG_FECTL) & VTD_FECTL_IM) {
        return; /* masked: stays pending until IM clears */
    }
    s->stats.fault_events++;
    vtd_generate_interrupt(s, VTD_REG_FEADDR, VTD_REG_FEDATA);
    vtd_set_clear_mask_long(s, VTD_REG_FECTL, VTD_FECTL_IP, 0);
}

static bool vtd_frcd_pending(IntelIOMMUState *s, unsigned index)
{
    return vtd_get_quad_raw(s, VTD_REG_FRCD_HI(index)) & VTD_FRCD_HI_F;
}

/* 10.4.9: PPF is set while any record has F set */
void vtd_update_fsts_ppf(IntelIOMMUState *s)
{
    uint32_t ppf = 0;

    for (unsigned i = 0; i < VTD_FRCD_COUNT; i++) {
        if (vtd_frcd_pending(s, i)) {
            ppf = VTD_FSTS_PPF;
            break;
        }
    }
    vtd_set_clear_mask_long(s, VTD_REG_FSTS, VTD_FSTS_PPF, ppf);
}

/* 10.4.14: write the record (F is set afterwards by the caller). PV keeps
 * 16 bits of the PASID, as QEMU 7.2 does (the field has 20): a request
 * without PASID (VTD_NO_PASID) reads PV 0xffff, PP 0 (qemu-system-x86_64
 * 7.2: readq 0xfed90228 -> OK 0x80ffff0700000020). */
static void vtd_record_frcd(IntelIOMMUState *s, unsigned index,
                            uint16_t source_id, hwaddr addr,
                            VTDFaultReason reason, bool is_write,
                            bool is_pasid, uint32_t pasid)
{
    uint64_t lo = VTD_FRCD_LO_FI(addr);
    uint64_t hi = source_id |
                  ((uint64_t)(reason & 0xff) << VTD_FRCD_HI_FR_SHIFT) |
                  ((uint64_t)(pasid & 0xffff) << VTD_FRCD_HI_PV_SHIFT);

    if (is_pasid) {
        hi |= VTD_FRCD_HI_PP;
    }
    if (!is_write) {
        hi |= VTD_FRCD_HI_T; /* T: 1 for a read request */
    }
    vtd_set_quad_raw(s, VTD_REG_FRCD_LO(index), lo);
    vtd_set_quad_raw(s, VTD_REG_FRCD_HI(index), hi);
}

/* A pending record of the same requester makes the new fault redundant */
static bool vtd_try_collapse_fault(IntelIOMMUState *s, uint16_t source_id)
{
    for (unsigned i = 0; i < VTD_FRCD_COUNT; i++) {
        uint64_t hi = vtd_get_quad_raw(s, VTD_REG_FRCD_HI(i));
        if ((hi & VTD_FRCD_HI_F) &&
            (hi & VTD_FRCD_HI_SID_MASK) == source_id) {
            return true;
        }
    }
    return false;
}

/* 7.2.1 primary fault logging */
static void vtd_report_dmar_fault(IntelIOMMUState *s, uint16_t source_id,
                                  hwaddr addr, VTDFaultReason reason,
                                  bool is_write, bool is_pasid,
                                  uint32_t pasid)
{
    uint32_t fsts = vtd_get_long_raw(s, VTD_REG_FSTS);
    unsigned index = s->next_frcd_reg;

    if (fsts & VTD_FSTS_PFO) {
        s->stats.faults_overflow++;
        return;
    }
    if (vtd_try_collapse_fault(s, source_id)) {
        s->stats.faults_collapsed++;
        return;
    }
    if (vtd_frcd_pending(s, index)) {
        /* the next record is still in use: overflow */
        s->stats.faults_overflow++;
        vtd_set_clear_mask_long(s, VTD_REG_FSTS, 0, VTD_FSTS_PFO);
        return;
    }

    vtd_record_frcd(s, index, source_id, addr, reason, is_write, is_pasid,
                    pasid);
    s->stats.faults_recorded++;

    if (!(fsts & VTD_FSTS_PPF)) {
        /* FRI: the first pending record (only when none was pending) */
        vtd_set_clear_mask_long(s, VTD_REG_FSTS, VTD_FSTS_FRI_MASK,
                                (index << VTD_FSTS_FRI_SHIFT) &
                                VTD_FSTS_FRI_MASK);
    }
    vtd_set_clear_mask_quad(s, VTD_REG_FRCD_HI(index), 0, VTD_FRCD_HI_F);
    vtd_update_fsts_ppf(s);
    s->next_frcd_reg = (index + 1) % VTD_FRCD_COUNT;

    if (!(fsts & VTD_FSTS_PPF)) {
        /* PPF went from 0 to 1: that is a fault event */
        vtd_generate_fault_event(s, fsts);
    }
}

void vtd_report_fault(IntelIOMMUState *s, VTDFaultReason reason,
                      bool is_fpd_set, uint16_t source_id, hwaddr addr,
                      bool is_write, bool is_pasid, uint32_t pasid)
{
    s->stats.faults++;
    if (is_fpd_set && vtd_is_qualified_fault(reason)) {
        s->stats.faults_fpd++; /* 7.1.3: fault processing disabled */
        return;
    }
    vtd_report_dmar_fault(s, source_id, addr, reason, is_write, is_pasid,
                          pasid);
}

/* 6.5.2.10: invalidation queue error */
void vtd_handle_inv_queue_error(IntelIOMMUState *s)
{
    uint32_t fsts = vtd_get_long_raw(s, VTD_REG_FSTS);

    s->stats.inv_queue_errors++;
    vtd_set_clear_mask_long(s, VTD_REG_FSTS, 0, VTD_FSTS_IQE);
    vtd_generate_fault_event(s, fsts);
}

/* 6.5.2.8 / 7.4.2: wait descriptor with IF: ICS.IWC and the event */
void vtd_generate_completion_event(IntelIOMMUState *s)
{
    if (vtd_get_long_raw(s, VTD_REG_ICS) & VTD_ICS_IWC) {
        return; /* the previous completion is not serviced yet */
    }
    vtd_set_clear_mask_long(s, VTD_REG_ICS, 0, VTD_ICS_IWC);
    vtd_set_clear_mask_long(s, VTD_REG_IECTL, 0, VTD_IECTL_IP);
    if (vtd_get_long_raw(s, VTD_REG_IECTL) & VTD_IECTL_IM) {
        return;
    }
    s->stats.inv_events++;
    vtd_generate_interrupt(s, VTD_REG_IEADDR, VTD_REG_IEDATA);
    vtd_set_clear_mask_long(s, VTD_REG_IECTL, VTD_IECTL_IP, 0);
}

/* 10.4.10: IP clears once software cleared every status that caused it */
void vtd_handle_fsts_write(IntelIOMMUState *s)
{
    uint32_t fsts = vtd_get_long_raw(s, VTD_REG_FSTS);
    uint32_t fectl = vtd_get_long_raw(s, VTD_REG_FECTL);

    if ((fectl & VTD_FECTL_IP) &&
        !(fsts & (VTD_FSTS_PFO | VTD_FSTS_PPF | VTD_FSTS_IQE))) {
        vtd_set_clear_mask_long(s, VTD_REG_FECTL, VTD_FECTL_IP, 0);
    }
}

/* 10.4.10: clearing IM while IP is set delivers the pending event */
void vtd_handle_fectl_write(IntelIOMMUState *s)
{
    uint32_t fectl = vtd_get_long_raw(s, VTD_REG_FECTL);

    if ((fectl & VTD_FECTL_IP) && !(fectl & VTD_FECTL_IM)) {
        s->stats.fault_events++;
        vtd_generate_interrupt(s, VTD_REG_FEADDR, VTD_REG_FEDATA);
        vtd_set_clear_mask_long(s, VTD_REG_FECTL, VTD_FECTL_IP, 0);
    }
}

/* 10.4.26: IP clears with ICS.IWC */
void vtd_handle_ics_write(IntelIOMMUState *s)
{
    uint32_t ics = vtd_get_long_raw(s, VTD_REG_ICS);
    uint32_t iectl = vtd_get_long_raw(s, VTD_REG_IECTL);

    if ((iectl & VTD_IECTL_IP) && !(ics & VTD_ICS_IWC)) {
        vtd_set_clear_mask_long(s, VTD_REG_IECTL, VTD_IECTL_IP, 0);
    }
}

void vtd_handle_iectl_write(IntelIOMMUState *s)
{
    uint32_t iectl = vtd_get_long_raw(s, VTD_REG_IECTL);

    if ((iectl & VTD_IECTL_IP) && !(iectl & VTD_IECTL_IM)) {
        s->stats.inv_events++;
        vtd_generate_interrupt(s, VTD_REG_IEADDR, VTD_REG_IEDATA);
        vtd_set_clear_mask_long(s, VTD_REG_IECTL, VTD_IECTL_IP, 0);
    }
}
