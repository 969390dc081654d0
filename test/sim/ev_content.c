/*
 * ev_content.c
 *		The parts of an ExecVision call generated on demand from the call's
 *		index: transcript, simplified transcript, stats, AI summary, CRM
 *		matches and topic matches. They are consistent with each other
 *		because they all walk the same transcript.
 */
#include "ev.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sentences starting with these words are questions. */
static const char *const question_starts[] = {
	"can ", "what ", "how ", "does ", "who ", "could ", "so tell",
};

/* Write milliseconds as seconds with three decimals ("26.594"), fast. */
void
json_ms3(StrBuf *b, int64_t ms, bool quoted)
{
	char		tmp[32];
	char	   *p = tmp + sizeof(tmp);
	int64_t		whole = ms / 1000;
	int			frac = (int) (ms % 1000);

	if (quoted)
		*--p = '"';
	for (int i = 0; i < 3; i++, frac /= 10)
		*--p = (char) ('0' + frac % 10);
	*--p = '.';
	do
	{
		*--p = (char) ('0' + whole % 10);
		whole /= 10;
	} while (whole > 0);
	if (quoted)
		*--p = '"';
	buf_putn(b, p, tmp + sizeof(tmp) - p);
}

/* How long a word of len letters takes to say. */
int64_t
ev_word_ms(const char *word, int len)
{
	(void) word;
	return 110 + 42 * len;
}

/* Start walking c's transcript: about 2.3 words a second of the call. */
void
ev_transcript_begin(EvTranscript *tx, const EvCall *c)
{
	rng_seed(&tx->r, sim_config.seed, EV_S_TRANSCRIPT, c->index);
	tx->t_ms = rng_int(&tx->r, 300, 3000);
	tx->end_ms = (int64_t) (c->duration * 1000);
	tx->speaker = 0;
}

/* The next sentence, or false at the end of the call. */
bool
ev_transcript_next(EvTranscript *tx, EvSentence *s)
{
	int64_t		t;

	if (tx->t_ms >= tx->end_ms - 1000)
		return false;
	if (rng_chance(&tx->r, 0.45))
		tx->speaker = 1 - tx->speaker;
	s->text = rng_pick(&tx->r, corpus_sentences, corpus_nsentences);
	s->speaker = tx->speaker;
	s->start_ms = tx->t_ms;
	s->question = false;
	for (size_t i = 0; i < sizeof(question_starts) / sizeof(question_starts[0]); i++)
		if (strncmp(s->text, question_starts[i], strlen(question_starts[i])) == 0)
			s->question = true;
	t = tx->t_ms;
	for (const char *w = s->text; *w;)
	{
		int			len = (int) strcspn(w, " ");

		t += ev_word_ms(w, len) + 30;
		w += len + (w[len] == ' ');
	}
	s->end_ms = t - 30;
	tx->t_ms = t + rng_int(&tx->r, 300, 1500);
	return true;
}

/* The transcript as ExecVision's word array: start, end, word, p, v. */
void
ev_write_transcript(StrBuf *b, const EvCall *c)
{
	EvTranscript tx;
	EvSentence	s;
	bool		first = true;

	if (c->state != EV_STATE_COMPLETE)
	{
		buf_puts(b, "null");
		return;
	}
	buf_putc(b, '[');
	ev_transcript_begin(&tx, c);
	while (ev_transcript_next(&tx, &s))
	{
		int64_t		t = s.start_ms;

		for (const char *w = s.text; *w;)
		{
			int			len = (int) strcspn(w, " ");
			int64_t		d = ev_word_ms(w, len);
			bool		last = w[len] == '\0';

			json_sep(b, &first);
			buf_puts(b, "{\"start\":");
			json_ms3(b, t, true);
			buf_puts(b, ",\"end\":");
			json_ms3(b, t + d, true);
			buf_puts(b, ",\"word\":\"");
			buf_putn(b, w, len);	/* corpus words need no escaping */
			buf_putc(b, '"');
			if (last)
				buf_puts(b, s.question ? ",\"p\":\"?\"" : ",\"p\":\".\"");
			buf_puts(b, s.speaker ? ",\"v\":1}" : ",\"v\":0}");
			t += d + 30;
			w += len + !last;
		}
	}
	buf_putc(b, ']');
}

/*
 * Was the customer (speaker 1) of c matched to a CRM contact? Those who
 * were not are UNKNOWN speakers wherever a speaker type is shown.
 */
static bool
customer_known(const EvCall *c)
{
	return c->index % 7 != 0;
}

/* Write one speaker of the simplified transcript. */
static void
write_speaker(StrBuf *b, bool *first, int number, const EvUser *u,
			  const char *first_name, const char *last_name, const char *type)
{
	bool		f = true;

	json_sep(b, first);
	buf_putc(b, '{');
	json_kstr(b, &f, "email", u ? u->email : NULL);
	json_kstr(b, &f, "firstName", first_name);
	json_kstr(b, &f, "lastName", last_name);
	json_kint(b, &f, "speakerNumber", number);
	json_kstr(b, &f, "speakerType", type);
	buf_putc(b, '}');
}

/* The simplified transcript of transcript/{id}: speakers and their texts. */
void
ev_write_simple_transcript(StrBuf *b, const EvCall *c)
{
	const EvUser *u = &ev.users[c->caller];
	EvTranscript tx;
	EvSentence	s;
	bool		first = true;

	buf_puts(b, "{\"speakers\":[");
	if (c->state == EV_STATE_COMPLETE)
	{
		write_speaker(b, &first, 0, u, u->first, u->last, "INTERNAL");
		if (customer_known(c))
			write_speaker(b, &first, 1, NULL, corpus_first_names[c->index % corpus_nfirst_names],
						  corpus_last_names[(c->index / 3) % corpus_nlast_names], "EXTERNAL");
		else
			write_speaker(b, &first, 1, NULL, NULL, NULL, "UNKNOWN");
	}
	buf_puts(b, "],\"transcript\":[");
	first = true;
	ev_transcript_begin(&tx, c);
	while (c->state == EV_STATE_COMPLETE && ev_transcript_next(&tx, &s))
	{
		bool		f = true;

		json_sep(b, &first);
		buf_putc(b, '{');
		json_key(b, &f, "endTime");
		json_ms3(b, s.end_ms, false);
		json_kint(b, &f, "speakerNumber", s.speaker);
		json_key(b, &f, "startTime");
		json_ms3(b, s.start_ms, false);
		json_kstr(b, &f, "text", s.text);
		buf_putc(b, '}');
	}
	buf_puts(b, "]}");
}

/* Call stats: talk times, ratio, interchanges, longest segments, talk speeds. */
void
ev_write_stats(StrBuf *b, const EvCall *c)
{
	EvTranscript tx;
	EvSentence	s;
	SimRng		r;
	double		talk[2] = {0, 0},
				longest[2] = {0, 0};
	int64_t		run_start = 0;
	int			changes = 0,
				prev = -1;
	bool		first = true;

	if (c->state != EV_STATE_COMPLETE)
	{
		buf_puts(b, "{}");
		return;
	}
	ev_transcript_begin(&tx, c);
	while (ev_transcript_next(&tx, &s))
	{
		talk[s.speaker] += (s.end_ms - s.start_ms) / 1000.0;
		if (prev != s.speaker)
		{
			changes += prev >= 0;
			run_start = s.start_ms;
			prev = s.speaker;
		}
		/* a segment is what one speaker says before the other speaks */
		if ((s.end_ms - run_start) / 1000.0 > longest[s.speaker])
			longest[s.speaker] = (s.end_ms - run_start) / 1000.0;
	}
	buf_putc(b, '{');
	json_knum(b, &first, "internalTalkTime", talk[0]);
	json_knum(b, &first, "externalTalkTime", talk[1]);
	json_knum(b, &first, "talkRatio", talk[0] + talk[1] > 0 ? talk[0] / (talk[0] + talk[1]) : 0);
	json_knum(b, &first, "interchangesPerMinute", changes / (c->duration / 60.0));
	buf_puts(b, ",\"longestSegmentDurations\":{\"1\":");
	json_num(b, longest[1]);
	buf_puts(b, ",\"0\":");
	json_num(b, longest[0]);
	buf_puts(b, "},\"talkSpeeds\":[");
	rng_seed(&r, sim_config.seed, EV_S_TRANSCRIPT, c->index);
	for (int64_t start = 0; start < (int64_t) c->duration; start += 300)
	{
		bool		f = true;
		int64_t		end = start + 300 < (int64_t) c->duration ? start + 300 : (int64_t) c->duration;

		if (start > 0)
			buf_putc(b, ',');
		buf_putc(b, '{');
		json_knum(b, &f, "start", (double) start);
		json_knum(b, &f, "end", (double) end);
		buf_puts(b, ",\"wordsPerMinute\":{\"1\":");
		json_num(b, 60 + rng_double(&r) * 80);
		buf_puts(b, ",\"0\":");
		json_num(b, 80 + rng_double(&r) * 70);
		buf_puts(b, "}}");
	}
	buf_puts(b, "]}");
}

/* The AI summary, or null for a quarter of the calls and every incomplete one. */
void
ev_write_summary(StrBuf *b, const EvCall *c)
{
	SimRng		r;
	bool		first = true;
	const char *company = NULL;

	rng_seed(&r, sim_config.seed, EV_S_SUMMARY, c->index);
	if (c->state != EV_STATE_COMPLETE || rng_chance(&r, 0.25))
	{
		buf_puts(b, "null");
		return;
	}
	for (int i = 0; i < c->nmeta; i++)
		if (strcmp(c->meta[i].key, "company") == 0)
			company = c->meta[i].text;
	buf_puts(b, "{\"nextSteps\":[");
	json_str(b, "Send over the pricing after the call.");
	if (rng_chance(&r, 0.5))
	{
		buf_putc(b, ',');
		json_str(b, "Schedule a follow up with the decision maker.");
	}
	buf_puts(b, "],\"questionsAndAnswers\":[{\"question\":");
	json_str(b, "Q: What is the customer's current process?");
	buf_puts(b, ",\"answer\":");
	json_str(b, "A: They use spreadsheets for most of the reporting.");
	buf_puts(b, "}]");
	first = false;
	json_key(b, &first, "summary");
	if (rng_chance(&r, 0.1))
		buf_puts(b, "null");
	else
	{
		char		text[512];

		snprintf(text, sizeof(text),
				 "The rep spoke with %s about their reporting process, budget and timeline. "
				 "The customer is evaluating other vendors and asked for pricing.",
				 company ? company : "a prospect");
		json_str(b, text);
	}
	buf_putc(b, '}');
}

/*
 * The CRM account of a call of company: the metadata's crm_account_id when
 * it has one, else the company's own account id, so that both agree.
 */
static void
crm_account_id(const EvCall *c, const char *company, char out[24])
{
	for (int i = 0; i < c->nmeta; i++)
		if (strcmp(c->meta[i].key, "crm_account_id") == 0 &&
			c->meta[i].type == META_STRING && strlen(c->meta[i].text) < 24)
		{
			strcpy(out, c->meta[i].text);
			return;
		}
	for (int i = 0; i < corpus_ncompanies; i++)
		if (strcmp(company, corpus_companies[i]) == 0)
		{
			ev_account_id(i, out);
			return;
		}
	/* a company the admin interface made up */
	snprintf(out, 24, "00170000%06dAAE", c->index % 1000000);
}

/* CRM matches: zero to two activities with account, contacts, engagement. */
void
ev_write_crm_matches(StrBuf *b, const EvCall *c)
{
	static const char *const crms[] = {"Salesforce", "HubSpot", "Outreach"};
	SimRng		r;
	int			n;
	const char *company = NULL;
	char		account[24];

	rng_seed(&r, sim_config.seed, EV_S_CRM, c->index);
	n = rng_chance(&r, 0.2) ? 0 : rng_int(&r, 1, 2);
	for (int i = 0; i < c->nmeta; i++)
		if (strcmp(c->meta[i].key, "company") == 0 && c->meta[i].type == META_STRING)
			company = c->meta[i].text;
	if (company)
		crm_account_id(c, company, account);
	buf_putc(b, '[');
	for (int i = 0; i < n; i++)
	{
		char		id[32];
		bool		f = true;

		if (i > 0)
			buf_putc(b, ',');
		buf_putc(b, '{');
		json_kstr(b, &f, "crmName", crms[rng_int(&r, 0, 2)]);
		snprintf(id, sizeof(id), "00T6Q%08dUAK", (c->index * 7 + i) % 100000000);
		json_kstr(b, &f, "activityCrmId", id);
		json_key(b, &f, "account");
		if (company)
		{
			buf_printf(b, "{\"crmId\":\"%s\",\"name\":", account);
			json_str(b, company);
			buf_putc(b, '}');
		}
		else
			buf_puts(b, "null");
		buf_printf(b, ",\"contacts\":[{\"crmId\":\"0035w%09dAAA\",\"name\":", c->index);
		{
			char		name[96];

			snprintf(name, sizeof(name), "%s %s",
					 corpus_first_names[c->index % corpus_nfirst_names],
					 corpus_last_names[(c->index / 3) % corpus_nlast_names]);
			json_str(b, name);
		}
		buf_puts(b, "}]");
		if (rng_chance(&r, 0.5))
			buf_printf(b, ",\"engagement\":{\"crmId\":\"006%012dAAQ\",\"name\":\"Opportunity %d\"}",
					   c->index, c->index % 997);
		else
			buf_puts(b, ",\"engagement\":null");
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
}

/* A match of a topic's phrase in a sentence. */
typedef struct TopicHit
{
	int			topic;
	int			phrase;
	int			start_index;	/* word index in the sentence */
	int			end_index;
	int64_t		start_ms;
	int64_t		end_ms;
} TopicHit;

/* Word index at byte offset off of text. */
static int
word_index_at(const char *text, size_t off)
{
	int			n = 0;

	for (size_t i = 0; i < off; i++)
		n += text[i] == ' ';
	return n;
}

/* Start time of word number idx of sentence s. */
static int64_t
word_start_ms(const EvSentence *s, int idx)
{
	int64_t		t = s->start_ms;
	const char *w = s->text;

	for (int i = 0; i < idx && *w; i++)
	{
		int			len = (int) strcspn(w, " ");

		t += ev_word_ms(w, len) + 30;
		w += len + (w[len] == ' ');
	}
	return t;
}

/* Find every topic phrase in sentence s; returns the number of hits. */
static int
find_hits(const EvSentence *s, TopicHit *hits, int max)
{
	int			n = 0;

	for (int t = 0; t < ev_ntopics; t++)
		for (int p = 0; ev_topic_words[t][p] && n < max; p++)
		{
			const char *at = strstr(s->text, ev_topic_words[t][p]);

			if (at == NULL)
				continue;
			hits[n].topic = t;
			hits[n].phrase = p;
			hits[n].start_index = word_index_at(s->text, at - s->text);
			hits[n].end_index = hits[n].start_index + word_index_at(ev_topic_words[t][p], strlen(ev_topic_words[t][p]));
			hits[n].start_ms = word_start_ms(s, hits[n].start_index);
			hits[n].end_ms = word_start_ms(s, hits[n].end_index + 1) - 30;
			n++;
		}
	return n;
}

/*
 * Does topic t appear at least min_matches times within some window of
 * window_s seconds? (The call_topics sliding-window filter.)
 */
static bool
topic_passes(const EvCall *c, int t, int window_s, int min_matches)
{
	EvTranscript tx;
	EvSentence	s;
	int64_t    *times = NULL;
	int			n = 0,
				cap = 0;
	bool		ok = false;

	ev_transcript_begin(&tx, c);
	while (ev_transcript_next(&tx, &s))
	{
		TopicHit	hits[16];
		int			nh = find_hits(&s, hits, 16);

		for (int i = 0; i < nh; i++)
		{
			if (hits[i].topic != t)
				continue;
			if (n == cap)
				times = realloc(times, (cap = cap ? cap * 2 : 16) * sizeof(int64_t));
			times[n++] = hits[i].start_ms;
		}
	}
	/* times are in ascending order: slide a window over them */
	for (int lo = 0, hi = 0; hi < n && !ok; hi++)
	{
		while (times[hi] - times[lo] > (int64_t) window_s * 1000)
			lo++;
		ok = hi - lo + 1 >= min_matches;
	}
	free(times);
	return ok;
}

/* Write one text block of c's topic matches with the topics that pass. */
static void
write_topic_block(StrBuf *b, bool *first, const EvCall *c, const EvSentence *s,
				  TopicHit *hits, int nh, const bool *passes)
{
	bool		f = true;
	bool		ft = true;

	json_sep(b, first);
	buf_putc(b, '{');
	json_key(b, &f, "startTime");
	json_ms3(b, s->start_ms, false);
	json_key(b, &f, "endTime");
	json_ms3(b, s->end_ms, false);
	json_kstr(b, &f, "text", s->text);
	json_kstr(b, &f, "speakerType", s->speaker == 0 ? "INTERNAL" :
			  customer_known(c) ? "EXTERNAL" : "UNKNOWN");
	json_key(b, &f, "topicsWithMatches");
	buf_putc(b, '[');
	for (int i = 0; i < nh; i++)
	{
		const char *phrase = ev_topic_words[hits[i].topic][hits[i].phrase];

		if (!passes[hits[i].topic])
			continue;
		json_sep(b, &ft);
		buf_printf(b, "{\"topicId\":\"%d\",\"topicName\":", hits[i].topic + 1);
		json_str(b, ev_topic_names[hits[i].topic]);
		buf_puts(b, ",\"matches\":[{\"searchText\":[");
		json_str(b, phrase);
		buf_puts(b, "],\"matchingText\":");
		json_str(b, phrase);
		buf_puts(b, ",\"matchStartTime\":");
		json_ms3(b, hits[i].start_ms, false);
		buf_printf(b, ",\"matchStartIndex\":%d,\"matchEndTime\":", hits[i].start_index);
		json_ms3(b, hits[i].end_ms, false);
		buf_printf(b, ",\"matchEndIndex\":%d}]}", hits[i].end_index);
	}
	buf_puts(b, "]}");
}

/*
 * One call_topics element: callId, modified, questionCounts, topicMatches.
 * window_s and min_matches (0 = off) apply the sliding-window filter.
 */
void
ev_write_topic_match(StrBuf *b, const EvCall *c, int window_s, int min_matches)
{
	EvTranscript tx;
	EvSentence	s;
	bool		passes[16];
	int			questions[2] = {0, 0};
	bool		first = true;
	bool		fb = true;

	for (int t = 0; t < ev_ntopics; t++)
		passes[t] = min_matches <= 0 || topic_passes(c, t, window_s, min_matches);
	buf_putc(b, '{');
	json_kstr(b, &first, "callId", c->id);
	json_ktime(b, &first, "modified", c->modified, 6);
	json_key(b, &first, "topicMatches");
	buf_putc(b, '[');
	ev_transcript_begin(&tx, c);
	while (ev_transcript_next(&tx, &s))
	{
		TopicHit	hits[16];
		int			nh = find_hits(&s, hits, 16);
		bool		any = false;

		questions[s.speaker] += s.question;
		for (int i = 0; i < nh; i++)
			any |= passes[hits[i].topic];
		if (any)
			write_topic_block(b, &fb, c, &s, hits, nh, passes);
	}
	buf_putc(b, ']');
	json_key(b, &first, "questionCounts");
	buf_printf(b, "{\"internalSpeakerQuestionCount\":%d,\"externalSpeakerQuestionCount\":%d,"
			   "\"unknownSpeakerQuestionCount\":%d}}", questions[0],
			   customer_known(c) ? questions[1] : 0, customer_known(c) ? 0 : questions[1]);
}
