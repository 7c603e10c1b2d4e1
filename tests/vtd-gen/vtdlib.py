"""vtdlib.py - build VT-d scenarios as qtest traces (Python 3, stdlib only).

A trace is what tests/oracle/qtest-oracle.py runs on QEMU 7.2 and on
`iommusim qtest`: qtest commands, '#' comments and '#!' directives
('#! args:', '#! poll ...'). This module plays the part of a guest driver:

  Trace     the lines of one trace, with helpers for MMIO, port I/O, RAM
  Pool      bump allocators for guest RAM (tables, data)
  Tables    root/context tables (legacy or scalable), PASID directory and
            tables, second-level page tables of 3 or 4 levels; map, unmap,
            protect and corruption of any entry, every write emitted as
            `writeq` into guest RAM
  VTd       the register file at 0xfed90000: SRTP/TE/QIE through GCMD the
            way Linux writes it (persistent bits kept), CCMD/IOTLB register
            invalidation, the invalidation queue (descriptors in guest RAM,
            IQT writes), fault record reads and write-1-to-clear
  Edu       the edu device: PCI config through 0xcf8/0xcfc, BAR0, DMA
            through src/dst/count/command and a poll of the command register

Nothing here predicts QEMU's replies: the replies are QEMU's own, recorded
with `qtest-oracle.py --record`. The comments written into the traces say
what a step is meant to provoke.
"""

VTD_BASE = 0xfed90000

# register offsets (VT-d spec chapter 11; QEMU 7.2 layout)
VER, CAP, ECAP, GCMD, GSTS, RTADDR, CCMD = 0x0, 0x8, 0x10, 0x18, 0x1c, 0x20, 0x28
FSTS, FECTL, FEDATA, FEADDR, FEUADDR = 0x34, 0x38, 0x3c, 0x40, 0x44
PMEN, IQH, IQT, IQA, ICS, IECTL, IEDATA, IEADDR, IEUADDR = \
    0x64, 0x80, 0x88, 0x90, 0x9c, 0xa0, 0xa4, 0xa8, 0xac
IRTA, IVA, IOTLB, FRCD = 0xb8, 0xf0, 0xf8, 0x220
REG_SIZE = 0x230

# GCMD / GSTS bits
TE, SRTP, WBF, QIE, IRE, SIRTP = 1 << 31, 1 << 30, 1 << 27, 1 << 26, 1 << 25, 1 << 24
PERSISTENT = TE | QIE | IRE          # bits a driver keeps set in GCMD

# fault reasons QEMU 7.2 reports (hw/i386/intel_iommu_internal.h)
FR_ROOT_ENTRY_P = 0x1
FR_CONTEXT_ENTRY_P = 0x2
FR_CONTEXT_ENTRY_INV = 0x3
FR_ADDR_BEYOND_MGAW = 0x4
FR_WRITE = 0x5
FR_READ = 0x6
FR_PAGING_ENTRY_INV = 0x7
FR_ROOT_TABLE_INV = 0x8
FR_CONTEXT_TABLE_INV = 0x9
FR_ROOT_ENTRY_RSVD = 0xa
FR_CONTEXT_ENTRY_RSVD = 0xb
FR_PAGING_ENTRY_RSVD = 0xc
FR_INTERRUPT_ADDR = 0xe
FR_PASID_TABLE_INV = 0x58
FR_SM_INTERRUPT_ADDR = 0x87

# second-level entry bits
SL_R, SL_W, SL_PS, SL_SNP, SL_TM = 1, 2, 1 << 7, 1 << 11, 1 << 62

# invalidation descriptor types
D_CC, D_IOTLB, D_DEVTLB, D_IEC, D_WAIT, D_PIOTLB, D_PC = 1, 2, 3, 4, 5, 6, 7

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30
RAM_SIZE = 256 * MiB                 # -m 256 in the oracle's command line
EDU_BUF = 0x40000                     # edu's DMA buffer, 4 KiB (4095 usable)


def h(v):
    return "0x%x" % v


class Trace:
    """The lines of one qtest trace."""

    def __init__(self, title, args):
        self.lines = []
        for t in title.splitlines():
            self.lines.append("# " + t if t else "#")
        self.lines.append("#! args: " + " ".join(args))
        self.ncmds = 0

    def comment(self, text):
        for t in text.splitlines():
            self.lines.append("# " + t)

    def cmd(self, line):
        self.lines.append(line)
        self.ncmds += 1

    def poll(self, cmd, mask, value, mx=None):
        self.lines.append("#! poll %s mask %s value %s%s" %
                          (cmd, h(mask), h(value), "" if mx is None else " max %d" % mx))
        self.ncmds += 1

    # CPU accesses
    def writel(self, a, v):
        self.cmd("writel %s %s" % (h(a), h(v & 0xffffffff)))

    def writeq(self, a, v):
        self.cmd("writeq %s %s" % (h(a), h(v & (2**64 - 1))))

    def readl(self, a):
        self.cmd("readl %s" % h(a))

    def readq(self, a):
        self.cmd("readq %s" % h(a))

    def write(self, a, data):
        self.cmd("write %s %d 0x%s" % (h(a), len(data), data.hex()))

    def read(self, a, n):
        self.cmd("read %s %d" % (h(a), n))

    def memset(self, a, n, b):
        self.cmd("memset %s %d %s" % (h(a), n, h(b)))

    def outl(self, p, v):
        self.cmd("outl %s %s" % (h(p), h(v)))

    def outw(self, p, v):
        self.cmd("outw %s %s" % (h(p), h(v)))

    def inl(self, p):
        self.cmd("inl %s" % h(p))

    def text(self):
        return "\n".join(self.lines) + "\n"


class Pool:
    """Bump allocator of guest RAM."""

    def __init__(self, start, end):
        self.next, self.end = start, end

    def alloc(self, size, align=4 * KiB):
        a = (self.next + align - 1) & ~(align - 1)
        if a + size > self.end:
            raise RuntimeError("guest RAM pool exhausted")
        self.next = a + size
        return a


class Mem:
    """Guest RAM as the trace has written it (qwords), so that entries can
    be changed field by field. Every change is emitted as a writeq."""

    def __init__(self, trace):
        self.t = trace
        self.q = {}

    def get(self, a):
        return self.q.get(a, 0)

    def set(self, a, v):
        v &= 2**64 - 1
        self.q[a] = v
        self.t.writeq(a, v)


def level_shift(level):
    return 12 + 9 * (level - 1)


class Domain:
    """Second-level page tables of one domain."""

    def __init__(self, tables, did, levels):
        self.tb, self.did, self.levels = tables, did, levels
        self.root = tables.alloc_table()
        self.leaves = {}          # iova -> (level, entry address)

    def _walk(self, iova, stop_level, create, perm_dir=SL_R | SL_W):
        """Address of the entry for @iova at @stop_level (creating tables)."""
        mem = self.tb.mem
        table = self.root
        for level in range(self.levels, stop_level, -1):
            ea = table + ((iova >> level_shift(level)) & 511) * 8
            e = mem.get(ea)
            if not (e & 3) or (e & SL_PS) or (e & ~0xfff & (2**52 - 1)) == 0:
                if not create:
                    return None
                nt = self.tb.alloc_table()
                mem.set(ea, nt | perm_dir)
                e = nt | perm_dir
            table = e & 0x000ffffffffff000
        return table + ((iova >> level_shift(stop_level)) & 511) * 8

    def entry_addr(self, iova, level):
        """Address of the entry at @level for @iova (None if not built)."""
        return self._walk(iova, level, False)

    def map(self, iova, pa, size, perm=SL_R | SL_W, page=None, extra=0):
        """Map [iova, iova+size) to pa with pages of @page bytes (4K, 2M,
        1G; default: the largest that fits). Returns the leaf entry
        addresses."""
        out = []
        off = 0
        while off < size:
            a, p = iova + off, pa + off
            ps = page
            if ps is None:
                ps = 4 * KiB
                for cand in (GiB, 2 * MiB):
                    if a % cand == 0 and p % cand == 0 and size - off >= cand:
                        ps = cand
                        break
            level = {4 * KiB: 1, 2 * MiB: 2, GiB: 3}[ps]
            ea = self._walk(a, level, True)
            e = (p & ~(ps - 1)) | perm | extra
            if level > 1:
                e |= SL_PS
            self.tb.mem.set(ea, e)
            self.leaves[a & ~(ps - 1)] = (level, ea)
            out.append(ea)
            off += ps - (a & (ps - 1))
        return out

    def unmap(self, iova, size):
        """Clear the leaf entries over [iova, iova+size) that map() made."""
        for a, (level, ea) in list(self.leaves.items()):
            ps = 1 << level_shift(level)
            if a < iova + size and iova < a + ps:
                self.tb.mem.set(ea, 0)
                del self.leaves[a]

    def protect(self, iova, size, perm):
        for a, (level, ea) in self.leaves.items():
            ps = 1 << level_shift(level)
            if a < iova + size and iova < a + ps:
                e = self.tb.mem.get(ea)
                self.tb.mem.set(ea, (e & ~3) | perm)

    def set_entry_bits(self, iova, level, set_bits=0, clear_bits=0):
        ea = self.entry_addr(iova, level)
        if ea is None:
            raise RuntimeError("no entry at level %d for %x" % (level, iova))
        e = self.tb.mem.get(ea)
        self.tb.mem.set(ea, (e & ~clear_bits) | set_bits)
        return ea


class Tables:
    """Root, context and PASID tables in guest RAM."""

    def __init__(self, trace, pool, scalable=False):
        self.t = trace
        self.mem = Mem(trace)
        self.pool = pool
        self.scalable = scalable
        self.root = self.alloc_table()
        self.ctx_tables = {}       # (bus, upper half) -> table address
        self.pasid_dirs = {}       # (bus, devfn) -> directory address
        self.pasid_tables = {}     # (dir, dir index) -> table address

    def alloc_table(self):
        # tables are fresh RAM: zero already, nothing to write
        return self.pool.alloc(4 * KiB)

    # ---- root and context entries -------------------------------------
    def root_entry_addr(self, bus):
        return self.root + bus * 16

    def context_table(self, bus, devfn):
        upper = self.scalable and devfn >= 128
        key = (bus, upper)
        if key not in self.ctx_tables:
            ct = self.alloc_table()
            self.ctx_tables[key] = ct
            ra = self.root_entry_addr(bus) + (8 if upper else 0)
            self.mem.set(ra, ct | 1)
        return self.ctx_tables[key]

    def context_entry_addr(self, bus, devfn):
        ct = self.context_table(bus, devfn)
        if self.scalable:
            return ct + (devfn & 0x7f) * 32
        return ct + devfn * 16

    def set_context(self, bus, devfn, domain=None, tt=0, aw=None, did=None,
                    fpd=False, present=True, slptptr=None, lo_extra=0,
                    hi_extra=0):
        """Legacy context entry: TT (0 translated, 1 with device-IOTLB,
        2 pass-through), AW (1: 3 levels, 2: 4 levels), DID, FPD."""
        assert not self.scalable
        ca = self.context_entry_addr(bus, devfn)
        if aw is None:
            aw = (domain.levels - 2) if domain else 1
        if did is None:
            did = domain.did if domain else 0
        if slptptr is None:
            slptptr = domain.root if domain else 0
        lo = slptptr | (tt << 2) | (2 if fpd else 0) | (1 if present else 0) | lo_extra
        hi = aw | (did << 8) | hi_extra
        self.mem.set(ca, lo)
        self.mem.set(ca + 8, hi)
        return ca

    # ---- scalable mode ---------------------------------------------------
    def set_sm_context(self, bus, devfn, rid_pasid=0, pdts=0, fpd=False,
                       present=True, pasid_dir=None, extra=(0, 0, 0, 0)):
        """Scalable-mode context entry (256 bits) pointing at a PASID
        directory (created when @pasid_dir is None)."""
        assert self.scalable
        ca = self.context_entry_addr(bus, devfn)
        if pasid_dir is None:
            pasid_dir = self.pasid_dirs.get((bus, devfn))
            if pasid_dir is None:
                pasid_dir = self.alloc_table()
        self.pasid_dirs[(bus, devfn)] = pasid_dir
        v0 = pasid_dir | (pdts << 9) | (2 if fpd else 0) | (1 if present else 0)
        v1 = rid_pasid
        vals = [v0 | extra[0], v1 | extra[1], extra[2], extra[3]]
        for i, v in enumerate(vals):
            self.mem.set(ca + 8 * i, v)
        return ca

    def pasid_entry_addr(self, bus, devfn, pasid, create=True, dir_fpd=False):
        d = self.pasid_dirs[(bus, devfn)]
        di = (pasid >> 6) & 0x3fff
        key = (d, di)
        if key not in self.pasid_tables:
            if not create:
                return None
            pt = self.alloc_table()
            self.pasid_tables[key] = pt
            self.mem.set(d + di * 8, pt | 1 | (2 if dir_fpd else 0))
        return self.pasid_tables[key] + (pasid & 63) * 64

    def set_pasid_entry(self, bus, devfn, pasid, domain=None, pgtt=2,
                        aw=None, did=None, fpd=False, present=True,
                        slptptr=None, extra=None):
        """PASID table entry: PGTT 1 first-level, 2 second-level, 3 nested,
        4 pass-through; AW, DID, FPD."""
        pa = self.pasid_entry_addr(bus, devfn, pasid)
        if aw is None:
            aw = (domain.levels - 2) if domain else 1
        if did is None:
            did = domain.did if domain else 0
        if slptptr is None:
            slptptr = domain.root if domain else 0
        v0 = slptptr | (pgtt << 6) | (aw << 2) | (2 if fpd else 0) | (1 if present else 0)
        vals = [v0, did] + [0] * 6
        if extra:
            for i, v in enumerate(extra):
                vals[i] |= v
        for i, v in enumerate(vals[:2]):
            self.mem.set(pa + 8 * i, v)
        for i in range(2, 8):
            if vals[i] or self.mem.get(pa + 8 * i):
                self.mem.set(pa + 8 * i, vals[i])
        return pa


class VTd:
    """The DMA-remapping unit's registers, driven as a guest driver does."""

    def __init__(self, trace, aw_bits=39, scalable=False):
        self.t = trace
        self.aw = aw_bits
        self.scalable_hw = scalable
        self.gcmd = 0              # persistent bits as the driver keeps them
        self.qi = None             # (base, entries, dw) when queued
        self.qi_tail = 0

    def reg(self, off):
        return VTD_BASE + off

    def rl(self, off):
        self.t.readl(self.reg(off))

    def rq(self, off):
        self.t.readq(self.reg(off))

    def wl(self, off, v):
        self.t.writel(self.reg(off), v)

    def wq(self, off, v):
        self.t.writeq(self.reg(off), v)

    def command(self, bit, on=True):
        """Set (or clear) a GCMD bit the way Linux does: GCMD = kept
        persistent bits | the one-shot command; then read GSTS."""
        if bit in (SRTP, SIRTP, WBF):
            self.wl(GCMD, self.gcmd | bit)
        else:
            if on:
                self.gcmd |= bit
            else:
                self.gcmd &= ~bit
            self.wl(GCMD, self.gcmd)
        self.rl(GSTS)

    def set_root(self, root, smt=False):
        self.t.comment("root table at %s%s, then SRTP" % (h(root), " (scalable, RTADDR.SMT)" if smt else ""))
        self.wq(RTADDR, root | ((1 << 10) if smt else 0))
        self.command(SRTP)

    def enable(self, on=True):
        self.t.comment("translation %s (GCMD.TE)" % ("on" if on else "off"))
        self.command(TE, on)

    # ---- register-based invalidation ----------------------------------
    def ccmd(self, gran, did=0, sid=0, fm=0, read_back=True):
        """CCMD: gran 1 global, 2 domain, 3 device (sid, fm)."""
        v = (1 << 63) | (gran << 61) | (fm << 32) | (sid << 16) | did
        self.wq(CCMD, v)
        if read_back:
            self.rq(CCMD)

    def iotlb(self, gran, did=0, addr=0, am=0, ih=0, dr=0, dw=0, read_back=True):
        """IOTLB register: gran 1 global, 2 domain, 3 page (IVA addr|ih|am)."""
        if gran == 3:
            self.wq(IVA, addr | (ih << 6) | am)
        v = (1 << 63) | (gran << 60) | (dr << 49) | (dw << 48) | (did << 32)
        self.wq(IOTLB, v)
        if read_back:
            self.rq(IOTLB)

    # ---- queued invalidation -------------------------------------------
    def qi_enable(self, base, qs=0, dw=False):
        """IQA = base | DW | QS, IQT = 0, then GCMD.QIE."""
        entries = 1 << (qs + 8 - (1 if dw else 0))
        self.qi = (base, entries, dw)
        self.qi_tail = 0
        self.t.comment("invalidation queue at %s, %d descriptors of %d bytes" %
                       (h(base), entries, 32 if dw else 16))
        self.wq(IQA, base | (0x800 if dw else 0) | qs)
        self.wq(IQT, 0)
        self.command(QIE, True)

    def qi_disable(self):
        self.command(QIE, False)

    def qi_submit(self, mem, descs, read_regs=True):
        """Write descriptors (each a tuple of 2 or 4 qwords) at the tail and
        move IQT past them."""
        base, entries, dw = self.qi
        size = 32 if dw else 16
        for d in descs:
            a = base + self.qi_tail * size
            words = list(d) + [0] * ((4 if dw else 2) - len(d))
            for i, w in enumerate(words):
                mem.set(a + 8 * i, w)
            self.qi_tail = (self.qi_tail + 1) % entries
        self.wq(IQT, self.qi_tail << (5 if dw else 4))
        if read_regs:
            self.rq(IQH)
            self.rl(FSTS)

    @staticmethod
    def d_cc(gran, did=0, sid=0, fm=0):
        return (D_CC | (gran << 4) | (did << 16) | (sid << 32) | (fm << 48), 0)

    @staticmethod
    def d_iotlb(gran, did=0, addr=0, am=0, ih=0, dr=0, dw=0):
        return (D_IOTLB | (gran << 4) | (dw << 6) | (dr << 7) | (did << 16),
                addr | (ih << 6) | am)

    @staticmethod
    def d_wait(status_addr=0, data=0, sw=True, iflag=False, fn=False):
        return (D_WAIT | (0x10 if iflag else 0) | (0x20 if sw else 0) |
                (0x40 if fn else 0) | (data << 32), status_addr)

    @staticmethod
    def d_iec(gran=0, idx=0, im=0):
        return (D_IEC | (gran << 4) | (im << 27) | (idx << 32), 0)

    @staticmethod
    def d_devtlb(sid, addr, size=0, pfsid=0, mip=0):
        return (D_DEVTLB | (mip << 16) | (sid << 32), addr | size)

    # ---- faults ---------------------------------------------------------
    def read_faults(self):
        """FSTS, the fault recording register (both halves), FECTL."""
        self.rl(FSTS)
        self.rq(FRCD)
        self.rq(FRCD + 8)
        self.rl(FECTL)

    def clear_fault(self, how=0):
        """Clear FRCD.F: how 0 writel of the top dword, 1 writeq of the
        upper half."""
        if how == 0:
            self.wl(FRCD + 12, 0x80000000)
        else:
            self.wq(FRCD + 8, 1 << 63)

    def clear_fsts(self, bits):
        self.wl(FSTS, bits)


class Edu:
    """QEMU's edu device (docs/specs/edu.txt) on bus 0."""

    def __init__(self, trace, slot, fn=0, bar=0xfe000000):
        self.t, self.slot, self.fn, self.bar = trace, slot, fn, bar
        self.devfn = (slot << 3) | fn
        self.sid = self.devfn          # bus 0

    def cfg(self, reg):
        return 0x80000000 | (self.devfn << 8) | reg

    def setup(self, read_id=True):
        t = self.t
        t.comment("edu %02x.%x: BAR0 at %s, memory decode and bus master" %
                  (self.slot, self.fn, h(self.bar)))
        if read_id:
            t.outl(0xcf8, self.cfg(0))
            t.inl(0xcfc)
        t.outl(0xcf8, self.cfg(0x10))
        t.outl(0xcfc, self.bar)
        t.outl(0xcf8, self.cfg(0x04))
        t.outw(0xcfc, 0x0006)

    def dma(self, src, dst, cnt, to_pci):
        """to_pci False: memory (src, an IOVA) -> buffer (dst);
        True: buffer (src) -> memory (dst, an IOVA). Polls until done."""
        # QEMU 7.2's edu stops with a hardware error (the process exits)
        # unless 0 < cnt and the buffer range ends *before* the last byte:
        # edu_check_range wants addr + cnt < 0x41000, so at most 4095 bytes
        assert cnt > 0
        if to_pci:
            assert EDU_BUF <= src and src + cnt < EDU_BUF + 4096
        else:
            assert EDU_BUF <= dst and dst + cnt < EDU_BUF + 4096
        t = self.t
        t.writeq(self.bar + 0x80, src)
        t.writeq(self.bar + 0x88, dst)
        t.writeq(self.bar + 0x90, cnt)
        t.writeq(self.bar + 0x98, 3 if to_pci else 1)
        t.poll("readq %s" % h(self.bar + 0x98), 1, 0)

    def dma_in(self, iova, cnt, off=0):
        """memory at @iova -> edu buffer + off"""
        self.dma(iova, EDU_BUF + off, cnt, False)

    def dma_out(self, iova, cnt, off=0):
        """edu buffer + off -> memory at @iova"""
        self.dma(EDU_BUF + off, iova, cnt, True)


def intel_iommu_arg(props):
    """-device intel-iommu,... from an ordered list of (name, value)."""
    s = "intel-iommu"
    for k, v in props:
        s += ",%s=%s" % (k, v)
    return s
