/*
 * Trace queries (docs/trace.md "Trace queries"), anyone may ask, a
 * token shows more values:
 *
 *   GET /api/trace/{handle}   the identifiers linked to it up and/or
 *                             down to a depth, their values and links
 *   GET /api/recall/{handle}  everything downstream of it, with who
 *                             holds each one now
 *
 * The walk is registry/twalk's; this module reads the query and writes
 * the answer.
 */
#ifndef REGISTRY_TRACE_H
#define REGISTRY_TRACE_H

#include <stddef.h>

struct api_route;

/* The module's routes (static storage), for registry/api.c. */
const struct api_route *trace_routes(size_t *n);

#endif
