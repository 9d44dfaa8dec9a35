/*
 * Metadata templates (数据模板), SNMS v5 form (domain.md §2.A, §4).
 *
 * A template belongs to a prefix and is named by its `version`.  Its
 * items say which (index, type) pairs an identifier under it may carry:
 * idIndex >= 2000, idType unique, string values with length limits,
 * required or not, enabled (state 1) or disabled (0).  Index 1001 holds
 * the template version on every identifier and is written by the server.
 *
 * Its optional `stages`, [{"code", "name"}], are lifecycle stages its
 * identifiers' events may use besides the built-in ones (docs/trace.md):
 * code 1-32 of [a-z0-9_-], not built in, unique; name 1-64 characters;
 * at most TPL_MAX_STAGES.
 *
 * Data permissions (domain.md §2.E layers 1 and 2), both optional:
 * `enterprises`, [USCC], the enterprises besides the owner that may
 * view the template and register identifiers against it (none: only
 * the owner, and staff view); an item's `publicRead`: false stores the
 * values written for it without PUBLIC_READ, so only the owner and read
 * grantees see them (absent: true, as SNMS templates have it).
 */
#ifndef REGISTRY_TPL_H
#define REGISTRY_TPL_H

#include <stddef.h>
#include <stdint.h>

struct hval;
struct tpl;

#define TPL_MIN_INDEX       2000u
#define TPL_VERSION_INDEX   1001u
#define TPL_MAX_ITEMS       512u
#define TPL_MAX_PREFIX      64u
#define TPL_MAX_VERSION     128u
#define TPL_MAX_VALUE       255u /* SNMS value limit, in characters */
#define TPL_MAX_STAGES      32u
#define TPL_MAX_ENTERPRISES 256u

/*
 * Parses and validates a template body (JSON text).  Unknown members are
 * ignored.  NULL with the first problem in err ("items[2].idIndex must
 * be at least 2000").
 */
struct tpl *tpl_parse(const char *json, size_t len, char *err, size_t errlen);
void tpl_free(struct tpl *t);

const char *tpl_prefix(const struct tpl *t);
const char *tpl_version(const struct tpl *t);
size_t tpl_item_count(const struct tpl *t);

/*
 * Applies a PUT: items of `upd` matched by (idIndex, idType) replace
 * their counterpart's name, required, state, publicRead and metadata;
 * others are added; stages matched by code are renamed, others added;
 * an `enterprises` list given replaces the old one.  No item or stage is
 * ever removed.  prefix and version must be equal.
 * Returns 0, or -1 with err (and `cur` unchanged).
 */
int tpl_merge(struct tpl *cur, const struct tpl *upd, char *err, size_t errlen);

/*
 * Checks the values an identifier is registered with: each must match an
 * enabled item by index and type and respect its length limits, no index
 * twice, index 1001 not supplied, every enabled required item present.
 * Returns 0, or -1 with err.
 */
int tpl_check_values(const struct tpl *t, const struct hval *v, size_t n,
                     char *err, size_t errlen);

/*
 * The item whose idType is the `len` bytes at `type`: 1 with its index
 * and state (1 enabled, 0 disabled), or 0 if there is none.
 */
int tpl_item_by_type(const struct tpl *t, const char *type, size_t len,
                     uint32_t *index, int *state);

/*
 * The idType of an enabled required item whose index is not among the
 * `n` in `idx`, or NULL if every one is there.
 */
const char *tpl_missing_required(const struct tpl *t, const uint32_t *idx,
                                 size_t n);

/* 0 if the values of item `index` are stored without PUBLIC_READ. */
int tpl_item_public(const struct tpl *t, uint32_t index);

/* 1 if the template is shared with enterprise `uscc` (upper case). */
int tpl_shared_with(const struct tpl *t, const char *uscc);

/* 1 if `code` is one of the template's own lifecycle stages. */
int tpl_has_stage(const struct tpl *t, const char *code);
size_t tpl_stage_count(const struct tpl *t);

/* The template as JSON text (malloc'd), the form it is stored in. */
char *tpl_dump(const struct tpl *t);

#endif
