#include "core/mhist.h"

/* 50 us to 2.5 s: a cached UDP answer to a registry write waiting on fsync. */
const uint64_t mhist_bounds_us[MHIST_BUCKETS] = {
    50,    100,   250,   500,    1000,   2500,    5000,
    10000, 25000, 50000, 100000, 250000, 1000000, 2500000,
};

void
mhist_observe(struct mhist *h, uint64_t us)
{
        unsigned i = 0;

        while (i < MHIST_BUCKETS && us > mhist_bounds_us[i])
                i++;
        h->bucket[i]++;
        h->count++;
        h->sum_us += us;
}

void
mhist_add(struct mhist *to, const struct mhist *from)
{
        unsigned i;

        for (i = 0; i <= MHIST_BUCKETS; i++)
                to->bucket[i] += from->bucket[i];
        to->count += from->count;
        to->sum_us += from->sum_us;
}
