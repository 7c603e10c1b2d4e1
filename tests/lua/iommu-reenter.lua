local sim = require "iommusim"
local t = require "testlib"
local sys = sim.container("sys", sim.UINT64_MAX)
sys:add(0, sim.ram("ram", 0x100000))
local mem = sim.address_space(sys, "memory")
local s = sim.scripted_iommu{ name = "re" }
local depth, log = 0, {}
local n = s:notifier{ fn = function(ev, self)
  log[#log + 1] = ev.type .. string.format(" %x", ev.iova)
  if ev.type == "map" and ev.iova == 0x1000 and depth == 0 then
    depth = 1
    s:unmap(0x1000, 0x1000)       -- nested change from inside an event
    s:map(0x9000, mem, 0, 0x1000, "rw")
    depth = 0
  end
end }
s:map(0x1000, mem, 0x2000, 0x2000, "rw")
print(table.concat(log, ", "))
assert(#s:mappings() == 2, t.show(s:mappings()))
-- an erroring notifier: the map happens, the error is raised afterwards
local bad = s:notifier{ flags = "unmap", fn = function() error("nope") end }
t.expect_error("nope", s.unmap, s, 0, sim.UINT64_MAX)
assert(#s:mappings() == 0)
bad:unregister()
-- a notifier collected while registered stays alive (anchored)
do s:notifier{ fn = function() log[#log+1] = "anchored" end } end
collectgarbage(); collectgarbage()
log = {}
s:map(0x20000, mem, 0, 0x1000, "rw")
assert(log[1] == "anchored", t.show(log))
-- an unregistered, unreferenced notifier is collected without trouble
do local x = s:notifier{ fn = print }; x:unregister() end
collectgarbage(); collectgarbage()
-- a region dropped by the script while notifiers hold it
local s2 = sim.scripted_iommu{ name = "short", size = 0x100000 }
local n2 = s2:notifier{ fn = function() end }
s2 = nil
collectgarbage(); collectgarbage()
assert(n2:registered())
assert(n2:region():name() == "short")
n2:unregister()
n2:replay()
-- translate function erroring inside get_iotlb_entry
local e = sim.scripted_iommu{ name = "err", translate = function() error("xl") end }
local r = sim.container("r", sim.UINT64_MAX); r:add(0, e:region())
local as = sim.address_space(r, "eas")
t.expect_error("xl", as.get_iotlb_entry, as, 0)
t.expect_error("xl", e.translate, e, 0, "ro")
-- translate function mapping during translation (reentrant change)
local m2
m2 = sim.scripted_iommu{ name = "m2", translate = function(iova)
  m2:map(iova & ~0xfff, mem, 0, 0x1000, "rw")
  return { target_as = mem, addr = 0 } end }
local r2 = sim.container("r2", sim.UINT64_MAX); r2:add(0, m2:region())
local as2 = sim.address_space(r2, "as2")
assert(as2:write(0x5000, "hi") == "ok")
assert(#m2:mappings() == 1)
print("reenter.lua: all passed")
