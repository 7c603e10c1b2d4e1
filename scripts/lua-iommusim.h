/*
 * lua-iommusim.h - internals shared by the files of the Lua binding.
 *
 * The binding is split by concept: lua-util.c (argument checks, call frames
 * that carry errors out of Lua callbacks), lua-region.c, lua-mmio.c (Lua
 * MemoryRegionOps), lua-as.c, lua-map.c, lua-listener.c, lua-ram.c,
 * lua-mtree.c, lua-iommu.c (IOMMU floor) and lua-module.c (luaopen_iommusim,
 * transactions). Nothing outside scripts/ includes this header.
 *
 * Callbacks. The memory core calls Lua (MMIO ops, listeners, map clients)
 * from deep inside its own frames, so a Lua error must never longjmp
 * through them. Every binding function that may reach a callback brackets
 * its core calls with sim_call_enter()/sim_call_leave(); between the two it
 * must not raise. Trampolines run the Lua code with sim_protect(), which
 * catches any error and keeps the first one in the innermost frame;
 * sim_call_leave() re-raises it once the core has returned.
 */
#ifndef IOMMUSIM_SCRIPTS_LUA_IOMMUSIM_H
#define IOMMUSIM_SCRIPTS_LUA_IOMMUSIM_H

#include <lua.h>
#include <lauxlib.h>
#include "memory/address-space.h"

#define SIM_REGION_MT   "iommusim.MemoryRegion"
#define SIM_AS_MT       "iommusim.AddressSpace"
#define SIM_LISTENER_MT "iommusim.MemoryListener"
#define SIM_MAPPING_MT  "iommusim.Mapping"
#define SIM_IMPORT_MT   "iommusim.MtreeImport"

/* ---- call frames ---------------------------------------------------- */

typedef struct SimCall {
    lua_State *L;
    int slot;              /* stack slot holding the first callback error */
    struct SimCall *prev;
} SimCall;

/* Open a frame (pushes one stack slot). */
void sim_call_enter(lua_State *L, SimCall *c);
/* Close it; raises the stored callback error, prefixed with the caller's
 * position, if there is one. Leaves the slot on the stack otherwise. */
void sim_call_leave(lua_State *L, SimCall *c);
/* True while some binding function is inside the core. */
bool sim_in_call(void);

/*
 * sim_protect: run @body(L) with a light userdata @ud as its only argument
 * on the innermost frame's state, in protected mode. An error is prefixed
 * with "@what of '@name': " (or "@what: ") and kept in the frame. Returns
 * false on error, or when no frame is open (a callback reached while no
 * script is running, e.g. during teardown, is skipped).
 */
bool sim_protect(lua_CFunction body, void *ud, const char *what,
                 const char *name);

/* A state usable for registry work (luaL_unref) right now. */
lua_State *sim_any_state(void);
void sim_set_main_state(lua_State *L);

/* Regions whose last Lua reference went while the core was busy are
 * released at the end of the outermost frame. */
void sim_defer_unref(MemoryRegion *mr);
/* Drop a reference held by Lua: now, with @L for registry work (a Lua
 * region's callbacks are unref'd when it goes), or deferred while the core
 * is busy. */
void sim_lua_unref(lua_State *L, MemoryRegion *mr);
void sim_drain_unrefs(void);
/* Run @fn(@p) now, or at the end of the outermost frame if one is open
 * (for C state a callback may still be using) */
void sim_defer_free(void (*fn)(void *), void *p);
/* Unmap mappings whose userdata was collected while the core was busy */
void sim_drain_mappings(void);

/* ---- argument checks (lauxlib style: errors name the argument) ------ */

/* Any integer, taken as a 64-bit pattern (addresses, offsets). */
uint64_t sim_checkaddr(lua_State *L, int arg);
/* A region size: a non-zero integer; UINT64_MAX (-1) means 2^64. */
uint64_t sim_checksize(lua_State *L, int arg);
/* A byte count for a buffer: 0 <= n (and n > 0 unless @allow0). */
uint64_t sim_checklen(lua_State *L, int arg, bool allow0);
/* A byte count for data returned as a Lua string: at most SIM_MAX_READ */
#define SIM_MAX_READ (UINT64_C(1) << 30)
uint64_t sim_checkreadlen(lua_State *L, int arg);
/* Access width 1, 2, 4 or 8. */
unsigned sim_checkwidth(lua_State *L, int arg);
/* A value for an access of @size bytes: -2^(8*size-1) <= v < 2^(8*size)
 * (negative values are two's complement); returned masked to @size. */
uint64_t sim_checkvalue(lua_State *L, int arg, unsigned size);
/* An integer within [lo, hi]. */
lua_Integer sim_checkrange(lua_State *L, int arg, lua_Integer lo,
                           lua_Integer hi, const char *what);
/* A real boolean (not any value) */
bool sim_checkbool(lua_State *L, int arg);
bool sim_optbool(lua_State *L, int arg, bool def);
/* A dirty memory client: "vga", "code", "migration" or 0..2 */
unsigned sim_checkclient(lua_State *L, int arg);
/* "le"/"little" (default) or "be"/"big": returns true for big endian */
bool sim_optendian(lua_State *L, int arg);
/* An optional attributes table {requester_id, secure, user, debug, pasid} */
MemTxAttrs sim_optattrs(lua_State *L, int arg);
/* [addr, addr+len) must not wrap past 2^64 */
void sim_checkspan(lua_State *L, int arg, uint64_t addr, uint64_t len);
/* An option table at @arg (or nil): raises for keys not in @keys */
void sim_checkopts(lua_State *L, int arg, const char *const keys[]);
/* Fields of an option table; absent (nil) gives the default */
lua_Integer sim_optfield_integer(lua_State *L, int arg, const char *key,
                                 lua_Integer def, bool *present);
bool sim_optfield_bool(lua_State *L, int arg, const char *key, bool def);
const char *sim_optfield_string(lua_State *L, int arg, const char *key,
                                const char *def);
/* Pushes the function in field @key (or returns LUA_NOREF when nil) and
 * refs it in the registry. */
int sim_optfield_function_ref(lua_State *L, int arg, const char *key);

/* Raise "@fn: message" for a GError, freeing it. */
int sim_raise_gerror(lua_State *L, const char *fn, GError *err);

/* Push a MemTxResult as name and number: 2 values */
void sim_push_result(lua_State *L, MemTxResult r);
/* Convert a callback's result value (nil, integer or name). */
bool sim_toresult(lua_State *L, int idx, MemTxResult *r);
/* Push an attributes table */
void sim_push_attrs(lua_State *L, MemTxAttrs attrs);
/* Size as Lua sees it: 2^64 becomes UINT64_MAX (-1) */
lua_Integer sim_size_to_lua(u128 size);

/* ---- objects -------------------------------------------------------- */

/* Regions: one userdata per region, holding a reference on it */
MemoryRegion *sim_checkregion(lua_State *L, int arg);
void sim_pushregion(lua_State *L, MemoryRegion *mr); /* nil for NULL */

/* Address spaces */
AddressSpace *sim_checkas(lua_State *L, int arg);
void sim_pushas(lua_State *L, AddressSpace *as);     /* nil for NULL */
/* Remember @as as created by the script (destroyed at teardown). */
void sim_as_adopt(lua_State *L, AddressSpace *as);

/* Before an address space is destroyed: unmap the script's mappings of
 * it, drop its map clients, unregister its listeners (open frame needed
 * when L is given). */
void sim_as_release(lua_State *L, AddressSpace *as);
/* lua-map.c: the script's mappings and map clients of @as; all of them */
void sim_map_release(AddressSpace *as);
void sim_map_teardown(void);
void sim_open_map(lua_State *L);
/* Teardown of imported trees (lua-mtree.c) */
void sim_imports_teardown(lua_State *L);

/* Listener sections */
void sim_push_section(lua_State *L, const MemoryRegionSection *s);
/* Unregister the Lua listeners of @as (before it is destroyed); needs an
 * open frame. */
void sim_listeners_detach(lua_State *L, AddressSpace *as);
/* Teardown: unregister and free every Lua listener */
void sim_listeners_teardown(lua_State *L);
void sim_as_teardown(lua_State *L);
unsigned sim_transactions_open(void);
void sim_transactions_teardown(void);

/* ---- registration of each part in the module table (at -1) ----------- */
void sim_open_region(lua_State *L);
void sim_open_as(lua_State *L);
void sim_open_listener(lua_State *L);
void sim_open_ram(lua_State *L);
void sim_open_mtree(lua_State *L);
void sim_open_clock(lua_State *L);

int luaopen_iommusim(lua_State *L);

/* Registry keys */
#define SIM_REG_REGIONS   "iommusim.regions"   /* weak: lightud -> userdata */
#define SIM_REG_AS        "iommusim.as"        /* weak: lightud -> userdata */
#define SIM_REG_AS_OWNED  "iommusim.as_owned"  /* userdata -> true */
#define SIM_REG_LISTENERS "iommusim.listeners" /* lightud -> userdata */
#define SIM_REG_IMPORTS   "iommusim.imports"   /* lightud -> userdata */

/* Get (creating if needed) a registry table; @weak "v", "k" or NULL */
void sim_registry_table(lua_State *L, const char *key, const char *weak);

/* Build a table of functions into a new metatable @tname with __index */
void sim_new_class(lua_State *L, const char *tname, const luaL_Reg *methods,
                   const luaL_Reg *meta);

#endif
