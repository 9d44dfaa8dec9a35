/*
 * Handle protocol over TCP: per-worker SO_REUSEPORT listener and one
 * state machine per connection.  Many requests per connection,
 * pipelined, answered as they complete (clients match request ids).
 */
#ifndef RESOLVER_TCP_H
#define RESOLVER_TCP_H

#include <stddef.h>
#include <stdint.h>

struct rworker;
struct tconn;
struct hreq;

int tcp_start(struct rworker *rw, char *err, size_t errlen);
/* Closes the listener and every connection (requests are detached). */
void tcp_stop(struct rworker *rw);
/* Closes the listening socket; open connections stay. */
void tcp_close_listener(struct rworker *rw);
/* Queues a whole message (envelope included) for the client. */
void tcp_send(struct tconn *c, const uint8_t *msg, size_t len);
/* The connection's authentication state (resolver/hauth), or NULL. */
struct hauth_conn **tcp_auth(struct tconn *c);
/* Head of the connection's list of requests waiting on Redis. */
struct hreq **tcp_pending(struct tconn *c);
/* A request now waits on Redis: it counts against the in-flight cap. */
void tcp_request_started(struct tconn *c);
/* A deferred request was answered: count it and maybe resume reading. */
void tcp_request_done(struct tconn *c);

#endif
