-- vtd-device.lua - "-device intel-iommu" from Lua (scripts/lua-vtd.c):
-- bus:device creates the unit (not a PCI function), its registers are at
-- 0xfed90000, QEMU 7.2's messages for bad strings, stats, teardown.
local sim = require "iommusim"
local system = sim.container("system", sim.UINT64_MAX)
system:add(0, sim.ram("ram", 16 << 20))
local pci = sim.container("pci", sim.UINT64_MAX)
system:add(0, pci, -1)
local io = sim.io("io", 0x10000, { read = function() return -1 end, write = function() end })
local mem = sim.address_space(system, "memory")

local h = sim.pci_host{ memory = mem, pci = pci, io = io, system = system }
local bus = h.bus
bus:create("mch", "addr=00.0")
local d = bus:device("sim-testdev,addr=04.0,device_id=0x11e8,bar0=1M")

-- bad strings: QEMU 7.2's messages
for spec, msg in pairs{
  ["intel-iommu,aw-bits=40"] = "Supported values for aw-bits are: 39, 48",
  ["intel-iommu,bogus=1"] = "Property 'intel-iommu.bogus' not found",
  ["intel-iommu,addr=03.0"] = "Property 'intel-iommu.addr' not found",
  ["intel-iommu,bus=pcie.0"] = "Device 'intel-iommu' can't go on PCIE bus",
  ["intel-iommu,caching-mode=maybe"] = "Parameter 'caching-mode' expects 'on' or 'off'",
} do
  local ok, err = pcall(bus.device, bus, spec)
  assert(not ok and err:find(msg, 1, true), spec .. ": " .. tostring(err))
end

local v = bus:device("intel-iommu,aw-bits=48,caching-mode=on")
assert(v.name == "intel-iommu" and v.aw_bits == 48 and v.caching_mode == true)
assert(v.props["aw-bits"] == 48 and v.props.pt == true and v.props.intremap == "auto")
assert(tostring(v):match("intel%-iommu"))
-- registers: CAP/ECAP as QEMU 7.2 (readq 0xfed90008 -> 0x00d2008c222f0686)
assert(v:cap() == 0x00d2008c222f0686 and v:ecap() == 0xf00f4a)
assert(mem:ld(0xfed90008, 8) == 0x00d2008c222f0686)
assert(v:read(0) == 0x10 and v:read(0x38) == 0x80000000)
-- no PCI function was taken: slot 1 is still free for the next device
local d2 = bus:device("sim-testdev,device_id=0x11e8,bar0=1M")
assert(d2.devfn == 0x08, d2.bdf)
-- a second one is refused
local ok, err = pcall(bus.device, bus, "intel-iommu")
assert(not ok and err:find("QEMU does not support multiple vIOMMUs for x86 yet.", 1, true), err)

-- DMA through the unit: translation on over an empty root table faults
d:config_write(4, 4, 2)                               -- bus master
assert(select(2, d:dma_read(0x1000, 4)) == "ok")
-- fault events are MSI writes of FEDATA to FEADDR, here into a window
-- that records them, sent from inside the faulting DMA
local msis = {}
system:add(0xfee00000, sim.io("apic-msi", 0x100000, {
  read = function() return 0 end,
  write = function(addr, value, size) msis[#msis + 1] = { addr, value, size } end,
}), 4096)
v:write(0x3c, 0x4041)        -- FEDATA
v:write(0x40, 0xfee01000)    -- FEADDR
v:write(0x38, 0)             -- FECTL: unmask
v:write(0x20, 0x100000, 8)
v:write(0x18, 0x40000000)
v:write(0x18, 0xc0000000)
assert(v:read(0x1c) == 0xc0000000)
local _, r = d:dma_read(0x1234, 4)
assert(r ~= "ok")
assert(v:read(0x228, 8) == 0xc000000100000020,   -- QEMU 7.2: readq 0xfed90228
       string.format("%x", v:read(0x228, 8)))
assert(v:read(0x34) == 2)
assert(v:read(0x38) == 0)                              -- IP clear: sent
assert(#msis == 1 and msis[1][1] == 0x1000 and msis[1][2] == 0x4041 and msis[1][3] == 4)
local st = v:stats()
assert(st.faults >= 1 and st.faults_recorded == 1, st.faults)
v:stats_reset()
assert(v:stats().faults == 0)
v:reset()
assert(v:read(0x1c) == 0 and v:read(0x34) == 0)
ok, err = pcall(v.read, v, 0x22c, 8)
assert(not ok and err:match("not a register offset"), err)

h = nil
bus = nil
d, d2 = nil, nil
collectgarbage()
-- the unit outlives nothing: it goes with the host bridge
ok, err = pcall(v.read, v, 0)
assert(ok or err:match("destroyed"), err)
print("ok")
