/*
 * Latency histograms with fixed buckets, as Prometheus renders them:
 * one per thread and thing measured, written only by its thread and
 * summed by whoever reads them (a message to that thread copies one).
 */
#ifndef CORE_MHIST_H
#define CORE_MHIST_H

#include <stdint.h>

#define MHIST_BUCKETS 14

/* Upper bounds of the buckets, in microseconds (the last is +Inf). */
extern const uint64_t mhist_bounds_us[MHIST_BUCKETS];

struct mhist {
        uint64_t bucket[MHIST_BUCKETS + 1]; /* the last: above every bound */
        uint64_t count;
        uint64_t sum_us;
};

void mhist_observe(struct mhist *h, uint64_t us);
/* to += from */
void mhist_add(struct mhist *to, const struct mhist *from);

#endif
