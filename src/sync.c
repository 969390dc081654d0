/*-------------------------------------------------------------------------
 *
 * sync.c
 *		  One sync round of a prefetched table: page through the vendor's
 *		  list from the copy's watermark to the end, upserting each page's
 *		  objects into the local copy, then apply the vendor's deletions.
 *
 * It reuses the scan's pager, HTTP layer and decoder.  The copy leaves out
 * the fields that only come on request (transcripts, CRM matches: tens of
 * kilobytes a call); scans that read them go to the API instead.  No transaction is
 * open while a request is in flight; each page's rows and the watermark
 * that covers them are committed in one transaction, so a crash at any
 * moment leaves a copy that is complete up to its watermark, and the next
 * round resumes there (an object seen twice is an update, never a
 * duplicate).
 *
 * src/sync.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "conv_fdw.h"

/* What a sync round keeps across its transactions. */
typedef struct SyncRound
{
	Oid			relid;
	const ConvTableDef *table;
	ConvServer *server;
	Oid			owner;			/* the foreign table's, who owns the copy */
	Oid			copy_relid;		/* the copy, of this prefetch() */
	char	   *copy_name;		/* qualified, quoted */
	TimestampTz started;
	bool		gone;			/* unprefetched since the round started */
	bool		backfilling;	/* the copy's first, full read */
	bool		deferred;		/* stopped to wait for the fastest window */
	char	   *key_column;		/* quoted */
	ConvScanStats stats;
	MemoryContext page_cxt;		/* one response body */
} SyncRound;

/* What a page of a list does to the copy. */
typedef enum SyncKind
{
	SYNC_UPSERT,				/* objects to insert or update */
	SYNC_DELETE					/* ids of deleted objects */
} SyncKind;

/*
 * Run fn(arg) in a transaction of its own, with a snapshot and SPI.
 */
static void
in_transaction(void (*fn) (SyncRound *, void *), SyncRound *round, void *arg)
{
	MemoryContext cxt = CurrentMemoryContext;

	/* a worker has no statements: now() would stay at its start */
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	SPI_connect();
	fn(round, arg);
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	/* committing leaves TopMemoryContext current */
	MemoryContextSwitchTo(cxt);
}

/*
 * The upsert of one object: INSERT ... ON CONFLICT (key) DO UPDATE, which
 * answers whether the row is new.
 */
static SPIPlanPtr
prepare_upsert(SyncRound *round, TupleDesc tupdesc, Oid *types)
{
	StringInfoData cols,
				params,
				sets;
	int			n = 0;
	SPIPlanPtr	plan;

	initStringInfo(&cols);
	initStringInfo(&params);
	initStringInfo(&sets);
	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		const char *col = quote_identifier(NameStr(att->attname));

		if (att->attisdropped)
			continue;
		types[n++] = att->atttypid;
		appendStringInfo(&cols, "%s%s", n > 1 ? ", " : "", col);
		appendStringInfo(&params, "%s$%d", n > 1 ? ", " : "", n);
		appendStringInfo(&sets, "%s%s = EXCLUDED.%s", n > 1 ? ", " : "", col, col);
	}
	plan = SPI_prepare(psprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (%s) "
								"DO UPDATE SET %s RETURNING (xmax = 0)",
								round->copy_name, cols.data, params.data,
								round->key_column, sets.data),
					   n, types);
	if (plan == NULL)
		elog(ERROR, "conv_fdw: could not prepare the upsert into %s", round->copy_name);
	return plan;
}

/* A response body and the pager it belongs to. */
typedef struct SyncPage
{
	StringInfo	body;
	const char *what;
	ConvPager  *pager;
	int64		rows_delta;		/* rows the copy gained (or lost) */
} SyncPage;

/*
 * Upsert the new objects of a page into the copy.
 */
static void
upsert_page(SyncRound *round, SyncPage *page)
{
	Relation	rel = table_open(round->relid, AccessShareLock);
	TupleDesc	tupdesc = RelationGetDescr(rel);
	ConvColumnMap *map = conv_column_map_create(rel, NULL, round->table);
	Oid		   *types = palloc(tupdesc->natts * sizeof(Oid));
	Datum	   *values = palloc(tupdesc->natts * sizeof(Datum));
	bool	   *nulls = palloc(tupdesc->natts * sizeof(bool));
	Datum	   *args = palloc(tupdesc->natts * sizeof(Datum));
	char	   *argnulls = palloc(tupdesc->natts);
	SPIPlanPtr	plan = prepare_upsert(round, tupdesc, types);
	ConvJsonIter *iter = conv_json_iter_init(page->body->data, page->body->len, page->what,
											 round->table->rows_field);
	struct json_object *obj;

	while ((obj = conv_json_iter_next(iter)) != NULL)
	{
		int			n = 0;
		bool		isnull;

		/*
		 * The pager moves the position over every object, but its answer
		 * (seen before in this round?) is not for us: an object modified
		 * while the round pages comes again later, and that later version is
		 * the one to keep.  Upserting a repeat is harmless.
		 */
		round->stats.rows_fetched++;
		(void) conv_pager_accept(page->pager, obj);
		conv_decode_object(map, obj, values, nulls);
		for (int i = 0; i < tupdesc->natts; i++)
		{
			if (TupleDescAttr(tupdesc, i)->attisdropped)
				continue;
			args[n] = values[i];
			argnulls[n++] = nulls[i] ? 'n' : ' ';
		}
		if (SPI_execute_plan(plan, args, argnulls, false, 0) != SPI_OK_INSERT_RETURNING)
			elog(ERROR, "conv_fdw: upsert into %s failed", round->copy_name);
		if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
			page->rows_delta++;
	}
	table_close(rel, AccessShareLock);
}

/*
 * Delete the objects a page of the vendor's deletions names.
 */
static void
delete_page(SyncRound *round, SyncPage *page)
{
	const ConvTableDef *deletions = conv_find_table_def(round->server->vendor,
														round->table->deletions_endpoint);
	ConvJsonIter *iter = conv_json_iter_init(page->body->data, page->body->len, page->what,
											 deletions->rows_field);
	Oid			argtype = TEXTOID;
	SPIPlanPtr	plan = SPI_prepare(psprintf("DELETE FROM %s WHERE %s = $1",
											round->copy_name, round->key_column),
								   1, &argtype);
	struct json_object *obj;

	while ((obj = conv_json_iter_next(iter)) != NULL)
	{
		const char *id = conv_json_scalar_text(conv_json_get_path(obj, deletions->id_field));
		Datum		arg;

		round->stats.rows_fetched++;
		(void) conv_pager_accept(page->pager, obj);
		if (id == NULL)
			continue;
		arg = CStringGetTextDatum(id);
		if (SPI_execute_plan(plan, &arg, NULL, false, 0) != SPI_OK_DELETE)
			elog(ERROR, "conv_fdw: delete from %s failed", round->copy_name);
		page->rows_delta -= SPI_processed;
	}
}

/* Which watermark columns a kind of page moves. */
static const char *const watermark_columns[][2] = {
	[SYNC_UPSERT] = {"watermark", "watermark_id"},
	[SYNC_DELETE] = {"deletions_watermark", "deletions_watermark_id"},
};

/* Arguments of apply_page. */
typedef struct ApplyArgs
{
	SyncKind	kind;
	SyncPage   *page;
} ApplyArgs;

/*
 * Is the table still prefetched as when the round started?  Locks its
 * catalog row, so that unprefetch() waits for the page being applied.
 * Without this, a page requested before an unprefetch() and prefetch()
 * again would move the new copy's watermark past rows it never got.
 */
static bool
still_prefetched(SyncRound *round)
{
	if (SPI_execute(psprintf("SELECT 1 FROM conv_fdw.prefetched WHERE relid = %u "
							 "AND copy_relid = %u FOR UPDATE",
							 round->relid, round->copy_relid), false, 0) != SPI_OK_SELECT)
		elog(ERROR, "conv_fdw: could not read conv_fdw.prefetched");
	round->gone = SPI_processed == 0;
	return !round->gone;
}

/*
 * Apply a page to the copy and move the watermark over it, in one
 * transaction.  The copy is written as its owner, in a security-restricted
 * operation, as REFRESH MATERIALIZED VIEW writes a view: the owner may
 * have put triggers, or columns of a domain with a CHECK, on it, and their
 * functions must not run as the worker's superuser.  The watermark, in the
 * extension's catalog, is moved as superuser.
 */
static void
apply_page(SyncRound *round, void *arg)
{
	ApplyArgs  *a = arg;
	TimestampTz t;
	const char *id;
	Oid			types[2] = {TIMESTAMPTZOID, TEXTOID};
	Datum		values[2];
	char		nulls[2] = {' ', ' '};
	Oid			saved_user;
	int			saved_sec;

	if (!still_prefetched(round))
		return;
	GetUserIdAndSecContext(&saved_user, &saved_sec);
	SetUserIdAndSecContext(round->owner, saved_sec | SECURITY_RESTRICTED_OPERATION);
	if (a->kind == SYNC_UPSERT)
		upsert_page(round, a->page);
	else
		delete_page(round, a->page);
	/* on error, aborting the transaction restores the user */
	SetUserIdAndSecContext(saved_user, saved_sec);
	if (!conv_pager_position(a->page->pager, &t, &id))
		return;
	values[0] = TimestampTzGetDatum(t);
	values[1] = id ? CStringGetTextDatum(id) : (Datum) 0;
	nulls[1] = id ? ' ' : 'n';
	if (SPI_execute_with_args(psprintf("UPDATE conv_fdw.prefetched SET %s = $1, %s = $2, "
									   "copy_rows = copy_rows + %lld, requests = requests + 1 "
									   "WHERE relid = %u",
									   watermark_columns[a->kind][0], watermark_columns[a->kind][1],
									   (long long) a->page->rows_delta, round->relid),
							  2, types, values, nulls, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "conv_fdw: could not move the watermark of %u", round->relid);
}

/*
 * Page through one list from a watermark to its end, committing each page.
 */
static void
sync_list(SyncRound *round, SyncKind kind, const ConvTableDef *table,
		  bool resume, TimestampTz watermark, const char *watermark_id)
{
	int			page_size = round->server->page_size > 0 ?
		Min(round->server->page_size, table->max_page_size) : table->default_page_size;
	ConvPager  *pager = conv_pager_create(table, "", DT_NOBEGIN, page_size);
	char	   *path;

	if (resume)
		conv_pager_resume(pager, watermark, watermark_id);
	else if (table->resume_start)
		conv_pager_resume(pager, DT_NOBEGIN, table->resume_start);
	while ((path = conv_pager_next_request(pager)) != NULL)
	{
		MemoryContext old;
		StringInfoData body;
		StringInfoData headers;
		SyncPage	page = {&body, NULL, pager, 0};
		ApplyArgs	args = {kind, &page};

		/* a backfill may wait for the cheap window, between pages */
		if (kind == SYNC_UPSERT && round->backfilling &&
			conv_backfill_in_fastest_window &&
			!conv_rate_in_fastest_window(round->server))
		{
			round->deferred = true;
			return;
		}

		MemoryContextReset(round->page_cxt);
		old = MemoryContextSwitchTo(round->page_cxt);
		page.what = psprintf("GET %s%s", round->server->api_prefix, path);
		initStringInfo(&body);
		initStringInfo(&headers);
		(void) conv_http_get(round->server, path, false, &body, &headers, &round->stats);
		MemoryContextSwitchTo(old);

		in_transaction(apply_page, round, &args);
		if (round->gone)
			return;
		/* lists paged by time: headers count the objects of one time */
		conv_pager_page_done(pager, headers.data, NULL, round->server);
	}
}

/* Arguments of start_round. */
typedef struct StartArgs
{
	bool		found;
	ConvPrefetch pf;
	MemoryContext cxt;
} StartArgs;

/*
 * Forget a prefetched foreign table that was dropped (unprefetch() can no
 * longer name it): its catalog row and its copy go.
 */
static void
forget_dropped(Oid relid, Oid copy_relid)
{
	char	   *copy = get_rel_name(copy_relid);

	if (SPI_exec(psprintf("DELETE FROM conv_fdw.prefetched WHERE relid = %u", relid), 0) != SPI_OK_DELETE)
		elog(ERROR, "conv_fdw: could not forget foreign table %u", relid);
	if (copy != NULL)
	{
		char	   *qname = quote_qualified_identifier("conv_fdw", copy);

		if (SPI_exec(psprintf("ALTER EXTENSION conv_fdw DROP TABLE %s", qname), 0) != SPI_OK_UTILITY ||
			SPI_exec(psprintf("DROP TABLE %s", qname), 0) != SPI_OK_UTILITY)
			elog(ERROR, "conv_fdw: could not drop %s", qname);
	}
	ereport(LOG,
			(errmsg("conv_fdw dropped the local copy of foreign table %u, which no longer exists",
					relid)));
}

/*
 * Read what the round needs from the catalogs into the round's context.
 */
static void
start_round(SyncRound *round, void *arg)
{
	StartArgs  *a = arg;
	MemoryContext old = MemoryContextSwitchTo(a->cxt);
	Oid			relid = round->relid;

	a->found = conv_prefetch_lookup(relid, &a->pf);
	if (a->found && get_rel_name(relid) == NULL)
	{
		forget_dropped(relid, a->pf.copy_relid);
		a->found = false;
	}
	if (a->found)
	{
		round->table = conv_table_def_for(relid, NULL);
		round->owner = conv_rel_owner(relid);
		round->copy_relid = a->pf.copy_relid;
		round->server = conv_get_server(GetForeignTable(relid)->serverid, round->owner);
		round->copy_name = quote_qualified_identifier("conv_fdw", get_rel_name(a->pf.copy_relid));
		round->key_column = pstrdup(quote_identifier(conv_column_reading(relid, round->table->id_field)));
	}
	MemoryContextSwitchTo(old);
}

/*
 * Record the round's end: when the next is due, and no error.  A
 * prefetch() during the round made a sync due at a time after the round
 * started: that one is kept, so that the changes it was called for are
 * synced.
 */
static void
finish_round(SyncRound *round, void *arg)
{
	Oid			types[1] = {TIMESTAMPTZOID};
	Datum		values[1] = {TimestampTzGetDatum(round->started)};

	if (SPI_execute_with_args(psprintf("UPDATE conv_fdw.prefetched SET last_sync = now(), "
									   "next_sync = CASE WHEN next_sync > $1 THEN next_sync "
									   "ELSE now() + sync_interval END, last_error = NULL "
									   "WHERE relid = %u AND copy_relid = %u",
									   round->relid, round->copy_relid),
							  1, types, values, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "conv_fdw: could not record the sync of %u", round->relid);
}

/*
 * A backfill waiting for the fastest window looks again in a minute.
 */
static void
defer_round(SyncRound *round, void *arg)
{
	if (SPI_execute(psprintf("UPDATE conv_fdw.prefetched SET next_sync = now() + interval '1 minute', "
							 "last_error = NULL WHERE relid = %u AND copy_relid = %u",
							 round->relid, round->copy_relid), false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "conv_fdw: could not defer the sync of %u", round->relid);
}

/*
 * One sync round of a prefetched table, in memory context cxt (which the
 * caller resets afterwards, also after an error).
 */
void
conv_sync_table(Oid relid, MemoryContext cxt)
{
	SyncRound	round = {relid};
	StartArgs	start = {false, {0}, cxt};
	const ConvTableDef *deletions;
	MemoryContext old = MemoryContextSwitchTo(cxt);

	round.page_cxt = AllocSetContextCreate(cxt, "conv_fdw sync page", ALLOCSET_DEFAULT_SIZES);
	round.started = GetCurrentTimestamp();
	in_transaction(start_round, &round, &start);
	if (!start.found)
	{
		MemoryContextSwitchTo(old);
		return;
	}
	round.backfilling = start.pf.backfilling;
	sync_list(&round, SYNC_UPSERT, round.table, !start.pf.empty,
			  start.pf.watermark, start.pf.watermark_id);
	if (round.deferred)
	{
		in_transaction(defer_round, &round, NULL);
		MemoryContextSwitchTo(old);
		return;
	}
	deletions = round.table->deletions_endpoint ?
		conv_find_table_def(round.server->vendor, round.table->deletions_endpoint) : NULL;
	if (deletions && !round.gone)
		sync_list(&round, SYNC_DELETE, deletions, start.pf.has_deletions_watermark,
				  start.pf.deletions_watermark, start.pf.deletions_watermark_id);
	if (!round.gone)
		in_transaction(finish_round, &round, NULL);
	MemoryContextSwitchTo(old);
}
