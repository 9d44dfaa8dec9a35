#include "resolver/ucache.h"

#include <stdlib.h>

#include "core/hval.h"
#include "core/wire.h"

void
ucache_encode(struct wbuf *w, uint64_t until_ms, uint32_t rc,
              const struct hrec *rec)
{
        uint32_t i;

        wbuf_u32(w, (uint32_t)(until_ms >> 32));
        wbuf_u32(w, (uint32_t)until_ms);
        wbuf_u32(w, rc);
        wbuf_u32(w, rec ? rec->n : 0);
        for (i = 0; rec && i < rec->n; i++)
                wbuf_put(w, rec->v[i].wire.p, rec->v[i].wire.len);
}

int
ucache_decode(const uint8_t *p, size_t len, uint64_t now_ms, uint32_t *rc,
              struct hrec **rec, uint64_t *left_ms)
{
        struct span vals[256], *v = vals;
        struct hval hv;
        struct cur c;
        uint64_t until;
        uint32_t n, i;
        int ret = -1;

        *rec = NULL;
        cur_init(&c, p, len);
        until = (uint64_t)cur_u32(&c) << 32;
        until |= cur_u32(&c);
        *rc = cur_u32(&c);
        n = cur_u32(&c);
        if (!cur_ok(&c) || n > HVAL_MAX_PER_HANDLE ||
            (*rc != RC_SUCCESS && *rc != RC_HANDLE_NOT_FOUND) ||
            (*rc == RC_HANDLE_NOT_FOUND && n != 0))
                return -1;
        if (n > 256 && !(v = calloc(n, sizeof(*v))))
                return -1;
        for (i = 0; i < n; i++) {
                if (hval_decode(&c, &hv) < 0)
                        goto out;
                v[i] = hv.wire;
        }
        if (cur_left(&c) != 0)
                goto out;
        if (*rc == RC_SUCCESS && !(*rec = hrec_new(n ? v : NULL, n, NULL)))
                goto out;
        *left_ms = until > now_ms ? until - now_ms : 0;
        ret = until > now_ms;
out:
        if (v != vals)
                free(v);
        return ret;
}
