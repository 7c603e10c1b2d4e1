/*
 * edu.c - the edu PCI device (see edu.h for its registers and the facts
 * kept from QEMU 7.2).
 */
#include "dma/edu.h"
#include "dma/msi.h"
#include "dma/pci-driver.h"

#include <stdio.h>
#include <string.h>

static EduMessageHandler edu_msg_fn;
static void *edu_msg_opaque;

void edu_set_message_handler(EduMessageHandler fn, void *opaque)
{
    edu_msg_fn = fn;
    edu_msg_opaque = opaque;
}

static void G_GNUC_PRINTF(2, 3) edu_message(bool to_stdout, const char *fmt,
                                            ...)
{
    g_autofree char *text = NULL;
    va_list ap;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (edu_msg_fn) {
        edu_msg_fn(text, to_stdout, edu_msg_opaque);
    } else {
        FILE *f = to_stdout ? stdout : stderr;
        fputs(text, f);
        fflush(f);
    }
}

/* ---- events ----------------------------------------------------------- */

const char *edu_event_name(EduEventKind kind)
{
    switch (kind) {
    case EDU_EVENT_IRQ_RAISE: return "irq-raise";
    case EDU_EVENT_IRQ_LOWER: return "irq-lower";
    case EDU_EVENT_MSI: return "msi";
    case EDU_EVENT_FACTORIAL: return "factorial";
    case EDU_EVENT_DMA_START: return "dma-start";
    case EDU_EVENT_DMA_DONE: return "dma-done";
    case EDU_EVENT_DMA_CLAMP: return "dma-clamp";
    case EDU_EVENT_DMA_RANGE_ERROR: return "dma-range-error";
    }
    return "?";
}

static void edu_event_full(EduState *edu, EduEventKind kind, uint64_t value,
                           uint64_t addr, MemTxResult result)
{
    EduEvent ev = {
        .kind = kind,
        .time_ns = vclock_get_ns(edu->clock),
        .value = value,
        .src = edu->dma.src,
        .dst = edu->dma.dst,
        .cnt = edu->dma.cnt,
        .cmd = edu->dma.cmd,
        .addr = addr,
        .result = result,
    };

    if (edu->events->len >= EDU_EVENTS_MAX) {
        g_array_remove_index(edu->events, 0);
        edu->events_dropped++;
    }
    g_array_append_val(edu->events, ev);
    if (edu->hook) {
        edu->hook(edu, &ev, edu->hook_opaque);
    }
}

static void edu_event(EduState *edu, EduEventKind kind, uint64_t value)
{
    edu_event_full(edu, kind, value, 0, MEMTX_OK);
}

const EduEvent *edu_events(EduState *edu, guint *n)
{
    *n = edu->events->len;
    return (const EduEvent *)edu->events->data;
}

void edu_clear_events(EduState *edu)
{
    g_array_set_size(edu->events, 0);
}

void edu_set_event_hook(EduState *edu, EduEventHook hook, void *opaque)
{
    edu->hook = hook;
    edu->hook_opaque = opaque;
}

/* ---- interrupts ------------------------------------------------------- */

static void edu_raise_irq(EduState *edu, uint32_t val)
{
    edu->irq_status |= val;
    if (edu->irq_status) {
        if (msi_enabled(&edu->pdev)) {
            edu_event(edu, EDU_EVENT_MSI, edu->irq_status);
            msi_notify(&edu->pdev, 0);
        } else {
            edu_event(edu, EDU_EVENT_IRQ_RAISE, edu->irq_status);
            pci_set_irq(&edu->pdev, 1);
        }
    }
}

static void edu_lower_irq(EduState *edu, uint32_t val)
{
    edu->irq_status &= ~val;
    if (!edu->irq_status && !msi_enabled(&edu->pdev)) {
        edu_event(edu, EDU_EVENT_IRQ_LOWER, 0);
        pci_set_irq(&edu->pdev, 0);
    }
}

/* ---- DMA -------------------------------------------------------------- */

/* QEMU's edu_check_range: [addr, addr+size1) inside [start, start+size2),
 * the end strictly below start+size2, size1 not 0 */
static bool edu_range_ok(uint64_t addr, uint64_t size1, uint64_t start,
                         uint64_t size2)
{
    uint64_t end1 = addr + size1;
    uint64_t end2 = start + size2;

    return start <= addr && addr < end2 && end1 > addr &&
           start <= end1 && end1 < end2;
}

static uint64_t edu_clamp_addr(EduState *edu, uint64_t addr)
{
    uint64_t res = addr & edu->dma_mask;

    if (addr != res) {
        edu_message(true, "EDU: clamping DMA %#.16" PRIx64 " to %#.16" PRIx64
                    "!\n", addr, res);
        edu_event_full(edu, EDU_EVENT_DMA_CLAMP, addr, res, MEMTX_OK);
    }
    return res;
}

static void edu_dma_timer(void *opaque)
{
    EduState *edu = opaque;
    bool to_pci = edu->dma.cmd & EDU_DMA_DIR_TO_PCI;
    uint64_t bufaddr = to_pci ? edu->dma.src : edu->dma.dst;
    uint64_t ram;
    MemTxResult r;

    if (!(edu->dma.cmd & EDU_DMA_RUN)) {
        return;
    }
    if (!edu_range_ok(bufaddr, edu->dma.cnt, EDU_DMA_START, EDU_DMA_SIZE)) {
        edu_message(false, "EDU: DMA range 0x%016" PRIx64 "-0x%016" PRIx64
                    " out of bounds (0x%016" PRIx64 "-0x%016" PRIx64 ")! "
                    "(QEMU 7.2 aborts here; iommusim ignores the command)\n",
                    bufaddr, bufaddr + edu->dma.cnt - 1,
                    (uint64_t)EDU_DMA_START,
                    (uint64_t)EDU_DMA_START + EDU_DMA_SIZE - 1);
        edu_event(edu, EDU_EVENT_DMA_RANGE_ERROR, bufaddr);
        edu->dma.cmd &= ~(uint64_t)EDU_DMA_RUN;
        return;
    }
    bufaddr -= EDU_DMA_START;
    if (to_pci) {
        ram = edu_clamp_addr(edu, edu->dma.dst);
        r = pci_dma_write(&edu->pdev, ram, edu->dma_buf + bufaddr,
                          edu->dma.cnt);
    } else {
        ram = edu_clamp_addr(edu, edu->dma.src);
        r = pci_dma_read(&edu->pdev, ram, edu->dma_buf + bufaddr,
                         edu->dma.cnt);
    }
    edu->dma.cmd &= ~(uint64_t)EDU_DMA_RUN;
    edu_event_full(edu, EDU_EVENT_DMA_DONE, edu->dma.cnt, ram, r);
    if (edu->dma.cmd & EDU_DMA_IRQ_BIT) {
        edu_raise_irq(edu, EDU_DMA_IRQ);
    }
}

/* QEMU's dma_rw: reads always, writes only while no transfer runs; a
 * started transfer arms the timer */
static void edu_dma_rw(EduState *edu, bool write, uint64_t *val,
                       uint64_t *reg, bool timer)
{
    if (write && (edu->dma.cmd & EDU_DMA_RUN)) {
        return;
    }
    if (write) {
        *reg = *val;
    } else {
        *val = *reg;
    }
    if (timer) {
        timer_mod(&edu->dma_timer, vclock_get_ms(edu->clock) + 100);
        edu_event(edu, EDU_EVENT_DMA_START, edu->dma.cmd);
    }
}

/* ---- MMIO ------------------------------------------------------------- */

static uint32_t edu_factorial(uint32_t val)
{
    uint32_t ret = 1;

    /* n! has at least 32 factors of two from n = 34 on: 0 in 32 bits */
    if (val >= 34) {
        return 0;
    }
    while (val > 0) {
        ret *= val--;
    }
    return ret;
}

static uint64_t edu_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    EduState *edu = opaque;
    uint64_t val = ~0ULL;

    if (addr < 0x80 && size != 4) {
        return val;
    }
    if (addr >= 0x80 && size != 4 && size != 8) {
        return val;
    }
    switch (addr) {
    case 0x00:
        val = 0x010000edu;
        break;
    case 0x04:
        val = edu->addr4;
        break;
    case 0x08:
        val = edu->fact;
        break;
    case 0x20:
        val = edu->status;
        break;
    case 0x24:
        val = edu->irq_status;
        break;
    case 0x80:
        edu_dma_rw(edu, false, &val, &edu->dma.src, false);
        break;
    case 0x88:
        edu_dma_rw(edu, false, &val, &edu->dma.dst, false);
        break;
    case 0x90:
        edu_dma_rw(edu, false, &val, &edu->dma.cnt, false);
        break;
    case 0x98:
        edu_dma_rw(edu, false, &val, &edu->dma.cmd, false);
        break;
    }
    return val;
}

static void edu_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    EduState *edu = opaque;

    if (addr < 0x80 && size != 4) {
        return;
    }
    if (addr >= 0x80 && size != 4 && size != 8) {
        return;
    }
    switch (addr) {
    case 0x04:
        edu->addr4 = (uint32_t)~val;
        break;
    case 0x08:
        if (edu->status & EDU_STATUS_COMPUTING) {
            break;
        }
        /* QEMU's worker thread, done at once */
        edu->fact = edu_factorial((uint32_t)val);
        edu_event(edu, EDU_EVENT_FACTORIAL, edu->fact);
        if (edu->status & EDU_STATUS_IRQFACT) {
            edu_raise_irq(edu, EDU_FACT_IRQ);
        }
        break;
    case 0x20:
        if (val & EDU_STATUS_IRQFACT) {
            edu->status |= EDU_STATUS_IRQFACT;
        } else {
            edu->status &= ~(uint32_t)EDU_STATUS_IRQFACT;
        }
        break;
    case 0x60:
        edu_raise_irq(edu, (uint32_t)val);
        break;
    case 0x64:
        edu_lower_irq(edu, (uint32_t)val);
        break;
    case 0x80:
        edu_dma_rw(edu, true, &val, &edu->dma.src, false);
        break;
    case 0x88:
        edu_dma_rw(edu, true, &val, &edu->dma.dst, false);
        break;
    case 0x90:
        edu_dma_rw(edu, true, &val, &edu->dma.cnt, false);
        break;
    case 0x98:
        if (!(val & EDU_DMA_RUN)) {
            break;
        }
        edu_dma_rw(edu, true, &val, &edu->dma.cmd, true);
        break;
    }
}

static const MemoryRegionOps edu_mmio_ops = {
    .read = edu_mmio_read,
    .write = edu_mmio_write,
    .endianness = DEVICE_NATIVE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

/* ---- the PCI device ----------------------------------------------------- */

static bool edu_realize(PCIDevice *d, GError **errp)
{
    EduState *edu = (EduState *)d;

    pci_config_set_interrupt_pin(d->config, 1);
    if (msi_init(d, 0, 1, true, false, errp) < 0) {
        return false;
    }
    edu->clock = vclock_virtual();
    edu->events = g_array_new(FALSE, TRUE, sizeof(EduEvent));
    timer_init_ms(&edu->dma_timer, edu->clock, edu_dma_timer, edu);
    edu->mmio = memory_region_new_io(&edu_mmio_ops, edu, "edu-mmio",
                                     1024 * 1024);
    pci_register_bar(d, 0, PCI_BASE_ADDRESS_SPACE_MEMORY, edu->mmio);
    return true;
}

static void edu_exit(PCIDevice *d)
{
    EduState *edu = (EduState *)d;

    timer_del(&edu->dma_timer);
    msi_uninit(d);
    if (edu->events) {
        g_array_free(edu->events, TRUE);
        edu->events = NULL;
    }
    /* pci_register_bar holds its own reference until the BAR goes */
    if (edu->mmio) {
        memory_region_unref(edu->mmio);
        edu->mmio = NULL;
    }
}

static const PCIProperty edu_props[] = {
    PCI_PROP_DEFINE("dma_mask", PCI_PROP_UINT64, EduState, dma_mask,
                    (1ULL << 28) - 1,
                    "RAM addresses of DMA are masked with this"),
    PCI_PROP_END,
};

const PCIDeviceClass edu_pci_class = {
    .name = "edu",
    .desc = "QEMU educational PCI device (docs/specs/edu.txt)",
    .instance_size = sizeof(EduState),
    .vendor_id = 0x1234,       /* PCI_VENDOR_ID_QEMU */
    .device_id = 0x11e8,
    .revision = 0x10,
    .class_id = 0x00ff,        /* QEMU's PCI_CLASS_OTHERS (0xff) */
    .props = edu_props,
    .realize = edu_realize,
    .exit = edu_exit,
};

void edu_register(void)
{
    if (!pci_driver_find(edu_pci_class.name)) {
        g_autoptr(GError) err = NULL;

        if (!pci_driver_register(&edu_pci_class, &err)) {
            g_warning("edu: %s", err->message);
        }
    }
}

EduState *edu_from_pci(PCIDevice *d)
{
    return d && d->klass == &edu_pci_class ? (EduState *)d : NULL;
}
