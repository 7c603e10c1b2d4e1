/*
 * iotlb.c - address_space_get_iotlb_entry.
 *
 * Facts kept from QEMU 7.2 (softmmu/physmem.c: address_space_get_iotlb_entry,
 * flatview_do_translate, address_space_translate_iommu): the permission
 * check is perm & (1 << is_write); each hop composes the address as
 * (translated_addr & ~addr_mask) | (addr & addr_mask) and ANDs the page
 * masks; a path that reaches no IOMMU reports the target page size; a path
 * that ends in unassigned space is a failure, reported as a zero entry.
 * We also bound the chain (QEMU loops for ever on a self-targeting IOMMU).
 */
#include "iommu/iotlb.h"

/* The region at @addr of @fv and the offset in it, or NULL for a hole. */
static MemoryRegion *lookup(FlatView *fv, hwaddr addr, hwaddr *xlat)
{
    int i = fv ? flatview_find(fv, addr) : -1;

    if (i < 0) {
        return NULL;
    }
    *xlat = fv->ranges[i].offset_in_region +
            (addr - (hwaddr)fv->ranges[i].start);
    return fv->ranges[i].mr;
}

IOMMUTLBEntry address_space_get_iotlb_entry(AddressSpace *as, hwaddr addr,
                                            bool is_write, MemTxAttrs attrs)
{
    IOMMUAccessFlags need = is_write ? IOMMU_WO : IOMMU_RO;
    IOMMUTLBEntry fail = { 0 };
    hwaddr page_mask = HWADDR_MAX;
    hwaddr a = addr, xlat = 0;
    FlatView *fv;
    MemoryRegion *mr;
    int hops = 0;

    if (!as) {
        return fail;
    }
    fv = address_space_to_flatview(as);
    if (fv) {
        flatview_ref(fv);
    }
    mr = lookup(fv, a, &xlat);
    while (mr && mr->kind == MR_IOMMU) {
        const IOMMUMemoryRegionClass *k = mr->iommu_ops;
        IOMMUTLBEntry e;
        int idx = 0;

        if (hops++ == IOMMU_CHAIN_MAX || !k || !k->translate) {
            mr = NULL;
            break;
        }
        memory_region_ref(mr);
        if (k->attrs_to_index) {
            idx = k->attrs_to_index(mr, attrs);
        }
        e = k->translate(mr, xlat, need, idx);
        memory_region_unref(mr);
        if (!(e.perm & need) || !e.target_as) {
            mr = NULL;
            break;
        }
        a = (e.translated_addr & ~e.addr_mask) | (xlat & e.addr_mask);
        page_mask &= e.addr_mask;
        as = e.target_as;
        flatview_unref(fv);
        fv = address_space_to_flatview(as);
        if (fv) {
            flatview_ref(fv); /* NULL: a destroyed address space */
        }
        mr = lookup(fv, a, &xlat);
    }
    flatview_unref(fv);
    if (!mr) {
        return fail;
    }
    if (hops == 0) {
        page_mask = IOMMU_TARGET_PAGE_SIZE - 1;
    }
    return (IOMMUTLBEntry){
        .target_as = as,
        .iova = addr & ~page_mask,
        .translated_addr = a & ~page_mask,
        .addr_mask = page_mask,
        .perm = IOMMU_RW,
    };
}
