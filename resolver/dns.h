/*
 * One worker's DNS resolver: a c-ares channel driven by the worker's
 * event_base (socket events from ARES_OPT_SOCK_STATE_CB, one timer from
 * ares_timeout), so no lookup ever blocks the loop (DESIGN.md §3).
 *
 * Ownership: a query handed to c-ares is owned by c-ares until its
 * callback runs, exactly once.  dns_free() ends every query in flight
 * with DNS_CANCELLED; a callback receiving it must only release its own
 * state (the worker is stopping).  Never call dns_free() from inside a
 * dns callback.  Used only on the thread that owns `base`.
 */
#ifndef RESOLVER_DNS_H
#define RESOLVER_DNS_H

#include <stddef.h>
#include <sys/socket.h>

#include "core/naptr.h"

struct event_base;
struct dns;

/* Most records one answer may bring (the rest are ignored). */
#define DNS_MAX_NAPTR 16
#define DNS_MAX_ADDRS 8

enum dns_status {
        DNS_OK = 0,
        DNS_NXDOMAIN,  /* the name does not exist */
        DNS_NODATA,    /* it exists without records of that type */
        DNS_TIMEOUT,   /* no server answered in time */
        DNS_FAIL,      /* SERVFAIL, refused, malformed answer, ... */
        DNS_CANCELLED, /* dns_free() while in flight */
};

/*
 * `servers`: "ip:port,ip:port" (c-ares' CSV form), or "" for the system
 * resolver (/etc/resolv.conf).  Each try waits timeout_ms; `tries`
 * rounds over the servers.  NULL with err filled.
 */
struct dns *dns_new(struct event_base *base, const char *servers,
                    int timeout_ms, int tries, char *err, size_t errlen);
void dns_free(struct dns *d);

/*
 * NAPTR records of `name`, sorted by order and preference (borrowed:
 * valid during the call), and the smallest TTL among them.
 */
typedef void (*dns_naptr_cb)(void *arg, enum dns_status st,
                             struct naptr_rec *recs, size_t n, unsigned ttl);
/* 0 if cb will run, -1 (no call) if the query could not start. */
int dns_naptr(struct dns *d, const char *name, dns_naptr_cb cb, void *arg);

/* Addresses of `host` with `port` set (borrowed), smallest TTL. */
typedef void (*dns_addr_cb)(void *arg, enum dns_status st,
                            const struct sockaddr_storage *addrs, size_t n,
                            unsigned ttl);
int dns_addr(struct dns *d, const char *host, int port, dns_addr_cb cb,
             void *arg);

const char *dns_status_name(enum dns_status st);

#endif
