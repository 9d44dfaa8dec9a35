/*
 * Import lines (registry/ingest): no crash or leak on any line, in the
 * SNMS JSON-lines format against a template and in the original
 * {handle, values} format (the first byte picks one); an accepted line
 * makes a record whose every value decodes and whose handle is under the
 * import's prefix.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cur.h"
#include "core/hval.h"
#include "registry/ingest.h"
#include "registry/tpl.h"

#define NOW 1790000000u

static const char equip[] =
    "{\"prefix\":\"88.123.45\",\"version\":\"equip-v1\",\"items\":["
    "{\"name\":\"a\",\"idType\":\"serialNo\",\"idIndex\":2000,"
    "\"required\":true,\"metadata\":{\"minLength\":1,\"maxLength\":8}},"
    "{\"name\":\"b\",\"idType\":\"model\",\"idIndex\":2001},"
    "{\"name\":\"c\",\"idType\":\"old\",\"idIndex\":2003,\"state\":0}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct tpl *tpl;
        enum ingest_format f;
        struct ingest_opts o;
        struct ingest_rec rec;
        struct ingest *g;
        char err[512];
        uint32_t i;

        if (!tpl && !(tpl = tpl_parse(equip, strlen(equip), err, sizeof(err))))
                abort();
        if (size == 0)
                return 0;
        f = data[0] & 1 ? INGEST_JSONL : INGEST_VALUES;
        memset(&o, 0, sizeof(o));
        o.format = f;
        o.tpl = f == INGEST_JSONL ? tpl : NULL;
        o.prefix = "88.123.45";
        o.max_handle = 255;
        o.by = "fuzz";
        g = ingest_new(&o);
        if (!g)
                return 0;
        if (ingest_line(g, (const char *)data + 1, size - 1, NOW, &rec, err,
                        sizeof(err)) == 0) {
                if (f == INGEST_JSONL &&
                    (rec.len < 10 || memcmp(rec.name, "88.123.45/", 10) != 0))
                        abort();
                for (i = 0; i < rec.n; i++) {
                        struct hval v;

                        if (hval_parse(rec.vals[i].p, rec.vals[i].len, &v) < 0)
                                abort();
                }
        }
        ingest_free(g);
        return 0;
}
