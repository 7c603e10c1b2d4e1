/*
 * pci-driver.h - the registry of PCI device models by driver name, their
 * properties, QEMU-style "-device" strings, and device creation.
 *
 *   PCIDevice *d = pci_device_add(root_bus, "edu,addr=04.0,dma_mask=0xfffffff",
 *                                 &err);
 *
 * A "-device" string is a driver name followed by comma-separated
 * key=value pairs, parsed as QEMU's QemuOpts parse it: ",," is a comma
 * inside a value, a key without "=" means key=on ("nokey": key=off), an
 * empty element is skipped, "driver=NAME" may replace the leading name,
 * the last of repeated keys wins. Properties every PCI device has:
 *   addr=SLOT[.FN]   hex, QEMU's syntax (slot <= 0x1f, fn <= 7); the first
 *                    free slot when absent
 *   multifunction=on|off
 *   id=NAME          letters, digits, '-', '.', '_', starting with a letter;
 *                    unique in the hierarchy; a bridge's id names its bus
 *   bus=NAME         the bus (root "pcie.0", a bridge's id) to plug into
 * and the model's own (PCIDeviceClass.props). Errors carry QEMU's message
 * texts without the "-device SPEC: " prefix that QEMU's front end adds:
 *   'foo' is not a valid device model name
 *   Parameter 'driver' is missing
 *   Property 'edu.bogus' not found
 *   Property 'edu.addr' doesn't take value '1.9'
 *   Parameter 'dma_mask' expects integer | uint8_t | size | 'on' or 'off'
 *   Parameter 'id' expects an identifier
 *   Duplicate ID 'a' for device
 *   Bus 'nope' not found
 *   PCI: slot 4 function 0 not available for edu, in use by edu,id=(null)
 *   PCI: single function device can't be populated in function 4.1
 *   Parameter 'driver' expects a pluggable device type    (no_user models)
 *
 * Built-in models (registered on first use): "pci-bridge", "mch",
 * "pci-testdev-sim" (a configurable test device), and those listed in
 * dma/meson.build (pci_builtin_drivers). Others register at run time with
 * pci_driver_register().
 */
#ifndef IOMMUSIM_DMA_PCI_DRIVER_H
#define IOMMUSIM_DMA_PCI_DRIVER_H

#include "dma/pci.h"
#include <stddef.h>

typedef enum PCIPropertyType {
    PCI_PROP_BOOL,     /* bool: on/off, yes/no, true/false, y/n */
    PCI_PROP_UINT8,    /* integers: decimal, 0x hex, 0 octal */
    PCI_PROP_UINT16,
    PCI_PROP_UINT32,
    PCI_PROP_UINT64,   /* also accepts -N, as QEMU (two's complement) */
    PCI_PROP_SIZE,     /* uint64_t with an optional K/M/G/T/P/E suffix */
    PCI_PROP_STRING,   /* char *, owned by the device */
} PCIPropertyType;

/* A model property stored at @offset in the instance structure. */
struct PCIProperty {
    const char *name;
    PCIPropertyType type;
    size_t offset;
    uint64_t defval;          /* default for numbers and bools */
    const char *defstr;       /* default for strings (may be NULL) */
    const char *desc;
};

#define PCI_PROP_DEFINE(_name, _type, _state, _field, _def, _desc)         \
    { .name = (_name), .type = (_type), .offset = offsetof(_state, _field),\
      .defval = (_def), .desc = (_desc) }
#define PCI_PROP_STR(_name, _state, _field, _def, _desc)                   \
    { .name = (_name), .type = PCI_PROP_STRING,                            \
      .offset = offsetof(_state, _field), .defstr = (_def), .desc = (_desc) }
#define PCI_PROP_END { .name = NULL }

/* ---- the registry ------------------------------------------------------ */

/* Register a model; fails if its name is taken or the class is unusable
 * (no name, instance_size too small). @k must stay valid forever. */
bool pci_driver_register(const PCIDeviceClass *k, GError **errp);
/* The model named @name, or NULL */
const PCIDeviceClass *pci_driver_find(const char *name);
/* Names of all models, sorted (free with g_ptr_array_unref) */
GPtrArray *pci_driver_names(void);

/* ---- "-device" strings ------------------------------------------------- */

typedef struct PCIDeviceOpts {
    char *driver;
    GPtrArray *keys;      /* char *, in order of appearance */
    GPtrArray *values;    /* char * */
} PCIDeviceOpts;

/* Split a "-device" string; fails for a missing driver. */
PCIDeviceOpts *pci_device_opts_parse(const char *spec, GError **errp);
/* Parse "key=value,..." (no driver) into @opts, appending. */
bool pci_device_opts_parse_props(PCIDeviceOpts *opts, const char *props,
                                 GError **errp);
/* The last value given for @key, or NULL */
const char *pci_device_opts_get(const PCIDeviceOpts *opts, const char *key);
void pci_device_opts_free(PCIDeviceOpts *opts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PCIDeviceOpts, pci_device_opts_free)

/* QEMU's addr syntax "SLOT[.FN]" (hex) into a devfn; false if malformed */
bool pci_parse_devfn(const char *str, int *devfn);

/* ---- creation ------------------------------------------------------------ */

/*
 * pci_device_create_opts: create the device @opts describe. It goes on the
 * bus its "bus" property names (searched in the hierarchy of @bus), else
 * on @bus. @user: a user's -device (models marked no_user are refused).
 */
PCIDevice *pci_device_create_opts(PCIBus *bus, const PCIDeviceOpts *opts,
                                  bool user, GError **errp);
/* Create driver @driver with "key=value,..." properties @props (may be
 * NULL) on @bus; no_user models are allowed (machines use this). */
PCIDevice *pci_device_create(PCIBus *bus, const char *driver,
                             const char *props, GError **errp);
/* A user's -device string, on the bus it names or on @bus. */
PCIDevice *pci_device_add(PCIBus *bus, const char *spec, GError **errp);

#endif
