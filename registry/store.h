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

/*
 * The importers' writer: records pipelined over several non-blocking
 * Redis connections, because Redis with `appendfsync always` fsyncs
 * once per event-loop turn and reads at most 16 KiB per client per
 * turn, so more connections mean more records per fsync.
 *
 * Records are grouped into batches; a batch goes out on one connection
 * and is acknowledged once Redis has answered every command in it.
 * Batches are acknowledged (the `acked` callback, from inside put, send,
 * poll or flush) in the order they were sent, whatever the order their
 * connections answer in: an importer may treat an acknowledged tag as
 * "everything up to here is stored".
 */
struct store_writer;

typedef void (*store_acked_fn)(void *arg, uint64_t tag);

struct store_writer_opts {
        const char *socket; /* Unix socket path, or "" for host:port */
        const char *host;
        int port;
        const char *password; /* AUTH, NULL or "": none (borrowed) */
        int conns;            /* 1 to STORE_WRITER_MAX_CONNS */
        store_acked_fn acked;
        void *arg;
};

#define STORE_WRITER_MAX_CONNS 64

/* NULL with the reason in err. */
struct store_writer *store_writer_new(const struct store_writer_opts *o,
                                      char *err, size_t errlen);
/*
 * Adds to the open batch: handle `name` becomes `n` encoded values and
 * the metadata `meta` (one HSET, or MULTI DEL HSET EXEC if it existed;
 * either way one key, so cluster safe).  May wait for a free
 * connection.  -1 if the store failed (see store_writer_error).
 */
int store_writer_put(struct store_writer *w, const char *name, size_t len,
                     const struct span *vals, uint32_t n, const char *meta);
/*
 * Sends the open batch (possibly empty) under `tag`.  May wait for
 * room.  -1 if the store failed.
 */
int store_writer_send(struct store_writer *w, uint64_t tag);
/* Handles whatever replies have arrived, without waiting.  -1 on failure. */
int store_writer_poll(struct store_writer *w);
/* Waits until every batch sent is acknowledged.  -1 on failure. */
int store_writer_flush(struct store_writer *w);
const char *store_writer_error(const struct store_writer *w);
/* Records written and acknowledged so far. */
uint64_t store_writer_done(const struct store_writer *w);
void store_writer_free(struct store_writer *w);

#endif
