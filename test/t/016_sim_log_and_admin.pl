# conv-sim's request log (one JSON line per request, never a credential)
# and admin interface (clock, added calls, settings; bad bodies refused
# without changing anything), and its command line (bad options make it
# exit non-zero with a message).

use strict;
use warnings;

use JSON::PP;
use MIME::Base64 qw(encode_base64);
use POSIX ();
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

use ConvSim;
use EvSim qw(ev_get ev_json admin_json iso_epoch);

my %data = (
	calls  => 500,
	users  => 20,
	clock  => '2026-11-20T03:00:00Z',
	anchor => '2026-11-20T00:00:00Z');
my $sim = ConvSim->start(%data, https => 0);

#
# The request log.
#
my $mark = $sim->log_mark;
my $query = 'since=2026-11-01T00%3A00Z&limit=3&x=a%2Fb+c';
my $res = ev_get($sim, "calls?$query");
is($res->{status}, 200, 'a request with an encoded query');
ev_get($sim, 'users', password => 'Hunter2-log');
$sim->get('/api/ev/2/users', headers => { Authorization => 'Bearer Hunter2-token' });
$sim->admin('GET', 'health');
$sim->get('/api/nobody/1/x');
my @log = $sim->log_since($mark);
is(scalar @log, 5, 'one line per request');
my @fields = qw(t sim_time vendor method path query status bytes queue_wait_ms);
is_deeply([ sort keys %$_ ], [ sort @fields ], "a log line has @fields") foreach @log;
my $line = $log[0];
like($line->{t}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 't: ISO 8601 UTC with microseconds');
cmp_ok(abs(iso_epoch($line->{t}) - time), '<', 10, 't: the real time');
like($line->{sim_time}, qr/^2026-11-20T03:0\d:\d\d\.\d{6}Z$/, 'sim_time: the simulated clock');
is($line->{vendor}, 'execvision', 'vendor');
is($line->{method}, 'GET', 'method');
is($line->{path}, '/api/ev/2/calls', 'path');
is($line->{query}, $query, 'query: exactly as the client encoded it');
is($line->{status}, 200, 'status');
is($line->{bytes}, length $res->{content}, 'bytes: the length of the body');
like($line->{queue_wait_ms}, qr/^\d+(\.\d+)?$/, 'queue_wait_ms: a number');
is_deeply([ map { "$_->{vendor} $_->{status}" } @log[ 1 .. 4 ] ],
	[ 'execvision 401', 'execvision 401', 'admin 200', 'none 404' ],
	'the other lines: vendor and status of each');

# Concurrent requests write whole lines.
admin_json($sim, 'POST', 'config', { rate_limits => JSON::PP::false });
$mark = $sim->log_mark;
my @kids;
for my $i (1 .. 8)
{
	my $pid = fork // die "fork: $!";
	if ($pid == 0)
	{
		ev_get($sim, 'calls?since=2000-01-01T00:00Z&limit=20') for 1 .. 3;
		POSIX::_exit(0);
	}
	push @kids, $pid;
}
waitpid($_, 0) foreach @kids;
my $text = do { local (@ARGV, $/) = ($sim->log_file); <> };
my @lines = split /\n/, $text;
is(scalar(grep { !eval { JSON::PP->new->decode($_); 1 } } @lines), 0, 'every line of the log is a JSON object');
is(scalar($sim->log_since($mark)), 24, 'the 24 concurrent requests have 24 lines');
admin_json($sim, 'POST', 'config', { rate_limits => JSON::PP::true });

# Credentials are never logged.
ev_get($sim, 'check');
$sim->get('/api/ev/2/check', user => 'ev-user', password => 'Hunter2-basic', tls => 0);
$text = do { local (@ARGV, $/) = ($sim->log_file); <> };
foreach my $secret ('ev-secret', 'Hunter2', encode_base64('ev-user:ev-secret', ''),
	encode_base64('ev-user:Hunter2-basic', ''), 'Authorization', 'Basic ', 'Bearer')
{
	unlike($text, qr/\Q$secret\E/, "the log never has \"$secret\"");
}

#
# The clock.
#
my $clock = admin_json($sim, 'GET', 'clock')->{now};
like($clock, qr/^2026-11-20T03:0/, 'the clock starts at --clock');
$res = admin_json($sim, 'POST', 'clock', { now => '2030-01-02T04:04:05+01:00' });
like($res->{now}, qr/^2030-01-02T03:04:05\.\d{6}Z$/, 'POST clock sets it (an offset is converted)');
sleep 0.3;
my $now = admin_json($sim, 'GET', 'clock')->{now};
cmp_ok(iso_epoch($now) - iso_epoch('2030-01-02T03:04:05Z'), '>=', 0.3, 'and it runs on in real time');
cmp_ok(iso_epoch($now) - iso_epoch('2030-01-02T03:04:05Z'), '<', 5, 'from the time set');
$mark = $sim->log_mark;
ev_get($sim, 'check');
like(($sim->log_since($mark))[0]{sim_time}, qr/^2030-01-02T03:04:/, 'the log shows the new simulated time');

#
# Added calls come last in calls paging, modified at the simulated now.
#
admin_json($sim, 'POST', 'clock', { now => '2026-11-21T12:00:00Z' });
my $last_before = admin_json($sim, 'GET', 'execvision/calls')->[-1];
my $t_before = iso_epoch(admin_json($sim, 'GET', 'clock')->{now});
my $added = admin_json($sim, 'POST', 'execvision/calls', { count => 3, metadata => { company => 'Initech',
	region => 'LATAM', opportunity_price_point => 12345, vip => JSON::PP::true } });
my $t_after = iso_epoch(admin_json($sim, 'GET', 'clock')->{now});
is(scalar @$added, 3, 'admin add: count 3 adds three calls');
my $modified = $added->[0]{modified};
is(scalar(grep { $_->{modified} eq $modified } @$added), 3, 'added together, modified together');
ok(iso_epoch($modified) >= $t_before && iso_epoch($modified) <= $t_after,
	"modified is the simulated now ($modified)");
my $page = ev_json($sim, "calls?since=$last_before->{modified}&last_id=$last_before->{id}&limit=10");
$page = [ grep { $_->{id} ne $last_before->{id} } @$page ];    # the known bug may repeat it
is_deeply([ map { $_->{id} } @$page ], [ sort map { $_->{id} } @$added ],
	'the next page after the last call has the added calls, in (modified, id) order');
my $new = $page->[0];
is($new->{modified}, $modified, 'calls shows the modified time');
is($new->{metadata}{company}, 'Initech', 'with the given metadata');
is($new->{metadata}{opportunity_price_point}, 12345, 'numbers stay numbers');
ok(JSON::PP::is_bool($new->{metadata}{vip}) && $new->{metadata}{vip}, 'booleans stay booleans');
cmp_ok(iso_epoch($new->{callTime}), '<', iso_epoch($modified), 'an added call was made before it was modified');
is(ev_json($sim, "call/$new->{id}")->{id}, $new->{id}, 'call/{id} finds it');
is_deeply([ (map { $_->{id} } @{ admin_json($sim, 'GET', 'execvision/calls') })[ -3 .. -1 ] ],
	[ sort map { $_->{id} } @$added ], 'the admin lists them last');
is(scalar @{ admin_json($sim, 'POST', 'execvision/calls', {}) }, 1, 'count defaults to 1');
my $failed = admin_json($sim, 'POST', 'execvision/calls', { state => 'TRANSCRIBING' })->[0];
is(ev_json($sim, "call/$failed->{id}")->{state}, 'TRANSCRIBING', 'an added call can be given a state');

# modify and delete through the admin
my $victim = admin_json($sim, 'GET', 'execvision/calls')->[5];
my $changed = admin_json($sim, 'POST', "execvision/calls/$victim->{id}/modify", { state => 'FAILED' });
is($changed->{id}, $victim->{id}, 'admin modify answers with the call');
cmp_ok($changed->{modified}, 'gt', $victim->{modified}, 'and its new modified');
is(admin_json($sim, 'GET', 'execvision/calls')->[-1]{id}, $victim->{id}, 'a modified call moves to the end');
is(admin_json($sim, 'GET', 'execvision/calls')->[-1]{state}, 'FAILED', 'with its new state');
my $gone = admin_json($sim, 'DELETE', "execvision/calls/$victim->{id}");
like($gone->[0]{deletedAt}, qr/^2026-11-21T12:0/, 'an admin delete answers with deletedAt, the simulated now');
is(admin_json($sim, 'GET', 'execvision/deleted')->[-1]{id}, $victim->{id}, 'the admin lists it as deleted');
is($sim->admin('DELETE', "execvision/calls/$victim->{id}")->{status}, 404, 'deleting it again: 404');
is($sim->admin('POST', "execvision/calls/$victim->{id}/modify", {})->{status}, 404, 'modifying it: 404');
is($sim->admin('POST', 'execvision/calls/no-such-id/modify', {})->{status}, 404, 'an unknown id: 404');

#
# Bad admin requests are refused with a 400 and change nothing.
#
my $calls_before = admin_json($sim, 'GET', 'execvision/calls');
my $target = $calls_before->[7]{id};
my @bad = (
	[ 'clock', 'not json' ], [ 'clock', {} ], [ 'clock', { now => 'yesterday' } ],
	[ 'clock', { now => undef } ], [ 'clock', { now => 5 } ], [ 'clock', { now => '2026-11-20T03:00' } ],
	[ 'config', 'not json' ], [ 'config', [] ], [ 'config', { rate_limits => 'no' } ],
	[ 'config', { rate_limits => 0 } ], [ 'config', { queue_timeout_s => 'x' } ],
	[ 'config', { queue_timeout_s => -1 } ], [ 'config', { queue_timeout_s => undef } ],
	[ 'config', { queue_timeout_s => 1e300 } ],
	[ 'config', { rate_limits => JSON::PP::false, queue_timeout_s => 'x' } ],
	[ 'execvision/config', { repeat_last_id_rate => 2 } ],
	[ 'execvision/config', { repeat_last_id_rate => -0.1 } ],
	[ 'execvision/config', { repeat_last_id_rate => '0.5' } ],
	[ 'execvision/config', { allow_delete => 'yes' } ], [ 'execvision/config', { allow_delete => undef } ],
	[ 'execvision/config', '[]' ], [ 'execvision/config', 'not json' ],
	[ 'execvision/calls', { count => 0 } ], [ 'execvision/calls', { count => '3' } ],
	[ 'execvision/calls', { count => 100001 } ], [ 'execvision/calls', { count => 1.5 } ],
	[ 'execvision/calls', { count => undef } ], [ 'execvision/calls', { metadata => 5 } ],
	[ 'execvision/calls', { metadata => [1] } ], [ 'execvision/calls', { metadata => undef } ],
	[ 'execvision/calls', { metadata => { a => { b => 1 } } } ],
	[ 'execvision/calls', { metadata => { a => [] } } ], [ 'execvision/calls', 'not json' ],
	[ 'execvision/calls', { count => 2, state => 'BOGUS' } ],
	[ "execvision/calls/$target/modify", { state => 'BOGUS' } ],
	[ "execvision/calls/$target/modify", { state => undef } ],
	[ "execvision/calls/$target/modify", { state => 0 } ],
	[ "execvision/calls/$target/modify", { metadata => 'x' } ],
	[ "execvision/calls/$target/modify", { state => 'FAILED', metadata => [] } ],
	[ "execvision/calls/$target/modify", 'not json' ]);
foreach my $case (@bad)
{
	my ($path, $body) = @$case;
	my $res = $sim->admin('POST', $path, $body);
	my $shown = ref $body ? JSON::PP->new->canonical->allow_nonref->encode($body) : $body;
	is($res->{status}, 400, "POST /_admin/$path $shown: 400");
	is($res->{json} && $res->{json}{status}, 400, "POST /_admin/$path $shown: JSON error");
}
is($sim->admin('GET', 'health')->{status}, 200, 'the simulator is still up');
is_deeply(admin_json($sim, 'GET', 'execvision/calls'), $calls_before, 'no call was added or changed');
like(admin_json($sim, 'GET', 'clock')->{now}, qr/^2026-11-21T12:0/, 'the clock was not changed');
is_deeply(admin_json($sim, 'POST', 'config', {}), { rate_limits => JSON::PP::true, queue_timeout_s => 60 },
	'the core settings were not changed');
is_deeply(admin_json($sim, 'POST', 'execvision/config', {}),
	{ repeat_last_id_rate => 0.25, allow_delete => JSON::PP::false }, 'nor the vendor settings');

is($sim->admin('GET', 'nope')->{status}, 404, 'an unknown admin route: 404');
is($sim->admin('GET', 'execvision/nope')->{status}, 404, 'an unknown vendor admin route: 404');
is($sim->admin('GET', 'config')->{status}, 405, 'GET config: 405');
is($sim->admin('PUT', 'clock', { now => '2026-11-20T03:00:00Z' })->{status}, 405, 'PUT clock: 405');
is($sim->admin('GE', 'health')->{status}, 405, 'a method that is part of an allowed one: 405');
is($sim->admin('DELETE', 'execvision/calls')->{status}, 404, 'DELETE execvision/calls: not a route');
is_deeply(
	admin_json($sim, 'GET', 'health'),
	{
		ok      => JSON::PP::true,
		vendors => {
			execvision => '/api/ev/2/',
			voicegain  => '/v1/sa/',
			siro       => '/api-externalApi/v1/',
			ccai       => '/manager/api/v1/',
			cresta     => '/v1/customers/'
		}
	},
	'health lists the vendors and their prefixes');
$sim->stop;

#
# The command line.
#
my $bin = $ENV{CONV_SIM_BIN};
my @bad_args = (
	[ [qw(--calls x)], qr/--calls/ ], [ [qw(--calls -5)], qr/--calls/ ], [ [qw(--users 0)], qr/--users/ ],
	[ [qw(--bogus)], qr/missing value after --bogus/ ], [ [qw(--bogus 1)], qr/unknown option --bogus/ ],
	[ [qw(stray)], qr/stray/ ], [ [qw(--clock nonsense)], qr/--clock/ ],
	[ [qw(--anchor 2026-11-20)], qr/--anchor/ ], [ [qw(--http-port 99999999999)], qr/--http-port/ ],
	[ [qw(--https-port 0)], qr/--cert-dir/ ], [ [qw(--seed 1.5)], qr/--seed/ ],
	[ [qw(--queue-timeout soon)], qr/--queue-timeout/ ],
	[ [qw(--execvision-repeat-last-id-rate 2)], qr/repeat-last-id-rate/ ],
	[ [qw(--execvision-repeat-last-id-rate x)], qr/repeat-last-id-rate/ ],
	[ [qw(--execvision-allow-delete yes)], qr/allow-delete/ ],
	[ [qw(--execvision-nope 1)], qr/unknown option/ ],
	[ [ '--cert-dir', '/nonexistent', '--https-port', '0', '--http-port', '0' ], qr{/nonexistent} ]);
foreach my $case (@bad_args)
{
	my ($args, $message) = @$case;
	# timeout: a simulator that took the options would serve forever
	my $out = `timeout 20 \Q$bin\E --http-port 0 @{[ map { quotemeta } @$args ]} 2>&1`;
	my $status = $? >> 8;
	ok($status != 0 && $status != 124, "conv-sim @$args: exits non-zero ($status)");
	like($out, $message, "conv-sim @$args: says why");
}
my $help = `timeout 20 \Q$bin\E --help 2>&1`;
is($? >> 8, 0, '--help exits 0');
like($help, qr/--execvision-repeat-last-id-rate/, '--help lists the vendor options');

my $plain = ConvSim->start(%data, https => 0, 'no-rate-limits' => undef, queue_timeout => 7);
is(admin_json($plain, 'GET', 'rate')->{execvision}{per_second}, undef, '--no-rate-limits: no rate in force');
is(admin_json($plain, 'POST', 'config', {})->{queue_timeout_s}, 7, '--queue-timeout 7');
$plain->stop;

done_testing();
