#include "core/tally.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Bytes of identifier names one interval keeps, per identifier entry. */
#define TALLY_NAME_BYTES 128

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME  0x100000001b3ull

struct tally_pfx {
        struct tally_counts c;
        uint64_t hash;
        uint32_t handles; /* first identifier + 1; 0: none */
        uint32_t clients; /* first client + 1 */
        size_t len;
        char name[TALLY_PREFIX_MAX + 1];
};

struct tally_handle {
        uint64_t hash;
        uint64_t n;
        size_t off, len; /* in the arena */
        uint32_t next;   /* the prefix's next identifier + 1 */
};

struct tally_client {
        uint64_t hash;
        uint32_t pfx;
        uint32_t next; /* the prefix's next client + 1 */
        size_t len;
        uint8_t addr[16];
};

/* An open-addressing index: slots hold an entry's number + 1. */
struct tally_index {
        uint32_t *slot;
        size_t mask;
};

struct tally {
        struct tally_limits lim;
        struct tally_pfx *pfx; /* lim.prefixes + 1, [0] = TALLY_OTHER */
        size_t npfx;
        struct tally_index pfx_ix;
        struct tally_handle *h;
        size_t nh;
        struct tally_index h_ix;
        char *arena;
        size_t arena_used, arena_cap;
        struct tally_client *cl;
        size_t ncl;
        struct tally_index cl_ix;
        int dirty;
        struct tally_overflow ov;
};

static int
tally_index_init(struct tally_index *ix, size_t entries)
{
        size_t n = 16;

        while (n < 2 * entries)
                n *= 2;
        ix->slot = calloc(n, sizeof(*ix->slot));
        ix->mask = n - 1;
        return ix->slot ? 0 : -1;
}

static void
tally_index_clear(struct tally_index *ix)
{
        memset(ix->slot, 0, (ix->mask + 1) * sizeof(*ix->slot));
}

struct tally *
tally_new(const struct tally_limits *l)
{
        struct tally *t;

        if (!l->prefixes || !l->handles || !l->clients ||
            l->prefixes >= UINT32_MAX / 4 || l->handles >= UINT32_MAX / 4 ||
            l->clients >= UINT32_MAX / 4)
                return NULL;
        if (!(t = calloc(1, sizeof(*t))))
                return NULL;
        t->lim = *l;
        t->arena_cap = l->handles * TALLY_NAME_BYTES;
        t->pfx = calloc(l->prefixes + 1, sizeof(*t->pfx));
        t->h = calloc(l->handles, sizeof(*t->h));
        t->cl = calloc(l->clients, sizeof(*t->cl));
        t->arena = malloc(t->arena_cap);
        if (!t->pfx || !t->h || !t->cl || !t->arena ||
            tally_index_init(&t->pfx_ix, l->prefixes) < 0 ||
            tally_index_init(&t->h_ix, l->handles) < 0 ||
            tally_index_init(&t->cl_ix, l->clients) < 0) {
                tally_free(t);
                return NULL;
        }
        memcpy(t->pfx[0].name, TALLY_OTHER, sizeof(TALLY_OTHER));
        t->pfx[0].len = sizeof(TALLY_OTHER) - 1;
        t->npfx = 1;
        return t;
}

void
tally_free(struct tally *t)
{
        if (!t)
                return;
        free(t->pfx);
        free(t->pfx_ix.slot);
        free(t->h);
        free(t->h_ix.slot);
        free(t->arena);
        free(t->cl);
        free(t->cl_ix.slot);
        free(t);
}

/*
 * Hashes the name in one pass; *phash is the hash of its prefix and
 * *plen its length, or 0 if the prefix cannot be a registered one (not
 * upper-case letters, digits and dots, or too long).
 */
static uint64_t
tally_hash(const char *name, size_t len, uint64_t *phash, size_t *plen)
{
        uint64_t h = FNV_OFFSET;
        size_t i;
        int ok = 1;

        *plen = 0;
        *phash = 0;
        for (i = 0; i < len && name[i] != '/'; i++) {
                char ch = name[i];

                ok &= (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                      ch == '.';
                h = (h ^ (uint8_t)ch) * FNV_PRIME;
        }
        if (ok && i > 0 && i <= TALLY_PREFIX_MAX) {
                *plen = i;
                *phash = h;
        }
        for (; i < len; i++)
                h = (h ^ (uint8_t)name[i]) * FNV_PRIME;
        return h;
}

/* The prefix's entry, made if there is room; 0 (TALLY_OTHER) if not. */
static uint32_t
tally_pfx_find(struct tally *t, const char *p, size_t len, uint64_t hash)
{
        size_t s = (size_t)hash & t->pfx_ix.mask;
        struct tally_pfx *e;
        uint32_t k;

        if (len == 0)
                return 0;
        while ((k = t->pfx_ix.slot[s]) != 0) {
                e = &t->pfx[k];
                if (e->hash == hash && e->len == len &&
                    memcmp(e->name, p, len) == 0)
                        return k;
                s = (s + 1) & t->pfx_ix.mask;
        }
        if (t->npfx > t->lim.prefixes) {
                t->ov.prefixes++;
                return 0;
        }
        k = (uint32_t)t->npfx++;
        e = &t->pfx[k];
        memset(e, 0, sizeof(*e));
        e->hash = hash;
        e->len = len;
        memcpy(e->name, p, len);
        e->name[len] = '\0';
        t->pfx_ix.slot[s] = k;
        return k;
}

static void
tally_handle_add(struct tally *t, uint32_t pfx, const char *name, size_t len,
                 uint64_t hash)
{
        size_t s = (size_t)hash & t->h_ix.mask;
        struct tally_handle *e;
        uint32_t k;

        while ((k = t->h_ix.slot[s]) != 0) {
                e = &t->h[k - 1];
                if (e->hash == hash && e->len == len &&
                    memcmp(t->arena + e->off, name, len) == 0) {
                        e->n++;
                        return;
                }
                s = (s + 1) & t->h_ix.mask;
        }
        if (t->nh == t->lim.handles || len > TALLY_HANDLE_MAX ||
            len > t->arena_cap - t->arena_used) {
                t->ov.handles++;
                return;
        }
        e = &t->h[t->nh++];
        e->hash = hash;
        e->n = 1;
        e->off = t->arena_used;
        e->len = len;
        memcpy(t->arena + e->off, name, len);
        t->arena_used += len;
        e->next = t->pfx[pfx].handles;
        t->pfx[pfx].handles = (uint32_t)t->nh;
        t->h_ix.slot[s] = (uint32_t)t->nh;
}

static void
tally_client_add(struct tally *t, uint32_t pfx, const struct sockaddr *sa)
{
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
                                           0, 0, 0, 0, 0xff, 0xff};
        const uint8_t *a;
        struct tally_client *e;
        uint64_t hash = FNV_OFFSET ^ ((uint64_t)pfx * FNV_PRIME);
        size_t len, i, s;
        uint32_t k;

        if (!sa)
                return;
        if (sa->sa_family == AF_INET) {
                a = (const uint8_t *)&((const struct sockaddr_in *)sa)
                        ->sin_addr;
                len = 4;
        } else if (sa->sa_family == AF_INET6) {
                a = s6->sin6_addr.s6_addr;
                len = 16;
                if (memcmp(a, mapped, sizeof(mapped)) == 0)
                        a += 12, len = 4; /* one client, one form */
        } else {
                return;
        }
        for (i = 0; i < len; i++)
                hash = (hash ^ a[i]) * FNV_PRIME;
        s = (size_t)hash & t->cl_ix.mask;
        while ((k = t->cl_ix.slot[s]) != 0) {
                e = &t->cl[k - 1];
                if (e->hash == hash && e->pfx == pfx && e->len == len &&
                    memcmp(e->addr, a, len) == 0)
                        return;
                s = (s + 1) & t->cl_ix.mask;
        }
        if (t->ncl == t->lim.clients) {
                t->ov.clients++;
                return;
        }
        e = &t->cl[t->ncl++];
        e->hash = hash;
        e->pfx = pfx;
        e->len = len;
        memcpy(e->addr, a, len);
        e->next = t->pfx[pfx].clients;
        t->pfx[pfx].clients = (uint32_t)t->ncl;
        t->cl_ix.slot[s] = (uint32_t)t->ncl;
}

void
tally_resolution(struct tally *t, const char *name, size_t len,
                 enum tally_outcome o, const struct sockaddr *client)
{
        uint64_t phash, hash;
        size_t plen;
        uint32_t k;

        hash = tally_hash(name, len, &phash, &plen);
        k = tally_pfx_find(t, name, plen, phash);
        t->dirty = 1;
        t->pfx[k].c.resolutions++;
        t->pfx[k].c.not_found += o == TALLY_NOT_FOUND;
        t->pfx[k].c.errors += o == TALLY_ERROR;
        if (o == TALLY_FOUND)
                tally_handle_add(t, k, name, len, hash);
        tally_client_add(t, k, client);
}

void
tally_registration(struct tally *t, const char *name, size_t len)
{
        uint64_t phash;
        size_t plen;

        tally_hash(name, len, &phash, &plen);
        t->dirty = 1;
        t->pfx[tally_pfx_find(t, name, plen, phash)].c.registrations++;
}

size_t
tally_nprefixes(const struct tally *t)
{
        return t->npfx;
}

const char *
tally_prefix(const struct tally *t, size_t i, size_t *len,
             struct tally_counts *c)
{
        *len = t->pfx[i].len;
        *c = t->pfx[i].c;
        return t->pfx[i].name;
}

int
tally_next_handle(const struct tally *t, size_t i, uint32_t *it,
                  const char **name, size_t *len, uint64_t *n)
{
        const struct tally_handle *e;

        *it = *it ? t->h[*it - 1].next : t->pfx[i].handles;
        if (!*it)
                return 0;
        e = &t->h[*it - 1];
        *name = t->arena + e->off;
        *len = e->len;
        *n = e->n;
        return 1;
}

int
tally_next_client(const struct tally *t, size_t i, uint32_t *it,
                  const uint8_t **addr, size_t *len)
{
        const struct tally_client *e;

        *it = *it ? t->cl[*it - 1].next : t->pfx[i].clients;
        if (!*it)
                return 0;
        e = &t->cl[*it - 1];
        *addr = e->addr;
        *len = e->len;
        return 1;
}

int
tally_empty(const struct tally *t)
{
        return !t->dirty;
}

void
tally_reset(struct tally *t, int new_hour)
{
        size_t i;

        for (i = 0; i < t->npfx; i++) {
                memset(&t->pfx[i].c, 0, sizeof(t->pfx[i].c));
                t->pfx[i].handles = t->pfx[i].clients = 0;
        }
        if (t->nh)
                tally_index_clear(&t->h_ix);
        if (t->ncl)
                tally_index_clear(&t->cl_ix);
        t->nh = t->ncl = t->arena_used = 0;
        if (new_hour && t->npfx > 1) {
                tally_index_clear(&t->pfx_ix);
                t->npfx = 1;
        }
        t->dirty = 0;
}

void
tally_get_overflow(const struct tally *t, struct tally_overflow *o)
{
        *o = t->ov;
}
