/*
 * intel-iommu.h - "-device intel-iommu" on a PCI hierarchy: the VT-d unit
 * of iommu/vtd/ attached as QEMU 7.2 attaches it on q35.
 *
 * QEMU's intel-iommu is not a PCI function but a sysbus device: it takes
 * no slot, its registers are at 0xfed90000 in system memory, and it becomes
 * the IOMMU of the root bus (pci_setup_iommu), so that every device below
 * gets a "vtd-root" AddressSpace. A machine hands -device strings whose
 * driver is "intel-iommu" (intel_iommu_spec_matches) here instead of to
 * pci_device_add(); the order against PCI devices does not matter (devices
 * that exist already are re-pointed, as QEMU resolves them at machine
 * done).
 *
 * Errors carry QEMU 7.2's texts (without the "-device SPEC: " prefix):
 *   Property 'intel-iommu.addr' not found
 *   Device 'intel-iommu' can't go on PCIE bus        (bus=...)
 *   QEMU does not support multiple vIOMMUs for x86 yet.
 *   Supported values for aw-bits are: 39, 48          (and the rest of
 *                                                      vtd_properties_*)
 */
#ifndef IOMMUSIM_DMA_INTEL_IOMMU_H
#define IOMMUSIM_DMA_INTEL_IOMMU_H

#include "dma/pci-bus.h"
#include "iommu/vtd/vtd.h"

/* Whether the driver of the -device string @spec is "intel-iommu". */
bool intel_iommu_spec_matches(const char *spec);

/*
 * intel_iommu_device_add: create the unit @spec describes ("intel-iommu,
 * aw-bits=48,caching-mode=on", QEMU's QemuOpts syntax) for the hierarchy
 * of @bus: DMA without remapping and the unit's own accesses (tables,
 * queue, fault and completion MSIs) go to the root bus's default DMA
 * AddressSpace (the system memory), the register window is mapped at
 * 0xfed90000 in that AddressSpace's root, and the unit becomes the root
 * bus's IOMMU. As QEMU's realize does, the address space of devfn 0 (the
 * IOAPIC's on q35) is created at once. NULL with @errp set on a bad spec or
 * when the hierarchy has an IOMMU already.
 */
IntelIOMMUState *intel_iommu_device_add(PCIBus *bus, const char *spec,
                                        GError **errp);

/* The unit attached to the hierarchy of @bus, or NULL. */
IntelIOMMUState *intel_iommu_find(PCIBus *bus);

/* Detach the unit from its root bus (devices go back to the system
 * memory), unmap its registers and free it. */
void intel_iommu_device_remove(IntelIOMMUState *s);

#endif
