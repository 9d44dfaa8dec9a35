#include "core/static.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "core/httpd.h"

/* Longer request paths cannot name a page (cmd/embed caps names at 200). */
#define STATIC_MAX_PATH 256

/*
 * The pages load their script and style from the node and talk to its
 * API; nothing inline, nothing from elsewhere, no framing.
 */
#define STATIC_CSP                                                             \
        "default-src 'self'; script-src 'self'; style-src 'self'; "            \
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; "        \
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

static void static_serve(void *ctx, struct evhttp_request *req,
                         const char *rest);
static void static_redirect(void *ctx, struct evhttp_request *req,
                            const char *rest);

static const struct httpd_route routes[] = {
    {"/trace/", "file", HTTPD_GET | HTTPD_HEAD, static_serve},
    {"/trace", NULL, HTTPD_GET | HTTPD_HEAD, static_redirect},
};

static const struct httpd_route admin_routes[] = {
    {"/ops/", "file", HTTPD_GET | HTTPD_HEAD, static_serve},
    {"/ops", NULL, HTTPD_GET | HTTPD_HEAD, static_redirect},
};

const struct httpd_route *
static_routes(size_t *n)
{
        *n = sizeof(routes) / sizeof(routes[0]);
        return routes;
}

const struct httpd_route *
static_admin_routes(size_t *n)
{
        *n = sizeof(admin_routes) / sizeof(admin_routes[0]);
        return admin_routes;
}

static int
static_cmp(const void *key, const void *file)
{
        return strcmp(key, ((const struct static_file *)file)->path);
}

const struct static_file *
static_find(const struct static_dir *d, const char *path)
{
        char buf[STATIC_MAX_PATH + sizeof("index.html")];
        size_t n = strlen(path);

        if (n == 0 || n > STATIC_MAX_PATH)
                return NULL;
        if (path[n - 1] == '/') {
                snprintf(buf, sizeof(buf), "%sindex.html", path);
                path = buf;
        }
        return bsearch(path, d->files, d->n, sizeof(d->files[0]), static_cmp);
}

/*
 * The list is bounded by the request's header limit (httpd max_headers)
 * and read once, left to right.
 */
int
static_etag_match(const char *h, const char *etag)
{
        size_t elen = strlen(etag);
        const char *p = h, *q;
        int found = 0;

        p += strspn(p, " \t");
        if (*p == '*')
                return p[1 + strspn(p + 1, " \t")] == '\0';
        for (;;) {
                p += strspn(p, " \t");
                if (*p == ',') { /* empty list elements are allowed */
                        p++;
                        continue;
                }
                if (*p == '\0')
                        return found;
                if (strncmp(p, "W/", 2) == 0)
                        p += 2;
                if (*p != '"' || !(q = strchr(p + 1, '"')))
                        return 0;
                if ((size_t)(q + 1 - p) == elen && memcmp(p, etag, elen) == 0)
                        found = 1;
                p = q + 1;
                p += strspn(p, " \t");
                if (*p != ',' && *p != '\0')
                        return 0;
        }
}

static void
static_serve(void *ctx, struct evhttp_request *req, const char *rest)
{
        const struct static_dir *d = ctx;
        const char *path =
            evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
        struct evkeyvalq *h = evhttp_request_get_output_headers(req);
        const struct static_file *f = path ? static_find(d, path) : NULL;
        const char *inm;
        char clen[24];

        (void)rest;
        if (!f) {
                httpd_error(req, 404, "no such page");
                return;
        }
        evhttp_add_header(h, "ETag", f->etag);
        evhttp_add_header(h, "Cache-Control", "no-cache");
        inm = evhttp_find_header(evhttp_request_get_input_headers(req),
                                 "If-None-Match");
        if (inm && static_etag_match(inm, f->etag)) {
                evhttp_send_reply(req, 304, "Not Modified", NULL);
                return;
        }
        evhttp_add_header(h, "Content-Type", f->type);
        evhttp_add_header(h, "Content-Security-Policy", STATIC_CSP);
        evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
        evhttp_add_header(h, "Referrer-Policy", "no-referrer");
        if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
                /* libevent sets no length for HEAD; the client wants it. */
                snprintf(clen, sizeof(clen), "%zu", f->len);
                evhttp_add_header(h, "Content-Length", clen);
        } else {
                /* The bytes are static: lent to the buffer, not copied. */
                evbuffer_add_reference(evhttp_request_get_output_buffer(req),
                                       f->data, f->len, NULL, NULL);
        }
        evhttp_send_reply(req, 200, "OK", NULL);
}

/* "/trace" -> "/trace/": relative URLs in the page resolve below it. */
static void
static_redirect(void *ctx, struct evhttp_request *req, const char *rest)
{
        const char *path =
            evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
        char loc[64];

        (void)ctx;
        (void)rest;
        snprintf(loc, sizeof(loc), "%s/", path ? path : "");
        evhttp_add_header(evhttp_request_get_output_headers(req), "Location",
                          loc);
        httpd_error(req, 301, "moved to a trailing slash");
}
