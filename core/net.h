/*
 * Listening sockets.  Every worker binds its own set with SO_REUSEPORT
 * and the kernel spreads clients over them (style.md §2.2).
 */
#ifndef CORE_NET_H
#define CORE_NET_H

#include <stddef.h>

#include <event2/listener.h>

struct event_base;

/*
 * A TCP listener on host:port (numeric) that pauses accepting for 100 ms
 * when out of descriptors instead of spinning.  `cb` may be NULL (for
 * evhttp_bind_listener).  NULL with "what host:port: reason" in err.
 */
struct evconnlistener *net_listen_tcp(struct event_base *base, const char *what,
                                      const char *host, int port,
                                      evconnlistener_cb cb, void *arg,
                                      char *err, size_t errlen);

/* A bound non-blocking UDP socket on host:port, or -1 with err. */
int net_bind_udp(const char *what, const char *host, int port, char *err,
                 size_t errlen);

#endif
