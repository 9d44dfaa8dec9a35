/* Platform kinds (registry/plat). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "registry/plat.h"

static void
kinds(void **state)
{
        (void)state;
        assert_true(plat_kind_ok("erp"));
        assert_true(plat_kind_ok("mes"));
        assert_true(plat_kind_ok("wms"));
        assert_true(plat_kind_ok("trace"));
        assert_true(plat_kind_ok("other"));
        assert_false(plat_kind_ok("ERP"));
        assert_false(plat_kind_ok("crm"));
        assert_false(plat_kind_ok(""));
        assert_false(plat_kind_ok("erp "));
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(kinds),
        };

        return cmocka_run_group_tests_name("plat", tests, NULL, NULL);
}
