#include "registry/ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/csv.h"
#include "core/hjson.h"
#include "core/hname.h"
#include "core/hval.h"
#include "registry/pfx.h"
#include "registry/tpl.h"

/* Encoded bytes of one record: far above any valid one. */
#define INGEST_MAX_BYTES (16u << 20)
/* A record's values, with room for the TEMPLATE value. */
#define INGEST_MAX_VALUES (HVAL_MAX_PER_HANDLE + 1)

static const char ingest_tpl_type[] = "TEMPLATE";

struct ingest {
        enum ingest_format format;
        const struct tpl *tpl;
        char prefix[PFX_MAX + 1];
        size_t max_handle;
        char by[64];
        /* CSV: per column (0 is the handle) the item's index and type */
        size_t ncols;
        uint32_t *col_index;
        char (*col_type)[HVAL_MAX_TYPE_LEN + 1];
        /* the record being built */
        char name[HNAME_MAX + 1];
        size_t namelen;
        char meta[128];
        struct hval *v;
        struct span *spans;
        struct wbuf w;
        json_t *root; /* the line's JSON while v points into it */
};

static int
ingest_fail(char *err, size_t errlen, const char *msg)
{
        snprintf(err, errlen, "%s", msg);
        return -1;
}

struct ingest *
ingest_new(const struct ingest_opts *o)
{
        struct ingest *g = calloc(1, sizeof(*g));

        if (!g)
                return NULL;
        g->format = o->format;
        g->tpl = o->tpl;
        snprintf(g->prefix, sizeof(g->prefix), "%s",
                 o->prefix ? o->prefix : "");
        snprintf(g->by, sizeof(g->by), "%s", o->by ? o->by : "");
        g->max_handle = o->max_handle < HNAME_MAX ? o->max_handle : HNAME_MAX;
        wbuf_init(&g->w, INGEST_MAX_BYTES);
        g->v = calloc(INGEST_MAX_VALUES, sizeof(*g->v));
        g->spans = calloc(INGEST_MAX_VALUES, sizeof(*g->spans));
        g->col_index = calloc(TPL_MAX_ITEMS + 1, sizeof(*g->col_index));
        g->col_type = calloc(TPL_MAX_ITEMS + 1, sizeof(*g->col_type));
        if (!g->v || !g->spans || !g->col_index || !g->col_type) {
                ingest_free(g);
                return NULL;
        }
        return g;
}

void
ingest_free(struct ingest *g)
{
        if (!g)
                return;
        json_decref(g->root);
        wbuf_free(&g->w);
        free(g->v);
        free(g->spans);
        free(g->col_index);
        free(g->col_type);
        free(g);
}

int
ingest_header(struct ingest *g, const struct csv *rec, char *err, size_t errlen)
{
        size_t n = csv_count(rec), i, k, len;
        const char *f = csv_field(rec, 0, &len);
        const char *missing;
        int state;

        if (len != 6 || memcmp(f, "handle", 6) != 0)
                return ingest_fail(err, errlen,
                                   "the first column must be \"handle\"");
        if (n - 1 > TPL_MAX_ITEMS)
                return ingest_fail(err, errlen,
                                   "more columns than a "
                                   "template has items");
        for (i = 1; i < n; i++) {
                f = csv_field(rec, i, &len);
                if (!tpl_item_by_type(g->tpl, f, len, &g->col_index[i],
                                      &state) ||
                    strlen(f) != len) {
                        snprintf(err, errlen,
                                 "column %zu is not an item (idType) of "
                                 "template %s",
                                 i + 1, tpl_version(g->tpl));
                        return -1;
                }
                if (!state) {
                        snprintf(err, errlen,
                                 "column %zu (%s) is a disabled item of "
                                 "template %s",
                                 i + 1, f, tpl_version(g->tpl));
                        return -1;
                }
                for (k = 1; k < i; k++)
                        if (g->col_index[k] == g->col_index[i]) {
                                snprintf(err, errlen,
                                         "column %zu (%s) appears twice", i + 1,
                                         f);
                                return -1;
                        }
                memcpy(g->col_type[i], f, len + 1);
        }
        missing = tpl_missing_required(g->tpl, g->col_index + 1, n - 1);
        if (missing) {
                snprintf(err, errlen,
                         "no column for %s, a required item of template %s",
                         missing, tpl_version(g->tpl));
                return -1;
        }
        g->ncols = n;
        return 0;
}

/* The handle: valid, with a prefix, and under the import's prefix. */
static int
ingest_handle(struct ingest *g, const char *p, size_t len, char *err,
              size_t errlen)
{
        const char *why = NULL;
        enum hname_status st =
            hname_check((const uint8_t *)p, len, g->max_handle, g->name,
                        sizeof(g->name), &g->namelen, &why);
        size_t plen;

        if (st != HNAME_OK) {
                snprintf(err, errlen, "bad handle: %s",
                         why ? why : "no prefix/suffix");
                return -1;
        }
        if (g->format == INGEST_VALUES)
                return 0;
        plen = hname_prefix_len(g->name, g->namelen);
        if (plen != strlen(g->prefix) || memcmp(g->name, g->prefix, plen)) {
                snprintf(err, errlen, "handle %s is not under prefix %s",
                         g->name, g->prefix);
                return -1;
        }
        return 0;
}

/* Appends one string value to g->w, its length in g->spans[k]. */
static void
ingest_put(struct ingest *g, size_t k, uint32_t index, struct span type,
           struct span data, uint32_t now)
{
        struct hval v;
        size_t before = g->w.len;

        hval_init(&v, index, type, data, now);
        hval_encode(&g->w, &v);
        g->spans[k].len = (uint32_t)(g->w.len - before);
}

/* Points the spans at their bytes once g->w no longer moves. */
static void
ingest_spans(struct ingest *g, size_t n, struct ingest_rec *out)
{
        size_t k, off = 0;

        for (k = 0; k < n; k++) {
                g->spans[k].p = g->w.p + off;
                off += g->spans[k].len;
        }
        out->name = g->name;
        out->len = g->namelen;
        out->vals = g->spans;
        out->n = (uint32_t)n;
        out->meta = g->meta;
}

/* The `nv` values in g->v against the template, then encoded. */
static int
ingest_finish(struct ingest *g, size_t nv, uint32_t now, struct ingest_rec *out,
              char *err, size_t errlen)
{
        const char *ver = tpl_version(g->tpl);
        struct span type = {(const uint8_t *)ingest_tpl_type,
                            sizeof(ingest_tpl_type) - 1};
        struct span data = {(const uint8_t *)ver, (uint32_t)strlen(ver)};
        size_t k;

        if (tpl_check_values(g->tpl, g->v, nv, err, errlen) < 0)
                return -1;
        wbuf_reset(&g->w);
        ingest_put(g, 0, TPL_VERSION_INDEX, type, data, now);
        for (k = 0; k < nv; k++)
                ingest_put(g, k + 1, g->v[k].index, g->v[k].type, g->v[k].data,
                           now);
        if (!wbuf_ok(&g->w))
                return ingest_fail(err, errlen, "record too large");
        /* Compact: every identifier carries it (keys.h). */
        snprintf(g->meta, sizeof(g->meta), "c=%u u=%u by=%s", now, now, g->by);
        ingest_spans(g, nv + 1, out);
        return 0;
}

int
ingest_csv(struct ingest *g, const struct csv *rec, uint32_t now,
           struct ingest_rec *out, char *err, size_t errlen)
{
        size_t n = csv_count(rec), i, len, nv = 0;
        const char *f;

        if (n != g->ncols) {
                snprintf(err, errlen, "%zu fields, the header has %zu", n,
                         g->ncols);
                return -1;
        }
        f = csv_field(rec, 0, &len);
        if (ingest_handle(g, f, len, err, errlen) < 0)
                return -1;
        for (i = 1; i < n; i++) {
                f = csv_field(rec, i, &len);
                if (len == 0)
                        continue;
                memset(&g->v[nv], 0, sizeof(g->v[nv]));
                g->v[nv].index = g->col_index[i];
                g->v[nv].type.p = (const uint8_t *)g->col_type[i];
                g->v[nv].type.len = (uint32_t)strlen(g->col_type[i]);
                g->v[nv].data.p = (const uint8_t *)f;
                g->v[nv].data.len = (uint32_t)len;
                nv++;
        }
        return ingest_finish(g, nv, now, out, err, errlen);
}

/* One element of an SNMS value[] array into g->v[i]. */
static int
ingest_snms_value(struct ingest *g, const json_t *e, size_t i, char *err,
                  size_t errlen)
{
        const json_t *idx = json_object_get(e, "index");
        const json_t *type = json_object_get(e, "type");
        const json_t *data = json_object_get(e, "data");
        const json_t *fmt = json_object_get(data, "format");
        const json_t *val = json_object_get(data, "value");

        if (!json_is_integer(idx) || json_integer_value(idx) < 0 ||
            json_integer_value(idx) > UINT32_MAX || !json_is_string(type)) {
                snprintf(err, errlen,
                         "value[%zu] needs an integer index and a string "
                         "type",
                         i);
                return -1;
        }
        if (!json_is_string(fmt) ||
            strcmp(json_string_value(fmt), "string") != 0 ||
            !json_is_string(val)) {
                snprintf(err, errlen,
                         "value[%zu].data must be {\"format\":\"string\", "
                         "\"value\":\"...\"}",
                         i);
                return -1;
        }
        memset(&g->v[i], 0, sizeof(g->v[i]));
        g->v[i].index = (uint32_t)json_integer_value(idx);
        g->v[i].type.p = (const uint8_t *)json_string_value(type);
        g->v[i].type.len = (uint32_t)json_string_length(type);
        g->v[i].data.p = (const uint8_t *)json_string_value(val);
        g->v[i].data.len = (uint32_t)json_string_length(val);
        return 0;
}

static int
ingest_snms(struct ingest *g, uint32_t now, struct ingest_rec *out, char *err,
            size_t errlen)
{
        const json_t *h = json_object_get(g->root, "handle");
        const json_t *tv = json_object_get(g->root, "templateVersion");
        const json_t *vals = json_object_get(g->root, "value");
        const json_t *e;
        size_t i;

        if (!json_is_string(h) || !json_is_string(tv) || !json_is_array(vals))
                return ingest_fail(err, errlen,
                                   "need \"handle\", \"templateVersion\" "
                                   "and \"value\" (an array)");
        if (ingest_handle(g, json_string_value(h), json_string_length(h), err,
                          errlen) < 0)
                return -1;
        if (strcmp(json_string_value(tv), tpl_version(g->tpl)) != 0) {
                snprintf(err, errlen,
                         "templateVersion is not %s, the template of this "
                         "import",
                         tpl_version(g->tpl));
                return -1;
        }
        if (json_array_size(vals) > TPL_MAX_ITEMS)
                return ingest_fail(err, errlen,
                                   "more values than a template has items");
        json_array_foreach(vals, i, e)
        {
                if (ingest_snms_value(g, e, i, err, errlen) < 0)
                        return -1;
        }
        return ingest_finish(g, json_array_size(vals), now, out, err, errlen);
}

/* The original format: any values, encoded from their JSON. */
static int
ingest_values(struct ingest *g, uint32_t now, struct ingest_rec *out, char *err,
              size_t errlen)
{
        const json_t *h = json_object_get(g->root, "handle");
        const json_t *vals = json_object_get(g->root, "values");
        const json_t *e;
        size_t i, k, n;

        if (!json_is_string(h) || !json_is_array(vals))
                return ingest_fail(err, errlen,
                                   "need \"handle\" and \"values\"");
        if (ingest_handle(g, json_string_value(h), json_string_length(h), err,
                          errlen) < 0)
                return -1;
        n = json_array_size(vals);
        if (n == 0 || n > HVAL_MAX_PER_HANDLE) {
                snprintf(err, errlen, "1 to %u values per handle",
                         HVAL_MAX_PER_HANDLE);
                return -1;
        }
        wbuf_reset(&g->w);
        json_array_foreach(vals, i, e)
        {
                size_t before = g->w.len;

                if (hjson_encode_value(e, now, &g->w, err, errlen) < 0)
                        return -1;
                g->spans[i].len = (uint32_t)(g->w.len - before);
                /* The index leads the encoding. */
                g->v[i].index = cur_be32(g->w.p + before);
                for (k = 0; k < i; k++)
                        if (g->v[k].index == g->v[i].index) {
                                snprintf(err, errlen, "index %u used twice",
                                         g->v[i].index);
                                return -1;
                        }
        }
        snprintf(g->meta, sizeof(g->meta), "c=%u", now);
        ingest_spans(g, n, out);
        return 0;
}

int
ingest_line(struct ingest *g, const char *p, size_t len, uint32_t now,
            struct ingest_rec *out, char *err, size_t errlen)
{
        json_error_t jerr;

        json_decref(g->root);
        g->root = json_loadb(p, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!g->root) {
                snprintf(err, errlen, "invalid JSON: %s", jerr.text);
                return -1;
        }
        if (!json_is_object(g->root))
                return ingest_fail(err, errlen, "a line must be a JSON object");
        return g->format == INGEST_JSONL
                   ? ingest_snms(g, now, out, err, errlen)
                   : ingest_values(g, now, out, err, errlen);
}
