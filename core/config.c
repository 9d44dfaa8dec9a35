#include "core/config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <jansson.h>
#include <openssl/crypto.h>

enum config_type { CT_INT, CT_BOOL, CT_STR };

struct config_key {
        const char *name;
        enum config_type type;
        size_t off;
        long min, max; /* for CT_INT; max length for CT_STR */
        long def;
        const char *sdef;
        int reloadable;
        int secret; /* a file setting it must be 0600 or stricter */
};

#define INT(n, lo, hi, d, r)                                                   \
        {                                                                      \
#n, CT_INT, offsetof(struct config, n), lo, hi, d, NULL, r, 0  \
        }
#define BOOL(n, d, r)                                                          \
        {                                                                      \
#n, CT_BOOL, offsetof(struct config, n), 0, 1, d, NULL, r, 0   \
        }
#define STR(n, d, r)                                                           \
        {                                                                      \
#n, CT_STR, offsetof(struct config, n), 0, CONFIG_STR_MAX - 1, \
                    0, d, r, 0                                                 \
        }
/* A string whose value is a secret (not reloadable). */
#define SECRET(n)                                                              \
        {                                                                      \
#n, CT_STR, offsetof(struct config, n), 0, CONFIG_STR_MAX - 1, \
                    0, "", 0, 1                                                \
        }

/* The one list of configuration keys; docs/configuration.md mirrors it. */
static const struct config_key keys[] = {
    INT(workers, 0, 256, 0, 0), /* 0 = one per core */
    STR(handle_bind, "0.0.0.0", 0),
    INT(handle_port, 1, 65535, 2641, 0),
    STR(http_bind, "0.0.0.0", 0),
    INT(http_port, 1, 65535, 8000, 0),
    STR(admin_bind, "127.0.0.1", 0),
    INT(admin_port, 0, 65535, 8001, 0),
    STR(redis_socket, "", 0),
    STR(redis_host, "127.0.0.1", 0),
    SECRET(redis_password), /* Redis AUTH (requirepass); see config_load */
    INT(redis_port, 1, 65535, 6379, 0),
    INT(redis_max_inflight, 16, 1000000, 10000, 1),
    INT(request_timeout_ms, 10, 60000, 1000, 1),
    BOOL(cache, 1, 1),
    INT(cache_entries, 16, 100000000, 200000, 0),
    INT(cache_max_mb, 1, 1048576, 128, 0), /* per worker */
    INT(cache_ttl_max_s, 0, 86400 * 2, 300, 1),
    INT(cache_negative_ttl_s, 0, 3600, 5, 1),
    INT(tcp_idle_timeout_ms, 100, 3600000, 60000, 1),
    INT(max_connections, 1, 1000000, 10000, 1),
    INT(max_inflight_per_conn, 1, 4096, 64, 1),
    INT(max_message_bytes, 1024, 262144, 65536, 1),
    INT(max_handle_bytes, 16, 2048, 255, 1),
    INT(auth_timeout_s, 1, 600, 20, 1),       /* a challenge's life */
    INT(access_log_sample, 0, 1000000, 0, 1), /* 0: no access log */
    INT(site_serial, 0, 65535, 1, 1),
    STR(site_address, "127.0.0.1", 1),
    STR(site_description, "idnode secondary node", 1),
    STR(node_prefix, "", 0),
    STR(ghr_name, "", 0),
    INT(registry_threads, 1, 64, 4, 0),
    INT(http_max_body_kb, 64, 65536, 8192, 0),
    INT(audit_max_entries, 1000, 1000000000, 10000000, 0),
    BOOL(publish_registrant, 0, 0),
    INT(event_max_per_handle, 1, 100000000, 100000, 0),
    INT(trace_max_depth, 1, 100, 10, 0),
    INT(trace_max_nodes, 1, 1000000, 5000, 0),
    INT(trace_deadline_ms, 10, 600000, 2000, 0),
    INT(stats_flush_ms, 50, 3600000, 5000, 1),
    INT(stats_retention_days, 1, 3650, 90, 1),
    INT(stats_hourly_retention_days, 1, 366, 7, 1),
    INT(stats_max_prefixes, 1, 1000000, 4096, 0), /* per worker and hour */
    INT(stats_max_handles, 1, 1000000, 4096, 0),  /* per worker, interval */
    INT(stats_max_clients, 1, 1000000, 4096, 0),  /* per worker, interval */
    STR(log_level, "info", 1),
    STR(log_file, "", 1),
    STR(secret_key_file, "", 0), /* "" = no v1 login */
    STR(tls_bind, "0.0.0.0", 0),
    INT(tls_port, 1, 65535, 8443, 0),
    STR(tls_cert, "", 1), /* "" = no HTTPS listener (a restart adds one) */
    STR(tls_key, "", 1),
    STR(tls_ca, "", 1),
    STR(tls_crl, "", 1),
    STR(tls_client_auth, "none", 1),
    STR(node_key, "", 1),
    /* Abuse limits: rates per second, 0 = off (docs/operations.md). */
    INT(limit_table_slots, 1024, 1 << 26, 1 << 17, 0),
    INT(limit_udp_rate, 0, 10000000, 20000, 1),
    INT(limit_udp_burst, 1, 10000000, 40000, 1),
    INT(limit_udp_busy_rate, 0, 100000, 20, 1),
    INT(limit_tcp_rate, 0, 10000000, 20000, 1),
    INT(limit_tcp_burst, 1, 10000000, 40000, 1),
    INT(limit_http_rate, 0, 10000000, 10000, 1),
    INT(limit_http_burst, 1, 10000000, 20000, 1),
    INT(limit_registry_rate, 0, 10000000, 5000, 1),
    INT(limit_registry_burst, 1, 10000000, 10000, 1),
    INT(limit_trace_rate, 0, 10000000, 50, 1),
    INT(limit_trace_burst, 1, 10000000, 100, 1),
    INT(limit_ent_write_rate, 0, 10000000, 5000, 0),   /* registry: */
    INT(limit_ent_write_burst, 1, 10000000, 10000, 0), /* no reload */
    INT(limit_tcp_conns_per_addr, 0, 1000000, 1024, 1),
    INT(limit_http_conns_per_addr, 0, 1000000, 1024, 1),
    INT(udp_amp_factor, 0, 1000, 4, 1), /* 0: no amplification guard */
    INT(udp_amp_floor, 256, 65536, 1200, 1),
    INT(udp_proven_ttl_s, 0, 86400 * 7, 600, 1),
    INT(quota_per_prefix, 0, 2000000000, 10000000, 0), /* 0: none */
    /* DNS (c-ares per worker): used only when one of the three below is set. */
    STR(dns_servers, "", 0), /* "" = the system resolver */
    INT(dns_timeout_ms, 50, 30000, 2000, 0),
    INT(dns_tries, 1, 5, 2, 0),
    STR(peer_names, "", 0), /* "host:port,..." resolved and re-resolved */
    STR(oid_zone, "", 0),   /* e.g. "oid-res.org"; "" = no OID gateway */
    STR(gs1_zone, "", 0),   /* e.g. "gtin.gs1.id.onsepc.com"; "" = none */
    STR(role, "secondary", 0),
    STR(upstream, "", 1), /* "": no upstream, no recursion */
    BOOL(recursion, 0, 1),
    INT(upstream_timeout_ms, 20, 30000, 500, 1),
    INT(upstream_retries, 0, 5, 1, 1),
    INT(upstream_max_hops, 1, 40, 8, 1),
    INT(upstream_max_inflight, 1, 100000, 1024, 1),
    INT(upstream_ttl_max_s, 0, 86400 * 2, 3600, 1),
    INT(upstream_negative_ttl_s, 0, 3600, 30, 1),
    INT(upstream_stale_s, 0, 86400 * 7, 300, 1),
    BOOL(homing_from_loopback, 0, 1),
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const struct config_key *
config_find(const char *name)
{
        size_t i;

        for (i = 0; i < NKEYS; i++)
                if (strcmp(keys[i].name, name) == 0)
                        return &keys[i];
        return NULL;
}

struct config *
config_defaults(void)
{
        struct config *c = calloc(1, sizeof(*c));
        size_t i;

        if (!c)
                return NULL;
        for (i = 0; i < NKEYS; i++) {
                char *f = (char *)c + keys[i].off;

                if (keys[i].type == CT_STR)
                        snprintf(f, CONFIG_STR_MAX, "%s", keys[i].sdef);
                else
                        *(int *)(void *)f = (int)keys[i].def;
        }
        c->refs = 1;
        return c;
}

/*
 * jansson keeps no positions for parsed keys, so errors about a key are
 * placed by scanning the text for that key as a member of the top-level
 * object.  Returns the 1-based line and column, or 0/0 if not found.
 */
static void
config_locate(const char *text, size_t len, const char *key, int *line,
              int *col)
{
        size_t i, klen = strlen(key);
        int depth = 0, ln = 1, lstart = 0, expect_key = 0;

        *line = *col = 0;
        for (i = 0; i < len; i++) {
                char ch = text[i];

                if (ch == '\n') {
                        ln++;
                        lstart = (int)i + 1;
                } else if (ch == '{' || ch == '[') {
                        depth++;
                        expect_key = (ch == '{' && depth == 1);
                } else if (ch == '}' || ch == ']') {
                        depth--;
                } else if (ch == ',' && depth == 1) {
                        expect_key = 1;
                } else if (ch == '"') {
                        size_t s = i + 1;

                        for (i = s; i < len && text[i] != '"'; i++)
                                if (text[i] == '\\')
                                        i++;
                        if (depth == 1 && expect_key && i - s == klen &&
                            memcmp(text + s, key, klen) == 0) {
                                *line = ln;
                                *col = (int)(s - (size_t)lstart);
                                return;
                        }
                        expect_key = 0;
                }
        }
}

static int
config_set(struct config *c, const struct config_key *k, json_t *v,
           const char **why)
{
        char *f = (char *)c + k->off;
        json_int_t n;

        switch (k->type) {
        case CT_BOOL:
                if (!json_is_boolean(v)) {
                        *why = "expected true or false";
                        return -1;
                }
                *(int *)(void *)f = json_is_true(v);
                return 0;
        case CT_INT:
                if (!json_is_integer(v)) {
                        *why = "expected an integer";
                        return -1;
                }
                n = json_integer_value(v);
                if (n < k->min || n > k->max) {
                        *why = "out of range";
                        return -1;
                }
                *(int *)(void *)f = (int)n;
                return 0;
        case CT_STR:
                if (!json_is_string(v)) {
                        *why = "expected a string";
                        return -1;
                }
                if (json_string_length(v) > (size_t)k->max) {
                        *why = "string too long";
                        return -1;
                }
                snprintf(f, CONFIG_STR_MAX, "%s", json_string_value(v));
                return 0;
        }
        return -1;
}

/* The file's text, and its mode (read from the same open file). */
static char *
config_read_file(const char *path, size_t *len, mode_t *mode)
{
        FILE *fp = fopen(path, "rb");
        char *buf = NULL;
        struct stat st;
        long n;

        if (!fp)
                return NULL;
        *mode = fstat(fileno(fp), &st) == 0 ? st.st_mode : 0777;
        if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
            n < (1L << 20) && fseek(fp, 0, SEEK_SET) == 0) {
                buf = malloc((size_t)n + 1);
                if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
                        free(buf);
                        buf = NULL;
                }
                if (buf) {
                        buf[n] = '\0';
                        *len = (size_t)n;
                }
        }
        fclose(fp);
        return buf;
}

static int
config_valid_level(const char *s)
{
        return strcmp(s, "debug") == 0 || strcmp(s, "info") == 0 ||
               strcmp(s, "warn") == 0 || strcmp(s, "error") == 0;
}

/* 88.123: parts of ASCII letters and digits, at most 32 characters. */
static int
config_valid_prefix(const char *s)
{
        size_t i, n = strlen(s);
        int part = 0;

        if (n > 32)
                return 0;
        for (i = 0; i < n; i++) {
                if (s[i] == '.') {
                        if (part == 0)
                                return 0;
                        part = 0;
                } else if ((s[i] >= '0' && s[i] <= '9') ||
                           (s[i] >= 'A' && s[i] <= 'Z') ||
                           (s[i] >= 'a' && s[i] <= 'z')) {
                        part++;
                } else {
                        return 0;
                }
        }
        return part > 0;
}

/* A DNS zone: dot-separated labels of letters, digits, '-' and '_'. */
static int
config_valid_zone(const char *s)
{
        size_t i, n = strlen(s), label = 0;

        if (n > 200)
                return 0;
        for (i = 0; i < n; i++) {
                if (s[i] == '.') {
                        if (label == 0)
                                return 0;
                        label = 0;
                } else if (((s[i] >= '0' && s[i] <= '9') ||
                            (s[i] >= 'A' && s[i] <= 'Z') ||
                            (s[i] >= 'a' && s[i] <= 'z') || s[i] == '-' ||
                            s[i] == '_') &&
                           ++label <= 63) {
                        continue;
                } else {
                        return 0;
                }
        }
        return label > 0;
}

int
config_top_level(const struct config *c)
{
        return strcmp(c->role, "top-level") == 0;
}

/* One "ip:port" or "[v6]:port" of len bytes into *ss. 0 or -1. */
static int
config_hostport(const char *p, size_t len, struct sockaddr_storage *ss,
                unsigned *sslen)
{
        char host[INET6_ADDRSTRLEN + 1];
        const char *colon, *hs = p, *he;
        struct sockaddr_in *a4 = (struct sockaddr_in *)(void *)ss;
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)(void *)ss;
        unsigned long port = 0;
        size_t i;

        colon = memrchr(p, ':', len);
        if (!colon || colon == p || (size_t)(p + len - colon - 1) > 5 ||
            colon + 1 == p + len)
                return -1;
        for (i = 1; colon + i < p + len; i++) {
                if (colon[i] < '0' || colon[i] > '9')
                        return -1;
                port = port * 10 + (unsigned long)(colon[i] - '0');
        }
        he = colon;
        if (*p == '[') {
                if (he[-1] != ']')
                        return -1;
                hs++;
                he--;
        }
        if (port < 1 || port > 65535 || he <= hs ||
            (size_t)(he - hs) >= sizeof(host))
                return -1;
        memcpy(host, hs, (size_t)(he - hs));
        host[he - hs] = '\0';
        memset(ss, 0, sizeof(*ss));
        if (*p != '[' && inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
                a4->sin_family = AF_INET;
                a4->sin_port = htons((uint16_t)port);
                *sslen = sizeof(*a4);
                return 0;
        }
        if (*p == '[' && inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
                a6->sin6_family = AF_INET6;
                a6->sin6_port = htons((uint16_t)port);
                *sslen = sizeof(*a6);
                return 0;
        }
        return -1;
}

int
config_upstream(const char *text, struct sockaddr_storage *out, unsigned *lens,
                int max)
{
        struct sockaddr_storage ss;
        const char *p = text, *e;
        unsigned sslen;
        int n = 0;

        while (*p) {
                while (*p == ' ' || *p == ',')
                        p++;
                if (!*p)
                        break;
                e = p;
                while (*e && *e != ',' && *e != ' ')
                        e++;
                if (n == max ||
                    config_hostport(p, (size_t)(e - p), &ss, &sslen) < 0)
                        return -1;
                if (out) {
                        out[n] = ss;
                        lens[n] = sslen;
                }
                n++;
                p = e;
        }
        return n;
}

struct config *
config_parse(const char *name, const char *text, size_t len, char *err,
             size_t errlen)
{
        struct config *c = NULL;
        json_t *root = NULL, *v;
        json_error_t jerr;
        const char *key, *why = NULL;
        const char *bad_key = NULL;
        int line, col;

        root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!root) {
                snprintf(err, errlen, "%s:%d:%d: %s", name, jerr.line,
                         jerr.column, jerr.text);
                goto fail;
        }
        if (!json_is_object(root)) {
                snprintf(err, errlen, "%s:1:1: expected a JSON object", name);
                goto fail;
        }
        c = config_defaults();
        if (!c) {
                snprintf(err, errlen, "%s: out of memory", name);
                goto fail;
        }
        json_object_foreach(root, key, v)
        {
                const struct config_key *k = config_find(key);

                if (!k)
                        why = "unknown key";
                else if (config_set(c, k, v, &why) == 0)
                        continue;
                bad_key = key;
                break;
        }
        if (!bad_key && !config_valid_level(c->log_level)) {
                bad_key = "log_level";
                why = "expected debug, info, warn or error";
        }
        if (!bad_key && c->node_prefix[0] &&
            !config_valid_prefix(c->node_prefix)) {
                bad_key = "node_prefix";
                why = "expected a prefix such as 88.123 (digits and letters "
                      "in dot-separated parts)";
        }
        if (!bad_key && strcmp(c->tls_client_auth, "none") != 0 &&
            strcmp(c->tls_client_auth, "optional") != 0 &&
            strcmp(c->tls_client_auth, "require") != 0) {
                bad_key = "tls_client_auth";
                why = "expected none, optional or require";
        }
        if (!bad_key && c->tls_cert[0] && !c->tls_key[0]) {
                bad_key = "tls_cert";
                why = "tls_key is needed with";
        }
        if (!bad_key && strcmp(c->tls_client_auth, "none") != 0 &&
            !c->tls_ca[0]) {
                bad_key = "tls_client_auth";
                why = "tls_ca (the CA of client certificates) is needed with";
        }
        if (!bad_key && c->oid_zone[0] && !config_valid_zone(c->oid_zone))
                bad_key = "oid_zone";
        if (!bad_key && c->gs1_zone[0] && !config_valid_zone(c->gs1_zone))
                bad_key = "gs1_zone";
        if (bad_key && !why)
                why = "expected a DNS zone such as oid-res.org";
        if (!bad_key && strcmp(c->role, "secondary") != 0 &&
            !config_top_level(c)) {
                bad_key = "role";
                why = "expected secondary or top-level";
        }
        if (!bad_key &&
            config_upstream(c->upstream, NULL, NULL, CONFIG_MAX_UPSTREAM) < 0) {
                bad_key = "upstream";
                why = "expected up to 8 comma-separated numeric ip:port "
                      "([v6]:port)";
        }
        if (bad_key) {
                config_locate(text, len, bad_key, &line, &col);
                snprintf(err, errlen, "%s:%d:%d: %s \"%s\"", name, line, col,
                         why, bad_key);
                goto fail;
        }
        json_decref(root);
        return c;
fail:
        free(c);
        json_decref(root);
        return NULL;
}

struct config *
config_load(const char *path, char *err, size_t errlen)
{
        struct config *c;
        size_t len = 0, i;
        mode_t mode = 0;
        char *text = config_read_file(path, &len, &mode);

        if (!text) {
                snprintf(err, errlen, "%s: cannot read file", path);
                return NULL;
        }
        c = config_parse(path, text, len, err, errlen);
        OPENSSL_cleanse(text, len);
        free(text);
        /*
         * A file holding a secret is refused unless only its owner may
         * read it, as secret_key_file is: a secret readable by a group is
         * readable by everyone in it.
         */
        for (i = 0; c && i < NKEYS; i++) {
                if (!keys[i].secret || !((char *)c + keys[i].off)[0] ||
                    !(mode & (S_IRWXG | S_IRWXO)))
                        continue;
                snprintf(err, errlen,
                         "%s: mode %03o, but it sets %s, a secret: make it "
                         "0600 (chmod 600 %s) and owned by the user idnode "
                         "runs as",
                         path, (unsigned)(mode & 0777), keys[i].name, path);
                config_unref(c);
                c = NULL;
        }
        return c;
}

struct config *
config_reload(const struct config *cur, const char *path, char *err,
              size_t errlen, char *note, size_t notelen)
{
        struct config *c = config_load(path, err, errlen);
        size_t i, used = 0;

        if (note && notelen)
                note[0] = '\0';
        if (!c)
                return NULL;
        for (i = 0; i < NKEYS; i++) {
                size_t sz =
                    keys[i].type == CT_STR ? CONFIG_STR_MAX : sizeof(int);
                char *nf = (char *)c + keys[i].off;
                const char *of = (const char *)cur + keys[i].off;

                if (keys[i].reloadable || memcmp(nf, of, sz) == 0)
                        continue;
                memcpy(nf, of, sz);
                if (note && used < notelen)
                        used += (size_t)snprintf(note + used, notelen - used,
                                                 "%s%s", used ? " " : "",
                                                 keys[i].name);
        }
        return c;
}

void
config_ref(struct config *c)
{
        atomic_fetch_add(&c->refs, 1);
}

void
config_unref(struct config *c)
{
        if (c && atomic_fetch_sub(&c->refs, 1) == 1) {
                OPENSSL_cleanse(c->redis_password, sizeof(c->redis_password));
                free(c);
        }
}

char *
config_dump(const struct config *c)
{
        json_t *o = json_object(); /* new reference, freed below */
        char *s;
        size_t i;

        for (i = 0; i < NKEYS; i++) {
                const char *f = (const char *)c + keys[i].off;
                int n = *(const int *)(const void *)f;

                switch (keys[i].type) {
                case CT_STR:
                        /* A secret is shown as whether it is set. */
                        json_object_set_new(
                            o, keys[i].name,
                            json_string(keys[i].secret && f[0] ? "(set)" : f));
                        break;
                case CT_BOOL:
                        json_object_set_new(o, keys[i].name, json_boolean(n));
                        break;
                case CT_INT:
                        json_object_set_new(o, keys[i].name, json_integer(n));
                        break;
                }
        }
        s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(o);
        return s;
}
