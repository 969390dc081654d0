/*-------------------------------------------------------------------------
 *
 * vendor_ccai.c
 *		  Google CCAI Platform's Manager API (formerly UJET), described as
 *		  data.
 *
 * The API (shared/vendor-docs/ccai-platform-reporting-api.txt and the
 * notes in its README) answers bare JSON arrays in pages of "per" (at most
 * 100), with a Link header pointing at the next page.  Deep paging of a
 * list that changes meanwhile skips and repeats objects, so the vendor
 * recommends "tailing" calls, chats and agent activity: ask from a time
 * on (updated_at[from]) sorted ascending by it, and start the next request
 * at the last object's time.  That is since paging (with page=2, 3... at
 * one time, held to it by <col>[to], when more objects share it than a
 * page holds: see pager.c); the small lists
 * (teams, menus, statuses) follow the Link header.  Calls are looked up
 * by id.  Each account has its own host, so base_url is required; HTTP
 * Basic takes the subdomain as user name and an API token as password.
 * The API's fields are snake_case, as the columns' names are.
 *
 * src/vendor_ccai.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"

#include "vendor.h"

#define CCAI_MAX_PER 100
#define CCAI_SINCE_ALL "1970-01-01T00:00Z"

#define COLUMNS(cols) .columns = cols, .ncolumns = lengthof(cols)
#define PUSHABLES(p) .pushables = p, .npushables = lengthof(p)

/*
 * A list tailed on a time column: since paging on <col>[from]; past the
 * first page at one time, pages by number held to that time by <col>[to],
 * whose objects the Total header counts.
 */
#define CCAI_TAIL(path, col) \
	.list_path = path, .paging = CONV_PAGING_SINCE, .since_param = col "[from]", \
	.list_params = "sort_column=" col "&sort_direction=ASC", \
	.since_default = CCAI_SINCE_ALL, .since_millis = true, \
	.cursor_field = col, .id_field = "id", .snake_case_fields = true, \
	.page_param = "page", .until_param = col "[to]", .total_header = "Total", \
	.limit_param = "per", .default_page_size = CCAI_MAX_PER, \
	.max_page_size = CCAI_MAX_PER

/* a small list that follows the Link header */
#define CCAI_LINKED(path) \
	.list_path = path, .paging = CONV_PAGING_LINK, .id_field = "id", \
	.snake_case_fields = true, \
	.limit_param = "per", .default_page_size = CCAI_MAX_PER, \
	.max_page_size = CCAI_MAX_PER

/*
 * Calls and chats share most members: the contact's steps, its agent and
 * menu (objects, their ids also as columns), its end user (whose phone
 * number or other identifier and CRM contact id are columns), who took
 * part, transfers, the rating and the CRM ticket.
 */
#define CCAI_END_USER_COLUMNS \
	{"end_user_id", INT8OID, "end_user.id"}, \
	{"end_user_identifier", TEXTOID, "end_user.identifier"}, \
	{"out_contact_id", TEXTOID, "end_user.out_contact_id"}, \
	{"end_user", JSONBOID}

#define CCAI_CONTACT_TAIL_COLUMNS \
	{"participants", JSONBOID}, \
	{"transfers", JSONBOID}, \
	{"rating", INT8OID}, \
	{"has_feedback", BOOLOID}, \
	{"out_ticket_id", TEXTOID}, \
	{"out_ticket_url", TEXTOID}

static const ConvColumnDef calls_columns[] = {
	{"id", INT8OID},
	{"parent_id", INT8OID},
	{"call_type", TEXTOID},
	{"status", TEXTOID},
	{"lang", TEXTOID},
	{"created_at", TIMESTAMPTZOID},
	{"queued_at", TIMESTAMPTZOID},
	{"connecting_at", TIMESTAMPTZOID},
	{"connected_at", TIMESTAMPTZOID},
	{"ended_at", TIMESTAMPTZOID},
	{"updated_at", TIMESTAMPTZOID},
	{"duration", FLOAT8OID},
	{"wait_duration", FLOAT8OID},
	{"hold_duration", FLOAT8OID},
	{"agent_id", INT8OID, "agent.id"},
	{"agent", JSONBOID},
	{"menu_id", INT8OID, "menu.id"},
	{"menu", JSONBOID},
	CCAI_END_USER_COLUMNS,
	CCAI_CONTACT_TAIL_COLUMNS,
	{"fail_reason", TEXTOID},
	{"disconnected_by", TEXTOID},
	{"voicemail_reason", TEXTOID},
	{"recording_url", TEXTOID},
	{"recording_permission", TEXTOID},
	{"support_number", TEXTOID},
	{"photos", JSONBOID},
	{"videos", JSONBOID},
};

/*
 * Bounds on a contact's times: updated_at >= t is the tail's start (since
 * paging); the API's other bounds are <col>[from] (inclusive) and
 * <col>[to] (exclusive), to the millisecond.
 */
#define CCAI_UPPER_BOUND(col) \
	{col, CONV_PUSH_PARAM, "<", col "[to]", CONV_FORMAT_TIME}, \
	{col, CONV_PUSH_PARAM, "<=", col "[to]", CONV_FORMAT_TIME, 1}
#define CCAI_BOUNDS(col) \
	{col, CONV_PUSH_PARAM, ">=", col "[from]", CONV_FORMAT_TIME}, \
	{col, CONV_PUSH_PARAM, ">", col "[from]", CONV_FORMAT_TIME}, \
	CCAI_UPPER_BOUND(col)
/* the tailed column: its lower bound is where the tail starts */
#define CCAI_TAIL_BOUNDS(col) \
	{col, CONV_PUSH_SINCE}, \
	CCAI_UPPER_BOUND(col)

static const ConvPushable calls_pushables[] = {
	CCAI_TAIL_BOUNDS("updated_at"),
	CCAI_BOUNDS("created_at"),
	{"id", CONV_PUSH_LOOKUP},
};

static const ConvColumnDef chats_columns[] = {
	{"id", INT8OID},
	{"parent_id", INT8OID},
	{"chat_type", TEXTOID},
	{"status", TEXTOID},
	{"lang", TEXTOID},
	{"created_at", TIMESTAMPTZOID},
	{"queued_at", TIMESTAMPTZOID},
	{"assigned_at", TIMESTAMPTZOID},
	{"ended_at", TIMESTAMPTZOID},
	{"updated_at", TIMESTAMPTZOID},
	{"duration", FLOAT8OID},
	{"wait_duration", FLOAT8OID},
	{"agent_id", INT8OID, "agent.id"},
	{"agent", JSONBOID},
	{"menu_id", INT8OID, "menu.id"},
	{"menu", JSONBOID},
	CCAI_END_USER_COLUMNS,
	CCAI_CONTACT_TAIL_COLUMNS,
	{"message_counts", JSONBOID},
};

static const ConvPushable chats_pushables[] = {
	CCAI_TAIL_BOUNDS("updated_at"),
	CCAI_BOUNDS("created_at"),
};

static const ConvColumnDef agents_columns[] = {
	{"id", INT8OID},
	{"name", TEXTOID},
	{"first_name", TEXTOID},
	{"last_name", TEXTOID},
	{"email", TEXTOID},
	{"agent_number", TEXTOID},
	{"status", TEXTOID},
	{"user_status_id", INT8OID},
	{"status_updated_at", TIMESTAMPTZOID},
	{"teams", JSONBOID},
	{"roles", JSONBOID},
	{"languages", JSONBOID},
	{"avatar_url", TEXTOID},
	{"phone_number", TEXTOID},
	{"created_at", TIMESTAMPTZOID},
};

static const ConvPushable agents_pushables[] = {
	CCAI_TAIL_BOUNDS("status_updated_at"),
};

static const ConvColumnDef agent_activity_logs_columns[] = {
	{"id", INT8OID},
	{"agent_id", INT8OID},
	{"status", TEXTOID},
	{"user_status_id", INT8OID},
	{"started_at", TIMESTAMPTZOID},
	{"ended_at", TIMESTAMPTZOID},
	{"duration", FLOAT8OID},
};

static const ConvPushable agent_activity_logs_pushables[] = {
	CCAI_TAIL_BOUNDS("started_at"),
};

static const ConvColumnDef teams_columns[] = {
	{"id", INT8OID},
	{"name", TEXTOID},
	{"parent_id", INT8OID},
	{"position", INT8OID},
	{"deleted", BOOLOID},
};

static const ConvColumnDef menus_columns[] = {
	{"id", INT8OID},
	{"name", TEXTOID},
	{"menu_type", TEXTOID},
	{"parent_id", INT8OID},
	{"position", INT8OID},
	{"deleted", BOOLOID},
	{"hidden", BOOLOID},
	{"output_msg", TEXTOID},
};

static const ConvColumnDef user_statuses_columns[] = {
	{"id", INT8OID},
	{"name", TEXTOID},
	{"color", TEXTOID},
	{"wrap_up", BOOLOID},
	{"system", BOOLOID},
	{"position", INT8OID},
	{"deleted", BOOLOID},
};

/*
 * The documented basic call segments (the reporting document's "Basic
 * call segments - API"), from the call's own columns: NULL where a call
 * did not go through a step (an abandoned call has no handle time).
 * updated_at is there so that a bound on it still becomes the tail's
 * start through the view.
 */
static const ConvViewDef calls_views[] = {
	{"call_segments",
		"SELECT id, call_type, status, agent_id, created_at, ended_at, updated_at,\n"
		"       queued_at - created_at AS ivr_time,\n"
		"       connected_at - queued_at AS queued_time,\n"
		"       connected_at - queued_at AS wait_time,\n"
		"       connected_at - connecting_at AS ring_time,\n"
		"       ended_at - connected_at AS handle_time,\n"
		"       make_interval(secs => duration - hold_duration) AS talk_time,\n"
		"       make_interval(secs => hold_duration) AS hold_time,\n"
		"       ended_at - created_at AS call_time,\n"
		"       ended_at - created_at AS billing_time\n"
	"  FROM %s"},
};

static const ConvTableDef ccai_tables[] = {
	{
		.name = "calls", .endpoint = "calls", CCAI_TAIL("calls", "updated_at"),
		.lookup_path = "calls/", .key_column = "id",
		COLUMNS(calls_columns), PUSHABLES(calls_pushables),
		.views = calls_views, .nviews = lengthof(calls_views),
	},
	{
		.name = "chats", .endpoint = "chats", CCAI_TAIL("chats", "updated_at"),
		COLUMNS(chats_columns), PUSHABLES(chats_pushables),
	},
	{
		.name = "agents", .endpoint = "agents", CCAI_TAIL("agents", "status_updated_at"),
		COLUMNS(agents_columns), PUSHABLES(agents_pushables),
	},
	{
		.name = "agent_activity_logs", .endpoint = "agent_activity_logs",
		CCAI_TAIL("agent_activity_logs", "started_at"),
		COLUMNS(agent_activity_logs_columns), PUSHABLES(agent_activity_logs_pushables),
		.no_copy_reason = "An open activity ends (ended_at, duration) without its started_at moving, so a copy tailed on started_at would keep it open forever.",
	},
	{
		.name = "teams", .endpoint = "teams", CCAI_LINKED("teams"),
		COLUMNS(teams_columns),
	},
	{
		.name = "menus", .endpoint = "menus", CCAI_LINKED("menus"),
		COLUMNS(menus_columns),
	},
	{
		.name = "user_statuses", .endpoint = "user_statuses", CCAI_LINKED("user_statuses"),
		COLUMNS(user_statuses_columns),
	},
};

const ConvVendorDef conv_ccai_vendor = {
	.name = "ccai",
	.default_base_url = NULL,	/* https://{subdomain}.{domain} */
	.api_prefix = "/manager/api/v1/",
	.auth = CONV_AUTH_BASIC,
	.default_rate_limit = "10/s",
	.default_rate_timezone = "UTC",
	.tables = ccai_tables,
	.ntables = lengthof(ccai_tables),
};
