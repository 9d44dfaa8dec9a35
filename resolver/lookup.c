/*
 * The read path shared by every front end: cache first, then Redis.
 *
 * A handle that does not exist may belong to a prefix served by its
 * enterprise's own node (not hosted here): the answer is then a referral
 * to that node.  The prefix is read only after the record was not found,
 * so found records cost nothing more.  Both outcomes are cached per
 * worker: the handle's absence under the handle's name (as before), the
 * prefix's referral (its HS_SITE value, or NULL for none) under the bare
 * prefix, which no handle name can be (handles have a '/').  Redis
 * tracking invalidates both keys (h: and pfx:), and the prefix entry
 * also expires after cache_negative_ttl_s.
 */
#include <stddef.h>
#include <string.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/hname.h"
#include "core/hval.h"
#include "core/site.h"
#include "core/wire.h"
#include "resolver/cache.h"
#include "resolver/nasvc.h"
#include "resolver/rworker.h"

/* Index of the HS_SITE value of a referral (where CNRI keeps it). */
#define LOOKUP_SITE_INDEX 1

static int
lookup_cache_on(struct rworker *rw)
{
        return rw->cfg->cache && rpool_cache_epoch(rw->redis) != 0;
}

/* The handle's prefix, if it can be a registered one; its length or 0. */
static size_t
lookup_prefix(const char *name, size_t len, char out[PFX_MAX + 1])
{
        size_t n = hname_prefix_len(name, len);

        return pfx_normalise(name, n, out) == 0 ? n : 0;
}

uint32_t
lookup_cached(struct rworker *rw, const char *name, size_t len, int refer,
              struct hrec **rec, int *from_prefix)
{
        char pfx[PFX_MAX + 1];
        uint64_t now;
        size_t plen;

        *from_prefix = 0;
        if (nasvc_name(name, len)) { /* answered from prefix records */
                *rec = NULL;
                return pfx_normalise(name + 5, len - 5, pfx) == 0
                           ? 0
                           : RC_HANDLE_NOT_FOUND;
        }
        if (!lookup_cache_on(rw) ||
            !cache_get(rw->cache, name, len, now = clock_ms(), rec))
                return 0;
        if (*rec)
                return RC_SUCCESS;
        if (!refer || (plen = lookup_prefix(name, len, pfx)) == 0)
                return RC_HANDLE_NOT_FOUND;
        if (cache_get(rw->cache, pfx, plen, now, rec))
                return *rec ? RC_SERVICE_REFERRAL : RC_HANDLE_NOT_FOUND;
        *from_prefix = 1;
        return 0;
}

void
lookup_init(struct lookup *lk, const char *name, size_t len, int refer,
            int from_prefix)
{
        memcpy(lk->name, name, len);
        lk->name[len] = '\0';
        lk->namelen = len;
        lk->refer = refer;
        lk->from_prefix = from_prefix;
        lk->hops = 0;
        lk->unext = NULL;
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

/*
 * Caches rec (may be NULL) under key if no invalidation arrived since
 * the command was sent: the reply could predate a write we were told
 * about.  1 if the cache took ownership of rec.
 */
static int
lookup_cache_put(struct lookup *lk, const char *key, size_t len,
                 struct hrec *rec, uint64_t ms)
{
        struct rworker *rw = lk->rw;

        return lookup_cache_on(rw) &&
               lk->epoch == rpool_cache_epoch(rw->redis) && ms > 0 &&
               cache_put(rw->cache, key, len, rec, clock_ms() + ms) == 0;
}

/* The response code of a store outcome; `ok` is STORE_OK's. */
static uint32_t
lookup_rc(enum store_status st, uint32_t ok)
{
        static const uint32_t rc[] = {
            [STORE_OK] = 0,
            [STORE_NOT_FOUND] = RC_HANDLE_NOT_FOUND,
            [STORE_BUSY] = RC_SERVER_BUSY,
            [STORE_ERROR] = RC_ERROR,
        };

        if (st == STORE_OK)
                return ok;
        return (unsigned)st < sizeof(rc) / sizeof(rc[0]) ? rc[st] : RC_ERROR;
}

/* The enterprise node's HS_SITE as a handle value record, or NULL. */
static struct hrec *
lookup_referral(const struct site *s, uint32_t updated)
{
        struct wbuf data, val;
        struct hval v;
        struct span one;
        struct hrec *rec = NULL;

        wbuf_init(&data, 0);
        wbuf_init(&val, 0);
        site_encode(&data, s);
        hval_init(&v, LOOKUP_SITE_INDEX,
                  (struct span){(const uint8_t *)"HS_SITE", 7},
                  (struct span){data.p, (uint32_t)data.len}, updated);
        hval_encode(&val, &v);
        if (wbuf_ok(&data) && wbuf_ok(&val)) {
                one.p = val.p;
                one.len = (uint32_t)val.len;
                rec = hrec_new(&one, 1, NULL);
        }
        wbuf_free(&data);
        wbuf_free(&val);
        return rec;
}

static void
lookup_pfx_fetched(struct pfx_fetch *f, enum store_status st,
                   const struct site *s, uint32_t updated)
{
        struct lookup *lk =
            (struct lookup *)(void *)((char *)f - offsetof(struct lookup, pfx));
        lookup_done_fn done = lk->done;
        struct hrec *rec = NULL;
        uint32_t rc;
        int cached = 0;

        if (st == STORE_OK)
                rec = lookup_referral(s, updated);
        rc = lookup_rc(st, rec ? RC_SERVICE_REFERRAL : RC_ERROR);
        if (rc == RC_SERVICE_REFERRAL || rc == RC_HANDLE_NOT_FOUND)
                cached = lookup_cache_put(lk, f->prefix, strlen(f->prefix), rec,
                                          lookup_cache_ms(lk->rw->cfg, NULL));
        done(lk, rec, rc); /* may free lk */
        if (!cached)
                hrec_free(rec);
}

/*
 * The record does not exist: answer from the prefix's cached referral,
 * or read the prefix.  Returns 0 if it answered or will, -1 if the plain
 * "not found" stands.
 */
static int
lookup_refer(struct lookup *lk)
{
        struct rworker *rw = lk->rw;
        char pfx[PFX_MAX + 1];
        struct hrec *rec;
        size_t plen;

        if (!lk->refer ||
            (plen = lookup_prefix(lk->name, lk->namelen, pfx)) == 0)
                return -1;
        if (lookup_cache_on(rw) &&
            cache_get(rw->cache, pfx, plen, clock_ms(), &rec)) {
                lk->done(lk, rec,
                         rec ? RC_SERVICE_REFERRAL : RC_HANDLE_NOT_FOUND);
                return 0;
        }
        lk->epoch = rpool_cache_epoch(rw->redis);
        if (pfx_fetch_ref(rw->redis, &lk->pfx, pfx, lookup_pfx_fetched) < 0)
                lk->done(lk, NULL, RC_SERVER_BUSY);
        return 0;
}

static void
lookup_fetched(struct store_fetch *f, struct hrec *rec,
               enum store_status status)
{
        struct lookup *lk = (struct lookup *)f; /* fetch is the first member */
        lookup_done_fn done = lk->done;
        uint32_t rc;
        int cached = 0;

        rc = lookup_rc(status, RC_SUCCESS);
        if (rc == RC_SUCCESS || rc == RC_HANDLE_NOT_FOUND)
                cached = lookup_cache_put(lk, lk->name, lk->namelen, rec,
                                          lookup_cache_ms(lk->rw->cfg, rec));
        if (rc == RC_HANDLE_NOT_FOUND && lookup_refer(lk) == 0)
                return;
        done(lk, rec, rc); /* may free lk */
        if (!cached)
                hrec_free(rec);
}

int
lookup_fetch(struct rworker *rw, struct lookup *lk, lookup_done_fn done)
{
        char pfx[PFX_MAX + 1];

        lk->rw = rw;
        lk->done = done;
        lk->epoch = rpool_cache_epoch(rw->redis);
        if (nasvc_name(lk->name, lk->namelen))
                return nasvc_fetch(rw, lk);
        if (lk->from_prefix && lookup_prefix(lk->name, lk->namelen, pfx) > 0)
                return pfx_fetch_ref(rw->redis, &lk->pfx, pfx,
                                     lookup_pfx_fetched);
        return store_fetch(rw->redis, &lk->fetch, lk->name, lk->namelen,
                           lookup_fetched);
}
