/*
 * lua-mmio.h - MemoryRegionOps backed by Lua functions (binding internal).
 */
#ifndef IOMMUSIM_SCRIPTS_LUA_MMIO_H
#define IOMMUSIM_SCRIPTS_LUA_MMIO_H

#include "scripts/lua-iommusim.h"

typedef struct SimMmio SimMmio;

/*
 * sim_mmio_new: check the ops table at @arg ({read, write, accepts,
 * endianness, valid = {min, max, unaligned}, impl = {...}}; nil means no
 * callbacks) and build the ops. Raises for a bad table.
 */
SimMmio *sim_mmio_new(lua_State *L, int arg);
const MemoryRegionOps *sim_mmio_ops(SimMmio *m);
/* Tie @m to the region made with its ops: freed with the region. */
void sim_mmio_attach(SimMmio *m, MemoryRegion *mr);
/* Free an unattached @m (region creation failed). */
void sim_mmio_free(SimMmio *m);

#endif
