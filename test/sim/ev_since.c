/*
 * ev_since.c
 *		ExecVision's since-paged endpoints without last_id: listens, scores,
 *		feedback, shares, meetings, plans and kpis. Each is a collection
 *		sorted by its paging time and a writer for one item; one pager
 *		serves them all.
 */
#include "ev.h"

#include <stdio.h>
#include <string.h>

#define NEW_YORK "America/New_York"

/* GET <collection>?since&limit: items whose time is at or after the minute of since. */
void
ev_since_list(SimRequest *req, SimResponse *resp)
{
	const EvSinceEndpoint *ep = req->route_arg;
	const EvCollection *coll = ep->coll;
	SimTime		since,
				minute,
				now = sim_now();
	int			limit,
				lo = 0,
				hi = coll->count,
				n = 0;
	bool		first = true;

	if (!ev_param_since(req, resp, &since, &minute) ||
		!ev_param_limit(req, resp, EV_MAX_LIMIT, &limit))
		return;
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (*(const SimTime *) ((const char *) coll->items + mid * coll->size) < minute)
			lo = mid + 1;
		else
			hi = mid;
	}
	buf_putc(&resp->body, '[');
	for (int i = lo; i < coll->count && n < limit; i++)
	{
		const void *item = (const char *) coll->items + i * coll->size;

		if (ep->visible && !ep->visible(item, now))
			continue;
		ep->write(&resp->body, &first, item);
		n++;
	}
	buf_putc(&resp->body, ']');
}

/* Write a member holding t in New York local time with its offset. */
static void
json_ktime_ny(StrBuf *b, bool *first, const char *key, SimTime t, int frac)
{
	char		ts[48];

	format_time_offset(ts, sizeof(ts), t, tz_offset_minutes(NEW_YORK, t), frac);
	json_kstr(b, first, key, ts);
}

/* Listens are computed nightly: nothing from today (simulated) or later. */
static bool
listen_visible(const void *item, SimTime now)
{
	return ((const EvListen *) item)->key < now - now % USECS_PER_DAY;
}

/* A listen, with the empty "modified" the vendor's example shows. */
static void
write_listen(StrBuf *b, bool *first, const void *item)
{
	const EvListen *l = item;
	const EvCall *c = ev.calls[l->call];
	char		date[40];
	bool		f = true;

	format_time(date, sizeof(date), l->key, 0);
	date[10] = '\0';
	json_sep(b, first);
	buf_putc(b, '{');
	json_kstr(b, &f, "date", date);
	json_kstr(b, &f, "modified", "");
	json_kstr(b, &f, "callId", c->id);
	json_kstr(b, &f, "listener", ev.users[l->listener].id);
	json_kstr(b, &f, "caller", ev.users[c->caller].id);
	json_knum(b, &f, "timeListened", l->seconds);
	buf_putc(b, '}');
}

/*
 * The answer to a question in a scheme: YesNo and PassFail answer with
 * words, as the vendor's scheme table shows, the others with numbers.
 */
static void
write_answer(StrBuf *b, bool *first, const char *scheme, int level)
{
	static const int raw3[] = {0, 1, 3, 5};
	static const int raw2[] = {0, 3, 5};

	json_key(b, first, "answer");
	if (strcmp(scheme, "YesNo") == 0 || strcmp(scheme, "PassFail") == 0)
	{
		bool		yes = level % 2 == 1;

		json_str(b, scheme[0] == 'Y' ? (yes ? "yes" : "no") : (yes ? "pass" : "fail"));
		json_kint(b, first, "rawAnswer", yes ? 5 : 0);
	}
	else if (strcmp(scheme, "OneToThree") == 0)
	{
		json_num(b, level % 4);
		json_kint(b, first, "rawAnswer", raw3[level % 4]);
	}
	else if (strcmp(scheme, "OneTwo") == 0)
	{
		json_num(b, level % 3);
		json_kint(b, first, "rawAnswer", raw2[level % 3]);
	}
	else
	{
		json_num(b, level % 6);
		json_kint(b, first, "rawAnswer", level % 6);
	}
}

/* A scorecard result: one element per answered question. */
static void
write_score(StrBuf *b, bool *first, const void *item)
{
	static const char *const skills[] = {"hunting", "discovery", "closing", NULL};
	const EvScoreResult *s = item;
	const EvCall *c = ev.calls[s->call];
	const EvScorecard *sc = &ev_scorecards[s->scorecard];
	const EvUser *reviewer = &ev.users[ev.teams[s->reviewer].manager];
	const EvUser *caller = &ev.users[c->caller];

	for (int q = 0; q < sc->nquestions; q++)
	{
		bool		f = true;
		char		id[40];

		json_sep(b, first);
		buf_putc(b, '{');
		json_kstr(b, &f, "reviewer", reviewer->email);
		json_kstr(b, &f, "reviewerTeam", ev.teams[reviewer->team].name);
		json_kstr(b, &f, "caller", caller->email);
		json_kstr(b, &f, "callerTeam", ev.teams[caller->team].name);
		json_kstr(b, &f, "callId", c->id);
		snprintf(id, sizeof(id), "CR%d", s->id);
		json_kstr(b, &f, "resultId", id);
		json_ktime(b, &f, "scoreTime", s->score_time, 6);
		json_ktime(b, &f, "modified", s->key, 6);
		json_kstr(b, &f, "scorecardId", sc->id);
		json_kstr(b, &f, "scorecardName", sc->name);
		ev_question_id(s->scorecard, q, id);
		json_kstr(b, &f, "questionId", id);
		json_kstr(b, &f, "question", sc->questions[q]);
		json_kstr(b, &f, "skill1", skills[q % 4]);
		json_kstr(b, &f, "skill2", q % 2 ? skills[(q + 1) % 3] : NULL);
		json_knull(b, &f, "skill3");
		json_kstr(b, &f, "scheme", sc->scheme);
		write_answer(b, &f, sc->scheme, s->id + q);
		json_kstr(b, &f, "reason", (s->id + q) % 5 == 0 ? "Missed the agenda" : NULL);
		json_kstr(b, &f, "comment", (s->id + q) % 7 == 0 ? "Good recovery after the objection" : NULL);
		buf_putc(b, '}');
	}
}

/* A comment or highlight. */
static void
write_feedback(StrBuf *b, bool *first, const void *item)
{
	const EvFeedback *fb = item;
	char		text[256];
	bool		f = true;

	json_sep(b, first);
	buf_putc(b, '{');
	json_ktime(b, &f, "feedbackAt", fb->at, 6);
	json_ktime(b, &f, "modified", fb->key, 6);
	json_kstr(b, &f, "callId", ev.calls[fb->call]->id);
	json_kstr(b, &f, "feedbackBy", ev.users[fb->by].id);
	json_kbool(b, &f, "isComment", !fb->highlight);
	json_kbool(b, &f, "isHighlight", fb->highlight);
	snprintf(text, sizeof(text), "<p>%s</p>", corpus_sentences[fb->text]);
	json_kstr(b, &f, "text", fb->text % 9 == 0 ? NULL : text);
	json_knum(b, &f, "startTime", fb->start);
	if (fb->highlight)
		json_knum(b, &f, "endTime", fb->start + 12.5);
	else
		json_knull(b, &f, "endTime");
	buf_putc(b, '}');
}

/* A share, internal (user ids) and external (emails). */
static void
write_share(StrBuf *b, bool *first, const void *item)
{
	const EvShare *s = item;
	bool		f = true;

	json_sep(b, first);
	buf_putc(b, '{');
	json_ktime(b, &f, "sharedAt", s->key, 0);
	json_kstr(b, &f, "callId", ev.calls[s->call]->id);
	json_kstr(b, &f, "sharedBy", ev.users[s->by].id);
	json_key(b, &f, "recipientUserIds");
	buf_putc(b, '[');
	for (int i = 0; i < s->nrecipients; i++)
	{
		if (i > 0)
			buf_putc(b, ',');
		json_str(b, ev.users[s->recipients[i]].id);
	}
	buf_puts(b, "],\"recipientEmails\":[");
	if (s->nemails)
		buf_printf(b, "\"buyer%d@%s.example.org\"", s->call, s->call % 2 ? "customer" : "prospect");
	buf_puts(b, "]}");
}

/* A coaching meeting; its times are New York local with an offset. */
static void
write_meeting(StrBuf *b, bool *first, const void *item)
{
	const EvMeeting *m = item;
	bool		f = true;

	json_sep(b, first);
	buf_putc(b, '{');
	json_kint(b, &f, "meetingId", m->id);
	json_kint(b, &f, "planId", m->plan_id);
	json_ktime_ny(b, &f, "dateTime", m->start - m->start % USECS_PER_HOUR, 0);
	json_kstr(b, &f, "coachId", ev.users[m->coach].id);
	json_kstr(b, &f, "recipientId", ev.users[m->recipient].id);
	json_ktime_ny(b, &f, "startTime", m->start + 23184, 6);
	json_ktime_ny(b, &f, "endTime", m->start + 30 * USECS_PER_MIN + 408000, 3);
	buf_printf(b, ",\"scores\":{\"Challenges\":%d}", (m->id * 7) % 101);
	buf_puts(b, ",\"callReviews\":[");
	/* an account without calls (--calls 0) has no call to review */
	if (ev.ncalls > 0)
	{
		buf_puts(b, "{\"callId\":");
		json_str(b, ev.calls[(m->id * 31) % ev.ncalls]->id);
		buf_printf(b, ",\"questions\":[{\"question\":\"Did the rep ask probing questions to uncover "
				   "challenges?\",\"possibleScore\":5,\"actualScore\":%d,\"reviewWeight\":null}]}",
				   m->id % 6);
	}
	buf_putc(b, ']');
	buf_printf(b, ",\"questions\":[{\"question\":\"This is a text question\",\"possibleScore\":null,"
			   "\"actualScore\":null,\"reviewWeight\":0},{\"question\":\"Does the rep pull it off?\","
			   "\"possibleScore\":5,\"actualScore\":%d,\"reviewWeight\":34}]", m->id % 6);
	json_kstr(b, &f, "comments", m->id % 3 ? "Keep working on the opening." : NULL);
	json_ktime_ny(b, &f, "modified", m->key, 3);
	buf_putc(b, '}');
}

/* A coaching plan. */
static void
write_plan(StrBuf *b, bool *first, const void *item)
{
	static const char *const skills[] = {"Lead In", "Pre-call Research", "Objection Handling", "Closing"};
	const EvPlan *p = item;
	const EvUser *u = &ev.users[p->recipient];
	char		text[256];
	bool		f = true;
	int			s1 = p->id % 4,
				s2 = (p->id + 1) % 4;

	json_sep(b, first);
	buf_putc(b, '{');
	json_kint(b, &f, "planId", p->id);
	snprintf(text, sizeof(text), "%s, %s", skills[s1], skills[s2]);
	json_kstr(b, &f, "name", text);
	snprintf(text, sizeof(text), "%s %s should improve skills: %s, %s",
			 u->first, u->last, skills[s1], skills[s2]);
	json_kstr(b, &f, "objective", text);
	json_ktime_ny(b, &f, "startDate", p->start, 6);
	json_kstr(b, &f, "coachId", ev.users[p->coach].id);
	json_kstr(b, &f, "recipientId", u->id);
	json_kint(b, &f, "plannedMeetings", p->planned);
	json_kint(b, &f, "completedMeetings", p->completed);
	json_kint(b, &f, "estimatedMissedMeetings", p->planned / 5);
	buf_printf(b, ",\"skill\":[{\"skillId\":%d,\"skillName\":\"%s\"},{\"skillId\":%d,\"skillName\":\"%s\"}]",
			   40 + s1, skills[s1], 40 + s2, skills[s2]);
	json_ktime_ny(b, &f, "modified", p->key, 6);
	buf_putc(b, '}');
}

/* A KPI observation. */
static void
write_kpi(StrBuf *b, bool *first, const void *item)
{
	const EvKpi *k = item;
	bool		f = true;

	json_sep(b, first);
	buf_putc(b, '{');
	json_ktime(b, &f, "observedAt", k->key, 0);
	json_kstr(b, &f, "observerId", ev.users[k->observer].id);
	json_kstr(b, &f, "observedId", ev.users[k->observed].id);
	json_kint(b, &f, "kpiId", k->kpi);
	json_knum(b, &f, "value", k->value);
	json_ktime(b, &f, "modified", k->key, 0);
	buf_putc(b, '}');
}

const EvSinceEndpoint ev_listens_endpoint = {&ev.listens, write_listen, listen_visible};
const EvSinceEndpoint ev_scores_endpoint = {&ev.scores, write_score, NULL};
const EvSinceEndpoint ev_feedback_endpoint = {&ev.feedback, write_feedback, NULL};
const EvSinceEndpoint ev_shares_endpoint = {&ev.shares, write_share, NULL};
const EvSinceEndpoint ev_meetings_endpoint = {&ev.meetings, write_meeting, NULL};
const EvSinceEndpoint ev_plans_endpoint = {&ev.plans, write_plan, NULL};
const EvSinceEndpoint ev_kpis_endpoint = {&ev.kpis, write_kpi, NULL};
