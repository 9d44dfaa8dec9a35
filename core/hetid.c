#include "core/hetid.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Longest OID arc: a 128-bit number has 39 digits. */
#define HETID_ARC_DIGITS 39

static int
hetid_digit(char c)
{
        return c >= '0' && c <= '9';
}

static int
hetid_all_digits(const char *s, size_t n)
{
        size_t i;

        for (i = 0; i < n; i++)
                if (!hetid_digit(s[i]))
                        return 0;
        return n > 0;
}

static int
hetid_gtin_len(size_t n)
{
        return n == 8 || n == 12 || n == 13 || n == 14;
}

char
hetid_gtin_check(const char *digits, size_t n)
{
        unsigned sum = 0, w = 3;
        size_t i;

        if (!hetid_gtin_len(n) || !hetid_all_digits(digits, n - 1))
                return 0;
        for (i = n - 1; i-- > 0; w = 4 - w)
                sum += (unsigned)(digits[i] - '0') * w;
        return (char)('0' + (10 - sum % 10) % 10);
}

/* GS1 AI encodable character set 82 (GS1 General Specifications). */
static int
hetid_set82(char c)
{
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
               (c >= '!' && c <= '?' && c != '#' && c != '$' && c != '@') ||
               c == '_';
}

/* A GTIN of n digits, check digit verified, stored as GTIN-14. */
static int
hetid_gtin(const char *s, size_t n, struct hetid *h, const char **why)
{
        if (!hetid_all_digits(s, n) || !hetid_gtin_len(n)) {
                *why = "a GTIN has 8, 12, 13 or 14 digits";
                return -1;
        }
        if (hetid_gtin_check(s, n) != s[n - 1]) {
                *why = "GTIN check digit is wrong";
                return -1;
        }
        memset(h->id, '0', 14 - n);
        memcpy(h->id + 14 - n, s, n);
        h->id[14] = '\0';
        h->scheme = HETID_GS1;
        return 0;
}

static int
hetid_hex(char c)
{
        if (hetid_digit(c))
                return c - '0';
        c = (char)(c | 0x20);
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A serial (AI 21), percent-decoded when `pct`. */
static int
hetid_serial(const char *s, size_t n, int pct, struct hetid *h,
             const char **why)
{
        size_t i, o = 0;
        for (i = 0; i < n; i++) {
                char c = s[i];

                if (pct && c == '%') {
                        int hi, lo;

                        if (i + 2 >= n || (hi = hetid_hex(s[i + 1])) < 0 ||
                            (lo = hetid_hex(s[i + 2])) < 0)
                                goto bad;
                        c = (char)(hi << 4 | lo);
                        i += 2;
                }
                if (!hetid_set82(c) || o >= HETID_SERIAL_MAX)
                        goto bad;
                h->serial[o++] = c;
        }
        h->serial[o] = '\0';
        if (o > 0)
                return 0;
bad:
        *why = "a serial (AI 21) has 1 to 20 characters of GS1 set 82";
        return -1;
}

/* "(01)GTIN14" and optionally "(21)SERIAL". */
static int
hetid_element_string(const char *s, size_t n, struct hetid *h, const char **why)
{
        h->form = HETID_ELEMENT_STRING;
        if (n < 18 || hetid_gtin(s + 4, 14, h, why) < 0) {
                if (n < 18)
                        *why = "(01) must be followed by a GTIN-14";
                return -1;
        }
        if (n == 18)
                return 0;
        if (n < 22 || memcmp(s + 18, "(21)", 4) != 0) {
                *why = "only (01) and (21) element strings are read";
                return -1;
        }
        return hetid_serial(s + 22, n - 22, 0, h, why);
}

/* Path segments of a Digital Link: ".../01/GTIN[/22/x][/10/x][/21/x]". */
static int
hetid_digital_link(const char *s, size_t n, struct hetid *h, const char **why)
{
        size_t i = 0, seg[2 * 8], lens[2 * 8], k, nseg = 0;
        int found = 0;

        h->form = HETID_DIGITAL_LINK;
        while (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#')
                i++; /* the host */
        if (i == 0) {
                *why = "a Digital Link URI needs a host";
                return -1;
        }
        while (i < n && s[i] == '/') {
                size_t b = ++i;

                while (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#')
                        i++;
                if (!found && i - b == 2 && memcmp(s + b, "01", 2) == 0)
                        found = 1;
                if (found) {
                        if (nseg == sizeof(seg) / sizeof(seg[0])) {
                                *why = "too many Digital Link path segments";
                                return -1;
                        }
                        seg[nseg] = b;
                        lens[nseg++] = i - b;
                }
        }
        if (nseg > 0 && lens[nseg - 1] == 0)
                nseg--; /* a trailing slash */
        if (!found || nseg < 2 || nseg % 2) {
                *why = "a Digital Link path has /01/GTIN and key qualifiers "
                       "in pairs";
                return -1;
        }
        if (hetid_gtin(s + seg[1], lens[1], h, why) < 0)
                return -1;
        for (k = 2; k < nseg; k += 2) {
                const char *ai = s + seg[k];

                if (lens[k] != 2 ||
                    (memcmp(ai, "21", 2) != 0 && memcmp(ai, "22", 2) != 0 &&
                     memcmp(ai, "10", 2) != 0)) {
                        *why = "a Digital Link qualifier is 22, 10 or 21";
                        return -1;
                }
                if (memcmp(ai, "21", 2) == 0 &&
                    hetid_serial(s + seg[k + 1], lens[k + 1], 1, h, why) < 0)
                        return -1;
        }
        return 0;
}

/* Dotted arcs: 0, 1 or 2 first, no leading zeros, at least two arcs. */
static int
hetid_oid(const char *s, size_t n, struct hetid *h, const char **why)
{
        size_t i = 0, arcs = 0;

        h->scheme = HETID_OID;
        h->form = HETID_PLAIN;
        if (n > HETID_ID_MAX)
                goto bad;
        while (i <= n) {
                size_t b = i;

                while (i < n && hetid_digit(s[i]))
                        i++;
                if (i == b || i - b > HETID_ARC_DIGITS ||
                    (s[b] == '0' && i - b > 1) || (i < n && s[i] != '.'))
                        goto bad;
                if (++arcs > HETID_MAX_ARCS)
                        goto bad;
                if (arcs == 1 && (i - b != 1 || s[b] > '2'))
                        goto bad;
                /* Under 0 and 1 the second arc is at most 39 (X.660). */
                if (arcs == 2 && s[0] < '2' &&
                    (i - b > 2 || (i - b == 2 && (s[b] > '3'))))
                        goto bad;
                i++;
        }
        if (arcs < 2)
                goto bad;
        memcpy(h->id, s, n);
        h->id[n] = '\0';
        return 0;
bad:
        *why = "an OID is 2 to 32 dotted numeric arcs starting 0, 1 or 2";
        return -1;
}

int
hetid_parse(const char *s, size_t len, struct hetid *h, const char **why)
{
        size_t i;

        memset(h, 0, sizeof(*h));
        if (len == 0 || len > HETID_TEXT_MAX) {
                *why = "identifier empty or too long";
                return -1;
        }
        for (i = 0; i < len; i++)
                if (s[i] <= ' ' || s[i] > '~') {
                        *why = "identifier has a space, control or non-ASCII "
                               "character";
                        return -1;
                }
        if (len > 8 && strncasecmp(s, "urn:oid:", 8) == 0)
                return hetid_oid(s + 8, len - 8, h, why);
        if (len > 4 && memcmp(s, "(01)", 4) == 0)
                return hetid_element_string(s, len, h, why);
        if (len > 8 && strncasecmp(s, "https://", 8) == 0)
                return hetid_digital_link(s + 8, len - 8, h, why);
        if (len > 7 && strncasecmp(s, "http://", 7) == 0)
                return hetid_digital_link(s + 7, len - 7, h, why);
        if (hetid_all_digits(s, len)) {
                h->form = HETID_PLAIN;
                return hetid_gtin(s, len, h, why);
        }
        if (hetid_digit(s[0]) && memchr(s, '.', len))
                return hetid_oid(s, len, h, why);
        *why = "not an OID, GTIN, GS1 element string or Digital Link URI";
        return -1;
}

const char *
hetid_scheme_name(enum hetid_scheme s)
{
        return s == HETID_OID ? "oid" : "gs1";
}

const char *
hetid_form_name(const struct hetid *h)
{
        if (h->scheme == HETID_OID)
                return "oid";
        switch (h->form) {
        case HETID_ELEMENT_STRING:
                return "element-string";
        case HETID_DIGITAL_LINK:
                return "digital-link";
        default:
                return "gtin";
        }
}

size_t
hetid_dns_name(const struct hetid *h, const char *zone, char *out, size_t outsz)
{
        size_t n = 0, i, end, zl = strlen(zone);

        if (zl == 0)
                return 0;
        if (h->scheme == HETID_GS1) {
                if (outsz < 2 * 13 + zl + 1)
                        return 0;
                out[n++] = h->id[0];
                out[n++] = '.';
                for (i = 13; i-- > 1;) {
                        out[n++] = h->id[i];
                        out[n++] = '.';
                }
        } else {
                end = strlen(h->id);
                if (outsz < end + 1 + zl + 1)
                        return 0;
                while (end > 0) {
                        for (i = end; i > 0 && h->id[i - 1] != '.'; i--)
                                ;
                        memcpy(out + n, h->id + i, end - i);
                        n += end - i;
                        out[n++] = '.';
                        end = i > 0 ? i - 1 : 0;
                }
        }
        memcpy(out + n, zone, zl);
        n += zl;
        out[n] = '\0';
        return n > HETID_DNS_MAX ? 0 : n;
}

size_t
hetid_aus(const struct hetid *h, char *out, size_t outsz)
{
        int n = h->scheme == HETID_GS1
                    ? snprintf(out, outsz, "||gtin|%s", h->id)
                    : snprintf(out, outsz, "%s", h->id);

        return n < 0 || (size_t)n >= outsz ? 0 : (size_t)n;
}
