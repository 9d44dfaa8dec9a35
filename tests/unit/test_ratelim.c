/*
 * The shared abuse-limit table: token-bucket counts at a given rate and
 * burst, address keys (IPv4, IPv6 /64, mapped), proven marks, connection
 * counts, and what happens when a window is full.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "core/clock.h"
#include "core/ratelim.h"

static uint64_t
v4key(const char *a)
{
        struct sockaddr_in s;

        memset(&s, 0, sizeof(s));
        s.sin_family = AF_INET;
        inet_pton(AF_INET, a, &s.sin_addr);
        return ratelim_addr_key((struct sockaddr *)&s);
}

static uint64_t
v6key(const char *a)
{
        struct sockaddr_in6 s;

        memset(&s, 0, sizeof(s));
        s.sin6_family = AF_INET6;
        inet_pton(AF_INET6, a, &s.sin6_addr);
        return ratelim_addr_key((struct sockaddr *)&s);
}

/* Tokens taken from key's bucket in `n` tries at time t. */
static int
take_n(struct ratelim *rl, uint64_t key, struct ratelim_rule r, uint64_t t,
       int n)
{
        uint64_t retry;
        int i, ok = 0;

        for (i = 0; i < n; i++)
                ok += ratelim_take(rl, RL_UDP, key, r, t, &retry);
        return ok;
}

static void
burst_then_rate(void **state)
{
        struct ratelim *rl = ratelim_new(1024);
        struct ratelim_rule r = {100, 20};
        uint64_t t = clock_us(), retry = 0, key = v4key("192.0.2.1");
        int ok = 0, s;

        (void)state;
        assert_int_equal(take_n(rl, key, r, t, 50), 20);
        assert_int_equal(ratelim_take(rl, RL_UDP, key, r, t, &retry), 0);
        assert_true(retry >= 9 && retry <= 11); /* one token: 10 ms */
        /* Ten seconds at 1000 tries a second: 100 a second get through. */
        for (s = 1; s <= 10000; s++)
                ok += take_n(rl, key, r, t + (uint64_t)s * 1000, 1);
        assert_true(ok >= 999 && ok <= 1001);
        /* Another class and another address have their own buckets. */
        assert_int_equal(ratelim_take(rl, RL_TCP, key, r, t + 10000000, &retry),
                         1);
        assert_int_equal(take_n(rl, v4key("192.0.2.2"), r, t + 10000000, 30),
                         20);
        /* Rate 0: no limit. */
        r.rate = 0;
        assert_int_equal(take_n(rl, key, r, t + 10000000, 1000), 1000);
        ratelim_free(rl);
}

static void
refilled_bucket_is_full_again(void **state)
{
        struct ratelim *rl = ratelim_new(1024);
        struct ratelim_rule r = {10, 5};
        uint64_t t = clock_us(), key = v4key("192.0.2.9");

        (void)state;
        assert_int_equal(take_n(rl, key, r, t, 10), 5);
        assert_int_equal(take_n(rl, key, r, t + 60000000, 10), 5);
        ratelim_free(rl);
}

static void
address_keys(void **state)
{
        (void)state;
        assert_int_equal(v4key("10.1.2.3"), v6key("::ffff:10.1.2.3"));
        assert_true(v4key("10.1.2.3") != v4key("10.1.2.4"));
        /* One IPv6 /64 is one client; another /64 is another. */
        assert_int_equal(v6key("2001:db8:1:2::1"), v6key("2001:db8:1:2:ff::9"));
        assert_true(v6key("2001:db8:1:2::1") != v6key("2001:db8:1:3::1"));
        assert_true(v6key("::1") != v4key("127.0.0.1"));
        assert_true(v4key("127.0.0.1") != v4key("127.0.0.2"));
}

static void
proven_marks_expire(void **state)
{
        struct ratelim *rl = ratelim_new(1024);
        uint64_t t = clock_us(), a = v4key("198.51.100.1");

        (void)state;
        assert_int_equal(ratelim_marked(rl, RL_PROVEN, a, t), 0);
        ratelim_mark(rl, RL_PROVEN, a, t, 1000000);
        assert_int_equal(ratelim_marked(rl, RL_PROVEN, a, t + 500000), 1);
        assert_int_equal(
            ratelim_marked(rl, RL_PROVEN, v4key("198.51.100.2"), t + 500000),
            0);
        assert_int_equal(ratelim_marked(rl, RL_PROVEN, a, t + 1000001), 0);
        ratelim_free(rl);
}

static void
connection_counts(void **state)
{
        struct ratelim *rl = ratelim_new(1024);
        uint64_t a = v4key("203.0.113.1");
        void *h[4], *extra;
        int i;

        (void)state;
        for (i = 0; i < 3; i++)
                assert_int_equal(
                    ratelim_conn_open(rl, RL_CONN_TCP, a, 3, &h[i]), 1);
        assert_int_equal(ratelim_conn_open(rl, RL_CONN_TCP, a, 3, &extra), 0);
        /* The same address over HTTP, and another address, are apart. */
        assert_int_equal(ratelim_conn_open(rl, RL_CONN_HTTP, a, 3, &h[3]), 1);
        ratelim_conn_close(h[3]);
        ratelim_conn_close(h[0]);
        assert_int_equal(ratelim_conn_open(rl, RL_CONN_TCP, a, 3, &h[0]), 1);
        for (i = 0; i < 3; i++)
                ratelim_conn_close(h[i]);
        /* Cap 0 counts nothing. */
        assert_int_equal(ratelim_conn_open(rl, RL_CONN_TCP, a, 0, &extra), 1);
        assert_null(extra);
        ratelim_free(rl);
}

/*
 * A table of one window: the ninth live bucket shares one of the eight
 * (never more tokens than one address would get), and it is counted.
 */
static void
full_window_aliases(void **state)
{
        struct ratelim *rl = ratelim_new(8);
        struct ratelim_rule r = {1, 4};
        struct ratelim_stats st;
        uint64_t t = clock_us();
        int i, total = 0;

        (void)state;
        for (i = 0; i < 8; i++)
                assert_int_equal(take_n(rl, (uint64_t)i + 1, r, t, 1), 1);
        total = take_n(rl, 100, r, t, 10);
        assert_true(total <= 3);
        ratelim_get_stats(rl, &st);
        assert_true(st.aliased >= 1);
        ratelim_free(rl);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(burst_then_rate),
            cmocka_unit_test(refilled_bucket_is_full_again),
            cmocka_unit_test(address_keys),
            cmocka_unit_test(proven_marks_expire),
            cmocka_unit_test(connection_counts),
            cmocka_unit_test(full_window_aliases),
        };

        return cmocka_run_group_tests_name("ratelim", tests, NULL, NULL);
}
