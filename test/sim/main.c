/*
 * main.c
 *		conv-sim: simulator of the conversation-intelligence vendor APIs
 *		that conv_fdw reads. It stands in for the real services in tests,
 *		demos and benchmarks; see docs/simulator.md.
 */
#include "sim.h"
#include "http.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

SimConfig	sim_config = {
	.seed = 1,
	.calls = 100000,
	.users = 200,
	.days = 90,
	.queue_timeout_s = 60.0,
	.rate_limits = true,
};

pthread_rwlock_t sim_data_lock = PTHREAD_RWLOCK_INITIALIZER;

/* Options of the core; vendors add --<vendor>-<name> options of their own. */
typedef struct CoreOptions
{
	int			http_port;
	int			https_port;		/* -1: no HTTPS */
	const char *cert_dir;
	const char *port_file;
	const char *clock;
	const char *anchor;
} CoreOptions;

/* Print usage, including every vendor's options, and exit. */
static void
usage(int code)
{
	fprintf(code ? stderr : stdout,
			"usage: conv-sim [options]\n"
			"  --http-port N        plain HTTP on 127.0.0.1 (default 8080, 0 = any free port)\n"
			"  --https-port N       HTTPS on 127.0.0.1 (default off, 0 = any free port)\n"
			"  --cert-dir DIR       DIR/server.pem and DIR/server-key.pem for HTTPS\n"
			"  --port-file FILE     write http=PORT and https=PORT once listening\n"
			"  --log FILE           request log, one JSON line per request\n"
			"  --seed N             data set seed (default 1)\n"
			"  --calls N            calls in the data set (default 100000)\n"
			"  --users N            users in the data set (default 200)\n"
			"  --days N             days of history (default 90)\n"
			"  --clock ISO          start the simulated clock at this time (default now)\n"
			"  --anchor ISO         newest data time (default: the simulated clock at start)\n"
			"  --queue-timeout S    seconds a rate-queued request waits before 504 (default 60)\n"
			"  --no-rate-limits     serve without rate windows (benchmarks)\n");
	for (int i = 0; i < sim_nvendors; i++)
		for (int j = 0; j < sim_vendors[i]->noptions; j++)
			fprintf(code ? stderr : stdout, "  --%s-%-12s %s\n", sim_vendors[i]->name,
					sim_vendors[i]->options[j].name, sim_vendors[i]->options[j].help);
	exit(code);
}

/* Parse an integer option value of at least min, or exit with a message. */
static long
int_arg(const char *opt, const char *val, long min)
{
	char	   *end;
	long		n;

	errno = 0;
	n = strtol(val, &end, 10);
	if (errno || *end || n < min || n > INT32_MAX)
	{
		fprintf(stderr, "conv-sim: --%s needs an integer of at least %ld, not \"%s\"\n",
				opt, min, val);
		exit(2);
	}
	return n;
}

/*
 * The value of the quota option --<vendor>-<name>: digits making 1 to max,
 * or exit with a message as a bad core option does.
 */
int
quota_arg(const char *vendor, const char *name, const char *val, int max)
{
	size_t		len = strspn(val, "0123456789");
	long long	n = len > 0 && len <= 18 && val[len] == '\0' ? strtoll(val, NULL, 10) : 0;

	if (n < 1 || n > max)
	{
		fprintf(stderr, "conv-sim: --%s-%s needs a positive integer up to %d, not \"%s\"\n",
				vendor, name, max, val);
		exit(2);
	}
	return (int) n;
}

/* Set a vendor option --<vendor>-<name>; false if opt is none of them. */
static bool
vendor_option(const char *opt, const char *val)
{
	for (int i = 0; i < sim_nvendors; i++)
	{
		const SimVendor *v = sim_vendors[i];
		size_t		n = strlen(v->name);

		if (strncmp(opt, v->name, n) != 0 || opt[n] != '-')
			continue;
		for (int j = 0; j < v->noptions; j++)
			if (strcmp(opt + n + 1, v->options[j].name) == 0)
			{
				*v->options[j].target = strdup(val);
				return true;
			}
	}
	return false;
}

/* Apply one "--name value" option. */
static void
apply_option(CoreOptions *o, const char *name, const char *val)
{
	if (strcmp(name, "http-port") == 0)
		o->http_port = (int) int_arg(name, val, 0);
	else if (strcmp(name, "https-port") == 0)
		o->https_port = (int) int_arg(name, val, 0);
	else if (strcmp(name, "cert-dir") == 0)
		o->cert_dir = val;
	else if (strcmp(name, "port-file") == 0)
		o->port_file = val;
	else if (strcmp(name, "log") == 0)
		sim_config.log_path = val;
	else if (strcmp(name, "seed") == 0)
		sim_config.seed = (uint64_t) int_arg(name, val, 0);
	else if (strcmp(name, "calls") == 0)
		sim_config.calls = (int) int_arg(name, val, 0);
	else if (strcmp(name, "users") == 0)
		sim_config.users = (int) int_arg(name, val, 1);
	else if (strcmp(name, "days") == 0)
		sim_config.days = (int) int_arg(name, val, 1);
	else if (strcmp(name, "clock") == 0)
		o->clock = val;
	else if (strcmp(name, "anchor") == 0)
		o->anchor = val;
	else if (strcmp(name, "queue-timeout") == 0)
		sim_config.queue_timeout_s = (double) int_arg(name, val, 0);
	else if (!vendor_option(name, val))
	{
		fprintf(stderr, "conv-sim: unknown option --%s\n", name);
		usage(2);
	}
}

/* Parse argv: "--name value" or "--name=value". */
static void
parse_args(int argc, char **argv, CoreOptions *o)
{
	for (int i = 1; i < argc; i++)
	{
		char	   *name = argv[i];
		char	   *eq;
		const char *val;

		if (strcmp(name, "--help") == 0)
			usage(0);
		if (strcmp(name, "--no-rate-limits") == 0)
		{
			sim_config.rate_limits = false;
			continue;
		}
		if (strncmp(name, "--", 2) != 0)
		{
			fprintf(stderr, "conv-sim: unexpected argument \"%s\"\n", name);
			usage(2);
		}
		name += 2;
		if ((eq = strchr(name, '=')) != NULL)
		{
			*eq = '\0';
			val = eq + 1;
		}
		else if (i + 1 < argc)
			val = argv[++i];
		else
		{
			fprintf(stderr, "conv-sim: missing value after --%s\n", name);
			usage(2);
		}
		apply_option(o, name, val);
	}
}

/* Read a whole file into a new string, or exit. */
static char *
read_file(const char *dir, const char *name)
{
	char		path[4096];
	FILE	   *f;
	StrBuf		b;
	char		chunk[4096];
	size_t		n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL)
	{
		perror(path);
		exit(1);
	}
	buf_init(&b, 4096);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_putn(&b, chunk, n);
	fclose(f);
	return b.data;
}

/* Parse a time option or exit. */
static SimTime
time_arg(const char *opt, const char *val)
{
	SimTime		t;

	if (!parse_time(val, &t))
	{
		fprintf(stderr, "conv-sim: --%s needs an ISO 8601 time, not \"%s\"\n", opt, val);
		exit(2);
	}
	return t;
}

/* Write the port file atomically (tests poll for it). */
static void
write_port_file(const char *path, int http_port, int https_port)
{
	char		tmp[4096];
	FILE	   *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
	{
		perror(tmp);
		exit(1);
	}
	fprintf(f, "http=%d\nhttps=%d\n", http_port, https_port);
	fclose(f);
	if (rename(tmp, path) != 0)
	{
		perror(path);
		exit(1);
	}
}

/* Start the listeners, serve until SIGTERM or SIGINT. */
int
main(int argc, char **argv)
{
	CoreOptions o = {.http_port = 8080, .https_port = -1};
	struct MHD_Daemon *plain;
	struct MHD_Daemon *tls = NULL;
	sigset_t	sigs;
	int			sig;

	parse_args(argc, argv, &o);
	if (o.https_port >= 0 && o.cert_dir == NULL)
	{
		fprintf(stderr, "conv-sim: --https-port needs --cert-dir\n");
		return 2;
	}
	sim_set_clock(o.clock ? time_arg("clock", o.clock) : real_now());
	sim_config.anchor = o.anchor ? time_arg("anchor", o.anchor) : sim_now();

	/* block the signals in every thread; main waits for them below */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	for (int i = 0; i < sim_nvendors; i++)
		sim_vendors[i]->generate();
	rate_init();
	reqlog_open(sim_config.log_path);

	if ((plain = http_start(o.http_port, NULL, NULL)) == NULL)
	{
		fprintf(stderr, "conv-sim: cannot listen on 127.0.0.1:%d\n", o.http_port);
		return 1;
	}
	if (o.https_port >= 0 &&
		(tls = http_start(o.https_port, read_file(o.cert_dir, "server.pem"),
						  read_file(o.cert_dir, "server-key.pem"))) == NULL)
	{
		fprintf(stderr, "conv-sim: cannot listen with TLS on 127.0.0.1:%d\n", o.https_port);
		return 1;
	}
	if (o.port_file)
		write_port_file(o.port_file, http_port(plain), tls ? http_port(tls) : -1);
	printf("conv-sim listening: http://127.0.0.1:%d", http_port(plain));
	if (tls)
		printf(" https://localhost:%d", http_port(tls));
	printf("\n");
	fflush(stdout);

	sigwait(&sigs, &sig);
	if (tls)
		http_stop(tls);
	http_stop(plain);
	return 0;
}
