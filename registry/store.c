#include "registry/store.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "core/clock.h"
#include "core/hval.h"
#include "core/rpool.h"
#include "registry/keys.h"

/*
 * Errors Redis answers while it cannot serve for a moment (replaying its
 * AOF after a restart, running a long script, a replica without its
 * master): the client should retry, as when Redis is down.
 */
static int
store_transient(const redisReply *r)
{
        static const char *const busy[] = {"LOADING ", "BUSY ", "MASTERDOWN ",
                                           "TRYAGAIN "};
        size_t i;

        for (i = 0; i < sizeof(busy) / sizeof(busy[0]); i++)
                if (strncmp(r->str, busy[i], strlen(busy[i])) == 0)
                        return 1;
        return 0;
}

static void
store_fetch_reply(void *arg, struct redisReply *r, enum rpool_status st)
{
        struct store_fetch *f = arg;
        struct span vals[HVAL_MAX_PER_HANDLE];
        struct hrec *rec;
        uint32_t n = 0;
        size_t i;

        if (st != RPOOL_OK) {
                f->cb(f, NULL, STORE_BUSY);
                return;
        }
        if (r->type != REDIS_REPLY_ARRAY) {
                f->cb(f, NULL,
                      r->type == REDIS_REPLY_ERROR && store_transient(r)
                          ? STORE_BUSY
                          : STORE_ERROR);
                return;
        }
        if (r->elements == 0) {
                f->cb(f, NULL, STORE_NOT_FOUND);
                return;
        }
        for (i = 0; i + 1 < r->elements && n < HVAL_MAX_PER_HANDLE; i += 2) {
                redisReply *k = r->element[i], *v = r->element[i + 1];

                if (k->type != REDIS_REPLY_STRING ||
                    v->type != REDIS_REPLY_STRING || k->str[0] == '_')
                        continue; /* metadata, not a value */
                vals[n].p = (const uint8_t *)v->str;
                vals[n].len = (uint32_t)v->len;
                n++;
        }
        rec = hrec_new(vals, n, &f->bad_values);
        f->cb(f, rec, rec ? STORE_OK : STORE_ERROR);
}

int
store_fetch(struct rpool *p, struct store_fetch *f, const char *name,
            size_t len, store_fetch_cb cb)
{
        char key[KEYS_MAX];
        const char *argv[2] = {"HGETALL", key};
        size_t argvlen[2] = {7, 0};

        argvlen[1] = keys_handle(key, sizeof(key), name, len);
        if (argvlen[1] == 0)
                return -1;
        f->cb = cb;
        f->bad_values = 0;
        return rpool_command(p, store_fetch_reply, f, 2, argv, argvlen);
}

/*
 * A record is one HSET of all its fields: atomic, one key, and Redis's
 * cheapest write of it.  HSET keeps fields it is not given, so when the
 * reply says the hash already had some (every writer sets the metadata
 * field, so an existing record always has), the record is written again
 * as MULTI DEL HSET EXEC to drop values the new record lacks.  The
 * batch is acknowledged after that, so an acknowledged record is
 * exactly what was put.
 */
#define STORE_REPLACE_REPLIES 4
/* A connection with replies due but silent this long has failed. */
#define STORE_STALL_MS 30000
#define STORE_IDLE     ((size_t)-1)
/* How long a writer connection that must authenticate may take to open. */
#define STORE_CONNECT_S 5

/* A batch sent, in sending order. */
struct store_batch {
        uint64_t tag;
        uint32_t records;
        int done;
};

/* A record of the batch on a connection: where its HSET and key are. */
struct store_rec {
        size_t cmd, cmdlen, key, keylen;
        uint32_t fields;
};

struct store_conn {
        redisContext *rc;
        size_t slot;      /* its batch in w->ring, or STORE_IDLE */
        struct wbuf cmds; /* the batch's HSET commands (RESP) */
        struct wbuf keys; /* and their keys */
        struct store_rec *recs;
        uint32_t nrecs, cap;
        uint64_t replied; /* replies read for this batch */
        uint64_t want;    /* replies still due */
};

struct store_writer {
        struct store_conn *c;
        int nconn;
        int open; /* connection of the open batch, or -1 */
        struct store_batch *ring;
        size_t cap, head, count;
        store_acked_fn acked;
        void *arg;
        uint64_t done;
        int failed;
        char err[256];
};

static int
store_fail(struct store_writer *w, const char *what, const char *detail)
{
        if (!w->failed)
                snprintf(w->err, sizeof(w->err), "redis: %s%s%s", what,
                         detail ? ": " : "", detail ? detail : "");
        w->failed = 1;
        return -1;
}

/*
 * One writer connection, non-blocking.  With a password it is opened
 * blocking so AUTH is answered before any batch, then switched to
 * non-blocking as redisConnectNonBlock would have left it.  NULL with
 * err.
 */
static redisContext *
store_connect(const struct store_writer_opts *o, char *err, size_t errlen)
{
        struct timeval tv = {STORE_CONNECT_S, 0};
        char why[160];
        redisContext *rc;
        int fl;

        if (!o->password || !o->password[0])
                rc = o->socket[0] ? redisConnectUnixNonBlock(o->socket)
                                  : redisConnectNonBlock(o->host, o->port);
        else
                rc = o->socket[0]
                         ? redisConnectUnixWithTimeout(o->socket, tv)
                         : redisConnectWithTimeout(o->host, o->port, tv);
        if (!rc || rc->err) {
                snprintf(err, errlen, "redis: %s",
                         rc ? rc->errstr : "out of memory");
                goto fail;
        }
        if (!o->password || !o->password[0])
                return rc;
        if (rpool_auth_sync(rc, o->password, why, sizeof(why)) < 0) {
                snprintf(err, errlen, "redis: %s", why);
                goto fail;
        }
        if ((fl = fcntl(rc->fd, F_GETFL)) < 0 ||
            fcntl(rc->fd, F_SETFL, fl | O_NONBLOCK) < 0) {
                snprintf(err, errlen, "redis: %s", strerror(errno));
                goto fail;
        }
        rc->flags &= ~REDIS_BLOCK;
        return rc;
fail:
        if (rc)
                redisFree(rc);
        return NULL;
}

struct store_writer *
store_writer_new(const struct store_writer_opts *o, char *err, size_t errlen)
{
        struct store_writer *w = calloc(1, sizeof(*w));
        int i;

        if (!w || o->conns < 1 || o->conns > STORE_WRITER_MAX_CONNS) {
                snprintf(err, errlen,
                         w ? "1 to %d connections" : "out of memory",
                         STORE_WRITER_MAX_CONNS);
                goto fail;
        }
        w->nconn = o->conns;
        w->open = -1;
        w->acked = o->acked;
        w->arg = o->arg;
        /* One batch in flight per connection, plus empty ones behind. */
        w->cap = 2 * (size_t)o->conns + 2;
        w->ring = calloc(w->cap, sizeof(*w->ring));
        w->c = calloc((size_t)o->conns, sizeof(*w->c));
        if (!w->ring || !w->c) {
                snprintf(err, errlen, "out of memory");
                goto fail;
        }
        for (i = 0; i < w->nconn; i++) {
                struct store_conn *k = &w->c[i];

                k->slot = STORE_IDLE;
                wbuf_init(&k->cmds, 0);
                wbuf_init(&k->keys, 0);
                k->rc = store_connect(o, err, errlen);
                if (!k->rc)
                        goto fail;
        }
        return w;
fail:
        store_writer_free(w);
        return NULL;
}

void
store_writer_free(struct store_writer *w)
{
        int i;

        if (!w)
                return;
        for (i = 0; w->c && i < w->nconn; i++) {
                if (w->c[i].rc)
                        redisFree(w->c[i].rc);
                wbuf_free(&w->c[i].cmds);
                wbuf_free(&w->c[i].keys);
                free(w->c[i].recs);
        }
        free(w->c);
        free(w->ring);
        free(w);
}

/* Delivers the acknowledgements that are next in sending order. */
static void
store_deliver(struct store_writer *w)
{
        while (w->count > 0 && w->ring[w->head].done && !w->failed) {
                struct store_batch *b = &w->ring[w->head];

                w->done += b->records;
                w->head = (w->head + 1) % w->cap;
                w->count--;
                if (w->acked)
                        w->acked(w->arg, b->tag);
        }
}

/* Queues record r of connection k again, replacing the whole hash. */
static int
store_replace(struct store_writer *w, struct store_conn *k,
              const struct store_rec *r)
{
        static const char *multi[] = {"MULTI"}, *exec[] = {"EXEC"};
        static const size_t multilen[] = {5}, execlen[] = {4};
        const char *del[2] = {"DEL", (const char *)k->keys.p + r->key};
        size_t dellen[2] = {3, r->keylen};
        int sent = 0;

        if (redisAppendCommandArgv(k->rc, 1, multi, multilen) != REDIS_OK ||
            redisAppendCommandArgv(k->rc, 2, del, dellen) != REDIS_OK ||
            redisAppendFormattedCommand(k->rc, (const char *)k->cmds.p + r->cmd,
                                        r->cmdlen) != REDIS_OK ||
            redisAppendCommandArgv(k->rc, 1, exec, execlen) != REDIS_OK)
                return store_fail(w, "out of memory", NULL);
        k->want += STORE_REPLACE_REPLIES;
        if (redisBufferWrite(k->rc, &sent) != REDIS_OK)
                return store_fail(w, k->rc->errstr, NULL);
        return 0;
}

/* One reply on connection k: the HSETs' in record order, then the rest. */
static int
store_reply(struct store_writer *w, struct store_conn *k, const redisReply *r)
{
        size_t i;

        if (r->type == REDIS_REPLY_ERROR)
                return store_fail(w, r->str, NULL);
        if (k->replied < k->nrecs) {
                const struct store_rec *rec = &k->recs[k->replied];

                if (r->type != REDIS_REPLY_INTEGER)
                        return store_fail(w, "HSET answered oddly", NULL);
                /* Fewer new fields than given: the record existed. */
                if (r->integer < (long long)rec->fields)
                        return store_replace(w, k, rec);
                return 0;
        }
        if ((k->replied - k->nrecs) % STORE_REPLACE_REPLIES !=
            STORE_REPLACE_REPLIES - 1)
                return 0;
        /* EXEC: DEL and HSET both ran. */
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 2)
                return store_fail(w, "transaction failed", NULL);
        for (i = 0; i < r->elements; i++)
                if (r->element[i]->type == REDIS_REPLY_ERROR)
                        return store_fail(w, r->element[i]->str, NULL);
        return 0;
}

/* Reads what connection k has and consumes its replies. */
static int
store_read(struct store_writer *w, struct store_conn *k)
{
        void *reply = NULL;
        int rc;

        if (redisBufferRead(k->rc) != REDIS_OK)
                return store_fail(w, k->rc->errstr, NULL);
        for (;;) {
                if (redisGetReplyFromReader(k->rc, &reply) != REDIS_OK)
                        return store_fail(w, k->rc->errstr, NULL);
                if (!reply)
                        return 0;
                rc = k->want == 0 ? store_fail(w, "unexpected reply", NULL)
                                  : store_reply(w, k, reply);
                freeReplyObject(reply);
                if (rc < 0)
                        return -1;
                k->replied++;
                if (--k->want == 0) {
                        w->ring[k->slot].done = 1;
                        k->slot = STORE_IDLE;
                }
        }
}

/*
 * Moves bytes both ways on every busy connection, waiting up to
 * `timeout_ms` (0: not at all) for one to be ready.  Returns how many
 * were ready, or -1.
 */
static int
store_io(struct store_writer *w, int timeout_ms)
{
        struct pollfd pfd[STORE_WRITER_MAX_CONNS];
        int map[STORE_WRITER_MAX_CONNS];
        int i, n = 0, r;

        for (i = 0; i < w->nconn; i++) {
                struct store_conn *k = &w->c[i];

                if (k->slot == STORE_IDLE)
                        continue;
                pfd[n].fd = k->rc->fd;
                pfd[n].events =
                    (short)(POLLIN | (sdslen(k->rc->obuf) > 0 ? POLLOUT : 0));
                pfd[n].revents = 0;
                map[n++] = i;
        }
        if (n == 0)
                return 1; /* nothing in flight: nothing to wait for */
        r = poll(pfd, (nfds_t)n, timeout_ms);
        if (r < 0 && errno != EINTR)
                return store_fail(w, "poll", strerror(errno));
        for (i = 0; r > 0 && i < n; i++) {
                struct store_conn *k = &w->c[map[i]];
                int sent = 0;

                if ((pfd[i].revents & POLLOUT) &&
                    redisBufferWrite(k->rc, &sent) != REDIS_OK)
                        return store_fail(w, k->rc->errstr, NULL);
                if ((pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
                    store_read(w, k) < 0)
                        return -1;
        }
        store_deliver(w);
        return w->failed ? -1 : r > 0 ? r : 0;
}

/* Waits for some progress; fails when Redis stays silent. */
static int
store_wait(struct store_writer *w)
{
        uint64_t deadline = clock_ms() + STORE_STALL_MS;
        int r;

        while ((r = store_io(w, 100)) == 0)
                if (clock_ms() >= deadline)
                        return store_fail(w, "no reply", "stalled for 30 s");
        return r < 0 ? -1 : 0;
}

/* An idle connection for the open batch, waiting for one if need be. */
static int
store_open(struct store_writer *w)
{
        int i;

        while (!w->failed) {
                for (i = 0; i < w->nconn; i++)
                        if (w->c[i].slot == STORE_IDLE) {
                                struct store_conn *k = &w->c[i];

                                wbuf_reset(&k->cmds);
                                wbuf_reset(&k->keys);
                                k->nrecs = 0;
                                w->open = i;
                                return 0;
                        }
                if (store_wait(w) < 0)
                        break;
        }
        return -1;
}

/* Room for one more record on connection k. */
static int
store_grow(struct store_conn *k)
{
        struct store_rec *r;
        uint32_t cap;

        if (k->nrecs < k->cap)
                return 0;
        cap = k->cap ? 2 * k->cap : 256;
        r = realloc(k->recs, cap * sizeof(*r));
        if (!r)
                return -1;
        k->recs = r;
        k->cap = cap;
        return 0;
}

/*
 * RESP written here rather than by redisFormatCommandArgv: its sprintf
 * calls took a quarter of idctl's time at 100,000 records a second.
 */
static void
store_resp_len(struct wbuf *w, char kind, size_t n)
{
        char buf[24];
        size_t i = sizeof(buf);

        buf[--i] = '\n';
        buf[--i] = '\r';
        do
                buf[--i] = (char)('0' + n % 10);
        while ((n /= 10) != 0);
        buf[--i] = kind;
        wbuf_put(w, buf + i, sizeof(buf) - i);
}

static void
store_resp_arg(struct wbuf *w, const void *p, size_t n)
{
        store_resp_len(w, '$', n);
        wbuf_put(w, p, n);
        wbuf_put(w, "\r\n", 2);
}

/* A hash field named by a value's index, in decimal. */
static void
store_resp_index(struct wbuf *w, uint32_t v)
{
        char buf[10];
        size_t i = sizeof(buf);

        do
                buf[--i] = (char)('0' + v % 10);
        while ((v /= 10) != 0);
        store_resp_arg(w, buf + i, sizeof(buf) - i);
}

int
store_writer_put(struct store_writer *w, const char *name, size_t len,
                 const struct span *vals, uint32_t n, const char *meta)
{
        char key[KEYS_MAX];
        size_t klen = keys_handle(key, sizeof(key), name, len);
        struct store_conn *k;
        struct store_rec *rec;
        uint32_t i;

        if (w->failed || (w->open < 0 && store_open(w) < 0))
                return -1;
        if (klen == 0 || n > HVAL_MAX_PER_HANDLE)
                return store_fail(w, "handle or values too long", NULL);
        k = &w->c[w->open];
        if (store_grow(k) < 0)
                return store_fail(w, "out of memory", NULL);
        rec = &k->recs[k->nrecs];
        rec->cmd = k->cmds.len;
        rec->key = k->keys.len;
        rec->keylen = klen;
        rec->fields = n + 1;
        store_resp_len(&k->cmds, '*', 4 + 2 * (size_t)n);
        store_resp_arg(&k->cmds, "HSET", 4);
        store_resp_arg(&k->cmds, key, klen);
        store_resp_arg(&k->cmds, KEYS_META_FIELD, strlen(KEYS_META_FIELD));
        store_resp_arg(&k->cmds, meta, strlen(meta));
        for (i = 0; i < n; i++) {
                /* The field is the value's index, read from its encoding. */
                if (vals[i].len < 4)
                        return store_fail(w, "short value", NULL);
                store_resp_index(&k->cmds, cur_be32(vals[i].p));
                store_resp_arg(&k->cmds, vals[i].p, vals[i].len);
        }
        wbuf_put(&k->keys, key, klen);
        if (!wbuf_ok(&k->cmds) || !wbuf_ok(&k->keys))
                return store_fail(w, "out of memory", NULL);
        rec->cmdlen = k->cmds.len - rec->cmd;
        k->nrecs++;
        return 0;
}

int
store_writer_send(struct store_writer *w, uint64_t tag)
{
        struct store_batch *b;
        struct store_conn *k;
        size_t slot;
        int sent = 0;

        while (!w->failed && w->count == w->cap)
                if (store_wait(w) < 0)
                        return -1;
        if (w->failed)
                return -1;
        slot = (w->head + w->count) % w->cap;
        b = &w->ring[slot];
        b->tag = tag;
        b->records = w->open < 0 ? 0 : w->c[w->open].nrecs;
        b->done = b->records == 0;
        w->count++;
        if (b->records > 0) {
                k = &w->c[w->open];
                k->slot = slot;
                k->replied = 0;
                k->want = k->nrecs;
                if (redisAppendFormattedCommand(k->rc, (const char *)k->cmds.p,
                                                k->cmds.len) != REDIS_OK)
                        return store_fail(w, "out of memory", NULL);
                /* Start writing now; store_io writes the rest. */
                if (redisBufferWrite(k->rc, &sent) != REDIS_OK)
                        return store_fail(w, k->rc->errstr, NULL);
        }
        w->open = -1;
        store_deliver(w);
        return store_writer_poll(w);
}

int
store_writer_poll(struct store_writer *w)
{
        return store_io(w, 0) < 0 ? -1 : 0;
}

int
store_writer_flush(struct store_writer *w)
{
        while (!w->failed && w->count > 0)
                if (store_wait(w) < 0)
                        return -1;
        return w->failed ? -1 : 0;
}

const char *
store_writer_error(const struct store_writer *w)
{
        return w->err;
}

uint64_t
store_writer_done(const struct store_writer *w)
{
        return w->done;
}
