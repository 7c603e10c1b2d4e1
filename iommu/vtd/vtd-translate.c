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

static inline void vtd_entry_fault(IOMMUTLBEntry *entry)
{
    entry->iova = 0;
    entry->translated_addr = 0;
    entry->addr_mask = 0;
    entry->perm = IOMMU_NONE;
}

static inline void vtd_entry_identity_4k(IOMMUTLBEntry *entry, hwaddr addr)
{
    entry->iova = addr & ~(VTD_PAGE_SIZE - 1);
    entry->translated_addr = entry->iova;
    entry->addr_mask = VTD_PAGE_SIZE - 1;
    entry->perm = IOMMU_RW;
}

static inline void vtd_entry_from_slpte(IntelIOMMUState *s,
                                        IOMMUTLBEntry *entry, hwaddr addr,
                                        uint64_t slpte, uint64_t page_mask,
                                        uint8_t access)
{
    entry->iova = addr & page_mask;
    entry->translated_addr = vtd_slpte_addr(s, slpte) & page_mask;
    entry->addr_mask = ~page_mask;
    entry->perm = access;
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

static bool vtd_do_iommu_translate(VTDAddressSpace *vtd_as, hwaddr addr,
                                   bool is_write, IOMMUTLBEntry *entry)
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
        vtd_entry_fault(entry);
        return false;
    }

    if (!rid2pasid) {
        hit = vtd_lookup_iotlb(s, sid, pasid, addr);
        if (hit) {
            vtd_entry_from_slpte(s, entry, addr, hit->slpte, hit->mask,
                                 hit->access_flags);
            return true;
        }
    }

    if (vtd_context_cache_lookup(s, vtd_as, &ce)) {
        fpd = ce.lo & 2; /* 9.3/9.4: FPD, bit 1 */
        if (!fpd && s->root_scalable) {
            ret = vtd_ce_get_pasid_fpd(s, &ce, pasid, &fpd);
            if (ret) {
                vtd_as_report_fault(vtd_as, -ret, fpd, addr, is_write, false,
                                    0);
                vtd_entry_fault(entry);
                return false;
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
            vtd_entry_fault(entry);
            return false;
        }
        vtd_context_cache_update(s, vtd_as, &ce);
    }

    ret = vtd_ce_resolve(s, &ce, pasid, &ctx);
    if (ret) {
        /* the PASID entry changed under a cached context entry */
        vtd_as_report_fault(vtd_as, -ret, fpd, addr, is_write, false, 0);
        vtd_entry_fault(entry);
        return false;
    }
    if (rid2pasid) {
        pasid = ctx.pasid;
    }

    if (ctx.pt) {
        vtd_entry_identity_4k(entry, addr);
        vtd_pt_enable_fast_path(s, sid);
        return true;
    }

    if (rid2pasid) {
        hit = vtd_lookup_iotlb(s, sid, pasid, addr);
        if (hit) {
            vtd_entry_from_slpte(s, entry, addr, hit->slpte, hit->mask,
                                 hit->access_flags);
            return true;
        }
    }

    s->stats.walks++;
    ret = vtd_iova_to_slpte(s, &ctx, addr, is_write, &slpte, &level, &reads,
                            &writes);
    if (ret) {
        vtd_as_report_fault(vtd_as, -ret, fpd, addr, is_write,
                            pasid != VTD_NO_PASID, pasid);
        vtd_entry_fault(entry);
        return false;
    }
    vtd_update_iotlb(s, sid, ctx.domain_id, addr, slpte,
                     IOMMU_ACCESS_FLAG(reads, writes), level, pasid);
    vtd_entry_from_slpte(s, entry, addr, slpte, vtd_level_page_mask(level),
                         IOMMU_ACCESS_FLAG(reads, writes));
    return true;
}

static IOMMUTLBEntry vtd_iommu_translate(MemoryRegion *iommu, hwaddr addr,
                                         IOMMUAccessFlags flag, int iommu_idx)
{
    VTDAddressSpace *vtd_as = (VTDAddressSpace *)iommu;
    IntelIOMMUState *s = vtd_as->iommu_state;
    IOMMUTLBEntry entry = { .target_as = s->system_as };

    if (G_LIKELY(s->dmar_enabled)) {
        vtd_do_iommu_translate(vtd_as, addr, flag & IOMMU_WO, &entry);
    } else {
        /* translation off: identity, 4 KiB at a time (10.4.4 GCMD.TE) */
        vtd_entry_identity_4k(&entry, addr);
    }
    return entry;
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
