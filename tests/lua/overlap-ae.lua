-- The A-E overlap example of QEMU's docs/devel/memory.rst ("Overlapping
-- regions and priority"). Expected maps are worked out from the rules in
-- that text, not taken from iommusim's output:
--   A: container, size 0x8000
--   C: MMIO at 0x0, size 0x6000, priority 1
--   B: container at 0x2000, size 0x4000, priority 2, holding
--      D (0x1000 at 0) and E (0x1000 at 0x2000)
-- seen:  [CCCCCCCCCCCC][DDDDD][CCCCC][EEEEE][CCCCC]
-- and, when B has its own MMIO ops (it is not a pure container):
--        [CCCCCCCCCCCC][DDDDD][BBBBB][EEEEE][BBBBB]
local sim = require "iommusim"
local t = require "testlib"

local function tagged(name, size, tag)
  return sim.io(name, size, { read = function() return tag end })
end

local function build(b_is_mmio)
  local A = sim.container("A", 0x8000)
  local C = tagged("C", 0x6000, 0xc)
  local B = b_is_mmio and tagged("B", 0x4000, 0xb) or sim.container("B", 0x4000)
  local D = tagged("D", 0x1000, 0xd)
  local E = tagged("E", 0x1000, 0xe)
  B:add(0x0000, D)
  B:add(0x2000, E)
  A:add(0x0000, C, 1)
  A:add(0x2000, B, 2)
  return A, sim.address_space(A, b_is_mmio and "ae-mmio" or "ae")
end

-- 1. B is a pure container: C shows through B's holes
local A, as = build(false)
t.eq(t.flat(as), {
  "0-1fff C",
  "2000-2fff D",
  "3000-3fff C@3000",
  "4000-4fff E",
  "5000-5fff C@5000",
}, "A-E with B a container")

-- the same through accesses: which region answers each 0x1000 page
local seen = {}
for page = 0, 7 do
  local v, res = as:ld(page * 0x1000 + 0x10, 4)
  seen[#seen + 1] = res == "ok" and string.format("%x", v) or res
end
t.eq(seen, { "c", "c", "d", "c", "e", "c", "decode-error", "decode-error" },
     "A-E accesses")

-- the flat view as `info mtree -f` prints it (QEMU 7.2 format)
local text = sim.mtree { flat = true }
local block = text:match('FlatView #%d+\n AS "ae", root: A\n(.-)\n\n')
assert(block, "no FlatView for 'ae' in:\n" .. text)
t.eq(block, table.concat({
  " Root memory region: A",
  "  0000000000000000-0000000000001fff (prio 1, i/o): C",
  "  0000000000002000-0000000000002fff (prio 0, i/o): D",
  "  0000000000003000-0000000000003fff (prio 1, i/o): C @0000000000003000",
  "  0000000000004000-0000000000004fff (prio 0, i/o): E",
  "  0000000000005000-0000000000005fff (prio 1, i/o): C @0000000000005000",
}, "\n"), "info mtree -f of A-E")

-- 2. B has its own MMIO ops: B fills its own holes, C shows nowhere in B
local A2, as2 = build(true)
t.eq(t.flat(as2), {
  "0-1fff C",
  "2000-2fff D",
  "3000-3fff B@1000",
  "4000-4fff E",
  "5000-5fff B@3000",
}, "A-E with B an MMIO region")
local v = as2:ld(0x3000, 4)
assert(v == 0xb, "B answers its own holes")

-- 3. swap the priorities of B and C: C (an MMIO region, terminating) now
-- covers [0, 0x6000) entirely; B is visible only above C
local B = A:children()[1]
assert(B:name() == "B" and B:priority() == 2)
B:set_priority(0)
t.eq(t.flat(as), { "0-5fff C" }, "B below C")
-- and moving B up so that only part of it is under C
B:set_address(0x5000)
t.eq(t.flat(as), { "0-5fff C", "7000-7fff E" }, "B partly under C")

-- 4. priorities are local to a container: D and E's priorities are never
-- compared with C's, a huge priority inside B changes nothing
B:set_address(0x2000)
B:set_priority(2)
local D = B:children()[2]
assert(D:name() == "D")
B:del(D)
B:add(0, D, -1000)
t.eq(t.flat(as), {
  "0-1fff C", "2000-2fff D", "3000-3fff C@3000", "4000-4fff E", "5000-5fff C@5000",
}, "priorities are local")
print("overlap-ae: ok")
