/*
 * A parser of the Prometheus text exposition format (version 0.0.4), as
 * read from a node's /metrics by idctl top: samples with their names,
 * labels and values, for sums and differences between two scrapes.
 *
 * Strict where leniency would guess: a malformed name, label, escape or
 * value is an error naming the line.  `# HELP` and `# TYPE` lines are
 * checked for a valid name (and a known type) and otherwise ignored, as
 * are other comments and blank lines; timestamps are accepted and
 * dropped.  Limits: PROM_MAX_TEXT bytes, PROM_MAX_SAMPLES samples,
 * PROM_MAX_LABELS labels a sample.
 */
#ifndef OPS_PROM_H
#define OPS_PROM_H

#include <stddef.h>

#define PROM_MAX_TEXT    (8u << 20)
#define PROM_MAX_SAMPLES 100000
#define PROM_MAX_LABELS  16

/* A parsed exposition; owns copies of every name and label. */
struct prom;

/* NULL with "line N: reason" (or out of memory) in err. */
struct prom *prom_parse(const char *text, size_t len, char *err, size_t errlen);
void prom_free(struct prom *p);

size_t prom_count(const struct prom *p);
/* Sample i (< prom_count): its name, value and label `key` (or NULL). */
const char *prom_name(const struct prom *p, size_t i);
double prom_value(const struct prom *p, size_t i);
const char *prom_label(const struct prom *p, size_t i, const char *key);

/*
 * The sum of the samples called `name` that carry every label of
 * `match` (key, value, key, value, ..., NULL; NULL for any); 0 if none.
 */
double prom_sum(const struct prom *p, const char *name,
                const char *const *match);

#endif
