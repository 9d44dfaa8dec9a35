#include "core/hslow.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "core/log.h"

/*
 * One per connection: made when evhttp asks for the connection's
 * bufferevent, tied to the connection's close callback on the next loop
 * turn (evhttp makes the connection only after asking), or earlier if
 * its first request comes first; freed by that callback.
 */
struct hslow_conn {
        struct hslow *s;
        struct bufferevent *bev;
        struct event *setup;      /* once, when the connection exists */
        struct event *deadline;   /* pending while a request is arriving */
        int fd;                   /* -1 until set up */
        void (*on_close)(void *); /* hslow_on_close */
        void *on_close_arg;
        struct hslow_conn *prev, *next; /* in s->pending until set up */
};

struct hslow {
        struct timeval deadline;
        struct hslow_conn *pending; /* made, not set up yet */
        hslow_bev_fn make_bev;      /* NULL: a plain socket bufferevent */
        void *make_arg;
        struct hslow_conn **by_fd; /* set-up connections, for hslow_done */
        size_t nfd;
};

static void
hslow_unlink(struct hslow_conn *c)
{
        if (c->prev)
                c->prev->next = c->next;
        else if (c->s->pending == c)
                c->s->pending = c->next;
        if (c->next)
                c->next->prev = c->prev;
        c->prev = c->next = NULL;
}

static void
hslow_conn_free(struct hslow_conn *c)
{
        hslow_unlink(c);
        if (c->fd >= 0 && c->s->by_fd[c->fd] == c)
                c->s->by_fd[c->fd] = NULL;
        event_free(c->setup);
        event_free(c->deadline);
        free(c);
}

/* Bytes arrived: the deadline runs from the first of a request. */
static void
hslow_input_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
               void *arg)
{
        struct hslow_conn *c = arg;

        (void)buf;
        if (info->n_added > 0 && !evtimer_pending(c->deadline, NULL))
                evtimer_add(c->deadline, &c->s->deadline);
}

/* evhttp is freeing the connection (its bufferevent still exists). */
static void
hslow_closed_cb(struct evhttp_connection *evcon, void *arg)
{
        struct hslow_conn *c = arg;

        (void)evcon;
        evbuffer_remove_cb(bufferevent_get_input(c->bev), hslow_input_cb, c);
        if (c->on_close)
                c->on_close(c->on_close_arg);
        hslow_conn_free(c);
}

static void
hslow_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
        struct hslow_conn *c = arg;

        (void)fd;
        (void)what;
        /* Not reading: the request is being answered, not trickling in. */
        if (c->fd < 0 || !(bufferevent_get_enabled(c->bev) & EV_READ))
                return;
        log_debug("http_close", "reason=slow_request");
        /* What evhttp's own read timeout does: it frees the connection,
         * and `c` with it (hslow_closed_cb). */
        bufferevent_trigger_event(c->bev, BEV_EVENT_READING | BEV_EVENT_TIMEOUT,
                                  0);
}

/* Room in by_fd for `fd`; -1 when out of memory. */
static int
hslow_room(struct hslow *s, int fd)
{
        size_t n = s->nfd ? s->nfd : 64;
        struct hslow_conn **p;

        if ((size_t)fd < s->nfd)
                return 0;
        while (n <= (size_t)fd)
                n *= 2;
        if (!(p = realloc(s->by_fd, n * sizeof(*p))))
                return -1;
        memset(p + s->nfd, 0, (n - s->nfd) * sizeof(*p));
        s->by_fd = p;
        s->nfd = n;
        return 0;
}

/* The connection exists: watch it by fd and hold its close callback. */
static void
hslow_attach(struct hslow_conn *c, struct evhttp_connection *evcon, int fd)
{
        hslow_unlink(c);
        c->fd = fd;
        c->s->by_fd[fd] = c;
        evhttp_connection_set_closecb(evcon, hslow_closed_cb, c);
}

static void
hslow_setup_cb(evutil_socket_t unused, short what, void *arg)
{
        struct hslow_conn *c = arg;
        struct bufferevent *bev = c->bev;
        bufferevent_data_cb readcb;
        void *evcon;
        int fd = bufferevent_getfd(bev);

        (void)unused;
        (void)what;
        bufferevent_getcb(bev, &readcb, NULL, NULL, &evcon);
        /* No read callback: evhttp freed the connection already. */
        if (!readcb || !evcon || fd < 0 || hslow_room(c->s, fd) < 0) {
                evbuffer_remove_cb(bufferevent_get_input(bev), hslow_input_cb,
                                   c);
                hslow_conn_free(c);
        } else {
                hslow_attach(c, evcon, fd);
        }
        bufferevent_decref(bev); /* taken in hslow_bev_cb */
}

/* evhttp asks for a new connection's bufferevent: the one the server's
 * maker makes (or the one evhttp would make itself), watched. */
static struct bufferevent *
hslow_bev_cb(struct event_base *base, void *arg)
{
        static const struct timeval now = {0, 0};
        struct hslow *s = arg;
        struct bufferevent *bev =
            s->make_bev
                ? s->make_bev(base, s->make_arg)
                : bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
        struct hslow_conn *c = bev ? calloc(1, sizeof(*c)) : NULL;

        if (!c)
                return bev; /* unwatched, rather than refused */
        c->s = s;
        c->bev = bev;
        c->fd = -1;
        c->setup = evtimer_new(base, hslow_setup_cb, c);
        c->deadline = evtimer_new(base, hslow_deadline_cb, c);
        if (!c->setup || !c->deadline ||
            !evbuffer_add_cb(bufferevent_get_input(bev), hslow_input_cb, c)) {
                if (c->setup)
                        event_free(c->setup);
                if (c->deadline)
                        event_free(c->deadline);
                free(c);
                return bev;
        }
        /* evhttp may free it before the setup runs (out of memory). */
        bufferevent_incref(bev);
        evtimer_add(c->setup, &now);
        if ((c->next = s->pending))
                c->next->prev = c;
        s->pending = c;
        return bev;
}

struct hslow *
hslow_new(struct evhttp *http, int deadline_s, hslow_bev_fn make_bev, void *arg)
{
        struct hslow *s = calloc(1, sizeof(*s));

        if (!s)
                return NULL;
        s->deadline.tv_sec = deadline_s;
        s->make_bev = make_bev;
        s->make_arg = arg;
        evhttp_set_bevcb(http, hslow_bev_cb, s);
        return s;
}

/*
 * The watched connection of a request, or NULL.  A request may come
 * before the setup timer ran: the connection is then set up here.
 */
static struct hslow_conn *
hslow_conn_of(struct hslow *s, struct evhttp_request *req)
{
        struct evhttp_connection *evcon = evhttp_request_get_connection(req);
        struct bufferevent *bev;
        struct hslow_conn *c;
        int fd;

        if (!evcon)
                return NULL;
        bev = evhttp_connection_get_bufferevent(evcon);
        fd = bufferevent_getfd(bev);
        if (fd < 0)
                return NULL;
        if ((size_t)fd < s->nfd && (c = s->by_fd[fd]) && c->bev == bev)
                return c;
        for (c = s->pending; c && c->bev != bev; c = c->next)
                ;
        if (!c || hslow_room(s, fd) < 0)
                return NULL;
        evtimer_del(c->setup);
        hslow_attach(c, evcon, fd);
        bufferevent_decref(bev); /* the setup timer's, which will not run */
        return c;
}

int
hslow_done(struct hslow *s, struct evhttp_request *req)
{
        struct hslow_conn *c = hslow_conn_of(s, req);

        if (!c)
                return -1;
        evtimer_del(c->deadline);
        return 0;
}

int
hslow_on_close(struct hslow *s, struct evhttp_request *req, void (*fn)(void *),
               void *arg)
{
        struct hslow_conn *c = hslow_conn_of(s, req);

        if (!c || c->on_close)
                return -1;
        c->on_close = fn;
        c->on_close_arg = arg;
        return 0;
}

void
hslow_free(struct hslow *s)
{
        if (!s)
                return;
        free(s->by_fd);
        free(s);
}
