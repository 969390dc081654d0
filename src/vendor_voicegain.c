/*-------------------------------------------------------------------------
 *
 * vendor_voicegain.c
 *		  Voicegain's speech-analytics call export, described as data.
 *
 * The API (shared/vendor-docs/voicegain-sa-call-export.txt) has one list,
 * GET /v1/sa/call, paged by page number and per_page (up to 10000).  The
 * pages are not offsets: every page of a scan must ask for the same
 * per_page.  consecutive=true with afterCallId exports the calls after a
 * call id in id order, and stops at the first call still being processed;
 * the X-Total-Count header still counts every match, which is how a scan
 * tells that it stopped early.  fromTime/toTime bound the start time, and
 * agentId, queueId and aivrAppId take several values as repeated keys.
 * There is no lookup by id, and no modification time: incremental reads
 * (a local copy's) resume after the highest call id copied, in consecutive
 * mode, so the copy never passes a call still being processed.
 * Authentication is a bearer token (a JWT).
 *
 * src/vendor_voicegain.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"

#include "vendor.h"

#define VG_MAX_PAGE 10000

#define COLUMNS(cols) .columns = cols, .ncolumns = lengthof(cols)
#define PUSHABLES(p) .pushables = p, .npushables = lengthof(p)

/* the documented columns, in their order, from the JSON format */
static const ConvColumnDef calls_columns[] = {
	{"account_id", TEXTOID},
	{"context_id", TEXTOID},
	{"call_id", INT8OID},
	{"start_time", TIMESTAMPTZOID},
	{"end_time", TIMESTAMPTZOID},
	{"duration", FLOAT8OID},
	{"direction", TEXTOID},
	{"external_endpoint", TEXTOID},
	{"internal_endpoint", TEXTOID},
	{"recording", TEXTOID},
	{"sa_session_id", TEXTOID},
	/* agentId filters by the agent's user id on the Speech Analytics App */
	{"agent_id", TEXTOID, "agent.userId"},
	{"agent_external_id", TEXTOID, "agent.id"},
	{"agent_email", TEXTOID, "agent.email"},
	{"agent_name", TEXTOID, "agent.name"},
	{"agent_channel", TEXTOID, "agent.channel"},
	/* queueId filters by the queue's uuid, not its call-center id */
	{"queue_id", TEXTOID, "queue.queueId"},
	{"queue_external_id", TEXTOID, "queue.id"},
	{"queue_name", TEXTOID, "queue.name"},
	{"sentiment", FLOAT8OID},
	{"cr_answers_id", TEXTOID},
	{"score", FLOAT8OID},
	{"review_status", TEXTOID},
	{"review_notes", TEXTOID},
	{"notes", TEXTOID},
	{"tags", JSONBOID},
	{"keywords", JSONBOID},
	{"topics", JSONBOID},
	{"is_call_resolved", BOOLOID},
	{"incidents", INT8OID},
	{"word_cloud", JSONBOID},
	{"num_audio_channels", INT8OID},
	{"num_spk_channels", INT8OID},
	{"version", INT8OID},
	{"aivr_app_id", TEXTOID},
	{"aivr_session_id", TEXTOID},
	{"originating_call_id", INT8OID},
	{"progress_phase", TEXTOID},
	{"aivr_transfer_dest_type", TEXTOID},
	{"call_center_call_id", TEXTOID},
	{"language", TEXTOID},
	{"dtmf_events", JSONBOID},
	{"daily_repeat_calls", INT8OID},
	{"markers", JSONBOID},
};

/*
 * afterCallId is exclusive, and works only in consecutive mode; toTime is
 * exclusive too.  The ids filtered on are uuids of 16 to 48 characters
 * (the vendor refuses others: no call has one).
 */
static const ConvPushable calls_pushables[] = {
	{"call_id", CONV_PUSH_PARAM, ">", "afterCallId", CONV_FORMAT_INT, 0, false, "consecutive=true"},
	{"call_id", CONV_PUSH_PARAM, ">=", "afterCallId", CONV_FORMAT_INT, -1, false, "consecutive=true"},
	{"start_time", CONV_PUSH_PARAM, ">=", "fromTime", CONV_FORMAT_TIME},
	{"start_time", CONV_PUSH_PARAM, ">", "fromTime", CONV_FORMAT_TIME},
	{"start_time", CONV_PUSH_PARAM, "<", "toTime", CONV_FORMAT_TIME},
	{"start_time", CONV_PUSH_PARAM, "<=", "toTime", CONV_FORMAT_TIME, 1},
	{"agent_id", CONV_PUSH_PARAM, "=", "agentId", CONV_FORMAT_TEXT, 0, true, NULL, 16, 48},
	{"queue_id", CONV_PUSH_PARAM, "=", "queueId", CONV_FORMAT_TEXT, 0, true, NULL, 16, 48},
	{"aivr_app_id", CONV_PUSH_PARAM, "=", "aivrAppId", CONV_FORMAT_TEXT, 0, true, NULL, 16, 48},
};

static const ConvTableDef voicegain_tables[] = {
	{
		.name = "calls", .endpoint = "calls", .list_path = "call",
		.list_params = "format=json", .paging = CONV_PAGING_PAGE_NUMBER,
		.page_param = "page", .limit_param = "per_page",
		.default_page_size = 1000, .max_page_size = VG_MAX_PAGE,
		.id_field = "callId", .cursor_field = "startTime",
		.total_header = "X-Total-Count",
		.resume_query = "consecutive=true&afterCallId=%s", .resume_start = "0",
		COLUMNS(calls_columns), PUSHABLES(calls_pushables),
	},
};

const ConvVendorDef conv_voicegain_vendor = {
	.name = "voicegain",
	.default_base_url = "https://api.voicegain.ai",
	.api_prefix = "/v1/sa/",
	.auth = CONV_AUTH_BEARER,
	.default_rate_limit = "75/min, 2000/hour",
	.default_rate_timezone = "UTC",
	.tables = voicegain_tables,
	.ntables = lengthof(voicegain_tables),
};
