/*
 * Identifier names: validation and normalisation (domain.md §3.1).
 *
 * A handle is `prefix "/" suffix`.  The prefix is dot-separated segments
 * compared case-insensitively (normalised to ASCII upper case, as CNRI
 * does); the suffix is kept as given.  Names are UTF-8 without control
 * characters or white space.
 */
#ifndef CORE_HNAME_H
#define CORE_HNAME_H

#include <stddef.h>
#include <stdint.h>

#define HNAME_MAX 2048u

enum hname_status {
        HNAME_OK = 0,
        HNAME_NO_SLASH, /* well-formed but prefix-less: not a product ID */
        HNAME_INVALID,
};

/*
 * Checks `len` bytes at `p` against a limit of `max_len` bytes.  On
 * HNAME_OK (and HNAME_NO_SLASH), writes the normalised name to `out`
 * (NUL-terminated, `outsz` must exceed max_len) and its length to
 * *outlen.  On HNAME_INVALID, *why says what is wrong.
 */
enum hname_status hname_check(const uint8_t *p, size_t len, size_t max_len,
                              char *out, size_t outsz, size_t *outlen,
                              const char **why);

/* Length of the prefix part of a normalised name (up to the first '/'). */
size_t hname_prefix_len(const char *name, size_t len);

#endif
