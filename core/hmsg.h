/*
 * Handle message bodies of authentication and administration
 * (protocol.md §5.3, §5.5, §7.3): the challenge answer (200), the verify
 * request (201), the IDIS channel login (2001) and the admin requests
 * (100-105).  Decoders are pure functions over caller-owned bytes; the
 * structs they fill hold spans into those bytes.  Trailing bytes after
 * a body are ignored, as CNRI does.
 */
#ifndef CORE_HMSG_H
#define CORE_HMSG_H

#include <stddef.h>
#include <stdint.h>

#include "core/cur.h"
#include "core/hval.h"

#define HMSG_MAX_ANSWER  8192u /* a signature or MAC answer */
#define HMSG_MAX_VALUES  512u  /* values of one admin request */
#define HMSG_MAX_INDEXES 512u  /* indexes of one remove request */

/* OC_CHALLENGE_RESPONSE (200). */
struct hmsg_answer {
        struct span type; /* "HS_PUBKEY" or "HS_SECKEY" */
        struct span handle;
        uint32_t index;
        struct span answer;
};

int hmsg_answer_decode(const struct span *body, struct hmsg_answer *a);

/* OC_VERIFY_RESPONSE (201). */
struct hmsg_verify {
        struct span handle;
        uint32_t index;
        struct span nonce;
        struct span digest; /* as sent: bytes, or u8 code + raw digest */
        struct span answer;
};

int hmsg_verify_decode(const struct span *body, struct hmsg_verify *v);

/* OC_LOGIN_ID_SYSTEM (2001): str identityHandle, u32 index. */
int hmsg_login_decode(const struct span *body, struct span *handle,
                      uint32_t *index);

/*
 * CREATE_HANDLE, ADD_VALUE, MODIFY_VALUE: str handle, u32 n, n values,
 * decoded into v[max] (views into body).  -1 if malformed, empty or
 * over max.
 */
int hmsg_values_decode(const struct span *body, struct span *handle,
                       struct hval *v, uint32_t max, uint32_t *n);

/* REMOVE_VALUE: str handle, list<u32> indexes, at most max. */
int hmsg_remove_decode(const struct span *body, struct span *handle,
                       uint32_t *idx, uint32_t max, uint32_t *n);

#endif
