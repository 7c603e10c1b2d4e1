-- Stock lua5.4 loads the module from the build directory (LUA_CPATH).
local sim = require "iommusim"
assert(type(sim.version) == "string")
assert(sim.UINT64_MAX == -1)
local sys = sim.container("system", sim.UINT64_MAX)
local ram = sim.ram("ram", 0x10000)
sys:add(0, ram)
local as = sim.address_space(sys, "memory")
assert(as:write(0x10, "lua5.4") == "ok")
assert(as:read(0x10, 6) == "lua5.4")
local events = 0
sim.listener(as, { region_add = function() events = events + 1 end })
assert(events == 1)
sys:add(0x100000, sim.io("dev", 0x10, { read = function() return 0x42 end }))
assert(events == 2 and as:ldub(0x100000) == 0x42)
assert(sim.mtree { flat = true }:find("pc.ram") == nil)
assert(sim.mtree { flat = true }:find("(prio 0, ram): ram", 1, true))
-- the same module object on a second require
assert(require "iommusim" == sim)
print("module: ok")
