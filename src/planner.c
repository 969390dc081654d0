/*-------------------------------------------------------------------------
 *
 * planner.c
 *		  Planning scans of conv_fdw foreign tables: which quals become
 *		  request parameters, the request plan, paths and their costs.
 *
 * Every restriction is classified against the vendor's description of the
 * table (vendor.h): a lower bound on the paging time becomes "since", an
 * equality on the key becomes lookups, an equality on a searchable JSON
 * field becomes a search.  All quals are still checked locally: a pushed
 * qual only narrows what the API sends (the API's answer may be wider, as
 * with minute-precision since or case-insensitive search), so rechecking
 * keeps the result exact.
 *
 * src/planner.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "conv_fdw.h"

/*
 * The cost of one request in planner units, as postgres_fdw's startup
 * cost: a request outweighs local work on a row by far, yet a full scan
 * must not look expensive enough to trigger JIT compilation (whose
 * threshold is 100000) for a query that mostly waits on the network.
 */
#define CONV_REQUEST_COST 100.0
/* decoding a JSON object into a row, per row */
#define CONV_ROW_COST (cpu_tuple_cost * 10)
/* row estimates: nothing is known of the vendor's data before a scan */
#define CONV_PAGED_ROWS 100000.0
#define CONV_UNPAGED_ROWS 1000.0
#define CONV_SEARCH_ROWS 10.0

/* Planner-time knowledge of a foreign table, in baserel->fdw_private. */
typedef struct ConvRelInfo
{
	const ConvTableDef *table;
	char	   *endpoint;
	int			natts;
	char	  **paths;			/* JSON path per attnum (1-based), NULL if
								 * dropped */
	Bitmapset  *attrs_used;		/* columns the query needs */
} ConvRelInfo;

/* The quals of a scan that become request parameters. */
typedef struct ConvPushed
{
	List	   *since_exprs;	/* lower bounds of the paging time */
	Expr	   *key_expr;		/* lookup value, or array of values */
	bool		key_is_array;
	Expr	   *search_expr;	/* search value */
	char	   *search_field;	/* "metadata.company" */
	List	   *params;			/* Integer: pushables sent as parameters */
	List	   *param_exprs;	/* their values (arrays for repeat) */
} ConvPushed;

/*
 * Find the vendor table description of a foreign table from its server's
 * vendor and its "endpoint" option, raising a clear error if there is none.
 */
const ConvTableDef *
conv_table_def_for(Oid relid, const ConvVendorDef **vendor_out)
{
	ForeignTable *ft = GetForeignTable(relid);
	ForeignServer *fs = GetForeignServer(ft->serverid);
	const ConvVendorDef *vendor = NULL;
	const ConvTableDef *table;
	char	   *endpoint = conv_get_table_option(relid, "endpoint");
	ListCell   *lc;

	foreach(lc, fs->options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		if (strcmp(def->defname, "vendor") == 0)
			vendor = conv_find_vendor(defGetString(def));
	}
	if (vendor == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("server \"%s\" names no vendor conv_fdw knows", fs->servername),
				 errhint("Valid vendors are: %s.", conv_vendor_names())));
	if (endpoint == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("foreign table \"%s\" has no option \"endpoint\"",
						get_rel_name(relid)),
				 errhint("Create vendor tables with IMPORT FOREIGN SCHEMA %s, or add OPTIONS (endpoint '...').",
						 vendor->name)));
	table = conv_find_table_def(vendor, endpoint);
	if (table == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("foreign table \"%s\" has endpoint \"%s\", which vendor \"%s\" does not have",
						get_rel_name(relid), endpoint, vendor->name),
				 errhint("IMPORT FOREIGN SCHEMA %s creates a table for every endpoint.",
						 vendor->name)));
	if (vendor_out)
		*vendor_out = vendor;
	return table;
}

/*
 * The JSON path a column reads: its json_path option, or the camelCase of
 * its name.
 */
char *
conv_attr_json_path(Oid relid, AttrNumber attnum, const char *attname)
{
	char	   *path = conv_get_column_option(relid, attnum, "json_path");

	return path ? path : conv_default_json_path(attname);
}

/*
 * Build the ConvRelInfo of a foreign table: its description and the JSON
 * path of each column.
 */
static ConvRelInfo *
make_rel_info(RelOptInfo *baserel, Oid relid)
{
	ConvRelInfo *info = palloc0(sizeof(ConvRelInfo));
	Relation	rel = table_open(relid, NoLock);
	TupleDesc	tupdesc = RelationGetDescr(rel);
	ListCell   *lc;

	info->table = conv_table_def_for(relid, NULL);
	info->endpoint = conv_get_table_option(relid, "endpoint");
	info->natts = tupdesc->natts;
	info->paths = palloc0((tupdesc->natts + 1) * sizeof(char *));
	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);

		if (!att->attisdropped)
			info->paths[i + 1] = conv_attr_json_path(relid, att->attnum,
													 NameStr(att->attname));
	}
	table_close(rel, NoLock);

	/* the columns the query reads, in output or in local quals */
	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid,
				   &info->attrs_used);
	foreach(lc, baserel->baserestrictinfo)
		pull_varattnos((Node *) lfirst_node(RestrictInfo, lc)->clause,
					   baserel->relid, &info->attrs_used);
	return info;
}

/*
 * The JSON path of the vendor column a pushable names.
 */
static const char *
pushable_path(const ConvTableDef *table, const ConvPushable *p)
{
	for (int i = 0; i < table->ncolumns; i++)
	{
		const ConvColumnDef *col = &table->columns[i];

		if (strcmp(col->name, p->column) == 0)
			return conv_column_def_path(table, col);
	}
	elog(ERROR, "vendor table \"%s\" pushes down unknown column \"%s\"",
		 table->name, p->column);
	return NULL;				/* keep compiler quiet */
}

/*
 * Does the table push quals of this kind on the column reading path?
 * Columns are matched by the JSON field they read, not by their names, so
 * tables created by hand push down like imported ones.
 */
static bool
pushable_path_kind(const ConvTableDef *table, const char *path, ConvPushKind kind)
{
	for (int i = 0; i < table->npushables; i++)
	{
		const ConvPushable *p = &table->pushables[i];

		if (p->kind == kind && strcmp(pushable_path(table, p), path) == 0)
			return true;
	}
	return false;
}

/*
 * The attnum of a (possibly relabeled) user column of this rel, or 0.
 */
static AttrNumber
rel_column(Expr *expr, RelOptInfo *baserel)
{
	Var		   *var;

	if (IsA(expr, RelabelType))
		expr = ((RelabelType *) expr)->arg;
	if (!IsA(expr, Var))
		return 0;
	var = (Var *) expr;
	if (var->varno != (int) baserel->relid || var->varlevelsup != 0 || var->varattno <= 0)
		return 0;
	return var->varattno;
}

/*
 * Can expr be computed at scan start, before any row of this rel is read:
 * it uses no column of this rel, nothing volatile and no subplan.
 */
static bool
is_scan_param(PlannerInfo *root, Expr *expr, RelOptInfo *baserel)
{
	return !bms_is_member(baserel->relid, pull_varnos(root, (Node *) expr)) &&
		!contain_volatile_functions((Node *) expr) &&
		!contain_subplans((Node *) expr);
}

/*
 * The name of a built-in operator, or NULL: a user-defined operator named
 * "=" need not mean equality.
 */
static const char *
builtin_opname(Oid opno)
{
	if (!OidIsValid(opno) || opno >= FirstNormalObjectId)
		return NULL;
	return get_opname(opno);
}

/*
 * If expr is "jsonbcol->>'field'" on a column of this rel whose JSON path
 * is searchable, return "path.field"; else NULL.
 */
static char *
json_field_search(Expr *expr, RelOptInfo *baserel, ConvRelInfo *info)
{
	OpExpr	   *op;
	Const	   *key;
	AttrNumber	attno;
	char	   *field;

	if (!IsA(expr, OpExpr))
		return NULL;
	op = (OpExpr *) expr;
	if (get_opcode(op->opno) != F_JSONB_OBJECT_FIELD_TEXT ||
		list_length(op->args) != 2 || !IsA(lsecond(op->args), Const))
		return NULL;
	key = lsecond_node(Const, op->args);
	attno = rel_column(linitial(op->args), baserel);
	if (attno == 0 || key->constisnull ||
		!pushable_path_kind(info->table, info->paths[attno], CONV_PUSH_SEARCH))
		return NULL;
	/* the vendor searches named fields only */
	field = TextDatumGetCString(key->constvalue);
	if (field[0] == '\0')
		return NULL;
	return psprintf("%s.%s", info->paths[attno], field);
}

/*
 * If a text column of this rel reads "searchable.field", return that path.
 */
static char *
column_search(AttrNumber attno, Oid type, ConvRelInfo *info)
{
	char	   *path = info->paths[attno];
	char	   *dot = strchr(path, '.');
	char	   *prefix;

	if (type != TEXTOID || dot == NULL || strchr(dot + 1, '.') != NULL)
		return NULL;
	prefix = pnstrdup(path, dot - path);
	return pushable_path_kind(info->table, prefix, CONV_PUSH_SEARCH) ? path : NULL;
}

/*
 * A lower bound of a column as a value the scan can format as since: a
 * timestamptz, or a date when the column is a date.  A date compared with
 * a timestamptz column means midnight in the session's time zone, so it is
 * converted here, at scan start, just as the comparison converts it.
 */
static Expr *
since_value(Oid column_type, Expr *value)
{
	Oid			value_type = exprType((Node *) value);

	if (value_type == column_type &&
		(column_type == TIMESTAMPTZOID || column_type == DATEOID))
		return value;
	if (column_type == TIMESTAMPTZOID && value_type == DATEOID)
		return (Expr *) makeFuncExpr(F_TIMESTAMPTZ_DATE, TIMESTAMPTZOID,
									 list_make1(value), InvalidOid, InvalidOid,
									 COERCE_EXPLICIT_CAST);
	return NULL;
}

/*
 * A value as a CONV_PUSH_PARAM of this format can send it, or NULL: the
 * format decides which SQL types fit.
 */
static Expr *
param_value(ConvParamFormat format, Oid column_type, Expr *value)
{
	Oid			value_type = exprType((Node *) value);

	switch (format)
	{
		case CONV_FORMAT_TIME:
			return since_value(column_type, value);
		case CONV_FORMAT_INT:
			return value_type == INT8OID || value_type == INT4OID ||
				value_type == INT2OID ? value : NULL;
		case CONV_FORMAT_TEXT:
			return value_type == TEXTOID ? value : NULL;
	}
	return NULL;
}

/*
 * Is the request parameter param sent already, for another qual?
 */
static bool
param_taken(const ConvTableDef *table, ConvPushed *pushed, const char *param)
{
	ListCell   *lc;

	foreach(lc, pushed->params)
	{
		if (strcmp(table->pushables[lfirst_int(lc)].param, param) == 0)
			return true;
	}
	return false;
}

/*
 * Push "column op value" as a request parameter if the table has one for
 * it that is not taken yet.  array: value is an array for "= ANY".  A
 * parameter is sent once: "id > 5 AND id >= 9" would otherwise send
 * after=5&after=8, which an API may take either way or refuse; the second
 * qual is checked locally.
 */
static bool
push_param(ConvRelInfo *info, AttrNumber attno, Oid type, const char *opname,
		   Expr *value, bool array, ConvPushed *pushed)
{
	const ConvTableDef *table = info->table;

	for (int i = 0; i < table->npushables; i++)
	{
		const ConvPushable *p = &table->pushables[i];
		Expr	   *sent;

		if (p->kind != CONV_PUSH_PARAM || strcmp(p->op, opname) != 0 ||
			(array && !p->repeat) ||
			strcmp(pushable_path(table, p), info->paths[attno]) != 0 ||
			param_taken(table, pushed, p->param))
			continue;
		sent = array ? value : param_value(p->format, type, value);
		if (sent == NULL)
			continue;
		pushed->params = lappend_int(pushed->params, i);
		pushed->param_exprs = lappend(pushed->param_exprs, sent);
		return true;
	}
	return false;
}

/*
 * Classify "column op value" (column on the left) into pushed.
 */
static void
classify_comparison(Expr *column, const char *opname, Expr *value,
					RelOptInfo *baserel, ConvRelInfo *info, ConvPushed *pushed)
{
	AttrNumber	attno = rel_column(column, baserel);
	Oid			type = exprType((Node *) column);
	bool		is_eq = strcmp(opname, "=") == 0;
	bool		is_lower = strcmp(opname, ">=") == 0 || strcmp(opname, ">") == 0;
	char	   *search = NULL;
	Expr	   *since;

	if (attno == 0)
		search = json_field_search(column, baserel, info);
	else if (push_param(info, attno, type, opname, value, false, pushed))
		return;
	else if (is_lower &&
			 pushable_path_kind(info->table, info->paths[attno], CONV_PUSH_SINCE) &&
			 (since = since_value(type, value)) != NULL)
		pushed->since_exprs = lappend(pushed->since_exprs, since);
	else if (is_eq && pushed->key_expr == NULL &&
			 pushable_path_kind(info->table, info->paths[attno], CONV_PUSH_LOOKUP))
		pushed->key_expr = value;
	else if (is_eq)
		search = column_search(attno, type, info);

	if (search && is_eq && pushed->search_expr == NULL &&
		exprType((Node *) value) == TEXTOID)
	{
		pushed->search_expr = value;
		pushed->search_field = search;
	}
}

/*
 * Classify an OpExpr "a op b", with the column on either side.
 */
static void
classify_opexpr(PlannerInfo *root, OpExpr *op, RelOptInfo *baserel,
				ConvRelInfo *info, ConvPushed *pushed)
{
	Expr	   *left,
			   *right;
	Oid			opno = op->opno;
	const char *opname;

	if (list_length(op->args) != 2)
		return;
	left = linitial(op->args);
	right = lsecond(op->args);
	if (!is_scan_param(root, right, baserel))
	{
		/* "value op column": commute it */
		Expr	   *tmp = left;

		left = right;
		right = tmp;
		opno = get_commutator(opno);
	}
	if ((opname = builtin_opname(opno)) == NULL ||
		!is_scan_param(root, right, baserel))
		return;
	classify_comparison(left, opname, right, baserel, info, pushed);
}

/*
 * Classify "key = ANY(array)" (and so "key IN (...)") into pushed.
 */
static void
classify_array_op(PlannerInfo *root, ScalarArrayOpExpr *saop,
				  RelOptInfo *baserel, ConvRelInfo *info, ConvPushed *pushed)
{
	Expr	   *column = linitial(saop->args);
	Expr	   *array = lsecond(saop->args);
	const char *opname = builtin_opname(saop->opno);
	AttrNumber	attno = rel_column(column, baserel);

	if (!saop->useOr || opname == NULL || strcmp(opname, "=") != 0 ||
		attno == 0 || !is_scan_param(root, array, baserel))
		return;
	if (exprType((Node *) array) == TEXTARRAYOID &&
		push_param(info, attno, exprType((Node *) column), opname, array, true, pushed))
		return;
	if (pushed->key_expr != NULL ||
		!pushable_path_kind(info->table, info->paths[attno], CONV_PUSH_LOOKUP))
		return;
	pushed->key_expr = array;
	pushed->key_is_array = true;
}

/*
 * Sort a list of RestrictInfos into the request parameters they become.
 */
static void
classify_clauses(PlannerInfo *root, RelOptInfo *baserel, ConvRelInfo *info,
				 List *clauses, ConvPushed *pushed)
{
	ListCell   *lc;

	memset(pushed, 0, sizeof(ConvPushed));
	foreach(lc, clauses)
	{
		Expr	   *clause = lfirst_node(RestrictInfo, lc)->clause;

		if (IsA(clause, OpExpr))
			classify_opexpr(root, (OpExpr *) clause, baserel, info, pushed);
		else if (IsA(clause, ScalarArrayOpExpr))
			classify_array_op(root, (ScalarArrayOpExpr *) clause, baserel, info, pushed);
	}
}

/*
 * How many lookups a key expression asks for, as far as planning can tell.
 */
static double
estimate_keys(Expr *key_expr, bool is_array)
{
	if (is_array && IsA(key_expr, Const) && !((Const *) key_expr)->constisnull)
		return ArrayGetNItems(ARR_NDIM(DatumGetArrayTypeP(((Const *) key_expr)->constvalue)),
							  ARR_DIMS(DatumGetArrayTypeP(((Const *) key_expr)->constvalue)));
	if (is_array && IsA(key_expr, ArrayExpr))
		return list_length(((ArrayExpr *) key_expr)->elements);
	return is_array ? 10.0 : 1.0;
}

/*
 * GetForeignRelSize: describe the table and estimate the rows the scan
 * returns.
 */
void
convGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	ConvRelInfo *info;
	ConvPushed	pushed;

	/* UPDATE and DELETE are refused before anything else is planned */
	if (bms_is_member(baserel->relid, root->all_result_relids))
		conv_check_modify(foreigntableid, root->parse->commandType);
	info = make_rel_info(baserel, foreigntableid);
	baserel->fdw_private = info;
	classify_clauses(root, baserel, info, baserel->baserestrictinfo, &pushed);
	baserel->tuples = info->table->paging == CONV_PAGING_NONE ?
		CONV_UNPAGED_ROWS : CONV_PAGED_ROWS;
	if (pushed.key_expr)
		baserel->rows = estimate_keys(pushed.key_expr, pushed.key_is_array);
	else if (pushed.search_expr)
		baserel->rows = CONV_SEARCH_ROWS;
	else
		baserel->rows = baserel->tuples *
			clauselist_selectivity(root, baserel->baserestrictinfo, 0, JOIN_INNER, NULL);
	baserel->rows = clamp_row_est(baserel->rows);
}

/*
 * The page size a list scan asks for: the endpoint's default, lowered by
 * the server's page_size option and by large optional fields.
 */
static int
page_size_for(Oid serverid, const ConvTableDef *table, bool includes)
{
	char	   *opt = conv_get_server_option(serverid, "page_size");
	int			size = table->default_page_size;

	if (table->limit_param == NULL)
		return 0;
	if (opt != NULL)
		size = Min(atoi(opt), table->max_page_size);
	if (includes && table->include_page_size > 0)
		size = Min(size, table->include_page_size);
	return size;
}

/*
 * The attnums to decode: those the query reads, or all for whole rows.
 */
static List *
decoded_attrs(ConvRelInfo *info)
{
	List	   *attrs = NIL;
	bool		whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber,
										  info->attrs_used);

	for (int attno = 1; attno <= info->natts; attno++)
	{
		if (info->paths[attno] != NULL &&
			(whole_row || bms_is_member(attno - FirstLowInvalidHeapAttributeNumber,
										info->attrs_used)))
			attrs = lappend_int(attrs, attno);
	}
	return attrs;
}

/*
 * The request parameters that make optional fields appear, for the columns
 * the query reads.
 */
static List *
include_params(ConvRelInfo *info)
{
	List	   *params = NIL;
	ListCell   *lc;

	foreach(lc, decoded_attrs(info))
	{
		char	   *path = info->paths[lfirst_int(lc)];
		/* "transcript.0.word" needs what "transcript" needs */
		const ConvColumnDef *col = conv_find_column_def(info->table,
														pnstrdup(path, strcspn(path, ".")));

		if (col && col->include_param)
			params = list_append_unique(params, makeString(pstrdup(col->include_param)));
	}
	return params;
}

/*
 * How many requests a scan of this shape makes, as far as planning can tell.
 */
static double
estimate_requests(RelOptInfo *baserel, ConvRelInfo *info, ConvPushed *pushed)
{
	int			page = info->table->default_page_size;

	if (pushed->key_expr)
		return estimate_keys(pushed->key_expr, pushed->key_is_array);
	if (info->table->list_path == NULL)
		return disable_cost;	/* only lookups exist: insist on a key */
	if (pushed->search_expr)
		return 1 + CONV_SEARCH_ROWS;
	if (info->table->paging == CONV_PAGING_NONE || page <= 0)
		return 1;
	return 1 + ceil(baserel->rows / page);
}

/*
 * Add a path that does the requests pushed describes.
 */
static void
add_conv_path(PlannerInfo *root, RelOptInfo *baserel, ConvPushed *pushed,
			  double rows, Relids required_outer)
{
	ConvRelInfo *info = baserel->fdw_private;
	double		requests = estimate_requests(baserel, info, pushed);
	Cost		startup = CONV_REQUEST_COST;
	Cost		total = requests * CONV_REQUEST_COST + rows * CONV_ROW_COST;

	add_path(baserel, (Path *) create_foreignscan_path(root, baserel, NULL, rows,
													   startup, total, NIL,
													   required_outer, NULL, NIL));
}

/*
 * generate_implied_equalities_for_column callback: is this equivalence
 * class member the key column?
 */
static bool
ec_member_is_key(PlannerInfo *root, RelOptInfo *rel, EquivalenceClass *ec,
				 EquivalenceMember *em, void *arg)
{
	return rel_column(em->em_expr, rel) == *(AttrNumber *) arg;
}

/*
 * The attnum of the column lookups are made by, or 0 when the table has
 * no lookups.
 */
static AttrNumber
key_attno(ConvRelInfo *info)
{
	for (int attno = 1; attno <= info->natts; attno++)
	{
		if (info->paths[attno] &&
			pushable_path_kind(info->table, info->paths[attno], CONV_PUSH_LOOKUP))
			return attno;
	}
	return 0;
}

/*
 * Add a parameterized path per set of outer rels that can supply the key:
 * a nested loop then makes one lookup per outer row, which beats reading
 * the whole list when the outer side is small.
 */
static void
add_lookup_paths(PlannerInfo *root, RelOptInfo *baserel)
{
	AttrNumber	key = key_attno(baserel->fdw_private);
	List	   *clauses;
	List	   *done = NIL;
	ListCell   *lc;

	if (key == 0)
		return;
	clauses = generate_implied_equalities_for_column(root, baserel, ec_member_is_key,
													 &key, baserel->lateral_referencers);
	clauses = list_concat(clauses, list_copy(baserel->joininfo));
	foreach(lc, clauses)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);
		Relids		outer = bms_difference(rinfo->clause_relids, baserel->relids);
		ConvPushed	pushed;

		if (bms_is_empty(outer) || !join_clause_is_movable_to(rinfo, baserel) ||
			list_member(done, outer))
			continue;
		classify_clauses(root, baserel, baserel->fdw_private, list_make1(rinfo), &pushed);
		if (pushed.key_expr == NULL || pushed.key_is_array)
			continue;
		outer = bms_union(outer, baserel->lateral_relids);
		done = lappend(done, outer);
		(void) get_baserel_parampathinfo(root, baserel, outer);
		add_conv_path(root, baserel, &pushed, 1.0, outer);
	}
}

/*
 * GetForeignPaths: the unparameterized scan, and lookups driven by joins.
 */
void
convGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	ConvPushed	pushed;

	classify_clauses(root, baserel, baserel->fdw_private,
					 baserel->baserestrictinfo, &pushed);
	add_conv_path(root, baserel, &pushed, baserel->rows, NULL);
	add_lookup_paths(root, baserel);
}

/*
 * May the scan fetch only as many rows as the query's LIMIT?  Only when
 * the LIMIT applies to this scan's rows as they come: a single table, no
 * quals filtering rows locally, no ORDER BY needing all of them.
 */
static double
pushable_limit(PlannerInfo *root, RelOptInfo *baserel, ForeignPath *path)
{
	if (root->limit_tuples <= 0 || baserel->baserestrictinfo != NIL ||
		root->parse->sortClause != NIL || path->path.param_info != NULL ||
		bms_membership(root->all_baserels) != BMS_SINGLETON)
		return 0;
	return root->limit_tuples;
}

/*
 * Raise the error for a key-only table scanned without its key, or for a
 * table the vendor lets create objects but not read them.
 */
static void
report_key_required(Oid relid, ConvRelInfo *info)
{
	AttrNumber	key = key_attno(info);
	char	   *keyname = key ? get_attname(relid, key, false) : "its key";

	if (info->table->lookup_path == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("foreign table \"%s\" can only be written",
						get_rel_name(relid)),
				 errdetail("The vendor's API creates %s but has no way to read them.",
						   info->table->name),
				 errhint("INSERT INTO %s ... RETURNING * shows the %s it creates.",
						 get_rel_name(relid), info->table->name)));
	ereport(ERROR,
			(errcode(ERRCODE_FDW_ERROR),
			 errmsg("foreign table \"%s\" can only be read by its key",
					get_rel_name(relid)),
			 errdetail("The vendor's API looks %s up one by one and has no list of them.",
					   info->table->name),
			 errhint("Add WHERE %s = ... (or = ANY(...)) to the query, or join on %s.",
					 keyname, keyname)));
}

/*
 * GetForeignPlan: the request plan of the chosen path.
 */
ForeignScan *
convGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
				   ForeignPath *best_path, List *tlist, List *scan_clauses,
				   Plan *outer_plan)
{
	ConvRelInfo *info = baserel->fdw_private;
	ConvPushed	pushed;
	ConvRequestMode mode;
	List	   *includes;
	List	   *fdw_exprs;
	List	   *fdw_private;
	int			page_size;
	double		limit = pushable_limit(root, baserel, best_path);

	classify_clauses(root, baserel, info, scan_clauses, &pushed);
	mode = pushed.key_expr ? CONV_MODE_LOOKUP :
		pushed.search_expr ? CONV_MODE_SEARCH : CONV_MODE_LIST;
	if (mode != CONV_MODE_LOOKUP && info->table->list_path == NULL)
		report_key_required(foreigntableid, info);

	includes = mode == CONV_MODE_LOOKUP && !info->table->lookup_includes ?
		NIL : include_params(info);
	page_size = page_size_for(GetForeignTable(foreigntableid)->serverid,
							  info->table, includes != NIL);
	if (limit > 0 && limit < page_size)
		page_size = (int) limit;

	fdw_exprs = list_concat(list_copy(pushed.since_exprs), pushed.param_exprs);
	if (pushed.key_expr)
		fdw_exprs = lappend(fdw_exprs, pushed.key_expr);
	else if (pushed.search_expr)
		fdw_exprs = lappend(fdw_exprs, pushed.search_expr);

	/* in the order of enum ConvScanPrivateIndex */
	fdw_private = list_make5(makeString(info->endpoint), makeInteger(mode),
							 makeInteger(page_size), includes,
							 makeString(pushed.search_field ? pushed.search_field : ""));
	fdw_private = lappend(fdw_private, makeInteger(list_length(pushed.since_exprs)));
	fdw_private = lappend(fdw_private, makeBoolean(pushed.key_is_array));
	fdw_private = lappend(fdw_private, decoded_attrs(info));
	fdw_private = lappend(fdw_private, pushed.params);

	/* every qual is rechecked: the API's answer may be wider */
	return make_foreignscan(tlist, extract_actual_clauses(scan_clauses, false),
							baserel->relid, fdw_exprs, fdw_private,
							NIL, NIL, outer_plan);
}
