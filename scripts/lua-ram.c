/*
 * lua-ram.c - RAM from Lua: the host memory of RAM regions, RAMBlocks,
 * dirty logging and dirty bitmaps.
 */
#include "scripts/lua-iommusim.h"
#include <string.h>

static const char *const sim_backend_names[] = {
    [RAM_BACKEND_ANON] = "anon",
    [RAM_BACKEND_MEMFD] = "memfd",
    [RAM_BACKEND_FILE] = "file",
    [RAM_BACKEND_HOST_PTR] = "host",
};

/* A region with its own RAMBlock (RAM, ROM, ROM device) */
static MemoryRegion *sim_checkramregion(lua_State *L, int arg)
{
    MemoryRegion *mr = sim_checkregion(L, arg);

    if (!mr->ram_block) {
        luaL_argerror(L, arg, lua_pushfstring(L, "'%s' is not a RAM, ROM or "
                      "ROM device region", memory_region_name(mr)));
    }
    return mr;
}

/* [off, off+len) must lie within the region */
static void sim_checkinside(lua_State *L, int arg, MemoryRegion *mr,
                            uint64_t off, uint64_t len)
{
    uint64_t size = memory_region_size(mr);

    if (off > size || len > size - off) {
        luaL_argerror(L, arg, lua_pushfstring(L, "range [0x%I, +0x%I) is "
                      "outside region '%s' (size 0x%I)", (lua_Integer)off,
                      (lua_Integer)len, memory_region_name(mr),
                      (lua_Integer)size));
    }
}

/* ---- host memory ---------------------------------------------------------- */

/* r:ram_read(offset, len) -> string */
static int sim_ram_read(lua_State *L)
{
    MemoryRegion *mr = sim_checkramregion(L, 1);
    uint64_t off = sim_checkaddr(L, 2);
    uint64_t len = sim_checkreadlen(L, 3);
    uint8_t *p;

    sim_checkinside(L, 2, mr, off, len);
    p = memory_region_get_ram_ptr(mr);
    lua_pushlstring(L, (const char *)p + off, len);
    return 1;
}

/* r:ram_write(offset, data): writes host memory (even of a ROM) and marks
 * it dirty, as loading firmware does */
static int sim_ram_write(lua_State *L)
{
    MemoryRegion *mr = sim_checkramregion(L, 1);
    uint64_t off = sim_checkaddr(L, 2);
    const char *data;
    size_t len;

    luaL_checktype(L, 3, LUA_TSTRING);
    data = lua_tolstring(L, 3, &len);
    sim_checkinside(L, 2, mr, off, len);
    if (ram_block_readonly(mr->ram_block)) {
        return luaL_argerror(L, 1, "RAM is a read-only file mapping");
    }
    memcpy(memory_region_get_ram_ptr(mr) + off, data, len);
    if (len) {
        memory_region_set_dirty(mr, off, len);
    }
    return 0;
}

/* r:ram_addr() -> ram_addr of offset 0 */
static int sim_ram_addr(lua_State *L)
{
    MemoryRegion *mr = sim_checkramregion(L, 1);

    lua_pushinteger(L, (lua_Integer)memory_region_get_ram_addr(mr));
    return 1;
}

/* r:ram_resize(size): QEMU's memory_region_ram_resize */
static int sim_ram_resize(lua_State *L)
{
    MemoryRegion *mr = sim_checkramregion(L, 1);
    uint64_t size = sim_checksize(L, 2);
    GError *err = NULL;
    SimCall c;
    bool ok;

    if (!ram_block_resizeable(mr->ram_block)) {
        return luaL_argerror(L, 1, lua_pushfstring(L, "'%s' is not resizeable "
                             "(create it with max_size)",
                             memory_region_name(mr)));
    }
    if (size > ram_block_max_length(mr->ram_block)) {
        return luaL_argerror(L, 2, lua_pushfstring(L, "size 0x%I is beyond "
                             "the maximum 0x%I", (lua_Integer)size,
                             (lua_Integer)ram_block_max_length(mr->ram_block)));
    }
    sim_call_enter(L, &c);
    ok = memory_region_ram_resize(mr, size, &err);
    if (!lua_isnil(L, c.slot)) {
        g_clear_error(&err);
    }
    sim_call_leave(L, &c);
    if (!ok) {
        return sim_raise_gerror(L, "ram_resize", err);
    }
    return 0;
}

/* ---- dirty logging ---------------------------------------------------------- */

/* r:set_log(on, client) with client "vga" or "code" */
static int sim_set_log(lua_State *L)
{
    MemoryRegion *mr = sim_checkregion(L, 1);
    bool on = sim_checkbool(L, 2);
    unsigned client = sim_checkclient(L, 3);
    SimCall c;

    if (client == DIRTY_MEMORY_MIGRATION) {
        return luaL_argerror(L, 3, "migration logging is global: use "
                             "sim.global_dirty_log_start()");
    }
    sim_call_enter(L, &c);
    memory_region_set_log(mr, on, client);
    sim_call_leave(L, &c);
    return 0;
}

static int sim_is_logging(lua_State *L)
{
    MemoryRegion *mr = sim_checkregion(L, 1);
    unsigned client = sim_checkclient(L, 2);

    lua_pushboolean(L, memory_region_is_logging(mr, client));
    return 1;
}

static int sim_dirty_log_mask(lua_State *L)
{
    lua_pushinteger(L, memory_region_get_dirty_log_mask(sim_checkregion(L, 1)));
    return 1;
}

static int sim_global_dirty_log(lua_State *L, bool start)
{
    SimCall c;

    sim_call_enter(L, &c);
    if (start) {
        memory_global_dirty_log_start();
    } else {
        memory_global_dirty_log_stop();
    }
    sim_call_leave(L, &c);
    return 0;
}

static int sim_global_dirty_log_start(lua_State *L)
{
    return sim_global_dirty_log(L, true);
}

static int sim_global_dirty_log_stop(lua_State *L)
{
    return sim_global_dirty_log(L, false);
}

static int sim_global_dirty_log_enabled(lua_State *L)
{
    lua_pushboolean(L, memory_global_dirty_log_enabled());
    return 1;
}

/* ---- dirty bitmaps ------------------------------------------------------- */

/* (region, addr, size, client) arguments of the dirty functions */
static MemoryRegion *sim_dirty_args(lua_State *L, uint64_t *addr,
                                    uint64_t *size, unsigned *client)
{
    MemoryRegion *mr = sim_checkramregion(L, 1);

    *addr = sim_checkaddr(L, 2);
    *size = sim_checklen(L, 3, false);
    sim_checkinside(L, 2, mr, *addr, *size);
    if (client) {
        *client = sim_checkclient(L, 4);
    }
    return mr;
}

/* r:get_dirty(addr, size, client) -> bool */
static int sim_get_dirty(lua_State *L)
{
    uint64_t addr, size;
    unsigned client;
    MemoryRegion *mr = sim_dirty_args(L, &addr, &size, &client);

    lua_pushboolean(L, memory_region_get_dirty(mr, addr, size, client));
    return 1;
}

/* r:test_and_clear_dirty(addr, size, client) -> bool */
static int sim_test_and_clear_dirty(lua_State *L)
{
    uint64_t addr, size;
    unsigned client;
    MemoryRegion *mr = sim_dirty_args(L, &addr, &size, &client);

    lua_pushboolean(L, memory_region_test_and_clear_dirty(mr, addr, size,
                                                          client));
    return 1;
}

/* r:reset_dirty(addr, size, client) */
static int sim_reset_dirty(lua_State *L)
{
    uint64_t addr, size;
    unsigned client;
    MemoryRegion *mr = sim_dirty_args(L, &addr, &size, &client);

    memory_region_reset_dirty(mr, addr, size, client);
    return 0;
}

/* r:set_dirty(addr, size): dirty for the clients logging on the region */
static int sim_set_dirty(lua_State *L)
{
    uint64_t addr, size;
    MemoryRegion *mr = sim_dirty_args(L, &addr, &size, NULL);

    memory_region_set_dirty(mr, addr, size);
    return 0;
}

/* r:dirty_pages(client) -> number of dirty pages of its block */
static int sim_dirty_pages(lua_State *L)
{
    MemoryRegion *mr = sim_checkramregion(L, 1);
    unsigned client = sim_checkclient(L, 2);

    lua_pushinteger(L, (lua_Integer)ram_block_dirty_count(mr->ram_block,
                                                          client));
    return 1;
}

/* ---- the ram list ----------------------------------------------------------- */

static void sim_push_ram_block(lua_State *L, RAMBlock *rb)
{
    RAMBackend be = ram_block_backend(rb);

    lua_createtable(L, 0, 8);
    lua_pushstring(L, ram_block_idstr(rb));
    lua_setfield(L, -2, "name");
    lua_pushinteger(L, (lua_Integer)ram_block_offset(rb));
    lua_setfield(L, -2, "offset");
    lua_pushinteger(L, (lua_Integer)ram_block_used_length(rb));
    lua_setfield(L, -2, "used_length");
    lua_pushinteger(L, (lua_Integer)ram_block_max_length(rb));
    lua_setfield(L, -2, "max_length");
    lua_pushboolean(L, ram_block_resizeable(rb));
    lua_setfield(L, -2, "resizeable");
    lua_pushstring(L, (unsigned)be < G_N_ELEMENTS(sim_backend_names)
                      ? sim_backend_names[be] : "?");
    lua_setfield(L, -2, "backend");
    lua_pushinteger(L, ram_block_fd(rb));
    lua_setfield(L, -2, "fd");
    lua_pushboolean(L, ram_block_readonly(rb));
    lua_setfield(L, -2, "readonly");
}

/* sim.ram_blocks() -> { {name, offset, used_length, ...}, ... } */
static int sim_ram_blocks(lua_State *L)
{
    guint n = ram_list_count();

    lua_createtable(L, (int)n, 0);
    for (guint i = 0; i < n; i++) {
        sim_push_ram_block(L, ram_list_nth(i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* r:ram_block() -> the table of its block */
static int sim_region_ram_block(lua_State *L)
{
    sim_push_ram_block(L, sim_checkramregion(L, 1)->ram_block);
    return 1;
}

static int sim_page_size(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)ram_page_size());
    return 1;
}

static const luaL_Reg sim_ram_region_methods[] = {
    { "ram_read", sim_ram_read },
    { "ram_write", sim_ram_write },
    { "ram_addr", sim_ram_addr },
    { "ram_resize", sim_ram_resize },
    { "ram_block", sim_region_ram_block },
    { "set_log", sim_set_log },
    { "is_logging", sim_is_logging },
    { "dirty_log_mask", sim_dirty_log_mask },
    { "get_dirty", sim_get_dirty },
    { "test_and_clear_dirty", sim_test_and_clear_dirty },
    { "reset_dirty", sim_reset_dirty },
    { "set_dirty", sim_set_dirty },
    { "dirty_pages", sim_dirty_pages },
    { NULL, NULL },
};

static const luaL_Reg sim_ram_functions[] = {
    { "global_dirty_log_start", sim_global_dirty_log_start },
    { "global_dirty_log_stop", sim_global_dirty_log_stop },
    { "global_dirty_log_enabled", sim_global_dirty_log_enabled },
    { "ram_blocks", sim_ram_blocks },
    { "page_size", sim_page_size },
    { NULL, NULL },
};

void sim_open_ram(lua_State *L)
{
    luaL_getmetatable(L, SIM_REGION_MT);
    lua_getfield(L, -1, "__index");
    luaL_setfuncs(L, sim_ram_region_methods, 0);
    lua_pop(L, 2);
    luaL_setfuncs(L, sim_ram_functions, 0);
}
