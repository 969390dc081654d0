/*-------------------------------------------------------------------------
 *
 * vendor_siro.c
 *		  Siro's external API (recordings and users), described as data.
 *
 * The API (shared/vendor-docs/siro-recordings-api.txt and the notes in
 * its README) lists recordings in pages of pageSize, each response
 * carrying an opaque cursor for the next page (null on the last) in an
 * envelope {"data": [...], "cursor": ...}.  It filters on the update time
 * (updatedAt:gte|gt|lt|lte) and the creation time (createdAt:gt|lt), at
 * millisecond precision, and looks a recording up by id.  Deleted
 * recordings stay in the answers with "deleted": true.  The heavy parts
 * of a recording (photos, CRM opportunities, evaluation...) come only
 * when their flag asks for them.  Authentication is a bearer token.
 *
 * The cursor holds a position, not an offset: a recording updated while
 * a scan pages in updatedAt order comes again on a later page, and the
 * pager's set of ids returns it once.  Cursor paging leaves no (time, id)
 * position to resume from, so these tables cannot be prefetched.
 *
 * src/vendor_siro.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"

#include "vendor.h"

#define SIRO_MAX_PAGE 100

#define COLUMNS(cols) .columns = cols, .ncolumns = lengthof(cols)
#define PUSHABLES(p) .pushables = p, .npushables = lengthof(p)

/* the shape of both lists: cursor paging inside a "data" envelope */
#define SIRO_LIST(path) \
	.list_path = path, .paging = CONV_PAGING_TOKEN, .token_param = "cursor", \
	.token_field = "cursor", .rows_field = "data", .id_field = "id", \
	.limit_param = "pageSize", .default_page_size = SIRO_MAX_PAGE, \
	.max_page_size = SIRO_MAX_PAGE

/*
 * Every documented field of a recording, and updatedAt, which the list
 * filters on.  Times are ISO 8601 with milliseconds; the Firestore
 * timestamps ({"_seconds", "_nanoseconds"}) and geopoints inside stay
 * jsonb.  dateCreated is created_at, as the createdAt filters call it; "g"
 * (geohash and geopoint) is geo.  The optional parts come only when the
 * query reads their column: then the list and the lookup send their flag.
 */
static const ConvColumnDef recordings_columns[] = {
	{"id", TEXTOID},
	{"created_at", TIMESTAMPTZOID, "dateCreated"},
	{"updated_at", TIMESTAMPTZOID},
	{"deleted", BOOLOID},
	{"transcription_status", TEXTOID},
	{"processing_status", TEXTOID},
	{"processing_stage", TEXTOID},
	{"processing_errors", JSONBOID},
	{"record_errors", JSONBOID},
	{"processing_error", TEXTOID},
	{"raw_audio_path", TEXTOID},
	{"processed_audio_path", TEXTOID},
	{"last_processed_audio", TIMESTAMPTZOID},
	{"organization_id", TEXTOID},
	{"team_id", TEXTOID},
	{"user_id", TEXTOID},
	{"locked", BOOLOID},
	{"terminated_ungraciously", BOOLOID},
	{"original_device_id", TEXTOID},
	{"code_version", TEXTOID},
	{"lock", BOOLOID},
	{"split_lock", BOOLOID},
	{"merge_lock", BOOLOID},
	{"split_retry_needed", BOOLOID},
	{"organization_name", TEXTOID},
	{"rep_first_name", TEXTOID},
	{"rep_last_name", TEXTOID},
	{"speaker_map", JSONBOID},
	{"merge_retry_needed", BOOLOID},
	{"redacted_transcript", TEXTOID},
	{"confidence", FLOAT8OID},
	{"error", TEXTOID},
	{"jump_to_tags", JSONBOID},
	{"jump_to_tags_words_only", JSONBOID},
	{"last_updated_jump_to_tags", TIMESTAMPTZOID},
	{"manual_label_bookmark_config_ids", JSONBOID},
	{"result", TEXTOID},
	{"title", TEXTOID},
	{"notes", TEXTOID},
	{"duration_in_milliseconds", INT8OID},
	{"discoverable", BOOLOID},
	{"is_private", BOOLOID},
	{"detected_language", TEXTOID, "detected_language"},
	{"trending_score", FLOAT8OID},
	{"star_count", INT8OID},
	{"view_count", INT8OID},
	{"unique_view_count", INT8OID},
	{"deleted_date", TIMESTAMPTZOID},
	{"deleted_permanently", BOOLOID},
	{"original_recording_id", TEXTOID},
	{"enable_automatic_split", BOOLOID},
	{"offset_from_original_recording_ms", INT8OID},
	{"conversation_type", TEXTOID},
	{"debrief_responses", JSONBOID},
	{"debrief_questions", JSONBOID},
	{"last_chunk_uploaded", TIMESTAMPTZOID},
	{"number_of_chunks", INT8OID},
	{"number_of_processed_chunks", INT8OID},
	{"number_of_expected_chunks", INT8OID},
	{"number_of_comments", INT8OID},
	{"unread_comments", JSONBOID},
	{"unread_tags", JSONBOID},
	{"tags", JSONBOID},
	{"last_labeled", TIMESTAMPTZOID},
	{"bookmark_configs_used_during_labeling", JSONBOID},
	{"bookmarklabels", JSONBOID},
	{"outcome_label", TEXTOID},
	{"manual_labels", JSONBOID},
	{"split_history", JSONBOID},
	{"secondary_transcription_job_id", TEXTOID},
	{"secondary_transcription_service", TEXTOID},
	{"secondary_processing_status", TEXTOID},
	{"secondary_transcription_ignored", BOOLOID},
	{"secondary_transcription_attempts", INT8OID},
	{"secondary_transcription_duration_sent", INT8OID},
	{"last_successful_secondary_transcription", JSONBOID},
	{"last_successful_secondary_transcription_job_id", TEXTOID},
	{"lead_id_siro", TEXTOID},
	{"lead_interaction_id_siro", TEXTOID},
	{"lead_interaction_match_score", FLOAT8OID},
	{"latitude", FLOAT8OID},
	{"longitude", FLOAT8OID},
	{"coordinates", JSONBOID},
	{"geo", JSONBOID, "g"},
	{"conversation_time", INT8OID},
	{"rep_speaking_time", INT8OID},
	{"customer_speaking_time", INT8OID},
	{"customer_questions_count", INT8OID},
	{"rep_questions_count", INT8OID},
	{"exchanges_count", INT8OID},
	{"rep_exchanges_count", INT8OID},
	{"total_rep_exchanges_with_a_question", INT8OID},
	{"rep_word_count", INT8OID},
	{"rep_unique_words_used_count", INT8OID},
	{"rep_filler_words_count", INT8OID},
	{"total_rep_vocabulary_score", FLOAT8OID},
	{"total_rep_word_obscurity_score", FLOAT8OID},
	{"longest_monologue_millis", INT8OID},
	{"longest_customer_story_millis", INT8OID},
	{"rep_words_per_minute", FLOAT8OID},
	{"rep_filler_words_per_min", FLOAT8OID},
	{"rep_speaker_share", FLOAT8OID},
	{"interactivity_score", FLOAT8OID},
	{"rep_control", FLOAT8OID},
	{"rep_vocabulary_level", FLOAT8OID},
	{"rep_word_obscurity_score", FLOAT8OID},
	{"conversation_segment_dates", JSONBOID},
	{"chunk_status_map", JSONBOID},
	{"expected_chunks_outstanding", JSONBOID},
	{"advanced_bookmarks_checked", BOOLOID},
	{"extracted_primary_contact_phone_number", JSONBOID},
	{"do_not_delete", BOOLOID},
	{"processed_chunk_numbers", JSONBOID},
	{"skippable_chunk_numbers", JSONBOID},
	{"date_lacking_single_expected_chunk", TIMESTAMPTZOID},
	{"audio_duration_in_milliseconds", INT8OID},
	{"is_video", BOOLOID},
	{"video_recording_id", TEXTOID},
	{"raw_video_path", TEXTOID},
	{"source", JSONBOID},
	{"transcription_language", TEXTOID},
	{"os", TEXTOID},
	{"os_version", TEXTOID},
	{"device_type", TEXTOID},
	{"device_id", TEXTOID},
	{"summary_processing_status", TEXTOID},
	{"bookmarking_processing_status", TEXTOID},
	{"llm_bookmarking_status", TEXTOID},
	{"llm_speaker_assignment_status", TEXTOID},
	{"conversation_quality_tag", TEXTOID},
	{"conversation_quality_tag_reasoning", TEXTOID},
	{"llm_conversation_approval_status", TEXTOID},
	{"ai_metrics_processing_status", TEXTOID},
	{"beta_features", JSONBOID},
	{"all_chunks_uploaded", BOOLOID},
	{"recording_settings", JSONBOID},
	{"images", JSONBOID, NULL, "includePhotos"},
	{"crm_opportunities", JSONBOID, NULL, "includeCrmOpportunities"},
	{"crm_customer", JSONBOID},
	{"media_opportunities", JSONBOID, NULL, "includeMediaOpportunities"},
	{"multimedia_events", JSONBOID, NULL, "includeMultimediaEvents"},
	{"evaluation", JSONBOID, NULL, "includeEvaluation"},
	{"followups", JSONBOID, NULL, "includeFollowups"},
	{"mobile_events", JSONBOID, NULL, "includeMobileEvents"},
	{"seed_recording_id", TEXTOID},
	{"seed_recording_recording_id", TEXTOID},
	{"crm_accounts", JSONBOID, NULL, "includeCrmAccounts"},
};

/*
 * The time filters, at the API's millisecond precision.  createdAt takes
 * only strict bounds: an inclusive one is the strict one a millisecond
 * further out.
 */
static const ConvPushable recordings_pushables[] = {
	{"id", CONV_PUSH_LOOKUP},
	{"updated_at", CONV_PUSH_PARAM, ">=", "updatedAt:gte", CONV_FORMAT_TIME},
	{"updated_at", CONV_PUSH_PARAM, ">", "updatedAt:gt", CONV_FORMAT_TIME},
	{"updated_at", CONV_PUSH_PARAM, "<", "updatedAt:lt", CONV_FORMAT_TIME},
	{"updated_at", CONV_PUSH_PARAM, "<=", "updatedAt:lte", CONV_FORMAT_TIME},
	{"created_at", CONV_PUSH_PARAM, ">", "createdAt:gt", CONV_FORMAT_TIME},
	{"created_at", CONV_PUSH_PARAM, ">=", "createdAt:gt", CONV_FORMAT_TIME, -1},
	{"created_at", CONV_PUSH_PARAM, "<", "createdAt:lt", CONV_FORMAT_TIME},
	{"created_at", CONV_PUSH_PARAM, "<=", "createdAt:lt", CONV_FORMAT_TIME, 1},
};

/* a user of the organisation; those who left stay, with "deleted" */
static const ConvColumnDef users_columns[] = {
	{"id", TEXTOID},
	{"organization_id", TEXTOID},
	{"team_id", TEXTOID},
	{"team_name", TEXTOID},
	{"first_name", TEXTOID},
	{"last_name", TEXTOID},
	{"email", TEXTOID},
	{"phone_number", TEXTOID},
	{"role", TEXTOID},
	{"created_at", TIMESTAMPTZOID, "dateCreated"},
	{"deleted", BOOLOID},
	{"deleted_date", TIMESTAMPTZOID},
};

static const ConvTableDef siro_tables[] = {
	{
		.name = "recordings", .endpoint = "recordings", SIRO_LIST("core/recordings"),
		/* deleted recordings too; the lookup takes the flags as the list does */
		.lookup_path = "core/recordings/", .lookup_field = "data", .key_column = "id",
		.lookup_includes = true,
		COLUMNS(recordings_columns), PUSHABLES(recordings_pushables),
	},
	{
		.name = "users", .endpoint = "users", SIRO_LIST("core/users"),
		COLUMNS(users_columns),
	},
};

const ConvVendorDef conv_siro_vendor = {
	.name = "siro",
	.default_base_url = "https://functions.siro.ai",
	.api_prefix = "/api-externalApi/v1/",
	.auth = CONV_AUTH_BEARER,
	.default_rate_limit = "1000/min",
	.default_rate_timezone = "UTC",
	.tables = siro_tables,
	.ntables = lengthof(siro_tables),
};
