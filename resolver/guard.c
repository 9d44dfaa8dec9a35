#include "resolver/guard.h"

#include <sys/socket.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/ratelim.h"
#include "resolver/hproto.h"
#include "resolver/rworker.h"

static uint64_t
guard_key(const struct hsrc *src)
{
        return ratelim_addr_key(
            (const struct sockaddr *)(const void *)&src->addr);
}

int
guard_request(struct rworker *rw, const struct hsrc *src, uint64_t *retry_ms)
{
        int udp = src->kind == HSRC_UDP;
        uint64_t key, now, wait;

        if (!rw->lim)
                return 0;
        key = guard_key(src);
        now = clock_us();
        if (ratelim_take(rw->lim, udp ? RL_UDP : RL_TCP, key,
                         ratelim_rule_of(rw->cfg, udp ? RL_UDP : RL_TCP), now,
                         retry_ms))
                return 0;
        if (!udp) {
                rw->st.tcp_limited++;
                return 1;
        }
        /*
         * Answering every excess datagram would make the node an
         * amplifier of spoofed floods: a few busy answers, then silence.
         */
        if (ratelim_take(rw->lim, RL_UDP_BUSY, key,
                         ratelim_rule_of(rw->cfg, RL_UDP_BUSY), now, &wait)) {
                rw->st.udp_limited++;
                return 1;
        }
        rw->st.udp_limit_dropped++;
        return -1;
}

int
guard_udp_oversize(struct rworker *rw, const struct hsrc *src, size_t request,
                   size_t answer)
{
        size_t bound = (size_t)rw->cfg->udp_amp_factor * request;

        if (rw->cfg->udp_amp_factor == 0 || !rw->lim)
                return 0;
        if (bound < (size_t)rw->cfg->udp_amp_floor)
                bound = (size_t)rw->cfg->udp_amp_floor;
        if (answer <= bound ||
            ratelim_marked(rw->lim, RL_PROVEN, guard_key(src), clock_us()))
                return 0;
        rw->st.udp_amp_refused++;
        return 1;
}

int
guard_accept(struct rworker *rw, const struct sockaddr *sa, void **hold)
{
        uint64_t key;

        *hold = NULL;
        if (!rw->lim)
                return 1;
        key = ratelim_addr_key(sa);
        if (!ratelim_conn_open(rw->lim, RL_CONN_TCP, key,
                               (unsigned)rw->cfg->limit_tcp_conns_per_addr,
                               hold)) {
                rw->st.tcp_addr_refused++;
                return 0;
        }
        if (rw->cfg->udp_proven_ttl_s > 0)
                ratelim_mark(rw->lim, RL_PROVEN, key, clock_us(),
                             (uint64_t)rw->cfg->udp_proven_ttl_s * 1000000);
        return 1;
}

void
guard_close(void *hold)
{
        ratelim_conn_close(hold);
}
