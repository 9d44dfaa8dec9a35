#include "core/naptr.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

/* Back-references \1..\9 and the whole match. */
#define NAPTR_GROUPS 10

static int
naptr_cmp(const void *a, const void *b)
{
        const struct naptr_rec *x = a, *y = b;

        if (x->order != y->order)
                return x->order < y->order ? -1 : 1;
        if (x->pref != y->pref)
                return x->pref < y->pref ? -1 : 1;
        return 0;
}

void
naptr_sort(struct naptr_rec *r, size_t n)
{
        if (n > 1)
                qsort(r, n, sizeof(*r), naptr_cmp);
}

int
naptr_terminal(const char *flags)
{
        return strpbrk(flags, "UuSsAaPp") != NULL;
}

/*
 * Copies the field of `re` starting at *i up to the next unescaped
 * `delim` into out, dropping the backslash of an escaped delimiter
 * (other escapes are kept for regcomp or the replacement).  -1 if there
 * is no closing delimiter.
 */
static int
naptr_field(const char *re, size_t *i, char delim, char *out, size_t outsz)
{
        size_t o = 0, k = *i;

        for (; re[k] && re[k] != delim; k++) {
                if (re[k] == '\\' && re[k + 1] == delim)
                        k++;
                else if (re[k] == '\\' && re[k + 1] && o + 1 < outsz)
                        out[o++] = re[k++];
                if (o + 1 >= outsz)
                        return -1;
                out[o++] = re[k];
        }
        if (re[k] != delim)
                return -1;
        out[o] = '\0';
        *i = k + 1;
        return 0;
}

/*
 * Constructs that make glibc's regcomp or regexec take time or memory
 * out of proportion to a 255-byte pattern: bounded repetition ("{m,n}"),
 * a repetition operator applied to a repetition ("a**", "(a*)*") and
 * back-references in the pattern ("\\1").
 */
static int
naptr_costly(const char *ere)
{
        int depth = 0, inner[NAPTR_FIELD_MAX + 1] = {0};
        size_t i;

        for (i = 0; ere[i]; i++) {
                char c = ere[i];

                if (c == '\\' && ere[i + 1]) {
                        if (ere[++i] >= '0' && ere[i] <= '9')
                                return 1;
                } else if (c == '{') {
                        return 1;
                } else if (c == '[') { /* a bracket expression: literal */
                        i += ere[i + 1] == '^';
                        i += ere[i + 1] == ']';
                        while (ere[i + 1] && ere[i + 1] != ']')
                                i++;
                        i += ere[i + 1] == ']';
                } else if (c == '(') {
                        inner[++depth] = 0;
                } else if (c == ')' && depth > 0) {
                        /* A quantified group must not be quantified. */
                        if (inner[depth--] &&
                            (ere[i + 1] == '*' || ere[i + 1] == '+' ||
                             ere[i + 1] == '?'))
                                return 1;
                        inner[depth] |= inner[depth + 1];
                } else if (c == '*' || c == '+' || c == '?') {
                        if (i > 0 && (ere[i - 1] == '*' || ere[i - 1] == '+' ||
                                      ere[i - 1] == '?'))
                                return 1;
                        inner[depth] = 1;
                }
        }
        return 0;
}

int
naptr_apply(const char *re, const char *aus, char *out, size_t outsz,
            const char **why)
{
        char ere[NAPTR_FIELD_MAX + 1], rep[NAPTR_FIELD_MAX + 1];
        regmatch_t m[NAPTR_GROUPS];
        regex_t rx;
        size_t i = 1, o = 0, k;
        char delim = re[0];
        int cflags = REG_EXTENDED, rc = -1;

        *why = "malformed substitution expression";
        if (strlen(re) > NAPTR_FIELD_MAX || !delim || delim == '\\' ||
            (delim >= '0' && delim <= '9') || delim == 'i' ||
            naptr_field(re, &i, delim, ere, sizeof(ere)) < 0 ||
            naptr_field(re, &i, delim, rep, sizeof(rep)) < 0)
                return -1;
        if (strcmp(re + i, "i") == 0)
                cflags |= REG_ICASE;
        else if (re[i])
                return -1;
        if (strlen(aus) > NAPTR_FIELD_MAX) {
                *why = "string to rewrite too long";
                return -1;
        }
        if (naptr_costly(ere)) {
                *why = "bounded or stacked repetition and back-references "
                       "in the pattern are not supported";
                return -1;
        }
        if (regcomp(&rx, ere, cflags) != 0)
                return -1;
        if (regexec(&rx, aus, NAPTR_GROUPS, m, 0) != 0) {
                regfree(&rx);
                return 1;
        }
        *why = "substitution result too long";
        for (k = 0; rep[k]; k++) {
                const char *p = rep + k;
                size_t n = 1;

                if (rep[k] == '\\' && rep[k + 1] >= '1' && rep[k + 1] <= '9') {
                        regmatch_t *g = &m[rep[++k] - '0'];

                        if (g->rm_so < 0)
                                continue; /* a group that did not take part */
                        p = aus + g->rm_so;
                        n = (size_t)(g->rm_eo - g->rm_so);
                } else if (rep[k] == '\\' && rep[k + 1]) {
                        p = rep + ++k;
                }
                if (o + n >= outsz)
                        goto fail;
                memcpy(out + o, p, n);
                o += n;
        }
        if (outsz == 0)
                goto fail;
        out[o] = '\0';
        rc = 0;
fail:
        regfree(&rx);
        return rc;
}
