/*
 * Lifecycle event bodies (registry/evparse): no crash or leak on any
 * input; an accepted body's stream fields read back, render, and the
 * rendered event posted again gives the very same fields.  The input is
 * also tried as an RFC 3339 time and an event id, whose printed forms
 * must parse back to the same value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/evparse.h"

#define NOW 1772359200000LL /* 2026-03-01T10:00:00Z */
#define ENT "91350100M000100Y43"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The texts: time and id round trips. */
static void
fuzz_texts(const uint8_t *data, size_t size)
{
        char *s = malloc(size + 1), out[EVPARSE_TIME_MAX], id[EVPARSE_ID_MAX];
        long long ms, again;
        uint64_t a, b, a2, b2;

        if (!s)
                return;
        memcpy(s, data, size);
        s[size] = '\0';
        if (evparse_time(s, &ms) == 0 && ms <= 253402300799999LL) {
                evparse_time_str(ms, out);
                if (evparse_time(out, &again) != 0 || again != ms)
                        abort();
        }
        if (evparse_id(s, &a, &b) == 0) {
                evparse_id_str(a, b, id);
                if (evparse_id(id, &a2, &b2) != 0 || a != a2 || b != b2)
                        abort();
        }
        free(s);
}

/* The members a client sends, taken from a rendered event. */
static json_t *
fuzz_body(const json_t *ev)
{
        static const char *const keep[] = {"stage",  "time",  "location",
                                           "holder", "attrs", "corrects",
                                           "closes", "public"};
        json_t *b = json_object();
        size_t i;

        for (i = 0; b && i < sizeof(keep) / sizeof(keep[0]); i++)
                json_object_set(b, keep[i], json_object_get(ev, keep[i]));
        return b;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *argv[EVPARSE_FIELDS_MAX], *argv2[EVPARSE_FIELDS_MAX];
        size_t argvlen[EVPARSE_FIELDS_MAX], argvlen2[EVPARSE_FIELDS_MAX];
        struct evparse *e, *e2 = NULL;
        struct evparse_entry ent;
        json_t *j, *ev = NULL, *body = NULL;
        size_t n, n2, i;
        char err[512];

        fuzz_texts(data, size);
        j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
        if (!j)
                return 0;
        e = evparse_new(j, NOW, err, sizeof(err));
        json_decref(j);
        if (!e)
                return 0;
        n = evparse_fields(e, ENT, "acct", argv, argvlen);
        if (n > EVPARSE_FIELDS_MAX || evparse_entry(argv, argvlen, n, &ent) ||
            !(ev = evparse_render("1772359203120-0", &ent)) ||
            !(body = fuzz_body(ev)) ||
            !(e2 = evparse_new(body, NOW, err, sizeof(err))))
                abort();
        n2 = evparse_fields(e2, ENT, "acct", argv2, argvlen2);
        if (n2 != n)
                abort();
        for (i = 0; i < n; i++)
                if (argvlen[i] != argvlen2[i] ||
                    memcmp(argv[i], argv2[i], argvlen[i]) != 0)
                        abort();
        evparse_free(e2);
        json_decref(body);
        json_decref(ev);
        evparse_free(e);
        return 0;
}
