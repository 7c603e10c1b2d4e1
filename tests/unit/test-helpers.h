/* test-helpers.h - small helpers shared by the unit tests */
#ifndef IOMMUSIM_TEST_HELPERS_H
#define IOMMUSIM_TEST_HELPERS_H

#include <glib.h>
#include "memory/address-space.h"

/* "start-end name@offset" for each range, ";"-separated, ends inclusive */
static inline char *test_describe_view(FlatView *fv)
{
    GString *s = g_string_new("");
    for (guint i = 0; i < fv->nr; i++) {
        FlatRange *fr = &fv->ranges[i];
        g_string_append_printf(s, "%s%" PRIx64 "-%" PRIx64 " %s@%" PRIx64 "%s",
                               i ? ";" : "", (uint64_t)fr->start,
                               (uint64_t)(fr->start + fr->size - 1),
                               memory_region_name(fr->mr), fr->offset_in_region,
                               fr->readonly ? " ro" : "");
    }
    return g_string_free(s, FALSE);
}

static inline MemoryRegion *test_ram(const char *name, uint64_t size)
{
    g_autoptr(GError) err = NULL;
    MemoryRegion *mr = memory_region_new_ram(name, size, NULL, &err);
    g_assert_no_error(err);
    return mr;
}

/* add and drop the caller's reference: the container owns it */
static inline void test_add(MemoryRegion *c, hwaddr addr, MemoryRegion *sub,
                            int prio)
{
    g_autoptr(GError) err = NULL;
    g_assert_true(memory_region_add_subregion_overlap(c, addr, sub, prio, &err));
    g_assert_no_error(err);
    memory_region_unref(sub);
}

#define assert_view(as, expected)                                          \
    do {                                                                   \
        g_autofree char *got_ = test_describe_view((as)->current_map);     \
        g_assert_cmpstr(got_, ==, (expected));                             \
    } while (0)

#endif
