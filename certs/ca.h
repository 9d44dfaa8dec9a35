/*
 * The node's PKI (docs/operations.md, "TLS"): a CA directory holding the
 * node CA's key and certificate, the node's own key, the certificates it
 * issued for servers and for accounts, the serials it revoked and the
 * CRL built from them.  Everything with OpenSSL's API; for tools (idctl
 * ca), never for an event loop.
 *
 *   DIR/ca.key   ca.pem     the CA (EC P-256, or RSA 3072)
 *   DIR/node.key            the node's own key (HS_SITE, config node_key)
 *   DIR/NAME.key NAME.pem   an issued certificate and its key
 *   DIR/revoked             one "SERIAL UNIXTIME" line per revocation
 *   DIR/crl.pem             the CRL (config tls_crl)
 *
 * Private keys are created 0600 (O_EXCL: never replaced, never readable
 * by others even for a moment).  Serials are 128 random bits.
 *
 * A client certificate names an account: subject CN = the account name,
 * organizationIdentifier (2.5.4.97) = "USCC:" + the enterprise's USCC
 * for an enterprise account, or "PLATFORM:" + the key id for a platform
 * account (whose name is its key id).  ca_ident reads that back.
 */
#ifndef CERTS_CA_H
#define CERTS_CA_H

#include <stddef.h>
#include <stdint.h>

struct x509_st;

#define CA_SERIAL_HEX   41 /* 20 bytes as hex, and NUL */
#define CA_NAME_MAX     50 /* an account name (registry/users) */
#define CA_MAX_SAN      16 /* --dns and --ip entries of one certificate */
#define CA_ID_USCC      "USCC:"
#define CA_ID_PLATFORM  "PLATFORM:"
#define CA_DEFAULT_DAYS 365

enum ca_kind {
        CA_NONE = 0,
        CA_SERVER,
        CA_ENTERPRISE, /* a client certificate of an enterprise account */
        CA_PLATFORM,   /* a client certificate of a platform account */
};

struct ca_request {
        enum ca_kind kind;
        const char *name; /* server: CN and first DNS name; client: account */
        const char *id;   /* CA_ENTERPRISE: USCC; CA_PLATFORM: key id */
        const char *dns[CA_MAX_SAN];
        size_t ndns;
        const char *ip[CA_MAX_SAN];
        size_t nip;
        int days; /* validity; 0: CA_DEFAULT_DAYS */
};

/* The account a verified client certificate names. */
struct ca_ident {
        enum ca_kind kind; /* CA_NONE: no identity */
        char name[CA_NAME_MAX + 1];
        char id[CA_NAME_MAX + 1]; /* USCC (upper case) or key id */
};

/*
 * Creates DIR (0700 if missing) with a new CA and node key.  `rsa`: RSA
 * 3072 instead of EC P-256.  Refuses a directory that already has a CA.
 * 0, or -1 with the reason in err.
 */
int ca_init(const char *dir, int rsa, char *err, size_t errlen);

/*
 * Issues DIR/NAME.pem with a new key DIR/NAME.key (the key type of the
 * CA), signed by the CA of DIR.  Its serial, as hex, into `serial`.  0,
 * or -1 with the reason in err (files are left alone then).
 */
int ca_issue(const char *dir, const struct ca_request *r,
             char serial[CA_SERIAL_HEX], char *err, size_t errlen);

/*
 * Records `what` (a serial in hex, or a certificate file issued by this
 * CA) as revoked, then rewrites the CRL (ca_crl).  Its serial into
 * `serial`.  0, or -1 with the reason in err.
 */
int ca_revoke(const char *dir, const char *what, char serial[CA_SERIAL_HEX],
              char *err, size_t errlen);

/*
 * Writes DIR/crl.pem (atomically: a reader sees the old or the new one)
 * listing every revoked serial, valid for `days`.  Run it again before
 * then: a CRL past its next update fails every client certificate.
 */
int ca_crl(const char *dir, int days, char *err, size_t errlen);

/*
 * The identity of a client certificate (checked by the caller: chain,
 * revocation, purpose).  0 with *id filled, or -1 if the subject does
 * not name an account as the header describes.
 */
int ca_ident(struct x509_st *cert, struct ca_ident *id);
/* The same from a DER certificate (fuzzing, tests). */
int ca_ident_der(const uint8_t *der, size_t len, struct ca_ident *id);

#endif
