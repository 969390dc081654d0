/*
 * ccai_admin.c
 *		Changing CCAI Platform data while the simulator runs, below
 *		/_admin/ccai/:
 *
 *		POST calls               {"count": n, "status": "...", "call_type": "..."}
 *		POST chats               {"count": n, "status": "...", "chat_type": "..."}
 *		POST calls/{id}/modify   {"status": "...", "hold_duration": n}
 *		POST chats/{id}/modify   {"status": "..."}
 *		POST agent_activity      {"agent_id": id, "status": "...", "count": n}
 *		GET  calls, chats, agents, agent_activity_logs: every id and its times
 *
 * Every change happens at the simulated clock's now, and moves the changed
 * objects to the end of the updated_at (status_updated_at, started_at)
 * order, as the vendor's own updates do.
 */
#include "ccai.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

typedef struct AdminTable
{
	const char *name;
	CcaiTable  *table;
	const CcaiKind *kind;		/* calls and chats: they can be added and changed */
} AdminTable;

static const AdminTable admin_tables[] = {
	{"calls", &ccai.calls, &ccai_call_kind},
	{"chats", &ccai.chats, &ccai_chat_kind},
	{"agents", &ccai.agents, NULL},
	{"agent_activity_logs", &ccai.activity, NULL},
};

/* ---------- body members ---------- */

/* An optional integer member from lo to hi (left alone when absent); 400 otherwise. */
static bool
member_int(struct json_object *body, const char *key, int64_t lo, int64_t hi, int64_t *out,
		   SimResponse *resp)
{
	struct json_object *v;

	if (!json_object_object_get_ex(body, key, &v))
		return true;
	if (!json_object_is_type(v, json_type_int) ||
		json_object_get_int64(v) < lo || json_object_get_int64(v) > hi)
	{
		resp_error(resp, 400, "Bad Request", "%s must be an integer from %lld to %lld",
				   key, (long long) lo, (long long) hi);
		return false;
	}
	*out = json_object_get_int64(v);
	return true;
}

/*
 * An optional member naming one of a list of things: *out is its index by
 * lookup, -1 when absent; 400 when it is no string or names nothing.
 */
static bool
member_name(struct json_object *body, const char *key, int (*lookup) (const void *, const char *),
			const void *arg, int *out, SimResponse *resp)
{
	struct json_object *v;

	*out = -1;
	if (!json_object_object_get_ex(body, key, &v))
		return true;
	if (!json_object_is_type(v, json_type_string) ||
		(*out = lookup(arg, json_object_get_string(v))) < 0)
	{
		resp_error(resp, 400, "Bad Request", "unknown %s %s", key, json_object_to_json_string(v));
		return false;
	}
	return true;
}

/* member_name lookups: a status or type of a kind, a user status. */
static int
lookup_status(const void *kind, const char *name)
{
	return ccai_status_index(kind, name);
}

static int
lookup_type(const void *kind, const char *name)
{
	return ccai_type_index(kind, name);
}

static int
lookup_user_status(const void *arg, const char *name)
{
	for (int i = 0; i < ccai.statuses.nrows; i++)
		if (strcmp(((const CcaiUserStatus *) CCAI_ROW(&ccai.statuses, i))->name, name) == 0)
			return i;
	return -1;
}

/* ---------- operations ---------- */

/* {"id", "status", "created_at", "updated_at"} of a changed contact. */
static void
write_change(StrBuf *b, bool *first, const CcaiKind *k, const CcaiContact *c)
{
	bool		f = true;

	json_sep(b, first);
	buf_putc(b, '{');
	json_kint(b, &f, "id", c->id);
	json_kstr(b, &f, "status", k->statuses[c->status].name);
	json_ktime(b, &f, "created_at", c->created_at, 3);
	json_ktime(b, &f, "updated_at", c->updated_at, 3);
	buf_putc(b, '}');
}

/* POST calls|chats: add "count" contacts whose last step is now. */
static void
admin_add(const CcaiKind *k, struct json_object *body, SimResponse *resp)
{
	int64_t		count = 1;
	int			status,
				type,
				first_new = k->table->nrows;
	bool		first = true;
	SimTime		now = sim_now();

	if (!member_int(body, "count", 1, 100000, &count, resp) ||
		!member_name(body, "status", lookup_status, k, &status, resp) ||
		!member_name(body, k->type_key, lookup_type, k, &type, resp))
		return;
	for (int i = 0; i < count; i++)
		ccai_add_contact(k, now, type, status);
	/* one re-sort for the lot: a large count stays fast */
	ccai_reindex(k->table);
	buf_putc(&resp->body, '[');
	for (int i = first_new; i < k->table->nrows; i++)
		write_change(&resp->body, &first, k, CCAI_ROW(k->table, i));
	buf_putc(&resp->body, ']');
}

/* POST calls|chats/{id}/modify: a new status and/or hold_duration, updated now. */
static void
admin_modify(const CcaiKind *k, const char *rest, struct json_object *body, SimResponse *resp)
{
	size_t		len = strspn(rest, "0123456789");
	int			row = -1;
	int			status;
	int64_t		hold = -1;
	CcaiContact *c;
	bool		first = true;

	if (len > 0 && len < 19 && strcmp(rest + len, "/modify") == 0)
		row = ccai_find(k->table, strtoll(rest, NULL, 10));
	if (row < 0)
	{
		resp_error(resp, 404, "Not Found", "no such object: %s", rest);
		return;
	}
	if (!member_name(body, "status", lookup_status, k, &status, resp) ||
		(k->has_hold && !member_int(body, "hold_duration", 0, 86400, &hold, resp)))
		return;
	c = CCAI_ROW(k->table, row);
	ccai_set_status(k, c, status >= 0 ? status : c->status, sim_now());
	if (hold >= 0)
		c->hold_s = (int32_t) hold;
	ccai_reindex(k->table);
	write_change(&resp->body, &first, k, c);
}

/*
 * POST agent_activity: "count" agents (the one given, or random ones) go
 * into a user status (the one given, or another one) now.
 */
static void
admin_activity(struct json_object *body, SimResponse *resp)
{
	CcaiTable  *logs = &ccai.activity;
	int64_t		count = 1,
				agent_id = -1;
	int			agent = -1,
				status,
				first_new = logs->nrows;
	bool		first = true;
	SimRng		r;

	if (!member_int(body, "count", 1, 1000, &count, resp) ||
		!member_int(body, "agent_id", 0, INT64_MAX, &agent_id, resp) ||
		!member_name(body, "status", lookup_user_status, NULL, &status, resp))
		return;
	if (agent_id >= 0 && (agent = ccai_find(&ccai.agents, agent_id)) < 0)
	{
		resp_error(resp, 404, "Not Found", "no agent with id %lld", (long long) agent_id);
		return;
	}
	rng_seed(&r, sim_config.seed, CCAI_S_ADMIN, (uint64_t) logs->nrows);
	for (int i = 0; i < count; i++)
	{
		int			a = agent >= 0 ? agent : rng_int(&r, 0, ccai.agents.nrows - 1);
		int			current = ((const CcaiAgent *) CCAI_ROW(&ccai.agents, a))->status;
		int			s = rng_int(&r, 0, ccai.statuses.nrows - 2);

		ccai_add_activity(a, status >= 0 ? status : s + (s >= current), sim_now());
	}
	ccai_reindex(logs);
	ccai_reindex(&ccai.agents);
	buf_putc(&resp->body, '[');
	for (int i = first_new; i < logs->nrows; i++)
	{
		json_sep(&resp->body, &first);
		ccai_write_activity(&resp->body, CCAI_ROW(logs, i));
	}
	buf_putc(&resp->body, ']');
}

/* GET <table>: every row's id and time columns, in id order. */
static void
admin_list(const CcaiTable *t, SimResponse *resp)
{
	bool		first = true;

	buf_putc(&resp->body, '[');
	for (int i = 0; i < t->nrows; i++)
	{
		bool		f = true;

		json_sep(&resp->body, &first);
		buf_putc(&resp->body, '{');
		json_kint(&resp->body, &f, "id", CCAI_ID(t, i));
		for (int c = 0; c < t->ncolumns; c++)
			json_ktime(&resp->body, &f, t->columns[c].name, ccai_time(t, c, i), 3);
		buf_putc(&resp->body, '}');
	}
	buf_putc(&resp->body, ']');
}

/* The admin table path starts with (then "" or "/..." in *rest), or NULL. */
static const AdminTable *
admin_table(const char *path, const char **rest)
{
	for (size_t i = 0; i < sizeof(admin_tables) / sizeof(admin_tables[0]); i++)
	{
		size_t		n = strlen(admin_tables[i].name);

		if (strncmp(path, admin_tables[i].name, n) == 0 && (path[n] == '\0' || path[n] == '/'))
		{
			*rest = path + n;
			return &admin_tables[i];
		}
	}
	return NULL;
}

/* Route /_admin/ccai/<path> (called under the data write lock). */
void
ccai_admin(SimRequest *req, const char *path, struct json_object *body, SimResponse *resp)
{
	bool		post = strcmp(req->method, "POST") == 0;
	bool		get = strcmp(req->method, "GET") == 0;
	const AdminTable *at;
	const char *rest = "";

	if (strcmp(path, "agent_activity") == 0 && post)
		admin_activity(body, resp);
	else if ((at = admin_table(path, &rest)) == NULL || (*rest && at->kind == NULL))
		resp_error(resp, 404, "Not Found", "no admin route /_admin/ccai/%s", path);
	else if (*rest == '\0' && get)
		admin_list(at->table, resp);
	else if (*rest == '\0' && post && at->kind)
		admin_add(at->kind, body, resp);
	else if (*rest == '/' && post)
		admin_modify(at->kind, rest + 1, body, resp);
	else
		resp_error(resp, 405, "Method Not Allowed", "%s /_admin/ccai/%s", req->method, path);
}
