/*
 * cr_json.c
 *		Cresta's JSON, which is protobuf's JSON mapping: writing scorecards,
 *		and reading request bodies against a table of a message's fields.
 *
 * Written: a field at its default value (false, 0, "", an empty list, the
 * UNSPECIFIED enum value, an unset time or message) is omitted; floats
 * are float32; times are UTC with 0, 3 or 6 fractional digits.
 *
 * Read: each field by its camelCase or its snake_case name; an unknown
 * field, a value of the wrong type, a time that is not RFC 3339 or an
 * unknown enum value is a 400 naming the field; null is the same as
 * absent. What is read is normalized the way it is written back.
 */
#include "cresta.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- writing ---------- */

/* Write a float member the way protobuf writes a float32. */
static void
json_kfloat(StrBuf *b, bool *first, const char *key, float v)
{
	char		num[48];

	cr_format_float(num, sizeof(num), v);
	json_key(b, first, key);
	buf_puts(b, num);
}

/* Write a time member, unless t is 0 (unset). */
static void
json_kcrtime(StrBuf *b, bool *first, const char *key, SimTime t)
{
	char		ts[48];

	if (t == 0)
		return;
	cr_format_time(ts, sizeof(ts), t);
	json_kstr(b, first, key, ts);
}

/* Write a user object, with a few of the fields the document lists. */
void
cr_write_user(StrBuf *b, const CrUser *u)
{
	bool		first = true;
	char		tmp[128];

	buf_putc(b, '{');
	json_kstr(b, &first, "name", u->name);
	json_kstr(b, &first, "userId", u->id);
	json_kstr(b, &first, "username", u->email);
	json_kstr(b, &first, "email", u->email);
	snprintf(tmp, sizeof(tmp), "%s %s", u->first, u->last);
	json_kstr(b, &first, "displayName", tmp);
	json_kstr(b, &first, "fullName", tmp);
	if (u->dev)
		json_kbool(b, &first, "isDevUser", true);
	json_key(b, &first, "roles");
	buf_puts(b, u->manager ? "[\"MANAGER\",\"QA_SPECIALIST\"]" : "[\"AGENT\"]");
	cr_team_name(u->team, tmp, sizeof(tmp));
	json_kstr(b, &first, "team", tmp);
	buf_putc(b, '}');
}

/* Write a user member, unless user is -1. */
static void
json_kuser(StrBuf *b, bool *first, const char *key, int user)
{
	if (user < 0)
		return;
	json_key(b, first, key);
	cr_write_user(b, &cr.users[user]);
}

/*
 * Write one criterion's score. numericValue and textValue are a oneof, so
 * a 0 is written; aiValue is a plain float, so a 0 is not.
 */
static void
write_score(StrBuf *b, const CrScore *s)
{
	bool		first = true;

	buf_putc(b, '{');
	json_kstr(b, &first, "criterionId", s->crit->id);
	json_kstr(b, &first, "criterionDisplayName", s->crit->display_name);
	json_kstr(b, &first, "chapterId", s->crit->chapter_id);
	if (!s->na && s->crit->kind == CR_NUMERIC)
		json_kfloat(b, &first, "numericValue", (float) s->value);
	if (!s->na && s->crit->kind == CR_TEXT)
		json_kstr(b, &first, "textValue", s->text);
	if (s->comment)
		json_kstr(b, &first, "comment", s->comment);
	if (s->na)
		json_kbool(b, &first, "notApplicable", true);
	if (s->ai_scored && s->ai_value != 0)
		json_kfloat(b, &first, "aiValue", (float) s->ai_value);
	if (s->ai_scored)
		json_kbool(b, &first, "aiScored", true);
	if (s->auto_failed)
		json_kbool(b, &first, "autoFailed", true);
	if (s->roles >= 0)
	{
		bool		f = true;

		json_key(b, &first, "commentAccessRoles");
		buf_putc(b, '[');
		for (int i = 0; cr_role_sets[s->roles][i]; i++)
		{
			json_sep(b, &f);
			json_str(b, cr_role_sets[s->roles][i]);
		}
		buf_putc(b, ']');
	}
	buf_putc(b, '}');
}

/* Write a string member made of cr_parent, a collection and an id. */
static void
json_kname(StrBuf *b, bool *first, const char *key, const char *collection, const char *id)
{
	char		name[512];

	snprintf(name, sizeof(name), "%s/%s/%s", cr_parent, collection, id);
	json_kstr(b, first, key, name);
}

/* Write a generated scorecard, in the order of the document's example. */
static void
write_generated(StrBuf *b, const CrScorecard *sc)
{
	CrDetail	d;
	bool		first = true;

	cr_expand(sc, &d);
	buf_putc(b, '{');
	json_kname(b, &first, "name", "scorecards", sc->id);
	json_kname(b, &first, "conversationName", "conversations", d.conversation);
	json_kstr(b, &first, "agentUserName", sc->agent_name);
	json_kuser(b, &first, "creator", d.creator);
	json_kstr(b, &first, "templateName", sc->template_name);
	if (d.comment && d.comment[0])
		json_kstr(b, &first, "comment", d.comment);
	if (d.total != 0)
		json_kfloat(b, &first, "totalScore", d.total);
	json_key(b, &first, "scores");
	buf_putc(b, '[');
	for (int i = 0; i < d.nscores; i++)
	{
		if (i > 0)
			buf_putc(b, ',');
		write_score(b, &d.scores[i]);
	}
	buf_putc(b, ']');
	if (d.nplans > 0)
	{
		json_key(b, &first, "coachingPlanNames");
		buf_putc(b, '[');
		for (int i = 0; i < d.nplans; i++)
		{
			bool		f = i == 0;
			char		plan[256];

			json_sep(b, &f);
			snprintf(plan, sizeof(plan), "%s/coachingPlans/plan-%03d", cr_parent, d.plans[i]);
			json_str(b, plan);
		}
		buf_putc(b, ']');
	}
	json_kcrtime(b, &first, "createTime", sc->create_time);
	json_kcrtime(b, &first, "updateTime", sc->update_time);
	json_kcrtime(b, &first, "submitTime", sc->submit_time);
	json_kcrtime(b, &first, "aiScoreTime", d.ai_time);
	if (d.manually_scored)
		json_kbool(b, &first, "manuallyScored", true);
	if (d.auto_failed)
		json_kbool(b, &first, "autoFailed", true);
	json_kcrtime(b, &first, "acknowledgeTime", d.ack_time);
	if (d.ack_comment)
		json_kstr(b, &first, "acknowledgeComment", d.ack_comment);
	json_kname(b, &first, "usecaseName", "usecases", cr_templates[sc->template].usecase);
	json_kuser(b, &first, "updatedBy", d.updated_by);
	json_kuser(b, &first, "submittedBy", d.submitted_by);
	if (sc->type == 5)			/* a group calibration response */
	{
		json_kname(b, &first, "calibratedScorecardName", "scorecards", cr.block[sc->ref].id);
		json_kfloat(b, &first, "calibrationConsistencyScore", d.consistency);
	}
	json_kcrtime(b, &first, "processInteractionTime", d.process_time);
	if (d.process_id[0])
		json_kstr(b, &first, "processId", d.process_id);
	if (d.source != 0)
		json_kstr(b, &first, "submissionSource", cr_submission_sources[d.source]);
	if (sc->type != 0)
		json_kstr(b, &first, "scorecardType", cr_scorecard_types[sc->type]);
	if (d.reference[0])
		json_kstr(b, &first, "referenceScorecardId", d.reference);
	buf_putc(b, '}');
}

/* Write a scorecard: generated, or as it was created through the API. */
void
cr_write_scorecard(StrBuf *b, const CrScorecard *sc)
{
	if (sc->json)
		buf_puts(b, sc->json);
	else
		write_generated(b, sc);
}

/* Serialize a JSON tree as the simulator answers (compact, '/' unescaped). */
char *
cr_json_text(struct json_object *obj)
{
	return strdup(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
												 JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* A string member of obj, or NULL. */
const char *
cr_get_string(struct json_object *obj, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(obj, key, &v) ? json_object_get_string(v) : NULL;
}

/* A time member of obj (one cr_read_message has checked), or 0. */
SimTime
cr_get_time(struct json_object *obj, const char *key)
{
	const char *s = cr_get_string(obj, key);
	SimTime		t = 0;

	if (s)
		parse_time(s, &t);
	return t;
}

/*
 * Set a string member of a created scorecard ("" removes it, as a field at
 * its default is not written) and write its JSON again.
 */
void
cr_doc_set_string(CrScorecard *sc, const char *key, const char *value)
{
	if (value[0] == '\0')
		json_object_object_del(sc->doc, key);
	else
		json_object_object_add(sc->doc, key, json_object_new_string(value));
	free(sc->json);
	sc->json = cr_json_text(sc->doc);
}

/* ---------- reading ---------- */

static const char *const type_names[] = {
	[F_STRING] = "TYPE_STRING", [F_NAME] = "TYPE_STRING", [F_BOOL] = "TYPE_BOOL",
	[F_FLOAT] = "TYPE_FLOAT", [F_INT32] = "TYPE_INT32", [F_TIME] = "TYPE_MESSAGE",
	[F_ENUM] = "TYPE_ENUM", [F_STRINGS] = "TYPE_STRING", [F_NAMES] = "TYPE_STRING",
	[F_ENUMS] = "TYPE_ENUM", [F_OBJECT] = "TYPE_MESSAGE", [F_OBJECTS] = "TYPE_MESSAGE",
	[F_MESSAGES] = "TYPE_MESSAGE",
};

/* Answer 400: the value at path.field is not what the field takes. */
static void
invalid_value(SimResponse *resp, const char *path, const CrField *f,
			  struct json_object *v, const char *why)
{
	cr_error(resp, 400, "INVALID_ARGUMENT", "Invalid value at '%s%s%s' (%s), %s%s%s",
			 path, *path ? "." : "", f->name, type_names[f->type],
			 json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
			 why ? ": " : "", why ? why : "");
}

/* Is s the name of a resource of field f's collection (of our customer or parent)? */
static bool
valid_name(const CrField *f, const char *s)
{
	char		prefix[320];
	size_t		n;

	if (f->customer)
		snprintf(prefix, sizeof(prefix), "customers/%s/%s/", cr_customer, f->collection);
	else
		snprintf(prefix, sizeof(prefix), "%s/%s/", cr_parent, f->collection);
	n = strlen(prefix);
	return strncmp(s, prefix, n) == 0 && s[n] != '\0' && strchr(s + n, '/') == NULL;
}

/* Is s one of the enum values (NULL-ended)? */
static bool
enum_value(const char *const *values, const char *s)
{
	for (int i = 0; values[i]; i++)
		if (strcmp(values[i], s) == 0)
			return true;
	return false;
}

/*
 * Read one scalar of field f (an element, for the list types): returns its
 * normalized value, or NULL after answering 400. *is_default says whether
 * it is the field's default value, which is not written back.
 */
static struct json_object *
read_scalar(const CrField *f, struct json_object *v, const char *path,
			SimResponse *resp, bool *is_default)
{
	enum json_type t = json_object_get_type(v);
	char		text[64];
	SimTime		ts;

	*is_default = false;
	switch (f->type)
	{
		case F_BOOL:
			if (t != json_type_boolean)
				break;
			*is_default = !json_object_get_boolean(v);
			return json_object_get(v);
		case F_FLOAT:
			{
				float		x;

				if (t != json_type_double && t != json_type_int)
					break;
				x = (float) json_object_get_double(v);
				if (f->min < f->max && !(x >= f->min && x <= f->max) &&
					!(f->minus_one && x == -1.0f))
				{
					invalid_value(resp, path, f, v, "out of range");
					return NULL;
				}
				*is_default = x == 0;
				cr_format_float(text, sizeof(text), x);
				return json_object_new_double_s(x, text);
			}
		case F_INT32:
			if (t != json_type_int || json_object_get_int64(v) < INT32_MIN ||
				json_object_get_int64(v) > INT32_MAX)
				break;
			*is_default = json_object_get_int64(v) == 0;
			return json_object_get(v);
		default:
			break;
	}
	if (f->type == F_BOOL || f->type == F_FLOAT || f->type == F_INT32 || t != json_type_string)
	{
		invalid_value(resp, path, f, v, NULL);
		return NULL;
	}
	/* a string: F_STRING(S), F_NAME(S), F_ENUM(S) or F_TIME */
	*is_default = json_object_get_string_len(v) == 0;
	if (f->type == F_TIME)
	{
		if (!cr_parse_time(json_object_get_string(v), &ts))
		{
			invalid_value(resp, path, f, v, "not an RFC 3339 time");
			return NULL;
		}
		cr_format_time(text, sizeof(text), ts);
		return json_object_new_string(text);
	}
	if ((f->type == F_NAME || f->type == F_NAMES) && !*is_default &&
		!valid_name(f, json_object_get_string(v)))
	{
		invalid_value(resp, path, f, v, "not a resource name of the expected form");
		return NULL;
	}
	if (f->type == F_ENUM || f->type == F_ENUMS)
	{
		if (!enum_value(f->values, json_object_get_string(v)))
		{
			invalid_value(resp, path, f, v, "unknown enum value");
			return NULL;
		}
		*is_default = strcmp(json_object_get_string(v), f->values[0]) == 0;
	}
	return json_object_get(v);
}

/* Read a list field: each element, or each message of F_MESSAGES. */
static struct json_object *
read_list(const CrField *f, struct json_object *v, const char *path,
		  SimResponse *resp, bool *is_default)
{
	struct json_object *out;
	size_t		n;

	if (!json_object_is_type(v, json_type_array))
	{
		invalid_value(resp, path, f, v, "a list is expected");
		return NULL;
	}
	n = json_object_array_length(v);
	*is_default = n == 0;
	out = json_object_new_array();
	for (size_t i = 0; i < n; i++)
	{
		struct json_object *e = json_object_array_get_idx(v, i);
		struct json_object *r;
		char		elem_path[256];
		bool		dflt;

		snprintf(elem_path, sizeof(elem_path), "%s%s%s[%zu]", path, *path ? "." : "", f->name, i);
		if (f->type == F_MESSAGES)
			r = cr_read_message(e, f->fields, f->nfields, elem_path, resp);
		else if (f->type == F_OBJECTS)
			r = json_object_is_type(e, json_type_object) ? json_object_get(e) : NULL;
		else
			r = read_scalar(f, e, path, resp, &dflt);
		if (r == NULL)
		{
			if (resp->status == 200)
				invalid_value(resp, path, f, e, "an object is expected");
			json_object_put(out);
			return NULL;
		}
		json_object_array_add(out, r);
	}
	return out;
}

/* Read the value of field f: returns it normalized, or NULL after a 400. */
static struct json_object *
read_field(const CrField *f, struct json_object *v, const char *path,
		   SimResponse *resp, bool *is_default)
{
	switch (f->type)
	{
		case F_STRINGS:
		case F_NAMES:
		case F_ENUMS:
		case F_OBJECTS:
		case F_MESSAGES:
			return read_list(f, v, path, resp, is_default);
		case F_OBJECT:
			*is_default = false;
			if (!json_object_is_type(v, json_type_object))
			{
				invalid_value(resp, path, f, v, "an object is expected");
				return NULL;
			}
			return json_object_get(v);
		default:
			return read_scalar(f, v, path, resp, is_default);
	}
}

/* The value of field f in obj under either of its names; 400 when both are given. */
static bool
field_value(struct json_object *obj, const CrField *f, const char *path,
			SimResponse *resp, struct json_object **v)
{
	char		snake[64];
	struct json_object *v2 = NULL;

	cr_snake_case(f->name, snake, sizeof(snake));
	*v = NULL;
	json_object_object_get_ex(obj, f->name, v);
	if (strcmp(snake, f->name) != 0)
		json_object_object_get_ex(obj, snake, &v2);
	if (*v && v2)
	{
		cr_error(resp, 400, "INVALID_ARGUMENT",
				 "Invalid JSON payload received. Duplicate field \"%s\" at '%s'", f->name, path);
		return false;
	}
	if (*v == NULL)
		*v = v2;
	return true;
}

/* Is key one of the fields' names, camelCase or snake_case? */
static bool
known_field(const CrField *fields, int nfields, const char *key)
{
	for (int i = 0; i < nfields; i++)
	{
		char		snake[64];

		cr_snake_case(fields[i].name, snake, sizeof(snake));
		if (strcmp(fields[i].name, key) == 0 || strcmp(snake, key) == 0)
			return true;
	}
	return false;
}

/*
 * Read a message (a JSON object) of the given fields, path naming it in
 * messages ("" for the request body itself). Returns a new object of the
 * fields that are not at their default, in the table's order, or NULL
 * after answering 400. A required field must be given, not null, and for
 * strings and lists not empty.
 */
struct json_object *
cr_read_message(struct json_object *obj, const CrField *fields, int nfields,
				const char *path, SimResponse *resp)
{
	struct json_object *out;

	if (!json_object_is_type(obj, json_type_object))
	{
		cr_error(resp, 400, "INVALID_ARGUMENT",
				 "Invalid JSON payload received. '%s' must be an object", path);
		return NULL;
	}
	json_object_object_foreach(obj, key, val)
	{
		(void) val;
		if (!known_field(fields, nfields, key))
		{
			cr_error(resp, 400, "INVALID_ARGUMENT",
					 "Invalid JSON payload received. Unknown name \"%s\" at '%s': Cannot find field.",
					 key, path);
			return NULL;
		}
	}
	out = json_object_new_object();
	for (int i = 0; i < nfields; i++)
	{
		const CrField *f = &fields[i];
		struct json_object *v;
		struct json_object *r = NULL;
		bool		is_default = true;

		if (!field_value(obj, f, path, resp, &v) ||
			(v && !json_object_is_type(v, json_type_null) &&
			 (r = read_field(f, v, path, resp, &is_default)) == NULL))
		{
			json_object_put(out);
			return NULL;
		}
		if (f->required && (r == NULL || (is_default && f->type != F_BOOL &&
										  f->type != F_FLOAT && f->type != F_INT32)))
		{
			json_object_put(r);
			json_object_put(out);
			cr_error(resp, 400, "INVALID_ARGUMENT", "%s%s%s is required", path,
					 *path ? "." : "", f->name);
			return NULL;
		}
		if (r && is_default && !f->presence)
			json_object_put(r);
		else if (r)
			json_object_object_add(out, f->name, r);
	}
	return out;
}

/*
 * Parse a request body as a JSON object, strictly (valid UTF-8, nothing
 * after the object); NULL after answering 400.
 */
struct json_object *
cr_parse_body(const SimRequest *req, SimResponse *resp)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *body;
	enum json_tokener_error err;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	body = json_tokener_parse_ex(tok, req->body_len ? req->body : "", (int) req->body_len);
	err = json_tokener_get_error(tok);
	if (err == json_tokener_continue)
		err = json_tokener_error_parse_eof;
	json_tokener_free(tok);
	if (body == NULL || !json_object_is_type(body, json_type_object))
	{
		cr_error(resp, 400, "INVALID_ARGUMENT", "Invalid JSON payload received. %s",
				 err != json_tokener_success ? json_tokener_error_desc(err) :
				 "The body must be a JSON object.");
		json_object_put(body);
		return NULL;
	}
	return body;
}
