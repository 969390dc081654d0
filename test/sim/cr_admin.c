/*
 * cr_admin.c
 *		Changing Cresta data while the simulator runs, below /_admin/cresta/:
 *
 *		GET    scorecards             every live scorecard, in list order
 *		POST   scorecards             {"count": n, "agentUserName": ...,
 *									   "templateName": ...}: add scorecards
 *		POST   scorecards/{id}/modify {"comment": "...", "submit": true}
 *		DELETE scorecards/{id}        delete (it leaves the list and exports)
 *		GET    targets                the targets created through the API
 *		GET    users                  the users, active or not
 *
 * Every change happens at the simulated clock's now: a changed scorecard's
 * updateTime becomes now, so it moves to the end of the list order.
 */
#include "cresta.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Write what the tests compare pagers with: a scorecard's keys and times. */
static void
write_summary(StrBuf *b, bool *first, const CrScorecard *sc)
{
	bool		f = true;
	char		ts[48];
	char		name[512];

	json_sep(b, first);
	buf_putc(b, '{');
	snprintf(name, sizeof(name), "%s/scorecards/%s", cr_parent, sc->id);
	json_kstr(b, &f, "name", name);
	cr_format_time(ts, sizeof(ts), sc->create_time);
	json_kstr(b, &f, "createTime", ts);
	cr_format_time(ts, sizeof(ts), sc->update_time);
	json_kstr(b, &f, "updateTime", ts);
	if (sc->submit_time)
	{
		cr_format_time(ts, sizeof(ts), sc->submit_time);
		json_kstr(b, &f, "submitTime", ts);
	}
	json_kstr(b, &f, "agentUserName", sc->agent_name);
	json_kstr(b, &f, "templateName", sc->template_name);
	buf_putc(b, '}');
}

/* GET scorecards: all of them, in (updateTime, name) order. */
static void
admin_list(SimResponse *resp)
{
	bool		first = true;

	buf_putc(&resp->body, '[');
	for (int i = 0; i < cr.count; i++)
		write_summary(&resp->body, &first, cr.by_update[i]);
	buf_putc(&resp->body, ']');
}

/* GET users: every user, with what the export filters on. */
static void
admin_users(SimResponse *resp)
{
	bool		first = true;

	buf_putc(&resp->body, '[');
	for (int i = 0; i < cr.nusers; i++)
	{
		const CrUser *u = &cr.users[i];
		bool		f = true;

		json_sep(&resp->body, &first);
		buf_putc(&resp->body, '{');
		json_kstr(&resp->body, &f, "name", u->name);
		json_kbool(&resp->body, &f, "manager", u->manager);
		json_kbool(&resp->body, &f, "active", u->active);
		json_kbool(&resp->body, &f, "dev", u->dev);
		json_key(&resp->body, &f, "user");
		cr_write_user(&resp->body, u);
		buf_putc(&resp->body, '}');
	}
	buf_putc(&resp->body, ']');
}

/* GET targets: the created targets, as POST answered them. */
static void
admin_targets(SimResponse *resp)
{
	buf_putc(&resp->body, '[');
	for (int i = 0; i < cr.ntargets; i++)
	{
		if (i > 0)
			buf_putc(&resp->body, ',');
		buf_puts(&resp->body, cr.targets[i].json);
	}
	buf_putc(&resp->body, ']');
}

/*
 * A string member naming a user or template, as its index (through
 * find); -1 when absent; false after answering 400 when it names none.
 */
static bool
named_member(struct json_object *body, const char *key, int (*find) (const char *),
			 int *index, SimResponse *resp)
{
	struct json_object *v;

	*index = -1;
	if (!json_object_object_get_ex(body, key, &v))
		return true;
	if (json_object_is_type(v, json_type_string))
		*index = find(json_object_get_string(v));
	if (*index < 0)
		resp_error(resp, 400, "Bad Request", "%s must name a simulated one", key);
	return *index >= 0;
}

/* POST scorecards: add "count" generated scorecards, updated now. */
static void
admin_add(struct json_object *body, SimResponse *resp)
{
	int			count,
				agent,
				template;
	bool		first = true;
	SimTime		now = sim_now();

	if (!admin_count(body, &count, resp) ||
		!named_member(body, "agentUserName", cr_find_user, &agent, resp) ||
		!named_member(body, "templateName", cr_find_template, &template, resp))
		return;
	buf_putc(&resp->body, '[');
	for (int i = 0; i < count; i++)
	{
		CrScorecard *sc = malloc(sizeof(CrScorecard));
		SimTime		shift;

		cr_generate_scorecard(sc, cr.next_index++, now - USECS_PER_HOUR, now);
		sc->heap = true;
		/* the newest change is the one happening now */
		shift = now - sc->update_time;
		sc->create_time += shift;
		sc->update_time = now;
		if (sc->submit_time)
			sc->submit_time += shift;
		if (agent >= 0)
		{
			sc->agent = agent;
			sc->agent_name = cr.users[agent].name;
		}
		if (template >= 0)
		{
			sc->template = template;
			sc->template_name = cr_templates[template].name;
		}
		cr_insert(sc);
		write_summary(&resp->body, &first, sc);
	}
	buf_putc(&resp->body, ']');
}

/* POST scorecards/{id}/modify: change the comment and/or submit a draft, now. */
static void
admin_modify(CrScorecard *sc, struct json_object *body, SimResponse *resp)
{
	struct json_object *comment = NULL;
	struct json_object *submit = NULL;
	bool		first = true;
	SimTime		now = sim_now();
	char		ts[48];

	json_object_object_foreach(body, key, val)
	{
		(void) val;
		if (strcmp(key, "comment") != 0 && strcmp(key, "submit") != 0)
		{
			resp_error(resp, 400, "Bad Request", "unknown member \"%s\"", key);
			return;
		}
	}
	if ((json_object_object_get_ex(body, "comment", &comment) &&
		 !json_object_is_type(comment, json_type_string)) ||
		(json_object_object_get_ex(body, "submit", &submit) &&
		 !json_object_is_type(submit, json_type_boolean)))
	{
		resp_error(resp, 400, "Bad Request", "expected {\"comment\": <string>, \"submit\": <boolean>}");
		return;
	}
	if (submit && json_object_get_boolean(submit) && sc->submit_time)
	{
		resp_error(resp, 400, "Bad Request", "the scorecard is submitted already");
		return;
	}
	cr_remove(sc);
	sc->update_time = now;
	cr_format_time(ts, sizeof(ts), now);
	if (submit && json_object_get_boolean(submit))
	{
		sc->submit_time = now;
		sc->state = CR_SUBMITTED;
		if (sc->doc)
			cr_doc_set_string(sc, "submitTime", ts);
	}
	if (comment && sc->doc)
		cr_doc_set_string(sc, "comment", json_object_get_string(comment));
	else if (comment)
	{
		free(sc->comment);
		sc->comment = strdup(json_object_get_string(comment));
	}
	if (sc->doc)
		cr_doc_set_string(sc, "updateTime", ts);
	cr_insert(sc);
	write_summary(&resp->body, &first, sc);
}

/* scorecards/{id}[/modify]: modify or delete one scorecard. */
static void
admin_scorecard(SimRequest *req, const char *rest, struct json_object *body,
				SimResponse *resp)
{
	size_t		n = strlen(rest);
	bool		modify = n > 7 && strcmp(rest + n - 7, "/modify") == 0 &&
		strcmp(req->method, "POST") == 0;
	char	   *id = strndup(rest, n - (modify ? 7 : 0));
	CrScorecard *sc = cr_find(id);
	bool		first = true;

	if (sc == NULL)
		resp_error(resp, 404, "Not Found", "no scorecard with id \"%s\"", id);
	else if (modify)
		admin_modify(sc, body, resp);
	else if (strcmp(req->method, "DELETE") == 0)
	{
		write_summary(&resp->body, &first, sc);
		cr_remove(sc);
		cr_free(sc);
	}
	else
		resp_error(resp, 405, "Method Not Allowed", "%s /_admin/cresta/scorecards/%s",
				   req->method, rest);
	free(id);
}

/* Route /_admin/cresta/<path> (called under the data write lock). */
void
cr_admin(SimRequest *req, const char *path, struct json_object *body, SimResponse *resp)
{
	bool		get = strcmp(req->method, "GET") == 0;

	if (strcmp(path, "scorecards") == 0 && get)
		admin_list(resp);
	else if (strcmp(path, "scorecards") == 0 && strcmp(req->method, "POST") == 0)
		admin_add(body, resp);
	else if (strncmp(path, "scorecards/", 11) == 0)
		admin_scorecard(req, path + 11, body, resp);
	else if (strcmp(path, "targets") == 0 && get)
		admin_targets(resp);
	else if (strcmp(path, "users") == 0 && get)
		admin_users(resp);
	else
		resp_error(resp, 404, "Not Found", "no admin route %s /_admin/cresta/%s",
				   req->method, path);
}
