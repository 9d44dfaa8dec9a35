/*
 * Fuzz target: one TCP request (envelope + message) through the decoders,
 * then the error reply a server would send back.
 *
 * Invariants (abort() when violated):
 *  - the reply is well formed: envelope MessageLength = total - 20, header
 *    BodyLength = what lies between header and credential, it decodes
 *    again and echoes the request id;
 *  - differential round trip: a resolution request that decodes, encoded
 *    again with wire_query_encode, decodes to the same handle, indexes
 *    and types.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
        if (!ok)
                abort();
}

static int
span_has_nul(struct span s)
{
        return s.len && memchr(s.p, '\0', s.len) != NULL;
}

static int
span_eq(struct span a, struct span b)
{
        return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static char *
span_dup(struct span s)
{
        char *p = malloc((size_t)s.len + 1);

        if (p) {
                if (s.len)
                        memcpy(p, s.p, s.len);
                p[s.len] = '\0';
        }
        return p;
}

/* Builds the reply wire_error produces for this request and checks it. */
static void
check_reply(const struct wire_env *env, const struct wire_msg *m)
{
        static const char text[] = "fuzz";
        struct wire_reply r;
        struct wire_env re;
        struct wire_msg rm;
        struct wbuf w;
        struct cur c;
        struct span s;

        wire_reply_init(&r, env, m, RC_PROTOCOL_ERROR, 0xFFFF, 0x65000000);
        check(r.major == WIRE_MAJOR && r.minor <= WIRE_MINOR_MAX);
        wbuf_init(&w, 0);
        wire_error(&w, &r, text);
        check(wbuf_ok(&w));
        check(w.len >= WIRE_ENV_LEN + WIRE_HDR_LEN + 4 + 4);
        check(cur_be32(w.p + 16) == w.len - WIRE_ENV_LEN);
        check(cur_be32(w.p + WIRE_ENV_LEN + 20) ==
              w.len - WIRE_ENV_LEN - WIRE_HDR_LEN - 4);
        /* The credential is empty. */
        check(cur_be32(w.p + w.len - 4) == 0);

        wire_env_decode(w.p, &re);
        check(re.request_id == env->request_id);
        check(re.session_id == env->session_id);
        check(re.major == r.major && re.minor == r.minor);
        check(re.msg_len == w.len - WIRE_ENV_LEN);
        check(wire_msg_decode(w.p + WIRE_ENV_LEN, w.len - WIRE_ENV_LEN, &rm) ==
              0);
        check(rm.h.rcode == RC_PROTOCOL_ERROR);
        check(rm.h.opcode == (m ? m->h.opcode : 0));

        /* Body: optional request digest, then str message. */
        cur_init(&c, rm.body.p, rm.body.len);
        if (m && (m->h.opflags & OPF_RD)) {
                uint8_t alg = cur_u8(&c);

                check(alg == 2 || alg == 3);
                cur_skip(&c, alg == 3 ? 32 : 20);
        }
        s = cur_bytes(&c, 1024);
        check(cur_ok(&c) && cur_left(&c) == 0);
        check(s.len == sizeof(text) - 1 && memcmp(s.p, text, s.len) == 0);
        wbuf_free(&w);
}

/* Re-encodes a decoded resolution request and decodes it again. */
static void
check_roundtrip(const struct wire_env *env, const struct wire_msg *m,
                const struct wire_resolve *req)
{
        struct wire_resolve back;
        const char *types[WIRE_MAX_FILTER];
        char *tcopy[WIRE_MAX_FILTER] = {0};
        struct wire_query q = {0};
        struct wire_env e2;
        struct wire_msg m2;
        struct wbuf w;
        char *handle;
        uint32_t i;

        if (span_has_nul(req->handle))
                return;
        for (i = 0; i < req->ntypes; i++)
                if (span_has_nul(req->types[i]))
                        return;
        handle = span_dup(req->handle);
        check(handle != NULL);
        for (i = 0; i < req->ntypes; i++) {
                tcopy[i] = span_dup(req->types[i]);
                check(tcopy[i] != NULL);
                types[i] = tcopy[i];
        }
        q.major = env->major;
        q.minor = env->minor;
        q.request_id = env->request_id;
        q.opflags = m->h.opflags;
        q.expiration = m->h.expiration;
        q.handle = handle;
        q.nidx = req->nidx;
        q.idx = req->idx;
        q.ntypes = req->ntypes;
        q.types = types;

        wbuf_init(&w, 0);
        wire_query_encode(&w, &q);
        check(wbuf_ok(&w));
        check(w.len >= WIRE_ENV_LEN);
        wire_env_decode(w.p, &e2);
        check(e2.msg_len == w.len - WIRE_ENV_LEN);
        check(e2.request_id == env->request_id);
        check(wire_msg_decode(w.p + WIRE_ENV_LEN, w.len - WIRE_ENV_LEN, &m2) ==
              0);
        check(m2.h.opcode == OC_RESOLUTION && m2.h.rcode == 0);
        check(m2.h.opflags == m->h.opflags);
        check(m2.h.expiration == m->h.expiration);
        check(wire_resolve_decode(&m2.body, &back) == 0);
        check(span_eq(back.handle, req->handle));
        check(back.nidx == req->nidx);
        for (i = 0; i < req->nidx; i++)
                check(back.idx[i] == req->idx[i]);
        check(back.ntypes == req->ntypes);
        for (i = 0; i < req->ntypes; i++)
                check(span_eq(back.types[i], req->types[i]));
        wbuf_free(&w);
        for (i = 0; i < req->ntypes; i++)
                free(tcopy[i]);
        free(handle);
}

/* The filter must agree with its definition for a fixed value. */
static void
check_filter(const struct wire_resolve *req)
{
        static const uint8_t type[] = "HS_SITE.PREFIX";
        struct hval v = {0};
        struct hfilter f;
        uint32_t i;
        int want;

        v.index = 1;
        v.type.p = type;
        v.type.len = sizeof(type) - 1;
        wire_resolve_filter(req, &f);
        want = req->nidx == 0 && req->ntypes == 0;
        for (i = 0; i < req->nidx; i++)
                want |= req->idx[i] == 1;
        for (i = 0; i < req->ntypes; i++)
                want |=
                    hval_type_match(v.type, req->types[i].p, req->types[i].len);
        check(hfilter_match(&f, &v) == want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct wire_resolve req;
        struct wire_env env;
        struct wire_msg m;
        struct span handle;
        int have_msg;

        if (size < WIRE_ENV_LEN)
                return 0;
        wire_env_decode(data, &env);
        check((env.flags & ~(WIRE_ENV_CP | WIRE_ENV_EC | WIRE_ENV_TC)) == 0);
        have_msg =
            wire_msg_decode(data + WIRE_ENV_LEN, size - WIRE_ENV_LEN, &m) == 0;
        if (have_msg) {
                check(m.body.len == m.h.body_len);
                check(m.hdr_body.len == WIRE_HDR_LEN + m.body.len);
                check(WIRE_ENV_LEN + (size_t)m.hdr_body.len <= size);
                if (wire_handle_decode(&m.body, &handle) == 0)
                        check(handle.len <= WIRE_MAX_HANDLE &&
                              handle.len + 4 <= m.body.len);
                if (wire_resolve_decode(&m.body, &req) == 0) {
                        check(req.nidx <= WIRE_MAX_FILTER &&
                              req.ntypes <= WIRE_MAX_FILTER);
                        check_filter(&req);
                        check_roundtrip(&env, &m, &req);
                }
        }
        check_reply(&env, have_msg ? &m : NULL);
        return 0;
}
