/*
 * pci-bus.c - PCI buses: numbering, lookup of buses and functions, the
 * IOMMU hook, walks and bus reset (pci-bus.h).
 */
#include "dma/pci.h"
#include "dma/pci-host.h"

G_DEFINE_QUARK(iommusim-pci-error-quark, iommusim_pci_error)

static PCIBus *pci_bus_alloc(const char *name, MemoryRegion *mem,
                             MemoryRegion *io, bool express)
{
    PCIBus *bus = g_new0(PCIBus, 1);

    bus->name = g_strdup(name);
    bus->address_space_mem = mem;
    bus->address_space_io = io;
    memory_region_ref(mem);
    memory_region_ref(io);
    bus->express = express;
    bus->children = g_ptr_array_new();
    return bus;
}

PCIBus *pci_root_bus_new(const char *name, MemoryRegion *mem,
                         MemoryRegion *io, AddressSpace *dma_as,
                         uint8_t bus_num, bool express)
{
    PCIBus *bus = pci_bus_alloc(name, mem, io, express);

    bus->default_dma_as = dma_as;
    bus->root_bus_num = bus_num;
    return bus;
}

PCIBus *pci_secondary_bus_new(PCIDevice *bridge, const char *name,
                              MemoryRegion *mem, MemoryRegion *io,
                              bool express)
{
    PCIBus *bus = pci_bus_alloc(name, mem, io, express);

    bus->parent_dev = bridge;
    bus->host = bridge->bus->host;
    /* QEMU inserts at the head of the parent's child list */
    g_ptr_array_insert(bridge->bus->children, 0, bus);
    return bus;
}

void pci_bus_destroy(PCIBus *bus)
{
    if (!bus) {
        return;
    }
    for (int devfn = PCI_DEVFN_MAX - 1; devfn >= 0; devfn--) {
        if (bus->devices[devfn]) {
            pci_device_destroy(bus->devices[devfn]);
        }
    }
    if (bus->parent_dev) {
        g_ptr_array_remove(bus->parent_dev->bus->children, bus);
    }
    /* children went with their bridges */
    g_ptr_array_free(bus->children, TRUE);
    memory_region_unref(bus->address_space_mem);
    memory_region_unref(bus->address_space_io);
    g_free(bus->name);
    g_free(bus);
}

bool pci_bus_is_root(const PCIBus *bus)
{
    return bus->parent_dev == NULL;
}

bool pci_bus_is_express(const PCIBus *bus)
{
    return bus->express;
}

bool pci_bus_allows_extended_config_space(const PCIBus *bus)
{
    for (; bus; bus = bus->parent_dev ? bus->parent_dev->bus : NULL) {
        if (!bus->express) {
            return false;
        }
    }
    return true;
}

int pci_bus_num(const PCIBus *bus)
{
    if (pci_bus_is_root(bus)) {
        return bus->root_bus_num;
    }
    return bus->parent_dev->config[PCI_SECONDARY_BUS];
}

PCIBus *pci_bus_root(PCIBus *bus)
{
    while (bus && bus->parent_dev) {
        bus = bus->parent_dev->bus;
    }
    return bus;
}

PCIHostState *pci_bus_host(PCIBus *bus)
{
    return bus ? bus->host : NULL;
}

static bool pci_secondary_bus_in_range(const PCIDevice *dev, int bus_num)
{
    return !(pci_get_word(dev->config + PCI_BRIDGE_CONTROL) &
             PCI_BRIDGE_CTL_BUS_RESET) &&
           dev->config[PCI_SECONDARY_BUS] <= bus_num &&
           bus_num <= dev->config[PCI_SUBORDINATE_BUS];
}

PCIBus *pci_find_bus_nr(PCIBus *bus, int bus_num)
{
    if (!bus) {
        return NULL;
    }
    if (pci_bus_num(bus) == bus_num) {
        return bus;
    }
    if (!pci_bus_is_root(bus) &&
        !pci_secondary_bus_in_range(bus->parent_dev, bus_num)) {
        return NULL;
    }
    /* descend: a child with the number answers, a child whose range holds
     * it is entered, as QEMU's pci_find_bus_nr walks its child lists */
    while (bus) {
        PCIBus *next = NULL;

        for (guint i = 0; i < bus->children->len; i++) {
            PCIBus *sec = g_ptr_array_index(bus->children, i);

            if (pci_bus_num(sec) == bus_num) {
                return sec;
            }
            if (pci_secondary_bus_in_range(sec->parent_dev, bus_num)) {
                next = sec;
                break;
            }
        }
        bus = next;
    }
    return NULL;
}

PCIDevice *pci_find_device(PCIBus *bus, int bus_num, uint8_t devfn)
{
    bus = pci_find_bus_nr(bus, bus_num);
    return bus ? bus->devices[devfn] : NULL;
}

static PCIBus *find_bus_named(PCIBus *bus, const char *name)
{
    if (g_strcmp0(bus->name, name) == 0) {
        return bus;
    }
    for (guint i = 0; i < bus->children->len; i++) {
        PCIBus *found = find_bus_named(g_ptr_array_index(bus->children, i),
                                       name);
        if (found) {
            return found;
        }
    }
    return NULL;
}

static PCIDevice *find_device_id(PCIBus *bus, const char *id)
{
    for (int devfn = 0; devfn < PCI_DEVFN_MAX; devfn++) {
        PCIDevice *d = bus->devices[devfn];
        if (d && d->id && strcmp(d->id, id) == 0) {
            return d;
        }
    }
    for (guint i = 0; i < bus->children->len; i++) {
        PCIDevice *d = find_device_id(g_ptr_array_index(bus->children, i), id);
        if (d) {
            return d;
        }
    }
    return NULL;
}

PCIDevice *pci_bus_find_device_by_id(PCIBus *bus, const char *id)
{
    if (!bus || !id) {
        return NULL;
    }
    return find_device_id(pci_bus_root(bus), id);
}

PCIBus *pci_bus_find_by_name(PCIBus *bus, const char *name)
{
    PCIBus *root;
    PCIDevice *d;

    if (!bus || !name) {
        return NULL;
    }
    root = pci_bus_root(bus);
    PCIBus *found = find_bus_named(root, name);
    if (found) {
        return found;
    }
    /* a device with exactly one child bus stands for it */
    d = find_device_id(root, name);
    if (d) {
        for (guint i = 0; i < d->bus->children->len; i++) {
            PCIBus *sec = g_ptr_array_index(d->bus->children, i);
            if (sec->parent_dev == d) {
                return sec;
            }
        }
    }
    return NULL;
}

static void update_bus_master(PCIBus *bus, PCIDevice *d, void *opaque)
{
    pci_device_update_bus_master(d);
}

void pci_setup_iommu(PCIBus *bus, PCIIOMMUFunc fn, void *opaque)
{
    if (!bus) {
        return;
    }
    bus->iommu_fn = fn;
    bus->iommu_opaque = opaque;
    memory_region_transaction_begin();
    pci_bus_foreach_device(bus, true, update_bus_master, NULL);
    memory_region_transaction_commit();
}

static PCIBus *child_bus_of(PCIDevice *d)
{
    for (guint i = 0; i < d->bus->children->len; i++) {
        PCIBus *sec = g_ptr_array_index(d->bus->children, i);
        if (sec->parent_dev == d) {
            return sec;
        }
    }
    return NULL;
}

void pci_bus_foreach_device(PCIBus *bus, bool recursive, PCIBusDeviceFunc fn,
                            void *opaque)
{
    if (!bus) {
        return;
    }
    for (int devfn = 0; devfn < PCI_DEVFN_MAX; devfn++) {
        PCIDevice *d = bus->devices[devfn];
        if (!d) {
            continue;
        }
        fn(bus, d, opaque);
        if (recursive) {
            PCIBus *sec = child_bus_of(d);
            if (sec) {
                pci_bus_foreach_device(sec, true, fn, opaque);
            }
        }
    }
}

static void reset_one(PCIBus *bus, PCIDevice *d, void *opaque)
{
    pci_device_reset(d);
}

void pci_bus_reset(PCIBus *bus)
{
    pci_bus_foreach_device(bus, true, reset_one, NULL);
}
