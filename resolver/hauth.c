#include "resolver/hauth.h"

#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/hmsg.h"
#include "core/log.h"
#include "core/wire.h"
#include "registry/api.h"
#include "registry/hadmin.h"
#include "resolver/hproto.h"
#include "resolver/rworker.h"
#include "resolver/tcp.h"

/* Responses expire 12 hours after they are made, as CNRI's do. */
#define HAUTH_EXPIRY_S (12 * 3600)
/* LIST_HANDLES answers this many handles per message (CNRI's batch). */
#define HAUTH_LIST_BATCH 50

/* A challenge waiting for its answer: the request it guards. */
struct hauth_pending {
        uint32_t session_id;
        uint64_t expires_ms;
        uint8_t signed_data[HKEY_NONCE_LEN + 64]; /* nonce || digest */
        size_t signed_len;
        uint8_t *req; /* header + body as sent (owned) */
        size_t len;
};

/* An identity logged in on the connection (2001). */
struct hauth_login {
        uint32_t session_id;
        uint32_t index;
        size_t idlen;
        char *id;
};

/* A request running on a registry thread. */
struct hauth_call {
        struct hadmin_job job;
        struct rworker *rw;
        struct hsrc src;                /* src.conn NULL once closed */
        struct hauth_call *next, *prev; /* the connection's calls */
        struct wire_env env;            /* of the message answered */
        struct wire_msg orig;           /* the request run (into req) */
        uint8_t *req, *ans;             /* owned copies */
        size_t reqlen;
};

struct hauth_conn {
        struct hauth_pending pend[HAUTH_MAX_PENDING_CONN];
        size_t npend;
        struct hauth_login login[HAUTH_MAX_LOGINS_CONN];
        size_t nlogin;
        struct hauth_call *calls;
};

/* ------------------------------------------------------------ replies */

static void
hauth_send(struct rworker *rw, const struct hsrc *src, uint32_t opcode,
           uint32_t rc)
{
        if (!wbuf_ok(&rw->out) || !src->conn)
                return;
        tcp_send(src->conn, rw->out.p, rw->out.len);
        rworker_count_answer(rw, HSRC_TCP, opcode, rc,
                             clock_us() - src->received_us);
}

static void
hauth_reply_init(struct rworker *rw, struct wire_reply *r,
                 const struct wire_env *env, const struct wire_msg *msg,
                 uint32_t rc)
{
        wire_reply_init(r, env, msg, rc, (uint16_t)rw->cfg->site_serial,
                        clock_unix() + HAUTH_EXPIRY_S);
}

static void
hauth_error(struct rworker *rw, const struct hsrc *src,
            const struct wire_env *env, const struct wire_msg *msg, uint32_t rc,
            const char *text)
{
        struct wire_reply r;

        hauth_reply_init(rw, &r, env, msg, rc);
        wbuf_reset(&rw->out);
        wire_error(&rw->out, &r, text);
        hauth_send(rw, src, msg->h.opcode, rc);
}

/* ------------------------------------------------- connection state */

static struct hauth_conn *
hauth_conn(const struct hsrc *src, int create)
{
        struct hauth_conn **a;

        if (src->kind != HSRC_TCP || !src->conn)
                return NULL;
        a = tcp_auth(src->conn);
        if (!*a && create)
                *a = calloc(1, sizeof(**a));
        return *a;
}

static void
hauth_drop_pending(struct rworker *rw, struct hauth_conn *a, size_t i)
{
        rw->auth_pending--;
        rw->auth_bytes -= a->pend[i].len;
        free(a->pend[i].req);
        OPENSSL_cleanse(&a->pend[i], sizeof(a->pend[i]));
        a->pend[i] = a->pend[--a->npend];
}

static void
hauth_expire(struct rworker *rw, struct hauth_conn *a, uint64_t now)
{
        size_t i = 0;

        while (i < a->npend) {
                if (a->pend[i].expires_ms <= now)
                        hauth_drop_pending(rw, a, i);
                else
                        i++;
        }
}

static struct hauth_login *
hauth_find_login(const struct hauth_conn *a, uint32_t session_id)
{
        size_t i;

        for (i = 0; a && session_id != 0 && i < a->nlogin; i++)
                if (a->login[i].session_id == session_id)
                        return (struct hauth_login *)&a->login[i];
        return NULL;
}

int
hauth_logged_in(const struct hsrc *src, uint32_t session_id)
{
        return hauth_find_login(hauth_conn(src, 0), session_id) != NULL;
}

/* Records a login; the oldest goes when the connection has too many. */
static void
hauth_add_login(struct hauth_conn *a, uint32_t session_id, const char *id,
                size_t idlen, uint32_t index)
{
        struct hauth_login *l = hauth_find_login(a, session_id);
        char *copy = malloc(idlen + 1);

        if (!copy)
                return;
        memcpy(copy, id, idlen);
        copy[idlen] = '\0';
        if (!l && a->nlogin == HAUTH_MAX_LOGINS_CONN) {
                free(a->login[0].id);
                memmove(&a->login[0], &a->login[1],
                        sizeof(a->login[0]) * (HAUTH_MAX_LOGINS_CONN - 1));
                a->nlogin--;
        }
        if (!l)
                l = &a->login[a->nlogin++];
        else
                free(l->id);
        l->session_id = session_id;
        l->index = index;
        l->id = copy;
        l->idlen = idlen;
}

void
hauth_conn_free(struct rworker *rw, struct hauth_conn *a)
{
        struct hauth_call *call;
        size_t i;

        if (!a)
                return;
        while (a->npend > 0)
                hauth_drop_pending(rw, a, a->npend - 1);
        for (i = 0; i < a->nlogin; i++)
                free(a->login[i].id);
        for (call = a->calls; call; call = call->next)
                call->src.conn = NULL;
        free(a);
}

/* --------------------------------------------------- registry calls */

static void
hauth_call_free(struct hauth_call *call)
{
        hadmin_job_free(&call->job);
        free(call->req);
        free(call->ans);
        free(call);
}

/*
 * A call for the request `req` (header + body, ownership taken), to be
 * answered as a reply to env.  NULL on no memory (req freed).
 */
static struct hauth_call *
hauth_call_new(struct rworker *rw, const struct hsrc *src,
               const struct wire_env *env, uint8_t *req, size_t len)
{
        struct hauth_call *call = calloc(1, sizeof(*call));

        if (!call || wire_msg_decode(req, len, &call->orig) < 0) {
                free(call);
                free(req);
                return NULL;
        }
        hadmin_job_init(&call->job, (size_t)rw->cfg->max_message_bytes);
        call->rw = rw;
        call->src = *src;
        call->env = *env;
        call->req = req;
        call->reqlen = len;
        call->job.opcode = call->orig.h.opcode;
        call->job.opflags = call->orig.h.opflags;
        call->job.body = call->orig.body;
        return call;
}

/* LIST_HANDLES: the list in messages of HAUTH_LIST_BATCH, CN on all but
 * the last. */
static void
hauth_list_reply(struct hauth_call *call, struct wire_reply *r)
{
        struct rworker *rw = call->rw;
        struct cur c;
        uint32_t n, i, k;

        cur_init(&c, call->job.out.p, call->job.out.len);
        n = cur_u32(&c);
        i = 0;
        do {
                const uint8_t *from;
                size_t start;

                k = n - i < HAUTH_LIST_BATCH ? n - i : HAUTH_LIST_BATCH;
                r->opflags =
                    (call->orig.h.opflags & ~OPF_CN) | (i + k < n ? OPF_CN : 0);
                wbuf_reset(&rw->out);
                start = wire_reply_begin(&rw->out, r);
                wbuf_u32(&rw->out, k);
                from = c.p + c.off;
                for (i += k; k > 0; k--)
                        cur_bytes(&c, HNAME_MAX);
                wbuf_put(&rw->out, from, (size_t)(c.p + c.off - from));
                wire_reply_end(&rw->out, start);
                hauth_send(rw, &call->src, call->orig.h.opcode, RC_SUCCESS);
        } while (i < n && cur_ok(&c));
}

/* Back on the worker: answer the client (if still there). */
static void
hauth_done(struct api_call *c, void *arg)
{
        struct hauth_call *call = arg;
        struct rworker *rw = call->rw;
        struct hauth_conn *a = hauth_conn(&call->src, 0);
        struct tconn *conn = call->src.conn;
        struct hadmin_job *j = &call->job;
        struct wire_reply r;
        const char *msg;
        size_t start;
        int status;

        if (!conn) {
                hauth_call_free(call);
                return;
        }
        if (api_status(c, &status, &msg) == 503) {
                j->rc = RC_SERVER_BUSY;
                snprintf(j->msg, sizeof(j->msg), "store unavailable");
        }
        if (j->rc == RC_SUCCESS && call->orig.h.opcode == OC_LOGIN_ID_SYSTEM &&
            a)
                hauth_add_login(a, call->env.session_id, j->id, j->idlen,
                                j->id_index);
        if (j->rc >= RC_INVALID_ADMIN && j->rc <= RC_AUTHEN_ERROR) {
                char id[256];

                log_text(id, sizeof(id), j->id, j->idlen);
                log_info("hauth_refused", "opcode=%u rc=%s id=\"%u:%s\"",
                         (unsigned)call->orig.h.opcode, wire_rc_name(j->rc),
                         (unsigned)j->id_index, id);
        }
        hauth_reply_init(rw, &r, &call->env, &call->orig, j->rc);
        if (j->rc != RC_SUCCESS) {
                wbuf_reset(&rw->out);
                wire_error(&rw->out, &r, j->msg);
                hauth_send(rw, &call->src, call->orig.h.opcode, j->rc);
        } else if (call->orig.h.opcode == OC_LIST_HANDLES) {
                hauth_list_reply(call, &r);
        } else {
                wbuf_reset(&rw->out);
                start = wire_reply_begin(&rw->out, &r);
                wbuf_put(&rw->out, j->out.p, j->out.len);
                wire_reply_end(&rw->out, start);
                hauth_send(rw, &call->src, call->orig.h.opcode, j->rc);
        }
        if (a) {
                if (call->prev)
                        call->prev->next = call->next;
                else
                        a->calls = call->next;
                if (call->next)
                        call->next->prev = call->prev;
        }
        hauth_call_free(call);
        tcp_request_done(conn); /* may free the connection */
}

/* Sends the call to a registry thread, or answers busy. */
static void
hauth_submit(struct hauth_call *call, const struct wire_env *env,
             const struct wire_msg *msg)
{
        struct rworker *rw = call->rw;
        struct hauth_conn *a = hauth_conn(&call->src, 1);
        struct api_who nobody;
        const struct sockaddr_storage *sa = &call->src.addr;
        char peer[64] = "-";

        memset(&nobody, 0, sizeof(nobody));
        if (sa->ss_family == AF_INET)
                inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
                          peer, sizeof(peer));
        else if (sa->ss_family == AF_INET6)
                inet_ntop(AF_INET6,
                          &((const struct sockaddr_in6 *)sa)->sin6_addr, peer,
                          sizeof(peer));
        if (!a || !rw->api ||
            api_run(rw->api, &nobody, peer, hadmin_run, hauth_done, call) < 0) {
                hauth_error(rw, &call->src, env, msg, RC_SERVER_BUSY,
                            "registry busy, retry later");
                hauth_call_free(call);
                return;
        }
        call->prev = NULL;
        call->next = a->calls;
        if (a->calls)
                a->calls->prev = call;
        a->calls = call;
        tcp_request_started(call->src.conn);
}

/* A copy of a message's header and body, or NULL. */
static uint8_t *
hauth_copy(const struct wire_msg *msg)
{
        uint8_t *p = malloc(msg->hdr_body.len ? msg->hdr_body.len : 1);

        if (p)
                memcpy(p, msg->hdr_body.p, msg->hdr_body.len);
        return p;
}

/* Runs a request as an identity that logged in on this connection. */
static void
hauth_as_login(struct rworker *rw, const struct hsrc *src,
               const struct wire_env *env, const struct wire_msg *msg,
               const struct hauth_login *l)
{
        uint8_t *req = hauth_copy(msg);
        struct hauth_call *call =
            req ? hauth_call_new(rw, src, env, req, msg->hdr_body.len) : NULL;

        if (!call) {
                hauth_error(rw, src, env, msg, RC_SERVER_BUSY, "out of memory");
                return;
        }
        memcpy(call->job.id, l->id, l->idlen + 1);
        call->job.idlen = l->idlen;
        call->job.id_index = l->index;
        hauth_submit(call, env, msg);
}

/* -------------------------------------------------------- challenge */

static uint32_t
hauth_session_id(void)
{
        uint32_t id = 0;

        while (id == 0)
                if (RAND_bytes((unsigned char *)&id, sizeof(id)) != 1)
                        return 0;
        return id;
}

/* Answers RC 402 with a fresh nonce and remembers the request. */
static void
hauth_challenge(struct rworker *rw, const struct hsrc *src,
                const struct wire_env *env, const struct wire_msg *msg,
                struct hauth_conn *a)
{
        uint8_t nonce[HKEY_NONCE_LEN], digest[64], alg;
        struct hauth_pending *p;
        struct wire_reply r;
        size_t i, dlen, start;
        uint32_t sid;

        hauth_expire(rw, a, clock_ms());
        sid = msg->h.opcode == OC_LOGIN_ID_SYSTEM && env->session_id
                  ? env->session_id
                  : hauth_session_id();
        for (i = 0; i < a->npend; i++)
                if (a->pend[i].session_id == sid)
                        hauth_drop_pending(rw, a, i--);
        if (a->npend == HAUTH_MAX_PENDING_CONN)
                hauth_drop_pending(rw, a, 0); /* the oldest makes room */
        if (rw->auth_pending >= HAUTH_MAX_PENDING_WORKER ||
            rw->auth_bytes + msg->hdr_body.len > HAUTH_MAX_BYTES_WORKER ||
            sid == 0 || RAND_bytes(nonce, sizeof(nonce)) != 1) {
                hauth_error(rw, src, env, msg, RC_SERVER_BUSY,
                            "too many pending challenges, retry later");
                return;
        }
        hauth_reply_init(rw, &r, env, msg, RC_AUTHENTICATION_NEEDED);
        r.session_id = sid;
        r.opflags |= OPF_RD;
        r.digest_of = msg->hdr_body;
        p = &a->pend[a->npend];
        if ((dlen = wire_digest(&r, digest, &alg)) == 0 ||
            !(p->req = hauth_copy(msg))) {
                hauth_error(rw, src, env, msg, RC_SERVER_BUSY, "out of memory");
                return;
        }
        a->npend++;
        p->session_id = sid;
        p->len = msg->hdr_body.len;
        p->expires_ms = clock_ms() + (uint64_t)rw->cfg->auth_timeout_s * 1000;
        memcpy(p->signed_data, nonce, sizeof(nonce));
        memcpy(p->signed_data + sizeof(nonce), digest, dlen);
        p->signed_len = sizeof(nonce) + dlen;
        rw->auth_pending++;
        rw->auth_bytes += p->len;
        wbuf_reset(&rw->out);
        start = wire_reply_begin(&rw->out, &r);
        wbuf_bytes(&rw->out, nonce, sizeof(nonce));
        wire_reply_end(&rw->out, start);
        hauth_send(rw, src, msg->h.opcode, RC_AUTHENTICATION_NEEDED);
}

void
hauth_request(struct rworker *rw, const struct hsrc *src,
              const struct wire_env *env, const struct wire_msg *msg)
{
        struct hauth_conn *a;
        struct hauth_login *l;

        if (!(a = hauth_conn(src, 1))) {
                hauth_error(rw, src, env, msg, RC_SERVER_BUSY, "out of memory");
                return;
        }
        if (msg->h.opcode != OC_LOGIN_ID_SYSTEM && env->session_id != 0) {
                if ((l = hauth_find_login(a, env->session_id)))
                        hauth_as_login(rw, src, env, msg, l);
                else
                        hauth_error(rw, src, env, msg, RC_LOGIN_FIRST,
                                    "this session is not logged in: send "
                                    "OC_LOGIN_ID_SYSTEM (2001) first");
                return;
        }
        hauth_challenge(rw, src, env, msg, a);
}

void
hauth_answer(struct rworker *rw, const struct hsrc *src,
             const struct wire_env *env, const struct wire_msg *msg)
{
        struct hauth_conn *a = hauth_conn(src, 0);
        struct hauth_pending p;
        struct hmsg_answer ans;
        struct hauth_call *call;
        const char *why;
        size_t i;

        if (a)
                hauth_expire(rw, a, clock_ms());
        for (i = 0; a && i < a->npend; i++)
                if (a->pend[i].session_id == env->session_id)
                        break;
        if (!a || i == a->npend) {
                hauth_error(rw, src, env, msg, RC_AUTHEN_TIMEOUT,
                            "no pending challenge for this session: it "
                            "expired or was answered already");
                return;
        }
        /* Consumed now, whatever the answer: a nonce is used once. */
        p = a->pend[i];
        a->pend[i].req = NULL;
        a->pend[i].len = 0;
        rw->auth_bytes -= p.len;
        hauth_drop_pending(rw, a, i);
        if (hmsg_answer_decode(&msg->body, &ans) < 0) {
                free(p.req);
                hauth_error(rw, src, env, msg, RC_PROTOCOL_ERROR,
                            "malformed challenge answer");
                return;
        }
        if (!(call = hauth_call_new(rw, src, env, p.req, p.len)) ||
            !(call->ans = malloc(msg->body.len))) {
                if (call)
                        hauth_call_free(call);
                hauth_error(rw, src, env, msg, RC_SERVER_BUSY, "out of memory");
                return;
        }
        memcpy(call->ans, msg->body.p, msg->body.len);
        /* The spans of ans, moved into the copy. */
        call->job.answer_type =
            (struct span){call->ans + (ans.type.p - msg->body.p), ans.type.len};
        call->job.answer = (struct span){
            call->ans + (ans.answer.p - msg->body.p), ans.answer.len};
        memcpy(call->job.signed_data, p.signed_data, p.signed_len);
        call->job.signed_len = p.signed_len;
        call->job.authenticate = 1;
        call->job.id_index = ans.index;
        OPENSSL_cleanse(&p, sizeof(p));
        if (hname_check(ans.handle.p, ans.handle.len,
                        (size_t)rw->cfg->max_handle_bytes, call->job.id,
                        sizeof(call->job.id), &call->job.idlen,
                        &why) != HNAME_OK) {
                hauth_error(rw, src, env, msg, RC_INVALID_CREDENTIAL, why);
                hauth_call_free(call);
                return;
        }
        hauth_submit(call, env, msg);
}

void
hauth_verify(struct rworker *rw, const struct hsrc *src,
             const struct wire_env *env, const struct wire_msg *msg)
{
        uint8_t *req = hauth_copy(msg);
        struct hauth_call *call =
            req ? hauth_call_new(rw, src, env, req, msg->hdr_body.len) : NULL;

        if (!call) {
                hauth_error(rw, src, env, msg, RC_SERVER_BUSY, "out of memory");
                return;
        }
        hauth_submit(call, env, msg);
}
