#include "core/site.h"

#include <arpa/inet.h>
#include <string.h>

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
        if (s->desc) {
                wbuf_u32(w, 1);
                wbuf_str(w, "desc");
                wbuf_str(w, s->desc);
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
