#include "registry/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "core/httpd.h"
#include "registry/api.h"
#include "registry/keys.h"

int
audit_append(redisContext *rc, long max_entries, const struct audit_entry *e)
{
        char maxlen[24];

        snprintf(maxlen, sizeof(maxlen), "%ld", max_entries);
        return redisAppendCommand(
                   rc,
                   "XADD %s MAXLEN ~ %s * who %s role %s ent %s act %s tgt "
                   "%s res %s addr %s",
                   KEYS_AUDIT, maxlen, e->who, e->role,
                   e->ent[0] ? e->ent : "-", e->action, e->target, e->result,
                   e->addr) == REDIS_OK
                   ? 0
                   : -1;
}

int
audit_valid_id(const char *id)
{
        size_t i = 0, n;

        n = strspn(id, "0123456789");
        if (n == 0 || n > 20)
                return 0;
        i = n;
        if (id[i] == '\0')
                return 1;
        if (id[i] != '-')
                return 0;
        n = strspn(id + i + 1, "0123456789");
        return n > 0 && n <= 20 && id[i + 1 + n] == '\0';
}

/* The stream entry's fields, by name (the order is ours, but be lenient). */
static const char *
audit_field(const redisReply *fields, const char *name)
{
        size_t i;

        for (i = 0; i + 1 < fields->elements; i += 2)
                if (fields->element[i]->type == REDIS_REPLY_STRING &&
                    strcmp(fields->element[i]->str, name) == 0 &&
                    fields->element[i + 1]->type == REDIS_REPLY_STRING)
                        return fields->element[i + 1]->str;
        return "";
}

static int
audit_match(const char *want, const char *have)
{
        return !want || strcmp(want, have) == 0;
}

/* The entry's time, from the milliseconds of its id, as ISO 8601 UTC. */
static void
audit_time(const char *id, char out[64])
{
        long long ms = strtoll(id, NULL, 10);
        time_t s = (time_t)(ms / 1000);
        struct tm tm;

        gmtime_r(&s, &tm);
        snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

static json_t *
audit_entry_json(const char *id, const redisReply *f)
{
        char when[64];
        const char *ent = audit_field(f, "ent");

        audit_time(id, when);
        return json_pack(
            "{s:s,s:s,s:s,s:s,s:s*,s:s,s:s,s:s,s:s}", "id", id, "time", when,
            "who", audit_field(f, "who"), "role", audit_field(f, "role"),
            "enterprise", strcmp(ent, "-") == 0 ? NULL : ent, "action",
            audit_field(f, "act"), "target", audit_field(f, "tgt"), "result",
            audit_field(f, "res"), "addr", audit_field(f, "addr"));
}

json_t *
audit_page(redisContext *rc, const struct audit_query *q, char *err,
           size_t errlen)
{
        char end[AUDIT_ID_MAX + 2], last[AUDIT_ID_MAX] = "";
        json_t *entries = json_array(), *out = NULL;
        int scanned = 0, exhausted = 0;
        redisReply *r = NULL;
        size_t i;

        if (!entries)
                goto fail;
        snprintf(end, sizeof(end), q->before ? "(%s" : "+",
                 q->before ? q->before : "");
        while ((int)json_array_size(entries) < q->count &&
               scanned < AUDIT_MAX_SCAN && !exhausted) {
                int batch = q->count - (int)json_array_size(entries);

                /* Filters may skip entries: read ahead a little. */
                if (q->action || q->target || q->ent || q->who)
                        batch = 500;
                r = redisCommand(rc, "XREVRANGE %s %s - COUNT %d", KEYS_AUDIT,
                                 end, batch);
                if (!r || r->type != REDIS_REPLY_ARRAY) {
                        snprintf(err, errlen, "redis: %s",
                                 r ? (r->str ? r->str : "unexpected reply")
                                   : rc->errstr);
                        goto fail;
                }
                exhausted = r->elements < (size_t)batch;
                for (i = 0; i < r->elements; i++) {
                        const redisReply *e = r->element[i];
                        const char *id;

                        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
                            e->element[0]->type != REDIS_REPLY_STRING ||
                            e->element[1]->type != REDIS_REPLY_ARRAY)
                                continue;
                        id = e->element[0]->str;
                        snprintf(last, sizeof(last), "%s", id);
                        scanned++;
                        if (audit_match(q->action,
                                        audit_field(e->element[1], "act")) &&
                            audit_match(q->target,
                                        audit_field(e->element[1], "tgt")) &&
                            audit_match(q->ent,
                                        audit_field(e->element[1], "ent")) &&
                            audit_match(q->who,
                                        audit_field(e->element[1], "who")))
                                json_array_append_new(
                                    entries,
                                    audit_entry_json(id, e->element[1]));
                        if ((int)json_array_size(entries) == q->count) {
                                exhausted = i + 1 == r->elements && exhausted;
                                break;
                        }
                }
                freeReplyObject(r);
                r = NULL;
                snprintf(end, sizeof(end), "(%s", last);
        }
        out = json_pack("{s:o,s:s?}", "entries", entries, "next",
                        exhausted || !last[0] ? NULL : last);
        return out;
fail:
        if (r)
                freeReplyObject(r);
        json_decref(entries);
        return NULL;
}

/* ---------------------------------------------------- GET /snms/api/audit */

static void
audit_get(struct api_call *c)
{
        const struct api_who *who = api_who(c);
        const char *count = api_query(c, "count");
        struct audit_query q;
        char err[256];
        json_t *page;

        memset(&q, 0, sizeof(q));
        q.count = count ? atoi(count) : 100;
        if (q.count < 1 || q.count > AUDIT_MAX_PAGE) {
                api_fail(c, 400, -2, "count must be 1-%d", AUDIT_MAX_PAGE);
                return;
        }
        q.before = api_query(c, "before");
        if (q.before && !audit_valid_id(q.before)) {
                api_fail(c, 400, -2,
                         "before must be an entry id such as 1700000000000-0");
                return;
        }
        q.action = api_query(c, "action");
        q.target = api_query(c, "target");
        q.who = api_query(c, "who");
        q.ent = api_query(c, "enterprise");
        /* An enterprise sees what was done to and by itself, nothing else. */
        if (who->role == USERS_ENTERPRISE) {
                if (q.ent && strcmp(q.ent, who->ent) != 0) {
                        api_fail(c, 403, -3,
                                 "an enterprise reads only its own audit "
                                 "entries");
                        return;
                }
                q.ent = who->ent;
        }
        if (!api_redis(c))
                return;
        page = audit_page(api_redis(c), &q, err, sizeof(err));
        if (!page) {
                api_fail(c, 503, -1, "store unavailable, retry later");
                return;
        }
        api_ok(c, page);
}

static const struct api_route routes[] = {
    {"/snms/api/audit", HTTPD_GET, API_STAFF | API_ENTERPRISE, API_NO_BODY,
     audit_get},
};

const struct api_route *
audit_routes(size_t *n)
{
        *n = sizeof(routes) / sizeof(routes[0]);
        return routes;
}
