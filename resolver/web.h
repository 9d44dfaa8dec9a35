/*
 * Resolution over HTTP (evhttp, one SO_REUSEPORT listener per worker):
 *   GET /api/handles/{handle}          Handle.Net REST JSON
 *   GET /identityv2/data/detail?handle= SNMS {status,message,data}
 *   GET /healthz                       process alive
 * (HEAD too); docs/openapi.yaml describes them, `idnode --routes` lists them.
 */
#ifndef RESOLVER_WEB_H
#define RESOLVER_WEB_H

#include <stddef.h>

struct rworker;

int web_start(struct rworker *rw, char *err, size_t errlen);
void web_stop(struct rworker *rw);

struct httpd_route;

/* The resolution plane's routes (for idnode --routes). */
const struct httpd_route *web_routes(size_t *n);

#endif
