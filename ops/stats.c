#include "ops/stats.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/period.h"
#include "core/rpool.h"
#include "registry/keys.h"

/*
 * One command's arguments (keys and script arguments together) and
 * text.  Bounds how long one script holds Redis: a few thousand small
 * writes, about a millisecond.
 */
#define STATS_BATCH_ARGS  2048
#define STATS_BATCH_BYTES (128 * 1024)
/* Longest key or field built here. */
#define STATS_NAME_MAX (TALLY_PREFIX_MAX + 48)

/*
 * KEYS: the hour's and the day's count hashes; ARGV: their expiry (Unix
 * seconds), then field, increment pairs.
 */
static const char counts_lua[] =
    "for i = 3, #ARGV, 2 do\n"
    "  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])\n"
    "  redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1])\n"
    "end\n"
    "redis.call('EXPIREAT', KEYS[1], ARGV[1])\n"
    "redis.call('EXPIREAT', KEYS[2], ARGV[2])\n"
    "return 1\n";

/*
 * KEYS: (hour, day) HyperLogLog pairs; ARGV: their expiry, then for each
 * pair a count and that many client addresses.
 */
static const char clients_lua[] =
    "local a = 3\n"
    "for k = 1, #KEYS, 2 do\n"
    "  local n = tonumber(ARGV[a])\n"
    "  for i = a + 1, a + n, 200 do\n"
    "    local j = math.min(i + 199, a + n)\n"
    "    redis.call('PFADD', KEYS[k], unpack(ARGV, i, j))\n"
    "    redis.call('PFADD', KEYS[k + 1], unpack(ARGV, i, j))\n"
    "  end\n"
    "  redis.call('EXPIREAT', KEYS[k], ARGV[1])\n"
    "  redis.call('EXPIREAT', KEYS[k + 1], ARGV[2])\n"
    "  a = a + n + 1\n"
    "end\n"
    "return 1\n";

/*
 * KEYS: a day's top sets; ARGV: their expiry, how many members to keep,
 * then for each set a count and that many increment, identifier pairs.
 */
static const char top_lua[] =
    "local a = 3\n"
    "for k = 1, #KEYS do\n"
    "  local n = tonumber(ARGV[a])\n"
    "  for i = a + 1, a + 2 * n, 2 do\n"
    "    redis.call('ZINCRBY', KEYS[k], ARGV[i], ARGV[i + 1])\n"
    "  end\n"
    "  redis.call('ZREMRANGEBYRANK', KEYS[k], 0, -tonumber(ARGV[2]) - 1)\n"
    "  redis.call('EXPIREAT', KEYS[k], ARGV[1])\n"
    "  a = a + 2 * n + 1\n"
    "end\n"
    "return 1\n";

/* One flush in flight: freed when its last command is answered. */
struct stats_flush {
        struct stats *s;
        int pending;
        int sent, failed; /* commands */
        void (*done)(void *);
        void *done_arg;
};

/* The command being built: keys and arguments kept apart until sent. */
struct stats_batch {
        const char *script;
        int nkeys, nargs;
        const char *keys[STATS_BATCH_ARGS];
        size_t keylen[STATS_BATCH_ARGS];
        const char *args[STATS_BATCH_ARGS];
        size_t arglen[STATS_BATCH_ARGS];
        const char *argv[2 * STATS_BATCH_ARGS + 3];
        size_t argvlen[2 * STATS_BATCH_ARGS + 3];
        size_t used;
        char text[STATS_BATCH_BYTES];
};

struct stats {
        struct event_base *base;
        struct rpool *redis;
        struct config *cfg; /* a reference */
        int id;
        struct tally *tally;
        struct event *timer;
        int stopped;
        uint64_t due_ms;           /* clock_ms() when the timer fires */
        int64_t hour;              /* first second of the hour being counted */
        int64_t hour_exp;          /* when this hour's keys expire */
        int64_t day_exp;           /* when this day's keys expire */
        struct stats_flush *flush; /* the one being sent */
        struct stats_batch *b;
        struct stats_counters n;
};

static void stats_timer_cb(evutil_socket_t fd, short what, void *arg);

/* Next flush: stats_flush_ms away, or when the hour ends if sooner. */
static void
stats_schedule(struct stats *s)
{
        uint64_t now = clock_unix_ms(), end = (uint64_t)(s->hour + 3600) * 1000,
                 ms = (uint64_t)s->cfg->stats_flush_ms;
        struct timeval tv;

        if (s->stopped)
                return;
        if (end > now && end - now < ms)
                ms = end - now;
        else if (end <= now)
                ms = 0;
        tv.tv_sec = (time_t)(ms / 1000);
        tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
        s->due_ms = clock_ms() + ms;
        if (evtimer_add(s->timer, &tv) < 0)
                log_error("stats", "worker=%d error=timer", s->id);
}

struct stats *
stats_new(struct event_base *base, struct rpool *redis, struct config *cfg,
          int worker_id)
{
        struct stats *s = calloc(1, sizeof(*s));
        struct tally_limits l;

        if (!s)
                return NULL;
        l.prefixes = (size_t)cfg->stats_max_prefixes;
        l.handles = (size_t)cfg->stats_max_handles;
        l.clients = (size_t)cfg->stats_max_clients;
        s->base = base;
        s->redis = redis;
        config_ref(cfg);
        s->cfg = cfg;
        s->id = worker_id;
        s->hour = period_floor((int64_t)(clock_unix_ms() / 1000), PERIOD_HOUR);
        s->tally = tally_new(&l);
        s->b = malloc(sizeof(*s->b));
        s->timer = evtimer_new(base, stats_timer_cb, s);
        if (!s->tally || !s->b || !s->timer) {
                stats_free(s);
                return NULL;
        }
        stats_schedule(s);
        return s;
}

void
stats_free(struct stats *s)
{
        if (!s)
                return;
        if (s->timer)
                event_free(s->timer);
        tally_free(s->tally);
        free(s->b);
        config_unref(s->cfg);
        free(s);
}

struct tally *
stats_tally(struct stats *s)
{
        return s->tally;
}

void
stats_get_counters(const struct stats *s, struct stats_counters *c)
{
        *c = s->n;
        tally_get_overflow(s->tally, &c->overflow);
}

/* ------------------------------------------------------ one flush */

static void
stats_flush_end(struct stats_flush *f)
{
        struct stats *s = f->s;

        if (f->failed) {
                s->n.failed++;
                log_warn("stats_flush_failed",
                         "worker=%d commands=%d failed=%d", s->id,
                         f->sent + f->failed, f->failed);
        } else {
                s->n.flushes++;
        }
        if (f->done)
                f->done(f->done_arg);
        free(f);
}

static void
stats_reply_cb(void *arg, struct redisReply *reply, enum rpool_status st)
{
        struct stats_flush *f = arg;

        if (st != RPOOL_OK || reply->type == REDIS_REPLY_ERROR) {
                if (st == RPOOL_OK)
                        log_warn("stats_flush_error", "worker=%d error=\"%s\"",
                                 f->s->id, reply->str);
                f->failed++;
                f->sent--;
        }
        if (--f->pending == 0)
                stats_flush_end(f);
}

static void
stats_begin(struct stats_batch *b, const char *script)
{
        b->script = script;
        b->nkeys = b->nargs = 0;
        b->used = 0;
}

/* Copies n bytes into the batch's text; NULL if they do not fit. */
static const char *
stats_text(struct stats_batch *b, const char *p, size_t n)
{
        char *out;

        if (n > STATS_BATCH_BYTES - b->used)
                return NULL;
        out = b->text + b->used;
        memcpy(out, p, n);
        b->used += n;
        return out;
}

static void
stats_key(struct stats_batch *b, const char *p, size_t n)
{
        b->keys[b->nkeys] = p;
        b->keylen[b->nkeys++] = n;
}

static void
stats_arg(struct stats_batch *b, const char *p, size_t n)
{
        b->args[b->nargs] = p;
        b->arglen[b->nargs++] = n;
}

/* A copied argument; -1 if the text is full (the caller checked room). */
static int
stats_arg_text(struct stats_batch *b, const char *p, size_t n)
{
        const char *t = stats_text(b, p, n);

        if (!t)
                return -1;
        stats_arg(b, t, n);
        return 0;
}

static int
stats_arg_num(struct stats_batch *b, uint64_t v)
{
        char num[24];
        int n = snprintf(num, sizeof(num), "%" PRIu64, v);

        return stats_arg_text(b, num, (size_t)n);
}

static int
stats_key_text(struct stats_batch *b, const char *p, size_t n)
{
        const char *t = n ? stats_text(b, p, n) : NULL;

        if (!t)
                return -1;
        stats_key(b, t, n);
        return 0;
}

/* Room for k more keys, a more arguments and `bytes` more text. */
static int
stats_room(const struct stats_batch *b, int k, int a, size_t bytes)
{
        return b->nkeys + b->nargs + k + a <= STATS_BATCH_ARGS &&
               bytes <= STATS_BATCH_BYTES - b->used;
}

/* Sends the batch as EVAL and empties it (no-op when it holds no key). */
static void
stats_send(struct stats *s, struct stats_batch *b)
{
        struct stats_flush *f = s->flush;
        char numkeys[16];
        int i, n = 0;

        if (b->nkeys == 0)
                return;
        snprintf(numkeys, sizeof(numkeys), "%d", b->nkeys);
        b->argv[n] = "EVAL", b->argvlen[n++] = 4;
        b->argv[n] = b->script, b->argvlen[n++] = strlen(b->script);
        b->argv[n] = numkeys, b->argvlen[n++] = strlen(numkeys);
        for (i = 0; i < b->nkeys; i++, n++)
                b->argv[n] = b->keys[i], b->argvlen[n] = b->keylen[i];
        for (i = 0; i < b->nargs; i++, n++)
                b->argv[n] = b->args[i], b->argvlen[n] = b->arglen[i];
        if (rpool_command(s->redis, stats_reply_cb, f, n, b->argv,
                          b->argvlen) == 0)
                f->pending++, f->sent++;
        else
                f->failed++;
        b->nkeys = b->nargs = 0;
        b->used = 0;
}

/* ------------------------------------------------------- the counts */

/* counts_lua's fixed part: the two hashes and their expiry. */
static void
stats_counts_head(struct stats *s, struct stats_batch *b)
{
        char key[KEYS_MAX];

        stats_begin(b, counts_lua);
        stats_key_text(
            b, key, keys_stats_counts(key, sizeof(key), s->hour, PERIOD_HOUR));
        stats_key_text(
            b, key, keys_stats_counts(key, sizeof(key), s->hour, PERIOD_DAY));
        stats_arg_num(b, (uint64_t)s->hour_exp);
        stats_arg_num(b, (uint64_t)s->day_exp);
}

static void
stats_send_counts(struct stats *s)
{
        static const char *const kind[4] = {
            KEYS_STATS_RESOLUTIONS, KEYS_STATS_NOT_FOUND, KEYS_STATS_ERRORS,
            KEYS_STATS_REGISTRATION};
        struct stats_batch *b = s->b;
        struct tally_counts c;
        char field[STATS_NAME_MAX];
        size_t i, k, len;
        uint64_t v[4];
        int n;

        stats_counts_head(s, b);
        for (i = 0; i < tally_nprefixes(s->tally); i++) {
                const char *p = tally_prefix(s->tally, i, &len, &c);

                v[0] = c.resolutions, v[1] = c.not_found, v[2] = c.errors,
                v[3] = c.registrations;
                for (k = 0; k < 4; k++) {
                        if (!v[k])
                                continue;
                        if (!stats_room(b, 0, 2, STATS_NAME_MAX + 24)) {
                                stats_send(s, b);
                                stats_counts_head(s, b);
                        }
                        n = snprintf(field, sizeof(field), "%s%s", kind[k], p);
                        stats_arg_text(b, field, (size_t)n);
                        stats_arg_num(b, v[k]);
                }
        }
        if (b->nargs > 2)
                stats_send(s, b);
        b->nkeys = 0;
}

/* ------------------------------------- clients and top identifiers */

/*
 * clients_lua and top_lua take groups: `nk` keys, and in ARGV after two
 * fixed arguments, a count and that many items of `per` arguments.  A
 * group too big for one command continues in the next one.
 */
struct stats_grouped {
        const char *script;
        uint64_t fixed[2];
        int nk, per;
        char key[2][KEYS_MAX]; /* the open group's keys */
        size_t keylen[2];
        int count_at; /* the open group's count argument; -1: none */
};

/* Text a group's count needs; every item leaves room for it. */
#define STATS_COUNT_TEXT 16

static void
stats_group_close(struct stats_batch *b, struct stats_grouped *g)
{
        char num[STATS_COUNT_TEXT];
        int n;

        if (g->count_at < 0)
                return;
        n = snprintf(num, sizeof(num), "%d",
                     (b->nargs - g->count_at - 1) / g->per);
        b->args[g->count_at] = stats_text(b, num, (size_t)n);
        b->arglen[g->count_at] = (size_t)n;
        g->count_at = -1;
}

/* Opens the group of g->key in the batch, sending first if it is full. */
static void
stats_group_open(struct stats *s, struct stats_batch *b,
                 struct stats_grouped *g)
{
        size_t need = 2 * STATS_COUNT_TEXT + 48;
        int k;

        for (k = 0; k < g->nk; k++)
                need += g->keylen[k];
        if (!stats_room(b, g->nk, 1 + g->per, need))
                stats_send(s, b);
        if (b->nkeys == 0) {
                stats_begin(b, g->script);
                stats_arg_num(b, g->fixed[0]);
                stats_arg_num(b, g->fixed[1]);
        }
        for (k = 0; k < g->nk; k++)
                stats_key_text(b, g->key[k], g->keylen[k]);
        g->count_at = b->nargs;
        stats_arg(b, "", 0);
}

/*
 * One item: a number (when `num` is not NULL) and/or a borrowed string
 * (valid until the batch is sent), per g->per.
 */
static void
stats_group_item(struct stats *s, struct stats_batch *b,
                 struct stats_grouped *g, const uint64_t *num, const void *p,
                 size_t len)
{
        if (g->count_at >= 0 &&
            !stats_room(b, 0, g->per, 24 + STATS_COUNT_TEXT)) {
                stats_group_close(b, g);
                stats_send(s, b);
        }
        if (g->count_at < 0)
                stats_group_open(s, b, g);
        if (num)
                stats_arg_num(b, *num);
        stats_arg(b, p, len);
}

/* The client addresses of prefix `i`, or of every prefix when `all`. */
static void
stats_clients_of(struct stats *s, struct stats_grouped *g, size_t i, int all)
{
        size_t last = all ? tally_nprefixes(s->tally) : i + 1, len;
        const uint8_t *addr;
        uint32_t it;

        for (; i < last; i++)
                for (it = 0; tally_next_client(s->tally, i, &it, &addr, &len);)
                        stats_group_item(s, s->b, g, NULL, addr, len);
        stats_group_close(s->b, g);
}

static void
stats_send_clients(struct stats *s)
{
        struct stats_grouped g = {clients_lua, {0, 0}, 2, 1,
                                  {"", ""},    {0, 0}, -1};
        struct tally_counts c;
        size_t i, len;
        const char *p;

        g.fixed[0] = (uint64_t)s->hour_exp;
        g.fixed[1] = (uint64_t)s->day_exp;
        for (i = 0; i <= tally_nprefixes(s->tally); i++) {
                int all = i == tally_nprefixes(s->tally);

                p = all ? KEYS_STATS_ALL : tally_prefix(s->tally, i, &len, &c);
                g.keylen[0] = keys_stats_clients(g.key[0], KEYS_MAX, s->hour,
                                                 PERIOD_HOUR, p);
                g.keylen[1] = keys_stats_clients(g.key[1], KEYS_MAX, s->hour,
                                                 PERIOD_DAY, p);
                stats_clients_of(s, &g, all ? 0 : i, all);
        }
        stats_send(s, s->b);
}

static void
stats_send_top(struct stats *s)
{
        struct stats_grouped g = {
            top_lua, {0, KEYS_STATS_TOP_KEEP}, 1, 2, {"", ""}, {0, 0}, -1};
        struct tally_counts c;
        const char *name;
        size_t i, len;
        uint64_t n;
        uint32_t it;

        g.fixed[0] = (uint64_t)s->day_exp;
        for (i = 0; i < tally_nprefixes(s->tally); i++) {
                g.keylen[0] =
                    keys_stats_top(g.key[0], KEYS_MAX, s->hour,
                                   tally_prefix(s->tally, i, &len, &c));
                for (it = 0;
                     tally_next_handle(s->tally, i, &it, &name, &len, &n);)
                        stats_group_item(s, s->b, &g, &n, name, len);
                stats_group_close(s->b, &g);
        }
        stats_send(s, s->b);
}

/* Sends what the tally holds for s->hour, then resets it. */
static void
stats_flush(struct stats *s, void (*done)(void *), void *arg)
{
        const struct config *cfg = s->cfg;
        int64_t now = (int64_t)(clock_unix_ms() / 1000), hour;
        struct stats_flush *f = NULL;

        if (!tally_empty(s->tally) && (f = calloc(1, sizeof(*f)))) {
                f->s = s;
                f->done = done;
                f->done_arg = arg;
                f->pending = 1; /* until everything is sent */
                s->flush = f;
                s->hour_exp =
                    s->hour + PERIOD_HOUR_S +
                    (int64_t)cfg->stats_hourly_retention_days * PERIOD_DAY_S;
                s->day_exp =
                    period_floor(s->hour, PERIOD_DAY) +
                    (int64_t)(cfg->stats_retention_days + 1) * PERIOD_DAY_S;
                s->b->nkeys = 0;
                stats_send_counts(s);
                stats_send_clients(s);
                stats_send_top(s);
                s->flush = NULL;
        } else if (!tally_empty(s->tally)) {
                s->n.failed++;
                log_warn("stats_flush_failed", "worker=%d error=no_memory",
                         s->id);
        }
        hour = period_floor(now, PERIOD_HOUR);
        tally_reset(s->tally, hour != s->hour);
        s->hour = hour;
        if (f && --f->pending == 0)
                stats_flush_end(f); /* runs done */
        else if (!f && done)
                done(arg);
}

static void
stats_timer_cb(evutil_socket_t fd, short what, void *arg)
{
        struct stats *s = arg;

        (void)fd;
        (void)what;
        stats_flush(s, NULL, NULL);
        stats_schedule(s);
}

void
stats_reload(struct stats *s, struct config *cfg)
{
        struct config *old = s->cfg;

        config_ref(cfg);
        s->cfg = cfg;
        config_unref(old);
        /* Only sooner: reloads in a row must not put the flush off. */
        if (!s->stopped &&
            clock_ms() + (uint64_t)cfg->stats_flush_ms < s->due_ms) {
                event_del(s->timer);
                stats_schedule(s);
        }
}

void
stats_final(struct stats *s, void (*done)(void *), void *arg)
{
        s->stopped = 1;
        event_del(s->timer);
        stats_flush(s, done, arg);
}
