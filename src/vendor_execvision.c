/*-------------------------------------------------------------------------
 *
 * vendor_execvision.c
 *		  ExecVision Conversation Intelligence API v2, described as data.
 *
 * The API (shared/vendor-docs/execvision-api-v2.txt) lists objects changed
 * at or after "since", in pages of "limit" (at most 1000; 100 for
 * call_topics), and pages calls, deleted calls and topic matches by since
 * plus the last object's id (last_id).  The other lists page by since
 * alone, so consecutive pages overlap.  Single objects are looked up by
 * id; calls/search finds call ids by a metadata value.  Authentication is
 * HTTP Basic.
 *
 * src/vendor_execvision.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"

#include "vendor.h"

#define EV_SINCE_ALL "1970-01-01T00:00Z"
#define EV_MAX_LIMIT 1000

/* the shape of every since-paged list below */
#define EV_SINCE_LIST(path, cursor, id) \
	.list_path = path, .paging = CONV_PAGING_SINCE, .since_param = "since", \
	.since_default = EV_SINCE_ALL, .cursor_field = cursor, .id_field = id, \
	.limit_param = "limit", .default_page_size = EV_MAX_LIMIT, \
	.max_page_size = EV_MAX_LIMIT

#define COLUMNS(cols) .columns = cols, .ncolumns = lengthof(cols)
#define PUSHABLES(p) .pushables = p, .npushables = lengthof(p)

static const ConvColumnDef calls_columns[] = {
	{"id", TEXTOID},
	{"caller_id", TEXTOID},
	{"caller_email", TEXTOID},
	{"call_time", TIMESTAMPTZOID},
	{"duration", FLOAT8OID},
	{"direction", TEXTOID},
	{"state", TEXTOID},
	{"original_path", TEXTOID},
	{"modified", TIMESTAMPTZOID},
	{"metadata", JSONBOID},
	{"stats", JSONBOID},
	{"call_summary", JSONBOID},
	{"transcript", JSONBOID, NULL, "include_transcripts"},
	{"crm_matches", JSONBOID, NULL, "include_crm_matches"},
};

/* calls/search answers ids of calls whose metadata field has a value */
static const ConvPushable calls_pushables[] = {
	{"modified", CONV_PUSH_SINCE},
	{"call_time", CONV_PUSH_SINCE},
	{"id", CONV_PUSH_LOOKUP},
	{"metadata", CONV_PUSH_SEARCH},
};

static const ConvColumnDef deleted_calls_columns[] = {
	{"id", TEXTOID},
	{"deleted_at", TIMESTAMPTZOID},
	{"caller_id", TEXTOID},
	{"call_time", TIMESTAMPTZOID},
};

static const ConvPushable deleted_calls_pushables[] = {
	{"deleted_at", CONV_PUSH_SINCE},
};

static const ConvColumnDef call_topics_columns[] = {
	{"call_id", TEXTOID},
	{"modified", TIMESTAMPTZOID},
	{"question_counts", JSONBOID},
	{"topic_matches", JSONBOID},
};

static const ConvPushable modified_pushables[] = {
	{"modified", CONV_PUSH_SINCE},
};

static const ConvColumnDef users_columns[] = {
	{"user_id", TEXTOID},
	{"email", TEXTOID},
	{"first_name", TEXTOID},
	{"last_name", TEXTOID},
	{"team_id", TEXTOID},
	{"department_id", TEXTOID},
	{"system_ids", JSONBOID},
};

static const ConvColumnDef teams_columns[] = {
	{"id", TEXTOID},
	{"name", TEXTOID},
	{"manager_id", TEXTOID},
	{"department_id", TEXTOID},
};

static const ConvColumnDef departments_columns[] = {
	{"id", TEXTOID},
	{"name", TEXTOID},
};

static const ConvColumnDef listens_columns[] = {
	{"date", DATEOID},
	{"modified", TIMESTAMPTZOID},
	{"call_id", TEXTOID},
	{"listener", TEXTOID},
	{"caller", TEXTOID},
	{"time_listened", FLOAT8OID},
};

static const ConvPushable listens_pushables[] = {
	{"date", CONV_PUSH_SINCE},
};

/* "answer" is text: YesNo and PassFail schemes answer with words */
static const ConvColumnDef scores_columns[] = {
	{"reviewer", TEXTOID},
	{"reviewer_team", TEXTOID},
	{"caller", TEXTOID},
	{"caller_team", TEXTOID},
	{"call_id", TEXTOID},
	{"result_id", TEXTOID},
	{"score_time", TIMESTAMPTZOID},
	{"modified", TIMESTAMPTZOID},
	{"scorecard_id", TEXTOID},
	{"scorecard_name", TEXTOID},
	{"question_id", TEXTOID},
	{"question", TEXTOID},
	{"skill1", TEXTOID},
	{"skill2", TEXTOID},
	{"skill3", TEXTOID},
	{"scheme", TEXTOID},
	{"answer", TEXTOID},
	{"raw_answer", FLOAT8OID},
	{"reason", TEXTOID},
	{"comment", TEXTOID},
};

static const ConvColumnDef scorecards_columns[] = {
	{"scorecard_id", TEXTOID},
	{"scorecard_scheme", TEXTOID},
	{"scorecard_name", TEXTOID},
	{"question_id", TEXTOID},
	{"question_text", TEXTOID},
};

static const ConvPushable scorecards_pushables[] = {
	{"scorecard_id", CONV_PUSH_LOOKUP},
};

static const ConvColumnDef topics_columns[] = {
	{"id", INT8OID},
	{"name", TEXTOID},
	{"words", JSONBOID},
};

static const ConvColumnDef feedback_columns[] = {
	{"feedback_at", TIMESTAMPTZOID},
	{"modified", TIMESTAMPTZOID},
	{"call_id", TEXTOID},
	{"feedback_by", TEXTOID},
	{"is_comment", BOOLOID},
	{"is_highlight", BOOLOID},
	{"text", TEXTOID},
	{"start_time", FLOAT8OID},
	{"end_time", FLOAT8OID},
};

static const ConvColumnDef shares_columns[] = {
	{"shared_at", TIMESTAMPTZOID},
	{"call_id", TEXTOID},
	{"shared_by", TEXTOID},
	{"recipient_user_ids", JSONBOID},
	{"recipient_emails", JSONBOID},
};

static const ConvPushable shares_pushables[] = {
	{"shared_at", CONV_PUSH_SINCE},
};

static const ConvColumnDef meetings_columns[] = {
	{"meeting_id", INT8OID},
	{"plan_id", INT8OID},
	{"date_time", TIMESTAMPTZOID},
	{"coach_id", TEXTOID},
	{"recipient_id", TEXTOID},
	{"start_time", TIMESTAMPTZOID},
	{"end_time", TIMESTAMPTZOID},
	{"scores", JSONBOID},
	{"call_reviews", JSONBOID},
	{"questions", JSONBOID},
	{"comments", TEXTOID},
	{"modified", TIMESTAMPTZOID},
};

static const ConvColumnDef plans_columns[] = {
	{"plan_id", INT8OID},
	{"name", TEXTOID},
	{"objective", TEXTOID},
	{"start_date", TIMESTAMPTZOID},
	{"coach_id", TEXTOID},
	{"recipient_id", TEXTOID},
	{"planned_meetings", INT8OID},
	{"completed_meetings", INT8OID},
	{"estimated_missed_meetings", INT8OID},
	{"skill", JSONBOID},
	{"modified", TIMESTAMPTZOID},
};

static const ConvColumnDef kpis_columns[] = {
	{"observed_at", TIMESTAMPTZOID},
	{"observer_id", TEXTOID},
	{"observed_id", TEXTOID},
	{"kpi_id", INT8OID},
	{"value", FLOAT8OID},
	{"modified", TIMESTAMPTZOID},
};

static const ConvColumnDef kpi_definitions_columns[] = {
	{"kpi_id", INT8OID},
	{"description", TEXTOID},
	{"frequency", TEXTOID},
	{"target", FLOAT8OID},
};

static const ConvPushable kpi_definitions_pushables[] = {
	{"kpi_id", CONV_PUSH_LOOKUP},
};

static const ConvColumnDef transcripts_columns[] = {
	{"call_id", TEXTOID},
	{"speakers", JSONBOID},
	{"transcript", JSONBOID},
};

static const ConvPushable transcripts_pushables[] = {
	{"call_id", CONV_PUSH_LOOKUP},
};

static const ConvTableDef execvision_tables[] = {
	{
		.name = "calls", .endpoint = "calls", .list_path = "calls",
		.lookup_path = "call/", .key_column = "id",
		.paging = CONV_PAGING_KEYSET, .since_param = "since",
		.since_default = EV_SINCE_ALL, .cursor_field = "modified",
		.cursor_fallback = "callTime", .id_field = "id",
		.limit_param = "limit", .default_page_size = EV_MAX_LIMIT,
		.max_page_size = EV_MAX_LIMIT, .include_page_size = 100,
		.search_path = "calls/search", .search_cap = 1000,
		.deletions_endpoint = "calls/deleted",
		COLUMNS(calls_columns), PUSHABLES(calls_pushables)
	},
	{
		.name = "deleted_calls", .endpoint = "calls/deleted",
		.list_path = "calls/deleted", .paging = CONV_PAGING_KEYSET,
		.since_param = "since", .since_default = EV_SINCE_ALL,
		.cursor_field = "deletedAt", .id_field = "id",
		.limit_param = "limit", .default_page_size = EV_MAX_LIMIT,
		.max_page_size = EV_MAX_LIMIT,
		COLUMNS(deleted_calls_columns), PUSHABLES(deleted_calls_pushables)
	},
	{
		.name = "call_topics", .endpoint = "call_topics",
		.list_path = "call_topics", .paging = CONV_PAGING_KEYSET,
		.since_param = "since", .since_default = EV_SINCE_ALL,
		.cursor_field = "modified", .id_field = "callId",
		.limit_param = "limit", .default_page_size = 100,
		.max_page_size = 100,
		COLUMNS(call_topics_columns), PUSHABLES(modified_pushables)
	},
	{
		.name = "users", .endpoint = "users", .list_path = "users",
		.paging = CONV_PAGING_NONE, .id_field = "userId",
		COLUMNS(users_columns)
	},
	{
		.name = "teams", .endpoint = "teams", .list_path = "teams",
		.paging = CONV_PAGING_NONE, .id_field = "id",
		COLUMNS(teams_columns)
	},
	{
		.name = "departments", .endpoint = "departments",
		.list_path = "departments", .paging = CONV_PAGING_NONE,
		.id_field = "id",
		COLUMNS(departments_columns)
	},
	{
		.name = "listens", .endpoint = "listens",
		EV_SINCE_LIST("listens", "date", NULL),
		COLUMNS(listens_columns), PUSHABLES(listens_pushables)
	},
	{
		/* limit counts score results; each comes as one row per answer */
		.name = "scores", .endpoint = "scores",
		EV_SINCE_LIST("scores", "modified", NULL),
		.page_unit_field = "resultId",
		COLUMNS(scores_columns), PUSHABLES(modified_pushables)
	},
	{
		.name = "scorecards", .endpoint = "scorecard",
		.lookup_path = "scorecard/", .key_column = "scorecard_id",
		.paging = CONV_PAGING_NONE, .id_field = "questionId",
		COLUMNS(scorecards_columns), PUSHABLES(scorecards_pushables)
	},
	{
		.name = "topics", .endpoint = "topics", .list_path = "topics",
		.paging = CONV_PAGING_NONE, .id_field = "id",
		COLUMNS(topics_columns)
	},
	{
		.name = "feedback", .endpoint = "feedback",
		EV_SINCE_LIST("feedback", "modified", NULL),
		COLUMNS(feedback_columns), PUSHABLES(modified_pushables)
	},
	{
		.name = "shares", .endpoint = "shares",
		EV_SINCE_LIST("shares", "sharedAt", NULL),
		COLUMNS(shares_columns), PUSHABLES(shares_pushables)
	},
	{
		.name = "meetings", .endpoint = "meetings",
		EV_SINCE_LIST("meetings", "modified", "meetingId"),
		COLUMNS(meetings_columns), PUSHABLES(modified_pushables)
	},
	{
		.name = "plans", .endpoint = "plans",
		EV_SINCE_LIST("plans", "modified", "planId"),
		COLUMNS(plans_columns), PUSHABLES(modified_pushables)
	},
	{
		.name = "kpis", .endpoint = "kpis",
		EV_SINCE_LIST("kpis", "modified", NULL),
		COLUMNS(kpis_columns), PUSHABLES(modified_pushables)
	},
	{
		.name = "kpi_definitions", .endpoint = "kpi",
		.lookup_path = "kpi/", .key_column = "kpi_id",
		.paging = CONV_PAGING_NONE, .id_field = "kpiId",
		COLUMNS(kpi_definitions_columns), PUSHABLES(kpi_definitions_pushables)
	},
	{
		/* the simplified transcript does not repeat the call id */
		.name = "transcripts", .endpoint = "transcript",
		.lookup_path = "transcript/", .key_column = "call_id",
		.key_from_request = true, .paging = CONV_PAGING_NONE,
		COLUMNS(transcripts_columns), PUSHABLES(transcripts_pushables)
	},
};

const ConvVendorDef conv_execvision_vendor = {
	.name = "execvision",
	.default_base_url = "https://users.execvision.io",
	.api_prefix = "/api/ev/2/",
	.auth = CONV_AUTH_BASIC,
	.default_rate_limit = "5/s 06:00-21:00; 25/s",
	.default_rate_timezone = "America/New_York",
	.tables = execvision_tables,
	.ntables = lengthof(execvision_tables),
};
