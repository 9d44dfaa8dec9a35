#include "registry/statapi.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "core/clock.h"
#include "core/httpd.h"
#include "core/tally.h"
#include "registry/api.h"
#include "registry/keys.h"
#include "registry/pfx.h"
#include "registry/uscc.h"

/* The counts of a period, in the order of the hash fields' kinds. */
enum { K_RES, K_NF, K_ERR, K_REG, K_N };

static const char *const kind_field[K_N] = {
    KEYS_STATS_RESOLUTIONS, KEYS_STATS_NOT_FOUND, KEYS_STATS_ERRORS,
    KEYS_STATS_REGISTRATION};
static const char *const kind_name[K_N] = {"resolutions", "notFound", "errors",
                                           "registrations"};

struct sa_row {
        int64_t t;
        uint64_t v[K_N];
        long long uniq;
};

struct sa_pfx {
        char name[TALLY_PREFIX_MAX + 1];
        char ent[USCC_LEN + 1]; /* the prefix record's owner, "" if none */
        int visible;
        struct sa_row *rows; /* in period order */
        size_t nrows, cap;
        long long uniq; /* over the range */
};

/* One report or top list being read. */
struct sa {
        redisContext *rc;
        const struct statapi_query *q;
        struct sa_pfx *p;
        size_t n, cap;
        json_t *index; /* name -> position in p */
        size_t rows;   /* visible */
        enum statapi_status st;
        char *err;
        size_t errlen;
};

/* --------------------------------------------------------- the range */

int
statapi_range(const char *granularity, const char *from, const char *to,
              int64_t now, struct statapi_query *q, char *err, size_t errlen)
{
        static const char *const example[2] = {"an hour such as 2026-11-23T14",
                                               "a day such as 2026-11-23"};
        enum period_unit u, got;
        int64_t f, t, max;

        if (!granularity || strcmp(granularity, "day") == 0)
                u = PERIOD_DAY;
        else if (strcmp(granularity, "hour") == 0)
                u = PERIOD_HOUR;
        else {
                snprintf(err, errlen, "granularity must be hour or day");
                return -1;
        }
        t = period_floor(now, u);
        if (to && (period_parse(to, strlen(to), &got, &t) < 0 || got != u)) {
                snprintf(err, errlen, "to must be %s", example[u]);
                return -1;
        }
        f = t;
        if (from &&
            (period_parse(from, strlen(from), &got, &f) < 0 || got != u)) {
                snprintf(err, errlen, "from must be %s", example[u]);
                return -1;
        }
        max = u == PERIOD_HOUR ? STATAPI_MAX_HOURS : STATAPI_MAX_DAYS;
        if (f > t || (t - f) / period_seconds(u) >= max) {
                snprintf(err, errlen,
                         "from must not be after to, and the range is at "
                         "most %d %s",
                         (int)max, u == PERIOD_HOUR ? "hours" : "days");
                return -1;
        }
        q->unit = u;
        q->from = f;
        q->to = t;
        return 0;
}

/* ------------------------------------------------------ the reading */

static void
sa_fail(struct sa *s, enum statapi_status st, const char *msg)
{
        if (s->st != STATAPI_OK)
                return;
        s->st = st;
        snprintf(s->err, s->errlen, "%s", msg);
}

static void
sa_free(struct sa *s)
{
        size_t i;

        for (i = 0; i < s->n; i++)
                free(s->p[i].rows);
        free(s->p);
        json_decref(s->index);
}

/*
 * Reads `n` replies appended to the connection, handing each to fn
 * while no failure was met; every reply is read, so the connection
 * stays usable.  -1 if it broke (s->st says so).
 */
static int
sa_replies(struct sa *s, size_t n,
           void (*fn)(struct sa *s, size_t i, const redisReply *r, void *arg),
           void *arg)
{
        size_t i;

        for (i = 0; i < n; i++) {
                void *r = NULL;

                if (redisGetReply(s->rc, &r) != REDIS_OK || !r) {
                        sa_fail(s, STATAPI_STORE, s->rc->errstr);
                        return -1;
                }
                if (s->st == STATAPI_OK && fn)
                        fn(s, i, r, arg);
                freeReplyObject(r);
        }
        return 0;
}

/* The entry of prefix `name`, made if new; NULL past the limit. */
static struct sa_pfx *
sa_prefix(struct sa *s, const char *name, size_t len)
{
        char key[TALLY_PREFIX_MAX + 1];
        struct sa_pfx *p;
        json_t *at;

        if (len == 0 || len > TALLY_PREFIX_MAX)
                return NULL;
        memcpy(key, name, len);
        key[len] = '\0';
        /* What ops/stats writes: a prefix as tally.h counts it, or other. */
        if (strspn(key, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.") != len &&
            strcmp(key, TALLY_OTHER) != 0)
                return NULL;
        if ((at = json_object_get(s->index, key)))
                return &s->p[json_integer_value(at)];
        if (s->n == STATAPI_MAX_PREFIXES) {
                sa_fail(s, STATAPI_TOO_BIG,
                        "the range holds too many prefixes: ask for one "
                        "prefix or a shorter range");
                return NULL;
        }
        if (s->n == s->cap) {
                size_t cap = s->cap ? 2 * s->cap : 16;
                struct sa_pfx *np = realloc(s->p, cap * sizeof(*np));

                if (!np) {
                        sa_fail(s, STATAPI_STORE, "out of memory");
                        return NULL;
                }
                s->p = np;
                s->cap = cap;
        }
        p = &s->p[s->n];
        memset(p, 0, sizeof(*p));
        memcpy(p->name, key, len + 1);
        json_object_set_new(s->index, key, json_integer((json_int_t)s->n++));
        return p;
}

/* The row of period t (periods arrive in order). */
static struct sa_row *
sa_row(struct sa *s, struct sa_pfx *p, int64_t t)
{
        struct sa_row *r;

        if (p->nrows && p->rows[p->nrows - 1].t == t)
                return &p->rows[p->nrows - 1];
        if (p->nrows == p->cap) {
                size_t cap = p->cap ? 2 * p->cap : 8;
                struct sa_row *nr = realloc(p->rows, cap * sizeof(*nr));

                if (!nr) {
                        sa_fail(s, STATAPI_STORE, "out of memory");
                        return NULL;
                }
                p->rows = nr;
                p->cap = cap;
        }
        r = &p->rows[p->nrows++];
        memset(r, 0, sizeof(*r));
        r->t = t;
        return r;
}

static void
sa_count(struct sa *s, int64_t t, const char *name, size_t len, int kind,
         const redisReply *v)
{
        struct sa_pfx *p;
        struct sa_row *r;

        if (v->type != REDIS_REPLY_STRING)
                return;
        if (!(p = sa_prefix(s, name, len)) || !(r = sa_row(s, p, t)))
                return;
        r->v[kind] += strtoull(v->str, NULL, 10);
}

/* "KIND:PREFIX" -> kind, or -1. */
static int
sa_field_kind(const char *f, size_t len, size_t *off)
{
        int k;

        for (k = 0; k < K_N; k++) {
                size_t n = strlen(kind_field[k]);

                if (len > n && memcmp(f, kind_field[k], n) == 0) {
                        *off = n;
                        return k;
                }
        }
        return -1;
}

/* A period's counts: HGETALL (every prefix) or HMGET (q->prefix). */
static void
sa_counts_cb(struct sa *s, size_t i, const redisReply *r, void *arg)
{
        int64_t t = s->q->from + (int64_t)i * period_seconds(s->q->unit);
        size_t k, off;
        int kind;

        (void)arg;
        if (r->type != REDIS_REPLY_ARRAY)
                return;
        if (s->q->prefix) {
                for (k = 0; k < r->elements && k < K_N; k++)
                        sa_count(s, t, s->q->prefix, strlen(s->q->prefix),
                                 (int)k, r->element[k]);
                return;
        }
        for (k = 0; k + 1 < r->elements; k += 2) {
                const redisReply *f = r->element[k];

                if (f->type == REDIS_REPLY_STRING &&
                    (kind = sa_field_kind(f->str, f->len, &off)) >= 0)
                        sa_count(s, t, f->str + off, f->len - off, kind,
                                 r->element[k + 1]);
        }
}

static int
sa_read_counts(struct sa *s)
{
        const struct statapi_query *q = s->q;
        int64_t t, step = period_seconds(q->unit);
        char key[KEYS_MAX], f[K_N][TALLY_PREFIX_MAX + 8];
        size_t n = 0;
        int k;

        for (k = 0; q->prefix && k < K_N; k++)
                snprintf(f[k], sizeof(f[k]), "%s%s", kind_field[k], q->prefix);
        for (t = q->from; t <= q->to; t += step, n++) {
                keys_stats_counts(key, sizeof(key), t, q->unit);
                if (q->prefix)
                        redisAppendCommand(s->rc, "HMGET %s %s %s %s %s", key,
                                           f[0], f[1], f[2], f[3]);
                else
                        redisAppendCommand(s->rc, "HGETALL %s", key);
        }
        return sa_replies(s, n, sa_counts_cb, NULL);
}

static void
sa_owner_cb(struct sa *s, size_t i, const redisReply *r, void *arg)
{
        struct sa_pfx *p = &s->p[((size_t *)arg)[i]];

        if (r->type == REDIS_REPLY_STRING && r->len <= USCC_LEN)
                memcpy(p->ent, r->str, r->len + 1);
}

/*
 * Reads the owner of every prefix (but TALLY_OTHER) and marks the ones
 * the query's scope shows.
 */
static int
sa_scope(struct sa *s)
{
        const struct statapi_query *q = s->q;
        size_t *which = calloc(s->n + 1, sizeof(*which)), i, n = 0;
        char key[KEYS_MAX];
        int rc;

        if (!which) {
                sa_fail(s, STATAPI_STORE, "out of memory");
                return -1;
        }
        for (i = 0; i < s->n; i++) {
                if (strcmp(s->p[i].name, TALLY_OTHER) == 0)
                        continue;
                keys_prefix(key, sizeof(key), s->p[i].name);
                redisAppendCommand(s->rc, "HGET %s ent", key);
                which[n++] = i;
        }
        rc = sa_replies(s, n, sa_owner_cb, which);
        free(which);
        for (i = 0; rc == 0 && i < s->n; i++) {
                struct sa_pfx *p = &s->p[i];

                /* TALLY_OTHER has no owner: only the unfiltered see it. */
                p->visible = (!q->ent || strcmp(p->ent, q->ent) == 0) &&
                             (!q->prefix || strcmp(p->name, q->prefix) == 0);
                if (p->visible)
                        s->rows += p->nrows;
        }
        if (rc == 0 && s->rows > STATAPI_MAX_ROWS)
                sa_fail(s, STATAPI_TOO_BIG,
                        "the answer would hold too many rows: ask for one "
                        "prefix or a shorter range");
        return s->st == STATAPI_OK ? 0 : -1;
}

/* ------------------------------------------------- unique clients */

/* PFCOUNT of keys built for (t, prefix) pairs; queued on the connection. */
struct sa_pf {
        const char **argv;
        size_t *len;
        size_t n, cap;
};

static int
sa_pf_add(struct sa_pf *pf, int64_t t, enum period_unit u, const char *pfx)
{
        char key[KEYS_MAX];
        size_t n = keys_stats_clients(key, sizeof(key), t, u, pfx);

        if (pf->n == pf->cap) {
                size_t cap = pf->cap ? 2 * pf->cap : 16;
                const char **a = realloc(pf->argv, cap * sizeof(*a));
                size_t *l;

                if (!a)
                        return -1;
                pf->argv = a;
                if (!(l = realloc(pf->len, cap * sizeof(*l))))
                        return -1;
                pf->len = l;
                pf->cap = cap;
        }
        if (pf->n == 0) {
                pf->argv[0] = "PFCOUNT";
                pf->len[pf->n++] = 7;
                return sa_pf_add(pf, t, u, pfx);
        }
        if (!n || !(pf->argv[pf->n] = strdup(key)))
                return -1;
        pf->len[pf->n++] = n;
        return 0;
}

/* Queues the PFCOUNT and empties pf.  -1 if it could not be built. */
static int
sa_pf_send(struct sa *s, struct sa_pf *pf, int ok)
{
        size_t i;

        if (ok)
                ok = redisAppendCommandArgv(s->rc, (int)pf->n, pf->argv,
                                            pf->len) == REDIS_OK;
        for (i = 1; i < pf->n; i++)
                free((void *)pf->argv[i]);
        pf->n = 0;
        if (!ok)
                sa_fail(s, STATAPI_STORE, "out of memory");
        return ok ? 0 : -1;
}

/* Where the replies of sa_uniques go, in the order they were queued. */
struct sa_uniq_out {
        long long **dst;
        size_t n;
};

static void
sa_uniq_cb(struct sa *s, size_t i, const redisReply *r, void *arg)
{
        struct sa_uniq_out *o = arg;

        (void)s;
        if (i < o->n && r->type == REDIS_REPLY_INTEGER)
                *o->dst[i] = r->integer;
}

/*
 * Unique clients of every visible row, of every visible prefix over the
 * range, and of them all into *total (-1 when the union would merge
 * more than STATAPI_MAX_MERGE HyperLogLogs).
 */
static int
sa_uniques(struct sa *s, long long *total)
{
        const struct statapi_query *q = s->q;
        int64_t t, step = period_seconds(q->unit);
        struct sa_pf pf = {NULL, NULL, 0, 0};
        struct sa_uniq_out o = {NULL, 0};
        size_t i, k, sent = 0;
        int ok = 1, rc = -1;

        *total = -1;
        o.dst = calloc(s->rows + s->n + 1, sizeof(*o.dst));
        if (!o.dst) {
                sa_fail(s, STATAPI_STORE, "out of memory");
                return -1;
        }
        for (i = 0; i < s->n; i++) {
                struct sa_pfx *p = &s->p[i];

                for (k = 0; p->visible && k < p->nrows; k++) {
                        ok = ok && sa_pf_add(&pf, p->rows[k].t, q->unit,
                                             p->name) == 0;
                        if (sa_pf_send(s, &pf, ok) < 0)
                                goto out;
                        o.dst[o.n++] = &p->rows[k].uniq, sent++;
                }
                for (k = 0; p->visible && k < p->nrows; k++)
                        ok = ok && sa_pf_add(&pf, p->rows[k].t, q->unit,
                                             p->name) == 0;
                if (p->visible && p->nrows) {
                        if (sa_pf_send(s, &pf, ok) < 0)
                                goto out;
                        o.dst[o.n++] = &p->uniq, sent++;
                }
        }
        if (!q->ent && !q->prefix) {
                for (t = q->from; t <= q->to; t += step)
                        ok = ok &&
                             sa_pf_add(&pf, t, q->unit, KEYS_STATS_ALL) == 0;
        } else if (s->rows == 0) {
                *total = 0;
        } else if (s->rows <= STATAPI_MAX_MERGE) {
                for (i = 0; i < s->n; i++)
                        for (k = 0; s->p[i].visible && k < s->p[i].nrows; k++)
                                ok =
                                    ok && sa_pf_add(&pf, s->p[i].rows[k].t,
                                                    q->unit, s->p[i].name) == 0;
        }
        if (pf.n) {
                if (sa_pf_send(s, &pf, ok) < 0)
                        goto out;
                o.dst[o.n++] = total, sent++;
        }
        rc = 0;
out:
        if (sa_replies(s, sent, sa_uniq_cb, &o) < 0)
                rc = -1;
        free(pf.argv);
        free(pf.len);
        free(o.dst);
        return rc;
}

/* ------------------------------------------------------ the answer */

/* The figures of a period (`period` its text) or of a total (NULL). */
static json_t *
sa_figures(const char *period, const uint64_t v[K_N], long long uniq)
{
        json_t *o = json_object();
        int k;

        if (period)
                json_object_set_new(o, "period", json_string(period));
        for (k = 0; k < K_N; k++)
                json_object_set_new(o, kind_name[k],
                                    json_integer((json_int_t)v[k]));
        json_object_set_new(o, "uniqueClients",
                            json_integer((json_int_t)(uniq > 0 ? uniq : 0)));
        return o;
}

static int
sa_by_name(const void *a, const void *b)
{
        const struct sa_pfx *x = *(const struct sa_pfx *const *)a;
        const struct sa_pfx *y = *(const struct sa_pfx *const *)b;

        return strcmp(x->name, y->name);
}

static json_t *
sa_render(struct sa *s, long long total_uniq)
{
        const struct statapi_query *q = s->q;
        struct sa_pfx **order = calloc(s->n + 1, sizeof(*order));
        json_t *out, *list = json_array(), *periods, *o;
        uint64_t tot[K_N] = {0}, sum[K_N];
        long long uniq_sum = 0;
        char from[PERIOD_TEXT], to[PERIOD_TEXT], per[PERIOD_TEXT];
        size_t i, k, n = 0;
        int j;

        if (!order || !list) {
                free(order);
                json_decref(list);
                return NULL;
        }
        for (i = 0; i < s->n; i++)
                if (s->p[i].visible && s->p[i].nrows)
                        order[n++] = &s->p[i];
        qsort(order, n, sizeof(*order), sa_by_name);
        for (i = 0; i < n; i++) {
                struct sa_pfx *p = order[i];

                memset(sum, 0, sizeof(sum));
                periods = json_array();
                for (k = 0; k < p->nrows; k++) {
                        period_format(p->rows[k].t, q->unit, per);
                        json_array_append_new(
                            periods,
                            sa_figures(per, p->rows[k].v, p->rows[k].uniq));
                        for (j = 0; j < K_N; j++)
                                sum[j] += p->rows[k].v[j];
                }
                for (j = 0; j < K_N; j++)
                        tot[j] += sum[j];
                uniq_sum += p->uniq > 0 ? p->uniq : 0;
                json_array_append_new(
                    list, json_pack("{s:s,s:s?,s:o,s:o}", "prefix", p->name,
                                    "enterprise", p->ent[0] ? p->ent : NULL,
                                    "periods", periods, "total",
                                    sa_figures(NULL, sum, p->uniq)));
        }
        free(order);
        period_format(q->from, q->unit, from);
        period_format(q->to, q->unit, to);
        o = sa_figures(NULL, tot, total_uniq >= 0 ? total_uniq : uniq_sum);
        /* Summed: a client of two prefixes was counted twice. */
        json_object_set_new(o, "uniqueClientsSummed",
                            json_boolean(total_uniq < 0));
        out = json_pack("{s:s,s:s,s:s,s:o,s:o}", "granularity",
                        q->unit == PERIOD_HOUR ? "hour" : "day", "from", from,
                        "to", to, "prefixes", list, "total", o);
        return out;
}

static void
sa_init(struct sa *s, redisContext *rc, const struct statapi_query *q,
        char *err, size_t errlen)
{
        memset(s, 0, sizeof(*s));
        s->rc = rc;
        s->q = q;
        s->err = err;
        s->errlen = errlen;
        s->index = json_object();
        if (!s->index)
                sa_fail(s, STATAPI_STORE, "out of memory");
}

enum statapi_status
statapi_report(redisContext *rc, const struct statapi_query *q, json_t **out,
               char *err, size_t errlen)
{
        struct sa s;
        long long total = -1;

        *out = NULL;
        sa_init(&s, rc, q, err, errlen);
        if (s.st == STATAPI_OK && sa_read_counts(&s) == 0 &&
            s.st == STATAPI_OK && sa_scope(&s) == 0 &&
            sa_uniques(&s, &total) == 0 && s.st == STATAPI_OK &&
            !(*out = sa_render(&s, total)))
                sa_fail(&s, STATAPI_STORE, "out of memory");
        sa_free(&s);
        return s.st;
}

/* ------------------------------------------------------- the top list */

struct sa_top {
        char *handle;
        const char *prefix;
        long long n;
};

struct sa_tops {
        struct sa_top *e;
        size_t n, cap;
        size_t *which; /* the prefix of each reply */
};

/* The day's prefixes with resolutions: the r: fields of its counts. */
static void
sa_day_prefixes_cb(struct sa *s, size_t i, const redisReply *r, void *arg)
{
        size_t k, off;

        (void)i;
        (void)arg;
        if (r->type != REDIS_REPLY_ARRAY)
                return;
        for (k = 0; k < r->elements && s->st == STATAPI_OK; k++) {
                const redisReply *f = r->element[k];

                if (f->type == REDIS_REPLY_STRING &&
                    sa_field_kind(f->str, f->len, &off) == K_RES)
                        sa_prefix(s, f->str + off, f->len - off);
        }
}

static void
sa_top_cb(struct sa *s, size_t i, const redisReply *r, void *arg)
{
        struct sa_tops *t = arg;
        const char *prefix = s->p[t->which[i]].name;
        size_t k;

        if (r->type != REDIS_REPLY_ARRAY)
                return;
        for (k = 0; k + 1 < r->elements; k += 2) {
                const redisReply *m = r->element[k], *sc = r->element[k + 1];

                if (m->type != REDIS_REPLY_STRING ||
                    sc->type != REDIS_REPLY_STRING)
                        continue;
                if (t->n == t->cap) {
                        size_t cap = t->cap ? 2 * t->cap : 64;
                        struct sa_top *ne = realloc(t->e, cap * sizeof(*ne));

                        if (!ne) {
                                sa_fail(s, STATAPI_STORE, "out of memory");
                                return;
                        }
                        t->e = ne;
                        t->cap = cap;
                }
                if (!(t->e[t->n].handle = strdup(m->str))) {
                        sa_fail(s, STATAPI_STORE, "out of memory");
                        return;
                }
                t->e[t->n].prefix = prefix;
                t->e[t->n++].n = llround(strtod(sc->str, NULL));
        }
}

/* Most resolved first; ties by name, so answers are stable. */
static int
sa_by_count(const void *a, const void *b)
{
        const struct sa_top *x = a, *y = b;

        if (x->n != y->n)
                return x->n < y->n ? 1 : -1;
        return strcmp(x->handle, y->handle);
}

enum statapi_status
statapi_top(redisContext *rc, const struct statapi_query *q, int limit,
            json_t **out, char *err, size_t errlen)
{
        struct sa_tops t = {NULL, 0, 0, NULL};
        struct sa s;
        char key[KEYS_MAX], day[PERIOD_TEXT];
        json_t *list;
        size_t i, n = 0;

        *out = NULL;
        sa_init(&s, rc, q, err, errlen);
        if (s.st == STATAPI_OK && q->prefix) {
                sa_prefix(&s, q->prefix, strlen(q->prefix));
        } else if (s.st == STATAPI_OK) {
                keys_stats_counts(key, sizeof(key), q->from, PERIOD_DAY);
                redisAppendCommand(rc, "HKEYS %s", key);
                sa_replies(&s, 1, sa_day_prefixes_cb, NULL);
        }
        if (s.st == STATAPI_OK && sa_scope(&s) == 0 &&
            !(t.which = calloc(s.n + 1, sizeof(*t.which))))
                sa_fail(&s, STATAPI_STORE, "out of memory");
        if (s.st == STATAPI_OK) {
                for (i = 0; i < s.n; i++) {
                        if (!s.p[i].visible)
                                continue;
                        keys_stats_top(key, sizeof(key), q->from, s.p[i].name);
                        redisAppendCommand(rc, "ZREVRANGE %s 0 %d WITHSCORES",
                                           key, limit - 1);
                        t.which[n++] = i;
                }
                sa_replies(&s, n, sa_top_cb, &t);
        }
        if (s.st == STATAPI_OK) {
                qsort(t.e, t.n, sizeof(*t.e), sa_by_count);
                list = json_array();
                for (i = 0; list && i < t.n && i < (size_t)limit; i++)
                        json_array_append_new(
                            list,
                            json_pack("{s:s,s:s,s:I}", "handle", t.e[i].handle,
                                      "prefix", t.e[i].prefix, "resolutions",
                                      (json_int_t)t.e[i].n));
                period_format(q->from, PERIOD_DAY, day);
                *out = list ? json_pack("{s:s,s:o}", "day", day, "identifiers",
                                        list)
                            : NULL;
                if (!*out)
                        sa_fail(&s, STATAPI_STORE, "out of memory");
        }
        for (i = 0; i < t.n; i++)
                free(t.e[i].handle);
        free(t.e);
        free(t.which);
        sa_free(&s);
        return s.st;
}

/* ------------------------------------------------------------ routes */

/*
 * The prefixes a caller may read: q->prefix and q->ent from the query,
 * narrowed to its own enterprise for an enterprise user or platform.
 * 0, or -1 with the call answered.
 */
static int
statapi_scope(struct api_call *c, struct statapi_query *q,
              char prefix[PFX_MAX + 1], char ent[USCC_LEN + 1])
{
        const struct api_who *who = api_who(c);
        const char *p = api_query(c, "prefix"), *e = api_query(c, "enterprise");
        struct pfx_info info;
        size_t i;
        int found;

        q->prefix = q->ent = NULL;
        if (p && pfx_normalise(p, strlen(p), prefix) < 0) {
                api_fail(c, 400, -2,
                         "prefix must be dot-separated letters and digits, "
                         "at most %d characters",
                         PFX_MAX);
                return -1;
        }
        if (e && strlen(e) != USCC_LEN) {
                api_fail(c, 400, -2,
                         "enterprise must be a USCC (%d characters)", USCC_LEN);
                return -1;
        }
        q->prefix = p ? prefix : NULL;
        if (e) {
                for (i = 0; i <= USCC_LEN; i++)
                        ent[i] =
                            (char)(e[i] >= 'a' && e[i] <= 'z' ? e[i] - 'a' + 'A'
                                                              : e[i]);
                q->ent = ent;
        }
        if (who->role == USERS_OPERATOR || who->role == USERS_REVIEWER)
                return 0;
        if (!who->ent[0] || (q->ent && strcmp(q->ent, who->ent) != 0)) {
                api_fail(c, 403, -3,
                         "an enterprise reads the statistics of its own "
                         "prefixes only");
                return -1;
        }
        if (q->prefix) {
                if (!api_redis(c))
                        return -1;
                found = pfx_get(api_redis(c), q->prefix, &info);
                if (found < 0) {
                        api_fail(c, 503, -1, "store unavailable, retry later");
                        return -1;
                }
                if (!found || strcmp(info.ent, who->ent) != 0) {
                        api_fail(c, 403, -3,
                                 "prefix %s is not one of your enterprise's",
                                 q->prefix);
                        return -1;
                }
        }
        snprintf(ent, USCC_LEN + 1, "%s", who->ent);
        q->ent = ent;
        return 0;
}

static void
statapi_answer(struct api_call *c, enum statapi_status st, json_t *out,
               const char *err)
{
        switch (st) {
        case STATAPI_OK:
                api_ok(c, out);
                break;
        case STATAPI_TOO_BIG:
                api_fail(c, 400, -2, "%s", err);
                break;
        case STATAPI_STORE:
                api_fail(c, 503, -1, "store unavailable, retry later");
                break;
        }
}

static void
statapi_get(struct api_call *c)
{
        struct statapi_query q;
        char prefix[PFX_MAX + 1], ent[USCC_LEN + 1], err[256];
        enum statapi_status st;
        json_t *out = NULL;

        if (statapi_range(api_query(c, "granularity"), api_query(c, "from"),
                          api_query(c, "to"), (int64_t)clock_unix(), &q, err,
                          sizeof(err)) < 0) {
                api_fail(c, 400, -2, "%s", err);
                return;
        }
        if (statapi_scope(c, &q, prefix, ent) < 0 || !api_redis(c))
                return;
        st = statapi_report(api_redis(c), &q, &out, err, sizeof(err));
        statapi_answer(c, st, out, err);
}

/* A decimal number in lo..hi, or -1. */
static int
statapi_int(const char *s, int lo, int hi)
{
        int v = 0;

        if (!*s)
                return -1;
        for (; *s; s++) {
                if (*s < '0' || *s > '9' || v > hi)
                        return -1;
                v = v * 10 + (*s - '0');
        }
        return v >= lo && v <= hi ? v : -1;
}

static void
statapi_get_top(struct api_call *c)
{
        const char *limit = api_query(c, "limit");
        struct statapi_query q;
        char prefix[PFX_MAX + 1], ent[USCC_LEN + 1], err[256];
        enum statapi_status st;
        json_t *out = NULL;
        int n = limit ? statapi_int(limit, 1, STATAPI_MAX_TOP) : 10;

        if (n < 0) {
                api_fail(c, 400, -2, "limit must be 1-%d", STATAPI_MAX_TOP);
                return;
        }
        if (statapi_range("day", api_query(c, "day"), api_query(c, "day"),
                          (int64_t)clock_unix(), &q, err, sizeof(err)) < 0) {
                api_fail(c, 400, -2, "day must be a day such as 2026-11-23");
                return;
        }
        if (statapi_scope(c, &q, prefix, ent) < 0 || !api_redis(c))
                return;
        st = statapi_top(api_redis(c), &q, n, &out, err, sizeof(err));
        statapi_answer(c, st, out, err);
}

static const struct api_route routes[] = {
    {"/api/stats", HTTPD_GET, API_USERS, API_NO_BODY, statapi_get},
    {"/api/stats/top", HTTPD_GET, API_USERS, API_NO_BODY, statapi_get_top},
};

const struct api_route *
statapi_routes(size_t *n)
{
        *n = sizeof(routes) / sizeof(routes[0]);
        return routes;
}
