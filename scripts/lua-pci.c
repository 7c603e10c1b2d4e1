/*
 * lua-pci.c - PCI host bridges, buses and devices from Lua (lua-pci.h).
 *
 * Objects: a host bridge userdata owns its PCIHostState and lives until
 * the Lua state closes (it is anchored in the registry; its __gc tears the
 * hierarchy down before the module's own teardown runs, as finalizers run
 * in reverse order of creation). Bus and device userdata only point at C
 * objects; before each use they are looked up in the hierarchies of the
 * live host bridges, so a destroyed device raises "PCI device was
 * destroyed" instead of touching freed memory.
 */
#include "scripts/lua-iommusim.h"
#include "scripts/lua-pci.h"
#include "scripts/lua-vtd.h"
#include "dma/pci-host.h"
#include "dma/pci-driver.h"
#include "dma/pci-bridge.h"
#include "dma/pci-names.h"
#include "dma/lspci.h"
#include <stdio.h>
#include <string.h>

#define SIM_REG_PCI_OBJS  "iommusim.pci.objs"   /* weak: lightud -> ud */
#define SIM_REG_PCI_HOSTS "iommusim.pci.hosts"  /* ud -> true */

typedef struct SimPCIHost {
    PCIHostState *h;
    int irq_ref;                  /* INTx hook or LUA_NOREF */
    GHashTable *iommu_hooks;      /* PCIBus * -> SimPCIHook * */
    GPtrArray *config_hooks;      /* SimPCIConfigHook * */
} SimPCIHost;

typedef struct SimPCIHook {       /* bus:set_iommu */
    SimPCIHost *host;
    int ref;
} SimPCIHook;

typedef struct SimPCIConfigHook { /* dev:on_config_write */
    SimPCIHost *host;
    PCIDevice *dev;
    guint id;
    int ref;
    bool removed;
} SimPCIConfigHook;

typedef struct SimPCIObj {
    void *p;
} SimPCIObj;

static GPtrArray *sim_pci_hosts;  /* live SimPCIHost * */

/* ---- liveness ------------------------------------------------------------ */

static bool bus_holds_bus(PCIBus *bus, PCIBus *target)
{
    if (bus == target) {
        return true;
    }
    for (guint i = 0; i < bus->children->len; i++) {
        if (bus_holds_bus(g_ptr_array_index(bus->children, i), target)) {
            return true;
        }
    }
    return false;
}

static bool bus_holds_dev(PCIBus *bus, PCIDevice *target)
{
    for (int devfn = 0; devfn < PCI_DEVFN_MAX; devfn++) {
        if (bus->devices[devfn] == target) {
            return true;
        }
    }
    for (guint i = 0; i < bus->children->len; i++) {
        if (bus_holds_dev(g_ptr_array_index(bus->children, i), target)) {
            return true;
        }
    }
    return false;
}

static SimPCIHost *host_of_bus(PCIBus *bus)
{
    for (guint i = 0; sim_pci_hosts && i < sim_pci_hosts->len; i++) {
        SimPCIHost *u = g_ptr_array_index(sim_pci_hosts, i);
        if (bus_holds_bus(u->h->bus, bus)) {
            return u;
        }
    }
    return NULL;
}

static SimPCIHost *host_of_dev(PCIDevice *d)
{
    for (guint i = 0; sim_pci_hosts && i < sim_pci_hosts->len; i++) {
        SimPCIHost *u = g_ptr_array_index(sim_pci_hosts, i);
        if (bus_holds_dev(u->h->bus, d)) {
            return u;
        }
    }
    return NULL;
}

/* ---- userdata ----------------------------------------------------------------- */

static void sim_pci_push(lua_State *L, void *p, const char *mt)
{
    SimPCIObj *o;

    if (!p) {
        lua_pushnil(L);
        return;
    }
    sim_registry_table(L, SIM_REG_PCI_OBJS, "v");
    if (lua_rawgetp(L, -1, p) == LUA_TUSERDATA && luaL_testudata(L, -1, mt)) {
        o = lua_touserdata(L, -1);
        o->p = p;
        lua_remove(L, -2);
        return;
    }
    lua_pop(L, 1);
    o = lua_newuserdatauv(L, sizeof(*o), 0);
    o->p = p;
    luaL_setmetatable(L, mt);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, -3, p);
    lua_remove(L, -2);
}

static void sim_pushbus(lua_State *L, PCIBus *bus)
{
    sim_pci_push(L, bus, SIM_PCI_BUS_MT);
}

static void sim_pushdev(lua_State *L, PCIDevice *d)
{
    sim_pci_push(L, d, SIM_PCI_DEV_MT);
}

static PCIBus *sim_checkbus(lua_State *L, int arg)
{
    SimPCIObj *o = luaL_checkudata(L, arg, SIM_PCI_BUS_MT);

    if (!o->p || !host_of_bus(o->p)) {
        o->p = NULL;
        luaL_argerror(L, arg, "PCI bus was destroyed");
    }
    return o->p;
}

static PCIDevice *sim_checkdev(lua_State *L, int arg)
{
    SimPCIObj *o = luaL_checkudata(L, arg, SIM_PCI_DEV_MT);

    if (!o->p || !host_of_dev(o->p)) {
        o->p = NULL;
        luaL_argerror(L, arg, "PCI device was destroyed");
    }
    return o->p;
}

static SimPCIHost *sim_checkhost(lua_State *L, int arg)
{
    SimPCIHost *u = luaL_checkudata(L, arg, SIM_PCI_HOST_MT);

    if (!u->h) {
        luaL_argerror(L, arg, "PCI host bridge was destroyed");
    }
    return u;
}

/* __index: methods first (upvalue 1), then the properties @props */
static int sim_pci_index(lua_State *L, lua_CFunction props)
{
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) {
        return 1;
    }
    lua_pop(L, 1);
    if (lua_type(L, 2) != LUA_TSTRING) {
        lua_pushnil(L);
        return 1;
    }
    return props(L);
}

/* ---- hooks ----------------------------------------------------------------------- */

typedef struct SimIRQCall {
    SimPCIHost *host;
    PCIDevice *dev;
    int irq_num, level;
} SimIRQCall;

static int sim_irq_body(lua_State *L)
{
    SimIRQCall *c = lua_touserdata(L, 1);

    lua_rawgeti(L, LUA_REGISTRYINDEX, c->host->irq_ref);
    sim_pushdev(L, c->dev);
    lua_pushinteger(L, c->irq_num);
    lua_pushinteger(L, c->level);
    lua_call(L, 3, 0);
    return 0;
}

static void sim_pci_irq(void *opaque, PCIDevice *dev, int irq_num, int level)
{
    SimPCIHost *u = opaque;
    SimIRQCall c = { u, dev, irq_num, level };

    if (u->irq_ref != LUA_NOREF && u->h) {
        sim_protect(sim_irq_body, &c, "INTx hook", u->h->name);
    }
}

typedef struct SimIOMMUCall {
    SimPCIHook *hook;
    PCIBus *bus;
    int devfn;
    AddressSpace *as;
} SimIOMMUCall;

static int sim_iommu_body(lua_State *L)
{
    SimIOMMUCall *c = lua_touserdata(L, 1);
    int t;

    lua_rawgeti(L, LUA_REGISTRYINDEX, c->hook->ref);
    sim_pushbus(L, c->bus);
    lua_pushinteger(L, c->devfn);
    lua_call(L, 2, 1);
    t = lua_gettop(L);
    if (lua_isnil(L, t)) {
        return 0;                 /* the default: system memory */
    }
    if (!luaL_testudata(L, t, SIM_AS_MT)) {
        return luaL_error(L, "returned a %s instead of an address space or "
                          "nil", luaL_typename(L, t));
    }
    c->as = sim_checkas(L, t);
    return 0;
}

static AddressSpace *sim_pci_iommu(PCIBus *bus, void *opaque, int devfn)
{
    SimIOMMUCall c = { opaque, bus, devfn, NULL };

    if (!sim_protect(sim_iommu_body, &c, "IOMMU hook", bus->name)) {
        return NULL;
    }
    return c.as;
}

typedef struct SimConfigCall {
    SimPCIConfigHook *hook;
    uint32_t addr, val;
    int len;
} SimConfigCall;

static int sim_config_body(lua_State *L)
{
    SimConfigCall *c = lua_touserdata(L, 1);

    lua_rawgeti(L, LUA_REGISTRYINDEX, c->hook->ref);
    sim_pushdev(L, c->hook->dev);
    lua_pushinteger(L, c->addr);
    lua_pushinteger(L, c->val);
    lua_pushinteger(L, c->len);
    lua_call(L, 4, 0);
    return 0;
}

static void sim_pci_config_hook(PCIDevice *d, uint32_t addr, uint32_t val,
                                int len, void *opaque)
{
    SimPCIConfigHook *h = opaque;
    SimConfigCall c = { h, addr, val, len };

    if (!h->removed) {
        sim_protect(sim_config_body, &c, "config write hook", d->name);
    }
}

static void sim_config_hook_free(void *p)
{
    SimPCIConfigHook *h = p;
    lua_State *L = sim_any_state();

    if (L && h->ref != LUA_NOREF) {
        luaL_unref(L, LUA_REGISTRYINDEX, h->ref);
    }
    g_free(h);
}

static void sim_iommu_hook_free(gpointer p)
{
    SimPCIHook *h = p;
    lua_State *L = sim_any_state();

    if (L && h->ref != LUA_NOREF) {
        luaL_unref(L, LUA_REGISTRYINDEX, h->ref);
    }
    g_free(h);
}

/* ---- host bridge ----------------------------------------------------------------- */

static MemoryRegion *field_region(lua_State *L, int arg, const char *key,
                                  bool required)
{
    MemoryRegion *mr = NULL;

    if (lua_getfield(L, arg, key) == LUA_TNIL) {
        if (required) {
            luaL_argerror(L, arg, lua_pushfstring(L, "field '%s': memory "
                          "region required", key));
        }
    } else if (!luaL_testudata(L, -1, SIM_REGION_MT)) {
        luaL_argerror(L, arg, lua_pushfstring(L, "field '%s': memory region "
                      "expected, got %s", key, luaL_typename(L, -1)));
    } else {
        mr = sim_checkregion(L, lua_gettop(L));
    }
    lua_pop(L, 1);
    return mr;
}

/* sim.pci_host{ memory, pci, io [, system, ports, bus, name, conventional,
 *               allow_0_address] } */
static int sim_pci_host(lua_State *L)
{
    static const char *const keys[] = {
        "memory", "pci", "io", "system", "ports", "bus", "name",
        "conventional", "allow_0_address", NULL
    };
    PCIHostOptions o = { 0 };
    GError *err = NULL;
    SimPCIHost *u;
    bool map_ports = true;
    lua_Integer ports = 0xcf8;
    SimCall c;

    luaL_checktype(L, 1, LUA_TTABLE);
    sim_checkopts(L, 1, keys);
    if (lua_getfield(L, 1, "memory") == LUA_TNIL ||
        !luaL_testudata(L, -1, SIM_AS_MT)) {
        return luaL_argerror(L, 1, lua_pushfstring(L, "field 'memory': "
                             "address space expected, got %s",
                             luaL_typename(L, -1)));
    }
    o.dma_as = sim_checkas(L, lua_gettop(L));
    lua_pop(L, 1);
    o.pci_memory = field_region(L, 1, "pci", true);
    o.pci_io = field_region(L, 1, "io", true);
    o.mmcfg_container = field_region(L, 1, "system", false);
    if (lua_getfield(L, 1, "ports") == LUA_TBOOLEAN) {
        if (lua_toboolean(L, -1)) {
            return luaL_argerror(L, 1, "field 'ports': false or a port "
                                 "number expected");
        }
        map_ports = false;
    } else if (!lua_isnil(L, -1)) {
        ports = sim_optfield_integer(L, 1, "ports", 0xcf8, NULL);
        if (ports < 0 || ports > 0xfff8) {
            return luaL_argerror(L, 1, "field 'ports': port out of range");
        }
    }
    lua_pop(L, 1);
    o.bus_name = sim_optfield_string(L, 1, "bus", "pcie.0");
    o.name = sim_optfield_string(L, 1, "name", "pcie-host");
    o.conventional = sim_optfield_bool(L, 1, "conventional", false);
    o.allow_0_address = sim_optfield_bool(L, 1, "allow_0_address", false);

    u = lua_newuserdatauv(L, sizeof(*u), 0);
    memset(u, 0, sizeof(*u));
    u->irq_ref = LUA_NOREF;
    luaL_setmetatable(L, SIM_PCI_HOST_MT);

    sim_call_enter(L, &c);
    u->h = pci_host_new(&o, &err);
    if (u->h && map_ports &&
        !pci_host_map_config_ports(u->h, o.pci_io, (hwaddr)ports, &err)) {
        pci_host_destroy(u->h);
        u->h = NULL;
    }
    sim_call_leave(L, &c);
    lua_pop(L, 1);                    /* the frame's slot */
    if (!u->h) {
        return sim_raise_gerror(L, "pci_host", err);
    }
    u->iommu_hooks = g_hash_table_new_full(NULL, NULL, NULL,
                                           sim_iommu_hook_free);
    u->config_hooks = g_ptr_array_new();
    pci_host_set_irq_handler(u->h, sim_pci_irq, u);
    if (!sim_pci_hosts) {
        sim_pci_hosts = g_ptr_array_new();
    }
    g_ptr_array_add(sim_pci_hosts, u);
    /* anchored: lives until the state closes */
    sim_registry_table(L, SIM_REG_PCI_HOSTS, NULL);
    lua_pushvalue(L, -2);
    lua_pushboolean(L, true);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    return 1;
}

static void release_as(PCIBus *bus, PCIDevice *d, void *opaque)
{
    sim_as_release(opaque, pci_get_address_space(d));
}

static int sim_pci_host_gc(lua_State *L)
{
    SimPCIHost *u = luaL_checkudata(L, 1, SIM_PCI_HOST_MT);
    PCIHostState *h = u->h;
    SimCall c;

    if (!h) {
        return 0;
    }
    /* dead for lookups before anything goes */
    g_ptr_array_remove(sim_pci_hosts, u);
    u->h = NULL;
    for (guint i = 0; i < u->config_hooks->len; i++) {
        ((SimPCIConfigHook *)g_ptr_array_index(u->config_hooks, i))->removed =
            true;
    }
    sim_call_enter(L, &c);
    sim_vtd_host_teardown(L, h->bus);   /* intel-iommu goes first */
    pci_bus_foreach_device(h->bus, true, release_as, L);
    pci_host_destroy(h);
    for (guint i = 0; i < u->config_hooks->len; i++) {
        sim_defer_free(sim_config_hook_free,
                       g_ptr_array_index(u->config_hooks, i));
    }
    g_ptr_array_free(u->config_hooks, TRUE);
    g_hash_table_destroy(u->iommu_hooks);
    if (u->irq_ref != LUA_NOREF) {
        luaL_unref(L, LUA_REGISTRYINDEX, u->irq_ref);
        u->irq_ref = LUA_NOREF;
    }
    sim_call_leave(L, &c);
    return 0;
}

static int sim_pci_host_props(lua_State *L)
{
    SimPCIHost *u = sim_checkhost(L, 1);
    const char *k = lua_tostring(L, 2);

    if (!strcmp(k, "bus")) {
        sim_pushbus(L, u->h->bus);
    } else if (!strcmp(k, "name")) {
        lua_pushstring(L, u->h->name);
    } else if (!strcmp(k, "conf_region")) {
        sim_pushregion(L, u->h->conf_mem);
    } else if (!strcmp(k, "data_region")) {
        sim_pushregion(L, u->h->data_mem);
    } else if (!strcmp(k, "mmcfg_region")) {
        sim_pushregion(L, u->h->mmcfg);
    } else if (!strcmp(k, "mmcfg_base")) {
        if (u->h->mmcfg_base == PCIE_BASE_ADDR_UNMAPPED) {
            lua_pushnil(L);
        } else {
            lua_pushinteger(L, (lua_Integer)u->h->mmcfg_base);
        }
    } else if (!strcmp(k, "config_address")) {
        lua_pushinteger(L, u->h->config_reg);
    } else {
        lua_pushnil(L);
    }
    return 1;
}

static int sim_pci_host_index(lua_State *L)
{
    return sim_pci_index(L, sim_pci_host_props);
}

/* h:mmcfg(enable, addr, size) */
static int sim_pci_host_mmcfg(lua_State *L)
{
    SimPCIHost *u = sim_checkhost(L, 1);
    bool enable = sim_checkbool(L, 2);
    uint64_t addr = enable ? sim_checkaddr(L, 3) : 0;
    uint64_t size = enable ? sim_checkaddr(L, 4) : 0;
    GError *err = NULL;
    bool ok;
    SimCall c;

    lua_settop(L, 4);
    sim_call_enter(L, &c);
    ok = pcie_host_mmcfg_update(u->h, enable, addr, size, &err);
    sim_call_leave(L, &c);
    if (!ok) {
        return sim_raise_gerror(L, "mmcfg", err);
    }
    return 0;
}

/* h:on_irq(fn | nil) */
static int sim_pci_host_on_irq(lua_State *L)
{
    SimPCIHost *u = sim_checkhost(L, 1);

    if (!lua_isnil(L, 2)) {
        luaL_checktype(L, 2, LUA_TFUNCTION);
    }
    if (u->irq_ref != LUA_NOREF) {
        luaL_unref(L, LUA_REGISTRYINDEX, u->irq_ref);
        u->irq_ref = LUA_NOREF;
    }
    if (!lua_isnil(L, 2)) {
        lua_pushvalue(L, 2);
        u->irq_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    return 0;
}

static int sim_pci_host_tostring(lua_State *L)
{
    SimPCIHost *u = luaL_checkudata(L, 1, SIM_PCI_HOST_MT);

    if (!u->h) {
        lua_pushstring(L, "PCIHost (destroyed)");
    } else {
        lua_pushfstring(L, "PCIHost '%s' (%p)", u->h->name, (void *)u->h);
    }
    return 1;
}

/* ---- buses ---------------------------------------------------------------------- */

static int sim_pci_bus_props(lua_State *L)
{
    PCIBus *bus = sim_checkbus(L, 1);
    const char *k = lua_tostring(L, 2);

    if (!strcmp(k, "name")) {
        lua_pushstring(L, bus->name);
    } else if (!strcmp(k, "num")) {
        lua_pushinteger(L, pci_bus_num(bus));
    } else if (!strcmp(k, "parent")) {
        sim_pushdev(L, bus->parent_dev);
    } else if (!strcmp(k, "express")) {
        lua_pushboolean(L, pci_bus_is_express(bus));
    } else if (!strcmp(k, "mem_region")) {
        sim_pushregion(L, bus->address_space_mem);
    } else if (!strcmp(k, "io_region")) {
        sim_pushregion(L, bus->address_space_io);
    } else {
        lua_pushnil(L);
    }
    return 1;
}

static int sim_pci_bus_index(lua_State *L)
{
    return sim_pci_index(L, sim_pci_bus_props);
}

/* bus:device(spec) -> dev */
static int sim_pci_bus_device(lua_State *L)
{
    PCIBus *bus = sim_checkbus(L, 1);
    const char *spec = luaL_checkstring(L, 2);
    GError *err = NULL;
    PCIDevice *d;
    SimCall c;

    lua_settop(L, 2);
    if (sim_vtd_spec(spec)) {
        /* not a PCI function: the IOMMU of the hierarchy (lua-vtd.c) */
        return sim_vtd_device_add(L, bus, spec);
    }
    sim_call_enter(L, &c);
    d = pci_device_add(bus, spec, &err);
    sim_call_leave(L, &c);
    if (!d) {
        return sim_raise_gerror(L, "bus:device", err);
    }
    sim_pushdev(L, d);
    return 1;
}

/* bus:create(driver [, "key=value,..."]) -> dev */
static int sim_pci_bus_create(lua_State *L)
{
    PCIBus *bus = sim_checkbus(L, 1);
    const char *driver = luaL_checkstring(L, 2);
    const char *props = luaL_optstring(L, 3, NULL);
    GError *err = NULL;
    PCIDevice *d;
    SimCall c;

    lua_settop(L, 3);
    sim_call_enter(L, &c);
    d = pci_device_create(bus, driver, props, &err);
    sim_call_leave(L, &c);
    if (!d) {
        return sim_raise_gerror(L, "bus:create", err);
    }
    sim_pushdev(L, d);
    return 1;
}

static void collect_dev(PCIBus *bus, PCIDevice *d, void *opaque)
{
    g_ptr_array_add(opaque, d);
}

/* bus:devices() -> { dev, ... } (this bus and the buses below) */
static int sim_pci_bus_devices(lua_State *L)
{
    PCIBus *bus = sim_checkbus(L, 1);
    g_autoptr(GPtrArray) all = g_ptr_array_new();

    pci_bus_foreach_device(bus, true, collect_dev, all);
    lua_createtable(L, (int)all->len, 0);
    for (guint i = 0; i < all->len; i++) {
        sim_pushdev(L, g_ptr_array_index(all, i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* bus:find("[[dom:]bus:]slot[.fn]") -> dev or nil, as a config cycle from
 * the root finds it; the bus defaults to this bus's number, fn to 0 */
static int sim_pci_bus_find(lua_State *L)
{
    PCIBus *bus = sim_checkbus(L, 1);
    const char *s = luaL_checkstring(L, 2);
    g_autoptr(GError) err = NULL;
    PCISlotSpec spec;
    int busnum, fn;

    if (!pci_parse_slot(s, &spec, &err)) {
        /* copy the message: the GError must be gone before we raise */
        lua_pushstring(L, err->message);
        g_clear_error(&err);
        return luaL_argerror(L, 2, lua_tostring(L, -1));
    }
    if (spec.slot < 0) {
        return luaL_argerror(L, 2, "a slot number is required");
    }
    if (spec.domain > 0) {
        lua_pushnil(L);
        return 1;
    }
    busnum = spec.bus >= 0 ? spec.bus : pci_bus_num(bus);
    fn = spec.func >= 0 ? spec.func : 0;
    sim_pushdev(L, pci_find_device(pci_bus_root(bus), busnum,
                                   (uint8_t)PCI_DEVFN(spec.slot, fn)));
    return 1;
}

static int sim_pci_bus_lspci(lua_State *L)
{
    PCIBus *bus = sim_checkbus(L, 1);
    g_autofree char *text = pci_bus_lspci(bus);

    lua_pushstring(L, text);
    return 1;
}

/* bus:set_iommu(fn | nil) */
static int sim_pci_bus_set_iommu(lua_State *L)
{
    PCIBus *bus = sim_checkbus(L, 1);
    SimPCIHost *u = host_of_bus(bus);
    SimPCIHook *hook = NULL;
    SimCall c;

    if (!lua_isnil(L, 2)) {
        luaL_checktype(L, 2, LUA_TFUNCTION);
    }
    if (sim_in_call()) {
        return luaL_error(L, "set_iommu: not from inside a callback");
    }
    if (!lua_isnil(L, 2)) {
        hook = g_new0(SimPCIHook, 1);
        hook->host = u;
        lua_pushvalue(L, 2);
        hook->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    lua_settop(L, 2);
    sim_call_enter(L, &c);
    pci_setup_iommu(bus, hook ? sim_pci_iommu : NULL, hook);
    /* the old hook is no longer referenced by the bus */
    if (hook) {
        g_hash_table_replace(u->iommu_hooks, bus, hook);
    } else {
        g_hash_table_remove(u->iommu_hooks, bus);
    }
    sim_call_leave(L, &c);
    return 0;
}

static int sim_pci_bus_tostring(lua_State *L)
{
    SimPCIObj *o = luaL_checkudata(L, 1, SIM_PCI_BUS_MT);

    if (!o->p || !host_of_bus(o->p)) {
        lua_pushstring(L, "PCIBus (destroyed)");
    } else {
        PCIBus *bus = o->p;
        lua_pushfstring(L, "PCIBus '%s' (bus %d)", bus->name,
                        pci_bus_num(bus));
    }
    return 1;
}

/* ---- devices -------------------------------------------------------------------- */

static int sim_pci_dev_props(lua_State *L)
{
    PCIDevice *d = sim_checkdev(L, 1);
    const char *k = lua_tostring(L, 2);
    char bdf[8];

    if (!strcmp(k, "name")) {
        lua_pushstring(L, d->name);
    } else if (!strcmp(k, "id")) {
        lua_pushstring(L, d->id);        /* nil without one */
    } else if (!strcmp(k, "bdf")) {
        lua_pushstring(L, pci_device_bdf_string(d, bdf));
    } else if (!strcmp(k, "devfn")) {
        lua_pushinteger(L, d->devfn);
    } else if (!strcmp(k, "slot")) {
        lua_pushinteger(L, PCI_SLOT(d->devfn));
    } else if (!strcmp(k, "func")) {
        lua_pushinteger(L, PCI_FUNC(d->devfn));
    } else if (!strcmp(k, "bus")) {
        sim_pushbus(L, d->bus);
    } else if (!strcmp(k, "bus_num")) {
        lua_pushinteger(L, pci_dev_bus_num(d));
    } else if (!strcmp(k, "requester_id")) {
        lua_pushinteger(L, pci_requester_id(d));
    } else if (!strcmp(k, "vendor_id")) {
        lua_pushinteger(L, pci_get_word(d->config + PCI_VENDOR_ID));
    } else if (!strcmp(k, "device_id")) {
        lua_pushinteger(L, pci_get_word(d->config + PCI_DEVICE_ID));
    } else if (!strcmp(k, "class_id")) {
        lua_pushinteger(L, pci_get_word(d->config + PCI_CLASS_DEVICE));
    } else if (!strcmp(k, "config_size")) {
        lua_pushinteger(L, pci_config_size(d));
    } else if (!strcmp(k, "as")) {
        sim_pushas(L, pci_get_address_space(d));
    } else if (!strcmp(k, "secondary_bus")) {
        sim_pushbus(L, pci_device_secondary_bus(d));
    } else {
        lua_pushnil(L);
    }
    return 1;
}

static int sim_pci_dev_index(lua_State *L)
{
    return sim_pci_index(L, sim_pci_dev_props);
}

static unsigned check_cfg_size(lua_State *L, int arg)
{
    lua_Integer n = luaL_checkinteger(L, arg);

    if (n != 1 && n != 2 && n != 4) {
        luaL_argerror(L, arg, "size must be 1, 2 or 4");
    }
    return (unsigned)n;
}

static uint32_t check_cfg_offset(lua_State *L, PCIDevice *d, int arg,
                                 unsigned size)
{
    lua_Integer off = luaL_checkinteger(L, arg);

    if (off < 0 || (uint64_t)off + size > pci_config_size(d)) {
        char msg[96];
        snprintf(msg, sizeof(msg), "offset 0x%llx (+%u) beyond the %u bytes "
                 "of config space", (unsigned long long)off, size,
                 pci_config_size(d));
        luaL_argerror(L, arg, lua_pushstring(L, msg));
    }
    return (uint32_t)off;
}

/* dev:config_read(off, size) */
static int sim_pci_dev_config_read(lua_State *L)
{
    PCIDevice *d = sim_checkdev(L, 1);
    unsigned size = check_cfg_size(L, 3);
    uint32_t off = check_cfg_offset(L, d, 2, size);
    uint32_t v;
    SimCall c;

    lua_settop(L, 3);
    sim_call_enter(L, &c);
    v = pci_config_read(d, off, (int)size);
    sim_call_leave(L, &c);
    lua_pushinteger(L, v);
    return 1;
}

/* dev:config_write(off, value, size) */
static int sim_pci_dev_config_write(lua_State *L)
{
    PCIDevice *d = sim_checkdev(L, 1);
    unsigned size = check_cfg_size(L, 4);
    uint32_t off = check_cfg_offset(L, d, 2, size);
    uint32_t v = (uint32_t)sim_checkvalue(L, 3, size);
    SimCall c;

    lua_settop(L, 4);
    sim_call_enter(L, &c);
    pci_config_write(d, off, v, (int)size);
    sim_call_leave(L, &c);
    return 0;
}

/* dev:bar(n) -> table or nil */
static int sim_pci_dev_bar(lua_State *L)
{
    PCIDevice *d = sim_checkdev(L, 1);
    int n = (int)sim_checkrange(L, 2, 0, PCI_ROM_SLOT, "BAR number");
    PCIIORegion *r = &d->io_regions[n];
    bool io = r->type & PCI_BASE_ADDRESS_SPACE_IO;

    if (!r->size) {
        lua_pushnil(L);
        return 1;
    }
    lua_createtable(L, 0, 6);
    if (r->addr != PCI_BAR_UNMAPPED) {
        lua_pushinteger(L, (lua_Integer)r->addr);
        lua_setfield(L, -2, "addr");
    }
    lua_pushinteger(L, (lua_Integer)r->size);
    lua_setfield(L, -2, "size");
    lua_pushstring(L, io ? "io" : "mem");
    lua_setfield(L, -2, "type");
    lua_pushboolean(L, !io && (r->type & PCI_BASE_ADDRESS_MEM_TYPE_64));
    lua_setfield(L, -2, "mem64");
    lua_pushboolean(L, !io && (r->type & PCI_BASE_ADDRESS_MEM_PREFETCH));
    lua_setfield(L, -2, "prefetch");
    sim_pushregion(L, r->memory);
    lua_setfield(L, -2, "region");
    return 1;
}

static MemTxAttrs dev_attrs(lua_State *L, PCIDevice *d, int arg)
{
    return lua_isnoneornil(L, arg) ? pci_requester_attrs(d)
                                   : sim_optattrs(L, arg);
}

/* dev:dma_read(addr, len [, attrs]) -> data, result, code */
static int sim_pci_dev_dma_read(lua_State *L)
{
    PCIDevice *d = sim_checkdev(L, 1);
    uint64_t addr = sim_checkaddr(L, 2);
    uint64_t len = sim_checkreadlen(L, 3);
    MemTxAttrs attrs = dev_attrs(L, d, 4);
    void *buf;
    MemTxResult r;
    SimCall c;

    sim_checkspan(L, 3, addr, len);
    lua_settop(L, 4);
    buf = lua_newuserdatauv(L, len ? len : 1, 0);
    sim_call_enter(L, &c);
    r = dma_memory_read(pci_get_address_space(d), addr, buf, len, attrs);
    sim_call_leave(L, &c);
    lua_pushlstring(L, buf, len);
    sim_push_result(L, r);
    return 3;
}

/* dev:dma_write(addr, data [, attrs]) -> result, code */
static int sim_pci_dev_dma_write(lua_State *L)
{
    PCIDevice *d = sim_checkdev(L, 1);
    uint64_t addr = sim_checkaddr(L, 2);
    size_t len;
    const char *data = luaL_checklstring(L, 3, &len);
    MemTxAttrs attrs = dev_attrs(L, d, 4);
    MemTxResult r;
    SimCall c;

    sim_checkspan(L, 3, addr, len);
    lua_settop(L, 4);
    sim_call_enter(L, &c);
    r = dma_memory_write(pci_get_address_space(d), addr, data, len, attrs);
    sim_call_leave(L, &c);
    sim_push_result(L, r);
    return 2;
}

static int sim_pci_dev_reset(lua_State *L)
{
    PCIDevice *d = sim_checkdev(L, 1);
    SimCall c;

    lua_settop(L, 1);
    sim_call_enter(L, &c);
    pci_device_reset(d);
    sim_call_leave(L, &c);
    return 0;
}

/* dev:destroy(): the device and, for a bridge, everything below */
static int sim_pci_dev_destroy(lua_State *L)
{
    PCIDevice *d = sim_checkdev(L, 1);
    SimPCIHost *u = host_of_dev(d);
    PCIBus *sec = pci_device_secondary_bus(d);
    SimCall c;

    if (sim_in_call()) {
        return luaL_error(L, "destroy: a PCI device cannot be destroyed from "
                          "inside a callback");
    }
    GPtrArray *gone = g_ptr_array_new(); /* freed before anything raises */
    g_ptr_array_add(gone, d);
    if (sec) {
        pci_bus_foreach_device(sec, true, collect_dev, gone);
    }
    for (guint i = 0; i < u->config_hooks->len; i++) {
        SimPCIConfigHook *h = g_ptr_array_index(u->config_hooks, i);
        if (g_ptr_array_find(gone, h->dev, NULL)) {
            h->removed = true;
        }
    }
    lua_settop(L, 1);
    sim_call_enter(L, &c);
    for (guint i = 0; i < gone->len; i++) {
        sim_as_release(L, pci_get_address_space(g_ptr_array_index(gone, i)));
    }
    g_ptr_array_free(gone, TRUE);
    pci_device_destroy(d);
    sim_call_leave(L, &c);
    return 0;
}

static int sim_pci_dev_lspci(lua_State *L)
{
    PCIDevice *d = sim_checkdev(L, 1);
    g_autofree char *line = pci_device_lspci_line(d);

    lua_pushstring(L, line);
    return 1;
}

/* dev:on_config_write(fn) -> id */
static int sim_pci_dev_on_config_write(lua_State *L)
{
    PCIDevice *d = sim_checkdev(L, 1);
    SimPCIHost *u = host_of_dev(d);
    SimPCIConfigHook *h;

    luaL_checktype(L, 2, LUA_TFUNCTION);
    h = g_new0(SimPCIConfigHook, 1);
    h->host = u;
    h->dev = d;
    lua_pushvalue(L, 2);
    h->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    h->id = pci_device_add_config_hook(d, sim_pci_config_hook, h);
    g_ptr_array_add(u->config_hooks, h);
    lua_pushinteger(L, h->id);
    return 1;
}

/* dev:remove_config_hook(id) */
static int sim_pci_dev_remove_config_hook(lua_State *L)
{
    PCIDevice *d = sim_checkdev(L, 1);
    SimPCIHost *u = host_of_dev(d);
    lua_Integer id = luaL_checkinteger(L, 2);

    for (guint i = 0; i < u->config_hooks->len; i++) {
        SimPCIConfigHook *h = g_ptr_array_index(u->config_hooks, i);
        if (h->dev == d && h->id == (guint)id && !h->removed) {
            h->removed = true;
            pci_device_remove_config_hook(d, h->id);
            g_ptr_array_remove_index(u->config_hooks, i);
            /* a hook may be removing itself: free after the call */
            sim_defer_free(sim_config_hook_free, h);
            return 0;
        }
    }
    return luaL_argerror(L, 2, "no such config hook on this device");
}

static int sim_pci_dev_tostring(lua_State *L)
{
    SimPCIObj *o = luaL_checkudata(L, 1, SIM_PCI_DEV_MT);
    char bdf[8];

    if (!o->p || !host_of_dev(o->p)) {
        lua_pushstring(L, "PCIDevice (destroyed)");
    } else {
        PCIDevice *d = o->p;
        lua_pushfstring(L, "PCIDevice '%s' %s", d->name,
                        pci_device_bdf_string(d, bdf));
    }
    return 1;
}

static int sim_pci_obj_eq(lua_State *L)
{
    SimPCIObj *a = lua_touserdata(L, 1), *b = lua_touserdata(L, 2);

    lua_pushboolean(L, a && b && a->p && a->p == b->p);
    return 1;
}

/* ---- module functions -------------------------------------------------------------- */

/* sim.parse_slot(str) -> { domain, bus, slot, func } (wildcards absent) */
static int sim_parse_slot(lua_State *L)
{
    const char *s = luaL_checkstring(L, 1);
    g_autoptr(GError) err = NULL;
    PCISlotSpec spec;

    if (!pci_parse_slot(s, &spec, &err)) {
        return sim_raise_gerror(L, "parse_slot", g_steal_pointer(&err));
    }
    lua_createtable(L, 0, 4);
    if (spec.domain >= 0) {
        lua_pushinteger(L, spec.domain);
        lua_setfield(L, -2, "domain");
    }
    if (spec.bus >= 0) {
        lua_pushinteger(L, spec.bus);
        lua_setfield(L, -2, "bus");
    }
    if (spec.slot >= 0) {
        lua_pushinteger(L, spec.slot);
        lua_setfield(L, -2, "slot");
    }
    if (spec.func >= 0) {
        lua_pushinteger(L, spec.func);
        lua_setfield(L, -2, "func");
    }
    return 1;
}

static int sim_pci_drivers(lua_State *L)
{
    g_autoptr(GPtrArray) names = pci_driver_names();

    lua_createtable(L, (int)names->len, 0);
    for (guint i = 0; i < names->len; i++) {
        lua_pushstring(L, g_ptr_array_index(names, i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int sim_pci_name(lua_State *L)
{
    uint16_t vendor = (uint16_t)sim_checkrange(L, 1, 0, 0xffff, "vendor ID");
    uint16_t device = (uint16_t)sim_checkrange(L, 2, 0, 0xffff, "device ID");
    g_autofree char *s = pci_names_device(vendor, device);

    lua_pushstring(L, s);
    return 1;
}

static int sim_pci_class_name(lua_State *L)
{
    uint16_t cls = (uint16_t)sim_checkrange(L, 1, 0, 0xffff, "class code");
    g_autofree char *s = pci_names_class(cls);

    lua_pushstring(L, s);
    return 1;
}

static const luaL_Reg sim_pci_host_methods[] = {
    { "mmcfg", sim_pci_host_mmcfg },
    { "on_irq", sim_pci_host_on_irq },
    { NULL, NULL },
};

static const luaL_Reg sim_pci_bus_methods[] = {
    { "device", sim_pci_bus_device },
    { "create", sim_pci_bus_create },
    { "devices", sim_pci_bus_devices },
    { "find", sim_pci_bus_find },
    { "lspci", sim_pci_bus_lspci },
    { "set_iommu", sim_pci_bus_set_iommu },
    { NULL, NULL },
};

static const luaL_Reg sim_pci_dev_methods[] = {
    { "config_read", sim_pci_dev_config_read },
    { "config_write", sim_pci_dev_config_write },
    { "bar", sim_pci_dev_bar },
    { "dma_read", sim_pci_dev_dma_read },
    { "dma_write", sim_pci_dev_dma_write },
    { "reset", sim_pci_dev_reset },
    { "destroy", sim_pci_dev_destroy },
    { "lspci", sim_pci_dev_lspci },
    { "on_config_write", sim_pci_dev_on_config_write },
    { "remove_config_hook", sim_pci_dev_remove_config_hook },
    { NULL, NULL },
};

static const luaL_Reg sim_pci_functions[] = {
    { "pci_host", sim_pci_host },
    { "parse_slot", sim_parse_slot },
    { "pci_drivers", sim_pci_drivers },
    { "pci_name", sim_pci_name },
    { "pci_class_name", sim_pci_class_name },
    { NULL, NULL },
};

static void sim_pci_class(lua_State *L, const char *tname,
                          const luaL_Reg *methods, lua_CFunction index,
                          lua_CFunction tostring, lua_CFunction gc)
{
    luaL_newmetatable(L, tname);
    lua_newtable(L);
    luaL_setfuncs(L, methods, 0);
    lua_pushcclosure(L, index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, tostring);
    lua_setfield(L, -2, "__tostring");
    if (gc) {
        lua_pushcfunction(L, gc);
        lua_setfield(L, -2, "__gc");
    } else {
        lua_pushcfunction(L, sim_pci_obj_eq);
        lua_setfield(L, -2, "__eq");
    }
    lua_pop(L, 1);
}

void sim_open_pci(lua_State *L)
{
    sim_pci_class(L, SIM_PCI_HOST_MT, sim_pci_host_methods,
                  sim_pci_host_index, sim_pci_host_tostring, sim_pci_host_gc);
    sim_pci_class(L, SIM_PCI_BUS_MT, sim_pci_bus_methods, sim_pci_bus_index,
                  sim_pci_bus_tostring, NULL);
    sim_pci_class(L, SIM_PCI_DEV_MT, sim_pci_dev_methods, sim_pci_dev_index,
                  sim_pci_dev_tostring, NULL);
    luaL_setfuncs(L, sim_pci_functions, 0);
}
