#include "registry/keys.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

size_t
keys_handle(char *out, size_t outsz, const char *name, size_t len)
{
        size_t n = len + 4;

        if (n >= outsz)
                return 0;
        memcpy(out, "h:{", 3);
        memcpy(out + 3, name, len);
        out[3 + len] = '}';
        out[n] = '\0';
        return n;
}

size_t
keys_handle_name(const char *key, size_t len, const char **name)
{
        if (len < 5 || memcmp(key, "h:{", 3) != 0 || key[len - 1] != '}')
                return 0;
        *name = key + 3;
        return len - 4;
}

/* The length snprintf returned, or 0 if it did not fit. */
static size_t
keys_fmt(size_t outsz, int n)
{
        return n > 0 && (size_t)n < outsz ? (size_t)n : 0;
}

size_t
keys_prefix(char *out, size_t outsz, const char *prefix)
{
        return keys_fmt(outsz, snprintf(out, outsz, "pfx:{%s}", prefix));
}

size_t
keys_quota(char *out, size_t outsz, const char *prefix)
{
        return keys_fmt(outsz, snprintf(out, outsz, "quota:{%s}", prefix));
}

size_t
keys_ucache(char *out, size_t outsz, const char *name, size_t len)
{
        return keys_fmt(outsz,
                        snprintf(out, outsz, "c:{%.*s}", (int)len, name));
}

size_t
keys_prefix_name(const char *key, size_t len, const char **prefix)
{
        if (len < 7 || memcmp(key, "pfx:{", 5) != 0 || key[len - 1] != '}')
                return 0;
        *prefix = key + 5;
        return len - 6;
}

size_t
keys_template(char *out, size_t outsz, const char *prefix, const char *version)
{
        return keys_fmt(outsz,
                        snprintf(out, outsz, "tpl:{%s}:%s", prefix, version));
}

size_t
keys_templates(char *out, size_t outsz, const char *prefix)
{
        return keys_fmt(outsz, snprintf(out, outsz, "tpls:{%s}", prefix));
}

size_t
keys_enterprise(char *out, size_t outsz, const char *uscc)
{
        return keys_fmt(outsz, snprintf(out, outsz, "ent:{%s}", uscc));
}

size_t
keys_platforms(char *out, size_t outsz, const char *uscc)
{
        return keys_fmt(outsz, snprintf(out, outsz, "plats:{%s}", uscc));
}

size_t
keys_user(char *out, size_t outsz, const char *name)
{
        return keys_fmt(outsz, snprintf(out, outsz, "user:{%s}", name));
}

size_t
keys_token(char *out, size_t outsz, const char *token_sha256_hex)
{
        return keys_fmt(outsz,
                        snprintf(out, outsz, "tok:%s", token_sha256_hex));
}

/* "KIND:{NAME}", for keys tagged with an identifier or prefix. */
static size_t
keys_tagged(char *out, size_t outsz, const char *kind, const char *name,
            size_t len)
{
        return len <= (size_t)INT32_MAX
                   ? keys_fmt(outsz, snprintf(out, outsz, "%s:{%.*s}", kind,
                                              (int)len, name))
                   : 0;
}

size_t
keys_events(char *out, size_t outsz, const char *name, size_t len)
{
        return keys_tagged(out, outsz, "ev", name, len);
}

size_t
keys_links(char *out, size_t outsz, const char *name, size_t len)
{
        return keys_tagged(out, outsz, "ln", name, len);
}

size_t
keys_grants(char *out, size_t outsz, const char *name, size_t len)
{
        return keys_tagged(out, outsz, "gr", name, len);
}

size_t
keys_idmap(char *out, size_t outsz, const char *scheme, const char *id)
{
        return keys_fmt(outsz,
                        snprintf(out, outsz, "idmap:{%s:%s}", scheme, id));
}

size_t
keys_stats_counts(char *out, size_t outsz, int64_t t, enum period_unit u)
{
        char day[9], hour[3];

        period_day_digits(t, day);
        period_hour_digits(t, hour);
        if (u == PERIOD_DAY)
                return keys_fmt(outsz, snprintf(out, outsz, "st:{%s}:cd", day));
        return keys_fmt(outsz,
                        snprintf(out, outsz, "st:{%s}:ch:%s", day, hour));
}

size_t
keys_stats_clients(char *out, size_t outsz, int64_t t, enum period_unit u,
                   const char *prefix)
{
        char day[9], hour[3];

        period_day_digits(t, day);
        period_hour_digits(t, hour);
        if (u == PERIOD_DAY)
                return keys_fmt(
                    outsz, snprintf(out, outsz, "st:{%s}:ud:%s", day, prefix));
        return keys_fmt(
            outsz, snprintf(out, outsz, "st:{%s}:uh:%s:%s", day, hour, prefix));
}

size_t
keys_stats_top(char *out, size_t outsz, int64_t t, const char *prefix)
{
        char day[9];

        period_day_digits(t, day);
        return keys_fmt(outsz,
                        snprintf(out, outsz, "st:{%s}:top:%s", day, prefix));
}
