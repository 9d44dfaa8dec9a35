#include "registry/script.h"

#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include "registry/api.h"

void
script_init(struct script *s, const char *text)
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0, i;

        s->text = text;
        s->sha[0] = '\0';
        if (EVP_Digest(text, strlen(text), md, &n, EVP_sha1(), NULL) != 1)
                n = 0; /* an empty SHA: Redis says NOSCRIPT, EVAL follows */
        for (i = 0; i < n && 2 * i + 2 < sizeof(s->sha); i++)
                snprintf(s->sha + 2 * i, 3, "%02x", md[i]);
}

static void
script_head(const struct script *s, int whole, const char **argv,
            size_t *argvlen)
{
        argv[0] = whole ? "EVAL" : "EVALSHA";
        argvlen[0] = strlen(argv[0]);
        argv[1] = whole ? s->text : s->sha;
        argvlen[1] = strlen(argv[1]);
}

int
script_missing(const redisReply *r)
{
        return r->type == REDIS_REPLY_ERROR &&
               strncmp(r->str, "NOSCRIPT", 8) == 0;
}

redisReply *
script_run(struct api_call *c, const struct script *s, int argc,
           const char **argv, size_t *argvlen)
{
        redisReply *r;

        script_head(s, 0, argv, argvlen);
        r = api_cmdv(c, argc, argv, argvlen);
        if (!r || !script_missing(r))
                return r;
        freeReplyObject(r);
        script_head(s, 1, argv, argvlen);
        return api_cmdv(c, argc, argv, argvlen);
}

int
script_append(redisContext *rc, const struct script *s, int whole, int argc,
              const char **argv, size_t *argvlen)
{
        script_head(s, whole, argv, argvlen);
        return redisAppendCommandArgv(rc, argc, argv, argvlen) == REDIS_OK ? 0
                                                                           : -1;
}
