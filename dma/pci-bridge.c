/*
 * pci-bridge.c - PCI-to-PCI bridges and the "pci-bridge" device
 * (pci-bridge.h), after QEMU 7.2's hw/pci/pci_bridge.c,
 * hw/pci-bridge/pci_bridge_dev.c, hw/pci/slotid_cap.c and hw/pci/shpc.c.
 */
#include "dma/pci-bridge.h"
#include "dma/pci-driver.h"
#include "dma/msi.h"
#include <string.h>

#define GiB (1ULL << 30)

/* ---- windows ------------------------------------------------------------ */

static uint32_t pci_config_get_io_base(const PCIDevice *d, uint32_t base,
                                       uint32_t base_upper16)
{
    uint32_t val = ((uint32_t)d->config[base] & PCI_IO_RANGE_MASK) << 8;

    if (d->config[base] & PCI_IO_RANGE_TYPE_32) {
        val |= (uint32_t)pci_get_word(d->config + base_upper16) << 16;
    }
    return val;
}

static pcibus_t pci_config_get_memory_base(const PCIDevice *d, uint32_t base)
{
    return ((pcibus_t)pci_get_word(d->config + base) & PCI_MEMORY_RANGE_MASK)
           << 16;
}

static pcibus_t pci_config_get_pref_base(const PCIDevice *d, uint32_t base,
                                         uint32_t upper)
{
    pcibus_t tmp = pci_get_word(d->config + base);
    pcibus_t val = (tmp & PCI_PREF_RANGE_MASK) << 16;

    if (tmp & PCI_PREF_RANGE_TYPE_64) {
        val |= (pcibus_t)pci_get_long(d->config + upper) << 32;
    }
    return val;
}

pcibus_t pci_bridge_get_base(const PCIDevice *bridge, uint8_t type)
{
    if (type & PCI_BASE_ADDRESS_SPACE_IO) {
        return pci_config_get_io_base(bridge, PCI_IO_BASE, PCI_IO_BASE_UPPER16);
    }
    if (type & PCI_BASE_ADDRESS_MEM_PREFETCH) {
        return pci_config_get_pref_base(bridge, PCI_PREF_MEMORY_BASE,
                                        PCI_PREF_BASE_UPPER32);
    }
    return pci_config_get_memory_base(bridge, PCI_MEMORY_BASE);
}

pcibus_t pci_bridge_get_limit(const PCIDevice *bridge, uint8_t type)
{
    pcibus_t limit;

    if (type & PCI_BASE_ADDRESS_SPACE_IO) {
        limit = pci_config_get_io_base(bridge, PCI_IO_LIMIT,
                                       PCI_IO_LIMIT_UPPER16);
        return limit | 0xfff;            /* 4 KiB granularity */
    }
    if (type & PCI_BASE_ADDRESS_MEM_PREFETCH) {
        limit = pci_config_get_pref_base(bridge, PCI_PREF_MEMORY_LIMIT,
                                         PCI_PREF_LIMIT_UPPER32);
    } else {
        limit = pci_config_get_memory_base(bridge, PCI_MEMORY_LIMIT);
    }
    return limit | 0xfffff;              /* 1 MiB granularity */
}

static MemoryRegion *pci_bridge_init_alias(PCIBridge *br, uint8_t type,
                                           const char *name,
                                           MemoryRegion *space,
                                           MemoryRegion *parent_space,
                                           bool enabled)
{
    PCIDevice *d = &br->parent_obj;
    pcibus_t base = pci_bridge_get_base(d, type);
    pcibus_t limit = pci_bridge_get_limit(d, type);
    uint64_t space_size = memory_region_size(space);
    g_autoptr(GError) err = NULL;
    MemoryRegion *alias;
    /* As QEMU: a closed window is an alias of size 0 at base (base 0 and
     * limit 2^64 - 1 cannot be expressed either). */
    pcibus_t size = enabled && limit >= base ? limit + 1 - base : 0;

    /* the I/O space is 4 GiB: a window reaching past it is cut */
    if (space_size != UINT64_MAX) {
        if (base >= space_size) {
            base = space_size - 1;
            size = 0;
        } else if (size > space_size - base) {
            size = space_size - base;
        }
    }
    alias = memory_region_new_alias(name, space, base, size, &err);
    if (!alias) {
        g_warning("%s: %s", d->name, err->message);
        return NULL;
    }
    if (!memory_region_add_subregion_overlap(parent_space, base, alias, 1,
                                             &err)) {
        g_warning("%s: %s", d->name, err->message);
        memory_region_unref(alias);
        return NULL;
    }
    return alias;   /* we keep our reference */
}

static void pci_bridge_region_init(PCIBridge *br)
{
    PCIDevice *d = &br->parent_obj;
    PCIBus *parent = d->bus;
    uint16_t cmd = pci_get_word(d->config + PCI_COMMAND);

    br->alias_pref_mem = pci_bridge_init_alias(br,
                                               PCI_BASE_ADDRESS_MEM_PREFETCH,
                                               "pci_bridge_pref_mem",
                                               br->address_space_mem,
                                               parent->address_space_mem,
                                               cmd & PCI_COMMAND_MEMORY);
    br->alias_mem = pci_bridge_init_alias(br, PCI_BASE_ADDRESS_SPACE_MEMORY,
                                          "pci_bridge_mem",
                                          br->address_space_mem,
                                          parent->address_space_mem,
                                          cmd & PCI_COMMAND_MEMORY);
    br->alias_io = pci_bridge_init_alias(br, PCI_BASE_ADDRESS_SPACE_IO,
                                         "pci_bridge_io",
                                         br->address_space_io,
                                         parent->address_space_io,
                                         cmd & PCI_COMMAND_IO);
}

static void drop_alias(MemoryRegion **alias)
{
    if (*alias) {
        if ((*alias)->container) {
            memory_region_del_subregion((*alias)->container, *alias, NULL);
        }
        memory_region_unref(*alias);
        *alias = NULL;
    }
}

static void pci_bridge_region_del(PCIBridge *br)
{
    drop_alias(&br->alias_io);
    drop_alias(&br->alias_mem);
    drop_alias(&br->alias_pref_mem);
}

void pci_bridge_update_mappings(PCIBridge *br)
{
    memory_region_transaction_begin();
    pci_bridge_region_del(br);
    pci_bridge_region_init(br);
    memory_region_transaction_commit();
}

/* ---- config and reset ------------------------------------------------------ */

void pci_bridge_write_config(PCIDevice *d, uint32_t addr, uint32_t val,
                             int len)
{
    PCIBridge *br = (PCIBridge *)d;
    uint16_t oldctl = pci_get_word(d->config + PCI_BRIDGE_CONTROL);
    uint16_t newctl;

    pci_default_write_config(d, addr, val, len);

    if (pci_ranges_overlap(addr, len, PCI_COMMAND, 2) ||
        pci_ranges_overlap(addr, len, PCI_IO_BASE, 2) ||
        /* memory, prefetchable, I/O upper 16 */
        pci_ranges_overlap(addr, len, PCI_MEMORY_BASE, 20) ||
        pci_ranges_overlap(addr, len, PCI_BRIDGE_CONTROL, 2)) {
        pci_bridge_update_mappings(br);
    }
    newctl = pci_get_word(d->config + PCI_BRIDGE_CONTROL);
    if (~oldctl & newctl & PCI_BRIDGE_CTL_BUS_RESET) {
        /* 0 -> 1: hot reset of everything below */
        pci_bus_reset(br->sec_bus);
    }
}

void pci_bridge_reset(PCIDevice *d)
{
    uint8_t *conf = d->config;

    conf[PCI_PRIMARY_BUS] = 0;
    conf[PCI_SECONDARY_BUS] = 0;
    conf[PCI_SUBORDINATE_BUS] = 0;
    conf[PCI_SEC_LATENCY_TIMER] = 0;
    pci_byte_test_and_clear_mask(conf + PCI_IO_BASE, PCI_IO_RANGE_MASK & 0xff);
    pci_byte_test_and_clear_mask(conf + PCI_IO_LIMIT, PCI_IO_RANGE_MASK & 0xff);
    pci_word_test_and_clear_mask(conf + PCI_MEMORY_BASE,
                                 PCI_MEMORY_RANGE_MASK & 0xffff);
    pci_word_test_and_clear_mask(conf + PCI_MEMORY_LIMIT,
                                 PCI_MEMORY_RANGE_MASK & 0xffff);
    pci_word_test_and_clear_mask(conf + PCI_PREF_MEMORY_BASE,
                                 PCI_PREF_RANGE_MASK & 0xffff);
    pci_word_test_and_clear_mask(conf + PCI_PREF_MEMORY_LIMIT,
                                 PCI_PREF_RANGE_MASK & 0xffff);
    pci_set_long(conf + PCI_PREF_BASE_UPPER32, 0);
    pci_set_long(conf + PCI_PREF_LIMIT_UPPER32, 0);
    pci_set_word(conf + PCI_BRIDGE_CONTROL, 0);
}

bool pci_bridge_initfn(PCIDevice *d, bool express, GError **errp)
{
    PCIBridge *br = (PCIBridge *)d;
    PCIBus *root = pci_bus_root(d->bus);
    g_autofree char *bus_name = NULL;

    pci_word_test_and_set_mask(d->config + PCI_STATUS,
                               PCI_STATUS_66MHZ | PCI_STATUS_FAST_BACK);
    pci_config_set_class(d->config, PCI_CLASS_BRIDGE_PCI);
    d->config[PCI_HEADER_TYPE] =
        (d->config[PCI_HEADER_TYPE] & PCI_HEADER_TYPE_MULTI_FUNCTION) |
        PCI_HEADER_TYPE_BRIDGE;
    pci_set_word(d->config + PCI_SEC_STATUS,
                 PCI_STATUS_66MHZ | PCI_STATUS_FAST_BACK);

    /* QEMU lets users name the bus by the bridge's id */
    if (d->id && *d->id) {
        bus_name = g_strdup(d->id);
    } else {
        bus_name = g_strdup_printf("pci.%u", root->next_auto_bus++);
    }
    br->address_space_mem = memory_region_new_container("pci_bridge_pci",
                                                        UINT64_MAX);
    br->address_space_io = memory_region_new_container("pci_bridge_io",
                                                       4 * GiB);
    br->sec_bus = pci_secondary_bus_new(d, bus_name, br->address_space_mem,
                                        br->address_space_io, express);
    pci_bridge_region_init(br);
    return true;
}

void pci_bridge_exitfn(PCIDevice *d)
{
    PCIBridge *br = (PCIBridge *)d;

    memory_region_transaction_begin();
    pci_bridge_region_del(br);
    pci_bus_destroy(br->sec_bus);
    br->sec_bus = NULL;
    memory_region_transaction_commit();
    memory_region_unref(br->address_space_mem);
    memory_region_unref(br->address_space_io);
    br->address_space_mem = br->address_space_io = NULL;
}

PCIBus *pci_device_secondary_bus(PCIDevice *d)
{
    if (!d || !d->klass->is_bridge || !d->realized) {
        return NULL;
    }
    return ((PCIBridge *)d)->sec_bus;
}

/* ---- the "pci-bridge" device ------------------------------------------------ */

#define SHPC_CAP_LENGTH       0x08
#define SHPC_CAP_DWORD_SELECT 0x2
#define SHPC_MAX_SLOTS        31
#define SHPC_SIZEOF           (0x24 + SHPC_MAX_SLOTS * 4)
#define SHPC_BAR_SIZE         0x100   /* SHPC_SIZEOF rounded up */
#define PCI_SID_ESR_FIC       0x20    /* first in chassis */

typedef struct PCIBridgeDev {
    PCIBridge parent_obj;
    uint8_t chassis_nr;
    bool shpc;
    char *msi;                        /* on, off, auto */
    MemoryRegion *bar;                /* "shpc-bar" */
} PCIBridgeDev;

static bool pci_bridge_dev_realize(PCIDevice *d, GError **errp)
{
    PCIBridgeDev *bd = (PCIBridgeDev *)d;
    bool msi;
    int cap;

    if (!bd->msi || !strcmp(bd->msi, "auto")) {
        msi = bd->shpc;                   /* MSI needs the SHPC */
    } else if (!strcmp(bd->msi, "on")) {
        msi = true;
    } else if (!strcmp(bd->msi, "off")) {
        msi = false;
    } else {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                    "Parameter 'msi' does not accept value '%s'", bd->msi);
        return false;
    }
    if (!bd->shpc) {
        msi = false;
    }
    pci_bridge_initfn(d, false, errp);

    if (bd->shpc) {
        MemoryRegion *mmio;

        d->config[PCI_INTERRUPT_PIN] = 1;
        bd->bar = memory_region_new_container("shpc-bar", SHPC_BAR_SIZE);
        mmio = memory_region_new_reservation("shpc-mmio", SHPC_SIZEOF);
        memory_region_add_subregion(bd->bar, 0, mmio, NULL);
        memory_region_unref(mmio);
        cap = pci_add_capability(d, PCI_CAP_ID_SHPC, 0, SHPC_CAP_LENGTH,
                                 errp);
        if (cap < 0) {
            goto fail;
        }
        d->wmask[cap + SHPC_CAP_DWORD_SELECT] = 0xff;
    }
    if (!bd->chassis_nr) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                    "Bridge chassis not specified. Each bridge is required "
                    "to be assigned a unique chassis id > 0.");
        goto fail;
    }
    cap = pci_add_capability(d, PCI_CAP_ID_SLOTID, 0, 4, errp);
    if (cap < 0) {
        goto fail;
    }
    d->config[cap + PCI_SID_ESR] = PCI_SID_ESR_FIC;   /* 0 expansion slots */
    d->cmask[cap + PCI_SID_ESR] = 0xff;
    d->config[cap + PCI_SID_CHASSIS_NR] = bd->chassis_nr;
    d->wmask[cap + PCI_SID_CHASSIS_NR] = 0xff;

    if (msi && msi_init(d, 0, 1, true, true, errp) < 0) {
        goto fail;
    }
    if (bd->shpc) {
        pci_register_bar(d, 0, PCI_BASE_ADDRESS_SPACE_MEMORY |
                         PCI_BASE_ADDRESS_MEM_TYPE_64, bd->bar);
    }
    return true;

fail:
    msi_uninit(d);
    pci_bridge_exitfn(d);
    if (bd->bar) {
        memory_region_unref(bd->bar);
        bd->bar = NULL;
    }
    return false;
}

static void pci_bridge_dev_exit(PCIDevice *d)
{
    PCIBridgeDev *bd = (PCIBridgeDev *)d;

    pci_bridge_exitfn(d);
    if (bd->bar) {
        memory_region_unref(bd->bar);
        bd->bar = NULL;
    }
}

static const PCIProperty pci_bridge_dev_props[] = {
    PCI_PROP_DEFINE("chassis_nr", PCI_PROP_UINT8, PCIBridgeDev, chassis_nr, 0,
                    "chassis number (> 0, required)"),
    PCI_PROP_STR("msi", PCIBridgeDev, msi, "auto", "on, off or auto"),
    PCI_PROP_DEFINE("shpc", PCI_PROP_BOOL, PCIBridgeDev, shpc, true,
                    "standard hot-plug controller"),
    PCI_PROP_END,
};

const PCIDeviceClass pci_bridge_dev_class = {
    .name = "pci-bridge",
    .desc = "Standard PCI Bridge",
    .instance_size = sizeof(PCIBridgeDev),
    .vendor_id = PCI_VENDOR_ID_REDHAT,
    .device_id = 0x0001,          /* PCI_DEVICE_ID_REDHAT_BRIDGE */
    .class_id = PCI_CLASS_BRIDGE_PCI,
    .is_bridge = true,
    .props = pci_bridge_dev_props,
    .realize = pci_bridge_dev_realize,
    .exit = pci_bridge_dev_exit,
    .reset = pci_bridge_reset,
    .config_write = pci_bridge_write_config,
};
