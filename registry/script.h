/*
 * Lua scripts run by registry handlers: sent as EVALSHA, and whole
 * (EVAL, which also caches it in Redis) only when Redis answers NOSCRIPT,
 * i.e. once after each Redis start or SCRIPT FLUSH.  A script is how a
 * multi-key or read-then-write rule becomes one atomic step.
 */
#ifndef REGISTRY_SCRIPT_H
#define REGISTRY_SCRIPT_H

#include <stddef.h>

struct api_call;
struct redisContext;
struct redisReply;

/* A script and its SHA-1, filled by script_init; the caller owns it. */
struct script {
        const char *text; /* borrowed, must outlive the struct */
        char sha[41];
};

void script_init(struct script *s, const char *text);

/*
 * Runs `s` on the call's connection.  argv[0] and argv[1] are filled in
 * here (the command and the script or its SHA); argv[2..] are numkeys,
 * the keys and the arguments.  A reply the caller frees, or NULL as
 * api_cmd (the call has then failed).
 */
struct redisReply *script_run(struct api_call *c, const struct script *s,
                              int argc, const char **argv, size_t *argvlen);

/*
 * Pipelines: appends `s` (EVAL when `whole`, else EVALSHA), argv as in
 * script_run.  0, or -1 if hiredis had no memory.
 */
int script_append(struct redisContext *rc, const struct script *s, int whole,
                  int argc, const char **argv, size_t *argvlen);

/* 1 if `r` is Redis saying it does not have the script. */
int script_missing(const struct redisReply *r);

#endif
