-- q35-machine.lua: scripts/machines/q35.lua from Lua (`iommusim run`):
-- the RAM split for several sizes, PAM and PCIEXBAR programmed through the
-- MCH's config space change the memory map as in QEMU, platform regions
-- record their accesses, -device errors read like QEMU's, an edu device
-- does DMA through its bus master address space.
local sim = require "iommusim"
local here = arg[0]:match("^(.*)/[^/]*$") or "."
local build = dofile(here .. "/../../scripts/machines/q35.lua")
local MiB, GiB = 1 << 20, 1 << 30

local function check(cond, msg)
  if not cond then error(msg or "check failed", 2) end
end

-- RAM split (pc_q35_init): below/above 4 GiB
for _, c in ipairs({ { 256 * MiB, 256 * MiB, 0 },
                     { 2815 * MiB, 2815 * MiB, 0 },   -- just below 0xb0000000
                     { 0xb0000000, 0x80000000, 0x30000000 },
                     { 5 * GiB, 0x80000000, 3 * GiB } }) do
  local m = build({ ram_size = c[1] })
  check(m.below_4g == c[2] and m.above_4g == c[3],
        string.format("split of %#x: %#x + %#x", c[1], m.below_4g, m.above_4g))
  m = nil
  collectgarbage()
end

local m = build({ ram_size = 256 * MiB, devices = { "edu,addr=04.0" } })
local mem, io = m.memory, m.io_as

-- PAM: after reset 0xf0000 reads the BIOS (zeros here), RAM when PAM0 = 3
m.ram:ram_write(0xf0000, "ram!")
check(mem:read(0xf0000, 4) == "\0\0\0\0", "PAM 0: the BIOS")
io:stl_le(0xcf8, 0x80000090)
io:stb(0xcfc, 0x30)
check(mem:read(0xf0000, 4) == "ram!", "PAM 3: RAM")
io:stb(0xcfc, 0x10)                       -- "read-only" alias of RAM
check(mem:read(0xf0000, 4) == "ram!", "PAM 1: RAM")
-- QEMU 7.2 writes through it all the same: the alias's readonly flag only
-- marks the flat range (tests/qtest/mch.qtest checks this against QEMU)
mem:write(0xf0000, "xxxx")
check(m.ram:ram_read(0xf0000, 4) == "xxxx", "PAM 1 writes like QEMU")
io:stb(0xcfc, 0x00)

-- PCIEXBAR: ECAM at 0xe0000000 reaches the edu's config space
check(mem:ldl_le(0xe0000000 + (4 << 15)) == 0, "no ECAM after reset")
io:stl_le(0xcf8, 0x80000060)
io:stl_le(0xcfc, 0xe0000001)
check(mem:ldl_le(0xe0000000 + (4 << 15)) == 0x11e81234, "edu through ECAM")

-- platform regions record what they see
mem:stl_le(0xfec00000, 1)
check(mem:ldl_le(0xfec00010) == 0x00170020, "IOAPIC version")
local ev = m.recent()
check(ev[#ev].region == "ioapic" and ev[#ev].addr == 0x10 and
      ev[#ev].value == 0x00170020, "recorded IOAPIC read")
mem:stl_le(0xfee01000, 0x4041)
ev = m.recent()
check(ev[#ev].region == "apic-msi" and ev[#ev].write and
      ev[#ev].extra == "msi", "recorded MSI write")

-- edu DMA through the device's address space (bus mastering on)
local edu = m.devices[1]
check(edu.bdf == "00:04.0" and edu.vendor_id == 0x1234, "edu device")
edu:config_write(0x10, 0xfe000000, 4)
edu:config_write(0x04, 6, 2)
mem:write(0x100000, "payload!")
mem:stq_le(0xfe000080, 0x100000)
mem:stq_le(0xfe000088, 0x40000)
mem:stq_le(0xfe000090, 8)
mem:stq_le(0xfe000098, 1)
check(mem:ldq_le(0xfe000098) == 1, "DMA armed")

-- bad -device strings: QEMU's messages
for spec, msg in pairs({
    ["foo"] = "-device foo: 'foo' is not a valid device model name",
    ["edu,addr=04.0,bogus=1"] = "-device edu,addr=04.0,bogus=1: " ..
      "Property 'edu.bogus' not found",
    ["edu,addr=00.0"] = "-device edu,addr=00.0: PCI: slot 0 function 0 not " ..
      "available for edu, in use by mch,id=(null)" }) do
  local ok, err = pcall(build, { ram_size = 16 * MiB, devices = { spec } })
  check(not ok and err == msg, tostring(err))
end
print("ok q35-machine")
