#include "core/wire.h"

#include <string.h>

#include <openssl/evp.h>

struct rc_entry {
        uint32_t rc;
        const char *name;
};

#define WIRE_RC_ENTRY(name, val) {val, &(#name)[3]},
static const struct rc_entry rc_table[] = {WIRE_RCODES(WIRE_RC_ENTRY)};
#undef WIRE_RC_ENTRY

const char *
wire_rc_name(uint32_t rc)
{
        size_t i;

        for (i = 0; i < sizeof(rc_table) / sizeof(rc_table[0]); i++)
                if (rc_table[i].rc == rc)
                        return rc_table[i].name;
        return NULL;
}

int
wire_rc_http_status(uint32_t rc)
{
        switch (rc) {
        case RC_SUCCESS:
        case RC_VALUES_NOT_FOUND:
                return 200;
        case RC_SERVER_BUSY:
        case RC_SERVER_BACKUP:
                return 503;
        case RC_PROTOCOL_ERROR:
        case RC_INVALID_HANDLE:
        case RC_INVALID_VALUE:
        case RC_SERVER_NOT_RESP:
                return 400;
        case RC_OPERATION_NOT_SUPPORTED:
                return 501;
        case RC_HANDLE_NOT_FOUND:
                return 404;
        case RC_HANDLE_ALREADY_EXISTS:
        case RC_VALUE_ALREADY_EXISTS:
                return 409;
        case RC_SERVICE_REFERRAL:
        case RC_PREFIX_REFERRAL:
                return 300;
        case RC_AUTHENTICATION_NEEDED:
                return 401;
        case RC_INVALID_ADMIN:
        case RC_INSUFFICIENT_PERMISSIONS:
        case RC_AUTHENTICATION_FAILED:
        case RC_INVALID_CREDENTIAL:
                return 403;
        default:
                return 500;
        }
}

void
wire_env_decode(const uint8_t *p, struct wire_env *e)
{
        e->major = p[0];
        e->minor = p[1];
        e->flags = p[2] & (WIRE_ENV_CP | WIRE_ENV_EC | WIRE_ENV_TC);
        /* CNRI reads 2 bits, DO-IRP 3.0 five; five covers both. */
        e->sugg_major = p[2] & 0x1F;
        e->sugg_minor = p[3];
        e->session_id = cur_be32(p + 4);
        e->request_id = cur_be32(p + 8);
        e->seq = cur_be32(p + 12);
        e->msg_len = cur_be32(p + 16);
}

void
wire_env_encode(uint8_t *p, const struct wire_env *e)
{
        p[0] = e->major;
        p[1] = e->minor;
        p[2] = (uint8_t)(e->flags | (e->sugg_major & 0x1F));
        p[3] = e->sugg_minor;
        cur_put_be32(p + 4, e->session_id);
        cur_put_be32(p + 8, e->request_id);
        cur_put_be32(p + 12, e->seq);
        cur_put_be32(p + 16, e->msg_len);
}

void
wire_reply_version(const struct wire_env *req, uint8_t *major, uint8_t *minor)
{
        uint8_t ma = req->major, mi = req->minor;

        if (req->sugg_major != 0) {
                ma = req->sugg_major;
                mi = req->sugg_minor;
        }
        if (ma != WIRE_MAJOR || mi > WIRE_MINOR_MAX) {
                /* A newer (or unknown) protocol: answer in ours. */
                if (ma > WIRE_MAJOR || ma == WIRE_MAJOR) {
                        ma = WIRE_MAJOR;
                        mi = WIRE_MINOR_MAX;
                } else {
                        ma = WIRE_MAJOR;
                        mi = 1;
                }
        }
        *major = ma;
        *minor = mi;
}

int
wire_msg_decode(const uint8_t *p, size_t len, struct wire_msg *m)
{
        struct cur c;

        cur_init(&c, p, len);
        m->h.opcode = cur_u32(&c);
        m->h.rcode = cur_u32(&c);
        m->h.opflags = cur_u32(&c);
        m->h.site_serial = cur_u16(&c);
        m->h.recursion = cur_u8(&c);
        (void)cur_u8(&c);
        m->h.expiration = cur_u32(&c);
        m->h.body_len = cur_u32(&c);
        m->body.p = cur_take(&c, m->h.body_len);
        if (!cur_ok(&c))
                return -1;
        m->body.len = m->h.body_len;
        m->hdr_body.p = p;
        m->hdr_body.len = WIRE_HDR_LEN + m->h.body_len;
        return 0;
}

int
wire_resolve_decode(const struct span *body, struct wire_resolve *r)
{
        struct cur c;
        uint32_t i;

        cur_init(&c, body->p, body->len);
        r->handle = cur_bytes(&c, WIRE_MAX_HANDLE);
        r->nidx = cur_u32(&c);
        if (!cur_ok(&c) || r->nidx > WIRE_MAX_FILTER)
                return -1;
        for (i = 0; i < r->nidx; i++)
                r->idx[i] = cur_u32(&c);
        r->ntypes = cur_u32(&c);
        if (!cur_ok(&c) || r->ntypes > WIRE_MAX_FILTER)
                return -1;
        for (i = 0; i < r->ntypes; i++)
                r->types[i] = cur_bytes(&c, HVAL_MAX_TYPE_LEN);
        return cur_ok(&c) ? 0 : -1;
}

void
wire_resolve_filter(const struct wire_resolve *r, struct hfilter *f)
{
        f->nidx = r->nidx;
        f->idx = r->idx;
        f->ntypes = r->ntypes;
        f->types = r->types;
}

int
wire_handle_decode(const struct span *body, struct span *handle)
{
        struct cur c;

        cur_init(&c, body->p, body->len);
        *handle = cur_bytes(&c, WIRE_MAX_HANDLE);
        return cur_ok(&c) ? 0 : -1;
}

void
wire_reply_init(struct wire_reply *r, const struct wire_env *env,
                const struct wire_msg *req, uint32_t rcode,
                uint16_t site_serial, uint32_t expiration)
{
        memset(r, 0, sizeof(*r));
        wire_reply_version(env, &r->major, &r->minor);
        r->session_id = env->session_id;
        r->request_id = env->request_id;
        r->rcode = rcode;
        r->site_serial = site_serial;
        r->expiration = expiration;
        if (req) {
                r->opcode = req->h.opcode;
                r->opflags = req->h.opflags;
                r->recursion = req->h.recursion;
                if (req->h.opflags & OPF_RD)
                        r->digest_of = req->hdr_body;
        }
}

size_t
wire_digest(const struct wire_reply *r, uint8_t out[64], uint8_t *alg)
{
        unsigned int mdlen = 0;
        int sha256 = r->major > 2 || r->minor >= 7;

        if (!EVP_Digest(r->digest_of.p, r->digest_of.len, out, &mdlen,
                        sha256 ? EVP_sha256() : EVP_sha1(), NULL))
                return 0;
        *alg = sha256 ? 3 : 2;
        return mdlen;
}

/* u8 algorithm + digest of the request (protocol.md §3). */
static void
wire_put_digest(struct wbuf *w, const struct wire_reply *r)
{
        uint8_t md[64], alg = 0;
        size_t len = wire_digest(r, md, &alg);

        if (len == 0) {
                w->err = 1;
                return;
        }
        wbuf_u8(w, alg);
        wbuf_put(w, md, len);
}

size_t
wire_reply_begin(struct wbuf *w, const struct wire_reply *r)
{
        size_t start = w->len;
        uint8_t env[WIRE_ENV_LEN];
        struct wire_env e = {0};

        e.major = r->major;
        e.minor = r->minor;
        /* Suggested-version bytes exist since 2.8; older peers expect 0. */
        if (r->major > 2 || r->minor >= 8) {
                e.sugg_major = WIRE_MAJOR;
                e.sugg_minor = WIRE_MINOR_MAX;
        }
        e.session_id = r->session_id;
        e.request_id = r->request_id;
        wire_env_encode(env, &e);
        wbuf_put(w, env, sizeof(env));
        wbuf_u32(w, r->opcode);
        wbuf_u32(w, r->rcode);
        wbuf_u32(w, r->opflags);
        wbuf_u16(w, r->site_serial);
        wbuf_u8(w, r->recursion);
        wbuf_u8(w, 0);
        wbuf_u32(w, r->expiration);
        wbuf_u32(w, 0); /* body length, patched by wire_reply_end */
        if (r->digest_of.p)
                wire_put_digest(w, r);
        return start;
}

void
wire_reply_end(struct wbuf *w, size_t start)
{
        size_t body_off = start + WIRE_ENV_LEN + WIRE_HDR_LEN;

        wbuf_u32(w, 0); /* empty credential */
        if (!wbuf_ok(w))
                return;
        wbuf_set_u32(w, start + 16, (uint32_t)(w->len - start - WIRE_ENV_LEN));
        wbuf_set_u32(w, body_off - 4, (uint32_t)(w->len - body_off - 4));
}

/* Room for any signature of a key the node loads (RSA 8192, ECDSA). */
#define WIRE_MAX_SIG 1024

int
wire_reply_sign(struct wbuf *w, size_t start, wire_sign_fn fn, void *arg)
{
        size_t msg = start + WIRE_ENV_LEN, plen = 0, siglen, cred, sect;
        uint8_t pre[16], sig[WIRE_MAX_SIG], major, minor;
        struct span parts[2];

        if (!wbuf_ok(w) || w->len < msg + WIRE_HDR_LEN + 4)
                return -1;
        major = w->p[start];
        minor = w->p[start + 1];
        if (major > 2 || (major == 2 && minor >= 7)) {
                pre[plen++] = major;
                pre[plen++] = minor;
                if (major > 2 || minor >= 8) {
                        pre[plen++] = w->p[start + 2] & 0x1F;
                        pre[plen++] = w->p[start + 3];
                }
                memcpy(pre + plen, w->p + start + 4, 8); /* session, request */
                plen += 8;
                memset(pre + plen, 0, 4); /* session counter: no session */
                plen += 4;
        }
        parts[0] = (struct span){pre, (uint32_t)plen};
        parts[1] = (struct span){w->p + msg, (uint32_t)(w->len - 4 - msg)};
        if (fn(arg, parts, 2, sig, sizeof(sig), &siglen) < 0)
                return -1;
        w->len -= 4; /* the empty credential */
        cred = w->len;
        wbuf_u32(w, 0);  /* credential length, patched below */
        wbuf_u8(w, 0);   /* version */
        wbuf_u8(w, 0);   /* reserved */
        wbuf_u16(w, 0);  /* flags */
        wbuf_str(w, ""); /* signer handle: the site's server key */
        wbuf_u32(w, 0);  /* signer index */
        wbuf_str(w, "HS_SIGNED");
        sect = w->len;
        wbuf_u32(w, 0); /* signature section length, patched below */
        wbuf_str(w, "SHA-256");
        wbuf_bytes(w, sig, siglen);
        if (!wbuf_ok(w))
                return -1;
        wbuf_set_u32(w, sect, (uint32_t)(w->len - sect - 4));
        wbuf_set_u32(w, cred, (uint32_t)(w->len - cred - 4));
        wbuf_set_u32(w, start + 16, (uint32_t)(w->len - msg));
        return 0;
}

void
wire_error(struct wbuf *w, const struct wire_reply *r, const char *msg)
{
        size_t start = wire_reply_begin(w, r);

        wbuf_str(w, msg ? msg : "");
        wire_reply_end(w, start);
}

void
wire_query_encode(struct wbuf *w, const struct wire_query *q)
{
        struct wire_reply r = {0};
        size_t start;
        uint32_t i;

        r.major = q->major;
        r.minor = q->minor;
        r.request_id = q->request_id;
        r.opcode = OC_RESOLUTION;
        r.opflags = q->opflags;
        r.site_serial = 0xFFFF;
        r.expiration = q->expiration;
        start = wire_reply_begin(w, &r);
        wbuf_str(w, q->handle);
        wbuf_u32(w, q->nidx);
        for (i = 0; i < q->nidx; i++)
                wbuf_u32(w, q->idx[i]);
        wbuf_u32(w, q->ntypes);
        for (i = 0; i < q->ntypes; i++)
                wbuf_str(w, q->types[i]);
        wire_reply_end(w, start);
}
