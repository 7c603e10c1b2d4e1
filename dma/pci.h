/*
 * pci.h - PCI device functions: configuration space, BARs, bus mastering
 * and DMA, capabilities, INTx, reset. QEMU's hw/pci/pci.c rebuilt.
 *
 * A device model is a PCIDeviceClass (vendor/device IDs, class code, its
 * properties and hooks) registered by driver name (pci-driver.h). Its
 * instance structure embeds PCIDevice as the first member, as QEMU's
 * devices embed their parent object; pci_device_create() allocates
 * instance_size bytes, fills the properties and calls realize().
 *
 * Config space: config[] holds the bytes, wmask[] which bits a write may
 * change, w1cmask[] which bits a write of 1 clears (status error bits),
 * cmask[] which bytes are fixed by the model (QEMU checks them on
 * migration; kept for models that mirror QEMU). Reads of read-only bytes
 * return the model's values; writes to them are ignored.
 *
 * BARs: a model registers a MemoryRegion per BAR with pci_register_bar().
 * The BAR's wmask is ~(size - 1), so writing all ones reads back the size
 * mask with the type bits. When the command register enables memory or
 * I/O decoding and the address is valid (pci_bar_address), the region is
 * mapped at priority 1 into the bus's PCI memory or I/O region; overlapping
 * BARs are allowed and the one mapped last wins, as in QEMU.
 *
 * Bus mastering: each device has an AddressSpace named after the driver
 * (QEMU names it after the device's type) whose root is the container
 * "bus master container" holding the alias "bus master" of the root of the
 * AddressSpace the IOMMU hook returns for the device (the system memory
 * without one). The alias is disabled while COMMAND.MASTER is clear, so
 * DMA then fails with MEMTX_DECODE_ERROR.
 *
 * Deviations from QEMU 7.2, each noted where it applies: device DMA carries
 * the requester ID in MemTxAttrs (QEMU's pci_dma_* pass unspecified
 * attributes; only its MSI writes carry it); the bus master alias exists
 * as soon as the device does; there is no power state, hotplug, option
 * ROM file, MSI-X, VGA or SR-IOV.
 */
#ifndef IOMMUSIM_DMA_PCI_H
#define IOMMUSIM_DMA_PCI_H

#include "dma/pci-bus.h"
#include "dma/dma.h"

typedef struct PCIDeviceClass PCIDeviceClass;
typedef struct PCIProperty PCIProperty;

typedef struct MSIMessage {
    uint64_t address;
    uint32_t data;
} MSIMessage;

/* One BAR (QEMU's PCIIORegion) */
typedef struct PCIIORegion {
    pcibus_t addr;             /* where it decodes, or PCI_BAR_UNMAPPED */
    pcibus_t size;             /* 0: not registered */
    uint8_t type;              /* PCI_BASE_ADDRESS_SPACE_IO, MEM_TYPE_64... */
    MemoryRegion *memory;      /* the model's region (a reference is held) */
    MemoryRegion *address_space; /* the bus region it is mapped into */
} PCIIORegion;

/* Told after each config write reached the device (pci-driver users,
 * the Lua binding). */
typedef void (*PCIConfigWriteHook)(PCIDevice *d, uint32_t addr, uint32_t val,
                                   int len, void *opaque);

struct PCIDevice {
    const PCIDeviceClass *klass;
    char *name;          /* the driver name; also the DMA AddressSpace name */
    char *id;            /* the user's id=, or NULL */
    PCIBus *bus;
    int devfn;
    uint32_t config_size;     /* 256 or 4096 */
    uint8_t *config;
    uint8_t *cmask;
    uint8_t *wmask;
    uint8_t *w1cmask;
    uint8_t *used;            /* bytes taken by capabilities */
    uint32_t cap_present;     /* QEMU_PCI_CAP_* */
    PCIIORegion io_regions[PCI_NUM_REGIONS];

    /* bus mastering */
    MemoryRegion *bus_master_container_region;
    MemoryRegion *bus_master_enable_region; /* the "bus master" alias */
    AddressSpace *bus_master_as;
    AddressSpace *dma_as;     /* what the alias points into */

    /* interrupts */
    uint8_t irq_state;        /* bit n: INTx pin n asserted by the model */
    uint8_t msi_cap;          /* offset of the MSI capability, 0 if none */
    void (*msi_trigger)(PCIDevice *d, MSIMessage msg);

    bool realized;
    GArray *config_hooks;     /* PCIConfigHookEntry */
};

#define QEMU_PCI_CAP_MSI           0x1
#define QEMU_PCI_CAP_MULTIFUNCTION 0x4
#define QEMU_PCI_CAP_EXPRESS       0x8

/*
 * The class of a device model. IDs and class code go into the header at
 * creation; header type 0 devices without subsystem IDs get QEMU's default
 * 1af4:1100. Hooks may be NULL.
 */
struct PCIDeviceClass {
    const char *name;            /* driver name, "edu" */
    const char *desc;            /* one line for listings */
    size_t instance_size;        /* >= sizeof(PCIDevice) */
    uint16_t vendor_id;
    uint16_t device_id;
    uint8_t revision;
    uint16_t class_id;           /* base class << 8 | subclass */
    uint16_t subsystem_vendor_id;
    uint16_t subsystem_id;
    bool is_bridge;              /* type 1 header (pci-bridge.h) */
    bool is_express;             /* 4 KiB config space */
    bool no_user;                /* not creatable with -device (mch) */
    const PCIProperty *props;    /* terminated by a NULL name */
    /* Set up the device after the header exists; an error undoes it. */
    bool (*realize)(PCIDevice *d, GError **errp);
    /* Undo realize (BARs are unmapped by the core afterwards). */
    void (*exit)(PCIDevice *d);
    /* Device reset (QEMU's dc->reset); the core then clears the command
     * and status bits, unmaps the BARs and resets MSI. */
    void (*reset)(PCIDevice *d);
    /* Config hooks: default pci_default_read/write_config. A write hook
     * normally calls pci_default_write_config() first. */
    uint32_t (*config_read)(PCIDevice *d, uint32_t addr, int len);
    void (*config_write)(PCIDevice *d, uint32_t addr, uint32_t val, int len);
};

/* ---- creation and destruction (see pci-driver.h for the usual entry) --- */

/*
 * pci_device_realize: place @d (allocated with klass and properties set)
 * at @devfn on @bus (-1: the first free slot), build its header, masks and
 * bus master AddressSpace, call the class realize and reset the device.
 * @multifunction is QEMU's "multifunction" property. Fails with QEMU's
 * messages for a taken or reserved slot and multifunction conflicts; on
 * failure @d is left unrealized (free it with pci_device_free()).
 */
bool pci_device_realize(PCIDevice *d, PCIBus *bus, int devfn,
                        bool multifunction, GError **errp);
/* Unrealize (class exit, BARs unmapped, AddressSpace destroyed) and free,
 * together with the buses below it for a bridge. */
void pci_device_destroy(PCIDevice *d);
/* Free a device that is not realized (properties included). */
void pci_device_free(PCIDevice *d);

/* ---- configuration space --------------------------------------------- */

/* Size of config space: 256, or 4096 for express devices */
uint32_t pci_config_size(const PCIDevice *d);

/* QEMU's defaults: a read copies @len bytes little-endian; a write applies
 * wmask and w1cmask byte by byte, then remaps BARs when a BAR or the
 * command register was written and switches the bus master alias and INTx
 * when the command register's low byte was. */
uint32_t pci_default_read_config(PCIDevice *d, uint32_t addr, int len);
void pci_default_write_config(PCIDevice *d, uint32_t addr, uint32_t val,
                              int len);

/*
 * pci_config_read / pci_config_write: an access of @len (1, 2 or 4) bytes
 * at @addr through the device's hooks, as a host bridge makes it. Accesses
 * that do not fit in config space read all ones and write nothing; a
 * length that runs past the end is shortened.
 */
uint32_t pci_config_read(PCIDevice *d, uint32_t addr, int len);
void pci_config_write(PCIDevice *d, uint32_t addr, uint32_t val, int len);

/* Hooks told after every pci_config_write (and host bridge write) to @d.
 * Returns an id for pci_device_remove_config_hook(). */
guint pci_device_add_config_hook(PCIDevice *d, PCIConfigWriteHook fn,
                                 void *opaque);
void pci_device_remove_config_hook(PCIDevice *d, guint id);

void pci_config_set_vendor_id(uint8_t *config, uint16_t val);
void pci_config_set_device_id(uint8_t *config, uint16_t val);
void pci_config_set_revision(uint8_t *config, uint8_t val);
void pci_config_set_class(uint8_t *config, uint16_t val);
void pci_config_set_prog_interface(uint8_t *config, uint8_t val);
void pci_config_set_interrupt_pin(uint8_t *config, uint8_t val);

/* ---- BARs ------------------------------------------------------------ */

/*
 * pci_register_bar: BAR @region_num (0-5, PCI_ROM_SLOT) decodes @memory,
 * whose size must be a power of two (a programming error otherwise).
 * @type: PCI_BASE_ADDRESS_SPACE_IO, or memory with MEM_TYPE_64 and/or
 * MEM_PREFETCH. A 64-bit BAR takes the next slot too. Bridges have BARs 0
 * and 1 only.
 */
void pci_register_bar(PCIDevice *d, int region_num, uint8_t type,
                      MemoryRegion *memory);
/* Config offset of BAR @reg (the ROM BAR is at 0x30, 0x38 for bridges) */
int pci_bar(const PCIDevice *d, int reg);
/* Where BAR @region_num decodes now, or PCI_BAR_UNMAPPED */
pcibus_t pci_get_bar_addr(const PCIDevice *d, int region_num);
/*
 * pci_bar_address: where BAR @reg would decode given config space now, by
 * QEMU's rules: decoding disabled in COMMAND, an address of 0 (unless the
 * bus allows it), a range that wraps or reaches the last byte of the
 * address space, a 32-bit memory or an I/O BAR past 4 GiB, or a ROM BAR
 * without its enable bit: PCI_BAR_UNMAPPED.
 */
pcibus_t pci_bar_address(const PCIDevice *d, int reg, uint8_t type,
                         pcibus_t size);

/* ---- bus mastering and DMA ------------------------------------------- */

/* The device's DMA AddressSpace (QEMU's pci_get_address_space) */
AddressSpace *pci_get_address_space(PCIDevice *d);
/* The AddressSpace the IOMMU hook gives for this device, walking up to the
 * first bus with a hook; the bus's default (system memory) without one. */
AddressSpace *pci_device_iommu_address_space(PCIDevice *d);
/* Rebuild the bus master alias if the hook's answer changed. */
void pci_device_update_bus_master(PCIDevice *d);

int pci_dev_bus_num(const PCIDevice *d);
/* bus << 8 | devfn of the device itself */
uint16_t pci_get_bdf(const PCIDevice *d);
/* The requester ID the root complex sees (QEMU's pci_requester_id):
 * behind a conventional PCI bridge, the bridge's own BDF; behind a
 * PCIe-to-PCI bridge, secondary bus << 8 | 0. */
uint16_t pci_requester_id(PCIDevice *d);
/* Attributes of the device's DMA: requester_id set */
MemTxAttrs pci_requester_attrs(PCIDevice *d);

/* DMA through the device's AddressSpace with pci_requester_attrs() */
MemTxResult pci_dma_rw(PCIDevice *d, dma_addr_t addr, void *buf,
                       dma_addr_t len, DMADirection dir);
MemTxResult pci_dma_read(PCIDevice *d, dma_addr_t addr, void *buf,
                         dma_addr_t len);
MemTxResult pci_dma_write(PCIDevice *d, dma_addr_t addr, const void *buf,
                          dma_addr_t len);
void *pci_dma_map(PCIDevice *d, dma_addr_t addr, dma_addr_t *plen,
                  DMADirection dir);
void pci_dma_unmap(PCIDevice *d, void *buffer, dma_addr_t len,
                   DMADirection dir, dma_addr_t access_len);
void pci_dma_sglist_init(QEMUSGList *qsg, PCIDevice *d, int alloc_hint);

/* ---- capabilities ------------------------------------------------------ */

/*
 * pci_add_capability: link a capability of @size bytes with ID @cap_id at
 * @offset (0: the first free space after the header) into the list, make
 * it read-only and set STATUS.CAP_LIST. Returns the offset, or -1 with
 * errp if it overlaps another capability or no space is left.
 */
int pci_add_capability(PCIDevice *d, uint8_t cap_id, uint8_t offset,
                       uint8_t size, GError **errp);
void pci_del_capability(PCIDevice *d, uint8_t cap_id, uint8_t size);
/* Offset of the first capability @cap_id, 0 if none */
uint8_t pci_find_capability(PCIDevice *d, uint8_t cap_id);

/* ---- INTx ------------------------------------------------------------- */

/* The pin (0 = INTA#) from the INTERRUPT_PIN register */
int pci_intx(const PCIDevice *d);
/* Drive the device's INTx pin to @level (0 or 1). STATUS.INTERRUPT
 * follows it; the host's handler hears of it unless COMMAND.INTX_DISABLE
 * is set. */
void pci_set_irq(PCIDevice *d, int level);
void pci_irq_assert(PCIDevice *d);
void pci_irq_deassert(PCIDevice *d);
void pci_device_deassert_intx(PCIDevice *d);

/* ---- reset ------------------------------------------------------------ */

/* Device reset: the class hook, then QEMU's pci_do_device_reset (clears
 * writable COMMAND and STATUS bits, INTERRUPT_LINE, cache line size,
 * re-types the BARs, unmaps them, resets MSI). */
void pci_device_reset(PCIDevice *d);

/* "00:04.0" (bus number as it is now) into @buf of at least 8 bytes */
const char *pci_device_bdf_string(const PCIDevice *d, char buf[static 8]);

#endif
