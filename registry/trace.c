#include "registry/trace.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "core/clock.h"
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

/* The values the caller may read, without the links (edges). */
static json_t *
trace_values(const struct twalk_node *n)
{
        json_t *vals = json_array();
        enum link_type t;
        struct span s;
        uint32_t i;

        for (i = 0; vals && n->rec && i < n->rec->n; i++) {
                const struct hval *v = &n->rec->v[i];

                if (link_value(v, &t, &s) || (!(v->perms & HVAL_PUBLIC_READ) &&
                                              !(n->rights & GRANT_READ)))
                        continue;
                json_array_append_new(vals, hjson_value(v));
        }
        return vals;
}

static json_t *
trace_node_json(const struct twalk_node *n)
{
        json_t *j = json_pack("{s:s%,s:i,s:s,s:s?}", "handle", n->handle,
                              n->len, "depth", n->depth, "status",
                              status_names[n->status], "node", n->node);

        if (j && n->owner)
                json_object_set_new(j, "owner", json_string(n->owner));
        if (j && n->status == TWALK_OK)
                json_object_set_new(j, "values", trace_values(n));
        return j;
}

struct trace_edges {
        const struct twalk *w;
        json_t *a;
};

static void
trace_edge(void *ctx, size_t from, size_t to, enum link_type t)
{
        struct trace_edges *e = ctx;
        struct twalk_node f, d;

        twalk_node(e->w, from, &f);
        twalk_node(e->w, to, &d);
        json_array_append_new(
            e->a, json_pack("{s:s%,s:s%,s:s}", "from", f.handle, f.len, "to",
                            d.handle, d.len, "type", link_type_name(t)));
}

static void
trace_get(struct api_call *c)
{
        struct trace_edges e = {NULL, json_array()};
        struct twalk_node n;
        struct trace_req r;
        struct twalk *w = NULL;
        json_t *nodes = json_array();
        const char *stop;
        size_t i;

        if (!nodes || !e.a) {
                api_fail(c, 500, -4, "out of memory");
                goto done;
        }
        if (trace_root(c, &r) < 0 || trace_params(c, &r) < 0 ||
            !(w = trace_walk(c, &r)))
                goto done;
        for (i = 0; i < twalk_count(w); i++) {
                twalk_node(w, i, &n);
                json_array_append_new(nodes, trace_node_json(&n));
        }
        e.w = w;
        twalk_edges(w, trace_edge, &e);
        stop = stop_names[twalk_stopped(w)];
        api_ok(c, json_pack("{s:s,s:s,s:i,s:O,s:O,s:s?,s:I}", "root", r.root,
                            "direction", r.direction, "depth", r.q.depth,
                            "nodes", nodes, "edges", e.a, "truncated", stop,
                            "elapsedMs", (json_int_t)(clock_ms() - r.start)));
done:
        twalk_free(w);
        json_decref(nodes);
        json_decref(e.a);
}

/*
 * A product of a recall: its holder (the latest named by a lifecycle
 * event, else the owner) and latest stage, from the identifier's
 * lifecycle summary "STAGE HOLDER" (holder "-" when none was named).
 */
static json_t *
trace_product(const struct twalk_node *n)
{
        const char *sp = strchr(n->lc, ' ');
        size_t stage = sp ? (size_t)(sp - n->lc) : strlen(n->lc);
        const char *holder =
            sp && sp[1] && strcmp(sp + 1, "-") != 0 ? sp + 1 : n->owner;
        json_t *j =
            json_pack("{s:s%,s:i,s:s?,s:o,s:s?,s:s}", "handle", n->handle,
                      n->len, "depth", n->depth, "holder", holder, "status",
                      stage ? json_stringn(n->lc, stage) : json_null(), "owner",
                      n->owner, "resolution", status_names[n->status]);

        return j;
}

static void
trace_recall(struct api_call *c)
{
        json_t *products = json_array();
        struct twalk_node n;
        struct trace_req r;
        struct twalk *w = NULL;
        size_t i;

        if (!products) {
                api_fail(c, 500, -4, "out of memory");
                return;
        }
        if (trace_root(c, &r) < 0)
                goto done;
        r.q.dirs = LINK_DOWN;
        r.q.depth = api_config(c)->trace_max_depth;
        if (!(w = trace_walk(c, &r)))
                goto done;
        for (i = 1; i < twalk_count(w); i++) {
                twalk_node(w, i, &n);
                json_array_append_new(products, trace_product(&n));
        }
        api_ok(c, json_pack("{s:s,s:O,s:I,s:s?,s:I}", "root", r.root,
                            "products", products, "count",
                            (json_int_t)json_array_size(products), "truncated",
                            stop_names[twalk_stopped(w)], "elapsedMs",
                            (json_int_t)(clock_ms() - r.start)));
done:
        twalk_free(w);
        json_decref(products);
}

static const struct api_route routes[] = {
    {"/api/trace/", HTTPD_GET, API_ANYONE, API_NO_BODY, trace_get},
    {"/api/recall/", HTTPD_GET, API_ANYONE, API_NO_BODY, trace_recall},
};

const struct api_route *
trace_routes(size_t *n)
{
        *n = sizeof(routes) / sizeof(routes[0]);
        return routes;
}
