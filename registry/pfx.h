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

struct api_route;
struct json_t;
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

/*
 * Where the enterprise's own node serves a prefix not hosted here
 * (proxy 1): the HS_SITE fields of pfx:{P}, which the resolver's
 * referrals read.  Ports are decimal strings, "" when there is none.
 */
struct pfx_site {
        char ipType[2]; /* "4" or "6" */
        char ip[46];    /* the address as inet_ntop writes it */
        char tcpPort[6], udpPort[6], httpPort[6];
};

/*
 * Checks the entPrefixConfig of a prefix not hosted here (domain.md
 * §2.A): hdlType "HS_SITE", ipType "4" or "6" (a string or a number), an
 * IP address of that family other than the unspecified one, and at
 * least one of tcpPort, udpPort, httpPort from 1 to 65535 (decimal
 * strings or numbers; "" or null = none).  0, or -1 with err.
 */
int pfx_site_parse(const struct json_t *cfg, struct pfx_site *out, char *err,
                   size_t errlen);

/* The routes: prefix query and page, enterprise prefix config. */
const struct api_route *pfx_routes(size_t *n);

#endif
