/*
 * Identifier-level data permissions (domain.md §2.E, layer 3): the owner
 * of a prefix grants another enterprise rights on one identifier or on
 * every identifier of the prefix.
 *
 *   read   see the values that are not public (no PUBLIC_READ) and the
 *          events that are not public
 *   event  append lifecycle events (a maintenance contractor, a
 *          distributor recording delivery)
 *
 * A grant names an enterprise (USCC); its users and platforms all hold
 * it.  Grants live in keys_grants(X) (X the identifier or the prefix).
 * The owner's own writers hold every right; staff and anonymous callers
 * hold none.  Routes: GET/POST/DELETE /api/grants/{handle or prefix}.
 */
#ifndef REGISTRY_GRANT_H
#define REGISTRY_GRANT_H

#include <stddef.h>

#include "core/hname.h"
#include "registry/pfx.h"
#include "registry/users.h"

struct api_call;
struct api_route;

enum {
        GRANT_READ = 1 << 0,
        GRANT_EVENT = 1 << 1,
        GRANT_ALL = GRANT_READ | GRANT_EVENT,
};

/* An identifier or a prefix named by a route's path parameter. */
struct grant_subject {
        char name[HNAME_MAX + 1]; /* normalised (prefix upper case) */
        size_t len;
        size_t prefix_len; /* == len for a prefix */
        struct pfx_info pfx;
};

/*
 * Parses the call's path parameter (api_arg) as an identifier or, with
 * `allow_prefix`, a bare prefix, and reads its prefix, which must be
 * registered here.  0, or -1 with the call answered (400 malformed, 404
 * unknown prefix, or the store's failure).
 */
int grant_subject(struct api_call *c, int allow_prefix,
                  struct grant_subject *s);

/*
 * The GRANT_* rights of the caller on `s` (an identifier: grants on it
 * and on its prefix add up).  -1 if the store failed (call answered).
 */
int grant_rights(struct api_call *c, const struct grant_subject *s);

/*
 * 1 when the caller's enterprise owns the prefix (`ent` the owner's
 * USCC) and the caller writes for it (an enterprise user or platform).
 */
int grant_is_owner(const struct api_call *c, const char *ent);

/*
 * The one read-rights rule every plane applies (HTTP resolution, the
 * trace API, and the Handle protocol once it authenticates callers):
 * `caller` is the caller's enterprise (USCC, upper case), "" for an
 * anonymous caller or staff; `owner` the USCC owning the prefix ("" if
 * unknown); `granted` the GRANT_* bits of the caller's grants on the
 * identifier and on its prefix together.  The owner holds GRANT_ALL, an
 * enterprise what it was granted, everyone else nothing: they read the
 * public values only.
 */
int grant_decide(const char *caller, const char *owner, int granted);

/*
 * The enterprise a grant decision is made for: `ent` for an enterprise
 * user or platform, "" for staff and anonymous callers.
 */
const char *grant_caller(enum users_role role, const char *ent);

/* The rights a stored scope list ("read event") gives. */
int grant_parse_scopes(const char *s, size_t len);

const struct api_route *grant_routes(size_t *n);

#endif
