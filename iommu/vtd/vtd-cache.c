/*
 * vtd-cache.c - the context cache and the IOTLB (VT-d spec 6.1-6.2.4).
 *
 * As QEMU 7.2 keeps them (hw/i386/intel_iommu.c):
 *  - context cache: each device address space keeps the last context entry
 *    read for it with the generation it was read in; bumping the unit's
 *    generation makes every entry stale at once (global invalidation); on
 *    wrap-around all entries get generation 0 and the unit restarts at 1.
 *  - IOTLB: entries keyed by (gfn at the entry's level, source id, PASID,
 *    level), holding the leaf entry, its domain, page mask and access
 *    rights. A lookup tries level 1 (4 KiB), then 2 (2 MiB), then 3
 *    (1 GiB). When it holds VTD_IOTLB_MAX_SIZE entries it is emptied
 *    before the next insertion (even one that replaces an entry).
 *
 * The IOTLB here is a dense array of at most VTD_IOTLB_MAX_SIZE entries
 * with an open-addressing index (2048 four-byte slots, linear probing,
 * deletion by backward shift, no tombstones). A slot holds 21 bits of the
 * key's hash (its top 11 bits are the home slot) and the entry's position
 * in the array, so probing reads only the 8 KiB index and the entry that
 * matches; selective invalidations walk the dense array, O(entries).
 */
#include "iommu/vtd/vtd-internal.h"

#include <string.h>

#define VTD_IOTLB_SLOTS_BITS 11
#define VTD_IOTLB_SLOTS (1u << VTD_IOTLB_SLOTS_BITS)
#define VTD_IOTLB_SLOT_MASK (VTD_IOTLB_SLOTS - 1)
#define VTD_IOTLB_IDX_BITS 11            /* entry index + 1: 1..1024 */
#define VTD_IOTLB_IDX_MASK ((1u << VTD_IOTLB_IDX_BITS) - 1)
G_STATIC_ASSERT(VTD_IOTLB_SLOTS >= 2 * VTD_IOTLB_MAX_SIZE);
G_STATIC_ASSERT(VTD_IOTLB_MAX_SIZE < (1u << VTD_IOTLB_IDX_BITS));

struct VTDIOTLB {
    unsigned count;
    unsigned level_count[4]; /* entries per level: levels without any are
                              * not probed */
    uint32_t slot[VTD_IOTLB_SLOTS];         /* 0: empty */
    VTDIOTLBEntry entry[VTD_IOTLB_MAX_SIZE]; /* dense, [0, count) */
};

/* 21 bits of hash: bits 20:10 are the home slot */
static inline uint32_t vtd_iotlb_hash(uint64_t gfn, uint16_t sid,
                                      uint32_t pasid, unsigned level)
{
    uint64_t h = gfn * 0x9e3779b97f4a7c15ULL;
    h ^= ((uint64_t)sid << 32 | pasid) * 0xc2b2ae3d27d4eb4fULL;
    h ^= level;
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ULL;
    return (uint32_t)(h >> (64 - 21));
}

static inline unsigned slot_home(uint32_t slot)
{
    return slot >> (21 - VTD_IOTLB_SLOTS_BITS + VTD_IOTLB_IDX_BITS);
}

static inline uint32_t slot_make(uint32_t hash, unsigned idx)
{
    return hash << VTD_IOTLB_IDX_BITS | (idx + 1);
}

static inline unsigned slot_idx(uint32_t slot)
{
    return (slot & VTD_IOTLB_IDX_MASK) - 1;
}

static inline uint32_t entry_hash(const VTDIOTLBEntry *e)
{
    return vtd_iotlb_hash(e->gfn, e->sid, e->pasid, e->level);
}

VTDIOTLB *vtd_iotlb_new(void)
{
    return g_new0(VTDIOTLB, 1);
}

void vtd_iotlb_free(VTDIOTLB *t)
{
    g_free(t);
}

/* The slot of the entry with this key, or -1 */
static inline int vtd_iotlb_find_slot(const VTDIOTLB *t, uint64_t gfn,
                                      uint16_t sid, uint32_t pasid,
                                      unsigned level, uint32_t hash)
{
    const uint32_t tag = hash << VTD_IOTLB_IDX_BITS;
    unsigned i = hash >> (21 - VTD_IOTLB_SLOTS_BITS);

    for (;;) {
        uint32_t sl = t->slot[i];
        if (sl == 0) {
            return -1;
        }
        if ((sl & ~VTD_IOTLB_IDX_MASK) == tag) {
            const VTDIOTLBEntry *e = &t->entry[slot_idx(sl)];
            if (e->gfn == gfn && e->sid == sid && e->pasid == pasid &&
                e->level == level) {
                return (int)i;
            }
        }
        i = (i + 1) & VTD_IOTLB_SLOT_MASK;
    }
}

VTDIOTLBEntry *vtd_lookup_iotlb(IntelIOMMUState *s, uint16_t sid,
                                uint32_t pasid, hwaddr addr)
{
    VTDIOTLB *t = s->iotlb;

    if (t->count) {
        /* 4 KiB, 2 MiB, 1 GiB pages (levels 1-3) */
        for (unsigned level = 1; level <= 3; level++) {
            if (!t->level_count[level]) {
                continue;
            }
            uint64_t gfn = (addr & vtd_level_page_mask(level)) >>
                           VTD_PAGE_SHIFT;
            int i = vtd_iotlb_find_slot(t, gfn, sid, pasid, level,
                                        vtd_iotlb_hash(gfn, sid, pasid,
                                                       level));
            if (i >= 0) {
                s->stats.iotlb_hits++;
                return &t->entry[slot_idx(t->slot[i])];
            }
        }
    }
    s->stats.iotlb_misses++;
    return NULL;
}

static void vtd_iotlb_clear(VTDIOTLB *t)
{
    if (t->count) {
        memset(t->slot, 0, sizeof(t->slot));
        memset(t->level_count, 0, sizeof(t->level_count));
        t->count = 0;
    }
}

void vtd_update_iotlb(IntelIOMMUState *s, uint16_t sid, uint16_t domain_id,
                      hwaddr addr, uint64_t slpte, uint8_t access_flags,
                      uint32_t level, uint32_t pasid)
{
    VTDIOTLB *t = s->iotlb;
    uint64_t gfn;
    uint32_t hash;
    unsigned idx;
    int i;

    if (level < 1 || level > 3) {
        return; /* the walk gives leaves at levels 1-3 only */
    }
    gfn = (addr & vtd_level_page_mask(level)) >> VTD_PAGE_SHIFT;

    if (t->count >= VTD_IOTLB_MAX_SIZE) {
        /* QEMU empties the whole IOTLB when it is full */
        s->stats.iotlb_flushes_full++;
        vtd_iotlb_clear(t);
    }

    hash = vtd_iotlb_hash(gfn, sid, pasid, level);
    i = vtd_iotlb_find_slot(t, gfn, sid, pasid, level, hash);
    if (i >= 0) {
        idx = slot_idx(t->slot[i]); /* replace */
    } else {
        unsigned j = hash >> (21 - VTD_IOTLB_SLOTS_BITS);
        while (t->slot[j]) {
            j = (j + 1) & VTD_IOTLB_SLOT_MASK;
        }
        idx = t->count++;
        t->slot[j] = slot_make(hash, idx);
        t->level_count[level]++;
    }
    t->entry[idx] = (VTDIOTLBEntry) {
        .gfn = gfn,
        .slpte = slpte,
        .mask = vtd_level_page_mask(level),
        .pasid = pasid,
        .domain_id = domain_id,
        .sid = sid,
        .level = (uint8_t)level,
        .access_flags = access_flags,
    };
}

unsigned vtd_iotlb_size(IntelIOMMUState *s)
{
    return s->iotlb->count;
}

/* Empty slot @hole and close the gap (backward shift). */
static void vtd_iotlb_unslot(VTDIOTLB *t, unsigned hole)
{
    unsigned j = hole;

    for (;;) {
        j = (j + 1) & VTD_IOTLB_SLOT_MASK;
        uint32_t sl = t->slot[j];
        if (sl == 0) {
            break;
        }
        unsigned home = slot_home(sl);
        /* it may move to the hole unless its home lies in (hole, j] */
        bool stays = hole <= j ? (home > hole && home <= j)
                               : (home > hole || home <= j);
        if (!stays) {
            t->slot[hole] = sl;
            hole = j;
        }
    }
    t->slot[hole] = 0;
}

/* The slot that points at entry @idx */
static unsigned vtd_iotlb_slot_of(const VTDIOTLB *t, unsigned idx)
{
    unsigned i = entry_hash(&t->entry[idx]) >> (21 - VTD_IOTLB_SLOTS_BITS);

    while (slot_idx(t->slot[i]) != idx || t->slot[i] == 0) {
        i = (i + 1) & VTD_IOTLB_SLOT_MASK;
    }
    return i;
}

/* Remove entry @idx: its slot goes, the last entry moves into its place */
static void vtd_iotlb_delete(VTDIOTLB *t, unsigned idx)
{
    unsigned last = t->count - 1;

    t->level_count[t->entry[idx].level]--;
    vtd_iotlb_unslot(t, vtd_iotlb_slot_of(t, idx));
    if (idx != last) {
        unsigned i = vtd_iotlb_slot_of(t, last);
        t->entry[idx] = t->entry[last];
        t->slot[i] = (t->slot[i] & ~VTD_IOTLB_IDX_MASK) | (idx + 1);
    }
    t->count--;
}

typedef bool (*VTDIOTLBPred)(const VTDIOTLBEntry *e, const void *data);

/* Remove every entry @pred selects (walking the dense array from its end,
 * so that the entry moved into a freed place was already looked at). */
static inline __attribute__((always_inline)) void
vtd_iotlb_remove_if(VTDIOTLB *t, VTDIOTLBPred pred,
                                const void *data)
{
    for (unsigned i = t->count; i-- > 0;) {
        if (pred(&t->entry[i], data)) {
            vtd_iotlb_delete(t, i);
        }
    }
}

void vtd_reset_iotlb(IntelIOMMUState *s)
{
    vtd_iotlb_clear(s->iotlb);
}

typedef struct VTDIOTLBMatch {
    uint16_t domain_id;
    uint32_t pasid;
    uint64_t gfn;      /* page-selective: first gfn, aligned to the mask */
    uint64_t gfn_mask; /* ~(2^am - 1) */
    hwaddr addr;
} VTDIOTLBMatch;

static bool match_domain(const VTDIOTLBEntry *e, const void *data)
{
    const VTDIOTLBMatch *m = data;
    return e->domain_id == m->domain_id;
}

static bool match_pasid(const VTDIOTLBEntry *e, const void *data)
{
    const VTDIOTLBMatch *m = data;
    return e->domain_id == m->domain_id && e->pasid == m->pasid;
}

/* 6.5.2.3 page-selective: an entry goes when its gfn falls in the
 * invalidated range, or when the invalidated address falls in the entry's
 * (large) page (QEMU's match). */
static bool match_page(const VTDIOTLBEntry *e, const void *data)
{
    const VTDIOTLBMatch *m = data;
    return e->domain_id == m->domain_id &&
           ((e->gfn & m->gfn_mask) == m->gfn ||
            e->gfn == (m->addr & e->mask) >> VTD_PAGE_SHIFT);
}

static bool match_page_pasid(const VTDIOTLBEntry *e, const void *data)
{
    const VTDIOTLBMatch *m = data;
    return e->pasid == m->pasid && match_page(e, data);
}

void vtd_iotlb_remove_domain(IntelIOMMUState *s, uint16_t domain_id)
{
    VTDIOTLBMatch m = { .domain_id = domain_id };
    vtd_iotlb_remove_if(s->iotlb, match_domain, &m);
}

void vtd_iotlb_remove_pasid(IntelIOMMUState *s, uint16_t domain_id,
                            uint32_t pasid)
{
    VTDIOTLBMatch m = { .domain_id = domain_id, .pasid = pasid };
    vtd_iotlb_remove_if(s->iotlb, match_pasid, &m);
}

/*
 * The gfn comparison keeps only the low 8 bits of the mask, as QEMU 7.2
 * does (its VTDIOTLBPageInvInfo.mask is a uint8_t): an invalidation of
 * 2^am pages also drops entries of other pages whose gfn agrees in bits
 * 7:am, and with am >= 8 every entry of the domain. It is a superset of
 * what the specification requires, and keeping it means a guest that
 * leaves stale entries sees the same stale data as on QEMU.
 */
#define VTD_QEMU_PSI_MASK_BITS 8

static void vtd_page_match_init(VTDIOTLBMatch *m, uint16_t domain_id,
                                hwaddr addr, unsigned am, uint32_t pasid)
{
    uint64_t mask;

    if (am > 63 - VTD_PAGE_SHIFT) {
        am = 63 - VTD_PAGE_SHIFT;
    }
    mask = ~((1ULL << am) - 1);
    mask &= (1ULL << VTD_QEMU_PSI_MASK_BITS) - 1;
    m->domain_id = domain_id;
    m->pasid = pasid;
    m->addr = addr;
    m->gfn_mask = mask;
    m->gfn = (addr >> VTD_PAGE_SHIFT) & mask;
}

void vtd_iotlb_remove_page(IntelIOMMUState *s, uint16_t domain_id,
                           hwaddr addr, unsigned am)
{
    VTDIOTLBMatch m;
    vtd_page_match_init(&m, domain_id, addr, am, 0);
    vtd_iotlb_remove_if(s->iotlb, match_page, &m);
}

void vtd_iotlb_remove_page_pasid(IntelIOMMUState *s, uint16_t domain_id,
                                 hwaddr addr, unsigned am, uint32_t pasid)
{
    VTDIOTLBMatch m;
    vtd_page_match_init(&m, domain_id, addr, am, pasid);
    vtd_iotlb_remove_if(s->iotlb, match_page_pasid, &m);
}

/* ---- context cache ---------------------------------------------------- */

bool vtd_context_cache_lookup(IntelIOMMUState *s, VTDAddressSpace *vtd_as,
                              VTDContextEntry *ce)
{
    if (vtd_as->context_cache_entry.context_cache_gen == s->context_cache_gen) {
        *ce = vtd_as->context_cache_entry.context_entry;
        s->stats.ctx_hits++;
        return true;
    }
    s->stats.ctx_misses++;
    return false;
}

void vtd_context_cache_update(IntelIOMMUState *s, VTDAddressSpace *vtd_as,
                              const VTDContextEntry *ce)
{
    vtd_as->context_cache_entry.context_entry = *ce;
    vtd_as->context_cache_entry.context_cache_gen = s->context_cache_gen;
}

static void vtd_as_ctx_invalidate(VTDAddressSpace *vtd_as, void *opaque)
{
    vtd_as->context_cache_entry.context_cache_gen = 0;
}

void vtd_reset_context_cache(IntelIOMMUState *s)
{
    if (s->vtd_address_spaces) {
        vtd_as_foreach(s, vtd_as_ctx_invalidate, NULL);
    }
    s->context_cache_gen = 1;
}

void vtd_context_cache_bump(IntelIOMMUState *s)
{
    s->context_cache_gen++;
    if (s->context_cache_gen == UINT32_MAX) {
        vtd_reset_context_cache(s);
    }
}

void vtd_reset_caches(IntelIOMMUState *s)
{
    vtd_reset_iotlb(s);
    vtd_reset_context_cache(s);
}
