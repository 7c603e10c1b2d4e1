-- Callbacks that come back into the API: MMIO callbacks that remap
-- regions or access memory, listeners that change the map or unregister
-- themselves, errors nested two callbacks deep, garbage collection inside
-- callbacks. Nothing may crash; errors surface where they started.
local sim = require "iommusim"
local t = require "testlib"

local sys = sim.container("sys", sim.UINT64_MAX)
local as = sim.address_space(sys, "reentrant")
local ram = sim.ram("ram", 0x10000)
sys:add(0, ram)

-- a device whose register write moves its own BAR (as a PCI config write
-- does), during the access
local bar = sim.io("bar", 0x100, { read = function(a) return 0xb0 + a end })
sys:add(0x100000, bar)
local ctl = sim.io("ctl", 0x10, {
  write = function(addr, val) bar:set_address(val) end,
})
sys:add(0x200000, ctl)
assert(as:stl_le(0x200000, 0x300000) == "ok")
assert(as:ldub(0x300001) == 0xb1)
local _, res = as:ldub(0x100001)
assert(res == "decode-error", "the old place is gone")

-- a device that removes itself from the tree while it is being read
local selfdel
selfdel = sim.io("selfdel", 0x10, { read = function()
  sys:del(selfdel)
  collectgarbage()
  return 0x55
end })
sys:add(0x400000, selfdel)
assert(as:ldub(0x400000) == 0x55)
_, res = as:ldub(0x400000)
assert(res == "decode-error")
selfdel = nil
collectgarbage()

-- a listener that changes the map from region_add: the outer commit picks
-- the change up (a second round), nothing is lost
local added = {}
local extra = sim.ram("extra", 0x1000)
local l1 = sim.listener(as, { name = "mapper", region_add = function(s)
  added[#added + 1] = s.name
  if s.name == "trigger" and not extra:container() then
    sys:add(0x800000, extra)
  end
end })
t.clear(added)
sys:add(0x700000, sim.ram("trigger", 0x1000))
t.eq(added, { "trigger", "extra" }, "listener-made change")
assert(as:flatview()[#as:flatview()].name == "extra")
l1:unregister()

-- a listener that unregisters itself from its own callback
local count = 0
local selfish
selfish = sim.listener(as, { region_add = function(s)
  count = count + 1
  if s.name == "bye" then selfish:unregister() end
end })
count = 0
sys:add(0x900000, sim.ram("bye", 0x1000))
assert(count == 1 and not selfish:registered())
sys:add(0xa00000, sim.ram("after-bye", 0x1000))
assert(count == 1)
selfish = nil
collectgarbage()

-- an error two callbacks deep: a read callback reads another device whose
-- callback fails; the inner error is inside the outer one's message
local inner = sim.io("inner", 0x10, { read = function() error("deep failure") end })
sys:add(0xb00000, inner)
local outer = sim.io("outer", 0x10, { read = function()
  local v = as:ldub(0xb00000)       -- raises: the outer callback fails too
  return v
end })
sys:add(0xc00000, outer)
local err = t.expect_error("deep failure", as.ldub, as, 0xc00000)
assert(err:find("MMIO read callback of 'outer'", 1, true), err)
assert(err:find("MMIO read callback of 'inner'", 1, true), err)
-- an outer callback that catches the inner error carries on
local careful = sim.io("careful", 0x10, { read = function()
  local ok = pcall(as.ldub, as, 0xb00000)
  return ok and 1 or 2
end })
sys:add(0xd00000, careful)
assert(as:ldub(0xd00000) == 2)

-- destroying an address space from inside a callback is refused
local victim = sim.address_space(ram, "victim")
local destroyer = sim.io("destroyer", 0x10, { read = function()
  victim:destroy()
  return 0
end })
sys:add(0xe00000, destroyer)
t.expect_error("cannot be destroyed from inside a callback", as.ldub, as, 0xe00000)
assert(victim:alive())
victim:destroy()

-- a transaction inside a callback, and a callback inside a transaction
local tx = sim.io("tx", 0x10, { write = function(a, v)
  sim.transaction(function()
    bar:set_address(v)
    bar:set_enabled(true)
  end)
end })
sys:add(0xf00000, tx)
sim.transaction(function()
  as:stl_le(0xf00000, 0x500000)          -- the move is rendered at the end
end)
assert(as:ldub(0x500002) == 0xb2)

-- coroutines: accesses from inside a coroutine, callbacks that resume one
local co = coroutine.wrap(function()
  local v = as:ldub(0x500003)
  coroutine.yield(v)
  as:write(0x10, "from-co")
  return "done"
end)
assert(co() == 0xb3)
assert(co() == "done" and as:read(0x10, 7) == "from-co")
local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)
local counter = sim.io("counter", 0x10, { read = function() return gen() end })
sys:add(0x1000000, counter)
assert(as:ldub(0x1000000) == 1 and as:ldub(0x1000000) == 2)
-- a callback that yields across the core fails cleanly
local yielder = sim.io("yielder", 0x10, { read = function() coroutine.yield(1) end })
sys:add(0x1100000, yielder)
local co2 = coroutine.wrap(function() return as:ldub(0x1100000) end)
t.expect_error("yield across", co2)
print("reentrancy: ok")
