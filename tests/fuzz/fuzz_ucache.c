/*
 * Fuzz target: c:{NAME} values (resolver/ucache), the answers from other
 * nodes shared through Redis.
 *
 * Invariants (abort() when violated): a value that decodes carries
 * SUCCESS (with a record) or HANDLE_NOT_FOUND (without one), and encodes
 * back to exactly its bytes; what is fresh has time left.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/hval.h"
#include "core/wire.h"
#include "resolver/ucache.h"

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
        struct hrec *rec = NULL;
        uint64_t left = 0, until;
        uint32_t rc = 0;
        struct wbuf w;
        int fresh =
            ucache_decode(data, size, 1767225600000ull, &rc, &rec, &left);

        if (fresh < 0) {
                check(rec == NULL);
                return 0;
        }
        check((rc == RC_SUCCESS) == (rec != NULL));
        check(rc == RC_SUCCESS || rc == RC_HANDLE_NOT_FOUND);
        check(fresh == (left > 0));
        until = (uint64_t)cur_be32(data) << 32 | cur_be32(data + 4);
        wbuf_init(&w, 0);
        ucache_encode(&w, until, rc, rec);
        /* Values come back sorted by index: equal bytes if they were. */
        check(wbuf_ok(&w) && w.len == size);
        wbuf_free(&w);
        hrec_free(rec);
        return 0;
}
