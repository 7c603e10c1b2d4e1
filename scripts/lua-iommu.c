/*
 * lua-iommu.c - scripted IOMMUs, IOMMU notifiers and IOTLB lookups from Lua.
 *
 * A ScriptedIOMMU userdata holds a reference on the model's region (one
 * userdata per model, so objects compare with ==). The Lua functions of a
 * model (translate, attrs_to_index) live as long as the region and run
 * protected (sim_protect): a failing one makes the translation fault, and
 * its error is raised by the binding function whose access reached it.
 *
 * An IOMMUNotifier userdata embeds the core's IOMMUNotifier. While
 * registered it is anchored in the registry (the collector must not stop
 * it silently); it holds a reference on its IOMMU region from a successful
 * registration until it is collected, so replay works after unregister.
 * Its function is called as fn(event, notifier), the notifier on the stack
 * keeping the userdata alive while the core still uses it.
 */
#include "scripts/lua-iommu.h"
#include "scripts/lua-iommusim.h"
#include "iommu/iotlb.h"
#include "iommu/scripted-iommu.h"

#include <string.h>

#define SIM_REG_SCRIPTED "iommusim.scripted_iommus" /* weak: lightud -> ud */
#define SIM_REG_NOTIFIERS "iommusim.iommu_notifiers" /* lightud -> ud */
#define SIM_REG_NOTIFIERS_ALL "iommusim.iommu_notifiers_all" /* weak */

/* ---- permissions and flags ------------------------------------------------ */

/* A permission at @idx: "none", "ro"/"r", "wo"/"w", "rw" or 0..3. */
static bool sim_toperm(lua_State *L, int idx, IOMMUAccessFlags *perm)
{
    static const struct {
        const char *name;
        IOMMUAccessFlags perm;
    } names[] = {
        { "none", IOMMU_NONE }, { "ro", IOMMU_RO }, { "r", IOMMU_RO },
        { "wo", IOMMU_WO }, { "w", IOMMU_WO }, { "rw", IOMMU_RW },
    };

    if (lua_type(L, idx) == LUA_TNUMBER) {
        int isnum;
        lua_Integer v = lua_tointegerx(L, idx, &isnum);
        if (isnum && v >= 0 && v <= 3) {
            *perm = (IOMMUAccessFlags)v;
            return true;
        }
    } else if (lua_type(L, idx) == LUA_TSTRING) {
        const char *s = lua_tostring(L, idx);
        for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
            if (strcmp(s, names[i].name) == 0) {
                *perm = names[i].perm;
                return true;
            }
        }
    }
    return false;
}

static IOMMUAccessFlags sim_checkperm(lua_State *L, int arg, bool allow_none)
{
    IOMMUAccessFlags p = IOMMU_NONE;

    if (!sim_toperm(L, arg, &p)) {
        luaL_argerror(L, arg, lua_pushfstring(L, "permission expected "
                      "(\"ro\", \"wo\", \"rw\"%s), got %s",
                      allow_none ? " or \"none\"" : "",
                      luaL_tolstring(L, arg, NULL)));
    }
    if (p == IOMMU_NONE && !allow_none) {
        luaL_argerror(L, arg, "permission must not be \"none\" (use unmap)");
    }
    return p;
}

/* Notifier flags from a string such as "map|unmap" or an integer 1..7;
 * returns 0 (with a message pushed) when bad. */
static unsigned sim_parse_flags(lua_State *L, int idx)
{
    static const struct {
        const char *name;
        unsigned flags;
    } names[] = {
        { "unmap", IOMMU_NOTIFIER_UNMAP },
        { "map", IOMMU_NOTIFIER_MAP },
        { "deviotlb_unmap", IOMMU_NOTIFIER_DEVIOTLB_UNMAP },
        { "deviotlb", IOMMU_NOTIFIER_DEVIOTLB_UNMAP },
        { "iotlb", IOMMU_NOTIFIER_IOTLB_EVENTS },
        { "all", IOMMU_NOTIFIER_ALL },
    };
    unsigned flags = 0;

    if (lua_type(L, idx) == LUA_TNUMBER) {
        int isnum;
        lua_Integer v = lua_tointegerx(L, idx, &isnum);
        return isnum && v >= 1 && v <= IOMMU_NOTIFIER_ALL ? (unsigned)v : 0;
    }
    if (lua_type(L, idx) != LUA_TSTRING) {
        return 0;
    }
    g_auto(GStrv) words = g_strsplit_set(lua_tostring(L, idx), "|,+ ", -1);
    for (int i = 0; words[i]; i++) {
        bool known = false;
        if (!*words[i]) {
            continue;
        }
        for (size_t k = 0; k < G_N_ELEMENTS(names); k++) {
            if (strcmp(words[i], names[k].name) == 0) {
                flags |= names[k].flags;
                known = true;
            }
        }
        if (!known) {
            return 0;
        }
    }
    return flags;
}

static void sim_push_flags(lua_State *L, unsigned flags)
{
    luaL_Buffer b;
    bool first = true;
    static const char *const names[] = { "unmap", "map", "deviotlb_unmap" };

    luaL_buffinit(L, &b);
    for (int i = 0; i < 3; i++) {
        if (flags & (1u << i)) {
            if (!first) {
                luaL_addchar(&b, '|');
            }
            luaL_addstring(&b, names[i]);
            first = false;
        }
    }
    if (first) {
        luaL_addstring(&b, "none");
    }
    luaL_pushresult(&b);
}

/* An IOTLB entry as a table; perm "none" for a fault. */
static void sim_push_entry(lua_State *L, const IOMMUTLBEntry *e)
{
    lua_createtable(L, 0, 7);
    sim_pushas(L, e->target_as);
    lua_setfield(L, -2, "target_as");
    lua_pushinteger(L, (lua_Integer)e->iova);
    lua_setfield(L, -2, "iova");
    lua_pushinteger(L, (lua_Integer)e->translated_addr);
    lua_setfield(L, -2, "translated_addr");
    lua_pushinteger(L, (lua_Integer)e->addr_mask);
    lua_setfield(L, -2, "addr_mask");
    lua_pushinteger(L, sim_size_to_lua((u128)e->addr_mask + 1));
    lua_setfield(L, -2, "size");
    lua_pushstring(L, iommu_access_flags_name(e->perm));
    lua_setfield(L, -2, "perm");
}

/* ---- the Lua functions of a scripted IOMMU -------------------------------- */

typedef struct SimHooks {
    int translate_ref;
    int attrs_ref;
    uint64_t page_size;
    MemoryRegion *mr;  /* the model's region, for messages */
} SimHooks;

typedef struct SimXlate {
    SimHooks *h;
    hwaddr iova;
    IOMMUAccessFlags flag;
    int idx;
    IOMMUTLBEntry *e;
} SimXlate;

static const char *sim_hooks_name(SimHooks *h)
{
    return h->mr ? memory_region_name(h->mr) : "?";
}

static int sim_xlate_body(lua_State *L)
{
    static const char *const keys[] = {
        "target_as", "addr", "perm", "page_size", "mask", NULL
    };
    SimXlate *c = lua_touserdata(L, 1);
    IOMMUTLBEntry *e = c->e;
    bool has_ps, has_mask;
    lua_Integer ps, mask;
    int t;

    lua_rawgeti(L, LUA_REGISTRYINDEX, c->h->translate_ref);
    lua_pushinteger(L, (lua_Integer)c->iova);
    lua_pushboolean(L, (c->flag & IOMMU_WO) != 0);
    lua_pushinteger(L, c->idx);
    lua_pushstring(L, iommu_access_flags_name(c->flag));
    lua_call(L, 4, 1);
    t = lua_gettop(L);
    if (lua_isnil(L, t) || (lua_isboolean(L, t) && !lua_toboolean(L, t))) {
        e->perm = IOMMU_NONE; /* not mapped */
        return 0;
    }
    if (!lua_istable(L, t)) {
        return luaL_error(L, "returned %s instead of a table or nil",
                          luaL_typename(L, t));
    }
    lua_pushnil(L);
    while (lua_next(L, t)) {
        bool known = false;
        lua_pop(L, 1);
        for (int i = 0; keys[i] && lua_type(L, -1) == LUA_TSTRING; i++) {
            known |= strcmp(keys[i], lua_tostring(L, -1)) == 0;
        }
        if (!known) {
            return luaL_error(L, "returned a table with unknown field '%s' "
                              "(expected target_as, addr, perm, page_size "
                              "or mask)", luaL_tolstring(L, -1, NULL));
        }
    }
    if (lua_getfield(L, t, "target_as") == LUA_TNIL) {
        return luaL_error(L, "returned no target_as");
    }
    if (!luaL_testudata(L, -1, SIM_AS_MT)) {
        return luaL_error(L, "returned a target_as that is a %s, not an "
                          "address space", luaL_typename(L, -1));
    }
    e->target_as = sim_checkas(L, lua_gettop(L));
    lua_pop(L, 1);
    if (lua_getfield(L, t, "addr") != LUA_TNUMBER || !lua_isinteger(L, -1)) {
        return luaL_error(L, "returned %s as addr instead of an integer",
                          lua_isnil(L, -1) ? "nothing"
                                           : luaL_tolstring(L, -1, NULL));
    }
    e->translated_addr = (hwaddr)lua_tointeger(L, -1);
    lua_pop(L, 1);
    if (lua_getfield(L, t, "perm") == LUA_TNIL) {
        e->perm = IOMMU_RW;
    } else if (!sim_toperm(L, -1, &e->perm)) {
        return luaL_error(L, "returned perm %s (expected \"none\", \"ro\", "
                          "\"wo\" or \"rw\")", luaL_tolstring(L, -1, NULL));
    }
    lua_pop(L, 1);
    ps = sim_optfield_integer(L, t, "page_size", 0, &has_ps);
    mask = sim_optfield_integer(L, t, "mask", 0, &has_mask);
    if (has_ps && has_mask) {
        return luaL_error(L, "returned both page_size and mask");
    }
    if (has_ps) {
        uint64_t p = (uint64_t)ps;
        if (p == 0 || (p & (p - 1))) {
            return luaL_error(L, "returned page_size 0x%s, not a power of two",
                              lua_pushfstring(L, "%I", ps));
        }
        e->addr_mask = p - 1;
    } else if (has_mask) {
        uint64_t m = (uint64_t)mask;
        if (m & (m + 1)) {
            return luaL_error(L, "returned mask 0x%I, not of the form "
                              "2^k - 1", mask);
        }
        e->addr_mask = m;
    } else {
        e->addr_mask = c->h->page_size - 1;
    }
    return 0;
}

static bool sim_hook_translate(ScriptedIOMMU *s, hwaddr iova,
                               IOMMUAccessFlags flag, int idx,
                               IOMMUTLBEntry *e, void *opaque)
{
    SimXlate c = { .h = opaque, .iova = iova, .flag = flag, .idx = idx,
                   .e = e };

    return sim_protect(sim_xlate_body, &c, "IOMMU translate function",
                       sim_hooks_name(c.h));
}

typedef struct SimAttrsCall {
    SimHooks *h;
    MemTxAttrs attrs;
    int idx;
} SimAttrsCall;

static int sim_attrs_body(lua_State *L)
{
    SimAttrsCall *c = lua_touserdata(L, 1);
    int isnum = 0;
    lua_Integer v = 0;

    lua_rawgeti(L, LUA_REGISTRYINDEX, c->h->attrs_ref);
    sim_push_attrs(L, c->attrs);
    lua_call(L, 1, 1);
    if (lua_type(L, -1) == LUA_TNUMBER) {
        v = lua_tointegerx(L, -1, &isnum);
    }
    if (!isnum || v < 0 || v >= SCRIPTED_IOMMU_MAX_INDEXES) {
        return luaL_error(L, "returned %s instead of an IOMMU index",
                          luaL_tolstring(L, -1, NULL));
    }
    c->idx = (int)v;
    return 0;
}

static int sim_hook_attrs_to_index(ScriptedIOMMU *s, MemTxAttrs attrs,
                                   void *opaque)
{
    SimAttrsCall c = { .h = opaque, .attrs = attrs, .idx = -1 };

    if (!sim_protect(sim_attrs_body, &c, "IOMMU attrs_to_index function",
                     sim_hooks_name(c.h))) {
        return -1; /* out of range: the translation faults */
    }
    return c.idx;
}

static void sim_hooks_free(void *opaque)
{
    SimHooks *h = opaque;
    lua_State *L = sim_any_state();

    if (L) {
        luaL_unref(L, LUA_REGISTRYINDEX, h->translate_ref);
        luaL_unref(L, LUA_REGISTRYINDEX, h->attrs_ref);
    }
    g_free(h);
}

/* ---- the ScriptedIOMMU userdata ------------------------------------------- */

typedef struct SimScripted {
    ScriptedIOMMU *s;
} SimScripted;

/* Push the userdata of @s (one per model), taking a region reference for a
 * new one. */
static void sim_pushscripted(lua_State *L, ScriptedIOMMU *s)
{
    SimScripted *u;

    sim_registry_table(L, SIM_REG_SCRIPTED, "v");
    if (lua_rawgetp(L, -1, s) == LUA_TUSERDATA) {
        lua_remove(L, -2);
        return;
    }
    lua_pop(L, 1);
    u = lua_newuserdatauv(L, sizeof(*u), 0);
    u->s = NULL;
    luaL_setmetatable(L, SIM_SCRIPTED_IOMMU_MT);
    memory_region_ref(scripted_iommu_region(s));
    u->s = s;
    lua_pushvalue(L, -1);
    lua_rawsetp(L, -3, s);
    lua_remove(L, -2);
}

static ScriptedIOMMU *sim_checkscripted(lua_State *L, int arg)
{
    SimScripted *u = luaL_checkudata(L, arg, SIM_SCRIPTED_IOMMU_MT);

    if (!u->s) {
        luaL_argerror(L, arg, "scripted IOMMU already released");
    }
    return u->s;
}

static void sim_release_region(MemoryRegion *mr)
{
    if (sim_in_call()) {
        sim_defer_unref(mr);
    } else {
        memory_region_unref(mr);
    }
}

static int sim_scripted_gc(lua_State *L)
{
    SimScripted *u = luaL_checkudata(L, 1, SIM_SCRIPTED_IOMMU_MT);

    if (u->s) {
        sim_release_region(scripted_iommu_region(u->s));
        u->s = NULL;
    }
    return 0;
}

static int sim_scripted_tostring(lua_State *L)
{
    SimScripted *u = luaL_checkudata(L, 1, SIM_SCRIPTED_IOMMU_MT);

    if (!u->s) {
        lua_pushstring(L, "ScriptedIOMMU (released)");
    } else {
        lua_pushfstring(L, "ScriptedIOMMU '%s' (%p)",
                        memory_region_name(scripted_iommu_region(u->s)),
                        (void *)u->s);
    }
    return 1;
}

/* sim.scripted_iommu{ name=, size=, page_size=, refuse_map=, indexes=,
 *                     translate=, attrs_to_index= } */
static int sim_scripted_iommu(lua_State *L)
{
    static const char *const keys[] = {
        "name", "size", "page_size", "refuse_map", "indexes", "translate",
        "attrs_to_index", NULL
    };
    ScriptedIOMMUOptions o = { 0 };
    const char *name;
    lua_Integer size, ps, nidx;
    GError *err = NULL;
    SimHooks *h = NULL;
    ScriptedIOMMU *s;

    luaL_checktype(L, 1, LUA_TTABLE);
    sim_checkopts(L, 1, keys);
    name = sim_optfield_string(L, 1, "name", "scripted-iommu");
    size = sim_optfield_integer(L, 1, "size", -1, NULL);
    if (size == 0) {
        return luaL_argerror(L, 1, "field 'size': size must not be 0");
    }
    ps = sim_optfield_integer(L, 1, "page_size", 4096, NULL);
    if (ps < 4096 || (ps & (ps - 1))) {
        return luaL_argerror(L, 1, lua_pushfstring(L, "field 'page_size': "
                             "must be a power of two >= 4096, got %I", ps));
    }
    nidx = sim_optfield_integer(L, 1, "indexes", 1, NULL);
    if (nidx < 1 || nidx > SCRIPTED_IOMMU_MAX_INDEXES) {
        return luaL_argerror(L, 1, lua_pushfstring(L, "field 'indexes': must "
                             "be in [1, %d], got %I",
                             SCRIPTED_IOMMU_MAX_INDEXES, nidx));
    }
    o.refuse_map = sim_optfield_bool(L, 1, "refuse_map", false);
    for (int i = 0; i < 2; i++) {
        const char *k = i ? "attrs_to_index" : "translate";
        int t = lua_getfield(L, 1, k);
        if (t != LUA_TNIL && t != LUA_TFUNCTION) {
            return luaL_argerror(L, 1, lua_pushfstring(L, "field '%s': "
                                 "function expected, got %s", k,
                                 luaL_typename(L, -1)));
        }
        lua_pop(L, 1);
    }
    o.page_size = (uint64_t)ps;
    o.num_indexes = (int)nidx;

    /* checked: nothing below raises before the model exists */
    h = g_new0(SimHooks, 1);
    h->page_size = (uint64_t)ps;
    h->translate_ref = sim_optfield_function_ref(L, 1, "translate");
    h->attrs_ref = sim_optfield_function_ref(L, 1, "attrs_to_index");
    o.opaque = h;
    o.free_opaque = sim_hooks_free;
    if (h->translate_ref != LUA_NOREF) {
        o.translate = sim_hook_translate;
    }
    if (h->attrs_ref != LUA_NOREF) {
        o.attrs_to_index = sim_hook_attrs_to_index;
    }
    s = scripted_iommu_new(name, (uint64_t)size, &o, &err);
    if (!s) {
        sim_hooks_free(h);
        return sim_raise_gerror(L, "scripted_iommu", err);
    }
    h->mr = scripted_iommu_region(s);
    sim_pushscripted(L, s);
    memory_region_unref(scripted_iommu_region(s)); /* the userdata's now */
    return 1;
}

/* sim.scripted_iommu_of(region) -> the model, or nil */
static int sim_scripted_iommu_of(lua_State *L)
{
    ScriptedIOMMU *s = scripted_iommu_from_region(sim_checkregion(L, 1));

    if (!s) {
        lua_pushnil(L);
    } else {
        sim_pushscripted(L, s);
    }
    return 1;
}

/* An optional IOMMU index at @arg for @s */
static int sim_optindex(lua_State *L, int arg, ScriptedIOMMU *s)
{
    if (lua_isnoneornil(L, arg)) {
        return 0;
    }
    return (int)sim_checkrange(L, arg, 0, scripted_iommu_num_indexes(s) - 1,
                               "IOMMU index");
}

/* s:map(iova, target_as, addr, size, perm [, idx]) */
static int sim_scripted_map(lua_State *L)
{
    ScriptedIOMMU *s = sim_checkscripted(L, 1);
    hwaddr iova = sim_checkaddr(L, 2);
    AddressSpace *as = sim_checkas(L, 3);
    hwaddr addr = sim_checkaddr(L, 4);
    uint64_t size = sim_checksize(L, 5);
    IOMMUAccessFlags perm = sim_checkperm(L, 6, false);
    int idx = sim_optindex(L, 7, s);
    GError *err = NULL;
    SimCall c;
    bool ok;

    lua_settop(L, 7);
    sim_call_enter(L, &c);
    ok = scripted_iommu_map(s, idx, iova, size, as, addr, perm, &err);
    sim_call_leave(L, &c);
    if (!ok) {
        return sim_raise_gerror(L, "map", err);
    }
    return 0;
}

/* s:unmap(iova, size [, idx]) */
static int sim_scripted_unmap(lua_State *L)
{
    ScriptedIOMMU *s = sim_checkscripted(L, 1);
    hwaddr iova = sim_checkaddr(L, 2);
    uint64_t size = sim_checksize(L, 3);
    int idx = sim_optindex(L, 4, s);
    GError *err = NULL;
    SimCall c;
    bool ok;

    lua_settop(L, 4);
    sim_call_enter(L, &c);
    ok = scripted_iommu_unmap(s, idx, iova, size, &err);
    sim_call_leave(L, &c);
    if (!ok) {
        return sim_raise_gerror(L, "unmap", err);
    }
    return 0;
}

static int sim_scripted_region(lua_State *L)
{
    sim_pushregion(L, scripted_iommu_region(sim_checkscripted(L, 1)));
    return 1;
}

static int sim_scripted_name(lua_State *L)
{
    lua_pushstring(L, memory_region_name(scripted_iommu_region(
                          sim_checkscripted(L, 1))));
    return 1;
}

static int sim_scripted_page_size(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)scripted_iommu_page_size(
                           sim_checkscripted(L, 1)));
    return 1;
}

static int sim_scripted_indexes(lua_State *L)
{
    lua_pushinteger(L, scripted_iommu_num_indexes(sim_checkscripted(L, 1)));
    return 1;
}

/* s:stats() -> { translations, iotlb_hits, faults, maps, unmaps, map_events,
 *                unmap_events, bad_events, notifier_flags } */
static int sim_scripted_stats(lua_State *L)
{
    ScriptedIOMMU *s = sim_checkscripted(L, 1);
    ScriptedIOMMUStats st = scripted_iommu_stats(s);
    IOMMUMemoryRegion *im = scripted_iommu_iommu(s);

    lua_createtable(L, 0, 8);
#define SIM_STAT(field, v) \
    lua_pushinteger(L, (lua_Integer)(v)); lua_setfield(L, -2, field);
    SIM_STAT("translations", st.translations)
    SIM_STAT("iotlb_hits", st.iotlb_hits)
    SIM_STAT("faults", st.faults)
    SIM_STAT("maps", st.maps)
    SIM_STAT("unmaps", st.unmaps)
    SIM_STAT("map_events", st.map_events)
    SIM_STAT("unmap_events", st.unmap_events)
    SIM_STAT("bad_events", im->bad_events)
#undef SIM_STAT
    sim_push_flags(L, im->iommu_notify_flags);
    lua_setfield(L, -2, "notifier_flags");
    return 1;
}

/* s:last_fault() -> { iova, access, idx, reason } or nil */
static int sim_scripted_last_fault(lua_State *L)
{
    ScriptedFault f = scripted_iommu_last_fault(sim_checkscripted(L, 1));

    if (f.reason == SCRIPTED_FAULT_NONE) {
        lua_pushnil(L);
        return 1;
    }
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, (lua_Integer)f.iova);
    lua_setfield(L, -2, "iova");
    lua_pushstring(L, iommu_access_flags_name(f.flag));
    lua_setfield(L, -2, "access");
    lua_pushinteger(L, f.iommu_idx);
    lua_setfield(L, -2, "idx");
    lua_pushstring(L, scripted_fault_reason_name(f.reason));
    lua_setfield(L, -2, "reason");
    return 1;
}

typedef struct SimMapsWalk {
    lua_State *L;
    lua_Integer n;
} SimMapsWalk;

static gboolean sim_push_map(const DMAMap *m, gpointer data)
{
    SimMapsWalk *w = data;
    lua_State *L = w->L;

    lua_createtable(L, 0, 6);
    lua_pushinteger(L, (lua_Integer)m->iova);
    lua_setfield(L, -2, "iova");
    lua_pushinteger(L, (lua_Integer)(m->iova + m->size));
    lua_setfield(L, -2, "last");
    lua_pushinteger(L, sim_size_to_lua((u128)m->size + 1));
    lua_setfield(L, -2, "size");
    lua_pushinteger(L, (lua_Integer)m->translated_addr);
    lua_setfield(L, -2, "translated_addr");
    lua_pushstring(L, iommu_access_flags_name(m->perm));
    lua_setfield(L, -2, "perm");
    sim_pushas(L, scripted_iommu_map_target(m));
    lua_setfield(L, -2, "target_as");
    lua_rawseti(L, -2, ++w->n);
    return FALSE;
}

/* s:mappings([idx]) -> list of { iova, last, size, translated_addr, perm,
 * target_as } in IOVA order */
static int sim_scripted_mappings(lua_State *L)
{
    ScriptedIOMMU *s = sim_checkscripted(L, 1);
    int idx = sim_optindex(L, 2, s);
    const IOVATree *t = scripted_iommu_table(s, idx);
    SimMapsWalk w = { L, 0 };

    luaL_checkstack(L, 8, NULL);
    lua_createtable(L, (int)iova_tree_count(t), 0);
    iova_tree_foreach((IOVATree *)t, sim_push_map, &w);
    return 1;
}

/* s:translate(iova [, access [, idx]]) -> entry table (perm "none" on a
 * fault); access defaults to "none" (a lookup, not counted as a fault) */
static int sim_scripted_translate(lua_State *L)
{
    ScriptedIOMMU *s = sim_checkscripted(L, 1);
    hwaddr iova = sim_checkaddr(L, 2);
    IOMMUAccessFlags flag = lua_isnoneornil(L, 3)
                                ? IOMMU_NONE : sim_checkperm(L, 3, true);
    int idx = sim_optindex(L, 4, s);
    IOMMUTLBEntry e;
    SimCall c;

    lua_settop(L, 4);
    sim_call_enter(L, &c);
    e = memory_region_iommu_translate(scripted_iommu_iommu(s), iova, flag,
                                      idx);
    sim_call_leave(L, &c);
    sim_push_entry(L, &e);
    return 1;
}

/* ---- notifiers --------------------------------------------------------------- */

typedef struct SimNotifier {
    IOMMUNotifier n;          /* first: the core's notifier */
    int fn_ref;
    IOMMUMemoryRegion *iommu; /* referenced once registered, until gc */
    bool anchored;
} SimNotifier;

typedef struct SimNotifyCall {
    SimNotifier *sn;
    const IOMMUTLBEntry *e;
} SimNotifyCall;

static int sim_notify_body(lua_State *L)
{
    SimNotifyCall *c = lua_touserdata(L, 1);
    const IOMMUTLBEntry *e = c->e;

    lua_rawgeti(L, LUA_REGISTRYINDEX, c->sn->fn_ref);
    sim_push_entry(L, e);
    lua_pushstring(L, iommu_notifier_flag_name(c->sn->n.event_type));
    lua_setfield(L, -2, "type");
    lua_pushinteger(L, (lua_Integer)(e->iova + e->addr_mask));
    lua_setfield(L, -2, "last");
    lua_pushinteger(L, c->sn->n.iommu_idx);
    lua_setfield(L, -2, "idx");
    /* the notifier itself (alive: anchored, or on the stack of a replay) */
    sim_registry_table(L, SIM_REG_NOTIFIERS_ALL, "v");
    lua_rawgetp(L, -1, c->sn);
    lua_remove(L, -2);
    lua_call(L, 2, 0);
    return 0;
}

static void sim_notify(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    SimNotifyCall c = { .sn = (SimNotifier *)n, .e = e };
    IOMMUMemoryRegion *im = c.sn->iommu;

    sim_protect(sim_notify_body, &c, "IOMMU notifier callback",
                im ? memory_region_name(MEMORY_REGION(im)) : NULL);
}

static SimNotifier *sim_checknotifier(lua_State *L, int arg)
{
    return luaL_checkudata(L, arg, SIM_IOMMU_NOTIFIER_MT);
}

/* Anchor (or not) the userdata at @ud: a registered notifier must not be
 * collected. */
static void sim_notifier_anchor(lua_State *L, SimNotifier *sn, int ud,
                                bool on)
{
    ud = lua_absindex(L, ud);
    sim_registry_table(L, SIM_REG_NOTIFIERS, NULL);
    if (on) {
        lua_pushvalue(L, ud);
    } else {
        lua_pushnil(L);
    }
    lua_rawsetp(L, -2, sn);
    lua_pop(L, 1);
    sn->anchored = on;
}

static int sim_notifier_gc(lua_State *L)
{
    SimNotifier *sn = luaL_checkudata(L, 1, SIM_IOMMU_NOTIFIER_MT);
    lua_State *any = sim_any_state();

    if (sn->n.iommu_mr) {
        memory_region_unregister_iommu_notifier(NULL, &sn->n);
    }
    if (sn->iommu) {
        sim_release_region(MEMORY_REGION(sn->iommu));
        sn->iommu = NULL;
    }
    if (any && sn->fn_ref != LUA_NOREF) {
        luaL_unref(any, LUA_REGISTRYINDEX, sn->fn_ref);
    }
    sn->fn_ref = LUA_NOREF;
    return 0;
}

/* Register a new notifier on @mr with the options at @arg; pushes it. */
static int sim_notifier_new(lua_State *L, MemoryRegion *mr, int arg,
                            const char *fn)
{
    static const char *const keys[] = {
        "flags", "start", "end", "idx", "fn", NULL
    };
    lua_Integer start, end, idx;
    unsigned flags = IOMMU_NOTIFIER_IOTLB_EVENTS;
    GError *err = NULL;
    SimNotifier *sn;
    SimCall c;
    bool ok;

    luaL_checktype(L, arg, LUA_TTABLE);
    sim_checkopts(L, arg, keys);
    if (lua_getfield(L, arg, "flags") != LUA_TNIL) {
        flags = sim_parse_flags(L, -1);
        if (!flags) {
            return luaL_argerror(L, arg, lua_pushfstring(L, "field 'flags': "
                                 "expected words map, unmap, deviotlb_unmap "
                                 "joined by '|' (or 1..7), got %s",
                                 luaL_tolstring(L, -1, NULL)));
        }
    }
    lua_pop(L, 1);
    start = sim_optfield_integer(L, arg, "start", 0, NULL);
    end = sim_optfield_integer(L, arg, "end", -1, NULL);
    idx = sim_optfield_integer(L, arg, "idx", 0, NULL);
    if (idx < 0 || idx > INT32_MAX) {
        return luaL_argerror(L, arg, "field 'idx': must be in [0, 2^31)");
    }
    if (lua_getfield(L, arg, "fn") != LUA_TFUNCTION) {
        return luaL_argerror(L, arg, lua_pushfstring(L, "field 'fn': "
                             "function expected, got %s",
                             luaL_typename(L, -1)));
    }
    lua_pop(L, 1);

    sn = lua_newuserdatauv(L, sizeof(*sn), 0);
    memset(sn, 0, sizeof(*sn));
    sn->fn_ref = LUA_NOREF;
    luaL_setmetatable(L, SIM_IOMMU_NOTIFIER_MT);
    iommu_notifier_init(&sn->n, sim_notify, flags, (hwaddr)start,
                        (hwaddr)end, (int)idx);
    lua_getfield(L, arg, "fn");
    sn->fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    sim_registry_table(L, SIM_REG_NOTIFIERS_ALL, "v");
    lua_pushvalue(L, -2);
    lua_rawsetp(L, -2, sn);
    lua_pop(L, 1);

    sim_call_enter(L, &c);
    ok = memory_region_register_iommu_notifier(mr, &sn->n, &err);
    sim_call_leave(L, &c);
    if (!ok) {
        return sim_raise_gerror(L, fn, err);
    }
    sn->iommu = sn->n.iommu_mr;
    memory_region_ref(MEMORY_REGION(sn->iommu));
    lua_pushvalue(L, c.slot - 1);
    sim_notifier_anchor(L, sn, -1, true);
    return 1;
}

/* sim.iommu_notifier(region, opts) */
static int sim_iommu_notifier(lua_State *L)
{
    MemoryRegion *mr = sim_checkregion(L, 1);

    lua_settop(L, 2);
    return sim_notifier_new(L, mr, 2, "iommu_notifier");
}

/* s:notifier(opts) */
static int sim_scripted_notifier(lua_State *L)
{
    ScriptedIOMMU *s = sim_checkscripted(L, 1);

    lua_settop(L, 2);
    return sim_notifier_new(L, scripted_iommu_region(s), 2, "notifier");
}

/* n:unregister() */
static int sim_notifier_unregister(lua_State *L)
{
    SimNotifier *sn = sim_checknotifier(L, 1);
    SimCall c;

    if (!sn->n.iommu_mr) {
        return luaL_argerror(L, 1, "notifier is not registered");
    }
    lua_settop(L, 1);
    sim_call_enter(L, &c);
    memory_region_unregister_iommu_notifier(NULL, &sn->n);
    sim_call_leave(L, &c);
    sim_notifier_anchor(L, sn, 1, false);
    return 0;
}

static int sim_notifier_registered(lua_State *L)
{
    lua_pushboolean(L, sim_checknotifier(L, 1)->n.iommu_mr != NULL);
    return 1;
}

/* Replay the mappings of @im to @sn (the notifier userdata at 1 stays on
 * the stack all along). */
static int sim_do_replay(lua_State *L, IOMMUMemoryRegion *im, SimNotifier *sn)
{
    SimCall c;

    sim_call_enter(L, &c);
    memory_region_iommu_replay(im, &sn->n);
    sim_call_leave(L, &c);
    return 0;
}

/* n:replay(): what its IOMMU maps now, as MAP events to this notifier */
static int sim_notifier_replay(lua_State *L)
{
    SimNotifier *sn = sim_checknotifier(L, 1);

    lua_settop(L, 1);
    if (!sn->iommu) {
        return luaL_argerror(L, 1, "notifier has no IOMMU region");
    }
    return sim_do_replay(L, sn->iommu, sn);
}

/* s:replay(n) */
static int sim_scripted_replay(lua_State *L)
{
    ScriptedIOMMU *s = sim_checkscripted(L, 1);
    SimNotifier *sn = sim_checknotifier(L, 2);

    lua_settop(L, 2);
    return sim_do_replay(L, scripted_iommu_iommu(s), sn);
}

/* n:unmap_range(): one UNMAP event of its whole range, to it alone */
static int sim_notifier_unmap_range(lua_State *L)
{
    SimNotifier *sn = sim_checknotifier(L, 1);
    SimCall c;

    lua_settop(L, 1);
    sim_call_enter(L, &c);
    memory_region_unmap_iommu_notifier_range(&sn->n);
    sim_call_leave(L, &c);
    return 0;
}

static int sim_notifier_flags(lua_State *L)
{
    sim_push_flags(L, sim_checknotifier(L, 1)->n.notifier_flags);
    return 1;
}

/* n:range() -> start, end, idx */
static int sim_notifier_range(lua_State *L)
{
    SimNotifier *sn = sim_checknotifier(L, 1);

    lua_pushinteger(L, (lua_Integer)sn->n.start);
    lua_pushinteger(L, (lua_Integer)sn->n.end);
    lua_pushinteger(L, sn->n.iommu_idx);
    return 3;
}

static int sim_notifier_region(lua_State *L)
{
    SimNotifier *sn = sim_checknotifier(L, 1);

    sim_pushregion(L, sn->iommu ? MEMORY_REGION(sn->iommu) : NULL);
    return 1;
}

static int sim_notifier_tostring(lua_State *L)
{
    SimNotifier *sn = luaL_checkudata(L, 1, SIM_IOMMU_NOTIFIER_MT);

    char range[64];

    /* unsigned hex: %I would print the end 2^64-1 as -1 */
    g_snprintf(range, sizeof(range), "[0x%" PRIx64 ", 0x%" PRIx64 "]",
               (uint64_t)sn->n.start, (uint64_t)sn->n.end);
    sim_push_flags(L, sn->n.notifier_flags);
    lua_pushfstring(L, "IOMMUNotifier %s %s idx %d on '%s'%s",
                    lua_tostring(L, -1), range, sn->n.iommu_idx,
                    sn->iommu ? memory_region_name(MEMORY_REGION(sn->iommu))
                              : "?",
                    sn->n.iommu_mr ? "" : " (unregistered)");
    return 1;
}

/* ---- IOTLB lookups ---------------------------------------------------------- */

/* as:get_iotlb_entry(addr [, is_write [, attrs]]) / sim.get_iotlb_entry(as,
 * ...) -> { target_as, iova, translated_addr, addr_mask, size, perm } or nil
 * when the translation fails */
static int sim_get_iotlb_entry(lua_State *L)
{
    AddressSpace *as = sim_checkas(L, 1);
    hwaddr addr = sim_checkaddr(L, 2);
    bool is_write = sim_optbool(L, 3, false);
    MemTxAttrs attrs = sim_optattrs(L, 4);
    IOMMUTLBEntry e;
    SimCall c;

    lua_settop(L, 4);
    sim_call_enter(L, &c);
    e = address_space_get_iotlb_entry(as, addr, is_write, attrs);
    sim_call_leave(L, &c);
    if (e.perm == IOMMU_NONE) {
        lua_pushnil(L);
    } else {
        sim_push_entry(L, &e);
    }
    return 1;
}

/* ---- registration ------------------------------------------------------------- */

static const luaL_Reg sim_scripted_methods[] = {
    { "map", sim_scripted_map },
    { "unmap", sim_scripted_unmap },
    { "notifier", sim_scripted_notifier },
    { "replay", sim_scripted_replay },
    { "region", sim_scripted_region },
    { "name", sim_scripted_name },
    { "page_size", sim_scripted_page_size },
    { "indexes", sim_scripted_indexes },
    { "stats", sim_scripted_stats },
    { "last_fault", sim_scripted_last_fault },
    { "mappings", sim_scripted_mappings },
    { "translate", sim_scripted_translate },
    { NULL, NULL },
};

static const luaL_Reg sim_scripted_meta[] = {
    { "__gc", sim_scripted_gc },
    { "__tostring", sim_scripted_tostring },
    { NULL, NULL },
};

static const luaL_Reg sim_notifier_methods[] = {
    { "unregister", sim_notifier_unregister },
    { "registered", sim_notifier_registered },
    { "replay", sim_notifier_replay },
    { "unmap_range", sim_notifier_unmap_range },
    { "flags", sim_notifier_flags },
    { "range", sim_notifier_range },
    { "region", sim_notifier_region },
    { NULL, NULL },
};

static const luaL_Reg sim_notifier_meta[] = {
    { "__gc", sim_notifier_gc },
    { "__tostring", sim_notifier_tostring },
    { NULL, NULL },
};

void sim_open_iommu(lua_State *L)
{
    sim_new_class(L, SIM_SCRIPTED_IOMMU_MT, sim_scripted_methods,
                  sim_scripted_meta);
    sim_new_class(L, SIM_IOMMU_NOTIFIER_MT, sim_notifier_methods,
                  sim_notifier_meta);

    /* as:get_iotlb_entry, when address spaces are already a class */
    if (luaL_getmetatable(L, SIM_AS_MT) == LUA_TTABLE) {
        if (lua_getfield(L, -1, "__index") == LUA_TTABLE) {
            lua_pushcfunction(L, sim_get_iotlb_entry);
            lua_setfield(L, -2, "get_iotlb_entry");
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);

    lua_pushcfunction(L, sim_scripted_iommu);
    lua_setfield(L, -2, "scripted_iommu");
    lua_pushcfunction(L, sim_scripted_iommu_of);
    lua_setfield(L, -2, "scripted_iommu_of");
    lua_pushcfunction(L, sim_iommu_notifier);
    lua_setfield(L, -2, "iommu_notifier");
    lua_pushcfunction(L, sim_get_iotlb_entry);
    lua_setfield(L, -2, "get_iotlb_entry");
}
