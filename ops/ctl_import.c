/*
 * idctl import [--format values|csv|jsonl] [--template VER] [--prefix P]
 *              [--as NAME] [--errors FILE] [--checkpoint PATH] [--resume]
 *              [--connections N] [--batch N] FILE|-
 * Runs registry/import with a progress line and writes one audit entry
 * per run.
 */
#include "ops/ctl.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "core/config.h"
#include "registry/audit.h"
#include "registry/import.h"
#include "registry/users.h"

#define IDCTL_IMPORT_BATCH 512
#define IDCTL_IMPORT_CONNS 32

/* idctl import: what is on screen while it runs. */
struct import_view {
        int tty;
        uint64_t shown_ms;
};

/* Estimated time left, by bytes read at this run's pace. */
static void
ctl_import_eta(const struct import_stats *st, char *buf, size_t len)
{
        double secs = (double)st->elapsed_ms / 1000.0;
        double done = (double)(st->offset - st->start_offset);
        double left;

        if (!st->size || secs < 0.5 || done <= 0) {
                snprintf(buf, len, "--:--");
                return;
        }
        left = (double)(st->size > st->offset ? st->size - st->offset : 0) /
               (done / secs);
        snprintf(buf, len, "%ld:%02ld", (long)left / 60, (long)left % 60);
}

static void
ctl_import_show(void *arg, const struct import_stats *st)
{
        struct import_view *v = arg;
        double secs = (double)st->elapsed_ms / 1000.0;
        double rate =
            secs > 0 ? (double)(st->written - st->written_before) / secs : 0;
        int pct =
            st->size ? (int)(100.0 * (double)st->offset / (double)st->size) : 0;
        char bar[31], eta[32];
        int i;

        if (!v->tty) {
                /* A log, not an animation: a line now and then. */
                if (st->elapsed_ms - v->shown_ms < 5000)
                        return;
                v->shown_ms = st->elapsed_ms;
                fprintf(stderr,
                        "idctl: import: %d%%, %" PRIu64 " written, %" PRIu64
                        " rejected, %.0f/s\n",
                        pct, st->written, st->rejected, rate);
                return;
        }
        for (i = 0; i < 30; i++)
                bar[i] = i < pct * 30 / 100 ? '#' : '.';
        bar[30] = '\0';
        ctl_import_eta(st, eta, sizeof(eta));
        fprintf(stderr,
                "\r[%s] %3d%%  %" PRIu64 " written  %" PRIu64
                " rejected  %.0f/s  ETA %s\033[K",
                bar, pct, st->written, st->rejected, rate, eta);
}

static void
ctl_import_summary(const struct import_view *v, const struct import_stats *st)
{
        double secs = (double)st->elapsed_ms / 1000.0;
        uint64_t mine = st->written - st->written_before;

        if (v->tty)
                fprintf(stderr, "\r\033[K");
        fprintf(stderr,
                "import: %" PRIu64 " records read, %" PRIu64
                " written, %" PRIu64 " rejected, in %.2f s (%.0f/s)",
                st->records, st->written, st->rejected, secs,
                secs > 0 ? (double)mine / secs : 0);
        if (st->written_before > 0)
                fprintf(stderr,
                        "; %" PRIu64 " of them written before "
                        "resuming",
                        st->written_before);
        fprintf(stderr, "\n");
}

enum import_arg { IMPORT_STR, IMPORT_INT, IMPORT_FLAG };

/* The options of idctl import, each a field of struct import_opts. */
static const struct {
        const char *name;
        enum import_arg kind;
        size_t off;
} import_args[] = {
    {"--format", IMPORT_STR, offsetof(struct import_opts, format)},
    {"--template", IMPORT_STR, offsetof(struct import_opts, tpl)},
    {"--prefix", IMPORT_STR, offsetof(struct import_opts, prefix)},
    {"--as", IMPORT_STR, offsetof(struct import_opts, by)},
    {"--errors", IMPORT_STR, offsetof(struct import_opts, errors)},
    {"--checkpoint", IMPORT_STR, offsetof(struct import_opts, checkpoint)},
    {"--resume", IMPORT_FLAG, offsetof(struct import_opts, resume)},
    {"--connections", IMPORT_INT, offsetof(struct import_opts, conns)},
    {"--batch", IMPORT_INT, offsetof(struct import_opts, batch)},
};

#define IMPORT_NARGS (sizeof(import_args) / sizeof(import_args[0]))

/* Fills o from argv; -1 after printing what is wrong. */
static int
ctl_import_parse(struct import_opts *o, int argc, char **argv)
{
        int i;

        for (i = 0; i < argc; i++) {
                char *dst, *end = NULL;
                long v;
                size_t k;

                for (k = 0; k < IMPORT_NARGS; k++)
                        if (strcmp(argv[i], import_args[k].name) == 0)
                                break;
                if (k == IMPORT_NARGS) {
                        if (argv[i][0] == '-' && argv[i][1] != '\0') {
                                fprintf(stderr, "idctl: unknown option %s\n",
                                        argv[i]);
                                return -1;
                        }
                        if (o->path) {
                                fprintf(stderr, "idctl: one FILE only\n");
                                return -1;
                        }
                        o->path = argv[i];
                        continue;
                }
                dst = (char *)o + import_args[k].off;
                if (import_args[k].kind == IMPORT_FLAG) {
                        *(int *)(void *)dst = 1;
                        continue;
                }
                if (++i == argc) {
                        fprintf(stderr, "idctl: %s needs a value\n",
                                argv[i - 1]);
                        return -1;
                }
                if (import_args[k].kind == IMPORT_STR) {
                        *(const char **)(void *)dst = argv[i];
                        continue;
                }
                errno = 0;
                v = strtol(argv[i], &end, 10);
                if (errno || *end || v < 1 || v > IMPORT_MAX_BATCH) {
                        fprintf(stderr,
                                "idctl: %s %s: not a number from 1 "
                                "to %d\n",
                                argv[i - 1], argv[i], IMPORT_MAX_BATCH);
                        return -1;
                }
                *(int *)(void *)dst = (int)v;
        }
        if (!o->path) {
                fprintf(stderr, "idctl: import needs a FILE (- for standard "
                                "input)\n");
                return -1;
        }
        if (!users_valid_name(o->by, strlen(o->by))) {
                fprintf(stderr,
                        "idctl: --as: 1-%d characters of "
                        "[A-Za-z0-9_.@-]\n",
                        USERS_NAME_MAX);
                return -1;
        }
        return 0;
}

/*
 * One audit entry per import run (not per identifier: an import is
 * millions of them), so the operator's view shows who loaded what.
 */
static void
ctl_import_audit(redisContext *rc, const struct config *cfg,
                 const struct import_opts *o, const struct import_stats *st,
                 const char *failure)
{
        struct audit_entry e;
        char res[1200];
        void *r = NULL;

        snprintf(res, sizeof(res), "%s%swritten=%llu rejected=%llu",
                 failure ? failure : "", failure ? " " : "",
                 (unsigned long long)st->written,
                 (unsigned long long)st->rejected);
        e.who = o->by;
        e.role = "operator";
        e.ent = "";
        e.action = "ident.import";
        e.target = o->path;
        e.result = res;
        e.addr = "idctl";
        if (audit_append(rc, cfg->audit_max_entries, &e) < 0 ||
            redisGetReply(rc, &r) != REDIS_OK)
                fprintf(stderr, "idctl: the audit entry was not written\n");
        if (r)
                freeReplyObject(r);
}

int
ctl_import(const struct config *cfg, int argc, char **argv)
{
        struct import_opts o;
        struct import_stats st;
        struct import_view view = {isatty(2), 0};
        char err[1024];
        int rc;

        memset(&o, 0, sizeof(o));
        o.cfg = cfg;
        o.by = "idctl";
        o.conns = IDCTL_IMPORT_CONNS;
        o.batch = IDCTL_IMPORT_BATCH;
        o.progress = ctl_import_show;
        o.arg = &view;
        if (ctl_import_parse(&o, argc, argv) < 0)
                return 2;
        o.rc = ctl_redis(cfg);
        if (!o.rc)
                return 1;
        rc = import_run(&o, &st, err, sizeof(err));
        if (st.records > 0 || rc == 0)
                ctl_import_audit(o.rc, cfg, &o, &st, rc < 0 ? err : NULL);
        redisFree(o.rc);
        if (rc < 0) {
                if (view.tty && st.records > 0)
                        fprintf(stderr, "\n");
                fprintf(stderr, "idctl: %s\n", err);
                if (st.records > 0)
                        ctl_import_summary(&view, &st);
                return 1;
        }
        ctl_import_summary(&view, &st);
        return st.rejected ? 1 : 0;
}
