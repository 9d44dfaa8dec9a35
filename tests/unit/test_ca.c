/* The node's PKI (certs/ca): files, modes, certificates, identities, CRL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certs/ca.h"

#define USCC "91350100M000100Y43"

static char dir[64];

static int
setup(void **state)
{
        char err[256];

        (void)state;
        snprintf(dir, sizeof(dir), "/tmp/idnode-ca-XXXXXX");
        if (!mkdtemp(dir))
                return -1;
        strcat(dir, "/ca"); /* ca_init makes it */
        return ca_init(dir, 0, err, sizeof(err));
}

static int
teardown(void **state)
{
        char cmd[128];

        (void)state;
        snprintf(cmd, sizeof(cmd), "rm -rf '%.*s'", (int)strlen(dir) - 3, dir);
        return system(cmd) == 0 ? 0 : -1;
}

static mode_t
mode_of(const char *name)
{
        char p[128];
        struct stat st;

        snprintf(p, sizeof(p), "%s/%s", dir, name);
        assert_int_equal(stat(p, &st), 0);
        return st.st_mode & 07777;
}

static X509 *
load(const char *name)
{
        char p[128];
        FILE *fp;
        X509 *x;

        snprintf(p, sizeof(p), "%s/%s.pem", dir, name);
        fp = fopen(p, "r");
        assert_non_null(fp);
        x = PEM_read_X509(fp, NULL, NULL, NULL);
        fclose(fp);
        assert_non_null(x);
        return x;
}

/* X509_V_OK or the error of verifying `name` against the CA (and CRL). */
static int
verify(const char *name, int crl_check)
{
        char p[128];
        X509_STORE *st = X509_STORE_new();
        X509_STORE_CTX *ctx = X509_STORE_CTX_new();
        X509 *x = load(name);
        int rc;

        snprintf(p, sizeof(p), "%s/ca.pem", dir);
        assert_int_equal(X509_STORE_load_file(st, p), 1);
        if (crl_check) {
                X509_LOOKUP *l = X509_STORE_add_lookup(st, X509_LOOKUP_file());

                snprintf(p, sizeof(p), "%s/crl.pem", dir);
                assert_true(X509_load_crl_file(l, p, X509_FILETYPE_PEM) > 0);
                X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK);
        }
        assert_int_equal(X509_STORE_CTX_init(ctx, st, x, NULL), 1);
        X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY);
        rc = X509_verify_cert(ctx) == 1 ? X509_V_OK
                                        : X509_STORE_CTX_get_error(ctx);
        X509_STORE_CTX_free(ctx);
        X509_STORE_free(st);
        X509_free(x);
        return rc;
}

static void
init_files(void **state)
{
        char err[256];

        (void)state;
        assert_int_equal(mode_of("ca.key"), 0600);
        assert_int_equal(mode_of("node.key"), 0600);
        assert_int_equal(mode_of("ca.pem"), 0644);
        /* A directory with a CA keeps it. */
        assert_int_equal(ca_init(dir, 0, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "ca.key"));
}

static void
server_cert(void **state)
{
        struct ca_request r = {.kind = CA_SERVER,
                               .name = "node.example",
                               .dns = {"localhost", "*.idnode.test"},
                               .ndns = 2,
                               .ip = {"127.0.0.1", "::1"},
                               .nip = 2,
                               .days = 30};
        char serial[CA_SERIAL_HEX], err[256];
        struct ca_ident id;
        GENERAL_NAMES *san;
        BIGNUM *bn;
        X509 *x;

        (void)state;
        assert_int_equal(ca_issue(dir, &r, serial, err, sizeof(err)), 0);
        assert_int_equal(mode_of("node.example.key"), 0600);
        x = load("node.example");
        san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
        assert_non_null(san);
        assert_int_equal(sk_GENERAL_NAME_num(san), 5);
        GENERAL_NAMES_free(san);
        assert_true(X509_get_extended_key_usage(x) & XKU_SSL_SERVER);
        assert_false(X509_get_extended_key_usage(x) & XKU_SSL_CLIENT);
        bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
        assert_true(BN_num_bits(bn) > 64);
        BN_free(bn);
        assert_int_equal(ca_ident(x, &id), -1); /* names no account */
        assert_int_equal(id.kind, CA_NONE);
        X509_free(x);
        assert_int_equal(verify("node.example", 0), X509_V_OK);
        /* The same name again would replace a key: refused. */
        assert_int_equal(ca_issue(dir, &r, serial, err, sizeof(err)), -1);
}

static void
client_idents(void **state)
{
        struct ca_request e = {
            .kind = CA_ENTERPRISE, .name = "alice", .id = "91350100m000100y43"};
        struct ca_request p = {.kind = CA_PLATFORM,
                               .name = "pf-0011223344556677",
                               .id = "pf-0011223344556677"};
        char s1[CA_SERIAL_HEX], s2[CA_SERIAL_HEX], err[256];
        struct ca_ident id;
        X509 *x;

        (void)state;
        assert_int_equal(ca_issue(dir, &e, s1, err, sizeof(err)), 0);
        assert_int_equal(ca_issue(dir, &p, s2, err, sizeof(err)), 0);
        assert_string_not_equal(s1, s2);
        x = load("alice");
        assert_true(X509_get_extended_key_usage(x) & XKU_SSL_CLIENT);
        assert_int_equal(ca_ident(x, &id), 0);
        assert_int_equal(id.kind, CA_ENTERPRISE);
        assert_string_equal(id.name, "alice");
        assert_string_equal(id.id, USCC); /* upper case */
        X509_free(x);
        x = load("pf-0011223344556677");
        assert_int_equal(ca_ident(x, &id), 0);
        assert_int_equal(id.kind, CA_PLATFORM);
        assert_string_equal(id.id, "pf-0011223344556677");
        X509_free(x);
        assert_int_equal(ca_ident_der((const uint8_t *)"\x30\x03", 2, &id), -1);
}

static void
bad_requests(void **state)
{
        static const struct ca_request bad[] = {
            {.kind = CA_ENTERPRISE, .name = "bob", .id = "123"},
            {.kind = CA_ENTERPRISE, .name = "a/b", .id = USCC},
            {.kind = CA_ENTERPRISE, .name = "", .id = USCC},
            {.kind = CA_PLATFORM, .name = "pf-1", .id = "pf-2"},
            {.kind = CA_SERVER, .name = "bad name"},
            {.kind = CA_SERVER,
             .name = "h",
             .dns = {"ok"},
             .ndns = 1,
             .ip = {"1.2.3"},
             .nip = 1},
            {.kind = CA_SERVER,
             .name = "h",
             .dns = {"x,IP:1.2.3.4"},
             .ndns = 1},
        };
        char serial[CA_SERIAL_HEX], err[256];
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                err[0] = '\0';
                assert_int_equal(
                    ca_issue(dir, &bad[i], serial, err, sizeof(err)), -1);
                assert_true(err[0] != '\0');
        }
}

static void
revoke_and_crl(void **state)
{
        struct ca_request a = {
            .kind = CA_ENTERPRISE, .name = "carol", .id = USCC};
        struct ca_request b = {
            .kind = CA_ENTERPRISE, .name = "dave", .id = USCC};
        char sa[CA_SERIAL_HEX], sb[CA_SERIAL_HEX], s[CA_SERIAL_HEX], path[128],
            err[256], lower[CA_SERIAL_HEX];
        size_t i;

        (void)state;
        assert_int_equal(ca_issue(dir, &a, sa, err, sizeof(err)), 0);
        assert_int_equal(ca_issue(dir, &b, sb, err, sizeof(err)), 0);
        assert_int_equal(ca_crl(dir, 30, err, sizeof(err)), 0);
        assert_int_equal(verify("carol", 1), X509_V_OK);
        snprintf(path, sizeof(path), "%s/carol.pem", dir);
        assert_int_equal(ca_revoke(dir, path, s, err, sizeof(err)), 0);
        assert_string_equal(s, sa);
        assert_int_equal(verify("carol", 1), X509_V_ERR_CERT_REVOKED);
        assert_int_equal(verify("dave", 1), X509_V_OK);
        /* By serial, any case; twice is once. */
        for (i = 0; sb[i]; i++)
                lower[i] = (char)(sb[i] >= 'A' ? sb[i] + 32 : sb[i]);
        lower[i] = '\0';
        assert_int_equal(ca_revoke(dir, lower, s, err, sizeof(err)), 0);
        assert_string_equal(s, sb);
        assert_int_equal(ca_revoke(dir, sb, s, err, sizeof(err)), 0);
        assert_int_equal(verify("dave", 1), X509_V_ERR_CERT_REVOKED);
        assert_int_equal(mode_of("crl.pem"), 0644);
        assert_int_equal(ca_revoke(dir, "xyz", s, err, sizeof(err)), -1);
        assert_int_equal(ca_revoke(dir, "/etc/hostname", s, err, sizeof(err)),
                         -1);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(init_files),     cmocka_unit_test(server_cert),
            cmocka_unit_test(client_idents),  cmocka_unit_test(bad_requests),
            cmocka_unit_test(revoke_and_crl),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
