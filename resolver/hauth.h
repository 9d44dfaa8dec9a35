/*
 * Handle authentication on a TCP connection (protocol.md §5.5, §7.3):
 * challenges (RC 402 + nonce), their answers (OC 200), the IDIS channel
 * login (OC 2001) and the requests that run as an identity (admin ops,
 * resolutions of restricted values), which go to a registry thread
 * (registry/hadmin) and come back here to be answered.
 *
 * A challenge is consumed by the first answer naming its session id,
 * right or wrong, and expires after auth_timeout_s.  Pending challenges
 * are capped per connection and per worker; logins are kept per
 * connection.  UDP never authenticates: SO_REUSEPORT may hand the answer
 * to another worker, and a challenge is an amplifier.
 */
#ifndef RESOLVER_HAUTH_H
#define RESOLVER_HAUTH_H

#include <stddef.h>
#include <stdint.h>

struct hauth_conn;
struct hsrc;
struct rworker;
struct wire_env;
struct wire_msg;

/* Pending challenges one connection and one worker hold at most. */
#define HAUTH_MAX_PENDING_CONN   8
#define HAUTH_MAX_PENDING_WORKER 1024
/* Bytes of requests waiting for an answer, per worker. */
#define HAUTH_MAX_BYTES_WORKER (32u << 20)
/* Identities logged in (2001) on one connection. */
#define HAUTH_MAX_LOGINS_CONN 4

/*
 * A request over TCP that needs an identity (admin op, 2001 login, or a
 * resolution that would return restricted values): run it as the
 * connection's logged-in identity of env->session_id, or challenge.
 * Answers every case itself.
 */
void hauth_request(struct rworker *rw, const struct hsrc *src,
                   const struct wire_env *env, const struct wire_msg *msg);

/* OC_CHALLENGE_RESPONSE (200): the answer to a challenge. */
void hauth_answer(struct rworker *rw, const struct hsrc *src,
                  const struct wire_env *env, const struct wire_msg *msg);

/* OC_VERIFY_RESPONSE (201): checks an HS_SECKEY answer of ours. */
void hauth_verify(struct rworker *rw, const struct hsrc *src,
                  const struct wire_env *env, const struct wire_msg *msg);

/*
 * 1 if the connection has a login for this session id (a resolution
 * then runs as that identity).
 */
int hauth_logged_in(const struct hsrc *src, uint32_t session_id);

/*
 * The connection is closing: its challenges and logins go, its requests
 * on registry threads are detached (their answers dropped).
 */
void hauth_conn_free(struct rworker *rw, struct hauth_conn *a);

#endif
