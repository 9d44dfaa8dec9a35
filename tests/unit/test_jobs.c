/* Blocking-work pool: work off the loop, completion on the worker thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/jobs.h"
#include "core/worker.h"

#define NJOBS 64

struct task {
        int input;
        int output;
        pthread_t ran_on;
};

static struct task tasks[NJOBS];
static pthread_t worker_thread;
static atomic_int done_count;
static atomic_int done_on_worker;

static void
record_worker_thread(struct worker *w, void *arg)
{
        (void)w;
        (void)arg;
        worker_thread = pthread_self();
        atomic_store(&done_on_worker, -1000); /* marks "recorded" */
}

static void
square(void *local, void *arg)
{
        struct task *t = arg;

        (void)local;
        t->ran_on = pthread_self();
        t->output = t->input * t->input;
}

static void
finished(struct worker *w, void *arg)
{
        struct task *t = arg;

        (void)w;
        if (pthread_equal(pthread_self(), worker_thread))
                atomic_fetch_add(&done_on_worker, 1);
        (void)t;
        atomic_fetch_add(&done_count, 1);
}

static int
wait_for(atomic_int *v, int want)
{
        int i;

        for (i = 0; i < 500 && atomic_load(v) != want; i++)
                usleep(10000);
        return atomic_load(v) == want;
}

static void
work_off_loop_done_on_worker(void **state)
{
        struct worker *w = worker_new(0);
        struct jobs *j = jobs_new(2, NJOBS, NULL);
        int i;

        (void)state;
        assert_non_null(w);
        assert_non_null(j);
        assert_int_equal(worker_start(w), 0);
        assert_int_equal(worker_post(w, record_worker_thread, NULL), 0);
        assert_true(wait_for(&done_on_worker, -1000));
        atomic_store(&done_on_worker, 0);
        for (i = 0; i < NJOBS; i++) {
                tasks[i].input = i;
                assert_int_equal(jobs_submit(j, w, square, finished, &tasks[i]),
                                 0);
        }
        jobs_free(j); /* runs what is queued, posts every completion */
        assert_true(wait_for(&done_count, NJOBS));
        assert_int_equal(atomic_load(&done_on_worker), NJOBS);
        for (i = 0; i < NJOBS; i++) {
                assert_int_equal(tasks[i].output, i * i);
                assert_false(pthread_equal(tasks[i].ran_on, worker_thread));
        }
        worker_free(w);
}

static void
slow(void *local, void *arg)
{
        (void)local;
        (void)arg;
        usleep(100000);
}

static void
ignore(struct worker *w, void *arg)
{
        (void)w;
        (void)arg;
        atomic_fetch_add(&done_count, 1);
}

static void
full_queue_refuses(void **state)
{
        struct worker *w = worker_new(1);
        struct jobs *j = jobs_new(1, 2, NULL);
        int accepted = 0, i;

        (void)state;
        atomic_store(&done_count, 0);
        assert_int_equal(worker_start(w), 0);
        /* One runs, two wait, the rest are refused at once. */
        for (i = 0; i < 10; i++)
                accepted += jobs_submit(j, w, slow, ignore, NULL) == 0;
        assert_true(accepted >= 2 && accepted <= 3);
        jobs_free(j);
        assert_true(wait_for(&done_count, accepted));
        worker_free(w);
}

/* Thread-local state: made once per thread, seen by its jobs, freed. */
static atomic_int locals_made, locals_freed;

struct local {
        pthread_t owner;
        int jobs_run;
};

static void *
local_init(void *ctx)
{
        struct local *l = calloc(1, sizeof(*l));

        assert_ptr_equal(ctx, &locals_made);
        l->owner = pthread_self();
        atomic_fetch_add(&locals_made, 1);
        return l;
}

static void
local_fini(void *local)
{
        struct local *l = local;

        assert_true(pthread_equal(l->owner, pthread_self()));
        atomic_fetch_add(&locals_freed, l->jobs_run);
        free(l);
}

static void
use_local(void *local, void *arg)
{
        struct local *l = local;

        (void)arg;
        assert_non_null(l);
        assert_true(pthread_equal(l->owner, pthread_self()));
        l->jobs_run++;
}

static void
per_thread_local_state(void **state)
{
        const struct jobs_local lc = {local_init, local_fini, &locals_made};
        struct worker *w = worker_new(2);
        struct jobs *j = jobs_new(3, NJOBS, &lc);
        int i;

        (void)state;
        atomic_store(&done_count, 0);
        assert_int_equal(worker_start(w), 0);
        for (i = 0; i < NJOBS; i++)
                assert_int_equal(jobs_submit(j, w, use_local, ignore, NULL), 0);
        jobs_free(j);
        assert_int_equal(atomic_load(&locals_made), 3);
        /* Every job ran with some thread's local, and each was freed. */
        assert_int_equal(atomic_load(&locals_freed), NJOBS);
        assert_true(wait_for(&done_count, NJOBS));
        worker_free(w);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(work_off_loop_done_on_worker),
            cmocka_unit_test(full_queue_refuses),
            cmocka_unit_test(per_thread_local_state),
        };

        return cmocka_run_group_tests_name("jobs", tests, NULL, NULL);
}
