/*
 * pci-driver.c - driver registry, property parsing, "-device" strings and
 * device creation (pci-driver.h). String syntax and messages follow
 * QEMU 7.2 (util/qemu-option.c, softmmu/qdev-monitor.c,
 * hw/core/qdev-properties*.c), checked against qemu-system-x86_64 7.2.
 */
#include "dma/pci-driver.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCI_BUILTIN_DRIVER(sym) extern const PCIDeviceClass sym;
#include "dma/pci-builtin-drivers.h"
#undef PCI_BUILTIN_DRIVER

static const PCIDeviceClass *const pci_builtin_drivers[] = {
#define PCI_BUILTIN_DRIVER(sym) &sym,
#include "dma/pci-builtin-drivers.h"
#undef PCI_BUILTIN_DRIVER
    NULL,
};

static GHashTable *pci_drivers; /* name -> const PCIDeviceClass * */

static bool pci_driver_insert(const PCIDeviceClass *k, GError **errp)
{
    if (!k || !k->name || !*k->name || k->instance_size < sizeof(PCIDevice)) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                    "PCI driver '%s': class needs a name and an "
                    "instance_size of at least sizeof(PCIDevice)",
                    k && k->name ? k->name : "(null)");
        return false;
    }
    if (g_hash_table_contains(pci_drivers, k->name)) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_BUSY,
                    "PCI driver '%s' is already registered", k->name);
        return false;
    }
    g_hash_table_insert(pci_drivers, (gpointer)k->name, (gpointer)k);
    return true;
}

static void pci_drivers_init(void)
{
    if (pci_drivers) {
        return;
    }
    pci_drivers = g_hash_table_new(g_str_hash, g_str_equal);
    for (size_t i = 0; pci_builtin_drivers[i]; i++) {
        g_autoptr(GError) err = NULL;
        if (!pci_driver_insert(pci_builtin_drivers[i], &err)) {
            g_warning("%s", err->message);
        }
    }
}

bool pci_driver_register(const PCIDeviceClass *k, GError **errp)
{
    pci_drivers_init();
    return pci_driver_insert(k, errp);
}

const PCIDeviceClass *pci_driver_find(const char *name)
{
    pci_drivers_init();
    return name ? g_hash_table_lookup(pci_drivers, name) : NULL;
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

GPtrArray *pci_driver_names(void)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    GHashTableIter it;
    gpointer key;

    pci_drivers_init();
    g_hash_table_iter_init(&it, pci_drivers);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        g_ptr_array_add(names, g_strdup(key));
    }
    g_ptr_array_sort(names, cmp_str);
    return names;
}

/* ---- "-device" strings (QemuOpts syntax) ------------------------------------ */

void pci_device_opts_free(PCIDeviceOpts *opts)
{
    if (!opts) {
        return;
    }
    g_free(opts->driver);
    g_ptr_array_unref(opts->keys);
    g_ptr_array_unref(opts->values);
    g_free(opts);
}

static PCIDeviceOpts *opts_new(void)
{
    PCIDeviceOpts *opts = g_new0(PCIDeviceOpts, 1);

    opts->keys = g_ptr_array_new_with_free_func(g_free);
    opts->values = g_ptr_array_new_with_free_func(g_free);
    return opts;
}

/* A value up to the next single comma; ",," stands for ','. */
static const char *get_opt_value(const char *p, char **value)
{
    GString *s = g_string_new(NULL);

    while (*p) {
        if (*p == ',') {
            if (p[1] != ',') {
                break;
            }
            p++;
        }
        g_string_append_c(s, *p++);
    }
    *value = g_string_free(s, FALSE);
    return p;
}

static void opts_put(PCIDeviceOpts *opts, char *key, char *value)
{
    if (strcmp(key, "driver") == 0) {
        g_free(opts->driver);
        opts->driver = value;
        g_free(key);
        return;
    }
    g_ptr_array_add(opts->keys, key);
    g_ptr_array_add(opts->values, value);
}

/* QEMU's opts_do_parse with the implied first option "driver" when
 * @implied_driver */
static void opts_parse(PCIDeviceOpts *opts, const char *p, bool implied_driver)
{
    bool first = implied_driver;

    while (*p) {
        size_t len = strcspn(p, "=,");
        char *key, *value;

        if (p[len] != '=') {
            if (first) {
                key = g_strdup("driver");
                p = get_opt_value(p, &value);
            } else {
                /* a flag: "key" is key=on, "nokey" key=off */
                key = g_strndup(p, len);
                p += len;
                if (g_str_has_prefix(key, "no")) {
                    char *rest = g_strdup(key + 2);
                    g_free(key);
                    key = rest;
                    value = g_strdup("off");
                } else {
                    value = g_strdup("on");
                }
            }
        } else {
            key = g_strndup(p, len);
            p = get_opt_value(p + len + 1, &value);
        }
        first = false;
        opts_put(opts, key, value);
        if (*p == ',') {
            p++;
        }
    }
}

PCIDeviceOpts *pci_device_opts_parse(const char *spec, GError **errp)
{
    g_autoptr(PCIDeviceOpts) opts = opts_new();

    opts_parse(opts, spec ? spec : "", true);
    if (!opts->driver) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                    "Parameter 'driver' is missing");
        return NULL;
    }
    return g_steal_pointer(&opts);
}

bool pci_device_opts_parse_props(PCIDeviceOpts *opts, const char *props,
                                 GError **errp)
{
    if (props) {
        opts_parse(opts, props, false);
    }
    return true;
}

const char *pci_device_opts_get(const PCIDeviceOpts *opts, const char *key)
{
    for (guint i = opts->keys->len; i-- > 0;) {
        if (strcmp(g_ptr_array_index(opts->keys, i), key) == 0) {
            return g_ptr_array_index(opts->values, i);
        }
    }
    return NULL;
}

/* ---- values ------------------------------------------------------------------- */

bool pci_parse_devfn(const char *str, int *devfn)
{
    unsigned slot, fn;
    int n = 0;

    /* sscanf as QEMU's set_pci_devfn: hex, optional ".fn" */
    if (sscanf(str, "%x.%x%n", &slot, &fn, &n) != 2) {
        fn = 0;
        n = 0;
        if (sscanf(str, "%x%n", &slot, &n) != 1) {
            return false;
        }
    }
    if (str[n] != '\0' || fn > 7 || slot > 31) {
        return false;
    }
    *devfn = (int)(slot << 3 | fn);
    return true;
}

static bool parse_u64(const char *s, uint64_t *v)
{
    char *end;

    if (!*s) {
        return false;
    }
    errno = 0;
    *v = strtoull(s, &end, 0);
    return errno == 0 && *end == '\0' && end != s;
}

static bool parse_size(const char *s, uint64_t *v)
{
    static const char suffixes[] = "BKMGTPE";
    char *end;
    uint64_t n;
    const char *sfx;

    if (!*s || *s == '-') {
        return false;
    }
    errno = 0;
    n = strtoull(s, &end, 0);
    if (errno || end == s) {
        return false;
    }
    if (*end) {
        if (end[1] || !(sfx = strchr(suffixes, toupper((unsigned char)*end)))) {
            return false;
        }
        for (long i = sfx - suffixes; i > 0; i--) {
            if (n > UINT64_MAX / 1024) {
                return false;
            }
            n *= 1024;
        }
    }
    *v = n;
    return true;
}

static bool parse_bool(const char *s, bool *v)
{
    if (!strcmp(s, "on") || !strcmp(s, "yes") || !strcmp(s, "true") ||
        !strcmp(s, "y")) {
        *v = true;
        return true;
    }
    if (!strcmp(s, "off") || !strcmp(s, "no") || !strcmp(s, "false") ||
        !strcmp(s, "n")) {
        *v = false;
        return true;
    }
    return false;
}

static bool id_wellformed(const char *id)
{
    if (!g_ascii_isalpha(id[0])) {
        return false;
    }
    for (int i = 1; id[i]; i++) {
        if (!g_ascii_isalnum(id[i]) && !strchr("-._", id[i])) {
            return false;
        }
    }
    return true;
}

static bool prop_set(PCIDevice *d, const PCIProperty *p, const char *value,
                     GError **errp)
{
    void *field = (uint8_t *)d + p->offset;
    uint64_t v;
    bool b;

    switch (p->type) {
    case PCI_PROP_BOOL:
        if (!parse_bool(value, &b)) {
            g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                        "Parameter '%s' expects 'on' or 'off'", p->name);
            return false;
        }
        *(bool *)field = b;
        return true;
    case PCI_PROP_STRING:
        g_free(*(char **)field);
        *(char **)field = g_strdup(value);
        return true;
    case PCI_PROP_SIZE:
        if (!parse_size(value, &v)) {
            g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                        "Parameter '%s' expects size", p->name);
            return false;
        }
        *(uint64_t *)field = v;
        return true;
    default:
        break;
    }
    if (!parse_u64(value, &v)) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                    "Parameter '%s' expects integer", p->name);
        return false;
    }
    switch (p->type) {
    case PCI_PROP_UINT8:
        if (v > UINT8_MAX) {
            g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                        "Parameter '%s' expects uint8_t", p->name);
            return false;
        }
        *(uint8_t *)field = (uint8_t)v;
        return true;
    case PCI_PROP_UINT16:
        if (v > UINT16_MAX) {
            g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                        "Parameter '%s' expects uint16_t", p->name);
            return false;
        }
        *(uint16_t *)field = (uint16_t)v;
        return true;
    case PCI_PROP_UINT32:
        if (v > UINT32_MAX) {
            g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                        "Parameter '%s' expects uint32_t", p->name);
            return false;
        }
        *(uint32_t *)field = (uint32_t)v;
        return true;
    default:
        *(uint64_t *)field = v;
        return true;
    }
}

static void prop_set_default(PCIDevice *d, const PCIProperty *p)
{
    void *field = (uint8_t *)d + p->offset;

    switch (p->type) {
    case PCI_PROP_BOOL:
        *(bool *)field = p->defval != 0;
        break;
    case PCI_PROP_UINT8:
        *(uint8_t *)field = (uint8_t)p->defval;
        break;
    case PCI_PROP_UINT16:
        *(uint16_t *)field = (uint16_t)p->defval;
        break;
    case PCI_PROP_UINT32:
        *(uint32_t *)field = (uint32_t)p->defval;
        break;
    case PCI_PROP_UINT64:
    case PCI_PROP_SIZE:
        *(uint64_t *)field = p->defval;
        break;
    case PCI_PROP_STRING:
        *(char **)field = g_strdup(p->defstr);
        break;
    }
}

static const PCIProperty *prop_find(const PCIDeviceClass *k, const char *name)
{
    for (const PCIProperty *p = k->props; p && p->name; p++) {
        if (strcmp(p->name, name) == 0) {
            return p;
        }
    }
    return NULL;
}

/* ---- creation ------------------------------------------------------------------ */

PCIDevice *pci_device_create_opts(PCIBus *bus, const PCIDeviceOpts *opts,
                                  bool user, GError **errp)
{
    const PCIDeviceClass *k;
    const char *id = pci_device_opts_get(opts, "id");
    const char *bus_name = pci_device_opts_get(opts, "bus");
    g_autoptr(GHashTable) done = NULL;
    PCIDevice *d;
    int devfn = -1;
    bool multifunction = false;

    if (!bus) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                    "no PCI bus to plug '%s' into",
                    opts->driver ? opts->driver : "");
        return NULL;
    }
    /* QemuOpts checks the id before anything else */
    if (id && !id_wellformed(id)) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                    "Parameter 'id' expects an identifier");
        return NULL;
    }
    k = pci_driver_find(opts->driver);
    if (!k) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_NOT_FOUND,
                    "'%s' is not a valid device model name",
                    opts->driver ? opts->driver : "");
        return NULL;
    }
    if (user && k->no_user) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                    "Parameter 'driver' expects a pluggable device type");
        return NULL;
    }
    if (bus_name) {
        PCIBus *b = pci_bus_find_by_name(bus, bus_name);
        if (!b) {
            g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_NOT_FOUND,
                        "Bus '%s' not found", bus_name);
            return NULL;
        }
        bus = b;
    }
    if (id && pci_bus_find_device_by_id(bus, id)) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_BUSY,
                    "Duplicate ID '%s' for device", id);
        return NULL;
    }

    d = g_malloc0(k->instance_size);
    d->klass = k;
    d->name = g_strdup(k->name);
    d->id = g_strdup(id);
    for (const PCIProperty *p = k->props; p && p->name; p++) {
        prop_set_default(d, p);
    }

    /* each key once, with its last value, in order of first appearance */
    done = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < opts->keys->len; i++) {
        const char *key = g_ptr_array_index(opts->keys, i);
        const char *value;
        const PCIProperty *p;

        if (!g_hash_table_add(done, (gpointer)key)) {
            continue;
        }
        value = pci_device_opts_get(opts, key);
        if (!strcmp(key, "id") || !strcmp(key, "bus")) {
            continue;
        }
        if (!strcmp(key, "addr")) {
            if (!pci_parse_devfn(value, &devfn)) {
                g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                            "Property '%s.addr' doesn't take value '%s'",
                            k->name, value);
                goto fail;
            }
            continue;
        }
        if (!strcmp(key, "multifunction")) {
            if (!parse_bool(value, &multifunction)) {
                g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_INVALID,
                            "Parameter 'multifunction' expects 'on' or "
                            "'off'");
                goto fail;
            }
            continue;
        }
        p = prop_find(k, key);
        if (!p) {
            g_set_error(errp, IOMMUSIM_PCI_ERROR, PCI_ERROR_NOT_FOUND,
                        "Property '%s.%s' not found", k->name, key);
            goto fail;
        }
        if (!prop_set(d, p, value, errp)) {
            goto fail;
        }
    }
    if (!pci_device_realize(d, bus, devfn, multifunction, errp)) {
        goto fail;
    }
    return d;

fail:
    pci_device_free(d);
    return NULL;
}

PCIDevice *pci_device_create(PCIBus *bus, const char *driver,
                             const char *props, GError **errp)
{
    g_autoptr(PCIDeviceOpts) opts = opts_new();

    opts->driver = g_strdup(driver ? driver : "");
    pci_device_opts_parse_props(opts, props, NULL);
    return pci_device_create_opts(bus, opts, false, errp);
}

PCIDevice *pci_device_add(PCIBus *bus, const char *spec, GError **errp)
{
    g_autoptr(PCIDeviceOpts) opts = pci_device_opts_parse(spec, errp);

    if (!opts) {
        return NULL;
    }
    return pci_device_create_opts(bus, opts, true, errp);
}
