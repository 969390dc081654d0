/*
 * cr_export.c
 *		POST scorecards:export: the scorecards created between startTime and
 *		endTime, filtered, as a CSV file in base64: {"data": "..."}.
 *
 * The CSV has a header line and one line per scorecard, ordered by
 * (createTime, name), quoted as Go's encoding/csv quotes (only fields
 * with a comma, a quote, a line break or a leading space), lines ending
 * in "\n". Scorecards of deactivated agents and of dev users are left out
 * unless asked for; the time zone fields say how to read the wall-clock
 * time of startTime and endTime.
 */
#include "cresta.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LEN(a) ((int) (sizeof(a) / sizeof((a)[0])))

static const char *const features[] = {
	"ENABLED_FEATURES_UNSPECIFIED", "ENABLED_FEATURES_BASE",
	"ENABLED_FEATURES_AGENT_EMAIL_COLUMN", NULL
};

static const CrField export_fields[] = {
	{.name = "agentUserNames", .type = F_NAMES, .collection = "users", .customer = true},
	{.name = "startTime", .type = F_TIME, .required = true},
	{.name = "endTime", .type = F_TIME, .required = true},
	{.name = "scorecardNames", .type = F_NAMES, .collection = "scorecards"},
	{.name = "teamNames", .type = F_NAMES, .collection = "teams", .customer = true},
	{.name = "includeDeactivatedUsers", .type = F_BOOL},
	{.name = "scorecardTemplateNames", .type = F_STRINGS},
	{.name = "groupNames", .type = F_NAMES, .collection = "groups", .customer = true},
	{.name = "usecaseNames", .type = F_NAMES, .collection = "usecases"},
	{.name = "includeDevUsers", .type = F_BOOL},
	{.name = "timeZoneId", .type = F_STRING},
	{.name = "timeZoneOffset", .type = F_INT32},
	{.name = "excludeConversationMetadata", .type = F_BOOL},
	{.name = "includeIndirectGroupMembers", .type = F_BOOL},
	{.name = "includeDirectGroupMembersOnly", .type = F_BOOL},
	{.name = "features", .type = F_ENUMS, .values = features},
};

typedef enum CrColumn
{
	C_NAME, C_TYPE, C_CONVERSATION, C_AGENT, C_AGENT_NAME, C_AGENT_EMAIL, C_TEAM,
	C_TEMPLATE, C_USECASE, C_CREATOR, C_CREATE, C_SUBMIT, C_UPDATE, C_ACK,
	C_TOTAL, C_AUTO_FAILED, C_MANUAL, C_COMMENT, C_NCOLS
} CrColumn;

static const char *const column_names[C_NCOLS] = {
	"Scorecard Name", "Scorecard Type", "Conversation Name", "Agent User Name",
	"Agent Name", "Agent Email", "Team Name", "Template Name", "Usecase Name",
	"Creator User Name", "Create Time", "Submit Time", "Update Time",
	"Acknowledge Time", "Total Score", "Auto Failed", "Manually Scored", "Comment",
};

/* One line of the CSV. */
typedef struct CrRow
{
	char		cell[C_NCOLS][512];
} CrRow;

/* The checked request. */
typedef struct CrExport
{
	struct json_object *req;	/* as cr_read_message read it */
	SimTime		start;
	SimTime		end;
	struct json_object *templates;	/* scorecardTemplateNames, without "@*" */
	bool		email;			/* the Agent Email column */
} CrExport;

/* A list member of the request, or NULL when it is absent (no filter). */
static struct json_object *
get_list(struct json_object *obj, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(obj, key, &v) ? v : NULL;
}

/* Is s in the list of strings (or is there no list)? */
static bool
in_list(struct json_object *list, const char *s)
{
	if (list == NULL)
		return true;
	for (size_t i = 0; i < json_object_array_length(list); i++)
		if (s && strcmp(json_object_get_string(json_object_array_get_idx(list, i)), s) == 0)
			return true;
	return false;
}

/* Is tz a time zone this machine knows by name? */
static bool
known_zone(const char *tz)
{
	char		path[512];

	if (tz[0] == '\0' || tz[0] == '/' || strstr(tz, "..") != NULL ||
		tz[strspn(tz, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-")] != '\0')
		return false;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
	return access(path, R_OK) == 0;
}

/*
 * Read t's wall-clock time in the request's time zone: timeZoneId when it
 * is known, else timeZoneOffset (minutes east of UTC), else UTC.
 */
static SimTime
in_zone(struct json_object *req, SimTime t)
{
	const char *tz = cr_get_string(req, "timeZoneId");
	struct json_object *offset;

	if (tz && known_zone(tz))
		return t - tz_offset_minutes(tz, t) * USECS_PER_MIN;
	if (json_object_object_get_ex(req, "timeZoneOffset", &offset))
		return t - json_object_get_int(offset) * USECS_PER_MIN;
	return t;
}

/*
 * Check what the field table cannot: template names carry the revision
 * "@*", there is at most one usecase, and start is not after end.
 */
static bool
check_export(CrExport *x, SimResponse *resp)
{
	struct json_object *list = get_list(x->req, "scorecardTemplateNames");
	struct json_object *usecases = get_list(x->req, "usecaseNames");
	struct json_object *feats = get_list(x->req, "features");
	char		prefix[320];

	snprintf(prefix, sizeof(prefix), "%s/scorecardTemplates/", cr_parent);
	for (size_t i = 0; list && i < json_object_array_length(list); i++)
	{
		const char *s = json_object_get_string(json_object_array_get_idx(list, i));
		size_t		n = strlen(s);

		if (n < 3 || strcmp(s + n - 2, "@*") != 0 || strncmp(s, prefix, strlen(prefix)) != 0 ||
			n - 2 == strlen(prefix) || memchr(s + strlen(prefix), '/', n - 2 - strlen(prefix)))
		{
			cr_error(resp, 400, "INVALID_ARGUMENT",
					 "scorecardTemplateNames[%zu]: \"%s\" is not %s{id}@* (the revision must be *)",
					 i, s, prefix);
			return false;
		}
		if (x->templates == NULL)
			x->templates = json_object_new_array();
		json_object_array_add(x->templates, json_object_new_string_len(s, (int) n - 2));
	}
	if (usecases && json_object_array_length(usecases) > 1)
	{
		cr_error(resp, 400, "INVALID_ARGUMENT", "usecaseNames takes a single usecase");
		return false;
	}
	x->start = in_zone(x->req, cr_get_time(x->req, "startTime"));
	x->end = in_zone(x->req, cr_get_time(x->req, "endTime"));
	if (x->start > x->end)
	{
		cr_error(resp, 400, "INVALID_ARGUMENT", "startTime is after endTime");
		return false;
	}
	x->email = feats == NULL || in_list(feats, "ENABLED_FEATURES_AGENT_EMAIL_COLUMN");
	return true;
}

/* The usecase of a scorecard, written into out ("" if it has none). */
static void
usecase_of(const CrScorecard *sc, char *out, size_t len)
{
	const char *doc_usecase = sc->doc ? cr_get_string(sc->doc, "usecaseName") : NULL;

	if (sc->doc)
		snprintf(out, len, "%s", doc_usecase ? doc_usecase : "");
	else
		snprintf(out, len, "%s/usecases/%s", cr_parent, cr_templates[sc->template].usecase);
}

/* Is sc one of the scorecards the request asks for? */
static bool
export_matches(const CrScorecard *sc, const CrExport *x)
{
	const CrUser *agent = sc->agent >= 0 ? &cr.users[sc->agent] : NULL;
	struct json_object *groups = get_list(x->req, "groupNames");
	char		name[512];
	char		usecase[512];
	char		team[128] = "";

	if (sc->create_time < x->start || sc->create_time > x->end)
		return false;
	snprintf(name, sizeof(name), "%s/scorecards/%s", cr_parent, sc->id);
	if (agent)
		cr_team_name(agent->team, team, sizeof(team));
	if (!in_list(get_list(x->req, "agentUserNames"), sc->agent_name) ||
		!in_list(get_list(x->req, "scorecardNames"), name) ||
		!in_list(get_list(x->req, "teamNames"), agent ? team : NULL) ||
		!in_list(x->templates, sc->template_name))
		return false;
	/* the simulated account has no groups: a group filter matches no agent */
	if (groups && json_object_array_length(groups) > 0)
		return false;
	usecase_of(sc, usecase, sizeof(usecase));
	if (!in_list(get_list(x->req, "usecaseNames"), usecase))
		return false;
	if (agent && !agent->active && !json_object_object_get_ex(x->req, "includeDeactivatedUsers", NULL))
		return false;
	return !(agent && agent->dev && !json_object_object_get_ex(x->req, "includeDevUsers", NULL));
}

/* Write time t into a cell ("" when unset). */
static void
time_cell(char *cell, SimTime t)
{
	if (t)
		cr_format_time(cell, 512, t);
	else
		cell[0] = '\0';
}

/* Fill in the cells of a generated scorecard. */
static void
row_generated(const CrScorecard *sc, CrRow *row)
{
	CrDetail	d;

	cr_expand(sc, &d);
	snprintf(row->cell[C_TYPE], 512, "%s", cr_scorecard_types[sc->type]);
	snprintf(row->cell[C_CONVERSATION], 512, "%s/conversations/%s", cr_parent, d.conversation);
	snprintf(row->cell[C_CREATOR], 512, "%s", d.creator >= 0 ? cr.users[d.creator].name : "");
	time_cell(row->cell[C_ACK], d.ack_time);
	if (d.total == -1)
		snprintf(row->cell[C_TOTAL], 512, "N/A");
	else
		cr_format_float(row->cell[C_TOTAL], 512, d.total);
	snprintf(row->cell[C_AUTO_FAILED], 512, "%s", d.auto_failed ? "true" : "false");
	snprintf(row->cell[C_MANUAL], 512, "%s", d.manually_scored ? "true" : "false");
	snprintf(row->cell[C_COMMENT], 512, "%s", d.comment ? d.comment : "");
}

/* Fill in the cells of a scorecard created through the API (absent: the default). */
static void
row_created(const CrScorecard *sc, CrRow *row)
{
	struct json_object *v;
	const char *s;

	s = cr_get_string(sc->doc, "scorecardType");
	snprintf(row->cell[C_TYPE], 512, "%s", s ? s : cr_scorecard_types[0]);
	s = cr_get_string(sc->doc, "conversationName");
	snprintf(row->cell[C_CONVERSATION], 512, "%s", s);
	s = json_object_object_get_ex(sc->doc, "creator", &v) ? cr_get_string(v, "name") : NULL;
	snprintf(row->cell[C_CREATOR], 512, "%s", s ? s : "");
	time_cell(row->cell[C_ACK], cr_get_time(sc->doc, "acknowledgeTime"));
	s = cr_get_string(sc->doc, "totalScore");
	snprintf(row->cell[C_TOTAL], 512, "%s", s == NULL ? "0" : (strcmp(s, "-1") == 0 ? "N/A" : s));
	snprintf(row->cell[C_AUTO_FAILED], 512, "%s",
			 json_object_object_get_ex(sc->doc, "autoFailed", NULL) ? "true" : "false");
	snprintf(row->cell[C_MANUAL], 512, "%s",
			 json_object_object_get_ex(sc->doc, "manuallyScored", NULL) ? "true" : "false");
	s = cr_get_string(sc->doc, "comment");
	snprintf(row->cell[C_COMMENT], 512, "%s", s ? s : "");
}

/* Fill in a row: the stored columns, then those of its source. */
static void
fill_row(const CrScorecard *sc, CrRow *row)
{
	const CrUser *agent = sc->agent >= 0 ? &cr.users[sc->agent] : NULL;

	memset(row, 0, sizeof(*row));
	snprintf(row->cell[C_NAME], 512, "%s/scorecards/%s", cr_parent, sc->id);
	snprintf(row->cell[C_AGENT], 512, "%s", sc->agent_name);
	if (agent)
	{
		snprintf(row->cell[C_AGENT_NAME], 512, "%s %s", agent->first, agent->last);
		snprintf(row->cell[C_AGENT_EMAIL], 512, "%s", agent->email);
		cr_team_name(agent->team, row->cell[C_TEAM], 512);
	}
	snprintf(row->cell[C_TEMPLATE], 512, "%s", sc->template_name);
	usecase_of(sc, row->cell[C_USECASE], 512);
	time_cell(row->cell[C_CREATE], sc->create_time);
	time_cell(row->cell[C_SUBMIT], sc->submit_time);
	time_cell(row->cell[C_UPDATE], sc->update_time);
	if (sc->doc)
		row_created(sc, row);
	else
		row_generated(sc, row);
}

/* Append one CSV field, quoted the way Go's encoding/csv does. */
static void
csv_field(StrBuf *b, const char *s)
{
	if (s[0] != ' ' && s[0] != '\t' && strpbrk(s, ",\"\r\n") == NULL)
	{
		buf_puts(b, s);
		return;
	}
	buf_putc(b, '"');
	for (; *s; s++)
	{
		if (*s == '"')
			buf_putc(b, '"');
		buf_putc(b, *s);
	}
	buf_putc(b, '"');
}

/* Append a CSV line of the cells (the column names for the header). */
static void
csv_line(StrBuf *b, const char *const *cells, const CrExport *x)
{
	for (int c = 0; c < C_NCOLS; c++)
	{
		if (c == C_AGENT_EMAIL && !x->email)
			continue;
		if (c > 0)
			buf_putc(b, ',');
		csv_field(b, cells[c]);
	}
	buf_putc(b, '\n');
}

/* qsort comparator: (createTime, name). */
static int
cmp_create(const void *a, const void *b)
{
	const CrScorecard *x = *(CrScorecard *const *) a;
	const CrScorecard *y = *(CrScorecard *const *) b;

	if (x->create_time != y->create_time)
		return x->create_time < y->create_time ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* Write the CSV of the matching scorecards into csv. */
static void
write_csv(StrBuf *csv, const CrExport *x)
{
	CrScorecard **rows = malloc((cr.count > 0 ? cr.count : 1) * sizeof(CrScorecard *));
	int			n = 0;
	CrRow	   *row = malloc(sizeof(CrRow));

	for (int i = 0; i < cr.count; i++)
		if (export_matches(cr.by_update[i], x))
			rows[n++] = cr.by_update[i];
	qsort(rows, n, sizeof(CrScorecard *), cmp_create);
	csv_line(csv, column_names, x);
	for (int i = 0; i < n; i++)
	{
		const char *cells[C_NCOLS];

		fill_row(rows[i], row);
		for (int c = 0; c < C_NCOLS; c++)
			cells[c] = row->cell[c];
		csv_line(csv, cells, x);
	}
	free(row);
	free(rows);
}

/* POST scorecards:export: {"data": "<base64 of the CSV>"}. */
void
cr_export(SimRequest *req, SimResponse *resp)
{
	struct json_object *body = cr_parse_body(req, resp);
	CrExport	x = {0};
	StrBuf		csv;

	if (body == NULL ||
		(x.req = cr_read_message(body, export_fields, LEN(export_fields), "", resp)) == NULL ||
		!check_export(&x, resp))
		goto done;
	buf_init(&csv, 65536);
	write_csv(&csv, &x);
	buf_puts(&resp->body, "{\"data\":\"");
	cr_base64(&resp->body, (const unsigned char *) csv.data, csv.len, false);
	buf_puts(&resp->body, "\"}");
	buf_free(&csv);
done:
	json_object_put(x.templates);
	json_object_put(x.req);
	json_object_put(body);
}
