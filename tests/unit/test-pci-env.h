/*
 * test-pci-env.h - a small q35-like PCI environment for the PCI unit
 * tests: "system" (2^64) with 16 MiB of RAM at 0 and the "pci" container
 * at priority -1, the I/O space "io" (64 KiB, reads all ones where nothing
 * decodes, as QEMU's unassigned_io_ops), a host bridge with its ports at
 * 0xcf8/0xcfc and ECAM placed by the "mch" at 00.0, and port and memory
 * accessors that behave like qtest's outl/inl/readl/writel.
 */
#ifndef IOMMUSIM_TEST_PCI_ENV_H
#define IOMMUSIM_TEST_PCI_ENV_H

#include <glib.h>
#include "dma/pci-host.h"
#include "dma/pci-driver.h"
#include "dma/pci-bridge.h"
#include "dma/sim-testdev.h"
#include "test-helpers.h"

typedef struct PciEnv {
    MemoryRegion *system, *ram, *pci, *io;
    AddressSpace *memory, *io_as;
    PCIHostState *host;
    PCIBus *bus;
    PCIDevice *mch;
} PciEnv;

static uint64_t env_io_read(void *opaque, hwaddr addr, unsigned size)
{
    return ~0ULL;
}

static void env_io_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
}

static const MemoryRegionOps env_io_ops = {
    .read = env_io_read,
    .write = env_io_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

static inline void pci_env_init(PciEnv *e)
{
    g_autoptr(GError) err = NULL;
    PCIHostOptions o = { 0 };

    memset(e, 0, sizeof(*e));
    e->system = memory_region_new_container("system", UINT64_MAX);
    e->ram = test_ram("ram", 16 << 20);
    memory_region_ref(e->ram);
    test_add(e->system, 0, e->ram, 0);
    e->pci = memory_region_new_container("pci", UINT64_MAX);
    memory_region_ref(e->pci);
    test_add(e->system, 0, e->pci, -1);
    e->io = memory_region_new_io(&env_io_ops, NULL, "io", 0x10000);
    e->memory = address_space_new(e->system, "memory");
    e->io_as = address_space_new(e->io, "I/O");

    o.pci_memory = e->pci;
    o.pci_io = e->io;
    o.dma_as = e->memory;
    o.mmcfg_container = e->system;
    e->host = pci_host_new(&o, &err);
    g_assert_no_error(err);
    g_assert_true(pci_host_map_config_ports(e->host, e->io, 0xcf8, &err));
    g_assert_no_error(err);
    e->bus = e->host->bus;
    e->mch = pci_device_create(e->bus, "mch", "addr=00.0", &err);
    g_assert_no_error(err);
}

static inline void pci_env_destroy(PciEnv *e)
{
    pci_host_destroy(e->host);
    address_space_destroy(e->memory);
    address_space_destroy(e->io_as);
    memory_region_unref(e->ram);
    memory_region_unref(e->pci);
    memory_region_unref(e->system);
    memory_region_unref(e->io);
}

/* A device from a -device string; asserts success */
static inline PCIDevice *pci_env_add(PciEnv *e, const char *spec)
{
    g_autoptr(GError) err = NULL;
    PCIDevice *d = pci_device_add(e->bus, spec, &err);

    g_assert_no_error(err);
    g_assert_nonnull(d);
    return d;
}

/* An edu-like sim-testdev: 1234:11e8 rev 10 class 00ff, MSI, BAR0 1 MiB */
#define EDU_LIKE "sim-testdev,device_id=0x11e8,revision=0x10,msi=1,bar0=1M"

/* ---- port I/O as qtest's outX/inX: a little-endian buffer through
 * address_space_write/read of the I/O space ---- */

static inline void env_out(PciEnv *e, hwaddr port, uint32_t val, unsigned n)
{
    uint8_t buf[4];

    for (unsigned i = 0; i < n; i++) {
        buf[i] = (uint8_t)(val >> (8 * i));
    }
    address_space_write(e->io_as, port, MEMTXATTRS_UNSPECIFIED, buf, n);
}

static inline uint32_t env_in(PciEnv *e, hwaddr port, unsigned n)
{
    uint8_t buf[4] = { 0 };
    uint32_t v = 0;

    address_space_read(e->io_as, port, MEMTXATTRS_UNSPECIFIED, buf, n);
    for (unsigned i = 0; i < n; i++) {
        v |= (uint32_t)buf[i] << (8 * i);
    }
    return v;
}

#define outl(e, p, v) env_out((e), (p), (v), 4)
#define outw(e, p, v) env_out((e), (p), (v), 2)
#define outb(e, p, v) env_out((e), (p), (v), 1)
#define inl(e, p) env_in((e), (p), 4)
#define inw(e, p) env_in((e), (p), 2)
#define inb(e, p) env_in((e), (p), 1)

/* CONFIG_ADDRESS for bus/dev/fn/reg with the enable bit */
static inline uint32_t cfg_addr(int bus, int dev, int fn, int reg)
{
    return 0x80000000u | (uint32_t)bus << 16 | (uint32_t)dev << 11 |
           (uint32_t)fn << 8 | (uint32_t)reg;
}

static inline uint32_t cfg_readl(PciEnv *e, int bus, int dev, int fn, int reg)
{
    outl(e, 0xcf8, cfg_addr(bus, dev, fn, reg));
    return inl(e, 0xcfc);
}

static inline void cfg_writel(PciEnv *e, int bus, int dev, int fn, int reg,
                              uint32_t v)
{
    outl(e, 0xcf8, cfg_addr(bus, dev, fn, reg));
    outl(e, 0xcfc, v);
}

static inline void cfg_writew(PciEnv *e, int bus, int dev, int fn, int reg,
                              uint16_t v)
{
    outl(e, 0xcf8, cfg_addr(bus, dev, fn, reg & ~3));
    outw(e, 0xcfc + (reg & 2), v);
}

/* memory as qtest's readl/writel (little endian); *res gets the result */
static inline uint64_t env_readn(PciEnv *e, hwaddr a, unsigned n,
                                 MemTxResult *res)
{
    MemTxResult r;
    uint64_t v = address_space_ld(e->memory, a, n, false,
                                  MEMTXATTRS_UNSPECIFIED, &r);
    if (res) {
        *res = r;
    }
    return v;
}

static inline void env_writen(PciEnv *e, hwaddr a, uint64_t v, unsigned n)
{
    address_space_st(e->memory, a, v, n, false, MEMTXATTRS_UNSPECIFIED, NULL);
}

#define readl(e, a) env_readn((e), (a), 4, NULL)
#define readw(e, a) env_readn((e), (a), 2, NULL)
#define readb(e, a) env_readn((e), (a), 1, NULL)
#define readq(e, a) env_readn((e), (a), 8, NULL)
#define writel(e, a, v) env_writen((e), (a), (v), 4)

#endif
