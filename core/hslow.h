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

struct evhttp;
struct evhttp_request;
struct hslow;

/* Watches every connection `http` accepts from now on (it takes over
 * evhttp_set_bevcb).  NULL when out of memory. */
struct hslow *hslow_new(struct evhttp *http, int deadline_s);
/* The request arrived whole: its connection's deadline stops. */
void hslow_done(struct hslow *s, struct evhttp_request *req);
/* After evhttp_free (which closed every connection). */
void hslow_free(struct hslow *s);

#endif
