#include "certs/tls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certs/sslerr.h"
#include "core/config.h"

/* TLS 1.2's suites: forward secrecy and AEAD only (1.3 has only such). */
#define TLS_CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL"
#define TLS_MAX_CAS 64 /* certificates in tls_ca */

static void
tls_err(char *err, size_t errlen, const char *file, const char *what)
{
        char where[512];

        snprintf(where, sizeof(where), "%s: %s", file, what);
        sslerr_message(err, errlen, where);
}

/* A private key file: regular, and nobody but its owner and group reads it. */
static int
tls_check_key_file(const char *path, char *err, size_t errlen)
{
        struct stat st;

        if (stat(path, &st) < 0) {
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                return -1;
        }
        if (!S_ISREG(st.st_mode) || (st.st_mode & (S_IROTH | S_IWOTH))) {
                snprintf(err, errlen,
                         "%s: a private key must be a file others cannot "
                         "read (chmod 0600)",
                         path);
                return -1;
        }
        return 0;
}

/* In `optional` mode a failed chain is no failed handshake: anonymous. */
static int
tls_verify_optional(int ok, X509_STORE_CTX *x)
{
        (void)ok;
        (void)x;
        return 1;
}

/* The CAs of client certificates, trusted and announced to clients. */
static int
tls_load_cas(SSL_CTX *ctx, const char *path, X509 **cas, int *ncas, char *err,
             size_t errlen)
{
        X509_STORE *st = SSL_CTX_get_cert_store(ctx);
        FILE *fp = fopen(path, "re");
        X509 *x;

        *ncas = 0;
        if (!fp) {
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                return -1;
        }
        while (*ncas < TLS_MAX_CAS &&
               (x = PEM_read_X509(fp, NULL, NULL, NULL))) {
                if (!X509_STORE_add_cert(st, x) ||
                    !SSL_CTX_add_client_CA(ctx, x)) {
                        X509_free(x);
                        break;
                }
                cas[(*ncas)++] = x;
        }
        fclose(fp);
        ERR_clear_error();
        if (*ncas == 0) {
                snprintf(err, errlen, "%s: no certificate", path);
                return -1;
        }
        return 0;
}

/*
 * The CRL, checked now rather than on every handshake: signed by one of
 * the CAs, and not past its next update (which would fail every client).
 */
static int
tls_load_crl(SSL_CTX *ctx, const char *path, X509 **cas, int ncas, char *err,
             size_t errlen)
{
        X509_STORE *st = SSL_CTX_get_cert_store(ctx);
        FILE *fp = fopen(path, "re");
        const ASN1_TIME *next;
        X509_CRL *crl;
        int i, ok = 0;

        if (!fp) {
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                return -1;
        }
        crl = PEM_read_X509_CRL(fp, NULL, NULL, NULL);
        fclose(fp);
        if (!crl) {
                tls_err(err, errlen, path, "not a PEM CRL");
                return -1;
        }
        for (i = 0; i < ncas && !ok; i++)
                ok = X509_NAME_cmp(X509_CRL_get_issuer(crl),
                                   X509_get_subject_name(cas[i])) == 0 &&
                     X509_CRL_verify(crl, X509_get0_pubkey(cas[i])) == 1;
        ERR_clear_error();
        next = X509_CRL_get0_nextUpdate(crl);
        if (!ok)
                snprintf(err, errlen, "%s: not signed by a CA of tls_ca", path);
        else if (next && X509_cmp_current_time(next) <= 0) {
                snprintf(err, errlen, "%s: expired (idctl ca crl)", path);
                ok = 0;
        } else if (!X509_STORE_add_crl(st, crl)) {
                tls_err(err, errlen, path, "cannot use the CRL");
                ok = 0;
        }
        X509_CRL_free(crl);
        if (ok)
                X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK);
        return ok ? 0 : -1;
}

struct ssl_ctx_st *
tls_ctx_new(const struct config *cfg, char *err, size_t errlen)
{
        SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
        X509 *cas[TLS_MAX_CAS];
        int ncas = 0, i, mode;
        const char *auth = cfg->tls_client_auth;

        if (!ctx) {
                tls_err(err, errlen, "tls", "no context");
                return NULL;
        }
        if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
            !SSL_CTX_set_cipher_list(ctx, TLS_CIPHERS)) {
                tls_err(err, errlen, "tls", "cannot set the protocols");
                goto fail;
        }
        SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
                                     SSL_OP_CIPHER_SERVER_PREFERENCE |
                                     SSL_OP_NO_COMPRESSION);
        SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
        /* Resumed sessions with client certificates need one. */
        SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"idnode", 6);
        if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert) != 1) {
                tls_err(err, errlen, cfg->tls_cert, "cannot load");
                goto fail;
        }
        if (tls_check_key_file(cfg->tls_key, err, errlen) < 0)
                goto fail;
        if (SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key, SSL_FILETYPE_PEM) !=
                1 ||
            SSL_CTX_check_private_key(ctx) != 1) {
                tls_err(err, errlen, cfg->tls_key,
                        "not the key of tls_cert, or unreadable");
                goto fail;
        }
        if (strcmp(auth, "none") != 0) {
                if (tls_load_cas(ctx, cfg->tls_ca, cas, &ncas, err, errlen) <
                        0 ||
                    (cfg->tls_crl[0] && tls_load_crl(ctx, cfg->tls_crl, cas,
                                                     ncas, err, errlen) < 0))
                        goto fail;
                mode = SSL_VERIFY_PEER;
                if (strcmp(auth, "require") == 0)
                        SSL_CTX_set_verify(
                            ctx, mode | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
                else
                        SSL_CTX_set_verify(ctx, mode, tls_verify_optional);
                SSL_CTX_set_verify_depth(ctx, 2);
        }
        for (i = 0; i < ncas; i++)
                X509_free(cas[i]);
        return ctx;
fail:
        for (i = 0; i < ncas; i++)
                X509_free(cas[i]);
        SSL_CTX_free(ctx);
        return NULL;
}

void
tls_ctx_ref(struct ssl_ctx_st *ctx)
{
        SSL_CTX_up_ref(ctx);
}

void
tls_ctx_unref(struct ssl_ctx_st *ctx)
{
        SSL_CTX_free(ctx);
}

struct bufferevent *
tls_bev_new(struct event_base *base, struct ssl_ctx_st *ctx)
{
        SSL *ssl = SSL_new(ctx);
        struct bufferevent *bev;

        if (!ssl)
                return NULL;
        bev = bufferevent_openssl_socket_new(
            base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
        if (!bev) {
                SSL_free(ssl);
                return NULL;
        }
        /* Clients that just close (no close_notify) are no error. */
        bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
        return bev;
}

int
tls_peer(struct bufferevent *bev, struct ca_ident *id)
{
        SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
        X509 *cert = ssl ? SSL_get0_peer_certificate(ssl) : NULL;

        memset(id, 0, sizeof(*id));
        /* A failed check leaves its error here even when optional let it pass.
         */
        if (!cert || SSL_get_verify_result(ssl) != X509_V_OK)
                return 0;
        return ca_ident(cert, id) == 0;
}
