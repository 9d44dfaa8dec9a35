/*
 * Fuzz target: handle name validation and normalisation.
 *
 * Invariants (abort() when violated), for limits 255 and 2048:
 *  - HNAME_OK: same length, NUL-terminated, prefix (before the first '/')
 *    is the input ASCII-upper-cased, suffix bytes unchanged, and
 *    hname_prefix_len finds the same '/';
 *  - HNAME_NO_SLASH: no '/', the whole name ASCII-upper-cased;
 *  - accepted names contain no byte <= 0x20 and no DEL;
 *  - checking the output again gives the same status and output;
 *  - HNAME_INVALID always says why; the two limits agree on short input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/hname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
        if (!ok)
                abort();
}

static uint8_t
upper(uint8_t ch)
{
        return ch >= 'a' && ch <= 'z' ? (uint8_t)(ch - 'a' + 'A') : ch;
}

static enum hname_status
check_one(const uint8_t *data, size_t size, size_t max_len)
{
        static char out[HNAME_MAX + 1], again[HNAME_MAX + 1];
        const uint8_t *sl;
        const char *why = NULL, *why2 = NULL;
        size_t outlen = (size_t)-1, len2 = (size_t)-1, slash, i;
        enum hname_status st, st2;

        st = hname_check(data, size, max_len, out, max_len + 1, &outlen, &why);
        if (st == HNAME_INVALID) {
                check(why != NULL && why[0] != '\0');
                return st;
        }
        check(st == HNAME_OK || st == HNAME_NO_SLASH);
        check(why == NULL);
        check(outlen == size && size > 0 && size <= max_len);
        check(out[size] == '\0');
        for (i = 0; i < size; i++)
                check(data[i] > 0x20 && data[i] != 0x7F);
        sl = memchr(data, '/', size);
        if (st == HNAME_NO_SLASH) {
                check(sl == NULL);
                slash = size;
        } else {
                check(sl != NULL);
                slash = (size_t)(sl - data);
                check(slash > 0 && slash + 1 < size);
                check(memcmp(out + slash, data + slash, size - slash) == 0);
        }
        for (i = 0; i < slash; i++)
                check((uint8_t)out[i] == upper(data[i]));
        check(hname_prefix_len(out, outlen) == slash);

        st2 = hname_check((const uint8_t *)out, outlen, max_len, again,
                          max_len + 1, &len2, &why2);
        check(st2 == st);
        check(len2 == outlen && memcmp(again, out, outlen + 1) == 0);
        return st;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        enum hname_status a = check_one(data, size, 255);
        enum hname_status b = check_one(data, size, 2048);

        if (size <= 255)
                check(a == b);
        else
                check(a == HNAME_INVALID);
        return 0;
}
