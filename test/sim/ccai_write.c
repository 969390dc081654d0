/*
 * ccai_write.c
 *		The CCAI Platform objects as the Manager API returns them: the
 *		fields clients use, realistic nulls, and members a client does not
 *		know (x_internal_flags, nested counts), which clients must ignore.
 *
 * What a contact does not store (its end user, participants, transfer,
 * rating, ticket) is drawn from its own random stream here, then shown or
 * not according to what the contact went through.
 */
#include "ccai.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const char *const langs[] = {"en", "es", "fr"};

/* What a contact's object shows beyond what the contact stores. */
typedef struct Extras
{
	int64_t		end_user;
	bool		anonymous;
	bool		crm_contact;
	int			rating;			/* 0: not rated */
	bool		feedback;
	int			ticket;			/* 0: no ticket */
	bool		transfer;
	double		transfer_share; /* of the talk, when the transfer came */
	int			transfer_to;	/* which of the other agents took over */
	int			transfer_ring_ms;
	bool		to_menu;		/* transferred through another queue */
	int			pick;			/* reasons, menus */
	bool		third_party;
	bool		permission;
	int			bucket;
	uint64_t	span;
	int			messages[3];
} Extras;

/* Draw every extra, always in the same order, whatever is shown of them. */
static void
draw_extras(const CcaiKind *k, const CcaiContact *c, Extras *x)
{
	SimRng		r;

	rng_seed(&r, sim_config.seed, k->extra_stream, c->index);
	x->end_user = 3000001 + rng_int(&r, 0, 999999);
	x->anonymous = rng_chance(&r, 0.15);
	x->crm_contact = rng_chance(&r, 0.5);
	x->rating = rng_chance(&r, 0.25) ? rng_int(&r, 1, 5) : 0;
	x->feedback = rng_chance(&r, 0.4);
	x->ticket = rng_chance(&r, 0.6) ? rng_int(&r, 100000, 999999) : 0;
	x->transfer = rng_chance(&r, 0.08);
	x->transfer_share = 0.2 + 0.5 * rng_double(&r);
	x->transfer_to = rng_int(&r, 0, 1 << 20);
	x->transfer_ring_ms = rng_int(&r, 3000, 20000);
	x->to_menu = rng_chance(&r, 0.5);
	x->pick = rng_int(&r, 0, 1 << 20);
	x->third_party = rng_chance(&r, 0.02);
	x->permission = rng_chance(&r, 0.85);
	x->bucket = rng_int(&r, 0, 99);
	x->span = rng_next(&r);
	x->messages[0] = rng_int(&r, 1, 40);
	x->messages[1] = rng_int(&r, 1, 40);
	x->messages[2] = rng_int(&r, 0, 6);
}

/* ---------- members ---------- */

/* A time member with milliseconds, or null for CCAI_NO_TIME. */
static void
json_ktime_null(StrBuf *b, bool *first, const char *key, SimTime t)
{
	if (t == CCAI_NO_TIME)
		json_knull(b, first, key);
	else
		json_ktime(b, first, key, t, 3);
}

/* Whole seconds from "from" to "to", or null when either is missing. */
static void
json_kseconds(StrBuf *b, bool *first, const char *key, SimTime from, SimTime to)
{
	if (from == CCAI_NO_TIME || to == CCAI_NO_TIME)
		json_knull(b, first, key);
	else
		json_kint(b, first, key, (to - from + USECS_PER_SEC / 2) / USECS_PER_SEC);
}

/* Write "First Last" of an agent into out. */
static void
agent_name(const CcaiAgent *a, char *out, size_t n)
{
	snprintf(out, n, "%s %s", a->first, a->last);
}

/* An agent as contacts show one, {id, name, email}, or null (agent < 0). */
static void
write_agent_ref(StrBuf *b, bool *first, const char *key, int agent)
{
	const CcaiAgent *a;
	char		name[128];
	bool		f = true;

	json_key(b, first, key);
	if (agent < 0)
	{
		buf_puts(b, "null");
		return;
	}
	a = CCAI_ROW(&ccai.agents, agent);
	agent_name(a, name, sizeof(name));
	buf_putc(b, '{');
	json_kint(b, &f, "id", a->id);
	json_kstr(b, &f, "name", name);
	json_kstr(b, &f, "email", a->email);
	buf_putc(b, '}');
}

/* Write "Root > ... > Menu" into out; returns its length. */
static int
menu_path(int m, char *out, size_t n)
{
	const CcaiMenu *menu = CCAI_ROW(&ccai.menus, m);
	int			len = menu->parent >= 0 ? menu_path(menu->parent, out, n) : 0;

	if ((size_t) len >= n)
		return len;
	return len + snprintf(out + len, n - len, "%s%s", len ? " > " : "", menu->name);
}

/* A menu as contacts show one, {id, name, path}, or null (m < 0). */
static void
write_menu_ref(StrBuf *b, bool *first, const char *key, int m)
{
	const CcaiMenu *menu;
	char		path[256];
	bool		f = true;

	json_key(b, first, key);
	if (m < 0)
	{
		buf_puts(b, "null");
		return;
	}
	menu = CCAI_ROW(&ccai.menus, m);
	menu_path(m, path, sizeof(path));
	buf_putc(b, '{');
	json_kint(b, &f, "id", menu->id);
	json_kstr(b, &f, "name", menu->name);
	json_kstr(b, &f, "path", path);
	buf_putc(b, '}');
}

/* The menu index of a contact, -1 for none. */
static int
contact_menu(const CcaiContact *c)
{
	return c->menu == CCAI_NO_MENU ? -1 : c->menu;
}

/* Members nobody documents: the kind of thing clients must ignore. */
static void
write_internal_flags(StrBuf *b, bool *first, int bucket, uint64_t span)
{
	static const char *const shards[] = {"us-west1-a", "us-west1-b", "us-east4-c"};

	json_key(b, first, "x_internal_flags");
	buf_printf(b, "{\"shard\":\"%s\",\"ab_bucket\":%d,\"legacy_router\":%s,"
			   "\"trace\":{\"sampled\":%s,\"span_id\":\"%016llx\"}}",
			   shards[bucket % 3], bucket, bucket % 7 == 0 ? "true" : "false",
			   bucket % 10 == 0 ? "true" : "false", (unsigned long long) span);
}

/* ---------- calls and chats ---------- */

/* The agent that took the contact over at its transfer. */
static int
second_agent(const CcaiContact *c, const Extras *x)
{
	int			n = ccai.agents.nrows;

	return (c->agent + 1 + x->transfer_to % (n - 1)) % n;
}

/*
 * When the contact was transferred to a second agent, or CCAI_NO_TIME:
 * some finished contacts with two minutes of talk or more are.
 */
static SimTime
transfer_time(const CcaiKind *k, const CcaiContact *c, const Extras *x)
{
	SimTime		talk = c->at[k->talk_step];
	SimTime		end = c->at[k->nsteps - 1];

	if (!x->transfer || c->agent < 0 || ccai.agents.nrows < 2 || talk == CCAI_NO_TIME ||
		end == CCAI_NO_TIME || end - talk < 120 * USECS_PER_SEC)
		return CCAI_NO_TIME;
	/* whole milliseconds, as every time */
	return talk + (SimTime) ((end - talk) / 1000 * x->transfer_share) * 1000;
}

/* One participant; agent < 0 and end_user 0 write nulls. */
static void
write_participant(StrBuf *b, bool *first, int64_t id, const char *type, int agent,
				  int64_t end_user, SimTime from, SimTime to)
{
	bool		f = true;

	json_sep(b, first);
	buf_putc(b, '{');
	json_kint(b, &f, "id", id);
	json_kstr(b, &f, "type", type);
	if (agent >= 0)
		json_kint(b, &f, "agent_id", CCAI_ID(&ccai.agents, agent));
	else
		json_knull(b, &f, "agent_id");
	if (end_user > 0)
		json_kint(b, &f, "end_user_id", end_user);
	else
		json_knull(b, &f, "end_user_id");
	json_kstr(b, &f, "status", to == CCAI_NO_TIME ? "connected" : "finished");
	json_ktime_null(b, &f, "connected_at", from);
	json_ktime_null(b, &f, "ended_at", to);
	buf_putc(b, '}');
}

/*
 * Who was on the contact when: the end user (from created_at when they
 * called in, from the answer when the agent called out), the agent until
 * the transfer, the agent after it, and now and then a third party.
 */
static void
write_participants(StrBuf *b, bool *first, const CcaiKind *k, const CcaiContact *c,
				   const Extras *x, SimTime transfer)
{
	SimTime		talk = c->at[k->talk_step];
	SimTime		end = c->at[k->nsteps - 1];
	SimTime		caller = k->types[c->type].steps & 1 ? c->created_at : talk;
	int64_t		id = c->id * 10;
	bool		f = true;

	json_key(b, first, "participants");
	buf_putc(b, '[');
	if (caller != CCAI_NO_TIME)
		write_participant(b, &f, id++, "end_user", -1, x->end_user, caller, end);
	if (talk != CCAI_NO_TIME)
		write_participant(b, &f, id++, "agent", c->agent, 0, talk,
						  transfer != CCAI_NO_TIME ? transfer : end);
	if (transfer != CCAI_NO_TIME)
	{
		SimTime		joined = transfer + x->transfer_ring_ms * (SimTime) 1000;

		write_participant(b, &f, id++, "agent", second_agent(c, x), 0,
						  joined < end ? joined : end, end);
	}
	if (x->third_party && talk != CCAI_NO_TIME && end != CCAI_NO_TIME)
		write_participant(b, &f, id++, "external", -1, 0, talk + (end - talk) / 3000 * 1000,
						  talk + (end - talk) / 3000 * 2000);
	buf_putc(b, ']');
}

/* The transfers: one at most, from the first agent to the second. */
static void
write_transfers(StrBuf *b, bool *first, const CcaiKind *k, const CcaiContact *c,
				const Extras *x, SimTime transfer)
{
	bool		f = true;

	json_key(b, first, "transfers");
	buf_putc(b, '[');
	if (transfer != CCAI_NO_TIME)
	{
		buf_putc(b, '{');
		json_kint(b, &f, "id", c->id * 10 + 9);
		json_kstr(b, &f, "status", "transferred");
		json_ktime(b, &f, "created_at", transfer, 3);
		write_agent_ref(b, &f, "from_agent", c->agent);
		write_agent_ref(b, &f, "to_agent", second_agent(c, x));
		write_menu_ref(b, &f, "from_menu", contact_menu(c));
		write_menu_ref(b, &f, "to_menu", x->to_menu ? k->menus[x->pick % k->nmenus] : -1);
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
}

/* The end user, anonymous or not. */
static void
write_end_user(StrBuf *b, bool *first, const Extras *x)
{
	bool		f = true;
	char		text[32];

	json_key(b, first, "end_user");
	buf_putc(b, '{');
	json_kint(b, &f, "id", x->end_user);
	snprintf(text, sizeof(text), "+1555%07lld", (long long) (x->end_user % 10000000));
	json_kstr(b, &f, "identifier", x->anonymous ? NULL : text);
	snprintf(text, sizeof(text), "003%09lld", (long long) x->end_user);
	json_kstr(b, &f, "out_contact_id", x->crm_contact ? text : NULL);
	buf_putc(b, '}');
}

/* The members calls and chats share (the object stays open). */
static void
write_contact(StrBuf *b, bool *first, const CcaiKind *k, const CcaiContact *c, const Extras *x)
{
	int			end = k->nsteps - 1;
	SimTime		transfer = transfer_time(k, c, x);
	bool		talked = ccai_has(c, k->talk_step) && ccai_has(c, end);
	char		url[160];

	json_kint(b, first, "id", c->id);
	json_knull(b, first, "parent_id");
	json_kstr(b, first, k->type_key, k->types[c->type].name);
	json_kstr(b, first, "status", k->statuses[c->status].name);
	json_kstr(b, first, "lang", langs[c->lang]);
	json_ktime(b, first, "created_at", c->created_at, 3);
	for (int s = 0; s < k->nsteps; s++)
		json_ktime_null(b, first, k->step_names[s], c->at[s]);
	json_ktime(b, first, "updated_at", c->updated_at, 3);
	json_kseconds(b, first, "duration", c->at[k->talk_step], c->at[end]);
	json_kseconds(b, first, "wait_duration", c->at[0],
				  ccai_has(c, k->wait_step) ? c->at[k->wait_step] : c->at[end]);
	write_agent_ref(b, first, "agent", c->agent);
	write_menu_ref(b, first, "menu", contact_menu(c));
	write_end_user(b, first, x);
	write_participants(b, first, k, c, x, transfer);
	write_transfers(b, first, k, c, x, transfer);
	if (talked && x->rating > 0)
		json_kint(b, first, "rating", x->rating);
	else
		json_knull(b, first, "rating");
	json_kbool(b, first, "has_feedback", talked && x->rating > 0 && x->feedback);
	snprintf(url, sizeof(url), "%d", x->ticket);
	json_kstr(b, first, "out_ticket_id", x->ticket ? url : NULL);
	snprintf(url, sizeof(url), "https://%s.zendesk.example/agent/tickets/%d",
			 ccai_subdomain, x->ticket);
	json_kstr(b, first, "out_ticket_url", x->ticket ? url : NULL);
}

/* Who hung up: nobody yet, the system, the end user who gave up, or either side. */
static const char *
disconnected_by(const char *status, bool ended, bool voicemail, int pick)
{
	if (!ended)
		return NULL;
	if (strcmp(status, "failed") == 0 || strcmp(status, "deflected") == 0)
		return "system";
	if (strcmp(status, "abandoned") == 0 || voicemail)
		return "end_user";
	return pick % 2 ? "end_user" : "agent";
}

/* A call: the shared members and the call's own. */
void
ccai_write_call(StrBuf *b, const void *row)
{
	static const char *const fail_reasons[] = {"no_answer", "busy", "network_error"};
	static const char *const vm_reasons[] = {"no_agent_available", "after_hours", "queue_full"};
	const CcaiKind *k = &ccai_call_kind;
	const CcaiContact *c = row;
	const char *status = k->statuses[c->status].name;
	bool		voicemail = strcmp(k->types[c->type].name, "voicemail") == 0;
	bool		ended = ccai_has(c, k->nsteps - 1);
	bool		talked = ccai_has(c, k->talk_step);
	bool		first = true;
	char		url[192];
	Extras		x;

	draw_extras(k, c, &x);
	buf_putc(b, '{');
	write_contact(b, &first, k, c, &x);
	json_kint(b, &first, "hold_duration", c->hold_s);
	json_kstr(b, &first, "fail_reason",
			  strcmp(status, "failed") == 0 ? fail_reasons[x.pick % 3] : "nothing");
	json_kstr(b, &first, "disconnected_by", disconnected_by(status, ended, voicemail, x.pick));
	json_kstr(b, &first, "voicemail_reason", voicemail ? vm_reasons[x.pick % 3] : "not_voicemail");
	snprintf(url, sizeof(url), "https://storage.googleapis.com/ccaip-%s-recordings/calls/%lld.mp3",
			 ccai_subdomain, (long long) c->id);
	json_kstr(b, &first, "recording_url", ended && (talked || voicemail) ? url : NULL);
	json_kstr(b, &first, "recording_permission",
			  !talked ? "not_asked" : x.permission ? "granted" : "denied");
	json_kstr(b, &first, "support_number", "+18005550199");
	json_key(b, &first, "photos");
	buf_puts(b, "[]");
	json_key(b, &first, "videos");
	buf_puts(b, "[]");
	write_internal_flags(b, &first, x.bucket, x.span);
	buf_putc(b, '}');
}

/* A chat: the shared members and the chat's own. */
void
ccai_write_chat(StrBuf *b, const void *row)
{
	const CcaiKind *k = &ccai_chat_kind;
	const CcaiContact *c = row;
	bool		talked = ccai_has(c, k->talk_step);
	bool		first = true;
	Extras		x;

	draw_extras(k, c, &x);
	buf_putc(b, '{');
	write_contact(b, &first, k, c, &x);
	json_key(b, &first, "message_counts");
	buf_printf(b, "{\"end_user\":%d,\"agent\":%d,\"virtual_agent\":%d}",
			   x.messages[0], talked ? x.messages[1] : 0, x.messages[2]);
	write_internal_flags(b, &first, x.bucket, x.span);
	buf_putc(b, '}');
}

/* ---------- agents and activity ---------- */

/* An agent with its teams and current status. */
void
ccai_write_agent(StrBuf *b, const void *row)
{
	const CcaiAgent *a = row;
	const CcaiUserStatus *st = CCAI_ROW(&ccai.statuses, a->status);
	char		text[128];
	bool		first = true;
	bool		f = true;

	buf_putc(b, '{');
	json_kint(b, &first, "id", a->id);
	agent_name(a, text, sizeof(text));
	json_kstr(b, &first, "name", text);
	json_kstr(b, &first, "first_name", a->first);
	json_kstr(b, &first, "last_name", a->last);
	json_kstr(b, &first, "email", a->email);
	snprintf(text, sizeof(text), "A%05lld", (long long) a->id);
	json_kstr(b, &first, "agent_number", text);
	json_kstr(b, &first, "status", st->name);
	json_kint(b, &first, "user_status_id", st->id);
	json_ktime(b, &first, "status_updated_at", a->status_updated_at, 3);
	json_key(b, &first, "teams");
	buf_putc(b, '[');
	for (int i = 0; i < 2 && a->teams[i] >= 0; i++)
	{
		const CcaiTeam *t = CCAI_ROW(&ccai.teams, a->teams[i]);
		bool		ft = true;

		json_sep(b, &f);
		buf_putc(b, '{');
		json_kint(b, &ft, "id", t->id);
		json_kstr(b, &ft, "name", t->name);
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
	json_key(b, &first, "roles");
	buf_puts(b, a->manager ? "[\"agent\",\"manager\"]" : "[\"agent\"]");
	json_key(b, &first, "languages");
	buf_puts(b, a->spanish ? "[\"en\",\"es\"]" : "[\"en\"]");
	json_knull(b, &first, "avatar_url");
	json_knull(b, &first, "phone_number");
	json_ktime(b, &first, "created_at", a->created_at, 3);
	json_key(b, &first, "x_internal_flags");
	buf_printf(b, "{\"softphone\":\"webrtc\",\"adapter\":{\"version\":\"3.%d.%d\",\"beta\":%s}}",
			   (int) (a->id % 4) + 12, (int) (a->id % 7), a->id % 5 ? "false" : "true");
	buf_putc(b, '}');
}

/* An agent's time in one status; the open one has no end or duration yet. */
void
ccai_write_activity(StrBuf *b, const void *row)
{
	const CcaiActivity *l = row;
	const CcaiUserStatus *st = CCAI_ROW(&ccai.statuses, l->status);
	bool		first = true;

	buf_putc(b, '{');
	json_kint(b, &first, "id", l->id);
	json_kint(b, &first, "agent_id", CCAI_ID(&ccai.agents, l->agent));
	json_kstr(b, &first, "status", st->name);
	json_kint(b, &first, "user_status_id", st->id);
	json_ktime(b, &first, "started_at", l->started_at, 3);
	json_ktime_null(b, &first, "ended_at", l->ended_at);
	json_kseconds(b, &first, "duration", l->started_at, l->ended_at);
	json_key(b, &first, "x_internal_flags");
	buf_printf(b, "{\"source\":\"%s\"}", l->id % 6 ? "agent_adapter" : "auto_away");
	buf_putc(b, '}');
}

/* ---------- teams, menus, user statuses, the organisation ---------- */

/* Rank of a row among the rows of its parent (the int at parent_offset). */
static int
position(const CcaiTable *t, size_t parent_offset, const void *row)
{
	int			parent = *(const int *) ((const char *) row + parent_offset);
	int			index = (int) (((const char *) row - t->rows) / t->row_size);
	int			n = 0;

	for (int i = 0; i < index; i++)
		n += *(const int *) ((const char *) CCAI_ROW(t, i) + parent_offset) == parent;
	return n;
}

/* The id of row "parent" of a table, or null for a root. */
static void
json_kparent(StrBuf *b, bool *first, const CcaiTable *t, int parent)
{
	if (parent < 0)
		json_knull(b, first, "parent_id");
	else
		json_kint(b, first, "parent_id", CCAI_ID(t, parent));
}

/* A team. */
void
ccai_write_team(StrBuf *b, const void *row)
{
	const CcaiTeam *t = row;
	bool		first = true;

	buf_putc(b, '{');
	json_kint(b, &first, "id", t->id);
	json_kstr(b, &first, "name", t->name);
	json_kparent(b, &first, &ccai.teams, t->parent);
	json_kint(b, &first, "position", position(&ccai.teams, offsetof(CcaiTeam, parent), t));
	json_kbool(b, &first, "deleted", false);
	buf_putc(b, '}');
}

/* The teams under parent (-1: the roots), each with its children. */
void
ccai_write_team_tree(StrBuf *b, int parent)
{
	bool		first = true;

	buf_putc(b, '[');
	for (int i = 0; i < ccai.teams.nrows; i++)
	{
		const CcaiTeam *t = CCAI_ROW(&ccai.teams, i);
		bool		f = true;

		if (t->parent != parent)
			continue;
		json_sep(b, &first);
		buf_putc(b, '{');
		json_kint(b, &f, "id", t->id);
		json_kstr(b, &f, "name", t->name);
		json_key(b, &f, "children");
		ccai_write_team_tree(b, i);
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
}

/* A menu (an IVR, web or mobile menu node). */
void
ccai_write_menu(StrBuf *b, const void *row)
{
	const CcaiMenu *m = row;
	bool		first = true;

	buf_putc(b, '{');
	json_kint(b, &first, "id", m->id);
	json_kstr(b, &first, "name", m->name);
	json_kstr(b, &first, "menu_type", m->menu_type);
	json_kparent(b, &first, &ccai.menus, m->parent);
	json_kint(b, &first, "position", position(&ccai.menus, offsetof(CcaiMenu, parent), m));
	json_kbool(b, &first, "deleted", false);
	json_kbool(b, &first, "hidden", false);
	json_kstr(b, &first, "output_msg", m->output_msg);
	buf_putc(b, '}');
}

/* A user status agents can be in. */
void
ccai_write_user_status(StrBuf *b, const void *row)
{
	const CcaiUserStatus *s = row;
	bool		first = true;

	buf_putc(b, '{');
	json_kint(b, &first, "id", s->id);
	json_kstr(b, &first, "name", s->name);
	json_kstr(b, &first, "color", s->color);
	json_kbool(b, &first, "wrap_up", s->wrap_up);
	/* Available and Offline come with every account */
	json_kbool(b, &first, "system", s->id <= 2);
	json_kint(b, &first, "position", s - (const CcaiUserStatus *) ccai.statuses.rows);
	json_kbool(b, &first, "deleted", false);
	buf_putc(b, '}');
}

/* The organisation's settings: the connectivity check's small object. */
void
ccai_write_organization(StrBuf *b)
{
	SimTime		created = sim_config.anchor - (SimTime) (sim_config.days + 1000) * USECS_PER_DAY;
	bool		first = true;

	buf_putc(b, '{');
	json_kint(b, &first, "id", 1);
	json_kstr(b, &first, "name", ccai_subdomain);
	json_kstr(b, &first, "subdomain", ccai_subdomain);
	json_kstr(b, &first, "timezone", "America/Los_Angeles");
	json_kstr(b, &first, "default_language", "en");
	json_key(b, &first, "languages");
	buf_puts(b, "[\"en\",\"es\",\"fr\"]");
	json_ktime(b, &first, "created_at", created - created % USECS_PER_DAY, 3);
	json_key(b, &first, "features");
	buf_puts(b, "{\"chat\":true,\"voicemail\":true,\"virtual_agent\":false}");
	buf_putc(b, '}');
}
