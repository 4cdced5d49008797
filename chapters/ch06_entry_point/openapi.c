/*
 * openapi.c - GET /openapi.json: the API described from the route table and the schemas,
 * the way FastAPI generates its document (fastapi/openapi/utils.py).
 *
 * Nothing here is written by hand per route: paths, parameters, request and response
 * bodies come from app_routes[] (main.c), and every schema's properties and `required` list
 * from its fields, whose types come from the models' columns. So a column added to a model
 * and a schema shows up in validation, in the JSON and in this document at once.
 * tests/ch06/fastapi_reference.py prints FastAPI's own document for the same app; the test
 * compares the two.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "main.h"

#define REF "#/components/schemas/"

/* Python's str.title() after "_" -> " ": "user_id" -> "User Id". */
static json_t *title(const char *name)
{
	size_t n = strlen(name);
	char *text = malloc(n + 1);
	json_t *out;
	bool after_letter = false;

	if (!text)
		return NULL;
	for (size_t i = 0; i <= n; i++) {
		char c = name[i] == '_' ? ' ' : name[i];
		bool letter = isalpha((unsigned char)c);
		text[i] = letter ? (char)(after_letter ? tolower((unsigned char)c)
		                                       : toupper((unsigned char)c))
		                 : c;
		after_letter = letter;
	}
	out = json_string(text);
	free(text);
	return out;
}

static json_t *ref(const char *name)
{
	char text[128];
	snprintf(text, sizeof text, REF "%s", name);
	return json_pack("{s:s}", "$ref", text);
}

/* The Python class name of an enum: SQLAlchemy named the type after it in lower case. */
static const char *enum_title(const orm_enum *type)
{
	return type == &SocialStatus_type ? "SocialStatus" : type->name;
}

static void add_schema(json_t *components, const schema *s);

/* One property (or a parameter's "schema"): its JSON type from the column's type. */
static json_t *field_schema(json_t *components, const schema_field *field)
{
	json_t *out;
	const orm_enum *type = schema_field_enum(field);

	if (field->items) {
		add_schema(components, field->items);
		out = json_pack("{s:o,s:s,s:o}", "title", title(field->name), "type", "array",
		                "items", ref(field->items->name));
	} else if (type) {
		json_t *labels = json_array();
		for (size_t i = 0; i < type->nlabels; i++)
			json_array_append_new(labels, json_string(type->labels[i]));
		json_object_set_new(components, enum_title(type),
		                    json_pack("{s:s,s:o,s:s}", "title", enum_title(type), "enum",
		                              labels, "description", "An enumeration."));
		if (!field->default_json)
			return ref(enum_title(type));
		out = json_pack("{s:[o]}", "allOf", ref(enum_title(type)));
	} else {
		orm_column_type t = schema_field_type(field);
		bool integer = t == ORM_INTEGER || t == ORM_BIGINTEGER;
		out = json_pack("{s:o,s:s}", "title", title(field->name), "type",
		                integer ? "integer" : "string");
		if (t == ORM_DATE)
			json_object_set_new(out, "format", json_string("date"));
		if (field->ge_zero)
			json_object_set_new(out, "minimum", json_real(0.0));
	}
	if (field->default_json)
		json_object_set_new(out, "default",
		                    json_loads(field->default_json, JSON_DECODE_ANY, NULL));
	return out;
}

static void add_schema(json_t *components, const schema *s)
{
	json_t *required = json_array(), *properties = json_object(), *out;

	for (size_t i = 0; i < s->nfields; i++) {
		if (s->fields[i].required)
			json_array_append_new(required, json_string(s->fields[i].name));
		json_object_set_new(properties, s->fields[i].name,
		                    field_schema(components, &s->fields[i]));
	}
	out = json_pack("{s:s}", "title", s->name);
	if (json_array_size(required) > 0)
		json_object_set(out, "required", required);
	json_object_set_new(out, "type", json_string("object"));
	json_object_set_new(out, "properties", properties);
	json_object_set_new(components, s->name, out);
	json_decref(required);
}

static const char validation_schemas[] =
    "{\"HTTPValidationError\": {\"title\": \"HTTPValidationError\", \"type\": \"object\","
    " \"properties\": {\"detail\": {\"title\": \"Detail\", \"type\": \"array\","
    " \"items\": {\"$ref\": \"" REF "ValidationError\"}}}},"
    " \"ValidationError\": {\"title\": \"ValidationError\", \"required\": [\"loc\", \"msg\","
    " \"type\"], \"type\": \"object\", \"properties\": {\"loc\": {\"title\": \"Location\","
    " \"type\": \"array\", \"items\": {\"anyOf\": [{\"type\": \"string\"},"
    " {\"type\": \"integer\"}]}}, \"msg\": {\"title\": \"Message\", \"type\": \"string\"},"
    " \"type\": {\"title\": \"Error Type\", \"type\": \"string\"}}}}";

static json_t *json_content(json_t *body_schema)
{
	return json_pack("{s:{s:o}}", "application/json", "schema", body_schema);
}

/* One operation: paths[path][method]. */
static json_t *operation(json_t *components, const app_route *route)
{
	char id[256], method[8];
	size_t n = 0;

	for (size_t i = 0; route->method[i] && i < sizeof method - 1; i++)
		method[i] = (char)tolower((unsigned char)route->method[i]), method[i + 1] = '\0';
	/* operationId: the function's name, the path with every non-word character as '_', the
	 * method: read_user_users__user_id__get */
	n = (size_t)snprintf(id, sizeof id, "%s", route->name);
	for (const char *p = route->path; *p && n < sizeof id - 1; p++)
		id[n++] = isalnum((unsigned char)*p) || *p == '_' ? *p : '_';
	snprintf(id + n, sizeof id - n, "_%s", method);

	json_t *op = json_pack("{s:o,s:s}", "summary", title(route->name), "operationId", id);
	if (route->nparams > 0) {
		json_t *params = json_array();
		for (size_t i = 0; i < route->nparams; i++) {
			const app_param *p = &route->params[i];
			json_array_append_new(
			    params, json_pack("{s:b,s:o,s:s,s:s}", "required", p->field.required,
			                      "schema", field_schema(components, &p->field), "name",
			                      p->field.name, "in", p->in));
		}
		json_object_set_new(op, "parameters", params);
	}
	if (route->body) {
		add_schema(components, route->body);
		json_object_set_new(op, "requestBody",
		                    json_pack("{s:o,s:b}", "content",
		                              json_content(ref(route->body->name)), "required", 1));
	}
	add_schema(components, route->response);
	json_t *answer = ref(route->response->name);
	if (route->response_is_list) {
		char name[300];
		snprintf(name, sizeof name, "Response_%s", id);
		answer = json_pack("{s:o,s:s,s:o}", "title", title(name), "type", "array", "items",
		                   answer);
	}
	json_t *responses = json_pack("{s:{s:s,s:o}}", "200", "description", "Successful Response",
	                              "content", json_content(answer));
	if (route->nparams > 0 || route->body)
		json_object_set_new(responses, "422",
		                    json_pack("{s:s,s:o}", "description", "Validation Error",
		                              "content", json_content(ref("HTTPValidationError"))));
	json_object_set_new(op, "responses", responses);
	return op;
}

json_t *openapi_document(const app_route *const *routes, size_t nroutes)
{
	json_t *paths = json_object(), *components = json_object();
	bool validation = false;

	for (size_t i = 0; i < nroutes; i++) {
		const app_route *route = routes[i];
		char method[8] = "";
		json_t *path;

		if (!route->name) /* not part of the API: /openapi.json itself */
			continue;
		for (size_t k = 0; route->method[k] && k < sizeof method - 1; k++)
			method[k] = (char)tolower((unsigned char)route->method[k]);
		if (!(path = json_object_get(paths, route->path))) {
			path = json_object();
			json_object_set_new(paths, route->path, path);
		}
		if (json_object_get(path, method)) /* replaced by an earlier route */
			continue;
		json_object_set_new(path, method, operation(components, route));
		validation = validation || route->nparams > 0 || route->body;
	}
	if (validation) {
		json_t *fixed = json_loads(validation_schemas, 0, NULL);
		json_object_update(components, fixed);
		json_decref(fixed);
	}
	return json_pack("{s:s,s:{s:s,s:s},s:o,s:{s:o}}", "openapi", "3.0.2", "info", "title",
	                 "FastAPI", "version", "0.1.0", "paths", paths, "components", "schemas",
	                 components);
}
