/*
 * vg.h
 *		The Voicegain simulator's data model, shared by its generator
 *		(vg_data.c), its row writers (vg_row.c), its endpoint (voicegain.c)
 *		and its admin operations (vg_admin.c).
 */
#ifndef CONV_SIM_VG_H
#define CONV_SIM_VG_H

#include "sim.h"

#define VG_FIRST_CALL_ID	10001
#define VG_NPROJECTS		3
#define VG_NQUEUES			12
#define VG_NAIVR_APPS		4

/* Streams of the deterministic generator: one per kind of object. */
enum VgStream
{
	VG_S_ORG = 101, VG_S_AGENT, VG_S_CALL, VG_S_DETAIL, VG_S_ADDED
};

/* Processing phases; a call is finished once DONE or ERROR. */
typedef enum VgPhase
{
	VG_QUEUED, VG_TRANSCRIBING, VG_ANALYZING, VG_DONE, VG_ERROR
} VgPhase;

extern const char *const vg_phases[];
extern const int vg_nphases;

/*
 * One call, compactly: what filters and sorts need. Everything else is
 * generated when the call is written, from (seed, callId).
 */
typedef struct VgCall
{
	int64_t		call_id;
	SimTime		start;			/* whole seconds */
	int32_t		duration;		/* seconds of conversation */
	int32_t		agent;			/* index into vg.agents; -1: voicebot only */
	int8_t		queue;			/* index into vg.queues; -1: none */
	int8_t		aivr_app;		/* index into vg.aivr_apps; -1: no voicebot */
	uint8_t		phase;			/* VgPhase */
	uint8_t		project;		/* index into vg.projects */
	int16_t		score10;		/* QA score in tenths; -1: never scored */
} VgCall;

typedef struct VgAgent
{
	char		ext_id[12];		/* the call center's user id, e.g. Aircall's */
	char		email[96];
	char		name[64];
	char		user_id[37];	/* the Speech Analytics App's user id */
} VgAgent;

typedef struct VgQueue
{
	char		ext_id[12];
	const char *name;
	char		uuid[37];		/* what the queueId filter matches */
} VgQueue;

typedef struct VgData
{
	char		account_id[37];
	char		projects[VG_NPROJECTS][37];
	char		aivr_apps[VG_NAIVR_APPS][37];
	VgQueue		queues[VG_NQUEUES];
	VgAgent    *agents;
	int			nagents;
	VgCall	   *calls;			/* in callId order, which is startTime order */
	int			ncalls;
	int			calls_cap;
	int64_t		last_id;		/* highest callId ever given: ids are not reused */
} VgData;

extern VgData vg;

extern void vg_generate(void);
extern bool vg_phase_finished(VgPhase phase);
extern int	vg_phase_index(const char *name);
extern int	vg_score(const VgCall *c);
extern int	vg_index_after_id(int64_t after);
extern int	vg_index_at_time(SimTime t);
extern VgCall *vg_find_call(int64_t call_id);
extern VgCall *vg_add_call(SimTime now, VgPhase phase);
extern void vg_delete_call(VgCall *c);

/* Row writers (vg_row.c). */
extern void vg_write_json(StrBuf *b, const VgCall *c);
extern void vg_write_csv_header(StrBuf *b);
extern void vg_write_csv_row(StrBuf *b, const VgCall *c);

extern void vg_admin(SimRequest *req, const char *path, struct json_object *body,
					 SimResponse *resp);

#endif							/* CONV_SIM_VG_H */
