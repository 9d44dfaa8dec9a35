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

/* HTTP methods, as bits of web_route_path's *methods. */
#define WEB_GET    0x01
#define WEB_HEAD   0x02
#define WEB_POST   0x04
#define WEB_PUT    0x08
#define WEB_DELETE 0x10

/* The number of HTTP routes, for listing them (idnode --routes). */
size_t web_route_count(void);

/*
 * Route i (< web_route_count()): returns its path and stores the WEB_*
 * methods it accepts in *methods.  A path ending in '/' is a prefix
 * serving everything below it: *param is then the name of that path
 * parameter ("handle" for "/api/handles/", i.e. /api/handles/{handle}),
 * else NULL.
 */
const char *web_route_path(size_t i, int *methods, const char **param);

#endif
