/*-------------------------------------------------------------------------
 *
 * prefetch.c
 *		  Prefetched tables: conv_fdw.prefetch() and unprefetch(), and the
 *		  catalog of local copies (conv_fdw.prefetched) the background
 *		  worker keeps and scans read.
 *
 * A local copy is an ordinary heap table conv_fdw.copy_<oid> with the
 * foreign table's columns, a primary key on the object id and an index on
 * the paging time.  It is a member of the extension, so DROP EXTENSION
 * removes it; it belongs to the foreign table's owner, so the owner can
 * read it directly.
 *
 * src/prefetch.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_class.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "executor/spi.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "conv_fdw.h"

PG_FUNCTION_INFO_V1(conv_fdw_prefetch);
PG_FUNCTION_INFO_V1(conv_fdw_unprefetch);

/*
 * The owner of a relation.
 */
Oid
conv_rel_owner(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * The name of the column of relid that reads JSON field path, or NULL.
 */
char *
conv_column_reading(Oid relid, const char *path)
{
	Relation	rel = table_open(relid, AccessShareLock);
	TupleDesc	tupdesc = RelationGetDescr(rel);
	char	   *result = NULL;

	for (int i = 0; i < tupdesc->natts && result == NULL; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);

		if (!att->attisdropped &&
			strcmp(conv_attr_json_path(relid, att->attnum, NameStr(att->attname)), path) == 0)
			result = pstrdup(NameStr(att->attname));
	}
	table_close(rel, AccessShareLock);
	return result;
}

/*
 * Check that the caller may prefetch relid and that its endpoint can be
 * kept as a copy; returns the endpoint's description.
 */
static const ConvTableDef *
check_prefetchable(Oid relid)
{
	const ConvTableDef *table;

	if (get_rel_relkind(relid) != RELKIND_FOREIGN_TABLE ||
		strcmp(GetForeignDataWrapper(GetForeignServer(GetForeignTable(relid)->serverid)->fdwid)->fdwname,
			   "conv_fdw") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a conv_fdw foreign table", get_rel_name(relid))));
	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_FOREIGN_TABLE, get_rel_name(relid));
	table = conv_table_def_for(relid, NULL);
	if ((table->paging != CONV_PAGING_KEYSET && table->paging != CONV_PAGING_SINCE &&
		 table->resume_query == NULL) ||
		table->list_path == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("foreign table \"%s\" cannot be prefetched", get_rel_name(relid)),
				 errdetail("Its endpoint %s has no paging by time and id to keep a copy current with.",
						   table->endpoint),
				 table->paging == CONV_PAGING_NONE ?
				 errhint("Query it directly; it is read in one request anyway.") :
				 errhint("Query it directly, or keep a copy with a materialized view.")));
	if (table->no_copy_reason)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("foreign table \"%s\" cannot be prefetched", get_rel_name(relid)),
				 errdetail_internal("%s", table->no_copy_reason),
				 errhint("Query it directly, with a lower bound on its time column to read less.")));
	if (table->id_field == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("foreign table \"%s\" cannot be prefetched", get_rel_name(relid)),
				 errdetail("The objects of its endpoint %s have no id to keep a copy by.",
						   table->endpoint),
				 errhint("Query it directly, with a lower bound on its time column to read less.")));
	if (conv_column_reading(relid, table->id_field) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("foreign table \"%s\" cannot be prefetched without a column for \"%s\"",
						get_rel_name(relid), table->id_field),
				 errhint("The local copy is keyed by the object id; add the column.")));
	return table;
}

/*
 * Run a utility or DML statement through SPI, raising an error on failure.
 */
static void
spi_exec(const char *sql)
{
	if (SPI_exec(sql, 0) < 0)
		elog(ERROR, "conv_fdw: SPI_exec failed: %s", sql);
}

/*
 * Create the local copy of relid; returns its oid.
 */
static Oid
create_copy(Oid relid, const ConvTableDef *table)
{
	char	   *name = psprintf("copy_%u", relid);
	char	   *qname = quote_qualified_identifier("conv_fdw", name);
	char	   *cursor = conv_column_reading(relid, table->cursor_field);

	spi_exec(psprintf("CREATE TABLE %s (LIKE %s)", qname,
					  quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
												 get_rel_name(relid))));
	spi_exec(psprintf("ALTER TABLE %s ADD PRIMARY KEY (%s)", qname,
					  quote_identifier(conv_column_reading(relid, table->id_field))));
	if (cursor)
		spi_exec(psprintf("CREATE INDEX ON %s (%s)", qname, quote_identifier(cursor)));
	spi_exec(psprintf("ALTER TABLE %s OWNER TO %s", qname,
					  quote_identifier(GetUserNameFromId(conv_rel_owner(relid), false))));
	spi_exec(psprintf("ALTER EXTENSION conv_fdw ADD TABLE %s", qname));
	return get_relname_relid(name, get_namespace_oid("conv_fdw", false));
}

/*
 * Run fn(arg) as the bootstrap superuser: the catalog of prefetched
 * tables and the copies are the extension's, not the caller's.  The
 * caller's search_path must not choose the functions and operators of
 * the SQL run so (an "=" or now() of the caller's own would run as
 * superuser): it is pg_catalog alone meanwhile.  On error, the abort of
 * the (sub)transaction restores the search_path.
 */
static void
as_superuser(void (*fn) (void *), void *arg)
{
	Oid			saved_user;
	int			saved_sec;
	int			nestlevel;

	GetUserIdAndSecContext(&saved_user, &saved_sec);
	SetUserIdAndSecContext(BOOTSTRAP_SUPERUSERID, saved_sec | SECURITY_LOCAL_USERID_CHANGE);
	nestlevel = NewGUCNestLevel();
	PG_TRY();
	{
		(void) set_config_option("search_path", "pg_catalog, pg_temp",
								 PGC_SUSET, PGC_S_SESSION, GUC_ACTION_SAVE,
								 true, 0, false);
		fn(arg);
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(saved_user, saved_sec);
	}
	PG_END_TRY();
	AtEOXact_GUC(false, nestlevel);
}

typedef struct PrefetchArgs
{
	Oid			relid;
	const ConvTableDef *table;
	char	   *interval;
} PrefetchArgs;

/*
 * Register relid for prefetching, or change its interval.
 */
static void
register_prefetch(void *arg)
{
	PrefetchArgs *a = arg;

	SPI_connect();
	spi_exec(psprintf("SELECT 1 FROM conv_fdw.prefetched WHERE relid = %u", a->relid));
	if (SPI_processed > 0)
		spi_exec(psprintf("UPDATE conv_fdw.prefetched SET sync_interval = %s, next_sync = now() "
						  "WHERE relid = %u", quote_literal_cstr(a->interval), a->relid));
	else
		spi_exec(psprintf("INSERT INTO conv_fdw.prefetched (relid, copy_relid, sync_interval) "
						  "VALUES (%u, %u, %s)", a->relid, create_copy(a->relid, a->table),
						  quote_literal_cstr(a->interval)));
	SPI_finish();
}

/*
 * SQL function conv_fdw.prefetch(regclass, interval): keep a local copy of
 * the table, synced by the background worker every interval.
 */
Datum
conv_fdw_prefetch(PG_FUNCTION_ARGS)
{
	PrefetchArgs a;
	Interval   *interval = PG_GETARG_INTERVAL_P(1);

	a.relid = PG_GETARG_OID(0);
	a.table = check_prefetchable(a.relid);
	if (interval->time <= 0 && interval->day <= 0 && interval->month <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the sync interval must be positive")));
	a.interval = DatumGetCString(DirectFunctionCall1(interval_out, PointerGetDatum(interval)));
	as_superuser(register_prefetch, &a);
	conv_worker_wake();
	PG_RETURN_VOID();
}

/*
 * Forget relid's prefetching and drop its copy.
 */
static void
drop_prefetch(void *arg)
{
	Oid			relid = *(Oid *) arg;
	Oid			copy;
	bool		isnull;

	SPI_connect();
	spi_exec(psprintf("DELETE FROM conv_fdw.prefetched WHERE relid = %u RETURNING copy_relid", relid));
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("foreign table \"%s\" is not prefetched", get_rel_name(relid))));
	copy = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (get_rel_name(copy) != NULL)
	{
		char	   *qname = quote_qualified_identifier("conv_fdw", get_rel_name(copy));

		spi_exec(psprintf("ALTER EXTENSION conv_fdw DROP TABLE %s", qname));
		spi_exec(psprintf("DROP TABLE %s", qname));
	}
	SPI_finish();
}

/*
 * SQL function conv_fdw.unprefetch(regclass): stop keeping a local copy.
 */
Datum
conv_fdw_unprefetch(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);

	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_FOREIGN_TABLE, get_rel_name(relid));
	as_superuser(drop_prefetch, &relid);
	PG_RETURN_VOID();
}

/* Arguments and result of lookup_prefetch. */
typedef struct LookupArgs
{
	Oid			relid;
	ConvPrefetch *pf;
	MemoryContext caller;
	bool		found;
} LookupArgs;

/*
 * Read relid's row of the catalog of prefetched tables.  The read is
 * read-only SPI, so it sees the catalog with the active snapshot: in a
 * scan, the query's, with which it also reads the copy, so the watermark
 * and the copy's rows are always of the same sync commit.
 */
static void
lookup_prefetch(void *arg)
{
	LookupArgs *a = arg;
	ConvPrefetch *pf = a->pf;
	bool		isnull;

	SPI_connect();
	if (SPI_execute(psprintf("SELECT copy_relid, watermark, watermark_id, deletions_watermark, "
							 "deletions_watermark_id, last_sync IS NULL "
							 "FROM conv_fdw.prefetched WHERE relid = %u",
							 a->relid), true, 0) != SPI_OK_SELECT)
		elog(ERROR, "conv_fdw: could not read conv_fdw.prefetched");
	a->found = SPI_processed > 0;
	if (a->found)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *id;

		pf->copy_relid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
		pf->watermark = DatumGetTimestampTz(SPI_getbinval(tup, desc, 2, &pf->empty));
		id = SPI_getvalue(tup, desc, 3);
		pf->watermark_id = id ? MemoryContextStrdup(a->caller, id) : NULL;
		pf->deletions_watermark = DatumGetTimestampTz(SPI_getbinval(tup, desc, 4, &isnull));
		pf->has_deletions_watermark = !isnull;
		id = SPI_getvalue(tup, desc, 5);
		pf->deletions_watermark_id = id ? MemoryContextStrdup(a->caller, id) : NULL;
		pf->backfilling = DatumGetBool(SPI_getbinval(tup, desc, 6, &isnull));
	}
	SPI_finish();
}

/*
 * The local copy of relid and its watermark, if relid is prefetched (and
 * the extension's catalog exists); used by scans and the worker.  The
 * catalog is not readable by the users who scan foreign tables, so it is
 * read as superuser.
 */
bool
conv_prefetch_lookup(Oid relid, ConvPrefetch *pf)
{
	Oid			catalog = get_relname_relid("prefetched", get_namespace_oid("conv_fdw", true));
	LookupArgs	a = {relid, pf, CurrentMemoryContext, false};

	memset(pf, 0, sizeof(*pf));
	if (!OidIsValid(catalog))
		return false;
	as_superuser(lookup_prefetch, &a);
	return a.found;
}
