#include "core/hname.h"

#include <string.h>

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if invalid. */
static size_t
utf8_seq(const uint8_t *p, size_t left)
{
        uint32_t cp;
        size_t n, i;

        if (p[0] < 0x80)
                return 1;
        if (p[0] >= 0xC2 && p[0] <= 0xDF)
                n = 2, cp = p[0] & 0x1F;
        else if (p[0] >= 0xE0 && p[0] <= 0xEF)
                n = 3, cp = p[0] & 0x0F;
        else if (p[0] >= 0xF0 && p[0] <= 0xF4)
                n = 4, cp = p[0] & 0x07;
        else
                return 0;
        if (left < n)
                return 0;
        for (i = 1; i < n; i++) {
                if ((p[i] & 0xC0) != 0x80)
                        return 0;
                cp = cp << 6 | (p[i] & 0x3F);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                return 0;
        /* C1 controls and every Unicode space separator are refused. */
        if (cp <= 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) ||
            cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
            cp == 0x3000 || cp == 0xFEFF)
                return 0;
        return n;
}

enum hname_status
hname_check(const uint8_t *p, size_t len, size_t max_len, char *out,
            size_t outsz, size_t *outlen, const char **why)
{
        size_t i = 0, n, slash = len;
        int seg_empty = 1;

        *why = NULL;
        if (len == 0) {
                *why = "empty handle";
                return HNAME_INVALID;
        }
        if (len > max_len || len >= outsz) {
                *why = "handle too long";
                return HNAME_INVALID;
        }
        while (i < len) {
                if (p[i] <= 0x20 || p[i] == 0x7F) {
                        *why = "control character or space in handle";
                        return HNAME_INVALID;
                }
                n = utf8_seq(p + i, len - i);
                if (n == 0) {
                        *why = "handle is not valid UTF-8";
                        return HNAME_INVALID;
                }
                if (slash == len) {
                        if (p[i] == '/') {
                                slash = i;
                        } else if (p[i] == '.') {
                                if (seg_empty) {
                                        *why = "empty prefix segment";
                                        return HNAME_INVALID;
                                }
                                seg_empty = 1;
                        } else {
                                seg_empty = 0;
                        }
                }
                i += n;
        }
        if (slash == 0 || (seg_empty && slash != len)) {
                *why = "empty prefix or prefix segment";
                return HNAME_INVALID;
        }
        if (slash == len - 1) {
                *why = "empty suffix";
                return HNAME_INVALID;
        }
        for (i = 0; i < len; i++) {
                uint8_t ch = p[i];

                if (i < slash && ch >= 'a' && ch <= 'z')
                        ch = (uint8_t)(ch - 'a' + 'A');
                out[i] = (char)ch;
        }
        out[len] = '\0';
        *outlen = len;
        if (slash == len) {
                if (seg_empty) {
                        *why = "empty prefix segment";
                        return HNAME_INVALID;
                }
                return HNAME_NO_SLASH;
        }
        return HNAME_OK;
}

size_t
hname_prefix_len(const char *name, size_t len)
{
        const char *s = memchr(name, '/', len);

        return s ? (size_t)(s - name) : len;
}
