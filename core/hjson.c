#include "core/hjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/site.h"
#include "core/utf8.h"

#define HJSON_MAX_DATA 65536u

void
hjson_time(uint32_t t, char *buf, size_t len)
{
        time_t tt = (time_t)t;
        struct tm tm;

        gmtime_r(&tt, &tm);
        strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
hjson_parse_time(const char *s, uint32_t *out)
{
        struct tm tm;
        const char *end;
        time_t t;

        memset(&tm, 0, sizeof(tm));
        end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!end || (*end != 'Z' && *end != '\0'))
                return -1;
        t = timegm(&tm);
        if (t < 0 || t > (time_t)UINT32_MAX)
                return -1;
        *out = (uint32_t)t;
        return 0;
}

/* A JSON string if the bytes are UTF-8 text without controls, or NULL. */
static json_t *
hjson_text(struct span d)
{
        size_t i;

        for (i = 0; i < d.len; i++)
                if (d.p[i] < 0x20 && d.p[i] != '\t' && d.p[i] != '\n' &&
                    d.p[i] != '\r')
                        return NULL;
        return json_stringn((const char *)d.p, d.len);
}

static json_t *
hjson_base64(struct span d)
{
        size_t n = 4 * ((d.len + 2) / 3) + 1;
        char *b = malloc(n);
        json_t *s;

        if (!b)
                return NULL;
        EVP_EncodeBlock((unsigned char *)b, d.p, (int)d.len);
        s = json_string(b);
        free(b);
        return s;
}

static json_t *
hjson_admin(struct span d)
{
        struct cur c;
        struct span h;
        uint16_t perms;
        uint32_t idx;
        char bits[13];
        int i;

        cur_init(&c, d.p, d.len);
        perms = cur_u16(&c);
        h = cur_bytes(&c, d.len);
        idx = cur_u32(&c);
        if (!cur_ok(&c))
                return NULL;
        for (i = 0; i < 12; i++)
                bits[i] = (perms >> (11 - i)) & 1 ? '1' : '0';
        bits[12] = '\0';
        return json_pack("{s:s%,s:I,s:s}", "handle", (const char *)h.p,
                         (size_t)h.len, "index", (json_int_t)idx, "permissions",
                         bits);
}

/* list of (str handle, u32 index): references and HS_VLIST data. */
static json_t *
hjson_refs(const uint8_t *p, size_t len, uint32_t n)
{
        json_t *a = json_array();
        struct cur c;
        uint32_t i;

        cur_init(&c, p, len);
        for (i = 0; i < n && a; i++) {
                struct span h = cur_bytes(&c, (uint32_t)len);
                uint32_t idx = cur_u32(&c);

                if (!cur_ok(&c))
                        break;
                json_array_append_new(
                    a, json_pack("{s:s%,s:I}", "handle", (const char *)h.p,
                                 (size_t)h.len, "index", (json_int_t)idx));
        }
        return a;
}

static int
type_is(const struct hval *v, const char *t)
{
        size_t n = strlen(t);

        return v->type.len == n && memcmp(v->type.p, t, n) == 0;
}

static json_t *
hjson_data(const struct hval *v)
{
        json_t *val = NULL;
        const char *fmt = "string";

        if (type_is(v, "HS_ADMIN") && (val = hjson_admin(v->data))) {
                fmt = "admin";
        } else if (type_is(v, "HS_VLIST") && v->data.len >= 4) {
                fmt = "vlist";
                val = hjson_refs(v->data.p + 4, v->data.len - 4,
                                 cur_be32(v->data.p));
        } else if ((val = hjson_text(v->data)) == NULL) {
                fmt = "base64";
                val = hjson_base64(v->data);
        }
        return json_pack("{s:s,s:o}", "format", fmt, "value", val);
}

json_t *
hjson_value(const struct hval *v)
{
        json_t *o, *ttl;
        char ts[32], abs[32];

        hjson_time(v->timestamp, ts, sizeof(ts));
        if (v->ttl_type == HVAL_TTL_ABSOLUTE) {
                hjson_time(v->ttl, abs, sizeof(abs));
                ttl = json_string(abs);
        } else {
                ttl = json_integer(v->ttl);
        }
        o = json_pack("{s:I,s:s%,s:o,s:o,s:s}", "index", (json_int_t)v->index,
                      "type", (const char *)v->type.p, (size_t)v->type.len,
                      "data", hjson_data(v), "ttl", ttl, "timestamp", ts);
        if (!o)
                return NULL;
        if ((v->perms & 0x0F) != HVAL_PERMS_DEFAULT) {
                char bits[5];

                bits[0] = v->perms & HVAL_ADMIN_READ ? '1' : '0';
                bits[1] = v->perms & HVAL_ADMIN_WRITE ? '1' : '0';
                bits[2] = v->perms & HVAL_PUBLIC_READ ? '1' : '0';
                bits[3] = v->perms & HVAL_PUBLIC_WRITE ? '1' : '0';
                bits[4] = '\0';
                json_object_set_new(o, "permissions", json_string(bits));
        }
        if (v->nrefs)
                json_object_set_new(
                    o, "references",
                    hjson_refs(v->refs.p, v->refs.len, v->nrefs));
        return o;
}

/* ------------------------------------------------ text, no objects */

int
hjson_string_text(struct wbuf *w, const char *p, size_t len)
{
        static const char hex[] = "0123456789ABCDEF";
        size_t i, from = 0;
        char u[6] = {'\\', 'u', '0', '0'};

        /* Most strings are plain ASCII: one pass, one copy. */
        for (i = 0; i < len; i++) {
                unsigned char ch = (unsigned char)p[i];

                if (ch < 0x20 || ch >= 0x80 || ch == '"' || ch == '\\')
                        break;
        }
        if (i == len) {
                wbuf_put(w, "\"", 1);
                wbuf_put(w, p, len);
                wbuf_put(w, "\"", 1);
                return 0;
        }
        if (!utf8_valid(p, len))
                return -1;
        wbuf_put(w, "\"", 1);
        for (i = 0; i < len; i++) {
                unsigned char ch = (unsigned char)p[i];
                const char *esc;

                if (ch >= 0x20 && ch != '"' && ch != '\\')
                        continue;
                wbuf_put(w, p + from, i - from);
                from = i + 1;
                /* The escapes jansson writes. */
                switch (ch) {
                case '"':
                        esc = "\\\"";
                        break;
                case '\\':
                        esc = "\\\\";
                        break;
                case '\b':
                        esc = "\\b";
                        break;
                case '\f':
                        esc = "\\f";
                        break;
                case '\n':
                        esc = "\\n";
                        break;
                case '\r':
                        esc = "\\r";
                        break;
                case '\t':
                        esc = "\\t";
                        break;
                default:
                        u[4] = hex[ch >> 4];
                        u[5] = hex[ch & 15];
                        wbuf_put(w, u, sizeof(u));
                        continue;
                }
                wbuf_put(w, esc, 2);
        }
        wbuf_put(w, p + from, len - from);
        wbuf_put(w, "\"", 1);
        return 0;
}

static void
hjson_put(struct wbuf *w, const char *s)
{
        wbuf_put(w, s, strlen(s));
}

/* A value jansson renders (admin and vlist data): through its objects. */
static int
hjson_dumped(struct wbuf *w, const struct hval *v)
{
        json_t *j = hjson_value(v);
        char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

        json_decref(j);
        if (!s)
                return -1;
        hjson_put(w, s);
        free(s);
        return 0;
}

/* data.value as hjson_data writes it for string and base64 data. */
static void
hjson_data_text(struct wbuf *w, struct span d)
{
        char small[256], *b = small;
        size_t i, n = 4 * ((d.len + 2) / 3) + 1;

        for (i = 0; i < d.len; i++)
                if (d.p[i] < 0x20 && d.p[i] != '\t' && d.p[i] != '\n' &&
                    d.p[i] != '\r')
                        break;
        if (i == d.len && utf8_valid((const char *)d.p, d.len)) {
                hjson_put(w, "{\"format\":\"string\",\"value\":");
                hjson_string_text(w, (const char *)d.p, d.len);
                hjson_put(w, "}");
                return;
        }
        if (n > sizeof(small) && !(b = malloc(n))) {
                w->err = 1;
                return;
        }
        EVP_EncodeBlock((unsigned char *)b, d.p, (int)d.len);
        hjson_put(w, "{\"format\":\"base64\",\"value\":\"");
        hjson_put(w, b);
        hjson_put(w, "\"}");
        if (b != small)
                free(b);
}

/* A number in decimal. */
static void
hjson_u32(struct wbuf *w, uint32_t n)
{
        char d[10];
        size_t i = sizeof(d);

        do
                d[--i] = (char)('0' + n % 10);
        while ((n /= 10) != 0);
        wbuf_put(w, d + i, sizeof(d) - i);
}

/*
 * A time as a JSON string.  The values of one record mostly share
 * their timestamp: the last one formatted is kept (per thread).
 */
static void
hjson_time_text(struct wbuf *w, uint32_t t)
{
        static _Thread_local uint32_t last;
        static _Thread_local char text[32] = "";

        if (!text[0] || t != last) {
                hjson_time(t, text, sizeof(text));
                last = t;
        }
        wbuf_put(w, "\"", 1);
        hjson_put(w, text);
        wbuf_put(w, "\"", 1);
}

int
hjson_value_text(struct wbuf *w, const struct hval *v)
{
        char num[48];
        size_t start = w->len;
        struct cur c;
        uint32_t i, k = 0;

        if (type_is(v, "HS_ADMIN") || type_is(v, "HS_VLIST"))
                return hjson_dumped(w, v);
        hjson_put(w, "{\"index\":");
        hjson_u32(w, v->index);
        hjson_put(w, ",\"type\":");
        if (hjson_string_text(w, (const char *)v->type.p, v->type.len) < 0) {
                w->len = start;
                return -1;
        }
        hjson_put(w, ",\"data\":");
        hjson_data_text(w, v->data);
        hjson_put(w, ",\"ttl\":");
        if (v->ttl_type == HVAL_TTL_ABSOLUTE)
                hjson_time_text(w, v->ttl);
        else
                hjson_u32(w, v->ttl);
        hjson_put(w, ",\"timestamp\":");
        hjson_time_text(w, v->timestamp);
        if ((v->perms & 0x0F) != HVAL_PERMS_DEFAULT) {
                snprintf(num, sizeof(num), ",\"permissions\":\"%c%c%c%c\"",
                         v->perms & HVAL_ADMIN_READ ? '1' : '0',
                         v->perms & HVAL_ADMIN_WRITE ? '1' : '0',
                         v->perms & HVAL_PUBLIC_READ ? '1' : '0',
                         v->perms & HVAL_PUBLIC_WRITE ? '1' : '0');
                hjson_put(w, num);
        }
        if (v->nrefs) {
                hjson_put(w, ",\"references\":[");
                cur_init(&c, v->refs.p, v->refs.len);
                for (i = 0; i < v->nrefs; i++) {
                        struct span h = cur_bytes(&c, v->refs.len);
                        uint32_t idx = cur_u32(&c);

                        if (!cur_ok(&c))
                                break;
                        /* hjson_refs drops a handle that is not UTF-8. */
                        if (!utf8_valid((const char *)h.p, h.len))
                                continue;
                        hjson_put(w, k++ ? ",{\"handle\":" : "{\"handle\":");
                        hjson_string_text(w, (const char *)h.p, h.len);
                        hjson_put(w, ",\"index\":");
                        hjson_u32(w, idx);
                        hjson_put(w, "}");
                }
                hjson_put(w, "]");
        }
        hjson_put(w, "}");
        return 0;
}

json_t *
hjson_site(const struct site *s)
{
        char addr[SITE_ADDR_TEXT], ver[8];
        json_t *o, *ifs = json_array(), *attrs = json_array();
        uint32_t i;

        for (i = 0; i < s->niface; i++) {
                const struct site_iface *f = &s->iface[i];
                const char *name = site_proto_name(f->proto);

                json_array_append_new(
                    ifs,
                    json_pack("{s:b,s:b,s:o,s:I}", "query",
                              (f->type & SITE_IF_QUERY) != 0, "admin",
                              (f->type & SITE_IF_ADMIN) != 0, "protocol",
                              name ? json_string(name) : json_integer(f->proto),
                              "port", (json_int_t)f->port));
        }
        if (s->desc.p)
                json_array_append_new(attrs, json_pack("{s:s,s:s%}", "name",
                                                       "desc", "value",
                                                       (const char *)s->desc.p,
                                                       (size_t)s->desc.len));
        site_address_text(s, addr);
        snprintf(ver, sizeof(ver), "%u.%u", s->proto_major, s->proto_minor);
        o = json_pack("{s:i,s:s,s:i,s:b,s:b,s:o,s:[{s:I,s:s,s:{s:s,s:o},s:o}]}",
                      "version", 1, "protocolVersion", ver, "serialNumber",
                      (int)s->serial, "primarySite",
                      (s->primary_mask & SITE_PRIMARY) != 0, "multiPrimary",
                      (s->primary_mask & SITE_MULTI_PRIMARY) != 0, "attributes",
                      attrs, "servers", "serverId", (json_int_t)s->server_id,
                      "address", addr, "publicKey", "format", "base64", "value",
                      hjson_base64(s->pubkey), "interfaces", ifs);
        /* json_pack consumed attrs and ifs, even on failure. */
        if (o && s->hash_option != 2)
                json_object_set_new(o, "hashOption",
                                    json_integer(s->hash_option));
        if (o && s->desc.p && json_array_size(attrs) == 0) {
                json_decref(o); /* the desc was not UTF-8 */
                o = NULL;
        }
        return o;
}

json_t *
hjson_site_value(const struct hval *v)
{
        json_t *o = hjson_value(v), *site;
        struct site s;

        if (o && type_is(v, "HS_SITE") &&
            site_decode(v->data.p, v->data.len, &s) == 0 &&
            (site = hjson_site(&s)) != NULL)
                json_object_set_new(
                    o, "data",
                    json_pack("{s:s,s:o}", "format", "site", "value", site));
        return o;
}

/* Decodes data.value per format into `out` (a fresh wbuf). */
static int
hjson_data_bytes(const char *fmt, const json_t *val, struct wbuf *out,
                 const char **why)
{
        const char *s = json_string_value(val);
        size_t n = json_string_length(val);

        if (strcmp(fmt, "admin") == 0) {
                const char *h = NULL, *bits = "111111111111";
                json_int_t idx = 0;
                uint16_t perms = 0;
                size_t i;

                if (json_unpack((json_t *)val, "{s:s,s:I,s?s}", "handle", &h,
                                "index", &idx, "permissions", &bits) < 0 ||
                    idx < 0 || idx > UINT32_MAX || strlen(bits) > 16) {
                        *why = "admin value needs handle, index, permissions";
                        return -1;
                }
                for (i = 0; bits[i]; i++) {
                        if (bits[i] != '0' && bits[i] != '1') {
                                *why = "admin permissions must be 0/1 bits";
                                return -1;
                        }
                        perms = (uint16_t)(perms << 1 | (bits[i] == '1'));
                }
                wbuf_u16(out, perms);
                wbuf_str(out, h);
                wbuf_u32(out, (uint32_t)idx);
                return 0;
        }
        if (strcmp(fmt, "vlist") == 0) {
                size_t i;
                json_t *e;

                if (!json_is_array(val) ||
                    json_array_size(val) > HVAL_MAX_REFS) {
                        *why = "vlist value is an array of {handle, index}";
                        return -1;
                }
                wbuf_u32(out, (uint32_t)json_array_size(val));
                json_array_foreach(val, i, e)
                {
                        const char *h;
                        json_int_t idx;

                        if (json_unpack(e, "{s:s,s:I}", "handle", &h, "index",
                                        &idx) < 0 ||
                            idx < 0 || idx > UINT32_MAX) {
                                *why = "vlist entries need handle and index";
                                return -1;
                        }
                        wbuf_str(out, h);
                        wbuf_u32(out, (uint32_t)idx);
                }
                return 0;
        }
        if (!s) {
                *why = "data.value must be a string for this format";
                return -1;
        }
        if (n > HJSON_MAX_DATA) {
                *why = "data.value too long";
                return -1;
        }
        if (strcmp(fmt, "string") == 0) {
                wbuf_put(out, s, n);
        } else if (strcmp(fmt, "hex") == 0) {
                unsigned char *b;
                long blen = 0;

                if (n == 0)
                        return 0;
                b = OPENSSL_hexstr2buf(s, &blen);
                if (!b) {
                        *why = "data.value is not valid hex";
                        return -1;
                }
                wbuf_put(out, b, (size_t)blen);
                OPENSSL_free(b);
        } else if (strcmp(fmt, "base64") == 0) {
                unsigned char *b = malloc(n / 4 * 3 + 3);
                int blen;

                if (!b || n % 4 != 0 ||
                    (blen = EVP_DecodeBlock(b, (const unsigned char *)s,
                                            (int)n)) < 0) {
                        free(b);
                        *why = "data.value is not valid base64";
                        return -1;
                }
                /* EVP_DecodeBlock counts padding bytes as data. */
                if (n >= 1 && s[n - 1] == '=')
                        blen--;
                if (n >= 2 && s[n - 2] == '=')
                        blen--;
                wbuf_put(out, b, (size_t)blen);
                free(b);
        } else {
                *why =
                    "unknown data.format (string, hex, base64, admin, vlist)";
                return -1;
        }
        return 0;
}

static int
hjson_perms(const char *s, uint8_t *perms)
{
        int i;

        if (strlen(s) != 4)
                return -1;
        for (i = 0; i < 4; i++)
                if (s[i] != '0' && s[i] != '1')
                        return -1;
        *perms = (uint8_t)((s[0] == '1') << 3 | (s[1] == '1') << 2 |
                           (s[2] == '1') << 1 | (s[3] == '1'));
        return 0;
}

int
hjson_encode_value(const json_t *j, uint32_t now, struct wbuf *out, char *err,
                   size_t errlen)
{
        struct hval v;
        struct wbuf data, refs;
        const json_t *jd, *jttl, *jts, *jp, *jr;
        const char *type, *why = NULL;
        json_int_t index;
        int rc = -1;

        memset(&v, 0, sizeof(v));
        wbuf_init(&data, HJSON_MAX_DATA + 64);
        wbuf_init(&refs, HJSON_MAX_DATA);
        if (!json_is_object(j) ||
            !json_is_integer(json_object_get(j, "index")) ||
            !json_is_string(json_object_get(j, "type"))) {
                why = "a value needs integer index and string type";
                goto fail;
        }
        index = json_integer_value(json_object_get(j, "index"));
        type = json_string_value(json_object_get(j, "type"));
        if (index < 0 || index > UINT32_MAX) {
                why = "index out of range";
                goto fail;
        }
        if (type[0] == '\0' || strlen(type) > HVAL_MAX_TYPE_LEN) {
                why = "type empty or longer than 128 bytes";
                goto fail;
        }
        jd = json_object_get(j, "data");
        if (json_is_string(jd)) {
                if (hjson_data_bytes("string", jd, &data, &why) < 0)
                        goto fail;
        } else if (json_is_object(jd) &&
                   json_is_string(json_object_get(jd, "format"))) {
                if (hjson_data_bytes(
                        json_string_value(json_object_get(jd, "format")),
                        json_object_get(jd, "value"), &data, &why) < 0)
                        goto fail;
        } else if (jd) {
                why = "data must be a string or {format, value}";
                goto fail;
        }
        v.index = (uint32_t)index;
        v.type.p = (const uint8_t *)type;
        v.type.len = (uint32_t)strlen(type);
        v.ttl = HVAL_TTL_DEFAULT;
        v.perms = HVAL_PERMS_DEFAULT;
        v.timestamp = now;
        jttl = json_object_get(j, "ttl");
        if (json_is_integer(jttl)) {
                if (json_integer_value(jttl) < 0 ||
                    json_integer_value(jttl) > UINT32_MAX) {
                        why = "ttl out of range";
                        goto fail;
                }
                v.ttl = (uint32_t)json_integer_value(jttl);
        } else if (json_is_string(jttl)) {
                v.ttl_type = HVAL_TTL_ABSOLUTE;
                if (hjson_parse_time(json_string_value(jttl), &v.ttl) < 0) {
                        why = "ttl must be seconds or an ISO-8601 time";
                        goto fail;
                }
        } else if (jttl) {
                why = "ttl must be seconds or an ISO-8601 time";
                goto fail;
        }
        jts = json_object_get(j, "timestamp");
        if (json_is_string(jts)) {
                if (hjson_parse_time(json_string_value(jts), &v.timestamp) <
                    0) {
                        why = "timestamp must be an ISO-8601 time";
                        goto fail;
                }
        } else if (json_is_integer(jts)) {
                v.timestamp = (uint32_t)json_integer_value(jts);
        }
        jp = json_object_get(j, "permissions");
        if (jp && (!json_is_string(jp) ||
                   hjson_perms(json_string_value(jp), &v.perms) < 0)) {
                why = "permissions must be 4 bits AR AW PR PW, e.g. \"1110\"";
                goto fail;
        }
        jr = json_object_get(j, "references");
        if (jr) {
                size_t i;
                json_t *e;

                if (!json_is_array(jr) || json_array_size(jr) > HVAL_MAX_REFS) {
                        why = "references must be an array (at most 256)";
                        goto fail;
                }
                json_array_foreach(jr, i, e)
                {
                        const char *h;
                        json_int_t ri;

                        if (json_unpack(e, "{s:s,s:I}", "handle", &h, "index",
                                        &ri) < 0 ||
                            ri < 0 || ri > UINT32_MAX) {
                                why = "a reference needs handle and index";
                                goto fail;
                        }
                        wbuf_str(&refs, h);
                        wbuf_u32(&refs, (uint32_t)ri);
                }
                v.nrefs = (uint32_t)json_array_size(jr);
        }
        if (!wbuf_ok(&data) || !wbuf_ok(&refs)) {
                why = "value too large";
                goto fail;
        }
        v.data.p = data.p;
        v.data.len = (uint32_t)data.len;
        v.refs.p = refs.p;
        v.refs.len = (uint32_t)refs.len;
        hval_encode(out, &v);
        rc = wbuf_ok(out) ? 0 : -1;
        if (rc < 0)
                why = "value too large";
fail:
        if (rc < 0)
                snprintf(err, errlen, "%s", why ? why : "invalid value");
        wbuf_free(&data);
        wbuf_free(&refs);
        return rc;
}
