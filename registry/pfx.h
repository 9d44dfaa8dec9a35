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
#include <stdint.h>

#include "core/cur.h"
#include "registry/store.h"

struct api_route;
struct json_t;
struct redisContext;
struct redisReply;
struct rpool;
struct site;

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

/* The field of keys_prefix(P) holding the owner's USCC. */
#define PFX_FIELD_OWNER "ent"

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
 * Identifiers are written only under a prefix enabled and hosted here:
 * 0, or -1 with the reason in err ("prefix 88.1 is not enabled (state
 * 0)").
 */
int pfx_check_hosted(const struct pfx_info *p, char *err, size_t errlen);

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

/*
 * The fields of pfx:{P} that say where a prefix not hosted here is
 * served (written by POST /snms/api/ent/config), in the order
 * pfx_ref_parse takes their values.
 */
enum {
        PFX_REF_STATE,
        PFX_REF_PROXY,
        PFX_REF_IPTYPE, /* "4" or "6" */
        PFX_REF_IP,
        PFX_REF_TCP, /* ports: decimal 1-65535, absent if not offered */
        PFX_REF_UDP,
        PFX_REF_HTTP,
        PFX_REF_UPDATED, /* `u`: Unix seconds of the last change */
        PFX_REF_NFIELDS
};

/*
 * Reads those fields' values (p NULL: field absent).  Returns 1 when the
 * prefix is enabled and not hosted: s is then the enterprise node's
 * HS_SITE (protocol 2.10, one primary server at the IP with TCP
 * admin+query, UDP query and HTTP admin+query interfaces, each only if
 * its port is set; s->pubkey empty) and *updated the `u` field (0 if
 * absent).  0 when the prefix is not referred elsewhere; -1 when it is
 * but the record is unusable (ipType, IP or a port malformed, no port).
 */
int pfx_ref_parse(const struct span v[PFX_REF_NFIELDS], struct site *s,
                  uint32_t *updated);

/*
 * Where a prefix is served, for registry threads following identifiers
 * across nodes (registry/twalk): pfx_where_append queues, on a blocking
 * connection, the read of its owner and referral fields; pfx_where_reply
 * reads that reply.  *ent: the owner's USCC ("" if unregistered); for
 * PFX_WHERE_SITE, *s is the enterprise node's HS_SITE (as
 * pfx_ref_parse).
 */
enum pfx_where {
        PFX_WHERE_UNREGISTERED, /* not registered here */
        PFX_WHERE_HERE,         /* its identifiers are in this node's store */
        PFX_WHERE_SITE,         /* served by the enterprise's own node */
        PFX_WHERE_UNUSABLE,     /* referred, but the record is malformed */
};

int pfx_where_append(struct redisContext *rc, const char *prefix);
enum pfx_where pfx_where_reply(const struct redisReply *r, char ent[19],
                               struct site *s);

struct pfx_fetch;
/*
 * STORE_OK: the prefix is referred to `s` (borrowed, valid during the
 * call); STORE_NOT_FOUND: it is not (unregistered, hosted here, or an
 * unusable record, which is logged); STORE_BUSY / STORE_ERROR as for
 * store_fetch.
 */
typedef void (*pfx_fetch_cb)(struct pfx_fetch *f, enum store_status st,
                             const struct site *s, uint32_t updated);

/* Owned by the caller; must stay alive until the callback has run. */
struct pfx_fetch {
        pfx_fetch_cb cb;
        char prefix[PFX_MAX + 1];
};

/*
 * Reads the referral of `prefix` (normalised) asynchronously.  Returns 0
 * if cb will run later, -1 (cb not run) if Redis cannot take it now.
 */
int pfx_fetch_ref(struct rpool *p, struct pfx_fetch *f, const char *prefix,
                  pfx_fetch_cb cb);

#endif
