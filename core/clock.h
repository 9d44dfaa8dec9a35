/* Time, in the two forms the node uses. */
#ifndef CORE_CLOCK_H
#define CORE_CLOCK_H

#include <stdint.h>

/* Monotonic milliseconds, for deadlines and expiry. */
uint64_t clock_ms(void);
/* Monotonic microseconds, for latency measurements. */
uint64_t clock_us(void);
/* Unix seconds, for protocol timestamps and expirations. */
uint32_t clock_unix(void);
/* Unix milliseconds, for record times (lifecycle events) and work that
 * follows the calendar (UTC hours of the statistics). */
uint64_t clock_unix_ms(void);

#endif
