/*
 * app_models.c - the application's models: chapter 5's User and Event.
 */
#include "app_models.h"

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
const orm_model User_model = ORM_MODEL(User, "users", user_columns);

static const orm_column event_columns[] = {
    ORM_COLUMN(Event, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Event, title, ORM_STRING, .index = true),
    ORM_COLUMN(Event, date_of, ORM_DATE),
    ORM_COLUMN(Event, social_status, ORM_ENUM, .enum_type = &SocialStatus_type),
    ORM_COLUMN(Event, organizer_id, ORM_INTEGER, .foreign_key = "users.id"),
};
const orm_model Event_model = ORM_MODEL(Event, "events", event_columns);

int ch07_register_models(orm_metadata *metadata)
{
	int rc = orm_metadata_add(metadata, &User_model);
	return rc < 0 ? rc : orm_metadata_add(metadata, &Event_model);
}
