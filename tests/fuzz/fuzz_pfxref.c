/*
 * The referral fields of a prefix record (written through the
 * enterprise-config API): one field per input line, missing lines are
 * absent fields.  No input may crash the parser; a referral it accepts
 * has one to three interfaces with ports 1-65535 and an HS_SITE that
 * decodes back to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/site.h"
#include "registry/pfx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const uint8_t *p = size ? data : (const uint8_t *)"";
        struct span v[PFX_REF_NFIELDS];
        struct site s, back;
        struct wbuf w;
        uint32_t updated, i;
        size_t off = 0;
        int n, rc;

        memset(v, 0, sizeof(v));
        for (n = 0; n < PFX_REF_NFIELDS && off <= size; n++) {
                const uint8_t *nl = memchr(p + off, '\n', size - off);
                size_t len = nl ? (size_t)(nl - p - off) : size - off;

                v[n].p = p + off;
                v[n].len = (uint32_t)len;
                off += len + 1;
        }
        rc = pfx_ref_parse(v, &s, &updated);
        if (rc < -1 || rc > 1)
                abort();
        if (rc != 1)
                return 0;
        if (s.niface < 1 || s.niface > 3)
                abort();
        for (i = 0; i < s.niface; i++)
                if (s.iface[i].port < 1 || s.iface[i].port > 65535)
                        abort();
        wbuf_init(&w, 0);
        site_encode(&w, &s);
        if (!wbuf_ok(&w) || site_decode(w.p, w.len, &back) != 0 ||
            memcmp(back.address, s.address, 16) != 0 || back.niface != s.niface)
                abort();
        wbuf_free(&w);
        return 0;
}
