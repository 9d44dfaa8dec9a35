#include "registry/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "core/hval.h"
#include "registry/keys.h"

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
                f->cb(f, NULL, STORE_ERROR);
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

struct store_writer {
        redisContext *rc;
        int batch;
        int queued; /* handles queued, replies not read yet */
        uint64_t done;
        char err[256];
};

struct store_writer *
store_writer_new(redisContext *rc, int batch)
{
        struct store_writer *w = calloc(1, sizeof(*w));

        if (!w)
                return NULL;
        w->rc = rc;
        w->batch = batch > 0 ? batch : 1;
        return w;
}

int
store_writer_put(struct store_writer *w, const char *name, size_t len,
                 const struct span *vals, uint32_t n, const char *meta)
{
        char key[KEYS_MAX];
        char idx[HVAL_MAX_PER_HANDLE][11];
        const char *argv[2 + 2 * (HVAL_MAX_PER_HANDLE + 1)];
        size_t argvlen[2 + 2 * (HVAL_MAX_PER_HANDLE + 1)];
        size_t klen = keys_handle(key, sizeof(key), name, len);
        uint32_t i;
        int argc = 0;

        if (klen == 0 || n > HVAL_MAX_PER_HANDLE) {
                snprintf(w->err, sizeof(w->err), "handle or values too long");
                return -1;
        }
        argv[argc] = "HSET", argvlen[argc++] = 4;
        argv[argc] = key, argvlen[argc++] = klen;
        argv[argc] = KEYS_META_FIELD, argvlen[argc++] = 2;
        argv[argc] = meta, argvlen[argc++] = strlen(meta);
        for (i = 0; i < n; i++) {
                /* The field is the value's index, read from its encoding. */
                if (vals[i].len < 4) {
                        snprintf(w->err, sizeof(w->err), "short value");
                        return -1;
                }
                snprintf(idx[i], sizeof(idx[i]), "%u", cur_be32(vals[i].p));
                argv[argc] = idx[i], argvlen[argc++] = strlen(idx[i]);
                argv[argc] = (const char *)vals[i].p,
                argvlen[argc++] = vals[i].len;
        }
        redisAppendCommand(w->rc, "MULTI");
        redisAppendCommand(w->rc, "DEL %b", key, klen);
        redisAppendCommandArgv(w->rc, argc, argv, argvlen);
        redisAppendCommand(w->rc, "EXEC");
        if (++w->queued >= w->batch)
                return store_writer_flush(w);
        return 0;
}

/* EXEC of DEL + HSET: both commands must have succeeded. */
static int
store_exec_ok(const redisReply *r)
{
        size_t i;

        if (r->type != REDIS_REPLY_ARRAY || r->elements != 2)
                return 0;
        for (i = 0; i < r->elements; i++)
                if (r->element[i]->type == REDIS_REPLY_ERROR)
                        return 0;
        return 1;
}

int
store_writer_flush(struct store_writer *w)
{
        int failed = 0, i, k;

        for (i = 0; i < w->queued; i++) {
                for (k = 0; k < 4; k++) {
                        redisReply *r = NULL;

                        if (redisGetReply(w->rc, (void **)&r) != REDIS_OK) {
                                snprintf(w->err, sizeof(w->err), "redis: %s",
                                         w->rc->errstr);
                                w->queued = 0;
                                return -1;
                        }
                        if (k == 3 && !store_exec_ok(r)) {
                                failed++;
                                snprintf(w->err, sizeof(w->err), "redis: %s",
                                         r->type == REDIS_REPLY_ERROR
                                             ? r->str
                                             : "transaction failed");
                        } else if (k == 3) {
                                w->done++;
                        }
                        freeReplyObject(r);
                }
        }
        w->queued = 0;
        return failed ? -1 : 0;
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

void
store_writer_free(struct store_writer *w)
{
        free(w);
}
