/*
 * Bounds-checked big-endian byte cursor (read side) and growable byte
 * buffer (write side), after c-ares ares_buf.
 *
 * Errors are sticky: once a read runs past the end, every later read
 * returns zero/empty and cur_ok() is false, so a decoder checks once at
 * the end instead of after every field.  The cursor never owns the bytes
 * it reads.  A wbuf owns its storage; wbuf_free() releases it.
 */
#ifndef CORE_CUR_H
#define CORE_CUR_H

#include <stddef.h>
#include <stdint.h>

struct cur {
        const uint8_t *p;
        size_t len;
        size_t off;
        int err;
};

/* A view of bytes inside something the caller owns. */
struct span {
        const uint8_t *p;
        uint32_t len;
};

void cur_init(struct cur *c, const void *p, size_t len);
int cur_ok(const struct cur *c);
size_t cur_left(const struct cur *c);
uint8_t cur_u8(struct cur *c);
uint16_t cur_u16(struct cur *c);
uint32_t cur_u32(struct cur *c);
/* Raw n bytes; NULL (and sticky error) if fewer remain. */
const uint8_t *cur_take(struct cur *c, size_t n);
/* u32 length + bytes; fails if the length exceeds `max` or what remains. */
struct span cur_bytes(struct cur *c, uint32_t max);
void cur_skip(struct cur *c, size_t n);
/* Marks the cursor failed (for semantic errors found by the caller). */
void cur_fail(struct cur *c);

struct wbuf {
        uint8_t *p;
        size_t len;
        size_t cap;
        int err; /* allocation failed or limit exceeded; sticky */
        size_t max;
};

/* `max` caps the total size (0 = no cap beyond SIZE_MAX/2). */
void wbuf_init(struct wbuf *w, size_t max);
void wbuf_free(struct wbuf *w);
void wbuf_reset(struct wbuf *w);
int wbuf_ok(const struct wbuf *w);
void wbuf_u8(struct wbuf *w, uint8_t v);
void wbuf_u16(struct wbuf *w, uint16_t v);
void wbuf_u32(struct wbuf *w, uint32_t v);
void wbuf_put(struct wbuf *w, const void *p, size_t n);
/* u32 length + bytes. */
void wbuf_bytes(struct wbuf *w, const void *p, size_t n);
void wbuf_str(struct wbuf *w, const char *s);
/* Overwrites a u32 already written at `off` (for back-patched lengths). */
void wbuf_set_u32(struct wbuf *w, size_t off, uint32_t v);

/* Big-endian helpers for fixed layouts. */
uint32_t cur_be32(const uint8_t *p);
void cur_put_be32(uint8_t *p, uint32_t v);

#endif
