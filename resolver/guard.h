/*
 * Abuse limits of the Handle front end (UDP and TCP): rate limits by
 * client address, connection caps by address, and the UDP amplification
 * guard.  The state is the process's shared table (core/ratelim); the
 * rules come from the worker's config.  Counters go to rw->st.
 */
#ifndef RESOLVER_GUARD_H
#define RESOLVER_GUARD_H

#include <stddef.h>
#include <stdint.h>

struct rworker;
struct hsrc;
struct sockaddr;

/*
 * Whether a request from src may be handled: 0 yes; 1 no, answer
 * SERVER_BUSY (retry in *retry_ms); -1 no, drop it (a UDP address past
 * its allowance of busy answers too).
 */
int guard_request(struct rworker *rw, const struct hsrc *src,
                  uint64_t *retry_ms);

/*
 * 1 if a UDP answer of `answer` bytes to a request of `request` bytes
 * is more than the amplification bound allows for src (an address
 * that has not proved itself over TCP or HTTP lately).
 */
int guard_udp_oversize(struct rworker *rw, const struct hsrc *src,
                       size_t request, size_t answer);

/*
 * A TCP connection from sa: 1 to accept it (*hold for guard_close), 0
 * if its address has as many open as limit_tcp_conns_per_addr.  An
 * accepted address has proved itself (the handshake) for
 * udp_proven_ttl_s.
 */
int guard_accept(struct rworker *rw, const struct sockaddr *sa, void **hold);
void guard_close(void *hold);

#endif
