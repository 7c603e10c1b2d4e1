/*
 * vclock.h - a virtual nanosecond clock with timers, QEMU's
 * QEMU_CLOCK_VIRTUAL and QEMUTimer rebuilt for a simulator without CPUs.
 *
 * Semantics are QEMU 7.2's (include/qemu/timer.h, util/qemu-timer.c,
 * softmmu/qtest.c):
 *   - a timer is armed with timer_mod() at an absolute expiry time in the
 *     timer's scale (ns, us or ms); re-arming moves it, timer_del() disarms;
 *   - timers expire in order of their expiry time, timers with equal times in
 *     the order they were armed; a timer is disarmed before its callback
 *     runs, so the callback may arm it again;
 *   - the deadline is -1 with no timer armed, else the time left until the
 *     first one (0 if it is already due);
 *   - vclock_warp(dest) is qtest's clock warp: while the clock is before
 *     @dest it advances to the earlier of @dest and the next expiry and
 *     runs the due timers; a @dest not after the clock changes nothing.
 *
 * How the clock moves between explicit warps is the clock's mode:
 *   VCLOCK_MANUAL   only vclock_step/vclock_set/vclock_warp move it (QEMU
 *                   with -accel qtest);
 *   VCLOCK_IDLE_WARP  as MANUAL, plus vclock_idle() jumps to the next
 *                   expiry while the machine has nothing else to do (QEMU
 *                   with -icount shift=N,sleep=off and a halted CPU);
 *   VCLOCK_REALTIME the clock follows the host's monotonic clock from the
 *                   moment the clock was created (QEMU with TCG, no
 *                   -icount, or -icount sleep=on while the CPU idles).
 *
 * Times are int64 nanoseconds. Arithmetic that would overflow wraps as
 * QEMU's (built with -fwrapv) does, except that expiry times computed from
 * a coarse scale saturate at INT64_MAX.
 */
#ifndef IOMMUSIM_DMA_VCLOCK_H
#define IOMMUSIM_DMA_VCLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define SCALE_NS 1
#define SCALE_US 1000
#define SCALE_MS 1000000

typedef enum VClockMode {
    VCLOCK_MANUAL,
    VCLOCK_IDLE_WARP,
    VCLOCK_REALTIME,
} VClockMode;

typedef struct VClock VClock;
typedef struct QEMUTimer QEMUTimer;
typedef void QEMUTimerCB(void *opaque);

struct QEMUTimer {
    VClock *clock;
    int64_t expire_time;   /* ns; -1 when not armed */
    int scale;
    QEMUTimerCB *cb;
    void *opaque;
    QEMUTimer *next;       /* private: the clock's list */
    bool heap;             /* private: from timer_new_* */
};

/* ---- clocks ----------------------------------------------------------- */

/* A new clock at time 0 (REALTIME: 0 is now). */
VClock *vclock_new(VClockMode mode);
/* Free @clock; timers still armed on it are disarmed (not freed). */
void vclock_free(VClock *clock);

/*
 * The process-wide virtual clock, QEMU_CLOCK_VIRTUAL: what devices use when
 * nobody gives them another clock. Created on first use in MANUAL mode.
 */
VClock *vclock_virtual(void);
/* Replace the process-wide clock's mode; REALTIME restarts from its
 * current time. */
void vclock_set_mode(VClock *clock, VClockMode mode);
VClockMode vclock_mode(const VClock *clock);
/* "manual", "idle-warp", "realtime" */
const char *vclock_mode_name(VClockMode mode);

/* Current time: ns, and ms (QEMU's qemu_clock_get_ms: ns / 1000000). */
int64_t vclock_get_ns(VClock *clock);
int64_t vclock_get_ms(VClock *clock);

/* Time left until the first armed timer expires: -1 if none, 0 if due. */
int64_t vclock_deadline_ns(VClock *clock);
/* Number of armed timers */
unsigned vclock_timers_armed(const VClock *clock);

/*
 * Run every timer that is due at the current time, in order (callbacks may
 * arm timers; those due now run too, up to @max callbacks; 0: no limit).
 * Returns the number of callbacks run.
 */
unsigned vclock_run_timers(VClock *clock, unsigned max);

/* qtest's clock warp (see above). Returns the new time. MANUAL and
 * IDLE_WARP only; on a REALTIME clock it only runs due timers. */
int64_t vclock_warp(VClock *clock, int64_t dest);
/* `clock_step NS`: warp to now + @ns (wrapping) */
int64_t vclock_step(VClock *clock, int64_t ns);
/* `clock_step`: warp to the next deadline (nothing if no timer is armed) */
int64_t vclock_step_next(VClock *clock);
/* `clock_set NS`: warp to @ns (nothing if that is not in the future) */
int64_t vclock_set(VClock *clock, int64_t ns);

/*
 * The machine is idle. IDLE_WARP: jump from expiry to expiry, running the
 * timers, until none is armed or @max callbacks ran (0: a default cap of
 * 10000, so that a timer re-arming itself forever cannot hang the caller).
 * REALTIME: run the timers due now. MANUAL: nothing. Returns the number of
 * callbacks run.
 */
unsigned vclock_idle(VClock *clock, unsigned max);

/* Nanoseconds until the next timer is due on a REALTIME clock (for a
 * poll timeout): -1 if none or another mode, 0 if due. */
int64_t vclock_realtime_wait_ns(VClock *clock);

/* ---- timers ----------------------------------------------------------- */

/* Initialise an embedded timer (not armed). */
void timer_init_full(QEMUTimer *ts, VClock *clock, int scale,
                     QEMUTimerCB *cb, void *opaque);
static inline void timer_init_ns(QEMUTimer *ts, VClock *clock,
                                 QEMUTimerCB *cb, void *opaque)
{
    timer_init_full(ts, clock, SCALE_NS, cb, opaque);
}
static inline void timer_init_ms(QEMUTimer *ts, VClock *clock,
                                 QEMUTimerCB *cb, void *opaque)
{
    timer_init_full(ts, clock, SCALE_MS, cb, opaque);
}
/* A new heap timer; free with timer_free(). */
QEMUTimer *timer_new_full(VClock *clock, int scale, QEMUTimerCB *cb,
                          void *opaque);
QEMUTimer *timer_new_ns(VClock *clock, QEMUTimerCB *cb, void *opaque);
QEMUTimer *timer_new_ms(VClock *clock, QEMUTimerCB *cb, void *opaque);
/* Disarm and free a timer from timer_new_*; NULL is ignored. */
void timer_free(QEMUTimer *ts);

/* Arm (or move) @ts to expire at @expire_time in its scale (saturating at
 * INT64_MAX ns) / in ns. A negative time arms it as already due. */
void timer_mod(QEMUTimer *ts, int64_t expire_time);
void timer_mod_ns(QEMUTimer *ts, int64_t expire_time);
/* Disarm; harmless if not armed. */
void timer_del(QEMUTimer *ts);
bool timer_pending(const QEMUTimer *ts);
/* Expiry in ns, -1 if not armed */
int64_t timer_expire_time_ns(const QEMUTimer *ts);

#endif
