-- vtd-unit.lua - iommusim.vtd's register helpers against a stand-in
-- register file (no VT-d model needed): the GCMD values written (Linux's
-- way: kept bits | command), GSTS checks, CCMD/IOTLB register invalidation
-- and the smallest page-selective masks, the invalidation queue (IQA, IQT,
-- descriptors in guest RAM, wait with status write, IQE reported as an
-- error), fault records decoded and cleared by writing 1.
--
-- The stand-in behaves as QEMU 7.2's registers do for what the helper
-- uses (reset values of aw-bits=48, caching-mode=on; GSTS follows GCMD;
-- invalidations complete at once; descriptors of unknown type set IQE).
local root = ((arg and arg[0] or ""):match("^(.*)/[^/]*$") or ".") .. "/../.."  -- the source tree
package.path = root .. "/scripts/lua/?.lua;" .. package.path

local sim = require "iommusim"
local vtd = require "iommusim.vtd"

local sys = sim.container("system", sim.UINT64_MAX)
sys:add(0, sim.ram("ram", 64 << 20))
local mem = sim.address_space(sys, "memory")

-- ---------------------------------------------------------------- stand-in
local regs = { [0x00] = 0x10, [0x08] = 0x00d2008c222f0686, [0x10] = 0x0000000000f00f4a,
               [0x38] = 0x80000000, [0xa0] = 0x80000000 }
local log = {}
local qi = { on = false, head = 0 }
local function get(off, size)
  local v = regs[off & ~7] or 0
  if size == 4 then
    if off & 4 ~= 0 then return (v >> 32) & 0xffffffff end
    return v & 0xffffffff
  end
  return v
end
local function set(off, v, size)
  local q = off & ~7
  local old = regs[q] or 0
  if size == 4 then
    if off & 4 ~= 0 then v = (old & 0xffffffff) | (v << 32)
    else v = (old & ~0xffffffff) | (v & 0xffffffff) end
  end
  regs[q] = v
end
local function gsts() return get(0x1c, 4) end
local function set_gsts(v) set(0x1c, v, 4) end
local function fetch()
  local base = get(0x90, 8) & ~0xfff
  local size = 1 << ((get(0x90, 8) & 7) + 8)
  local tail = (get(0x88, 8) >> 4) & 0x7fff
  while qi.head ~= tail do
    local lo, hi = mem:ldq_le(base + qi.head * 16), mem:ldq_le(base + qi.head * 16 + 8)
    local t = lo & 0xf
    log[#log + 1] = string.format("desc %x %x", lo, hi)
    if t == 5 and lo & 0x20 ~= 0 then
      mem:stl_le(hi, (lo >> 32) & 0xffffffff)
    elseif t < 1 or t > 7 then
      set(0x34, get(0x34, 4) | 0x10, 4)
      return
    end
    qi.head = (qi.head + 1) % size
    set(0x80, qi.head << 4, 8)
  end
end
local unit = sim.io("fake-vtd", 0x1000, {
  valid = { min = 4, max = 8 }, impl = { min = 4, max = 8 },
  read = function(off, size)
    if off == 0x18 then return 0 end
    if off == 0x28 and size == 8 then return get(off, 8) & ~0x3ffff0000 end  -- SID, FM write-only
    return get(off, size)
  end,
  write = function(off, v, size)
    log[#log + 1] = string.format("w%x/%d %x", off, size, v)
    if off == 0x18 then
      local g = gsts() & ~(vtd.TE | vtd.QIE | vtd.IRE)
      g = g | (v & (vtd.TE | vtd.QIE | vtd.IRE))
      if v & vtd.SRTP ~= 0 then g = g | vtd.SRTP end
      if v & vtd.QIE ~= 0 and not qi.on then qi.on, qi.head = true, 0 end
      if v & vtd.QIE == 0 then qi.on = false end
      set_gsts(g)
    elseif off == 0x28 then
      set(off, v, size)
      if v >> 63 ~= 0 then set(0x28, (v & ~(1 << 63) & ~(3 << 59)) | (((v >> 61) & 3) << 59), 8) end
    elseif off == 0xf8 then
      set(off, v, size)
      if v >> 63 ~= 0 then set(0xf8, (v & ~(1 << 63) & ~(3 << 57)) | (((v >> 60) & 3) << 57), 8) end
    elseif off == 0x88 then
      set(off, v & 0x7fff0, size)
      if qi.on and get(0x34, 4) & 0x10 == 0 then fetch() end
    elseif off == 0x34 then
      set(off, get(off, 4) & ~(v & 0x11), 4)
    elseif off == 0x22c then
      set(off, get(off, 4) & ~(v & 0x80000000), 4)
    else
      set(off, v, size)
    end
  end,
})
sys:add(vtd.BASE, unit)

local function expect_log(want, what)
  local got = table.concat(log, "; ")
  if not got:find(want, 1, true) then
    error(string.format("%s: log lacks '%s':\n  %s", what, want, got), 2)
  end
end

-- ---------------------------------------------------------------- tests
local tb = vtd.tables(mem, { aw = 48 })
tb:map("00:04.0", 0x10000, 0x300000, 0x4000, "rw")
local u = vtd.enable(mem, tb)
expect_log("w20/8 1000000; w18/4 40000000; w18/4 80000000", "RTADDR, SRTP, then TE")
assert(u:read32(vtd.reg.GSTS) == 0xc0000000)

local cap, ecap = u:cap(), u:ecap()
assert(cap.mgaw == 48 and cap.sagaw == 0x6 and cap.cm and cap.nfr == 1 and cap.fro == 0x220)
assert(cap.mamv == 18 and cap.psi and cap.sllps == 3 and cap.nd == 6)
assert(ecap.qi and ecap.ir and ecap.pt and ecap.iro == 0xf0 and not ecap.smts)

-- register invalidation
log = {}
assert(u:invalidate_context{ granularity = "device", dev = "00:04.0", fm = 3 } ==
       (3 << 61) | (3 << 59))
expect_log("w28/8 e000000300200000", "CCMD: ICC, device, FM 3, SID 0x20")
log = {}
u:invalidate_range(1, 0x13000, 0x5000)
expect_log("wf0/8 13000; wf8/8 b000000100000000", "first page alone (am 0)")
expect_log("wf0/8 14002; wf8/8 b000000100000000", "then 0x14000..0x17fff with am 2")
assert(#log == 4, table.concat(log, "; "))
log = {}
u:invalidate_iotlb{ granularity = "domain", did = 9 }
expect_log("wf8/8 a000000900000000", "domain-selective")
assert(u:read64(0xf8) >> 57 & 3 == 2, "IAIG domain")

-- a command that GSTS does not confirm is an error
local ok, err = pcall(function()
  local bad = vtd.unit(mem, { base = 0x3000000 })    -- RAM, not registers
  bad:enable()
end)
assert(not ok and err:find("GCMD 0x80000000", 1, true), err)

-- queued invalidation
log = {}
local q = u:qi_enable{ tables = tb, qs = 0 }
expect_log(string.format("w90/8 %x; w88/8 0; w18/4 84000000", q), "IQA, IQT, then QIE with TE kept")
u:invalidate_iotlb{ granularity = "page", did = 1, addr = 0x10000, am = 2 }
expect_log("desc 10032 10002", "IOTLB page descriptor")
expect_log(string.format("desc 600d00000025 %x", u.status_addr), "wait with status write")
assert(mem:ldl_le(u.status_addr) == 0x600d)
u:invalidate_context{ granularity = "global" }
expect_log("desc 11 0", "context-cache global descriptor")
u:qi_submit(vtd.desc.iec{}, vtd.desc.device_iotlb{ sid = 0x20, addr = 0x2000, size = true })
assert(u:read64(vtd.reg.IQH) == 6 << 4)
ok, err = pcall(u.qi_submit, u, { 0, 0 })
assert(not ok and err:find("invalidation queue error", 1, true), err)
assert(u:fsts().iqe)
ok, err = pcall(vtd.desc.wait, { status = 0x1000, intr = true })
assert(not ok and err:find("not both", 1, true))

-- fault records
regs[0x220] = 0x12345678
regs[0x228] = (1 << 63) | (5 << 32) | 0x20 | (0xffff << 40)
set(0x34, 2, 4)   -- PPF (and IQE cleared)
local fs = u:faults()
assert(#fs == 1 and fs[1].reason == 5 and fs[1].write and fs[1].bdf == "00:04.0")
assert(fs[1].addr == 0x12345000 and fs[1].pasid == 0xffff and not fs[1].pasid_present)
assert(fs[1].reason_name == "write")
local st = u:fsts()
assert(st.ppf and not st.pfo and st.fri == 0)
log = {}
u:clear_faults()
expect_log("w22c/4 80000000; w34/4 11", "F then PFO/IQE cleared by writing 1")
assert(#u:faults() == 0 and #u:faults(true) == 1, string.format("%x %d %d", regs[0x228], #u:faults(), #u:faults(true)))

print("vtd-unit: ok")
