/*
 * access.c - MMIO dispatch and the access API of address spaces.
 *
 * Facts kept from QEMU 7.2 (softmmu/memory.c, softmmu/physmem.c,
 * memory_ldst.c.inc), rewritten here:
 *
 *  - A region access is first checked against ops->valid (accepts callback,
 *    alignment unless valid.unaligned, then the size range; a valid.max of 0
 *    accepts every size). A refused access reads 0 and gives DECODE_ERROR.
 *  - The accepted access is split or widened to ops->impl (0 meaning 1 and
 *    4); pieces are issued in ascending address order, each one's value
 *    shifted into place from the low end for little-endian devices and from
 *    the high end for big-endian ones. The value of the whole access is
 *    byte-swapped for a big-endian device (the target is little-endian).
 *  - address_space_rw splits a request per flat range: RAM is copied in one
 *    piece per section (the length is clipped to the section), anything else
 *    goes in pieces of memory_access_size() (valid.max, 4 if 0, bounded by
 *    the alignment of the region offset unless impl.unaligned), which are
 *    not clipped to the section, as in QEMU.
 *  - Writes are direct only for writable RAM; ROM and ROM devices see writes
 *    through their ops (ROM has none: the write is dropped with
 *    DECODE_ERROR, as QEMU 7.2's unassigned_mem_ops give). Reads are direct
 *    for RAM and for ROM devices in romd mode.
 *  - The translate loop asks each IOMMU region for the page of the address
 *    (index from attrs_to_index), checks the permission bit of the access,
 *    composes the address with addr_mask, clips the length to the page end
 *    and continues in the target address space.
 *  - Loads and stores are one access: direct to RAM when the whole width is
 *    in one RAM section, else one dispatch of the full width.
 *  - address_space_map maps RAM directly, extending over following sections
 *    that continue the same region at contiguous offsets; anything else gets
 *    a bounce buffer out of the address space's budget (newer QEMU), which
 *    may shorten the mapping or refuse it (NULL, *plen 0). Map clients are
 *    told once when bounce memory is released, or at once on registration
 *    while budget is left.
 *
 * Lifetime: an access holds a reference on the view it started in, so a
 * device callback that changes the memory map cannot free it under us, and
 * a reference on each region while calling into it.
 */
#include "memory/address-space.h"

#include <string.h>

/* A chain of IOMMUs deeper than this is treated as a fault (cycles). */
#define IOMMU_DEPTH_MAX 32
/* Alias chains handed to memory_region_dispatch_* are followed this far. */
#define ALIAS_DEPTH_MAX 1024
/* address_space_set writes MMIO in chunks of this size, as QEMU does. */
#define SET_CHUNK 512

/* ---- small helpers ------------------------------------------------------ */

static inline bool size_is_valid(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

static inline uint64_t size_mask(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (UINT64_C(1) << (size * 8)) - 1;
}

static inline uint64_t bswap_sized(uint64_t v, unsigned size)
{
    switch (size) {
    case 2:
        return GUINT16_SWAP_LE_BE((uint16_t)v);
    case 4:
        return GUINT32_SWAP_LE_BE((uint32_t)v);
    case 8:
        return GUINT64_SWAP_LE_BE(v);
    default:
        return v;
    }
}

static inline hwaddr pow2_floor(hwaddr v)
{
    return v ? (hwaddr)1 << (63 - __builtin_clzll(v)) : 0;
}

/* Little-endian load/store of 1, 2, 4 or 8 bytes (the target's order). */
static inline uint64_t load_le(const uint8_t *p, unsigned size)
{
    switch (size) {
    case 1:
        return p[0];
    case 2: {
        uint16_t v;
        memcpy(&v, p, 2);
        return GUINT16_FROM_LE(v);
    }
    case 4: {
        uint32_t v;
        memcpy(&v, p, 4);
        return GUINT32_FROM_LE(v);
    }
    default: {
        uint64_t v;
        memcpy(&v, p, 8);
        return GUINT64_FROM_LE(v);
    }
    }
}

static inline void store_le(uint8_t *p, unsigned size, uint64_t val)
{
    switch (size) {
    case 1:
        p[0] = (uint8_t)val;
        break;
    case 2: {
        uint16_t v = GUINT16_TO_LE((uint16_t)val);
        memcpy(p, &v, 2);
        break;
    }
    case 4: {
        uint32_t v = GUINT32_TO_LE((uint32_t)val);
        memcpy(p, &v, 4);
        break;
    }
    default: {
        uint64_t v = GUINT64_TO_LE(val);
        memcpy(p, &v, 8);
        break;
    }
    }
}

static inline uint64_t load_sized(const uint8_t *p, unsigned size, bool be)
{
    uint64_t v = load_le(p, size);
    return be ? bswap_sized(v, size) : v;
}

static inline void store_sized(uint8_t *p, unsigned size, uint64_t v, bool be)
{
    store_le(p, size, be ? bswap_sized(v, size) : v);
}

/* ---- unassigned space --------------------------------------------------- */

static bool unassigned_mem_accepts(void *opaque, hwaddr addr, unsigned size,
                                   bool is_write, MemTxAttrs attrs)
{
    return false;
}

/* No callbacks: nothing gets past accepts, and a region without a read
 * callback reads 0. */
const MemoryRegionOps unassigned_mem_ops = {
    .valid.accepts = unassigned_mem_accepts,
    .endianness = DEVICE_NATIVE_ENDIAN,
};

static MemoryRegion unassigned_region;
static gsize unassigned_once;

MemoryRegion *memory_region_unassigned(void)
{
    if (g_once_init_enter(&unassigned_once)) {
        memory_region_init_io(&unassigned_region, &unassigned_mem_ops, NULL,
                              "unassigned", UINT64_MAX);
        /* never freed: one reference more than anyone will drop */
        memory_region_ref(&unassigned_region);
        g_once_init_leave(&unassigned_once, 1);
    }
    return &unassigned_region;
}

/* ---- the ops a region is accessed through ------------------------------- */

/* RAM device regions (QEMU's ram_device_mem_ops): host memory accessed with
 * the width of the access, never direct. @opaque is the region. */
static uint64_t ram_device_read(void *opaque, hwaddr addr, unsigned size)
{
    MemoryRegion *mr = opaque;
    uint64_t v = 0;
    memcpy(&v, ram_block_host(mr->ram_block) + mr->ram_block_offset + addr,
           size);
#if G_BYTE_ORDER == G_BIG_ENDIAN
    v >>= 64 - size * 8;
#endif
    return v;
}

static void ram_device_write(void *opaque, hwaddr addr, uint64_t data,
                             unsigned size)
{
    MemoryRegion *mr = opaque;
#if G_BYTE_ORDER == G_BIG_ENDIAN
    data <<= 64 - size * 8;
#endif
    memcpy(ram_block_host(mr->ram_block) + mr->ram_block_offset + addr, &data,
           size);
}

static bool ram_device_accepts(void *opaque, hwaddr addr, unsigned size,
                               bool is_write, MemTxAttrs attrs)
{
    MemoryRegion *mr = opaque;
    uint64_t used = ram_block_used_length(mr->ram_block);
    uint64_t off = mr->ram_block_offset + addr;
    return off < used && size <= used - off;
}

static const MemoryRegionOps ram_device_ops = {
    .read = ram_device_read,
    .write = ram_device_write,
    .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true,
               .accepts = ram_device_accepts },
    .impl = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
#if G_BYTE_ORDER == G_BIG_ENDIAN
    .endianness = DEVICE_BIG_ENDIAN,
#else
    .endianness = DEVICE_LITTLE_ENDIAN,
#endif
};

/* The ops (and opaque) accesses to @mr go through: plain RAM and ROM have
 * none (unassigned ops, as QEMU's RAM regions), nor do containers, aliases
 * (when not resolved) and IOMMU regions. */
static inline const MemoryRegionOps *region_ops(MemoryRegion *mr,
                                                void **opaque)
{
    if (mr->ram_device && mr->ram_block && !mr->ops) {
        *opaque = mr;
        return &ram_device_ops;
    }
    *opaque = mr->opaque;
    if (mr->ram || !mr->ops || mr->kind == MR_CONTAINER ||
        mr->kind == MR_ALIAS || mr->kind == MR_IOMMU) {
        return &unassigned_mem_ops;
    }
    return mr->ops;
}

/* Whether accesses are plain memory copies (QEMU's memory_access_is_direct) */
static inline bool access_is_direct(const MemoryRegion *mr, bool is_write)
{
    if (!mr->ram_block) {
        return false;
    }
    if (is_write) {
        return mr->ram && !mr->readonly && !mr->rom_device && !mr->ram_device;
    }
    return (mr->ram && !mr->ram_device) || (mr->rom_device && mr->romd_mode);
}

/* Host address of offset @xlat of a direct region, with the number of bytes
 * that stay inside its block in *avail (0 beyond the end). */
static inline uint8_t *region_host(MemoryRegion *mr, hwaddr xlat,
                                   hwaddr *avail)
{
    RAMBlock *rb = mr->ram_block;
    uint64_t used = ram_block_used_length(rb);
    uint64_t off = mr->ram_block_offset + xlat;

    if (off < mr->ram_block_offset || off >= used) {
        *avail = 0;
        return NULL;
    }
    *avail = used - off;
    return ram_block_host(rb) + off;
}

/* Mark a write of [xlat, xlat+len) of @mr dirty for the clients logging it
 * (QEMU's invalidate_and_set_dirty; CODE has no translated code to drop). */
static inline void region_set_dirty(MemoryRegion *mr, hwaddr xlat, hwaddr len)
{
    uint8_t mask = memory_region_get_dirty_log_mask(mr);
    if (mask && len) {
        ram_block_set_dirty(mr->ram_block, mr->ram_block_offset + xlat, len,
                            mask);
    }
}

/* ---- MMIO dispatch ------------------------------------------------------ */

bool memory_region_access_valid(MemoryRegion *mr, hwaddr addr, unsigned size,
                                bool is_write, MemTxAttrs attrs)
{
    void *opaque;
    const MemoryRegionOps *ops;

    if (!mr || !size_is_valid(size)) {
        return false;
    }
    ops = region_ops(mr, &opaque);
    if (ops->valid.accepts &&
        !ops->valid.accepts(opaque, addr, size, is_write, attrs)) {
        return false;
    }
    if (!ops->valid.unaligned && (addr & (size - 1))) {
        return false;
    }
    if (!ops->valid.max_access_size) {
        return true; /* 0: every size is valid */
    }
    return size <= ops->valid.max_access_size &&
           size >= ops->valid.min_access_size;
}

/* QEMU's access_with_adjusted_size: @size bytes at @addr as pieces of the
 * width the callbacks implement. */
static MemTxResult access_adjusted(const MemoryRegionOps *ops, void *opaque,
                                   hwaddr addr, uint64_t *value, unsigned size,
                                   bool is_write, MemTxAttrs attrs)
{
    unsigned amin = ops->impl.min_access_size ? ops->impl.min_access_size : 1;
    unsigned amax = ops->impl.max_access_size ? ops->impl.max_access_size : 4;
    unsigned asz = MAX(MIN(size, amax), amin);
    bool be = ops->endianness == DEVICE_BIG_ENDIAN;
    MemTxResult r = MEMTX_OK;
    uint64_t amask;

    /* a class table with odd sizes must not make us shift out of range */
    asz = (unsigned)pow2_floor(MIN(MAX(asz, 1u), 8u));
    amask = size_mask(asz);

    for (unsigned i = 0; i < size; i += asz) {
        int shift = be ? ((int)size - (int)asz - (int)i) * 8 : (int)i * 8;

        if (is_write) {
            uint64_t piece = shift >= 0 ? (*value >> shift) & amask
                                        : (*value << -shift) & amask;
            if (ops->write) {
                ops->write(opaque, addr + i, piece, asz);
            } else if (ops->write_with_attrs) {
                r |= ops->write_with_attrs(opaque, addr + i, piece, asz, attrs);
            }
        } else {
            uint64_t piece = 0;
            if (ops->read) {
                piece = ops->read(opaque, addr + i, asz);
            } else if (ops->read_with_attrs) {
                r |= ops->read_with_attrs(opaque, addr + i, &piece, asz, attrs);
            }
            piece &= amask;
            *value |= shift >= 0 ? piece << shift : piece >> -shift;
        }
    }
    return r;
}

static MemoryRegion *resolve_alias(MemoryRegion *mr, hwaddr *addr)
{
    for (int hops = 0; mr && mr->kind == MR_ALIAS && mr->alias; hops++) {
        if (hops == ALIAS_DEPTH_MAX) {
            return NULL;
        }
        *addr += mr->alias_offset;
        mr = mr->alias;
    }
    return mr;
}

MemTxResult memory_region_dispatch_read(MemoryRegion *mr, hwaddr addr,
                                        uint64_t *data, unsigned size,
                                        MemTxAttrs attrs)
{
    const MemoryRegionOps *ops;
    void *opaque;
    MemTxResult r;
    uint64_t v = 0;

    mr = resolve_alias(mr, &addr);
    if (data) {
        *data = 0;
    }
    if (!mr || !memory_region_access_valid(mr, addr, size, false, attrs)) {
        return MEMTX_DECODE_ERROR;
    }
    ops = region_ops(mr, &opaque);
    r = access_adjusted(ops, opaque, addr, &v, size, false, attrs);
    if (ops->endianness == DEVICE_BIG_ENDIAN) {
        v = bswap_sized(v, size);
    }
    if (data) {
        *data = v & size_mask(size);
    }
    return r;
}

MemTxResult memory_region_dispatch_write(MemoryRegion *mr, hwaddr addr,
                                         uint64_t data, unsigned size,
                                         MemTxAttrs attrs)
{
    const MemoryRegionOps *ops;
    void *opaque;

    mr = resolve_alias(mr, &addr);
    if (!mr || !memory_region_access_valid(mr, addr, size, true, attrs)) {
        return MEMTX_DECODE_ERROR;
    }
    ops = region_ops(mr, &opaque);
    data &= size_mask(size);
    if (ops->endianness == DEVICE_BIG_ENDIAN) {
        data = bswap_sized(data, size);
    }
    return access_adjusted(ops, opaque, addr, &data, size, true, attrs);
}

/* Dispatch with a reference held on the region for the duration, so that a
 * callback removing its own region does not free it under us. */
static MemTxResult dispatch_read_held(MemoryRegion *mr, hwaddr addr,
                                      uint64_t *data, unsigned size,
                                      MemTxAttrs attrs)
{
    MemTxResult r;
    memory_region_ref(mr);
    r = memory_region_dispatch_read(mr, addr, data, size, attrs);
    memory_region_unref(mr);
    return r;
}

static MemTxResult dispatch_write_held(MemoryRegion *mr, hwaddr addr,
                                       uint64_t data, unsigned size,
                                       MemTxAttrs attrs)
{
    MemTxResult r;
    memory_region_ref(mr);
    r = memory_region_dispatch_write(mr, addr, data, size, attrs);
    memory_region_unref(mr);
    return r;
}

/* QEMU's memory_access_size: the width of the next MMIO piece of a request
 * of @l bytes at offset @addr of @mr. */
static unsigned memory_access_size(MemoryRegion *mr, hwaddr l, hwaddr addr)
{
    void *opaque;
    const MemoryRegionOps *ops = region_ops(mr, &opaque);
    hwaddr max = ops->valid.max_access_size ? ops->valid.max_access_size : 4;

    if (max > 8) {
        max = 8;
    }
    if (!ops->impl.unaligned) {
        hwaddr align = addr & -addr;
        if (align && align < max) {
            max = align;
        }
    }
    if (l > max) {
        l = max;
    }
    return (unsigned)pow2_floor(l);
}

/* ---- translation -------------------------------------------------------- */

typedef struct Xlat {
    MemoryRegion *mr;  /* terminating region, or the unassigned region */
    hwaddr xlat;       /* offset in mr */
    hwaddr len;        /* request clipped to the IOMMU pages on the way */
    u128 avail;        /* bytes from xlat to the end of the flat range */
    int hops;          /* IOMMU regions passed */
} Xlat;

/* First range start above @addr in @fv (2^64 if none). */
static u128 next_start(const FlatView *fv, hwaddr addr)
{
    guint lo = 0, hi = fv->nr;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (fv->starts[mid] <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < fv->nr ? (u128)fv->starts[lo] : U128_2_64;
}

/* Index of the range last found (QEMU keeps an MRU section per dispatch).
 * Only a hint: ranges never overlap, so a range that holds the address is
 * the answer, whichever view the hint came from. */
static guint lookup_hint;

/* Look @addr up in @fv: its region, offset and what is left of the range. */
static inline MemoryRegion *view_lookup(const FlatView *fv, hwaddr addr,
                                        hwaddr *xlat, u128 *avail)
{
    const FlatRange *fr;
    hwaddr off;
    int i;

    if (fv && lookup_hint < fv->nr && fv->starts[lookup_hint] <= addr &&
        (u128)(addr - fv->starts[lookup_hint]) <
            fv->ranges[lookup_hint].size) {
        i = (int)lookup_hint;
    } else {
        i = fv ? flatview_find(fv, addr) : -1;
        if (i >= 0) {
            lookup_hint = (guint)i;
        }
    }
    if (i < 0) {
        *xlat = addr;
        *avail = fv ? next_start(fv, addr) - addr : U128_2_64 - addr;
        return NULL;
    }
    fr = &fv->ranges[i];
    off = addr - (hwaddr)fr->start;
    *xlat = fr->offset_in_region + off;
    *avail = fr->size - off;
    return fr->mr;
}

/*
 * Translate @addr of @fv for an access of up to @len bytes, following IOMMU
 * regions. On a fault the result is the unassigned region with xlat the
 * address being translated (as QEMU leaves it) and avail 0; a hole gives
 * it too, with avail the distance to the next range.
 */
static void translate(FlatView *fv, hwaddr addr, hwaddr len, bool is_write,
                      MemTxAttrs attrs, Xlat *x)
{
    MemoryRegion *mr = view_lookup(fv, addr, &x->xlat, &x->avail);
    IOMMUAccessFlags need = is_write ? IOMMU_WO : IOMMU_RO;

    x->len = len;
    x->hops = 0;
    if (!mr) {
        x->mr = memory_region_unassigned();
        return;
    }
    while (mr->kind == MR_IOMMU) {
        const IOMMUMemoryRegionClass *klass = mr->iommu_ops;
        IOMMUTLBEntry e;
        int idx = 0;
        hwaddr a, left;

        if (x->hops == IOMMU_DEPTH_MAX || !klass || !klass->translate) {
            goto fault;
        }
        x->hops++;
        memory_region_ref(mr);
        if (klass->attrs_to_index) {
            idx = klass->attrs_to_index(mr, attrs);
        }
        e = klass->translate(mr, x->xlat, need, idx);
        memory_region_unref(mr);
        if (!(e.perm & need) || !e.target_as) {
            goto fault;
        }
        a = (e.translated_addr & ~e.addr_mask) | (x->xlat & e.addr_mask);
        left = (a | e.addr_mask) - a; /* bytes after a in the page */
        if (left < x->len - 1) {
            x->len = left + 1;
        }
        mr = view_lookup(address_space_to_flatview(e.target_as), a, &x->xlat,
                         &x->avail);
        if (!mr) {
            x->mr = memory_region_unassigned();
            return;
        }
    }
    x->mr = mr;
    return;

fault:
    x->mr = memory_region_unassigned();
    x->avail = 0;
}

/* Bytes that a run of side-effect-free unassigned pieces covers from offset
 * @xlat, @avail bytes being left of the range: QEMU's pieces (at most 4,
 * bounded by the alignment of the offset and by @len) up to and including
 * the one that holds the last byte of the range. */
static hwaddr inert_extent(hwaddr xlat, u128 avail, hwaddr len)
{
    u128 end = (u128)xlat + avail;
    u128 pos = xlat;
    hwaddr done = 0;

    while (done < len && pos < end && (pos & 3)) {
        hwaddr step = pow2_floor(MIN(len - done, (hwaddr)(pos & -pos)));
        pos += step;
        done += step;
    }
    if (done < len && pos < end) {
        u128 more = ((end + 3) & ~(u128)3) - pos;
        done = more < len - done ? done + (hwaddr)more : len;
    }
    return done;
}

/* Whether the piece found by @x can be skipped as a whole: unassigned ops
 * reached without any IOMMU (whose translate calls QEMU repeats per piece). */
static inline bool is_inert(const Xlat *x)
{
    void *opaque;
    return x->hops == 0 && x->avail &&
           region_ops(x->mr, &opaque) == &unassigned_mem_ops;
}

MemoryRegion *address_space_translate(AddressSpace *as, hwaddr addr,
                                      hwaddr *xlat, hwaddr *plen,
                                      bool is_write, MemTxAttrs attrs)
{
    FlatView *fv = address_space_to_flatview(as);
    hwaddr len = plen ? *plen : 1;
    Xlat x;

    if (len == 0) {
        len = 1;
    }
    flatview_ref(fv);
    translate(fv, addr, len, is_write, attrs, &x);
    flatview_unref(fv);
    if (x.avail && x.avail < x.len) {
        x.len = (hwaddr)x.avail;
    }
    if (xlat) {
        *xlat = x.xlat;
    }
    if (plen && *plen) {
        *plen = x.len;
    }
    return x.mr;
}

/* ---- read and write ----------------------------------------------------- */

static MemTxResult view_read(FlatView *fv, hwaddr addr, MemTxAttrs attrs,
                             uint8_t *buf, hwaddr len)
{
    MemTxResult result = MEMTX_OK;
    Xlat x;

    while (len) {
        hwaddr l;

        translate(fv, addr, len, false, attrs, &x);
        l = x.len;
        if (access_is_direct(x.mr, false)) {
            hwaddr host_avail;
            uint8_t *p = region_host(x.mr, x.xlat, &host_avail);
            if (x.avail < l) {
                l = (hwaddr)x.avail;
            }
            if (!p) {
                /* the block is shorter than the region */
                memset(buf, 0, l);
                result |= MEMTX_DECODE_ERROR;
            } else {
                l = MIN(l, host_avail);
                memcpy(buf, p, l);
            }
        } else if (is_inert(&x)) {
            l = inert_extent(x.xlat, x.avail, l);
            memset(buf, 0, l);
            result |= MEMTX_DECODE_ERROR;
        } else {
            uint64_t val;
            l = memory_access_size(x.mr, l, x.xlat);
            result |= dispatch_read_held(x.mr, x.xlat, &val, (unsigned)l,
                                         attrs);
            store_le(buf, (unsigned)l, val);
        }
        buf += l;
        addr += l;
        len -= l;
    }
    return result;
}

/* Write @len bytes from @src, or of @fill when @src is NULL. With @chunk,
 * MMIO pieces do not cross chunk boundaries counted from the start (as
 * QEMU's address_space_set, which writes chunk by chunk). */
static MemTxResult view_write(FlatView *fv, hwaddr addr, MemTxAttrs attrs,
                              const uint8_t *src, uint8_t fill, hwaddr len,
                              hwaddr chunk)
{
    MemTxResult result = MEMTX_OK;
    hwaddr done = 0;
    Xlat x;

    while (done < len) {
        hwaddr l;

        translate(fv, addr, len - done, true, attrs, &x);
        l = x.len;
        if (access_is_direct(x.mr, true)) {
            hwaddr host_avail;
            uint8_t *p = region_host(x.mr, x.xlat, &host_avail);
            if (x.avail < l) {
                l = (hwaddr)x.avail;
            }
            if (!p) {
                result |= MEMTX_DECODE_ERROR;
            } else {
                l = MIN(l, host_avail);
                if (src) {
                    memcpy(p, src + done, l);
                } else {
                    memset(p, fill, l);
                }
                region_set_dirty(x.mr, x.xlat, l);
            }
        } else {
            if (chunk && !is_inert(&x)) {
                /* inert space is skipped whole: the result is the same */
                l = MIN(l, chunk - done % chunk);
            }
            if (is_inert(&x)) {
                l = inert_extent(x.xlat, x.avail, l);
                result |= MEMTX_DECODE_ERROR;
            } else {
                uint64_t val;
                l = memory_access_size(x.mr, l, x.xlat);
                if (src) {
                    val = load_le(src + done, (unsigned)l);
                } else {
                    val = (UINT64_C(0x0101010101010101) * fill) &
                          size_mask((unsigned)l);
                }
                result |= dispatch_write_held(x.mr, x.xlat, val, (unsigned)l,
                                              attrs);
            }
        }
        done += l;
        addr += l;
    }
    return result;
}

MemTxResult address_space_read(AddressSpace *as, hwaddr addr,
                               MemTxAttrs attrs, void *buf, hwaddr len)
{
    FlatView *fv;
    MemTxResult r;

    if (!len) {
        return MEMTX_OK;
    }
    fv = address_space_to_flatview(as);
    flatview_ref(fv);
    r = view_read(fv, addr, attrs, buf, len);
    flatview_unref(fv);
    return r;
}

MemTxResult address_space_write(AddressSpace *as, hwaddr addr,
                                MemTxAttrs attrs, const void *buf, hwaddr len)
{
    FlatView *fv;
    MemTxResult r;

    if (!len) {
        return MEMTX_OK;
    }
    fv = address_space_to_flatview(as);
    flatview_ref(fv);
    r = view_write(fv, addr, attrs, buf, 0, len, 0);
    flatview_unref(fv);
    return r;
}

MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                             void *buf, hwaddr len, bool is_write)
{
    return is_write ? address_space_write(as, addr, attrs, buf, len)
                    : address_space_read(as, addr, attrs, buf, len);
}

MemTxResult address_space_set(AddressSpace *as, hwaddr addr, uint8_t c,
                              hwaddr len, MemTxAttrs attrs)
{
    FlatView *fv;
    MemTxResult r;

    if (!len) {
        return MEMTX_OK;
    }
    fv = address_space_to_flatview(as);
    flatview_ref(fv);
    r = view_write(fv, addr, attrs, NULL, c, len, SET_CHUNK);
    flatview_unref(fv);
    return r;
}

/* QEMU's address_space_write_rom: RAM and ROM (and ROM devices in romd
 * mode) are written, everything else is skipped; always MEMTX_OK. */
MemTxResult address_space_write_rom(AddressSpace *as, hwaddr addr,
                                    MemTxAttrs attrs, const void *buf,
                                    hwaddr len)
{
    const uint8_t *src = buf;
    FlatView *fv;
    Xlat x;

    if (!len) {
        return MEMTX_OK;
    }
    fv = address_space_to_flatview(as);
    flatview_ref(fv);
    while (len) {
        hwaddr l;

        translate(fv, addr, len, true, attrs, &x);
        l = x.len;
        if (x.mr->ram_block && (x.mr->ram || memory_region_is_romd(x.mr))) {
            hwaddr host_avail;
            uint8_t *p = region_host(x.mr, x.xlat, &host_avail);
            if (x.avail < l) {
                l = (hwaddr)x.avail;
            }
            if (p) {
                l = MIN(l, host_avail);
                memcpy(p, src, l);
                region_set_dirty(x.mr, x.xlat, l);
            }
        } else if (is_inert(&x)) {
            l = inert_extent(x.xlat, x.avail, l);
        } else {
            l = memory_access_size(x.mr, l, x.xlat);
        }
        src += l;
        addr += l;
        len -= l;
    }
    flatview_unref(fv);
    return MEMTX_OK;
}

/* ---- loads and stores --------------------------------------------------- */

uint64_t address_space_ld(AddressSpace *as, hwaddr addr, unsigned size,
                          bool big_endian, MemTxAttrs attrs,
                          MemTxResult *result)
{
    FlatView *fv;
    MemTxResult r;
    uint64_t val = 0;
    Xlat x;

    if (!size_is_valid(size)) {
        if (result) {
            *result = MEMTX_DECODE_ERROR;
        }
        return 0;
    }
    fv = address_space_to_flatview(as);
    flatview_ref(fv);
    translate(fv, addr, size, false, attrs, &x);
    if (x.len >= size && x.avail >= size && access_is_direct(x.mr, false)) {
        hwaddr host_avail;
        const uint8_t *p = region_host(x.mr, x.xlat, &host_avail);
        if (p && host_avail >= size) {
            val = load_sized(p, size, big_endian);
            r = MEMTX_OK;
        } else {
            r = MEMTX_DECODE_ERROR;
        }
    } else {
        /* one access of the full width, as QEMU (a RAM piece that is too
         * short goes here too and fails with DECODE_ERROR) */
        r = dispatch_read_held(x.mr, x.xlat, &val, size, attrs);
        if (big_endian) {
            val = bswap_sized(val, size);
        }
    }
    flatview_unref(fv);
    if (result) {
        *result = r;
    }
    return val;
}

void address_space_st(AddressSpace *as, hwaddr addr, uint64_t val,
                      unsigned size, bool big_endian, MemTxAttrs attrs,
                      MemTxResult *result)
{
    FlatView *fv;
    MemTxResult r;
    Xlat x;

    if (!size_is_valid(size)) {
        if (result) {
            *result = MEMTX_DECODE_ERROR;
        }
        return;
    }
    val &= size_mask(size);
    fv = address_space_to_flatview(as);
    flatview_ref(fv);
    translate(fv, addr, size, true, attrs, &x);
    if (x.len >= size && x.avail >= size && access_is_direct(x.mr, true)) {
        hwaddr host_avail;
        uint8_t *p = region_host(x.mr, x.xlat, &host_avail);
        if (p && host_avail >= size) {
            store_sized(p, size, val, big_endian);
            region_set_dirty(x.mr, x.xlat, size);
            r = MEMTX_OK;
        } else {
            r = MEMTX_DECODE_ERROR;
        }
    } else {
        r = dispatch_write_held(x.mr, x.xlat,
                                big_endian ? bswap_sized(val, size) : val,
                                size, attrs);
    }
    flatview_unref(fv);
    if (result) {
        *result = r;
    }
}

uint8_t address_space_ldub(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                           MemTxResult *result)
{
    return (uint8_t)address_space_ld(as, addr, 1, false, attrs, result);
}

uint16_t address_space_lduw_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                               MemTxResult *result)
{
    return (uint16_t)address_space_ld(as, addr, 2, false, attrs, result);
}

uint16_t address_space_lduw_be(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                               MemTxResult *result)
{
    return (uint16_t)address_space_ld(as, addr, 2, true, attrs, result);
}

uint32_t address_space_ldl_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                              MemTxResult *result)
{
    return (uint32_t)address_space_ld(as, addr, 4, false, attrs, result);
}

uint32_t address_space_ldl_be(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                              MemTxResult *result)
{
    return (uint32_t)address_space_ld(as, addr, 4, true, attrs, result);
}

uint64_t address_space_ldq_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                              MemTxResult *result)
{
    return address_space_ld(as, addr, 8, false, attrs, result);
}

uint64_t address_space_ldq_be(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                              MemTxResult *result)
{
    return address_space_ld(as, addr, 8, true, attrs, result);
}

void address_space_stb(AddressSpace *as, hwaddr addr, uint8_t val,
                       MemTxAttrs attrs, MemTxResult *result)
{
    address_space_st(as, addr, val, 1, false, attrs, result);
}

void address_space_stw_le(AddressSpace *as, hwaddr addr, uint16_t val,
                          MemTxAttrs attrs, MemTxResult *result)
{
    address_space_st(as, addr, val, 2, false, attrs, result);
}

void address_space_stw_be(AddressSpace *as, hwaddr addr, uint16_t val,
                          MemTxAttrs attrs, MemTxResult *result)
{
    address_space_st(as, addr, val, 2, true, attrs, result);
}

void address_space_stl_le(AddressSpace *as, hwaddr addr, uint32_t val,
                          MemTxAttrs attrs, MemTxResult *result)
{
    address_space_st(as, addr, val, 4, false, attrs, result);
}

void address_space_stl_be(AddressSpace *as, hwaddr addr, uint32_t val,
                          MemTxAttrs attrs, MemTxResult *result)
{
    address_space_st(as, addr, val, 4, true, attrs, result);
}

void address_space_stq_le(AddressSpace *as, hwaddr addr, uint64_t val,
                          MemTxAttrs attrs, MemTxResult *result)
{
    address_space_st(as, addr, val, 8, false, attrs, result);
}

void address_space_stq_be(AddressSpace *as, hwaddr addr, uint64_t val,
                          MemTxAttrs attrs, MemTxResult *result)
{
    address_space_st(as, addr, val, 8, true, attrs, result);
}

/* ---- validity ----------------------------------------------------------- */

/* QEMU's flatview_access_valid: every MMIO piece must be accepted by its
 * region (its width computed from the address-space address, as QEMU does);
 * direct pieces always are. */
bool address_space_access_valid(AddressSpace *as, hwaddr addr, hwaddr len,
                                bool is_write, MemTxAttrs attrs)
{
    FlatView *fv = address_space_to_flatview(as);
    bool ok = true;
    Xlat x;

    flatview_ref(fv);
    while (len) {
        hwaddr l;

        translate(fv, addr, len, is_write, attrs, &x);
        l = x.len;
        if (access_is_direct(x.mr, is_write)) {
            if (x.avail < l) {
                l = (hwaddr)x.avail;
            }
        } else {
            l = memory_access_size(x.mr, l, addr);
            if (!memory_region_access_valid(x.mr, x.xlat, (unsigned)l,
                                            is_write, attrs)) {
                ok = false;
                break;
            }
        }
        len -= l;
        addr += l;
    }
    flatview_unref(fv);
    return ok;
}

/* ---- map and unmap ------------------------------------------------------ */

struct AddressSpaceMapClient {
    MapClientFunc func;
    void *opaque;
    uint64_t serial;
};

typedef struct BounceBuffer {
    MemoryRegion *mr; /* referenced while mapped */
    hwaddr addr;
    hwaddr len;
    MemTxAttrs attrs;
    _Alignas(16) uint8_t data[];
} BounceBuffer;

/* A direct mapping handed out and not yet unmapped. */
typedef struct DirectMap {
    MemoryRegion *mr; /* referenced while mapped */
    hwaddr xlat;
    hwaddr len;
    struct DirectMap *next; /* same host pointer mapped again */
} DirectMap;

/* host pointer -> DirectMap chain */
static GHashTable *direct_maps;
static uint64_t map_client_serial;

/* Address spaces whose map clients are being told right now. */
static GPtrArray *notifying;

/* Tell the clients registered so far, once each (newer QEMU's
 * address_space_notify_map_clients). */
static void notify_map_clients(AddressSpace *as)
{
    uint64_t limit = map_client_serial;

    if (!notifying) {
        notifying = g_ptr_array_new();
    }
    g_ptr_array_add(notifying, as);
    while (as->map_clients) {
        struct AddressSpaceMapClient *c = as->map_clients->data;
        if (c->serial > limit) {
            break;
        }
        as->map_clients = g_list_delete_link(as->map_clients,
                                             as->map_clients);
        MapClientFunc func = c->func;
        void *opaque = c->opaque;
        g_free(c);
        func(opaque);
    }
    g_ptr_array_remove_index_fast(notifying, notifying->len - 1);
}

/* QEMU schedules a bottom half for each client; we call it directly, so a
 * client that registers again from its callback waits for the next release
 * rather than being called again and again. */
void address_space_register_map_client(AddressSpace *as, MapClientFunc func,
                                       void *opaque)
{
    struct AddressSpaceMapClient *c = g_new0(struct AddressSpaceMapClient, 1);

    c->func = func;
    c->opaque = opaque;
    c->serial = ++map_client_serial;
    as->map_clients = g_list_append(as->map_clients, c);
    if (as->bounce_buffer_size < as->max_bounce_buffer_size &&
        !(notifying && g_ptr_array_find(notifying, as, NULL))) {
        notify_map_clients(as);
    }
}

void address_space_unregister_map_client(AddressSpace *as, MapClientFunc func,
                                         void *opaque)
{
    for (GList *l = as->map_clients; l; l = l->next) {
        struct AddressSpaceMapClient *c = l->data;
        if (c->func == func && c->opaque == opaque) {
            as->map_clients = g_list_delete_link(as->map_clients, l);
            g_free(c);
            return;
        }
    }
}

void *address_space_map(AddressSpace *as, hwaddr addr, hwaddr *plen,
                        bool is_write, MemTxAttrs attrs)
{
    hwaddr len = *plen;
    FlatView *fv;
    hwaddr done, host_avail, l;
    uint8_t *p;
    Xlat x;

    if (len == 0) {
        return NULL;
    }
    fv = address_space_to_flatview(as);
    flatview_ref(fv);
    translate(fv, addr, len, is_write, attrs, &x);

    if (!access_is_direct(x.mr, is_write) ||
        !(p = region_host(x.mr, x.xlat, &host_avail))) {
        uint64_t left = as->bounce_buffer_size < as->max_bounce_buffer_size
                            ? as->max_bounce_buffer_size -
                                  as->bounce_buffer_size
                            : 0;
        BounceBuffer *bb;

        l = MIN(x.len, left);
        if (l == 0) {
            flatview_unref(fv);
            *plen = 0;
            return NULL;
        }
        bb = g_malloc0(sizeof(*bb) + l);
        memory_region_ref(x.mr);
        bb->mr = x.mr;
        bb->addr = addr;
        bb->len = l;
        bb->attrs = attrs;
        as->bounce_buffer_size += l;
        as->bounce_buffers = g_list_prepend(as->bounce_buffers, bb);
        if (!is_write) {
            view_read(fv, addr, attrs, bb->data, l);
        }
        flatview_unref(fv);
        *plen = l;
        return bb->data;
    }

    /* direct: as far as the same region continues at contiguous offsets */
    done = MIN(x.len, host_avail);
    if (x.avail < done) {
        done = (hwaddr)x.avail;
    }
    while (done < len) {
        Xlat n;
        hwaddr nl;

        translate(fv, addr + done, len - done, is_write, attrs, &n);
        if (n.mr != x.mr || n.xlat != x.xlat + done) {
            break;
        }
        nl = n.len;
        if (n.avail < nl) {
            nl = (hwaddr)n.avail;
        }
        nl = MIN(nl, host_avail - done);
        if (nl == 0) {
            break;
        }
        done += nl;
    }
    flatview_unref(fv);

    DirectMap *dm = g_new0(DirectMap, 1);
    memory_region_ref(x.mr);
    dm->mr = x.mr;
    dm->xlat = x.xlat;
    dm->len = done;
    if (!direct_maps) {
        direct_maps = g_hash_table_new(NULL, NULL);
    }
    dm->next = g_hash_table_lookup(direct_maps, p);
    g_hash_table_insert(direct_maps, p, dm);
    *plen = done;
    return p;
}

void address_space_unmap(AddressSpace *as, void *buffer, hwaddr len,
                         bool is_write, hwaddr access_len)
{
    DirectMap *dm;

    if (!buffer) {
        return;
    }
    for (GList *l = as->bounce_buffers; l; l = l->next) {
        BounceBuffer *bb = l->data;
        if (bb->data != buffer) {
            continue;
        }
        as->bounce_buffers = g_list_delete_link(as->bounce_buffers, l);
        if (is_write && access_len) {
            address_space_write(as, bb->addr, bb->attrs, bb->data,
                                MIN(access_len, bb->len));
        }
        as->bounce_buffer_size -= MIN(bb->len, as->bounce_buffer_size);
        memory_region_unref(bb->mr);
        g_free(bb);
        notify_map_clients(as);
        return;
    }

    dm = direct_maps ? g_hash_table_lookup(direct_maps, buffer) : NULL;
    if (!dm) {
        g_warning("address_space_unmap: %p was not mapped in '%s'", buffer,
                  as->name ? as->name : "anonymous");
        return;
    }
    if (dm->next) {
        g_hash_table_insert(direct_maps, buffer, dm->next);
    } else {
        g_hash_table_remove(direct_maps, buffer);
    }
    if (is_write) {
        region_set_dirty(dm->mr, dm->xlat, MIN(access_len, dm->len));
    }
    memory_region_unref(dm->mr);
    g_free(dm);
}

/* Called by address_space_destroy: drop what is still mapped through @as
 * (without write-back) and its map clients. */
void address_space_free_bounce_buffers(AddressSpace *as);
void address_space_free_bounce_buffers(AddressSpace *as)
{
    for (GList *l = as->bounce_buffers; l; l = l->next) {
        BounceBuffer *bb = l->data;
        memory_region_unref(bb->mr);
        g_free(bb);
    }
    g_list_free(as->bounce_buffers);
    as->bounce_buffers = NULL;
    as->bounce_buffer_size = 0;
    g_list_free_full(as->map_clients, g_free);
    as->map_clients = NULL;
}
