/*-------------------------------------------------------------------------
 *
 * decode.c
 *		  JSON response bodies to rows: the element iterator and the column
 *		  map of a foreign table.
 *
 * A page of a vendor's list endpoint can be 80 MB, so it is never parsed
 * as a whole.  The iterator scans the bytes itself, tracking strings,
 * escapes and nesting depth, to find where each element of the top-level
 * array ends, and hands only that element to json-c.  json-c allocates
 * with malloc, so the iterator's json-c memory is tied to a memory context
 * by a reset callback: an error raised while a page is decoded frees it
 * when the caller's context is reset or deleted.
 *
 * The column map is built once per scan: for each attribute, its JSON
 * path already split into keys, and how its type converts.  Decoding an
 * object then costs a few hash lookups and one conversion per column;
 * nothing is looked up in the catalogs per row.
 *
 * src/decode.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <errno.h>
#include <limits.h>
#include <math.h>

#include "access/sysattr.h"
#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"

/*
 * fmgrprotos.h declares a function json_object (the SQL function), and
 * json-c a type of that name; the SQL function is not needed here.
 */
#define json_object pg_sql_json_object
#include "utils/builtins.h"
#undef json_object

#include <json-c/json.h>

#include "conv_fdw.h"

/*
 * json-c's default depth limit (32) is far below what jsonb accepts; a
 * nested vendor field should be refused by jsonb_in, not by the parser.
 */
#define ITER_MAX_DEPTH 512

/* how much of a body or a value error messages quote */
#define BODY_EXCERPT_CHARS 60
#define VALUE_EXCERPT_CHARS 100

/* how a JSON value is printed where PostgreSQL reads JSON text */
#define JSON_TEXT_FLAGS \
	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Where the iterator is in the body. */
typedef enum IterState
{
	ITER_SINGLE,				/* before a top-level object */
	ITER_FIRST,					/* after the '[' of a top-level array */
	ITER_NEXT,					/* after an element of the array */
	ITER_ENVELOPE,				/* at element "index" of the envelope's rows */
	ITER_DONE					/* the body is exhausted */
} IterState;

struct ConvJsonIter
{
	const char *data;
	size_t		len;
	size_t		pos;			/* where scanning resumes */
	IterState	state;
	char	   *what;			/* the request, for error messages */
	json_tokener *tok;			/* malloc'd by json-c */
	struct json_object *current;	/* the last element returned */
	struct json_object *envelope;	/* the whole body, if rows are in a field */
	struct json_object *rows;	/* the envelope's array of rows */
	size_t		index;
	MemoryContextCallback cleanup;
};

/* How a column's (base) type is produced from a JSON value. */
typedef enum ConvTarget
{
	TARGET_TEXT,				/* text: a string's text, else JSON text */
	TARGET_JSONB,				/* built from the json-c tree */
	TARGET_JSON,				/* JSON text, strings too */
	TARGET_BOOL,
	TARGET_INT2,
	TARGET_INT4,
	TARGET_INT8,
	TARGET_FLOAT8,
	TARGET_NUMBER,				/* float4, numeric: number text, input fn */
	TARGET_DATETIME,			/* strings through the input fn, "" is NULL */
	TARGET_OTHER				/* the value's text through the input fn */
} ConvTarget;

/* One mapped attribute. */
typedef struct ConvColumn
{
	AttrNumber	attnum;
	const char *attname;
	const char *path;			/* dot-separated, as configured */
	char	  **keys;			/* path split at the dots */
	int			nkeys;
	Oid			typid;			/* the column's type, maybe a domain */
	int32		typmod;
	ConvTarget	target;			/* from the base type */
	Oid			basetypid;
	int32		basetypmod;
	FmgrInfo	input;			/* the base type's input function */
	Oid			typioparam;
	bool		is_domain;
	void	   *domain_extra;	/* domain_check's cache */
	bool		has_absent;		/* an absent field stands for absent_value */
	Datum		absent_value;
} ConvColumn;

struct ConvColumnMap
{
	const char *relname;
	const char *id_field;		/* NULL: objects have no id */
	int			natts;
	int			ncolumns;
	ConvColumn *columns;
	int		   *column_of_att;	/* by attnum - 1: index in columns, or -1 */
	MemoryContext mcxt;			/* for domain_check's cache */
	MemoryContext scratch;		/* for building a jsonb, reset per value */

	/* what is being decoded, for the error context callback */
	ErrorContextCallback errcb;
	struct json_object *cur_object;
	ConvColumn *cur_column;
	struct json_object *cur_value;
};

static void release_current(ConvJsonIter *iter);
static void open_envelope(ConvJsonIter *iter, const char *rows_field);
static void iter_cleanup(void *arg);
static struct json_object *iter_end_array(ConvJsonIter *iter);
static void iter_finish(ConvJsonIter *iter);
static int	iter_peek(ConvJsonIter *iter);
static void iter_skip_space(ConvJsonIter *iter);
static inline bool is_json_space(char c);
static struct json_object *iter_parse_object(ConvJsonIter *iter);
static size_t scan_object(ConvJsonIter *iter, size_t start);
static const char *skip_string(const char *p, const char *end);
static const char *check_number(ConvJsonIter *iter, const char *p,
								const char *end);
static bool integer_fits(const char *s, size_t len);
static void report_syntax_error(ConvJsonIter *iter, size_t offset,
								const char *problem) pg_attribute_noreturn();
static void report_incomplete(ConvJsonIter *iter, size_t start)
			pg_attribute_noreturn();
static void report_truncated(ConvJsonIter *iter) pg_attribute_noreturn();
static void report_unexpected(ConvJsonIter *iter,
							  const char *problem) pg_attribute_noreturn();
static void append_excerpt(StringInfo buf, const char *s, size_t len,
						   int max_chars);
static char **split_path(const char *path, int *nkeys);
static ConvTarget target_of_type(Oid basetypid);
static void init_column(ConvColumn *col, Relation rel,
						Form_pg_attribute att, const ConvTableDef *table);
static struct json_object *get_keys(struct json_object *obj, char **keys,
									int nkeys);
static Datum convert_value(ConvColumnMap *map, ConvColumn *col,
						   struct json_object *v, bool *isnull);
static Datum convert_jsonb(ConvColumnMap *map, struct json_object *v);
static JsonbValue *push_jsonb(ConvColumnMap *map, JsonbParseState **state,
							  struct json_object *v, JsonbIteratorToken token);
static int	compare_keys(const void *a, const void *b);
static void jsonb_scalar(ConvColumnMap *map, struct json_object *v,
						 JsonbValue *jv);
static Numeric json_numeric(ConvColumnMap *map, struct json_object *v);
static Datum convert_int(ConvColumnMap *map, ConvColumn *col,
						 struct json_object *v);
static bool json_to_int64(struct json_object *v, int64 *result);
static Datum convert_float8(ConvColumnMap *map, ConvColumn *col,
							struct json_object *v);
static bool is_numeric_text(const char *s);
static Datum convert_bool(ConvColumnMap *map, struct json_object *v);
static Datum input_value(ConvColumn *col, const char *s, size_t len);
static const char *value_text(struct json_object *v, size_t *len);
static const char *json_text(struct json_object *v, size_t *len);
static const char *to_server(const char *s, size_t *len);
static char *object_id(ConvColumnMap *map, struct json_object *obj);
static char *value_excerpt(struct json_object *v);
static void report_conversion_error(ConvColumnMap *map)
			pg_attribute_noreturn();
static void decode_error_callback(void *arg);


/*
 * Start iterating the objects of a response body.  The body must outlive
 * the iterator; "what" names the request in error messages.  With
 * rows_field, the body is an envelope object whose field of that name
 * holds the objects (an array, or one object); such pages are small, so
 * the envelope is parsed whole, and conv_json_iter_envelope returns it.
 */
ConvJsonIter *
conv_json_iter_init(const char *data, size_t len, const char *what,
					const char *rows_field)
{
	ConvJsonIter *iter = palloc0(sizeof(ConvJsonIter));

	iter->data = data;
	iter->len = len;
	iter->what = pstrdup(what);

	/* registered before json-c allocates anything, so nothing can leak */
	iter->cleanup.func = iter_cleanup;
	iter->cleanup.arg = iter;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &iter->cleanup);

	iter->tok = json_tokener_new_ex(ITER_MAX_DEPTH);
	if (iter->tok == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Could not create a JSON parser.")));
	json_tokener_set_flags(iter->tok, JSON_TOKENER_STRICT);

	iter_skip_space(iter);
	if (rows_field != NULL)
		open_envelope(iter, rows_field);
	else if (iter_peek(iter) == '[')
	{
		iter->pos++;
		iter->state = ITER_FIRST;
	}
	else if (iter_peek(iter) == '{')
		iter->state = ITER_SINGLE;
	else
		report_unexpected(iter, "Expected a JSON array or object");
	return iter;
}

/*
 * Parse an envelope body and find its rows in field rows_field: an array,
 * one object, or nothing (absent or null: no rows).
 */
static void
open_envelope(ConvJsonIter *iter, const char *rows_field)
{
	struct json_object *rows = NULL;

	if (iter_peek(iter) != '{')
		report_unexpected(iter, "Expected a JSON object");
	iter->envelope = iter_parse_object(iter);
	iter_finish(iter);
	if (!json_object_object_get_ex(iter->envelope, rows_field, &rows) || rows == NULL)
		return;
	if (json_object_is_type(rows, json_type_object))
	{
		iter->current = json_object_get(rows);
		iter->state = ITER_SINGLE;
		return;
	}
	if (!json_object_is_type(rows, json_type_array))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("unexpected response to %s", iter->what),
				 errdetail("Field \"%s\" of the response is neither an array nor an object.",
						   rows_field),
				 errhint("The vendor's response format may have changed.")));
	iter->rows = rows;
	iter->state = ITER_ENVELOPE;
}

/*
 * The envelope object of a body iterated with a rows_field (valid as long
 * as the iterator), or NULL.
 */
struct json_object *
conv_json_iter_envelope(ConvJsonIter *iter)
{
	return iter->envelope;
}

/* The next row of an envelope, or NULL after the last. */
static struct json_object *
next_envelope_row(ConvJsonIter *iter)
{
	struct json_object *obj;

	if (iter->state == ITER_SINGLE)
	{
		/* open_envelope holds the only row in current already */
		iter->state = ITER_DONE;
		return iter->current;
	}
	release_current(iter);
	if (iter->index >= json_object_array_length(iter->rows))
	{
		iter->state = ITER_DONE;
		return NULL;
	}
	obj = json_object_array_get_idx(iter->rows, iter->index++);
	if (!json_object_is_type(obj, json_type_object))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("unexpected response to %s", iter->what),
				 errdetail("Element %zu of the response's rows is not an object.",
						   iter->index),
				 errhint("The vendor's response format may have changed.")));
	iter->current = json_object_get(obj);
	return iter->current;
}

/*
 * Return the next object of the body, or NULL at its end.  The object is
 * owned by the iterator: it is freed by the next call.
 */
struct json_object *
conv_json_iter_next(ConvJsonIter *iter)
{
	if (iter->envelope != NULL && iter->state != ITER_DONE)
		return next_envelope_row(iter);
	release_current(iter);
	switch (iter->state)
	{
		case ITER_DONE:
		case ITER_ENVELOPE:
			return NULL;
		case ITER_SINGLE:
			iter->current = iter_parse_object(iter);
			/* what follows is checked before the object is used */
			iter_finish(iter);
			return iter->current;
		case ITER_FIRST:
			iter_skip_space(iter);
			if (iter_peek(iter) == ']')
				return iter_end_array(iter);
			break;
		case ITER_NEXT:
			iter_skip_space(iter);
			if (iter_peek(iter) == ']')
				return iter_end_array(iter);
			if (iter_peek(iter) != ',')
				report_unexpected(iter,
								  "Expected \",\" or \"]\" after an array element");
			iter->pos++;
			iter_skip_space(iter);
			break;
	}
	if (iter_peek(iter) != '{')
		report_unexpected(iter, "Expected an object as array element");
	iter->current = iter_parse_object(iter);
	iter->state = ITER_NEXT;
	return iter->current;
}

/* Free the object returned last. */
static void
release_current(ConvJsonIter *iter)
{
	if (iter->current != NULL)
	{
		json_object_put(iter->current);
		iter->current = NULL;
	}
}

/*
 * Free all json-c memory of the iterator: the memory context reset
 * callback, so it must never raise an error.
 */
static void
iter_cleanup(void *arg)
{
	ConvJsonIter *iter = (ConvJsonIter *) arg;

	release_current(iter);
	if (iter->envelope != NULL)
	{
		json_object_put(iter->envelope);
		iter->envelope = NULL;
	}
	if (iter->tok != NULL)
	{
		json_tokener_free(iter->tok);
		iter->tok = NULL;
	}
}

/* Step over the "]" that closes the top-level array; returns NULL. */
static struct json_object *
iter_end_array(ConvJsonIter *iter)
{
	iter->pos++;
	iter_finish(iter);
	return NULL;
}

/*
 * The top-level value is complete: only whitespace may follow.  Frees the
 * parser, which is not needed anymore.
 */
static void
iter_finish(ConvJsonIter *iter)
{
	iter_skip_space(iter);
	if (iter->pos < iter->len)
		report_syntax_error(iter, iter->pos,
							"Unexpected data after the end of the JSON value");
	json_tokener_free(iter->tok);
	iter->tok = NULL;
	iter->state = ITER_DONE;
}

/* The byte at the current position, or -1 at the end of the body. */
static int
iter_peek(ConvJsonIter *iter)
{
	return iter->pos < iter->len ? (unsigned char) iter->data[iter->pos] : -1;
}

/* Advance past JSON whitespace. */
static void
iter_skip_space(ConvJsonIter *iter)
{
	while (iter->pos < iter->len && is_json_space(iter->data[iter->pos]))
		iter->pos++;
}

/* Is c whitespace as JSON defines it? */
static inline bool
is_json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Parse the object that starts at the current position, and advance past
 * it.  Only its bytes go to json-c.
 */
static struct json_object *
iter_parse_object(ConvJsonIter *iter)
{
	size_t		start = iter->pos;
	size_t		end = scan_object(iter, start);
	struct json_object *obj;
	enum json_tokener_error err;

	/* json-c takes an int length; bodies are StringInfos, below 1 GB */
	Assert(end - start <= INT_MAX);
	json_tokener_reset(iter->tok);
	obj = json_tokener_parse_ex(iter->tok, iter->data + start,
								(int) (end - start));
	err = json_tokener_get_error(iter->tok);
	if (obj == NULL || err != json_tokener_success ||
		json_tokener_get_parse_end(iter->tok) != end - start)
	{
		const char *problem = json_tokener_error_desc(err);

		/* json-c stopped short of the scanner's extent: bad syntax inside */
		if (err == json_tokener_success || err == json_tokener_continue)
			problem = "unexpected character";

		if (obj != NULL)
			json_object_put(obj);
		report_syntax_error(iter,
							start + json_tokener_get_parse_end(iter->tok),
							psprintf("JSON syntax error (%s)", problem));
	}
	iter->pos = end;
	return obj;
}

/*
 * Return the offset just past the object or array that starts at "start",
 * found by tracking strings and nesting depth only; json-c checks the rest
 * of the syntax.
 */
static size_t
scan_object(ConvJsonIter *iter, size_t start)
{
	const char *p = iter->data + start;
	const char *end = iter->data + iter->len;
	int			depth = 0;

	while (p < end)
	{
		switch (*p)
		{
			case '"':
				p = skip_string(p + 1, end);
				if (p == NULL)
					report_incomplete(iter, start);
				continue;
			case '{':
			case '[':
				depth++;
				break;
			case '}':
			case ']':
				if (--depth == 0)
					return p + 1 - iter->data;
				break;
			case '-':
			case '0':
			case '1':
			case '2':
			case '3':
			case '4':
			case '5':
			case '6':
			case '7':
			case '8':
			case '9':
				p = check_number(iter, p, end);
				continue;
			default:
				break;
		}
		p++;
	}
	report_incomplete(iter, start);
}

/*
 * Return the position just past the closing quote of the string whose
 * contents start at p, or NULL if the body ends first.  Strings are most
 * of a page (transcripts), so this jumps from quote to quote.
 */
static const char *
skip_string(const char *p, const char *end)
{
	for (;;)
	{
		const char *quote = memchr(p, '"', end - p);
		const char *b;

		if (quote == NULL)
			return NULL;

		/*
		 * An odd run of backslashes escapes the quote.  The run cannot reach
		 * back past p, which follows a quote.
		 */
		for (b = quote; b > p && b[-1] == '\\'; b--)
			;
		if ((quote - b) % 2 == 0)
			return quote + 1;
		p = quote + 1;
	}
}

/*
 * Return the position just past the number token at p.  json-c silently
 * clamps integers beyond 64 bits (to INT64_MIN or UINT64_MAX), which
 * would corrupt the value without a trace, so those are refused here.
 */
static const char *
check_number(ConvJsonIter *iter, const char *p, const char *end)
{
	const char *start = p;
	bool		integral = true;

	for (; p < end; p++)
	{
		char		c = *p;

		if (c == '.' || c == 'e' || c == 'E')
			integral = false;
		else if ((c < '0' || c > '9') && c != '-' && c != '+')
			break;
	}

	/* 18 characters always fit; longer ones are rare enough to check */
	if (integral && p - start > 18 && !integer_fits(start, p - start))
	{
		StringInfoData excerpt;

		initStringInfo(&excerpt);
		append_excerpt(&excerpt, start, p - start, BODY_EXCERPT_CHARS);
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("JSON number out of range in the response to %s",
						iter->what),
				 errdetail("The integer at byte offset %zu does not fit in 64 bits: %s.",
						   (size_t) (start - iter->data), excerpt.data),
				 errhint("conv_fdw reads JSON integers from -9223372036854775808 to 18446744073709551615.")));
	}
	return p;
}

/* Does the integer literal s (len bytes) fit in int64 or uint64? */
static bool
integer_fits(const char *s, size_t len)
{
	char		buf[32];

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	if (buf[0] == '-')
		(void) strtoi64(buf, NULL, 10);
	else
		(void) strtou64(buf, NULL, 10);
	return errno != ERANGE;
}

/* Report malformed JSON at a byte offset of the body. */
static void
report_syntax_error(ConvJsonIter *iter, size_t offset, const char *problem)
{
	StringInfoData excerpt;

	initStringInfo(&excerpt);
	append_excerpt(&excerpt, iter->data + offset,
				   Min(iter->len - offset,
					   BODY_EXCERPT_CHARS * MAX_MULTIBYTE_CHAR_LEN),
				   BODY_EXCERPT_CHARS);
	ereport(ERROR,
			(errcode(ERRCODE_FDW_ERROR),
			 errmsg("invalid JSON in the response to %s", iter->what),
			 errdetail("%s at byte offset %zu of %zu: %s",
					   problem, offset, iter->len, excerpt.data),
			 errhint("The vendor sent a malformed or truncated response.")));
}

/*
 * Report the object that starts at "start" and does not end before the
 * body does.  The scanner tracks strings and nesting only, so the body may
 * instead have gone wrong inside it (a gateway's HTML error page in place
 * of the rest): json-c tells which, and where.
 */
static void
report_incomplete(ConvJsonIter *iter, size_t start)
{
	struct json_object *obj;
	enum json_tokener_error err;

	json_tokener_reset(iter->tok);
	obj = json_tokener_parse_ex(iter->tok, iter->data + start,
								(int) (iter->len - start));
	err = json_tokener_get_error(iter->tok);
	if (obj != NULL)
		json_object_put(obj);
	if (err != json_tokener_success && err != json_tokener_continue)
		report_syntax_error(iter,
							start + json_tokener_get_parse_end(iter->tok),
							psprintf("JSON syntax error (%s)",
									 json_tokener_error_desc(err)));
	report_truncated(iter);
}

/* Report a body that ends before its JSON value does. */
static void
report_truncated(ConvJsonIter *iter)
{
	size_t		tail = Min(iter->len, BODY_EXCERPT_CHARS);
	size_t		blank = 0;
	StringInfoData excerpt;

	while (blank < iter->len && is_json_space(iter->data[blank]))
		blank++;
	initStringInfo(&excerpt);
	append_excerpt(&excerpt, iter->data + iter->len - tail, tail,
				   BODY_EXCERPT_CHARS);
	ereport(ERROR,
			(errcode(ERRCODE_FDW_ERROR),
			 errmsg("invalid JSON in the response to %s", iter->what),
			 blank == iter->len ?
			 errdetail("The response body is empty.") :
			 errdetail("The response body ends in the middle of a JSON value, after %zu bytes ending with: %s",
					   iter->len, excerpt.data),
			 errhint("The vendor sent a malformed or truncated response.")));
}

/* Report what is at the current position, which is not what "problem" says. */
static void
report_unexpected(ConvJsonIter *iter, const char *problem)
{
	if (iter->pos >= iter->len)
		report_truncated(iter);
	report_syntax_error(iter, iter->pos, problem);
}

/*
 * Append at most max_chars characters of s (len bytes) to buf, for an
 * error message: control characters and bytes that are not valid UTF-8
 * are escaped, and so is all non-ASCII unless the server encoding is
 * UTF-8, because a message must be valid in the server encoding.  "..."
 * marks a cut.
 */
static void
append_excerpt(StringInfo buf, const char *s, size_t len, int max_chars)
{
	const unsigned char *p = (const unsigned char *) s;
	const unsigned char *end = p + len;
	bool		utf8 = GetDatabaseEncoding() == PG_UTF8;
	int			nchars;

	for (nchars = 0; p < end && nchars < max_chars; nchars++)
	{
		int			mblen = pg_utf_mblen(p);

		if (*p >= 0x20 && *p < 0x7f)
			appendStringInfoChar(buf, (char) *p);
		else if (*p >= 0x80 && utf8 && mblen <= end - p &&
				 pg_utf8_islegal(p, mblen))
		{
			appendBinaryStringInfo(buf, (const char *) p, mblen);
			p += mblen;
			continue;
		}
		else
			appendStringInfo(buf, "\\x%02x", *p);
		p++;
	}
	if (p < end)
		appendStringInfoString(buf, "...");
}

/*
 * Build the column map of a foreign table reading the vendor's table, in
 * the current memory context.  attrs_used holds the attnums to decode,
 * offset by FirstLowInvalidHeapAttributeNumber (NULL or a whole-row
 * reference: all).
 */
ConvColumnMap *
conv_column_map_create(Relation rel, Bitmapset *attrs_used,
					   const ConvTableDef *table)
{
	TupleDesc	desc = RelationGetDescr(rel);
	ConvColumnMap *map = palloc0(sizeof(ConvColumnMap));
	bool		all;
	int			i;

	/* a whole-row reference reads every column */
	all = attrs_used == NULL ||
		bms_is_member(InvalidAttrNumber - FirstLowInvalidHeapAttributeNumber,
					  attrs_used);

	map->relname = pstrdup(RelationGetRelationName(rel));
	map->id_field = table->id_field ? pstrdup(table->id_field) : NULL;
	map->natts = desc->natts;
	map->columns = palloc0(sizeof(ConvColumn) * Max(desc->natts, 1));
	map->column_of_att = palloc(sizeof(int) * Max(desc->natts, 1));
	map->mcxt = CurrentMemoryContext;
	map->scratch = AllocSetContextCreate(CurrentMemoryContext,
										 "conv_fdw jsonb scratch",
										 ALLOCSET_DEFAULT_SIZES);

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		map->column_of_att[i] = -1;
		if (att->attisdropped)
			continue;
		if (!all &&
			!bms_is_member(att->attnum - FirstLowInvalidHeapAttributeNumber,
						   attrs_used))
			continue;
		init_column(&map->columns[map->ncolumns], rel, att, table);
		map->column_of_att[i] = map->ncolumns++;
	}
	return map;
}

/* Fill in the map entry of one attribute. */
static void
init_column(ConvColumn *col, Relation rel, Form_pg_attribute att,
			const ConvTableDef *table)
{
	Oid			infunc;
	const ConvColumnDef *def;

	col->attnum = att->attnum;
	col->attname = pstrdup(NameStr(att->attname));
	/* the planner's own rule, so that both agree on what a column reads */
	col->path = conv_attr_json_path(RelationGetRelid(rel), att->attnum,
									col->attname);
	col->keys = split_path(col->path, &col->nkeys);

	col->typid = att->atttypid;
	col->typmod = att->atttypmod;
	col->basetypmod = att->atttypmod;
	col->basetypid = getBaseTypeAndTypmod(att->atttypid, &col->basetypmod);
	col->is_domain = col->basetypid != col->typid;
	col->target = target_of_type(col->basetypid);
	getTypeInputInfo(col->basetypid, &infunc, &col->typioparam);
	fmgr_info(infunc, &col->input);

	/* the vendor's default, where the column has the vendor's type */
	def = conv_find_column_def(table, col->path);
	col->has_absent = def && def->absent_value && def->type == col->basetypid;
	if (col->has_absent)
		col->absent_value = InputFunctionCall(&col->input,
											  unconstify(char *, def->absent_value),
											  col->typioparam, col->basetypmod);
}

/* Split a dot-separated path into a palloc'd array of keys. */
static char **
split_path(const char *path, int *nkeys)
{
	char	   *copy = pstrdup(path);
	char	  **keys;
	char	   *p;
	int			n = 1;

	for (p = copy; *p; p++)
		n += (*p == '.');
	keys = palloc(sizeof(char *) * n);

	n = 0;
	keys[n++] = copy;
	for (p = copy; *p; p++)
	{
		if (*p == '.')
		{
			*p = '\0';
			keys[n++] = p + 1;
		}
	}
	*nkeys = n;
	return keys;
}

/* How values of a (base) type are produced; see the conversion rules. */
static ConvTarget
target_of_type(Oid basetypid)
{
	switch (basetypid)
	{
		case TEXTOID:
			return TARGET_TEXT;
		case JSONBOID:
			return TARGET_JSONB;
		case JSONOID:
			return TARGET_JSON;
		case BOOLOID:
			return TARGET_BOOL;
		case INT2OID:
			return TARGET_INT2;
		case INT4OID:
			return TARGET_INT4;
		case INT8OID:
			return TARGET_INT8;
		case FLOAT8OID:
			return TARGET_FLOAT8;
		case FLOAT4OID:
		case NUMERICOID:
			return TARGET_NUMBER;
		case TIMESTAMPTZOID:
		case TIMESTAMPOID:
		case DATEOID:
		case TIMEOID:
		case TIMETZOID:
			return TARGET_DATETIME;
		default:
			return TARGET_OTHER;
	}
}

/* The JSON path of an attribute, or NULL if the map does not decode it. */
const char *
conv_column_map_path(ConvColumnMap *map, AttrNumber attnum)
{
	if (attnum < 1 || attnum > map->natts ||
		map->column_of_att[attnum - 1] < 0)
		return NULL;
	return map->columns[map->column_of_att[attnum - 1]].path;
}

/*
 * Decode one object into the values and nulls of a row of the table
 * (arrays of the relation's natts).  Attributes not in the map are NULL.
 * Values are allocated in the current memory context and do not point
 * into the object.
 */
void
conv_decode_object(ConvColumnMap *map, struct json_object *obj,
				   Datum *values, bool *nulls)
{
	int			i;

	memset(values, 0, sizeof(Datum) * map->natts);
	memset(nulls, true, sizeof(bool) * map->natts);

	map->cur_object = obj;
	map->errcb.callback = decode_error_callback;
	map->errcb.arg = map;
	map->errcb.previous = error_context_stack;
	error_context_stack = &map->errcb;

	for (i = 0; i < map->ncolumns; i++)
	{
		ConvColumn *col = &map->columns[i];
		struct json_object *v = get_keys(obj, col->keys, col->nkeys);
		int			idx = col->attnum - 1;

		map->cur_column = col;
		map->cur_value = v;
		if (v == NULL && col->has_absent)
		{
			values[idx] = col->absent_value;
			nulls[idx] = false;
		}
		else if (json_object_get_type(v) == json_type_null)
			nulls[idx] = true;
		else
			values[idx] = convert_value(map, col, v, &nulls[idx]);
		if (col->is_domain)
			domain_check(values[idx], nulls[idx], col->typid,
						 &col->domain_extra, map->mcxt);
	}

	error_context_stack = map->errcb.previous;
}

/* Follow pre-split keys through nested objects; NULL if absent. */
static struct json_object *
get_keys(struct json_object *obj, char **keys, int nkeys)
{
	int			i;

	for (i = 0; i < nkeys; i++)
	{
		if (!json_object_is_type(obj, json_type_object) ||
			!json_object_object_get_ex(obj, keys[i], &obj))
			return NULL;
	}
	return obj;
}

/*
 * Convert a non-null JSON value to the column's base type.  *isnull is set
 * for the values that mean "no value" (an empty date/time string).
 */
static Datum
convert_value(ConvColumnMap *map, ConvColumn *col, struct json_object *v,
			  bool *isnull)
{
	enum json_type type = json_object_get_type(v);
	const char *s;
	size_t		len;

	*isnull = false;
	switch (col->target)
	{
		case TARGET_TEXT:
			s = to_server(value_text(v, &len), &len);
			return PointerGetDatum(cstring_to_text_with_len(s, len));
		case TARGET_JSONB:
			return convert_jsonb(map, v);
		case TARGET_JSON:
			s = json_text(v, &len);
			return input_value(col, s, len);
		case TARGET_BOOL:
			return convert_bool(map, v);
		case TARGET_INT2:
		case TARGET_INT4:
		case TARGET_INT8:
			return convert_int(map, col, v);
		case TARGET_FLOAT8:
			return convert_float8(map, col, v);
		case TARGET_NUMBER:
			if (type != json_type_int && type != json_type_double &&
				!(type == json_type_string &&
				  is_numeric_text(json_object_get_string(v))))
				report_conversion_error(map);
			s = value_text(v, &len);
			return input_value(col, s, len);
		case TARGET_DATETIME:
			if (type != json_type_string)
				report_conversion_error(map);
			if (json_object_get_string_len(v) == 0)
			{
				*isnull = true;
				return (Datum) 0;
			}
			s = value_text(v, &len);
			return input_value(col, s, len);
		case TARGET_OTHER:
			s = value_text(v, &len);
			return input_value(col, s, len);
	}
	pg_unreachable();
}

/*
 * Build a jsonb straight from the json-c tree: printing the tree and
 * parsing the text again with jsonb_in takes twice as long.  The
 * intermediate JsonbValue tree goes into the map's scratch context, reset
 * for each value, so that large values (transcripts) do not pile up in
 * the caller's context until its reset.
 */
static Datum
convert_jsonb(ConvColumnMap *map, struct json_object *v)
{
	MemoryContext oldcxt;
	JsonbParseState *state = NULL;
	JsonbValue	scalar;
	JsonbValue *tree = &scalar;

	MemoryContextReset(map->scratch);
	oldcxt = MemoryContextSwitchTo(map->scratch);
	if (json_object_is_type(v, json_type_object) ||
		json_object_is_type(v, json_type_array))
		tree = push_jsonb(map, &state, v, WJB_DONE);
	else
		jsonb_scalar(map, v, &scalar);
	MemoryContextSwitchTo(oldcxt);

	return JsonbPGetDatum(JsonbValueToJsonb(tree));
}

/*
 * Add a value to the jsonb being built, as "token" (WJB_ELEM or WJB_VALUE)
 * if it is a scalar.  Returns what pushJsonbValue returns: the whole tree
 * once the outermost container is closed.
 */
static JsonbValue *
push_jsonb(ConvColumnMap *map, JsonbParseState **state,
		   struct json_object *v, JsonbIteratorToken token)
{
	JsonbValue	jv;

	check_stack_depth();
	if (json_object_is_type(v, json_type_object))
	{
		int			n = json_object_object_length(v);
		struct lh_entry **entries = palloc(sizeof(struct lh_entry *) * n);
		struct lh_entry *entry;
		int			i = 0;

		/*
		 * jsonb sorts the keys of every object, swapping whole pairs byte by
		 * byte; handing them over in its order makes that sort a mere check.
		 */
		for (entry = json_object_get_object(v)->head; entry != NULL;
			 entry = entry->next)
			entries[i++] = entry;
		qsort(entries, n, sizeof(struct lh_entry *), compare_keys);

		pushJsonbValue(state, WJB_BEGIN_OBJECT, NULL);
		for (i = 0; i < n; i++)
		{
			const char *key = lh_entry_k(entries[i]);
			size_t		len = strlen(key);

			jv.type = jbvString;
			jv.val.string.val = unconstify(char *, to_server(key, &len));
			jv.val.string.len = len;
			pushJsonbValue(state, WJB_KEY, &jv);
			push_jsonb(map, state, lh_entry_v(entries[i]), WJB_VALUE);
		}
		return pushJsonbValue(state, WJB_END_OBJECT, NULL);
	}
	if (json_object_is_type(v, json_type_array))
	{
		size_t		n = json_object_array_length(v);
		size_t		i;

		pushJsonbValue(state, WJB_BEGIN_ARRAY, NULL);
		for (i = 0; i < n; i++)
			push_jsonb(map, state, json_object_array_get_idx(v, i), WJB_ELEM);
		return pushJsonbValue(state, WJB_END_ARRAY, NULL);
	}
	jsonb_scalar(map, v, &jv);
	return pushJsonbValue(state, token, &jv);
}

/* Order json-c object entries as jsonb orders keys: shorter first. */
static int
compare_keys(const void *a, const void *b)
{
	const char *ka = lh_entry_k(*(struct lh_entry *const *) a);
	const char *kb = lh_entry_k(*(struct lh_entry *const *) b);
	size_t		la = strlen(ka);
	size_t		lb = strlen(kb);

	if (la != lb)
		return la < lb ? -1 : 1;
	return memcmp(ka, kb, la);
}

/* A JSON scalar as a JsonbValue, strings in the server encoding. */
static void
jsonb_scalar(ConvColumnMap *map, struct json_object *v, JsonbValue *jv)
{
	size_t		len;

	switch (json_object_get_type(v))
	{
		case json_type_null:
			jv->type = jbvNull;
			break;
		case json_type_boolean:
			jv->type = jbvBool;
			jv->val.boolean = json_object_get_boolean(v);
			break;
		case json_type_int:
		case json_type_double:
			jv->type = jbvNumeric;
			jv->val.numeric = json_numeric(map, v);
			break;
		default:
			len = json_object_get_string_len(v);
			jv->type = jbvString;
			jv->val.string.val =
				unconstify(char *, to_server(json_object_get_string(v), &len));
			jv->val.string.len = len;
			break;
	}
}

/*
 * The numeric of a JSON number, from its text as the vendor wrote it.
 * json-c also accepts NaN and Infinity, which are not JSON and which
 * jsonb cannot hold.
 */
static Numeric
json_numeric(ConvColumnMap *map, struct json_object *v)
{
	const char *s;

	/* json-c holds integers above INT64_MAX as uint64 */
	if (json_object_is_type(v, json_type_int) &&
		json_object_get_int64(v) != PG_INT64_MAX)
		return int64_to_numeric(json_object_get_int64(v));

	s = json_object_get_string(v);
	if (!isdigit((unsigned char) s[*s == '-']))
		report_conversion_error(map);
	return DatumGetNumeric(DirectFunctionCall3(numeric_in,
											   CStringGetDatum(s),
											   ObjectIdGetDatum(InvalidOid),
											   Int32GetDatum(-1)));
}

/*
 * An integer column takes a JSON integer, a double with an integral value
 * or a string of digits, all within the type's range.
 */
static Datum
convert_int(ConvColumnMap *map, ConvColumn *col, struct json_object *v)
{
	int64		n;

	if (!json_to_int64(v, &n))
		report_conversion_error(map);
	switch (col->target)
	{
		case TARGET_INT2:
			if (n < PG_INT16_MIN || n > PG_INT16_MAX)
				report_conversion_error(map);
			return Int16GetDatum((int16) n);
		case TARGET_INT4:
			if (n < PG_INT32_MIN || n > PG_INT32_MAX)
				report_conversion_error(map);
			return Int32GetDatum((int32) n);
		default:
			return Int64GetDatum(n);
	}
}

/* Read a JSON value as an int64, if it is one (see convert_int). */
static bool
json_to_int64(struct json_object *v, int64 *result)
{
	switch (json_object_get_type(v))
	{
		case json_type_int:
			*result = json_object_get_int64(v);
			/* json-c holds integers above INT64_MAX as uint64 */
			return *result != PG_INT64_MAX ||
				json_object_get_uint64(v) == (uint64) PG_INT64_MAX;
		case json_type_double:
			{
				double		d = json_object_get_double(v);

				if (d != floor(d) || !FLOAT8_FITS_IN_INT64(d))
					return false;
				*result = (int64) d;
				return true;
			}
		case json_type_string:
			{
				const char *s = json_object_get_string(v);
				const char *digits = s + (*s == '-');

				if (*digits == '\0' ||
					strspn(digits, "0123456789") != strlen(digits))
					return false;
				errno = 0;
				*result = strtoi64(s, NULL, 10);
				return errno != ERANGE;
			}
		default:
			return false;
	}
}

/*
 * A double precision column takes a JSON number or a numeric string.
 * json-c has parsed the number with strtod already, which float8in would
 * repeat; only infinities and zeros, which strtod also returns for
 * overflow and underflow, go through float8in to be checked.
 */
static Datum
convert_float8(ConvColumnMap *map, ConvColumn *col, struct json_object *v)
{
	const char *s;
	size_t		len;

	switch (json_object_get_type(v))
	{
		case json_type_int:
			if (json_object_get_int64(v) == PG_INT64_MAX)
				return Float8GetDatum((double) json_object_get_uint64(v));
			return Float8GetDatum((double) json_object_get_int64(v));
		case json_type_double:
			{
				double		d = json_object_get_double(v);

				if (isfinite(d) && d != 0.0)
					return Float8GetDatum(d);
				break;
			}
		case json_type_string:
			if (!is_numeric_text(json_object_get_string(v)))
				report_conversion_error(map);
			break;
		default:
			report_conversion_error(map);
	}
	s = value_text(v, &len);
	return input_value(col, s, len);
}

/*
 * Is s a number as JSON writes them (also with a leading "+", or digits
 * omitted on one side of the point), NaN or [+-]Infinity?  This decides
 * whether a string is numeric before the input function sees it, so that
 * "long" gets the conversion error rather than float8in's.
 */
static bool
is_numeric_text(const char *s)
{
	const char *p = s;
	bool		digits = false;

	if (*p == '+' || *p == '-')
		p++;
	if (pg_strcasecmp(p, "infinity") == 0 ||
		(p == s && pg_strcasecmp(p, "nan") == 0))
		return true;
	for (; isdigit((unsigned char) *p); p++)
		digits = true;
	if (*p == '.')
		for (p++; isdigit((unsigned char) *p); p++)
			digits = true;
	if (!digits)
		return false;
	if (*p == 'e' || *p == 'E')
	{
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char) *p))
			return false;
		while (isdigit((unsigned char) *p))
			p++;
	}
	return *p == '\0';
}

/* A boolean column takes a JSON boolean or the string true or false. */
static Datum
convert_bool(ConvColumnMap *map, struct json_object *v)
{
	if (json_object_is_type(v, json_type_boolean))
		return BoolGetDatum(json_object_get_boolean(v));
	if (json_object_is_type(v, json_type_string))
	{
		const char *s = json_object_get_string(v);

		if (pg_strcasecmp(s, "true") == 0)
			return BoolGetDatum(true);
		if (pg_strcasecmp(s, "false") == 0)
			return BoolGetDatum(false);
	}
	report_conversion_error(map);
}

/*
 * Run the base type's input function on UTF-8 text.  Its errors get the
 * error context of conv_decode_object.
 */
static Datum
input_value(ConvColumn *col, const char *s, size_t len)
{
	s = to_server(s, &len);
	return InputFunctionCall(&col->input, unconstify(char *, s),
							 col->typioparam, col->basetypmod);
}

/*
 * The text of a value as text columns see it: a string's contents,
 * otherwise its JSON text.  NUL-terminated; owned by the value.
 */
static const char *
value_text(struct json_object *v, size_t *len)
{
	if (json_object_is_type(v, json_type_string))
	{
		*len = json_object_get_string_len(v);
		return json_object_get_string(v);
	}
	return json_text(v, len);
}

/* The JSON text of a value (strings quoted).  Owned by the value. */
static const char *
json_text(struct json_object *v, size_t *len)
{
	const char *s = json_object_to_json_string_length(v, JSON_TEXT_FLAGS,
													  len);

	if (s == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	return s;
}

/*
 * Convert UTF-8 text of the response to the server encoding.  In a UTF-8
 * database this only validates it (rejecting invalid sequences, and NUL
 * bytes from "\u0000") and returns s itself.  The result is NUL-terminated
 * if s is.
 */
static const char *
to_server(const char *s, size_t *len)
{
	const char *converted = pg_any_to_server(s, (int) *len, PG_UTF8);

	if (converted != s)
		*len = strlen(converted);
	return converted;
}

/* The id of an object as error messages show it: its JSON text. */
static char *
object_id(ConvColumnMap *map, struct json_object *obj)
{
	struct json_object *id;

	if (map->id_field == NULL)
		return "(no id)";
	id = conv_json_get_path(obj, map->id_field);
	if (id == NULL || json_object_is_type(id, json_type_null))
		return "(no id)";
	return value_excerpt(id);
}

/* The JSON text of a value, shortened and escaped for a message. */
static char *
value_excerpt(struct json_object *v)
{
	StringInfoData buf;
	const char *s;
	size_t		len;

	if (v == NULL)
		return "null";
	s = json_object_to_json_string_length(v, JSON_TEXT_FLAGS, &len);
	if (s == NULL)
		return "(unknown)";
	initStringInfo(&buf);
	append_excerpt(&buf, s, len, VALUE_EXCERPT_CHARS);
	return buf.data;
}

/* Report that the current column's type cannot take the current value. */
static void
report_conversion_error(ConvColumnMap *map)
{
	ConvColumn *col = map->cur_column;

	/* the message says it all; the error context would repeat it */
	error_context_stack = map->errcb.previous;
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
			 errmsg("cannot convert field \"%s\" of object %s to type %s for column \"%s\" of foreign table \"%s\"",
					col->path, object_id(map, map->cur_object),
					format_type_with_typemod(col->typid, col->typmod),
					col->attname, map->relname),
			 errdetail("The value is %s.", value_excerpt(map->cur_value)),
			 errhint("Change the column's type, or map it to another field with the column option json_path.")));
}

/*
 * Error context of conv_decode_object, for errors raised by input
 * functions, encoding checks and domain checks.
 */
static void
decode_error_callback(void *arg)
{
	ConvColumnMap *map = (ConvColumnMap *) arg;

	errcontext("column \"%s\" of foreign table \"%s\", object %s, value %s",
			   map->cur_column->attname, map->relname,
			   object_id(map, map->cur_object),
			   value_excerpt(map->cur_value));
}

/*
 * Follow a dot-separated path through nested objects; NULL if a key is
 * absent or a value on the way is not an object.
 */
struct json_object *
conv_json_get_path(struct json_object *obj, const char *path)
{
	char		buf[64];

	for (;;)
	{
		const char *dot = strchr(path, '.');
		size_t		len = dot ? (size_t) (dot - path) : 0;
		const char *key = path;

		/* json-c wants a NUL-terminated key */
		if (dot != NULL && len < sizeof(buf))
		{
			memcpy(buf, path, len);
			buf[len] = '\0';
			key = buf;
		}
		else if (dot != NULL)
			key = pnstrdup(path, len);

		if (!json_object_is_type(obj, json_type_object) ||
			!json_object_object_get_ex(obj, key, &obj))
			return NULL;
		if (dot == NULL)
			return obj;
		path = dot + 1;
	}
}

/*
 * The text of a scalar: a string's contents, or the JSON text of other
 * values; NULL for JSON null or NULL.  Owned by the value.
 */
const char *
conv_json_scalar_text(struct json_object *obj)
{
	size_t		len;

	if (obj == NULL || json_object_is_type(obj, json_type_null))
		return NULL;
	return value_text(obj, &len);
}

/*
 * The strings of a small response body that is a JSON array of strings
 * (a search's ids), as a List of palloc'd C strings.  what names the
 * request for messages.
 */
List *
conv_json_parse_strings(const char *data, size_t len, const char *what)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *array = json_tokener_parse_ex(tok, data, (int) len);
	List	   *result = NIL;
	bool		ok = array != NULL && json_object_is_type(array, json_type_array);

	json_tokener_free(tok);
	PG_TRY();
	{
		for (size_t i = 0; ok && i < json_object_array_length(array); i++)
		{
			struct json_object *item = json_object_array_get_idx(array, i);

			ok = json_object_is_type(item, json_type_string);
			if (ok)
				result = lappend(result, pstrdup(json_object_get_string(item)));
		}
	}
	PG_FINALLY();
	{
		json_object_put(array);
	}
	PG_END_TRY();
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("the response to %s is not a JSON array of strings", what),
				 errhint("The vendor sent a malformed or truncated response.")));
	return result;
}
