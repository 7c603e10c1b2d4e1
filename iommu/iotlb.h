/*
 * iotlb.h - what a device's IOTLB would cache: the translation of one
 * address of an AddressSpace through every IOMMU on the way.
 */
#ifndef IOMMUSIM_IOMMU_IOTLB_H
#define IOMMUSIM_IOMMU_IOTLB_H

#include "iommu/iommu.h"

/* IOMMU regions passed in one translation before it counts as a fault (an
 * IOMMU whose target is its own address space must not hang us). */
#define IOMMU_CHAIN_MAX 32

/*
 * address_space_get_iotlb_entry: translate @addr of @as for a read or a
 * write (@is_write) as QEMU's function of the same name (physmem.c) does:
 * through every IOMMU region on the way (nested ones included, index from
 * attrs_to_index), to the address space where a region that is not an
 * IOMMU is found. The result has target_as that address space,
 * addr_mask the AND of the masks of the IOMMUs passed (0xfff if none),
 * iova = @addr & ~addr_mask, translated_addr the address reached in
 * target_as & ~addr_mask, perm IOMMU_RW. A fault (missing permission, no
 * target_as, unassigned space at the end, a chain longer than
 * IOMMU_CHAIN_MAX) gives an all-zero entry (perm IOMMU_NONE).
 */
IOMMUTLBEntry address_space_get_iotlb_entry(AddressSpace *as, hwaddr addr,
                                            bool is_write, MemTxAttrs attrs);

#endif
