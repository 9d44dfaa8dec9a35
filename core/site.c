#include "core/site.h"

#include <arpa/inet.h>
#include <string.h>

/* An HS_SITE never holds more than a Handle message does. */
#define SITE_MAX_FIELD 262144u

void
site_encode(struct wbuf *w, const struct site *s)
{
        uint32_t i;

        wbuf_u16(w, 1); /* data format version */
        wbuf_u8(w, s->proto_major);
        wbuf_u8(w, s->proto_minor);
        wbuf_u16(w, s->serial);
        wbuf_u8(w, s->primary_mask);
        wbuf_u8(w, s->hash_option);
        wbuf_bytes(w, NULL, 0); /* hash filter */
        if (s->desc.p) {
                wbuf_u32(w, 1);
                wbuf_str(w, "desc");
                wbuf_bytes(w, s->desc.p, s->desc.len);
        } else {
                wbuf_u32(w, 0);
        }
        wbuf_u32(w, 1); /* servers */
        wbuf_u32(w, s->server_id);
        wbuf_put(w, s->address, 16);
        wbuf_bytes(w, s->pubkey.p, s->pubkey.len);
        wbuf_u32(w, s->niface);
        for (i = 0; i < s->niface; i++) {
                wbuf_u8(w, s->iface[i].type);
                wbuf_u8(w, s->iface[i].proto);
                wbuf_u32(w, s->iface[i].port);
        }
}

int
site_decode(const uint8_t *p, size_t len, struct site *s)
{
        struct cur c;
        struct span name;
        const uint8_t *addr;
        uint32_t nattr, i;

        memset(s, 0, sizeof(*s));
        cur_init(&c, p, len);
        if (cur_u16(&c) != 1)
                return -1;
        s->proto_major = cur_u8(&c);
        s->proto_minor = cur_u8(&c);
        s->serial = cur_u16(&c);
        s->primary_mask = cur_u8(&c);
        s->hash_option = cur_u8(&c);
        if (cur_bytes(&c, 0).len != 0 || !cur_ok(&c))
                return -1; /* a hash filter is not ours to render */
        nattr = cur_u32(&c);
        if (nattr > 1)
                return -1;
        if (nattr == 1) {
                name = cur_bytes(&c, 4);
                s->desc = cur_bytes(&c, SITE_MAX_FIELD);
                if (!cur_ok(&c) || name.len != 4 ||
                    memcmp(name.p, "desc", 4) != 0)
                        return -1;
        }
        if (cur_u32(&c) != 1)
                return -1;
        s->server_id = cur_u32(&c);
        addr = cur_take(&c, 16);
        s->pubkey = cur_bytes(&c, SITE_MAX_FIELD);
        s->niface = cur_u32(&c);
        if (!cur_ok(&c) || s->niface > SITE_MAX_IFACES)
                return -1;
        memcpy(s->address, addr, 16);
        for (i = 0; i < s->niface; i++) {
                s->iface[i].type = cur_u8(&c);
                s->iface[i].proto = cur_u8(&c);
                s->iface[i].port = cur_u32(&c);
        }
        return cur_ok(&c) && cur_left(&c) == 0 ? 0 : -1;
}

int
site_set_address(struct site *s, const char *text)
{
        struct in_addr a4;

        memset(s->address, 0, sizeof(s->address));
        if (inet_pton(AF_INET, text, &a4) == 1) {
                /* IPv4-compatible form: CNRI reads 12 zero bytes as v4. */
                memcpy(s->address + 12, &a4, 4);
                return 0;
        }
        return inet_pton(AF_INET6, text, s->address) == 1 ? 0 : -1;
}

void
site_address_text(const struct site *s, char out[SITE_ADDR_TEXT])
{
        static const uint8_t zero[12];

        if (memcmp(s->address, zero, 12) == 0)
                inet_ntop(AF_INET, s->address + 12, out, SITE_ADDR_TEXT);
        else
                inet_ntop(AF_INET6, s->address, out, SITE_ADDR_TEXT);
}

const char *
site_proto_name(uint8_t proto)
{
        static const char *const names[] = {"UDP", "TCP", "HTTP", "HTTPS"};

        return proto < sizeof(names) / sizeof(names[0]) ? names[proto] : NULL;
}
