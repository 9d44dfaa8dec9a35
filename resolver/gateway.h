/*
 * The heterogeneous-identifier gateway (docs/heterogeneous.md):
 *   GET /api/resolve/{id}   an OID, GTIN, GS1 element string or Digital
 *                           Link URI (core/hetid), answered from the
 *                           mapping table (registry/idmap) when one of
 *                           our enterprises mapped it, else by NAPTR
 *                           lookups in the zone configured for its
 *                           scheme (oid_zone, gs1_zone) through the
 *                           worker's c-ares channel (resolver/dns).
 * Answers are cached per worker for the records' TTL (capped by
 * cache_ttl_max_s); NXDOMAIN and empty answers for cache_negative_ttl_s.
 */
#ifndef RESOLVER_GATEWAY_H
#define RESOLVER_GATEWAY_H

struct evhttp_request;
struct gateway;

/* The worker's answer cache.  NULL on ENOMEM. */
struct gateway *gateway_new(void);
void gateway_free(struct gateway *g);

/* Route handler (resolver/web's table); ctx is the worker's rworker. */
void gateway_resolve(void *ctx, struct evhttp_request *req, const char *rest);

#endif
