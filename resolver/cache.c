#include "resolver/cache.h"

#include <stdlib.h>
#include <string.h>

#include "core/hval.h"

struct centry {
        struct centry *hnext;         /* bucket chain */
        struct centry *lprev, *lnext; /* LRU list, most recent first */
        struct hrec *rec;
        uint64_t expires_ms;
        size_t size; /* accounted bytes; the record's memo may grow later */
        uint32_t hash;
        uint32_t keylen;
        char key[];
};

struct cache {
        struct centry **buckets;
        size_t mask;
        size_t max;
        size_t max_bytes;
        struct centry *lru_head, *lru_tail;
        struct cache_stats st;
};

static uint32_t
cache_hash(const char *p, size_t len)
{
        uint32_t h = 2166136261u;
        size_t i;

        for (i = 0; i < len; i++)
                h = (h ^ (uint8_t)p[i]) * 16777619u;
        return h;
}

struct cache *
cache_new(size_t max_entries, size_t max_bytes)
{
        struct cache *c = calloc(1, sizeof(*c));
        size_t n = 16;

        if (!c)
                return NULL;
        while (n < max_entries)
                n *= 2;
        c->buckets = calloc(n, sizeof(*c->buckets));
        if (!c->buckets) {
                free(c);
                return NULL;
        }
        c->mask = n - 1;
        c->max = max_entries;
        c->max_bytes = max_bytes;
        return c;
}

static void
lru_unlink(struct cache *c, struct centry *e)
{
        if (e->lprev)
                e->lprev->lnext = e->lnext;
        else
                c->lru_head = e->lnext;
        if (e->lnext)
                e->lnext->lprev = e->lprev;
        else
                c->lru_tail = e->lprev;
}

static void
lru_push(struct cache *c, struct centry *e)
{
        e->lprev = NULL;
        e->lnext = c->lru_head;
        if (c->lru_head)
                c->lru_head->lprev = e;
        c->lru_head = e;
        if (!c->lru_tail)
                c->lru_tail = e;
}

static struct centry **
cache_slot(struct cache *c, const char *key, size_t len, uint32_t h)
{
        struct centry **pp = &c->buckets[h & c->mask];

        for (; *pp; pp = &(*pp)->hnext)
                if ((*pp)->hash == h && (*pp)->keylen == len &&
                    memcmp((*pp)->key, key, len) == 0)
                        break;
        return pp;
}

static void
cache_remove(struct cache *c, struct centry **pp)
{
        struct centry *e = *pp;

        *pp = e->hnext;
        lru_unlink(c, e);
        c->st.entries--;
        c->st.bytes -= e->size;
        hrec_free(e->rec);
        free(e);
}

static size_t
cache_entry_size(const struct centry *e)
{
        return sizeof(*e) + e->keylen + (e->rec ? hrec_size(e->rec) : 0);
}

int
cache_get(struct cache *c, const char *key, size_t len, uint64_t now_ms,
          struct hrec **rec)
{
        uint64_t exp;

        return cache_get_exp(c, key, len, now_ms, rec, &exp);
}

int
cache_get_exp(struct cache *c, const char *key, size_t len, uint64_t now_ms,
              struct hrec **rec, uint64_t *expires_ms)
{
        uint32_t h = cache_hash(key, len);
        struct centry **pp = cache_slot(c, key, len, h);
        struct centry *e = *pp;

        if (!e) {
                c->st.misses++;
                return 0;
        }
        if (e->expires_ms <= now_ms) {
                cache_remove(c, pp);
                c->st.misses++;
                return 0;
        }
        if (c->lru_head != e) {
                lru_unlink(c, e);
                lru_push(c, e);
        }
        /* A front end may have memoised a rendering since: count it. */
        if (e->rec && e->size != cache_entry_size(e)) {
                c->st.bytes += cache_entry_size(e) - e->size;
                e->size = cache_entry_size(e);
        }
        c->st.hits++;
        *rec = e->rec;
        *expires_ms = e->expires_ms;
        return 1;
}

int
cache_put(struct cache *c, const char *key, size_t len, struct hrec *rec,
          uint64_t expires_ms)
{
        uint32_t h = cache_hash(key, len);
        struct centry **pp = cache_slot(c, key, len, h);
        struct centry *e;
        size_t size;

        if (*pp)
                cache_remove(c, pp);
        size = sizeof(*e) + len + (rec ? hrec_size(rec) : 0);
        while (c->lru_tail &&
               (c->st.entries >= c->max || c->st.bytes + size > c->max_bytes)) {
                struct centry *old = c->lru_tail;

                cache_remove(c,
                             cache_slot(c, old->key, old->keylen, old->hash));
                c->st.evictions++;
        }
        e = malloc(sizeof(*e) + len);
        if (!e)
                return -1;
        memcpy(e->key, key, len);
        e->keylen = (uint32_t)len;
        e->hash = h;
        e->rec = rec;
        e->expires_ms = expires_ms;
        pp = &c->buckets[h & c->mask];
        e->hnext = *pp;
        *pp = e;
        lru_push(c, e);
        c->st.entries++;
        e->size = size;
        c->st.bytes += e->size;
        return 0;
}

void
cache_del(struct cache *c, const char *key, size_t len)
{
        struct centry **pp = cache_slot(c, key, len, cache_hash(key, len));

        if (*pp) {
                cache_remove(c, pp);
                c->st.invalidations++;
        }
}

void
cache_clear(struct cache *c)
{
        while (c->lru_head)
                cache_remove(c, cache_slot(c, c->lru_head->key,
                                           c->lru_head->keylen,
                                           c->lru_head->hash));
}

void
cache_free(struct cache *c)
{
        if (!c)
                return;
        cache_clear(c);
        free(c->buckets);
        free(c);
}

void
cache_get_stats(const struct cache *c, struct cache_stats *s)
{
        *s = c->st;
}
