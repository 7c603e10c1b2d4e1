-- clock.lua - the virtual clock from Lua: edu's DMA engine and factorial
-- run on it, and only move when the script steps it.
local sim = require "iommusim"
local t = require "testlib"
local src = os.getenv("IOMMUSIM_SRC") or "."
local m = dofile(src .. "/scripts/machines/q35.lua"){
  ram_size = 256 << 20, devices = { "edu,addr=04.0" } }
local edu, mem = m.devices[1], m.memory
edu:config_write(0x10, 0xfea00000, 4)
edu:config_write(0x04, 0x0006, 2)          -- memory decode + bus master
local BAR = 0xfea00000

-- RAM -> edu buffer: the transfer waits for the clock (QEMU: a 100 ms timer)
local t0 = sim.clock()
mem:write(0x200000, "through the DMA engine")
mem:stq_le(BAR + 0x80, 0x200000)
mem:stq_le(BAR + 0x88, 0x40000)
mem:stq_le(BAR + 0x90, 22)
mem:stq_le(BAR + 0x98, 1)
assert(mem:ldq_le(BAR + 0x98) & 1 == 1, "the transfer must still run")
assert(sim.clock_deadline() == 100000000, "edu arms a 100 ms timer")
sim.clock_step(50000000)                   -- half way: still running
assert(mem:ldq_le(BAR + 0x98) & 1 == 1)
assert(sim.clock_step() == t0 + 100000000) -- to the deadline
assert(mem:ldq_le(BAR + 0x98) & 1 == 0)
assert(sim.clock_deadline() == nil)

-- edu buffer -> RAM
mem:stq_le(BAR + 0x80, 0x40000)
mem:stq_le(BAR + 0x88, 0x300000)
mem:stq_le(BAR + 0x90, 22)
mem:stq_le(BAR + 0x98, 3)
assert(mem:read(0x300000, 22) == string.rep("\0", 22))
sim.clock_step()
assert(mem:read(0x300000, 22) == "through the DMA engine")

-- clock_set: a time in the past changes nothing
local now = sim.clock()
assert(sim.clock_set(now - 1) == now)
assert(sim.clock_set(now + 5) == now + 5)

-- bad input
t.expect_error("must not be negative", sim.clock_step, -1)
t.expect_error("number expected", sim.clock_set, "soon")
print("clock: ok")
