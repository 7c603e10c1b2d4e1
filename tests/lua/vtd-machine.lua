-- vtd-machine.lua - iommusim.vtd against the VT-d model on the q35 machine:
-- reset values as QEMU 7.2 gives them, DMA through tables the module
-- builds, invalidation by registers and by the queue, fault records; then
-- a differential run: random mappings and corruptions, everything
-- invalidated, each DMA's outcome (data or fault reason) compared with the
-- module's software walk (tb:translate), which follows QEMU 7.2's checks.
--
-- Exits 77 (skipped) while the machine cannot be built with intel-iommu
-- and an edu device. Usage: iommusim run vtd-machine.lua [SEED]
local root = ((arg and arg[0] or ""):match("^(.*)/[^/]*$") or ".") .. "/../.."  -- the source tree
package.path = root .. "/scripts/lua/?.lua;" .. package.path

local vtd = require "iommusim.vtd"
local seed = tonumber(arg and arg[1] or "") or 7

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
local m, edu, u = build("aw-bits=48,caching-mode=on")
local mem = vtd.memory_of(m)
eq(u:read64(vtd.reg.CAP), 0x00d2008c222f0686, "CAP (QEMU 7.2, aw-bits=48, caching-mode=on)")
eq(u:read64(vtd.reg.ECAP), 0x0000000000f00f4a, "ECAP")
eq(u:read32(vtd.reg.FECTL), 0x80000000, "FECTL after reset")

local tb = vtd.tables(m, { aw = 48 })
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

-- ------------------------------------------------------------ differential
local rng_state = seed
local function rnd(n)          -- a small LCG: the same sequence everywhere
  rng_state = (rng_state * 6364136223846793005 + 1442695040888963407) & 0x7fffffffffffffff
  return (rng_state >> 20) % n
end

local checked, faults = 0, 0
for round = 1, 200 do
  local iova = (rnd(1 << 20) + 1) << 12
  local page = ({ 0x1000, 0x1000, 0x200000 })[rnd(3) + 1]
  iova = iova & ~(page - 1)
  local pa = 0x2000000 + (rnd(0x40) << 21)
  tb:map(edu, iova, pa, page, ({ "rw", "r", "w" })[rnd(3) + 1], { page = page })
  local what = rnd(6)
  local dom = tb:domain_of(edu)
  local saved = {}
  local function change(a, v) saved[#saved + 1] = { a, tb:read(a) }; tb:write(a, v) end
  if what == 1 then
    local level = (page == 0x1000 and 1 or 2) + rnd(2)
    local a, e = dom:entry(iova, level)
    change(a, e | ({ vtd.SNP, vtd.TM, 1 << 50, 1 << 52 })[rnd(4) + 1])
  elseif what == 2 then
    local ca = tb:context_entry_addr(vtd.bdf(edu))
    change(ca + 8, tb:read(ca + 8) | ({ 1 << 7, 1 << 30, 3, 0 })[rnd(4) + 1])
  elseif what == 3 then
    local a, e = dom:entry(iova, rnd(2) + (page == 0x1000 and 1 or 2))
    change(a, e & ~3)
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
    else eq(data, "ABCDEFGH", "read") end
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
print(string.format("vtd-machine: ok (%d differential rounds, %d faults)", checked, faults))
