/*
 * lua-util.c - argument checks and the call frames that carry errors out
 * of Lua callbacks without longjmp'ing through the memory core.
 */
#include "scripts/lua-iommusim.h"
#include <string.h>

/* ---- call frames ---------------------------------------------------- */

static SimCall *sim_frame;
static lua_State *sim_main;
static lua_State *sim_releasing; /* the running thread while releasing */
static GPtrArray *sim_pending_unrefs;
static GArray *sim_pending_frees;   /* SimDeferred */

typedef struct SimDeferred {
    void (*fn)(void *);
    void *p;
} SimDeferred;

/* What the running callback is, for the message handler */
static const char *sim_what;
static const char *sim_what_name;

void sim_set_main_state(lua_State *L)
{
    sim_main = L;
}

lua_State *sim_any_state(void)
{
    if (sim_frame) {
        return sim_frame->L;
    }
    return sim_releasing ? sim_releasing : sim_main;
}

bool sim_in_call(void)
{
    return sim_frame != NULL;
}

void sim_call_enter(lua_State *L, SimCall *c)
{
    lua_pushnil(L);
    c->L = L;
    c->slot = lua_gettop(L);
    c->prev = sim_frame;
    sim_frame = c;
}

void sim_call_leave(lua_State *L, SimCall *c)
{
    g_assert(sim_frame == c);
    sim_frame = c->prev;
    if (!sim_frame) {
        lua_State *saved = sim_releasing;
        sim_releasing = L;
        sim_drain_unrefs();
        sim_releasing = saved;
    }
    if (!lua_isnil(L, c->slot)) {
        lua_pushvalue(L, c->slot);
        if (lua_type(L, -1) == LUA_TSTRING) {
            luaL_where(L, 1);
            lua_insert(L, -2);
            lua_concat(L, 2);
        }
        lua_error(L);
    }
}

static int sim_msgh(lua_State *L)
{
    const char *msg;

    if (lua_type(L, 1) == LUA_TSTRING) {
        msg = lua_tostring(L, 1);
    } else if (luaL_callmeta(L, 1, "__tostring") &&
               lua_type(L, -1) == LUA_TSTRING) {
        msg = lua_tostring(L, -1);
    } else if (lua_isnil(L, 1) || lua_type(L, 1) != LUA_TTABLE) {
        msg = lua_pushfstring(L, "(error object is a %s value)",
                              luaL_typename(L, 1));
    } else {
        lua_settop(L, 1); /* keep tables as they are */
        return 1;
    }
    if (sim_what_name) {
        lua_pushfstring(L, "%s of '%s': %s", sim_what, sim_what_name, msg);
    } else {
        lua_pushfstring(L, "%s: %s", sim_what, msg);
    }
    return 1;
}

bool sim_protect(lua_CFunction body, void *ud, const char *what,
                 const char *name)
{
    SimCall *c = sim_frame;
    lua_State *L;
    const char *saved_what = sim_what, *saved_name = sim_what_name;
    int st;

    if (!c) {
        return false;
    }
    L = c->L;
    if (!lua_checkstack(L, 8)) {
        return false;
    }
    lua_pushcfunction(L, sim_msgh);
    lua_pushcfunction(L, body);
    lua_pushlightuserdata(L, ud);
    sim_what = what;
    sim_what_name = name;
    st = lua_pcall(L, 1, 0, -3);
    sim_what = saved_what;
    sim_what_name = saved_name;
    if (st != LUA_OK) {
        if (lua_isnil(L, c->slot)) {
            if (lua_isnil(L, -1)) {
                /* a nil error object must still count as an error */
                lua_pushboolean(L, false);
                lua_replace(L, -2);
            }
            lua_copy(L, -1, c->slot);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1); /* message handler */
    return st == LUA_OK;
}

void sim_lua_unref(lua_State *L, MemoryRegion *mr)
{
    lua_State *saved = sim_releasing;

    if (sim_frame) {
        sim_defer_unref(mr);
        return;
    }
    sim_releasing = L;
    memory_region_unref(mr);
    sim_releasing = saved;
}

void sim_defer_unref(MemoryRegion *mr)
{
    if (!sim_pending_unrefs) {
        sim_pending_unrefs = g_ptr_array_new();
    }
    g_ptr_array_add(sim_pending_unrefs, mr);
}

void sim_defer_free(void (*fn)(void *), void *p)
{
    SimDeferred d = { fn, p };

    if (!sim_frame) {
        fn(p);
        return;
    }
    if (!sim_pending_frees) {
        sim_pending_frees = g_array_new(FALSE, FALSE, sizeof(SimDeferred));
    }
    g_array_append_val(sim_pending_frees, d);
}

void sim_drain_unrefs(void)
{
    sim_drain_mappings();
    while (sim_pending_frees && sim_pending_frees->len) {
        SimDeferred d = g_array_index(sim_pending_frees, SimDeferred,
                                      sim_pending_frees->len - 1);
        g_array_set_size(sim_pending_frees, sim_pending_frees->len - 1);
        d.fn(d.p);
    }
    while (sim_pending_unrefs && sim_pending_unrefs->len) {
        MemoryRegion *mr = g_ptr_array_steal_index(sim_pending_unrefs,
                                                   sim_pending_unrefs->len - 1);
        memory_region_unref(mr);
    }
}

/* ---- registry ------------------------------------------------------- */

void sim_registry_table(lua_State *L, const char *key, const char *weak)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, key) == LUA_TTABLE) {
        return;
    }
    lua_pop(L, 1);
    lua_newtable(L);
    if (weak) {
        lua_createtable(L, 0, 1);
        lua_pushstring(L, weak);
        lua_setfield(L, -2, "__mode");
        lua_setmetatable(L, -2);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, key);
}

void sim_new_class(lua_State *L, const char *tname, const luaL_Reg *methods,
                   const luaL_Reg *meta)
{
    luaL_newmetatable(L, tname);
    luaL_setfuncs(L, meta, 0);
    lua_newtable(L);
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}

/* ---- argument checks ------------------------------------------------ */

static lua_Integer sim_checkint(lua_State *L, int arg)
{
    int isnum;
    lua_Integer v;

    if (lua_type(L, arg) != LUA_TNUMBER) {
        luaL_typeerror(L, arg, "integer");
    }
    v = lua_tointegerx(L, arg, &isnum);
    if (!isnum) {
        luaL_argerror(L, arg, "number has no integer representation");
    }
    return v;
}

uint64_t sim_checkaddr(lua_State *L, int arg)
{
    return (uint64_t)sim_checkint(L, arg);
}

uint64_t sim_checksize(lua_State *L, int arg)
{
    uint64_t v = (uint64_t)sim_checkint(L, arg);

    if (v == 0) {
        luaL_argerror(L, arg, "size must not be 0");
    }
    return v;
}

uint64_t sim_checklen(lua_State *L, int arg, bool allow0)
{
    lua_Integer v = sim_checkint(L, arg);

    if (v < 0) {
        luaL_argerror(L, arg, "length must not be negative");
    }
    if (v == 0 && !allow0) {
        luaL_argerror(L, arg, "length must not be 0");
    }
    return (uint64_t)v;
}

uint64_t sim_checkreadlen(lua_State *L, int arg)
{
    uint64_t len = sim_checklen(L, arg, true);

    if (len > SIM_MAX_READ) {
        luaL_argerror(L, arg, "length too large to read at once (at most "
                      "1 GiB)");
    }
    return len;
}

unsigned sim_checkwidth(lua_State *L, int arg)
{
    lua_Integer v = sim_checkint(L, arg);

    if (v != 1 && v != 2 && v != 4 && v != 8) {
        luaL_argerror(L, arg, lua_pushfstring(L,
                      "access width must be 1, 2, 4 or 8, got %I", v));
    }
    return (unsigned)v;
}

uint64_t sim_checkvalue(lua_State *L, int arg, unsigned size)
{
    uint64_t v = sim_checkaddr(L, arg);
    lua_Integer s = (lua_Integer)v;

    if (size < 8) {
        lua_Integer lo = -((lua_Integer)1 << (size * 8 - 1));
        lua_Integer hi = ((lua_Integer)1 << (size * 8)) - 1;
        if (s < lo || s > hi) {
            luaL_argerror(L, arg, lua_pushfstring(L, "value does not fit in "
                          "%d byte%s", (int)size, size > 1 ? "s" : ""));
        }
        v &= (UINT64_C(1) << (size * 8)) - 1;
    }
    return v;
}

lua_Integer sim_checkrange(lua_State *L, int arg, lua_Integer lo,
                           lua_Integer hi, const char *what)
{
    lua_Integer v = sim_checkint(L, arg);

    if (v < lo || v > hi) {
        luaL_argerror(L, arg, lua_pushfstring(L, "%s must be in [%I, %I], got %I",
                                              what, lo, hi, v));
    }
    return v;
}

bool sim_checkbool(lua_State *L, int arg)
{
    luaL_checktype(L, arg, LUA_TBOOLEAN);
    return lua_toboolean(L, arg);
}

bool sim_optbool(lua_State *L, int arg, bool def)
{
    return lua_isnoneornil(L, arg) ? def : sim_checkbool(L, arg);
}

unsigned sim_checkclient(lua_State *L, int arg)
{
    static const char *const names[] = { "vga", "code", "migration", NULL };

    if (lua_type(L, arg) == LUA_TNUMBER) {
        return (unsigned)sim_checkrange(L, arg, 0, DIRTY_MEMORY_NUM - 1,
                                        "dirty memory client");
    }
    if (lua_type(L, arg) != LUA_TSTRING) {
        luaL_typeerror(L, arg, "dirty memory client (\"vga\", \"code\" or "
                       "\"migration\")");
    }
    return (unsigned)luaL_checkoption(L, arg, NULL, names);
}

bool sim_optendian(lua_State *L, int arg)
{
    static const char *const names[] = { "le", "little", "be", "big", NULL };

    return luaL_checkoption(L, arg, "le", names) >= 2;
}

static void sim_fielderror(lua_State *L, int arg, const char *key,
                           const char *msg)
{
    luaL_argerror(L, arg, lua_pushfstring(L, "field '%s': %s", key, msg));
}

static int sim_getfield(lua_State *L, int arg, const char *key)
{
    if (lua_isnoneornil(L, arg)) {
        lua_pushnil(L);
        return LUA_TNIL;
    }
    return lua_getfield(L, arg, key);
}

void sim_checkopts(lua_State *L, int arg, const char *const keys[])
{
    if (lua_isnoneornil(L, arg)) {
        return;
    }
    luaL_checktype(L, arg, LUA_TTABLE);
    arg = lua_absindex(L, arg);
    lua_pushnil(L);
    while (lua_next(L, arg)) {
        bool known = false;

        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING) {
            const char *k = lua_tostring(L, -1);
            for (int i = 0; keys[i]; i++) {
                known |= strcmp(keys[i], k) == 0;
            }
        }
        if (!known) {
            luaL_argerror(L, arg, lua_pushfstring(L, "unknown option '%s'",
                                                  luaL_tolstring(L, -1, NULL)));
        }
    }
}

lua_Integer sim_optfield_integer(lua_State *L, int arg, const char *key,
                                 lua_Integer def, bool *present)
{
    int t = sim_getfield(L, arg, key);
    lua_Integer v = def;

    if (present) {
        *present = t != LUA_TNIL;
    }
    if (t != LUA_TNIL) {
        int isnum = 0;
        if (t == LUA_TNUMBER) {
            v = lua_tointegerx(L, -1, &isnum);
        }
        if (!isnum) {
            sim_fielderror(L, arg, key, t == LUA_TNUMBER
                           ? "number has no integer representation"
                           : lua_pushfstring(L, "integer expected, got %s",
                                             luaL_typename(L, -1)));
        }
    }
    lua_pop(L, 1);
    return v;
}

bool sim_optfield_bool(lua_State *L, int arg, const char *key, bool def)
{
    int t = sim_getfield(L, arg, key);
    bool v = def;

    if (t == LUA_TBOOLEAN) {
        v = lua_toboolean(L, -1);
    } else if (t != LUA_TNIL) {
        sim_fielderror(L, arg, key, lua_pushfstring(L,
                       "boolean expected, got %s", luaL_typename(L, -1)));
    }
    lua_pop(L, 1);
    return v;
}

const char *sim_optfield_string(lua_State *L, int arg, const char *key,
                                const char *def)
{
    int t = sim_getfield(L, arg, key);
    const char *v = def;

    if (t == LUA_TSTRING) {
        v = lua_tostring(L, -1); /* anchored by the option table */
    } else if (t != LUA_TNIL) {
        sim_fielderror(L, arg, key, lua_pushfstring(L,
                       "string expected, got %s", luaL_typename(L, -1)));
    }
    lua_pop(L, 1);
    return v;
}

int sim_optfield_function_ref(lua_State *L, int arg, const char *key)
{
    int t = sim_getfield(L, arg, key);

    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return LUA_NOREF;
    }
    if (t != LUA_TFUNCTION) {
        sim_fielderror(L, arg, key, lua_pushfstring(L,
                       "function expected, got %s", luaL_typename(L, -1)));
    }
    return luaL_ref(L, LUA_REGISTRYINDEX);
}

MemTxAttrs sim_optattrs(lua_State *L, int arg)
{
    static const char *const keys[] = {
        "requester_id", "secure", "user", "debug", "pasid", NULL
    };
    MemTxAttrs attrs = { 0 };
    bool has_pasid;
    lua_Integer v;

    if (lua_isnoneornil(L, arg)) {
        return MEMTXATTRS_UNSPECIFIED;
    }
    sim_checkopts(L, arg, keys);
    v = sim_optfield_integer(L, arg, "requester_id", 0, NULL);
    if (v < 0 || v > 0xffff) {
        sim_fielderror(L, arg, "requester_id", "must be in [0, 0xffff]");
    }
    attrs.requester_id = (unsigned)v;
    attrs.secure = sim_optfield_bool(L, arg, "secure", false);
    attrs.user = sim_optfield_bool(L, arg, "user", false);
    attrs.debug = sim_optfield_bool(L, arg, "debug", false);
    v = sim_optfield_integer(L, arg, "pasid", 0, &has_pasid);
    if (has_pasid) {
        if (v < 0 || v > 0xfffff) {
            sim_fielderror(L, arg, "pasid", "must be in [0, 0xfffff]");
        }
        attrs.pasid_valid = 1;
        attrs.pasid = (unsigned)v;
    }
    return attrs;
}

void sim_push_attrs(lua_State *L, MemTxAttrs attrs)
{
    lua_createtable(L, 0, 6);
    if (attrs.unspecified) {
        lua_pushboolean(L, true);
        lua_setfield(L, -2, "unspecified");
        return;
    }
    lua_pushinteger(L, attrs.requester_id);
    lua_setfield(L, -2, "requester_id");
    lua_pushboolean(L, attrs.secure);
    lua_setfield(L, -2, "secure");
    lua_pushboolean(L, attrs.user);
    lua_setfield(L, -2, "user");
    lua_pushboolean(L, attrs.debug);
    lua_setfield(L, -2, "debug");
    if (attrs.pasid_valid) {
        lua_pushinteger(L, attrs.pasid);
        lua_setfield(L, -2, "pasid");
    }
}

void sim_checkspan(lua_State *L, int arg, uint64_t addr, uint64_t len)
{
    if (len && addr + (len - 1) < addr) {
        luaL_argerror(L, arg, "range wraps around the end of the 64-bit "
                      "address space");
    }
}

int sim_raise_gerror(lua_State *L, const char *fn, GError *err)
{
    luaL_where(L, 1);
    lua_pushfstring(L, "%s: %s", fn, err ? err->message : "failed");
    g_clear_error(&err);
    lua_concat(L, 2);
    return lua_error(L);
}

/* ---- results -------------------------------------------------------- */

void sim_push_result(lua_State *L, MemTxResult r)
{
    lua_pushstring(L, memtx_result_name(r));
    lua_pushinteger(L, r);
}

bool sim_toresult(lua_State *L, int idx, MemTxResult *r)
{
    static const struct {
        const char *name;
        MemTxResult r;
    } names[] = {
        { "ok", MEMTX_OK },
        { "error", MEMTX_ERROR },
        { "decode-error", MEMTX_DECODE_ERROR },
        { "access-error", MEMTX_ACCESS_ERROR },
    };

    switch (lua_type(L, idx)) {
    case LUA_TNONE:
    case LUA_TNIL:
        *r = MEMTX_OK;
        return true;
    case LUA_TNUMBER: {
        int isnum;
        lua_Integer v = lua_tointegerx(L, idx, &isnum);
        if (!isnum || v < 0 || v > 7) {
            return false;
        }
        *r = (MemTxResult)v;
        return true;
    }
    case LUA_TSTRING:
        for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
            if (strcmp(lua_tostring(L, idx), names[i].name) == 0) {
                *r = names[i].r;
                return true;
            }
        }
        return false;
    default:
        return false;
    }
}

lua_Integer sim_size_to_lua(u128 size)
{
    return size >= U128_2_64 ? (lua_Integer)-1 : (lua_Integer)(uint64_t)size;
}
