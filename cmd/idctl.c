/*
 * idctl: the command-line client of a node, for operators on its host.
 * Every command is a module in ops/ctl_*.c; this is their table and the
 * usage text.  -c CONFIG says where the node listens and where its
 * Redis is (the defaults without it).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "ops/ctl.h"

static void
usage(FILE *fp)
{
        fprintf(fp, "usage: idctl [-c CONFIG] COMMAND ...\n"
                    "  resolve [--server HOST:PORT] [--tcp] [--type T]... "
                    "[--index I]... [--json] [--timeout MS] HANDLE\n"
                    "  admin create|add|modify|remove|delete|list --key "
                    "KEYFILE --id INDEX:HANDLE\n"
                    "        [--server HOST:PORT] [--template VERSION] "
                    "[--overwrite] [--mint] [--timeout MS]\n"
                    "        HANDLE [INDEX:TYPE=TEXT... | INDEX...]  (signs "
                    "the challenge, SHA-256)\n"
                    "  import [--format values|csv|jsonl] [--template VERSION] "
                    "[--prefix P]\n"
                    "         [--as NAME] [--errors FILE] [--checkpoint PATH] "
                    "[--resume]\n"
                    "         [--connections N] [--batch N] FILE|-\n"
                    "  user add NAME --role operator|reviewer|enterprise|"
                    "platform [--enterprise USCC]  (password on stdin)\n"
                    "  user passwd NAME  (new password on stdin; logs it out "
                    "everywhere)\n"
                    "  audit [--count N] [--before ID] [--action A] "
                    "[--target T] [--who W] [--enterprise USCC] [--json]\n"
                    "  health [--json] [--timeout MS]  (exit 0 ready, 1 not "
                    "ready, 2 no answer)\n"
                    "  top [--interval SECONDS] [--once] [--json]  (q or "
                    "Ctrl-C quits)\n"
                    "  stats [--day D | --hour H] [--prefix P] "
                    "[--enterprise USCC] [--top N] [--json]\n"
                    "  enterprise list [--state S] [--page N] [--size N]\n"
                    "  enterprise show USCC\n"
                    "  enterprise approve USCC [--prefix P] [--kind "
                    "apply|change|cancel]\n"
                    "  enterprise reject USCC --reason TEXT [--kind "
                    "apply|change|cancel]\n"
                    "  prefix list [--page N] [--size N]\n"
                    "  prefix show PREFIX\n"
                    "  ca init|issue|revoke|crl [--dir D] ...  (the node's "
                    "CA; idctl ca for details)\n"
                    "    (enterprise, prefix: --user NAME with the password "
                    "on stdin, or IDNODE_TOKEN;\n"
                    "     --json for the API's data)\n");
}

static const struct {
        const char *name;
        ctl_command fn;
} commands[] = {
    {"resolve", ctl_resolve},
    {"admin", ctl_admin},
    {"import", ctl_import},
    {"user", ctl_user},
    {"audit", ctl_audit},
    {"health", ctl_health},
    {"top", ctl_top},
    {"enterprise", ctl_reg_enterprise},
    {"prefix", ctl_reg_prefix},
    {"stats", ctl_stats},
    {"ca", ctl_ca},
};

int
main(int argc, char **argv)
{
        struct config *cfg = NULL;
        char err[512];
        int i = 1, rc = 2;
        size_t k;

        /* A peer that goes away (Redis killed mid-import) is an error
         * to report, not a reason to die silently. */
        signal(SIGPIPE, SIG_IGN);

        if (i + 1 < argc && strcmp(argv[i], "-c") == 0) {
                cfg = config_load(argv[i + 1], err, sizeof(err));
                if (!cfg) {
                        fprintf(stderr, "idctl: %s\n", err);
                        return 1;
                }
                i += 2;
        } else {
                cfg = config_defaults();
        }
        if (i >= argc || strcmp(argv[i], "-h") == 0 ||
            strcmp(argv[i], "--help") == 0) {
                usage(i >= argc ? stderr : stdout);
                config_unref(cfg);
                return i >= argc ? 2 : 0;
        }
        for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
                if (strcmp(argv[i], commands[k].name) == 0)
                        break;
        if (k == sizeof(commands) / sizeof(commands[0])) {
                fprintf(stderr, "idctl: unknown command %s\n", argv[i]);
                usage(stderr);
        } else {
                rc = commands[k].fn(cfg, argc - i - 1, argv + i + 1);
        }
        config_unref(cfg);
        return rc;
}
