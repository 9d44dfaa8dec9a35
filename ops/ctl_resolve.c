/*
 * idctl resolve [--server HOST:PORT] [--tcp] [--type T]... [--index I]...
 *               [--json] [--timeout MS] HANDLE
 * A resolution as a Handle client makes it, printed as a table or as the
 * JSON of the REST API.
 */
#include "ops/ctl.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/hjson.h"
#include "core/hval.h"
#include "core/wire.h"

#define IDCTL_MAX_FILTER 64

struct resolve_opts {
        char host[256];
        char port[16];
        int tcp;
        int json;
        int timeout_ms;
        uint32_t nidx, ntypes;
        uint32_t idx[IDCTL_MAX_FILTER];
        const char *types[IDCTL_MAX_FILTER];
        const char *handle;
};

static int
ctl_resolve_connect(const struct resolve_opts *o)
{
        struct addrinfo hints, *ai, *a;
        int fd = -1, rc;

        memset(&hints, 0, sizeof(hints));
        hints.ai_socktype = o->tcp ? SOCK_STREAM : SOCK_DGRAM;
        rc = getaddrinfo(o->host, o->port, &hints, &ai);
        if (rc != 0) {
                fprintf(stderr, "idctl: %s: %s\n", o->host, gai_strerror(rc));
                return -1;
        }
        for (a = ai; a; a = a->ai_next) {
                fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0);
                if (fd < 0)
                        continue;
                if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
                        break;
                close(fd);
                fd = -1;
        }
        freeaddrinfo(ai);
        if (fd < 0)
                fprintf(stderr, "idctl: cannot connect to %s:%s: %s\n", o->host,
                        o->port, strerror(errno));
        return fd;
}

/* Waits for input until `deadline`; 1 readable, 0 timed out. */
static int
ctl_resolve_wait(int fd, uint64_t deadline)
{
        struct pollfd p = {fd, POLLIN, 0};
        uint64_t now = clock_ms();

        if (now >= deadline)
                return 0;
        return poll(&p, 1, (int)(deadline - now)) > 0;
}

/* Reads one whole response over TCP into a malloc'd buffer. */
static uint8_t *
ctl_resolve_tcp(int fd, uint32_t request_id, size_t *len, uint64_t deadline)
{
        uint8_t env[WIRE_ENV_LEN];
        struct wire_env e;
        uint8_t *msg;
        size_t got;

        for (;;) {
                for (got = 0; got < WIRE_ENV_LEN;) {
                        ssize_t n;

                        if (!ctl_resolve_wait(fd, deadline))
                                return NULL;
                        n = read(fd, env + got, WIRE_ENV_LEN - got);
                        if (n <= 0)
                                return NULL;
                        got += (size_t)n;
                }
                wire_env_decode(env, &e);
                if (e.msg_len > WIRE_MAX_MESSAGE)
                        return NULL;
                msg = malloc(WIRE_ENV_LEN + e.msg_len);
                if (!msg)
                        return NULL;
                memcpy(msg, env, WIRE_ENV_LEN);
                for (got = 0; got < e.msg_len;) {
                        ssize_t n;

                        if (!ctl_resolve_wait(fd, deadline)) {
                                free(msg);
                                return NULL;
                        }
                        n = read(fd, msg + WIRE_ENV_LEN + got, e.msg_len - got);
                        if (n <= 0) {
                                free(msg);
                                return NULL;
                        }
                        got += (size_t)n;
                }
                if (e.request_id == request_id) {
                        *len = WIRE_ENV_LEN + e.msg_len;
                        return msg;
                }
                free(msg);
        }
}

/*
 * Reads a UDP response, reassembling fragments (TC set, SequenceNumber
 * = index, each carrying up to 492 message bytes) into one message.
 */
static uint8_t *
ctl_resolve_udp(int fd, uint32_t request_id, size_t *len, uint64_t deadline)
{
        uint8_t dgram[65536], *msg = NULL;
        uint8_t seen[WIRE_MAX_MESSAGE / WIRE_UDP_CHUNK + 1];
        uint32_t total = 0, nfrag = 0, have = 0;
        struct wire_env e;

        memset(seen, 0, sizeof(seen));
        while (ctl_resolve_wait(fd, deadline)) {
                ssize_t n = recv(fd, dgram, sizeof(dgram), 0);
                size_t off;

                if (n < (ssize_t)WIRE_ENV_LEN)
                        continue;
                wire_env_decode(dgram, &e);
                if (e.request_id != request_id || e.msg_len > WIRE_MAX_MESSAGE)
                        continue;
                if (!(e.flags & WIRE_ENV_TC)) {
                        free(msg);
                        msg = malloc((size_t)n);
                        if (!msg)
                                return NULL;
                        memcpy(msg, dgram, (size_t)n);
                        *len = (size_t)n;
                        return msg;
                }
                if (!msg) {
                        total = e.msg_len;
                        nfrag = (total + WIRE_UDP_CHUNK - 1) / WIRE_UDP_CHUNK;
                        msg = calloc(1, WIRE_ENV_LEN + total);
                        if (!msg)
                                return NULL;
                        memcpy(msg, dgram, WIRE_ENV_LEN);
                        msg[2] &= (uint8_t)~WIRE_ENV_TC;
                }
                off = (size_t)e.seq * WIRE_UDP_CHUNK;
                if (e.msg_len != total || e.seq >= nfrag || seen[e.seq] ||
                    (size_t)n - WIRE_ENV_LEN > total - off)
                        continue;
                memcpy(msg + WIRE_ENV_LEN + off, dgram + WIRE_ENV_LEN,
                       (size_t)n - WIRE_ENV_LEN);
                seen[e.seq] = 1;
                if (++have == nfrag) {
                        *len = WIRE_ENV_LEN + total;
                        return msg;
                }
        }
        free(msg);
        return NULL;
}

/*
 * A success or referral body: str handle, u32 n, n values (a referral's
 * HS_SITE values are shown decoded, format "site").
 */
static int
ctl_resolve_print(const struct resolve_opts *o, uint32_t rc,
                  const struct span *body)
{
        json_t *root = json_pack("{s:i,s:s}", "responseCode", (int)rc, "handle",
                                 o->handle);
        json_t *vals = json_array();
        struct cur c;
        struct span h;
        uint32_t n, i;

        cur_init(&c, body->p, body->len);
        h = cur_bytes(&c, WIRE_MAX_HANDLE);
        n = cur_u32(&c);
        (void)h;
        for (i = 0; i < n && cur_ok(&c); i++) {
                struct hval v;
                json_t *jv;

                if (hval_decode(&c, &v) < 0)
                        break;
                jv = rc == RC_SUCCESS ? hjson_value(&v) : hjson_site_value(&v);
                if (!o->json) {
                        json_t *d = json_object_get(jv, "data");
                        json_t *dv = json_object_get(d, "value");
                        char *s = json_is_string(dv)
                                      ? strdup(json_string_value(dv))
                                      : json_dumps(dv, JSON_COMPACT);

                        printf("%6u  %-20.*s  %s\n", v.index, (int)v.type.len,
                               (const char *)v.type.p, s ? s : "");
                        free(s);
                }
                json_array_append_new(vals, jv);
        }
        if (!cur_ok(&c) || i < n) {
                fprintf(stderr, "idctl: malformed response body\n");
                json_decref(vals);
                json_decref(root);
                return 1;
        }
        json_object_set_new(root, "values", vals);
        if (o->json) {
                char *s =
                    json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

                printf("%s\n", s ? s : "");
                free(s);
        }
        json_decref(root);
        return 0;
}

static int
ctl_resolve_run(struct resolve_opts *o)
{
        struct wire_query q;
        struct wire_env e;
        struct wire_msg m;
        struct wbuf w;
        uint8_t *resp = NULL;
        size_t len = 0;
        uint32_t rid;
        int fd, attempt, rc = 1;

        fd = ctl_resolve_connect(o);
        if (fd < 0)
                return 1;
        srand((unsigned)(time(NULL) ^ getpid()));
        rid = (uint32_t)rand() & 0x7FFFFFFF;
        memset(&q, 0, sizeof(q));
        q.major = 2;
        q.minor = 10;
        q.request_id = rid;
        q.opflags = OPF_REC | OPF_CA | OPF_PO;
        q.expiration = (uint32_t)time(NULL) + 12 * 3600;
        q.handle = o->handle;
        q.nidx = o->nidx;
        q.idx = o->idx;
        q.ntypes = o->ntypes;
        q.types = o->types;
        wbuf_init(&w, WIRE_MAX_MESSAGE);
        wire_query_encode(&w, &q);
        /* UDP: retry after 500, 1000, 1500 ms as CNRI clients do. */
        for (attempt = 0; attempt < (o->tcp ? 1 : 3) && !resp; attempt++) {
                uint64_t wait = o->tcp ? (uint64_t)o->timeout_ms
                                       : 500u * (uint64_t)(attempt + 1);

                if (write(fd, w.p, w.len) != (ssize_t)w.len) {
                        fprintf(stderr, "idctl: send failed: %s\n",
                                strerror(errno));
                        goto out;
                }
                resp = o->tcp
                           ? ctl_resolve_tcp(fd, rid, &len, clock_ms() + wait)
                           : ctl_resolve_udp(fd, rid, &len, clock_ms() + wait);
        }
        if (!resp) {
                fprintf(stderr, "idctl: no answer from %s:%s\n", o->host,
                        o->port);
                goto out;
        }
        wire_env_decode(resp, &e);
        if (wire_msg_decode(resp + WIRE_ENV_LEN, len - WIRE_ENV_LEN, &m) < 0) {
                fprintf(stderr, "idctl: malformed response\n");
                goto out;
        }
        if (m.h.rcode == RC_SUCCESS) {
                rc = ctl_resolve_print(o, m.h.rcode, &m.body);
        } else if (m.h.rcode == RC_SERVICE_REFERRAL ||
                   m.h.rcode == RC_PREFIX_REFERRAL) {
                fprintf(stderr,
                        "%s (%u): served by another node; ask the site "
                        "below\n",
                        wire_rc_name(m.h.rcode), m.h.rcode);
                if (ctl_resolve_print(o, m.h.rcode, &m.body) != 0)
                        goto out;
        } else {
                struct cur c;
                struct span msg;
                const char *name = wire_rc_name(m.h.rcode);

                cur_init(&c, m.body.p, m.body.len);
                msg = cur_bytes(&c, m.body.len);
                if (o->json) {
                        json_t *j = json_pack(
                            "{s:i,s:s,s:s%}", "responseCode", (int)m.h.rcode,
                            "handle", o->handle, "message",
                            msg.p ? (const char *)msg.p : "", (size_t)msg.len);
                        char *txt = j ? json_dumps(j, JSON_INDENT(2) |
                                                          JSON_PRESERVE_ORDER)
                                      : NULL;

                        printf("%s\n", txt ? txt : "{}");
                        free(txt);
                        json_decref(j);
                }
                fprintf(stderr, "%s (%u): %.*s\n", name ? name : "UNKNOWN",
                        m.h.rcode, (int)msg.len,
                        msg.p ? (const char *)msg.p : "");
        }
out:
        free(resp);
        wbuf_free(&w);
        close(fd);
        return rc;
}

static int
ctl_resolve_hostport(const char *s, struct resolve_opts *o)
{
        const char *colon = strrchr(s, ':');

        if (!colon || colon == s || !colon[1])
                return -1;
        if (s[0] == '[' && colon[-1] == ']')
                snprintf(o->host, sizeof(o->host), "%.*s", (int)(colon - s - 2),
                         s + 1);
        else
                snprintf(o->host, sizeof(o->host), "%.*s", (int)(colon - s), s);
        snprintf(o->port, sizeof(o->port), "%s", colon + 1);
        return 0;
}

int
ctl_resolve(const struct config *cfg, int argc, char **argv)
{
        struct resolve_opts o;
        int i;

        memset(&o, 0, sizeof(o));
        snprintf(o.host, sizeof(o.host), "%s",
                 strcmp(cfg->handle_bind, "0.0.0.0") == 0 ||
                         strcmp(cfg->handle_bind, "::") == 0
                     ? "127.0.0.1"
                     : cfg->handle_bind);
        snprintf(o.port, sizeof(o.port), "%d", cfg->handle_port);
        o.timeout_ms = 3000;
        for (i = 0; i < argc; i++) {
                const char *a = argv[i];
                int more = i + 1 < argc;

                if (strcmp(a, "--server") == 0 && more) {
                        if (ctl_resolve_hostport(argv[++i], &o) < 0) {
                                fprintf(stderr, "idctl: --server HOST:PORT\n");
                                return 2;
                        }
                } else if (strcmp(a, "--tcp") == 0) {
                        o.tcp = 1;
                } else if (strcmp(a, "--json") == 0) {
                        o.json = 1;
                } else if (strcmp(a, "--type") == 0 && more &&
                           o.ntypes < IDCTL_MAX_FILTER) {
                        o.types[o.ntypes++] = argv[++i];
                } else if (strcmp(a, "--index") == 0 && more &&
                           o.nidx < IDCTL_MAX_FILTER) {
                        o.idx[o.nidx++] =
                            (uint32_t)strtoul(argv[++i], NULL, 10);
                } else if (strcmp(a, "--timeout") == 0 && more) {
                        o.timeout_ms = atoi(argv[++i]);
                } else if (a[0] == '-' || o.handle) {
                        fprintf(stderr, "idctl: unexpected argument %s\n", a);
                        return 2;
                } else {
                        o.handle = a;
                }
        }
        if (!o.handle) {
                fprintf(stderr, "idctl: resolve needs a HANDLE\n");
                return 2;
        }
        return ctl_resolve_run(&o);
}
