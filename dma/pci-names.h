/*
 * pci-names.h - libpci (pciutils) for slot syntax and ID names.
 *
 * Slots are parsed by libpci's pci_filter_parse_slot(), the syntax of
 * `lspci -s`: "[[[[DOMAIN]:]BUS]:][SLOT][.[FUNC]]", hex numbers, an empty
 * or "*" field matching anything. Names come from the pci.ids database
 * through pci_lookup_name() in lspci -nn's "mixed" style:
 *   class  "Host bridge [0600]", "Unclassified device [00ff]"
 *   device "Intel Corporation 82G33/G31/P35/P31 Express DRAM Controller
 *           [8086:29c0]", "Device [1234:11e8]" (vendor not in pci.ids)
 * Without a usable pci.ids (missing, or one libpci rejects) names fall
 * back to numbers as libpci prints them then: "Class [0600]",
 * "Device [8086:29c0]". The udev hardware database is not consulted, so
 * the text depends only on the pci.ids file.
 *
 * This header does not include libpci's: <pci/pci.h> defines the same
 * PCI_* register names as dma/pci-regs.h.
 */
#ifndef IOMMUSIM_DMA_PCI_NAMES_H
#define IOMMUSIM_DMA_PCI_NAMES_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* A parsed slot; -1 in a field means "any". */
typedef struct PCISlotSpec {
    int domain;
    int bus;
    int slot;
    int func;
} PCISlotSpec;

/* Parse @str; fails with libpci's message ("Invalid slot number", ...)
 * prefixed with the string. */
bool pci_parse_slot(const char *str, PCISlotSpec *spec, GError **errp);
/* Whether a function at domain/bus/devfn matches @spec */
bool pci_slot_spec_matches(const PCISlotSpec *spec, int domain, int bus,
                           int devfn);

/* Use another pci.ids (NULL: libpci's default, /usr/share/misc/pci.ids
 * on Debian). Takes effect at the next lookup. */
void pci_names_set_ids_file(const char *path);
/* Whether names come from a pci.ids file (false: numeric fallback). */
bool pci_names_have_database(void);

/* lspci -nn texts (free with g_free) */
char *pci_names_class(uint16_t class_id);
char *pci_names_device(uint16_t vendor_id, uint16_t device_id);
char *pci_names_vendor(uint16_t vendor_id);
/* Name without numbers, or NULL if the database does not know it */
char *pci_names_lookup_device(uint16_t vendor_id, uint16_t device_id);

#endif
