/*
 * idctl admin create|add|modify|remove|delete|list --key KEYFILE
 *             --id INDEX:HANDLE [--server HOST:PORT] [--template VERSION]
 *             [--overwrite] [--mint] [--timeout MS] HANDLE [ARG...]
 * Handle administration over TCP as a CNRI client does it: the request,
 * the server's challenge (402), the answer signed with the private key
 * (SHA-256, RSA or EC), then the result.  ARG is INDEX:TYPE=TEXT for
 * create/add/modify (create names the template with --template) and an
 * INDEX for remove; list takes a prefix.
 */
#include "ops/ctl.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "core/config.h"
#include "certs/hkey.h"
#include "core/hval.h"
#include "core/wire.h"

struct admin_opts {
        const char *op, *keyfile, *id, *template, *handle;
        char host[256], port[16];
        uint32_t opcode, opflags, id_index;
        int timeout_ms;
        char **args;
        int nargs;
};

static const struct {
        const char *name;
        uint32_t opcode;
} ops[] = {
    {"create", OC_CREATE_HANDLE}, {"delete", OC_DELETE_HANDLE},
    {"add", OC_ADD_VALUE},        {"remove", OC_REMOVE_VALUE},
    {"modify", OC_MODIFY_VALUE},  {"list", OC_LIST_HANDLES},
};

/* The private key; refused if others may read the file. */
static EVP_PKEY *
admin_key(const char *path)
{
        struct stat st;
        EVP_PKEY *k = NULL;
        FILE *f = fopen(path, "r");

        if (!f || fstat(fileno(f), &st) < 0) {
                fprintf(stderr, "idctl: %s: %s\n", path, strerror(errno));
                goto done;
        }
        if (st.st_mode & 077) {
                fprintf(stderr, "idctl: %s: a private key must be mode 0600\n",
                        path);
                goto done;
        }
        if (!(k = PEM_read_PrivateKey(f, NULL, NULL, NULL)))
                fprintf(stderr, "idctl: %s: not a PEM private key\n", path);
done:
        if (f)
                fclose(f);
        return k;
}

static int
admin_connect(const struct admin_opts *o)
{
        struct timeval tv = {o->timeout_ms / 1000,
                             (o->timeout_ms % 1000) * 1000};
        struct addrinfo hints, *ai, *a;
        int fd = -1;

        memset(&hints, 0, sizeof(hints));
        hints.ai_socktype = SOCK_STREAM;
        if (getaddrinfo(o->host, o->port, &hints, &ai) != 0) {
                fprintf(stderr, "idctl: cannot resolve %s\n", o->host);
                return -1;
        }
        for (a = ai; a && fd < 0; a = a->ai_next) {
                fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0);
                if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
                        close(fd);
                        fd = -1;
                }
        }
        freeaddrinfo(ai);
        if (fd < 0)
                fprintf(stderr, "idctl: cannot connect to %s:%s\n", o->host,
                        o->port);
        else
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        return fd;
}

static int
admin_read(int fd, uint8_t *p, size_t n)
{
        while (n > 0) {
                ssize_t r = read(fd, p, n);

                if (r <= 0)
                        return -1;
                p += r;
                n -= (size_t)r;
        }
        return 0;
}

/* The next message answering request_id, malloc'd; NULL on failure. */
static uint8_t *
admin_recv(int fd, uint32_t request_id, size_t *len)
{
        uint8_t env[WIRE_ENV_LEN], *msg;
        struct wire_env e;

        for (;;) {
                if (admin_read(fd, env, sizeof(env)) < 0)
                        return NULL;
                wire_env_decode(env, &e);
                if (e.msg_len > WIRE_MAX_MESSAGE ||
                    !(msg = malloc(WIRE_ENV_LEN + e.msg_len)))
                        return NULL;
                memcpy(msg, env, sizeof(env));
                if (admin_read(fd, msg + WIRE_ENV_LEN, e.msg_len) < 0) {
                        free(msg);
                        return NULL;
                }
                if (e.request_id == request_id) {
                        *len = WIRE_ENV_LEN + e.msg_len;
                        return msg;
                }
                free(msg);
        }
}

static uint32_t
admin_request_id(void)
{
        uint32_t id = 0;

        RAND_bytes((unsigned char *)&id, sizeof(id));
        return (id & 0x7FFFFFFF) | 1;
}

/* A request message; the reply struct doubles as its header. */
static void
admin_message(struct wbuf *w, uint32_t opcode, uint32_t opflags,
              uint32_t session, uint32_t request_id, const struct wbuf *body)
{
        struct wire_reply r;
        size_t start;

        memset(&r, 0, sizeof(r));
        r.major = 2;
        r.minor = 10;
        r.session_id = session;
        r.request_id = request_id;
        r.opcode = opcode;
        r.opflags = opflags;
        r.site_serial = 0xFFFF;
        r.expiration = (uint32_t)time(NULL) + 12 * 3600;
        wbuf_reset(w);
        start = wire_reply_begin(w, &r);
        wbuf_put(w, body->p, body->len);
        wire_reply_end(w, start);
}

/* "INDEX:TYPE=TEXT" as a value. */
static int
admin_value(struct wbuf *w, const char *arg)
{
        const char *colon = strchr(arg, ':'), *eq;
        char *end;
        unsigned long idx = strtoul(arg, &end, 10);
        struct hval v;

        if (!colon || end != colon || idx == 0 || idx > 0xFFFFFFFFul ||
            !(eq = strchr(colon, '=')) || eq == colon + 1) {
                fprintf(stderr, "idctl: %s: want INDEX:TYPE=TEXT\n", arg);
                return -1;
        }
        hval_init(
            &v, (uint32_t)idx,
            (struct span){(const uint8_t *)colon + 1,
                          (uint32_t)(eq - colon - 1)},
            (struct span){(const uint8_t *)eq + 1, (uint32_t)strlen(eq + 1)},
            (uint32_t)time(NULL));
        hval_encode(w, &v);
        return 0;
}

/* The request body from the arguments. */
static int
admin_body(const struct admin_opts *o, struct wbuf *b)
{
        int i, n = o->nargs;

        wbuf_str(b, o->handle);
        if (o->opcode == OC_DELETE_HANDLE || o->opcode == OC_LIST_HANDLES)
                return n == 0 ? 0 : -1;
        if (n == 0 && !(o->opcode == OC_CREATE_HANDLE && o->template))
                return -1;
        if (o->opcode == OC_REMOVE_VALUE) {
                wbuf_u32(b, (uint32_t)n);
                for (i = 0; i < n; i++)
                        wbuf_u32(b, (uint32_t)strtoul(o->args[i], NULL, 10));
                return 0;
        }
        wbuf_u32(b, (uint32_t)n + (o->opcode == OC_CREATE_HANDLE));
        if (o->opcode == OC_CREATE_HANDLE) {
                struct hval v;

                if (!o->template) {
                        fprintf(stderr, "idctl: create needs --template\n");
                        return -1;
                }
                hval_init(&v, 1001,
                          (struct span){(const uint8_t *)"TEMPLATE", 8},
                          (struct span){(const uint8_t *)o->template,
                                        (uint32_t)strlen(o->template)},
                          (uint32_t)time(NULL));
                hval_encode(b, &v);
        }
        for (i = 0; i < n; i++)
                if (admin_value(b, o->args[i]) < 0)
                        return -1;
        return 0;
}

/* The 200 answer to a 402: a SHA-256 signature over nonce || digest. */
static int
admin_answer(const struct admin_opts *o, EVP_PKEY *k, const uint8_t *hb,
             size_t hblen, const struct wire_msg *ch, struct wbuf *out)
{
        uint8_t data[HKEY_NONCE_LEN + 64], sig[1024], md[64], alg;
        struct wire_reply r = {.major = 2, .minor = 10};
        size_t dlen, siglen = sizeof(sig);
        struct span nonce;
        EVP_MD_CTX *m;
        struct wbuf ans;
        struct cur c;
        int ok;

        r.digest_of = (struct span){hb, (uint32_t)hblen};
        dlen = wire_digest(&r, md, &alg);
        cur_init(&c, ch->body.p, ch->body.len);
        if (cur_u8(&c) != alg || !cur_take(&c, dlen) ||
            memcmp(ch->body.p + 1, md, dlen) != 0) {
                fprintf(stderr,
                        "idctl: the challenge is not for our request\n");
                return -1;
        }
        nonce = cur_bytes(&c, 64);
        if (!cur_ok(&c) || nonce.len == 0)
                return -1;
        memcpy(data, nonce.p, nonce.len);
        memcpy(data + nonce.len, md, dlen);
        m = EVP_MD_CTX_new();
        ok = m && EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, k) == 1 &&
             EVP_DigestSign(m, sig, &siglen, data, nonce.len + dlen) == 1;
        EVP_MD_CTX_free(m);
        if (!ok) {
                fprintf(stderr, "idctl: signing failed\n");
                return -1;
        }
        wbuf_init(&ans, 0);
        wbuf_str(&ans, "SHA256");
        wbuf_bytes(&ans, sig, siglen);
        wbuf_str(out, "HS_PUBKEY");
        wbuf_str(out, o->id);
        wbuf_u32(out, o->id_index);
        wbuf_bytes(out, ans.p, ans.len);
        wbuf_free(&ans);
        return 0;
}

/* Prints one final answer; 1 if more messages follow (CN). */
static int
admin_print(const struct wire_msg *m, int *status)
{
        struct cur c;
        uint32_t n, i;
        struct span s;

        cur_init(&c, m->body.p, m->body.len);
        if (m->h.opflags & OPF_RD) {
                uint8_t alg = cur_u8(&c);

                cur_skip(&c, alg == 3 ? 32 : alg == 2 ? 20 : 16);
        }
        if (m->h.rcode != RC_SUCCESS) {
                s = cur_bytes(&c, m->body.len);
                fprintf(stderr, "%s (%u): %.*s\n",
                        wire_rc_name(m->h.rcode) ? wire_rc_name(m->h.rcode)
                                                 : "UNKNOWN",
                        m->h.rcode, (int)s.len, s.p ? (const char *)s.p : "");
                *status = 1;
                return 0;
        }
        if (m->h.opcode == OC_LIST_HANDLES) {
                n = cur_u32(&c);
                for (i = 0; i < n && cur_ok(&c); i++) {
                        s = cur_bytes(&c, WIRE_MAX_HANDLE);
                        printf("%.*s\n", (int)s.len, (const char *)s.p);
                }
                return (m->h.opflags & OPF_CN) != 0;
        }
        if (m->h.opcode == OC_CREATE_HANDLE && cur_left(&c) > 4) {
                s = cur_bytes(&c, WIRE_MAX_HANDLE);
                printf("%.*s\n", (int)s.len, (const char *)s.p);
        } else {
                printf("SUCCESS\n");
        }
        return 0;
}

static int
admin_run(const struct admin_opts *o, EVP_PKEY *k)
{
        struct wbuf body, msg;
        struct wire_env e;
        struct wire_msg m;
        uint8_t *resp = NULL, *req = NULL;
        size_t len = 0, hblen = 0;
        uint32_t rid = admin_request_id();
        int fd, status = 1, more;

        wbuf_init(&body, WIRE_MAX_MESSAGE);
        wbuf_init(&msg, WIRE_MAX_MESSAGE);
        if (admin_body(o, &body) < 0 || !wbuf_ok(&body)) {
                fprintf(stderr, "idctl: admin %s: bad arguments\n", o->op);
                status = 2;
                goto out;
        }
        if ((fd = admin_connect(o)) < 0)
                goto out;
        admin_message(&msg, o->opcode, o->opflags, 0, rid, &body);
        hblen = msg.len - WIRE_ENV_LEN - 4;
        req = malloc(hblen);
        if (!req || write(fd, msg.p, msg.len) != (ssize_t)msg.len ||
            !(resp = admin_recv(fd, rid, &len)))
                goto fail;
        memcpy(req, msg.p + WIRE_ENV_LEN, hblen);
        wire_env_decode(resp, &e);
        if (wire_msg_decode(resp + WIRE_ENV_LEN, len - WIRE_ENV_LEN, &m) < 0)
                goto fail;
        if (m.h.rcode == RC_AUTHENTICATION_NEEDED) {
                wbuf_reset(&body);
                if (admin_answer(o, k, req, hblen, &m, &body) < 0)
                        goto closed;
                rid = admin_request_id();
                admin_message(&msg, OC_CHALLENGE_RESPONSE, OPF_REC,
                              e.session_id, rid, &body);
                free(resp);
                resp = NULL;
                if (write(fd, msg.p, msg.len) != (ssize_t)msg.len)
                        goto fail;
        }
        status = 0;
        do {
                if (!resp && !(resp = admin_recv(fd, rid, &len)))
                        goto fail;
                if (wire_msg_decode(resp + WIRE_ENV_LEN, len - WIRE_ENV_LEN,
                                    &m) < 0)
                        goto fail;
                more = admin_print(&m, &status);
                free(resp);
                resp = NULL;
        } while (more);
        goto closed;
fail:
        fprintf(stderr, "idctl: no valid answer from %s:%s\n", o->host,
                o->port);
        status = 1;
closed:
        close(fd);
out:
        free(resp);
        free(req);
        wbuf_free(&body);
        wbuf_free(&msg);
        return status;
}

int
ctl_admin(const struct config *cfg, int argc, char **argv)
{
        struct admin_opts o;
        EVP_PKEY *k;
        size_t i;
        long ms;
        int a, rc;

        memset(&o, 0, sizeof(o));
        snprintf(o.host, sizeof(o.host), "%s",
                 ctl_local_host(cfg->handle_bind));
        snprintf(o.port, sizeof(o.port), "%d", cfg->handle_port);
        o.timeout_ms = 5000;
        o.opflags = OPF_REC;
        if (argc < 1)
                goto usage;
        o.op = argv[0];
        for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
                if (strcmp(ops[i].name, o.op) == 0)
                        o.opcode = ops[i].opcode;
        if (!o.opcode)
                goto usage;
        for (a = 1; a < argc; a++) {
                const char *s = argv[a];
                int more = a + 1 < argc;

                if (strcmp(s, "--key") == 0 && more)
                        o.keyfile = argv[++a];
                else if (strcmp(s, "--id") == 0 && more)
                        o.id = argv[++a];
                else if (strcmp(s, "--template") == 0 && more)
                        o.template = argv[++a];
                else if (strcmp(s, "--overwrite") == 0)
                        o.opflags |= OPF_OW;
                else if (strcmp(s, "--mint") == 0)
                        o.opflags |= OPF_MINT;
                else if (strcmp(s, "--server") == 0 && more) {
                        const char *c = strrchr(argv[++a], ':');

                        if (!c || c == argv[a])
                                goto usage;
                        snprintf(o.host, sizeof(o.host), "%.*s",
                                 (int)(c - argv[a]), argv[a]);
                        snprintf(o.port, sizeof(o.port), "%s", c + 1);
                } else if (strcmp(s, "--timeout") == 0 && more) {
                        if (ctl_int_arg("--timeout", argv[++a], 1, 600000,
                                        &ms) < 0)
                                return 2;
                        o.timeout_ms = (int)ms;
                } else if (s[0] == '-')
                        goto usage;
                else if (!o.handle)
                        o.handle = s;
                else
                        break;
        }
        o.args = argv + a;
        o.nargs = argc - a;
        if (!o.keyfile || !o.id || !o.handle)
                goto usage;
        o.id_index = (uint32_t)strtoul(o.id, NULL, 10);
        if (!strchr(o.id, ':') || o.id_index == 0)
                goto usage;
        o.id = strchr(o.id, ':') + 1;
        if (!(k = admin_key(o.keyfile)))
                return 1;
        rc = admin_run(&o, k);
        EVP_PKEY_free(k);
        return rc;
usage:
        fprintf(stderr,
                "usage: idctl admin create|add|modify|remove|delete|list "
                "--key KEYFILE --id INDEX:HANDLE [--server HOST:PORT] "
                "[--template VERSION] [--overwrite] [--mint] [--timeout MS] "
                "HANDLE [INDEX:TYPE=TEXT... | INDEX...]\n");
        return 2;
}
