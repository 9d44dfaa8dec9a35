/*
 * A pool of threads for work that must not run on an event loop: slow
 * password hashing, signatures, large validations.  A job's `work` runs
 * on a pool thread; its `done` then runs on the thread of the worker
 * that submitted it, through that worker's queue (core/worker.h), so a
 * worker's objects are still touched only by their own thread.
 *
 * The job's argument is owned by the caller throughout: `work` may
 * write into it, `done` receives it back and frees it if it must.
 */
#ifndef CORE_JOBS_H
#define CORE_JOBS_H

#include <stddef.h>

struct worker;
struct jobs;

/* `local` is the running thread's state (see jobs_local), or NULL. */
typedef void (*jobs_work_fn)(void *local, void *arg);
typedef void (*jobs_done_fn)(struct worker *w, void *arg);

/*
 * State each pool thread owns for its whole life (a blocking Redis
 * connection, say): `init` runs on the thread when it starts, `fini`
 * when it stops; both get `ctx`.  `init` may return NULL: the thread
 * then runs its jobs with a NULL local.
 */
struct jobs_local {
        void *(*init)(void *ctx);
        void (*fini)(void *local);
        void *ctx;
};

/*
 * Starts `nthreads` threads; at most `max_queued` jobs wait at once.
 * `local` (copied) may be NULL.
 */
struct jobs *jobs_new(int nthreads, size_t max_queued,
                      const struct jobs_local *local);
/*
 * Queues a job.  Returns 0, or -1 if the queue is full or the pool is
 * stopping (then neither callback runs: answer "busy").
 */
int jobs_submit(struct jobs *j, struct worker *w, jobs_work_fn work,
                jobs_done_fn done, void *arg);
/*
 * Stops the threads after the jobs already queued have run (their
 * `done` messages are posted), joins them and frees the pool.
 */
void jobs_free(struct jobs *j);

#endif
