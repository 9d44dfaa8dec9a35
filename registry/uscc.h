/*
 * 统一社会信用代码 (unified social credit code, GB 32100-2015): the
 * identity of every enterprise registered on the node.  domain.md §7.
 */
#ifndef REGISTRY_USCC_H
#define REGISTRY_USCC_H

#include <stddef.h>

#define USCC_LEN 18

enum uscc_status {
        USCC_OK = 0,
        USCC_BAD_LENGTH,   /* not 18 characters */
        USCC_BAD_CHAR,     /* outside 0-9 A-Z less I O S V Z */
        USCC_BAD_CATEGORY, /* position 1-2 not a known department/kind */
        USCC_BAD_CHECK,    /* position 18 does not match */
};

/*
 * Checks a code (ASCII; lower-case letters are accepted and compared
 * upper-cased).  On USCC_BAD_CHECK *expected (if not NULL) is the check
 * character the first 17 call for.  *why (if not NULL) says what is
 * wrong in English.
 */
enum uscc_status uscc_check(const char *code, size_t len, char *expected,
                            const char **why);

/*
 * 1 if positions 9-17 carry a consistent GB 11714 organisation code.
 * Advisory only: not every issued code is known to satisfy it.
 */
int uscc_org_code_ok(const char *code, size_t len);

#endif
