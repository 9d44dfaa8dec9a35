#include "ops/prom.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct prom_label {
        const char *key, *value;
};

struct prom_sample {
        const char *name;
        double value;
        size_t first; /* its labels: l[first, first + n) */
        size_t n;
};

struct prom {
        char *text; /* a copy, cut in place into names and labels */
        struct prom_sample *s;
        size_t n, cap;
        struct prom_label *l;
        size_t nl, capl;
};

/* The line being parsed, for errors. */
struct prom_line {
        struct prom *p;
        char *c; /* the next character */
        size_t no;
        char *err;
        size_t errlen;
};

static int
prom_fail(struct prom_line *ln, const char *what)
{
        snprintf(ln->err, ln->errlen, "line %zu: %s", ln->no, what);
        return -1;
}

static int
prom_alpha(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int
prom_digit(char c)
{
        return c >= '0' && c <= '9';
}

static void
prom_blanks(struct prom_line *ln)
{
        while (*ln->c == ' ' || *ln->c == '\t')
                ln->c++;
}

/* A metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) at ln->c; its end or NULL. */
static char *
prom_name_end(char *s)
{
        if (!prom_alpha(*s) && *s != ':')
                return NULL;
        for (s++; prom_alpha(*s) || prom_digit(*s) || *s == ':'; s++)
                ;
        return s;
}

/* The token up to a blank or the end, NUL-terminated; ln->c after it. */
static char *
prom_token(struct prom_line *ln)
{
        char *t = ln->c;

        while (*ln->c && *ln->c != ' ' && *ln->c != '\t')
                ln->c++;
        if (*ln->c)
                *ln->c++ = '\0';
        return t;
}

/* A sample value: a decimal float, +Inf, -Inf or NaN.  0, or -1. */
static int
prom_number(const char *t, double *v)
{
        char *end;
        size_t i;

        if (strcmp(t, "+Inf") == 0 || strcmp(t, "Inf") == 0 ||
            strcmp(t, "-Inf") == 0 || strcmp(t, "NaN") == 0) {
                *v = strtod(t[0] == 'N'   ? "nan"
                            : t[0] == '-' ? "-inf"
                                          : "inf",
                            NULL);
                return 0;
        }
        for (i = 0; t[i]; i++)
                if (!prom_digit(t[i]) && !strchr(".eE+-", t[i]))
                        return -1;
        if (!i)
                return -1;
        *v = strtod(t, &end);
        return *end ? -1 : 0;
}

/* # HELP name text, # TYPE name type, or another comment. */
static int
prom_comment(struct prom_line *ln)
{
        static const char *const types[] = {"counter", "gauge", "histogram",
                                            "summary", "untyped"};
        int type;
        char *kw, *end;
        size_t i;

        ln->c++;
        prom_blanks(ln);
        kw = ln->c;
        type = strncmp(kw, "TYPE", 4) == 0;
        if ((!type && strncmp(kw, "HELP", 4) != 0) ||
            (kw[4] != ' ' && kw[4] != '\t'))
                return 0; /* a plain comment */
        ln->c += 4;
        prom_blanks(ln);
        if (!(end = prom_name_end(ln->c)) ||
            (*end && *end != ' ' && *end != '\t'))
                return prom_fail(ln, "a bad metric name after # HELP/TYPE");
        if (!type)
                return 0;
        ln->c = end;
        prom_blanks(ln);
        kw = prom_token(ln);
        prom_blanks(ln);
        for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
                if (strcmp(kw, types[i]) == 0 && !*ln->c)
                        return 0;
        return prom_fail(ln, "an unknown metric type");
}

/* One label value after its opening quote, unescaped in place. */
static char *
prom_quoted(struct prom_line *ln)
{
        char *v = ln->c, *w = ln->c;

        for (;;) {
                char ch = *ln->c++;

                if (!ch) {
                        prom_fail(ln, "an unterminated label value");
                        return NULL;
                }
                if (ch == '"')
                        break;
                if (ch == '\\') {
                        ch = *ln->c++;
                        if (ch != '\\' && ch != '"' && ch != 'n') {
                                prom_fail(ln, "a bad escape in a label value");
                                return NULL;
                        }
                        if (ch == 'n')
                                ch = '\n';
                }
                *w++ = ch;
        }
        *w = '\0';
        return v;
}

static int
prom_add_label(struct prom_line *ln, struct prom_sample *s, const char *key,
               const char *value)
{
        struct prom *p = ln->p;
        size_t i;

        for (i = s->first; i < p->nl; i++)
                if (strcmp(p->l[i].key, key) == 0)
                        return prom_fail(ln, "a label given twice");
        if (s->n == PROM_MAX_LABELS)
                return prom_fail(ln, "too many labels");
        if (p->nl == p->capl) {
                size_t cap = p->capl ? p->capl * 2 : 256;
                struct prom_label *l = realloc(p->l, cap * sizeof(*l));

                if (!l)
                        return prom_fail(ln, "out of memory");
                p->l = l;
                p->capl = cap;
        }
        p->l[p->nl].key = key;
        p->l[p->nl].value = value;
        p->nl++;
        s->n++;
        return 0;
}

/* {k="v",...} after the '{'; ln->c after the '}'. */
static int
prom_labels(struct prom_line *ln, struct prom_sample *s)
{
        for (;;) {
                char *key, *end, *value;

                prom_blanks(ln);
                if (*ln->c == '}')
                        break;
                key = ln->c;
                if (!prom_alpha(*key))
                        return prom_fail(ln, "a bad label name");
                for (end = key + 1; prom_alpha(*end) || prom_digit(*end); end++)
                        ;
                ln->c = end;
                prom_blanks(ln);
                if (*ln->c != '=')
                        return prom_fail(ln, "no '=' after a label name");
                ln->c++;
                *end = '\0';
                prom_blanks(ln);
                if (*ln->c++ != '"')
                        return prom_fail(ln, "a label value not in quotes");
                if (!(value = prom_quoted(ln)) ||
                    prom_add_label(ln, s, key, value) < 0)
                        return -1;
                prom_blanks(ln);
                if (*ln->c == ',')
                        ln->c++;
                else if (*ln->c != '}')
                        return prom_fail(ln, "no ',' or '}' after a label");
        }
        ln->c++;
        return 0;
}

static int
prom_sample(struct prom_line *ln)
{
        struct prom *p = ln->p;
        struct prom_sample s = {NULL, 0, p->nl, 0};
        char *end = prom_name_end(ln->c);
        double ts;

        if (!end)
                return prom_fail(ln, "a bad metric name");
        s.name = ln->c;
        ln->c = end;
        if (*end == '{') {
                ln->c++;
                if (prom_labels(ln, &s) < 0)
                        goto fail;
        }
        if (*ln->c != ' ' && *ln->c != '\t') {
                prom_fail(ln, "no value after the metric name");
                goto fail;
        }
        ln->c++;
        *end = '\0';
        prom_blanks(ln);
        if (prom_number(prom_token(ln), &s.value) < 0) {
                prom_fail(ln, "a bad sample value");
                goto fail;
        }
        prom_blanks(ln);
        if (*ln->c && (prom_number(prom_token(ln), &ts) < 0 || *ln->c)) {
                prom_fail(ln, "a bad timestamp or text after the value");
                goto fail;
        }
        if (p->n == PROM_MAX_SAMPLES) {
                prom_fail(ln, "too many samples");
                goto fail;
        }
        if (p->n == p->cap) {
                size_t cap = p->cap ? p->cap * 2 : 256;
                struct prom_sample *n = realloc(p->s, cap * sizeof(*n));

                if (!n) {
                        prom_fail(ln, "out of memory");
                        goto fail;
                }
                p->s = n;
                p->cap = cap;
        }
        p->s[p->n++] = s;
        return 0;
fail:
        p->nl = s.first;
        return -1;
}

struct prom *
prom_parse(const char *text, size_t len, char *err, size_t errlen)
{
        struct prom *p = calloc(1, sizeof(*p));
        struct prom_line ln = {p, NULL, 0, err, errlen};
        char *next;

        if (!p || !(p->text = malloc(len + 1))) {
                snprintf(err, errlen, "out of memory");
                goto fail;
        }
        if (len > PROM_MAX_TEXT || memchr(text, '\0', len)) {
                snprintf(err, errlen, "%s",
                         len > PROM_MAX_TEXT ? "longer than 8 MB"
                                             : "a NUL byte");
                goto fail;
        }
        memcpy(p->text, text, len);
        p->text[len] = '\0';
        for (ln.c = p->text; *ln.c; ln.c = next) {
                char *nl = strchr(ln.c, '\n');

                next = nl ? nl + 1 : ln.c + strlen(ln.c);
                if (nl)
                        *nl = '\0';
                ln.no++;
                prom_blanks(&ln);
                if (!*ln.c)
                        continue;
                if (*ln.c == '#' ? prom_comment(&ln) : prom_sample(&ln))
                        goto fail;
        }
        return p;
fail:
        prom_free(p);
        return NULL;
}

void
prom_free(struct prom *p)
{
        if (!p)
                return;
        free(p->text);
        free(p->s);
        free(p->l);
        free(p);
}

size_t
prom_count(const struct prom *p)
{
        return p->n;
}

const char *
prom_name(const struct prom *p, size_t i)
{
        return p->s[i].name;
}

double
prom_value(const struct prom *p, size_t i)
{
        return p->s[i].value;
}

const char *
prom_label(const struct prom *p, size_t i, const char *key)
{
        const struct prom_sample *s = &p->s[i];
        size_t k;

        for (k = s->first; k < s->first + s->n; k++)
                if (strcmp(p->l[k].key, key) == 0)
                        return p->l[k].value;
        return NULL;
}

double
prom_sum(const struct prom *p, const char *name, const char *const *match)
{
        double sum = 0;
        size_t i, m;

        for (i = 0; i < p->n; i++) {
                if (strcmp(p->s[i].name, name) != 0)
                        continue;
                for (m = 0; match && match[m] && match[m + 1]; m += 2) {
                        const char *v = prom_label(p, i, match[m]);

                        if (!v || strcmp(v, match[m + 1]) != 0)
                                break;
                }
                if (!match || !match[m])
                        sum += p->s[i].value;
        }
        return sum;
}
