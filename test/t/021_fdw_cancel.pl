# Query cancel and statement_timeout stop a conv_fdw request in flight (the
# vendor is slow to answer) or waiting to be retried, promptly; and the
# backend that was interrupted goes on to use the vendor normally.

use strict;
use warnings;

use JSON::PP ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

use ConvNode qw(fdw_node ev_server_sql);
use ConvSim;
use EvSim qw(admin_json);

my $sim = ConvSim->start(
	calls  => 500,
	users  => 20,
	clock  => '2026-11-20T03:00:00Z',
	anchor => '2026-11-20T02:00:00Z',
	https  => 0);
admin_json($sim, 'POST', 'config', { rate_limits => JSON::PP::false });

my $node = fdw_node('fdw_cancel');

my $url = $sim->url;
# ev429: a server of its own for a 429, which pauses the whole server;
# evrate: one that allows a request a minute
$node->safe_psql(
	'postgres',
	join('',
		'CREATE EXTENSION conv_fdw;',
		ev_server_sql('ev',     $url, "rate_limit '1000/s'", 'calls', 'users'),
		ev_server_sql('ev429',  $url, "rate_limit '1000/s'", 'users'),
		ev_server_sql('evrate', $url, "rate_limit '1/min'",  'users')));

my $live_calls = scalar @{ admin_json($sim, 'GET', 'execvision/calls') };
my $n_users = $node->safe_psql('postgres', 'SELECT count(*) FROM ev.users');
cmp_ok($n_users, '>', 0, 'the vendor answers');

my $calls_path = '/api/ev/2/calls';
my $latency_ms = 10000;

# The calls list answers after 10 s, every time.
sub slow_calls
{
	admin_json($sim, 'DELETE', 'faults');
	admin_json($sim, 'POST', 'faults',
		{ path => $calls_path, kind => 'latency', latency_ms => $latency_ms, count => -1 });
	return;
}

# One session for the whole test: what an interrupt leaves behind in the
# backend (libcurl handles, connections) is seen by its next queries.
my $session = $node->background_psql('postgres', on_error_stop => 0);

# Run a query in the session; returns its output, stderr and duration.
# (BackgroundPsql keeps stderr across queries: it is cleared here.)
sub timed_query
{
	my ($sql) = @_;

	$session->{stderr} = '';
	my $t0 = time;
	my $out = $session->query($sql);
	return ($out, $session->{stderr}, time - $t0);
}

# Run a query in the session that must succeed.
sub session_ok
{
	my ($sql) = @_;

	$session->{stderr} = '';
	return $session->query_safe($sql);
}

my $pid = session_ok('SELECT pg_backend_pid()');

#
# statement_timeout ends a request the vendor takes 10 s to answer.
#
slow_calls();
session_ok(q{SET statement_timeout = '500ms'});
my ($out, $err, $took) = timed_query('SELECT count(*) FROM ev.calls');
like($err, qr/canceling statement due to statement timeout/,
	'statement_timeout: the query fails with the timeout error');
is($out, '', 'statement_timeout: no result');
cmp_ok($took, '>=', 0.5, sprintf('statement_timeout: after the 500 ms (%.3f s)', $took));
cmp_ok($took, '<', 1.5, 'statement_timeout: well under 2 s, not after the 10 s answer');

# ... and the waits between retries the same way: a 503's Retry-After
# (the backend sleeps), a 429's (the server's rate budget pauses).
foreach my $case ([ 503, 'ev' ], [ 429, 'ev429' ])
{
	my ($status, $schema) = @$case;

	admin_json($sim, 'POST', 'faults',
		{ path => '/api/ev/2/users', kind => 'status', status => $status, retry_after => 30 });
	($out, $err, $took) = timed_query("SELECT count(*) FROM $schema.users");
	like($err, qr/canceling statement due to statement timeout/,
		"statement_timeout in a $status Retry-After wait: the timeout error");
	cmp_ok($took, '<', 1.5,
		sprintf("statement_timeout in a $status Retry-After wait: prompt (%.3f s)", $took));
	admin_json($sim, 'DELETE', 'faults');
	slow_calls();
}

# ... and a wait for the server's rate budget: the second request of a
# minute waits for the next minute.
($out, $err, $took) = timed_query('SELECT count(*) FROM evrate.users');
is($out, $n_users, 'rate limit 1/min: the first request goes at once');
($out, $err, $took) = timed_query('SELECT count(*) FROM evrate.users');
like($err, qr/canceling statement due to statement timeout/,
	'statement_timeout while queued for the rate limit: the timeout error');
cmp_ok($took, '<', 1.5,
	sprintf('statement_timeout while queued for the rate limit: prompt (%.3f s)', $took));
session_ok('RESET statement_timeout');

# The backend recovers: the next query uses the vendor normally (the
# calls latency still holds).
($out, $err) = timed_query('SELECT count(*) FROM ev.users');
is($out, $n_users, 'after the timeout the same session reads the vendor');
is($err, '', 'without an error');

#
# pg_cancel_backend from another session ends a request in flight.
#
slow_calls();
my $mark = $sim->log_mark;
$session->{stderr} = '';
$session->query_until(qr/started/, "\\echo started\nSELECT count(*) FROM ev.calls;\n");

# wait until the backend waits for the vendor's answer
ok( $node->poll_query_until(
		'postgres',
		qq{SELECT wait_event_type = 'Extension' AND state = 'active'
		     FROM pg_stat_activity WHERE pid = $pid}),
	'the query waits for the vendor (wait event Extension)');
my $t0 = time;
is($node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)"),
	't', 'pg_cancel_backend from another session');
# the session's next query runs only once the cancelled one has ended
($out, $err) = timed_query(q{SELECT 'next'});
$took = time - $t0;
like($err, qr/canceling statement due to user request/,
	'cancel: the query fails with the cancel error');
unlike($out, qr/^\d+$/m, 'cancel: no count');
cmp_ok($took, '<', 1.5, sprintf('cancel: it ended %.3f s after the cancel', $took));
is(scalar(grep { $_->{path} eq $calls_path } $sim->log_since($mark)), 0,
	'cancel: the vendor had not answered yet');

# The same session goes on: with the vendor fast again, a full scan (over
# a new connection: the cancel closed the old one) gives every call.
admin_json($sim, 'DELETE', 'faults');
($out, $err) = timed_query('SELECT count(*), count(DISTINCT id) FROM ev.calls');
is($out, "$live_calls|$live_calls", 'after the cancel the same session reads every call');
is($err, '', 'without an error');

$session->quit;
$node->stop;
ok(!$node->log_contains(qr/(PANIC|server process .* was terminated)/),
	'no backend crashed');
$sim->stop;
done_testing();
