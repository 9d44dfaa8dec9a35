#include "registry/import.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/csv.h"
#include "core/hname.h"
#include "registry/ckpt.h"
#include "registry/ingest.h"
#include "registry/keys.h"
#include "registry/pfx.h"
#include "registry/store.h"
#include "registry/tpl.h"

#define IMPORT_CHUNK      (1u << 20)
#define IMPORT_MAX_RECORD (16u << 20) /* bytes of one line or record */
#define IMPORT_MAX_FIELDS (TPL_MAX_ITEMS + 1)
#define IMPORT_TICK_MS    250
/* One mark per batch in flight: at most the writer's 2 * conns + 2. */
#define IMPORT_MARKS 256
_Static_assert(IMPORT_MARKS >= 2 * STORE_WRITER_MAX_CONNS + 2,
               "a mark for every batch in flight");

static const struct {
        const char *name;
        enum ingest_format format;
        int csv; /* records framed as CSV, else as lines */
} import_formats[] = {
    {"values", INGEST_VALUES, 0},
    {"csv", INGEST_CSV, 1},
    {"jsonl", INGEST_JSONL, 0},
};

/* What a batch covers, saved as the checkpoint once it is acknowledged. */
struct import_mark {
        uint64_t offset, line, records, written, rejected, errbytes;
};

struct import {
        const struct import_opts *o;
        struct import_stats *st;
        enum ingest_format format;
        int csv_framed;
        int fd;
        /* input: buf[pos, len) is unparsed, buf[0] is at file offset base */
        char *buf;
        size_t cap, len, pos;
        uint64_t base;
        int eof;
        uint64_t line; /* of the record at pos */
        struct csv *csv;
        struct tpl *tpl;
        struct ingest *ing;
        char prefix[PFX_MAX + 1];
        struct store_writer *w;
        FILE *errs;
        char ckpath[4096];
        int ckpt_on;
        struct ckpt ck;
        struct import_mark marks[IMPORT_MARKS];
        uint64_t tag;
        uint32_t since_send;
        uint64_t accepted; /* records queued, earlier runs included */
        uint64_t start_ms, tick_ms;
        int tty; /* standard error is a terminal */
        char *err;
        size_t errlen;
};

static int import_fail(struct import *im, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
import_fail(struct import *im, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(im->err, im->errlen, fmt, ap);
        va_end(ap);
        return -1;
}

/* Reads more input: 0, or -1 on a read error.  Sets eof at the end. */
static int
import_fill(struct import *im)
{
        ssize_t n;

        if (im->pos > 0) {
                memmove(im->buf, im->buf + im->pos, im->len - im->pos);
                im->base += im->pos;
                im->len -= im->pos;
                im->pos = 0;
        }
        /* Grow rather than read a record in dribbles. */
        if (im->cap - im->len < IMPORT_CHUNK / 4 &&
            im->cap < IMPORT_MAX_RECORD + IMPORT_CHUNK) {
                size_t cap = im->cap ? im->cap * 2 : IMPORT_CHUNK;
                char *p;

                p = realloc(im->buf, cap);
                if (!p)
                        return import_fail(im, "out of memory");
                im->buf = p;
                im->cap = cap;
        }
        if (im->len == im->cap)
                return 0; /* full: the framing reports the long record */
        do
                n = read(im->fd, im->buf + im->len, im->cap - im->len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return import_fail(im, "%s: %s", im->o->path, strerror(errno));
        if (n == 0)
                im->eof = 1;
        im->len += (size_t)n;
        return 0;
}

/* Consumes `n` bytes at pos, counting their lines. */
static void
import_consume(struct import *im, size_t n)
{
        const char *p = im->buf + im->pos, *end = p + n;

        while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
                im->line++;
                p++;
        }
        im->pos += n;
}

/* Skips to just past the next line feed (or the end of the input). */
static int
import_skip_line(struct import *im)
{
        for (;;) {
                const char *nl =
                    memchr(im->buf + im->pos, '\n', im->len - im->pos);

                if (nl) {
                        import_consume(im,
                                       (size_t)(nl + 1 - (im->buf + im->pos)));
                        return 0;
                }
                im->pos = im->len;
                if (im->eof)
                        return 0;
                if (import_fill(im) < 0)
                        return -1;
        }
}

enum import_frame { FRAME_RECORD, FRAME_BLANK, FRAME_MORE, FRAME_BAD };

/*
 * The record at pos: *used bytes; for lines, *linelen without the line
 * end.  FRAME_BAD with the reason in *why.
 */
static enum import_frame
import_frame(struct import *im, size_t *used, size_t *linelen, const char **why)
{
        const char *p = im->buf + im->pos;
        size_t avail = im->len - im->pos, len;
        const char *nl;

        if (im->csv_framed) {
                size_t flen;

                switch (csv_parse(im->csv, p, avail, im->eof, used)) {
                case CSV_MORE:
                        return FRAME_MORE;
                case CSV_BAD:
                        *why = csv_error(im->csv);
                        return FRAME_BAD;
                case CSV_RECORD:
                        break;
                }
                csv_field(im->csv, 0, &flen);
                return csv_count(im->csv) == 1 && flen == 0 ? FRAME_BLANK
                                                            : FRAME_RECORD;
        }
        nl = memchr(p, '\n', avail);
        if (!nl && !im->eof) {
                if (avail < IMPORT_MAX_RECORD)
                        return FRAME_MORE;
                *why = "line too long";
                return FRAME_BAD;
        }
        len = nl ? (size_t)(nl - p) : avail;
        *used = nl ? len + 1 : len;
        if (len > 0 && p[len - 1] == '\r')
                len--;
        *linelen = len;
        return len == 0 ? FRAME_BLANK : FRAME_RECORD;
}

/* Reason text on one line: control characters become '?'. */
static void
import_reject(struct import *im, uint64_t line, const char *why)
{
        char clean[512];
        size_t i;

        snprintf(clean, sizeof(clean), "%s", why);
        for (i = 0; clean[i]; i++)
                if ((unsigned char)clean[i] < 0x20 || clean[i] == 0x7F)
                        clean[i] = '?';
        im->st->rejected++;
        if (im->errs)
                fprintf(im->errs, "line %" PRIu64 ": %s\n", line, clean);
        else /* on a terminal, over the progress bar */
                fprintf(stderr, "%s%s:%" PRIu64 ": %s\n",
                        im->tty ? "\r\033[K" : "", im->o->path, line, clean);
}

/* The acknowledged batch's mark becomes the checkpoint. */
static void
import_acked(void *arg, uint64_t tag)
{
        struct import *im = arg;
        const struct import_mark *m = &im->marks[tag % IMPORT_MARKS];

        if (!im->ckpt_on)
                return;
        im->ck.offset = m->offset;
        im->ck.line = m->line;
        im->ck.records = m->records;
        im->ck.written = m->written;
        im->ck.rejected = m->rejected;
        im->ck.errbytes = m->errbytes;
        if (ckpt_save(im->ckpath, &im->ck) < 0) {
                fprintf(stderr,
                        "idctl: cannot write %s: %s; this import cannot be "
                        "resumed\n",
                        im->ckpath, strerror(errno));
                im->ckpt_on = 0;
        }
}

static int
import_send(struct import *im)
{
        struct import_mark *m = &im->marks[im->tag % IMPORT_MARKS];
        long eb = 0;

        /* The errors it mentions must be in the file before it is saved. */
        if (im->errs && (fflush(im->errs) != 0 || (eb = ftell(im->errs)) < 0))
                return import_fail(im, "%s: %s", im->o->errors,
                                   strerror(errno));
        m->offset = im->base + im->pos;
        m->line = im->line;
        m->records = im->st->records;
        m->written = im->accepted;
        m->rejected = im->st->rejected;
        m->errbytes = (uint64_t)eb;
        im->since_send = 0;
        if (store_writer_send(im->w, im->tag++) < 0)
                return import_fail(im, "%s", store_writer_error(im->w));
        return 0;
}

static void
import_stats_now(struct import *im)
{
        im->st->written =
            im->st->written_before + (im->w ? store_writer_done(im->w) : 0);
        im->st->offset = im->base + im->pos;
        im->st->elapsed_ms = clock_ms() - im->start_ms;
}

static int
import_tick(struct import *im)
{
        uint64_t now = clock_ms();

        if (store_writer_poll(im->w) < 0)
                return import_fail(im, "%s", store_writer_error(im->w));
        if (now - im->tick_ms < IMPORT_TICK_MS)
                return 0;
        im->tick_ms = now;
        import_stats_now(im);
        if (im->o->progress)
                im->o->progress(im->o->arg, im->st);
        return 0;
}

/* One data record: ingested and queued, or rejected. */
static int
import_record(struct import *im, size_t linelen, uint64_t line)
{
        struct ingest_rec rec;
        char why[512];
        int r;

        im->st->records++;
        r = im->csv_framed ? ingest_csv(im->ing, im->csv, clock_unix(), &rec,
                                        why, sizeof(why))
                           : ingest_line(im->ing, im->buf + im->pos, linelen,
                                         clock_unix(), &rec, why, sizeof(why));
        if (r < 0) {
                import_reject(im, line, why);
                return 0;
        }
        if (store_writer_put(im->w, rec.name, rec.len, rec.vals, rec.n,
                             rec.meta) < 0)
                return import_fail(im, "%s", store_writer_error(im->w));
        im->accepted++;
        return 0;
}

/* Reads records to the end of the input. */
static int
import_loop(struct import *im)
{
        for (;;) {
                uint64_t line = im->line;
                size_t used = 0, linelen = 0;
                const char *why = NULL;

                if (im->pos == im->len && im->eof)
                        break;
                switch (import_frame(im, &used, &linelen, &why)) {
                case FRAME_MORE:
                        if (import_fill(im) < 0)
                                return -1;
                        continue;
                case FRAME_BAD:
                        im->st->records++;
                        import_reject(im, line, why);
                        if (import_skip_line(im) < 0)
                                return -1;
                        break;
                case FRAME_BLANK:
                        import_consume(im, used);
                        continue;
                case FRAME_RECORD:
                        if (import_record(im, linelen, line) < 0)
                                return -1;
                        import_consume(im, used);
                        break;
                }
                if (++im->since_send >= (uint32_t)im->o->batch &&
                    import_send(im) < 0)
                        return -1;
                if ((im->st->records & 63) == 0 && import_tick(im) < 0)
                        return -1;
        }
        if (import_send(im) < 0)
                return -1;
        if (store_writer_flush(im->w) < 0)
                return import_fail(im, "%s", store_writer_error(im->w));
        return 0;
}

/* The handle of the first data record of a file, for its prefix. */
static int
import_peek_prefix(struct import *im)
{
        char name[HNAME_MAX + 1], *buf = malloc(IMPORT_CHUNK);
        const char *h = NULL, *why = NULL;
        size_t q = 0, used, hlen = 0, namelen;
        json_t *root = NULL;
        ssize_t n = buf ? pread(im->fd, buf, IMPORT_CHUNK, 0) : -1;
        int eof = n >= 0 && n < (ssize_t)IMPORT_CHUNK, rows = 0, rc = -1;

        if (n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
                q = 3;
        while (n > 0 && (size_t)n > q && !h) {
                if (im->csv_framed) {
                        if (csv_parse(im->csv, buf + q, (size_t)n - q, eof,
                                      &used) != CSV_RECORD)
                                break;
                        h = csv_field(im->csv, 0, &hlen);
                        if (rows++ == 0 || (csv_count(im->csv) == 1 && !hlen))
                                h = NULL; /* the header, a blank line */
                } else {
                        char *nl = memchr(buf + q, '\n', (size_t)n - q);
                        size_t len =
                            nl ? (size_t)(nl - (buf + q)) : (size_t)n - q;

                        used = nl ? len + 1 : len;
                        if (!nl && !eof)
                                break;
                        if (len > 0 && buf[q + len - 1] == '\r')
                                len--;
                        if (len > 0) { /* not a blank line */
                                root = json_loadb(buf + q, len, 0, NULL);
                                h = json_string_value(
                                    json_object_get(root, "handle"));
                                hlen = h ? strlen(h) : 0;
                                if (!h)
                                        break;
                        }
                }
                q += used;
        }
        if (h &&
            hname_check((const uint8_t *)h, hlen, HNAME_MAX, name, sizeof(name),
                        &namelen, &why) == HNAME_OK &&
            pfx_normalise(name, hname_prefix_len(name, namelen), im->prefix) ==
                0)
                rc = 0;
        else
                import_fail(im, "cannot tell the prefix from the first "
                                "record: give --prefix");
        json_decref(root);
        free(buf);
        return rc;
}

/* The prefix must be registered, enabled and hosted; then its template. */
static int
import_template(struct import *im)
{
        const struct import_opts *o = im->o;
        struct pfx_info pi;
        char key[KEYS_MAX], why[256];
        redisReply *r;

        switch (pfx_get(o->rc, im->prefix, &pi)) {
        case -1:
                return import_fail(im, "redis: %s",
                                   o->rc->err ? o->rc->errstr
                                              : "cannot read the prefix");
        case 0:
                return import_fail(im, "prefix %s is not registered",
                                   im->prefix);
        }
        if (pi.state != PFX_ENABLED)
                return import_fail(im, "prefix %s is not enabled (state %d)",
                                   im->prefix, pi.state);
        if (pi.proxy != PFX_HOSTED)
                return import_fail(im,
                                   "prefix %s is not hosted by this node "
                                   "(proxyState %d)",
                                   im->prefix, pi.proxy);
        if (strlen(o->tpl) > 4 * TPL_MAX_VERSION ||
            keys_template(key, sizeof(key), im->prefix, o->tpl) == 0)
                return import_fail(im, "template version too long");
        r = redisCommand(o->rc, "GET %s", key);
        if (!r || r->type == REDIS_REPLY_ERROR) {
                import_fail(im, "redis: %s", r ? r->str : o->rc->errstr);
                goto fail;
        }
        if (r->type != REDIS_REPLY_STRING) {
                import_fail(im, "template %s of prefix %s not found", o->tpl,
                            im->prefix);
                goto fail;
        }
        im->tpl = tpl_parse(r->str, r->len, why, sizeof(why));
        if (!im->tpl || strcmp(tpl_version(im->tpl), o->tpl) != 0) {
                import_fail(im, "template %s of prefix %s is invalid: %s",
                            o->tpl, im->prefix,
                            im->tpl ? "another version inside" : why);
                goto fail;
        }
        freeReplyObject(r);
        return 0;
fail:
        if (r)
                freeReplyObject(r);
        return -1;
}

/* The CSV header (line 1), mapped onto the template. */
static int
import_header(struct import *im)
{
        char why[256];
        size_t used = 0;

        for (;;) {
                if (im->pos == im->len && im->eof)
                        return import_fail(im, "%s: no header line",
                                           im->o->path);
                switch (csv_parse(im->csv, im->buf + im->pos, im->len - im->pos,
                                  im->eof, &used)) {
                case CSV_MORE:
                        if (import_fill(im) < 0)
                                return -1;
                        continue;
                case CSV_BAD:
                        return import_fail(im, "%s: line 1 (header): %s",
                                           im->o->path, csv_error(im->csv));
                case CSV_RECORD:
                        break;
                }
                break;
        }
        if (ingest_header(im->ing, im->csv, why, sizeof(why)) < 0)
                return import_fail(im, "%s: line 1 (header): %s", im->o->path,
                                   why);
        import_consume(im, used);
        return 0;
}

/* The checkpoint: none, or one that matches when resuming. */
static int
import_checkpoint(struct import *im, struct ckpt *saved)
{
        const struct import_opts *o = im->o;
        int have;

        if (snprintf(im->ckpath, sizeof(im->ckpath), "%s%s",
                     o->checkpoint ? o->checkpoint : o->path,
                     o->checkpoint ? "" : ".idctl-resume") >=
            (int)sizeof(im->ckpath))
                return import_fail(im, "checkpoint path too long");
        if (ckpt_fingerprint(im->fd, &im->ck) < 0)
                return import_fail(im, "%s: %s", o->path, strerror(errno));
        have = ckpt_load(im->ckpath, saved, im->err, im->errlen);
        if (have < 0)
                return -1;
        if (have && !o->resume)
                return import_fail(im,
                                   "%s holds an unfinished import of %s: add "
                                   "--resume to continue it, or remove it "
                                   "to start over",
                                   im->ckpath, o->path);
        if (!have && o->resume)
                fprintf(stderr,
                        "idctl: no checkpoint %s: importing %s from "
                        "the start\n",
                        im->ckpath, o->path);
        im->ckpt_on = 1;
        return have;
}

/* Continues after the last acknowledged batch of an earlier run. */
static int
import_resume(struct import *im, const struct ckpt *saved)
{
        if (!ckpt_same(saved, &im->ck))
                return import_fail(im,
                                   "%s does not match: %s changed, or the "
                                   "format, template or prefix differ; "
                                   "remove it to start over",
                                   im->ckpath, im->o->path);
        if (saved->offset > im->base + im->pos) {
                if (lseek(im->fd, (off_t)saved->offset, SEEK_SET) < 0)
                        return import_fail(im, "%s: %s", im->o->path,
                                           strerror(errno));
                im->base = saved->offset;
                im->len = im->pos = 0;
                im->eof = 0;
                im->line = saved->line;
        }
        im->st->records = saved->records;
        im->st->rejected = saved->rejected;
        im->st->written_before = saved->written;
        im->accepted = saved->written;
        im->ck = *saved;
        return 0;
}

/* The errors file: new, or cut back to what the checkpoint knew of. */
static int
import_errors(struct import *im, const struct ckpt *saved)
{
        const char *path = im->o->errors;
        struct stat sb;
        int fd;

        if (!path)
                return 0;
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (saved ? 0 : O_TRUNC),
                  0644);
        /* Lines written after the checkpoint will be written again. */
        if (fd >= 0 && saved && fstat(fd, &sb) == 0 &&
            (uint64_t)sb.st_size > saved->errbytes &&
            ftruncate(fd, (off_t)saved->errbytes) < 0) {
                close(fd);
                fd = -1;
        }
        if (fd >= 0 && lseek(fd, 0, SEEK_END) >= 0)
                im->errs = fdopen(fd, "w");
        if (!im->errs) {
                if (fd >= 0)
                        close(fd);
                return import_fail(im, "%s: %s", path, strerror(errno));
        }
        return 0;
}

static int
import_setup(struct import *im)
{
        const struct import_opts *o = im->o;
        const char *fmt = o->format ? o->format : "values";
        struct store_writer_opts wo;
        struct ingest_opts io;
        struct ckpt saved;
        struct stat sb;
        int have = 0;
        size_t k;

        for (k = 0; k < sizeof(import_formats) / sizeof(import_formats[0]); k++)
                if (strcmp(fmt, import_formats[k].name) == 0)
                        break;
        if (k == sizeof(import_formats) / sizeof(import_formats[0]))
                return import_fail(im,
                                   "unknown format %s (values, csv, "
                                   "jsonl)",
                                   fmt);
        im->format = import_formats[k].format;
        im->csv_framed = import_formats[k].csv;
        if (im->format != INGEST_VALUES && (!o->tpl || !o->tpl[0]))
                return import_fail(im, "--format %s needs --template VERSION",
                                   fmt);
        if (im->format == INGEST_VALUES && (o->tpl || o->prefix))
                return import_fail(im, "--template and --prefix go with "
                                       "--format csv or jsonl");
        if (o->batch < 1 || o->batch > IMPORT_MAX_BATCH)
                return import_fail(im, "a batch is 1 to %d records",
                                   IMPORT_MAX_BATCH);
        if (o->conns < 1 || o->conns > STORE_WRITER_MAX_CONNS)
                return import_fail(im, "1 to %d connections",
                                   STORE_WRITER_MAX_CONNS);
        im->fd =
            strcmp(o->path, "-") == 0 ? 0 : open(o->path, O_RDONLY | O_CLOEXEC);
        if (im->fd < 0 || fstat(im->fd, &sb) < 0)
                return import_fail(im, "%s: %s", o->path, strerror(errno));
        if (S_ISREG(sb.st_mode)) {
                im->st->size = (uint64_t)sb.st_size;
                if ((have = import_checkpoint(im, &saved)) < 0)
                        return -1;
        } else if (o->resume || o->checkpoint) {
                return import_fail(im, "only an import of a regular file can "
                                       "be resumed");
        }
        if (im->csv_framed &&
            !(im->csv = csv_new(IMPORT_MAX_FIELDS, IMPORT_MAX_RECORD)))
                return import_fail(im, "out of memory");
        if (im->format != INGEST_VALUES) {
                if (o->prefix &&
                    pfx_normalise(o->prefix, strlen(o->prefix), im->prefix) < 0)
                        return import_fail(im, "bad prefix %s", o->prefix);
                if (!o->prefix && have)
                        snprintf(im->prefix, sizeof(im->prefix), "%s",
                                 saved.prefix);
                if (!o->prefix && !have && import_peek_prefix(im) < 0)
                        return -1;
                if (import_template(im) < 0)
                        return -1;
        }
        snprintf(im->ck.format, sizeof(im->ck.format), "%s", fmt);
        snprintf(im->ck.tpl, sizeof(im->ck.tpl), "%s", o->tpl ? o->tpl : "");
        snprintf(im->ck.prefix, sizeof(im->ck.prefix), "%s", im->prefix);
        memset(&io, 0, sizeof(io));
        io.format = im->format;
        io.tpl = im->tpl;
        io.prefix = im->prefix;
        io.max_handle = (size_t)o->cfg->max_handle_bytes;
        io.by = o->by;
        if (!(im->ing = ingest_new(&io)))
                return import_fail(im, "out of memory");
        im->line = 1;
        while (im->len < 3 && !im->eof)
                if (import_fill(im) < 0)
                        return -1;
        if (im->len >= 3 && memcmp(im->buf, "\xEF\xBB\xBF", 3) == 0)
                im->pos = 3; /* a UTF-8 byte order mark, as Excel writes */
        if (im->csv_framed && import_header(im) < 0)
                return -1;
        if (have && import_resume(im, &saved) < 0)
                return -1;
        im->st->start_offset = im->base + im->pos;
        if (import_errors(im, have ? &saved : NULL) < 0)
                return -1;
        memset(&wo, 0, sizeof(wo));
        wo.socket = o->cfg->redis_socket;
        wo.host = o->cfg->redis_host;
        wo.password = o->cfg->redis_password;
        wo.port = o->cfg->redis_port;
        wo.conns = o->conns;
        wo.acked = import_acked;
        wo.arg = im;
        im->w = store_writer_new(&wo, im->err, im->errlen);
        return im->w ? 0 : -1;
}

int
import_run(const struct import_opts *o, struct import_stats *st, char *err,
           size_t errlen)
{
        struct import *im = calloc(1, sizeof(*im));
        int rc = -1;

        memset(st, 0, sizeof(*st));
        if (!im) {
                snprintf(err, errlen, "out of memory");
                return -1;
        }
        err[0] = '\0';
        im->o = o;
        im->st = st;
        im->err = err;
        im->errlen = errlen;
        im->fd = -1;
        im->tty = isatty(2);
        im->start_ms = im->tick_ms = clock_ms();
        if (import_setup(im) < 0 || import_loop(im) < 0)
                goto fail;
        /* Finished: nothing to resume. */
        if (im->ckpt_on && unlink(im->ckpath) < 0 && errno != ENOENT)
                fprintf(stderr, "idctl: cannot remove %s: %s\n", im->ckpath,
                        strerror(errno));
        rc = 0;
fail:
        import_stats_now(im);
        if (im->errs && fclose(im->errs) != 0 && rc == 0)
                rc = import_fail(im, "%s: %s", o->errors, strerror(errno));
        if (im->fd > 0)
                close(im->fd);
        store_writer_free(im->w);
        ingest_free(im->ing);
        tpl_free(im->tpl);
        csv_free(im->csv);
        free(im->buf);
        free(im);
        return rc;
}
