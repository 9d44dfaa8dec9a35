/*
 * Configuration: one table of keys (type, range, default, reloadable)
 * drives loading, validation, defaults, --check-config and reload.
 *
 * A struct config is immutable once loaded.  It is shared read-only by
 * every worker and reference-counted so a reload can hand each worker a
 * new one while old requests finish on the old one.
 */
#ifndef CORE_CONFIG_H
#define CORE_CONFIG_H

#include <stddef.h>

#define CONFIG_STR_MAX 256

struct config {
        _Atomic int refs; /* see config_ref/config_unref */
        int workers;
        char handle_bind[CONFIG_STR_MAX];
        int handle_port;
        char http_bind[CONFIG_STR_MAX];
        int http_port;
        char admin_bind[CONFIG_STR_MAX];
        int admin_port; /* 0: no admin listener */
        char redis_socket[CONFIG_STR_MAX];
        char redis_host[CONFIG_STR_MAX];
        char redis_password[CONFIG_STR_MAX]; /* a secret: never logged */
        int redis_port;
        int redis_max_inflight;
        int request_timeout_ms;
        int cache;
        int cache_entries;
        int cache_max_mb;
        int cache_ttl_max_s;
        int cache_negative_ttl_s;
        int tcp_idle_timeout_ms;
        int max_connections;
        int max_inflight_per_conn;
        int max_message_bytes;
        int max_handle_bytes;
        int auth_timeout_s;
        int access_log_sample; /* log one request in N; 0 = none */
        int site_serial;
        char site_address[CONFIG_STR_MAX];
        char site_description[CONFIG_STR_MAX];
        char node_prefix[CONFIG_STR_MAX];
        char ghr_name[CONFIG_STR_MAX];
        int registry_threads;
        int http_max_body_kb;
        int audit_max_entries;
        int publish_registrant;
        int event_max_per_handle;
        int trace_max_depth;
        int trace_max_nodes;
        int trace_deadline_ms;
        int stats_flush_ms;
        int stats_retention_days;
        int stats_hourly_retention_days;
        int stats_max_prefixes;
        int stats_max_handles;
        int stats_max_clients;
        char log_level[CONFIG_STR_MAX];
        char log_file[CONFIG_STR_MAX];
        char secret_key_file[CONFIG_STR_MAX];
        char tls_bind[CONFIG_STR_MAX];
        int tls_port;
        char tls_cert[CONFIG_STR_MAX]; /* "" = no HTTPS listener */
        char tls_key[CONFIG_STR_MAX];
        char tls_ca[CONFIG_STR_MAX]; /* CA of client certificates */
        char tls_crl[CONFIG_STR_MAX];
        char tls_client_auth[CONFIG_STR_MAX]; /* none, optional, require */
        char node_key[CONFIG_STR_MAX];        /* the HS_SITE server key */
        /* Abuse limits (core/ratelim, docs/operations.md "Limits"). */
        int limit_table_slots;
        int limit_udp_rate;
        int limit_udp_burst;
        int limit_udp_busy_rate;
        int limit_tcp_rate;
        int limit_tcp_burst;
        int limit_http_rate;
        int limit_http_burst;
        int limit_registry_rate;
        int limit_registry_burst;
        int limit_trace_rate;
        int limit_trace_burst;
        int limit_ent_write_rate;
        int limit_ent_write_burst;
        int limit_tcp_conns_per_addr;
        int limit_http_conns_per_addr;
        int udp_amp_factor;
        int udp_amp_floor;
        int udp_proven_ttl_s;
        int quota_per_prefix;
        char dns_servers[CONFIG_STR_MAX]; /* "" = /etc/resolv.conf */
        int dns_timeout_ms;
        int dns_tries;
        char peer_names[CONFIG_STR_MAX]; /* "host:port,..." */
        char oid_zone[CONFIG_STR_MAX];   /* "" = no OID resolution */
        char gs1_zone[CONFIG_STR_MAX];   /* "" = no GS1 resolution */
        /* Federation (docs/federation.md). */
        char role[CONFIG_STR_MAX];     /* "secondary" or "top-level" */
        char upstream[CONFIG_STR_MAX]; /* "ip:port,..." top-level servers */
        int recursion;
        int upstream_timeout_ms;
        int upstream_retries;
        int upstream_max_hops;
        int upstream_max_inflight; /* per worker */
        int upstream_ttl_max_s;
        int upstream_negative_ttl_s;
        int upstream_stale_s;
        int homing_from_loopback;
};

/* Most servers `upstream` may name. */
#define CONFIG_MAX_UPSTREAM 8
/*
 * Parses `upstream` ("127.0.0.1:2641,[::1]:2641"): the number of servers
 * (0..CONFIG_MAX_UPSTREAM) with each written as a numeric host and port,
 * or -1 if malformed.
 */
struct sockaddr_storage;
int config_upstream(const char *text, struct sockaddr_storage *out,
                    unsigned *lens, int max);
/* 1 if cfg->role is "top-level". */
int config_top_level(const struct config *c);

/* A config holding every default (refs = 1). NULL on ENOMEM. */
struct config *config_defaults(void);

/*
 * Loads `path` over the defaults.  On error returns NULL and writes
 * "file:line:column: reason" to err.
 */
struct config *config_load(const char *path, char *err, size_t errlen);

/* Parses JSON text; `name` labels error positions. */
struct config *config_parse(const char *name, const char *text, size_t len,
                            char *err, size_t errlen);

/*
 * Loads `path` for a reload of `cur`: keys that cannot change at run
 * time keep their current values, and each one that differs is named in
 * `note` (empty if none).  NULL with err set if the file is invalid.
 */
struct config *config_reload(const struct config *cur, const char *path,
                             char *err, size_t errlen, char *note,
                             size_t notelen);

void config_ref(struct config *c);
void config_unref(struct config *c);

/* Writes the effective configuration as JSON (for --check-config -v). */
char *config_dump(const struct config *c);

#endif
