/* dialect_sqlite.c - placeholder until the engine lands. */
typedef int orm_placeholder_dialect_sqlite;
