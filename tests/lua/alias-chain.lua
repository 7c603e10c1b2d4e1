-- Aliases of aliases: each level subtracts its own offset; the flat view
-- names the final RAM with the summed offset; accesses land there.
local sim = require "iommusim"
local t = require "testlib"

local sys = sim.container("sys", sim.UINT64_MAX)
local as = sim.address_space(sys, "aliases")
local ram = sim.ram("ram", 0x10000)
-- fill the RAM with its own offsets (one byte per 0x100 page)
for off = 0, 0xff00, 0x100 do ram:ram_write(off, string.char(off >> 8)) end

local a1 = sim.alias("a1", ram, 0x1000, 0x8000)   -- ram[0x1000, 0x9000)
local a2 = sim.alias("a2", a1, 0x2000, 0x4000)    -- ram[0x3000, 0x7000)
local a3 = sim.alias("a3", a2, 0x800, 0x1000)     -- ram[0x3800, 0x4800)
sys:add(0x100000, a3)
sys:add(0x200000, a2)
t.eq(t.flat(as), { "100000-100fff ram@3800", "200000-203fff ram@3000" },
     "alias chain in the flat view")
assert(as:read(0x100000, 1) == "\x38")
assert(as:read(0x100f00, 1) == "\x47")
assert(as:read(0x203f00, 1) == "\x6f")
-- a write through the chain reaches the RAM
as:write(0x100010, "abc")
assert(ram:ram_read(0x3810, 3) == "abc")

-- queries
local tgt, off = a3:alias()
assert(tgt == a2 and off == 0x800)
assert(a3:type() == "alias" and a3:mtree_type() == "ram")
assert(ram:alias() == nil)

-- the chain in `info mtree`: alias lines name their direct target
local text = sim.mtree {}
assert(text:find("0000000000100000-0000000000100fff (prio 0, ram): alias a3 @a2 " ..
                  "0000000000000800-00000000000017ff", 1, true), text)
assert(text:find("memory-region: a2\n", 1, true), "a2 gets its own section")
assert(text:find("memory-region: a1\n", 1, true), "a1 gets its own section")

-- moving the window of the middle alias moves everything below it
a2:set_alias_offset(0x3000)                       -- a2 = ram[0x4000, 0x8000)
t.eq(t.flat(as), { "100000-100fff ram@4800", "200000-203fff ram@4000" },
     "after set_alias_offset")
assert(as:read(0x100000, 1) == "\x48")

-- an alias window may not reach past its target, now or later
t.expect_error("reaches past the end", a2.set_alias_offset, a2, 0x5000)
t.expect_error("reaches past the end", a3.set_size, a3, 0x4000)
t.expect_error("reaches past the end", sim.alias, "bad", a1, 0x7000, 0x2000)

-- an alias of a container aliases everything in it, holes included
local box = sim.container("box", 0x4000)
box:add(0x1000, sim.alias("box-ram", ram, 0, 0x1000))
sys:add(0x300000, sim.alias("box-window", box, 0x800, 0x2000))
local fv = t.flat(as)
t.eq(fv[3], "300800-3017ff ram", "alias of a container")
assert(#fv == 3)

-- an alias of an alias of the whole root shares the root's view
local whole = sim.alias("whole", sys, 0, sim.UINT64_MAX)
local whole2 = sim.alias("whole2", whole, 0, sim.UINT64_MAX)
local as2 = sim.address_space(whole2, "via-aliases")
t.eq(t.flat(as2), t.flat(as), "whole-root alias chain")
local ftext = sim.mtree { flat = true }
assert(ftext:find(' AS "aliases", root: sys\n AS "via-aliases", root: whole2, alias whole\n',
                  1, true), "shared FlatView:\n" .. ftext)
print("alias-chain: ok")
