/*
 * Fuzz target: an answer from another node as registry/hclient decodes
 * it (envelope + message of a RESOLUTION response), and the link values
 * and reverse entries registry/twalk reads out of what it decoded.
 *
 * Invariants (abort() when violated):
 *  - a decoded answer carries a response code; a successful one's (or a
 *    referral's) values
 *    are sorted by index, at most HVAL_MAX_PER_HANDLE, and each encodes
 *    back to exactly its wire bytes;
 *  - a link value's target lies inside its value, and its type is known;
 *  - a reverse entry that parses splits the input at its first space.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cur.h"
#include "core/hval.h"
#include "core/wire.h"
#include "registry/hclient.h"
#include "registry/link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
        if (!ok)
                abort();
}

static void
check_values(const struct hrec *rec)
{
        enum link_type t;
        struct span to;
        struct wbuf w;
        uint32_t i;

        check(rec->n <= HVAL_MAX_PER_HANDLE);
        for (i = 0; i < rec->n; i++) {
                const struct hval *v = &rec->v[i];

                if (i > 0)
                        check(rec->v[i - 1].index <= v->index);
                wbuf_init(&w, 0);
                hval_encode(&w, v);
                check(wbuf_ok(&w) && w.len == v->wire.len &&
                      memcmp(w.p, v->wire.p, w.len) == 0);
                wbuf_free(&w);
                if (link_value(v, &t, &to)) {
                        check((unsigned)t < LINK_NTYPES);
                        check(link_type_name(t) != NULL);
                        check(to.len == v->data.len && to.p == v->data.p);
                }
        }
}

static void
check_entry(const uint8_t *data, size_t size)
{
        struct span src;
        enum link_type t;
        const char *name;

        if (link_entry_parse((const char *)data, size, &t, &src) < 0)
                return;
        name = link_type_name(t);
        check(size > strlen(name) + 1);
        check(memcmp(data, name, strlen(name)) == 0 &&
              data[strlen(name)] == ' ');
        check(src.p == data + strlen(name) + 1 &&
              src.len == size - strlen(name) - 1 && src.len > 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct hrec *rec = NULL;
        uint32_t rc = 0;

        check_entry(data, size);
        if (size < WIRE_ENV_LEN)
                return 0;
        if (hclient_decode(data, size, cur_be32(data + 8), &rc, &rec) == 0) {
                check(rc != 0);
                if (rec) {
                        check(rc == RC_SUCCESS || rc == RC_SERVICE_REFERRAL ||
                              rc == RC_PREFIX_REFERRAL);
                        check_values(rec);
                }
        } else {
                check(rec == NULL);
        }
        hrec_free(rec);
        /* An answer to another request is not this one's. */
        check(hclient_decode(data, size, cur_be32(data + 8) + 1, &rc, &rec) <
              0);
        return 0;
}
