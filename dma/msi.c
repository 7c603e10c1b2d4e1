/*
 * msi.c - MSI capability (msi.h), after QEMU 7.2's hw/pci/msi.c.
 */
#include "dma/msi.h"

static unsigned msi_cap_sizeof(uint16_t flags)
{
    bool mask = flags & PCI_MSI_FLAGS_MASKBIT;

    if (flags & PCI_MSI_FLAGS_64BIT) {
        return mask ? PCI_MSI_64M_SIZEOF : PCI_MSI_64_SIZEOF;
    }
    return mask ? PCI_MSI_32M_SIZEOF : PCI_MSI_32_SIZEOF;
}

static unsigned msi_nr_vectors(uint16_t flags)
{
    return 1u << ((flags & PCI_MSI_FLAGS_QSIZE) >> 4);
}

static uint16_t msi_flags(const PCIDevice *d)
{
    return pci_get_word(d->config + d->msi_cap + PCI_MSI_FLAGS);
}

static unsigned msi_data_off(const PCIDevice *d, bool msi64bit)
{
    return d->msi_cap + (msi64bit ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32);
}

static unsigned msi_mask_off(const PCIDevice *d, bool msi64bit)
{
    return d->msi_cap + (msi64bit ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32);
}

static unsigned msi_pending_off(const PCIDevice *d, bool msi64bit)
{
    return d->msi_cap + (msi64bit ? PCI_MSI_PENDING_64 : PCI_MSI_PENDING_32);
}

int msi_init(PCIDevice *d, uint8_t offset, unsigned nr_vectors,
             bool msi64bit, bool per_vector_mask, GError **errp)
{
    uint16_t flags;
    unsigned order = 0;
    int off;

    if (nr_vectors == 0 || nr_vectors > PCI_MSI_VECTORS_MAX ||
        (nr_vectors & (nr_vectors - 1))) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                    "msi: %u vectors (must be a power of two up to 32)",
                    nr_vectors);
        return -1;
    }
    while ((1u << order) < nr_vectors) {
        order++;
    }
    flags = (uint16_t)(order << 1);         /* multiple message capable */
    if (msi64bit) {
        flags |= PCI_MSI_FLAGS_64BIT;
    }
    if (per_vector_mask) {
        flags |= PCI_MSI_FLAGS_MASKBIT;
    }
    off = pci_add_capability(d, PCI_CAP_ID_MSI, offset,
                             (uint8_t)msi_cap_sizeof(flags), errp);
    if (off < 0) {
        return -1;
    }
    d->msi_cap = (uint8_t)off;
    d->cap_present |= QEMU_PCI_CAP_MSI;

    pci_set_word(d->config + off + PCI_MSI_FLAGS, flags);
    pci_set_word(d->wmask + off + PCI_MSI_FLAGS,
                 PCI_MSI_FLAGS_QSIZE | PCI_MSI_FLAGS_ENABLE);
    pci_set_long(d->wmask + off + PCI_MSI_ADDRESS_LO,
                 PCI_MSI_ADDRESS_LO_MASK);
    if (msi64bit) {
        pci_set_long(d->wmask + off + PCI_MSI_ADDRESS_HI, 0xffffffff);
    }
    pci_set_word(d->wmask + msi_data_off(d, msi64bit), 0xffff);
    if (per_vector_mask) {
        pci_set_long(d->wmask + msi_mask_off(d, msi64bit),
                     0xffffffffu >> (PCI_MSI_VECTORS_MAX - nr_vectors));
    }
    return off;
}

void msi_uninit(PCIDevice *d)
{
    if (!msi_present(d)) {
        return;
    }
    pci_del_capability(d, PCI_CAP_ID_MSI, (uint8_t)msi_cap_sizeof(msi_flags(d)));
    d->cap_present &= ~QEMU_PCI_CAP_MSI;
    d->msi_cap = 0;
}

void msi_reset(PCIDevice *d)
{
    uint16_t flags;
    bool msi64bit;

    if (!msi_present(d)) {
        return;
    }
    flags = msi_flags(d) & ~(PCI_MSI_FLAGS_QSIZE | PCI_MSI_FLAGS_ENABLE);
    msi64bit = flags & PCI_MSI_FLAGS_64BIT;
    pci_set_word(d->config + d->msi_cap + PCI_MSI_FLAGS, flags);
    pci_set_long(d->config + d->msi_cap + PCI_MSI_ADDRESS_LO, 0);
    if (msi64bit) {
        pci_set_long(d->config + d->msi_cap + PCI_MSI_ADDRESS_HI, 0);
    }
    pci_set_word(d->config + msi_data_off(d, msi64bit), 0);
    if (flags & PCI_MSI_FLAGS_MASKBIT) {
        pci_set_long(d->config + msi_mask_off(d, msi64bit), 0);
        pci_set_long(d->config + msi_pending_off(d, msi64bit), 0);
    }
}

bool msi_enabled(const PCIDevice *d)
{
    return msi_present(d) && (msi_flags(d) & PCI_MSI_FLAGS_ENABLE);
}

unsigned msi_nr_vectors_allocated(const PCIDevice *d)
{
    return msi_present(d) ? msi_nr_vectors(msi_flags(d)) : 0;
}

bool msi_is_masked(const PCIDevice *d, unsigned vector)
{
    uint16_t flags;

    if (!msi_present(d) || vector >= PCI_MSI_VECTORS_MAX) {
        return false;
    }
    flags = msi_flags(d);
    if (!(flags & PCI_MSI_FLAGS_MASKBIT)) {
        return false;
    }
    return pci_get_long(d->config +
                        msi_mask_off(d, flags & PCI_MSI_FLAGS_64BIT)) &
           (1u << vector);
}

MSIMessage msi_get_message(PCIDevice *d, unsigned vector)
{
    uint16_t flags = msi_flags(d);
    bool msi64bit = flags & PCI_MSI_FLAGS_64BIT;
    unsigned nr_vectors = msi_nr_vectors(flags);
    MSIMessage msg;

    if (msi64bit) {
        msg.address = pci_get_quad(d->config + d->msi_cap +
                                   PCI_MSI_ADDRESS_LO);
    } else {
        msg.address = pci_get_long(d->config + d->msi_cap +
                                   PCI_MSI_ADDRESS_LO);
    }
    msg.data = pci_get_word(d->config + msi_data_off(d, msi64bit));
    if (nr_vectors > 1) {
        msg.data &= ~(nr_vectors - 1);
        msg.data |= vector;
    }
    return msg;
}

void msi_send_message(PCIDevice *d, MSIMessage msg)
{
    if (d->msi_trigger) {
        d->msi_trigger(d, msg);
        return;
    }
    address_space_stl_le(d->bus_master_as, msg.address, msg.data,
                         pci_requester_attrs(d), NULL);
}

void msi_notify(PCIDevice *d, unsigned vector)
{
    uint16_t flags;
    bool msi64bit;

    if (!msi_present(d)) {
        return;
    }
    flags = msi_flags(d);
    msi64bit = flags & PCI_MSI_FLAGS_64BIT;
    if (vector >= msi_nr_vectors(flags)) {
        return;
    }
    if (msi_is_masked(d, vector)) {
        pci_long_test_and_set_mask(d->config + msi_pending_off(d, msi64bit),
                                   1u << vector);
        return;
    }
    msi_send_message(d, msi_get_message(d, vector));
}

void msi_write_config(PCIDevice *d, uint32_t addr, uint32_t val, int len)
{
    uint16_t flags;
    bool msi64bit, per_vector_mask;
    unsigned log_num, log_max, nr_vectors;
    uint32_t pending;

    if (!msi_present(d)) {
        return;
    }
    flags = msi_flags(d);
    if (!pci_ranges_overlap(addr, (unsigned)len, d->msi_cap,
                            msi_cap_sizeof(flags))) {
        return;
    }
    if (!(flags & PCI_MSI_FLAGS_ENABLE)) {
        return;
    }
    msi64bit = flags & PCI_MSI_FLAGS_64BIT;
    per_vector_mask = flags & PCI_MSI_FLAGS_MASKBIT;

    /* MSI and INTx are exclusive: INTx is dropped while MSI is on */
    pci_device_deassert_intx(d);

    /* more vectors enabled than capable: clamp */
    log_num = (flags & PCI_MSI_FLAGS_QSIZE) >> 4;
    log_max = (flags & PCI_MSI_FLAGS_QMASK) >> 1;
    if (log_num > log_max) {
        flags = (uint16_t)((flags & ~PCI_MSI_FLAGS_QSIZE) | (log_max << 4));
        pci_set_word(d->config + d->msi_cap + PCI_MSI_FLAGS, flags);
    }
    if (!per_vector_mask) {
        return;
    }
    nr_vectors = msi_nr_vectors(flags);
    pending = pci_get_long(d->config + msi_pending_off(d, msi64bit));
    pending &= 0xffffffffu >> (PCI_MSI_VECTORS_MAX - nr_vectors);
    pci_set_long(d->config + msi_pending_off(d, msi64bit), pending);
    for (unsigned vector = 0; vector < nr_vectors; vector++) {
        if (msi_is_masked(d, vector) || !(pending & (1u << vector))) {
            continue;
        }
        pci_long_test_and_clear_mask(d->config + msi_pending_off(d, msi64bit),
                                     1u << vector);
        msi_notify(d, vector);
    }
}
