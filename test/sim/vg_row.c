/*
 * vg_row.c
 *		One Voicegain call as the export writes it, in JSON or CSV.
 *
 * A call is first expanded into a VgRow (every documented column; what
 * the stored VgCall lacks is generated from (seed, callId)), then written
 * by walking the column table in the documented order. JSON nests the
 * dotted columns (agent.*, queue.*) into objects and leaves absent values
 * out; CSV writes them all, absent ones empty, lists joined with '|'.
 */
#include "vg.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define NO_INT		INT64_MIN	/* an absent integer column */

typedef enum VgKind
{
	VG_STR,						/* const char *, NULL: absent */
	VG_LIST,					/* const char *, items joined with '|' */
	VG_INT,						/* int64_t, NO_INT: absent */
	VG_NUM,						/* double, NaN: absent */
	VG_BOOL,					/* int, -1: absent */
	VG_TIME						/* SimTime */
} VgKind;

/* Every column of a call; strings point into the arena. */
typedef struct VgRow
{
	const char *account_id;
	const char *context_id;
	int64_t		call_id;
	SimTime		start_time;
	SimTime		end_time;
	int64_t		duration;
	const char *direction;
	const char *external_endpoint;
	const char *internal_endpoint;
	const char *recording;
	const char *sa_session_id;
	const char *agent_id;
	const char *agent_email;
	const char *agent_name;
	const char *agent_user_id;
	const char *agent_channel;
	const char *queue_id;
	const char *queue_name;
	const char *queue_uuid;
	double		sentiment;
	const char *cr_answers_id;
	double		score;
	const char *review_status;
	const char *review_notes;
	const char *notes;
	const char *tags;
	const char *keywords;
	const char *topics;
	int			is_call_resolved;
	int64_t		incidents;
	const char *word_cloud;
	int64_t		num_audio_channels;
	int64_t		num_spk_channels;
	int64_t		version;
	const char *aivr_app_id;
	const char *aivr_session_id;
	int64_t		originating_call_id;
	const char *progress_phase;
	const char *aivr_transfer_dest_type;
	const char *call_center_call_id;
	const char *language;
	const char *dtmf_events;
	int64_t		daily_repeat_calls;
	const char *markers;
	char		arena[8192];
	size_t		used;
} VgRow;

typedef struct VgColumn
{
	const char *name;			/* CSV header; "a.b" is b of JSON object a */
	VgKind		kind;
	size_t		offset;			/* of the value in VgRow */
	bool		json_only;		/* not a documented column: JSON only */
} VgColumn;

#define COL(name, kind, field) {name, kind, offsetof(VgRow, field), false}

/* The documented columns, in the documented order. */
static const VgColumn columns[] = {
	COL("accountId", VG_STR, account_id),
	COL("contextId", VG_STR, context_id),
	COL("callId", VG_INT, call_id),
	COL("startTime", VG_TIME, start_time),
	COL("endTime", VG_TIME, end_time),
	COL("duration", VG_INT, duration),
	COL("direction", VG_STR, direction),
	COL("externalEndpoint", VG_STR, external_endpoint),
	COL("internalEndpoint", VG_STR, internal_endpoint),
	COL("recording", VG_STR, recording),
	COL("saSessionId", VG_STR, sa_session_id),
	COL("agent.id", VG_STR, agent_id),
	COL("agent.email", VG_STR, agent_email),
	COL("agent.name", VG_STR, agent_name),
	COL("agent.userId", VG_STR, agent_user_id),
	COL("agent.channel", VG_STR, agent_channel),
	COL("queue.id", VG_STR, queue_id),
	COL("queue.name", VG_STR, queue_name),
	{"queue.queueId", VG_STR, offsetof(VgRow, queue_uuid), true},
	COL("sentiment", VG_NUM, sentiment),
	COL("crAnswersId", VG_STR, cr_answers_id),
	COL("score", VG_NUM, score),
	COL("reviewStatus", VG_STR, review_status),
	COL("reviewNotes", VG_STR, review_notes),
	COL("notes", VG_STR, notes),
	COL("tags", VG_LIST, tags),
	COL("keywords", VG_LIST, keywords),
	COL("topics", VG_LIST, topics),
	COL("isCallResolved", VG_BOOL, is_call_resolved),
	COL("incidents", VG_INT, incidents),
	COL("wordCloud", VG_LIST, word_cloud),
	COL("numAudioChannels", VG_INT, num_audio_channels),
	COL("numSpkChannels", VG_INT, num_spk_channels),
	COL("version", VG_INT, version),
	COL("aivrAppId", VG_STR, aivr_app_id),
	COL("aivrSessionId", VG_STR, aivr_session_id),
	COL("originatingCallId", VG_INT, originating_call_id),
	COL("progressPhase", VG_STR, progress_phase),
	COL("aivrTransferDestType", VG_STR, aivr_transfer_dest_type),
	COL("callCenterCallId", VG_STR, call_center_call_id),
	COL("language", VG_STR, language),
	COL("dtmfEvents", VG_LIST, dtmf_events),
	COL("dailyRepeatCalls", VG_INT, daily_repeat_calls),
	COL("markers", VG_LIST, markers),
};

#define NCOLUMNS ((int) (sizeof(columns) / sizeof(columns[0])))

static const char *const tag_words[] = {
	"C_Member", "C_Prospect", "NEW_TAG", "V_Verified", "V_Unverified",
	"R_Coverage", "R_Billing", "R_Claims", "R_Pharmacy", "ESCALATED",
};
static const char *const keyword_words[] = {
	"deductible", "copay", "premium", "prior authorization", "claim", "refund",
	"cancel", "pharmacy", "coverage", "appointment", "supervisor", "ID card",
};
static const char *const topic_words[] = {
	"Billing Question", "Claim Status", "Coverage Inquiry", "Cancel Membership",
	"Update Address", "Pharmacy Refill", "Complaint", "Find a Doctor",
};
static const char *const cloud_words[] = {
	"member", "plan", "claim", "coverage", "doctor", "pharmacy", "card", "bill",
	"payment", "account", "today", "help", "thank", "question", "insurance",
	"deductible", "refill", "address", "policy", "visit", "provider", "birth",
	"date", "number", "appointment", "premium", "network", "letter", "email",
	"callback",
};
static const char *const review_statuses[] = {
	"NOT_REVIEWED", "NOT_REVIEWED", "NOT_REVIEWED", "REVIEWED", "REVIEWED", "DISPUTED",
};
static const char *const review_texts[] = {
	"Greeting and verification done, \"HIPAA\" statement missing.",
	"Good empathy; hold time too long.",
	"Agent did not offer a callback, customer asked twice.",
	"Scored by the QA form v3, re-check \"resolution\" item",
};
static const char *const outcomes[] = {
	"resolved on the call, no follow-up needed.",
	"not resolved; a callback is scheduled.",
	"escalated to a supervisor, ticket opened.",
};

#define LEN(a) ((int) (sizeof(a) / sizeof((a)[0])))

/* Append printf text to the string being built in the row's arena. */
static void
row_append(VgRow *row, const char *fmt,...)
{
	size_t		room = sizeof(row->arena) - row->used;
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(row->arena + row->used, room, fmt, ap);
	va_end(ap);
	/* a full arena truncates; the sizes below stay far from it */
	row->used += n < 0 ? 0 : ((size_t) n < room ? (size_t) n : room - 1);
}

/* Finish the string begun at offset start of the arena and return it. */
static const char *
row_end(VgRow *row, size_t start)
{
	/* row_append leaves room for the NUL; an empty string needs one too */
	row->arena[row->used] = '\0';
	if (row->used < sizeof(row->arena) - 1)
		row->used++;
	return row->arena + start;
}

/* A uuid in the arena. */
static const char *
row_uuid(VgRow *row, SimRng *r)
{
	size_t		start = row->used;
	char		id[37];

	rng_uuid(r, id);
	row_append(row, "%s", id);
	return row_end(row, start);
}

/* Each word of words with chance p, joined with '|' (possibly none). */
static const char *
row_pick_list(VgRow *row, SimRng *r, const char *const *words, int n, double p)
{
	size_t		start = row->used;

	for (int i = 0; i < n; i++)
		if (rng_chance(r, p))
			row_append(row, "%s%s", row->used > start ? "|" : "", words[i]);
	return row_end(row, start);
}

/* A phone number: "+1" and ten digits, or "1" and ten digits without plus. */
static const char *
row_phone(VgRow *row, SimRng *r, bool plus)
{
	size_t		start = row->used;

	row_append(row, "%s1%03d%03d%04d", plus ? "+" : "", rng_int(r, 201, 989),
			   rng_int(r, 200, 999), rng_int(r, 0, 9999));
	return row_end(row, start);
}

/* An id of n (below 64) random letters and digits, as saSessionId looks. */
static const char *
row_token(VgRow *row, SimRng *r, int n)
{
	size_t		start = row->used;
	char		id[64];

	rng_base62(r, id, n);
	row_append(row, "%s", id);
	return row_end(row, start);
}

/* Call-center and voicebot events: "offsetMs,EVENT,detail" items. */
static const char *
row_markers(VgRow *row, SimRng *r, const VgCall *c, const char *dest)
{
	size_t		start = row->used;
	int			ms = 0;

	if (c->aivr_app >= 0)
	{
		row_append(row, "0,AIVR_START,null");
		if (c->agent < 0)
			return row_end(row, start);
		ms = rng_int(r, 20000, 120000);
		row_append(row, "|%d,AIVR_TRANSFER,%s|", ms, dest);
	}
	row_append(row, "%d,CC_ANSWER,null|%d,CC_AGENT_ANSWER,null", ms,
			   ms + rng_int(r, 2000, 60000));
	if (rng_chance(r, 0.2))
	{
		ms += rng_int(r, 60000, 200000);
		row_append(row, "|%d,CC_HOLD,null|%d,CC_UNHOLD,null", ms, ms + rng_int(r, 10000, 90000));
	}
	return row_end(row, start);
}

/* DTMF digits pressed in the voicebot: "offsetMs,digit" items. */
static const char *
row_dtmf(VgRow *row, SimRng *r)
{
	size_t		start = row->used;
	int			ms = 0;
	int			n = rng_int(r, 1, 4);

	for (int i = 0; i < n; i++)
	{
		ms += rng_int(r, 1500, 9000);
		row_append(row, "%s%d,%d", i ? "|" : "", ms, rng_int(r, 0, 9));
	}
	return row_end(row, start);
}

/* The LLM call summary: several lines, with commas and quotes. */
static const char *
row_notes(VgRow *row, SimRng *r, const VgCall *c)
{
	size_t		start = row->used;
	const char *first = rng_pick(r, corpus_first_names, corpus_nfirst_names);
	const char *last = rng_pick(r, corpus_last_names, corpus_nlast_names);

	row_append(row, "Summary: %s %s, a %s, called about %s.\n", first, last,
			   rng_chance(r, 0.8) ? "member" : "prospect",
			   rng_pick(r, topic_words, LEN(topic_words)));
	row_append(row, "%s said \"%s\".\n",
			   c->agent >= 0 ? vg.agents[c->agent].name : "The voicebot",
			   rng_pick(r, corpus_sentences, corpus_nsentences));
	row_append(row, "Outcome: %s", rng_pick(r, outcomes, LEN(outcomes)));
	return row_end(row, start);
}

/* The agent and queue columns; all absent for a call the voicebot kept. */
static void
fill_people(VgRow *row, const VgCall *c, bool stereo, bool inbound)
{
	if (c->agent >= 0)
	{
		const VgAgent *a = &vg.agents[c->agent];

		row->agent_id = a->ext_id;
		row->agent_email = a->email;
		row->agent_name = a->name;
		row->agent_user_id = a->user_id;
		row->agent_channel = !stereo ? NULL : inbound ? "right" : "left";
	}
	if (c->queue >= 0)
	{
		const VgQueue *q = &vg.queues[c->queue];

		row->queue_id = q->ext_id;
		row->queue_name = q->name;
		row->queue_uuid = q->uuid;
	}
}

/* The voicebot columns of a call that went through an AIVR app. */
static void
fill_aivr(VgRow *row, SimRng *r, const VgCall *c)
{
	row->aivr_app_id = vg.aivr_apps[c->aivr_app];
	row->aivr_session_id = row_uuid(row, r);
	if (c->agent >= 0)
		row->aivr_transfer_dest_type = rng_chance(r, 0.8) ? "Internal" : "Agency";
	if (rng_chance(r, 0.2))
		row->originating_call_id = c->call_id - rng_int(r, 1, 5000);
	if (rng_chance(r, 0.5))
		row->dtmf_events = row_dtmf(row, r);
}

/*
 * The results of speech analytics, which exist once the call is DONE.
 * They are drawn for every call (the draws keep their order whatever the
 * phase) and dropped for the others.
 */
static void
fill_analytics(VgRow *row, SimRng *r, const VgCall *c)
{
	const char *status = rng_pick(r, review_statuses, LEN(review_statuses));
	const char *review = rng_pick(r, review_texts, LEN(review_texts));
	bool		resolved = rng_chance(r, 0.7);

	row->sentiment = rng_int(r, -100, 100) / 100.0;
	row->incidents = rng_int(r, 0, 6);
	row->num_spk_channels = 2;
	row->notes = row_notes(row, r, c);
	row->tags = row_pick_list(row, r, tag_words, LEN(tag_words), 0.25);
	row->keywords = row_pick_list(row, r, keyword_words, LEN(keyword_words), 0.2);
	row->topics = row_pick_list(row, r, topic_words, LEN(topic_words), 0.15);
	row->word_cloud = row_pick_list(row, r, cloud_words, LEN(cloud_words), 0.4);
	if (c->score10 >= 0)
	{
		row->cr_answers_id = row_uuid(row, r);
		row->score = c->score10 / 10.0;
		row->review_status = status;
		if (strcmp(status, "NOT_REVIEWED") != 0)
			row->review_notes = review;
	}
	/* resolution detection is configured in the first two projects only */
	if (c->project < 2)
		row->is_call_resolved = resolved;
	if (c->phase != VG_DONE)
	{
		row->sentiment = row->score = NAN;
		row->incidents = row->num_spk_channels = NO_INT;
		row->notes = row->tags = row->keywords = row->topics = row->word_cloud = NULL;
		row->cr_answers_id = row->review_status = row->review_notes = NULL;
		row->is_call_resolved = -1;
	}
}

/* Expand a stored call into every column. */
static void
build_row(VgRow *row, const VgCall *c)
{
	SimRng		r;
	bool		stereo;
	bool		inbound;

	rng_seed(&r, sim_config.seed, VG_S_DETAIL, (uint64_t) c->call_id);
	memset(row, 0, offsetof(VgRow, arena));
	row->used = 0;
	row->sentiment = row->score = NAN;
	row->originating_call_id = NO_INT;
	row->is_call_resolved = -1;

	row->account_id = vg.account_id;
	row->context_id = vg.projects[c->project];
	row->call_id = c->call_id;
	row->start_time = c->start;
	/* ringing and wrap-up: the span is longer than the conversation */
	row->end_time = c->start + (c->duration + rng_int(&r, 0, 15)) * USECS_PER_SEC;
	row->duration = c->duration;
	inbound = rng_chance(&r, 0.8);
	stereo = rng_chance(&r, 0.9);
	row->direction = inbound ? "inbound" : "outbound";
	row->external_endpoint = row_phone(row, &r, true);
	row->internal_endpoint = row_phone(row, &r, false);
	row->recording = row_uuid(row, &r);
	row->sa_session_id = row_token(row, &r, 20);
	if (c->phase == VG_QUEUED)
		row->sa_session_id = NULL;
	fill_people(row, c, stereo, inbound);
	row->num_audio_channels = stereo ? 2 : 1;
	row->version = 2;
	row->progress_phase = vg_phases[c->phase];
	row->language = c->queue == 1 || rng_chance(&r, 0.05) ? "es" : "en";
	row->daily_repeat_calls = rng_chance(&r, 0.8) ? 0 : rng_int(&r, 1, 3);
	if (c->agent >= 0)
	{
		size_t		start = row->used;

		row_append(row, "24%08d", rng_int(&r, 0, 99999999));
		row->call_center_call_id = row_end(row, start);
	}
	if (c->aivr_app >= 0)
		fill_aivr(row, &r, c);
	row->markers = row_markers(row, &r, c, row->aivr_transfer_dest_type ?
							   row->aivr_transfer_dest_type : "null");
	fill_analytics(row, &r, c);
}

/* Is column col of the row absent? */
static bool
absent(const VgRow *row, const VgColumn *col)
{
	const char *field = (const char *) row + col->offset;

	switch (col->kind)
	{
		case VG_STR:
		case VG_LIST:
			return *(const char *const *) field == NULL;
		case VG_INT:
			return *(const int64_t *) field == NO_INT;
		case VG_NUM:
			return isnan(*(const double *) field);
		case VG_BOOL:
			return *(const int *) field < 0;
		case VG_TIME:
			break;
	}
	return false;
}

/* A time as the CSV export writes it: "05-12-2024 6:15:45 PM", UTC. */
static void
csv_time(StrBuf *b, SimTime t)
{
	time_t		secs = (time_t) (t / USECS_PER_SEC);
	struct tm	tm;

	gmtime_r(&secs, &tm);
	buf_printf(b, "%02d-%02d-%04d %d:%02d:%02d %s", tm.tm_mon + 1, tm.tm_mday,
			   tm.tm_year + 1900, (tm.tm_hour + 11) % 12 + 1, tm.tm_min, tm.tm_sec,
			   tm.tm_hour < 12 ? "AM" : "PM");
}

/* A '|'-joined list as a JSON array of strings. */
static void
json_list(StrBuf *b, const char *s)
{
	bool		first = true;

	buf_putc(b, '[');
	while (*s)
	{
		size_t		n = strcspn(s, "|");
		char		item[128];

		snprintf(item, sizeof(item), "%.*s", (int) n, s);
		json_sep(b, &first);
		json_str(b, item);
		s += n + (s[n] == '|');
	}
	buf_putc(b, ']');
}

/* Write the (present) value of column col: JSON, or the CSV cell's text. */
static void
write_value(StrBuf *b, const VgRow *row, const VgColumn *col, bool csv)
{
	const char *field = (const char *) row + col->offset;
	char		ts[40];

	switch (col->kind)
	{
		case VG_STR:
			if (csv)
				buf_puts(b, *(const char *const *) field);
			else
				json_str(b, *(const char *const *) field);
			break;
		case VG_LIST:
			if (csv)
				buf_puts(b, *(const char *const *) field);
			else
				json_list(b, *(const char *const *) field);
			break;
		case VG_INT:
			buf_printf(b, "%lld", (long long) *(const int64_t *) field);
			break;
		case VG_NUM:
			json_num(b, *(const double *) field);
			break;
		case VG_BOOL:
			buf_puts(b, *(const int *) field ? "true" : "false");
			break;
		case VG_TIME:
			if (csv)
				csv_time(b, *(const SimTime *) field);
			else
			{
				format_time(ts, sizeof(ts), *(const SimTime *) field, 0);
				json_str(b, ts);
			}
			break;
	}
}

/*
 * One call as a JSON object: documented keys, dotted ones nested; absent
 * values are left out (an agent-less call has no "agent" at all).
 */
void
vg_write_json(StrBuf *b, const VgCall *c)
{
	VgRow		row;
	bool		first = true;
	bool		nested_first = true;
	const char *open = NULL;	/* the nested object being written */
	size_t		open_len = 0;

	build_row(&row, c);
	buf_putc(b, '{');
	for (int i = 0; i < NCOLUMNS; i++)
	{
		const VgColumn *col = &columns[i];
		const char *dot = strchr(col->name, '.');

		if (absent(&row, col))
			continue;
		if (open && (dot == NULL || (size_t) (dot - col->name) != open_len ||
					 strncmp(col->name, open, open_len) != 0))
		{
			buf_putc(b, '}');
			open = NULL;
		}
		if (dot && open == NULL)
		{
			json_sep(b, &first);
			buf_printf(b, "\"%.*s\":{", (int) (dot - col->name), col->name);
			open = col->name;
			open_len = (size_t) (dot - col->name);
			nested_first = true;
		}
		json_key(b, dot ? &nested_first : &first, dot ? dot + 1 : col->name);
		write_value(b, &row, col, false);
	}
	if (open)
		buf_putc(b, '}');
	buf_putc(b, '}');
}

/* Append one CSV field, quoted as RFC 4180 says when it needs to be. */
static void
csv_field(StrBuf *b, const char *s, size_t n)
{
	if (strcspn(s, ",\"\r\n") == n)
	{
		buf_putn(b, s, n);
		return;
	}
	buf_putc(b, '"');
	for (size_t i = 0; i < n; i++)
	{
		if (s[i] == '"')
			buf_putc(b, '"');
		buf_putc(b, s[i]);
	}
	buf_putc(b, '"');
}

/* The CSV header: the documented column names, in order, CRLF-ended. */
void
vg_write_csv_header(StrBuf *b)
{
	bool		first = true;

	for (int i = 0; i < NCOLUMNS; i++)
	{
		if (columns[i].json_only)
			continue;
		if (!first)
			buf_putc(b, ',');
		first = false;
		buf_puts(b, columns[i].name);
	}
	buf_puts(b, "\r\n");
}

/* One call as a CSV row; absent values are empty fields. */
void
vg_write_csv_row(StrBuf *b, const VgCall *c)
{
	VgRow		row;
	StrBuf		cell;
	bool		first = true;

	build_row(&row, c);
	buf_init(&cell, 1024);
	for (int i = 0; i < NCOLUMNS; i++)
	{
		if (columns[i].json_only)
			continue;
		if (!first)
			buf_putc(b, ',');
		first = false;
		if (absent(&row, &columns[i]))
			continue;
		cell.len = 0;
		write_value(&cell, &row, &columns[i], true);
		csv_field(b, cell.data, cell.len);
	}
	buf_puts(b, "\r\n");
	buf_free(&cell);
}
