#include "registry/pfx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "core/log.h"
#include "core/rpool.h"
#include "core/site.h"
#include "registry/keys.h"

/* Field names of the PFX_REF_* values, in that order. */
static const char *const ref_fields[PFX_REF_NFIELDS] = {
    "state", "proxy", "ipType", "ip", "tcpPort", "udpPort", "httpPort", "u"};

int
pfx_normalise(const char *in, size_t len, char out[PFX_MAX + 1])
{
        size_t i, part = 0;

        if (len == 0 || len > PFX_MAX)
                return -1;
        for (i = 0; i < len; i++) {
                char ch = in[i];

                if (ch == '.') {
                        if (part == 0)
                                return -1;
                        part = 0;
                } else if ((ch >= '0' && ch <= '9') ||
                           (ch >= 'A' && ch <= 'Z')) {
                        part++;
                } else if (ch >= 'a' && ch <= 'z') {
                        ch = (char)(ch - 'a' + 'A');
                        part++;
                } else {
                        return -1;
                }
                out[i] = ch;
        }
        out[len] = '\0';
        return part > 0 ? 0 : -1;
}

int
pfx_get(redisContext *rc, const char *prefix, struct pfx_info *out)
{
        char key[PFX_MAX + 16];
        redisReply *r;
        int found = 0;

        memset(out, 0, sizeof(*out));
        snprintf(out->prefix, sizeof(out->prefix), "%s", prefix);
        keys_prefix(key, sizeof(key), prefix);
        r = redisCommand(rc, "HMGET %s ent state proxy", key);
        if (!r)
                return -1;
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 3) {
                freeReplyObject(r);
                return -1;
        }
        if (r->element[0]->type == REDIS_REPLY_STRING) {
                snprintf(out->ent, sizeof(out->ent), "%s", r->element[0]->str);
                if (r->element[1]->type == REDIS_REPLY_STRING)
                        out->state = atoi(r->element[1]->str);
                if (r->element[2]->type == REDIS_REPLY_STRING)
                        out->proxy = atoi(r->element[2]->str);
                found = 1;
        }
        freeReplyObject(r);
        return found;
}

/*
 * A decimal number of at most `digits` digits and at most `max`, or -1.
 * Strict: no sign, no space, no empty string.
 */
static int64_t
pfx_number(struct span v, uint32_t digits, int64_t max)
{
        int64_t n = 0;
        uint32_t i;

        if (!v.p || v.len == 0 || v.len > digits)
                return -1;
        for (i = 0; i < v.len; i++) {
                if (v.p[i] < '0' || v.p[i] > '9')
                        return -1;
                n = n * 10 + (v.p[i] - '0');
        }
        return n <= max ? n : -1;
}

/* Adds an interface for a port field; 0, or -1 if it is malformed. */
static int
pfx_ref_iface(struct site *s, struct span v, uint8_t type, uint8_t proto)
{
        int64_t port;

        if (!v.p || v.len == 0)
                return 0; /* not offered */
        port = pfx_number(v, 5, 65535);
        if (port < 1)
                return -1;
        s->iface[s->niface++] =
            (struct site_iface){type, proto, (uint32_t)port};
        return 0;
}

int
pfx_ref_parse(const struct span v[PFX_REF_NFIELDS], struct site *s,
              uint32_t *updated)
{
        char ip[SITE_ADDR_TEXT];
        int64_t ts;
        int v4;

        memset(s, 0, sizeof(*s));
        *updated = 0;
        if (pfx_number(v[PFX_REF_STATE], 1, 9) != PFX_ENABLED ||
            pfx_number(v[PFX_REF_PROXY], 1, 9) != PFX_NOT_HOSTED)
                return 0;
        if (pfx_number(v[PFX_REF_IPTYPE], 1, 9) == 4)
                v4 = 1;
        else if (pfx_number(v[PFX_REF_IPTYPE], 1, 9) == 6)
                v4 = 0;
        else
                return -1;
        if (!v[PFX_REF_IP].p || v[PFX_REF_IP].len == 0 ||
            v[PFX_REF_IP].len >= sizeof(ip) ||
            memchr(v[PFX_REF_IP].p, '\0', v[PFX_REF_IP].len))
                return -1;
        memcpy(ip, v[PFX_REF_IP].p, v[PFX_REF_IP].len);
        ip[v[PFX_REF_IP].len] = '\0';
        /* The text must be of the family ipType names. */
        if ((strchr(ip, ':') != NULL) == v4 || site_set_address(s, ip) < 0)
                return -1;
        s->proto_major = 2;
        s->proto_minor = 10;
        s->serial = 1;
        s->primary_mask = SITE_PRIMARY;
        s->hash_option = 2; /* by whole handle, CNRI's default */
        s->server_id = 1;
        if (pfx_ref_iface(s, v[PFX_REF_TCP], SITE_IF_ADMIN | SITE_IF_QUERY,
                          SITE_PROTO_TCP) < 0 ||
            pfx_ref_iface(s, v[PFX_REF_UDP], SITE_IF_QUERY, SITE_PROTO_UDP) <
                0 ||
            pfx_ref_iface(s, v[PFX_REF_HTTP], SITE_IF_ADMIN | SITE_IF_QUERY,
                          SITE_PROTO_HTTP) < 0 ||
            s->niface == 0)
                return -1;
        ts = pfx_number(v[PFX_REF_UPDATED], 10, UINT32_MAX);
        *updated = ts > 0 ? (uint32_t)ts : 0;
        return 1;
}

static void
pfx_fetch_reply(void *arg, struct redisReply *r, enum rpool_status st)
{
        struct pfx_fetch *f = arg;
        struct span v[PFX_REF_NFIELDS];
        struct site s;
        uint32_t updated;
        size_t i;
        int rc;

        if (st != RPOOL_OK) {
                f->cb(f, STORE_BUSY, NULL, 0);
                return;
        }
        if (r->type != REDIS_REPLY_ARRAY || r->elements != PFX_REF_NFIELDS) {
                f->cb(f, STORE_ERROR, NULL, 0);
                return;
        }
        for (i = 0; i < PFX_REF_NFIELDS; i++) {
                const redisReply *e = r->element[i];
                int str = e->type == REDIS_REPLY_STRING;

                v[i].p = str ? (const uint8_t *)e->str : NULL;
                v[i].len = str ? (uint32_t)e->len : 0;
        }
        rc = pfx_ref_parse(v, &s, &updated);
        if (rc < 0)
                log_warn("prefix_referral_unusable",
                         "prefix=%s reason=\"ipType, ip or a port malformed, "
                         "or no port\"",
                         f->prefix);
        if (rc > 0)
                f->cb(f, STORE_OK, &s, updated);
        else
                f->cb(f, STORE_NOT_FOUND, NULL, 0);
}

int
pfx_fetch_ref(struct rpool *p, struct pfx_fetch *f, const char *prefix,
              pfx_fetch_cb cb)
{
        char key[PFX_MAX + 16];
        const char *argv[2 + PFX_REF_NFIELDS] = {"HMGET", key};
        size_t argvlen[2 + PFX_REF_NFIELDS] = {5, 0};
        size_t i;

        argvlen[1] = keys_prefix(key, sizeof(key), prefix);
        if (argvlen[1] == 0)
                return -1;
        for (i = 0; i < PFX_REF_NFIELDS; i++) {
                argv[2 + i] = ref_fields[i];
                argvlen[2 + i] = strlen(ref_fields[i]);
        }
        f->cb = cb;
        snprintf(f->prefix, sizeof(f->prefix), "%s", prefix);
        return rpool_command(p, pfx_fetch_reply, f, 2 + PFX_REF_NFIELDS, argv,
                             argvlen);
}
