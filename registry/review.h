/*
 * Review of enterprises (实名审核) by operators and reviewers,
 * POST /snms/api/ent/review {uscc, kind, action, reason}.  Each kind of
 * request moves through submitted -> reviewing -> approved | rejected:
 *
 *   apply   the application (registry/ent's state field).  Approval
 *           allocates the enterprise's prefix in the same atomic write:
 *           its entPrefix if it asked for one, else <node_prefix>.<n>
 *           with n from KEYS_PREFIX_SEQ, skipping prefixes already taken.
 *           The prefix record pfx:{P} gets state 1 (启用), proxy 4
 *           (已托管), id n, and joins KEYS_PREFIXES.
 *   change  a profile change of an approved enterprise: approval applies
 *           it.
 *   cancel  a cancellation: approval makes the enterprise cancelled and
 *           its prefix state 0 (停用).
 *
 * Every decision is a conditional write on the version read (registry/
 * cas), so of two reviewers deciding at once exactly one wins; the other
 * gets 409.
 */
#ifndef REGISTRY_REVIEW_H
#define REGISTRY_REVIEW_H

#include <stddef.h>

struct api_route;

/* Tries at a free <node_prefix>.<n> before an approval gives up. */
#define REVIEW_ALLOC_TRIES 32

const struct api_route *review_routes(size_t *n);

/*
 * The state `action` (start, approve, reject) leads a request of `kind`
 * (apply, change, cancel) to from state `from` ("" when there is no such
 * request), or NULL with the reason in err when it cannot.
 */
const char *review_next(const char *kind, const char *action, const char *from,
                        char *err, size_t errlen);

#endif
