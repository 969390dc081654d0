# conv_fdw on the CCAI Platform Manager API, what pg_regress cannot show
# well: tails that stay exact while calls are modified and added under
# them (also inside a time shared by more calls than a page holds), pages
# of every size; the vendor's 429s above its per-second quota; faults (a
# 500, a malformed page, an https Link); a prefetched copy of the calls
# kept current by the worker; and the view of an IMPORT that failed.

use strict;
use warnings;

use Digest::MD5 qw(md5_hex);
use IPC::Run ();
use JSON::PP ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

use ConvNode qw(fdw_node wait_until node_query node_error server_sql);
use ConvSim;
use CcaiSim qw(ccai_json $CCAI_PREFIX);
use EvSim qw(admin_json iso_epoch);

my %fixed = (
	calls  => 3000,
	users  => 60,
	clock  => '2026-11-20T03:00:00Z',
	anchor => '2026-11-20T02:00:00Z');
my $sim = ConvSim->start(%fixed);
# the quota is tested on a simulator of its own below
admin_json($sim, 'POST', 'config', { rate_limits => JSON::PP::false });

my $node = fdw_node('fdw_ccai', "conv_fdw.worker_naptime = '200ms'");
my $url = $sim->url;
my $calls_path = "${CCAI_PREFIX}calls";

# A CCAI server $name on the simulator at $surl, with more server options
# in $options, and a schema of the same name with the tables imported (all
# of them when @tables is empty).
sub ccai_server_sql { return server_sql('ccai', @_); }

$node->safe_psql('postgres', 'CREATE EXTENSION conv_fdw');
$node->safe_psql('postgres', ccai_server_sql('cc', $url, "rate_limit '100000/s'"));
$node->safe_psql('postgres',
	ccai_server_sql('cc7', $url, "rate_limit '100000/s', page_size '7'", 'calls', 'agents'));
$node->safe_psql('postgres',
	ccai_server_sql('ccslow', $url, "rate_limit '100000/s', page_size '50'", 'calls'));

# Run a query that must succeed; a failure shows its error, not a die.
sub query { return node_query($node, @_); }

# Run SQL that must fail; returns its error: sqlstate, message, detail,
# hint, stdout.
sub sql_error { return node_error($node, @_); }

# count, distinct count and md5 of the sorted ids, as the SQL below gives them
sub id_summary
{
	my @ids = sort { $a <=> $b } @_;
	my %distinct = map { $_ => 1 } @ids;
	return sprintf('%d|%d|%s', scalar @ids, scalar keys %distinct, md5_hex(join(',', @ids)));
}
my $id_summary_sql = q{count(*) || '|' || count(DISTINCT id) || '|' ||
	coalesce(md5(string_agg(id::text, ',' ORDER BY id)), md5(''))};

# The requests to $path logged by $s after $mark.
sub requests_to
{
	my ($s, $mark, $path) = @_;
	return grep { $_->{path} eq $path } $s->log_since($mark);
}

# The simulator's own list of an endpoint's objects (id and times).
sub truth { my ($s, $what) = @_; return @{ admin_json($s, 'GET', "ccai/$what") }; }

#
# Every object exactly once, whatever the page size: pages of 7 take 22
# pages at the time the 150 calls share (page=2 ... page=22 of one
# updated_at[from]).
#
my @calls = truth($sim, 'calls');
my %at;
$at{ $_->{updated_at} }++ foreach @calls;
my ($cluster) = grep { $at{$_} == 150 } keys %at;
ok(defined $cluster, "150 calls share updated_at $cluster");
# that time as the tail sends it (to the microsecond, encoded)
my $q = ($cluster =~ s/Z$//r) =~ s/:/%3A/gr;

foreach my $case ([ 'cc', 100 ], [ 'cc7', 7 ])
{
	my ($schema, $per) = @$case;
	my $mark = $sim->log_mark;

	is(query("SELECT $id_summary_sql FROM $schema.calls"),
		id_summary(map { $_->{id} } @calls), "pages of $per: every call once");
	my @reqs = requests_to($sim, $mark, $calls_path);
	my @at_cluster = grep { $_->{query} =~ /updated_at%5Bfrom%5D=\Q$q\E000Z/ } @reqs;
	my @pages = sort { $a <=> $b } map { /(?:^|&)page=(\d+)/ ? $1 : 1 } map { $_->{query} } @at_cluster;
	my $n = int(150 / $per) + 1;
	is_deeply(\@pages, [ 1, 1 .. $n ],
		"pages of $per: page 1 at $cluster, then pages 1 to $n of that time alone");
	my @held = grep { /updated_at%5Bto%5D=\Q$q\E001Z/ } map { $_->{query} } @at_cluster;
	is(scalar @held, $n, "pages of $per: held to that time by updated_at[to]");
	is(scalar(grep { $_->{query} !~ /(^|&)per=$per(&|$)/ } @reqs), 0,
		"pages of $per: every request asks for $per");
}
is(query("SELECT $id_summary_sql FROM cc7.agents"),
	id_summary(map { $_->{id} } truth($sim, 'agents')), 'pages of 7: every agent once');
is(query("SELECT $id_summary_sql FROM cc.chats"),
	id_summary(map { $_->{id} } truth($sim, 'chats')), 'every chat once');
is(query("SELECT $id_summary_sql FROM cc.agent_activity_logs"),
	id_summary(map { $_->{id} } truth($sim, 'agent_activity_logs')),
	'every activity row once');

#
# Calls modified and added while a tail pages: each comes exactly once, and
# every call that existed for the whole scan comes.  The scan is slow (each
# page of 50 takes 100 ms, 60 pages and more); the changes happen once it
# has read some pages and while it has many to go.  A modified call moves
# to the end of the updated_at order, where the tail meets it again.
#
@calls = truth($sim, 'calls');
my @by_time = sort { $a->{updated_at} cmp $b->{updated_at} || $a->{id} <=> $b->{id} } @calls;
admin_json($sim, 'POST', 'faults',
	{ path => $calls_path, kind => 'latency', latency_ms => 100, count => -1 });
my $mark = $sim->log_mark;
my ($scan_out, $scan_err) = ('', '');
my $scan = IPC::Run::start(
	[ $node->installed_command('psql'), '-XAtq', '-v', 'ON_ERROR_STOP=1',
	  '-d', $node->connstr('postgres'), '-c', 'SELECT id FROM ccslow.calls' ],
	'>', \$scan_out, '2>', \$scan_err);

my $deadline = time + 60;
sleep 0.05 while requests_to($sim, $mark, $calls_path) < 8 && time < $deadline;
cmp_ok(scalar(requests_to($sim, $mark, $calls_path)), '>=', 8, 'the scan has read 8 pages');

# ten of the first 300 calls (returned already), ten of the last 100
my @early = map { $by_time[ $_ * 30 ]{id} } 0 .. 9;
my @late  = map { $by_time[ $#by_time - $_ * 10 ]{id} } 0 .. 9;
admin_json($sim, 'POST', "ccai/calls/$_/modify", { hold_duration => 42 }) foreach (@early, @late);
my @added = map { $_->{id} } @{ admin_json($sim, 'POST', 'ccai/calls', { count => 10 }) };
my $pages_before = requests_to($sim, $mark, $calls_path);
cmp_ok($pages_before * 50, '<', @calls - 200,
	"the changes were made before the scan reached the late calls (at page $pages_before)");

$scan->finish;
is($?, 0, 'the scan succeeded') or diag $scan_err;
admin_json($sim, 'DELETE', 'faults');

my @returned = split /\n/, $scan_out;
my %times;
$times{$_}++ foreach @returned;
is_deeply([ grep { $times{$_} > 1 } sort keys %times ], [], 'no call was returned twice');
is_deeply([ grep { !$times{$_} } map { $_->{id} } @calls ], [],
	'every call that existed for the whole scan was returned');
is_deeply([ grep { !$times{$_} } @added ], [], 'the calls added during the scan were returned');
is(scalar @returned, @calls + @added, 'and nothing else: ' . scalar(@returned) . ' rows');
is(query('SELECT count(*) FROM cc.calls WHERE hold_duration = 42 AND updated_at >= \'2026-11-20 02:30\''),
	scalar(@early) + scalar(@late), 'the modified calls read back with their change');

#
# Inside the time 150 calls share, the tail pages by number (page=2, 3...)
# through the calls of that time alone (updated_at[to] just after it).
# Page numbers are positions: a call of that time modified between two of
# those pages leaves it and the later pages shift, so one call would be
# skipped.  The vendor's Total of that time drops, and the pages are read
# again from the first.  Pages of 40 at 1 s each; the change comes once
# the first of those pages has been answered.
#
@calls = truth($sim, 'calls');
my @cluster_ids = sort { $a <=> $b } map { $_->{id} } grep { $_->{updated_at} eq $cluster } @calls;
cmp_ok(scalar @cluster_ids, '>', 120,
	scalar(@cluster_ids) . ' calls still share that time (the test above changed some)');
$node->safe_psql('postgres',
	ccai_server_sql('cc40', $url, "rate_limit '100000/s', page_size '40'", 'calls'));
my $before = iso_epoch($cluster) - 3600;
my @expected = grep { iso_epoch($_->{updated_at}) >= $before } @calls;
admin_json($sim, 'POST', 'faults',
	{ path => $calls_path, kind => 'latency', latency_ms => 1000, count => -1 });
$mark = $sim->log_mark;
($scan_out, $scan_err) = ('', '');
my $bound = $cluster =~ s/T(\d\d)/' ' . sprintf('%02d', $1 - 1)/er;
$scan = IPC::Run::start(
	[ $node->installed_command('psql'), '-XAtq', '-v', 'ON_ERROR_STOP=1',
	  '-d', $node->connstr('postgres'), '-c',
	  "SELECT id FROM cc40.calls WHERE updated_at >= '$bound'" ],
	'>', \$scan_out, '2>', \$scan_err);
my $held_re = qr/updated_at%5Bto%5D=\Q$q\E001Z/;
$deadline = time + 60;
sleep 0.05
  while !(grep { $_->{query} =~ $held_re } requests_to($sim, $mark, $calls_path))
  && time < $deadline;
# the 5th call of that time was on the first page of it; it changes now,
# while page 2 waits
admin_json($sim, 'POST', "ccai/calls/$cluster_ids[4]/modify", { hold_duration => 43 });
$scan->finish;
is($?, 0, 'the scan through the shared time succeeded') or diag $scan_err;
admin_json($sim, 'DELETE', 'faults');
@returned = split /\n/, $scan_out;
%times = ();
$times{$_}++ foreach @returned;
is_deeply([ grep { $times{$_} > 1 } sort keys %times ], [],
	'shared time, a call modified between its pages: no call twice');
is_deeply([ grep { !$times{$_} } map { $_->{id} } @expected ], [],
	'shared time, a call modified between its pages: every call');
is(scalar @returned, scalar @expected, 'and nothing else');
my @held_pages = map { /(?:^|&)page=(\d+)/ ? $1 : 1 }
  grep { /$held_re/ } map { $_->{query} } requests_to($sim, $mark, $calls_path);
my ($restart) = grep { $held_pages[$_] == 1 } 1 .. $#held_pages;
my $n = int((@cluster_ids - 1) / 40) + 1;
ok(defined $restart && $restart >= 2
	  && join(',', @held_pages) eq join(',', 1 .. $restart, 1 .. $n),
	'a later page of that time counted fewer calls than page 1: its pages were read again from the first ('
	  . join(',', @held_pages) . ')')
  or diag join("\n", map { $_->{query} } requests_to($sim, $mark, $calls_path));

#
# The vendor's quota: 10 requests a second (here 3), then 429 with
# Retry-After.  A server whose rate_limit is above the quota gets 429s;
# conv_fdw pauses the server's budget for Retry-After, asks again, and the
# scan returns every agent.  A server at conv_fdw's default rate for the
# vendor (10/s) against the vendor's quota of 10/s reads every call.
#
my $qsim = ConvSim->start(%fixed, ccai_per_second => 3, https => 0);
$node->safe_psql('postgres',
	ccai_server_sql('ccq', $qsim->url, "rate_limit '50/s', page_size '5'", 'agents'));
$mark = $qsim->log_mark;
is(query("SELECT $id_summary_sql FROM ccq.agents"),
	id_summary(map { $_->{id} } truth($qsim, 'agents')),
	'above the quota: every agent once');
my @reqs = requests_to($qsim, $mark, "${CCAI_PREFIX}agents");
my @r429 = grep { $_->{status} == 429 } @reqs;
cmp_ok(scalar @r429, '>=', 1, 'above the quota: the vendor answered 429 (' . scalar(@r429) . ' times)');
my $retried = 0;
foreach my $i (0 .. $#reqs - 1)
{
	next unless $reqs[$i]{status} == 429;
	my ($again) = grep { $_->{query} eq $reqs[$i]{query} && $_->{status} == 200 }
	  @reqs[ $i + 1 .. $#reqs ];
	$retried++ if $again && iso_epoch($again->{t}) - iso_epoch($reqs[$i]{t}) >= 0.5;
}
is($retried, scalar @r429, 'each 429 was asked again, after a pause, and answered');
my ($waits) = split /\|/, query("SELECT waits || '|' || throttled FROM conv_fdw.rate_status WHERE server = 'ccq'");
cmp_ok($waits, '>=', 1, "rate_status counts the waits ($waits)");

$qsim->stop;

$node->safe_psql('postgres', ccai_server_sql('ccdef', $url, '', 'calls'));
is(query(q{SELECT rate_limit FROM conv_fdw.rate_status WHERE server = 'ccdef'}), '10/s',
	'the default rate is the vendor\'s 10/s');
admin_json($sim, 'POST', 'config', { rate_limits => JSON::PP::true });
$mark = $sim->log_mark;
is(query("SELECT $id_summary_sql FROM ccdef.calls"),
	id_summary(map { $_->{id} } truth($sim, 'calls')),
	'at the default rate, against the vendor\'s quota: every call once ('
	  . scalar(grep { $_->{status} == 429 } requests_to($sim, $mark, $calls_path))
	  . ' 429s on the way)');
admin_json($sim, 'POST', 'config', { rate_limits => JSON::PP::false });

#
# Faults: a 500 is retried and the scan gets every call; a malformed page
# in the middle of a tail is an error that names its request, with no
# partial result; a 429 with Retry-After: 2 waits that long.
#
my $first_q = 'sort_column=updated_at&sort_direction=ASC&updated_at%5Bfrom%5D=1970-01-01T00%3A00Z&per=100';
@calls = truth($sim, 'calls');
admin_json($sim, 'POST', 'faults', { path => $calls_path, kind => 'status', status => 500, count => 1 });
$mark = $sim->log_mark;
is(query("SELECT $id_summary_sql FROM cc.calls"), id_summary(map { $_->{id} } @calls),
	'a 500, then every call');
@reqs = requests_to($sim, $mark, $calls_path);
is_deeply([ map { [ $_->{query}, $_->{status} ] } @reqs[ 0, 1 ] ],
	[ [ $first_q, 500 ], [ $first_q, 200 ] ], 'the 500 was asked again');

admin_json($sim, 'POST', 'faults', [
	{ path => $calls_path, kind => 'latency', latency_ms => 0, count => 2 },
	{ path => $calls_path, kind => 'malformed' } ]);
$mark = $sim->log_mark;
my $e = sql_error('SELECT count(*) FROM cc.calls');
@reqs = requests_to($sim, $mark, $calls_path);
is($e->{stdout}, '', 'a malformed page: no count, not even a partial one');
is(scalar @reqs, 3, 'a malformed page: the third request, not retried, nothing after it');
is($e->{sqlstate}, 'HV000', 'a malformed page: SQLSTATE fdw_error');
is($e->{message}, "invalid JSON in the response to GET $calls_path?$reqs[-1]{query}",
	'a malformed page: the message names the request');
like($reqs[-1]{query}, qr/updated_at%5Bfrom%5D=2026-09/, 'a malformed page: a later page of the tail');
is($e->{hint}, 'The vendor sent a malformed or truncated response.', 'a malformed page: the hint');
admin_json($sim, 'DELETE', 'faults');

admin_json($sim, 'POST', 'faults',
	{ path => "${CCAI_PREFIX}teams", kind => 'status', status => 429, retry_after => 2, count => 1 });
$mark = $sim->log_mark;
is(query('SELECT count(*) FROM cc.teams'), '8', 'a 429 with Retry-After: 2, then the teams');
@reqs = requests_to($sim, $mark, "${CCAI_PREFIX}teams");
is_deeply([ map { $_->{status} } @reqs ], [ 429, 200 ], 'the 429 was asked again');
cmp_ok(iso_epoch($reqs[1]{t}) - iso_epoch($reqs[0]{t}), '>=', 1.9,
	'after the 2 s the vendor asked for');
admin_json($sim, 'DELETE', 'faults');

#
# Link headers are absolute: over https (verified with the test CA) the
# next page is the link's path below base_url, on the same server.
#
$node->safe_psql('postgres',
	ccai_server_sql('cctls', $sim->tls_url,
		"rate_limit '100000/s', page_size '3', ca_file '" . $sim->ca_file . "'",
		'teams', 'menus'));
$mark = $sim->log_mark;
is(query('SELECT count(*), count(DISTINCT id) FROM cctls.menus'), '13|13',
	'https: every menu once, in pages of 3');
is_deeply([ map { $_->{query} } requests_to($sim, $mark, "${CCAI_PREFIX}menus") ],
	[ 'per=3', map { "page=$_&per=3" } 2 .. 5 ], 'https: the links were followed');

#
# Prefetching: the worker keeps a copy of the calls (tailed from the
# start, through the time 150 calls share); a call modified and calls
# added show in the copy after the next sync.  Lists that follow links
# cannot be prefetched.
#
@calls = truth($sim, 'calls');
$node->safe_psql('postgres', q{SELECT conv_fdw.prefetch('cc.calls', interval '1 hour')});
ok(wait_until(60, sub { query(q{SELECT last_sync IS NOT NULL FROM conv_fdw.sync_status}) eq 't' }),
	'prefetch: the first sync ended');
is(query(q{SELECT rows || '|' || coalesce(last_error, '') FROM conv_fdw.sync_status WHERE "table" = 'cc.calls'::regclass}),
	scalar(@calls) . '|', 'prefetch: the copy has every call, no error');
my $copy = query(q{SELECT local_copy FROM conv_fdw.sync_status WHERE "table" = 'cc.calls'::regclass});
is(query("SELECT $id_summary_sql FROM $copy"), id_summary(map { $_->{id} } @calls),
	'prefetch: the copy holds each call once');
my $watermark = query(q{SELECT watermark FROM conv_fdw.sync_status});

my $changed = $calls[10]{id};
admin_json($sim, 'POST', "ccai/calls/$changed/modify", { hold_duration => 7777 });
@added = map { $_->{id} } @{ admin_json($sim, 'POST', 'ccai/calls', { count => 3 }) };
is(query("SELECT hold_duration FROM $copy WHERE id = $changed"), '0',
	'prefetch: the copy has the call as it was');
# a scan reads the changes since the watermark live, then the copy
is(query("SELECT hold_duration FROM cc.calls WHERE id = $changed"), '7777',
	'prefetch: a lookup reads the API');
is(query("SELECT count(*) || '|' || count(DISTINCT id) || '|' || sum((hold_duration = 7777)::int) FROM cc.calls"),
	(@calls + @added) . '|' . (@calls + @added) . '|1',
	'prefetch: a scan is the copy plus the changes since its watermark, each call once');
$node->safe_psql('postgres', q{SELECT conv_fdw.prefetch('cc.calls', interval '1 hour')});
ok(wait_until(60, sub {
	query(q{SELECT watermark > '} . $watermark . q{' FROM conv_fdw.sync_status}) eq 't' }),
	'prefetch: the next sync moved the watermark');
is(query("SELECT hold_duration FROM $copy WHERE id = $changed"), '7777',
	'prefetch: the modified call shows in the copy');
is(query(q{SELECT rows FROM conv_fdw.sync_status}), scalar(@calls) + scalar(@added),
	'prefetch: and the added calls');
$e = sql_error(q{SELECT conv_fdw.prefetch('cc.teams')});
is($e->{message}, 'foreign table "teams" cannot be prefetched', 'teams cannot be prefetched');
$node->safe_psql('postgres', q{SELECT conv_fdw.unprefetch('cc.calls')});

#
# IMPORT FOREIGN SCHEMA makes call_segments with calls.  One that fails
# (a table exists) leaves no view, also not at the next IMPORT of another
# FDW (postgres_fdw, importing nothing).
#
$node->safe_psql('postgres', qq{
	CREATE EXTENSION postgres_fdw;
	CREATE SERVER loopback FOREIGN DATA WRAPPER postgres_fdw
	  OPTIONS (host '@{[ $node->host ]}', port '@{[ $node->port ]}', dbname 'postgres');
	CREATE USER MAPPING FOR CURRENT_USER SERVER loopback;
	CREATE SCHEMA cc_fail;
	CREATE TABLE cc_fail.teams (id int);
	CREATE SCHEMA loop_import;
});
$e = sql_error('IMPORT FOREIGN SCHEMA ccai FROM SERVER cc INTO cc_fail');
is($e->{message}, 'relation "teams" already exists', 'the IMPORT into a schema with a table teams fails');
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	'IMPORT FOREIGN SCHEMA public LIMIT TO (nothing) FROM SERVER loopback INTO loop_import');
is($ret, 0, 'then an IMPORT of postgres_fdw succeeds') or diag $stderr;
is(query(q{SELECT count(*) FROM pg_class WHERE relnamespace = 'cc_fail'::regnamespace}), '1',
	'and no view was made in the schema of the failed IMPORT');
$node->safe_psql('postgres', 'DROP TABLE cc_fail.teams');
$node->safe_psql('postgres', 'IMPORT FOREIGN SCHEMA ccai LIMIT TO (calls) FROM SERVER cc INTO cc_fail');
is(query(q{SELECT string_agg(relname || ':' || relkind::text, ',' ORDER BY relname) FROM pg_class
	WHERE relnamespace = 'cc_fail'::regnamespace}), 'call_segments:v,calls:f',
	'an IMPORT that succeeds makes the view');

$node->stop;
ok(!$node->log_contains(qr/(PANIC|server process .* was terminated)/),
	'no backend crashed');
$sim->stop;
done_testing();
