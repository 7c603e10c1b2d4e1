/*
 * test-access.c - address_space_rw and friends on RAM, ROM, ROM devices and
 * unassigned space; dirty tracking per write path; loads and stores;
 * address_space_access_valid; the IOMMU translate loop.
 */
#include "memory/address-space.h"

#include <string.h>

#define ATTRS MEMTXATTRS_UNSPECIFIED

static MemoryRegion *add_ram(MemoryRegion *parent, const char *name, hwaddr at,
                             uint64_t size)
{
    GError *err = NULL;
    MemoryRegion *mr = memory_region_new_ram(name, size, NULL, &err);
    g_assert_no_error(err);
    g_assert_true(memory_region_add_subregion(parent, at, mr, &err));
    g_assert_no_error(err);
    memory_region_unref(mr); /* the container keeps it */
    return mr;
}

static void clear_dirty(MemoryRegion *mr)
{
    for (unsigned c = 0; c < DIRTY_MEMORY_NUM; c++) {
        memory_region_reset_dirty(mr, 0, memory_region_size(mr), c);
    }
}

static unsigned dirty_clients(MemoryRegion *mr, hwaddr addr, hwaddr len)
{
    unsigned mask = 0;
    for (unsigned c = 0; c < DIRTY_MEMORY_NUM; c++) {
        if (memory_region_get_dirty(mr, addr, len, c)) {
            mask |= 1u << c;
        }
    }
    return mask;
}

typedef struct Sys {
    MemoryRegion *root;
    AddressSpace *as;
} Sys;

static void sys_init(Sys *s)
{
    s->root = memory_region_new_container("sys", UINT64_MAX);
    s->as = address_space_new(s->root, "sys");
}

static void sys_fini(Sys *s)
{
    address_space_destroy(s->as);
    memory_region_unref(s->root);
}

/* ---- RAM ------------------------------------------------------------------ */

static void test_ram_rw_boundaries(void)
{
    Sys s;
    uint8_t out[0x300], in[0x300];

    sys_init(&s);
    MemoryRegion *a = add_ram(s.root, "a", 0x0, 0x10000);
    MemoryRegion *b = add_ram(s.root, "b", 0x10000, 0x10000);

    for (unsigned i = 0; i < sizeof(out); i++) {
        out[i] = (uint8_t)(i * 7 + 1);
    }
    g_assert_cmpuint(address_space_write(s.as, 0xff00, ATTRS, out,
                                         sizeof(out)), ==, MEMTX_OK);
    g_assert_cmpmem(memory_region_get_ram_ptr(a) + 0xff00, 0x100, out, 0x100);
    g_assert_cmpmem(memory_region_get_ram_ptr(b), 0x200, out + 0x100, 0x200);
    memset(in, 0, sizeof(in));
    g_assert_cmpuint(address_space_read(s.as, 0xff00, ATTRS, in, sizeof(in)),
                     ==, MEMTX_OK);
    g_assert_cmpmem(in, sizeof(in), out, sizeof(out));
    /* rw wrapper and zero length */
    g_assert_cmpuint(address_space_rw(s.as, 0xfffe, ATTRS, in, 4, false), ==,
                     MEMTX_OK);
    g_assert_cmpmem(in, 4, out + 0xfe, 4);
    g_assert_cmpuint(address_space_rw(s.as, 0x900000, ATTRS, in, 0, true), ==,
                     MEMTX_OK);

    /* an alias window at 0x100000 onto b+0x800 */
    GError *err = NULL;
    MemoryRegion *al = memory_region_new_alias("al", b, 0x800, 0x1000, &err);
    g_assert_no_error(err);
    g_assert_true(memory_region_add_subregion(s.root, 0x100000, al, &err));
    memory_region_unref(al);
    g_assert_cmpuint(address_space_write(s.as, 0x100ffe, ATTRS, "wxyz", 4), ==,
                     MEMTX_DECODE_ERROR);
    g_assert_cmpmem(memory_region_get_ram_ptr(b) + 0x17fe, 2, "wx", 2);

    /* a large copy across both regions */
    size_t big = 0x18000;
    uint8_t *src = g_malloc(big), *dst = g_malloc0(big);
    for (size_t i = 0; i < big; i++) {
        src[i] = (uint8_t)(i ^ (i >> 8));
    }
    g_assert_cmpuint(address_space_write(s.as, 0x4000, ATTRS, src, big), ==,
                     MEMTX_OK);
    g_assert_cmpuint(address_space_read(s.as, 0x4000, ATTRS, dst, big), ==,
                     MEMTX_OK);
    g_assert_cmpmem(dst, big, src, big);
    g_free(src);
    g_free(dst);
    sys_fini(&s);
}

static void test_unassigned(void)
{
    Sys s;
    uint8_t buf[16];
    MemTxResult r;

    sys_init(&s);
    MemoryRegion *ram = add_ram(s.root, "ram", 0x1000, 0x1000);
    memset(memory_region_get_ram_ptr(ram), 0x77, 0x1000);

    memset(buf, 0xaa, sizeof(buf));
    g_assert_cmpuint(address_space_read(s.as, 0x8000, ATTRS, buf, 16), ==,
                     MEMTX_DECODE_ERROR);
    for (int i = 0; i < 16; i++) {
        g_assert_cmphex(buf[i], ==, 0);
    }
    g_assert_cmpuint(address_space_write(s.as, 0x8000, ATTRS, buf, 16), ==,
                     MEMTX_DECODE_ERROR);
    g_assert_cmphex(address_space_ldl_le(s.as, 0x8000, ATTRS, &r), ==, 0);
    g_assert_cmpuint(r, ==, MEMTX_DECODE_ERROR);
    address_space_stq_be(s.as, 0x8000, 1, ATTRS, &r);
    g_assert_cmpuint(r, ==, MEMTX_DECODE_ERROR);

    /* RAM then hole: RAM bytes copied, hole bytes 0, DECODE_ERROR */
    memset(buf, 0xaa, sizeof(buf));
    g_assert_cmpuint(address_space_read(s.as, 0x1ff8, ATTRS, buf, 16), ==,
                     MEMTX_DECODE_ERROR);
    for (int i = 0; i < 8; i++) {
        g_assert_cmphex(buf[i], ==, 0x77);
        g_assert_cmphex(buf[8 + i], ==, 0);
    }
    /* hole then RAM */
    memset(buf, 0xaa, sizeof(buf));
    g_assert_cmpuint(address_space_read(s.as, 0xff8, ATTRS, buf, 16), ==,
                     MEMTX_DECODE_ERROR);
    for (int i = 0; i < 8; i++) {
        g_assert_cmphex(buf[i], ==, 0);
        g_assert_cmphex(buf[8 + i], ==, 0x77);
    }
    /* a write across hole and RAM writes the RAM part */
    uint8_t w[16];
    memset(w, 0x31, sizeof(w));
    g_assert_cmpuint(address_space_write(s.as, 0xff8, ATTRS, w, 16), ==,
                     MEMTX_DECODE_ERROR);
    g_assert_cmphex(memory_region_get_ram_ptr(ram)[7], ==, 0x31);
    g_assert_cmphex(memory_region_get_ram_ptr(ram)[8], ==, 0x77);

    /* a huge read of nothing is quick and all zero */
    size_t big = 1 << 22;
    uint8_t *p = g_malloc(big);
    memset(p, 0xee, big);
    g_assert_cmpuint(address_space_read(s.as, 0x100000000ull, ATTRS, p, big),
                     ==, MEMTX_DECODE_ERROR);
    for (size_t i = 0; i < big; i += 4093) {
        g_assert_cmphex(p[i], ==, 0);
    }
    g_free(p);

    /* the very top of the address space */
    memset(buf, 0xaa, sizeof(buf));
    g_assert_cmpuint(address_space_read(s.as, UINT64_MAX - 7, ATTRS, buf, 8),
                     ==, MEMTX_DECODE_ERROR);
    g_assert_cmphex(buf[7], ==, 0);
    /* past the top the access wraps to 0, as QEMU's hwaddr arithmetic */
    memset(buf, 0xaa, sizeof(buf));
    g_assert_cmpuint(address_space_read(s.as, UINT64_MAX - 3, ATTRS, buf, 8),
                     ==, MEMTX_DECODE_ERROR);
    g_assert_cmphex(buf[7], ==, 0);
    g_assert_false(address_space_access_valid(s.as, UINT64_MAX, 2, false,
                                              ATTRS));

    /* translate reports the unassigned region */
    hwaddr xlat, len = 0x100;
    MemoryRegion *mr = address_space_translate(s.as, 0x800, &xlat, &len, false,
                                               ATTRS);
    g_assert_true(mr == memory_region_unassigned());
    g_assert_cmphex(len, ==, 0x100);
    len = 0x2000;
    mr = address_space_translate(s.as, 0x800, &xlat, &len, false, ATTRS);
    g_assert_cmphex(len, ==, 0x800); /* up to the RAM */
    len = 0x2000;
    mr = address_space_translate(s.as, 0x1800, &xlat, &len, true, ATTRS);
    g_assert_true(mr == ram);
    g_assert_cmphex(xlat, ==, 0x800);
    g_assert_cmphex(len, ==, 0x800);
    sys_fini(&s);
}

/* An empty address space (no root rendering) reads as unassigned. */
static void test_empty_space(void)
{
    MemoryRegion *root = memory_region_new_container("empty", 0x1000);
    AddressSpace *as = address_space_new(root, "empty");
    uint8_t buf[4] = { 1, 1, 1, 1 };
    g_assert_cmpuint(address_space_read(as, 0, ATTRS, buf, 4), ==,
                     MEMTX_DECODE_ERROR);
    g_assert_cmphex(buf[0], ==, 0);
    g_assert_false(address_space_access_valid(as, 0, 4, false, ATTRS));
    address_space_destroy(as);
    memory_region_unref(root);
}

/* ROM: reads work; guest writes are dropped with DECODE_ERROR (QEMU 7.2:
 * a RAM region's ops are unassigned_mem_ops, and ROM writes are not
 * direct); write_rom writes and returns OK. */
static void test_rom(void)
{
    Sys s;
    GError *err = NULL;
    uint8_t buf[8];
    MemTxResult r;

    sys_init(&s);
    MemoryRegion *rom = memory_region_new_rom("rom", 0x1000, &err);
    g_assert_no_error(err);
    g_assert_true(memory_region_add_subregion(s.root, 0x10000, rom, &err));
    memory_region_unref(rom);
    uint8_t *host = memory_region_get_ram_ptr(rom);
    memset(host, 0x42, 0x1000);

    g_assert_cmpuint(address_space_write(s.as, 0x10010, ATTRS, "hello", 5), ==,
                     MEMTX_DECODE_ERROR);
    g_assert_cmphex(host[0x10], ==, 0x42);
    address_space_stl_le(s.as, 0x10010, 0x12345678, ATTRS, &r);
    g_assert_cmpuint(r, ==, MEMTX_DECODE_ERROR);
    g_assert_cmphex(host[0x10], ==, 0x42);
    g_assert_cmpuint(address_space_set(s.as, 0x10000, 0, 0x1000, ATTRS), ==,
                     MEMTX_DECODE_ERROR);
    g_assert_cmphex(host[0xfff], ==, 0x42);
    g_assert_false(address_space_access_valid(s.as, 0x10000, 4, true, ATTRS));
    g_assert_true(address_space_access_valid(s.as, 0x10000, 0x1000, false,
                                             ATTRS));

    g_assert_cmpuint(address_space_read(s.as, 0x10010, ATTRS, buf, 8), ==,
                     MEMTX_OK);
    g_assert_cmphex(buf[0], ==, 0x42);
    g_assert_cmphex(address_space_ldl_le(s.as, 0x10010, ATTRS, &r), ==,
                    0x42424242);
    g_assert_cmpuint(r, ==, MEMTX_OK);

    clear_dirty(rom);
    memory_region_set_log(rom, true, DIRTY_MEMORY_VGA);
    g_assert_cmpuint(address_space_write_rom(s.as, 0x10010, ATTRS, "hello", 5),
                     ==, MEMTX_OK);
    g_assert_cmpmem(host + 0x10, 5, "hello", 5);
    g_assert_cmpuint(dirty_clients(rom, 0x10, 5), ==, 1u << DIRTY_MEMORY_VGA);
    /* write_rom skips what is not RAM/ROM and still returns OK */
    g_assert_cmpuint(address_space_write_rom(s.as, 0xfff0, ATTRS,
                                             "0123456789abcdefXYZ", 19), ==,
                     MEMTX_OK);
    g_assert_cmpmem(host, 3, "XYZ", 3);
    memory_region_set_log(rom, false, DIRTY_MEMORY_VGA);

    /* a RAM region made readonly behaves the same */
    MemoryRegion *ram = add_ram(s.root, "ram", 0x20000, 0x1000);
    memory_region_set_readonly(ram, true);
    g_assert_cmpuint(address_space_write(s.as, 0x20000, ATTRS, "x", 1), ==,
                     MEMTX_DECODE_ERROR);
    g_assert_cmphex(memory_region_get_ram_ptr(ram)[0], ==, 0);
    memory_region_set_readonly(ram, false);
    g_assert_cmpuint(address_space_write(s.as, 0x20000, ATTRS, "x", 1), ==,
                     MEMTX_OK);
    g_assert_cmphex(memory_region_get_ram_ptr(ram)[0], ==, 'x');
    sys_fini(&s);
}

/* ---- ROM device ----------------------------------------------------------- */

typedef struct RomdDev {
    int reads, writes;
    hwaddr last_addr;
    uint64_t last_val;
} RomdDev;

static uint64_t romd_read(void *opaque, hwaddr addr, unsigned size)
{
    RomdDev *d = opaque;
    d->reads++;
    return 0xc0c0c0c0c0c0c0c0ull;
}

static void romd_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    RomdDev *d = opaque;
    d->writes++;
    d->last_addr = addr;
    d->last_val = val;
}

static const MemoryRegionOps romd_ops = {
    .read = romd_read,
    .write = romd_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

static void test_rom_device(void)
{
    Sys s;
    GError *err = NULL;
    RomdDev d = { 0 };
    uint8_t buf[4];

    sys_init(&s);
    MemoryRegion *mr = memory_region_new_rom_device(&romd_ops, &d, "flash",
                                                    0x1000, &err);
    g_assert_no_error(err);
    g_assert_true(memory_region_add_subregion(s.root, 0x4000, mr, &err));
    memory_region_unref(mr);
    uint8_t *host = memory_region_get_ram_ptr(mr);
    memset(host, 0x5e, 0x1000);

    /* romd mode: reads from RAM, writes to the ops */
    g_assert_cmpuint(address_space_read(s.as, 0x4000, ATTRS, buf, 4), ==,
                     MEMTX_OK);
    g_assert_cmphex(buf[0], ==, 0x5e);
    g_assert_cmpint(d.reads, ==, 0);
    g_assert_cmphex(address_space_ldl_le(s.as, 0x4004, ATTRS, NULL), ==,
                    0x5e5e5e5e);
    g_assert_cmpint(d.reads, ==, 0);
    g_assert_cmpuint(address_space_write(s.as, 0x4010, ATTRS, "\x11\x22\x33\x44",
                                         4), ==, MEMTX_OK);
    g_assert_cmpint(d.writes, ==, 1);
    g_assert_cmphex(d.last_addr, ==, 0x10);
    g_assert_cmphex(d.last_val, ==, 0x44332211);
    g_assert_cmphex(host[0x10], ==, 0x5e);

    /* write_rom writes into the RAM in romd mode */
    g_assert_cmpuint(address_space_write_rom(s.as, 0x4020, ATTRS, "ab", 2), ==,
                     MEMTX_OK);
    g_assert_cmpmem(host + 0x20, 2, "ab", 2);

    /* I/O mode: reads go to the ops too; write_rom skips it */
    memory_region_rom_device_set_romd(mr, false);
    g_assert_cmphex(address_space_ldl_le(s.as, 0x4000, ATTRS, NULL), ==,
                    0xc0c0c0c0);
    g_assert_cmpint(d.reads, ==, 1);
    g_assert_cmpuint(address_space_read(s.as, 0x4000, ATTRS, buf, 4), ==,
                     MEMTX_OK);
    g_assert_cmphex(buf[0], ==, 0xc0);
    g_assert_cmpuint(address_space_write_rom(s.as, 0x4030, ATTRS, "cd", 2), ==,
                     MEMTX_OK);
    g_assert_cmphex(host[0x30], ==, 0x5e);
    sys_fini(&s);
}

/* ---- dirty tracking ------------------------------------------------------- */

static void test_dirty_paths(void)
{
    Sys s;
    uint64_t ps = ram_page_size();

    sys_init(&s);
    MemoryRegion *ram = add_ram(s.root, "ram", 0, 16 * ps);
    MemoryRegion *quiet = add_ram(s.root, "quiet", 16 * ps, 16 * ps);

    clear_dirty(ram);
    clear_dirty(quiet);
    g_assert_cmpuint(dirty_clients(ram, 0, 16 * ps), ==, 0);

    /* no logging client: nothing is marked */
    g_assert_cmpuint(address_space_write(s.as, 16 * ps, ATTRS, "abc", 3), ==,
                     MEMTX_OK);
    address_space_stl_le(s.as, 17 * ps, 1, ATTRS, NULL);
    address_space_set(s.as, 18 * ps, 1, ps, ATTRS);
    g_assert_cmpuint(dirty_clients(quiet, 0, 16 * ps), ==, 0);

    memory_region_set_log(ram, true, DIRTY_MEMORY_VGA);
    const unsigned vga = 1u << DIRTY_MEMORY_VGA;

    /* rw: exactly the pages written */
    g_assert_cmpuint(address_space_write(s.as, ps - 2, ATTRS, "abcd", 4), ==,
                     MEMTX_OK);
    g_assert_cmpuint(dirty_clients(ram, 0, ps), ==, vga);
    g_assert_cmpuint(dirty_clients(ram, ps, ps), ==, vga);
    g_assert_cmpuint(dirty_clients(ram, 2 * ps, 14 * ps), ==, 0);
    /* a read marks nothing */
    uint8_t b[8];
    address_space_read(s.as, 3 * ps, ATTRS, b, 8);
    g_assert_cmpuint(dirty_clients(ram, 3 * ps, ps), ==, 0);
    /* st */
    address_space_stq_be(s.as, 3 * ps, 1, ATTRS, NULL);
    g_assert_cmpuint(dirty_clients(ram, 3 * ps, ps), ==, vga);
    address_space_stb(s.as, 4 * ps + 5, 1, ATTRS, NULL);
    g_assert_cmpuint(dirty_clients(ram, 4 * ps, ps), ==, vga);
    /* set */
    address_space_set(s.as, 5 * ps, 0xff, 2 * ps, ATTRS);
    g_assert_cmpuint(dirty_clients(ram, 5 * ps, ps), ==, vga);
    g_assert_cmpuint(dirty_clients(ram, 6 * ps, ps), ==, vga);
    g_assert_cmpuint(dirty_clients(ram, 7 * ps, ps), ==, 0);
    /* write_rom */
    address_space_write_rom(s.as, 8 * ps, ATTRS, "z", 1);
    g_assert_cmpuint(dirty_clients(ram, 8 * ps, ps), ==, vga);
    /* map for write + unmap: only access_len is dirtied */
    hwaddr len = 2 * ps;
    void *p = address_space_map(s.as, 9 * ps, &len, true, ATTRS);
    g_assert_nonnull(p);
    g_assert_cmphex(len, ==, 2 * ps);
    g_assert_cmpuint(dirty_clients(ram, 9 * ps, 2 * ps), ==, 0);
    memset(p, 1, 16);
    address_space_unmap(s.as, p, len, true, 16);
    g_assert_cmpuint(dirty_clients(ram, 9 * ps, ps), ==, vga);
    g_assert_cmpuint(dirty_clients(ram, 10 * ps, ps), ==, 0);
    /* map for read: nothing */
    len = ps;
    p = address_space_map(s.as, 11 * ps, &len, false, ATTRS);
    address_space_unmap(s.as, p, len, false, len);
    g_assert_cmpuint(dirty_clients(ram, 11 * ps, ps), ==, 0);

    /* global dirty logging adds MIGRATION, also for regions not logging */
    memory_region_set_log(ram, false, DIRTY_MEMORY_VGA);
    clear_dirty(ram);
    memory_global_dirty_log_start();
    address_space_write(s.as, 12 * ps, ATTRS, "q", 1);
    address_space_write(s.as, 20 * ps, ATTRS, "q", 1);
    g_assert_cmpuint(dirty_clients(ram, 12 * ps, ps), ==,
                     1u << DIRTY_MEMORY_MIGRATION);
    g_assert_cmpuint(dirty_clients(quiet, 4 * ps, ps), ==,
                     1u << DIRTY_MEMORY_MIGRATION);
    memory_global_dirty_log_stop();
    clear_dirty(ram);
    address_space_write(s.as, 13 * ps, ATTRS, "q", 1);
    g_assert_cmpuint(dirty_clients(ram, 13 * ps, ps), ==, 0);

    /* CODE logging is a client like VGA */
    memory_region_set_log(ram, true, DIRTY_MEMORY_CODE);
    address_space_write(s.as, 14 * ps, ATTRS, "q", 1);
    g_assert_cmpuint(dirty_clients(ram, 14 * ps, ps), ==,
                     1u << DIRTY_MEMORY_CODE);
    memory_region_set_log(ram, false, DIRTY_MEMORY_CODE);
    sys_fini(&s);
}

/* ---- loads and stores ----------------------------------------------------- */

static void test_ld_st_ram(void)
{
    Sys s;
    MemTxResult r = 99;

    sys_init(&s);
    MemoryRegion *ram = add_ram(s.root, "ram", 0x1000, 0x1000);
    add_ram(s.root, "ram2", 0x2000, 0x1000);
    uint8_t *h = memory_region_get_ram_ptr(ram);

    address_space_stw_le(s.as, 0x1000, 0x1234, ATTRS, &r);
    g_assert_cmpuint(r, ==, MEMTX_OK);
    g_assert_cmpmem(h, 2, "\x34\x12", 2);
    address_space_stw_be(s.as, 0x1002, 0x1234, ATTRS, NULL);
    g_assert_cmpmem(h + 2, 2, "\x12\x34", 2);
    address_space_stl_le(s.as, 0x1004, 0x11223344, ATTRS, NULL);
    g_assert_cmpmem(h + 4, 4, "\x44\x33\x22\x11", 4);
    address_space_stl_be(s.as, 0x1008, 0x11223344, ATTRS, NULL);
    g_assert_cmpmem(h + 8, 4, "\x11\x22\x33\x44", 4);
    address_space_stq_le(s.as, 0x1010, 0x0102030405060708ull, ATTRS, NULL);
    g_assert_cmpmem(h + 0x10, 8, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
    address_space_stq_be(s.as, 0x1018, 0x0102030405060708ull, ATTRS, NULL);
    g_assert_cmpmem(h + 0x18, 8, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    address_space_stb(s.as, 0x1020, 0xab, ATTRS, NULL);
    g_assert_cmphex(h[0x20], ==, 0xab);

    g_assert_cmphex(address_space_ldub(s.as, 0x1020, ATTRS, &r), ==, 0xab);
    g_assert_cmpuint(r, ==, MEMTX_OK);
    g_assert_cmphex(address_space_lduw_le(s.as, 0x1000, ATTRS, NULL), ==,
                    0x1234);
    g_assert_cmphex(address_space_lduw_be(s.as, 0x1000, ATTRS, NULL), ==,
                    0x3412);
    g_assert_cmphex(address_space_ldl_le(s.as, 0x1004, ATTRS, NULL), ==,
                    0x11223344);
    g_assert_cmphex(address_space_ldl_be(s.as, 0x1004, ATTRS, NULL), ==,
                    0x44332211);
    g_assert_cmphex(address_space_ldq_le(s.as, 0x1018, ATTRS, NULL), ==,
                    0x0807060504030201ull);
    g_assert_cmphex(address_space_ldq_be(s.as, 0x1018, ATTRS, NULL), ==,
                    0x0102030405060708ull);
    g_assert_cmphex(address_space_ld(s.as, 0x1010, 8, false, ATTRS, NULL), ==,
                    0x0102030405060708ull);
    /* unaligned within RAM is fine */
    g_assert_cmphex(address_space_ldl_le(s.as, 0x1001, ATTRS, NULL), ==,
                    0x44341212);

    /* straddling the end of a RAM region: one access of the full width
     * to that region, which has no ops: DECODE_ERROR (as QEMU) */
    g_assert_cmphex(address_space_ldl_le(s.as, 0x1ffe, ATTRS, &r), ==, 0);
    g_assert_cmpuint(r, ==, MEMTX_DECODE_ERROR);
    address_space_stl_le(s.as, 0x1ffe, 0xffffffff, ATTRS, &r);
    g_assert_cmpuint(r, ==, MEMTX_DECODE_ERROR);
    g_assert_cmphex(h[0xffe], ==, 0);
    sys_fini(&s);
}

/* ---- access_valid --------------------------------------------------------- */

static uint64_t small_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static const MemoryRegionOps small_ops = {
    .read = small_read,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
};

static void test_access_valid(void)
{
    Sys s;
    GError *err = NULL;

    sys_init(&s);
    add_ram(s.root, "ram", 0, 0x2000);
    MemoryRegion *io = memory_region_new_io(&small_ops, NULL, "io", 0x100);
    g_assert_true(memory_region_add_subregion(s.root, 0x2000, io, &err));
    memory_region_unref(io);

    g_assert_true(address_space_access_valid(s.as, 0, 0x2000, true, ATTRS));
    g_assert_true(address_space_access_valid(s.as, 0x1000, 0x1100, false,
                                             ATTRS));
    g_assert_true(address_space_access_valid(s.as, 0x1000, 0, false, ATTRS));
    /* MMIO with valid.min 4: pieces of 4 are fine, a 2-byte tail is not */
    g_assert_true(address_space_access_valid(s.as, 0x2000, 0x100, false,
                                             ATTRS));
    g_assert_false(address_space_access_valid(s.as, 0x2000, 0x6, false,
                                              ATTRS));
    g_assert_false(address_space_access_valid(s.as, 0x2002, 0x4, false,
                                              ATTRS));
    /* into unassigned space */
    g_assert_false(address_space_access_valid(s.as, 0x1f00, 0x1000, false,
                                              ATTRS));
    g_assert_false(address_space_access_valid(s.as, 0x5000, 1, true, ATTRS));
    sys_fini(&s);
}

/* ---- IOMMU ---------------------------------------------------------------- */

/* A tiny IOMMU model: 4K pages, page n maps to target + offset + n * stride
 * (stride 4K: contiguous), perm for every page except the faulting range. */
typedef struct TestIommu {
    MemoryRegion mr; /* first: the region is freed as the whole struct */
    AddressSpace *target;
    hwaddr offset;
    hwaddr stride;
    IOMMUAccessFlags perm;
    hwaddr fault_start, fault_end; /* [start, end) faults */
    int calls;
    int last_idx;
    IOMMUAccessFlags last_flag;
} TestIommu;

static IOMMUTLBEntry test_translate(MemoryRegion *iommu, hwaddr addr,
                                    IOMMUAccessFlags flag, int iommu_idx)
{
    TestIommu *t = (TestIommu *)iommu;
    hwaddr page = addr >> 12;
    IOMMUTLBEntry e = {
        .target_as = t->target,
        .iova = addr & ~(hwaddr)0xfff,
        .translated_addr = t->offset + page * t->stride,
        .addr_mask = 0xfff,
        .perm = t->perm,
    };
    t->calls++;
    t->last_idx = iommu_idx;
    t->last_flag = flag;
    if (addr >= t->fault_start && addr < t->fault_end) {
        e.perm = IOMMU_NONE;
    }
    return e;
}

static int test_attrs_to_index(MemoryRegion *iommu, MemTxAttrs attrs)
{
    return attrs.secure ? 1 : 0;
}

static const IOMMUMemoryRegionClass test_iommu_class = {
    .name = "test-iommu",
    .translate = test_translate,
    .attrs_to_index = test_attrs_to_index,
};

static TestIommu *add_iommu(MemoryRegion *parent, hwaddr at, uint64_t size,
                            AddressSpace *target, hwaddr offset)
{
    GError *err = NULL;
    TestIommu *t = g_new0(TestIommu, 1);
    memory_region_init_iommu(&t->mr, &test_iommu_class, "iommu", size);
    t->mr.heap = true; /* freed with the region */
    t->target = target;
    t->offset = offset;
    t->stride = 0x1000;
    t->perm = IOMMU_RW;
    g_assert_true(memory_region_add_subregion(parent, at, &t->mr, &err));
    g_assert_no_error(err);
    memory_region_unref(&t->mr);
    return t;
}

static void test_iommu_translate(void)
{
    Sys s;
    uint8_t buf[16];
    MemTxResult r;

    sys_init(&s);
    MemoryRegion *ram = add_ram(s.root, "ram", 0x100000, 0x100000);
    uint8_t *h = memory_region_get_ram_ptr(ram);
    for (int i = 0; i < 0x100000; i++) {
        h[i] = (uint8_t)(i >> 12);
    }

    MemoryRegion *dev_root = memory_region_new_container("dev", UINT64_MAX);
    TestIommu *t = add_iommu(dev_root, 0, UINT64_MAX, s.as, 0x100000);
    AddressSpace *das = address_space_new(dev_root, "dev-as");

    /* iova 0x3010 -> 0x103010 */
    g_assert_cmphex(address_space_ldub(das, 0x3010, ATTRS, &r), ==, 3);
    g_assert_cmpuint(r, ==, MEMTX_OK);
    g_assert_cmpint(t->last_flag, ==, IOMMU_RO);
    g_assert_cmpint(t->last_idx, ==, 0);
    MemTxAttrs sec = { .secure = 1 };
    address_space_stb(das, 0x3010, 0x99, sec, &r);
    g_assert_cmpuint(r, ==, MEMTX_OK);
    g_assert_cmpint(t->last_flag, ==, IOMMU_WO);
    g_assert_cmpint(t->last_idx, ==, 1);
    g_assert_cmphex(h[0x3010], ==, 0x99);

    /* translate: offset composed with the mask, length clipped at the
     * page end */
    hwaddr xlat, len = 0x10000;
    MemoryRegion *mr = address_space_translate(das, 0x5ff0, &xlat, &len,
                                               false, ATTRS);
    g_assert_true(mr == ram);
    g_assert_cmphex(xlat, ==, 0x5ff0);
    g_assert_cmphex(len, ==, 0x10);

    /* non-contiguous pages: a read across a page boundary is split */
    t->stride = 0x2000;
    g_assert_cmpuint(address_space_read(das, 0x1ff8, ATTRS, buf, 16), ==,
                     MEMTX_OK);
    for (int i = 0; i < 8; i++) {
        g_assert_cmphex(buf[i], ==, 2);     /* page 1 -> 0x102000 */
        g_assert_cmphex(buf[8 + i], ==, 4); /* page 2 -> 0x104000 */
    }
    t->stride = 0x1000;

    /* permissions: read-only mapping refuses writes */
    t->perm = IOMMU_RO;
    g_assert_cmpuint(address_space_write(das, 0x4000, ATTRS, "xx", 2), ==,
                     MEMTX_DECODE_ERROR);
    g_assert_cmphex(h[0x4000], ==, 4);
    g_assert_cmpuint(address_space_read(das, 0x4000, ATTRS, buf, 2), ==,
                     MEMTX_OK);
    g_assert_false(address_space_access_valid(das, 0x4000, 2, true, ATTRS));
    g_assert_true(address_space_access_valid(das, 0x4000, 2, false, ATTRS));
    t->perm = IOMMU_WO;
    memset(buf, 0xaa, 4);
    g_assert_cmpuint(address_space_read(das, 0x4000, ATTRS, buf, 4), ==,
                     MEMTX_DECODE_ERROR);
    g_assert_cmphex(buf[0], ==, 0);
    t->perm = IOMMU_RW;

    /* fault: read 0 + DECODE_ERROR; a read across mapped and faulting pages
     * keeps the mapped part */
    t->fault_start = 0x8000;
    t->fault_end = 0x9000;
    memset(buf, 0xaa, sizeof(buf));
    g_assert_cmphex(address_space_ldl_le(das, 0x8000, ATTRS, &r), ==, 0);
    g_assert_cmpuint(r, ==, MEMTX_DECODE_ERROR);
    g_assert_cmpuint(address_space_read(das, 0x7ff8, ATTRS, buf, 16), ==,
                     MEMTX_DECODE_ERROR);
    for (int i = 0; i < 8; i++) {
        g_assert_cmphex(buf[i], ==, 7);
        g_assert_cmphex(buf[8 + i], ==, 0);
    }
    mr = address_space_translate(das, 0x8000, &xlat, &len, false, ATTRS);
    g_assert_true(mr == memory_region_unassigned());

    /* translated into a hole of the target */
    t->fault_start = t->fault_end = 0;
    g_assert_cmphex(address_space_ldl_le(das, 0x200000, ATTRS, &r), ==, 0);
    g_assert_cmpuint(r, ==, MEMTX_DECODE_ERROR);

    /* a 64 KiB read through the IOMMU: one translation per page */
    uint8_t *big = g_malloc(0x10000);
    t->calls = 0;
    g_assert_cmpuint(address_space_read(das, 0x10000, ATTRS, big, 0x10000), ==,
                     MEMTX_OK);
    g_assert_cmpint(t->calls, ==, 16);
    g_assert_cmpmem(big, 0x10000, h + 0x10000, 0x10000);
    g_free(big);

    address_space_destroy(das);
    memory_region_unref(dev_root);
    sys_fini(&s);
}

/* Nested IOMMUs compose; a self-referencing one ends in an error. */
static void test_iommu_nested_and_loop(void)
{
    Sys s;
    MemTxResult r;
    uint8_t buf[8];

    sys_init(&s);
    MemoryRegion *ram = add_ram(s.root, "ram", 0x100000, 0x10000);
    memset(memory_region_get_ram_ptr(ram) + 0x2345, 0x6b, 1);

    /* stage 2: iova2 -> iova2 + 0x100000 in system */
    MemoryRegion *root2 = memory_region_new_container("s2", UINT64_MAX);
    add_iommu(root2, 0, UINT64_MAX, s.as, 0x100000);
    AddressSpace *as2 = address_space_new(root2, "s2-as");
    /* stage 1 at 0x40000000: iova1 -> iova1 - 0x40000000 + 0x1000 in as2 */
    MemoryRegion *root1 = memory_region_new_container("s1", UINT64_MAX);
    add_iommu(root1, 0x40000000, 0x10000000, as2, 0x1000);
    AddressSpace *as1 = address_space_new(root1, "s1-as");

    /* 0x40001345 -> s1 offset 0x1345 -> 0x2345 in as2 -> 0x102345 */
    g_assert_cmphex(address_space_ldub(as1, 0x40001345, ATTRS, &r), ==, 0x6b);
    g_assert_cmpuint(r, ==, MEMTX_OK);

    /* self loop: an IOMMU whose target is its own address space */
    MemoryRegion *lroot = memory_region_new_container("loop", UINT64_MAX);
    AddressSpace *las = address_space_new(lroot, "loop-as");
    TestIommu *lt = add_iommu(lroot, 0, UINT64_MAX, las, 0);
    memset(buf, 0xaa, sizeof(buf));
    g_assert_cmpuint(address_space_read(las, 0x1000, ATTRS, buf, 8), ==,
                     MEMTX_DECODE_ERROR);
    g_assert_cmphex(buf[0], ==, 0);
    g_assert_cmpuint(address_space_write(las, 0x1000, ATTRS, buf, 8), ==,
                     MEMTX_DECODE_ERROR);
    g_assert_cmphex(address_space_ldq_le(las, 0x1000, ATTRS, &r), ==, 0);
    g_assert_cmpuint(r, ==, MEMTX_DECODE_ERROR);
    g_assert_false(address_space_access_valid(las, 0, 8, false, ATTRS));
    hwaddr len = 8;
    /* map: a fault is not RAM, so it gets a (zero-filled) bounce buffer */
    uint8_t *mp = address_space_map(las, 0, &len, false, ATTRS);
    g_assert_nonnull(mp);
    g_assert_cmphex(len, ==, 8);
    g_assert_cmphex(mp[0] | mp[7], ==, 0);
    address_space_unmap(las, mp, len, false, 0);
    hwaddr xlat;
    len = 8;
    g_assert_true(address_space_translate(las, 0, &xlat, &len, false, ATTRS) ==
                  memory_region_unassigned());
    g_assert_cmpint(lt->calls, >, 0);
    g_assert_cmpint(lt->calls, <, 10000);

    /* a loop through two address spaces */
    MemoryRegion *ra = memory_region_new_container("ra", UINT64_MAX);
    MemoryRegion *rb = memory_region_new_container("rb", UINT64_MAX);
    AddressSpace *asa = address_space_new(ra, "a");
    AddressSpace *asb = address_space_new(rb, "b");
    add_iommu(ra, 0, UINT64_MAX, asb, 0);
    add_iommu(rb, 0, UINT64_MAX, asa, 0);
    g_assert_cmphex(address_space_ldl_le(asa, 0x10, ATTRS, &r), ==, 0);
    g_assert_cmpuint(r, ==, MEMTX_DECODE_ERROR);

    address_space_destroy(asa);
    address_space_destroy(asb);
    memory_region_unref(ra);
    memory_region_unref(rb);
    address_space_destroy(las);
    memory_region_unref(lroot);
    address_space_destroy(as1);
    address_space_destroy(as2);
    memory_region_unref(root1);
    memory_region_unref(root2);
    sys_fini(&s);
}

/* A device callback that removes its own region during an access must not
 * crash the access (the view and region are held for its duration). */
typedef struct SelfRemove {
    MemoryRegion *parent;
    MemoryRegion *mr;
    int calls;
} SelfRemove;

static uint64_t self_remove_read(void *opaque, hwaddr addr, unsigned size)
{
    SelfRemove *sr = opaque;
    if (sr->calls++ == 0) {
        g_assert_true(memory_region_del_subregion(sr->parent, sr->mr, NULL));
    }
    return 0x11;
}

static const MemoryRegionOps self_remove_ops = {
    .read = self_remove_read,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static void test_callback_changes_map(void)
{
    Sys s;
    GError *err = NULL;
    SelfRemove sr = { 0 };
    uint8_t buf[8];

    sys_init(&s);
    sr.parent = s.root;
    sr.mr = memory_region_new_io(&self_remove_ops, &sr, "vanishing", 0x10);
    g_assert_true(memory_region_add_subregion(s.root, 0x1000, sr.mr, &err));
    memory_region_unref(sr.mr);
    /* the whole access still goes to the view it started in */
    g_assert_cmpuint(address_space_read(s.as, 0x1000, ATTRS, buf, 8), ==,
                     MEMTX_OK);
    g_assert_cmpint(sr.calls, ==, 8);
    g_assert_cmphex(buf[7], ==, 0x11);
    /* the next access sees it gone */
    g_assert_cmpuint(address_space_read(s.as, 0x1000, ATTRS, buf, 1), ==,
                     MEMTX_DECODE_ERROR);
    sys_fini(&s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/access/ram-rw-boundaries", test_ram_rw_boundaries);
    g_test_add_func("/access/unassigned", test_unassigned);
    g_test_add_func("/access/empty-space", test_empty_space);
    g_test_add_func("/access/rom", test_rom);
    g_test_add_func("/access/rom-device", test_rom_device);
    g_test_add_func("/access/dirty-paths", test_dirty_paths);
    g_test_add_func("/access/ld-st-ram", test_ld_st_ram);
    g_test_add_func("/access/access-valid", test_access_valid);
    g_test_add_func("/access/iommu-translate", test_iommu_translate);
    g_test_add_func("/access/iommu-nested-and-loop",
                    test_iommu_nested_and_loop);
    g_test_add_func("/access/callback-changes-map", test_callback_changes_map);
    return g_test_run();
}
