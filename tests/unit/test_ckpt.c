/* Import checkpoints (registry/ckpt.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "registry/ckpt.h"

static char dir[] = "/tmp/test_ckpt.XXXXXX";
static char input[256], path[256], err[512];

static int
setup(void **state)
{
        FILE *fp;

        (void)state;
        if (!mkdtemp(dir))
                return -1;
        snprintf(input, sizeof(input), "%s/in.csv", dir);
        snprintf(path, sizeof(path), "%s/in.csv.idctl-resume", dir);
        fp = fopen(input, "w");
        if (!fp)
                return -1;
        fputs("handle,serialNo\n88.123.45/EQ-1,SN1\n", fp);
        return fclose(fp);
}

static int
teardown(void **state)
{
        char tmp[300];

        (void)state;
        unlink(input);
        unlink(path);
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        unlink(tmp);
        return rmdir(dir);
}

static void
fingerprint(struct ckpt *c)
{
        FILE *fp = fopen(input, "r");

        assert_non_null(fp);
        memset(c, 0, sizeof(*c));
        assert_int_equal(ckpt_fingerprint(fileno(fp), c), 0);
        fclose(fp);
        snprintf(c->format, sizeof(c->format), "csv");
        snprintf(c->tpl, sizeof(c->tpl), "equip v1");
        snprintf(c->prefix, sizeof(c->prefix), "88.123.45");
}

static void
save_then_load(void **state)
{
        struct ckpt a, b;

        (void)state;
        fingerprint(&a);
        assert_int_equal(a.size, 35);
        assert_int_equal(strlen(a.head), 64);
        a.offset = 35;
        a.line = 3;
        a.records = 1;
        a.written = 1;
        a.rejected = 0;
        a.errbytes = 12;
        assert_int_equal(ckpt_load(path, &b, err, sizeof(err)), 0);
        assert_int_equal(ckpt_save(path, &a), 0);
        assert_int_equal(ckpt_load(path, &b, err, sizeof(err)), 1);
        assert_memory_equal(&a, &b, sizeof(a));
        assert_true(ckpt_same(&a, &b));
}

static void
another_input_or_import_differs(void **state)
{
        struct ckpt a, b;
        FILE *fp;

        (void)state;
        fingerprint(&a);
        b = a;
        snprintf(b.prefix, sizeof(b.prefix), "88.123.46");
        assert_false(ckpt_same(&a, &b));
        b = a;
        snprintf(b.tpl, sizeof(b.tpl), "equip-v2");
        assert_false(ckpt_same(&a, &b));
        /* Same size and first bytes, later mtime. */
        sleep(1);
        fp = fopen(input, "r+");
        assert_non_null(fp);
        fputs("h", fp);
        fclose(fp);
        fingerprint(&b);
        assert_int_equal(b.size, a.size);
        assert_string_equal(b.head, a.head);
        assert_false(ckpt_same(&a, &b));
        /* Same mtime, other first bytes. */
        b.mtime_s = a.mtime_s;
        b.mtime_ns = a.mtime_ns;
        assert_true(ckpt_same(&a, &b));
        b.head[0] = b.head[0] == '0' ? '1' : '0';
        assert_false(ckpt_same(&a, &b));
}

static void
expect_malformed(const char *text)
{
        struct ckpt c;
        FILE *fp = fopen(path, "w");

        assert_non_null(fp);
        fputs(text, fp);
        fclose(fp);
        assert_int_equal(ckpt_load(path, &c, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "not an idctl checkpoint"));
}

static void
malformed_files_refused(void **state)
{
        struct ckpt a;
        char good[2048], *p;
        FILE *fp;
        size_t n;

        (void)state;
        fingerprint(&a);
        assert_int_equal(ckpt_save(path, &a), 0);
        fp = fopen(path, "r");
        assert_non_null(fp);
        n = fread(good, 1, sizeof(good) - 1, fp);
        fclose(fp);
        good[n] = '\0';
        expect_malformed("");
        expect_malformed("some other file\n");
        /* Cut short: the last line is missing. */
        p = strrchr(good, 'e'); /* in "errbytes" */
        good[p - good] = '\0';
        expect_malformed(good);
        expect_malformed("idctl-import-checkpoint 1\nsize 1\nsize 2\n");
        expect_malformed("idctl-import-checkpoint 1\ncolour blue\n");
        expect_malformed("idctl-import-checkpoint 1\nsize -1\n");
        expect_malformed("idctl-import-checkpoint 1\nsize 12x\n");
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(save_then_load),
            cmocka_unit_test(another_input_or_import_differs),
            cmocka_unit_test(malformed_files_refused),
        };

        return cmocka_run_group_tests_name("ckpt", tests, setup, teardown);
}
