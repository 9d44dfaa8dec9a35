/*
 * The HTTP client's answer parser (core/httpc httpc_read), fed the way
 * a socket would: the first byte chooses how the rest arrives (bits 2-7:
 * the size of each read, 0 all at once), whether the answer has a body
 * (bit 0: a HEAD) and the body limit (bit 1: 64 bytes).  No input may
 * crash it; what it accepts has a final status, a NUL-terminated body
 * within the limit, as long as its Content-Length says.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "core/httpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct feed {
        const uint8_t *p;
        size_t left, chunk;
};

static ssize_t
feed_read(void *ctx, void *buf, size_t len, char *err, size_t errlen)
{
        struct feed *f = ctx;
        size_t n = f->left < len ? f->left : len;

        (void)err;
        (void)errlen;
        if (f->chunk && n > f->chunk)
                n = f->chunk;
        memcpy(buf, f->p, n);
        f->p += n;
        f->left -= n;
        return (ssize_t)n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct feed f;
        struct httpc_resp *r;
        const char *body, *cl;
        size_t len, max;
        char err[256];

        if (size < 1)
                return 0;
        f.p = data + 1;
        f.left = size - 1;
        f.chunk = data[0] >> 2;
        max = data[0] & 2 ? 64 : 0;
        err[0] = '\0';
        r = httpc_read(feed_read, &f, data[0] & 1, max, err, sizeof(err));
        if (!r) {
                if (!err[0])
                        abort();
                return 0;
        }
        body = httpc_body(r, &len);
        if (httpc_status(r) < 200 || httpc_status(r) > 599 || !body ||
            body[len] != '\0' || len > (max ? max : HTTPC_MAX_BODY) ||
            ((data[0] & 1) && len != 0))
                abort();
        cl = httpc_header(r, "content-length");
        if (cl && !(data[0] & 1) && httpc_status(r) != 204 &&
            httpc_status(r) != 304 && strtoull(cl, NULL, 10) != len)
                abort();
        httpc_free(r);
        return 0;
}
