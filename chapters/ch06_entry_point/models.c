/*
 * models.c - the write-up's User and Event (sql_app/models.py), for chapter 6.
 *
 * The same declarations as chapter 5's program, with one addition a web API wants: a user's
 * events are ordered by id, so a JSON list comes out the same every time.
 */
#include "models.h"

/* book:begin models */
static const char *const social_status_labels[] = {
    [SOCIAL_PUBLIC] = "public",
    [SOCIAL_PRIVATE] = "private",
};

const orm_enum SocialStatus_type = {"socialstatus", social_status_labels,
                                    ORM_COUNTOF(social_status_labels)};

static const orm_column user_columns[] = {
    ORM_COLUMN(User, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(User, email, ORM_STRING, .unique = true, .index = true),
};
static const orm_relationship user_relationships[] = {
    ORM_RELATIONSHIP(User, events, "Event", .back_populates = "organizer", .order_by = "id"),
};
const orm_model User_model =
    ORM_MODEL_WITH_RELATIONSHIPS(User, "users", user_columns, user_relationships);

static const orm_column event_columns[] = {
    ORM_COLUMN(Event, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Event, title, ORM_STRING, .index = true),
    ORM_COLUMN(Event, date_of, ORM_DATE),
    ORM_COLUMN(Event, social_status, ORM_ENUM, .enum_type = &SocialStatus_type),
    ORM_COLUMN(Event, organizer_id, ORM_INTEGER, .foreign_key = "users.id"),
};
static const orm_relationship event_relationships[] = {
    ORM_RELATIONSHIP(Event, organizer, "User", .back_populates = "events"),
};
const orm_model Event_model =
    ORM_MODEL_WITH_RELATIONSHIPS(Event, "events", event_columns, event_relationships);
/* book:end models */

int models_register(orm_metadata *base)
{
	int rc;

	if ((rc = orm_metadata_add(base, &User_model)) < 0)
		return rc;
	return orm_metadata_add(base, &Event_model);
}
