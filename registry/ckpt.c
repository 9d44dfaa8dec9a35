#include "registry/ckpt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#define CKPT_MAGIC "idctl-import-checkpoint 1"

enum ckpt_kind { CKPT_U64, CKPT_I64, CKPT_LONG, CKPT_STR };

static const struct {
        const char *key;
        enum ckpt_kind kind;
        size_t off, size;
} ckpt_keys[] = {
#define U(f)                                                                   \
        {                                                                      \
#f, CKPT_U64, offsetof(struct ckpt, f), 0                      \
        }
#define S(f)                                                                   \
        {                                                                      \
#f, CKPT_STR, offsetof(struct ckpt, f),                        \
                    sizeof(((struct ckpt *)0)->f)                              \
        }
    U(size),
    {"mtime_s", CKPT_I64, offsetof(struct ckpt, mtime_s), 0},
    {"mtime_ns", CKPT_LONG, offsetof(struct ckpt, mtime_ns), 0},
    S(head),
    S(format),
    S(tpl),
    S(prefix),
    U(offset),
    U(line),
    U(records),
    U(written),
    U(rejected),
    U(errbytes),
#undef U
#undef S
};

#define CKPT_NKEYS (sizeof(ckpt_keys) / sizeof(ckpt_keys[0]))

int
ckpt_fingerprint(int fd, struct ckpt *c)
{
        unsigned char *buf = malloc(CKPT_HEAD_BYTES);
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdlen = 0, i;
        struct stat sb;
        ssize_t n = 0, r;
        int rc = -1;

        if (!buf || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))
                goto fail;
        while (n < CKPT_HEAD_BYTES &&
               (r = pread(fd, buf + n, (size_t)(CKPT_HEAD_BYTES - n), n)) > 0)
                n += r;
        if (r < 0 ||
            !EVP_Digest(buf, (size_t)n, md, &mdlen, EVP_sha256(), NULL))
                goto fail;
        for (i = 0; i < mdlen && 2 * i + 2 < sizeof(c->head); i++)
                snprintf(c->head + 2 * i, 3, "%02x", md[i]);
        c->size = (uint64_t)sb.st_size;
        c->mtime_s = (int64_t)sb.st_mtim.tv_sec;
        c->mtime_ns = sb.st_mtim.tv_nsec;
        rc = 0;
fail:
        free(buf);
        return rc;
}

int
ckpt_same(const struct ckpt *a, const struct ckpt *b)
{
        return a->size == b->size && a->mtime_s == b->mtime_s &&
               a->mtime_ns == b->mtime_ns && strcmp(a->head, b->head) == 0 &&
               strcmp(a->format, b->format) == 0 &&
               strcmp(a->tpl, b->tpl) == 0 && strcmp(a->prefix, b->prefix) == 0;
}

/* One "key value" line into c; -1 if the key or value is wrong. */
static int
ckpt_field(struct ckpt *c, const char *line, unsigned *seen)
{
        const char *sp = strchr(line, ' ');
        size_t k, klen = sp ? (size_t)(sp - line) : 0;
        char *end = NULL, *dst;
        const char *v;

        if (!sp)
                return -1;
        v = sp + 1;
        for (k = 0; k < CKPT_NKEYS; k++)
                if (strlen(ckpt_keys[k].key) == klen &&
                    memcmp(ckpt_keys[k].key, line, klen) == 0)
                        break;
        if (k == CKPT_NKEYS || (*seen & (1u << k)))
                return -1;
        *seen |= 1u << k;
        dst = (char *)c + ckpt_keys[k].off;
        errno = 0;
        switch (ckpt_keys[k].kind) {
        case CKPT_U64:
                if (*v < '0' || *v > '9')
                        return -1;
                *(uint64_t *)(void *)dst = strtoull(v, &end, 10);
                break;
        case CKPT_I64:
                *(int64_t *)(void *)dst = strtoll(v, &end, 10);
                break;
        case CKPT_LONG:
                *(long *)(void *)dst = strtol(v, &end, 10);
                break;
        case CKPT_STR:
                if (strlen(v) >= ckpt_keys[k].size)
                        return -1;
                memcpy(dst, v, strlen(v) + 1);
                return 0;
        }
        return errno || end == v || *end ? -1 : 0;
}

int
ckpt_load(const char *path, struct ckpt *c, char *err, size_t errlen)
{
        FILE *fp = fopen(path, "r");
        char line[1024];
        unsigned seen = 0;
        int n = 0;

        memset(c, 0, sizeof(*c));
        if (!fp) {
                if (errno == ENOENT)
                        return 0;
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                return -1;
        }
        while (fgets(line, sizeof(line), fp)) {
                size_t len = strcspn(line, "\n");

                if (line[len] != '\n')
                        break; /* too long, or cut off */
                line[len] = '\0';
                if (n++ == 0 ? strcmp(line, CKPT_MAGIC) != 0
                             : ckpt_field(c, line, &seen) < 0)
                        break;
        }
        if (ferror(fp) || !feof(fp) || seen != (1u << CKPT_NKEYS) - 1) {
                fclose(fp);
                snprintf(err, errlen, "%s is not an idctl checkpoint", path);
                return -1;
        }
        fclose(fp);
        return 1;
}

int
ckpt_save(const char *path, const struct ckpt *c)
{
        char tmp[4096];
        FILE *fp;
        size_t k;
        int ok;

        if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
                errno = ENAMETOOLONG;
                return -1;
        }
        fp = fopen(tmp, "w");
        if (!fp)
                return -1;
        fprintf(fp, "%s\n", CKPT_MAGIC);
        for (k = 0; k < CKPT_NKEYS; k++) {
                const char *src = (const char *)c + ckpt_keys[k].off;

                fprintf(fp, "%s ", ckpt_keys[k].key);
                switch (ckpt_keys[k].kind) {
                case CKPT_U64:
                        fprintf(fp, "%" PRIu64 "\n",
                                *(const uint64_t *)(const void *)src);
                        break;
                case CKPT_I64:
                        fprintf(fp, "%" PRId64 "\n",
                                *(const int64_t *)(const void *)src);
                        break;
                case CKPT_LONG:
                        fprintf(fp, "%ld\n", *(const long *)(const void *)src);
                        break;
                case CKPT_STR:
                        fprintf(fp, "%s\n", src);
                        break;
                }
        }
        ok = fflush(fp) == 0 && !ferror(fp);
        if (fclose(fp) != 0 || !ok || rename(tmp, path) < 0) {
                int e = errno;

                unlink(tmp);
                errno = e;
                return -1;
        }
        return 0;
}
