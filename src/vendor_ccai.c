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
 * The API's fields are snake_case: every column names its field.
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
	.cursor_field = col, .id_field = "id", \
	.page_param = "page", .until_param = col "[to]", .total_header = "Total", \
	.limit_param = "per", .default_page_size = CCAI_MAX_PER, \
	.max_page_size = CCAI_MAX_PER

/* a small list that follows the Link header */
#define CCAI_LINKED(path) \
	.list_path = path, .paging = CONV_PAGING_LINK, .id_field = "id", \
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
	{"end_user", JSONBOID, "end_user"}

#define CCAI_CONTACT_TAIL_COLUMNS \
	{"participants", JSONBOID, "participants"}, \
	{"transfers", JSONBOID, "transfers"}, \
	{"rating", INT8OID, "rating"}, \
	{"has_feedback", BOOLOID, "has_feedback"}, \
	{"out_ticket_id", TEXTOID, "out_ticket_id"}, \
	{"out_ticket_url", TEXTOID, "out_ticket_url"}

static const ConvColumnDef calls_columns[] = {
	{"id", INT8OID, "id"},
	{"parent_id", INT8OID, "parent_id"},
	{"call_type", TEXTOID, "call_type"},
	{"status", TEXTOID, "status"},
	{"lang", TEXTOID, "lang"},
	{"created_at", TIMESTAMPTZOID, "created_at"},
	{"queued_at", TIMESTAMPTZOID, "queued_at"},
	{"connecting_at", TIMESTAMPTZOID, "connecting_at"},
	{"connected_at", TIMESTAMPTZOID, "connected_at"},
	{"ended_at", TIMESTAMPTZOID, "ended_at"},
	{"updated_at", TIMESTAMPTZOID, "updated_at"},
	{"duration", FLOAT8OID, "duration"},
	{"wait_duration", FLOAT8OID, "wait_duration"},
	{"hold_duration", FLOAT8OID, "hold_duration"},
	{"agent_id", INT8OID, "agent.id"},
	{"agent", JSONBOID, "agent"},
	{"menu_id", INT8OID, "menu.id"},
	{"menu", JSONBOID, "menu"},
	CCAI_END_USER_COLUMNS,
	CCAI_CONTACT_TAIL_COLUMNS,
	{"fail_reason", TEXTOID, "fail_reason"},
	{"disconnected_by", TEXTOID, "disconnected_by"},
	{"voicemail_reason", TEXTOID, "voicemail_reason"},
	{"recording_url", TEXTOID, "recording_url"},
	{"recording_permission", TEXTOID, "recording_permission"},
	{"support_number", TEXTOID, "support_number"},
	{"photos", JSONBOID, "photos"},
	{"videos", JSONBOID, "videos"},
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

static const ConvPushable calls_pushables[] = {
	{"updated_at", CONV_PUSH_SINCE},
	CCAI_UPPER_BOUND("updated_at"),
	CCAI_BOUNDS("created_at"),
	{"id", CONV_PUSH_LOOKUP},
};

static const ConvColumnDef chats_columns[] = {
	{"id", INT8OID, "id"},
	{"parent_id", INT8OID, "parent_id"},
	{"chat_type", TEXTOID, "chat_type"},
	{"status", TEXTOID, "status"},
	{"lang", TEXTOID, "lang"},
	{"created_at", TIMESTAMPTZOID, "created_at"},
	{"queued_at", TIMESTAMPTZOID, "queued_at"},
	{"assigned_at", TIMESTAMPTZOID, "assigned_at"},
	{"ended_at", TIMESTAMPTZOID, "ended_at"},
	{"updated_at", TIMESTAMPTZOID, "updated_at"},
	{"duration", FLOAT8OID, "duration"},
	{"wait_duration", FLOAT8OID, "wait_duration"},
	{"agent_id", INT8OID, "agent.id"},
	{"agent", JSONBOID, "agent"},
	{"menu_id", INT8OID, "menu.id"},
	{"menu", JSONBOID, "menu"},
	CCAI_END_USER_COLUMNS,
	CCAI_CONTACT_TAIL_COLUMNS,
	{"message_counts", JSONBOID, "message_counts"},
};

static const ConvPushable chats_pushables[] = {
	{"updated_at", CONV_PUSH_SINCE},
	CCAI_UPPER_BOUND("updated_at"),
	CCAI_BOUNDS("created_at"),
};

static const ConvColumnDef agents_columns[] = {
	{"id", INT8OID, "id"},
	{"name", TEXTOID, "name"},
	{"first_name", TEXTOID, "first_name"},
	{"last_name", TEXTOID, "last_name"},
	{"email", TEXTOID, "email"},
	{"agent_number", TEXTOID, "agent_number"},
	{"status", TEXTOID, "status"},
	{"user_status_id", INT8OID, "user_status_id"},
	{"status_updated_at", TIMESTAMPTZOID, "status_updated_at"},
	{"teams", JSONBOID, "teams"},
	{"roles", JSONBOID, "roles"},
	{"languages", JSONBOID, "languages"},
	{"avatar_url", TEXTOID, "avatar_url"},
	{"phone_number", TEXTOID, "phone_number"},
	{"created_at", TIMESTAMPTZOID, "created_at"},
};

static const ConvPushable agents_pushables[] = {
	{"status_updated_at", CONV_PUSH_SINCE},
	CCAI_UPPER_BOUND("status_updated_at"),
};

static const ConvColumnDef agent_activity_logs_columns[] = {
	{"id", INT8OID, "id"},
	{"agent_id", INT8OID, "agent_id"},
	{"status", TEXTOID, "status"},
	{"user_status_id", INT8OID, "user_status_id"},
	{"started_at", TIMESTAMPTZOID, "started_at"},
	{"ended_at", TIMESTAMPTZOID, "ended_at"},
	{"duration", FLOAT8OID, "duration"},
};

static const ConvPushable agent_activity_logs_pushables[] = {
	{"started_at", CONV_PUSH_SINCE},
	CCAI_UPPER_BOUND("started_at"),
};

static const ConvColumnDef teams_columns[] = {
	{"id", INT8OID, "id"},
	{"name", TEXTOID, "name"},
	{"parent_id", INT8OID, "parent_id"},
	{"position", INT8OID, "position"},
	{"deleted", BOOLOID, "deleted"},
};

static const ConvColumnDef menus_columns[] = {
	{"id", INT8OID, "id"},
	{"name", TEXTOID, "name"},
	{"menu_type", TEXTOID, "menu_type"},
	{"parent_id", INT8OID, "parent_id"},
	{"position", INT8OID, "position"},
	{"deleted", BOOLOID, "deleted"},
	{"hidden", BOOLOID, "hidden"},
	{"output_msg", TEXTOID, "output_msg"},
};

static const ConvColumnDef user_statuses_columns[] = {
	{"id", INT8OID, "id"},
	{"name", TEXTOID, "name"},
	{"color", TEXTOID, "color"},
	{"wrap_up", BOOLOID, "wrap_up"},
	{"system", BOOLOID, "system"},
	{"position", INT8OID, "position"},
	{"deleted", BOOLOID, "deleted"},
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
