/*
 * The admin listener: /metrics (Prometheus text), /healthz and /readyz
 * for operators and their monitoring, on its own thread and its own
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
struct rworker;
struct worker;

/* What the admin reads of one worker. */
struct admin_source {
        struct worker *w;
        struct rworker *rw;
        struct api *api;
};

struct admin;

/*
 * Listens on admin_bind:admin_port on a thread of its own (not started
 * yet).  `src` (n entries) is copied; the workers must outlive the
 * admin's thread.  NULL with the reason in err.
 */
struct admin *admin_new(const struct config *cfg, const char *version,
                        const struct admin_source *src, int n, char *err,
                        size_t errlen);
int admin_start(struct admin *a);
/* Joins the admin's thread; its listener stops. */
void admin_stop(struct admin *a);
/* After admin_stop and after the workers stopped: frees everything,
 * scrapes still waiting on a worker included. */
void admin_free(struct admin *a);

#endif
