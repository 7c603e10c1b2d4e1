/*
 * vtd.c - the intel-iommu device: properties, creation, reset, register
 * window, accessors and statistics.
 *
 * Properties, defaults, parsing and refusals as QEMU 7.2
 * (hw/i386/intel_iommu.c vtd_properties, vtd_decide_config, vtd_realize;
 * hw/i386/x86-iommu.c), messages as qemu-system-x86_64 7.2 prints them
 * (tests/unit/test-vtd-regs.c quotes them). "intremap=auto" resolves to on
 * and "eim=auto" to off, as QEMU without an in-kernel irqchip (TCG) does;
 * "eim=on" is refused unless x-buggy-eim=on, since it needs KVM.
 */
#include "iommu/vtd/vtd-internal.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK(iommusim-vtd-error-quark, iommusim_vtd_error)

/* ---- properties ------------------------------------------------------- */

void vtd_properties_init(VTDProperties *p)
{
    *p = (VTDProperties) {
        .aw_bits = 39,
        .caching_mode = false,
        .device_iotlb = false,
        .pt = true,
        .snoop_control = false,
        .scalable_mode = false,
        .pasid = false,
        .dma_drain = true,
        .dma_translation = true,
        .intremap = VTD_AUTO,
        .eim = VTD_AUTO,
        .buggy_eim = false,
        .version = 0,
    };
}

typedef enum { PROP_BOOL, PROP_U8, PROP_U32, PROP_ONOFFAUTO } VTDPropType;

static const struct VTDPropDesc {
    const char *name;
    VTDPropType type;
    size_t offset;
} vtd_prop_descs[] = {
    { "aw-bits", PROP_U8, offsetof(VTDProperties, aw_bits) },
    { "caching-mode", PROP_BOOL, offsetof(VTDProperties, caching_mode) },
    { "device-iotlb", PROP_BOOL, offsetof(VTDProperties, device_iotlb) },
    { "pt", PROP_BOOL, offsetof(VTDProperties, pt) },
    { "snoop-control", PROP_BOOL, offsetof(VTDProperties, snoop_control) },
    { "x-scalable-mode", PROP_BOOL, offsetof(VTDProperties, scalable_mode) },
    { "x-pasid-mode", PROP_BOOL, offsetof(VTDProperties, pasid) },
    { "dma-drain", PROP_BOOL, offsetof(VTDProperties, dma_drain) },
    { "dma-translation", PROP_BOOL,
      offsetof(VTDProperties, dma_translation) },
    { "intremap", PROP_ONOFFAUTO, offsetof(VTDProperties, intremap) },
    { "eim", PROP_ONOFFAUTO, offsetof(VTDProperties, eim) },
    { "x-buggy-eim", PROP_BOOL, offsetof(VTDProperties, buggy_eim) },
    { "version", PROP_U32, offsetof(VTDProperties, version) },
};

/* QEMU's integer parsing: base prefixes (0x, 0), the whole string */
static bool parse_uint(const char *value, uint64_t *out)
{
    char *end;

    if (!*value || g_ascii_isspace(*value)) {
        return false;
    }
    errno = 0;
    *out = g_ascii_strtoull(value, &end, 0);
    if (*value == '-') {
        *out = UINT64_MAX; /* out of range for every unsigned property */
    }
    return errno == 0 && *end == '\0';
}

bool vtd_properties_set(VTDProperties *p, const char *name,
                        const char *value, GError **errp)
{
    const struct VTDPropDesc *d = NULL;
    uint8_t *field;
    uint64_t n;

    for (size_t i = 0; i < G_N_ELEMENTS(vtd_prop_descs); i++) {
        if (!strcmp(vtd_prop_descs[i].name, name)) {
            d = &vtd_prop_descs[i];
            break;
        }
    }
    if (!d) {
        g_set_error(errp, IOMMUSIM_VTD_ERROR, VTD_ERROR_PROPERTY,
                    "Property '%s.%s' not found", TYPE_INTEL_IOMMU_DEVICE,
                    name);
        return false;
    }
    field = (uint8_t *)p + d->offset;

    switch (d->type) {
    case PROP_BOOL:
        if (!strcmp(value, "on") || !strcmp(value, "yes") ||
            !strcmp(value, "true") || !strcmp(value, "y")) {
            *(bool *)field = true;
        } else if (!strcmp(value, "off") || !strcmp(value, "no") ||
                   !strcmp(value, "false") || !strcmp(value, "n")) {
            *(bool *)field = false;
        } else {
            g_set_error(errp, IOMMUSIM_VTD_ERROR, VTD_ERROR_PROPERTY,
                        "Parameter '%s' expects 'on' or 'off'", name);
            return false;
        }
        return true;
    case PROP_ONOFFAUTO:
        if (!strcmp(value, "on")) {
            *(VTDOnOffAuto *)field = VTD_ON;
        } else if (!strcmp(value, "off")) {
            *(VTDOnOffAuto *)field = VTD_OFF;
        } else if (!strcmp(value, "auto")) {
            *(VTDOnOffAuto *)field = VTD_AUTO;
        } else {
            g_set_error(errp, IOMMUSIM_VTD_ERROR, VTD_ERROR_PROPERTY,
                        "Parameter '%s' does not accept value '%s'", name,
                        value);
            return false;
        }
        return true;
    case PROP_U8:
    case PROP_U32:
        if (!parse_uint(value, &n)) {
            g_set_error(errp, IOMMUSIM_VTD_ERROR, VTD_ERROR_PROPERTY,
                        "Parameter '%s' expects integer", name);
            return false;
        }
        if (n > (d->type == PROP_U8 ? UINT8_MAX : UINT32_MAX)) {
            g_set_error(errp, IOMMUSIM_VTD_ERROR, VTD_ERROR_PROPERTY,
                        "Parameter '%s' expects %s", name,
                        d->type == PROP_U8 ? "uint8_t" : "uint32_t");
            return false;
        }
        if (d->type == PROP_U8) {
            *(unsigned *)field = (unsigned)n;
        } else {
            *(uint32_t *)field = (uint32_t)n;
        }
        return true;
    }
    return false;
}

bool vtd_properties_parse(VTDProperties *p, const char *opts, GError **errp)
{
    g_auto(GStrv) parts = NULL;

    if (!opts || !*opts) {
        return true;
    }
    parts = g_strsplit(opts, ",", -1);
    for (guint i = 0; parts[i]; i++) {
        char *item = parts[i];
        char *eq = strchr(item, '=');

        if (i == 0 && !eq && !strcmp(item, TYPE_INTEL_IOMMU_DEVICE)) {
            continue; /* the driver name of a -device string */
        }
        if (!*item) {
            continue;
        }
        if (!eq) {
            /* short form of a boolean: "caching-mode" means on */
            if (!vtd_properties_set(p, item, "on", errp)) {
                return false;
            }
            continue;
        }
        *eq = '\0';
        if (!strcmp(item, "id")) {
            continue; /* qdev's id: nothing to do here */
        }
        if (!vtd_properties_set(p, item, eq + 1, errp)) {
            return false;
        }
    }
    return true;
}

bool vtd_properties_check(const VTDProperties *p, GError **errp)
{
    bool intremap = p->intremap != VTD_OFF; /* auto: on (TCG) */

    /* vtd_realize, then vtd_decide_config, in QEMU's order */
    if (p->pasid && p->device_iotlb) {
        g_set_error(errp, IOMMUSIM_VTD_ERROR, VTD_ERROR_CONFIG,
                    "PASID based device IOTLB is not supported");
        return false;
    }
    if (p->eim == VTD_ON && !intremap) {
        g_set_error(errp, IOMMUSIM_VTD_ERROR, VTD_ERROR_CONFIG,
                    "eim=on cannot be selected without intremap=on");
        return false;
    }
    if (p->eim == VTD_ON && !p->buggy_eim) {
        g_set_error(errp, IOMMUSIM_VTD_ERROR, VTD_ERROR_CONFIG,
                    "eim=on requires accel=kvm,kernel-irqchip=split");
        return false;
    }
    if (p->aw_bits != 39 && p->aw_bits != 48) {
        g_set_error(errp, IOMMUSIM_VTD_ERROR, VTD_ERROR_CONFIG,
                    "Supported values for aw-bits are: %d, %d", 39, 48);
        return false;
    }
    if (p->scalable_mode && !p->dma_drain) {
        g_set_error(errp, IOMMUSIM_VTD_ERROR, VTD_ERROR_CONFIG,
                    "Need to set dma_drain for scalable mode");
        return false;
    }
    if (p->pasid && !p->scalable_mode) {
        g_set_error(errp, IOMMUSIM_VTD_ERROR, VTD_ERROR_CONFIG,
                    "Need to set scalable mode for PASID");
        return false;
    }
    return true;
}

/* ---- the device ------------------------------------------------------- */

IntelIOMMUState *vtd_new(const VTDProperties *p, MemoryRegion *system_memory,
                         AddressSpace *system_as, GError **errp)
{
    IntelIOMMUState *s;

    if (!vtd_properties_check(p, errp)) {
        return NULL;
    }
    if (!system_memory || !system_as) {
        g_set_error(errp, IOMMUSIM_VTD_ERROR, VTD_ERROR_CONFIG,
                    "intel-iommu needs the system memory and address space");
        return NULL;
    }

    s = g_new0(IntelIOMMUState, 1);
    s->props = *p;
    s->aw_bits = (uint8_t)p->aw_bits;
    s->caching_mode = p->caching_mode;
    s->scalable_mode = p->scalable_mode;
    s->snoop_control = p->snoop_control;
    s->pasid = p->pasid;
    s->dma_drain = p->dma_drain;
    s->dma_translation = p->dma_translation;
    s->dt_supported = p->device_iotlb;
    s->pt_supported = p->pt;
    s->intr_supported = p->intremap != VTD_OFF;
    s->intr_eim = s->intr_supported && p->eim == VTD_ON;

    memory_region_ref(system_memory);
    s->system_memory = system_memory;
    s->system_as = system_as;
    s->iotlb = vtd_iotlb_new();
    s->context_cache_gen = 1;

    memory_region_init_io(&s->csrmem, &vtd_mem_ops, s, "intel_iommu",
                          VTD_REG_SIZE);
    vtd_address_spaces_init(s, system_memory);
    vtd_regs_init(s);
    return s;
}

void vtd_destroy(IntelIOMMUState *s)
{
    if (!s) {
        return;
    }
    if (s->csrmem_mapped && s->csrmem.container) {
        memory_region_del_subregion(s->csrmem.container, &s->csrmem, NULL);
    }
    s->csrmem_mapped = false;
    vtd_address_spaces_destroy(s);
    g_list_free(s->vtd_as_with_notifiers);
    s->vtd_as_with_notifiers = NULL;
    memory_region_unref(&s->csrmem);
    vtd_iotlb_free(s->iotlb);
    memory_region_unref(s->system_memory);
    g_free(s);
}

void vtd_reset(IntelIOMMUState *s)
{
    vtd_regs_init(s);
    vtd_address_space_refresh_all(s);
}

bool vtd_map_registers(IntelIOMMUState *s, MemoryRegion *parent, hwaddr base,
                       GError **errp)
{
    if (s->csrmem_mapped) {
        g_set_error(errp, IOMMUSIM_VTD_ERROR, VTD_ERROR_CONFIG,
                    "the intel-iommu registers are already mapped");
        return false;
    }
    if (!memory_region_add_subregion(parent, base, &s->csrmem, errp)) {
        return false;
    }
    s->csrmem_mapped = true;
    return true;
}

MemoryRegion *vtd_registers(IntelIOMMUState *s)
{
    return &s->csrmem;
}

void vtd_set_bus_num_fn(IntelIOMMUState *s, uint8_t (*fn)(PCIBus *bus))
{
    s->bus_num = fn;
}

/* ---- accessors -------------------------------------------------------- */

const VTDProperties *vtd_properties(IntelIOMMUState *s)
{
    return &s->props;
}

uint64_t vtd_cap(IntelIOMMUState *s)
{
    return s->cap;
}

uint64_t vtd_ecap(IntelIOMMUState *s)
{
    return s->ecap;
}

unsigned vtd_aw_bits(IntelIOMMUState *s)
{
    return s->aw_bits;
}

bool vtd_caching_mode(IntelIOMMUState *s)
{
    return s->caching_mode;
}

bool vtd_dmar_enabled(IntelIOMMUState *s)
{
    return s->dmar_enabled;
}

bool vtd_qi_enabled(IntelIOMMUState *s)
{
    return s->qi_enabled;
}

uint64_t vtd_reg_read(IntelIOMMUState *s, hwaddr offset, unsigned size)
{
    if ((size != 4 && size != 8) || (offset & (size - 1))) {
        return 0;
    }
    return vtd_mem_read(s, offset, size);
}

void vtd_reg_write(IntelIOMMUState *s, hwaddr offset, uint64_t val,
                   unsigned size)
{
    if ((size != 4 && size != 8) || (offset & (size - 1))) {
        return;
    }
    vtd_mem_write(s, offset, val, size);
}

/* ---- statistics ------------------------------------------------------- */

#define STAT(field) { #field, offsetof(VTDStats, field) }
static const struct {
    const char *name;
    size_t offset;
} vtd_stat_descs[] = {
    STAT(iotlb_hits), STAT(iotlb_misses), STAT(iotlb_flushes_full),
    STAT(ctx_hits), STAT(ctx_misses), STAT(walks),
    STAT(faults), STAT(faults_recorded), STAT(faults_collapsed),
    STAT(faults_overflow), STAT(faults_fpd),
    STAT(fault_events), STAT(inv_events),
    STAT(inv_cc_global), STAT(inv_cc_domain), STAT(inv_cc_device),
    STAT(inv_iotlb_global), STAT(inv_iotlb_domain), STAT(inv_iotlb_page),
    STAT(inv_piotlb), STAT(inv_pc), STAT(inv_dev_iotlb), STAT(inv_iec),
    STAT(inv_wait), STAT(inv_queue_errors), STAT(inv_descs),
};
#undef STAT

unsigned vtd_stats(IntelIOMMUState *s, VTDStatItem *items, unsigned max)
{
    unsigned n = G_N_ELEMENTS(vtd_stat_descs);

    for (unsigned i = 0; i < n && i < max; i++) {
        items[i].name = vtd_stat_descs[i].name;
        items[i].value = *(const uint64_t *)((const uint8_t *)&s->stats +
                                             vtd_stat_descs[i].offset);
    }
    return n;
}

void vtd_stats_reset(IntelIOMMUState *s)
{
    memset(&s->stats, 0, sizeof(s->stats));
}
