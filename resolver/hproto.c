#include "resolver/hproto.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certs/nodekey.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/hname.h"
#include "core/hval.h"
#include "core/log.h"
#include "core/wire.h"
#include "resolver/guard.h"
#include "resolver/hauth.h"
#include "resolver/homing.h"
#include "resolver/rworker.h"
#include "resolver/tcp.h"
#include "resolver/udp.h"
#include "resolver/upstream.h"

/* Responses expire 12 hours after they are made, as CNRI's do. */
#define HPROTO_EXPIRY_S (12 * 3600)

/*
 * A request waiting for Redis.  It owns a copy of the message; the
 * decoded structs point into that copy.
 */
struct hreq {
        struct lookup lk; /* first: lookup callbacks cast back */
        struct hsrc src;
        struct hreq *next, *prev; /* on the TCP connection's list */
        struct wire_env env;
        struct wire_msg msg;
        struct wire_resolve res;
        int upstreamed; /* sent upstream once: a referral is final now */
        size_t len;
        uint8_t buf[];
};

/* Everything a handler needs about the request being answered. */
struct hctx {
        struct rworker *rw;
        const struct hsrc *src;
        const struct wire_env *env;
        const struct wire_msg *msg;
        uint32_t rc; /* of the answer being built */
        /* A resolution's normalised handle, for the usage statistics. */
        const char *name;
        size_t namelen;
};

typedef void (*hproto_handler)(struct hctx *c);

static void hproto_resolution(struct hctx *c);
static void hproto_siteinfo(struct hctx *c);
static void hproto_identified(struct hctx *c);
static void hproto_challenge_answer(struct hctx *c);
static void hproto_verify(struct hctx *c);
static void hproto_homing(struct hctx *c);

static const struct {
        uint32_t opcode;
        hproto_handler fn;
} handlers[] = {
    {OC_RESOLUTION, hproto_resolution},
    {OC_GET_SITEINFO, hproto_siteinfo},
    {OC_CREATE_HANDLE, hproto_identified},
    {OC_DELETE_HANDLE, hproto_identified},
    {OC_ADD_VALUE, hproto_identified},
    {OC_REMOVE_VALUE, hproto_identified},
    {OC_MODIFY_VALUE, hproto_identified},
    {OC_LIST_HANDLES, hproto_identified},
    {OC_LOGIN_ID_SYSTEM, hproto_identified},
    {OC_CHALLENGE_RESPONSE, hproto_challenge_answer},
    {OC_VERIFY_RESPONSE, hproto_verify},
    {OC_HOME_NA, hproto_homing},
    {OC_UNHOME_NA, hproto_homing},
    {OC_LIST_HOMED_NAS, hproto_homing},
};

static void hproto_error(struct hctx *c, uint32_t rc, const char *msg);

/* One sampled access-log line (access_log_sample). */
static void
hproto_access_log(const struct hctx *c)
{
        char peer[INET6_ADDRSTRLEN] = "-", name[160] = "";
        const struct sockaddr_storage *a = &c->src->addr;
        struct wire_resolve res;

        if (a->ss_family == AF_INET)
                inet_ntop(AF_INET, &((const struct sockaddr_in *)a)->sin_addr,
                          peer, sizeof(peer));
        else if (a->ss_family == AF_INET6)
                inet_ntop(AF_INET6,
                          &((const struct sockaddr_in6 *)a)->sin6_addr, peer,
                          sizeof(peer));
        if (c->msg && c->msg->h.opcode == OC_RESOLUTION &&
            wire_resolve_decode(&c->msg->body, &res) == 0)
                log_text(name, sizeof(name), res.handle.p, res.handle.len);
        log_info("access",
                 "plane=%s peer=%s opcode=%u rc=%s us=%llu handle=\"%s\"",
                 c->src->kind == HSRC_UDP ? "udp" : "tcp", peer,
                 c->msg ? (unsigned)c->msg->h.opcode : 0u, wire_rc_name(c->rc),
                 (unsigned long long)(clock_us() - c->src->received_us), name);
}

static int
hproto_sign(void *arg, const struct span *parts, int n, uint8_t *sig,
            size_t cap, size_t *len)
{
        return nodekey_sign(arg, parts, n, sig, cap, len);
}

/*
 * Sends the response built in rw->out, signed with the node key when
 * the request asked for it (CT) and the node has one.  One that cannot
 * be sent (over the maximum message size, or too many UDP fragments) is
 * replaced by an error saying so: a request is never left without an
 * answer.
 */
static void
hproto_emit(struct hctx *c)
{
        struct rworker *rw = c->rw;

        /* Before the size check: the credential makes it longer. */
        if (c->msg && (c->msg->h.opflags & OPF_CT) && rw->node_key &&
            wbuf_ok(&rw->out) &&
            wire_reply_sign(&rw->out, 0, hproto_sign, rw->node_key) < 0)
                log_warn("sign_failed", "opcode=%u", c->msg->h.opcode);
        if (!wbuf_ok(&rw->out)) {
                log_warn("response_too_large", "bytes=%zu", rw->out.len);
                hproto_error(c, RC_ERROR,
                             "answer exceeds the maximum message size: "
                             "select fewer values by index or type");
                return;
        }
        if (c->src->kind == HSRC_UDP) {
                if (guard_udp_oversize(rw, c->src,
                                       WIRE_ENV_LEN + c->env->msg_len,
                                       rw->out.len)) {
                        hproto_error(c, RC_SERVER_BUSY,
                                     "answer too large for UDP to an "
                                     "unproven address: use TCP");
                        return;
                }
                if (udp_send(rw, &c->src->addr, c->src->addrlen, rw->out.p,
                             rw->out.len) < 0) {
                        hproto_error(c, RC_ERROR,
                                     "answer too large for UDP: use TCP");
                        return;
                }
        } else if (c->src->conn) {
                tcp_send(c->src->conn, rw->out.p, rw->out.len);
        }
        rworker_count_answer(rw, c->src->kind, c->msg ? c->msg->h.opcode : 0,
                             c->rc, clock_us() - c->src->received_us);
        if (rw->cfg->access_log_sample &&
            ++rw->access_seq % (uint64_t)rw->cfg->access_log_sample == 0)
                hproto_access_log(c);
        if (c->name)
                rworker_count_resolution(
                    rw, c->name, c->namelen, c->rc,
                    (const struct sockaddr *)(const void *)&c->src->addr);
}

static void
hproto_reply_init(struct hctx *c, struct wire_reply *r, uint32_t rc)
{
        c->rc = rc;
        wire_reply_init(r, c->env, c->msg, rc,
                        (uint16_t)c->rw->cfg->site_serial,
                        clock_unix() + HPROTO_EXPIRY_S);
}

static void
hproto_error(struct hctx *c, uint32_t rc, const char *msg)
{
        struct wire_reply r;

        if (rc == RC_SERVER_BUSY)
                c->rw->st.busy++;
        else if (rc == RC_PROTOCOL_ERROR)
                c->rw->st.protocol_errors++;
        hproto_reply_init(c, &r, rc);
        wbuf_reset(&c->rw->out);
        wire_error(&c->rw->out, &r, msg);
        hproto_emit(c);
}

/* Values an anonymous client may see and the request selected. */
static uint32_t
hproto_select(const struct hrec *rec, const struct hfilter *f, uint32_t *picked)
{
        uint32_t i, n = 0;

        for (i = 0; i < rec->n; i++)
                if ((rec->v[i].perms & HVAL_PUBLIC_READ) &&
                    hfilter_match(f, &rec->v[i]))
                        picked[n++] = i;
        return n;
}

/*
 * 1 if an identity could see more of the selected values than an
 * anonymous client: some are ADMIN_READ but not PUBLIC_READ.
 */
static int
hproto_restricted(const struct hrec *rec, const struct hfilter *f)
{
        uint32_t i;

        for (i = 0; i < rec->n; i++)
                if ((rec->v[i].perms & (HVAL_PUBLIC_READ | HVAL_ADMIN_READ)) ==
                        HVAL_ADMIN_READ &&
                    hfilter_match(f, &rec->v[i]))
                        return 1;
        return 0;
}

/*
 * SERVICE_REFERRAL (protocol.md §5.2): an empty referral handle, then
 * the values saying where to ask (the enterprise node's HS_SITE), which
 * the request's type and index filters do not select.
 */
static void
hproto_referral(struct hctx *c, const struct hrec *rec, uint32_t rc)
{
        struct wbuf *out = &c->rw->out;
        struct wire_reply r;
        size_t start;
        uint32_t i;

        hproto_reply_init(c, &r, rc);
        wbuf_reset(out);
        start = wire_reply_begin(out, &r);
        wbuf_bytes(out, NULL, 0);
        wbuf_u32(out, rec->n);
        for (i = 0; i < rec->n; i++)
                wbuf_put(out, rec->v[i].wire.p, rec->v[i].wire.len);
        wire_reply_end(out, start);
        hproto_emit(c);
}

static void
hproto_answer(struct hctx *c, const struct wire_resolve *res,
              const struct hrec *rec, uint32_t rc)
{
        uint32_t picked[HVAL_MAX_PER_HANDLE], n, i;
        struct wire_reply r;
        struct hfilter f;
        size_t start;

        switch (rc) {
        case RC_SUCCESS:
                break;
        case RC_SERVICE_REFERRAL:
        case RC_PREFIX_REFERRAL:
                hproto_referral(c, rec, rc);
                return;
        case RC_HANDLE_NOT_FOUND:
                hproto_error(c, rc, "handle not found");
                return;
        case RC_VALUES_NOT_FOUND:
                hproto_error(c, rc, "no values match");
                return;
        case RC_SERVER_BUSY:
                hproto_error(c, rc, "store unavailable, retry later");
                return;
        case RC_SERVER_NOT_RESP:
                hproto_error(c, rc, "the responsible node did not answer");
                return;
        case RC_RECURSION_COUNT_TOO_HIGH:
                hproto_error(c, rc, "recursion limit reached");
                return;
        default:
                hproto_error(c, RC_ERROR, "internal error");
                return;
        }
        if (!rec) {
                hproto_error(c, RC_HANDLE_NOT_FOUND, "handle not found");
                return;
        }
        wire_resolve_filter(res, &f);
        /*
         * Without PO (public only), restricted values are for an identity:
         * over TCP the client is challenged, or runs as its login.  UDP
         * and PO requests get the public values, as always.
         */
        if (c->src->kind == HSRC_TCP && !(c->msg->h.opflags & OPF_PO) &&
            hproto_restricted(rec, &f)) {
                hauth_request(c->rw, c->src, c->env, c->msg);
                return;
        }
        n = hproto_select(rec, &f, picked);
        if (n == 0) {
                hproto_error(c, RC_VALUES_NOT_FOUND, "no values match");
                return;
        }
        hproto_reply_init(c, &r, RC_SUCCESS);
        wbuf_reset(&c->rw->out);
        start = wire_reply_begin(&c->rw->out, &r);
        wbuf_bytes(&c->rw->out, res->handle.p, res->handle.len);
        wbuf_u32(&c->rw->out, n);
        for (i = 0; i < n; i++)
                wbuf_put(&c->rw->out, rec->v[picked[i]].wire.p,
                         rec->v[picked[i]].wire.len);
        wire_reply_end(&c->rw->out, start);
        hproto_emit(c);
}

static void
hreq_link(struct hreq *rq)
{
        struct hreq **head = tcp_pending(rq->src.conn);

        rq->prev = NULL;
        rq->next = *head;
        if (*head)
                (*head)->prev = rq;
        *head = rq;
        tcp_request_started(rq->src.conn);
}

static void
hreq_unlink(struct hreq *rq)
{
        if (rq->src.kind != HSRC_TCP || !rq->src.conn)
                return;
        if (rq->prev)
                rq->prev->next = rq->next;
        else
                *tcp_pending(rq->src.conn) = rq->next;
        if (rq->next)
                rq->next->prev = rq->prev;
        tcp_request_done(rq->src.conn);
}

static void
hproto_fetched(struct lookup *lk, struct hrec *rec, uint32_t rc)
{
        struct hreq *rq = (struct hreq *)lk;
        struct hctx c = {lk->rw, &rq->src, &rq->env,   &rq->msg,
                         0,      lk->name, lk->namelen};
        struct hrec *cached;
        uint32_t crc;

        if (rc == RC_SERVICE_REFERRAL && !rq->upstreamed &&
            (rq->msg.h.opflags & OPF_REC) && lk->rw->cfg->recursion) {
                /* Our own enterprise node's prefix: ask it for the client. */
                rq->upstreamed = 1;
                crc = upstream_cached(lk->rw->up, lk->name, lk->namelen,
                                      lk->hops, &cached);
                if (crc) {
                        rec = cached;
                        rc = crc;
                } else if (upstream_fetch(lk->rw, lk, rec, hproto_fetched) ==
                           0) {
                        return;
                } else {
                        rec = NULL;
                        rc = RC_SERVER_BUSY;
                }
        }
        hproto_answer(&c, &rq->res, rec, rc);
        hreq_unlink(rq);
        free(rq);
}

/* A cache miss: copy the request so it can be answered later. */
static void
hproto_defer(struct hctx *c, const char *name, size_t namelen, int refer,
             int from_prefix, int up, const struct hrec *site)
{
        size_t len = c->msg->hdr_body.len;
        struct hreq *rq = malloc(sizeof(*rq) + len);

        if (!rq) {
                hproto_error(c, RC_SERVER_BUSY, "out of memory");
                return;
        }
        memset(rq, 0, sizeof(*rq));
        rq->src = *c->src;
        rq->env = *c->env;
        rq->len = len;
        memcpy(rq->buf, c->msg->hdr_body.p, len);
        if (wire_msg_decode(rq->buf, len, &rq->msg) < 0 ||
            wire_resolve_decode(&rq->msg.body, &rq->res) < 0) {
                free(rq); /* cannot happen: these bytes decoded once */
                hproto_error(c, RC_ERROR, "internal error");
                return;
        }
        lookup_init(&rq->lk, name, namelen, refer, from_prefix);
        rq->lk.hops = c->msg->h.recursion;
        rq->upstreamed = up;
        if ((up ? upstream_fetch(c->rw, &rq->lk, site, hproto_fetched)
                : lookup_fetch(c->rw, &rq->lk, hproto_fetched)) < 0) {
                free(rq);
                hproto_error(c, RC_SERVER_BUSY, "store unavailable");
                return;
        }
        if (rq->src.kind == HSRC_TCP)
                hreq_link(rq);
}

/*
 * A handle whose prefix is not homed here: resolved upstream if the
 * client asked for recursion, else a referral to where to ask next.
 */
static void
hproto_foreign(struct hctx *c, const struct wire_resolve *res, const char *name,
               size_t namelen, int refer)
{
        struct hrec *rec;
        uint32_t rc;

        if ((c->msg->h.opflags & OPF_REC) && c->rw->cfg->recursion) {
                rc = upstream_cached(c->rw->up, name, namelen,
                                     c->msg->h.recursion, &rec);
                if (rc)
                        hproto_answer(c, res, rec, rc);
                else
                        hproto_defer(c, name, namelen, refer, 0, 1, NULL);
                return;
        }
        rc = refer ? upstream_referral(c->rw->up, name, namelen, &rec)
                   : RC_HANDLE_NOT_FOUND;
        hproto_answer(c, res, rec, rc);
}

static void
hproto_resolution(struct hctx *c)
{
        struct wire_resolve res;
        char name[HNAME_MAX + 1];
        size_t namelen = 0;
        struct hrec *rec, *site;
        const char *why;
        int refer = !(c->msg->h.opflags & OPF_DNRF), from_prefix;
        int recurse = (c->msg->h.opflags & OPF_REC) != 0;
        uint32_t rc;

        if (wire_resolve_decode(&c->msg->body, &res) < 0) {
                hproto_error(c, RC_PROTOCOL_ERROR,
                             "malformed resolution request");
                return;
        }
        switch (hname_check(res.handle.p, res.handle.len,
                            (size_t)c->rw->cfg->max_handle_bytes, name,
                            sizeof(name), &namelen, &why)) {
        case HNAME_INVALID:
                hproto_error(c, RC_INVALID_HANDLE, why);
                return;
        case HNAME_NO_SLASH:
                /* Prefix handles and IDIS keep-alives ("0"): not here. */
                hproto_error(c, RC_HANDLE_NOT_FOUND, "handle not found");
                return;
        case HNAME_OK:
                break;
        }
        c->name = name;
        c->namelen = namelen;
        if (upstream_foreign(c->rw->up, name, namelen)) {
                hproto_foreign(c, &res, name, namelen, refer);
                return;
        }
        rc = lookup_cached(c->rw, name, namelen, refer, &rec, &from_prefix);
        if (rc == RC_SERVICE_REFERRAL && recurse && c->rw->cfg->recursion) {
                /* A prefix of ours served by an enterprise node. */
                rc = upstream_cached(c->rw->up, name, namelen,
                                     c->msg->h.recursion, &site);
                if (rc == 0) {
                        hproto_defer(c, name, namelen, refer, 0, 1, rec);
                        return;
                }
                rec = site;
        }
        if (rc != 0)
                hproto_answer(c, &res, rec, rc);
        else
                hproto_defer(c, name, namelen, refer, from_prefix, 0, NULL);
}

static void
hproto_siteinfo(struct hctx *c)
{
        struct wire_reply r;
        size_t start;

        hproto_reply_init(c, &r, RC_SUCCESS);
        wbuf_reset(&c->rw->out);
        start = wire_reply_begin(&c->rw->out, &r);
        /* The body is exactly one site record: IDIS clients insist. */
        wbuf_put(&c->rw->out, c->rw->site, c->rw->site_len);
        wire_reply_end(&c->rw->out, start);
        hproto_emit(c);
}

/* Admin ops and logins: over TCP only, with an identity. */
static void
hproto_identified(struct hctx *c)
{
        if (c->src->kind == HSRC_UDP) {
                hproto_error(c, RC_OPERATION_NOT_SUPPORTED,
                             "administration and login need TCP");
                return;
        }
        hauth_request(c->rw, c->src, c->env, c->msg);
}

static void
hproto_challenge_answer(struct hctx *c)
{
        if (c->src->kind == HSRC_UDP) {
                hproto_error(c, RC_OPERATION_NOT_SUPPORTED,
                             "authentication needs TCP");
                return;
        }
        hauth_answer(c->rw, c->src, c->env, c->msg);
}

static void
hproto_verify(struct hctx *c)
{
        if (c->src->kind == HSRC_UDP) {
                hproto_error(c, RC_OPERATION_NOT_SUPPORTED,
                             "verification needs TCP");
                return;
        }
        hauth_verify(c->rw, c->src, c->env, c->msg);
}

/* OC_HOME_NA, OC_UNHOME_NA, OC_LIST_HOMED_NAS (resolver/homing). */
static void
hproto_homing(struct hctx *c)
{
        struct wire_reply r;
        struct span handle;
        const char *why = NULL;
        size_t start;
        uint32_t rc = homing_authorize(c->rw, c->src);

        if (rc) {
                hproto_error(c, rc,
                             "prefix homing needs an authorized administrator");
                return;
        }
        if (c->msg->h.opcode != OC_LIST_HOMED_NAS) {
                if (wire_handle_decode(&c->msg->body, &handle) < 0) {
                        hproto_error(c, RC_PROTOCOL_ERROR, "malformed request");
                        return;
                }
                rc = homing_change(c->rw, c->msg->h.opcode, handle, &why);
                if (rc != RC_SUCCESS) {
                        hproto_error(c, rc, why);
                        return;
                }
        }
        hproto_reply_init(c, &r, RC_SUCCESS);
        wbuf_reset(&c->rw->out);
        start = wire_reply_begin(&c->rw->out, &r);
        if (c->msg->h.opcode == OC_LIST_HOMED_NAS)
                homing_list(c->rw, &c->rw->out);
        wire_reply_end(&c->rw->out, start);
        hproto_emit(c);
}

void
hproto_input(struct rworker *rw, const struct hsrc *src, const uint8_t *buf,
             size_t len)
{
        struct wire_env env = {0};
        struct wire_msg msg;
        struct hctx c = {rw, src, &env, NULL, 0, NULL, 0};
        uint64_t retry_ms;
        char why[80];
        size_t i;
        int limited;

        if ((limited = guard_request(rw, src, &retry_ms)) != 0) {
                if (limited > 0 && len >= WIRE_ENV_LEN) {
                        wire_env_decode(buf, &env);
                        snprintf(why, sizeof(why),
                                 "rate limit exceeded: retry in %llu ms",
                                 (unsigned long long)retry_ms);
                        hproto_error(&c, RC_SERVER_BUSY, why);
                }
                return;
        }
        if (len < WIRE_ENV_LEN) {
                hproto_error(&c, RC_PROTOCOL_ERROR, "message too short");
                return;
        }
        wire_env_decode(buf, &env);
        if (env.major != WIRE_MAJOR) {
                hproto_error(&c, RC_PROTOCOL_ERROR,
                             "unsupported protocol version");
                return;
        }
        if (env.flags & (WIRE_ENV_CP | WIRE_ENV_EC)) {
                hproto_error(&c, RC_OPERATION_NOT_SUPPORTED,
                             "compressed or encrypted messages need a "
                             "session");
                return;
        }
        if ((env.flags & WIRE_ENV_TC) || env.msg_len != len - WIRE_ENV_LEN) {
                hproto_error(&c, RC_PROTOCOL_ERROR,
                             src->kind == HSRC_UDP
                                 ? "fragmented or short request: use TCP"
                                 : "message length mismatch");
                return;
        }
        if (wire_msg_decode(buf + WIRE_ENV_LEN, len - WIRE_ENV_LEN, &msg) < 0) {
                hproto_error(&c, RC_PROTOCOL_ERROR, "malformed header");
                return;
        }
        c.msg = &msg;
        if (msg.h.rcode != 0) {
                /* A response sent to a server: answering could loop. */
                rw->st.dropped_responses++;
                return;
        }
        for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
                if (handlers[i].opcode == msg.h.opcode) {
                        handlers[i].fn(&c);
                        return;
                }
        }
        hproto_error(&c, RC_OPERATION_NOT_SUPPORTED, "operation not supported");
}

void
hproto_detach(struct hreq *list)
{
        for (; list; list = list->next)
                list->src.conn = NULL;
}
