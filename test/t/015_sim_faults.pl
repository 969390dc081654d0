# conv-sim, injected faults: status (with Retry-After), latency, reset,
# truncate and malformed, matched by exact path or a prefix ending in '*',
# each for "count" requests (-1: until cleared), before authentication;
# the request log records what each request got.

use strict;
use warnings;

use File::Temp qw(tempdir);
use JSON::PP;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

use ConvSim;
use EvSim qw(ev_get ev_json admin_json);

my $sim = ConvSim->start(
	calls  => 200,
	users  => 20,
	clock  => '2026-11-20T03:00:00Z',
	anchor => '2026-11-20T00:00:00Z',
	https  => 0);
# the latency checks time requests: keep rate queueing out of them
admin_json($sim, 'POST', 'config', { rate_limits => JSON::PP::false });

my $users_path = '/api/ev/2/users';
my $real = ev_get($sim, 'users')->{content};
cmp_ok(length $real, '>', 1000, 'users answers a sizeable body');

# Add one fault (or an array of them), asserting the admin accepts it.
sub add_fault
{
	my ($fault) = @_;

	my $res = $sim->admin('POST', 'faults', $fault);
	is($res->{status}, 200, 'fault added: ' . JSON::PP->new->canonical->encode($fault))
	  or diag $res->{content};
	return $res->{json};
}

# Statuses the log recorded for requests of $path after $mark.
sub logged_statuses
{
	my ($mark, $path) = @_;

	return [ map { $_->{status} } grep { $_->{path} eq $path } $sim->log_since($mark) ];
}

# Is $text valid JSON?
sub is_json { return defined eval { JSON::PP->new->allow_nonref->decode($_[0]); 1 }; }

is_deeply(admin_json($sim, 'GET', 'faults'), [], 'no faults at first');

#
# status: the status instead of the answer, once by default.
#
my $mark = $sim->log_mark;
my $list = add_fault({ path => $users_path, kind => 'status', status => 500 });
is_deeply($list, [ { path => $users_path, kind => 'status', status => 500, retry_after => -1,
	latency_ms => 0, count => 1 } ], 'the admin answers with the pending faults');
my $res = ev_get($sim, 'users');
is($res->{status}, 500, 'status fault: 500');
is($res->{json} && $res->{json}{status}, 500, 'status fault: a JSON error body');
ok(!exists $res->{headers}{'retry-after'}, 'status fault without retry_after: no Retry-After');
is(ev_get($sim, 'users')->{status}, 200, 'count defaults to 1: the next request is normal');
is_deeply(logged_statuses($mark, $users_path), [ 500, 200 ], 'the log has 500 then 200');
is_deeply(admin_json($sim, 'GET', 'faults'), [], 'a used-up fault is gone');

add_fault({ path => $users_path, kind => 'status', status => 429, retry_after => 2 });
$res = ev_get($sim, 'users');
is($res->{status}, 429, 'status fault: 429');
is($res->{headers}{'retry-after'}, '2', 'with Retry-After: 2');

add_fault({ path => $users_path });
is(ev_get($sim, 'users')->{status}, 500, 'kind defaults to status, status to 500');

# faults apply before authentication, as a gateway's would
add_fault({ path => $users_path, status => 503 });
is($sim->get($users_path)->{status}, 503, 'a request without credentials gets the fault, not 401');
is($sim->get($users_path)->{status}, 401, 'and then its 401');

#
# latency: wait, then answer normally.
#
add_fault({ path => $users_path, kind => 'latency', latency_ms => 700 });
my $t0 = time;
$res = ev_get($sim, 'users');
my $took = time - $t0;
is($res->{status}, 200, 'latency fault: 200');
is($res->{content}, $real, 'latency fault: the normal body');
cmp_ok($took, '>=', 0.7, sprintf('latency fault: took 700 ms or more (%.3f s)', $took));
cmp_ok($took, '<', 1.5, 'latency fault: but not much more');
$t0 = time;
ev_get($sim, 'users');
cmp_ok(time - $t0, '<', 0.3, 'the next request is fast again');

#
# reset: the full Content-Length is declared, half the body sent, the
# connection dropped.
#
$mark = $sim->log_mark;
add_fault({ path => $users_path, kind => 'reset' });
my $dir = tempdir(CLEANUP => 1);
my $code = system('curl', '-s', '--noproxy', '*', '-o', "$dir/body", '-u', 'ev-user:ev-secret',
	$sim->url . $users_path) >> 8;
is($code, 18, 'reset fault: curl exits 18 (partial file)');
my $partial = do { local (@ARGV, $/) = ("$dir/body"); <> } // '';
is(length $partial, int(length($real) / 2), 'reset fault: half the body arrived');
is($partial, substr($real, 0, length $partial), 'reset fault: the start of the real body');
# HTTP::Tiny retries an idempotent request once when the connection drops:
# it takes two resets to make it give up.
add_fault({ path => $users_path, kind => 'reset', count => 2 });
$res = ev_get($sim, 'users');
is($res->{status}, 599, 'reset fault: HTTP::Tiny gets no complete answer (599)');
is(ev_get($sim, 'users')->{content}, $real, 'count 2: the third request is normal');
my @entries = grep { $_->{path} eq $users_path } $sim->log_since($mark);
is_deeply([ map { "$_->{status}/$_->{bytes}" } @entries ],
	[ ("200/" . int(length($real) / 2)) x 3, '200/' . length $real ],
	'the log has the three cut answers (bytes sent) and the normal one');

#
# truncate: a complete 200 whose JSON is cut in half.
#
add_fault({ path => $users_path, kind => 'truncate' });
$res = ev_get($sim, 'users');
is($res->{status}, 200, 'truncate fault: 200');
is(length $res->{content}, int(length($real) / 2), 'truncate fault: half the body');
is($res->{headers}{'content-length'}, length $res->{content}, 'truncate fault: a complete response');
is($res->{content}, substr($real, 0, length $res->{content}), 'truncate fault: a prefix of the real body');
ok(!is_json($res->{content}), 'truncate fault: not valid JSON');

#
# malformed: a complete 200 whose body turns into an HTML page halfway.
#
add_fault({ path => $users_path, kind => 'malformed' });
$res = ev_get($sim, 'users');
is($res->{status}, 200, 'malformed fault: 200');
ok(!is_json($res->{content}), 'malformed fault: the body is not JSON');
like($res->{content}, qr/<html>/, 'malformed fault: an HTML error page');
is(substr($res->{content}, 0, int(length($real) / 2)), substr($real, 0, int(length($real) / 2)),
	'malformed fault: after half of the real body');
is(ev_get($sim, 'users')->{content}, $real, 'and the next answer is normal');

#
# count: exactly that many requests; -1 until cleared.
#
$mark = $sim->log_mark;
add_fault({ path => $users_path, status => 502, count => 2 });
is_deeply([ map { ev_get($sim, 'users')->{status} } 1 .. 4 ], [ 502, 502, 200, 200 ],
	'count 2 affects exactly two requests');
is_deeply(logged_statuses($mark, $users_path), [ 502, 502, 200, 200 ], 'the log has them');
add_fault({ path => $users_path, status => 503, count => -1 });
is_deeply([ map { ev_get($sim, 'users')->{status} } 1 .. 5 ], [ (503) x 5 ], 'count -1 stays');
is(admin_json($sim, 'GET', 'faults')->[0]{count}, -1, 'and is listed with count -1');
is_deeply(admin_json($sim, 'DELETE', 'faults'), [], 'DELETE clears the faults');
is(ev_get($sim, 'users')->{status}, 200, 'and requests are normal again');

# faults are taken in the order they were added
add_fault([ { path => $users_path, status => 500 }, { path => $users_path, status => 502 } ]);
is_deeply([ map { ev_get($sim, 'users')->{status} } 1 .. 3 ], [ 500, 502, 200 ],
	'an array adds faults, taken in order');

#
# Paths: exact (without the query), or a prefix ending in '*'.
#
my $id = ev_json($sim, 'calls?since=2000-01-01T00:00Z&limit=1')->[0]{id};
add_fault({ path => '/api/ev/2/call/*', status => 503, count => -1 });
is(ev_get($sim, "call/$id")->{status}, 503, 'prefix call/*: call/{id} is hit');
is(ev_get($sim, 'call/anything-else')->{status}, 503, 'prefix call/*: any call/{id}');
is(ev_get($sim, 'calls?since=2000-01-01T00:00Z&limit=1')->{status}, 200, 'prefix call/*: calls is not');
is(ev_get($sim, "transcript/$id")->{status}, 200, 'prefix call/*: transcript/{id} is not');
admin_json($sim, 'DELETE', 'faults');
add_fault({ path => '/api/ev/2/call*', status => 503, count => 2 });
is(ev_get($sim, 'calls?since=2000-01-01T00:00Z&limit=1')->{status}, 503, 'prefix call*: calls is hit');
is(ev_get($sim, "call/$id")->{status}, 503, 'prefix call*: call/{id} too');
add_fault({ path => '/api/ev/2/call', status => 503 });
is(ev_get($sim, "call/$id")->{status}, 200, 'an exact path is not a prefix');
is(ev_get($sim, 'calls?since=2000-01-01T00:00Z&limit=1')->{status}, 200, 'not even of calls');
admin_json($sim, 'DELETE', 'faults');
add_fault({ path => '/api/ev/2/calls', status => 503 });
is(ev_get($sim, 'calls?since=2000-01-01T00:00Z&limit=1')->{status}, 503,
	'an exact path matches requests with any query');
add_fault({ path => '/_admin/health', status => 503 });
is($sim->admin('GET', 'health')->{status}, 200, 'the admin interface has no faults');
admin_json($sim, 'DELETE', 'faults');

#
# Invalid faults are refused, and a refused array adds none of its faults.
#
foreach my $bad ({ kind => 'status' }, { path => '' }, { path => $users_path, kind => 'explode' },
	{ path => $users_path, status => 99 }, { path => $users_path, status => 600 },
	{ path => $users_path, status => 'x' }, { path => $users_path, count => 0 },
	{ path => $users_path, count => -2 }, { path => $users_path, count => 1.5 },
	{ path => $users_path, kind => 'latency', latency_ms => -1 },
	{ path => $users_path, retry_after => -5 }, { path => undef }, { path => $users_path, kind => undef },
	{ path => [1] }, 'not json', 42,
	[ { path => $users_path }, { path => $users_path, kind => 'nope' } ])
{
	my $res = $sim->admin('POST', 'faults', $bad);
	is($res->{status}, 400, 'refused: ' . (ref $bad ? JSON::PP->new->canonical->encode($bad) : $bad));
}
is_deeply(admin_json($sim, 'GET', 'faults'), [], 'no fault was added by the refused requests');
is($sim->admin('GET', 'health')->{status}, 200, 'the simulator is still up');

done_testing();
