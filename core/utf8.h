/* UTF-8 text measures shared by the JSON front ends. */
#ifndef CORE_UTF8_H
#define CORE_UTF8_H

#include <stddef.h>

/*
 * Characters (code points) of a NUL-terminated UTF-8 string: the unit of
 * the SNMS length limits, which count characters, not bytes.
 */
size_t utf8_chars(const char *s);

#endif
