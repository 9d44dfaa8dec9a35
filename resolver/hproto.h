/*
 * Handle protocol requests, whatever transport they came on: decoding,
 * dispatch through the opcode table, and answers.  The transport gives
 * a complete message (envelope included) and a way to send replies.
 */
#ifndef RESOLVER_HPROTO_H
#define RESOLVER_HPROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct rworker;
struct tconn;
struct hreq;

enum hsrc_kind { HSRC_UDP, HSRC_TCP };

/* Where a request came from and its reply goes. */
struct hsrc {
        enum hsrc_kind kind;
        struct tconn *conn; /* TCP; NULL once the connection is gone */
        struct sockaddr_storage addr; /* UDP peer */
        socklen_t addrlen;
        uint64_t received_us; /* clock_us() when the request arrived */
};

/* Handles one message (envelope + message, `len` bytes) from src. */
void hproto_input(struct rworker *rw, const struct hsrc *src,
                  const uint8_t *buf, size_t len);

/*
 * A TCP connection closing: its requests still waiting on Redis are
 * detached (their answers dropped), never freed here.
 */
void hproto_detach(struct hreq *list);

#endif
