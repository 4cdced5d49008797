/*
 * schemas.c - chapter 6's pydantic: validating JSON into fields, and objects into JSON.
 *
 * Every rule below is pydantic 1.10's, checked against the FastAPI tutorial app run over the
 * write-up's models (tests/ch06/fastapi_reference.py): the messages and types are its own.
 */
#include "schemas.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orm/session.h"

/* ---- the schemas: sql_app/schemas.py ------------------------------------------------------ */

/* book:begin schemas */
static const schema_field user_create_fields[] = {
    {.name = "email", .model = &User_model, .required = true},
};
const schema UserCreate_schema = {"UserCreate", user_create_fields, 1, &User_model};

static const schema_field event_create_fields[] = {
    {.name = "title", .model = &Event_model, .required = true},
    {.name = "date_of", .model = &Event_model, .required = true},
    {.name = "social_status", .model = &Event_model, .default_json = "\"public\""},
};
const schema EventCreate_schema = {"EventCreate", event_create_fields, 3, &Event_model};

static const schema_field event_fields[] = {
    {.name = "title", .model = &Event_model, .required = true},
    {.name = "date_of", .model = &Event_model, .required = true},
    {.name = "social_status", .model = &Event_model, .default_json = "\"public\""},
    {.name = "id", .model = &Event_model, .required = true},
    {.name = "organizer_id", .model = &Event_model, .required = true},
};
const schema Event_schema = {"Event", event_fields, 5, &Event_model};

static const schema_field user_fields[] = {
    {.name = "email", .model = &User_model, .required = true},
    {.name = "id", .model = &User_model, .required = true},
    {.name = "events", .items = &Event_schema, .default_json = "[]"},
};
const schema User_schema = {"User", user_fields, 3, &User_model};
/* book:end schemas */

orm_column_type schema_field_type(const schema_field *field)
{
	const orm_column *column =
	    field->model ? orm_model_column(field->model, field->name) : NULL;
	return column ? column->type : field->type;
}

const orm_enum *schema_field_enum(const schema_field *field)
{
	const orm_column *column =
	    field->model ? orm_model_column(field->model, field->name) : NULL;
	return column ? column->enum_type : NULL;
}

/* ---- errors ------------------------------------------------------------------------------- */

void schema_error(json_t *errors, const char *where, const char *name, const char *msg,
                  const char *type, json_t *ctx)
{
	json_t *loc = json_pack("[s]", where);
	if (loc && name)
		json_array_append_new(loc, json_string(name));
	json_t *error = json_pack("{s:o?,s:s,s:s}", "loc", loc, "msg", msg, "type", type);
	if (error && ctx)
		json_object_set_new(error, "ctx", ctx);
	else
		json_decref(ctx);
	json_array_append_new(errors, error);
}

static void missing(json_t *errors, const char *where, const char *name)
{
	schema_error(errors, where, name, "field required", "value_error.missing", NULL);
}

static void none_not_allowed(json_t *errors, const char *where, const char *name)
{
	schema_error(errors, where, name, "none is not an allowed value",
	             "type_error.none.not_allowed", NULL);
}

static void not_enum(json_t *errors, const char *where, const char *name, const orm_enum *type)
{
	char msg[256] = "value is not a valid enumeration member; permitted: ";
	json_t *values = json_array();

	for (size_t i = 0; i < type->nlabels; i++) {
		size_t used = strlen(msg);
		snprintf(msg + used, sizeof msg - used, "%s'%s'", i ? ", " : "", type->labels[i]);
		json_array_append_new(values, json_string(type->labels[i]));
	}
	schema_error(errors, where, name, msg, "type_error.enum",
	             json_pack("{s:o}", "enum_values", values));
}

/* ---- dates -------------------------------------------------------------------------------- */

static bool is_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static bool date_is_valid(int year, int month, int day)
{
	static const int days_in[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1)
		return false;
	return day <= days_in[month - 1] + (month == 2 && is_leap(year));
}

/* The civil date `days` days after 1970-01-01 (negative: before), by whole 400-year eras
 * of 146097 days. */
static orm_date date_from_days(int64_t days)
{
	int64_t z = days + 719468; /* days since 0000-03-01 */
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int day = (int)(doy - (153 * mp + 2) / 5 + 1);
	int month = (int)(mp < 10 ? mp + 3 : mp - 9);
	return (orm_date){(int)(yoe + era * 400 + (month <= 2)), month, day};
}

/* pydantic's from_unix_seconds: a number that large is taken as milliseconds (and so on). */
static bool date_from_unix(orm_date *out, double seconds)
{
	if (!isfinite(seconds))
		return false;
	while (fabs(seconds) > 2e10)
		seconds /= 1000;
	*out = date_from_days((int64_t)floor(seconds / 86400));
	return true;
}

/* "YYYY-M-D" with 4 year digits and 1 or 2 for month and day, a real date. */
bool schema_parse_date(orm_date *out, const char *text)
{
	int part[3] = {0, 0, 0};
	const int min[] = {4, 1, 1}, max[] = {4, 2, 2};
	const char *p = text;

	for (int k = 0; k < 3; k++) {
		int n = 0;
		while (isdigit((unsigned char)*p) && n < max[k]) {
			part[k] = part[k] * 10 + (*p++ - '0');
			n++;
		}
		if (n < min[k] || (k < 2 && *p++ != '-'))
			return false;
	}
	if (*p != '\0' || !date_is_valid(part[0], part[1], part[2]))
		return false;
	*out = (orm_date){part[0], part[1], part[2]};
	return true;
}

/* A number in text, as Python's float() reads it (spaces around allowed). */
static bool text_is_number(const char *text, double *out)
{
	char *end;
	if (!*text)
		return false;
	errno = 0;
	*out = strtod(text, &end);
	while (isspace((unsigned char)*end))
		end++;
	return end != text && *end == '\0' && !isspace((unsigned char)*text) && isfinite(*out);
}

static json_t *date_json(orm_date d)
{
	char text[16];
	snprintf(text, sizeof text, "%04d-%02d-%02d", d.year, d.month, d.day);
	return json_string(text);
}

static json_t *validate_date(const json_t *value, const char *where, const char *name,
                             json_t *errors)
{
	orm_date d;
	double seconds;

	if (json_is_number(value) || json_is_boolean(value)) {
		seconds = json_is_boolean(value) ? json_is_true(value) : json_number_value(value);
		if (date_from_unix(&d, seconds))
			return date_json(d);
	} else if (json_is_string(value)) {
		const char *text = json_string_value(value);
		bool ok = text_is_number(text, &seconds) ? date_from_unix(&d, seconds)
		                                         : schema_parse_date(&d, text);
		if (ok && strlen(text) == json_string_length(value))
			return date_json(d);
	} else {
		schema_error(errors, where, name,
		             "invalid type; expected date, string, bytes, int or float",
		             "type_error", NULL);
		return NULL;
	}
	schema_error(errors, where, name, "invalid date format", "value_error.date", NULL);
	return NULL;
}

/* ---- strings, integers, enums ------------------------------------------------------------- */

/* Python's repr of a float: the shortest text that reads back the same. */
static json_t *float_text(double f)
{
	char text[40];
	for (int precision = 1; precision <= 17; precision++) {
		snprintf(text, sizeof text, "%.*g", precision, f);
		if (strtod(text, NULL) == f)
			break;
	}
	if (!strpbrk(text, ".en"))
		strcat(text, ".0");
	return json_string(text);
}

static json_t *validate_string(const json_t *value, const char *where, const char *name,
                               json_t *errors)
{
	char text[32];

	switch (json_typeof(value)) {
	case JSON_STRING:
		return json_copy((json_t *)value);
	case JSON_INTEGER:
		snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
		return json_string(text);
	case JSON_REAL:
		return float_text(json_real_value(value));
	case JSON_TRUE:
		return json_string("True");
	case JSON_FALSE:
		return json_string("False");
	default:
		schema_error(errors, where, name, "str type expected", "type_error.str", NULL);
		return NULL;
	}
}

static json_t *validate_enum(const orm_enum *type, const char *text, size_t len, const char *where,
                             const char *name, json_t *errors)
{
	for (size_t i = 0; text && i < type->nlabels; i++)
		if (strlen(type->labels[i]) == len && memcmp(type->labels[i], text, len) == 0)
			return json_string(type->labels[i]);
	not_enum(errors, where, name, type);
	return NULL;
}

/*
 * Python's int() of text: spaces around, a sign, digits with single underscores between
 * them. A value that does not fit 64 bits is refused the way pydantic refuses a value past
 * a conint's bounds.
 */
static json_t *validate_int_text(const char *text, size_t len, const char *where, const char *name,
                                 json_t *errors)
{
	const char *p = text, *end = text + len;
	bool negative = false, overflow = false;
	uint64_t n = 0;
	int digits = 0;
	char msg[80];

	while (p < end && isspace((unsigned char)*p))
		p++;
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	if (p < end && (*p == '+' || *p == '-'))
		negative = *p++ == '-';
	for (; p < end; p++) {
		if (*p == '_' && digits > 0 && p + 1 < end && isdigit((unsigned char)p[1]) &&
		    p[-1] != '_')
			continue;
		if (!isdigit((unsigned char)*p))
			break;
		if (n > (UINT64_MAX - 9) / 10)
			overflow = true;
		else
			n = n * 10 + (uint64_t)(*p - '0');
		digits++;
	}
	if (p != end || digits == 0) {
		schema_error(errors, where, name, "value is not a valid integer",
		             "type_error.integer", NULL);
		return NULL;
	}
	if (overflow || n > (uint64_t)INT64_MAX + negative) {
		snprintf(msg, sizeof msg, "ensure this value is %s than or equal to %s%" PRId64,
		         negative ? "greater" : "less", negative ? "-" : "", INT64_MAX);
		if (negative)
			msg[strlen(msg) - 1] = '8'; /* -9223372036854775808 */
		schema_error(errors, where, name, msg,
		             negative ? "value_error.number.not_ge" : "value_error.number.not_le",
		             json_pack("{s:I}", "limit_value", negative ? INT64_MIN : INT64_MAX));
		return NULL;
	}
	return json_integer(negative ? (json_int_t)(0 - n) : (json_int_t)n);
}

/* ---- fields and schemas ------------------------------------------------------------------- */

json_t *schema_validate_field(const schema_field *field, const json_t *value, const char *where,
                              json_t *errors)
{
	const char *name = field->name;

	if (json_is_null(value)) {
		none_not_allowed(errors, where, name);
		return NULL;
	}
	switch (schema_field_type(field)) {
	case ORM_STRING:
	case ORM_TEXT:
		return validate_string(value, where, name, errors);
	case ORM_DATE:
		return validate_date(value, where, name, errors);
	case ORM_ENUM:
		return validate_enum(schema_field_enum(field), json_string_value(value),
		                     json_string_length(value), where, name, errors);
	case ORM_INTEGER:
	case ORM_BIGINTEGER:
		if (json_is_integer(value))
			return json_copy((json_t *)value);
		if (json_is_string(value))
			return validate_int_text(json_string_value(value),
			                         json_string_length(value), where, name, errors);
		schema_error(errors, where, name, "value is not a valid integer",
		             "type_error.integer", NULL);
		return NULL;
	default:
		schema_error(errors, where, name, "this type cannot be read from JSON",
		             "type_error", NULL);
		return NULL;
	}
}

json_t *schema_validate_text(const schema_field *field, const char *text, size_t len,
                             const char *where, json_t *errors)
{
	switch (schema_field_type(field)) {
	case ORM_ENUM:
		return validate_enum(schema_field_enum(field), text, len, where, field->name,
		                     errors);
	case ORM_INTEGER:
	case ORM_BIGINTEGER:
		return validate_int_text(text, len, where, field->name, errors);
	default:
		if (memchr(text, '\0', len)) {
			schema_error(errors, where, field->name, "str type expected",
			             "type_error.str", NULL);
			return NULL;
		}
		return json_stringn(text, len);
	}
}

/* book:begin validate */
json_t *schema_validate(const schema *s, const json_t *body, json_t *errors)
{
	size_t nerrors = json_array_size(errors);
	json_t *out;

	if (!body || json_is_null(body)) {
		missing(errors, "body", NULL);
		return NULL;
	}
	/* pydantic reads an empty list as an empty dict, anything else not a dict is refused */
	if (!json_is_object(body) && !(json_is_array(body) && json_array_size(body) == 0)) {
		schema_error(errors, "body", NULL, "value is not a valid dict", "type_error.dict",
		             NULL);
		return NULL;
	}
	out = json_object();
	for (size_t i = 0; i < s->nfields; i++) {
		const schema_field *field = &s->fields[i];
		json_t *value = json_object_get(body, field->name), *valid;

		if (!value && field->required)
			missing(errors, "body", field->name);
		else if (!value)
			json_object_set_new(out, field->name,
			                    json_loads(field->default_json, JSON_DECODE_ANY, NULL));
		else if ((valid = schema_validate_field(field, value, "body", errors)))
			json_object_set_new(out, field->name, valid);
	}
	if (json_array_size(errors) > nerrors) {
		json_decref(out);
		return NULL;
	}
	return out;
}
/* book:end validate */

void schema_event_create(EventCreate *out, const json_t *validated)
{
	const char *status = json_string_value(json_object_get(validated, "social_status"));

	out->title = json_string_value(json_object_get(validated, "title"));
	const char *date_of = json_string_value(json_object_get(validated, "date_of"));

	out->date_of = (orm_date){0, 0, 0};
	if (date_of)
		schema_parse_date(&out->date_of, date_of);
	out->social_status = SOCIAL_PUBLIC;
	for (size_t i = 0; status && i < SocialStatus_type.nlabels; i++)
		if (strcmp(status, SocialStatus_type.labels[i]) == 0)
			out->social_status = (SocialStatus)i;
}

/* ---- out ---------------------------------------------------------------------------------- */

static const orm_relationship *find_relationship(const orm_model *model, const char *name)
{
	for (size_t i = 0; i < model->nrelationships; i++)
		if (strcmp(model->relationships[i].name, name) == 0)
			return &model->relationships[i];
	return NULL;
}

static json_t *dump_column(const orm_column *column, const void *object)
{
	const char *field = (const char *)object + column->offset;
	int64_t i;
	int e;

	switch (column->type) {
	case ORM_STRING:
	case ORM_TEXT:
		return *(char *const *)field ? json_string(*(char *const *)field) : json_null();
	case ORM_INTEGER:
	case ORM_BIGINTEGER:
		if (orm_is_null(object, column->name))
			return json_null();
		if (column->field_size == sizeof(int64_t))
			memcpy(&i, field, sizeof i);
		else
			i = *(const int32_t *)field;
		return json_integer(i);
	case ORM_DATE:
		if (orm_is_null(object, column->name))
			return json_null();
		return date_json(*(const orm_date *)field);
	case ORM_ENUM:
		memcpy(&e, field, sizeof e);
		if (e < 0 || (size_t)e >= column->enum_type->nlabels)
			return json_null();
		return json_string(column->enum_type->labels[e]);
	default:
		return json_null();
	}
}

json_t *schema_dump(const schema *s, const void *object)
{
	json_t *out = json_object();

	for (size_t i = 0; out && i < s->nfields; i++) {
		const schema_field *field = &s->fields[i];
		json_t *value;

		if (field->items) {
			const orm_relationship *rel = find_relationship(s->model, field->name);
			const orm_collection *items =
			    (const orm_collection *)((const char *)object + rel->offset);
			value = json_array();
			for (size_t k = 0; value && k < items->count; k++)
				json_array_append_new(value,
				                      schema_dump(field->items, items->items[k]));
		} else {
			value = dump_column(orm_model_column(s->model, field->name), object);
		}
		json_object_set_new(out, field->name, value);
	}
	return out;
}
