/*
 * cresta.h
 *		The Cresta Coaching Service simulator's data model, shared by its
 *		generator (cr_data.c), its JSON reader and writer (cr_json.c), its
 *		endpoints (cresta.c, cr_export.c) and its admin operations
 *		(cr_admin.c).
 */
#ifndef CONV_SIM_CRESTA_H
#define CONV_SIM_CRESTA_H

#include "sim.h"

struct json_object;

/* Streams of the deterministic generator: one per kind of object. */
enum CrStream
{
	CR_S_USER = 101, CR_S_CARD, CR_S_DETAIL, CR_S_CONVERSATION, CR_S_CLUSTER,
	CR_S_CREATED, CR_S_TARGET
};

#define CR_MAX_CRITERIA 8
#define CR_ID_LEN 64			/* AIP-122: resource ids are at most 63 bytes */

typedef enum CrCriterionKind
{
	CR_NUMERIC,					/* numericValue from 0 to max */
	CR_TEXT						/* textValue, one of the template's words */
} CrCriterionKind;

typedef struct CrCriterion
{
	const char *id;
	const char *display_name;
	const char *chapter_id;
	CrCriterionKind kind;
	int			max;			/* CR_NUMERIC: the best score */
	bool		ai;				/* auto scoring can score it */
	bool		auto_fail;		/* a 0 fails the whole scorecard */
	bool		may_be_na;		/* can be marked not applicable */
	const char *const *words;	/* CR_TEXT: its three values */
} CrCriterion;

typedef struct CrTemplate
{
	const char *id;
	const char *usecase;
	const CrCriterion *criteria;
	int			ncriteria;
	char	   *name;			/* the resource name, made at start */
} CrTemplate;

typedef struct CrUser
{
	char		id[16];
	char		name[96];		/* customers/<c>/users/<id> */
	char		email[96];
	const char *first;
	const char *last;
	int			team;
	bool		manager;		/* scores scorecards, is never scored */
	bool		active;
	bool		dev;
} CrUser;

/* How a scorecard came to be: its state decides which fields it has. */
typedef enum CrState
{
	CR_SUBMITTED,				/* scored by a person and submitted */
	CR_DRAFT,					/* scored by a person, not submitted */
	CR_AI_ONLY					/* scored by auto scoring alone */
} CrState;

extern const char *const cr_scorecard_types[];	/* SCORECARD_TYPE_* */
extern const char *const cr_submission_sources[];	/* SCORECARD_SUBMISSION_SOURCE_* */

typedef struct CrScorecard
{
	char		id[CR_ID_LEN];	/* the last part of its name */
	int			index;			/* seeds what is generated on demand; -1:
								 * created through the API */
	int			agent;			/* user index; -1: not a simulated user */
	int			template;		/* template index; -1: not a simulated one */
	int			ref;			/* index of the scorecard an appeal or a
								 * calibration refers to, or -1 */
	uint8_t		type;			/* index into cr_scorecard_types */
	uint8_t		state;			/* CrState */
	bool		heap;			/* allocated alone: freed when deleted */
	SimTime		create_time;
	SimTime		update_time;
	SimTime		submit_time;	/* 0: not submitted */
	char	   *comment;		/* set by the admin; NULL: the generated one */
	const char *agent_name;		/* what the filters compare */
	const char *template_name;
	struct json_object *doc;	/* created through the API: the scorecard */
	char	   *json;			/* and its JSON text */
} CrScorecard;

/* One criterion's score of a generated scorecard. */
typedef struct CrScore
{
	const CrCriterion *crit;
	bool		na;
	bool		ai_scored;
	bool		auto_failed;
	int			value;			/* CR_NUMERIC */
	int			ai_value;
	const char *text;			/* CR_TEXT */
	const char *comment;
	int			roles;			/* commentAccessRoles set, -1: none */
} CrScore;

/* The parts of a generated scorecard made on demand from its index. */
typedef struct CrDetail
{
	char		conversation[37];
	char		reference[CR_ID_LEN];	/* referenceScorecardId, or "" */
	int			creator;		/* user index, -1: none */
	int			updated_by;
	int			submitted_by;
	const char *comment;
	float		total;			/* -1: N/A */
	bool		auto_failed;
	bool		manually_scored;
	int			nscores;
	CrScore		scores[CR_MAX_CRITERIA];
	int			nplans;
	int			plans[2];
	SimTime		ai_time;		/* 0: none */
	SimTime		ack_time;
	const char *ack_comment;
	SimTime		process_time;
	char		process_id[16];
	int			source;			/* index into cr_submission_sources */
	float		consistency;	/* calibration responses */
} CrDetail;

typedef struct CrTarget
{
	char	   *name;
	char	   *json;
} CrTarget;

typedef struct CrData
{
	CrUser	   *users;
	int			nusers;
	int			nmanagers;
	int			nteams;
	CrScorecard *block;			/* the generated scorecards, by index */
	int			nblock;
	int			next_index;		/* for scorecards the admin adds */
	CrScorecard **by_update;	/* live scorecards by (updateTime, name) */
	CrScorecard **by_id;		/* live scorecards by id */
	int			count;
	int			cap;
	int			ncreated;		/* scorecards created through the API */
	CrTarget   *targets;
	int			ntargets;
} CrData;

extern CrData cr;
extern CrTemplate cr_templates[];
extern const char *const cr_role_sets[][3];

/* configuration (cresta.c) */
extern char *cr_customer;
extern char cr_parent[160];		/* customers/<c>/profiles/<p> */

/* data (cr_data.c) */
extern void cr_generate(void);
extern void cr_generate_scorecard(CrScorecard *sc, int index, SimTime end, SimTime limit);
extern void cr_expand(const CrScorecard *sc, CrDetail *d);
extern void cr_team_name(int team, char *out, size_t len);
extern int	cr_find_user(const char *name);
extern int	cr_find_template(const char *name);
extern CrScorecard *cr_find(const char *id);
extern void cr_insert(CrScorecard *sc);
extern void cr_remove(CrScorecard *sc);
extern void cr_free(CrScorecard *sc);
extern int	cr_cmp_update(const CrScorecard *a, const CrScorecard *b);

/* A field of a message a request body holds (see cr_read_message). */
typedef enum CrFieldType
{
	F_STRING, F_NAME, F_BOOL, F_FLOAT, F_INT32, F_TIME, F_ENUM,
	F_STRINGS, F_NAMES, F_ENUMS,	/* lists of the above */
	F_OBJECT, F_OBJECTS,		/* messages taken as they are */
	F_MESSAGES					/* a list of messages of "fields" */
} CrFieldType;

typedef struct CrField
{
	const char *name;			/* camelCase; its snake_case is read too */
	CrFieldType type;
	bool		required;
	bool		presence;		/* a oneof member: kept at its default */
	const char *collection;		/* F_NAME(S): resources of this collection */
	bool		customer;		/* F_NAME(S): below the customer, not the profile */
	const char *const *values;	/* F_ENUM(S): NULL-ended, the default first */
	double		min;			/* F_FLOAT: the range, when min < max */
	double		max;
	bool		minus_one;		/* F_FLOAT: -1 (N/A) is allowed too */
	const struct CrField *fields;	/* F_MESSAGES */
	int			nfields;
} CrField;

/* errors, parameters, times and numbers as the vendor writes them (cresta.c) */
extern void cr_error(SimResponse *resp, int status, const char *code,
					 const char *fmt,...)
			__attribute__((format(printf, 4, 5)));
extern void cr_snake_case(const char *camel, char *out, size_t len);
extern bool cr_parse_time(const char *s, SimTime *t);
extern void cr_format_time(char *out, size_t len, SimTime t);
extern void cr_format_float(char *out, size_t len, float v);
extern void cr_base64(StrBuf *b, const unsigned char *data, size_t len, bool url);

/* JSON (cr_json.c) */
extern void cr_write_scorecard(StrBuf *b, const CrScorecard *sc);
extern void cr_write_user(StrBuf *b, const CrUser *u);
extern char *cr_json_text(struct json_object *obj);
extern const char *cr_get_string(struct json_object *obj, const char *key);
extern SimTime cr_get_time(struct json_object *obj, const char *key);
extern void cr_doc_set_string(CrScorecard *sc, const char *key, const char *value);
extern struct json_object *cr_parse_body(const SimRequest *req, SimResponse *resp);
extern struct json_object *cr_read_message(struct json_object *obj, const CrField *fields,
											int nfields, const char *path,
											SimResponse *resp);

/* endpoints (cr_create.c, cr_export.c) */
extern void cr_create_scorecard(SimRequest *req, SimResponse *resp);
extern void cr_create_target(SimRequest *req, SimResponse *resp);
extern void cr_export(SimRequest *req, SimResponse *resp);

/* admin (cr_admin.c) */
extern void cr_admin(SimRequest *req, const char *path, struct json_object *body,
					 SimResponse *resp);

#endif							/* CONV_SIM_CRESTA_H */
