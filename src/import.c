/*-------------------------------------------------------------------------
 *
 * import.c
 *		  IMPORT FOREIGN SCHEMA for conv_fdw.
 *
 * A vendor's API has one "remote schema", named after the vendor, whose
 * tables are the endpoints its descriptor lists (vendor.h).  Nothing is
 * asked of the vendor: the descriptors say which tables exist and what
 * their columns are, so importing works without credentials or network.
 *
 * A vendor may describe views over its tables too (CCAI's call segments).
 * IMPORT FOREIGN SCHEMA runs only the CREATE FOREIGN TABLE commands the
 * callback returns, so the views' commands wait here until the extension's
 * event trigger, at the end of the IMPORT command, runs them.
 *
 * src/import.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/defrem.h"
#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "conv_fdw.h"

static const ConvVendorDef *server_vendor(ForeignServer *server);
static void check_limit_to(ImportForeignSchemaStmt *stmt,
						   const ConvVendorDef *vendor);
static bool vendor_has_table(const ConvVendorDef *vendor, const char *name);
static char *table_names(const ConvVendorDef *vendor);
static bool is_listed(ImportForeignSchemaStmt *stmt, const char *name);
static bool wanted(ImportForeignSchemaStmt *stmt, const char *name);
static char *create_table_command(ImportForeignSchemaStmt *stmt,
								  ForeignServer *server,
								  const ConvTableDef *table);
static void remember_views(ImportForeignSchemaStmt *stmt,
						   const ConvTableDef *table);

/*
 * CREATE VIEW commands of the IMPORT in progress, and the server it
 * imports from, in TopMemoryContext.  An IMPORT that fails after the
 * callback leaves them behind: the next IMPORT from a conv_fdw server
 * replaces them, and the event trigger drops them at another FDW's.
 */
static List *pending_views = NIL;
static char *pending_server = NULL;

PG_FUNCTION_INFO_V1(conv_fdw_create_import_views);

/*
 * The ImportForeignSchema callback: a CREATE FOREIGN TABLE command for
 * each table of the server's vendor that the statement asks for.
 */
List *
conv_import_foreign_schema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	const ConvVendorDef *vendor = server_vendor(server);
	List	   *commands = NIL;
	int			i;

	if (stmt->options != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("invalid option \"%s\"",
						linitial_node(DefElem, stmt->options)->defname),
				 errhint("IMPORT FOREIGN SCHEMA of conv_fdw takes no options.")));

	if (strcmp(stmt->remote_schema, vendor->name) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
				 errmsg("conv_fdw has no remote schema \"%s\" for server \"%s\"",
						stmt->remote_schema, server->servername),
				 errhint("Use IMPORT FOREIGN SCHEMA %s: the remote schema is the vendor's name.",
						 quote_identifier(vendor->name))));

	check_limit_to(stmt, vendor);

	/* a failed IMPORT left its views behind: they are not this one's */
	list_free_deep(pending_views);
	pending_views = NIL;
	if (pending_server)
		pfree(pending_server);
	pending_server = MemoryContextStrdup(TopMemoryContext, stmt->server_name);
	for (i = 0; i < vendor->ntables; i++)
	{
		const ConvTableDef *table = &vendor->tables[i];

		if (!wanted(stmt, table->name))
			continue;
		commands = lappend(commands, create_table_command(stmt, server, table));
		remember_views(stmt, table);
	}
	return commands;
}

/*
 * Keep the CREATE VIEW commands of a table's views for the event trigger.
 */
static void
remember_views(ImportForeignSchemaStmt *stmt, const ConvTableDef *table)
{
	char	   *qualified = quote_qualified_identifier(stmt->local_schema, table->name);

	for (int i = 0; i < table->nviews; i++)
	{
		const ConvViewDef *view = &table->views[i];
		char	   *command = psprintf("CREATE VIEW %s AS\n%s",
									   quote_qualified_identifier(stmt->local_schema,
																  view->name),
									   psprintf(view->sql, qualified));

		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		pending_views = lappend(pending_views, pstrdup(command));
		MemoryContextSwitchTo(old);
	}
}

/*
 * The event trigger function at the end of IMPORT FOREIGN SCHEMA: create
 * the views of the tables just imported.  The trigger fires at the end of
 * every IMPORT; the views wait only for that of the server they were
 * remembered for (whose callback has just remembered them), not for
 * another FDW's that follows a failed IMPORT.
 */
Datum
conv_fdw_create_import_views(PG_FUNCTION_ARGS)
{
	List	   *commands = pending_views;
	char	   *server = pending_server;
	Node	   *parsetree;
	ListCell   *lc;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("conv_fdw.create_import_views() may only be called as an event trigger")));
	pending_views = NIL;
	pending_server = NULL;
	parsetree = ((EventTriggerData *) fcinfo->context)->parsetree;
	if (commands == NIL || server == NULL || !IsA(parsetree, ImportForeignSchemaStmt) ||
		strcmp(((ImportForeignSchemaStmt *) parsetree)->server_name, server) != 0)
	{
		list_free_deep(commands);
		if (server)
			pfree(server);
		PG_RETURN_NULL();
	}
	pfree(server);
	SPI_connect();
	foreach(lc, commands)
	{
		if (SPI_execute(lfirst(lc), false, 0) != SPI_OK_UTILITY)
			elog(ERROR, "conv_fdw: could not create a view: %s", (char *) lfirst(lc));
	}
	SPI_finish();
	list_free_deep(commands);
	PG_RETURN_NULL();
}

/* The vendor a server is for, from its option "vendor". */
static const ConvVendorDef *
server_vendor(ForeignServer *server)
{
	const ConvVendorDef *vendor;
	const char *name = NULL;
	ListCell   *lc;

	foreach(lc, server->options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		if (strcmp(def->defname, "vendor") == 0)
			name = defGetString(def);
	}

	/* the validator requires a valid vendor; a newer or older one may not */
	if (name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("foreign server \"%s\" has no option \"vendor\"",
						server->servername),
				 errhint("Valid vendors are: %s.", conv_vendor_names())));
	vendor = conv_find_vendor(name);
	if (vendor == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("foreign server \"%s\" has an unknown vendor \"%s\"",
						server->servername, name),
				 errhint("Valid vendors are: %s.", conv_vendor_names())));
	return vendor;
}

/*
 * Refuse a LIMIT TO list that names a table the vendor lacks: PostgreSQL
 * would silently import nothing for it, which hides typos.
 */
static void
check_limit_to(ImportForeignSchemaStmt *stmt, const ConvVendorDef *vendor)
{
	ListCell   *lc;

	if (stmt->list_type != FDW_IMPORT_SCHEMA_LIMIT_TO)
		return;
	foreach(lc, stmt->table_list)
	{
		RangeVar   *rv = lfirst_node(RangeVar, lc);

		if (!vendor_has_table(vendor, rv->relname))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
					 errmsg("remote schema \"%s\" has no table \"%s\"",
							vendor->name, rv->relname),
					 errhint("Valid table names are: %s.",
							 table_names(vendor))));
	}
}

/* Does the vendor have a table of this name? */
static bool
vendor_has_table(const ConvVendorDef *vendor, const char *name)
{
	int			i;

	for (i = 0; i < vendor->ntables; i++)
	{
		if (strcmp(vendor->tables[i].name, name) == 0)
			return true;
	}
	return false;
}

/* The vendor's table names, comma-separated, for hints. */
static char *
table_names(const ConvVendorDef *vendor)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < vendor->ntables; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "",
						 vendor->tables[i].name);
	return buf.data;
}

/* Is the table named in the statement's LIMIT TO or EXCEPT list? */
static bool
is_listed(ImportForeignSchemaStmt *stmt, const char *name)
{
	ListCell   *lc;

	foreach(lc, stmt->table_list)
	{
		if (strcmp(lfirst_node(RangeVar, lc)->relname, name) == 0)
			return true;
	}
	return false;
}

/* Does the statement import this table? */
static bool
wanted(ImportForeignSchemaStmt *stmt, const char *name)
{
	switch (stmt->list_type)
	{
		case FDW_IMPORT_SCHEMA_LIMIT_TO:
			return is_listed(stmt, name);
		case FDW_IMPORT_SCHEMA_EXCEPT:
			return !is_listed(stmt, name);
		default:
			return true;
	}
}

/*
 * The CREATE FOREIGN TABLE command of one table.  A column gets the
 * option json_path only when its field is not the default camelCase one,
 * and a DEFAULT when the vendor needs a value that INSERTs may omit.
 */
static char *
create_table_command(ImportForeignSchemaStmt *stmt, ForeignServer *server,
					 const ConvTableDef *table)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE FOREIGN TABLE %s.%s (",
					 quote_identifier(stmt->local_schema),
					 quote_identifier(table->name));
	for (i = 0; i < table->ncolumns; i++)
	{
		const ConvColumnDef *col = &table->columns[i];
		const char *path = conv_column_def_path(table, col);

		appendStringInfo(&buf, "%s\n  %s %s", i > 0 ? "," : "",
						 quote_identifier(col->name),
						 format_type_be(col->type));
		if (col->json_path != NULL ||
			strcmp(path, conv_default_json_path(col->name)) != 0)
			appendStringInfo(&buf, " OPTIONS (json_path %s)",
							 quote_literal_cstr(path));
		/* what an INSERT that leaves the column out sends the vendor */
		if (col->default_expr != NULL)
			appendStringInfo(&buf, " DEFAULT %s", col->default_expr);
	}
	appendStringInfo(&buf, "\n) SERVER %s OPTIONS (endpoint %s)",
					 quote_identifier(server->servername),
					 quote_literal_cstr(table->endpoint));
	return buf.data;
}
