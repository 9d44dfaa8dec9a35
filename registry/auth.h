/*
 * SNMS login (domain.md §2.A): POST /identity/token issues a bearer
 * token valid 24 hours, DELETE /identity/token revokes it.  Tokens are
 * stored only as their SHA-256 (keys_token); passwords are verified on
 * the jobs pool, never on the worker's loop.
 */
#ifndef REGISTRY_AUTH_H
#define REGISTRY_AUTH_H

#include <stddef.h>

struct worker;
struct rpool;
struct jobs;
struct auth;
struct httpd_route;

#define AUTH_TOKEN_TTL_S 86400

/* Per-worker context of the login routes; the pointers are borrowed. */
struct auth *auth_new(struct worker *w, struct rpool *redis, struct jobs *jobs);
void auth_free(struct auth *a);

/* The routes, served with an auth context. */
const struct httpd_route *auth_routes(size_t *n);

#endif
