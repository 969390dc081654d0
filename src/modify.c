/*-------------------------------------------------------------------------
 *
 * modify.c
 *		  Writes to conv_fdw foreign tables: INSERT (and COPY FROM) creates
 *		  one vendor object per row; UPDATE and DELETE are refused.
 *
 * An endpoint whose descriptor has an insert_path takes INSERTs: each row
 * becomes a JSON body (columns at their JSON paths, NULLs left out) that
 * is POSTed there, and the object the vendor answers with becomes the row
 * RETURNING sees, with the values the vendor assigned.  The vendor acts
 * on each POST at once and has no transactions: a row it created stays
 * created whatever becomes of the statement, so an error says which row
 * failed and how many were created before it.  No vendor API updates or
 * deletes objects, so UPDATE and DELETE are refused while planning, with
 * an error that says so.
 *
 * src/modify.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_type.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "foreign/foreign.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/plannodes.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "conv_fdw.h"

/* How a column's value is written into a request body. */
typedef enum ConvJsonKind
{
	JSON_KIND_STRING,			/* its text output, as a JSON string */
	JSON_KIND_LITERAL,			/* its text output is JSON already: integers,
								 * json, jsonb */
	JSON_KIND_BOOL,				/* true or false */
	JSON_KIND_NUMBER,			/* its text output, refusing NaN and infinity */
	JSON_KIND_TIME				/* RFC 3339 in UTC */
} ConvJsonKind;

/* One column of the table, as request bodies carry it. */
typedef struct ConvBodyColumn
{
	AttrNumber	attnum;
	const char *attname;
	const char *path;			/* dot-separated JSON path */
	ConvJsonKind kind;
	FmgrInfo	output;			/* the type's output function */
	bool		required;		/* the vendor needs it to create an object */
} ConvBodyColumn;

/* A member of a request body being built: a value, or nested members. */
typedef struct ConvBodyField
{
	char	   *key;
	char	   *json;			/* the value's JSON text; NULL: an object */
	List	   *fields;			/* of ConvBodyField, in column order */
} ConvBodyField;

/* The execution state of an INSERT or COPY FROM, in ri_FdwState. */
typedef struct ConvModifyState
{
	const ConvVendorDef *vendor;
	const ConvTableDef *table;
	const char *relname;
	const char *command;		/* "INSERT" or "COPY", for messages */
	char	   *request;		/* "POST /v1/.../scorecards" */
	ConvServer *server;			/* NULL in EXPLAIN without ANALYZE */
	ConvBodyColumn *columns;
	int			ncolumns;
	ConvColumnMap *map;			/* decodes the created object; NULL when
								 * neither RETURNING nor a trigger needs it */
	MemoryContext row_cxt;		/* reset for each row */
	int64		row;			/* the row being inserted, from 1 */
	int64		created;		/* rows the vendor has created */
	ErrorContextCallback errcb;
	ConvScanStats stats;
} ConvModifyState;

/*
 * The vendor's table behind a foreign table, or NULL where the options
 * name none; unlike conv_table_def_for it raises no error, for callers
 * such as information_schema that ask about every table.
 */
static const ConvTableDef *
table_def_if_any(Relation rel)
{
	Oid			serverid = GetForeignTable(RelationGetRelid(rel))->serverid;
	char	   *vendor_name = conv_get_server_option(serverid, "vendor");
	char	   *endpoint = conv_get_table_option(RelationGetRelid(rel), "endpoint");
	const ConvVendorDef *vendor = vendor_name ? conv_find_vendor(vendor_name) : NULL;

	return vendor && endpoint ? conv_find_table_def(vendor, endpoint) : NULL;
}

/*
 * IsForeignRelUpdatable: INSERT where the vendor creates objects.  UPDATE
 * and DELETE are never possible; the planner refuses them with an error
 * that says why (conv_check_modify).
 */
int
convIsForeignRelUpdatable(Relation rel)
{
	const ConvTableDef *table = table_def_if_any(rel);

	return table && table->insert_path ? (1 << CMD_INSERT) : 0;
}

/*
 * Raise an error unless the vendor's API can do this operation on the
 * foreign table.  Called while planning, before any request.
 */
void
conv_check_modify(Oid relid, CmdType operation)
{
	const ConvVendorDef *vendor;
	const ConvTableDef *table = conv_table_def_for(relid, &vendor);
	const char *what;
	const char *verb;

	if (operation == CMD_INSERT && table->insert_path != NULL)
		return;
	switch (operation)
	{
		case CMD_INSERT:
			what = "insert into";
			verb = "INSERT";
			break;
		case CMD_UPDATE:
			what = "update";
			verb = "UPDATE";
			break;
		default:
			what = "delete from";
			verb = "DELETE";
			break;
	}
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("cannot %s foreign table \"%s\"", what, get_rel_name(relid)),
			 errdetail("%s is not supported by the vendor API (%s %s %s).",
					   verb, vendor->name, table->name,
					   table->insert_path ? "can only be created" : "are read-only"),
			 table->insert_path ?
			 errhint("INSERT creates new %s; change existing ones in %s itself.",
					 table->name, vendor->name) : 0));
}

/*
 * Refuse INSERT ... ON CONFLICT: the vendor cannot tell which objects
 * conflict.
 */
static void
check_no_on_conflict(ModifyTable *plan, Oid relid)
{
	if (plan->onConflictAction != ONCONFLICT_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("INSERT with ON CONFLICT is not supported on foreign table \"%s\"",
						get_rel_name(relid)),
				 errdetail("The vendor API has no notion of conflicting objects.")));
}

/*
 * PlanForeignModify: check that the vendor can do it; the plan carries
 * whether the created objects must be decoded (RETURNING, AFTER ROW
 * triggers).
 */
List *
convPlanForeignModify(PlannerInfo *root, ModifyTable *plan,
					  Index resultRelation, int subplan_index)
{
	RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
	Relation	rel;
	bool		decode;

	conv_check_modify(rte->relid, plan->operation);
	check_no_on_conflict(plan, rte->relid);
	rel = table_open(rte->relid, NoLock);
	decode = plan->returningLists != NIL ||
		(rel->trigdesc && rel->trigdesc->trig_insert_after_row);
	table_close(rel, NoLock);
	return list_make1(makeBoolean(decode));
}

/*
 * How a value of this type is written into a JSON body.
 */
static ConvJsonKind
json_kind_of(Oid type)
{
	switch (getBaseType(type))
	{
		case BOOLOID:
			return JSON_KIND_BOOL;
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case JSONOID:
		case JSONBOID:
			return JSON_KIND_LITERAL;
		case FLOAT4OID:
		case FLOAT8OID:
		case NUMERICOID:
			return JSON_KIND_NUMBER;
		case TIMESTAMPTZOID:
			return JSON_KIND_TIME;
		default:
			return JSON_KIND_STRING;
	}
}

/*
 * Raise an error if the table lacks a column for a field the vendor
 * requires: no INSERT could ever succeed.
 */
static void
check_required_columns(ConvModifyState *ms)
{
	for (int i = 0; i < ms->table->ncolumns; i++)
	{
		const ConvColumnDef *def = &ms->table->columns[i];
		const char *path = conv_column_def_path(ms->table, def);
		bool		found = false;

		for (int c = 0; c < ms->ncolumns && !found; c++)
			found = strcmp(ms->columns[c].path, path) == 0;
		if (def->insert_required && !found)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
					 errmsg("foreign table \"%s\" has no column for field \"%s\", which %s requires to create %s",
							ms->relname, path, ms->vendor->name, ms->table->name),
					 errhint("Add a column \"%s\", or recreate the table with IMPORT FOREIGN SCHEMA %s.",
							 def->name, ms->vendor->name)));
	}
}

/*
 * Describe each column of the table as request bodies carry it.
 */
static void
init_body_columns(ConvModifyState *ms, Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);

	ms->columns = palloc0(sizeof(ConvBodyColumn) * Max(desc->natts, 1));
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		ConvBodyColumn *col = &ms->columns[ms->ncolumns];
		const ConvColumnDef *def;
		Oid			outfunc;
		bool		varlena;

		if (att->attisdropped)
			continue;
		col->attnum = att->attnum;
		col->attname = pstrdup(NameStr(att->attname));
		col->path = conv_attr_json_path(RelationGetRelid(rel), att->attnum,
										col->attname);
		col->kind = json_kind_of(att->atttypid);
		getTypeOutputInfo(att->atttypid, &outfunc, &varlena);
		fmgr_info(outfunc, &col->output);
		def = conv_find_column_def(ms->table, col->path);
		col->required = def && def->insert_required;
		ms->ncolumns++;
	}
	check_required_columns(ms);
}

/*
 * Set up an INSERT or COPY FROM into the foreign table; decode: the
 * created objects become the rows RETURNING and triggers see.
 */
static void
begin_insert(ModifyTableState *mtstate, ResultRelInfo *rinfo, bool decode,
			 int eflags)
{
	EState	   *estate = mtstate->ps.state;
	Relation	rel = rinfo->ri_RelationDesc;
	Oid			serverid = GetForeignTable(RelationGetRelid(rel))->serverid;
	ConvModifyState *ms = palloc0(sizeof(ConvModifyState));
	RangeTblEntry *rte;

	rinfo->ri_FdwState = ms;
	ms->table = conv_table_def_for(RelationGetRelid(rel), &ms->vendor);
	ms->relname = pstrdup(RelationGetRelationName(rel));
	/* COPY FROM runs without a plan */
	ms->command = mtstate->ps.plan ? "INSERT" : "COPY";
	ms->request = psprintf("POST %s%s", conv_api_prefix(serverid, ms->vendor),
						   ms->table->insert_path);
	init_body_columns(ms, rel);
	if (decode)
		ms->map = conv_column_map_create(rel, NULL, ms->table);
	ms->row_cxt = AllocSetContextCreate(estate->es_query_cxt, "conv_fdw insert row",
										ALLOCSET_DEFAULT_SIZES);

	/* EXPLAIN shows the request it would make, but makes none */
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	rte = rinfo->ri_RangeTableIndex > 0 ?
		exec_rt_fetch(rinfo->ri_RangeTableIndex, estate) : NULL;
	ms->server = conv_get_server(serverid,
								 rte && OidIsValid(rte->checkAsUser) ?
								 rte->checkAsUser : GetUserId());
}

/*
 * BeginForeignModify: set up an INSERT (the only operation planning lets
 * through).
 */
void
convBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
					   List *fdw_private, int subplan_index, int eflags)
{
	begin_insert(mtstate, rinfo, boolVal(linitial(fdw_private)), eflags);
}

/*
 * BeginForeignInsert: set up COPY FROM into the table, or INSERT routed to
 * it as a partition; neither was planned for it, so check it here.
 */
void
convBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	Relation	rel = rinfo->ri_RelationDesc;
	ModifyTable *plan = (ModifyTable *) mtstate->ps.plan;

	conv_check_modify(RelationGetRelid(rel), CMD_INSERT);
	if (plan)
		check_no_on_conflict(plan, RelationGetRelid(rel));
	begin_insert(mtstate, rinfo,
				 rinfo->ri_returningList != NIL ||
				 (rel->trigdesc && rel->trigdesc->trig_insert_after_row), 0);
}

/*
 * Error context of a row being inserted: which row, and that the rows
 * before it exist at the vendor whatever happens to the transaction.
 */
static void
insert_error_callback(void *arg)
{
	ConvModifyState *ms = arg;

	if (ms->created == 0)
		errcontext("row " INT64_FORMAT " of %s into %s",
				   ms->row, ms->command, ms->relname);
	else if (ms->created == 1)
		errcontext("row " INT64_FORMAT " of %s into %s; row 1 was already created at the vendor and a rollback does not remove it",
				   ms->row, ms->command, ms->relname);
	else
		errcontext("row " INT64_FORMAT " of %s into %s; rows 1-" INT64_FORMAT " were already created at the vendor and a rollback does not remove them",
				   ms->row, ms->command, ms->relname, ms->created);
}

/*
 * The JSON text of a column's (non-null) value.
 */
static char *
value_json(ConvModifyState *ms, ConvBodyColumn *col, Datum value)
{
	StringInfoData buf;
	char	   *text;

	if (col->kind == JSON_KIND_BOOL)
		return DatumGetBool(value) ? "true" : "false";
	if (col->kind == JSON_KIND_TIME)
	{
		TimestampTz t = DatumGetTimestampTz(value);

		if (TIMESTAMP_NOT_FINITE(t))
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("cannot send an infinite time in column \"%s\" of foreign table \"%s\"",
							col->attname, ms->relname),
					 errdetail("The vendor takes RFC 3339 times, which cannot be infinite.")));
		text = conv_format_time(t, CONV_TIME_MILLI);
	}
	else
		text = OutputFunctionCall(&col->output, value);

	if (col->kind == JSON_KIND_LITERAL)
		return text;
	if (col->kind == JSON_KIND_NUMBER && !isdigit((unsigned char) text[text[0] == '-']))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("cannot send %s in column \"%s\" of foreign table \"%s\"",
						text, col->attname, ms->relname),
				 errdetail("JSON numbers cannot be NaN or infinite.")));
	if (col->kind == JSON_KIND_NUMBER)
		return text;
	initStringInfo(&buf);
	escape_json(&buf, text);
	return buf.data;
}

/*
 * Put a value into a body at a dot-separated path, making the objects on
 * the way.  False if another value of the body is there already, or on
 * the way (a column reading "creator" and one reading "creator.name").
 */
static bool
body_set(ConvBodyField *body, const char *path, char *json)
{
	for (;;)
	{
		const char *dot = strchr(path, '.');
		char	   *key = dot ? pnstrdup(path, dot - path) : pstrdup(path);
		ConvBodyField *field = NULL;
		ListCell   *lc;

		foreach(lc, body->fields)
		{
			if (strcmp(((ConvBodyField *) lfirst(lc))->key, key) == 0)
				field = lfirst(lc);
		}
		if (field == NULL)
		{
			field = palloc0(sizeof(ConvBodyField));
			field->key = key;
			body->fields = lappend(body->fields, field);
		}
		else if (dot == NULL || field->json != NULL)
			return false;
		if (dot == NULL)
		{
			field->json = json;
			return true;
		}
		body = field;
		path = dot + 1;
	}
}

/*
 * Append a body object's JSON text.
 */
static void
body_append(StringInfo buf, ConvBodyField *body)
{
	ListCell   *lc;

	appendStringInfoChar(buf, '{');
	foreach(lc, body->fields)
	{
		ConvBodyField *field = lfirst(lc);

		if (foreach_current_index(lc) > 0)
			appendStringInfoChar(buf, ',');
		escape_json(buf, field->key);
		appendStringInfoChar(buf, ':');
		if (field->json)
			appendStringInfoString(buf, field->json);
		else
			body_append(buf, field);
	}
	appendStringInfoChar(buf, '}');
}

/*
 * The request body of a row, in UTF-8: its non-null columns at their JSON
 * paths.  A required column that is NULL is an error: the vendor would
 * refuse the row, after creating the rows before it.
 */
static char *
row_body(ConvModifyState *ms, TupleTableSlot *slot)
{
	ConvBodyField body = {0};
	StringInfoData buf;

	slot_getallattrs(slot);
	for (int i = 0; i < ms->ncolumns; i++)
	{
		ConvBodyColumn *col = &ms->columns[i];

		if (!slot->tts_isnull[col->attnum - 1])
		{
			if (!body_set(&body, col->path,
						  value_json(ms, col, slot->tts_values[col->attnum - 1])))
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("column \"%s\" of foreign table \"%s\" writes field \"%s\", which another column of the row writes too",
								col->attname, ms->relname, col->path),
						 errhint("Leave all but one of them NULL, or give them other json_path options.")));
		}
		else if (col->required)
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("null value in column \"%s\" of foreign table \"%s\" in row " INT64_FORMAT " of the %s",
							col->attname, ms->relname, ms->row, ms->command),
					 errdetail("%s requires field \"%s\" to create %s; the row was not sent.",
							   ms->vendor->name, col->path, ms->table->name),
					 errhint("Give column \"%s\" a value in every row.", col->attname)));
	}
	initStringInfo(&buf);
	body_append(&buf, &body);
	return pg_server_to_any(buf.data, buf.len, PG_UTF8);
}

/*
 * Decode the object the vendor created, from the POST's response, into
 * the slot.
 */
static void
store_created(ConvModifyState *ms, StringInfo response, TupleTableSlot *slot)
{
	ConvJsonIter *iter = conv_json_iter_init(response->data, response->len,
											 ms->request, ms->table->insert_field);
	struct json_object *obj = conv_json_iter_next(iter);

	if (obj == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("unexpected response to %s", ms->request),
				 ms->table->insert_field ?
				 errdetail("The response has no field \"%s\" with the object created.",
						   ms->table->insert_field) :
				 errdetail("The response holds no object."),
				 errhint("The vendor's response format may have changed.")));
	ExecClearTuple(slot);
	conv_decode_object(ms->map, obj, slot->tts_values, slot->tts_isnull);
	ExecStoreVirtualTuple(slot);
	/* the values live in row_cxt, which the next row resets */
	ExecMaterializeSlot(slot);
}

/*
 * ExecForeignInsert: create the row's object at the vendor; the slot
 * becomes the object created, when that is needed.
 */
TupleTableSlot *
convExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
					  TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	ConvModifyState *ms = rinfo->ri_FdwState;
	MemoryContext old;
	StringInfoData response;

	ms->row++;
	ms->errcb.callback = insert_error_callback;
	ms->errcb.arg = ms;
	ms->errcb.previous = error_context_stack;
	error_context_stack = &ms->errcb;

	MemoryContextReset(ms->row_cxt);
	old = MemoryContextSwitchTo(ms->row_cxt);
	initStringInfo(&response);
	conv_http_post(ms->server, ms->table->insert_path, row_body(ms, slot),
				   &response, &ms->stats);
	ms->created++;
	if (ms->map)
		store_created(ms, &response, slot);
	MemoryContextSwitchTo(old);

	error_context_stack = ms->errcb.previous;
	return slot;
}

/*
 * ExplainForeignModify: the request each row makes (VERBOSE) and what the
 * statement did (ANALYZE).
 */
void
convExplainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
						 List *fdw_private, int subplan_index,
						 ExplainState *es)
{
	ConvModifyState *ms = rinfo->ri_FdwState;

	if (es->verbose)
		ExplainPropertyText("Remote request",
							psprintf("%s per row", ms->request), es);
	if (!es->analyze)
		return;
	if (es->format == EXPLAIN_FORMAT_TEXT)
	{
		appendStringInfoSpaces(es->str, es->indent * 2);
		appendStringInfo(es->str, "Requests: " INT64_FORMAT "  Rows created: " INT64_FORMAT
						 "  Rate-limit wait: %.0f ms\n",
						 ms->stats.requests, ms->created, ms->stats.rate_wait_ms);
		return;
	}
	ExplainPropertyInteger("Requests", NULL, ms->stats.requests, es);
	ExplainPropertyInteger("Rows Created", NULL, ms->created, es);
	ExplainPropertyFloat("Rate-limit Wait", "ms", ms->stats.rate_wait_ms, 0, es);
}
