-- MMIO regions with Lua callbacks: what the callbacks see, what they may
-- return, valid/impl access sizes (QEMU's access_with_adjusted_size),
-- endianness, accepts, attributes, ROM devices and reservations.
local sim = require "iommusim"
local t = require "testlib"

local sys = sim.container("sys", sim.UINT64_MAX)
local as = sim.address_space(sys, "mmio")
local calls = {}
local function rec(kind)
  return function(addr, a, b, attrs)
    if kind == "r" then
      calls[#calls + 1] = string.format("r %x/%d", addr, a)
      return 0x1000 + addr
    end
    calls[#calls + 1] = string.format("w %x=%x/%d", addr, a, b)
  end
end

-- impl max 1: a 4-byte access is split in 4 byte accesses, little endian
local narrow = sim.io("narrow", 0x100, { read = rec("r"), write = rec("w"),
  impl = { max = 1 }, valid = { max = 4 } })
sys:add(0x1000, narrow)
local v, res = as:ldl_le(0x1010)
assert(res == "ok")
t.eq(calls, { "r 10/1", "r 11/1", "r 12/1", "r 13/1" }, "split reads")
assert(v == 0x13121110, string.format("%x", v))
t.clear(calls)
assert(as:stl_le(0x1020, 0xa1b2c3d4) == "ok")
t.eq(calls, { "w 20=d4/1", "w 21=c3/1", "w 22=b2/1", "w 23=a1/1" }, "split writes")

-- valid max 4: an 8-byte load is refused by this region (QEMU gives
-- DECODE_ERROR for an access the ops do not accept)
t.clear(calls)
v, res = as:ldq_le(0x1000)
t.eq(#calls, 0, "no callback for an invalid access")
assert(res == "decode-error", res)

-- impl min 4: a 1-byte access is widened to a 4-byte one at the same
-- address (QEMU 7.2's access_with_adjusted_size does not align it) and
-- the low byte is kept
local wide = sim.io("wide", 0x100, { read = rec("r"), write = rec("w"),
  impl = { min = 4, max = 4 } })
sys:add(0x2000, wide)
t.clear(calls)
v = as:ldub(0x2006)
t.eq(calls, { "r 6/4" }, "widened read")
assert(v == 0x06, string.format("%x", v))

-- big endian device: the bytes of a 4-byte value come out swapped
local be = sim.io("be", 0x10, { endianness = "big",
  read = function(addr, size) return 0x11223344 end, impl = { min = 4, max = 4 } })
sys:add(0x3000, be)
assert(as:read(0x3000, 4) == "\x11\x22\x33\x44")
assert(as:ldl_be(0x3000) == 0x11223344)
assert(as:ldl_le(0x3000) == 0x44332211)

-- results from callbacks: a name or a number as second value
local r = sim.io("results", 0x10, {
  read = function(addr) if addr == 0 then return 1, "access-error" end return 2, 0 end,
  write = function(addr, val) if val == 0xba then return "error" end end,
})
sys:add(0x4000, r)
v, res = as:ldub(0x4000)
assert(v == 1 and res == "access-error")
local name, code = as:stb(0x4001, 0xba)
assert(name == "error" and code == sim.MEMTX_ERROR)
assert(as:stb(0x4001, 1) == "ok")

-- attributes reach the callbacks; accepts can refuse by requester
local seen
local guarded = sim.io("guarded", 0x10, {
  read = function(addr, size, attrs) seen = attrs; return 0x5a end,
  accepts = function(addr, size, is_write, attrs)
    return attrs.unspecified or attrs.requester_id ~= 0x0010
  end,
})
sys:add(0x5000, guarded)
assert(as:ldub(0x5000, { requester_id = 0x0008, secure = true }) == 0x5a)
assert(seen.requester_id == 8 and seen.secure == true and seen.debug == false)
as:ldub(0x5000)
assert(seen.unspecified == true)
v, res = as:ldub(0x5000, { requester_id = 0x0010 })
assert(res == "decode-error" and v == 0)
assert(not guarded:access_valid(0, 1, false, { requester_id = 0x10 }))
assert(guarded:access_valid(0, 1, false))
assert(not as:access_valid(0x5000, 1, false, { requester_id = 0x10 }))

-- direct dispatch to a region, bypassing address spaces
v, res = narrow:dispatch_read(0x40, 2)
assert(res == "ok" and v == 0x4140)
assert(narrow:dispatch_write(0x40, 0xffff, 2) == "ok")

-- a region without callbacks reads 0 and ignores writes
local quiet = sim.io("quiet", 0x10)
sys:add(0x6000, quiet)
v, res = as:ldl_le(0x6000)
assert(v == 0 and res == "ok")
assert(as:stl_le(0x6000, 5) == "ok")

-- a reservation reads as unassigned
local resv = sim.reservation("resv", 0x1000)
assert(resv:type() == "reservation")
sys:add(0x7000, resv)
v, res = as:ldl_le(0x7000)
assert(v == 0 and res == "decode-error")

-- ROM device: reads from its RAM in romd mode, from the read callback
-- otherwise; writes always go to the callbacks
local flash_writes = {}
local flash = sim.rom_device("flash", 0x1000, {
  read = function(addr, size) return 0xee end,
  write = function(addr, val, size) flash_writes[#flash_writes + 1] = val end,
})
flash:ram_write(0, "FLASH")
sys:add(0x8000, flash)
assert(flash:type() == "rom_device" and flash:is_romd() and flash:mtree_type() == "romd")
assert(as:read(0x8000, 5) == "FLASH")
as:stb(0x8000, 0x90)
t.eq(flash_writes, { 0x90 }, "romd writes go to the callback")
assert(as:read(0x8000, 1) == "F", "the write did not change the RAM")
flash:set_romd(false)
assert(not flash:is_romd() and flash:mtree_type() == "i/o")
assert(as:ldub(0x8000) == 0xee)
flash:set_romd(true)
assert(as:ldub(0x8000) == string.byte("F"))
t.expect_error("not a ROM device", narrow.set_romd, narrow, true)

-- callbacks may access memory themselves (re-entrancy)
local ram = sim.ram("scratch", 0x1000)
sys:add(0x10000, ram)
local mirror = sim.io("mirror", 0x100, {
  read = function(addr, size) return (as:ld(0x10000 + addr, size)) end,
  write = function(addr, val, size) as:st(0x10000 + addr, val, size) end,
})
sys:add(0x9000, mirror)
as:stl_le(0x9010, 0xcafe)
assert(ram:ram_read(0x10, 2) == "\xfe\xca")
assert(as:ldl_le(0x9010) == 0xcafe)
print("mmio: ok")
