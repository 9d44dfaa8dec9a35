/*
 * The shared abuse-limit table (core/ratelim) under any sequence of
 * operations on a small table, where windows fill and keys alias.  Input:
 * a rule (rate, burst), then 3-byte operations (op, key, time step).
 * Whatever the sequence: within one instant a key never gets more than
 * its burst, a key never holds more counted connections than the cap,
 * and closing what was opened leaves every count at zero.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ratelim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEYS 16
#define CAP  3
#define HELD 256

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct ratelim *rl;
        struct ratelim_rule rule;
        uint64_t now, retry, key;
        int taken[KEYS], open[KEYS];
        void *held[HELD];
        int heldkey[HELD];
        size_t i, nheld = 0;

        if (size < 2 || !(rl = ratelim_new(16)))
                return 0;
        rule.rate = (uint32_t)data[0] * 1000 + 1;
        rule.burst = (uint32_t)(data[1] % 16) + 1;
        now = clock_us();
        memset(taken, 0, sizeof(taken));
        memset(open, 0, sizeof(open));
        for (i = 2; i + 3 <= size; i += 3) {
                unsigned k = data[i + 1] % KEYS;

                key = (uint64_t)k * 0x9e3779b97f4a7c15u;
                if (data[i + 2]) { /* time moves: buckets refill */
                        now += (uint64_t)data[i + 2] * 997;
                        memset(taken, 0, sizeof(taken));
                }
                switch (data[i] % 5) {
                case 0:
                        if (ratelim_take(rl, RL_UDP, key, rule, now, &retry)) {
                                if (data[i + 2] == 0 &&
                                    ++taken[k] > (int)rule.burst)
                                        abort();
                        } else if (retry == 0) {
                                abort();
                        }
                        break;
                case 1:
                        ratelim_mark(rl, RL_PROVEN, key, now, 1000000);
                        break;
                case 2:
                        (void)ratelim_marked(rl, RL_PROVEN, key, now);
                        break;
                case 3:
                        if (nheld < HELD &&
                            ratelim_conn_open(rl, RL_CONN_TCP, key, CAP,
                                              &held[nheld])) {
                                if (held[nheld] && ++open[k] > CAP)
                                        abort();
                                heldkey[nheld] = held[nheld] ? (int)k : -1;
                                nheld++;
                        }
                        break;
                case 4:
                        if (nheld > 0) {
                                nheld--;
                                ratelim_conn_close(held[nheld]);
                                if (heldkey[nheld] >= 0)
                                        open[heldkey[nheld]]--;
                        }
                        break;
                }
        }
        while (nheld > 0)
                ratelim_conn_close(held[--nheld]);
        /* Every count is back to zero: all CAP places are free again. */
        for (i = 0; i < KEYS; i++) {
                void *h[CAP];
                int n;

                key = (uint64_t)i * 0x9e3779b97f4a7c15u;
                for (n = 0; n < CAP; n++)
                        if (!ratelim_conn_open(rl, RL_CONN_TCP, key, CAP,
                                               &h[n]))
                                abort();
                while (n > 0)
                        ratelim_conn_close(h[--n]);
        }
        ratelim_free(rl);
        return 0;
}
