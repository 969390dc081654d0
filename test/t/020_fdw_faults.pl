# conv_fdw against a failing vendor: broken bodies, resets, HTTP errors,
# retries, Retry-After, TLS verification and the plain-http rule.  Each
# case asserts the error the user sees (message, detail, hint, SQLSTATE)
# and the requests the simulator's log shows conv_fdw made.

use strict;
use warnings;

use JSON::PP ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

use ConvNode qw(node_error ev_server_sql);
use ConvSim;
use EvSim qw(ev_json iso_epoch admin_json);

my $sim = ConvSim->start(
	calls  => 3000,
	users  => 60,
	clock  => '2026-11-20T03:00:00Z',
	anchor => '2026-11-20T02:00:00Z');
# the simulator's rate queueing would only add waits to the timings below
admin_json($sim, 'POST', 'config', { rate_limits => JSON::PP::false });

my $node = PostgreSQL::Test::Cluster->new('fdw_faults');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'conv_fdw'\njit = off");
$node->start;

my $url        = $sim->url;
my $bad_pw     = 'Wr0ng-Pa55-q7Z';
my $live_calls = scalar @{ admin_json($sim, 'GET', 'execvision/calls') };
my $n_users    = scalar @{ ev_json($sim, 'users') };

# Servers: "ev" with the defaults; "ev100" pages by 100; "evr1" retries
# once; "evbadpw" has a wrong password; "evtls" and "evnoca" go through
# https with and without the test CA.  Their rate_limit is raised: the
# vendor's default (5/s in the New York day) would make the timings depend
# on the time of day.
my ($tls, $ca) = ($sim->tls_url, $sim->ca_file);
$node->safe_psql(
	'postgres',
	join('',
		'CREATE EXTENSION conv_fdw;',
		ev_server_sql('ev',    $url, "rate_limit '1000/s'", 'calls', 'users'),
		ev_server_sql('ev100', $url, "rate_limit '1000/s', page_size '100'", 'calls'),
		ev_server_sql('evr1',  $url, "rate_limit '1000/s', max_retries '1'", 'users'),
		ev_server_sql(
			'evbadpw', $url,
			{
				options => "rate_limit '1000/s'",
				mapping => "username 'ev-user', password '$bad_pw'"
			},
			'users'),
		ev_server_sql('evtls',  $tls, "rate_limit '1000/s', ca_file '$ca'", 'users'),
		ev_server_sql('evnoca', $tls, "rate_limit '1000/s'", 'users')));

my $calls_path = '/api/ev/2/calls';
my $users_path = '/api/ev/2/users';
my $first_calls_query = 'since=1970-01-01T00%3A00Z&limit=1000';

# Every error text seen, to check for the password at the end.
my @all_errors;

# Run SQL that must fail; returns its error parsed: sqlstate, message,
# detail, hint, context (undef when absent), stdout, and the whole stderr.
sub sql_error
{
	my $e = node_error($node, @_);

	push @all_errors, $e->{stderr};
	return $e;
}

# Run SQL that should succeed and compare its output; a failure shows the
# error instead of ending the test.
sub query_is
{
	my ($sql, $expected, $name) = @_;

	my ($ret, $stdout, $stderr) = $node->psql('postgres', $sql);
	push @all_errors, $stderr;
	is($stdout, $expected, $name) or diag $stderr;
	return;
}

# Add faults (one or an array); dies unless the simulator accepts them.
sub add_fault
{
	my ($fault) = @_;
	admin_json($sim, 'POST', 'faults', $fault);
	return;
}

# The requests to $path logged after $mark.
sub requests_to
{
	my ($mark, $path) = @_;
	return grep { $_->{path} eq $path } $sim->log_since($mark);
}

#
# Malformed and truncated JSON: an error that names the request, and no
# partial result: count(*) fails rather than counting the rows before the
# bad bytes.  Each kind hits the first page (default server), and the third
# page of a 100-a-page scan, after 200 rows were already counted.
#
foreach my $kind (qw(malformed truncate))
{
	foreach my $case ([ 'ev', 1 ], [ 'ev100', 3 ])
	{
		my ($schema, $page) = @$case;
		my $what = "$kind JSON on page $page of $schema.calls";

		admin_json($sim, 'DELETE', 'faults');
		# latency 0 lets the pages before the bad one through untouched
		add_fault([
			($page > 1 ? ({ path => $calls_path, kind => 'latency', latency_ms => 0,
				count => $page - 1 }) : ()),
			{ path => $calls_path, kind => $kind } ]);
		my $mark = $sim->log_mark;
		my $e = sql_error("SELECT count(*) FROM $schema.calls");
		my @reqs = requests_to($mark, $calls_path);

		isnt($e->{ret}, 0, "$what: the query fails");
		is($e->{stdout}, '', "$what: no count, not even a partial one");
		is(scalar @reqs, $page, "$what: $page request(s), no retry, no page after it");
		is($e->{sqlstate}, 'HV000', "$what: SQLSTATE fdw_error");
		is($e->{message},
			"invalid JSON in the response to GET $calls_path?$reqs[-1]{query}",
			"$what: the message names the request");
		# truncate cuts the body halfway; malformed makes the rest an HTML page
		my $bytes = $reqs[-1]{bytes};
		if ($kind eq 'truncate')
		{
			like($e->{detail},
				qr/^The response body ends in the middle of a JSON value, after $bytes bytes ending with: /,
				"$what: the detail says the body ends early, and its length");
		}
		elsif ($page == 1)
		{
			# the first page is cut in a number: the HTML is a syntax error
			my $html_at = $bytes - length '<html><body>502 Bad Gateway</body></html>';
			like($e->{detail},
				qr/^JSON syntax error \(.*\) at byte offset $html_at of $bytes: <html>/,
				"$what: the detail gives the byte offset where the HTML starts");
		}
		else
		{
			# the third is cut in a string: the HTML is string text, and the
			# body is JSON that ends early
			like($e->{detail},
				qr/^The response body ends in the middle of a JSON value, after $bytes bytes ending with: .*<\/html>$/,
				"$what: the detail shows how the body ends");
		}
		is($e->{hint}, 'The vendor sent a malformed or truncated response.',
			"$what: the hint");
		like($reqs[-1]{query}, qr/last_id=/, "$what: the bad page was a later one")
		  if $page > 1;
	}
}
admin_json($sim, 'DELETE', 'faults');

#
# A connection reset in the middle of the body is retried, and the query
# gets the whole answer.
#
my $mark = $sim->log_mark;
add_fault({ path => $calls_path, kind => 'reset' });
query_is('SELECT count(*), count(DISTINCT id) FROM ev.calls',
	"$live_calls|$live_calls", 'reset: the query succeeds with every call');
my @reqs = requests_to($mark, $calls_path);
is_deeply(
	[ map { $_->{query} } @reqs[ 0, 1 ] ],
	[ $first_calls_query, $first_calls_query ],
	'reset: the first page was asked twice');
cmp_ok($reqs[0]{bytes}, '<', $reqs[1]{bytes},
	'reset: the first answer was cut, the retry was whole');
is(scalar @reqs, 4, 'reset: then the rest of the pages (3 in all), nothing more');

# More resets than max_retries allows: an error that names the request.
$mark = $sim->log_mark;
add_fault({ path => $users_path, kind => 'reset', count => 3 });
my $e = sql_error('SELECT count(*) FROM evr1.users');
like($e->{message},
	qr{^conv_fdw request GET \Q$url$users_path\E on server "evr1" failed: },
	'resets beyond max_retries: the message names the request and server');
like($e->{detail}, qr/^Gave up after 2 attempts/,
	'resets beyond max_retries: the detail counts the attempts');
like($e->{hint}, qr/raise server option max_retries \(now 1\)/,
	'resets beyond max_retries: the hint');
is(scalar(requests_to($mark, $users_path)), 2,
	'resets beyond max_retries: 1 attempt + 1 retry');
admin_json($sim, 'DELETE', 'faults');

#
# A value of the wrong type names table, column, object id and value; a
# query that does not read the column is not affected.
#
my $first = ev_json($sim, 'calls?since=1970-01-01T00:00Z&limit=1')->[0];
$node->safe_psql(
	'postgres', q{
	CREATE FOREIGN TABLE public.typed_calls (id text, state bigint, direction uuid)
	  SERVER ev OPTIONS (endpoint 'calls');
});
$e = sql_error('SELECT id, state FROM typed_calls');
is($e->{sqlstate}, 'HV004', 'wrong type: SQLSTATE fdw_invalid_data_type');
is($e->{message},
	qq{cannot convert field "state" of object "$first->{id}" to type bigint for column "state" of foreign table "typed_calls"},
	'wrong type: the message names field, object id, type, column and table');
is($e->{detail}, qq{The value is "$first->{state}".}, 'wrong type: the detail shows the value');
like($e->{hint}, qr/json_path/, 'wrong type: the hint');

# an input function's own error gets a context with the same facts
$e = sql_error('SELECT id, direction FROM typed_calls');
like($e->{message}, qr/invalid input syntax for type uuid: "\Q$first->{direction}\E"/,
	'input error: the type input function reports the value');
is($e->{context},
	qq{column "direction" of foreign table "typed_calls", object "$first->{id}", value "$first->{direction}"},
	'input error: the context names column, table, object id and value');

# count(*) reads no column at all
query_is('SELECT count(*) FROM typed_calls', $live_calls,
	'count(*) is not affected by a mistyped column');
query_is('SELECT count(id) FROM typed_calls', $live_calls, 'nor is a query that reads only other columns');

#
# 401: the hint points at the user mapping, and the password shows nowhere.
#
$mark = $sim->log_mark;
$e = sql_error('SELECT count(*) FROM evbadpw.users');
is($e->{sqlstate}, '28000', '401: SQLSTATE invalid_authorization_specification');
is($e->{message},
	qq{conv_fdw request GET $url$users_path on server "evbadpw" failed with HTTP status 401},
	'401: the message names the request, server and status');
is($e->{detail}, 'After 1 attempt, the vendor answered: missing or invalid credentials',
	"401: the detail quotes the vendor's message");
is($e->{hint},
	'Check the username and password (or token) of the user mapping for server "evbadpw".',
	'401: the hint says to check the user mapping');
unlike($e->{stderr}, qr/\Q$bad_pw\E/, '401: the password is not in the error');
is_deeply([ map { $_->{status} } requests_to($mark, $users_path) ],
	[401], '401: one request, not retried');

#
# 404 on a lookup: no row, and no retry.
#
$mark = $sim->log_mark;
query_is(q{SELECT count(*) FROM ev.calls WHERE id = 'no-such-call'}, '0', '404 on a lookup: no row');
is_deeply([ map { "$_->{path} $_->{status}" } $sim->log_since($mark) ],
	['/api/ev/2/call/no-such-call 404'], '404 on a lookup: one request');
query_is(qq{SELECT id FROM ev.calls WHERE id = ANY(ARRAY['no-such-call', '$first->{id}'])},
	$first->{id},
	'404 beside a found id: the found row only');

#
# 500 twice, then success: retried, the query succeeds, three requests.
#
$mark = $sim->log_mark;
add_fault({ path => $users_path, kind => 'status', status => 500, count => 2 });
query_is('SELECT count(*) FROM ev.users', $n_users, '500 twice: the query succeeds');
is_deeply([ map { $_->{status} } requests_to($mark, $users_path) ],
	[ 500, 500, 200 ], '500 twice: three requests in the log');

#
# More 500s than max_retries: an error naming the request and the status;
# exactly max_retries + 1 requests (the third 500 is left unused).
#
$mark = $sim->log_mark;
add_fault({ path => $users_path, kind => 'status', status => 500, count => 3 });
$e = sql_error('SELECT count(*) FROM evr1.users');
is($e->{sqlstate}, 'HV000', '500 beyond max_retries: SQLSTATE fdw_error');
is($e->{message},
	qq{conv_fdw request GET $url$users_path on server "evr1" failed with HTTP status 500},
	'500 beyond max_retries: the message names the request and status 500');
is($e->{detail}, 'After 2 attempts, the vendor answered: fault injected by conv-sim',
	'500 beyond max_retries: the detail counts the attempts');
like($e->{hint}, qr/raise server option max_retries \(now 1\)/,
	'500 beyond max_retries: the hint');
is_deeply([ map { $_->{status} } requests_to($mark, $users_path) ],
	[ 500, 500 ], '500 beyond max_retries: two requests, no third');
is(admin_json($sim, 'GET', 'faults')->[0]{count}, 1, 'the third 500 was not used');
admin_json($sim, 'DELETE', 'faults');

#
# 429 with Retry-After: 2: the retry waits at least those 2 seconds.
#
$mark = $sim->log_mark;
add_fault({ path => $users_path, kind => 'status', status => 429, retry_after => 2 });
my $t0 = time;
query_is('SELECT count(*) FROM ev.users', $n_users, '429: the query succeeds');
my $took = time - $t0;
@reqs = requests_to($mark, $users_path);
is_deeply([ map { $_->{status} } @reqs ], [ 429, 200 ], '429: then one retry');
# The simulator stamps a log line once the response is handed to the
# connection, which may be a moment after the client has read it: allow
# 50 ms of that.  A retry that ignored Retry-After would come after at most
# 250 ms (the first backoff).
my $gap = iso_epoch($reqs[1]{t}) - iso_epoch($reqs[0]{t});
cmp_ok($gap, '>=', 1.95, sprintf('429: the retry came %.3f s after the 429 (2 s)', $gap));
cmp_ok($took, '>=', 2.0, sprintf('429: the query took %.2f s, the Retry-After and more', $took));
cmp_ok($took, '<', 10, '429: but not much more');

#
# https: verified with the test CA given as ca_file; without it the
# certificate is refused, with a hint about ca_file, and not retried.
#
query_is('SELECT count(*) FROM evtls.users', $n_users, 'https with ca_file: works');
$mark = $sim->log_mark;
$e = sql_error('SELECT count(*) FROM evnoca.users');
is($e->{sqlstate}, 'HV00N', 'https without ca_file: SQLSTATE fdw_unable_to_establish_connection');
like($e->{message},
	qr{^conv_fdw request GET \Q@{[ $sim->tls_url ]}$users_path\E on server "evnoca" failed: },
	'https without ca_file: the message names the request');
like($e->{detail}, qr/^Gave up after 1 attempt: .*certificate/i,
	'https without ca_file: the detail says the certificate was refused');
like($e->{hint}, qr/set server option ca_file/, 'https without ca_file: the hint names ca_file');
is(scalar(requests_to($mark, $users_path)), 0,
	'https without ca_file: no request reached the vendor');

#
# Plain http to a host that is not loopback is refused by the validator.
#
foreach my $bad ('http://example.com', 'http://10.1.2.3:8080/',
	'http://localhost.example.com', 'http://[2001:db8::1]:8080')
{
	$e = sql_error(qq{CREATE SERVER plain FOREIGN DATA WRAPPER conv_fdw
	  OPTIONS (vendor 'execvision', base_url '$bad')});
	is($e->{message}, qq{invalid value for option "base_url": "$bad"},
		"plain http to $bad: refused");
	is($e->{detail}, 'Plain http is allowed only to a loopback host.',
		"plain http to $bad: the detail says why");
}
$e = sql_error(q{ALTER SERVER ev OPTIONS (SET base_url 'http://example.com')});
is($e->{detail}, 'Plain http is allowed only to a loopback host.',
	'ALTER SERVER to plain http: refused too');
query_is(q{SELECT count(*) FROM pg_foreign_server WHERE srvname = 'plain'}, '0', 'no server was created');

unlike(join('', @all_errors), qr/\Q$bad_pw\E|ev-secret/,
	'no error of this test shows a password');

$node->stop;
ok(!$node->log_contains(qr/(PANIC|server process .* was terminated)/),
	'no backend crashed');
$sim->stop;
done_testing();
