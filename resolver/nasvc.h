/*
 * Prefix handles, `0.NA/<prefix>` (protocol.md §7.1), answered from this
 * node's prefix records: what a top-level node answers for the
 * secondary prefixes registered in it, and a secondary node for its
 * enterprise prefixes.
 *
 * For `0.NA/P`: a stored record of that name (P's admin key and the
 * like, registry/pfxadmin) as it stands; else P's referral record (a prefix
 * served elsewhere, with its HS_SITE) gives SUCCESS with that HS_SITE; else if
 * this node homes P (a secondary node: P or an ancestor homed; the top-level
 * node: P itself homed) SUCCESS with this node's own HS_SITE; else the nearest
 * ancestor of P with a referral record gives PREFIX_REFERRAL with its
 * HS_SITE.PREFIX; else HANDLE_NOT_FOUND.
 */
#ifndef RESOLVER_NASVC_H
#define RESOLVER_NASVC_H

#include <stddef.h>

struct lookup;
struct rworker;

/* 1 if the normalised name is a prefix handle ("0.NA/..."). */
int nasvc_name(const char *name, size_t len);
/*
 * Answers lk (prepared by lookup_init, lk->done set) as above, through
 * lk->done later.  0, or -1 (done not run) if Redis cannot take it.
 */
int nasvc_fetch(struct rworker *rw, struct lookup *lk);

#endif
