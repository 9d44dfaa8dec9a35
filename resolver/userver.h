/*
 * Where upstream queries go (resolver/upstream): the candidate servers
 * of one query, and each server's health as one worker saw it.
 *
 * Candidates are the configured top-level servers, or the servers of
 * the sites in HS_SITE values: primary sites before mirrors, in each
 * site the server the handle hashes to (core/usite).  A server that
 * failed has its score halved and is passed over for USERVER_DEAD_MS
 * while another candidate is left.
 */
#ifndef RESOLVER_USERVER_H
#define RESOLVER_USERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/cur.h"
#include "resolver/upstream.h"

#define USERVER_MAX_CAND  8    /* servers one query may try */
#define USERVER_MAX_SITES 4    /* HS_SITE values of one answer used */
#define USERVER_DEAD_MS   5000 /* a server that failed is skipped this long */

struct hrec;
struct userver;

/* A server's UDP and TCP query interfaces (len 0: not offered). */
struct ucand {
        struct sockaddr_storage udp, tcp;
        socklen_t udplen, tcplen;
};

/* A worker's health table; NULL on no memory. */
struct userver *userver_new(void);
void userver_free(struct userver *u);
/* The servers of `upstream` (config syntax), UDP and TCP on one port. */
unsigned userver_roots(const char *upstream,
                       struct ucand out[USERVER_MAX_CAND]);
/*
 * The servers of the sites in rec's values of type t1 or t2 (t2 may be
 * NULL) for handle `name`.  The number of candidates.
 */
unsigned userver_sites(const struct hrec *rec, const char *t1, const char *t2,
                       const char *name, size_t len,
                       struct ucand out[USERVER_MAX_CAND]);
/* Records an answer (ok 1) or a failure of candidate c. */
void userver_mark(struct userver *u, const struct ucand *c, int ok);
/* 1 if c failed less than USERVER_DEAD_MS ago. */
int userver_dead(struct userver *u, const struct ucand *c);
/* Copies the table out; returns the number of servers. */
size_t userver_stats(const struct userver *u,
                     struct upstream_server out[UPSTREAM_MAX_SERVERS]);
/* An HS_SITE record listing the servers of `upstream` (query interfaces). */
void userver_roots_site(const char *upstream, struct wbuf *w);

#endif
