/*
 * ex6_2_validate_event.c - exercise 6.2, solved (BOOK.md, "Chapter 6 - The entry point").
 */
#include "ex6_2_validate_event.h"

json_t *ex6_2_validate_event(const json_t *body, json_t *errors)
{
	size_t before = json_array_size(errors);
	json_t *out;

	if (!body || json_is_null(body)) {
		schema_error(errors, "body", NULL, "field required", "value_error.missing", NULL);
		return NULL;
	}
	if (!json_is_object(body)) {
		schema_error(errors, "body", NULL, "value is not a valid dict", "type_error.dict",
		             NULL);
		return NULL;
	}
	out = json_object();
	for (size_t i = 0; i < EventCreate_schema.nfields; i++) {
		const schema_field *field = &EventCreate_schema.fields[i];
		json_t *value = json_object_get(body, field->name), *valid;

		if (!value && field->required) {
			schema_error(errors, "body", field->name, "field required",
			             "value_error.missing", NULL);
		} else if (!value) {
			json_object_set_new(out, field->name, json_string("public"));
		} else if ((valid = schema_validate_field(field, value, "body", errors))) {
			json_object_set_new(out, field->name, valid);
		}
	}
	if (json_array_size(errors) > before) {
		json_decref(out);
		return NULL;
	}
	return out;
}
