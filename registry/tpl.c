#include "registry/tpl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/hval.h"
#include "core/utf8.h"
#include "registry/ent.h"
#include "registry/evparse.h"
#include "registry/link.h"

#define TPL_MAX_NAME 64u /* characters */
#define TPL_MAX_DESC 1024u

struct tpl_item {
        char name[4 * TPL_MAX_NAME + 1];
        char type[HVAL_MAX_TYPE_LEN + 1];
        uint32_t index;
        int required;
        int state;       /* 1 enabled, 0 disabled */
        int public_read; /* its values get PUBLIC_READ */
        uint32_t min_len, max_len;
};

struct tpl_stage {
        char code[EVPARSE_STAGE_MAX + 1];
        char name[4 * TPL_MAX_NAME + 1];
};

struct tpl {
        char prefix[TPL_MAX_PREFIX + 1];
        char version[4 * TPL_MAX_VERSION + 1];
        /* GB/T 4754 门类 / 大类 / 中类 / 小类, "" when not given */
        char category[2], specific[3], trade[4], subclass[5];
        int type; /* 1 主动标识载体, 2 other, 0 not given */
        char *description;
        size_t n;
        struct tpl_item *items;
        size_t nstages;
        struct tpl_stage stages[TPL_MAX_STAGES];
        /* Enterprises it is shared with; has_ents: the body said. */
        int has_ents;
        size_t nents;
        char ents[TPL_MAX_ENTERPRISES][19];
};

static int
tpl_fail(char *err, size_t errlen, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        return -1;
}

/*
 * Copies a JSON string member into out: at most max characters, no
 * control characters, empty only if allowed.  A missing member leaves
 * out empty when optional.
 */
static int
tpl_text(const json_t *obj, const char *key, const char *where, int required,
         size_t max, char *out, size_t outsz, char *err, size_t errlen)
{
        const json_t *v = json_object_get(obj, key);
        const char *s;
        size_t i;

        out[0] = '\0';
        if (!v) {
                if (required)
                        return tpl_fail(err, errlen, "%s%s is required", where,
                                        key);
                return 0;
        }
        if (!json_is_string(v))
                return tpl_fail(err, errlen, "%s%s must be a string", where,
                                key);
        s = json_string_value(v);
        if (strlen(s) != json_string_length(v))
                return tpl_fail(err, errlen, "%s%s contains a NUL", where, key);
        for (i = 0; s[i]; i++)
                if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
                        return tpl_fail(err, errlen,
                                        "%s%s contains a control character",
                                        where, key);
        if (required && !s[0])
                return tpl_fail(err, errlen, "%s%s must not be empty", where,
                                key);
        if (utf8_chars(s) > max || strlen(s) >= outsz)
                return tpl_fail(err, errlen,
                                "%s%s is longer than %zu "
                                "characters",
                                where, key, max);
        memcpy(out, s, strlen(s) + 1);
        return 0;
}

/* An integer member in [lo, hi], or `def` when absent. */
static int
tpl_int(const json_t *obj, const char *key, const char *where, long long def,
        long long lo, long long hi, long long *out, char *err, size_t errlen)
{
        const json_t *v = json_object_get(obj, key);

        if (!v) {
                *out = def;
                return 0;
        }
        if (!json_is_integer(v) || json_integer_value(v) < lo ||
            json_integer_value(v) > hi)
                return tpl_fail(err, errlen,
                                "%s%s must be an integer from %lld to %lld",
                                where, key, lo, hi);
        *out = json_integer_value(v);
        return 0;
}

static int
tpl_bool(const json_t *obj, const char *key, const char *where, int *out,
         char *err, size_t errlen)
{
        const json_t *v = json_object_get(obj, key);

        if (!v) {
                *out = 0;
                return 0;
        }
        if (!json_is_boolean(v))
                return tpl_fail(err, errlen, "%s%s must be true or false",
                                where, key);
        *out = json_is_true(v);
        return 0;
}

/* Prefix syntax: dot-separated segments of ASCII letters and digits. */
static int
tpl_prefix_ok(const char *p)
{
        int seg = 0;

        for (; *p; p++) {
                if (*p == '.') {
                        if (!seg)
                                return 0;
                        seg = 0;
                } else if ((*p >= '0' && *p <= '9') ||
                           (*p >= 'A' && *p <= 'Z') ||
                           (*p >= 'a' && *p <= 'z')) {
                        seg = 1;
                } else {
                        return 0;
                }
        }
        return seg;
}

static int
digits(const char *s, size_t n)
{
        size_t i;

        if (strlen(s) != n)
                return 0;
        for (i = 0; i < n; i++)
                if (s[i] < '0' || s[i] > '9')
                        return 0;
        return 1;
}

/* GB/T 4754: letter A-T, then 2, 3, 4 digits, each extending the last. */
static int
tpl_industry(struct tpl *t, const json_t *root, char *err, size_t errlen)
{
        if (tpl_text(root, "industryCategory", "", 0, 1, t->category,
                     sizeof(t->category), err, errlen) < 0 ||
            tpl_text(root, "industrySpecific", "", 0, 2, t->specific,
                     sizeof(t->specific), err, errlen) < 0 ||
            tpl_text(root, "industryTrade", "", 0, 3, t->trade,
                     sizeof(t->trade), err, errlen) < 0 ||
            tpl_text(root, "industrySubclass", "", 0, 4, t->subclass,
                     sizeof(t->subclass), err, errlen) < 0)
                return -1;
        if (t->category[0] && (t->category[0] < 'A' || t->category[0] > 'T'))
                return tpl_fail(err, errlen,
                                "industryCategory must be a GB/T 4754 "
                                "letter A-T");
        if (t->specific[0] && !digits(t->specific, 2))
                return tpl_fail(err, errlen,
                                "industrySpecific must be 2 digits");
        if (t->trade[0] &&
            (!digits(t->trade, 3) || strncmp(t->trade, t->specific, 2) != 0))
                return tpl_fail(err, errlen,
                                "industryTrade must be 3 digits starting "
                                "with industrySpecific");
        if (t->subclass[0] &&
            (!digits(t->subclass, 4) || strncmp(t->subclass, t->trade, 3) != 0))
                return tpl_fail(err, errlen,
                                "industrySubclass must be 4 digits starting "
                                "with industryTrade");
        return 0;
}

static int
tpl_item_parse(const json_t *j, size_t i, struct tpl_item *it, char *err,
               size_t errlen)
{
        char where[48];
        const json_t *meta;
        long long idx, state, lo, hi;

        snprintf(where, sizeof(where), "items[%zu].", i);
        if (!json_is_object(j))
                return tpl_fail(err, errlen, "items[%zu] must be an object", i);
        if (tpl_text(j, "name", where, 1, TPL_MAX_NAME, it->name,
                     sizeof(it->name), err, errlen) < 0 ||
            tpl_text(j, "idType", where, 1, HVAL_MAX_TYPE_LEN, it->type,
                     sizeof(it->type), err, errlen) < 0 ||
            tpl_int(j, "idIndex", where, TPL_MIN_INDEX, TPL_MIN_INDEX,
                    UINT32_MAX, &idx, err, errlen) < 0 ||
            tpl_bool(j, "required", where, &it->required, err, errlen) < 0 ||
            tpl_int(j, "state", where, 1, 0, 1, &state, err, errlen) < 0)
                return -1;
        it->public_read = 1;
        if (json_object_get(j, "publicRead") &&
            tpl_bool(j, "publicRead", where, &it->public_read, err, errlen) < 0)
                return -1;
        if (strchr(it->type, ' '))
                return tpl_fail(err, errlen,
                                "%sidType must not contain "
                                "spaces",
                                where);
        if (link_reserved((uint32_t)idx,
                          (struct span){(const uint8_t *)it->type,
                                        (uint32_t)strlen(it->type)}))
                return tpl_fail(err, errlen,
                                "%sidIndex %u-%u and idType " LINK_TYPE_PREFIX
                                "* are reserved for trace links",
                                where, LINK_MIN_INDEX, LINK_MAX_INDEX);
        it->index = (uint32_t)idx;
        it->state = (int)state;
        meta = json_object_get(j, "metadata");
        if (meta && !json_is_object(meta))
                return tpl_fail(err, errlen, "%smetadata must be an object",
                                where);
        snprintf(where, sizeof(where), "items[%zu].metadata.", i);
        if (meta && json_object_get(meta, "type") &&
            (!json_is_string(json_object_get(meta, "type")) ||
             strcmp(json_string_value(json_object_get(meta, "type")),
                    "string") != 0))
                return tpl_fail(err, errlen,
                                "%stype: only \"string\" is "
                                "supported",
                                where);
        if (tpl_int(meta, "minLength", where, 0, 0, TPL_MAX_VALUE, &lo, err,
                    errlen) < 0 ||
            tpl_int(meta, "maxLength", where, TPL_MAX_VALUE, 1, TPL_MAX_VALUE,
                    &hi, err, errlen) < 0)
                return -1;
        if (lo > hi)
                return tpl_fail(err, errlen,
                                "%sminLength is greater than maxLength", where);
        it->min_len = (uint32_t)lo;
        it->max_len = (uint32_t)hi;
        return 0;
}

/* Where an item's index or type is already used in t, or NULL. */
static const char *
tpl_clash(const struct tpl *t, const struct tpl_item *it, size_t skip)
{
        size_t k;

        for (k = 0; k < t->n; k++) {
                if (k == skip)
                        continue;
                if (t->items[k].index == it->index)
                        return "idIndex";
                if (strcmp(t->items[k].type, it->type) == 0)
                        return "idType";
                if (strcmp(t->items[k].name, it->name) == 0)
                        return "name";
        }
        return NULL;
}

/* The index of stage `code` in t, or t->nstages if there is none. */
static size_t
tpl_stage_find(const struct tpl *t, const char *code)
{
        size_t k;

        for (k = 0; k < t->nstages; k++)
                if (strcmp(t->stages[k].code, code) == 0)
                        break;
        return k;
}

/* The custom lifecycle stages: [{code, name}], codes unique. */
static int
tpl_stages(struct tpl *t, const json_t *root, char *err, size_t errlen)
{
        const json_t *a = json_object_get(root, "stages"), *e;
        struct tpl_stage st;
        char where[32];
        size_t i;

        if (!a || json_is_null(a))
                return 0;
        if (!json_is_array(a) || json_array_size(a) > TPL_MAX_STAGES)
                return tpl_fail(err, errlen,
                                "stages must be an array of at most %u "
                                "stages",
                                TPL_MAX_STAGES);
        json_array_foreach(a, i, e)
        {
                snprintf(where, sizeof(where), "stages[%zu].", i);
                if (!json_is_object(e))
                        return tpl_fail(err, errlen,
                                        "stages[%zu] must be an object", i);
                if (tpl_text(e, "code", where, 1, EVPARSE_STAGE_MAX, st.code,
                             sizeof(st.code), err, errlen) < 0 ||
                    tpl_text(e, "name", where, 1, TPL_MAX_NAME, st.name,
                             sizeof(st.name), err, errlen) < 0)
                        return -1;
                if (!evparse_stage_ok(st.code, strlen(st.code)))
                        return tpl_fail(err, errlen,
                                        "%scode must be 1 to %d of a-z 0-9 _ -",
                                        where, EVPARSE_STAGE_MAX);
                if (evparse_stage_builtin(st.code))
                        return tpl_fail(err, errlen,
                                        "%scode %s is a built-in stage", where,
                                        st.code);
                if (tpl_stage_find(t, st.code) < t->nstages)
                        return tpl_fail(err, errlen,
                                        "%scode %s is used by another stage",
                                        where, st.code);
                t->stages[t->nstages++] = st;
        }
        return 0;
}

/* `enterprises`: USCCs the owner shares the template with. */
static int
tpl_enterprises(struct tpl *t, const json_t *root, char *err, size_t errlen)
{
        const json_t *a = json_object_get(root, "enterprises"), *e;
        char why[160], uscc[19];
        size_t i, k;

        if (!a)
                return 0;
        if (!json_is_array(a) || json_array_size(a) > TPL_MAX_ENTERPRISES)
                return tpl_fail(err, errlen,
                                "enterprises must be an array of at most %u "
                                "USCCs",
                                TPL_MAX_ENTERPRISES);
        t->has_ents = 1;
        json_array_foreach(a, i, e)
        {
                if (!json_is_string(e) ||
                    ent_uscc(json_string_value(e), uscc, why, sizeof(why)) < 0)
                        return tpl_fail(err, errlen, "enterprises[%zu]: %s", i,
                                        json_is_string(e) ? why
                                                          : "not a string");
                for (k = 0; k < t->nents; k++)
                        if (strcmp(t->ents[k], uscc) == 0)
                                break;
                if (k == t->nents)
                        memcpy(t->ents[t->nents++], uscc, sizeof(uscc));
        }
        return 0;
}

struct tpl *
tpl_parse(const char *json, size_t len, char *err, size_t errlen)
{
        struct tpl *t = calloc(1, sizeof(*t));
        json_t *root = NULL, *items, *e;
        json_error_t jerr;
        char desc[4 * TPL_MAX_DESC + 1];
        long long type;
        const char *clash;
        size_t i;

        if (!t) {
                tpl_fail(err, errlen, "out of memory");
                return NULL;
        }
        root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!root) {
                tpl_fail(err, errlen, "invalid JSON at %d:%d: %s", jerr.line,
                         jerr.column, jerr.text);
                goto fail;
        }
        if (!json_is_object(root)) {
                tpl_fail(err, errlen, "a template is a JSON object");
                goto fail;
        }
        if (tpl_text(root, "prefix", "", 1, TPL_MAX_PREFIX, t->prefix,
                     sizeof(t->prefix), err, errlen) < 0 ||
            tpl_text(root, "version", "", 1, TPL_MAX_VERSION, t->version,
                     sizeof(t->version), err, errlen) < 0 ||
            tpl_industry(t, root, err, errlen) < 0 ||
            tpl_int(root, "type", "", 0, 1, 2, &type, err, errlen) < 0 ||
            tpl_text(root, "description", "", 0, TPL_MAX_DESC, desc,
                     sizeof(desc), err, errlen) < 0 ||
            tpl_stages(t, root, err, errlen) < 0 ||
            tpl_enterprises(t, root, err, errlen) < 0)
                goto fail;
        if (!tpl_prefix_ok(t->prefix)) {
                tpl_fail(err, errlen,
                         "prefix must be dot-separated letters "
                         "and digits, e.g. 88.123.45");
                goto fail;
        }
        t->type = (int)type;
        t->description = strdup(desc);
        items = json_object_get(root, "items");
        if (!json_is_array(items) || json_array_size(items) == 0 ||
            json_array_size(items) > TPL_MAX_ITEMS) {
                tpl_fail(err, errlen,
                         "items must be an array of 1 to %u "
                         "items",
                         TPL_MAX_ITEMS);
                goto fail;
        }
        t->items = calloc(json_array_size(items), sizeof(*t->items));
        if (!t->description || !t->items) {
                tpl_fail(err, errlen, "out of memory");
                goto fail;
        }
        json_array_foreach(items, i, e)
        {
                if (tpl_item_parse(e, i, &t->items[i], err, errlen) < 0)
                        goto fail;
                t->n = i + 1;
                if ((clash = tpl_clash(t, &t->items[i], i))) {
                        tpl_fail(err, errlen,
                                 "items[%zu].%s is used by "
                                 "another item",
                                 i, clash);
                        goto fail;
                }
        }
        json_decref(root);
        return t;
fail:
        json_decref(root);
        tpl_free(t);
        return NULL;
}

void
tpl_free(struct tpl *t)
{
        if (!t)
                return;
        free(t->description);
        free(t->items);
        free(t);
}

const char *
tpl_prefix(const struct tpl *t)
{
        return t->prefix;
}

const char *
tpl_version(const struct tpl *t)
{
        return t->version;
}

size_t
tpl_item_count(const struct tpl *t)
{
        return t->n;
}

int
tpl_merge(struct tpl *cur, const struct tpl *upd, char *err, size_t errlen)
{
        struct tpl_item *items;
        size_t i, k, n = cur->n;
        char *desc;

        if (strcmp(cur->prefix, upd->prefix) != 0 ||
            strcmp(cur->version, upd->version) != 0)
                return tpl_fail(err, errlen,
                                "prefix and version of a "
                                "template cannot change");
        items = calloc(cur->n + upd->n, sizeof(*items));
        desc =
            strdup(upd->description[0] ? upd->description : cur->description);
        if (!items || !desc) {
                free(items);
                free(desc);
                return tpl_fail(err, errlen, "out of memory");
        }
        memcpy(items, cur->items, cur->n * sizeof(*items));
        for (i = 0; i < upd->n; i++) {
                const struct tpl_item *u = &upd->items[i];

                for (k = 0; k < n; k++)
                        if (items[k].index == u->index &&
                            strcmp(items[k].type, u->type) == 0)
                                break;
                if (k == n && n >= TPL_MAX_ITEMS) {
                        free(items);
                        free(desc);
                        return tpl_fail(err, errlen,
                                        "a template has at most "
                                        "%u items",
                                        TPL_MAX_ITEMS);
                }
                items[k] = *u;
                if (k == n)
                        n++;
        }
        /* Names must stay unique, and an index or type not be reused. */
        {
                struct tpl probe = *cur;

                probe.items = items;
                probe.n = n;
                for (i = 0; i < n; i++) {
                        const char *clash = tpl_clash(&probe, &items[i], i);

                        if (clash) {
                                tpl_fail(err, errlen,
                                         "item %s (index %u): "
                                         "%s is used by another item",
                                         items[i].type, items[i].index, clash);
                                free(items);
                                free(desc);
                                return -1;
                        }
                }
        }
        for (i = 0, k = cur->nstages; i < upd->nstages; i++)
                if (tpl_stage_find(cur, upd->stages[i].code) == cur->nstages)
                        k++;
        if (k > TPL_MAX_STAGES) {
                free(items);
                free(desc);
                return tpl_fail(err, errlen, "a template has at most %u stages",
                                TPL_MAX_STAGES);
        }
        /* Nothing fails from here on: stages are renamed or added. */
        for (i = 0; i < upd->nstages; i++) {
                k = tpl_stage_find(cur, upd->stages[i].code);
                if (k == cur->nstages)
                        cur->nstages++;
                cur->stages[k] = upd->stages[i];
        }
        if (upd->category[0]) {
                memcpy(cur->category, upd->category, sizeof(cur->category));
                memcpy(cur->specific, upd->specific, sizeof(cur->specific));
                memcpy(cur->trade, upd->trade, sizeof(cur->trade));
                memcpy(cur->subclass, upd->subclass, sizeof(cur->subclass));
        }
        if (upd->type)
                cur->type = upd->type;
        /* A list given replaces the old one, so sharing can be narrowed. */
        if (upd->has_ents) {
                cur->has_ents = 1;
                cur->nents = upd->nents;
                memcpy(cur->ents, upd->ents, sizeof(cur->ents));
        }
        free(cur->description);
        cur->description = desc;
        free(cur->items);
        cur->items = items;
        cur->n = n;
        return 0;
}

static const struct tpl_item *
tpl_find(const struct tpl *t, uint32_t index)
{
        size_t k;

        for (k = 0; k < t->n; k++)
                if (t->items[k].index == index)
                        return &t->items[k];
        return NULL;
}

int
tpl_check_values(const struct tpl *t, const struct hval *v, size_t n, char *err,
                 size_t errlen)
{
        json_t *text;
        size_t i, k, chars;

        for (i = 0; i < n; i++) {
                const struct tpl_item *it = tpl_find(t, v[i].index);

                if (v[i].index == TPL_VERSION_INDEX)
                        return tpl_fail(err, errlen,
                                        "index %u is reserved "
                                        "for the template version",
                                        TPL_VERSION_INDEX);
                /* Links are written through /api/links only. */
                if (link_reserved(v[i].index, v[i].type))
                        return tpl_fail(
                            err, errlen,
                            "index %u: indexes %u-%u and "
                            "types " LINK_TYPE_PREFIX "* are reserved for "
                            "trace links",
                            v[i].index, LINK_MIN_INDEX, LINK_MAX_INDEX);
                for (k = 0; k < i; k++)
                        if (v[k].index == v[i].index)
                                return tpl_fail(err, errlen,
                                                "index %u is "
                                                "given twice",
                                                v[i].index);
                if (!it || !it->state || strlen(it->type) != v[i].type.len ||
                    memcmp(it->type, v[i].type.p, v[i].type.len) != 0)
                        return tpl_fail(err, errlen,
                                        "index %u with type "
                                        "%.*s is not an enabled item of "
                                        "template %s",
                                        v[i].index, (int)v[i].type.len,
                                        (const char *)v[i].type.p, t->version);
                if (memchr(v[i].data.p, 0, v[i].data.len))
                        return tpl_fail(err, errlen,
                                        "index %u: the value "
                                        "contains a NUL",
                                        v[i].index);
                text = json_stringn((const char *)v[i].data.p, v[i].data.len);
                if (!text)
                        return tpl_fail(err, errlen,
                                        "index %u: the value "
                                        "must be UTF-8 text",
                                        v[i].index);
                chars = utf8_chars(json_string_value(text));
                json_decref(text);
                if (chars < it->min_len || chars > it->max_len)
                        return tpl_fail(err, errlen,
                                        "index %u (%s): length "
                                        "%zu is outside %u-%u characters",
                                        v[i].index, it->type, chars,
                                        it->min_len, it->max_len);
        }
        for (k = 0; k < t->n; k++) {
                if (!t->items[k].state || !t->items[k].required)
                        continue;
                for (i = 0; i < n; i++)
                        if (v[i].index == t->items[k].index)
                                break;
                if (i == n)
                        return tpl_fail(err, errlen,
                                        "required item %s "
                                        "(index %u) is missing",
                                        t->items[k].type, t->items[k].index);
        }
        return 0;
}

int
tpl_has_stage(const struct tpl *t, const char *code)
{
        return tpl_stage_find(t, code) < t->nstages;
}

size_t
tpl_stage_count(const struct tpl *t)
{
        return t->nstages;
}

int
tpl_item_by_type(const struct tpl *t, const char *type, size_t len,
                 uint32_t *index, int *state)
{
        size_t k;

        for (k = 0; k < t->n; k++)
                if (strlen(t->items[k].type) == len &&
                    memcmp(t->items[k].type, type, len) == 0) {
                        *index = t->items[k].index;
                        *state = t->items[k].state;
                        return 1;
                }
        return 0;
}

const char *
tpl_missing_required(const struct tpl *t, const uint32_t *idx, size_t n)
{
        size_t i, k;

        for (k = 0; k < t->n; k++) {
                if (!t->items[k].state || !t->items[k].required)
                        continue;
                for (i = 0; i < n; i++)
                        if (idx[i] == t->items[k].index)
                                break;
                if (i == n)
                        return t->items[k].type;
        }
        return NULL;
}

int
tpl_item_public(const struct tpl *t, uint32_t index)
{
        const struct tpl_item *it = tpl_find(t, index);

        return !it || it->public_read;
}

int
tpl_shared_with(const struct tpl *t, const char *uscc)
{
        size_t k;

        for (k = 0; uscc[0] && k < t->nents; k++)
                if (strcmp(t->ents[k], uscc) == 0)
                        return 1;
        return 0;
}

char *
tpl_dump(const struct tpl *t)
{
        json_t *root, *items = json_array();
        char *s;
        size_t k;

        for (k = 0; k < t->n; k++) {
                const struct tpl_item *it = &t->items[k];

                json_array_append_new(
                    items,
                    json_pack("{s:s,s:s,s:I,s:b,s:i,s:{s:s,s:i,s:i}}", "name",
                              it->name, "idType", it->type, "idIndex",
                              (json_int_t)it->index, "required", it->required,
                              "state", it->state, "metadata", "type", "string",
                              "minLength", (int)it->min_len, "maxLength",
                              (int)it->max_len));
                if (!it->public_read)
                        json_object_set_new(json_array_get(items, k),
                                            "publicRead", json_false());
        }
        root = json_pack("{s:s,s:s,s:s,s:o}", "prefix", t->prefix, "version",
                         t->version, "description", t->description, "items",
                         items);
        if (!root)
                return NULL;
        if (t->category[0])
                json_object_set_new(root, "industryCategory",
                                    json_string(t->category));
        if (t->specific[0])
                json_object_set_new(root, "industrySpecific",
                                    json_string(t->specific));
        if (t->trade[0])
                json_object_set_new(root, "industryTrade",
                                    json_string(t->trade));
        if (t->subclass[0])
                json_object_set_new(root, "industrySubclass",
                                    json_string(t->subclass));
        if (t->type)
                json_object_set_new(root, "type", json_integer(t->type));
        if (t->nents) {
                json_t *ents = json_array();

                for (k = 0; k < t->nents; k++)
                        json_array_append_new(ents, json_string(t->ents[k]));
                json_object_set_new(root, "enterprises", ents);
        }
        if (t->nstages) {
                json_t *st = json_array();

                for (k = 0; k < t->nstages; k++)
                        json_array_append_new(st, json_pack("{s:s,s:s}", "code",
                                                            t->stages[k].code,
                                                            "name",
                                                            t->stages[k].name));
                json_object_set_new(root, "stages", st);
        }
        s = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(root);
        return s;
}
