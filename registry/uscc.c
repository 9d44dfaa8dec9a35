#include "registry/uscc.h"

#include <string.h>

/* The 31 characters of the code, in value order (no I, O, S, V, Z). */
static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* W_i = 3^(i-1) mod 31. */
static const int weights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                29, 25, 13, 8,  24, 10, 30, 28};

/*
 * Registering departments (position 1) and, where domain.md documents
 * them, the organisation kinds (position 2) each may issue.  Elsewhere
 * any kind is accepted: refusing a real code on a guess is worse.
 */
static const struct {
        char dept;
        const char *kinds; /* NULL: not documented, any accepted */
} categories[] = {
    {'1', "1239"}, /* 机构编制: 机关, 事业单位, 群众团体, 其他 */
    {'2', NULL},   /* 外交 */
    {'3', NULL},   /* 司法行政 */
    {'4', NULL},   /* 文化 */
    {'5', "1239"}, /* 民政: 社会团体, 民办非企业单位, 基金会, 其他 */
    {'6', NULL}, /* 旅游 */
    {'7', NULL}, /* 宗教 */
    {'8', NULL}, /* 工会 */
    {'9', "123"}, /* 市场监管: 企业, 个体工商户, 农民专业合作社 */
    {'A', NULL}, /* 中央军委改革和编制办公室 */
    {'N', NULL}, /* 农业 */
    {'Y', "1"},  /* 其他 */
};

static int
uscc_value(char ch)
{
        const char *p;

        if (ch >= 'a' && ch <= 'z')
                ch = (char)(ch - 'a' + 'A');
        p = ch ? strchr(alphabet, ch) : NULL;
        return p ? (int)(p - alphabet) : -1;
}

static int
uscc_category_ok(char dept, char kind)
{
        size_t i;

        for (i = 0; i < sizeof(categories) / sizeof(categories[0]); i++)
                if (categories[i].dept == dept)
                        return !categories[i].kinds ||
                               (kind && strchr(categories[i].kinds, kind));
        return 0;
}

enum uscc_status
uscc_check(const char *code, size_t len, char *expected, const char **why)
{
        const char *reason = NULL;
        enum uscc_status st = USCC_OK;
        int sum = 0, i, v;
        char want, dept, kind;

        if (len != USCC_LEN) {
                st = USCC_BAD_LENGTH;
                reason = "a unified social credit code has 18 characters";
                goto out;
        }
        for (i = 0; i < USCC_LEN; i++) {
                if (uscc_value(code[i]) < 0) {
                        st = USCC_BAD_CHAR;
                        reason = "only digits and the letters A-Y except I, "
                                 "O, S, V (and Z) are used";
                        goto out;
                }
        }
        dept = (char)(code[0] >= 'a' ? code[0] - 'a' + 'A' : code[0]);
        kind = code[1];
        if (!uscc_category_ok(dept, kind)) {
                st = USCC_BAD_CATEGORY;
                reason = "positions 1-2 are not a known registering "
                         "department and organisation kind";
                goto out;
        }
        for (i = 0; i < 17; i++)
                sum += uscc_value(code[i]) * weights[i];
        want = alphabet[(31 - sum % 31) % 31];
        v = uscc_value(code[17]);
        if (alphabet[v] != want) {
                st = USCC_BAD_CHECK;
                reason = "check character (position 18) does not match";
                if (expected)
                        *expected = want;
        }
out:
        if (why)
                *why = reason;
        return st;
}

int
uscc_org_code_ok(const char *code, size_t len)
{
        static const int w[8] = {3, 7, 9, 10, 5, 8, 4, 2};
        int sum = 0, i, c9;
        char ch, want;

        if (len != USCC_LEN)
                return 0;
        for (i = 0; i < 8; i++) {
                ch = code[8 + i];
                if (ch >= '0' && ch <= '9')
                        sum += (ch - '0') * w[i];
                else if (ch >= 'A' && ch <= 'Z')
                        sum += (ch - 'A' + 10) * w[i];
                else
                        return 0;
        }
        c9 = 11 - sum % 11;
        want = c9 == 10 ? 'X' : c9 == 11 ? '0' : (char)('0' + c9);
        return code[16] == want;
}
