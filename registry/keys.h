/*
 * The Redis key schema (DESIGN.md §4).  Every key name idnode uses is
 * built here and nowhere else.  Keys of one identifier carry it as a
 * hash tag, `{88.123.45/SUFFIX}`, so they share a cluster slot.
 */
#ifndef REGISTRY_KEYS_H
#define REGISTRY_KEYS_H

#include <stddef.h>

/* Longest key built here: tag overhead plus the longest handle. */
#define KEYS_MAX 2100

/*
 * Field of a handle hash that holds record metadata (not a value):
 * space-separated key=value pairs, kept short because every identifier
 * carries one ("c=CREATED" from imports; owner and platform join it when
 * the registry writes records).  Fields starting with '_' are never
 * values.
 */
#define KEYS_META_FIELD "_m"
/* Key prefix the resolvers' cache tracks for invalidation. */
#define KEYS_HANDLE_PREFIX "h:"

/*
 * Writes the key of the hash holding a handle's values; returns its
 * length, or 0 if it does not fit.
 */
size_t keys_handle(char *out, size_t outsz, const char *name, size_t len);

/*
 * For a key built by keys_handle, points *name at the handle inside it.
 * Returns the handle's length, or 0 if `key` is not a handle key.
 */
size_t keys_handle_name(const char *key, size_t len, const char **name);

/* An account: hash with role, ent (USCC), pw (verifier), c (created). */
size_t keys_user(char *out, size_t outsz, const char *name);

/* A login token, by the SHA-256 hex of the token (never the token). */
size_t keys_token(char *out, size_t outsz, const char *token_sha256_hex);

#endif
