/*
 * Passwords and bearer tokens (issue 4's login).  Pure functions over
 * OpenSSL; nothing here touches Redis or logs a secret.
 *
 * Hashing a password is deliberately slow (PBKDF2-HMAC-SHA256, many
 * iterations): callers must not run it on an event-loop thread.
 */
#ifndef CERTS_SECRET_H
#define CERTS_SECRET_H

#include <stddef.h>
#include <stdint.h>

#define SECRET_ITERATIONS 200000u
#define SECRET_HASH_MAX   160 /* stored password verifier, with NUL */
#define SECRET_HEX64      65  /* 32 bytes as lower-case hex, with NUL */

/*
 * The stored form of a password:
 * "pbkdf2-sha256$ITERATIONS$SALT_BASE64$HASH_BASE64", with a fresh
 * random 16-byte salt.  0, or -1 if randomness or the KDF failed.
 */
int secret_hash_password(const char *pwd, size_t len, uint32_t iterations,
                         char out[SECRET_HASH_MAX]);

/* 1 if pwd matches the stored form (compared in constant time), else 0. */
int secret_verify_password(const char *stored, const char *pwd, size_t len);

/*
 * The SNMS "/identity/token/v1" password field (domain.md §2.A):
 * lower-hex sha256(lower-hex sha256(pwd) + "yyyy-MM-dd").
 */
void secret_v1_digest(const char *pwd, size_t len, const char *date,
                      char out[SECRET_HEX64]);
/* The same from the inner part, lower-hex sha256(pwd) (what is stored). */
void secret_v1_from_inner(const char inner[SECRET_HEX64], const char *date,
                          char out[SECRET_HEX64]);
/* lower-hex sha256(p). */
void secret_sha256_hex(const void *p, size_t len, char out[SECRET_HEX64]);

/* A new bearer token: 32 random bytes as 64 hex characters. 0 or -1. */
int secret_new_token(char out[SECRET_HEX64]);

/* The key a token is stored under: lower-hex sha256(token). */
void secret_token_key(const char *token, size_t len, char out[SECRET_HEX64]);

#endif
