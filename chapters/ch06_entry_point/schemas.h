/*
 * schemas.h - chapter 6's JSON in and out: what pydantic does in the FastAPI tutorial's
 * sql_app/schemas.py.
 *
 * A schema is a list of fields. Each field takes its type from a column of a model (the
 * "model declarations" of chapters 3 to 5), so the JSON a route accepts and returns, the
 * validation it runs and the OpenAPI document it publishes all come from one place:
 *
 *     UserCreate   {"email": str}                             what POST /users/ reads
 *     User         {"email", "id", "events": [Event]}          what a user looks like out
 *     EventCreate  {"title": str, "date_of": date,
 *                   "social_status": SocialStatus = public}    what POST .../events/ reads
 *     Event        EventCreate's fields, then "id", "organizer_id"
 *
 * Validation follows pydantic 1.10 (what FastAPI 0.92 in Debian runs), error for error:
 * every problem becomes {"loc": [...], "msg": "...", "type": "..."} in a list, and the app
 * answers 422 with {"detail": that list}. The values pydantic would coerce are coerced the
 * same way: a number given for a string becomes its text, a number for a date is Unix
 * seconds.
 */
#ifndef CH06_SCHEMAS_H
#define CH06_SCHEMAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "models.h"

typedef struct schema schema;

/* One field of a schema, or one path or query parameter of a route. */
typedef struct schema_field {
	const char *name;
	/* The type is the type of column `name` of this model (and its enum)... */
	const orm_model *model;
	/* ...or, with no model, this one (ORM_INTEGER, ORM_STRING, ...). */
	orm_column_type type;
	bool required;
	bool ge_zero;             /* an integer that must be >= 0: FastAPI's Query(ge=0) */
	const char *default_json; /* the default as JSON text ("0", "\"public\""), or NULL */
	const schema *items;      /* a list of objects of this schema (User.events), or NULL */
} schema_field;

struct schema {
	const char *name;
	const schema_field *fields;
	size_t nfields;
	const orm_model *model; /* the model an object of this schema is read from */
};

extern const schema UserCreate_schema, User_schema, EventCreate_schema, Event_schema;

/* A field's type and enum, looked up in its model. */
orm_column_type schema_field_type(const schema_field *field);
const orm_enum *schema_field_enum(const schema_field *field);

/* ---- errors: the list a 422 carries ---------------------------------- */

/*
 * Appends {"loc": [where, name], "msg": msg, "type": type} to `errors`, and "ctx" when
 * `ctx` is not NULL (stolen). `name` may be NULL for loc ["body"].
 */
void schema_error(json_t *errors, const char *where, const char *name, const char *msg,
                  const char *type, json_t *ctx);

/* ---- in: validation -------------------------------------------------- */

/*
 * Validates `body` (borrowed; NULL when the request had none) against `schema`. Returns a
 * new object holding each field, normalized (strings, "YYYY-MM-DD" dates, enum labels,
 * defaults filled in), or NULL after appending at least one error to `errors`, with loc
 * ["body", field]. A JSON array or null is refused as pydantic refuses it.
 */
json_t *schema_validate(const schema *schema, const json_t *body, json_t *errors);

/* Validates one value (borrowed, not NULL) for `field`: a new normalized value, or NULL
 * after appending one error with loc [where, field->name]. */
json_t *schema_validate_field(const schema_field *field, const json_t *value, const char *where,
                              json_t *errors);

/*
 * Validates a path or query parameter as text, `len` bytes that may hold any byte (a %00
 * in the URL decodes to a NUL): an integer or an enum label. A new json_t, or NULL after
 * appending one error with loc [where, field->name].
 */
json_t *schema_validate_text(const schema_field *field, const char *text, size_t len,
                             const char *where, json_t *errors);

/* The normalized form EventCreate takes in C. */
typedef struct EventCreate {
	const char *title; /* borrowed from the validated JSON */
	orm_date date_of;
	SocialStatus social_status;
} EventCreate;

/* Reads a validated EventCreate object (from schema_validate) into `out`. */
void schema_event_create(EventCreate *out, const json_t *validated);

/* Parses "YYYY-MM-DD" (as schema_validate normalized it). */
bool schema_parse_date(orm_date *out, const char *text);

/* ---- out: from an object to JSON (orm_mode = True) ------------------- */

/*
 * The JSON of `object` (a User or an Event a session holds) as `schema` says: each field is
 * read from the struct through the model's column, a list through the relationship of the
 * same name (it must be loaded). A new reference, or NULL when out of memory.
 */
json_t *schema_dump(const schema *schema, const void *object);

#endif
