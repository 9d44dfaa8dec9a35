/*
 * Conditional writes over several records, made atomically by one Lua
 * script: every condition is checked first, then every write is made,
 * or none is.  Registry routes read a record, decide, and write back
 * on the condition that what they read has not changed meanwhile (a
 * version field, a state, an owner), so two deciders cannot both win.
 *
 * The keys of one write may carry different hash tags (an enterprise
 * and its prefix).  A single Redis runs such a script as it is; Redis
 * Cluster would refuse it (CROSSSLOT), and needs these records to share
 * a tag or the write to be split into steps with their own guards.
 */
#ifndef REGISTRY_CAS_H
#define REGISTRY_CAS_H

struct api_call;
struct cas;

#define CAS_MAX_KEYS 8
#define CAS_MAX_OPS  64 /* conditions and writes together */

/* A new, empty write (NULL on no memory); free with cas_free. */
struct cas *cas_new(void);
void cas_free(struct cas *t);

/* Adds a key (copied); its index for the calls below, or -1 if full. */
int cas_key(struct cas *t, const char *key);
/*
 * Condition: field `field` of hash `k` equals `value` ("": the field is
 * absent).  Returns the condition's number (1, 2, ...) that cas_run
 * reports when it does not hold.
 */
int cas_expect(struct cas *t, int k, const char *field, const char *value);
/* Write: HSET field value, or HDEL field when value is "". */
void cas_set(struct cas *t, int k, const char *field, const char *value);
/* Write: ZADD NX score member (a first creation time stays). */
void cas_zadd(struct cas *t, int k, long long score, const char *member);

/*
 * Runs it.  0 when written; n > 0 when condition n did not hold (nothing
 * written); -1 when the call has been answered (store failure: 503; a
 * write over its limits or out of memory: 500).
 */
int cas_run(struct cas *t, struct api_call *c);

#endif
