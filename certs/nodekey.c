#include "certs/nodekey.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "certs/sslerr.h"

struct evp_pkey_st *
nodekey_load(const char *path, char *err, size_t errlen)
{
        FILE *fp = fopen(path, "re");
        EVP_PKEY *k;

        if (!fp) {
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                return NULL;
        }
        k = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
        fclose(fp);
        if (!k) {
                sslerr_message(err, errlen, "not a PEM private key");
                return NULL;
        }
        if (EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA &&
            EVP_PKEY_get_base_id(k) != EVP_PKEY_EC) {
                snprintf(err, errlen, "an RSA or EC key is needed");
                EVP_PKEY_free(k);
                return NULL;
        }
        return k;
}

void
nodekey_free(struct evp_pkey_st *k)
{
        EVP_PKEY_free(k);
}

/* A BIGNUM as Java's toByteArray (a leading 0 when the top bit is set). */
static void
nodekey_put_bn(struct wbuf *w, const BIGNUM *bn)
{
        uint8_t buf[1024];
        int n = BN_num_bytes(bn);

        if (n <= 0 || n + 1 > (int)sizeof(buf)) {
                wbuf_bytes(w, NULL, 0);
                return;
        }
        buf[0] = 0;
        BN_bn2bin(bn, buf + 1);
        if (buf[1] & 0x80)
                wbuf_bytes(w, buf, (size_t)n + 1);
        else
                wbuf_bytes(w, buf + 1, (size_t)n);
}

int
nodekey_value(struct evp_pkey_st *k, uint8_t *out, size_t cap, size_t *len,
              char *err, size_t errlen)
{
        BIGNUM *e = NULL, *n = NULL;
        BIO *mem = NULL;
        struct wbuf w;
        char *pem;
        long pemlen;
        int rc = -1;

        wbuf_init(&w, cap);
        if (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA) {
                if (!EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e) ||
                    !EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n)) {
                        sslerr_message(err, errlen, "cannot read the RSA key");
                        goto fail;
                }
                wbuf_str(&w, "RSA_PUB_KEY");
                wbuf_u16(&w, 0);
                nodekey_put_bn(&w, e);
                nodekey_put_bn(&w, n);
        } else {
                mem = BIO_new(BIO_s_mem());
                if (!mem || !PEM_write_bio_PUBKEY(mem, k) ||
                    (pemlen = BIO_get_mem_data(mem, &pem)) <= 0) {
                        sslerr_message(err, errlen, "cannot write the EC key");
                        goto fail;
                }
                wbuf_str(&w, "EC_PUB_KEY");
                wbuf_u16(&w, 0);
                wbuf_bytes(&w, pem, (size_t)pemlen);
        }
        if (!wbuf_ok(&w)) {
                snprintf(err, errlen, "the key is too large");
                goto fail;
        }
        memcpy(out, w.p, w.len);
        *len = w.len;
        rc = 0;
fail:
        wbuf_free(&w);
        BIO_free(mem);
        BN_free(e);
        BN_free(n);
        return rc;
}

int
nodekey_sign(struct evp_pkey_st *k, const struct span *parts, int n,
             uint8_t *sig, size_t cap, size_t *len)
{
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        size_t need = 0;
        int i, ok;

        ok = md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) == 1;
        for (i = 0; ok && i < n; i++)
                ok = EVP_DigestSignUpdate(md, parts[i].p, parts[i].len) == 1;
        ok = ok && EVP_DigestSignFinal(md, NULL, &need) == 1 && need <= cap;
        *len = cap;
        ok = ok && EVP_DigestSignFinal(md, sig, len) == 1;
        EVP_MD_CTX_free(md);
        ERR_clear_error();
        return ok ? 0 : -1;
}
