/*
 * lua-mtree.c - `info mtree` text from Lua, and reading it back.
 */
#include "scripts/lua-iommusim.h"
#include "memory/mtree.h"
#include "memory/mtree-import.h"
#include "memory/mtree-json.h"

/* sim.mtree{flat = bool, disabled = bool, json = bool} -> text of info
 * mtree [-f] [-D], or its JSON lines (json: every region, disabled ones
 * included) */
static int sim_mtree(lua_State *L)
{
    static const char *const keys[] = { "flat", "disabled", "json", NULL };
    bool flat, disabled, json;
    char *text;

    sim_checkopts(L, 1, keys);
    flat = sim_optfield_bool(L, 1, "flat", false);
    disabled = sim_optfield_bool(L, 1, "disabled", false);
    json = sim_optfield_bool(L, 1, "json", false);
    text = json ? mtree_json(flat) : mtree_info(flat, disabled);
    lua_pushstring(L, text);
    g_free(text);
    return 1;
}

/* r:mtree{disabled = bool} -> the lines of its subtree */
static int sim_region_mtree(lua_State *L)
{
    static const char *const keys[] = { "disabled", NULL };
    MemoryRegion *mr = sim_checkregion(L, 1);
    bool disabled;
    char *text;

    sim_checkopts(L, 2, keys);
    disabled = sim_optfield_bool(L, 2, "disabled", false);
    text = mtree_print_region(mr, disabled);
    lua_pushstring(L, text);
    g_free(text);
    return 1;
}

/* ---- import ------------------------------------------------------------ */

typedef struct SimImport {
    MtreeImport *imp;
} SimImport;

static MtreeImport *sim_checkimport(lua_State *L, int arg)
{
    SimImport *s = luaL_checkudata(L, arg, SIM_IMPORT_MT);

    if (!s->imp) {
        luaL_argerror(L, arg, "import was freed");
    }
    return s->imp;
}

/* Destroy what @imp made, releasing the binding's hold on it first */
static void sim_import_destroy(lua_State *L, MtreeImport *imp)
{
    for (guint i = 0; i < mtree_import_address_space_count(imp); i++) {
        sim_as_release(L, mtree_import_address_space(imp, i));
    }
    mtree_import_free(imp);
}

static int sim_import_push(lua_State *L, MtreeImport *imp, GError *err,
                           const char *fn)
{
    SimImport *s;

    if (!imp) {
        return sim_raise_gerror(L, fn, err);
    }
    s = lua_newuserdatauv(L, sizeof(*s), 0);
    s->imp = imp;
    luaL_setmetatable(L, SIM_IMPORT_MT);
    sim_registry_table(L, SIM_REG_IMPORTS, NULL);
    lua_pushvalue(L, -2);
    lua_rawsetp(L, -2, imp);
    lua_pop(L, 1);
    return 1;
}

/* sim.mtree_import(tree_text [, flat_hint_text]) -> import */
static int sim_mtree_import(lua_State *L)
{
    const char *tree, *hint = NULL;
    GError *err = NULL;
    MtreeImport *imp;
    SimCall c;

    luaL_checktype(L, 1, LUA_TSTRING);
    tree = lua_tostring(L, 1);
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TSTRING);
        hint = lua_tostring(L, 2);
    }
    sim_call_enter(L, &c);
    imp = mtree_import(tree, hint, &err);
    sim_call_leave(L, &c);
    return sim_import_push(L, imp, err, "mtree_import");
}

/* sim.mtree_import_file(tree_path [, flat_hint_path]) -> import */
static int sim_mtree_import_file(lua_State *L)
{
    const char *tree = luaL_checkstring(L, 1);
    const char *hint = luaL_optstring(L, 2, NULL);
    GError *err = NULL;
    MtreeImport *imp;
    SimCall c;

    sim_call_enter(L, &c);
    imp = mtree_import_files(tree, hint, &err);
    sim_call_leave(L, &c);
    return sim_import_push(L, imp, err, "mtree_import_file");
}

static int sim_import_address_spaces(lua_State *L)
{
    MtreeImport *imp = sim_checkimport(L, 1);
    guint n = mtree_import_address_space_count(imp);

    lua_createtable(L, (int)n, 0);
    for (guint i = 0; i < n; i++) {
        sim_pushas(L, mtree_import_address_space(imp, i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int sim_import_address_space(lua_State *L)
{
    MtreeImport *imp = sim_checkimport(L, 1);

    sim_pushas(L, mtree_import_find_address_space(imp,
                                                  luaL_checkstring(L, 2)));
    return 1;
}

static int sim_import_region(lua_State *L)
{
    MtreeImport *imp = sim_checkimport(L, 1);

    sim_pushregion(L, mtree_import_find_region(imp, luaL_checkstring(L, 2)));
    return 1;
}

static int sim_import_warnings(lua_State *L)
{
    MtreeImport *imp = sim_checkimport(L, 1);
    guint n = mtree_import_warning_count(imp);

    lua_createtable(L, (int)n, 0);
    for (guint i = 0; i < n; i++) {
        lua_pushstring(L, mtree_import_warning(imp, i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* imp:free(): destroy the imported address spaces and drop the regions
 * (regions the script still holds stay alive) */
static int sim_import_free(lua_State *L)
{
    MtreeImport *imp = sim_checkimport(L, 1);
    SimCall c;

    if (sim_in_call()) {
        return luaL_error(L, "free: an import cannot be freed from inside a "
                          "callback");
    }
    ((SimImport *)lua_touserdata(L, 1))->imp = NULL;
    sim_registry_table(L, SIM_REG_IMPORTS, NULL);
    lua_pushnil(L);
    lua_rawsetp(L, -2, imp);
    lua_pop(L, 1);
    sim_call_enter(L, &c);
    sim_import_destroy(L, imp);
    sim_call_leave(L, &c);
    return 0;
}

void sim_imports_teardown(lua_State *L)
{
    sim_registry_table(L, SIM_REG_IMPORTS, NULL);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        SimImport *s = lua_touserdata(L, -1);
        lua_pop(L, 1);
        if (s && s->imp) {
            MtreeImport *imp = s->imp;
            s->imp = NULL;
            sim_import_destroy(NULL, imp);
        }
    }
    lua_pop(L, 1);
}

static const luaL_Reg sim_import_methods[] = {
    { "address_spaces", sim_import_address_spaces },
    { "address_space", sim_import_address_space },
    { "region", sim_import_region },
    { "warnings", sim_import_warnings },
    { "free", sim_import_free },
    { NULL, NULL },
};

static const luaL_Reg sim_import_meta[] = {
    { NULL, NULL },
};

void sim_open_mtree(lua_State *L)
{
    sim_new_class(L, SIM_IMPORT_MT, sim_import_methods, sim_import_meta);
    lua_pushcfunction(L, sim_mtree_import);
    lua_setfield(L, -2, "mtree_import");
    lua_pushcfunction(L, sim_mtree_import_file);
    lua_setfield(L, -2, "mtree_import_file");
    luaL_getmetatable(L, SIM_REGION_MT);
    lua_getfield(L, -1, "__index");
    lua_pushcfunction(L, sim_region_mtree);
    lua_setfield(L, -2, "mtree");
    lua_pop(L, 2);
    lua_pushcfunction(L, sim_mtree);
    lua_setfield(L, -2, "mtree");
}
