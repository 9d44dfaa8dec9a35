/*
 * TLS for the HTTPS listener: the SSL_CTX built from the config's files
 * (tls_cert, tls_key, tls_ca, tls_crl, tls_client_auth), the
 * bufferevents of accepted connections, and the identity a client
 * certificate proves.
 *
 * A context is reference-counted (OpenSSL's own count): the node holds
 * one, each worker takes its own reference, and every connection keeps
 * the context it was accepted with, so a reload (a new context) never
 * touches a connection that is open.  Building a context reads files:
 * not for event loops.
 */
#ifndef CERTS_TLS_H
#define CERTS_TLS_H

#include <stddef.h>

#include "certs/ca.h"

struct bufferevent;
struct config;
struct event_base;
struct ssl_ctx_st;

/*
 * A new context (one reference) from cfg's tls_* files: TLS 1.2 and
 * 1.3 only, ECDHE with AEAD ciphers, client certificates per
 * tls_client_auth checked against tls_ca and, when set, tls_crl.
 * Refuses a key file that others may read.  NULL with the reason in err.
 */
struct ssl_ctx_st *tls_ctx_new(const struct config *cfg, char *err,
                               size_t errlen);
/* Another reference; drop each with tls_ctx_unref (NULL is fine). */
void tls_ctx_ref(struct ssl_ctx_st *ctx);
void tls_ctx_unref(struct ssl_ctx_st *ctx);

/*
 * The bufferevent of a connection to accept with ctx (for evhttp's
 * bevcb: its socket is set later).  The connection holds its own
 * reference to ctx.  NULL on failure.
 */
struct bufferevent *tls_bev_new(struct event_base *base,
                                struct ssl_ctx_st *ctx);

/*
 * The account a connection's client certificate names, if the
 * connection is TLS and its peer sent a certificate whose chain,
 * purpose and revocation status verified.  1 with *id filled, else 0
 * (id->kind CA_NONE): a plain connection, no certificate, a failed
 * verification (tls_client_auth optional), or a subject naming no
 * account.
 */
int tls_peer(struct bufferevent *bev, struct ca_ident *id);

#endif
