/*
 * memory.c - MemoryRegion lifetime, the region tree and transactions.
 *
 * Rendering lives in flatview.c, address spaces and listeners in
 * address-space.c, accesses in access.c.
 */
#include "memory/memory-internal.h"

G_DEFINE_QUARK(iommusim-memory-error-quark, iommusim_memory_error)

bool memory_global_dirty_tracking;
bool memory_region_update_pending;
bool memory_region_views_stale;

static unsigned transaction_depth;
static bool committing;

/* How many rounds a commit makes when listeners change the map while they
 * are being told of it, before it gives up. */
#define COMMIT_ROUNDS_MAX 64

/* ---- transactions ----------------------------------------------------- */

void memory_region_transaction_begin(void)
{
    transaction_depth++;
}

void memory_region_transaction_commit(void)
{
    if (transaction_depth == 0) {
        g_warning("memory_region_transaction_commit without begin");
        return;
    }
    if (--transaction_depth > 0 || committing) {
        /* inner commit, or a listener changing the map during a commit: the
         * outermost commit loop picks the change up */
        return;
    }
    committing = true;
    for (int round = 0; memory_region_update_pending; round++) {
        if (round == COMMIT_ROUNDS_MAX) {
            g_warning("memory listeners keep changing the memory map; "
                      "stopped after %d rounds", COMMIT_ROUNDS_MAX);
            memory_region_update_pending = false;
            break;
        }
        memory_region_update_pending = false;
        address_space_update_all();
    }
    committing = false;
}

unsigned memory_region_transaction_depth(void)
{
    return transaction_depth;
}

/* A change: mark what it makes stale and render at the outermost commit. */
static void changed(MemoryRegion *mr, bool own_rendering)
{
    memory_region_transaction_begin();
    if (own_rendering) {
        memory_region_mark_dirty(mr);
    } else {
        memory_region_mark_users_dirty(mr);
    }
    memory_region_update_pending = true;
    memory_region_transaction_commit();
}

/* ---- creation ------------------------------------------------------- */

static u128 size_from_u64(uint64_t size)
{
    return size == UINT64_MAX ? U128_2_64 : (u128)size;
}

void memory_region_init(MemoryRegion *mr, const char *name, uint64_t size)
{
    memset(mr, 0, sizeof(*mr));
    mr->name = g_strdup(name);
    mr->kind = MR_CONTAINER;
    mr->refcount = 1;
    mr->size = size_from_u64(size);
    mr->enabled = true;
    mr->subregions = g_ptr_array_new();
    mr->render = g_new0(struct MemoryRegionRender, 1);
    mr->render->dirty = true;
}

static MemoryRegion *region_alloc(void)
{
    MemoryRegion *mr = g_new0(MemoryRegion, 1);
    return mr;
}

MemoryRegion *memory_region_new_container(const char *name, uint64_t size)
{
    MemoryRegion *mr = region_alloc();
    memory_region_init(mr, name, size);
    mr->heap = true;
    return mr;
}

void memory_region_init_io(MemoryRegion *mr, const MemoryRegionOps *ops,
                           void *opaque, const char *name, uint64_t size)
{
    memory_region_init(mr, name, size);
    mr->kind = MR_IO;
    mr->ops = ops ? ops : &unassigned_mem_ops;
    mr->opaque = opaque;
    mr->terminates = true;
}

MemoryRegion *memory_region_new_io(const MemoryRegionOps *ops, void *opaque,
                                   const char *name, uint64_t size)
{
    MemoryRegion *mr = region_alloc();
    memory_region_init_io(mr, ops, opaque, name, size);
    mr->heap = true;
    return mr;
}

MemoryRegion *memory_region_new_reservation(const char *name, uint64_t size)
{
    return memory_region_new_io(NULL, NULL, name, size);
}

/* A RAMBlock named after the region; QEMU names blocks by owner path, we
 * make the name unique with a suffix so that equal region names can coexist. */
static RAMBlock *ram_block_for(const char *name, uint64_t size,
                               const RAMBlockOptions *opts, GError **errp)
{
    static const RAMBlockOptions anon = { .backend = RAM_BACKEND_ANON };
    g_autofree char *id = g_strdup(name ? name : "anonymous");

    if (size == 0) {
        g_set_error(errp, IOMMUSIM_MEMORY_ERROR, MEMORY_ERROR_INVALID,
                    "RAM region '%s': size must not be 0", id);
        return NULL;
    }
    for (unsigned n = 1; ram_list_find(id); n++) {
        g_free(id);
        id = g_strdup_printf("%s#%u", name ? name : "anonymous", n);
    }
    return ram_block_new(id, size, opts ? opts : &anon, errp);
}

MemoryRegion *memory_region_new_ram(const char *name, uint64_t size,
                                    const RAMBlockOptions *opts, GError **errp)
{
    RAMBlock *rb = ram_block_for(name, size, opts, errp);
    if (!rb) {
        return NULL;
    }
    MemoryRegion *mr = region_alloc();
    memory_region_init(mr, name, size);
    mr->heap = true;
    mr->kind = MR_RAM;
    mr->ram = true;
    mr->terminates = true;
    mr->ram_block = rb;
    mr->readonly = ram_block_readonly(rb); /* a read-only file mapping */
    return mr;
}

MemoryRegion *memory_region_new_rom(const char *name, uint64_t size,
                                    GError **errp)
{
    MemoryRegion *mr = memory_region_new_ram(name, size, NULL, errp);
    if (mr) {
        mr->readonly = true;
    }
    return mr;
}

MemoryRegion *memory_region_new_rom_device(const MemoryRegionOps *ops,
                                           void *opaque, const char *name,
                                           uint64_t size, GError **errp)
{
    RAMBlock *rb = ram_block_for(name, size, NULL, errp);
    if (!rb) {
        return NULL;
    }
    MemoryRegion *mr = region_alloc();
    memory_region_init(mr, name, size);
    mr->heap = true;
    mr->kind = MR_ROM_DEVICE;
    mr->ops = ops ? ops : &unassigned_mem_ops;
    mr->opaque = opaque;
    mr->terminates = true;
    mr->rom_device = true;
    mr->romd_mode = true;
    mr->ram_block = rb;
    return mr;
}

static bool alias_window_ok(const char *name, MemoryRegion *orig,
                            hwaddr offset, u128 size, GError **errp)
{
    if (!orig) {
        g_set_error(errp, IOMMUSIM_MEMORY_ERROR, MEMORY_ERROR_INVALID,
                    "alias '%s': no target region", name ? name : "anonymous");
        return false;
    }
    if ((u128)offset + size > orig->size) {
        g_set_error(errp, IOMMUSIM_MEMORY_ERROR, MEMORY_ERROR_INVALID,
                    "alias '%s': window 0x%" PRIx64 "+0x%" PRIx64
                    " reaches past the end of '%s' (size 0x%" PRIx64 ")",
                    name ? name : "anonymous", offset,
                    size == U128_2_64 ? UINT64_MAX : (uint64_t)size,
                    memory_region_name(orig), memory_region_size(orig));
        return false;
    }
    return true;
}

bool memory_region_init_alias(MemoryRegion *mr, const char *name,
                              MemoryRegion *orig, hwaddr offset,
                              uint64_t size, GError **errp)
{
    if (!alias_window_ok(name, orig, offset, size_from_u64(size), errp)) {
        return false;
    }
    memory_region_init(mr, name, size);
    mr->kind = MR_ALIAS;
    memory_region_ref(orig);
    mr->alias = orig;
    mr->alias_offset = offset;
    if (!orig->render->alias_users) {
        orig->render->alias_users = g_ptr_array_new();
    }
    g_ptr_array_add(orig->render->alias_users, mr);
    return true;
}

MemoryRegion *memory_region_new_alias(const char *name, MemoryRegion *orig,
                                      hwaddr offset, uint64_t size,
                                      GError **errp)
{
    MemoryRegion *mr = region_alloc();
    if (!memory_region_init_alias(mr, name, orig, offset, size, errp)) {
        g_free(mr);
        return NULL;
    }
    mr->heap = true;
    return mr;
}

void memory_region_init_iommu(MemoryRegion *mr,
                              const IOMMUMemoryRegionClass *klass,
                              const char *name, uint64_t size)
{
    memory_region_init(mr, name, size);
    mr->kind = MR_IOMMU;
    mr->iommu_ops = klass;
    mr->terminates = true;
}

/* ---- references ------------------------------------------------------ */

void memory_region_ref(MemoryRegion *mr)
{
    if (mr) {
        mr->refcount++;
    }
}

static void remove_child_at(MemoryRegion *mr, guint i, bool rendered);

static void memory_region_finalize(MemoryRegion *mr)
{
    /* nothing renders a region nobody references: no re-render needed */
    memory_region_transaction_begin();
    while (mr->subregions->len > 0) {
        remove_child_at(mr, mr->subregions->len - 1, false);
    }
    if (mr->alias) {
        if (mr->alias->render->alias_users) {
            g_ptr_array_remove_fast(mr->alias->render->alias_users, mr);
        }
        memory_region_unref(mr->alias);
        mr->alias = NULL;
    }
    memory_region_transaction_commit();
    if (mr->destructor) {
        mr->destructor(mr);
    }
    if (mr->ram_block) {
        ram_block_free(mr->ram_block);
        mr->ram_block = NULL;
    }
    memory_region_render_free(mr);
    g_ptr_array_free(mr->subregions, TRUE);
    g_free(mr->name);
    if (mr->heap) {
        g_free(mr);
    }
}

void memory_region_unref(MemoryRegion *mr)
{
    if (!mr) {
        return;
    }
    if (mr->refcount <= 0) {
        g_warning("memory_region_unref: region '%s' has no reference left",
                  memory_region_name(mr));
        return;
    }
    if (--mr->refcount == 0) {
        memory_region_finalize(mr);
    }
}

/* ---- the tree --------------------------------------------------------- */

/* Whether @from reaches @target through children or alias targets. */
static bool region_reaches(MemoryRegion *from, MemoryRegion *target)
{
    g_autoptr(GPtrArray) stack = NULL;
    g_autoptr(GHashTable) seen = NULL;

    /* a leaf (most regions added) reaches only itself */
    if (!from->alias && from->subregions->len == 0) {
        return from == target;
    }
    stack = g_ptr_array_new();
    seen = g_hash_table_new(NULL, NULL);
    g_ptr_array_add(stack, from);
    while (stack->len > 0) {
        MemoryRegion *mr = g_ptr_array_steal_index_fast(stack, stack->len - 1);
        if (mr == target) {
            return true;
        }
        if (!g_hash_table_add(seen, mr)) {
            continue;
        }
        if (mr->alias) {
            g_ptr_array_add(stack, mr->alias);
        }
        for (guint i = 0; i < mr->subregions->len; i++) {
            g_ptr_array_add(stack, g_ptr_array_index(mr->subregions, i));
        }
    }
    return false;
}

/* Position for priority @prio: before the first sibling with priority <= it,
 * so that among equals the newest comes first (QEMU's order). */
static guint priority_position(MemoryRegion *mr, int prio)
{
    guint lo = 0, hi = mr->subregions->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        MemoryRegion *other = g_ptr_array_index(mr->subregions, mid);
        if (other->priority > prio) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static void insert_child(MemoryRegion *mr, MemoryRegion *sub)
{
    g_ptr_array_insert(mr->subregions,
                       (gint)priority_position(mr, sub->priority), sub);
    memory_region_by_addr_insert(mr, sub);
}

static void unlink_child(MemoryRegion *mr, MemoryRegion *sub)
{
    g_ptr_array_remove(mr->subregions, sub);
    memory_region_by_addr_remove(mr, sub);
}

static bool add_subregion_common(MemoryRegion *mr, hwaddr offset,
                                 MemoryRegion *sub, GError **errp)
{
    if (!mr || !sub) {
        g_set_error(errp, IOMMUSIM_MEMORY_ERROR, MEMORY_ERROR_INVALID,
                    "add_subregion: %s is NULL", mr ? "subregion" : "container");
        return false;
    }
    /* An IOMMU region may hold subregions, as in QEMU (VT-d puts its
     * "vtd-ir" interrupt window inside each "vtd-BB.F-dmar" region); being
     * terminating, it fills the holes between them. */
    if (mr->kind == MR_ALIAS) {
        g_set_error(errp, IOMMUSIM_MEMORY_ERROR, MEMORY_ERROR_INVALID,
                    "'%s' is an %s region and cannot hold subregions",
                    memory_region_name(mr), "alias");
        return false;
    }
    if (sub->container) {
        g_set_error(errp, IOMMUSIM_MEMORY_ERROR, MEMORY_ERROR_BUSY,
                    "'%s' is already a subregion of '%s'",
                    memory_region_name(sub),
                    memory_region_name(sub->container));
        return false;
    }
    if (region_reaches(sub, mr)) {
        g_set_error(errp, IOMMUSIM_MEMORY_ERROR, MEMORY_ERROR_BUSY,
                    "adding '%s' to '%s' would make a cycle",
                    memory_region_name(sub), memory_region_name(mr));
        return false;
    }
    memory_region_transaction_begin();
    memory_region_ref(sub);
    sub->container = mr;
    sub->addr = offset;
    insert_child(mr, sub);
    memory_region_mark_dirty(mr);
    memory_region_update_pending = true;
    memory_region_transaction_commit();
    return true;
}

bool memory_region_add_subregion(MemoryRegion *mr, hwaddr offset,
                                 MemoryRegion *sub, GError **errp)
{
    if (sub && !sub->container) {
        sub->priority = 0;
        sub->may_overlap = false;
    }
    return add_subregion_common(mr, offset, sub, errp);
}

bool memory_region_add_subregion_overlap(MemoryRegion *mr, hwaddr offset,
                                         MemoryRegion *sub, int priority,
                                         GError **errp)
{
    if (sub && !sub->container) {
        sub->priority = priority;
        sub->may_overlap = true;
    }
    return add_subregion_common(mr, offset, sub, errp);
}

static void remove_child_at(MemoryRegion *mr, guint i, bool rendered)
{
    MemoryRegion *sub = g_ptr_array_index(mr->subregions, i);
    g_ptr_array_remove_index(mr->subregions, i);
    memory_region_by_addr_remove(mr, sub);
    sub->container = NULL;
    memory_region_mark_dirty(mr);
    memory_region_update_pending |= rendered;
    memory_region_unref(sub);
}

bool memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *sub,
                                 GError **errp)
{
    guint i;

    if (!mr || !sub || sub->container != mr ||
        !g_ptr_array_find(mr->subregions, sub, &i)) {
        g_set_error(errp, IOMMUSIM_MEMORY_ERROR, MEMORY_ERROR_INVALID,
                    "'%s' is not a subregion of '%s'",
                    sub ? memory_region_name(sub) : "(null)",
                    mr ? memory_region_name(mr) : "(null)");
        return false;
    }
    memory_region_transaction_begin();
    remove_child_at(mr, i, true);
    memory_region_transaction_commit();
    return true;
}

void memory_region_set_enabled(MemoryRegion *mr, bool enabled)
{
    if (mr->enabled == enabled) {
        return;
    }
    mr->enabled = enabled;
    changed(mr, false);
}

void memory_region_set_readonly(MemoryRegion *mr, bool readonly)
{
    if (mr->readonly == readonly) {
        return;
    }
    if (!readonly && mr->ram_block && ram_block_readonly(mr->ram_block)) {
        g_warning("'%s' is backed by a read-only mapping and stays read-only",
                  memory_region_name(mr));
        return;
    }
    mr->readonly = readonly;
    changed(mr, true);
}

void memory_region_set_nonvolatile(MemoryRegion *mr, bool nonvolatile)
{
    if (mr->nonvolatile == nonvolatile) {
        return;
    }
    mr->nonvolatile = nonvolatile;
    changed(mr, true);
}

/* QEMU moves a region by removing and re-adding it, so it becomes the newest
 * among its equal-priority siblings; we keep that. */
void memory_region_set_address(MemoryRegion *mr, hwaddr addr)
{
    if (mr->addr == addr) {
        return;
    }
    MemoryRegion *c = mr->container;
    if (!c) {
        mr->addr = addr;
        changed(mr, false);
        return;
    }
    memory_region_transaction_begin();
    unlink_child(c, mr);
    mr->addr = addr;
    insert_child(c, mr);
    memory_region_mark_dirty(c);
    memory_region_update_pending = true;
    memory_region_transaction_commit();
}

void memory_region_set_priority(MemoryRegion *mr, int priority)
{
    if (mr->priority == priority) {
        return;
    }
    MemoryRegion *c = mr->container;
    memory_region_transaction_begin();
    if (c) {
        unlink_child(c, mr);
    }
    mr->priority = priority;
    if (c) {
        insert_child(c, mr);
        memory_region_mark_dirty(c);
    }
    memory_region_update_pending = true;
    memory_region_transaction_commit();
}

bool memory_region_set_size(MemoryRegion *mr, uint64_t size, GError **errp)
{
    u128 s = size_from_u64(size);

    if (size == 0) {
        g_set_error(errp, IOMMUSIM_MEMORY_ERROR, MEMORY_ERROR_INVALID,
                    "set_size '%s': size must not be 0", memory_region_name(mr));
        return false;
    }
    if (mr->alias &&
        !alias_window_ok(mr->name, mr->alias, mr->alias_offset, s, errp)) {
        return false;
    }
    if (s == mr->size) {
        return true;
    }
    mr->size = s;
    memory_region_transaction_begin();
    if (mr->container) {
        /* the by_addr index orders by address only, size needs no move */
        memory_region_mark_dirty(mr->container);
    }
    changed(mr, true);
    memory_region_transaction_commit();
    return true;
}

bool memory_region_set_alias_offset(MemoryRegion *mr, hwaddr offset,
                                    GError **errp)
{
    if (!mr->alias) {
        g_set_error(errp, IOMMUSIM_MEMORY_ERROR, MEMORY_ERROR_INVALID,
                    "set_alias_offset: '%s' is not an alias",
                    memory_region_name(mr));
        return false;
    }
    if (!alias_window_ok(mr->name, mr->alias, offset, mr->size, errp)) {
        return false;
    }
    if (offset == mr->alias_offset) {
        return true;
    }
    mr->alias_offset = offset;
    changed(mr, true);
    return true;
}

void memory_region_rom_device_set_romd(MemoryRegion *mr, bool romd_mode)
{
    if (!mr->rom_device || mr->romd_mode == romd_mode) {
        return;
    }
    mr->romd_mode = romd_mode;
    changed(mr, true);
}

bool memory_region_ram_resize(MemoryRegion *mr, uint64_t size, GError **errp)
{
    if (!mr->ram_block || !ram_block_resizeable(mr->ram_block)) {
        g_set_error(errp, IOMMUSIM_MEMORY_ERROR, MEMORY_ERROR_INVALID,
                    "ram_resize: '%s' is not resizeable RAM",
                    memory_region_name(mr));
        return false;
    }
    if (size == 0 || size == UINT64_MAX) {
        g_set_error(errp, IOMMUSIM_MEMORY_ERROR, MEMORY_ERROR_INVALID,
                    "ram_resize '%s': invalid size 0x%" PRIx64,
                    memory_region_name(mr), size);
        return false;
    }
    if (!ram_block_resize(mr->ram_block, size, errp)) {
        return false;
    }
    /* as qemu_ram_resize: the region takes the size as given */
    return memory_region_set_size(mr, size, errp);
}

/* Logging is counted per client, as QEMU counts VGA logging. */
void memory_region_set_log(MemoryRegion *mr, bool log, unsigned client)
{
    uint8_t mask;
    unsigned old;

    if (client != DIRTY_MEMORY_VGA && client != DIRTY_MEMORY_CODE) {
        g_warning("memory_region_set_log: client %u cannot be set per region",
                  client);
        return;
    }
    old = mr->log_count[client];
    if (!log && old == 0) {
        return;
    }
    mr->log_count[client] = log ? old + 1 : old - 1;
    if (!!old == !!mr->log_count[client]) {
        return;
    }
    mask = 1u << client;
    mr->dirty_log_mask = (mr->dirty_log_mask & ~mask) | (log ? mask : 0);
    changed(mr, true);
}

void memory_global_dirty_log_start(void)
{
    if (memory_global_dirty_tracking) {
        return;
    }
    memory_global_dirty_tracking = true;
    memory_listeners_global_call_log_global(true);
    memory_region_transaction_begin();
    memory_region_views_stale = true;
    memory_region_update_pending = true;
    memory_region_transaction_commit();
}

void memory_global_dirty_log_stop(void)
{
    if (!memory_global_dirty_tracking) {
        return;
    }
    memory_global_dirty_tracking = false;
    memory_region_transaction_begin();
    memory_region_views_stale = true;
    memory_region_update_pending = true;
    memory_region_transaction_commit();
    memory_listeners_global_call_log_global(false);
}

bool memory_global_dirty_log_enabled(void)
{
    return memory_global_dirty_tracking;
}

/* ---- queries ---------------------------------------------------------- */

const char *memory_region_name(const MemoryRegion *mr)
{
    return mr->name ? mr->name : "anonymous";
}

uint64_t memory_region_size(const MemoryRegion *mr)
{
    return mr->size >= U128_2_64 ? UINT64_MAX : (uint64_t)mr->size;
}

bool memory_region_is_ram(const MemoryRegion *mr)
{
    return mr->ram;
}

bool memory_region_is_rom(const MemoryRegion *mr)
{
    return mr->ram && mr->readonly;
}

bool memory_region_is_romd(const MemoryRegion *mr)
{
    return mr->rom_device && mr->romd_mode;
}

bool memory_region_is_iommu(const MemoryRegion *mr)
{
    return mr->kind == MR_IOMMU;
}

bool memory_region_is_mapped(const MemoryRegion *mr)
{
    return mr->container != NULL;
}

bool memory_region_is_logging(const MemoryRegion *mr, unsigned client)
{
    return client < DIRTY_MEMORY_NUM &&
           (memory_region_get_dirty_log_mask(mr) & (1u << client));
}

uint8_t memory_region_get_dirty_log_mask(const MemoryRegion *mr)
{
    uint8_t mask = mr->dirty_log_mask;
    if (memory_global_dirty_tracking &&
        (mr->ram_block || mr->kind == MR_IOMMU)) {
        mask |= 1u << DIRTY_MEMORY_MIGRATION;
    }
    return mask;
}

uint8_t *memory_region_get_ram_ptr(MemoryRegion *mr)
{
    hwaddr offset = 0;
    for (int hops = 0; mr->alias; hops++) {
        if (hops > 1024) {
            return NULL;
        }
        offset += mr->alias_offset;
        mr = mr->alias;
    }
    if (!mr->ram_block) {
        return NULL;
    }
    return ram_block_host(mr->ram_block) + mr->ram_block_offset + offset;
}

ram_addr_t memory_region_get_ram_addr(MemoryRegion *mr)
{
    if (!mr->ram_block) {
        return RAM_ADDR_INVALID;
    }
    return ram_block_offset(mr->ram_block) + mr->ram_block_offset;
}

guint memory_region_subregion_count(const MemoryRegion *mr)
{
    return mr->subregions->len;
}

MemoryRegion *memory_region_subregion(const MemoryRegion *mr, guint n)
{
    return n < mr->subregions->len ? g_ptr_array_index(mr->subregions, n)
                                   : NULL;
}

hwaddr memory_region_absolute_address(const MemoryRegion *mr)
{
    hwaddr abs = 0;
    for (; mr; mr = mr->container) {
        abs += mr->addr;
    }
    return abs;
}

const char *memory_region_type_name(const MemoryRegion *mr)
{
    for (int hops = 0; mr->alias && hops < 1024; hops++) {
        mr = mr->alias;
    }
    if (mr->ram_device) {
        return "ramd";
    } else if (memory_region_is_romd(mr)) {
        return "romd";
    } else if (memory_region_is_rom(mr)) {
        return "rom";
    } else if (memory_region_is_ram(mr)) {
        return "ram";
    }
    return "i/o";
}

/* ---- dirty bitmaps of a region -------------------------------------- */

bool memory_region_get_dirty(MemoryRegion *mr, hwaddr addr, hwaddr size,
                             unsigned client)
{
    return mr->ram_block && client < DIRTY_MEMORY_NUM &&
           ram_block_get_dirty(mr->ram_block, mr->ram_block_offset + addr,
                               size, client);
}

void memory_region_set_dirty(MemoryRegion *mr, hwaddr addr, hwaddr size)
{
    if (mr->ram_block) {
        ram_block_set_dirty(mr->ram_block, mr->ram_block_offset + addr, size,
                            memory_region_get_dirty_log_mask(mr));
    }
}

bool memory_region_test_and_clear_dirty(MemoryRegion *mr, hwaddr addr,
                                        hwaddr size, unsigned client)
{
    return mr->ram_block && client < DIRTY_MEMORY_NUM &&
           ram_block_test_and_clear_dirty(mr->ram_block,
                                          mr->ram_block_offset + addr, size,
                                          client);
}

void memory_region_reset_dirty(MemoryRegion *mr, hwaddr addr, hwaddr size,
                               unsigned client)
{
    if (mr->ram_block && client < DIRTY_MEMORY_NUM) {
        ram_block_clear_dirty(mr->ram_block, mr->ram_block_offset + addr, size,
                              client);
    }
}
