/*
 * The node's secret key and what it protects: values the node must be
 * able to read back but Redis must not hold in the clear (the SHA-256 of
 * a password that the SNMS v1 login needs, which is as good as the
 * password there).  AES-256-GCM with a fresh random nonce per value;
 * the associated data binds a value to its place (the account it
 * belongs to), so it cannot be copied to another.
 *
 * A seal_key is immutable once loaded: one owner frees it, every thread
 * may read it meanwhile.  Nothing here logs a key or a plaintext.
 */
#ifndef CERTS_SEAL_H
#define CERTS_SEAL_H

#include <stddef.h>
#include <stdint.h>

#define SEAL_KEY_LEN 32
/* Longest plaintext sealed here (a hex SHA-256 is 64). */
#define SEAL_MAX_PLAIN 256
/* "gcm1$" + base64(12-byte nonce + ciphertext + 16-byte tag), with NUL. */
#define SEAL_TEXT_MAX (5 + 4 * ((12 + SEAL_MAX_PLAIN + 16 + 2) / 3) + 1)

struct seal_key;

/*
 * Reads a key file: exactly 32 bytes, or 64 hex digits (one trailing
 * newline allowed).  Refuses a file that is not regular or whose mode
 * is not 0600 or stricter (group or others may not even list it).
 * NULL with the reason in err.
 */
struct seal_key *seal_key_load(const char *path, char *err, size_t errlen);
/* The same from the file's bytes (without the mode check). */
struct seal_key *seal_key_parse(const uint8_t *p, size_t len, char *err,
                                size_t errlen);
/* Wipes and frees the key (NULL is fine). */
void seal_key_free(struct seal_key *k);

/*
 * Seals `len` bytes (at most SEAL_MAX_PLAIN) for the place named by
 * `aad` into out[SEAL_TEXT_MAX] as "gcm1$BASE64".  0, or -1 if the input
 * is too long or randomness or the cipher failed.
 */
int seal_encrypt(const struct seal_key *k, const uint8_t *plain, size_t len,
                 const char *aad, char out[SEAL_TEXT_MAX]);
/*
 * Opens a sealed text into plain[SEAL_MAX_PLAIN], its length in *len.
 * 0, or -1 if the text is malformed, was sealed under another key or
 * for another place, or was changed in any bit.
 */
int seal_decrypt(const struct seal_key *k, const char *text, const char *aad,
                 uint8_t plain[SEAL_MAX_PLAIN], size_t *len);

#endif
