-- Transactions nest; only the outermost commit renders and tells the
-- listeners (one begin/commit pair for all the changes inside).
local sim = require "iommusim"
local t = require "testlib"

local sys = sim.container("sys", 0x100000)
local as = sim.address_space(sys, "tx")
local log = {}
sim.listener(as, t.recorder(log))
t.clear(log)

local R = {}
for i = 1, 3 do R[i] = sim.ram("R" .. i, 0x1000) end

-- sim.transaction nests; nothing is seen until the outer one ends
assert(sim.transaction_depth() == 0)
local results = { sim.transaction(function(x, y)
  assert(sim.transaction_depth() == 1)
  sys:add(0x0000, R[1])
  sim.transaction(function()
    assert(sim.transaction_depth() == 2)
    sys:add(0x1000, R[2])
  end)
  assert(#log == 0, "inner commit tells nobody")
  t.eq(t.flat(as), {}, "the view is not rendered inside a transaction")
  sys:add(0x2000, R[3])
  return x + y, "done"
end, 40, 2) }
t.eq(results, { 42, "done" }, "sim.transaction returns fn's results")
assert(sim.transaction_depth() == 0)
t.eq(log, { "begin", "region_add R1 0+1000", "region_add R2 1000+1000",
            "region_add R3 2000+1000", "commit" }, "one pass for the whole transaction")

-- sim.begin / sim.commit, nested, mixed with sim.transaction
t.clear(log)
sim.begin()
sim.begin()
R[2]:set_enabled(false)
sim.commit()
assert(#log == 0)
sim.transaction(function() R[3]:set_address(0x3000) end)
assert(#log == 0)
sim.commit()
-- QEMU's order: the del pass first (R2, then old R3), then nop/add
t.eq(log, { "begin", "region_del R2 1000+1000", "region_del R3 2000+1000",
            "region_nop R1 0+1000", "region_add R3 3000+1000", "commit" },
     "begin/commit")

-- a change undone inside the transaction: the listeners hear a nop only
t.clear(log)
sim.transaction(function()
  sys:del(R[1])
  sys:add(0, R[1])
end)
t.eq(log, { "begin", "region_nop R1 0+1000", "region_nop R3 3000+1000", "commit" },
     "undone change")

-- an error inside sim.transaction: the transaction is still closed (and
-- what was changed is committed), then the error goes on
t.clear(log)
local err = t.expect_error("inside", sim.transaction, function()
  R[2]:set_enabled(true)
  error("inside")
end)
assert(err:find("transactions.lua:%d+: inside"), err)
assert(sim.transaction_depth() == 0)
t.eq(log, { "begin", "region_nop R1 0+1000", "region_add R2 1000+1000",
            "region_nop R3 3000+1000", "commit" }, "committed despite the error")

-- a listener error at the outermost commit is raised by the function that
-- committed, after the commit finished
local fail = sim.listener(as, { region_add = function(s)
  if s.name == "R4" then error("listener says no") end
end })
local R4 = sim.ram("R4", 0x1000)
err = t.expect_error("listener says no", sim.transaction, function()
  sys:add(0x8000, R4)
end)
assert(err:find("listener region_add callback of 'lua-listener'", 1, true), err)
assert(sim.transaction_depth() == 0)
assert(t.flat(as)[4] == "8000-8fff R4", "the change is in place")
-- the function's own error wins over a listener's
sys:del(R4)
err = t.expect_error("mine", sim.transaction, function()
  sys:add(0x8000, R4)
  error("mine")
end)
assert(not err:find("listener"), err)
fail:unregister()

-- commit without begin, and bad arguments
t.expect_error("no transaction open", sim.commit)
t.expect_error("bad argument #1", sim.transaction, 42)
t.expect_error("bad argument #1", sim.transaction)
assert(sim.transaction_depth() == 0)

-- a transaction left open by a script is closed at the end (nothing to
-- check from here but that the program exits cleanly)
sim.begin()
sys:add(0x9000, sim.ram("left-open", 0x1000))
print("transactions: ok")
