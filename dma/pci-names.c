/*
 * pci-names.c - libpci slot parsing and ID names (pci-names.h).
 *
 * libpci reports a pci.ids it cannot parse through pci_access.error, which
 * must not return: the handler here jumps back to the lookup, which then
 * falls back to numbers until pci_names_set_ids_file() is called again.
 */
#include "dma/pci-names.h"
#include <pci/pci.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define IOMMUSIM_PCI_ERROR (iommusim_pci_error_quark())
GQuark iommusim_pci_error_quark(void);

static struct pci_access *names_access;
static bool names_broken;          /* libpci raised an error: numbers only */
static char *names_path;           /* NULL: libpci's default */
static jmp_buf *names_guard;

static void names_error(char *msg, ...) PCI_NONRET;

static void names_error(char *msg, ...)
{
    va_list ap;
    char text[512];   /* no heap: we leave by longjmp */

    va_start(ap, msg);
    vsnprintf(text, sizeof(text), msg, ap);
    va_end(ap);
    g_strchomp(text);
    g_warning("libpci: %s; PCI names fall back to numbers", text);
    names_broken = true;
    if (names_guard) {
        longjmp(*names_guard, 1);
    }
    /* not reached: every libpci call here runs under a guard */
    abort();
}

static void names_warning(char *msg, ...)
{
    (void)msg;   /* libpci's warnings (e.g. cache files) are not ours */
}

static void names_debug(char *msg, ...)
{
    (void)msg;
}

static struct pci_access *names_get(void)
{
    if (names_broken) {
        return NULL;
    }
    if (!names_access) {
        names_access = pci_alloc();
        names_access->error = names_error;
        names_access->warning = names_warning;
        names_access->debug = names_debug;
        names_access->id_lookup_mode = PCI_LOOKUP_NO_HWDB;
        if (names_path) {
            pci_set_name_list_path(names_access, g_strdup(names_path), 1);
        }
    }
    return names_access;
}

void pci_names_set_ids_file(const char *path)
{
    if (names_access) {
        pci_cleanup(names_access);
    }
    names_access = NULL;
    names_broken = false;
    g_free(names_path);
    names_path = g_strdup(path);
}

/* pci_lookup_name under the guard; NULL if it failed or found nothing */
static char *lookup(int flags, int a1, int a2)
{
    struct pci_access *a = names_get();
    jmp_buf guard;
    char buf[512];
    char *res;

    if (!a) {
        return NULL;
    }
    if (setjmp(guard)) {
        /* libpci raises its error after closing the file (names-parse.c),
         * so the half-loaded list can be freed */
        names_guard = NULL;
        pci_cleanup(names_access);
        names_access = NULL;
        return NULL;
    }
    names_guard = &guard;
    res = pci_lookup_name(a, buf, sizeof(buf), flags | PCI_LOOKUP_NO_HWDB,
                          a1, a2);
    names_guard = NULL;
    return res ? g_strdup(res) : NULL;
}

bool pci_names_have_database(void)
{
    /* a lookup loads the list (or finds it missing or broken) */
    g_free(lookup(PCI_LOOKUP_VENDOR | PCI_LOOKUP_NO_NUMBERS, 0x8086, 0));
    return !names_broken && names_access && !names_access->id_load_failed &&
           names_access->id_hash;
}

char *pci_names_class(uint16_t class_id)
{
    char *s = lookup(PCI_LOOKUP_CLASS | PCI_LOOKUP_MIXED, class_id, 0);

    return s ? s : g_strdup_printf("Class [%04x]", class_id);
}

char *pci_names_device(uint16_t vendor_id, uint16_t device_id)
{
    char *s = lookup(PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE | PCI_LOOKUP_MIXED,
                     vendor_id, device_id);

    return s ? s : g_strdup_printf("Device [%04x:%04x]", vendor_id, device_id);
}

char *pci_names_vendor(uint16_t vendor_id)
{
    char *s = lookup(PCI_LOOKUP_VENDOR | PCI_LOOKUP_MIXED, vendor_id, 0);

    return s ? s : g_strdup_printf("Vendor [%04x]", vendor_id);
}

char *pci_names_lookup_device(uint16_t vendor_id, uint16_t device_id)
{
    return lookup(PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE |
                  PCI_LOOKUP_NO_NUMBERS, vendor_id, device_id);
}

/* ---- slots ---------------------------------------------------------------- */

bool pci_parse_slot(const char *str, PCISlotSpec *spec, GError **errp)
{
    struct pci_filter f;
    g_autofree char *copy = g_strdup(str ? str : "");
    char *err;

    /* pci_filter_init and pci_filter_parse_slot only fill the filter and
     * never call the access object's handlers */
    pci_filter_init(NULL, &f);
    err = pci_filter_parse_slot(&f, copy);
    if (err) {
        g_set_error(errp, IOMMUSIM_PCI_ERROR, 0, "invalid PCI slot '%s': %s",
                    str ? str : "", err);
        return false;
    }
    spec->domain = f.domain;
    spec->bus = f.bus;
    spec->slot = f.slot;
    spec->func = f.func;
    return true;
}

bool pci_slot_spec_matches(const PCISlotSpec *spec, int domain, int bus,
                           int devfn)
{
    return (spec->domain < 0 || spec->domain == domain) &&
           (spec->bus < 0 || spec->bus == bus) &&
           (spec->slot < 0 || spec->slot == ((devfn >> 3) & 0x1f)) &&
           (spec->func < 0 || spec->func == (devfn & 7));
}
