/*
 * cr_create.c
 *		POST scorecards and POST targets: create from a request body that is
 *		the resource itself, checked against the fields of the document.
 *
 * A scorecard keeps the times it is given (the API serves backfills, so
 * createTime and updateTime are required); a target gets its createTime
 * and updateTime from the server. Either gets a name when it has none;
 * a name that exists is a 409.
 */
#include "cresta.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEN(a) ((int) (sizeof(a) / sizeof((a)[0])))

static const char *const roles[] = {
	"ROLE_UNSPECIFIED", "AGENT", "MANAGER", "ADMIN", "SUPER_ADMIN", "USER_ADMIN",
	"CI_ADMIN", "QA_ADMIN", "QA_SPECIALIST", "OPERA_ADMIN", NULL
};

static const CrField score_fields[] = {
	{.name = "criterionId", .type = F_STRING, .required = true},
	{.name = "criterionDisplayName", .type = F_STRING},
	{.name = "chapterId", .type = F_STRING},
	{.name = "numericValue", .type = F_FLOAT, .presence = true},
	{.name = "textValue", .type = F_STRING, .presence = true},
	{.name = "comment", .type = F_STRING},
	{.name = "notApplicable", .type = F_BOOL, .required = true},
	{.name = "aiValue", .type = F_FLOAT},
	{.name = "aiScored", .type = F_BOOL},
	{.name = "autoFailed", .type = F_BOOL},
	{.name = "commentAccessRoles", .type = F_ENUMS, .values = roles},
};

/* The Scorecard message, in the order of the document's response. */
static const CrField scorecard_fields[] = {
	{.name = "name", .type = F_NAME, .collection = "scorecards"},
	{.name = "conversationName", .type = F_NAME, .required = true, .collection = "conversations"},
	{.name = "agentUserName", .type = F_NAME, .required = true, .collection = "users", .customer = true},
	{.name = "creator", .type = F_OBJECT},
	{.name = "templateName", .type = F_NAME, .required = true, .collection = "scorecardTemplates"},
	{.name = "comment", .type = F_STRING},
	{.name = "totalScore", .type = F_FLOAT, .min = 0, .max = 100, .minus_one = true},
	{.name = "scores", .type = F_MESSAGES, .required = true, .fields = score_fields,
	.nfields = LEN(score_fields)},
	{.name = "coachingPlanNames", .type = F_NAMES, .collection = "coachingPlans"},
	{.name = "createTime", .type = F_TIME, .required = true},
	{.name = "updateTime", .type = F_TIME, .required = true},
	{.name = "submitTime", .type = F_TIME},
	{.name = "aiScoreTime", .type = F_TIME},
	{.name = "manuallyScored", .type = F_BOOL},
	{.name = "autoFailed", .type = F_BOOL},
	{.name = "acknowledgeTime", .type = F_TIME},
	{.name = "acknowledgeComment", .type = F_STRING},
	{.name = "usecaseName", .type = F_NAME, .collection = "usecases"},
	{.name = "updatedBy", .type = F_OBJECT},
	{.name = "submittedBy", .type = F_OBJECT},
	{.name = "calibratedScorecardName", .type = F_NAME, .collection = "scorecards"},
	{.name = "calibrationConsistencyScore", .type = F_FLOAT},
	{.name = "processInteractionTime", .type = F_TIME},
	{.name = "processId", .type = F_STRING},
	{.name = "submissionSource", .type = F_ENUM, .values = cr_submission_sources},
	{.name = "scorecardType", .type = F_ENUM, .values = cr_scorecard_types},
	{.name = "referenceScorecardId", .type = F_STRING},
	{.name = "scorecardWorkflows", .type = F_OBJECTS},
};

static const CrField target_fields[] = {
	{.name = "name", .type = F_NAME, .collection = "targets"},
	{.name = "scorecardTemplateName", .type = F_NAME, .required = true,
	.collection = "scorecardTemplates"},
	{.name = "criterionOrChapterId", .type = F_STRING},
	{.name = "target", .type = F_FLOAT, .required = true, .min = 0, .max = 100},
	{.name = "usecaseName", .type = F_NAME, .required = true, .collection = "usecases"},
	{.name = "coachingPlanName", .type = F_NAME, .collection = "coachingPlans"},
	{.name = "createTime", .type = F_TIME},
	{.name = "updateTime", .type = F_TIME},
	{.name = "qaScore", .type = F_FLOAT},
};

/*
 * The resource in the table's order, its name first: read may lack the
 * name (the server assigns one) or hold members the server has set.
 */
static struct json_object *
in_field_order(struct json_object *read, const CrField *fields, int nfields,
			   const char *name)
{
	struct json_object *out = json_object_new_object();

	json_object_object_add(out, "name", json_object_new_string(name));
	for (int i = 0; i < nfields; i++)
	{
		struct json_object *v;

		if (strcmp(fields[i].name, "name") != 0 &&
			json_object_object_get_ex(read, fields[i].name, &v))
			json_object_object_add(out, fields[i].name, json_object_get(v));
	}
	return out;
}

/*
 * The id of a given name (already checked to be parent/<collection>/<id>),
 * which must be a resource id as AIP-122 has them: lowercase letters,
 * digits and '-', at most 63. NULL after answering 400.
 */
static const char *
given_id(const char *name, SimResponse *resp)
{
	const char *id = strrchr(name, '/') + 1;

	if (strlen(id) >= CR_ID_LEN || id[strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789-")] != '\0')
	{
		cr_error(resp, 400, "INVALID_ARGUMENT",
				 "invalid resource id \"%s\": lowercase letters, digits and '-', at most 63", id);
		return NULL;
	}
	return id;
}

/* The scores are a oneof of numericValue and textValue, or not applicable. */
static bool
scores_consistent(struct json_object *scores, SimResponse *resp)
{
	for (size_t i = 0; i < json_object_array_length(scores); i++)
	{
		struct json_object *s = json_object_array_get_idx(scores, i);
		int			values = json_object_object_get_ex(s, "numericValue", NULL) +
			json_object_object_get_ex(s, "textValue", NULL);

		if (values > 1 ||
			(values > 0 && json_object_object_get_ex(s, "notApplicable", NULL)))
		{
			cr_error(resp, 400, "INVALID_ARGUMENT",
					 "scorecard.scores[%zu]: either there is a numericValue, a textValue, or it is notApplicable", i);
			return false;
		}
	}
	return true;
}

/* Make the scorecard for a checked body, named id; the caller indexes it. */
static CrScorecard *
new_scorecard(struct json_object *read, const char *id)
{
	CrScorecard *sc = calloc(1, sizeof(CrScorecard));
	char		name[512];
	const char *type;

	snprintf(sc->id, sizeof(sc->id), "%s", id);
	snprintf(name, sizeof(name), "%s/scorecards/%s", cr_parent, id);
	sc->heap = true;
	sc->index = -1;
	sc->ref = -1;
	sc->doc = in_field_order(read, scorecard_fields, LEN(scorecard_fields), name);
	sc->json = cr_json_text(sc->doc);
	sc->agent_name = cr_get_string(sc->doc, "agentUserName");
	sc->template_name = cr_get_string(sc->doc, "templateName");
	sc->agent = cr_find_user(sc->agent_name);
	sc->template = cr_find_template(sc->template_name);
	sc->create_time = cr_get_time(sc->doc, "createTime");
	sc->update_time = cr_get_time(sc->doc, "updateTime");
	sc->submit_time = cr_get_time(sc->doc, "submitTime");
	sc->state = sc->submit_time ? CR_SUBMITTED : CR_DRAFT;
	type = cr_get_string(sc->doc, "scorecardType");
	for (int i = 0; type && cr_scorecard_types[i]; i++)
		if (strcmp(cr_scorecard_types[i], type) == 0)
			sc->type = (uint8_t) i;
	return sc;
}

/* Answer {"<key>": <json>}. */
static void
answer_wrapped(SimResponse *resp, const char *key, const char *json)
{
	bool		first = true;

	buf_putc(&resp->body, '{');
	json_key(&resp->body, &first, key);
	buf_puts(&resp->body, json);
	buf_putc(&resp->body, '}');
}

/* POST scorecards: create a scorecard (a backfill keeps its times). */
void
cr_create_scorecard(SimRequest *req, SimResponse *resp)
{
	struct json_object *body = cr_parse_body(req, resp);
	struct json_object *read = NULL;
	struct json_object *scores;
	const char *name;
	const char *id = NULL;
	char		fresh[37];
	CrScorecard *sc;

	if (body == NULL ||
		(read = cr_read_message(body, scorecard_fields, LEN(scorecard_fields),
								"scorecard", resp)) == NULL ||
		!json_object_object_get_ex(read, "scores", &scores) ||
		!scores_consistent(scores, resp) ||
		((name = cr_get_string(read, "name")) != NULL && (id = given_id(name, resp)) == NULL))
		goto done;
	if (id && cr_find(id))
	{
		cr_error(resp, 409, "ALREADY_EXISTS", "scorecard %s already exists", name);
		goto done;
	}
	while (id == NULL || cr_find(id))
	{
		SimRng		r;

		rng_seed(&r, sim_config.seed, CR_S_CREATED, (uint64_t) cr.ncreated++);
		rng_uuid(&r, fresh);
		id = fresh;
	}
	sc = new_scorecard(read, id);
	cr_insert(sc);
	answer_wrapped(resp, "scorecard", sc->json);
done:
	json_object_put(read);
	json_object_put(body);
}

/* Is a target of this name there already? */
static bool
target_exists(const char *name)
{
	for (int i = 0; i < cr.ntargets; i++)
		if (strcmp(cr.targets[i].name, name) == 0)
			return true;
	return false;
}

/*
 * POST targets: create a target. The server sets createTime and
 * updateTime; qaScore is the server's to compute, and this simulator does
 * not, so it is never returned.
 */
void
cr_create_target(SimRequest *req, SimResponse *resp)
{
	struct json_object *body = cr_parse_body(req, resp);
	struct json_object *read = NULL;
	struct json_object *doc;
	const char *given;
	char		name[512];
	char		now[48];
	CrTarget   *t;

	if (body == NULL ||
		(read = cr_read_message(body, target_fields, LEN(target_fields), "target", resp)) == NULL ||
		((given = cr_get_string(read, "name")) != NULL && given_id(given, resp) == NULL))
		goto done;
	if (given && target_exists(given))
	{
		cr_error(resp, 409, "ALREADY_EXISTS", "target %s already exists", given);
		goto done;
	}
	snprintf(name, sizeof(name), "%s", given ? given : "");
	for (int k = 0; name[0] == '\0' || (!given && target_exists(name)); k++)
	{
		SimRng		r;
		char		id[37];

		rng_seed(&r, sim_config.seed, CR_S_TARGET, (uint64_t) (cr.ntargets + k));
		rng_uuid(&r, id);
		snprintf(name, sizeof(name), "%s/targets/%s", cr_parent, id);
	}
	cr_format_time(now, sizeof(now), sim_now());
	json_object_object_add(read, "createTime", json_object_new_string(now));
	json_object_object_add(read, "updateTime", json_object_new_string(now));
	json_object_object_del(read, "qaScore");
	doc = in_field_order(read, target_fields, LEN(target_fields), name);
	cr.targets = realloc(cr.targets, (cr.ntargets + 1) * sizeof(CrTarget));
	t = &cr.targets[cr.ntargets++];
	t->name = strdup(name);
	t->json = cr_json_text(doc);
	json_object_put(doc);
	answer_wrapped(resp, "target", t->json);
done:
	json_object_put(read);
	json_object_put(body);
}
