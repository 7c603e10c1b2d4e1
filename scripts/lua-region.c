/*
 * lua-region.c - MemoryRegions from Lua: creation, the tree, properties
 * and queries.
 *
 * A region userdata holds one reference on its region and there is at most
 * one userdata per region (a weak registry table maps region to userdata),
 * so regions compare with == and neither Lua's garbage collector nor the
 * tree frees what the other still uses.
 */
#include "scripts/lua-mmio.h"
#include <limits.h>

typedef struct SimRegion {
    MemoryRegion *mr;
} SimRegion;

/* ---- the userdata ----------------------------------------------------- */

void sim_pushregion(lua_State *L, MemoryRegion *mr)
{
    SimRegion *r;

    if (!mr) {
        lua_pushnil(L);
        return;
    }
    sim_registry_table(L, SIM_REG_REGIONS, "v");
    if (lua_rawgetp(L, -1, mr) == LUA_TUSERDATA) {
        lua_remove(L, -2);
        return;
    }
    lua_pop(L, 1);
    r = lua_newuserdatauv(L, sizeof(*r), 0);
    r->mr = NULL;
    luaL_setmetatable(L, SIM_REGION_MT);
    memory_region_ref(mr);
    r->mr = mr;
    lua_pushvalue(L, -1);
    lua_rawsetp(L, -3, mr);
    lua_remove(L, -2);
}

MemoryRegion *sim_checkregion(lua_State *L, int arg)
{
    SimRegion *r = luaL_checkudata(L, arg, SIM_REGION_MT);

    if (!r->mr) {
        luaL_argerror(L, arg, "region already released");
    }
    return r->mr;
}

/* Push a new region (caller's reference is passed to the userdata) */
static void sim_pushnewregion(lua_State *L, MemoryRegion *mr)
{
    sim_pushregion(L, mr);
    memory_region_unref(mr);
}

static int sim_region_gc(lua_State *L)
{
    SimRegion *r = luaL_checkudata(L, 1, SIM_REGION_MT);

    if (r->mr) {
        MemoryRegion *mr = r->mr;
        r->mr = NULL;
        sim_lua_unref(L, mr);
    }
    return 0;
}

static const char *sim_region_kind(const MemoryRegion *mr)
{
    switch (mr->kind) {
    case MR_CONTAINER:
        return "container";
    case MR_RAM:
        return mr->readonly ? "rom" : "ram";
    case MR_ROM_DEVICE:
        return "rom_device";
    case MR_IO:
        return mr->ops == &unassigned_mem_ops ? "reservation" : "io";
    case MR_ALIAS:
        return "alias";
    case MR_IOMMU:
        return "iommu";
    }
    return "?";
}

static int sim_region_tostring(lua_State *L)
{
    SimRegion *r = luaL_checkudata(L, 1, SIM_REGION_MT);

    if (!r->mr) {
        lua_pushstring(L, "MemoryRegion (released)");
    } else {
        lua_pushfstring(L, "MemoryRegion %s '%s' (%p)", sim_region_kind(r->mr),
                        memory_region_name(r->mr), (void *)r->mr);
    }
    return 1;
}

/* ---- creation --------------------------------------------------------- */

/* A region name: a string, or nil for an anonymous region */
static const char *sim_checkname(lua_State *L, int arg)
{
    if (lua_isnoneornil(L, arg)) {
        return NULL;
    }
    if (lua_type(L, arg) != LUA_TSTRING) {
        luaL_typeerror(L, arg, "string (region name)");
    }
    return lua_tostring(L, arg);
}

static int sim_container(lua_State *L)
{
    const char *name = sim_checkname(L, 1);
    uint64_t size = sim_checksize(L, 2);

    sim_pushnewregion(L, memory_region_new_container(name, size));
    return 1;
}

static int sim_reservation(lua_State *L)
{
    const char *name = sim_checkname(L, 1);
    uint64_t size = sim_checksize(L, 2);

    sim_pushnewregion(L, memory_region_new_reservation(name, size));
    return 1;
}

static int sim_ram(lua_State *L)
{
    static const char *const keys[] = {
        "backend", "path", "max_size", "readonly_file", NULL
    };
    static const char *const backends[] = { "anon", "memfd", "file", NULL };
    const char *name = sim_checkname(L, 1);
    uint64_t size = sim_checksize(L, 2);
    RAMBlockOptions opts = { 0 };
    const char *backend;
    GError *err = NULL;
    MemoryRegion *mr;
    bool has_max;

    sim_checkopts(L, 3, keys);
    backend = sim_optfield_string(L, 3, "backend", "anon");
    for (int i = 0;; i++) {
        if (!backends[i]) {
            luaL_argerror(L, 3, lua_pushfstring(L, "field 'backend': expected "
                          "\"anon\", \"memfd\" or \"file\", got '%s'", backend));
        }
        if (g_str_equal(backend, backends[i])) {
            opts.backend = (RAMBackend)i;
            break;
        }
    }
    opts.path = sim_optfield_string(L, 3, "path", NULL);
    if (opts.backend == RAM_BACKEND_FILE && !opts.path) {
        luaL_argerror(L, 3, "field 'path' is required for backend \"file\"");
    }
    if (opts.backend != RAM_BACKEND_FILE && opts.path) {
        luaL_argerror(L, 3, "field 'path' is only for backend \"file\"");
    }
    opts.max_size = (uint64_t)sim_optfield_integer(L, 3, "max_size", 0,
                                                   &has_max);
    if (has_max && (opts.max_size == 0 || opts.max_size < size)) {
        luaL_argerror(L, 3, "field 'max_size' must not be 0 or smaller than "
                      "size");
    }
    opts.readonly_file = sim_optfield_bool(L, 3, "readonly_file", false);
    if (opts.readonly_file && opts.backend != RAM_BACKEND_FILE) {
        luaL_argerror(L, 3, "field 'readonly_file' is only for backend "
                      "\"file\"");
    }
    mr = memory_region_new_ram(name, size, &opts, &err);
    if (!mr) {
        return sim_raise_gerror(L, "ram", err);
    }
    sim_pushnewregion(L, mr);
    return 1;
}

static int sim_rom(lua_State *L)
{
    const char *name = sim_checkname(L, 1);
    uint64_t size = sim_checksize(L, 2);
    GError *err = NULL;
    MemoryRegion *mr = memory_region_new_rom(name, size, &err);

    if (!mr) {
        return sim_raise_gerror(L, "rom", err);
    }
    sim_pushnewregion(L, mr);
    return 1;
}

static int sim_io(lua_State *L)
{
    const char *name = sim_checkname(L, 1);
    uint64_t size = sim_checksize(L, 2);
    SimMmio *m = sim_mmio_new(L, 3);
    MemoryRegion *mr = memory_region_new_io(sim_mmio_ops(m), m, name, size);

    sim_mmio_attach(m, mr);
    sim_pushnewregion(L, mr);
    return 1;
}

static int sim_rom_device(lua_State *L)
{
    const char *name = sim_checkname(L, 1);
    uint64_t size = sim_checksize(L, 2);
    SimMmio *m = sim_mmio_new(L, 3);
    GError *err = NULL;
    MemoryRegion *mr = memory_region_new_rom_device(sim_mmio_ops(m), m, name,
                                                    size, &err);

    if (!mr) {
        sim_mmio_free(m);
        return sim_raise_gerror(L, "rom_device", err);
    }
    sim_mmio_attach(m, mr);
    sim_pushnewregion(L, mr);
    return 1;
}

static int sim_alias(lua_State *L)
{
    const char *name = sim_checkname(L, 1);
    MemoryRegion *orig = sim_checkregion(L, 2);
    uint64_t offset = sim_checkaddr(L, 3);
    uint64_t size = sim_checksize(L, 4);
    GError *err = NULL;
    MemoryRegion *mr = memory_region_new_alias(name, orig, offset, size, &err);

    if (!mr) {
        return sim_raise_gerror(L, "alias", err);
    }
    sim_pushnewregion(L, mr);
    return 1;
}

/* ---- the tree --------------------------------------------------------- */

/* Leave a frame; then raise the callback error, or @err from the core */
static void sim_finish(lua_State *L, SimCall *c, const char *fn, bool ok,
                       GError *err)
{
    if (!lua_isnil(L, c->slot)) {
        g_clear_error(&err);
    }
    sim_call_leave(L, c);
    if (!ok) {
        sim_raise_gerror(L, fn, err);
    }
}

/* container:add(offset, sub [, priority]) -> sub */
static int sim_region_add(lua_State *L)
{
    MemoryRegion *mr = sim_checkregion(L, 1);
    uint64_t offset = sim_checkaddr(L, 2);
    MemoryRegion *sub = sim_checkregion(L, 3);
    bool overlap = !lua_isnoneornil(L, 4);
    int prio = overlap ? (int)sim_checkrange(L, 4, INT_MIN, INT_MAX,
                                             "priority") : 0;
    GError *err = NULL;
    SimCall c;
    bool ok;

    lua_settop(L, 3);
    sim_call_enter(L, &c);
    ok = overlap
        ? memory_region_add_subregion_overlap(mr, offset, sub, prio, &err)
        : memory_region_add_subregion(mr, offset, sub, &err);
    sim_finish(L, &c, "add", ok, err);
    lua_pushvalue(L, 3);
    return 1;
}

/* container:del(sub) */
static int sim_region_del(lua_State *L)
{
    MemoryRegion *mr = sim_checkregion(L, 1);
    MemoryRegion *sub = sim_checkregion(L, 2);
    GError *err = NULL;
    SimCall c;
    bool ok;

    sim_call_enter(L, &c);
    ok = memory_region_del_subregion(mr, sub, &err);
    sim_finish(L, &c, "del", ok, err);
    return 0;
}

#define SIM_SETTER_BOOL(fname, call)                                    \
    static int fname(lua_State *L)                                      \
    {                                                                   \
        MemoryRegion *mr = sim_checkregion(L, 1);                       \
        bool v = sim_checkbool(L, 2);                                   \
        SimCall c;                                                      \
        sim_call_enter(L, &c);                                          \
        call(mr, v);                                                    \
        sim_call_leave(L, &c);                                          \
        return 0;                                                       \
    }

SIM_SETTER_BOOL(sim_region_set_enabled, memory_region_set_enabled)
SIM_SETTER_BOOL(sim_region_set_readonly, memory_region_set_readonly)
SIM_SETTER_BOOL(sim_region_set_nonvolatile, memory_region_set_nonvolatile)

static int sim_region_set_romd(lua_State *L)
{
    MemoryRegion *mr = sim_checkregion(L, 1);
    bool v = sim_checkbool(L, 2);
    SimCall c;

    if (mr->kind != MR_ROM_DEVICE) {
        return luaL_argerror(L, 1, "not a ROM device");
    }
    sim_call_enter(L, &c);
    memory_region_rom_device_set_romd(mr, v);
    sim_call_leave(L, &c);
    return 0;
}

static int sim_region_set_address(lua_State *L)
{
    MemoryRegion *mr = sim_checkregion(L, 1);
    uint64_t addr = sim_checkaddr(L, 2);
    SimCall c;

    sim_call_enter(L, &c);
    memory_region_set_address(mr, addr);
    sim_call_leave(L, &c);
    return 0;
}

static int sim_region_set_priority(lua_State *L)
{
    MemoryRegion *mr = sim_checkregion(L, 1);
    int prio = (int)sim_checkrange(L, 2, INT_MIN, INT_MAX, "priority");
    SimCall c;

    sim_call_enter(L, &c);
    memory_region_set_priority(mr, prio);
    sim_call_leave(L, &c);
    return 0;
}

static int sim_region_set_size(lua_State *L)
{
    MemoryRegion *mr = sim_checkregion(L, 1);
    uint64_t size = sim_checksize(L, 2);
    GError *err = NULL;
    SimCall c;
    bool ok;

    sim_call_enter(L, &c);
    ok = memory_region_set_size(mr, size, &err);
    sim_finish(L, &c, "set_size", ok, err);
    return 0;
}

static int sim_region_set_alias_offset(lua_State *L)
{
    MemoryRegion *mr = sim_checkregion(L, 1);
    uint64_t offset = sim_checkaddr(L, 2);
    GError *err = NULL;
    SimCall c;
    bool ok;

    if (mr->kind != MR_ALIAS) {
        return luaL_argerror(L, 1, "not an alias");
    }
    sim_call_enter(L, &c);
    ok = memory_region_set_alias_offset(mr, offset, &err);
    sim_finish(L, &c, "set_alias_offset", ok, err);
    return 0;
}

/* ---- queries ---------------------------------------------------------- */

static int sim_region_name(lua_State *L)
{
    lua_pushstring(L, memory_region_name(sim_checkregion(L, 1)));
    return 1;
}

static int sim_region_size(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)memory_region_size(sim_checkregion(L, 1)));
    return 1;
}

static int sim_region_addr(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)sim_checkregion(L, 1)->addr);
    return 1;
}

static int sim_region_absolute_address(lua_State *L)
{
    MemoryRegion *mr = sim_checkregion(L, 1);

    lua_pushinteger(L, (lua_Integer)memory_region_absolute_address(mr));
    return 1;
}

static int sim_region_priority(lua_State *L)
{
    lua_pushinteger(L, sim_checkregion(L, 1)->priority);
    return 1;
}

static int sim_region_type(lua_State *L)
{
    lua_pushstring(L, sim_region_kind(sim_checkregion(L, 1)));
    return 1;
}

static int sim_region_mtree_type(lua_State *L)
{
    lua_pushstring(L, memory_region_type_name(sim_checkregion(L, 1)));
    return 1;
}

#define SIM_GETTER_BOOL(fname, expr)                                    \
    static int fname(lua_State *L)                                      \
    {                                                                   \
        MemoryRegion *mr = sim_checkregion(L, 1);                       \
        lua_pushboolean(L, (expr));                                     \
        return 1;                                                       \
    }

SIM_GETTER_BOOL(sim_region_enabled, mr->enabled)
SIM_GETTER_BOOL(sim_region_readonly, mr->readonly)
SIM_GETTER_BOOL(sim_region_nonvolatile, mr->nonvolatile)
SIM_GETTER_BOOL(sim_region_may_overlap, mr->may_overlap)
SIM_GETTER_BOOL(sim_region_is_ram, memory_region_is_ram(mr))
SIM_GETTER_BOOL(sim_region_is_rom, memory_region_is_rom(mr))
SIM_GETTER_BOOL(sim_region_is_romd, memory_region_is_romd(mr))
SIM_GETTER_BOOL(sim_region_is_iommu, memory_region_is_iommu(mr))
SIM_GETTER_BOOL(sim_region_is_mapped, memory_region_is_mapped(mr))

static int sim_region_children(lua_State *L)
{
    MemoryRegion *mr = sim_checkregion(L, 1);
    guint n = memory_region_subregion_count(mr);

    lua_createtable(L, (int)n, 0);
    for (guint i = 0; i < n; i++) {
        sim_pushregion(L, memory_region_subregion(mr, i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int sim_region_container(lua_State *L)
{
    sim_pushregion(L, sim_checkregion(L, 1)->container);
    return 1;
}

static int sim_region_alias(lua_State *L)
{
    MemoryRegion *mr = sim_checkregion(L, 1);

    if (mr->kind != MR_ALIAS) {
        lua_pushnil(L);
        return 1;
    }
    sim_pushregion(L, mr->alias);
    lua_pushinteger(L, (lua_Integer)mr->alias_offset);
    return 2;
}

static int sim_region_refcount(lua_State *L)
{
    lua_pushinteger(L, sim_checkregion(L, 1)->refcount);
    return 1;
}

/* ---- MMIO dispatch ---------------------------------------------------- */

/* r:dispatch_read(addr, size [, attrs]) -> value, result, code */
static int sim_region_dispatch_read(lua_State *L)
{
    MemoryRegion *mr = sim_checkregion(L, 1);
    uint64_t addr = sim_checkaddr(L, 2);
    unsigned size = sim_checkwidth(L, 3);
    MemTxAttrs attrs = sim_optattrs(L, 4);
    uint64_t data = 0;
    MemTxResult r;
    SimCall c;

    sim_call_enter(L, &c);
    r = memory_region_dispatch_read(mr, addr, &data, size, attrs);
    sim_call_leave(L, &c);
    lua_pushinteger(L, (lua_Integer)data);
    sim_push_result(L, r);
    return 3;
}

/* r:dispatch_write(addr, value, size [, attrs]) -> result, code */
static int sim_region_dispatch_write(lua_State *L)
{
    MemoryRegion *mr = sim_checkregion(L, 1);
    uint64_t addr = sim_checkaddr(L, 2);
    unsigned size = sim_checkwidth(L, 4);
    uint64_t data = sim_checkvalue(L, 3, size);
    MemTxAttrs attrs = sim_optattrs(L, 5);
    MemTxResult r;
    SimCall c;

    sim_call_enter(L, &c);
    r = memory_region_dispatch_write(mr, addr, data, size, attrs);
    sim_call_leave(L, &c);
    sim_push_result(L, r);
    return 2;
}

/* r:access_valid(addr, size, is_write [, attrs]) -> bool */
static int sim_region_access_valid(lua_State *L)
{
    MemoryRegion *mr = sim_checkregion(L, 1);
    uint64_t addr = sim_checkaddr(L, 2);
    unsigned size = sim_checkwidth(L, 3);
    bool is_write = sim_checkbool(L, 4);
    MemTxAttrs attrs = sim_optattrs(L, 5);
    SimCall c;
    bool ok;

    sim_call_enter(L, &c);
    ok = memory_region_access_valid(mr, addr, size, is_write, attrs);
    sim_call_leave(L, &c);
    lua_pushboolean(L, ok);
    return 1;
}

/* ---- registration ----------------------------------------------------- */

static const luaL_Reg sim_region_methods[] = {
    { "add", sim_region_add },
    { "del", sim_region_del },
    { "set_enabled", sim_region_set_enabled },
    { "set_readonly", sim_region_set_readonly },
    { "set_nonvolatile", sim_region_set_nonvolatile },
    { "set_romd", sim_region_set_romd },
    { "set_address", sim_region_set_address },
    { "set_priority", sim_region_set_priority },
    { "set_size", sim_region_set_size },
    { "set_alias_offset", sim_region_set_alias_offset },
    { "name", sim_region_name },
    { "size", sim_region_size },
    { "addr", sim_region_addr },
    { "absolute_address", sim_region_absolute_address },
    { "priority", sim_region_priority },
    { "type", sim_region_type },
    { "mtree_type", sim_region_mtree_type },
    { "enabled", sim_region_enabled },
    { "readonly", sim_region_readonly },
    { "nonvolatile", sim_region_nonvolatile },
    { "may_overlap", sim_region_may_overlap },
    { "is_ram", sim_region_is_ram },
    { "is_rom", sim_region_is_rom },
    { "is_romd", sim_region_is_romd },
    { "is_iommu", sim_region_is_iommu },
    { "is_mapped", sim_region_is_mapped },
    { "children", sim_region_children },
    { "container", sim_region_container },
    { "alias", sim_region_alias },
    { "refcount", sim_region_refcount },
    { "dispatch_read", sim_region_dispatch_read },
    { "dispatch_write", sim_region_dispatch_write },
    { "access_valid", sim_region_access_valid },
    { NULL, NULL },
};

static const luaL_Reg sim_region_meta[] = {
    { "__gc", sim_region_gc },
    { "__tostring", sim_region_tostring },
    { NULL, NULL },
};

static const luaL_Reg sim_region_functions[] = {
    { "container", sim_container },
    { "ram", sim_ram },
    { "rom", sim_rom },
    { "rom_device", sim_rom_device },
    { "io", sim_io },
    { "alias", sim_alias },
    { "reservation", sim_reservation },
    { NULL, NULL },
};

void sim_open_region(lua_State *L)
{
    sim_new_class(L, SIM_REGION_MT, sim_region_methods, sim_region_meta);
    luaL_setfuncs(L, sim_region_functions, 0);
}
