/*
 * mch.c - the "mch" host bridge function of QEMU's q35 machine (00.0):
 * Intel 82P35 IDs (8086:29c0, class 0600), PCIEXBAR at 0x60 mapping the
 * host's ECAM window, and the reset values and write masks of the SMRAM
 * (0x9d), ESMRAMC (0x9e), extended TSEG (0x50) and F_SMBASE (0x9c)
 * registers, after QEMU 7.2's hw/pci-host/q35.c.
 *
 * Only the register semantics live here. What PAM (0x90-0x96) and SMRAM do
 * to the memory map is the machine's (scripts/machines/q35.lua), which can
 * follow writes with pci_device_add_config_hook().
 *
 * Not creatable with -device (QEMU: "Parameter 'driver' expects a
 * pluggable device type"); machines create it with pci_device_create().
 */
#include "dma/pci-host.h"
#include "dma/pci-driver.h"

#define MCH_PCIEXBAR              0x60
#define MCH_PCIEXBAR_SIZE         8
#define MCH_PCIEXBAR_DEFAULT      0xb0000000ULL
#define MCH_PCIEXBAR_ADMSK        0x0000000ff0000000ULL /* bits 35..28 */
#define MCH_PCIEXBAR_128ADMSK     (1ULL << 26)
#define MCH_PCIEXBAR_64ADMSK      (1ULL << 25)
#define MCH_PCIEXBAR_LENGTH_MASK  (3ULL << 1)
#define MCH_PCIEXBAR_LENGTH_256M  (0ULL << 1)
#define MCH_PCIEXBAR_LENGTH_128M  (1ULL << 1)
#define MCH_PCIEXBAR_LENGTH_64M   (2ULL << 1)
#define MCH_PCIEXBAREN            1ULL

#define MCH_EXT_TSEG_MBYTES       0x50
#define MCH_EXT_TSEG_MBYTES_SIZE  2
#define MCH_EXT_TSEG_MBYTES_QUERY 0xffff
#define MCH_EXT_TSEG_MBYTES_MAX   0xfff

#define MCH_F_SMBASE              0x9c
#define MCH_F_SMBASE_QUERY        0xff
#define MCH_F_SMBASE_IN_RAM       0x01
#define MCH_F_SMBASE_LCK          0x02

#define MCH_SMRAM                 0x9d
#define MCH_SMRAM_D_OPEN          0x40
#define MCH_SMRAM_D_CLS           0x20
#define MCH_SMRAM_D_LCK           0x10
#define MCH_SMRAM_G_SMRAME        0x08
#define MCH_SMRAM_DEFAULT         0x02   /* C_BASE_SEG, hardwired */
#define MCH_SMRAM_WMASK           (MCH_SMRAM_D_OPEN | MCH_SMRAM_D_CLS | \
                                   MCH_SMRAM_D_LCK | MCH_SMRAM_G_SMRAME)
#define MCH_SMRAM_WMASK_LCK       MCH_SMRAM_D_CLS
#define MCH_ESMRAMC               0x9e
#define MCH_ESMRAMC_DEFAULT       0x38   /* SM_CACHE | SM_L1 | SM_L2 */
#define MCH_ESMRAMC_WMASK         0x87   /* H_SMRAME | TSEG_SZ | T_EN */

typedef struct MCHPCIState {
    PCIDevice parent_obj;
    uint16_t ext_tseg_mbytes;
    bool smbase_smram;
} MCHPCIState;

static void mch_update_pciexbar(MCHPCIState *mch)
{
    PCIDevice *d = &mch->parent_obj;
    PCIHostState *host = pci_bus_host(d->bus);
    uint64_t pciexbar = pci_get_quad(d->config + MCH_PCIEXBAR);
    uint64_t addr_mask = MCH_PCIEXBAR_ADMSK;
    uint64_t length;

    switch (pciexbar & MCH_PCIEXBAR_LENGTH_MASK) {
    case MCH_PCIEXBAR_LENGTH_256M:
        length = 256ULL << 20;
        break;
    case MCH_PCIEXBAR_LENGTH_128M:
        length = 128ULL << 20;
        addr_mask |= MCH_PCIEXBAR_128ADMSK | MCH_PCIEXBAR_64ADMSK;
        break;
    case MCH_PCIEXBAR_LENGTH_64M:
        length = 64ULL << 20;
        addr_mask |= MCH_PCIEXBAR_64ADMSK;
        break;
    default:
        return;   /* reserved length: QEMU logs a guest error and ignores */
    }
    if (host && host->mmcfg_container) {
        pcie_host_mmcfg_update(host, pciexbar & MCH_PCIEXBAREN,
                               pciexbar & addr_mask, length, NULL);
    }
}

static void mch_update_smram(MCHPCIState *mch)
{
    PCIDevice *d = &mch->parent_obj;

    if (d->config[MCH_SMRAM] & MCH_SMRAM_D_LCK) {
        d->config[MCH_SMRAM] &= ~MCH_SMRAM_D_OPEN;
        d->wmask[MCH_SMRAM] = MCH_SMRAM_WMASK_LCK;
        d->wmask[MCH_ESMRAMC] = 0;
    }
}

static void mch_update_ext_tseg_mbytes(MCHPCIState *mch)
{
    uint8_t *reg = mch->parent_obj.config + MCH_EXT_TSEG_MBYTES;

    if (mch->ext_tseg_mbytes > 0 &&
        pci_get_word(reg) == MCH_EXT_TSEG_MBYTES_QUERY) {
        pci_set_word(reg, mch->ext_tseg_mbytes);
    }
}

static void mch_update_smbase_smram(MCHPCIState *mch)
{
    PCIDevice *d = &mch->parent_obj;
    uint8_t *reg = d->config + MCH_F_SMBASE;

    if (!mch->smbase_smram) {
        return;
    }
    if (*reg == MCH_F_SMBASE_QUERY) {
        d->wmask[MCH_F_SMBASE] = MCH_F_SMBASE_LCK;
        *reg = MCH_F_SMBASE_IN_RAM;
        return;
    }
    /* reset state: a written value is discarded */
    if (d->wmask[MCH_F_SMBASE] == 0xff) {
        *reg = 0;
    }
}

static void mch_write_config(PCIDevice *d, uint32_t addr, uint32_t val,
                             int len)
{
    MCHPCIState *mch = (MCHPCIState *)d;

    pci_default_write_config(d, addr, val, len);
    if (pci_ranges_overlap(addr, len, MCH_PCIEXBAR, MCH_PCIEXBAR_SIZE)) {
        mch_update_pciexbar(mch);
    }
    if (pci_ranges_overlap(addr, len, MCH_SMRAM, 2)) {
        mch_update_smram(mch);
    }
    if (pci_ranges_overlap(addr, len, MCH_EXT_TSEG_MBYTES,
                           MCH_EXT_TSEG_MBYTES_SIZE)) {
        mch_update_ext_tseg_mbytes(mch);
    }
    if (pci_ranges_overlap(addr, len, MCH_F_SMBASE, 1)) {
        mch_update_smbase_smram(mch);
    }
}

static void mch_reset(PCIDevice *d)
{
    MCHPCIState *mch = (MCHPCIState *)d;

    pci_set_quad(d->config + MCH_PCIEXBAR, MCH_PCIEXBAR_DEFAULT);
    d->config[MCH_SMRAM] = MCH_SMRAM_DEFAULT;
    d->config[MCH_ESMRAMC] = MCH_ESMRAMC_DEFAULT;
    d->wmask[MCH_SMRAM] = MCH_SMRAM_WMASK;
    d->wmask[MCH_ESMRAMC] = MCH_ESMRAMC_WMASK;
    if (mch->ext_tseg_mbytes > 0) {
        pci_set_word(d->config + MCH_EXT_TSEG_MBYTES,
                     MCH_EXT_TSEG_MBYTES_QUERY);
    }
    d->config[MCH_F_SMBASE] = 0;
    d->wmask[MCH_F_SMBASE] = 0xff;

    mch_update_pciexbar(mch);
    mch_update_smram(mch);
    mch_update_ext_tseg_mbytes(mch);
    mch_update_smbase_smram(mch);
}

static bool mch_realize(PCIDevice *d, GError **errp)
{
    MCHPCIState *mch = (MCHPCIState *)d;

    if (mch->ext_tseg_mbytes > MCH_EXT_TSEG_MBYTES_MAX) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                    "invalid extended-tseg-mbytes value: %u",
                    mch->ext_tseg_mbytes);
        return false;
    }
    return true;
}

static const PCIProperty mch_props[] = {
    PCI_PROP_DEFINE("extended-tseg-mbytes", PCI_PROP_UINT16, MCHPCIState,
                    ext_tseg_mbytes, 16, "TSEG size beyond 8 MiB, in MiB"),
    PCI_PROP_DEFINE("smbase-smram", PCI_PROP_BOOL, MCHPCIState, smbase_smram,
                    true, "SMRAM at SMBASE"),
    PCI_PROP_END,
};

const PCIDeviceClass mch_pci_class = {
    .name = "mch",
    .desc = "Host bridge",
    .instance_size = sizeof(MCHPCIState),
    .vendor_id = PCI_VENDOR_ID_INTEL,
    .device_id = 0x29c0,              /* PCI_DEVICE_ID_INTEL_P35_MCH */
    .revision = 0,
    .class_id = PCI_CLASS_BRIDGE_HOST,
    .no_user = true,
    .props = mch_props,
    .realize = mch_realize,
    .reset = mch_reset,
    .config_write = mch_write_config,
};
