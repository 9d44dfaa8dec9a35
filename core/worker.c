#include "core/worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/log.h"

struct wmsg {
        struct wmsg *next;
        worker_fn fn;
        void *arg;
};

struct worker {
        int id;
        struct event_base *base;
        struct event *notify;
        int efd;
        pthread_t thread;
        int started;
        pthread_mutex_t lock; /* guards the queue only */
        struct wmsg *head, *tail;
        void *data;
};

static void
worker_notify_cb(evutil_socket_t fd, short what, void *arg)
{
        struct worker *w = arg;
        struct wmsg *m, *next;
        uint64_t n;

        (void)what;
        if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
                log_warn("worker_notify", "id=%d error=read", w->id);
        pthread_mutex_lock(&w->lock);
        m = w->head;
        w->head = w->tail = NULL;
        pthread_mutex_unlock(&w->lock);
        for (; m; m = next) {
                next = m->next;
                m->fn(w, m->arg);
                free(m);
        }
}

struct worker *
worker_new(int id)
{
        struct worker *w = calloc(1, sizeof(*w));
        struct event_config *cfg;

        if (!w)
                return NULL;
        w->id = id;
        w->efd = -1;
        pthread_mutex_init(&w->lock, NULL);
        cfg = event_config_new();
        if (!cfg)
                goto fail;
        /* The base belongs to one thread: libevent's locks are not needed. */
        event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
        /*
         * evhttp turns reading off and on around every request; the
         * changelist folds that into one epoll_ctl per loop turn, or none.
         */
        event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
        w->base = event_base_new_with_config(cfg);
        event_config_free(cfg);
        if (!w->base)
                goto fail;
        w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (w->efd < 0)
                goto fail;
        w->notify = event_new(w->base, w->efd, EV_READ | EV_PERSIST,
                              worker_notify_cb, w);
        if (!w->notify || event_add(w->notify, NULL) < 0)
                goto fail;
        return w;
fail:
        worker_free(w);
        return NULL;
}

int
worker_id(const struct worker *w)
{
        return w->id;
}

struct event_base *
worker_base(struct worker *w)
{
        return w->base;
}

void
worker_set_data(struct worker *w, void *data)
{
        w->data = data;
}

void *
worker_data(const struct worker *w)
{
        return w->data;
}

static void *
worker_main(void *arg)
{
        struct worker *w = arg;

        event_base_dispatch(w->base);
        return NULL;
}

int
worker_start(struct worker *w)
{
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
                return -1;
        w->started = 1;
        return 0;
}

int
worker_post(struct worker *w, worker_fn fn, void *arg)
{
        struct wmsg *m = malloc(sizeof(*m));
        uint64_t one = 1;

        if (!m)
                return -1;
        m->next = NULL;
        m->fn = fn;
        m->arg = arg;
        pthread_mutex_lock(&w->lock);
        if (w->tail)
                w->tail->next = m;
        else
                w->head = m;
        w->tail = m;
        pthread_mutex_unlock(&w->lock);
        if (write(w->efd, &one, sizeof(one)) < 0)
                return -1;
        return 0;
}

static void
worker_exit_fn(struct worker *w, void *arg)
{
        (void)arg;
        event_base_loopexit(w->base, NULL);
}

void
worker_stop(struct worker *w)
{
        if (!w->started)
                return;
        if (worker_post(w, worker_exit_fn, NULL) == 0)
                pthread_join(w->thread, NULL);
        w->started = 0;
}

void
worker_free(struct worker *w)
{
        struct wmsg *m, *next;

        if (!w)
                return;
        worker_stop(w);
        for (m = w->head; m; m = next) {
                next = m->next;
                free(m);
        }
        if (w->notify)
                event_free(w->notify);
        if (w->efd >= 0)
                close(w->efd);
        if (w->base)
                event_base_free(w->base);
        pthread_mutex_destroy(&w->lock);
        free(w);
}
