/*
 * msi.h - the MSI capability of a PCI function, QEMU's hw/pci/msi.c.
 *
 * msi_init() adds the capability (32- or 64-bit address, optional
 * per-vector mask and pending bits) with QEMU's write masks: the enable
 * bit and the multiple-message-enable field of the control word, the
 * address (low two bits fixed), the data word and the mask bits of the
 * allocated vectors. msi_notify() sends a vector: masked vectors become
 * pending and are sent when unmasked or when MSI is (re-)enabled; the
 * message is a 4-byte little-endian write of the data to the address
 * through the device's bus master AddressSpace with its requester ID in
 * the attributes, as QEMU's pci_msi_trigger() does. With bus mastering
 * off the write fails and the interrupt is lost, as in QEMU.
 */
#ifndef IOMMUSIM_DMA_MSI_H
#define IOMMUSIM_DMA_MSI_H

#include "dma/pci.h"

/* Add the capability at @offset (0: first free space). @nr_vectors is a
 * power of two from 1 to 32. Returns the offset, or -1 with errp. */
int msi_init(PCIDevice *d, uint8_t offset, unsigned nr_vectors,
             bool msi64bit, bool per_vector_mask, GError **errp);
void msi_uninit(PCIDevice *d);
/* Clear enable, vector count, address, data, mask and pending bits */
void msi_reset(PCIDevice *d);

static inline bool msi_present(const PCIDevice *d)
{
    return d->cap_present & QEMU_PCI_CAP_MSI;
}
/* The capability is present and its enable bit set */
bool msi_enabled(const PCIDevice *d);
/* Vectors the guest enabled (1 << multiple message enable) */
unsigned msi_nr_vectors_allocated(const PCIDevice *d);
bool msi_is_masked(const PCIDevice *d, unsigned vector);
/* Address and data for @vector as programmed now */
MSIMessage msi_get_message(PCIDevice *d, unsigned vector);
/* Send @vector, or mark it pending if masked. A vector beyond those
 * enabled is ignored (QEMU asserts). */
void msi_notify(PCIDevice *d, unsigned vector);
/* Deliver a message through the device's trigger (default: the write) */
void msi_send_message(PCIDevice *d, MSIMessage msg);
/* Called by pci_default_write_config for every config write */
void msi_write_config(PCIDevice *d, uint32_t addr, uint32_t val, int len);

#endif
