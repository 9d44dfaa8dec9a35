#include "registry/ent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <hiredis/hiredis.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/httpd.h"
#include "registry/api.h"
#include "registry/cas.h"
#include "registry/keys.h"
#include "registry/pfx.h"
#include "registry/snms.h"
#include "registry/uscc.h"

#define ENT_KEY_MAX 64

/* ------------------------------------------------------ the profile */

static const char *
ent_check_industry(const char *s)
{
        return ent_industry_ok(s) ? NULL
                                  : "must be a GB/T 4754 section letter A-T";
}

static const char *
ent_check_phone(const char *s)
{
        size_t digits = 0;

        for (; *s; s++) {
                if (*s >= '0' && *s <= '9')
                        digits++;
                else if (!strchr("+-() ", *s))
                        return "may hold only digits and + - ( ) and spaces";
        }
        return digits >= 3 ? NULL : "needs at least 3 digits";
}

static const char *
ent_check_email(const char *s)
{
        const char *at = strchr(s, '@');

        if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.') ||
            at[1] == '.' || strpbrk(s, " \t"))
                return "is not an e-mail address";
        return NULL;
}

static const char *
ent_check_web(const char *s)
{
        return strpbrk(s, " \t") ? "must not contain spaces" : NULL;
}

/* The profile fields, their limits in characters and their checks. */
static const struct ent_field {
        const char *name;
        size_t max;
        const char *(*check)(const char *s); /* the reason, or NULL */
        int required;
} fields[] = {
    {"entNameCn", 128, NULL, 1},
    {"entAddrCn", 256, NULL, 0},
    {"entIndustry", 1, ent_check_industry, 0},
    {"entWebSite", 255, ent_check_web, 0},
    {"entDesc", 1000, NULL, 0},
    {"contactName", 64, NULL, 0},
    {"contactPhone", 32, ent_check_phone, 0},
    {"contactEmail", 128, ent_check_email, 0},
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

int
ent_industry_ok(const char *s)
{
        return s[0] >= 'A' && s[0] <= 'T' && s[1] == '\0';
}

int
ent_uscc(const char *s, char out[19], char *err, size_t errlen)
{
        const char *why = NULL;
        char want = 0;
        size_t i;

        if (uscc_check(s, strlen(s), &want, &why) != USCC_OK) {
                if (want)
                        snprintf(err, errlen, "uscc: %s (expected %c)", why,
                                 want);
                else
                        snprintf(err, errlen, "uscc: %s", why);
                return -1;
        }
        for (i = 0; i < USCC_LEN; i++)
                out[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
        out[USCC_LEN] = '\0';
        return 0;
}

int
ent_prefix_check(const char *field, const char *s, const char *node_prefix,
                 char *out, char *err, size_t errlen)
{
        char node[PFX_MAX + 1];
        size_t n;

        if (pfx_normalise(s, strlen(s), out) < 0) {
                snprintf(err, errlen,
                         "%s must be dot-separated letters and digits, at "
                         "most %d characters",
                         field, PFX_MAX);
                return -1;
        }
        if (!node_prefix[0])
                return 0;
        if (pfx_normalise(node_prefix, strlen(node_prefix), node) < 0) {
                snprintf(err, errlen, "node_prefix is not a prefix");
                return -1;
        }
        n = strlen(node);
        if (strncmp(out, node, n) != 0 || out[n] != '.') {
                snprintf(err, errlen,
                         "%s must be under this node's prefix %s "
                         "(%s.<code>)",
                         field, node, node);
                return -1;
        }
        return 0;
}

/* The requested prefix, normalised into out ("" if none). 0 or -1. */
static int
ent_requested_prefix(const json_t *body, const char *node_prefix,
                     char out[PFX_MAX + 1], char *err, size_t errlen)
{
        const char *s;

        out[0] = '\0';
        if (snms_text(body, "entPrefix", 0, PFX_MAX, &s, err, errlen) < 0)
                return -1;
        return s ? ent_prefix_check("entPrefix", s, node_prefix, out, err,
                                    errlen)
                 : 0;
}

json_t *
ent_profile(const json_t *body, int change, const char *node_prefix, char *err,
            size_t errlen)
{
        char uscc[USCC_LEN + 1], prefix[PFX_MAX + 1];
        json_t *out = json_object();
        const char *s, *why;
        size_t i;

        if (!out) {
                snprintf(err, errlen, "out of memory");
                return NULL;
        }
        for (i = 0; i < NFIELDS; i++) {
                const struct ent_field *f = &fields[i];

                if (change && !json_object_get(body, f->name))
                        continue;
                if (snms_text(body, f->name, f->required, f->max, &s, err,
                              errlen) < 0)
                        goto fail;
                if (s && f->check && (why = f->check(s))) {
                        snprintf(err, errlen, "%s %s", f->name, why);
                        goto fail;
                }
                json_object_set_new(out, f->name, json_string(s ? s : ""));
        }
        if (change) {
                if (json_object_get(body, "entPrefix")) {
                        snprintf(err, errlen,
                                 "entPrefix cannot be changed: the prefix is "
                                 "allocated on approval");
                        goto fail;
                }
                if (json_object_size(out) == 0) {
                        snprintf(err, errlen,
                                 "a change request needs at least one of "
                                 "the profile fields");
                        goto fail;
                }
                return out;
        }
        if (snms_text(body, "uscc", 1, USCC_LEN + 1, &s, err, errlen) < 0 ||
            ent_uscc(s, uscc, err, errlen) < 0 ||
            ent_requested_prefix(body, node_prefix, prefix, err, errlen) < 0)
                goto fail;
        json_object_set_new(out, "uscc", json_string(uscc));
        json_object_set_new(out, "entPrefix", json_string(prefix));
        return out;
fail:
        json_decref(out);
        return NULL;
}

/* ----------------------------------------------------- the record */

json_t *
ent_load(struct api_call *c, const char *uscc)
{
        char key[ENT_KEY_MAX];

        keys_enterprise(key, sizeof(key), uscc);
        return snms_hash(c, key);
}

int
ent_guard(struct cas *t, int k, const json_t *rec, long long now)
{
        const char *v = snms_field(rec, "v");
        char next[24], u[24];
        int cond = cas_expect(t, k, "v", v);

        snprintf(next, sizeof(next), "%lld", atoll(v) + 1);
        snprintf(u, sizeof(u), "%lld", now);
        cas_set(t, k, "v", next);
        cas_set(t, k, "u", u);
        return cond;
}

/* Writes t (guarded by version condition `guard`). 0 or -1 (answered). */
static int
ent_commit(struct api_call *c, struct cas *t, int guard, const char *action,
           const char *uscc)
{
        int rc = cas_run(t, c);

        if (rc == 0)
                return 0;
        if (rc == guard)
                snms_refuse(c, action, uscc, 409, -2,
                            "the enterprise record changed meanwhile; "
                            "read it again and retry");
        else if (rc > 0)
                api_fail(c, 500, -4, "internal error: unexpected condition");
        return -1;
}

/* The caller's own enterprise: its USCC, or NULL with the call answered. */
static const char *
ent_own(struct api_call *c)
{
        const char *ent = api_who(c)->ent;

        if (!ent[0]) {
                api_fail(c, 403, -3, "this account belongs to no enterprise");
                return NULL;
        }
        return ent;
}

/* -------------------------------------------------------- routes */

static void
ent_apply(struct api_call *c)
{
        const char *own = ent_own(c), *uscc, *state, *pfx, *key;
        json_t *prof = NULL, *rec = NULL, *v;
        char err[256], ekey[ENT_KEY_MAX], pkey[PFX_MAX + 16], now[24];
        long long t = clock_unix();
        struct cas *w = NULL;
        redisReply *r;
        int k, guard;

        if (!own)
                return;
        prof = ent_profile(api_body(c), 0, api_config(c)->node_prefix, err,
                           sizeof(err));
        if (!prof) {
                api_fail(c, 400, -2, "%s", err);
                return;
        }
        uscc = snms_field(prof, "uscc");
        if (strcasecmp(uscc, own) != 0) {
                snms_refuse(c, "ent.apply", uscc, 403, -3,
                            "an enterprise user may apply only for its own "
                            "enterprise (%s)",
                            own);
                goto done;
        }
        if (!(rec = ent_load(c, uscc)))
                goto done;
        state = snms_field(rec, "state");
        if (strcmp(state, ENT_APPROVED) == 0) {
                snms_refuse(c, "ent.apply", uscc, 409, -2,
                            "the enterprise is already approved: send a "
                            "change request (POST /snms/api/ent/change)");
                goto done;
        }
        if (state[0] && strcmp(state, ENT_SUBMITTED) != 0 &&
            strcmp(state, ENT_REJECTED) != 0) {
                snms_refuse(c, "ent.apply", uscc, 409, -2,
                            "the application is %s and cannot be resubmitted",
                            state);
                goto done;
        }
        pfx = snms_field(prof, "entPrefix");
        if (pfx[0]) {
                keys_prefix(pkey, sizeof(pkey), pfx);
                if (!(r = api_cmd(c, "EXISTS %s", pkey)))
                        goto done;
                k = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
                freeReplyObject(r);
                if (k) {
                        snms_refuse(c, "ent.apply", uscc, 409, -2,
                                    "prefix %s is already taken", pfx);
                        goto done;
                }
        }
        if (!(w = cas_new())) {
                api_fail(c, 500, -4, "out of memory");
                goto done;
        }
        keys_enterprise(ekey, sizeof(ekey), uscc);
        k = cas_key(w, ekey);
        guard = ent_guard(w, k, rec, t);
        json_object_foreach(prof, key, v)
            cas_set(w, k, key, json_string_value(v));
        cas_set(w, k, "state", ENT_SUBMITTED);
        cas_set(w, k, "reason", "");
        snprintf(now, sizeof(now), "%lld", t);
        if (!state[0])
                cas_set(w, k, "c", now);
        cas_zadd(w, cas_key(w, KEYS_ENTERPRISES), t, uscc);
        if (ent_commit(c, w, guard, "ent.apply", uscc) < 0)
                goto done;
        api_audit(c, "ent.apply", uscc, "ok");
        api_ok(c, json_pack("{s:s,s:s}", "uscc", uscc, "state", ENT_SUBMITTED));
done:
        cas_free(w);
        json_decref(rec);
        json_decref(prof);
}

/*
 * Loads the caller's approved enterprise for a request after approval,
 * refusing if another request of a different kind is pending or this
 * kind's is under review.  The record, or NULL with the call answered.
 */
static json_t *
ent_request_target(struct api_call *c, const char *own, const char *action,
                   const char *kind)
{
        json_t *rec = ent_load(c, own);
        const char *state, *rq, *rqs;

        if (!rec)
                return NULL;
        state = snms_field(rec, "state");
        rq = snms_field(rec, "rq");
        rqs = snms_field(rec, "rqs");
        if (!state[0])
                api_fail(c, 404, -2, "the enterprise has not applied yet");
        else if (strcmp(state, ENT_APPROVED) != 0)
                snms_refuse(c, action, own, 409, -2,
                            "the enterprise is %s, not approved%s", state,
                            strcmp(state, ENT_CANCELLED) == 0
                                ? ""
                                : ": resubmit the application instead");
        else if (rq[0] && strcmp(rq, kind) != 0)
                snms_refuse(c, action, own, 409, -2,
                            "a %s request is pending; wait for its decision",
                            rq);
        else if (rq[0] && strcmp(rqs, ENT_SUBMITTED) != 0)
                snms_refuse(c, action, own, 409, -2,
                            "the %s request is under review and cannot be "
                            "replaced",
                            rq);
        else
                return rec;
        json_decref(rec);
        return NULL;
}

/* Writes a pending request of `kind` with its payload field. */
static void
ent_request(struct api_call *c, const char *own, const char *kind,
            const char *field, const char *payload)
{
        char action[32], key[ENT_KEY_MAX];
        struct cas *w = NULL;
        json_t *rec;
        int k, guard;

        snprintf(action, sizeof(action), "ent.%s", kind);
        if (!(rec = ent_request_target(c, own, action, kind)))
                return;
        if (!(w = cas_new())) {
                api_fail(c, 500, -4, "out of memory");
                goto done;
        }
        keys_enterprise(key, sizeof(key), own);
        k = cas_key(w, key);
        guard = ent_guard(w, k, rec, clock_unix());
        cas_set(w, k, "rq", kind);
        cas_set(w, k, "rqs", ENT_SUBMITTED);
        cas_set(w, k, "rqReason", "");
        cas_set(w, k, "chg", "");
        cas_set(w, k, "rqNote", "");
        cas_set(w, k, field, payload);
        if (ent_commit(c, w, guard, action, own) < 0)
                goto done;
        api_audit(c, action, own, "ok");
        api_ok(c, json_pack("{s:s,s:s,s:s}", "uscc", own, "request", kind,
                            "state", ENT_SUBMITTED));
done:
        cas_free(w);
        json_decref(rec);
}

static void
ent_change(struct api_call *c)
{
        const char *own = ent_own(c), *uscc;
        char err[256], *chg = NULL;
        json_t *prof;

        if (!own)
                return;
        if (snms_text(api_body(c), "uscc", 0, USCC_LEN + 1, &uscc, err,
                      sizeof(err)) < 0) {
                api_fail(c, 400, -2, "%s", err);
                return;
        }
        if (uscc && strcasecmp(uscc, own) != 0) {
                snms_refuse(c, "ent.change", uscc, 403, -3,
                            "an enterprise user may change only its own "
                            "enterprise (%s); the USCC itself cannot change",
                            own);
                return;
        }
        prof = ent_profile(api_body(c), 1, "", err, sizeof(err));
        if (!prof) {
                api_fail(c, 400, -2, "%s", err);
                return;
        }
        chg = json_dumps(prof, JSON_COMPACT | JSON_SORT_KEYS);
        if (chg)
                ent_request(c, own, "change", "chg", chg);
        else
                api_fail(c, 500, -4, "out of memory");
        free(chg);
        json_decref(prof);
}

static void
ent_cancel(struct api_call *c)
{
        const char *own = ent_own(c), *note;
        char err[256];

        if (!own)
                return;
        if (snms_text(api_body(c), "reason", 0, ENT_REASON_MAX, &note, err,
                      sizeof(err)) < 0) {
                api_fail(c, 400, -2, "%s", err);
                return;
        }
        ent_request(c, own, "cancel", "rqNote", note ? note : "");
}

/* A USCC query parameter, upper case.  0, or -1 with the call answered. */
static int
ent_query_uscc(struct api_call *c, char out[USCC_LEN + 1])
{
        const char *s = api_query(c, "uscc");
        char err[128];

        if (!s || !s[0]) {
                api_fail(c, 400, -2, "uscc is required");
                return -1;
        }
        if (ent_uscc(s, out, err, sizeof(err)) < 0) {
                api_fail(c, 400, -2, "%s", err);
                return -1;
        }
        return 0;
}

/* What a query shows of a record. */
static json_t *
ent_view(const json_t *rec)
{
        json_t *out = json_object(), *rq = json_null();
        size_t i;

        if (!out)
                return NULL;
        json_object_set_new(out, "uscc", snms_field_str(rec, "uscc"));
        for (i = 0; i < NFIELDS; i++)
                json_object_set_new(out, fields[i].name,
                                    snms_field_str(rec, fields[i].name));
        json_object_set_new(out, "entPrefix", snms_field_str(rec, "entPrefix"));
        json_object_set_new(out, "state", snms_field_str(rec, "state"));
        json_object_set_new(out, "reason", snms_field_str(rec, "reason"));
        json_object_set_new(out, "prefix", snms_field_str(rec, "prefix"));
        json_object_set_new(out, "createDate", snms_field_date(rec, "c"));
        json_object_set_new(out, "updateDate", snms_field_date(rec, "u"));
        if (snms_field(rec, "rq")[0])
                rq = json_pack("{s:s,s:s,s:o,s:o}", "kind",
                               snms_field(rec, "rq"), "state",
                               snms_field(rec, "rqs"), "changes",
                               snms_field(rec, "chg")[0]
                                   ? json_loads(snms_field(rec, "chg"), 0, NULL)
                                   : json_null(),
                               "note", snms_field_str(rec, "rqNote"));
        json_object_set_new(out, "request", rq ? rq : json_null());
        json_object_set_new(out, "requestReason",
                            snms_field_str(rec, "rqReason"));
        return out;
}

static void
ent_query(struct api_call *c)
{
        const struct api_who *who = api_who(c);
        char uscc[USCC_LEN + 1];
        json_t *rec;

        if (ent_query_uscc(c, uscc) < 0)
                return;
        if (who->ent[0] && strcasecmp(uscc, who->ent) != 0) {
                api_fail(c, 403, -3,
                         "an enterprise may read only its own record");
                return;
        }
        if (!(rec = ent_load(c, uscc)))
                return;
        if (!snms_field(rec, "state")[0])
                api_fail(c, 404, -2, "no enterprise with this uscc");
        else
                api_ok(c, ent_view(rec));
        json_decref(rec);
}

/* The page being built and its filters. */
struct ent_pager {
        struct snms_page page;
        const char *state, *name; /* NULL: any */
};

static const char *const ent_page_fields[] = {
    "entNameCn", "state", "prefix", "c", "u", "rq",
};

#define NPAGEFIELDS (sizeof(ent_page_fields) / sizeof(ent_page_fields[0]))

static int
ent_page_chunk(struct api_call *c, redisReply *members, void *ctx)
{
        struct ent_pager *pg = ctx;
        redisContext *rc = api_redis(c);
        char key[ENT_KEY_MAX];
        size_t i;

        if (!rc)
                return -1;
        for (i = 0; i < members->elements; i++) {
                keys_enterprise(key, sizeof(key), members->element[i]->str);
                snms_hmget_append(rc, key, ent_page_fields, NPAGEFIELDS);
        }
        for (i = 0; i < members->elements; i++) {
                redisReply *r = api_reply(c);
                json_t *rec;

                if (!r)
                        return -1;
                rec = snms_hmget_record(r, ent_page_fields, NPAGEFIELDS);
                freeReplyObject(r);
                if (rec && snms_field(rec, "state")[0] &&
                    (!pg->state ||
                     strcmp(pg->state, snms_field(rec, "state")) == 0) &&
                    (!pg->name ||
                     strstr(snms_field(rec, "entNameCn"), pg->name)))
                        snms_page_add(
                            &pg->page,
                            json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o}", "uscc",
                                      members->element[i]->str, "entNameCn",
                                      snms_field_str(rec, "entNameCn"), "state",
                                      snms_field_str(rec, "state"), "prefix",
                                      snms_field_str(rec, "prefix"),
                                      "createDate", snms_field_date(rec, "c"),
                                      "updateDate", snms_field_date(rec, "u"),
                                      "request", snms_field_str(rec, "rq")));
                json_decref(rec);
        }
        return 0;
}

static void
ent_page(struct api_call *c)
{
        static const char *const states[] = {ENT_SUBMITTED, ENT_REVIEWING,
                                             ENT_APPROVED, ENT_REJECTED,
                                             ENT_CANCELLED};
        struct ent_pager pg = {.state = api_query(c, "state"),
                               .name = api_query(c, "entName")};
        size_t i;

        if (pg.state && !pg.state[0])
                pg.state = NULL;
        if (pg.name && !pg.name[0])
                pg.name = NULL;
        for (i = 0; pg.state && i < sizeof(states) / sizeof(states[0]); i++)
                if (strcmp(pg.state, states[i]) == 0)
                        break;
        if (pg.state && i == sizeof(states) / sizeof(states[0])) {
                api_fail(c, 400, -2,
                         "state must be submitted, reviewing, approved, "
                         "rejected or cancelled");
                return;
        }
        if (snms_page_start(c, &pg.page) < 0)
                return;
        if (snms_scan(c, KEYS_ENTERPRISES, 0, (long long)1 << 52,
                      ent_page_chunk, &pg) == 0)
                snms_page_answer(c, &pg.page);
        snms_page_drop(&pg.page);
}

static const struct api_route routes[] = {
    {"/snms/api/ent/apply", HTTPD_POST, API_ENTERPRISE, API_OBJECT, ent_apply},
    {"/snms/api/ent/change", HTTPD_POST, API_ENTERPRISE, API_OBJECT,
     ent_change},
    {"/snms/api/ent/cancel", HTTPD_POST, API_ENTERPRISE, API_OBJECT,
     ent_cancel},
    {"/snms/api/ent/query", HTTPD_GET, API_USERS, API_NO_BODY, ent_query},
    {"/snms/api/ent/page", HTTPD_GET, API_STAFF, API_NO_BODY, ent_page},
};

const struct api_route *
ent_routes(size_t *n)
{
        *n = sizeof(routes) / sizeof(routes[0]);
        return routes;
}
