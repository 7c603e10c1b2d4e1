-- demo.lua - a q35-like memory map built in Lua, checked against what
-- QEMU 7.2 shows for `qemu-system-x86_64 -machine q35 -m 256`
-- (tests/data/mtree/q35-256m.*), then a few accesses and `info mtree -f`.
--
--   iommusim run scenarios/demo.lua [RAM-SIZE]    (default 256M; e.g. 5G)
--
-- What it builds, as hw/i386/pc_q35.c and hw/pci-host/q35.c do:
--   system (2^64)            the CPU's view
--     ram-below-4g           alias of pc.ram for the RAM under the PCI hole
--     ram-above-4g           alias of the rest at 4 GiB (only with big RAM)
--     pci (prio -1)          PCI address space as background: ROMs, BIOS
--     smram-region, PAM      aliases that route 0xa0000-0xfffff (chipset)
--     ioapic, hpet, apic-msi MMIO with Lua callbacks
--   memory (2^64)            the SMM view: smram over system
-- (QEMU's size-0 tseg-window and tseg-blackhole are left out: region sizes
-- of 0 are refused here.)
local sim = require "iommusim"

local MiB, GiB = 1 << 20, 1 << 30
local function parse_size(s)
  local n, unit = tostring(s):match("^(%d+)([MmGg]?)$")
  assert(n, "RAM size like 256M or 5G expected, got " .. tostring(s))
  n = tonumber(n)
  if unit == "G" or unit == "g" then return n * GiB end
  return n * MiB
end
local ram_size = parse_size(arg and arg[1] or "256M")

-- q35: RAM above 2.75 GiB is split at 2 GiB, else everything is below 4G
local lowmem = ram_size >= 0xb0000000 and 0x80000000 or 0xb0000000
local below_4g = math.min(ram_size, lowmem)
local above_4g = ram_size - below_4g

local system = sim.container("system", sim.UINT64_MAX)
local pc_ram = sim.ram("pc.ram", ram_size)
local pci = sim.container("pci", sim.UINT64_MAX)
local as = sim.address_space(system, "memory")
sim.address_space(system, "cpu-memory-0")    -- shares the view of "memory"

-- count what listeners hear while the machine is built
local adds, commits = 0, 0
local watcher = sim.listener(as, {
  name = "demo-watcher",
  region_add = function(s) adds = adds + 1 end,
  commit = function() commits = commits + 1 end,
})
commits = 0 -- registering replayed the (empty) map: begin, commit

sim.transaction(function()
  system:add(0, sim.alias("ram-below-4g", pc_ram, 0, below_4g))
  if above_4g > 0 then
    system:add(1 << 32, sim.alias("ram-above-4g", pc_ram, below_4g, above_4g))
  end
  system:add(0, pci, -1)

  -- firmware: pc.bios at the top of 4G, its last 128K... here 64K, the
  -- size of the image QEMU was given; isa-bios shows it again below 1M
  local bios = sim.rom("pc.bios", 0x10000)
  bios:ram_write(0, string.rep("\xf4", 0x10000))       -- hlt everywhere
  pci:add(0x100000000 - 0x10000, bios)
  local isa_bios = sim.alias("isa-bios", bios, 0, 0x10000)
  isa_bios:set_readonly(true)
  pci:add(0xf0000, isa_bios, 1)
  pci:add(0xc0000, sim.rom("pc.rom", 0x20000), 1)

  -- chipset: SMRAM and the 13 PAM segments, in QEMU's order and reset state
  local smbase = sim.io("smbase-blackhole", 0x20000)
  smbase:set_enabled(false)
  system:add(0x30000, smbase, 1)
  system:add(0xa0000, sim.alias("smram-region", pci, 0xa0000, 0x20000), 1)
  for i = 0, 12 do
    local start = i < 12 and 0xc0000 + i * 0x4000 or 0xf0000
    local size = i < 12 and 0x4000 or 0x10000
    local pam_pci = sim.alias("pam-pci", pci, start, size)     -- reset: PCI
    local pam_rom = sim.alias("pam-rom", pc_ram, start, size)
    pam_rom:set_readonly(true)
    local pam_pci_ram = sim.alias("pam-pci", pc_ram, start, size)
    local pam_ram = sim.alias("pam-ram", pc_ram, start, size)
    for _, a in ipairs { pam_pci, pam_rom, pam_pci_ram, pam_ram } do
      a:set_enabled(a == pam_pci)
      system:add(start, a, 1)
    end
  end
  local open_high = sim.alias("smram-open-high", pc_ram, 0xa0000, 0x20000)
  open_high:set_enabled(false)
  system:add(0xfeda0000, open_high, 1)
end)
assert(commits == 1, "one transaction, one commit")

-- MMIO devices with Lua callbacks -------------------------------------

-- IOAPIC: IOREGSEL at 0x00 selects a register read through IOWIN at 0x10
local ioregsel = 0
local ioapic_regs = { [0] = 0, [1] = 0x00170020 }     -- ID, VER (24 pins, v0x20)
local ioapic = sim.io("ioapic", 0x1000, {
  read = function(addr, size)
    if addr == 0x00 then return ioregsel end
    if addr == 0x10 then return ioapic_regs[ioregsel] or 0 end
    return 0
  end,
  write = function(addr, val, size)
    if addr == 0x00 then ioregsel = val & 0xff
    elseif addr == 0x10 and ioregsel == 0 then ioapic_regs[0] = val & 0x0f000000 end
  end,
  valid = { min = 4, max = 4 },
})
system:add(0xfec00000, ioapic)

-- HPET: capabilities (64-bit), configuration, a counter that runs while
-- enabled (one tick per read, deterministic)
local hpet_cfg, hpet_counter = 0, 0
local HPET_CAP = 0x0098968080868201 -- period 10 ns, vendor 8086, 3 timers, rev 1
local hpet = sim.io("hpet", 0x400, {
  read = function(addr, size)
    local v = 0
    if addr < 0x08 then v = HPET_CAP
    elseif addr >= 0x10 and addr < 0x18 then v = hpet_cfg
    elseif addr >= 0xf0 and addr < 0xf8 then
      if hpet_cfg & 1 == 1 then hpet_counter = hpet_counter + 1 end
      v = hpet_counter
    end
    local shift = (addr & 7) * 8
    return (v >> shift) & (size == 8 and -1 or (1 << (size * 8)) - 1)
  end,
  write = function(addr, val, size)
    if addr == 0x10 then hpet_cfg = val & 3 end
  end,
  valid = { min = 4, max = 8 },
  impl = { min = 4, max = 8 },
})
system:add(0xfed00000, hpet)

local msi_log = {}
system:add(0xfee00000, sim.io("apic-msi", 0x100000, {
  write = function(addr, val, size, attrs)
    msi_log[#msi_log + 1] = { addr = 0xfee00000 + addr, data = val, rid = attrs.requester_id }
  end,
  valid = { min = 4, max = 4 },
}), 4096)

-- the SMM view: smram (prio 1) over the whole system map
local smram = sim.container("smram", 0x100000000)
for _, w in ipairs { { "smbase-window", 0x30000, 0x30000, 0x20000 },
                     { "smram-low", 0xa0000, 0xa0000, 0x20000 },
                     { "smram-high", 0xfeda0000, 0xa0000, 0x20000 } } do
  local a = sim.alias(w[1], pc_ram, w[3], w[4])
  a:set_enabled(false)
  smram:add(w[2], a)
end
local smm_root = sim.container("memory", sim.UINT64_MAX)
smm_root:add(0, sim.alias("smram", smram, 0, 0x100000000), 1)
smm_root:add(0, sim.alias("memory", system, 0, sim.UINT64_MAX))
local smm = sim.address_space(smm_root, "cpu-smm-0")

-- the flat view is QEMU's (captured from QEMU 7.2, -machine q35 -m 256 / -m 5G)
local expected = {
  "  0000000000000000-00000000000bffff (prio 0, ram): pc.ram",
  "  00000000000c0000-00000000000dffff (prio 1, rom): pc.rom",
  "  00000000000e0000-00000000000effff (prio 0, ram): pc.ram @00000000000e0000",
  "  00000000000f0000-00000000000fffff (prio 0, rom): pc.bios",
  string.format("  0000000000100000-%016x (prio 0, ram): pc.ram @0000000000100000", below_4g - 1),
  "  00000000fec00000-00000000fec00fff (prio 0, i/o): ioapic",
  "  00000000fed00000-00000000fed003ff (prio 0, i/o): hpet",
  "  00000000fee00000-00000000feefffff (prio 4096, i/o): apic-msi",
  "  00000000ffff0000-00000000ffffffff (prio 0, rom): pc.bios",
}
if above_4g > 0 then
  expected[#expected + 1] = string.format(
    "  0000000100000000-%016x (prio 0, ram): pc.ram @%016x",
    (1 << 32) + above_4g - 1, below_4g)
end
local flat = sim.mtree { flat = true }
local view = flat:match(' AS "memory", root: system\n AS "cpu%-memory%-0", root: system\n' ..
                        ' Root memory region: system\n(.-)\n\n')
assert(view, "the memory view:\n" .. flat)
assert(view == table.concat(expected, "\n"),
       "flat view differs from QEMU's:\n" .. view .. "\nexpected:\n" .. table.concat(expected, "\n"))
-- the SMM view renders the same while SMRAM is closed (its own FlatView)
local smm_view = flat:match(' AS "cpu%-smm%-0", root: memory\n Root memory region: memory\n(.-)\n\n')
assert(smm_view == view, "SMM view:\n" .. tostring(smm_view))
-- and a few lines of the tree, as `info mtree -D` prints them
local tree = sim.mtree { disabled = true }
for _, line in ipairs {
  "address-space: cpu-memory-0\naddress-space: memory\n  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n",
  "    0000000000000000-ffffffffffffffff (prio -1, i/o): pci\n",
  "      00000000000f0000-00000000000fffff (prio 1, rom): alias isa-bios @pc.bios 0000000000000000-000000000000ffff\n",
  "    00000000000a0000-00000000000bffff (prio 1, i/o): alias smram-region @pci 00000000000a0000-00000000000bffff\n",
  "    00000000000f0000-00000000000fffff (prio 1, ram): alias pam-ram @pc.ram 00000000000f0000-00000000000fffff [disabled]\n",
  "    00000000fee00000-00000000feefffff (prio 4096, i/o): apic-msi\n",
} do
  assert(tree:find(line, 1, true), "missing in info mtree -D:\n" .. line)
end

-- a few accesses --------------------------------------------------------

-- RAM below 4G
assert(as:write(0x1000, "hello, q35") == "ok")
assert(as:read(0x1000, 10) == "hello, q35")
assert(pc_ram:ram_read(0x1000, 5) == "hello")
-- the reset vector and its shadow below 1M are the same BIOS bytes
assert(as:ldub(0xfffffff0) == 0xf4 and as:ldub(0xffff0) == 0xf4)
-- the BIOS is ROM: a write does not change it
as:write(0xfffffff0, "\0")
assert(as:ldub(0xfffffff0) == 0xf4)
-- 0xa0000 (VGA window) is routed to PCI, where nothing is: RAM shows through
as:write(0xa0000, "vga")
assert(pc_ram:ram_read(0xa0000, 3) == "vga")
-- the hole below 4G is unassigned: reads 0 with a decode error
local v, res = as:ldl_le(0xe0000000)
assert(v == 0 and res == "decode-error")

-- PAM: the BIOS segment f0000-fffff switched to "RAM" (shadowing): now the
-- CPU sees pc.ram there; copy the BIOS into it first
local shadow = as:read(0xf0000, 0x10000)
for _, c in ipairs(system:children()) do
  if c:addr() == 0xf0000 and c:name():match("^pam") then
    local target = c:alias()
    c:set_enabled(c:name() == "pam-ram")
    if target == pci then assert(not c:enabled()) end
  end
end
as:write(0xf0000, shadow)
assert(as:ldub(0xffff0) == 0xf4)
as:write(0xffff0, "\x90")
assert(as:ldub(0xffff0) == 0x90, "shadowed BIOS is writable RAM")
assert(as:ldub(0xfffffff0) == 0xf4, "the real BIOS is untouched")
-- pc.ram from 0xe0000 up is now one flat range (adjacent pieces merge)
assert(sim.mtree { flat = true }:find(string.format(
  "  00000000000e0000-%016x (prio 0, ram): pc.ram @00000000000e0000\n", below_4g - 1), 1, true),
  "PAM view")

-- IOAPIC: select the version register and read it through the window
assert(as:stl_le(0xfec00000, 1) == "ok")
assert(as:ldl_le(0xfec00010) == 0x00170020)
-- an access size the device does not accept is refused
v, res = as:ldub(0xfec00010)
assert(res == "decode-error")

-- HPET: capabilities as one 64-bit or two 32-bit reads, a running counter
assert(as:ldq_le(0xfed00000) == HPET_CAP)
assert(as:ldl_le(0xfed00004) == HPET_CAP >> 32)
as:stl_le(0xfed00010, 1)
local c1 = as:ldq_le(0xfed000f0)
local c2 = as:ldq_le(0xfed000f0)
assert(c2 > c1, "counter runs")

-- an MSI write from a PCI requester carries its requester ID
assert(as:stl_le(0xfee00000, 0x4041, { requester_id = 0x0020 }) == "ok")
assert(#msi_log == 1 and msi_log[1].data == 0x4041 and msi_log[1].rid == 0x20)

-- dirty tracking of the VGA window
pc_ram:set_log(true, "vga")
pc_ram:reset_dirty(0, ram_size, "vga")
as:write(0xa1000, "pixels")
assert(pc_ram:get_dirty(0xa1000, 6, "vga") and not pc_ram:get_dirty(0, 0x1000, "vga"))
pc_ram:set_log(false, "vga")

watcher:unregister()
assert(adds > 0)
print(sim.mtree { flat = true })
