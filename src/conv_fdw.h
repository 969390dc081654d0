/*-------------------------------------------------------------------------
 *
 * conv_fdw.h
 *		  Declarations shared by the source files of conv_fdw, the foreign
 *		  data wrapper for conversation-intelligence vendor APIs.
 *
 * src/conv_fdw.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONV_FDW_H
#define CONV_FDW_H

#include "fmgr.h"
#include "foreign/fdwapi.h"
#include "lib/stringinfo.h"
#include "nodes/bitmapset.h"
#include "nodes/execnodes.h"
#include "utils/snapshot.h"
#include "nodes/pathnodes.h"
#include "nodes/plannodes.h"
#include "datatype/timestamp.h"
#include "utils/relcache.h"

#include "vendor.h"

struct json_object;

/* A rate window: per_second requests a second in [start, end) of the day. */
typedef struct ConvRateWindow
{
	int			start_minute;	/* start == end: all day */
	int			end_minute;
	double		per_second;
} ConvRateWindow;

struct pg_tz;

/*
 * A foreign server and the current user's mapping, resolved into what a
 * request needs (option.c).  Secrets live here only for the request; they
 * are never copied into plans, messages or views.
 */
typedef struct ConvServer
{
	Oid			serverid;
	const char *servername;
	const ConvVendorDef *vendor;
	char	   *base_url;		/* without a trailing slash */
	char	   *api_prefix;		/* the vendor's, its {options} filled in */
	char	   *ca_file;		/* NULL: the system's CA bundle */
	int			timeout_ms;		/* whole request, default 120000 */
	int			connect_timeout_ms; /* default 10000 */
	int			max_retries;	/* default 3 */
	int			page_size;		/* 0: each endpoint's default */
	List	   *rate_windows;	/* of ConvRateWindow, from rate_limit */
	struct pg_tz *rate_tz;		/* the windows' time zone */
	char	   *username;
	char	   *password;
	char	   *token;
} ConvServer;

/* What a scan did, for EXPLAIN ANALYZE. */
typedef struct ConvScanStats
{
	int64		requests;		/* HTTP requests sent, retries included */
	int64		retries;
	int64		pages;			/* successful responses */
	int64		rows_fetched;	/* objects decoded from responses */
	int64		bytes;			/* response body bytes */
	double		rate_wait_ms;	/* time spent waiting for the rate limit */
} ConvScanStats;

/* What a scan's requests are. */
typedef enum ConvRequestMode
{
	CONV_MODE_LIST,				/* page through the list endpoint */
	CONV_MODE_LOOKUP,			/* one lookup per key value */
	CONV_MODE_SEARCH			/* search, then a lookup per id it found;
								 * a search at its cap falls back to LIST */
} ConvRequestMode;

/*
 * The request plan, in ForeignScan.fdw_private: a list indexed by this
 * enum, of plain copyable nodes only, so that a cached plan works exactly
 * like a fresh one.  The values that are expressions (since bounds, lookup
 * keys, search value) are in fdw_exprs: first the since bounds, then the
 * request parameters' values, then the key or search value if any.
 */
enum ConvScanPrivateIndex
{
	CONV_PRIV_ENDPOINT,			/* String: table option "endpoint" */
	CONV_PRIV_MODE,				/* Integer: ConvRequestMode */
	CONV_PRIV_PAGE_SIZE,		/* Integer: "limit" to send, 0 for none */
	CONV_PRIV_INCLUDES,			/* List of String: parameters sent "true" */
	CONV_PRIV_SEARCH_FIELD,		/* String: "metadata.company", or "" */
	CONV_PRIV_NSINCE,			/* Integer: how many since bounds */
	CONV_PRIV_KEY_IS_ARRAY,		/* Boolean: the key expression is an array */
	CONV_PRIV_ATTRS,			/* List of Integer: attnums to decode */
	CONV_PRIV_PARAMS			/* List of Integer: the table's pushables
								 * whose parameters the scan sends, their
								 * values in fdw_exprs after the since
								 * bounds */
};

/* in conv_fdw.c */
extern char *conv_fdw_user_agent;

/* in planner.c */
extern void convGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
								  Oid foreigntableid);
extern void convGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
								Oid foreigntableid);
extern ForeignScan *convGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
									   Oid foreigntableid,
									   ForeignPath *best_path, List *tlist,
									   List *scan_clauses, Plan *outer_plan);
extern const ConvTableDef *conv_table_def_for(Oid relid,
											  const ConvVendorDef **vendor);
extern char *conv_attr_json_path(Oid relid, AttrNumber attnum,
								 const char *attname);

/* in pager.c */
typedef struct ConvPager ConvPager;
typedef struct ConvIdSet ConvIdSet;

extern ConvIdSet *conv_idset_create(void);
extern bool conv_idset_add(ConvIdSet *set, const char *identity);
extern bool conv_idset_contains(ConvIdSet *set, const char *identity);
extern bool conv_idset_contains_n(ConvIdSet *set, const char *identity,
								  size_t len);
extern bool conv_idset_is_empty(ConvIdSet *set);

extern ConvPager *conv_pager_create(const ConvTableDef *table,
									const char *fixed_query,
									TimestampTz since, int page_size);
extern char *conv_pager_next_request(ConvPager *pager);
extern bool conv_pager_accept(ConvPager *pager, struct json_object *obj);
extern void conv_pager_page_done(ConvPager *pager, const char *headers,
								 struct json_object *envelope,
								 const ConvServer *server);
/* How finely conv_format_time writes a time. */
typedef enum ConvTimePrecision
{
	CONV_TIME_MINUTE,
	CONV_TIME_MILLI,
	CONV_TIME_MICRO
} ConvTimePrecision;

extern char *conv_format_time(TimestampTz t, ConvTimePrecision precision);
extern void conv_pager_resume(ConvPager *pager, TimestampTz t, const char *id);
extern bool conv_pager_position(ConvPager *pager, TimestampTz *t,
								const char **id);

/* in scan.c */
extern void convBeginForeignScan(ForeignScanState *node, int eflags);
extern TupleTableSlot *convIterateForeignScan(ForeignScanState *node);
extern void convReScanForeignScan(ForeignScanState *node);
extern void convEndForeignScan(ForeignScanState *node);
extern void convExplainForeignScan(ForeignScanState *node,
								   struct ExplainState *es);

/* in modify.c */
extern int	convIsForeignRelUpdatable(Relation rel);
extern List *convPlanForeignModify(PlannerInfo *root, ModifyTable *plan,
								   Index resultRelation, int subplan_index);
extern void convBeginForeignModify(ModifyTableState *mtstate,
								   ResultRelInfo *rinfo, List *fdw_private,
								   int subplan_index, int eflags);
extern TupleTableSlot *convExecForeignInsert(EState *estate,
											 ResultRelInfo *rinfo,
											 TupleTableSlot *slot,
											 TupleTableSlot *planSlot);
extern void convBeginForeignInsert(ModifyTableState *mtstate,
								   ResultRelInfo *rinfo);
extern void convExplainForeignModify(ModifyTableState *mtstate,
									 ResultRelInfo *rinfo, List *fdw_private,
									 int subplan_index,
									 struct ExplainState *es);
extern void conv_check_modify(Oid relid, CmdType operation);

/* in import.c */
extern List *conv_import_foreign_schema(ImportForeignSchemaStmt *stmt,
										Oid serverOid);

/* A prefetched table's local copy and how far it is complete. */
typedef struct ConvPrefetch
{
	Oid			copy_relid;
	bool		empty;			/* no watermark yet: nothing copied */
	TimestampTz watermark;
	char	   *watermark_id;
	bool		has_deletions_watermark;
	TimestampTz deletions_watermark;
	char	   *deletions_watermark_id;
	bool		backfilling;	/* no round has completed yet */
} ConvPrefetch;

/* in prefetch.c */
extern bool conv_prefetch_lookup(Oid relid, ConvPrefetch *pf);
extern char *conv_column_reading(Oid relid, const char *path);
extern Oid	conv_rel_owner(Oid relid);

/* in localcopy.c */
typedef struct ConvCopyScan ConvCopyScan;

extern ConvCopyScan *conv_copy_begin(Oid copy_relid, TupleDesc desc,
									 const char *key_column, Snapshot snapshot,
									 List *attrs);
extern bool conv_copy_next(ConvCopyScan *cs, TupleTableSlot *slot,
						   ConvIdSet *skip);
extern void conv_copy_end(ConvCopyScan *cs);

/* in sync.c */
extern void conv_sync_table(Oid relid, MemoryContext cxt);

/* in worker.c */
extern char *conv_prefetch_databases;
extern int	conv_worker_naptime_ms;
extern bool conv_backfill_in_fastest_window;
extern void conv_worker_register(void);
extern void conv_worker_wake(void);

/* in ratelimit.c */
extern double conv_worker_rate_share;
extern bool conv_rate_is_worker;
extern void conv_rate_install_hooks(void);
extern bool conv_rate_parse(const char *spec, List **windows);
extern double conv_rate_acquire(const ConvServer *server);
extern void conv_rate_throttle(const ConvServer *server, long retry_after_ms);
extern bool conv_rate_in_fastest_window(const ConvServer *server);

/* in option.c */
extern bool conv_host_is_loopback(const char *host);
extern ConvServer *conv_get_server(Oid serverid, Oid userid);
extern void conv_server_rate(Oid serverid, List **windows, struct pg_tz **tz,
							 char **spec);
extern char *conv_get_server_option(Oid serverid, const char *name);
extern char *conv_api_prefix(Oid serverid, const ConvVendorDef *vendor);
extern char *conv_get_table_option(Oid relid, const char *name);
extern char *conv_get_column_option(Oid relid, AttrNumber attnum,
									const char *name);

/* in http.c */
extern bool conv_http_get(const ConvServer *server, const char *path_and_query,
						  bool missing_ok, StringInfo body, StringInfo headers,
						  ConvScanStats *stats);
extern void conv_http_post(const ConvServer *server, const char *path,
						   const char *json_body, StringInfo body,
						   ConvScanStats *stats);
extern char *conv_http_header(const char *headers, const char *name);
extern char *conv_url_encode(const char *value);

/* in decode.c */

/*
 * Iterates the objects of a JSON response body: the elements of a
 * top-level array, or a top-level object as the only element.  Elements
 * are parsed one at a time, so no DOM of a whole page is ever built.  The
 * object returned by conv_json_iter_next lives until the next call, or
 * until the memory context that was current at conv_json_iter_init is
 * reset or deleted (also on error).
 */
typedef struct ConvJsonIter ConvJsonIter;

extern ConvJsonIter *conv_json_iter_init(const char *data, size_t len,
										 const char *what,
										 const char *rows_field);
extern struct json_object *conv_json_iter_envelope(ConvJsonIter *iter);
extern struct json_object *conv_json_iter_next(ConvJsonIter *iter);

/* How each attribute of a foreign table is read from a JSON object. */
typedef struct ConvColumnMap ConvColumnMap;

extern ConvColumnMap *conv_column_map_create(Relation rel,
											 Bitmapset *attrs_used,
											 const ConvTableDef *table);
extern void conv_decode_object(ConvColumnMap *map, struct json_object *obj,
							   Datum *values, bool *nulls);
extern const char *conv_column_map_path(ConvColumnMap *map, AttrNumber attnum);
extern struct json_object *conv_json_get_path(struct json_object *obj,
											  const char *path);
extern const char *conv_json_scalar_text(struct json_object *obj);
extern List *conv_json_parse_strings(const char *data, size_t len,
									 const char *what);

#endif							/* CONV_FDW_H */
