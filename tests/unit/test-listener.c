/* test-listener.c - MemoryListener event order, transactions, replay */
#include "test-helpers.h"

typedef struct Recorder {
    MemoryListener l;
    GString *log;
    const char *tag;
} Recorder;

static void rec(MemoryListener *l, const char *ev, MemoryRegionSection *s)
{
    Recorder *r = (Recorder *)l;
    if (s) {
        g_string_append_printf(r->log, "%s%s:%s:%s@%" PRIx64 ";", r->tag, ev,
                               memory_region_name(s->mr), "",
                               s->offset_within_address_space);
    } else {
        g_string_append_printf(r->log, "%s%s;", r->tag, ev);
    }
}
static void on_begin(MemoryListener *l) { rec(l, "begin", NULL); }
static void on_commit(MemoryListener *l) { rec(l, "commit", NULL); }
static void on_add(MemoryListener *l, MemoryRegionSection *s) { rec(l, "add", s); }
static void on_del(MemoryListener *l, MemoryRegionSection *s) { rec(l, "del", s); }
static void on_nop(MemoryListener *l, MemoryRegionSection *s) { rec(l, "nop", s); }
static void on_log_start(MemoryListener *l, MemoryRegionSection *s, int o, int n)
{
    Recorder *r = (Recorder *)l;
    g_string_append_printf(r->log, "%slog_start:%s:%d>%d;", r->tag,
                           memory_region_name(s->mr), o, n);
}
static void on_log_stop(MemoryListener *l, MemoryRegionSection *s, int o, int n)
{
    Recorder *r = (Recorder *)l;
    g_string_append_printf(r->log, "%slog_stop:%s:%d>%d;", r->tag,
                           memory_region_name(s->mr), o, n);
}
static void on_global_start(MemoryListener *l) { rec(l, "gstart", NULL); }
static void on_global_stop(MemoryListener *l) { rec(l, "gstop", NULL); }

static void recorder_init(Recorder *r, GString *log, const char *tag,
                          unsigned prio)
{
    *r = (Recorder){
        .l = { .begin = on_begin, .commit = on_commit, .region_add = on_add,
               .region_del = on_del, .region_nop = on_nop,
               .log_start = on_log_start, .log_stop = on_log_stop,
               .log_global_start = on_global_start,
               .log_global_stop = on_global_stop, .priority = prio },
        .log = log, .tag = tag,
    };
}

#define assert_log(log, expected)                       \
    do {                                                \
        g_assert_cmpstr((log)->str, ==, (expected));    \
        g_string_truncate((log), 0);                    \
    } while (0)

static void test_replay_on_register(void)
{
    MemoryRegion *root = memory_region_new_container("root", 0x100000);
    test_add(root, 0x0, test_ram("ram", 0x1000), 0);
    test_add(root, 0x2000, memory_region_new_io(NULL, NULL, "io", 0x100), 0);
    AddressSpace *as = address_space_new(root, "replay");
    g_autoptr(GString) log = g_string_new("");
    Recorder r;
    recorder_init(&r, log, "", 0);
    memory_listener_register(&r.l, as);
    assert_log(log, "begin;add:ram:@0;add:io:@2000;commit;");
    memory_listener_unregister(&r.l);
    assert_log(log, "begin;del:ram:@0;del:io:@2000;commit;");
    address_space_destroy(as);
    memory_region_unref(root);
}

/* del pass (descending priority) before the add/nop pass (ascending). */
static void test_del_pass_first_and_priority_order(void)
{
    MemoryRegion *root = memory_region_new_container("root", 0x100000);
    MemoryRegion *a = test_ram("a", 0x1000);
    memory_region_ref(a);
    test_add(root, 0x0, a, 0);
    test_add(root, 0x4000, memory_region_new_io(NULL, NULL, "keep", 0x100), 0);
    AddressSpace *as = address_space_new(root, "order");
    g_autoptr(GString) log = g_string_new("");
    Recorder lo, hi;
    recorder_init(&hi, log, "H.", 10);
    recorder_init(&lo, log, "L.", 1);
    memory_listener_register(&hi.l, as);
    memory_listener_register(&lo.l, as);
    g_string_truncate(log, 0);

    memory_region_set_address(a, 0x8000);
    assert_log(log, "L.begin;H.begin;"
                    "H.del:a:@0;L.del:a:@0;"
                    "L.nop:keep:@4000;H.nop:keep:@4000;"
                    "L.add:a:@8000;H.add:a:@8000;"
                    "L.commit;H.commit;");
    memory_listener_unregister(&hi.l);
    memory_listener_unregister(&lo.l);
    memory_region_unref(a);
    address_space_destroy(as);
    memory_region_unref(root);
}

/* A nested transaction renders once, at the outermost commit. */
static void test_nested_transaction(void)
{
    MemoryRegion *root = memory_region_new_container("root", 0x100000);
    AddressSpace *as = address_space_new(root, "tx");
    g_autoptr(GString) log = g_string_new("");
    Recorder r;
    recorder_init(&r, log, "", 0);
    memory_listener_register(&r.l, as);
    g_string_truncate(log, 0);

    memory_region_transaction_begin();
    test_add(root, 0x0, memory_region_new_io(NULL, NULL, "x", 0x10), 0);
    memory_region_transaction_begin();
    test_add(root, 0x10, memory_region_new_io(NULL, NULL, "y", 0x10), 0);
    memory_region_transaction_commit();
    g_assert_cmpstr(log->str, ==, "");
    g_assert_cmpuint(as->current_map->nr, ==, 0);
    memory_region_transaction_commit();
    assert_log(log, "begin;add:x:@0;add:y:@10;commit;");
    g_assert_cmpuint(memory_region_transaction_depth(), ==, 0);

    /* a region added and removed within one transaction leaves no trace */
    memory_region_transaction_begin();
    MemoryRegion *z = memory_region_new_io(NULL, NULL, "z", 0x10);
    g_assert_true(memory_region_add_subregion(root, 0x100, z, NULL));
    g_assert_true(memory_region_del_subregion(root, z, NULL));
    memory_region_unref(z);
    memory_region_transaction_commit();
    assert_log(log, "begin;nop:x:@0;nop:y:@10;commit;");

    memory_listener_unregister(&r.l);
    address_space_destroy(as);
    memory_region_unref(root);
}

/* A changed attribute is del then add; logging changes are log_start/stop. */
static void test_attribute_change_and_logging(void)
{
    MemoryRegion *root = memory_region_new_container("root", 0x100000);
    MemoryRegion *ram = test_ram("vram", 0x2000);
    memory_region_ref(ram);
    test_add(root, 0x0, ram, 0);
    AddressSpace *as = address_space_new(root, "log");
    g_autoptr(GString) log = g_string_new("");
    Recorder r;
    recorder_init(&r, log, "", 0);
    memory_listener_register(&r.l, as);
    g_string_truncate(log, 0);

    memory_region_set_readonly(ram, true);
    assert_log(log, "begin;del:vram:@0;add:vram:@0;commit;");

    memory_region_set_log(ram, true, DIRTY_MEMORY_VGA);
    assert_log(log, "begin;nop:vram:@0;log_start:vram:0>1;commit;");
    memory_region_set_log(ram, true, DIRTY_MEMORY_VGA); /* counted */
    assert_log(log, "");
    memory_region_set_log(ram, false, DIRTY_MEMORY_VGA);
    assert_log(log, "");
    memory_region_set_log(ram, false, DIRTY_MEMORY_VGA);
    assert_log(log, "begin;nop:vram:@0;log_stop:vram:1>0;commit;");

    memory_global_dirty_log_start();
    assert_log(log, "gstart;begin;nop:vram:@0;log_start:vram:0>4;commit;");
    g_assert_true(memory_region_is_logging(ram, DIRTY_MEMORY_MIGRATION));
    memory_global_dirty_log_stop();
    assert_log(log, "begin;nop:vram:@0;log_stop:vram:4>0;commit;gstop;");

    memory_listener_unregister(&r.l);
    memory_region_unref(ram);
    address_space_destroy(as);
    memory_region_unref(root);
}

/* Listeners of other address spaces hear begin/commit and their nop pass. */
static void test_other_address_space_nop(void)
{
    MemoryRegion *r1 = memory_region_new_container("r1", 0x10000);
    MemoryRegion *r2 = memory_region_new_container("r2", 0x10000);
    test_add(r1, 0, memory_region_new_io(NULL, NULL, "one", 0x10), 0);
    AddressSpace *a1 = address_space_new(r1, "a1");
    AddressSpace *a2 = address_space_new(r2, "a2");
    g_autoptr(GString) log = g_string_new("");
    Recorder r;
    recorder_init(&r, log, "", 0);
    memory_listener_register(&r.l, a1);
    g_string_truncate(log, 0);
    test_add(r2, 0, memory_region_new_io(NULL, NULL, "two", 0x10), 0);
    assert_log(log, "begin;nop:one:@0;commit;");
    memory_listener_unregister(&r.l);
    address_space_destroy(a1);
    address_space_destroy(a2);
    memory_region_unref(r1);
    memory_region_unref(r2);
}

/* A listener that changes the map while hearing of it gets another round. */
static MemoryRegion *reentrant_root;
static int reentrant_adds;
static void reentrant_add(MemoryListener *l, MemoryRegionSection *s)
{
    if (strcmp(memory_region_name(s->mr), "trigger") == 0 && !reentrant_adds++) {
        test_add(reentrant_root, 0x100, memory_region_new_io(NULL, NULL, "late", 0x10), 0);
    }
}

static void test_listener_changes_map(void)
{
    reentrant_root = memory_region_new_container("root", 0x10000);
    AddressSpace *as = address_space_new(reentrant_root, "re");
    MemoryListener l = { .region_add = reentrant_add };
    memory_listener_register(&l, as);
    test_add(reentrant_root, 0, memory_region_new_io(NULL, NULL, "trigger", 0x10), 0);
    assert_view(as, "0-f trigger@0;100-10f late@0");
    memory_listener_unregister(&l);
    address_space_destroy(as);
    memory_region_unref(reentrant_root);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/listener/replay-on-register", test_replay_on_register);
    g_test_add_func("/listener/del-pass-first", test_del_pass_first_and_priority_order);
    g_test_add_func("/listener/nested-transaction", test_nested_transaction);
    g_test_add_func("/listener/attribute-change-and-logging", test_attribute_change_and_logging);
    g_test_add_func("/listener/other-address-space-nop", test_other_address_space_nop);
    g_test_add_func("/listener/listener-changes-map", test_listener_changes_map);
    return g_test_run();
}
