#include "resolver/dns.h"

#include <arpa/nameser.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>
#include <event2/event.h>

#include "core/log.h"

/* Sockets one channel may hold open (a UDP and a TCP one per server). */
#define DNS_MAX_SOCKS 16

struct dns_sock {
        ares_socket_t fd;
        struct event *ev; /* NULL: slot free */
};

struct dns {
        struct event_base *base;
        ares_channel ch;
        struct event *timer;
        int closing;
        struct dns_sock socks[DNS_MAX_SOCKS];
};

/* What one query needs back; owned by c-ares until its callback. */
struct dns_q {
        struct dns *d;
        dns_naptr_cb naptr;
        dns_addr_cb addr;
        void *arg;
};

/*
 * ares_library_init is process-wide and not thread-safe: the one static
 * here makes the first worker to need DNS run it exactly once.
 */
static pthread_once_t dns_once = PTHREAD_ONCE_INIT;
static int dns_lib_status;

static void
dns_lib_init(void)
{
        dns_lib_status = ares_library_init(ARES_LIB_INIT_ALL);
}

static enum dns_status
dns_status_of(int st)
{
        switch (st) {
        case ARES_SUCCESS:
                return DNS_OK;
        case ARES_ENOTFOUND:
                return DNS_NXDOMAIN;
        case ARES_ENODATA:
                return DNS_NODATA;
        case ARES_ETIMEOUT:
                return DNS_TIMEOUT;
        case ARES_EDESTRUCTION:
        case ARES_ECANCELLED:
                return DNS_CANCELLED;
        default:
                return DNS_FAIL;
        }
}

const char *
dns_status_name(enum dns_status st)
{
        static const char *const names[] = {"ok",      "nxdomain", "nodata",
                                            "timeout", "fail",     "cancelled"};

        return (size_t)st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

/* Re-arms the timer at c-ares' next deadline (none: disarmed). */
static void
dns_arm(struct dns *d)
{
        struct timeval tv, *t;

        if (d->closing)
                return;
        t = ares_timeout(d->ch, NULL, &tv);
        if (t)
                evtimer_add(d->timer, t);
        else
                evtimer_del(d->timer);
}

static void
dns_timer_cb(evutil_socket_t fd, short what, void *arg)
{
        struct dns *d = arg;

        (void)fd;
        (void)what;
        ares_process_fd(d->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
        dns_arm(d);
}

static void
dns_io_cb(evutil_socket_t fd, short what, void *arg)
{
        struct dns *d = arg;

        ares_process_fd(d->ch, (what & EV_READ) ? fd : ARES_SOCKET_BAD,
                        (what & EV_WRITE) ? fd : ARES_SOCKET_BAD);
        dns_arm(d);
}

static struct dns_sock *
dns_sock_find(struct dns *d, ares_socket_t fd)
{
        size_t i;

        for (i = 0; i < DNS_MAX_SOCKS; i++)
                if (d->socks[i].ev && d->socks[i].fd == fd)
                        return &d->socks[i];
        return NULL;
}

/* c-ares opens, changes or closes a socket: watch it as it asks. */
static void
dns_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
        struct dns *d = data;
        struct dns_sock *s = dns_sock_find(d, fd);
        short what = (short)((readable ? EV_READ : 0) |
                             (writable ? EV_WRITE : 0) | EV_PERSIST);
        size_t i;

        if (s) {
                event_free(s->ev);
                s->ev = NULL;
        }
        if (!readable && !writable)
                return;
        for (i = 0; i < DNS_MAX_SOCKS && d->socks[i].ev; i++)
                ;
        if (i == DNS_MAX_SOCKS) {
                /* Not watched: its query ends by timeout. */
                log_warn("dns_sockets", "max=%d", DNS_MAX_SOCKS);
                return;
        }
        d->socks[i].fd = fd;
        d->socks[i].ev = event_new(d->base, fd, what, dns_io_cb, d);
        if (d->socks[i].ev && event_add(d->socks[i].ev, NULL) < 0) {
                event_free(d->socks[i].ev);
                d->socks[i].ev = NULL;
        }
}

struct dns *
dns_new(struct event_base *base, const char *servers, int timeout_ms, int tries,
        char *err, size_t errlen)
{
        struct dns *d = calloc(1, sizeof(*d));
        struct ares_options o;
        int st;

        pthread_once(&dns_once, dns_lib_init);
        if (!d || dns_lib_status != ARES_SUCCESS) {
                snprintf(err, errlen, "dns: cannot initialise c-ares");
                free(d);
                return NULL;
        }
        d->base = base;
        memset(&o, 0, sizeof(o));
        o.sock_state_cb = dns_sock_state;
        o.sock_state_cb_data = d;
        o.timeout = timeout_ms;
        o.tries = tries;
        st = ares_init_options(&d->ch, &o,
                               ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS |
                                   ARES_OPT_TRIES);
        if (st != ARES_SUCCESS) {
                snprintf(err, errlen, "dns: %s", ares_strerror(st));
                free(d);
                return NULL;
        }
        if (servers[0] &&
            (st = ares_set_servers_ports_csv(d->ch, servers)) != ARES_SUCCESS) {
                snprintf(err, errlen, "dns_servers \"%s\": %s", servers,
                         ares_strerror(st));
                goto fail;
        }
        d->timer = evtimer_new(base, dns_timer_cb, d);
        if (!d->timer) {
                snprintf(err, errlen, "out of memory");
                goto fail;
        }
        return d;
fail:
        dns_free(d);
        return NULL;
}

void
dns_free(struct dns *d)
{
        size_t i;

        if (!d)
                return;
        /* Every query in flight ends here with ARES_EDESTRUCTION. */
        d->closing = 1;
        ares_destroy(d->ch);
        for (i = 0; i < DNS_MAX_SOCKS; i++)
                if (d->socks[i].ev)
                        event_free(d->socks[i].ev);
        if (d->timer)
                event_free(d->timer);
        free(d);
}

/* Smallest TTL of the answer records of `type`; ~0u if there is none. */
static unsigned
dns_min_ttl(const unsigned char *abuf, int alen, int type)
{
        unsigned ttl = ~0u;
        ns_msg msg;
        ns_rr rr;
        int i;

        if (ns_initparse(abuf, alen, &msg) < 0)
                return ttl;
        for (i = 0; i < ns_msg_count(msg, ns_s_an); i++)
                if (ns_parserr(&msg, ns_s_an, i, &rr) == 0 &&
                    (int)ns_rr_type(rr) == type && ns_rr_ttl(rr) < ttl)
                        ttl = ns_rr_ttl(rr);
        return ttl;
}

static void
dns_naptr_done(void *arg, int status, int timeouts, unsigned char *abuf,
               int alen)
{
        struct dns_q *q = arg;
        struct ares_naptr_reply *list = NULL, *r;
        struct naptr_rec recs[DNS_MAX_NAPTR];
        enum dns_status st = dns_status_of(status);
        unsigned ttl = 0;
        size_t n = 0;

        (void)timeouts;
        if (st == DNS_OK && ares_parse_naptr_reply(abuf, alen, &list) != 0)
                st = DNS_FAIL;
        for (r = list; r && n < DNS_MAX_NAPTR; r = r->next, n++) {
                recs[n].order = r->order;
                recs[n].pref = r->preference;
                recs[n].flags = (const char *)r->flags;
                recs[n].service = (const char *)r->service;
                recs[n].regexp = (const char *)r->regexp;
                recs[n].replacement = r->replacement;
        }
        if (st == DNS_OK && n == 0)
                st = DNS_NODATA;
        if (st == DNS_OK) {
                naptr_sort(recs, n);
                ttl = dns_min_ttl(abuf, alen, ns_t_naptr);
        }
        q->naptr(q->arg, st, recs, n, ttl == ~0u ? 0 : ttl);
        if (list)
                ares_free_data(list);
        free(q);
}

int
dns_naptr(struct dns *d, const char *name, dns_naptr_cb cb, void *arg)
{
        struct dns_q *q;

        if (d->closing || !(q = calloc(1, sizeof(*q))))
                return -1;
        q->d = d;
        q->naptr = cb;
        q->arg = arg;
        ares_query(d->ch, name, ns_c_in, ns_t_naptr, dns_naptr_done, q);
        dns_arm(d);
        return 0;
}

static void
dns_addr_done(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
        struct dns_q *q = arg;
        struct sockaddr_storage addrs[DNS_MAX_ADDRS] = {0};
        enum dns_status st = dns_status_of(status);
        struct ares_addrinfo_node *a;
        unsigned ttl = ~0u;
        size_t n = 0;

        (void)timeouts;
        for (a = res ? res->nodes : NULL; a && n < DNS_MAX_ADDRS;
             a = a->ai_next) {
                if ((a->ai_family != AF_INET && a->ai_family != AF_INET6) ||
                    a->ai_addrlen > sizeof(addrs[0]))
                        continue;
                memset(&addrs[n], 0, sizeof(addrs[n]));
                memcpy(&addrs[n], a->ai_addr, a->ai_addrlen);
                if (a->ai_ttl >= 0 && (unsigned)a->ai_ttl < ttl)
                        ttl = (unsigned)a->ai_ttl;
                n++;
        }
        if (st == DNS_OK && n == 0)
                st = DNS_NODATA;
        q->addr(q->arg, st, addrs, st == DNS_OK ? n : 0, ttl == ~0u ? 0 : ttl);
        if (res)
                ares_freeaddrinfo(res);
        free(q);
}

int
dns_addr(struct dns *d, const char *host, int port, dns_addr_cb cb, void *arg)
{
        struct ares_addrinfo_hints hints;
        struct dns_q *q;
        char service[8];

        if (d->closing || !(q = calloc(1, sizeof(*q))))
                return -1;
        q->d = d;
        q->addr = cb;
        q->arg = arg;
        snprintf(service, sizeof(service), "%d", port);
        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_DGRAM;
        hints.ai_flags = ARES_AI_NUMERICSERV;
        ares_getaddrinfo(d->ch, host, service, &hints, dns_addr_done, q);
        dns_arm(d);
        return 0;
}
