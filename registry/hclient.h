/*
 * A blocking Handle-protocol client for registry threads: a batch of
 * RESOLUTION queries to other nodes (registry/trace follows links to
 * identifiers they serve), all sent at once and waited for with poll()
 * until they are answered or a deadline passes.
 *
 * Each query goes to its server's UDP query interface, at most
 * HCLIENT_WINDOW at a time per server, again after 500 and 1000 ms (as
 * CNRI clients do).  Over TCP instead when the server offers no UDP,
 * refuses it (ICMP port unreachable), answers that the answer is too
 * large for UDP (RC_ERROR), or left an answer in pieces (fragments lost
 * at a resend).  Nothing else is allocated per datagram; a query's
 * reassembly buffer and its answer are freed with the client.
 */
#ifndef REGISTRY_HCLIENT_H
#define REGISTRY_HCLIENT_H

#include <stddef.h>
#include <stdint.h>

struct hclient;
struct hrec;
struct site;

#define HCLIENT_WINDOW      32  /* UDP queries in flight per server */
#define HCLIENT_MAX_SERVERS 256 /* distinct servers one batch asks */
#define HCLIENT_MAX_TCP     16  /* TCP connections open at once */
/* "ip:port" or "[ipv6]:port", with NUL. */
#define HCLIENT_ADDR_TEXT 56

enum hclient_status { HCLIENT_ANSWERED, HCLIENT_NO_ANSWER };

/* An empty batch, or NULL on no memory.  Freed with hclient_free. */
struct hclient *hclient_new(void);
void hclient_free(struct hclient *h);

/*
 * Queues a resolution of the handle (len bytes, no NUL inside) at the
 * server of site `s` (its UDP and TCP query interfaces).  The query's
 * number (0, 1, ... in order), or -1: no memory, no UDP or TCP query
 * interface, or more than HCLIENT_MAX_SERVERS servers.
 */
int hclient_add(struct hclient *h, const char *handle, size_t len,
                const struct site *s);

/* Sends the queries and waits for their answers until deadline_ms. */
void hclient_run(struct hclient *h, uint64_t deadline_ms);

/*
 * Query i's outcome: HCLIENT_ANSWERED with the response code in *rc,
 * else HCLIENT_NO_ANSWER.  *addr: the server's address that answered
 * (or was asked last), owned by the client.
 */
enum hclient_status hclient_result(const struct hclient *h, size_t i,
                                   uint32_t *rc, const char **addr);
/*
 * The values of query i's RC_SUCCESS answer, handed over to the caller
 * (hrec_free); NULL if there are none or it was taken already.
 */
struct hrec *hclient_take(struct hclient *h, size_t i);

/*
 * Decodes a whole response (envelope and message, fragments joined) to
 * a resolution with request id `rid`: 0 with its response code in *rc
 * and, for RC_SUCCESS, its values in a new record *rec (NULL on no
 * memory); for a referral (RC_SERVICE_REFERRAL, RC_PREFIX_REFERRAL) the
 * values that say where to ask, or NULL if it has none; -1 if it is
 * malformed or not that request's answer.
 */
int hclient_decode(const uint8_t *p, size_t len, uint32_t rid, uint32_t *rc,
                   struct hrec **rec);

#endif
