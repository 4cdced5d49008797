/*
 * relationship_hooks.c - the table through which the session calls the
 * relationship code.
 *
 * Introduced in chapter 4. The session (session.c, unit_of_work.c,
 * loading.c...) and object.c sit below the relationship code: they never
 * call it by name, so calls go one way. ORM_RELATIONSHIP puts a pointer to
 * this table in every relationship it declares, and the sessionmaker keeps
 * it, as the engine keeps its dialect's table. The table sits in a file of
 * its own, above every file it names.
 */
#include "relationship_internal.h"

const struct orm_rel_hooks orm_relationship_hooks = {
    .build = orm_rel_build,
    .free_info = orm_rel_free_info,
    .session_free = orm_rel_session_free,
    .cascade_add = orm_rel_cascade_add,
    .flush_prepare = orm_rel_flush_prepare,
    .force_keys = orm_rel_force_keys,
    .fill_keys = orm_rel_fill_keys,
    .self_target = orm_rel_self_target,
    .flush_done = orm_rel_flush_done,
    .rollback = orm_rel_rollback,
    .after_load = orm_rel_after_load,
    .reset = orm_rel_reset,
    .unlink = orm_rel_unlink,
    .forget = orm_relationship_forget,
    .describe = orm_rel_describe,
};
