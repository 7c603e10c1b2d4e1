"""randomgen.py - random VT-d scenarios, deterministic per seed.

A scenario picks the intel-iommu properties (aw-bits, caching-mode,
device-iotlb, pt, snoop-control, x-scalable-mode, x-pasid-mode), one to
three edu devices, legacy or scalable tables, register or queued
invalidation, then runs 6 to 12 steps drawn from: copies through fresh
mappings (4 KiB, 2 MiB, 1 GiB pages), remaps and permission changes seen
stale and then invalidated (page-selective with masks, domain, global,
context-cache device/global, PASID-IOTLB descriptors QEMU ignores),
unmaps, corrupted root/context/PASID/second-level entries (reserved bits,
not present, bad pointers, bad AW/TT/PGTT), IOVAs beyond the address width,
translations into the interrupt range, faults from several sources (PFO),
pass-through and translation-off DMA, wait descriptors, queue errors,
register reads.

Safety rules that keep every trace valid on QEMU 7.2 whatever the caches
hold: IOVAs are either in the DMA data pool (0x2000000-0xff00000) or at or
above 4 GiB, so that a device that passes through (or whose translation is
off) only ever reaches data RAM or nothing; DMAs never have length 0 and
stay inside edu's buffer; register accesses have the sizes QEMU asserts;
wait descriptors never set both SW and IF (QEMU asserts).
"""

import random

from vtdlib import *
from scenario import Scenario, DATA_POOL

SAFE_LOW = (0x02000000, 0x0ff00000)


class Space:
    """IOVA bookkeeping of one domain, so that new mappings never split a
    large page or land on a table."""

    def __init__(self):
        self.b2m = {}      # 2 MiB block -> '4k' | '2m'
        self.b1g = {}      # 1 GiB block -> 'small' | '1g'
        self.p4k = set()

    def free(self, iova, page):
        g, m = iova >> 30, iova >> 21
        if page == GiB:
            return g not in self.b1g
        if self.b1g.get(g) == '1g':
            return False
        if page == 2 * MiB:
            return m not in self.b2m
        if self.b2m.get(m) == '2m':
            return False
        return (iova >> 12) not in self.p4k

    def take(self, iova, page):
        g, m = iova >> 30, iova >> 21
        if page == GiB:
            self.b1g[g] = '1g'
        else:
            self.b1g[g] = 'small'
            if page == 2 * MiB:
                self.b2m[m] = '2m'
            else:
                self.b2m[m] = '4k'
                self.p4k.add(iova >> 12)


class Dev:
    def __init__(self, edu):
        self.edu = edu
        self.dom = None
        self.mode = 'xlate'     # or 'pt'
        self.pasid = 0
        self.fpd = False
        self.sink = None        # (iova, pa) RW page for reading the buffer back


class Gen:
    def __init__(self, seed):
        self.seed = seed
        rng = self.rng = random.Random(seed)
        self.aw = rng.choice([39, 48])
        self.cm = rng.random() < 0.5
        self.dt = rng.random() < 0.3
        self.pt = rng.random() < 0.7
        self.sc = rng.random() < 0.3
        self.sm = rng.random() < 0.4
        self.pasid = self.sm and not self.dt and rng.random() < 0.3
        self.smt = self.sm and rng.random() < 0.85
        self.qi = rng.random() < 0.5
        self.dw = self.sm and self.qi and rng.random() < 0.5
        ndev = rng.choice([1, 1, 2, 2, 3])
        slots = [(4, 0)]
        for cand in rng.sample([(5, 0), (0x13, 0), (0x1e, 0), (7, 0)], ndev - 1):
            slots.append(cand)
        title = ("vtd-gen random scenario, seed %d (tests/vtd-gen/gen.py random)\n"
                 "aw-bits=%d caching-mode=%s device-iotlb=%s pt=%s snoop-control=%s\n"
                 "x-scalable-mode=%s%s tables=%s invalidation=%s%s; devices %s" %
                 (seed, self.aw, self.cm, self.dt, self.pt, self.sc, self.sm,
                  " x-pasid-mode=on" if self.pasid else "",
                  "scalable" if self.smt else "legacy",
                  "queued" if self.qi else "registers",
                  " (256-bit)" if self.dw else "",
                  " ".join("%02x.%x" % s for s in slots)))
        self.s = Scenario(title, aw=self.aw, cm=self.cm, dt=self.dt, pt=self.pt,
                          sm=self.sm, sc=self.sc, pasid=self.pasid, slots=slots,
                          smt=self.smt)
        self.t, self.v, self.tb = self.s.t, self.s.vtd, self.s.tb
        self.devs = [Dev(e) for e in self.s.edus]
        self.domains = []
        self.spaces = {}
        self.mappings = {}      # domain did -> list of [iova, pa, size, perm, page]
        self.status = self.s.data()  # wait-descriptor status words
        self.fault_pending = False

    # ------------------------------------------------------------ helpers
    def chance(self, p):
        return self.rng.random() < p

    def new_domain(self):
        levels = 3 if self.aw == 39 else self.rng.choice([3, 4, 4, 4])
        d = self.s.domain(levels=levels, did=self.rng.choice(
            [None, None, self.rng.randrange(1, 0x10000)]))
        if any(x.did == d.did for x in self.domains):
            d.did = self.s.next_did
            self.s.next_did += 1
        self.domains.append(d)
        self.spaces[id(d)] = Space()
        self.mappings[id(d)] = []
        return d

    def dom_bits(self, dom):
        return min(self.aw, 30 + 9 * (dom.levels - 1))

    def pick_iova(self, dom, page):
        sp = self.spaces[id(dom)]
        bits = self.dom_bits(dom)
        for _ in range(100):
            if page < GiB and self.chance(0.3):
                lo, hi = SAFE_LOW
            else:
                lo, hi = 1 << 32, 1 << bits
            a = self.rng.randrange(lo, hi - page) & ~(page - 1)
            if a < lo:
                a += page
            if sp.free(a, page):
                return a
        raise RuntimeError("no IOVA")

    def map_region(self, dom, n, perm, page=None, iova=None):
        """A fresh mapping of at least @n bytes; returns (iova, pa, size)
        where [pa, pa+size) is the RAM behind [iova, iova+size) (for 1 GiB
        pages only the data-pool window is used)."""
        if page is None:
            page = self.rng.choice([4 * KiB] * 6 + [2 * MiB] * 2 + [GiB])
        sp = self.spaces[id(dom)]
        if page == 4 * KiB:
            npages = (n + 4095) // 4096
            for _ in range(50):
                a = self.pick_iova(dom, 4 * KiB)
                if all(sp.free(a + i * 4096, 4 * KiB) for i in range(npages)) and \
                        (a >> 21) == ((a + npages * 4096 - 1) >> 21):
                    break
            else:
                raise RuntimeError("no IOVA range")
            pa = self.s.data(npages * 4096, 4096)
            for i in range(npages):
                sp.take(a + i * 4096, page)
            dom.map(a, pa, npages * 4096, perm, page=4 * KiB)
            self.mappings[id(dom)].append([a, pa, npages * 4096, perm, page])
            return a, pa, npages * 4096
        if page == 2 * MiB:
            a = self.pick_iova(dom, page)
            pa = self.s.data(2 * MiB, 2 * MiB)
            sp.take(a, page)
            dom.map(a, pa, page, perm, page=page)
            self.mappings[id(dom)].append([a, pa, page, perm, page])
            return a, pa, page
        a = self.pick_iova(dom, GiB)
        sp.take(a, GiB)
        dom.map(a, 0, GiB, perm, page=GiB)
        self.mappings[id(dom)].append([a, 0, GiB, perm, page])
        # only the data pool part of the 1 GiB page is touched
        win = self.rng.randrange(DATA_POOL[0], DATA_POOL[1] - 0x200000) & ~0xfff
        return a + win, win, 0x100000

    # ------------------------------------------------------------ set-up
    def attach(self, dev, dom, mode='xlate', fpd=False):
        dev.dom, dev.mode, dev.fpd = dom, mode, fpd
        s = self.s
        if self.smt:
            pgtt = 4 if mode == 'pt' else self.rng.choice([2] * 8 + [1, 3])
            if dev.pasid is None:
                dev.pasid = 0
            s.tb.set_sm_context(0, dev.edu.devfn, rid_pasid=dev.pasid)
            s.tb.set_pasid_entry(0, dev.edu.devfn, dev.pasid, dom, pgtt=pgtt, fpd=fpd)
        else:
            tt = 2 if mode == 'pt' else (self.rng.choice([0, 1]) if self.dt else 0)
            s.tb.set_context(0, dev.edu.devfn, dom, tt=tt, fpd=fpd)

    def setup(self):
        rng, s = self.rng, self.s
        d0 = self.new_domain()
        for dev in self.devs:
            if self.smt:
                # PASID directories here are one page: 512 entries, PASIDs
                # below 2^15 (QEMU does not check the size field)
                dev.pasid = rng.choice([0, 0, rng.randrange(1, 1 << 15), rng.randrange(64)])
            dom = d0 if (dev is self.devs[0] or self.chance(0.5)) else self.new_domain()
            mode = 'pt' if (self.pt and self.chance(0.1)) else 'xlate'
            self.attach(dev, dom, mode)
        for dev in self.devs:
            self.give_sink(dev)
        if self.chance(0.2):
            self.t.comment("fault events unmasked")
            self.v.wl(FEDATA, 0x40 + rng.randrange(0x80))
            self.v.wl(FEADDR, 0xfee00000)
            self.v.wl(FECTL, 0)
        if self.qi and self.chance(0.5):
            self.qi_on()
        s.enable()
        if self.qi and self.v.qi is None:
            self.qi_on()
        for r in (GSTS, RTADDR):
            self.v.rl(r) if r == GSTS else self.v.rq(r)

    def give_sink(self, dev):
        a, pa, _ = self.map_region(dev.dom, 4096, SL_R | SL_W, page=4 * KiB)
        dev.sink = (a, pa)

    def qi_on(self):
        qs = self.rng.choice([0, 0, 1])
        q = self.s.tpool.alloc(4096 << qs, 4096 << qs)
        self.v.qi_enable(q, qs=qs, dw=self.dw)
        self.v.rq(IQA)

    # ------------------------------------------------------------ DMA
    def dma_read(self, dev, iova, n, off=0):
        dev.edu.dma_in(iova, n, off)

    def dma_write(self, dev, iova, n, off=0):
        dev.edu.dma_out(iova, n, off)

    def show_buffer(self, dev, n, off=0):
        """Write the buffer out through the sink mapping and read it."""
        a, pa = dev.sink
        n = min(n, 4095 - off)
        self.t.memset(pa, n, 0xcc)
        if dev.mode == 'pt':
            self.dma_write(dev, pa, n, off)
        else:
            self.dma_write(dev, a, n, off)
        self.t.read(pa, min(n, 512))

    def faults(self, clear=None):
        self.v.read_faults()
        if clear is None:
            clear = self.chance(0.75)
        if clear:
            self.v.clear_fault(self.rng.randrange(2))
            if self.chance(0.5):
                self.v.clear_fsts(0x11)
            self.v.rl(FSTS)

    def rand_len(self):
        return self.rng.choice([1, 4, 8, 16, 64, 100, 512, 1000, 4095])

    def rand_off(self, n):
        # the DMA must end before the buffer's last byte (see Edu.dma)
        return self.rng.randrange(0, 4095 - n + 1) & ~self.rng.choice([0, 7])

    # ------------------------------------------------------------ invalidation
    def inv_iotlb(self, kind, did=0, addr=0, am=0):
        """kind: 'global', 'domain', 'page'."""
        g = {'global': 1, 'domain': 2, 'page': 3}[kind]
        ih = 1 if (kind == 'page' and self.chance(0.2)) else 0
        if self.v.qi is None:
            self.v.iotlb(g, did=did, addr=addr, am=am, ih=ih,
                         dr=self.rng.randrange(2), dw=self.rng.randrange(2))
        else:
            descs = [VTd.d_iotlb(g, did, addr, am, ih)]
            if self.smt and self.chance(0.3):
                self.t.comment("PASID-IOTLB descriptor too (QEMU 7.2 ignores it)")
                descs.insert(0, (D_PIOTLB | (2 << 4) | (did << 16), addr | am))
            self.qi_submit(descs)

    def inv_context(self, kind, dev=None, fm=0, did=0):
        g = {'global': 1, 'domain': 2, 'device': 3}[kind]
        sid = dev.edu.sid if dev else 0
        if self.v.qi is None:
            self.v.ccmd(g, did=did, sid=sid, fm=fm)
        else:
            descs = [VTd.d_cc(g, did, sid, fm)]
            if self.smt and self.chance(0.3):
                descs.append((D_PC | (self.rng.randrange(4) << 4), 0))
            self.qi_submit(descs)

    def qi_submit(self, descs):
        if self.chance(0.7):
            data = self.rng.randrange(1 << 32)
            descs = descs + [VTd.d_wait(self.status, data)]
            self.v.qi_submit(self.tb.mem, descs)
            self.t.readl(self.status)
        else:
            self.v.qi_submit(self.tb.mem, descs)

    def invalidate_all(self, dev=None):
        if dev is not None and self.chance(0.5):
            self.inv_context('device', dev, fm=self.rng.choice([0, 0, 1, 3]))
        else:
            self.inv_context(self.rng.choice(['global', 'domain']))
        self.inv_iotlb('global')

    def invalidate_range(self, dom, iova, size):
        """Invalidate [iova, iova+size) in @dom by a random method."""
        r = self.rng.random()
        if r < 0.6:
            am = 0
            while am < 18:
                blk = 4096 << am
                if (iova & ~(blk - 1)) + blk >= iova + size:
                    break
                am += 1
            am = min(am + self.rng.choice([0, 0, 0, 1, 2]), 18)
            self.inv_iotlb('page', dom.did, iova & ~0xfff & ~((4096 << am) - 1), am)
        elif r < 0.8:
            self.inv_iotlb('domain', dom.did)
        else:
            self.inv_iotlb('global')

    # ------------------------------------------------------------ steps
    def xdevs(self):
        return [d for d in self.devs if d.mode == 'xlate']

    def step_copy(self):
        """Fresh source and destination mappings; copy through edu."""
        devs = self.xdevs()
        if not devs:
            return self.step_regs()
        dev = self.rng.choice(devs)
        n = self.rand_len()
        off = self.rand_off(n)
        slack = self.rng.choice([0, 0, 0x800, 0xff0])
        sa, spa, ssz = self.map_region(dev.dom, n + slack, self.rng.choice([SL_R, SL_R | SL_W]))
        da, dpa, dsz = self.map_region(dev.dom, n + slack, self.rng.choice([SL_W, SL_R | SL_W]))
        so = min(slack, max(0, ssz - n)) if slack else 0
        do = min(slack, max(0, dsz - n)) if slack else 0
        self.t.comment("copy %d bytes %s -> %s via buffer+%s (%s)" %
                       (n, h(sa + so), h(da + do), h(off), "%02x.%x" % (dev.edu.slot, dev.edu.fn)))
        self.t.write(spa + so, bytes(self.rng.randrange(256) for _ in range(n)))
        self.t.memset(dpa + do, n, self.rng.randrange(256))
        self.dma_read(dev, sa + so, n, off)
        self.dma_write(dev, da + do, n, off)
        self.t.read(dpa + do, min(n, 1024))
        if n > 1024:
            self.t.read(dpa + do + n - 64, 64)
        if self.chance(0.5):
            self.faults()

    def pick_mapping(self, dom, small=True):
        ms = [m for m in self.mappings[id(dom)] if not small or m[4] == 4 * KiB]
        return self.rng.choice(ms) if ms else None

    def probe(self, dev, iova, n=16):
        self.t.memset(dev.sink[1], n, 0)
        self.dma_read(dev, iova, n)
        self.show_buffer(dev, n)

    def step_remap(self):
        """Change a mapping's target or permissions; stale until invalidated."""
        devs = self.xdevs()
        if not devs:
            return self.step_regs()
        dev = self.rng.choice(devs)
        dom = dev.dom
        m = self.pick_mapping(dom, small=self.chance(0.7))
        if m is None or m[4] == GiB:
            return self.step_copy()
        iova, pa, size, perm, page = m
        self.t.write(pa + 0x10, bytes(self.rng.randrange(256) for _ in range(16)))
        self.probe(dev, iova + 0x10)
        if self.chance(0.6):
            npa = self.s.data(page, page)
            self.t.comment("remap %s: %s -> %s" % (h(iova), h(pa), h(npa)))
            self.t.write(npa + 0x10, bytes(self.rng.randrange(256) for _ in range(16)))
            dom.map(iova, npa, page, perm, page=page)
            m[1] = npa
        else:
            nperm = self.rng.choice([0, SL_R, SL_W])
            self.t.comment("permissions of %s: %d -> %d" % (h(iova), perm, nperm))
            dom.protect(iova, page, nperm)
            m[3] = nperm
        self.t.comment("before invalidation (the IOTLB may still hold the old entry)")
        self.probe(dev, iova + 0x10)
        self.faults()
        if self.chance(0.85):
            self.invalidate_range(dom, iova, page)
        self.probe(dev, iova + 0x10)
        if self.chance(0.5):
            self.dma_write(dev, iova + 0x20, 8)
        self.faults()

    def step_unmap(self):
        devs = self.xdevs()
        if not devs:
            return self.step_regs()
        dev = self.rng.choice(devs)
        dom = dev.dom
        m = self.pick_mapping(dom, small=False)
        if m is None or m[0] == dev.sink[0]:
            return self.step_copy()
        iova, pa, size, perm, page = m
        self.t.comment("unmap %s (%s bytes)" % (h(iova), h(size)))
        self.probe(dev, iova + (0x3000000 if page == GiB else 0))
        dom.unmap(iova, page if page != 4 * KiB else size)
        self.mappings[id(dom)].remove(m)
        if self.chance(0.8):
            self.invalidate_range(dom, iova, size if page == 4 * KiB else page)
        self.probe(dev, iova + (0x3000000 if page == GiB else 0))
        self.faults()

    def step_beyond(self):
        devs = self.xdevs()
        if not devs:
            return self.step_regs()
        dev = self.rng.choice(devs)
        bits = self.dom_bits(dev.dom)
        iova = self.rng.choice([1 << bits, self.rng.randrange(1 << bits, (1 << 64) - 4096) & ~7,
                                (1 << 64) - 4096])
        self.t.comment("IOVA %s beyond %d bits" % (h(iova), bits))
        if self.chance(0.5):
            self.dma_read(dev, iova, 8)
        else:
            self.dma_write(dev, iova, 8)
        self.faults()

    def step_fault(self):
        """Not present or wrong permission."""
        devs = self.xdevs()
        if not devs:
            return self.step_regs()
        dev = self.rng.choice(devs)
        dom = dev.dom
        if self.chance(0.5):
            m = self.pick_mapping(dom, small=False)
            if m is not None:
                iova, pa, size, perm, page = m
                off = 0x3000000 if page == GiB else self.rng.randrange(0, size - 8) & ~7
                if perm & SL_W and not perm & SL_R:
                    self.t.comment("read of a write-only page")
                    self.dma_read(dev, iova + off, 8)
                elif perm & SL_R and not perm & SL_W:
                    self.t.comment("write of a read-only page")
                    self.dma_write(dev, iova + off, 8)
                else:
                    self.dma_read(dev, iova + off, 8)
                self.faults()
                return
        iova = self.pick_iova(dom, 4 * KiB)
        self.t.comment("unmapped IOVA %s" % h(iova))
        if self.chance(0.5):
            self.dma_read(dev, iova, self.rng.choice([4, 8, 4095]))
        else:
            self.dma_write(dev, iova, 8)
        self.faults()

    def step_corrupt(self):
        """Set reserved bits (or break) one entry on the way, DMA, restore."""
        devs = self.xdevs()
        if not devs:
            return self.step_regs()
        dev = self.rng.choice(devs)
        dom = dev.dom
        m = self.pick_mapping(dom, small=False)
        if m is None:
            return self.step_copy()
        iova, pa, size, perm, page = m
        if page == GiB:
            iova += 0x3000000
        mem = self.tb.mem
        choices = ['sl', 'sl', 'sl', 'ctx', 'root']
        if self.smt:
            choices += ['pasid', 'pasid']
        what = self.rng.choice(choices)
        saved = []

        def change(a, v):
            saved.append((a, mem.get(a)))
            mem.set(a, v)

        devfn = dev.edu.devfn
        if what == 'sl':
            leaf_level = {4 * KiB: 1, 2 * MiB: 2, GiB: 3}[page]
            level = self.rng.randrange(leaf_level, dom.levels + 1)
            ea = dom.entry_addr(iova, level)
            e = mem.get(ea)
            leaf = level == leaf_level
            kind = self.rng.choice(['rsvd', 'rsvd', 'perm', 'ones', 'ptr', 'aw'])
            if kind == 'rsvd':
                # (never bit 7 on a directory: a directory taken for a large
                # page would let DMA reach the tables)
                bits = [SL_SNP, SL_TM, 1 << 51, 1 << self.aw, 1 << 52, 1 << 63,
                        0x780 if leaf else 0x700]
                if leaf and level > 1:
                    bits += [1 << 12, 1 << (level_shift(level) - 1)]
                if level == 4:
                    bits += [SL_PS]
                b = self.rng.choice(bits)
                self.t.comment("level-%d entry of %s: set bit(s) %s" % (level, h(iova), h(b)))
                change(ea, e | b)
            elif kind == 'perm':
                p = self.rng.choice([0, SL_R, SL_W])
                self.t.comment("level-%d entry of %s: permissions %d" % (level, h(iova), p))
                change(ea, (e & ~3) | p)
            elif kind == 'ones':
                self.t.comment("level-%d entry of %s: all ones" % (level, h(iova)))
                change(ea, 2**64 - 1)
            elif kind == 'ptr' and not leaf:
                self.t.comment("level-%d entry of %s points outside RAM" % (level, h(iova)))
                change(ea, (e & 0xfff) | self.rng.choice([0x40000000, 0xe0000000, 0x100000000]))
            else:
                self.t.comment("level-%d entry of %s: address bit %d" % (level, h(iova), self.aw - 1))
                change(ea, e | (1 << (self.aw - 1)) if not leaf else e ^ (1 << 28))
        elif what == 'ctx':
            if self.smt:
                ca = self.tb.context_entry_addr(0, devfn)
                i = self.rng.randrange(4)
                b = self.rng.choice({0: [1 << 5, 1 << 8, 1 << (self.aw + 1), 1],
                                     1: [1 << 21, 1 << 40], 2: [1, 1 << 63],
                                     3: [1 << 7]}[i])
                self.t.comment("scalable context entry qword %d ^= %s" % (i, h(b)))
                change(ca + 8 * i, mem.get(ca + 8 * i) ^ b)
            else:
                ca = self.tb.context_entry_addr(0, devfn)
                lo, hi = mem.get(ca), mem.get(ca + 8)
                kind = self.rng.choice(['p', 'rsvd_lo', 'rsvd_hi', 'aw', 'tt', 'ptr', 'fpd'])
                self.t.comment("context entry: %s" % kind)
                if kind == 'p':
                    change(ca, lo & ~1)
                elif kind == 'rsvd_lo':
                    change(ca, lo | self.rng.choice([1 << 4, 1 << 7, 1 << 11, 1 << 50]))
                elif kind == 'rsvd_hi':
                    change(ca + 8, hi | self.rng.choice([1 << 7, 1 << 24, 1 << 40]))
                elif kind == 'aw':
                    # only widths CAP.SAGAW refuses: a valid but different
                    # width would walk data pages as tables
                    change(ca + 8, (hi & ~7) | self.rng.choice(
                        [0, 3, 5] + ([2] if self.aw == 39 else [])))
                elif kind == 'tt':
                    change(ca, (lo & ~0xc) | (self.rng.choice([1, 3]) << 2))
                elif kind == 'ptr':
                    change(ca, (lo & 0xfff) | 0x40000000)
                else:
                    change(ca, lo | 2)
        elif what == 'root':
            ra = self.tb.root_entry_addr(0)
            upper = self.smt and devfn >= 128
            a = ra + (8 if upper else 0)
            v = mem.get(a)
            kind = self.rng.choice(['p', 'rsvd', 'ptr', 'hi'])
            self.t.comment("root entry (%s half): %s" % ("upper" if upper else "lower", kind))
            if kind == 'p':
                change(a, v & ~1)
            elif kind == 'rsvd':
                change(a, v | self.rng.choice([2, 1 << 9, 1 << self.aw]))
            elif kind == 'ptr':
                change(a, 0x80000000 | 1)
            else:
                change(ra + (0 if upper else 8), mem.get(ra + (0 if upper else 8)) | 0x100)
        else:
            pe = self.tb.pasid_entry_addr(0, devfn, dev.pasid, create=False)
            d = self.tb.pasid_dirs[(0, devfn)]
            da = d + ((dev.pasid >> 6) & 0x3fff) * 8
            kind = self.rng.choice(['dir_p', 'p', 'pgtt', 'aw', 'fpd', 'ptr'])
            self.t.comment("PASID %s: %s" % (h(dev.pasid), kind))
            v0 = mem.get(pe)
            if kind == 'dir_p':
                change(da, mem.get(da) & ~1)
            elif kind == 'p':
                change(pe, v0 & ~1)
            elif kind == 'pgtt':
                change(pe, (v0 & ~0x1c0) | (self.rng.choice([0, 5, 6, 7] + ([] if self.pt else [4])) << 6))
            elif kind == 'aw':
                change(pe, (v0 & ~0x1c) | (self.rng.choice([0, 3, 2 if self.aw == 39 else 0]) << 2))
            elif kind == 'fpd':
                change(pe, v0 | 2)
            else:
                change(pe, (v0 & 0xfff) | 0x40000000)
        if self.chance(0.85):
            if what == 'sl':
                self.invalidate_range(dom, iova, 4096)
            else:
                self.invalidate_all(dev)
        if self.chance(0.5):
            self.dma_read(dev, iova, self.rng.choice([8, 64]))
        else:
            self.dma_write(dev, iova, 8)
        self.faults()
        self.t.comment("restore")
        for a, v in reversed(saved):
            mem.set(a, v)
        if self.chance(0.8):
            self.invalidate_all(dev)
        self.probe(dev, iova)
        self.faults(clear=self.chance(0.9))

    def step_context(self):
        """Move a device to another domain, to or from pass-through, toggle
        FPD; invalidate the context cache (device with function mask,
        domain, global) or not."""
        dev = self.rng.choice(self.devs)
        r = self.rng.random()
        if r < 0.3 and self.pt:
            mode = 'xlate' if dev.mode == 'pt' else 'pt'
            self.t.comment("%02x.%x -> %s" % (dev.edu.slot, dev.edu.fn, mode))
            self.attach(dev, dev.dom, mode, dev.fpd)
        elif r < 0.6:
            dom = self.rng.choice(self.domains + [None])
            if dom is None:
                dom = self.new_domain()
            self.t.comment("%02x.%x -> domain %d" % (dev.edu.slot, dev.edu.fn, dom.did))
            self.attach(dev, dom, 'xlate', dev.fpd)
            if dev.sink is None or self.chance(0.5):
                self.give_sink(dev)
            else:
                sa, spa = dev.sink
                if self.spaces[id(dom)].free(sa, 4 * KiB):
                    self.spaces[id(dom)].take(sa, 4 * KiB)
                    dom.map(sa, spa, 4096)
                    self.mappings[id(dom)].append([sa, spa, 4096, SL_R | SL_W, 4 * KiB])
                else:
                    self.give_sink(dev)
        else:
            self.t.comment("%02x.%x FPD %s" % (dev.edu.slot, dev.edu.fn, not dev.fpd))
            self.attach(dev, dev.dom, dev.mode, not dev.fpd)
        # what QEMU sees depends on the invalidation; the generator's view
        # becomes the new entry only if it is invalidated
        r = self.rng.random()
        if r < 0.45:
            self.inv_context('device', dev, fm=self.rng.choice([0, 0, 2, 3]))
        elif r < 0.8:
            self.inv_context(self.rng.choice(['global', 'domain']))
        if self.chance(0.7):
            self.inv_iotlb('global')
        a, pa, _ = self.map_region(dev.dom, 64, SL_R | SL_W, page=4 * KiB)
        self.t.write(pa, bytes(self.rng.randrange(256) for _ in range(16)))
        if dev.mode == 'pt':
            self.probe(dev, pa)
        else:
            self.probe(dev, a)
        self.faults()

    def step_intr(self):
        devs = self.xdevs()
        if not devs:
            return self.step_regs()
        dev = self.rng.choice(devs)
        page = self.rng.choice([4 * KiB, 4 * KiB, 2 * MiB])
        a = self.pick_iova(dev.dom, page)
        self.spaces[id(dev.dom)].take(a, page)
        target = 0xfee00000 + (self.rng.randrange(256) << 12 if page == 4 * KiB else 0)
        self.t.comment("IOVA %s -> interrupt range %s" % (h(a), h(target)))
        dev.dom.map(a, target, page, SL_R | SL_W, page=page)
        if self.chance(0.5):
            self.dma_read(dev, a, 4)
        else:
            self.dma_write(dev, a, 4)
        self.faults()

    def step_pfo(self):
        if len(self.devs) < 2:
            return self.step_fault()
        self.t.comment("faults from several sources")
        for dev in self.rng.sample(self.devs, len(self.devs)) * 2:
            if dev.mode == 'pt':
                continue
            iova = self.pick_iova(dev.dom, 4 * KiB)
            self.dma_read(dev, iova, 4) if self.chance(0.5) else self.dma_write(dev, iova, 4)
            self.v.rl(FSTS)
            self.v.rq(FRCD + 8)
            if self.chance(0.3):
                self.v.clear_fault(self.rng.randrange(2))
            if self.chance(0.2):
                self.v.clear_fsts(1)
        self.faults(clear=True)

    def step_te(self):
        self.t.comment("translation off: DMA reaches guest-physical addresses")
        self.v.enable(False)
        src, dst = self.s.data(), self.s.data()
        n = self.rand_len()
        self.t.write(src, bytes(self.rng.randrange(256) for _ in range(min(n, 64))))
        self.t.memset(dst, n, 0)
        dev = self.rng.choice(self.devs)
        self.dma_read(dev, src, n)
        self.dma_write(dev, dst, n)
        self.t.read(dst, min(n, 64))
        self.v.enable(True)
        self.v.rl(FSTS)

    def step_srtp(self):
        self.t.comment("SRTP again: caches dropped")
        self.v.command(SRTP)
        dev = self.rng.choice(self.devs)
        if dev.mode == 'xlate':
            self.probe(dev, dev.sink[0])

    def step_qi(self):
        v = self.v
        if v.qi is None:
            if self.chance(0.5):
                self.t.comment("switch to queued invalidation")
                self.qi_on()
                self.qi = True
            else:
                return self.step_regs()
        r = self.rng.random()
        if r < 0.4:
            self.t.comment("wait descriptors")
            ds = [VTd.d_iec(self.rng.randrange(2), self.rng.randrange(1 << 16))
                  for _ in range(self.rng.randrange(3))]
            ds.append(VTd.d_wait(self.status + 4, self.rng.randrange(1 << 32),
                                 fn=self.chance(0.3)))
            if self.chance(0.5):
                ds.append(VTd.d_wait(sw=False, iflag=True))
            v.qi_submit(self.tb.mem, ds)
            self.t.readl(self.status + 4)
            v.rl(ICS)
            v.rl(IECTL)
            if self.chance(0.5):
                v.wl(ICS, 1)
                v.rl(IECTL)
        elif r < 0.75:
            bad = self.rng.choice([(0, 0), (8, 0), (0xd, 1), VTd.d_wait(sw=False),
                                   VTd.d_cc(0), VTd.d_iotlb(0), VTd.d_iotlb(3, 1, 0, 20),
                                   (VTd.d_cc(1)[0], 4), VTd.d_wait(0x40000000, 1),
                                   (VTd.d_iotlb(1)[0] | (1 << 40), 0)])
            self.t.comment("a bad descriptor: IQE")
            base, entries, dw = v.qi
            at = v.qi_tail
            v.qi_submit(self.tb.mem, [bad, VTd.d_wait(self.status + 8, 0x1234)])
            v.rl(FECTL)
            self.t.readl(self.status + 8)
            if self.chance(0.8):
                self.t.comment("fix it, clear IQE, resume")
                a = base + at * (32 if dw else 16)
                self.tb.mem.set(a, VTd.d_iec()[0])
                self.tb.mem.set(a + 8, 0)
                v.clear_fsts(0x10)
                v.wq(IQT, v.qi_tail << (5 if dw else 4))
                v.rq(IQH)
                self.t.readl(self.status + 8)
            else:
                self.t.comment("left broken: later descriptors are not processed")
                self.qi_broken = True
        else:
            self.t.comment("register invalidation while QI is on: ignored")
            v.ccmd(1)
            v.iotlb(1)

    def step_regs(self):
        regs = [(GSTS, 4), (FSTS, 4), (FECTL, 4), (CCMD, 8), (IOTLB, 8), (IQH, 8),
                (IQT, 8), (IQA, 8), (ICS, 4), (IECTL, 4), (RTADDR, 8), (FRCD, 8),
                (FRCD + 8, 8), (CAP, 8), (ECAP, 8), (VER, 4), (IVA, 8), (GCMD, 4)]
        for r, w in self.rng.sample(regs, self.rng.randrange(2, 7)):
            self.v.rl(r) if w == 4 else self.v.rq(r)

    def run(self):
        self.qi_broken = False
        self.setup()
        steps = [(self.step_copy, 6), (self.step_remap, 5), (self.step_unmap, 3),
                 (self.step_fault, 4), (self.step_corrupt, 6), (self.step_context, 3),
                 (self.step_beyond, 2), (self.step_intr, 1), (self.step_pfo, 2),
                 (self.step_te, 1), (self.step_srtp, 1), (self.step_regs, 1)]
        steps.append((self.step_qi, 3 if self.qi else 1))
        fns = [f for f, w in steps for _ in range(w)]
        self.step_copy()
        for i in range(self.rng.randrange(6, 12)):
            fn = self.rng.choice(fns)
            self.t.comment("--- step %d: %s" % (i + 1, fn.__name__[5:]))
            if self.qi_broken and fn in (self.step_qi,):
                fn = self.step_regs
            fn()
        self.t.comment("--- end")
        self.v.read_faults()
        self.v.rl(GSTS)
        return self.s


def generate(seed):
    return Gen(seed).run()
