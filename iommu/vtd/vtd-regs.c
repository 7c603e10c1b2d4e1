/*
 * vtd-regs.c - the VT-d register file (VT-d spec chapter 10.4): reset
 * values computed from the properties, read-only / write-1-to-clear /
 * write-only bits, 4- and 8-byte guest accesses and the side effects of
 * writes.
 *
 * Facts from QEMU 7.2 (hw/i386/intel_iommu.c: vtd_init, vtd_mem_read,
 * vtd_mem_write), checked against qemu-system-x86_64 7.2 by qtest (replies
 * quoted in tests/unit/test-vtd-regs.c):
 *  - one fault recording register at 0x220, IOTLB registers at 0xf0, a
 *    window of 0x230 bytes; VER reads 0x10 whatever the "version" property;
 *  - CAP = FRO | NFR(0) | ND(16-bit) | MAMV(18) | PSI | SLLPS(2M,1G) |
 *    MGAW(aw-1), plus DRD|DWD (dma-drain), SAGAW 39 [and 48]
 *    (dma-translation), CM (caching-mode);
 *    ECAP = QI | IRO, plus IR|MHMV [EIM] (intremap), DT (device-iotlb),
 *    PT (pt), SMTS|SRS|SLTS (x-scalable-mode), SC (snoop-control),
 *    PASID (x-pasid-mode);
 *  - writable bits per register as QEMU's masks: GCMD 31:23 (write-only:
 *    reads 0), RTADDR 63:10, CCMD 63:61,33:0 (33:16 read as 0), FSTS
 *    PFO/IQE W1C, FECTL.IM, FEDATA 15:0, FEADDR 31:2, FEUADDR RO (no EIM),
 *    PMEN RO, IQT 18:4, IQA 63:12,11,2:0, ICS.IWC W1C, IECTL.IM, IEDATA,
 *    IEADDR 31:2, IEUADDR RO, IOTLB 63,61:60,47:32 (as QEMU: 0xb003ffff..),
 *    IVA 63:12,6:0 (all write-only), FRCD: F (bit 127) W1C, IRTA
 *    63:12,11,3:0;
 *  - an access that runs past the window reads all ones / is ignored;
 *    IQA reads back the queue base latched at QIE, not what was written.
 *
 * Where QEMU 7.2 asserts on an 8-byte access to a 32-bit register at an
 * 8-byte aligned offset (FECTL 0x38, IECTL 0xa0, IEADDR 0xa8), iommusim
 * performs it as two 4-byte writes, each with its side effects.
 */
#include "iommu/vtd/vtd-internal.h"

#include <string.h>

/* ---- raw access (little-endian array) ---------------------------------- */

static inline bool vtd_reg_in_range(hwaddr addr, unsigned size)
{
    return addr <= VTD_REG_SIZE && size <= VTD_REG_SIZE - addr;
}

static inline uint32_t ld32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return GUINT32_FROM_LE(v);
}

static inline uint64_t ld64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return GUINT64_FROM_LE(v);
}

static inline void st32(uint8_t *p, uint32_t v)
{
    v = GUINT32_TO_LE(v);
    memcpy(p, &v, 4);
}

static inline void st64(uint8_t *p, uint64_t v)
{
    v = GUINT64_TO_LE(v);
    memcpy(p, &v, 8);
}

uint32_t vtd_get_long_raw(IntelIOMMUState *s, hwaddr addr)
{
    g_assert(vtd_reg_in_range(addr, 4));
    return ld32(&s->csr[addr]);
}

uint64_t vtd_get_quad_raw(IntelIOMMUState *s, hwaddr addr)
{
    g_assert(vtd_reg_in_range(addr, 8));
    return ld64(&s->csr[addr]);
}

void vtd_set_long_raw(IntelIOMMUState *s, hwaddr addr, uint32_t val)
{
    g_assert(vtd_reg_in_range(addr, 4));
    st32(&s->csr[addr], val);
}

void vtd_set_quad_raw(IntelIOMMUState *s, hwaddr addr, uint64_t val)
{
    g_assert(vtd_reg_in_range(addr, 8));
    st64(&s->csr[addr], val);
}

uint32_t vtd_set_clear_mask_long(IntelIOMMUState *s, hwaddr addr,
                                 uint32_t clear, uint32_t set)
{
    uint32_t v = (vtd_get_long_raw(s, addr) & ~clear) | set;
    vtd_set_long_raw(s, addr, v);
    return v;
}

uint64_t vtd_set_clear_mask_quad(IntelIOMMUState *s, hwaddr addr,
                                 uint64_t clear, uint64_t set)
{
    uint64_t v = (vtd_get_quad_raw(s, addr) & ~clear) | set;
    vtd_set_quad_raw(s, addr, v);
    return v;
}

/* ---- guest view: masks ------------------------------------------------- */

/* A guest write: only writable bits change, W1C bits written as 1 clear. */
static void vtd_guest_set_long(IntelIOMMUState *s, hwaddr addr, uint32_t val)
{
    uint32_t old = ld32(&s->csr[addr]);
    uint32_t w = ld32(&s->wmask[addr]);
    uint32_t w1c = ld32(&s->w1cmask[addr]);
    st32(&s->csr[addr], ((old & ~w) | (val & w)) & ~(val & w1c));
}

static void vtd_guest_set_quad(IntelIOMMUState *s, hwaddr addr, uint64_t val)
{
    uint64_t old = ld64(&s->csr[addr]);
    uint64_t w = ld64(&s->wmask[addr]);
    uint64_t w1c = ld64(&s->w1cmask[addr]);
    st64(&s->csr[addr], ((old & ~w) | (val & w)) & ~(val & w1c));
}

/* A guest read: write-only bits read as 0. */
static uint32_t vtd_guest_get_long(IntelIOMMUState *s, hwaddr addr)
{
    return ld32(&s->csr[addr]) & ~ld32(&s->womask[addr]);
}

static uint64_t vtd_guest_get_quad(IntelIOMMUState *s, hwaddr addr)
{
    return ld64(&s->csr[addr]) & ~ld64(&s->womask[addr]);
}

/* Register definitions: value, writable and W1C bits, write-only bits */
static void def_long(IntelIOMMUState *s, hwaddr addr, uint32_t val,
                     uint32_t wmask, uint32_t w1c, uint32_t wo)
{
    st32(&s->csr[addr], val);
    st32(&s->wmask[addr], wmask);
    st32(&s->w1cmask[addr], w1c);
    st32(&s->womask[addr], wo);
}

static void def_quad(IntelIOMMUState *s, hwaddr addr, uint64_t val,
                     uint64_t wmask, uint64_t w1c, uint64_t wo)
{
    st64(&s->csr[addr], val);
    st64(&s->wmask[addr], wmask);
    st64(&s->w1cmask[addr], w1c);
    st64(&s->womask[addr], wo);
}

/* ---- reset ------------------------------------------------------------- */

static uint64_t vtd_compute_cap(IntelIOMMUState *s)
{
    /* 10.4.2: fault recording at FRO, NFR+1 of them; 16-bit domain ids;
     * page-selective invalidation with mask up to MAMV; 2M/1G pages */
    uint64_t cap = VTD_CAP_FRO | VTD_CAP_NFR |
                   (VTD_CAP_ND_16BIT << VTD_CAP_ND_SHIFT) |
                   VTD_CAP_MAMV | VTD_CAP_PSI |
                   VTD_CAP_SLLPS_2M | VTD_CAP_SLLPS_1G |
                   VTD_CAP_MGAW(s->aw_bits);

    if (s->dma_drain) {
        cap |= VTD_CAP_DRD | VTD_CAP_DWD;
    }
    if (s->dma_translation) {
        /* SAGAW: every width up to aw-bits (3-level; 4-level for 48) */
        if (s->aw_bits >= 39) {
            cap |= VTD_CAP_SAGAW_39;
        }
        if (s->aw_bits >= 48) {
            cap |= VTD_CAP_SAGAW_48;
        }
    }
    if (s->caching_mode) {
        cap |= VTD_CAP_CM;
    }
    return cap;
}

static uint64_t vtd_compute_ecap(IntelIOMMUState *s)
{
    /* 10.4.3: queued invalidation always, IOTLB registers at IRO */
    uint64_t ecap = VTD_ECAP_QI | VTD_ECAP_IRO;

    if (s->intr_supported) {
        ecap |= VTD_ECAP_IR | VTD_ECAP_MHMV;
        if (s->intr_eim) {
            ecap |= VTD_ECAP_EIM;
        }
    }
    if (s->dt_supported) {
        ecap |= VTD_ECAP_DT;
    }
    if (s->pt_supported) {
        ecap |= VTD_ECAP_PT;
    }
    if (s->scalable_mode) {
        ecap |= VTD_ECAP_SMTS | VTD_ECAP_SRS | VTD_ECAP_SLTS;
    }
    if (s->snoop_control) {
        ecap |= VTD_ECAP_SC;
    }
    if (s->pasid) {
        ecap |= VTD_ECAP_PASID;
    }
    return ecap;
}

void vtd_regs_init(IntelIOMMUState *s)
{
    memset(s->csr, 0, sizeof(s->csr));
    memset(s->wmask, 0, sizeof(s->wmask));
    memset(s->w1cmask, 0, sizeof(s->w1cmask));
    memset(s->womask, 0, sizeof(s->womask));

    s->root = 0;
    s->root_scalable = false;
    s->dmar_enabled = false;
    s->intr_enabled = false;
    s->intr_root = 0;
    s->intr_size = 0;
    s->intr_eime = false;
    s->iq = 0;
    s->iq_head = 0;
    s->iq_tail = 0;
    s->iq_size = 0;
    s->iq_dw = false;
    s->qi_enabled = false;
    s->iq_last_desc_type = VTD_INV_DESC_NONE;
    s->iq_budget_hit = false;
    s->next_frcd_reg = 0;

    s->cap = vtd_compute_cap(s);
    s->ecap = vtd_compute_ecap(s);

    vtd_reset_caches(s);

    /*                  offset          reset value  writable     W1C   WO */
    def_long(s, VTD_REG_VER,     VTD_VER_VALUE, 0, 0, 0);
    def_quad(s, VTD_REG_CAP,     s->cap, 0, 0, 0);
    def_quad(s, VTD_REG_ECAP,    s->ecap, 0, 0, 0);
    /* 10.4.4: command bits 31:23, write-only */
    def_long(s, VTD_REG_GCMD,    0, 0xff800000u, 0, 0xff800000u);
    def_long(s, VTD_REG_GSTS,    0, 0, 0, 0);
    /* 10.4.6: RTA 63:12 and TTM 11:10 */
    def_quad(s, VTD_REG_RTADDR,  0, 0xfffffffffffffc00ULL, 0, 0);
    /* 10.4.7: ICC, CIRG, (CAIG read-only), FM 33:32, SID, DID;
     * FM and SID read as 0 */
    def_quad(s, VTD_REG_CCMD,    0, 0xe0000003ffffffffULL, 0,
             0x3ffff0000ULL);
    /* 10.4.9: PFO and IQE are RW1C here (PPF follows the records; no
     * advanced fault logging, ICE/ITE never set) */
    def_long(s, VTD_REG_FSTS,    0, 0, VTD_FSTS_PFO | VTD_FSTS_IQE, 0);
    /* 10.4.10: masked after reset */
    def_long(s, VTD_REG_FECTL,   VTD_FECTL_IM, VTD_FECTL_IM, 0, 0);
    def_long(s, VTD_REG_FEDATA,  0, 0x0000ffffu, 0, 0);
    def_long(s, VTD_REG_FEADDR,  0, 0xfffffffcu, 0, 0);
    /* 10.4.13: reserved (read-only 0) without x2APIC support */
    def_long(s, VTD_REG_FEUADDR, 0, 0, 0, 0);
    /* 10.4.16: read-only without protected memory regions (PLMR/PHMR) */
    def_long(s, VTD_REG_PMEN,    0, 0, 0, 0);
    def_quad(s, VTD_REG_IQH,     0, 0, 0, 0);
    def_quad(s, VTD_REG_IQT,     0, VTD_IQT_QT_MASK, 0, 0);
    /* 10.4.24: IQA 63:12, DW 11, QS 2:0 */
    def_quad(s, VTD_REG_IQA,     0, 0xfffffffffffff807ULL, 0, 0);
    def_long(s, VTD_REG_ICS,     0, 0, VTD_ICS_IWC, 0);
    def_long(s, VTD_REG_IECTL,   VTD_IECTL_IM, VTD_IECTL_IM, 0, 0);
    def_long(s, VTD_REG_IEDATA,  0, 0xffffffffu, 0, 0);
    def_long(s, VTD_REG_IEADDR,  0, 0xfffffffcu, 0, 0);
    def_long(s, VTD_REG_IEUADDR, 0, 0, 0, 0);
    /* 10.4.8.1: IVT, IIRG, DR, DW, DID (QEMU's mask) */
    def_quad(s, VTD_REG_IOTLB,   0, 0xb003ffff00000000ULL, 0, 0);
    /* 10.4.8.2: ADDR, IH, AM; write-only */
    def_quad(s, VTD_REG_IVA,     0, 0xfffffffffffff07fULL, 0,
             0xfffffffffffff07fULL);
    /* 10.4.14: fault recording registers; F (bit 127) is RW1C */
    for (unsigned i = 0; i < VTD_FRCD_COUNT; i++) {
        def_quad(s, VTD_REG_FRCD_LO(i), 0, 0, 0, 0);
        def_quad(s, VTD_REG_FRCD_HI(i), 0, 0, VTD_FRCD_HI_F, 0);
    }
    /* 10.4.31: IRTA 63:12, EIME 11, S 3:0 */
    def_quad(s, VTD_REG_IRTA,    0, 0xfffffffffffff80fULL, 0, 0);
}

/* ---- guest reads ------------------------------------------------------- */

uint64_t vtd_mem_read(void *opaque, hwaddr addr, unsigned size)
{
    IntelIOMMUState *s = opaque;
    uint64_t val;

    if ((size != 4 && size != 8) || !vtd_reg_in_range(addr, size)) {
        return UINT64_MAX; /* past the window: all ones (as QEMU) */
    }

    switch (addr) {
    case VTD_REG_IQA:
        /* the base latched at QIE, with the size as written */
        val = s->iq | (vtd_guest_get_quad(s, VTD_REG_IQA) & VTD_IQA_QS_MASK);
        break;
    case VTD_REG_IQA + 4:
        val = s->iq >> 32;
        break;
    default:
        val = size == 4 ? vtd_guest_get_long(s, addr)
                        : vtd_guest_get_quad(s, addr);
        break;
    }
    if (size == 4) {
        val &= 0xffffffffu;
    }
    return val;
}

/* ---- guest writes ------------------------------------------------------ */

/* A 4-byte write at @addr with the side effects of that register. */
static void vtd_write_long(IntelIOMMUState *s, hwaddr addr, uint32_t val)
{
    vtd_guest_set_long(s, addr, val);

    switch (addr) {
    case VTD_REG_GCMD:
        vtd_handle_gcmd_write(s);
        break;
    case VTD_REG_CCMD + 4:
        /* the upper half holds ICC: the command goes */
        vtd_handle_ccmd_write(s);
        break;
    case VTD_REG_IOTLB + 4:
        vtd_handle_iotlb_write(s);
        break;
    case VTD_REG_FSTS:
        vtd_handle_fsts_write(s);
        break;
    case VTD_REG_FECTL:
        vtd_handle_fectl_write(s);
        break;
    case VTD_REG_IQT:
        vtd_handle_iqt_write(s);
        break;
    case VTD_REG_IQA:
        vtd_update_iq_dw(s);
        break;
    case VTD_REG_ICS:
        vtd_handle_ics_write(s);
        break;
    case VTD_REG_IECTL:
        vtd_handle_iectl_write(s);
        break;
    default:
        /* fault recording: the upper dword holds F (W1C) */
        if (addr >= VTD_REG_FRCD_BASE && (addr & 0xf) == 0xc) {
            vtd_update_fsts_ppf(s);
        }
        break;
    }
}

void vtd_mem_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    IntelIOMMUState *s = opaque;

    if ((size != 4 && size != 8) || !vtd_reg_in_range(addr, size)) {
        return; /* past the window: ignored (as QEMU) */
    }
    if (size == 4) {
        vtd_write_long(s, addr, (uint32_t)val);
        return;
    }

    /* 8-byte writes (8-byte aligned: the memory floor refuses others) */
    switch (addr) {
    case VTD_REG_GCMD:
        /* a 32-bit register: the upper half (GSTS) is read-only */
        vtd_write_long(s, addr, (uint32_t)val);
        break;
    case VTD_REG_CCMD:
        vtd_guest_set_quad(s, addr, val);
        vtd_handle_ccmd_write(s);
        break;
    case VTD_REG_IOTLB:
        vtd_guest_set_quad(s, addr, val);
        vtd_handle_iotlb_write(s);
        break;
    case VTD_REG_IQT:
        vtd_guest_set_quad(s, addr, val);
        vtd_handle_iqt_write(s);
        break;
    case VTD_REG_IQA:
        vtd_guest_set_quad(s, addr, val);
        vtd_update_iq_dw(s);
        break;
    case VTD_REG_FECTL:   /* FECTL + FEDATA (QEMU 7.2 asserts) */
    case VTD_REG_IECTL:   /* IECTL + IEDATA (QEMU 7.2 asserts) */
    case VTD_REG_IEADDR:  /* IEADDR + IEUADDR (QEMU 7.2 asserts) */
        vtd_write_long(s, addr, (uint32_t)val);
        vtd_write_long(s, addr + 4, (uint32_t)(val >> 32));
        break;
    default:
        /* FEADDR (some guests write it with 8 bytes), RTADDR, IVA, IRTA,
         * FRCD and the rest: both halves through the masks */
        vtd_guest_set_quad(s, addr, val);
        if (addr >= VTD_REG_FRCD_BASE && (addr & 0xf) == 0x8) {
            vtd_update_fsts_ppf(s);
        }
        break;
    }
}

const MemoryRegionOps vtd_mem_ops = {
    .read = vtd_mem_read,
    .write = vtd_mem_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};
