/*
 * Fuzz target: HS_SITE records as other nodes publish them, as upstream
 * resolution reads them (core/usite), and the server choice for them.
 *
 * Invariants (abort() when violated): a record that parses names at
 * least one server and keeps at most USITE_MAX_SERVERS of the ones it
 * names; the server picked for any handle is one of those kept; a
 * server's address converts for exactly the interfaces it offers.
 */
#include <stdint.h>
#include <stdlib.h>

#include "core/usite.h"

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
        static const char *const handles[] = {"88.123/X", "0.NA/88.123", "88",
                                              "88.1/a/b", ""};
        struct sockaddr_storage ss;
        struct usite s;
        socklen_t len;
        size_t i;
        int tcp;

        if (usite_parse(data, size, &s) < 0)
                return 0;
        check(s.n >= 1 && s.n <= USITE_MAX_SERVERS && s.n <= s.total);
        for (i = 0; i < sizeof(handles) / sizeof(handles[0]); i++) {
                const char *h = handles[i];
                size_t n = 0;

                while (h[n])
                        n++;
                check(usite_pick(&s, h, n) < s.n);
        }
        /* The input itself as a handle: any bytes hash somewhere. */
        check(usite_pick(&s, (const char *)data, size) < s.n);
        for (i = 0; i < s.n; i++)
                for (tcp = 0; tcp < 2; tcp++)
                        check((usite_addr(&s.srv[i], tcp, &ss, &len) == 0) ==
                              ((tcp ? s.srv[i].tcp_port : s.srv[i].udp_port) !=
                               0));
        return 0;
}
