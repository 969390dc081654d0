/*-------------------------------------------------------------------------
 *
 * conv_fdw.c
 *		  Foreign data wrapper for conversation-intelligence vendor APIs:
 *		  module initialization and the FDW handler.
 *
 * The callbacks live in files by concern: planner.c (paths and the request
 * plan), scan.c (execution and EXPLAIN), modify.c (INSERT), import.c
 * (IMPORT FOREIGN SCHEMA); option.c holds the validator.
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
#include "miscadmin.h"
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

	DefineCustomRealVariable("conv_fdw.worker_rate_share",
							 "Share of each server's request rate the background worker may use.",
							 "Interactive queries always go first; the worker takes at most this share of what is left.",
							 &conv_worker_rate_share,
							 0.5, 0.01, 1.0,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);

	DefineCustomStringVariable("conv_fdw.prefetch_databases",
							   "Databases whose prefetched tables the background worker keeps current.",
							   "A comma-separated list of database names; empty or * means every database that allows connections.",
							   &conv_prefetch_databases,
							   "",
							   PGC_SIGHUP,
							   GUC_LIST_INPUT,
							   NULL, NULL, NULL);

	DefineCustomIntVariable("conv_fdw.worker_naptime",
							"How often the background worker looks for prefetched tables due a sync.",
							NULL,
							&conv_worker_naptime_ms,
							1000, 100, 3600 * 1000,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomBoolVariable("conv_fdw.backfill_in_fastest_window",
							 "Make the first full read of a prefetched table only in its server's fastest rate window.",
							 "ExecVision allows 25 requests/s at night and 5 by day: a backfill waits for the night, pausing between pages when the day begins.",
							 &conv_backfill_in_fastest_window,
							 false,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);

	/* complain about misspelled conv_fdw.* settings instead of keeping them */
	MarkGUCPrefixReserved("conv_fdw");

	/* one rate budget per server for the whole cluster needs shared memory */
	if (process_shared_preload_libraries_in_progress)
	{
		conv_rate_install_hooks();
		conv_worker_register();
	}
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
	routine->ExplainForeignScan = convExplainForeignScan;
	routine->ImportForeignSchema = conv_import_foreign_schema;
	routine->IsForeignRelUpdatable = convIsForeignRelUpdatable;
	routine->PlanForeignModify = convPlanForeignModify;
	routine->BeginForeignModify = convBeginForeignModify;
	routine->ExecForeignInsert = convExecForeignInsert;
	routine->BeginForeignInsert = convBeginForeignInsert;
	routine->ExplainForeignModify = convExplainForeignModify;

	PG_RETURN_POINTER(routine);
}
