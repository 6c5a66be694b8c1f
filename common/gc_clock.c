/* gc_clock: CLOCK_MONOTONIC in milliseconds or microseconds. */
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
