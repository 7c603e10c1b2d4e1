/*
 * lua-iommu.h - the IOMMU part of the Lua binding (scripts/lua-iommu.c).
 *
 *   local s = sim.scripted_iommu{ name = "siommu", size = sim.UINT64_MAX,
 *                                 page_size = 4096, refuse_map = false,
 *                                 indexes = 1,
 *                                 translate = function(iova, is_write, idx,
 *                                                      access) ... end,
 *                                 attrs_to_index = function(attrs) ... end }
 *   root:add_subregion(0, s:region())
 *   s:map(iova, target_as, addr, size, "rw" [, idx])
 *   s:unmap(iova, size [, idx])
 *   local n = s:notifier{ flags = "map|unmap", start = 0, ["end"] = -1,
 *                         idx = 0, fn = function(ev, n) ... end }
 *   s:replay(n); n:unregister()
 *   s:stats(), s:last_fault(), s:mappings([idx]), s:translate(iova, ...)
 *   sim.iommu_notifier(region, { ... })       -- any IOMMU region or alias
 *   as:get_iotlb_entry(addr [, is_write [, attrs]]) -- nil on failure
 *
 * A translate function returns nil (not mapped) or a table
 * { target_as = as, addr = translated page address, perm = "rw",
 *   page_size = n | mask = n }. One that raises or returns nonsense makes
 * the access fault, and its error is raised by the Lua call that made the
 * access once that access has returned (as for MMIO callbacks).
 */
#ifndef IOMMUSIM_SCRIPTS_LUA_IOMMU_H
#define IOMMUSIM_SCRIPTS_LUA_IOMMU_H

#include <lua.h>

#define SIM_SCRIPTED_IOMMU_MT "iommusim.ScriptedIOMMU"
#define SIM_IOMMU_NOTIFIER_MT "iommusim.IOMMUNotifier"

/* Add scripted_iommu, iommu_notifier, get_iotlb_entry (and the
 * get_iotlb_entry method of address spaces, if sim_open_as ran before) to
 * the module table at the top of the stack. */
void sim_open_iommu(lua_State *L);

#endif
