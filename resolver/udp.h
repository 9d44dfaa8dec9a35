/* Handle protocol over UDP: one SO_REUSEPORT socket per worker. */
#ifndef RESOLVER_UDP_H
#define RESOLVER_UDP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct rworker;

/* Binds the worker's socket and starts reading. 0, or -1 with err. */
int udp_start(struct rworker *rw, char *err, size_t errlen);
void udp_stop(struct rworker *rw);
/*
 * Sends a whole message (envelope + message); messages over one
 * datagram's 492 bytes go as numbered fragments (protocol.md §1.1).
 * Returns -1 (nothing sent) if it would need more than 64 fragments.
 */
int udp_send(struct rworker *rw, const struct sockaddr_storage *to,
             socklen_t tolen, const uint8_t *msg, size_t len);

#endif
