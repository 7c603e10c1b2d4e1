/*
 * lua-vtd.c - the intel-iommu device from Lua (lua-vtd.h).
 */
#include "scripts/lua-iommusim.h"
#include "scripts/lua-vtd.h"
#include "dma/intel-iommu.h"
#include "iommu/vtd/vtd-internal.h"
#include <lauxlib.h>
#include <string.h>

#define SIM_VTD_MT "iommusim.IntelIOMMU"

typedef struct SimVTD {
    IntelIOMMUState *s;   /* NULL once the unit is gone */
} SimVTD;

static GHashTable *sim_vtds; /* IntelIOMMUState * -> SimVTD * */

bool sim_vtd_spec(const char *spec)
{
    return intel_iommu_spec_matches(spec);
}

static IntelIOMMUState *sim_checkvtd(lua_State *L, int arg)
{
    SimVTD *u = luaL_checkudata(L, arg, SIM_VTD_MT);

    if (!u->s) {
        luaL_argerror(L, arg, "intel-iommu was destroyed");
    }
    return u->s;
}

static unsigned opt_regsize(lua_State *L, int arg)
{
    lua_Integer n = luaL_optinteger(L, arg, 4);

    if (n != 4 && n != 8) {
        luaL_argerror(L, arg, "register size must be 4 or 8");
    }
    return (unsigned)n;
}

static hwaddr check_offset(lua_State *L, int arg, unsigned size)
{
    lua_Integer off = luaL_checkinteger(L, arg);

    if (off < 0 || off + size > VTD_REG_SIZE || (off & (size - 1))) {
        luaL_argerror(L, arg, "not a register offset for this size");
    }
    return (hwaddr)off;
}

/* v:read(offset [, size]) */
static int sim_vtd_read(lua_State *L)
{
    IntelIOMMUState *s = sim_checkvtd(L, 1);
    unsigned size = opt_regsize(L, 3);
    hwaddr off = check_offset(L, 2, size);

    lua_pushinteger(L, (lua_Integer)vtd_reg_read(s, off, size));
    return 1;
}

/* v:write(offset, value [, size]) */
static int sim_vtd_write(lua_State *L)
{
    IntelIOMMUState *s = sim_checkvtd(L, 1);
    unsigned size = opt_regsize(L, 4);
    hwaddr off = check_offset(L, 2, size);
    uint64_t val = (uint64_t)luaL_checkinteger(L, 3);
    SimCall c;

    lua_settop(L, 4);
    sim_call_enter(L, &c);
    vtd_reg_write(s, off, val, size);
    sim_call_leave(L, &c);
    return 0;
}

static int sim_vtd_cap(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)vtd_cap(sim_checkvtd(L, 1)));
    return 1;
}

static int sim_vtd_ecap(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)vtd_ecap(sim_checkvtd(L, 1)));
    return 1;
}

static int sim_vtd_stats(lua_State *L)
{
    IntelIOMMUState *s = sim_checkvtd(L, 1);
    VTDStatItem items[64];
    unsigned n = vtd_stats(s, items, G_N_ELEMENTS(items));

    lua_createtable(L, 0, (int)n);
    for (unsigned i = 0; i < n && i < G_N_ELEMENTS(items); i++) {
        lua_pushinteger(L, (lua_Integer)items[i].value);
        lua_setfield(L, -2, items[i].name);
    }
    /* notifier sync work (not in vtd_stats()'s list) */
    lua_pushinteger(L, (lua_Integer)s->stats.sync_entries);
    lua_setfield(L, -2, "sync_entries");
    lua_pushinteger(L, (lua_Integer)s->stats.sync_budget_exceeded);
    lua_setfield(L, -2, "sync_budget_exceeded");
    lua_pushinteger(L, (lua_Integer)s->stats.sync_budget_skipped);
    lua_setfield(L, -2, "sync_budget_skipped");
    return 1;
}

static int sim_vtd_stats_reset(lua_State *L)
{
    vtd_stats_reset(sim_checkvtd(L, 1));
    return 0;
}

static int sim_vtd_reset(lua_State *L)
{
    IntelIOMMUState *s = sim_checkvtd(L, 1);
    SimCall c;

    lua_settop(L, 1);
    sim_call_enter(L, &c);
    vtd_reset(s);
    sim_call_leave(L, &c);
    return 0;
}

static int sim_vtd_iotlb_size(lua_State *L)
{
    lua_pushinteger(L, vtd_iotlb_size(sim_checkvtd(L, 1)));
    return 1;
}

static void push_props(lua_State *L, const VTDProperties *p)
{
    static const char *const onoff[] = { "auto", "off", "on" };

    lua_createtable(L, 0, 13);
    lua_pushinteger(L, p->aw_bits);
    lua_setfield(L, -2, "aw-bits");
#define B(name, field) lua_pushboolean(L, p->field); lua_setfield(L, -2, name)
    B("caching-mode", caching_mode);
    B("device-iotlb", device_iotlb);
    B("pt", pt);
    B("snoop-control", snoop_control);
    B("x-scalable-mode", scalable_mode);
    B("x-pasid-mode", pasid);
    B("dma-drain", dma_drain);
    B("dma-translation", dma_translation);
    B("x-buggy-eim", buggy_eim);
#undef B
    lua_pushstring(L, onoff[p->intremap + 1]);
    lua_setfield(L, -2, "intremap");
    lua_pushstring(L, onoff[p->eim + 1]);
    lua_setfield(L, -2, "eim");
    lua_pushinteger(L, p->version);
    lua_setfield(L, -2, "version");
}

static const luaL_Reg sim_vtd_methods[] = {
    { "read", sim_vtd_read },
    { "write", sim_vtd_write },
    { "cap", sim_vtd_cap },
    { "ecap", sim_vtd_ecap },
    { "stats", sim_vtd_stats },
    { "stats_reset", sim_vtd_stats_reset },
    { "reset", sim_vtd_reset },
    { "iotlb_size", sim_vtd_iotlb_size },
    { NULL, NULL },
};

static int sim_vtd_index(lua_State *L)
{
    SimVTD *u = luaL_checkudata(L, 1, SIM_VTD_MT);
    const char *key = luaL_checkstring(L, 2);

    for (const luaL_Reg *r = sim_vtd_methods; r->name; r++) {
        if (!strcmp(r->name, key)) {
            lua_pushcfunction(L, r->func);
            return 1;
        }
    }
    if (!strcmp(key, "name")) {
        lua_pushstring(L, TYPE_INTEL_IOMMU_DEVICE);
        return 1;
    }
    if (!u->s) {
        return luaL_error(L, "intel-iommu was destroyed");
    }
    if (!strcmp(key, "aw_bits")) {
        lua_pushinteger(L, vtd_aw_bits(u->s));
    } else if (!strcmp(key, "caching_mode")) {
        lua_pushboolean(L, vtd_caching_mode(u->s));
    } else if (!strcmp(key, "props")) {
        push_props(L, vtd_properties(u->s));
    } else if (!strcmp(key, "base")) {
        lua_pushinteger(L, (lua_Integer)VTD_DEFAULT_BASE);
    } else {
        lua_pushnil(L);
    }
    return 1;
}

static int sim_vtd_gc(lua_State *L)
{
    SimVTD *u = luaL_checkudata(L, 1, SIM_VTD_MT);

    if (u->s && sim_vtds) {
        g_hash_table_remove(sim_vtds, u->s);
    }
    u->s = NULL;
    return 0;
}

static int sim_vtd_tostring(lua_State *L)
{
    SimVTD *u = luaL_checkudata(L, 1, SIM_VTD_MT);

    if (u->s) {
        lua_pushfstring(L, "intel-iommu (aw-bits=%d)", (int)u->s->aw_bits);
    } else {
        lua_pushstring(L, "intel-iommu (destroyed)");
    }
    return 1;
}

static void sim_vtd_push(lua_State *L, IntelIOMMUState *s)
{
    SimVTD *u = lua_newuserdatauv(L, sizeof(SimVTD), 0);

    u->s = s;
    if (luaL_newmetatable(L, SIM_VTD_MT)) {
        lua_pushcfunction(L, sim_vtd_index);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, sim_vtd_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, sim_vtd_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_setmetatable(L, -2);
    if (!sim_vtds) {
        sim_vtds = g_hash_table_new(NULL, NULL);
    }
    g_hash_table_insert(sim_vtds, s, u);
}

int sim_vtd_device_add(lua_State *L, PCIBus *bus, const char *spec)
{
    GError *err = NULL;
    IntelIOMMUState *s;
    SimCall c;

    sim_call_enter(L, &c);
    s = intel_iommu_device_add(bus, spec, &err);
    sim_call_leave(L, &c);
    if (!s) {
        return sim_raise_gerror(L, "bus:device", err);
    }
    sim_vtd_push(L, s);
    return 1;
}

void sim_vtd_host_teardown(lua_State *L, PCIBus *root)
{
    IntelIOMMUState *s = intel_iommu_find(root);

    if (!s) {
        return;
    }
    if (sim_vtds) {
        SimVTD *u = g_hash_table_lookup(sim_vtds, s);
        if (u) {
            u->s = NULL;
            g_hash_table_remove(sim_vtds, s);
        }
    }
    intel_iommu_device_remove(s);
}
