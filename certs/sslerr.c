#include "certs/sslerr.h"

#include <stdio.h>

#include <openssl/err.h>

void
sslerr_message(char *err, size_t errlen, const char *what)
{
        unsigned long e = ERR_get_error();
        char buf[256];

        ERR_error_string_n(e, buf, sizeof(buf));
        snprintf(err, errlen, "%s%s%s", what, e ? ": " : "", e ? buf : "");
        ERR_clear_error();
}
