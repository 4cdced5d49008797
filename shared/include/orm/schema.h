/*
 * orm/schema.h - models, columns and the metadata they are registered on.
 *
 * Introduced in chapter 3 (base and models). A model maps a C struct onto a
 * table: each column names a struct field (by offset), its SQL type and its
 * options. Models are registered on an orm_metadata, which plays the part of
 * the write-up's declarative `Base` (and of `Base.metadata`): it knows every
 * table, in which order they depend on each other, and can create or drop
 * them all.
 *
 * Declarative style (the model is declared once, at compile time):
 *
 *     typedef struct User {
 *             int64_t id;
 *             char *email;
 *     } User;
 *
 *     static const orm_column user_columns[] = {
 *             ORM_COLUMN(User, id, ORM_INTEGER, .primary_key = true),
 *             ORM_COLUMN(User, email, ORM_STRING, .unique = true, .index = true),
 *     };
 *     const orm_model User_model = ORM_MODEL(User, "users", user_columns);
 *
 *     orm_metadata_add(metadata, &User_model);
 *
 * Imperative style (a table built at run time): orm_model_new() and
 * orm_model_add_column(); the hybrid style declares the struct statically
 * and builds the table at run time. All three give the same orm_model.
 *
 * Names are written into the SQL as they are, never quoted, so they must
 * be plain SQL names: letters, digits and '_'. Table and enum type names
 * must also be lower case, since PostgreSQL folds unquoted names to lower
 * case ("Users" would be created as users and never found again).
 *
 * Which C type each column's field must have:
 *     ORM_INTEGER, ORM_BIGINTEGER   int64_t or int32_t (or int)
 *     ORM_STRING, ORM_TEXT          char *, owned by the object (orm_malloc'd);
 *                                   NULL is SQL NULL. Set it with orm_set_text().
 *     ORM_BOOLEAN                   bool
 *     ORM_FLOAT                     double
 *     ORM_DATE                      orm_date
 *     ORM_DATETIME                  orm_datetime
 *     ORM_ENUM                      a C enum (int), with .enum_type (chapter 5);
 *                                   ORM_ENUM_NULL (-1) is SQL NULL
 *
 * A string column is NULL when its pointer is, and an enum column when
 * its field holds ORM_ENUM_NULL: the field says it all. Another nullable
 * column whose field is not a pointer (an int, a bool, a date, ...) has no
 * spare value to mean NULL, so it keeps its NULL-ness in the object's
 * header: see orm_is_null(), orm_set_null() and orm_clear_null() in
 * orm/session.h.
 */
#ifndef ORM_SCHEMA_H
#define ORM_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "orm/engine.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A calendar date, stored as DATE. All zero is not a date: use NULL. */
typedef struct orm_date {
	int year, month, day;
} orm_date;

/* A date and time without time zone, stored as DATETIME / TIMESTAMP. */
typedef struct orm_datetime {
	int year, month, day, hour, minute, second, microsecond;
} orm_datetime;

typedef enum orm_column_type {
	ORM_INTEGER = 1,
	ORM_BIGINTEGER,
	ORM_STRING, /* VARCHAR, or VARCHAR(length) when .length > 0 */
	ORM_TEXT,
	ORM_BOOLEAN,
	ORM_FLOAT,
	ORM_DATE,
	ORM_DATETIME,
	ORM_ENUM, /* chapter 5 */
} orm_column_type;

/*
 * An enum type (chapter 5): a name as the database knows it (on
 * PostgreSQL the native type, e.g. "socialstatus") and the labels stored
 * for C values 0, 1, 2, ... On SQLite the column is VARCHAR as long as the
 * longest label, with CONSTRAINT <name> CHECK (col IN (<labels>)): what
 * SQLAlchemy writes with Enum(..., create_constraint=True). Models may
 * share an enum name only with the same labels.
 *
 * NULL in an enum column's field is ORM_ENUM_NULL, -1: never the index of
 * a label, so 0 stays the first label. orm_object_new() starts the field
 * at ORM_ENUM_NULL when the column is nullable or has a default (a NOT
 * NULL column without one starts at 0, its first label); a NULL read from
 * the database is stored as ORM_ENUM_NULL; at flush, ORM_ENUM_NULL is
 * written as NULL, or refused before any SQL in a NOT NULL column
 * ("NULL in events.social_status, which is NOT NULL"), and any other
 * value without a label is refused too. Give the C enum a member for it,
 *
 *     typedef enum SocialStatus {
 *             SOCIAL_NULL = ORM_ENUM_NULL,
 *             SOCIAL_PUBLIC,
 *             SOCIAL_PRIVATE,
 *     } SocialStatus;
 *
 * so that `event->social_status == SOCIAL_NULL` compares an enum with
 * its own kind (an enum without negative members is unsigned to GCC and
 * Clang, and -Wextra warns when it is compared with a plain -1).
 */
#define ORM_ENUM_NULL (-1)

typedef struct orm_enum {
	const char *name;
	const char *const *labels;
	size_t nlabels;
} orm_enum;

/* ON DELETE / ON UPDATE actions of a foreign key. */
typedef enum orm_fk_action {
	ORM_FK_NO_ACTION = 0, /* the default: nothing is emitted */
	ORM_FK_CASCADE,
	ORM_FK_SET_NULL,
	ORM_FK_RESTRICT,
} orm_fk_action;

typedef struct orm_column {
	const char *name;     /* the column's name, also the field's name with ORM_COLUMN */
	size_t offset;        /* of the field in the struct */
	size_t field_size;    /* sizeof the field, checked against the type */
	orm_column_type type; /* see the table at the top of this file */
	int length;           /* ORM_STRING: VARCHAR(length) when > 0 */
	bool primary_key;
	/* Integer primary keys are generated by the database (SERIAL on
	 * PostgreSQL, the rowid on SQLite) unless this says otherwise; see
	 * ORM_AUTOINCREMENT_* below. As in SQLAlchemy, a lone integer key
	 * is generated when left to AUTO and it has no default, no
	 * server_default and no foreign key. On SQLite only ORM_INTEGER is the
	 * rowid: an ORM_BIGINTEGER key is BIGINT there, which SQLite does not
	 * generate (SQLAlchemy's DDL, and its gotcha, too) - use ORM_INTEGER
	 * with an int64_t field, which SQLite stores in 64 bits anyway. */
	int autoincrement;
	/* Columns are nullable unless primary keys or said otherwise; see
	 * ORM_NULLABLE_*. (SQLAlchemy's default too.) */
	int nullable;
	bool unique;
	bool index;
	/* Client-side default: SQL literal text of the value used at INSERT
	 * when the field is still unset (zero / NULL; for an enum,
	 * ORM_ENUM_NULL), e.g. "0" or "'draft'". */
	const char *default_sql;
	/* Server-side default: emitted in CREATE TABLE as DEFAULT <text>. */
	const char *server_default;
	/* Foreign key "table.column", or NULL. */
	const char *foreign_key;
	orm_fk_action on_delete;
	const orm_enum *enum_type; /* ORM_ENUM */
} orm_column;

enum { ORM_AUTOINCREMENT_AUTO = 0, ORM_AUTOINCREMENT_YES = 1, ORM_AUTOINCREMENT_NO = -1 };
enum { ORM_NULLABLE_AUTO = 0, ORM_NULLABLE_YES = 1, ORM_NULLABLE_NO = -1 };

/*
 * A constraint or index over several columns ("a,b"), e.g. a composite
 * unique constraint. The name may be NULL: it then follows the naming
 * convention of the metadata, or the database's defaults.
 */
typedef enum orm_constraint_kind {
	ORM_UNIQUE_CONSTRAINT = 1,
	ORM_INDEX,
	ORM_UNIQUE_INDEX,
	ORM_CHECK_CONSTRAINT, /* .columns holds the SQL expression */
} orm_constraint_kind;

typedef struct orm_constraint {
	orm_constraint_kind kind;
	const char *name;
	const char *columns; /* comma-separated column names, or a CHECK expression */
} orm_constraint;

struct orm_relationship; /* chapter 4, orm/relationship.h */

typedef struct orm_model {
	const char *name;      /* the struct's name, e.g. "User" */
	const char *tablename; /* e.g. "users": a-z, 0-9 and '_' (see below) */
	size_t size;           /* sizeof the struct */
	const orm_column *columns;
	size_t ncolumns;
	const orm_constraint *constraints;
	size_t nconstraints;
	const struct orm_relationship *relationships; /* chapter 4 */
	size_t nrelationships;
} orm_model;

#define ORM_COUNTOF(array) (sizeof(array) / sizeof((array)[0]))

/* One column of struct T's field F: its name, offset and size, its type,
 * then any options as designated initializers (.primary_key = true, ...). */
#define ORM_COLUMN(T, F, TYPE, ...)                                                      \
	{                                                                                \
		.name = #F, .offset = offsetof(T, F), .field_size = sizeof(((T *)0)->F), \
		.type = (TYPE), __VA_ARGS__                                              \
	}

/* A model for struct T stored in table TABLENAME with the array COLUMNS. */
#define ORM_MODEL(T, TABLENAME, COLUMNS)                                                       \
	{                                                                                      \
		.name = #T, .tablename = (TABLENAME), .size = sizeof(T), .columns = (COLUMNS), \
		.ncolumns = ORM_COUNTOF(COLUMNS)                                               \
	}

/* The same, with an array of composite constraints and indexes. */
#define ORM_MODEL_WITH_CONSTRAINTS(T, TABLENAME, COLUMNS, CONSTRAINTS)                         \
	{                                                                                      \
		.name = #T, .tablename = (TABLENAME), .size = sizeof(T), .columns = (COLUMNS), \
		.ncolumns = ORM_COUNTOF(COLUMNS), .constraints = (CONSTRAINTS),                \
		.nconstraints = ORM_COUNTOF(CONSTRAINTS)                                       \
	}

/* ---- imperative style ------------------------------------------------ */

/*
 * Builds a model at run time for a struct of `size` bytes (0 for a table
 * with no struct behind it, usable for DDL only). The caller owns *out and
 * frees it with orm_model_free() after every metadata using it is freed.
 * Strings are copied; a column's .enum_type is not (it must outlive the
 * model). orm_model_add_column() checks the column as orm_metadata_add()
 * would (ORM_EINVAL, message in orm_error_last()) and adds nothing then.
 */
int orm_model_new(orm_model **out, const char *name, const char *tablename, size_t size);
int orm_model_add_column(orm_model *model, const orm_column *column);
int orm_model_add_constraint(orm_model *model, const orm_constraint *constraint);
void orm_model_free(orm_model *model);

/* The column named `name`, or NULL. Borrowed from the model. */
const orm_column *orm_model_column(const orm_model *model, const char *name);

/* ---- metadata: the write-up's Base ----------------------------------- */

typedef struct orm_metadata orm_metadata;

/*
 * Naming conventions, like SQLAlchemy's MetaData(naming_convention=...).
 * Templates use %(table_name)s, %(column_0_name)s, %(referred_table_name)s
 * and %(constraint_name)s (also SQLAlchemy's %(column_0_label)s,
 * %(column_0N_name)s, %(column_0_N_name)s, %(referred_column_0_name)s;
 * any other token is ORM_EINVAL at orm_metadata_new). A constraint with a
 * name of its own keeps it unless its template uses %(constraint_name)s;
 * an enum's CHECK on SQLite is named after the enum. A NULL template leaves that kind of constraint
 * unnamed in the DDL (the database then names it: on PostgreSQL
 * users_pkey, users_email_key, events_organizer_id_fkey), except indexes,
 * which are always named (default "ix_%(table_name)s_%(column_0_name)s",
 * SQLAlchemy's default).
 */
typedef struct orm_metadata_options {
	const char *ix; /* index */
	const char *uq; /* unique constraint */
	const char *ck; /* check constraint */
	const char *fk; /* foreign key */
	const char *pk; /* primary key */
} orm_metadata_options;

/* clang-format off */
#define ORM_METADATA_OPTIONS_INIT {"ix_%(table_name)s_%(column_0_name)s", NULL, NULL, NULL, NULL}
/* clang-format on */

/* Creates empty metadata. `options` may be NULL. Free with orm_metadata_free(). */
int orm_metadata_new(orm_metadata **out, const orm_metadata_options *options);
void orm_metadata_free(orm_metadata *metadata);
const char *orm_metadata_errmsg(const orm_metadata *metadata);

/*
 * Registers a model. The model is borrowed and must outlive the metadata.
 * Checks the declaration and fails with ORM_EINVAL naming the model, the
 * column and what is wrong: no primary key, a field size that does not
 * fit the type, a duplicate table or column name, an enum without labels.
 * Foreign keys are resolved when first needed, so models can be added in
 * any order. Relationships (chapter 4, orm/relationship.h) are checked as
 * soon as both of their models are registered, else by
 * orm_metadata_sorted().
 */
int orm_metadata_add(orm_metadata *metadata, const orm_model *model);

/* The registered model for `tablename`, or NULL. */
const orm_model *orm_metadata_model(const orm_metadata *metadata, const char *tablename);

/* Models in foreign-key dependency order (referenced tables first), for
 * create_all; ORM_EINVAL when a foreign key names an unknown table or
 * column, a relationship cannot be resolved (its target is missing, ...),
 * or foreign keys form a cycle (the message names its tables:
 * "b -> c -> b"). A table referring to itself needs no order. Ties keep
 * registration order, as in SQLAlchemy. *out is borrowed, valid until the
 * metadata changes. Safe to call from several threads at once. */
int orm_metadata_sorted(const orm_model *const **out, size_t *count, orm_metadata *metadata);

typedef struct orm_create_options {
	/* Skip tables (and enum types) that already exist, and on drop_all
	 * those that do not: SQLAlchemy's checkfirst=True, its default. */
	bool checkfirst;
} orm_create_options;

/* clang-format off */
#define ORM_CREATE_OPTIONS_INIT {true}
/* clang-format on */

/*
 * Creates every table, index and enum type, in dependency order, in one
 * transaction where the database allows DDL in transactions (both do).
 * On error nothing is created and the message names the table and keeps
 * the database's reason:
 *     create_all: table 'events': relation "events" already exists
 * `options` may be NULL. With echo on, the existence checks and every
 * statement show as SQLAlchemy's echo shows them.
 */
int orm_metadata_create_all(orm_metadata *metadata, orm_engine *engine,
                            const orm_create_options *options);

/* Drops them all, in reverse dependency order (enum types last), in one
 * transaction; errors as for create_all ("drop_all: table ..."). */
int orm_metadata_drop_all(orm_metadata *metadata, orm_engine *engine,
                          const orm_create_options *options);

/*
 * The CREATE statements create_all would run on `engine`'s database (no
 * connection is made): each followed by ";\n", a blank line between
 * them - a script psql or sqlite3 can run. The caller owns *out
 * (orm_free). Used by the golden tests and by migrations (chapter 7).
 */
int orm_metadata_create_sql(char **out, orm_metadata *metadata, orm_engine *engine);

#ifdef __cplusplus
}
#endif

#endif
