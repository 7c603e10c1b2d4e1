/*
 * edu.h - QEMU's educational PCI device "edu" (hw/misc/edu.c,
 * docs/specs/edu.txt), register-compatible with QEMU 7.2 so that one qtest
 * trace gives the same replies on both.
 *
 * PCI: 1234:11e8 revision 0x10, class 0x00ff (QEMU's PCI_CLASS_OTHERS),
 * INTA#, one MSI vector (64-bit capability at 0x40), BAR 0: 1 MiB of 32-bit
 * memory, "edu-mmio".
 * -device edu[,dma_mask=MASK][,addr=..][,multifunction=..][,id=..][,bus=..]
 * dma_mask defaults to (1 << 28) - 1, as in QEMU.
 *
 * Registers (valid and implemented accesses are 4 and 8 bytes; below 0x80
 * only 4-byte accesses do anything, 8-byte ones read all ones; an offset
 * without a register reads all ones):
 *   0x00 RO  0x010000ed            0x24 RO  interrupt status
 *   0x04 RW  ~value written        0x60 WO  raise: status |= value
 *   0x08 RW  factorial             0x64 WO  acknowledge: status &= ~value
 *   0x20 RW  status: 0x01 computing, 0x80 raise interrupt 0x1 when done
 *   0x80 RW  DMA source   0x88 RW  DMA destination   0x90 RW  DMA count
 *   0x98 RW  DMA command: 0x1 start, 0x2 direction (1: buffer to RAM),
 *            0x4 raise interrupt 0x100 when done
 * The 4 KiB DMA buffer sits at device address 0x40000 (not visible through
 * the BAR). While a transfer runs (command bit 0), writes to 0x80..0x98 are
 * ignored; a command without bit 0 is ignored. Starting a transfer arms a
 * timer on the virtual clock at (now in ms) + 100 ms; when it fires, the
 * buffer side is checked against [0x40000, 0x41000) as QEMU's
 * edu_check_range does (the end must be below 0x41000, the count not 0),
 * the RAM side address is masked with dma_mask (a changed address is
 * reported as QEMU prints it: "EDU: clamping DMA 0x... to 0x...!") and the
 * bytes move through the device's bus master AddressSpace
 * (pci_dma_read/pci_dma_write); then bit 0 clears and, with bit 2, the
 * interrupt 0x100 is raised.
 *
 * Interrupts: raising sets bits in the status; while it is non-zero the
 * device sends MSI vector 0 when MSI is enabled, else asserts INTA#;
 * acknowledging lowers INTA# when the status becomes 0 (MSI off). Every
 * raise, lower and MSI is recorded as an event.
 *
 * Deviations from QEMU 7.2:
 *   - QEMU calls hw_error() (the whole emulator aborts) when a transfer
 *     fails edu_check_range. iommusim records an EDU_EVENT_DMA_RANGE_ERROR
 *     event, reports the same text on the message handler, moves no data,
 *     raises no interrupt and clears the start bit, so the transfer ends.
 *   - QEMU computes the factorial in a thread, so whether a read right
 *     after the write sees the computing bit depends on the host's
 *     scheduling. iommusim computes it at once (32-bit arithmetic, as QEMU)
 *     and raises interrupt 0x1 at once if status bit 0x80 is set.
 *   - QEMU's transfers carry no attributes; here they carry the device's
 *     requester ID (dma/pci.h).
 */
#ifndef IOMMUSIM_DMA_EDU_H
#define IOMMUSIM_DMA_EDU_H

#include "dma/pci.h"
#include "dma/vclock.h"

#define EDU_DMA_START 0x40000
#define EDU_DMA_SIZE 4096
#define EDU_FACT_IRQ 0x00000001
#define EDU_DMA_IRQ 0x00000100
#define EDU_STATUS_COMPUTING 0x01
#define EDU_STATUS_IRQFACT 0x80
#define EDU_DMA_RUN 0x1
#define EDU_DMA_DIR_TO_PCI 0x2
#define EDU_DMA_IRQ_BIT 0x4
#define EDU_EVENTS_MAX 4096

typedef enum EduEventKind {
    EDU_EVENT_IRQ_RAISE,      /* INTA# asserted (value: status) */
    EDU_EVENT_IRQ_LOWER,      /* INTA# deasserted */
    EDU_EVENT_MSI,            /* MSI vector 0 sent (value: status) */
    EDU_EVENT_FACTORIAL,      /* value: the result */
    EDU_EVENT_DMA_START,      /* command accepted, timer armed */
    EDU_EVENT_DMA_DONE,       /* transfer made; result: its MemTxResult */
    EDU_EVENT_DMA_CLAMP,      /* RAM address masked with dma_mask */
    EDU_EVENT_DMA_RANGE_ERROR,/* QEMU would abort (hw_error) */
} EduEventKind;

typedef struct EduEvent {
    EduEventKind kind;
    int64_t time_ns;          /* virtual clock */
    uint64_t value;
    uint64_t src, dst, cnt, cmd;  /* DMA events: the registers */
    uint64_t addr;            /* DMA: the RAM address used */
    MemTxResult result;       /* DMA_DONE */
} EduEvent;

typedef struct EduState EduState;
typedef void (*EduEventHook)(EduState *edu, const EduEvent *ev, void *opaque);

struct EduState {
    PCIDevice pdev;           /* first: PCIDevice * <-> EduState * */
    MemoryRegion *mmio;       /* "edu-mmio", BAR 0 */
    VClock *clock;

    uint32_t addr4;
    uint32_t fact;
    uint32_t status;
    uint32_t irq_status;
    struct {
        uint64_t src;
        uint64_t dst;
        uint64_t cnt;
        uint64_t cmd;
    } dma;
    QEMUTimer dma_timer;
    uint8_t dma_buf[EDU_DMA_SIZE];
    uint64_t dma_mask;        /* property "dma_mask" */

    GArray *events;           /* EduEvent, the last EDU_EVENTS_MAX */
    uint64_t events_dropped;
    EduEventHook hook;
    void *hook_opaque;
};

/* The model (registered under "edu" in the PCI driver registry). */
extern const PCIDeviceClass edu_pci_class;
/* Register "edu" if it is not yet (harmless to call again). */
void edu_register(void);

/* The edu state of @d, or NULL if @d is not an edu device. */
EduState *edu_from_pci(PCIDevice *d);

/* Recorded events (oldest first); clear them. */
const EduEvent *edu_events(EduState *edu, guint *n);
void edu_clear_events(EduState *edu);
/* Told of every event as it happens (NULL: none). */
void edu_set_event_hook(EduState *edu, EduEventHook hook, void *opaque);
const char *edu_event_name(EduEventKind kind);

/*
 * Messages QEMU prints (the clamp notice on stdout; the range error QEMU
 * aborts with, on stderr). The handler gets the text with its newline and
 * whether QEMU prints it on stdout. Default: stdout/stderr, flushed.
 */
typedef void (*EduMessageHandler)(const char *text, bool to_stdout,
                                  void *opaque);
void edu_set_message_handler(EduMessageHandler fn, void *opaque);

#endif
