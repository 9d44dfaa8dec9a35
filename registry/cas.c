#include "registry/cas.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "core/log.h"
#include "registry/api.h"

/*
 * ARGV: the number of conditions, then each as (key index, field,
 * value), then each write as (op, key index, a, b): 'h' sets field a to
 * b (deletes it when b is ""), 'z' adds member b with score a.
 */
static const char cas_lua[] =
    "local n = tonumber(ARGV[1]) local i = 2 "
    "for c = 1, n do "
    "  local v = redis.call('hget', KEYS[tonumber(ARGV[i])], ARGV[i + 1]) "
    "  if (v or '') ~= ARGV[i + 2] then return c end "
    "  i = i + 3 "
    "end "
    "while i <= #ARGV do "
    "  local k = KEYS[tonumber(ARGV[i + 1])] "
    "  if ARGV[i] == 'z' then "
    "    redis.call('zadd', k, 'NX', ARGV[i + 2], ARGV[i + 3]) "
    "  elseif ARGV[i + 3] == '' then "
    "    redis.call('hdel', k, ARGV[i + 2]) "
    "  else "
    "    redis.call('hset', k, ARGV[i + 2], ARGV[i + 3]) "
    "  end "
    "  i = i + 4 "
    "end "
    "return 0";

/* One condition or write: its strings, owned. */
struct cas_op {
        char op; /* 'c' condition, 'h' hash write, 'z' sorted-set add */
        int k;
        char *a, *b;
};

struct cas {
        char *keys[CAS_MAX_KEYS];
        int nkeys;
        struct cas_op ops[CAS_MAX_OPS];
        int nops, nconds;
        int broken; /* over a limit or out of memory */
};

struct cas *
cas_new(void)
{
        return calloc(1, sizeof(struct cas));
}

void
cas_free(struct cas *t)
{
        int i;

        if (!t)
                return;
        for (i = 0; i < t->nkeys; i++)
                free(t->keys[i]);
        for (i = 0; i < t->nops; i++) {
                free(t->ops[i].a);
                free(t->ops[i].b);
        }
        free(t);
}

int
cas_key(struct cas *t, const char *key)
{
        if (t->nkeys == CAS_MAX_KEYS || !(t->keys[t->nkeys] = strdup(key))) {
                t->broken = 1;
                return -1;
        }
        return t->nkeys++;
}

/* Adds an op; 0, or -1 (the write is then broken). */
static int
cas_add(struct cas *t, char op, int k, const char *a, const char *b)
{
        struct cas_op *o = &t->ops[t->nops];

        if (t->nops == CAS_MAX_OPS || k < 0 || k >= t->nkeys) {
                t->broken = 1;
                return -1;
        }
        o->op = op;
        o->k = k;
        o->a = strdup(a);
        o->b = strdup(b);
        t->nops++;
        if (!o->a || !o->b) {
                t->broken = 1;
                return -1;
        }
        return 0;
}

int
cas_expect(struct cas *t, int k, const char *field, const char *value)
{
        return cas_add(t, 'c', k, field, value) < 0 ? -1 : ++t->nconds;
}

void
cas_set(struct cas *t, int k, const char *field, const char *value)
{
        cas_add(t, 'h', k, field, value);
}

void
cas_zadd(struct cas *t, int k, long long score, const char *member)
{
        char s[24];

        snprintf(s, sizeof(s), "%lld", score);
        cas_add(t, 'z', k, s, member);
}

int
cas_run(struct cas *t, struct api_call *c)
{
        /* EVAL script numkeys keys... nconds, 3 per condition, 4 per write */
        enum { MAXARGV = 4 + CAS_MAX_KEYS + 4 * CAS_MAX_OPS };
        const char *argv[MAXARGV];
        size_t len[MAXARGV];
        char nkeys[12], nconds[12], idx[CAS_MAX_OPS][12];
        int argc = 0, i, pass, rc = -1;
        redisReply *r;

        if (t->broken) {
                api_fail(c, 500, -4, "internal error: write too large");
                return -1;
        }
        snprintf(nkeys, sizeof(nkeys), "%d", t->nkeys);
        snprintf(nconds, sizeof(nconds), "%d", t->nconds);
        argv[argc++] = "EVAL";
        argv[argc++] = cas_lua;
        argv[argc++] = nkeys;
        for (i = 0; i < t->nkeys; i++)
                argv[argc++] = t->keys[i];
        argv[argc++] = nconds;
        /* Conditions first, then writes, each in the order they came. */
        for (pass = 0; pass < 2; pass++) {
                for (i = 0; i < t->nops; i++) {
                        const struct cas_op *o = &t->ops[i];

                        if ((o->op == 'c') != (pass == 0))
                                continue;
                        snprintf(idx[i], sizeof(idx[i]), "%d", o->k + 1);
                        if (o->op != 'c')
                                argv[argc++] = o->op == 'z' ? "z" : "h";
                        argv[argc++] = idx[i];
                        argv[argc++] = o->a;
                        argv[argc++] = o->b;
                }
        }
        for (i = 0; i < argc; i++)
                len[i] = strlen(argv[i]);
        r = api_cmdv(c, argc, argv, len);
        if (!r)
                return -1;
        if (r->type == REDIS_REPLY_INTEGER && r->integer >= 0 &&
            r->integer <= t->nconds) {
                rc = (int)r->integer;
        } else {
                log_error("cas", "error=\"%s\"",
                          r->type == REDIS_REPLY_ERROR ? r->str : "bad reply");
                api_fail(c, 500, -4, "internal error: store refused a write");
        }
        freeReplyObject(r);
        return rc;
}
