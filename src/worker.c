/*-------------------------------------------------------------------------
 *
 * worker.c
 *		  The background workers that keep prefetched tables' local copies
 *		  current: a launcher, started with the server, and one worker per
 *		  database.
 *
 * The launcher lists the databases (all that allow connections, or those
 * named by conv_fdw.prefetch_databases) and starts a worker in each.  A
 * worker in a database without the extension exits at once; the launcher
 * tries such a database again after a while, or at once when
 * conv_fdw.prefetch() there wakes it.  A worker syncs every prefetched
 * table whose time has come (sync.c), then sleeps on its latch; SIGHUP
 * reloads the configuration, SIGTERM ends it, and after a crash the
 * postmaster starts the launcher again, which starts the workers again.
 *
 * src/worker.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "conv_fdw.h"

/* a worker that exited is started again after this long */
#define CONV_RETRY_DATABASE_MS (60 * 1000)
/* the launcher looks for new databases this often */
#define CONV_LAUNCHER_NAP_MS (10 * 1000)

/* GUCs */
char	   *conv_prefetch_databases = NULL;
int			conv_worker_naptime_ms = 1000;
bool		conv_backfill_in_fastest_window = false;

/* What the launcher knows of one database's worker. */
typedef struct DatabaseWorker
{
	Oid			dboid;
	BackgroundWorkerHandle *handle;
	TimestampTz started;
} DatabaseWorker;

/* Shared with backends, so that prefetch() can wake the launcher. */
typedef struct ConvWorkerShared
{
	pid_t		launcher_pid;
	Latch	   *launcher_latch;
	Oid			wake_database;	/* start this database's worker now */
} ConvWorkerShared;

static ConvWorkerShared *worker_shared = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* prefetch() ran in this transaction: wake the launcher when it commits */
static bool wake_at_commit = false;
static bool wake_callback_registered = false;

PGDLLEXPORT void conv_fdw_launcher_main(Datum arg);
PGDLLEXPORT void conv_fdw_worker_main(Datum arg);

/*
 * shmem_request_hook: room for the launcher's address.
 */
static void
worker_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(ConvWorkerShared)));
}

/*
 * shmem_startup_hook: find or create the shared launcher address.
 */
static void
worker_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	worker_shared = ShmemInitStruct("conv_fdw launcher", sizeof(ConvWorkerShared), &found);
	if (!found)
		memset(worker_shared, 0, sizeof(ConvWorkerShared));
	LWLockRelease(AddinShmemInitLock);
}

/*
 * Fill in a worker description for conv_fdw's function fn.
 */
static void
describe_worker(BackgroundWorker *bgw, const char *fn, const char *name)
{
	memset(bgw, 0, sizeof(BackgroundWorker));
	bgw->bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	bgw->bgw_start_time = BgWorkerStart_RecoveryFinished;
	snprintf(bgw->bgw_library_name, BGW_MAXLEN, "conv_fdw");
	snprintf(bgw->bgw_function_name, BGW_MAXLEN, "%s", fn);
	snprintf(bgw->bgw_name, BGW_MAXLEN, "%s", name);
	snprintf(bgw->bgw_type, BGW_MAXLEN, "%s", name);
}

/*
 * Register the launcher and the shared memory it needs; called from
 * _PG_init while shared_preload_libraries is processed.
 */
void
conv_worker_register(void)
{
	BackgroundWorker bgw;

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = worker_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = worker_shmem_startup;

	describe_worker(&bgw, "conv_fdw_launcher_main", "conv_fdw launcher");
	bgw.bgw_restart_time = 5;
	RegisterBackgroundWorker(&bgw);
}

/*
 * Transaction callback: wake the launcher once the transaction that called
 * prefetch() has committed, so that the worker it starts sees the table
 * (and, in a transaction that also created it, the extension).
 */
static void
wake_launcher_at_commit(XactEvent event, void *arg)
{
	if (!wake_at_commit)
		return;
	if (event == XACT_EVENT_COMMIT && worker_shared != NULL &&
		worker_shared->launcher_latch != NULL)
	{
		worker_shared->wake_database = MyDatabaseId;
		SetLatch(worker_shared->launcher_latch);
	}
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PREPARE)
		wake_at_commit = false;
}

/*
 * Ask the launcher to start this database's worker (prefetch()), as soon
 * as the current transaction commits.
 */
void
conv_worker_wake(void)
{
	if (worker_shared == NULL)
		return;
	if (!wake_callback_registered)
	{
		RegisterXactCallback(wake_launcher_at_commit, NULL);
		wake_callback_registered = true;
	}
	wake_at_commit = true;
}

/*
 * Is this database one conv_fdw.prefetch_databases lets workers run in?
 */
static bool
database_listed(const char *name)
{
	char	   *copy;
	List	   *names;
	ListCell   *lc;

	if (conv_prefetch_databases == NULL || conv_prefetch_databases[0] == '\0' ||
		strcmp(conv_prefetch_databases, "*") == 0)
		return true;
	copy = pstrdup(conv_prefetch_databases);
	if (!SplitIdentifierString(copy, ',', &names))
		return false;
	foreach(lc, names)
	{
		if (strcmp(lfirst(lc), name) == 0)
			return true;
	}
	return false;
}

/*
 * The databases workers may run in.
 */
static List *
list_databases(void)
{
	MemoryContext caller = CurrentMemoryContext;
	List	   *oids = NIL;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tup);

		if (db->datallowconn && !db->datistemplate && database_listed(NameStr(db->datname)))
		{
			/* the list must outlive the transaction */
			MemoryContext old = MemoryContextSwitchTo(caller);

			oids = lappend_oid(oids, db->oid);
			MemoryContextSwitchTo(old);
		}
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
	MemoryContextSwitchTo(caller);
	return oids;
}

/*
 * Start the worker of a database unless it runs, or ran (or could not be
 * started: it has no handle) recently and nobody asked for it again.
 */
static void
start_database_worker(List **workers, Oid dboid, Oid wake, TimestampTz now)
{
	DatabaseWorker *dw = NULL;
	BackgroundWorker bgw;
	ListCell   *lc;
	pid_t		pid;

	foreach(lc, *workers)
	{
		if (((DatabaseWorker *) lfirst(lc))->dboid == dboid)
			dw = lfirst(lc);
	}
	if (dw == NULL)
	{
		dw = MemoryContextAllocZero(TopMemoryContext, sizeof(DatabaseWorker));
		dw->dboid = dboid;
		*workers = lappend(*workers, dw);
	}
	else if ((dw->handle != NULL &&
			  GetBackgroundWorkerPid(dw->handle, &pid) != BGWH_STOPPED) ||
			 (dboid != wake &&
			  !TimestampDifferenceExceeds(dw->started, now, CONV_RETRY_DATABASE_MS)))
		return;

	describe_worker(&bgw, "conv_fdw_worker_main", "conv_fdw worker");
	bgw.bgw_restart_time = BGW_NEVER_RESTART;
	bgw.bgw_main_arg = ObjectIdGetDatum(dboid);
	bgw.bgw_notify_pid = MyProcPid;
	dw->started = now;
	if (!RegisterDynamicBackgroundWorker(&bgw, &dw->handle))
		ereport(LOG,
				(errmsg("conv_fdw could not start a worker for database %u", dboid),
				 errhint("Raise max_worker_processes.")));
}

/*
 * Entry point of the launcher.
 */
void
conv_fdw_launcher_main(Datum arg)
{
	List	   *workers = NIL;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	worker_shared->launcher_pid = MyProcPid;
	worker_shared->launcher_latch = MyLatch;

	for (;;)
	{
		Oid			wake = worker_shared->wake_database;
		ListCell   *lc;
		List	   *dbs;

		worker_shared->wake_database = InvalidOid;
		dbs = list_databases();
		foreach(lc, dbs)
			start_database_worker(&workers, lfirst_oid(lc), wake, GetCurrentTimestamp());
		list_free(dbs);

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 CONV_LAUNCHER_NAP_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
	}
}

/*
 * The prefetched tables whose sync is due; *installed is false where the
 * extension is not.
 */
static List *
due_tables(bool *installed)
{
	MemoryContext caller = CurrentMemoryContext;
	List	   *relids = NIL;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	*installed = OidIsValid(get_extension_oid("conv_fdw", true));
	if (*installed)
	{
		SPI_connect();
		if (SPI_exec("SELECT relid FROM conv_fdw.prefetched WHERE next_sync <= now() "
					 "ORDER BY next_sync", 0) != SPI_OK_SELECT)
			elog(ERROR, "conv_fdw: could not read conv_fdw.prefetched");
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			bool		isnull;
			Oid			relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
															   SPI_tuptable->tupdesc, 1, &isnull));
			/* the list must outlive the transaction */
			MemoryContext old = MemoryContextSwitchTo(caller);

			relids = lappend_oid(relids, relid);
			MemoryContextSwitchTo(old);
		}
		SPI_finish();
	}
	PopActiveSnapshot();
	CommitTransactionCommand();
	MemoryContextSwitchTo(caller);
	return relids;
}

/*
 * Record a failed round: the error, and when to try again.
 */
static void
record_error(Oid relid, const char *message)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(message)};

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	SPI_connect();
	SPI_execute_with_args(psprintf("UPDATE conv_fdw.prefetched SET last_error = $1, "
								   "next_sync = now() + sync_interval WHERE relid = %u", relid),
						  1, types, values, NULL, false, 0);
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
}

/*
 * Sync one table; an error ends its round (recorded in sync_status), not
 * the worker.
 */
static void
sync_one(Oid relid, MemoryContext round_cxt)
{
	MemoryContext cxt = CurrentMemoryContext;

	PG_TRY();
	{
		conv_sync_table(relid, round_cxt);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		AbortOutOfAnyTransaction();
		ereport(LOG,
				(errmsg("conv_fdw could not sync foreign table %u: %s", relid, edata->message)));
		record_error(relid, edata->message);
		FreeErrorData(edata);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	MemoryContextReset(round_cxt);
}

/*
 * Entry point of a database's worker.
 */
void
conv_fdw_worker_main(Datum arg)
{
	MemoryContext cxt;
	MemoryContext round_cxt;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(DatumGetObjectId(arg), InvalidOid, 0);

	/*
	 * The worker runs as the bootstrap superuser: no search_path a database
	 * owner sets (ALTER DATABASE ... SET), nor one a trigger on a copy sets,
	 * may choose the functions and operators of its SQL.
	 */
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);
	conv_rate_is_worker = true;
	pgstat_report_appname("conv_fdw worker");
	cxt = AllocSetContextCreate(TopMemoryContext, "conv_fdw worker", ALLOCSET_DEFAULT_SIZES);
	round_cxt = AllocSetContextCreate(TopMemoryContext, "conv_fdw sync round",
									  ALLOCSET_DEFAULT_SIZES);

	for (;;)
	{
		bool		installed;
		List	   *due;
		ListCell   *lc;

		MemoryContextSwitchTo(cxt);
		due = due_tables(&installed);
		if (!installed)
			proc_exit(0);		/* the launcher looks again later */
		foreach(lc, due)
			sync_one(lfirst_oid(lc), round_cxt);
		MemoryContextReset(cxt);

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 conv_worker_naptime_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
	}
}
