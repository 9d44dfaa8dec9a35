/*
 * Worker threads: each owns an event_base and a message queue woken by an
 * eventfd (memcached's model).  Other threads never touch a worker's
 * objects; they post a message, which runs on the worker's thread.
 */
#ifndef CORE_WORKER_H
#define CORE_WORKER_H

struct event_base;
struct worker;

typedef void (*worker_fn)(struct worker *w, void *arg);

/* Creates the base and queue; the thread starts with worker_start. */
struct worker *worker_new(int id);
int worker_id(const struct worker *w);
struct event_base *worker_base(struct worker *w);
void worker_set_data(struct worker *w, void *data);
void *worker_data(const struct worker *w);

/* Runs the event loop on a new thread. 0 on success. */
int worker_start(struct worker *w);
/* Queues fn(w, arg) to run on the worker's thread. 0 on success. */
int worker_post(struct worker *w, worker_fn fn, void *arg);
/* Asks the loop to exit and joins the thread. */
void worker_stop(struct worker *w);
/* Frees a stopped (or never started) worker. */
void worker_free(struct worker *w);

#endif
