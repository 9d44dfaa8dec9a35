/*
 * A small blocking HTTP/1.1 client, for idctl talking to its own node
 * (the admin listener, the HTTP API): one request per connection, sent
 * with Content-Length and `Connection: close`, one deadline for connect,
 * send and receive, and explicit limits on everything it reads.
 *
 * The answer is read until its Content-Length, or to the end of the
 * connection without one.  It does not follow redirects, speak TLS or
 * decode a transfer coding: an answer with Transfer-Encoding is refused
 * with a clear error (a server answering `Connection: close` has no
 * need of chunks).  Interim (1xx) answers are refused too: it never
 * sends `Expect`.
 */
#ifndef CORE_HTTPC_H
#define CORE_HTTPC_H

#include <stddef.h>
#include <sys/types.h>

#define HTTPC_MAX_HEAD    16384 /* status line and headers */
#define HTTPC_MAX_HEADERS 64
#define HTTPC_MAX_BODY    (4u << 20) /* default cap of an answer's body */
#define HTTPC_MAX_REQUEST (1u << 20) /* a request's body */

struct httpc_req {
        const char *host;   /* a name or an address (IPv6 without []) */
        const char *port;   /* a number */
        const char *method; /* GET, POST, ... */
        const char *target; /* path and query, already percent-encoded */
        /* Extra "Name: value" lines, NULL-terminated; NULL for none. */
        const char *const *headers;
        const char *body; /* NULL: no body and no Content-Length */
        size_t body_len;
        int timeout_ms;  /* for the whole exchange */
        size_t max_body; /* 0: HTTPC_MAX_BODY */
};

/* An answer: owns its headers and body. */
struct httpc_resp;

/*
 * Sends the request and reads the answer.  NULL with the reason in err
 * ("cannot connect to H:P: ...", "H:P: no answer within N ms", or what
 * is wrong with the answer).
 */
struct httpc_resp *httpc_request(const struct httpc_req *rq, char *err,
                                 size_t errlen);

/*
 * Where an answer is read from: up to len bytes into buf.  The count,
 * 0 at the end of the stream, or -1 with the reason in err.
 */
typedef ssize_t (*httpc_read_fn)(void *ctx, void *buf, size_t len, char *err,
                                 size_t errlen);

/*
 * Reads and parses one answer from `fn` (httpc_request's own parser,
 * apart for testing and fuzzing).  `no_body`: the answer to a HEAD.  A
 * body longer than max_body (0: HTTPC_MAX_BODY) is an error.  NULL with
 * the reason in err.
 */
struct httpc_resp *httpc_read(httpc_read_fn fn, void *ctx, int no_body,
                              size_t max_body, char *err, size_t errlen);

int httpc_status(const struct httpc_resp *r);
/* The first header of that name (any case), or NULL. */
const char *httpc_header(const struct httpc_resp *r, const char *name);
/* The body, NUL-terminated (it may hold NULs: use *len). */
const char *httpc_body(const struct httpc_resp *r, size_t *len);
void httpc_free(struct httpc_resp *r);

/*
 * s percent-encoded for a query value or a path segment (everything but
 * RFC 3986 unreserved characters) into out.  0, or -1 if it does not
 * fit.
 */
int httpc_escape(const char *s, char *out, size_t outlen);

#endif
