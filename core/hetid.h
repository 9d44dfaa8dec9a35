/*
 * Heterogeneous identifiers (domain.md §3.4): the schemes a resolution
 * request may name that are not Handles, told apart by syntax, and the
 * DNS names their resolution systems publish NAPTR records at.
 *
 *   OID   dotted arcs starting 0, 1 or 2 ("2.16.156.101818"), optionally
 *         written "urn:oid:2.16.156"; ORS (X.672) name: the arcs reversed
 *         plus a zone ("1.102.101818.156.16.2.oid-res.org").
 *   GS1   a GTIN-8/12/13/14 whose check digit is right, an element
 *         string "(01)GTIN[(21)SERIAL]", or a GS1 Digital Link URI
 *         "http[s]://ANY-HOST/.../01/GTIN[/22/..][/10/..][/21/SERIAL]";
 *         the GTIN is normalised to 14 digits.  ONS 2.0.1 name: the
 *         indicator digit, then the other digits but the check digit
 *         reversed, one label each, plus a zone
 *         ("0.0.6.2.2.3.1.4.1.4.1.6.0.gtin.gs1.id.onsepc.com").
 *
 * Pure functions on caller buffers, no allocation.
 */
#ifndef CORE_HETID_H
#define CORE_HETID_H

#include <stddef.h>

/* Longest identifier text accepted (a Digital Link URI included). */
#define HETID_TEXT_MAX 512
/* Longest normalised identifier: an OID of at most HETID_MAX_ARCS arcs. */
#define HETID_ID_MAX   200
#define HETID_MAX_ARCS 32
/* GS1 serial (AI 21): at most 20 characters of GS1 set 82. */
#define HETID_SERIAL_MAX 20
/* A DNS name in text form. */
#define HETID_DNS_MAX 253

enum hetid_scheme { HETID_OID = 1, HETID_GS1 };
enum hetid_form { HETID_PLAIN = 1, HETID_ELEMENT_STRING, HETID_DIGITAL_LINK };

struct hetid {
        enum hetid_scheme scheme;
        enum hetid_form form;
        char id[HETID_ID_MAX + 1];         /* OID arcs, or the GTIN-14 */
        char serial[HETID_SERIAL_MAX + 1]; /* GS1 AI 21, "" if none */
};

/*
 * Parses `len` bytes (no NUL needed).  0 with *h filled, or -1 with
 * *why saying what is wrong (not an identifier of a known scheme, a bad
 * check digit, ...).
 */
int hetid_parse(const char *s, size_t len, struct hetid *h, const char **why);

/* "oid" or "gs1"; "gtin", "element-string", "digital-link" by form. */
const char *hetid_scheme_name(enum hetid_scheme s);
const char *hetid_form_name(const struct hetid *h);

/*
 * The check digit a GTIN's first n-1 digits call for ('0'..'9'), or 0
 * if they are not n-1 digits of a GTIN length (8, 12, 13 or 14).
 */
char hetid_gtin_check(const char *digits, size_t n);

/*
 * Writes the NAPTR owner name of h under `zone` (no trailing dot) to
 * out.  Returns its length, or 0 if it does not fit or zone is empty.
 */
size_t hetid_dns_name(const struct hetid *h, const char *zone, char *out,
                      size_t outsz);

/*
 * The Application Unique String the NAPTR regexps rewrite: the OID, or
 * "||gtin|GTIN14" (ONS 2.0.1).  Returns its length, 0 if it does not fit.
 */
size_t hetid_aus(const struct hetid *h, char *out, size_t outsz);

#endif
