#include "resolver/nasvc.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/hval.h"
#include "core/site.h"
#include "core/wire.h"
#include "resolver/rworker.h"
#include "resolver/upstream.h"

int
nasvc_name(const char *name, size_t len)
{
        return len > 5 && strncasecmp(name, "0.NA/", 5) == 0;
}

/* The asked prefix P, normalised into out; 0 or -1. */
static int
nasvc_prefix(const struct lookup *lk, char out[PFX_MAX + 1])
{
        return pfx_normalise(lk->name + 5, lk->namelen - 5, out);
}

/* Answers with one value; rc RC_ERROR if it cannot be built. */
static void
nasvc_answer(struct lookup *lk, const char *type, const uint8_t *data,
             size_t len, uint32_t rc)
{
        struct hrec *rec = hrec_one(1, type, data, len, clock_unix());

        lk->done(lk, rec, rec ? rc : RC_ERROR); /* may free lk */
        hrec_free(rec);
}

static void
nasvc_got(struct pfx_fetch *f, enum store_status st, const struct site *s,
          uint32_t updated)
{
        struct lookup *lk =
            (struct lookup *)(void *)((char *)f - offsetof(struct lookup, pfx));
        struct rworker *rw = lk->rw;
        char p[PFX_MAX + 1];
        int self, top = config_top_level(rw->cfg);
        struct wbuf w;
        char *dot;

        (void)updated;
        if (st == STORE_BUSY || st == STORE_ERROR) {
                lk->done(lk, NULL,
                         st == STORE_BUSY ? RC_SERVER_BUSY : RC_ERROR);
                return;
        }
        self = nasvc_prefix(lk, p) == 0 && strcmp(p, f->prefix) == 0;
        if (st == STORE_OK) {
                wbuf_init(&w, 0);
                site_encode(&w, s);
                if (wbuf_ok(&w))
                        nasvc_answer(lk, self ? "HS_SITE" : "HS_SITE.PREFIX",
                                     w.p, w.len,
                                     self ? RC_SUCCESS : RC_PREFIX_REFERRAL);
                else
                        lk->done(lk, NULL, RC_ERROR);
                wbuf_free(&w);
                return;
        }
        if (self && upstream_homes(rw->up, p, top)) {
                nasvc_answer(lk, "HS_SITE", rw->site, rw->site_len, RC_SUCCESS);
                return;
        }
        dot = strrchr(f->prefix, '.');
        if (!dot) {
                lk->done(lk, NULL, RC_HANDLE_NOT_FOUND);
                return;
        }
        *dot = '\0';
        memcpy(p, f->prefix, (size_t)(dot - f->prefix) + 1);
        if (pfx_fetch_ref(rw->redis, f, p, nasvc_got) < 0)
                lk->done(lk, NULL, RC_SERVER_BUSY);
}

/*
 * A stored `0.NA/<prefix>` record (the prefix's admin key, put through
 * registry/pfxadmin) is the answer as it stands; without one, the
 * prefix records decide (nasvc_got).
 */
static void
nasvc_stored(struct store_fetch *f, struct hrec *rec, enum store_status st)
{
        struct lookup *lk = (struct lookup *)f; /* fetch is the first member */
        char p[PFX_MAX + 1];

        if (st == STORE_OK && rec) {
                lk->done(lk, rec, RC_SUCCESS); /* may free lk */
                hrec_free(rec);
                return;
        }
        hrec_free(rec);
        if (st == STORE_BUSY || st == STORE_ERROR) {
                lk->done(lk, NULL,
                         st == STORE_BUSY ? RC_SERVER_BUSY : RC_ERROR);
                return;
        }
        if (nasvc_prefix(lk, p) < 0 ||
            pfx_fetch_ref(lk->rw->redis, &lk->pfx, p, nasvc_got) < 0)
                lk->done(lk, NULL, RC_SERVER_BUSY);
}

int
nasvc_fetch(struct rworker *rw, struct lookup *lk)
{
        char p[PFX_MAX + 1];

        if (nasvc_prefix(lk, p) < 0)
                return -1;
        return store_fetch(rw->redis, &lk->fetch, lk->name, lk->namelen,
                           nasvc_stored);
}
