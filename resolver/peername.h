/*
 * Servers configured by DNS name (`peer_names`: "host:port,..."):
 * upstream and peer nodes whose addresses come from c-ares on the
 * worker's loop and are looked up again when their TTL ends.  Until the
 * first answer a peer has no address; when a later lookup fails the
 * last addresses are kept (and looked up again soon).
 *
 * One per worker, on the worker's thread.  It uses the worker's `dns`,
 * which must be freed first (that cancels the lookups in flight).
 */
#ifndef RESOLVER_PEERNAME_H
#define RESOLVER_PEERNAME_H

#include <stddef.h>
#include <sys/socket.h>

struct dns;
struct event_base;
struct peername;

/* Most names in peer_names. */
#define PEERNAME_MAX 8

/*
 * Parses `list` and starts looking every name up.  NULL with err filled
 * if the list is malformed or memory runs out.
 */
struct peername *peername_new(struct event_base *base, struct dns *d,
                              const char *list, char *err, size_t errlen);
void peername_free(struct peername *pn);

size_t peername_count(const struct peername *pn);
/* "host:port" of peer i, as configured. */
const char *peername_name(const struct peername *pn, size_t i);
/*
 * Copies peer i's current addresses (port set) to out[max]; returns how
 * many (0 while it has none).
 */
size_t peername_addrs(const struct peername *pn, size_t i,
                      struct sockaddr_storage *out, size_t max);

#endif
