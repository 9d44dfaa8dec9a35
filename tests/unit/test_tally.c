/*
 * The per-worker usage tally: counts by prefix, the top identifiers and
 * the client addresses, its limits and overflow, and its resets.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cmocka.h>

#include "core/tally.h"

static struct tally *
new_tally(size_t prefixes, size_t handles, size_t clients)
{
        struct tally_limits l = {prefixes, handles, clients};
        struct tally *t = tally_new(&l);

        assert_non_null(t);
        return t;
}

static void
resolve(struct tally *t, const char *name, enum tally_outcome o,
        const struct sockaddr *sa)
{
        tally_resolution(t, name, strlen(name), o, sa);
}

/* The counts of prefix `p` (its entry number in *at), or -1 if absent. */
static int
counts_of(const struct tally *t, const char *p, struct tally_counts *c,
          size_t *at)
{
        size_t i, len;

        for (i = 0; i < tally_nprefixes(t); i++)
                if (strcmp(tally_prefix(t, i, &len, c), p) == 0) {
                        assert_int_equal(len, strlen(p));
                        if (at)
                                *at = i;
                        return 0;
                }
        return -1;
}

static struct sockaddr_in
v4(const char *a)
{
        struct sockaddr_in s;

        memset(&s, 0, sizeof(s));
        s.sin_family = AF_INET;
        assert_int_equal(inet_pton(AF_INET, a, &s.sin_addr), 1);
        return s;
}

static struct sockaddr_in6
v6(const char *a)
{
        struct sockaddr_in6 s;

        memset(&s, 0, sizeof(s));
        s.sin6_family = AF_INET6;
        assert_int_equal(inet_pton(AF_INET6, a, &s.sin6_addr), 1);
        return s;
}

static size_t
nclients(const struct tally *t, size_t i)
{
        const uint8_t *a;
        size_t n = 0, len;
        uint32_t it = 0;

        while (tally_next_client(t, i, &it, &a, &len)) {
                assert_true(len == 4 || len == 16);
                n++;
        }
        return n;
}

/* Resolutions of identifier `h` in prefix entry i's list, 0 if absent. */
static uint64_t
top_count(const struct tally *t, size_t i, const char *h)
{
        const char *name;
        size_t len;
        uint64_t n;
        uint32_t it = 0;

        while (tally_next_handle(t, i, &it, &name, &len, &n))
                if (len == strlen(h) && memcmp(name, h, len) == 0)
                        return n;
        return 0;
}

static void
counts_by_prefix_and_outcome(void **state)
{
        struct tally *t = new_tally(8, 8, 8);
        struct tally_counts c;
        size_t at;

        (void)state;
        assert_null(tally_new(&(struct tally_limits){0, 1, 1}));
        assert_true(tally_empty(t));
        resolve(t, "88.1.2/A", TALLY_FOUND, NULL);
        resolve(t, "88.1.2/A", TALLY_FOUND, NULL);
        resolve(t, "88.1.2/B", TALLY_NOT_FOUND, NULL);
        resolve(t, "88.1.2/C", TALLY_ERROR, NULL);
        resolve(t, "88.1.2/D", TALLY_REFERRED, NULL);
        resolve(t, "88.1.3/A", TALLY_NOT_FOUND, NULL);
        tally_registration(t, "88.1.3/NEW", 10);
        tally_registration(t, "88.1.4/NEW", 10);
        assert_false(tally_empty(t));
        assert_int_equal(tally_nprefixes(t), 4); /* other + 3 */
        assert_int_equal(counts_of(t, "88.1.2", &c, &at), 0);
        assert_int_equal(c.resolutions, 5);
        assert_int_equal(c.not_found, 1);
        assert_int_equal(c.errors, 1);
        assert_int_equal(c.registrations, 0);
        /* Only answers with values count for the top list. */
        assert_int_equal(top_count(t, at, "88.1.2/A"), 2);
        assert_int_equal(top_count(t, at, "88.1.2/B"), 0);
        assert_int_equal(top_count(t, at, "88.1.2/D"), 0);
        assert_int_equal(counts_of(t, "88.1.3", &c, NULL), 0);
        assert_int_equal(c.resolutions, 1);
        assert_int_equal(c.not_found, 1);
        assert_int_equal(c.registrations, 1);
        assert_int_equal(counts_of(t, "88.1.4", &c, NULL), 0);
        assert_int_equal(c.resolutions, 0);
        assert_int_equal(c.registrations, 1);
        assert_int_equal(counts_of(t, TALLY_OTHER, &c, &at), 0);
        assert_int_equal(at, 0);
        assert_int_equal(c.resolutions, 0);
        tally_free(t);
}

static void
names_without_a_registrable_prefix_go_to_other(void **state)
{
        static const char *const odd[] = {
            "中国.1/X",
            "88_1/X",
            "88.1-2/X",
            "lower.1/X",
            "/X",
            "88.12345678901234567890123456789012345678901234567890123456789012/"
            "X", /* 65 */
        };
        struct tally *t = new_tally(8, 8, 8);
        struct tally_overflow ov;
        struct tally_counts c;
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
                resolve(t, odd[i], TALLY_NOT_FOUND, NULL);
        /* 64 characters is still a prefix. */
        resolve(
            t,
            "88.1234567890123456789012345678901234567890123456789012345678901/"
            "X",
            TALLY_NOT_FOUND, NULL);
        assert_int_equal(counts_of(t, TALLY_OTHER, &c, NULL), 0);
        assert_int_equal(c.resolutions, 6);
        assert_int_equal(tally_nprefixes(t), 2);
        tally_get_overflow(t, &ov);
        assert_int_equal(ov.prefixes, 0); /* not for want of room */
        tally_free(t);
}

static void
full_prefix_table_counts_into_other(void **state)
{
        struct tally *t = new_tally(2, 8, 8);
        struct tally_overflow ov;
        struct tally_counts c;
        uint64_t total = 0;
        char name[32];
        size_t i, len;

        (void)state;
        for (i = 0; i < 5; i++) {
                snprintf(name, sizeof(name), "88.1.%zu/X", i);
                resolve(t, name, TALLY_FOUND, NULL);
                resolve(t, name, TALLY_NOT_FOUND, NULL);
        }
        tally_registration(t, "88.1.9/Y", 8);
        assert_int_equal(tally_nprefixes(t), 3);
        assert_int_equal(counts_of(t, "88.1.0", &c, NULL), 0);
        assert_int_equal(counts_of(t, "88.1.1", &c, NULL), 0);
        assert_int_equal(counts_of(t, "88.1.2", &c, NULL), -1);
        assert_int_equal(counts_of(t, TALLY_OTHER, &c, NULL), 0);
        assert_int_equal(c.resolutions, 6);
        assert_int_equal(c.not_found, 3);
        assert_int_equal(c.registrations, 1);
        tally_get_overflow(t, &ov);
        assert_int_equal(ov.prefixes, 7);
        /* Nothing is lost from the totals. */
        for (i = 0; i < tally_nprefixes(t); i++) {
                tally_prefix(t, i, &len, &c);
                total += c.resolutions;
        }
        assert_int_equal(total, 10);
        tally_free(t);
}

static void
identifiers_beyond_the_limit_overflow(void **state)
{
        struct tally *t = new_tally(4, 3, 8);
        struct tally_overflow ov;
        struct tally_counts c;
        char name[300];
        size_t at;

        (void)state;
        resolve(t, "88.1.2/A", TALLY_FOUND, NULL);
        resolve(t, "88.1.2/B", TALLY_FOUND, NULL);
        resolve(t, "88.1.2/C", TALLY_FOUND, NULL);
        resolve(t, "88.1.2/D", TALLY_FOUND, NULL);
        resolve(t, "88.1.2/A", TALLY_FOUND, NULL);
        memset(name, 'Z', sizeof(name));
        memcpy(name, "88.1.3/", 7);
        tally_resolution(t, name, TALLY_HANDLE_MAX + 1, TALLY_FOUND, NULL);
        tally_get_overflow(t, &ov);
        assert_int_equal(ov.handles, 2);
        assert_int_equal(counts_of(t, "88.1.2", &c, &at), 0);
        assert_int_equal(c.resolutions, 5);
        assert_int_equal(top_count(t, at, "88.1.2/A"), 2);
        assert_int_equal(top_count(t, at, "88.1.2/C"), 1);
        assert_int_equal(top_count(t, at, "88.1.2/D"), 0);
        /* A flush makes room again. */
        tally_reset(t, 0);
        resolve(t, "88.1.2/D", TALLY_FOUND, NULL);
        assert_int_equal(top_count(t, at, "88.1.2/D"), 1);
        assert_int_equal(top_count(t, at, "88.1.2/A"), 0);
        tally_free(t);
}

static void
clients_are_counted_once_per_prefix(void **state)
{
        struct tally *t = new_tally(4, 4, 3);
        struct sockaddr_in a = v4("127.0.0.2"), b = v4("127.0.0.3");
        struct sockaddr_in6 a6 = v6("::ffff:127.0.0.2"), c6 = v6("2001:db8::1");
        struct sockaddr_un u;
        struct tally_overflow ov;
        struct tally_counts c;
        const uint8_t *addr;
        size_t p2, p3, len;
        uint32_t it = 0;

        (void)state;
        memset(&u, 0, sizeof(u));
        u.sun_family = AF_UNIX;
        resolve(t, "88.1.2/A", TALLY_FOUND, (struct sockaddr *)&a);
        resolve(t, "88.1.2/B", TALLY_NOT_FOUND, (struct sockaddr *)&a);
        /* The same client over IPv6 as a mapped address. */
        resolve(t, "88.1.2/A", TALLY_FOUND, (struct sockaddr *)&a6);
        resolve(t, "88.1.2/A", TALLY_ERROR, (struct sockaddr *)&b);
        resolve(t, "88.1.2/A", TALLY_FOUND, (struct sockaddr *)&u);
        resolve(t, "88.1.2/A", TALLY_FOUND, NULL);
        resolve(t, "88.1.3/A", TALLY_FOUND, (struct sockaddr *)&a);
        resolve(t, "88.1.3/A", TALLY_FOUND, (struct sockaddr *)&c6);
        assert_int_equal(counts_of(t, "88.1.2", &c, &p2), 0);
        assert_int_equal(counts_of(t, "88.1.3", &c, &p3), 0);
        assert_int_equal(nclients(t, p2), 2);
        assert_int_equal(nclients(t, p3), 1); /* the table is full */
        tally_get_overflow(t, &ov);
        assert_int_equal(ov.clients, 1);
        assert_true(tally_next_client(t, p3, &it, &addr, &len));
        assert_int_equal(len, 4);
        assert_memory_equal(addr, &a.sin_addr, 4);
        tally_free(t);
}

static void
resets_keep_prefixes_until_the_hour_ends(void **state)
{
        struct tally *t = new_tally(2, 4, 4);
        struct sockaddr_in a = v4("127.0.0.2");
        struct tally_counts c;
        size_t at;

        (void)state;
        resolve(t, "88.1.2/A", TALLY_FOUND, (struct sockaddr *)&a);
        resolve(t, "88.1.3/A", TALLY_FOUND, (struct sockaddr *)&a);
        tally_reset(t, 0);
        assert_true(tally_empty(t));
        assert_int_equal(tally_nprefixes(t), 3);
        assert_int_equal(counts_of(t, "88.1.2", &c, &at), 0);
        assert_int_equal(c.resolutions, 0);
        assert_int_equal(nclients(t, at), 0);
        assert_int_equal(top_count(t, at, "88.1.2/A"), 0);
        /* The table still holds both: a third prefix finds no room. */
        resolve(t, "88.1.4/A", TALLY_FOUND, NULL);
        assert_int_equal(counts_of(t, "88.1.4", &c, NULL), -1);
        tally_reset(t, 1);
        assert_int_equal(tally_nprefixes(t), 1);
        resolve(t, "88.1.4/A", TALLY_FOUND, (struct sockaddr *)&a);
        assert_int_equal(counts_of(t, "88.1.4", &c, &at), 0);
        assert_int_equal(c.resolutions, 1);
        assert_int_equal(nclients(t, at), 1);
        assert_int_equal(top_count(t, at, "88.1.4/A"), 1);
        tally_free(t);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(counts_by_prefix_and_outcome),
            cmocka_unit_test(names_without_a_registrable_prefix_go_to_other),
            cmocka_unit_test(full_prefix_table_counts_into_other),
            cmocka_unit_test(identifiers_beyond_the_limit_overflow),
            cmocka_unit_test(clients_are_counted_once_per_prefix),
            cmocka_unit_test(resets_keep_prefixes_until_the_hour_ends),
        };

        return cmocka_run_group_tests_name("tally", tests, NULL, NULL);
}
