/*
 * Lifecycle events (docs/trace.md "Lifecycle events"), without Redis:
 * the body of POST /api/events/{H} checked and turned into the fields of
 * its stream entry (the field names are in registry/keys.h, next to
 * keys_events), a stored entry read back and rendered as the event's
 * JSON, and the texts the routes take (event ids, RFC 3339 times, stage
 * codes).  Nothing here reads the clock: callers pass the time.
 */
#ifndef REGISTRY_EVPARSE_H
#define REGISTRY_EVPARSE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define EVPARSE_STAGE_MAX    32              /* characters of a stage code */
#define EVPARSE_LOCATION_MAX 255             /* characters */
#define EVPARSE_ATTRS_MAX    64              /* members of attrs */
#define EVPARSE_ATTR_KEY_MAX 64              /* characters of an attrs key */
#define EVPARSE_ATTR_STR_MAX 1024            /* characters of an attrs string */
#define EVPARSE_CLOSES_MAX   64              /* ids in closes */
#define EVPARSE_FUTURE_MS    (5 * 60 * 1000) /* how far `time` may lead */
#define EVPARSE_ID_MAX       42              /* "ms-seq", two u64, and NUL */
#define EVPARSE_TIME_MAX     32              /* a rendered time and NUL */
/* argv slots the fields of one entry take (name, value pairs). */
#define EVPARSE_FIELDS_MAX 22

/* A checked event body; owned by the caller (evparse_free). */
struct evparse;

/*
 * Checks a body (a JSON object): every member named in the error
 * ("attrs.faultCode is longer than 1024 characters"); an unknown member
 * is an error.  `now_ms` (unix milliseconds) is the default time and
 * what `time` may not lead by more than EVPARSE_FUTURE_MS.  The stage is
 * checked as a code only: whether a code that is not built in belongs to
 * the identifier's template is the caller's to check
 * (evparse_stage_builtin).  NULL with err on failure.
 */
struct evparse *evparse_new(const json_t *body, long long now_ms, char *err,
                            size_t errlen);
void evparse_free(struct evparse *e);

const char *evparse_stage(const struct evparse *e);
/* The holder's USCC (upper case), or "" when the body names none. */
const char *evparse_holder(const struct evparse *e);
/* The corrected event's id (canonical "ms-seq"), or "". */
const char *evparse_corrects(const struct evparse *e);
/* The closed events' ids (canonical), in the body's order. */
size_t evparse_ncloses(const struct evparse *e);
const char *evparse_close(const struct evparse *e, size_t i);

/*
 * The stream entry's fields as name/value pairs in argv/argvlen (at
 * least EVPARSE_FIELDS_MAX slots), borrowing from `e`, `ent` (the
 * recording enterprise's USCC) and `by` (its account).  Returns the
 * number of slots used.
 */
size_t evparse_fields(const struct evparse *e, const char *ent, const char *by,
                      const char **argv, size_t *argvlen);

/* A stored entry read back; the strings borrow from the reply. */
struct evparse_entry {
        const char *stage, *ent, *by, *location, *holder, *attrs, *corrects,
            *closes;                  /* NULL when absent */
        size_t stage_len, closes_len; /* of stage and closes */
        long long time_ms;
        int public;
};

/*
 * Reads the `n` strings of an entry's field/value list (kv[i] with
 * kvlen[i] bytes, NUL-terminated as hiredis leaves them).  Fields it
 * does not know are skipped.  0, or -1 if stage or time is missing or
 * not well formed (a damaged entry).
 */
int evparse_entry(const char *const *kv, const size_t *kvlen, size_t n,
                  struct evparse_entry *out);

/*
 * The event's JSON (docs/trace.md): id, stage, time, recorded (from the
 * id), enterprise, by, location, holder, attrs, corrects, closes,
 * public.  NULL on no memory.
 */
json_t *evparse_render(const char *id, const struct evparse_entry *e);

/*
 * An event id "MS-SEQ" (decimal, each at most 2^64-1): 0 with its parts,
 * or -1.
 */
int evparse_id(const char *s, uint64_t *ms, uint64_t *seq);
/* Writes the canonical form of an id. */
void evparse_id_str(uint64_t ms, uint64_t seq, char out[EVPARSE_ID_MAX]);

/*
 * RFC 3339 "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)", from 1970 on:
 * 0 with unix milliseconds (the fraction cut to them), or -1.
 */
int evparse_time(const char *s, long long *ms);
/* "YYYY-MM-DDTHH:MM:SSZ", with ".mmm" before the Z when ms % 1000. */
void evparse_time_str(long long ms, char out[EVPARSE_TIME_MAX]);

/* 1 if the `len` bytes at s are a stage code: 1-32 of [a-z0-9_-]. */
int evparse_stage_ok(const char *s, size_t len);
/* 1 if `code` is a built-in stage (docs/trace.md). */
int evparse_stage_builtin(const char *code);
/* 1 for warning and fault, the stages an event may close. */
int evparse_stage_closable(const char *code, size_t len);

#endif
