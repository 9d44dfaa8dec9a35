/*
 * Handle protocol messages (protocol.md §1-§5): envelope, header, the
 * bodies the resolution plane speaks, and response building.
 *
 * Decoders are pure functions over caller-owned bytes; the structs they
 * fill hold spans into those bytes.  Encoders append to a struct wbuf.
 */
#ifndef CORE_WIRE_H
#define CORE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "core/cur.h"
#include "core/hval.h"

#define WIRE_ENV_LEN     20u
#define WIRE_HDR_LEN     24u
#define WIRE_UDP_CHUNK   492u /* message bytes per UDP datagram */
#define WIRE_MAX_MESSAGE 262144u
#define WIRE_MAX_FILTER  64u /* indexes or types in one request */
#define WIRE_MAX_HANDLE  2048u
#define WIRE_MAJOR       2u
#define WIRE_MINOR_MAX   11u

/* Envelope flag bits (byte 2). */
enum { WIRE_ENV_CP = 0x80, WIRE_ENV_EC = 0x40, WIRE_ENV_TC = 0x20 };

/* Header OpFlags. */
enum {
        OPF_AT = 0x80000000u,
        OPF_CT = 0x40000000u,
        OPF_ENC = 0x20000000u,
        OPF_REC = 0x10000000u,
        OPF_CA = 0x08000000u,
        OPF_CN = 0x04000000u,
        OPF_KC = 0x02000000u,
        OPF_PO = 0x01000000u,
        OPF_RD = 0x00800000u,
        OPF_OW = 0x00400000u,   /* create/add may overwrite */
        OPF_MINT = 0x00200000u, /* create mints the suffix */
        OPF_DNRF = 0x00100000u, /* do not answer with a referral */
};

/* X-macro tables: one list drives the enum and the name lookup. */
#define WIRE_OPCODES(X)                                                        \
        X(OC_RESOLUTION, 1)                                                    \
        X(OC_GET_SITEINFO, 2)                                                  \
        X(OC_CREATE_HANDLE, 100)                                               \
        X(OC_DELETE_HANDLE, 101)                                               \
        X(OC_ADD_VALUE, 102)                                                   \
        X(OC_REMOVE_VALUE, 103)                                                \
        X(OC_MODIFY_VALUE, 104)                                                \
        X(OC_LIST_HANDLES, 105)                                                \
        X(OC_CHALLENGE_RESPONSE, 200)                                          \
        X(OC_VERIFY_RESPONSE, 201)                                             \
        X(OC_HOME_NA, 300)                                                     \
        X(OC_UNHOME_NA, 301)                                                   \
        X(OC_LIST_HOMED_NAS, 302)                                              \
        X(OC_SESSION_SETUP, 400)                                               \
        X(OC_SESSION_TERMINATE, 401)                                           \
        X(OC_SESSION_EXCHANGEKEY, 402)                                         \
        X(OC_LOGIN_ID_SYSTEM, 2001)

#define WIRE_RCODES(X)                                                         \
        X(RC_SUCCESS, 1)                                                       \
        X(RC_ERROR, 2)                                                         \
        X(RC_SERVER_BUSY, 3)                                                   \
        X(RC_PROTOCOL_ERROR, 4)                                                \
        X(RC_OPERATION_NOT_SUPPORTED, 5)                                       \
        X(RC_RECURSION_COUNT_TOO_HIGH, 6)                                      \
        X(RC_SERVER_BACKUP, 7)                                                 \
        X(RC_HANDLE_NOT_FOUND, 100)                                            \
        X(RC_HANDLE_ALREADY_EXISTS, 101)                                       \
        X(RC_INVALID_HANDLE, 102)                                              \
        X(RC_VALUES_NOT_FOUND, 200)                                            \
        X(RC_VALUE_ALREADY_EXISTS, 201)                                        \
        X(RC_INVALID_VALUE, 202)                                               \
        X(RC_OUT_OF_DATE_SITE_INFO, 300)                                       \
        X(RC_SERVER_NOT_RESP, 301)                                             \
        X(RC_SERVICE_REFERRAL, 302)                                            \
        X(RC_PREFIX_REFERRAL, 303)                                             \
        X(RC_INVALID_ADMIN, 400)                                               \
        X(RC_INSUFFICIENT_PERMISSIONS, 401)                                    \
        X(RC_AUTHENTICATION_NEEDED, 402)                                       \
        X(RC_AUTHENTICATION_FAILED, 403)                                       \
        X(RC_INVALID_CREDENTIAL, 404)                                          \
        X(RC_AUTHEN_TIMEOUT, 405)                                              \
        X(RC_AUTHEN_ERROR, 406)                                                \
        X(RC_RELOGIN, 407)                                                     \
        X(RC_LOGIN_FIRST, 408)                                                 \
        X(RC_SESSION_TIMEOUT, 500)                                             \
        X(RC_SESSION_FAILED, 501)                                              \
        X(RC_INVALID_SESSION_KEY, 502)                                         \
        X(RC_SESSION_MESSAGE_REJECTED, 505)                                    \
        X(RC_REGISTER_COUNT_LIMIT, 604) /* IDIS: a quota refused a create */

#define WIRE_ENUM(name, val) name = val,
enum wire_opcode { WIRE_OPCODES(WIRE_ENUM) };
enum wire_rcode { WIRE_RCODES(WIRE_ENUM) };
#undef WIRE_ENUM

/* Name of a response code ("HANDLE_NOT_FOUND"), or NULL if unknown. */
const char *wire_rc_name(uint32_t rc);
/* HTTP status for a response code (protocol.md §4, REST column). */
int wire_rc_http_status(uint32_t rc);

struct wire_env {
        uint8_t major, minor;
        uint8_t flags; /* CP/EC/TC bits only */
        uint8_t sugg_major, sugg_minor;
        uint32_t session_id;
        uint32_t request_id;
        uint32_t seq;
        uint32_t msg_len;
};

/* Decodes the 20-byte envelope at p (the caller checked the length). */
void wire_env_decode(const uint8_t *p, struct wire_env *e);
void wire_env_encode(uint8_t *p, const struct wire_env *e);
/* Version to answer a request in: min(client's suggested, ours). */
void wire_reply_version(const struct wire_env *req, uint8_t *major,
                        uint8_t *minor);

struct wire_hdr {
        uint32_t opcode;
        uint32_t rcode;
        uint32_t opflags;
        uint16_t site_serial;
        uint8_t recursion;
        uint32_t expiration;
        uint32_t body_len;
};

/* One message after the envelope. */
struct wire_msg {
        struct wire_hdr h;
        struct span hdr_body; /* header + body as sent (digest input) */
        struct span body;
};

/*
 * Decodes header and body; a credential (or any trailing bytes) after
 * the body is tolerated.  0 on success, -1 if the header or body length
 * does not fit.
 */
int wire_msg_decode(const uint8_t *p, size_t len, struct wire_msg *m);

struct wire_resolve {
        struct span handle;
        uint32_t nidx;
        uint32_t idx[WIRE_MAX_FILTER];
        uint32_t ntypes;
        struct span types[WIRE_MAX_FILTER];
};

/*
 * Resolution request body: str handle, list<u32>, list<str>; trailing
 * bytes (IDIS authBytes) are ignored.  -1 if malformed or over limits.
 */
int wire_resolve_decode(const struct span *body, struct wire_resolve *r);
void wire_resolve_filter(const struct wire_resolve *r, struct hfilter *f);

/* Generic request body: str handle (GET_SITEINFO "/"). */
int wire_handle_decode(const struct span *body, struct span *handle);

/* What every response shares; filled from the request by wire_reply_init. */
struct wire_reply {
        uint8_t major, minor;
        uint32_t session_id;
        uint32_t request_id;
        uint32_t opcode;
        uint32_t rcode;
        uint32_t opflags;
        uint16_t site_serial;
        uint8_t recursion;
        uint32_t expiration;
        struct span digest_of; /* request header+body when RD is set */
};

void wire_reply_init(struct wire_reply *r, const struct wire_env *env,
                     const struct wire_msg *req, uint32_t rcode,
                     uint16_t site_serial, uint32_t expiration);
/*
 * Writes envelope, header and (if RD) the request digest.  Returns the
 * offset of the message start, to pass to wire_reply_end.
 */
size_t wire_reply_begin(struct wbuf *w, const struct wire_reply *r);
/*
 * The digest of the request a reply answers (r->digest_of), as its RD
 * prefix carries it: SHA-256 from version 2.7, else SHA-1.  Its length,
 * with the algorithm code in *alg, or 0 on failure.
 */
size_t wire_digest(const struct wire_reply *r, uint8_t out[64], uint8_t *alg);
/* Appends the empty credential and back-patches the lengths. */
void wire_reply_end(struct wbuf *w, size_t start);

/*
 * Signs one part after another into sig[cap], its length in *len
 * (SHA-256 with the signer's key).  0, or -1.
 */
typedef int (*wire_sign_fn)(void *arg, const struct span *parts, int n,
                            uint8_t *sig, size_t cap, size_t *len);
/*
 * Replaces the empty credential of the complete response at `start`
 * (after wire_reply_end) with an HS_SIGNED one (protocol.md §3): digest
 * "SHA-256" over the version, session and request prefix (2.7 and
 * later) and the header and body.  0, or -1 with the response left
 * unsigned.
 */
int wire_reply_sign(struct wbuf *w, size_t start, wire_sign_fn fn, void *arg);

/* A complete error response: body `str message`. */
void wire_error(struct wbuf *w, const struct wire_reply *r, const char *msg);

/* Client side: a resolution request (used by idctl, idbench, tests). */
struct wire_query {
        uint8_t major, minor;
        uint32_t request_id;
        uint32_t opflags;
        uint32_t expiration;
        const char *handle;
        uint32_t nidx;
        const uint32_t *idx;
        uint32_t ntypes;
        const char *const *types;
};

void wire_query_encode(struct wbuf *w, const struct wire_query *q);

#endif
