/*
 * CSV records (RFC 4180): fields separated by commas, records ended by
 * CRLF or LF, fields optionally in double quotes, a quote inside a
 * quoted field written twice.  A quoted field may hold commas and line
 * breaks, so a record can span several lines.  Bytes are passed through
 * (UTF-8 is the reader's concern).
 *
 * The parser is strict where being lenient would guess: a quote inside
 * an unquoted field, anything but a separator after a closing quote, a
 * carriage return not followed by a line feed, or an unterminated quote
 * make the record bad, and the caller decides how to go on (an importer
 * skips to the next line).
 */
#ifndef CORE_CSV_H
#define CORE_CSV_H

#include <stddef.h>

enum csv_status {
        CSV_RECORD, /* a whole record: see csv_count / csv_field */
        CSV_MORE,   /* the record goes on past the bytes given */
        CSV_BAD,    /* malformed or over a limit: see csv_error */
};

/* A parser; it owns copies of the fields of the last record. */
struct csv;

/*
 * A parser for records of at most `max_fields` fields and `max_record`
 * bytes (including the line end).  NULL on ENOMEM.
 */
struct csv *csv_new(size_t max_fields, size_t max_record);
void csv_free(struct csv *c);

/*
 * Parses the record at the start of p[0, len); `eof` says that no bytes
 * follow p[len - 1], so a record may end there without a line end.
 * CSV_RECORD: *used is the record's length including its line end.
 * CSV_MORE: the record is incomplete and !eof (or len is 0); call again
 * from the same start with more bytes.  A record longer than max_record
 * is CSV_BAD, never CSV_MORE.  The fields of an earlier record are gone
 * after this call.
 */
enum csv_status csv_parse(struct csv *c, const char *p, size_t len, int eof,
                          size_t *used);

/* Fields of the last CSV_RECORD (an empty line is one empty field). */
size_t csv_count(const struct csv *c);
/*
 * Field i (< csv_count), unquoted and unescaped, NUL-terminated (it may
 * also contain NULs: use *len), owned by the parser.
 */
const char *csv_field(const struct csv *c, size_t i, size_t *len);
/* Why the last call returned CSV_BAD. */
const char *csv_error(const struct csv *c);

#endif
