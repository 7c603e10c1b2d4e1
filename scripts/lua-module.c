/*
 * lua-module.c - luaopen_iommusim: the module table, constants,
 * transactions and the teardown that runs when the Lua state closes.
 */
#include "scripts/lua-iommusim.h"
#include "scripts/lua-iommu.h"
#include "scripts/lua-pci.h"

#ifndef IOMMUSIM_VERSION
#define IOMMUSIM_VERSION "unknown"
#endif

#define SIM_REG_SENTINEL "iommusim.sentinel"
#define SIM_SENTINEL_MT "iommusim.Sentinel"

/* transactions opened with sim.begin() and not committed yet */
static unsigned sim_lua_depth;

unsigned sim_transactions_open(void)
{
    return sim_lua_depth;
}

void sim_transactions_teardown(void)
{
    for (; sim_lua_depth > 0; sim_lua_depth--) {
        memory_region_transaction_commit();
    }
}

/* sim.transaction(fn, ...) -> fn's results; changes made by fn are
 * rendered once, at the end (if this is the outermost transaction) */
static int sim_transaction(lua_State *L)
{
    int nargs = lua_gettop(L) - 1;
    SimCall c;
    int st;

    luaL_checktype(L, 1, LUA_TFUNCTION);
    luaL_checkstack(L, nargs + 4, "too many arguments");
    sim_call_enter(L, &c);
    for (int i = 1; i <= nargs + 1; i++) {
        lua_pushvalue(L, i);
    }
    memory_region_transaction_begin();
    sim_lua_depth++;
    st = lua_pcall(L, nargs, LUA_MULTRET, 0);
    sim_lua_depth--;
    memory_region_transaction_commit();
    if (st != LUA_OK) {
        /* the function's own error wins over a listener's */
        lua_pushnil(L);
        lua_replace(L, c.slot);
        sim_call_leave(L, &c);
        return lua_error(L);
    }
    sim_call_leave(L, &c);
    return lua_gettop(L) - c.slot;
}

/* sim.begin(): open a transaction; sim.commit() closes it */
static int sim_begin(lua_State *L)
{
    memory_region_transaction_begin();
    sim_lua_depth++;
    return 0;
}

static int sim_commit(lua_State *L)
{
    SimCall c;

    if (sim_lua_depth == 0) {
        return luaL_error(L, "commit: no transaction open (call sim.begin() "
                          "first)");
    }
    sim_call_enter(L, &c);
    sim_lua_depth--;
    memory_region_transaction_commit();
    sim_call_leave(L, &c);
    return 0;
}

static int sim_transaction_depth(lua_State *L)
{
    lua_pushinteger(L, memory_region_transaction_depth());
    return 1;
}

/* sim.result_name(code) -> "ok", "decode-error", ... */
static int sim_result_name(lua_State *L)
{
    MemTxResult r = (MemTxResult)sim_checkrange(L, 1, 0, 7, "MemTxResult");

    lua_pushstring(L, memtx_result_name(r));
    return 1;
}

/* Runs when the Lua state closes, after the script's own objects. */
static int sim_sentinel_gc(lua_State *L)
{
    sim_listeners_teardown(L);
    sim_transactions_teardown();
    sim_imports_teardown(L);
    sim_as_teardown(L);
    sim_drain_unrefs();
    sim_set_main_state(NULL);
    return 0;
}

static const luaL_Reg sim_functions[] = {
    { "transaction", sim_transaction },
    { "begin", sim_begin },
    { "commit", sim_commit },
    { "transaction_depth", sim_transaction_depth },
    { "result_name", sim_result_name },
    { NULL, NULL },
};

static void sim_set_int(lua_State *L, const char *name, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, name);
}

int luaopen_iommusim(lua_State *L)
{
    /* the teardown object, once per state, before any other object */
    if (lua_getfield(L, LUA_REGISTRYINDEX, SIM_REG_SENTINEL) == LUA_TNIL) {
        lua_newuserdatauv(L, 1, 0);
        luaL_newmetatable(L, SIM_SENTINEL_MT);
        lua_pushcfunction(L, sim_sentinel_gc);
        lua_setfield(L, -2, "__gc");
        lua_setmetatable(L, -2);
        lua_setfield(L, LUA_REGISTRYINDEX, SIM_REG_SENTINEL);
        lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
        sim_set_main_state(lua_tothread(L, -1));
        lua_pop(L, 1);
    }
    lua_pop(L, 1);

    luaL_newlib(L, sim_functions);
    sim_open_region(L);
    sim_open_as(L);
    sim_open_listener(L);
    sim_open_ram(L);
    sim_open_mtree(L);
    sim_open_iommu(L); /* after sim_open_as: adds as:get_iotlb_entry */
    sim_open_pci(L);
    sim_open_clock(L);

    sim_set_int(L, "UINT64_MAX", (lua_Integer)-1);
    sim_set_int(L, "MEMTX_OK", MEMTX_OK);
    sim_set_int(L, "MEMTX_ERROR", MEMTX_ERROR);
    sim_set_int(L, "MEMTX_DECODE_ERROR", MEMTX_DECODE_ERROR);
    sim_set_int(L, "MEMTX_ACCESS_ERROR", MEMTX_ACCESS_ERROR);
    sim_set_int(L, "DIRTY_MEMORY_VGA", DIRTY_MEMORY_VGA);
    sim_set_int(L, "DIRTY_MEMORY_CODE", DIRTY_MEMORY_CODE);
    sim_set_int(L, "DIRTY_MEMORY_MIGRATION", DIRTY_MEMORY_MIGRATION);
    lua_pushstring(L, IOMMUSIM_VERSION);
    lua_setfield(L, -2, "version");
    return 1;
}
