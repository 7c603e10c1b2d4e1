/*
 * sim-testdev.c - the configurable test PCI function (sim-testdev.h).
 */
#include "dma/sim-testdev.h"
#include "dma/pci-driver.h"
#include "dma/msi.h"
#include <string.h>

typedef struct SimTestDevBar {
    SimTestDev *dev;
    int n;
} SimTestDevBar;

static SimTestDevBar *bar_ctx(SimTestDev *s, int n)
{
    SimTestDevBar *b = g_new(SimTestDevBar, 1);

    b->dev = s;
    b->n = n;
    return b;
}

static MemTxResult sim_testdev_read(void *opaque, hwaddr addr, uint64_t *data,
                                    unsigned size, MemTxAttrs attrs)
{
    SimTestDevBar *b = opaque;
    SimTestDevAccess *a;
    uint64_t v = 0;

    if (!b->dev) {
        *data = 0;
        return MEMTX_DECODE_ERROR;
    }
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)b->dev->regs[b->n][(addr + i) % SIM_TESTDEV_REGS]
             << (8 * i);
    }
    a = &b->dev->last[b->n];
    a->count++;
    a->is_write = false;
    a->addr = addr;
    a->size = size;
    a->data = v;
    a->attrs = attrs;
    *data = v;
    return MEMTX_OK;
}

static MemTxResult sim_testdev_write(void *opaque, hwaddr addr, uint64_t data,
                                     unsigned size, MemTxAttrs attrs)
{
    SimTestDevBar *b = opaque;
    SimTestDevAccess *a;

    if (!b->dev) {
        return MEMTX_DECODE_ERROR;
    }
    for (unsigned i = 0; i < size; i++) {
        b->dev->regs[b->n][(addr + i) % SIM_TESTDEV_REGS] =
            (uint8_t)(data >> (8 * i));
    }
    a = &b->dev->last[b->n];
    a->count++;
    a->is_write = true;
    a->addr = addr;
    a->size = size;
    a->data = data;
    a->attrs = attrs;
    return MEMTX_OK;
}

static const MemoryRegionOps sim_testdev_ops = {
    .read_with_attrs = sim_testdev_read,
    .write_with_attrs = sim_testdev_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

/* The opaque outlives the device if a script still holds the region. */
static void sim_testdev_bar_destructor(MemoryRegion *mr)
{
    g_free(mr->opaque);
}

static bool parse_type(const char *t, uint8_t *type)
{
    static const struct {
        const char *name;
        uint8_t type;
    } types[] = {
        { "mem", PCI_BASE_ADDRESS_SPACE_MEMORY },
        { "mem-pref", PCI_BASE_ADDRESS_MEM_PREFETCH },
        { "mem64", PCI_BASE_ADDRESS_MEM_TYPE_64 },
        { "mem64-pref", PCI_BASE_ADDRESS_MEM_TYPE_64 |
                        PCI_BASE_ADDRESS_MEM_PREFETCH },
        { "io", PCI_BASE_ADDRESS_SPACE_IO },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(types); i++) {
        if (!strcmp(t, types[i].name)) {
            *type = types[i].type;
            return true;
        }
    }
    return false;
}

static void sim_testdev_drop_bars(SimTestDev *s)
{
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        if (s->bars[i]) {
            ((SimTestDevBar *)s->bars[i]->opaque)->dev = NULL;
            memory_region_unref(s->bars[i]);
            s->bars[i] = NULL;
        }
    }
}

static bool sim_testdev_realize(PCIDevice *d, GError **errp)
{
    SimTestDev *s = (SimTestDev *)d;
    uint8_t types[PCI_NUM_REGIONS] = { 0 };
    bool taken[PCI_NUM_REGIONS] = { false };

    pci_config_set_vendor_id(d->config, s->vendor_id);
    pci_config_set_device_id(d->config, s->device_id);
    pci_config_set_revision(d->config, s->revision);
    pci_config_set_class(d->config, s->class_id);
    pci_config_set_prog_interface(d->config, s->prog_if);
    if (s->subsys_vendor_id || s->subsys_id) {
        pci_set_word(d->config + PCI_SUBSYSTEM_VENDOR_ID, s->subsys_vendor_id);
        pci_set_word(d->config + PCI_SUBSYSTEM_ID, s->subsys_id);
    }
    if (s->int_pin > 4) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                    "sim-testdev: int_pin must be 0 to 4, not %u", s->int_pin);
        return false;
    }
    pci_config_set_interrupt_pin(d->config, s->int_pin);

    /* check every BAR before registering any */
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        uint64_t size = s->bar_size[i];
        const char *t = i < PCI_ROM_SLOT ? s->bar_type[i] : "mem";

        if (!size) {
            continue;
        }
        if (size & (size - 1)) {
            g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                        "sim-testdev: %s%d size 0x%" PRIx64
                        " is not a power of two",
                        i == PCI_ROM_SLOT ? "rom" : "bar",
                        i == PCI_ROM_SLOT ? 0 : i, size);
            return false;
        }
        if (!t || !parse_type(t, &types[i])) {
            g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                        "sim-testdev: bar%d_type '%s' is not mem, mem-pref, "
                        "mem64, mem64-pref or io", i, t ? t : "");
            return false;
        }
        if (taken[i]) {
            g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                        "sim-testdev: bar%d is the upper half of the 64-bit "
                        "bar%d", i, i - 1);
            return false;
        }
        if (types[i] & PCI_BASE_ADDRESS_SPACE_IO) {
            if (size < 4 || size > 0x10000) {
                g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                            "sim-testdev: I/O bar%d must be 4 bytes to "
                            "64 KiB", i);
                return false;
            }
        } else if (size < 16 || (i == PCI_ROM_SLOT && size < 2048) ||
                   (!(types[i] & PCI_BASE_ADDRESS_MEM_TYPE_64) &&
                    size > (1ULL << 31))) {
            g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                        "sim-testdev: %s%d size 0x%" PRIx64 " out of range",
                        i == PCI_ROM_SLOT ? "rom" : "bar",
                        i == PCI_ROM_SLOT ? 0 : i, size);
            return false;
        }
        if (types[i] & PCI_BASE_ADDRESS_MEM_TYPE_64 &&
            !(types[i] & PCI_BASE_ADDRESS_SPACE_IO)) {
            if (i >= 5) {
                g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                            "sim-testdev: 64-bit bar%d has no upper half", i);
                return false;
            }
            if (s->bar_size[i + 1]) {
                g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                            "sim-testdev: bar%d is the upper half of the "
                            "64-bit bar%d", i + 1, i);
                return false;
            }
            taken[i + 1] = true;
        }
    }
    if (s->msi_vectors) {
        if (msi_init(d, 0, s->msi_vectors, true, false, errp) < 0) {
            return false;
        }
    }
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        g_autofree char *name = NULL;

        if (!s->bar_size[i]) {
            continue;
        }
        name = g_strdup_printf("sim-testdev-%s%d",
                               i == PCI_ROM_SLOT ? "rom" : "bar",
                               i == PCI_ROM_SLOT ? 0 : i);
        s->bars[i] = memory_region_new_io(&sim_testdev_ops, bar_ctx(s, i),
                                          name, s->bar_size[i]);
        s->bars[i]->destructor = sim_testdev_bar_destructor;
        pci_register_bar(d, i, types[i], s->bars[i]);
    }
    return true;
}

static void sim_testdev_exit(PCIDevice *d)
{
    sim_testdev_drop_bars((SimTestDev *)d);
}

#define BAR_PROPS(n)                                                         \
    PCI_PROP_DEFINE("bar" #n, PCI_PROP_SIZE, SimTestDev, bar_size[n], 0,     \
                    "BAR " #n " size (0: none)"),                            \
    PCI_PROP_STR("bar" #n "_type", SimTestDev, bar_type[n], "mem",           \
                 "mem, mem-pref, mem64, mem64-pref or io")

static const PCIProperty sim_testdev_props[] = {
    PCI_PROP_DEFINE("vendor_id", PCI_PROP_UINT16, SimTestDev, vendor_id,
                    PCI_VENDOR_ID_QEMU, "vendor ID"),
    PCI_PROP_DEFINE("device_id", PCI_PROP_UINT16, SimTestDev, device_id,
                    0x0001, "device ID"),
    PCI_PROP_DEFINE("revision", PCI_PROP_UINT8, SimTestDev, revision, 0,
                    "revision ID"),
    PCI_PROP_DEFINE("class_id", PCI_PROP_UINT16, SimTestDev, class_id,
                    0x00ff, "class << 8 | subclass"),
    PCI_PROP_DEFINE("prog_if", PCI_PROP_UINT8, SimTestDev, prog_if, 0,
                    "programming interface"),
    PCI_PROP_DEFINE("subsys_vendor_id", PCI_PROP_UINT16, SimTestDev,
                    subsys_vendor_id, 0, "subsystem vendor ID"),
    PCI_PROP_DEFINE("subsys_id", PCI_PROP_UINT16, SimTestDev, subsys_id, 0,
                    "subsystem ID"),
    PCI_PROP_DEFINE("int_pin", PCI_PROP_UINT8, SimTestDev, int_pin, 1,
                    "interrupt pin (0: none, 1: INTA#)"),
    PCI_PROP_DEFINE("msi", PCI_PROP_UINT8, SimTestDev, msi_vectors, 0,
                    "MSI vectors (0: no MSI capability)"),
    BAR_PROPS(0), BAR_PROPS(1), BAR_PROPS(2), BAR_PROPS(3), BAR_PROPS(4),
    BAR_PROPS(5),
    PCI_PROP_DEFINE("rom", PCI_PROP_SIZE, SimTestDev, bar_size[PCI_ROM_SLOT],
                    0, "expansion ROM size (0: none)"),
    PCI_PROP_END,
};

const PCIDeviceClass sim_testdev_class = {
    .name = "sim-testdev",
    .desc = "iommusim test device",
    .instance_size = sizeof(SimTestDev),
    .vendor_id = PCI_VENDOR_ID_QEMU,
    .device_id = 0x0001,
    .class_id = 0x00ff,
    .props = sim_testdev_props,
    .realize = sim_testdev_realize,
    .exit = sim_testdev_exit,
};

const PCIDeviceClass sim_testdev_express_class = {
    .name = "sim-testdev-express",
    .desc = "iommusim test device (PCIe config space)",
    .instance_size = sizeof(SimTestDev),
    .vendor_id = PCI_VENDOR_ID_QEMU,
    .device_id = 0x0001,
    .class_id = 0x00ff,
    .is_express = true,
    .props = sim_testdev_props,
    .realize = sim_testdev_realize,
    .exit = sim_testdev_exit,
};
