/* gc_clock: CLOCK_MONOTONIC in milliseconds or microseconds, and deadlines for timed waits. */
#include "gc_clock.h"

#include <time.h>

long gc_clock_monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000L + ts.tv_nsec / 1000L;
}

long gc_clock_monotonic_ms(void)
{
    return gc_clock_monotonic_us() / 1000L;
}

struct timespec gc_clock_after(clockid_t clock, long ms)
{
    struct timespec t;
    clock_gettime(clock, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L)
        t.tv_sec++, t.tv_nsec -= 1000000000L;
    return t;
}
