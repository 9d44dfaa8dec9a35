/*
 * The value of c:{NAME} (registry/keys): an answer from another node
 * shared through Redis by the workers and instances (resolver/upstream).
 * u64 fresh-until (Unix ms), u32 response code (SUCCESS or
 * HANDLE_NOT_FOUND), u32 n, n encoded values.
 */
#ifndef RESOLVER_UCACHE_H
#define RESOLVER_UCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "core/cur.h"

struct hrec;

void ucache_encode(struct wbuf *w, uint64_t until_ms, uint32_t rc,
                   const struct hrec *rec);
/*
 * Decodes a value at Unix time now_ms: 1 fresh, 0 stale, -1 malformed.
 * *rc its code, *rec a new record for RC_SUCCESS (NULL otherwise, and
 * on no memory: -1), *left_ms how long it stays fresh.
 */
int ucache_decode(const uint8_t *p, size_t len, uint64_t now_ms, uint32_t *rc,
                  struct hrec **rec, uint64_t *left_ms);

#endif
