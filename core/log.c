#include "core/log.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * Process-wide by nature: the level and the descriptor are read by every
 * thread and changed only by the main thread on start and reload.
 */
static _Atomic int log_level_cur = LOG_INFO;
static _Atomic int log_fd = 2;
static char log_path[256];
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

static int
log_parse_level(const char *s)
{
        int i;

        for (i = 0; i < 4; i++)
                if (strcmp(s, level_names[i]) == 0)
                        return i;
        return -1;
}

static int
log_open_file(void)
{
        int fd, old;

        if (log_path[0] == '\0') {
                fd = 2;
        } else {
                fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                          0640);
                if (fd < 0)
                        return -1;
        }
        old = atomic_exchange(&log_fd, fd);
        if (old != 2 && old != fd)
                close(old);
        return 0;
}

int
log_open(const char *level, const char *file)
{
        int lvl = log_parse_level(level);
        int rc;

        if (lvl < 0)
                return -1;
        atomic_store(&log_level_cur, lvl);
        pthread_mutex_lock(&log_lock);
        snprintf(log_path, sizeof(log_path), "%s", file ? file : "");
        rc = log_open_file();
        pthread_mutex_unlock(&log_lock);
        return rc;
}

int
log_reopen(void)
{
        int rc;

        pthread_mutex_lock(&log_lock);
        rc = log_open_file();
        pthread_mutex_unlock(&log_lock);
        return rc;
}

int
log_enabled(enum log_level lvl)
{
        return (int)lvl >= atomic_load(&log_level_cur);
}

void
log_msg(enum log_level lvl, const char *event, const char *fmt, ...)
{
        char line[2048];
        struct timespec ts;
        struct tm tm;
        va_list ap;
        int n, m;

        if (!log_enabled(lvl))
                return;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        n = snprintf(line, sizeof(line),
                     "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s "
                     "event=%s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
                     level_names[lvl], event);
        va_start(ap, fmt);
        m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
        va_end(ap);
        if (m < 0)
                m = 0;
        n += m;
        if ((size_t)n > sizeof(line) - 2)
                n = sizeof(line) - 2;
        line[n++] = '\n';
        if (write(atomic_load(&log_fd), line, (size_t)n) < 0) {
                /* Nowhere left to report a failed log write. */
        }
}

char *
log_text(char *out, size_t outsz, const void *p, size_t len)
{
        static const char hex[] = "0123456789abcdef";
        const unsigned char *b = p;
        size_t i, n = 0;

        for (i = 0; i < len; i++) {
                unsigned char ch = b[i];
                int plain = ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\';

                if (n + (plain ? 1 : 4) + 4 > outsz) {
                        memcpy(out + n, "...", 3);
                        n += 3;
                        break;
                }
                if (plain) {
                        out[n++] = (char)ch;
                } else {
                        out[n++] = '\\';
                        out[n++] = 'x';
                        out[n++] = hex[ch >> 4];
                        out[n++] = hex[ch & 15];
                }
        }
        out[n] = '\0';
        return out;
}
