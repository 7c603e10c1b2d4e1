/*
 * vtd-translate.c - the translate callback of the per-device DMAR regions:
 * a DMA request of a device, looked up in the IOTLB, else through the
 * context cache (or the root/context tables) and the second-level walk;
 * faults reported with the reason the VT-d specification assigns (7.1.3)
 * and as QEMU 7.2 records them.
 *
 * Order and caching are QEMU 7.2's (vtd_do_iommu_translate):
 *  - without PASID in legacy mode the IOTLB is looked up first, keyed by
 *    source id and address, before any context entry is read;
 *  - in scalable mode a request without PASID takes the context's
 *    RID_PASID, so the IOTLB is looked up after the context (its key
 *    holds that PASID);
 *  - pass-through contexts give 4 KiB identity entries, are not cached in
 *    the IOTLB and switch the device's address space to the no-DMAR alias
 *    (QEMU's pass-through fast path);
 *  - fault processing disable (FPD) of the context entry, or in scalable
 *    mode of the PASID directory or table entry, silences the qualified
 *    faults only (7.1.3: vtd_is_qualified_fault).
 */
#include "iommu/vtd/vtd-internal.h"

void vtd_as_report_fault(VTDAddressSpace *vtd_as, int reason, bool fpd,
                         hwaddr addr, bool is_write, bool is_pasid,
                         uint32_t pasid)
{
    /* QEMU 7.2 puts PASID bits 15:0 in the record (VTD_FRCD_PV), whatever
     * PP says: a request without PASID (all ones) records 0xffff. */
    vtd_report_fault(vtd_as->iommu_state, (VTDFaultReason)reason, fpd,
                     vtd_as_sid(vtd_as), addr, is_write, is_pasid,
                     pasid & 0xffff);
}

/*
 * The answers of the callback, built by value in the caller's return slot
 * (filling a local field by field and returning it made GCC copy it with
 * 16-byte loads right after 8-byte stores: a store-forwarding stall that
 * cost a third of an IOTLB hit).
 */
static inline IOMMUTLBEntry vtd_entry_fault(IntelIOMMUState *s)
{
    return (IOMMUTLBEntry) { .target_as = s->system_as, .perm = IOMMU_NONE };
}

static inline IOMMUTLBEntry vtd_entry_identity_4k(IntelIOMMUState *s,
                                                  hwaddr addr)
{
    return (IOMMUTLBEntry) {
        .target_as = s->system_as,
        .iova = addr & ~(VTD_PAGE_SIZE - 1),
        .translated_addr = addr & ~(VTD_PAGE_SIZE - 1),
        .addr_mask = VTD_PAGE_SIZE - 1,
        .perm = IOMMU_RW,
    };
}

static inline IOMMUTLBEntry vtd_entry_from_slpte(IntelIOMMUState *s,
                                                 hwaddr addr, uint64_t slpte,
                                                 uint64_t page_mask,
                                                 uint8_t access)
{
    return (IOMMUTLBEntry) {
        .target_as = s->system_as,
        .iova = addr & page_mask,
        .translated_addr = slpte & VTD_ADDR_4K_MASK(s->aw_bits) & page_mask,
        .addr_mask = ~page_mask,
        .perm = access,
    };
}

/*
 * The pass-through fast path: once a device is seen in pass-through, its
 * address space is switched to the no-DMAR alias (for the device the
 * source id names, as QEMU does), so later DMA does not come here.
 */
static void vtd_pt_enable_fast_path(IntelIOMMUState *s, uint16_t sid)
{
    VTDAddressSpace *vtd_as = vtd_get_as_by_sid(s, sid);

    if (vtd_as) {
        vtd_switch_address_space(vtd_as);
    }
}

static IOMMUTLBEntry vtd_do_iommu_translate(VTDAddressSpace *vtd_as,
                                            hwaddr addr, bool is_write)
{
    IntelIOMMUState *s = vtd_as->iommu_state;
    uint16_t sid = vtd_as_sid(vtd_as);
    uint32_t pasid = vtd_as->pasid;
    bool rid2pasid = pasid == VTD_NO_PASID && s->root_scalable;
    bool fpd = false, reads = true, writes = true;
    VTDContextEntry ce;
    VTDIOTLBEntry *hit;
    VTDWalkCtx ctx;
    uint64_t slpte;
    unsigned level;
    int ret;

    /* 3.14: requests without PASID to 0xFEEx_xxxx are interrupt requests;
     * the "vtd-ir" window above this region takes them. Only a direct
     * call (a lookup, not an access) can get here: no fault is recorded. */
    if (pasid == VTD_NO_PASID && addr >= VTD_INTERRUPT_ADDR_FIRST &&
        addr <= VTD_INTERRUPT_ADDR_LAST) {
        return vtd_entry_fault(s);
    }

    if (!rid2pasid) {
        hit = vtd_lookup_iotlb(s, sid, pasid, addr);
        if (hit) {
            return vtd_entry_from_slpte(s, addr, hit->slpte, hit->mask,
                                        hit->access_flags);
        }
    }

    if (vtd_context_cache_lookup(s, vtd_as, &ce)) {
        fpd = ce.lo & 2; /* 9.3/9.4: FPD, bit 1 */
        if (!fpd && s->root_scalable) {
            ret = vtd_ce_get_pasid_fpd(s, &ce, pasid, &fpd);
            if (ret) {
                vtd_as_report_fault(vtd_as, -ret, fpd, addr, is_write, false,
                                    0);
                return vtd_entry_fault(s);
            }
        }
    } else {
        ret = vtd_dev_to_context_entry(s, VTD_SID_BUS(sid),
                                       VTD_SID_DEVFN(sid), &ce);
        /* 9.3: FPD is meaningful even in an entry that is not present */
        fpd = ce.lo & 2;
        if (!ret && !fpd && s->root_scalable) {
            ret = vtd_ce_get_pasid_fpd(s, &ce, pasid, &fpd);
        }
        if (ret) {
            vtd_as_report_fault(vtd_as, -ret, fpd, addr, is_write, false, 0);
            return vtd_entry_fault(s);
        }
        vtd_context_cache_update(s, vtd_as, &ce);
    }

    ret = vtd_ce_resolve(s, &ce, pasid, &ctx);
    if (ret) {
        /* the PASID entry changed under a cached context entry */
        vtd_as_report_fault(vtd_as, -ret, fpd, addr, is_write, false, 0);
        return vtd_entry_fault(s);
    }
    if (rid2pasid) {
        pasid = ctx.pasid;
    }

    if (ctx.pt) {
        vtd_pt_enable_fast_path(s, sid);
        return vtd_entry_identity_4k(s, addr);
    }

    if (rid2pasid) {
        hit = vtd_lookup_iotlb(s, sid, pasid, addr);
        if (hit) {
            return vtd_entry_from_slpte(s, addr, hit->slpte, hit->mask,
                                        hit->access_flags);
        }
    }

    s->stats.walks++;
    ret = vtd_iova_to_slpte(s, &ctx, addr, is_write, &slpte, &level, &reads,
                            &writes);
    if (ret) {
        vtd_as_report_fault(vtd_as, -ret, fpd, addr, is_write,
                            pasid != VTD_NO_PASID, pasid);
        return vtd_entry_fault(s);
    }
    vtd_update_iotlb(s, sid, ctx.domain_id, addr, slpte,
                     IOMMU_ACCESS_FLAG(reads, writes), level, pasid);
    return vtd_entry_from_slpte(s, addr, slpte, vtd_level_page_mask(level),
                                IOMMU_ACCESS_FLAG(reads, writes));
}

static IOMMUTLBEntry vtd_iommu_translate(MemoryRegion *iommu, hwaddr addr,
                                         IOMMUAccessFlags flag, int iommu_idx)
{
    VTDAddressSpace *vtd_as = (VTDAddressSpace *)iommu;
    IntelIOMMUState *s = vtd_as->iommu_state;

    if (G_LIKELY(s->dmar_enabled)) {
        return vtd_do_iommu_translate(vtd_as, addr, flag & IOMMU_WO);
    }
    /* translation off: identity, 4 KiB at a time (10.4.4 GCMD.TE) */
    return vtd_entry_identity_4k(s, addr);
}

static uint64_t vtd_iommu_min_page_size(MemoryRegion *iommu)
{
    return VTD_PAGE_SIZE;
}

const IOMMUMemoryRegionClass vtd_iommu_memory_region_class = {
    .name = "intel-iommu-iommu-memory-region",
    .translate = vtd_iommu_translate,
    .get_min_page_size = vtd_iommu_min_page_size,
    .notify_flag_changed = vtd_iommu_notify_flag_changed,
    .replay = vtd_iommu_replay,
};
