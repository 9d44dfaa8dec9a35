/*
 * Platforms: the systems (ERP, MES, WMS, traceability) an enterprise
 * lets write on its behalf.  Each is an account of role platform with a
 * generated key id and secret (registry/users), which logs in with
 * POST /identity/token {username: keyId, password: secret} and acts for
 * the enterprise's USCC.  plats:{USCC} lists an enterprise's key ids.
 *
 *   POST   /snms/api/platform {name, kind}  -> {keyId, secret}, once
 *   GET    /snms/api/platform               -> [{keyId, name, kind,
 *                                               created}]
 *   DELETE /snms/api/platform {keyId}       its tokens stop working
 *
 * Only enterprise users manage their own platforms.
 */
#ifndef REGISTRY_PLAT_H
#define REGISTRY_PLAT_H

#include <stddef.h>

struct api_route;

#define PLAT_MAX      64 /* platforms per enterprise */
#define PLAT_NAME_MAX 64 /* characters */

const struct api_route *plat_routes(size_t *n);

/* 1 if kind is one of erp, mes, wms, trace, other. */
int plat_kind_ok(const char *kind);

#endif
