-- Dirty bitmaps: a new RAM block is dirty for every client; a write marks
-- the pages it touches dirty for the clients logging on the region (VGA or
-- CODE per region with set_log, MIGRATION for all RAM while global dirty
-- logging runs), whatever path the write takes.
local sim = require "iommusim"
local t = require "testlib"

local P = sim.page_size()
assert(P >= 4096 and P & (P - 1) == 0)
local sys = sim.container("sys", sim.UINT64_MAX)
local as = sim.address_space(sys, "dirty")
local ram = sim.ram("vram", 16 * P)
sys:add(0x100000, ram)
local base = 0x100000

-- a new block is all dirty, for every client
for _, c in ipairs { "vga", "code", "migration" } do
  assert(ram:get_dirty(0, 16 * P, c), c)
  assert(ram:dirty_pages(c) == 16)
end
-- test_and_clear reports and clears, per client
assert(ram:test_and_clear_dirty(0, 16 * P, "vga"))
assert(not ram:get_dirty(0, 16 * P, "vga"))
assert(ram:get_dirty(0, P, "code"), "other clients keep their bits")
ram:reset_dirty(0, 16 * P, "code")
ram:reset_dirty(0, 16 * P, sim.DIRTY_MEMORY_MIGRATION)
for _, c in ipairs { "vga", "code", "migration" } do assert(ram:dirty_pages(c) == 0) end

-- not logging: writes leave no dirty bits
as:write(base, "x")
assert(ram:dirty_pages("vga") == 0 and ram:dirty_pages("migration") == 0)

-- VGA logging on the region: every write path marks its pages for VGA only
ram:set_log(true, "vga")
assert(ram:is_logging("vga") and not ram:is_logging("code"))
assert(ram:dirty_log_mask() == 1)

local function dirty_pages_after(fn)
  ram:reset_dirty(0, 16 * P, "vga")
  fn()
  local pages = {}
  for i = 0, 15 do
    if ram:get_dirty(i * P, P, "vga") then pages[#pages + 1] = i end
  end
  assert(ram:dirty_pages("migration") == 0, "no MIGRATION bits without global logging")
  return pages
end

t.eq(dirty_pages_after(function() as:write(base + P - 1, "ab") end), { 0, 1 }, "write")
t.eq(dirty_pages_after(function() as:stl_le(base + 3 * P, 1) end), { 3 }, "stl")
t.eq(dirty_pages_after(function() as:st(base + 4 * P + 4, 7, 8, "be") end), { 4 }, "st")
t.eq(dirty_pages_after(function() as:set(base + 5 * P, 0xff, 2 * P) end), { 5, 6 }, "set")
t.eq(dirty_pages_after(function() as:write_rom(base + 7 * P, "fw") end), { 7 }, "write_rom")
t.eq(dirty_pages_after(function() ram:ram_write(8 * P, "host") end), { 8 }, "ram_write")
t.eq(dirty_pages_after(function()
  local m = as:map(base + 9 * P, P, true)
  m:write(0, "dma")
  m:unmap()
end), { 9 }, "map/unmap")
t.eq(dirty_pages_after(function()
  local m = as:map(base + 10 * P, 2 * P, true)
  m:unmap(0)                   -- nothing written: nothing dirty
end), {}, "unmap with access_len 0")
t.eq(dirty_pages_after(function() as:read(base, 16 * P) end), {}, "reads")

-- writes through an alias dirty the RAM behind it
local window = sim.alias("window", ram, 12 * P, 2 * P)
sys:add(0x900000, window)
t.eq(dirty_pages_after(function() as:write(0x900000 + P, "via alias") end), { 13 }, "alias")

-- global dirty logging adds MIGRATION for every RAM region
sim.global_dirty_log_start()
assert(ram:is_logging("migration") and ram:dirty_log_mask() == 5)
ram:reset_dirty(0, 16 * P, "migration")
as:write(base + 2 * P, "m")
assert(ram:get_dirty(2 * P, 1, "migration") and ram:dirty_pages("migration") == 1)
sim.global_dirty_log_stop()
assert(not ram:is_logging("migration"))
ram:set_log(false, "vga")
ram:reset_dirty(0, 16 * P, "vga")
as:write(base, "quiet")
assert(ram:dirty_pages("vga") == 0)

-- set_dirty marks for the clients logging on the region
ram:set_log(true, "code")
ram:set_dirty(P, 1)
assert(ram:get_dirty(P, 1, "code") and not ram:get_dirty(P, 1, "vga"))
ram:set_log(false, "code")

-- a resizeable block: the grown part is dirty for every client
local grow = sim.ram("grow", 2 * P, { max_size = 8 * P })
for _, c in ipairs { "vga", "code", "migration" } do grow:reset_dirty(0, 2 * P, c) end
grow:ram_resize(4 * P)
assert(grow:size() == 4 * P)
assert(grow:get_dirty(2 * P, 2 * P, "vga") and grow:get_dirty(3 * P, 1, "migration"))

-- bad arguments
t.expect_error("outside region", ram.get_dirty, ram, 16 * P, 1, "vga")
t.expect_error("outside region", ram.get_dirty, ram, 0, 17 * P, "vga")
t.expect_error("length must not be 0", ram.get_dirty, ram, 0, 0, "vga")
t.expect_error("invalid option 'dram'", ram.get_dirty, ram, 0, 1, "dram")
t.expect_error("must be in [0, 2]", ram.get_dirty, ram, 0, 1, 3)
t.expect_error("global", ram.set_log, ram, true, "migration")
t.expect_error("not a RAM", ram.get_dirty, sys, 0, 1, "vga")
t.expect_error("boolean expected", ram.set_log, ram, 1, "vga")
print("dirty: ok")
