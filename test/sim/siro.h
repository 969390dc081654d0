/*
 * siro.h
 *		The Siro simulator's data model, shared by its generator
 *		(siro_data.c), its object writers (siro_object.c, siro_parts.c),
 *		its endpoints (siro.c) and its admin operations (siro_admin.c).
 */
#ifndef CONV_SIM_SIRO_H
#define CONV_SIM_SIRO_H

#include "sim.h"

/* Streams of the deterministic generator: one per kind of object. */
enum SiroStream
{
	SIRO_S_ORG = 101, SIRO_S_USER, SIRO_S_REC, SIRO_S_TIME, SIRO_S_DETAIL,
	SIRO_S_CUSTOMER, SIRO_S_CLUSTER
};

/*
 * Sub-streams of a recording's details (SIRO_S_DETAIL): each part of the
 * object draws from its own, so one never shifts another.
 */
enum SiroDetail
{
	SIRO_D_VIEW, SIRO_D_IDENTITY, SIRO_D_CONTENT, SIRO_D_TRANSCRIPT, SIRO_D_TAGS,
	SIRO_D_PROCESSING, SIRO_D_PART0		/* + SiroPart */
};

/* Firestore document ids are 20 characters, Firebase Auth uids 28. */
#define SIRO_ID_LEN 20
#define SIRO_UID_LEN 28
#define SIRO_NUSERS 40
#define SIRO_NTEAMS 5

/* What a transcriptionStatus implies for the rest of the recording. */
typedef struct SiroStatus
{
	const char *name;			/* transcriptionStatus */
	const char *processing;		/* processingStatus */
	const char *stage;			/* processingStage */
	bool		results;		/* has talk metrics, title, result, tags */
} SiroStatus;

enum
{
	SIRO_RECORDING, SIRO_UPLOADING, SIRO_TRANSCRIBING, SIRO_COMPLETE,
	SIRO_SECONDARY_COMPLETE, SIRO_ERROR, SIRO_UNRECOVERABLE
};

extern const SiroStatus siro_statuses[];

/* A top-level field of a recording replaced through the admin interface. */
typedef struct SiroOverride
{
	char	   *key;
	char	   *json;			/* the value's JSON text */
} SiroOverride;

/*
 * A recording keeps what paging, filters and lookups need; everything else
 * is generated on demand from its index, so 500 000 recordings stay small.
 * Times are whole milliseconds, as the API shows them.
 */
typedef struct SiroRec
{
	char		id[SIRO_ID_LEN + 1];
	uint8_t		status;			/* index into siro_statuses */
	uint8_t		user;			/* index into siro.users */
	bool		deleted;
	bool		crm;			/* linked to a CRM customer */
	int32_t		index;			/* seeds everything generated on demand */
	int32_t		duration_ms;	/* 0 while still recording */
	int32_t		customer;		/* CRM customer number, when crm */
	SimTime		created;		/* dateCreated */
	SimTime		finished;		/* processing done; 0 while in progress */
	SimTime		updated;		/* updatedAt */
	SimTime		deleted_at;		/* deletedDate */
	int			nover;
	SiroOverride *over;
} SiroRec;

typedef struct SiroUser
{
	char		id[SIRO_UID_LEN + 1];
	char		email[96];
	char		phone[16];		/* "" when the user gave none */
	const char *first;
	const char *last;
	const char *role;
	int			team;			/* -1: admins belong to no team */
	SimTime		created;
	SimTime		deleted_at;		/* 0: an active user */
} SiroUser;

/* A sales team and the town its appointments are in. */
typedef struct SiroTeam
{
	char		id[SIRO_ID_LEN + 1];
	const char *name;
	const char *city;
	const char *state;
	const char *zip;
	double		lat;
	double		lon;
} SiroTeam;

/* The order of a listing: the index arrays below hold recording numbers. */
typedef enum SiroOrder
{
	SIRO_BY_CREATED, SIRO_BY_UPDATED
} SiroOrder;

typedef struct SiroData
{
	char		org_id[SIRO_ID_LEN + 1];
	SiroTeam	teams[SIRO_NTEAMS];
	SiroUser	users[SIRO_NUSERS];
	int			by_uid[SIRO_NUSERS];	/* users by id, the users order */
	SiroRec    *recs;			/* by index */
	int			nrecs;
	int			cap;
	int		   *order[2];		/* by (created, id) and (updated, id) */
	int		   *by_id;
	int			ncustomers;
} SiroData;

extern SiroData siro;
extern const char *const siro_org_name;

/* siro_data.c */
extern void siro_generate(void);
extern void siro_rng(SimRng *r, const SiroRec *rec, int detail);
extern SiroRec *siro_find(const char *id);
extern SimTime siro_key(const SiroRec *r, SiroOrder order);
extern int	siro_cmp(const SiroRec *a, SimTime b_key, const char *b_id, SiroOrder order);
extern void siro_reindex(void);
extern SiroRec *siro_add(SimTime now, int user);
extern const char *siro_override(const SiroRec *r, const char *key);
extern void siro_set_override(SiroRec *r, const char *key, const char *json);

/* The optional parts of a recording, each asked for by a query flag. */
typedef enum SiroPart
{
	SIRO_PHOTOS, SIRO_CRM_OPPS, SIRO_MEDIA_OPPS, SIRO_EVALUATION,
	SIRO_MULTIMEDIA, SIRO_MOBILE, SIRO_FOLLOWUPS, SIRO_CRM_ACCOUNTS,
	SIRO_NPARTS
} SiroPart;

/* The device a recording was made on. */
typedef struct SiroDevice
{
	const char *os;
	const char *os_version;
	const char *model;
	const char *sdk_type;
	bool		mobile;
} SiroDevice;

/* Talk metrics of a recording with results (milliseconds and counts). */
typedef struct SiroMetrics
{
	double		conversation_ms;
	double		rep_ms;
	double		customer_ms;
	double		customer_questions;
	double		rep_questions;
	double		exchanges;
	double		rep_exchanges;
	double		rep_exchanges_q;
	double		rep_words;
	double		rep_unique;
	double		rep_fillers;
	double		vocabulary_total;
	double		obscurity_total;
	double		longest_monologue_ms;
	double		longest_story_ms;
	double		wpm;
	double		fillers_per_min;
	double		speaker_share;
	double		interactivity;
	double		control;
	double		vocabulary_level;
	double		obscurity;
} SiroMetrics;

/* What a recording's object is made of, derived from its index when written. */
typedef struct SiroView
{
	const SiroRec *rec;
	const SiroStatus *st;
	const SiroUser *user;
	const SiroTeam *team;
	const SiroDevice *device;
	bool		located;
	double		lat;
	double		lon;
	int			language;
	int			conv_type;
	int			result;			/* -1: none, 0: not closed, 1: closed */
	SiroMetrics m;
} SiroView;

typedef struct SiroPartDef
{
	const char *flag;			/* query parameter */
	const char *field;			/* member of the recording */
	void		(*write) (StrBuf *b, const SiroView *v);
} SiroPartDef;

extern const SiroPartDef siro_parts[SIRO_NPARTS];

/* siro_object.c: a recording; parts[p] says whether part p is included */
extern bool siro_title(const SiroView *v, char *out, size_t len);
extern void siro_write_recording(StrBuf *b, const SiroRec *rec, const bool *parts);

/* siro_parts.c */
extern void siro_write_customer(StrBuf *b, const SiroView *v, bool in_followup);
extern void siro_customer_name(int customer, char *out, size_t len);
extern void json_ms(StrBuf *b, SimTime t);

/* siro_admin.c */
extern void siro_admin(SimRequest *req, const char *path, struct json_object *body,
					   SimResponse *resp);

#endif							/* CONV_SIM_SIRO_H */
