/* idctl audit: pages of the audit stream, read from Redis. */
#include "ops/ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "registry/audit.h"

/* audit [--count N] [--before ID] [--action A] [--target T] [--who W]
 *       [--enterprise USCC] [--json]: newest entries first. */
int
ctl_audit(const struct config *cfg, int argc, char **argv)
{
        struct audit_query q;
        const char **filter;
        char err[256];
        redisContext *rc;
        json_t *page, *e;
        size_t i;
        int as_json = 0;

        memset(&q, 0, sizeof(q));
        q.count = 20;
        for (i = 0; i < (size_t)argc; i++) {
                filter = strcmp(argv[i], "--before") == 0       ? &q.before
                         : strcmp(argv[i], "--action") == 0     ? &q.action
                         : strcmp(argv[i], "--target") == 0     ? &q.target
                         : strcmp(argv[i], "--who") == 0        ? &q.who
                         : strcmp(argv[i], "--enterprise") == 0 ? &q.ent
                                                                : NULL;
                if (strcmp(argv[i], "--json") == 0) {
                        as_json = 1;
                } else if (strcmp(argv[i], "--count") == 0 &&
                           i + 1 < (size_t)argc) {
                        q.count = atoi(argv[++i]);
                } else if (filter && i + 1 < (size_t)argc) {
                        *filter = argv[++i];
                } else {
                        fprintf(stderr, "idctl: unexpected argument %s\n",
                                argv[i]);
                        return 2;
                }
        }
        if (q.count < 1 || q.count > AUDIT_MAX_PAGE ||
            (q.before && !audit_valid_id(q.before))) {
                fprintf(stderr,
                        "idctl: --count is 1-%d and --before an entry id\n",
                        AUDIT_MAX_PAGE);
                return 2;
        }
        rc = ctl_redis(cfg);
        if (!rc)
                return 1;
        page = audit_page(rc, &q, err, sizeof(err));
        redisFree(rc);
        if (!page) {
                fprintf(stderr, "idctl: %s\n", err);
                return 1;
        }
        if (as_json) {
                json_dumpf(page, stdout, JSON_COMPACT);
                putchar('\n');
        } else {
                json_array_foreach(json_object_get(page, "entries"), i, e)
                {
                        const char *ent =
                            json_string_value(json_object_get(e, "enterprise"));

                        printf("%s %s who=%s role=%s ent=%s act=%s tgt=%s "
                               "res=\"%s\" addr=%s\n",
                               json_string_value(json_object_get(e, "id")),
                               json_string_value(json_object_get(e, "time")),
                               json_string_value(json_object_get(e, "who")),
                               json_string_value(json_object_get(e, "role")),
                               ent ? ent : "-",
                               json_string_value(json_object_get(e, "action")),
                               json_string_value(json_object_get(e, "target")),
                               json_string_value(json_object_get(e, "result")),
                               json_string_value(json_object_get(e, "addr")));
                }
                if (json_is_string(json_object_get(page, "next")))
                        printf(
                            "# more: idctl audit --before %s\n",
                            json_string_value(json_object_get(page, "next")));
        }
        json_decref(page);
        return 0;
}
