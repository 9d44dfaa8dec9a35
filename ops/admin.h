/*
 * The admin listener: /metrics (Prometheus text), /healthz and /readyz
 * for operators and their monitoring, and the operator dashboard
 * (/ops/, ops/web/) with what it calls: the login and registry routes,
 * on a Redis connection of the admin's own.  Its own thread and its own
 * address (admin_bind, loopback unless configured).
 *
 * Every worker keeps its counters in its own structs, written only by
 * its thread.  A scrape posts a message to each worker, which copies
 * them and posts the copy back; the admin thread sums the copies and
 * answers.  The hot path never takes a lock or an atomic for a counter.
 */
#ifndef OPS_ADMIN_H
#define OPS_ADMIN_H

#include <stddef.h>

struct api;
struct config;
struct jobs;
struct rworker;
struct seal_key;
struct static_dir;
struct stats;
struct worker;

/* What the admin reads of one worker. */
struct admin_source {
        struct worker *w;
        struct rworker *rw;
        struct api *api;
        struct stats *stats;
};

/*
 * What the dashboard serves and calls, borrowed: the pools must stay
 * until after admin_stop (their completions come to the admin's thread).
 */
struct admin_ops {
        const struct static_dir *pages; /* ops/web/ */
        struct jobs *jobs;              /* password hashing (auth) */
        struct jobs *registry;          /* made with api_thread_local */
        const struct seal_key *key;     /* or NULL (auth_new) */
};

struct admin;

/*
 * Listens on admin_bind:admin_port on a thread of its own (not started
 * yet).  `src` (n entries) is copied; the workers must outlive the
 * admin's thread.  Holds a reference to `cfg`.  NULL with the reason in
 * err.
 */
struct admin *admin_new(struct config *cfg, const char *version,
                        const struct admin_source *src, int n,
                        const struct admin_ops *ops, char *err, size_t errlen);
int admin_start(struct admin *a);
/* Joins the admin's thread; its listener stops. */
void admin_stop(struct admin *a);
/* After admin_stop and after the workers stopped: frees everything,
 * scrapes still waiting on a worker included. */
void admin_free(struct admin *a);

#endif
