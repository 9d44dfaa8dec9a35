/*
 * Replays fuzz corpora through a libFuzzer entry point without libFuzzer,
 * so `make test` exercises every saved input under gcc (and ASan+UBSan
 * in the address build).
 *
 * usage: replay_fuzz_X DIR...
 *
 * Every regular file directly inside each DIR (not recursive, in sorted
 * order) is read and passed to LLVMFuzzerTestOneInput.  One TAP line per
 * directory; a directory without inputs is a failure, because an empty
 * corpus tests nothing.  A crash or sanitizer report ends the process,
 * which leaves the TAP plan unmet.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct names {
        char **v;
        size_t n;
        size_t cap;
};

static int
names_add(struct names *ns, const char *s)
{
        char **v;

        if (ns->n == ns->cap) {
                ns->cap = ns->cap ? ns->cap * 2 : 64;
                v = realloc(ns->v, ns->cap * sizeof(*v));
                if (!v)
                        return -1;
                ns->v = v;
        }
        ns->v[ns->n] = strdup(s);
        if (!ns->v[ns->n])
                return -1;
        ns->n++;
        return 0;
}

static void
names_free(struct names *ns)
{
        size_t i;

        for (i = 0; i < ns->n; i++)
                free(ns->v[i]);
        free(ns->v);
        memset(ns, 0, sizeof(*ns));
}

static int
name_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads a whole file; the buffer is never NULL on success (even empty). */
static uint8_t *
read_file(const char *path, size_t *len)
{
        FILE *fp = fopen(path, "rb");
        uint8_t *buf = NULL, *nb;
        size_t cap = 0, n = 0, got;

        if (!fp)
                return NULL;
        for (;;) {
                if (n == cap) {
                        cap = cap ? cap * 2 : 4096;
                        nb = realloc(buf, cap);
                        if (!nb) {
                                free(buf);
                                fclose(fp);
                                return NULL;
                        }
                        buf = nb;
                }
                got = fread(buf + n, 1, cap - n, fp);
                n += got;
                if (got == 0)
                        break;
        }
        if (ferror(fp)) {
                free(buf);
                fclose(fp);
                return NULL;
        }
        fclose(fp);
        *len = n;
        return buf;
}

/* Replays one directory; returns the number of inputs or -1 on error. */
static long
replay_dir(const char *dir, const char **why)
{
        struct names ns = {0};
        struct dirent *de;
        struct stat st;
        char path[4096];
        DIR *d = opendir(dir);
        size_t i;
        long count = 0;

        if (!d) {
                *why = strerror(errno);
                return -1;
        }
        while ((de = readdir(d)) != NULL) {
                if (de->d_name[0] == '.' &&
                    (de->d_name[1] == '\0' ||
                     (de->d_name[1] == '.' && de->d_name[2] == '\0')))
                        continue;
                if (names_add(&ns, de->d_name) < 0) {
                        closedir(d);
                        names_free(&ns);
                        *why = "out of memory";
                        return -1;
                }
        }
        closedir(d);
        if (ns.n > 1)
                qsort(ns.v, ns.n, sizeof(*ns.v), name_cmp);
        for (i = 0; i < ns.n; i++) {
                uint8_t *buf;
                size_t len = 0;

                if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
                                     ns.v[i]) >= sizeof(path)) {
                        *why = "path too long";
                        count = -1;
                        break;
                }
                if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
                        continue;
                buf = read_file(path, &len);
                if (!buf) {
                        *why = "cannot read an input";
                        count = -1;
                        break;
                }
                /* Names the input a crash report belongs to. */
                fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
                (void)LLVMFuzzerTestOneInput(buf, len);
                free(buf);
                count++;
        }
        names_free(&ns);
        return count;
}

int
main(int argc, char **argv)
{
        int i, failed = 0;

        if (argc < 2) {
                printf("1..1\nnot ok 1 - no corpus directory given\n");
                return 1;
        }
        printf("1..%d\n", argc - 1);
        fflush(stdout);
        for (i = 1; i < argc; i++) {
                const char *why = NULL;
                long n = replay_dir(argv[i], &why);

                if (n < 0) {
                        printf("not ok %d - %s: %s\n", i, argv[i], why);
                        failed = 1;
                } else if (n == 0) {
                        printf("not ok %d - replayed 0 inputs from %s: no "
                               "inputs\n",
                               i, argv[i]);
                        failed = 1;
                } else {
                        printf("ok %d - replayed %ld inputs from %s\n", i, n,
                               argv[i]);
                }
                fflush(stdout);
        }
        return failed;
}
