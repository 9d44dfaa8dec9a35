#include "registry/trace.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/cur.h"
#include "core/config.h"
#include "core/hjson.h"
#include "core/hname.h"
#include "core/httpd.h"
#include "core/hval.h"
#include "registry/api.h"
#include "registry/grant.h"
#include "registry/twalk.h"

/* Without a `depth`, a trace goes this far (or trace_max_depth). */
#define TRACE_DEPTH_DEFAULT 3
/* The longest answer written (about 100,000 values). */
#define TRACE_MAX_ANSWER (256u << 20)

static const char *const status_names[] = {
    [TWALK_OK] = "ok",
    [TWALK_NOT_FOUND] = "not_found",
    [TWALK_UNREACHABLE] = "unreachable",
    [TWALK_UNKNOWN] = "unknown",
};

static const char *const stop_names[] = {
    [TWALK_DONE] = NULL,
    [TWALK_DEPTH] = "depth",
    [TWALK_LIMIT] = "limit",
    [TWALK_DEADLINE] = "deadline",
};

static const struct {
        const char *name;
        int dirs;
} directions[] = {
    {"up", LINK_UP},
    {"down", LINK_DOWN},
    {"both", LINK_UP | LINK_DOWN},
};

#define NDIRECTIONS (sizeof(directions) / sizeof(directions[0]))

/* A trace's root and how far to go. */
struct trace_req {
        char root[HNAME_MAX + 1];
        size_t len;
        const char *direction;
        struct twalk_query q;
        uint64_t start;
};

/*
 * A query parameter that is a whole number from lo to hi (def when
 * absent).  0, or -1 with the call answered.
 */
static int
trace_number(struct api_call *c, const char *key, long lo, long hi, long def,
             long *out)
{
        const char *s = api_query(c, key);
        long n = 0;
        size_t i;

        *out = def;
        if (!s)
                return 0;
        for (i = 0; s[i] && i < 10; i++) {
                if (s[i] < '0' || s[i] > '9')
                        break;
                n = n * 10 + (s[i] - '0');
        }
        if (i == 0 || s[i] || n < lo || n > hi) {
                api_fail(c, 400, -2,
                         "%s must be a whole number from %ld to %ld", key, lo,
                         hi);
                return -1;
        }
        *out = n;
        return 0;
}

/* `types`: comma-separated link types.  0, or -1 answered. */
static int
trace_types(struct api_call *c, unsigned *types)
{
        const char *s = api_query(c, "types"), *end;
        size_t n;
        int t;

        *types = (1u << LINK_NTYPES) - 1;
        if (!s)
                return 0;
        *types = 0;
        for (;; s = end + 1) {
                end = strchr(s, ',');
                n = end ? (size_t)(end - s) : strlen(s);
                if ((t = link_type_find(s, n)) < 0) {
                        api_fail(c, 400, -2,
                                 "types: \"%.*s\" is not one of madeOf, "
                                 "fromBatch, producedBy, partOf, shippedIn, "
                                 "replacedBy, recycledInto",
                                 (int)(n > 32 ? 32 : n), s);
                        return -1;
                }
                *types |= 1u << t;
                if (!end)
                        return 0;
        }
}

/* The root from the path.  0, or -1 answered. */
static int
trace_root(struct api_call *c, struct trace_req *r)
{
        size_t len;
        const char *arg = api_arg(c, &len);
        const char *why = NULL;

        memset(r, 0, sizeof(*r));
        r->start = clock_ms();
        if (hname_check((const uint8_t *)arg, len,
                        (size_t)api_config(c)->max_handle_bytes, r->root,
                        sizeof(r->root), &r->len, &why) != HNAME_OK) {
                api_fail(c, 400, -2, "bad identifier in the path: %s",
                         why ? why : "expected prefix/suffix");
                return -1;
        }
        r->q.deadline_ms =
            r->start + (uint64_t)api_config(c)->trace_deadline_ms;
        r->q.limit = (size_t)api_config(c)->trace_max_nodes;
        r->q.types = (1u << LINK_NTYPES) - 1;
        return 0;
}

/* The trace's query parameters.  0, or -1 answered. */
static int
trace_params(struct api_call *c, struct trace_req *r)
{
        const struct config *cfg = api_config(c);
        const char *dir = api_query(c, "direction");
        long depth, limit;
        size_t i;

        for (i = 0; i < NDIRECTIONS; i++)
                if (strcmp(dir ? dir : "both", directions[i].name) == 0)
                        break;
        if (i == NDIRECTIONS) {
                api_fail(c, 400, -2, "direction must be up, down or both");
                return -1;
        }
        r->direction = directions[i].name;
        r->q.dirs = directions[i].dirs;
        if (trace_number(c, "depth", 1, cfg->trace_max_depth,
                         cfg->trace_max_depth < TRACE_DEPTH_DEFAULT
                             ? cfg->trace_max_depth
                             : TRACE_DEPTH_DEFAULT,
                         &depth) < 0 ||
            trace_number(c, "limit", 1, cfg->trace_max_nodes,
                         cfg->trace_max_nodes, &limit) < 0 ||
            trace_types(c, &r->q.types) < 0)
                return -1;
        r->q.depth = (int)depth;
        r->q.limit = (size_t)limit;
        return 0;
}

/*
 * Walks; NULL if the call failed or the root is nowhere to be found
 * (answered 404).
 */
static struct twalk *
trace_walk(struct api_call *c, const struct trace_req *r)
{
        struct twalk *w = twalk_run(c, r->root, r->len, &r->q);
        struct twalk_node root;

        if (!w)
                return NULL;
        twalk_node(w, 0, &root);
        if (root.status == TWALK_NOT_FOUND)
                api_fail(c, 404, -2, "%s does not exist", r->root);
        else if (root.status == TWALK_UNKNOWN)
                api_fail(c, 404, -2,
                         "%s: its prefix is not registered here, so its node "
                         "is unknown",
                         r->root);
        else
                return w;
        twalk_free(w);
        return NULL;
}

/* ------------------------------------------------- the answer, as text */

/*
 * Answers are written as JSON text, not built as objects: a trace of
 * thousands of identifiers would spend most of its time allocating,
 * dumping and freeing them.
 */
static void
tj_put(struct wbuf *w, const char *s)
{
        wbuf_put(w, s, strlen(s));
}

/* A string (UTF-8: names were checked, the rest is ours), or null. */
static void
tj_str(struct wbuf *w, const char *s, size_t len)
{
        if (!s || hjson_string_text(w, s, len) < 0)
                tj_put(w, "null");
}

static void
tj_strz(struct wbuf *w, const char *s)
{
        tj_str(w, s, s ? strlen(s) : 0);
}

static void
tj_int(struct wbuf *w, long long n)
{
        char num[24];

        snprintf(num, sizeof(num), "%lld", n);
        tj_put(w, num);
}

/* The values the caller may read, without the links (edges). */
static void
trace_values(struct wbuf *w, const struct twalk_node *n)
{
        enum link_type t;
        struct span s;
        size_t at;
        uint32_t i, k = 0;

        tj_put(w, "[");
        for (i = 0; n->rec && i < n->rec->n; i++) {
                const struct hval *v = &n->rec->v[i];

                if (link_value(v, &t, &s) || (!(v->perms & HVAL_PUBLIC_READ) &&
                                              !(n->rights & GRANT_READ)))
                        continue;
                at = w->len;
                if (k)
                        tj_put(w, ",");
                if (hjson_value_text(w, v) < 0)
                        w->len = at; /* as GET /api/handles leaves it out */
                else
                        k++;
        }
        tj_put(w, "]");
}

static void
trace_node(struct wbuf *w, const struct twalk_node *n)
{
        tj_put(w, "{\"handle\":");
        tj_str(w, n->handle, n->len);
        tj_put(w, ",\"depth\":");
        tj_int(w, n->depth);
        tj_put(w, ",\"status\":");
        tj_strz(w, status_names[n->status]);
        tj_put(w, ",\"node\":");
        tj_strz(w, n->node);
        if (n->owner) {
                tj_put(w, ",\"owner\":");
                tj_strz(w, n->owner);
        }
        if (n->status == TWALK_OK) {
                tj_put(w, ",\"values\":");
                trace_values(w, n);
        }
        tj_put(w, "}");
}

struct trace_edges {
        const struct twalk *w;
        struct wbuf *out;
        size_t n;
};

static void
trace_edge(void *ctx, size_t from, size_t to, enum link_type t)
{
        struct trace_edges *e = ctx;
        struct twalk_node f, d;

        twalk_node(e->w, from, &f);
        twalk_node(e->w, to, &d);
        tj_put(e->out, e->n++ ? ",{\"from\":" : "{\"from\":");
        tj_str(e->out, f.handle, f.len);
        tj_put(e->out, ",\"to\":");
        tj_str(e->out, d.handle, d.len);
        tj_put(e->out, ",\"type\":");
        tj_strz(e->out, link_type_name(t));
        tj_put(e->out, "}");
}

/* The end of both answers: truncated and elapsedMs; then it is sent. */
static void
trace_send(struct api_call *c, struct wbuf *w, const struct twalk *tw,
           const struct trace_req *r)
{
        tj_put(w, ",\"truncated\":");
        tj_strz(w, stop_names[twalk_stopped(tw)]);
        tj_put(w, ",\"elapsedMs\":");
        tj_int(w, (long long)(clock_ms() - r->start));
        tj_put(w, "}");
        if (wbuf_ok(w))
                api_ok_text(c, (const char *)w->p, w->len);
        else
                api_fail(c, 500, -4,
                         "the answer would exceed %u MiB: ask for fewer "
                         "identifiers (limit, depth)",
                         TRACE_MAX_ANSWER >> 20);
}

static void
trace_get(struct api_call *c)
{
        struct trace_req r;
        struct trace_edges e = {NULL, NULL, 0};
        struct twalk_node n;
        struct twalk *tw;
        struct wbuf w;
        size_t i;

        if (trace_root(c, &r) < 0 || trace_params(c, &r) < 0 ||
            !(tw = trace_walk(c, &r)))
                return;
        wbuf_init(&w, TRACE_MAX_ANSWER);
        tj_put(&w, "{\"root\":");
        tj_str(&w, r.root, r.len);
        tj_put(&w, ",\"direction\":");
        tj_strz(&w, r.direction);
        tj_put(&w, ",\"depth\":");
        tj_int(&w, r.q.depth);
        tj_put(&w, ",\"nodes\":[");
        for (i = 0; i < twalk_count(tw); i++) {
                twalk_node(tw, i, &n);
                if (i)
                        tj_put(&w, ",");
                trace_node(&w, &n);
        }
        tj_put(&w, "],\"edges\":[");
        e.w = tw;
        e.out = &w;
        twalk_edges(tw, trace_edge, &e);
        tj_put(&w, "]");
        trace_send(c, &w, tw, &r);
        wbuf_free(&w);
        twalk_free(tw);
}

/*
 * A product of a recall: its holder (the latest named by a lifecycle
 * event, else the owner) and latest stage, from the identifier's
 * lifecycle summary "STAGE HOLDER" (holder "-" when none was named).
 */
static void
trace_product(struct wbuf *w, const struct twalk_node *n)
{
        const char *sp = strchr(n->lc, ' ');
        size_t stage = sp ? (size_t)(sp - n->lc) : strlen(n->lc);
        const char *holder =
            sp && sp[1] && strcmp(sp + 1, "-") != 0 ? sp + 1 : n->owner;

        tj_put(w, "{\"handle\":");
        tj_str(w, n->handle, n->len);
        tj_put(w, ",\"depth\":");
        tj_int(w, n->depth);
        tj_put(w, ",\"holder\":");
        tj_strz(w, holder);
        tj_put(w, ",\"status\":");
        tj_str(w, stage ? n->lc : NULL, stage);
        tj_put(w, ",\"owner\":");
        tj_strz(w, n->owner);
        tj_put(w, ",\"resolution\":");
        tj_strz(w, status_names[n->status]);
        tj_put(w, "}");
}

static void
trace_recall(struct api_call *c)
{
        struct twalk_node n;
        struct trace_req r;
        struct twalk *tw;
        struct wbuf w;
        size_t i;

        if (trace_root(c, &r) < 0)
                return;
        r.q.dirs = LINK_DOWN;
        r.q.depth = api_config(c)->trace_max_depth;
        if (!(tw = trace_walk(c, &r)))
                return;
        wbuf_init(&w, TRACE_MAX_ANSWER);
        tj_put(&w, "{\"root\":");
        tj_str(&w, r.root, r.len);
        tj_put(&w, ",\"products\":[");
        for (i = 1; i < twalk_count(tw); i++) {
                twalk_node(tw, i, &n);
                if (i > 1)
                        tj_put(&w, ",");
                trace_product(&w, &n);
        }
        tj_put(&w, "],\"count\":");
        tj_int(&w, (long long)twalk_count(tw) - 1);
        trace_send(c, &w, tw, &r);
        wbuf_free(&w);
        twalk_free(tw);
}

static const struct api_route routes[] = {
    {"/api/trace/", HTTPD_GET, API_ANYONE | API_HEAVY, API_NO_BODY, trace_get},
    {"/api/recall/", HTTPD_GET, API_ANYONE | API_HEAVY, API_NO_BODY,
     trace_recall},
};

const struct api_route *
trace_routes(size_t *n)
{
        *n = sizeof(routes) / sizeof(routes[0]);
        return routes;
}
