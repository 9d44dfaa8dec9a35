#include "registry/twalk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/hname.h"
#include "core/hval.h"
#include "core/site.h"
#include "core/wire.h"
#include "registry/api.h"
#include "registry/grant.h"
#include "registry/hclient.h"
#include "registry/keys.h"
#include "registry/pfx.h"

#define TW_NONE        ((size_t)-1)
#define TW_LC_MAX      96
#define TW_TABLE_START 8192 /* slots allocated up front at most */

enum tn_state { TN_CANDIDATE, TN_FETCHED, TN_REJECTED };

/* "source `from` holds a link of type t to me", from from's reverse set. */
struct tclaim {
        size_t from;
        enum link_type t;
};

struct tnode {
        char *name; /* normalised, owned */
        size_t len;
        int depth;
        enum tn_state state;
        enum twalk_status status;
        int confirmed; /* reached by a link value (or the root) */
        /*
         * Which way to go on from here: the root's are the query's; any
         * other node keeps to the side it was reached from, so `both`
         * is the root's upstream plus its downstream, not everything
         * linked to them (a pump's line would bring every pump made on
         * it).
         */
        int dirs;
        struct tclaim *claims;
        size_t nclaims, capclaims;
        size_t pfx; /* in w->pfx, or TW_NONE */
        int rights;
        int grant_asked; /* its gr:{H} is in the pipeline */
        struct hrec *rec;
        redisReply *rev; /* SMEMBERS ln:{H}, until the level is expanded */
        int hq;          /* its query to another node, or -1 */
        char lc[TW_LC_MAX];
        char node[HCLIENT_ADDR_TEXT];
};

/* Where a prefix's identifiers are: see tw_route. */
enum tw_route { TW_HERE, TW_SITE, TW_NOWHERE };

struct tpfx {
        char prefix[PFX_MAX + 1];
        char ent[19]; /* owner, "" if not registered here */
        enum tw_route route;
        struct site site;
        int grant;   /* the caller's rights from gr:{P} */
        int pending; /* read in the current level's pipeline */
};

struct twalk {
        struct api_call *c;
        struct twalk_query q;
        size_t max_name; /* max_handle_bytes */
        struct tnode *nodes;
        size_t n, cap;
        size_t live;   /* nodes not rejected */
        size_t *table; /* open addressing: node index + 1, 0 empty */
        size_t tcap;
        struct tpfx *pfx;
        size_t npfx, cappfx;
        size_t *order, *pos; /* answer position -> node, node -> position */
        size_t norder;
        enum twalk_stop stop;
        int grants; /* the caller may hold grants (an enterprise writer) */
};

/* A level: node indexes. */
struct tlevel {
        size_t *v;
        size_t n, cap;
};

static int
tlevel_add(struct tlevel *l, size_t i)
{
        size_t *p;

        if (l->n == l->cap) {
                p = realloc(l->v, (l->cap ? 2 * l->cap : 16) * sizeof(*p));
                if (!p)
                        return -1;
                l->v = p;
                l->cap = l->cap ? 2 * l->cap : 16;
        }
        l->v[l->n++] = i;
        return 0;
}

/* ----------------------------------------------------- the node set */

static uint64_t
tw_hash(const char *s, size_t len)
{
        uint64_t h = 1469598103934665603ull;
        size_t i;

        for (i = 0; i < len; i++)
                h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
        return h;
}

/* The slot of name in the table: its node's, or the empty one to use. */
static size_t
tw_slot(const struct twalk *w, const char *name, size_t len)
{
        size_t i = (size_t)tw_hash(name, len) & (w->tcap - 1);
        const struct tnode *n;

        while (w->table[i]) {
                n = &w->nodes[w->table[i] - 1];
                if (n->len == len && memcmp(n->name, name, len) == 0)
                        break;
                i = (i + 1) & (w->tcap - 1);
        }
        return i;
}

static size_t
tw_find(const struct twalk *w, const char *name, size_t len)
{
        size_t i = tw_slot(w, name, len);

        return w->table[i] ? w->table[i] - 1 : TW_NONE;
}

static int
tw_grow_table(struct twalk *w)
{
        size_t cap = w->tcap ? 2 * w->tcap : 64, i, *old = w->table,
               oldcap = w->tcap;

        if (!(w->table = calloc(cap, sizeof(*w->table)))) {
                w->table = old;
                return -1;
        }
        w->tcap = cap;
        for (i = 0; i < oldcap; i++)
                if (old[i])
                        w->table[tw_slot(w, w->nodes[old[i] - 1].name,
                                         w->nodes[old[i] - 1].len)] = old[i];
        free(old);
        return 0;
}

/*
 * The node a link names (the bytes as stored, else normalised), or
 * TW_NONE; *name and *len say what to call a new one (len 0: s is not
 * an identifier).
 */
static size_t
tw_lookup(const struct twalk *w, struct span s, char name[HNAME_MAX + 1],
          size_t *len)
{
        const char *why;
        size_t i;

        /* Names are stored normalised, and so are the links we write. */
        if (s.len <= HNAME_MAX &&
            (i = tw_find(w, (const char *)s.p, s.len)) != TW_NONE) {
                memcpy(name, s.p, s.len);
                *len = s.len;
                return i;
        }
        if (hname_check(s.p, s.len, w->max_name, name, HNAME_MAX + 1, len,
                        &why) != HNAME_OK) {
                *len = 0;
                return TW_NONE;
        }
        return tw_find(w, name, *len);
}

/* A new candidate at `depth`; its index, or TW_NONE on no memory. */
static size_t
tw_new_node(struct twalk *w, const char *name, size_t len, int depth)
{
        struct tnode *n;
        size_t cap;

        if (2 * (w->n + 1) > w->tcap && tw_grow_table(w) < 0)
                return TW_NONE;
        if (w->n == w->cap) {
                cap = w->cap ? 2 * w->cap : 64;
                n = realloc(w->nodes, cap * sizeof(*n));
                if (!n)
                        return TW_NONE;
                w->nodes = n;
                w->cap = cap;
        }
        n = &w->nodes[w->n];
        memset(n, 0, sizeof(*n));
        if (!(n->name = malloc(len + 1)))
                return TW_NONE;
        memcpy(n->name, name, len);
        n->name[len] = '\0';
        n->len = len;
        n->depth = depth;
        n->pfx = TW_NONE;
        n->hq = -1;
        w->table[tw_slot(w, name, len)] = w->n + 1;
        w->live++;
        return w->n++;
}

static void
tw_reject(struct twalk *w, struct tnode *n)
{
        n->state = TN_REJECTED;
        hrec_free(n->rec);
        n->rec = NULL;
        freeReplyObject(n->rev);
        n->rev = NULL;
        w->live--;
}

/* Notes the first reason the walk stopped short. */
static void
tw_stop(struct twalk *w, enum twalk_stop why)
{
        if (w->stop == TWALK_DONE)
                w->stop = why;
}

/* Notes how a candidate was reached.  0, or -1 on no memory. */
static int
tw_claim(struct tnode *n, size_t from, enum link_type t, int forward)
{
        struct tclaim *p;

        if (forward) {
                n->confirmed = 1;
                return 0;
        }
        if (n->nclaims == n->capclaims) {
                p = realloc(n->claims,
                            (n->capclaims ? 2 * n->capclaims : 4) * sizeof(*p));
                if (!p)
                        return -1;
                n->claims = p;
                n->capclaims = n->capclaims ? 2 * n->capclaims : 4;
        }
        n->claims[n->nclaims++] = (struct tclaim){from, t};
        return 0;
}

/*
 * Node `from` links to (or, !forward, is linked from) the identifier
 * named by s, one level further: it joins the next level unless it was
 * visited, or only notes that it exists when `probe` (the last level).
 * 0, or -1 on no memory.
 */
static int tw_back(enum link_type t);

static int
tw_reach(struct twalk *w, struct tlevel *next, struct span s, size_t from,
         enum link_type t, int forward, int probe)
{
        char name[HNAME_MAX + 1];
        size_t len, i;
        struct tnode *n;
        int depth = w->nodes[from].depth + 1;
        int dir = forward ? (int)link_type_dir(t) : tw_back(t);

        i = tw_lookup(w, s, name, &len);
        if (len == 0)
                return 0; /* not an identifier: nothing to follow */
        n = i == TW_NONE ? NULL : &w->nodes[i];
        if (n && n->state != TN_REJECTED) {
                if (!probe && n->state == TN_CANDIDATE && n->depth == depth) {
                        n->dirs |= dir;
                        return tw_claim(n, from, t, forward);
                }
                return 0; /* visited */
        }
        if (probe) {
                tw_stop(w, TWALK_DEPTH);
                return 0;
        }
        if (w->live >= w->q.limit) {
                tw_stop(w, TWALK_LIMIT);
                return 0;
        }
        if (n) {
                /* Dropped as stale before; reached again another way. */
                n->state = TN_CANDIDATE;
                n->depth = depth;
                n->confirmed = 0;
                n->nclaims = 0;
                w->live++;
        } else if ((i = tw_new_node(w, name, len, depth)) == TW_NONE) {
                return -1;
        }
        if (tlevel_add(next, i) < 0)
                return -1;
        w->nodes[i].dirs = dir;
        return tw_claim(&w->nodes[i], from, t, forward);
}

/* ------------------------------------------------------- fetching */

/*
 * Where the identifiers of a prefix are served, from its record here:
 * this node's store, the enterprise node of a prefix not hosted here,
 * or nowhere we know of.  (Upstream resolution through the top-level
 * node would turn TW_NOWHERE into a site here.)
 */
static enum tw_route
tw_route(struct tpfx *p, const redisReply *r)
{
        switch (pfx_where_reply(r, p->ent, &p->site)) {
        case PFX_WHERE_HERE:
                return TW_HERE;
        case PFX_WHERE_SITE:
                return TW_SITE;
        default:
                return TW_NOWHERE;
        }
}

/* The prefix entry of a node's identifier; TW_NONE if it has none. */
static size_t
tw_pfx(struct twalk *w, const struct tnode *n, int *nomem)
{
        char prefix[PFX_MAX + 1];
        struct tpfx *p;
        size_t i, cap;

        if (pfx_normalise(n->name, hname_prefix_len(n->name, n->len), prefix) <
            0)
                return TW_NONE;
        for (i = 0; i < w->npfx; i++)
                if (strcmp(w->pfx[i].prefix, prefix) == 0)
                        return i;
        if (w->npfx == w->cappfx) {
                cap = w->cappfx ? 2 * w->cappfx : 8;
                p = realloc(w->pfx, cap * sizeof(*p));
                if (!p) {
                        *nomem = 1;
                        return TW_NONE;
                }
                w->pfx = p;
                w->cappfx = cap;
        }
        p = &w->pfx[w->npfx];
        memset(p, 0, sizeof(*p));
        memcpy(p->prefix, prefix, sizeof(prefix));
        p->pending = 1;
        return w->npfx++;
}

/* Writes a RESP header ('*' or '$' and a length); its length. */
static size_t
tw_resp_len(char *out, char kind, size_t len)
{
        char d[20];
        size_t i = sizeof(d), n;

        do
                d[--i] = (char)('0' + len % 10);
        while ((len /= 10) != 0);
        n = sizeof(d) - i;
        out[0] = kind;
        memcpy(out + 1, d + i, n);
        memcpy(out + 1 + n, "\r\n", 2);
        return n + 3;
}

/* Writes one RESP bulk string (len <= KEYS_MAX); its length. */
static size_t
tw_bulk(char *out, const char *s, size_t len)
{
        size_t n = tw_resp_len(out, '$', len);

        memcpy(out + n, s, len);
        memcpy(out + n + len, "\r\n", 2);
        return n + len + 2;
}

/*
 * Queues a command on a key and an optional field (a USCC), written as
 * RESP here: a level queues thousands, and hiredis's own formatting
 * allocates for each.  0, or -1 if the key did not fit (no command).
 */
static int
tw_append(redisContext *rc, const char *cmd, const char *key, size_t klen,
          const char *field)
{
        char buf[KEYS_MAX + 128];
        size_t n;

        if (klen == 0 || klen > KEYS_MAX || (field && strlen(field) > 32))
                return -1;
        n = tw_resp_len(buf, '*', field ? 3 : 2);
        n += tw_bulk(buf + n, cmd, strlen(cmd));
        n += tw_bulk(buf + n, key, klen);
        if (field)
                n += tw_bulk(buf + n, field, strlen(field));
        return redisAppendFormattedCommand(rc, buf, n) == REDIS_OK ? 0 : -1;
}

/*
 * Queues the level's reads: new prefixes, then per node.  0, or -1 with
 * what was queued before the failure in *queued.
 */
static int
tw_queue(struct twalk *w, redisContext *rc, const struct tlevel *lv,
         size_t *queued)
{
        const char *ent = api_who(w->c)->ent;
        char key[KEYS_MAX];
        struct tnode *n;
        size_t i;

        for (i = 0; i < w->npfx; i++) {
                if (!w->pfx[i].pending)
                        continue;
                if (pfx_where_append(rc, w->pfx[i].prefix) < 0)
                        return -1;
                ++*queued;
                if (w->grants &&
                    tw_append(rc, "HGET", key,
                              keys_grants(key, sizeof(key), w->pfx[i].prefix,
                                          strlen(w->pfx[i].prefix)),
                              ent) < 0)
                        return -1;
                *queued += w->grants;
        }
        for (i = 0; i < lv->n; i++) {
                n = &w->nodes[lv->v[i]];
                n->rights = 0;
                /* The owner's rights need no grant. */
                n->grant_asked =
                    w->grants &&
                    !(n->pfx != TW_NONE && !w->pfx[n->pfx].pending &&
                      strcmp(w->pfx[n->pfx].ent, ent) == 0);
                if (tw_append(rc, "HGETALL", key,
                              keys_handle(key, sizeof(key), n->name, n->len),
                              NULL) < 0)
                        return -1;
                ++*queued;
                if (tw_append(rc, "SMEMBERS", key,
                              keys_links(key, sizeof(key), n->name, n->len),
                              NULL) < 0)
                        return -1;
                ++*queued;
                if (n->grant_asked &&
                    tw_append(rc, "HGET", key,
                              keys_grants(key, sizeof(key), n->name, n->len),
                              ent) < 0)
                        return -1;
                *queued += n->grant_asked;
        }
        return 0;
}

/* The caller's rights from a grant reply. */
static int
tw_grant(const redisReply *r)
{
        return r->type == REDIS_REPLY_STRING
                   ? grant_parse_scopes(r->str, r->len)
                   : 0;
}

/*
 * Reads the replies of tw_queue, all of them (the connection serves the
 * next call).  0, or -1 (the call is answered).
 */
static int
tw_read(struct twalk *w, const struct tlevel *lv)
{
        redisReply *r;
        struct tnode *n;
        struct tpfx *p;
        size_t i;
        int nomem, failed = 0;

        for (i = 0; i < w->npfx; i++) {
                p = &w->pfx[i];
                if (!p->pending)
                        continue;
                if (!(r = api_reply(w->c)))
                        return -1;
                p->route = tw_route(p, r);
                freeReplyObject(r);
                if (w->grants) {
                        if (!(r = api_reply(w->c)))
                                return -1;
                        p->grant = tw_grant(r);
                        freeReplyObject(r);
                }
        }
        for (i = 0; i < lv->n; i++) {
                n = &w->nodes[lv->v[i]];
                if (!(r = api_reply(w->c)))
                        return -1;
                /*
                 * Copied and freed at once: the next replies reuse the
                 * memory, where freeing thousands at the end cost a
                 * fifth of a trace.
                 */
                n->rec = link_record(r, n->lc, sizeof(n->lc), &nomem);
                freeReplyObject(r);
                failed |= nomem;
                if (!(n->rev = api_reply(w->c)))
                        return -1;
                if (n->grant_asked) {
                        if (!(r = api_reply(w->c)))
                                return -1;
                        n->rights = tw_grant(r);
                        freeReplyObject(r);
                }
        }
        if (failed)
                api_fail(w->c, 500, -4, "out of memory");
        return failed ? -1 : 0;
}

/* A node's status from its record and prefix; queues foreign ones. */
static void
tw_place(struct twalk *w, struct tnode *n, struct hclient **hc)
{
        const struct tpfx *p = n->pfx == TW_NONE ? NULL : &w->pfx[n->pfx];
        const struct api_who *who = api_who(w->c);

        n->state = TN_FETCHED;
        n->hq = -1;
        n->node[0] = '\0';
        /* The rule of every plane (grant_decide): resolution agrees. */
        n->rights =
            grant_decide(grant_caller(who->role, who->ent), p ? p->ent : "",
                         n->rights | (p ? p->grant : 0));
        if (n->rec) {
                n->status = TWALK_OK;
                snprintf(n->node, sizeof(n->node), "local");
        } else if (p && p->route == TW_SITE) {
                n->status = TWALK_UNREACHABLE;
                if (!*hc)
                        *hc = hclient_new();
                n->hq = *hc ? hclient_add(*hc, n->name, n->len, &p->site) : -1;
        } else if (p && p->route == TW_HERE) {
                n->status = TWALK_NOT_FOUND;
                snprintf(n->node, sizeof(n->node), "local");
        } else {
                n->status = TWALK_UNKNOWN;
        }
}

/* Takes the answers of other nodes for the level. */
static void
tw_foreign(struct twalk *w, const struct tlevel *lv, struct hclient *hc)
{
        const struct config *cfg = api_config(w->c);
        uint64_t until = clock_ms() + (uint64_t)cfg->request_timeout_ms;
        const char *addr;
        struct tnode *n;
        uint32_t rc;
        size_t i;

        hclient_run(hc, until < w->q.deadline_ms ? until : w->q.deadline_ms);
        for (i = 0; i < lv->n; i++) {
                n = &w->nodes[lv->v[i]];
                if (n->hq < 0)
                        continue;
                if (hclient_result(hc, (size_t)n->hq, &rc, &addr) ==
                    HCLIENT_NO_ANSWER)
                        n->status = TWALK_UNREACHABLE;
                else if (rc == RC_SUCCESS || rc == RC_VALUES_NOT_FOUND)
                        n->status = TWALK_OK;
                else if (rc == RC_HANDLE_NOT_FOUND)
                        n->status = TWALK_NOT_FOUND;
                else if (rc == RC_SERVICE_REFERRAL || rc == RC_PREFIX_REFERRAL)
                        n->status = TWALK_UNKNOWN; /* it sends us on */
                else
                        n->status = TWALK_UNREACHABLE;
                if (n->status == TWALK_OK)
                        n->rec = hclient_take(hc, (size_t)n->hq);
                snprintf(n->node, sizeof(n->node), "%s", addr);
        }
}

/*
 * Fetches a level: one pipeline for what this node holds, then one
 * batch of questions to other nodes.  0, or -1 (answered).
 */
static int
tw_fetch(struct twalk *w, const struct tlevel *lv)
{
        redisContext *rc = api_redis(w->c);
        struct hclient *hc = NULL;
        size_t i, queued = 0;
        redisReply *r;
        int nomem = 0;

        if (!rc)
                return -1;
        for (i = 0; i < lv->n; i++)
                w->nodes[lv->v[i]].pfx = tw_pfx(w, &w->nodes[lv->v[i]], &nomem);
        if (nomem || tw_queue(w, rc, lv, &queued) < 0) {
                /* What went out is answered: read it off the connection. */
                for (i = 0; i < queued && (r = api_reply(w->c)); i++)
                        freeReplyObject(r);
                api_fail(w->c, 500, -4, "out of memory");
                return -1;
        }
        if (tw_read(w, lv) < 0)
                return -1;
        for (i = 0; i < w->npfx; i++)
                w->pfx[i].pending = 0;
        for (i = 0; i < lv->n; i++)
                tw_place(w, &w->nodes[lv->v[i]], &hc);
        if (hc)
                tw_foreign(w, lv, hc);
        hclient_free(hc);
        return 0;
}

/* Drops candidates named only by reverse entries their source lacks. */
static void
tw_verify(struct twalk *w, const struct tlevel *lv)
{
        const struct tnode *from;
        struct tnode *n;
        size_t i, k;

        for (i = 0; i < lv->n; i++) {
                n = &w->nodes[lv->v[i]];
                for (k = 0; !n->confirmed && k < n->nclaims; k++) {
                        from = &w->nodes[n->claims[k].from];
                        n->confirmed = link_has(n->rec, n->claims[k].t,
                                                from->name, from->len);
                }
                if (!n->confirmed)
                        tw_reject(w, n);
        }
}

/* The direction in which a link's source lies, seen from its target. */
static int
tw_back(enum link_type t)
{
        return link_type_dir(t) == LINK_UP ? LINK_DOWN : LINK_UP;
}

/*
 * The next level: what the level's links reach (or, `probe`, whether
 * they reach anything not visited).  0, or -1 on no memory.
 */
static int
tw_expand(struct twalk *w, const struct tlevel *lv, struct tlevel *next,
          int probe)
{
        const struct hrec *rec;
        redisReply *rev;
        enum link_type t;
        struct span s;
        size_t i, k;
        uint32_t v;

        /* tw_reach may move w->nodes: hold what the node points at. */
        for (i = 0; i < lv->n; i++) {
                if (w->nodes[lv->v[i]].state == TN_REJECTED)
                        continue;
                rec = w->nodes[lv->v[i]].rec;
                rev = w->nodes[lv->v[i]].rev;
                w->nodes[lv->v[i]].rev = NULL;
                for (v = 0; rec && v < rec->n; v++)
                        if (link_value(&rec->v[v], &t, &s) &&
                            (w->q.types & (1u << t)) &&
                            (w->nodes[lv->v[i]].dirs & (int)link_type_dir(t)) &&
                            tw_reach(w, next, s, lv->v[i], t, 1, probe) < 0)
                                goto nomem;
                for (k = 0;
                     rev && rev->type == REDIS_REPLY_ARRAY && k < rev->elements;
                     k++) {
                        const redisReply *e = rev->element[k];

                        if (e->type == REDIS_REPLY_STRING &&
                            link_entry_parse(e->str, e->len, &t, &s) == 0 &&
                            (w->q.types & (1u << t)) &&
                            (w->nodes[lv->v[i]].dirs & tw_back(t)) &&
                            tw_reach(w, next, s, lv->v[i], t, 0, probe) < 0)
                                goto nomem;
                }
                /* The next level needs the node's values, not its set. */
                freeReplyObject(rev);
        }
        return 0;
nomem:
        freeReplyObject(rev);
        return -1;
}

/* The answer's order: by depth, then as found. */
static int
tw_order(struct twalk *w)
{
        size_t i, k = 0;
        int d;

        w->order = calloc(w->live + 1, sizeof(*w->order));
        w->pos = calloc(w->n + 1, sizeof(*w->pos));
        if (!w->order || !w->pos)
                return -1;
        for (d = 0; d <= w->q.depth; d++)
                for (i = 0; i < w->n; i++)
                        if (w->nodes[i].state == TN_FETCHED &&
                            w->nodes[i].depth == d) {
                                w->pos[i] = k;
                                w->order[k++] = i;
                        }
        w->norder = k;
        return 0;
}

static struct twalk *
tw_new(struct api_call *c, const struct twalk_query *q)
{
        const struct api_who *who = api_who(c);
        struct twalk *w = calloc(1, sizeof(*w));

        if (!w)
                return NULL;
        w->c = c;
        w->q = *q;
        w->max_name = (size_t)api_config(c)->max_handle_bytes;
        w->grants = who->ent[0] && (who->role == USERS_ENTERPRISE ||
                                    who->role == USERS_PLATFORM);
        /* A table for the usual walk, so it is not rebuilt on the way. */
        while (w->tcap < 2 * q->limit && w->tcap < TW_TABLE_START)
                w->tcap = w->tcap ? 2 * w->tcap : 64;
        if (!(w->table = calloc(w->tcap, sizeof(*w->table)))) {
                free(w);
                return NULL;
        }
        return w;
}

struct twalk *
twalk_run(struct api_call *c, const char *root, size_t len,
          const struct twalk_query *q)
{
        struct tlevel lv = {0}, next = {0}, tmp;
        struct twalk *w = tw_new(c, q);
        size_t i;
        int d;

        if (!w || tw_new_node(w, root, len, 0) == TW_NONE ||
            tlevel_add(&lv, 0) < 0)
                goto nomem;
        w->nodes[0].confirmed = 1;
        w->nodes[0].dirs = q->dirs;
        for (d = 0; lv.n > 0; d++) {
                if (d > 0 && clock_ms() >= q->deadline_ms) {
                        tw_stop(w, TWALK_DEADLINE);
                        for (i = 0; i < lv.n; i++)
                                tw_reject(w, &w->nodes[lv.v[i]]);
                        break;
                }
                if (tw_fetch(w, &lv) < 0)
                        goto fail;
                tw_verify(w, &lv);
                next.n = 0;
                if (tw_expand(w, &lv, &next, d == q->depth) < 0)
                        goto nomem;
                tmp = lv;
                lv = next;
                next = tmp;
        }
        if (tw_order(w) < 0)
                goto nomem;
        free(lv.v);
        free(next.v);
        return w;
nomem:
        api_fail(c, 500, -4, "out of memory");
fail:
        free(lv.v);
        free(next.v);
        twalk_free(w);
        return NULL;
}

void
twalk_free(struct twalk *w)
{
        size_t i;

        if (!w)
                return;
        for (i = 0; i < w->n; i++) {
                free(w->nodes[i].name);
                free(w->nodes[i].claims);
                hrec_free(w->nodes[i].rec);
                freeReplyObject(w->nodes[i].rev);
        }
        free(w->nodes);
        free(w->table);
        free(w->pfx);
        free(w->order);
        free(w->pos);
        free(w);
}

enum twalk_stop
twalk_stopped(const struct twalk *w)
{
        return w->stop;
}

size_t
twalk_count(const struct twalk *w)
{
        return w->norder;
}

void
twalk_node(const struct twalk *w, size_t i, struct twalk_node *out)
{
        const struct tnode *n = &w->nodes[w->order[i]];
        const struct tpfx *p = n->pfx == TW_NONE ? NULL : &w->pfx[n->pfx];

        out->handle = n->name;
        out->len = n->len;
        out->depth = n->depth;
        out->status = n->status;
        out->node = n->node[0] ? n->node : NULL;
        out->owner = p && p->ent[0] ? p->ent : NULL;
        out->lc = n->lc;
        out->rights = n->rights;
        out->rec = n->rec;
}

void
twalk_edges(const struct twalk *w, twalk_edge_fn fn, void *ctx)
{
        char name[HNAME_MAX + 1];
        const struct hrec *rec;
        enum link_type t, t2;
        struct span s, s2;
        size_t i, to, len;
        uint32_t v, u;

        for (i = 0; i < w->norder; i++) {
                rec = w->nodes[w->order[i]].rec;
                for (v = 0; rec && v < rec->n; v++) {
                        if (!link_value(&rec->v[v], &t, &s) ||
                            !(w->q.types & (1u << t)) ||
                            (to = tw_lookup(w, s, name, &len)) == TW_NONE ||
                            w->nodes[to].state != TN_FETCHED)
                                continue;
                        /* The same link twice (another node's record). */
                        for (u = 0; u < v; u++)
                                if (link_value(&rec->v[u], &t2, &s2) &&
                                    t2 == t && s2.len == s.len &&
                                    memcmp(s2.p, s.p, s.len) == 0)
                                        break;
                        if (u == v)
                                fn(ctx, i, w->pos[to], t);
                }
        }
}
