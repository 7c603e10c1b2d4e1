/*
 * test-mmio.c - MMIO dispatch: validity checks, access-size adjustment,
 * device endianness, *_with_attrs callbacks and result propagation.
 */
#include "memory/address-space.h"

#include <string.h>

/* ---- a device that logs every callback ---------------------------------- */

typedef struct Call {
    bool write;
    hwaddr addr;
    unsigned size;
    uint64_t val;
} Call;

/* Registers are plain bytes in mem[]; a callback of @size at @addr sees them
 * as one value in the device's byte order. */
typedef struct Dev {
    GArray *log;
    bool be;
    uint8_t mem[64];
    MemTxResult read_result;  /* for the *_with_attrs callbacks */
    MemTxResult write_result;
    MemTxAttrs last_attrs;
    hwaddr reject_addr;       /* accepts() refuses this offset */
    int accepts_calls;
    bool last_accepts_write;
} Dev;

static uint64_t dev_get(Dev *d, hwaddr addr, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint8_t b = d->mem[(addr + i) % sizeof(d->mem)];
        if (d->be) {
            v = (v << 8) | b;
        } else {
            v |= (uint64_t)b << (8 * i);
        }
    }
    return v;
}

static void dev_put(Dev *d, hwaddr addr, unsigned size, uint64_t v)
{
    for (unsigned i = 0; i < size; i++) {
        unsigned shift = d->be ? 8 * (size - 1 - i) : 8 * i;
        d->mem[(addr + i) % sizeof(d->mem)] = (uint8_t)(v >> shift);
    }
}

static void log_call(Dev *d, bool write, hwaddr addr, unsigned size,
                     uint64_t val)
{
    Call c = { write, addr, size, val };
    g_array_append_val(d->log, c);
}

static uint64_t dev_read(void *opaque, hwaddr addr, unsigned size)
{
    Dev *d = opaque;
    uint64_t v = dev_get(d, addr, size);
    log_call(d, false, addr, size, v);
    return v;
}

static void dev_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    Dev *d = opaque;
    log_call(d, true, addr, size, val);
    dev_put(d, addr, size, val);
}

static MemTxResult dev_read_attrs(void *opaque, hwaddr addr, uint64_t *data,
                                  unsigned size, MemTxAttrs attrs)
{
    Dev *d = opaque;
    d->last_attrs = attrs;
    *data = dev_read(opaque, addr, size);
    return d->read_result;
}

static MemTxResult dev_write_attrs(void *opaque, hwaddr addr, uint64_t data,
                                   unsigned size, MemTxAttrs attrs)
{
    Dev *d = opaque;
    d->last_attrs = attrs;
    dev_write(opaque, addr, data, size);
    return d->write_result;
}

static bool dev_accepts(void *opaque, hwaddr addr, unsigned size,
                        bool is_write, MemTxAttrs attrs)
{
    Dev *d = opaque;
    d->accepts_calls++;
    d->last_accepts_write = is_write;
    return addr != d->reject_addr;
}

static void dev_init(Dev *d, bool be)
{
    memset(d, 0, sizeof(*d));
    d->log = g_array_new(FALSE, TRUE, sizeof(Call));
    d->be = be;
    d->reject_addr = (hwaddr)-1;
    for (unsigned i = 0; i < sizeof(d->mem); i++) {
        d->mem[i] = (uint8_t)(0x10 + i);
    }
}

static void dev_fini(Dev *d)
{
    g_array_free(d->log, TRUE);
}

static Call *call_at(Dev *d, guint i)
{
    g_assert_cmpuint(i, <, d->log->len);
    return &g_array_index(d->log, Call, i);
}

static void assert_call(Dev *d, guint i, bool write, hwaddr addr,
                        unsigned size, uint64_t val)
{
    Call *c = call_at(d, i);
    g_assert_cmpint(c->write, ==, write);
    g_assert_cmphex(c->addr, ==, addr);
    g_assert_cmpuint(c->size, ==, size);
    g_assert_cmphex(c->val, ==, val);
}

/* ---- a system with one MMIO region at 0x1000 ---------------------------- */

typedef struct Sys {
    MemoryRegion *root;
    MemoryRegion *io;
    AddressSpace *as;
} Sys;

static void sys_init(Sys *s, const MemoryRegionOps *ops, Dev *d,
                     uint64_t size)
{
    GError *err = NULL;
    s->root = memory_region_new_container("sys", UINT64_MAX);
    s->io = memory_region_new_io(ops, d, "dev", size);
    g_assert_true(memory_region_add_subregion(s->root, 0x1000, s->io, &err));
    g_assert_no_error(err);
    memory_region_unref(s->io);
    s->as = address_space_new(s->root, "sys");
}

static void sys_fini(Sys *s)
{
    address_space_destroy(s->as);
    memory_region_unref(s->root);
}

#define ATTRS MEMTXATTRS_UNSPECIFIED

/* ---- ops variants --------------------------------------------------------- */

static const MemoryRegionOps ops_le_impl1 = {
    .read = dev_read, .write = dev_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static const MemoryRegionOps ops_be_impl1 = {
    .read = dev_read, .write = dev_write,
    .endianness = DEVICE_BIG_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static const MemoryRegionOps ops_le_impl4 = {
    .read = dev_read, .write = dev_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static const MemoryRegionOps ops_be_impl4 = {
    .read = dev_read, .write = dev_write,
    .endianness = DEVICE_BIG_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static const MemoryRegionOps ops_default = {
    .read = dev_read, .write = dev_write,
    .endianness = DEVICE_NATIVE_ENDIAN,
};

static const MemoryRegionOps ops_attrs = {
    .read_with_attrs = dev_read_attrs, .write_with_attrs = dev_write_attrs,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 2 },
};

static const MemoryRegionOps ops_accepts = {
    .read = dev_read, .write = dev_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4,
               .accepts = dev_accepts },
};

static const MemoryRegionOps ops_unaligned = {
    .read = dev_read, .write = dev_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
};

static const MemoryRegionOps ops_none = {
    .endianness = DEVICE_LITTLE_ENDIAN,
};

/* ---- tests ---------------------------------------------------------------- */

/* impl.max 1: a 4-byte write becomes four 1-byte writes, ascending, low
 * byte first for a little-endian device. */
static void test_split_le(void)
{
    Dev d;
    Sys s;
    uint64_t v;

    dev_init(&d, false);
    sys_init(&s, &ops_le_impl1, &d, 0x100);

    g_assert_cmpuint(memory_region_dispatch_write(s.io, 0x8, 0x11223344, 4,
                                                  ATTRS), ==, MEMTX_OK);
    g_assert_cmpuint(d.log->len, ==, 4);
    assert_call(&d, 0, true, 0x8, 1, 0x44);
    assert_call(&d, 1, true, 0x9, 1, 0x33);
    assert_call(&d, 2, true, 0xa, 1, 0x22);
    assert_call(&d, 3, true, 0xb, 1, 0x11);

    g_array_set_size(d.log, 0);
    g_assert_cmpuint(memory_region_dispatch_read(s.io, 0x8, &v, 4, ATTRS), ==,
                     MEMTX_OK);
    g_assert_cmphex(v, ==, 0x11223344);
    g_assert_cmpuint(d.log->len, ==, 4);
    assert_call(&d, 0, false, 0x8, 1, 0x44);
    assert_call(&d, 3, false, 0xb, 1, 0x11);

    /* through the address space, stl/ldl and plain rw */
    address_space_stl_le(s.as, 0x1010, 0xa1b2c3d4, ATTRS, NULL);
    g_assert_cmphex(d.mem[0x10], ==, 0xd4);
    g_assert_cmphex(d.mem[0x13], ==, 0xa1);
    g_assert_cmphex(address_space_ldl_le(s.as, 0x1010, ATTRS, NULL), ==,
                    0xa1b2c3d4);
    g_assert_cmphex(address_space_ldl_be(s.as, 0x1010, ATTRS, NULL), ==,
                    0xd4c3b2a1);
    uint8_t buf[8];
    g_assert_cmpuint(address_space_read(s.as, 0x1010, ATTRS, buf, 4), ==,
                     MEMTX_OK);
    g_assert_cmphex(buf[0], ==, 0xd4);
    g_assert_cmphex(buf[3], ==, 0xa1);

    sys_fini(&s);
    dev_fini(&d);
}

/* A big-endian device with impl.max 1: the pieces go in the same address
 * order, the most significant part of the value first, so that the bytes
 * land in memory order whatever the device endianness. */
static void test_split_be(void)
{
    Dev d;
    Sys s;
    uint64_t v;

    dev_init(&d, true);
    sys_init(&s, &ops_be_impl1, &d, 0x100);

    g_assert_cmpuint(memory_region_dispatch_write(s.io, 0x8, 0x11223344, 4,
                                                  ATTRS), ==, MEMTX_OK);
    g_assert_cmpuint(d.log->len, ==, 4);
    assert_call(&d, 0, true, 0x8, 1, 0x44);
    assert_call(&d, 1, true, 0x9, 1, 0x33);
    assert_call(&d, 2, true, 0xa, 1, 0x22);
    assert_call(&d, 3, true, 0xb, 1, 0x11);

    g_assert_cmpuint(memory_region_dispatch_read(s.io, 0x8, &v, 4, ATTRS), ==,
                     MEMTX_OK);
    g_assert_cmphex(v, ==, 0x11223344);

    /* 2-byte access: value in host order, bytes in memory order */
    g_array_set_size(d.log, 0);
    address_space_stw_le(s.as, 0x1020, 0xbeef, ATTRS, NULL);
    assert_call(&d, 0, true, 0x20, 1, 0xef);
    assert_call(&d, 1, true, 0x21, 1, 0xbe);
    g_assert_cmphex(address_space_lduw_be(s.as, 0x1020, ATTRS, NULL), ==,
                    0xefbe);

    sys_fini(&s);
    dev_fini(&d);
}

/* impl.min 4: a 1-byte access is widened to one 4-byte call at the same
 * address; the byte comes from the low end (LE) or high end (BE). */
static void test_widen(void)
{
    Dev d;
    Sys s;
    uint64_t v;

    dev_init(&d, false);
    sys_init(&s, &ops_le_impl4, &d, 0x100);
    g_assert_cmpuint(memory_region_dispatch_read(s.io, 0x4, &v, 1, ATTRS), ==,
                     MEMTX_OK);
    g_assert_cmpuint(d.log->len, ==, 1);
    assert_call(&d, 0, false, 0x4, 4, 0x17161514);
    g_assert_cmphex(v, ==, 0x14);
    g_assert_cmpuint(memory_region_dispatch_write(s.io, 0x4, 0xab, 1, ATTRS),
                     ==, MEMTX_OK);
    assert_call(&d, 1, true, 0x4, 4, 0xab);
    /* 2-byte read of the same device */
    g_assert_cmpuint(memory_region_dispatch_read(s.io, 0x8, &v, 2, ATTRS), ==,
                     MEMTX_OK);
    g_assert_cmphex(v, ==, 0x1918);
    sys_fini(&s);
    dev_fini(&d);

    dev_init(&d, true);
    sys_init(&s, &ops_be_impl4, &d, 0x100);
    g_assert_cmpuint(memory_region_dispatch_read(s.io, 0x4, &v, 1, ATTRS), ==,
                     MEMTX_OK);
    assert_call(&d, 0, false, 0x4, 4, 0x14151617);
    g_assert_cmphex(v, ==, 0x14);
    g_assert_cmpuint(memory_region_dispatch_write(s.io, 0x4, 0xab, 1, ATTRS),
                     ==, MEMTX_OK);
    assert_call(&d, 1, true, 0x4, 4, 0xab000000);
    sys_fini(&s);
    dev_fini(&d);
}

/* valid.max 4 refuses 8-byte accesses without calling the device; rw of 8
 * bytes goes as two 4-byte pieces instead. */
static void test_valid_max(void)
{
    Dev d;
    Sys s;
    uint64_t v = 123;
    MemTxResult r;
    uint8_t buf[8];

    dev_init(&d, false);
    sys_init(&s, &ops_le_impl4, &d, 0x100);

    g_assert_cmpuint(memory_region_dispatch_read(s.io, 0, &v, 8, ATTRS), ==,
                     MEMTX_DECODE_ERROR);
    g_assert_cmphex(v, ==, 0);
    g_assert_cmpuint(memory_region_dispatch_write(s.io, 0, 1, 8, ATTRS), ==,
                     MEMTX_DECODE_ERROR);
    g_assert_cmpuint(d.log->len, ==, 0);
    g_assert_false(memory_region_access_valid(s.io, 0, 8, false, ATTRS));
    g_assert_true(memory_region_access_valid(s.io, 0, 4, false, ATTRS));

    g_assert_cmphex(address_space_ldq_le(s.as, 0x1000, ATTRS, &r), ==, 0);
    g_assert_cmpuint(r, ==, MEMTX_DECODE_ERROR);
    g_assert_cmpuint(d.log->len, ==, 0);

    g_assert_cmpuint(address_space_read(s.as, 0x1000, ATTRS, buf, 8), ==,
                     MEMTX_OK);
    g_assert_cmpuint(d.log->len, ==, 2);
    assert_call(&d, 0, false, 0x0, 4, 0x13121110);
    assert_call(&d, 1, false, 0x4, 4, 0x17161514);
    for (int i = 0; i < 8; i++) {
        g_assert_cmphex(buf[i], ==, 0x10 + i);
    }
    g_assert_true(address_space_access_valid(s.as, 0x1000, 8, false, ATTRS));

    sys_fini(&s);
    dev_fini(&d);
}

/* valid.max 0 accepts any size; impl defaults (1..4) split an 8-byte
 * access in two; rw pieces default to 4 bytes. */
static void test_defaults(void)
{
    Dev d;
    Sys s;
    uint64_t v;
    uint8_t buf[8];

    dev_init(&d, false);
    sys_init(&s, &ops_default, &d, 0x100);
    g_assert_cmpuint(memory_region_dispatch_read(s.io, 0, &v, 8, ATTRS), ==,
                     MEMTX_OK);
    g_assert_cmphex(v, ==, 0x1716151413121110ull);
    g_assert_cmpuint(d.log->len, ==, 2);
    assert_call(&d, 0, false, 0, 4, 0x13121110);
    assert_call(&d, 1, false, 4, 4, 0x17161514);

    g_array_set_size(d.log, 0);
    g_assert_cmphex(address_space_ldq_le(s.as, 0x1000, ATTRS, NULL), ==,
                    0x1716151413121110ull);
    g_assert_cmpuint(d.log->len, ==, 2);

    /* a 1-byte access is not widened (impl.min 0 means 1) */
    g_array_set_size(d.log, 0);
    g_assert_cmpuint(memory_region_dispatch_read(s.io, 3, &v, 1, ATTRS), ==,
                     MEMTX_OK);
    assert_call(&d, 0, false, 3, 1, 0x13);

    /* rw of 7 bytes at offset 1: pieces 1, 2, 4 (alignment, then max 4) */
    g_array_set_size(d.log, 0);
    g_assert_cmpuint(address_space_read(s.as, 0x1001, ATTRS, buf, 7), ==,
                     MEMTX_OK);
    g_assert_cmpuint(d.log->len, ==, 3);
    assert_call(&d, 0, false, 1, 1, 0x11);
    assert_call(&d, 1, false, 2, 2, 0x1312);
    assert_call(&d, 2, false, 4, 4, 0x17161514);
    for (int i = 0; i < 7; i++) {
        g_assert_cmphex(buf[i], ==, 0x11 + i);
    }
    sys_fini(&s);
    dev_fini(&d);
}

/* Only 1, 2, 4 and 8 exist at this level; other sizes fail, never abort. */
static void test_bad_sizes(void)
{
    Dev d;
    Sys s;
    uint64_t v = 7;
    MemTxResult r = MEMTX_OK;

    dev_init(&d, false);
    sys_init(&s, &ops_default, &d, 0x100);
    for (unsigned size = 0; size <= 16; size++) {
        if (size == 1 || size == 2 || size == 4 || size == 8) {
            continue;
        }
        g_assert_cmpuint(memory_region_dispatch_read(s.io, 0, &v, size,
                                                     ATTRS), ==,
                         MEMTX_DECODE_ERROR);
        g_assert_cmphex(v, ==, 0);
        g_assert_cmpuint(memory_region_dispatch_write(s.io, 0, 0, size, ATTRS),
                         ==, MEMTX_DECODE_ERROR);
        g_assert_false(memory_region_access_valid(s.io, 0, size, true, ATTRS));
        g_assert_cmphex(address_space_ld(s.as, 0x1000, size, false, ATTRS, &r),
                        ==, 0);
        g_assert_cmpuint(r, ==, MEMTX_DECODE_ERROR);
        address_space_st(s.as, 0x1000, 1, size, true, ATTRS, &r);
        g_assert_cmpuint(r, ==, MEMTX_DECODE_ERROR);
    }
    g_assert_cmpuint(d.log->len, ==, 0);
    sys_fini(&s);
    dev_fini(&d);
}

/* Alignment: refused unless valid.unaligned; rw then splits into aligned
 * pieces, unless impl.unaligned lets the piece stay wide. */
static void test_unaligned(void)
{
    Dev d;
    Sys s;
    uint64_t v;
    uint8_t buf[4];

    dev_init(&d, false);
    sys_init(&s, &ops_le_impl1, &d, 0x100);
    g_assert_cmpuint(memory_region_dispatch_read(s.io, 1, &v, 4, ATTRS), ==,
                     MEMTX_DECODE_ERROR);
    g_assert_cmpuint(memory_region_dispatch_read(s.io, 2, &v, 2, ATTRS), ==,
                     MEMTX_OK);
    g_assert_cmphex(v, ==, 0x1312);
    g_assert_false(memory_region_access_valid(s.io, 6, 4, false, ATTRS));
    g_assert_true(memory_region_access_valid(s.io, 8, 8, false, ATTRS));
    sys_fini(&s);
    dev_fini(&d);

    dev_init(&d, false);
    sys_init(&s, &ops_unaligned, &d, 0x100);
    g_assert_cmpuint(memory_region_dispatch_read(s.io, 1, &v, 4, ATTRS), ==,
                     MEMTX_OK);
    g_assert_cmphex(v, ==, 0x14131211);
    assert_call(&d, 0, false, 1, 4, 0x14131211);
    g_array_set_size(d.log, 0);
    g_assert_cmpuint(address_space_read(s.as, 0x1001, ATTRS, buf, 4), ==,
                     MEMTX_OK);
    g_assert_cmpuint(d.log->len, ==, 1);
    assert_call(&d, 0, false, 1, 4, 0x14131211);
    sys_fini(&s);
    dev_fini(&d);
}

/* A big-endian device with 4-byte registers: the register value is seen
 * byte-swapped by a little-endian access and as is by a big-endian one. */
static void test_big_endian_device(void)
{
    Dev d;
    Sys s;
    uint8_t buf[4];
    uint8_t wbuf[4] = { 0xde, 0xad, 0xbe, 0xef };

    dev_init(&d, true);
    sys_init(&s, &ops_be_impl4, &d, 0x100);

    address_space_stl_le(s.as, 0x1000, 0x11223344, ATTRS, NULL);
    assert_call(&d, 0, true, 0, 4, 0x44332211);
    address_space_stl_be(s.as, 0x1004, 0x11223344, ATTRS, NULL);
    assert_call(&d, 1, true, 4, 4, 0x11223344);
    g_assert_cmphex(address_space_ldl_be(s.as, 0x1004, ATTRS, NULL), ==,
                    0x11223344);
    g_assert_cmphex(address_space_ldl_le(s.as, 0x1004, ATTRS, NULL), ==,
                    0x44332211);

    /* a buffer write stores bytes in memory order */
    g_assert_cmpuint(address_space_write(s.as, 0x1008, ATTRS, wbuf, 4), ==,
                     MEMTX_OK);
    assert_call(&d, d.log->len - 1, true, 8, 4, 0xdeadbeef);
    g_assert_cmpmem(&d.mem[8], 4, wbuf, 4);
    g_assert_cmpuint(address_space_read(s.as, 0x1008, ATTRS, buf, 4), ==,
                     MEMTX_OK);
    g_assert_cmpmem(buf, 4, wbuf, 4);

    /* memory_region_dispatch_* take the value in host (little) order */
    uint64_t v;
    g_assert_cmpuint(memory_region_dispatch_read(s.io, 8, &v, 4, ATTRS), ==,
                     MEMTX_OK);
    g_assert_cmphex(v, ==, 0xefbeadde);

    sys_fini(&s);
    dev_fini(&d);
}

/* *_with_attrs callbacks receive the attributes and their results are OR'ed
 * over the pieces and into the rw result. */
static void test_with_attrs(void)
{
    Dev d;
    Sys s;
    uint64_t v;
    uint8_t buf[16];
    MemTxAttrs attrs = { .requester_id = 0x0108, .secure = 1 };
    MemTxResult r;

    dev_init(&d, false);
    sys_init(&s, &ops_attrs, &d, 0x100);

    g_assert_cmpuint(memory_region_dispatch_read(s.io, 0, &v, 4, attrs), ==,
                     MEMTX_OK);
    g_assert_cmphex(v, ==, 0x13121110);
    g_assert_cmpuint(d.log->len, ==, 2); /* impl.max 2 */
    g_assert_cmpuint(d.last_attrs.requester_id, ==, 0x0108);
    g_assert_cmpuint(d.last_attrs.secure, ==, 1);

    d.read_result = MEMTX_ERROR;
    g_assert_cmpuint(memory_region_dispatch_read(s.io, 0, &v, 4, attrs), ==,
                     MEMTX_ERROR);
    g_assert_cmphex(v, ==, 0x13121110); /* data still assembled */
    g_assert_cmpuint(address_space_read(s.as, 0x1000, attrs, buf, 8), ==,
                     MEMTX_ERROR);
    address_space_ldl_le(s.as, 0x1000, attrs, &r);
    g_assert_cmpuint(r, ==, MEMTX_ERROR);

    d.write_result = MEMTX_ACCESS_ERROR;
    g_assert_cmpuint(memory_region_dispatch_write(s.io, 0, 0, 2, attrs), ==,
                     MEMTX_ACCESS_ERROR);
    address_space_stq_le(s.as, 0x1000, 0, attrs, &r);
    g_assert_cmpuint(r, ==, MEMTX_ACCESS_ERROR);

    /* a read that spans the device's end into unassigned space: OR */
    g_assert_cmpuint(address_space_read(s.as, 0x10f8, attrs, buf, 16), ==,
                     MEMTX_ERROR | MEMTX_DECODE_ERROR);
    /* write too */
    uint8_t zeros[16] = { 0 };
    g_assert_cmpuint(address_space_write(s.as, 0x10f8, attrs, zeros, 16), ==,
                     MEMTX_ACCESS_ERROR | MEMTX_DECODE_ERROR);

    sys_fini(&s);
    dev_fini(&d);
}

/* The accepts callback: asked with is_write, refuses per address. */
static void test_accepts(void)
{
    Dev d;
    Sys s;
    uint64_t v;

    dev_init(&d, false);
    d.reject_addr = 0x10;
    sys_init(&s, &ops_accepts, &d, 0x100);
    g_assert_cmpuint(memory_region_dispatch_read(s.io, 0x10, &v, 4, ATTRS), ==,
                     MEMTX_DECODE_ERROR);
    g_assert_cmpuint(d.log->len, ==, 0);
    g_assert_false(d.last_accepts_write);
    g_assert_cmpuint(memory_region_dispatch_write(s.io, 0x10, 1, 4, ATTRS), ==,
                     MEMTX_DECODE_ERROR);
    g_assert_true(d.last_accepts_write);
    g_assert_cmpuint(memory_region_dispatch_write(s.io, 0x14, 1, 4, ATTRS), ==,
                     MEMTX_OK);
    g_assert_false(address_space_access_valid(s.as, 0x1000, 0x20, true,
                                              ATTRS));
    g_assert_true(address_space_access_valid(s.as, 0x1000, 0x10, true, ATTRS));
    g_assert_true(address_space_access_valid(s.as, 0x1014, 0x10, false,
                                             ATTRS));
    sys_fini(&s);
    dev_fini(&d);
}

/* No callbacks: reads 0, writes are dropped, both OK. */
static void test_missing_callbacks(void)
{
    Sys s;
    uint64_t v = 99;
    uint8_t buf[4] = { 1, 2, 3, 4 };

    sys_init(&s, &ops_none, NULL, 0x100);
    g_assert_cmpuint(memory_region_dispatch_read(s.io, 0, &v, 4, ATTRS), ==,
                     MEMTX_OK);
    g_assert_cmphex(v, ==, 0);
    g_assert_cmpuint(memory_region_dispatch_write(s.io, 0, 5, 4, ATTRS), ==,
                     MEMTX_OK);
    g_assert_cmpuint(address_space_read(s.as, 0x1000, ATTRS, buf, 4), ==,
                     MEMTX_OK);
    g_assert_cmphex(buf[0] | buf[1] | buf[2] | buf[3], ==, 0);
    sys_fini(&s);
}

/* Dispatch on an alias goes to its target at the alias offset; on regions
 * without ops (container, RAM, unassigned) it fails with DECODE_ERROR. */
static void test_dispatch_alias_and_others(void)
{
    Dev d;
    Sys s;
    GError *err = NULL;
    uint64_t v;

    dev_init(&d, false);
    sys_init(&s, &ops_default, &d, 0x100);
    MemoryRegion *al = memory_region_new_alias("al", s.io, 0x20, 0x10, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(memory_region_dispatch_read(al, 4, &v, 4, ATTRS), ==,
                     MEMTX_OK);
    assert_call(&d, 0, false, 0x24, 4, 0x37363534);
    memory_region_unref(al);

    g_assert_cmpuint(memory_region_dispatch_read(s.root, 0x1000, &v, 4, ATTRS),
                     ==, MEMTX_DECODE_ERROR);
    MemoryRegion *ram = memory_region_new_ram("r", 0x1000, NULL, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(memory_region_dispatch_write(ram, 0, 1, 4, ATTRS), ==,
                     MEMTX_DECODE_ERROR);
    memory_region_unref(ram);
    MemoryRegion *un = memory_region_unassigned();
    g_assert_cmpstr(memory_region_name(un), ==, "unassigned");
    g_assert_cmpint(un->kind, ==, MR_IO);
    v = 5;
    g_assert_cmpuint(memory_region_dispatch_read(un, 0, &v, 4, ATTRS), ==,
                     MEMTX_DECODE_ERROR);
    g_assert_cmphex(v, ==, 0);
    g_assert_false(memory_region_access_valid(un, 0, 1, false, ATTRS));
    sys_fini(&s);
    dev_fini(&d);
}

/* An access that starts in an MMIO region and runs past its end goes to
 * that region whole (pieces are not clipped to the region, as QEMU). */
static void test_piece_not_clipped(void)
{
    Dev d;
    Sys s;

    dev_init(&d, false);
    sys_init(&s, &ops_default, &d, 0x2);
    g_assert_cmphex(address_space_ldl_le(s.as, 0x1000, ATTRS, NULL), ==,
                    0x13121110);
    assert_call(&d, 0, false, 0, 4, 0x13121110);
    sys_fini(&s);
    dev_fini(&d);
}

/* address_space_set writes the fill pattern through MMIO pieces. */
static void test_set_mmio(void)
{
    Dev d;
    Sys s;

    dev_init(&d, false);
    sys_init(&s, &ops_default, &d, 0x100);
    g_assert_cmpuint(address_space_set(s.as, 0x1002, 0x5a, 6, ATTRS), ==,
                     MEMTX_OK);
    g_assert_cmpuint(d.log->len, ==, 2);
    assert_call(&d, 0, true, 2, 2, 0x5a5a);
    assert_call(&d, 1, true, 4, 4, 0x5a5a5a5a);
    sys_fini(&s);
    dev_fini(&d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mmio/split-le", test_split_le);
    g_test_add_func("/mmio/split-be", test_split_be);
    g_test_add_func("/mmio/widen", test_widen);
    g_test_add_func("/mmio/valid-max", test_valid_max);
    g_test_add_func("/mmio/defaults", test_defaults);
    g_test_add_func("/mmio/bad-sizes", test_bad_sizes);
    g_test_add_func("/mmio/unaligned", test_unaligned);
    g_test_add_func("/mmio/big-endian-device", test_big_endian_device);
    g_test_add_func("/mmio/with-attrs", test_with_attrs);
    g_test_add_func("/mmio/accepts", test_accepts);
    g_test_add_func("/mmio/missing-callbacks", test_missing_callbacks);
    g_test_add_func("/mmio/dispatch-alias-and-others",
                    test_dispatch_alias_and_others);
    g_test_add_func("/mmio/piece-not-clipped", test_piece_not_clipped);
    g_test_add_func("/mmio/set", test_set_mmio);
    return g_test_run();
}
