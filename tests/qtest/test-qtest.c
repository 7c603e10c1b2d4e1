/*
 * test-qtest.c - the qtest protocol server (scripts/qtest.c) on a small
 * machine built in C: replies QEMU would give, ERR for the lines QEMU 7.2
 * aborts on, one reply per line whatever the line, and a fuzz smoke test.
 */
#include <glib.h>
#include <string.h>
#include "memory/memory.h"
#include "memory/address-space.h"
#include "scripts/qtest.h"

typedef struct Machine {
    MemoryRegion *system, *io, *ram, *mmio;
    AddressSpace *as, *io_as;
    VClock *clock;
    QTestServer *s;
    uint32_t reg;
} Machine;

static uint64_t mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    Machine *m = opaque;
    return addr == 0 ? m->reg : 0x5a5a5a5a;
}

static void mmio_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    Machine *m = opaque;
    if (addr == 0) {
        m->reg = (uint32_t)val;
    }
}

static const MemoryRegionOps mmio_ops = {
    .read = mmio_read,
    .write = mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
};

static uint64_t io_read(void *opaque, hwaddr addr, unsigned size)
{
    return UINT64_MAX;
}

static const MemoryRegionOps io_ops = {
    .read = io_read,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

static void machine_init(Machine *m, bool clock_commands)
{
    memset(m, 0, sizeof(*m));
    m->system = memory_region_new_container("system", UINT64_MAX);
    m->ram = memory_region_new_ram("ram", 1 << 20, NULL, NULL);
    g_assert(m->ram);
    g_assert(memory_region_add_subregion(m->system, 0, m->ram, NULL));
    m->mmio = memory_region_new_io(&mmio_ops, m, "dev", 0x1000);
    g_assert(memory_region_add_subregion(m->system, 0xfe000000, m->mmio,
                                         NULL));
    m->io = memory_region_new_io(&io_ops, m, "io", 0x10000);
    m->as = address_space_new(m->system, "memory");
    m->io_as = address_space_new(m->io, "I/O");
    m->clock = vclock_new(VCLOCK_MANUAL);
    m->s = qtest_server_new(&(QTestConfig){
        .memory = m->as, .io = m->io_as, .clock = m->clock,
        .clock_commands = clock_commands });
}

static void machine_fini(Machine *m)
{
    qtest_server_free(m->s);
    vclock_free(m->clock);
    address_space_destroy(m->as);
    address_space_destroy(m->io_as);
    memory_region_del_subregion(m->system, m->ram, NULL);
    memory_region_del_subregion(m->system, m->mmio, NULL);
    memory_region_unref(m->ram);
    memory_region_unref(m->mmio);
    memory_region_unref(m->system);
    memory_region_unref(m->io);
}

/* Feed @in, return the output (and consume it) */
static char *run(Machine *m, const char *in)
{
    size_t len;
    const char *out;
    char *r;

    qtest_server_feed(m->s, in, strlen(in));
    out = qtest_server_output(m->s, &len);
    r = g_strndup(out, len);
    qtest_server_consume(m->s, len);
    return r;
}

#define CHECK(m, in, expect)                                  \
    do {                                                      \
        g_autofree char *got_ = run((m), (in));               \
        g_assert_cmpstr(got_, ==, (expect));                  \
    } while (0)

static void test_replies(void)
{
    Machine m;

    machine_init(&m, false);
    CHECK(&m, "writeq 0x100 0x1122334455667788\n", "OK\n");
    CHECK(&m, "readq 0x100\n", "OK 0x1122334455667788\n");
    CHECK(&m, "readl 0x104\nreadw 0x102\nreadb 0x107\n",
          "OK 0x0000000011223344\nOK 0x0000000000005566\n"
          "OK 0x0000000000000011\n");
    CHECK(&m, "read 0x100 3\n", "OK 0x887766\n");
    CHECK(&m, "b64read 0x100 3\n", "OK iHdm\n");
    CHECK(&m, "b64read 0x100 0\n", "OK \n");
    CHECK(&m, "write 0x200 4 0xaabb\nread 0x200 4\n", "OK\nOK 0xaabb0000\n");
    CHECK(&m, "write 0x200 1 0x\n", "ERR invalid argument size\n");
    CHECK(&m, "b64write 0x200 3 aGk=\nread 0x200 3\n",
          "OK\nOK 0x68696b\n");  /* in-place decode: "hi" then "k" */
    /* fewer decoded bytes than SIZE: the rest of the text, its NUL, zeros */
    CHECK(&m, "b64write 0x300 8 QQ==\nread 0x300 8\n",
          "OK\nOK 0x41513d3d00000000\n");
    CHECK(&m, "memset 0x200 3 0x1ff\nread 0x1ff 5\n", "OK\nOK 0x00ffffff00\n");
    CHECK(&m, "writel 0xfe000000 0xcafe\nreadl 0xfe000000\n",
          "OK\nOK 0x000000000000cafe\n");
    CHECK(&m, "readb 0xfe000000\n", "OK 0x0000000000000000\n");
    CHECK(&m, "inb 0x10\ninw 0x10\ninl 0x10\n",
          "OK 0x00ff\nOK 0xffff\nOK 0xffffffff\n");
    CHECK(&m, "outl 0x10 5\n", "OK\n");
    CHECK(&m, "endianness\n", "OK little\n");
    CHECK(&m, "clock_step\n", "FAIL Unknown command 'clock_step'\n");
    CHECK(&m, "nope a b\n", "FAIL Unknown command 'nope'\n");
    CHECK(&m, " readb 0\n", "FAIL Unknown command ''\n");
    CHECK(&m, "\n", "FAIL Unknown command ''\n");
    CHECK(&m, "readb 0 extra\n", "OK 0x0000000000000000\n");
    CHECK(&m, "readb 0100\n", "OK 0x0000000000000000\n");
    /* a line arrives in pieces */
    CHECK(&m, "read", "");
    g_assert_cmpuint(qtest_server_pending_input(m.s), ==, 4);
    CHECK(&m, "b 0x10", "");
    CHECK(&m, "3\nreadb", "OK 0x0000000000000055\n");
    CHECK(&m, " 0x101\n", "OK 0x0000000000000077\n");
    /* a NUL ends the text of the line */
    qtest_server_feed(m.s, "readb 0x101\0junk\n", 17);
    CHECK(&m, "", "OK 0x0000000000000077\n");
    machine_fini(&m);
}

static void test_bad_lines(void)
{
    Machine m;

    machine_init(&m, true);
    CHECK(&m, "outb\n", "ERR outb: expected 2 arguments, got 0\n");
    CHECK(&m, "outb 0x80\n", "ERR outb: expected 2 arguments, got 1\n");
    CHECK(&m, "outb 0xzz 1\n", "ERR outb: invalid number '0xzz'\n");
    CHECK(&m, "outb  1\n", "ERR outb: invalid number ''\n");
    CHECK(&m, "outb 0x10000 1\n", "ERR outb: port '0x10000' above 0xffff\n");
    CHECK(&m, "inl 65536\n", "ERR inl: port '65536' above 0xffff\n");
    CHECK(&m, "readb\n", "ERR readb: expected 1 argument, got 0\n");
    CHECK(&m, "readb 0x\n", "ERR readb: invalid number '0x'\n");
    CHECK(&m, "readq 18446744073709551616\n",
          "ERR readq: invalid number '18446744073709551616'\n");
    CHECK(&m, "readb 08\n", "ERR readb: invalid number '08'\n");
    CHECK(&m, "readb 1e\n", "ERR readb: invalid number '1e'\n");
    CHECK(&m, "readb 0\r\n", "ERR readb: invalid number '0\r'\n");
    CHECK(&m, "read 0 0\n", "ERR read: size must not be 0\n");
    CHECK(&m, "read 0 0x10000000000\n",
          "ERR read: size 1099511627776 above the limit of 67108864 bytes\n");
    CHECK(&m, "memset 0 0xffffffffffffffff 0\n",
          "ERR memset: size 18446744073709551615 above the limit of "
          "68719476736 bytes\n");
    CHECK(&m, "write 0 -1 0x00\n",
          "ERR write: size 18446744073709551615 above the limit of "
          "68719476736 bytes\n");
    CHECK(&m, "write 0 4\n", "ERR write: expected 3 arguments, got 2\n");
    CHECK(&m, "b64write 0 4\n", "ERR b64write: expected 3 arguments, got 2\n");
    CHECK(&m, "memset 0 4\n", "ERR memset: expected 3 arguments, got 2\n");
    CHECK(&m, "set_irq_in a b c\n",
          "ERR set_irq_in: expected 4 arguments, got 3\n");
    CHECK(&m, "irq_intercept_in\n",
          "ERR irq_intercept_in: expected 1 argument, got 0\n");
    CHECK(&m, "clock_set\n", "ERR clock_set: expected 1 argument, got 0\n");
    CHECK(&m, "clock_step x\n", "ERR clock_step: invalid number 'x'\n");
    CHECK(&m, "clock_step 9223372036854775808\n",
          "ERR clock_step: invalid number '9223372036854775808'\n");
    /* the server goes on */
    CHECK(&m, "clock_step 10\nclock_set 5\nclock_set 100\nclock_step\n",
          "OK 10\nOK 10\nOK 100\nOK 100\n");
    g_assert_cmpuint(qtest_server_errors(m.s), ==, 24);
    machine_fini(&m);
}

static void test_numbers(void)
{
    uint64_t v;
    int64_t i;

    g_assert_true(qtest_parse_u64("0x10", &v) && v == 16);
    g_assert_true(qtest_parse_u64("0XfF", &v) && v == 255);
    g_assert_true(qtest_parse_u64("010", &v) && v == 8);
    g_assert_true(qtest_parse_u64("-1", &v) && v == UINT64_MAX);
    g_assert_true(qtest_parse_u64(" +7", &v) && v == 7);
    g_assert_true(qtest_parse_u64("0xffffffffffffffff", &v) && v == UINT64_MAX);
    g_assert_false(qtest_parse_u64("0x10000000000000000", &v));
    g_assert_false(qtest_parse_u64("0x", &v));
    g_assert_false(qtest_parse_u64("", &v));
    g_assert_false(qtest_parse_u64("12 ", &v));
    g_assert_false(qtest_parse_u64(NULL, &v));
    g_assert_true(qtest_parse_i64("-5", &i) && i == -5);
    g_assert_false(qtest_parse_i64("0x8000000000000000", &i));
}

/* Random lines: every line gets exactly one reply, nothing crashes. */
static void test_fuzz(void)
{
    static const char *const cmds[] = {
        "outb", "outw", "outl", "inb", "inw", "inl", "readb", "readw",
        "readl", "readq", "writeb", "writew", "writel", "writeq", "read",
        "write", "b64read", "b64write", "memset", "clock_step", "clock_set",
        "endianness", "irq_intercept_in", "set_irq_in", "module_load", "x",
        "",
    };
    static const char *const nums[] = {
        "0", "1", "-1", "0x", "0x10", "0xfe000000", "0xfffffffffffffff0",
        "0x100000", "4096", "65536", "0xzz", "010", "08", "", "AAAA", "0x1234",
        "3", "8", "99999999999999999999", "0xfe000ffc",
    };
    Machine m;
    GRand *r = g_rand_new_with_seed(g_test_rand_int());
    GString *in = g_string_new("");
    unsigned lines = 20000;

    machine_init(&m, g_rand_boolean(r));
    for (unsigned i = 0; i < lines; i++) {
        int nw = g_rand_int_range(r, 0, 6);

        g_string_append(in, cmds[g_rand_int_range(r, 0, G_N_ELEMENTS(cmds))]);
        for (int w = 0; w < nw; w++) {
            g_string_append_c(in, ' ');
            if (g_rand_int_range(r, 0, 8) == 0) {
                /* random bytes (no newline) */
                int n = g_rand_int_range(r, 0, 12);
                for (int k = 0; k < n; k++) {
                    char ch = (char)g_rand_int_range(r, 0, 256);
                    g_string_append_c(in, ch == '\n' ? 'n' : ch);
                }
            } else {
                g_string_append(in, nums[g_rand_int_range(r, 0,
                                                          G_N_ELEMENTS(nums))]);
            }
        }
        g_string_append_c(in, '\n');
    }
    {
        size_t done = 0, outlen;
        guint64 replies = 0;

        /* feed in random pieces */
        while (done < in->len) {
            size_t n = MIN(in->len - done, (size_t)g_rand_int_range(r, 1, 300));
            const char *out;

            qtest_server_feed(m.s, in->str + done, n);
            done += n;
            out = qtest_server_output(m.s, &outlen);
            for (size_t k = 0; k < outlen; k++) {
                replies += out[k] == '\n';
            }
            qtest_server_consume(m.s, outlen);
        }
        g_assert_cmpuint(qtest_server_lines(m.s), ==, lines);
        g_assert_cmpuint(replies, ==, lines);
    }
    g_string_free(in, TRUE);
    g_rand_free(r);
    machine_fini(&m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/replies", test_replies);
    g_test_add_func("/qtest/bad-lines", test_bad_lines);
    g_test_add_func("/qtest/numbers", test_numbers);
    g_test_add_func("/qtest/fuzz", test_fuzz);
    return g_test_run();
}
