#include "core/jobs.h"

#include <pthread.h>
#include <stdlib.h>

#include "core/log.h"
#include "core/worker.h"

struct job {
        struct job *next;
        struct worker *w;
        jobs_work_fn work;
        jobs_done_fn done;
        void *arg;
};

struct jobs {
        pthread_mutex_t lock;
        pthread_cond_t ready;
        struct job *head, *tail;
        size_t queued, max_queued;
        int stopping;
        int nthreads;
        pthread_t *threads;
        struct jobs_local local;
};

/* Runs on the submitting worker's thread. */
static void
jobs_deliver(struct worker *w, void *arg)
{
        struct job *jb = arg;

        jb->done(w, jb->arg);
        free(jb);
}

static void *
jobs_main(void *arg)
{
        struct jobs *j = arg;
        struct job *jb;
        void *local = j->local.init ? j->local.init(j->local.ctx) : NULL;

        for (;;) {
                pthread_mutex_lock(&j->lock);
                while (!j->head && !j->stopping)
                        pthread_cond_wait(&j->ready, &j->lock);
                jb = j->head;
                if (jb) {
                        j->head = jb->next;
                        if (!j->head)
                                j->tail = NULL;
                        j->queued--;
                }
                pthread_mutex_unlock(&j->lock);
                if (!jb)
                        break; /* stopping and drained */
                jb->work(local, jb->arg);
                if (worker_post(jb->w, jobs_deliver, jb) < 0) {
                        /* The worker cannot be told; its arg stays owned. */
                        log_error("jobs_deliver_failed", "action=dropped");
                        free(jb);
                }
        }
        if (local && j->local.fini)
                j->local.fini(local);
        return NULL;
}

struct jobs *
jobs_new(int nthreads, size_t max_queued, const struct jobs_local *local)
{
        struct jobs *j = calloc(1, sizeof(*j));
        int i;

        if (!j)
                return NULL;
        j->threads =
            calloc((size_t)(nthreads > 0 ? nthreads : 1), sizeof(*j->threads));
        if (!j->threads) {
                free(j);
                return NULL;
        }
        pthread_mutex_init(&j->lock, NULL);
        pthread_cond_init(&j->ready, NULL);
        j->max_queued = max_queued;
        if (local)
                j->local = *local;
        for (i = 0; i < nthreads; i++) {
                if (pthread_create(&j->threads[i], NULL, jobs_main, j) != 0)
                        break;
                j->nthreads++;
        }
        if (j->nthreads == 0) {
                jobs_free(j);
                return NULL;
        }
        return j;
}

int
jobs_submit(struct jobs *j, struct worker *w, jobs_work_fn work,
            jobs_done_fn done, void *arg)
{
        struct job *jb = malloc(sizeof(*jb));
        int rc = -1;

        if (!jb)
                return -1;
        jb->next = NULL;
        jb->w = w;
        jb->work = work;
        jb->done = done;
        jb->arg = arg;
        pthread_mutex_lock(&j->lock);
        if (!j->stopping && j->queued < j->max_queued) {
                if (j->tail)
                        j->tail->next = jb;
                else
                        j->head = jb;
                j->tail = jb;
                j->queued++;
                rc = 0;
                pthread_cond_signal(&j->ready);
        }
        pthread_mutex_unlock(&j->lock);
        if (rc < 0)
                free(jb);
        return rc;
}

void
jobs_free(struct jobs *j)
{
        int i;

        if (!j)
                return;
        pthread_mutex_lock(&j->lock);
        j->stopping = 1;
        pthread_cond_broadcast(&j->ready);
        pthread_mutex_unlock(&j->lock);
        for (i = 0; i < j->nthreads; i++)
                pthread_join(j->threads[i], NULL);
        pthread_cond_destroy(&j->ready);
        pthread_mutex_destroy(&j->lock);
        free(j->threads);
        free(j);
}
