/*
 * writeup_schema.h - the write-up's two tables as plain models (no
 * relationships), its bugs fixed: `__tablename__`, the imported Enum, a
 * foreign key under the relationship.
 *
 * Shared by the DDL tests (schema_test.c) and the SQLAlchemy parity
 * program (create_writeup_schema.c), so both check the same declaration.
 * (tests/lib/models.h is the session tests' version, with relationships.)
 */
#ifndef ORM_TEST_WRITEUP_SCHEMA_H
#define ORM_TEST_WRITEUP_SCHEMA_H

#include <stdint.h>

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

#endif
