/* Import records into identifier records (registry/ingest.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/csv.h"
#include "core/hjson.h"
#include "core/hval.h"
#include "registry/ingest.h"
#include "registry/tpl.h"

#define NOW 1790000000u

/* domain.md §4.2, plus a disabled item. */
#define EQUIP                                                                  \
        "{\"prefix\":\"88.123.45\",\"version\":\"equip-v1\",\"items\":["       \
        "{\"name\":\"序列号\",\"idType\":\"serialNo\",\"idIndex\":2000,"    \
        "\"required\":true,\"metadata\":{\"minLength\":1,"                     \
        "\"maxLength\":8}},"                                                   \
        "{\"name\":\"型号\",\"idType\":\"model\",\"idIndex\":2001},"         \
        "{\"name\":\"日期\",\"idType\":\"mfgDate\",\"idIndex\":2002,"        \
        "\"metadata\":{\"minLength\":10,\"maxLength\":10}},"                   \
        "{\"name\":\"旧\",\"idType\":\"old\",\"idIndex\":2003,\"state\":0}]}"

static struct tpl *tpl;
static struct csv *csv;
static struct ingest *g;
static struct ingest_rec rec;
static char err[512];

static struct ingest *
make(enum ingest_format f)
{
        struct ingest_opts o = {f, f == INGEST_VALUES ? NULL : tpl, "88.123.45",
                                255, "ops1"};

        return ingest_new(&o);
}

static int
setup(void **state)
{
        (void)state;
        tpl = tpl_parse(EQUIP, strlen(EQUIP), err, sizeof(err));
        csv = csv_new(16, 4096);
        return tpl && csv ? 0 : -1;
}

static int
teardown(void **state)
{
        (void)state;
        ingest_free(g);
        g = NULL;
        csv_free(csv);
        tpl_free(tpl);
        return 0;
}

/* Parses one CSV line into `csv`. */
static void
row(const char *line)
{
        size_t used;

        assert_int_equal(csv_parse(csv, line, strlen(line), 1, &used),
                         CSV_RECORD);
}

static int
header(const char *line)
{
        row(line);
        return ingest_header(g, csv, err, sizeof(err));
}

static int
csv_row(const char *line)
{
        row(line);
        err[0] = '\0';
        return ingest_csv(g, csv, NOW, &rec, err, sizeof(err));
}

static void
expect_err(int rc, const char *needle)
{
        assert_int_equal(rc, -1);
        if (!strstr(err, needle))
                fail_msg("error \"%s\" lacks \"%s\"", err, needle);
}

/* Value k of rec equals what hjson_encode_value makes of `json`. */
static void
expect_encoded(uint32_t k, const char *json)
{
        json_t *j = json_loads(json, 0, NULL);
        struct wbuf w;
        char e[128];

        assert_non_null(j);
        assert_true(k < rec.n);
        wbuf_init(&w, 0);
        assert_int_equal(hjson_encode_value(j, NOW, &w, e, sizeof(e)), 0);
        assert_int_equal(rec.vals[k].len, w.len);
        assert_memory_equal(rec.vals[k].p, w.p, w.len);
        wbuf_free(&w);
        json_decref(j);
}

static void
csv_header_maps_columns(void **state)
{
        (void)state;
        g = make(INGEST_CSV);
        assert_int_equal(header("handle,mfgDate,serialNo"), 0);
        assert_int_equal(csv_row("88.123.45/EQ-1,2026-03-14,SN17"), 0);
        assert_int_equal(rec.len, strlen("88.123.45/EQ-1"));
        assert_memory_equal(rec.name, "88.123.45/EQ-1", rec.len);
        assert_int_equal(rec.n, 3);
        expect_encoded(0, "{\"index\":1001,\"type\":\"TEMPLATE\","
                          "\"data\":\"equip-v1\"}");
        expect_encoded(1, "{\"index\":2002,\"type\":\"mfgDate\","
                          "\"data\":\"2026-03-14\"}");
        expect_encoded(2,
                       "{\"index\":2000,\"type\":\"serialNo\","
                       "\"data\":{\"format\":\"string\",\"value\":\"SN17\"}}");
        assert_string_equal(rec.meta, "c=1790000000 u=1790000000 by=ops1");
}

static void
csv_header_errors(void **state)
{
        (void)state;
        g = make(INGEST_CSV);
        expect_err(header("serialNo,handle"), "first column must be");
        expect_err(header("handle,serialNo,colour"), "column 3 is not an item");
        expect_err(header("handle,serialNo,old"), "disabled item");
        expect_err(header("handle,serialNo,model,serialNo"), "appears twice");
        expect_err(header("handle,model"), "no column for serialNo");
        expect_err(header("handle"), "no column for serialNo");
        assert_int_equal(header("handle,serialNo"), 0);
}

static void
csv_rows_checked_like_a_registration(void **state)
{
        (void)state;
        g = make(INGEST_CSV);
        assert_int_equal(header("handle,serialNo,model,mfgDate"), 0);
        /* An empty cell is a value not given. */
        assert_int_equal(csv_row("88.123.45/EQ-2,SN2,,"), 0);
        assert_int_equal(rec.n, 2);
        /* The prefix part is normalised; the suffix is kept. */
        assert_int_equal(csv_row("88.123.45/eq-3,SN3,,"), 0);
        assert_memory_equal(rec.name, "88.123.45/eq-3", rec.len);
        expect_err(csv_row("88.123.45/EQ-4,SN4,m"), "3 fields, the header "
                                                    "has 4");
        expect_err(csv_row("88.123.45/EQ 5,SN5,,"), "bad handle");
        expect_err(csv_row("PUMP-6,SN6,,"), "bad handle");
        expect_err(csv_row("88.123.46/EQ-7,SN7,,"), "not under prefix "
                                                    "88.123.45");
        expect_err(csv_row("88.123.45/EQ-8,,M,"), "required item serialNo");
        expect_err(csv_row("88.123.45/EQ-9,SN-TOO-LONG,,"), "outside 1-8");
        expect_err(csv_row("88.123.45/EQ-10,SN10,,2026-3-14"), "outside "
                                                               "10-10");
        expect_err(csv_row("88.123.45/EQ-11,\"SN\xff\",,"), "UTF-8");
}

static void
jsonl_snms_shape(void **state)
{
        static const char ok[] =
            "{\"handle\":\"88.123.45/EQ-20\",\"templateVersion\":\"equip-v1\","
            "\"value\":[{\"index\":2001,\"type\":\"model\",\"data\":"
            "{\"format\":\"string\",\"value\":\"CP-200\"},\"auth\":\"\"},"
            "{\"index\":2000,\"type\":\"serialNo\",\"data\":"
            "{\"format\":\"string\",\"value\":\"SN20\"}}]}";

        (void)state;
        g = make(INGEST_JSONL);
        assert_int_equal(
            ingest_line(g, ok, strlen(ok), NOW, &rec, err, sizeof(err)), 0);
        assert_int_equal(rec.n, 3);
        expect_encoded(0, "{\"index\":1001,\"type\":\"TEMPLATE\","
                          "\"data\":\"equip-v1\"}");
        expect_encoded(1, "{\"index\":2001,\"type\":\"model\","
                          "\"data\":\"CP-200\"}");
}

static int
jline(const char *s)
{
        return ingest_line(g, s, strlen(s), NOW, &rec, err, sizeof(err));
}

static void
jsonl_errors(void **state)
{
        (void)state;
        g = make(INGEST_JSONL);
        expect_err(jline("{\"handle\":"), "invalid JSON");
        expect_err(jline("[1]"), "JSON object");
        expect_err(jline("{\"handle\":\"88.123.45/A\",\"value\":[]}"),
                   "templateVersion");
        expect_err(jline("{\"handle\":\"88.123.45/A\",\"templateVersion\":"
                         "\"equip-v2\",\"value\":[]}"),
                   "templateVersion is not equip-v1");
        expect_err(jline("{\"handle\":\"88.123.45/A\",\"templateVersion\":"
                         "\"equip-v1\",\"value\":[{\"index\":2000,\"type\":"
                         "\"serialNo\",\"data\":{\"format\":\"hex\","
                         "\"value\":\"00\"}}]}"),
                   "format\":\"string\"");
        expect_err(jline("{\"handle\":\"88.123.45/A\",\"templateVersion\":"
                         "\"equip-v1\",\"value\":[{\"index\":1001,\"type\":"
                         "\"TEMPLATE\",\"data\":{\"format\":\"string\","
                         "\"value\":\"x\"}}]}"),
                   "reserved");
        expect_err(jline("{\"handle\":\"88.123.45/A\",\"templateVersion\":"
                         "\"equip-v1\",\"value\":[{\"index\":2000,\"type\":"
                         "\"model\",\"data\":{\"format\":\"string\","
                         "\"value\":\"x\"}}]}"),
                   "not an enabled item");
        expect_err(jline("{\"handle\":\"88.123.45/A\",\"templateVersion\":"
                         "\"equip-v1\",\"value\":[{\"index\":\"2000\"}]}"),
                   "integer index");
        expect_err(jline("{\"handle\":\"88.123.45/A\",\"handle\":\"x\"}"),
                   "invalid JSON");
}

static void
values_format_as_before(void **state)
{
        static const char ok[] =
            "{\"handle\":\"88.900.1/ANY\",\"values\":[{\"index\":1,\"type\":"
            "\"URL\",\"data\":\"https://x\"},{\"index\":3,\"type\":\"QR\","
            "\"data\":{\"format\":\"hex\",\"value\":\"8950\"},"
            "\"ttl\":60}]}";

        (void)state;
        g = make(INGEST_VALUES);
        assert_int_equal(jline(ok), 0);
        assert_int_equal(rec.n, 2);
        expect_encoded(1, "{\"index\":3,\"type\":\"QR\",\"data\":{\"format\":"
                          "\"hex\",\"value\":\"8950\"},\"ttl\":60}");
        assert_string_equal(rec.meta, "c=1790000000");
        expect_err(jline("{\"handle\":\"88.900.1/D\",\"values\":[{\"index\":1,"
                         "\"type\":\"A\"},{\"index\":1,\"type\":\"B\"}]}"),
                   "index 1 used twice");
        expect_err(jline("{\"handle\":\"88.900.1/E\",\"values\":[]}"),
                   "1 to 2048 values");
        expect_err(jline("{\"handle\":\"nope\",\"values\":[{\"index\":1,"
                         "\"type\":\"A\"}]}"),
                   "bad handle");
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(csv_header_maps_columns, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(csv_header_errors, setup, teardown),
            cmocka_unit_test_setup_teardown(
                csv_rows_checked_like_a_registration, setup, teardown),
            cmocka_unit_test_setup_teardown(jsonl_snms_shape, setup, teardown),
            cmocka_unit_test_setup_teardown(jsonl_errors, setup, teardown),
            cmocka_unit_test_setup_teardown(values_format_as_before, setup,
                                            teardown),
        };

        return cmocka_run_group_tests_name("ingest", tests, NULL, NULL);
}
