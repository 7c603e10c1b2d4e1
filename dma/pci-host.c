/*
 * pci-host.c - host bridge: root bus, 0xcf8/0xcfc mechanism and ECAM
 * (pci-host.h), after QEMU 7.2's hw/pci/pci_host.c and pcie_host.c.
 */
#include "dma/pci-host.h"

/* ---- accesses common to both mechanisms ------------------------------------ */

static void pci_adjust_config_limit(PCIBus *bus, uint32_t *limit)
{
    if (*limit > PCI_CONFIG_SPACE_SIZE &&
        !pci_bus_allows_extended_config_space(bus)) {
        *limit = PCI_CONFIG_SPACE_SIZE;
    }
}

void pci_host_config_write_common(PCIDevice *dev, uint32_t addr,
                                  uint32_t limit, uint32_t val, uint32_t len)
{
    pci_adjust_config_limit(dev->bus, &limit);
    if (limit <= addr || len == 0 || len > 4) {
        return;
    }
    pci_config_write(dev, addr, val, (int)MIN(len, limit - addr));
}

uint32_t pci_host_config_read_common(PCIDevice *dev, uint32_t addr,
                                     uint32_t limit, uint32_t len)
{
    pci_adjust_config_limit(dev->bus, &limit);
    if (limit <= addr || len == 0 || len > 4) {
        return ~0u;
    }
    return pci_config_read(dev, addr, (int)MIN(len, limit - addr));
}

/* ---- configuration mechanism #1 ---------------------------------------------- */

static PCIDevice *pci_dev_find_by_addr(PCIBus *bus, uint32_t addr)
{
    return pci_find_device(bus, (addr >> 16) & 0xff, (addr >> 8) & 0xff);
}

void pci_data_write(PCIBus *bus, uint32_t addr, uint32_t val, unsigned len)
{
    PCIDevice *d = pci_dev_find_by_addr(bus, addr);

    if (!d) {
        return;
    }
    pci_host_config_write_common(d, addr & (PCI_CONFIG_SPACE_SIZE - 1),
                                 PCI_CONFIG_SPACE_SIZE, val, len);
}

uint32_t pci_data_read(PCIBus *bus, uint32_t addr, unsigned len)
{
    PCIDevice *d = pci_dev_find_by_addr(bus, addr);

    if (!d) {
        return ~0u;
    }
    return pci_host_config_read_common(d, addr & (PCI_CONFIG_SPACE_SIZE - 1),
                                       PCI_CONFIG_SPACE_SIZE, len);
}

static uint64_t pci_host_config_read(void *opaque, hwaddr addr, unsigned len)
{
    PCIHostState *s = opaque;

    /* every offset and width returns the register; the memory core keeps
     * the low @len bytes (QEMU: inb 0xcfa reads CONFIG_ADDRESS & 0xff) */
    return s->config_reg;
}

static void pci_host_config_write(void *opaque, hwaddr addr, uint64_t val,
                                  unsigned len)
{
    PCIHostState *s = opaque;

    if (addr != 0 || len != 4) {
        return;        /* byte and word writes are ignored, as in QEMU */
    }
    s->config_reg = (uint32_t)val;
}

static uint64_t pci_host_data_read(void *opaque, hwaddr addr, unsigned len)
{
    PCIHostState *s = opaque;

    if (!(s->config_reg & (1u << 31))) {
        return 0xffffffff;
    }
    return pci_data_read(s->bus, s->config_reg | (uint32_t)(addr & 3), len);
}

static void pci_host_data_write(void *opaque, hwaddr addr, uint64_t val,
                                unsigned len)
{
    PCIHostState *s = opaque;

    if (s->config_reg & (1u << 31)) {
        pci_data_write(s->bus, s->config_reg | (uint32_t)(addr & 3),
                       (uint32_t)val, len);
    }
}

static const MemoryRegionOps pci_host_conf_le_ops = {
    .read = pci_host_config_read,
    .write = pci_host_config_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

static const MemoryRegionOps pci_host_data_le_ops = {
    .read = pci_host_data_read,
    .write = pci_host_data_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

/* ---- ECAM -------------------------------------------------------------------- */

static uint64_t pcie_mmcfg_data_read(void *opaque, hwaddr mmcfg_addr,
                                     unsigned len)
{
    PCIHostState *s = opaque;
    PCIDevice *d = pci_find_device(s->bus, PCIE_MMCFG_BUS(mmcfg_addr),
                                   PCIE_MMCFG_DEVFN(mmcfg_addr));

    if (!d) {
        return ~0u;
    }
    return pci_host_config_read_common(d, PCIE_MMCFG_CONFOFFSET(mmcfg_addr),
                                       pci_config_size(d), len);
}

static void pcie_mmcfg_data_write(void *opaque, hwaddr mmcfg_addr,
                                  uint64_t val, unsigned len)
{
    PCIHostState *s = opaque;
    PCIDevice *d = pci_find_device(s->bus, PCIE_MMCFG_BUS(mmcfg_addr),
                                   PCIE_MMCFG_DEVFN(mmcfg_addr));

    if (!d) {
        return;
    }
    pci_host_config_write_common(d, PCIE_MMCFG_CONFOFFSET(mmcfg_addr),
                                 pci_config_size(d), (uint32_t)val, len);
}

static const MemoryRegionOps pcie_mmcfg_ops = {
    .read = pcie_mmcfg_data_read,
    .write = pcie_mmcfg_data_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

static void pcie_host_mmcfg_unmap(PCIHostState *s)
{
    if (s->mmcfg_base != PCIE_BASE_ADDR_UNMAPPED) {
        if (s->mmcfg->container) {
            memory_region_del_subregion(s->mmcfg->container, s->mmcfg, NULL);
        }
        s->mmcfg_base = PCIE_BASE_ADDR_UNMAPPED;
    }
}

bool pcie_host_mmcfg_update(PCIHostState *s, bool enable, hwaddr addr,
                            uint64_t size, GError **errp)
{
    bool ok = true;

    memory_region_transaction_begin();
    pcie_host_mmcfg_unmap(s);
    if (enable) {
        if (!s->mmcfg_container) {
            g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                        "%s: no region to map the ECAM window into", s->name);
            ok = false;
        } else if (size < PCIE_MMCFG_SIZE_MIN || size > PCIE_MMCFG_SIZE_MAX ||
                   (size & (size - 1))) {
            g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                        "%s: ECAM size 0x%" PRIx64 " is not a power of two "
                        "from 1 MiB to 256 MiB", s->name, size);
            ok = false;
        } else {
            g_autoptr(GError) err = NULL;
            if (!memory_region_set_size(s->mmcfg, size, &err) ||
                !memory_region_add_subregion(s->mmcfg_container, addr,
                                             s->mmcfg, &err)) {
                g_propagate_error(errp, g_steal_pointer(&err));
                ok = false;
            } else {
                s->mmcfg_size = size;
                s->mmcfg_base = addr;
            }
        }
    }
    memory_region_transaction_commit();
    return ok;
}

/* ---- the host bridge ------------------------------------------------------------ */

PCIHostState *pci_host_new(const PCIHostOptions *opts, GError **errp)
{
    PCIHostState *s;

    if (!opts || !opts->pci_memory || !opts->pci_io || !opts->dma_as) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                    "PCI host bridge: %s is required",
                    !opts ? "an options structure"
                    : !opts->pci_memory ? "the PCI memory region"
                    : !opts->pci_io ? "the PCI I/O region"
                    : "the DMA address space");
        return NULL;
    }
    s = g_new0(PCIHostState, 1);
    s->name = g_strdup(opts->name ? opts->name : "pcie-host");
    s->conf_mem = memory_region_new_io(&pci_host_conf_le_ops, s,
                                       "pci-conf-idx", 4);
    s->data_mem = memory_region_new_io(&pci_host_data_le_ops, s,
                                       "pci-conf-data", 4);
    s->mmcfg = memory_region_new_io(&pcie_mmcfg_ops, s, "pcie-mmcfg-mmio",
                                    PCIE_MMCFG_SIZE_MAX);
    s->mmcfg_base = PCIE_BASE_ADDR_UNMAPPED;
    if (opts->mmcfg_container) {
        s->mmcfg_container = opts->mmcfg_container;
        memory_region_ref(s->mmcfg_container);
    }
    s->bus = pci_root_bus_new(opts->bus_name ? opts->bus_name : "pcie.0",
                              opts->pci_memory, opts->pci_io, opts->dma_as,
                              opts->bus_num, !opts->conventional);
    s->bus->host = s;
    s->bus->allow_0_address = opts->allow_0_address;
    return s;
}

static void unplace(MemoryRegion *mr)
{
    if (mr && mr->container) {
        memory_region_del_subregion(mr->container, mr, NULL);
    }
}

void pci_host_destroy(PCIHostState *s)
{
    if (!s) {
        return;
    }
    memory_region_transaction_begin();
    pcie_host_mmcfg_unmap(s);
    pci_bus_destroy(s->bus);
    s->bus = NULL;
    unplace(s->conf_mem);
    unplace(s->data_mem);
    memory_region_transaction_commit();
    /* a region may outlive us (a script holds it): cut it loose */
    s->conf_mem->opaque = NULL;
    s->conf_mem->ops = &unassigned_mem_ops;
    s->data_mem->ops = &unassigned_mem_ops;
    s->data_mem->opaque = NULL;
    s->mmcfg->ops = &unassigned_mem_ops;
    s->mmcfg->opaque = NULL;
    memory_region_unref(s->conf_mem);
    memory_region_unref(s->data_mem);
    memory_region_unref(s->mmcfg);
    memory_region_unref(s->mmcfg_container);
    g_free(s->name);
    g_free(s);
}

bool pci_host_map_config_ports(PCIHostState *s, MemoryRegion *io,
                               hwaddr base, GError **errp)
{
    if (!memory_region_add_subregion(io, base, s->conf_mem, errp)) {
        return false;
    }
    if (!memory_region_add_subregion(io, base + 4, s->data_mem, errp)) {
        memory_region_del_subregion(io, s->conf_mem, NULL);
        return false;
    }
    return true;
}

void pci_host_set_irq_handler(PCIHostState *s, PCIHostIRQHandler fn,
                              void *opaque)
{
    s->irq_handler = fn;
    s->irq_opaque = opaque;
}
