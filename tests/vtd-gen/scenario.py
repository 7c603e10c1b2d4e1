"""scenario.py - a VT-d scenario: QEMU command line, edu devices, tables,
registers, and the steps every trace shares (set-up, DMA with a read-back,
fault reads and clearing)."""

from vtdlib import (Trace, Pool, Tables, VTd, Edu, Domain, intel_iommu_arg,
                    h, KiB, MiB, GiB, FSTS, FRCD, FECTL, GSTS, SL_R, SL_W)

TABLE_POOL = (0x01000000, 0x02000000)     # 16 MiB of tables
DATA_POOL = (0x02000000, 0x0ff00000)      # DMA data
FULL_MASK = 0xffffffffffffffff


def props_list(aw=39, cm=False, dt=False, pt=True, sm=False, sc=False,
               pasid=False, extra=()):
    onoff = lambda b: "on" if b else "off"
    p = [("aw-bits", aw), ("caching-mode", onoff(cm)),
         ("device-iotlb", onoff(dt)), ("pt", onoff(pt)),
         ("x-scalable-mode", onoff(sm)), ("snoop-control", onoff(sc))]
    if pasid:
        p.append(("x-pasid-mode", "on"))
    p += list(extra)
    return p


class Scenario:
    """One trace: intel-iommu with the given properties and edu devices at
    @slots ((slot, fn), ...), BAR0 of the n-th at 0xfe000000 + n MiB, each
    with a 64-bit DMA mask (edu's default clamps addresses to 28 bits)."""

    def __init__(self, title, aw=39, cm=False, dt=False, pt=True, sm=False,
                 sc=False, pasid=False, extra=(), slots=((4, 0),), smt=None,
                 setup=True):
        self.aw, self.cm, self.dt, self.pt = aw, cm, dt, pt
        self.sm, self.sc = sm, sc
        self.smt = sm if smt is None else smt   # scalable tables in use
        args = ["-device", intel_iommu_arg(props_list(aw, cm, dt, pt, sm, sc, pasid, extra))]
        for sl in slots:
            dev = "edu,addr=%02x.%x" % sl[:2]
            if len(sl) > 2:
                dev += "," + sl[2]
            args += ["-device", dev + ",dma_mask=%s" % h(FULL_MASK)]
        self.t = Trace(title, args)
        self.tpool = Pool(*TABLE_POOL)
        self.dpool = Pool(*DATA_POOL)
        self.tb = Tables(self.t, self.tpool, scalable=self.smt)
        self.vtd = VTd(self.t, aw, sm)
        self.edus = [Edu(self.t, sl[0], sl[1], bar=0xfe000000 + i * MiB)
                     for i, sl in enumerate(slots)]
        self.next_did = 1
        if setup:
            for e in self.edus:
                e.setup()

    # ---- tables --------------------------------------------------------
    def domain(self, levels=None, did=None):
        if levels is None:
            levels = 4 if self.aw == 48 else 3
        if did is None:
            did = self.next_did
            self.next_did += 1
        return Domain(self.tb, did, levels)

    def attach(self, edu, dom, tt=0, fpd=False, pasid=0, pgtt=2, **kw):
        """Point @edu at @dom: a legacy context entry (TT), or a scalable
        context entry with RID_PASID @pasid and its PASID entry (PGTT)."""
        if self.smt:
            self.tb.set_sm_context(0, edu.devfn, rid_pasid=pasid, fpd=False)
            return self.tb.set_pasid_entry(0, edu.devfn, pasid, dom, pgtt=pgtt,
                                           fpd=fpd, **kw)
        return self.tb.set_context(0, edu.devfn, dom, tt=tt, fpd=fpd, **kw)

    def enable(self):
        self.vtd.set_root(self.tb.root, smt=self.smt)
        self.vtd.enable(True)

    def data(self, size=4 * KiB, align=None):
        return self.dpool.alloc(size, align or max(size, 4 * KiB))

    # ---- DMA -----------------------------------------------------------
    def fill(self, pa, n, rng=None, byte=None):
        """Put a recognisable pattern at guest-physical @pa."""
        if byte is not None:
            self.t.memset(pa, n, byte)
            return
        data = bytes(rng.randrange(256) for _ in range(n)) if rng else \
            bytes((pa >> 4) + i & 0xff for i in range(n))
        self.t.write(pa, data)

    def copy(self, edu, src_iova, dst_iova, n, off=0, comment=None):
        """DMA memory(src) -> edu buffer -> memory(dst), both through the
        IOMMU."""
        if comment:
            self.t.comment(comment)
        edu.dma_in(src_iova, n, off)
        edu.dma_out(dst_iova, n, off)

    # ---- faults ----------------------------------------------------------
    def expect(self, fr=None, none=False):
        """Read FSTS, FRCD, FECTL; say in a comment what QEMU should show."""
        if none:
            self.t.comment("expect: no new fault recorded")
        elif fr is not None:
            self.t.comment("expect FR=%s" % h(fr))
        self.vtd.read_faults()

    def clear(self, how=0, fsts=None):
        self.vtd.clear_fault(how)
        if fsts:
            self.vtd.clear_fsts(fsts)
        self.vtd.rl(FSTS)

    def text(self):
        return self.t.text()
