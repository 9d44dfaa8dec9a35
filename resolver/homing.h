/*
 * Prefix homing (protocol.md §4, opcodes 300-302): OC_HOME_NA and
 * OC_UNHOME_NA add and remove a prefix this node serves, in the Redis
 * set KEYS_HOMED that every worker (and instance) re-reads each second;
 * OC_LIST_HOMED_NAS lists them with node_prefix first.
 *
 * Who may home a prefix is decided in one place, homing_authorize: for
 * now a TCP request from a loopback address when homing_from_loopback
 * is on.  Handle challenge-response authentication replaces it with
 * "an administrator of 0.NA/<node_prefix>" once it lands.
 */
#ifndef RESOLVER_HOMING_H
#define RESOLVER_HOMING_H

#include <stddef.h>
#include <stdint.h>

#include "core/cur.h"

struct hsrc;
struct rworker;

/* 0 if src may change homing, else the response code to refuse with. */
uint32_t homing_authorize(const struct rworker *rw, const struct hsrc *src);
/*
 * Carries out OC_HOME_NA or OC_UNHOME_NA of `handle` ("0.NA/<prefix>" or
 * a bare prefix): RC_SUCCESS once the change is queued to Redis (it is
 * in every worker's list within a second), or an error code with *why.
 */
uint32_t homing_change(struct rworker *rw, uint32_t opcode, struct span handle,
                       const char **why);
/* Appends the OC_LIST_HOMED_NAS body: list<str> of "0.NA/<prefix>". */
void homing_list(struct rworker *rw, struct wbuf *out);

#endif
