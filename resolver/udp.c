#include "resolver/udp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/net.h"
#include "core/wire.h"
#include "resolver/hproto.h"
#include "resolver/rworker.h"

/* Datagrams taken per recvmmsg call, and calls per readable event. */
#define UDP_BATCH  32
#define UDP_ROUNDS 4
/*
 * A Handle datagram carries at most 512 bytes (protocol.md §1.1); larger
 * ones are tolerated up to this size and refused beyond it.
 */
#define UDP_MAX_DATAGRAM 2048
/* A response is never cut into more fragments than this. */
#define UDP_MAX_FRAGMENTS 64

/* Receive slots of one worker thread (reused; never shared). */
struct udp_slots {
        uint8_t buf[UDP_BATCH][UDP_MAX_DATAGRAM];
        struct sockaddr_storage addr[UDP_BATCH];
        struct iovec iov[UDP_BATCH];
        struct mmsghdr mm[UDP_BATCH];
};

static _Thread_local struct udp_slots slots;

static void
udp_read_cb(evutil_socket_t fd, short what, void *arg)
{
        struct rworker *rw = arg;
        struct hsrc src;
        int round, i, n;

        (void)what;
        memset(&src, 0, sizeof(src));
        src.kind = HSRC_UDP;
        for (round = 0; round < UDP_ROUNDS; round++) {
                for (i = 0; i < UDP_BATCH; i++) {
                        slots.iov[i].iov_base = slots.buf[i];
                        slots.iov[i].iov_len = UDP_MAX_DATAGRAM;
                        memset(&slots.mm[i].msg_hdr, 0,
                               sizeof(slots.mm[i].msg_hdr));
                        slots.mm[i].msg_hdr.msg_name = &slots.addr[i];
                        slots.mm[i].msg_hdr.msg_namelen = sizeof(slots.addr[i]);
                        slots.mm[i].msg_hdr.msg_iov = &slots.iov[i];
                        slots.mm[i].msg_hdr.msg_iovlen = 1;
                }
                n = recvmmsg(fd, slots.mm, UDP_BATCH, MSG_DONTWAIT, NULL);
                if (n <= 0)
                        break;
                src.received_us = clock_us();
                for (i = 0; i < n; i++) {
                        size_t len = slots.mm[i].msg_len;

                        memcpy(&src.addr, &slots.addr[i], sizeof(src.addr));
                        src.addrlen = slots.mm[i].msg_hdr.msg_namelen;
                        rw->st.udp_requests++;
                        /*
                         * A truncated datagram no longer matches its
                         * MessageLength: it gets PROTOCOL_ERROR.
                         */
                        hproto_input(rw, &src, slots.buf[i], len);
                }
                if (n < UDP_BATCH)
                        break;
        }
}

int
udp_start(struct rworker *rw, char *err, size_t errlen)
{
        int fd = net_bind_udp("udp", rw->cfg->handle_bind, rw->cfg->handle_port,
                              err, errlen);

        if (fd < 0)
                return -1;
        rw->udp_fd = fd;
        rw->udp_ev =
            event_new(rw->base, fd, EV_READ | EV_PERSIST, udp_read_cb, rw);
        if (!rw->udp_ev || event_add(rw->udp_ev, NULL) < 0) {
                snprintf(err, errlen, "udp: cannot add event");
                return -1; /* udp_stop closes fd */
        }
        return 0;
}

void
udp_stop(struct rworker *rw)
{
        if (rw->udp_ev)
                event_free(rw->udp_ev);
        rw->udp_ev = NULL;
        if (rw->udp_fd >= 0)
                close(rw->udp_fd);
        rw->udp_fd = -1;
}

int
udp_send(struct rworker *rw, const struct sockaddr_storage *to, socklen_t tolen,
         const uint8_t *msg, size_t len)
{
        uint8_t envs[UDP_MAX_FRAGMENTS][WIRE_ENV_LEN];
        struct mmsghdr mm[UDP_MAX_FRAGMENTS];
        struct iovec iov[UDP_MAX_FRAGMENTS][2];
        size_t body = len - WIRE_ENV_LEN, nfrag, k;
        struct wire_env e;

        if (body <= WIRE_UDP_CHUNK) {
                if (sendto(rw->udp_fd, msg, len, MSG_DONTWAIT,
                           (const struct sockaddr *)to, tolen) < 0)
                        log_debug("udp_send_failed", "error=\"%s\"",
                                  strerror(errno));
                return 0;
        }
        nfrag = (body + WIRE_UDP_CHUNK - 1) / WIRE_UDP_CHUNK;
        if (nfrag > UDP_MAX_FRAGMENTS)
                return -1;
        rw->st.udp_fragmented++;
        wire_env_decode(msg, &e);
        memset(mm, 0, sizeof(mm[0]) * nfrag);
        for (k = 0; k < nfrag; k++) {
                size_t off = k * WIRE_UDP_CHUNK;
                size_t n =
                    body - off < WIRE_UDP_CHUNK ? body - off : WIRE_UDP_CHUNK;

                e.flags |= WIRE_ENV_TC;
                e.seq = (uint32_t)k;
                wire_env_encode(envs[k], &e);
                iov[k][0].iov_base = envs[k];
                iov[k][0].iov_len = WIRE_ENV_LEN;
                iov[k][1].iov_base = (void *)(msg + WIRE_ENV_LEN + off);
                iov[k][1].iov_len = n;
                mm[k].msg_hdr.msg_name = (void *)to;
                mm[k].msg_hdr.msg_namelen = tolen;
                mm[k].msg_hdr.msg_iov = iov[k];
                mm[k].msg_hdr.msg_iovlen = 2;
        }
        if (sendmmsg(rw->udp_fd, mm, (unsigned)nfrag, MSG_DONTWAIT) < 0)
                log_debug("udp_send_failed", "error=\"%s\"", strerror(errno));
        return 0;
}
