#include "resolver/homing.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/config.h"
#include "core/log.h"
#include "core/wire.h"
#include "registry/keys.h"
#include "registry/pfx.h"
#include "resolver/hproto.h"
#include "resolver/rworker.h"
#include "resolver/upstream.h"

static int
homing_loopback(const struct sockaddr_storage *a)
{
        static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0,    0,
                                             0, 0, 0, 0, 0xff, 0xff};
        const uint8_t *b;

        if (a->ss_family == AF_INET)
                return ((const uint8_t *)&(
                            (const struct sockaddr_in *)(const void *)a)
                            ->sin_addr)[0] == 127;
        if (a->ss_family != AF_INET6)
                return 0;
        b = ((const struct sockaddr_in6 *)(const void *)a)->sin6_addr.s6_addr;
        if (memcmp(b, v4mapped, 12) == 0)
                return b[12] == 127;
        return memcmp(b, &in6addr_loopback, 16) == 0;
}

uint32_t
homing_authorize(const struct rworker *rw, const struct hsrc *src)
{
        if (rw->cfg->homing_from_loopback && src->kind == HSRC_TCP &&
            homing_loopback(&src->addr))
                return 0;
        return RC_INSUFFICIENT_PERMISSIONS;
}

static void
homing_written(void *arg, struct redisReply *r, enum rpool_status st)
{
        (void)arg;
        (void)r;
        if (st != RPOOL_OK)
                log_warn("homing_write_failed", "status=%d", (int)st);
}

uint32_t
homing_change(struct rworker *rw, uint32_t opcode, struct span handle,
              const char **why)
{
        char pfx[PFX_MAX + 1];
        const char *p = (const char *)handle.p, *argv[3];
        size_t n = handle.len, argvlen[3];

        if (n > 5 && strncasecmp(p, "0.NA/", 5) == 0) {
                p += 5;
                n -= 5;
        }
        if (pfx_normalise(p, n, pfx) < 0) {
                *why = "expected 0.NA/<prefix>";
                return RC_INVALID_HANDLE;
        }
        if (opcode == OC_UNHOME_NA && strcmp(pfx, rw->cfg->node_prefix) == 0) {
                *why = "node_prefix is homed by configuration";
                return RC_OPERATION_NOT_SUPPORTED;
        }
        argv[0] = opcode == OC_HOME_NA ? "SADD" : "SREM";
        argv[1] = KEYS_HOMED;
        argv[2] = pfx;
        argvlen[0] = 4;
        argvlen[1] = strlen(KEYS_HOMED);
        argvlen[2] = strlen(pfx);
        if (rpool_command(rw->redis, homing_written, NULL, 3, argv, argvlen) <
            0) {
                *why = "store unavailable, retry later";
                return RC_SERVER_BUSY;
        }
        log_info(opcode == OC_HOME_NA ? "prefix_homed" : "prefix_unhomed",
                 "prefix=%s", pfx);
        return RC_SUCCESS;
}

void
homing_list(struct rworker *rw, struct wbuf *out)
{
        char name[CONFIG_STR_MAX + 6], (*homed)[PFX_MAX + 1];
        size_t n = upstream_homed(rw->up, &homed), i;
        int own = rw->cfg->node_prefix[0] != '\0';

        wbuf_u32(out, (uint32_t)(n + (size_t)own));
        if (own) {
                snprintf(name, sizeof(name), "0.NA/%s", rw->cfg->node_prefix);
                wbuf_str(out, name);
        }
        for (i = 0; i < n; i++) {
                snprintf(name, sizeof(name), "0.NA/%s", homed[i]);
                wbuf_str(out, name);
        }
}
