/* UTF-8 text measures shared by the JSON front ends. */
#ifndef CORE_UTF8_H
#define CORE_UTF8_H

#include <stddef.h>

/*
 * Characters (code points) of a NUL-terminated UTF-8 string: the unit of
 * the SNMS length limits, which count characters, not bytes.
 */
size_t utf8_chars(const char *s);

/*
 * 1 if len bytes at p are UTF-8 as JSON strings take it (jansson's
 * rules: no overlong forms, surrogates or code points past U+10FFFF;
 * NUL allowed), else 0.
 */
int utf8_valid(const char *p, size_t len);

#endif
