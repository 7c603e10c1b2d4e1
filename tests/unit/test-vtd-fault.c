/*
 * test-vtd-fault.c - VT-d fault recording (VT-d spec 7.2), overflow,
 * collapsing of repeated faults, clearing by write-1, fault processing
 * disable and the fault event MSI.
 *
 * The recording sequence is the one qemu-system-x86_64 7.2 showed for DMA
 * of two edu devices (00:04.0 sid 0x20, 00:05.0 sid 0x28) with translation
 * enabled over an empty root table (reason 1, root entry not present):
 *   -device intel-iommu -device edu,addr=04.0 -device edu,addr=05.0
 *   writeq 0xfed90020 0x100000; writel 0xfed90018 0x40000000;
 *   writel 0xfed90018 0xc0000000
 *   edu 04.0 DMA read of 0x1234:
 *     readl 0xfed90034 -> OK 0x0000000000000002       (PPF, FRI 0)
 *     readl 0xfed90038 -> OK 0x00000000c0000000       (IM, IP)
 *     readq 0xfed90220 -> OK 0x0000000000001000
 *     readq 0xfed90228 -> OK 0xc000000100000020       (F, T=read, FR 1)
 *   edu 04.0 DMA write of 0x5678: record unchanged, FSTS 0x2 (collapsed)
 *   edu 05.0 DMA write: readl 0xfed90034 -> OK 0x3 (PFO), record unchanged
 *   writel 0xfed9022c 0x80000000:
 *     readl 0xfed90034 -> OK 0x1   readl 0xfed90038 -> OK 0xc0000000
 *     readq 0xfed90228 -> OK 0x4000000100000020
 *   edu 05.0 DMA write: nothing recorded (PFO): FSTS 0x1
 *   writel 0xfed90034 0x1: FSTS 0x0, FECTL 0x80000000 (IP cleared)
 *   writel 0xfed90038 0x0; edu 05.0 DMA write of 0x9abc:
 *     readl 0xfed90034 -> OK 0x2   readl 0xfed90038 -> OK 0x0 (event sent)
 *     readq 0xfed90220 -> OK 0x9000  readq 0xfed90228 -> 0x8000000100000028
 *   writeq 0xfed90228 0x8000000000000000:
 *     readl 0xfed90034 -> OK 0x0   readq 0xfed90228 -> 0x0000000100000028
 */
#include "test-vtd-env.h"

static void fault(VtdEnv *env, uint16_t sid, hwaddr addr, bool is_write)
{
    vtd_report_fault(env->s, VTD_FR_ROOT_ENTRY_P, false, sid, addr,
                     is_write, false, 0);
}

static void test_record_sequence(void)
{
    VtdEnv *env = env_new(NULL);

    wrl(env, VTD_REG_FEADDR, 0xfee01000);
    wrl(env, VTD_REG_FEDATA, 0x4041);

    fault(env, 0x20, 0x1234, false);
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, 0x2);
    g_assert_cmphex(rdl(env, VTD_REG_FECTL), ==, 0xc0000000);
    g_assert_cmphex(rdq(env, 0x220), ==, 0x1000);
    g_assert_cmphex(rdq(env, 0x228), ==, 0xc000000100000020ULL);
    g_assert_cmpuint(env->msi->len, ==, 0); /* masked */

    fault(env, 0x20, 0x5678, true);           /* collapsed */
    g_assert_cmphex(rdq(env, 0x220), ==, 0x1000);
    g_assert_cmphex(rdq(env, 0x228), ==, 0xc000000100000020ULL);
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, 0x2);
    g_assert_cmpuint(env->s->stats.faults_collapsed, ==, 1);

    fault(env, 0x28, 0x9abc, true);           /* overflow */
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, 0x3);
    g_assert_cmphex(rdq(env, 0x228), ==, 0xc000000100000020ULL);

    wrl(env, 0x22c, 0x80000000);              /* W1C F */
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, 0x1);
    g_assert_cmphex(rdl(env, VTD_REG_FECTL), ==, 0xc0000000);
    g_assert_cmphex(rdq(env, 0x228), ==, 0x4000000100000020ULL);

    fault(env, 0x28, 0x9abc, true);           /* PFO: not recorded */
    g_assert_cmphex(rdq(env, 0x228), ==, 0x4000000100000020ULL);
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, 0x1);

    wrl(env, VTD_REG_FSTS, 0x1);              /* W1C PFO, IP clears */
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, 0x0);
    g_assert_cmphex(rdl(env, VTD_REG_FECTL), ==, 0x80000000);
    g_assert_cmpuint(env->msi->len, ==, 0);

    wrl(env, VTD_REG_FECTL, 0);               /* unmask */
    fault(env, 0x28, 0x9abc, true);
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, 0x2);
    g_assert_cmphex(rdl(env, VTD_REG_FECTL), ==, 0x0);
    g_assert_cmphex(rdq(env, 0x220), ==, 0x9000);
    g_assert_cmphex(rdq(env, 0x228), ==, 0x8000000100000028ULL);
    /* the event: FEDATA written to FEADDR, seen by the apic-msi window */
    g_assert_cmpuint(env->msi->len, ==, 1);
    MsiWrite *w = &g_array_index(env->msi, MsiWrite, 0);
    g_assert_cmphex(w->addr, ==, 0xfee01000);
    g_assert_cmphex(w->data, ==, 0x4041);
    g_assert_cmpuint(w->size, ==, 4);

    wrq(env, 0x228, 0x8000000000000000ULL);   /* W1C F with writeq */
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, 0x0);
    g_assert_cmphex(rdq(env, 0x228), ==, 0x0000000100000028ULL);

    /* writel to the low half of the upper quadword does not clear F */
    fault(env, 0x30, 0x3000, false);
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, 0x2);
    wrl(env, 0x228, 0xffffffff);
    g_assert_cmphex(rdq(env, 0x228), ==, 0xc000000100000030ULL);
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, 0x2);
    g_assert_cmpuint(env->msi->len, ==, 2);

    g_assert_cmpuint(env->s->stats.faults, ==, 6);
    g_assert_cmpuint(env->s->stats.faults_recorded, ==, 3);
    g_assert_cmpuint(env->s->stats.faults_overflow, ==, 2);
    env_free(env);
}

/* Masked event stays pending (IP) and goes when IM clears */
static void test_event_masked_then_unmasked(void)
{
    VtdEnv *env = env_new(NULL);

    wrl(env, VTD_REG_FEADDR, 0xfee00000);
    wrl(env, VTD_REG_FEDATA, 0x33);
    fault(env, 0x10, 0x1000, false);
    g_assert_cmphex(rdl(env, VTD_REG_FECTL), ==, 0xc0000000);
    g_assert_cmpuint(env->msi->len, ==, 0);
    wrl(env, VTD_REG_FECTL, 0);
    g_assert_cmphex(rdl(env, VTD_REG_FECTL), ==, 0);
    g_assert_cmpuint(env->msi->len, ==, 1);
    g_assert_cmphex(g_array_index(env->msi, MsiWrite, 0).data, ==, 0x33);
    /* a second fault while one is pending: no new event */
    wrl(env, 0x22c, 0x80000000);
    wrl(env, VTD_REG_FSTS, 0);
    fault(env, 0x11, 0x1000, false);
    g_assert_cmpuint(env->msi->len, ==, 2);
    fault(env, 0x12, 0x1000, false);  /* overflow: no event (PPF pending) */
    g_assert_cmpuint(env->msi->len, ==, 2);
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, 0x3);
    env_free(env);
}

/* 7.1.3: FPD suppresses only qualified faults */
static void test_fpd(void)
{
    VtdEnv *env = env_new(NULL);
    static const VTDFaultReason qualified[] = {
        VTD_FR_CONTEXT_ENTRY_P, VTD_FR_CONTEXT_ENTRY_INV,
        VTD_FR_ADDR_BEYOND_MGAW, VTD_FR_WRITE, VTD_FR_READ,
        VTD_FR_PAGING_ENTRY_INV, VTD_FR_INTERRUPT_ADDR,
        VTD_FR_PAGING_ENTRY_RSVD, VTD_FR_CONTEXT_ENTRY_TT,
        VTD_FR_SM_INTERRUPT_ADDR,
    };
    static const VTDFaultReason unqualified[] = {
        VTD_FR_ROOT_ENTRY_P, VTD_FR_ROOT_TABLE_INV, VTD_FR_CONTEXT_TABLE_INV,
        VTD_FR_ROOT_ENTRY_RSVD, VTD_FR_CONTEXT_ENTRY_RSVD,
        VTD_FR_PASID_TABLE_INV,
    };

    for (size_t i = 0; i < G_N_ELEMENTS(qualified); i++) {
        g_assert_true(vtd_is_qualified_fault(qualified[i]));
        vtd_report_fault(env->s, qualified[i], true, 0x20, 0x1000, false,
                         false, 0);
    }
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, 0);
    g_assert_cmpuint(env->s->stats.faults_fpd, ==, G_N_ELEMENTS(qualified));

    for (size_t i = 0; i < G_N_ELEMENTS(unqualified); i++) {
        g_assert_false(vtd_is_qualified_fault(unqualified[i]));
        wrl(env, 0x22c, 0x80000000);
        wrl(env, VTD_REG_FSTS, 0x1);
        vtd_report_fault(env->s, unqualified[i], true, 0x20, 0x1000, true,
                         false, 0);
        g_assert_cmphex(rdq(env, 0x228), ==,
                        0x8000000000000020ULL |
                        ((uint64_t)unqualified[i] << 32));
    }
    env_free(env);
}

/* Reason codes and PASID fields of the record (10.4.14) */
static void test_record_fields(void)
{
    VtdEnv *env = env_new(NULL);

    vtd_report_fault(env->s, VTD_FR_PASID_TABLE_INV, false, 0xabcd,
                     0x7fffffffffffffffULL, false, true, 0xfffff);
    g_assert_cmphex(rdq(env, 0x220), ==, 0x7ffffffffffff000ULL);
    /* F | T | PV (16 bits kept, as QEMU) | FR 0x58 | PP | SID */
    g_assert_cmphex(rdq(env, 0x228), ==,
                    0xc000000000000000ULL | (0xffffULL << 40) |
                    (0x58ULL << 32) | (1ULL << 31) | 0xabcd);
    /* a request without PASID: PV 0xffff, PP 0 (QEMU 7.2:
     * readq 0xfed90228 -> OK 0x80ffff0700000020) */
    wrl(env, 0x22c, 0x80000000);
    vtd_report_fault(env->s, VTD_FR_PAGING_ENTRY_INV, false, 0x20, 0x1000,
                     true, false, VTD_NO_PASID);
    g_assert_cmphex(rdq(env, 0x228), ==, 0x80ffff0700000020ULL);
    /* FSTS.FRI is the record index (0: QEMU has one record) */
    g_assert_cmphex(rdl(env, VTD_REG_FSTS) & VTD_FSTS_FRI_MASK, ==, 0);
    env_free(env);
}

/* An invalidation queue error pending suppresses fault events */
static void test_iqe_blocks_event(void)
{
    VtdEnv *env = env_new(NULL);

    wrl(env, VTD_REG_FECTL, 0);
    wrl(env, VTD_REG_FEADDR, 0xfee00000);
    vtd_handle_inv_queue_error(env->s);
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, VTD_FSTS_IQE);
    g_assert_cmpuint(env->msi->len, ==, 1);
    fault(env, 0x20, 0x1000, false);
    g_assert_cmphex(rdl(env, VTD_REG_FSTS), ==, VTD_FSTS_IQE | VTD_FSTS_PPF);
    g_assert_cmpuint(env->msi->len, ==, 1);
    env_free(env);
}

/* A fault event whose address is our own FECTL register must not recurse */
static void test_event_into_registers(void)
{
    VtdEnv *env = env_new(NULL);

    wrl(env, VTD_REG_FEADDR, (uint32_t)(VTD_BASE + VTD_REG_FECTL));
    wrl(env, VTD_REG_FEDATA, 0);
    wrl(env, VTD_REG_FECTL, 0);
    for (int i = 0; i < 100; i++) {
        fault(env, (uint16_t)i, 0x1000, false);
        wrl(env, 0x22c, 0x80000000);
        wrl(env, VTD_REG_FSTS, 0x3);
    }
    /* and into the invalidation event registers */
    wrl(env, VTD_REG_IEADDR, (uint32_t)(VTD_BASE + VTD_REG_IECTL));
    wrl(env, VTD_REG_IECTL, 0);
    vtd_generate_completion_event(env->s);
    g_assert_cmphex(rdl(env, VTD_REG_ICS), ==, 1);
    env_free(env);
}

/* Invalidation completion event: ICS.IWC, IECTL.IP, MSI to IEADDR */
static void test_completion_event(void)
{
    VtdEnv *env = env_new(NULL);

    wrl(env, VTD_REG_IEADDR, 0xfee00040);
    wrl(env, VTD_REG_IEDATA, 0xabcd1234);
    vtd_generate_completion_event(env->s);         /* masked */
    g_assert_cmphex(rdl(env, VTD_REG_ICS), ==, 1);
    g_assert_cmphex(rdl(env, VTD_REG_IECTL), ==, 0xc0000000);
    g_assert_cmpuint(env->msi->len, ==, 0);
    wrl(env, VTD_REG_IECTL, 0);                    /* unmask: delivered */
    g_assert_cmphex(rdl(env, VTD_REG_IECTL), ==, 0);
    g_assert_cmpuint(env->msi->len, ==, 1);
    g_assert_cmphex(g_array_index(env->msi, MsiWrite, 0).addr, ==, 0xfee00040);
    g_assert_cmphex(g_array_index(env->msi, MsiWrite, 0).data, ==,
                    0xabcd1234);
    vtd_generate_completion_event(env->s);         /* IWC still set */
    g_assert_cmpuint(env->msi->len, ==, 1);
    wrl(env, VTD_REG_ICS, 1);
    g_assert_cmphex(rdl(env, VTD_REG_ICS), ==, 0);
    vtd_generate_completion_event(env->s);
    g_assert_cmpuint(env->msi->len, ==, 2);
    env_free(env);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vtd/fault/record-sequence", test_record_sequence);
    g_test_add_func("/vtd/fault/event-masked", test_event_masked_then_unmasked);
    g_test_add_func("/vtd/fault/fpd", test_fpd);
    g_test_add_func("/vtd/fault/record-fields", test_record_fields);
    g_test_add_func("/vtd/fault/iqe-blocks-event", test_iqe_blocks_event);
    g_test_add_func("/vtd/fault/event-into-registers",
                    test_event_into_registers);
    g_test_add_func("/vtd/fault/completion-event", test_completion_event);
    return g_test_run();
}
