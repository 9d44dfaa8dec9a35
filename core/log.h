/*
 * Structured logging: one event per line, key=value, to stderr or a file
 * that SIGHUP reopens.  Each line is written with one write(2), so lines
 * from different threads never interleave.  Never pass secrets.
 */
#ifndef CORE_LOG_H
#define CORE_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Sets level and destination ("" = stderr). 0 on success, -1 on error. */
int log_open(const char *level, const char *file);
/* Reopens the file (after logrotate moved it). */
int log_reopen(void);
int log_enabled(enum log_level lvl);

/* `event` is a short identifier; fmt adds key=value pairs. */
void log_msg(enum log_level lvl, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Client bytes made safe for a quoted value: printable ASCII except '"'
 * and '\\' kept, every other byte as \xNN, cut to fit with "...".
 * Returns `out` (always NUL-terminated; outsz >= 8).
 */
char *log_text(char *out, size_t outsz, const void *p, size_t len);

#define log_debug(ev, ...) log_msg(LOG_DEBUG, ev, __VA_ARGS__)
#define log_info(ev, ...)  log_msg(LOG_INFO, ev, __VA_ARGS__)
#define log_warn(ev, ...)  log_msg(LOG_WARN, ev, __VA_ARGS__)
#define log_error(ev, ...) log_msg(LOG_ERROR, ev, __VA_ARGS__)

#endif
