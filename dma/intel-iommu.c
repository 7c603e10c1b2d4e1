/*
 * intel-iommu.c - "-device intel-iommu": the VT-d unit attached to a PCI
 * hierarchy (QEMU 7.2 hw/i386/intel_iommu.c vtd_realize: sysbus device at
 * 0xfed90000, pci_setup_iommu on the root bus, the IOAPIC's address space
 * at devfn 0 created at realize).
 */
#include "dma/intel-iommu.h"
#include "dma/pci-driver.h"
#include "iommu/vtd/vtd-internal.h"

#include <string.h>

/* root bus -> IntelIOMMUState */
static GHashTable *intel_iommus;

static uint8_t intel_iommu_bus_num(PCIBus *bus)
{
    return bus ? (uint8_t)pci_bus_num(bus) : 0;
}

bool intel_iommu_spec_matches(const char *spec)
{
    g_autoptr(PCIDeviceOpts) opts = NULL;

    if (!spec) {
        return false;
    }
    opts = pci_device_opts_parse(spec, NULL);
    return opts && opts->driver &&
           strcmp(opts->driver, TYPE_INTEL_IOMMU_DEVICE) == 0;
}

IntelIOMMUState *intel_iommu_find(PCIBus *bus)
{
    if (!bus || !intel_iommus) {
        return NULL;
    }
    return g_hash_table_lookup(intel_iommus, pci_bus_root(bus));
}

static bool id_wellformed(const char *id)
{
    if (!g_ascii_isalpha(id[0])) {
        return false;
    }
    for (int i = 1; id[i]; i++) {
        if (!g_ascii_isalnum(id[i]) && !strchr("-._", id[i])) {
            return false;
        }
    }
    return true;
}

IntelIOMMUState *intel_iommu_device_add(PCIBus *bus, const char *spec,
                                        GError **errp)
{
    g_autoptr(PCIDeviceOpts) opts = NULL;
    g_autoptr(GHashTable) done = NULL;
    const char *id;
    IntelIOMMUState *s;
    AddressSpace *system_as;
    PCIBus *root;
    VTDProperties p;

    if (!bus) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                    "no PCI bus for '%s'", TYPE_INTEL_IOMMU_DEVICE);
        return NULL;
    }
    opts = pci_device_opts_parse(spec, errp);
    if (!opts) {
        return NULL;
    }
    if (!opts->driver || strcmp(opts->driver, TYPE_INTEL_IOMMU_DEVICE)) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                    "'%s' is not intel-iommu", spec);
        return NULL;
    }
    root = pci_bus_root(bus);
    system_as = root->default_dma_as;

    /* QemuOpts checks the id before anything else */
    id = pci_device_opts_get(opts, "id");
    if (id && !id_wellformed(id)) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                    "Parameter 'id' expects an identifier");
        return NULL;
    }
    if (pci_device_opts_get(opts, "bus")) {
        /* a sysbus device: no PCI bus takes it */
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                    "Device '%s' can't go on %s bus", TYPE_INTEL_IOMMU_DEVICE,
                    pci_bus_is_express(bus) ? "PCIE" : "PCI");
        return NULL;
    }

    /* properties in order of first appearance, each with its last value */
    vtd_properties_init(&p);
    done = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < opts->keys->len; i++) {
        const char *key = g_ptr_array_index(opts->keys, i);
        if (!g_hash_table_add(done, (gpointer)key) || !strcmp(key, "id")) {
            continue;
        }
        if (!vtd_properties_set(&p, key, pci_device_opts_get(opts, key),
                                errp)) {
            return NULL;
        }
    }

    if (intel_iommu_find(root) || root->iommu_fn) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_BUSY,
                    "QEMU does not support multiple vIOMMUs for x86 yet.");
        return NULL;
    }
    if (!system_as) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                    "the PCI hierarchy has no system memory for "
                    "intel-iommu");
        return NULL;
    }

    s = vtd_new(&p, system_as->root, system_as, errp);
    if (!s) {
        return NULL;
    }
    if (!vtd_map_registers(s, system_as->root, VTD_DEFAULT_BASE, errp)) {
        vtd_destroy(s);
        return NULL;
    }
    vtd_set_bus_num_fn(s, intel_iommu_bus_num);
    if (!intel_iommus) {
        intel_iommus = g_hash_table_new(NULL, NULL);
    }
    g_hash_table_insert(intel_iommus, root, s);
    s->pci_root_bus = root;
    pci_setup_iommu(root, vtd_host_dma_iommu, s);
    /* QEMU: x86ms->ioapic_as = vtd_host_dma_iommu(bus, s, 0) */
    vtd_host_dma_iommu(root, s, 0);
    return s;
}

void intel_iommu_device_remove(IntelIOMMUState *s)
{
    PCIBus *root;

    if (!s) {
        return;
    }
    root = s->pci_root_bus;
    if (root) {
        if (root->iommu_fn == vtd_host_dma_iommu &&
            root->iommu_opaque == s) {
            pci_setup_iommu(root, NULL, NULL);
        }
        if (intel_iommus) {
            g_hash_table_remove(intel_iommus, root);
        }
    }
    vtd_destroy(s);
}
