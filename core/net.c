#include "core/net.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/log.h"

static int
net_addr(const char *what, const char *host, int port, int socktype,
         struct addrinfo **ai, char *err, size_t errlen)
{
        struct addrinfo hints;
        char ps[16];
        int rc;

        memset(&hints, 0, sizeof(hints));
        hints.ai_socktype = socktype;
        hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
        snprintf(ps, sizeof(ps), "%d", port);
        rc = getaddrinfo(host, ps, &hints, ai);
        if (rc != 0) {
                snprintf(err, errlen, "%s %s:%d: %s", what, host, port,
                         gai_strerror(rc));
                return -1;
        }
        return 0;
}

static void
net_resume_cb(evutil_socket_t fd, short what, void *arg)
{
        (void)fd;
        (void)what;
        evconnlistener_enable(arg);
}

static void
net_accept_error_cb(struct evconnlistener *lis, void *arg)
{
        struct timeval tv = {0, 100000};
        int err = EVUTIL_SOCKET_ERROR();

        (void)arg;
        log_warn("accept_failed", "error=\"%s\" action=pause_100ms",
                 evutil_socket_error_to_string(err));
        /* Out of descriptors: stop accepting for a moment, do not spin. */
        evconnlistener_disable(lis);
        event_base_once(evconnlistener_get_base(lis), -1, EV_TIMEOUT,
                        net_resume_cb, lis, &tv);
}

struct evconnlistener *
net_listen_tcp(struct event_base *base, const char *what, const char *host,
               int port, evconnlistener_cb cb, void *arg, char *err,
               size_t errlen)
{
        struct evconnlistener *lis;
        struct addrinfo *ai;

        if (net_addr(what, host, port, SOCK_STREAM, &ai, err, errlen) < 0)
                return NULL;
        lis = evconnlistener_new_bind(
            base, cb, arg,
            LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT | LEV_OPT_CLOSE_ON_FREE |
                LEV_OPT_CLOSE_ON_EXEC,
            1024, ai->ai_addr, (int)ai->ai_addrlen);
        freeaddrinfo(ai);
        if (!lis) {
                snprintf(err, errlen, "%s %s:%d: %s", what, host, port,
                         strerror(errno));
                return NULL;
        }
        evconnlistener_set_error_cb(lis, net_accept_error_cb);
        return lis;
}

int
net_bind_udp(const char *what, const char *host, int port, char *err,
             size_t errlen)
{
        struct addrinfo *ai;
        int fd, one = 1;

        if (net_addr(what, host, port, SOCK_DGRAM, &ai, err, errlen) < 0)
                return -1;
        fd =
            socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0 ||
            setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
            bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
                snprintf(err, errlen, "%s %s:%d: %s", what, host, port,
                         strerror(errno));
                if (fd >= 0)
                        close(fd);
                fd = -1;
        }
        freeaddrinfo(ai);
        return fd;
}
