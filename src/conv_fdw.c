/*-------------------------------------------------------------------------
 *
 * conv_fdw.c
 *		  Foreign data wrapper for conversation-intelligence vendor APIs:
 *		  module initialization and the FDW handler.
 *
 * Scanning is not implemented yet: planning a scan of a conv_fdw foreign
 * table raises a "not supported" error, so the scan callbacks below are
 * placeholders that the planner and executor never get to.  Servers, user
 * mappings and foreign tables can already be created; their options are
 * checked by the validator in option.c.
 *
 * src/conv_fdw.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "conv_fdw.h"

PG_MODULE_MAGIC;

/* GUC conv_fdw.user_agent: the User-Agent header sent to the vendors */
char	   *conv_fdw_user_agent = NULL;

/* fmgr.h of PostgreSQL 15 does not declare the module init function */
void		_PG_init(void);

PG_FUNCTION_INFO_V1(conv_fdw_handler);

static bool check_user_agent(char **newval, void **extra, GucSource source);
static void report_scan_not_supported(Oid foreigntableid) pg_attribute_noreturn();
static void convGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
								  Oid foreigntableid);
static void convGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
								Oid foreigntableid);
static ForeignScan *convGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
									   Oid foreigntableid,
									   ForeignPath *best_path,
									   List *tlist, List *scan_clauses,
									   Plan *outer_plan);
static void convBeginForeignScan(ForeignScanState *node, int eflags);
static TupleTableSlot *convIterateForeignScan(ForeignScanState *node);
static void convReScanForeignScan(ForeignScanState *node);
static void convEndForeignScan(ForeignScanState *node);

/*
 * Module load callback: defines the GUCs of conv_fdw.
 *
 * This runs in the postmaster when conv_fdw is in shared_preload_libraries,
 * and in a backend when the library is loaded on demand; nothing here may
 * depend on which.
 */
void
_PG_init(void)
{
	DefineCustomStringVariable("conv_fdw.user_agent",
							   "User-Agent header sent with every vendor API request.",
							   "Vendors see this value in their request logs; "
							   "it may not contain control characters.",
							   &conv_fdw_user_agent,
							   "conv_fdw/1.0",
							   PGC_USERSET,
							   0,
							   check_user_agent,
							   NULL,
							   NULL);

	/* complain about misspelled conv_fdw.* settings instead of keeping them */
	MarkGUCPrefixReserved("conv_fdw");
}

/*
 * GUC check hook for conv_fdw.user_agent.
 *
 * The value goes verbatim into an HTTP header line, so a CR or LF would let
 * it inject headers of its own; reject all control characters.
 */
static bool
check_user_agent(char **newval, void **extra, GucSource source)
{
	const unsigned char *p;

	if (*newval == NULL)
		return true;

	for (p = (const unsigned char *) *newval; *p != '\0'; p++)
	{
		if (*p < 0x20 || *p == 0x7f)
		{
			GUC_check_errdetail("The User-Agent must not contain control characters.");
			return false;
		}
	}
	return true;
}

/*
 * FDW handler: returns the callbacks of conv_fdw.
 */
Datum
conv_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	routine->GetForeignRelSize = convGetForeignRelSize;
	routine->GetForeignPaths = convGetForeignPaths;
	routine->GetForeignPlan = convGetForeignPlan;
	routine->BeginForeignScan = convBeginForeignScan;
	routine->IterateForeignScan = convIterateForeignScan;
	routine->ReScanForeignScan = convReScanForeignScan;
	routine->EndForeignScan = convEndForeignScan;

	PG_RETURN_POINTER(routine);
}

/*
 * Raise the error for a scan this release of conv_fdw cannot do.
 */
static void
report_scan_not_supported(Oid foreigntableid)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("conv_fdw cannot scan foreign table \"%s\" yet",
					get_rel_name(foreigntableid)),
			 errhint("This release of conv_fdw only defines and validates servers, user mappings and foreign tables; reading vendor data arrives with the next release.")));
}

/*
 * Estimate the size of a foreign table scan.
 *
 * This is the first callback the planner calls for a foreign table, so it
 * is where an unsupported scan is refused, before any plan exists.
 */
static void
convGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
					  Oid foreigntableid)
{
	report_scan_not_supported(foreigntableid);
}

/*
 * Create the access path of a foreign table scan (never reached; see
 * convGetForeignRelSize).
 */
static void
convGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
					Oid foreigntableid)
{
	add_path(baserel,
			 (Path *) create_foreignscan_path(root, baserel,
											  NULL, /* default pathtarget */
											  baserel->rows,
											  0,
											  baserel->rows,
											  NIL,	/* no pathkeys */
											  baserel->lateral_relids,
											  NULL, /* no extra plan */
											  NIL));
}

/*
 * Create the plan node of a foreign table scan (never reached; see
 * convGetForeignRelSize).  Every qual is checked locally.
 */
static ForeignScan *
convGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
				   Oid foreigntableid, ForeignPath *best_path,
				   List *tlist, List *scan_clauses, Plan *outer_plan)
{
	scan_clauses = extract_actual_clauses(scan_clauses, false);

	return make_foreignscan(tlist, scan_clauses, baserel->relid,
							NIL, NIL, NIL, NIL, outer_plan);
}

/*
 * Start a foreign table scan.
 *
 * Planning refuses these scans already; refusing again here makes sure a
 * plan that somehow got this far fails rather than returning no rows, which
 * would look like an empty vendor table.
 */
static void
convBeginForeignScan(ForeignScanState *node, int eflags)
{
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	report_scan_not_supported(RelationGetRelid(node->ss.ss_currentRelation));
}

/*
 * Return the next row of a foreign table scan (never reached; see
 * convBeginForeignScan).
 */
static TupleTableSlot *
convIterateForeignScan(ForeignScanState *node)
{
	return ExecClearTuple(node->ss.ss_ScanTupleSlot);
}

/*
 * Restart a foreign table scan (nothing to reset yet).
 */
static void
convReScanForeignScan(ForeignScanState *node)
{
}

/*
 * End a foreign table scan (nothing to release yet).
 */
static void
convEndForeignScan(ForeignScanState *node)
{
}
