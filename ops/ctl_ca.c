/*
 * idctl ca: the node's PKI (certs/ca), offline: files in a CA directory,
 * nothing sent to the node.  After `revoke` or `crl`, SIGHUP makes the
 * node load the new CRL.
 */
#include "ops/ctl.h"

#include <stdio.h>
#include <string.h>

#include "certs/ca.h"

#define CTL_CA_DIR "/etc/idnode/ca"

static void
ctl_ca_usage(void)
{
        fprintf(stderr,
                "idctl: ca init [--dir D] [--rsa]\n"
                "       ca issue [--dir D] [--days N] --server NAME "
                "[--dns NAME[,..]]... [--ip ADDR[,..]]...\n"
                "       ca issue [--dir D] [--days N] --client NAME "
                "--enterprise USCC\n"
                "       ca issue [--dir D] [--days N] --platform KEYID\n"
                "       ca revoke [--dir D] SERIAL|CERTFILE\n"
                "       ca crl [--dir D] [--days N]\n"
                "  (D defaults to " CTL_CA_DIR ")\n");
}

/* Splits a "a,b" list (in place) into list[*n..]. */
static int
ctl_ca_list(char *s, const char **list, size_t *n)
{
        char *save = NULL, *t;

        for (t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                if (*n == CA_MAX_SAN) {
                        fprintf(stderr, "idctl: at most %d names of a kind\n",
                                CA_MAX_SAN);
                        return -1;
                }
                list[(*n)++] = t;
        }
        return 0;
}

static int
ctl_ca_issue(const char *dir, struct ca_request *r)
{
        char serial[CA_SERIAL_HEX], err[512];

        if (r->kind == CA_NONE || !r->name ||
            (r->kind == CA_ENTERPRISE && !r->id)) {
                ctl_ca_usage();
                return 2;
        }
        if (ca_issue(dir, r, serial, err, sizeof(err)) < 0) {
                fprintf(stderr, "idctl: ca issue: %s\n", err);
                return 1;
        }
        printf("issued %s/%s.pem (key %s/%s.key), serial %s\n", dir, r->name,
               dir, r->name, serial);
        return 0;
}

int
ctl_ca(const struct config *cfg, int argc, char **argv)
{
        struct ca_request r;
        const char *dir = CTL_CA_DIR, *what = NULL, *sub;
        char serial[CA_SERIAL_HEX], err[512];
        long days = 0;
        int i, rsa = 0;

        (void)cfg;
        memset(&r, 0, sizeof(r));
        if (argc < 1) {
                ctl_ca_usage();
                return 2;
        }
        sub = argv[0];
        for (i = 1; i < argc; i++) {
                const char *a = argv[i];
                int more = i + 1 < argc;

                if (strcmp(a, "--dir") == 0 && more) {
                        dir = argv[++i];
                } else if (strcmp(a, "--rsa") == 0) {
                        rsa = 1;
                } else if (strcmp(a, "--days") == 0 && more) {
                        if (ctl_int_arg(a, argv[++i], 1, 36500, &days) < 0)
                                return 2;
                } else if (strcmp(a, "--server") == 0 && more) {
                        r.kind = CA_SERVER;
                        r.name = argv[++i];
                } else if (strcmp(a, "--client") == 0 && more) {
                        r.name = argv[++i];
                        if (r.kind == CA_NONE)
                                r.kind = CA_ENTERPRISE;
                } else if (strcmp(a, "--enterprise") == 0 && more) {
                        r.kind = CA_ENTERPRISE;
                        r.id = argv[++i];
                } else if (strcmp(a, "--platform") == 0 && more) {
                        r.kind = CA_PLATFORM;
                        r.id = argv[++i];
                        if (!r.name)
                                r.name = r.id;
                } else if (strcmp(a, "--dns") == 0 && more) {
                        if (ctl_ca_list(argv[++i], r.dns, &r.ndns) < 0)
                                return 2;
                } else if (strcmp(a, "--ip") == 0 && more) {
                        if (ctl_ca_list(argv[++i], r.ip, &r.nip) < 0)
                                return 2;
                } else if (a[0] != '-' && !what) {
                        what = a;
                } else {
                        fprintf(stderr, "idctl: unexpected argument %s\n", a);
                        return 2;
                }
        }
        r.days = (int)days;
        if (strcmp(sub, "init") == 0 && !what) {
                if (ca_init(dir, rsa, err, sizeof(err)) < 0) {
                        fprintf(stderr, "idctl: ca init: %s\n", err);
                        return 1;
                }
                printf("CA created in %s (ca.pem, ca.key, node.key)\n", dir);
                return 0;
        }
        if (strcmp(sub, "issue") == 0 && !what)
                return ctl_ca_issue(dir, &r);
        if (strcmp(sub, "revoke") == 0 && what) {
                if (ca_revoke(dir, what, serial, err, sizeof(err)) < 0) {
                        fprintf(stderr, "idctl: ca revoke: %s\n", err);
                        return 1;
                }
                printf("revoked serial %s; %s/crl.pem rewritten (SIGHUP the "
                       "node)\n",
                       serial, dir);
                return 0;
        }
        if (strcmp(sub, "crl") == 0 && !what) {
                if (ca_crl(dir, days ? (int)days : 30, err, sizeof(err)) < 0) {
                        fprintf(stderr, "idctl: ca crl: %s\n", err);
                        return 1;
                }
                printf("%s/crl.pem written\n", dir);
                return 0;
        }
        ctl_ca_usage();
        return 2;
}
