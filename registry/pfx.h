/*
 * Enterprise prefixes (domain.md §1.2, §2.A): who owns a prefix, its
 * state (0 停用 disabled, 1 启用 enabled, 2 待删除 to delete, 3 被驳回
 * rejected, 4 待审核 awaiting review, 5 审核中 under review) and its
 * hosting (proxyState 1 未托管 not hosted: the enterprise's own node
 * serves it, HS_SITE below; 2 托管申请中; 3 托管被驳回; 4 已托管 hosted
 * here).  Stored as the hash keys_prefix(P).
 */
#ifndef REGISTRY_PFX_H
#define REGISTRY_PFX_H

#include <stddef.h>

struct redisContext;

#define PFX_MAX 64 /* SNMS prefix limit */

enum pfx_state {
        PFX_DISABLED = 0,
        PFX_ENABLED = 1,
        PFX_TO_DELETE = 2,
        PFX_REJECTED = 3,
        PFX_AWAITING_REVIEW = 4,
        PFX_UNDER_REVIEW = 5,
};

enum pfx_proxy {
        PFX_NOT_HOSTED = 1,
        PFX_HOSTING_REQUESTED = 2,
        PFX_HOSTING_REJECTED = 3,
        PFX_HOSTED = 4,
};

/* What writers and resolvers need to know about a prefix. */
struct pfx_info {
        char prefix[PFX_MAX + 1]; /* normalised: ASCII upper case */
        char ent[19];             /* owner's USCC */
        int state;                /* enum pfx_state */
        int proxy;                /* enum pfx_proxy */
};

/*
 * Normalises a prefix (ASCII upper case) into out[PFX_MAX + 1].  0, or
 * -1 if it is not dot-separated parts of letters and digits, 1-64
 * characters.
 */
int pfx_normalise(const char *in, size_t len, char out[PFX_MAX + 1]);

/*
 * Reads prefix `prefix` (normalised).  1 found, 0 not registered, -1 if
 * Redis failed (rc->err or an error reply).
 */
int pfx_get(struct redisContext *rc, const char *prefix, struct pfx_info *out);

#endif
