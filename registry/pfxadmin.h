/*
 * A prefix's administrator key (protocol.md §5.3, §6.3): the handle
 * 0.NA/<prefix>, as CNRI keeps it, holding HS_ADMIN at index 100 that
 * names 300:0.NA/<prefix> with the given permissions, and the public
 * key (PEM, RSA or EC) as HS_PUBKEY at index 300.  Handle admin
 * requests are authorized by it (registry/hadmin), and it resolves over
 * the Handle protocol like any handle.
 *
 * PUT /api/prefix-admin/{prefix} {publicKey, permissions?}: only the
 * prefix's owner (its enterprise users and platforms), on a prefix
 * hosted here; replaces the handle.  Audited as pfx.admin.
 */
#ifndef REGISTRY_PFXADMIN_H
#define REGISTRY_PFXADMIN_H

#include <stddef.h>

struct api_route;

#define PFXADMIN_ADMIN_INDEX 100u
#define PFXADMIN_KEY_INDEX   300u

/* The module's route table (static storage), for registry/api.c. */
const struct api_route *pfxadmin_routes(size_t *n);

#endif
