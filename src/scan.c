/*-------------------------------------------------------------------------
 *
 * scan.c
 *		  Executing a scan of a conv_fdw foreign table: evaluate the request
 *		  plan's parameters, make the requests, turn objects into rows, and
 *		  describe it all in EXPLAIN.
 *
 * The requests of a scan come from one of three sources: the pager (list
 * endpoints), a list of keys to look up one by one, or a search whose ids
 * become such a list.  Each response body lives in a memory context reset
 * for the next response, and each row's values in one reset for the next
 * row, so a scan's memory does not grow with the rows it returns.
 *
 * src/scan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "commands/explain.h"
#include "common/int.h"
#include "executor/executor.h"
#include "utils/formatting.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "utils/array.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "conv_fdw.h"

/* The execution state of a scan, in ForeignScanState.fdw_state. */
typedef struct ConvScanState
{
	/* from the plan */
	const ConvVendorDef *vendor;
	char	   *api_prefix;		/* the vendor's, for the server */
	const ConvTableDef *table;
	ConvRequestMode mode;
	int			page_size;
	char	   *fixed_query;	/* the include and pushed parameters, encoded */
	List	   *includes;		/* String: the include parameters */
	List	   *params;			/* Integer: pushables sent as parameters */
	List	   *param_states;	/* ExprStates of their values */
	char	   *search_field;
	bool		key_is_array;
	AttrNumber	key_attno;		/* the key column, for key_from_request */
	List	   *since_states;	/* ExprStates of the since bounds */
	ExprState  *value_state;	/* the key or search value */
	ConvColumnMap *map;
	List	   *attrs;			/* the columns the query reads */
	bool		decode_none;	/* the query reads no column */
	ConvServer *server;			/* NULL in EXPLAIN without ANALYZE */
	bool		uses_params;	/* a value comes from an outer row or a
								 * subquery: known only as the scan runs */
	Oid			relid;
	bool		copy_only;		/* table option: read a local copy alone */

	/* memory: per scan (reset by rescan), per response, per row */
	MemoryContext scan_cxt;
	MemoryContext page_cxt;
	MemoryContext row_cxt;

	/* the scan in progress */
	bool		started;
	bool		empty;			/* a parameter makes every qual false */
	ConvRequestMode active_mode;	/* a capped search becomes a list */
	TimestampTz since;			/* since of a list scan */
	char	   *search_request; /* the search still to make */
	ConvPager  *pager;
	List	   *keys;			/* values left to look up */
	char	   *current_key;
	ConvJsonIter *iter;
	StringInfoData headers;		/* of the response iter reads */
	char	   *first_request;	/* for EXPLAIN */

	/* a prefetched table: live changes since the watermark, then the copy */
	ConvPrefetch *prefetch;
	ConvPager  *deletions;		/* deletions since the copy's */
	ConvIdSet  *replaced;		/* ids the live changes replaced or deleted */
	ConvCopyScan *copy_scan;
	bool		copy_done;
	ConvScanStats stats;
} ConvScanState;

static List *value_texts(Datum value, Oid type, bool is_array);
static List *unique_texts(List *texts);
static int64 int64_value(ExprState *state, Datum value);

/*
 * Does expr use a value of an outer row (a nestloop parameter), which is
 * not known before the scan runs?
 */
static bool
uses_exec_param(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Param) && ((Param *) node)->paramkind == PARAM_EXEC)
		return true;
	return expression_tree_walker(node, uses_exec_param, context);
}

/*
 * The include parameters as an encoded query fragment.
 */
static char *
fixed_query_for(List *includes)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, includes)
		appendStringInfo(&buf, "%s%s=true", buf.len > 0 ? "&" : "", strVal(lfirst(lc)));
	return buf.data;
}

/*
 * Two encoded query fragments as one.
 */
static char *
join_query(const char *a, const char *b)
{
	return psprintf("%s%s%s", a, a[0] && b[0] ? "&" : "", b);
}

/*
 * The rows to decode, as pull_varattnos would give them.
 */
static Bitmapset *
attrs_bitmap(List *attrs)
{
	Bitmapset  *result = NULL;
	ListCell   *lc;

	foreach(lc, attrs)
		result = bms_add_member(result, lfirst_int(lc) - FirstLowInvalidHeapAttributeNumber);
	return result;
}

/*
 * The attnum of the column whose JSON path is the key's, or 0.
 */
static AttrNumber
find_key_attno(Relation rel, const ConvTableDef *table)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);

	if (!table->key_from_request)
		return 0;
	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);

		if (!att->attisdropped &&
			strcmp(NameStr(att->attname), table->key_column) == 0)
			return att->attnum;
	}
	return 0;
}

/*
 * A time bound's value as a timestamptz: a date column's dates are UTC
 * days, as the vendor means them.
 */
static TimestampTz
bound_time(ExprState *state, Datum value)
{
	int			overflow;

	if (exprType((Node *) state->expr) == DATEOID)
		return date2timestamp_opt_overflow(DatumGetDateADT(value), &overflow);
	return DatumGetTimestampTz(value);
}

/*
 * The greatest of the since bounds, or DT_NOBEGIN when there are none or
 * none is after the vendor's "everything" (a bound of 1900 or 44 BC asks
 * for everything, in a form the vendor takes); sets st->empty when one is
 * NULL or infinity (no row can match).
 */
static TimestampTz
eval_since(ConvScanState *st, ExprContext *econtext)
{
	TimestampTz since = DT_NOBEGIN;
	ListCell   *lc;

	foreach(lc, st->since_states)
	{
		ExprState  *state = lfirst(lc);
		bool		isnull;
		Datum		value = ExecEvalExpr(state, econtext, &isnull);
		TimestampTz t;

		if (isnull)
		{
			st->empty = true;
			continue;
		}
		t = bound_time(state, value);
		/* the vendor sends no time at or after infinity */
		if (TIMESTAMP_IS_NOEND(t))
			st->empty = true;
		since = Max(since, t);
	}
	if (since != DT_NOBEGIN && st->table->since_default != NULL &&
		since <= DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in,
														 CStringGetDatum(st->table->since_default),
														 ObjectIdGetDatum(InvalidOid),
														 Int32GetDatum(-1))))
		since = DT_NOBEGIN;
	return since;
}

/*
 * Can a key be looked up?  It becomes one segment of the request's path,
 * which an empty key, "." or ".." cannot be: URL resolution would turn
 * the request into one of another path ("call/.." is the API's root).  No
 * object has such a key, so it finds nothing, without a request.
 */
static bool
key_is_path_segment(const char *key)
{
	return key[0] != '\0' && strcmp(key, ".") != 0 && strcmp(key, "..") != 0;
}

/*
 * The key values to look up, as text, without duplicates or NULLs.
 */
static List *
eval_keys(ConvScanState *st, ExprContext *econtext)
{
	bool		isnull;
	Datum		value = ExecEvalExpr(st->value_state, econtext, &isnull);
	List	   *keys = NIL;
	ListCell   *lc;

	if (isnull)
		return NIL;
	foreach(lc, value_texts(value, exprType((Node *) st->value_state->expr),
							st->key_is_array))
	{
		if (key_is_path_segment(lfirst(lc)))
			keys = lappend(keys, lfirst(lc));
	}
	return unique_texts(keys);
}

/*
 * The text of a value of type type, or of each non-NULL element of an
 * array.
 */
static List *
value_texts(Datum value, Oid type, bool is_array)
{
	List	   *texts = NIL;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int16		elmlen;
	bool		elmbyval;
	char		elmalign;
	Oid			outfunc;
	bool		varlena;

	if (!is_array)
	{
		getTypeOutputInfo(type, &outfunc, &varlena);
		return list_make1(OidOutputFunctionCall(outfunc, value));
	}
	type = ARR_ELEMTYPE(DatumGetArrayTypeP(value));
	get_typlenbyvalalign(type, &elmlen, &elmbyval, &elmalign);
	deconstruct_array(DatumGetArrayTypeP(value), type, elmlen, elmbyval, elmalign,
					  &elems, &nulls, &n);
	getTypeOutputInfo(type, &outfunc, &varlena);
	for (int i = 0; i < n; i++)
	{
		if (!nulls[i])
			texts = lappend(texts, OidOutputFunctionCall(outfunc, elems[i]));
	}
	return texts;
}

/*
 * The distinct strings of a list, in their first order: an array's
 * duplicates go out once.
 */
static List *
unique_texts(List *texts)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, texts)
	{
		ListCell   *prev;
		bool		seen = false;

		foreach(prev, result)
			seen |= strcmp(lfirst(prev), lfirst(lc)) == 0;
		if (!seen)
			result = lappend(result, lfirst(lc));
	}
	return result;
}

/*
 * Can t be written as an ISO 8601 time, whose years have four digits?
 */
static bool
iso_8601_year(TimestampTz t)
{
	struct pg_tm tm;
	fsec_t		fsec;

	return timestamp2tm(t, NULL, &tm, &fsec, NULL, NULL) == 0 &&
		tm.tm_year >= 1 && tm.tm_year <= 9999;
}

/*
 * The text a pushed parameter sends for one value, or NULL when the value
 * puts no bound (an infinite time on the open side).  Times are rounded
 * outward to the vendor's milliseconds, so the answer is never narrower
 * than the qual; it is rechecked locally.  The pushable's adjust is added:
 * to an integer, or to a time in milliseconds.
 *
 * The vendors' integer parameters are ids and counts, which are never
 * negative (the APIs reject a negative value): a lower bound below 0 puts
 * no bound, an upper bound below 0 holds for no row.  Their times have
 * four-digit years (RFC 3339): a time outside the years 1 to 9999 is sent
 * as no bound, and the local check does the rest.
 */
static char *
param_text(const ConvPushable *p, ExprState *state, Datum value, bool *empty)
{
	bool		upper = p->op[0] == '<';
	TimestampTz t;

	if (p->format == CONV_FORMAT_INT)
	{
		int64		v = int64_value(state, value);
		int64		sent;
		bool		overflow = pg_add_s64_overflow(v, p->adjust, &sent);

		if (overflow || sent < 0)
		{
			/* below 0, or past either end of int64: as infinities */
			*empty |= upper == (overflow ? v < 0 : true);
			return NULL;
		}
		return psprintf(INT64_FORMAT, sent);
	}
	if (p->format == CONV_FORMAT_TEXT)
		return TextDatumGetCString(value);
	t = bound_time(state, value);
	if (TIMESTAMP_NOT_FINITE(t))
	{
		/* "< -infinity" and "> infinity" hold for no row */
		*empty |= upper == TIMESTAMP_IS_NOBEGIN(t);
		return NULL;
	}
	if (upper && t % 1000 != 0)
		t += 1000 - ((t % 1000) + 1000) % 1000;
	/* adjust counts milliseconds here: "<= t" as "before t + 1 ms" */
	t += (TimestampTz) p->adjust * 1000;
	if (!iso_8601_year(t))
		return NULL;
	return conv_format_time(t, CONV_TIME_MILLI);
}

/* An integer value of any width as int64. */
static int64
int64_value(ExprState *state, Datum value)
{
	switch (exprType((Node *) state->expr))
	{
		case INT2OID:
			return DatumGetInt16(value);
		case INT4OID:
			return DatumGetInt32(value);
		default:
			return DatumGetInt64(value);
	}
}

/*
 * The values of texts an object can have, as far as the pushable knows
 * (the vendor's ids have a length); NULL (no bound) stays.
 */
static List *
possible_values(const ConvPushable *p, List *texts)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, texts)
	{
		const char *text = lfirst(lc);
		int			len = text ? pg_mbstrlen(text) : 0;

		if (text == NULL || p->max_length == 0 ||
			(len >= p->min_length && len <= p->max_length))
			result = lappend(result, lfirst(lc));
	}
	return result;
}

/*
 * The pushed request parameters as an encoded query fragment, with what
 * they bring along; sets st->empty when a value rules out every row (NULL,
 * or an array of none).
 */
static char *
eval_params(ConvScanState *st, ExprContext *econtext)
{
	StringInfoData buf;
	List	   *with = NIL;
	ListCell   *lc_p,
			   *lc_s,
			   *lc;

	initStringInfo(&buf);
	forboth(lc_p, st->params, lc_s, st->param_states)
	{
		const ConvPushable *p = &st->table->pushables[lfirst_int(lc_p)];
		ExprState  *state = lfirst(lc_s);
		bool		isnull;
		Datum		value = ExecEvalExpr(state, econtext, &isnull);
		List	   *texts;

		if (isnull)
		{
			st->empty = true;
			continue;
		}
		texts = type_is_array(exprType((Node *) state->expr)) ?
			unique_texts(value_texts(value, exprType((Node *) state->expr), true)) :
			list_make1(param_text(p, state, value, &st->empty));
		texts = possible_values(p, texts);
		st->empty |= texts == NIL;
		foreach(lc, texts)
		{
			if (lfirst(lc) != NULL)
				appendStringInfo(&buf, "%s%s=%s", buf.len > 0 ? "&" : "",
								 conv_url_encode(p->param),
								 conv_url_encode(lfirst(lc)));
		}
		if (p->with && !list_member(with, makeString((char *) p->with)))
			with = lappend(with, makeString((char *) p->with));
	}
	foreach(lc, with)
		appendStringInfo(&buf, "%s%s", buf.len > 0 ? "&" : "", strVal(lfirst(lc)));
	return buf.data;
}

/*
 * The search value as the vendor matches it: lowercase.
 */
static char *
eval_search_value(ConvScanState *st, ExprContext *econtext)
{
	bool		isnull;
	Datum		value = ExecEvalExpr(st->value_state, econtext, &isnull);
	char	   *str;

	if (isnull)
		return NULL;
	str = TextDatumGetCString(value);
	return str_tolower(str, strlen(str), DEFAULT_COLLATION_OID);
}

/*
 * "GET /api/ev/2/<path>" for messages and EXPLAIN.
 */
static char *
describe_request(ConvScanState *st, const char *path)
{
	return psprintf("GET %s%s", st->api_prefix, path);
}

/*
 * The include parameters a lookup sends, as "?..." or "".
 */
static char *
lookup_query(ConvScanState *st)
{
	if (!st->table->lookup_includes || st->includes == NIL)
		return "";
	return psprintf("?%s", fixed_query_for(st->includes));
}

/*
 * The path of the lookup of one key.
 */
static char *
lookup_path(ConvScanState *st, const char *key)
{
	return psprintf("%s%s%s", st->table->lookup_path, conv_url_encode(key),
					lookup_query(st));
}

/*
 * The request of a scan whose values come from an outer row or a subquery,
 * with placeholders for them: each run of the scan asks its own.
 */
static char *
describe_parameterized(ConvScanState *st)
{
	const ConvTableDef *table = st->table;
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "GET %s", st->api_prefix);
	if (st->mode == CONV_MODE_LOOKUP)
		appendStringInfo(&buf, "%s{%s}%s per outer row",
						 table->lookup_path, table->key_column, lookup_query(st));
	else if (st->mode == CONV_MODE_SEARCH)
		appendStringInfo(&buf, "%s?%s={value}, then GET %s%s{id}%s per id found",
						 table->search_path, conv_url_encode(st->search_field),
						 st->api_prefix, table->lookup_path, lookup_query(st));
	else
	{
		ListCell   *lc;
		List	   *with = NIL;
		char		sep = '?';

		/* the since bounds and parameters of a list scan are expressions */
		appendStringInfoString(&buf, table->list_path);
		if (st->includes != NIL)
		{
			appendStringInfo(&buf, "%c%s", sep, fixed_query_for(st->includes));
			sep = '&';
		}
		foreach(lc, st->params)
		{
			const ConvPushable *p = &table->pushables[lfirst_int(lc)];

			appendStringInfo(&buf, "%c%s={%s}", sep, conv_url_encode(p->param), p->column);
			sep = '&';
		}
		/* what the parameters bring along, then what the pager adds */
		foreach(lc, st->params)
		{
			const ConvPushable *p = &table->pushables[lfirst_int(lc)];

			if (p->with && !list_member(with, makeString((char *) p->with)))
				with = lappend(with, makeString((char *) p->with));
		}
		foreach(lc, with)
			appendStringInfo(&buf, "&%s", strVal(lfirst(lc)));
		if (table->list_params)
		{
			appendStringInfo(&buf, "%c%s", sep, table->list_params);
			sep = '&';
		}
		if (table->paging == CONV_PAGING_PAGE_NUMBER)
		{
			appendStringInfo(&buf, "%c%s=1", sep, table->page_param);
			sep = '&';
		}
		if (table->since_param && list_length(st->since_states) > 0)
		{
			appendStringInfo(&buf, "%c%s={%s}", sep, table->since_param, table->since_param);
			sep = '&';
		}
		if (table->limit_param && st->page_size > 0)
			appendStringInfo(&buf, "%c%s=%d", sep, table->limit_param, st->page_size);
	}
	return buf.data;
}

/*
 * Start paging the list endpoint; returns its first request's path.
 */
static char *
start_list(ConvScanState *st)
{
	ConvPager  *probe;

	st->active_mode = CONV_MODE_LIST;
	st->pager = conv_pager_create(st->table, st->fixed_query, st->since, st->page_size);
	/* a throw-away pager tells the first request without using it up */
	probe = conv_pager_create(st->table, st->fixed_query, st->since, st->page_size);
	return conv_pager_next_request(probe);
}

/*
 * A pager of endpoint's list resuming after (t, id).
 */
static ConvPager *
resumed_pager(ConvScanState *st, const ConvTableDef *endpoint, const char *fixed_query,
			  TimestampTz t, const char *id)
{
	ConvPager  *pager = conv_pager_create(endpoint, fixed_query, DT_NOBEGIN,
										  endpoint->default_page_size);

	conv_pager_resume(pager, t, id);
	return pager;
}

/*
 * If the table is prefetched (and its copy has data), set the scan up to
 * read the live changes since the copy's watermark and then the copy.
 */
static bool
start_prefetched(ConvScanState *st)
{
	ConvPrefetch *pf = palloc(sizeof(ConvPrefetch));
	const ConvTableDef *deletions = st->table->deletions_endpoint ?
		conv_find_table_def(st->vendor, st->table->deletions_endpoint) : NULL;
	char	   *copy;

	/* the copy lacks the fields that come only on request */
	if (st->includes != NIL ||
		!conv_prefetch_lookup(st->relid, pf) || pf->empty)
		return false;
	st->prefetch = pf;
	st->replaced = conv_idset_create();
	st->active_mode = CONV_MODE_LIST;
	copy = quote_qualified_identifier("conv_fdw", get_rel_name(pf->copy_relid));
	if (st->copy_only)
	{
		st->first_request = psprintf("none: local copy %s only, complete up to %s",
									 copy, conv_format_time(pf->watermark, CONV_TIME_MICRO));
		return true;
	}
	/* the copy's rows are filtered locally: the changes are read unfiltered */
	st->pager = resumed_pager(st, st->table, "", pf->watermark, pf->watermark_id);
	if (deletions)
		st->deletions = resumed_pager(st, deletions, "",
									  pf->has_deletions_watermark ? pf->deletions_watermark : pf->watermark,
									  pf->has_deletions_watermark ? pf->deletions_watermark_id : NULL);
	st->first_request = psprintf("changes since local copy %s (complete up to %s): %s",
								 copy, conv_format_time(pf->watermark, CONV_TIME_MICRO),
								 describe_request(st, conv_pager_next_request(
																			 resumed_pager(st, st->table, "", pf->watermark, pf->watermark_id))));
	return true;
}

/*
 * Read the deletions since the copy's watermark, so that the copy's rows
 * of deleted objects are skipped.
 */
static void
collect_deletions(ConvScanState *st)
{
	const ConvTableDef *deletions = conv_find_table_def(st->vendor, st->table->deletions_endpoint);
	char	   *path;

	while ((path = conv_pager_next_request(st->deletions)) != NULL)
	{
		StringInfoData body;
		ConvJsonIter *iter;
		struct json_object *obj;

		initStringInfo(&body);
		(void) conv_http_get(st->server, path, false, &body, NULL, &st->stats);
		iter = conv_json_iter_init(body.data, body.len, describe_request(st, path),
								   deletions->rows_field);
		while ((obj = conv_json_iter_next(iter)) != NULL)
		{
			const char *id = conv_json_scalar_text(conv_json_get_path(obj, deletions->id_field));

			st->stats.rows_fetched++;
			if (conv_pager_accept(st->deletions, obj) && id)
				conv_idset_add(st->replaced, id);
		}
		conv_pager_page_done(st->deletions, NULL, conv_json_iter_envelope(iter),
							 st->server);
	}
	st->deletions = NULL;
}

/*
 * Start reading the local copy, after the live changes.
 */
static void
start_copy(ForeignScanState *node)
{
	ConvScanState *st = node->fdw_state;
	MemoryContext old = MemoryContextSwitchTo(st->scan_cxt);

	st->copy_scan = conv_copy_begin(st->prefetch->copy_relid,
									RelationGetDescr(node->ss.ss_currentRelation),
									conv_column_reading(st->relid, st->table->id_field),
									node->ss.ps.state->es_snapshot, st->attrs);
	MemoryContextSwitchTo(old);
}

/*
 * Evaluate the plan's parameters and set up the scan's first request.  No
 * request is made here, so EXPLAIN can show what the scan would ask.
 */
static void
start_scan(ForeignScanState *node)
{
	ConvScanState *st = node->fdw_state;
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	MemoryContext old = MemoryContextSwitchTo(st->scan_cxt);
	char	   *search;

	st->started = true;
	st->since = eval_since(st, econtext);
	st->fixed_query = join_query(fixed_query_for(st->includes), eval_params(st, econtext));
	st->active_mode = st->mode;
	if (st->empty)
		st->first_request = "none: the lower bound rules out every row";
	else if (st->mode == CONV_MODE_LOOKUP)
	{
		int			more;

		st->keys = eval_keys(st, econtext);
		st->empty |= st->keys == NIL;
		more = list_length(st->keys) - 1;
		st->first_request = st->keys == NIL ? "none: no key to look up" :
			psprintf("%s%s", describe_request(st, lookup_path(st, linitial(st->keys))),
					 more > 0 ?
					 psprintf(" and %d more lookup%s", more, more > 1 ? "s" : "") : "");
	}
	else if (st->mode == CONV_MODE_SEARCH)
	{
		search = eval_search_value(st, econtext);
		st->empty |= search == NULL;
		if (search)
			st->search_request = psprintf("%s?%s=%s", st->table->search_path,
										  conv_url_encode(st->search_field),
										  conv_url_encode(search));
		st->first_request = search == NULL ? "none: the value searched for is NULL" :
			psprintf("%s, then GET %s%s{id}%s per id found",
					 describe_request(st, st->search_request),
					 st->api_prefix, st->table->lookup_path, lookup_query(st));
	}
	else if (!start_prefetched(st))
		st->first_request = describe_request(st, start_list(st));
	MemoryContextSwitchTo(old);
}

/*
 * BeginForeignScan: set up the scan from its request plan.
 */
void
convBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	Relation	rel = node->ss.ss_currentRelation;
	ConvScanState *st = palloc0(sizeof(ConvScanState));
	List	   *priv = plan->fdw_private;
	int			nsince = intVal(list_nth(priv, CONV_PRIV_NSINCE));
	RangeTblEntry *rte;

	node->fdw_state = st;
	st->relid = RelationGetRelid(rel);
	st->copy_only = conv_get_table_option(st->relid, "copy_only") != NULL &&
		strcmp(conv_get_table_option(st->relid, "copy_only"), "true") == 0;
	st->table = conv_table_def_for(st->relid, &st->vendor);
	st->api_prefix = conv_api_prefix(plan->fs_server, st->vendor);
	st->mode = intVal(list_nth(priv, CONV_PRIV_MODE));
	st->page_size = intVal(list_nth(priv, CONV_PRIV_PAGE_SIZE));
	st->includes = list_nth(priv, CONV_PRIV_INCLUDES);
	st->fixed_query = fixed_query_for(st->includes);
	st->params = list_nth(priv, CONV_PRIV_PARAMS);
	st->search_field = strVal(list_nth(priv, CONV_PRIV_SEARCH_FIELD));
	st->key_is_array = boolVal(list_nth(priv, CONV_PRIV_KEY_IS_ARRAY));
	st->key_attno = find_key_attno(rel, st->table);
	st->since_states = ExecInitExprList(list_truncate(list_copy(plan->fdw_exprs), nsince),
										(PlanState *) node);
	st->param_states = ExecInitExprList(list_copy_tail(list_truncate(list_copy(plan->fdw_exprs),
																	 nsince + list_length(st->params)),
													   nsince),
										(PlanState *) node);
	if (list_length(plan->fdw_exprs) > nsince + list_length(st->params))
		st->value_state = ExecInitExpr(llast(plan->fdw_exprs), (PlanState *) node);
	/* no column read (count(*)): nothing to decode, and NULL would mean all */
	st->attrs = list_nth(priv, CONV_PRIV_ATTRS);
	st->decode_none = st->attrs == NIL;
	st->map = conv_column_map_create(rel, attrs_bitmap(list_nth(priv, CONV_PRIV_ATTRS)),
									 st->table);
	st->scan_cxt = AllocSetContextCreate(estate->es_query_cxt, "conv_fdw scan",
										 ALLOCSET_DEFAULT_SIZES);
	st->page_cxt = AllocSetContextCreate(estate->es_query_cxt, "conv_fdw response",
										 ALLOCSET_DEFAULT_SIZES);
	st->row_cxt = AllocSetContextCreate(estate->es_query_cxt, "conv_fdw row",
										ALLOCSET_SMALL_SIZES);

	st->uses_params = uses_exec_param((Node *) plan->fdw_exprs, NULL);

	/* EXPLAIN shows the request it would make, but makes none */
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	rte = exec_rt_fetch(plan->scan.scanrelid, estate);
	st->server = conv_get_server(plan->fs_server,
								 OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId());
}

/*
 * Make the search request: its ids become the keys to look up, unless it
 * returned as many as the vendor ever returns, in which case more may
 * match and the scan reads the list instead (the quals are rechecked
 * locally either way, so both give the exact answer).
 */
static void
run_search(ConvScanState *st)
{
	MemoryContext old = MemoryContextSwitchTo(st->scan_cxt);
	StringInfoData body;
	List	   *ids;

	initStringInfo(&body);
	(void) conv_http_get(st->server, st->search_request, false, &body, NULL, &st->stats);
	ids = conv_json_parse_strings(body.data, body.len,
								  describe_request(st, st->search_request));
	if (list_length(ids) >= st->table->search_cap)
	{
		char	   *list_request = start_list(st);

		ereport(DEBUG1,
				(errmsg_internal("conv_fdw: the search returned %d ids, the vendor's cap; reading the list instead",
								 list_length(ids))));
		/* EXPLAIN ANALYZE tells what the scan did instead */
		st->first_request = psprintf("%s (%d ids, the vendor's cap), then %s",
									 describe_request(st, st->search_request),
									 list_length(ids),
									 describe_request(st, list_request));
	}
	else
	{
		ListCell   *lc;

		st->active_mode = CONV_MODE_LOOKUP;
		st->keys = NIL;
		foreach(lc, ids)
		{
			if (key_is_path_segment(lfirst(lc)))
				st->keys = lappend(st->keys, lfirst(lc));
		}
	}
	st->search_request = NULL;
	pfree(body.data);
	MemoryContextSwitchTo(old);
}

/*
 * The path of the scan's next request, or NULL when there is none.
 */
static char *
next_request(ConvScanState *st)
{
	if (st->empty)
		return NULL;
	if (st->active_mode == CONV_MODE_SEARCH)
		run_search(st);
	if (st->deletions)
		collect_deletions(st);
	if (st->active_mode == CONV_MODE_LIST)
		return st->pager ? conv_pager_next_request(st->pager) : NULL;
	if (st->keys == NIL)
		return NULL;
	st->current_key = linitial(st->keys);
	st->keys = list_delete_first(st->keys);
	return lookup_path(st, st->current_key);
}

/*
 * Make requests until one returns a body (a lookup may find nothing), and
 * start iterating its objects.  False when the scan has no more requests.
 */
static bool
fetch_response(ConvScanState *st)
{
	for (;;)
	{
		char	   *path;
		MemoryContext old;
		StringInfoData body;
		bool		found;

		old = MemoryContextSwitchTo(st->scan_cxt);
		path = next_request(st);
		MemoryContextSwitchTo(old);
		if (path == NULL)
			return false;

		MemoryContextReset(st->page_cxt);
		old = MemoryContextSwitchTo(st->page_cxt);
		initStringInfo(&body);
		initStringInfo(&st->headers);
		found = conv_http_get(st->server, path, st->active_mode == CONV_MODE_LOOKUP,
							  &body, &st->headers, &st->stats);
		if (found)
			st->iter = conv_json_iter_init(body.data, body.len, describe_request(st, path),
										   st->active_mode == CONV_MODE_LOOKUP ?
										   st->table->lookup_field : st->table->rows_field);
		MemoryContextSwitchTo(old);
		if (found)
			return true;
	}
}

/*
 * Fill the key column from the value looked up, for endpoints whose
 * objects do not carry their key.
 */
static void
fill_key(ConvScanState *st, TupleTableSlot *slot)
{
	Form_pg_attribute att;
	Oid			infunc;
	Oid			ioparam;

	if (st->key_attno == 0 || st->current_key == NULL)
		return;
	att = TupleDescAttr(slot->tts_tupleDescriptor, st->key_attno - 1);
	getTypeInputInfo(att->atttypid, &infunc, &ioparam);
	slot->tts_values[st->key_attno - 1] =
		OidInputFunctionCall(infunc, st->current_key, ioparam, att->atttypmod);
	slot->tts_isnull[st->key_attno - 1] = false;
}

/*
 * The next row of the local copy, or an empty slot at its end.
 */
static TupleTableSlot *
read_copy(ConvScanState *st, TupleTableSlot *slot)
{
	if (conv_copy_next(st->copy_scan, slot, st->replaced))
		return slot;
	conv_copy_end(st->copy_scan);
	st->copy_scan = NULL;
	st->copy_done = true;
	return ExecClearTuple(slot);
}

/*
 * IterateForeignScan: the next row, fetching pages as they are needed.
 */
TupleTableSlot *
convIterateForeignScan(ForeignScanState *node)
{
	ConvScanState *st = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	ExecClearTuple(slot);
	if (!st->started)
		start_scan(node);
	MemoryContextReset(st->row_cxt);
	for (;;)
	{
		struct json_object *obj;
		MemoryContext old;

		if (st->copy_scan)
			return read_copy(st, slot);
		obj = st->iter ? conv_json_iter_next(st->iter) : NULL;
		if (obj == NULL)
		{
			if (st->iter && st->pager && st->active_mode == CONV_MODE_LIST)
				conv_pager_page_done(st->pager, st->headers.data,
									 conv_json_iter_envelope(st->iter), st->server);
			st->iter = NULL;
			if (fetch_response(st))
				continue;
			if (st->prefetch && !st->copy_done)
			{
				start_copy(node);
				continue;
			}
			return slot;
		}
		st->stats.rows_fetched++;
		if (st->active_mode == CONV_MODE_LIST && !conv_pager_accept(st->pager, obj))
			continue;
		if (st->prefetch)
			conv_idset_add(st->replaced,
						   conv_json_scalar_text(conv_json_get_path(obj, st->table->id_field)));
		old = MemoryContextSwitchTo(st->row_cxt);
		if (st->decode_none)
			memset(slot->tts_isnull, true, slot->tts_tupleDescriptor->natts * sizeof(bool));
		else
			conv_decode_object(st->map, obj, slot->tts_values, slot->tts_isnull);
		fill_key(st, slot);
		MemoryContextSwitchTo(old);
		return ExecStoreVirtualTuple(slot);
	}
}

/*
 * ReScanForeignScan: start over, with parameters evaluated anew.
 */
void
convReScanForeignScan(ForeignScanState *node)
{
	ConvScanState *st = node->fdw_state;

	if (st->copy_scan)
		conv_copy_end(st->copy_scan);
	st->copy_scan = NULL;
	st->copy_done = false;
	st->prefetch = NULL;
	st->deletions = NULL;
	st->started = false;
	st->empty = false;
	st->iter = NULL;
	st->pager = NULL;
	st->keys = NIL;
	st->current_key = NULL;
	st->search_request = NULL;
	st->first_request = NULL;
	MemoryContextReset(st->page_cxt);
	MemoryContextReset(st->scan_cxt);
}

/*
 * EndForeignScan: close the local copy if it is being read; the scan's
 * memory goes with the query's, and with it (through reset callbacks)
 * whatever json-c allocated.
 */
void
convEndForeignScan(ForeignScanState *node)
{
	ConvScanState *st = node->fdw_state;

	if (st->copy_scan)
		conv_copy_end(st->copy_scan);
}

/*
 * ExplainForeignScan: the request the scan makes (VERBOSE) and what it did
 * (ANALYZE).  Never shows credentials: they are not part of requests'
 * paths.
 */
void
convExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	ConvScanState *st = node->fdw_state;
	ConvScanStats *stats = &st->stats;

	if (es->verbose)
	{
		/* a scan that has not run (or not yet again) tells what it would ask */
		if (!st->uses_params && !st->started)
			start_scan(node);
		ExplainPropertyText("Remote request",
							st->uses_params ? describe_parameterized(st) :
							st->first_request,
							es);
	}
	if (!es->analyze)
		return;
	if (es->format == EXPLAIN_FORMAT_TEXT)
	{
		appendStringInfoSpaces(es->str, es->indent * 2);
		appendStringInfo(es->str, "Requests: " INT64_FORMAT "  Pages: " INT64_FORMAT
						 "  Rows fetched: " INT64_FORMAT "  Rate-limit wait: %.0f ms\n",
						 stats->requests, stats->pages, stats->rows_fetched,
						 stats->rate_wait_ms);
		return;
	}
	ExplainPropertyInteger("Requests", NULL, stats->requests, es);
	ExplainPropertyInteger("Pages", NULL, stats->pages, es);
	ExplainPropertyInteger("Rows Fetched", NULL, stats->rows_fetched, es);
	ExplainPropertyFloat("Rate-limit Wait", "ms", stats->rate_wait_ms, 0, es);
}
