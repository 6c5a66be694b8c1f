/* gc_clock: CLOCK_MONOTONIC in milliseconds. */
#include "gc_clock.h"

#include <time.h>

long gc_clock_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}
