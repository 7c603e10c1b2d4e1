-- A region as background of its children: a terminating region (RAM or
-- MMIO) with subregions renders its children on top and fills the holes
-- itself (x86's "io" region); a negative-priority sibling does the same
-- from the outside (QEMU's "pci" container at priority -1 under "system").
local sim = require "iommusim"
local t = require "testlib"

local root = sim.container("root", 0x10000)
local as = sim.address_space(root, "background")

-- MMIO with children
local bus = sim.io("bus", 0x100, { read = function(addr) return 0xbb end })
local dev1 = sim.io("dev1", 0x8, { read = function() return 0x11 end })
local dev2 = sim.io("dev2", 0x4, { read = function() return 0x22 end })
bus:add(0x20, dev1)
bus:add(0x60, dev2)
root:add(0, bus)
t.eq(t.flat(as), {
  "0-1f bus", "20-27 dev1", "28-5f bus@28", "60-63 dev2", "64-ff bus@64",
}, "MMIO region as background")
assert(as:ld(0x10, 1) == 0xbb)
assert(as:ld(0x20, 1) == 0x11)
assert(as:ld(0x30, 1) == 0xbb)
assert(as:ld(0x62, 1) == 0x22)
-- the background is seen at its own offsets
local mr, xlat = as:translate(0x30, 1, false)
assert(mr == bus and xlat == 0x30)

-- RAM with a child on top
local ram = sim.ram("bg-ram", 0x4000)
local hole = sim.io("hole", 0x1000, { read = function() return 0x77 end })
ram:add(0x1000, hole)
root:add(0x4000, ram)
ram:ram_write(0, "R")
ram:ram_write(0x2000, "S")
local fv = t.flat(as)
t.eq({ fv[6], fv[7], fv[8] }, { "4000-4fff bg-ram", "5000-5fff hole", "6000-7fff bg-ram@2000" },
     "RAM as background")
assert(as:read(0x4000, 1) == "R" and as:read(0x6000, 1) == "S")
assert(as:ld(0x5000, 1) == 0x77)

-- a low-priority sibling as background of a container's holes
local sys = sim.container("sys", 0x10000)
local as2 = sim.address_space(sys, "background2")
local pci = sim.container("pci", 0x10000)
local pci_bg = sim.io("pci-bg", 0x10000, { read = function() return 0xff end })
sys:add(0, pci, -1)
pci:add(0, pci_bg, -1)
local low = sim.ram("low", 0x2000)
sys:add(0, low)
pci:add(0x8000, sim.io("bar", 0x1000, { read = function() return 0x42 end }))
t.eq(t.flat(as2), { "0-1fff low", "2000-7fff pci-bg@2000", "8000-8fff bar", "9000-ffff pci-bg@9000" },
     "negative priority background")
assert(as2:ld(0x3000, 1) == 0xff)
assert(as2:ld(0x8000, 1) == 0x42)

-- disabling the child shows the background again; disabling the
-- background leaves holes (decode errors)
dev1:set_enabled(false)
assert(as:ld(0x20, 1) == 0xbb)
pci_bg:set_enabled(false)
local v, res = as2:ld(0x3000, 1)
assert(v == 0 and res == "decode-error")
print("background: ok")
