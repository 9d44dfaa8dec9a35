#include "registry/link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/hname.h"
#include "core/httpd.h"
#include "core/hval.h"
#include "registry/api.h"
#include "registry/grant.h"
#include "registry/keys.h"
#include "registry/script.h"
#include "registry/snms.h"

/* The scripts spell the index range out. */
_Static_assert(LINK_MIN_INDEX == 3000 && LINK_MAX_INDEX == 3999,
               "link scripts use 3000-3999");

/* Reverse entries GET /api/links checks and shows at most. */
#define LINK_MAX_IN 1000
/* Longest type name plus "TRACE.". */
#define LINK_TYPE_MAX 32
/* EVALSHA sha numkeys key, then one value per link. */
#define LINK_ARGC (4 + LINK_MAX)

static const struct {
        const char *name;
        enum link_dir dir;
} types[LINK_NTYPES] = {
    [LINK_MADE_OF] = {"madeOf", LINK_UP},
    [LINK_FROM_BATCH] = {"fromBatch", LINK_UP},
    [LINK_PRODUCED_BY] = {"producedBy", LINK_UP},
    [LINK_PART_OF] = {"partOf", LINK_DOWN},
    [LINK_SHIPPED_IN] = {"shippedIn", LINK_DOWN},
    [LINK_REPLACED_BY] = {"replacedBy", LINK_DOWN},
    [LINK_RECYCLED_INTO] = {"recycledInto", LINK_DOWN},
};

/*
 * Adds links to A.  KEYS[1]: A's hash.  ARGV: the link values in wire
 * form, index and timestamp to be filled in.  A value equal to a link A
 * holds but for those 8 bytes is there already.  The new ones take the
 * lowest free indexes.  Returns {added, links held}, {-1, 0} if A does
 * not exist, {-2, held} if they would not fit.
 */
static const char add_lua[] =
    "local k, lo, hi = KEYS[1], 3000, 3999\n"
    "if redis.call('EXISTS', k) == 0 then return {-1, 0} end\n"
    "local have, used, n, new = {}, {}, 0, {}\n"
    "local f = redis.call('HGETALL', k)\n"
    "for i = 1, #f, 2 do\n"
    "  local x = tonumber(f[i])\n"
    "  if x and x >= lo and x <= hi then\n"
    "    used[x] = true\n"
    "    have[f[i + 1]:sub(9)] = true\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "for i = 1, #ARGV do\n"
    "  local tail = ARGV[i]:sub(9)\n"
    "  if not have[tail] then\n"
    "    have[tail] = true\n"
    "    new[#new + 1] = ARGV[i]\n"
    "  end\n"
    "end\n"
    "if n + #new > hi - lo + 1 then return {-2, n} end\n"
    "local add, x = {}, lo\n"
    "for i = 1, #new do\n"
    "  while used[x] do x = x + 1 end\n"
    "  used[x] = true\n"
    "  add[#add + 1] = tostring(x)\n"
    "  add[#add + 1] = string.char(math.floor(x / 16777216) % 256,\n"
    "    math.floor(x / 65536) % 256, math.floor(x / 256) % 256,\n"
    "    x % 256) .. new[i]:sub(5)\n"
    "end\n"
    "if #add > 0 then redis.call('HSET', k, unpack(add)) end\n"
    "return {#new, n + #new}\n";

/*
 * Removes a link of A.  KEYS[1]: A's hash; ARGV[1]: the link value (as
 * for add_lua).  1 removed, 0 there is no such link.
 */
static const char remove_lua[] =
    "local k, want = KEYS[1], ARGV[1]:sub(9)\n"
    "local f = redis.call('HGETALL', k)\n"
    "for i = 1, #f, 2 do\n"
    "  local x = tonumber(f[i])\n"
    "  if x and x >= 3000 and x <= 3999 and f[i + 1]:sub(9) == want then\n"
    "    redis.call('HDEL', k, f[i])\n"
    "    return 1\n"
    "  end\n"
    "end\n"
    "return 0\n";

const char *
link_type_name(enum link_type t)
{
        return types[t].name;
}

int
link_type_find(const char *s, size_t len)
{
        int t;

        for (t = 0; t < LINK_NTYPES; t++)
                if (strlen(types[t].name) == len &&
                    memcmp(types[t].name, s, len) == 0)
                        return t;
        return -1;
}

enum link_dir
link_type_dir(enum link_type t)
{
        return types[t].dir;
}

int
link_reserved(uint32_t index, struct span type)
{
        static const char pfx[] = LINK_TYPE_PREFIX;
        size_t i, n = sizeof(pfx) - 1;

        if (index >= LINK_MIN_INDEX && index <= LINK_MAX_INDEX)
                return 1;
        if (type.len < n)
                return 0;
        for (i = 0; i < n; i++) {
                int ch = type.p[i];

                if (ch >= 'a' && ch <= 'z')
                        ch -= 'a' - 'A';
                if (ch != pfx[i])
                        return 0;
        }
        return 1;
}

int
link_value(const struct hval *v, enum link_type *t, struct span *target)
{
        size_t n = sizeof(LINK_TYPE_PREFIX) - 1;
        int k;

        if (v->index < LINK_MIN_INDEX || v->index > LINK_MAX_INDEX ||
            v->type.len <= n || memcmp(v->type.p, LINK_TYPE_PREFIX, n) != 0)
                return 0;
        k = link_type_find((const char *)v->type.p + n, v->type.len - n);
        if (k < 0)
                return 0;
        *t = (enum link_type)k;
        *target = v->data;
        return 1;
}

int
link_has(const struct hrec *rec, enum link_type t, const char *target,
         size_t len)
{
        enum link_type vt;
        struct span to;
        uint32_t i;

        for (i = 0; rec && i < rec->n; i++)
                if (link_value(&rec->v[i], &vt, &to) && vt == t &&
                    to.len == len && memcmp(to.p, target, len) == 0)
                        return 1;
        return 0;
}

int
link_entry_parse(const char *s, size_t len, enum link_type *t,
                 struct span *source)
{
        const char *sp = memchr(s, ' ', len);
        int k;

        if (!sp || sp + 1 == s + len)
                return -1;
        k = link_type_find(s, (size_t)(sp - s));
        if (k < 0)
                return -1;
        *t = (enum link_type)k;
        source->p = (const uint8_t *)sp + 1;
        source->len = (uint32_t)(s + len - sp - 1);
        return 0;
}

struct hrec *
link_record(const struct redisReply *r, char *lc, size_t lcsz, int *nomem)
{
        struct span few[32] = {{NULL, 0}}, *vals = few;
        struct hrec *rec = NULL;
        uint32_t n = 0;
        size_t i;

        *nomem = 0;
        if (lc)
                lc[0] = '\0';
        if (r->type != REDIS_REPLY_ARRAY || r->elements == 0)
                return NULL;
        if (r->elements / 2 > sizeof(few) / sizeof(few[0]) &&
            !(vals = calloc(r->elements / 2, sizeof(*vals)))) {
                *nomem = 1;
                return NULL;
        }
        for (i = 0; i + 1 < r->elements; i += 2) {
                const redisReply *k = r->element[i], *v = r->element[i + 1];

                if (k->type != REDIS_REPLY_STRING ||
                    v->type != REDIS_REPLY_STRING)
                        continue;
                if (k->str[0] != '_') {
                        vals[n].p = (const uint8_t *)v->str;
                        vals[n++].len = (uint32_t)v->len;
                } else if (lc && strcmp(k->str, KEYS_LIFECYCLE_FIELD) == 0) {
                        snprintf(lc, lcsz, "%.*s", (int)v->len, v->str);
                }
        }
        rec = hrec_new(vals, n, NULL);
        *nomem = rec == NULL;
        if (vals != few)
                free(vals);
        return rec;
}

/* -------------------------------------------------------- writing */

/* One link of a call. */
struct link_req {
        enum link_type type;
        char *target; /* normalised, owned */
        size_t len;
};

/*
 * Encodes link value of A to `target` (index 0, to be set by the
 * script) onto w: its bytes past index and timestamp are the same for
 * every link of that type to that target.
 */
static void
link_encode(struct wbuf *w, enum link_type t, const char *target, size_t len,
            uint32_t now)
{
        char type[LINK_TYPE_MAX];
        struct wbuf ref;
        struct hval v;

        snprintf(type, sizeof(type), LINK_TYPE_PREFIX "%s", types[t].name);
        wbuf_init(&ref, 0);
        wbuf_bytes(&ref, target, len);
        wbuf_u32(&ref, 0);
        hval_init(&v, 0,
                  (struct span){(const uint8_t *)type, (uint32_t)strlen(type)},
                  (struct span){(const uint8_t *)target, (uint32_t)len}, now);
        v.nrefs = 1;
        v.refs = (struct span){ref.p, (uint32_t)ref.len};
        if (wbuf_ok(&ref))
                hval_encode(w, &v);
        else
                w->err = 1;
        wbuf_free(&ref);
}

/*
 * The identifier of a link write: the caller writes for its owner, and
 * its prefix is enabled and hosted here.  0, or -1 answered.
 */
static int
link_subject(struct api_call *c, const char *action, struct grant_subject *s)
{
        char err[160];

        if (grant_subject(c, 0, s) < 0)
                return -1;
        if (!grant_is_owner(c, s->pfx.ent)) {
                api_fail(c, 403, -3, "%s belongs to another enterprise",
                         s->name);
                return -1;
        }
        if (pfx_check_hosted(&s->pfx, err, sizeof(err)) < 0) {
                snms_refuse(c, action, s->name, 409, -2, "%s", err);
                return -1;
        }
        return 0;
}

/*
 * A link's type and target as a client names them.  0 with them in
 * *out (target copied), or -1 with the reason in err.
 */
static int
link_req_parse(struct api_call *c, const struct grant_subject *s,
               const char *type, const char *target, struct link_req *out,
               char *err, size_t errlen)
{
        char name[HNAME_MAX + 1];
        const char *why = NULL;
        size_t len;
        int t = type ? link_type_find(type, strlen(type)) : -1;

        if (t < 0) {
                snprintf(err, errlen,
                         "type must be one of madeOf, fromBatch, producedBy, "
                         "partOf, shippedIn, replacedBy, recycledInto");
                return -1;
        }
        if (!target ||
            hname_check((const uint8_t *)target, strlen(target),
                        (size_t)api_config(c)->max_handle_bytes, name,
                        sizeof(name), &len, &why) != HNAME_OK) {
                snprintf(err, errlen, "target must be an identifier: %s",
                         why ? why : "expected prefix/suffix");
                return -1;
        }
        if (len == s->len && memcmp(name, s->name, len) == 0) {
                snprintf(err, errlen, "an identifier cannot link to itself");
                return -1;
        }
        out->type = (enum link_type)t;
        out->len = len;
        if (!(out->target = strdup(name))) {
                snprintf(err, errlen, "out of memory");
                return -1;
        }
        return 0;
}

static void
link_reqs_free(struct link_req *l, size_t n)
{
        size_t i;

        for (i = 0; l && i < n; i++)
                free(l[i].target);
        free(l);
}

/* The body's links: n of them in *out (caller frees).  0, or -1 answered. */
static int
link_parse_body(struct api_call *c, const struct grant_subject *s,
                struct link_req **out, size_t *n)
{
        json_t *links = json_object_get(api_body(c), "links"), *e;
        struct link_req *l;
        char err[200];
        size_t i;

        *out = NULL;
        *n = 0;
        if (!json_is_array(links) || json_array_size(links) == 0 ||
            json_array_size(links) > LINK_MAX) {
                api_fail(c, 400, -2,
                         "links must be an array of 1 to %u {type, target}",
                         LINK_MAX);
                return -1;
        }
        if (!(l = calloc(json_array_size(links), sizeof(*l)))) {
                api_fail(c, 500, -4, "out of memory");
                return -1;
        }
        json_array_foreach(links, i, e)
        {
                if (link_req_parse(
                        c, s, json_string_value(json_object_get(e, "type")),
                        json_string_value(json_object_get(e, "target")), &l[i],
                        err, sizeof(err)) < 0) {
                        link_reqs_free(l, i);
                        api_fail(c, 400, -2, "links[%zu]: %s", i, err);
                        return -1;
                }
        }
        *out = l;
        *n = json_array_size(links);
        return 0;
}

/* Queues SADD or SREM of A's reverse entry in each target's set. */
static int
link_reverse(struct api_call *c, const char *cmd, const struct grant_subject *s,
             const struct link_req *l, size_t n)
{
        char key[KEYS_MAX], entry[LINK_TYPE_MAX + HNAME_MAX + 2];
        redisContext *rc = api_redis(c);
        redisReply *r;
        size_t i, klen, elen;
        int bad = 0;

        if (!rc)
                return -1;
        for (i = 0; i < n; i++) {
                klen = keys_links(key, sizeof(key), l[i].target, l[i].len);
                elen = (size_t)snprintf(entry, sizeof(entry), "%s %s",
                                        types[l[i].type].name, s->name);
                redisAppendCommand(rc, "%s %b %b", cmd, key, klen, entry, elen);
        }
        for (i = 0; i < n; i++) {
                if (!(r = api_reply(c)))
                        return -1;
                bad |= r->type == REDIS_REPLY_ERROR;
                freeReplyObject(r);
        }
        if (bad) {
                api_fail(c, 500, -4, "store error writing reverse links");
                return -1;
        }
        return 0;
}

/* Runs a link script on A's hash with the encoded values of l. */
static redisReply *
link_script(struct api_call *c, const char *lua, const struct grant_subject *s,
            const struct link_req *l, size_t n)
{
        const char **argv = calloc(LINK_ARGC, sizeof(*argv));
        size_t *argvlen = calloc(LINK_ARGC, sizeof(*argvlen)), *off = NULL;
        char key[KEYS_MAX];
        redisReply *r = NULL;
        struct script sc;
        struct wbuf w;
        uint32_t now = clock_unix();
        size_t i;

        wbuf_init(&w, 0);
        if (!argv || !argvlen || !(off = calloc(n + 1, sizeof(*off))))
                goto nomem;
        for (i = 0; i < n; i++) {
                off[i] = w.len;
                link_encode(&w, l[i].type, l[i].target, l[i].len, now);
        }
        off[n] = w.len;
        if (!wbuf_ok(&w))
                goto nomem;
        argv[2] = "1", argvlen[2] = 1;
        argv[3] = key;
        argvlen[3] = keys_handle(key, sizeof(key), s->name, s->len);
        for (i = 0; i < n; i++) {
                argv[4 + i] = (const char *)w.p + off[i];
                argvlen[4 + i] = off[i + 1] - off[i];
        }
        script_init(&sc, lua);
        r = script_run(c, &sc, (int)(4 + n), argv, argvlen);
        goto done;
nomem:
        api_fail(c, 500, -4, "out of memory");
done:
        wbuf_free(&w);
        free(off);
        free(argv);
        free(argvlen);
        return r;
}

static void
link_add(struct api_call *c)
{
        struct grant_subject s;
        struct link_req *l = NULL;
        char key[KEYS_MAX];
        redisReply *r = NULL;
        long long added, held;
        size_t n = 0;

        if (link_subject(c, "link.add", &s) < 0 ||
            link_parse_body(c, &s, &l, &n) < 0)
                goto done;
        keys_handle(key, sizeof(key), s.name, s.len);
        if (!(r = api_cmd(c, "EXISTS %s", key)))
                goto done;
        if (r->type != REDIS_REPLY_INTEGER || r->integer != 1) {
                snms_refuse(c, "link.add", s.name, 404, -2, "%s does not exist",
                            s.name);
                goto done;
        }
        freeReplyObject(r);
        r = NULL;
        /* Reverse entries first: a crash leaves only ignorable ones. */
        if (link_reverse(c, "SADD", &s, l, n) < 0 ||
            !(r = link_script(c, add_lua, &s, l, n)))
                goto done;
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[0]->type != REDIS_REPLY_INTEGER) {
                api_fail(c, 500, -4, "store error: %s",
                         r->type == REDIS_REPLY_ERROR ? r->str : "reply");
                goto done;
        }
        added = r->element[0]->integer;
        held = r->element[1]->integer;
        if (added == -1)
                snms_refuse(c, "link.add", s.name, 404, -2, "%s does not exist",
                            s.name);
        else if (added == -2)
                snms_refuse(c, "link.add", s.name, 409, -2,
                            "%s holds %lld links; with these it would hold "
                            "more than %u",
                            s.name, held, LINK_MAX);
        else {
                api_audit(c, "link.add", s.name, "ok");
                api_ok(c,
                       json_pack("{s:s,s:I,s:I}", "handle", s.name, "added",
                                 (json_int_t)added, "links", (json_int_t)held));
        }
done:
        freeReplyObject(r);
        link_reqs_free(l, n);
}

static void
link_remove(struct api_call *c)
{
        struct grant_subject s;
        struct link_req l = {0};
        char err[200];
        redisReply *r = NULL;
        long long removed;

        if (link_subject(c, "link.remove", &s) < 0)
                return;
        if (link_req_parse(c, &s, api_query(c, "type"), api_query(c, "target"),
                           &l, err, sizeof(err)) < 0) {
                api_fail(c, 400, -2, "%s", err);
                return;
        }
        /* The value first: a crash leaves only an ignorable entry. */
        if (!(r = link_script(c, remove_lua, &s, &l, 1)))
                goto done;
        if (r->type != REDIS_REPLY_INTEGER) {
                api_fail(c, 500, -4, "store error: %s",
                         r->type == REDIS_REPLY_ERROR ? r->str : "reply");
                goto done;
        }
        removed = r->integer;
        /* Also when there was no link: drops an entry a crash left. */
        if (link_reverse(c, "SREM", &s, &l, 1) < 0)
                goto done;
        if (removed != 1) {
                api_fail(c, 404, -2, "%s has no %s link to %s", s.name,
                         types[l.type].name, l.target);
                goto done;
        }
        api_audit(c, "link.remove", s.name, "ok");
        api_ok(c, NULL);
done:
        freeReplyObject(r);
        free(l.target);
}

/* -------------------------------------------------------- reading */

static int
link_cmp_entry(const void *a, const void *b)
{
        const redisReply *x = *(redisReply *const *)a,
                         *y = *(redisReply *const *)b;

        return strcmp(x->str, y->str);
}

/*
 * The reverse entries of A whose source holds the link ({type, source}
 * each), at most LINK_MAX_IN of them checked; *more set when there were
 * others.  NULL if the store failed (answered).
 */
static json_t *
link_in(struct api_call *c, const redisReply *set, const char *name, size_t len,
        int *more)
{
        redisReply **e = NULL, *r;
        redisContext *rc = api_redis(c);
        char key[KEYS_MAX];
        json_t *in = json_array();
        enum link_type *t = NULL;
        struct span *src = NULL;
        size_t i, n = 0, k, klen;
        struct hrec *rec;
        int nomem;

        *more = 0;
        if (!rc || !in)
                goto fail;
        if (set->type == REDIS_REPLY_ARRAY && set->elements > 0) {
                e = calloc(set->elements, sizeof(*e));
                t = calloc(set->elements, sizeof(*t));
                src = calloc(set->elements, sizeof(*src));
                if (!e || !t || !src)
                        goto nomem;
                for (i = 0; i < set->elements; i++)
                        if (set->element[i]->type == REDIS_REPLY_STRING)
                                e[n++] = set->element[i];
                qsort(e, n, sizeof(*e), link_cmp_entry);
        }
        if (n > LINK_MAX_IN) {
                n = LINK_MAX_IN;
                *more = 1;
        }
        for (i = 0, k = 0; i < n; i++) {
                if (link_entry_parse(e[i]->str, e[i]->len, &t[k], &src[k]) < 0)
                        continue;
                klen = keys_handle(key, sizeof(key), (const char *)src[k].p,
                                   src[k].len);
                if (klen == 0)
                        continue;
                redisAppendCommand(rc, "HGETALL %b", key, klen);
                k++;
        }
        for (i = 0; i < k; i++) {
                if (!(r = api_reply(c)))
                        goto fail;
                rec = link_record(r, NULL, 0, &nomem);
                freeReplyObject(r);
                if (link_has(rec, t[i], name, len))
                        json_array_append_new(
                            in,
                            json_pack("{s:s,s:s%}", "type", types[t[i]].name,
                                      "source", (const char *)src[i].p,
                                      (size_t)src[i].len));
                hrec_free(rec);
        }
        free(e);
        free(t);
        free(src);
        return in;
nomem:
        api_fail(c, 500, -4, "out of memory");
fail:
        free(e);
        free(t);
        free(src);
        json_decref(in);
        return NULL;
}

static void
link_list(struct api_call *c)
{
        char name[HNAME_MAX + 1], key[KEYS_MAX];
        const char *why = NULL;
        size_t arglen, len;
        const char *arg = api_arg(c, &arglen);
        redisReply *vals = NULL, *set = NULL;
        redisContext *rc;
        struct hrec *rec = NULL;
        json_t *out = NULL, *in = NULL;
        enum link_type t;
        struct span to;
        uint32_t i;
        int nomem, more;

        if (hname_check((const uint8_t *)arg, arglen,
                        (size_t)api_config(c)->max_handle_bytes, name,
                        sizeof(name), &len, &why) != HNAME_OK) {
                api_fail(c, 400, -2, "bad identifier in the path: %s",
                         why ? why : "expected prefix/suffix");
                return;
        }
        if (!(rc = api_redis(c)))
                return;
        keys_handle(key, sizeof(key), name, len);
        redisAppendCommand(rc, "HGETALL %s", key);
        keys_links(key, sizeof(key), name, len);
        redisAppendCommand(rc, "SMEMBERS %s", key);
        if (!(vals = api_reply(c)) || !(set = api_reply(c)))
                goto done;
        rec = link_record(vals, NULL, 0, &nomem);
        if (!(out = json_array()) || nomem) {
                api_fail(c, 500, -4, "out of memory");
                goto done;
        }
        for (i = 0; rec && i < rec->n; i++)
                if (link_value(&rec->v[i], &t, &to))
                        json_array_append_new(
                            out, json_pack("{s:s,s:s%}", "type", types[t].name,
                                           "target", (const char *)to.p,
                                           (size_t)to.len));
        if (!(in = link_in(c, set, name, len, &more)))
                goto done;
        if (!rec && json_array_size(in) == 0) {
                api_fail(c, 404, -2, "%s does not exist", name);
                goto done;
        }
        api_ok(c, json_pack("{s:s,s:O,s:O,s:b}", "handle", name, "out", out,
                            "in", in, "inTruncated", more));
done:
        json_decref(out);
        json_decref(in);
        hrec_free(rec);
        freeReplyObject(vals);
        freeReplyObject(set);
}

static const struct api_route routes[] = {
    {"/api/links/", HTTPD_GET, API_ANYONE, API_NO_BODY, link_list},
    {"/api/links/", HTTPD_POST, API_WRITERS, API_OBJECT, link_add},
    {"/api/links/", HTTPD_DELETE, API_WRITERS, API_NO_BODY, link_remove},
};

const struct api_route *
link_routes(size_t *n)
{
        *n = sizeof(routes) / sizeof(routes[0]);
        return routes;
}
