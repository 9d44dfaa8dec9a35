/*
 * The identity a client certificate names (certs/ca ca_ident), from a
 * DER certificate and from the same bytes as PEM text: no input may
 * crash it, and whatever it accepts is an account as the node's CA
 * writes one (a valid name; a USCC of 18 upper-case letters or digits,
 * or a platform's key id equal to its name).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "certs/ca.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct ca_ident *id)
{
        size_t i, n = strlen(id->name);

        if (n == 0 || n > CA_NAME_MAX ||
            strspn(id->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
                             "VWXYZ0123456789_.@-") != n)
                abort();
        if (id->kind == CA_ENTERPRISE) {
                if (strlen(id->id) != 18)
                        abort();
                for (i = 0; i < 18; i++)
                        if (!((id->id[i] >= '0' && id->id[i] <= '9') ||
                              (id->id[i] >= 'A' && id->id[i] <= 'Z')))
                                abort();
        } else if (id->kind == CA_PLATFORM) {
                if (strcmp(id->id, id->name) != 0)
                        abort();
        } else {
                abort();
        }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct ca_ident id;
        BIO *b;
        X509 *x;

        if (ca_ident_der(data, size, &id) == 0)
                check(&id);
        else if (id.kind != CA_NONE || id.name[0])
                abort(); /* a refusal leaves no half identity behind */
        if (size > 65536)
                return 0;
        b = BIO_new_mem_buf(data, (int)size);
        x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
        if (x && ca_ident(x, &id) == 0)
                check(&id);
        X509_free(x);
        BIO_free(b);
        ERR_clear_error();
        return 0;
}
