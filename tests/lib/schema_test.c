/*
 * schema_test.c - models, metadata, create_all and drop_all (chapters 3
 * and 5), on SQLite and on PostgreSQL from this one source.
 *
 * The DDL is compared with golden files, cases/ddl/<case>/<database>.sql,
 * which are SQLAlchemy's own output for the same models (written by
 * cases/ddl/from_sqlalchemy.py): the library must write what SQLAlchemy
 * writes, character for character. The golden tests need no server: only
 * the engine's dialect is used. The rest runs create_all and drop_all on
 * an empty database and looks at what the database then holds, or checks
 * that a bad declaration is refused with a message naming what is wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "orm/schema.h"
#include "testdb.h"
#include "writeup_schema.h"

/* ---- every column type and option -------------------------------------- */

typedef struct Thing {
	int64_t id;
	int32_t count;
	int64_t big;
	char *name;
	char *note;
	char *body;
	bool done;
	double score;
	orm_date born;
	orm_datetime seen;
	char *code;
} Thing;

static const orm_column thing_columns[] = {
    ORM_COLUMN(Thing, id, ORM_BIGINTEGER, .primary_key = true),
    ORM_COLUMN(Thing, count, ORM_INTEGER, .nullable = ORM_NULLABLE_NO, .server_default = "0"),
    ORM_COLUMN(Thing, big, ORM_BIGINTEGER, .nullable = ORM_NULLABLE_AUTO),
    ORM_COLUMN(Thing, name, ORM_STRING, .length = 50, .nullable = ORM_NULLABLE_NO),
    /* A client-side default is the session's business: not in the DDL. */
    ORM_COLUMN(Thing, note, ORM_STRING, .default_sql = "'none'"),
    ORM_COLUMN(Thing, body, ORM_TEXT, .nullable = ORM_NULLABLE_AUTO),
    ORM_COLUMN(Thing, done, ORM_BOOLEAN, .nullable = ORM_NULLABLE_NO, .server_default = "false"),
    ORM_COLUMN(Thing, score, ORM_FLOAT, .nullable = ORM_NULLABLE_AUTO),
    ORM_COLUMN(Thing, born, ORM_DATE, .nullable = ORM_NULLABLE_AUTO),
    ORM_COLUMN(Thing, seen, ORM_DATETIME, .server_default = "CURRENT_TIMESTAMP"),
    ORM_COLUMN(Thing, code, ORM_STRING, .length = 8, .unique = true),
};
static const orm_model Thing_model = ORM_MODEL(Thing, "things", thing_columns);

/* ---- which keys are generated ------------------------------------------ */

typedef struct Key {
	int64_t id;
} Key;

typedef struct Coded {
	char *code;
} Coded;

static const orm_column plain_columns[] = {
    ORM_COLUMN(Key, id, ORM_INTEGER, .primary_key = true, .autoincrement = ORM_AUTOINCREMENT_NO),
};
static const orm_column server_columns[] = {
    ORM_COLUMN(Key, id, ORM_INTEGER, .primary_key = true, .server_default = "1"),
};
static const orm_column client_columns[] = {
    ORM_COLUMN(Key, id, ORM_INTEGER, .primary_key = true, .autoincrement = ORM_AUTOINCREMENT_YES,
               .default_sql = "5"),
};
static const orm_column coded_columns[] = {
    ORM_COLUMN(Coded, code, ORM_STRING, .length = 10, .primary_key = true),
};
static const orm_column copied_columns[] = {
    ORM_COLUMN(Key, id, ORM_INTEGER, .primary_key = true, .foreign_key = "plain.id"),
};
static const orm_column forced_columns[] = {
    ORM_COLUMN(Key, id, ORM_INTEGER, .primary_key = true, .foreign_key = "plain.id",
               .autoincrement = ORM_AUTOINCREMENT_YES),
};
static const orm_column big_columns[] = {
    ORM_COLUMN(Key, id, ORM_BIGINTEGER, .primary_key = true,
               .autoincrement = ORM_AUTOINCREMENT_YES),
};
static const orm_model key_models[] = {
    ORM_MODEL(Key, "plain", plain_columns),   ORM_MODEL(Key, "server", server_columns),
    ORM_MODEL(Key, "client", client_columns), ORM_MODEL(Coded, "coded", coded_columns),
    ORM_MODEL(Key, "copied", copied_columns), ORM_MODEL(Key, "forced", forced_columns),
    ORM_MODEL(Key, "big", big_columns),
};

/* ---- composite keys, constraints and indexes --------------------------- */

typedef struct Account {
	int64_t id;
	char *email;
} Account;

static const orm_column account_columns[] = {
    ORM_COLUMN(Account, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Account, email, ORM_STRING, .unique = true),
};
static const orm_model Account_model = ORM_MODEL(Account, "users", account_columns);

typedef struct Membership {
	int64_t user_id;
	char *group_name;
	int64_t rank;
	char *first;
	char *last;
} Membership;

static const orm_column membership_columns[] = {
    ORM_COLUMN(Membership, user_id, ORM_INTEGER, .primary_key = true, .foreign_key = "users.id",
               .on_delete = ORM_FK_CASCADE),
    ORM_COLUMN(Membership, group_name, ORM_STRING, .length = 40, .primary_key = true),
    ORM_COLUMN(Membership, rank, ORM_INTEGER, .foreign_key = "users.id",
               .on_delete = ORM_FK_SET_NULL),
    ORM_COLUMN(Membership, first, ORM_STRING, .nullable = ORM_NULLABLE_AUTO),
    ORM_COLUMN(Membership, last, ORM_STRING, .nullable = ORM_NULLABLE_AUTO),
};
static const orm_constraint membership_constraints[] = {
    {ORM_UNIQUE_CONSTRAINT, NULL, "first,last"},
    {ORM_INDEX, "ix_memberships_last_first", "last, first"},
    {ORM_UNIQUE_INDEX, "uix_rank_group", "rank, group_name"},
    {ORM_CHECK_CONSTRAINT, NULL, "rank > 0"},
};
static const orm_model Membership_model = ORM_MODEL_WITH_CONSTRAINTS(
    Membership, "memberships", membership_columns, membership_constraints);

/* ---- a naming convention for every kind ------------------------------- */

typedef struct Member {
	int64_t id;
	char *email;
	char *nick;
} Member;

static const orm_column member_columns[] = {
    ORM_COLUMN(Member, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Member, email, ORM_STRING, .unique = true),
    ORM_COLUMN(Member, nick, ORM_STRING, .index = true),
};
static const orm_constraint member_constraints[] = {{ORM_INDEX, NULL, "email"}};
static const orm_model Member_model =
    ORM_MODEL_WITH_CONSTRAINTS(Member, "users", member_columns, member_constraints);

typedef struct Gathering {
	int64_t id;
	char *title;
	SocialStatus social_status;
	int64_t organizer_id;
} Gathering;

static const orm_column gathering_columns[] = {
    ORM_COLUMN(Gathering, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Gathering, title, ORM_STRING, .index = true),
    ORM_COLUMN(Gathering, social_status, ORM_ENUM, .enum_type = &social_status_enum),
    ORM_COLUMN(Gathering, organizer_id, ORM_INTEGER, .foreign_key = "users.id"),
};
static const orm_constraint gathering_constraints[] = {
    {ORM_CHECK_CONSTRAINT, "positive_id", "id > 0"}};
static const orm_model Gathering_model =
    ORM_MODEL_WITH_CONSTRAINTS(Gathering, "events", gathering_columns, gathering_constraints);

static const orm_metadata_options naming_options = {
    .ix = "ix_%(table_name)s_%(column_0_name)s",
    .uq = "uq_%(table_name)s_%(column_0_name)s",
    .ck = "ck_%(table_name)s_%(constraint_name)s",
    .fk = "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    .pk = "pk_%(table_name)s",
};

/* ---- helpers ----------------------------------------------------------- */

/* Fails the test with `message` unless rc is ORM_OK. */
static void ok(int rc, const char *what, const char *message)
{
	if (rc < 0)
		fail_msg("%s: %s (%s)", what, message, orm_strerror(rc));
}

/* Metadata holding `models`, in that order. */
static orm_metadata *metadata_of(const orm_metadata_options *options,
                                 const orm_model *const *models, size_t n)
{
	orm_metadata *md;

	ok(orm_metadata_new(&md, options), "metadata_new", orm_error_last());
	for (size_t i = 0; i < n; i++)
		ok(orm_metadata_add(md, models[i]), "metadata_add", orm_metadata_errmsg(md));
	return md;
}

static orm_metadata *writeup_metadata(void)
{
	const orm_model *models[] = {&User_model, &Event_model};
	return metadata_of(NULL, models, 2);
}

/* An engine of the database under test that never connects: enough for
 * orm_metadata_create_sql, which only needs the dialect. */
static orm_engine *offline_engine(void)
{
	orm_engine *engine;
	const char *url = orm_test_is_postgres() ? "postgresql://orm@/ormtest?host=/nonexistent"
	                                         : "sqlite:///:memory:";

	ok(orm_create_engine(&engine, url, NULL), "create_engine", orm_error_last());
	return engine;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text;
	long size;

	if (!f)
		fail_msg("cannot open golden file %s", path);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = malloc((size_t)size + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
	text[size] = '\0';
	fclose(f);
	return text;
}

/* cases/ddl/<name>/<database>.sql */
static char *golden(const char *name)
{
	char path[512];

	snprintf(path, sizeof path, "%s/%s/%s.sql", ORM_DDL_CASES, name, orm_test_database());
	return read_file(path);
}

/* create_sql of `md` equals the golden file `name`. */
static void assert_ddl_matches(orm_metadata *md, const char *name)
{
	orm_engine *engine = offline_engine();
	char *expected = golden(name);
	char *sql = NULL;

	ok(orm_metadata_create_sql(&sql, md, engine), "create_sql", orm_metadata_errmsg(md));
	assert_string_equal(sql, expected);
	orm_free(sql);
	free(expected);
	orm_engine_free(engine);
}

/* The one row's first column of a query, as text (a copy), or NULL if
 * there is no row. */
static char *query_text(orm_engine *engine, const char *sql, const char *param)
{
	orm_conn *conn;
	orm_result *res;
	orm_value value = orm_text(param);
	char *text = NULL;

	ok(orm_engine_connect(&conn, engine), "connect", orm_errmsg(engine));
	ok(orm_conn_execute(&res, conn, sql, &value, param ? 1 : 0), sql, orm_conn_errmsg(conn));
	if (orm_result_next(res) == ORM_ROW)
		text = strdup(orm_result_text(res, 0));
	orm_result_free(res);
	orm_conn_close(conn);
	return text;
}

static bool has_table(orm_engine *engine, const char *name)
{
	char *found = query_text(engine,
	                         orm_test_is_postgres()
	                             ? "SELECT table_name FROM information_schema.tables WHERE "
	                               "table_schema = current_schema() AND table_name = ?"
	                             : "SELECT name FROM sqlite_master WHERE type = 'table' AND "
	                               "name = ?",
	                         name);
	free(found);
	return found != NULL;
}

static bool has_index(orm_engine *engine, const char *name)
{
	char *found = query_text(engine,
	                         orm_test_is_postgres()
	                             ? "SELECT indexname FROM pg_indexes WHERE schemaname = "
	                               "current_schema() AND indexname = ?"
	                             : "SELECT name FROM sqlite_master WHERE type = 'index' AND "
	                               "name = ?",
	                         name);
	free(found);
	return found != NULL;
}

static bool has_enum_type(orm_engine *engine, const char *name)
{
	char *found = query_text(engine, "SELECT typname FROM pg_type WHERE typname = ?", name);
	free(found);
	return found != NULL;
}

/* The names PostgreSQL gave the constraints of `table`, "a,b,c" sorted. */
static char *pg_constraint_names(orm_engine *engine, const char *table)
{
	return query_text(engine,
	                  "SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint "
	                  "WHERE conrelid = CAST(? AS regclass)",
	                  table);
}

/* An engine on the empty test database whose echo goes to a memory
 * stream (*echo, *text). */
static orm_engine *echo_engine(FILE **echo, char **text, size_t *size)
{
	orm_engine_options options = ORM_ENGINE_OPTIONS_INIT;

	*echo = open_memstream(text, size);
	assert_non_null(*echo);
	options.echo = true;
	options.echo_stream = *echo;
	return orm_test_engine(&options);
}

/* Runs one statement; returns its code and copies its message. */
static int try_sql(orm_engine *engine, const char *sql, char *message, size_t size)
{
	orm_conn *conn;
	int rc;

	ok(orm_engine_connect(&conn, engine), "connect", orm_errmsg(engine));
	rc = orm_conn_execute(NULL, conn, sql, NULL, 0);
	snprintf(message, size, "%s", orm_conn_errmsg(conn));
	orm_conn_close(conn);
	return rc;
}

/* ---- DDL golden files: SQLAlchemy's words ------------------------------ */

static void ddl__writeup_models_match_sqlalchemy(void **state)
{
	orm_metadata *md = writeup_metadata();

	(void)state;
	assert_ddl_matches(md, "writeup");
	orm_metadata_free(md);
}

static void ddl__every_column_type_and_option_matches_sqlalchemy(void **state)
{
	const orm_model *models[] = {&Thing_model};
	orm_metadata *md = metadata_of(NULL, models, 1);

	(void)state;
	assert_ddl_matches(md, "types");
	orm_metadata_free(md);
}

/* SQLAlchemy's rule for which key the database generates: a lone integer
 * key, unless told not to, or it has a default, a server default or a
 * foreign key of its own - and on PostgreSQL a client default means no
 * SERIAL even when told to. */
static void ddl__generated_keys_follow_sqlalchemys_rule(void **state)
{
	const orm_model *models[ORM_COUNTOF(key_models)];
	orm_metadata *md;

	(void)state;
	for (size_t i = 0; i < ORM_COUNTOF(key_models); i++)
		models[i] = &key_models[i];
	md = metadata_of(NULL, models, ORM_COUNTOF(key_models));
	assert_ddl_matches(md, "keys");
	orm_metadata_free(md);
}

static void ddl__composite_keys_constraints_and_indexes_match_sqlalchemy(void **state)
{
	const orm_model *models[] = {&Account_model, &Membership_model};
	orm_metadata *md = metadata_of(NULL, models, 2);

	(void)state;
	assert_ddl_matches(md, "composite");
	orm_metadata_free(md);
}

static void ddl__naming_convention_names_every_constraint(void **state)
{
	const orm_model *models[] = {&Member_model, &Gathering_model};
	orm_metadata *md = metadata_of(&naming_options, models, 2);

	(void)state;
	assert_ddl_matches(md, "naming");
	orm_metadata_free(md);
}

static void ddl__models_added_in_reverse_order_come_out_in_dependency_order(void **state)
{
	const orm_model *models[] = {&Event_model, &User_model};
	orm_metadata *md = metadata_of(NULL, models, 2);
	const orm_model *const *sorted;
	size_t n;

	(void)state;
	ok(orm_metadata_sorted(&sorted, &n, md), "sorted", orm_metadata_errmsg(md));
	assert_int_equal(n, 2);
	assert_ptr_equal(sorted[0], &User_model);
	assert_ptr_equal(sorted[1], &Event_model);
	assert_ddl_matches(md, "writeup");
	orm_metadata_free(md);
}

/* The imperative style: the same tables built at run time, with no
 * struct behind them. */
static void ddl__imperative_models_give_the_same_ddl(void **state)
{
	orm_model *users, *events;
	orm_metadata *md;
	const orm_column id = {.name = "id", .type = ORM_INTEGER, .primary_key = true};
	const orm_column email = {
	    .name = "email", .type = ORM_STRING, .unique = true, .index = true};
	const orm_column title = {.name = "title", .type = ORM_STRING, .index = true};
	const orm_column date_of = {.name = "date_of", .type = ORM_DATE};
	const orm_column status = {
	    .name = "social_status", .type = ORM_ENUM, .enum_type = &social_status_enum};
	const orm_column organizer = {
	    .name = "organizer_id", .type = ORM_INTEGER, .foreign_key = "users.id"};

	(void)state;
	ok(orm_model_new(&users, "User", "users", 0), "model_new", orm_error_last());
	ok(orm_model_new(&events, "Event", "events", 0), "model_new", orm_error_last());
	ok(orm_model_add_column(users, &id), "add_column", orm_error_last());
	ok(orm_model_add_column(users, &email), "add_column", orm_error_last());
	ok(orm_model_add_column(events, &id), "add_column", orm_error_last());
	ok(orm_model_add_column(events, &title), "add_column", orm_error_last());
	ok(orm_model_add_column(events, &date_of), "add_column", orm_error_last());
	ok(orm_model_add_column(events, &status), "add_column", orm_error_last());
	ok(orm_model_add_column(events, &organizer), "add_column", orm_error_last());
	assert_int_equal(orm_model_add_column(events, &title), ORM_EINVAL);
	assert_string_equal(orm_error_last(), "model Event: column 'title' is declared twice");
	assert_ptr_equal(orm_model_column(events, "title"), &events->columns[1]);
	assert_null(orm_model_column(events, "nope"));

	ok(orm_metadata_new(&md, NULL), "metadata_new", orm_error_last());
	ok(orm_metadata_add(md, users), "add", orm_metadata_errmsg(md));
	ok(orm_metadata_add(md, events), "add", orm_metadata_errmsg(md));
	assert_ddl_matches(md, "writeup");
	orm_metadata_free(md);
	orm_model_free(events);
	orm_model_free(users);
}

/* The hybrid style: the struct declared in C, the table built at run
 * time; field sizes are checked as for a declared model. */
static void ddl__hybrid_models_check_their_fields(void **state)
{
	orm_model *users;
	const orm_column id = ORM_COLUMN(User, id, ORM_INTEGER, .primary_key = true);
	const orm_column email = ORM_COLUMN(User, email, ORM_STRING, .unique = true, .index = true);
	const orm_column wrong = ORM_COLUMN(User, id, ORM_DATE, .nullable = ORM_NULLABLE_AUTO);
	const orm_constraint unknown = {ORM_UNIQUE_CONSTRAINT, NULL, "email, age"};

	(void)state;
	ok(orm_model_new(&users, "User", "users", sizeof(User)), "model_new", orm_error_last());
	ok(orm_model_add_column(users, &id), "add_column", orm_error_last());
	ok(orm_model_add_column(users, &email), "add_column", orm_error_last());
	assert_int_equal(orm_model_add_column(users, &wrong), ORM_EINVAL);
	assert_string_equal(
	    orm_error_last(),
	    "model User: column 'id': field size 8 does not fit ORM_DATE (orm_date)");
	assert_int_equal(orm_model_add_constraint(users, &unknown), ORM_EINVAL);
	assert_string_equal(
	    orm_error_last(),
	    "model User: constraint 0 (email, age): no column 'age' in table 'users'");
	assert_int_equal(users->ncolumns, 2);
	assert_int_equal(users->nconstraints, 0);
	orm_model_free(users);
	assert_int_equal(orm_model_new(&users, "User", "bad name", 0), ORM_EINVAL);
	assert_null(users);
}

static void ddl__self_referencing_foreign_key_needs_no_order(void **state)
{
	typedef struct Employee {
		int64_t id;
		int64_t manager_id;
	} Employee;
	static const orm_column columns[] = {
	    ORM_COLUMN(Employee, id, ORM_INTEGER, .primary_key = true),
	    ORM_COLUMN(Employee, manager_id, ORM_INTEGER, .foreign_key = "employees.id"),
	};
	static const orm_model Employee_model = ORM_MODEL(Employee, "employees", columns);
	const orm_model *models[] = {&Employee_model};
	orm_metadata *md = metadata_of(NULL, models, 1);
	orm_engine *engine = offline_engine();
	char *sql;

	(void)state;
	ok(orm_metadata_create_sql(&sql, md, engine), "create_sql", orm_metadata_errmsg(md));
	assert_non_null(strstr(sql, "\tFOREIGN KEY(manager_id) REFERENCES employees (id)\n)"));
	orm_free(sql);
	orm_engine_free(engine);
	orm_metadata_free(md);
}

/* A template needing %(constraint_name)s cannot name a constraint that
 * has no name of its own (SQLAlchemy refuses it too). */
static void ddl__convention_needing_a_name_refuses_an_unnamed_constraint(void **state)
{
	orm_metadata_options options = ORM_METADATA_OPTIONS_INIT;
	orm_metadata *md;
	orm_engine *engine = offline_engine();
	const orm_model *models[] = {&Account_model};
	char *sql = NULL;

	(void)state;
	options.uq = "uq_%(constraint_name)s";
	md = metadata_of(&options, models, 1);
	assert_int_equal(orm_metadata_create_sql(&sql, md, engine), ORM_EINVAL);
	assert_null(sql);
	assert_string_equal(orm_metadata_errmsg(md),
	                    "table 'users': naming convention 'uq_%(constraint_name)s' needs "
	                    "%(constraint_name)s, but the constraint has no name");
	orm_metadata_free(md);
	orm_engine_free(engine);
}

static void metadata__unknown_naming_token_is_refused(void **state)
{
	orm_metadata_options options = ORM_METADATA_OPTIONS_INIT;
	orm_metadata *md = NULL;

	(void)state;
	options.fk = "fk_%(table)s";
	assert_int_equal(orm_metadata_new(&md, &options), ORM_EINVAL);
	assert_null(md);
	assert_string_equal(orm_error_last(),
	                    "naming convention fk 'fk_%(table)s': unknown token %(table)s");
}

/* ---- registration errors ------------------------------------------------ */

typedef struct Bad {
	int32_t number;
	char *text;
	int64_t id;
} Bad;

static const orm_column bad_field_size[] = {
    ORM_COLUMN(Bad, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Bad, number, ORM_STRING, .unique = true),
};
static const orm_column bad_no_pk[] = {
    ORM_COLUMN(Bad, id, ORM_INTEGER, .nullable = ORM_NULLABLE_NO),
};
static const char *const no_labels[] = {NULL};
static const orm_enum empty_enum = {"socialstatus", no_labels, 0};
static const orm_column bad_empty_enum[] = {
    ORM_COLUMN(Bad, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Bad, number, ORM_ENUM, .enum_type = &empty_enum),
};
static const orm_column bad_negative_length[] = {
    ORM_COLUMN(Bad, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Bad, text, ORM_STRING, .length = -1),
};
static const orm_column bad_autoincrement[] = {
    ORM_COLUMN(Bad, text, ORM_STRING, .primary_key = true, .autoincrement = ORM_AUTOINCREMENT_YES),
};
static const orm_column bad_duplicate_column[] = {
    ORM_COLUMN(Bad, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Bad, id, ORM_INTEGER, .nullable = ORM_NULLABLE_AUTO),
};
static const orm_column bad_foreign_key[] = {
    ORM_COLUMN(Bad, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Bad, number, ORM_INTEGER, .foreign_key = "users"),
};
static const orm_column bad_enum_without_type[] = {
    ORM_COLUMN(Bad, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Bad, number, ORM_ENUM, .nullable = ORM_NULLABLE_AUTO),
};
static const orm_column bad_nullable_key[] = {
    ORM_COLUMN(Bad, id, ORM_INTEGER, .primary_key = true, .nullable = ORM_NULLABLE_YES),
};
static const orm_column good_columns[] = {
    ORM_COLUMN(Bad, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Bad, text, ORM_STRING, .nullable = ORM_NULLABLE_AUTO),
};
static const orm_constraint bad_constraint_column[] = {{ORM_UNIQUE_CONSTRAINT, NULL, "text, nope"}};

static void metadata__bad_declarations_are_refused_with_what_is_wrong(void **state)
{
	static const struct {
		orm_model model;
		const char *message;
	} cases[] = {
	    {ORM_MODEL(Bad, "users", bad_field_size),
	     "model Bad: column 'number': field size 4 does not fit ORM_STRING (char *)"},
	    {ORM_MODEL(Bad, "events", bad_no_pk), "model Bad: no primary key"},
	    {ORM_MODEL(Bad, "events", bad_empty_enum),
	     "model Bad: column 'number': enum 'socialstatus' has no labels"},
	    {ORM_MODEL(Bad, "users", bad_negative_length),
	     "model Bad: column 'text': String length -1 is negative"},
	    {ORM_MODEL(Bad, "codes", bad_autoincrement),
	     "model Bad: column 'text': autoincrement needs an integer primary key, not ORM_STRING"},
	    {ORM_MODEL(Bad, "bad", bad_duplicate_column),
	     "model Bad: column 'id' is declared twice"},
	    {ORM_MODEL(Bad, "bad", bad_foreign_key),
	     "model Bad: column 'number': foreign key 'users' is not \"table.column\""},
	    {ORM_MODEL(Bad, "bad", bad_enum_without_type),
	     "model Bad: column 'number': ORM_ENUM needs .enum_type"},
	    {ORM_MODEL(Bad, "bad", bad_nullable_key),
	     "model Bad: column 'id': a primary key cannot be nullable"},
	    {ORM_MODEL(Bad, "bad table", good_columns),
	     "model Bad: table name 'bad table' is not a plain lower-case SQL name (a-z, 0-9 and "
	     "'_')"},
	    {ORM_MODEL(Bad, "Users", good_columns),
	     "model Bad: table name 'Users' is not a plain lower-case SQL name (a-z, 0-9 and '_')"},
	    {ORM_MODEL_WITH_CONSTRAINTS(Bad, "bad", good_columns, bad_constraint_column),
	     "model Bad: constraint 0 (text, nope): no column 'nope' in table 'bad'"},
	    {ORM_MODEL(User, "users", user_columns),
	     "model User: table 'users' is already registered (model User)"},
	};
	orm_metadata *md;

	(void)state;
	ok(orm_metadata_new(&md, NULL), "metadata_new", orm_error_last());
	ok(orm_metadata_add(md, &User_model), "add", orm_metadata_errmsg(md));
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = orm_metadata_add(md, &cases[i].model);

		if (rc != ORM_EINVAL)
			fail_msg("case %zu: expected ORM_EINVAL (%s), got %s", i, cases[i].message,
			         orm_strerror(rc));
		assert_string_equal(orm_metadata_errmsg(md), cases[i].message);
		assert_string_equal(orm_error_last(), cases[i].message);
	}
	/* Nothing of the refused models was registered. */
	assert_ptr_equal(orm_metadata_model(md, "users"), &User_model);
	assert_null(orm_metadata_model(md, "events"));
	assert_null(orm_metadata_model(md, "bad"));
	orm_metadata_free(md);
}

static void metadata__same_enum_name_with_other_labels_is_refused(void **state)
{
	static const char *const labels[] = {"public", "secret"};
	static const orm_enum other = {"socialstatus", labels, 2};
	static const orm_column columns[] = {
	    ORM_COLUMN(Bad, id, ORM_INTEGER, .primary_key = true),
	    ORM_COLUMN(Bad, number, ORM_ENUM, .enum_type = &other),
	};
	static const orm_model model = ORM_MODEL(Bad, "bad", columns);
	orm_metadata *md = writeup_metadata();

	(void)state;
	assert_int_equal(orm_metadata_add(md, &model), ORM_EINVAL);
	assert_string_equal(orm_metadata_errmsg(md),
	                    "model Bad: column 'number': enum type 'socialstatus' has other labels "
	                    "than in model Event, column 'social_status'");
	orm_metadata_free(md);
}

static void metadata__unknown_foreign_key_table_is_reported_when_sorting(void **state)
{
	static const orm_column columns[] = {
	    ORM_COLUMN(Event, id, ORM_INTEGER, .primary_key = true),
	    ORM_COLUMN(Event, organizer_id, ORM_INTEGER, .foreign_key = "user.id"),
	};
	static const orm_model model = ORM_MODEL(Event, "events", columns);
	static const orm_column columns2[] = {
	    ORM_COLUMN(Event, id, ORM_INTEGER, .primary_key = true),
	    ORM_COLUMN(Event, organizer_id, ORM_INTEGER, .foreign_key = "users.uid"),
	};
	static const orm_model model2 = ORM_MODEL(Event, "events", columns2);
	const orm_model *models[] = {&User_model, &model};
	const orm_model *models2[] = {&User_model, &model2};
	orm_metadata *md = metadata_of(NULL, models, 2);
	const orm_model *const *sorted;
	size_t n;

	(void)state;
	assert_int_equal(orm_metadata_sorted(&sorted, &n, md), ORM_EINVAL);
	assert_string_equal(orm_metadata_errmsg(md),
	                    "model Event: column 'organizer_id': foreign key 'user.id' names an "
	                    "unknown table 'user'");
	orm_metadata_free(md);

	md = metadata_of(NULL, models2, 2);
	assert_int_equal(orm_metadata_sorted(&sorted, &n, md), ORM_EINVAL);
	assert_string_equal(orm_metadata_errmsg(md),
	                    "model Event: column 'organizer_id': foreign key 'users.uid' names an "
	                    "unknown column 'uid' of table 'users'");
	orm_metadata_free(md);
}

static void metadata__foreign_key_cycle_is_an_error_naming_the_tables(void **state)
{
	typedef struct Node {
		int64_t id;
		int64_t other_id;
	} Node;
	static const orm_column a_columns[] = {
	    ORM_COLUMN(Node, id, ORM_INTEGER, .primary_key = true),
	    ORM_COLUMN(Node, other_id, ORM_INTEGER, .foreign_key = "b.id"),
	};
	static const orm_column b_columns[] = {
	    ORM_COLUMN(Node, id, ORM_INTEGER, .primary_key = true),
	    ORM_COLUMN(Node, other_id, ORM_INTEGER, .foreign_key = "c.id"),
	};
	static const orm_column c_columns[] = {
	    ORM_COLUMN(Node, id, ORM_INTEGER, .primary_key = true),
	    ORM_COLUMN(Node, other_id, ORM_INTEGER, .foreign_key = "b.id"),
	};
	static const orm_model a = ORM_MODEL(Node, "a", a_columns);
	static const orm_model b = ORM_MODEL(Node, "b", b_columns);
	static const orm_model c = ORM_MODEL(Node, "c", c_columns);
	const orm_model *models[] = {&User_model, &a, &b, &c};
	orm_metadata *md = metadata_of(NULL, models, 4);
	const orm_model *const *sorted;
	orm_engine *engine = offline_engine();
	char *sql = NULL;
	size_t n;

	(void)state;
	/* a is not in the cycle, it only depends on it: the message names
	 * exactly the tables that go round. */
	assert_int_equal(orm_metadata_sorted(&sorted, &n, md), ORM_EINVAL);
	assert_string_equal(orm_metadata_errmsg(md),
	                    "the foreign keys of tables form a cycle, so no order can create them: "
	                    "b -> c -> b");
	assert_int_equal(orm_metadata_create_sql(&sql, md, engine), ORM_EINVAL);
	assert_null(sql);
	orm_engine_free(engine);
	orm_metadata_free(md);
}

/* ---- out of memory ------------------------------------------------------ */

static long allocations, fail_at;

static void *failing_realloc(void *ptr, size_t size, void *ctx)
{
	(void)ctx;
	if (++allocations == fail_at)
		return NULL;
	return realloc(ptr, size);
}

static void plain_free(void *ptr, void *ctx)
{
	(void)ctx;
	free(ptr);
}

/* Registering models and writing their DDL, with the Nth allocation
 * failing for N = 1, 2, ...: ORM_ENOMEM each time, and nothing leaks
 * (AddressSanitizer would say). */
static void ddl__out_of_memory_anywhere_is_an_error_not_a_crash(void **state)
{
	orm_engine *engine = offline_engine();
	const orm_model *models[] = {&Member_model, &Gathering_model};
	bool done = false;

	(void)state;
	for (fail_at = 1; !done && fail_at < 10000; fail_at++) {
		orm_metadata *md = NULL;
		char *sql = NULL;
		int rc;

		allocations = 0;
		orm_set_allocator(failing_realloc, plain_free, NULL);
		rc = orm_metadata_new(&md, &naming_options);
		for (size_t i = 0; rc == ORM_OK && i < 2; i++)
			rc = orm_metadata_add(md, models[i]);
		if (rc == ORM_OK)
			rc = orm_metadata_create_sql(&sql, md, engine);
		orm_set_allocator(NULL, NULL, NULL);
		if (rc == ORM_OK)
			done = allocations < fail_at;
		else if (rc != ORM_ENOMEM)
			fail_msg("allocation %ld failing gave %s: %s", fail_at, orm_strerror(rc),
			         orm_error_last());
		orm_free(sql);
		orm_metadata_free(md);
	}
	assert_true(done);
	orm_engine_free(engine);
}

/* ---- create_all and drop_all on a real database ------------------------ */

static void create_all__creates_tables_indexes_and_enum_type(void **state)
{
	orm_engine *engine = orm_test_engine(NULL);
	orm_metadata *md = writeup_metadata();

	(void)state;
	ok(orm_metadata_create_all(md, engine, NULL), "create_all", orm_metadata_errmsg(md));
	assert_true(has_table(engine, "users"));
	assert_true(has_table(engine, "events"));
	assert_true(has_index(engine, "ix_users_email"));
	assert_true(has_index(engine, "ix_events_title"));
	if (orm_test_is_postgres())
		assert_true(has_enum_type(engine, "socialstatus"));
	orm_test_exec(engine, "INSERT INTO users (email) VALUES ('ada@example.com')");
	orm_test_exec(engine, "INSERT INTO events (title, date_of, social_status, organizer_id) "
	                      "VALUES ('launch', '2024-06-21', 'public', 1)");
	orm_metadata_free(md);
	orm_engine_free(engine);
}

/* On SQLite the database keeps each CREATE TABLE's text as it was sent:
 * it is SQLAlchemy's, golden file and all. */
static void create_all__sqlite_keeps_the_ddl_as_sent(void **state)
{
	orm_engine *engine;
	orm_metadata *md;
	char *sql, *expected, *start, *end;

	(void)state;
	if (orm_test_is_postgres())
		skip();
	engine = orm_test_engine(NULL);
	md = writeup_metadata();
	ok(orm_metadata_create_all(md, engine, NULL), "create_all", orm_metadata_errmsg(md));
	sql = query_text(engine, "SELECT sql FROM sqlite_master WHERE name = ?", "events");
	expected = golden("writeup");
	start = strstr(expected, "CREATE TABLE events");
	end = strstr(start, ");");
	end[1] = '\0';
	assert_string_equal(sql, start);
	free(sql);
	free(expected);
	orm_metadata_free(md);
	orm_engine_free(engine);
}

static void create_all__is_idempotent_with_checkfirst(void **state)
{
	FILE *echo;
	char *text = NULL;
	size_t size = 0;
	orm_engine *engine = echo_engine(&echo, &text, &size);
	orm_metadata *md = writeup_metadata();
	long first_run;

	(void)state;
	ok(orm_metadata_create_all(md, engine, NULL), "create_all", orm_metadata_errmsg(md));
	fflush(echo);
	first_run = (long)size;
	assert_non_null(strstr(text, "[orm] CREATE TABLE users (\n\tid "));
	ok(orm_metadata_create_all(md, engine, NULL), "create_all again", orm_metadata_errmsg(md));
	fflush(echo);
	/* The second run only looked: no CREATE at all. */
	assert_null(strstr(text + first_run, "CREATE"));
	assert_non_null(strstr(text + first_run, "[orm] COMMIT\n"));
	fclose(echo);
	free(text);
	orm_metadata_free(md);
	orm_engine_free(engine);
}

/* What echo shows is each statement as SQLAlchemy's echo shows it, in one
 * transaction: the existence checks, then the DDL, then COMMIT. */
static void create_all__echo_shows_the_checks_and_the_ddl_in_one_transaction(void **state)
{
	FILE *echo;
	char *text = NULL, *expected;
	size_t size = 0;
	orm_engine *engine = echo_engine(&echo, &text, &size);
	orm_metadata *md = writeup_metadata();
	const char *check, *p;
	char *statement;

	(void)state;
	ok(orm_metadata_create_all(md, engine, NULL), "create_all", orm_metadata_errmsg(md));
	fflush(echo);
	check = orm_test_is_postgres()
	            ? "[orm] SELECT table_name FROM information_schema.tables "
	              "WHERE table_schema = current_schema() AND table_name = $1\n"
	              "[orm] [generated] ('users',)\n"
	            : "[orm] SELECT name FROM sqlite_master WHERE type = 'table' "
	              "AND name = ?\n[orm] [generated] ('users',)\n";
	assert_true(strncmp(text, "[orm] BEGIN (implicit)\n", 23) == 0);
	assert_true(strncmp(text + 23, check, strlen(check)) == 0);
	/* Every golden statement, in order, each on "[orm] " and followed
	 * by its (empty) parameters. */
	expected = golden("writeup");
	p = text;
	for (statement = strtok(expected, ";"); statement; statement = strtok(NULL, ";")) {
		char line[2048];

		while (*statement == '\n')
			statement++;
		if (!*statement)
			continue;
		snprintf(line, sizeof line, "[orm] %s\n[orm] [generated] ()\n", statement);
		if (!(p = strstr(p, line)))
			fail_msg("echo lacks, in this order:\n%s\necho was:\n%s", line, text);
	}
	assert_string_equal(text + strlen(text) - strlen("[orm] COMMIT\n"), "[orm] COMMIT\n");
	free(expected);
	fclose(echo);
	free(text);
	orm_metadata_free(md);
	orm_engine_free(engine);
}

/* A table in the way, and no checkfirst: create_all fails on it, names it,
 * keeps the database's reason, and leaves nothing it created before. */
static void create_all__failure_rolls_back_everything_and_names_the_table(void **state)
{
	orm_engine *engine = orm_test_engine(NULL);
	orm_metadata *md = writeup_metadata();
	orm_create_options options = ORM_CREATE_OPTIONS_INIT;
	const char *reason;

	(void)state;
	orm_test_exec(engine, "CREATE TABLE events (id INTEGER)");
	options.checkfirst = false;
	assert_int_equal(orm_metadata_create_all(md, engine, &options), ORM_ESQL);
	reason = orm_test_is_postgres() ? "create_all: table 'events': relation \"events\" already "
	                                  "exists"
	                                : "create_all: table 'events': table events already exists";
	assert_string_equal(orm_metadata_errmsg(md), reason);
	assert_false(has_table(engine, "users"));
	assert_false(has_index(engine, "ix_users_email"));
	if (orm_test_is_postgres())
		assert_false(has_enum_type(engine, "socialstatus"));
	orm_metadata_free(md);
	orm_engine_free(engine);
}

static void create_all__unknown_foreign_key_fails_before_any_sql(void **state)
{
	FILE *echo;
	char *text = NULL;
	size_t size = 0;
	orm_engine *engine = echo_engine(&echo, &text, &size);
	const orm_model *models[] = {&Event_model};
	orm_metadata *md = metadata_of(NULL, models, 1);

	(void)state;
	assert_int_equal(orm_metadata_create_all(md, engine, NULL), ORM_EINVAL);
	assert_string_equal(orm_metadata_errmsg(md),
	                    "model Event: column 'organizer_id': foreign key 'users.id' names an "
	                    "unknown table 'users'");
	fflush(echo);
	assert_int_equal(size, 0);
	fclose(echo);
	free(text);
	orm_metadata_free(md);
	orm_engine_free(engine);
}

static void create_all__every_column_type_and_constraint_is_accepted(void **state)
{
	orm_engine *engine = orm_test_engine(NULL);
	const orm_model *models[3 + ORM_COUNTOF(key_models)] = {&Account_model, &Membership_model,
	                                                        &Thing_model};
	orm_metadata *md;
	char message[512], *count;

	(void)state;
	for (size_t i = 0; i < ORM_COUNTOF(key_models); i++)
		models[3 + i] = &key_models[i];
	md = metadata_of(NULL, models, ORM_COUNTOF(models));
	ok(orm_metadata_create_all(md, engine, NULL), "create_all", orm_metadata_errmsg(md));
	/* A generated key fills itself in. */
	orm_test_exec(engine, "INSERT INTO plain (id) VALUES (1)");
	orm_test_exec(engine, "INSERT INTO forced DEFAULT VALUES");
	/* Server defaults fill what the INSERT leaves out. */
	orm_test_exec(engine, "INSERT INTO things (id, name) VALUES (1, 'x')");
	count = query_text(engine, "SELECT count FROM things", NULL);
	assert_string_equal(count, "0");
	free(count);
	orm_test_exec(engine, "INSERT INTO users (id, email) VALUES (0, 'zero@example.com')");
	orm_test_exec(engine, "INSERT INTO users (id, email) VALUES (1, 'ada@example.com')");
	orm_test_exec(engine, "INSERT INTO memberships (user_id, group_name, rank, first, last) "
	                      "VALUES (1, 'chess', 1, 'Ada', 'Lovelace')");
	assert_int_equal(try_sql(engine,
	                         "INSERT INTO memberships (user_id, group_name, rank, first, last) "
	                         "VALUES (1, 'go', 1, 'Ada', 'Lovelace')",
	                         message, sizeof message),
	                 ORM_ECONSTRAINT);
	/* Rank 0 is a user (no foreign key error) but fails the CHECK. */
	assert_int_equal(try_sql(engine,
	                         "INSERT INTO memberships (user_id, group_name, rank) VALUES (1, "
	                         "'go', 0)",
	                         message, sizeof message),
	                 ORM_ECONSTRAINT);
	/* ON DELETE CASCADE takes the membership with the user. */
	orm_test_exec(engine, "DELETE FROM users");
	assert_null(query_text(engine, "SELECT group_name FROM memberships", NULL));
	orm_metadata_free(md);
	orm_engine_free(engine);
}

/* The database's own names where the DDL names nothing: on PostgreSQL
 * users_pkey, users_email_key, events_organizer_id_fkey, which is what
 * SQLAlchemy's tables get too. */
static void create_all__unnamed_constraints_get_the_database_names(void **state)
{
	orm_engine *engine;
	orm_metadata *md;
	const orm_model *models[] = {&Account_model, &Event_model};
	char *names;

	(void)state;
	if (!orm_test_is_postgres())
		skip(); /* SQLite keeps unnamed constraints unnamed */
	engine = orm_test_engine(NULL);
	md = metadata_of(NULL, models, 2);
	ok(orm_metadata_create_all(md, engine, NULL), "create_all", orm_metadata_errmsg(md));
	names = pg_constraint_names(engine, "users");
	assert_string_equal(names, "users_email_key,users_pkey");
	free(names);
	names = pg_constraint_names(engine, "events");
	assert_string_equal(names, "events_organizer_id_fkey,events_pkey");
	free(names);
	orm_metadata_free(md);
	orm_engine_free(engine);
}

static void create_all__naming_convention_names_reach_the_database(void **state)
{
	orm_engine *engine = orm_test_engine(NULL);
	const orm_model *models[] = {&Member_model, &Gathering_model};
	orm_metadata *md = metadata_of(&naming_options, models, 2);
	char *names;

	(void)state;
	ok(orm_metadata_create_all(md, engine, NULL), "create_all", orm_metadata_errmsg(md));
	assert_true(has_index(engine, "ix_users_email"));
	assert_true(has_index(engine, "ix_users_nick"));
	assert_true(has_index(engine, "ix_events_title"));
	if (orm_test_is_postgres()) {
		names = pg_constraint_names(engine, "users");
		assert_string_equal(names, "pk_users,uq_users_email");
		free(names);
		names = pg_constraint_names(engine, "events");
		assert_string_equal(names, "ck_events_positive_id,fk_events_organizer_id_users,"
		                           "pk_events");
		free(names);
	}
	orm_metadata_free(md);
	orm_engine_free(engine);
}

/* Chapter 5: a label outside the enum is refused by the database itself -
 * PostgreSQL's enum type, SQLite's CHECK constraint. Foreign keys hold on
 * both. */
static void create_all__database_refuses_bad_labels_and_dangling_keys(void **state)
{
	orm_engine *engine = orm_test_engine(NULL);
	orm_metadata *md = writeup_metadata();
	char message[512];
	int rc;

	(void)state;
	ok(orm_metadata_create_all(md, engine, NULL), "create_all", orm_metadata_errmsg(md));
	orm_test_exec(engine, "INSERT INTO users (email) VALUES ('ada@example.com')");
	rc = try_sql(engine, "INSERT INTO events (title, social_status) VALUES ('x', 'secret')",
	             message, sizeof message);
	/* One fault, one code: SQLite's CHECK and PostgreSQL's enum type
	 * both refuse the value as a constraint (issue 10). */
	assert_int_equal(rc, ORM_ECONSTRAINT);
	if (!strstr(message, "socialstatus"))
		fail_msg("the message should name the enum: %s", message);
	rc = try_sql(engine, "INSERT INTO events (title, organizer_id) VALUES ('x', 42)", message,
	             sizeof message);
	assert_int_equal(rc, ORM_ECONSTRAINT);
	orm_metadata_free(md);
	orm_engine_free(engine);
}

static void drop_all__removes_tables_and_enum_type(void **state)
{
	FILE *echo;
	char *text = NULL;
	size_t size = 0;
	orm_engine *engine = echo_engine(&echo, &text, &size);
	orm_metadata *md = writeup_metadata();
	long created;

	(void)state;
	ok(orm_metadata_create_all(md, engine, NULL), "create_all", orm_metadata_errmsg(md));
	fflush(echo);
	created = (long)size;
	ok(orm_metadata_drop_all(md, engine, NULL), "drop_all", orm_metadata_errmsg(md));
	fflush(echo);
	assert_false(has_table(engine, "users"));
	assert_false(has_table(engine, "events"));
	assert_false(has_index(engine, "ix_users_email"));
	/* Children first, the enum type after every table. */
	assert_non_null(
	    strstr(text + created, orm_test_is_postgres()
	                               ? "[orm] DROP TABLE events\n[orm] [generated] ()\n"
	                                 "[orm] DROP TABLE users\n[orm] [generated] ()\n"
	                                 "[orm] SELECT t.typname"
	                               : "[orm] DROP TABLE events\n[orm] [generated] ()\n"
	                                 "[orm] DROP TABLE users\n[orm] [generated] ()\n"
	                                 "[orm] COMMIT\n"));
	if (orm_test_is_postgres()) {
		assert_non_null(strstr(text + created, "[orm] DROP TYPE socialstatus\n"));
		assert_false(has_enum_type(engine, "socialstatus"));
	}
	/* And it can all be made again. */
	ok(orm_metadata_create_all(md, engine, NULL), "create_all again", orm_metadata_errmsg(md));
	assert_true(has_table(engine, "events"));
	fclose(echo);
	free(text);
	orm_metadata_free(md);
	orm_engine_free(engine);
}

static void drop_all__checkfirst_skips_what_is_missing(void **state)
{
	orm_engine *engine = orm_test_engine(NULL);
	const orm_model *users_only[] = {&User_model};
	orm_metadata *users = metadata_of(NULL, users_only, 1);
	orm_metadata *md = writeup_metadata();
	orm_create_options options = ORM_CREATE_OPTIONS_INIT;
	const char *reason;

	(void)state;
	ok(orm_metadata_create_all(users, engine, NULL), "create_all", orm_metadata_errmsg(users));
	ok(orm_metadata_drop_all(md, engine, NULL), "drop_all", orm_metadata_errmsg(md));
	assert_false(has_table(engine, "users"));

	/* Without checkfirst, the first missing table stops it. */
	options.checkfirst = false;
	ok(orm_metadata_create_all(users, engine, NULL), "create_all", orm_metadata_errmsg(users));
	assert_int_equal(orm_metadata_drop_all(md, engine, &options), ORM_ESQL);
	reason = orm_test_is_postgres()
	             ? "drop_all: table 'events': table \"events\" does not exist"
	             : "drop_all: table 'events': no such table: events";
	assert_string_equal(orm_metadata_errmsg(md), reason);
	assert_true(has_table(engine, "users"));
	orm_metadata_free(users);
	orm_metadata_free(md);
	orm_engine_free(engine);
}

/* Leaves the PostgreSQL database as empty as the tests found it: the
 * programs run after this one share it. */
static int leave_database_empty(void **state)
{
	(void)state;
	if (orm_test_is_postgres())
		orm_engine_free(orm_test_engine(NULL));
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ddl__writeup_models_match_sqlalchemy),
	    cmocka_unit_test(ddl__every_column_type_and_option_matches_sqlalchemy),
	    cmocka_unit_test(ddl__generated_keys_follow_sqlalchemys_rule),
	    cmocka_unit_test(ddl__composite_keys_constraints_and_indexes_match_sqlalchemy),
	    cmocka_unit_test(ddl__naming_convention_names_every_constraint),
	    cmocka_unit_test(ddl__models_added_in_reverse_order_come_out_in_dependency_order),
	    cmocka_unit_test(ddl__imperative_models_give_the_same_ddl),
	    cmocka_unit_test(ddl__hybrid_models_check_their_fields),
	    cmocka_unit_test(ddl__self_referencing_foreign_key_needs_no_order),
	    cmocka_unit_test(ddl__convention_needing_a_name_refuses_an_unnamed_constraint),
	    cmocka_unit_test(ddl__out_of_memory_anywhere_is_an_error_not_a_crash),
	    cmocka_unit_test(metadata__unknown_naming_token_is_refused),
	    cmocka_unit_test(metadata__bad_declarations_are_refused_with_what_is_wrong),
	    cmocka_unit_test(metadata__same_enum_name_with_other_labels_is_refused),
	    cmocka_unit_test(metadata__unknown_foreign_key_table_is_reported_when_sorting),
	    cmocka_unit_test(metadata__foreign_key_cycle_is_an_error_naming_the_tables),
	    cmocka_unit_test(create_all__creates_tables_indexes_and_enum_type),
	    cmocka_unit_test(create_all__sqlite_keeps_the_ddl_as_sent),
	    cmocka_unit_test(create_all__is_idempotent_with_checkfirst),
	    cmocka_unit_test(create_all__echo_shows_the_checks_and_the_ddl_in_one_transaction),
	    cmocka_unit_test(create_all__failure_rolls_back_everything_and_names_the_table),
	    cmocka_unit_test(create_all__unknown_foreign_key_fails_before_any_sql),
	    cmocka_unit_test(create_all__every_column_type_and_constraint_is_accepted),
	    cmocka_unit_test(create_all__unnamed_constraints_get_the_database_names),
	    cmocka_unit_test(create_all__naming_convention_names_reach_the_database),
	    cmocka_unit_test(create_all__database_refuses_bad_labels_and_dangling_keys),
	    cmocka_unit_test(drop_all__removes_tables_and_enum_type),
	    cmocka_unit_test(drop_all__checkfirst_skips_what_is_missing),
	};

	return cmocka_run_group_tests(tests, NULL, leave_database_empty);
}
