#include "resolver/peername.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "core/log.h"
#include "resolver/dns.h"

/* Bounds on the time between lookups of one name, in seconds. */
#define PEERNAME_MIN_TTL 1
#define PEERNAME_MAX_TTL 3600
/* After a failed lookup. */
#define PEERNAME_RETRY_S  5
#define PEERNAME_HOST_MAX 253

struct peer {
        struct peername *pn;
        char name[PEERNAME_HOST_MAX + 8]; /* host:port */
        char host[PEERNAME_HOST_MAX + 1];
        int port;
        struct event *timer;
        int inflight; /* a lookup is owned by c-ares */
        int literal;  /* an IP address: looked up once, never again */
        struct sockaddr_storage addrs[DNS_MAX_ADDRS];
        size_t naddrs;
};

struct peername {
        struct dns *dns;
        struct peer peers[PEERNAME_MAX];
        size_t n;
};

static void peername_lookup(struct peer *p);

static void
peername_text(const struct sockaddr_storage *a, char *out, size_t outsz)
{
        char ip[INET6_ADDRSTRLEN] = "?";
        int port = 0;

        if (a->ss_family == AF_INET) {
                const struct sockaddr_in *s = (const void *)a;

                inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip));
                port = ntohs(s->sin_port);
                snprintf(out, outsz, "%s:%d", ip, port);
        } else {
                const struct sockaddr_in6 *s = (const void *)a;

                inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip));
                port = ntohs(s->sin6_port);
                snprintf(out, outsz, "[%s]:%d", ip, port);
        }
}

static void
peername_again(struct peer *p, unsigned s)
{
        struct timeval tv = {(time_t)s, 0};

        evtimer_add(p->timer, &tv);
}

static void
peername_done(void *arg, enum dns_status st,
              const struct sockaddr_storage *addrs, size_t n, unsigned ttl)
{
        struct peer *p = arg;
        char list[DNS_MAX_ADDRS * 56], one[56];
        size_t i, len = 0;

        p->inflight = 0;
        if (st == DNS_CANCELLED)
                return; /* the worker is stopping */
        if (st != DNS_OK) {
                log_warn("peer_unresolved", "peer=%s status=%s kept=%zu",
                         p->name, dns_status_name(st), p->naddrs);
                peername_again(p, PEERNAME_RETRY_S);
                return;
        }
        list[0] = '\0';
        for (i = 0; i < n; i++) {
                peername_text(&addrs[i], one, sizeof(one));
                len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
                                        i ? "," : "", one);
        }
        memcpy(p->addrs, addrs, n * sizeof(addrs[0]));
        p->naddrs = n;
        if (ttl < PEERNAME_MIN_TTL)
                ttl = PEERNAME_MIN_TTL;
        if (ttl > PEERNAME_MAX_TTL)
                ttl = PEERNAME_MAX_TTL;
        log_info("peer_resolved", "peer=%s addrs=%s ttl=%u", p->name, list,
                 ttl);
        if (!p->literal)
                peername_again(p, ttl);
}

static void
peername_lookup(struct peer *p)
{
        if (p->inflight)
                return;
        p->inflight = 1;
        if (dns_addr(p->pn->dns, p->host, p->port, peername_done, p) < 0) {
                p->inflight = 0;
                peername_again(p, PEERNAME_RETRY_S);
        }
}

static void
peername_timer_cb(evutil_socket_t fd, short what, void *arg)
{
        (void)fd;
        (void)what;
        peername_lookup(arg);
}

/* One "host:port" of `len` bytes into p.  -1 if malformed. */
static int
peername_parse(const char *s, size_t len, struct peer *p)
{
        const char *colon = NULL;
        struct in6_addr a6;
        size_t i, hlen;
        long port = 0;

        for (i = 0; i < len; i++)
                if (s[i] == ':')
                        colon = s + i;
        if (!colon || colon == s)
                return -1;
        hlen = (size_t)(colon - s);
        if (hlen > PEERNAME_HOST_MAX || len - hlen < 2 || len - hlen > 6)
                return -1;
        for (i = 0; i < hlen; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') ||
                      (s[i] >= 'A' && s[i] <= 'Z') ||
                      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
                      s[i] == '.' || s[i] == '_'))
                        return -1;
        for (i = hlen + 1; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                port = port * 10 + (s[i] - '0');
        }
        if (port < 1 || port > 65535)
                return -1;
        memcpy(p->host, s, hlen);
        p->host[hlen] = '\0';
        p->literal = inet_pton(AF_INET, p->host, &a6) == 1 ||
                     inet_pton(AF_INET6, p->host, &a6) == 1;
        memcpy(p->name, s, len);
        p->name[len] = '\0';
        p->port = (int)port;
        return 0;
}

struct peername *
peername_new(struct event_base *base, struct dns *d, const char *list,
             char *err, size_t errlen)
{
        struct peername *pn = calloc(1, sizeof(*pn));
        const char *s = list;
        size_t i, len;

        if (!pn) {
                snprintf(err, errlen, "out of memory");
                return NULL;
        }
        pn->dns = d;
        while (*s) {
                len = strcspn(s, ",");
                if (pn->n == PEERNAME_MAX ||
                    peername_parse(s, len, &pn->peers[pn->n]) < 0) {
                        snprintf(err, errlen,
                                 "peer_names: expected at most %d "
                                 "host:port, comma-separated",
                                 PEERNAME_MAX);
                        goto fail;
                }
                pn->peers[pn->n].pn = pn;
                pn->peers[pn->n].timer =
                    evtimer_new(base, peername_timer_cb, &pn->peers[pn->n]);
                if (!pn->peers[pn->n++].timer) {
                        snprintf(err, errlen, "out of memory");
                        goto fail;
                }
                s += len + (s[len] == ',');
        }
        for (i = 0; i < pn->n; i++)
                peername_lookup(&pn->peers[i]);
        return pn;
fail:
        peername_free(pn);
        return NULL;
}

void
peername_free(struct peername *pn)
{
        size_t i;

        if (!pn)
                return;
        for (i = 0; i < pn->n; i++)
                if (pn->peers[i].timer)
                        event_free(pn->peers[i].timer);
        free(pn);
}

size_t
peername_count(const struct peername *pn)
{
        return pn ? pn->n : 0;
}

const char *
peername_name(const struct peername *pn, size_t i)
{
        return i < pn->n ? pn->peers[i].name : NULL;
}

size_t
peername_addrs(const struct peername *pn, size_t i,
               struct sockaddr_storage *out, size_t max)
{
        const struct peer *p;
        size_t n;

        if (!pn || i >= pn->n)
                return 0;
        p = &pn->peers[i];
        n = p->naddrs < max ? p->naddrs : max;
        memcpy(out, p->addrs, n * sizeof(out[0]));
        return n;
}
