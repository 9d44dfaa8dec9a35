/*
 * One SNMS identifier item (domain.md §2.A "identityv2"): the JSON object
 * {handle, templateVersion, value[]} of a register or update call, checked
 * and turned into handle values, ready to be validated against the
 * template (tpl_check_values) and encoded (hval_encode).
 *
 * An optional templatePrefix names the prefix whose template
 * templateVersion is (default: the identifier's own), for templates
 * their owner shares with listed enterprises (registry/tpl).
 *
 * Each element of value[] is {index, type, data:{format:"string",
 * value}, auth?}: type at most 128 characters, value at most 255, auth
 * (a reserved permission code) at most 64 and not stored.  Values get
 * the defaults of an import: TTL 86400 s relative, permissions "1110"
 * (public read), no references, timestamp 0 (the writer sets it).
 */
#ifndef REGISTRY_IDITEM_H
#define REGISTRY_IDITEM_H

#include <stddef.h>

#include <jansson.h>

struct hval;
struct iditem;

#define IDITEM_MAX_VALUES  512u /* a template's items at most */
#define IDITEM_MAX_TYPE    128u /* characters (and bytes) */
#define IDITEM_MAX_VALUE   255u /* characters */
#define IDITEM_MAX_AUTH    64u  /* characters */
#define IDITEM_MAX_VERSION 128u /* characters */

/*
 * Checks a handle given as JSON (`j`, borrowed) against the handle syntax
 * (core/hname) and a limit of `max_bytes`, and writes it normalised
 * (prefix upper-cased) to out[outsz], its length to *outlen.  0, or -1
 * with the reason in err.
 */
int iditem_handle(const json_t *j, size_t max_bytes, char *out, size_t outsz,
                  size_t *outlen, char *err, size_t errlen);

/*
 * Parses one item.  The item holds a reference to `j` (its values point
 * into j's strings).  NULL with the first problem in err
 * ("value[3].type is longer than 128 characters").
 */
struct iditem *iditem_parse(json_t *j, size_t max_handle_bytes, char *err,
                            size_t errlen);
void iditem_free(struct iditem *it);

/* The normalised handle (NUL-terminated) and its length. */
const char *iditem_name(const struct iditem *it, size_t *len);
const char *iditem_version(const struct iditem *it);
/* The normalised templatePrefix, or "" when the item has none. */
const char *iditem_template_prefix(const struct iditem *it);
/* The client's values, in the order given (views owned by the item). */
const struct hval *iditem_values(const struct iditem *it, size_t *n);

#endif
