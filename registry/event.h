/*
 * Lifecycle events of an identifier (docs/trace.md "Lifecycle events"):
 *
 *   POST /api/events/{handle}     append one (the owner, or an enterprise
 *                                 granted `event`); audited event.append
 *   GET  /api/events/{handle}     the events, in recording order, paged
 *   GET  /api/lifecycle/{handle}  the current state summary
 *
 * Events live in the stream keys_events(H) (fields: registry/keys.h),
 * appended by one Lua script that also sets the identifier's lifecycle
 * state KEYS_LIFECYCLE_FIELD in keys_handle(H); both keys carry H as
 * their hash tag.  Events that are not public are shown to the owner and
 * `read` grantees only.  The body parser is registry/evparse.
 *
 * Every read is bounded: a listing scans at most EVENT_SCAN_MAX entries
 * and answers at most about EVENT_ANSWER_MAX bytes of events, handing
 * back `next` to go on; a summary reads at most the latest
 * EVENT_SUMMARY_MAX events and lists at most EVENT_OPEN_MAX open
 * warnings, saying `partial: true` when it had to leave some out.
 */
#ifndef REGISTRY_EVENT_H
#define REGISTRY_EVENT_H

#include <stddef.h>

struct api_route;

#define EVENT_SCAN_MAX    20000
#define EVENT_ANSWER_MAX  (4u << 20)
#define EVENT_SUMMARY_MAX 10000
#define EVENT_OPEN_MAX    1000

/* The module's route table (static storage), for registry/api.c. */
const struct api_route *event_routes(size_t *n);

#endif
