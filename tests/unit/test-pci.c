/*
 * test-pci.c - the PCI core: configuration mechanism #1 (0xcf8/0xcfc),
 * ECAM, header fields, read-only and write-1-to-clear bits, BAR sizing and
 * mapping, overlapping BARs, bus mastering, requester IDs, the IOMMU hook,
 * INTx, MSI and reset.
 *
 * Where QEMU has the behaviour, the expected values were checked against
 * qemu-system-x86_64 7.2 (Debian 1:7.2+dfsg-7) driven with qtest:
 *   qemu-system-x86_64 -machine q35 -accel tcg -icount shift=0,sleep=off \
 *     -bios hlt.bin -nodefaults -display none -m 256 -qtest stdio \
 *     -device edu,addr=04.0 [-device e1000,addr=05.0 ...]
 * The replies are quoted as "qtest: COMMAND -> REPLY". The edu device is
 * stood in for by sim-testdev with edu's IDs (EDU_LIKE); e1000's I/O BAR
 * and virtio-net's 64-bit BAR by sim-testdev BARs of the same size/type.
 */
#include "test-pci-env.h"
#include "dma/msi.h"
#include "iommu/scripted-iommu.h"

/* ---- configuration mechanism #1 ---------------------------------------- */

static void test_host_bridge_header(void)
{
    PciEnv e;

    pci_env_init(&e);
    /* qtest: outl 0xcf8 0x80000000; inl 0xcfc -> OK 0x29c08086 */
    g_assert_cmphex(cfg_readl(&e, 0, 0, 0, 0x00), ==, 0x29c08086);
    /* qtest: ... 0x80000004 -> OK 0x0000 (command, status) */
    g_assert_cmphex(cfg_readl(&e, 0, 0, 0, 0x04), ==, 0);
    /* qtest: ... 0x80000008 -> OK 0x6000000 (class 0600, rev 0) */
    g_assert_cmphex(cfg_readl(&e, 0, 0, 0, 0x08), ==, 0x06000000);
    /* qtest: ... 0x8000000c -> OK 0x0000 (header type 0) */
    g_assert_cmphex(cfg_readl(&e, 0, 0, 0, 0x0c), ==, 0);
    /* qtest: ... 0x8000002c -> OK 0x11001af4 (default subsystem) */
    g_assert_cmphex(cfg_readl(&e, 0, 0, 0, 0x2c), ==, 0x11001af4);
    /* qtest: ... 0x80000050 -> 0x0010, 0x80000060 -> 0xb0000000,
     * 0x8000009c -> 0x380200 (ext TSEG, PCIEXBAR, SMRAM/ESMRAMC) */
    g_assert_cmphex(cfg_readl(&e, 0, 0, 0, 0x50), ==, 0x10);
    g_assert_cmphex(cfg_readl(&e, 0, 0, 0, 0x60), ==, 0xb0000000);
    g_assert_cmphex(cfg_readl(&e, 0, 0, 0, 0x9c), ==, 0x00380200);
    pci_env_destroy(&e);
}

static void test_conf_widths(void)
{
    PciEnv e;

    pci_env_init(&e);
    pci_env_add(&e, EDU_LIKE ",addr=04.0");
    outl(&e, 0xcf8, 0x80002000);
    /* qtest: inl 0xcfc -> OK 0x11e81234 */
    g_assert_cmphex(inl(&e, 0xcfc), ==, 0x11e81234);
    /* qtest: inb 0xcfc..0xcff -> 0x34 0x12 0xe8 0x11 */
    g_assert_cmphex(inb(&e, 0xcfc), ==, 0x34);
    g_assert_cmphex(inb(&e, 0xcfd), ==, 0x12);
    g_assert_cmphex(inb(&e, 0xcfe), ==, 0xe8);
    g_assert_cmphex(inb(&e, 0xcff), ==, 0x11);
    /* qtest: inw 0xcfc -> 0x1234, inw 0xcfe -> 0x11e8 */
    g_assert_cmphex(inw(&e, 0xcfc), ==, 0x1234);
    g_assert_cmphex(inw(&e, 0xcfe), ==, 0x11e8);
    /* unaligned: split into naturally aligned pieces by the memory core;
     * qtest: inw 0xcfd -> OK 0xe812, inl 0xcfd -> OK 0xff11e812,
     * inl 0xcfe -> OK 0xffff11e8 (0xd00.. is unassigned I/O: all ones) */
    g_assert_cmphex(inw(&e, 0xcfd), ==, 0xe812);
    g_assert_cmphex(inl(&e, 0xcfd), ==, 0xff11e812);
    g_assert_cmphex(inl(&e, 0xcfe), ==, 0xffff11e8);
    pci_env_destroy(&e);
}

static void test_conf_address_register(void)
{
    PciEnv e;

    pci_env_init(&e);
    pci_env_add(&e, EDU_LIKE ",addr=04.0");
    /* enable bit clear: qtest: outl 0xcf8 0x00002000; inl 0xcfc ->
     * 0xffffffff, inw 0xcfc -> 0xffff, inb 0xcfd -> 0x00ff,
     * inl 0xcf8 -> 0x2000 */
    outl(&e, 0xcf8, 0x00002000);
    g_assert_cmphex(inl(&e, 0xcfc), ==, 0xffffffff);
    g_assert_cmphex(inw(&e, 0xcfc), ==, 0xffff);
    g_assert_cmphex(inb(&e, 0xcfd), ==, 0xff);
    g_assert_cmphex(inl(&e, 0xcf8), ==, 0x2000);
    /* low bits of CONFIG_ADDRESS are ORed into the register:
     * qtest: outl 0xcf8 0x80002002; inl 0xcfc -> OK 0x11e8 (bytes 2..5) */
    outl(&e, 0xcf8, 0x80002002);
    g_assert_cmphex(inl(&e, 0xcfc), ==, 0x000011e8);
    /* qtest: inl 0xcf8 -> 0x80002002, inb 0xcf8 -> 0x0002,
     * inb 0xcfa -> 0x0002, inb 0xcfb -> 0x0002, inw 0xcfa -> 0x2002:
     * every offset returns the register, truncated to the width */
    g_assert_cmphex(inl(&e, 0xcf8), ==, 0x80002002);
    g_assert_cmphex(inb(&e, 0xcf8), ==, 0x02);
    g_assert_cmphex(inb(&e, 0xcfa), ==, 0x02);
    g_assert_cmphex(inb(&e, 0xcfb), ==, 0x02);
    g_assert_cmphex(inw(&e, 0xcfa), ==, 0x2002);
    /* only 4-byte writes at 0xcf8 store: qtest: outb 0xcf8 0x44;
     * inl 0xcf8 -> 0x80002002; outw 0xcfa 0x1234; inl 0xcf8 -> 0x80002002 */
    outb(&e, 0xcf8, 0x44);
    g_assert_cmphex(inl(&e, 0xcf8), ==, 0x80002002);
    outw(&e, 0xcfa, 0x1234);
    g_assert_cmphex(inl(&e, 0xcf8), ==, 0x80002002);
    /* bits 24-30 are ignored: the bus is bits 16-23;
     * qtest: outl 0xcf8 0xff002000; inl 0xcfc -> OK 0x11e81234 */
    outl(&e, 0xcf8, 0xff002000);
    g_assert_cmphex(inl(&e, 0xcfc), ==, 0x11e81234);
    /* register 0xfd with a 4-byte access: cut at the end of config space;
     * qtest: outl 0xcf8 0x800020fd; inl 0xcfc -> OK 0x0000 */
    outl(&e, 0xcf8, 0x800020fd);
    g_assert_cmphex(inl(&e, 0xcfc), ==, 0x000000);
    pci_env_destroy(&e);
}

static void test_empty_slot(void)
{
    PciEnv e;

    pci_env_init(&e);
    /* qtest: outl 0xcf8 0x80008000 (00:10.0); inl 0xcfc -> 0xffffffff,
     * inw 0xcfe -> 0xffff, inb 0xcff -> 0x00ff */
    outl(&e, 0xcf8, 0x80008000);
    g_assert_cmphex(inl(&e, 0xcfc), ==, 0xffffffff);
    g_assert_cmphex(inw(&e, 0xcfe), ==, 0xffff);
    g_assert_cmphex(inb(&e, 0xcff), ==, 0xff);
    /* writes to nothing vanish */
    outl(&e, 0xcfc, 0x12345678);
    g_assert_cmphex(inl(&e, 0xcfc), ==, 0xffffffff);
    /* function 1 of the host bridge: qtest: outl 0xcf8 0x80000100;
     * inl 0xcfc -> 0xffffffff */
    g_assert_cmphex(cfg_readl(&e, 0, 0, 1, 0), ==, 0xffffffff);
    /* a bus nothing routes to */
    g_assert_cmphex(cfg_readl(&e, 5, 0, 0, 0), ==, 0xffffffff);
    pci_env_destroy(&e);
}

/* ---- header fields, read-only and W1C bits -------------------------------- */

static void test_readonly_fields(void)
{
    PciEnv e;
    PCIDevice *d;

    pci_env_init(&e);
    d = pci_env_add(&e, EDU_LIKE ",addr=04.0");
    /* qtest: 0x80002008 -> OK 0xff0010 (class 00ff, rev 10);
     * 0x8000202c -> OK 0x11001af4; 0x8000203c -> OK 0x0100 (pin A);
     * 0x80002004 -> OK 0x100000 (status CAP_LIST: the MSI capability);
     * 0x80002034 -> 0x0040; 0x80002040 -> 0x800005 (MSI, 64-bit) */
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x08), ==, 0x00ff0010);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x2c), ==, 0x11001af4);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x3c), ==, 0x0100);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x04), ==, 0x00100000);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x34), ==, 0x40);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x40), ==, 0x00800005);

    /* qtest: outl 0xcfc 0x0 to 0x80002000; inl -> 0x11e81234 */
    cfg_writel(&e, 0, 4, 0, 0x00, 0);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x00), ==, 0x11e81234);
    /* qtest: all ones to 0x08 -> 0xff0010; to 0x0c -> 0x00ff (only the
     * cache line size is writable); to 0x3c -> 0x01ff; to 0x2c ->
     * 0x11001af4; to 0x30 (no ROM) -> 0 */
    cfg_writel(&e, 0, 4, 0, 0x08, 0xffffffff);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x08), ==, 0x00ff0010);
    cfg_writel(&e, 0, 4, 0, 0x0c, 0xffffffff);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x0c), ==, 0x00ff);
    cfg_writel(&e, 0, 4, 0, 0x3c, 0xffffffff);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x3c), ==, 0x01ff);
    cfg_writel(&e, 0, 4, 0, 0x2c, 0xffffffff);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x2c), ==, 0x11001af4);
    cfg_writel(&e, 0, 4, 0, 0x30, 0xffffffff);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x30), ==, 0);
    /* command: qtest: outw 0xcfc 0xffff; inw 0xcfc -> 0x0507 (I/O, memory,
     * master, SERR, INTx disable); outw 0xcfe 0xffff; inw 0xcfe -> 0x0010 */
    cfg_writew(&e, 0, 4, 0, 0x04, 0xffff);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x04) & 0xffff, ==, 0x0507);
    cfg_writew(&e, 0, 4, 0, 0x06, 0xffff);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x04) >> 16, ==, 0x0010);
    cfg_writew(&e, 0, 4, 0, 0x04, 0);
    /* the MSI capability: ID and next pointer read-only, control word
     * writable only in enable and multiple-message-enable, which is then
     * clamped to the one vector the function has (QEMU's msi_write_config) */
    cfg_writel(&e, 0, 4, 0, 0x40, 0xffffffff);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x40), ==, 0x00810005);
    /* qtest: e1000 0x80002840 (after the header, no capability): all
     * ones written -> 0xffffffff */
    cfg_writel(&e, 0, 4, 0, 0x80, 0xffffffff);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x80), ==, 0xffffffff);
    g_assert_cmphex(d->config[0x80], ==, 0xff);
    pci_env_destroy(&e);
}

static void test_status_w1c(void)
{
    PciEnv e;
    PCIDevice *d;

    pci_env_init(&e);
    d = pci_env_add(&e, EDU_LIKE ",addr=04.0");
    /* a model reports a received master abort and a detected parity
     * error (QEMU's device models set these in config[] the same way) */
    pci_set_word(d->config + PCI_STATUS, pci_get_word(d->config + PCI_STATUS) |
                 PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_DETECTED_PARITY);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x04) >> 16, ==, 0xa010);
    /* writing 0 changes nothing */
    cfg_writew(&e, 0, 4, 0, 0x06, 0x0000);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x04) >> 16, ==, 0xa010);
    /* writing 1 clears that bit only; CAP_LIST is read-only, not W1C */
    cfg_writew(&e, 0, 4, 0, 0x06, PCI_STATUS_REC_MASTER_ABORT |
               PCI_STATUS_CAP_LIST);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x04) >> 16, ==, 0x8010);
    cfg_writew(&e, 0, 4, 0, 0x06, 0xffff);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x04) >> 16, ==, 0x0010);
    /* a write to the command word does not touch the status */
    pci_set_word(d->config + PCI_STATUS, 0x2010);
    cfg_writel(&e, 0, 4, 0, 0x04, 0x00000002);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x04), ==, 0x20100002);
    pci_env_destroy(&e);
}

/* ---- BARs ------------------------------------------------------------------ */

static uint32_t bar_size_probe(PciEnv *e, int dev, int reg)
{
    cfg_writel(e, 0, dev, 0, reg, 0xffffffff);
    return cfg_readl(e, 0, dev, 0, reg);
}

static void test_bar_sizing(void)
{
    PciEnv e;

    pci_env_init(&e);
    pci_env_add(&e, EDU_LIKE ",addr=04.0");
    /* e1000-like: 128 KiB memory BAR 0, 64-byte I/O BAR 1, 256 KiB ROM */
    pci_env_add(&e, "sim-testdev,addr=05.0,bar0=128K,bar1=64,bar1_type=io,"
                "rom=256K");
    /* virtio-net-like: 32-byte I/O BAR 0, 16 KiB 64-bit prefetchable BAR 4 */
    pci_env_add(&e, "sim-testdev,addr=06.0,bar0=32,bar0_type=io,bar4=16K,"
                "bar4_type=mem64-pref");

    /* qtest: 0x80002010 reads 0x0000, all ones -> 0xfff00000 */
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x10), ==, 0);
    g_assert_cmphex(bar_size_probe(&e, 4, 0x10), ==, 0xfff00000);
    /* qtest: unregistered 0x80002014: all ones -> 0x0000 */
    g_assert_cmphex(bar_size_probe(&e, 4, 0x14), ==, 0);
    /* qtest (e1000): 0x80002810 -> 0xfffe0000; 0x80002814 reads 0x0001,
     * all ones -> 0xffffffc1; ROM 0x80002830 all ones -> 0xfffc0001 */
    g_assert_cmphex(bar_size_probe(&e, 5, 0x10), ==, 0xfffe0000);
    g_assert_cmphex(cfg_readl(&e, 0, 5, 0, 0x14), ==, 0x1);
    g_assert_cmphex(bar_size_probe(&e, 5, 0x14), ==, 0xffffffc1);
    g_assert_cmphex(bar_size_probe(&e, 5, 0x30), ==, 0xfffc0001);
    /* qtest (virtio-net-pci): 0x80003020 reads 0x000c, all ones ->
     * 0xffffc00c; 0x80003024 reads 0, all ones -> 0xffffffff;
     * 0x80003010 all ones -> 0xffffffe1 */
    g_assert_cmphex(cfg_readl(&e, 0, 6, 0, 0x20), ==, 0xc);
    g_assert_cmphex(bar_size_probe(&e, 6, 0x20), ==, 0xffffc00c);
    g_assert_cmphex(cfg_readl(&e, 0, 6, 0, 0x24), ==, 0);
    g_assert_cmphex(bar_size_probe(&e, 6, 0x24), ==, 0xffffffff);
    g_assert_cmphex(bar_size_probe(&e, 6, 0x10), ==, 0xffffffe1);
    /* sizing never maps anything: decoding is off */
    g_assert_cmphex(pci_get_bar_addr(e.bus->devices[PCI_DEVFN(6, 0)], 4), ==,
                    PCI_BAR_UNMAPPED);
    pci_env_destroy(&e);
}

static void test_bar_mapping(void)
{
    PciEnv e;
    PCIDevice *d, *io;
    MemTxResult r;

    pci_env_init(&e);
    d = pci_env_add(&e, EDU_LIKE ",addr=04.0");
    io = pci_env_add(&e, "sim-testdev,addr=05.0,bar1=64,bar1_type=io");
    ((SimTestDev *)d)->regs[0][0] = 0xed;
    ((SimTestDev *)d)->regs[0][3] = 0x01;   /* reads 0x010000ed, like edu */

    cfg_writel(&e, 0, 4, 0, 0x10, 0xfe000000);
    /* qtest: readl 0xfe000000 before COMMAND.MEMORY -> 0 */
    g_assert_cmphex(env_readn(&e, 0xfe000000, 4, &r), ==, 0);
    g_assert_cmpuint(r, ==, MEMTX_DECODE_ERROR);
    /* qtest: outw 0xcfc 0x0002; readl 0xfe000000 -> 0x010000ed */
    cfg_writew(&e, 0, 4, 0, 0x04, 0x0002);
    g_assert_cmphex(env_readn(&e, 0xfe000000, 4, &r), ==, 0x010000ed);
    g_assert_cmpuint(r, ==, MEMTX_OK);
    g_assert_cmphex(pci_get_bar_addr(d, 0), ==, 0xfe000000);
    g_assert_true(d->io_regions[0].memory->container == e.pci);
    /* qtest: outw 0xcfc 0x0000; readl 0xfe000000 -> 0 */
    cfg_writew(&e, 0, 4, 0, 0x04, 0);
    g_assert_cmphex(readl(&e, 0xfe000000), ==, 0);
    g_assert_cmphex(pci_get_bar_addr(d, 0), ==, PCI_BAR_UNMAPPED);
    g_assert_null(d->io_regions[0].memory->container);
    cfg_writew(&e, 0, 4, 0, 0x04, 0x0002);
    /* qtest: BAR 0x00000000 -> not mapped (readl 0 -> 0); BAR 0xfe0abcde
     * reads back 0xfe000000 and decodes there (readl -> 0x010000ed) */
    cfg_writel(&e, 0, 4, 0, 0x10, 0);
    g_assert_cmphex(pci_get_bar_addr(d, 0), ==, PCI_BAR_UNMAPPED);
    cfg_writel(&e, 0, 4, 0, 0x10, 0xfe0abcde);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x10), ==, 0xfe000000);
    g_assert_cmphex(readl(&e, 0xfe000000), ==, 0x010000ed);
    /* qtest: a 32-bit BAR ending at 4 GiB - 1 (0xfff00000, 1 MiB) is not
     * mapped: readl 0xfff00000 -> 0; at 0xffe00000 it is -> 0x010000ed */
    cfg_writel(&e, 0, 4, 0, 0x10, 0xfff00000);
    g_assert_cmphex(pci_get_bar_addr(d, 0), ==, PCI_BAR_UNMAPPED);
    cfg_writel(&e, 0, 4, 0, 0x10, 0xffe00000);
    g_assert_cmphex(readl(&e, 0xffe00000), ==, 0x010000ed);

    /* I/O BAR: qtest (e1000): BAR 1 0xc000, outw cmd 0x0001 ->
     * inl 0xc008 reaches the device */
    ((SimTestDev *)io)->regs[1][8] = 0x5a;
    cfg_writel(&e, 0, 5, 0, 0x14, 0xc000);
    g_assert_cmphex(inl(&e, 0xc008), ==, 0xffffffff);    /* not decoding */
    cfg_writew(&e, 0, 5, 0, 0x04, PCI_COMMAND_IO);
    g_assert_cmphex(inl(&e, 0xc008), ==, 0x5a);
    g_assert_true(io->io_regions[1].memory->container == e.io);
    /* memory decode does not map an I/O BAR */
    cfg_writew(&e, 0, 5, 0, 0x04, PCI_COMMAND_MEMORY);
    g_assert_cmphex(inl(&e, 0xc008), ==, 0xffffffff);
    pci_env_destroy(&e);
}

static void test_bar_64bit(void)
{
    PciEnv e;
    PCIDevice *d;

    pci_env_init(&e);
    d = pci_env_add(&e, "sim-testdev,addr=04.0,bar2=1M,bar2_type=mem64");
    ((SimTestDev *)d)->regs[2][0] = 0x77;
    cfg_writel(&e, 0, 4, 0, 0x18, 0x00000000);
    cfg_writel(&e, 0, 4, 0, 0x1c, 0x00000001);
    cfg_writew(&e, 0, 4, 0, 0x04, PCI_COMMAND_MEMORY);
    /* above 4 GiB: a 64-bit BAR may go there */
    g_assert_cmphex(pci_get_bar_addr(d, 2), ==, 0x100000000ULL);
    g_assert_cmphex(readb(&e, 0x100000000ULL), ==, 0x77);
    /* a BAR whose last byte is the last byte of the address space: not
     * mapped (pci_bar_address) */
    cfg_writel(&e, 0, 4, 0, 0x18, 0xfff00000);
    cfg_writel(&e, 0, 4, 0, 0x1c, 0xffffffff);
    g_assert_cmphex(pci_get_bar_addr(d, 2), ==, PCI_BAR_UNMAPPED);
    cfg_writel(&e, 0, 4, 0, 0x18, 0xffe00000);
    g_assert_cmphex(pci_get_bar_addr(d, 2), ==, 0xffffffffffe00000ULL);
    pci_env_destroy(&e);
}

static void test_rom_bar(void)
{
    PciEnv e;
    PCIDevice *d;

    pci_env_init(&e);
    d = pci_env_add(&e, "sim-testdev,addr=04.0,rom=64K");
    cfg_writew(&e, 0, 4, 0, 0x04, PCI_COMMAND_MEMORY);
    /* without the enable bit the ROM BAR does not decode */
    cfg_writel(&e, 0, 4, 0, 0x30, 0xfe800000);
    g_assert_cmphex(pci_get_bar_addr(d, PCI_ROM_SLOT), ==, PCI_BAR_UNMAPPED);
    cfg_writel(&e, 0, 4, 0, 0x30, 0xfe800001);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x30), ==, 0xfe800001);
    g_assert_cmphex(pci_get_bar_addr(d, PCI_ROM_SLOT), ==, 0xfe800000);
    pci_env_destroy(&e);
}

static void test_overlapping_bars(void)
{
    PciEnv e;

    pci_env_init(&e);
    pci_env_add(&e, "sim-testdev,addr=04.0,bar0=4K");
    pci_env_add(&e, "sim-testdev,addr=05.0,bar0=4K");
    cfg_writel(&e, 0, 4, 0, 0x10, 0xfe000000);
    cfg_writel(&e, 0, 5, 0, 0x10, 0xfe000000);
    /* qtest (two edus, BAR 0 both at 0xfe000000, liveness register 4):
     * enable 04.0, writel 0x11111111, disable; enable 05.0, writel
     * 0x22222222; readl -> 0xdddddddd; enable 04.0 -> 0xeeeeeeee (mapped
     * last wins); disable 04.0 -> 0xdddddddd again */
    cfg_writew(&e, 0, 4, 0, 0x04, 0x0002);
    writel(&e, 0xfe000004, 0x11111111);
    cfg_writew(&e, 0, 4, 0, 0x04, 0x0000);
    cfg_writew(&e, 0, 5, 0, 0x04, 0x0002);
    writel(&e, 0xfe000004, 0x22222222);
    g_assert_cmphex(readl(&e, 0xfe000004), ==, 0x22222222);
    cfg_writew(&e, 0, 4, 0, 0x04, 0x0002);
    g_assert_cmphex(readl(&e, 0xfe000004), ==, 0x11111111);
    cfg_writew(&e, 0, 4, 0, 0x04, 0x0000);
    g_assert_cmphex(readl(&e, 0xfe000004), ==, 0x22222222);

    /* two BARs of one device on top of each other, then moved apart */
    {
        PCIDevice *d = pci_env_add(&e, "sim-testdev,addr=06.0,bar0=4K,"
                                   "bar1=4K");
        ((SimTestDev *)d)->regs[0][0] = 0xa0;
        ((SimTestDev *)d)->regs[1][0] = 0xa1;
        cfg_writel(&e, 0, 6, 0, 0x10, 0xfd000000);
        cfg_writel(&e, 0, 6, 0, 0x14, 0xfd000000);
        cfg_writew(&e, 0, 6, 0, 0x04, 0x0002);
        /* both are added in BAR order at priority 1: BAR 1 wins */
        g_assert_cmphex(readb(&e, 0xfd000000), ==, 0xa1);
        cfg_writel(&e, 0, 6, 0, 0x14, 0xfd001000);
        g_assert_cmphex(readb(&e, 0xfd000000), ==, 0xa0);
        g_assert_cmphex(readb(&e, 0xfd001000), ==, 0xa1);
    }
    pci_env_destroy(&e);
}

/* ---- bus mastering ----------------------------------------------------------- */

typedef struct AttrSink {
    MemTxAttrs attrs;
    unsigned count;
} AttrSink;

static MemTxResult sink_write(void *opaque, hwaddr addr, uint64_t data,
                              unsigned size, MemTxAttrs attrs)
{
    AttrSink *s = opaque;
    s->attrs = attrs;
    s->count++;
    return MEMTX_OK;
}

static MemTxResult sink_read(void *opaque, hwaddr addr, uint64_t *data,
                             unsigned size, MemTxAttrs attrs)
{
    AttrSink *s = opaque;
    s->attrs = attrs;
    s->count++;
    *data = 0;
    return MEMTX_OK;
}

static const MemoryRegionOps sink_ops = {
    .read_with_attrs = sink_read,
    .write_with_attrs = sink_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

static void test_bus_master(void)
{
    PciEnv e;
    PCIDevice *d;
    uint8_t buf[4] = { 1, 2, 3, 4 }, back[4];
    MemoryRegion *root;

    pci_env_init(&e);
    d = pci_env_add(&e, "sim-testdev,addr=04.0");

    /* QEMU's layout (info mtree of q35 with edu):
     *   address-space: edu
     *     0000000000000000-ffffffffffffffff (prio 0, i/o): bus master container
     *       0000000000000000-ffffffffffffffff (prio 0, i/o): alias bus master
     *         @system 0000000000000000-ffffffffffffffff [disabled] */
    g_assert_cmpstr(pci_get_address_space(d)->name, ==, "sim-testdev");
    root = pci_get_address_space(d)->root;
    g_assert_cmpstr(memory_region_name(root), ==, "bus master container");
    g_assert_cmphex(memory_region_size(root), ==, UINT64_MAX);
    g_assert_cmpuint(memory_region_subregion_count(root), ==, 1);
    g_assert_cmpstr(memory_region_name(memory_region_subregion(root, 0)), ==,
                    "bus master");
    g_assert_true(memory_region_subregion(root, 0)->alias == e.system);
    g_assert_false(memory_region_subregion(root, 0)->enabled);

    /* COMMAND.MASTER clear: DMA fails with a decode error, RAM untouched */
    g_assert_cmpuint(pci_dma_write(d, 0x1000, buf, 4), ==, MEMTX_DECODE_ERROR);
    address_space_read(e.memory, 0x1000, MEMTXATTRS_UNSPECIFIED, back, 4);
    g_assert_cmpmem(back, 4, "\0\0\0\0", 4);
    g_assert_cmpuint(pci_dma_read(d, 0x1000, back, 4), ==, MEMTX_DECODE_ERROR);

    /* set: it reaches RAM (qtest with edu: outw cmd 0x0006 then the DMA
     * completes; with 0x0002 QEMU's edu DMA reads zeros and writes vanish) */
    cfg_writew(&e, 0, 4, 0, 0x04, PCI_COMMAND_MASTER);
    g_assert_true(memory_region_subregion(root, 0)->enabled);
    g_assert_cmpuint(pci_dma_write(d, 0x1000, buf, 4), ==, MEMTX_OK);
    address_space_read(e.memory, 0x1000, MEMTXATTRS_UNSPECIFIED, back, 4);
    g_assert_cmpmem(back, 4, buf, 4);
    memset(back, 0, 4);
    g_assert_cmpuint(pci_dma_read(d, 0x1000, back, 4), ==, MEMTX_OK);
    g_assert_cmpmem(back, 4, buf, 4);

    /* a write of the command register's high byte only does not switch
     * the alias (QEMU tests range_covers_byte(PCI_COMMAND)) */
    outl(&e, 0xcf8, cfg_addr(0, 4, 0, 0x04));
    outb(&e, 0xcfd, 0x04);
    /* qtest: outb 0xcfd 0x04 -> cmd reads 0x0402 afterwards */
    g_assert_cmphex(inw(&e, 0xcfc), ==, 0x0404);
    g_assert_true(memory_region_subregion(root, 0)->enabled);

    /* cleared again: fails again */
    cfg_writew(&e, 0, 4, 0, 0x04, 0);
    g_assert_cmpuint(pci_dma_write(d, 0x1000, buf, 4), ==, MEMTX_DECODE_ERROR);
    pci_env_destroy(&e);
}

static void test_requester_id(void)
{
    PciEnv e;
    PCIDevice *a, *b, *br, *behind;
    AttrSink sink = { 0 };
    MemoryRegion *mr = memory_region_new_io(&sink_ops, &sink, "sink", 0x1000);
    uint32_t v = 0x12345678;

    pci_env_init(&e);
    test_add(e.system, 0xd0000000, mr, 0);
    a = pci_env_add(&e, "sim-testdev,addr=04.0");
    b = pci_env_add(&e, "sim-testdev,addr=1f.3,multifunction=on");
    cfg_writew(&e, 0, 4, 0, 0x04, PCI_COMMAND_MASTER);
    cfg_writew(&e, 0, 0x1f, 3, 0x04, PCI_COMMAND_MASTER);

    g_assert_cmpuint(pci_dma_write(a, 0xd0000000, &v, 4), ==, MEMTX_OK);
    g_assert_cmpuint(sink.count, ==, 1);
    g_assert_cmphex(sink.attrs.requester_id, ==, 0x0020);  /* 00:04.0 */
    g_assert_cmpuint(sink.attrs.unspecified, ==, 0);
    g_assert_cmpuint(pci_dma_read(b, 0xd0000000, &v, 4), ==, MEMTX_OK);
    g_assert_cmphex(sink.attrs.requester_id, ==, 0x00fb);  /* 00:1f.3 */
    g_assert_cmphex(pci_requester_id(b), ==, PCI_BUILD_BDF(0, 0xfb));

    /* behind a conventional PCI bridge the bridge's ID is seen
     * (QEMU's pci_req_id_cache_get: legacy PCI uses the bridge's BDF) */
    br = pci_env_add(&e, "pci-bridge,id=br1,chassis_nr=1,addr=07.0");
    behind = pci_env_add(&e, "sim-testdev,bus=br1,addr=03.0");
    cfg_writel(&e, 0, 7, 0, 0x18, 0x00010100);
    cfg_writew(&e, 0, 7, 0, 0x04, PCI_COMMAND_MASTER);
    cfg_writew(&e, 1, 3, 0, 0x04, PCI_COMMAND_MASTER);
    g_assert_cmphex(pci_get_bdf(behind), ==, 0x0118);
    g_assert_cmphex(pci_requester_id(behind), ==, 0x0038);   /* 00:07.0 */
    g_assert_cmpuint(pci_dma_write(behind, 0xd0000000, &v, 4), ==, MEMTX_OK);
    g_assert_cmphex(sink.attrs.requester_id, ==, 0x0038);
    g_assert_cmphex(pci_requester_id(br), ==, 0x0038);

    /* MSI carries it too (QEMU's pci_msi_trigger) */
    {
        PCIDevice *m = pci_env_add(&e, "sim-testdev,addr=06.0,msi=1");
        cfg_writew(&e, 0, 6, 0, 0x04, PCI_COMMAND_MASTER);
        cfg_writel(&e, 0, 6, 0, 0x44, 0xd0000100);   /* address */
        cfg_writel(&e, 0, 6, 0, 0x48, 0);
        cfg_writew(&e, 0, 6, 0, 0x4c, 0x4321);       /* data */
        unsigned before = sink.count;
        msi_notify(m, 0);                            /* not enabled */
        g_assert_cmpuint(sink.count, ==, before + 1); /* QEMU sends anyway */
        g_assert_cmphex(sink.attrs.requester_id, ==, 0x0030);
    }
    pci_env_destroy(&e);
}

/* ---- the IOMMU hook -------------------------------------------------------------- */

typedef struct HookLog {
    AddressSpace *as;
    PCIBus *bus;
    int devfn;
    int calls;
} HookLog;

static AddressSpace *hook_fn(PCIBus *bus, void *opaque, int devfn)
{
    HookLog *h = opaque;
    h->bus = bus;
    h->devfn = devfn;
    h->calls++;
    return h->as;
}

static void test_iommu_hook(void)
{
    PciEnv e;
    PCIDevice *d, *behind;
    HookLog h = { 0 };
    MemoryRegion *other = memory_region_new_container("other-root", UINT64_MAX);
    MemoryRegion *ram2 = test_ram("ram2", 0x10000);
    uint8_t v = 0x5a, back = 0;

    pci_env_init(&e);
    test_add(other, 0, ram2, 0);
    h.as = address_space_new(other, "other");
    d = pci_env_add(&e, "sim-testdev,addr=04.0");
    pci_env_add(&e, "pci-bridge,id=br1,chassis_nr=1,addr=07.0");
    behind = pci_env_add(&e, "sim-testdev,bus=br1,addr=03.0");
    cfg_writew(&e, 0, 4, 0, 0x04, PCI_COMMAND_MASTER);
    cfg_writew(&e, 0, 7, 0, 0x04, PCI_COMMAND_MASTER);

    /* set after the devices exist: the aliases follow (QEMU builds them at
     * machine-done, after the IOMMU has set its hook) */
    pci_setup_iommu(e.bus, hook_fn, &h);
    g_assert_cmpint(h.calls, >=, 2);
    g_assert_true(pci_device_iommu_address_space(d) == h.as);
    g_assert_true(d->bus_master_enable_region->alias == other);
    g_assert_true(d->bus_master_enable_region->enabled);   /* kept */
    g_assert_cmpuint(pci_dma_write(d, 0x10, &v, 1), ==, MEMTX_OK);
    address_space_read(h.as, 0x10, MEMTXATTRS_UNSPECIFIED, &back, 1);
    g_assert_cmphex(back, ==, 0x5a);
    address_space_read(e.memory, 0x10, MEMTXATTRS_UNSPECIFIED, &back, 1);
    g_assert_cmphex(back, ==, 0);

    /* behind a conventional bridge the hook is asked for the bridge
     * (QEMU's pci_device_iommu_address_space) */
    h.calls = 0;
    g_assert_true(pci_device_iommu_address_space(behind) == h.as);
    g_assert_true(h.bus == e.bus);
    g_assert_cmpint(h.devfn, ==, PCI_DEVFN(7, 0));

    /* removed: back to system memory */
    pci_setup_iommu(e.bus, NULL, NULL);
    g_assert_true(d->bus_master_enable_region->alias == e.system);
    g_assert_cmpuint(pci_dma_write(d, 0x10, &v, 1), ==, MEMTX_OK);
    address_space_read(e.memory, 0x10, MEMTXATTRS_UNSPECIFIED, &back, 1);
    g_assert_cmphex(back, ==, 0x5a);
    pci_env_destroy(&e);
    address_space_destroy(h.as);
    memory_region_unref(other);
}

/* Device DMA through an IOMMU region, as with VT-d: the hook returns a
 * per-bus AddressSpace whose root holds the IOMMU region; the requester ID
 * in the attributes picks the IOMMU index (one table per device). */
static int rid_to_index(ScriptedIOMMU *s, MemTxAttrs attrs, void *opaque)
{
    return attrs.requester_id == 0x0020 ? 0 : 1;
}

static AddressSpace *iommu_as_fn(PCIBus *bus, void *opaque, int devfn)
{
    return opaque;
}

static void test_dma_through_iommu(void)
{
    PciEnv e;
    PCIDevice *a, *b;
    g_autoptr(GError) err = NULL;
    ScriptedIOMMUOptions o = { .num_indexes = 2,
                               .attrs_to_index = rid_to_index };
    ScriptedIOMMU *s;
    MemoryRegion *root;
    AddressSpace *dma_as;
    uint32_t v = 0xfeedface, back = 0;

    pci_env_init(&e);
    s = scripted_iommu_new("dmar", UINT64_MAX, &o, &err);
    g_assert_no_error(err);
    root = memory_region_new_container("dmar-root", UINT64_MAX);
    test_add(root, 0, scripted_iommu_region(s), 0);
    dma_as = address_space_new(root, "dmar-as");
    g_assert_true(scripted_iommu_map(s, 0, 0x1000, 0x1000, e.memory, 0x300000,
                                     IOMMU_RW, &err));
    g_assert_true(scripted_iommu_map(s, 1, 0x1000, 0x1000, e.memory, 0x301000,
                                     IOMMU_RO, &err));
    g_assert_no_error(err);
    pci_setup_iommu(e.bus, iommu_as_fn, dma_as);
    a = pci_env_add(&e, "sim-testdev,addr=04.0");
    b = pci_env_add(&e, "sim-testdev,addr=05.0");
    cfg_writew(&e, 0, 4, 0, 0x04, PCI_COMMAND_MASTER);
    cfg_writew(&e, 0, 5, 0, 0x04, PCI_COMMAND_MASTER);

    /* 00:04.0 (index 0): iova 0x1010 -> RAM 0x300010 */
    g_assert_cmpuint(pci_dma_write(a, 0x1010, &v, 4), ==, MEMTX_OK);
    address_space_read(e.memory, 0x300010, MEMTXATTRS_UNSPECIFIED, &back, 4);
    g_assert_cmphex(back, ==, 0xfeedface);
    /* unmapped iova: a fault, a decode error, nothing written */
    g_assert_cmpuint(pci_dma_write(a, 0x5000, &v, 4), ==, MEMTX_DECODE_ERROR);
    g_assert_cmpint(scripted_iommu_last_fault(s).reason, ==,
                    SCRIPTED_FAULT_UNMAPPED);
    g_assert_cmphex(scripted_iommu_last_fault(s).iova, ==, 0x5000);
    /* 00:05.0 (index 1): the same iova goes elsewhere, read-only */
    g_assert_cmpuint(pci_dma_read(b, 0x1010, &back, 4), ==, MEMTX_OK);
    g_assert_cmphex(back, ==, 0);
    g_assert_cmpuint(pci_dma_write(b, 0x1010, &v, 4), ==, MEMTX_DECODE_ERROR);
    g_assert_cmpint(scripted_iommu_last_fault(s).reason, ==,
                    SCRIPTED_FAULT_PERM);
    /* bus mastering off: the IOMMU is not even asked */
    cfg_writew(&e, 0, 4, 0, 0x04, 0);
    g_assert_cmpuint(pci_dma_write(a, 0x1010, &v, 4), ==, MEMTX_DECODE_ERROR);
    pci_env_destroy(&e);
    address_space_destroy(dma_as);
    memory_region_unref(root);
}

/* ---- ECAM -------------------------------------------------------------------------- */

static void test_ecam(void)
{
    PciEnv e;
    PCIDevice *x;
    MemTxResult r;

    pci_env_init(&e);
    pci_env_add(&e, EDU_LIKE ",addr=04.0");
    x = pci_env_add(&e, "sim-testdev-express,addr=08.0,vendor_id=0x8086,"
                    "device_id=0x10d3");
    /* qtest: readl 0xb0000000 before PCIEXBAR.EN -> 0 */
    g_assert_cmphex(env_readn(&e, 0xb0000000, 4, &r), ==, 0);
    g_assert_cmpuint(r, ==, MEMTX_DECODE_ERROR);
    /* qtest: outl 0xcf8 0x80000060; outl 0xcfc 0xb0000001;
     * readl 0xb0000000 -> 0x29c08086, readl 0xb0020000 -> 0x11e81234,
     * readw 0xb0020002 -> 0x11e8, readb 0xb0020003 -> 0x11,
     * readl 0xb0020100 -> 0xffffffff (a conventional function has 256
     * bytes), readl 0xb0040000 -> 0x10d38086 (e1000e),
     * readl 0xb0080000 -> 0xffffffff (empty), readl 0xb0100000 ->
     * 0xffffffff (bus 1: nothing), readl 0xbffffffc -> 0xffffffff,
     * readl 0xc0000000 -> 0 (past the window), readl 0xaff00000 -> 0,
     * readq 0xb0020000 -> 0x0010000011e81234 */
    cfg_writel(&e, 0, 0, 0, 0x60, 0xb0000001);
    g_assert_cmphex(readl(&e, 0xb0000000), ==, 0x29c08086);
    g_assert_cmphex(readl(&e, 0xb0020000), ==, 0x11e81234);
    g_assert_cmphex(readw(&e, 0xb0020002), ==, 0x11e8);
    g_assert_cmphex(readb(&e, 0xb0020003), ==, 0x11);
    g_assert_cmphex(readl(&e, 0xb0020100), ==, 0xffffffff);
    g_assert_cmphex(readl(&e, 0xb0040000), ==, 0x10d38086);
    g_assert_cmphex(readl(&e, 0xb0080000), ==, 0xffffffff);
    g_assert_cmphex(readl(&e, 0xb0100000), ==, 0xffffffff);
    g_assert_cmphex(readl(&e, 0xbffffffc), ==, 0xffffffff);
    g_assert_cmphex(readl(&e, 0xc0000000), ==, 0);
    g_assert_cmphex(readl(&e, 0xaff00000), ==, 0);
    g_assert_cmphex(readq(&e, 0xb0020000), ==, 0x0010000011e81234ULL);
    /* extended config space of a PCIe function: reachable, and after the
     * header it is writable (e1000e has AER at 0x100 in QEMU: 0x14020001) */
    writel(&e, 0xb0040ffc, 0xcafef00d);
    g_assert_cmphex(readl(&e, 0xb0040ffc), ==, 0xcafef00d);
    g_assert_cmphex(pci_get_long(x->config + 0xffc), ==, 0xcafef00d);
    /* ... but not through 0xcf8/0xcfc (256 bytes) */
    g_assert_cmphex(pci_config_size(x), ==, 4096);
    /* BAR sizing through ECAM: qtest: writel 0xb0020010 0xffffffff;
     * readl 0xb0020010 -> 0xfff00000 */
    writel(&e, 0xb0020010, 0xffffffff);
    g_assert_cmphex(readl(&e, 0xb0020010), ==, 0xfff00000);
    /* qtest: PCIEXBAR 0xe0000005 (64 MiB): readl 0xe0000000 ->
     * 0x29c08086, readl 0xe8000000 -> 0, readl 0xb0000000 -> 0 */
    cfg_writel(&e, 0, 0, 0, 0x60, 0xe0000005);
    g_assert_cmphex(readl(&e, 0xe0000000), ==, 0x29c08086);
    g_assert_cmphex(readl(&e, 0xe8000000), ==, 0);
    g_assert_cmphex(readl(&e, 0xb0000000), ==, 0);
    g_assert_cmphex(e.host->mmcfg_base, ==, 0xe0000000);
    g_assert_cmphex(e.host->mmcfg_size, ==, 64 << 20);
    /* disabled */
    cfg_writel(&e, 0, 0, 0, 0x60, 0xe0000004);
    g_assert_cmphex(e.host->mmcfg_base, ==, PCIE_BASE_ADDR_UNMAPPED);
    g_assert_cmphex(readl(&e, 0xe0000000), ==, 0);
    /* bad sizes are refused, not asserted */
    {
        g_autoptr(GError) err = NULL;
        g_assert_false(pcie_host_mmcfg_update(e.host, true, 0xe0000000,
                                              3 << 20, &err));
        g_assert_error(err, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID);
    }
    pci_env_destroy(&e);
}

/* ---- INTx, MSI and reset ------------------------------------------------------------- */

typedef struct IrqLog {
    int irq_num;
    int level;
    int calls;
    PCIDevice *dev;
} IrqLog;

static void irq_fn(void *opaque, PCIDevice *dev, int irq_num, int level)
{
    IrqLog *l = opaque;
    l->irq_num = irq_num;
    l->level = level;
    l->dev = dev;
    l->calls++;
}

static void test_intx(void)
{
    PciEnv e;
    PCIDevice *d;
    IrqLog log = { 0 };

    pci_env_init(&e);
    pci_host_set_irq_handler(e.host, irq_fn, &log);
    d = pci_env_add(&e, "sim-testdev,addr=04.0,int_pin=2");
    pci_irq_assert(d);
    g_assert_cmpint(log.calls, ==, 1);
    g_assert_cmpint(log.irq_num, ==, 1);     /* INTB# */
    g_assert_cmpint(log.level, ==, 1);
    g_assert_true(log.dev == d);
    /* STATUS.INTERRUPT follows the pin */
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x04) >> 16, ==, PCI_STATUS_INTERRUPT);
    /* INTx disable masks the line but not the status bit */
    cfg_writew(&e, 0, 4, 0, 0x04, PCI_COMMAND_INTX_DISABLE);
    g_assert_cmpint(log.level, ==, 0);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x04) >> 16, ==, PCI_STATUS_INTERRUPT);
    pci_irq_deassert(d);
    cfg_writew(&e, 0, 4, 0, 0x04, 0);
    g_assert_cmpint(log.level, ==, 0);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x04) >> 16, ==, 0);
    pci_env_destroy(&e);
}

static void test_reset(void)
{
    PciEnv e;
    PCIDevice *d;

    pci_env_init(&e);
    d = pci_env_add(&e, "sim-testdev,addr=04.0,bar0=4K,bar2=4K,"
                    "bar2_type=mem64,msi=1");
    cfg_writel(&e, 0, 4, 0, 0x10, 0xfe000000);
    cfg_writel(&e, 0, 4, 0, 0x18, 0xfe100000);
    cfg_writel(&e, 0, 4, 0, 0x0c, 0x10);
    cfg_writel(&e, 0, 4, 0, 0x3c, 0x0b);
    cfg_writew(&e, 0, 4, 0, 0x04, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    cfg_writew(&e, 0, 4, 0, 0x42, 0x0001);    /* MSI enable */
    g_assert_true(msi_enabled(d));
    g_assert_cmphex(pci_get_bar_addr(d, 0), ==, 0xfe000000);
    pci_device_reset(d);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x04) & 0xffff, ==, 0);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x10), ==, 0);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x18), ==, 0x4);   /* type */
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x0c), ==, 0);
    g_assert_cmphex(cfg_readl(&e, 0, 4, 0, 0x3c), ==, 0x0100);
    g_assert_cmphex(pci_get_bar_addr(d, 0), ==, PCI_BAR_UNMAPPED);
    g_assert_false(msi_enabled(d));
    /* deviation (documented): the bus master alias follows COMMAND */
    g_assert_false(d->bus_master_enable_region->enabled);
    pci_env_destroy(&e);
}

static void test_config_api_bounds(void)
{
    PciEnv e;
    PCIDevice *d;

    pci_env_init(&e);
    d = pci_env_add(&e, "sim-testdev,addr=04.0");
    /* nothing a front end passes may assert */
    g_assert_cmphex(pci_config_read(d, 0x100, 4), ==, 0xffffffff);
    g_assert_cmphex(pci_config_read(d, 0, 3), ==, 0x011234);
    g_assert_cmphex(pci_config_read(d, 0, 8), ==, 0xffffffff);
    g_assert_cmphex(pci_config_read(d, 0xfe, 4), ==, 0);     /* cut to 2 */
    pci_config_write(d, 0x1000, 1, 4);
    pci_config_write(d, 0xff, 0xffffffff, 4);
    g_assert_cmphex(d->config[0xff], ==, 0xff);
    pci_config_write(d, 0, 0, 0);
    g_assert_cmphex(pci_config_read(NULL, 0, 4), ==, 0xffffffff);
    pci_env_destroy(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pci/conf/host-bridge-header", test_host_bridge_header);
    g_test_add_func("/pci/conf/widths", test_conf_widths);
    g_test_add_func("/pci/conf/address-register", test_conf_address_register);
    g_test_add_func("/pci/conf/empty-slot", test_empty_slot);
    g_test_add_func("/pci/conf/readonly", test_readonly_fields);
    g_test_add_func("/pci/conf/status-w1c", test_status_w1c);
    g_test_add_func("/pci/conf/api-bounds", test_config_api_bounds);
    g_test_add_func("/pci/bar/sizing", test_bar_sizing);
    g_test_add_func("/pci/bar/mapping", test_bar_mapping);
    g_test_add_func("/pci/bar/64bit", test_bar_64bit);
    g_test_add_func("/pci/bar/rom", test_rom_bar);
    g_test_add_func("/pci/bar/overlap", test_overlapping_bars);
    g_test_add_func("/pci/dma/bus-master", test_bus_master);
    g_test_add_func("/pci/dma/requester-id", test_requester_id);
    g_test_add_func("/pci/dma/iommu-hook", test_iommu_hook);
    g_test_add_func("/pci/dma/through-iommu", test_dma_through_iommu);
    g_test_add_func("/pci/ecam", test_ecam);
    g_test_add_func("/pci/intx", test_intx);
    g_test_add_func("/pci/reset", test_reset);
    return g_test_run();
}
