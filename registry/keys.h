/*
 * The Redis key schema (DESIGN.md §4).  Every key name idnode uses is
 * built here and nowhere else.  Keys of one identifier carry it as a
 * hash tag, `{88.123.45/SUFFIX}`, so they share a cluster slot.
 */
#ifndef REGISTRY_KEYS_H
#define REGISTRY_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "core/period.h"

/* Longest key built here: tag overhead plus the longest handle. */
#define KEYS_MAX 2100

/*
 * Field of a handle hash that holds record metadata (not a value):
 * space-separated key=value pairs, kept short because every identifier
 * carries one: "c=CREATED" (unix seconds) from imports; "c=CREATED
 * by=ACCOUNT" from a registry create, "c=CREATED u=UPDATED by=ACCOUNT"
 * after an update (ACCOUNT: the enterprise user or platform that wrote
 * it; the owner is the prefix's).  Fields starting with '_' are never
 * values.
 */
#define KEYS_META_FIELD "_m"
/*
 * Field of a handle hash with the identifier's lifecycle state, written
 * by every event appended (registry/event): "STAGE HOLDER", the stage of
 * the latest event recorded and the USCC of the latest holder an event
 * named ("-" while none has).  STAGE is a stage code (1-32 of
 * [a-z0-9_-]), so the two split at the one space.  An identifier update
 * keeps it.  Absent until the first event.
 */
#define KEYS_LIFECYCLE_FIELD "_lc"
/* Key prefix the resolvers' cache tracks for invalidation. */
#define KEYS_HANDLE_PREFIX "h:"

/*
 * Writes the key of the hash holding a handle's values; returns its
 * length, or 0 if it does not fit.
 */
size_t keys_handle(char *out, size_t outsz, const char *name, size_t len);

/*
 * For a key built by keys_handle, points *name at the handle inside it.
 * Returns the handle's length, or 0 if `key` is not a handle key.
 */
size_t keys_handle_name(const char *key, size_t len, const char **name);

/*
 * An account: hash with role, ent (USCC), pw (verifier), c (created);
 * a platform's also label and kind; pw1 (sha256hex of the password
 * sealed with the node key, certs/seal.h, for the v1 login) when idctl
 * had the key file; gen, the session generation (absent = 0), raised by
 * logout everywhere.  A token's value is "name role ent gen".
 */
size_t keys_user(char *out, size_t outsz, const char *name);

/* A login token, by the SHA-256 hex of the token (never the token). */
size_t keys_token(char *out, size_t outsz, const char *token_sha256_hex);

/*
 * Prefix-level records carry the prefix as their hash tag, so a prefix
 * and its templates share a slot (one Lua script may touch them all).
 *
 * pfx:{P}       hash   ent (owner USCC), state 0-5, proxy 1-4, c, u, id
 *                      (its number from KEYS_PREFIX_SEQ), and for a
 *                      prefix served by the enterprise's own node
 *                      ipType, ip, tcpPort, udpPort, httpPort (HS_SITE)
 * tpl:{P}:VER   string the template's JSON (tpl_dump)
 * tpls:{P}      set    the template versions of prefix P
 */
size_t keys_prefix(char *out, size_t outsz, const char *prefix);
/*
 * c:{NAME}   string  an answer from another node (resolver/upstream):
 *                    u64 fresh-until (Unix ms), u32 response code, u32 n,
 *                    n encoded values; expires with the staleness window
 * homed      set     prefixes homed here by OC_HOME_NA (resolver/homing)
 */
size_t keys_ucache(char *out, size_t outsz, const char *name, size_t len);
#define KEYS_HOMED "homed"
/* Key prefix of the prefix records, tracked by the resolvers' cache. */
#define KEYS_PREFIX_PREFIX "pfx:"
/*
 * quota:{P}: a hash of the prefix's identifier count `n` (kept by the
 * identifier write script) and its operator-set maximum `max` (absent:
 * quota_per_prefix).  Not under pfx: so resolvers' tracking of prefix
 * records is not woken by every registration.
 */
size_t keys_quota(char *out, size_t outsz, const char *prefix);
#define KEYS_QUOTA_COUNT "n"
#define KEYS_QUOTA_MAX   "max"
/*
 * For a key built by keys_prefix, points *prefix at the prefix inside
 * it.  Returns the prefix's length, or 0 if `key` is not a prefix key.
 */
size_t keys_prefix_name(const char *key, size_t len, const char **prefix);
size_t keys_template(char *out, size_t outsz, const char *prefix,
                     const char *version);
size_t keys_templates(char *out, size_t outsz, const char *prefix);

/* ent:{USCC}: hash, an enterprise's profile and review state (ent.h). */
size_t keys_enterprise(char *out, size_t outsz, const char *uscc);

/*
 * Indexes for paging, members ordered by creation time (score):
 * KEYS_ENTERPRISES lists USCCs, KEYS_PREFIXES prefixes.
 * KEYS_PREFIX_SEQ counts allocated enterprise prefixes.
 */
#define KEYS_ENTERPRISES "idx:ent"
#define KEYS_PREFIXES    "idx:pfx"
#define KEYS_PREFIX_SEQ  "seq:pfx"

/* plats:{USCC}: set, the key ids of an enterprise's platforms. */
size_t keys_platforms(char *out, size_t outsz, const char *uscc);

/*
 * Keys of one identifier H besides its hash, tagged like it:
 * ev:{H}  stream  its lifecycle events (registry/event)
 * ln:{H}  set     reverse trace links: "TYPE SOURCE" for each identifier
 *                 SOURCE holding a link of TYPE to H (registry/link)
 * gr:{X}  hash    grants on X, an identifier or a prefix: grantee USCC
 *                 -> scopes, space separated (registry/grant)
 */
size_t keys_events(char *out, size_t outsz, const char *name, size_t len);
/*
 * The fields of an ev:{H} entry (its id, "MS-SEQ", is Redis's and says
 * when it was recorded); registry/evparse writes and reads them:
 * s  stage code              t  when it happened, unix milliseconds
 * e  the recording USCC      b  the recording account
 * l  location                h  holder USCC
 * a  attrs, compact JSON     c  the id of the event it corrects
 * x  ids of the events it closes, space separated
 * p  "0" when not public
 * Absent fields are absent values (p absent: public).
 */
#define KEYS_EV_STAGE    "s"
#define KEYS_EV_TIME     "t"
#define KEYS_EV_ENT      "e"
#define KEYS_EV_BY       "b"
#define KEYS_EV_LOCATION "l"
#define KEYS_EV_HOLDER   "h"
#define KEYS_EV_ATTRS    "a"
#define KEYS_EV_CORRECTS "c"
#define KEYS_EV_CLOSES   "x"
#define KEYS_EV_PUBLIC   "p"
size_t keys_links(char *out, size_t outsz, const char *name, size_t len);
size_t keys_grants(char *out, size_t outsz, const char *name, size_t len);

/*
 * idmap:{SCHEME:ID}  hash  a heterogeneous identifier mapped to one of
 *                          our handles (registry/idmap): handle, ent
 *                          (owner USCC), c (set at, unix seconds).
 * SCHEME is "oid" or "gs1", ID the normalised identifier (core/hetid).
 */
size_t keys_idmap(char *out, size_t outsz, const char *scheme, const char *id);
/*
 * idmap:gcp  hash  GS1 company prefixes (6-12 digits) mapped to one of our
 *                  prefixes: field = the digits, value "PREFIX USCC"; a
 *                  GTIN under it maps to PREFIX/GTIN14.
 */
#define KEYS_IDMAP_GCP "idmap:gcp"

/* The audit stream: who changed what, when, from where. */
#define KEYS_AUDIT "audit"

/*
 * Usage statistics (ops/stats writes them, registry/statapi reads them)
 * by UTC period: DAY is YYYYMMDD, HH the hour 00-23, P a prefix, or
 * "other" (tally.h TALLY_OTHER), or KEYS_STATS_ALL for every client of
 * the node.  Every key of a day carries the day as its hash tag, so a
 * flush's scripts touch one slot.
 *
 * st:{DAY}:ch:HH    hash  the hour's counts, fields KEYS_STATS_* + P
 *                         (kept stats_hourly_retention_days)
 * st:{DAY}:cd       hash  the day's counts (kept stats_retention_days)
 * st:{DAY}:uh:HH:P  HLL   client addresses that resolved under P that
 *                         hour (4 or 16 raw bytes each)
 * st:{DAY}:ud:P     HLL   the same for the day
 * st:{DAY}:top:P    zset  identifier -> its successful resolutions that
 *                         day, trimmed to the KEYS_STATS_TOP_KEEP best
 *
 * `t` is any second of the period.
 */
#define KEYS_STATS_RESOLUTIONS  "r:"
#define KEYS_STATS_NOT_FOUND    "nf:"
#define KEYS_STATS_ERRORS       "e:"
#define KEYS_STATS_REGISTRATION "g:"
#define KEYS_STATS_ALL          "*"
#define KEYS_STATS_TOP_KEEP     1000
size_t keys_stats_counts(char *out, size_t outsz, int64_t t,
                         enum period_unit u);
size_t keys_stats_clients(char *out, size_t outsz, int64_t t,
                          enum period_unit u, const char *prefix);
size_t keys_stats_top(char *out, size_t outsz, int64_t t, const char *prefix);

#endif
