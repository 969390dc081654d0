/*
 * ccai.h
 *		The CCAI Platform (formerly UJET) Manager API simulator's data model,
 *		shared by its generator (ccai_data.c), object writers (ccai_write.c),
 *		endpoints (ccai.c) and admin operations (ccai_admin.c).
 *
 * Every collection is a CcaiTable: rows in id order (every row struct
 * starts with its int64_t id) plus, per time column a client may sort and
 * filter on, the rows' order by (that time, id). One pager serves them all.
 */
#ifndef CONV_SIM_CCAI_H
#define CONV_SIM_CCAI_H

#include "sim.h"

/* Streams of the deterministic generator: one per kind of object. */
enum CcaiStream
{
	CCAI_S_AGENT = 1, CCAI_S_ACTIVITY, CCAI_S_CALL, CCAI_S_CALL_EXTRA,
	CCAI_S_CHAT, CCAI_S_CHAT_EXTRA, CCAI_S_CLUSTER, CCAI_S_ADMIN
};

/* A missing time: written as null. */
#define CCAI_NO_TIME INT64_MIN

#define CCAI_MAX_COLUMNS 2

/* A time column clients sort on (sort_column) and filter on (<name>[from]). */
typedef struct CcaiColumn
{
	const char *name;
	size_t		offset;			/* of the SimTime in a row */
} CcaiColumn;

typedef struct CcaiTable
{
	char	   *rows;			/* by id, ascending */
	size_t		row_size;
	int			nrows;
	int			cap;
	const CcaiColumn *columns;
	int			ncolumns;
	int32_t    *order[CCAI_MAX_COLUMNS];	/* per column: rows by (time, id) */
	void		(*write) (StrBuf *b, const void *row);
} CcaiTable;

#define CCAI_ROW(t, i) ((void *) ((t)->rows + (size_t) (i) * (t)->row_size))
#define CCAI_ID(t, i) (*(const int64_t *) CCAI_ROW(t, i))

extern void ccai_reindex(CcaiTable *t);
extern int	ccai_find(const CcaiTable *t, int64_t id);
extern SimTime ccai_time(const CcaiTable *t, int column, int row);

/* ---------- calls and chats: contacts ---------- */

#define CCAI_MAX_STEPS 4
#define CCAI_MAX_STATUSES 8

/*
 * A call or a chat and the times of its steps (a call is queued,
 * connecting, connected, ended; a chat queued, assigned, ended): the last
 * step is always the end. All times are whole milliseconds.
 */
typedef struct CcaiContact
{
	int64_t		id;
	SimTime		created_at;
	SimTime		updated_at;
	SimTime		at[CCAI_MAX_STEPS]; /* CCAI_NO_TIME: not (yet) happened */
	int32_t		hold_s;
	int32_t		index;			/* seeds what is generated on demand */
	int16_t		agent;			/* index into the agents; -1: none */
	uint8_t		type;
	uint8_t		status;
	uint8_t		menu;			/* index into the menus; 0xff: none */
	uint8_t		lang;
} CcaiContact;

#define CCAI_NO_MENU 0xff

/* A status: which steps a contact in it has had. */
typedef struct CcaiStatus
{
	const char *name;
	uint8_t		steps;			/* bit s: step s happened */
} CcaiStatus;

/* A type of contact (inbound, outbound, voicemail...). */
typedef struct CcaiType
{
	const char *name;
	uint8_t		steps;			/* the steps this type can have at all */
	int			weight;			/* share of the generated contacts */
	bool		menu;			/* goes through a menu (outbound calls do not) */
	int			status_weights[CCAI_MAX_STATUSES];	/* how generated ones end */
} CcaiType;

/* What makes calls calls and chats chats. */
typedef struct CcaiKind
{
	const char *type_key;		/* "call_type" */
	const char *const *step_names;	/* "queued_at", ..., "ended_at" */
	int			nsteps;
	int			gap_min_s[CCAI_MAX_STEPS];	/* time before each step */
	int			gap_max_s[CCAI_MAX_STEPS];
	int			agent_step;		/* an agent is on it from this step on */
	int			talk_step;		/* duration counts from this step */
	int			wait_step;		/* wait_duration runs from queued to this */
	bool		has_hold;		/* hold_duration: calls only */
	const CcaiStatus *statuses;
	int			nstatuses;
	int			nfinal;			/* statuses [0, nfinal) are final */
	const uint8_t *open_status; /* status of a contact whose last step is s-1 */
	const CcaiType *types;
	int			ntypes;
	const uint8_t *menus;		/* the menus its contacts go through */
	int			nmenus;
	int			stream;			/* random streams of its contacts */
	int			extra_stream;	/* and of what is written on demand */
	int64_t		first_id;
	CcaiTable  *table;
} CcaiKind;

extern const CcaiKind ccai_call_kind;
extern const CcaiKind ccai_chat_kind;

extern bool ccai_has(const CcaiContact *c, int step);
extern CcaiContact *ccai_add_contact(const CcaiKind *k, SimTime now, int type, int status);
extern void ccai_set_status(const CcaiKind *k, CcaiContact *c, int status, SimTime now);
extern int	ccai_status_index(const CcaiKind *k, const char *name);
extern int	ccai_type_index(const CcaiKind *k, const char *name);

/* ---------- the organisation ---------- */

typedef struct CcaiTeam
{
	int64_t		id;
	const char *name;
	int			parent;			/* index; -1: a root */
} CcaiTeam;

typedef struct CcaiMenu
{
	int64_t		id;
	const char *name;
	const char *menu_type;
	int			parent;			/* index; -1: a root */
	const char *output_msg;
} CcaiMenu;

typedef struct CcaiUserStatus
{
	int64_t		id;
	const char *name;
	const char *color;
	bool		wrap_up;
	int			weight;			/* share of the generated activity */
} CcaiUserStatus;

typedef struct CcaiAgent
{
	int64_t		id;
	SimTime		status_updated_at;	/* start of its open activity */
	SimTime		created_at;
	int32_t		open_log;		/* row of its open activity */
	uint8_t		status;			/* index into the user statuses */
	int8_t		teams[2];		/* indexes; -1: none */
	bool		manager;
	bool		spanish;
	const char *first;
	const char *last;
	char		email[96];
} CcaiAgent;

/* An agent's time in one status; the agent's last one is still open. */
typedef struct CcaiActivity
{
	int64_t		id;
	SimTime		started_at;
	SimTime		ended_at;		/* CCAI_NO_TIME: still in it */
	int16_t		agent;
	uint8_t		status;
} CcaiActivity;

typedef struct CcaiData
{
	CcaiTable	calls;
	CcaiTable	chats;
	CcaiTable	agents;
	CcaiTable	activity;
	CcaiTable	teams;
	CcaiTable	menus;
	CcaiTable	statuses;
} CcaiData;

extern CcaiData ccai;

extern void ccai_generate(void);
extern void ccai_add_activity(int agent, int status, SimTime now);

/* ---------- endpoints and object writers ---------- */

extern char *ccai_subdomain;

extern void ccai_write_call(StrBuf *b, const void *row);
extern void ccai_write_chat(StrBuf *b, const void *row);
extern void ccai_write_agent(StrBuf *b, const void *row);
extern void ccai_write_activity(StrBuf *b, const void *row);
extern void ccai_write_team(StrBuf *b, const void *row);
extern void ccai_write_menu(StrBuf *b, const void *row);
extern void ccai_write_user_status(StrBuf *b, const void *row);
extern void ccai_write_team_tree(StrBuf *b, int parent);
extern void ccai_write_organization(StrBuf *b);

extern void ccai_admin(SimRequest *req, const char *path, struct json_object *body,
					   SimResponse *resp);

#endif							/* CONV_SIM_CCAI_H */
