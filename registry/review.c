#include "registry/review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/httpd.h"
#include "registry/api.h"
#include "registry/cas.h"
#include "registry/ent.h"
#include "registry/keys.h"
#include "registry/pfx.h"
#include "registry/snms.h"

#define REVIEW_KEY_MAX 96

/* One decision being made. */
struct review {
        struct api_call *c;
        const struct review_step *step;
        json_t *rec; /* the enterprise as read */
        char uscc[19];
        const char *reason; /* borrowed from the body; NULL if none */
        long long now;
        char action[40];         /* for the audit: ent.<kind>.<action> */
        char given[PFX_MAX + 1]; /* the reviewer's choice of prefix, or "" */
        char prefix[PFX_MAX + 1];
};

typedef int (*review_fn)(struct review *rv);

static int review_start(struct review *rv);
static int review_reject(struct review *rv);
static int review_admit(struct review *rv);
static int review_change(struct review *rv);
static int review_cancel(struct review *rv);

/* The workflow: every allowed step and the write that makes it. */
static const struct review_step {
        const char *kind, *action, *from, *to;
        review_fn fn;
} steps[] = {
    {"apply", "start", ENT_SUBMITTED, ENT_REVIEWING, review_start},
    {"apply", "approve", ENT_REVIEWING, ENT_APPROVED, review_admit},
    {"apply", "reject", ENT_REVIEWING, ENT_REJECTED, review_reject},
    {"change", "start", ENT_SUBMITTED, ENT_REVIEWING, review_start},
    {"change", "approve", ENT_REVIEWING, ENT_APPROVED, review_change},
    {"change", "reject", ENT_REVIEWING, ENT_REJECTED, review_reject},
    {"cancel", "start", ENT_SUBMITTED, ENT_REVIEWING, review_start},
    {"cancel", "approve", ENT_REVIEWING, ENT_APPROVED, review_cancel},
    {"cancel", "reject", ENT_REVIEWING, ENT_REJECTED, review_reject},
};

#define NSTEPS (sizeof(steps) / sizeof(steps[0]))

static const struct review_step *
review_find(const char *kind, const char *action)
{
        size_t i;

        for (i = 0; i < NSTEPS; i++)
                if (strcmp(steps[i].kind, kind) == 0 &&
                    strcmp(steps[i].action, action) == 0)
                        return &steps[i];
        return NULL;
}

const char *
review_next(const char *kind, const char *action, const char *from, char *err,
            size_t errlen)
{
        const struct review_step *s = review_find(kind, action);
        const char *what =
            strcmp(kind, "apply") == 0 ? "the application" : "the request";

        if (!s) {
                snprintf(err, errlen, "no such step: %s of %s", action, kind);
                return NULL;
        }
        if (strcmp(s->from, from) == 0)
                return s->to;
        if (!from[0] && strcmp(kind, "apply") == 0)
                snprintf(err, errlen, "cannot %s: there is no application",
                         action);
        else if (!from[0])
                snprintf(err, errlen,
                         "cannot %s: there is no pending %s request", action,
                         kind);
        else if (strcmp(s->from, ENT_REVIEWING) == 0 &&
                 strcmp(from, ENT_SUBMITTED) == 0)
                snprintf(err, errlen,
                         "cannot %s: %s is submitted, not under review "
                         "(start the review first)",
                         action, what);
        else
                snprintf(err, errlen, "cannot %s: %s is %s, not %s", action,
                         what, from, s->from);
        return NULL;
}

/* Another write came between reading the enterprise and this one. */
static void
review_raced(struct review *rv)
{
        snms_refuse(rv->c, rv->action, rv->uscc, 409, -2,
                    "the enterprise changed meanwhile (another decision came "
                    "first); read it again");
}

/* A write of the enterprise guarded by its version; *k its key index. */
static struct cas *
review_begin(struct review *rv, int *k, int *guard)
{
        char key[REVIEW_KEY_MAX];
        struct cas *w = cas_new();

        if (!w) {
                api_fail(rv->c, 500, -4, "out of memory");
                return NULL;
        }
        keys_enterprise(key, sizeof(key), rv->uscc);
        *k = cas_key(w, key);
        *guard = ent_guard(w, *k, rv->rec, rv->now);
        return w;
}

/* Runs a write made by review_begin and frees it.  0, or -1 (answered). */
static int
review_commit(struct review *rv, struct cas *w, int guard)
{
        int rc = cas_run(w, rv->c);

        cas_free(w);
        if (rc > 0 && rc == guard)
                review_raced(rv);
        else if (rc > 0)
                api_fail(rv->c, 500, -4, "internal error: unexpected state");
        return rc == 0 ? 0 : -1;
}

/* Closes a pending change or cancellation request. */
static void
review_close(struct cas *w, int k, const char *reason)
{
        cas_set(w, k, "rq", "");
        cas_set(w, k, "rqs", "");
        cas_set(w, k, "chg", "");
        cas_set(w, k, "rqNote", "");
        cas_set(w, k, "rqReason", reason ? reason : "");
}

static int
review_start(struct review *rv)
{
        int k, guard;
        struct cas *w = review_begin(rv, &k, &guard);

        if (!w)
                return -1;
        cas_set(w, k, strcmp(rv->step->kind, "apply") == 0 ? "state" : "rqs",
                ENT_REVIEWING);
        return review_commit(rv, w, guard);
}

static int
review_reject(struct review *rv)
{
        int k, guard;
        struct cas *w = review_begin(rv, &k, &guard);

        if (!w)
                return -1;
        if (strcmp(rv->step->kind, "apply") == 0) {
                cas_set(w, k, "state", ENT_REJECTED);
                cas_set(w, k, "reason", rv->reason);
        } else {
                review_close(w, k, rv->reason);
        }
        return review_commit(rv, w, guard);
}

/* The prefix a decision must allocate: the reviewer's, the applicant's
 * or "" (any free one under node_prefix). */
static const char *
review_asked(const struct review *rv)
{
        return rv->given[0] ? rv->given : snms_field(rv->rec, "entPrefix");
}

/*
 * The prefix to try: the one asked for, or <node>.<n>.  0, or -1 with
 * the call answered.
 */
static int
review_candidate(struct review *rv, const char *node, long long n)
{
        const char *asked = review_asked(rv);
        int len;

        if (asked[0])
                len = snprintf(rv->prefix, sizeof(rv->prefix), "%s", asked);
        else
                len = snprintf(rv->prefix, sizeof(rv->prefix), "%s.%lld", node,
                               n);
        if (len < 0 || (size_t)len >= sizeof(rv->prefix)) {
                api_fail(rv->c, 500, -4,
                         "node_prefix %s leaves no room for enterprise codes "
                         "within %d characters",
                         node, PFX_MAX);
                return -1;
        }
        return 0;
}

/* Approves an application: the enterprise and its new prefix at once. */
static int
review_admit(struct review *rv)
{
        const char *cfg = api_config(rv->c)->node_prefix;
        const char *asked = review_asked(rv);
        char node[PFX_MAX + 1] = "", key[REVIEW_KEY_MAX], num[24], now[24];
        int k, p, guard = 0, free_cond, rc = -1, tries;
        struct cas *w;
        redisReply *r;
        long long n;

        if (cfg[0] && pfx_normalise(cfg, strlen(cfg), node) < 0) {
                api_fail(rv->c, 500, -4, "node_prefix is not a prefix");
                return -1;
        }
        if (!asked[0] && !node[0]) {
                snms_refuse(rv->c, rv->action, rv->uscc, 409, -2,
                            "cannot approve: the application asks for no "
                            "prefix (entPrefix) and this node has no "
                            "node_prefix to allocate one under");
                return -1;
        }
        snprintf(now, sizeof(now), "%lld", rv->now);
        for (tries = 0; tries < REVIEW_ALLOC_TRIES; tries++) {
                /* A number per try; one that is never used leaves a gap. */
                if (!(r = api_cmd(rv->c, "INCR %s", KEYS_PREFIX_SEQ)))
                        return -1;
                n = r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
                freeReplyObject(r);
                if (n < 1) {
                        api_fail(rv->c, 500, -4, "internal error: sequence");
                        return -1;
                }
                if (review_candidate(rv, node, n) < 0 ||
                    !(w = review_begin(rv, &k, &guard)))
                        return -1;
                keys_prefix(key, sizeof(key), rv->prefix);
                p = cas_key(w, key);
                free_cond = cas_expect(w, p, "ent", "");
                snprintf(num, sizeof(num), "%lld", n);
                cas_set(w, p, "ent", rv->uscc);
                cas_set(w, p, "state", "1"); /* PFX_ENABLED */
                cas_set(w, p, "proxy", "4"); /* PFX_HOSTED */
                cas_set(w, p, "id", num);
                cas_set(w, p, "c", now);
                cas_set(w, p, "u", now);
                cas_zadd(w, cas_key(w, KEYS_PREFIXES), rv->now, rv->prefix);
                cas_set(w, k, "state", ENT_APPROVED);
                cas_set(w, k, "prefix", rv->prefix);
                cas_set(w, k, "reason", "");
                rc = cas_run(w, rv->c);
                cas_free(w);
                if (rc == 0) {
                        api_audit(rv->c, "pfx.create", rv->prefix, "ok");
                        return 0;
                }
                if (rc < 0 || rc != free_cond)
                        break;
                if (rv->given[0]) {
                        snms_refuse(rv->c, rv->action, rv->uscc, 409, -2,
                                    "cannot approve: prefix %s is already "
                                    "taken; choose another",
                                    rv->prefix);
                        return -1;
                }
                if (asked[0]) {
                        snms_refuse(rv->c, rv->action, rv->uscc, 409, -2,
                                    "cannot approve: the requested prefix %s "
                                    "is already taken; reject the "
                                    "application so the enterprise can ask "
                                    "for another",
                                    rv->prefix);
                        return -1;
                }
        }
        if (rc > 0 && rc == guard)
                review_raced(rv);
        else if (rc > 0)
                api_fail(rv->c, 500, -4,
                         "no free prefix under %s after %d tries", node,
                         REVIEW_ALLOC_TRIES);
        return -1;
}

static int
review_change(struct review *rv)
{
        json_t *stored = json_loads(snms_field(rv->rec, "chg"), 0, NULL);
        struct cas *w = NULL;
        json_t *chg, *v;
        const char *field;
        char err[256];
        int k, guard, rc = -1;

        /* Checked again: only profile fields ever leave the request. */
        chg = ent_profile(stored, 1, "", err, sizeof(err));
        json_decref(stored);
        if (!chg) {
                api_fail(rv->c, 500, -4, "internal error: pending change: %s",
                         err);
                goto done;
        }
        if (!(w = review_begin(rv, &k, &guard)))
                goto done;
        json_object_foreach(chg, field, v)
        {
                if (json_is_string(v))
                        cas_set(w, k, field, json_string_value(v));
        }
        review_close(w, k, NULL);
        rc = review_commit(rv, w, guard);
done:
        json_decref(chg);
        return rc;
}

static int
review_cancel(struct review *rv)
{
        const char *prefix = snms_field(rv->rec, "prefix");
        char key[REVIEW_KEY_MAX], now[24];
        int k, p, guard, owned = -1, rc;
        struct cas *w = review_begin(rv, &k, &guard);

        if (!w)
                return -1;
        cas_set(w, k, "state", ENT_CANCELLED);
        review_close(w, k, NULL);
        if (prefix[0]) {
                keys_prefix(key, sizeof(key), prefix);
                p = cas_key(w, key);
                owned = cas_expect(w, p, "ent", rv->uscc);
                snprintf(now, sizeof(now), "%lld", rv->now);
                cas_set(w, p, "state", "0"); /* PFX_DISABLED */
                cas_set(w, p, "u", now);
        }
        rc = cas_run(w, rv->c);
        cas_free(w);
        if (rc == 0 && prefix[0])
                api_audit(rv->c, "pfx.disable", prefix, "ok");
        if (rc > 0 && rc == guard)
                review_raced(rv);
        else if (rc > 0 && rc == owned)
                api_fail(rv->c, 500, -4,
                         "internal error: prefix %s is not the enterprise's",
                         prefix);
        return rc == 0 ? 0 : -1;
}

/* The state the request of the step's kind is in ("" if none). */
static const char *
review_from(const struct review *rv, const char *kind)
{
        if (strcmp(kind, "apply") == 0)
                return snms_field(rv->rec, "state");
        if (strcmp(snms_field(rv->rec, "rq"), kind) == 0)
                return snms_field(rv->rec, "rqs");
        return "";
}

/*
 * Reads {uscc, kind, action, reason, prefix}.  0, or -1 with the call
 * answered.
 */
static int
review_parse(struct review *rv, const char **kind, const char **action)
{
        const json_t *body = api_body(rv->c);
        const char *uscc, *prefix;
        char err[256];

        if (snms_text(body, "uscc", 1, 19, &uscc, err, sizeof(err)) < 0 ||
            ent_uscc(uscc, rv->uscc, err, sizeof(err)) < 0 ||
            snms_text(body, "kind", 0, 16, kind, err, sizeof(err)) < 0 ||
            snms_text(body, "action", 1, 16, action, err, sizeof(err)) < 0 ||
            snms_text(body, "reason", 0, ENT_REASON_MAX, &rv->reason, err,
                      sizeof(err)) < 0 ||
            snms_text(body, "prefix", 0, PFX_MAX, &prefix, err, sizeof(err)) <
                0 ||
            (prefix &&
             ent_prefix_check("prefix", prefix, api_config(rv->c)->node_prefix,
                              rv->given, err, sizeof(err)) < 0)) {
                api_fail(rv->c, 400, -2, "%s", err);
                return -1;
        }
        if (!*kind)
                *kind = "apply";
        if (strcmp(*kind, "apply") != 0 && strcmp(*kind, "change") != 0 &&
            strcmp(*kind, "cancel") != 0) {
                api_fail(rv->c, 400, -2,
                         "kind must be apply, change or cancel");
                return -1;
        }
        if (!(rv->step = review_find(*kind, *action))) {
                api_fail(rv->c, 400, -2,
                         "action must be start, approve or reject");
                return -1;
        }
        if (strcmp(*action, "reject") == 0 && !rv->reason) {
                api_fail(rv->c, 400, -2, "a rejection needs a reason");
                return -1;
        }
        if (rv->given[0] && rv->step->fn != review_admit) {
                api_fail(rv->c, 400, -2,
                         "prefix is only for approving an application");
                return -1;
        }
        return 0;
}

static void
review_decide(struct api_call *c)
{
        struct review rv = {.c = c, .now = clock_unix()};
        const char *kind, *action, *to;
        char err[256];

        if (review_parse(&rv, &kind, &action) < 0)
                return;
        snprintf(rv.action, sizeof(rv.action), "ent.%s.%s", kind, action);
        if (!(rv.rec = ent_load(c, rv.uscc)))
                return;
        if (!snms_field(rv.rec, "state")[0]) {
                api_fail(c, 404, -2, "no enterprise with this uscc");
                goto done;
        }
        to =
            review_next(kind, action, review_from(&rv, kind), err, sizeof(err));
        if (!to) {
                snms_refuse(c, rv.action, rv.uscc, 409, -2, "%s", err);
                goto done;
        }
        if (rv.step->fn(&rv) < 0)
                goto done;
        api_audit(c, rv.action, rv.uscc, "ok");
        api_ok(c, json_pack("{s:s,s:s,s:s,s:s,s:s?}", "uscc", rv.uscc, "kind",
                            kind, "action", action, "state", to, "prefix",
                            rv.prefix[0] ? rv.prefix : NULL));
done:
        json_decref(rv.rec);
}

static const struct api_route routes[] = {
    {"/snms/api/ent/review", HTTPD_POST, API_STAFF, API_OBJECT, review_decide},
};

const struct api_route *
review_routes(size_t *n)
{
        *n = sizeof(routes) / sizeof(routes[0]);
        return routes;
}
