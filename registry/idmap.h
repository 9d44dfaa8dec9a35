/*
 * The mapping table between heterogeneous identifiers (OID, GS1 GTIN;
 * core/hetid) and our handles (docs/heterogeneous.md):
 *
 *   GET    /api/idmap/{id}   the handle an identifier is mapped to
 *   PUT    /api/idmap/{id}   {"handle": "88.123.45/X"}: map it
 *   DELETE /api/idmap/{id}   remove the mapping
 *
 * Only a writer of the enterprise owning the handle's prefix may map to
 * it, and a mapped identifier belongs to the enterprise that mapped it
 * until it deletes the mapping.  Records: keys_idmap; the resolver's
 * gateway reads them (resolver/gateway).
 */
#ifndef REGISTRY_IDMAP_H
#define REGISTRY_IDMAP_H

#include <stddef.h>

struct api_route;

const struct api_route *idmap_routes(size_t *n);

#endif
