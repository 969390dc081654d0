/*
 * siro_admin.c
 *		Changing Siro data while the simulator runs, below /_admin/siro/:
 *
 *		GET    recordings[?order=updatedAt]   every recording in listing order
 *		POST   recordings             {"count": n, "userId": "...", "fields": {...}}
 *		POST   recordings/{id}/modify {"fields": {...}}
 *		DELETE recordings/{id}        deleted: true, deletedDate = updatedAt = now
 *
 * "fields" replaces top-level members of the recording object with the
 * given JSON (a CRM link arriving: {"crmCustomer": {...}}). Every change
 * happens at the simulated clock's now and moves updatedAt there, so the
 * recording comes again to a client polling by updatedAt.
 */
#include "siro.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

/* Members the simulator keeps itself: changed through add, modify, delete only. */
static const char *const managed[] = {"id", "dateCreated", "updatedAt", "deleted", "deletedDate"};

/* Are all members of body among the space-separated names of allowed? */
static bool
members_allowed(struct json_object *body, const char *allowed, SimResponse *resp)
{
	json_object_object_foreach(body, key, val)
	{
		const char *p = strstr(allowed, key);
		size_t		n = strlen(key);

		(void) val;
		if (p == NULL || (p != allowed && p[-1] != ' ') || (p[n] != ' ' && p[n] != '\0'))
		{
			resp_error(resp, 400, "Bad Request", "unknown member \"%s\" (expected %s)", key, allowed);
			return false;
		}
	}
	return true;
}

/*
 * Check "fields" against a recording: an object whose members are members
 * of the recording object (with every optional part) other than those the
 * simulator manages. Answer 400 and return false when it is not.
 */
static bool
fields_valid(struct json_object *fields, const SiroRec *rec, SimResponse *resp)
{
	static const bool all[SIRO_NPARTS] = {true, true, true, true, true, true, true, true};
	struct json_object *shown;
	StrBuf		b;
	bool		ok = true;

	if (!json_object_is_type(fields, json_type_object))
	{
		resp_error(resp, 400, "Bad Request", "fields must be a JSON object");
		return false;
	}
	buf_init(&b, 16384);
	siro_write_recording(&b, rec, all);
	shown = json_tokener_parse(b.data);
	buf_free(&b);
	json_object_object_foreach(fields, key, val)
	{
		(void) val;
		for (size_t i = 0; ok && i < sizeof(managed) / sizeof(managed[0]); i++)
			ok = strcmp(key, managed[i]) != 0;
		if (!ok || !json_object_object_get_ex(shown, key, NULL))
		{
			resp_error(resp, 400, "Bad Request", "%s is not a member a client can change", key);
			ok = false;
			break;
		}
	}
	json_object_put(shown);
	return ok;
}

/* Replace the recording's members with those of fields (checked by fields_valid). */
static void
apply_fields(SiroRec *rec, struct json_object *fields)
{
	if (fields == NULL)
		return;
	json_object_object_foreach(fields, key, val)
		siro_set_override(rec, key, json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN));
}

/* Write what a change did: id, the times and the deletion. */
static void
write_change(StrBuf *b, const SiroRec *rec)
{
	bool		f = true;

	buf_putc(b, '{');
	json_kstr(b, &f, "id", rec->id);
	json_key(b, &f, "dateCreated");
	json_ms(b, rec->created);
	json_key(b, &f, "updatedAt");
	json_ms(b, rec->updated);
	json_kbool(b, &f, "deleted", rec->deleted);
	json_key(b, &f, "deletedDate");
	json_ms(b, rec->deleted_at);
	buf_putc(b, '}');
}

/* The index of the user with this id (a JSON string), or -1. */
static int
user_index(struct json_object *id)
{
	for (int i = 0; json_object_is_type(id, json_type_string) && i < SIRO_NUSERS; i++)
		if (strcmp(siro.users[i].id, json_object_get_string(id)) == 0 && siro.users[i].team >= 0)
			return i;
	return -1;
}

/*
 * POST recordings: add "count" recordings (by "userId", a rep or manager)
 * that have just finished processing, with "fields" replaced. Nothing is
 * added when the body is invalid.
 */
static void
admin_add(struct json_object *body, SimResponse *resp)
{
	struct json_object *v;
	struct json_object *fields = NULL;
	int			count;
	int			user = -1;
	int			first_new = siro.nrecs;
	bool		has_fields;
	SimTime		now = sim_now();

	if (!members_allowed(body, "count userId fields", resp) ||
		!admin_count(body, &count, resp))
		return;
	if (json_object_object_get_ex(body, "userId", &v) && (user = user_index(v)) < 0)
	{
		resp_error(resp, 400, "Bad Request", "userId must be the id of a rep or a manager");
		return;
	}
	has_fields = json_object_object_get_ex(body, "fields", &fields);
	for (int i = 0; i < count; i++)
		siro_add(now, user);
	if (has_fields && !fields_valid(fields, &siro.recs[first_new], resp))
	{
		/* not indexed yet: forgetting them undoes the add */
		siro.nrecs = first_new;
		return;
	}
	buf_putc(&resp->body, '[');
	for (int i = first_new; i < siro.nrecs; i++)
	{
		apply_fields(&siro.recs[i], fields);
		if (i > first_new)
			buf_putc(&resp->body, ',');
		write_change(&resp->body, &siro.recs[i]);
	}
	buf_putc(&resp->body, ']');
	/* one re-sort for the lot: a large count stays fast */
	siro_reindex();
}

/* POST recordings/{id}/modify: replace "fields", move updatedAt to now. */
static void
admin_modify(SiroRec *rec, struct json_object *body, SimResponse *resp)
{
	struct json_object *fields = NULL;
	SimTime		now = sim_now();

	if (!members_allowed(body, "fields", resp) ||
		(json_object_object_get_ex(body, "fields", &fields) && !fields_valid(fields, rec, resp)))
		return;
	apply_fields(rec, fields);
	rec->updated = now - now % 1000;
	siro_reindex();
	write_change(&resp->body, rec);
}

/* DELETE recordings/{id}: the recording stays, marked deleted now. */
static void
admin_delete(SiroRec *rec, SimResponse *resp)
{
	SimTime		now = sim_now();

	if (rec->deleted)
	{
		resp_error(resp, 409, "Conflict", "recording \"%s\" is already deleted", rec->id);
		return;
	}
	rec->deleted = true;
	rec->deleted_at = rec->updated = now - now % 1000;
	siro_reindex();
	write_change(&resp->body, rec);
}

/* GET recordings[?order=updatedAt]: every recording in a listing order. */
static void
admin_list(SimRequest *req, SimResponse *resp)
{
	const char *order = req_param(req, "order");
	const int  *arr;

	if (order && strcmp(order, "updatedAt") != 0 && strcmp(order, "dateCreated") != 0)
	{
		resp_error(resp, 400, "Bad Request", "order must be dateCreated or updatedAt");
		return;
	}
	arr = siro.order[order && order[0] == 'u' ? SIRO_BY_UPDATED : SIRO_BY_CREATED];
	buf_putc(&resp->body, '[');
	for (int i = 0; i < siro.nrecs; i++)
	{
		if (i)
			buf_putc(&resp->body, ',');
		write_change(&resp->body, &siro.recs[arr[i]]);
	}
	buf_putc(&resp->body, ']');
}

/* Route recordings/{id}[/modify] to modify or delete. */
static void
admin_one(SimRequest *req, const char *rest, struct json_object *body, SimResponse *resp)
{
	size_t		n = strlen(rest);
	bool		modify = n > 7 && strcmp(rest + n - 7, "/modify") == 0;
	char	   *id = strndup(rest, n - (modify ? 7 : 0));
	SiroRec    *rec = siro_find(id);

	if (rec == NULL)
		resp_error(resp, 404, "Not Found", "no recording with id \"%s\"", id);
	else if (modify && strcmp(req->method, "POST") == 0)
		admin_modify(rec, body, resp);
	else if (!modify && strcmp(req->method, "DELETE") == 0)
		admin_delete(rec, resp);
	else
		resp_error(resp, 405, "Method Not Allowed", "%s /_admin/siro/recordings/%s", req->method, rest);
	free(id);
}

/* Route /_admin/siro/<path> (called under the data write lock). */
void
siro_admin(SimRequest *req, const char *path, struct json_object *body, SimResponse *resp)
{
	if (strcmp(path, "recordings") == 0 && strcmp(req->method, "GET") == 0)
		admin_list(req, resp);
	else if (strcmp(path, "recordings") == 0 && strcmp(req->method, "POST") == 0)
		admin_add(body, resp);
	else if (strncmp(path, "recordings/", 11) == 0)
		admin_one(req, path + 11, body, resp);
	else
		resp_error(resp, 404, "Not Found", "no admin route /_admin/siro/%s", path);
}
