/*
 * pci.c - PCI device functions: registration on a bus, config space with
 * wmask/w1cmask semantics, BARs, bus mastering, DMA, capabilities, INTx
 * and reset (pci.h). Behaviour follows QEMU 7.2's hw/pci/pci.c.
 */
#include "dma/pci.h"
#include "dma/pci-host.h"
#include "dma/pci-bridge.h"
#include "dma/pci-driver.h"
#include "dma/msi.h"
#include <stdio.h>
#include <string.h>

typedef struct PCIConfigHookEntry {
    guint id;
    PCIConfigWriteHook fn;
    void *opaque;
} PCIConfigHookEntry;

static guint next_hook_id = 1;

uint32_t pci_config_size(const PCIDevice *d)
{
    return d->config_size;
}

static bool pci_is_express(const PCIDevice *d)
{
    return d->cap_present & QEMU_PCI_CAP_EXPRESS;
}

/* ---- header helpers ------------------------------------------------------ */

void pci_config_set_vendor_id(uint8_t *config, uint16_t val)
{
    pci_set_word(config + PCI_VENDOR_ID, val);
}

void pci_config_set_device_id(uint8_t *config, uint16_t val)
{
    pci_set_word(config + PCI_DEVICE_ID, val);
}

void pci_config_set_revision(uint8_t *config, uint8_t val)
{
    pci_set_byte(config + PCI_REVISION_ID, val);
}

void pci_config_set_class(uint8_t *config, uint16_t val)
{
    pci_set_word(config + PCI_CLASS_DEVICE, val);
}

void pci_config_set_prog_interface(uint8_t *config, uint8_t val)
{
    pci_set_byte(config + PCI_CLASS_PROG, val);
}

void pci_config_set_interrupt_pin(uint8_t *config, uint8_t val)
{
    pci_set_byte(config + PCI_INTERRUPT_PIN, val);
}

/* ---- masks (QEMU's pci_init_cmask/wmask/w1cmask/mask_bridge) ------------ */

static void pci_init_cmask(PCIDevice *d)
{
    pci_set_word(d->cmask + PCI_VENDOR_ID, 0xffff);
    pci_set_word(d->cmask + PCI_DEVICE_ID, 0xffff);
    d->cmask[PCI_STATUS] = PCI_STATUS_CAP_LIST;
    d->cmask[PCI_REVISION_ID] = 0xff;
    d->cmask[PCI_CLASS_PROG] = 0xff;
    pci_set_word(d->cmask + PCI_CLASS_DEVICE, 0xffff);
    d->cmask[PCI_HEADER_TYPE] = 0xff;
    d->cmask[PCI_CAPABILITY_LIST] = 0xff;
}

static void pci_init_wmask(PCIDevice *d)
{
    d->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    d->wmask[PCI_INTERRUPT_LINE] = 0xff;
    pci_set_word(d->wmask + PCI_COMMAND,
                 PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                 PCI_COMMAND_INTX_DISABLE | PCI_COMMAND_SERR);
    /* everything after the header is the model's, writable by default */
    memset(d->wmask + PCI_CONFIG_HEADER_SIZE, 0xff,
           d->config_size - PCI_CONFIG_HEADER_SIZE);
}

static void pci_init_w1cmask(PCIDevice *d)
{
    pci_set_word(d->w1cmask + PCI_STATUS,
                 PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT |
                 PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT |
                 PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY);
}

static void pci_init_mask_bridge(PCIDevice *d)
{
    /* primary, secondary, subordinate bus and secondary latency timer */
    memset(d->wmask + PCI_PRIMARY_BUS, 0xff, 4);

    d->wmask[PCI_IO_BASE] = PCI_IO_RANGE_MASK & 0xff;
    d->wmask[PCI_IO_LIMIT] = PCI_IO_RANGE_MASK & 0xff;
    pci_set_word(d->wmask + PCI_MEMORY_BASE, PCI_MEMORY_RANGE_MASK & 0xffff);
    pci_set_word(d->wmask + PCI_MEMORY_LIMIT, PCI_MEMORY_RANGE_MASK & 0xffff);
    pci_set_word(d->wmask + PCI_PREF_MEMORY_BASE, PCI_PREF_RANGE_MASK & 0xffff);
    pci_set_word(d->wmask + PCI_PREF_MEMORY_LIMIT,
                 PCI_PREF_RANGE_MASK & 0xffff);
    memset(d->wmask + PCI_PREF_BASE_UPPER32, 0xff, 8);

    /* 16-bit I/O and 64-bit prefetchable windows */
    d->config[PCI_IO_BASE] |= PCI_IO_RANGE_TYPE_16;
    d->config[PCI_IO_LIMIT] |= PCI_IO_RANGE_TYPE_16;
    pci_word_test_and_set_mask(d->config + PCI_PREF_MEMORY_BASE,
                               PCI_PREF_RANGE_TYPE_64);
    pci_word_test_and_set_mask(d->config + PCI_PREF_MEMORY_LIMIT,
                               PCI_PREF_RANGE_TYPE_64);

    pci_set_word(d->wmask + PCI_BRIDGE_CONTROL,
                 PCI_BRIDGE_CTL_PARITY | PCI_BRIDGE_CTL_SERR |
                 PCI_BRIDGE_CTL_ISA | PCI_BRIDGE_CTL_VGA |
                 PCI_BRIDGE_CTL_VGA_16BIT | PCI_BRIDGE_CTL_MASTER_ABORT |
                 PCI_BRIDGE_CTL_BUS_RESET | PCI_BRIDGE_CTL_FAST_BACK |
                 PCI_BRIDGE_CTL_DISCARD | PCI_BRIDGE_CTL_SEC_DISCARD |
                 PCI_BRIDGE_CTL_DISCARD_SERR);
    pci_set_word(d->w1cmask + PCI_BRIDGE_CONTROL,
                 PCI_BRIDGE_CTL_DISCARD_STATUS);
    d->cmask[PCI_IO_BASE] |= PCI_IO_RANGE_TYPE_MASK;
    d->cmask[PCI_IO_LIMIT] |= PCI_IO_RANGE_TYPE_MASK;
    pci_word_test_and_set_mask(d->cmask + PCI_PREF_MEMORY_BASE,
                               PCI_PREF_RANGE_TYPE_MASK);
    pci_word_test_and_set_mask(d->cmask + PCI_PREF_MEMORY_LIMIT,
                               PCI_PREF_RANGE_TYPE_MASK);
}

static bool pci_init_multifunction(PCIBus *bus, PCIDevice *d, GError **errp)
{
    int slot = PCI_SLOT(d->devfn);

    if (d->cap_present & QEMU_PCI_CAP_MULTIFUNCTION) {
        d->config[PCI_HEADER_TYPE] |= PCI_HEADER_TYPE_MULTI_FUNCTION;
    }
    if (PCI_FUNC(d->devfn)) {
        PCIDevice *f0 = bus->devices[PCI_DEVFN(slot, 0)];
        if (f0 && !(f0->cap_present & QEMU_PCI_CAP_MULTIFUNCTION)) {
            g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_BUSY,
                        "PCI: single function device can't be populated "
                        "in function %x.%x", slot, PCI_FUNC(d->devfn));
            return false;
        }
        return true;
    }
    if (d->cap_present & QEMU_PCI_CAP_MULTIFUNCTION) {
        return true;
    }
    for (int fn = 1; fn < PCI_FUNC_MAX; fn++) {
        if (bus->devices[PCI_DEVFN(slot, fn)]) {
            g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_BUSY,
                        "PCI: %x.0 indicates single function, "
                        "but %x.%x is already populated.", slot, slot, fn);
            return false;
        }
    }
    return true;
}

/* ---- bus mastering --------------------------------------------------------- */

int pci_dev_bus_num(const PCIDevice *d)
{
    return pci_bus_num(d->bus);
}

uint16_t pci_get_bdf(const PCIDevice *d)
{
    return PCI_BUILD_BDF(pci_dev_bus_num(d), d->devfn);
}

uint16_t pci_requester_id(PCIDevice *d)
{
    PCIDevice *dev = d, *proxy = d;

    /* computed now: bus numbers change as the guest numbers buses */
    while (!pci_bus_is_root(dev->bus)) {
        PCIDevice *parent = dev->bus->parent_dev;
        if (!pci_is_express(parent)) {
            /* a conventional bridge forwards with its own ID */
            proxy = parent;
        }
        dev = parent;
    }
    return pci_get_bdf(proxy);
}

MemTxAttrs pci_requester_attrs(PCIDevice *d)
{
    MemTxAttrs attrs = { 0 };

    attrs.requester_id = pci_requester_id(d);
    return attrs;
}

AddressSpace *pci_device_iommu_address_space(PCIDevice *d)
{
    PCIBus *bus = d->bus, *iommu_bus = bus;
    int devfn = d->devfn;
    AddressSpace *as = NULL;

    while (iommu_bus && !iommu_bus->iommu_fn && iommu_bus->parent_dev) {
        PCIBus *parent_bus = iommu_bus->parent_dev->bus;

        if (!pci_bus_is_express(iommu_bus)) {
            /* behind a conventional bridge the IOMMU sees the bridge */
            devfn = iommu_bus->parent_dev->devfn;
            bus = parent_bus;
        }
        iommu_bus = parent_bus;
    }
    if (iommu_bus && iommu_bus->iommu_fn) {
        as = iommu_bus->iommu_fn(bus, iommu_bus->iommu_opaque, devfn);
    }
    if (!as) {
        as = pci_bus_root(d->bus)->default_dma_as;
    }
    return as;
}

static bool pci_bus_master_enabled(const PCIDevice *d)
{
    return pci_get_word(d->config + PCI_COMMAND) & PCI_COMMAND_MASTER;
}

static void pci_init_bus_master(PCIDevice *d)
{
    AddressSpace *dma_as = pci_device_iommu_address_space(d);
    g_autoptr(GError) err = NULL;
    MemoryRegion *alias;

    if (!dma_as || !dma_as->root) {
        return;
    }
    alias = memory_region_new_alias("bus master", dma_as->root, 0,
                                    memory_region_size(dma_as->root), &err);
    if (!alias) {
        g_warning("%s: bus master alias: %s", d->name, err->message);
        return;
    }
    memory_region_set_enabled(alias, pci_bus_master_enabled(d));
    if (!memory_region_add_subregion(d->bus_master_container_region, 0, alias,
                                     &err)) {
        g_warning("%s: bus master alias: %s", d->name, err->message);
        memory_region_unref(alias);
        return;
    }
    d->bus_master_enable_region = alias;   /* our reference */
    d->dma_as = dma_as;
}

static void pci_drop_bus_master(PCIDevice *d)
{
    MemoryRegion *alias = d->bus_master_enable_region;

    if (!alias) {
        return;
    }
    if (alias->container) {
        memory_region_del_subregion(d->bus_master_container_region, alias,
                                    NULL);
    }
    memory_region_unref(alias);
    d->bus_master_enable_region = NULL;
    d->dma_as = NULL;
}

void pci_device_update_bus_master(PCIDevice *d)
{
    AddressSpace *as = pci_device_iommu_address_space(d);

    if (d->bus_master_enable_region && as == d->dma_as &&
        d->bus_master_enable_region->alias == as->root) {
        return;
    }
    memory_region_transaction_begin();
    pci_drop_bus_master(d);
    pci_init_bus_master(d);
    memory_region_transaction_commit();
}

AddressSpace *pci_get_address_space(PCIDevice *d)
{
    return d->bus_master_as;
}

MemTxResult pci_dma_rw(PCIDevice *d, dma_addr_t addr, void *buf,
                       dma_addr_t len, DMADirection dir)
{
    return dma_memory_rw(d->bus_master_as, addr, buf, len, dir,
                         pci_requester_attrs(d));
}

MemTxResult pci_dma_read(PCIDevice *d, dma_addr_t addr, void *buf,
                         dma_addr_t len)
{
    return pci_dma_rw(d, addr, buf, len, DMA_DIRECTION_TO_DEVICE);
}

MemTxResult pci_dma_write(PCIDevice *d, dma_addr_t addr, const void *buf,
                          dma_addr_t len)
{
    return pci_dma_rw(d, addr, (void *)buf, len, DMA_DIRECTION_FROM_DEVICE);
}

void *pci_dma_map(PCIDevice *d, dma_addr_t addr, dma_addr_t *plen,
                  DMADirection dir)
{
    return dma_memory_map(d->bus_master_as, addr, plen, dir,
                          pci_requester_attrs(d));
}

void pci_dma_unmap(PCIDevice *d, void *buffer, dma_addr_t len,
                   DMADirection dir, dma_addr_t access_len)
{
    dma_memory_unmap(d->bus_master_as, buffer, len, dir, access_len);
}

void pci_dma_sglist_init(QEMUSGList *qsg, PCIDevice *d, int alloc_hint)
{
    qemu_sglist_init(qsg, d, alloc_hint, d->bus_master_as);
}

/* ---- INTx ---------------------------------------------------------------- */

int pci_intx(const PCIDevice *d)
{
    return (int)pci_get_byte(d->config + PCI_INTERRUPT_PIN) - 1;
}

static bool pci_irq_disabled(const PCIDevice *d)
{
    return pci_get_word(d->config + PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE;
}

static int pci_irq_state(const PCIDevice *d, int irq_num)
{
    return (d->irq_state >> irq_num) & 1;
}

/* Walk up to the root, swizzling the pin at each bridge (QEMU's
 * pci_swizzle_map_irq_fn), and count the change on the root line. */
static void pci_change_irq_level(PCIDevice *d, int irq_num, int change)
{
    PCIDevice *origin = d;
    PCIHostState *host;

    while (!pci_bus_is_root(d->bus)) {
        irq_num = (PCI_SLOT(d->devfn) + irq_num) % PCI_NUM_PINS;
        d = d->bus->parent_dev;
    }
    host = d->bus->host;
    if (!host) {
        return;
    }
    host->irq_count[irq_num] += change;
    if (host->irq_handler) {
        host->irq_handler(host->irq_opaque, origin, irq_num,
                          host->irq_count[irq_num] != 0);
    }
}

static void pci_update_irq_status(PCIDevice *d)
{
    if (d->irq_state) {
        d->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    } else {
        d->config[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
    }
}

static void pci_irq_handler(PCIDevice *d, int irq_num, int level)
{
    int change = level - pci_irq_state(d, irq_num);

    if (!change) {
        return;
    }
    d->irq_state = (uint8_t)((d->irq_state & ~(1u << irq_num)) |
                             ((unsigned)level << irq_num));
    pci_update_irq_status(d);
    if (pci_irq_disabled(d)) {
        return;
    }
    pci_change_irq_level(d, irq_num, change);
}

void pci_set_irq(PCIDevice *d, int level)
{
    int pin = pci_intx(d);

    if (pin < 0 || pin >= PCI_NUM_PINS) {
        return;   /* no INTx pin: nothing to drive */
    }
    pci_irq_handler(d, pin, level ? 1 : 0);
}

void pci_irq_assert(PCIDevice *d)
{
    pci_set_irq(d, 1);
}

void pci_irq_deassert(PCIDevice *d)
{
    pci_set_irq(d, 0);
}

void pci_device_deassert_intx(PCIDevice *d)
{
    for (int i = 0; i < PCI_NUM_PINS; i++) {
        pci_irq_handler(d, i, 0);
    }
}

static void pci_update_irq_disabled(PCIDevice *d, bool was_disabled)
{
    bool disabled = pci_irq_disabled(d);

    if (disabled == was_disabled) {
        return;
    }
    for (int i = 0; i < PCI_NUM_PINS; i++) {
        int state = pci_irq_state(d, i);
        if (state) {
            pci_change_irq_level(d, i, disabled ? -state : state);
        }
    }
}

/* ---- BARs -------------------------------------------------------------- */

int pci_bar(const PCIDevice *d, int reg)
{
    uint8_t type;

    if (reg != PCI_ROM_SLOT) {
        return PCI_BASE_ADDRESS_0 + reg * 4;
    }
    type = d->config[PCI_HEADER_TYPE] & ~PCI_HEADER_TYPE_MULTI_FUNCTION;
    return type == PCI_HEADER_TYPE_BRIDGE ? PCI_ROM_ADDRESS1 : PCI_ROM_ADDRESS;
}

void pci_register_bar(PCIDevice *d, int region_num, uint8_t type,
                      MemoryRegion *memory)
{
    PCIIORegion *r;
    uint64_t size, wmask;
    uint8_t hdr_type;
    int addr;
    bool is64 = !(type & PCI_BASE_ADDRESS_SPACE_IO) &&
                (type & PCI_BASE_ADDRESS_MEM_TYPE_64);

    g_assert(region_num >= 0 && region_num < PCI_NUM_REGIONS);
    g_assert(memory);
    size = memory_region_size(memory);
    g_assert(size && !(size & (size - 1)));
    hdr_type = d->config[PCI_HEADER_TYPE] & ~PCI_HEADER_TYPE_MULTI_FUNCTION;
    g_assert(hdr_type != PCI_HEADER_TYPE_BRIDGE || region_num < 2 ||
             region_num == PCI_ROM_SLOT);
    g_assert(!is64 || region_num == PCI_ROM_SLOT || region_num < 5);

    r = &d->io_regions[region_num];
    if (r->memory) {
        /* registering again replaces the region */
        if (r->addr != PCI_BAR_UNMAPPED) {
            memory_region_del_subregion(r->address_space, r->memory, NULL);
        }
        memory_region_unref(r->memory);
    }
    memory_region_ref(memory);
    r->addr = PCI_BAR_UNMAPPED;
    r->size = size;
    r->type = type;
    r->memory = memory;
    r->address_space = (type & PCI_BASE_ADDRESS_SPACE_IO)
                       ? d->bus->address_space_io
                       : d->bus->address_space_mem;

    wmask = ~(size - 1);
    if (region_num == PCI_ROM_SLOT) {
        wmask |= PCI_ROM_ADDRESS_ENABLE;
    }
    addr = pci_bar(d, region_num);
    pci_set_long(d->config + addr, type);
    if (is64) {
        pci_set_quad(d->wmask + addr, wmask);
        pci_set_quad(d->cmask + addr, ~0ULL);
    } else {
        pci_set_long(d->wmask + addr, (uint32_t)wmask);
        pci_set_long(d->cmask + addr, 0xffffffff);
    }
}

pcibus_t pci_get_bar_addr(const PCIDevice *d, int region_num)
{
    if (region_num < 0 || region_num >= PCI_NUM_REGIONS) {
        return PCI_BAR_UNMAPPED;
    }
    return d->io_regions[region_num].addr;
}

static pcibus_t pci_config_get_bar_addr(const PCIDevice *d, int reg,
                                        uint8_t type, pcibus_t size)
{
    int bar = pci_bar(d, reg);
    pcibus_t addr;

    if (type & PCI_BASE_ADDRESS_MEM_TYPE_64) {
        addr = pci_get_quad(d->config + bar);
    } else {
        addr = pci_get_long(d->config + bar);
    }
    if (reg != PCI_ROM_SLOT) {
        addr &= ~(size - 1);     /* the ROM enable bit stays for its check */
    }
    return addr;
}

pcibus_t pci_bar_address(const PCIDevice *d, int reg, uint8_t type,
                         pcibus_t size)
{
    uint16_t cmd = pci_get_word(d->config + PCI_COMMAND);
    bool allow_0 = pci_bus_root(d->bus)->allow_0_address;
    pcibus_t new_addr, last_addr;

    if (type & PCI_BASE_ADDRESS_SPACE_IO) {
        if (!(cmd & PCI_COMMAND_IO)) {
            return PCI_BAR_UNMAPPED;
        }
        new_addr = pci_config_get_bar_addr(d, reg, type, size);
        last_addr = new_addr + size - 1;
        if (last_addr <= new_addr || last_addr >= UINT32_MAX ||
            (!allow_0 && new_addr == 0)) {
            return PCI_BAR_UNMAPPED;
        }
        return new_addr;
    }

    if (!(cmd & PCI_COMMAND_MEMORY)) {
        return PCI_BAR_UNMAPPED;
    }
    new_addr = pci_config_get_bar_addr(d, reg, type, size);
    if (reg == PCI_ROM_SLOT && !(new_addr & PCI_ROM_ADDRESS_ENABLE)) {
        return PCI_BAR_UNMAPPED;
    }
    new_addr &= ~(size - 1);
    last_addr = new_addr + size - 1;
    if (last_addr <= new_addr || last_addr == PCI_BAR_UNMAPPED ||
        (!allow_0 && new_addr == 0)) {
        return PCI_BAR_UNMAPPED;
    }
    /* a 32-bit BAR must end below 4 GiB */
    if (!(type & PCI_BASE_ADDRESS_MEM_TYPE_64) && last_addr >= UINT32_MAX) {
        return PCI_BAR_UNMAPPED;
    }
    if (last_addr >= HWADDR_MAX) {
        return PCI_BAR_UNMAPPED;
    }
    return new_addr;
}

static void pci_update_mappings(PCIDevice *d)
{
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        PCIIORegion *r = &d->io_regions[i];
        g_autoptr(GError) err = NULL;
        pcibus_t new_addr;

        if (!r->size) {
            continue;
        }
        new_addr = pci_bar_address(d, i, r->type, r->size);
        if (new_addr == r->addr) {
            continue;
        }
        if (r->addr != PCI_BAR_UNMAPPED) {
            memory_region_del_subregion(r->address_space, r->memory, NULL);
        }
        r->addr = new_addr;
        if (r->addr != PCI_BAR_UNMAPPED &&
            !memory_region_add_subregion_overlap(r->address_space, r->addr,
                                                 r->memory, 1, &err)) {
            /* the model's region is placed elsewhere: a model bug */
            g_warning("%s: BAR %d: %s", d->name, i, err->message);
            r->addr = PCI_BAR_UNMAPPED;
        }
    }
}

static void pci_unregister_io_regions(PCIDevice *d)
{
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        PCIIORegion *r = &d->io_regions[i];

        if (!r->memory) {
            continue;
        }
        if (r->addr != PCI_BAR_UNMAPPED) {
            memory_region_del_subregion(r->address_space, r->memory, NULL);
        }
        memory_region_unref(r->memory);
        memset(r, 0, sizeof(*r));
        r->addr = PCI_BAR_UNMAPPED;
    }
}

/* ---- config space accesses ---------------------------------------------- */

uint32_t pci_default_read_config(PCIDevice *d, uint32_t addr, int len)
{
    uint32_t val = 0;

    g_assert(len >= 1 && len <= 4 && addr + (uint32_t)len <= d->config_size);
    for (int i = len - 1; i >= 0; i--) {
        val = val << 8 | d->config[addr + i];
    }
    return val;
}

void pci_default_write_config(PCIDevice *d, uint32_t addr, uint32_t val_in,
                              int len)
{
    bool was_irq_disabled = pci_irq_disabled(d);
    uint32_t val = val_in;

    g_assert(len >= 1 && len <= 4 && addr + (uint32_t)len <= d->config_size);
    for (int i = 0; i < len; val >>= 8, i++) {
        uint8_t wmask = d->wmask[addr + i];
        uint8_t w1cmask = d->w1cmask[addr + i];

        d->config[addr + i] = (uint8_t)((d->config[addr + i] & ~wmask) |
                                        (val & wmask));
        d->config[addr + i] &= (uint8_t)~(val & w1cmask); /* write 1 clears */
    }
    if (pci_ranges_overlap(addr, len, PCI_BASE_ADDRESS_0, 24) ||
        pci_ranges_overlap(addr, len, PCI_ROM_ADDRESS, 4) ||
        pci_ranges_overlap(addr, len, PCI_ROM_ADDRESS1, 4) ||
        pci_ranges_overlap(addr, len, PCI_COMMAND, 1)) {
        pci_update_mappings(d);
    }
    /* as QEMU: only a write covering the command register's low byte
     * switches INTx and the bus master alias */
    if (pci_ranges_overlap(addr, len, PCI_COMMAND, 1)) {
        pci_update_irq_disabled(d, was_irq_disabled);
        if (d->bus_master_enable_region) {
            memory_region_set_enabled(d->bus_master_enable_region,
                                      pci_bus_master_enabled(d));
        }
    }
    msi_write_config(d, addr, val_in, len);
}

uint32_t pci_config_read(PCIDevice *d, uint32_t addr, int len)
{
    if (!d || len < 1 || len > 4 || addr >= d->config_size) {
        return ~0u;
    }
    if (addr + (uint32_t)len > d->config_size) {
        len = (int)(d->config_size - addr);
    }
    return d->klass->config_read ? d->klass->config_read(d, addr, len)
                                 : pci_default_read_config(d, addr, len);
}

void pci_config_write(PCIDevice *d, uint32_t addr, uint32_t val, int len)
{
    if (!d || len < 1 || len > 4 || addr >= d->config_size) {
        return;
    }
    if (addr + (uint32_t)len > d->config_size) {
        len = (int)(d->config_size - addr);
    }
    if (d->klass->config_write) {
        d->klass->config_write(d, addr, val, len);
    } else {
        pci_default_write_config(d, addr, val, len);
    }
    if (d->config_hooks && d->config_hooks->len) {
        /* a hook may remove hooks: walk a copy */
        g_autoptr(GArray) hooks = g_array_copy(d->config_hooks);
        for (guint i = 0; i < hooks->len; i++) {
            PCIConfigHookEntry *h = &g_array_index(hooks, PCIConfigHookEntry,
                                                   i);
            h->fn(d, addr, val, len, h->opaque);
        }
    }
}

guint pci_device_add_config_hook(PCIDevice *d, PCIConfigWriteHook fn,
                                 void *opaque)
{
    PCIConfigHookEntry h = { .id = next_hook_id++, .fn = fn,
                             .opaque = opaque };

    if (!d->config_hooks) {
        d->config_hooks = g_array_new(FALSE, FALSE,
                                      sizeof(PCIConfigHookEntry));
    }
    g_array_append_val(d->config_hooks, h);
    return h.id;
}

void pci_device_remove_config_hook(PCIDevice *d, guint id)
{
    if (!d->config_hooks) {
        return;
    }
    for (guint i = 0; i < d->config_hooks->len; i++) {
        if (g_array_index(d->config_hooks, PCIConfigHookEntry, i).id == id) {
            g_array_remove_index(d->config_hooks, i);
            return;
        }
    }
}

/* ---- capabilities --------------------------------------------------------- */

static uint8_t pci_find_space(PCIDevice *d, uint8_t size)
{
    int offset = PCI_CONFIG_HEADER_SIZE;

    for (int i = PCI_CONFIG_HEADER_SIZE; i < PCI_CONFIG_SPACE_SIZE; i++) {
        if (d->used[i]) {
            offset = i + 1;
        } else if (i - offset + 1 == size) {
            return (uint8_t)offset;
        }
    }
    return 0;
}

static uint8_t pci_find_capability_list(PCIDevice *d, uint8_t cap_id,
                                        uint8_t *prev_p)
{
    uint8_t next, prev;
    unsigned hops = 0;

    if (!(d->config[PCI_STATUS] & PCI_STATUS_CAP_LIST)) {
        return 0;
    }
    /* the list is the model's; bound the walk in case it loops */
    for (prev = PCI_CAPABILITY_LIST; (next = d->config[prev]) && hops < 64;
         prev = (uint8_t)(next + PCI_CAP_LIST_NEXT), hops++) {
        if (d->config[next + PCI_CAP_LIST_ID] == cap_id) {
            break;
        }
    }
    if (hops == 64) {
        next = 0;
    }
    if (prev_p) {
        *prev_p = prev;
    }
    return next;
}

static uint8_t pci_find_capability_at_offset(PCIDevice *d, uint8_t offset)
{
    uint8_t next, prev, found = 0;
    unsigned hops = 0;

    if (!d->used[offset]) {
        return 0;
    }
    for (prev = PCI_CAPABILITY_LIST; (next = d->config[prev]) && hops < 64;
         prev = (uint8_t)(next + PCI_CAP_LIST_NEXT), hops++) {
        if (next <= offset && next > found) {
            found = next;
        }
    }
    return found;
}

int pci_add_capability(PCIDevice *d, uint8_t cap_id, uint8_t offset,
                       uint8_t size, GError **errp)
{
    uint8_t *config;

    if (!size) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                    "%s: capability %x of size 0", d->name, cap_id);
        return -1;
    }
    if (!offset) {
        offset = pci_find_space(d, size);
        if (!offset) {
            g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                        "%s: no room for capability %x (%u bytes)",
                        d->name, cap_id, size);
            return -1;
        }
    } else {
        if (offset < PCI_CONFIG_HEADER_SIZE ||
            (unsigned)offset + size > PCI_CONFIG_SPACE_SIZE) {
            g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                        "%s: capability %x at offset %x does not fit",
                        d->name, cap_id, offset);
            return -1;
        }
        for (unsigned i = offset; i < (unsigned)offset + size; i++) {
            uint8_t overlapping = pci_find_capability_at_offset(d, (uint8_t)i);
            if (overlapping) {
                char bdf[8];
                g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                            "%s %s Attempt to add PCI capability %x at "
                            "offset %x overlaps existing capability %x at "
                            "offset %x", d->name,
                            pci_device_bdf_string(d, bdf), cap_id, offset,
                            overlapping, i);
                return -1;
            }
        }
    }
    config = d->config + offset;
    config[PCI_CAP_LIST_ID] = cap_id;
    config[PCI_CAP_LIST_NEXT] = d->config[PCI_CAPABILITY_LIST];
    d->config[PCI_CAPABILITY_LIST] = offset;
    d->config[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
    memset(d->used + offset, 0xff,
           MIN((size + 3u) & ~3u, PCI_CONFIG_SPACE_SIZE - (unsigned)offset));
    memset(d->wmask + offset, 0, size);      /* read-only by default */
    memset(d->cmask + offset, 0xff, size);
    return offset;
}

void pci_del_capability(PCIDevice *d, uint8_t cap_id, uint8_t size)
{
    uint8_t prev, offset = pci_find_capability_list(d, cap_id, &prev);

    if (!offset) {
        return;
    }
    d->config[prev] = d->config[offset + PCI_CAP_LIST_NEXT];
    size = (uint8_t)MIN((unsigned)size,
                        PCI_CONFIG_SPACE_SIZE - (unsigned)offset);
    memset(d->wmask + offset, 0xff, size);
    memset(d->w1cmask + offset, 0, size);
    memset(d->cmask + offset, 0, size);
    memset(d->used + offset, 0,
           MIN((size + 3u) & ~3u, PCI_CONFIG_SPACE_SIZE - (unsigned)offset));
    if (!d->config[PCI_CAPABILITY_LIST]) {
        d->config[PCI_STATUS] &= ~PCI_STATUS_CAP_LIST;
    }
}

uint8_t pci_find_capability(PCIDevice *d, uint8_t cap_id)
{
    return pci_find_capability_list(d, cap_id, NULL);
}

/* ---- reset ------------------------------------------------------------------ */

static void pci_reset_regions(PCIDevice *d)
{
    for (int r = 0; r < PCI_NUM_REGIONS; r++) {
        PCIIORegion *region = &d->io_regions[r];

        if (!region->size) {
            continue;
        }
        if (!(region->type & PCI_BASE_ADDRESS_SPACE_IO) &&
            (region->type & PCI_BASE_ADDRESS_MEM_TYPE_64)) {
            pci_set_quad(d->config + pci_bar(d, r), region->type);
        } else {
            pci_set_long(d->config + pci_bar(d, r), region->type);
        }
    }
}

static void pci_do_device_reset(PCIDevice *d)
{
    pci_device_deassert_intx(d);
    pci_word_test_and_clear_mask(d->config + PCI_COMMAND,
                                 pci_get_word(d->wmask + PCI_COMMAND) |
                                 pci_get_word(d->w1cmask + PCI_COMMAND));
    pci_word_test_and_clear_mask(d->config + PCI_STATUS,
                                 pci_get_word(d->wmask + PCI_STATUS) |
                                 pci_get_word(d->w1cmask + PCI_STATUS));
    pci_byte_test_and_clear_mask(d->config + PCI_INTERRUPT_LINE,
                                 d->wmask[PCI_INTERRUPT_LINE] |
                                 d->w1cmask[PCI_INTERRUPT_LINE]);
    d->config[PCI_CACHE_LINE_SIZE] = 0;
    pci_reset_regions(d);
    pci_update_mappings(d);
    /* Deviation: QEMU 7.2 leaves the bus master alias as it was; here it
     * follows the cleared COMMAND.MASTER bit. */
    if (d->bus_master_enable_region) {
        memory_region_set_enabled(d->bus_master_enable_region,
                                  pci_bus_master_enabled(d));
    }
    msi_reset(d);
    /* Deviation: QEMU 7.2 does not rebuild a bridge's windows on reset
     * (they keep decoding until the next config write); here they follow
     * the cleared registers. */
    if (d->klass->is_bridge && d->realized) {
        pci_bridge_update_mappings((PCIBridge *)d);
    }
}

void pci_device_reset(PCIDevice *d)
{
    if (d->klass->reset) {
        d->klass->reset(d);
    }
    pci_do_device_reset(d);
}

/* ---- registration --------------------------------------------------------- */

static bool pci_bus_devfn_reserved(const PCIBus *bus, int devfn)
{
    return bus->slot_reserved_mask & (1u << PCI_SLOT(devfn));
}

static void pci_config_alloc(PCIDevice *d)
{
    d->config = g_malloc0(d->config_size);
    d->cmask = g_malloc0(d->config_size);
    d->wmask = g_malloc0(d->config_size);
    d->w1cmask = g_malloc0(d->config_size);
    d->used = g_malloc0(d->config_size);
}

static void pci_config_free(PCIDevice *d)
{
    g_clear_pointer(&d->config, g_free);
    g_clear_pointer(&d->cmask, g_free);
    g_clear_pointer(&d->wmask, g_free);
    g_clear_pointer(&d->w1cmask, g_free);
    g_clear_pointer(&d->used, g_free);
}

static void pci_unregister(PCIDevice *d)
{
    if (d->bus && d->bus->devices[d->devfn] == d) {
        d->bus->devices[d->devfn] = NULL;
    }
    pci_drop_bus_master(d);
    if (d->bus_master_as) {
        address_space_destroy(d->bus_master_as);
        d->bus_master_as = NULL;
    }
    if (d->bus_master_container_region) {
        memory_region_unref(d->bus_master_container_region);
        d->bus_master_container_region = NULL;
    }
    pci_config_free(d);
}

bool pci_device_realize(PCIDevice *d, PCIBus *bus, int devfn,
                        bool multifunction, GError **errp)
{
    const PCIDeviceClass *pc = d->klass;
    const char *name = d->name;

    if (d->realized) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_BUSY,
                    "PCI: %s is already realized", name);
        return false;
    }
    if (devfn < 0) {
        for (devfn = bus->devfn_min; devfn < PCI_DEVFN_MAX;
             devfn += PCI_FUNC_MAX) {
            if (!bus->devices[devfn] && !pci_bus_devfn_reserved(bus, devfn)) {
                break;
            }
        }
        if (devfn >= PCI_DEVFN_MAX) {
            g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_BUSY,
                        "PCI: no slot/function available for %s, all in use "
                        "or reserved", name);
            return false;
        }
    } else if (devfn >= PCI_DEVFN_MAX) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                    "PCI: devfn %d out of range for %s", devfn, name);
        return false;
    } else if (pci_bus_devfn_reserved(bus, devfn)) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_BUSY,
                    "PCI: slot %d function %d not available for %s, reserved",
                    PCI_SLOT(devfn), PCI_FUNC(devfn), name);
        return false;
    } else if (bus->devices[devfn]) {
        PCIDevice *other = bus->devices[devfn];
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_BUSY,
                    "PCI: slot %d function %d not available for %s, in use "
                    "by %s,id=%s", PCI_SLOT(devfn), PCI_FUNC(devfn), name,
                    other->name, other->id ? other->id : "(null)");
        return false;
    }

    d->bus = bus;
    d->devfn = devfn;
    if (multifunction) {
        d->cap_present |= QEMU_PCI_CAP_MULTIFUNCTION;
    }
    if (pc->is_express) {
        d->cap_present |= QEMU_PCI_CAP_EXPRESS;
    }
    d->config_size = pci_is_express(d) ? PCIE_CONFIG_SPACE_SIZE
                                       : PCI_CONFIG_SPACE_SIZE;
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        d->io_regions[i].addr = PCI_BAR_UNMAPPED;
    }

    d->bus_master_container_region =
        memory_region_new_container("bus master container", UINT64_MAX);
    d->bus_master_as = address_space_new(d->bus_master_container_region,
                                         d->name);
    pci_config_alloc(d);
    /* the alias is built now; COMMAND is 0, so it starts disabled */
    pci_init_bus_master(d);

    pci_config_set_vendor_id(d->config, pc->vendor_id);
    pci_config_set_device_id(d->config, pc->device_id);
    pci_config_set_revision(d->config, pc->revision);
    pci_config_set_class(d->config, pc->class_id);
    if (!pc->is_bridge) {
        if (pc->subsystem_vendor_id || pc->subsystem_id) {
            pci_set_word(d->config + PCI_SUBSYSTEM_VENDOR_ID,
                         pc->subsystem_vendor_id);
            pci_set_word(d->config + PCI_SUBSYSTEM_ID, pc->subsystem_id);
        } else {
            pci_set_word(d->config + PCI_SUBSYSTEM_VENDOR_ID,
                         PCI_SUBVENDOR_ID_REDHAT_QUMRANET);
            pci_set_word(d->config + PCI_SUBSYSTEM_ID,
                         PCI_SUBDEVICE_ID_QEMU);
        }
    }
    pci_init_cmask(d);
    pci_init_wmask(d);
    pci_init_w1cmask(d);
    if (pc->is_bridge) {
        /* the type 1 header (QEMU sets it in pci_bridge_initfn) */
        d->config[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_BRIDGE;
        pci_init_mask_bridge(d);
    }
    if (!pci_init_multifunction(bus, d, errp)) {
        pci_unregister(d);
        return false;
    }
    bus->devices[devfn] = d;

    if (pc->realize && !pc->realize(d, errp)) {
        pci_unregister_io_regions(d);
        pci_unregister(d);
        return false;
    }
    d->realized = true;
    /* the system reset QEMU performs before the guest runs */
    pci_device_reset(d);
    return true;
}

void pci_device_free(PCIDevice *d)
{
    const PCIProperty *p;

    if (!d) {
        return;
    }
    for (p = d->klass->props; p && p->name; p++) {
        if (p->type == PCI_PROP_STRING) {
            g_free(*(char **)((uint8_t *)d + p->offset));
        }
    }
    if (d->config_hooks) {
        g_array_free(d->config_hooks, TRUE);
    }
    g_free(d->name);
    g_free(d->id);
    g_free(d);
}

void pci_device_destroy(PCIDevice *d)
{
    if (!d) {
        return;
    }
    if (d->realized) {
        memory_region_transaction_begin();
        pci_unregister_io_regions(d);
        if (d->klass->exit) {
            d->klass->exit(d);
        }
        pci_device_deassert_intx(d);
        msi_uninit(d);
        pci_unregister(d);
        d->realized = false;
        memory_region_transaction_commit();
    }
    pci_device_free(d);
}

const char *pci_device_bdf_string(const PCIDevice *d, char buf[static 8])
{
    snprintf(buf, 8, "%02x:%02x.%x", pci_dev_bus_num(d) & 0xff,
             PCI_SLOT(d->devfn), PCI_FUNC(d->devfn));
    return buf;
}
