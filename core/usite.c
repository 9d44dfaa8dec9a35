#include "core/usite.h"

#include <netinet/in.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/cur.h"
#include "core/site.h"

/* Bounds on fields nobody needs large, so a record cannot ask for much. */
#define USITE_MAX_FIELD 65536u

int
usite_parse(const uint8_t *p, size_t len, struct usite *s)
{
        struct cur c;
        uint32_t nattr, nsrv, nif, i, k;
        const uint8_t *addr;

        memset(s, 0, sizeof(*s));
        cur_init(&c, p, len);
        (void)cur_u16(&c); /* data format version: CNRI ignores it too */
        (void)cur_u8(&c);
        (void)cur_u8(&c);
        s->serial = cur_u16(&c);
        s->primary_mask = cur_u8(&c);
        s->hash_option = cur_u8(&c);
        (void)cur_bytes(&c, USITE_MAX_FIELD); /* hash filter */
        nattr = cur_u32(&c);
        if (!cur_ok(&c) || nattr > USITE_MAX_ATTRS)
                return -1;
        for (i = 0; i < nattr; i++) {
                (void)cur_bytes(&c, USITE_MAX_FIELD);
                (void)cur_bytes(&c, USITE_MAX_FIELD);
        }
        nsrv = cur_u32(&c);
        if (!cur_ok(&c) || nsrv == 0 || nsrv > 1024)
                return -1;
        s->total = nsrv;
        for (i = 0; i < nsrv; i++) {
                struct usite_server *sv =
                    i < USITE_MAX_SERVERS ? &s->srv[i] : NULL;

                (void)cur_u32(&c); /* server id */
                addr = cur_take(&c, 16);
                (void)cur_bytes(&c, USITE_MAX_FIELD); /* public key */
                nif = cur_u32(&c);
                if (!cur_ok(&c) || nif > USITE_MAX_IFACES)
                        return -1;
                if (sv)
                        memcpy(sv->address, addr, 16);
                for (k = 0; k < nif; k++) {
                        uint8_t type = cur_u8(&c), proto = cur_u8(&c);
                        uint32_t port = cur_u32(&c);

                        if (!sv || !(type & SITE_IF_QUERY) || port == 0 ||
                            port > 65535)
                                continue;
                        if (proto == SITE_PROTO_UDP && !sv->udp_port)
                                sv->udp_port = port;
                        else if (proto == SITE_PROTO_TCP && !sv->tcp_port)
                                sv->tcp_port = port;
                }
        }
        if (!cur_ok(&c))
                return -1;
        s->n = nsrv < USITE_MAX_SERVERS ? nsrv : USITE_MAX_SERVERS;
        return 0;
}

uint32_t
usite_pick(const struct usite *s, const char *handle, size_t len)
{
        const char *slash = memchr(handle, '/', len), *p = handle;
        uint8_t buf[2048], md[EVP_MAX_MD_SIZE];
        unsigned int mdlen = 0;
        size_t n = len, i;
        int64_t v;

        if (s->total <= 1 || s->n == 0)
                return 0;
        if (s->hash_option == 0) { /* prefix; "0.NA" for a bare prefix */
                if (slash) {
                        n = (size_t)(slash - handle);
                } else {
                        p = "0.NA";
                        n = 4;
                }
        } else if (s->hash_option == 1 && slash) {
                p = slash + 1;
                n = len - (size_t)(slash + 1 - handle);
        }
        if (n > sizeof(buf))
                n = sizeof(buf);
        for (i = 0; i < n; i++)
                buf[i] =
                    (uint8_t)(p[i] >= 'a' && p[i] <= 'z' ? p[i] - 32 : p[i]);
        if (!EVP_Digest(buf, n, md, &mdlen, EVP_md5(), NULL) || mdlen < 4)
                return 0;
        v = (int32_t)((uint32_t)md[mdlen - 4] << 24 |
                      (uint32_t)md[mdlen - 3] << 16 |
                      (uint32_t)md[mdlen - 2] << 8 | md[mdlen - 1]);
        if (v < 0)
                v = -v;
        return (uint32_t)(v % s->total) % s->n;
}

int
usite_addr(const struct usite_server *srv, int tcp, struct sockaddr_storage *ss,
           socklen_t *len)
{
        static const uint8_t zero[12];
        uint32_t port = tcp ? srv->tcp_port : srv->udp_port;
        struct sockaddr_in *a4 = (struct sockaddr_in *)(void *)ss;
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)(void *)ss;

        if (!port)
                return -1;
        memset(ss, 0, sizeof(*ss));
        if (memcmp(srv->address, zero, 12) == 0) {
                a4->sin_family = AF_INET;
                a4->sin_port = htons((uint16_t)port);
                memcpy(&a4->sin_addr, srv->address + 12, 4);
                *len = sizeof(*a4);
        } else {
                a6->sin6_family = AF_INET6;
                a6->sin6_port = htons((uint16_t)port);
                memcpy(&a6->sin6_addr, srv->address, 16);
                *len = sizeof(*a6);
        }
        return 0;
}
