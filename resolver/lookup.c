/* The read path shared by every front end: cache first, then Redis. */
#include <string.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/hval.h"
#include "core/wire.h"
#include "resolver/cache.h"
#include "resolver/rworker.h"

int
lookup_cached(struct rworker *rw, const char *name, size_t len,
              struct hrec **rec)
{
        if (!rw->cfg->cache || rpool_cache_epoch(rw->redis) == 0)
                return 0;
        return cache_get(rw->cache, name, len, clock_ms(), rec);
}

void
lookup_set_name(struct lookup *lk, const char *name, size_t len)
{
        memcpy(lk->name, name, len);
        lk->name[len] = '\0';
        lk->namelen = len;
}

/* How long a fetched record may be served from the cache, in ms. */
static uint64_t
lookup_cache_ms(const struct config *cfg, const struct hrec *rec)
{
        uint64_t s = rec ? rec->min_ttl : (uint64_t)cfg->cache_negative_ttl_s;

        if (s > (uint64_t)cfg->cache_ttl_max_s)
                s = (uint64_t)cfg->cache_ttl_max_s;
        return s * 1000;
}

static void
lookup_fetched(struct store_fetch *f, struct hrec *rec,
               enum store_status status)
{
        struct lookup *lk = (struct lookup *)f; /* fetch is the first member */
        struct rworker *rw = lk->rw;
        lookup_done_fn done = lk->done;
        uint32_t rc;
        uint64_t ms;
        int cached = 0;

        switch (status) {
        case STORE_OK:
                rc = RC_SUCCESS;
                break;
        case STORE_NOT_FOUND:
                rc = RC_HANDLE_NOT_FOUND;
                break;
        case STORE_BUSY:
                rc = RC_SERVER_BUSY;
                break;
        default:
                rc = RC_ERROR;
                break;
        }
        /*
         * Cache only if no invalidation arrived while the command was in
         * flight: the reply could predate a write we were told about.
         */
        if ((rc == RC_SUCCESS || rc == RC_HANDLE_NOT_FOUND) && rw->cfg->cache &&
            lk->epoch != 0 && lk->epoch == rpool_cache_epoch(rw->redis) &&
            (ms = lookup_cache_ms(rw->cfg, rec)) > 0)
                cached = cache_put(rw->cache, lk->name, lk->namelen, rec,
                                   clock_ms() + ms) == 0;
        done(lk, rec, rc); /* may free lk */
        if (!cached)
                hrec_free(rec);
}

int
lookup_fetch(struct rworker *rw, struct lookup *lk, lookup_done_fn done)
{
        lk->rw = rw;
        lk->done = done;
        lk->epoch = rpool_cache_epoch(rw->redis);
        return store_fetch(rw->redis, &lk->fetch, lk->name, lk->namelen,
                           lookup_fetched);
}
