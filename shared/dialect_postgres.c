/* dialect_postgres.c - placeholder until the engine lands. */
typedef int orm_placeholder_dialect_postgres;
