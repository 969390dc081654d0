/*-------------------------------------------------------------------------
 *
 * pager.c
 *		  The next request of a list scan, from the last one and its page,
 *		  and which objects of a page are new.
 *
 * A scan returns every matching object exactly once although the vendors
 * make that hard:
 *
 * - keyset paging (since + last_id) may repeat the last_id object on the
 *   next page (a known ExecVision bug);
 * - since-only paging overlaps: the next page starts at the last page's
 *   time, and the API ignores the seconds of since, so it starts even
 *   earlier;
 * - an object modified while the scan pages moves to the end of the order
 *   and comes again.
 *
 * So the pager remembers a 64-bit hash of the identity (id, or the whole
 * object where the vendor gives no id) of every object it let through, and
 * lets no identity through twice; and it moves its position (the greatest
 * paging time and id seen) forward with every page.  A full page that does
 * not move the position would be requested again forever: that is an
 * error, not a loop.  The hash set costs about 16 bytes per object.
 *
 * Other vendors page by page number (the page size must then stay the
 * same: pages are not offsets), by a Link header's next URL, or by a
 * token in the response; the identity set keeps those exact as well when
 * objects move between pages while the scan reads them.
 *
 * A since list whose vendor pages by number too (CCAI) gets past more
 * objects at one time than a page holds by asking for page 2, 3... of
 * that time.  Page numbers are positions, though: an object of that time
 * modified between two pages leaves it, the later pages shift, and one
 * object would be skipped for good.  So those pages are held to that one
 * time (until_param), where objects can only leave, and the vendor's count
 * of them (total_header) must stay what it was on the first of them;
 * when it drops, the pages of that time are read again from the first.
 *
 * src/pager.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <json-c/json.h>

#include "common/hashfn.h"
#include "datatype/timestamp.h"
#include "utils/fmgroids.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "conv_fdw.h"

/* A set of identities, by 64-bit hash. */
typedef struct SeenEntry
{
	uint64		hash;
	char		status;
} SeenEntry;

#define SH_PREFIX		seen
#define SH_ELEMENT_TYPE SeenEntry
#define SH_KEY_TYPE		uint64
#define SH_KEY			hash
#define SH_HASH_KEY(tb, key) ((uint32) ((key) ^ ((key) >> 32)))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

struct ConvIdSet
{
	seen_hash  *hashes;
};

struct ConvPager
{
	const ConvTableDef *table;
	MemoryContext cxt;			/* where the pager's own state lives: rows
								 * are read in shorter-lived contexts */
	char	   *fixed_query;	/* encoded parameters sent every time */
	TimestampTz since;			/* since of the next request */
	bool		since_exact;	/* send since with microseconds */
	int			page_size;		/* 0: the endpoint takes no limit */
	bool		requested;
	bool		finished;
	/* the position: the greatest (paging time, id) let through so far */
	bool		have_pos;
	TimestampTz pos_time;
	char	   *pos_id;
	/* the page being read */
	int			page_units;		/* objects, or distinct page units */
	char	   *page_unit;		/* the last page unit seen */
	bool		page_advanced;
	ConvIdSet  *seen;
	int			page_number;	/* CONV_PAGING_PAGE_NUMBER: of the next page */
	/* since paging by number through the objects of one time, pos_time */
	bool		one_time;
	int64		one_time_total; /* how many the first page counted, -1: the
								 * vendor did not say */
	int			one_time_restarts;
	char	   *next;			/* LINK: the next request; TOKEN: the token */
	int64		objects;		/* objects in all pages so far */
	/* where a previous scan ended (conv_pager_resume) */
	bool		resumed;
	TimestampTz resume_time;
	char	   *resume_id;
	FmgrInfo	timestamptz_in; /* parses paging times */
};

/*
 * An empty set of identities (ids, or whole objects' JSON text), in the
 * current memory context.
 */
ConvIdSet *
conv_idset_create(void)
{
	ConvIdSet  *set = palloc(sizeof(ConvIdSet));

	set->hashes = seen_create(CurrentMemoryContext, 1024, NULL);
	return set;
}

/*
 * The hash an identity of len bytes is kept as.
 */
static uint64
identity_hash(const char *identity, size_t len)
{
	return hash_bytes_extended((const unsigned char *) identity, (int) len, 0);
}

/*
 * Add an identity; false if it was there already.
 */
bool
conv_idset_add(ConvIdSet *set, const char *identity)
{
	bool		found;

	seen_insert(set->hashes, identity_hash(identity, strlen(identity)), &found);
	return !found;
}

/*
 * Is the set empty?  (Cheaper than hashing an identity to find out.)
 */
bool
conv_idset_is_empty(ConvIdSet *set)
{
	return set == NULL || set->hashes->members == 0;
}

/*
 * Is the identity in the set?
 */
bool
conv_idset_contains(ConvIdSet *set, const char *identity)
{
	return conv_idset_contains_n(set, identity, strlen(identity));
}

/*
 * Is the identity of len bytes (not NUL-terminated: a text datum's data)
 * in the set?
 */
bool
conv_idset_contains_n(ConvIdSet *set, const char *identity, size_t len)
{
	return set->hashes->members > 0 &&
		seen_lookup(set->hashes, identity_hash(identity, len)) != NULL;
}

/*
 * Start paging a list endpoint.  fixed_query holds encoded parameters for
 * every request ("include_transcripts=true", or ""); since is the lower
 * bound the query gives, DT_NOBEGIN for none (ignored when the endpoint
 * takes none).
 */
ConvPager *
conv_pager_create(const ConvTableDef *table, const char *fixed_query,
				  TimestampTz since, int page_size)
{
	ConvPager  *pager = palloc0(sizeof(ConvPager));

	pager->table = table;
	pager->cxt = CurrentMemoryContext;
	pager->fixed_query = pstrdup(fixed_query);
	pager->since = since;
	pager->page_size = page_size;
	pager->page_number = 1;
	pager->seen = conv_idset_create();
	fmgr_info(F_TIMESTAMPTZ_IN, &pager->timestamptz_in);
	return pager;
}

/*
 * Format t as the ISO 8601 UTC time vendors take: to the minute for a
 * query's lower bound where the API ignores seconds anyway, to the
 * millisecond for APIs that take no finer time, to the microsecond for a
 * position taken from a page.
 */
char *
conv_format_time(TimestampTz t, ConvTimePrecision precision)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (timestamp2tm(t, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range for a vendor request")));
	if (precision == CONV_TIME_MINUTE)
		return psprintf("%04d-%02d-%02dT%02d:%02dZ", tm.tm_year, tm.tm_mon,
						tm.tm_mday, tm.tm_hour, tm.tm_min);
	if (precision == CONV_TIME_MILLI)
		return psprintf("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year, tm.tm_mon,
						tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int) fsec / 1000);
	return psprintf("%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year, tm.tm_mon,
					tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int) fsec);
}

/*
 * The query without its parameter name (encoded), which may come several
 * times.
 */
static char *
query_without(const char *query, const char *name)
{
	StringInfoData buf;
	char	   *copy = pstrdup(query);
	char	   *save = NULL;
	size_t		len = strlen(name);

	initStringInfo(&buf);
	for (char *param = strtok_r(copy, "&", &save); param; param = strtok_r(NULL, "&", &save))
	{
		if (strncmp(param, name, len) == 0 && param[len] == '=')
			continue;
		appendStringInfo(&buf, "%s%s", buf.len > 0 ? "&" : "", param);
	}
	return buf.data;
}

/*
 * The path and query of the next request, or NULL when the scan is done.
 */
char *
conv_pager_next_request(ConvPager *pager)
{
	const ConvTableDef *table = pager->table;
	StringInfoData buf;
	char		sep = '?';
	const char *fixed_query = pager->fixed_query;

	if (pager->finished ||
		(pager->requested && table->paging == CONV_PAGING_NONE))
		return NULL;
	if (table->paging == CONV_PAGING_LINK && pager->next)
		return pstrdup(pager->next);
	/* the pages at one time are held to it: instead of the query's bound */
	if (pager->one_time)
		fixed_query = query_without(fixed_query, conv_url_encode(table->until_param));
	initStringInfo(&buf);
	appendStringInfoString(&buf, table->list_path);
	if (fixed_query[0] != '\0')
	{
		appendStringInfo(&buf, "%c%s", sep, fixed_query);
		sep = '&';
	}
	if (table->list_params)
	{
		appendStringInfo(&buf, "%c%s", sep, table->list_params);
		sep = '&';
	}
	if (table->resume_query && pager->resumed)
	{
		appendStringInfoChar(&buf, sep);
		appendStringInfo(&buf, table->resume_query, conv_url_encode(pager->resume_id));
		sep = '&';
	}
	if (table->page_param &&
		(table->paging == CONV_PAGING_PAGE_NUMBER || pager->page_number > 1))
	{
		appendStringInfo(&buf, "%c%s=%d", sep, table->page_param, pager->page_number);
		sep = '&';
	}
	if (table->paging == CONV_PAGING_TOKEN && pager->next)
	{
		appendStringInfo(&buf, "%c%s=%s", sep, table->token_param,
						 conv_url_encode(pager->next));
		sep = '&';
	}
	if (table->since_param)
	{
		/* without a bound, ask for everything if the vendor insists on one */
		const char *since = pager->since != DT_NOBEGIN ?
			conv_format_time(pager->since, pager->since_exact ? CONV_TIME_MICRO :
							 table->since_millis ? CONV_TIME_MILLI : CONV_TIME_MINUTE) : table->since_default;

		if (since)
			appendStringInfo(&buf, "%c%s=%s", sep, conv_url_encode(table->since_param),
							 conv_url_encode(since));
		sep = since ? '&' : sep;
	}
	if (pager->one_time)
	{
		/* before the next microsecond: that time alone */
		appendStringInfo(&buf, "%c%s=%s", sep, conv_url_encode(table->until_param),
						 conv_url_encode(conv_format_time(pager->since + 1, CONV_TIME_MICRO)));
		sep = '&';
	}
	/* a position resumed from a time alone (no deletions yet) has no id */
	if (table->paging == CONV_PAGING_KEYSET && pager->have_pos && pager->pos_id)
		appendStringInfo(&buf, "&last_id=%s", conv_url_encode(pager->pos_id));
	if (table->limit_param && pager->page_size > 0)
		appendStringInfo(&buf, "%c%s=%d", sep, table->limit_param, pager->page_size);

	pager->requested = true;
	pager->page_units = 0;
	if (pager->page_unit)
		pfree(pager->page_unit);
	pager->page_unit = NULL;
	pager->page_advanced = false;
	return buf.data;
}

static bool pages_by_time(const ConvTableDef *table);
static void since_page_done(ConvPager *pager, const char *headers);
static void one_time_page_done(ConvPager *pager, const char *headers, bool full);
static void set_next(ConvPager *pager, char *next);
static char *page_token(ConvPager *pager, struct json_object *envelope);
static char *link_next_path(ConvPager *pager, const char *headers,
							const ConvServer *server);
static void check_total(ConvPager *pager, const char *headers);

/*
 * Raise the error for an object the pager cannot place.
 */
static void
report_missing_field(const ConvTableDef *table, const char *field)
{
	ereport(ERROR,
			(errcode(ERRCODE_FDW_ERROR),
			 errmsg("an object of %s from the vendor has no field \"%s\"",
					table->name, field),
			 errdetail("conv_fdw pages through %s by that field.", table->name),
			 errhint("The vendor's response format may have changed.")));
}

/*
 * The paging time of an object.  A bare date ("2026-11-18") is midnight
 * UTC, as the vendor means it, not midnight in the session's time zone.
 */
static TimestampTz
object_time(ConvPager *pager, struct json_object *obj)
{
	const ConvTableDef *table = pager->table;
	const char *text = conv_json_scalar_text(conv_json_get_path(obj, table->cursor_field));

	if ((text == NULL || text[0] == '\0') && table->cursor_fallback)
		text = conv_json_scalar_text(conv_json_get_path(obj, table->cursor_fallback));
	if (text == NULL || text[0] == '\0')
		report_missing_field(table, table->cursor_field);
	if (strlen(text) == 10)
		text = psprintf("%sT00:00:00Z", text);
	return DatumGetTimestampTz(FunctionCall3(&pager->timestamptz_in,
											 CStringGetDatum(text),
											 ObjectIdGetDatum(InvalidOid),
											 Int32GetDatum(-1)));
}

/*
 * The identity of an object: its id, or its whole JSON text.
 */
static const char *
object_identity(const ConvTableDef *table, struct json_object *obj)
{
	const char *id;

	if (table->id_field == NULL)
		return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
	id = conv_json_scalar_text(conv_json_get_path(obj, table->id_field));
	if (id == NULL)
		report_missing_field(table, table->id_field);
	return id;
}

/*
 * Count the object toward the page's size: objects, or distinct units
 * where the vendor's limit counts something else (score results).
 */
static void
count_page_unit(ConvPager *pager, struct json_object *obj)
{
	const char *unit;

	if (pager->table->page_unit_field == NULL)
	{
		pager->page_units++;
		return;
	}
	unit = conv_json_scalar_text(conv_json_get_path(obj, pager->table->page_unit_field));
	if (unit == NULL || pager->page_unit == NULL || strcmp(unit, pager->page_unit) != 0)
		pager->page_units++;
	if (pager->page_unit)
		pfree(pager->page_unit);
	pager->page_unit = unit ? MemoryContextStrdup(pager->cxt, unit) : NULL;
}

/*
 * Move the position forward to (t, id) if that is past it.
 */
static void
advance_position(ConvPager *pager, TimestampTz t, const char *id)
{
	bool		past;

	if (!pager->have_pos)
		past = true;
	else if (t != pager->pos_time)
		past = t > pager->pos_time;
	else
		past = pager->table->paging == CONV_PAGING_KEYSET &&
			strcmp(id, pager->pos_id) > 0;
	if (!past)
		return;
	pager->have_pos = true;
	pager->pos_time = t;
	if (pager->table->paging == CONV_PAGING_KEYSET)
	{
		if (pager->pos_id)
			pfree(pager->pos_id);
		pager->pos_id = MemoryContextStrdup(pager->cxt, id);
	}
	pager->page_advanced = true;
}

/*
 * A list that resumes after an id returns its objects in id order: the
 * position is the last object's (time, id).
 */
static void
track_last(ConvPager *pager, struct json_object *obj, const char *identity)
{
	pager->have_pos = true;
	pager->pos_time = object_time(pager, obj);
	if (pager->pos_id)
		pfree(pager->pos_id);
	pager->pos_id = MemoryContextStrdup(pager->cxt, identity);
}

/*
 * Is the object at or before the position paging resumed from (the
 * vendor's repeat of the last_id object)?  The previous scan has it.
 */
static bool
before_resume(ConvPager *pager, TimestampTz t, const char *identity)
{
	if (!pager->resumed || pager->table->paging != CONV_PAGING_KEYSET ||
		pager->resume_id == NULL)
		return false;
	return t < pager->resume_time ||
		(t == pager->resume_time && strcmp(identity, pager->resume_id) <= 0);
}

/*
 * Should this object of the current page be returned?  False for one the
 * scan already returned.
 */
bool
conv_pager_accept(ConvPager *pager, struct json_object *obj)
{
	const char *identity;
	TimestampTz t;

	count_page_unit(pager, obj);
	pager->objects++;
	if (pager->table->paging == CONV_PAGING_NONE)
		return true;
	identity = object_identity(pager->table, obj);
	if (pager->table->resume_query)
		track_last(pager, obj, identity);
	if (!pages_by_time(pager->table))
		return conv_idset_add(pager->seen, identity);
	t = object_time(pager, obj);
	advance_position(pager, t, identity);
	return conv_idset_add(pager->seen, identity) && !before_resume(pager, t, identity);
}

/*
 * Does the endpoint page by the time (and id) of the last object?
 */
static bool
pages_by_time(const ConvTableDef *table)
{
	return table->paging == CONV_PAGING_KEYSET || table->paging == CONV_PAGING_SINCE;
}

/*
 * The page is read: decide whether there is another one, from the page
 * and, for some vendors, from the response's headers or its envelope
 * (conv_json_iter_envelope).  server resolves a next-page link.
 */
void
conv_pager_page_done(ConvPager *pager, const char *headers,
					 struct json_object *envelope, const ConvServer *server)
{
	const ConvTableDef *table = pager->table;

	switch (table->paging)
	{
		case CONV_PAGING_NONE:
			pager->finished = true;
			break;
		case CONV_PAGING_KEYSET:
		case CONV_PAGING_SINCE:
			since_page_done(pager, headers);
			break;
		case CONV_PAGING_PAGE_NUMBER:
			pager->finished = pager->page_units < pager->page_size;
			pager->page_number++;
			break;
		case CONV_PAGING_LINK:
			set_next(pager, link_next_path(pager, headers, server));
			break;
		case CONV_PAGING_TOKEN:
			set_next(pager, page_token(pager, envelope));
			break;
	}
	if (pager->finished)
		check_total(pager, headers);
}

/*
 * Keyset and since paging: the next page starts at the position, unless
 * this page was the last.
 */
static void
since_page_done(ConvPager *pager, const char *headers)
{
	const ConvTableDef *table = pager->table;
	bool		full = pager->page_size > 0 && pager->page_units >= pager->page_size;

	if (pager->one_time)
	{
		one_time_page_done(pager, headers, full);
		return;
	}
	if (!full)
	{
		pager->finished = true;
		return;
	}
	/*
	 * A vendor that pages by number too: the next pages at the same time,
	 * held to it from the first when the vendor can
	 */
	if (!pager->page_advanced && table->page_param && table->until_param)
	{
		pager->one_time = true;
		pager->one_time_total = -1;
		pager->one_time_restarts = 0;
		pager->since = pager->pos_time;
		pager->since_exact = true;
		pager->page_number = 1;
		return;
	}
	if (!pager->page_advanced && table->page_param)
	{
		pager->page_number++;
		return;
	}
	if (!pager->page_advanced)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("paging through %s made no progress", table->name),
				 errdetail("A full page of %d ended at %s, where the page before it ended.",
						   pager->page_size, conv_format_time(pager->pos_time, CONV_TIME_MICRO)),
				 errhint("More objects share one time than fit in a page; raise the server option page_size (the vendor allows at most %d).",
						 table->max_page_size)));
	pager->since = pager->pos_time;
	pager->since_exact = true;
	pager->page_number = 1;
}

/*
 * The count of matching objects a response's total_header gives, or -1.
 */
static int64
response_total(ConvPager *pager, const char *headers)
{
	char	   *text = pager->table->total_header && headers ?
		conv_http_header(headers, pager->table->total_header) : NULL;
	int64		total;

	if (text == NULL || sscanf(text, INT64_FORMAT, &total) != 1)
		return -1;
	return total;
}

/*
 * A page of the objects of one time is read: the next page of them, or the
 * first again when fewer of them are left than at the first (the pages
 * shifted: one may have been skipped), or on after that time when every
 * one is read.  Objects only leave a time that has passed, so each read
 * again has fewer; a time whose objects keep changing is an error rather
 * than a loop.
 */
static void
one_time_page_done(ConvPager *pager, const char *headers, bool full)
{
	int64		total = response_total(pager, headers);

	if (pager->page_number == 1)
		pager->one_time_total = total;
	else if (total != pager->one_time_total)
	{
		if (++pager->one_time_restarts > 20)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_ERROR),
					 errmsg("paging through %s made no progress", pager->table->name),
					 errdetail("The objects at %s kept changing while their pages were read.",
							   conv_format_time(pager->pos_time, CONV_TIME_MICRO)),
					 errhint("Try again later.")));
		pager->page_number = 1;
		return;
	}
	if (full)
	{
		pager->page_number++;
		return;
	}
	pager->one_time = false;
	pager->since = pager->pos_time + 1;
	pager->since_exact = true;
	pager->page_number = 1;
}

/*
 * Make next (a path or a token, NULL for none) the next page's; a vendor
 * that hands out the same one again would be asked forever.
 */
static void
set_next(ConvPager *pager, char *next)
{
	if (next == NULL)
	{
		pager->finished = true;
		return;
	}
	if (pager->next && strcmp(pager->next, next) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("paging through %s made no progress", pager->table->name),
				 errdetail("The vendor gave the same next page twice."),
				 errhint("The vendor's paging may be failing; try again later.")));
	if (pager->next)
		pfree(pager->next);
	pager->next = MemoryContextStrdup(pager->cxt, next);
}

/*
 * The token of the next page in the response's envelope, or NULL on the
 * last page (the field absent, null or empty).
 */
static char *
page_token(ConvPager *pager, struct json_object *envelope)
{
	const char *token;

	token = conv_json_scalar_text(conv_json_get_path(envelope, pager->table->token_field));
	return token && token[0] != '\0' ? (char *) token : NULL;
}

/*
 * The URL of the Link header's rel="next" entry, or NULL.  The header is
 * a list of "<url>; param; param", as RFC 8288 has it.
 */
static char *
link_next_url(const char *headers)
{
	char	   *link = headers ? conv_http_header(headers, "Link") : NULL;
	char	   *p = link;

	while (p && (p = strchr(p, '<')) != NULL)
	{
		char	   *close = strchr(p, '>');
		char	   *end;

		if (close == NULL)
			break;
		end = strchr(close, '<');
		if (end == NULL)
			end = close + strlen(close);
		if (strstr(pnstrdup(close, end - close), "rel=\"next\"") ||
			strstr(pnstrdup(close, end - close), "rel=next"))
			return pnstrdup(p + 1, close - p - 1);
		p = end;
	}
	return NULL;
}

/*
 * The next request's path and query from the Link header, or NULL.  Only
 * the link's path and query are used, below the server's own base_url:
 * a link cannot send the credentials to another host.
 */
static char *
link_next_path(ConvPager *pager, const char *headers, const ConvServer *server)
{
	char	   *url = link_next_url(headers);
	const char *path;
	const char *base_path;
	char	   *prefix;

	if (url == NULL)
		return NULL;
	path = strstr(url, "://");
	path = path ? strchr(path + 3, '/') : url;
	base_path = strstr(server->base_url, "://");
	base_path = base_path ? strchr(base_path + 3, '/') : NULL;
	prefix = psprintf("%s%s", base_path ? base_path : "", server->api_prefix);
	if (path == NULL || strncmp(path, prefix, strlen(prefix)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("the vendor's next page of %s is outside its API", pager->table->name),
				 errdetail("The Link header's next page does not start with %s.", prefix),
				 errhint("The vendor's paging may have changed.")));
	return pstrdup(path + strlen(prefix));
}

/*
 * At the end of a scan of an endpoint whose responses count every
 * matching object, say so if the vendor listed fewer: the answer is not
 * silently partial.
 */
static void
check_total(ConvPager *pager, const char *headers)
{
	char	   *text = pager->table->total_header && headers ?
		conv_http_header(headers, pager->table->total_header) : NULL;
	int64		total;

	if (text == NULL || sscanf(text, INT64_FORMAT, &total) != 1 ||
		total <= pager->objects)
		return;
	ereport(NOTICE,
			(errmsg("the vendor listed " INT64_FORMAT " of the " INT64_FORMAT " objects of %s that match",
					pager->objects, total, pager->table->name),
			 errdetail("The vendor stops the list at the first object it has not finished processing; the rest come in a later scan."),
			 errhint("Query again later to read the remaining objects.")));
}

/*
 * Resume paging after (t, id), a position a previous scan reached (the
 * background worker's watermark).
 */
void
conv_pager_resume(ConvPager *pager, TimestampTz t, const char *id)
{
	/* resuming from the very start (resume_start) is no position yet */
	pager->have_pos = !TIMESTAMP_IS_NOBEGIN(t);
	pager->pos_time = t;
	pager->pos_id = id ? MemoryContextStrdup(pager->cxt, id) : NULL;
	pager->since = t;
	pager->since_exact = true;
	pager->resumed = true;
	pager->resume_time = t;
	pager->resume_id = pager->pos_id ? MemoryContextStrdup(pager->cxt, pager->pos_id) : NULL;
}


/*
 * The position paging has reached: false before any object.
 */
bool
conv_pager_position(ConvPager *pager, TimestampTz *t, const char **id)
{
	*t = pager->pos_time;
	*id = pager->pos_id;
	return pager->have_pos;
}
