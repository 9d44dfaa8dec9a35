/*
 * Handle-protocol credentials (protocol.md §5.5, §6.3, §6.4): the data of
 * HS_PUBKEY, HS_SECKEY, HS_ADMIN and HS_VLIST values, and the answers a
 * client sends to a challenge.  Pure functions over caller-owned bytes
 * and OpenSSL; nothing here touches Redis or logs a key or a secret.
 *
 * Signatures and MACs always cover `nonce || requestDigest` (the caller
 * builds those bytes).  MD5 signatures are refused: a forged MD5
 * signature is practical, and no current client sends one.
 */
#ifndef CERTS_HKEY_H
#define CERTS_HKEY_H

#include <stddef.h>
#include <stdint.h>

#include "core/cur.h"

struct hval;

#define HKEY_MAX_KEY_BYTES 16384u /* an HS_PUBKEY value's data */
#define HKEY_MAX_SIG_BYTES 4096u
#define HKEY_MAX_SECRET    1024u
/* PBKDF2 rounds an HS_SECKEY answer may ask for (CNRI sends 10000). */
#define HKEY_MAX_ITERATIONS 20000u
#define HKEY_NONCE_LEN      16u
/* Where administration values may sit: below the reserved 1000s. */
#define HKEY_ADMIN_MIN_INDEX 100u
#define HKEY_ADMIN_MAX_INDEX 999u

/* HS_ADMIN permission bits (protocol.md §6.3). */
enum {
        HADM_ADD_HANDLE = 0x0001,
        HADM_DELETE_HANDLE = 0x0002,
        HADM_ADD_NA = 0x0004,
        HADM_DELETE_NA = 0x0008,
        HADM_MODIFY_VALUE = 0x0010,
        HADM_REMOVE_VALUE = 0x0020,
        HADM_ADD_VALUE = 0x0040,
        HADM_MODIFY_ADMIN = 0x0080,
        HADM_REMOVE_ADMIN = 0x0100,
        HADM_ADD_ADMIN = 0x0200,
        HADM_AUTHORIZED_READ = 0x0400,
        HADM_LIST_HANDLES = 0x0800,
};

/* An HS_ADMIN value's data: who administers, with which rights. */
struct hadmin {
        uint16_t perms;
        struct span handle; /* the admin's handle (not normalised) */
        uint32_t index;     /* its key or group value; 0 = any */
};

/* u16 perms, str handle, u32 index (2 legacy trailing bytes allowed). */
int hkey_admin_decode(const uint8_t *p, size_t len, struct hadmin *a);
/* Encodes an HS_ADMIN value's data. */
void hkey_admin_encode(struct wbuf *w, uint16_t perms, const char *handle,
                       uint32_t index);

/*
 * HS_VLIST data: u32 n, n x (str handle, u32 index).  Calls fn for each
 * reference in order and stops at the first nonzero return.  At most
 * `max` references are accepted.  0, or -1 if malformed or too many.
 */
int hkey_vlist_each(const uint8_t *p, size_t len, uint32_t max,
                    int (*fn)(void *arg, struct span handle, uint32_t index),
                    void *arg);

typedef struct evp_pkey_st EVP_PKEY;

/*
 * An HS_PUBKEY value's data as an OpenSSL key: the binary Handle form
 * (str "RSA_PUB_KEY" | "DSA_PUB_KEY", u16 flags, then the big-endian
 * two's-complement numbers) or the IDIS form, X.509 SubjectPublicKeyInfo
 * PEM text (RSA or EC P-256).  NULL with the reason in err.  The caller
 * frees the key with EVP_PKEY_free.
 */
EVP_PKEY *hkey_pubkey_parse(const uint8_t *p, size_t len, char *err,
                            size_t errlen);

/*
 * Checks an HS_PUBKEY answer (str hashName, bytes signature) over data
 * with key k: SHA-256 or SHA-1 (either spelling); RSA PKCS#1 v1.5, EC
 * and DSA DER.  1 valid, 0 invalid or malformed.
 */
int hkey_pubkey_check(EVP_PKEY *k, const uint8_t *answer, size_t alen,
                      const uint8_t *data, size_t dlen);

/*
 * Checks an HS_SECKEY answer over data with the secret, in every form
 * the protocol has (code 0x22 PBKDF2-HMAC-SHA1 + HMAC-SHA1, code 0x02
 * SHA-1(secret||data||secret), legacy bare MD5(secret||data||secret)),
 * comparing in constant time.  1 valid, 0 invalid or malformed.
 */
int hkey_seckey_check(const uint8_t *secret, size_t slen, const uint8_t *answer,
                      size_t alen, const uint8_t *data, size_t dlen);

/*
 * Classifies a value a client writes: 0 if it is not an administration
 * value, 1 if it is one (HS_ADMIN, HS_PUBKEY, HS_SECKEY, HS_VLIST) and
 * acceptable, -1 with the reason if it is one but is not: outside
 * indexes 100-999, data that does not decode, an HS_SECKEY anyone may
 * read.
 */
int hkey_admin_value(const struct hval *v, char *err, size_t errlen);

#endif
