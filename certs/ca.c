#include "certs/ca.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certs/sslerr.h"

#define CA_DAYS        3650 /* the CA's own validity */
#define CA_SERIAL_BITS 127  /* random, positive in 16 bytes */
#define CA_MAX_REVOKED 100000
#define CA_DNS_MAX     253
#define CA_SAN_TEXT    (CA_MAX_SAN * 2 * (CA_DNS_MAX + 8))

static int
ca_path(char *out, const char *dir, const char *name, const char *ext,
        char *err, size_t errlen)
{
        int n = snprintf(out, PATH_MAX, "%s/%s%s", dir, name, ext);

        if (n < 0 || n >= PATH_MAX) {
                snprintf(err, errlen, "path too long");
                return -1;
        }
        return 0;
}

/* Opens a new file (never an existing one) with `mode` from the start. */
static FILE *
ca_create(const char *path, mode_t mode, char *err, size_t errlen)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        FILE *fp;

        if (fd < 0) {
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                return NULL;
        }
        fp = fdopen(fd, "w");
        if (!fp) {
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                close(fd);
                unlink(path);
        }
        return fp;
}

/* Closes fp, removing the file if anything failed. */
static int
ca_finish(FILE *fp, const char *path, int ok, char *err, size_t errlen)
{
        if (fclose(fp) != 0 || !ok) {
                if (ok)
                        snprintf(err, errlen, "%s: %s", path, strerror(errno));
                unlink(path);
                return -1;
        }
        return 0;
}

static int
ca_write_key(const char *path, EVP_PKEY *k, char *err, size_t errlen)
{
        FILE *fp = ca_create(path, 0600, err, errlen);
        int ok;

        if (!fp)
                return -1;
        ok = PEM_write_PrivateKey(fp, k, NULL, NULL, 0, NULL, NULL) == 1;
        if (!ok)
                sslerr_message(err, errlen, "cannot write the key");
        return ca_finish(fp, path, ok, err, errlen);
}

static int
ca_write_cert(const char *path, X509 *x, char *err, size_t errlen)
{
        FILE *fp = ca_create(path, 0644, err, errlen);
        int ok;

        if (!fp)
                return -1;
        ok = PEM_write_X509(fp, x) == 1;
        if (!ok)
                sslerr_message(err, errlen, "cannot write the certificate");
        return ca_finish(fp, path, ok, err, errlen);
}

static EVP_PKEY *
ca_keygen(int rsa, char *err, size_t errlen)
{
        EVP_PKEY *k = rsa ? EVP_RSA_gen(3072) : EVP_EC_gen("P-256");

        if (!k)
                sslerr_message(err, errlen, "key generation failed");
        return k;
}

static int
ca_add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
        X509V3_CTX v3;
        X509_EXTENSION *e;
        int ok;

        X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
        e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
        if (!e)
                return -1;
        ok = X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
        return ok ? 0 : -1;
}

/*
 * A certificate for `key` named `subj`, signed by issuer (NULL: itself),
 * with a random serial, valid from five minutes ago (clock skew) for
 * `days`.  `exts` are nid/value pairs ending in 0.
 */
static X509 *
ca_make(EVP_PKEY *key, X509_NAME *subj, X509 *issuer, EVP_PKEY *ikey, int days,
        const int *nids, const char *const *values)
{
        X509 *x = X509_new();
        BIGNUM *bn = BN_new();
        size_t i;

        if (!x || !bn ||
            !BN_rand(bn, CA_SERIAL_BITS, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY))
                goto fail;
        if (BN_is_zero(bn) && !BN_one(bn))
                goto fail;
        if (!X509_set_version(x, 2) ||
            !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) ||
            !X509_gmtime_adj(X509_getm_notBefore(x), -300) ||
            !X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL) ||
            !X509_set_subject_name(x, subj) ||
            !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer)
                                            : subj) ||
            !X509_set_pubkey(x, key))
                goto fail;
        for (i = 0; nids[i]; i++)
                if (ca_add_ext(x, issuer, nids[i], values[i]) < 0)
                        goto fail;
        if (!X509_sign(x, ikey ? ikey : key, EVP_sha256()))
                goto fail;
        BN_free(bn);
        return x;
fail:
        BN_free(bn);
        X509_free(x);
        return NULL;
}

static void
ca_serial_hex(X509 *x, char out[CA_SERIAL_HEX])
{
        BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
        char *h = bn ? BN_bn2hex(bn) : NULL;

        snprintf(out, CA_SERIAL_HEX, "%s", h ? h : "?");
        OPENSSL_free(h);
        BN_free(bn);
}

int
ca_init(const char *dir, int rsa, char *err, size_t errlen)
{
        static const int nids[] = {NID_basic_constraints, NID_key_usage,
                                   NID_subject_key_identifier, 0};
        static const char *const values[] = {"critical,CA:TRUE,pathlen:0",
                                             "critical,keyCertSign,cRLSign",
                                             "hash"};
        char path[PATH_MAX], cn[64];
        uint8_t rnd[4];
        EVP_PKEY *key = NULL, *node = NULL;
        X509_NAME *subj = X509_NAME_new();
        X509 *x = NULL;
        int rc = -1;

        if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
                snprintf(err, errlen, "%s: %s", dir, strerror(errno));
                goto fail;
        }
        /* A per-CA name: certificates of two nodes' CAs never mix up. */
        if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
                sslerr_message(err, errlen, "no randomness");
                goto fail;
        }
        snprintf(cn, sizeof(cn), "idnode CA %02x%02x%02x%02x", rnd[0], rnd[1],
                 rnd[2], rnd[3]);
        if (!subj ||
            !X509_NAME_add_entry_by_NID(subj, NID_commonName, MBSTRING_UTF8,
                                        (unsigned char *)cn, -1, -1, 0)) {
                sslerr_message(err, errlen, "out of memory");
                goto fail;
        }
        if (!(key = ca_keygen(rsa, err, errlen)) ||
            !(node = ca_keygen(rsa, err, errlen)))
                goto fail;
        if (!(x = ca_make(key, subj, NULL, NULL, CA_DAYS, nids, values))) {
                sslerr_message(err, errlen, "cannot make the CA certificate");
                goto fail;
        }
        /* The key first: O_EXCL refuses a directory that has a CA. */
        if (ca_path(path, dir, "ca", ".key", err, errlen) < 0 ||
            ca_write_key(path, key, err, errlen) < 0 ||
            ca_path(path, dir, "ca", ".pem", err, errlen) < 0 ||
            ca_write_cert(path, x, err, errlen) < 0 ||
            ca_path(path, dir, "node", ".key", err, errlen) < 0 ||
            ca_write_key(path, node, err, errlen) < 0)
                goto fail;
        rc = 0;
fail:
        X509_free(x);
        X509_NAME_free(subj);
        EVP_PKEY_free(key);
        EVP_PKEY_free(node);
        return rc;
}

/* The CA of dir: its certificate and key. */
static int
ca_load(const char *dir, X509 **cert, EVP_PKEY **key, char *err, size_t errlen)
{
        char path[PATH_MAX];
        FILE *fp;

        *cert = NULL;
        *key = NULL;
        if (ca_path(path, dir, "ca", ".pem", err, errlen) < 0)
                return -1;
        if (!(fp = fopen(path, "re"))) {
                snprintf(err, errlen, "%s: %s (run idctl ca init)", path,
                         strerror(errno));
                return -1;
        }
        *cert = PEM_read_X509(fp, NULL, NULL, NULL);
        fclose(fp);
        if (!*cert) {
                sslerr_message(err, errlen, "ca.pem holds no certificate");
                return -1;
        }
        if (ca_path(path, dir, "ca", ".key", err, errlen) < 0)
                return -1;
        if (!(fp = fopen(path, "re"))) {
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                return -1;
        }
        *key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
        fclose(fp);
        if (!*key || X509_check_private_key(*cert, *key) != 1) {
                sslerr_message(err, errlen, "ca.key is not the key of ca.pem");
                return -1;
        }
        return 0;
}

/* A DNS name (or a leading "*." wildcard) of letters, digits, '-', '.'. */
static int
ca_valid_dns(const char *s)
{
        size_t i, n = strlen(s);

        if (n == 0 || n > CA_DNS_MAX)
                return 0;
        for (i = 0; i < n; i++) {
                char c = s[i];

                if (c == '*' && i == 0 && s[1] == '.')
                        continue;
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || c == '-' || c == '.'))
                        return 0;
        }
        return 1;
}

static int
ca_valid_ip(const char *s)
{
        uint8_t b[16];

        return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

/* An account name: what registry/users accepts. */
static int
ca_valid_account(const char *s, size_t n)
{
        size_t i;

        if (n == 0 || n > CA_NAME_MAX)
                return 0;
        for (i = 0; i < n; i++) {
                char c = s[i];

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                      c == '@' || c == '-'))
                        return 0;
        }
        return 1;
}

/* 18 characters of the USCC alphabet's superset [0-9A-Z], upper-cased. */
static int
ca_valid_uscc(const char *s, size_t n, char out[CA_NAME_MAX + 1])
{
        size_t i;

        if (n != 18)
                return 0;
        for (i = 0; i < n; i++) {
                char c = s[i];

                if (c >= 'a' && c <= 'z')
                        c = (char)(c - 'a' + 'A');
                if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')))
                        return 0;
                out[i] = c;
        }
        out[n] = '\0';
        return 1;
}

/* "DNS:a,IP:b": every entry was checked, so none holds a ',' or ':'. */
static int
ca_san(const struct ca_request *r, char *out, size_t len, char *err,
       size_t errlen)
{
        size_t i, off = 0;
        int n;

        if (r->ndns > CA_MAX_SAN || r->nip > CA_MAX_SAN) {
                snprintf(err, errlen, "at most %d --dns and %d --ip",
                         CA_MAX_SAN, CA_MAX_SAN);
                return -1;
        }
        n = snprintf(out, len, "%s:%s", ca_valid_ip(r->name) ? "IP" : "DNS",
                     r->name);
        off = n > 0 ? (size_t)n : len;
        for (i = 0; i < r->ndns && off < len; i++) {
                if (!ca_valid_dns(r->dns[i])) {
                        snprintf(err, errlen, "not a DNS name: \"%.64s\"",
                                 r->dns[i]);
                        return -1;
                }
                n = snprintf(out + off, len - off, ",DNS:%s", r->dns[i]);
                off += n > 0 ? (size_t)n : len;
        }
        for (i = 0; i < r->nip && off < len; i++) {
                if (!ca_valid_ip(r->ip[i])) {
                        snprintf(err, errlen, "not an IP address: \"%.64s\"",
                                 r->ip[i]);
                        return -1;
                }
                n = snprintf(out + off, len - off, ",IP:%s", r->ip[i]);
                off += n > 0 ? (size_t)n : len;
        }
        if (off >= len) {
                snprintf(err, errlen, "too many names");
                return -1;
        }
        return 0;
}

/* The subject (and SAN text for a server) of a request, checked. */
static X509_NAME *
ca_subject(const struct ca_request *r, char *san, size_t sanlen, char *err,
           size_t errlen)
{
        X509_NAME *n = X509_NAME_new();
        char id[CA_NAME_MAX + 1], org[CA_NAME_MAX + 16];
        int ok = 0;

        if (!n) {
                snprintf(err, errlen, "out of memory");
                return NULL;
        }
        switch (r->kind) {
        case CA_SERVER:
                if (!ca_valid_dns(r->name) && !ca_valid_ip(r->name)) {
                        snprintf(err, errlen,
                                 "a server name is a DNS name or an IP");
                        break;
                }
                ok = ca_san(r, san, sanlen, err, errlen) == 0;
                org[0] = '\0';
                break;
        case CA_ENTERPRISE:
                if (!ca_valid_uscc(r->id, strlen(r->id), id)) {
                        snprintf(err, errlen, "a USCC is 18 letters or digits");
                        break;
                }
                snprintf(org, sizeof(org), "%s%s", CA_ID_USCC, id);
                ok = 1;
                break;
        case CA_PLATFORM:
                if (strcmp(r->name, r->id) != 0) {
                        snprintf(err, errlen,
                                 "a platform's certificate names "
                                 "its key id as its account");
                        break;
                }
                snprintf(org, sizeof(org), "%s%s", CA_ID_PLATFORM, r->id);
                ok = 1;
                break;
        default:
                snprintf(err, errlen, "no certificate kind");
                break;
        }
        if (ok && r->kind != CA_SERVER &&
            !ca_valid_account(r->name, strlen(r->name))) {
                snprintf(err, errlen,
                         "an account name is 1-%d characters of "
                         "A-Z a-z 0-9 _ . @ -",
                         CA_NAME_MAX);
                ok = 0;
        }
        if (ok && (!X509_NAME_add_entry_by_NID(n, NID_commonName, MBSTRING_UTF8,
                                               (const unsigned char *)r->name,
                                               -1, -1, 0) ||
                   (org[0] && !X509_NAME_add_entry_by_NID(
                                  n, NID_organizationIdentifier, MBSTRING_UTF8,
                                  (unsigned char *)org, -1, -1, 0)))) {
                sslerr_message(err, errlen, "cannot build the subject");
                ok = 0;
        }
        if (!ok) {
                X509_NAME_free(n);
                return NULL;
        }
        return n;
}

int
ca_issue(const char *dir, const struct ca_request *r,
         char serial[CA_SERIAL_HEX], char *err, size_t errlen)
{
        char san[CA_SAN_TEXT];
        int nids[8];
        const char *values[8];
        char path[PATH_MAX], kpath[PATH_MAX];
        X509 *ca = NULL, *x = NULL;
        EVP_PKEY *cakey = NULL, *key = NULL;
        X509_NAME *subj = NULL;
        int rsa, k = 0, rc = -1;

        if (!r->name || (r->kind != CA_SERVER && !r->id)) {
                snprintf(err, errlen, "a name is needed");
                return -1;
        }
        if (!(subj = ca_subject(r, san, sizeof(san), err, errlen)) ||
            ca_load(dir, &ca, &cakey, err, errlen) < 0)
                goto fail;
        rsa = EVP_PKEY_get_base_id(cakey) == EVP_PKEY_RSA;
        nids[k] = NID_basic_constraints;
        values[k++] = "critical,CA:FALSE";
        nids[k] = NID_key_usage;
        values[k++] = rsa ? "critical,digitalSignature,keyEncipherment"
                          : "critical,digitalSignature";
        nids[k] = NID_ext_key_usage;
        values[k++] = r->kind == CA_SERVER ? "serverAuth" : "clientAuth";
        nids[k] = NID_subject_key_identifier;
        values[k++] = "hash";
        nids[k] = NID_authority_key_identifier;
        values[k++] = "keyid:always";
        if (r->kind == CA_SERVER) {
                nids[k] = NID_subject_alt_name;
                values[k++] = san;
        }
        nids[k] = 0;
        if (!(key = ca_keygen(rsa, err, errlen)))
                goto fail;
        if (!(x = ca_make(key, subj, ca, cakey,
                          r->days > 0 ? r->days : CA_DEFAULT_DAYS, nids,
                          values))) {
                sslerr_message(err, errlen, "cannot make the certificate");
                goto fail;
        }
        if (ca_path(kpath, dir, r->name, ".key", err, errlen) < 0 ||
            ca_path(path, dir, r->name, ".pem", err, errlen) < 0 ||
            ca_write_key(kpath, key, err, errlen) < 0)
                goto fail;
        if (ca_write_cert(path, x, err, errlen) < 0) {
                unlink(kpath);
                goto fail;
        }
        ca_serial_hex(x, serial);
        rc = 0;
fail:
        X509_NAME_free(subj);
        X509_free(ca);
        X509_free(x);
        EVP_PKEY_free(cakey);
        EVP_PKEY_free(key);
        return rc;
}

/* A serial as BN_bn2hex writes it (upper case, no leading zeros). */
static int
ca_parse_serial(const char *s, char out[CA_SERIAL_HEX])
{
        BIGNUM *bn = NULL;
        char *h;
        size_t n = strlen(s);

        if (n == 0 || n > CA_SERIAL_HEX - 1 ||
            strspn(s, "0123456789abcdefABCDEF") != n || !BN_hex2bn(&bn, s))
                return -1;
        h = BN_bn2hex(bn);
        BN_free(bn);
        if (!h)
                return -1;
        snprintf(out, CA_SERIAL_HEX, "%s", h);
        OPENSSL_free(h);
        return 0;
}

/* The serial of a certificate file issued by ca. */
static int
ca_file_serial(const char *path, X509 *ca, char out[CA_SERIAL_HEX], char *err,
               size_t errlen)
{
        FILE *fp = fopen(path, "re");
        X509 *x;
        int ok;

        if (!fp) {
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                return -1;
        }
        x = PEM_read_X509(fp, NULL, NULL, NULL);
        fclose(fp);
        if (!x) {
                sslerr_message(err, errlen, "not a PEM certificate");
                return -1;
        }
        ok = X509_check_issued(ca, x) == X509_V_OK &&
             X509_verify(x, X509_get0_pubkey(ca)) == 1;
        if (ok)
                ca_serial_hex(x, out);
        else
                snprintf(err, errlen, "%s was not issued by this CA", path);
        X509_free(x);
        ERR_clear_error();
        return ok ? 0 : -1;
}

/* Calls fn for each line of DIR/revoked: serial and revocation time. */
static int
ca_each_revoked(const char *dir, int (*fn)(void *, const char *, long long),
                void *arg, char *err, size_t errlen)
{
        char path[PATH_MAX], line[128], s[CA_SERIAL_HEX];
        long long at;
        FILE *fp;
        int n = 0, rc = 0;

        if (ca_path(path, dir, "revoked", "", err, errlen) < 0)
                return -1;
        if (!(fp = fopen(path, "re")))
                return errno == ENOENT ? 0 : -1;
        while (rc == 0 && fgets(line, sizeof(line), fp)) {
                if (++n > CA_MAX_REVOKED ||
                    sscanf(line, "%40s %lld", s, &at) != 2) {
                        snprintf(err, errlen, "%s:%d: malformed", path, n);
                        rc = -1;
                        break;
                }
                rc = fn(arg, s, at);
        }
        fclose(fp);
        return rc;
}

static int
ca_is_serial(void *arg, const char *s, long long at)
{
        (void)at;
        return strcmp(arg, s) == 0 ? 1 : 0;
}

int
ca_revoke(const char *dir, const char *what, char serial[CA_SERIAL_HEX],
          char *err, size_t errlen)
{
        char path[PATH_MAX];
        X509 *ca = NULL;
        EVP_PKEY *cakey = NULL;
        FILE *fp;
        int rc = -1, seen;

        if (ca_load(dir, &ca, &cakey, err, errlen) < 0)
                goto fail;
        if (access(what, F_OK) == 0) {
                if (ca_file_serial(what, ca, serial, err, errlen) < 0)
                        goto fail;
        } else if (ca_parse_serial(what, serial) < 0) {
                snprintf(err, errlen,
                         "neither a certificate file nor a hex "
                         "serial: \"%.64s\"",
                         what);
                goto fail;
        }
        seen = ca_each_revoked(dir, ca_is_serial, serial, err, errlen);
        if (seen < 0)
                goto fail;
        if (!seen) {
                if (ca_path(path, dir, "revoked", "", err, errlen) < 0)
                        goto fail;
                fp = fopen(path, "ae");
                if (!fp || fprintf(fp, "%s %lld\n", serial,
                                   (long long)time(NULL)) < 0) {
                        snprintf(err, errlen, "%s: %s", path, strerror(errno));
                        if (fp)
                                fclose(fp);
                        goto fail;
                }
                if (fclose(fp) != 0) {
                        snprintf(err, errlen, "%s: %s", path, strerror(errno));
                        goto fail;
                }
        }
        rc = ca_crl(dir, 30, err, errlen);
fail:
        X509_free(ca);
        EVP_PKEY_free(cakey);
        return rc;
}

static int
ca_add_revoked(void *arg, const char *s, long long at)
{
        X509_CRL *crl = arg;
        X509_REVOKED *rv = X509_REVOKED_new();
        ASN1_TIME *t = ASN1_TIME_set(NULL, (time_t)at);
        BIGNUM *bn = NULL;
        ASN1_INTEGER *sn = NULL;
        int ok = rv && t && BN_hex2bn(&bn, s) &&
                 (sn = BN_to_ASN1_INTEGER(bn, NULL)) &&
                 X509_REVOKED_set_serialNumber(rv, sn) &&
                 X509_REVOKED_set_revocationDate(rv, t) &&
                 X509_CRL_add0_revoked(crl, rv);

        if (!ok)
                X509_REVOKED_free(rv);
        ASN1_INTEGER_free(sn);
        ASN1_TIME_free(t);
        BN_free(bn);
        return ok ? 0 : -1;
}

int
ca_crl(const char *dir, int days, char *err, size_t errlen)
{
        char path[PATH_MAX], tmp[PATH_MAX];
        X509 *ca = NULL;
        EVP_PKEY *cakey = NULL;
        X509_CRL *crl = NULL;
        ASN1_TIME *now = NULL, *next = NULL;
        ASN1_INTEGER *num = NULL;
        FILE *fp;
        int rc = -1;

        if (ca_load(dir, &ca, &cakey, err, errlen) < 0)
                goto fail;
        crl = X509_CRL_new();
        now = X509_gmtime_adj(NULL, 0);
        next = X509_time_adj_ex(NULL, days, 0, NULL);
        num = ASN1_INTEGER_new();
        /* The CRL number only grows: the time of issue serves. */
        if (!crl || !now || !next || !num ||
            !ASN1_INTEGER_set_int64(num, (int64_t)time(NULL)) ||
            !X509_CRL_set_version(crl, 1) ||
            !X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)) ||
            !X509_CRL_set1_lastUpdate(crl, now) ||
            !X509_CRL_set1_nextUpdate(crl, next) ||
            !X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0)) {
                sslerr_message(err, errlen, "cannot build the CRL");
                goto fail;
        }
        if (ca_each_revoked(dir, ca_add_revoked, crl, err, errlen) < 0)
                goto fail;
        X509_CRL_sort(crl);
        if (!X509_CRL_sign(crl, cakey, EVP_sha256())) {
                sslerr_message(err, errlen, "cannot sign the CRL");
                goto fail;
        }
        if (ca_path(path, dir, "crl", ".pem", err, errlen) < 0 ||
            ca_path(tmp, dir, "crl", ".pem.tmp", err, errlen) < 0)
                goto fail;
        unlink(tmp);
        if (!(fp = ca_create(tmp, 0644, err, errlen)))
                goto fail;
        if (ca_finish(fp, tmp, PEM_write_X509_CRL(fp, crl) == 1, err, errlen) <
            0)
                goto fail;
        if (rename(tmp, path) < 0) {
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                unlink(tmp);
                goto fail;
        }
        rc = 0;
fail:
        X509_free(ca);
        EVP_PKEY_free(cakey);
        X509_CRL_free(crl);
        ASN1_TIME_free(now);
        ASN1_TIME_free(next);
        ASN1_INTEGER_free(num);
        return rc;
}

/* The only entry of `nid` in name, as UTF-8 into out[cap]; -1 otherwise. */
static int
ca_name_entry(const X509_NAME *name, int nid, char *out, size_t cap)
{
        int i = X509_NAME_get_index_by_NID(name, nid, -1);
        unsigned char *s = NULL;
        int n;

        if (i < 0 || X509_NAME_get_index_by_NID(name, nid, i) >= 0)
                return -1;
        n = ASN1_STRING_to_UTF8(
            &s, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
        if (n < 0 || (size_t)n >= cap || memchr(s, '\0', (size_t)n)) {
                OPENSSL_free(s);
                return -1;
        }
        memcpy(out, s, (size_t)n);
        out[n] = '\0';
        OPENSSL_free(s);
        return n;
}

int
ca_ident(X509 *cert, struct ca_ident *id)
{
        const X509_NAME *name = X509_get_subject_name(cert);
        char org[CA_NAME_MAX + 16];
        size_t ul = strlen(CA_ID_USCC), pl = strlen(CA_ID_PLATFORM);
        int cn, on;

        memset(id, 0, sizeof(*id));
        if (!name)
                return -1;
        cn = ca_name_entry(name, NID_commonName, id->name, sizeof(id->name));
        on = ca_name_entry(name, NID_organizationIdentifier, org, sizeof(org));
        if (cn < 0 || on < 0 || !ca_valid_account(id->name, (size_t)cn))
                goto fail;
        if ((size_t)on > ul && memcmp(org, CA_ID_USCC, ul) == 0 &&
            ca_valid_uscc(org + ul, (size_t)on - ul, id->id)) {
                id->kind = CA_ENTERPRISE;
                return 0;
        }
        if ((size_t)on > pl && memcmp(org, CA_ID_PLATFORM, pl) == 0 &&
            strcmp(org + pl, id->name) == 0) {
                snprintf(id->id, sizeof(id->id), "%s", id->name);
                id->kind = CA_PLATFORM;
                return 0;
        }
fail:
        memset(id, 0, sizeof(*id));
        return -1;
}

int
ca_ident_der(const uint8_t *der, size_t len, struct ca_ident *id)
{
        const unsigned char *p = der;
        X509 *x = len <= LONG_MAX ? d2i_X509(NULL, &p, (long)len) : NULL;
        int rc;

        memset(id, 0, sizeof(*id));
        if (!x) {
                ERR_clear_error();
                return -1;
        }
        rc = ca_ident(x, id);
        X509_free(x);
        return rc;
}
