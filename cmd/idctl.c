/*
 * idctl: the command-line client.
 *   idctl [-c CONFIG] resolve [--server HOST:PORT] [--tcp] [--type T]...
 *         [--index I]... [--json] [--timeout MS] HANDLE
 *   idctl [-c CONFIG] import [--format values|csv|jsonl] [--template VER]
 *         [--prefix P] [--as NAME] [--errors FILE] [--checkpoint PATH]
 *         [--resume] [--connections N] [--batch N] FILE|-
 *   idctl [-c CONFIG] user add NAME --role ROLE [--enterprise USCC]
 */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stddef.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/hjson.h"
#include "core/hval.h"
#include "core/wire.h"
#include "certs/seal.h"
#include "registry/audit.h"
#include "registry/import.h"
#include "registry/users.h"

#define IDCTL_MAX_FILTER   64
#define IDCTL_IMPORT_BATCH 512
#define IDCTL_IMPORT_CONNS 32

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
connect_to(const struct resolve_opts *o)
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
wait_readable(int fd, uint64_t deadline)
{
        struct pollfd p = {fd, POLLIN, 0};
        uint64_t now = clock_ms();

        if (now >= deadline)
                return 0;
        return poll(&p, 1, (int)(deadline - now)) > 0;
}

/* Reads one whole response over TCP into a malloc'd buffer. */
static uint8_t *
read_tcp(int fd, uint32_t request_id, size_t *len, uint64_t deadline)
{
        uint8_t env[WIRE_ENV_LEN];
        struct wire_env e;
        uint8_t *msg;
        size_t got;

        for (;;) {
                for (got = 0; got < WIRE_ENV_LEN;) {
                        ssize_t n;

                        if (!wait_readable(fd, deadline))
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

                        if (!wait_readable(fd, deadline)) {
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
read_udp(int fd, uint32_t request_id, size_t *len, uint64_t deadline)
{
        uint8_t dgram[65536], *msg = NULL;
        uint8_t seen[WIRE_MAX_MESSAGE / WIRE_UDP_CHUNK + 1];
        uint32_t total = 0, nfrag = 0, have = 0;
        struct wire_env e;

        memset(seen, 0, sizeof(seen));
        while (wait_readable(fd, deadline)) {
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
print_values(const struct resolve_opts *o, uint32_t rc, const struct span *body)
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
do_resolve(struct resolve_opts *o)
{
        struct wire_query q;
        struct wire_env e;
        struct wire_msg m;
        struct wbuf w;
        uint8_t *resp = NULL;
        size_t len = 0;
        uint32_t rid;
        int fd, attempt, rc = 1;

        fd = connect_to(o);
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
                resp = o->tcp ? read_tcp(fd, rid, &len, clock_ms() + wait)
                              : read_udp(fd, rid, &len, clock_ms() + wait);
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
                rc = print_values(o, m.h.rcode, &m.body);
        } else if (m.h.rcode == RC_SERVICE_REFERRAL ||
                   m.h.rcode == RC_PREFIX_REFERRAL) {
                fprintf(stderr,
                        "%s (%u): served by another node; ask the site "
                        "below\n",
                        wire_rc_name(m.h.rcode), m.h.rcode);
                if (print_values(o, m.h.rcode, &m.body) != 0)
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
split_hostport(const char *s, struct resolve_opts *o)
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

static int
cmd_resolve(const struct config *cfg, int argc, char **argv)
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
                        if (split_hostport(argv[++i], &o) < 0) {
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
        return do_resolve(&o);
}

static redisContext *
redis_open(const struct config *cfg)
{
        struct timeval tv = {5, 0};
        redisContext *rc =
            cfg->redis_socket[0]
                ? redisConnectUnixWithTimeout(cfg->redis_socket, tv)
                : redisConnectWithTimeout(cfg->redis_host, cfg->redis_port, tv);

        if (!rc || rc->err) {
                fprintf(stderr, "idctl: redis: %s\n",
                        rc ? rc->errstr : "out of memory");
                if (rc)
                        redisFree(rc);
                return NULL;
        }
        return rc;
}

/* idctl import: what is on screen while it runs. */
struct import_view {
        int tty;
        uint64_t shown_ms;
};

/* Estimated time left, by bytes read at this run's pace. */
static void
import_eta(const struct import_stats *st, char *buf, size_t len)
{
        double secs = (double)st->elapsed_ms / 1000.0;
        double done = (double)(st->offset - st->start_offset);
        double left;

        if (!st->size || secs < 0.5 || done <= 0) {
                snprintf(buf, len, "--:--");
                return;
        }
        left = (double)(st->size > st->offset ? st->size - st->offset : 0) /
               (done / secs);
        snprintf(buf, len, "%ld:%02ld", (long)left / 60, (long)left % 60);
}

static void
import_show(void *arg, const struct import_stats *st)
{
        struct import_view *v = arg;
        double secs = (double)st->elapsed_ms / 1000.0;
        double rate =
            secs > 0 ? (double)(st->written - st->written_before) / secs : 0;
        int pct =
            st->size ? (int)(100.0 * (double)st->offset / (double)st->size) : 0;
        char bar[31], eta[32];
        int i;

        if (!v->tty) {
                /* A log, not an animation: a line now and then. */
                if (st->elapsed_ms - v->shown_ms < 5000)
                        return;
                v->shown_ms = st->elapsed_ms;
                fprintf(stderr,
                        "idctl: import: %d%%, %" PRIu64 " written, %" PRIu64
                        " rejected, %.0f/s\n",
                        pct, st->written, st->rejected, rate);
                return;
        }
        for (i = 0; i < 30; i++)
                bar[i] = i < pct * 30 / 100 ? '#' : '.';
        bar[30] = '\0';
        import_eta(st, eta, sizeof(eta));
        fprintf(stderr,
                "\r[%s] %3d%%  %" PRIu64 " written  %" PRIu64
                " rejected  %.0f/s  ETA %s\033[K",
                bar, pct, st->written, st->rejected, rate, eta);
}

static void
import_summary(const struct import_view *v, const struct import_stats *st)
{
        double secs = (double)st->elapsed_ms / 1000.0;
        uint64_t mine = st->written - st->written_before;

        if (v->tty)
                fprintf(stderr, "\r\033[K");
        fprintf(stderr,
                "import: %" PRIu64 " records read, %" PRIu64
                " written, %" PRIu64 " rejected, in %.2f s (%.0f/s)",
                st->records, st->written, st->rejected, secs,
                secs > 0 ? (double)mine / secs : 0);
        if (st->written_before > 0)
                fprintf(stderr,
                        "; %" PRIu64 " of them written before "
                        "resuming",
                        st->written_before);
        fprintf(stderr, "\n");
}

enum import_arg { IMPORT_STR, IMPORT_INT, IMPORT_FLAG };

/* The options of idctl import, each a field of struct import_opts. */
static const struct {
        const char *name;
        enum import_arg kind;
        size_t off;
} import_args[] = {
    {"--format", IMPORT_STR, offsetof(struct import_opts, format)},
    {"--template", IMPORT_STR, offsetof(struct import_opts, tpl)},
    {"--prefix", IMPORT_STR, offsetof(struct import_opts, prefix)},
    {"--as", IMPORT_STR, offsetof(struct import_opts, by)},
    {"--errors", IMPORT_STR, offsetof(struct import_opts, errors)},
    {"--checkpoint", IMPORT_STR, offsetof(struct import_opts, checkpoint)},
    {"--resume", IMPORT_FLAG, offsetof(struct import_opts, resume)},
    {"--connections", IMPORT_INT, offsetof(struct import_opts, conns)},
    {"--batch", IMPORT_INT, offsetof(struct import_opts, batch)},
};

#define IMPORT_NARGS (sizeof(import_args) / sizeof(import_args[0]))

/* Fills o from argv; -1 after printing what is wrong. */
static int
import_parse(struct import_opts *o, int argc, char **argv)
{
        int i;

        for (i = 0; i < argc; i++) {
                char *dst, *end = NULL;
                long v;
                size_t k;

                for (k = 0; k < IMPORT_NARGS; k++)
                        if (strcmp(argv[i], import_args[k].name) == 0)
                                break;
                if (k == IMPORT_NARGS) {
                        if (argv[i][0] == '-' && argv[i][1] != '\0') {
                                fprintf(stderr, "idctl: unknown option %s\n",
                                        argv[i]);
                                return -1;
                        }
                        if (o->path) {
                                fprintf(stderr, "idctl: one FILE only\n");
                                return -1;
                        }
                        o->path = argv[i];
                        continue;
                }
                dst = (char *)o + import_args[k].off;
                if (import_args[k].kind == IMPORT_FLAG) {
                        *(int *)(void *)dst = 1;
                        continue;
                }
                if (++i == argc) {
                        fprintf(stderr, "idctl: %s needs a value\n",
                                argv[i - 1]);
                        return -1;
                }
                if (import_args[k].kind == IMPORT_STR) {
                        *(const char **)(void *)dst = argv[i];
                        continue;
                }
                errno = 0;
                v = strtol(argv[i], &end, 10);
                if (errno || *end || v < 1 || v > IMPORT_MAX_BATCH) {
                        fprintf(stderr,
                                "idctl: %s %s: not a number from 1 "
                                "to %d\n",
                                argv[i - 1], argv[i], IMPORT_MAX_BATCH);
                        return -1;
                }
                *(int *)(void *)dst = (int)v;
        }
        if (!o->path) {
                fprintf(stderr, "idctl: import needs a FILE (- for standard "
                                "input)\n");
                return -1;
        }
        if (!users_valid_name(o->by, strlen(o->by))) {
                fprintf(stderr,
                        "idctl: --as: 1-%d characters of "
                        "[A-Za-z0-9_.@-]\n",
                        USERS_NAME_MAX);
                return -1;
        }
        return 0;
}

/*
 * One audit entry per import run (not per identifier: an import is
 * millions of them), so the operator's view shows who loaded what.
 */
static void
import_audit(redisContext *rc, const struct config *cfg,
             const struct import_opts *o, const struct import_stats *st,
             const char *failure)
{
        struct audit_entry e;
        char res[1200];
        void *r = NULL;

        snprintf(res, sizeof(res), "%s%swritten=%llu rejected=%llu",
                 failure ? failure : "", failure ? " " : "",
                 (unsigned long long)st->written,
                 (unsigned long long)st->rejected);
        e.who = o->by;
        e.role = "operator";
        e.ent = "";
        e.action = "ident.import";
        e.target = o->path;
        e.result = res;
        e.addr = "idctl";
        if (audit_append(rc, cfg->audit_max_entries, &e) < 0 ||
            redisGetReply(rc, &r) != REDIS_OK)
                fprintf(stderr, "idctl: the audit entry was not written\n");
        if (r)
                freeReplyObject(r);
}

static int
cmd_import(const struct config *cfg, int argc, char **argv)
{
        struct import_opts o;
        struct import_stats st;
        struct import_view view = {isatty(2), 0};
        char err[1024];
        int rc;

        memset(&o, 0, sizeof(o));
        o.cfg = cfg;
        o.by = "idctl";
        o.conns = IDCTL_IMPORT_CONNS;
        o.batch = IDCTL_IMPORT_BATCH;
        o.progress = import_show;
        o.arg = &view;
        if (import_parse(&o, argc, argv) < 0)
                return 2;
        o.rc = redis_open(cfg);
        if (!o.rc)
                return 1;
        rc = import_run(&o, &st, err, sizeof(err));
        if (st.records > 0 || rc == 0)
                import_audit(o.rc, cfg, &o, &st, rc < 0 ? err : NULL);
        redisFree(o.rc);
        if (rc < 0) {
                if (view.tty && st.records > 0)
                        fprintf(stderr, "\n");
                fprintf(stderr, "idctl: %s\n", err);
                if (st.records > 0)
                        import_summary(&view, &st);
                return 1;
        }
        import_summary(&view, &st);
        return st.rejected ? 1 : 0;
}

/*
 * The password from standard input (one line), the node key when the
 * config names one, and a Redis connection.  0, or -1 (said why).
 */
static int
user_inputs(const struct config *cfg, char pwd[USERS_PASSWORD_MAX + 2],
            size_t *len, struct seal_key **key, redisContext **rc)
{
        char err[256];

        *key = NULL;
        *rc = NULL;
        if (!fgets(pwd, USERS_PASSWORD_MAX + 2, stdin)) {
                fprintf(stderr, "idctl: give the password on standard "
                                "input\n");
                return -1;
        }
        *len = strcspn(pwd, "\r\n");
        if (pwd[*len] == '\0' && *len == USERS_PASSWORD_MAX + 1) {
                fprintf(stderr, "idctl: a password is 1-%d bytes\n",
                        USERS_PASSWORD_MAX);
                goto fail;
        }
        pwd[*len] = '\0';
        if (cfg->secret_key_file[0] &&
            !(*key = seal_key_load(cfg->secret_key_file, err, sizeof(err)))) {
                fprintf(stderr, "idctl: secret_key_file: %s\n", err);
                goto fail;
        }
        if ((*rc = redis_open(cfg)))
                return 0;
        seal_key_free(*key);
        *key = NULL;
fail:
        OPENSSL_cleanse(pwd, USERS_PASSWORD_MAX + 2);
        return -1;
}

/*
 * user add NAME --role R [--enterprise USCC]
 * user passwd NAME  (a new password; logs the account out everywhere)
 * The password is read from standard input.  With secret_key_file in
 * the config the account can also log in with v1.
 */
static int
cmd_user(const struct config *cfg, int argc, char **argv)
{
        const char *name = NULL, *uscc = NULL;
        enum users_role role = USERS_NONE;
        char pwd[USERS_PASSWORD_MAX + 2], err[256];
        struct seal_key *key;
        redisContext *rc;
        size_t len;
        int i, rcode, add;

        add = argc >= 2 && strcmp(argv[0], "add") == 0;
        if (!add && !(argc == 2 && strcmp(argv[0], "passwd") == 0)) {
                fprintf(stderr,
                        "idctl: user add NAME --role "
                        "operator|reviewer|enterprise|platform "
                        "[--enterprise USCC]\n"
                        "       user passwd NAME  (password on stdin)\n");
                return 2;
        }
        name = argv[1];
        for (i = 2; i < argc; i++) {
                if (strcmp(argv[i], "--role") == 0 && i + 1 < argc) {
                        role = users_role_parse(argv[++i]);
                } else if (strcmp(argv[i], "--enterprise") == 0 &&
                           i + 1 < argc) {
                        uscc = argv[++i];
                } else {
                        fprintf(stderr, "idctl: unexpected argument %s\n",
                                argv[i]);
                        return 2;
                }
        }
        if (user_inputs(cfg, pwd, &len, &key, &rc) < 0)
                return 1;
        rcode =
            add ? users_add(rc, name, role, uscc, pwd, len, key, err,
                            sizeof(err))
                : users_set_password(rc, name, pwd, len, key, err, sizeof(err));
        OPENSSL_cleanse(pwd, sizeof(pwd));
        seal_key_free(key);
        redisFree(rc);
        if (rcode < 0) {
                fprintf(stderr, "idctl: %s\n", err);
                return 1;
        }
        if (add)
                printf("user %s added (role %s)\n", name,
                       users_role_name(role));
        else
                printf("user %s: password changed, every session logged "
                       "out\n",
                       name);
        return 0;
}

/* audit [--count N] [--before ID] [--action A] [--target T] [--who W]
 *       [--enterprise USCC] [--json]: newest entries first. */
static int
cmd_audit(const struct config *cfg, int argc, char **argv)
{
        struct audit_query q;
        const char **filter;
        char err[256];
        redisContext *rc;
        json_t *page, *e;
        size_t i;
        int as_json = 0;

        memset(&q, 0, sizeof(q));
        q.count = 20;
        for (i = 0; i < (size_t)argc; i++) {
                filter = strcmp(argv[i], "--before") == 0       ? &q.before
                         : strcmp(argv[i], "--action") == 0     ? &q.action
                         : strcmp(argv[i], "--target") == 0     ? &q.target
                         : strcmp(argv[i], "--who") == 0        ? &q.who
                         : strcmp(argv[i], "--enterprise") == 0 ? &q.ent
                                                                : NULL;
                if (strcmp(argv[i], "--json") == 0) {
                        as_json = 1;
                } else if (strcmp(argv[i], "--count") == 0 &&
                           i + 1 < (size_t)argc) {
                        q.count = atoi(argv[++i]);
                } else if (filter && i + 1 < (size_t)argc) {
                        *filter = argv[++i];
                } else {
                        fprintf(stderr, "idctl: unexpected argument %s\n",
                                argv[i]);
                        return 2;
                }
        }
        if (q.count < 1 || q.count > AUDIT_MAX_PAGE ||
            (q.before && !audit_valid_id(q.before))) {
                fprintf(stderr,
                        "idctl: --count is 1-%d and --before an entry id\n",
                        AUDIT_MAX_PAGE);
                return 2;
        }
        rc = redis_open(cfg);
        if (!rc)
                return 1;
        page = audit_page(rc, &q, err, sizeof(err));
        redisFree(rc);
        if (!page) {
                fprintf(stderr, "idctl: %s\n", err);
                return 1;
        }
        if (as_json) {
                json_dumpf(page, stdout, JSON_COMPACT);
                putchar('\n');
        } else {
                json_array_foreach(json_object_get(page, "entries"), i, e)
                {
                        const char *ent =
                            json_string_value(json_object_get(e, "enterprise"));

                        printf("%s %s who=%s role=%s ent=%s act=%s tgt=%s "
                               "res=\"%s\" addr=%s\n",
                               json_string_value(json_object_get(e, "id")),
                               json_string_value(json_object_get(e, "time")),
                               json_string_value(json_object_get(e, "who")),
                               json_string_value(json_object_get(e, "role")),
                               ent ? ent : "-",
                               json_string_value(json_object_get(e, "action")),
                               json_string_value(json_object_get(e, "target")),
                               json_string_value(json_object_get(e, "result")),
                               json_string_value(json_object_get(e, "addr")));
                }
                if (json_is_string(json_object_get(page, "next")))
                        printf(
                            "# more: idctl audit --before %s\n",
                            json_string_value(json_object_get(page, "next")));
        }
        json_decref(page);
        return 0;
}

static void
usage(FILE *fp)
{
        fprintf(fp, "usage: idctl [-c CONFIG] COMMAND ...\n"
                    "  resolve [--server HOST:PORT] [--tcp] [--type T]... "
                    "[--index I]... [--json] [--timeout MS] HANDLE\n"
                    "  import [--format values|csv|jsonl] [--template VERSION] "
                    "[--prefix P]\n"
                    "         [--as NAME] [--errors FILE] [--checkpoint PATH] "
                    "[--resume]\n"
                    "         [--connections N] [--batch N] FILE|-\n"
                    "  user add NAME --role operator|reviewer|enterprise|"
                    "platform [--enterprise USCC]  (password on stdin)\n"
                    "  user passwd NAME  (new password on stdin; logs it out "
                    "everywhere)\n"
                    "  audit [--count N] [--before ID] [--action A] "
                    "[--target T] [--who W] [--enterprise USCC] [--json]\n");
}

static const struct {
        const char *name;
        int (*fn)(const struct config *cfg, int argc, char **argv);
} commands[] = {
    {"resolve", cmd_resolve},
    {"import", cmd_import},
    {"user", cmd_user},
    {"audit", cmd_audit},
};

int
main(int argc, char **argv)
{
        struct config *cfg = NULL;
        char err[512];
        int i = 1, rc = 2;
        size_t k;

        /* A peer that goes away (Redis killed mid-import) is an error
         * to report, not a reason to die silently. */
        signal(SIGPIPE, SIG_IGN);

        if (i + 1 < argc && strcmp(argv[i], "-c") == 0) {
                cfg = config_load(argv[i + 1], err, sizeof(err));
                if (!cfg) {
                        fprintf(stderr, "idctl: %s\n", err);
                        return 1;
                }
                i += 2;
        } else {
                cfg = config_defaults();
        }
        if (i >= argc || strcmp(argv[i], "-h") == 0 ||
            strcmp(argv[i], "--help") == 0) {
                usage(i >= argc ? stderr : stdout);
                config_unref(cfg);
                return i >= argc ? 2 : 0;
        }
        for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
                if (strcmp(argv[i], commands[k].name) == 0)
                        break;
        if (k == sizeof(commands) / sizeof(commands[0])) {
                fprintf(stderr, "idctl: unknown command %s\n", argv[i]);
                usage(stderr);
        } else {
                rc = commands[k].fn(cfg, argc - i - 1, argv + i + 1);
        }
        config_unref(cfg);
        return rc;
}
