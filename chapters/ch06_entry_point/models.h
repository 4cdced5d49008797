/*
 * models.h - chapter 6's models: the write-up's User and Event, as chapter 5 left them.
 *
 * The FastAPI tutorial keeps its SQLAlchemy classes in sql_app/models.py; this is that file's
 * C twin. The declarations are chapter 5's (see BOOK.md, "Chapter 5 - Enums"), copied here so
 * the chapter's app stands on its own: User with its events, Event with its organizer and
 * its SocialStatus.
 */
#ifndef CH06_MODELS_H
#define CH06_MODELS_H

#include <stdint.h>

#include "orm/relationship.h"
#include "orm/schema.h"

/* class SocialStatus(enum.Enum): public, private. SOCIAL_NULL is None. */
typedef enum SocialStatus {
	SOCIAL_NULL = ORM_ENUM_NULL,
	SOCIAL_PUBLIC,
	SOCIAL_PRIVATE,
} SocialStatus;

typedef struct User User;
typedef struct Event Event;

struct User {
	int64_t id;
	char *email;
	orm_collection events; /* Event *, ordered by id */
};

struct Event {
	int64_t id;
	char *title;
	orm_date date_of;
	SocialStatus social_status;
	int64_t organizer_id;
	User *organizer;
};

extern const orm_enum SocialStatus_type;
extern const orm_model User_model;
extern const orm_model Event_model;

/* The write-up's Base: registers User and Event on `base`. */
int models_register(orm_metadata *base);

#endif
