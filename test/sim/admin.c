/*
 * admin.c
 *		The admin interface below /_admin/: health, the simulated clock,
 *		faults, rate-window counters, settings, and each vendor's data
 *		operations below /_admin/<vendor>/.
 */
#include "sim.h"
#include "http.h"

#include <json-c/json.h>
#include <string.h>

/* GET health: which vendors are served and where. */
static void
admin_health(SimRequest *req, SimResponse *resp)
{
	bool		first = true;
	bool		f2 = true;

	(void) req;
	buf_putc(&resp->body, '{');
	json_kbool(&resp->body, &first, "ok", true);
	json_key(&resp->body, &first, "vendors");
	buf_putc(&resp->body, '{');
	for (int i = 0; i < sim_nvendors; i++)
		json_kstr(&resp->body, &f2, sim_vendors[i]->name, sim_vendors[i]->prefix);
	buf_puts(&resp->body, "}}");
}

/* GET or POST {"now": ISO} the simulated clock. */
static void
admin_clock(SimRequest *req, SimResponse *resp)
{
	bool		first = true;

	if (strcmp(req->method, "POST") == 0)
	{
		struct json_object *root = json_tokener_parse(req->body);
		struct json_object *now;
		SimTime		t;

		if (root == NULL || !json_object_object_get_ex(root, "now", &now) ||
			!json_object_is_type(now, json_type_string) ||
			!parse_time(json_object_get_string(now), &t))
		{
			json_object_put(root);
			resp_error(resp, 400, "Bad Request", "expected {\"now\": \"<ISO 8601 time>\"}");
			return;
		}
		json_object_put(root);
		sim_set_clock(t);
	}
	buf_putc(&resp->body, '{');
	json_ktime(&resp->body, &first, "now", sim_now(), 6);
	buf_putc(&resp->body, '}');
}

/* GET, POST (add) or DELETE (clear) injected faults. */
static void
admin_faults(SimRequest *req, SimResponse *resp)
{
	char		err[256];

	if (strcmp(req->method, "POST") == 0 &&
		!fault_add_json(req->body, err, sizeof(err)))
	{
		resp_error(resp, 400, "Bad Request", "%s", err);
		return;
	}
	if (strcmp(req->method, "DELETE") == 0)
		fault_clear();
	fault_list_json(&resp->body);
}

/* GET the rate-window counters. */
static void
admin_rate(SimRequest *req, SimResponse *resp)
{
	(void) req;
	rate_status_json(&resp->body);
}

/* POST {"rate_limits": bool, "queue_timeout_s": n}: change core settings. */
static void
admin_config(SimRequest *req, SimResponse *resp)
{
	struct json_object *root = json_tokener_parse(req->body);
	struct json_object *limits = NULL;
	struct json_object *timeout = NULL;
	bool		first = true;

	if (!json_object_is_type(root, json_type_object) ||
		(json_object_object_get_ex(root, "rate_limits", &limits) &&
		 !json_object_is_type(limits, json_type_boolean)) ||
		(json_object_object_get_ex(root, "queue_timeout_s", &timeout) &&
		 ((!json_object_is_type(timeout, json_type_int) &&
		   !json_object_is_type(timeout, json_type_double)) ||
		  json_object_get_double(timeout) < 0 || json_object_get_double(timeout) > 86400)))
	{
		json_object_put(root);
		resp_error(resp, 400, "Bad Request",
				   "expected {\"rate_limits\": <boolean>, \"queue_timeout_s\": <0 to 86400 seconds>}");
		return;
	}
	/* nothing is changed unless all of it is valid */
	if (limits)
		sim_config.rate_limits = json_object_get_boolean(limits);
	if (timeout)
		sim_config.queue_timeout_s = json_object_get_double(timeout);
	json_object_put(root);
	buf_putc(&resp->body, '{');
	json_kbool(&resp->body, &first, "rate_limits", sim_config.rate_limits);
	json_knum(&resp->body, &first, "queue_timeout_s", sim_config.queue_timeout_s);
	buf_putc(&resp->body, '}');
}

typedef struct AdminRoute
{
	const char *path;
	const char *methods;		/* space-separated */
	SimHandler	handler;
} AdminRoute;

static const AdminRoute admin_routes[] = {
	{"health", "GET", admin_health},
	{"clock", "GET POST", admin_clock},
	{"faults", "GET POST DELETE", admin_faults},
	{"rate", "GET", admin_rate},
	{"config", "POST", admin_config},
};

/* Is method one of the space-separated words of methods? */
static bool
method_allowed(const char *methods, const char *method)
{
	size_t		n = strlen(method);

	for (const char *p = methods; *p; p += strcspn(p, " "), p += *p == ' ')
		if (strncmp(p, method, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

/*
 * The optional "count" member of a vendor's admin body, 1 when absent: how
 * many objects to add. False after answering 400 when it is no integer
 * from 1 to 100000.
 */
bool
admin_count(struct json_object *body, int *count, SimResponse *resp)
{
	struct json_object *v;

	*count = 1;
	if (json_object_object_get_ex(body, "count", &v))
		*count = json_object_is_type(v, json_type_int) ? json_object_get_int(v) : 0;
	if (*count < 1 || *count > 100000)
	{
		resp_error(resp, 400, "Bad Request", "count must be an integer between 1 and 100000");
		return false;
	}
	return true;
}

/*
 * Route /_admin/<path> to a core route or to a vendor's admin handler,
 * which gets the body parsed: every vendor takes a JSON object.
 */
void
admin_dispatch(SimRequest *req, const char *path, SimResponse *resp)
{
	for (size_t i = 0; i < sizeof(admin_routes) / sizeof(admin_routes[0]); i++)
	{
		if (strcmp(path, admin_routes[i].path) != 0)
			continue;
		if (!method_allowed(admin_routes[i].methods, req->method))
			resp_error(resp, 405, "Method Not Allowed", "%s /_admin/%s",
					   req->method, path);
		else
			admin_routes[i].handler(req, resp);
		return;
	}
	for (int i = 0; i < sim_nvendors; i++)
	{
		size_t		n = strlen(sim_vendors[i]->name);

		if (strncmp(path, sim_vendors[i]->name, n) == 0 && path[n] == '/')
		{
			struct json_object *body = json_tokener_parse(req->body_len ? req->body : "{}");

			if (!json_object_is_type(body, json_type_object))
				resp_error(resp, 400, "Bad Request", "body must be a JSON object");
			else
			{
				pthread_rwlock_wrlock(&sim_data_lock);
				sim_vendors[i]->admin(req, path + n + 1, body, resp);
				pthread_rwlock_unlock(&sim_data_lock);
			}
			json_object_put(body);
			return;
		}
	}
	resp_error(resp, 404, "Not Found", "no admin route /_admin/%s", path);
}
