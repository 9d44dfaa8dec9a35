#include "resolver/userver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/hval.h"
#include "core/site.h"
#include "core/usite.h"
#include "core/wire.h"

struct uhealth {
        struct sockaddr_storage addr;
        socklen_t len;
        uint64_t dead_until;
        struct upstream_server pub;
};

struct userver {
        size_t n;
        struct uhealth h[UPSTREAM_MAX_SERVERS];
};

struct userver *
userver_new(void)
{
        return calloc(1, sizeof(struct userver));
}

void
userver_free(struct userver *u)
{
        free(u);
}

static void
userver_text(const struct sockaddr_storage *ss, char *out, size_t n)
{
        char ip[INET6_ADDRSTRLEN] = "?";

        if (ss->ss_family == AF_INET) {
                const struct sockaddr_in *a =
                    (const struct sockaddr_in *)(const void *)ss;
                inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
                snprintf(out, n, "%s:%u", ip, (unsigned)ntohs(a->sin_port));
        } else {
                const struct sockaddr_in6 *a =
                    (const struct sockaddr_in6 *)(const void *)ss;
                inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
                snprintf(out, n, "[%s]:%u", ip, (unsigned)ntohs(a->sin6_port));
        }
}

/* A candidate's entry (keyed by its first interface), or NULL. */
static struct uhealth *
userver_find(struct userver *u, const struct ucand *c, int add)
{
        const struct sockaddr_storage *a = c->udplen ? &c->udp : &c->tcp;
        socklen_t len = c->udplen ? c->udplen : c->tcplen;
        struct uhealth *h;
        size_t i, best = 0;

        for (i = 0; i < u->n; i++)
                if (u->h[i].len == len && memcmp(&u->h[i].addr, a, len) == 0)
                        return &u->h[i];
        if (!add)
                return NULL;
        if (u->n < UPSTREAM_MAX_SERVERS) {
                i = u->n++;
        } else { /* forget the healthiest: it is the least to lose */
                for (i = 1; i < u->n; i++)
                        if (u->h[i].pub.score > u->h[best].pub.score)
                                best = i;
                i = best;
        }
        h = &u->h[i];
        memset(h, 0, sizeof(*h));
        memcpy(&h->addr, a, len);
        h->len = len;
        h->pub.score = 100;
        userver_text(a, h->pub.addr, sizeof(h->pub.addr));
        return h;
}

void
userver_mark(struct userver *u, const struct ucand *c, int ok)
{
        struct uhealth *h = userver_find(u, c, 1);

        if (ok) {
                h->pub.answers++;
                h->pub.score = h->pub.score > 75 ? 100 : h->pub.score + 25;
                h->dead_until = 0;
        } else {
                h->pub.failures++;
                h->pub.score /= 2;
                h->dead_until = clock_ms() + USERVER_DEAD_MS;
        }
}

int
userver_dead(struct userver *u, const struct ucand *c)
{
        struct uhealth *h = userver_find(u, c, 0);

        return h && h->dead_until > clock_ms();
}

size_t
userver_stats(const struct userver *u,
              struct upstream_server out[UPSTREAM_MAX_SERVERS])
{
        size_t i;

        for (i = 0; i < u->n; i++)
                out[i] = u->h[i].pub;
        return u->n;
}

unsigned
userver_roots(const char *upstream, struct ucand out[USERVER_MAX_CAND])
{
        struct sockaddr_storage ss[CONFIG_MAX_UPSTREAM];
        unsigned lens[CONFIG_MAX_UPSTREAM], n = 0;
        int k = config_upstream(upstream, ss, lens, CONFIG_MAX_UPSTREAM), i;

        for (i = 0; i < k && n < USERVER_MAX_CAND; i++, n++) {
                out[n].udp = out[n].tcp = ss[i];
                out[n].udplen = out[n].tcplen = lens[i];
        }
        return n;
}

static int
userver_type_is(const struct hval *v, const char *t)
{
        size_t n = strlen(t);

        return v->type.len == n &&
               strncasecmp((const char *)v->type.p, t, n) == 0;
}

unsigned
userver_sites(const struct hrec *rec, const char *t1, const char *t2,
              const char *name, size_t len, struct ucand out[USERVER_MAX_CAND])
{
        struct usite sites[USERVER_MAX_SITES];
        unsigned ns = 0, i, pass, n = 0;
        uint32_t k;

        for (k = 0; rec && k < rec->n && ns < USERVER_MAX_SITES; k++) {
                const struct hval *v = &rec->v[k];

                if ((userver_type_is(v, t1) ||
                     (t2 && userver_type_is(v, t2))) &&
                    usite_parse(v->data.p, v->data.len, &sites[ns]) == 0)
                        ns++;
        }
        for (pass = 0; pass < 2; pass++) {
                for (i = 0; i < ns && n < USERVER_MAX_CAND; i++) {
                        const struct usite *s = &sites[i];
                        const struct usite_server *sv;
                        struct ucand *c = &out[n];

                        if (((s->primary_mask & SITE_PRIMARY) != 0) !=
                            (pass == 0))
                                continue;
                        sv = &s->srv[usite_pick(s, name, len)];
                        memset(c, 0, sizeof(*c));
                        if (usite_addr(sv, 0, &c->udp, &c->udplen) < 0)
                                c->udplen = 0;
                        if (usite_addr(sv, 1, &c->tcp, &c->tcplen) < 0)
                                c->tcplen = 0;
                        if (c->udplen || c->tcplen)
                                n++;
                }
        }
        return n;
}

void
userver_roots_site(const char *upstream, struct wbuf *w)
{
        struct sockaddr_storage ss[CONFIG_MAX_UPSTREAM];
        unsigned lens[CONFIG_MAX_UPSTREAM];
        int n = config_upstream(upstream, ss, lens, CONFIG_MAX_UPSTREAM), i;

        wbuf_u16(w, 1);
        wbuf_u8(w, WIRE_MAJOR);
        wbuf_u8(w, 10);
        wbuf_u16(w, 1);
        wbuf_u8(w, SITE_PRIMARY);
        wbuf_u8(w, 2); /* hash by whole handle */
        wbuf_bytes(w, NULL, 0);
        wbuf_u32(w, 0);
        wbuf_u32(w, n > 0 ? (uint32_t)n : 0);
        for (i = 0; i < n; i++) {
                uint8_t addr[16] = {0};
                uint16_t port;

                if (ss[i].ss_family == AF_INET) {
                        struct sockaddr_in *a =
                            (struct sockaddr_in *)(void *)&ss[i];
                        memcpy(addr + 12, &a->sin_addr, 4);
                        port = ntohs(a->sin_port);
                } else {
                        struct sockaddr_in6 *a =
                            (struct sockaddr_in6 *)(void *)&ss[i];
                        memcpy(addr, &a->sin6_addr, 16);
                        port = ntohs(a->sin6_port);
                }
                wbuf_u32(w, (uint32_t)i + 1);
                wbuf_put(w, addr, 16);
                wbuf_bytes(w, NULL, 0); /* no public key */
                wbuf_u32(w, 2);
                wbuf_u8(w, SITE_IF_QUERY);
                wbuf_u8(w, SITE_PROTO_TCP);
                wbuf_u32(w, port);
                wbuf_u8(w, SITE_IF_QUERY);
                wbuf_u8(w, SITE_PROTO_UDP);
                wbuf_u32(w, port);
        }
}
