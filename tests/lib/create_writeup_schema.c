/*
 * create_writeup_schema.c - builds the write-up's tables with the
 * library's create_all, for the parity test with SQLAlchemy.
 *
 * Chapters 3 and 5. schema_parity.py builds the same models with
 * SQLAlchemy in one database (or PostgreSQL schema) and runs this program
 * on another, then reflects both with SQLAlchemy's inspector and compares.
 * The models are the write-up's, its bugs fixed: `__tablename__`, the
 * imported Enum, a foreign key under the relationship.
 *
 *     create_writeup_schema URL
 *
 * Prints nothing on success; on error the library's message, exit 1.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "orm/engine.h"
#include "orm/error.h"
#include "orm/schema.h"

typedef enum SocialStatus { SOCIAL_PUBLIC, SOCIAL_PRIVATE } SocialStatus;
static const char *const social_status_labels[] = {"public", "private"};
static const orm_enum social_status_enum = {"socialstatus", social_status_labels, 2};

typedef struct User {
	int64_t id;
	char *email;
} User;

static const orm_column user_columns[] = {
    ORM_COLUMN(User, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(User, email, ORM_STRING, .unique = true, .index = true),
};
static const orm_model User_model = ORM_MODEL(User, "users", user_columns);

typedef struct Event {
	int64_t id;
	char *title;
	orm_date date_of;
	SocialStatus social_status;
	int64_t organizer_id;
} Event;

static const orm_column event_columns[] = {
    ORM_COLUMN(Event, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Event, title, ORM_STRING, .index = true),
    ORM_COLUMN(Event, date_of, ORM_DATE, .nullable = ORM_NULLABLE_AUTO),
    ORM_COLUMN(Event, social_status, ORM_ENUM, .enum_type = &social_status_enum),
    ORM_COLUMN(Event, organizer_id, ORM_INTEGER, .foreign_key = "users.id"),
};
static const orm_model Event_model = ORM_MODEL(Event, "events", event_columns);

int main(int argc, char **argv)
{
	orm_engine *engine = NULL;
	orm_metadata *metadata = NULL;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: %s URL\n", argv[0]);
		return 2;
	}
	if ((rc = orm_create_engine(&engine, argv[1], NULL)) < 0 ||
	    (rc = orm_metadata_new(&metadata, NULL)) < 0) {
		fprintf(stderr, "create_writeup_schema: %s\n", orm_error_last());
		goto done;
	}
	if ((rc = orm_metadata_add(metadata, &User_model)) < 0 ||
	    (rc = orm_metadata_add(metadata, &Event_model)) < 0 ||
	    (rc = orm_metadata_create_all(metadata, engine, NULL)) < 0)
		fprintf(stderr, "create_writeup_schema: %s\n", orm_metadata_errmsg(metadata));
done:
	orm_metadata_free(metadata);
	orm_engine_free(engine);
	return rc < 0 ? 1 : 0;
}
