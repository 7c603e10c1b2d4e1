-- MemoryListener event sequences, as QEMU 7.2's memory.c produces them:
--  * registering replays the current map: begin, [log_global_start],
--    region_add (+ log_start for logged ranges) per range, commit;
--  * every commit calls begin and commit of every listener (ascending
--    priority) and gives each listener of each address space a pass of
--    region_del for ranges that went away, then a pass of region_nop /
--    region_add; add-type callbacks go in ascending priority, del-type
--    (region_del, log_stop, log_global_stop) in descending;
--  * unregistering tells begin, region_del per range, commit.
local sim = require "iommusim"
local t = require "testlib"

local sys = sim.container("sys", 0x100000)
local as = sim.address_space(sys, "listened")
local A = sim.ram("A", 0x1000)
local B = sim.ram("B", 0x1000)
sys:add(0x0000, A)
sys:add(0x4000, B)

local log = {}
-- registered in the "wrong" order: b (priority 10) first, then a (0)
local lb = sim.listener(as, t.recorder(log, "b", { priority = 10, name = "b" }))
t.eq(log, { "b:begin", "b:region_add A 0+1000", "b:region_add B 4000+1000", "b:commit" },
     "replay on register")
t.clear(log)
local la = sim.listener(as, t.recorder(log, "a", { priority = 0, name = "a" }))
t.eq(log, { "a:begin", "a:region_add A 0+1000", "a:region_add B 4000+1000", "a:commit" },
     "replay only to the new listener")
assert(la:priority() == 0 and lb:priority() == 10 and la:name() == "a")
assert(la:registered() and la:address_space() == as)

-- adding a region: nop for what stayed, add for the new range, in
-- ascending priority; begin/commit around it, ascending
t.clear(log)
local C = sim.ram("C", 0x1000)
sys:add(0x1000, C)
t.eq(log, {
  "a:begin", "b:begin",
  "a:region_nop A 0+1000", "b:region_nop A 0+1000",
  "a:region_add C 1000+1000", "b:region_add C 1000+1000",
  "a:region_nop B 4000+1000", "b:region_nop B 4000+1000",
  "a:commit", "b:commit",
}, "add a region")

-- the del pass runs over the whole old view before the add pass: remove
-- B (at 0x4000) and add D (at 0x2000, before B) in one transaction
t.clear(log)
local D = sim.ram("D", 0x800)
sim.transaction(function()
  sys:del(B)
  sys:del(C)
  sys:add(0x1000, C)        -- same range again: a nop, not del + add
  sys:add(0x2000, D)
end)
t.eq(log, {
  "a:begin", "b:begin",
  "b:region_del B 4000+1000", "a:region_del B 4000+1000",
  "a:region_nop A 0+1000", "b:region_nop A 0+1000",
  "a:region_nop C 1000+1000", "b:region_nop C 1000+1000",
  "a:region_add D 2000+800", "b:region_add D 2000+800",
  "a:commit", "b:commit",
}, "del pass before add pass")

-- a changed range is deleted and added again (size change of A)
t.clear(log)
sys:del(D)
t.clear(log)
A:set_size(0x800)
t.eq(log, {
  "a:begin", "b:begin",
  "b:region_del A 0+1000", "a:region_del A 0+1000",
  "a:region_add A 0+800", "b:region_add A 0+800",
  "a:region_nop C 1000+1000", "b:region_nop C 1000+1000",
  "a:commit", "b:commit",
}, "changed range")

-- dirty logging: log_start ascending after the nop, log_stop descending
t.clear(log)
C:set_log(true, "vga")
t.eq(log, {
  "a:begin", "b:begin",
  "a:region_nop A 0+800", "b:region_nop A 0+800",
  "a:region_nop C 1000+1000", "b:region_nop C 1000+1000",
  "a:log_start C 1000+1000 0,1", "b:log_start C 1000+1000 0,1",
  "a:commit", "b:commit",
}, "log_start")
t.clear(log)
sim.sync_dirty_bitmap(C)
t.eq(log, { "a:log_sync C 1000+1000", "b:log_sync C 1000+1000" }, "log_sync")
t.clear(log)
C:set_log(false, "vga")
t.eq(log, {
  "a:begin", "b:begin",
  "a:region_nop A 0+800", "b:region_nop A 0+800",
  "a:region_nop C 1000+1000", "b:region_nop C 1000+1000",
  "b:log_stop C 1000+1000 1,0", "a:log_stop C 1000+1000 1,0",
  "a:commit", "b:commit",
}, "log_stop")

-- global dirty logging: log_global_start ascending, then every RAM range
-- starts logging for MIGRATION (mask 4): the ranges are equal (QEMU's
-- flatrange_equal ignores the log mask), so each gets region_nop then
-- log_start; stopping goes in reverse
t.clear(log)
sim.global_dirty_log_start()
assert(sim.global_dirty_log_enabled())
t.eq(log, {
  "a:log_global_start", "b:log_global_start",
  "a:begin", "b:begin",
  "a:region_nop A 0+800", "b:region_nop A 0+800",
  "a:log_start A 0+800 0,4", "b:log_start A 0+800 0,4",
  "a:region_nop C 1000+1000", "b:region_nop C 1000+1000",
  "a:log_start C 1000+1000 0,4", "b:log_start C 1000+1000 0,4",
  "a:commit", "b:commit",
}, "global log start")
t.clear(log)
-- a listener registered while logging hears log_global_start and log_start
local log2 = {}
local lc = sim.listener(as, t.recorder(log2, "c", { priority = 5 }))
t.eq(log2, {
  "c:begin", "c:log_global_start",
  "c:region_add A 0+800", "c:log_start A 0+800 0,4",
  "c:region_add C 1000+1000", "c:log_start C 1000+1000 0,4",
  "c:commit",
}, "replay while logging")
lc:unregister()
t.eq(#log, 0, "registering c told a and b nothing")
t.clear(log2)
sim.global_dirty_log_stop()
assert(log[#log] == "a:log_global_stop" and log[#log - 1] == "b:log_global_stop",
       "log_global_stop runs last, in descending priority")
assert(#log2 == 0, "an unregistered listener hears nothing")

-- unregister: begin, region_del per range, commit (to that listener only)
t.clear(log)
lb:unregister()
t.eq(log, { "b:begin", "b:region_del A 0+800", "b:region_del C 1000+1000", "b:commit" },
     "unregister")
assert(not lb:registered())
t.expect_error("not registered", lb.unregister, lb)
t.clear(log)
sys:del(A)
t.eq(log, { "a:begin", "a:region_del A 0+800", "a:region_nop C 1000+1000", "a:commit" },
     "only a is left")

-- listeners of another address space hear nops of their own view on each
-- commit, even if the change was elsewhere
local other_root = sim.container("other", 0x10000)
other_root:add(0, sim.ram("O", 0x1000))
local as2 = sim.address_space(other_root, "other")
local log3 = {}
sim.listener(as2, t.recorder(log3, "o"))
t.clear(log3)
sys:add(0x4000, sim.ram("E", 0x1000))
t.eq(log3, { "o:begin", "o:region_nop O 0+1000", "o:commit" }, "other address space")

-- destroying an address space unregisters its listeners (with region_del)
t.clear(log)
as:destroy()
t.eq(log, { "a:begin", "a:region_del C 1000+1000", "a:region_del E 4000+1000", "a:commit" },
     "destroy")
assert(not la:registered())
print("listeners: ok")
