#include "ops/ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>

#include "core/config.h"
#include "core/httpc.h"
#include "core/rpool.h"

struct redisContext *
ctl_redis(const struct config *cfg)
{
        struct timeval tv = {5, 0};
        redisContext *rc =
            cfg->redis_socket[0]
                ? redisConnectUnixWithTimeout(cfg->redis_socket, tv)
                : redisConnectWithTimeout(cfg->redis_host, cfg->redis_port, tv);

        char why[160];

        if (!rc || rc->err) {
                fprintf(stderr, "idctl: redis: %s\n",
                        rc ? rc->errstr : "out of memory");
                if (rc)
                        redisFree(rc);
                return NULL;
        }
        if (rpool_auth_sync(rc, cfg->redis_password, why, sizeof(why)) < 0) {
                fprintf(stderr, "idctl: redis: %s\n", why);
                redisFree(rc);
                return NULL;
        }
        return rc;
}

int
ctl_password(char *buf, size_t max, size_t *len)
{
        if (!fgets(buf, (int)max + 2, stdin)) {
                fprintf(stderr, "idctl: give the password on standard "
                                "input\n");
                return -1;
        }
        *len = strcspn(buf, "\r\n");
        if (buf[*len] == '\0' && *len == max + 1) {
                fprintf(stderr, "idctl: a password is 1-%zu bytes\n", max);
                OPENSSL_cleanse(buf, max + 2);
                return -1;
        }
        buf[*len] = '\0';
        return 0;
}

const char *
ctl_local_host(const char *bind)
{
        if (strcmp(bind, "0.0.0.0") == 0 || !bind[0])
                return "127.0.0.1";
        if (strcmp(bind, "::") == 0)
                return "::1";
        return bind;
}

int
ctl_int_arg(const char *opt, const char *s, long min, long max, long *out)
{
        char *end = NULL;
        long v;

        errno = 0;
        v = s ? strtol(s, &end, 10) : 0;
        if (!s || errno || end == s || *end || v < min || v > max) {
                fprintf(stderr, "idctl: %s %s: not a number from %ld to %ld\n",
                        opt, s ? s : "", min, max);
                return -1;
        }
        *out = v;
        return 0;
}

void
ctl_print_json(const json_t *j)
{
        char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                                    JSON_ENCODE_ANY);

        printf("%s\n", s ? s : "null");
        free(s);
}

void
ctl_duration(long long secs, char *buf, size_t len)
{
        long long d = secs / 86400;

        if (secs < 0)
                secs = d = 0;
        if (d)
                snprintf(buf, len, "%lldd %02lld:%02lld:%02lld", d,
                         secs % 86400 / 3600, secs % 3600 / 60, secs % 60);
        else
                snprintf(buf, len, "%02lld:%02lld:%02lld", secs / 3600,
                         secs % 3600 / 60, secs % 60);
}

struct httpc_resp *
ctl_admin_get(const struct config *cfg, const char *path, int timeout_ms,
              char *err, size_t errlen)
{
        char port[16];
        struct httpc_req rq = {
            .host = ctl_local_host(cfg->admin_bind),
            .port = port,
            .method = "GET",
            .target = path,
            .timeout_ms = timeout_ms,
            .max_body = HTTPC_MAX_BODY,
        };

        if (cfg->admin_port == 0) {
                snprintf(err, errlen,
                         "the admin listener is off (admin_port is 0 in the "
                         "config)");
                return NULL;
        }
        snprintf(port, sizeof(port), "%d", cfg->admin_port);
        return httpc_request(&rq, err, errlen);
}

json_t *
ctl_json_body(const struct httpc_resp *r)
{
        size_t len;
        const char *body = httpc_body(r, &len);

        return json_loadb(body, len, 0, NULL);
}
