/*
 * lua-clock.c - the virtual clock from Lua: read it, step it, set it.
 *
 * Devices (edu's DMA engine and factorial, timers of models) run on the
 * process-wide virtual clock (dma/vclock.h), which only moves when someone
 * moves it: `iommusim qtest` does with clock_step/clock_set and -icount
 * sleep=off; a script does with these functions. Callbacks of timers that
 * fire (device models, possibly reaching Lua through MMIO or IOMMU hooks)
 * run inside a call frame, so their errors come back as Lua errors here.
 */
#include "scripts/lua-iommusim.h"
#include "dma/vclock.h"

/* sim.clock() -> ns */
static int sim_clock(lua_State *L)
{
    lua_pushinteger(L, vclock_get_ns(vclock_virtual()));
    return 1;
}

/* sim.clock_deadline() -> ns until the next timer, or nil with none armed */
static int sim_clock_deadline(lua_State *L)
{
    int64_t d = vclock_deadline_ns(vclock_virtual());
    if (d < 0) {
        lua_pushnil(L);
    } else {
        lua_pushinteger(L, d);
    }
    return 1;
}

/* sim.clock_step([ns]) -> new time: by @ns, or to the next deadline */
static int sim_clock_step(lua_State *L)
{
    VClock *clock = vclock_virtual();
    bool next = lua_isnoneornil(L, 1);
    lua_Integer ns = next ? 0 : luaL_checkinteger(L, 1);
    int64_t now;
    SimCall c;

    if (ns < 0) {
        return luaL_argerror(L, 1, "must not be negative");
    }
    if (vclock_mode(clock) == VCLOCK_REALTIME) {
        return luaL_error(L, "clock_step: the virtual clock follows real time "
                          "here and cannot be stepped");
    }
    lua_settop(L, 1);
    sim_call_enter(L, &c);
    now = next ? vclock_step_next(clock) : vclock_step(clock, ns);
    sim_call_leave(L, &c);
    lua_pushinteger(L, now);
    return 1;
}

/* sim.clock_set(ns) -> new time (a time not in the future changes nothing) */
static int sim_clock_set(lua_State *L)
{
    VClock *clock = vclock_virtual();
    lua_Integer ns = luaL_checkinteger(L, 1);
    int64_t now;
    SimCall c;

    if (vclock_mode(clock) == VCLOCK_REALTIME) {
        return luaL_error(L, "clock_set: the virtual clock follows real time "
                          "here and cannot be set");
    }
    lua_settop(L, 1);
    sim_call_enter(L, &c);
    now = vclock_set(clock, ns);
    sim_call_leave(L, &c);
    lua_pushinteger(L, now);
    return 1;
}

void sim_open_clock(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "clock", sim_clock },
        { "clock_deadline", sim_clock_deadline },
        { "clock_step", sim_clock_step },
        { "clock_set", sim_clock_set },
        { NULL, NULL },
    };
    luaL_setfuncs(L, fns, 0);
}
