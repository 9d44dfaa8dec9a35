#include "resolver/rperm.h"

#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>

#include "core/hname.h"
#include "core/hval.h"
#include "core/rpool.h"
#include "registry/grant.h"
#include "registry/keys.h"
#include "registry/pfx.h"
#include "resolver/rworker.h"

/* ------------------------------------------------------- identify */

/* A token being looked up; freed after its callback. */
struct rident {
        struct rworker *rw;
        rperm_who_fn cb;
        void *arg;
        struct auth_token t;
};

static void
rperm_ident_end(struct rident *id, enum rperm_status st, const char *why)
{
        id->cb(id->arg, st, st == RPERM_OK ? &id->t : NULL, why);
        OPENSSL_cleanse(id, sizeof(*id));
        free(id);
}

static const char *
rperm_str(const redisReply *r)
{
        return r && r->type == REDIS_REPLY_STRING ? r->str : NULL;
}

static void
rperm_account(void *arg, redisReply *r, enum rpool_status st)
{
        struct rident *id = arg;
        const char *why = NULL;

        if (st != RPOOL_OK || r->type != REDIS_REPLY_ARRAY ||
            r->elements != 2) {
                rperm_ident_end(id, RPERM_BUSY, "store unavailable");
                return;
        }
        if (auth_token_current(&id->t, rperm_str(r->element[0]),
                               rperm_str(r->element[1]), &why) < 0)
                rperm_ident_end(id, RPERM_DENIED, why);
        else
                rperm_ident_end(id, RPERM_OK, NULL);
}

static void
rperm_token(void *arg, redisReply *r, enum rpool_status st)
{
        struct rident *id = arg;
        char key[80];
        const char *argv[4] = {"HMGET", key, "role", "gen"};
        size_t argvlen[4] = {5, 0, 4, 3};

        if (st != RPOOL_OK) {
                rperm_ident_end(id, RPERM_BUSY, "store unavailable");
                return;
        }
        if (r->type != REDIS_REPLY_STRING ||
            auth_token_parse(r->str, r->len, &id->t) < 0) {
                rperm_ident_end(id, RPERM_DENIED, "unknown or expired token");
                return;
        }
        argvlen[1] = keys_user(key, sizeof(key), id->t.name);
        if (rpool_command(id->rw->redis, rperm_account, id, 4, argv, argvlen) <
            0)
                rperm_ident_end(id, RPERM_BUSY, "store unavailable");
}

int
rperm_identify(struct rworker *rw, const char token[SECRET_HEX64],
               rperm_who_fn cb, void *arg)
{
        struct rident *id = calloc(1, sizeof(*id));
        char sha[SECRET_HEX64], key[80];
        const char *argv[2] = {"GET", key};
        size_t argvlen[2] = {3, 0};

        if (!id)
                return -1;
        id->rw = rw;
        id->cb = cb;
        id->arg = arg;
        secret_token_key(token, 64, sha);
        argvlen[1] = keys_token(key, sizeof(key), sha);
        if (rpool_command(rw->redis, rperm_token, id, 2, argv, argvlen) < 0) {
                free(id);
                return -1;
        }
        return 0;
}

/* ---------------------------------------------------------- rights */

/* The three reads of a decision, answered in any order. */
enum { RQ_OWNER, RQ_ID_GRANT, RQ_PFX_GRANT, RQ_N };

/* A decision being made; freed after its callback. */
struct rcheck {
        rperm_fn cb;
        void *arg;
        int pending;
        int failed;
        int granted;
        char ent[19];
        char owner[19];
};

/* One reply; the reply tells which read it is through its slot. */
struct rslot {
        struct rcheck *ck;
        int which;
};

static void
rperm_reply(void *arg, redisReply *r, enum rpool_status st)
{
        struct rslot *s = arg;
        struct rcheck *ck = s->ck;

        if (st != RPOOL_OK || !r ||
            (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_NIL))
                ck->failed = 1;
        else if (r->type == REDIS_REPLY_STRING && s->which == RQ_OWNER)
                snprintf(ck->owner, sizeof(ck->owner), "%s", r->str);
        else if (r->type == REDIS_REPLY_STRING)
                ck->granted |= grant_parse_scopes(r->str, r->len);
        free(s);
        if (--ck->pending > 0)
                return;
        ck->cb(ck->arg,
               ck->failed ? -1 : grant_decide(ck->ent, ck->owner, ck->granted));
        free(ck);
}

int
rperm_check(struct rworker *rw, const char *ent, const char *name, size_t len,
            rperm_fn cb, void *arg)
{
        struct rcheck *ck = calloc(1, sizeof(*ck));
        char keys[RQ_N][KEYS_MAX], pfx[PFX_MAX + 1];
        size_t plen = hname_prefix_len(name, len);
        const char *argv[RQ_N][3];
        size_t argvlen[RQ_N][3];
        struct rslot *s;
        int i;

        if (!ck)
                return -1;
        ck->cb = cb;
        ck->arg = arg;
        snprintf(ck->ent, sizeof(ck->ent), "%s", ent);
        /* A name whose prefix cannot be registered has no owner. */
        if (plen > PFX_MAX || pfx_normalise(name, plen, pfx) < 0)
                pfx[0] = '\0';
        argvlen[RQ_OWNER][1] = keys_prefix(keys[RQ_OWNER], KEYS_MAX, pfx);
        argv[RQ_OWNER][2] = PFX_FIELD_OWNER;
        argvlen[RQ_ID_GRANT][1] =
            keys_grants(keys[RQ_ID_GRANT], KEYS_MAX, name, len);
        argvlen[RQ_PFX_GRANT][1] =
            keys_grants(keys[RQ_PFX_GRANT], KEYS_MAX, name, plen);
        argv[RQ_ID_GRANT][2] = argv[RQ_PFX_GRANT][2] = ck->ent;
        for (i = 0; i < RQ_N; i++) {
                argv[i][0] = "HGET";
                argvlen[i][0] = 4;
                argv[i][1] = keys[i];
                argvlen[i][2] = strlen(argv[i][2]);
        }
        /*
         * Each accepted command holds a reference; one refused fails
         * the decision once the accepted ones are answered.
         */
        ck->pending = 1;
        for (i = 0; i < RQ_N && !ck->failed; i++) {
                if (!(s = malloc(sizeof(*s)))) {
                        ck->failed = 1;
                        break;
                }
                s->ck = ck;
                s->which = i;
                ck->pending++;
                if (rpool_command(rw->redis, rperm_reply, s, 3, argv[i],
                                  argvlen[i]) < 0) {
                        ck->pending--;
                        ck->failed = 1;
                        free(s);
                }
        }
        if (--ck->pending > 0)
                return 0;
        /* Nothing was accepted: the caller answers busy itself. */
        free(ck);
        return -1;
}

int
rperm_readable(int rights, const struct hval *v)
{
        return (v->perms & HVAL_PUBLIC_READ) || (rights & GRANT_READ);
}
