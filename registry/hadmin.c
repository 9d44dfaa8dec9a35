#include "registry/hadmin.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <hiredis/hiredis.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/config.h"
#include "core/hmsg.h"
#include "core/hval.h"
#include "core/wire.h"
#include "registry/api.h"
#include "registry/grant.h"
#include "registry/ident.h"
#include "registry/iditem.h"
#include "registry/keys.h"
#include "registry/link.h"
#include "registry/pfx.h"
#include "registry/tpl.h"
#include "registry/users.h"

#define HADMIN_NA      "0.NA/"
#define HADMIN_NA_LEN  5
#define HADMIN_MINT_ID 8 /* random bytes of a minted suffix */

void
hadmin_job_init(struct hadmin_job *j, size_t max_out)
{
        memset(j, 0, sizeof(*j));
        wbuf_init(&j->out, max_out);
}

void
hadmin_job_free(struct hadmin_job *j)
{
        wbuf_free(&j->out);
}

static void hadmin_fail(struct hadmin_job *j, uint32_t rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
hadmin_fail(struct hadmin_job *j, uint32_t rc, const char *fmt, ...)
{
        va_list ap;

        j->rc = rc;
        va_start(ap, fmt);
        vsnprintf(j->msg, sizeof(j->msg), fmt, ap);
        va_end(ap);
}

/* ---------------------------------------------------------- records */

/*
 * A handle's record as Redis holds it: NULL if it does not exist or the
 * store failed (then the call is answered: check api_answered).  The
 * meta field, if asked for, is copied to meta[metasz].
 */
static struct hrec *
hadmin_record(struct api_call *c, const char *name, size_t len, char *meta,
              size_t metasz)
{
        struct span vals[HVAL_MAX_PER_HANDLE];
        char key[KEYS_MAX];
        struct hrec *rec = NULL;
        redisReply *r;
        uint32_t n = 0;
        size_t i;

        if (meta)
                meta[0] = '\0';
        if (!keys_handle(key, sizeof(key), name, len) ||
            !(r = api_cmd(c, "HGETALL %s", key)))
                return NULL;
        for (i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements;
             i += 2) {
                const redisReply *f = r->element[i], *v = r->element[i + 1];

                if (f->type != REDIS_REPLY_STRING ||
                    v->type != REDIS_REPLY_STRING)
                        continue;
                if (strcmp(f->str, KEYS_META_FIELD) == 0 && meta)
                        snprintf(meta, metasz, "%s", v->str);
                else if (f->str[0] != '_' && n < HVAL_MAX_PER_HANDLE)
                        vals[n++] = (struct span){(const uint8_t *)v->str,
                                                  (uint32_t)v->len};
        }
        if (n > 0 && !(rec = hrec_new(vals, n, NULL)))
                api_fail(c, 500, -4, "out of memory");
        freeReplyObject(r);
        return rec;
}

static const struct hval *
hadmin_value(const struct hrec *rec, uint32_t index)
{
        uint32_t i;

        for (i = 0; rec && i < rec->n; i++)
                if (rec->v[i].index == index)
                        return &rec->v[i];
        return NULL;
}

static int
hadmin_type_is(const struct hval *v, const char *type)
{
        return v->type.len == strlen(type) &&
               strncasecmp((const char *)v->type.p, type, v->type.len) == 0;
}

/* Normalises a handle named on the wire into out[HNAME_MAX + 1]. */
static int
hadmin_name(struct api_call *c, struct span h, char *out, size_t *len)
{
        const char *why;

        return hname_check(h.p, h.len, (size_t)api_config(c)->max_handle_bytes,
                           out, HNAME_MAX + 1, len, &why) == HNAME_OK
                   ? 0
                   : -1;
}

/*
 * The prefix a handle belongs to for ownership: <P> for 0.NA/<P>, else
 * the part before the first '/'.  0, or -1 if it is not a prefix.
 */
static int
hadmin_prefix_of(const char *name, size_t len, char out[PFX_MAX + 1])
{
        if (len > HADMIN_NA_LEN && strncmp(name, HADMIN_NA, HADMIN_NA_LEN) == 0)
                return pfx_normalise(name + HADMIN_NA_LEN, len - HADMIN_NA_LEN,
                                     out);
        return pfx_normalise(name, hname_prefix_len(name, len), out);
}

/* --------------------------------------------------- authentication */

/*
 * The enterprise an identity acts for: the owner of its prefix, which
 * must be hosted here, into ent[19].  0, or -1 with j->rc set or the
 * call answered (the store failed).
 */
static int
hadmin_identity(struct api_call *c, struct hadmin_job *j, char *ent)
{
        struct redisContext *rc;
        struct pfx_info info;
        char prefix[PFX_MAX + 1], err[160];
        int found = 0;

        if (hadmin_prefix_of(j->id, j->idlen, prefix) == 0) {
                if (!(rc = api_redis(c)))
                        return -1;
                if ((found = pfx_get(rc, prefix, &info)) < 0) {
                        api_fail(c, 503, -1, "store unavailable, retry later");
                        return -1;
                }
        }
        if (!found || pfx_check_hosted(&info, err, sizeof(err)) < 0) {
                hadmin_fail(j, RC_AUTHEN_ERROR,
                            "identity %s is not under a prefix hosted here: "
                            "identities of other nodes are not supported",
                            j->id);
                return -1;
        }
        memcpy(ent, info.ent, sizeof(info.ent));
        return 0;
}

/* From now on the call runs as the identity (audit, registrant). */
static void
hadmin_become(struct api_call *c, const struct hadmin_job *j, const char *ent)
{
        struct api_who who;

        memset(&who, 0, sizeof(who));
        snprintf(who.name, sizeof(who.name), "%u:%.*s", j->id_index,
                 (int)(sizeof(who.name) - 12), j->id);
        who.role = USERS_ENTERPRISE;
        snprintf(who.ent, sizeof(who.ent), "%s", ent);
        api_set_who(c, &who);
}

/* 1 if the key or secret in v verifies the answer. */
static int
hadmin_check_value(const struct hadmin_job *j, const struct hval *v)
{
        char err[128];
        EVP_PKEY *k;
        int ok;

        if (hadmin_type_is(v, "HS_SECKEY"))
                return hkey_seckey_check(v->data.p, v->data.len, j->answer.p,
                                         j->answer.len, j->signed_data,
                                         j->signed_len);
        if (!(k = hkey_pubkey_parse(v->data.p, v->data.len, err, sizeof(err))))
                return 0;
        ok = hkey_pubkey_check(k, j->answer.p, j->answer.len, j->signed_data,
                               j->signed_len);
        EVP_PKEY_free(k);
        return ok;
}

/*
 * Checks the challenge answer against the identity's keys (index 0: every
 * value of the answer's type).  0, or -1 with j->rc set.
 */
static int
hadmin_authenticate(struct api_call *c, struct hadmin_job *j)
{
        const char *type;
        struct hrec *rec;
        uint32_t i, tried = 0;
        int ok = 0;

        if (j->answer_type.len == 9 &&
            memcmp(j->answer_type.p, "HS_PUBKEY", 9) == 0)
                type = "HS_PUBKEY";
        else if (j->answer_type.len == 9 &&
                 memcmp(j->answer_type.p, "HS_SECKEY", 9) == 0)
                type = "HS_SECKEY";
        else {
                hadmin_fail(j, RC_AUTHEN_ERROR,
                            "authentication type must be HS_PUBKEY or "
                            "HS_SECKEY");
                return -1;
        }
        rec = hadmin_record(c, j->id, j->idlen, NULL, 0);
        if (api_answered(c))
                return -1;
        for (i = 0; rec && i < rec->n && !ok; i++) {
                const struct hval *v = &rec->v[i];

                if ((j->id_index != 0 && v->index != j->id_index) ||
                    !hadmin_type_is(v, type))
                        continue;
                tried++;
                if ((ok = hadmin_check_value(j, v)))
                        j->id_index = v->index;
        }
        hrec_free(rec);
        if (tried == 0) {
                hadmin_fail(j, RC_INVALID_CREDENTIAL,
                            "%s has no %s at index %u", j->id, type,
                            j->id_index);
                return -1;
        }
        if (!ok) {
                hadmin_fail(j, RC_AUTHENTICATION_FAILED,
                            "the answer does not verify with the key of %u:%s",
                            j->id_index, j->id);
                return -1;
        }
        return 0;
}

/* ---------------------------------------------------- authorization */

/* Expanding admin references: who is looked for, and the budget. */
struct hadmin_walk {
        struct api_call *c;
        const struct hadmin_job *j;
        int reads; /* records read so far */
        int depth;
        int found;
};

static int hadmin_refers(struct hadmin_walk *w, struct span h, uint32_t index);

static int
hadmin_refers_cb(void *arg, struct span h, uint32_t index)
{
        struct hadmin_walk *w = arg;

        return hadmin_refers(w, h, index) != 0;
}

/*
 * 1 if the reference (h, index) is the identity or a group (HS_VLIST)
 * holding it, within the budget; 0 if not; -1 if the store failed.
 */
static int
hadmin_refers(struct hadmin_walk *w, struct span h, uint32_t index)
{
        char name[HNAME_MAX + 1];
        const struct hval *v;
        struct hrec *rec;
        size_t len;

        if (hadmin_name(w->c, h, name, &len) < 0)
                return 0;
        if (len == w->j->idlen && memcmp(name, w->j->id, len) == 0 &&
            (index == 0 || index == w->j->id_index))
                return w->found = 1;
        if (index == 0 || w->depth >= HADMIN_MAX_GROUP_DEPTH ||
            w->reads >= HADMIN_MAX_GROUP_READS)
                return 0;
        w->reads++;
        rec = hadmin_record(w->c, name, len, NULL, 0);
        if (api_answered(w->c))
                return -1;
        v = hadmin_value(rec, index);
        if (v && hadmin_type_is(v, "HS_VLIST")) {
                w->depth++;
                hkey_vlist_each(v->data.p, v->data.len, 256, hadmin_refers_cb,
                                w);
                w->depth--;
        }
        hrec_free(rec);
        return api_answered(w->c) ? -1 : w->found;
}

/*
 * The rights the identity holds through the HS_ADMIN values of rec: the
 * union of the permission bits of every value naming it.  *named is set
 * if any does.  -1 if the store failed.
 */
static int
hadmin_rights_in(struct api_call *c, const struct hadmin_job *j,
                 const struct hrec *rec, int *named)
{
        struct hadmin_walk w = {c, j, 0, 0, 0};
        struct hadmin a;
        uint32_t i;
        int perms = 0, r;

        for (i = 0; rec && i < rec->n; i++) {
                if (!hadmin_type_is(&rec->v[i], "HS_ADMIN") ||
                    hkey_admin_decode(rec->v[i].data.p, rec->v[i].data.len,
                                      &a) < 0)
                        continue;
                w.found = 0;
                if ((r = hadmin_refers(&w, a.handle, a.index)) < 0)
                        return -1;
                if (r) {
                        *named = 1;
                        perms |= a.perms;
                }
        }
        return perms;
}

/*
 * The identity's rights on a handle: from its own HS_ADMIN values (rec,
 * may be NULL), and from those of 0.NA/<prefix>, as CNRI falls back.
 * -1 if the store failed.
 */
static int
hadmin_rights(struct api_call *c, const struct hadmin_job *j,
              const struct hrec *rec, const char *name, size_t len, int *named)
{
        char prefix[PFX_MAX + 1], na[HADMIN_NA_LEN + PFX_MAX + 1];
        struct hrec *pr;
        int a, b;

        *named = 0;
        if ((a = hadmin_rights_in(c, j, rec, named)) < 0)
                return -1;
        if (pfx_normalise(name, hname_prefix_len(name, len), prefix) < 0)
                return a;
        snprintf(na, sizeof(na), HADMIN_NA "%s", prefix);
        pr = hadmin_record(c, na, strlen(na), NULL, 0);
        if (api_answered(c))
                return -1;
        b = hadmin_rights_in(c, j, pr, named);
        hrec_free(pr);
        return b < 0 ? -1 : a | b;
}

/*
 * Whether the identity may have `perm` on the handle.  0 yes, -1 no
 * (j->rc: INVALID_ADMIN if it is no admin at all, else
 * INSUFFICIENT_PERMISSIONS), -2 if the store failed.
 */
static int
hadmin_authorize(struct api_call *c, struct hadmin_job *j,
                 const struct hrec *rec, const char *name, size_t len, int perm)
{
        int named, rights = hadmin_rights(c, j, rec, name, len, &named);

        if (rights < 0)
                return -2;
        if ((rights & perm) == perm)
                return 0;
        if (!named)
                hadmin_fail(j, RC_INVALID_ADMIN,
                            "%u:%s is not an administrator of %s", j->id_index,
                            j->id, name);
        else
                hadmin_fail(j, RC_INSUFFICIENT_PERMISSIONS,
                            "%u:%s lacks permission 0x%04x on %s", j->id_index,
                            j->id, (unsigned)perm, name);
        return -1;
}

/*
 * Who may read a handle's values that are not PUBLIC_READ (but
 * ADMIN_READ): whoever the rule of every plane lets read them
 * (grant_rights: the enterprise owning the prefix, or one holding a
 * `read` grant on the handle or its prefix), and an administrator
 * holding AUTHORIZED_READ.  1 yes, 0 no, -1 if the store failed.
 */
static int
hadmin_may_read_restricted(struct api_call *c, const struct hadmin_job *j,
                           const struct hrec *rec, const char *name, size_t len)
{
        struct grant_subject s = {.len = len,
                                  .prefix_len = hname_prefix_len(name, len)};
        char prefix[PFX_MAX + 1];
        struct redisContext *rc;
        int named, rights, found;

        memcpy(s.name, name, len);
        s.name[len] = '\0';
        if (pfx_normalise(name, s.prefix_len, prefix) == 0) {
                if (!(rc = api_redis(c)))
                        return -1;
                found = pfx_get(rc, prefix, &s.pfx);
                if (found < 0) {
                        api_fail(c, 503, -1, "store unavailable, retry later");
                        return -1;
                }
                if (found && (rights = grant_rights(c, &s)) < 0)
                        return -1;
                if (found && (rights & GRANT_READ))
                        return 1;
        }
        rights = hadmin_rights(c, j, rec, name, len, &named);
        return rights < 0 ? -1 : (rights & HADM_AUTHORIZED_READ) != 0;
}

/* ------------------------------------------------------- operations */

static void
hadmin_login(struct api_call *c, struct hadmin_job *j)
{
        (void)c;
        j->rc = RC_SUCCESS;
}

static void
hadmin_resolve(struct api_call *c, struct hadmin_job *j)
{
        char name[HNAME_MAX + 1];
        struct wire_resolve res;
        struct hfilter f;
        struct hrec *rec;
        uint32_t i, n = 0;
        size_t len, count_at;
        int may = 0;

        if (wire_resolve_decode(&j->body, &res) < 0 ||
            hadmin_name(c, res.handle, name, &len) < 0) {
                hadmin_fail(j, RC_INVALID_HANDLE, "malformed resolution");
                return;
        }
        rec = hadmin_record(c, name, len, NULL, 0);
        if (api_answered(c))
                return;
        if (!rec) {
                hadmin_fail(j, RC_HANDLE_NOT_FOUND, "handle not found");
                return;
        }
        wire_resolve_filter(&res, &f);
        if (!(j->opflags & OPF_PO) &&
            (may = hadmin_may_read_restricted(c, j, rec, name, len)) < 0)
                goto done;
        wbuf_bytes(&j->out, res.handle.p, res.handle.len);
        count_at = j->out.len;
        wbuf_u32(&j->out, 0);
        for (i = 0; i < rec->n; i++) {
                const struct hval *v = &rec->v[i];

                if (!hfilter_match(&f, v) ||
                    !((v->perms & HVAL_PUBLIC_READ) ||
                      (may && (v->perms & HVAL_ADMIN_READ))))
                        continue;
                wbuf_put(&j->out, v->wire.p, v->wire.len);
                n++;
        }
        wbuf_set_u32(&j->out, count_at, n);
        if (n == 0)
                hadmin_fail(j, RC_VALUES_NOT_FOUND, "no values match");
        else
                j->rc = RC_SUCCESS;
done:
        hrec_free(rec);
}

/* The Handle response code of a registry write's HTTP outcome. */
static void
hadmin_written(struct hadmin_job *j, int http, const char *msg)
{
        static const struct {
                int http;
                uint32_t rc;
        } map[] = {
            {200, RC_SUCCESS},
            {400, RC_INVALID_VALUE},
            {403, RC_INSUFFICIENT_PERMISSIONS},
            {404, RC_HANDLE_NOT_FOUND},
            {409, RC_HANDLE_ALREADY_EXISTS},
        };
        size_t i;

        for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
                if (map[i].http == http)
                        break;
        hadmin_fail(j, i < sizeof(map) / sizeof(map[0]) ? map[i].rc : RC_ERROR,
                    "%s", msg);
        /* The prefix holds its quota of identifiers (registry/quota). */
        if (http == 403 && strstr(msg, "quota reached"))
                j->rc = RC_REGISTER_COUNT_LIMIT;
        /* Other conflicts: a concurrent write, a prefix not served here. */
        if (http == 409 && !strstr(msg, "exists"))
                j->rc = strstr(msg, "meanwhile") ? RC_SERVER_BUSY
                                                 : RC_SERVER_NOT_RESP;
}

/* 1 if the index is one the server writes itself. */
static int
hadmin_reserved(uint32_t index)
{
        return index == TPL_VERSION_INDEX || index == IDENT_OWNER_INDEX ||
               index == IDENT_REGISTRANT_INDEX ||
               (index >= LINK_MIN_INDEX && index <= LINK_MAX_INDEX);
}

/* Rights an admin op needs for its values: admin values need more. */
static int
hadmin_value_perm(const struct hval *v, size_t n, int plain, int admin)
{
        size_t i;
        int perm = plain;

        for (i = 0; i < n; i++)
                if (hadmin_type_is(&v[i], "HS_ADMIN"))
                        perm |= admin;
        return perm;
}

/*
 * Writes the client values `v` (the record's, changed) of an existing
 * handle, keeping its template version, if it did not change meanwhile.
 */
static void
hadmin_update(struct api_call *c, struct hadmin_job *j, const char *name,
              size_t len, const struct hrec *rec, const struct hval *v,
              size_t n, const char *meta)
{
        const struct hval *ver = hadmin_value(rec, TPL_VERSION_INDEX);
        char version[TPL_MAX_VERSION + 1], msg[256];
        struct ident_write w = {'u', name, len, version, v, n, meta};
        int http;

        if (n > IDITEM_MAX_VALUES) {
                hadmin_fail(j, RC_INVALID_VALUE, "more than %u values",
                            IDITEM_MAX_VALUES);
                return;
        }
        if (!ver || ver->data.len > TPL_MAX_VERSION) {
                hadmin_fail(j, RC_INVALID_VALUE,
                            "%s has no template version (index 1001)", name);
                return;
        }
        memcpy(version, ver->data.p, ver->data.len);
        version[ver->data.len] = '\0';
        if ((http = ident_write_one(c, &w, msg, sizeof(msg))) > 0)
                hadmin_written(j, http, msg);
}

/* The record's client values, without those in `drop` (n indexes). */
static size_t
hadmin_client_values(const struct hrec *rec, const uint32_t *drop, size_t n,
                     struct hval *out)
{
        size_t i, k, m = 0;

        for (i = 0; i < rec->n; i++) {
                if (hadmin_reserved(rec->v[i].index))
                        continue;
                for (k = 0; k < n && drop[k] != rec->v[i].index; k++)
                        ;
                if (k == n)
                        out[m++] = rec->v[i];
        }
        return m;
}

/*
 * ADD_VALUE, MODIFY_VALUE, REMOVE_VALUE: a read-modify-write of the
 * record's client values, under the same rules as a whole update.
 */
static void
hadmin_change(struct api_call *c, struct hadmin_job *j)
{
        uint32_t idx[HMSG_MAX_VALUES], ng = 0, i;
        char name[HNAME_MAX + 1], meta[256];
        struct hval *vals = NULL;
        struct span h;
        struct hrec *rec = NULL;
        size_t len, n;
        int perm, dec;

        vals = calloc(HVAL_MAX_PER_HANDLE + HMSG_MAX_VALUES, sizeof(*vals));
        if (!vals) {
                hadmin_fail(j, RC_ERROR, "out of memory");
                return;
        }
        if (j->opcode == OC_REMOVE_VALUE)
                dec =
                    hmsg_remove_decode(&j->body, &h, idx, HMSG_MAX_VALUES, &ng);
        else {
                dec =
                    hmsg_values_decode(&j->body, &h, vals + HVAL_MAX_PER_HANDLE,
                                       HMSG_MAX_VALUES, &ng);
                for (i = 0; dec == 0 && i < ng; i++)
                        idx[i] = vals[HVAL_MAX_PER_HANDLE + i].index;
        }
        if (dec < 0 || hadmin_name(c, h, name, &len) < 0) {
                hadmin_fail(j, RC_PROTOCOL_ERROR, "malformed request body");
                goto done;
        }
        for (i = 0; i < ng; i++)
                if (hadmin_reserved(idx[i])) {
                        hadmin_fail(j, RC_INVALID_VALUE,
                                    "index %u is written by the node", idx[i]);
                        goto done;
                }
        rec = hadmin_record(c, name, len, meta, sizeof(meta));
        if (api_answered(c))
                goto done;
        if (!rec) {
                hadmin_fail(j, RC_HANDLE_NOT_FOUND, "%s not found", name);
                goto done;
        }
        perm = j->opcode == OC_ADD_VALUE
                   ? hadmin_value_perm(vals + HVAL_MAX_PER_HANDLE, ng,
                                       HADM_ADD_VALUE, HADM_ADD_ADMIN)
               : j->opcode == OC_MODIFY_VALUE
                   ? hadmin_value_perm(vals + HVAL_MAX_PER_HANDLE, ng,
                                       HADM_MODIFY_VALUE, HADM_MODIFY_ADMIN)
                   : HADM_REMOVE_VALUE;
        for (i = 0; j->opcode == OC_REMOVE_VALUE && i < ng; i++) {
                const struct hval *v = hadmin_value(rec, idx[i]);

                if (!v) {
                        hadmin_fail(j, RC_VALUES_NOT_FOUND,
                                    "%s has no value at index %u", name,
                                    idx[i]);
                        goto done;
                }
                if (hadmin_type_is(v, "HS_ADMIN"))
                        perm |= HADM_REMOVE_ADMIN;
        }
        for (i = 0; j->opcode != OC_REMOVE_VALUE && i < ng; i++) {
                int exists = hadmin_value(rec, idx[i]) != NULL;

                if (j->opcode == OC_ADD_VALUE && exists &&
                    !(j->opflags & OPF_OW)) {
                        hadmin_fail(j, RC_VALUE_ALREADY_EXISTS,
                                    "%s already has index %u", name, idx[i]);
                        goto done;
                }
                if (j->opcode == OC_MODIFY_VALUE && !exists) {
                        hadmin_fail(j, RC_VALUES_NOT_FOUND,
                                    "%s has no value at index %u", name,
                                    idx[i]);
                        goto done;
                }
        }
        if (hadmin_authorize(c, j, rec, name, len, perm) < 0)
                goto done;
        n = hadmin_client_values(rec, idx, ng, vals);
        if (j->opcode != OC_REMOVE_VALUE) {
                memmove(vals + n, vals + HVAL_MAX_PER_HANDLE,
                        ng * sizeof(*vals));
                n += ng;
        }
        hadmin_update(c, j, name, len, rec, vals, n, meta);
done:
        hrec_free(rec);
        free(vals);
}

/* A minted name: the request's "prefix/" and a random suffix. */
static int
hadmin_mint(struct api_call *c, struct span h, char *name, size_t *len)
{
        uint8_t rnd[HADMIN_MINT_ID];
        char buf[HNAME_MAX + 1];
        size_t i, n = h.len;

        if (n == 0 || h.p[n - 1] != '/' ||
            n + 2 * HADMIN_MINT_ID > sizeof(buf) - 1 ||
            RAND_bytes(rnd, sizeof(rnd)) != 1)
                return -1;
        memcpy(buf, h.p, n);
        for (i = 0; i < sizeof(rnd); i++)
                n += (size_t)snprintf(buf + n, 3, "%02X", rnd[i]);
        return hadmin_name(c, (struct span){(const uint8_t *)buf, (uint32_t)n},
                           name, len);
}

/*
 * CREATE_HANDLE: the template version comes as a TEMPLATE value at
 * index 1001 (what an HTTP create names templateVersion); the node
 * rewrites it with 1002 OWNER and 1003 REGISTRANT.
 */
static void
hadmin_create(struct api_call *c, struct hadmin_job *j)
{
        char name[HNAME_MAX + 1], version[TPL_MAX_VERSION + 1], msg[256];
        struct ident_write w = {'c', name, 0, version, NULL, 0, NULL};
        struct hval *vals;
        struct hrec *rec = NULL;
        struct span h;
        uint32_t n, i, m = 0;
        int http;

        version[0] = '\0';
        if (!(vals = calloc(HMSG_MAX_VALUES, sizeof(*vals)))) {
                hadmin_fail(j, RC_ERROR, "out of memory");
                return;
        }
        if (hmsg_values_decode(&j->body, &h, vals, HMSG_MAX_VALUES, &n) < 0 ||
            ((j->opflags & OPF_MINT) ? hadmin_mint(c, h, name, &w.len)
                                     : hadmin_name(c, h, name, &w.len)) < 0) {
                hadmin_fail(j, RC_PROTOCOL_ERROR, "malformed request body");
                goto done;
        }
        for (i = 0; i < n; i++) {
                if (vals[i].index == TPL_VERSION_INDEX &&
                    hadmin_type_is(&vals[i], "TEMPLATE") &&
                    vals[i].data.len <= TPL_MAX_VERSION && !version[0]) {
                        memcpy(version, vals[i].data.p, vals[i].data.len);
                        version[vals[i].data.len] = '\0';
                } else
                        vals[m++] = vals[i];
        }
        if (!version[0]) {
                hadmin_fail(j, RC_INVALID_VALUE,
                            "name the template version in a TEMPLATE value "
                            "at index 1001");
                goto done;
        }
        rec = hadmin_record(c, name, w.len, NULL, 0);
        if (api_answered(c))
                goto done;
        if (rec && !(j->opflags & OPF_OW)) {
                hadmin_fail(j, RC_HANDLE_ALREADY_EXISTS, "%s already exists",
                            name);
                goto done;
        }
        /* Overwriting a handle replaces it: it takes deleting it too. */
        if (hadmin_authorize(c, j, rec, name, w.len,
                             rec ? HADM_ADD_HANDLE | HADM_DELETE_HANDLE
                                 : HADM_ADD_HANDLE) < 0)
                goto done;
        if (rec && (j->opflags & OPF_OW))
                w.op = 'u';
        w.vals = vals;
        w.nvals = m;
        if ((http = ident_write_one(c, &w, msg, sizeof(msg))) == 0)
                goto done;
        hadmin_written(j, http, msg);
        if (j->rc == RC_SUCCESS)
                wbuf_bytes(&j->out, name, w.len);
done:
        hrec_free(rec);
        free(vals);
}

static void
hadmin_delete(struct api_call *c, struct hadmin_job *j)
{
        struct ident_write w = {'d', NULL, 0, NULL, NULL, 0, NULL};
        char name[HNAME_MAX + 1], msg[256];
        struct hrec *rec;
        struct span h;
        int http;

        if (wire_handle_decode(&j->body, &h) < 0 ||
            hadmin_name(c, h, name, &w.len) < 0) {
                hadmin_fail(j, RC_PROTOCOL_ERROR, "malformed request body");
                return;
        }
        w.name = name;
        rec = hadmin_record(c, name, w.len, NULL, 0);
        if (api_answered(c))
                return;
        if (!rec)
                hadmin_fail(j, RC_HANDLE_NOT_FOUND, "%s not found", name);
        else if (hadmin_authorize(c, j, rec, name, w.len, HADM_DELETE_HANDLE) ==
                     0 &&
                 (http = ident_write_one(c, &w, msg, sizeof(msg))) > 0)
                hadmin_written(j, http, msg);
        hrec_free(rec);
}

/*
 * LIST_HANDLES of a prefix (request "0.NA/<prefix>" or the bare
 * prefix): every handle under it, for an admin of 0.NA/<prefix> with
 * LIST_HANDLES.  The body is list<str>; the resolver splits it.
 */
static void
hadmin_list(struct api_call *c, struct hadmin_job *j)
{
        char prefix[PFX_MAX + 1], probe[PFX_MAX + 3], key[KEYS_MAX], *pat;
        char cursor[32] = "0";
        size_t count_at, klen;
        struct span h;
        uint32_t n = 0;
        redisReply *r;
        const char *name;

        if (wire_handle_decode(&j->body, &h) < 0 ||
            hadmin_prefix_of((const char *)h.p, h.len, prefix) < 0) {
                hadmin_fail(j, RC_INVALID_HANDLE, "name a prefix");
                return;
        }
        snprintf(probe, sizeof(probe), "%s/x", prefix);
        if (hadmin_authorize(c, j, NULL, probe, strlen(probe),
                             HADM_LIST_HANDLES) < 0)
                return;
        klen = keys_handle(key, sizeof(key), probe, strlen(probe));
        /* The pattern: the key of "<prefix>/" followed by anything. */
        if (klen < 2 || asprintf(&pat, "%.*s*}", (int)(klen - 2), key) < 0) {
                hadmin_fail(j, RC_ERROR, "out of memory");
                return;
        }
        count_at = j->out.len;
        wbuf_u32(&j->out, 0);
        do {
                size_t i;

                if (!(r = api_cmd(c, "SCAN %s MATCH %s COUNT 1000", cursor,
                                  pat)))
                        break;
                if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
                    r->element[0]->type != REDIS_REPLY_STRING) {
                        freeReplyObject(r);
                        api_fail(c, 500, -4, "store error");
                        break;
                }
                snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
                for (i = 0; i < r->element[1]->elements && n < HADMIN_MAX_LIST;
                     i++) {
                        const redisReply *k = r->element[1]->element[i];
                        size_t nl = keys_handle_name(k->str, k->len, &name);

                        if (nl > 0) {
                                wbuf_bytes(&j->out, name, nl);
                                n++;
                        }
                }
                freeReplyObject(r);
        } while (strcmp(cursor, "0") != 0 && n < HADMIN_MAX_LIST);
        free(pat);
        wbuf_set_u32(&j->out, count_at, n);
        if (!api_answered(c))
                j->rc = RC_SUCCESS;
}

/*
 * OC_VERIFY_RESPONSE: another server asks whether an HS_SECKEY answer
 * of an identity hosted here is right.  Body u8: 1 valid, 0 not.
 */
static void
hadmin_verify(struct api_call *c, struct hadmin_job *j)
{
        struct hmsg_verify v;
        const struct hval *sec;
        struct hrec *rec;
        uint8_t data[64 + 64];
        int ok = 0;

        if (hmsg_verify_decode(&j->body, &v) < 0 || v.nonce.len > 64 ||
            v.digest.len > 64 ||
            hadmin_name(c, v.handle, j->id, &j->idlen) < 0) {
                hadmin_fail(j, RC_PROTOCOL_ERROR, "malformed verify request");
                return;
        }
        rec = hadmin_record(c, j->id, j->idlen, NULL, 0);
        if (api_answered(c))
                return;
        sec = hadmin_value(rec, v.index);
        if (!sec || !hadmin_type_is(sec, "HS_SECKEY")) {
                hadmin_fail(j, RC_INVALID_CREDENTIAL,
                            "%s has no HS_SECKEY at "
                            "index %u",
                            j->id, v.index);
        } else {
                memcpy(data, v.nonce.p, v.nonce.len);
                memcpy(data + v.nonce.len, v.digest.p, v.digest.len);
                ok = hkey_seckey_check(sec->data.p, sec->data.len, v.answer.p,
                                       v.answer.len, data,
                                       v.nonce.len + v.digest.len);
                wbuf_u8(&j->out, ok ? 1 : 0);
                j->rc = RC_SUCCESS;
        }
        hrec_free(rec);
}

static const struct {
        uint32_t opcode;
        void (*fn)(struct api_call *c, struct hadmin_job *j);
} ops[] = {
    {OC_LOGIN_ID_SYSTEM, hadmin_login}, {OC_RESOLUTION, hadmin_resolve},
    {OC_CREATE_HANDLE, hadmin_create},  {OC_DELETE_HANDLE, hadmin_delete},
    {OC_ADD_VALUE, hadmin_change},      {OC_REMOVE_VALUE, hadmin_change},
    {OC_MODIFY_VALUE, hadmin_change},   {OC_LIST_HANDLES, hadmin_list},
};

void
hadmin_run(struct api_call *c)
{
        struct hadmin_job *j = api_call_arg(c);
        char ent[19];
        size_t i;

        j->rc = RC_ERROR;
        if (j->opcode == OC_VERIFY_RESPONSE) {
                hadmin_verify(c, j);
                goto done;
        }
        for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
                if (ops[i].opcode == j->opcode)
                        break;
        if (i == sizeof(ops) / sizeof(ops[0])) {
                hadmin_fail(j, RC_OPERATION_NOT_SUPPORTED,
                            "operation not supported");
                goto done;
        }
        if (hadmin_identity(c, j, ent) < 0 ||
            (j->authenticate && hadmin_authenticate(c, j) < 0))
                goto done;
        hadmin_become(c, j, ent);
        ops[i].fn(c, j);
done:
        if (!api_answered(c))
                api_ok(c, NULL);
        if (!wbuf_ok(&j->out))
                hadmin_fail(j, RC_ERROR,
                            "answer exceeds the maximum message size");
}
