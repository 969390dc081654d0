/*
 * fault.c
 *		Faults injected through the admin interface, matched by request path.
 *
 * A fault is {"path": "/api/ev/2/calls", "kind": "status", "status": 429,
 * "retry_after": 2, "count": 1}; kinds are status, latency, reset,
 * truncate and malformed. The path is exact, or a prefix when it ends in
 * '*'. Faults are taken in the order they were added; "count" (default 1,
 * -1 for always) says how many requests each affects.
 */
#include "sim.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#define MAX_FAULTS 64

static const char *const fault_kind_names[] = {
	[FAULT_STATUS] = "status",
	[FAULT_LATENCY] = "latency",
	[FAULT_RESET] = "reset",
	[FAULT_TRUNCATE] = "truncate",
	[FAULT_MALFORMED] = "malformed",
};

static SimFault faults[MAX_FAULTS];
static int	nfaults;
static pthread_mutex_t fault_lock = PTHREAD_MUTEX_INITIALIZER;

/* Does the fault's path pattern match this request path? */
static bool
fault_matches(const SimFault *f, const char *raw_path)
{
	size_t		n = strlen(f->path);

	if (n > 0 && f->path[n - 1] == '*')
		return strncmp(raw_path, f->path, n - 1) == 0;
	return strcmp(raw_path, f->path) == 0;
}

/* Take the first fault matching raw_path, using up one of its count. */
bool
fault_take(const char *raw_path, SimFault *out)
{
	bool		found = false;

	pthread_mutex_lock(&fault_lock);
	for (int i = 0; i < nfaults && !found; i++)
	{
		if (!fault_matches(&faults[i], raw_path))
			continue;
		*out = faults[i];
		found = true;
		if (faults[i].remaining > 0 && --faults[i].remaining == 0)
		{
			memmove(&faults[i], &faults[i + 1], (nfaults - i - 1) * sizeof(SimFault));
			nfaults--;
		}
	}
	pthread_mutex_unlock(&fault_lock);
	return found;
}

/* Read integer member key of obj into *out (dflt when absent); false if it is not an integer. */
static bool
member_int(struct json_object *obj, const char *key, int dflt, int *out)
{
	struct json_object *v;

	*out = dflt;
	if (!json_object_object_get_ex(obj, key, &v))
		return true;
	if (!json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_int(v);
	return true;
}

/* Fill f from the admin's JSON; false with a message in err when invalid. */
static bool
fault_from_json(struct json_object *obj, SimFault *f, char *err, size_t errlen)
{
	struct json_object *v;
	const char *kind = "status";

	memset(f, 0, sizeof(*f));
	if (!json_object_is_type(obj, json_type_object) ||
		!json_object_object_get_ex(obj, "path", &v) ||
		!json_object_is_type(v, json_type_string) ||
		json_object_get_string_len(v) == 0 ||
		json_object_get_string_len(v) >= (int) sizeof(f->path))
	{
		snprintf(err, errlen, "a fault needs \"path\", a string");
		return false;
	}
	strcpy(f->path, json_object_get_string(v));
	if (json_object_object_get_ex(obj, "kind", &v))
		kind = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
	f->kind = (SimFaultKind) -1;
	for (int i = 0; i < (int) (sizeof(fault_kind_names) / sizeof(fault_kind_names[0])); i++)
		if (strcmp(kind, fault_kind_names[i]) == 0)
			f->kind = (SimFaultKind) i;
	if ((int) f->kind < 0)
	{
		snprintf(err, errlen, "unknown fault kind \"%s\"", kind);
		return false;
	}
	if (!member_int(obj, "status", 500, &f->status) ||
		!member_int(obj, "retry_after", -1, &f->retry_after_s) ||
		!member_int(obj, "latency_ms", 0, &f->latency_ms) ||
		!member_int(obj, "count", 1, &f->remaining))
	{
		snprintf(err, errlen, "fault status, retry_after, latency_ms and count are integers");
		return false;
	}
	if (f->status < 100 || f->status > 599 || f->remaining == 0 || f->remaining < -1 ||
		f->latency_ms < 0 || f->retry_after_s < -1)
	{
		snprintf(err, errlen, "fault status, count, retry_after or latency_ms out of range");
		return false;
	}
	return true;
}

/* Add the fault (or array of faults) described by json. */
bool
fault_add_json(const char *json, char *err, size_t errlen)
{
	struct json_object *root = json_tokener_parse(json);
	bool		ok = true;
	int			n;
	int			before;

	if (root == NULL)
	{
		snprintf(err, errlen, "body is not JSON");
		return false;
	}
	n = json_object_is_type(root, json_type_array) ? (int) json_object_array_length(root) : 1;
	pthread_mutex_lock(&fault_lock);
	before = nfaults;
	for (int i = 0; i < n && ok; i++)
	{
		struct json_object *item = json_object_is_type(root, json_type_array) ?
			json_object_array_get_idx(root, i) : root;

		if (nfaults == MAX_FAULTS)
		{
			snprintf(err, errlen, "at most %d faults", MAX_FAULTS);
			ok = false;
		}
		else if ((ok = fault_from_json(item, &faults[nfaults], err, errlen)))
			nfaults++;
	}
	/* all or nothing: a rejected array adds none of its faults */
	if (!ok)
		nfaults = before;
	pthread_mutex_unlock(&fault_lock);
	json_object_put(root);
	return ok;
}

/* Remove every fault. */
void
fault_clear(void)
{
	pthread_mutex_lock(&fault_lock);
	nfaults = 0;
	pthread_mutex_unlock(&fault_lock);
}

/* Append the pending faults as a JSON array. */
void
fault_list_json(StrBuf *b)
{
	bool		first = true;

	buf_putc(b, '[');
	pthread_mutex_lock(&fault_lock);
	for (int i = 0; i < nfaults; i++)
	{
		bool		f2 = true;

		json_sep(b, &first);
		buf_putc(b, '{');
		json_kstr(b, &f2, "path", faults[i].path);
		json_kstr(b, &f2, "kind", fault_kind_names[faults[i].kind]);
		json_kint(b, &f2, "status", faults[i].status);
		json_kint(b, &f2, "retry_after", faults[i].retry_after_s);
		json_kint(b, &f2, "latency_ms", faults[i].latency_ms);
		json_kint(b, &f2, "count", faults[i].remaining);
		buf_putc(b, '}');
	}
	pthread_mutex_unlock(&fault_lock);
	buf_putc(b, ']');
}
