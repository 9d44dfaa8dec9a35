/*
 * Fuzz target: the configuration parser.
 *
 * Invariants (abort() when violated):
 *  - a rejected input gets an error that starts with the name given;
 *  - an accepted one dumps to JSON that config_parse accepts again and
 *    that dumps to the identical string (the dump is a fixed point).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
        if (!ok)
                abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char err[512] = "", err2[512] = "";
        struct config *c, *c2;
        char *d1, *d2;

        c = config_parse("fuzz", (const char *)data, size, err, sizeof(err));
        if (!c) {
                check(strncmp(err, "fuzz:", 5) == 0);
                return 0;
        }
        check(c->refs == 1);
        d1 = config_dump(c);
        check(d1 != NULL);
        c2 = config_parse("dump", d1, strlen(d1), err2, sizeof(err2));
        check(c2 != NULL);
        d2 = config_dump(c2);
        check(d2 != NULL && strcmp(d1, d2) == 0);
        check(c->handle_port == c2->handle_port &&
              c->request_timeout_ms == c2->request_timeout_ms &&
              c->cache == c2->cache &&
              strcmp(c->log_level, c2->log_level) == 0);
        free(d2);
        free(d1);
        config_unref(c2);
        config_unref(c);
        return 0;
}
