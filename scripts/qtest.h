/*
 * qtest.h - QEMU's qtest text protocol, served over a machine's address
 * spaces.
 *
 * The protocol is QEMU 7.2's (softmmu/qtest.c, docs/devel/qtest.rst): one
 * command a line, words separated by single spaces, numbers as C's strtoull
 * with base 0 reads them (0x hex, 0 octal, a sign, leading blanks), one
 * reply a line starting with OK, FAIL or ERR. Replies are QEMU's byte for
 * byte wherever QEMU answers:
 *
 *   outb|outw|outl PORT VALUE      OK
 *   inb|inw|inl PORT               OK 0x%04x
 *   writeb|w|l|q ADDR VALUE        OK
 *   readb|w|l|q ADDR               OK 0x%016x
 *   read ADDR SIZE                 OK 0x<2*SIZE hex digits>
 *   write ADDR SIZE 0xHEX          OK (missing bytes are 0; ERR invalid
 *                                  argument size for fewer than 3 chars)
 *   b64read ADDR SIZE              OK <base64>
 *   b64write ADDR SIZE B64         OK (ERR invalid argument size likewise)
 *   memset ADDR SIZE BYTE          OK
 *   endianness                     OK little
 *   clock_step [NS] / clock_set NS OK <ns>  -- only with a qtest clock
 *                                  (QEMU -accel qtest); otherwise
 *                                  FAIL Unknown command 'clock_step', which
 *                                  is what QEMU 7.2 with TCG answers
 *   irq_intercept_in|out PATH      FAIL Unknown device (no QOM tree here)
 *   set_irq_in PATH NAME N LEVEL   FAIL Unknown device
 *   module_load TYPE NAME          FAIL
 *   anything else                  FAIL Unknown command '<word>'
 *
 * Where QEMU 7.2 aborts (g_assert) - missing arguments, a malformed number,
 * a port above 0xffff, `read` of 0 bytes, an empty line - iommusim replies
 * "ERR <command>: <reason>" instead and goes on (an empty line gets
 * "FAIL Unknown command ''", as a line starting with a space does in QEMU).
 * QEMU allocates a buffer of SIZE bytes for read, write, b64read, b64write
 * and memset; iommusim answers ERR above QTEST_MAX_READ bytes for the reads
 * and QTEST_MAX_WRITE for the writes (which stream in 64 KiB pieces, cut at
 * 64 KiB-aligned addresses so that MMIO sees the accesses one big write
 * would make). A range that runs past 2^64 wraps to 0, as in QEMU. A NUL
 * byte ends the line's text as it ends QEMU's C strings (QEMU would wait
 * for a newline that never comes).
 */
#ifndef IOMMUSIM_SCRIPTS_QTEST_H
#define IOMMUSIM_SCRIPTS_QTEST_H

#include <glib.h>
#include <stdio.h>
#include "memory/address-space.h"
#include "dma/vclock.h"

/* Largest `read`/`b64read` (the reply holds twice as many hex digits). */
#define QTEST_MAX_READ (64u * 1024 * 1024)
/* Largest write/b64write/memset (even skipping unassigned space costs
 * time in proportion) */
#define QTEST_MAX_WRITE (UINT64_C(1) << 36)

typedef struct QTestServer QTestServer;

typedef struct QTestConfig {
    AddressSpace *memory;   /* what readb/writeb/... reach (cpu memory) */
    AddressSpace *io;       /* what inb/outb reach; NULL: ports read ~0 */
    VClock *clock;          /* for clock_step/clock_set; NULL: none */
    bool clock_commands;    /* answer clock_step/clock_set (-accel qtest) */
    FILE *log;              /* -qtest-log: "[R +t] cmd" / "[S +t] reply" */
} QTestConfig;

QTestServer *qtest_server_new(const QTestConfig *cfg);
void qtest_server_free(QTestServer *s);

/*
 * qtest_server_feed: append @len bytes of input; every complete line in
 * the input is executed and its reply appended to the output. Returns the
 * number of lines executed.
 */
size_t qtest_server_feed(QTestServer *s, const char *data, size_t len);
/* Bytes of an incomplete line waiting for its newline */
size_t qtest_server_pending_input(const QTestServer *s);

/* Execute one line (no newline; need not be NUL-terminated; it may be
 * modified). */
void qtest_server_process_line(QTestServer *s, char *line, size_t len);

/* Append an asynchronous message (e.g. "IRQ raise 3\n") to the output. */
void qtest_server_send(QTestServer *s, const char *text);

/* The output waiting to be written; the caller writes it out and calls
 * qtest_server_consume() with what was written. */
const char *qtest_server_output(const QTestServer *s, size_t *len);
void qtest_server_consume(QTestServer *s, size_t n);

/* Lines executed, and lines that got ERR, since creation */
uint64_t qtest_server_lines(const QTestServer *s);
uint64_t qtest_server_errors(const QTestServer *s);

/*
 * qtest_parse_u64 / qtest_parse_i64: QEMU's qemu_strtou64/qemu_strtoi64 with
 * base 0 and the whole string consumed (strtoull semantics: "-1" is
 * UINT64_MAX, overflow fails). False for a malformed number.
 */
bool qtest_parse_u64(const char *s, uint64_t *val);
bool qtest_parse_i64(const char *s, int64_t *val);

#endif
