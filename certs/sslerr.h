/*
 * OpenSSL's error queue as a message, for every module of certs/ that
 * reports an OpenSSL failure.
 */
#ifndef CERTS_SSLERR_H
#define CERTS_SSLERR_H

#include <stddef.h>

/*
 * "what: OpenSSL's first queued error" (just "what" if none) into err,
 * and the queue cleared, so a later failure never reports this one.
 */
void sslerr_message(char *err, size_t errlen, const char *what);

#endif
