#include "certs/hkey.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/hval.h"

/* Largest number of a binary key: a 16384-bit modulus or DSA prime. */
#define HKEY_MAX_NUM 2048u
/* Larger RSA public exponents only slow verification down. */
#define HKEY_MAX_RSA_E 8u
#define HKEY_MIN_BITS  1024
#define HKEY_MAX_NAME  32u
#define HKEY_SHA1_LEN  20u
#define HKEY_MD5_LEN   16u
#define HKEY_MAX_VLIST 256u

/* Secret-key answer codes (protocol.md §3). */
enum { HKEY_SEC_SHA1 = 0x02, HKEY_SEC_PBKDF2 = 0x22 };

int
hkey_admin_decode(const uint8_t *p, size_t len, struct hadmin *a)
{
        struct cur c;

        cur_init(&c, p, len);
        a->perms = cur_u16(&c);
        a->handle = cur_bytes(&c, 4096);
        a->index = cur_u32(&c);
        /* The legacy form carries two more bytes; nothing else may follow. */
        if (cur_left(&c) == 2)
                cur_skip(&c, 2);
        return cur_ok(&c) && cur_left(&c) == 0 && a->handle.len > 0 ? 0 : -1;
}

void
hkey_admin_encode(struct wbuf *w, uint16_t perms, const char *handle,
                  uint32_t index)
{
        wbuf_u16(w, perms);
        wbuf_str(w, handle);
        wbuf_u32(w, index);
}

int
hkey_vlist_each(const uint8_t *p, size_t len, uint32_t max,
                int (*fn)(void *arg, struct span handle, uint32_t index),
                void *arg)
{
        struct cur c;
        uint32_t n, i;

        cur_init(&c, p, len);
        n = cur_u32(&c);
        if (!cur_ok(&c) || n > max || n > cur_left(&c) / 8)
                return -1;
        for (i = 0; i < n; i++) {
                struct span h = cur_bytes(&c, 4096);
                uint32_t idx = cur_u32(&c);

                if (!cur_ok(&c) || h.len == 0)
                        return -1;
                if (fn(arg, h, idx))
                        return 0;
        }
        return cur_ok(&c) ? 0 : -1;
}

static void
hkey_err(char *err, size_t errlen, const char *msg)
{
        snprintf(err, errlen, "%s", msg);
}

/* Builds a key of `type` from named big numbers. */
static EVP_PKEY *
hkey_from_numbers(const char *type, const char *const *names,
                  const struct span *nums, size_t n)
{
        OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
        OSSL_PARAM *params = NULL;
        EVP_PKEY_CTX *ctx = NULL;
        EVP_PKEY *k = NULL;
        BIGNUM *bn[4] = {NULL};
        size_t i;

        if (!bld || n > 4)
                goto fail;
        for (i = 0; i < n; i++) {
                bn[i] = BN_bin2bn(nums[i].p, (int)nums[i].len, NULL);
                if (!bn[i] || BN_is_zero(bn[i]) ||
                    !OSSL_PARAM_BLD_push_BN(bld, names[i], bn[i]))
                        goto fail;
        }
        if (!(params = OSSL_PARAM_BLD_to_param(bld)) ||
            !(ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) ||
            EVP_PKEY_fromdata_init(ctx) <= 0 ||
            EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) <= 0)
                k = NULL;
fail:
        EVP_PKEY_CTX_free(ctx);
        OSSL_PARAM_free(params);
        OSSL_PARAM_BLD_free(bld);
        for (i = 0; i < 4; i++)
                BN_free(bn[i]);
        return k;
}

/* The binary Handle form (protocol.md §6.4). */
static EVP_PKEY *
hkey_binary(const uint8_t *p, size_t len, char *err, size_t errlen)
{
        static const char *const rsa[] = {OSSL_PKEY_PARAM_RSA_E,
                                          OSSL_PKEY_PARAM_RSA_N};
        static const char *const dsa[] = {
            OSSL_PKEY_PARAM_FFC_Q, OSSL_PKEY_PARAM_FFC_P, OSSL_PKEY_PARAM_FFC_G,
            OSSL_PKEY_PARAM_PUB_KEY};
        struct span type, nums[4];
        struct cur c;
        size_t i, n;

        cur_init(&c, p, len);
        type = cur_bytes(&c, HKEY_MAX_NAME);
        cur_u16(&c); /* flags, always 0 */
        if (type.len == 11 && memcmp(type.p, "RSA_PUB_KEY", 11) == 0)
                n = 2;
        else if (type.len == 11 && memcmp(type.p, "DSA_PUB_KEY", 11) == 0)
                n = 4;
        else {
                hkey_err(err, errlen,
                         "key type is not RSA_PUB_KEY, DSA_PUB_KEY or PEM");
                return NULL;
        }
        for (i = 0; i < n; i++)
                nums[i] = cur_bytes(&c, HKEY_MAX_NUM);
        /* Some writers leave 4 unused bytes after an RSA key. */
        if (!cur_ok(&c) ||
            (cur_left(&c) != 0 && !(n == 2 && cur_left(&c) == 4))) {
                hkey_err(err, errlen, "malformed public key");
                return NULL;
        }
        if (n == 2 && nums[0].len > HKEY_MAX_RSA_E) {
                hkey_err(err, errlen, "RSA public exponent too large");
                return NULL;
        }
        return hkey_from_numbers(n == 2 ? "RSA" : "DSA", n == 2 ? rsa : dsa,
                                 nums, n);
}

/* X.509 SubjectPublicKeyInfo, PEM text or DER. */
static EVP_PKEY *
hkey_spki(const uint8_t *p, size_t len)
{
        const unsigned char *q = p;
        EVP_PKEY *k = NULL;
        BIO *b;

        if (len >= 10 && memcmp(p, "-----BEGIN", 10) == 0) {
                if (!(b = BIO_new_mem_buf(p, (int)len)))
                        return NULL;
                k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
                BIO_free(b);
                return k;
        }
        k = d2i_PUBKEY(NULL, &q, (long)len);
        if (k && q != p + len) { /* trailing bytes */
                EVP_PKEY_free(k);
                k = NULL;
        }
        return k;
}

/* Only key kinds and sizes worth trusting. */
static int
hkey_acceptable(EVP_PKEY *k, char *err, size_t errlen)
{
        char group[32];
        size_t glen = 0;

        switch (EVP_PKEY_get_base_id(k)) {
        case EVP_PKEY_RSA:
        case EVP_PKEY_DSA:
                if (EVP_PKEY_get_bits(k) < HKEY_MIN_BITS) {
                        hkey_err(err, errlen, "key shorter than 1024 bits");
                        return -1;
                }
                return 0;
        case EVP_PKEY_EC:
                if (EVP_PKEY_get_utf8_string_param(
                        k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                        &glen) &&
                    (strcmp(group, "prime256v1") == 0 ||
                     strcmp(group, "secp384r1") == 0))
                        return 0;
                hkey_err(err, errlen, "EC keys must be on P-256 or P-384");
                return -1;
        default:
                hkey_err(err, errlen, "key is not RSA, EC or DSA");
                return -1;
        }
}

EVP_PKEY *
hkey_pubkey_parse(const uint8_t *p, size_t len, char *err, size_t errlen)
{
        EVP_PKEY *k;

        err[0] = '\0';
        if (len == 0 || len > HKEY_MAX_KEY_BYTES) {
                hkey_err(err, errlen, "public key empty or too large");
                return NULL;
        }
        if ((len >= 10 && memcmp(p, "-----BEGIN", 10) == 0) || p[0] == 0x30) {
                k = hkey_spki(p, len);
                if (!k)
                        hkey_err(err, errlen, "malformed X.509 public key");
        } else {
                k = hkey_binary(p, len, err, errlen);
                if (!k && !err[0])
                        hkey_err(err, errlen, "malformed public key");
        }
        ERR_clear_error();
        if (k && hkey_acceptable(k, err, errlen) < 0) {
                EVP_PKEY_free(k);
                k = NULL;
        }
        return k;
}

/* The digest a signature names; MD5 is refused. */
static const EVP_MD *
hkey_md(struct span name)
{
        static const struct {
                const char *name;
                int sha256;
        } names[] = {{"SHA-256", 1}, {"SHA256", 1}, {"SHA1", 0}, {"SHA-1", 0}};
        size_t i;

        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (name.len == strlen(names[i].name) &&
                    strncasecmp((const char *)name.p, names[i].name,
                                name.len) == 0)
                        return names[i].sha256 ? EVP_sha256() : EVP_sha1();
        return NULL;
}

int
hkey_pubkey_check(EVP_PKEY *k, const uint8_t *answer, size_t alen,
                  const uint8_t *data, size_t dlen)
{
        EVP_MD_CTX *mctx;
        const EVP_MD *md;
        struct span name, sig;
        struct cur c;
        int ok = 0;

        cur_init(&c, answer, alen);
        name = cur_bytes(&c, HKEY_MAX_NAME);
        sig = cur_bytes(&c, HKEY_MAX_SIG_BYTES);
        if (!cur_ok(&c) || !(md = hkey_md(name)) || sig.len == 0)
                return 0;
        if (!(mctx = EVP_MD_CTX_new()))
                return 0;
        if (EVP_DigestVerifyInit(mctx, NULL, md, NULL, k) == 1 &&
            EVP_DigestVerify(mctx, sig.p, sig.len, data, dlen) == 1)
                ok = 1;
        EVP_MD_CTX_free(mctx);
        ERR_clear_error();
        return ok;
}

/* H(secret || data || secret) with md. */
static int
hkey_sandwich(const EVP_MD *md, const uint8_t *secret, size_t slen,
              const uint8_t *data, size_t dlen, uint8_t *out)
{
        EVP_MD_CTX *m = EVP_MD_CTX_new();
        int ok = m && EVP_DigestInit_ex(m, md, NULL) == 1 &&
                 EVP_DigestUpdate(m, secret, slen) == 1 &&
                 EVP_DigestUpdate(m, data, dlen) == 1 &&
                 EVP_DigestUpdate(m, secret, slen) == 1 &&
                 EVP_DigestFinal_ex(m, out, NULL) == 1;

        EVP_MD_CTX_free(m);
        return ok;
}

/* Code 0x22: HMAC-SHA1(PBKDF2-HMAC-SHA1(secret, salt, iter, 160), data). */
static int
hkey_pbkdf2(struct cur *c, const uint8_t *secret, size_t slen,
            const uint8_t *data, size_t dlen)
{
        uint8_t key[HKEY_SHA1_LEN], mac[HKEY_SHA1_LEN];
        struct span salt = cur_bytes(c, 64), given;
        uint32_t iter = cur_u32(c), bits = cur_u32(c);
        unsigned int maclen = 0;
        int ok;

        /* The MAC as bytes, or raw: writers differ. */
        if (cur_left(c) == 4 + HKEY_SHA1_LEN)
                given = cur_bytes(c, HKEY_SHA1_LEN);
        else
                given =
                    (struct span){cur_take(c, HKEY_SHA1_LEN), HKEY_SHA1_LEN};
        if (!cur_ok(c) || cur_left(c) != 0 || iter == 0 ||
            iter > HKEY_MAX_ITERATIONS || bits != 8 * HKEY_SHA1_LEN ||
            given.len != HKEY_SHA1_LEN)
                return 0;
        ok = PKCS5_PBKDF2_HMAC((const char *)secret, (int)slen, salt.p,
                               (int)salt.len, (int)iter, EVP_sha1(),
                               sizeof(key), key) == 1 &&
             HMAC(EVP_sha1(), key, sizeof(key), data, dlen, mac, &maclen) &&
             maclen == sizeof(mac) &&
             CRYPTO_memcmp(mac, given.p, sizeof(mac)) == 0;
        OPENSSL_cleanse(key, sizeof(key));
        return ok;
}

int
hkey_seckey_check(const uint8_t *secret, size_t slen, const uint8_t *answer,
                  size_t alen, const uint8_t *data, size_t dlen)
{
        uint8_t want[HKEY_SHA1_LEN];
        struct cur c;
        int ok = 0;

        if (slen == 0 || slen > HKEY_MAX_SECRET)
                return 0;
        if (alen == HKEY_MD5_LEN) /* before 2.1: no code byte */
                ok = hkey_sandwich(EVP_md5(), secret, slen, data, dlen, want) &&
                     CRYPTO_memcmp(want, answer, HKEY_MD5_LEN) == 0;
        else if (alen == 1 + HKEY_SHA1_LEN && answer[0] == HKEY_SEC_SHA1)
                ok =
                    hkey_sandwich(EVP_sha1(), secret, slen, data, dlen, want) &&
                    CRYPTO_memcmp(want, answer + 1, HKEY_SHA1_LEN) == 0;
        else if (alen > 1 && answer[0] == HKEY_SEC_PBKDF2) {
                cur_init(&c, answer + 1, alen - 1);
                ok = hkey_pbkdf2(&c, secret, slen, data, dlen);
        }
        OPENSSL_cleanse(want, sizeof(want));
        ERR_clear_error();
        return ok;
}

/* Counts the references of a group (hkey_vlist_each). */
static int
hkey_count_ref(void *arg, struct span handle, uint32_t index)
{
        (void)handle;
        (void)index;
        ++*(uint32_t *)arg;
        return 0;
}

int
hkey_admin_value(const struct hval *v, char *err, size_t errlen)
{
        static const char *const types[] = {"HS_ADMIN", "HS_PUBKEY",
                                            "HS_SECKEY", "HS_VLIST"};
        struct hadmin a;
        EVP_PKEY *k;
        uint32_t refs = 0;
        size_t i;

        for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
                if (v->type.len == strlen(types[i]) &&
                    strncasecmp((const char *)v->type.p, types[i],
                                v->type.len) == 0)
                        break;
        if (i == sizeof(types) / sizeof(types[0]))
                return 0;
        if (v->index < HKEY_ADMIN_MIN_INDEX ||
            v->index > HKEY_ADMIN_MAX_INDEX) {
                snprintf(err, errlen, "%s values belong at indexes %u-%u",
                         types[i], HKEY_ADMIN_MIN_INDEX, HKEY_ADMIN_MAX_INDEX);
                return -1;
        }
        switch (i) {
        case 0:
                if (hkey_admin_decode(v->data.p, v->data.len, &a) < 0) {
                        snprintf(err, errlen, "malformed HS_ADMIN data");
                        return -1;
                }
                return 1;
        case 1:
                if (!(k = hkey_pubkey_parse(v->data.p, v->data.len, err,
                                            errlen)))
                        return -1;
                EVP_PKEY_free(k);
                return 1;
        case 2:
                if (v->perms & (HVAL_PUBLIC_READ | HVAL_PUBLIC_WRITE)) {
                        snprintf(err, errlen,
                                 "an HS_SECKEY value may not be public");
                        return -1;
                }
                if (v->data.len == 0 || v->data.len > HKEY_MAX_SECRET) {
                        snprintf(err, errlen, "HS_SECKEY of 1 to %u bytes",
                                 HKEY_MAX_SECRET);
                        return -1;
                }
                return 1;
        default:
                if (hkey_vlist_each(v->data.p, v->data.len, HKEY_MAX_VLIST,
                                    hkey_count_ref, &refs) < 0) {
                        snprintf(err, errlen, "malformed HS_VLIST data");
                        return -1;
                }
                return 1;
        }
}
