-- mtree-q35.lua RAM_MIB BIOS TRACE [DEVICE...]: build the q35 machine of
-- scripts/machines/q35.lua with -device strings, apply the outl/outw/outb
-- lines of a qtest TRACE (PCI configuration, as firmware would) and print
-- `info mtree -f`. tests/oracle/mtree-oracle.sh compares the flat view of
-- the system address space with QEMU 7.2's for the same machine.
local sim = require "iommusim"
local here = arg[0]:match("^(.*)/[^/]*$") or "."
local build = dofile(here .. "/../../scripts/machines/q35.lua")
local devices = {}
for i = 4, #arg do devices[#devices + 1] = arg[i] end
local m = build({ ram_size = tonumber(arg[1]) << 20, bios = arg[2],
                  devices = devices })
local width = { outb = 1, outw = 2, outl = 4 }
for line in io.lines(arg[3]) do
  local cmd, a, v = line:match("^(%w+) (%S+) (%S+)")
  if width[cmd] then
    local size = width[cmd]
    m.io_as:st(math.tointeger(tonumber(a)), math.tointeger(tonumber(v)), size)
  end
end
io.write(sim.mtree({ flat = true }))
