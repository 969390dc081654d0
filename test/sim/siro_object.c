/*
 * siro_object.c
 *		The Siro recording object, member by member in the order of the
 *		vendor's document (shared/vendor-docs/siro-recordings-api.txt),
 *		with the nulls real data has: a recording still being recorded has
 *		no duration, a failed one no metrics, a desktop upload no location.
 *
 * Every member goes through key(), which writes an admin override of the
 * member instead of the generated value when there is one.
 */
#include "siro.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const SiroDevice devices[] = {
	{"ios", "17.5.1", "iPhone 15 Pro", "iOS", true},
	{"ios", "16.7.8", "iPhone 12", "iOS", true},
	{"android", "14", "Pixel 8", "Android", true},
	{"android", "13", "SM-S911U", "Android", true},
	{"web", "Chrome 126.0", "Desktop", "Web", false},
	{"windows", "11", "Surface Laptop 5", "Web", false},
	{"macos", "14.5", "MacBookAir10,1", "Web", false},
};

static const char *const languages[][2] = {
	{"English", "en"}, {"Spanish", "es"}, {"French", "fr"},
};

static const char *const conv_types[] = {
	"Initial Appointment", "Follow-up Visit", "Inspection", "Closing Appointment",
};

/* A bookmark type: its name, a snippet said when it happens, a question. */
typedef struct TagType
{
	const char *name;
	const char *text;
	const char *question;
} TagType;

static const TagType tag_types[] = {
	{"Price Presented", "the total comes to eighteen thousand four hundred installed",
	"Did the rep present the price?"},
	{"Financing", "we can do zero percent for eighteen months on approved credit",
	"Did the rep offer financing?"},
	{"Objection", "we are also getting two other quotes this week",
	"Did the customer raise an objection?"},
	{"Next Steps", "can we schedule a follow up for next tuesday",
	"Did the rep agree on next steps?"},
	{"Warranty", "the shingles carry a fifty year manufacturer warranty",
	"Did the rep explain the warranty?"},
};

#define NTAG_TYPES ((int) (sizeof(tag_types) / sizeof(tag_types[0])))
#define MAX_TAGS 4
#define CHUNK_MS (5 * 60 * 1000)

/* One bookmark (jump-to tag) of a recording. */
typedef struct Tag
{
	int			type;
	int64_t		at_ms;			/* from the start of the recording */
	int			speaker;
	double		similarity;
} Tag;

/* The object being written: its buffer, comma state and recording. */
typedef struct Out
{
	StrBuf	   *b;
	bool		first;
	const SiroRec *rec;
} Out;

/* ---------- members, with admin overrides ---------- */

/* Write "key": and report whether the caller writes the value (no override). */
static bool
key(Out *o, const char *name)
{
	const char *json = o->rec->nover ? siro_override(o->rec, name) : NULL;

	json_key(o->b, &o->first, name);
	if (json)
		buf_puts(o->b, json);
	return json == NULL;
}

/* A string member; NULL writes null. */
static void
put_str(Out *o, const char *name, const char *val)
{
	if (!key(o, name))
		return;
	if (val)
		json_str(o->b, val);
	else
		buf_puts(o->b, "null");
}

/* An integer member. */
static void
put_int(Out *o, const char *name, int64_t val)
{
	if (key(o, name))
		buf_printf(o->b, "%lld", (long long) val);
}

/* A number member; NaN writes null. */
static void
put_num(Out *o, const char *name, double val)
{
	if (key(o, name))
		json_num(o->b, val);
}

/* A boolean member. */
static void
put_bool(Out *o, const char *name, bool val)
{
	if (key(o, name))
		buf_puts(o->b, val ? "true" : "false");
}

/* A time member in ISO 8601 with milliseconds; 0 writes null. */
static void
put_time(Out *o, const char *name, SimTime t)
{
	if (key(o, name))
		json_ms(o->b, t);
}

/* An integer member, or null when there is none. */
static void
put_opt_int(Out *o, const char *name, bool has, int64_t val)
{
	if (!key(o, name))
		return;
	if (has)
		buf_printf(o->b, "%lld", (long long) val);
	else
		buf_puts(o->b, "null");
}

/* A member written as given JSON text ("null", "[]", "{}"). */
static void
put_raw(Out *o, const char *name, const char *json)
{
	if (key(o, name))
		buf_puts(o->b, json);
}

/* v rounded to digits decimals. */
static double
round_to(double v, int digits)
{
	double		scale = pow(10, digits);

	return round(v * scale) / scale;
}

/* ---------- the view: what the object is made of ---------- */

/* The device: the rep's phone, or now and then a desktop upload. */
static const SiroDevice *
pick_device(SimRng *r, int user)
{
	SimRng		ur;
	int			k = rng_int(r, 0, 99);
	int			phone;

	if (k < 12)
		return &devices[k < 9 ? 4 : (k < 11 ? 5 : 6)];
	rng_seed(&ur, sim_config.seed, SIRO_S_USER, 1000 + (uint64_t) user);
	phone = rng_int(&ur, 0, 99);
	return &devices[phone < 35 ? 0 : (phone < 60 ? 1 : (phone < 82 ? 2 : 3))];
}

/* The talk metrics, consistent with each other and with the duration. */
static void
draw_metrics(SimRng *r, SiroMetrics *m, int64_t duration_ms)
{
	double		talk;

	m->conversation_ms = round(duration_ms * (0.75 + 0.2 * rng_double(r)));
	talk = m->conversation_ms * 0.9;
	m->rep_ms = round(talk * (0.45 + 0.3 * rng_double(r)));
	m->customer_ms = round(talk) - m->rep_ms;
	m->speaker_share = round_to(100.0 * m->rep_ms / (m->rep_ms + m->customer_ms), 1);
	m->exchanges = floor(m->conversation_ms / (20000 + 40000 * rng_double(r))) + 2;
	m->rep_exchanges = ceil(m->exchanges / 2);
	m->rep_exchanges_q = floor(m->rep_exchanges * (0.1 + 0.3 * rng_double(r)));
	m->control = round_to(100.0 * m->rep_exchanges_q / m->rep_exchanges, 1);
	m->rep_questions = m->rep_exchanges_q + rng_int(r, 0, 5);
	m->customer_questions = rng_int(r, 2, 30);
	m->wpm = round_to(120 + 70 * rng_double(r), 1);
	m->rep_words = floor(m->rep_ms / 60000.0 * m->wpm);
	m->rep_unique = floor(fmin(m->rep_words, 300 + m->rep_words * (0.05 + 0.1 * rng_double(r))));
	m->rep_fillers = floor(m->rep_words * (0.01 + 0.03 * rng_double(r)));
	m->fillers_per_min = round_to(m->rep_fillers / (m->rep_ms / 60000.0), 2);
	m->vocabulary_total = round_to(m->rep_unique * (1.5 + 1.5 * rng_double(r)), 1);
	m->obscurity_total = round_to(m->rep_words * (0.2 + 0.3 * rng_double(r)), 1);
	m->obscurity = round_to(m->obscurity_total / fmax(m->rep_words, 1), 3);
	m->vocabulary_level = rng_int(r, 1, 6);
	m->longest_monologue_ms = fmin(m->rep_ms, rng_int(r, 30, 360) * 1000.0);
	m->longest_story_ms = fmin(m->customer_ms, rng_int(r, 20, 240) * 1000.0);
	m->interactivity = round_to(10 * rng_double(r), 1);
}

/* Derive the view of a recording from its index. */
static void
view_init(SiroView *v, const SiroRec *rec)
{
	SimRng		r;
	int			k;

	siro_rng(&r, rec, SIRO_D_VIEW);
	memset(v, 0, sizeof(*v));
	v->rec = rec;
	v->st = &siro_statuses[rec->status];
	v->user = &siro.users[rec->user];
	v->team = &siro.teams[v->user->team];
	v->device = pick_device(&r, rec->user);
	v->located = v->device->mobile && rng_chance(&r, 0.92);
	v->lat = round_to(v->team->lat + (rng_double(&r) - 0.5) * 0.4, 6);
	v->lon = round_to(v->team->lon + (rng_double(&r) - 0.5) * 0.4, 6);
	k = rng_int(&r, 0, 99);
	v->language = k < 90 ? 0 : (k < 98 ? 1 : 2);
	k = rng_int(&r, 0, 99);
	v->conv_type = k < 50 ? 0 : (k < 70 ? 1 : (k < 90 ? 2 : 3));
	v->result = -1;
	if (!v->st->results)
		return;
	k = rng_int(&r, 0, 99);
	if (v->conv_type == 2 && k < 60)
		v->result = -1;
	else
		v->result = k < (v->conv_type == 3 ? 70 : (v->conv_type == 0 ? 30 : 20));
	draw_metrics(&r, &v->m, rec->duration_ms);
}

/* The title: the visit and who it was with; false when the rep gave none. */
bool
siro_title(const SiroView *v, char *out, size_t len)
{
	uint64_t	h = mix64(sim_config.seed ^ mix64((uint64_t) v->rec->index));
	char		name[96];

	if (!v->st->results || h % 10 == 0)
		return false;
	if (v->rec->crm)
		siro_customer_name(v->rec->customer, name, sizeof(name));
	else
		snprintf(name, sizeof(name), "%s Residence",
				 corpus_last_names[(h >> 8) % corpus_nlast_names]);
	snprintf(out, len, "%s - %s", conv_types[v->conv_type], name);
	return true;
}

/* ---------- bookmarks ---------- */

/* The recording's bookmarks, in time order; returns how many. */
static int
draw_tags(const SiroView *v, Tag *tags)
{
	SimRng		r;
	int			n;

	if (!v->st->results)
		return 0;
	siro_rng(&r, v->rec, SIRO_D_TAGS);
	n = rng_int(&r, 0, MAX_TAGS);
	for (int i = 0; i < n; i++)
	{
		tags[i].type = rng_int(&r, 0, NTAG_TYPES - 1);
		tags[i].at_ms = (int64_t) (v->rec->duration_ms * (i + rng_double(&r)) / n);
		tags[i].speaker = rng_int(&r, 0, 1);
		tags[i].similarity = round_to(0.7 + 0.29 * rng_double(&r), 3);
	}
	return n;
}

/* The stable id of bookmark config (tag type) t. */
static void
bookmark_config_id(int t, char *out)
{
	SimRng		r;

	rng_seed(&r, sim_config.seed, SIRO_S_ORG, 100 + (uint64_t) t);
	rng_base62(&r, out, SIRO_ID_LEN);
}

/* One jump-to tag with every documented member. */
static void
write_tag(StrBuf *b, const SiroRec *rec, const Tag *t, int i)
{
	const TagType *tt = &tag_types[t->type];
	bool		f = true;
	char		tmp[64];

	buf_putc(b, '{');
	json_kstr(b, &f, "text", tt->text);
	json_kint(b, &f, "timestampInMilliseconds", t->at_ms);
	json_kint(b, &f, "endTimestampInMilliseconds", t->at_ms + 4000 + (t->at_ms % 11) * 1000);
	json_kstr(b, &f, "type", tt->name);
	json_key(b, &f, "types");
	buf_putc(b, '[');
	json_str(b, tt->name);
	buf_putc(b, ']');
	json_kstr(b, &f, "preview", tt->text);
	json_kint(b, &f, "previewStartTimestampInMilliseconds", t->at_ms > 5000 ? t->at_ms - 5000 : 0);
	snprintf(tmp, sizeof(tmp), "%s_%lld", rec->id, (long long) (t->at_ms / CHUNK_MS));
	json_kstr(b, &f, "previewChunkId", tmp);
	bookmark_config_id(t->type, tmp);
	json_kstr(b, &f, "bookmarkConfigId", tmp);
	json_knull(b, &f, "advancedBookmarkId");
	json_knull(b, &f, "advancedBookmarkConfirmed");
	json_knull(b, &f, "repResponseId");
	json_knull(b, &f, "botCommentId");
	json_knull(b, &f, "botCommentThreadId");
	json_kstr(b, &f, "confirmationQuestion", tt->question);
	json_key(b, &f, "classificationQuestions");
	buf_puts(b, "[{\"text\":");
	json_str(b, tt->question);
	buf_puts(b, ",\"result\":true}]");
	json_knull(b, &f, "responseDetails");
	json_knull(b, &f, "responseJudgement");
	json_kint(b, &f, "exchangeStart", t->at_ms / 30000);
	json_kint(b, &f, "exchangeEnd", t->at_ms / 30000 + 1);
	json_knull(b, &f, "manualLabelId");
	snprintf(tmp, sizeof(tmp), "%s-%d", tt->name, i);
	json_kstr(b, &f, "identifier", tmp);
	snprintf(tmp, sizeof(tmp), "%d", t->speaker);
	json_kstr(b, &f, "speakerTag", tmp);
	json_knum(b, &f, "similarityScore", t->similarity);
	json_kbool(b, &f, "llmConfirmed", true);
	json_kstr(b, &f, "llmJustification", "The speaker states it explicitly.");
	json_kstr(b, &f, "llmBookmarkingAnswer", "yes");
	buf_putc(b, '}');
}

/* jumpToTags, jumpToTagsWordsOnly and lastUpdatedJumpToTags. */
static void
write_tags(Out *o, const SiroView *v, const Tag *tags, int n)
{
	bool		f = true;

	if (key(o, "jumpToTags"))
	{
		buf_putc(o->b, '[');
		for (int i = 0; i < n; i++)
		{
			json_sep(o->b, &f);
			write_tag(o->b, v->rec, &tags[i], i);
		}
		buf_putc(o->b, ']');
	}
	if (key(o, "jumpToTagsWordsOnly"))
	{
		f = true;
		buf_putc(o->b, '[');
		for (int i = 0; i < n; i++)
		{
			json_sep(o->b, &f);
			json_str(o->b, tag_types[tags[i].type].text);
		}
		buf_putc(o->b, ']');
	}
	put_time(o, "lastUpdatedJumpToTags", n ? v->rec->finished : 0);
}

/* tags: how many bookmarks of each type. */
static void
write_tag_counts(Out *o, const Tag *tags, int n)
{
	int			count[NTAG_TYPES] = {0};
	bool		f = true;

	if (!key(o, "tags"))
		return;
	for (int i = 0; i < n; i++)
		count[tags[i].type]++;
	buf_putc(o->b, '{');
	for (int t = 0; t < NTAG_TYPES; t++)
		if (count[t])
			json_kint(o->b, &f, tag_types[t].name, count[t]);
	buf_putc(o->b, '}');
}

/* ---------- groups of members ---------- */

/* The transcript as text, one line per turn; null until transcribed. */
static void
write_transcript(Out *o, const SiroView *v)
{
	SimRng		r;
	StrBuf		text;
	int			n = v->rec->duration_ms / 120000;

	if (!key(o, "redactedTranscript"))
		return;
	if (!v->st->results)
	{
		buf_puts(o->b, "null");
		return;
	}
	siro_rng(&r, v->rec, SIRO_D_TRANSCRIPT);
	buf_init(&text, 2048);
	n = n < 4 ? 4 : (n > 40 ? 40 : n);
	for (int i = 0; i < n; i++)
		buf_printf(&text, "%sSpeaker %d: %s", i ? "\n" : "", (i + rng_int(&r, 0, 3) / 3) % 2,
				   rng_pick(&r, corpus_sentences, corpus_nsentences));
	json_str(o->b, text.data);
	buf_free(&text);
}

/* Identity, status, storage paths, owner and locks. */
static void
write_identity(Out *o, const SiroView *v)
{
	const SiroRec *rec = v->rec;
	SimRng		r;
	char		path[128];
	static const char *const record_errors[] = {"paused-early", "interrupted", "stopped-early"};

	siro_rng(&r, rec, SIRO_D_IDENTITY);
	put_str(o, "id", rec->id);
	put_time(o, "dateCreated", rec->created);
	put_bool(o, "deleted", rec->deleted);
	put_str(o, "transcriptionStatus", v->st->name);
	put_str(o, "processingStatus", v->st->processing);
	put_str(o, "processingStage", v->st->stage);
	put_raw(o, "processingErrors", rec->status == SIRO_ERROR ? "[\"summary-failed\"]" :
			(v->st->results && rng_chance(&r, 0.03) ? "[\"bookmarking-failed\"]" : "[]"));
	if (key(o, "recordErrors"))
	{
		if (v->device->mobile && rng_chance(&r, 0.05))
			buf_printf(o->b, "[\"%s\"]", rng_pick(&r, record_errors, 3));
		else
			buf_puts(o->b, "[]");
	}
	put_str(o, "processingError", rec->status == SIRO_ERROR ? "transcription-failed: audio could not be decoded" :
			(rec->status == SIRO_UNRECOVERABLE ? "unrecoverable: no audio chunks received" : NULL));
	snprintf(path, sizeof(path), "organizations/%s/recordings/%s/raw.m4a", siro.org_id, rec->id);
	put_str(o, "rawAudioPath", rec->status > SIRO_UPLOADING ? path : NULL);
	snprintf(path, sizeof(path), "organizations/%s/recordings/%s/processed.mp3", siro.org_id, rec->id);
	put_str(o, "processedAudioPath", v->st->results ? path : NULL);
	put_time(o, "lastProcessedAudio", v->st->results ? rec->finished : 0);
	put_str(o, "organizationId", siro.org_id);
	put_str(o, "teamId", v->team->id);
	put_str(o, "userId", v->user->id);
	put_bool(o, "locked", false);
	put_bool(o, "terminatedUngraciously", v->device->mobile && rng_chance(&r, 0.02));
	snprintf(path, sizeof(path), "%s-%.8s", v->device->os, v->user->id);
	put_str(o, "originalDeviceId", v->device->mobile ? path : NULL);
	snprintf(path, sizeof(path), "4.%d.%d (%d)", rng_int(&r, 10, 14), rng_int(&r, 0, 9), rng_int(&r, 1800, 1999));
	put_str(o, "codeVersion", path);
	put_bool(o, "lock", false);
	put_bool(o, "splitLock", false);
	put_bool(o, "mergeLock", false);
	put_bool(o, "splitRetryNeeded", false);
	put_str(o, "organizationName", siro_org_name);
	put_str(o, "repFirstName", v->user->first);
	put_str(o, "repLastName", v->user->last);
	if (key(o, "speakerMap"))
	{
		if (v->st->results)
			buf_printf(o->b, "{\"0\":\"%s\",\"1\":\"customer\"}", v->user->id);
		else
			buf_puts(o->b, "{}");
	}
	put_bool(o, "mergeRetryNeeded", false);
}

/* The debrief the rep filled in after the visit (a third of them). */
static void
write_debrief(Out *o, const SiroView *v, SimRng *r)
{
	char		q1[SIRO_ID_LEN + 1],
				q2[SIRO_ID_LEN + 1];
	bool		filled = v->st->results && rng_chance(r, 0.33);

	bookmark_config_id(50, q1);
	bookmark_config_id(51, q2);
	if (key(o, "debriefResponses"))
	{
		if (filled)
			buf_printf(o->b, "{\"%s\":\"%s\",\"%s\":\"%s\"}", q1, v->result == 1 ? "Yes" : "No",
					   q2, v->result == 1 ? "Install scheduled" : "Wants to think about it");
		else
			buf_puts(o->b, "{}");
	}
	if (!key(o, "debriefQuestions"))
		return;
	if (!filled)
	{
		buf_puts(o->b, "[]");
		return;
	}
	buf_printf(o->b, "[{\"id\":\"%s\",\"prompt\":\"Did the customer sign?\","
			   "\"responseType\":\"SELECT_RESPONSE\",\"responseConfig\":{\"required\":true},"
			   "\"sortValue\":1,\"promptDetails\":null,\"includeIf\":[],"
			   "\"onlyIncludeIfFlagged\":false,\"setResponseToField\":\"result\","
			   "\"hideFromResults\":false},", q1);
	buf_printf(o->b, "{\"id\":\"%s\",\"prompt\":\"What happens next?\","
			   "\"responseType\":\"FREE_TEXT_RESPONSE\",\"responseConfig\":{\"required\":false},"
			   "\"sortValue\":2,\"promptDetails\":\"One line is enough\","
			   "\"includeIf\":[{\"questionId\":\"%s\",\"value\":\"No\"}],"
			   "\"onlyIncludeIfFlagged\":false,\"setResponseToField\":null,"
			   "\"hideFromResults\":false}]", q2, q1);
}

/* Transcript, bookmarks, outcome, title, popularity, deletion, debrief. */
static void
write_content(Out *o, const SiroView *v, const Tag *tags, int ntags)
{
	const SiroRec *rec = v->rec;
	SimRng		r;
	int			views;
	char		title[160];

	siro_rng(&r, rec, SIRO_D_CONTENT);
	write_transcript(o, v);
	put_num(o, "confidence", v->st->results ? round_to(0.8 + 0.17 * rng_double(&r), 4) : NAN);
	put_str(o, "error", rec->status == SIRO_UNRECOVERABLE ? "Recording has no audio" : NULL);
	write_tags(o, v, tags, ntags);
	put_raw(o, "manualLabelBookmarkConfigIds", "[]");
	put_str(o, "result", v->result < 0 ? NULL : (v->result ? "closed" : "not closed"));
	put_str(o, "title", siro_title(v, title, sizeof(title)) ? title : NULL);
	put_str(o, "notes", rng_chance(&r, 0.25) ? rng_pick(&r, corpus_sentences, corpus_nsentences) : NULL);
	put_opt_int(o, "durationInMilliseconds", rec->duration_ms > 0, rec->duration_ms);
	put_bool(o, "discoverable", rng_chance(&r, 0.2));
	put_bool(o, "isPrivate", rng_chance(&r, 0.05));
	put_str(o, "detected_language", v->st->results ? languages[v->language][1] : NULL);
	put_num(o, "trendingScore", v->st->results ? round_to(100 * rng_double(&r) * rng_double(&r), 2) : 0);
	put_int(o, "starCount", rng_chance(&r, 0.1) ? rng_int(&r, 1, 5) : 0);
	views = rng_chance(&r, 0.6) ? rng_int(&r, 1, 40) : 0;
	put_int(o, "viewCount", views);
	put_int(o, "uniqueViewCount", views ? rng_int(&r, 1, views) : 0);
	put_time(o, "deletedDate", rec->deleted ? rec->deleted_at : 0);
	put_bool(o, "deletedPermanently", false);
	put_str(o, "originalRecordingId", NULL);
	put_bool(o, "enableAutomaticSplit", rng_chance(&r, 0.1));
	put_raw(o, "offsetFromOriginalRecordingMs", "null");
	put_str(o, "conversationType", v->st->results ? conv_types[v->conv_type] : NULL);
	write_debrief(o, v, &r);
}

/* Chunks, comments, tag counts, outcome label, labels and splits. */
static void
write_chunks(Out *o, const SiroView *v, const Tag *tags, int ntags)
{
	const SiroRec *rec = v->rec;
	bool		recording = rec->status == SIRO_RECORDING;
	int64_t		chunks = recording ? (rec->updated - rec->created) / (CHUNK_MS * INT64_C(1000)) :
		(rec->duration_ms + CHUNK_MS - 1) / CHUNK_MS;
	int64_t		processed = v->st->results ? chunks : 0;

	put_time(o, "lastChunkUploaded", recording ? (chunks ? rec->updated : 0) :
			 rec->created + rec->duration_ms * INT64_C(1000));
	put_int(o, "numberOfChunks", chunks);
	put_int(o, "numberOfProcessedChunks", processed);
	put_opt_int(o, "numberOfExpectedChunks", !recording, chunks);
	put_int(o, "numberOfComments", (int) (mix64(rec->index ^ sim_config.seed) % 7 == 0));
	put_raw(o, "unreadComments", "{}");
	put_raw(o, "unreadTags", "{}");
	write_tag_counts(o, tags, ntags);
	put_raw(o, "lastLabeled", "null");
	put_raw(o, "bookmarkConfigsUsedDuringLabeling", "[]");
	put_raw(o, "bookmarklabels", "{}");
	put_str(o, "outcomeLabel", v->result < 0 ? NULL : (v->result ? "CLOSED" : "NOT_CLOSED"));
	put_raw(o, "manualLabels", "[]");
	put_raw(o, "splitHistory", "[]");
}

/* The secondary transcription, and the lead Siro matched the visit to. */
static void
write_secondary(Out *o, const SiroView *v)
{
	const SiroRec *rec = v->rec;
	bool		secondary = rec->status == SIRO_SECONDARY_COMPLETE;
	bool		lead = rec->crm && rec->index % 2 == 0;
	SimRng		r;
	char		job[SIRO_ID_LEN + 5];
	char		id[SIRO_ID_LEN + 1];

	siro_rng(&r, rec, SIRO_D_PROCESSING);
	memcpy(job, "stj_", 4);
	rng_base62(&r, job + 4, SIRO_ID_LEN);
	put_str(o, "secondaryTranscriptionJobId", secondary ? job : NULL);
	put_str(o, "secondaryTranscriptionService", secondary ? "assemblyai" : NULL);
	put_str(o, "secondaryProcessingStatus", secondary ? "complete" : NULL);
	put_bool(o, "secondaryTranscriptionIgnored", false);
	put_int(o, "secondaryTranscriptionAttempts", secondary ? rng_int(&r, 1, 2) : 0);
	put_int(o, "secondaryTranscriptionDurationSent", secondary ? rec->duration_ms : 0);
	if (key(o, "lastSuccessfulSecondaryTranscription"))
	{
		if (secondary)
			buf_printf(o->b, "{\"_seconds\":%lld,\"_nanoseconds\":%lld}",
					   (long long) (rec->finished / USECS_PER_SEC),
					   (long long) (rec->finished % USECS_PER_SEC * 1000));
		else
			buf_puts(o->b, "null");
	}
	put_str(o, "lastSuccessfulSecondaryTranscriptionJobId", secondary ? job : NULL);
	rng_base62(&r, id, SIRO_ID_LEN);
	put_str(o, "leadIdSiro", lead ? id : NULL);
	rng_base62(&r, id, SIRO_ID_LEN);
	put_str(o, "leadInteractionIdSiro", lead ? id : NULL);
	put_num(o, "leadInteractionMatchScore", lead ? round_to(0.6 + 0.39 * rng_double(&r), 3) : NAN);
}

/* The geohash of a point, len characters. */
static void
geohash(double lat, double lon, char *out, int len)
{
	static const char b32[] = "0123456789bcdefghjkmnpqrstuvwxyz";
	double		range[2][2] = {{-180, 180}, {-90, 90}};	/* lon, lat */
	double		val[2] = {lon, lat};
	int			ch = 0,
				n = 0;

	for (int bit = 0; n < len; bit++)
	{
		double	   *rg = range[bit % 2];
		double		mid = (rg[0] + rg[1]) / 2;

		ch = ch * 2 + (val[bit % 2] >= mid);
		rg[val[bit % 2] >= mid ? 0 : 1] = mid;
		if (bit % 5 == 4)
		{
			out[n++] = b32[ch];
			ch = 0;
		}
	}
	out[n] = '\0';
}

/* Where the visit was: a point near the team's town, as a Firestore GeoPoint too. */
static void
write_location(Out *o, const SiroView *v)
{
	char		point[96];
	char		hash[11];

	snprintf(point, sizeof(point), "{\"_latitude\":%.6f,\"_longitude\":%.6f}", v->lat, v->lon);
	geohash(v->lat, v->lon, hash, 10);
	put_num(o, "latitude", v->located ? v->lat : NAN);
	put_num(o, "longitude", v->located ? v->lon : NAN);
	put_raw(o, "coordinates", v->located ? point : "null");
	if (!key(o, "g"))
		return;
	if (v->located)
		buf_printf(o->b, "{\"geohash\":\"%s\",\"geopoint\":%s}", hash, point);
	else
		buf_puts(o->b, "null");
}

/* A talk metric: its member and where it is in SiroMetrics. */
typedef struct MetricDef
{
	const char *name;
	size_t		offset;
	bool		integer;
} MetricDef;

#define METRIC(name, field, integer) {name, offsetof(SiroMetrics, field), integer}

static const MetricDef metric_defs[] = {
	METRIC("conversationTime", conversation_ms, true),
	METRIC("repSpeakingTime", rep_ms, true),
	METRIC("customerSpeakingTime", customer_ms, true),
	METRIC("customerQuestionsCount", customer_questions, true),
	METRIC("repQuestionsCount", rep_questions, true),
	METRIC("exchangesCount", exchanges, true),
	METRIC("repExchangesCount", rep_exchanges, true),
	METRIC("totalRepExchangesWithAQuestion", rep_exchanges_q, true),
	METRIC("repWordCount", rep_words, true),
	METRIC("repUniqueWordsUsedCount", rep_unique, true),
	METRIC("repFillerWordsCount", rep_fillers, true),
	METRIC("totalRepVocabularyScore", vocabulary_total, false),
	METRIC("totalRepWordObscurityScore", obscurity_total, false),
	METRIC("longestMonologueMillis", longest_monologue_ms, true),
	METRIC("longestCustomerStoryMillis", longest_story_ms, true),
	METRIC("repWordsPerMinute", wpm, false),
	METRIC("repFillerWordsPerMin", fillers_per_min, false),
	METRIC("repSpeakerShare", speaker_share, false),
	METRIC("interactivityScore", interactivity, false),
	METRIC("repControl", control, false),
	METRIC("repVocabularyLevel", vocabulary_level, true),
	METRIC("repWordObscurityScore", obscurity, false),
};

/* The talk metrics: all null until the recording has results. */
static void
write_metrics(Out *o, const SiroView *v)
{
	for (size_t i = 0; i < sizeof(metric_defs) / sizeof(metric_defs[0]); i++)
	{
		const MetricDef *d = &metric_defs[i];
		double		val = *(const double *) ((const char *) &v->m + d->offset);

		if (!v->st->results)
			put_raw(o, d->name, "null");
		else if (d->integer)
			put_int(o, d->name, (int64_t) val);
		else
			put_num(o, d->name, val);
	}
}

/* A list of the chunk numbers 0 .. n-1. */
static void
write_chunk_numbers(StrBuf *b, int64_t n)
{
	buf_putc(b, '[');
	for (int64_t i = 0; i < n; i++)
		buf_printf(b, i ? ",%lld" : "%lld", (long long) i);
	buf_putc(b, ']');
}

/* Conversation segments, chunk bookkeeping, the phone number heard, audio and video. */
static void
write_processing(Out *o, const SiroView *v)
{
	const SiroRec *rec = v->rec;
	int64_t		chunks = (rec->duration_ms + CHUNK_MS - 1) / CHUNK_MS;
	uint64_t	h = mix64(sim_config.seed ^ ((uint64_t) rec->index << 8));
	bool		f = true;

	if (key(o, "conversationSegmentDates"))
	{
		buf_putc(o->b, '[');
		if (v->st->results)
		{
			buf_puts(o->b, "{\"dateStarted\":");
			json_ms(o->b, rec->created + (int64_t) (rec->duration_ms - v->m.conversation_ms) * 500);
			buf_puts(o->b, ",\"dateEnded\":");
			json_ms(o->b, rec->created + (int64_t) (rec->duration_ms + v->m.conversation_ms) * 500);
			buf_puts(o->b, ",\"conversationType\":");
			json_str(o->b, conv_types[v->conv_type]);
			buf_putc(o->b, '}');
		}
		buf_putc(o->b, ']');
	}
	if (key(o, "chunkStatusMap"))
	{
		buf_putc(o->b, '{');
		for (int64_t i = 0; rec->status > SIRO_UPLOADING && i < chunks; i++)
		{
			char		n[24];

			snprintf(n, sizeof(n), "%lld", (long long) i);
			json_kstr(o->b, &f, n, v->st->results ? "processed" : "uploaded");
		}
		buf_putc(o->b, '}');
	}
	put_raw(o, "expectedChunksOutstanding", "[]");
	put_bool(o, "advancedBookmarksChecked", v->st->results);
	if (key(o, "extractedPrimaryContactPhoneNumber"))
	{
		if (v->st->results && h % 5 == 0)
			buf_printf(o->b, "{\"value\":\"+1%03d555%04d\",\"chunkId\":\"%s_0\",\"chunkNumber\":0,"
					   "\"startTimeInMilliseconds\":%d,\"endTimeInMilliseconds\":%d,\"confidence\":0.%02d}",
					   (int) ((h >> 8) % 800) + 200, (int) ((h >> 20) % 10000), rec->id,
					   (int) ((h >> 32) % 60000), (int) ((h >> 32) % 60000) + 4200, (int) ((h >> 40) % 30) + 70);
		else
			buf_puts(o->b, "null");
	}
	put_bool(o, "doNotDelete", h % 50 == 1);
	if (key(o, "processedChunkNumbers"))
		write_chunk_numbers(o->b, v->st->results ? chunks : 0);
	put_raw(o, "skippableChunkNumbers", "[]");
	put_raw(o, "dateLackingSingleExpectedChunk", "null");
	put_opt_int(o, "audioDurationInMilliseconds", rec->duration_ms > 0, rec->duration_ms);
	put_bool(o, "isVideo", false);
	put_raw(o, "videoRecordingId", "null");
	put_raw(o, "rawVideoPath", "null");
}

/* The app and device, and the status of each AI step. */
static void
write_device(Out *o, const SiroView *v)
{
	static const char *const ai_steps[] = {
		"summaryProcessingStatus", "bookmarkingProcessingStatus", "llmBookmarkingStatus",
		"llmSpeakerAssignmentStatus",
	};
	const SiroDevice *d = v->device;
	uint64_t	h = mix64(sim_config.seed ^ ((uint64_t) v->rec->index << 16));
	const char *ai = v->st->results ? "complete" : "not-started";
	char		device_id[64];

	if (key(o, "source"))
	{
		if (d->mobile && h % 7 == 0)
			buf_printf(o->b, "{\"sdkVersion\":\"2.%d.1\",\"bundleId\":\"com.companycam.%s\","
					   "\"appVersion\":\"8.%d.0\",\"appName\":\"CompanyCam\",\"sdkType\":\"%s\"}",
					   (int) ((h >> 8) % 4), strcmp(d->os, "ios") == 0 ? "ios" : "android",
					   (int) ((h >> 16) % 30), d->sdk_type);
		else
			buf_puts(o->b, "null");
	}
	put_str(o, "transcriptionLanguage", languages[v->language][0]);
	put_str(o, "os", d->os);
	put_str(o, "osVersion", d->os_version);
	put_str(o, "deviceType", d->model);
	snprintf(device_id, sizeof(device_id), "%s-%.8s", d->os, v->user->id);
	put_str(o, "deviceId", d->mobile ? device_id : NULL);
	for (int i = 0; i < 4; i++)
		put_str(o, ai_steps[i], ai);
	put_str(o, "conversationQualityTag", !v->st->results ? NULL :
			(h % 10 ? "FULL_CONVERSATION" : "NOT_FULL_CONVERSATION"));
	put_str(o, "conversationQualityTagReasoning", !v->st->results ? NULL :
			(h % 10 ? "Both parties speak throughout the visit." :
			 "The recording stops before the price is discussed."));
	put_str(o, "llmConversationApprovalStatus", ai);
	put_str(o, "aiMetricsProcessingStatus", ai);
	put_raw(o, "betaFeatures", h % 10 == 3 ? "[\"llm-bookmarking\"]" : "[]");
	put_bool(o, "allChunksUploaded", v->rec->status > SIRO_UPLOADING);
	put_raw(o, "recordingSettings", !d->mobile ? "null" : (h % 3 ? "{\"mobileChunkCreationMode\":\"minimized\"}" :
														  "{\"mobileChunkCreationMode\":\"standard\"}"));
}

/* Write a recording; parts[p] says whether optional part p is included. */
void
siro_write_recording(StrBuf *b, const SiroRec *rec, const bool *parts)
{
	SiroView	v;
	Tag			tags[MAX_TAGS];
	int			ntags;
	Out			o = {b, true, rec};

	view_init(&v, rec);
	ntags = draw_tags(&v, tags);
	buf_putc(b, '{');
	write_identity(&o, &v);
	write_content(&o, &v, tags, ntags);
	write_chunks(&o, &v, tags, ntags);
	write_secondary(&o, &v);
	write_location(&o, &v);
	write_metrics(&o, &v);
	write_processing(&o, &v);
	write_device(&o, &v);
	if (key(&o, "crmCustomer"))
		siro_write_customer(b, &v, false);
	for (int p = 0; p < SIRO_NPARTS; p++)
		if (parts[p] && key(&o, siro_parts[p].field))
			siro_parts[p].write(b, &v);
	put_raw(&o, "seedRecordingId", "null");
	put_raw(&o, "seedRecordingRecordingId", "null");
	put_time(&o, "updatedAt", rec->updated);
	buf_putc(b, '}');
}
