-- q35.lua - QEMU 7.2's q35 machine (Standard PC (Q35 + ICH9, 2009)),
-- rebuilt with the iommusim Lua API.
--
-- Usage:  local m = dofile("scripts/machines/q35.lua")(opts)
--   opts.ram_size   bytes of RAM (default 128 MiB; QEMU rounds -m up to 8 KiB)
--   opts.bios       firmware file (a multiple of 64 KiB), or nil: 256 KiB
--                   of zeros where QEMU would load bios-256k.bin
--   opts.devices    { "edu,addr=04.0", ... }: -device strings
--   opts.max_ram_below_4g   QEMU's machine property (default 4 GiB)
-- Returns the machine table:
--   m.system, m.io          root regions; m.memory, m.io_as (also m.io_space)
--                           the address spaces "memory" and "I/O"
--   m.ram                   pc.ram; m.below_4g, m.above_4g sizes
--   m.pci_bus, m.devices    the PCI root bus and the devices added
--   m.recent()              what the platform regions saw, oldest first
--                           (the last 4096 accesses; m.events is the ring)
--
-- Facts from QEMU 7.2 (hw/i386/pc_q35.c, hw/i386/pc.c, hw/i386/x86.c,
-- hw/pci-host/q35.c, hw/pci-host/pam.c, hw/intc/ioapic.c,
-- hw/timer/hpet.c), checked against `info mtree` of qemu-system-x86_64 7.2
-- (tests/data/mtree/q35-*.txt) and qtest reads:
--   * RAM below 4 GiB is 0xb0000000 bytes at most, 0x80000000 when the RAM is
--     0xb0000000 or larger; the rest goes above 4 GiB. "pc.ram" is one block,
--     mapped by the aliases ram-below-4g (at 0) and ram-above-4g (at 4 GiB).
--   * "pci" (2^64, priority -1 in system) holds the ROMs: pc.rom (128 KiB of
--     read-only RAM at 0xc0000, prio 1), pc.bios (at 4 GiB - size) and
--     isa-bios, an alias of the last 128 KiB (or all) of it below 1 MiB.
--   * The MCH maps smram-region (alias of pci at 0xa0000, enabled),
--     smram-open-high, smbase-blackhole and tseg-blackhole (disabled), and
--     for each of the 13 PAM segments four aliases at prio 1, of which only
--     "pam-pci" (of pci) is enabled after reset.
--   * ioapic 0xfec00000 (4 KiB), hpet 0xfed00000 (1 KiB), apic-msi 0xfee00000
--     (1 MiB, prio 4096) in system; the I/O space "io" reads all ones where
--     nothing decodes (unassigned_io_ops); lpc-reset-control at 0xcf9.
--   * IOAPIC: IOREGSEL at 0, IOWIN at 0x10 (4-byte accesses only), register
--     0 and 2 the ID << 24, 1 the version 0x20 | 23 << 16, 0x10.. the 24
--     redirection entries, masked (0x10000) after reset; the window repeats
--     every 0x100 bytes.
--   * HPET: 4-byte accesses; capabilities 0x009896808086a201 (3 timers,
--     period 10 ns), each timer's config 0x00ff0104_00000030 and comparator
--     all ones after reset.
-- Accesses to these platform regions are recorded (m.recent()); they do not
-- deliver interrupts.
local sim = require "iommusim"

local KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30
local EVENTS_MAX = 4096

-- The ICH9 functions QEMU's q35 always has at 1f.x, as configurable
-- stand-ins with QEMU's identification: LPC bridge (8086:2918, class 0601,
-- no interrupt pin), AHCI (8086:2922, class 0106 prog-if 01, I/O BAR 4 of
-- 32 bytes, 4 KiB ABAR at BAR 5, one MSI vector) and SMBus (8086:2930,
-- class 0c05, I/O BAR 4 of 32 bytes). Their registers beyond the header are
-- not modelled.
local ICH9_FUNCTIONS = {
  "addr=1f.0,multifunction=on,vendor_id=0x8086,device_id=0x2918," ..
    "class_id=0x0601,revision=2,int_pin=0",
  "addr=1f.2,multifunction=on,vendor_id=0x8086,device_id=0x2922," ..
    "class_id=0x0106,prog_if=1,revision=2,bar4=32,bar4_type=io,bar5=4K," ..
    "bar5_type=mem,msi=1",
  "addr=1f.3,multifunction=on,vendor_id=0x8086,device_id=0x2930," ..
    "class_id=0x0c05,revision=2,bar4=32,bar4_type=io",
}

-- PAM registers of the MCH (0x90..0x96): each nibble selects which of the
-- four aliases of a segment is enabled (QEMU's pam_update: 0 PCI, 1 read
-- from RAM (ROM alias), 2 write to RAM (pam-pci alias of RAM), 3 RAM)
local function pam_update(m, mch)
  sim.transaction(function()
    for i = 1, #m.pam do
      -- segment 1 is the BIOS area (high nibble of 0x90), then 0x91 low,
      -- 0x91 high, ... 0x96 high
      local reg, shift
      if i == 1 then
        reg, shift = 0x90, 4
      else
        reg, shift = 0x91 + (i - 2) // 2, ((i - 2) % 2) * 4
      end
      local sel = (mch:config_read(reg, 1) >> shift) & 3
      local a = m.pam[i]
      -- a[1] pam-pci (pci), a[2] pam-rom, a[3] pam-pci (ram), a[4] pam-ram
      local want = ({ [0] = 1, [1] = 2, [2] = 3, [3] = 4 })[sel]
      for k = 1, 4 do
        if a[k] and a[k]:enabled() ~= (k == want) then
          a[k]:set_enabled(k == want)
        end
      end
    end
  end)
end

local function setup_pci(m, opts)
  if not sim.pci_host then
    if opts.devices and #opts.devices > 0 then
      error(string.format("-device %s: PCI is not available in this build",
                          opts.devices[1]), 0)
    end
    return
  end
  local h = sim.pci_host{ memory = m.memory, pci = m.pci_memory, io = m.io,
                          system = m.system, ports = 0xcf8, bus = "pcie.0" }
  m.pci_host, m.pci_bus = h, h.bus
  local mch = h.bus:create("mch", "addr=00.0")
  m.mch = mch
  mch:on_config_write(function(dev, off, value, size)
    if off < 0x97 and off + size > 0x90 then pam_update(m, mch) end
  end)
  for _, props in ipairs(ICH9_FUNCTIONS) do
    h.bus:create("sim-testdev", props)
  end
  h:on_irq(function(dev, irq, level)
    m.record("pci-intx", irq, 0, level, true, dev and dev.bdf)
  end)
  for _, spec in ipairs(opts.devices or {}) do
    local ok, dev = pcall(h.bus.device, h.bus, spec)
    if not ok then
      local msg = tostring(dev):gsub("^bus:device: ", "")
      error(string.format("-device %s: %s", spec, msg), 0)
    end
    m.devices[#m.devices + 1] = dev
  end
end

local function build_machine(opts)
  opts = opts or {}
  local ram_size = opts.ram_size or 128 * MiB
  local m = { name = "q35", ram_size = ram_size, events = {}, devices = {} }

  -- m.events keeps the last EVENTS_MAX accesses in a ring of reused
  -- tables (no garbage per access): m.events_first is the index of the
  -- oldest; m.recent() returns copies, oldest first
  m.events_first, m.events_count = 1, 0
  local function record(region, addr, size, value, write, extra)
    local evs, n, slot = m.events, m.events_count
    if n < EVENTS_MAX then
      n = n + 1
      m.events_count = n
      slot = evs[n]
      if not slot then slot = {}; evs[n] = slot end
    else
      slot = evs[m.events_first]
      m.events_first = m.events_first % EVENTS_MAX + 1
    end
    slot.region, slot.addr, slot.size, slot.value = region, addr, size, value
    slot.write = write or nil
    slot.extra = extra
  end
  m.record = record
  function m.recent()
    local out, evs = {}, m.events
    for i = 0, m.events_count - 1 do
      local e = evs[(m.events_first - 1 + i) % EVENTS_MAX + 1]
      out[#out + 1] = { region = e.region, addr = e.addr, size = e.size,
                        value = e.value, write = e.write, extra = e.extra }
    end
    return out
  end

  -- RAM split (pc_q35_init)
  local lowmem = ram_size >= 0xb0000000 and 0x80000000 or 0xb0000000
  local max_below = opts.max_ram_below_4g or 4 * GiB
  if lowmem > max_below then lowmem = max_below end
  if ram_size >= lowmem then
    m.below_4g, m.above_4g = lowmem, ram_size - lowmem
  else
    m.below_4g, m.above_4g = ram_size, 0
  end

  -- the root regions and the address spaces every machine has
  local system = sim.container("system", sim.UINT64_MAX)
  local io_root = sim.io("io", 0x10000, {
    read = function(addr, size) return -1 end,   -- unassigned_io_ops
    write = function() end,
  })
  m.system, m.io = system, io_root
  m.memory = sim.address_space(system, "memory")
  m.io_as = sim.address_space(io_root, "I/O")
  m.io_space = m.io_as

  -- pc_memory_init
  local ok, ram = pcall(sim.ram, "pc.ram", ram_size)
  if not ok then
    ram = tostring(ram):gsub("^ram: ", "")
    if not ram:find("cannot set up guest memory", 1, true) then
      ram = "cannot set up guest memory 'pc.ram': " .. ram
    end
    error(ram, 0)
  end
  m.ram = ram
  system:add(0, sim.alias("ram-below-4g", ram, 0, m.below_4g))
  if m.above_4g > 0 then
    system:add(4 * GiB, sim.alias("ram-above-4g", ram, m.below_4g, m.above_4g))
  end

  local pci = sim.container("pci", sim.UINT64_MAX)
  m.pci_memory = pci

  -- firmware (x86_bios_rom_init)
  local bios_data, bios_size
  if opts.bios then
    local f = io.open(opts.bios, "rb")
    if f then bios_data = f:read("a"); f:close() end
    if not bios_data or #bios_data == 0 or #bios_data % 65536 ~= 0 then
      error(string.format("qemu: could not load PC BIOS '%s'", opts.bios), 0)
    end
    bios_size = #bios_data
  else
    bios_size = 256 * KiB
  end
  local bios = sim.rom("pc.bios", bios_size)
  if bios_data then bios:ram_write(0, bios_data) end
  local isa_size = math.min(bios_size, 128 * KiB)
  local isa_bios = sim.alias("isa-bios", bios, bios_size - isa_size, isa_size)
  isa_bios:set_readonly(true)
  pci:add(0x100000 - isa_size, isa_bios, 1)
  pci:add(4 * GiB - bios_size, bios)
  m.bios = bios

  pci:add(0xc0000, sim.rom("pc.rom", 128 * KiB), 1)

  -- the PCI address space under RAM (pc_pci_as_mapping_init)
  system:add(0, pci, -1)

  -- MCH: SMRAM and PAM (hw/pci-host/q35.c mch_realize). QEMU does not
  -- check that these windows of pc.ram fit; with less than 1 MiB of RAM
  -- the ones that do not are left out here (iommusim's aliases must).
  local function ram_alias(name, off, size)
    if off + size <= ram_size then return sim.alias(name, ram, off, size) end
    return nil
  end
  local function add_disabled(parent, addr, r, prio)
    if r then
      r:set_enabled(false)
      parent:add(addr, r, prio)
    end
    return r
  end
  local smram_region = sim.alias("smram-region", pci, 0xa0000, 0x20000)
  system:add(0xa0000, smram_region, 1)
  add_disabled(system, 0xfeda0000, ram_alias("smram-open-high", 0xa0000,
                                             0x20000), 1)

  local smram = sim.container("smram", 4 * GiB)
  add_disabled(smram, 0xa0000, ram_alias("smram-low", 0xa0000, 0x20000))
  add_disabled(smram, 0xfeda0000, ram_alias("smram-high", 0xa0000, 0x20000))

  -- tseg is empty after reset: QEMU's regions have size 0, which prints
  -- (and renders) as size 1 would while disabled
  local tseg_blackhole = sim.io("tseg-blackhole", 1,
    { read = function() return 0xffffffff end })
  tseg_blackhole:set_enabled(false)
  system:add(m.below_4g, tseg_blackhole, 1)
  add_disabled(smram, m.below_4g, ram_alias("tseg-window",
    math.min(m.below_4g, ram_size - 1), 1))

  local smbase_blackhole = sim.io("smbase-blackhole", 0x20000,
    { read = function() return 0xffffffff end })
  smbase_blackhole:set_enabled(false)
  system:add(0x30000, smbase_blackhole, 1)
  add_disabled(smram, 0x30000, ram_alias("smbase-window", 0x30000, 0x20000))
  m.smram = smram

  -- PAM: the BIOS segment first, then 12 expansion segments of 16 KiB
  m.pam = {}
  local function init_pam(start, size)
    local a = {
      sim.alias("pam-pci", pci, start, size),   -- [0]: after reset
      ram_alias("pam-rom", start, size) or false,
      ram_alias("pam-pci", start, size) or false,
      ram_alias("pam-ram", start, size) or false,
    }
    if a[2] then a[2]:set_readonly(true) end
    for i = 1, 4 do
      if a[i] then
        a[i]:set_enabled(i == 1)
        system:add(start, a[i], 1)
      end
    end
    m.pam[#m.pam + 1] = a
  end
  sim.transaction(function()
    init_pam(0xf0000, 0x10000)
    for i = 0, 11 do init_pam(0xc0000 + i * 0x4000, 0x4000) end
  end)

  -- IOAPIC
  local ioapic = { regsel = 0, id = 0, redir = {} }
  for i = 0, 23 do ioapic.redir[i] = 0x10000 end
  m.ioapic = ioapic
  local IOAPIC_RO = (1 << 14) | (1 << 12)  -- remote IRR, delivery status
  system:add(0xfec00000, sim.io("ioapic", 0x1000, {
    read = function(addr, size)
      addr = addr & 0xff
      local val = 0
      if addr == 0 then
        val = ioapic.regsel
      elseif addr == 0x10 and size == 4 then
        local sel = ioapic.regsel
        if sel == 0 or sel == 2 then
          val = ioapic.id << 24
        elseif sel == 1 then
          val = 0x20 | (23 << 16)
        else
          local idx = (sel - 0x10) >> 1
          if sel >= 0x10 and idx < 24 then
            local e = ioapic.redir[idx]
            val = (sel & 1) == 1 and (e >> 32) or (e & 0xffffffff)
          end
        end
      end
      record("ioapic", addr, size, val)
      return val
    end,
    write = function(addr, val, size)
      addr = addr & 0xff
      record("ioapic", addr, size, val, true)
      if addr == 0 then
        ioapic.regsel = val & 0xff
      elseif addr == 0x10 and size == 4 then
        local sel = ioapic.regsel
        if sel == 0 then
          ioapic.id = (val >> 24) & 0xf
        elseif sel >= 0x10 and ((sel - 0x10) >> 1) < 24 then
          local idx = (sel - 0x10) >> 1
          local e = ioapic.redir[idx]
          local ro = e & IOAPIC_RO
          if (sel & 1) == 1 then
            e = (e & 0xffffffff) | ((val & 0xffffffff) << 32)
          else
            e = (e & ~0xffffffff) | (val & 0xffffffff)
          end
          ioapic.redir[idx] = (e & ~IOAPIC_RO) | ro
        end
      end
    end,
  }))

  -- HPET
  local hpet = { config = 0, isr = 0, counter = 0, timers = {} }
  for i = 0, 2 do
    hpet.timers[i] = { config = 0x00ff010400000030, cmp = -1, fsb = 0 }
  end
  m.hpet = hpet
  local HPET_CAP = 0x009896808086a201
  system:add(0xfed00000, sim.io("hpet", 0x400, {
    valid = { min = 4, max = 4 },
    read = function(addr, size)
      local val = 0
      if addr >= 0x100 then
        local t = hpet.timers[(addr - 0x100) // 0x20]
        local reg = (addr - 0x100) % 0x20
        if t then
          if reg == 0 then val = t.config
          elseif reg == 4 then val = t.config >> 32
          elseif reg == 8 then val = t.cmp
          elseif reg == 0xc then val = t.cmp >> 32
          elseif reg == 0x10 then val = t.fsb
          elseif reg == 0x14 then val = t.fsb >> 32 end
        end
      elseif addr == 0 then val = HPET_CAP
      elseif addr == 4 then val = HPET_CAP >> 32
      elseif addr == 0x10 then val = hpet.config
      elseif addr == 0x20 then val = hpet.isr
      elseif addr == 0xf0 then val = hpet.counter
      elseif addr == 0xf4 then val = hpet.counter >> 32 end
      val = val & 0xffffffff
      record("hpet", addr, size, val)
      return val
    end,
    write = function(addr, val, size)
      record("hpet", addr, size, val, true)
      val = val & 0xffffffff
      if addr >= 0x100 then
        local t = hpet.timers[(addr - 0x100) // 0x20]
        local reg = (addr - 0x100) % 0x20
        if t then
          if reg == 0 then
            -- writable: level, enable, periodic, 32-bit mode, route, fsb
            local mask = 0x7f4e
            t.config = (t.config & ~mask) | (val & mask)
          elseif reg == 8 then t.cmp = (t.cmp & ~0xffffffff) | val
          elseif reg == 0xc then t.cmp = (t.cmp & 0xffffffff) | (val << 32)
          elseif reg == 0x10 then t.fsb = (t.fsb & ~0xffffffff) | val
          elseif reg == 0x14 then t.fsb = (t.fsb & 0xffffffff) | (val << 32) end
        end
      elseif addr == 0x10 then hpet.config = val & 3
      elseif addr == 0x20 then hpet.isr = hpet.isr & ~val
      elseif addr == 0xf0 and (hpet.config & 1) == 0 then
        hpet.counter = (hpet.counter & ~0xffffffff) | val
      elseif addr == 0xf4 and (hpet.config & 1) == 0 then
        hpet.counter = (hpet.counter & 0xffffffff) | (val << 32)
      end
    end,
  }))

  -- the local APIC window: reads 0 without a CPU; 4-byte writes are MSIs
  system:add(0xfee00000, sim.io("apic-msi", 0x100000, {
    read = function(addr, size)
      record("apic-msi", addr, size, 0)
      return 0
    end,
    write = function(addr, val, size)
      record("apic-msi", addr, size, val, true, size == 4 and "msi" or nil)
    end,
  }), 4096)

  -- the SMM CPU view: address space cpu-smm-0 (root "memory")
  local smm_root = sim.container("memory", sim.UINT64_MAX)
  smm_root:add(0, sim.alias("smram", smram, 0, 4 * GiB), 1)
  smm_root:add(0, sim.alias("memory", system, 0, sim.UINT64_MAX))
  m.cpu_memory = sim.address_space(system, "cpu-memory-0")
  m.cpu_smm = sim.address_space(smm_root, "cpu-smm-0")

  -- I/O: the legacy devices QEMU places (pc_basic_device_init, ICH9 LPC),
  -- as regions with QEMU's names that record accesses and read 0, except
  -- where a qtest read sees something else after reset (rtc-index 0xff,
  -- ioport80 and ioportF0 all ones, pcspk: refresh bit 4 toggling on each
  -- read, PIT channel 2 out high)
  local function stub(name, size, read)
    return sim.io(name, size, {
      read = function(addr, sz)
        local v = read and read(addr, sz) or 0
        record(name, addr, sz, v)
        return v
      end,
      write = function(addr, val, sz)
        record(name, addr, sz, val, true)
      end,
    })
  end
  local refresh = 0
  for _, r in ipairs({
      { "dma-chan", 0x0, 8 }, { "dma-cont", 0x8, 8 }, { "pic", 0x20, 2 },
      { "pit", 0x40, 4 }, { "i8042-data", 0x60, 1 },
      { "pcspk", 0x61, 1, function()
          refresh = refresh ~ 0x10
          return refresh | 0x20
        end },
      { "i8042-cmd", 0x64, 1 }, { "kvmvapic", 0x7e, 2 },
      { "ioport80", 0x80, 1, function() return -1 end },
      { "dma-page", 0x81, 3 }, { "dma-page", 0x87, 1 },
      { "dma-page", 0x89, 3 }, { "dma-page", 0x8f, 1 }, { "port92", 0x92, 1 },
      { "pic", 0xa0, 2 }, { "apm-io", 0xb2, 2 }, { "dma-chan", 0xc0, 16 },
      { "dma-cont", 0xd0, 16 },
      { "ioportF0", 0xf0, 1, function() return -1 end }, { "elcr", 0x4d0, 1 },
      { "elcr", 0x4d1, 1 }, { "fwcfg", 0x510, 2 }, { "fwcfg.dma", 0x514, 8 },
      { "acpi-pci-hotplug", 0xcc0, 0x18 }, { "acpi-cpu-hotplug", 0xcd8, 0x20 },
      { "vmport", 0x5658, 1 } }) do
    io_root:add(r[2], stub(r[1], r[3], r[4]))
  end
  local pm = sim.container("ich9-pm", 0x80)
  for _, r in ipairs({ { "acpi-evt", 0, 4 }, { "acpi-cnt", 4, 2 },
      { "acpi-tmr", 8, 4 }, { "acpi-gpe0", 0x20, 0x10 },
      { "acpi-smi", 0x30, 8 }, { "sm-tco", 0x60, 0x20 } }) do
    pm:add(r[2], stub(r[1], r[3]))
  end
  pm:set_enabled(false)          -- PMBASE is not programmed after reset
  io_root:add(0, pm)          -- after dma-chan: printed first
  local rtc = stub("rtc", 2)
  rtc:add(0, stub("rtc-index", 1, function() return 0xff end))
  io_root:add(0x70, rtc)

  -- I/O: the reset control register of the LPC bridge over pci-conf-idx
  local rcr = 0
  io_root:add(0xcf9, sim.io("lpc-reset-control", 1, {
    read = function() return rcr end,
    write = function(addr, val)
      rcr = val & 0xa   -- full reset (bit 3), system reset (bit 1)
      if val & 4 ~= 0 then
        record("lpc-reset-control", 0, 1, val, true, "reset")
      end
    end,
  }), 1)

  -- PCI: the host bridge, ECAM and the devices (dma/ and its binding)
  setup_pci(m, opts)
  return m
end

-- The whole machine is put together in one transaction: the address
-- spaces are rendered once, at the end, not after each region added.
local function build(opts)
  return sim.transaction(build_machine, opts)
end

return build
