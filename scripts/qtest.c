/*
 * qtest.c - the qtest protocol server (see qtest.h for the commands and
 * replies).
 *
 * Facts kept from QEMU 7.2 (softmmu/qtest.c, util/cutils.c), checked
 * against qemu-system-x86_64 7.2 fed the same lines:
 *   - lines end at '\n' (no '\r' stripping); words are what
 *     g_strsplit(line, " ", 0) gives, so two spaces make an empty word and a
 *     leading space an empty command ("FAIL Unknown command ''");
 *   - numbers are qemu_strtou64/qemu_strtoul/qemu_strtoi64 with base 0 and
 *     nothing left over: "-1" reads as all ones, "010" as 8, "0x" fails;
 *   - words after the ones a command needs are ignored ("readb 0 junk");
 *   - inb/inw/inl reply "OK 0x%04x" of the 32-bit value, readb..readq
 *     "OK 0x%016" PRIx64; outb/outw truncate VALUE to the width;
 *   - write: fewer than 3 characters of data give "ERR invalid argument
 *     size"; data byte i comes from characters 2+2i and 3+2i when both
 *     exist, else it is 0; a non-hex character counts as nibble -1, so
 *     "zz" is 0xff; the "0x" prefix is not checked;
 *   - b64write: same size check; glib decodes in place, skipping characters
 *     outside the alphabet; SIZE bytes are written from the decoded buffer
 *     even when fewer were decoded (QEMU then writes what follows in its
 *     buffer: the rest of the base64 text, its NUL, then heap garbage -
 *     here the text, the NUL, then zeros);
 *   - b64read of 0 bytes replies "OK " (with the space), memset of 0 bytes
 *     "OK", memset writes the low byte of VALUE;
 *   - clock_step without NS steps to the next timer deadline (no timer: no
 *     change), clock_step NS and clock_set NS warp the clock (see
 *     dma/vclock.h); each replies the new time;
 *   - with -accel tcg (Debian's QEMU has no qtest accelerator) clock_step and
 *     clock_set are unknown commands.
 */
#include "scripts/qtest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define QTEST_MAX_WORDS 8
/* write/b64write/memset stream in chunks that end on multiples of this,
 * so that MMIO sees the same access sizes as one big write would give. */
#define QTEST_CHUNK 65536

struct QTestServer {
    QTestConfig cfg;
    GString *in;          /* input not yet executed */
    GString *out;         /* output not yet consumed */
    size_t out_start;     /* consumed prefix of out */
    GString *scratch;
    GTimer *timer;        /* for the log */
    uint64_t lines;
    uint64_t errors;
};

static const char hexdigits[] = "0123456789abcdef";

QTestServer *qtest_server_new(const QTestConfig *cfg)
{
    QTestServer *s = g_new0(QTestServer, 1);

    s->cfg = *cfg;
    s->in = g_string_sized_new(65536);
    s->out = g_string_sized_new(65536);
    s->scratch = g_string_sized_new(256);
    s->timer = g_timer_new();
    return s;
}

void qtest_server_free(QTestServer *s)
{
    if (!s) {
        return;
    }
    g_string_free(s->in, TRUE);
    g_string_free(s->out, TRUE);
    g_string_free(s->scratch, TRUE);
    g_timer_destroy(s->timer);
    g_free(s);
}

uint64_t qtest_server_lines(const QTestServer *s)
{
    return s->lines;
}

uint64_t qtest_server_errors(const QTestServer *s)
{
    return s->errors;
}

/* ---- output ----------------------------------------------------------- */

const char *qtest_server_output(const QTestServer *s, size_t *len)
{
    *len = s->out->len - s->out_start;
    return s->out->str + s->out_start;
}

void qtest_server_consume(QTestServer *s, size_t n)
{
    s->out_start += MIN(n, s->out->len - s->out_start);
    if (s->out_start == s->out->len) {
        g_string_truncate(s->out, 0);
        s->out_start = 0;
    } else if (s->out_start > 65536 && s->out_start > s->out->len / 2) {
        g_string_erase(s->out, 0, s->out_start);
        s->out_start = 0;
    }
}

static void log_reply(QTestServer *s, size_t from)
{
    if (s->cfg.log) {
        fprintf(s->cfg.log, "[S +%.06f] %s", g_timer_elapsed(s->timer, NULL),
                s->out->str + from);
    }
}

void qtest_server_send(QTestServer *s, const char *text)
{
    size_t from = s->out->len;

    g_string_append(s->out, text);
    log_reply(s, from);
}

static void G_GNUC_PRINTF(2, 3) reply(QTestServer *s, const char *fmt, ...)
{
    size_t from = s->out->len;
    va_list ap;

    va_start(ap, fmt);
    g_string_append_vprintf(s->out, fmt, ap);
    va_end(ap);
    log_reply(s, from);
}

static void reply_ok(QTestServer *s)
{
    size_t from = s->out->len;

    g_string_append_len(s->out, "OK\n", 3);
    log_reply(s, from);
}

/* "OK 0x%016" PRIx64 "\n" without printf */
static void reply_u64(QTestServer *s, uint64_t v)
{
    size_t from = s->out->len;
    char buf[24] = "OK 0x";

    for (int i = 0; i < 16; i++) {
        buf[5 + i] = hexdigits[(v >> (60 - 4 * i)) & 0xf];
    }
    buf[21] = '\n';
    g_string_append_len(s->out, buf, 22);
    log_reply(s, from);
}

static void G_GNUC_PRINTF(3, 4) reply_err(QTestServer *s, const char *cmd,
                                          const char *fmt, ...)
{
    size_t from = s->out->len;
    va_list ap;

    s->errors++;
    g_string_append_printf(s->out, "ERR %s: ", cmd);
    va_start(ap, fmt);
    g_string_append_vprintf(s->out, fmt, ap);
    va_end(ap);
    g_string_append_c(s->out, '\n');
    log_reply(s, from);
}

/* ---- numbers ---------------------------------------------------------- */

bool qtest_parse_u64(const char *str, uint64_t *val)
{
    char *end;

    if (!str) {
        return false;
    }
    /* fast path: plain hex or decimal, as every client writes them */
    if (str[0] == '0' && (str[1] == 'x' || str[1] == 'X')) {
        const char *p = str + 2;
        uint64_t v = 0;
        int n = 0;

        for (; *p; p++, n++) {
            int d;
            if (*p >= '0' && *p <= '9') {
                d = *p - '0';
            } else if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f') {
                d = (*p | 0x20) - 'a' + 10;
            } else {
                break;
            }
            if (v >> 60) {
                break; /* overflow: let strtoull report it */
            }
            v = v << 4 | (uint64_t)d;
        }
        if (!*p && n > 0) {
            *val = v;
            return true;
        }
    }
    errno = 0;
    *val = strtoull(str, &end, 0);
    if (errno == ERANGE) {
        return false;
    }
    if (end == str) {
        return false;  /* no conversion ("", "x", "0x" parses "0": below) */
    }
    return *end == '\0';
}

bool qtest_parse_i64(const char *str, int64_t *val)
{
    char *end;

    if (!str) {
        return false;
    }
    errno = 0;
    *val = strtoll(str, &end, 0);
    if (errno == ERANGE || end == str) {
        return false;
    }
    return *end == '\0';
}

/* ---- commands --------------------------------------------------------- */

typedef struct Cmd {
    QTestServer *s;
    char **w;      /* words; w[n] is NULL */
    int n;
} Cmd;

/* Check that word @i exists (QEMU asserts on a missing word). */
static bool need(Cmd *c, int count)
{
    if (c->n < count) {
        reply_err(c->s, c->w[0], "expected %d argument%s, got %d", count - 1,
                  count - 1 == 1 ? "" : "s", c->n - 1);
        return false;
    }
    return true;
}

static bool arg_u64(Cmd *c, int i, uint64_t *v)
{
    if (!qtest_parse_u64(c->w[i], v)) {
        reply_err(c->s, c->w[0], "invalid number '%s'", c->w[i]);
        return false;
    }
    return true;
}

static bool arg_i64(Cmd *c, int i, int64_t *v)
{
    if (!qtest_parse_i64(c->w[i], v)) {
        reply_err(c->s, c->w[0], "invalid number '%s'", c->w[i]);
        return false;
    }
    return true;
}

static bool arg_port(Cmd *c, int i, uint64_t *port)
{
    if (!arg_u64(c, i, port)) {
        return false;
    }
    if (*port > 0xffff) {
        reply_err(c->s, c->w[0], "port '%s' above 0xffff", c->w[i]);
        return false;
    }
    return true;
}

/* Bulk commands: not more than @max bytes. Ranges that run past 2^64 wrap
 * to 0, as in QEMU. */
static bool check_span(Cmd *c, uint64_t addr, uint64_t len, uint64_t max)
{
    if (len > max) {
        reply_err(c->s, c->w[0], "size %" PRIu64 " above the limit of %"
                  PRIu64 " bytes", len, max);
        return false;
    }
    return true;
}

static void do_out(Cmd *c)
{
    uint64_t port, value;
    uint8_t buf[4];
    unsigned size;

    if (!need(c, 3) || !arg_u64(c, 1, &port) || !arg_u64(c, 2, &value)) {
        return;
    }
    if (port > 0xffff) {
        reply_err(c->s, c->w[0], "port '%s' above 0xffff", c->w[1]);
        return;
    }
    size = c->w[0][3] == 'b' ? 1 : c->w[0][3] == 'w' ? 2 : 4;
    for (unsigned i = 0; i < size; i++) {
        buf[i] = (uint8_t)(value >> (8 * i));
    }
    if (c->s->cfg.io) {
        address_space_write(c->s->cfg.io, port, MEMTXATTRS_UNSPECIFIED, buf,
                            size);
    }
    reply_ok(c->s);
}

static void do_in(Cmd *c)
{
    uint64_t port;
    uint8_t buf[4] = { 0xff, 0xff, 0xff, 0xff };
    uint32_t value = 0;
    unsigned size;

    if (!need(c, 2) || !arg_port(c, 1, &port)) {
        return;
    }
    size = c->w[0][2] == 'b' ? 1 : c->w[0][2] == 'w' ? 2 : 4;
    if (c->s->cfg.io) {
        address_space_read(c->s->cfg.io, port, MEMTXATTRS_UNSPECIFIED, buf,
                           size);
    }
    for (unsigned i = 0; i < size; i++) {
        value |= (uint32_t)buf[i] << (8 * i);
    }
    reply(c->s, "OK 0x%04x\n", value);
}

static unsigned width_of(char ch)
{
    return ch == 'b' ? 1 : ch == 'w' ? 2 : ch == 'l' ? 4 : 8;
}

static void do_writeN(Cmd *c)
{
    uint64_t addr, value;
    uint8_t buf[8];
    unsigned size = width_of(c->w[0][5]);

    if (!need(c, 3) || !arg_u64(c, 1, &addr) || !arg_u64(c, 2, &value)) {
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        buf[i] = (uint8_t)(value >> (8 * i));
    }
    address_space_write(c->s->cfg.memory, addr, MEMTXATTRS_UNSPECIFIED, buf,
                        size);
    reply_ok(c->s);
}

static void do_readN(Cmd *c)
{
    uint64_t addr, value = 0;
    uint8_t buf[8] = { 0 };
    unsigned size = width_of(c->w[0][4]);

    if (!need(c, 2) || !arg_u64(c, 1, &addr)) {
        return;
    }
    address_space_read(c->s->cfg.memory, addr, MEMTXATTRS_UNSPECIFIED, buf,
                       size);
    for (unsigned i = 0; i < size; i++) {
        value |= (uint64_t)buf[i] << (8 * i);
    }
    reply_u64(c->s, value);
}

static void do_read(Cmd *c, bool b64)
{
    uint64_t addr, len;
    g_autofree uint8_t *data = NULL;

    if (!need(c, 3) || !arg_u64(c, 1, &addr) || !arg_u64(c, 2, &len)) {
        return;
    }
    if (!b64 && len == 0) {
        reply_err(c->s, c->w[0], "size must not be 0");
        return;
    }
    if (!check_span(c, addr, len, QTEST_MAX_READ)) {
        return;
    }
    data = g_malloc(len ? len : 1);
    address_space_read(c->s->cfg.memory, addr, MEMTXATTRS_UNSPECIFIED, data,
                       len);
    if (b64) {
        g_autofree gchar *enc = g_base64_encode(data, len);
        size_t from = c->s->out->len;

        g_string_append(c->s->out, "OK ");
        g_string_append(c->s->out, enc);
        g_string_append_c(c->s->out, '\n');
        log_reply(c->s, from);
    } else {
        GString *o = c->s->out;
        size_t from = o->len;
        char *p;

        g_string_set_size(o, from + 5 + 2 * len + 1);
        p = o->str + from;
        memcpy(p, "OK 0x", 5);
        p += 5;
        for (uint64_t i = 0; i < len; i++) {
            *p++ = hexdigits[data[i] >> 4];
            *p++ = hexdigits[data[i] & 0xf];
        }
        *p = '\n';
        log_reply(c->s, from);
    }
}

/*
 * Write @len bytes at @addr: the first @have bytes from @src, the rest
 * @fill, in chunks ending on QTEST_CHUNK multiples.
 */
static void write_stream(QTestServer *s, uint64_t addr, const uint8_t *src,
                         uint64_t have, uint8_t fill, uint64_t len)
{
    static uint8_t fillbuf[QTEST_CHUNK];
    static int fillbyte = -1;
    static uint64_t filled;     /* fillbuf[0, filled) holds fillbyte */
    uint64_t done = 0;

    if (len <= QTEST_CHUNK && have >= len) {
        address_space_write(s->cfg.memory, addr, MEMTXATTRS_UNSPECIFIED, src,
                            len);
        return;
    }
    while (done < len) {
        uint64_t a = addr + done;
        uint64_t l = QTEST_CHUNK - (a % QTEST_CHUNK);

        l = MIN(l, len - done);
        if (done < have) {
            l = MIN(l, have - done);
            address_space_write(s->cfg.memory, a, MEMTXATTRS_UNSPECIFIED,
                                src + done, l);
        } else {
            /* fill only as much of the buffer as this piece needs */
            if (fillbyte != fill) {
                fillbyte = fill;
                filled = 0;
            }
            if (filled < l) {
                memset(fillbuf + filled, fill, l - filled);
                filled = l;
            }
            address_space_write(s->cfg.memory, a, MEMTXATTRS_UNSPECIFIED,
                                fillbuf, l);
        }
        done += l;
    }
}

static int hex2nib(char ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    } else if (ch >= 'a' && ch <= 'f') {
        return 10 + (ch - 'a');
    } else if (ch >= 'A' && ch <= 'F') {
        return 10 + (ch - 'A');
    }
    return -1;
}

static void do_write(Cmd *c)
{
    uint64_t addr, len, have;
    const char *hex;
    size_t data_len;
    g_autofree uint8_t *data = NULL;

    if (!need(c, 4) || !arg_u64(c, 1, &addr) || !arg_u64(c, 2, &len)) {
        return;
    }
    hex = c->w[3];
    data_len = strlen(hex);
    if (data_len < 3) {
        c->s->errors++;
        qtest_server_send(c->s, "ERR invalid argument size\n");
        return;
    }
    if (!check_span(c, addr, len, QTEST_MAX_WRITE)) {
        return;
    }
    /* bytes with both nibbles present: i*2+4 <= data_len */
    have = MIN(len, (data_len - 2) / 2);
    data = g_malloc(have ? have : 1);
    for (uint64_t i = 0; i < have; i++) {
        /* -1 for a non-hex character: QEMU's (wrapping) arithmetic */
        data[i] = (uint8_t)(((unsigned)hex2nib(hex[i * 2 + 2]) << 4) |
                            (unsigned)hex2nib(hex[i * 2 + 3]));
    }
    write_stream(c->s, addr, data, have, 0, len);
    reply_ok(c->s);
}

static void do_b64write(Cmd *c)
{
    uint64_t addr, len, have;
    size_t data_len;
    gsize out_len;

    if (!need(c, 4) || !arg_u64(c, 1, &addr) || !arg_u64(c, 2, &len)) {
        return;
    }
    data_len = strlen(c->w[3]);
    if (data_len < 3) {
        c->s->errors++;
        qtest_server_send(c->s, "ERR invalid argument size\n");
        return;
    }
    if (!check_span(c, addr, len, QTEST_MAX_WRITE)) {
        return;
    }
    /* decoded in place: the buffer holds the decoded bytes, then what is
     * left of the text, then its NUL (data_len + 1 bytes in all) */
    g_base64_decode_inplace(c->w[3], &out_len);
    have = MIN(len, (uint64_t)data_len + 1);
    write_stream(c->s, addr, (const uint8_t *)c->w[3], have, 0, len);
    reply_ok(c->s);
}

static void do_memset(Cmd *c)
{
    uint64_t addr, len, pattern;

    if (!need(c, 4) || !arg_u64(c, 1, &addr) || !arg_u64(c, 2, &len) ||
        !arg_u64(c, 3, &pattern)) {
        return;
    }
    if (!check_span(c, addr, len, QTEST_MAX_WRITE)) {
        return;
    }
    if (len) {
        write_stream(c->s, addr, NULL, 0, (uint8_t)pattern, len);
    }
    reply_ok(c->s);
}

static void do_clock(Cmd *c, bool set)
{
    VClock *clk = c->s->cfg.clock;
    int64_t ns, now;

    if (set) {
        if (!need(c, 2) || !arg_i64(c, 1, &ns)) {
            return;
        }
        now = vclock_set(clk, ns);
    } else if (c->n >= 2) {
        if (!arg_i64(c, 1, &ns)) {
            return;
        }
        now = vclock_step(clk, ns);
    } else {
        now = vclock_step_next(clk);
    }
    reply(c->s, "OK %" PRIi64 "\n", now);
}

static void dispatch(Cmd *c)
{
    const char *w = c->w[0];
    QTestServer *s = c->s;

    switch (w[0]) {
    case 'r':
        if (!strcmp(w, "readb") || !strcmp(w, "readw") ||
            !strcmp(w, "readl") || !strcmp(w, "readq")) {
            do_readN(c);
            return;
        }
        if (!strcmp(w, "read")) {
            do_read(c, false);
            return;
        }
        break;
    case 'w':
        if (!strcmp(w, "writeb") || !strcmp(w, "writew") ||
            !strcmp(w, "writel") || !strcmp(w, "writeq")) {
            do_writeN(c);
            return;
        }
        if (!strcmp(w, "write")) {
            do_write(c);
            return;
        }
        break;
    case 'o':
        if (!strcmp(w, "outb") || !strcmp(w, "outw") || !strcmp(w, "outl")) {
            do_out(c);
            return;
        }
        break;
    case 'i':
        if (!strcmp(w, "inb") || !strcmp(w, "inw") || !strcmp(w, "inl")) {
            do_in(c);
            return;
        }
        if (!strcmp(w, "irq_intercept_in") || !strcmp(w, "irq_intercept_out")) {
            if (need(c, 2)) {
                qtest_server_send(s, "FAIL Unknown device\n");
            }
            return;
        }
        break;
    case 'b':
        if (!strcmp(w, "b64read")) {
            do_read(c, true);
            return;
        }
        if (!strcmp(w, "b64write")) {
            do_b64write(c);
            return;
        }
        break;
    case 'm':
        if (!strcmp(w, "memset")) {
            do_memset(c);
            return;
        }
        if (!strcmp(w, "module_load")) {
            if (need(c, 3)) {
                qtest_server_send(s, "FAIL\n");
            }
            return;
        }
        break;
    case 's':
        if (!strcmp(w, "set_irq_in")) {
            if (need(c, 5)) {
                qtest_server_send(s, "FAIL Unknown device\n");
            }
            return;
        }
        break;
    case 'e':
        if (!strcmp(w, "endianness")) {
            qtest_server_send(s, "OK little\n");
            return;
        }
        break;
    case 'c':
        if (s->cfg.clock_commands && s->cfg.clock) {
            if (!strcmp(w, "clock_step")) {
                do_clock(c, false);
                return;
            }
            if (!strcmp(w, "clock_set")) {
                do_clock(c, true);
                return;
            }
        }
        break;
    }
    {
        size_t from = s->out->len;

        g_string_append(s->out, "FAIL Unknown command '");
        g_string_append(s->out, w);
        g_string_append(s->out, "'\n");
        log_reply(s, from);
    }
}

/* @line is NUL-terminated and writable */
static void process(QTestServer *s, char *line)
{
    char *words[QTEST_MAX_WORDS + 1];
    Cmd c = { .s = s, .w = words };
    char *p = line;

    s->lines++;
    if (s->cfg.log) {
        fprintf(s->cfg.log, "[R +%.06f] %s\n", g_timer_elapsed(s->timer, NULL),
                line);
    }
    /* g_strsplit(line, " ", 0): "" gives no word at all */
    if (*line) {
        for (;;) {
            char *sp = strchr(p, ' ');

            if (c.n < QTEST_MAX_WORDS) {
                words[c.n] = p;
            }
            c.n++;
            if (!sp) {
                break;
            }
            *sp = '\0';
            p = sp + 1;
        }
    }
    if (c.n > QTEST_MAX_WORDS) {
        c.n = QTEST_MAX_WORDS;
    }
    words[c.n] = NULL;
    if (c.n == 0) {
        words[0] = (char *)"";
        words[1] = NULL;
    }
    dispatch(&c);
}

void qtest_server_process_line(QTestServer *s, char *line, size_t len)
{
    size_t n = strnlen(line, len);

    g_string_truncate(s->scratch, 0);
    g_string_append_len(s->scratch, line, (gssize)n);
    process(s, s->scratch->str);
}

size_t qtest_server_feed(QTestServer *s, const char *data, size_t len)
{
    size_t start = 0, count = 0;
    char *nl;

    g_string_append_len(s->in, data, (gssize)len);
    while (start < s->in->len &&
           (nl = memchr(s->in->str + start, '\n', s->in->len - start))) {
        char *line = s->in->str + start;

        *nl = '\0';
        start = (size_t)(nl - s->in->str) + 1;
        process(s, line);   /* a NUL inside ends the text, as in QEMU */
        count++;
    }
    if (start) {
        g_string_erase(s->in, 0, (gssize)start);
    }
    return count;
}

size_t qtest_server_pending_input(const QTestServer *s)
{
    return s->in->len;
}
