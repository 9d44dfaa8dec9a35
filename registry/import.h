/*
 * Bulk import of identifiers from a file (idctl import): records are
 * read in file order, checked and encoded (registry/ingest), written by
 * the pipelined store writer, and acknowledged batch by batch.
 *
 * Rejected records never stop an import: each is reported with its
 * line ("line N: reason" in the errors file, or "FILE:N: reason" on
 * standard error) and the import goes on.  After every acknowledged
 * batch a checkpoint (registry/ckpt) records how far everything is
 * stored; an interrupted import continues from there with `resume`, and
 * a finished one removes it.
 */
#ifndef REGISTRY_IMPORT_H
#define REGISTRY_IMPORT_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct redisContext;

/* Counts cover the whole file, earlier runs of a resumed import too. */
struct import_stats {
        uint64_t records;        /* read (a CSV header and blank lines aside) */
        uint64_t written;        /* acknowledged by Redis */
        uint64_t rejected;       /* reported as errors */
        uint64_t written_before; /* by earlier runs */
        uint64_t offset;         /* bytes of the file read */
        uint64_t start_offset;   /* where this run started */
        uint64_t size;           /* of the file, 0 if not a regular file */
        uint64_t elapsed_ms;     /* of this run */
};

struct import_opts {
        const struct config *cfg; /* Redis address, handle limit */
        struct redisContext *rc;  /* blocking, borrowed: reads the
                                     prefix and the template */
        const char *path;         /* "-" for standard input */
        const char *format;       /* "values" (default), "csv", "jsonl" */
        const char *tpl;          /* template version (csv, jsonl) */
        const char *prefix;       /* NULL: the first record's */
        const char *by;           /* who imports (metadata) */
        const char *errors;       /* errors file, or NULL */
        const char *checkpoint;   /* NULL: path + ".idctl-resume" */
        int resume;               /* continue from the checkpoint */
        int conns;                /* Redis connections writing */
        int batch;                /* records per batch */
        /* Called about 4 times a second while the import runs. */
        void (*progress)(void *arg, const struct import_stats *st);
        void *arg;
};

#define IMPORT_MAX_BATCH 10000

/*
 * Runs an import, filling *st as it goes.  0 when the whole file was
 * read and every record written or rejected; -1 with the reason in err
 * if the import could not start or had to stop (the checkpoint, if any,
 * then says where to resume).
 */
int import_run(const struct import_opts *o, struct import_stats *st, char *err,
               size_t errlen);

#endif
