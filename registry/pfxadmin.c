#include "registry/pfxadmin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include "certs/hkey.h"
#include "core/clock.h"
#include "core/cur.h"
#include "core/httpd.h"
#include "core/hval.h"
#include "registry/api.h"
#include "registry/keys.h"
#include "registry/pfx.h"

#define PFXADMIN_NA      "0.NA/"
#define PFXADMIN_MAX_PEM 4096u
/* Every right of protocol.md §6.3 but DO-IRP 3.0's 0x1000. */
#define PFXADMIN_ALL_PERMS 0x0FFF

/* "011111110011": the low 12 bits, most significant first (§6.3). */
static int
pfxadmin_perms(const json_t *j, uint16_t *out)
{
        const char *s;
        size_t i;

        if (!j) {
                *out = PFXADMIN_ALL_PERMS;
                return 0;
        }
        if (!json_is_string(j) || json_string_length(j) != 12)
                return -1;
        s = json_string_value(j);
        *out = 0;
        for (i = 0; i < 12; i++) {
                if (s[i] != '0' && s[i] != '1')
                        return -1;
                *out = (uint16_t)(*out << 1 | (s[i] == '1'));
        }
        return 0;
}

/* One value in wire form into `w`, public read, admin write. */
static void
pfxadmin_value(struct wbuf *w, uint32_t index, const char *type,
               const void *data, size_t len, uint32_t now)
{
        struct hval v;

        hval_init(&v, index,
                  (struct span){(const uint8_t *)type, (uint32_t)strlen(type)},
                  (struct span){data, (uint32_t)len}, now);
        hval_encode(w, &v);
}

static void
pfxadmin_put(struct api_call *c)
{
        json_t *body = api_body(c);
        const json_t *key = json_object_get(body, "publicKey");
        char prefix[PFX_MAX + 1], name[sizeof(PFXADMIN_NA) + PFX_MAX];
        char hkey[KEYS_MAX], err[160], field[2][12], meta[96];
        struct wbuf adm, v100, v300;
        struct pfx_info info;
        const char *arg;
        redisReply *r;
        EVP_PKEY *k;
        uint32_t now = clock_unix();
        uint16_t perms;
        size_t len;
        int found;

        wbuf_init(&adm, 0);
        wbuf_init(&v100, 0);
        wbuf_init(&v300, 0);
        arg = api_arg(c, &len);
        if (!arg || pfx_normalise(arg, len, prefix) < 0) {
                api_fail(c, 400, -2,
                         "name a prefix: dot-separated letters "
                         "and digits");
                goto done;
        }
        if (!json_is_string(key) ||
            json_string_length(key) > PFXADMIN_MAX_PEM ||
            pfxadmin_perms(json_object_get(body, "permissions"), &perms) < 0) {
                api_fail(c, 400, -2,
                         "publicKey must be a PEM public key and permissions "
                         "12 binary digits");
                goto done;
        }
        if (!(k = hkey_pubkey_parse((const uint8_t *)json_string_value(key),
                                    json_string_length(key), err,
                                    sizeof(err)))) {
                api_fail(c, 400, -2, "publicKey: %s", err);
                goto done;
        }
        EVP_PKEY_free(k);
        if (!api_redis(c))
                goto done;
        if ((found = pfx_get(api_redis(c), prefix, &info)) < 0) {
                api_fail(c, 503, -1, "store unavailable, retry later");
                goto done;
        }
        if (!found || !api_who(c)->ent[0] ||
            strcmp(info.ent, api_who(c)->ent) != 0) {
                api_fail(c, 403, -3,
                         "prefix %s is not registered to your enterprise",
                         prefix);
                api_audit(c, "pfx.admin", prefix, "not the owner");
                goto done;
        }
        if (pfx_check_hosted(&info, err, sizeof(err)) < 0) {
                api_fail(c, 409, -2, "%s", err);
                goto done;
        }
        snprintf(name, sizeof(name), PFXADMIN_NA "%s", prefix);
        hkey_admin_encode(&adm, perms, name, PFXADMIN_KEY_INDEX);
        pfxadmin_value(&v100, PFXADMIN_ADMIN_INDEX, "HS_ADMIN", adm.p, adm.len,
                       now);
        pfxadmin_value(&v300, PFXADMIN_KEY_INDEX, "HS_PUBKEY",
                       json_string_value(key), json_string_length(key), now);
        if (!wbuf_ok(&adm) || !wbuf_ok(&v100) || !wbuf_ok(&v300)) {
                api_fail(c, 500, -4, "out of memory");
                goto done;
        }
        keys_handle(hkey, sizeof(hkey), name, strlen(name));
        snprintf(field[0], sizeof(field[0]), "%u", PFXADMIN_ADMIN_INDEX);
        snprintf(field[1], sizeof(field[1]), "%u", PFXADMIN_KEY_INDEX);
        snprintf(meta, sizeof(meta), "c=%u by=%s", now, api_who(c)->name);
        /* One transaction: the handle is replaced, never half-written. */
        redisAppendCommand(api_redis(c), "MULTI");
        redisAppendCommand(api_redis(c), "DEL %s", hkey);
        redisAppendCommand(api_redis(c), "HSET %s %s %b %s %b %s %s", hkey,
                           field[0], v100.p, v100.len, field[1], v300.p,
                           v300.len, KEYS_META_FIELD, meta);
        redisAppendCommand(api_redis(c), "EXEC");
        for (len = 0; len < 4; len++) {
                if (!(r = api_reply(c)))
                        goto done;
                found = r->type == REDIS_REPLY_ERROR;
                freeReplyObject(r);
                if (found) {
                        api_fail(c, 500, -4, "store error");
                        goto done;
                }
        }
        api_audit(c, "pfx.admin", prefix, "ok");
        api_ok(c,
               json_pack("{s:s,s:i,s:i}", "handle", name, "adminIndex",
                         PFXADMIN_ADMIN_INDEX, "keyIndex", PFXADMIN_KEY_INDEX));
done:
        wbuf_free(&adm);
        wbuf_free(&v100);
        wbuf_free(&v300);
}

static const struct api_route routes[] = {
    {"/api/prefix-admin/", HTTPD_PUT, API_WRITERS, API_OBJECT, pfxadmin_put},
};

const struct api_route *
pfxadmin_routes(size_t *n)
{
        *n = sizeof(routes) / sizeof(routes[0]);
        return routes;
}
