-- vtd-tables.lua - iommusim.vtd's table builder and its software walk, on
-- plain RAM (no VT-d model needed): entry layouts, page-size choice, unmap,
-- protect, reserved bits at every place, scalable-mode PASID tables, and the
-- fault reasons QEMU 7.2 gives for the same tables (the reasons recorded in
-- tests/qtest/vtd/fault-*.expected).
local root = ((arg and arg[0] or ""):match("^(.*)/[^/]*$") or ".") .. "/../.."  -- the source tree
package.path = root .. "/scripts/lua/?.lua;" .. package.path

local sim = require "iommusim"
local vtd = require "iommusim.vtd"
local MiB, GiB = vtd.MiB, vtd.GiB

local function machine()
  local sys = sim.container("system", sim.UINT64_MAX)
  sys:add(0, sim.ram("ram", 256 * MiB))
  return { memory = sim.address_space(sys, "memory"), system = sys }
end

local function eq(got, want, what)
  if got ~= want then
    error(string.format("%s: got %s, want %s", what, tostring(got), tostring(want)), 2)
  end
end
local function fault_is(reason, ...)
  local pa, fr, hidden = ...
  if pa ~= nil or fr ~= reason then
    error(string.format("expected fault 0x%x, got %s %s", reason,
                        pa and string.format("pa 0x%x", pa) or "fault",
                        fr and (type(fr) == "number" and string.format("0x%x", fr) or fr) or "nil"), 2)
  end
  return hidden
end

-- ------------------------------------------------------------ legacy, aw 48
do
  local m = machine()
  local mem = m.memory
  local tb = vtd.tables(m, { aw = 48 })
  eq(tb.root, 0x1000000, "root table at the start of the pool")
  eq(tb:map("00:04.0", 0x1000, 0x300000, 0x1000, "rw"), 1, "one 4K leaf")
  -- root entry: context table | P; context entry: slptptr | P, AW=2, DID 1
  local re = mem:ldq_le(tb.root)
  eq(re & 1, 1, "root P")
  local ce_lo = mem:ldq_le((re & ~0xfff) + 0x20 * 16)
  local ce_hi = mem:ldq_le((re & ~0xfff) + 0x20 * 16 + 8)
  eq(ce_lo & 0xfff, 1, "context lo: P, TT 0, FPD 0")
  eq(ce_hi, 2 | (1 << 8), "context hi: AW 2 (4 levels), DID 1")
  local pa, perm, size = tb:translate("00:04.0", 0x1234, false)
  eq(pa, 0x300234, "4K translation")
  eq(perm, "rw", "perm")
  eq(size, 0x1000, "page size")

  -- page size choice: 2 MiB and 1 GiB where aligned
  eq(tb:map(0x20, 0x40000000, 0x4000000, 2 * MiB + 0x3000, "r"), 4, "2M + three 4K")
  pa, perm, size = tb:translate(0x20, 0x40123456, false)
  eq(pa, 0x4123456, "2M translation"); eq(size, 2 * MiB, "2M page"); eq(perm, "r", "r only")
  eq(tb:map(0x20, 0x8000000000, 0, GiB, "rw"), 1, "one 1G leaf")
  pa, _, size = tb:translate(0x20, 0x8000abc000, true)
  eq(pa, 0xabc000, "1G translation"); eq(size, GiB, "1G page")
  eq(tb:map(0x20, 0x9000000000, 0, GiB, "rw", { page = 2 * MiB }), 512, "forced 2M pages")

  -- permissions and faults
  fault_is(vtd.FR.WRITE, tb:translate(0x20, 0x40000000, true))
  tb:protect(0x20, 0x1000, 0x1000, "w")
  fault_is(vtd.FR.READ, tb:translate(0x20, 0x1000, false))
  assert(tb:translate(0x20, 0x1000, true))
  eq(tb:unmap(0x20, 0x40000000, 2 * MiB + 0x3000), 4, "unmapped leaves")
  fault_is(vtd.FR.READ, tb:translate(0x20, 0x40202000, false))
  fault_is(vtd.FR.ADDR_BEYOND_MGAW, tb:translate(0x20, 1 << 48, false))
  fault_is(vtd.FR.ROOT_ENTRY_P, tb:translate("01:00.0", 0x1000, false))
  fault_is(vtd.FR.CONTEXT_ENTRY_P, tb:translate("00:05.0", 0x1000, false))

  -- interrupt range: 0xe (legacy), a page next to it is fine
  tb:map(0x20, 0x70000000, 0xfee00000, 0x1000)
  fault_is(0xe, tb:translate(0x20, 0x70000000, false))
  tb:map(0x20, 0x70001000, 0xfef00000, 0x1000)
  eq(tb:translate(0x20, 0x70001000, false), 0xfef00000, "just above the range")

  -- reserved bits, as QEMU 7.2 checks them
  local dom = tb:domain_of(0x20)
  local ea = tb:set_reserved(0x20, 1, vtd.SNP, 0x300000 - 0x300000 + 0x1000)
  fault_is(vtd.FR.PAGING_ENTRY_RSVD, tb:translate(0x20, 0x1000, true))
  tb:write(ea, tb:read(ea) & ~vtd.SNP)
  tb:set_reserved(0x20, 4, vtd.PS, 0x1000)
  fault_is(vtd.FR.PAGING_ENTRY_RSVD, tb:translate(0x20, 0x1000, true))
  dom:set_bits(0x1000, 4, 0, vtd.PS)
  tb:set_reserved(0x20, "context-hi", 1 << 7)
  fault_is(vtd.FR.CONTEXT_ENTRY_RSVD, tb:translate(0x20, 0x1000, true))
  tb:context(0x20, { domain = dom })
  tb:set_reserved(0x20, "root-hi", 1)
  fault_is(vtd.FR.ROOT_ENTRY_RSVD, tb:translate(0x20, 0x1000, true))
  tb:write(tb:root_entry_addr(0) + 8, 0)
  assert(tb:translate(0x20, 0x1000, true))
  -- a leaf of all ones reads like a failed read: 0x7, at the top 0x3
  local leaf = dom:entry(0x1000, 1)
  tb:write(leaf, -1)
  fault_is(vtd.FR.PAGING_ENTRY_INV, tb:translate(0x20, 0x1000, false))
  local top = dom:entry(0x1000, 4)
  tb:write(top, -1)
  fault_is(vtd.FR.CONTEXT_ENTRY_INV, tb:translate(0x20, 0x1000, false))

  -- context programming: AW 3 and TT 3 are invalid; FPD hides qualified faults
  tb:context(0x28, { aw = 3 })
  fault_is(vtd.FR.CONTEXT_ENTRY_INV, tb:translate(0x28, 0x1000, false))
  tb:context(0x28, { tt = 3, aw = 2 })
  fault_is(vtd.FR.CONTEXT_ENTRY_INV, tb:translate(0x28, 0x1000, false))
  tb:context(0x28, { tt = "pt" })
  eq(tb:translate(0x28, 0x123456, true), 0x123456, "pass-through")
  tb:context(0x28, { tt = 0, fpd = true })
  eq(fault_is(vtd.FR.READ, tb:translate(0x28, 0x5000, false)), true, "FPD hides a read fault")
  tb:context(0x28, { fpd = true, hi = 1 << 30 })
  eq(fault_is(vtd.FR.CONTEXT_ENTRY_RSVD, tb:translate(0x28, 0x5000, false)), false,
     "FPD does not hide reserved context bits")
end

-- ------------------------------------------------------------ legacy, aw 39
do
  local m = machine()
  local tb = vtd.tables(m, { aw = 39, pt = false, base = 0x2000000, limit = 0x2100000 })
  eq(tb.levels, 3, "3 levels with aw 39")
  tb:map("00:04.0", 0x7fc0000000, 0x40000000, GiB, "rw")
  eq(tb:translate(0x20, 0x7fc0001000, false), 0x40001000, "1G page at the top of 39 bits")
  fault_is(vtd.FR.ADDR_BEYOND_MGAW, tb:translate(0x20, 1 << 39, false))
  tb:context(0x20, { aw = 2 })
  fault_is(vtd.FR.CONTEXT_ENTRY_INV, tb:translate(0x20, 0x1000, false))
  tb:context(0x20, { aw = 1, tt = "pt" })
  fault_is(vtd.FR.CONTEXT_ENTRY_INV, tb:translate(0x20, 0x1000, false))
  tb:context(0x20, { tt = 0 })
  tb:set_reserved(0x20, 3, 1 << 39, 0x7fc0000000)
  fault_is(vtd.FR.PAGING_ENTRY_RSVD, tb:translate(0x20, 0x7fc0000000, false))
  -- the pool is bounded
  local ok, err = pcall(function() for _ = 1, 1000 do tb:alloc(0x1000) end end)
  assert(not ok and err:find("is full", 1, true), err)
end

-- ------------------------------------------------------------ scalable
do
  local m = machine()
  local mem = m.memory
  local tb = vtd.tables(m, { aw = 48, scalable = true })
  local dom = tb:domain{ did = 7 }
  tb:context("00:04.0", { rid_pasid = 0x41, domain = dom })
  tb:map("00:04.0", 0x10000, 0x500000, 0x2000, "rw")
  eq(tb:translate(0x20, 0x11008, true), 0x501008, "through PASID 0x41")
  -- the layout: 256-bit context entry, PASID directory entry 1, entry 1
  local ce = tb:context_entry_addr(0x20)
  eq(ce, (mem:ldq_le(tb.root) & ~0xfff) + 0x20 * 32, "scalable context entry")
  eq(mem:ldq_le(ce + 8), 0x41, "RID_PASID")
  local dir = mem:ldq_le(ce) & ~0xfff
  local de = mem:ldq_le(dir + 8)
  eq(de & 1, 1, "directory entry present")
  local pe = (de & ~0xfff) + 64
  eq(mem:ldq_le(pe) & 0x1ff, 1 | (2 << 2) | (2 << 6), "PASID entry: P, AW 2, PGTT 2")
  eq(mem:ldq_le(pe + 8), 7, "DID")
  -- devfn >= 128: the upper half of the root entry
  tb:context("00:13.0", { domain = dom })
  eq(mem:ldq_le(tb.root + 8) & 1, 1, "upper root half present")
  eq(tb:translate("00:13.0", 0x10010, false), 0x500010, "upper half device")
  -- PASID faults (0x58)
  tb:pasid(0x20, 0x41, { domain = dom, pgtt = 0 })
  fault_is(vtd.FR.PASID_TABLE_INV, tb:translate(0x20, 0x10000, false))
  tb:pasid(0x20, 0x41, { domain = dom, present = false })
  fault_is(vtd.FR.PASID_TABLE_INV, tb:translate(0x20, 0x10000, false))
  tb:pasid(0x20, 0x41, { domain = dom, pgtt = "nested" })
  assert(tb:translate(0x20, 0x10000, false), "PGTT 3 walks the second level in QEMU 7.2")
  tb:pasid(0x20, 0x41, { domain = dom, pgtt = "pt" })
  eq(tb:translate(0x20, 0xabc000, true), 0xabc000, "PGTT 4")
  tb:pasid(0x20, 0x41, { domain = dom, aw = 1 })
  fault_is(vtd.FR.READ, tb:translate(0x20, 0x10000, false))   -- 3 levels over 4-level tables
  tb:pasid(0x20, 0x41, { domain = dom })
  tb:set_reserved(0x20, "pasid-dir", 0)
  tb:write(dir + 8, 0)
  fault_is(vtd.FR.PASID_TABLE_INV, tb:translate(0x20, 0x10000, false))
  -- context reserved bits in scalable mode
  tb:pasid(0x20, 0x41, { domain = dom })
  tb:set_reserved(0x20, "context-2", 1)
  fault_is(vtd.FR.CONTEXT_ENTRY_RSVD, tb:translate(0x20, 0x10000, false))
  tb:write(ce + 16, 0)
  -- SNP is allowed in scalable-mode leaves; the interrupt range is 0x87
  tb:set_reserved(0x20, 1, vtd.SNP, 0x10000)
  assert(tb:translate(0x20, 0x10000, false))
  tb:map(0x20, 0x20000, 0xfee00000, 0x1000)
  fault_is(vtd.FR.SM_INTERRUPT_ADDR, tb:translate(0x20, 0x20000, false))
end

-- ------------------------------------------------------------ argument checks
do
  local m = machine()
  local tb = vtd.tables(m)
  local ok, err = pcall(tb.map, tb, "0:4.0", 0x1000, 0x1000, 0x1000)
  assert(not ok and err:find("bad BDF", 1, true), err)
  ok, err = pcall(tb.map, tb, 0x20, 0x1001, 0x1000, 0x1000)
  assert(not ok and err:find("4 KiB aligned", 1, true), err)
  ok, err = pcall(vtd.tables, {}, {})
  assert(not ok and err:find("expected an AddressSpace", 1, true), err)
  ok, err = pcall(vtd.tables, m, { base = 0x20000000 })    -- beyond the RAM
  assert(not ok and err:find("is not RAM", 1, true), err)
  eq(vtd.bdf("01:1f.7"), 0x1ff, "bdf parse")
  eq(vtd.bdf({ devfn = 0x20, bus = 2 }), 0x220, "bdf of a device table")
  eq(vtd.bdf_string(0x1ff), "01:1f.7", "bdf string")
  local f = vtd.decode_fault(0x12345678, (1 << 63) | (1 << 62) | (6 << 32) | 0x20)
  eq(f.reason_name, "read", "fault reason name"); eq(f.addr, 0x12345000, "fault addr")
  eq(f.write, false, "T=1: a read"); eq(f.bdf, "00:04.0", "fault source")
  local s = vtd.decode_fsts(0x13)
  assert(s.pfo and s.ppf and s.iqe and s.fri == 0)
end

print("vtd-tables: ok")
