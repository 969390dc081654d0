/*-------------------------------------------------------------------------
 *
 * option.c
 *		  The option validator of conv_fdw.
 *
 * Every option conv_fdw accepts is one row of the table conv_options below:
 * its name, the catalog it belongs to (server, user mapping, foreign table
 * or column), whether its value is a secret, and a function that checks
 * its value.  The validator itself only walks that table, so adding an
 * option means adding a row.  A vendor's own server options (Cresta's
 * customer and profile) are listed in its descriptor instead.
 *
 * Values of secret options (password, token) never appear in a message:
 * error messages go to the client and to the server log, and credentials
 * must stay in the user mapping.  For the same reason the validator's
 * errors about user mappings, or about a secret anywhere, leave the
 * statement text out of the server log.
 *
 * src/option.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>

#include <curl/curl.h>

#include "access/reloptions.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "fmgr.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "pgtime.h"
#include "utils/builtins.h"

#include "conv_fdw.h"

/*
 * What is wrong with an option value, filled in by a value checker.
 */
typedef struct OptionProblem
{
	const char *detail;			/* what is wrong (errdetail) */
	const char *hint;			/* how to fix it (errhint), or NULL */
	bool		hide_value;		/* the value must not be shown */
} OptionProblem;

/*
 * A value checker returns true when the value is acceptable; otherwise it
 * fills in *problem and returns false.  Checkers do not raise errors
 * themselves, so that they can release what they allocated outside of
 * palloc (libcurl's URL handle) before the error is reported.
 */
typedef bool (*OptionCheck) (const char *value, OptionProblem *problem);

/*
 * One option conv_fdw accepts.
 */
typedef struct ConvOption
{
	const char *name;
	Oid			context;		/* catalog of the objects it belongs to */
	bool		secret;			/* never show the value in messages */
	OptionCheck check;			/* value checker */
} ConvOption;

static bool check_vendor(const char *value, OptionProblem *problem);
static bool check_base_url(const char *value, OptionProblem *problem);
static bool check_positive_int(const char *value, OptionProblem *problem);
static bool check_nonnegative_int(const char *value, OptionProblem *problem);
static bool check_absolute_path(const char *value, OptionProblem *problem);
static bool check_timezone(const char *value, OptionProblem *problem);
static bool check_not_empty(const char *value, OptionProblem *problem);
static bool check_rate_limit(const char *value, OptionProblem *problem);
static bool check_boolean(const char *value, OptionProblem *problem);
static bool check_username(const char *value, OptionProblem *problem);
static bool check_secret(const char *value, OptionProblem *problem);
static bool check_json_path(const char *value, OptionProblem *problem);
static char *find_def_value(List *options, const char *name);

/*
 * All options conv_fdw accepts.  Server options that every vendor has come
 * first; see the product contract, section 1.
 */
static const ConvOption conv_options[] = {
	/* foreign servers */
	{"vendor", ForeignServerRelationId, false, check_vendor},
	{"base_url", ForeignServerRelationId, false, check_base_url},
	{"timeout_ms", ForeignServerRelationId, false, check_positive_int},
	{"connect_timeout_ms", ForeignServerRelationId, false, check_positive_int},
	{"ca_file", ForeignServerRelationId, false, check_absolute_path},
	{"rate_limit", ForeignServerRelationId, false, check_rate_limit},
	{"rate_timezone", ForeignServerRelationId, false, check_timezone},
	{"max_retries", ForeignServerRelationId, false, check_nonnegative_int},
	{"page_size", ForeignServerRelationId, false, check_positive_int},

	/* user mappings */
	{"username", UserMappingRelationId, false, check_username},
	{"password", UserMappingRelationId, true, check_secret},
	{"token", UserMappingRelationId, true, check_secret},

	/* foreign tables */
	{"endpoint", ForeignTableRelationId, false, check_not_empty},
	{"copy_only", ForeignTableRelationId, false, check_boolean},

	/* columns of foreign tables */
	{"json_path", AttributeRelationId, false, check_json_path},
};

PG_FUNCTION_INFO_V1(conv_fdw_validator);

/*
 * Check option "vendor": one of the vendor names.
 */
static bool
check_vendor(const char *value, OptionProblem *problem)
{
	if (conv_find_vendor(value) != NULL)
		return true;

	problem->detail = "The value is not a vendor conv_fdw knows.";
	problem->hint = psprintf("Valid vendors are: %s.", conv_vendor_names());
	return false;
}

/*
 * Is this URL host (as libcurl returns it) a loopback address or name?
 */
bool
conv_host_is_loopback(const char *host)
{
	struct in_addr addr4;
	struct in6_addr addr6;
	char		buf[INET6_ADDRSTRLEN + 1];
	size_t		len = strlen(host);

	if (pg_strcasecmp(host, "localhost") == 0)
		return true;

	/* libcurl normalizes IPv4 addresses, so "127.1" arrives as 127.0.0.1 */
	if (inet_pton(AF_INET, host, &addr4) == 1)
		return (ntohl(addr4.s_addr) >> 24) == 127;

	/* IPv6 addresses come in brackets */
	if (len > 2 && len - 2 < sizeof(buf) &&
		host[0] == '[' && host[len - 1] == ']')
	{
		memcpy(buf, host + 1, len - 2);
		buf[len - 2] = '\0';
		if (inet_pton(AF_INET6, buf, &addr6) == 1)
			return IN6_IS_ADDR_LOOPBACK(&addr6);
	}
	return false;
}

/*
 * Check option "base_url": an absolute http(s) URL without credentials,
 * query or fragment; plain http only to a loopback host.
 *
 * The URL is parsed with libcurl, the library that will later send the
 * requests, so that the host checked here is the host it connects to
 * (think of "http://127.0.0.1@vendor.example/").
 */
static bool
check_base_url(const char *value, OptionProblem *problem)
{
	CURLU	   *url;
	char	   *scheme = NULL;
	char	   *host = NULL;
	char	   *part = NULL;
	bool		ok = false;

	url = curl_url();
	if (url == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));

	if (curl_url_set(url, CURLUPART_URL, value, 0) != CURLUE_OK ||
		curl_url_get(url, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
		curl_url_get(url, CURLUPART_HOST, &host, 0) != CURLUE_OK)
	{
		problem->detail = "The value is not an absolute URL.";
		problem->hint = "Give the vendor's API address, such as \"https://acme.execvision.io\".";
		/* an unparsable URL might still carry a password */
		problem->hide_value = (strchr(value, '@') != NULL);
		goto done;
	}

	if (curl_url_get(url, CURLUPART_USER, &part, 0) == CURLUE_OK)
	{
		problem->detail = "The URL contains a user name or password.";
		problem->hint = "Put credentials in a user mapping (options username, password or token), where other users cannot read them.";
		problem->hide_value = true;
		goto done;
	}

	if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0)
	{
		problem->detail = "Only http and https URLs are supported.";
		problem->hint = "Use an https:// URL.";
		goto done;
	}

	if (curl_url_get(url, CURLUPART_QUERY, &part, 0) == CURLUE_OK ||
		curl_url_get(url, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK)
	{
		problem->detail = "The URL has a query or fragment; conv_fdw appends the API path and parameters itself.";
		problem->hint = "Remove everything from the first \"?\" or \"#\" on.";
		goto done;
	}

	/* requests carry credentials, so they cross a network only encrypted */
	if (strcmp(scheme, "http") == 0 && !conv_host_is_loopback(host))
	{
		problem->detail = "Plain http is allowed only to a loopback host.";
		problem->hint = "Use https://, or http:// with localhost, 127.0.0.1 or [::1].";
		goto done;
	}

	ok = true;

done:
	curl_free(part);
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(url);
	return ok;
}

/*
 * Parse a decimal integer option value that must be at least min.
 */
static bool
parse_int_option(const char *value, long min, int *result)
{
	char	   *end;
	long		val;

	/* strtol would also skip leading white space and accept a "+" */
	if (!isdigit((unsigned char) value[0]) && value[0] != '-')
		return false;

	errno = 0;
	val = strtol(value, &end, 10);
	if (errno != 0 || *end != '\0' || val < min || val > INT_MAX)
		return false;

	*result = (int) val;
	return true;
}

/*
 * Check an option whose value is an integer greater than zero.
 */
static bool
check_positive_int(const char *value, OptionProblem *problem)
{
	int			result;

	if (parse_int_option(value, 1, &result))
		return true;

	problem->detail = psprintf("The value must be an integer between 1 and %d.",
							   INT_MAX);
	return false;
}

/*
 * Check an option whose value is an integer greater than or equal to zero.
 */
static bool
check_nonnegative_int(const char *value, OptionProblem *problem)
{
	int			result;

	if (parse_int_option(value, 0, &result))
		return true;

	problem->detail = psprintf("The value must be an integer between 0 and %d.",
							   INT_MAX);
	return false;
}

/*
 * Check an option that names a file on the database server.
 *
 * A relative path would be taken relative to the data directory, which is
 * rarely what was meant.
 */
static bool
check_absolute_path(const char *value, OptionProblem *problem)
{
	if (is_absolute_path(value))
		return true;

	problem->detail = "The value must be an absolute path.";
	problem->hint = "Give the full path of a PEM file that the database server can read.";
	return false;
}

/*
 * Check option "rate_timezone": a time zone PostgreSQL knows.
 */
static bool
check_timezone(const char *value, OptionProblem *problem)
{
	if (value[0] != '\0' && pg_tzset(value) != NULL)
		return true;

	problem->detail = "The value is not a known time zone.";
	problem->hint = "Use a time zone name from pg_timezone_names, such as \"America/New_York\".";
	return false;
}

/*
 * Check an option whose value may be any non-empty string.
 */
static bool
check_not_empty(const char *value, OptionProblem *problem)
{
	if (value[0] != '\0')
		return true;

	problem->detail = "The value must not be empty.";
	return false;
}

/*
 * Does the string contain an ASCII control character?  Such characters
 * would corrupt (or inject) an HTTP header line.
 */
static bool
has_control_char(const char *value)
{
	const unsigned char *p;

	for (p = (const unsigned char *) value; *p != '\0'; p++)
	{
		if (*p < 0x20 || *p == 0x7f)
			return true;
	}
	return false;
}

/*
 * Check option "username": usable as an HTTP Basic user-id, which cannot
 * contain a colon (RFC 7617).
 */
static bool
check_username(const char *value, OptionProblem *problem)
{
	if (value[0] == '\0')
		problem->detail = "The value must not be empty.";
	else if (strchr(value, ':') != NULL)
		problem->detail = "HTTP Basic user names cannot contain \":\".";
	else if (has_control_char(value))
		problem->detail = "The value contains a control character.";
	else
		return true;

	return false;
}

/*
 * Check a credential option (password, token).  The problem description
 * says what is wrong without revealing anything about the value.
 */
static bool
check_secret(const char *value, OptionProblem *problem)
{
	if (value[0] == '\0')
		problem->detail = "The value must not be empty.";
	else if (has_control_char(value))
		problem->detail = "The value contains a control character.";
	else
		return true;

	problem->hide_value = true;
	return false;
}

/*
 * Check a boolean option: true or false.
 */
static bool
check_boolean(const char *value, OptionProblem *problem)
{
	if (strcmp(value, "true") == 0 || strcmp(value, "false") == 0)
		return true;
	problem->detail = "The value must be true or false.";
	return false;
}

/*
 * Check option "rate_limit": windows the rate limiter can parse.
 */
static bool
check_rate_limit(const char *value, OptionProblem *problem)
{
	List	   *windows;

	if (conv_rate_parse(value, &windows))
		return true;
	problem->detail = "A rate limit is a list of windows separated by \";\", each one or more limits such as \"5/s\" or \"75/min, 2000/hour\", optionally followed by a time of day such as \"06:00-21:00\".";
	problem->hint = "For example: '5/s 06:00-21:00; 25/s'.";
	return false;
}

/*
 * Check option "json_path": field names separated by dots, none empty.
 */
static bool
check_json_path(const char *value, OptionProblem *problem)
{
	const char *p;
	bool		at_segment_start = true;

	for (p = value; *p != '\0'; p++)
	{
		if (*p == '.')
		{
			if (at_segment_start)
				break;
			at_segment_start = true;
		}
		else
			at_segment_start = false;
	}

	if (!at_segment_start)
		return true;

	problem->detail = "A JSON path is a list of field names separated by dots, none of them empty.";
	problem->hint = "For example: \"metadata.company\".";
	return false;
}

/*
 * Find the option of this name that belongs to this catalog.
 */
static const ConvOption *
find_option(const char *name, Oid context)
{
	size_t		i;

	for (i = 0; i < lengthof(conv_options); i++)
	{
		if (conv_options[i].context == context &&
			strcmp(conv_options[i].name, name) == 0)
			return &conv_options[i];
	}
	return NULL;
}

/*
 * Describe the objects of a catalog, for messages.
 */
static const char *
context_name(Oid context)
{
	switch (context)
	{
		case ForeignServerRelationId:
			return "foreign servers";
		case UserMappingRelationId:
			return "user mappings";
		case ForeignTableRelationId:
			return "foreign tables";
		case AttributeRelationId:
			return "foreign table columns";
		default:
			return "other objects";
	}
}

/*
 * May the statement whose options are being validated contain credentials?
 *
 * CREATE and ALTER USER MAPPING can carry a password or token, and the
 * server log would show the statement text next to an error; the
 * validator's errors for those statements leave it out.
 */
static bool
statement_has_secrets(Oid context)
{
	return context == UserMappingRelationId;
}

/*
 * Raise the error for an option conv_fdw does not accept in this catalog.
 *
 * The hint lists the options valid here; if the option exists elsewhere
 * (a password given as a server option, say), the detail says where.
 */
static void
report_unknown_option(const char *name, Oid context, const ConvVendorDef *vendor)
{
	StringInfoData valid;
	const char *elsewhere = NULL;
	size_t		i;

	initStringInfo(&valid);
	for (i = 0; i < lengthof(conv_options); i++)
	{
		if (conv_options[i].context == context)
			appendStringInfo(&valid, "%s%s", valid.len > 0 ? ", " : "",
							 conv_options[i].name);
		else if (strcmp(conv_options[i].name, name) == 0)
			elsewhere = context_name(conv_options[i].context);
	}
	for (const char *const *o = vendor ? vendor->server_options : NULL; o && *o; o++)
		appendStringInfo(&valid, ", %s", *o);
	if (context == ForeignServerRelationId && elsewhere == NULL)
		elsewhere = conv_vendor_with_option(name);

	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
			 errmsg("invalid option \"%s\"", name),
			 errhidestmt(statement_has_secrets(context)),
			 elsewhere != NULL
			 ? errdetail("Option \"%s\" is valid for %s.", name, elsewhere)
			 : 0,
			 valid.len > 0
			 ? errhint("Valid options in this context are: %s", valid.data)
			 : errhint("There are no valid options in this context.")));
}

/*
 * Check the value of a known option, raising an error if it is bad.
 */
static void
check_option_value(const ConvOption *opt, const char *value)
{
	OptionProblem problem = {NULL, NULL, false};

	if (opt->check(value, &problem))
		return;

	if (opt->secret || problem.hide_value)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"%s\"", opt->name),
				 errhidestmt(true),
				 errdetail_internal("%s", problem.detail),
				 problem.hint ? errhint("%s", problem.hint) : 0));
	else
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"",
						opt->name, value),
				 errhidestmt(statement_has_secrets(opt->context)),
				 errdetail_internal("%s", problem.detail),
				 problem.hint ? errhint("%s", problem.hint) : 0));
}

/* How the validator checks a vendor's own server options. */
static const ConvOption vendor_option = {"vendor option", ForeignServerRelationId,
false, check_not_empty};

/*
 * Does the vendor have a server option of this name of its own?
 */
static bool
vendor_has_option(const ConvVendorDef *vendor, const char *name)
{
	for (const char *const *o = vendor ? vendor->server_options : NULL; o && *o; o++)
	{
		if (strcmp(*o, name) == 0)
			return true;
	}
	return false;
}

/*
 * The vendor a server's options name: every API call depends on it, so a
 * server must name one.
 */
static const ConvVendorDef *
validate_vendor(List *options)
{
	char	   *name = find_def_value(options, "vendor");

	if (name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("conv_fdw servers require option \"vendor\""),
				 errhint("Add OPTIONS (vendor '...') with one of: %s.",
						 conv_vendor_names())));
	check_option_value(find_option("vendor", ForeignServerRelationId), name);
	return conv_find_vendor(name);
}

/*
 * Raise an error if a server lacks an option its vendor needs: the
 * vendor's own ones, and base_url where the vendor has no public address.
 */
static void
check_required_options(const ConvVendorDef *vendor, List *options)
{
	if (vendor->default_base_url == NULL && find_def_value(options, "base_url") == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("servers of vendor \"%s\" require option \"base_url\"", vendor->name),
				 errdetail("Each %s account has an API address of its own.", vendor->name),
				 errhint("Add OPTIONS (base_url 'https://...').")));
	for (const char *const *o = vendor->server_options; o && *o; o++)
	{
		if (find_def_value(options, *o) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
					 errmsg("servers of vendor \"%s\" require option \"%s\"",
							vendor->name, *o),
					 errdetail("Its requests name the %s in their path.", *o),
					 errhint("Add OPTIONS (%s '...').", *o)));
	}
}

/*
 * Validate the options of a conv_fdw server, user mapping, foreign table or
 * foreign table column.
 *
 * PostgreSQL calls this with the complete option list the object will have
 * after CREATE or ALTER (an empty array if there are none), so missing
 * options can be detected here as well as bad ones.
 */
Datum
conv_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);
	const ConvVendorDef *vendor = NULL;
	ListCell   *cell;

	/* the vendor first: it decides which other server options exist */
	if (catalog == ForeignServerRelationId)
		vendor = validate_vendor(options);
	foreach(cell, options)
	{
		DefElem    *def = lfirst_node(DefElem, cell);
		const ConvOption *opt = find_option(def->defname, catalog);

		if (opt == NULL && vendor_has_option(vendor, def->defname))
			opt = &vendor_option;
		if (opt == NULL)
			report_unknown_option(def->defname, catalog, vendor);
		check_option_value(opt, defGetString(def));
	}
	if (vendor != NULL)
		check_required_options(vendor, options);
	PG_RETURN_VOID();
}

/*
 * Parse an integer option that the validator has already checked.
 */
static int
option_int(DefElem *def)
{
	return (int) strtol(defGetString(def), NULL, 10);
}

/*
 * Resolve a server and the user mapping of userid for it into what
 * requests need, with the defaults of options that are not set.
 */
ConvServer *
conv_get_server(Oid serverid, Oid userid)
{
	ForeignServer *fs = GetForeignServer(serverid);
	UserMapping *um = GetUserMapping(userid, serverid);
	ConvServer *server = palloc0(sizeof(ConvServer));
	ListCell   *cell;
	size_t		len;

	server->serverid = serverid;
	server->servername = fs->servername;
	server->timeout_ms = 120000;	/* above the vendors' 60 s queueing */
	server->connect_timeout_ms = 10000;
	server->max_retries = 3;
	foreach(cell, fs->options)
	{
		DefElem    *def = lfirst_node(DefElem, cell);
		const char *name = def->defname;

		if (strcmp(name, "vendor") == 0)
			server->vendor = conv_find_vendor(defGetString(def));
		else if (strcmp(name, "base_url") == 0)
			server->base_url = pstrdup(defGetString(def));
		else if (strcmp(name, "ca_file") == 0)
			server->ca_file = defGetString(def);
		else if (strcmp(name, "timeout_ms") == 0)
			server->timeout_ms = option_int(def);
		else if (strcmp(name, "connect_timeout_ms") == 0)
			server->connect_timeout_ms = option_int(def);
		else if (strcmp(name, "max_retries") == 0)
			server->max_retries = option_int(def);
		else if (strcmp(name, "page_size") == 0)
			server->page_size = option_int(def);
	}
	/* the validator insists on a known vendor, but a later release may not know it */
	if (server->vendor == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("server \"%s\" names a vendor conv_fdw does not know",
						fs->servername),
				 errhint("Valid vendors are: %s.", conv_vendor_names())));
	if (server->base_url == NULL && server->vendor->default_base_url)
		server->base_url = pstrdup(server->vendor->default_base_url);
	if (server->base_url == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("server \"%s\" has no option \"base_url\"", fs->servername),
				 errhint("Add it with ALTER SERVER %s OPTIONS (ADD base_url 'https://...').",
						 quote_identifier(fs->servername))));
	server->api_prefix = conv_api_prefix(serverid, server->vendor);
	conv_server_rate(serverid, &server->rate_windows, &server->rate_tz, NULL);
	len = strlen(server->base_url);
	while (len > 0 && server->base_url[len - 1] == '/')
		server->base_url[--len] = '\0';

	foreach(cell, um->options)
	{
		DefElem    *def = lfirst_node(DefElem, cell);

		if (strcmp(def->defname, "username") == 0)
			server->username = defGetString(def);
		else if (strcmp(def->defname, "password") == 0)
			server->password = defGetString(def);
		else if (strcmp(def->defname, "token") == 0)
			server->token = defGetString(def);
	}
	return server;
}

/*
 * The value of an option in a list of DefElems, or NULL.
 */
static char *
find_def_value(List *options, const char *name)
{
	ListCell   *cell;

	foreach(cell, options)
	{
		DefElem    *def = lfirst_node(DefElem, cell);

		if (strcmp(def->defname, name) == 0)
			return defGetString(def);
	}
	return NULL;
}

/*
 * The value of a foreign server's option, or NULL.
 */
char *
conv_get_server_option(Oid serverid, const char *name)
{
	return find_def_value(GetForeignServer(serverid)->options, name);
}

/*
 * The value of a foreign table's option, or NULL.
 */
char *
conv_get_table_option(Oid relid, const char *name)
{
	return find_def_value(GetForeignTable(relid)->options, name);
}

/*
 * The value of a foreign table column's option, or NULL.
 */
char *
conv_get_column_option(Oid relid, AttrNumber attnum, const char *name)
{
	return find_def_value(GetForeignColumnOptions(relid, attnum), name);
}

/*
 * A server's rate windows and their time zone: its rate_limit and
 * rate_timezone options, or its vendor's defaults.  spec, if not NULL,
 * gets the rate_limit text.
 */
void
conv_server_rate(Oid serverid, List **windows, struct pg_tz **tz, char **spec)
{
	char	   *vendor_name = conv_get_server_option(serverid, "vendor");
	const ConvVendorDef *vendor = vendor_name ? conv_find_vendor(vendor_name) : NULL;
	char	   *limit = conv_get_server_option(serverid, "rate_limit");
	char	   *zone = conv_get_server_option(serverid, "rate_timezone");

	if (limit == NULL && vendor && vendor->default_rate_limit)
		limit = pstrdup(vendor->default_rate_limit);
	if (zone == NULL)
		zone = vendor && vendor->default_rate_timezone ?
			pstrdup(vendor->default_rate_timezone) : "UTC";
	if (limit == NULL || !conv_rate_parse(limit, windows))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("server \"%s\" has no valid rate limit",
						GetForeignServer(serverid)->servername),
				 errhint("Set the server option rate_limit, e.g. '10/s'.")));
	*tz = pg_tzset(zone);
	if (*tz == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("time zone \"%s\" of a conv_fdw server is not known", zone)));
	if (spec)
		*spec = limit;
}

/*
 * The vendor's API prefix for a server: each "{option}" in it replaced by
 * that server option's value, URL-encoded (Cresta's
 * "/v1/customers/{customer}/profiles/{profile}/").
 */
char *
conv_api_prefix(Oid serverid, const ConvVendorDef *vendor)
{
	StringInfoData buf;
	const char *p = vendor->api_prefix;

	initStringInfo(&buf);
	while (*p)
	{
		const char *close = *p == '{' ? strchr(p, '}') : NULL;
		char	   *value;

		if (close == NULL)
		{
			appendStringInfoChar(&buf, *p++);
			continue;
		}
		value = conv_get_server_option(serverid, pnstrdup(p + 1, close - p - 1));
		if (value == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
					 errmsg("server \"%s\" has no option \"%s\"",
							GetForeignServer(serverid)->servername,
							pnstrdup(p + 1, close - p - 1)),
					 errhint("Add it with ALTER SERVER ... OPTIONS (ADD %s '...').",
							 pnstrdup(p + 1, close - p - 1))));
		appendStringInfoString(&buf, conv_url_encode(value));
		p = close + 1;
	}
	return buf.data;
}
