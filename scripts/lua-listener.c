/*
 * lua-listener.c - MemoryListeners whose callbacks are Lua functions.
 *
 *   local l = sim.listener(as, { priority = 10, region_add = function(s) end })
 *
 * A registered listener is anchored in the registry until l:unregister()
 * (or its address space is destroyed), so that the collector does not
 * silently stop it. Its callbacks run protected: an error skips the rest of
 * that event and is raised by the Lua function whose change caused it.
 */
#include "scripts/lua-iommusim.h"
#include <limits.h>

enum {
    SIM_EV_BEGIN,
    SIM_EV_COMMIT,
    SIM_EV_REGION_ADD,
    SIM_EV_REGION_DEL,
    SIM_EV_REGION_NOP,
    SIM_EV_LOG_START,
    SIM_EV_LOG_STOP,
    SIM_EV_LOG_SYNC,
    SIM_EV_LOG_GLOBAL_START,
    SIM_EV_LOG_GLOBAL_STOP,
    SIM_EV_N,
};

static const char *const sim_ev_names[SIM_EV_N] = {
    "begin", "commit", "region_add", "region_del", "region_nop",
    "log_start", "log_stop", "log_sync", "log_global_start",
    "log_global_stop",
};

typedef struct SimListener {
    MemoryListener ml;
    int refs[SIM_EV_N];
    char *name;
} SimListener;

typedef struct SimListenerBox {
    SimListener *l;
} SimListenerBox;

typedef struct SimEvent {
    SimListener *l;
    int ev;
    const MemoryRegionSection *s;
    int old_mask;
    int new_mask;
} SimEvent;

static GPtrArray *sim_registered; /* SimListener *, registered ones */

/* ---- sections ------------------------------------------------------------ */

void sim_push_section(lua_State *L, const MemoryRegionSection *s)
{
    lua_createtable(L, 0, 8);
    sim_pushregion(L, s->mr);
    lua_setfield(L, -2, "region");
    lua_pushstring(L, memory_region_name(s->mr));
    lua_setfield(L, -2, "name");
    lua_pushinteger(L, (lua_Integer)s->offset_within_address_space);
    lua_setfield(L, -2, "addr");
    lua_pushinteger(L, (lua_Integer)s->offset_within_region);
    lua_setfield(L, -2, "offset");
    lua_pushinteger(L, sim_size_to_lua(s->size));
    lua_setfield(L, -2, "size");
    lua_pushinteger(L, (lua_Integer)(s->offset_within_address_space +
                                     (uint64_t)(s->size - 1)));
    lua_setfield(L, -2, "last");
    lua_pushboolean(L, s->readonly);
    lua_setfield(L, -2, "readonly");
    lua_pushboolean(L, s->nonvolatile);
    lua_setfield(L, -2, "nonvolatile");
}

/* ---- trampolines ---------------------------------------------------------- */

static int sim_event_body(lua_State *L)
{
    SimEvent *e = lua_touserdata(L, 1);
    int nargs = 0;

    lua_rawgeti(L, LUA_REGISTRYINDEX, e->l->refs[e->ev]);
    if (e->s) {
        sim_push_section(L, e->s);
        nargs++;
    }
    if (e->ev == SIM_EV_LOG_START || e->ev == SIM_EV_LOG_STOP) {
        lua_pushinteger(L, e->old_mask);
        lua_pushinteger(L, e->new_mask);
        nargs += 2;
    }
    lua_call(L, nargs, 0);
    return 0;
}

static void sim_event(MemoryListener *ml, int ev,
                      const MemoryRegionSection *s, int old_mask,
                      int new_mask)
{
    SimEvent e = {
        .l = ml->opaque, .ev = ev, .s = s, .old_mask = old_mask,
        .new_mask = new_mask,
    };
    char what[64];

    g_snprintf(what, sizeof(what), "listener %s callback",
               sim_ev_names[ev]);
    sim_protect(sim_event_body, &e, what, e.l->name);
}

static void sim_begin(MemoryListener *l)
{
    sim_event(l, SIM_EV_BEGIN, NULL, 0, 0);
}

static void sim_commit(MemoryListener *l)
{
    sim_event(l, SIM_EV_COMMIT, NULL, 0, 0);
}

static void sim_region_add(MemoryListener *l, MemoryRegionSection *s)
{
    sim_event(l, SIM_EV_REGION_ADD, s, 0, 0);
}

static void sim_region_del(MemoryListener *l, MemoryRegionSection *s)
{
    sim_event(l, SIM_EV_REGION_DEL, s, 0, 0);
}

static void sim_region_nop(MemoryListener *l, MemoryRegionSection *s)
{
    sim_event(l, SIM_EV_REGION_NOP, s, 0, 0);
}

static void sim_log_start(MemoryListener *l, MemoryRegionSection *s,
                          int old_mask, int new_mask)
{
    sim_event(l, SIM_EV_LOG_START, s, old_mask, new_mask);
}

static void sim_log_stop(MemoryListener *l, MemoryRegionSection *s,
                         int old_mask, int new_mask)
{
    sim_event(l, SIM_EV_LOG_STOP, s, old_mask, new_mask);
}

static void sim_log_sync(MemoryListener *l, MemoryRegionSection *s)
{
    sim_event(l, SIM_EV_LOG_SYNC, s, 0, 0);
}

static void sim_log_global_start(MemoryListener *l)
{
    sim_event(l, SIM_EV_LOG_GLOBAL_START, NULL, 0, 0);
}

static void sim_log_global_stop(MemoryListener *l)
{
    sim_event(l, SIM_EV_LOG_GLOBAL_STOP, NULL, 0, 0);
}

/* ---- lifetime -------------------------------------------------------------- */

static void sim_listener_free(void *p)
{
    SimListener *l = p;
    lua_State *L = sim_any_state();

    for (int i = 0; i < SIM_EV_N; i++) {
        if (L) {
            luaL_unref(L, LUA_REGISTRYINDEX, l->refs[i]);
        }
    }
    g_free(l->name);
    g_free(l);
}

static void sim_anchor(lua_State *L, SimListener *l, int ud)
{
    ud = lua_absindex(L, ud);
    sim_registry_table(L, SIM_REG_LISTENERS, NULL);
    lua_pushvalue(L, ud);
    lua_rawsetp(L, -2, l);
    lua_pop(L, 1);
}

static void sim_unanchor(lua_State *L, SimListener *l)
{
    sim_registry_table(L, SIM_REG_LISTENERS, NULL);
    lua_pushnil(L);
    lua_rawsetp(L, -2, l);
    lua_pop(L, 1);
}

/* Unregister @l from the core (callbacks run if a frame is open) */
static void sim_listener_stop(SimListener *l)
{
    g_ptr_array_remove(sim_registered, l);
    if (l->ml.address_space) {
        memory_listener_unregister(&l->ml);
    }
}

void sim_listeners_detach(lua_State *L, AddressSpace *as)
{
    for (guint i = sim_registered ? sim_registered->len : 0; i-- > 0;) {
        SimListener *l;

        if (i >= sim_registered->len) {
            continue; /* a callback unregistered others */
        }
        l = g_ptr_array_index(sim_registered, i);
        if (l->ml.address_space == as) {
            sim_listener_stop(l);
            if (L) {
                sim_unanchor(L, l);
            }
        }
    }
}

void sim_listeners_teardown(lua_State *L)
{
    while (sim_registered && sim_registered->len) {
        SimListener *l = g_ptr_array_index(sim_registered, 0);
        sim_listener_stop(l);
        sim_unanchor(L, l);
    }
}

static SimListener *sim_checklistener(lua_State *L, int arg)
{
    SimListenerBox *b = luaL_checkudata(L, arg, SIM_LISTENER_MT);

    if (!b->l) {
        luaL_argerror(L, arg, "listener was released");
    }
    return b->l;
}

static int sim_listener_gc(lua_State *L)
{
    SimListenerBox *b = luaL_checkudata(L, 1, SIM_LISTENER_MT);

    if (b->l) {
        /* only unregistered listeners are collected, except at the end */
        if (sim_registered && g_ptr_array_find(sim_registered, b->l, NULL)) {
            sim_listener_stop(b->l);
        }
        /* its own callback may be running (it unregistered itself) */
        sim_defer_free(sim_listener_free, b->l);
        b->l = NULL;
    }
    return 0;
}

/* ---- Lua functions ------------------------------------------------------- */

/* sim.listener(as, spec) -> listener */
static int sim_listener_new(lua_State *L)
{
    static const char *keys[SIM_EV_N + 3];
    AddressSpace *as = sim_checkas(L, 1);
    lua_Integer prio;
    const char *name;
    SimListenerBox *b;
    SimListener *l;
    SimCall c;

    for (int i = 0; i < SIM_EV_N; i++) {
        keys[i] = sim_ev_names[i];
    }
    keys[SIM_EV_N] = "priority";
    keys[SIM_EV_N + 1] = "name";
    keys[SIM_EV_N + 2] = NULL;
    luaL_checktype(L, 2, LUA_TTABLE);
    sim_checkopts(L, 2, keys);
    prio = sim_optfield_integer(L, 2, "priority", 0, NULL);
    if (prio < 0 || prio > UINT_MAX) {
        return luaL_argerror(L, 2, lua_pushfstring(L, "field 'priority' must "
                             "be in [0, %I], got %I", (lua_Integer)UINT_MAX,
                             prio));
    }
    name = sim_optfield_string(L, 2, "name", NULL);
    for (int i = 0; i < SIM_EV_N; i++) {
        int t = lua_getfield(L, 2, sim_ev_names[i]);
        if (t != LUA_TNIL && t != LUA_TFUNCTION) {
            return luaL_argerror(L, 2, lua_pushfstring(L, "field '%s': "
                                 "function expected, got %s", sim_ev_names[i],
                                 luaL_typename(L, -1)));
        }
        lua_pop(L, 1);
    }
    lua_settop(L, 2);

    b = lua_newuserdatauv(L, sizeof(*b), 0);
    b->l = NULL;
    luaL_setmetatable(L, SIM_LISTENER_MT);
    l = g_new0(SimListener, 1);
    b->l = l;
    l->name = g_strdup(name ? name : "lua-listener");
    l->ml.name = l->name;
    l->ml.priority = (unsigned)prio;
    l->ml.opaque = l;
    for (int i = 0; i < SIM_EV_N; i++) {
        lua_getfield(L, 2, sim_ev_names[i]);
        l->refs[i] = luaL_ref(L, LUA_REGISTRYINDEX); /* LUA_REFNIL for nil */
    }
#define SIM_HOOK(ev, field, fn) \
    if (l->refs[ev] != LUA_REFNIL) { l->ml.field = fn; }
    SIM_HOOK(SIM_EV_BEGIN, begin, sim_begin)
    SIM_HOOK(SIM_EV_COMMIT, commit, sim_commit)
    SIM_HOOK(SIM_EV_REGION_ADD, region_add, sim_region_add)
    SIM_HOOK(SIM_EV_REGION_DEL, region_del, sim_region_del)
    SIM_HOOK(SIM_EV_REGION_NOP, region_nop, sim_region_nop)
    SIM_HOOK(SIM_EV_LOG_START, log_start, sim_log_start)
    SIM_HOOK(SIM_EV_LOG_STOP, log_stop, sim_log_stop)
    SIM_HOOK(SIM_EV_LOG_SYNC, log_sync, sim_log_sync)
    SIM_HOOK(SIM_EV_LOG_GLOBAL_START, log_global_start, sim_log_global_start)
    SIM_HOOK(SIM_EV_LOG_GLOBAL_STOP, log_global_stop, sim_log_global_stop)
#undef SIM_HOOK

    sim_anchor(L, l, 3);
    if (!sim_registered) {
        sim_registered = g_ptr_array_new();
    }
    g_ptr_array_add(sim_registered, l);
    sim_call_enter(L, &c);
    memory_listener_register(&l->ml, as);
    if (!lua_isnil(L, c.slot)) {
        /* a callback failed during the replay: the listener is not kept */
        sim_listener_stop(l);
        sim_unanchor(L, l);
    }
    sim_call_leave(L, &c);
    lua_pushvalue(L, 3);
    return 1;
}

/* l:unregister() */
static int sim_listener_unregister(lua_State *L)
{
    SimListener *l = sim_checklistener(L, 1);
    SimCall c;

    if (!sim_registered || !g_ptr_array_find(sim_registered, l, NULL)) {
        return luaL_argerror(L, 1, "listener is not registered");
    }
    sim_unanchor(L, l);
    sim_call_enter(L, &c);
    sim_listener_stop(l);
    sim_call_leave(L, &c);
    return 0;
}

static int sim_listener_registered(lua_State *L)
{
    SimListener *l = sim_checklistener(L, 1);

    lua_pushboolean(L, l->ml.address_space != NULL);
    return 1;
}

static int sim_listener_address_space(lua_State *L)
{
    sim_pushas(L, sim_checklistener(L, 1)->ml.address_space);
    return 1;
}

static int sim_listener_name(lua_State *L)
{
    lua_pushstring(L, sim_checklistener(L, 1)->name);
    return 1;
}

static int sim_listener_priority(lua_State *L)
{
    lua_pushinteger(L, sim_checklistener(L, 1)->ml.priority);
    return 1;
}

static int sim_listener_tostring(lua_State *L)
{
    SimListenerBox *b = luaL_checkudata(L, 1, SIM_LISTENER_MT);

    lua_pushfstring(L, "MemoryListener '%s'%s", b->l ? b->l->name : "?",
                    b->l && b->l->ml.address_space ? "" : " (unregistered)");
    return 1;
}

/* sim.sync_dirty_bitmap([region]): log_sync of every listener */
static int sim_sync_dirty_bitmap(lua_State *L)
{
    MemoryRegion *mr = lua_isnoneornil(L, 1) ? NULL : sim_checkregion(L, 1);
    SimCall c;

    sim_call_enter(L, &c);
    memory_region_sync_dirty_bitmap(mr);
    sim_call_leave(L, &c);
    return 0;
}

static const luaL_Reg sim_listener_methods[] = {
    { "unregister", sim_listener_unregister },
    { "registered", sim_listener_registered },
    { "address_space", sim_listener_address_space },
    { "name", sim_listener_name },
    { "priority", sim_listener_priority },
    { NULL, NULL },
};

static const luaL_Reg sim_listener_meta[] = {
    { "__gc", sim_listener_gc },
    { "__tostring", sim_listener_tostring },
    { NULL, NULL },
};

void sim_open_listener(lua_State *L)
{
    sim_new_class(L, SIM_LISTENER_MT, sim_listener_methods,
                  sim_listener_meta);
    lua_pushcfunction(L, sim_listener_new);
    lua_setfield(L, -2, "listener");
    lua_pushcfunction(L, sim_sync_dirty_bitmap);
    lua_setfield(L, -2, "sync_dirty_bitmap");
}
