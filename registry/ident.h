/*
 * The SNMS identifier write calls (domain.md §2.A "identityv2"):
 * POST/PUT/DELETE /identityv2/data and the batch forms batchCreate,
 * batchUpdate and batchDelete (at most 2000 items, answered per item).
 *
 * An identifier is written only under a prefix registered to the
 * caller's enterprise, enabled and hosted here, with values its template
 * accepts.  Each identifier is written atomically by one Lua script on
 * its hash keys_handle(H): field = value index, content = the value in
 * Handle wire format, plus KEYS_META_FIELD "c=CREATED [u=UPDATED]
 * by=ACCOUNT".  The server adds 1001 TEMPLATE (the template version),
 * 1002 OWNER (the owner's USCC) and 1003 REGISTRANT (the account that
 * wrote it: a platform's key id or a user), the last two public only
 * when the operator sets publish_registrant.  Resolvers see a write at once
 * (their caches are invalidated by Redis client tracking on h: keys).
 * Resolution is the resolver's (GET /identityv2/data/detail), not this
 * module's.
 */
#ifndef REGISTRY_IDENT_H
#define REGISTRY_IDENT_H

#include <stddef.h>

struct api_call;
struct api_route;
struct hval;

#define IDENT_OWNER_INDEX      1002u
#define IDENT_REGISTRANT_INDEX 1003u

/* The module's route table (static storage), for registry/api.c. */
const struct api_route *ident_routes(size_t *n);

/*
 * A write from another plane (registry/hadmin: Handle admin requests),
 * on a registry thread.  `name` is normalised.  Creates and updates
 * carry the template version and the client's values; an update
 * replaces them all, and with `meta` (the record's meta field as read)
 * fails with 409 if the record changed since.
 */
struct ident_write {
        char op; /* 'c' create, 'u' update, 'd' delete */
        const char *name;
        size_t len;
        const char *version;
        const struct hval *vals;
        size_t nvals;
        const char *meta;
};

/*
 * Runs w under the rules of the HTTP writes (prefix registered to the
 * caller's enterprise, enabled and hosted; template; audit).  Returns the
 * HTTP status of the outcome (200 done; 400, 403, 404, 409, 500) with the
 * reason in msg, or 0 if the store failed (the call is answered).
 */
int ident_write_one(struct api_call *c, const struct ident_write *w, char *msg,
                    size_t msglen);

#endif
