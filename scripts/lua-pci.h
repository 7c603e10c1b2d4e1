/*
 * lua-pci.h - the PCI part of the Lua binding (scripts/lua-pci.c).
 *
 *   local h = sim.pci_host{ memory = m.memory,   -- AddressSpace for DMA
 *                           pci = pci_region,    -- PCI memory space
 *                           io = io_region,      -- PCI I/O space
 *                           system = system,     -- where ECAM maps (opt.)
 *                           ports = 0xcf8,       -- false: do not map them
 *                           bus = "pcie.0", conventional = false,
 *                           allow_0_address = false }
 *   h.bus, h.conf_region, h.data_region, h.mmcfg_region
 *   h:mmcfg(enable, addr, size)                  -- map/unmap ECAM
 *   h:on_irq(function(dev, irq_num, level) end)  -- INTx lines (nil: off)
 *
 *   local mch = h.bus:create("mch", "addr=00.0")  -- models not for -device
 *   local edu = h.bus:device("edu,addr=04.0")     -- a -device string
 *   bus.name, bus.num, bus:devices(), bus:find("01:03.0"), bus:lspci()
 *   bus:set_iommu(function(bus, devfn) return as end)   -- nil: remove
 *
 *   dev.name, dev.id, dev.bdf ("00:04.0"), dev.devfn, dev.slot, dev.func,
 *   dev.bus, dev.bus_num, dev.requester_id, dev.vendor_id, dev.device_id,
 *   dev.as (its bus master AddressSpace), dev.secondary_bus (bridges)
 *   dev:config_read(off, size) -> value
 *   dev:config_write(off, value, size)
 *   dev:bar(n) -> { addr = n|nil, size, type = "mem"|"io", mem64,
 *                   prefetch, region } or nil            (n 0..5, 6 = ROM)
 *   dev:dma_read(addr, len [, attrs]) -> data, result, code
 *   dev:dma_write(addr, data [, attrs]) -> result, code
 *                   (attrs default: the device's requester ID)
 *   dev:reset(), dev:destroy(), dev:lspci()
 *   dev:on_config_write(function(dev, off, value, size) end) -> id
 *   dev:remove_config_hook(id)
 *
 *   sim.parse_slot("0000:00:04.0") -> { domain=, bus=, slot=, func= }
 *                                     (wildcard fields are absent)
 *   sim.pci_drivers() -> { "edu", "mch", ... }
 *   sim.pci_name(vendor, device), sim.pci_class_name(class)
 *
 * Errors of C (bad -device strings, taken slots, ...) are raised as Lua
 * errors "bus:device: MESSAGE". Lua hooks (IOMMU, INTx, config writes)
 * run while a binding call is active; one that raises makes the call that
 * led to it raise once the core is done. Host bridges live until the Lua
 * state closes; devices until dev:destroy() or then.
 */
#ifndef IOMMUSIM_SCRIPTS_LUA_PCI_H
#define IOMMUSIM_SCRIPTS_LUA_PCI_H

#include <lua.h>

#define SIM_PCI_HOST_MT "iommusim.PCIHost"
#define SIM_PCI_BUS_MT  "iommusim.PCIBus"
#define SIM_PCI_DEV_MT  "iommusim.PCIDevice"

/* Add pci_host, parse_slot, pci_drivers, pci_name and pci_class_name to
 * the module table at the top of the stack. */
void sim_open_pci(lua_State *L);

#endif
