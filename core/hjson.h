/*
 * Handle values as JSON, in the Handle.Net REST shape (protocol.md §8):
 * {"index":1,"type":"URL","data":{"format":"string","value":"..."},
 *  "ttl":86400,"timestamp":"2001-11-21T16:21:35Z"}
 * plus "permissions" (AR AW PR PW bits) when not "1110" and "references"
 * when non-empty.  data.format is string, hex, base64, admin or vlist.
 */
#ifndef CORE_HJSON_H
#define CORE_HJSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/cur.h"
#include "core/hval.h"

struct site;

/* A new JSON object for the value (caller owns the reference). */
json_t *hjson_value(const struct hval *v);

/*
 * Appends hjson_value(v) as compact JSON text, the very bytes json_dumps
 * writes for it with JSON_COMPACT | JSON_PRESERVE_ORDER, without
 * building objects (for answers of many values: registry/trace).  0, or
 * -1 when hjson_value would give NULL (nothing appended).
 */
int hjson_value_text(struct wbuf *w, const struct hval *v);
/* Appends len bytes of UTF-8 as a JSON string; -1 if not UTF-8. */
int hjson_string_text(struct wbuf *w, const char *p, size_t len);

/*
 * An HS_SITE record as data.value of format "site" (protocol.md §8):
 * {version, protocolVersion, serialNumber, primarySite, multiPrimary,
 * hashOption (when not 2), attributes, servers[{serverId, address,
 * publicKey, interfaces[{query, admin, protocol, port}]}]}.  A new
 * reference, or NULL if the desc attribute is not UTF-8.
 */
json_t *hjson_site(const struct site *s);
/*
 * hjson_value, but data in format "site" when it is an HS_SITE record
 * site_decode reads (referral answers render their site this way).
 */
json_t *hjson_site_value(const struct hval *v);

/*
 * Encodes a JSON value (borrowed) in wire format onto `out`.  Missing
 * timestamp defaults to `now`, ttl to 86400, permissions to "1110".
 * Returns 0, or -1 with a reason in err.
 */
int hjson_encode_value(const json_t *j, uint32_t now, struct wbuf *out,
                       char *err, size_t errlen);

/* ISO-8601 UTC ("2001-11-21T16:21:35Z"); buf needs 21 bytes. */
void hjson_time(uint32_t t, char *buf, size_t len);

#endif
