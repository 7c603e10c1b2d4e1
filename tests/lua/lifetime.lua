-- Reference counting between Lua and the tree: a region userdata holds a
-- reference, a container holds one on each child, an alias on its target,
-- an address space on its root. Neither side frees what the other uses.
local sim = require "iommusim"
local t = require "testlib"

local function gc() collectgarbage(); collectgarbage() end

local sys = sim.container("sys", sim.UINT64_MAX)
local n0 = sys:refcount()
local as = sim.address_space(sys, "lifetime")
assert(sys:refcount() > n0, "the address space holds a reference")

-- a region known only to the tree survives the collector
do
  local r = sim.ram("orphan", 0x1000)
  r:ram_write(0, "kept")
  local n = r:refcount()
  sys:add(0x1000, r)
  assert(r:refcount() > n, "the container holds a reference")
end
gc()
assert(as:read(0x1000, 4) == "kept")
-- getting it back gives a working object with the same identity each time
local back = sys:children()[1]
assert(back:name() == "orphan" and back == sys:children()[1])
-- removed from the tree, it lives on while Lua holds it
sys:del(back)
assert(back:refcount() == 1 and back:container() == nil)
assert(back:ram_read(0, 4) == "kept")
sys:add(0x2000, back)
back = nil
gc()
assert(as:read(0x2000, 4) == "kept")

-- an alias keeps its target alive although nothing else refers to it
do
  local target = sim.ram("target", 0x1000)
  target:ram_write(0, "tgt!")
  sys:add(0x3000, sim.alias("alias", target, 0, 0x1000))
end
gc()
assert(as:read(0x3000, 4) == "tgt!")
local a = sys:children()[1]
assert(a:name() == "alias")
local tgt = a:alias()
assert(tgt:name() == "target" and tgt:refcount() >= 2)

-- an address space keeps its root alive
do
  local root = sim.container("root2", 0x10000)
  local r = sim.ram("r2", 0x1000)
  r:ram_write(0, "root")
  root:add(0, r)
  sim.address_space(root, "kept-as")
end
gc()
local kept
for _, x in ipairs(sim.address_spaces()) do
  if x:name() == "kept-as" then kept = x end
end
assert(kept, "the address space lives until destroyed")
assert(kept:read(0, 4) == "root")
assert(kept:root():name() == "root2")
kept:destroy()
gc()

-- many short-lived regions: nothing leaks into the tree or the ram list
local blocks = #sim.ram_blocks()
for i = 1, 200 do
  local r = sim.ram("tmp" .. i, 0x1000)
  local c = sim.container("c" .. i, 0x2000)
  c:add(0, r)
  c:add(0x1000, sim.alias("a" .. i, r, 0, 0x1000))
end
gc()
assert(#sim.ram_blocks() == blocks, "RAM of collected regions is freed")

-- a region collected while a callback runs (the core is busy) is released
-- once the access returns
local dev = sim.io("gc-dev", 0x10, { read = function()
  local junk = sim.ram("junk", 0x1000)
  junk = nil
  collectgarbage()
  return 1
end })
sys:add(0x9000, dev)
assert(as:ldub(0x9000) == 1)
gc()
for _, b in ipairs(sim.ram_blocks()) do assert(b.name ~= "junk") end

-- a mapping dropped without unmap is unmapped by the collector
local before = select(1, as:bounce_buffer())
do
  local m = as:map(0x9000, 4, false)  -- MMIO: a bounce buffer
  assert(m and m:len() == 4)
  assert(select(1, as:bounce_buffer()) == before + 4)
end
gc()
assert(select(1, as:bounce_buffer()) == before, "bounce buffer given back")

-- tostring of every kind of object
assert(tostring(sys):find("^MemoryRegion container 'sys'"))
assert(tostring(as):find("^AddressSpace 'lifetime'"))
print("lifetime: ok")
