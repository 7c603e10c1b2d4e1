-- Readonly is inherited downwards: a readonly alias or container makes
-- every range below it read-only in the flat view (it renders as "rom",
-- listeners see section.readonly). As in QEMU 7.2, that flag is for the
-- CPU and for listeners (KVM, VFIO): address_space_write, which DMA uses,
-- decides by the target region itself (memory_access_is_direct), so a
-- write through a readonly alias of RAM still reaches the RAM, while a
-- write to a ROM region is ignored (MEMTX_OK).
local sim = require "iommusim"
local t = require "testlib"

local sys = sim.container("sys", sim.UINT64_MAX)
local as = sim.address_space(sys, "ro")
local ram = sim.ram("ram", 0x4000)
ram:ram_write(0, "ramdata!")
local sections = {}
sim.listener(as, { region_add = function(s) sections[s.name] = s.readonly end })

-- a readonly alias of RAM (QEMU's pam-rom)
local ro = sim.alias("ram-ro", ram, 0, 0x1000)
ro:set_readonly(true)
sys:add(0x10000, ro)
local fv = as:flatview()
assert(fv[1].readonly and fv[1].type == "rom" and fv[1].name == "ram")
assert(sections.ram == true, "listeners see the inherited readonly")
assert(ro:mtree_type() == "ram", "the tree prints the target's type")
assert(sim.mtree { flat = true }:find(
  "  0000000000010000-0000000000010fff (prio 0, rom): ram\n", 1, true))
-- QEMU: the target (pc.ram) is not readonly, the write is direct
assert(as:write(0x10000, "XXXX") == "ok")
assert(ram:ram_read(0, 8) == "XXXXata!")

-- a readonly container makes all its RAM children readonly, at any depth
local box = sim.container("box", 0x10000)
box:set_readonly(true)
local r1 = sim.ram("r1", 0x1000)
local inner = sim.container("inner", 0x2000)
local r2 = sim.ram("r2", 0x1000)
inner:add(0x1000, r2)
box:add(0, r1)
box:add(0x4000, inner)
sys:add(0x100000, box)
t.eq(t.flat(as), { "10000-10fff ram ro", "100000-100fff r1 ro", "105000-105fff r2 ro" },
     "inherited readonly")
assert(sections.r1 == true and sections.r2 == true)

-- readonly off again: the ranges are plain RAM
box:set_readonly(false)
t.eq(t.flat(as), { "10000-10fff ram ro", "100000-100fff r1", "105000-105fff r2" },
     "readonly cleared")
assert(sections.r1 == false, "listeners were told")

-- a ROM region is readonly itself: a write does not change it (QEMU 7.2
-- dispatches it to the region's unassigned ops, which refuse it with
-- MEMTX_DECODE_ERROR), loading firmware (write_rom) works
local rom = sim.rom("bios", 0x1000)
assert(rom:type() == "rom" and rom:is_rom() and rom:readonly())
rom:ram_write(0, "BIOS")
sys:add(0x200000, rom)
assert(as:write(0x200000, "hack") == "decode-error")
assert(as:read(0x200000, 4) == "BIOS")
assert(as:write_rom(0x200000, "BOOT") == "ok")
assert(as:read(0x200000, 4) == "BOOT")
-- a RAM region made readonly behaves as ROM
r1:set_readonly(true)
assert(r1:type() == "rom")
as:write(0x100000, "zz")
assert(r1:ram_read(0, 2) == "\0\0")
local mr, xlat = as:translate(0x200002, 1, true)
assert(mr == rom and xlat == 2)

-- MMIO below a readonly container is still writable (readonly is for RAM)
local mmio_written
local dev = sim.io("dev", 0x10, { write = function(a, v) mmio_written = v end })
box:set_readonly(true)
box:add(0x8000, dev)
assert(as:stl_le(0x108000, 0x1234) == "ok")
assert(mmio_written == 0x1234)
print("readonly: ok")
