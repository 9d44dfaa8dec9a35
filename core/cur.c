#include "core/cur.h"

#include <stdlib.h>
#include <string.h>

void
cur_init(struct cur *c, const void *p, size_t len)
{
        c->p = p;
        c->len = p ? len : 0;
        c->off = 0;
        c->err = 0;
}

int
cur_ok(const struct cur *c)
{
        return !c->err;
}

size_t
cur_left(const struct cur *c)
{
        return c->err ? 0 : c->len - c->off;
}

void
cur_fail(struct cur *c)
{
        c->err = 1;
}

const uint8_t *
cur_take(struct cur *c, size_t n)
{
        const uint8_t *p;

        if (c->err || c->len - c->off < n) {
                c->err = 1;
                return NULL;
        }
        p = c->p + c->off;
        c->off += n;
        return p;
}

void
cur_skip(struct cur *c, size_t n)
{
        (void)cur_take(c, n);
}

uint8_t
cur_u8(struct cur *c)
{
        const uint8_t *p = cur_take(c, 1);

        return p ? p[0] : 0;
}

uint16_t
cur_u16(struct cur *c)
{
        const uint8_t *p = cur_take(c, 2);

        return p ? (uint16_t)((p[0] << 8) | p[1]) : 0;
}

uint32_t
cur_be32(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
               (uint32_t)p[2] << 8 | p[3];
}

void
cur_put_be32(uint8_t *p, uint32_t v)
{
        p[0] = (uint8_t)(v >> 24);
        p[1] = (uint8_t)(v >> 16);
        p[2] = (uint8_t)(v >> 8);
        p[3] = (uint8_t)v;
}

uint32_t
cur_u32(struct cur *c)
{
        const uint8_t *p = cur_take(c, 4);

        return p ? cur_be32(p) : 0;
}

struct span
cur_bytes(struct cur *c, uint32_t max)
{
        struct span s = {NULL, 0};
        uint32_t n = cur_u32(c);

        if (c->err)
                return s;
        if (n > max) {
                c->err = 1;
                return s;
        }
        s.p = cur_take(c, n);
        s.len = s.p ? n : 0;
        return s;
}

void
wbuf_init(struct wbuf *w, size_t max)
{
        memset(w, 0, sizeof(*w));
        w->max = max ? max : SIZE_MAX / 2;
}

void
wbuf_free(struct wbuf *w)
{
        free(w->p);
        memset(w, 0, sizeof(*w));
}

void
wbuf_reset(struct wbuf *w)
{
        w->len = 0;
        w->err = 0;
}

int
wbuf_ok(const struct wbuf *w)
{
        return !w->err;
}

static uint8_t *
wbuf_grow(struct wbuf *w, size_t n)
{
        size_t cap;
        uint8_t *p;

        /* Nothing to write: and no NULL + 0 on a never-grown buffer. */
        if (w->err || n == 0)
                return NULL;
        if (n > w->max - w->len) {
                w->err = 1;
                return NULL;
        }
        if (w->len + n > w->cap) {
                cap = w->cap ? w->cap : 256;
                while (cap < w->len + n)
                        cap *= 2;
                p = realloc(w->p, cap);
                if (!p) {
                        w->err = 1;
                        return NULL;
                }
                w->p = p;
                w->cap = cap;
        }
        p = w->p + w->len;
        w->len += n;
        return p;
}

void
wbuf_put(struct wbuf *w, const void *p, size_t n)
{
        uint8_t *d = wbuf_grow(w, n);

        if (d && n)
                memcpy(d, p, n);
}

void
wbuf_u8(struct wbuf *w, uint8_t v)
{
        wbuf_put(w, &v, 1);
}

void
wbuf_u16(struct wbuf *w, uint16_t v)
{
        uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

        wbuf_put(w, b, 2);
}

void
wbuf_u32(struct wbuf *w, uint32_t v)
{
        uint8_t *d = wbuf_grow(w, 4);

        if (d)
                cur_put_be32(d, v);
}

void
wbuf_bytes(struct wbuf *w, const void *p, size_t n)
{
        if (n > UINT32_MAX) {
                w->err = 1;
                return;
        }
        wbuf_u32(w, (uint32_t)n);
        wbuf_put(w, p, n);
}

void
wbuf_str(struct wbuf *w, const char *s)
{
        wbuf_bytes(w, s, strlen(s));
}

void
wbuf_set_u32(struct wbuf *w, size_t off, uint32_t v)
{
        if (w->err || w->len < 4 || off > w->len - 4) {
                w->err = 1;
                return;
        }
        cur_put_be32(w->p + off, v);
}
