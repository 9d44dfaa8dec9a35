#include "core/csv.h"

#include <stdlib.h>
#include <string.h>

struct csv_fld {
        size_t off, len; /* in scratch */
};

struct csv {
        size_t max_fields, max_record;
        size_t n;
        struct csv_fld *f;
        char *scratch; /* every field copied, each followed by a NUL */
        const char *err;
};

/* What ends a field: more input needed, a comma, the record's end. */
enum csv_end { CSV_END_MORE, CSV_END_COMMA, CSV_END_RECORD, CSV_END_BAD };

struct csv *
csv_new(size_t max_fields, size_t max_record)
{
        struct csv *c = calloc(1, sizeof(*c));

        if (!c || max_fields == 0 || max_record == 0)
                goto fail;
        c->max_fields = max_fields;
        c->max_record = max_record;
        c->f = calloc(max_fields, sizeof(*c->f));
        /* Fields never outgrow the record; each adds one NUL. */
        c->scratch = malloc(max_record + max_fields);
        if (!c->f || !c->scratch)
                goto fail;
        return c;
fail:
        csv_free(c);
        return NULL;
}

void
csv_free(struct csv *c)
{
        if (!c)
                return;
        free(c->f);
        free(c->scratch);
        free(c);
}

static enum csv_end
csv_bad(struct csv *c, const char *why)
{
        c->err = why;
        return CSV_END_BAD;
}

/*
 * The separator at p[*i] after a field: a comma, LF, CRLF, or the end
 * of the input.  Bytes at and past `lim` are not looked at; `fin` says
 * the input really ends there.
 */
static enum csv_end
csv_sep(struct csv *c, const char *p, size_t lim, int fin, size_t *i)
{
        if (*i >= lim)
                return fin ? CSV_END_RECORD : CSV_END_MORE;
        switch (p[*i]) {
        case ',':
                (*i)++;
                return CSV_END_COMMA;
        case '\n':
                (*i)++;
                return CSV_END_RECORD;
        case '\r':
                if (*i + 1 >= lim && !fin)
                        return CSV_END_MORE;
                if (*i + 1 < lim && p[*i + 1] == '\n') {
                        *i += 2;
                        return CSV_END_RECORD;
                }
                return csv_bad(c, "carriage return without line feed");
        default:
                return csv_bad(c, "a closing quote must be followed by a "
                                  "comma or the end of the line");
        }
}

/* A quoted field starting at p[*i] (the opening quote). */
static enum csv_end
csv_quoted(struct csv *c, const char *p, size_t lim, int fin, size_t *i,
           size_t *out)
{
        for ((*i)++; *i < lim; (*i)++) {
                if (p[*i] != '"') {
                        c->scratch[(*out)++] = p[*i];
                        continue;
                }
                if (*i + 1 >= lim && !fin)
                        return CSV_END_MORE;
                if (*i + 1 < lim && p[*i + 1] == '"') {
                        c->scratch[(*out)++] = '"';
                        (*i)++;
                        continue;
                }
                (*i)++;
                return csv_sep(c, p, lim, fin, i);
        }
        return fin ? csv_bad(c, "unterminated quoted field") : CSV_END_MORE;
}

static enum csv_end
csv_plain(struct csv *c, const char *p, size_t lim, int fin, size_t *i,
          size_t *out)
{
        for (; *i < lim; (*i)++) {
                char ch = p[*i];

                if (ch == ',' || ch == '\n' || ch == '\r')
                        return csv_sep(c, p, lim, fin, i);
                if (ch == '"')
                        return csv_bad(c, "quote inside an unquoted field "
                                          "(quote the whole field and double "
                                          "the quote)");
                c->scratch[(*out)++] = ch;
        }
        return fin ? CSV_END_RECORD : CSV_END_MORE;
}

enum csv_status
csv_parse(struct csv *c, const char *p, size_t len, int eof, size_t *used)
{
        /* Bytes past max_record are never looked at. */
        size_t lim = len < c->max_record ? len : c->max_record;
        int fin = eof && lim == len;
        size_t i = 0, out = 0;
        enum csv_end end;

        c->n = 0;
        c->err = NULL;
        *used = 0;
        if (len == 0)
                return CSV_MORE;
        do {
                if (c->n == c->max_fields) {
                        c->err = "too many fields";
                        return CSV_BAD;
                }
                c->f[c->n].off = out;
                if (i < lim && p[i] == '"')
                        end = csv_quoted(c, p, lim, fin, &i, &out);
                else
                        end = csv_plain(c, p, lim, fin, &i, &out);
                if (end == CSV_END_BAD)
                        return CSV_BAD;
                if (end == CSV_END_MORE) {
                        if (len >= c->max_record) {
                                c->err = "record too long";
                                return CSV_BAD;
                        }
                        return CSV_MORE;
                }
                c->f[c->n].len = out - c->f[c->n].off;
                c->scratch[out++] = '\0';
                c->n++;
        } while (end == CSV_END_COMMA);
        *used = i;
        return CSV_RECORD;
}

size_t
csv_count(const struct csv *c)
{
        return c->n;
}

const char *
csv_field(const struct csv *c, size_t i, size_t *len)
{
        *len = c->f[i].len;
        return c->scratch + c->f[i].off;
}

const char *
csv_error(const struct csv *c)
{
        return c->err ? c->err : "";
}
