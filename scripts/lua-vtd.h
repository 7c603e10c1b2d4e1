/*
 * lua-vtd.h - the intel-iommu device from Lua (scripts/lua-vtd.c).
 *
 *   local v = h.bus:device("intel-iommu,aw-bits=48,caching-mode=on")
 *   v.name                      -- "intel-iommu"
 *   v.aw_bits, v.caching_mode   -- properties as resolved
 *   v.props                     -- { ["aw-bits"] = 48, ["caching-mode"] = true, ... }
 *   v:cap(), v:ecap()           -- reset-time CAP / ECAP
 *   v:read(offset [, size])     -- a register (size 4 or 8, default 4)
 *   v:write(offset, value [, size])
 *   v:stats()                   -- { iotlb_hits = n, iotlb_misses = n, ... }
 *   v:stats_reset(), v:reset(), v:iotlb_size()
 *
 * The unit belongs to the host bridge's hierarchy: it goes when the host
 * bridge goes, after which every method raises "intel-iommu was
 * destroyed".
 */
#ifndef IOMMUSIM_SCRIPTS_LUA_VTD_H
#define IOMMUSIM_SCRIPTS_LUA_VTD_H

#include <lua.h>
#include <stdbool.h>
#include "dma/pci-bus.h"

/* Whether bus:device(@spec) is for intel-iommu */
bool sim_vtd_spec(const char *spec);
/* bus:device for intel-iommu: pushes the unit or raises the error */
int sim_vtd_device_add(lua_State *L, PCIBus *bus, const char *spec);
/* The host bridge of @root goes: remove its unit (before the devices) */
void sim_vtd_host_teardown(lua_State *L, PCIBus *root);

#endif
