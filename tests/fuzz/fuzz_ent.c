/*
 * The enterprise and prefix routes' own checks of client input: the
 * enterprise profile (application and change request), the HS_SITE of a
 * prefix served elsewhere, and SNMS dates.  No crash on any input; what
 * is accepted is a fixed point (checking the result again accepts it
 * unchanged), and a parsed date formats and parses back to itself.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "registry/ent.h"
#include "registry/pfx.h"
#include "registry/snms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
profile_fixed_point(const json_t *body, int change)
{
        char err[256];
        json_t *a = ent_profile(body, change, "88.123", err, sizeof(err)), *b;

        if (!a)
                return;
        b = ent_profile(a, change, "88.123", err, sizeof(err));
        if (!b || !json_equal(a, b))
                abort();
        json_decref(a);
        json_decref(b);
}

static void
site_fixed_point(const json_t *cfg)
{
        struct pfx_site s, again;
        char err[256];
        json_t *j;

        if (pfx_site_parse(cfg, &s, err, sizeof(err)) < 0)
                return;
        j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "hdlType", "HS_SITE",
                      "ipType", s.ipType, "ip", s.ip, "tcpPort", s.tcpPort,
                      "udpPort", s.udpPort, "httpPort", s.httpPort);
        if (!j || pfx_site_parse(j, &again, err, sizeof(err)) < 0 ||
            memcmp(&s, &again, sizeof(s)) != 0)
                abort();
        json_decref(j);
}

static void
date_round_trip(const uint8_t *data, size_t size)
{
        char s[32], out[SNMS_DATE_LEN];
        long long t, again;

        if (size >= sizeof(s))
                return;
        memcpy(s, data, size);
        s[size] = '\0';
        if (snms_parse_date(s, size & 1, &t) < 0)
                return;
        snms_date(t, out);
        if (snms_parse_date(out, 0, &again) < 0 || again != t)
                abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        json_t *body =
            json_loadb((const char *)data, size,
                       JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);

        date_round_trip(data, size);
        if (!body)
                return 0;
        profile_fixed_point(body, 0);
        profile_fixed_point(body, 1);
        site_fixed_point(body);
        site_fixed_point(json_object_get(body, "entPrefixConfig"));
        json_decref(body);
        return 0;
}
