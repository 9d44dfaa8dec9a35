/*
 * idctl health [--json] [--timeout MS]: the verdict of the node's admin
 * listener, /healthz (the process) and /readyz (its workers and their
 * Redis connections).  Exit 0 ready, 1 not ready, 2 no answer.
 */
#include "ops/ctl.h"

#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/httpc.h"

#define CTL_HEALTH_TIMEOUT_MS 3000

enum { HEALTH_READY = 0, HEALTH_NOT_READY = 1, HEALTH_NO_ANSWER = 2 };

/* One endpoint's JSON answer, or NULL (said why). */
static json_t *
ctl_health_get(const struct config *cfg, const char *path, int timeout_ms,
               int *status)
{
        char err[512];
        struct httpc_resp *r =
            ctl_admin_get(cfg, path, timeout_ms, err, sizeof(err));
        json_t *j = NULL;

        if (!r) {
                fprintf(stderr, "idctl: %s: %s\n", path, err);
                return NULL;
        }
        *status = httpc_status(r);
        if (!(j = ctl_json_body(r)) || !json_is_object(j)) {
                fprintf(stderr, "idctl: %s: HTTP %d, not a JSON object\n", path,
                        *status);
                json_decref(j);
                j = NULL;
        }
        httpc_free(r);
        return j;
}

static json_int_t
ctl_health_int(const json_t *j, const char *a, const char *b)
{
        const json_t *v = json_object_get(j, a);

        return json_integer_value(b ? json_object_get(v, b) : v);
}

static void
ctl_health_print(const json_t *h, const json_t *r, int verdict)
{
        const char *version = json_string_value(json_object_get(h, "version"));
        json_int_t workers = ctl_health_int(r, "redis", "workers");
        json_int_t connected = ctl_health_int(r, "redis", "connected_workers");
        json_int_t answered = ctl_health_int(r, "answered_workers", NULL);
        char up[48];

        ctl_duration(ctl_health_int(h, "uptime_s", NULL), up, sizeof(up));
        printf("idnode %s  pid %lld  up %s\n", version ? version : "?",
               (long long)ctl_health_int(h, "pid", NULL), up);
        if (!r) {
                printf("not ready: /readyz did not answer\n");
                return;
        }
        printf("workers %lld  answered %lld/%lld  Redis connected %lld/%lld\n",
               (long long)workers, (long long)answered, (long long)workers,
               (long long)connected, (long long)workers);
        if (verdict == HEALTH_READY)
                printf("ready\n");
        else if (answered < workers)
                printf("not ready: %lld of %lld workers did not answer\n",
                       (long long)(workers - answered), (long long)workers);
        else
                printf("not ready: %lld of %lld workers have no Redis "
                       "connection\n",
                       (long long)(workers - connected), (long long)workers);
}

int
ctl_health(const struct config *cfg, int argc, char **argv)
{
        json_t *h, *r, *both;
        int i, as_json = 0, status = 0, verdict;
        long timeout = CTL_HEALTH_TIMEOUT_MS;

        for (i = 0; i < argc; i++) {
                if (strcmp(argv[i], "--json") == 0) {
                        as_json = 1;
                } else if (strcmp(argv[i], "--timeout") == 0) {
                        if (ctl_int_arg("--timeout",
                                        i + 1 < argc ? argv[++i] : NULL, 1,
                                        600000, &timeout) < 0)
                                return 2;
                } else {
                        fprintf(stderr, "idctl: unexpected argument %s\n",
                                argv[i]);
                        return 2;
                }
        }
        if (!(h = ctl_health_get(cfg, "/healthz", (int)timeout, &status)) ||
            status != 200) {
                if (h)
                        fprintf(stderr, "idctl: /healthz: HTTP %d\n", status);
                json_decref(h);
                return HEALTH_NO_ANSWER;
        }
        /* A node that is alive but cannot say it is ready is not ready. */
        r = ctl_health_get(cfg, "/readyz", (int)timeout, &status);
        verdict =
            r && status == 200 && json_is_true(json_object_get(r, "ready"))
                ? HEALTH_READY
                : HEALTH_NOT_READY;
        if (as_json) {
                both = json_pack("{s:O,s:O?}", "healthz", h, "readyz", r);
                ctl_print_json(both);
                json_decref(both);
        } else {
                ctl_health_print(h, r, verdict);
        }
        json_decref(h);
        json_decref(r);
        return verdict;
}
