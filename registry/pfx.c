#include "registry/pfx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "registry/keys.h"

int
pfx_normalise(const char *in, size_t len, char out[PFX_MAX + 1])
{
        size_t i, part = 0;

        if (len == 0 || len > PFX_MAX)
                return -1;
        for (i = 0; i < len; i++) {
                char ch = in[i];

                if (ch == '.') {
                        if (part == 0)
                                return -1;
                        part = 0;
                } else if ((ch >= '0' && ch <= '9') ||
                           (ch >= 'A' && ch <= 'Z')) {
                        part++;
                } else if (ch >= 'a' && ch <= 'z') {
                        ch = (char)(ch - 'a' + 'A');
                        part++;
                } else {
                        return -1;
                }
                out[i] = ch;
        }
        out[len] = '\0';
        return part > 0 ? 0 : -1;
}

int
pfx_get(redisContext *rc, const char *prefix, struct pfx_info *out)
{
        char key[PFX_MAX + 16];
        redisReply *r;
        int found = 0;

        memset(out, 0, sizeof(*out));
        snprintf(out->prefix, sizeof(out->prefix), "%s", prefix);
        keys_prefix(key, sizeof(key), prefix);
        r = redisCommand(rc, "HMGET %s ent state proxy", key);
        if (!r)
                return -1;
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 3) {
                freeReplyObject(r);
                return -1;
        }
        if (r->element[0]->type == REDIS_REPLY_STRING) {
                snprintf(out->ent, sizeof(out->ent), "%s", r->element[0]->str);
                if (r->element[1]->type == REDIS_REPLY_STRING)
                        out->state = atoi(r->element[1]->str);
                if (r->element[2]->type == REDIS_REPLY_STRING)
                        out->proxy = atoi(r->element[2]->str);
                found = 1;
        }
        freeReplyObject(r);
        return found;
}
