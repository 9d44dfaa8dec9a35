/*
 * Registration quotas per prefix: how many identifiers a prefix may
 * hold (quota_per_prefix, or the operator's override in keys_quota) and
 * how many it holds.  The identifier write script (registry/ident)
 * counts and enforces; this module reads and sets.
 */
#ifndef REGISTRY_QUOTA_H
#define REGISTRY_QUOTA_H

#include <stddef.h>

struct api_route;

/*
 * GET  /snms/api/prefix/quota?prefix=P   operator, or the owner
 * PUT  /snms/api/prefix/quota  {"prefix": P, "max": N|null}   operator
 */
const struct api_route *quota_routes(size_t *n);

#endif
