/*
 * HS_SITE records as other nodes publish them (protocol.md §6.1): any
 * number of attributes, a hash filter and several servers, and the
 * choice of the server a handle goes to.  core/site writes and reads
 * the one-server record this node publishes; this module reads what
 * upstream resolution is handed by top-level and secondary nodes.
 */
#ifndef CORE_USITE_H
#define CORE_USITE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define USITE_MAX_SERVERS 16 /* more are ignored */
#define USITE_MAX_ATTRS   64
#define USITE_MAX_IFACES  16

struct usite_server {
        uint8_t address[16]; /* IPv4 as 12 zero bytes + 4 */
        uint32_t udp_port;   /* query interfaces; 0: none */
        uint32_t tcp_port;
};

struct usite {
        uint16_t serial;
        uint8_t primary_mask; /* SITE_PRIMARY, SITE_MULTI_PRIMARY */
        uint8_t hash_option;  /* 0 prefix, 1 suffix, 2 whole handle */
        uint32_t n;           /* servers kept (at most USITE_MAX_SERVERS) */
        uint32_t total;       /* servers in the record (hashing uses all) */
        struct usite_server srv[USITE_MAX_SERVERS];
};

/*
 * Decodes a whole HS_SITE record's data.  0, or -1 if it is malformed,
 * over a limit, or names no server.
 */
int usite_parse(const uint8_t *p, size_t len, struct usite *s);
/*
 * The server of the site a handle goes to (CNRI SiteInfo.
 * determineServerNum): MD5 of the part hash_option selects, upper-cased,
 * last four bytes as a signed big-endian int, absolute value, modulo the
 * number of servers.  A result past the servers kept wraps onto them.
 */
uint32_t usite_pick(const struct usite *s, const char *handle, size_t len);
/*
 * Server `srv`'s UDP (tcp 0) or TCP (tcp 1) query interface as a socket
 * address.  0, or -1 if it offers none.
 */
int usite_addr(const struct usite_server *srv, int tcp,
               struct sockaddr_storage *ss, socklen_t *len);

#endif
