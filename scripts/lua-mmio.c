/*
 * lua-mmio.c - MemoryRegionOps whose callbacks are Lua functions.
 *
 * Each MMIO or ROM device region made from Lua owns a SimMmio: its own ops
 * table (sizes and endianness differ per region) and registry references
 * to the Lua functions. The trampolines run those functions protected
 * (sim_protect); a failing or misbehaving callback makes the access fail
 * with MEMTX_ERROR and its error is raised once the access returns.
 */
#include "scripts/lua-mmio.h"

struct SimMmio {
    MemoryRegionOps ops;
    MemoryRegion *mr;
    int read_ref;
    int write_ref;
    int accepts_ref;
};

typedef struct SimMmioCall {
    SimMmio *m;
    hwaddr addr;
    uint64_t data;
    unsigned size;
    bool is_write;
    MemTxAttrs attrs;
    MemTxResult result;
    bool accepted;
} SimMmioCall;

static const char *sim_mmio_name(SimMmio *m)
{
    return m->mr ? memory_region_name(m->mr) : "?";
}

/* ---- trampolines ------------------------------------------------------ */

static int sim_mmio_read_body(lua_State *L)
{
    SimMmioCall *c = lua_touserdata(L, 1);
    int isnum = 0;

    lua_rawgeti(L, LUA_REGISTRYINDEX, c->m->read_ref);
    lua_pushinteger(L, (lua_Integer)c->addr);
    lua_pushinteger(L, c->size);
    sim_push_attrs(L, c->attrs);
    lua_call(L, 3, 2);
    if (lua_type(L, -2) == LUA_TNUMBER) {
        c->data = (uint64_t)lua_tointegerx(L, -2, &isnum);
    }
    if (!isnum) {
        return luaL_error(L, "returned %s instead of an integer",
                          lua_type(L, -2) == LUA_TNUMBER
                          ? "a number without integer representation"
                          : luaL_typename(L, -2));
    }
    if (!sim_toresult(L, -1, &c->result)) {
        return luaL_error(L, "returned an invalid MemTxResult (%s)",
                          luaL_tolstring(L, -1, NULL));
    }
    return 0;
}

static MemTxResult sim_mmio_read(void *opaque, hwaddr addr, uint64_t *data,
                                 unsigned size, MemTxAttrs attrs)
{
    SimMmioCall c = {
        .m = opaque, .addr = addr, .size = size, .attrs = attrs,
    };

    *data = 0;
    if (!sim_protect(sim_mmio_read_body, &c, "MMIO read callback",
                     sim_mmio_name(c.m))) {
        return MEMTX_ERROR;
    }
    *data = c.data;
    return c.result;
}

static int sim_mmio_write_body(lua_State *L)
{
    SimMmioCall *c = lua_touserdata(L, 1);

    lua_rawgeti(L, LUA_REGISTRYINDEX, c->m->write_ref);
    lua_pushinteger(L, (lua_Integer)c->addr);
    lua_pushinteger(L, (lua_Integer)c->data);
    lua_pushinteger(L, c->size);
    sim_push_attrs(L, c->attrs);
    lua_call(L, 4, 1);
    if (!sim_toresult(L, -1, &c->result)) {
        return luaL_error(L, "returned an invalid MemTxResult (%s)",
                          luaL_tolstring(L, -1, NULL));
    }
    return 0;
}

static MemTxResult sim_mmio_write(void *opaque, hwaddr addr, uint64_t data,
                                  unsigned size, MemTxAttrs attrs)
{
    SimMmioCall c = {
        .m = opaque, .addr = addr, .data = data, .size = size,
        .attrs = attrs,
    };

    if (!sim_protect(sim_mmio_write_body, &c, "MMIO write callback",
                     sim_mmio_name(c.m))) {
        return MEMTX_ERROR;
    }
    return c.result;
}

static int sim_mmio_accepts_body(lua_State *L)
{
    SimMmioCall *c = lua_touserdata(L, 1);

    lua_rawgeti(L, LUA_REGISTRYINDEX, c->m->accepts_ref);
    lua_pushinteger(L, (lua_Integer)c->addr);
    lua_pushinteger(L, c->size);
    lua_pushboolean(L, c->is_write);
    sim_push_attrs(L, c->attrs);
    lua_call(L, 4, 1);
    if (!lua_isboolean(L, -1)) {
        return luaL_error(L, "returned %s instead of a boolean",
                          luaL_typename(L, -1));
    }
    c->accepted = lua_toboolean(L, -1);
    return 0;
}

static bool sim_mmio_accepts(void *opaque, hwaddr addr, unsigned size,
                             bool is_write, MemTxAttrs attrs)
{
    SimMmioCall c = {
        .m = opaque, .addr = addr, .size = size, .is_write = is_write,
        .attrs = attrs,
    };

    if (!sim_protect(sim_mmio_accepts_body, &c, "MMIO accepts callback",
                     sim_mmio_name(c.m))) {
        return false;
    }
    return c.accepted;
}

/* ---- parsing the ops table ------------------------------------------- */

/* Field @key of the table at the top of the stack (part @tbl of argument
 * @arg): 0 when absent, else 1, 2, 4 or 8 */
static unsigned sim_opt_access_size(lua_State *L, int arg, const char *tbl,
                                    const char *key)
{
    int t = lua_getfield(L, -1, key);
    int isnum = 0;
    lua_Integer v = 0;

    if (t == LUA_TNUMBER) {
        v = lua_tointegerx(L, -1, &isnum);
    }
    if (t != LUA_TNIL && (!isnum || (v != 1 && v != 2 && v != 4 && v != 8))) {
        luaL_argerror(L, arg, lua_pushfstring(L,
                      "field '%s.%s': access size must be 1, 2, 4 or 8, got %s",
                      tbl, key, luaL_tolstring(L, -1, NULL)));
    }
    lua_pop(L, 1);
    return (unsigned)v;
}

static void sim_parse_sizes(lua_State *L, int arg, const char *tbl,
                            unsigned *min, unsigned *max, bool *unaligned)
{
    static const char *const keys[] = { "min", "max", "unaligned", NULL };
    int t = lua_getfield(L, arg, tbl);

    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    if (t != LUA_TTABLE) {
        luaL_argerror(L, arg, lua_pushfstring(L, "field '%s': table expected, "
                      "got %s", tbl, luaL_typename(L, -1)));
    }
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        bool known = false;
        lua_pop(L, 1);
        for (int i = 0; keys[i] && lua_type(L, -1) == LUA_TSTRING; i++) {
            known |= g_str_equal(keys[i], lua_tostring(L, -1));
        }
        if (!known) {
            luaL_argerror(L, arg, lua_pushfstring(L, "field '%s': unknown "
                          "option '%s'", tbl, luaL_tolstring(L, -1, NULL)));
        }
    }
    *min = sim_opt_access_size(L, arg, tbl, "min");
    *max = sim_opt_access_size(L, arg, tbl, "max");
    t = lua_getfield(L, -1, "unaligned");
    if (t != LUA_TNIL && t != LUA_TBOOLEAN) {
        luaL_argerror(L, arg, lua_pushfstring(L, "field '%s.unaligned': "
                      "boolean expected, got %s", tbl, luaL_typename(L, -1)));
    }
    *unaligned = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if ((*min ? *min : 1) > (*max ? *max : 4)) {
        luaL_argerror(L, arg, lua_pushfstring(L, "field '%s': min access size "
                      "%d is larger than max %d", tbl, *min ? *min : 1,
                      *max ? *max : 4));
    }
    lua_pop(L, 1);
}

static void sim_check_function_field(lua_State *L, int arg, const char *key)
{
    int t = lua_getfield(L, arg, key);

    if (t != LUA_TNIL && t != LUA_TFUNCTION) {
        luaL_argerror(L, arg, lua_pushfstring(L, "field '%s': function "
                      "expected, got %s", key, luaL_typename(L, -1)));
    }
    lua_pop(L, 1);
}

SimMmio *sim_mmio_new(lua_State *L, int arg)
{
    static const char *const keys[] = {
        "read", "write", "accepts", "endianness", "valid", "impl", NULL
    };
    static const char *const endians[] = { "native", "big", "little", NULL };
    MemoryRegionOps ops = { 0 };
    SimMmio *m;

    if (!lua_isnoneornil(L, arg)) {
        luaL_checktype(L, arg, LUA_TTABLE);
    }
    arg = lua_absindex(L, arg);
    sim_checkopts(L, arg, keys);
    if (!lua_isnoneornil(L, arg)) {
        const char *e;

        sim_check_function_field(L, arg, "read");
        sim_check_function_field(L, arg, "write");
        sim_check_function_field(L, arg, "accepts");
        e = sim_optfield_string(L, arg, "endianness", "native");
        for (int i = 0;; i++) {
            if (!endians[i]) {
                luaL_argerror(L, arg, lua_pushfstring(L, "field 'endianness': "
                              "expected \"native\", \"big\" or \"little\", "
                              "got '%s'", e));
            }
            if (g_str_equal(e, endians[i])) {
                ops.endianness = (device_endian)i;
                break;
            }
        }
        sim_parse_sizes(L, arg, "valid", &ops.valid.min_access_size,
                        &ops.valid.max_access_size, &ops.valid.unaligned);
        sim_parse_sizes(L, arg, "impl", &ops.impl.min_access_size,
                        &ops.impl.max_access_size, &ops.impl.unaligned);
    }

    /* everything checked: nothing below raises except out of memory */
    m = g_new0(SimMmio, 1);
    m->ops = ops;
    m->read_ref = sim_optfield_function_ref(L, arg, "read");
    m->write_ref = sim_optfield_function_ref(L, arg, "write");
    m->accepts_ref = sim_optfield_function_ref(L, arg, "accepts");
    if (m->read_ref != LUA_NOREF) {
        m->ops.read_with_attrs = sim_mmio_read;
    }
    if (m->write_ref != LUA_NOREF) {
        m->ops.write_with_attrs = sim_mmio_write;
    }
    if (m->accepts_ref != LUA_NOREF) {
        m->ops.valid.accepts = sim_mmio_accepts;
    }
    return m;
}

const MemoryRegionOps *sim_mmio_ops(SimMmio *m)
{
    return &m->ops;
}

void sim_mmio_free(SimMmio *m)
{
    lua_State *L = sim_any_state();

    if (!m) {
        return;
    }
    if (L) {
        luaL_unref(L, LUA_REGISTRYINDEX, m->read_ref);
        luaL_unref(L, LUA_REGISTRYINDEX, m->write_ref);
        luaL_unref(L, LUA_REGISTRYINDEX, m->accepts_ref);
    }
    g_free(m);
}

static void sim_mmio_destructor(MemoryRegion *mr)
{
    sim_mmio_free(mr->opaque);
    mr->opaque = NULL;
}

void sim_mmio_attach(SimMmio *m, MemoryRegion *mr)
{
    m->mr = mr;
    mr->destructor = sim_mmio_destructor;
}
