/*
 * app.c - a program of one's own, outside the workbook, using the
 * installed library: one model, a table, a row added and read back, on
 * the SQLite database named by the first argument. Built by
 * install_test.sh once through pkg-config and once through find_package.
 */
#include <stdint.h>
#include <stdio.h>

#include <orm/orm.h>

typedef struct Note {
	int64_t id;
	char *text;
} Note;

static const orm_column Note_columns[] = {
    ORM_COLUMN(Note, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Note, text, ORM_STRING),
};
static const orm_model Note_model = ORM_MODEL(Note, "notes", Note_columns);

static int fail(const char *what, const char *msg)
{
	fprintf(stderr, "app: %s: %s\n", what, msg);
	return 1;
}

int main(int argc, char **argv)
{
	char url[512];
	orm_engine *engine = NULL;
	orm_metadata *metadata = NULL;
	orm_sessionmaker *maker = NULL;
	orm_session *session = NULL;
	void *found = NULL;
	Note *note;
	int status = 1;

	if (argc != 2)
		return fail("usage", "app DATABASE_FILE");
	snprintf(url, sizeof url, "sqlite:///%s", argv[1]);
	if (orm_create_engine(&engine, url, NULL) < 0)
		return fail("create_engine", orm_error_last());
	if (orm_metadata_new(&metadata, NULL) < 0 || orm_metadata_add(metadata, &Note_model) < 0 ||
	    orm_metadata_create_all(metadata, engine, NULL) < 0) {
		fail("metadata", orm_error_last());
		goto done;
	}
	if (orm_sessionmaker_new(&maker, engine, metadata, NULL) < 0 ||
	    orm_session_open(&session, maker) < 0) {
		fail("session", orm_error_last());
		goto done;
	}
	note = orm_object_new(&Note_model);
	if (!note || orm_set_text(&note->text, "built outside the workbook") < 0 ||
	    orm_session_add(session, note) < 0 || orm_session_commit(session) < 0 ||
	    orm_session_get(&found, session, &Note_model, orm_int(note->id)) < 0) {
		fail("session", orm_session_errmsg(session));
		goto done;
	}
	printf("note %lld: %s\n", (long long)((Note *)found)->id, ((Note *)found)->text);
	status = 0;
done:
	orm_session_close(session);
	orm_sessionmaker_free(maker);
	orm_metadata_free(metadata);
	orm_engine_free(engine);
	return status;
}
