/*
 * SNMS identifier items (JSON -> handle values): no input may crash the
 * parser; what it accepts is a normalised handle that checks again to
 * itself and values within the SNMS limits that survive the wire
 * encoding unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/cur.h"
#include "core/hname.h"
#include "core/hval.h"
#include "core/utf8.h"
#include "registry/iditem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_value(const struct hval *v)
{
        char text[4 * IDITEM_MAX_VALUE + 1];
        struct hval back;
        struct wbuf w;

        if (v->type.len == 0 || v->type.len > HVAL_MAX_TYPE_LEN ||
            memchr(v->type.p, 0, v->type.len) ||
            v->data.len > 4 * IDITEM_MAX_VALUE ||
            memchr(v->data.p, 0, v->data.len) || v->ttl != HVAL_TTL_DEFAULT ||
            v->perms != HVAL_PERMS_DEFAULT)
                abort();
        memcpy(text, v->data.p, v->data.len);
        text[v->data.len] = '\0';
        if (utf8_chars(text) > IDITEM_MAX_VALUE)
                abort();
        wbuf_init(&w, 0);
        hval_encode(&w, v);
        if (!wbuf_ok(&w) || hval_parse(w.p, w.len, &back) < 0 ||
            back.index != v->index || back.type.len != v->type.len ||
            memcmp(back.type.p, v->type.p, v->type.len) != 0 ||
            back.data.len != v->data.len ||
            memcmp(back.data.p, v->data.p, v->data.len) != 0)
                abort();
        wbuf_free(&w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        json_t *j = json_loadb((const char *)data, size,
                               JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
        char err[256], again[HNAME_MAX + 1];
        const struct hval *v;
        struct iditem *it;
        const char *name, *why;
        size_t len, len2, n, i;

        if (!j)
                return 0;
        it = iditem_parse(j, 255, err, sizeof(err));
        json_decref(j);
        if (!it)
                return 0;
        name = iditem_name(it, &len);
        if (len == 0 || len > 255 || strlen(name) != len ||
            hname_check((const uint8_t *)name, len, 255, again, sizeof(again),
                        &len2, &why) != HNAME_OK ||
            len2 != len || memcmp(again, name, len) != 0)
                abort();
        if (!iditem_version(it)[0])
                abort();
        v = iditem_values(it, &n);
        if (n > IDITEM_MAX_VALUES)
                abort();
        for (i = 0; i < n; i++)
                check_value(&v[i]);
        iditem_free(it);
        return 0;
}
