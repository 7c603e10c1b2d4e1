/*
 * lua-as.c - AddressSpaces from Lua: creation, accesses returning
 * MemTxResult, loads and stores, translate and the flat view.
 *
 * (Mappings and map clients are in lua-map.c.)
 *
 * An address space made by a script lives until as:destroy() or the end
 * of the script (it is anchored in the registry, as QEMU's address spaces
 * live as long as their owner). Address spaces made in C (mtree import,
 * machines) are wrapped on demand and checked to still exist before use.
 */
#include "scripts/lua-iommusim.h"
#include <string.h>

typedef struct SimAS {
    AddressSpace *as;
    bool owned;        /* created by the script */
} SimAS;


/* ---- the userdata ----------------------------------------------------- */

static bool sim_as_exists(AddressSpace *as)
{
    for (guint i = 0; i < address_space_count(); i++) {
        if (address_space_nth(i) == as) {
            return true;
        }
    }
    return false;
}

static SimAS *sim_pushas_ud(lua_State *L, AddressSpace *as)
{
    SimAS *a;

    sim_registry_table(L, SIM_REG_AS, "v");
    if (lua_rawgetp(L, -1, as) == LUA_TUSERDATA) {
        a = lua_touserdata(L, -1);
        if (a->as == as) {
            lua_remove(L, -2);
            return a;
        }
        /* a destroyed address space whose memory was reused */
    }
    lua_pop(L, 1);
    a = lua_newuserdatauv(L, sizeof(*a), 0);
    a->as = as;
    a->owned = false;
    luaL_setmetatable(L, SIM_AS_MT);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, -3, as);
    lua_remove(L, -2);
    return a;
}

void sim_pushas(lua_State *L, AddressSpace *as)
{
    if (!as) {
        lua_pushnil(L);
        return;
    }
    sim_pushas_ud(L, as);
}

void sim_as_adopt(lua_State *L, AddressSpace *as)
{
    SimAS *a = sim_pushas_ud(L, as);

    a->owned = true;
    sim_registry_table(L, SIM_REG_AS_OWNED, NULL);
    lua_pushvalue(L, -2);
    lua_pushboolean(L, true);
    lua_rawset(L, -3);
    lua_pop(L, 2);
}

static SimAS *sim_checkas_ud(lua_State *L, int arg)
{
    SimAS *a = luaL_checkudata(L, arg, SIM_AS_MT);

    if (!a->as || (!a->owned && !sim_as_exists(a->as))) {
        a->as = NULL;
        luaL_argerror(L, arg, "address space was destroyed");
    }
    return a;
}

AddressSpace *sim_checkas(lua_State *L, int arg)
{
    return sim_checkas_ud(L, arg)->as;
}

static int sim_as_tostring(lua_State *L)
{
    SimAS *a = luaL_checkudata(L, 1, SIM_AS_MT);

    if (!a->as || (!a->owned && !sim_as_exists(a->as))) {
        lua_pushstring(L, "AddressSpace (destroyed)");
    } else {
        lua_pushfstring(L, "AddressSpace '%s' (%p)", a->as->name,
                        (void *)a->as);
    }
    return 1;
}

/* ---- creation and destruction ----------------------------------------- */

/* sim.address_space(root [, name]) */
static int sim_address_space(lua_State *L)
{
    MemoryRegion *root = sim_checkregion(L, 1);
    const char *name = luaL_optstring(L, 2, memory_region_name(root));
    AddressSpace *as;
    SimCall c;

    lua_settop(L, 2);
    sim_call_enter(L, &c);
    as = address_space_new(root, name);
    sim_call_leave(L, &c);
    sim_as_adopt(L, as);
    sim_pushas(L, as);
    return 1;
}

static int sim_address_spaces(lua_State *L)
{
    guint n = address_space_count();

    lua_createtable(L, (int)n, 0);
    for (guint i = 0; i < n; i++) {
        sim_pushas(L, address_space_nth(i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* Release what the binding keeps on @as: mappings, map clients,
 * listeners. Needs an open frame when L is given. */
void sim_as_release(lua_State *L, AddressSpace *as)
{
    sim_map_release(as);
    sim_listeners_detach(L, as);
}

static int sim_as_destroy(lua_State *L)
{
    SimAS *a = sim_checkas_ud(L, 1);
    AddressSpace *as = a->as;
    SimCall c;

    if (!a->owned) {
        return luaL_argerror(L, 1, "address space was not created by the "
                             "script");
    }
    if (sim_in_call()) {
        return luaL_error(L, "destroy: an address space cannot be destroyed "
                          "from inside a callback");
    }
    sim_registry_table(L, SIM_REG_AS_OWNED, NULL);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    a->as = NULL;
    sim_call_enter(L, &c);
    sim_as_release(L, as);
    address_space_destroy(as);
    sim_call_leave(L, &c);
    return 0;
}

void sim_as_teardown(lua_State *L)
{
    sim_registry_table(L, SIM_REG_AS_OWNED, NULL);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        SimAS *a = lua_touserdata(L, -2);
        lua_pop(L, 1);
        if (a && a->as) {
            AddressSpace *as = a->as;
            a->as = NULL;
            sim_as_release(NULL, as);
            address_space_destroy(as);
        }
    }
    lua_pop(L, 1);
    sim_map_teardown(); /* mappings of address spaces made in C */
}

/* ---- queries ---------------------------------------------------------- */

static int sim_as_name(lua_State *L)
{
    lua_pushstring(L, sim_checkas(L, 1)->name);
    return 1;
}

static int sim_as_root(lua_State *L)
{
    sim_pushregion(L, sim_checkas(L, 1)->root);
    return 1;
}

static int sim_as_alive(lua_State *L)
{
    SimAS *a = luaL_checkudata(L, 1, SIM_AS_MT);

    lua_pushboolean(L, a->as && (a->owned || sim_as_exists(a->as)));
    return 1;
}

/* as:flatview() -> { {start, size, last, region, name, offset, ...}, ... } */
static int sim_as_flatview(lua_State *L)
{
    AddressSpace *as = sim_checkas(L, 1);
    FlatView *fv = address_space_to_flatview(as);

    flatview_ref(fv);
    lua_createtable(L, (int)fv->nr, 0);
    for (guint i = 0; i < fv->nr; i++) {
        const FlatRange *fr = &fv->ranges[i];

        lua_createtable(L, 0, 11);
        lua_pushinteger(L, (lua_Integer)(uint64_t)fr->start);
        lua_setfield(L, -2, "start");
        lua_pushinteger(L, sim_size_to_lua(fr->size));
        lua_setfield(L, -2, "size");
        lua_pushinteger(L, (lua_Integer)(uint64_t)(fr->start + fr->size - 1));
        lua_setfield(L, -2, "last");
        sim_pushregion(L, fr->mr);
        lua_setfield(L, -2, "region");
        lua_pushstring(L, memory_region_name(fr->mr));
        lua_setfield(L, -2, "name");
        lua_pushinteger(L, (lua_Integer)fr->offset_in_region);
        lua_setfield(L, -2, "offset");
        lua_pushboolean(L, fr->readonly);
        lua_setfield(L, -2, "readonly");
        lua_pushboolean(L, fr->nonvolatile);
        lua_setfield(L, -2, "nonvolatile");
        lua_pushboolean(L, fr->romd_mode);
        lua_setfield(L, -2, "romd");
        lua_pushinteger(L, fr->dirty_log_mask);
        lua_setfield(L, -2, "dirty_log_mask");
        lua_pushstring(L, fr->readonly ? "rom"
                                        : memory_region_type_name(fr->mr));
        lua_setfield(L, -2, "type");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    flatview_unref(fv);
    return 1;
}

/* ---- accesses ----------------------------------------------------------- */

/* as:read(addr, len [, attrs]) -> data, result, code */
static int sim_as_read(lua_State *L)
{
    AddressSpace *as = sim_checkas(L, 1);
    uint64_t addr = sim_checkaddr(L, 2);
    uint64_t len = sim_checkreadlen(L, 3);
    MemTxAttrs attrs = sim_optattrs(L, 4);
    void *buf;
    MemTxResult r;
    SimCall c;

    sim_checkspan(L, 3, addr, len);
    lua_settop(L, 4);
    buf = lua_newuserdatauv(L, len ? len : 1, 0);
    sim_call_enter(L, &c);
    r = address_space_read(as, addr, attrs, buf, len);
    sim_call_leave(L, &c);
    lua_pushlstring(L, buf, len);
    sim_push_result(L, r);
    return 3;
}

/* as:write(addr, data [, attrs]) -> result, code */
static int sim_as_write_common(lua_State *L, bool rom)
{
    AddressSpace *as = sim_checkas(L, 1);
    uint64_t addr = sim_checkaddr(L, 2);
    size_t len;
    const char *data;
    MemTxAttrs attrs;
    MemTxResult r;
    SimCall c;

    luaL_checktype(L, 3, LUA_TSTRING);
    data = lua_tolstring(L, 3, &len);
    attrs = sim_optattrs(L, 4);
    sim_checkspan(L, 3, addr, len);
    lua_settop(L, 4);
    sim_call_enter(L, &c);
    r = rom ? address_space_write_rom(as, addr, attrs, data, len)
            : address_space_write(as, addr, attrs, data, len);
    sim_call_leave(L, &c);
    sim_push_result(L, r);
    return 2;
}

static int sim_as_write(lua_State *L)
{
    return sim_as_write_common(L, false);
}

static int sim_as_write_rom(lua_State *L)
{
    return sim_as_write_common(L, true);
}

/* as:set(addr, byte, len [, attrs]) -> result, code */
static int sim_as_set(lua_State *L)
{
    AddressSpace *as = sim_checkas(L, 1);
    uint64_t addr = sim_checkaddr(L, 2);
    uint8_t byte = (uint8_t)sim_checkrange(L, 3, 0, 255, "byte");
    uint64_t len = sim_checklen(L, 4, true);
    MemTxAttrs attrs = sim_optattrs(L, 5);
    MemTxResult r;
    SimCall c;

    sim_checkspan(L, 4, addr, len);
    sim_call_enter(L, &c);
    r = address_space_set(as, addr, byte, len, attrs);
    sim_call_leave(L, &c);
    sim_push_result(L, r);
    return 2;
}

static int sim_do_ld(lua_State *L, unsigned size, bool be, int attrs_arg)
{
    AddressSpace *as = sim_checkas(L, 1);
    uint64_t addr = sim_checkaddr(L, 2);
    MemTxAttrs attrs = sim_optattrs(L, attrs_arg);
    MemTxResult r = MEMTX_OK;
    uint64_t v;
    SimCall c;

    sim_checkspan(L, 2, addr, size);
    sim_call_enter(L, &c);
    v = address_space_ld(as, addr, size, be, attrs, &r);
    sim_call_leave(L, &c);
    lua_pushinteger(L, (lua_Integer)v);
    sim_push_result(L, r);
    return 3;
}

static int sim_do_st(lua_State *L, unsigned size, bool be, int attrs_arg)
{
    AddressSpace *as = sim_checkas(L, 1);
    uint64_t addr = sim_checkaddr(L, 2);
    uint64_t v = sim_checkvalue(L, 3, size);
    MemTxAttrs attrs = sim_optattrs(L, attrs_arg);
    MemTxResult r = MEMTX_OK;
    SimCall c;

    sim_checkspan(L, 2, addr, size);
    sim_call_enter(L, &c);
    address_space_st(as, addr, v, size, be, attrs, &r);
    sim_call_leave(L, &c);
    sim_push_result(L, r);
    return 2;
}

/* as:ld(addr, size [, endian [, attrs]]) -> value, result, code */
static int sim_as_ld(lua_State *L)
{
    unsigned size = sim_checkwidth(L, 3);
    bool be = sim_optendian(L, 4);

    return sim_do_ld(L, size, be, 5);
}

/* as:st(addr, value, size [, endian [, attrs]]) -> result, code */
static int sim_as_st(lua_State *L)
{
    unsigned size = sim_checkwidth(L, 4);
    bool be = sim_optendian(L, 5);

    return sim_do_st(L, size, be, 6);
}

/* QEMU-named shortcuts: upvalues are size and big-endianness */
static int sim_as_ld_fixed(lua_State *L)
{
    return sim_do_ld(L, (unsigned)lua_tointeger(L, lua_upvalueindex(1)),
                     lua_toboolean(L, lua_upvalueindex(2)), 3);
}

static int sim_as_st_fixed(lua_State *L)
{
    return sim_do_st(L, (unsigned)lua_tointeger(L, lua_upvalueindex(1)),
                     lua_toboolean(L, lua_upvalueindex(2)), 4);
}

/* as:access_valid(addr, len, is_write [, attrs]) -> bool */
static int sim_as_access_valid(lua_State *L)
{
    AddressSpace *as = sim_checkas(L, 1);
    uint64_t addr = sim_checkaddr(L, 2);
    uint64_t len = sim_checklen(L, 3, true);
    bool is_write = sim_checkbool(L, 4);
    MemTxAttrs attrs = sim_optattrs(L, 5);
    SimCall c;
    bool ok;

    sim_checkspan(L, 3, addr, len);
    sim_call_enter(L, &c);
    ok = address_space_access_valid(as, addr, len, is_write, attrs);
    sim_call_leave(L, &c);
    lua_pushboolean(L, ok);
    return 1;
}

/* as:translate(addr, len, is_write [, attrs]) -> region, xlat, plen */
static int sim_as_translate(lua_State *L)
{
    AddressSpace *as = sim_checkas(L, 1);
    uint64_t addr = sim_checkaddr(L, 2);
    uint64_t len = sim_checklen(L, 3, false);
    bool is_write = sim_checkbool(L, 4);
    MemTxAttrs attrs = sim_optattrs(L, 5);
    hwaddr xlat = 0, plen = len;
    MemoryRegion *mr;
    SimCall c;

    sim_checkspan(L, 3, addr, len);
    sim_call_enter(L, &c);
    mr = address_space_translate(as, addr, &xlat, &plen, is_write, attrs);
    memory_region_ref(mr);
    sim_call_leave(L, &c);
    sim_pushregion(L, mr);
    memory_region_unref(mr);
    lua_pushinteger(L, (lua_Integer)xlat);
    lua_pushinteger(L, (lua_Integer)plen);
    return 3;
}

/* ---- registration ------------------------------------------------------- */

static const luaL_Reg sim_as_methods[] = {
    { "name", sim_as_name },
    { "root", sim_as_root },
    { "alive", sim_as_alive },
    { "destroy", sim_as_destroy },
    { "flatview", sim_as_flatview },
    { "read", sim_as_read },
    { "write", sim_as_write },
    { "write_rom", sim_as_write_rom },
    { "set", sim_as_set },
    { "ld", sim_as_ld },
    { "st", sim_as_st },
    { "access_valid", sim_as_access_valid },
    { "translate", sim_as_translate },
    { NULL, NULL },
};

static const luaL_Reg sim_as_meta[] = {
    { "__tostring", sim_as_tostring },
    { NULL, NULL },
};

static const struct {
    const char *ld, *st;
    unsigned size;
    bool be;
} sim_fixed_accessors[] = {
    { "ldub", "stb", 1, false },
    { "lduw_le", "stw_le", 2, false }, { "lduw_be", "stw_be", 2, true },
    { "ldl_le", "stl_le", 4, false }, { "ldl_be", "stl_be", 4, true },
    { "ldq_le", "stq_le", 8, false }, { "ldq_be", "stq_be", 8, true },
};

void sim_open_as(lua_State *L)
{
    sim_new_class(L, SIM_AS_MT, sim_as_methods, sim_as_meta);

    /* as:ldub ... as:ldq_be, as:stb ... as:stq_be */
    luaL_getmetatable(L, SIM_AS_MT);
    lua_getfield(L, -1, "__index");
    for (size_t i = 0; i < G_N_ELEMENTS(sim_fixed_accessors); i++) {
        lua_pushinteger(L, sim_fixed_accessors[i].size);
        lua_pushboolean(L, sim_fixed_accessors[i].be);
        lua_pushcclosure(L, sim_as_ld_fixed, 2);
        lua_setfield(L, -2, sim_fixed_accessors[i].ld);
        lua_pushinteger(L, sim_fixed_accessors[i].size);
        lua_pushboolean(L, sim_fixed_accessors[i].be);
        lua_pushcclosure(L, sim_as_st_fixed, 2);
        lua_setfield(L, -2, sim_fixed_accessors[i].st);
    }
    lua_pop(L, 2);
    sim_open_map(L);

    lua_pushcfunction(L, sim_address_space);
    lua_setfield(L, -2, "address_space");
    lua_pushcfunction(L, sim_address_spaces);
    lua_setfield(L, -2, "address_spaces");
}
