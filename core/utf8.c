#include "core/utf8.h"

#include <stdint.h>

size_t
utf8_chars(const char *s)
{
        size_t n = 0;

        for (; *s; s++)
                n += ((unsigned char)*s & 0xC0) != 0x80; /* not a follower */
        return n;
}

int
utf8_valid(const char *p, size_t len)
{
        const unsigned char *s = (const unsigned char *)p;
        size_t i = 0, n, k;
        uint32_t cp;

        while (i < len) {
                if (s[i] < 0x80) {
                        i++;
                        continue;
                }
                if (s[i] >= 0xC2 && s[i] <= 0xDF)
                        n = 2, cp = s[i] & 0x1F;
                else if (s[i] >= 0xE0 && s[i] <= 0xEF)
                        n = 3, cp = s[i] & 0x0F;
                else if (s[i] >= 0xF0 && s[i] <= 0xF4)
                        n = 4, cp = s[i] & 0x07;
                else
                        return 0;
                if (n > len - i)
                        return 0;
                for (k = 1; k < n; k++) {
                        if ((s[i + k] & 0xC0) != 0x80)
                                return 0;
                        cp = (cp << 6) | (s[i + k] & 0x3F);
                }
                if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
                    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
                        return 0;
                i += n;
        }
        return 1;
}
