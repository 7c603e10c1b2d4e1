-- Regions ending at 2^64-1: the last page of the 64-bit space, a region
-- of size 2^64 (sim.UINT64_MAX), accesses up to the last byte, and ranges
-- that would wrap around are refused.
local sim = require "iommusim"
local t = require "testlib"

assert(sim.UINT64_MAX == -1 and sim.UINT64_MAX == 0xffffffffffffffff)

local sys = sim.container("sys", sim.UINT64_MAX)
assert(sys:size() == sim.UINT64_MAX, "2^64 is reported as UINT64_MAX")
local as = sim.address_space(sys, "top")

local last_page = -0x1000          -- 0xfffffffffffff000
local top = sim.ram("top-ram", 0x1000)
sys:add(last_page, top)
local fv = as:flatview()
assert(#fv == 1)
assert(fv[1].start == last_page and fv[1].last == -1 and fv[1].size == 0x1000)
t.eq(t.flat(as), { "fffffffffffff000-ffffffffffffffff top-ram" }, "last page")
assert(sim.mtree { flat = true }:find(
  "  fffffffffffff000-ffffffffffffffff (prio 0, ram): top-ram\n", 1, true))

-- the very last bytes
assert(as:write(-8, "ABCDEFGH") == "ok")
assert(as:read(-8, 8) == "ABCDEFGH")
assert(as:read(-1, 1) == "H")
local v, res = as:ldq_le(-8)
assert(res == "ok" and v == string.unpack("<i8", "ABCDEFGH"))
assert(as:stb(-1, 0x5a) == "ok")
assert(top:ram_read(0xfff, 1) == "Z")
assert(as:access_valid(-0x1000, 0x1000, true))

-- a range that would wrap past 2^64 is an argument error
t.expect_error("wraps around", as.read, as, -4, 8)
t.expect_error("wraps around", as.write, as, -1, "ab")
t.expect_error("wraps around", as.ld, as, -2, 4)
t.expect_error("wraps around", as.set, as, -1, 0, 2)

-- a region of size 2^64 placed at 0 covers everything, and an MMIO region
-- of size 2^64 below the RAM fills every hole up to the last byte
local all = sim.io("all", sim.UINT64_MAX, { read = function(addr) return 7 end })
sys:add(0, all, -1)
local f = as:flatview()
assert(#f == 2)
assert(f[1].name == "all" and f[1].start == 0 and f[1].last == last_page - 1)
assert(f[2].name == "top-ram" and f[2].last == -1)
assert(as:ld(0x123456789abc, 4) == 7)
assert(as:ld(last_page - 4, 4) == 7)

-- a 2^64 region entirely: one flat range whose size prints as UINT64_MAX
local big = sim.container("big", sim.UINT64_MAX)
big:add(0, sim.io("whole", sim.UINT64_MAX, { read = function() return 1 end }))
local as2 = sim.address_space(big, "whole")
local w = as2:flatview()
assert(#w == 1 and w[1].start == 0 and w[1].last == -1 and w[1].size == sim.UINT64_MAX)
assert(sim.mtree { flat = true }:find(
  "  0000000000000000-ffffffffffffffff (prio 0, i/o): whole\n", 1, true))

-- a region placed so that it would run past 2^64 is clipped at the end
local clipped = sim.ram("clipped", 0x2000)
sys:del(top)
sys:add(-0x1000, clipped)
local c = as:flatview()
assert(c[#c].name == "clipped" and c[#c].start == -0x1000 and c[#c].last == -1)
print("end-of-space: ok")
