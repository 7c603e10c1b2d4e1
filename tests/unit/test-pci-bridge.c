/*
 * test-pci-bridge.c - PCI-to-PCI bridges: the type 1 header of QEMU's
 * "pci-bridge", config routing by secondary/subordinate bus numbers, the
 * bus reset bit, the memory/I/O/prefetchable windows and nested bridges.
 *
 * Expected values checked against qemu-system-x86_64 7.2 with qtest
 * (q35, -device pci-bridge,id=br1,chassis_nr=1,addr=07.0
 *  -device edu,bus=br1,addr=03.0); replies quoted as "qtest: ...".
 */
#include "test-pci-env.h"

static void test_bridge_header(void)
{
    PciEnv e;
    PCIDevice *br;

    pci_env_init(&e);
    br = pci_env_add(&e, "pci-bridge,id=br1,chassis_nr=1,addr=07.0");
    g_assert_nonnull(pci_device_secondary_bus(br));
    g_assert_cmpstr(pci_device_secondary_bus(br)->name, ==, "br1");
    /* qtest, config dwords of 00:07.0 from 0x00:
     * 0x11b36 0xb00000 0x6040000 0x10000 0x0004 0x0000 0x0000 0xa00000
     * 0x0000 0x10001 0x0000 0x0000 0x0000 0x004c 0x0000 0x0100
     * 0x000c 0x0000 0x1204004 0x1804805 0x0000 ... */
    static const uint32_t expect[] = {
        0x00011b36, 0x00b00000, 0x06040000, 0x00010000, 0x00000004,
        0x00000000, 0x00000000, 0x00a00000, 0x00000000, 0x00010001,
        0x00000000, 0x00000000, 0x00000000, 0x0000004c, 0x00000000,
        0x00000100, 0x0000000c, 0x00000000, 0x01204004, 0x01804805,
        0x00000000, 0x00000000,
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(expect); i++) {
        g_assert_cmphex(cfg_readl(&e, 0, 7, 0, i * 4), ==, expect[i]);
    }
    /* qtest: BAR 0 (SHPC, 64-bit, 256 bytes) all ones -> 0xffffff04;
     * 0x80003818 all ones -> 0xffffffff (bus numbers, latency timer) */
    cfg_writel(&e, 0, 7, 0, 0x10, 0xffffffff);
    g_assert_cmphex(cfg_readl(&e, 0, 7, 0, 0x10), ==, 0xffffff04);
    cfg_writel(&e, 0, 7, 0, 0x18, 0xffffffff);
    g_assert_cmphex(cfg_readl(&e, 0, 7, 0, 0x18), ==, 0xffffffff);
    /* window registers: type bits are read-only */
    cfg_writel(&e, 0, 7, 0, 0x1c, 0xffffffff);
    g_assert_cmphex(cfg_readl(&e, 0, 7, 0, 0x1c) & 0xffff, ==, 0xf0f0);
    cfg_writel(&e, 0, 7, 0, 0x24, 0);
    g_assert_cmphex(cfg_readl(&e, 0, 7, 0, 0x24), ==, 0x00010001);
    pci_env_destroy(&e);
}

static void test_bridge_header_noshpc(void)
{
    PciEnv e;

    pci_env_init(&e);
    pci_env_add(&e, "pci-bridge,chassis_nr=3,addr=07.0,shpc=off");
    /* qtest (shpc=off): 0x10 -> 0, 0x34 -> 0x0040, 0x3c -> 0,
     * 0x40 -> 0x1200004 (slot ID, chassis 1; here chassis 3) */
    g_assert_cmphex(cfg_readl(&e, 0, 7, 0, 0x10), ==, 0);
    g_assert_cmphex(cfg_readl(&e, 0, 7, 0, 0x34), ==, 0x40);
    g_assert_cmphex(cfg_readl(&e, 0, 7, 0, 0x3c), ==, 0);
    g_assert_cmphex(cfg_readl(&e, 0, 7, 0, 0x40), ==, 0x03200004);
    g_assert_cmphex(cfg_readl(&e, 0, 7, 0, 0x44), ==, 0);
    /* an unnamed bridge's bus gets an automatic name */
    g_assert_cmpstr(pci_device_secondary_bus(e.bus->devices[0x38])->name, ==,
                    "pci.0");
    pci_env_destroy(&e);
}

static void test_bridge_routing(void)
{
    PciEnv e;
    PCIDevice *behind;

    pci_env_init(&e);
    pci_env_add(&e, "pci-bridge,id=br1,chassis_nr=1,addr=07.0");
    behind = pci_env_add(&e, EDU_LIKE ",bus=br1,addr=03.0");
    g_assert_true(behind->bus == pci_device_secondary_bus(e.bus->devices[0x38]));

    /* qtest: 0x80011800 (01:03.0) before numbering -> 0xffffffff */
    g_assert_cmphex(cfg_readl(&e, 1, 3, 0, 0), ==, 0xffffffff);
    /* bus number 0 (reset value) does not shadow the root bus */
    g_assert_cmphex(cfg_readl(&e, 0, 3, 0, 0), ==, 0xffffffff);
    /* qtest: outl 0x80003818 0x00010100; 01:03.0 -> 0x11e81234;
     * 02:03.0 -> 0xffffffff */
    cfg_writel(&e, 0, 7, 0, 0x18, 0x00010100);
    g_assert_cmphex(cfg_readl(&e, 1, 3, 0, 0), ==, 0x11e81234);
    g_assert_cmphex(cfg_readl(&e, 2, 3, 0, 0), ==, 0xffffffff);
    g_assert_cmpint(pci_dev_bus_num(behind), ==, 1);
    /* qtest: 0x00020200: 02:03.0 -> 0x11e81234, 01:03.0 -> 0xffffffff */
    cfg_writel(&e, 0, 7, 0, 0x18, 0x00020200);
    g_assert_cmphex(cfg_readl(&e, 2, 3, 0, 0), ==, 0x11e81234);
    g_assert_cmphex(cfg_readl(&e, 1, 3, 0, 0), ==, 0xffffffff);
    /* qtest: 0x00030100 (secondary 1, subordinate 3): 02:03.0 and
     * 03:03.0 -> 0xffffffff (no such buses behind) */
    cfg_writel(&e, 0, 7, 0, 0x18, 0x00030100);
    g_assert_cmphex(cfg_readl(&e, 2, 3, 0, 0), ==, 0xffffffff);
    g_assert_cmphex(cfg_readl(&e, 3, 3, 0, 0), ==, 0xffffffff);
    g_assert_cmphex(cfg_readl(&e, 1, 3, 0, 0), ==, 0x11e81234);
    /* writes reach the device behind */
    cfg_writel(&e, 1, 3, 0, 0x10, 0xffffffff);
    g_assert_cmphex(cfg_readl(&e, 1, 3, 0, 0x10), ==, 0xfff00000);
    g_assert_cmphex(pci_config_read(behind, 0x10, 4), ==, 0xfff00000);
    /* qtest: bridge control BUS_RESET set (outl 0x8000383c 0x00400000):
     * 01:03.0 still answers: the directly attached secondary bus is
     * matched by number before ranges are checked (pci_find_bus_nr) */
    cfg_writel(&e, 0, 7, 0, 0x3c, 0x00400000);
    g_assert_cmphex(cfg_readl(&e, 1, 3, 0, 0), ==, 0x11e81234);
    /* ... and the reset cleared what had been written behind */
    g_assert_cmphex(cfg_readl(&e, 1, 3, 0, 0x10), ==, 0);
    cfg_writel(&e, 0, 7, 0, 0x3c, 0);
    g_assert_cmphex(cfg_readl(&e, 1, 3, 0, 0), ==, 0x11e81234);
    pci_env_destroy(&e);
}

static void test_nested_bridges(void)
{
    PciEnv e;
    PCIDevice *br2, *leaf;

    pci_env_init(&e);
    pci_env_add(&e, "pci-bridge,id=br1,chassis_nr=1,addr=07.0");
    br2 = pci_env_add(&e, "pci-bridge,id=br2,chassis_nr=2,bus=br1,addr=05.0");
    leaf = pci_env_add(&e, "sim-testdev,bus=br2,addr=00.0,device_id=0xbeef");
    cfg_writel(&e, 0, 7, 0, 0x18, 0x00020100);   /* 0 -> 1..2 */
    g_assert_cmphex(cfg_readl(&e, 1, 5, 0, 0), ==, 0x00011b36);
    g_assert_cmphex(cfg_readl(&e, 2, 0, 0, 0), ==, 0xffffffff);
    cfg_writel(&e, 1, 5, 0, 0x18, 0x00020201);   /* 1 -> 2 */
    g_assert_cmphex(cfg_readl(&e, 2, 0, 0, 0), ==, 0xbeef1234);
    g_assert_cmpint(pci_dev_bus_num(leaf), ==, 2);
    /* subordinate of br1 too small: bus 2 unreachable */
    cfg_writel(&e, 0, 7, 0, 0x18, 0x00010100);
    g_assert_cmphex(cfg_readl(&e, 2, 0, 0, 0), ==, 0xffffffff);
    cfg_writel(&e, 0, 7, 0, 0x18, 0x00020100);
    g_assert_cmphex(cfg_readl(&e, 2, 0, 0, 0), ==, 0xbeef1234);
    /* BUS_RESET on br1 stops routing beyond bus 1 and resets br2, whose
     * bus numbers go back to 0 */
    cfg_writel(&e, 0, 7, 0, 0x3c, 0x00400000);
    g_assert_cmphex(cfg_readl(&e, 2, 0, 0, 0), ==, 0xffffffff);
    g_assert_cmphex(br2->config[PCI_SECONDARY_BUS], ==, 0);
    cfg_writel(&e, 0, 7, 0, 0x3c, 0);
    g_assert_cmphex(cfg_readl(&e, 2, 0, 0, 0), ==, 0xffffffff);
    cfg_writel(&e, 1, 5, 0, 0x18, 0x00020201);
    g_assert_cmphex(cfg_readl(&e, 2, 0, 0, 0), ==, 0xbeef1234);
    /* destroying the outer bridge takes everything below */
    pci_device_destroy(e.bus->devices[0x38]);
    g_assert_null(e.bus->devices[0x38]);
    g_assert_cmpuint(e.bus->children->len, ==, 0);
    g_assert_cmphex(cfg_readl(&e, 1, 5, 0, 0), ==, 0xffffffff);
    pci_env_destroy(&e);
}

static void test_bridge_windows(void)
{
    PciEnv e;
    PCIBridge *br;
    PCIDevice *mem_dev, *io_dev;

    pci_env_init(&e);
    br = (PCIBridge *)pci_env_add(&e, "pci-bridge,id=br1,chassis_nr=1,"
                                  "addr=07.0");
    mem_dev = pci_env_add(&e, "sim-testdev,bus=br1,addr=03.0,bar0=1M");
    io_dev = pci_env_add(&e, "sim-testdev,bus=br1,addr=04.0,bar1=64,"
                         "bar1_type=io");
    ((SimTestDev *)mem_dev)->regs[0][0] = 0x3a;
    ((SimTestDev *)io_dev)->regs[1][0] = 0x4b;

    /* as tests/data/mtree/q35-pci-bars.qtest: buses 0/1/1, I/O window
     * 0xd000-0xdfff, memory window 0xfe400000-0xfe5fffff, prefetchable
     * closed; QEMU's info mtree then shows in "pci":
     *   00000000fe400000-00000000fe5fffff (prio 1, i/o): alias
     *     pci_bridge_mem @pci_bridge_pci 00000000fe400000-00000000fe5fffff
     *   00000000fff00000-00000000fff00000 (prio 1, i/o): alias
     *     pci_bridge_pref_mem @pci_bridge_pci 00000000fff00000-00000000fff00000
     * and in "io":
     *   000000000000d000-000000000000dfff (prio 1, i/o): alias
     *     pci_bridge_io @pci_bridge_io 000000000000d000-000000000000dfff */
    cfg_writel(&e, 0, 7, 0, 0x18, 0x00010100);
    cfg_writew(&e, 0, 7, 0, 0x1c, 0xd0d0);
    cfg_writel(&e, 0, 7, 0, 0x20, 0xfe50fe40);
    cfg_writel(&e, 0, 7, 0, 0x24, 0x0000fff0);
    cfg_writew(&e, 0, 7, 0, 0x04, 0x0007);
    cfg_writel(&e, 1, 3, 0, 0x10, 0xfe400000);
    cfg_writew(&e, 1, 3, 0, 0x04, 0x0006);
    cfg_writel(&e, 1, 4, 0, 0x14, 0xd000);
    cfg_writew(&e, 1, 4, 0, 0x04, 0x0005);

    g_assert_cmpstr(memory_region_name(br->alias_mem), ==, "pci_bridge_mem");
    g_assert_true(br->alias_mem->container == e.pci);
    g_assert_cmphex(br->alias_mem->addr, ==, 0xfe400000);
    g_assert_cmphex(memory_region_size(br->alias_mem), ==, 0x200000);
    g_assert_cmphex(br->alias_mem->alias_offset, ==, 0xfe400000);
    g_assert_cmpint(br->alias_mem->priority, ==, 1);
    g_assert_cmphex(br->alias_pref_mem->addr, ==, 0xfff00000);
    g_assert_cmphex(memory_region_size(br->alias_pref_mem), ==, 0);
    g_assert_true(br->alias_io->container == e.io);
    g_assert_cmphex(br->alias_io->addr, ==, 0xd000);
    g_assert_cmphex(memory_region_size(br->alias_io), ==, 0x1000);
    g_assert_true(mem_dev->io_regions[0].memory->container ==
                  br->address_space_mem);

    /* the CPU reaches the devices through the windows */
    g_assert_cmphex(readb(&e, 0xfe400000), ==, 0x3a);
    g_assert_cmphex(inb(&e, 0xd000), ==, 0x4b);
    /* a BAR outside the window is not reachable from the primary side */
    cfg_writel(&e, 1, 3, 0, 0x10, 0xfe800000);
    g_assert_cmphex(readb(&e, 0xfe800000), ==, 0);
    cfg_writel(&e, 1, 3, 0, 0x10, 0xfe500000);
    g_assert_cmphex(readb(&e, 0xfe500000), ==, 0x3a);
    /* bridge memory decoding off: windows of size 0 */
    cfg_writew(&e, 0, 7, 0, 0x04, PCI_COMMAND_IO);
    g_assert_cmphex(memory_region_size(br->alias_mem), ==, 0);
    g_assert_cmphex(readb(&e, 0xfe500000), ==, 0);
    g_assert_cmphex(inb(&e, 0xd000), ==, 0x4b);
    cfg_writew(&e, 0, 7, 0, 0x04, 0);
    g_assert_cmphex(inb(&e, 0xd000), ==, 0xff);
    /* prefetchable window, 64-bit, above 4 GiB */
    cfg_writel(&e, 0, 7, 0, 0x24, 0x00110001);   /* base 0, limit 0x1 << 20 */
    cfg_writel(&e, 0, 7, 0, 0x28, 0x00000008);   /* base upper */
    cfg_writel(&e, 0, 7, 0, 0x2c, 0x00000008);   /* limit upper */
    cfg_writew(&e, 0, 7, 0, 0x04, PCI_COMMAND_MEMORY);
    g_assert_cmphex(br->alias_pref_mem->addr, ==, 0x800000000ULL);
    g_assert_cmphex(memory_region_size(br->alias_pref_mem), ==, 0x200000);
    pci_env_destroy(&e);
}

static void test_bridge_errors(void)
{
    PciEnv e;
    g_autoptr(GError) err = NULL;

    pci_env_init(&e);
    /* qtest: -device pci-bridge -> "Bridge chassis not specified. Each
     * bridge is required to be assigned a unique chassis id > 0." */
    g_assert_null(pci_device_add(e.bus, "pci-bridge,addr=07.0", &err));
    g_assert_cmpstr(err->message, ==, "Bridge chassis not specified. Each "
                    "bridge is required to be assigned a unique chassis id "
                    "> 0.");
    g_clear_error(&err);
    /* the failed bridge left nothing behind */
    g_assert_null(e.bus->devices[0x38]);
    g_assert_cmpuint(e.bus->children->len, ==, 0);
    /* qtest: chassis_nr=300 -> "Parameter 'chassis_nr' expects uint8_t";
     * shpc=maybe -> "Parameter 'shpc' expects 'on' or 'off'" */
    g_assert_null(pci_device_add(e.bus, "pci-bridge,chassis_nr=300", &err));
    g_assert_cmpstr(err->message, ==, "Parameter 'chassis_nr' expects uint8_t");
    g_clear_error(&err);
    g_assert_null(pci_device_add(e.bus, "pci-bridge,chassis_nr=1,shpc=maybe",
                                 &err));
    g_assert_cmpstr(err->message, ==, "Parameter 'shpc' expects 'on' or 'off'");
    g_clear_error(&err);
    pci_env_destroy(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pci-bridge/header", test_bridge_header);
    g_test_add_func("/pci-bridge/header-noshpc", test_bridge_header_noshpc);
    g_test_add_func("/pci-bridge/routing", test_bridge_routing);
    g_test_add_func("/pci-bridge/nested", test_nested_bridges);
    g_test_add_func("/pci-bridge/windows", test_bridge_windows);
    g_test_add_func("/pci-bridge/errors", test_bridge_errors);
    return g_test_run();
}
