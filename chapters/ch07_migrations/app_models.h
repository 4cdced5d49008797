/*
 * app_models.h - the application's models, as chapter 5 leaves them.
 *
 * `./workbook migrate check` and `revision --autogenerate` compare the
 * database with these. Change a model here, autogenerate, and the new
 * revision file says how the database follows.
 */
#ifndef CH07_APP_MODELS_H
#define CH07_APP_MODELS_H

#include <stdint.h>

#include "orm/schema.h"

typedef enum SocialStatus {
	SOCIAL_NULL = ORM_ENUM_NULL,
	SOCIAL_PUBLIC,
	SOCIAL_PRIVATE,
} SocialStatus;

typedef struct User {
	int64_t id;
	char *email;
} User;

typedef struct Event {
	int64_t id;
	char *title;
	orm_date date_of;
	SocialStatus social_status;
	int64_t organizer_id;
} Event;

extern const orm_enum SocialStatus_type;
extern const orm_model User_model;
extern const orm_model Event_model;

/* Registers User and Event on `metadata`. */
int ch07_register_models(orm_metadata *metadata);

#endif
