/* Prefix names and the HS_SITE of prefixes served elsewhere (registry/pfx). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "registry/pfx.h"

static char err[256];
static struct pfx_site site;

/* pfx_site_parse over JSON text: 0 or -1 (reason in err). */
static int
parse(const char *text)
{
        json_t *cfg = json_loads(text, JSON_ALLOW_NUL, NULL);
        int rc;

        assert_non_null(cfg);
        err[0] = '\0';
        rc = pfx_site_parse(cfg, &site, err, sizeof(err));
        json_decref(cfg);
        return rc;
}

static void
refused(const char *text, const char *why)
{
        if (parse(text) == 0)
                fail_msg("accepted: %s", text);
        if (!strstr(err, why))
                fail_msg("%s: reason %s lacks %s", text, err, why);
}

static void
normalise(void **state)
{
        char out[PFX_MAX + 1], long_one[PFX_MAX + 2];

        (void)state;
        assert_int_equal(pfx_normalise("88.123.ab", 9, out), 0);
        assert_string_equal(out, "88.123.AB");
        assert_int_equal(pfx_normalise("88..1", 5, out), -1);
        assert_int_equal(pfx_normalise("88.1.", 5, out), -1);
        assert_int_equal(pfx_normalise("88/1", 4, out), -1);
        memset(long_one, '8', sizeof(long_one));
        assert_int_equal(pfx_normalise(long_one, PFX_MAX, out), 0);
        assert_int_equal(pfx_normalise(long_one, PFX_MAX + 1, out), -1);
}

static void
sites(void **state)
{
        (void)state;
        assert_int_equal(parse("{\"hdlType\":\"HS_SITE\",\"ipType\":\"4\","
                               "\"ip\":\"192.0.2.7\",\"tcpPort\":\"2641\","
                               "\"udpPort\":\"\",\"httpPort\":null}"),
                         0);
        assert_string_equal(site.ipType, "4");
        assert_string_equal(site.ip, "192.0.2.7");
        assert_string_equal(site.tcpPort, "2641");
        assert_string_equal(site.udpPort, "");
        assert_string_equal(site.httpPort, "");
        /* the SNMS documentation's example: ipType as a number */
        assert_int_equal(parse("{\"hdlType\":\"HS_SITE\",\"ipType\":6,\"ip\":"
                               "\"2031:0000:1F1F:0000:0000:0100:11A0:ADDF\","
                               "\"udpPort\":65535,\"httpPort\":\"00080\"}"),
                         0);
        assert_string_equal(site.ipType, "6");
        assert_string_equal(site.ip, "2031:0:1f1f::100:11a0:addf");
        assert_string_equal(site.udpPort, "65535");
        assert_string_equal(site.httpPort, "80");
        assert_string_equal(site.tcpPort, "");
}

static void
sites_refused(void **state)
{
        (void)state;
        refused("{\"ipType\":\"4\",\"ip\":\"192.0.2.7\",\"tcpPort\":\"1\"}",
                "HS_SITE");
        refused("{\"hdlType\":\"HS_SITE\",\"ip\":\"192.0.2.7\","
                "\"tcpPort\":\"1\"}",
                "ipType");
        refused("{\"hdlType\":\"HS_SITE\",\"ipType\":\"46\",\"ip\":"
                "\"192.0.2.7\",\"tcpPort\":\"1\"}",
                "ipType");
        refused("{\"hdlType\":\"HS_SITE\",\"ipType\":\"4\",\"ip\":"
                "\"192.0.2.256\",\"tcpPort\":\"1\"}",
                "IPv4");
        refused("{\"hdlType\":\"HS_SITE\",\"ipType\":\"4\",\"ip\":"
                "\"::1\",\"tcpPort\":\"1\"}",
                "IPv4");
        refused("{\"hdlType\":\"HS_SITE\",\"ipType\":\"6\",\"ip\":"
                "\"10.0.0.1\",\"tcpPort\":\"1\"}",
                "IPv6");
        refused("{\"hdlType\":\"HS_SITE\",\"ipType\":\"6\",\"ip\":"
                "\"::1\\u0000x\",\"tcpPort\":\"1\"}",
                "IPv6");
        refused("{\"hdlType\":\"HS_SITE\",\"ipType\":\"4\",\"ip\":"
                "\"0.0.0.0\",\"tcpPort\":\"1\"}",
                "unspecified");
        refused("{\"hdlType\":\"HS_SITE\",\"ipType\":\"4\",\"ip\":"
                "\"192.0.2.7\"}",
                "at least one");
        refused("{\"hdlType\":\"HS_SITE\",\"ipType\":\"4\",\"ip\":"
                "\"192.0.2.7\",\"tcpPort\":\"0\"}",
                "tcpPort");
        refused("{\"hdlType\":\"HS_SITE\",\"ipType\":\"4\",\"ip\":"
                "\"192.0.2.7\",\"tcpPort\":\"165535\"}",
                "tcpPort");
        refused("{\"hdlType\":\"HS_SITE\",\"ipType\":\"4\",\"ip\":"
                "\"192.0.2.7\",\"udpPort\":65536}",
                "udpPort");
        refused("{\"hdlType\":\"HS_SITE\",\"ipType\":\"4\",\"ip\":"
                "\"192.0.2.7\",\"httpPort\":\" 80\"}",
                "httpPort");
        refused("{\"hdlType\":\"HS_SITE\",\"ipType\":\"4\",\"ip\":"
                "\"192.0.2.7\",\"httpPort\":80.0}",
                "httpPort");
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(normalise),
            cmocka_unit_test(sites),
            cmocka_unit_test(sites_refused),
        };

        return cmocka_run_group_tests_name("pfx", tests, NULL, NULL);
}
