/*
 * ev_admin.c
 *		Changing ExecVision data while the simulator runs, below
 *		/_admin/execvision/:
 *
 *		POST   calls             {"count": n, "metadata": {...}, "state": "..."}
 *		GET    calls             every live call: id, modified, state
 *		GET    deleted           every deleted call: id, deletedAt
 *		POST   calls/{id}/modify {"metadata": {...}, "state": "..."}
 *		DELETE calls/{id}        delete (shows up in calls/deleted)
 *		POST   config            {"repeat_last_id_rate": r, "allow_delete": b}
 *
 * Every change happens at the simulated clock's now; a changed call moves
 * to the end of the (modified, id) order, as a state change does.
 */
#include "ev.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

/* Apply {"key": value, ...} (checked by change_valid) to a call's metadata. */
static void
apply_metadata(EvCall *c, struct json_object *meta)
{
	json_object_object_foreach(meta, key, val)
	{
		EvMetaType	type;

		switch (json_object_get_type(val))
		{
			case json_type_string:
				ev_set_meta(c, key, json_object_get_string(val), META_STRING);
				continue;
			case json_type_boolean:
				type = META_BOOL;
				break;
			case json_type_null:
				type = META_NULL;
				break;
			default:
				type = META_NUMBER;
				break;
		}
		ev_set_meta(c, key, json_object_to_json_string(val), type);
	}
}

/* Index of the state named by a JSON string, or -1. */
static int
state_index(struct json_object *state)
{
	if (!json_object_is_type(state, json_type_string))
		return -1;
	for (int i = 0; i < ev_nstates; i++)
		if (strcmp(json_object_get_string(state), ev_states[i]) == 0)
			return i;
	return -1;
}

/*
 * Check the "metadata" (an object of scalars, as CRM custom fields are) and
 * "state" members of a change before anything is changed; answer 400 and
 * return false when they are invalid.
 */
static bool
change_valid(struct json_object *body, SimResponse *resp)
{
	struct json_object *v;

	if (json_object_object_get_ex(body, "state", &v) && state_index(v) < 0)
	{
		resp_error(resp, 400, "Bad Request", "unknown state %s",
				   json_object_to_json_string(v));
		return false;
	}
	if (!json_object_object_get_ex(body, "metadata", &v))
		return true;
	if (!json_object_is_type(v, json_type_object))
	{
		resp_error(resp, 400, "Bad Request", "metadata must be a JSON object");
		return false;
	}
	json_object_object_foreach(v, key, val)
	{
		if (json_object_is_type(val, json_type_object) ||
			json_object_is_type(val, json_type_array))
		{
			resp_error(resp, 400, "Bad Request",
					   "metadata field \"%s\" must be a string, number, boolean or null", key);
			return false;
		}
	}
	return true;
}

/* Write {"id": ..., "modified": ...} (and "deletedAt") for a changed call. */
static void
write_change(StrBuf *b, bool *first, const EvCall *c)
{
	bool		f = true;

	json_sep(b, first);
	buf_putc(b, '{');
	json_kstr(b, &f, "id", c->id);
	json_ktime(b, &f, "modified", c->modified, 6);
	if (c->deleted)
		json_ktime(b, &f, "deletedAt", c->deleted_at, 6);
	buf_putc(b, '}');
}

/* POST calls: add "count" new calls, all modified now (with state and metadata). */
static void
admin_add(struct json_object *body, SimResponse *resp)
{
	struct json_object *meta = NULL;
	struct json_object *state = NULL;
	int			count;
	int			first_new = ev.ncalls;
	bool		first = true;
	SimTime		now = sim_now();

	if (!admin_count(body, &count, resp))
		return;
	if (!change_valid(body, resp))
		return;
	json_object_object_get_ex(body, "metadata", &meta);
	json_object_object_get_ex(body, "state", &state);
	for (int i = 0; i < count; i++)
	{
		EvCall	   *c = ev_add_call(now);

		if (state)
			c->state = (uint8_t) state_index(state);
		if (meta)
			apply_metadata(c, meta);
	}
	/* one re-sort for the lot: a large count stays fast */
	ev_reindex_calls();
	buf_putc(&resp->body, '[');
	for (int i = first_new; i < ev.ncalls; i++)
		write_change(&resp->body, &first, ev.calls[i]);
	buf_putc(&resp->body, ']');
}

/* POST calls/{id}/modify: change metadata and/or state, bump modified. */
static void
admin_modify(EvCall *c, struct json_object *body, SimResponse *resp)
{
	struct json_object *v;
	bool		first = true;

	if (!change_valid(body, resp))
		return;
	if (json_object_object_get_ex(body, "state", &v))
		c->state = (uint8_t) state_index(v);
	if (json_object_object_get_ex(body, "metadata", &v))
		apply_metadata(c, v);
	ev_touch_call(c, sim_now());
	write_change(&resp->body, &first, c);
}

/* GET calls / GET deleted: the whole list, in paging order. */
static void
admin_list(SimResponse *resp, bool deleted)
{
	EvCall	  **arr = deleted ? ev.deleted : ev.live;
	int			n = deleted ? ev.ndeleted : ev.nlive;
	bool		first = true;

	buf_putc(&resp->body, '[');
	for (int i = 0; i < n; i++)
	{
		bool		f = true;

		json_sep(&resp->body, &first);
		buf_putc(&resp->body, '{');
		json_kstr(&resp->body, &f, "id", arr[i]->id);
		json_ktime(&resp->body, &f, deleted ? "deletedAt" : "modified",
				   deleted ? arr[i]->deleted_at : arr[i]->modified, 6);
		if (!deleted)
			json_kstr(&resp->body, &f, "state", ev_states[arr[i]->state]);
		buf_putc(&resp->body, '}');
	}
	buf_putc(&resp->body, ']');
}

/* POST config: the known-bug rate and whether DELETE is enabled. */
static void
admin_config(struct json_object *body, SimResponse *resp)
{
	struct json_object *rate = NULL;
	struct json_object *allow = NULL;
	bool		first = true;

	if ((json_object_object_get_ex(body, "repeat_last_id_rate", &rate) &&
		 ((!json_object_is_type(rate, json_type_double) &&
		   !json_object_is_type(rate, json_type_int)) ||
		  json_object_get_double(rate) < 0 || json_object_get_double(rate) > 1)) ||
		(json_object_object_get_ex(body, "allow_delete", &allow) &&
		 !json_object_is_type(allow, json_type_boolean)))
	{
		resp_error(resp, 400, "Bad Request",
				   "expected {\"repeat_last_id_rate\": <0 to 1>, \"allow_delete\": <boolean>}");
		return;
	}
	if (rate)
		ev_repeat_rate = json_object_get_double(rate);
	if (allow)
		ev_allow_delete = json_object_get_boolean(allow);
	buf_putc(&resp->body, '{');
	json_knum(&resp->body, &first, "repeat_last_id_rate", ev_repeat_rate);
	json_kbool(&resp->body, &first, "allow_delete", ev_allow_delete);
	buf_putc(&resp->body, '}');
}

/* Route /_admin/execvision/<path> (called under the data write lock). */
void
ev_admin(SimRequest *req, const char *path, struct json_object *body, SimResponse *resp)
{
	bool		post = strcmp(req->method, "POST") == 0;
	size_t		n = strlen(path);

	if (strcmp(path, "calls") == 0 && post)
		admin_add(body, resp);
	else if ((strcmp(path, "calls") == 0 || strcmp(path, "deleted") == 0) &&
			 strcmp(req->method, "GET") == 0)
		admin_list(resp, path[0] == 'd');
	else if (strcmp(path, "config") == 0 && post)
		admin_config(body, resp);
	else if (strncmp(path, "calls/", 6) == 0)
	{
		bool		modify = n > 13 && strcmp(path + n - 7, "/modify") == 0 && post;
		char	   *id = strndup(path + 6, n - 6 - (modify ? 7 : 0));
		EvCall	   *c = ev_find_call(id);

		if (c == NULL || c->deleted)
			resp_error(resp, 404, "Not Found", "no call with id \"%s\"", id);
		else if (modify)
			admin_modify(c, body, resp);
		else if (strcmp(req->method, "DELETE") == 0)
		{
			bool		first = true;

			ev_delete_call(c, sim_now());
			buf_putc(&resp->body, '[');
			write_change(&resp->body, &first, c);
			buf_putc(&resp->body, ']');
		}
		else
			resp_error(resp, 405, "Method Not Allowed", "%s /_admin/execvision/%s", req->method, path);
		free(id);
	}
	else
		resp_error(resp, 404, "Not Found", "no admin route /_admin/execvision/%s", path);
}
