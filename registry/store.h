/*
 * Handle records in Redis: the asynchronous read used by resolvers and
 * the pipelined synchronous writer used by imports.  Key names come from
 * registry/keys.h only.
 */
#ifndef REGISTRY_STORE_H
#define REGISTRY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/cur.h"
#include "core/rpool.h"

struct hrec;
struct redisContext;

enum store_status {
        STORE_OK = 0,
        STORE_NOT_FOUND,
        STORE_BUSY,  /* Redis down, stalled or over its in-flight limit */
        STORE_ERROR, /* Redis answered with an error */
};

struct store_fetch;
/*
 * `rec` is a new record owned by the callee (free with hrec_free), or
 * NULL unless status is STORE_OK.
 */
typedef void (*store_fetch_cb)(struct store_fetch *f, struct hrec *rec,
                               enum store_status status);

/* Owned by the caller; must stay alive until the callback has run. */
struct store_fetch {
        store_fetch_cb cb;
        uint32_t bad_values; /* values in Redis that failed to decode */
};

/*
 * Fetches every value of handle `name` (normalised).  Returns 0 if the
 * callback will run later, -1 (callback not run) if Redis is busy.
 */
int store_fetch(struct rpool *p, struct store_fetch *f, const char *name,
                size_t len, store_fetch_cb cb);

/* Pipelined writer over a blocking hiredis connection. */
struct store_writer;

struct store_writer *store_writer_new(struct redisContext *rc, int batch);
/*
 * Replaces handle `name` with `n` encoded values, atomically (MULTI).
 * `meta` is stored in the record's metadata field.  Returns -1 if the
 * batch flush failed (see store_writer_error).
 */
int store_writer_put(struct store_writer *w, const char *name, size_t len,
                     const struct span *vals, uint32_t n, const char *meta);
/* Sends what is queued and reads every reply. 0 if all succeeded. */
int store_writer_flush(struct store_writer *w);
const char *store_writer_error(const struct store_writer *w);
/* Handles written and acknowledged so far. */
uint64_t store_writer_done(const struct store_writer *w);
void store_writer_free(struct store_writer *w);

#endif
