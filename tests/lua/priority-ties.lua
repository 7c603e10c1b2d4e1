-- Priority ties: among siblings of equal priority the one added later wins
-- where they overlap (QEMU keeps the newest first among equals); a higher
-- priority always wins; moving a region (set_address) re-adds it, so it
-- becomes the newest of its priority.
local sim = require "iommusim"
local t = require "testlib"

local root = sim.container("root", 0x10000)
local as = sim.address_space(root, "ties")
local X = t.mmio(sim, "X", 0x4000)
local Y = t.mmio(sim, "Y", 0x4000)

-- equal priority 0 (both with add_subregion_overlap semantics)
root:add(0x0000, X, 0)
root:add(0x2000, Y, 0)
t.eq(t.flat(as), { "0-1fff X", "2000-5fff Y" }, "later add wins")
t.eq({ root:children()[1]:name(), root:children()[2]:name() }, { "Y", "X" },
     "newest first among equals")

-- remove and re-add X: now X is the newer one
root:del(X)
root:add(0x0000, X, 0)
t.eq(t.flat(as), { "0-3fff X", "4000-5fff Y@2000" }, "re-added X wins")

-- moving Y re-inserts it as the newest
Y:set_address(0x3000)
t.eq(t.flat(as), { "0-2fff X", "3000-6fff Y" }, "moved Y is newest")

-- plain add (no priority) is priority 0 too, and the tie rule is the same
local Z = t.mmio(sim, "Z", 0x1000)
root:add(0x2800, Z)
assert(Z:priority() == 0 and not Z:may_overlap())
assert(X:may_overlap())
t.eq(t.flat(as), { "0-27ff X", "2800-37ff Z", "3800-6fff Y@800" }, "plain add")
root:del(Z)

-- a higher priority wins regardless of order
X:set_priority(1)
t.eq(t.flat(as), { "0-3fff X", "4000-6fff Y@1000" }, "priority 1 beats newer 0")
-- negative priorities go below
X:set_priority(-1)
t.eq(t.flat(as), { "0-2fff X", "3000-6fff Y" }, "priority -1 below 0")

-- three-way tie: the order of adding decides, newest on top
local R = sim.container("R", 0x1000)
local as2 = sim.address_space(R, "tie3")
local P = {}
for i = 1, 3 do
  P[i] = t.mmio(sim, "P" .. i, 0x1000 - (i - 1) * 0x400)
  R:add(0, P[i], 5)
end
-- P3 (0x800 long) newest, then P2 (0xc00), then P1 (0x1000)
t.eq(t.flat(as2), { "0-7ff P3", "800-bff P2@800", "c00-fff P1@c00" }, "three-way tie")
local names = {}
for _, c in ipairs(R:children()) do names[#names + 1] = c:name() end
t.eq(names, { "P3", "P2", "P1" }, "children order")
print("priority-ties: ok")
