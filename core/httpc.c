#include "core/httpc.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"

/* Longest Content-Length read: 19 digits fit in 64 bits. */
#define HTTPC_MAX_DIGITS 19

struct httpc_hdr {
        const char *name, *value;
};

struct httpc_resp {
        int status;
        size_t nhdr;
        struct httpc_hdr hdr[HTTPC_MAX_HEADERS];
        char *head; /* the status line and headers, cut into fields */
        char *body;
        size_t body_len;
};

/* A connection being used for one exchange. */
struct httpc_conn {
        const struct httpc_req *rq;
        int fd;
        uint64_t deadline;
};

/* ------------------------------------------------------ the answer */

void
httpc_free(struct httpc_resp *r)
{
        if (!r)
                return;
        free(r->head);
        free(r->body);
        free(r);
}

int
httpc_status(const struct httpc_resp *r)
{
        return r->status;
}

const char *
httpc_header(const struct httpc_resp *r, const char *name)
{
        size_t i;

        for (i = 0; i < r->nhdr; i++)
                if (strcasecmp(r->hdr[i].name, name) == 0)
                        return r->hdr[i].value;
        return NULL;
}

const char *
httpc_body(const struct httpc_resp *r, size_t *len)
{
        if (len)
                *len = r->body_len;
        return r->body;
}

/* RFC 9110 tchar. */
static int
httpc_tchar(unsigned char c)
{
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
               (c >= 'A' && c <= 'Z') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/*
 * Where the head ends in buf[0, len) (just after its empty line), or 0.
 * Lines end in LF, optionally preceded by CR.  Scanning starts at
 * `from`, which a caller keeps a little behind what it scanned before.
 */
static size_t
httpc_head_end(const char *buf, size_t len, size_t from)
{
        size_t i, j;

        for (i = from; i < len; i++) {
                if (buf[i] != '\n')
                        continue;
                j = i + 1;
                if (j < len && buf[j] == '\r')
                        j++;
                if (j < len && buf[j] == '\n')
                        return j + 1;
        }
        return 0;
}

/* The status line, NUL-terminated.  0, or -1 with err. */
static int
httpc_status_line(struct httpc_resp *r, const char *s, char *err, size_t errlen)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t i;

        if (strncmp(s, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9' ||
            p[8] != ' ' || p[9] < '1' || p[9] > '5' || p[10] < '0' ||
            p[10] > '9' || p[11] < '0' || p[11] > '9' ||
            (p[12] && p[12] != ' ')) {
                snprintf(err, errlen, "not an HTTP/1.x answer: \"%.40s\"", s);
                return -1;
        }
        for (i = 12; p[i]; i++)
                if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f) {
                        snprintf(err, errlen,
                                 "a control character in the status line");
                        return -1;
                }
        r->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
        if (r->status < 200) {
                snprintf(err, errlen, "interim answer %d: not expected",
                         r->status);
                return -1;
        }
        return 0;
}

/* One header line, NUL-terminated, cut in place.  0, or -1 with err. */
static int
httpc_header_line(struct httpc_resp *r, char *s, char *err, size_t errlen)
{
        char *v, *end;
        size_t i;

        if (s[0] == ' ' || s[0] == '\t') {
                snprintf(err, errlen, "folded header lines are not accepted");
                return -1;
        }
        for (i = 0; s[i] && s[i] != ':' && httpc_tchar((unsigned char)s[i]);
             i++)
                ;
        if (i == 0 || s[i] != ':') {
                snprintf(err, errlen, "a malformed header line: \"%.40s\"", s);
                return -1;
        }
        if (r->nhdr == HTTPC_MAX_HEADERS) {
                snprintf(err, errlen, "more than %d headers",
                         HTTPC_MAX_HEADERS);
                return -1;
        }
        s[i] = '\0';
        for (v = s + i + 1; *v == ' ' || *v == '\t'; v++)
                ;
        for (end = v + strlen(v);
             end > v && (end[-1] == ' ' || end[-1] == '\t'); end--)
                ;
        *end = '\0';
        for (i = 0; v[i]; i++)
                if (((unsigned char)v[i] < 0x20 && v[i] != '\t') ||
                    v[i] == 0x7f) {
                        snprintf(err, errlen,
                                 "a control character in header %s", s);
                        return -1;
                }
        r->hdr[r->nhdr].name = s;
        r->hdr[r->nhdr].value = v;
        r->nhdr++;
        return 0;
}

/*
 * Cuts head[0, len) (ending in its empty line) into the status line and
 * headers.  0, or -1 with err.
 */
static int
httpc_parse_head(struct httpc_resp *r, char *head, size_t len, char *err,
                 size_t errlen)
{
        size_t start = 0, i;
        int first = 1;

        for (i = 0; i < len; i++) {
                if (head[i] == '\0') {
                        snprintf(err, errlen, "a NUL byte in the headers");
                        return -1;
                }
                if (head[i] != '\n')
                        continue;
                head[i] = '\0';
                if (i > start && head[i - 1] == '\r')
                        head[i - 1] = '\0';
                if (!head[start] && !first) /* the empty line */
                        return 0;
                if (first ? httpc_status_line(r, head + start, err, errlen)
                          : httpc_header_line(r, head + start, err, errlen))
                        return -1;
                first = 0;
                start = i + 1;
        }
        snprintf(err, errlen, "the headers do not end");
        return -1;
}

/*
 * The body length the headers announce: 0 and *has 0 without one, or
 * -1 with err if a transfer coding is used or the lengths are bad.
 */
static int
httpc_length(const struct httpc_resp *r, unsigned long long *len, int *has,
             char *err, size_t errlen)
{
        size_t i, k;

        *has = 0;
        *len = 0;
        for (i = 0; i < r->nhdr; i++) {
                const char *v = r->hdr[i].value;
                unsigned long long n = 0;

                if (strcasecmp(r->hdr[i].name, "Transfer-Encoding") == 0) {
                        snprintf(err, errlen,
                                 "the answer uses Transfer-Encoding %.40s, "
                                 "which this client does not decode",
                                 v);
                        return -1;
                }
                if (strcasecmp(r->hdr[i].name, "Content-Length") != 0)
                        continue;
                for (k = 0; v[k] >= '0' && v[k] <= '9'; k++)
                        n = n * 10 + (unsigned long long)(v[k] - '0');
                if (k == 0 || v[k] || k > HTTPC_MAX_DIGITS ||
                    (*has && n != *len)) {
                        snprintf(err, errlen, "a bad Content-Length: \"%.40s\"",
                                 v);
                        return -1;
                }
                *has = 1;
                *len = n;
        }
        return 0;
}

/*
 * The body after the head: `have` bytes of it in `pre` already.  0, or
 * -1 with err.
 */
static int
httpc_read_body(struct httpc_resp *r, httpc_read_fn fn, void *ctx,
                const char *pre, size_t have, size_t max, char *err,
                size_t errlen)
{
        unsigned long long want;
        size_t cap;
        int has;

        if (httpc_length(r, &want, &has, err, errlen) < 0)
                return -1;
        if (has && want > max) {
                snprintf(err, errlen,
                         "the body (%llu bytes) is over the limit of %zu "
                         "bytes",
                         want, max);
                return -1;
        }
        if (!has && have > max) {
                snprintf(err, errlen, "the body is over the limit of %zu bytes",
                         max);
                return -1;
        }
        /* Without a length: up to one byte over the limit, to see it. */
        cap = has ? (size_t)want : (have > 4096 ? have : 4096);
        if (!has && cap > max + 1)
                cap = max + 1;
        if (has && have > cap)
                have = cap; /* bytes after the body: not this answer's */
        if (!(r->body = malloc(cap + 1))) {
                snprintf(err, errlen, "out of memory");
                return -1;
        }
        memcpy(r->body, pre, have);
        r->body_len = have;
        while (!has || r->body_len < cap) {
                ssize_t n;

                if (r->body_len == cap) {
                        char *p;

                        cap = cap > max / 2 ? max + 1 : cap * 2;
                        if (!(p = realloc(r->body, cap + 1))) {
                                snprintf(err, errlen, "out of memory");
                                return -1;
                        }
                        r->body = p;
                }
                n = fn(ctx, r->body + r->body_len, cap - r->body_len, err,
                       errlen);
                if (n < 0)
                        return -1;
                if (n == 0 && has) {
                        snprintf(err, errlen,
                                 "the connection closed after %zu of %llu "
                                 "body bytes",
                                 r->body_len, want);
                        return -1;
                }
                if (n == 0)
                        break;
                r->body_len += (size_t)n;
                if (!has && r->body_len > max) {
                        snprintf(err, errlen,
                                 "the body is over the limit of %zu bytes",
                                 max);
                        return -1;
                }
        }
        r->body[r->body_len] = '\0';
        return 0;
}

struct httpc_resp *
httpc_read(httpc_read_fn fn, void *ctx, int no_body, size_t max_body, char *err,
           size_t errlen)
{
        struct httpc_resp *r = calloc(1, sizeof(*r));
        size_t len = 0, end = 0;

        if (!r || !(r->head = malloc(HTTPC_MAX_HEAD + 1))) {
                snprintf(err, errlen, "out of memory");
                goto fail;
        }
        while (!end) {
                size_t from = len > 2 ? len - 2 : 0;
                ssize_t n;

                if (len == HTTPC_MAX_HEAD) {
                        snprintf(err, errlen,
                                 "the headers are longer than %d bytes",
                                 HTTPC_MAX_HEAD);
                        goto fail;
                }
                n = fn(ctx, r->head + len, HTTPC_MAX_HEAD - len, err, errlen);
                if (n < 0)
                        goto fail;
                if (n == 0) {
                        snprintf(err, errlen,
                                 len ? "the connection closed in the "
                                       "headers"
                                     : "the connection closed without an "
                                       "answer");
                        goto fail;
                }
                len += (size_t)n;
                end = httpc_head_end(r->head, len, from);
        }
        if (httpc_parse_head(r, r->head, end, err, errlen) < 0)
                goto fail;
        if (no_body || r->status == 204 || r->status == 304) {
                if (!(r->body = calloc(1, 1))) {
                        snprintf(err, errlen, "out of memory");
                        goto fail;
                }
                return r;
        }
        if (httpc_read_body(r, fn, ctx, r->head + end, len - end,
                            max_body ? max_body : HTTPC_MAX_BODY, err,
                            errlen) < 0)
                goto fail;
        return r;
fail:
        httpc_free(r);
        return NULL;
}

/* -------------------------------------------------- the connection */

/* Waits for `ev` until the deadline.  0, or -1 with err. */
static int
httpc_wait(struct httpc_conn *c, short ev, char *err, size_t errlen)
{
        for (;;) {
                struct pollfd p = {c->fd, ev, 0};
                uint64_t now = clock_ms();
                int n;

                if (now >= c->deadline) {
                        snprintf(err, errlen, "%s:%s: no answer within %d ms",
                                 c->rq->host, c->rq->port, c->rq->timeout_ms);
                        return -1;
                }
                n = poll(&p, 1, (int)(c->deadline - now));
                if (n > 0)
                        return 0;
                if (n < 0 && errno != EINTR) {
                        snprintf(err, errlen, "poll: %s", strerror(errno));
                        return -1;
                }
        }
}

static ssize_t
httpc_conn_read(void *ctx, void *buf, size_t len, char *err, size_t errlen)
{
        struct httpc_conn *c = ctx;

        for (;;) {
                ssize_t n;

                if (httpc_wait(c, POLLIN, err, errlen) < 0)
                        return -1;
                n = read(c->fd, buf, len);
                if (n >= 0)
                        return n;
                if (errno != EINTR && errno != EAGAIN) {
                        snprintf(err, errlen, "%s:%s: %s", c->rq->host,
                                 c->rq->port, strerror(errno));
                        return -1;
                }
        }
}

/* One address: a connected non-blocking socket, or -1 (errno set). */
static int
httpc_connect_one(struct httpc_conn *c, const struct addrinfo *a)
{
        int fd = socket(a->ai_family,
                        a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        socklen_t sl = sizeof(int);
        int e = 0;

        if (fd < 0)
                return -1;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
                return fd;
        if (errno == EINPROGRESS) {
                struct pollfd p = {fd, POLLOUT, 0};
                uint64_t now = clock_ms();
                int n = 0;

                while (now < c->deadline &&
                       (n = poll(&p, 1, (int)(c->deadline - now))) < 0 &&
                       errno == EINTR)
                        now = clock_ms();
                if (n > 0 &&
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) == 0 &&
                    e == 0)
                        return fd;
                e = n > 0 ? e : ETIMEDOUT;
        } else {
                e = errno;
        }
        close(fd);
        errno = e;
        return -1;
}

static int
httpc_connect(struct httpc_conn *c, char *err, size_t errlen)
{
        struct addrinfo hints, *ai, *a;
        int rc, e = ECONNREFUSED;

        memset(&hints, 0, sizeof(hints));
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_NUMERICSERV;
        rc = getaddrinfo(c->rq->host, c->rq->port, &hints, &ai);
        if (rc != 0) {
                snprintf(err, errlen, "%s:%s: %s", c->rq->host, c->rq->port,
                         gai_strerror(rc));
                return -1;
        }
        for (a = ai; a && c->fd < 0; a = a->ai_next)
                if ((c->fd = httpc_connect_one(c, a)) < 0)
                        e = errno;
        freeaddrinfo(ai);
        if (c->fd >= 0)
                return 0;
        snprintf(err, errlen, "cannot connect to %s:%s: %s", c->rq->host,
                 c->rq->port, strerror(e));
        return -1;
}

/* No CR, LF or other control character: nothing can split a line. */
static int
httpc_clean(const char *s)
{
        for (; *s; s++)
                if ((unsigned char)*s < 0x20 || *s == 0x7f)
                        return 0;
        return 1;
}

/* The request's bytes, malloc'd, or NULL with err. */
static char *
httpc_format(const struct httpc_req *rq, size_t *len, char *err, size_t errlen)
{
        const char *const *h;
        size_t cap = 512 + strlen(rq->method) + strlen(rq->target) +
                     strlen(rq->host) + strlen(rq->port) +
                     (rq->body ? rq->body_len : 0);
        const char *m;
        char *out;
        int v6 = strchr(rq->host, ':') != NULL, n;

        for (m = rq->method; *m && httpc_tchar((unsigned char)*m); m++)
                ;
        if (!rq->method[0] || *m || rq->target[0] != '/' ||
            strpbrk(rq->target, " \t") || !httpc_clean(rq->target) ||
            !httpc_clean(rq->host)) {
                snprintf(err, errlen, "a malformed request");
                return NULL;
        }
        for (h = rq->headers; h && *h; h++) {
                if (!httpc_clean(*h) || !strchr(*h, ':')) {
                        snprintf(err, errlen, "a malformed request header");
                        return NULL;
                }
                cap += strlen(*h) + 2;
        }
        if (rq->body && rq->body_len > HTTPC_MAX_REQUEST) {
                snprintf(err, errlen, "a request body over %u bytes",
                         HTTPC_MAX_REQUEST);
                return NULL;
        }
        if (!(out = malloc(cap))) {
                snprintf(err, errlen, "out of memory");
                return NULL;
        }
        n = snprintf(out, cap,
                     "%s %s HTTP/1.1\r\nHost: %s%s%s:%s\r\n"
                     "User-Agent: idctl\r\nConnection: close\r\n",
                     rq->method, rq->target, v6 ? "[" : "", rq->host,
                     v6 ? "]" : "", rq->port);
        for (h = rq->headers; h && *h; h++)
                n += snprintf(out + n, cap - (size_t)n, "%s\r\n", *h);
        if (rq->body)
                n += snprintf(out + n, cap - (size_t)n,
                              "Content-Length: %zu\r\n", rq->body_len);
        n += snprintf(out + n, cap - (size_t)n, "\r\n");
        if (rq->body)
                memcpy(out + n, rq->body, rq->body_len);
        *len = (size_t)n + (rq->body ? rq->body_len : 0);
        return out;
}

static int
httpc_send(struct httpc_conn *c, const char *p, size_t len, char *err,
           size_t errlen)
{
        while (len > 0) {
                ssize_t n;

                if (httpc_wait(c, POLLOUT, err, errlen) < 0)
                        return -1;
                n = send(c->fd, p, len, MSG_NOSIGNAL);
                if (n < 0 && errno != EINTR && errno != EAGAIN) {
                        snprintf(err, errlen, "%s:%s: %s", c->rq->host,
                                 c->rq->port, strerror(errno));
                        return -1;
                }
                if (n > 0) {
                        p += n;
                        len -= (size_t)n;
                }
        }
        return 0;
}

struct httpc_resp *
httpc_request(const struct httpc_req *rq, char *err, size_t errlen)
{
        struct httpc_conn c = {
            rq, -1,
            clock_ms() + (uint64_t)(rq->timeout_ms > 0 ? rq->timeout_ms : 1)};
        struct httpc_resp *r = NULL;
        size_t len;
        char *req = httpc_format(rq, &len, err, errlen);

        if (!req || httpc_connect(&c, err, errlen) < 0 ||
            httpc_send(&c, req, len, err, errlen) < 0)
                goto done;
        r = httpc_read(httpc_conn_read, &c, strcmp(rq->method, "HEAD") == 0,
                       rq->max_body, err, errlen);
done:
        if (c.fd >= 0)
                close(c.fd);
        free(req);
        return r;
}

int
httpc_escape(const char *s, char *out, size_t outlen)
{
        static const char hex[] = "0123456789ABCDEF";
        size_t n = 0;

        for (; *s; s++) {
                unsigned char ch = (unsigned char)*s;
                int plain = (ch >= '0' && ch <= '9') ||
                            (ch >= 'a' && ch <= 'z') ||
                            (ch >= 'A' && ch <= 'Z') || ch == '-' ||
                            ch == '.' || ch == '_' || ch == '~';

                if (n + (plain ? 1 : 3) >= outlen)
                        return -1;
                if (plain) {
                        out[n++] = (char)ch;
                } else {
                        out[n++] = '%';
                        out[n++] = hex[ch >> 4];
                        out[n++] = hex[ch & 15];
                }
        }
        if (n >= outlen)
                return -1;
        out[n] = '\0';
        return 0;
}
