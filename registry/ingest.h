/*
 * One input record of an import turned into an identifier record ready
 * for the store: validated, normalised and encoded.  No I/O here, so
 * every rule can be tested on its own.
 *
 * Formats:
 *   INGEST_VALUES  a JSON line {handle, values} with values in the
 *                  /api/handles shape, no template (the original import)
 *   INGEST_CSV     a CSV record: `handle`, then one column per template
 *                  item named by its idType (header read first)
 *   INGEST_JSONL   a JSON line in the SNMS registration shape
 *                  {handle, templateVersion, value:[{index, type,
 *                  data:{format:"string", value}}]}
 *
 * The template formats check a record as an HTTP registration would:
 * the handle (core/hname), its prefix being the import's prefix, and
 * the values against the template (tpl_check_values); they add index
 * 1001 TEMPLATE = the template's version.  Values are encoded as
 * hjson_encode_value does for a string value given without ttl,
 * timestamp or permissions: relative TTL 86400, timestamp `now`,
 * permissions 1110.
 */
#ifndef REGISTRY_INGEST_H
#define REGISTRY_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "core/cur.h"

struct csv;
struct tpl;

enum ingest_format { INGEST_VALUES, INGEST_CSV, INGEST_JSONL };

struct ingest_opts {
        enum ingest_format format;
        const struct tpl *tpl; /* borrowed, outlives the ingest; NULL
                                  for INGEST_VALUES */
        const char *prefix;    /* normalised (pfx_normalise) */
        size_t max_handle;     /* bytes, at most HNAME_MAX */
        const char *by;        /* who imports, recorded in the metadata */
};

/* A record made by ingest_csv / ingest_line, valid until the next call. */
struct ingest_rec {
        const char *name; /* normalised handle */
        size_t len;
        const struct span *vals; /* encoded values */
        uint32_t n;
        const char *meta; /* for KEYS_META_FIELD */
};

struct ingest;

/* NULL on ENOMEM.  Strings in `o` are copied. */
struct ingest *ingest_new(const struct ingest_opts *o);
void ingest_free(struct ingest *g);

/*
 * INGEST_CSV: the header record.  Every column but the first (`handle`)
 * must name an enabled template item, once; every enabled required item
 * must have a column.  0, or -1 with the reason in err.
 */
int ingest_header(struct ingest *g, const struct csv *rec, char *err,
                  size_t errlen);

/* INGEST_CSV: one data record (an empty field is a value not given). */
int ingest_csv(struct ingest *g, const struct csv *rec, uint32_t now,
               struct ingest_rec *out, char *err, size_t errlen);

/* INGEST_VALUES, INGEST_JSONL: one line (without its line end). */
int ingest_line(struct ingest *g, const char *p, size_t len, uint32_t now,
                struct ingest_rec *out, char *err, size_t errlen);

#endif
