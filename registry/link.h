/*
 * Trace links (docs/trace.md "Trace links"): typed references from one
 * identifier A to another B ("A madeOf B"), so partners can walk a
 * product's bill of materials, batches and shipments.
 *
 * A link is a handle value of A at an index from LINK_MIN_INDEX to
 * LINK_MAX_INDEX: type "TRACE.<type>", data B, one reference (B, 0),
 * default permissions (public read), so any Handle client resolving A
 * sees it.  The reverse index keys_links(B) holds "<type> <A>" for every
 * such link.  A link is written reverse entry first, value second (and
 * removed in the other order): a crash between the two leaves a reverse
 * entry without its value, which readers check against A's values
 * (link_has) and ignore.
 *
 * Routes: POST/DELETE /api/links/{A} (A's owner), GET /api/links/{A}
 * (anyone).  Identifier writes (registry/ident) keep link values and
 * may not write any themselves (link_reserved).
 */
#ifndef REGISTRY_LINK_H
#define REGISTRY_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "core/cur.h"

struct api_route;
struct hrec;
struct hval;
struct redisReply;

#define LINK_MIN_INDEX 3000u
#define LINK_MAX_INDEX 3999u
/* Links one identifier holds, and links one call adds: the index range. */
#define LINK_MAX         (LINK_MAX_INDEX - LINK_MIN_INDEX + 1)
#define LINK_TYPE_PREFIX "TRACE."

enum link_type {
        LINK_MADE_OF,
        LINK_FROM_BATCH,
        LINK_PRODUCED_BY,
        LINK_PART_OF,
        LINK_SHIPPED_IN,
        LINK_REPLACED_BY,
        LINK_RECYCLED_INTO,
        LINK_NTYPES
};

/* Where a link's target lies as seen from its source. */
enum link_dir { LINK_UP = 1, LINK_DOWN = 2 };

/* The type's name ("madeOf"). */
const char *link_type_name(enum link_type t);
/* The type named by len bytes at s (exactly), or -1. */
int link_type_find(const char *s, size_t len);
enum link_dir link_type_dir(enum link_type t);

/*
 * 1 if a value at `index` or of `type` belongs to links (the index
 * range, or a type starting with "TRACE.", any case): identifier writes
 * and templates must not use them.
 */
int link_reserved(uint32_t index, struct span type);

/*
 * If `v` is a link value (index in the range, type "TRACE.<a type>"):
 * 1 with its type in *t and its target (the data, borrowed) in *target.
 * Else 0.
 */
int link_value(const struct hval *v, enum link_type *t, struct span *target);

/* 1 if `rec` holds a link of type t to target (normalised). */
int link_has(const struct hrec *rec, enum link_type t, const char *target,
             size_t len);

/*
 * Parses a reverse entry "<type> <source>": 0 with its parts (the
 * source borrowed from s), or -1.
 */
int link_entry_parse(const char *s, size_t len, enum link_type *t,
                     struct span *source);

/*
 * The values of an HGETALL reply of an identifier's hash as a new
 * record (copied: the reply may go).  Fields starting with '_' are not
 * values and are skipped, and so are values that do not decode.  If `lc` is
 * given, the field KEYS_LIFECYCLE_FIELD (the lifecycle state "STAGE HOLDER",
 * kept by registry/event) is copied there ("" when absent).  NULL when the hash
 * is empty (no such identifier) or on no memory (*nomem then set).
 */
struct hrec *link_record(const struct redisReply *r, char *lc, size_t lcsz,
                         int *nomem);

/* The module's routes (static storage), for registry/api.c. */
const struct api_route *link_routes(size_t *n);

#endif
