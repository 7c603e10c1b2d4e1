/*
 * test-pci-device.c - the driver registry, "-device" strings, properties
 * and the errors for bad ones, slot assignment and multifunction rules.
 *
 * Messages were checked against qemu-system-x86_64 7.2 (q35), which
 * prints "qemu-system-x86_64: -device SPEC: MESSAGE"; the GError carries
 * MESSAGE. Quoted as "qemu: -device SPEC -> MESSAGE" (edu stands in for
 * the driver; its properties are QEMU's).
 */
#include "test-pci-env.h"

/* a model defined by the test */
typedef struct U64Dev {
    PCIDevice parent_obj;
    uint64_t mask;
    char *label;
    uint64_t realized_with_mask;
} U64Dev;

static bool u64dev_realize(PCIDevice *d, GError **errp)
{
    U64Dev *u = (U64Dev *)d;

    if (u->mask == 1) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_FAILED,
                    "test-u64dev: refused");
        return false;
    }
    u->realized_with_mask = u->mask;
    return true;
}

static const PCIProperty u64dev_props[] = {
    PCI_PROP_DEFINE("mask", PCI_PROP_UINT64, U64Dev, mask, 0xfffffff, NULL),
    PCI_PROP_STR("label", U64Dev, label, "none", NULL),
    PCI_PROP_END,
};

static const PCIDeviceClass u64dev_class = {
    .name = "test-u64dev",
    .instance_size = sizeof(U64Dev),
    .vendor_id = 0xabcd,
    .device_id = 0x5678,
    .props = u64dev_props,
    .realize = u64dev_realize,
};

/* a -device string that must fail with @msg */
static void expect_error(PciEnv *e, const char *spec, const char *msg)
{
    g_autoptr(GError) err = NULL;
    PCIDevice *d = pci_device_add(e->bus, spec, &err);

    if (d || !err) {
        g_error("'%s' was accepted", spec);
    }
    g_assert_cmpstr(err->message, ==, msg);
}

static void test_opts_parse(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(PCIDeviceOpts) o = pci_device_opts_parse(
        "edu,addr=04.0,id=a,,b,flag,noother,addr=05.0,,", &err);

    g_assert_no_error(err);
    g_assert_cmpstr(o->driver, ==, "edu");
    g_assert_cmpstr(pci_device_opts_get(o, "addr"), ==, "05.0,");
    g_assert_cmpstr(pci_device_opts_get(o, "id"), ==, "a,b");
    g_assert_cmpstr(pci_device_opts_get(o, "flag"), ==, "on");
    g_assert_cmpstr(pci_device_opts_get(o, "other"), ==, "off");
    g_assert_null(pci_device_opts_get(o, "bus"));
    {
        /* "driver=" anywhere; the first element may be key=value */
        g_autoptr(PCIDeviceOpts) o2 = pci_device_opts_parse(
            "addr=4,driver=sim-testdev", &err);
        g_assert_no_error(err);
        g_assert_cmpstr(o2->driver, ==, "sim-testdev");
        g_assert_cmpstr(pci_device_opts_get(o2, "addr"), ==, "4");
    }
    {
        /* qemu: -device edu,,addr=04.0 -> 'edu,addr=04.0' is not a valid
         * device model name (",," escapes a comma in the driver too) */
        g_autoptr(PCIDeviceOpts) o3 = pci_device_opts_parse("edu,,addr=04.0",
                                                            &err);
        g_assert_no_error(err);
        g_assert_cmpstr(o3->driver, ==, "edu,addr=04.0");
        g_assert_cmpuint(o3->keys->len, ==, 0);
    }
    /* qemu: -device '' -> Parameter 'driver' is missing */
    g_assert_null(pci_device_opts_parse("", &err));
    g_assert_cmpstr(err->message, ==, "Parameter 'driver' is missing");
    g_clear_error(&err);
    g_assert_null(pci_device_opts_parse("addr=4", &err));
    g_assert_cmpstr(err->message, ==, "Parameter 'driver' is missing");
}

static void test_parse_devfn(void)
{
    int devfn = -1;

    /* QEMU's set_pci_devfn: "%x.%x" or "%x" (sscanf), slot <= 0x1f,
     * fn <= 7; accepted by qemu: addr=04.0, addr=4, addr=0x4, addr= 4,
     * addr=1f.7; refused: 1.9, 20, zz, -1, "", 255 */
    g_assert_true(pci_parse_devfn("04.0", &devfn));
    g_assert_cmpint(devfn, ==, 0x20);
    g_assert_true(pci_parse_devfn("4", &devfn));
    g_assert_cmpint(devfn, ==, 0x20);
    g_assert_true(pci_parse_devfn("0x4", &devfn));
    g_assert_cmpint(devfn, ==, 0x20);
    g_assert_true(pci_parse_devfn(" 4", &devfn));
    g_assert_cmpint(devfn, ==, 0x20);
    g_assert_true(pci_parse_devfn("1f.7", &devfn));
    g_assert_cmpint(devfn, ==, 0xff);
    g_assert_true(pci_parse_devfn("1F.3", &devfn));
    g_assert_cmpint(devfn, ==, 0xfb);
    devfn = -7;
    g_assert_false(pci_parse_devfn("1.9", &devfn));
    g_assert_false(pci_parse_devfn("20", &devfn));
    g_assert_false(pci_parse_devfn("zz", &devfn));
    g_assert_false(pci_parse_devfn("-1", &devfn));
    g_assert_false(pci_parse_devfn("", &devfn));
    g_assert_false(pci_parse_devfn("255", &devfn));
    g_assert_false(pci_parse_devfn("4.0.1", &devfn));
    g_assert_false(pci_parse_devfn("4 ", &devfn));
    g_assert_cmpint(devfn, ==, -7);
}

static void test_device_errors(void)
{
    PciEnv e;

    pci_env_init(&e);
    /* qemu: -device foo -> 'foo' is not a valid device model name */
    expect_error(&e, "foo", "'foo' is not a valid device model name");
    expect_error(&e, "SIM-TESTDEV", "'SIM-TESTDEV' is not a valid device "
                 "model name");
    expect_error(&e, ",addr=3", "'' is not a valid device model name");
    expect_error(&e, "sim-testdev,,addr=04.0",
                 "'sim-testdev,addr=04.0' is not a valid device model name");
    /* qemu: -device edu,bogus=1 -> Property 'edu.bogus' not found;
     * edu,=3 -> Property 'edu.' not found; edu,ADDR=4 ->
     * Property 'edu.ADDR' not found */
    expect_error(&e, "sim-testdev,bogus=1",
                 "Property 'sim-testdev.bogus' not found");
    expect_error(&e, "sim-testdev,=3", "Property 'sim-testdev.' not found");
    expect_error(&e, "sim-testdev,ADDR=4",
                 "Property 'sim-testdev.ADDR' not found");
    /* qemu: edu,addr=1.9 / 20 / zz / -1 / '' / 4,,5 -> Property 'edu.addr'
     * doesn't take value '...'; edu,addr -> (warning) ... value 'on';
     * edu,noaddr -> ... value 'off'; edu,addr=4=5 -> value '4=5' */
    expect_error(&e, "sim-testdev,addr=1.9",
                 "Property 'sim-testdev.addr' doesn't take value '1.9'");
    expect_error(&e, "sim-testdev,addr=20",
                 "Property 'sim-testdev.addr' doesn't take value '20'");
    expect_error(&e, "sim-testdev,addr=",
                 "Property 'sim-testdev.addr' doesn't take value ''");
    expect_error(&e, "sim-testdev,addr=4,,5",
                 "Property 'sim-testdev.addr' doesn't take value '4,5'");
    expect_error(&e, "sim-testdev,addr",
                 "Property 'sim-testdev.addr' doesn't take value 'on'");
    expect_error(&e, "sim-testdev,noaddr",
                 "Property 'sim-testdev.addr' doesn't take value 'off'");
    expect_error(&e, "sim-testdev,addr=4=5",
                 "Property 'sim-testdev.addr' doesn't take value '4=5'");
    /* qemu: edu,dma_mask=zz / '' / 0x / 1k -> Parameter 'dma_mask' expects
     * integer; pci-bridge,chassis_nr=-1 -> ... expects uint8_t;
     * io-reserve=4x -> expects size; multifunction=1 -> expects 'on' or
     * 'off' */
    expect_error(&e, "sim-testdev,vendor_id=zz",
                 "Parameter 'vendor_id' expects integer");
    expect_error(&e, "sim-testdev,vendor_id=",
                 "Parameter 'vendor_id' expects integer");
    expect_error(&e, "sim-testdev,vendor_id=0x",
                 "Parameter 'vendor_id' expects integer");
    expect_error(&e, "sim-testdev,vendor_id=1k",
                 "Parameter 'vendor_id' expects integer");
    expect_error(&e, "sim-testdev,vendor_id=99999999999999999999999",
                 "Parameter 'vendor_id' expects integer");
    expect_error(&e, "sim-testdev,vendor_id=0x10000",
                 "Parameter 'vendor_id' expects uint16_t");
    expect_error(&e, "sim-testdev,revision=-1",
                 "Parameter 'revision' expects uint8_t");
    expect_error(&e, "sim-testdev,bar0=4x", "Parameter 'bar0' expects size");
    expect_error(&e, "sim-testdev,bar0=99999999999G",
                 "Parameter 'bar0' expects size");
    expect_error(&e, "sim-testdev,multifunction=1",
                 "Parameter 'multifunction' expects 'on' or 'off'");
    /* qemu: edu,id= and edu,id=1a and edu,id=a,,b -> Parameter 'id'
     * expects an identifier */
    expect_error(&e, "sim-testdev,id=", "Parameter 'id' expects an identifier");
    expect_error(&e, "sim-testdev,id=1a",
                 "Parameter 'id' expects an identifier");
    expect_error(&e, "sim-testdev,id=a,,b",
                 "Parameter 'id' expects an identifier");
    /* qemu: edu,bus=nope -> Bus 'nope' not found; edu,bus=pcie.1 -> same */
    expect_error(&e, "sim-testdev,bus=nope", "Bus 'nope' not found");
    expect_error(&e, "sim-testdev,bus=pcie.1", "Bus 'pcie.1' not found");
    /* qemu: -device mch -> Parameter 'driver' expects a pluggable device
     * type */
    expect_error(&e, "mch", "Parameter 'driver' expects a pluggable device "
                 "type");
    /* model checks reach the caller too */
    expect_error(&e, "sim-testdev,bar0=3K",
                 "sim-testdev: bar0 size 0xc00 is not a power of two");
    expect_error(&e, "sim-testdev,bar5=4K,bar5_type=mem64",
                 "sim-testdev: 64-bit bar5 has no upper half");
    expect_error(&e, "sim-testdev,bar0=4K,bar0_type=mem64,bar1=4K",
                 "sim-testdev: bar1 is the upper half of the 64-bit bar0");
    expect_error(&e, "sim-testdev,msi=3",
                 "msi: 3 vectors (must be a power of two up to 32)");
    /* nothing was left on the bus by all that */
    for (int devfn = 1; devfn < PCI_DEVFN_MAX; devfn++) {
        g_assert_null(e.bus->devices[devfn]);
    }
    g_assert_cmpuint(address_space_count(), ==, 3);   /* memory, I/O, mch */
    pci_env_destroy(&e);
}

static void test_slots(void)
{
    PciEnv e;
    PCIDevice *a, *b, *c;
    g_autoptr(GError) err = NULL;

    pci_env_init(&e);
    a = pci_env_add(&e, "sim-testdev,addr=04.0");
    g_assert_cmpint(a->devfn, ==, 0x20);
    /* qemu: -device edu,addr=04.0 -device edu,addr=4 -> PCI: slot 4
     * function 0 not available for edu, in use by edu,id=(null) */
    expect_error(&e, "sim-testdev,addr=4", "PCI: slot 4 function 0 not "
                 "available for sim-testdev, in use by sim-testdev,id=(null)");
    /* qemu: -device edu,addr=00.0 -> ... in use by mch,id=(null) */
    expect_error(&e, "sim-testdev,addr=00.0", "PCI: slot 0 function 0 not "
                 "available for sim-testdev, in use by mch,id=(null)");
    b = pci_env_add(&e, "sim-testdev,addr=05.0,id=x");
    /* qemu: edu,addr=04.0,id=x -device edu,addr=04.0 -> ... in use by
     * edu,id=x */
    expect_error(&e, "sim-testdev,addr=5", "PCI: slot 5 function 0 not "
                 "available for sim-testdev, in use by sim-testdev,id=x");
    /* qemu: -device edu,id=a -device edu,id=a -> Duplicate ID 'a' for
     * device */
    expect_error(&e, "sim-testdev,id=x", "Duplicate ID 'x' for device");
    g_assert_true(pci_bus_find_device_by_id(e.bus, "x") == b);
    /* qemu: edu,addr=04.0 -device edu,addr=04.1 -> PCI: single function
     * device can't be populated in function 4.1 */
    expect_error(&e, "sim-testdev,addr=04.1",
                 "PCI: single function device can't be populated in "
                 "function 4.1");
    /* function 1 before function 0 is fine (qemu: edu,addr=04.1 alone
     * starts); a single-function 0 then refuses */
    c = pci_env_add(&e, "sim-testdev,addr=06.1");
    expect_error(&e, "sim-testdev,addr=06.0",
                 "PCI: 6.0 indicates single function, but 6.1 is already "
                 "populated.");
    pci_env_add(&e, "sim-testdev,addr=06.0,multifunction=on");
    g_assert_cmphex(cfg_readl(&e, 0, 6, 0, 0x0c), ==, 0x00800000);
    g_assert_cmphex(cfg_readl(&e, 0, 6, 1, 0x0c), ==, 0);
    g_assert_true(e.bus->devices[0x31] == c);
    /* no addr: the first free slot (QEMU: devfn_min upwards, function 0) */
    {
        PCIDevice *auto1 = pci_env_add(&e, "sim-testdev");
        g_assert_cmpint(auto1->devfn, ==, PCI_DEVFN(1, 0));
        PCIDevice *auto2 = pci_env_add(&e, "sim-testdev");
        g_assert_cmpint(auto2->devfn, ==, PCI_DEVFN(2, 0));
    }
    /* all 32 slots taken: QEMU's message */
    for (int slot = 3; slot < 32; slot++) {
        if (!e.bus->devices[PCI_DEVFN(slot, 0)]) {
            g_autofree char *s = g_strdup_printf("sim-testdev,addr=%x", slot);
            pci_env_add(&e, s);
        }
    }
    expect_error(&e, "sim-testdev", "PCI: no slot/function available for "
                 "sim-testdev, all in use or reserved");
    /* the addr syntax accepted by QEMU */
    pci_device_destroy(a);
    g_assert_null(e.bus->devices[0x20]);
    a = pci_device_add(e.bus, "sim-testdev,addr=0x4", &err);
    g_assert_no_error(err);
    g_assert_cmpint(a->devfn, ==, 0x20);
    pci_env_destroy(&e);
}

static void test_properties(void)
{
    PciEnv e;
    SimTestDev *s;

    pci_env_init(&e);
    /* integers: decimal, hex, octal (qemu: dma_mask=010 accepted), last
     * of repeated keys wins, sizes with suffixes */
    s = (SimTestDev *)pci_env_add(&e, "sim-testdev,addr=04.0,vendor_id=0x8086,"
                                  "device_id=010,device_id=4660,revision=16,"
                                  "bar0=4K,bar2=1M,bar2_type=mem64-pref,"
                                  "subsys_vendor_id=0x1af4,subsys_id=0x1234,"
                                  "class_id=0x0200,prog_if=1");
    g_assert_cmphex(s->vendor_id, ==, 0x8086);
    g_assert_cmphex(s->device_id, ==, 4660);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0), ==, 0x12348086);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 8), ==, 0x02000110);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x2c), ==, 0x12341af4);
    g_assert_cmphex(s->bar_size[0], ==, 4096);
    g_assert_cmphex(s->bar_size[2], ==, 1 << 20);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x18), ==, 0xc);
    /* booleans: on/off/yes/no/true/false/y/n (qemu: multifunction=yes
     * accepted) */
    pci_env_add(&e, "sim-testdev,addr=05.0,multifunction=yes");
    g_assert_cmphex(cfg_readl(&e, 0, 5, 0, 0x0c), ==, 0x00800000);
    /* a model registered at run time, with a uint64 and a string:
     * uint64 accepts -N as two's complement (qemu: edu,dma_mask=-1 starts) */
    {
        g_autoptr(GError) err = NULL;
        U64Dev *u;
        if (!pci_driver_find("test-u64dev")) {
            g_assert_true(pci_driver_register(&u64dev_class, &err));
        }
        u = (U64Dev *)pci_env_add(&e, "test-u64dev,addr=07.0");
        g_assert_cmphex(u->mask, ==, 0xfffffff);
        g_assert_cmpstr(u->label, ==, "none");
        u = (U64Dev *)pci_env_add(&e, "test-u64dev,addr=08.0,mask=-1,"
                                  "label=a,,b");
        g_assert_cmphex(u->mask, ==, UINT64_MAX);
        g_assert_cmpstr(u->label, ==, "a,b");
        g_assert_cmphex(cfg_readl(&e, 0, 8, 0, 0), ==, 0x5678abcd);
        g_assert_true(u->realized_with_mask == UINT64_MAX);
        expect_error(&e, "test-u64dev,mask=0x1ffffffffffffffff",
                     "Parameter 'mask' expects integer");
        expect_error(&e, "test-u64dev,mask=1", "test-u64dev: refused");
    }
    /* the registry */
    g_assert_nonnull(pci_driver_find("pci-bridge"));
    g_assert_nonnull(pci_driver_find("mch"));
    g_assert_nonnull(pci_driver_find("sim-testdev"));
    g_assert_null(pci_driver_find("nope"));
    g_assert_null(pci_driver_find(NULL));
    {
        g_autoptr(GPtrArray) names = pci_driver_names();
        g_autoptr(GError) err = NULL;
        g_assert_cmpuint(names->len, >=, 4);
        for (guint i = 1; i < names->len; i++) {
            g_assert_cmpint(strcmp(names->pdata[i - 1], names->pdata[i]), <, 0);
        }
        g_assert_false(pci_driver_register(&sim_testdev_class, &err));
        g_assert_error(err, IOMMUSIM_PCI_ERROR, PCI_ERROR_BUSY);
    }
    /* machines may create no_user models directly */
    g_assert_true(e.mch->klass == pci_driver_find("mch"));
    pci_env_destroy(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pci-device/opts-parse", test_opts_parse);
    g_test_add_func("/pci-device/parse-devfn", test_parse_devfn);
    g_test_add_func("/pci-device/errors", test_device_errors);
    g_test_add_func("/pci-device/slots", test_slots);
    g_test_add_func("/pci-device/properties", test_properties);
    return g_test_run();
}
