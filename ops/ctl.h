/*
 * idctl's commands, one module each (ops/ctl_*.c), dispatched by
 * cmd/idctl.c, and what they share (ops/ctl.c).
 *
 * A command takes the loaded config and the arguments after its name,
 * prints results on standard output and problems on standard error, and
 * returns the process's exit status: 0 done, 1 failed, 2 a usage error
 * (health: 1 not ready, 2 the node did not answer).
 */
#ifndef OPS_CTL_H
#define OPS_CTL_H

#include <stddef.h>

#include <jansson.h>

struct config;
struct httpc_resp;
struct redisContext;

typedef int (*ctl_command)(const struct config *cfg, int argc, char **argv);

/* ops/ctl_resolve.c: a resolution over UDP or TCP, like a client. */
int ctl_resolve(const struct config *cfg, int argc, char **argv);
/* ops/ctl_admin.c: Handle admin opcodes over TCP, signed with a key. */
int ctl_admin(const struct config *cfg, int argc, char **argv);
/* ops/ctl_import.c: bulk load identifiers into Redis. */
int ctl_import(const struct config *cfg, int argc, char **argv);
/* ops/ctl_user.c: accounts (add, passwd), written to Redis. */
int ctl_user(const struct config *cfg, int argc, char **argv);
/* ops/ctl_audit.c: pages of the audit stream, read from Redis. */
int ctl_audit(const struct config *cfg, int argc, char **argv);
/* ops/ctl_health.c: /healthz and /readyz of the admin listener. */
int ctl_health(const struct config *cfg, int argc, char **argv);
/* ops/ctl_top.c: live traffic from /metrics of the admin listener. */
int ctl_top(const struct config *cfg, int argc, char **argv);
/* ops/ctl_reg.c: enterprises and prefixes through the SNMS HTTP API. */
int ctl_reg_enterprise(const struct config *cfg, int argc, char **argv);
int ctl_reg_prefix(const struct config *cfg, int argc, char **argv);
/* ops/ctl_stats.c: usage statistics per prefix, read from Redis. */
int ctl_stats(const struct config *cfg, int argc, char **argv);
/* ops/ctl_ca.c: the node's CA, certificates and CRL (files, offline). */
int ctl_ca(const struct config *cfg, int argc, char **argv);

/* ------------------------------------------------ shared (ops/ctl.c) */

/* A blocking connection to the config's Redis, or NULL (said why). */
struct redisContext *ctl_redis(const struct config *cfg);

/*
 * One line of standard input as a password (1 to `max` bytes, line end
 * removed) into buf (max + 2 bytes).  0 with *len set, or -1 (said
 * why).  The caller wipes buf.
 */
int ctl_password(char *buf, size_t max, size_t *len);

/*
 * Where to reach a listener bound to `bind` from this host: a wildcard
 * address becomes the loopback address of its family.
 */
const char *ctl_local_host(const char *bind);

/*
 * An integer option's value from min to max into *out.  0, or -1 after
 * saying which option is wrong.
 */
int ctl_int_arg(const char *opt, const char *s, long min, long max, long *out);

/* JSON on standard output, indented, keys in their order, a newline. */
void ctl_print_json(const json_t *j);

/* Seconds as "3d 04:05:06" (days only when there are some). */
void ctl_duration(long long secs, char *buf, size_t len);

/*
 * GET `path` from the node's admin listener (admin_bind:admin_port of
 * the config).  The answer, whatever its status, or NULL with the
 * reason in err (the listener is off, or nothing answered properly).
 */
struct httpc_resp *ctl_admin_get(const struct config *cfg, const char *path,
                                 int timeout_ms, char *err, size_t errlen);

/* An answer's body as JSON, or NULL. */
json_t *ctl_json_body(const struct httpc_resp *r);

#endif
