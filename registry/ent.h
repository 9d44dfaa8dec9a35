/*
 * Enterprises (企业) of the node, by USCC: the profile an enterprise
 * user submits for review, its change and cancellation requests, and the
 * queries (domain.md §1.2, §2.A).  The review decisions are
 * registry/review.
 *
 * ent:{USCC} (keys_enterprise) is a hash:
 *   entNameCn uscc entAddrCn entIndustry entWebSite entDesc contactName
 *   contactPhone contactEmail   the profile (absent when not given)
 *   entPrefix  the prefix the enterprise asked for, if any
 *   state      submitted | reviewing | approved | rejected | cancelled
 *   reason     why the application was rejected
 *   prefix     the prefix allocated on approval
 *   rq, rqs    a pending request after approval: its kind (change,
 *              cancel) and state (submitted, reviewing)
 *   chg        a pending change: JSON object of the fields it sets
 *   rqNote     the enterprise's note on a pending cancellation
 *   rqReason   why its last request was rejected
 *   c, u       created, updated (unix seconds)
 *   v          version: every write checks and bumps it (registry/cas)
 * and KEYS_ENTERPRISES indexes the USCCs by creation time.
 */
#ifndef REGISTRY_ENT_H
#define REGISTRY_ENT_H

#include <stddef.h>

#include <jansson.h>

struct api_call;
struct api_route;
struct cas;

#define ENT_SUBMITTED "submitted"
#define ENT_REVIEWING "reviewing"
#define ENT_APPROVED  "approved"
#define ENT_REJECTED  "rejected"
#define ENT_CANCELLED "cancelled"

#define ENT_REASON_MAX 256 /* characters of a reason or note */

/* The routes: apply, change, cancel, query, page. */
const struct api_route *ent_routes(size_t *n);

/* 1 if s is a GB/T 4754 门类 (section): one letter A-T. */
int ent_industry_ok(const char *s);

/*
 * Checks a unified social credit code (GB 32100) and copies it upper
 * case into out.  0, or -1 with the reason in err ("uscc: check
 * character (position 18) does not match (expected 3)").
 */
int ent_uscc(const char *s, char out[19], char *err, size_t errlen);

/*
 * Checks a profile body.  For an application (`change` 0): entNameCn
 * and uscc required (a USCC with a valid check character, returned upper
 * case), entPrefix, if given, a well-formed prefix under `node_prefix`
 * ("" = any), and every profile field in the result ("" when not
 * given).  For a change request: only the profile fields given, at least
 * one; "" clears an optional field.  A new object of strings, or NULL
 * with the reason in err.
 */
json_t *ent_profile(const json_t *body, int change, const char *node_prefix,
                    char *err, size_t errlen);

/*
 * Checks a prefix an enterprise may get: well-formed (copied normalised
 * into out, PFX_MAX + 1 bytes) and under `node_prefix` ("" = any).  0,
 * or -1 with the reason, naming `field`, in err.
 */
int ent_prefix_check(const char *field, const char *s, const char *node_prefix,
                     char *out, char *err, size_t errlen);

/*
 * Reads ent:{uscc}: a new object of its fields (strings), empty if there
 * is no such enterprise; NULL if the store failed (call answered).
 */
json_t *ent_load(struct api_call *c, const char *uscc);

/*
 * Makes write `t` of record `rec` (key index k) conditional on its
 * version being the one read, and bumps it and the update time.
 * Returns the condition's number (see cas_expect).
 */
int ent_guard(struct cas *t, int k, const json_t *rec, long long now);

#endif
