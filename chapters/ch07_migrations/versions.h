/*
 * versions.h - the revisions in chapters/ch07_migrations/versions/.
 *
 * The build finds every versions/<id>_<name>.c file (CMake's file(GLOB
 * ... CONFIGURE_DEPENDS)) and writes versions_registry.c, which lists
 * their `revision_<id>` structs here: adding a revision is adding its
 * file, no list to edit.
 */
#ifndef CH07_VERSIONS_H
#define CH07_VERSIONS_H

#include <stddef.h>

#include "orm/migration.h"

extern const orm_revision *const ch07_revisions[];
extern const size_t ch07_nrevisions;

#endif
