/*
 * test-vclock.c - the virtual clock and its timers (dma/vclock.h):
 * QEMU's timer ordering, deadline, qtest's clock_step/clock_set warps and
 * the idle warp of -icount sleep=off.
 */
#include <glib.h>
#include "dma/vclock.h"

typedef struct Log {
    GString *s;
    VClock *clock;
    QEMUTimer *rearm;      /* re-armed by its own callback */
    int64_t rearm_period;
    int rearm_left;
} Log;

static Log logbuf;

static void cb(void *opaque)
{
    g_string_append_printf(logbuf.s, "%s@%" G_GINT64_FORMAT " ",
                           (const char *)opaque, vclock_get_ns(logbuf.clock));
}

static void cb_rearm(void *opaque)
{
    cb(opaque);
    if (logbuf.rearm_left-- > 0) {
        timer_mod_ns(logbuf.rearm, vclock_get_ns(logbuf.clock) +
                     logbuf.rearm_period);
    }
}

static VClock *setup(VClockMode mode)
{
    VClock *c = vclock_new(mode);

    if (logbuf.s) {
        g_string_free(logbuf.s, TRUE);
    }
    logbuf = (Log){ .s = g_string_new(""), .clock = c };
    return c;
}

static void test_order_and_deadline(void)
{
    VClock *c = setup(VCLOCK_MANUAL);
    QEMUTimer a, b, d;
    QEMUTimer *m = timer_new_ms(c, cb, "m");

    timer_init_ns(&a, c, cb, "a");
    timer_init_ns(&b, c, cb, "b");
    timer_init_ns(&d, c, cb, "d");
    g_assert_cmpint(vclock_deadline_ns(c), ==, -1);
    g_assert_false(timer_pending(&a));
    timer_mod(&a, 500);
    timer_mod(&b, 300);
    timer_mod(&d, 500);            /* same time as a, armed later */
    timer_mod(m, 1);               /* 1 ms */
    g_assert_cmpuint(vclock_timers_armed(c), ==, 4);
    g_assert_cmpint(vclock_deadline_ns(c), ==, 300);
    g_assert_cmpint(timer_expire_time_ns(m), ==, 1000000);

    /* clock_step without NS: to the next deadline */
    g_assert_cmpint(vclock_step_next(c), ==, 300);
    g_assert_cmpstr(logbuf.s->str, ==, "b@300 ");
    /* clock_step NS runs everything due on the way, in order */
    g_assert_cmpint(vclock_step(c, 1000), ==, 1300);
    g_assert_cmpstr(logbuf.s->str, ==, "b@300 a@500 d@500 ");
    /* re-arming moves; timer_del disarms */
    timer_mod(&a, 2000);
    timer_mod(&a, 1500);
    timer_del(m);
    timer_del(m);
    g_assert_cmpint(vclock_deadline_ns(c), ==, 200);
    /* clock_set to the past changes nothing and runs nothing */
    g_assert_cmpint(vclock_set(c, 10), ==, 1300);
    g_assert_cmpint(vclock_set(c, 1500), ==, 1500);
    g_assert_cmpstr(logbuf.s->str, ==, "b@300 a@500 d@500 a@1500 ");
    /* no timer: clock_step stays */
    g_assert_cmpint(vclock_step_next(c), ==, 1500);
    g_assert_cmpint(vclock_step(c, -5), ==, 1500);
    g_assert_cmpint(vclock_get_ms(c), ==, 0);
    /* a timer in the past is due at once */
    timer_mod_ns(&a, -7);
    g_assert_cmpint(timer_expire_time_ns(&a), ==, 0);
    g_assert_cmpint(vclock_deadline_ns(c), ==, 0);
    g_assert_cmpuint(vclock_run_timers(c, 0), ==, 1);
    timer_free(m);
    vclock_free(c);
}

static void test_idle_warp(void)
{
    VClock *c = setup(VCLOCK_IDLE_WARP);
    QEMUTimer a;

    timer_init_ms(&a, c, cb, "edu");
    timer_mod(&a, vclock_get_ms(c) + 100);
    g_assert_cmpuint(vclock_idle(c, 0), ==, 1);
    g_assert_cmpint(vclock_get_ns(c), ==, 100000000);
    g_assert_cmpstr(logbuf.s->str, ==, "edu@100000000 ");
    /* a self-re-arming timer is capped */
    logbuf.rearm = timer_new_ns(c, cb_rearm, "r");
    logbuf.rearm_period = 10;
    logbuf.rearm_left = 1000000;
    timer_mod_ns(logbuf.rearm, vclock_get_ns(c) + 10);
    g_assert_cmpuint(vclock_idle(c, 50), ==, 50);
    g_assert_true(timer_pending(logbuf.rearm));
    /* MANUAL: idle does nothing */
    vclock_set_mode(c, VCLOCK_MANUAL);
    g_assert_cmpuint(vclock_idle(c, 0), ==, 0);
    timer_free(logbuf.rearm);
    vclock_free(c);
}

static void test_overflow(void)
{
    VClock *c = setup(VCLOCK_MANUAL);
    QEMUTimer a;

    timer_init_ms(&a, c, cb, "x");
    timer_mod(&a, INT64_MAX / 2);            /* saturates */
    g_assert_cmpint(timer_expire_time_ns(&a), ==, INT64_MAX);
    /* now + NS wraps negative: no change, as QEMU (-fwrapv) */
    g_assert_cmpint(vclock_step(c, 5), ==, 5);
    g_assert_cmpint(vclock_step(c, INT64_MAX), ==, 5);
    g_assert_cmpint(vclock_set(c, INT64_MAX), ==, INT64_MAX);
    g_assert_cmpstr(logbuf.s->str, ==, "x@9223372036854775807 ");
    vclock_free(c);
}

static void test_realtime(void)
{
    VClock *c = setup(VCLOCK_REALTIME);
    QEMUTimer a;
    int64_t t0 = vclock_get_ns(c);

    timer_init_ns(&a, c, cb, "rt");
    timer_mod_ns(&a, t0 + 2000000);          /* 2 ms */
    g_assert_cmpint(vclock_realtime_wait_ns(c), >, 0);
    g_usleep(3000);
    g_assert_cmpint(vclock_realtime_wait_ns(c), ==, 0);
    g_assert_cmpuint(vclock_idle(c, 0), ==, 1);
    g_assert_cmpint(vclock_get_ns(c), >=, t0 + 2000000);
    vclock_free(c);
}

static void test_free_with_armed_timers(void)
{
    VClock *c = setup(VCLOCK_MANUAL);
    QEMUTimer a;

    timer_init_ns(&a, c, cb, "a");
    timer_mod_ns(&a, 5);
    vclock_free(c);
    g_assert_false(timer_pending(&a));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vclock/order-and-deadline", test_order_and_deadline);
    g_test_add_func("/vclock/idle-warp", test_idle_warp);
    g_test_add_func("/vclock/overflow", test_overflow);
    g_test_add_func("/vclock/realtime", test_realtime);
    g_test_add_func("/vclock/free-with-armed-timers",
                    test_free_with_armed_timers);
    return g_test_run();
}
