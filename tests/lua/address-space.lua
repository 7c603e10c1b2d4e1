-- AddressSpace accesses: results, loads and stores, translate, map/unmap
-- with the bounce-buffer budget and map clients, access_valid, attributes.
local sim = require "iommusim"
local t = require "testlib"

local sys = sim.container("sys", sim.UINT64_MAX)
local as = sim.address_space(sys, "accesses")
assert(as:name() == "accesses" and as:root() == sys)
local ram = sim.ram("ram", 0x10000)
sys:add(0x100000, ram)
local regs = {}
local dev = sim.io("dev", 0x1000, {
  read = function(addr, size) return regs[addr] or 0 end,
  write = function(addr, v, size) regs[addr] = v end,
  valid = { max = 8 }, impl = { max = 8 },
})
sys:add(0x200000, dev)

-- read/write return the data, the result name and its number
local data, res, code = as:read(0x100000, 4)
assert(data == "\0\0\0\0" and res == "ok" and code == 0)
res, code = as:write(0x100000, "\1\2\3\4")
assert(res == "ok" and code == sim.MEMTX_OK)
data, res, code = as:read(0x300000, 4)
assert(data == "\0\0\0\0" and res == "decode-error" and code == sim.MEMTX_DECODE_ERROR)
-- a read across RAM and a hole: the results are or-ed, the data is there
data, res = as:read(0x10fffe, 4)
assert(data == "\0\0\0\0" and res == "decode-error")
assert(as:read(0x100000, 0) == "")
assert(sim.result_name(6) == "multiple-errors" and sim.result_name(2) == "decode-error")

-- every load and store, both byte orders
as:write(0x100010, "\x01\x02\x03\x04\x05\x06\x07\x08")
assert(as:ldub(0x100010) == 0x01)
assert(as:lduw_le(0x100010) == 0x0201 and as:lduw_be(0x100010) == 0x0102)
assert(as:ldl_le(0x100010) == 0x04030201 and as:ldl_be(0x100010) == 0x01020304)
assert(as:ldq_le(0x100010) == 0x0807060504030201 and as:ldq_be(0x100010) == 0x0102030405060708)
assert(as:ld(0x100010, 2, "be") == 0x0102 and as:ld(0x100010, 2, "little") == 0x0201)
as:stw_be(0x100020, 0xaabb); assert(as:read(0x100020, 2) == "\xaa\xbb")
as:stl_le(0x100020, 0x11223344); assert(as:read(0x100020, 4) == "\x44\x33\x22\x11")
as:stq_be(0x100020, -2); assert(as:read(0x100020, 8) == "\xff\xff\xff\xff\xff\xff\xff\xfe")
as:st(0x100020, 0x0102, 2, "big"); assert(as:read(0x100020, 2) == "\x01\x02")
local v, r = as:ldq_le(0x100020)
assert(r == "ok" and math.type(v) == "integer")
-- 64-bit values above 2^63 come back negative (same bits)
as:stq_le(0x100030, 0xfedcba9876543210)
assert(as:ldq_le(0x100030) == 0xfedcba9876543210 and as:ldq_le(0x100030) < 0)
-- to MMIO
as:stq_le(0x200008, 0x123456789)
assert(regs[8] == 0x123456789 and as:ldq_le(0x200008) == 0x123456789)
assert(as:set(0x100040, 0xab, 3) == "ok" and as:read(0x100040, 4) == "\xab\xab\xab\0")

-- translate: the terminating region, the offset in it, the length left
local mr, xlat, plen = as:translate(0x100ff0, 0x100, false)
assert(mr == ram and xlat == 0xff0 and plen == 0x100)
mr, xlat, plen = as:translate(0x10fff0, 0x100, false)
assert(mr == ram and xlat == 0xfff0 and plen == 0x10, "clipped to the region")
mr = as:translate(0x300000, 1, false)
assert(mr:name() == "unassigned" or mr:type() == "io", "unassigned space")

-- access_valid
assert(as:access_valid(0x100000, 0x10000, true))
assert(as:access_valid(0x200000, 8, false))

-- map RAM: direct, as long as asked
local m = as:map(0x100000, 0x100, true)
assert(m:len() == 0x100)
m:write(0, "mapped!")
assert(m:read(0, 7) == "mapped!")
assert(ram:ram_read(0, 7) == "mapped!", "a direct mapping is the RAM itself")
m:unmap()
-- a mapping ending at the end of the RAM is shortened
m = as:map(0x10ff00, 0x1000, false)
assert(m:len() == 0x100)
m:unmap()

-- map MMIO: a bounce buffer from the 4096-byte budget
local used, budget = as:bounce_buffer()
assert(used == 0 and budget == 4096)
local b1 = as:map(0x200000, 0x800, false)
assert(b1 and b1:len() == 0x800)
assert(b1:read(8, 8) == string.pack("<i8", 0x123456789), "filled for reading")
local b2 = as:map(0x200000, 0x1000, true)
assert(b2:len() == 0x800, "what is left of the budget")
assert(as:map(0x200000, 8, true) == nil, "budget spent")
assert(select(1, as:bounce_buffer()) == 4096)
-- a map client is told once, when bounce memory is released
local told = 0
as:register_map_client(function() told = told + 1 end)
assert(told == 0)
b2:write(0x10, string.pack("<i8", 77))
b2:unmap(0x18)                          -- written back to the device now
assert(regs[0x10] == 77, "write-back at unmap")
assert(told == 1)
b1:unmap()
assert(told == 1, "once")
assert(select(1, as:bounce_buffer()) == 0)
-- a map client registered while there is room runs at once
as:register_map_client(function() told = told + 10 end)
assert(told == 11)
-- an error in a map client is raised by the call that released memory
local b3 = as:map(0x200000, 4096, false)
as:register_map_client(function() error("client failed") end)
t.expect_error("map client callback: ", b3.unmap, b3)
-- the budget can be changed
as:set_bounce_buffer_budget(8192)
assert(select(2, as:bounce_buffer()) == 8192)
assert(as:map(0x200000, 0x1000, false):len() == 0x1000)

-- address spaces list, in creation order
local as2 = sim.address_space(ram, "second")
local all = sim.address_spaces()
assert(all[#all] == as2 and all[#all - 1] == as)
as2:destroy()
assert(sim.address_spaces()[#sim.address_spaces()] == as)
-- set over a huge unassigned range finishes at once (skipped whole)
local empty = sim.address_space(sim.container("empty", sim.UINT64_MAX), "empty")
assert((empty:set(0x20000, 0, 1 << 40)) == "decode-error")
empty:destroy()
print("address-space: ok")
