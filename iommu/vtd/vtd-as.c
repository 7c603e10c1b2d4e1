/*
 * vtd-as.c - per-device address spaces, as QEMU 7.2 builds them
 * (vtd_find_add_as, vtd_switch_address_space), so that `info mtree` reads
 * the same:
 *
 *   address-space: vtd-root
 *     0000000000000000-ffffffffffffffff (prio 0, i/o): vtd-04.0
 *       ...-ffffffffffffffff (prio 0, i/o): alias vtd-nodmar @vtd-nodmar ...
 *       ...-ffffffffffffffff (prio 0, i/o): vtd-04.0-dmar [disabled]
 *         00000000fee00000-00000000feefffff (prio 1, i/o): alias vtd-ir @vtd-ir
 *       00000000fee00000-00000000feefffff (prio 2, i/o): vtd-no-ir [disabled]
 *
 * Shared by all devices: "vtd-nodmar" (a container with "vtd-sys-alias" of
 * system memory and the "vtd-ir" interrupt window at 0xfee00000, priority
 * 1), so that devices without DMA remapping share one FlatView.
 *
 * Switching: translation off, or the device in pass-through, enables the
 * no-DMAR alias; otherwise the DMAR region. Requests with PASID are
 * translated even at 0xFEEx_xxxx (3.14), so a PASID address space keeps
 * its DMAR region without the interrupt window, and in pass-through
 * "vtd-no-ir" catches that range with a fault.
 *
 * Source ids: the bus number is asked from the PCI glue each time
 * (IntelIOMMUState.bus_num), since a guest numbers bridges' buses after
 * the devices exist (QEMU keys address spaces by bus pointer for the same
 * reason).
 */
#include "iommu/vtd/vtd-internal.h"

#include <string.h>

typedef struct VTDASKey {
    PCIBus *bus;
    uint8_t devfn;
    uint32_t pasid;
} VTDASKey;

static guint vtd_as_key_hash(gconstpointer v)
{
    const VTDASKey *k = v;
    uint64_t h = (uint64_t)(uintptr_t)k->bus * 0x9e3779b97f4a7c15ULL;

    h ^= ((uint64_t)k->pasid << 8 | k->devfn) * 0xc2b2ae3d27d4eb4fULL;
    return (guint)(h ^ (h >> 32));
}

static gboolean vtd_as_key_equal(gconstpointer a, gconstpointer b)
{
    const VTDASKey *x = a, *y = b;

    return x->bus == y->bus && x->devfn == y->devfn && x->pasid == y->pasid;
}

/* ---- the shared regions ----------------------------------------------- */

/* "vtd-ir": DMA writes to 0xFEEx_xxxx are interrupt requests (3.14, 5.1).
 * Interrupt remapping is not modelled: the write goes on to the system
 * address space as the MSI it is (QEMU 7.2 with remapping disabled); reads
 * give 0, as QEMU's window. */
static MemTxResult vtd_mem_ir_read(void *opaque, hwaddr addr, uint64_t *data,
                                   unsigned size, MemTxAttrs attrs)
{
    *data = 0;
    return MEMTX_OK;
}

static MemTxResult vtd_mem_ir_write(void *opaque, hwaddr addr, uint64_t value,
                                    unsigned size, MemTxAttrs attrs)
{
    IntelIOMMUState *s = opaque;
    MemTxResult r = MEMTX_OK;

    if (!s->system_as || s->msi_depth > 4) {
        return MEMTX_ERROR;
    }
    s->msi_depth++;
    address_space_stl_le(s->system_as, VTD_INTERRUPT_ADDR_FIRST + addr,
                         (uint32_t)value, attrs, &r);
    s->msi_depth--;
    return r;
}

static const MemoryRegionOps vtd_mem_ir_ops = {
    .read_with_attrs = vtd_mem_ir_read,
    .write_with_attrs = vtd_mem_ir_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* "vtd-no-ir": a request with PASID in pass-through to the interrupt
 * range is blocked (3.14, SGN.8): fault 0x87, the access fails. */
static void vtd_report_ir_illegal_access(VTDAddressSpace *vtd_as, hwaddr addr,
                                         bool is_write)
{
    IntelIOMMUState *s = vtd_as->iommu_state;
    uint16_t sid = vtd_as_sid(vtd_as);
    VTDContextEntry ce;
    bool fpd = false;

    if (vtd_dev_to_context_entry(s, VTD_SID_BUS(sid), VTD_SID_DEVFN(sid),
                                 &ce) == 0) {
        fpd = ce.lo & 2;
        if (!fpd) {
            vtd_ce_get_pasid_fpd(s, &ce, vtd_as->pasid, &fpd);
        }
    }
    vtd_as_report_fault(vtd_as, VTD_FR_SM_INTERRUPT_ADDR, fpd,
                        VTD_INTERRUPT_ADDR_FIRST + addr, is_write, true,
                        vtd_as->pasid);
}

static MemTxResult vtd_mem_ir_fault_read(void *opaque, hwaddr addr,
                                         uint64_t *data, unsigned size,
                                         MemTxAttrs attrs)
{
    *data = 0;
    vtd_report_ir_illegal_access(opaque, addr, false);
    return MEMTX_ERROR;
}

static MemTxResult vtd_mem_ir_fault_write(void *opaque, hwaddr addr,
                                          uint64_t value, unsigned size,
                                          MemTxAttrs attrs)
{
    vtd_report_ir_illegal_access(opaque, addr, true);
    return MEMTX_ERROR;
}

static const MemoryRegionOps vtd_mem_ir_fault_ops = {
    .read_with_attrs = vtd_mem_ir_fault_read,
    .write_with_attrs = vtd_mem_ir_fault_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

static void vtd_as_free(gpointer p);

void vtd_address_spaces_init(IntelIOMMUState *s, MemoryRegion *system_memory)
{
    u128 sys_size = system_memory->size;
    uint64_t alias_size = sys_size >= U128_2_64 ? UINT64_MAX
                                                : (uint64_t)sys_size;

    vtd_init_slpte_rsvd(s);
    memset(s->vtd_as_cache, 0, sizeof(s->vtd_as_cache));
    s->vtd_address_spaces = g_hash_table_new_full(vtd_as_key_hash,
                                                  vtd_as_key_equal, g_free,
                                                  vtd_as_free);
    memory_region_transaction_begin();
    memory_region_init(&s->mr_nodmar, "vtd-nodmar", UINT64_MAX);
    memory_region_init_io(&s->mr_ir, &vtd_mem_ir_ops, s, "vtd-ir",
                          VTD_INTERRUPT_ADDR_SIZE);
    memory_region_init_alias(&s->mr_sys_alias, "vtd-sys-alias",
                             system_memory, 0, alias_size, NULL);
    memory_region_add_subregion_overlap(&s->mr_nodmar, 0, &s->mr_sys_alias,
                                        0, NULL);
    memory_region_add_subregion_overlap(&s->mr_nodmar,
                                        VTD_INTERRUPT_ADDR_FIRST, &s->mr_ir,
                                        1, NULL);
    memory_region_transaction_commit();
}

void vtd_address_spaces_destroy(IntelIOMMUState *s)
{
    if (!s->vtd_address_spaces) {
        return;
    }
    memory_region_transaction_begin();
    g_hash_table_destroy(s->vtd_address_spaces);
    s->vtd_address_spaces = NULL;
    memset(s->vtd_as_cache, 0, sizeof(s->vtd_as_cache));
    memory_region_del_subregion(&s->mr_nodmar, &s->mr_sys_alias, NULL);
    memory_region_del_subregion(&s->mr_nodmar, &s->mr_ir, NULL);
    memory_region_transaction_commit();
    memory_region_unref(&s->mr_sys_alias);
    memory_region_unref(&s->mr_ir);
    memory_region_unref(&s->mr_nodmar);
}

/* ---- one device --------------------------------------------------------- */

uint16_t vtd_as_sid(const VTDAddressSpace *vtd_as)
{
    IntelIOMMUState *s = vtd_as->iommu_state;
    uint8_t bus = (s->bus_num && vtd_as->bus) ? s->bus_num(vtd_as->bus) : 0;

    return VTD_SID(bus, vtd_as->devfn);
}

static void vtd_as_free(gpointer p)
{
    VTDAddressSpace *vtd_as = p;
    bool busy;

    vtd_notify_forget(vtd_as);
    address_space_destroy(&vtd_as->as);
    memory_region_del_subregion(&vtd_as->root, &vtd_as->iommu_ir_fault, NULL);
    memory_region_del_subregion(&vtd_as->root, MEMORY_REGION(&vtd_as->iommu),
                                NULL);
    memory_region_del_subregion(&vtd_as->root, &vtd_as->nodmar, NULL);
    memory_region_del_subregion(MEMORY_REGION(&vtd_as->iommu),
                                &vtd_as->iommu_ir, NULL);
    /* A user that still holds a region (a device's bus-master alias, a
     * registered notifier) keeps the memory: it is leaked, never freed
     * under it. */
    busy = vtd_as->root.refcount > 1 || vtd_as->nodmar.refcount > 1 ||
           vtd_as->iommu_ir.refcount > 1 ||
           vtd_as->iommu_ir_fault.refcount > 1 ||
           MEMORY_REGION(&vtd_as->iommu)->refcount > 1;
    if (busy) {
        g_warning("intel-iommu: address space %s is still in use; not freed",
                  memory_region_name(&vtd_as->root));
        return;
    }
    memory_region_unref(&vtd_as->iommu_ir_fault);
    memory_region_unref(&vtd_as->iommu_ir);
    memory_region_unref(&vtd_as->nodmar);
    memory_region_unref(MEMORY_REGION(&vtd_as->iommu));
    memory_region_unref(&vtd_as->root);
    iova_tree_destroy(vtd_as->iova_tree);
    g_free(vtd_as);
}

VTDAddressSpace *vtd_find_add_as(IntelIOMMUState *s, PCIBus *bus, int devfn,
                                 uint32_t pasid)
{
    VTDASKey key = { .bus = bus, .devfn = (uint8_t)devfn, .pasid = pasid };
    VTDAddressSpace *vtd_as;
    g_autofree char *name = NULL;
    g_autofree char *dmar_name = NULL;

    if (!s->vtd_address_spaces || devfn < 0 || devfn > 255) {
        return NULL;
    }
    vtd_as = g_hash_table_lookup(s->vtd_address_spaces, &key);
    if (vtd_as) {
        return vtd_as;
    }

    /* QEMU names them by slot and function only: "vtd-04.0" */
    if (pasid == VTD_NO_PASID) {
        name = g_strdup_printf("vtd-%02x.%x", (devfn >> 3) & 0x1f, devfn & 7);
    } else {
        name = g_strdup_printf("vtd-%02x.%x-pasid-%x", (devfn >> 3) & 0x1f,
                               devfn & 7, pasid);
    }
    dmar_name = g_strdup_printf("%s-dmar", name);

    vtd_as = g_new0(VTDAddressSpace, 1);
    vtd_as->bus = bus;
    vtd_as->devfn = (uint8_t)devfn;
    vtd_as->pasid = pasid;
    vtd_as->iommu_state = s;
    vtd_as->iova_tree = iova_tree_new();

    memory_region_transaction_begin();
    memory_region_init(&vtd_as->root, name, UINT64_MAX);
    address_space_init(&vtd_as->as, &vtd_as->root, "vtd-root");
    memory_region_init_alias(&vtd_as->nodmar, "vtd-nodmar", &s->mr_nodmar, 0,
                             UINT64_MAX, NULL);
    iommu_memory_region_init(&vtd_as->iommu, &vtd_iommu_memory_region_class,
                             dmar_name, UINT64_MAX);
    memory_region_init_alias(&vtd_as->iommu_ir, "vtd-ir", &s->mr_ir, 0,
                             VTD_INTERRUPT_ADDR_SIZE, NULL);
    memory_region_add_subregion_overlap(MEMORY_REGION(&vtd_as->iommu),
                                        VTD_INTERRUPT_ADDR_FIRST,
                                        &vtd_as->iommu_ir, 1, NULL);
    memory_region_init_io(&vtd_as->iommu_ir_fault, &vtd_mem_ir_fault_ops,
                          vtd_as, "vtd-no-ir", VTD_INTERRUPT_ADDR_SIZE);
    /* on the root: it must work while the DMAR region is off */
    memory_region_add_subregion_overlap(&vtd_as->root,
                                        VTD_INTERRUPT_ADDR_FIRST,
                                        &vtd_as->iommu_ir_fault, 2, NULL);
    /* QEMU's order: the DMAR region, then the no-DMAR alias (which, added
     * last, prints first at equal address and priority) */
    memory_region_add_subregion_overlap(&vtd_as->root, 0,
                                        MEMORY_REGION(&vtd_as->iommu), 0,
                                        NULL);
    memory_region_add_subregion_overlap(&vtd_as->root, 0, &vtd_as->nodmar, 0,
                                        NULL);
    g_hash_table_insert(s->vtd_address_spaces, g_memdup2(&key, sizeof(key)),
                        vtd_as);
    vtd_switch_address_space(vtd_as);
    memory_region_transaction_commit();
    return vtd_as;
}

AddressSpace *vtd_host_dma_iommu(PCIBus *bus, void *opaque, int devfn)
{
    VTDAddressSpace *vtd_as = vtd_find_add_as(opaque, bus, devfn,
                                              VTD_NO_PASID);

    return vtd_as ? &vtd_as->as : NULL;
}

VTDAddressSpace *vtd_get_as_by_sid(IntelIOMMUState *s, uint16_t sid)
{
    uint8_t bus = VTD_SID_BUS(sid);
    VTDAddressSpace *vtd_as = s->vtd_as_cache[bus];
    GHashTableIter it;

    if (!s->vtd_address_spaces) {
        return NULL;
    }
    if (vtd_as && vtd_as->pasid == VTD_NO_PASID && vtd_as_sid(vtd_as) == sid) {
        return vtd_as;
    }
    g_hash_table_iter_init(&it, s->vtd_address_spaces);
    while (g_hash_table_iter_next(&it, NULL, (gpointer *)&vtd_as)) {
        if (vtd_as->pasid == VTD_NO_PASID && vtd_as_sid(vtd_as) == sid) {
            s->vtd_as_cache[bus] = vtd_as;
            return vtd_as;
        }
    }
    return NULL;
}

void vtd_as_foreach(IntelIOMMUState *s,
                    void (*fn)(VTDAddressSpace *vtd_as, void *opaque),
                    void *opaque)
{
    GHashTableIter it;
    VTDAddressSpace *vtd_as;

    if (!s->vtd_address_spaces) {
        return;
    }
    g_hash_table_iter_init(&it, s->vtd_address_spaces);
    while (g_hash_table_iter_next(&it, NULL, (gpointer *)&vtd_as)) {
        fn(vtd_as, opaque);
    }
}

bool vtd_as_matches_sid(const VTDAddressSpace *vtd_as, uint16_t sid,
                        unsigned fm)
{
    /* 10.4.7 FM: 1 ignores function bit 2, 2 bits 2:1, 3 bits 2:0 */
    static const uint8_t ignore[4] = { 0, 4, 6, 7 };
    uint16_t mine = vtd_as_sid(vtd_as);
    uint16_t mask = (uint16_t)~ignore[fm & 3];

    return (mine & mask) == (sid & mask);
}

/* ---- switching ---------------------------------------------------------- */

static bool vtd_as_pt_enabled(VTDAddressSpace *vtd_as)
{
    IntelIOMMUState *s = vtd_as->iommu_state;
    uint16_t sid = vtd_as_sid(vtd_as);
    VTDContextEntry ce;

    /* an unreadable or invalid context is not pass-through */
    if (vtd_dev_to_context_entry(s, VTD_SID_BUS(sid), VTD_SID_DEVFN(sid),
                                 &ce)) {
        return false;
    }
    return vtd_dev_pt_enabled(s, &ce, vtd_as->pasid);
}

bool vtd_switch_address_space(VTDAddressSpace *vtd_as)
{
    IntelIOMMUState *s = vtd_as->iommu_state;
    bool pt = s->dmar_enabled && vtd_as_pt_enabled(vtd_as);
    bool use_iommu = s->dmar_enabled && !pt;
    bool with_pasid = vtd_as->pasid != VTD_NO_PASID;

    memory_region_transaction_begin();
    /* off first, then on */
    if (use_iommu) {
        memory_region_set_enabled(&vtd_as->nodmar, false);
        memory_region_set_enabled(MEMORY_REGION(&vtd_as->iommu), true);
        /* 3.14: requests with PASID to 0xFEEx_xxxx are translated */
        memory_region_set_enabled(&vtd_as->iommu_ir, !with_pasid);
    } else {
        memory_region_set_enabled(MEMORY_REGION(&vtd_as->iommu), false);
        memory_region_set_enabled(&vtd_as->nodmar, true);
    }
    /* 3.14: with PASID in pass-through the interrupt range is blocked */
    memory_region_set_enabled(&vtd_as->iommu_ir_fault, pt && with_pasid);
    memory_region_transaction_commit();
    vtd_as->use_iommu = use_iommu;
    return use_iommu;
}

static void vtd_switch_one(VTDAddressSpace *vtd_as, void *opaque)
{
    vtd_switch_address_space(vtd_as);
}

void vtd_switch_address_spaces(IntelIOMMUState *s)
{
    memory_region_transaction_begin();
    vtd_as_foreach(s, vtd_switch_one, NULL);
    memory_region_transaction_commit();
}
