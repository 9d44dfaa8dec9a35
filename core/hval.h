/*
 * Handle values (protocol.md §5.1) and handle records.
 *
 * A value is kept in its wire encoding everywhere (Redis stores it that
 * way, responses concatenate it); struct hval is a decoded *view* whose
 * spans point into bytes somebody else owns.  A struct hrec owns one
 * allocation holding a whole handle's values, sorted by index.
 */
#ifndef CORE_HVAL_H
#define CORE_HVAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/cur.h"

enum {
        HVAL_PUBLIC_WRITE = 0x01,
        HVAL_PUBLIC_READ = 0x02,
        HVAL_ADMIN_WRITE = 0x04,
        HVAL_ADMIN_READ = 0x08,
        HVAL_PERMS_DEFAULT = 0x0E,
};

enum { HVAL_TTL_RELATIVE = 0, HVAL_TTL_ABSOLUTE = 1 };

#define HVAL_TTL_DEFAULT    86400u
#define HVAL_MAX_TYPE_LEN   128u
#define HVAL_MAX_DATA_LEN   262144u
#define HVAL_MAX_REFS       256u
#define HVAL_MAX_PER_HANDLE 2048u

struct hval {
        uint32_t index;
        uint32_t timestamp;
        uint8_t ttl_type;
        uint32_t ttl;
        uint8_t perms;
        struct span type;
        struct span data;
        uint32_t nrefs;
        struct span refs; /* nrefs x (str handle, u32 index), encoded */
        struct span wire; /* the whole encoded value (set by decode) */
};

/*
 * A value as the node writes one: index, type, data and timestamp given,
 * relative TTL HVAL_TTL_DEFAULT, HVAL_PERMS_DEFAULT, no references.
 */
void hval_init(struct hval *v, uint32_t index, struct span type,
               struct span data, uint32_t timestamp);

/* Decodes one value at the cursor. 0 on success, -1 if malformed. */
int hval_decode(struct cur *c, struct hval *v);
/* Encodes `v` (refs copied from v->refs as already-encoded bytes). */
void hval_encode(struct wbuf *w, const struct hval *v);
/* Decodes a whole buffer that must hold exactly one value. */
int hval_parse(const uint8_t *p, size_t len, struct hval *v);

/*
 * Type filter of a resolution: `q` matches type T when equal (ASCII case
 * folded), when T is a subtype "q.x", or when q ends in '.' or '_' and is
 * a prefix of T (so "HS_" selects every HS_ type).
 */
int hval_type_match(struct span type, const uint8_t *q, size_t qlen);

/* Index/type filter of one request; empty lists select every value. */
struct hfilter {
        uint32_t nidx;
        const uint32_t *idx;
        uint32_t ntypes;
        const struct span *types;
};

int hfilter_match(const struct hfilter *f, const struct hval *v);

/* Every value of one handle, in one allocation, sorted by index. */
struct hrec {
        uint32_t n;
        uint32_t min_ttl; /* smallest relative TTL, for caching */
        struct hval *v;
        /*
         * A rendering of the record memoised by a front end (the HTTP
         * JSON of its public values), owned by the record and freed with
         * it.  Records never change once built, so neither does this.
         */
        char *memo;
        size_t memo_len;
};

/*
 * Builds a record from `n` encoded values (copied).  Values that do not
 * decode are skipped and counted in *bad (if not NULL).  NULL on ENOMEM.
 */
struct hrec *hrec_new(const struct span *vals, uint32_t n, uint32_t *bad);
/* A record of one value (index, type, data; hval_init's defaults). */
struct hrec *hrec_one(uint32_t index, const char *type, const uint8_t *data,
                      size_t len, uint32_t timestamp);
/* A copy of r (NULL stays NULL; NULL also on no memory). */
struct hrec *hrec_dup(const struct hrec *r);
void hrec_free(struct hrec *r);
/* Bytes held by the record (for cache accounting). */
size_t hrec_size(const struct hrec *r);

#endif
