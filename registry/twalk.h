/*
 * The walk behind trace and recall queries (docs/trace.md "Trace
 * queries"): breadth-first over trace links from a root identifier,
 * one level at a time.
 *
 * For a level, one Redis pipeline reads every identifier's hash and
 * reverse links (and, for a caller of an enterprise, its grants on it),
 * and the record of each prefix not met before; identifiers of prefixes
 * served by another node are then asked there, all at once
 * (registry/hclient).  The next level is what the level's links point
 * at in the directions asked for: the targets of its own link values,
 * and the sources named by its reverse entries, which count only once
 * the source's values show that link (an entry a crash left behind is
 * ignored).  Every identifier is visited once; the walk stops at the
 * depth asked for, at `limit` identifiers, or at the deadline.
 */
#ifndef REGISTRY_TWALK_H
#define REGISTRY_TWALK_H

#include <stddef.h>
#include <stdint.h>

#include "registry/link.h"

struct api_call;
struct hrec;
struct twalk;

enum twalk_status {
        TWALK_OK,          /* found; its values are known */
        TWALK_NOT_FOUND,   /* no such identifier where it is served */
        TWALK_UNREACHABLE, /* its node did not answer in time */
        TWALK_UNKNOWN,     /* no route to the node that serves it */
};

enum twalk_stop { TWALK_DONE, TWALK_DEPTH, TWALK_LIMIT, TWALK_DEADLINE };

struct twalk_query {
        int dirs;       /* LINK_UP and/or LINK_DOWN: which way to follow */
        int depth;      /* levels below the root, >= 1 */
        unsigned types; /* 1 << link_type of the links followed */
        size_t limit;   /* identifiers at most, the root included */
        uint64_t deadline_ms; /* clock_ms() */
};

/* One identifier of the answer (borrowed from the walk). */
struct twalk_node {
        const char *handle; /* normalised */
        size_t len;
        int depth;
        enum twalk_status status;
        const char *node;       /* "local", "ip:port" that answered, or NULL */
        const char *owner;      /* the prefix's enterprise (USCC) or NULL */
        const char *lc;         /* the lifecycle summary "STAGE HOLDER" or "" */
        int rights;             /* the caller's GRANT_* bits on it */
        const struct hrec *rec; /* its values (TWALK_OK), may be NULL */
};

/*
 * Walks from `root` (normalised, len bytes).  The walk, to free with
 * twalk_free, or NULL if the store failed or memory ran out (the call
 * is then answered).
 */
struct twalk *twalk_run(struct api_call *c, const char *root, size_t len,
                        const struct twalk_query *q);
void twalk_free(struct twalk *w);

/* Why it stopped early (TWALK_DONE: it did not). */
enum twalk_stop twalk_stopped(const struct twalk *w);

/*
 * The identifiers found, in breadth-first order (the root first): the
 * number, and each one.
 */
size_t twalk_count(const struct twalk *w);
void twalk_node(const struct twalk *w, size_t i, struct twalk_node *out);

/*
 * The links between identifiers found, of the types followed: calls fn
 * with the positions (as for twalk_node) of source and target and the
 * type, each link once, in order of their source.
 */
typedef void (*twalk_edge_fn)(void *ctx, size_t from, size_t to,
                              enum link_type t);
void twalk_edges(const struct twalk *w, twalk_edge_fn fn, void *ctx);

#endif
