/*
 * test-edu.c - the edu device (dma/edu.c) on a small PCI machine built in
 * C: registers, factorial, interrupts (INTx and MSI into RAM), DMA in both
 * directions on the virtual clock, range errors (QEMU aborts; we record an
 * event), dma_mask clamping and the -device properties.
 */
#include <glib.h>
#include <string.h>
#include "memory/memory.h"
#include "memory/address-space.h"
#include "dma/pci-host.h"
#include "dma/pci-driver.h"
#include "dma/edu.h"
#include "dma/msi.h"

typedef struct M {
    MemoryRegion *system, *ram, *pci_mem, *pci_io;
    AddressSpace *as;
    PCIHostState *host;
    PCIDevice *dev;
    EduState *edu;
    GString *msgs;
} M;

static void on_message(const char *text, bool to_stdout, void *opaque)
{
    M *m = opaque;
    g_string_append_printf(m->msgs, "%s:%s", to_stdout ? "out" : "err", text);
}

static void m_init(M *m, const char *spec)
{
    g_autoptr(GError) err = NULL;

    memset(m, 0, sizeof(*m));
    m->msgs = g_string_new("");
    edu_set_message_handler(on_message, m);
    vclock_set_mode(vclock_virtual(), VCLOCK_MANUAL);
    m->system = memory_region_new_container("system", UINT64_MAX);
    m->ram = memory_region_new_ram("ram", 16 << 20, NULL, NULL);
    memory_region_add_subregion(m->system, 0, m->ram, NULL);
    m->pci_mem = memory_region_new_container("pci", UINT64_MAX);
    memory_region_add_subregion_overlap(m->system, 0, m->pci_mem, -1, NULL);
    m->pci_io = memory_region_new_container("io", 0x10000);
    m->as = address_space_new(m->system, "memory");
    m->host = pci_host_new(&(PCIHostOptions){
        .pci_memory = m->pci_mem, .pci_io = m->pci_io, .dma_as = m->as },
        &err);
    g_assert_no_error(err);
    edu_register();
    m->dev = pci_device_add(m->host->bus, spec, &err);
    g_assert_no_error(err);
    m->edu = edu_from_pci(m->dev);
    g_assert_nonnull(m->edu);
    /* BAR 0 at 0x10000000, memory decode and bus mastering on */
    pci_config_write(m->dev, PCI_BASE_ADDRESS_0, 0x10000000, 4);
    pci_config_write(m->dev, PCI_COMMAND,
                     PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
}

static void m_fini(M *m)
{
    pci_host_destroy(m->host);
    address_space_destroy(m->as);
    memory_region_del_subregion(m->system, m->ram, NULL);
    memory_region_del_subregion(m->system, m->pci_mem, NULL);
    memory_region_unref(m->ram);
    memory_region_unref(m->pci_mem);
    memory_region_unref(m->pci_io);
    memory_region_unref(m->system);
    edu_set_message_handler(NULL, NULL);
    g_string_free(m->msgs, TRUE);
}

#define BAR 0x10000000ULL

static uint64_t rd(M *m, hwaddr off, unsigned size)
{
    return address_space_ld(m->as, BAR + off, size, false,
                            MEMTXATTRS_UNSPECIFIED, NULL);
}

static void wr(M *m, hwaddr off, uint64_t val, unsigned size)
{
    address_space_st(m->as, BAR + off, val, size, false,
                     MEMTXATTRS_UNSPECIFIED, NULL);
}

static unsigned count_events(M *m, EduEventKind kind)
{
    guint n;
    const EduEvent *ev = edu_events(m->edu, &n);
    unsigned c = 0;

    for (guint i = 0; i < n; i++) {
        c += ev[i].kind == kind;
    }
    return c;
}

static void test_config(void)
{
    M m;

    m_init(&m, "edu,addr=04.0");
    g_assert_cmphex(pci_config_read(m.dev, 0, 4), ==, 0x11e81234);
    g_assert_cmphex(pci_config_read(m.dev, 8, 4), ==, 0x00ff0010);
    g_assert_cmphex(pci_config_read(m.dev, PCI_INTERRUPT_PIN, 1), ==, 1);
    g_assert_cmphex(pci_config_read(m.dev, PCI_CAPABILITY_LIST, 1), ==, 0x40);
    g_assert_cmphex(pci_config_read(m.dev, 0x40, 4), ==, 0x00800005);
    g_assert_cmphex(m.edu->dma_mask, ==, (1 << 28) - 1);
    /* BAR sizing */
    pci_config_write(m.dev, PCI_BASE_ADDRESS_0, 0xffffffff, 4);
    g_assert_cmphex(pci_config_read(m.dev, PCI_BASE_ADDRESS_0, 4), ==,
                    0xfff00000);
    m_fini(&m);
}

static void test_registers(void)
{
    M m;

    m_init(&m, "edu,addr=04.0");
    g_assert_cmphex(rd(&m, 0, 4), ==, 0x010000ed);
    g_assert_cmphex(rd(&m, 0, 8), ==, UINT64_MAX);
    wr(&m, 4, 0x12345678, 4);
    g_assert_cmphex(rd(&m, 4, 4), ==, 0xedcba987);
    g_assert_cmphex(rd(&m, 0x10, 4), ==, 0xffffffff);
    g_assert_cmphex(rd(&m, 0x84, 4), ==, 0xffffffff);
    wr(&m, 8, 10, 4);
    g_assert_cmphex(rd(&m, 8, 4), ==, 3628800);
    g_assert_cmphex(rd(&m, 0x20, 4), ==, 0);
    wr(&m, 8, 0xffffffff, 4);          /* would loop 2^32 times in QEMU */
    g_assert_cmphex(rd(&m, 8, 4), ==, 0);
    wr(&m, 8, 33, 4);
    g_assert_cmphex(rd(&m, 8, 4), ==, 0x80000000);
    /* factorial interrupt, INTx */
    wr(&m, 0x20, 0x80, 4);
    wr(&m, 8, 3, 4);
    g_assert_cmphex(rd(&m, 0x24, 4), ==, EDU_FACT_IRQ);
    g_assert_cmpuint(count_events(&m, EDU_EVENT_IRQ_RAISE), ==, 1);
    g_assert_true(pci_config_read(m.dev, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
    wr(&m, 0x64, 1, 4);
    g_assert_false(pci_config_read(m.dev, PCI_STATUS, 2) &
                   PCI_STATUS_INTERRUPT);
    g_assert_cmpuint(count_events(&m, EDU_EVENT_IRQ_LOWER), ==, 1);
    m_fini(&m);
}

static void test_msi(void)
{
    M m;

    m_init(&m, "edu,addr=04.0");
    pci_config_write(m.dev, 0x44, 0x8000, 4);
    pci_config_write(m.dev, 0x48, 0, 4);
    pci_config_write(m.dev, 0x4c, 0xbeef, 2);
    pci_config_write(m.dev, 0x42, 1, 2);
    g_assert_true(msi_enabled(m.dev));
    wr(&m, 0x60, 2, 4);
    g_assert_cmphex(address_space_ldl_le(m.as, 0x8000, MEMTXATTRS_UNSPECIFIED,
                                         NULL), ==, 0xbeef);
    g_assert_cmpuint(count_events(&m, EDU_EVENT_MSI), ==, 1);
    m_fini(&m);
}

static void test_dma(void)
{
    M m;
    uint8_t buf[64];
    VClock *c = vclock_virtual();
    guint n;
    const EduEvent *ev;

    m_init(&m, "edu,addr=04.0");
    for (int i = 0; i < 64; i++) {
        buf[i] = (uint8_t)(i * 3);
    }
    address_space_write(m.as, 0x1000, MEMTXATTRS_UNSPECIFIED, buf, 64);
    wr(&m, 0x80, 0x1000, 8);
    wr(&m, 0x88, 0x40000, 8);
    wr(&m, 0x90, 64, 8);
    wr(&m, 0x98, 1, 8);
    g_assert_cmphex(rd(&m, 0x98, 8), ==, 1);
    /* ignored while running */
    wr(&m, 0x90, 8, 8);
    g_assert_cmphex(rd(&m, 0x90, 8), ==, 64);
    g_assert_cmpint(vclock_deadline_ns(c), ==, 100000000);
    vclock_step(c, 99999999);
    g_assert_cmphex(rd(&m, 0x98, 8), ==, 1);
    vclock_step_next(c);
    g_assert_cmphex(rd(&m, 0x98, 8), ==, 0);
    /* back to RAM with the interrupt */
    wr(&m, 0x80, 0x40000, 8);
    wr(&m, 0x88, 0x2000, 8);
    wr(&m, 0x98, 7, 8);
    vclock_step_next(c);
    g_assert_cmphex(rd(&m, 0x98, 8), ==, 6);
    g_assert_cmphex(rd(&m, 0x24, 4), ==, EDU_DMA_IRQ);
    address_space_read(m.as, 0x2000, MEMTXATTRS_UNSPECIFIED, buf, 64);
    for (int i = 0; i < 64; i++) {
        g_assert_cmpuint(buf[i], ==, (uint8_t)(i * 3));
    }
    ev = edu_events(m.edu, &n);
    g_assert_cmpuint(count_events(&m, EDU_EVENT_DMA_DONE), ==, 2);
    g_assert_cmpuint(ev[n - 2].kind, ==, EDU_EVENT_DMA_DONE);
    g_assert_cmphex(ev[n - 2].addr, ==, 0x2000);
    g_assert_cmpuint(ev[n - 2].result, ==, MEMTX_OK);

    /* out of the buffer: QEMU aborts; here an event and no transfer */
    wr(&m, 0x64, EDU_DMA_IRQ, 4);
    wr(&m, 0x80, 0x40000, 8);
    wr(&m, 0x88, 0x3000, 8);
    wr(&m, 0x90, 4096, 8);              /* end 0x41000: refused (QEMU 7.2) */
    wr(&m, 0x98, 7, 8);
    vclock_step_next(c);
    g_assert_cmphex(rd(&m, 0x98, 8), ==, 6);
    g_assert_cmphex(rd(&m, 0x24, 4), ==, 0);
    g_assert_cmpuint(count_events(&m, EDU_EVENT_DMA_RANGE_ERROR), ==, 1);
    g_assert_nonnull(strstr(m.msgs->str, "err:EDU: DMA range "
                            "0x0000000000040000-0x0000000000040fff out of "
                            "bounds (0x0000000000040000-0x0000000000040fff)!"));
    wr(&m, 0x90, 0, 8);                 /* count 0: refused too */
    wr(&m, 0x98, 1, 8);
    vclock_step_next(c);
    wr(&m, 0x80, 0xfffffffffffffff0ULL, 8);  /* wraps */
    wr(&m, 0x90, 0x20, 8);
    wr(&m, 0x98, 3, 8);
    vclock_step_next(c);
    g_assert_cmpuint(count_events(&m, EDU_EVENT_DMA_RANGE_ERROR), ==, 3);

    /* dma_mask: 28 bits */
    wr(&m, 0x80, 0x40000, 8);
    wr(&m, 0x88, 0x30002000, 8);
    wr(&m, 0x90, 8, 8);
    wr(&m, 0x98, 3, 8);
    vclock_step_next(c);
    g_assert_nonnull(strstr(m.msgs->str, "out:EDU: clamping DMA "
                            "0x0000000030002000 to 0x0000000000002000!\n"));
    g_assert_cmpuint(count_events(&m, EDU_EVENT_DMA_CLAMP), ==, 1);

    /* bus mastering off: the read fails, the buffer gets zeros */
    pci_config_write(m.dev, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    wr(&m, 0x80, 0x1000, 8);
    wr(&m, 0x88, 0x40000, 8);
    wr(&m, 0x98, 1, 8);
    vclock_step_next(c);
    ev = edu_events(m.edu, &n);
    g_assert_cmpuint(ev[n - 1].kind, ==, EDU_EVENT_DMA_DONE);
    g_assert_cmpuint(ev[n - 1].result, ==, MEMTX_DECODE_ERROR);
    m_fini(&m);
}

static void test_properties(void)
{
    M m;
    g_autoptr(GError) err = NULL;
    PCIDevice *d;

    m_init(&m, "edu,addr=04.0,dma_mask=0xffffffff");
    g_assert_cmphex(m.edu->dma_mask, ==, 0xffffffff);
    d = pci_device_add(m.host->bus, "edu,addr=04.0", &err);
    g_assert_null(d);
    g_assert_nonnull(err);
    g_clear_error(&err);
    d = pci_device_add(m.host->bus, "edu,dma_mask=abc", &err);
    g_assert_null(d);
    g_assert_nonnull(err);
    g_clear_error(&err);
    d = pci_device_add(m.host->bus, "edu,bogus=1", &err);
    g_assert_null(d);
    g_assert_nonnull(err);
    m_fini(&m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/edu/config", test_config);
    g_test_add_func("/edu/registers", test_registers);
    g_test_add_func("/edu/msi", test_msi);
    g_test_add_func("/edu/dma", test_dma);
    g_test_add_func("/edu/properties", test_properties);
    return g_test_run();
}
