/*
 * The SNMS template calls (domain.md §2.A "Data templates"):
 * /snms/api/v5/template GET, POST, PUT (incremental), DELETE and
 * /snms/api/v3/template without PUT.  The template model is registry/tpl;
 * this module stores it (tpl:{P}:VER, tpls:{P}) and enforces who may
 * read and change it: the prefix's owner (its enterprise users and
 * platforms) writes and reads, staff read every prefix.
 */
#ifndef REGISTRY_TPLAPI_H
#define REGISTRY_TPLAPI_H

#include <stddef.h>

struct api_route;

/* The module's route table (static storage), for registry/api.c. */
const struct api_route *tplapi_routes(size_t *n);

#endif
