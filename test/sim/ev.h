/*
 * ev.h
 *		The ExecVision simulator's data model, shared by its generator
 *		(ev_data.c) and its endpoints (execvision.c).
 */
#ifndef CONV_SIM_EV_H
#define CONV_SIM_EV_H

#include "sim.h"

/* Streams of the deterministic generator: one per kind of object. */
enum EvStream
{
	EV_S_ORG = 1, EV_S_USER, EV_S_CALL, EV_S_META, EV_S_TRANSCRIPT, EV_S_CRM,
	EV_S_SUMMARY, EV_S_TOPICS, EV_S_LISTEN, EV_S_SCORE, EV_S_FEEDBACK,
	EV_S_SHARE, EV_S_MEETING, EV_S_PLAN, EV_S_KPI, EV_S_CLUSTER, EV_S_ADDED,
	EV_S_BUG
};

typedef enum EvMetaType
{
	META_STRING, META_NUMBER, META_BOOL, META_NULL
} EvMetaType;

/* One custom field of a call's metadata; text is the JSON scalar's text. */
typedef struct EvMeta
{
	const char *key;
	const char *text;
	EvMetaType	type;
} EvMeta;

typedef struct EvCall
{
	char		id[37];
	int			index;			/* seeds everything generated on demand */
	int			caller;			/* index into users */
	SimTime		call_time;
	SimTime		modified;		/* last state change */
	SimTime		deleted_at;
	double		duration;		/* seconds */
	uint8_t		direction;
	uint8_t		state;
	bool		deleted;
	int			nmeta;
	EvMeta	   *meta;
} EvCall;

typedef struct EvUser
{
	char		id[37];
	char		email[96];
	const char *first;
	const char *last;
	int			team;
	bool		active;
	char		system_id[24];
} EvUser;

typedef struct EvTeam
{
	char		id[37];
	char		name[48];
	int			manager;
	int			dept;
} EvTeam;

typedef struct EvDept
{
	char		id[37];
	const char *name;
} EvDept;

/* Objects of the since-paged collections; "key" is their paging time. */
typedef struct EvListen
{
	SimTime		key;			/* the listen's date, at midnight UTC */
	int			call;
	int			listener;
	double		seconds;
} EvListen;

typedef struct EvScoreResult
{
	SimTime		key;			/* modified */
	SimTime		score_time;
	int			id;
	int			call;
	int			reviewer;
	int			scorecard;
} EvScoreResult;

typedef struct EvFeedback
{
	SimTime		key;			/* modified */
	SimTime		at;
	int			call;
	int			by;
	bool		highlight;
	double		start;
	int			text;
} EvFeedback;

typedef struct EvShare
{
	SimTime		key;			/* sharedAt */
	int			call;
	int			by;
	int			recipients[3];
	int			nrecipients;
	int			nemails;
} EvShare;

typedef struct EvMeeting
{
	SimTime		key;			/* modified */
	SimTime		start;
	int			id;
	int			plan_id;
	int			coach;
	int			recipient;
} EvMeeting;

typedef struct EvPlan
{
	SimTime		key;			/* modified */
	SimTime		start;
	int			id;
	int			coach;
	int			recipient;
	int			planned;
	int			completed;
} EvPlan;

typedef struct EvKpi
{
	SimTime		key;			/* modified = observedAt */
	int			observer;
	int			observed;
	int			kpi;
	double		value;
} EvKpi;

/* A since-paged collection: an array sorted by its SimTime "key". */
typedef struct EvCollection
{
	void	   *items;
	size_t		size;
	int			count;
} EvCollection;

typedef struct EvScorecard
{
	const char *id;
	const char *name;
	const char *scheme;
	const char *const *questions;
	int			nquestions;
} EvScorecard;

typedef struct EvData
{
	EvDept	   *depts;
	int			ndepts;
	EvTeam	   *teams;
	int			nteams;
	EvUser	   *users;
	int			nusers;
	EvCall	  **calls;			/* every call ever made, by index */
	int			ncalls;
	int			calls_cap;
	EvCall	  **live;			/* live calls by (modified, id) */
	int			nlive;
	EvCall	  **by_id;			/* every call by id */
	EvCall	  **deleted;		/* deleted calls by (deleted_at, id) */
	int			ndeleted;
	EvCollection listens;
	EvCollection scores;
	EvCollection feedback;
	EvCollection shares;
	EvCollection meetings;
	EvCollection plans;
	EvCollection kpis;
} EvData;

extern EvData ev;

extern const char *const ev_directions[];
extern const char *const ev_states[];
extern const int ev_nstates;
#define EV_STATE_COMPLETE 0

extern const EvScorecard ev_scorecards[];
extern const int ev_nscorecards;
extern const char *const ev_topic_names[];
extern const char *const *const ev_topic_words[];
extern const int ev_ntopics;

extern void ev_generate(void);
extern EvCall *ev_find_call(const char *id);
extern EvCall *ev_add_call(SimTime now);
extern void ev_reindex_calls(void);
extern void ev_touch_call(EvCall *c, SimTime now);
extern void ev_delete_call(EvCall *c, SimTime now);
extern void ev_set_meta(EvCall *c, const char *key, const char *text, EvMetaType type);
extern const char *ev_arena_strdup(const char *s);
extern void ev_account_id(int company, char out[24]);

#define EV_DEFAULT_LIMIT 100
#define EV_MAX_LIMIT 1000

extern void ev_question_id(int scorecard, int question, char out[37]);
extern bool ev_param_limit(const SimRequest *req, SimResponse *resp, int max, int *limit);
extern bool ev_param_since(const SimRequest *req, SimResponse *resp, SimTime *exact,
						   SimTime *minute);
extern double ev_repeat_rate;
extern bool ev_allow_delete;
extern void ev_admin(SimRequest *req, const char *path, struct json_object *body,
					 SimResponse *resp);

/* A since-paged endpoint (no last_id): its collection and item writer. */
typedef struct EvSinceEndpoint
{
	EvCollection *coll;
	/* writes the item's array element(s); counts as one toward limit */
	void		(*write) (StrBuf *b, bool *first, const void *item);
	/* NULL, or whether the item is visible at simulated time now */
	bool		(*visible) (const void *item, SimTime now);
} EvSinceEndpoint;

extern void ev_since_list(SimRequest *req, SimResponse *resp);
extern const EvSinceEndpoint ev_listens_endpoint;
extern const EvSinceEndpoint ev_scores_endpoint;
extern const EvSinceEndpoint ev_feedback_endpoint;
extern const EvSinceEndpoint ev_shares_endpoint;
extern const EvSinceEndpoint ev_meetings_endpoint;
extern const EvSinceEndpoint ev_plans_endpoint;
extern const EvSinceEndpoint ev_kpis_endpoint;

/* Order of live and deleted calls: (time, id). */
extern int	ev_cmp_key(SimTime a_time, const char *a_id, SimTime b_time, const char *b_id);

#endif							/* CONV_SIM_EV_H */

/* ---------- content generated on demand (ev_content.c) ---------- */

/* A sentence of a call's transcript. */
typedef struct EvSentence
{
	const char *text;
	int			speaker;		/* 0: the internal caller, 1: the customer */
	int64_t		start_ms;
	int64_t		end_ms;
	bool		question;
} EvSentence;

/* Walks a call's transcript sentence by sentence, deterministically. */
typedef struct EvTranscript
{
	SimRng		r;
	int64_t		t_ms;
	int64_t		end_ms;
	int			speaker;
} EvTranscript;

extern void ev_transcript_begin(EvTranscript *tx, const EvCall *c);
extern bool ev_transcript_next(EvTranscript *tx, EvSentence *s);
extern int64_t ev_word_ms(const char *word, int len);

extern void ev_write_transcript(StrBuf *b, const EvCall *c);
extern void ev_write_simple_transcript(StrBuf *b, const EvCall *c);
extern void ev_write_stats(StrBuf *b, const EvCall *c);
extern void ev_write_summary(StrBuf *b, const EvCall *c);
extern void ev_write_crm_matches(StrBuf *b, const EvCall *c);
extern void ev_write_topic_match(StrBuf *b, const EvCall *c, int window_s,
								 int min_matches);
extern void json_ms3(StrBuf *b, int64_t ms, bool quoted);
