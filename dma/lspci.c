/*
 * lspci.c - lspci -nn style listing (lspci.h).
 */
#include "dma/lspci.h"
#include "dma/pci-names.h"

/* The terse line after the slot: "CLASS: DEVICE[ (rev NN)]" */
static void append_description(GString *s, PCIDevice *d)
{
    g_autofree char *cls = pci_names_class(pci_get_word(d->config +
                                                        PCI_CLASS_DEVICE));
    g_autofree char *dev = pci_names_device(pci_get_word(d->config +
                                                         PCI_VENDOR_ID),
                                            pci_get_word(d->config +
                                                         PCI_DEVICE_ID));
    uint8_t rev = d->config[PCI_REVISION_ID];

    g_string_append_printf(s, "%s: %s", cls, dev);
    if (rev) {
        g_string_append_printf(s, " (rev %02x)", rev);
    }
}

char *pci_device_lspci_line(PCIDevice *d)
{
    GString *s = g_string_new(NULL);
    char bdf[8];

    g_string_append_printf(s, "%s ", pci_device_bdf_string(d, bdf));
    append_description(s, d);
    return g_string_free(s, FALSE);
}

static void collect(PCIBus *bus, PCIDevice *d, void *opaque)
{
    g_ptr_array_add(opaque, d);
}

char *pci_bus_lspci(PCIBus *bus)
{
    PCIBus *root = pci_bus_root(bus);
    g_autoptr(GPtrArray) all = g_ptr_array_new();
    g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);
    GString *s = g_string_new(NULL);

    if (!root) {
        return g_string_free(s, FALSE);
    }
    /* what a config-space scan finds */
    for (int b = 0; b < 256; b++) {
        PCIBus *sec = pci_find_bus_nr(root, b);

        if (!sec || pci_bus_num(sec) != b) {
            continue;
        }
        for (int devfn = 0; devfn < PCI_DEVFN_MAX; devfn++) {
            PCIDevice *d = sec->devices[devfn];
            g_autofree char *line = NULL;

            if (!d || !g_hash_table_add(seen, d)) {
                continue;
            }
            line = pci_device_lspci_line(d);
            g_string_append_printf(s, "%s\n", line);
        }
    }
    /* the rest, behind bridges that do not route to them */
    pci_bus_foreach_device(root, true, collect, all);
    for (guint i = 0; i < all->len; i++) {
        PCIDevice *d = g_ptr_array_index(all, i);
        char bdf[8];

        if (g_hash_table_contains(seen, d)) {
            continue;
        }
        g_string_append_printf(s, "--:%02x.%x ", PCI_SLOT(d->devfn),
                               PCI_FUNC(d->devfn));
        append_description(s, d);
        g_string_append_printf(s, " (behind %s, bus not reachable)\n",
                               pci_device_bdf_string(d->bus->parent_dev,
                                                     bdf));
    }
    return g_string_free(s, FALSE);
}
