/*-------------------------------------------------------------------------
 *
 * vendor.h
 *		  The vendor interface of conv_fdw: what a vendor file describes.
 *
 * A vendor plugs in as descriptors: its API prefix, authentication and rate
 * defaults, and for each endpoint a table description (columns and the
 * JSON fields they come from, the paging kind, which quals can be pushed
 * and the request parameters they become).  The core (planner, pager,
 * HTTP, decoder, IMPORT FOREIGN SCHEMA) reads only these descriptors; it
 * names no vendor.
 *
 * src/vendor.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONV_VENDOR_H
#define CONV_VENDOR_H

/* How requests authenticate, from the user mapping's options. */
typedef enum ConvAuthKind
{
	CONV_AUTH_BASIC,			/* username and password, HTTP Basic */
	CONV_AUTH_BEARER			/* token, Authorization: Bearer */
} ConvAuthKind;

/*
 * How an endpoint pages.  The pager (pager.c) derives each next request
 * from the last one and the page it returned.
 */
typedef enum ConvPagingKind
{
	CONV_PAGING_NONE,			/* one response holds every object */
	CONV_PAGING_KEYSET,			/* since + last_id of the page's last object */
	CONV_PAGING_SINCE,			/* since = cursor of the page's last object;
								 * consecutive pages overlap */
	CONV_PAGING_PAGE_NUMBER,	/* page_param = 1, 2, ... with a constant
								 * page size; a short page is the last */
	CONV_PAGING_LINK,			/* follow the Link header's rel="next" URL;
								 * none: the last page */
	CONV_PAGING_TOKEN			/* the response's token_field goes back as
								 * token_param; absent, null or "": the last
								 * page */
} ConvPagingKind;

/* What a pushed qual becomes in the request. */
typedef enum ConvPushKind
{
	CONV_PUSH_SINCE,			/* col >= v, col > v: the lower bound "since" */
	CONV_PUSH_LOOKUP,			/* key = v, key = ANY(a), key IN (...): one
								 * GET <lookup_path><v> per value */
	CONV_PUSH_SEARCH,			/* jsonb_col->>'f' = v, or a column whose
								 * json_path is jsonb_col.f: the search
								 * endpoint, then lookups of its ids */
	CONV_PUSH_PARAM				/* col <op> v becomes param=v, as the
								 * pushable's op, param and format say */
} ConvPushKind;

/* How a CONV_PUSH_PARAM value is written into the request. */
typedef enum ConvParamFormat
{
	CONV_FORMAT_TEXT,			/* the value's text */
	CONV_FORMAT_INT,			/* an integer, plus the pushable's adjust */
	CONV_FORMAT_TIME			/* ISO 8601 UTC to the millisecond */
} ConvParamFormat;

/* A column of an endpoint's table, as IMPORT FOREIGN SCHEMA creates it. */
typedef struct ConvColumnDef
{
	const char *name;			/* snake_case column name */
	Oid			type;			/* TEXTOID, TIMESTAMPTZOID, INT8OID, ... */
	const char *json_path;		/* NULL: the camelCase of name */
	const char *include_param;	/* the field comes back only when this
								 * request parameter is "true" */
	bool		insert_required;	/* INSERT must give it (not NULL) */
	const char *default_expr;	/* IMPORT's DEFAULT for INSERT: "now()" */
	const char *absent_value;	/* what an absent field means, as the
								 * type's input: protobuf JSON leaves out
								 * false, 0 and [] */
} ConvColumnDef;

/* A kind of qual an endpoint can turn into request parameters. */
typedef struct ConvPushable
{
	const char *column;			/* the column (for SEARCH: the jsonb column
								 * whose fields are searchable) */
	ConvPushKind kind;
	/* CONV_PUSH_PARAM only: */
	const char *op;				/* the SQL operator: "=", ">=", ">", "<", "<=" */
	const char *param;			/* the request parameter it becomes */
	ConvParamFormat format;
	int			adjust;			/* added to an integer: "id >= n" sent as
								 * "after n - 1" */
	bool		repeat;			/* col = ANY(array) sends param once per
								 * element */
	const char *with;			/* sent along when pushed: "consecutive=true" */
	int			min_length;		/* "=": the vendor's values (ids) have from */
	int			max_length;		/* min_length to max_length characters; no
								 * object has another (and the vendor
								 * refuses one); 0: any length */
} ConvPushable;

/*
 * A view IMPORT FOREIGN SCHEMA creates next to the table it reads, when
 * that table is imported.  sql is a SELECT with one %s: the table's
 * qualified name.
 */
typedef struct ConvViewDef
{
	const char *name;
	const char *sql;
} ConvViewDef;

/*
 * An endpoint, which IMPORT FOREIGN SCHEMA makes a foreign table of.  Its
 * "endpoint" is the value of the foreign table option of that name.
 */
typedef struct ConvTableDef
{
	const char *name;			/* default table name: "calls" */
	const char *endpoint;		/* table option "endpoint": "calls" */
	const char *list_path;		/* list request path below the API prefix,
								 * NULL when only lookups exist */
	const char *lookup_path;	/* lookup path prefix ("call/"): the key
								 * value, URL-encoded, follows it */
	const char *key_column;		/* column whose equality becomes lookups */
	bool		lookup_includes;	/* lookups take the include parameters
									 * too; false: they return everything */
	bool		key_from_request;	/* the response lacks the key: the key
									 * column is the value asked for */
	ConvPagingKind paging;
	const char *since_param;	/* "since", when the list takes one */
	const char *since_default;	/* sent when the query has no lower bound
								 * and the vendor requires one */
	bool		since_millis;	/* the vendor reads a query's since to the
								 * millisecond (ExecVision: the minute) */
	const char *cursor_field;	/* JSON field of an object's paging time */
	const char *cursor_fallback;	/* used when cursor_field is absent */
	const char *id_field;		/* JSON field: last_id, and the identity
								 * of an object; NULL: the whole object */
	const char *limit_param;	/* "limit", or NULL */
	int			default_page_size;
	int			max_page_size;	/* the vendor's maximum limit */
	int			include_page_size;	/* page size when an include_param is
									 * on (objects get large), 0: same */
	const char *page_unit_field;	/* limit counts distinct values of this
									 * field, not objects; NULL: objects */
	const char *deletions_endpoint;	/* the endpoint listing deletions of
									 * these objects ("calls/deleted") */
	const char *search_path;	/* "calls/search" for CONV_PUSH_SEARCH */
	int			search_cap;		/* the search returns at most this many
								 * ids; reaching it means "maybe more" */
	const char *list_params;	/* sent with every list request:
								 * "sort_column=updated_at&sort_direction=ASC" */
	const char *page_param;		/* CONV_PAGING_PAGE_NUMBER: "page"; with
								 * CONV_PAGING_SINCE, pages past the first
								 * at one time, when more objects share it
								 * than a page holds */
	const char *until_param;	/* with page_param on CONV_PAGING_SINCE:
								 * the exclusive upper bound on the paging
								 * time ("updated_at[to]") that holds the
								 * pages at one time to that time, so that
								 * total_header counts its objects */
	const char *token_param;	/* CONV_PAGING_TOKEN: "cursor" */
	const char *token_field;	/* CONV_PAGING_TOKEN: "cursor" */
	const char *rows_field;		/* list responses are an object whose field
								 * this is holds the objects; NULL: an array */
	const char *lookup_field;	/* the same for lookup responses: "data" */
	const char *total_header;	/* response header counting every match
								 * (of the request: since paging): a
								 * scan that ends with fewer says so */
	const char *resume_query;	/* lists paged otherwise than by time that
								 * can resume after an object's id: the
								 * parameters that do, with %s for the id
								 * ("consecutive=true&afterCallId=%s") */
	const char *resume_start;	/* the id to resume after at first ("0") */
	const char *no_copy_reason;	/* why a local copy of it could not be
								 * kept current (prefetch refuses it) */
	const char *insert_path;	/* POST here creates an object, per INSERTed
								 * row; NULL: no INSERT */
	const char *insert_field;	/* the created object's field in the POST's
								 * response: "scorecard"; NULL: the body */
	bool		snake_case_fields;	/* a column's field is its own name (the
									 * API's fields are snake_case), not the
									 * camelCase of it */
	const ConvColumnDef *columns;
	int			ncolumns;
	const ConvPushable *pushables;
	int			npushables;
	const ConvViewDef *views;
	int			nviews;
} ConvTableDef;

/* A vendor: the value of server option "vendor". */
typedef struct ConvVendorDef
{
	const char *name;			/* "execvision": also IMPORT's remote schema */
	const char *default_base_url;	/* NULL: server option base_url is
									 * required */
	const char *api_prefix;		/* "/api/ev/2/": between base_url and paths;
								 * "{option}" is the value of that server
								 * option */
	const char *const *server_options;	/* the vendor's own server options,
										 * all required; NULL-terminated */
	ConvAuthKind auth;
	const char *default_rate_limit;	/* see the contract, section 5 */
	const char *default_rate_timezone;
	const ConvTableDef *tables;
	int			ntables;
} ConvVendorDef;

/* in vendor.c: the registry */
extern const ConvVendorDef *conv_find_vendor(const char *name);
extern char *conv_vendor_names(void);
extern char *conv_vendor_with_option(const char *option);
extern const ConvTableDef *conv_find_table_def(const ConvVendorDef *vendor,
											   const char *endpoint);
extern const ConvColumnDef *conv_find_column_def(const ConvTableDef *table,
												 const char *json_path);
extern char *conv_default_json_path(const char *column_name);
extern const char *conv_column_def_path(const ConvTableDef *table,
										const ConvColumnDef *col);

/* the vendors, one file each */
extern const ConvVendorDef conv_execvision_vendor;
extern const ConvVendorDef conv_voicegain_vendor;
extern const ConvVendorDef conv_siro_vendor;
extern const ConvVendorDef conv_ccai_vendor;
extern const ConvVendorDef conv_cresta_vendor;

#endif							/* CONV_VENDOR_H */
