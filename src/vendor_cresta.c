/*-------------------------------------------------------------------------
 *
 * vendor_cresta.c
 *		  Cresta Coaching Service API v1, described as data.
 *
 * The API (shared/vendor-docs/cresta-coaching-api.txt) names every
 * resource below customers/{customer}/profiles/{profile}/, so the prefix
 * takes two server options.  Scorecards are listed in pages of pageSize
 * (at most 100) with an opaque pageToken, filtered by agent, template and
 * update or submit time (start inclusive, end exclusive); POST creates a
 * scorecard or a target, the created object coming back in an envelope
 * field.  Targets cannot be read at all: the table is INSERT-only.
 * Authentication is a bearer token; the API address is per account, so
 * there is no default base URL.
 *
 * src/vendor_cresta.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"

#include "vendor.h"

#define CRESTA_MAX_PAGE_SIZE 100

#define COLUMNS(cols) .columns = cols, .ncolumns = lengthof(cols)
#define PUSHABLES(p) .pushables = p, .npushables = lengthof(p)

/* a time bound sent as an ISO 8601 parameter, adjust milliseconds later */
#define TIME_BOUND(col, op, param, adjust) \
	{col, CONV_PUSH_PARAM, op, param, CONV_FORMAT_TIME, adjust}

/*
 * Every documented field of a scorecard.  The API requires createTime and
 * updateTime on create; their DEFAULT now() (IMPORT FOREIGN SCHEMA) lets
 * an INSERT leave them out.  The API writes protobuf's JSON, which leaves
 * out fields at their default value: an absent boolean is false, an absent
 * list empty, an absent enum its documented default, an absent total score
 * 0 (-1 is "not applicable").  Other absent fields, such as an unset time
 * or an empty comment, are NULL.
 */
static const ConvColumnDef scorecards_columns[] = {
	{"name", TEXTOID},
	{"conversation_name", TEXTOID, .insert_required = true},
	{"agent_user_name", TEXTOID, .insert_required = true},
	{"creator", JSONBOID},
	{"template_name", TEXTOID, .insert_required = true},
	{"comment", TEXTOID},
	{"total_score", FLOAT8OID, .absent_value = "0"},
	{"scores", JSONBOID, .insert_required = true, .absent_value = "[]"},
	{"coaching_plan_names", JSONBOID, .absent_value = "[]"},
	{"create_time", TIMESTAMPTZOID, .insert_required = true,
	.default_expr = "now()"},
	{"update_time", TIMESTAMPTZOID, .insert_required = true,
	.default_expr = "now()"},
	{"submit_time", TIMESTAMPTZOID},
	{"ai_score_time", TIMESTAMPTZOID},
	{"manually_scored", BOOLOID, .absent_value = "false"},
	{"auto_failed", BOOLOID, .absent_value = "false"},
	{"acknowledge_time", TIMESTAMPTZOID},
	{"acknowledge_comment", TEXTOID},
	{"usecase_name", TEXTOID},
	{"updated_by", JSONBOID},
	{"submitted_by", JSONBOID},
	{"calibrated_scorecard_name", TEXTOID},
	{"calibration_consistency_score", FLOAT8OID},
	{"process_interaction_time", TIMESTAMPTZOID},
	{"process_id", TEXTOID},
	{"submission_source", TEXTOID,
	.absent_value = "SCORECARD_SUBMISSION_SOURCE_UNSPECIFIED"},
	{"scorecard_type", TEXTOID, .absent_value = "SCORECARD_TYPE_UNSPECIFIED"},
	{"reference_scorecard_id", TEXTOID},
	{"scorecard_workflows", JSONBOID, .absent_value = "[]"},
};

/*
 * The list's filters.  A start is inclusive, so "> x" sends x as well (the
 * local recheck drops x itself); an end is exclusive, so "<= x" sends the
 * millisecond after x.
 */
static const ConvPushable scorecards_pushables[] = {
	TIME_BOUND("update_time", ">=", "startUpdateTime", 0),
	TIME_BOUND("update_time", ">", "startUpdateTime", 0),
	TIME_BOUND("update_time", "<", "endUpdateTime", 0),
	TIME_BOUND("update_time", "<=", "endUpdateTime", 1),
	TIME_BOUND("submit_time", ">=", "startSubmitTime", 0),
	TIME_BOUND("submit_time", ">", "startSubmitTime", 0),
	TIME_BOUND("submit_time", "<", "endSubmitTime", 0),
	TIME_BOUND("submit_time", "<=", "endSubmitTime", 1),
	{"agent_user_name", CONV_PUSH_PARAM, "=", "agentUserName", CONV_FORMAT_TEXT},
	{"template_name", CONV_PUSH_PARAM, "=", "templateName", CONV_FORMAT_TEXT},
};

/* a target of 0 comes back without its field, as false and [] do above */
static const ConvColumnDef targets_columns[] = {
	{"name", TEXTOID},
	{"scorecard_template_name", TEXTOID, .insert_required = true},
	{"criterion_or_chapter_id", TEXTOID},
	{"target", FLOAT8OID, .insert_required = true, .absent_value = "0"},
	{"usecase_name", TEXTOID, .insert_required = true},
	{"coaching_plan_name", TEXTOID},
	{"create_time", TIMESTAMPTZOID},
	{"update_time", TIMESTAMPTZOID},
	{"qa_score", FLOAT8OID},
};

static const ConvTableDef cresta_tables[] = {
	{
		.name = "scorecards", .endpoint = "scorecards",
		.list_path = "scorecards", .paging = CONV_PAGING_TOKEN,
		.token_param = "pageToken", .token_field = "nextPageToken",
		.rows_field = "scorecards", .id_field = "name",
		.limit_param = "pageSize",
		.default_page_size = CRESTA_MAX_PAGE_SIZE,
		.max_page_size = CRESTA_MAX_PAGE_SIZE,
		.insert_path = "scorecards", .insert_field = "scorecard",
		COLUMNS(scorecards_columns), PUSHABLES(scorecards_pushables)
	},
	{
		/* no list and no lookup: targets can only be created */
		.name = "targets", .endpoint = "targets",
		.paging = CONV_PAGING_NONE, .id_field = "name",
		.insert_path = "targets", .insert_field = "target",
		COLUMNS(targets_columns)
	},
};

static const char *const cresta_server_options[] = {"customer", "profile", NULL};

const ConvVendorDef conv_cresta_vendor = {
	.name = "cresta",
	.default_base_url = NULL,	/* each account has its own API domain */
	.api_prefix = "/v1/customers/{customer}/profiles/{profile}/",
	.server_options = cresta_server_options,
	.auth = CONV_AUTH_BEARER,
	.default_rate_limit = "10/s",
	.default_rate_timezone = "UTC",
	.tables = cresta_tables,
	.ntables = lengthof(cresta_tables),
};
