#include "core/hmsg.h"

#include "core/wire.h"

#define HMSG_MAX_TYPE 32u

int
hmsg_answer_decode(const struct span *body, struct hmsg_answer *a)
{
        struct cur c;

        cur_init(&c, body->p, body->len);
        a->type = cur_bytes(&c, HMSG_MAX_TYPE);
        a->handle = cur_bytes(&c, WIRE_MAX_HANDLE);
        a->index = cur_u32(&c);
        a->answer = cur_bytes(&c, HMSG_MAX_ANSWER);
        return cur_ok(&c) && a->handle.len > 0 && a->answer.len > 0 ? 0 : -1;
}

/* The request digest: bytes, or u8 algorithm code + raw digest. */
static struct span
hmsg_digest(struct cur *c)
{
        static const uint8_t lens[] = {[1] = 16, [2] = 20, [3] = 32};
        const uint8_t *p = c->p + c->off;
        uint8_t code;

        if (cur_left(c) > 0 && p[0] == 0)
                return cur_bytes(c, 64);
        code = cur_u8(c);
        if (code == 0 || code >= sizeof(lens)) {
                cur_fail(c);
                return (struct span){NULL, 0};
        }
        return (struct span){cur_take(c, lens[code]), lens[code]};
}

int
hmsg_verify_decode(const struct span *body, struct hmsg_verify *v)
{
        struct cur c;

        cur_init(&c, body->p, body->len);
        v->handle = cur_bytes(&c, WIRE_MAX_HANDLE);
        v->index = cur_u32(&c);
        v->nonce = cur_bytes(&c, 64);
        v->digest = hmsg_digest(&c);
        v->answer = cur_bytes(&c, HMSG_MAX_ANSWER);
        return cur_ok(&c) && v->handle.len > 0 && v->nonce.len > 0 &&
                       v->answer.len > 0
                   ? 0
                   : -1;
}

int
hmsg_login_decode(const struct span *body, struct span *handle, uint32_t *index)
{
        struct cur c;

        cur_init(&c, body->p, body->len);
        *handle = cur_bytes(&c, WIRE_MAX_HANDLE);
        *index = cur_u32(&c);
        return cur_ok(&c) && handle->len > 0 ? 0 : -1;
}

int
hmsg_values_decode(const struct span *body, struct span *handle, struct hval *v,
                   uint32_t max, uint32_t *n)
{
        struct cur c;
        uint32_t i;

        cur_init(&c, body->p, body->len);
        *handle = cur_bytes(&c, WIRE_MAX_HANDLE);
        *n = cur_u32(&c);
        if (!cur_ok(&c) || *n == 0 || *n > max)
                return -1;
        for (i = 0; i < *n; i++)
                if (hval_decode(&c, &v[i]) < 0)
                        return -1;
        return cur_ok(&c) && handle->len > 0 ? 0 : -1;
}

int
hmsg_remove_decode(const struct span *body, struct span *handle, uint32_t *idx,
                   uint32_t max, uint32_t *n)
{
        struct cur c;
        uint32_t i;

        cur_init(&c, body->p, body->len);
        *handle = cur_bytes(&c, WIRE_MAX_HANDLE);
        *n = cur_u32(&c);
        if (!cur_ok(&c) || *n == 0 || *n > max)
                return -1;
        for (i = 0; i < *n; i++)
                idx[i] = cur_u32(&c);
        return cur_ok(&c) && handle->len > 0 ? 0 : -1;
}
