/*
 * vclock.c - virtual clock and timers (see vclock.h).
 *
 * Armed timers sit in one list sorted by expiry time; a timer armed at a
 * time already in the list goes after the ones with the same time, so that
 * equal times expire first-armed first. Simulated machines arm a handful of
 * timers, so a list is the right structure.
 */
#include <glib.h>
#include "dma/vclock.h"

struct VClock {
    VClockMode mode;
    int64_t now;           /* MANUAL / IDLE_WARP: the time */
    int64_t rt_base;       /* REALTIME: clock time at rt_start */
    gint64 rt_start;       /* REALTIME: host monotonic us at rt_base */
    QEMUTimer *timers;     /* sorted by expire_time */
    unsigned armed;
};

static VClock *virtual_clock;

static int64_t wrap_add(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

VClock *vclock_new(VClockMode mode)
{
    VClock *c = g_new0(VClock, 1);

    c->mode = mode;
    c->rt_start = g_get_monotonic_time();
    return c;
}

void vclock_free(VClock *clock)
{
    if (!clock) {
        return;
    }
    while (clock->timers) {
        timer_del(clock->timers);
    }
    if (clock == virtual_clock) {
        virtual_clock = NULL;
    }
    g_free(clock);
}

VClock *vclock_virtual(void)
{
    if (!virtual_clock) {
        virtual_clock = vclock_new(VCLOCK_MANUAL);
    }
    return virtual_clock;
}

const char *vclock_mode_name(VClockMode mode)
{
    switch (mode) {
    case VCLOCK_MANUAL:
        return "manual";
    case VCLOCK_IDLE_WARP:
        return "idle-warp";
    case VCLOCK_REALTIME:
        return "realtime";
    }
    return "?";
}

int64_t vclock_get_ns(VClock *clock)
{
    if (clock->mode == VCLOCK_REALTIME) {
        gint64 us = g_get_monotonic_time() - clock->rt_start;

        return wrap_add(clock->rt_base, us * 1000);
    }
    return clock->now;
}

int64_t vclock_get_ms(VClock *clock)
{
    return vclock_get_ns(clock) / SCALE_MS;
}

void vclock_set_mode(VClock *clock, VClockMode mode)
{
    int64_t now = vclock_get_ns(clock);

    clock->mode = mode;
    clock->now = now;
    clock->rt_base = now;
    clock->rt_start = g_get_monotonic_time();
}

VClockMode vclock_mode(const VClock *clock)
{
    return clock->mode;
}

int64_t vclock_deadline_ns(VClock *clock)
{
    int64_t now, d;

    if (!clock->timers) {
        return -1;
    }
    now = vclock_get_ns(clock);
    d = clock->timers->expire_time - now;
    /* expire_time >= 0 and now >= 0 normally; guard the wrap anyway */
    if (clock->timers->expire_time <= now || d < 0) {
        return 0;
    }
    return d;
}

unsigned vclock_timers_armed(const VClock *clock)
{
    return clock->armed;
}

unsigned vclock_run_timers(VClock *clock, unsigned max)
{
    unsigned n = 0;
    int64_t now = vclock_get_ns(clock);

    while (clock->timers && clock->timers->expire_time <= now &&
           (max == 0 || n < max)) {
        QEMUTimer *ts = clock->timers;

        timer_del(ts);
        n++;
        if (ts->cb) {
            ts->cb(ts->opaque);
        }
    }
    return n;
}

/* QEMU's qemu_soonest_timeout: -1 (no deadline) is the largest value */
static int64_t soonest(int64_t a, int64_t b)
{
    return (uint64_t)a < (uint64_t)b ? a : b;
}

int64_t vclock_warp(VClock *clock, int64_t dest)
{
    if (clock->mode == VCLOCK_REALTIME) {
        vclock_run_timers(clock, 0);
        return vclock_get_ns(clock);
    }
    while (clock->now < dest) {
        int64_t warp = soonest(dest - clock->now, vclock_deadline_ns(clock));

        clock->now += warp;
        vclock_run_timers(clock, 0);
    }
    return clock->now;
}

int64_t vclock_step(VClock *clock, int64_t ns)
{
    return vclock_warp(clock, wrap_add(vclock_get_ns(clock), ns));
}

int64_t vclock_step_next(VClock *clock)
{
    return vclock_step(clock, vclock_deadline_ns(clock));
}

int64_t vclock_set(VClock *clock, int64_t ns)
{
    return vclock_warp(clock, ns);
}

unsigned vclock_idle(VClock *clock, unsigned max)
{
    unsigned n = 0;

    if (max == 0) {
        max = 10000;
    }
    switch (clock->mode) {
    case VCLOCK_MANUAL:
        return 0;
    case VCLOCK_REALTIME:
        return vclock_run_timers(clock, max);
    case VCLOCK_IDLE_WARP:
        while (clock->timers && n < max) {
            if (clock->timers->expire_time > clock->now) {
                clock->now = clock->timers->expire_time;
            }
            n += vclock_run_timers(clock, max - n);
        }
        return n;
    }
    return 0;
}

int64_t vclock_realtime_wait_ns(VClock *clock)
{
    if (clock->mode != VCLOCK_REALTIME) {
        return -1;
    }
    return vclock_deadline_ns(clock);
}

/* ---- timers ----------------------------------------------------------- */

void timer_init_full(QEMUTimer *ts, VClock *clock, int scale,
                     QEMUTimerCB *cb, void *opaque)
{
    *ts = (QEMUTimer){
        .clock = clock,
        .expire_time = -1,
        .scale = scale > 0 ? scale : SCALE_NS,
        .cb = cb,
        .opaque = opaque,
    };
}

QEMUTimer *timer_new_full(VClock *clock, int scale, QEMUTimerCB *cb,
                          void *opaque)
{
    QEMUTimer *ts = g_new(QEMUTimer, 1);

    timer_init_full(ts, clock, scale, cb, opaque);
    ts->heap = true;
    return ts;
}

QEMUTimer *timer_new_ns(VClock *clock, QEMUTimerCB *cb, void *opaque)
{
    return timer_new_full(clock, SCALE_NS, cb, opaque);
}

QEMUTimer *timer_new_ms(VClock *clock, QEMUTimerCB *cb, void *opaque)
{
    return timer_new_full(clock, SCALE_MS, cb, opaque);
}

void timer_free(QEMUTimer *ts)
{
    if (!ts) {
        return;
    }
    timer_del(ts);
    if (ts->heap) {
        g_free(ts);
    }
}

void timer_del(QEMUTimer *ts)
{
    QEMUTimer **pt;

    if (ts->expire_time < 0 || !ts->clock) {
        ts->expire_time = -1;
        return;
    }
    for (pt = &ts->clock->timers; *pt; pt = &(*pt)->next) {
        if (*pt == ts) {
            *pt = ts->next;
            ts->clock->armed--;
            break;
        }
    }
    ts->next = NULL;
    ts->expire_time = -1;
}

void timer_mod_ns(QEMUTimer *ts, int64_t expire_time)
{
    QEMUTimer **pt;

    if (!ts->clock) {
        return;
    }
    timer_del(ts);
    ts->expire_time = expire_time < 0 ? 0 : expire_time;
    for (pt = &ts->clock->timers; *pt; pt = &(*pt)->next) {
        if ((*pt)->expire_time > ts->expire_time) {
            break;
        }
    }
    ts->next = *pt;
    *pt = ts;
    ts->clock->armed++;
}

void timer_mod(QEMUTimer *ts, int64_t expire_time)
{
    int64_t ns;

    if (ts->scale > 1 && expire_time > INT64_MAX / ts->scale) {
        ns = INT64_MAX;
    } else if (ts->scale > 1 && expire_time < INT64_MIN / ts->scale) {
        ns = 0;
    } else {
        ns = expire_time * ts->scale;
    }
    timer_mod_ns(ts, ns);
}

bool timer_pending(const QEMUTimer *ts)
{
    return ts->expire_time >= 0;
}

int64_t timer_expire_time_ns(const QEMUTimer *ts)
{
    return ts->expire_time;
}
