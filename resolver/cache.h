/*
 * Per-worker in-process cache of handle records, keyed by normalised
 * handle name, with expiry and LRU eviction.  Negative entries (handle
 * not found) hold a NULL record.  Owned and used by one worker thread.
 */
#ifndef RESOLVER_CACHE_H
#define RESOLVER_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct cache;
struct hrec;

struct cache_stats {
        uint64_t hits;
        uint64_t misses;
        uint64_t evictions;
        uint64_t invalidations;
        size_t entries;
        size_t bytes;
};

/*
 * At most max_entries records and about max_bytes of them (a record's
 * memoised rendering counts from the next time it is looked up).
 */
struct cache *cache_new(size_t max_entries, size_t max_bytes);
/* Frees the cache and every record it owns. */
void cache_free(struct cache *c);

/*
 * 1 on a hit (*rec may be NULL: known not to exist), 0 on a miss.  The
 * record stays owned by the cache and valid until the next cache call.
 */
int cache_get(struct cache *c, const char *key, size_t len, uint64_t now_ms,
              struct hrec **rec);
/* cache_get that also says when the entry expires. */
int cache_get_exp(struct cache *c, const char *key, size_t len, uint64_t now_ms,
                  struct hrec **rec, uint64_t *expires_ms);
/*
 * Takes ownership of `rec` (may be NULL), replacing any entry.  Returns
 * -1 (ownership not taken) if out of memory.
 */
int cache_put(struct cache *c, const char *key, size_t len, struct hrec *rec,
              uint64_t expires_ms);
void cache_del(struct cache *c, const char *key, size_t len);
void cache_clear(struct cache *c);
void cache_get_stats(const struct cache *c, struct cache_stats *s);

#endif
