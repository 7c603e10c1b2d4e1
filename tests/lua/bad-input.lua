-- Bad input from a script gives a clear Lua error naming the argument (or
-- the core's reason), never a crash, and leaves the tree unchanged.
local sim = require "iommusim"
local t = require "testlib"
local E = t.expect_error

local sys = sim.container("sys", sim.UINT64_MAX)
local as = sim.address_space(sys, "bad")
local ram = sim.ram("ram", 0x1000)
sys:add(0, ram)
local before = sim.mtree { disabled = true }

-- wrong types
E("bad argument #1 to 'iommusim.container' (string (region name) expected, got number)",
  sim.container, 1, 2)
E("bad argument #2 to 'iommusim.ram' (integer expected, got string)", sim.ram, "x", "4096")
E("bad argument #2 to 'iommusim.ram' (number has no integer representation)", sim.ram, "x", 1.5)
E("number has no integer representation", sim.container, "x", 2^64)
E("integer expected, got no value", sim.io, "x")
E("table expected, got string", sim.io, "x", 16, "ops")
E("field 'read': function expected, got number", sim.io, "x", 16, { read = 1 })
E("field 'endianness'", sim.io, "x", 16, { endianness = "middle" })
E("unknown option 'reed'", sim.io, "x", 16, { reed = function() end })
E("field 'valid': table expected", sim.io, "x", 16, { valid = 4 })
E("field 'impl.max': access size must be 1, 2, 4 or 8, got 3", sim.io, "x", 16, { impl = { max = 3 } })
E("min access size 8 is larger than max 4", sim.io, "x", 16, { valid = { min = 8 } })
E("iommusim.MemoryRegion expected, got string", sys.add, sys, 0, "ram")
E("iommusim.MemoryRegion expected, got no value", sim.address_space)
E("integer expected, got string", as.read, as, "0", 4)
E("string expected, got number", as.write, as, 0, 42)
E("boolean expected, got number", ram.set_enabled, ram, 1)
E("table expected, got no value", sim.listener, as)
E("iommusim.AddressSpace expected", sim.listener, sys, {})
E("field 'region_add': function expected, got string", sim.listener, as, { region_add = "x" })
E("unknown option 'regoin_add'", sim.listener, as, { regoin_add = function() end })
E("field 'priority' must be in [0, 4294967295], got -1", sim.listener, as, { priority = -1 })
E("field 'backend': expected \"anon\", \"memfd\" or \"file\", got 'disk'",
  sim.ram, "x", 4096, { backend = "disk" })
E("field 'path' is required", sim.ram, "x", 4096, { backend = "file" })
E("field 'max_size' must not be 0 or smaller than size", sim.ram, "x", 8192, { max_size = 4096 })
E("unknown option", as.read, as, 0, 1, { requester = 1 })
E("field 'requester_id': must be in [0, 0xffff]", as.read, as, 0, 1, { requester_id = 0x10000 })

-- sizes of 0 and out-of-range numbers
E("size must not be 0", sim.container, "x", 0)
E("size must not be 0", sim.ram, "x", 0)
E("size must not be 0", sim.rom, "x", 0)
E("size must not be 0", sim.io, "x", 0)
E("size must not be 0", sim.reservation, "x", 0)
E("size must not be 0", sim.rom_device, "x", 0)
E("size must not be 0", sim.alias, "x", ram, 0, 0)
E("size must not be 0", ram.set_size, ram, 0)
E("length must not be negative", as.read, as, 0, -1)
E("length too large to read at once", as.read, as, 0, 1 << 40)
E("length too large to read at once", ram.ram_read, ram, 0, (1 << 30) + 1)
E("byte must be in [0, 255], got 256", as.set, as, 0, 256, 1)
E("priority must be in [-2147483648, 2147483647]", sys.add, sys, 0, sim.ram("p", 4096), 1 << 31)
E("value does not fit in 2 bytes", as.stw_le, as, 0, 0x10000)
E("value does not fit in 1 byte", as.st, as, 0, -129, 1)
assert(as:st(0, -128, 1) == "ok" and as:ldub(0) == 0x80, "negative values are two's complement")
E("ram: ", sim.ram, "huge", 1 << 62)       -- too large to map: the core says why
E("ram: ", sim.ram, "nofile", 4096, { backend = "file", path = "/nonexistent/dir/file" })

-- access widths other than 1, 2, 4, 8
for _, w in ipairs { 0, 3, 5, 16, -1 } do
  E("access width must be 1, 2, 4 or 8", as.ld, as, 0, w)
  E("access width must be 1, 2, 4 or 8", as.st, as, 0, 0, w)
  E("access width must be 1, 2, 4 or 8", ram.dispatch_read, ram, 0, w)
  E("access width must be 1, 2, 4 or 8", ram.access_valid, ram, 0, w, false)
end
E("invalid option 'middle'", as.ld, as, 0, 4, "middle")

-- the tree: adding twice, into itself, cycles, removing a non-child
local box = sim.container("box", 0x10000)
local inner = sim.container("inner", 0x1000)
box:add(0, inner)
E("'inner' is already a subregion of 'box'", sys.add, sys, 0, inner)
E("'inner' is already a subregion of 'box'", box.add, box, 0x2000, inner)
E("would make a cycle", box.add, box, 0, box)
E("would make a cycle", inner.add, inner, 0, box)            -- an ancestor
-- alias cycles: an alias of box placed inside box, and through a chain
local abox = sim.alias("abox", box, 0, 0x1000)
E("would make a cycle", inner.add, inner, 0, abox)
local aabox = sim.alias("aabox", abox, 0, 0x1000)
E("would make a cycle", box.add, box, 0x4000, aabox)
E("is an alias region and cannot hold subregions", abox.add, abox, 0, sim.ram("r", 4096))
-- alias beyond its target
E("reaches past the end of 'ram'", sim.alias, "far", ram, 0x800, 0x1000)
E("reaches past the end of 'ram'", sim.alias, "far", ram, 0x1000, 1)
E("reaches past the end of 'ram'", sim.alias, "far", ram, -1, 2)
E("not an alias", ram.set_alias_offset, ram, 0)
-- removing what is not a child
E("'ram' is not a subregion of 'box'", box.del, box, ram)
E("'inner' is not a subregion of 'sys'", sys.del, sys, inner)

-- the tree is unchanged by all of the above
t.eq(sim.mtree { disabled = true }, before, "tree unchanged")

-- callbacks that fail or return garbage: the access fails with
-- MEMTX_ERROR inside, and the error is raised by the access
local bad = sim.io("bad-dev", 0x100, {
  read = function(addr)
    if addr == 0 then error("read exploded") end
    if addr == 1 then return "0x10" end
    if addr == 2 then return nil end
    if addr == 3 then return 1.5 end
    if addr == 4 then return {} end
    if addr == 5 then return 1, "weird" end
    if addr == 6 then error({ code = 6 }) end
    return 9
  end,
  write = function(addr, v) if addr == 0 then error("write exploded") end end,
})
sys:add(0x10000, bad)
local m = E("MMIO read callback of 'bad-dev': ", as.ldub, as, 0x10000)
assert(m:find("bad%-input%.lua:%d+: read exploded"), m)
E("returned string instead of an integer", as.ldub, as, 0x10001)
E("returned nil instead of an integer", as.ldub, as, 0x10002)
E("returned a number without integer representation instead of an integer", as.ldub, as, 0x10003)
E("returned table instead of an integer", as.ldub, as, 0x10004)
E("returned an invalid MemTxResult (weird)", as.ldub, as, 0x10005)
local ok, obj = pcall(as.ldub, as, 0x10006)
assert(not ok and type(obj) == "table" and obj.code == 6, "error objects pass through")
E("MMIO write callback of 'bad-dev': ", as.stb, as, 0x10000, 1)
E("read exploded", as.read, as, 0x10000, 4)
-- the callback's failure does not break the next access
assert(as:ldub(0x10007) == 9)

-- a listener callback raising an error: the change is made, the error is
-- raised by the call that made it; a failing replay refuses the listener
local n = 0
local l = sim.listener(as, { region_add = function(s)
  n = n + 1
  if s.name == "boom" then error("listener exploded") end
end })
local boom = sim.ram("boom", 0x1000)
m = E("listener region_add callback of 'lua-listener': ", sys.add, sys, 0x20000, boom)
assert(m:find("listener exploded"), m)
assert(boom:container() == sys, "the region was added nonetheless")
local n_before = n
E("listener exploded", sim.listener, as, { region_add = function(s)
  if s.name == "boom" then error("listener exploded") end
end })
sys:add(0x30000, sim.ram("after", 0x1000))
assert(n == n_before + 1, "the refused listener is gone, the first still works")
l:unregister()

-- a mapping used wrongly
local rw = as:map(0, 0x100, false)
E("mapping is read-only", rw.write, rw, 0, "x")
E("outside the mapping", rw.read, rw, 0xf0, 0x20)
rw:unmap()
E("mapping was unmapped", rw.read, rw, 0, 1)
E("length must not be 0", as.map, as, 0, 0, false)

-- a destroyed address space
local as2 = sim.address_space(ram, "short-lived")
as2:destroy()
assert(not as2:alive())
E("address space was destroyed", as2.read, as2, 0, 1)
E("address space was destroyed", as2.destroy, as2)
print("bad-input: ok")
