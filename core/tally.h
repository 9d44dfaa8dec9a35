/*
 * One worker's usage tally: what its resolutions and registrations did
 * since the last statistics flush, by prefix (resolutions, not found,
 * errors, registrations), by identifier (successful resolutions, for
 * the top list) and by client address under each prefix (for the
 * unique-client counts).  ops/stats sends it to Redis every
 * stats_flush_ms and resets it.
 *
 * Counting is a hash and a few probes in plain memory owned by the
 * worker's thread: no lock, no atomic, no allocation.  Every table has a
 * fixed size, set at creation:
 *  - prefixes: entries live until the UTC hour ends (tally_reset with
 *    `new_hour`), so one worker reports at most that many prefixes an
 *    hour however many names clients make up; a prefix that does not
 *    fit, or a name whose prefix is not letters, digits and dots (at
 *    most TALLY_PREFIX_MAX), is counted under TALLY_OTHER;
 *  - identifiers and (prefix, client) pairs: reset by every flush; those
 *    that do not fit are left out of the top list and the unique-client
 *    counts (the totals by prefix still count them).
 * What did not fit is counted (tally_get_overflow).
 *
 * Used only from one thread.
 */
#ifndef CORE_TALLY_H
#define CORE_TALLY_H

#include <stddef.h>
#include <stdint.h>

struct sockaddr;
struct tally;

#define TALLY_PREFIX_MAX 64
/* The bucket of the prefixes that got no entry of their own. */
#define TALLY_OTHER "other"
/* Longest identifier kept for the top list (longer ones overflow). */
#define TALLY_HANDLE_MAX 255

enum tally_outcome {
        TALLY_FOUND,     /* answered with values: counts in the top list */
        TALLY_REFERRED,  /* answered with a referral to another node */
        TALLY_NOT_FOUND, /* HANDLE_NOT_FOUND */
        TALLY_ERROR,     /* any other error answer */
};

struct tally_limits {
        size_t prefixes; /* distinct prefixes an hour, besides TALLY_OTHER */
        size_t handles;  /* distinct identifiers a flush interval */
        size_t clients;  /* distinct (prefix, client) pairs an interval */
};

struct tally_counts {
        uint64_t resolutions; /* every answer, whatever its code */
        uint64_t not_found;
        uint64_t errors;
        uint64_t registrations;
};

/* Counted since tally_new: what did not fit its table. */
struct tally_overflow {
        uint64_t prefixes; /* counts sent to TALLY_OTHER for want of room */
        uint64_t handles;
        uint64_t clients;
};

/* NULL on ENOMEM or a zero limit. */
struct tally *tally_new(const struct tally_limits *l);
void tally_free(struct tally *t);

/*
 * One answered resolution of `name` (normalised: prefix upper case),
 * from `client` (AF_INET or AF_INET6; NULL or another family: not
 * counted as a client).
 */
void tally_resolution(struct tally *t, const char *name, size_t len,
                      enum tally_outcome o, const struct sockaddr *client);
/* One identifier registered (created) under name's prefix. */
void tally_registration(struct tally *t, const char *name, size_t len);

/*
 * Reading, for the flush.  Prefix entries are numbered 0 ..
 * tally_nprefixes() - 1; entry 0 is TALLY_OTHER.  tally_prefix returns
 * the name (NUL-terminated) and fills its counts.
 */
size_t tally_nprefixes(const struct tally *t);
const char *tally_prefix(const struct tally *t, size_t i, size_t *len,
                         struct tally_counts *c);
/*
 * Walk the identifiers counted under prefix i, and its client addresses
 * (4 or 16 bytes): start with *it = 0; 0 at the end.
 */
int tally_next_handle(const struct tally *t, size_t i, uint32_t *it,
                      const char **name, size_t *len, uint64_t *n);
int tally_next_client(const struct tally *t, size_t i, uint32_t *it,
                      const uint8_t **addr, size_t *len);
/* 1 if nothing was counted since the last reset. */
int tally_empty(const struct tally *t);

/*
 * Zeroes the counts and forgets identifiers and clients; with
 * `new_hour`, forgets the prefixes too.
 */
void tally_reset(struct tally *t, int new_hour);

void tally_get_overflow(const struct tally *t, struct tally_overflow *o);

#endif
