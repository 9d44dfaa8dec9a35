/*
 * Import checkpoints: how far an import of a file has got, so that an
 * interrupted one (killed, Redis gone) can continue where every earlier
 * record is known to be stored.
 *
 * A checkpoint is a small text file of "key value" lines, replaced
 * atomically (written beside it, then renamed), holding the input's
 * fingerprint (size, mtime, SHA-256 of its first 64 KiB), what the
 * import was asked to do, and its progress: the byte offset and line
 * number up to which every record is acknowledged by Redis or rejected,
 * the counts up to there, and the length of the errors file then.
 */
#ifndef REGISTRY_CKPT_H
#define REGISTRY_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "registry/pfx.h"
#include "registry/tpl.h"

#define CKPT_HEAD_BYTES 65536

struct ckpt {
        /* the input */
        uint64_t size;
        int64_t mtime_s;
        long mtime_ns;
        char head[65]; /* SHA-256 hex */
        /* the import */
        char format[16];
        char tpl[4 * TPL_MAX_VERSION + 1]; /* version, "" for none */
        char prefix[PFX_MAX + 1];
        /* progress, all up to `offset` */
        uint64_t offset, line, records, written, rejected, errbytes;
};

/* Fills the fingerprint fields from an open regular file.  0 or -1. */
int ckpt_fingerprint(int fd, struct ckpt *c);
/* 1 if both describe the same input and the same import. */
int ckpt_same(const struct ckpt *a, const struct ckpt *b);

/*
 * Reads `path`: 1 loaded, 0 there is none, -1 unreadable or malformed
 * (reason in err).
 */
int ckpt_load(const char *path, struct ckpt *c, char *err, size_t errlen);
/* Replaces `path` atomically.  0, or -1 with errno set. */
int ckpt_save(const char *path, const struct ckpt *c);

#endif
