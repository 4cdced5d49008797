/*
 * orm/orm.h - the whole library in one include.
 *
 * Each header is the reference card of one chapter of BOOK.md:
 *   orm/error.h, orm/value.h, orm/url.h, orm/engine.h   chapter 1, the engine
 *   orm/alloc.h                                          memory (any chapter)
 *   orm/session.h                                        chapter 2, the session
 *   orm/schema.h                                         chapters 3 and 5, models
 *   orm/relationship.h                                   chapter 4, relationships
 */
#ifndef ORM_ORM_H
#define ORM_ORM_H

#include "orm/alloc.h"
#include "orm/engine.h"
#include "orm/error.h"
#include "orm/relationship.h"
#include "orm/schema.h"
#include "orm/session.h"
#include "orm/url.h"
#include "orm/value.h"

#endif
