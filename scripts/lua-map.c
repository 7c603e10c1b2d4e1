/*
 * lua-map.c - address_space_map/unmap from Lua, with copy semantics: a
 * Mapping object reads and writes the mapped bytes and unmaps them; map
 * clients are Lua functions told when bounce memory frees.
 */
#include "scripts/lua-iommusim.h"
#include <string.h>

/* A live address_space_map(); heap memory so that a mapping collected
 * while the core is busy can be unmapped later (sim_drain_mappings) */
typedef struct SimMapping {
    AddressSpace *as;
    uint8_t *buf;
    hwaddr len;
    hwaddr written;    /* highest offset written + 1 */
    bool is_write;
    bool live;
    bool orphan;       /* its userdata is gone */
} SimMapping;

typedef struct SimMappingBox {
    SimMapping *m;
} SimMappingBox;

/* A Lua function waiting in address_space_register_map_client */
typedef struct SimMapClient {
    AddressSpace *as;
    int fn_ref;
} SimMapClient;

static GPtrArray *sim_live_mappings;  /* SimMapping * */
static GPtrArray *sim_map_clients;    /* SimMapClient * */

static void sim_unmap_one(SimMapping *m)
{
    if (m->live) {
        m->live = false;
        g_ptr_array_remove_fast(sim_live_mappings, m);
        address_space_unmap(m->as, m->buf, m->len, m->is_write, m->written);
    }
    if (m->orphan) {
        g_free(m);
    }
}

void sim_drain_mappings(void)
{
    for (guint i = sim_live_mappings ? sim_live_mappings->len : 0; i-- > 0;) {
        SimMapping *m;

        if (i >= sim_live_mappings->len) {
            continue;
        }
        m = g_ptr_array_index(sim_live_mappings, i);
        if (m->orphan) {
            sim_unmap_one(m);
        }
    }
}

static void sim_map_client_cb(void *opaque);

/* Unmap the script's mappings of @as and drop its map clients */
void sim_map_release(AddressSpace *as)
{
    for (guint i = sim_live_mappings ? sim_live_mappings->len : 0; i-- > 0;) {
        SimMapping *m;

        if (i >= sim_live_mappings->len) {
            continue;
        }
        m = g_ptr_array_index(sim_live_mappings, i);
        if (m->as == as) {
            sim_unmap_one(m);
        }
    }
    for (guint i = sim_map_clients ? sim_map_clients->len : 0; i-- > 0;) {
        SimMapClient *mc = g_ptr_array_index(sim_map_clients, i);
        if (mc->as == as) {
            g_ptr_array_remove_index(sim_map_clients, i);
            address_space_unregister_map_client(as, sim_map_client_cb, mc);
            luaL_unref(sim_any_state(), LUA_REGISTRYINDEX, mc->fn_ref);
            g_free(mc);
        }
    }
}

void sim_map_teardown(void)
{
    while (sim_live_mappings && sim_live_mappings->len) {
        sim_unmap_one(g_ptr_array_index(sim_live_mappings, 0));
    }
}

/* ---- map / unmap -------------------------------------------------------- */

static SimMapping *sim_checkmapping(lua_State *L, int arg)
{
    SimMappingBox *b = luaL_checkudata(L, arg, SIM_MAPPING_MT);

    if (!b->m || !b->m->live) {
        luaL_argerror(L, arg, "mapping was unmapped");
    }
    return b->m;
}

/* as:map(addr, len, is_write [, attrs]) -> mapping or nil */
static int sim_as_map(lua_State *L)
{
    AddressSpace *as = sim_checkas(L, 1);
    uint64_t addr = sim_checkaddr(L, 2);
    uint64_t len = sim_checklen(L, 3, false);
    bool is_write = sim_checkbool(L, 4);
    MemTxAttrs attrs = sim_optattrs(L, 5);
    hwaddr plen = len;
    SimMappingBox *b;
    SimMapping *m;
    void *p;
    SimCall c;

    sim_checkspan(L, 3, addr, len);
    lua_settop(L, 5);
    b = lua_newuserdatauv(L, sizeof(*b), 0);
    b->m = NULL;
    luaL_setmetatable(L, SIM_MAPPING_MT);
    m = b->m = g_new0(SimMapping, 1);
    if (!sim_live_mappings) {
        sim_live_mappings = g_ptr_array_new();
    }
    sim_call_enter(L, &c);
    p = address_space_map(as, addr, &plen, is_write, attrs);
    if (p) {
        m->as = as;
        m->buf = p;
        m->len = plen;
        m->is_write = is_write;
        m->live = true;
        g_ptr_array_add(sim_live_mappings, m);
    }
    sim_call_leave(L, &c);
    if (!p) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushvalue(L, 6);
    return 1;
}

static int sim_mapping_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)sim_checkmapping(L, 1)->len);
    return 1;
}

static void sim_checkwindow(lua_State *L, SimMapping *m, uint64_t off,
                            uint64_t len)
{
    if (off > m->len || len > m->len - off) {
        luaL_error(L, "mapping access [0x%I, +0x%I) is outside the mapping "
                   "of 0x%I bytes", (lua_Integer)off, (lua_Integer)len,
                   (lua_Integer)m->len);
    }
}

/* m:read(offset, len) -> string */
static int sim_mapping_read(lua_State *L)
{
    SimMapping *m = sim_checkmapping(L, 1);
    uint64_t off = sim_checklen(L, 2, true);
    uint64_t len = sim_checklen(L, 3, true);

    sim_checkwindow(L, m, off, len);
    lua_pushlstring(L, (const char *)m->buf + off, len);
    return 1;
}

/* m:write(offset, data) */
static int sim_mapping_write(lua_State *L)
{
    SimMapping *m = sim_checkmapping(L, 1);
    uint64_t off = sim_checklen(L, 2, true);
    size_t len;
    const char *data;

    luaL_checktype(L, 3, LUA_TSTRING);
    data = lua_tolstring(L, 3, &len);
    if (!m->is_write) {
        return luaL_argerror(L, 1, "mapping is read-only (map with is_write "
                             "true to write)");
    }
    sim_checkwindow(L, m, off, len);
    memcpy(m->buf + off, data, len);
    if (len && off + len > m->written) {
        m->written = off + len;
    }
    return 0;
}

/* m:unmap([access_len]) */
static int sim_mapping_unmap(lua_State *L)
{
    SimMapping *m = sim_checkmapping(L, 1);
    SimCall c;

    if (!lua_isnoneornil(L, 2)) {
        uint64_t n = sim_checklen(L, 2, true);
        if (n > m->len) {
            return luaL_argerror(L, 2, "access length beyond the mapping");
        }
        m->written = n;
    }
    sim_call_enter(L, &c);
    sim_unmap_one(m);
    sim_call_leave(L, &c);
    return 0;
}

/* A forgotten mapping is unmapped with what was written through it; when
 * the core is busy, at the end of the outermost call. */
static int sim_mapping_gc(lua_State *L)
{
    SimMappingBox *b = luaL_checkudata(L, 1, SIM_MAPPING_MT);
    SimMapping *m = b->m;

    b->m = NULL;
    if (!m) {
        return 0;
    }
    m->orphan = true;
    if (!m->live || !sim_in_call()) {
        sim_unmap_one(m);
    }
    return 0;
}

static int sim_mapping_tostring(lua_State *L)
{
    SimMappingBox *b = luaL_checkudata(L, 1, SIM_MAPPING_MT);

    if (!b->m || !b->m->live) {
        lua_pushstring(L, "Mapping (unmapped)");
    } else {
        lua_pushfstring(L, "Mapping of 0x%I bytes", (lua_Integer)b->m->len);
    }
    return 1;
}

/* ---- map clients -------------------------------------------------------- */

static int sim_map_client_body(lua_State *L)
{
    SimMapClient *mc = lua_touserdata(L, 1);

    lua_rawgeti(L, LUA_REGISTRYINDEX, mc->fn_ref);
    lua_call(L, 0, 0);
    return 0;
}

static void sim_map_client_cb(void *opaque)
{
    SimMapClient *mc = opaque;

    g_ptr_array_remove(sim_map_clients, mc);
    sim_protect(sim_map_client_body, mc, "map client callback", NULL);
    luaL_unref(sim_any_state(), LUA_REGISTRYINDEX, mc->fn_ref);
    g_free(mc);
}

/* as:register_map_client(fn): fn() runs once, when bounce memory frees */
static int sim_as_register_map_client(lua_State *L)
{
    AddressSpace *as = sim_checkas(L, 1);
    SimMapClient *mc;
    SimCall c;

    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_settop(L, 2);
    mc = g_new0(SimMapClient, 1);
    mc->as = as;
    mc->fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    if (!sim_map_clients) {
        sim_map_clients = g_ptr_array_new();
    }
    g_ptr_array_add(sim_map_clients, mc);
    sim_call_enter(L, &c);
    address_space_register_map_client(as, sim_map_client_cb, mc);
    sim_call_leave(L, &c);
    return 0;
}

/* as:bounce_buffer() -> in use, budget */
static int sim_as_bounce_buffer(lua_State *L)
{
    AddressSpace *as = sim_checkas(L, 1);

    lua_pushinteger(L, (lua_Integer)as->bounce_buffer_size);
    lua_pushinteger(L, (lua_Integer)as->max_bounce_buffer_size);
    return 2;
}

/* as:set_bounce_buffer_budget(bytes) */
static int sim_as_set_bounce_buffer_budget(lua_State *L)
{
    AddressSpace *as = sim_checkas(L, 1);

    as->max_bounce_buffer_size = sim_checklen(L, 2, true);
    return 0;
}

static const luaL_Reg sim_map_as_methods[] = {
    { "map", sim_as_map },
    { "register_map_client", sim_as_register_map_client },
    { "bounce_buffer", sim_as_bounce_buffer },
    { "set_bounce_buffer_budget", sim_as_set_bounce_buffer_budget },
    { NULL, NULL },
};

static const luaL_Reg sim_mapping_methods[] = {
    { "len", sim_mapping_len },
    { "read", sim_mapping_read },
    { "write", sim_mapping_write },
    { "unmap", sim_mapping_unmap },
    { NULL, NULL },
};

static const luaL_Reg sim_mapping_meta[] = {
    { "__gc", sim_mapping_gc },
    { "__tostring", sim_mapping_tostring },
    { NULL, NULL },
};

/* The Mapping class, and the map methods of address spaces */
void sim_open_map(lua_State *L)
{
    sim_new_class(L, SIM_MAPPING_MT, sim_mapping_methods, sim_mapping_meta);
    luaL_getmetatable(L, SIM_AS_MT);
    lua_getfield(L, -1, "__index");
    luaL_setfuncs(L, sim_map_as_methods, 0);
    lua_pop(L, 2);
}
