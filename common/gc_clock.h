/* gc_clock: the process's monotonic clock, for timeouts and intervals. Case time (deadlines,
 * event timestamps) is not kept here: it is the database's gc_now(), which tests can move. */
#ifndef GC_CLOCK_H
#define GC_CLOCK_H

#include <time.h>

/* Milliseconds since an arbitrary start; never goes backwards. */
long gc_clock_monotonic_ms(void);

/* The time ms milliseconds from now on the given clock, for pthread_cond_timedwait (whose
 * condition variable waits on that clock). */
struct timespec gc_clock_after(clockid_t clock, long ms);

/* The same in microseconds, for measuring short intervals (benchmarks, latencies). */
long gc_clock_monotonic_us(void);

#endif
