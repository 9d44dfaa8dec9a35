/*
 * NAPTR records (RFC 3403) as the DDDS applications ORS and ONS use
 * them: ordering, terminal flags, and the substitution expression
 * ("!ERE!replacement!flags", RFC 3402 §3.2) applied to an Application
 * Unique String.  Pure functions; the regular expression is POSIX ERE
 * (regcomp), bounded repetition ("{m,n}") refused so a record cannot make
 * compiling it expensive.
 */
#ifndef CORE_NAPTR_H
#define CORE_NAPTR_H

#include <stddef.h>

/* Longest field: a DNS character-string. */
#define NAPTR_FIELD_MAX 255
/* Longest result of a substitution. */
#define NAPTR_OUT_MAX 1024

/* One record; the strings are borrowed (NUL-terminated). */
struct naptr_rec {
        unsigned order, pref;
        const char *flags, *service, *regexp, *replacement;
};

/* Sorts by order, then preference (the order clients must try). */
void naptr_sort(struct naptr_rec *r, size_t n);

/* 1 if the flags end the rewriting (U, S, A or P), 0 if not (empty). */
int naptr_terminal(const char *flags);

/*
 * Applies the substitution expression `re` to `aus`.  0 with the result
 * in out (NUL-terminated), 1 if the expression does not match, -1 with
 * *why if it is malformed or the result does not fit in outsz.
 */
int naptr_apply(const char *re, const char *aus, char *out, size_t outsz,
                const char **why);

#endif
