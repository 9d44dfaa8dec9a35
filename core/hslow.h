/*
 * Request deadlines for an evhttp server: a request must arrive whole
 * within a deadline of its first bytes.  evhttp re-arms its read timeout
 * with every byte, so without this a client sending a byte a second
 * (slowloris) holds its connection until the header limit, for hours.
 *
 * The server owns its hslow (httpd); everything runs on its thread.
 */
#ifndef CORE_HSLOW_H
#define CORE_HSLOW_H

struct bufferevent;
struct event_base;
struct evhttp;
struct evhttp_request;
struct hslow;

/* Makes a connection's bufferevent (evhttp_set_bevcb's callback). */
typedef struct bufferevent *(*hslow_bev_fn)(struct event_base *, void *);

/*
 * Watches every connection `http` accepts from now on: it takes over
 * evhttp_set_bevcb, and makes each bufferevent with make_bev(base, arg)
 * (a TLS one, say), or NULL for a plain socket.  NULL when out of memory.
 */
struct hslow *hslow_new(struct evhttp *http, int deadline_s,
                        hslow_bev_fn make_bev, void *arg);
/*
 * The request arrived whole: its connection's deadline stops.  -1 if
 * `s` does not watch its connection (another server's, or unwatched).
 */
int hslow_done(struct hslow *s, struct evhttp_request *req);
/*
 * Calls fn(arg) when the request's connection closes: evhttp has one
 * close callback per connection, and hslow holds it.  One per
 * connection; -1 (nothing will be called) if `s` does not watch it or
 * it has one already.
 */
int hslow_on_close(struct hslow *s, struct evhttp_request *req,
                   void (*fn)(void *), void *arg);
/* After evhttp_free (which closed every connection). */
void hslow_free(struct hslow *s);

#endif
