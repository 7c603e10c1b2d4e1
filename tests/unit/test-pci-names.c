/*
 * test-pci-names.c - libpci slot syntax, pci.ids names and the lspci -nn
 * style listing of a simulated hierarchy.
 *
 * Names: pciutils 3.9 with Debian's pci.ids (2023.04.11); "lspci -nn"
 * prints e.g. "00:00.0 Host bridge [0600]: Intel Corporation
 * 82G33/G31/P35/P31 Express DRAM Controller [8086:29c0]" for q35's MCH and
 * "00:04.0 Unclassified device [00ff]: Device [1234:11e8] (rev 10)" for
 * edu in a QEMU guest. Slot syntax results are libpci's own
 * (pci_filter_parse_slot), checked with a small libpci program.
 */
#include "test-pci-env.h"
#include "dma/pci-names.h"
#include "dma/lspci.h"
#include <glib/gstdio.h>

#define PCI_IDS "/usr/share/misc/pci.ids"

static void check_slot(const char *s, int dom, int bus, int slot, int fn)
{
    PCISlotSpec spec = { 7, 7, 7, 7 };
    g_autoptr(GError) err = NULL;

    g_assert_true(pci_parse_slot(s, &spec, &err));
    g_assert_no_error(err);
    g_assert_cmpint(spec.domain, ==, dom);
    g_assert_cmpint(spec.bus, ==, bus);
    g_assert_cmpint(spec.slot, ==, slot);
    g_assert_cmpint(spec.func, ==, fn);
}

static void check_bad_slot(const char *s, const char *msg)
{
    PCISlotSpec spec;
    g_autoptr(GError) err = NULL;

    g_assert_false(pci_parse_slot(s, &spec, &err));
    g_assert_cmpstr(err->message, ==, msg);
}

static void test_parse_slot(void)
{
    /* libpci: 04.0 -> d=-1 b=-1 s=4 f=0; 00:04.0 -> b=0; 0000:00:04.0 ->
     * d=0; 1:2:3.4; 4 -> f=-1; *:4.* ; "" -> all -1; .3 -> f=3 */
    check_slot("04.0", -1, -1, 4, 0);
    check_slot("00:04.0", -1, 0, 4, 0);
    check_slot("0000:00:04.0", 0, 0, 4, 0);
    check_slot("1:2:3.4", 1, 2, 3, 4);
    check_slot("4", -1, -1, 4, -1);
    check_slot("*:4.*", -1, -1, 4, -1);
    check_slot("", -1, -1, -1, -1);
    check_slot(".3", -1, -1, -1, 3);
    check_slot("1f.7", -1, -1, 0x1f, 7);
    /* libpci: zz, 00:20.0 -> Invalid slot number; 00:04.8 -> Invalid
     * function number; 100:0.0 -> Invalid bus number; 0:0:0:0.0 -> Too
     * many fields */
    check_bad_slot("zz", "invalid PCI slot 'zz': Invalid slot number");
    check_bad_slot("00:20.0", "invalid PCI slot '00:20.0': Invalid slot "
                   "number");
    check_bad_slot("00:04.8", "invalid PCI slot '00:04.8': Invalid function "
                   "number");
    check_bad_slot("100:0.0", "invalid PCI slot '100:0.0': Invalid bus "
                   "number");
    check_bad_slot("0:0:0:0.0", "invalid PCI slot '0:0:0:0.0': Too many "
                   "fields");
}

static void test_slot_matches(void)
{
    PCISlotSpec spec;

    g_assert_true(pci_parse_slot("00:04", &spec, NULL));
    g_assert_true(pci_slot_spec_matches(&spec, 0, 0, PCI_DEVFN(4, 0)));
    g_assert_true(pci_slot_spec_matches(&spec, 0, 0, PCI_DEVFN(4, 3)));
    g_assert_false(pci_slot_spec_matches(&spec, 0, 1, PCI_DEVFN(4, 0)));
    g_assert_false(pci_slot_spec_matches(&spec, 0, 0, PCI_DEVFN(5, 0)));
    g_assert_true(pci_parse_slot(".2", &spec, NULL));
    g_assert_true(pci_slot_spec_matches(&spec, 3, 9, PCI_DEVFN(0x1f, 2)));
    g_assert_false(pci_slot_spec_matches(&spec, 3, 9, PCI_DEVFN(0x1f, 1)));
}

static void test_names(void)
{
    pci_names_set_ids_file(NULL);
    if (!g_file_test(PCI_IDS, G_FILE_TEST_EXISTS)) {
        g_test_skip("no " PCI_IDS);
        return;
    }
    g_assert_true(pci_names_have_database());
    {
        g_autofree char *c = pci_names_class(0x0600);
        g_autofree char *c2 = pci_names_class(0x00ff);
        g_autofree char *d = pci_names_device(0x8086, 0x29c0);
        g_autofree char *d2 = pci_names_device(0x1234, 0x11e8);
        g_autofree char *d3 = pci_names_device(0x1b36, 0x0001);
        g_autofree char *d4 = pci_names_device(0x1af4, 0x7777);
        g_autofree char *v = pci_names_vendor(0x1b36);
        g_autofree char *n = pci_names_lookup_device(0x8086, 0x29c0);
        g_autofree char *n2 = pci_names_lookup_device(0x1234, 0x11e8);

        g_assert_cmpstr(c, ==, "Host bridge [0600]");
        g_assert_cmpstr(c2, ==, "Unclassified device [00ff]");
        g_assert_cmpstr(d, ==, "Intel Corporation 82G33/G31/P35/P31 Express "
                        "DRAM Controller [8086:29c0]");
        g_assert_cmpstr(d2, ==, "Device [1234:11e8]");
        g_assert_cmpstr(d3, ==, "Red Hat, Inc. QEMU PCI-PCI bridge "
                        "[1b36:0001]");
        g_assert_cmpstr(d4, ==, "Red Hat, Inc. Device [1af4:7777]");
        g_assert_cmpstr(v, ==, "Red Hat, Inc. [1b36]");
        g_assert_cmpstr(n, ==, "Intel Corporation 82G33/G31/P35/P31 Express "
                        "DRAM Controller");
        g_assert_null(n2);
    }
}

static void test_names_fallback(void)
{
    g_autofree char *dir = g_dir_make_tmp("pci-names-XXXXXX", NULL);
    g_autofree char *missing = g_build_filename(dir, "missing.ids", NULL);
    g_autofree char *bad = g_build_filename(dir, "bad.ids", NULL);

    /* a missing pci.ids: libpci prints numbers ("Class [0600]",
     * "Device [8086:29c0]" in mixed mode) */
    pci_names_set_ids_file(missing);
    {
        g_autofree char *c = pci_names_class(0x0600);
        g_autofree char *d = pci_names_device(0x8086, 0x29c0);
        g_assert_cmpstr(c, ==, "Class [0600]");
        g_assert_cmpstr(d, ==, "Device [8086:29c0]");
        g_assert_false(pci_names_have_database());
    }
    /* a file libpci cannot parse makes it call its fatal error handler;
     * we get a warning and numbers, not an exit */
    g_assert_true(g_file_set_contents(bad, "garbage\n\tzz\n", -1, NULL));
    pci_names_set_ids_file(bad);
    g_test_expect_message(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                          "libpci: *fall back to numbers");
    {
        g_autofree char *d = pci_names_device(0x8086, 0x29c0);
        g_autofree char *c = pci_names_class(0x0600);
        g_test_assert_expected_messages();
        g_assert_cmpstr(d, ==, "Device [8086:29c0]");
        g_assert_cmpstr(c, ==, "Class [0600]");
        g_assert_false(pci_names_have_database());
    }
    pci_names_set_ids_file(NULL);
    g_unlink(bad);
    g_rmdir(dir);
}

static void test_lspci(void)
{
    PciEnv e;
    g_autofree char *text = NULL;
    g_autofree char *text2 = NULL;

    if (!g_file_test(PCI_IDS, G_FILE_TEST_EXISTS)) {
        g_test_skip("no " PCI_IDS);
        return;
    }
    pci_names_set_ids_file(NULL);
    pci_env_init(&e);
    pci_env_add(&e, EDU_LIKE ",addr=04.0");
    pci_env_add(&e, "pci-bridge,id=br1,chassis_nr=1,addr=07.0");
    pci_env_add(&e, EDU_LIKE ",bus=br1,addr=03.0");
    pci_env_add(&e, "sim-testdev,addr=1f.2,multifunction=on,vendor_id=0x8086,"
                "device_id=0x2922,class_id=0x0106,prog_if=1,revision=2");
    text = pci_bus_lspci(e.bus);
    g_assert_cmpstr(text, ==,
        "00:00.0 Host bridge [0600]: Intel Corporation 82G33/G31/P35/P31 "
        "Express DRAM Controller [8086:29c0]\n"
        "00:04.0 Unclassified device [00ff]: Device [1234:11e8] (rev 10)\n"
        "00:07.0 PCI bridge [0604]: Red Hat, Inc. QEMU PCI-PCI bridge "
        "[1b36:0001]\n"
        "00:1f.2 SATA controller [0106]: Intel Corporation 82801IR/IO/IH "
        "(ICH9R/DO/DH) 6 port SATA Controller [AHCI mode] [8086:2922] "
        "(rev 02)\n"
        "--:03.0 Unclassified device [00ff]: Device [1234:11e8] (rev 10) "
        "(behind 00:07.0, bus not reachable)\n");
    /* once the bridge routes bus 1 the function is found by the scan */
    cfg_writel(&e, 0, 7, 0, 0x18, 0x00010100);
    text2 = pci_bus_lspci(e.bus);
    g_assert_nonnull(strstr(text2, "00:07.0 PCI bridge [0604]: Red Hat, Inc. "
                            "QEMU PCI-PCI bridge [1b36:0001]\n"
                            "00:1f.2 "));
    g_assert_true(g_str_has_suffix(text2, "\n01:03.0 Unclassified device "
                                   "[00ff]: Device [1234:11e8] (rev 10)\n"));
    g_assert_null(strstr(text2, "--:"));
    pci_env_destroy(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pci-names/parse-slot", test_parse_slot);
    g_test_add_func("/pci-names/slot-matches", test_slot_matches);
    g_test_add_func("/pci-names/names", test_names);
    g_test_add_func("/pci-names/fallback", test_names_fallback);
    g_test_add_func("/pci-names/lspci", test_lspci);
    return g_test_run();
}
