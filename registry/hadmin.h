/*
 * Handle requests that need an identity (protocol.md §5.3-§5.5, §7.3):
 * checking a challenge answer against the identity's HS_PUBKEY or
 * HS_SECKEY, authorizing by HS_ADMIN values, and running the admin
 * operations through the registry's own write rules (registry/ident).
 *
 * The resolver (resolver/hauth) owns the challenge and the connection;
 * it fills a struct hadmin_job and runs hadmin_run on a registry thread
 * with api_run, where everything reads Redis with plain blocking
 * commands.  The job comes back with a response code and a body.
 *
 * An identity is a handle and index on this node: the handle must be
 * under a prefix registered and hosted here (for 0.NA/<prefix>, that
 * prefix), whose owner is the enterprise the identity acts for.
 * Identities of other nodes are refused (RC_AUTHEN_ERROR) until
 * federation can resolve them.
 */
#ifndef REGISTRY_HADMIN_H
#define REGISTRY_HADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "certs/hkey.h"
#include "core/cur.h"
#include "core/hname.h"

struct api_call;

/* Records one authorization may read while expanding HS_VLIST groups. */
#define HADMIN_MAX_GROUP_READS 16
#define HADMIN_MAX_GROUP_DEPTH 4
/* Handles one LIST_HANDLES answers at most. */
#define HADMIN_MAX_LIST 100000u

struct hadmin_job {
        /* In: the request to run (bytes owned by the caller). */
        uint32_t opcode;
        uint32_t opflags;
        struct span body;
        /* Check this answer first (else the identity logged in before). */
        int authenticate;
        struct span answer_type, answer;
        uint8_t signed_data[HKEY_NONCE_LEN + 64]; /* nonce || digest */
        size_t signed_len;
        /* The identity: normalised handle, and its key's index (0: any). */
        char id[HNAME_MAX + 1];
        size_t idlen;
        uint32_t id_index;
        /* Out. */
        uint32_t rc;
        char msg[256];
        struct wbuf out; /* the success body, after any digest */
};

/* Prepares a job (its out buffer capped at max_out bytes). */
void hadmin_job_init(struct hadmin_job *j, size_t max_out);
void hadmin_job_free(struct hadmin_job *j);

/*
 * The api_fn of a Handle request (api_run's arg is the job): 2001 login,
 * RESOLUTION as an identity, admin ops 100-105, and OC_VERIFY_RESPONSE
 * (which needs no identity).  Sets j->rc, j->msg and j->out; on success
 * j->id_index is the index of the key that verified.
 */
void hadmin_run(struct api_call *c);

#endif
