#include "registry/ident.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/cur.h"
#include "core/hname.h"
#include "core/httpd.h"
#include "core/hval.h"
#include "certs/hkey.h"
#include "registry/api.h"
#include "registry/iditem.h"
#include "registry/keys.h"
#include "registry/link.h"
#include "registry/pfx.h"
#include "registry/script.h"
#include "registry/tpl.h"

#define IDENT_MAX_BATCH 2000 /* SNMS batch limit */
/* Prefixes and templates one call remembers (a batch rarely mixes more). */
#define IDENT_CACHE 8
/* An identifier's encoded values: 513 values of at most ~1.2 KB. */
#define IDENT_MAX_RECORD (1u << 20)
#define IDENT_MAX_FIELDS (IDITEM_MAX_VALUES + 3)
/* EVALSHA sha 2 key quota-key op now account quota, then field/value pairs. */
#define IDENT_ARGC (9 + 2 * IDENT_MAX_FIELDS)

/*
 * Writes one identifier.  KEYS[1]: its hash; KEYS[2]: its prefix's
 * quota hash (keys_quota).  ARGV: op (c create, u update, d delete),
 * now, account, the default quota (0: none), then field/value pairs.
 * Create: 1 written, 0 already there with the same values, -1 with
 * others, -2 refused because the prefix holds its quota of identifiers
 * (counted here, so concurrent batches cannot overshoot it); values
 * are compared without their timestamp (bytes 5-8 of the wire form), so
 * a client retrying after a timeout learns its first call succeeded.
 * Update, delete: 1 done, 0 no such identifier.  Op "x" + META is an
 * update only if the meta field still reads META (-3 if not): a
 * read-modify-write of single values (registry/hadmin) loses no
 * concurrent change.  Update keeps c=, the
 * trace links (registry/link: fields 3000-3999, which the client never
 * writes) and the other fields starting with '_' (the lifecycle state
 * KEYS_LIFECYCLE_FIELD of registry/event); create compares values
 * without the links.
 */
static const char write_lua[] =
    "local k, q, op, now, meta = KEYS[1], KEYS[2], ARGV[1], ARGV[2], "
    "'" KEYS_META_FIELD "'\n"
    "local function count()\n"
    "  return tonumber(redis.call('HGET', q, '" KEYS_QUOTA_COUNT "')) or 0\n"
    "end\n"
    "if op == 'd' then\n"
    "  local n = redis.call('DEL', k)\n"
    "  if n == 1 and count() > 0 then\n"
    "    redis.call('HINCRBY', q, '" KEYS_QUOTA_COUNT "', -1)\n"
    "  end\n"
    "  return n\n"
    "end\n"
    "if op:sub(1, 1) == 'x' then\n"
    "  if (redis.call('HGET', k, meta) or '') ~= op:sub(2) then return -3 end\n"
    "  op = 'u'\n"
    "end\n"
    "local function kept(f)\n"
    "  local x = tonumber(f)\n"
    "  return f:sub(1, 1) == '_' or (x and x >= 3000 and x <= 3999)\n"
    "end\n"
    "local exists = redis.call('EXISTS', k) == 1\n"
    "if op == 'c' and exists then\n"
    "  local function strip(v) return v:sub(1, 4) .. v:sub(9) end\n"
    "  local want, n, m = {}, 0, 0\n"
    "  for i = 5, #ARGV, 2 do\n"
    "    want[ARGV[i]] = strip(ARGV[i + 1])\n"
    "    n = n + 1\n"
    "  end\n"
    "  local old = redis.call('HGETALL', k)\n"
    "  for i = 1, #old, 2 do\n"
    "    if not kept(old[i]) then\n"
    "      if want[old[i]] ~= strip(old[i + 1]) then return -1 end\n"
    "      m = m + 1\n"
    "    end\n"
    "  end\n"
    "  if m == n then return 0 end\n"
    "  return -1\n"
    "end\n"
    "if op == 'u' and not exists then return 0 end\n"
    "if op == 'c' then\n"
    "  local max = tonumber(redis.call('HGET', q, '" KEYS_QUOTA_MAX "') or\n"
    "                       ARGV[4]) or 0\n"
    "  if max > 0 and count() >= max then return -2 end\n"
    "  redis.call('HINCRBY', q, '" KEYS_QUOTA_COUNT "', 1)\n"
    "end\n"
    "local m = 'c=' .. now\n"
    "if op == 'u' then\n"
    "  local old = ' ' .. (redis.call('HGET', k, meta) or '')\n"
    "  m = 'c=' .. (old:match(' c=(%d+)') or now) .. ' u=' .. now\n"
    "  local drop = {}\n"
    "  for _, f in ipairs(redis.call('HKEYS', k)) do\n"
    "    if not kept(f) then drop[#drop + 1] = f end\n"
    "  end\n"
    "  if #drop > 0 then redis.call('HDEL', k, unpack(drop)) end\n"
    "end\n"
    "redis.call('HSET', k, meta, m .. ' by=' .. ARGV[3], unpack(ARGV, 5))\n"
    "return 1\n";

/* write_lua spells the link index range out. */
_Static_assert(LINK_MIN_INDEX == 3000 && LINK_MAX_INDEX == 3999,
               "write_lua keeps fields 3000-3999");

enum ident_op { IDENT_CREATE, IDENT_UPDATE, IDENT_DELETE };

static const char *const op_arg[] = {"c", "u", "d"};
static const char *const op_audit[] = {"ident.create", "ident.update",
                                       "ident.delete"};

/* One identifier of a call and its outcome. */
struct ident_item {
        const json_t *given;      /* the handle as sent (borrowed), or NULL */
        struct iditem *it;        /* creates and updates that parsed */
        char name[HNAME_MAX + 1]; /* normalised; "" until it parsed */
        size_t len;
        int code; /* 0 pending, 1 done, else the SNMS status */
        int http;
        int identical; /* a create that found the same values */
        char msg[256];
        /* Creates and updates: the template version and the values. */
        const char *version;
        const struct hval *vals;
        size_t nvals;
        struct wbuf enc; /* the values to write, in wire format */
};

struct ident_pfx {
        struct pfx_info info;
        int found;
};

struct ident_tpl {
        char prefix[PFX_MAX + 1];
        char version[4 * IDITEM_MAX_VERSION + 1];
        struct tpl *t; /* NULL: there is no such template */
};

struct ident_call {
        struct api_call *c;
        enum ident_op op;
        char now[16];
        uint32_t now_unix;
        struct script script;
        struct ident_pfx pfx[IDENT_CACHE];
        size_t npfx, next_pfx; /* entries used, the next to replace */
        struct ident_tpl tpl[IDENT_CACHE];
        size_t ntpl, next_tpl;
        struct ident_item *items;
        size_t n;
        char *expect; /* "x" + meta for a conditional update, or NULL */
};

static void ident_set(struct ident_item *x, int http, int code, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));

static void
ident_set(struct ident_item *x, int http, int code, const char *fmt, ...)
{
        va_list ap;

        x->http = http;
        x->code = code;
        va_start(ap, fmt);
        vsnprintf(x->msg, sizeof(x->msg), fmt, ap);
        va_end(ap);
}

/* ---------------------------------------------------------- parsing */

static void
ident_parse_handle(struct ident_call *ic, struct ident_item *x, const json_t *j)
{
        char err[256];

        x->given = j;
        if (iditem_handle(j, (size_t)api_config(ic->c)->max_handle_bytes,
                          x->name, sizeof(x->name), &x->len, err,
                          sizeof(err)) < 0) {
                x->len = 0;
                x->name[0] = '\0';
                ident_set(x, 400, -2, "%s", err);
        }
}

static void
ident_parse_item(struct ident_call *ic, struct ident_item *x, json_t *j)
{
        char err[256];
        const char *name;

        x->given = json_object_get(j, "handle");
        x->it = iditem_parse(j, (size_t)api_config(ic->c)->max_handle_bytes,
                             err, sizeof(err));
        if (!x->it) {
                /* Name the identifier in the answer if its handle is fine. */
                ident_parse_handle(ic, x, x->given);
                ident_set(x, 400, -2, "%s", err);
                return;
        }
        name = iditem_name(x->it, &x->len);
        memcpy(x->name, name, x->len + 1);
        x->version = iditem_version(x->it);
        x->vals = iditem_values(x->it, &x->nvals);
}

/* ------------------------------------------------- prefix, template */

/* A prefix's record, read once per call.  NULL if the store failed. */
static const struct ident_pfx *
ident_pfx(struct ident_call *ic, const char *prefix)
{
        struct ident_pfx *p;
        struct redisContext *rc;
        size_t i;

        for (i = 0; i < ic->npfx; i++)
                if (strcmp(ic->pfx[i].info.prefix, prefix) == 0)
                        return &ic->pfx[i];
        if (ic->npfx < IDENT_CACHE)
                p = &ic->pfx[ic->npfx++];
        else
                p = &ic->pfx[ic->next_pfx++ % IDENT_CACHE];
        if (!(rc = api_redis(ic->c)))
                return NULL;
        p->found = pfx_get(rc, prefix, &p->info);
        if (p->found < 0) {
                p->info.prefix[0] = '\0'; /* never a cache hit */
                api_fail(ic->c, 503, -1, "store unavailable, retry later");
                return NULL;
        }
        return p;
}

/*
 * The prefix rules: registered to the caller's enterprise, enabled,
 * hosted here.  0 (the item may still have been refused), or -1 if the
 * store failed (the call is answered).
 */
static int
ident_check_prefix(struct ident_call *ic, struct ident_item *x)
{
        const struct api_who *who = api_who(ic->c);
        size_t plen = hname_prefix_len(x->name, x->len);
        const struct ident_pfx *p;
        char prefix[PFX_MAX + 1], err[160];

        if (pfx_normalise(x->name, plen, prefix) < 0) {
                ident_set(x, 400, -2,
                          "the prefix of %s is not dot-separated letters and "
                          "digits of at most %d characters",
                          x->name, PFX_MAX);
                return 0;
        }
        if (!(p = ident_pfx(ic, prefix)))
                return -1;
        if (!p->found || !who->ent[0] || strcmp(p->info.ent, who->ent) != 0)
                ident_set(x, 403, -3,
                          "prefix %s is not registered to your enterprise",
                          prefix);
        else if (pfx_check_hosted(&p->info, err, sizeof(err)) < 0)
                ident_set(x, 409, -2, "%s", err);
        return 0;
}

/* A template, read once per call.  NULL if the store failed. */
static const struct ident_tpl *
ident_tpl(struct ident_call *ic, const char *prefix, const char *version)
{
        char key[KEYS_MAX], err[256];
        struct ident_tpl *e;
        redisReply *r;
        size_t i;

        for (i = 0; i < ic->ntpl; i++)
                if (strcmp(ic->tpl[i].prefix, prefix) == 0 &&
                    strcmp(ic->tpl[i].version, version) == 0)
                        return &ic->tpl[i];
        if (ic->ntpl < IDENT_CACHE)
                e = &ic->tpl[ic->ntpl++];
        else
                e = &ic->tpl[ic->next_tpl++ % IDENT_CACHE];
        tpl_free(e->t);
        e->t = NULL;
        e->prefix[0] = '\0'; /* never a cache hit until filled */
        keys_template(key, sizeof(key), prefix, version);
        if (!(r = api_cmd(ic->c, "GET %s", key)))
                return NULL;
        if (r->type == REDIS_REPLY_STRING &&
            !(e->t = tpl_parse(r->str, r->len, err, sizeof(err)))) {
                freeReplyObject(r);
                api_fail(ic->c, 500, -4, "template %s of prefix %s is damaged",
                         version, prefix);
                return NULL;
        }
        freeReplyObject(r);
        snprintf(e->prefix, sizeof(e->prefix), "%s", prefix);
        snprintf(e->version, sizeof(e->version), "%s", version);
        return e;
}

/* A value the server writes: a string, with the given permissions. */
static void
ident_server_value(uint32_t index, const char *type, const char *data,
                   uint32_t now, int perms, struct hval *v)
{
        hval_init(v, index,
                  (struct span){(const uint8_t *)type, (uint32_t)strlen(type)},
                  (struct span){(const uint8_t *)data, (uint32_t)strlen(data)},
                  now);
        v->perms = (uint8_t)perms;
}

/*
 * The values the server adds: 1001 TEMPLATE (the version, public), then
 * who registered it, 1002 OWNER (the enterprise's USCC) and 1003
 * REGISTRANT (the account: a platform's key id or a user), readable by
 * anyone only if the operator publishes them (publish_registrant).
 */
static void
ident_server_values(struct ident_call *ic, const char *version,
                    struct wbuf *out)
{
        const struct api_who *who = api_who(ic->c);
        int perms = api_config(ic->c)->publish_registrant
                        ? HVAL_PERMS_DEFAULT
                        : HVAL_PERMS_DEFAULT & ~HVAL_PUBLIC_READ;
        struct hval v;

        ident_server_value(TPL_VERSION_INDEX, "TEMPLATE", version, ic->now_unix,
                           HVAL_PERMS_DEFAULT, &v);
        hval_encode(out, &v);
        ident_server_value(IDENT_OWNER_INDEX, "OWNER", who->ent, ic->now_unix,
                           perms, &v);
        hval_encode(out, &v);
        ident_server_value(IDENT_REGISTRANT_INDEX, "REGISTRANT", who->name,
                           ic->now_unix, perms, &v);
        hval_encode(out, &v);
}

/*
 * Checks the values against the template and encodes them.  0 (the item
 * may have been refused), or -1 if the store failed.
 */
static int
ident_check_values(struct ident_call *ic, struct ident_item *x)
{
        const char *version = x->version;
        const char *tprefix = x->it ? iditem_template_prefix(x->it) : "";
        const char *ent = api_who(ic->c)->ent;
        const struct ident_tpl *e;
        const struct ident_pfx *tp;
        const struct hval *vals = x->vals;
        struct hval *data = NULL, v;
        char prefix[PFX_MAX + 1], err[256];
        size_t n = x->nvals, ndata = 0, i;

        /* ident_check_prefix has accepted it, so it normalises. */
        pfx_normalise(x->name, hname_prefix_len(x->name, x->len), prefix);
        if (!tprefix[0])
                tprefix = prefix;
        if (!(e = ident_tpl(ic, tprefix, version)))
                return -1;
        if (!e->t) {
                ident_set(x, 400, -2, "template %s of prefix %s does not exist",
                          version, tprefix);
                return 0;
        }
        /* Another prefix's template: its owner's, or shared with us. */
        if (strcmp(tprefix, prefix) != 0) {
                if (!(tp = ident_pfx(ic, tprefix)))
                        return -1;
                if (!(tp->found && strcmp(tp->info.ent, ent) == 0) &&
                    !tpl_shared_with(e->t, ent)) {
                        ident_set(x, 403, -3,
                                  "template %s of prefix %s is not shared "
                                  "with your enterprise",
                                  version, tprefix);
                        return 0;
                }
        }
        /* Administration values are checked here, the rest by the template. */
        if (n > 0 && !(data = calloc(n, sizeof(*data)))) {
                ident_set(x, 500, -4, "out of memory");
                return 0;
        }
        for (i = 0; i < n; i++) {
                int r = hkey_admin_value(&vals[i], err, sizeof(err));

                if (r < 0) {
                        ident_set(x, 400, -2, "value %u: %s", vals[i].index,
                                  err);
                        free(data);
                        return 0;
                }
                if (r == 0)
                        data[ndata++] = vals[i];
        }
        if (tpl_check_values(e->t, data, ndata, err, sizeof(err)) < 0) {
                ident_set(x, 400, -2, "%s", err);
                free(data);
                return 0;
        }
        free(data);
        wbuf_init(&x->enc, IDENT_MAX_RECORD);
        for (i = 0; i < n; i++) {
                v = vals[i];
                v.timestamp = ic->now_unix;
                /* The template's item decides (SNMS values carry no
                 * permissions of their own). */
                if (!tpl_item_public(e->t, v.index))
                        v.perms &= (uint8_t)~HVAL_PUBLIC_READ;
                hval_encode(&x->enc, &v);
        }
        ident_server_values(ic, version, &x->enc);
        if (!wbuf_ok(&x->enc))
                ident_set(x, 500, -4, "out of memory encoding values");
        return 0;
}

/* ---------------------------------------------------------- writing */

/* Pipelines the script for one item.  0, or -1 on no memory. */
static int
ident_append(struct ident_call *ic, struct redisContext *rc,
             struct ident_item *x, int whole)
{
        const char *argv[IDENT_ARGC];
        size_t argvlen[IDENT_ARGC];
        char key[KEYS_MAX], qkey[KEYS_MAX], prefix[PFX_MAX + 1], quota[16];
        char fields[IDENT_MAX_FIELDS][11];
        struct cur cu;
        struct hval v;
        int argc = 9;
        size_t k = 0;

        /* ident_check_prefix has accepted it, so it normalises. */
        pfx_normalise(x->name, hname_prefix_len(x->name, x->len), prefix);
        snprintf(quota, sizeof(quota), "%d",
                 api_config(ic->c)->quota_per_prefix);
        argv[2] = "2", argvlen[2] = 1;
        argv[3] = key;
        argvlen[3] = keys_handle(key, sizeof(key), x->name, x->len);
        argv[4] = qkey;
        argvlen[4] = keys_quota(qkey, sizeof(qkey), prefix);
        argv[5] = ic->expect ? ic->expect : op_arg[ic->op];
        argvlen[5] = strlen(argv[5]);
        argv[6] = ic->now, argvlen[6] = strlen(ic->now);
        argv[7] = api_who(ic->c)->name, argvlen[7] = strlen(argv[7]);
        argv[8] = quota, argvlen[8] = strlen(quota);
        cur_init(&cu, x->enc.p, x->enc.len);
        while (cur_left(&cu) > 0 && k < IDENT_MAX_FIELDS) {
                if (hval_decode(&cu, &v) < 0)
                        return -1; /* cannot happen: we encoded it */
                snprintf(fields[k], sizeof(fields[k]), "%u", v.index);
                argv[argc] = fields[k], argvlen[argc++] = strlen(fields[k]);
                argv[argc] = (const char *)v.wire.p,
                argvlen[argc++] = v.wire.len;
                k++;
        }
        return script_append(rc, &ic->script, whole, argc, argv, argvlen);
}

static void
ident_result(struct ident_call *ic, struct ident_item *x, const redisReply *r)
{
        if (r->type != REDIS_REPLY_INTEGER)
                ident_set(x, 500, -4, "store error: %s",
                          r->type == REDIS_REPLY_ERROR ? r->str : "reply");
        else if (r->integer == 1)
                ident_set(x, 200, 1, "success");
        else if (r->integer == -3)
                ident_set(x, 409, -2, "%s changed meanwhile: retry", x->name);
        else if (ic->op != IDENT_CREATE)
                ident_set(x, 404, -2, "%s does not exist", x->name);
        else if (r->integer == -2) {
                ident_set(x, 403, -2,
                          "quota reached: the prefix of %s holds as many "
                          "identifiers as it may (ask the node operator)",
                          x->name);
                api_count_quota(ic->c, 1);
        } else if (r->integer == 0) {
                /* Exactly this message: clients treat it as success. */
                ident_set(x, 409, -2, "already exists");
                x->identical = 1;
        } else
                ident_set(x, 409, -2, "exists with different values");
}

/*
 * Runs the script for every accepted item in one pipeline; items Redis
 * has no script for yet go again, sent whole.  0, or -1 if the store
 * failed (the call is answered).
 */
static int
ident_write(struct ident_call *ic)
{
        struct redisContext *rc;
        redisReply *r;
        size_t i, queued;
        int whole;

        for (whole = 0; whole < 2; whole++) {
                if (!(rc = api_redis(ic->c)))
                        return -1;
                for (i = 0, queued = 0; i < ic->n; i++) {
                        if (ic->items[i].code != 0)
                                continue;
                        if (ident_append(ic, rc, &ic->items[i], whole) < 0) {
                                api_fail(ic->c, 500, -4, "out of memory");
                                return -1;
                        }
                        queued++;
                }
                for (i = 0; i < ic->n && queued > 0; i++) {
                        if (ic->items[i].code != 0)
                                continue;
                        if (!(r = api_reply(ic->c)))
                                return -1;
                        if (whole || !script_missing(r))
                                ident_result(ic, &ic->items[i], r);
                        freeReplyObject(r);
                }
        }
        return 0;
}

/* ------------------------------------------------------------ calls */

/* The handle to name an item by: normalised, else as sent if short. */
static const char *
ident_label(const struct ident_item *x)
{
        if (x->len > 0)
                return x->name;
        if (json_is_string(x->given) &&
            json_string_length(x->given) <= HNAME_MAX &&
            strlen(json_string_value(x->given)) == json_string_length(x->given))
                return json_string_value(x->given);
        return NULL;
}

/* Checks every item, writes the good ones, audits all.  0 or -1. */
static int
ident_process(struct ident_call *ic)
{
        size_t i;
        int ret = 0;

        for (i = 0; i < ic->n && ret == 0; i++) {
                struct ident_item *x = &ic->items[i];

                if (x->code == 0)
                        ret = ident_check_prefix(ic, x);
                if (ret == 0 && x->code == 0 && ic->op != IDENT_DELETE)
                        ret = ident_check_values(ic, x);
        }
        if (ret == 0)
                ret = ident_write(ic);
        for (i = 0; i < ic->n; i++) {
                const struct ident_item *x = &ic->items[i];
                const char *label = ident_label(x);

                if (x->code != 0)
                        api_audit(ic->c, op_audit[ic->op], label ? label : "-",
                                  x->code == 1 ? "ok" : x->msg);
        }
        return ret;
}

static struct ident_call *
ident_call_new(struct api_call *c, enum ident_op op, size_t n)
{
        struct ident_call *ic = calloc(1, sizeof(*ic));

        if (!ic || !(ic->items = calloc(n, sizeof(*ic->items)))) {
                free(ic);
                api_fail(c, 500, -4, "out of memory");
                return NULL;
        }
        ic->c = c;
        ic->op = op;
        ic->n = n;
        ic->now_unix = clock_unix();
        snprintf(ic->now, sizeof(ic->now), "%u", ic->now_unix);
        script_init(&ic->script, write_lua);
        return ic;
}

static void
ident_call_free(struct ident_call *ic)
{
        size_t i;

        for (i = 0; i < ic->n; i++) {
                iditem_free(ic->items[i].it);
                wbuf_free(&ic->items[i].enc);
        }
        for (i = 0; i < ic->ntpl; i++)
                tpl_free(ic->tpl[i].t);
        free(ic->expect);
        free(ic->items);
        free(ic);
}

/* A single create, update or delete. */
static void
ident_one(struct api_call *c, enum ident_op op)
{
        struct ident_call *ic = ident_call_new(c, op, 1);
        struct ident_item *x;

        if (!ic)
                return;
        x = &ic->items[0];
        if (op == IDENT_DELETE)
                ident_parse_handle(ic, x,
                                   json_object_get(api_body(c), "handle"));
        else
                ident_parse_item(ic, x, api_body(c));
        if (ident_process(ic) < 0)
                goto done;
        if (x->code == 1)
                api_ok(c, json_pack("{s:s}", "handle", x->name));
        else if (x->identical)
                api_fail_data(
                    c, x->http, x->code,
                    json_pack("{s:s,s:b}", "handle", x->name, "identical", 1),
                    "%s already exists", x->name);
        else
                api_fail(c, x->http, x->code, "%s", x->msg);
done:
        ident_call_free(ic);
}

/* A batch: every item answered as {handle, code, msg}, in order. */
static void
ident_batch(struct api_call *c, enum ident_op op)
{
        json_t *body = api_body(c), *e, *out;
        struct ident_call *ic;
        size_t i, n = json_array_size(body);

        if (n == 0 || n > IDENT_MAX_BATCH) {
                api_fail(c, 400, -2, "a batch has 1 to %d items, not %zu",
                         IDENT_MAX_BATCH, n);
                return;
        }
        if (!(ic = ident_call_new(c, op, n)))
                return;
        json_array_foreach(body, i, e)
        {
                if (op == IDENT_DELETE)
                        ident_parse_handle(ic, &ic->items[i], e);
                else
                        ident_parse_item(ic, &ic->items[i], e);
        }
        if (ident_process(ic) < 0)
                goto done;
        if (!(out = json_array())) {
                api_fail(c, 500, -4, "out of memory");
                goto done;
        }
        for (i = 0; i < n; i++) {
                const struct ident_item *x = &ic->items[i];

                json_array_append_new(out, json_pack("{s:s?,s:i,s:s}", "handle",
                                                     ident_label(x), "code",
                                                     x->code, "msg", x->msg));
        }
        api_ok(c, out);
done:
        ident_call_free(ic);
}

static void
ident_create(struct api_call *c)
{
        ident_one(c, IDENT_CREATE);
}

static void
ident_update(struct api_call *c)
{
        ident_one(c, IDENT_UPDATE);
}

static void
ident_delete(struct api_call *c)
{
        ident_one(c, IDENT_DELETE);
}

static void
ident_batch_create(struct api_call *c)
{
        ident_batch(c, IDENT_CREATE);
}

static void
ident_batch_update(struct api_call *c)
{
        ident_batch(c, IDENT_UPDATE);
}

static void
ident_batch_delete(struct api_call *c)
{
        ident_batch(c, IDENT_DELETE);
}

static const struct api_route routes[] = {
    {"/identityv2/data", HTTPD_POST, API_WRITERS, API_OBJECT, ident_create},
    {"/identityv2/data", HTTPD_PUT, API_WRITERS, API_OBJECT, ident_update},
    {"/identityv2/data", HTTPD_DELETE, API_WRITERS, API_OBJECT, ident_delete},
    {"/identityv2/data/batchCreate", HTTPD_POST, API_WRITERS, API_ARRAY,
     ident_batch_create},
    {"/identityv2/data/batchUpdate", HTTPD_PUT, API_WRITERS, API_ARRAY,
     ident_batch_update},
    {"/identityv2/data/batchDelete", HTTPD_DELETE, API_WRITERS, API_ARRAY,
     ident_batch_delete},
};

const struct api_route *
ident_routes(size_t *n)
{
        *n = sizeof(routes) / sizeof(routes[0]);
        return routes;
}

int
ident_write_one(struct api_call *c, const struct ident_write *w, char *msg,
                size_t msglen)
{
        static const char ops[] = "cud";
        const char *p = strchr(ops, w->op);
        struct ident_call *ic;
        struct ident_item *x;
        int http = 0;

        if (!p || !w->op || w->len > HNAME_MAX) {
                snprintf(msg, msglen, "internal error: bad write");
                return 500;
        }
        if (!(ic = ident_call_new(c, (enum ident_op)(p - ops), 1)))
                return 0;
        x = &ic->items[0];
        memcpy(x->name, w->name, w->len);
        x->name[w->len] = '\0';
        x->len = w->len;
        x->version = w->version;
        x->vals = w->vals;
        x->nvals = w->nvals;
        if (w->op == 'u' && w->meta &&
            asprintf(&ic->expect, "x%s", w->meta) < 0) {
                ic->expect = NULL;
                api_fail(c, 500, -4, "out of memory");
                goto done;
        }
        if (ident_process(ic) < 0)
                goto done;
        http = x->code == 1 ? 200 : x->http;
        snprintf(msg, msglen, "%s", x->msg);
done:
        ident_call_free(ic);
        return http;
}
