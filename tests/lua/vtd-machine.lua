-- vtd-machine.lua - iommusim.vtd against the VT-d model on the q35 machine:
-- reset values as QEMU 7.2 gives them, DMA through tables the module
-- builds, invalidation by registers and by the queue, fault records; then
-- a differential run: random mappings and corruptions, everything
-- invalidated, each DMA's outcome (data or fault reason) compared with the
-- module's software walk (tb:translate), which follows QEMU 7.2's checks.
--
-- Exits 77 (skipped) while the machine cannot be built with intel-iommu
-- and an edu device. Usage: iommusim run vtd-machine.lua [SEED [legacy|scalable]]
-- (scalable: aw-bits=39, x-scalable-mode=on, 256-bit queue descriptors,
-- differential part only)
local root = ((arg and arg[0] or ""):match("^(.*)/[^/]*$") or ".") .. "/../.."  -- the source tree
package.path = root .. "/scripts/lua/?.lua;" .. package.path

local vtd = require "iommusim.vtd"
local seed = tonumber(arg and arg[1] or "") or 7
local mode = arg and arg[2] or "legacy"          -- or "scalable": the differential part

local function skip(why)
  print("SKIP: " .. why)
  os.exit(77)
end

local function build(props)
  local ok, q35 = pcall(dofile, root .. "/scripts/machines/q35.lua")
  if not ok then skip("no q35 machine: " .. tostring(q35)) end
  local m
  ok, m = pcall(q35, { ram_size = 256 << 20,
                        devices = { "intel-iommu," .. props, "edu,addr=04.0" } })
  if not ok then skip("machine with intel-iommu and edu: " .. tostring(m)) end
  local edu
  for _, d in ipairs(m.devices or {}) do
    if type(d) ~= "string" and d.name == "edu" then edu = d end
  end
  if not edu or not edu.dma_read then skip("no edu device with dma_read") end
  edu:config_write(0x04, 0x0006, 2)        -- memory decode and bus master
  local u = vtd.unit(m)
  local okr, ver = pcall(u.read32, u, vtd.reg.VER)
  if not okr or ver ~= 0x10 then skip("no VT-d registers at 0xfed90000") end
  return m, edu, u
end

local function eq(got, want, what)
  if got ~= want then
    error(string.format("%s: got %s, want %s", what,
                        type(got) == "number" and string.format("0x%x", got) or tostring(got),
                        type(want) == "number" and string.format("0x%x", want) or tostring(want)), 2)
  end
end

-- ------------------------------------------------------------ basics
local props = mode == "scalable" and "aw-bits=39,x-scalable-mode=on,snoop-control=on"
                                  or "aw-bits=48,caching-mode=on"
local m, edu, u = build(props)
local tb, mem
if mode == "legacy" then
mem = vtd.memory_of(m)
eq(u:read64(vtd.reg.CAP), 0x00d2008c222f0686, "CAP (QEMU 7.2, aw-bits=48, caching-mode=on)")
eq(u:read64(vtd.reg.ECAP), 0x0000000000f00f4a, "ECAP")
eq(u:read32(vtd.reg.FECTL), 0x80000000, "FECTL after reset")

tb = vtd.tables(m, { aw = 48 })
tb:map(edu, 0x10000, 0x300000, 0x2000, "rw")
tb:map(edu, 0x20000, 0x310000, 0x1000, "r")
u = vtd.enable(m, tb)
mem:write(0x300000, "hello")
eq(edu:dma_read(0x10000, 5), "hello", "DMA read through the tables")
eq(edu:dma_write(0x11ff0, "0123456789abcdef"), "ok", "DMA write")
eq(mem:read(0x301ff0, 16), "0123456789abcdef", "landed")
local _, r = edu:dma_write(0x20000, "x")
assert(r ~= "ok", "write to a read-only page must fail")
local f = u:faults()
eq(#f, 1, "one fault record"); eq(f[1].reason, vtd.FR.WRITE, "write fault")
eq(f[1].bdf, "00:04.0", "source"); eq(f[1].addr, 0x20000, "address")
u:clear_faults()
eq(#u:faults(), 0, "cleared")

-- notifiers (caching-mode=on): a new mapping, invalidated page by page,
-- reaches a MAP notifier as 4 KiB events
local events, n = vtd.watch(edu)
tb:map(edu, 0x40000, 0x340000, 0x2000, "r")
u:invalidate_range(tb:domain_of(edu).did, 0x40000, 0x2000)
eq(#events, 2, "two MAP events")
eq(events[1].type, "map", "event type"); eq(events[1].iova, 0x40000, "iova")
eq(events[2].translated_addr, 0x341000, "translated address")
n:unregister()

-- stale until invalidated, by registers then by the queue
mem:write(0x320000, "world")
tb:map(edu, 0x10000, 0x320000, 0x1000, "rw")
eq(edu:dma_read(0x10000, 5), "hello", "IOTLB still holds the old page")
u:invalidate_range(tb:domain_of(edu).did, 0x10000, 0x1000)
eq(edu:dma_read(0x10000, 5), "world", "after page-selective invalidation")
u:qi_enable{ tables = tb }
tb:unmap(edu, 0x10000, 0x1000)
u:invalidate_iotlb{ granularity = "domain", did = tb:domain_of(edu).did }
_, r = edu:dma_read(0x10000, 4)
assert(r ~= "ok")
eq(u:faults()[1].reason, vtd.FR.READ, "read fault after unmap")
u:clear_faults()
else
  mem = vtd.memory_of(m)
  eq(u:read64(vtd.reg.ECAP), 0x0000480080f00fca, "ECAP (scalable, snoop-control, pt)")
  tb = vtd.tables(m, { aw = 39, scalable = true, snoop = true })
  tb:context(edu, { rid_pasid = 0x2345, domain = tb:domain{ did = 3 } })
  u = vtd.enable(m, tb)
  u:qi_enable{ tables = tb, dw = true }
end

-- ------------------------------------------------------------ differential
local rng_state = seed
local function rnd(n)          -- a small LCG: the same sequence everywhere
  rng_state = (rng_state * 6364136223846793005 + 1442695040888963407) & 0x7fffffffffffffff
  return (rng_state >> 20) % n
end

local checked, faults = 0, 0
for round = 1, 200 do
  local iova = ((rnd(1 << 20) + 1) << 12) * (tb.aw == 48 and 1 + rnd(4096) or 1)
  local page = ({ 0x1000, 0x1000, 0x200000 })[rnd(3) + 1]
  iova = iova & ~(page - 1)
  -- the device's address space sends 0xfee00000-0xfeefffff to the
  -- interrupt window before any translation: not for the walk
  if iova + page > 0xfee00000 and iova <= 0xfeefffff then iova = iova + 0x10000000 end
  local pa = 0x2000000 + (rnd(0x40) << 21)
  tb:map(edu, iova, pa, page, ({ "rw", "r", "w" })[rnd(3) + 1], { page = page })
  local what = rnd(6)
  local dom = tb:domain_of(edu)
  local saved = {}
  local function change(a, v) saved[#saved + 1] = { a, tb:read(a) }; tb:write(a, v) end
  if what == 1 then
    local level = math.min((page == 0x1000 and 1 or 2) + rnd(2), dom.levels)
    local a, e = dom:entry(iova, level)
    change(a, e | ({ vtd.SNP, vtd.TM, 1 << 50, 1 << 52 })[rnd(4) + 1])
  elseif what == 2 then
    local ca = tb:context_entry_addr(vtd.bdf(edu))
    if tb.scalable then
      change(ca + 8, tb:read(ca + 8) | ({ 1 << 21, 1 << 40, 0 })[rnd(3) + 1])
    else
      change(ca + 8, tb:read(ca + 8) | ({ 1 << 7, 1 << 30, 3, 0 })[rnd(4) + 1])
    end
  elseif what == 3 then
    local a, e = dom:entry(iova, rnd(2) + (page == 0x1000 and 1 or 2))
    change(a, e & ~3)
  elseif what == 4 then
    -- QEMU 7.2 takes an entry of all ones for a failed read
    local a = dom:entry(iova, rnd(dom.levels) + (page == 0x1000 and 1 or 2))
    if a then change(a, -1) end
  elseif what == 5 and tb.scalable then
    local c = tb.ctx[vtd.bdf(edu)]
    local pe = tb:set_reserved(edu, "pasid", 0, c.rid_pasid)
    change(pe, tb:read(pe) ~ ({ 1, 0x1c0, 0x8 })[rnd(3) + 1])
  end
  u:flush()
  local is_write = rnd(2) == 1
  local want_pa, want_perm = tb:translate(edu, iova + 8, is_write)
  mem:write(pa + 8, "ABCDEFGH")
  local data, res
  if is_write then
    res = edu:dma_write(iova + 8, "abcdefgh")
  else
    data, res = edu:dma_read(iova + 8, 8)
  end
  local recs = u:faults()
  if want_pa then
    eq(res, "ok", string.format("round %d: DMA at 0x%x", round, iova))
    if is_write then eq(mem:read(pa + 8, 8), "abcdefgh", "written")
    else eq(data, "ABCDEFGH", string.format("round %d: read at 0x%x", round, iova)) end
    eq(#recs, 0, string.format("round %d: no fault", round))
  else
    assert(res ~= "ok", string.format("round %d: DMA at 0x%x should fail (reason 0x%x)",
                                      round, iova, want_perm))
    eq(#recs, 1, string.format("round %d: one fault record", round))
    eq(recs[1].reason, want_perm, string.format("round %d: fault reason", round))
    faults = faults + 1
  end
  u:clear_faults()
  for i = #saved, 1, -1 do tb:write(saved[i][1], saved[i][2]) end
  checked = checked + 1
end
u:flush()
print(string.format("vtd-machine (%s): ok (%d differential rounds, %d faults)", mode, checked, faults))
