/*
 * vg_admin.c
 *		Changing Voicegain data while the simulator runs, below
 *		/_admin/voicegain/:
 *
 *		GET    calls                 every call: callId, startTime, progressPhase,
 *									 agentUserId, queueId, aivrAppId, score
 *		POST   calls                 {"count": n, "progressPhase": "QUEUED"}: new
 *									 calls with the next callIds (default DONE)
 *		POST   calls/{callId}/modify {"progressPhase": "DONE"}
 *		DELETE calls/{callId}        the call leaves the export
 *
 * The export has no update time, so a change shows only in the call itself
 * (and in where a consecutive export stops).
 */
#include "vg.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

/* Write the admin summary of a call. */
static void
write_summary(StrBuf *b, bool *first, const VgCall *c)
{
	bool		f = true;

	json_sep(b, first);
	buf_putc(b, '{');
	json_kint(b, &f, "callId", c->call_id);
	json_ktime(b, &f, "startTime", c->start, 0);
	json_kstr(b, &f, "progressPhase", vg_phases[c->phase]);
	json_kstr(b, &f, "agentUserId", c->agent >= 0 ? vg.agents[c->agent].user_id : NULL);
	json_kstr(b, &f, "queueId", c->queue >= 0 ? vg.queues[c->queue].uuid : NULL);
	json_kstr(b, &f, "aivrAppId", c->aivr_app >= 0 ? vg.aivr_apps[c->aivr_app] : NULL);
	if (vg_score(c) >= 0)
		json_knum(b, &f, "score", vg_score(c) / 10.0);
	else
		json_knull(b, &f, "score");
	buf_putc(b, '}');
}

/*
 * The phase named by member progressPhase of body, or dflt when there is
 * none; -1 (after answering 400) when it names no phase.
 */
static int
body_phase(struct json_object *body, int dflt, SimResponse *resp)
{
	struct json_object *v;
	int			phase;

	if (!json_object_object_get_ex(body, "progressPhase", &v))
		return dflt;
	phase = json_object_is_type(v, json_type_string) ?
		vg_phase_index(json_object_get_string(v)) : -1;
	if (phase < 0)
		resp_error(resp, 400, "Bad Request",
				   "progressPhase must be QUEUED, TRANSCRIBING, ANALYZING, DONE or ERROR, not %s",
				   json_object_to_json_string(v));
	return phase;
}

/* GET calls: every call in callId order. */
static void
admin_list(SimResponse *resp)
{
	bool		first = true;

	buf_putc(&resp->body, '[');
	for (int i = 0; i < vg.ncalls; i++)
		write_summary(&resp->body, &first, &vg.calls[i]);
	buf_putc(&resp->body, ']');
}

/* POST calls: add "count" calls with new highest callIds, ended just now. */
static void
admin_add(struct json_object *body, SimResponse *resp)
{
	int			count;
	int			phase = body_phase(body, VG_DONE, resp);
	int			first_new = vg.ncalls;
	bool		first = true;
	SimTime		now = sim_now();

	if (phase < 0 || !admin_count(body, &count, resp))
		return;
	for (int i = 0; i < count; i++)
		vg_add_call(now, (VgPhase) phase);
	buf_putc(&resp->body, '[');
	for (int i = first_new; i < vg.ncalls; i++)
		write_summary(&resp->body, &first, &vg.calls[i]);
	buf_putc(&resp->body, ']');
}

/* The call named by the {callId} of calls/{callId}[/modify], or NULL after a 404. */
static VgCall *
path_call(const char *id, size_t len, SimResponse *resp)
{
	char	   *s = strndup(id, len);
	size_t		digits = strspn(s, "0123456789");
	VgCall	   *c = digits == len && len > 0 && len < 19 ? vg_find_call(strtoll(s, NULL, 10)) : NULL;

	if (c == NULL)
		resp_error(resp, 404, "Not Found", "no call with callId \"%s\"", s);
	free(s);
	return c;
}

/* Route /_admin/voicegain/<path> (called under the data write lock). */
void
vg_admin(SimRequest *req, const char *path, struct json_object *body, SimResponse *resp)
{
	bool		post = strcmp(req->method, "POST") == 0;
	bool		modify = strncmp(path, "calls/", 6) == 0 && strlen(path) > 13 &&
		strcmp(path + strlen(path) - 7, "/modify") == 0;
	VgCall	   *c;
	int			phase;

	if (strcmp(path, "calls") == 0 && strcmp(req->method, "GET") == 0)
		admin_list(resp);
	else if (strcmp(path, "calls") == 0 && post)
		admin_add(body, resp);
	else if (modify && post)
	{
		if ((c = path_call(path + 6, strlen(path) - 13, resp)) != NULL &&
			(phase = body_phase(body, c->phase, resp)) >= 0)
		{
			bool		first = true;

			c->phase = (uint8_t) phase;
			write_summary(&resp->body, &first, c);
		}
	}
	else if (strncmp(path, "calls/", 6) == 0 && !modify && strcmp(req->method, "DELETE") == 0)
	{
		if ((c = path_call(path + 6, strlen(path) - 6, resp)) != NULL)
		{
			bool		first = true;

			write_summary(&resp->body, &first, c);
			vg_delete_call(c);
		}
	}
	else
		resp_error(resp, 404, "Not Found", "no admin route %s /_admin/voicegain/%s",
				   req->method, path);
}
