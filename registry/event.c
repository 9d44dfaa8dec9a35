#include "registry/event.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/httpd.h"
#include "core/hval.h"
#include "registry/api.h"
#include "registry/evparse.h"
#include "registry/grant.h"
#include "registry/keys.h"
#include "registry/script.h"
#include "registry/snms.h"
#include "registry/tpl.h"

#define EVENT_AUDIT         "event.append"
#define EVENT_LIMIT_DEFAULT 100
#define EVENT_LIMIT_MAX     1000
#define EVENT_CHUNK         200 /* entries one XRANGE reads */
/* Codes in a stage filter, and distinct stages a summary tracks. */
#define EVENT_CODES_MAX 64
/* Fields of an entry looked at (an entry has at most 10). */
#define EVENT_KV_MAX 32
/* EVALSHA sha 2 keys, 5 arguments, the closed ids, the fields. */
#define EVENT_ARGC (5 + 5 + EVPARSE_CLOSES_MAX + EVPARSE_FIELDS_MAX)
#define EVENT_NONE ((size_t)-1)

/*
 * Appends an event.  KEYS: ev:{H}, h:{H}.  ARGV: the per-identifier
 * cap, stage, holder ("" none), corrected id ("" none), the number N of
 * closed ids, the N ids, then the entry's field/value pairs.  Answers
 * {1, id}; {0} no such identifier; {-1} the cap is reached; {-2, id} no
 * such corrected event; {-3, id} a closed event is not a warning or a
 * fault; {-4, id} no such closed event.  Sets the lifecycle state to
 * "STAGE HOLDER", HOLDER this event's, else the previous one, else "-".
 */
static const char append_lua[] =
    "local ev, h, lcf = KEYS[1], KEYS[2], '" KEYS_LIFECYCLE_FIELD "'\n"
    "if redis.call('EXISTS', h) == 0 then return {0} end\n"
    "if redis.call('XLEN', ev) >= tonumber(ARGV[1]) then return {-1} end\n"
    "local function stage(id)\n"
    "  local r = redis.call('XRANGE', ev, id, id)\n"
    "  if #r == 0 then return nil end\n"
    "  local f = r[1][2]\n"
    "  for i = 1, #f, 2 do\n"
    "    if f[i] == '" KEYS_EV_STAGE "' then return f[i + 1] end\n"
    "  end\n"
    "  return ''\n"
    "end\n"
    "if ARGV[4] ~= '' and not stage(ARGV[4]) then return {-2, ARGV[4]} end\n"
    "local n = tonumber(ARGV[5])\n"
    "for i = 6, 5 + n do\n"
    "  local s = stage(ARGV[i])\n"
    "  if not s then return {-4, ARGV[i]} end\n"
    "  if s ~= 'warning' and s ~= 'fault' then return {-3, ARGV[i]} end\n"
    "end\n"
    "local id = redis.call('XADD', ev, '*', unpack(ARGV, 6 + n))\n"
    "local holder = ARGV[3]\n"
    "if holder == '' then\n"
    "  local old = redis.call('HGET', h, lcf) or ''\n"
    "  holder = old:match(' (%S+)$') or '-'\n"
    "end\n"
    "redis.call('HSET', h, lcf, ARGV[2] .. ' ' .. holder)\n"
    "return {1, id}\n";

/* The identifier a call names, the caller's rights on it, its keys. */
struct event_subject {
        struct grant_subject s;
        int rights; /* GRANT_* */
        char hkey[KEYS_MAX], evkey[KEYS_MAX];
};

static int
event_open(struct api_call *c, struct event_subject *es)
{
        if (grant_subject(c, 0, &es->s) < 0 ||
            (es->rights = grant_rights(c, &es->s)) < 0)
                return -1;
        keys_handle(es->hkey, sizeof(es->hkey), es->s.name, es->s.len);
        keys_events(es->evkey, sizeof(es->evkey), es->s.name, es->s.len);
        return 0;
}

/*
 * 0 if the identifier exists, else -1 answered (404, audited as `audit`
 * unless NULL).
 */
static int
event_exists(struct api_call *c, const struct event_subject *es,
             const char *audit)
{
        redisReply *r = api_cmd(c, "EXISTS %s", es->hkey);
        int found;

        if (!r)
                return -1;
        found = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
        freeReplyObject(r);
        if (!found && audit)
                snms_refuse(c, audit, es->s.name, 404, -2, "%s does not exist",
                            es->s.name);
        else if (!found)
                api_fail(c, 404, -2, "%s does not exist", es->s.name);
        return found ? 0 : -1;
        return 0;
}

/*
 * Reads one XRANGE entry: *id (NULL if it has none) and the fields,
 * borrowed from the reply; *bytes grows by its size.  0, or -1 for an
 * entry that is not an event.
 */
static int
event_entry(const redisReply *x, const char **id, struct evparse_entry *out,
            size_t *bytes)
{
        const char *kv[EVENT_KV_MAX];
        size_t kvlen[EVENT_KV_MAX], i, n;
        const redisReply *f;

        *id = NULL;
        if (x->type != REDIS_REPLY_ARRAY || x->elements != 2 ||
            x->element[0]->type != REDIS_REPLY_STRING)
                return -1;
        *id = x->element[0]->str;
        f = x->element[1];
        if (f->type != REDIS_REPLY_ARRAY)
                return -1;
        n = f->elements < EVENT_KV_MAX ? f->elements : EVENT_KV_MAX;
        for (i = 0; i < n; i++) {
                if (f->element[i]->type != REDIS_REPLY_STRING)
                        return -1;
                kv[i] = f->element[i]->str;
                kvlen[i] = f->element[i]->len;
                *bytes += kvlen[i];
        }
        return evparse_entry(kv, kvlen, n, out);
}

/* ------------------------------------------------------------ append */

/* The version in a reply to HGET of index 1001, or "" (none, damaged). */
static void
event_version(const redisReply *r, char *out, size_t outsz)
{
        struct hval v;

        out[0] = '\0';
        if (r->type == REDIS_REPLY_STRING &&
            hval_parse((const uint8_t *)r->str, r->len, &v) == 0 &&
            v.data.len < outsz && !memchr(v.data.p, 0, v.data.len))
                snprintf(out, outsz, "%.*s", (int)v.data.len,
                         (const char *)v.data.p);
}

/*
 * A stage that is not built in must be one of the identifier's
 * template's (the version at index 1001).  0, or -1 answered.
 */
static int
event_custom_stage(struct api_call *c, const struct event_subject *es,
                   const char *code)
{
        char version[4 * TPL_MAX_VERSION + 1], key[KEYS_MAX], err[256];
        struct tpl *t = NULL;
        redisReply *r;
        int ok;

        if (!(r = api_cmd(c, "HGET %s %u", es->hkey, TPL_VERSION_INDEX)))
                return -1;
        event_version(r, version, sizeof(version));
        freeReplyObject(r);
        if (!version[0]) { /* no template, or no identifier */
                if (event_exists(c, es, EVENT_AUDIT) == 0)
                        snms_refuse(c, EVENT_AUDIT, es->s.name, 400, -2,
                                    "stage %s is not a built-in stage and %s "
                                    "has no template",
                                    code, es->s.name);
                return -1;
        }
        keys_template(key, sizeof(key), es->s.pfx.prefix, version);
        if (!(r = api_cmd(c, "GET %s", key)))
                return -1;
        if (r->type == REDIS_REPLY_STRING)
                t = tpl_parse(r->str, r->len, err, sizeof(err));
        freeReplyObject(r);
        ok = t && tpl_has_stage(t, code);
        tpl_free(t);
        if (!ok) {
                snms_refuse(c, EVENT_AUDIT, es->s.name, 400, -2,
                            "stage %s is neither a built-in stage nor one of "
                            "template %s",
                            code, version);
                return -1;
        }
        return 0;
}

/* Answers the script's refusal. */
static void
event_refused(struct api_call *c, const struct event_subject *es,
              const redisReply *r)
{
        const char *id =
            r->elements > 1 && r->element[1]->type == REDIS_REPLY_STRING
                ? r->element[1]->str
                : "?";

        switch (r->element[0]->integer) {
        case 0:
                snms_refuse(c, EVENT_AUDIT, es->s.name, 404, -2,
                            "%s does not exist", es->s.name);
                break;
        case -1:
                snms_refuse(c, EVENT_AUDIT, es->s.name, 409, -2,
                            "%s holds %d events, the most one identifier may "
                            "hold (event_max_per_handle)",
                            es->s.name, api_config(c)->event_max_per_handle);
                break;
        case -2:
                snms_refuse(c, EVENT_AUDIT, es->s.name, 400, -2,
                            "corrects: %s has no event %s", es->s.name, id);
                break;
        case -3:
                snms_refuse(c, EVENT_AUDIT, es->s.name, 400, -2,
                            "closes: event %s is not a warning or a fault", id);
                break;
        default:
                snms_refuse(c, EVENT_AUDIT, es->s.name, 400, -2,
                            "closes: %s has no event %s", es->s.name, id);
                break;
        }
}

/* Runs the script and answers with the stored event. */
static void
event_store(struct api_call *c, const struct event_subject *es,
            const struct evparse *e)
{
        const struct api_who *w = api_who(c);
        const char *argv[EVENT_ARGC];
        size_t argvlen[EVENT_ARGC], i, nf, nc = evparse_ncloses(e);
        char max[24], ncs[8];
        struct evparse_entry ent;
        struct script sc;
        redisReply *r;
        json_t *out;
        int argc = 0;

        script_init(&sc, append_lua);
        snprintf(max, sizeof(max), "%d", api_config(c)->event_max_per_handle);
        snprintf(ncs, sizeof(ncs), "%zu", nc);
        argv[2] = "2";
        argv[3] = es->evkey;
        argv[4] = es->hkey;
        argv[5] = max;
        argv[6] = evparse_stage(e);
        argv[7] = evparse_holder(e);
        argv[8] = evparse_corrects(e);
        argv[9] = ncs;
        for (argc = 10, i = 0; i < nc; i++)
                argv[argc++] = evparse_close(e, i);
        for (i = 2; i < (size_t)argc; i++)
                argvlen[i] = strlen(argv[i]);
        nf = evparse_fields(e, w->ent, w->name, argv + argc, argvlen + argc);
        if (!(r = script_run(c, &sc, argc + (int)nf, argv, argvlen)))
                return;
        if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
            r->element[0]->type != REDIS_REPLY_INTEGER) {
                api_fail(c, 500, -4, "store error: %s",
                         r->type == REDIS_REPLY_ERROR ? r->str : "reply");
                freeReplyObject(r);
                return;
        }
        if (r->element[0]->integer != 1 || r->elements != 2 ||
            r->element[1]->type != REDIS_REPLY_STRING) {
                event_refused(c, es, r);
                freeReplyObject(r);
                return;
        }
        out = evparse_entry(argv + argc, argvlen + argc, nf, &ent) == 0
                  ? evparse_render(r->element[1]->str, &ent)
                  : NULL;
        freeReplyObject(r);
        api_audit(c, EVENT_AUDIT, es->s.name, "ok");
        if (!out)
                api_fail(c, 500, -4, "out of memory");
        else
                api_ok(c, out);
}

static void
event_append(struct api_call *c)
{
        struct event_subject es;
        struct evparse *e;
        char err[512];

        if (event_open(c, &es) < 0)
                return;
        if (!(es.rights & GRANT_EVENT)) {
                snms_refuse(c, EVENT_AUDIT, es.s.name, 403, -3,
                            "only the owner of %s or an enterprise it "
                            "granted the event right may record its events",
                            es.s.name);
                return;
        }
        e = evparse_new(api_body(c), (long long)clock_unix_ms(), err,
                        sizeof(err));
        if (!e) {
                snms_refuse(c, EVENT_AUDIT, es.s.name, 400, -2, "%s", err);
                return;
        }
        if (evparse_stage_builtin(evparse_stage(e)) ||
            event_custom_stage(c, &es, evparse_stage(e)) == 0)
                event_store(c, &es, e);
        evparse_free(e);
}

/* ----------------------------------------------------------- listing */

struct event_filter {
        char codes[EVENT_CODES_MAX][EVPARSE_STAGE_MAX + 1];
        size_t ncodes; /* 0: every stage */
        long long from, to;
        char start[EVPARSE_ID_MAX + 1]; /* XRANGE start: "-" or "(ID" */
        long limit;
        int all; /* may see events that are not public */
};

/* The stage query parameter: comma-separated codes.  0 or -1. */
static int
event_codes(const char *s, struct event_filter *f)
{
        size_t n;

        for (; s; s = s[n] ? s + n + 1 : NULL) {
                n = strcspn(s, ",");
                if (!evparse_stage_ok(s, n) || f->ncodes == EVENT_CODES_MAX)
                        return -1;
                memcpy(f->codes[f->ncodes], s, n);
                f->codes[f->ncodes++][n] = '\0';
        }
        return 0;
}

static int
event_query(struct api_call *c, struct event_filter *f)
{
        const char *stage = api_query(c, "stage"), *from = api_query(c, "from"),
                   *to = api_query(c, "to"), *after = api_query(c, "after"),
                   *limit = api_query(c, "limit");
        const char *bad = NULL;
        uint64_t ms, seq;
        char *end;

        f->from = 0;
        f->to = INT64_MAX;
        f->limit = EVENT_LIMIT_DEFAULT;
        snprintf(f->start, sizeof(f->start), "-");
        if (stage && event_codes(stage, f) < 0) {
                api_fail(c, 400, -2,
                         "stage must be at most %d comma-separated stage "
                         "codes",
                         EVENT_CODES_MAX);
                return -1;
        }
        if (from && evparse_time(from, &f->from) < 0)
                bad = "from";
        else if (to && evparse_time(to, &f->to) < 0)
                bad = "to";
        if (bad) {
                api_fail(c, 400, -2,
                         "%s must be an RFC 3339 time from 1970 on, e.g. "
                         "2026-03-01T10:00:00Z",
                         bad);
                return -1;
        }
        if (after) {
                if (evparse_id(after, &ms, &seq) < 0) {
                        api_fail(c, 400, -2,
                                 "after must be an event id, e.g. "
                                 "1795430400000-0");
                        return -1;
                }
                f->start[0] = '(';
                evparse_id_str(ms, seq, f->start + 1);
        }
        if (limit) {
                f->limit = limit[0] >= '1' && limit[0] <= '9'
                               ? strtol(limit, &end, 10)
                               : 0;
                if (f->limit < 1 || f->limit > EVENT_LIMIT_MAX ||
                    end == limit || *end) {
                        api_fail(c, 400, -2, "limit must be 1 to %d",
                                 EVENT_LIMIT_MAX);
                        return -1;
                }
        }
        return 0;
}

static int
event_match(const struct event_filter *f, const struct evparse_entry *e)
{
        size_t i;

        if ((!e->public && !f->all) || e->time_ms < f->from ||
            e->time_ms > f->to)
                return 0;
        for (i = 0; i < f->ncodes; i++)
                if (strlen(f->codes[i]) == e->stage_len &&
                    memcmp(f->codes[i], e->stage, e->stage_len) == 0)
                        return 1;
        return f->ncodes == 0;
}

/*
 * 1 if the stream has an entry after (`newer`) or before `id`, 0 if not,
 * -1 answered.
 */
static int
event_beyond(struct api_call *c, const char *key, const char *id, int newer)
{
        redisReply *r = newer
                            ? api_cmd(c, "XRANGE %s (%s + COUNT 1", key, id)
                            : api_cmd(c, "XREVRANGE %s (%s - COUNT 1", key, id);
        int more;

        if (!r)
                return -1;
        more = r->type == REDIS_REPLY_ARRAY && r->elements > 0;
        freeReplyObject(r);
        return more;
}

static void
event_list(struct api_call *c)
{
        struct event_subject es;
        struct event_filter f = {0};
        struct evparse_entry ent;
        char last[EVPARSE_ID_MAX] = "";
        size_t scanned = 0, bytes = 0, i;
        json_t *events = NULL, *ev;
        int more = 0, stop = 0, ok;
        const char *id;
        redisReply *r;
        long want;

        if (event_open(c, &es) < 0 || event_query(c, &f) < 0 ||
            event_exists(c, &es, NULL) < 0)
                return;
        f.all = es.rights & GRANT_READ;
        if (!(events = json_array()))
                goto nomem;
        while (!stop) {
                want = EVENT_CHUNK;
                if (EVENT_SCAN_MAX - scanned < (size_t)want)
                        want = (long)(EVENT_SCAN_MAX - scanned);
                if (!(r = api_cmd(c, "XRANGE %s %s + COUNT %ld", es.evkey,
                                  f.start, want)))
                        goto fail;
                if (r->type != REDIS_REPLY_ARRAY) {
                        freeReplyObject(r);
                        api_fail(c, 500, -4, "store error reading events");
                        goto fail;
                }
                for (i = 0; i < r->elements && !stop; i++) {
                        size_t size = 0;

                        scanned++;
                        ok = event_entry(r->element[i], &id, &ent, &size);
                        if (id)
                                snprintf(last, sizeof(last), "%s", id);
                        if (ok < 0 || !event_match(&f, &ent))
                                continue;
                        if (!(ev = evparse_render(id, &ent)) ||
                            json_array_append_new(events, ev) < 0) {
                                freeReplyObject(r);
                                goto nomem;
                        }
                        bytes += size;
                        if ((long)json_array_size(events) == f.limit ||
                            bytes >= EVENT_ANSWER_MAX) {
                                stop = 1;
                                /* The chunk's last entry: ask. */
                                more = i + 1 < r->elements ? 1 : -1;
                        }
                }
                if (!stop && (long)r->elements < want) {
                        stop = 1; /* the end of the stream */
                } else if (!stop && scanned >= EVENT_SCAN_MAX) {
                        stop = 1;
                        more = 1;
                }
                freeReplyObject(r);
                snprintf(f.start, sizeof(f.start), "(%s", last);
        }
        if (more < 0 && (more = event_beyond(c, es.evkey, last, 1)) < 0)
                goto fail;
        api_ok(c, json_pack("{s:s,s:o,s:s?}", "handle", es.s.name, "events",
                            events, "next", more ? last : NULL));
        return;
nomem:
        api_fail(c, 500, -4, "out of memory");
fail:
        json_decref(events);
}

/* ----------------------------------------------------------- summary */

/* What a summary keeps of one event it may show. */
struct event_rec {
        uint64_t ms, seq;
        char stage[EVPARSE_STAGE_MAX + 1];
        char holder[19];
        int corrects; /* it corrects the event cms-cseq */
        uint64_t cms, cseq;
        uint64_t *closes; /* ms, seq pairs */
        size_t ncloses;
        size_t repl; /* the event standing for it, or EVENT_NONE */
        int closed;
};

struct event_sum {
        struct event_rec *recs; /* in recording order */
        size_t n, cap;
        int partial;
};

static void
event_sum_free(struct event_sum *m)
{
        size_t i;

        for (i = 0; i < m->n; i++)
                free(m->recs[i].closes);
        free(m->recs);
}

/* The ids of a closes field, parsed into x.  0, or -1 on no memory. */
static int
event_keep_closes(struct event_rec *x, const char *s, size_t len)
{
        char id[EVPARSE_ID_MAX];
        size_t n, max = len / 2 + 1;

        if (!(x->closes = calloc(max, 2 * sizeof(uint64_t))))
                return -1;
        for (; *s; s += n) {
                s += strspn(s, " ");
                n = strcspn(s, " ");
                if (n == 0 || n >= sizeof(id) || x->ncloses == max)
                        continue;
                memcpy(id, s, n);
                id[n] = '\0';
                if (evparse_id(id, &x->closes[2 * x->ncloses],
                               &x->closes[2 * x->ncloses + 1]) == 0)
                        x->ncloses++;
        }
        return 0;
}

/* Keeps what the summary needs of an entry.  0, or -1 on no memory. */
static int
event_keep(struct event_sum *m, const char *id, const struct evparse_entry *e)
{
        struct event_rec *x, *grown;

        if (m->n == m->cap) {
                m->cap = m->cap ? 2 * m->cap : 64;
                if (!(grown = realloc(m->recs, m->cap * sizeof(*grown))))
                        return -1;
                m->recs = grown;
        }
        x = &m->recs[m->n];
        memset(x, 0, sizeof(*x));
        x->repl = EVENT_NONE;
        if (evparse_id(id, &x->ms, &x->seq) < 0)
                return 0; /* not a stream id: cannot be referred to */
        memcpy(x->stage, e->stage, e->stage_len);
        if (e->holder && strlen(e->holder) < sizeof(x->holder))
                memcpy(x->holder, e->holder, strlen(e->holder) + 1);
        x->corrects =
            e->corrects && evparse_id(e->corrects, &x->cms, &x->cseq) == 0;
        if (e->closes && event_keep_closes(x, e->closes, e->closes_len) < 0)
                return -1;
        m->n++;
        return 0;
}

/*
 * Reads the latest EVENT_SUMMARY_MAX events, newest first, keeping
 * those the caller may see in recording order.  0, or -1 answered.
 */
static int
event_read_latest(struct api_call *c, const struct event_subject *es, int all,
                  struct event_sum *m)
{
        char start[EVPARSE_ID_MAX + 1] = "+", last[EVPARSE_ID_MAX] = "";
        struct evparse_entry ent;
        size_t nread = 0, i, size;
        struct event_rec t;
        const char *id;
        redisReply *r;
        long want = 0;
        int ok;

        while (nread < EVENT_SUMMARY_MAX) {
                want = EVENT_CHUNK;
                if (EVENT_SUMMARY_MAX - nread < (size_t)want)
                        want = (long)(EVENT_SUMMARY_MAX - nread);
                if (!(r = api_cmd(c, "XREVRANGE %s %s - COUNT %ld", es->evkey,
                                  start, want)))
                        return -1;
                if (r->type != REDIS_REPLY_ARRAY) {
                        freeReplyObject(r);
                        api_fail(c, 500, -4, "store error reading events");
                        return -1;
                }
                for (i = 0; i < r->elements; i++) {
                        nread++;
                        size = 0;
                        ok = event_entry(r->element[i], &id, &ent, &size);
                        if (id)
                                snprintf(last, sizeof(last), "%s", id);
                        if (ok < 0 || (!ent.public && !all))
                                continue;
                        if (event_keep(m, id, &ent) < 0) {
                                freeReplyObject(r);
                                api_fail(c, 500, -4, "out of memory");
                                return -1;
                        }
                }
                ok = (long)r->elements == want;
                freeReplyObject(r);
                if (!ok)
                        break;
                snprintf(start, sizeof(start), "(%s", last);
        }
        if (nread == EVENT_SUMMARY_MAX &&
            (m->partial = event_beyond(c, es->evkey, last, 0)) < 0)
                return -1;
        for (i = 0; i < m->n / 2; i++) {
                t = m->recs[i];
                m->recs[i] = m->recs[m->n - 1 - i];
                m->recs[m->n - 1 - i] = t;
        }
        return 0;
}

static size_t
event_find(const struct event_sum *m, uint64_t ms, uint64_t seq)
{
        size_t lo = 0, hi = m->n, mid;

        while (lo < hi) {
                mid = lo + (hi - lo) / 2;
                if (m->recs[mid].ms < ms ||
                    (m->recs[mid].ms == ms && m->recs[mid].seq < seq))
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo < m->n && m->recs[lo].ms == ms && m->recs[lo].seq == seq
                   ? lo
                   : EVENT_NONE;
}

/* The event standing for event k now (k, or what replaced it). */
static size_t
event_standing(struct event_sum *m, size_t k)
{
        size_t root = k, next;

        while (m->recs[root].repl != EVENT_NONE)
                root = m->recs[root].repl;
        for (; k != root; k = next) { /* shorten the chain for next time */
                next = m->recs[k].repl;
                m->recs[k].repl = root;
        }
        return root;
}

/*
 * Applies corrections (a correction replaces whatever stands for the
 * event it corrects) and closes (an event's closes, and a maintenance
 * without closes, close the warnings and faults before it; what closed
 * a corrected event also closed its correction).  The corrections.
 */
static long
event_resolve(struct event_sum *m)
{
        size_t i, k, t, nopen = 0, *open;
        long corrections = 0;

        for (i = 0; i < m->n; i++) {
                if (!m->recs[i].corrects)
                        continue;
                corrections++;
                t = event_find(m, m->recs[i].cms, m->recs[i].cseq);
                if (t != EVENT_NONE && t < i)
                        m->recs[event_standing(m, t)].repl = i;
        }
        if (!(open = calloc(m->n + 1, sizeof(*open))))
                return -1;
        for (i = 0; i < m->n; i++) {
                struct event_rec *x = &m->recs[i];

                if (evparse_stage_closable(x->stage, strlen(x->stage)))
                        open[nopen++] = i;
                if (x->repl != EVENT_NONE)
                        continue; /* replaced: it does nothing */
                for (k = 0; k < x->ncloses; k++) {
                        t = event_find(m, x->closes[2 * k],
                                       x->closes[2 * k + 1]);
                        if (t != EVENT_NONE && t < i)
                                m->recs[event_standing(m, t)].closed = 1;
                }
                if (strcmp(x->stage, "maintenance") == 0 && !x->ncloses) {
                        for (k = 0; k < nopen; k++)
                                m->recs[event_standing(m, open[k])].closed = 1;
                        nopen = 0;
                }
        }
        free(open);
        return corrections;
}

/*
 * The events at indexes idx of m, fetched in one pipeline and rendered:
 * an array aligned with idx (null where an event has gone).  NULL
 * answered.
 */
static json_t *
event_fetch(struct api_call *c, const struct event_subject *es,
            const struct event_sum *m, const size_t *idx, size_t n)
{
        char id[EVPARSE_ID_MAX];
        struct evparse_entry ent;
        redisContext *rc = api_redis(c);
        json_t *out = json_array(), *ev;
        redisReply *r;
        size_t i, size;
        const char *rid;

        if (!rc || !out) {
                json_decref(out);
                if (rc)
                        api_fail(c, 500, -4, "out of memory");
                return NULL;
        }
        for (i = 0; i < n; i++) {
                evparse_id_str(m->recs[idx[i]].ms, m->recs[idx[i]].seq, id);
                redisAppendCommand(rc, "XRANGE %s %s %s", es->evkey, id, id);
        }
        for (i = 0; i < n; i++) {
                if (!(r = api_reply(c))) {
                        json_decref(out);
                        return NULL;
                }
                ev = NULL;
                size = 0;
                if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
                    event_entry(r->element[0], &rid, &ent, &size) == 0)
                        ev = evparse_render(rid, &ent);
                json_array_append_new(out, ev ? ev : json_null());
                freeReplyObject(r);
        }
        return out;
}

/* Indexes of the events a summary shows, by role. */
struct event_shown {
        size_t stage[EVENT_CODES_MAX]; /* last standing event of a stage */
        size_t nstages;
        size_t *open; /* standing warnings and faults not closed */
        size_t nopen;
        size_t status, holder; /* latest standing event, latest holder */
};

static int
event_pick(struct event_sum *m, struct event_shown *s)
{
        size_t i, k;

        s->nstages = s->nopen = 0;
        s->status = s->holder = EVENT_NONE;
        if (!(s->open = calloc(m->n + EVENT_CODES_MAX, sizeof(*s->open))))
                return -1;
        for (i = 0; i < m->n; i++) {
                const struct event_rec *x = &m->recs[i];

                if (x->repl != EVENT_NONE)
                        continue;
                s->status = i;
                if (x->holder[0])
                        s->holder = i;
                for (k = 0; k < s->nstages; k++)
                        if (strcmp(m->recs[s->stage[k]].stage, x->stage) == 0)
                                break;
                if (k < EVENT_CODES_MAX) {
                        s->stage[k] = i;
                        s->nstages += k == s->nstages;
                }
                if (!x->closed &&
                    evparse_stage_closable(x->stage, strlen(x->stage)))
                        s->open[s->nopen++] = i;
        }
        if (s->nopen > EVENT_OPEN_MAX) { /* the latest ones */
                memmove(s->open, s->open + s->nopen - EVENT_OPEN_MAX,
                        EVENT_OPEN_MAX * sizeof(*s->open));
                s->nopen = EVENT_OPEN_MAX;
                m->partial = 1;
        }
        /* The stage events go after the open ones, for one fetch. */
        memcpy(s->open + s->nopen, s->stage, s->nstages * sizeof(*s->open));
        return 0;
}

static void
event_summary(struct api_call *c)
{
        struct event_subject es;
        struct event_sum m = {0};
        struct event_shown s = {0};
        json_t *got = NULL, *stages = NULL, *open = NULL;
        long corrections;
        size_t k;

        if (event_open(c, &es) < 0 || event_exists(c, &es, NULL) < 0 ||
            event_read_latest(c, &es, es.rights & GRANT_READ, &m) < 0)
                goto done;
        if ((corrections = event_resolve(&m)) < 0 || event_pick(&m, &s) < 0 ||
            !(stages = json_object()) || !(open = json_array())) {
                api_fail(c, 500, -4, "out of memory");
                goto done;
        }
        if (!(got = event_fetch(c, &es, &m, s.open, s.nopen + s.nstages)))
                goto done;
        for (k = 0; k < s.nopen; k++)
                if (!json_is_null(json_array_get(got, k)))
                        json_array_append(open, json_array_get(got, k));
        for (k = 0; k < s.nstages; k++)
                json_object_set(stages, m.recs[s.stage[k]].stage,
                                json_array_get(got, s.nopen + k));
        api_ok(c,
               json_pack(
                   "{s:s,s:I,s:O,s:s?,s:s?,s:O,s:I,s:b}", "handle", es.s.name,
                   "events", (json_int_t)m.n, "stages", stages, "status",
                   s.status == EVENT_NONE ? NULL : m.recs[s.status].stage,
                   "holder",
                   s.holder == EVENT_NONE ? NULL : m.recs[s.holder].holder,
                   "openWarnings", open, "corrections", (json_int_t)corrections,
                   "partial", m.partial));
done:
        json_decref(got);
        json_decref(stages);
        json_decref(open);
        free(s.open);
        event_sum_free(&m);
}

static const struct api_route routes[] = {
    {"/api/events/", HTTPD_POST, API_WRITERS, API_OBJECT, event_append},
    {"/api/events/", HTTPD_GET, API_ANYONE, API_NO_BODY, event_list},
    {"/api/lifecycle/", HTTPD_GET, API_ANYONE, API_NO_BODY, event_summary},
};

const struct api_route *
event_routes(size_t *n)
{
        *n = sizeof(routes) / sizeof(routes[0]);
        return routes;
}
