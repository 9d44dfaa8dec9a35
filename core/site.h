/*
 * HS_SITE records (protocol.md §6.1): where a service's servers are and
 * which interfaces they offer.  The node publishes its own site
 * (GET_SITEINFO) and refers clients to enterprise nodes with one; the
 * decoder reads back what the encoder writes, for rendering.
 */
#ifndef CORE_SITE_H
#define CORE_SITE_H

#include <stddef.h>
#include <stdint.h>

#include "core/cur.h"

#define SITE_MAX_IFACES 8
/* Longest address text site_address_text writes, with NUL. */
#define SITE_ADDR_TEXT 46

enum { SITE_IF_ADMIN = 0x01, SITE_IF_QUERY = 0x02 };
enum {
        SITE_PROTO_UDP = 0,
        SITE_PROTO_TCP = 1,
        SITE_PROTO_HTTP = 2,
        SITE_PROTO_HTTPS = 3
};
enum { SITE_PRIMARY = 0x80, SITE_MULTI_PRIMARY = 0x40 };

struct site_iface {
        uint8_t type; /* SITE_IF_* bits */
        uint8_t proto;
        uint32_t port;
};

/* One site with one server (what a single node publishes). */
struct site {
        uint8_t proto_major, proto_minor;
        uint16_t serial;
        uint8_t primary_mask;
        uint8_t hash_option;
        struct span desc; /* "desc" attribute; p NULL: no attribute */
        uint32_t server_id;
        uint8_t address[16]; /* IPv4 as 12 zero bytes + 4 */
        struct span pubkey;  /* HS_PUBKEY encoding, may be empty */
        uint32_t niface;
        struct site_iface iface[SITE_MAX_IFACES];
};

void site_encode(struct wbuf *w, const struct site *s);
/*
 * Decodes a record of the shape site_encode writes: empty hash filter,
 * no attribute but "desc", one server, at most SITE_MAX_IFACES
 * interfaces, nothing after it.  The spans in s point into p.  0, or -1
 * for anything else (such a record is then shown as raw bytes).
 */
int site_decode(const uint8_t *p, size_t len, struct site *s);
/* Fills s->address from text ("192.0.2.1" or an IPv6 literal). 0 on ok. */
int site_set_address(struct site *s, const char *text);
/* The address as text: dotted IPv4 when the first 12 bytes are zero. */
void site_address_text(const struct site *s, char out[SITE_ADDR_TEXT]);
/* "UDP", "TCP", "HTTP", "HTTPS", or NULL for another protocol number. */
const char *site_proto_name(uint8_t proto);

#endif
