#include "registry/plat.h"

#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>

#include "core/httpd.h"
#include "registry/api.h"
#include "registry/keys.h"
#include "registry/snms.h"
#include "registry/users.h"

static const char *const kinds[] = {"erp", "mes", "wms", "trace", "other"};

int
plat_kind_ok(const char *kind)
{
        size_t i;

        for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
                if (strcmp(kind, kinds[i]) == 0)
                        return 1;
        return 0;
}

static void
plat_create(struct api_call *c)
{
        const char *own = api_who(c)->ent, *label, *kind;
        char name[USERS_NAME_MAX + 1], secret[USERS_SECRET_BUF], err[256];
        redisContext *rc;
        int res;

        if (snms_text(api_body(c), "name", 1, PLAT_NAME_MAX, &label, err,
                      sizeof(err)) < 0 ||
            snms_text(api_body(c), "kind", 1, 16, &kind, err, sizeof(err)) <
                0) {
                api_fail(c, 400, -2, "%s", err);
                return;
        }
        if (!plat_kind_ok(kind)) {
                api_fail(c, 400, -2,
                         "kind must be erp, mes, wms, trace or other");
                return;
        }
        if (!(rc = api_redis(c)))
                return;
        res = users_add_platform(rc, own, label, kind, PLAT_MAX, name, secret,
                                 err, sizeof(err));
        if (res == 1) {
                snms_refuse(c, "platform.create", own, 409, -2,
                            "an enterprise has at most %d platforms; delete "
                            "one first",
                            PLAT_MAX);
        } else if (res < 0) {
                api_fail(c, rc->err ? 503 : 500, rc->err ? -1 : -4,
                         "cannot create the platform: %s", err);
        } else {
                api_audit(c, "platform.create", name, "ok");
                api_ok(c,
                       json_pack("{s:s,s:s,s:s,s:s}", "keyId", name, "secret",
                                 secret, "name", label, "kind", kind));
        }
        OPENSSL_cleanse(secret, sizeof(secret));
}

/* Oldest first, then by key id: a stable order for a set. */
static int
plat_cmp(const void *a, const void *b)
{
        json_t *const *x = a, *const *y = b;
        int d = strcmp(snms_field(*x, "c"), snms_field(*y, "c"));

        return d ? d : strcmp(snms_field(*x, "keyId"), snms_field(*y, "keyId"));
}

/* The rows as the answer: {keyId, name, kind, created}, sorted. */
static json_t *
plat_rows(json_t **rows, size_t n)
{
        json_t *out = json_array(), *row;
        size_t i;

        qsort(rows, n, sizeof(*rows), plat_cmp);
        for (i = 0; out && i < n; i++) {
                row = json_pack("{s:O,s:O,s:O,s:o}", "keyId",
                                json_object_get(rows[i], "keyId"), "name",
                                json_object_get(rows[i], "label"), "kind",
                                json_object_get(rows[i], "kind"), "created",
                                snms_field_date(rows[i], "c"));
                json_array_append_new(out, row);
        }
        return out;
}

static void
plat_list(struct api_call *c)
{
        static const char *const names[] = {"label", "kind", "c"};
        json_t *rows[PLAT_MAX * 2], *rec;
        char set[64], key[128];
        redisReply *ids, *r;
        size_t i, j, n = 0;
        redisContext *rc;

        keys_platforms(set, sizeof(set), api_who(c)->ent);
        if (!(ids = api_cmd(c, "SMEMBERS %s", set)))
                return;
        if (ids->type != REDIS_REPLY_ARRAY || !(rc = api_redis(c))) {
                api_fail(c, 500, -4, "internal error: platform list");
                goto done;
        }
        for (i = 0; i < ids->elements && i < PLAT_MAX * 2; i++) {
                keys_user(key, sizeof(key), ids->element[i]->str);
                redisAppendCommand(rc, "HMGET %s label kind c", key);
        }
        for (i = 0; i < ids->elements && i < PLAT_MAX * 2; i++) {
                if (!(r = api_reply(c)))
                        goto done;
                rec = json_pack("{s:s}", "keyId", ids->element[i]->str);
                for (j = 0; rec && r->type == REDIS_REPLY_ARRAY &&
                            j < r->elements && j < 3;
                     j++)
                        json_object_set_new(rec, names[j],
                                            json_string(r->element[j]->str
                                                            ? r->element[j]->str
                                                            : ""));
                freeReplyObject(r);
                /* A member without its account (never left by a delete) is
                 * not shown. */
                if (rec && json_object_size(rec) == 4 &&
                    snms_field(rec, "kind")[0])
                        rows[n++] = rec;
                else
                        json_decref(rec);
        }
        api_ok(c, plat_rows(rows, n));
done:
        for (i = 0; i < n; i++)
                json_decref(rows[i]);
        freeReplyObject(ids);
}

static void
plat_delete(struct api_call *c)
{
        const char *own = api_who(c)->ent, *id;
        redisContext *rc;
        char err[128];

        if (snms_text(api_body(c), "keyId", 1, USERS_NAME_MAX, &id, err,
                      sizeof(err)) < 0) {
                api_fail(c, 400, -2, "%s", err);
                return;
        }
        if (!(rc = api_redis(c)))
                return;
        switch (users_del_platform(rc, own, id)) {
        case USERS_DELETED:
                api_audit(c, "platform.delete", id, "ok");
                api_ok(c, json_true());
                break;
        case USERS_NO_SUCH:
                api_fail(c, 404, -2, "no platform %s", id);
                break;
        case USERS_NOT_OWNER:
                snms_refuse(c, "platform.delete", id, 403, -3,
                            "platform %s belongs to another enterprise", id);
                break;
        case USERS_DEL_FAILED:
                api_fail(c, 503, -1, "store unavailable, retry later");
                break;
        }
}

static const struct api_route routes[] = {
    {"/snms/api/platform", HTTPD_POST, API_ENTERPRISE, API_OBJECT, plat_create},
    {"/snms/api/platform", HTTPD_GET, API_ENTERPRISE, API_NO_BODY, plat_list},
    {"/snms/api/platform", HTTPD_DELETE, API_ENTERPRISE, API_OBJECT,
     plat_delete},
};

const struct api_route *
plat_routes(size_t *n)
{
        *n = sizeof(routes) / sizeof(routes[0]);
        return routes;
}
