#include "core/hval.h"

#include <stdlib.h>
#include <string.h>

int
hval_decode(struct cur *c, struct hval *v)
{
        size_t start = c->off;
        uint32_t i;

        v->index = cur_u32(c);
        v->timestamp = cur_u32(c);
        v->ttl_type = cur_u8(c);
        v->ttl = cur_u32(c);
        v->perms = cur_u8(c);
        v->type = cur_bytes(c, HVAL_MAX_TYPE_LEN);
        v->data = cur_bytes(c, HVAL_MAX_DATA_LEN);
        v->nrefs = cur_u32(c);
        if (!cur_ok(c) || v->nrefs > HVAL_MAX_REFS)
                return -1;
        v->refs.p = c->p + c->off;
        for (i = 0; i < v->nrefs; i++) {
                (void)cur_bytes(c, HVAL_MAX_DATA_LEN);
                (void)cur_u32(c);
        }
        if (!cur_ok(c) || v->ttl_type > HVAL_TTL_ABSOLUTE)
                return -1;
        v->refs.len = (uint32_t)(c->p + c->off - v->refs.p);
        v->wire.p = c->p + start;
        v->wire.len = (uint32_t)(c->off - start);
        return 0;
}

void
hval_encode(struct wbuf *w, const struct hval *v)
{
        wbuf_u32(w, v->index);
        wbuf_u32(w, v->timestamp);
        wbuf_u8(w, v->ttl_type);
        wbuf_u32(w, v->ttl);
        wbuf_u8(w, v->perms);
        wbuf_bytes(w, v->type.p, v->type.len);
        wbuf_bytes(w, v->data.p, v->data.len);
        wbuf_u32(w, v->nrefs);
        wbuf_put(w, v->refs.p, v->refs.len);
}

int
hval_parse(const uint8_t *p, size_t len, struct hval *v)
{
        struct cur c;

        cur_init(&c, p, len);
        if (hval_decode(&c, v) < 0 || cur_left(&c) != 0)
                return -1;
        return 0;
}

static int
ascii_upper(int ch)
{
        return ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch;
}

/* 1 if the first n bytes of a and b are equal with ASCII case folded. */
static int
ci_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
        size_t i;

        for (i = 0; i < n; i++)
                if (ascii_upper(a[i]) != ascii_upper(b[i]))
                        return 0;
        return 1;
}

int
hval_type_match(struct span type, const uint8_t *q, size_t qlen)
{
        if (qlen == 0 || type.len < qlen || !ci_equal(type.p, q, qlen))
                return 0;
        if (type.len == qlen)
                return 1;
        if (q[qlen - 1] == '.' || q[qlen - 1] == '_')
                return 1;
        return type.p[qlen] == '.';
}

int
hfilter_match(const struct hfilter *f, const struct hval *v)
{
        uint32_t i;

        if (f->nidx == 0 && f->ntypes == 0)
                return 1;
        for (i = 0; i < f->nidx; i++)
                if (f->idx[i] == v->index)
                        return 1;
        for (i = 0; i < f->ntypes; i++)
                if (hval_type_match(v->type, f->types[i].p, f->types[i].len))
                        return 1;
        return 0;
}

static int
hval_cmp_index(const void *a, const void *b)
{
        const struct hval *x = a, *y = b;

        return x->index < y->index ? -1 : x->index > y->index;
}

struct hrec *
hrec_new(const struct span *vals, uint32_t n, uint32_t *bad)
{
        size_t total = 0, off;
        uint32_t i, k = 0, nbad = 0;
        struct hrec *r;
        uint8_t *blob;

        if (n > HVAL_MAX_PER_HANDLE)
                n = HVAL_MAX_PER_HANDLE;
        for (i = 0; i < n; i++)
                total += vals[i].len;
        r = malloc(sizeof(*r) + n * sizeof(struct hval) + total);
        if (!r)
                return NULL;
        r->v = (struct hval *)(r + 1);
        r->min_ttl = UINT32_MAX;
        r->memo = NULL;
        r->memo_len = 0;
        blob = (uint8_t *)(r->v + n);
        off = 0;
        for (i = 0; i < n; i++) {
                if (vals[i].len)
                        memcpy(blob + off, vals[i].p, vals[i].len);
                if (hval_parse(blob + off, vals[i].len, &r->v[k]) < 0) {
                        nbad++;
                } else {
                        if (r->v[k].ttl_type == HVAL_TTL_RELATIVE &&
                            r->v[k].ttl < r->min_ttl)
                                r->min_ttl = r->v[k].ttl;
                        k++;
                }
                off += vals[i].len;
        }
        r->n = k;
        qsort(r->v, k, sizeof(struct hval), hval_cmp_index);
        if (bad)
                *bad = nbad;
        return r;
}

struct hrec *
hrec_dup(const struct hrec *r)
{
        struct span *v;
        struct hrec *c;
        uint32_t i;

        if (!r)
                return NULL;
        if (r->n == 0)
                return hrec_new(NULL, 0, NULL);
        if (!(v = calloc(r->n, sizeof(*v))))
                return NULL;
        for (i = 0; i < r->n; i++)
                v[i] = r->v[i].wire;
        c = hrec_new(v, r->n, NULL);
        free(v);
        return c;
}

struct hrec *
hrec_one(uint32_t index, const char *type, const uint8_t *data, size_t len,
         uint32_t timestamp)
{
        struct wbuf w;
        struct hval v;
        struct span one;
        struct hrec *rec = NULL;

        wbuf_init(&w, 0);
        hval_init(&v, index,
                  (struct span){(const uint8_t *)type, (uint32_t)strlen(type)},
                  (struct span){data, (uint32_t)len}, timestamp);
        hval_encode(&w, &v);
        if (wbuf_ok(&w)) {
                one.p = w.p;
                one.len = (uint32_t)w.len;
                rec = hrec_new(&one, 1, NULL);
        }
        wbuf_free(&w);
        return rec;
}

void
hrec_free(struct hrec *r)
{
        if (r)
                free(r->memo);
        free(r);
}

size_t
hrec_size(const struct hrec *r)
{
        size_t s = sizeof(*r) + r->memo_len;
        uint32_t i;

        for (i = 0; i < r->n; i++)
                s += sizeof(struct hval) + r->v[i].wire.len;
        return s;
}

void
hval_init(struct hval *v, uint32_t index, struct span type, struct span data,
          uint32_t timestamp)
{
        memset(v, 0, sizeof(*v));
        v->index = index;
        v->timestamp = timestamp;
        v->ttl_type = HVAL_TTL_RELATIVE;
        v->ttl = HVAL_TTL_DEFAULT;
        v->perms = HVAL_PERMS_DEFAULT;
        v->type = type;
        v->data = data;
}
