/*
 * The node's own key (config node_key, made by idctl ca init): its
 * public half is the server key of the node's HS_SITE, and it signs the
 * answers to requests that ask for it (the CT flag: an HS_SIGNED
 * credential, protocol.md §3).
 *
 * A loaded key is owned by one worker, which alone signs with it.
 */
#ifndef CERTS_NODEKEY_H
#define CERTS_NODEKEY_H

#include <stddef.h>
#include <stdint.h>

#include "core/cur.h"

struct evp_pkey_st;

/* A PEM private key (RSA or EC).  NULL with the reason in err. */
struct evp_pkey_st *nodekey_load(const char *path, char *err, size_t errlen);
void nodekey_free(struct evp_pkey_st *k);

/*
 * The HS_PUBKEY encoding (protocol.md §6.4) of k's public half:
 * "RSA_PUB_KEY" with e and n for RSA, and for EC "EC_PUB_KEY" with the
 * X.509 SubjectPublicKeyInfo as PEM text (as IDIS stores SM2 keys).
 * Into out[cap], its length in *len.  0, or -1 with the reason in err.
 */
int nodekey_value(struct evp_pkey_st *k, uint8_t *out, size_t cap, size_t *len,
                  char *err, size_t errlen);

/*
 * Signs the concatenated parts with SHA-256: RSA PKCS#1 v1.5, or ECDSA
 * as DER.  Into sig[cap], its length in *len.  0, or -1.
 */
int nodekey_sign(struct evp_pkey_st *k, const struct span *parts, int n,
                 uint8_t *sig, size_t cap, size_t *len);

#endif
