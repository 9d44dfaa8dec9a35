#include "core/utf8.h"

size_t
utf8_chars(const char *s)
{
        size_t n = 0;

        for (; *s; s++)
                n += ((unsigned char)*s & 0xC0) != 0x80; /* not a follower */
        return n;
}
