/*
 * siro_parts.c
 *		The CRM customer of a Siro recording and the optional parts of the
 *		object that the API returns only when a query flag asks for them:
 *		photos, CRM and media opportunities, the scorecard evaluation,
 *		multimedia and mobile events, follow-ups and CRM accounts.
 *
 * A CRM customer is shared by the recordings of several visits to the same
 * household; everything here is generated from the recording's (or the
 * customer's) number, so a part reads the same every time.
 */
#include "siro.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A CRM the organisation has connected, and how its ids and URLs look. */
typedef struct Platform
{
	const char *kind;			/* crmCustomer.integrationPlatform */
	const char *name;			/* integrationName */
	const char *slug;			/* crmOpportunities' integrationPlatform */
	const char *url;			/* crmUrl, %s: the external id */
	bool		salesforce_ids;
} Platform;

static const Platform platforms[] = {
	{"SERVICE_TITAN", "ServiceTitan", "servicetitan", "https://go.servicetitan.com/#/Customer/%s", false},
	{"MERGE", "Salesforce", "salesforce",
	"https://brightline.lightning.force.com/lightning/r/Account/%s/view", true},
	{"MERGE", "HubSpot", "hubspot", "https://app.hubspot.com/contacts/4821937/record/0-2/%s", false},
	{"LEAD_PERFECTION", "LeadPerfection", "leadperfection",
	"https://brightline.leadperfection.com/customers/%s", false},
	{"SPOTIO", "SPOTIO", "spotio", "https://app.spotio.com/pins/%s", false},
};

static const char *const streets[] = {
	"Maple Ave", "Oak St", "Cedar Ln", "Sunset Blvd", "Lakeview Dr", "Park Pl",
	"Hillcrest Rd", "Willow Way", "Main St", "Ridge Ct",
};

/* A CRM customer, generated from its number. */
typedef struct Customer
{
	char		id[SIRO_ID_LEN + 1];
	char		external_id[24];
	char		account_id[SIRO_ID_LEN + 1];	/* the household or company */
	char		account_external_id[24];
	char		name[96];
	char		account_name[96];
	char		email[128];		/* "" when the CRM has none */
	char		phone[20];
	char		street[64];
	char		url[160];
	const char *type;
	const Platform *pf;
	const SiroTeam *place;
	bool		direct;
	SimTime		last_activity;
} Customer;

/* Write an ISO 8601 UTC time with milliseconds, or null for 0. */
void
json_ms(StrBuf *b, SimTime t)
{
	char		ts[40];

	if (t == 0)
	{
		buf_puts(b, "null");
		return;
	}
	format_time(ts, sizeof(ts), t, 3);
	json_str(b, ts);
}

/* An id of the platform's kind: Salesforce's 18 characters, or a number. */
static void
external_id(SimRng *r, const Platform *pf, char *out)
{
	if (pf->salesforce_ids)
	{
		memcpy(out, "001", 3);
		rng_base62(r, out + 3, 15);
	}
	else
		snprintf(out, 24, "%d%06d", rng_int(r, 100, 999), rng_int(r, 0, 999999));
}

/* Customer number c. */
static void
customer_get(int c, Customer *cu)
{
	SimRng		r;
	const char *first;
	const char *last;
	int			k;

	rng_seed(&r, sim_config.seed, SIRO_S_CUSTOMER, (uint64_t) c);
	k = rng_int(&r, 0, 99);
	cu->type = k < 40 ? "ACCOUNT" : (k < 65 ? "CONTACT" : (k < 90 ? "LEAD" : "OPPORTUNITY"));
	k = rng_int(&r, 0, 99);
	cu->pf = &platforms[k < 35 ? 0 : (k < 60 ? 1 : (k < 75 ? 2 : (k < 90 ? 3 : 4)))];
	cu->place = &siro.teams[c % SIRO_NTEAMS];
	rng_base62(&r, cu->id, SIRO_ID_LEN);
	external_id(&r, cu->pf, cu->external_id);
	first = rng_pick(&r, corpus_first_names, corpus_nfirst_names);
	last = rng_pick(&r, corpus_last_names, corpus_nlast_names);
	if (strcmp(cu->type, "ACCOUNT") == 0 && rng_chance(&r, 0.3))
		snprintf(cu->name, sizeof(cu->name), "%s", rng_pick(&r, corpus_companies, corpus_ncompanies));
	else
		snprintf(cu->name, sizeof(cu->name), "%s %s", first, last);
	if (strcmp(cu->type, "ACCOUNT") == 0)
	{
		memcpy(cu->account_id, cu->id, sizeof(cu->account_id));
		memcpy(cu->account_external_id, cu->external_id, sizeof(cu->account_external_id));
		memcpy(cu->account_name, cu->name, sizeof(cu->account_name));
	}
	else
	{
		rng_base62(&r, cu->account_id, SIRO_ID_LEN);
		external_id(&r, cu->pf, cu->account_external_id);
		snprintf(cu->account_name, sizeof(cu->account_name), "%s Household", last);
	}
	cu->email[0] = cu->phone[0] = '\0';
	if (rng_chance(&r, 0.7))
		snprintf(cu->email, sizeof(cu->email), "%c%c%d@example.net", first[0] | 0x20,
				 last[0] | 0x20, c);
	if (rng_chance(&r, 0.8))
		snprintf(cu->phone, sizeof(cu->phone), "+1-%03d-555-%04d", rng_int(&r, 201, 989),
				 rng_int(&r, 0, 9999));
	snprintf(cu->street, sizeof(cu->street), "%d %s", rng_int(&r, 100, 9999),
			 rng_pick(&r, streets, 10));
	snprintf(cu->url, sizeof(cu->url), cu->pf->url, cu->external_id);
	cu->direct = rng_chance(&r, 0.7);
	cu->last_activity = sim_config.anchor - rng_int(&r, 0, 30 * 86400) * USECS_PER_SEC -
		rng_int(&r, 0, 999) * 1000;
	cu->last_activity -= cu->last_activity % 1000;
}

/* The display name of customer number c. */
void
siro_customer_name(int c, char *out, size_t len)
{
	Customer	cu;

	customer_get(c, &cu);
	snprintf(out, len, "%s", cu.name);
}

/* A string member, null for "". */
static void
kstr_or_null(StrBuf *b, bool *first, const char *key, const char *val)
{
	json_kstr(b, first, key, val[0] ? val : NULL);
}

/* A time member with milliseconds, null for 0. */
static void
kms(StrBuf *b, bool *first, const char *key, SimTime t)
{
	json_key(b, first, key);
	json_ms(b, t);
}

/* A time member in whole seconds ("2024-01-15T10:30:00Z"), as some parts show them. */
static void
ksec(StrBuf *b, bool *first, const char *key, SimTime t)
{
	json_ktime(b, first, key, t, 0);
}

/* The recording's customer's opportunity (customers of type OPPORTUNITY). */
static void
write_opportunity(StrBuf *b, const SiroView *v, const Customer *cu)
{
	bool		f = true;
	char		name[160];

	buf_putc(b, '{');
	json_kstr(b, &f, "id", cu->id);
	json_kstr(b, &f, "externalId", cu->external_id);
	kms(b, &f, "createdAt", cu->last_activity - 20 * USECS_PER_DAY);
	kms(b, &f, "updatedAt", cu->last_activity);
	json_kstr(b, &f, "organizationId", siro.org_id);
	snprintf(name, sizeof(name), "Roof Replacement - %s", cu->name);
	json_kstr(b, &f, "name", name);
	json_kint(b, &f, "amount", 5000 + (int64_t) (mix64((uint64_t) cu->last_activity) % 1100) * 50);
	json_knull(b, &f, "closedAt");
	json_kstr(b, &f, "disposition", v->result == 1 ? "WON" : "OPEN");
	json_kstr(b, &f, "recordingId", v->rec->id);
	json_kstr(b, &f, "accountId", cu->account_id);
	json_knull(b, &f, "account");
	json_key(b, &f, "opportunityUsers");
	buf_puts(b, "[]");
	buf_putc(b, '}');
}

/* The id of the organisation's connection to platform pf. */
static void
connection_id(const Platform *pf, char *out)
{
	SimRng		r;

	rng_seed(&r, sim_config.seed, SIRO_S_ORG, 200 + (uint64_t) (pf - platforms));
	rng_base62(&r, out, SIRO_ID_LEN);
}

/* The household's address as one line. */
static void
write_address_line(StrBuf *b, bool *first, const Customer *cu)
{
	char		line[160];

	snprintf(line, sizeof(line), "%s, %s, %s %s", cu->street, cu->place->city,
			 cu->place->state, cu->place->zip);
	json_kstr(b, first, "address", line);
}

/* crmCustomer (null without a CRM link); in a follow-up, with contactAccount. */
void
siro_write_customer(StrBuf *b, const SiroView *v, bool in_followup)
{
	Customer	cu;
	bool		f = true;
	bool		opportunity;
	char		id[SIRO_ID_LEN + 1];

	if (!v->rec->crm)
	{
		buf_puts(b, "null");
		return;
	}
	customer_get(v->rec->customer, &cu);
	opportunity = strcmp(cu.type, "OPPORTUNITY") == 0;
	buf_putc(b, '{');
	json_kstr(b, &f, "id", cu.id);
	json_kstr(b, &f, "name", cu.name);
	json_kstr(b, &f, "customerType", cu.type);
	json_kstr(b, &f, "externalId", cu.external_id);
	kms(b, &f, "lastActivityAt", cu.last_activity);
	json_kstr(b, &f, "matchingSource", cu.direct ? "DIRECT" : "FUZZY");
	kstr_or_null(b, &f, "emailAddress", cu.email);
	kstr_or_null(b, &f, "phoneNumber", cu.phone);
	json_kstr(b, &f, "crmUrl", cu.url);
	json_kstr(b, &f, "opportunityId", opportunity ? cu.id : NULL);
	json_knull(b, &f, "engagementId");
	json_key(b, &f, "opportunity");
	if (opportunity)
		write_opportunity(b, v, &cu);
	else
		buf_puts(b, "null");
	if (in_followup)
	{
		json_key(b, &f, "contactAccount");
		buf_printf(b, "{\"id\":\"%s\",\"name\":", cu.account_id);
		json_str(b, cu.account_name);
		buf_printf(b, ",\"externalId\":\"%s\"}", cu.account_external_id);
	}
	write_address_line(b, &f, &cu);
	connection_id(cu.pf, id);
	json_kstr(b, &f, "integrationConnectionId", id);
	json_kstr(b, &f, "integrationPlatform", cu.pf->kind);
	json_kstr(b, &f, "integrationName", cu.pf->name);
	buf_putc(b, '}');
}

/* Seed r for optional part p of the viewed recording. */
static void
part_rng(SimRng *r, const SiroView *v, SiroPart p)
{
	siro_rng(r, v->rec, SIRO_D_PART0 + p);
}

/* A time during the recording, in milliseconds since the epoch. */
static int64_t
during(SimRng *r, const SiroRec *rec)
{
	return rec->created / 1000 + (int64_t) (rng_double(r) * (rec->duration_ms ? rec->duration_ms : 60000));
}

/* An image group: the photo's web and thumbnail versions and its CompanyCam page. */
static void
write_image_group(StrBuf *b, SimRng *r, const SiroRec *rec)
{
	static const char *const kinds[] = {"web", "thumbnail"};
	unsigned	photo = (unsigned) rng_int(r, 100000000, 999999999);

	buf_puts(b, "{\"rawImages\":[");
	for (int k = 0; k < 2; k++)
		buf_printf(b, "%s{\"type\":\"%s\",\"uri\":\"https://img.companycam.com/%u/%s.jpg\","
				   "\"url\":\"https://img.companycam.com/%u/%s.jpg\"}",
				   k ? "," : "", kinds[k], photo, kinds[k], photo, kinds[k]);
	buf_printf(b, "],\"linkedImage\":\"https://app.companycam.com/assets/Image/%u\","
			   "\"timestamp\":%lld}", photo * 2 + 1, (long long) during(r, rec));
}

/* images (includePhotos): photos taken during a third of the mobile visits. */
static void
write_images(StrBuf *b, const SiroView *v)
{
	SimRng		r;
	int			n;

	part_rng(&r, v, SIRO_PHOTOS);
	n = v->device->mobile && rng_chance(&r, 0.3) ? rng_int(&r, 1, 3) : 0;
	buf_putc(b, '[');
	for (int i = 0; i < n; i++)
	{
		if (i)
			buf_putc(b, ',');
		write_image_group(b, &r, v->rec);
	}
	buf_putc(b, ']');
}

/* An address object; with the street or (as media opportunities show it) without. */
static void
write_address(StrBuf *b, const Customer *cu, bool street)
{
	bool		f = true;

	buf_putc(b, '{');
	if (street)
		json_kstr(b, &f, "street", cu->street);
	json_kstr(b, &f, "city", cu->place->city);
	json_kstr(b, &f, "state", cu->place->state);
	json_kstr(b, &f, "zip", cu->place->zip);
	json_kstr(b, &f, "country", "USA");
	buf_putc(b, '}');
}

/* crmOpportunities (includeCrmOpportunities): the linked customer's deals. */
static void
write_crm_opportunities(StrBuf *b, const SiroView *v)
{
	static const char *const products[] = {"Roof Replacement", "Solar Install", "Window Package"};
	SimRng		r;
	Customer	cu;
	int			n = 0;

	part_rng(&r, v, SIRO_CRM_OPPS);
	if (v->rec->crm)
	{
		customer_get(v->rec->customer, &cu);
		n = rng_int(&r, strcmp(cu.type, "LEAD") == 0 ? 0 : 1, 2);
	}
	buf_putc(b, '[');
	for (int i = 0; i < n; i++)
	{
		bool		f = true;
		bool		won = i == 0 && v->result == 1;
		bool		lost = !won && rng_chance(&r, 0.3);
		char		text[160];

		buf_puts(b, i ? ",{" : "{");
		external_id(&r, cu.pf, text);
		json_kstr(b, &f, "opportunityExternalId", text);
		json_kstr(b, &f, "accountId", cu.account_id);
		json_kstr(b, &f, "accountName", cu.account_name);
		json_kstr(b, &f, "accountExternalId", cu.account_external_id);
		json_kstr(b, &f, "disposition", won ? "Closed Won" : (lost ? "Closed Lost" : "Open"));
		if (won || lost)
			ksec(b, &f, "closedAt", v->rec->finished);
		else
			json_knull(b, &f, "closedAt");
		snprintf(text, sizeof(text), "%s - %s", products[rng_int(&r, 0, 2)], cu.account_name);
		json_kstr(b, &f, "name", text);
		json_kint(b, &f, "amount", rng_int(&r, 100, 1200) * 50);
		json_kstr(b, &f, "integrationName", cu.pf->name);
		json_kstr(b, &f, "integrationPlatform", cu.pf->slug);
		json_key(b, &f, "addresses");
		buf_putc(b, '[');
		write_address(b, &cu, true);
		buf_puts(b, "]}");
	}
	buf_putc(b, ']');
}

/* mediaOpportunities (includeMediaOpportunities): CompanyCam projects of a tenth of the visits. */
static void
write_media_opportunities(StrBuf *b, const SiroView *v)
{
	SimRng		r;
	Customer	cu;
	bool		f = true;
	char		text[160];

	part_rng(&r, v, SIRO_MEDIA_OPPS);
	if (!rng_chance(&r, 0.1))
	{
		buf_puts(b, "[]");
		return;
	}
	customer_get(v->rec->crm ? v->rec->customer :
				 siro.users[v->rec->user].team + SIRO_NTEAMS * (v->rec->index % 50), &cu);
	buf_puts(b, "[{");
	snprintf(text, sizeof(text), "%d", rng_int(&r, 10000000, 99999999));
	json_kstr(b, &f, "externalId", text);
	json_kstr(b, &f, "integrationName", "CompanyCam");
	json_kstr(b, &f, "integrationPlatform", "companycam");
	snprintf(text, sizeof(text), "%s project photos", cu.account_name);
	json_kstr(b, &f, "name", text);
	json_key(b, &f, "addresses");
	buf_putc(b, '[');
	write_address(b, &cu, false);
	buf_puts(b, "],\"images\":[");
	write_image_group(b, &r, v->rec);
	buf_puts(b, "]}]");
}

/* A metric of the scorecard: what it measures and its target range. */
typedef struct ScoreMetric
{
	const char *id;
	const char *name;
	const char *type;
	const char *unit;
	const char *abbrev;
	double		min;
	double		max;
	int			section;
} ScoreMetric;

static const ScoreMetric score_metrics[] = {
	{"metric_conversation_time", "Conversation time", "CONVERSATION_TIME", "minutes", "min", 30, 90, 1},
	{"metric_rep_speaker_share", "Talk share", "REP_SPEAKER_SHARE", "percent", "%", 40, 60, 1},
	{"metric_rep_questions", "Questions asked", "REP_QUESTIONS_COUNT", "questions", "q", 10, 40, 2},
};

/* The metric's value in the recording. */
static double
score_value(const SiroView *v, int i)
{
	const double vals[] = {
		round(v->m.conversation_ms / 6000.0) / 10, v->m.speaker_share, v->m.rep_questions
	};

	return vals[i];
}

/* Points (of 100) the value earns: all inside the target, less the further out. */
static int
score_points(const ScoreMetric *m, double val)
{
	double		off = val < m->min ? (m->min - val) / m->min : (val > m->max ? (val - m->max) / m->max : 0);

	return (int) fmax(0, round(100 * (1 - off)));
}

/* The color of points out of possible. */
static const char *
score_color(int points, int possible)
{
	return points * 10 >= possible * 8 ? "GREEN" : (points * 10 >= possible * 5 ? "YELLOW" : "RED");
}

/* One evaluated node of the scorecard tree. */
static void
write_node(StrBuf *b, const char *id, const char *name, int index, const char *parent,
		   const char *type, const ScoreMetric *m, double val, int possible, int earned)
{
	bool		f = true;

	buf_putc(b, '{');
	json_kstr(b, &f, "id", id);
	json_kstr(b, &f, "name", name);
	json_kint(b, &f, "indexNumber", index);
	json_kstr(b, &f, "parentId", parent);
	json_kstr(b, &f, "nodeType", type);
	json_key(b, &f, "metadata");
	if (m)
		buf_printf(b, "{\"metricId\":\"%s\",\"metricType\":\"%s\"}", m->id, m->type);
	else
		buf_puts(b, "null");
	json_kint(b, &f, "pointsPossible", possible);
	json_kint(b, &f, "pointsEarned", earned);
	json_kstr(b, &f, "color", score_color(earned, possible));
	json_kstr(b, &f, "description", m ? NULL : "Scored from the conversation's metrics");
	if (m)
	{
		json_knum(b, &f, "metricValue", val);
		json_kstr(b, &f, "unit", m->unit);
		json_kstr(b, &f, "unitAbbreviated", m->abbrev);
	}
	else
	{
		json_knull(b, &f, "metricValue");
		json_knull(b, &f, "unit");
		json_knull(b, &f, "unitAbbreviated");
	}
	buf_putc(b, '}');
}

/* The scorecard's rubrics, section weights and colors. */
static void
write_rubrics(StrBuf *b, bool *f)
{
	json_key(b, f, "metricRubrics");
	buf_putc(b, '[');
	for (int i = 0; i < 3; i++)
		buf_printf(b, "%s{\"scorecardNodeId\":\"node_%d\",\"scorecardMetricId\":\"%s\","
				   "\"metricPointTotal\":100,\"minTarget\":%g,\"maxTarget\":%g,\"targetTolerance\":5}",
				   i ? "," : "", 3 + i, score_metrics[i].id, score_metrics[i].min, score_metrics[i].max);
	buf_puts(b, "]");
	json_key(b, f, "sectionWeights");
	buf_puts(b, "[{\"scorecardNodeId\":\"node_1\",\"weight\":60},{\"scorecardNodeId\":\"node_2\",\"weight\":40}]");
	json_key(b, f, "colorConfigurations");
	buf_puts(b, "[{\"color\":\"GREEN\",\"lowRange\":80,\"highRange\":100},"
			 "{\"color\":\"YELLOW\",\"lowRange\":50,\"highRange\":79},"
			 "{\"color\":\"RED\",\"lowRange\":0,\"highRange\":49}]");
}

/*
 * evaluation (includeEvaluation): the scorecard of 60% of the recordings
 * with results, scored from the very metrics the recording shows; null
 * for the others.
 */
static void
write_evaluation(StrBuf *b, const SiroView *v)
{
	static const char *const sections[] = {"Conversation", "Discovery"};
	SimRng		r;
	int			points[3],
				section[3] = {0},
				total = 0;
	bool		f = true;
	char		id[SIRO_ID_LEN + 1];

	part_rng(&r, v, SIRO_EVALUATION);
	if (!v->st->results || !rng_chance(&r, 0.6))
	{
		buf_puts(b, "null");
		return;
	}
	for (int i = 0; i < 3; i++)
	{
		points[i] = score_points(&score_metrics[i], score_value(v, i));
		section[score_metrics[i].section] += points[i];
		total += points[i];
	}
	buf_putc(b, '{');
	json_kstr(b, &f, "recordingId", v->rec->id);
	json_kbool(b, &f, "hasScorecard", true);
	json_key(b, &f, "evaluatedNodes");
	buf_putc(b, '[');
	write_node(b, "node_0", "Field Sales Scorecard", 0, "", "ROOT", NULL, 0, 300, total);
	for (int s = 1; s <= 2; s++)
	{
		char		node[16];

		snprintf(node, sizeof(node), "node_%d", s);
		buf_putc(b, ',');
		write_node(b, node, sections[s - 1], s, "node_0", "SECTION", NULL, 0,
				   s == 1 ? 200 : 100, section[s]);
	}
	for (int i = 0; i < 3; i++)
	{
		char		node[16],
					parent[16];

		snprintf(node, sizeof(node), "node_%d", 3 + i);
		snprintf(parent, sizeof(parent), "node_%d", score_metrics[i].section);
		buf_putc(b, ',');
		write_node(b, node, score_metrics[i].name, i + 1, parent, "METRIC", &score_metrics[i],
				   score_value(v, i), 100, points[i]);
	}
	buf_putc(b, ']');
	write_rubrics(b, &f);
	rng_base62(&r, id, SIRO_ID_LEN);
	json_kstr(b, &f, "scorecardInstanceId", id);
	json_kbool(b, &f, "evaluationQualified", v->rec->duration_ms >= 10 * 60 * 1000);
	json_kstr(b, &f, "name", "Field Sales Scorecard");
	json_kstr(b, &f, "description", "Talk time, balance and discovery of in-home visits");
	json_kint(b, &f, "pointsPossible", 300);
	json_kint(b, &f, "pointsEarned", total);
	buf_putc(b, '}');
}

/* multimediaEvents (includeMultimediaEvents): photos and clips of 15% of the visits. */
static void
write_multimedia(StrBuf *b, const SiroView *v)
{
	SimRng		r;
	int			n;

	part_rng(&r, v, SIRO_MULTIMEDIA);
	n = rng_chance(&r, 0.15) ? rng_int(&r, 1, 3) : 0;
	buf_putc(b, '[');
	for (int i = 0; i < n; i++)
	{
		bool		video = rng_chance(&r, 0.2);

		buf_printf(b, "%s{\"storageUrl\":\"%s/%s/%d.%s\",\"mimeType\":\"%s\",\"timestampInMilliseconds\":%lld}",
				   i ? "," : "", siro.org_id, v->rec->id, i, video ? "mp4" : "jpg",
				   video ? "video/mp4" : "image/jpeg", (long long) during(&r, v->rec));
	}
	buf_putc(b, ']');
}

/* One recorder state change of the mobile app. */
static void
write_mobile_event(StrBuf *b, SimRng *r, const SiroView *v, const char *value,
				   const char *trigger, int64_t at_ms, int64_t duration_ms)
{
	bool		f = true;
	char		id[SIRO_ID_LEN + 1];

	rng_base62(r, id, SIRO_ID_LEN);
	buf_putc(b, '{');
	json_kstr(b, &f, "id", id);
	json_kstr(b, &f, "recordingId", v->rec->id);
	json_kstr(b, &f, "userId", v->user->id);
	json_key(b, &f, "event");
	buf_printf(b, "{\"name\":\"recorderStateChange\",\"value\":\"%s\",\"trigger\":\"%s\"}", value, trigger);
	json_kstr(b, &f, "organizationId", siro.org_id);
	json_key(b, &f, "dateCreated");
	buf_printf(b, "{\"_seconds\":%lld,\"_nanoseconds\":%lld}", (long long) (at_ms / 1000),
			   (long long) (at_ms % 1000 * 1000000));
	ksec(b, &f, "dateCreatedString", at_ms * 1000);
	json_kint(b, &f, "timestampInMilliseconds", at_ms);
	json_kint(b, &f, "durationInMilliseconds", duration_ms);
	buf_putc(b, '}');
}

/*
 * mobileEvents (includeMobileEvents): start, an interruption now and then,
 * and stop, for recordings made on a phone.
 */
static void
write_mobile_events(StrBuf *b, const SiroView *v)
{
	const SiroRec *rec = v->rec;
	int64_t		start = rec->created / 1000;
	int64_t		end = start + rec->duration_ms;
	SimRng		r;

	part_rng(&r, v, SIRO_MOBILE);
	buf_putc(b, '[');
	if (v->device->mobile)
	{
		if (rec->duration_ms && rng_chance(&r, 0.2))
		{
			int64_t		pause = start + rec->duration_ms / 2;

			write_mobile_event(b, &r, v, "start", "buttonPress", start, pause - start);
			buf_putc(b, ',');
			write_mobile_event(b, &r, v, "pause", "interruption", pause, 45000);
			buf_putc(b, ',');
			write_mobile_event(b, &r, v, "resume", "buttonPress", pause + 45000, end - pause - 45000);
		}
		else
			write_mobile_event(b, &r, v, "start", "buttonPress", start, rec->duration_ms);
		if (rec->duration_ms)
		{
			buf_putc(b, ',');
			write_mobile_event(b, &r, v, "stop", rec->duration_ms > 9000000 ?
							   "maxRecordingTimeExceeded" : "buttonPress", end, 0);
		}
	}
	buf_putc(b, ']');
}

/* The history of a follow-up: Siro made it, the rep may have moved it on. */
static void
write_followup_history(StrBuf *b, SimRng *r, const SiroView *v, const char *status,
					   SimTime created, SimTime updated)
{
	char		id[SIRO_ID_LEN + 1];
	char		rep[96];
	bool		f = true;

	rng_base62(r, id, SIRO_ID_LEN);
	buf_printf(b, "[{\"id\":\"%s\",\"updatedBy\":\"Siro\",\"updatedByUserId\":null,\"createdAt\":", id);
	json_ms(b, created);
	buf_puts(b, ",\"note\":null,\"status\":\"TO_DO\"}");
	if (strcmp(status, "TO_DO") != 0)
	{
		rng_base62(r, id, SIRO_ID_LEN);
		snprintf(rep, sizeof(rep), "%s %s", v->user->first, v->user->last);
		buf_puts(b, ",{");
		json_kstr(b, &f, "id", id);
		json_kstr(b, &f, "updatedBy", rep);
		json_kstr(b, &f, "updatedByUserId", v->user->id);
		kms(b, &f, "createdAt", updated);
		json_kstr(b, &f, "note", rng_pick(r, corpus_sentences, corpus_nsentences));
		json_kstr(b, &f, "status", status);
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
}

/* One follow-up Siro suggested after the visit. */
static void
write_followup(StrBuf *b, SimRng *r, const SiroView *v, int i)
{
	static const char *const statuses[] = {"TO_DO", "TO_DO", "IN_PROGRESS", "COMPLETE"};
	const char *status = statuses[rng_int(r, 0, 3)];
	SimTime		created = v->rec->finished + (10 + i) * USECS_PER_MIN;
	SimTime		limit = created > sim_config.anchor ? created : sim_config.anchor;
	SimTime		updated = created + rng_int(r, 0, 3 * 86400) * USECS_PER_SEC;
	bool		done = strcmp(status, "COMPLETE") == 0;
	bool		f = true;
	char		text[160];

	updated = updated > limit ? limit : updated;
	buf_putc(b, '{');
	json_kstr(b, &f, "recordingId", v->rec->id);
	json_kstr(b, &f, "recordingTitle", siro_title(v, text, sizeof(text)) ? text : NULL);
	snprintf(text, sizeof(text), "%s %s", v->user->first, v->user->last);
	json_kstr(b, &f, "repName", text);
	json_kstr(b, &f, "repId", v->user->id);
	json_kstr(b, &f, "teamName", v->team->name);
	json_kstr(b, &f, "teamId", v->team->id);
	rng_base62(r, text, SIRO_ID_LEN);
	json_kstr(b, &f, "followupId", text);
	kms(b, &f, "dateCreated", created);
	json_kstr(b, &f, "followupType", v->result == 1 ? "CROSS_SELL" : "REHASH");
	json_kint(b, &f, "score", rng_int(r, 1, 5));
	json_kstr(b, &f, "followupAction", v->result == 1 ? "Offer the gutter guard add-on" :
			  "Call back to walk through the financing options");
	json_key(b, &f, "context");
	buf_puts(b, "[{\"header\":\"MAIN_OBJECTION\",\"value\":\"Price is above the other quote\"},"
			 "{\"header\":\"FOLLOW_UP_TIME\",\"value\":\"Next week\"}]");
	kms(b, &f, "updatedAt", updated);
	json_key(b, &f, "metadata");
	buf_puts(b, "[]");
	json_kbool(b, &f, "starred", rng_chance(r, 0.2));
	json_kstr(b, &f, "status", status);
	json_kstr(b, &f, "thinking", "The customer liked the proposal but wants time to compare.");
	json_key(b, &f, "crmCustomer");
	siro_write_customer(b, v, true);
	json_kbool(b, &f, "hasFollowupComment", rng_chance(r, 0.1));
	json_knull(b, &f, "note");
	json_kbool(b, &f, "completed", done);
	snprintf(text, sizeof(text), "%s %s", v->user->first, v->user->last);
	json_kstr(b, &f, "completedBy", done ? text : NULL);
	kms(b, &f, "completedAt", done ? updated : 0);
	json_key(b, &f, "history");
	write_followup_history(b, r, v, status, created, updated);
	json_key(b, &f, "crmUrl");
	buf_puts(b, "null");
	buf_putc(b, '}');
}

/* followups (includeFollowups): for 30% of the finished visits with a CRM link. */
static void
write_followups(StrBuf *b, const SiroView *v)
{
	SimRng		r;
	int			n;

	part_rng(&r, v, SIRO_FOLLOWUPS);
	n = v->st->results && v->rec->crm && rng_chance(&r, 0.3) ? rng_int(&r, 1, 2) : 0;
	buf_putc(b, '[');
	for (int i = 0; i < n; i++)
	{
		if (i)
			buf_putc(b, ',');
		write_followup(b, &r, v, i);
	}
	buf_putc(b, ']');
}

/* crmAccounts (includeCrmAccounts): the household or company account of the customer. */
static void
write_crm_accounts(StrBuf *b, const SiroView *v)
{
	Customer	cu;
	bool		f = true;
	char		url[160];

	if (!v->rec->crm)
	{
		buf_puts(b, "[]");
		return;
	}
	customer_get(v->rec->customer, &cu);
	snprintf(url, sizeof(url), cu.pf->url, cu.account_external_id);
	buf_puts(b, "[{");
	json_kstr(b, &f, "id", cu.account_id);
	json_kstr(b, &f, "name", cu.account_name);
	json_kstr(b, &f, "externalId", cu.account_external_id);
	json_kstr(b, &f, "customerType", "ACCOUNT");
	json_kstr(b, &f, "crmUrl", url);
	write_address_line(b, &f, &cu);
	json_kstr(b, &f, "integrationPlatform", cu.pf->kind);
	json_kstr(b, &f, "integrationName", cu.pf->name);
	buf_puts(b, "}]");
}

/* in SiroPart order */
const SiroPartDef siro_parts[SIRO_NPARTS] = {
	{"includePhotos", "images", write_images},
	{"includeCrmOpportunities", "crmOpportunities", write_crm_opportunities},
	{"includeMediaOpportunities", "mediaOpportunities", write_media_opportunities},
	{"includeEvaluation", "evaluation", write_evaluation},
	{"includeMultimediaEvents", "multimediaEvents", write_multimedia},
	{"includeMobileEvents", "mobileEvents", write_mobile_events},
	{"includeFollowups", "followups", write_followups},
	{"includeCrmAccounts", "crmAccounts", write_crm_accounts},
};
