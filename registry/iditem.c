#include "registry/iditem.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hname.h"
#include "core/hval.h"
#include "core/utf8.h"
#include "registry/pfx.h"

struct iditem {
        json_t *json; /* a reference: the values point into its strings */
        char name[HNAME_MAX + 1];
        size_t len;
        const char *version;          /* in json */
        char tpl_prefix[PFX_MAX + 1]; /* normalised, "" if not given */
        size_t n;
        struct hval v[];
};

static int
iditem_fail(char *err, size_t errlen, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        return -1;
}

enum iditem_need {
        IDITEM_OPTIONAL,
        IDITEM_NONEMPTY,
        IDITEM_TEXT, /* present, may be empty, may hold \t \n \r */
};

/*
 * A string member: no NUL or control character, at most `max` characters
 * (and `max_bytes` bytes, 0 = no byte limit).  *out is the string (NULL
 * when absent and optional).
 */
static int
iditem_text(const json_t *obj, const char *key, const char *where,
            enum iditem_need need, size_t max, size_t max_bytes,
            const char **out, char *err, size_t errlen)
{
        const json_t *v = json_object_get(obj, key);
        const char *s;
        size_t i, len;

        *out = NULL;
        if (!v) {
                if (need != IDITEM_OPTIONAL)
                        return iditem_fail(err, errlen, "%s%s is required",
                                           where, key);
                return 0;
        }
        if (!json_is_string(v))
                return iditem_fail(err, errlen, "%s%s must be a string", where,
                                   key);
        s = json_string_value(v);
        len = json_string_length(v);
        if (strlen(s) != len)
                return iditem_fail(err, errlen, "%s%s contains a NUL", where,
                                   key);
        for (i = 0; i < len; i++)
                if (((unsigned char)s[i] < 0x20 || s[i] == 0x7F) &&
                    !(need == IDITEM_TEXT && strchr("\t\n\r", s[i])))
                        return iditem_fail(err, errlen,
                                           "%s%s contains a control "
                                           "character",
                                           where, key);
        if (need == IDITEM_NONEMPTY && len == 0)
                return iditem_fail(err, errlen, "%s%s must not be empty", where,
                                   key);
        if (utf8_chars(s) > max || (max_bytes && len > max_bytes))
                return iditem_fail(err, errlen,
                                   "%s%s is longer than %zu characters", where,
                                   key, max);
        *out = s;
        return 0;
}

int
iditem_handle(const json_t *j, size_t max_bytes, char *out, size_t outsz,
              size_t *outlen, char *err, size_t errlen)
{
        const char *why = NULL;

        if (!json_is_string(j))
                return iditem_fail(err, errlen, "handle must be a string");
        switch (hname_check((const uint8_t *)json_string_value(j),
                            json_string_length(j), max_bytes, out, outsz,
                            outlen, &why)) {
        case HNAME_OK:
                return 0;
        case HNAME_NO_SLASH:
                return iditem_fail(err, errlen,
                                   "handle must be prefix/suffix, e.g. "
                                   "88.123.45/PUMP-1");
        case HNAME_INVALID:
                break;
        }
        if (json_string_length(j) > max_bytes)
                return iditem_fail(
                    err, errlen, "handle is longer than %zu bytes", max_bytes);
        return iditem_fail(err, errlen, "bad handle: %s",
                           why ? why : "invalid");
}

/* value[i] -> it->v[i]. */
static int
iditem_value(const json_t *j, size_t i, struct hval *v, char *err,
             size_t errlen)
{
        char where[48];
        const json_t *idx, *data;
        const char *type, *text, *fmt, *auth;

        snprintf(where, sizeof(where), "value[%zu].", i);
        if (!json_is_object(j))
                return iditem_fail(err, errlen, "value[%zu] must be an object",
                                   i);
        idx = json_object_get(j, "index");
        if (!json_is_integer(idx) || json_integer_value(idx) < 0 ||
            json_integer_value(idx) > UINT32_MAX)
                return iditem_fail(err, errlen,
                                   "%sindex must be an integer from 0 to "
                                   "4294967295",
                                   where);
        if (iditem_text(j, "type", where, IDITEM_NONEMPTY, IDITEM_MAX_TYPE,
                        HVAL_MAX_TYPE_LEN, &type, err, errlen) < 0 ||
            iditem_text(j, "auth", where, IDITEM_OPTIONAL, IDITEM_MAX_AUTH, 0,
                        &auth, err, errlen) < 0)
                return -1;
        data = json_object_get(j, "data");
        snprintf(where, sizeof(where), "value[%zu].data.", i);
        if (!json_is_object(data))
                return iditem_fail(err, errlen,
                                   "value[%zu].data must be an object "
                                   "{format, value}",
                                   i);
        if (iditem_text(data, "format", where, IDITEM_OPTIONAL, 16, 0, &fmt,
                        err, errlen) < 0 ||
            iditem_text(data, "value", where, IDITEM_TEXT, IDITEM_MAX_VALUE, 0,
                        &text, err, errlen) < 0)
                return -1;
        if (fmt && strcmp(fmt, "string") != 0)
                return iditem_fail(err, errlen,
                                   "%sformat: only \"string\" is supported",
                                   where);
        /* The timestamp is the writer's to set. */
        hval_init(v, (uint32_t)json_integer_value(idx),
                  (struct span){(const uint8_t *)type, (uint32_t)strlen(type)},
                  (struct span){(const uint8_t *)text, (uint32_t)strlen(text)},
                  0);
        return 0;
}

struct iditem *
iditem_parse(json_t *j, size_t max_handle_bytes, char *err, size_t errlen)
{
        struct iditem *it = NULL;
        const json_t *vals, *e;
        char name[HNAME_MAX + 1];
        const char *version, *tprefix;
        char tpfx[PFX_MAX + 1] = "";
        size_t len = 0, i;

        if (!json_is_object(j)) {
                iditem_fail(err, errlen,
                            "an item is an object {handle, "
                            "templateVersion, value}");
                return NULL;
        }
        if (iditem_handle(json_object_get(j, "handle"), max_handle_bytes, name,
                          sizeof(name), &len, err, errlen) < 0 ||
            iditem_text(j, "templateVersion", "", IDITEM_NONEMPTY,
                        IDITEM_MAX_VERSION, 0, &version, err, errlen) < 0 ||
            iditem_text(j, "templatePrefix", "", IDITEM_OPTIONAL, PFX_MAX, 0,
                        &tprefix, err, errlen) < 0)
                return NULL;
        if (tprefix && pfx_normalise(tprefix, strlen(tprefix), tpfx) < 0) {
                iditem_fail(err, errlen,
                            "templatePrefix must be dot-separated letters and "
                            "digits, e.g. 88.123.45");
                return NULL;
        }
        vals = json_object_get(j, "value");
        if (!json_is_array(vals) || json_array_size(vals) > IDITEM_MAX_VALUES) {
                iditem_fail(err, errlen,
                            "value must be an array of at most %u values",
                            IDITEM_MAX_VALUES);
                return NULL;
        }
        it = calloc(1, sizeof(*it) + json_array_size(vals) * sizeof(it->v[0]));
        if (!it) {
                iditem_fail(err, errlen, "out of memory");
                return NULL;
        }
        json_array_foreach(vals, i, e)
        {
                if (iditem_value(e, i, &it->v[i], err, errlen) < 0)
                        goto fail;
        }
        it->n = json_array_size(vals);
        memcpy(it->name, name, len + 1);
        it->len = len;
        it->version = version;
        memcpy(it->tpl_prefix, tpfx, sizeof(tpfx));
        it->json = json_incref(j);
        return it;
fail:
        free(it);
        return NULL;
}

void
iditem_free(struct iditem *it)
{
        if (!it)
                return;
        json_decref(it->json);
        free(it);
}

const char *
iditem_name(const struct iditem *it, size_t *len)
{
        *len = it->len;
        return it->name;
}

const char *
iditem_version(const struct iditem *it)
{
        return it->version;
}

const char *
iditem_template_prefix(const struct iditem *it)
{
        return it->tpl_prefix;
}

const struct hval *
iditem_values(const struct iditem *it, size_t *n)
{
        *n = it->n;
        return it->v;
}
