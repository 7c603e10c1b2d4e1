/*
 * test-vtd-env.h - a small machine for the VT-d register/fault/invalidation
 * tests: system memory with 64 MiB of RAM at 0, the unit's registers at
 * 0xfed90000 and an "apic-msi" window at 0xfee00000 that records every
 * write (as q35's does), all reached through the "memory" AddressSpace the
 * way a guest (or a qtest line) reaches them.
 */
#ifndef IOMMUSIM_TEST_VTD_ENV_H
#define IOMMUSIM_TEST_VTD_ENV_H

#include <glib.h>
#include <string.h>
#include "memory/address-space.h"
#include "iommu/vtd/vtd-internal.h"

#define VTD_BASE 0xfed90000ULL
#define MSI_BASE 0xfee00000ULL
#define ENV_RAM_SIZE (64 * 1024 * 1024)

typedef struct MsiWrite {
    hwaddr addr;   /* absolute */
    uint64_t data;
    unsigned size;
} MsiWrite;

typedef struct VtdEnv {
    MemoryRegion *system;
    AddressSpace *as;
    IntelIOMMUState *s;
    GArray *msi;   /* MsiWrite */
} VtdEnv;

static void env_msi_write(void *opaque, hwaddr addr, uint64_t data,
                          unsigned size)
{
    VtdEnv *env = opaque;
    MsiWrite w = { .addr = MSI_BASE + addr, .data = data, .size = size };
    g_array_append_val(env->msi, w);
}

static uint64_t env_msi_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static const MemoryRegionOps env_msi_ops = {
    .read = env_msi_read,
    .write = env_msi_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* @props: "aw-bits=48,caching-mode=on" or NULL for the defaults */
static inline VtdEnv *env_new(const char *props)
{
    g_autoptr(GError) err = NULL;
    VtdEnv *env = g_new0(VtdEnv, 1);
    VTDProperties p;
    MemoryRegion *ram, *msi;

    env->msi = g_array_new(FALSE, TRUE, sizeof(MsiWrite));
    env->system = memory_region_new_container("system", UINT64_MAX);
    ram = memory_region_new_ram("ram", ENV_RAM_SIZE, NULL, &err);
    g_assert_no_error(err);
    g_assert_true(memory_region_add_subregion(env->system, 0, ram, &err));
    memory_region_unref(ram);
    msi = memory_region_new_io(&env_msi_ops, env, "apic-msi", 0x100000);
    g_assert_true(memory_region_add_subregion_overlap(env->system, MSI_BASE,
                                                      msi, 4096, &err));
    memory_region_unref(msi);
    env->as = address_space_new(env->system, "memory");

    vtd_properties_init(&p);
    g_assert_true(vtd_properties_parse(&p, props, &err));
    g_assert_no_error(err);
    env->s = vtd_new(&p, env->system, env->as, &err);
    g_assert_no_error(err);
    g_assert_nonnull(env->s);
    g_assert_true(vtd_map_registers(env->s, env->system, VTD_BASE, &err));
    g_assert_no_error(err);
    return env;
}

static inline void env_free(VtdEnv *env)
{
    vtd_destroy(env->s);
    address_space_destroy(env->as);
    memory_region_unref(env->system);
    g_array_free(env->msi, TRUE);
    g_free(env);
}

/* Guest accesses through the system address space (as qtest readl/...) */
static inline uint32_t rdl(VtdEnv *env, hwaddr off)
{
    MemTxResult r;
    uint32_t v = address_space_ldl_le(env->as, VTD_BASE + off,
                                      MEMTXATTRS_UNSPECIFIED, &r);
    g_assert_cmpuint(r, ==, MEMTX_OK);
    return v;
}

static inline uint64_t rdq(VtdEnv *env, hwaddr off)
{
    MemTxResult r;
    uint64_t v = address_space_ldq_le(env->as, VTD_BASE + off,
                                      MEMTXATTRS_UNSPECIFIED, &r);
    g_assert_cmpuint(r, ==, MEMTX_OK);
    return v;
}

static inline void wrl(VtdEnv *env, hwaddr off, uint32_t v)
{
    MemTxResult r;
    address_space_stl_le(env->as, VTD_BASE + off, v, MEMTXATTRS_UNSPECIFIED,
                         &r);
    g_assert_cmpuint(r, ==, MEMTX_OK);
}

static inline void wrq(VtdEnv *env, hwaddr off, uint64_t v)
{
    MemTxResult r;
    address_space_stq_le(env->as, VTD_BASE + off, v, MEMTXATTRS_UNSPECIFIED,
                         &r);
    g_assert_cmpuint(r, ==, MEMTX_OK);
}

/* Guest RAM */
static inline void ram_wq(VtdEnv *env, hwaddr addr, uint64_t v)
{
    address_space_stq_le(env->as, addr, v, MEMTXATTRS_UNSPECIFIED, NULL);
}

static inline uint32_t ram_rl(VtdEnv *env, hwaddr addr)
{
    return address_space_ldl_le(env->as, addr, MEMTXATTRS_UNSPECIFIED, NULL);
}

#endif
