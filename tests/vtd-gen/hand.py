"""hand.py - the hand-written VT-d traces: one or more per fault reason
QEMU 7.2 reports (fault-*.qtest), fault recording and events, queued
invalidation (qi-*.qtest), register invalidation and caches (inv-*.qtest),
register semantics (regs-*.qtest).

Each trace says in '# expect FR=0xN' comments which fault reason the DMA
before it should record; check.py compares those with the replies QEMU
gave (the .expected files)."""

from vtdlib import *
from scenario import Scenario

SCENARIOS = []


def scenario(fn):
    SCENARIOS.append(fn)
    return fn


def fault_dma(s, edu, iova, write, n=8, off=0):
    """One DMA that should fault: write=True is device -> memory."""
    s.t.comment("DMA %s IOVA %s (%d bytes)" % ("write to" if write else "read from", h(iova), n))
    if write:
        edu.dma_out(iova, n, off)
    else:
        edu.dma_in(iova, n, off)


def fault_cycle(s, edu, iova, write, fr, how=0):
    fault_dma(s, edu, iova, write)
    if fr is None:
        s.expect(none=True)
    else:
        s.expect(fr)
        s.clear(how)


def good_copy(s, edu, dom, src_iova, dst_iova, n=64, page=None):
    """Map two buffers in @dom, copy between them through the IOMMU and read
    the destination back."""
    src, dst = s.data(), s.data()
    dom.map(src_iova, src, 4 * KiB, SL_R, page=page)
    dom.map(dst_iova, dst, 4 * KiB, SL_R | SL_W, page=page)
    s.fill(src, n)
    s.fill(dst, n, byte=0xee)
    s.copy(edu, src_iova + 0x10, dst_iova + 0x20, n - 0x20, comment="a copy that translates")
    s.t.read(dst, n)


# ---------------------------------------------------------------- root
@scenario
def fault_root_not_present():
    s = Scenario("fault 0x1: root entry not present (legacy)\n"
                 "The root table has no entry for bus 0; a read and a write DMA\n"
                 "each record reason 1 (T=1 for the read, T=0 for the write).")
    e = s.edus[0]
    s.enable()
    fault_cycle(s, e, 0x10000, False, FR_ROOT_ENTRY_P)
    fault_cycle(s, e, 0x23456000, True, FR_ROOT_ENTRY_P, how=1)
    s.t.comment("the root entry appears (present, context table empty): reason 2")
    s.tb.context_table(0, e.devfn)
    fault_cycle(s, e, 0x10000, False, FR_CONTEXT_ENTRY_P)
    return "fault-root-not-present", s


@scenario
def fault_root_table_inv():
    s = Scenario("fault 0x8: the root table cannot be read\n"
                 "RTADDR points outside RAM (0x40000000 with 256 MiB): reason 8.\n"
                 "Then RTADDR moves to a real table (SRTP again) and DMA works.",
                 aw=48)
    e = s.edus[0]
    s.vtd.set_root(0x40000000)
    s.vtd.enable(True)
    fault_cycle(s, e, 0x1000, False, FR_ROOT_TABLE_INV)
    fault_cycle(s, e, 0x1000, True, FR_ROOT_TABLE_INV)
    s.t.comment("above the 39/48-bit mask: RTADDR keeps the bits, QEMU masks the\n"
                "pointer with the host address width")
    s.vtd.set_root(0x00ff000001000000)
    s.vtd.rq(RTADDR)
    fault_cycle(s, e, 0x1000, False, FR_ROOT_ENTRY_P)
    dom = s.domain()
    s.attach(e, dom)
    s.vtd.set_root(s.tb.root)
    good_copy(s, e, dom, 0x100000, 0x200000)
    s.expect(none=True)
    return "fault-root-table-inv", s


@scenario
def fault_root_rsvd():
    s = Scenario("fault 0xa: reserved bits in a present legacy root entry\n"
                 "root.hi non-zero, root.lo bits 1-11, context pointer above the\n"
                 "39-bit address width. Faults in the root/context walk are not cached.")
    e = s.edus[0]
    dom = s.domain()
    s.attach(e, dom)
    ra = s.tb.root_entry_addr(0)
    ct = s.tb.context_table(0, e.devfn)
    s.tb.mem.set(ra + 8, 1)
    s.enable()
    fault_cycle(s, e, 0x3000, False, FR_ROOT_ENTRY_RSVD)
    s.tb.mem.set(ra + 8, 0)
    for bit in (1, 4, 11):
        s.t.comment("root.lo bit %d" % bit)
        s.tb.mem.set(ra, ct | 1 | (1 << bit))
        fault_cycle(s, e, 0x3000, bit == 4, FR_ROOT_ENTRY_RSVD)
    s.t.comment("context pointer bit 39 (beyond aw-bits=39)")
    s.tb.mem.set(ra, ct | 1 | (1 << 39))
    fault_cycle(s, e, 0x3000, False, FR_ROOT_ENTRY_RSVD)
    s.t.comment("fixed: the next DMA translates (no negative caching)")
    s.tb.mem.set(ra, ct | 1)
    good_copy(s, e, dom, 0x4000, 0x8000)
    s.expect(none=True)
    return "fault-root-rsvd", s


@scenario
def fault_root_rsvd_48():
    s = Scenario("fault 0xa with aw-bits=48: bit 40 of the context pointer is\n"
                 "address, bit 48 is reserved", aw=48)
    e = s.edus[0]
    dom = s.domain()
    s.attach(e, dom)
    ra = s.tb.root_entry_addr(0)
    ct = s.tb.context_table(0, e.devfn)
    s.tb.mem.set(ra, ct | 1 | (1 << 48))
    s.enable()
    fault_cycle(s, e, 0x3000, False, FR_ROOT_ENTRY_RSVD)
    s.t.comment("bit 40: a context table at 1 TiB, outside RAM: reason 9")
    s.tb.mem.set(ra, ct | 1 | (1 << 40))
    fault_cycle(s, e, 0x3000, False, FR_CONTEXT_TABLE_INV)
    return "fault-root-rsvd-aw48", s


# ---------------------------------------------------------------- context
@scenario
def fault_context_table_inv():
    s = Scenario("fault 0x9: the context table cannot be read\n"
                 "The root entry points at 0x80000000 (no RAM there).")
    e = s.edus[0]
    s.tb.mem.set(s.tb.root_entry_addr(0), 0x80000000 | 1)
    s.enable()
    fault_cycle(s, e, 0x5000, False, FR_CONTEXT_TABLE_INV)
    fault_cycle(s, e, 0x5000, True, FR_CONTEXT_TABLE_INV)
    s.t.comment("pointing into the PCI hole at 0xe0000000: still unreadable")
    s.tb.mem.set(s.tb.root_entry_addr(0), 0xe0000000 | 1)
    fault_cycle(s, e, 0x5000, False, FR_CONTEXT_TABLE_INV)
    return "fault-context-table-inv", s


@scenario
def fault_context_not_present():
    s = Scenario("fault 0x2: context entry not present, and FPD\n"
                 "Only 05.0 has a context entry. 04.0 faults with reason 2; with\n"
                 "FPD set in its (not present) entry the fault is not recorded, as\n"
                 "reason 2 is a qualified fault.", slots=((4, 0), (5, 0)))
    e, e2 = s.edus
    dom = s.domain()
    s.attach(e2, dom)
    s.enable()
    fault_cycle(s, e, 0x6000, False, FR_CONTEXT_ENTRY_P)
    fault_cycle(s, e, 0x6000, True, FR_CONTEXT_ENTRY_P)
    s.t.comment("context entry of 04.0: P=0, FPD=1")
    s.tb.set_context(0, e.devfn, dom, present=False, fpd=True)
    fault_cycle(s, e, 0x6000, False, None)
    s.t.comment("05.0 still translates")
    good_copy(s, e2, dom, 0x10000, 0x20000)
    s.expect(none=True)
    return "fault-context-not-present", s


@scenario
def fault_context_aw():
    s = Scenario("fault 0x3: context entry AW not in CAP.SAGAW (aw-bits=39)\n"
                 "AW=2 (4 levels) and AW=0 (2 levels), AW=3 and AW=4..7 are all\n"
                 "invalid programming; AW=1 works.")
    e = s.edus[0]
    dom = s.domain(levels=3)
    ca = s.attach(e, dom)
    s.enable()
    for aw in (2, 0, 3, 4, 7):
        s.t.comment("context AW=%d" % aw)
        s.tb.mem.set(ca + 8, aw | (dom.did << 8))
        fault_cycle(s, e, 0x7000, aw % 2 == 1, FR_CONTEXT_ENTRY_INV)
    s.t.comment("with FPD the fault is suppressed (qualified)")
    s.tb.mem.set(ca, s.tb.mem.get(ca) | 2)
    fault_cycle(s, e, 0x7000, False, None)
    s.tb.mem.set(ca, s.tb.mem.get(ca) & ~2)
    s.tb.mem.set(ca + 8, 1 | (dom.did << 8))
    good_copy(s, e, dom, 0x7000, 0x9000)
    s.expect(none=True)
    return "fault-context-aw", s


@scenario
def fault_context_aw_48():
    s = Scenario("fault 0x3 with aw-bits=48: AW=1 and AW=2 are valid, AW=3 (5\n"
                 "levels) and AW=0 are not", aw=48)
    e = s.edus[0]
    dom3 = s.domain(levels=3)
    dom4 = s.domain(levels=4)
    ca = s.attach(e, dom4)
    s.enable()
    good_copy(s, e, dom4, 0x123400000, 0x8000000000)
    s.tb.set_context(0, e.devfn, dom4, aw=3)
    s.t.comment("AW=3; the context cache still holds AW=2 until invalidated")
    good_copy(s, e, dom4, 0x223400000, 0x9000000000)
    s.vtd.ccmd(1)
    s.vtd.iotlb(1)
    fault_cycle(s, e, 0x123400000, False, FR_CONTEXT_ENTRY_INV)
    s.tb.set_context(0, e.devfn, dom4, aw=0)
    fault_cycle(s, e, 0x123400000, False, FR_CONTEXT_ENTRY_INV)
    s.tb.set_context(0, e.devfn, dom3, aw=1)
    good_copy(s, e, dom3, 0x400000, 0x500000)
    s.expect(none=True)
    return "fault-context-aw-aw48", s


@scenario
def fault_context_tt():
    s = Scenario("fault 0x3: translation type not supported\n"
                 "pt=off, device-iotlb=off: TT=2 (pass-through), TT=1 (device\n"
                 "TLB) and TT=3 are invalid programming (QEMU 7.2 reports reason\n"
                 "3, never 0xd).", pt=False)
    e = s.edus[0]
    dom = s.domain()
    s.enable()
    for tt in (2, 1, 3):
        s.t.comment("TT=%d" % tt)
        s.attach(e, dom, tt=tt)
        fault_cycle(s, e, 0x8000, tt == 1, FR_CONTEXT_ENTRY_INV)
    s.attach(e, dom, tt=0)
    good_copy(s, e, dom, 0x8000, 0xa000)
    s.expect(none=True)
    return "fault-context-tt", s


@scenario
def fault_context_tt_supported():
    s = Scenario("translation types with pt=on, device-iotlb=on: TT=1 translates,\n"
                 "TT=2 passes through (IOVA = address), TT=3 is invalid (reason 3)",
                 dt=True, pt=True)
    e = s.edus[0]
    dom = s.domain()
    s.attach(e, dom, tt=1)
    s.enable()
    good_copy(s, e, dom, 0x10000, 0x20000)
    s.expect(none=True)
    s.t.comment("TT=2: pass-through after a device-selective context invalidation")
    s.attach(e, dom, tt=2)
    s.vtd.ccmd(3, sid=e.sid)
    src, dst = s.data(), s.data()
    s.fill(src, 32)
    s.fill(dst, 32, byte=0x55)
    s.copy(e, src, dst, 32)
    s.t.read(dst, 32)
    s.expect(none=True)
    s.t.comment("TT=3, context cache invalidated: IOVA 0x10000 still hits the IOTLB\n"
                "(QEMU looks there before the context), no fault; a global IOTLB\n"
                "invalidation, then reason 3")
    s.attach(e, dom, tt=3)
    s.vtd.ccmd(3, sid=e.sid)
    fault_cycle(s, e, 0x10000, False, None)
    s.vtd.iotlb(1)
    fault_cycle(s, e, 0x10000, False, FR_CONTEXT_ENTRY_INV)
    return "fault-context-tt-supported", s


@scenario
def fault_context_slptptr():
    s = Scenario("fault 0x3: the second-level table pointer cannot be read\n"
                 "(QEMU reports a failed read of the top-level table as invalid\n"
                 "context programming), and 0x7 one level down", aw=48)
    e = s.edus[0]
    dom = s.domain()
    s.attach(e, dom, slptptr=0x40000000)
    s.enable()
    fault_cycle(s, e, 0x9000, False, FR_CONTEXT_ENTRY_INV)
    fault_cycle(s, e, 0x9000, True, FR_CONTEXT_ENTRY_INV)
    s.t.comment("the pointer is fixed and the level-4 entry points outside RAM;\n"
                "the context entry was valid, so it is cached with the old pointer:\n"
                "still reason 3 until the context cache is invalidated, then 7")
    s.attach(e, dom)
    dom.map(0x9000, s.data(), 4 * KiB)
    dom.set_entry_bits(0x9000, 4, set_bits=0x70000000, clear_bits=0x000ffffffffff000)
    fault_cycle(s, e, 0x9000, False, FR_CONTEXT_ENTRY_INV)
    s.vtd.ccmd(1)
    fault_cycle(s, e, 0x9000, False, FR_PAGING_ENTRY_INV)
    return "fault-context-slptptr", s


@scenario
def fault_context_rsvd():
    s = Scenario("fault 0xb: reserved bits in a present legacy context entry\n"
                 "lo bits 4-11, lo above aw-bits, hi bit 7, hi bits 24-63. Not a\n"
                 "qualified fault: FPD does not suppress it.")
    e = s.edus[0]
    dom = s.domain()
    s.enable()
    cases = [("lo bit 4", 1 << 4, 0), ("lo bit 11", 1 << 11, 0),
             ("lo bit 39", 1 << 39, 0), ("lo bit 63", 1 << 63, 0),
             ("hi bit 7", 0, 1 << 7), ("hi bit 24", 0, 1 << 24),
             ("hi bit 63", 0, 1 << 63)]
    for i, (what, lo, hi) in enumerate(cases):
        s.t.comment(what)
        s.attach(e, dom, lo_extra=lo, hi_extra=hi)
        fault_cycle(s, e, 0xa000, i % 2 == 1, FR_CONTEXT_ENTRY_RSVD)
    s.t.comment("hi bit 7 with FPD set: still recorded")
    s.attach(e, dom, hi_extra=1 << 7, fpd=True)
    fault_cycle(s, e, 0xa000, False, FR_CONTEXT_ENTRY_RSVD)
    s.t.comment("hi bits 3-6 and 8-23 (AVAIL, DID) are not reserved")
    s.attach(e, dom, hi_extra=0x78, did=0xffff)
    good_copy(s, e, dom, 0xa000, 0xc000)
    s.expect(none=True)
    return "fault-context-rsvd", s


# ---------------------------------------------------------------- walk
@scenario
def fault_beyond_mgaw():
    s = Scenario("fault 0x4: input address beyond the address width\n"
                 "aw-bits=48 with a 3-level context (AW=1): 2^39 faults; a\n"
                 "4-level context: 2^48 faults, 2^48-4096 translates.", aw=48)
    e = s.edus[0]
    dom3, dom4 = s.domain(levels=3), s.domain(levels=4)
    s.attach(e, dom3)
    s.enable()
    fault_cycle(s, e, 1 << 39, False, FR_ADDR_BEYOND_MGAW)
    fault_cycle(s, e, (1 << 39) + 0x5000, True, FR_ADDR_BEYOND_MGAW)
    s.attach(e, dom4)
    s.vtd.ccmd(3, sid=e.sid)
    fault_cycle(s, e, 1 << 48, False, FR_ADDR_BEYOND_MGAW)
    fault_cycle(s, e, 0xffffffffffff0000, True, FR_ADDR_BEYOND_MGAW)
    good_copy(s, e, dom4, (1 << 48) - 0x2000, (1 << 47))
    s.expect(none=True)
    return "fault-beyond-mgaw", s


@scenario
def fault_beyond_mgaw_39():
    s = Scenario("fault 0x4 with aw-bits=39: 2^39 is beyond MGAW")
    e = s.edus[0]
    dom = s.domain()
    s.attach(e, dom)
    s.enable()
    fault_cycle(s, e, 1 << 39, False, FR_ADDR_BEYOND_MGAW)
    fault_cycle(s, e, 1 << 63, True, FR_ADDR_BEYOND_MGAW)
    good_copy(s, e, dom, (1 << 39) - 0x1000, (1 << 38))
    s.expect(none=True)
    return "fault-beyond-mgaw-aw39", s


@scenario
def fault_write_read():
    s = Scenario("faults 0x5/0x6: second-level permissions\n"
                 "not-present leaf, read-only leaf written, write-only leaf read,\n"
                 "permissions stacked over levels (a read-only directory makes a\n"
                 "read-write leaf read-only), not-present directories.", aw=48)
    e = s.edus[0]
    dom = s.domain()
    s.attach(e, dom)
    s.enable()
    base = 0x4000000000
    s.t.comment("no mapping at all (level-4 entry not present)")
    fault_cycle(s, e, 0x7f0000000000, False, FR_READ)
    fault_cycle(s, e, 0x7f0000000000, True, FR_WRITE)
    ro, wo, rw = s.data(), s.data(), s.data()
    dom.map(base, ro, 4 * KiB, SL_R)
    dom.map(base + 0x1000, wo, 4 * KiB, SL_W)
    dom.map(base + 0x2000, rw, 4 * KiB, SL_R | SL_W)
    s.t.comment("leaf not present next to mapped ones")
    fault_cycle(s, e, base + 0x3000, True, FR_WRITE)
    fault_cycle(s, e, base + 0x3000, False, FR_READ)
    s.t.comment("write to the read-only page")
    fault_cycle(s, e, base, True, FR_WRITE)
    s.t.comment("read of the write-only page")
    fault_cycle(s, e, base + 0x1000, False, FR_READ)
    s.t.comment("read of the read-only page, write of the write-only page: fine")
    s.fill(ro, 16)
    s.t.memset(wo, 16, 0x11)
    s.copy(e, base + 8, base + 0x1000 + 8, 8)
    s.t.read(wo, 16)
    s.expect(none=True)
    s.t.comment("the level-3 directory above becomes read-only: the read-write\n"
                "page can no longer be written (after invalidating the IOTLB)")
    dom.set_entry_bits(base, 3, clear_bits=SL_W)
    s.vtd.iotlb(1)
    fault_cycle(s, e, base + 0x2000, True, FR_WRITE)
    s.t.comment("level-2 directory not readable: reads fault")
    dom.set_entry_bits(base, 3, set_bits=SL_W)
    dom.set_entry_bits(base, 2, clear_bits=SL_R)
    s.vtd.iotlb(1)
    fault_cycle(s, e, base + 0x2000, False, FR_READ)
    s.t.comment("a DMA that crosses from a mapped page into an unmapped one:\n"
                "the first part lands, the rest faults")
    dom.set_entry_bits(base, 2, set_bits=SL_R)
    s.vtd.iotlb(1)
    s.t.memset(rw, 4096, 0x22)
    e.dma_in(base + 0x2ff0, 32)
    e.dma_out(base + 0x2fe0, 48)
    s.t.read(rw + 0xfd0, 48)
    s.expect(FR_READ)
    s.clear()
    return "fault-write-read", s


@scenario
def fault_paging_entry_inv():
    s = Scenario("fault 0x7: a second-level table below the top cannot be read\n"
                 "and QEMU's quirk: an entry that reads as all ones is taken for a\n"
                 "failed read (0x7 below the top level, 0x3 at the top).")
    e = s.edus[0]
    dom = s.domain()
    s.attach(e, dom)
    s.enable()
    iova = 0x12345000
    dom.map(iova, s.data(), 4 * KiB)
    s.t.comment("the level-3 entry points at 0x60000000 (no RAM)")
    dom.set_entry_bits(iova, 3, set_bits=0x60000000, clear_bits=0x000ffffffffff000)
    fault_cycle(s, e, iova, False, FR_PAGING_ENTRY_INV)
    s.t.comment("the level-2 table pointer points into the PCI hole")
    dom2 = s.domain()
    s.attach(e, dom2)
    s.vtd.ccmd(1)
    dom2.map(iova, s.data(), 4 * KiB)
    dom2.set_entry_bits(iova, 2, set_bits=0xe0000000, clear_bits=0x000ffffffffff000)
    fault_cycle(s, e, iova, True, FR_PAGING_ENTRY_INV)
    s.t.comment("a leaf of all ones")
    dom3 = s.domain()
    s.attach(e, dom3)
    s.vtd.ccmd(1)
    dom3.map(iova, s.data(), 4 * KiB)
    dom3.set_entry_bits(iova, 1, set_bits=2**64 - 1)
    fault_cycle(s, e, iova, False, FR_PAGING_ENTRY_INV)
    s.t.comment("a top-level entry of all ones")
    dom3.set_entry_bits(iova, 3, set_bits=2**64 - 1)
    fault_cycle(s, e, iova, True, FR_CONTEXT_ENTRY_INV)
    return "fault-paging-entry-inv", s


def paging_rsvd(name, title, aw=39, dt=False, sc=False, sm=False):
    s = Scenario(title, aw=aw, dt=dt, sc=sc, sm=sm)
    e = s.edus[0]
    levels = 4 if aw == 48 else 3
    cases = []
    # (comment, level of the entry, page size of the mapping, bits)
    cases.append(("4K leaf, bit 11 (SNP)", 1, 4 * KiB, SL_SNP))
    cases.append(("4K leaf, bit 62 (TM)", 1, 4 * KiB, SL_TM))
    cases.append(("4K leaf, bit %d (beyond aw-bits)" % aw, 1, 4 * KiB, 1 << aw))
    cases.append(("4K leaf, bit 51", 1, 4 * KiB, 1 << 51))
    cases.append(("4K leaf, bits 52-61 and 63 are ignored", 1, 4 * KiB, 0xbff0000000000000))
    cases.append(("4K leaf, bits 7-10 are ignored", 1, 4 * KiB, 0x780))
    cases.append(("2M leaf, bit 12", 2, 2 * MiB, 1 << 12))
    cases.append(("2M leaf, bit 20", 2, 2 * MiB, 1 << 20))
    cases.append(("2M leaf, bit 11 (SNP)", 2, 2 * MiB, SL_SNP))
    cases.append(("2M leaf, bit 62 (TM)", 2, 2 * MiB, SL_TM))
    cases.append(("1G leaf, bit 13", 3, GiB, 1 << 13))
    cases.append(("1G leaf, bit 29", 3, GiB, 1 << 29))
    cases.append(("1G leaf, bit 11 (SNP)", 3, GiB, SL_SNP))
    cases.append(("level-2 directory, bit 11", 2, 4 * KiB, SL_SNP))
    cases.append(("level-2 directory, bit 62", 2, 4 * KiB, SL_TM))
    cases.append(("level-3 directory, bit %d" % aw, 3, 4 * KiB, 1 << aw))
    if levels == 4:
        cases.append(("level-4 entry, bit 7 (PS)", 4, 4 * KiB, SL_PS))
        cases.append(("level-4 entry, bit 11", 4, 4 * KiB, SL_SNP))
    cases.append(("a not-present leaf with reserved bits: a permission fault", 1, 4 * KiB, (1 << 51) | 0))
    s.enable()
    for i, (what, level, page, bits) in enumerate(cases):
        dom = s.domain()
        iova = (0x40000000 * (i + 1)) % (1 << (aw - 1)) + 0x200000 * (i % 3)
        if page == GiB:
            pa = 0
            iova &= ~(GiB - 1)
        elif page == 2 * MiB:
            pa = s.data(2 * MiB)
        else:
            pa = s.data()
        dom.map(iova, pa, page, SL_R | SL_W, page=page)
        if what.startswith("a not-present"):
            dom.set_entry_bits(iova, 1, set_bits=bits, clear_bits=3)
        else:
            dom.set_entry_bits(iova, level, set_bits=bits)
        s.attach(e, dom)
        s.vtd.ccmd(1)
        s.vtd.iotlb(1)
        s.t.comment(what)
        # a DMA into the data pool part of the page
        target = iova + (0x3000000 if page == GiB else 0x100)
        fault_dma(s, e, target, i % 2 == 1, n=16)
        s.expect()
        s.clear()
    return name, s


@scenario
def fault_paging_rsvd_39():
    return paging_rsvd("fault-paging-rsvd-aw39",
                       "fault 0xc: reserved bits in second-level entries (aw-bits=39)\n"
                       "Each case builds a fresh domain, sets the bits and DMAs once;\n"
                       "the replies show which bits QEMU 7.2 treats as reserved: SNP\n"
                       "and TM in leaves (no snoop-control, no device-iotlb), address\n"
                       "bits beyond aw-bits, large-page bits below the page size, SNP\n"
                       "and TM in directories.")


@scenario
def fault_paging_rsvd_48():
    return paging_rsvd("fault-paging-rsvd-aw48",
                       "fault 0xc: reserved bits in second-level entries (aw-bits=48,\n"
                       "4 levels: PS in a level-4 entry is reserved too)", aw=48)


@scenario
def fault_paging_rsvd_sc_dt():
    return paging_rsvd("fault-paging-rsvd-sc-dt",
                       "reserved bits with snoop-control=on and device-iotlb=on: SNP is\n"
                       "allowed in leaves, TM too; directories still reserve both",
                       aw=48, dt=True, sc=True)


@scenario
def fault_paging_rsvd_sm():
    return paging_rsvd("fault-paging-rsvd-sm",
                       "reserved bits in scalable mode (x-scalable-mode=on): SNP is\n"
                       "allowed in leaves; faults go through the PASID entry",
                       aw=48, sm=True)


@scenario
def fault_interrupt_addr():
    s = Scenario("fault 0xe: a translation into the interrupt range 0xfee00000-\n"
                 "0xfeefffff (legacy mode); a 2 MiB page over it, a 1 GiB page\n"
                 "containing it; a page just below it translates.", aw=48)
    e = s.edus[0]
    dom = s.domain()
    s.attach(e, dom)
    s.enable()
    dom.map(0x100000, 0xfee00000, 4 * KiB)
    fault_cycle(s, e, 0x100000, False, FR_INTERRUPT_ADDR)
    fault_cycle(s, e, 0x100000, True, FR_INTERRUPT_ADDR)
    dom.map(0x400000, 0xfee00000, 2 * MiB, page=2 * MiB)
    fault_cycle(s, e, 0x400000 + 0x1000, False, FR_INTERRUPT_ADDR)
    dom.map(0x40000000, 0xc0000000, GiB, page=GiB)
    fault_cycle(s, e, 0x40000000 + 0x3000000, True, FR_INTERRUPT_ADDR)
    dom.map(0x800000, 0xfedff000, 4 * KiB)
    dom.map(0xa00000, 0xfef00000, 4 * KiB)
    s.t.comment("0xfedff000 and 0xfef00000 are outside the range: no fault, the\n"
                "DMA reaches whatever is there (nothing: reads give zeros)")
    e.dma_in(0xa00000, 8)
    s.expect(none=True)
    return "fault-interrupt-addr", s


@scenario
def fault_fpd():
    s = Scenario("fault processing disable (legacy): with FPD=1 in the context\n"
                 "entry, qualified faults (2,3,4,5,6,7,0xc,0xe) are not recorded;\n"
                 "reserved context bits (0xb) still are.", aw=48)
    e = s.edus[0]
    dom = s.domain()
    s.attach(e, dom, fpd=True)
    s.enable()
    fault_cycle(s, e, 0x5000, False, None)     # not present: READ
    fault_cycle(s, e, 0x5000, True, None)      # WRITE
    fault_cycle(s, e, 1 << 50, False, None)    # beyond AW
    dom.map(0x6000, 0xfee00000, 4 * KiB)
    fault_cycle(s, e, 0x6000, False, None)     # interrupt address
    dom.map(0x8000, s.data(), 4 * KiB)
    dom.set_entry_bits(0x8000, 1, set_bits=1 << 50)
    fault_cycle(s, e, 0x8000, False, None)     # reserved
    s.attach(e, dom, fpd=True, hi_extra=1 << 30)
    s.vtd.ccmd(1)
    fault_cycle(s, e, 0x5000, False, FR_CONTEXT_ENTRY_RSVD)
    s.t.comment("FPD cleared: the same DMA records reason 6")
    s.attach(e, dom, fpd=False)
    s.vtd.ccmd(1)
    fault_cycle(s, e, 0x5000, False, FR_READ)
    return "fault-fpd", s


@scenario
def fault_record_collapse_pfo():
    s = Scenario("fault recording: QEMU 7.2 has one fault recording register\n"
                 "(CAP.NFR=0). A second fault from the same source while F is set\n"
                 "is collapsed (dropped, no PFO); one from another source sets\n"
                 "FSTS.PFO; while PFO is set nothing is recorded; PFO and F clear\n"
                 "by writing 1; FSTS.FRI names the register; PPF follows F.",
                 aw=48, slots=((4, 0), (5, 0), (0x13, 0)))
    a, b, c = s.edus
    dom = s.domain()
    for d in (a, b, c):
        s.attach(d, dom)
    s.enable()
    fault_dma(s, a, 0x1000, False)
    s.expect(FR_READ)
    s.t.comment("same source, another reason and address: collapsed")
    fault_dma(s, a, 1 << 50, True)
    s.expect(FR_READ)
    s.t.comment("another source: PFO")
    fault_dma(s, b, 0x2000, True)
    s.expect(FR_READ)
    fault_dma(s, c, 0x3000, True)
    s.expect(FR_READ)
    s.t.comment("clear PFO only: F still set, a new source sets PFO again")
    s.vtd.clear_fsts(1)
    s.vtd.rl(FSTS)
    fault_dma(s, c, 0x3000, True)
    s.expect(FR_READ)
    s.t.comment("clear F (PPF goes), PFO still set: nothing is recorded")
    s.vtd.clear_fault(0)
    s.vtd.rl(FSTS)
    fault_dma(s, c, 0x3000, True)
    s.expect(none=True)
    s.t.comment("clear PFO: the next fault is recorded in register 0 again")
    s.vtd.clear_fsts(1)
    fault_dma(s, c, 0x4000, True)
    s.expect(FR_WRITE)
    s.t.comment("writing 0 to F, writing the low half, writing FSTS with 0: no change")
    s.vtd.wl(FRCD + 12, 0x7fffffff)
    s.vtd.wq(FRCD, 0xffffffffffffffff)
    s.vtd.wl(FRCD + 8, 0xffffffff)
    s.vtd.wl(FSTS, 0)
    s.vtd.read_faults()
    s.t.comment("clear with a 64-bit write")
    s.vtd.clear_fault(1)
    s.vtd.read_faults()
    return "fault-record-collapse-pfo", s


@scenario
def fault_event():
    s = Scenario("fault event control: FECTL.IM is set after reset; a fault sets\n"
                 "FECTL.IP; clearing the status in FSTS clears IP; with IM clear\n"
                 "the fault event is sent (an MSI to FEADDR/FEDATA) and IP stays\n"
                 "clear; clearing IM while IP is set sends it then.")
    e = s.edus[0]
    dom = s.domain()
    s.attach(e, dom)
    s.enable()
    s.vtd.wl(FEDATA, 0x10045)
    s.vtd.wl(FEADDR, 0xfee00003)
    s.vtd.wl(FEUADDR, 0xffffffff)
    for r in (FECTL, FEDATA, FEADDR, FEUADDR):
        s.vtd.rl(r)
    fault_dma(s, e, 0x1000, False)
    s.expect(FR_READ)
    s.t.comment("F cleared, then a write to FSTS: IP clears")
    s.vtd.clear_fault()
    s.vtd.rl(FECTL)
    s.vtd.wl(FSTS, 0)
    s.vtd.rl(FECTL)
    s.t.comment("IM cleared: the next fault sends the event, IP stays 0")
    s.vtd.wl(FECTL, 0)
    s.vtd.rl(FECTL)
    fault_dma(s, e, 0x1000, True)
    s.expect(FR_WRITE)
    s.vtd.clear_fault()
    s.t.comment("masked again; a fault sets IP; unmasking sends it and clears IP")
    s.vtd.wl(FECTL, 0x80000000)
    fault_dma(s, e, 0x2000, False)
    s.expect(FR_READ)
    s.vtd.wl(FECTL, 0x40000000)
    s.vtd.rl(FECTL)
    s.vtd.clear_fault()
    s.t.comment("a fault while PPF is already set sends no new event")
    s.vtd.wl(FECTL, 0x80000000)
    fault_dma(s, e, 0x3000, False)
    s.vtd.wl(FSTS, 0)
    s.vtd.rl(FECTL)
    return "fault-event", s


@scenario
def fault_iotlb_perm():
    s = Scenario("QEMU quirk: the IOTLB keeps the permissions of the walk. After a\n"
                 "read of a read-only page has been cached, a write to it fails\n"
                 "without a fault record (the IOTLB hit gives perm R, the memory\n"
                 "core refuses the write). Before caching, the write faults.")
    e = s.edus[0]
    dom = s.domain()
    s.attach(e, dom)
    s.enable()
    ro = s.data()
    dom.map(0x20000, ro, 4 * KiB, SL_R)
    dom.map(0x30000, s.data(), 4 * KiB, SL_R)
    s.fill(ro, 32)
    s.t.comment("write first: a fault (reason 5)")
    fault_cycle(s, e, 0x30000, True, FR_WRITE)
    s.t.comment("read, then write the same page: no fault record, memory unchanged")
    e.dma_in(0x20000, 32)
    e.dma_out(0x20000, 32, off=0x100)
    s.t.read(ro, 32)
    s.expect(none=True)
    s.t.comment("after a page-selective invalidation the write faults again")
    s.vtd.iotlb(3, did=dom.did, addr=0x20000, am=0)
    fault_cycle(s, e, 0x20000, True, FR_WRITE)
    return "fault-iotlb-perm", s


# ---------------------------------------------------------------- scalable
@scenario
def fault_sm_root_context():
    s = Scenario("scalable mode: root and context faults\n"
                 "04.0 uses the lower half of the root entry, 13.0 (devfn 0x98)\n"
                 "the upper half. Reasons 1, 2, 0xa, 0xb, 9 as in legacy mode.",
                 aw=48, sm=True, slots=((4, 0), (0x13, 0)))
    a, b = s.edus
    dom = s.domain()
    s.enable()
    fault_cycle(s, a, 0x1000, False, FR_ROOT_ENTRY_P)
    fault_cycle(s, b, 0x1000, False, FR_ROOT_ENTRY_P)
    s.attach(a, dom)
    s.t.comment("lower half present, upper not: 13.0 still reason 1")
    fault_cycle(s, b, 0x1000, True, FR_ROOT_ENTRY_P)
    fault_cycle(s, a, 0x1000, True, FR_WRITE)
    s.attach(b, dom)
    fault_cycle(s, b, 0x1000, False, FR_READ)
    ra = s.tb.root_entry_addr(0)
    up = s.tb.mem.get(ra + 8)
    s.t.comment("reserved bit in the upper half: both devices fault (0xa)")
    s.tb.mem.set(ra + 8, up | 0x10)
    s.vtd.ccmd(1)
    fault_cycle(s, a, 0x1000, False, FR_ROOT_ENTRY_RSVD)
    fault_cycle(s, b, 0x1000, False, FR_ROOT_ENTRY_RSVD)
    s.tb.mem.set(ra + 8, 0x80000000 | 1)
    fault_cycle(s, b, 0x1000, False, FR_CONTEXT_TABLE_INV)
    s.tb.mem.set(ra + 8, up)
    ca = s.tb.context_entry_addr(0, b.devfn)
    for i, bit in ((0, 5), (0, 8), (1, 21), (1, 63), (2, 0), (3, 40)):
        s.t.comment("context entry qword %d bit %d: 0xb" % (i, bit))
        v = s.tb.mem.get(ca + 8 * i)
        s.tb.mem.set(ca + 8 * i, v | (1 << bit))
        fault_cycle(s, b, 0x1000, False, FR_CONTEXT_ENTRY_RSVD)
        s.tb.mem.set(ca + 8 * i, v)
    s.t.comment("context entry not present")
    s.tb.set_sm_context(0, b.devfn, present=False)
    fault_cycle(s, b, 0x1000, False, FR_CONTEXT_ENTRY_P)
    return "fault-sm-root-context", s


@scenario
def fault_sm_pasid():
    s = Scenario("scalable mode: PASID directory and table faults (0x58)\n"
                 "directory entry not present, PASID entry not present, PGTT 0\n"
                 "and 5-7, PGTT=4 (pass-through) with pt=off, AW not in SAGAW,\n"
                 "directory outside RAM. Not qualified: FPD does not hide them.",
                 aw=39, sm=True, pt=False)
    e = s.edus[0]
    dom = s.domain()
    pasid = 0x1234
    s.tb.set_sm_context(0, e.devfn, rid_pasid=pasid)
    s.enable()
    s.t.comment("PASID directory entry not present")
    fault_cycle(s, e, 0x1000, False, FR_PASID_TABLE_INV)
    pe = s.tb.set_pasid_entry(0, e.devfn, pasid, dom, present=False)
    s.t.comment("PASID entry not present")
    fault_cycle(s, e, 0x1000, True, FR_PASID_TABLE_INV)
    for pgtt in (0, 5, 7, 4):
        s.t.comment("PGTT=%d" % pgtt)
        s.tb.set_pasid_entry(0, e.devfn, pasid, dom, pgtt=pgtt)
        fault_cycle(s, e, 0x1000, False, FR_PASID_TABLE_INV)
    s.t.comment("AW=2 (4 levels) with aw-bits=39")
    s.tb.set_pasid_entry(0, e.devfn, pasid, dom, aw=2)
    fault_cycle(s, e, 0x1000, False, FR_PASID_TABLE_INV)
    s.t.comment("PASID entry FPD=1 does not hide it")
    s.tb.set_pasid_entry(0, e.devfn, pasid, dom, aw=2, fpd=True)
    fault_cycle(s, e, 0x1000, False, FR_PASID_TABLE_INV)
    s.t.comment("valid entry: a read of an unmapped page faults with 6")
    s.tb.set_pasid_entry(0, e.devfn, pasid, dom)
    fault_cycle(s, e, 0x1000, False, FR_READ)
    s.t.comment("the context entry's PASID directory outside RAM (context cached:\n"
                "QEMU re-reads the PASID entries for FPD on every miss)")
    s.tb.set_sm_context(0, e.devfn, rid_pasid=pasid, pasid_dir=0x40000000)
    fault_cycle(s, e, 0x2000, False, FR_READ)
    s.vtd.ccmd(1)
    fault_cycle(s, e, 0x2000, False, FR_PASID_TABLE_INV)
    return "fault-sm-pasid", s


@scenario
def fault_sm_translate():
    s = Scenario("scalable mode: second-level translation through the PASID entry\n"
                 "(RID_PASID 0 and 0x41 in another directory entry), PGTT 1 and 3\n"
                 "(QEMU 7.2 walks the second-level table for them too), PGTT=4\n"
                 "pass-through, AW from the PASID entry (0x4), interrupt range\n"
                 "(0x87), FPD in the PASID entry and in the directory entry.",
                 aw=48, sm=True)
    e = s.edus[0]
    dom = s.domain()
    s.attach(e, dom, pasid=0)
    s.enable()
    good_copy(s, e, dom, 0x10000, 0x7fff00000000)
    s.expect(none=True)
    for pgtt in (1, 3):
        s.attach(e, dom, pasid=0, pgtt=pgtt)
        s.vtd.ccmd(1)
        s.vtd.iotlb(1)
        good_copy(s, e, dom, 0x20000 * pgtt, 0x30000 * pgtt)
        s.expect(none=True)
    s.t.comment("RID_PASID 0x41 (directory entry 1, table entry 1), AW=1")
    dom3 = s.domain(levels=3)
    s.attach(e, dom3, pasid=0x41)
    s.vtd.ccmd(1)
    s.vtd.iotlb(1)
    fault_cycle(s, e, 1 << 39, False, FR_ADDR_BEYOND_MGAW)
    good_copy(s, e, dom3, 0x100000, 0x200000)
    s.expect(none=True)
    dom3.map(0x300000, 0xfee00000, 4 * KiB)
    fault_cycle(s, e, 0x300000, True, FR_SM_INTERRUPT_ADDR)
    s.t.comment("FPD in the PASID entry hides a qualified fault")
    s.attach(e, dom3, pasid=0x41, fpd=True)
    s.vtd.ccmd(1)
    fault_cycle(s, e, 0x5000000, False, None)
    s.t.comment("FPD in the directory entry too")
    s.attach(e, dom3, pasid=0x41, fpd=False)
    d = s.tb.pasid_dirs[(0, e.devfn)]
    s.tb.mem.set(d + 8, s.tb.mem.get(d + 8) | 2)
    s.vtd.ccmd(1)
    fault_cycle(s, e, 0x5000000, True, None)
    s.t.comment("PGTT=4: pass-through")
    s.tb.mem.set(d + 8, s.tb.mem.get(d + 8) & ~2)
    s.attach(e, dom3, pasid=0x41, pgtt=4)
    s.vtd.ccmd(1)
    src, dst = s.data(), s.data()
    s.fill(src, 24)
    s.copy(e, src, dst, 24)
    s.t.read(dst, 24)
    s.expect(none=True)
    return "fault-sm-translate", s


@scenario
def fault_sm_legacy_tables():
    s = Scenario("x-scalable-mode=on with RTADDR.SMT=0: legacy root and context\n"
                 "entries are used; the interrupt-range fault is still 0x87\n"
                 "(QEMU picks the code from the property, not the table format)",
                 aw=48, sm=True, smt=False)
    e = s.edus[0]
    dom = s.domain()
    s.attach(e, dom)
    s.enable()
    good_copy(s, e, dom, 0x10000, 0x20000)
    s.expect(none=True)
    dom.map(0x300000, 0xfee01000, 4 * KiB)
    fault_cycle(s, e, 0x300000, False, FR_SM_INTERRUPT_ADDR)
    fault_cycle(s, e, 0x400000, False, FR_READ)
    return "fault-sm-legacy-tables", s


# ---------------------------------------------------------------- QI
def qi_scenario(title, **kw):
    s = Scenario(title, **kw)
    e = s.edus[0]
    dom = s.domain()
    s.attach(e, dom)
    s.enable()
    return s, e, dom


@scenario
def qi_wait():
    s, e, dom = qi_scenario("queued invalidation: wait descriptors\n"
                            "status write (SW) to RAM; interrupt flag (IF): ICS.IWC and\n"
                            "IECTL.IP, IWC cleared by writing 1; unmasked IECTL; FN\n"
                            "is accepted; the queue head follows.", aw=48)
    v = s.vtd
    q = s.tpool.alloc(4 * KiB)
    v.qi_enable(q, qs=0)
    for r in (IQA, IQH, IQT):
        v.rq(r)
    v.rl(ICS)
    st = s.data()
    s.t.memset(st, 16, 0xff)
    v.qi_submit(s.tb.mem, [VTd.d_wait(st, 0x600d1)])
    s.t.read(st, 16)
    v.qi_submit(s.tb.mem, [VTd.d_iotlb(1), VTd.d_wait(st + 4, 0xabcdef01, fn=True)])
    s.t.read(st, 16)
    s.t.comment("IF: completion status and pending interrupt")
    v.qi_submit(s.tb.mem, [VTd.d_wait(iflag=True, sw=False)])
    v.rl(ICS)
    v.rl(IECTL)
    v.qi_submit(s.tb.mem, [VTd.d_wait(iflag=True, sw=False)])
    v.rl(ICS)
    v.wl(ICS, 1)
    v.rl(ICS)
    v.rl(IECTL)
    s.t.comment("IECTL unmasked: the event is sent, IP stays clear")
    v.wl(IEDATA, 0x10041)
    v.wl(IEADDR, 0xfee00000)
    v.wl(IECTL, 0)
    v.qi_submit(s.tb.mem, [VTd.d_wait(iflag=True, sw=False)])
    v.rl(ICS)
    v.rl(IECTL)
    for r in (IEDATA, IEADDR, IEUADDR):
        v.rl(r)
    return "qi-wait", s


@scenario
def qi_errors():
    s, e, dom = qi_scenario("invalidation queue errors (FSTS.IQE)\n"
                            "type 0, types 8-15, a wait with neither SW nor IF, reserved\n"
                            "bits in context/IOTLB/wait descriptors, granularity 0, page\n"
                            "mask above MAMV, a status write outside RAM, a tail beyond\n"
                            "the queue. The head stays at the bad descriptor; while IQE\n"
                            "is set IQT writes fetch nothing; after clearing IQE the next\n"
                            "IQT write resumes at the head.", aw=48)
    v = s.vtd
    q = s.tpool.alloc(4 * KiB)
    v.qi_enable(q, qs=0)
    st = s.data()
    bad = [("type 0", (0, 0)),
           ("type 9", (9, 0)),
           ("type 15", (0xf, 0)),
           ("wait without SW or IF", VTd.d_wait(sw=False)),
           ("wait, reserved lo bit 7", (VTd.d_wait(st)[0] | 0x80, st)),
           ("wait, reserved hi bit 0", (VTd.d_wait(st)[0], st | 1)),
           ("wait status write to 0x40000000", VTd.d_wait(0x40000000, 1)),
           ("context-cache granularity 0", VTd.d_cc(0)),
           ("context-cache reserved lo bit 6", (VTd.d_cc(1)[0] | 0x40, 0)),
           ("context-cache hi non-zero", (VTd.d_cc(1)[0], 1)),
           ("iotlb granularity 0", VTd.d_iotlb(0)),
           ("iotlb reserved lo bit 8", (VTd.d_iotlb(1)[0] | 0x100, 0)),
           ("iotlb reserved hi bit 7", (VTd.d_iotlb(3, 1)[0], 0x80)),
           ("iotlb page mask 19 > MAMV", VTd.d_iotlb(3, 1, 0, 19)),
           ("device-iotlb reserved lo bit 12", (VTd.d_devtlb(0x20, 0)[0] | 0x1000, 0)),
           ("device-iotlb reserved hi bit 1", (VTd.d_devtlb(0x20, 0)[0], 2))]
    good = VTd.d_wait(st, 0x77)
    for what, d in bad:
        s.t.comment(what)
        mem = s.tb.mem
        head_before = v.qi_tail
        v.qi_submit(mem, [d, good])
        s.t.read(st, 4)
        s.t.comment("IQT again while IQE is set: nothing happens")
        v.wq(IQT, v.qi_tail << 4)
        v.rq(IQH)
        s.t.comment("replace the bad descriptor by a no-op (IEC), clear IQE, IQT")
        a = q + head_before * 16
        mem.set(a, VTd.d_iec()[0])
        mem.set(a + 8, 0)
        v.clear_fsts(0x10)
        v.rl(FSTS)
        v.wq(IQT, v.qi_tail << 4)
        v.rq(IQH)
        v.rl(FSTS)
        s.t.read(st, 4)
        s.t.memset(st, 4, 0)
    s.t.comment("descriptor types QEMU 7.2 accepts as no-ops: IEC (4), PASID-IOTLB\n"
                "(6), PASID-cache (7), device-IOTLB (3)")
    v.qi_submit(s.tb.mem, [VTd.d_iec(1), (6, 0), (7, 0xffffffffffffffff),
                           VTd.d_devtlb(0x20, 0x1000, 1), VTd.d_wait(st, 0x99)])
    s.t.read(st, 4)
    s.t.comment("tail beyond the 256-entry queue (index 300)")
    v.wq(IQT, 300 << 4)
    v.rq(IQH)
    v.rl(FSTS)
    v.rl(FECTL)
    v.clear_fsts(0x10)
    v.rl(FSTS)
    v.rl(FECTL)
    return "qi-errors", s


@scenario
def qi_disable():
    s, e, dom = qi_scenario("turning queued invalidation off: refused (QIES stays) unless\n"
                            "the queue is empty and the last descriptor was a wait; then\n"
                            "IQH reads 0. Register-based invalidation is ignored while\n"
                            "QI is on (CCMD.ICC and IOTLB.IVT stay set).", aw=39)
    v = s.vtd
    q = s.tpool.alloc(8 * KiB, 8 * KiB)
    v.qi_enable(q, qs=1)
    v.rq(IQA)
    v.ccmd(1)
    v.iotlb(1)
    v.qi_submit(s.tb.mem, [VTd.d_iotlb(1)])
    s.t.comment("last descriptor was not a wait: refused")
    v.qi_disable()
    v.rq(IQH)
    st = s.data()
    v.qi_submit(s.tb.mem, [VTd.d_wait(st, 5)])
    v.command(QIE, True)  # keep the driver's view: QI still on
    s.t.comment("now it goes off")
    v.qi_disable()
    v.rq(IQH)
    v.rq(IQT)
    v.rq(IQA)
    s.t.comment("register invalidation works again")
    v.ccmd(1)
    v.iotlb(1)
    s.t.comment("and QI can be re-enabled; the head starts at 0")
    v.qi_enable(q, qs=1)
    v.rq(IQH)
    v.qi_submit(s.tb.mem, [VTd.d_wait(st + 8, 6)])
    s.t.read(st, 16)
    return "qi-disable", s


@scenario
def qi_wrap():
    s, e, dom = qi_scenario("invalidation queue wrap-around: a 128-entry queue of 256-bit\n"
                            "descriptors (scalable mode, IQA.DW), 300 descriptors in\n"
                            "batches; IQT bit 4 set with DW is ignored.", aw=48, sm=True)
    v = s.vtd
    q = s.tpool.alloc(4 * KiB)
    v.qi_enable(q, qs=0, dw=True)
    v.rq(IQA)
    st = s.data()
    n = 0
    for batch in (100, 27, 1, 60, 112):
        ds = [VTd.d_iec() for _ in range(batch - 1)] + [VTd.d_wait(st, n)]
        v.qi_submit(s.tb.mem, ds)
        s.t.read(st, 4)
        n += batch
    s.t.comment("IQT with bit 4 (reserved with 256-bit descriptors)")
    v.wq(IQT, (v.qi_tail << 5) | 0x10)
    v.rq(IQT)
    v.rq(IQH)
    v.rl(FSTS)
    return "qi-wrap", s


@scenario
def qi_early_tail():
    s = Scenario("the tail written before QIE: QEMU processes the queue as soon as\n"
                 "QI is enabled (a spec violation it tolerates for Windows)")
    v = s.vtd
    q = s.tpool.alloc(4 * KiB)
    st = s.data()
    for i in range(3):
        a = q + 16 * i
        d = VTd.d_wait(st + 4 * i, 0x100 + i)
        s.tb.mem.set(a, d[0])
        s.tb.mem.set(a + 8, d[1])
    v.wq(IQA, q)
    v.wq(IQT, 3 << 4)
    v.rq(IQH)
    s.t.read(st, 12)
    v.command(QIE, True)
    v.rq(IQH)
    s.t.read(st, 12)
    return "qi-early-tail", s


# ---------------------------------------------------------------- caches
@scenario
def inv_iotlb_psi():
    s = Scenario("IOTLB: a changed mapping is not seen until invalidated\n"
                 "page-selective invalidation through IVA/IOTLB registers with\n"
                 "address masks 0..7, one that misses, one of another domain,\n"
                 "domain-selective, global; IAIG read back; a 2 MiB page removed\n"
                 "by an invalidation of one 4K page inside it.", aw=48)
    e = s.edus[0]
    v = s.vtd
    dom = s.domain(did=5)
    s.attach(e, dom)
    s.enable()
    old, new = s.data(), s.data()
    s.fill(old, 4096)
    s.fill(new, 4096, byte=0x5a)
    out = s.data()
    dom.map(0x900000, out, 4 * KiB)

    def probe(iova):
        s.t.memset(out, 8, 0)
        e.dma_in(iova + 0x40, 8)
        e.dma_out(0x900000, 8)
        s.t.read(out, 8)

    for am, (iova, inv_addr, did) in enumerate([
            (0x10000, 0x10000, 5), (0x20000, 0x20000, 5), (0x40000, 0x40000, 5),
            (0x80000, 0x80000, 4), (0x100000, 0x100000, 5),
            (0x200000, 0x200000, 5), (0x400000, 0x400000, 5),
            (0x800000, 0x7f0000, 5)]):
        span = (1 << am) * 4096
        last = iova + span - 4096
        dom.map(last, old, 4 * KiB)
        probe(last)
        s.t.comment("remap IOVA %s; stale until invalidated (am=%d, did=%d, addr=%s)"
                    % (h(last), am, did, h(inv_addr)))
        dom.map(last, new, 4 * KiB)
        probe(last)
        v.iotlb(3, did=did, addr=inv_addr, am=am)
        probe(last)
    s.t.comment("domain-selective for another domain, then this one")
    dom.map(0x10000, old, 4 * KiB)
    v.iotlb(2, did=4)
    probe(0x10000)
    v.iotlb(2, did=5)
    probe(0x10000)
    s.t.comment("global")
    dom.map(0x10000, new, 4 * KiB)
    probe(0x10000)
    v.iotlb(1)
    probe(0x10000)
    s.t.comment("a 2 MiB page; invalidating one 4K page inside removes it")
    big = s.data(2 * MiB)
    s.fill(big + 0x1000, 128, byte=0x77)
    dom.map(0x40000000, big, 2 * MiB, page=2 * MiB)
    probe(0x40001000)
    dom.map(0x40000000, new & ~(2 * MiB - 1), 2 * MiB, page=2 * MiB)
    probe(0x40001000)
    v.iotlb(3, did=5, addr=0x40123000, am=0)
    probe(0x40001000)
    s.t.comment("invalid granularity 0 and am=19: IAIG reads 0")
    v.wq(IOTLB, 1 << 63)
    v.rq(IOTLB)
    v.iotlb(3, did=5, addr=0, am=19)
    v.rq(IVA)
    return "inv-iotlb-psi", s


@scenario
def inv_context_cache():
    s = Scenario("context cache: a changed context entry is not seen until the\n"
                 "context cache is invalidated (CCMD global, domain, device with\n"
                 "function masks 0-3); IOTLB entries survive a context invalidation\n"
                 "(QEMU keys them by source-id); CAIG read back; pass-through\n"
                 "switches the address space and back.",
                 aw=39, slots=((4, 0, "multifunction=on"), (4, 1)))
    a, b = s.edus
    v = s.vtd
    d1, d2 = s.domain(), s.domain()
    s.attach(a, d1)
    s.attach(b, d1)
    s.enable()
    p1, p2, out = s.data(), s.data(), s.data()
    s.fill(p1, 64, byte=0x11)
    s.fill(p2, 64, byte=0x22)
    for d in (d1, d2):
        d.map(0x900000, out, 4 * KiB)
    d1.map(0x10000, p1, 4 * KiB)
    d2.map(0x20000, p1, 4 * KiB)
    d2.map(0x10000, p2, 4 * KiB)

    def probe(edu, iova, dst=0x900000):
        s.t.memset(out, 8, 0)
        edu.dma_in(iova, 8)
        edu.dma_out(dst, 8)
        s.t.read(out, 8)
        v.rl(FSTS)
        v.rq(FRCD + 8)
        v.clear_fault()

    probe(a, 0x10000)
    probe(a, 0x20000)
    s.t.comment("04.0 moves to domain 2 without invalidation: IOTLB hit for 0x10000,\n"
                "and the cached context still says domain 1 for 0x20000")
    s.attach(a, d2)
    probe(a, 0x10000)
    probe(a, 0x20000)
    for fm, sid in ((0, 0x21), (1, 0x25), (2, 0x23), (3, 0x20)):
        s.t.comment("device invalidation sid=%s fm=%d" % (h(sid), fm))
        v.ccmd(3, sid=sid, fm=fm)
        probe(a, 0x20000)
    v.iotlb(1)
    probe(a, 0x10000)
    s.t.comment("domain-granular CCMD (QEMU does a global one), CAIG")
    s.attach(b, d2)
    v.ccmd(2, did=7)
    probe(b, 0x20000)
    s.t.comment("granularity 0: CAIG 0")
    v.wq(CCMD, 1 << 63)
    v.rq(CCMD)
    s.t.comment("pass-through for 04.0; then back to translation")
    s.attach(a, d2, tt=2)
    v.ccmd(1)
    probe(a, p2, out)
    s.t.comment("back to domain 1 without invalidation: still pass-through")
    s.attach(a, d1)
    probe(a, p2, out)
    v.ccmd(3, sid=a.sid)
    v.iotlb(1)
    probe(a, 0x10000)
    s.t.comment("write CCMD as two 32-bit halves (the high half triggers)")
    v.wl(CCMD, 0)
    v.wl(CCMD + 4, 0xa0000000)
    v.rq(CCMD)
    return "inv-context-cache", s


@scenario
def inv_te_srtp():
    s = Scenario("TE off: DMA goes untranslated; TE on again and SRTP both drop\n"
                 "the caches; a new root table takes effect at SRTP.", aw=48)
    e = s.edus[0]
    v = s.vtd
    dom = s.domain()
    s.attach(e, dom)
    s.enable()
    p1, p2, out = s.data(), s.data(), s.data()
    s.fill(p1, 32, byte=0x31)
    s.fill(p2, 32, byte=0x32)
    dom.map(0x900000, out, 4 * KiB)
    dom.map(0x10000, p1, 4 * KiB)

    def probe(iova, dst=0x900000):
        s.t.memset(out, 8, 0)
        e.dma_in(iova, 8)
        e.dma_out(dst, 8)
        s.t.read(out, 8)

    probe(0x10000)
    dom.map(0x10000, p2, 4 * KiB)
    probe(0x10000)
    v.enable(False)
    probe(p1, out)
    v.enable(True)
    probe(0x10000)
    s.t.comment("a second root table: 04.0 in a domain where 0x10000 -> p1")
    from vtdlib import Tables
    tb2 = Tables(s.t, s.tpool)
    dom2 = Domain(tb2, 9, 4)
    dom2.map(0x900000, out, 4 * KiB)
    dom2.map(0x10000, p1, 4 * KiB)
    tb2.set_context(0, e.devfn, dom2)
    probe(0x10000)
    v.set_root(tb2.root)
    probe(0x10000)
    v.rq(RTADDR)
    v.rl(GSTS)
    return "inv-te-srtp", s


# ---------------------------------------------------------------- registers
@scenario
def regs_write_masks():
    s = Scenario("register semantics: read-only, read-write, write-1-to-clear and\n"
                 "write-only bits. Every 32-bit register gets all ones then zero;\n"
                 "64-bit registers get all ones through writeq. GCMD's side\n"
                 "effects run (TE, SRTP, QIE with a queue at 0, IRE, SIRTP).",
                 aw=48, setup=False)
    v = s.vtd
    longs = [VER, GSTS, FSTS, FECTL, FEDATA, FEADDR, FEUADDR, PMEN, 0x68, 0x6c,
             ICS, IECTL, IEDATA, IEADDR, IEUADDR, 0xdc, 0xe0, 0xe4, 0xe8, 0xec,
             0x100, 0x104, 0x108, 0x10c]
    quads = [CAP, ECAP, RTADDR, 0x58, 0x70, 0x78, IQA, IRTA, IVA, 0xc0, 0xc8, 0xd0,
             FRCD]
    for r in longs:
        v.wl(r, 0xffffffff)
        v.rl(r)
        v.wl(r, 0)
        v.rl(r)
    for r in quads:
        v.wq(r, 0xffffffffffffffff)
        v.rq(r)
        v.rl(r)
        v.rl(r + 4)
        v.wq(r, 0)
        v.rq(r)
    s.t.comment("32-bit halves of 64-bit registers")
    for r in (RTADDR, IQA, IRTA, IVA):
        v.wl(r + 4, 0x12345678)
        v.wl(r, 0x9abcdef0)
        v.rq(r)
    s.t.comment("GCMD reads 0 (write-only); GSTS shows what was done")
    v.wq(IQA, 0)
    for cmd in (SRTP, TE | SRTP, TE | QIE, TE | QIE | IRE, TE | QIE | IRE | SIRTP, 0):
        v.wl(GCMD, cmd)
        v.rl(GCMD)
        v.rl(GSTS)
    s.t.comment("IQT at 0 with QI on: the zero descriptor at 0 is type 0: IQE")
    v.wl(GCMD, QIE)
    v.wq(IQT, 0x10)
    v.rq(IQH)
    v.rl(FSTS)
    v.wl(FSTS, 0xffffffff)
    v.rl(FSTS)
    v.rl(FECTL)
    s.t.comment("IQT keeps only bits 4-18")
    v.wq(IQT, 0xffffffffffffffff)
    v.rq(IQT)
    v.rl(FSTS)
    s.t.comment("CCMD and IOTLB registers: all ones")
    v.wq(CCMD, 0xffffffffffffffff)
    v.rq(CCMD)
    v.wq(IOTLB, 0xffffffffffffffff)
    v.rq(IOTLB)
    v.wl(IOTLB, 0)
    v.wl(IOTLB + 4, 0x90000000)
    v.rq(IOTLB)
    s.t.comment("reads beyond the 0x230-byte register file")
    for r in (0x230, 0x234, 0x2f8, 0xffc):
        v.rl(r)
    v.rq(0x228)
    return "regs-write-masks", s


def all_scenarios():
    for fn in SCENARIOS:
        yield fn()
