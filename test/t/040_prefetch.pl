# Prefetching: conv_fdw.prefetch() makes a local copy of a foreign table
# that the background worker keeps current (backfill, changes, deletions),
# crash-safely; a scan of a prefetched table reads the live changes since
# the copy's watermark, then the copy (or the copy alone, with copy_only);
# the worker follows SIGHUP and SIGTERM; only owners prefetch, and the
# worker never runs their code as superuser; without
# shared_preload_libraries no worker runs and queries still work.

use strict;
use warnings;

use Digest::MD5 qw(md5_hex);
use JSON::PP ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

use ConvNode qw(wait_until ev_server_sql);
use ConvSim;
use EvSim qw(admin_json);

my $calls_path   = '/api/ev/2/calls';
my $deleted_path = '/api/ev/2/calls/deleted';

# A small data set for most of the test, and a bigger one for the crash
# test (its own simulator, so that its data and request log stay apart).
my %fixed = (
	users  => 60,
	clock  => '2026-11-20T03:00:00Z',
	anchor => '2026-11-20T02:00:00Z',
	https  => 0);
my $sim = ConvSim->start(calls => 3000, %fixed);
my $big = ConvSim->start(calls => 20000, %fixed);
admin_json($_, 'POST', 'config', { rate_limits => JSON::PP::false }) foreach ($sim, $big);

my $node = PostgreSQL::Test::Cluster->new('prefetch');
$node->init;
# PostgreSQL::Test::Cluster turns restart_after_crash off; the crash test
# needs the postmaster to restart everything after a worker is killed.
$node->append_conf(
	'postgresql.conf', qq{
shared_preload_libraries = 'conv_fdw'
restart_after_crash = on
conv_fdw.worker_naptime = '200ms'
jit = off
});
$node->start;

# A server on a simulator and a schema of the same name with its tables.
sub make_server
{
	my ($name, $url, $options, @tables) = @_;

	$node->safe_psql('postgres',
		ev_server_sql($name, $url, "rate_limit '200/s'$options", @tables));
	return;
}

$node->safe_psql('postgres', 'CREATE EXTENSION conv_fdw');
# ev: the table to prefetch; api: the same calls, never prefetched, read
# straight from the API to compare with
make_server('ev',  $sim->url, '', 'calls', 'users');
make_server('api', $sim->url, '', 'calls');

# Run SQL that must succeed.
sub sql
{
	my ($sql, $db) = @_;
	return $node->safe_psql($db // 'postgres', $sql);
}

# Run SQL that may fail (the server may be restarting); undef on failure.
sub try_q
{
	my ($sql) = @_;
	my ($ret, $stdout) = $node->psql('postgres', $sql, on_error_die => 0);
	return $ret == 0 ? $stdout : undef;
}

# Run SQL that must fail; returns its error: sqlstate, message, detail,
# hint.
sub sql_error
{
	my ($sql, $db) = @_;

	my ($ret, $stdout, $stderr) = $node->psql($db // 'postgres', $sql,
		extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	my %e = (ret => $ret, stderr => $stderr);
	@e{qw(sqlstate message)} = $stderr =~ /ERROR:  ([0-9A-Z]{5}): (.*)/;
	($e{detail}) = $stderr =~ /^DETAIL:  (.*)$/m;
	($e{hint})   = $stderr =~ /^HINT:  (.*)$/m;
	return \%e;
}

# Wait until $cond returns true, at most $timeout seconds; returns whether

# The requests to $path logged by $s after $mark.
sub requests_to
{
	my ($s, $mark, $path) = @_;
	return grep { $_->{path} eq $path } $s->log_since($mark);
}

# The simulator's live calls: id => modified.
sub live_calls
{
	my ($s) = @_;
	return { map { $_->{id} => $_->{modified} } @{ admin_json($s, 'GET', 'execvision/calls') } };
}

# id and modified (as the API writes it) of every row of a table, sorted
# by id, one per line.
my $row_key = q{id || ' ' || to_char(modified AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')};

sub table_keys
{
	my ($table) = @_;
	return sql("SELECT $row_key FROM $table ORDER BY id COLLATE \"C\"");
}

sub live_keys
{
	my ($calls) = @_;
	return join "\n", map { "$_ $calls->{$_}" } sort keys %$calls;
}

# md5 of every column the copy keeps (all but transcript and crm_matches),
# of every row, in id order.
sub content_md5
{
	my ($table) = @_;
	return sql(qq{SELECT md5(string_agg(concat_ws('|', id, caller_id, caller_email,
		call_time, duration, direction, state, original_path, modified, metadata,
		stats, call_summary), E'\\n' ORDER BY id COLLATE "C")) FROM $table});
}

# A timestamptz column as the API writes times.
sub iso
{
	my ($expr) = @_;
	return qq{to_char(($expr) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')};
}

# The pid of the worker of a database, or '' when none runs.
sub worker_pid
{
	my ($db) = @_;
	return try_q("SELECT pid FROM pg_stat_activity WHERE backend_type = 'conv_fdw worker'"
		  . " AND datname = '" . ($db // 'postgres') . "'") // '';
}

my $calls_oid = sql("SELECT 'ev.calls'::regclass::oid");
my $copy      = "conv_fdw.copy_$calls_oid";

#
# (a) The backfill: within a bounded wait the copy holds exactly the
# simulator's live calls, every column as the API gives it, and
# sync_status says so.
#
my $mark = $sim->log_mark;
sql(q{SELECT conv_fdw.prefetch('ev.calls', '1 second')});
is(sql(q{SELECT local_copy FROM conv_fdw.sync_status WHERE "table" = 'ev.calls'::regclass}),
	$copy, "prefetch registers ev.calls with the local copy $copy");
ok(wait_until(30, sub { sql(q{SELECT last_sync IS NOT NULL FROM conv_fdw.sync_status}) eq 't' }),
	'the worker completes the backfill');

my $live = live_calls($sim);
cmp_ok(scalar keys %$live, '>', 2900, 'the simulator has ' . (keys %$live) . ' live calls');
is(table_keys($copy), live_keys($live),
	'the copy holds exactly the live calls (sorted ids and modified times equal)');
is(content_md5($copy), content_md5('api.calls'),
	'every column of every row equals what the API returns');
is(sql("SELECT count(*) FROM $copy WHERE transcript IS NOT NULL OR crm_matches IS NOT NULL"),
	'0', 'the copy leaves out transcripts and CRM matches');

my @ordered = @{ admin_json($sim, 'GET', 'execvision/calls') };
my ($rows, $watermark, $fresh, $next_after, $error, $requests) = split /\|/, sql(qq{
	SELECT rows, @{[ iso('watermark') ]}, last_sync > now() - interval '30 seconds',
	       next_sync > last_sync, coalesce(last_error, 'none'), requests
	  FROM conv_fdw.sync_status});
is($rows, scalar keys %$live, "sync_status: rows = $rows, the number of live calls");
is($rows, sql("SELECT count(*) FROM $copy"), 'sync_status: rows = count(*) of the copy');
is($watermark, $ordered[-1]{modified},
	'sync_status: the watermark is the modified time of the last call in paging order');
is($fresh,      't',    'sync_status: last_sync is recent');
is($next_after, 't',    'sync_status: next_sync comes after last_sync');
is($error,      'none', 'sync_status: no last_error');
my @backfill = ($sim->log_since($mark));
my @pages = grep { $_->{path} eq $calls_path } @backfill;
cmp_ok($requests, '>=', 4, "sync_status: $requests requests (3000 calls are 3 pages and more)");
cmp_ok(scalar @pages, '>=', 3, 'the backfill paged through calls (' . scalar(@pages) . ' requests)');
is(scalar(grep { $_->{query} !~ /(^|&)include_/ } @pages), scalar @pages,
	'the worker does not ask for transcripts or CRM matches');
cmp_ok(scalar(requests_to($sim, $mark, $deleted_path)), '>=', 1, 'and it read the deletions');

#
# (b) Modifications, additions and deletions reach the copy with the next
# sync (the interval is 1 second).
#
my @ids = sort keys %$live;
my @modified = @ids[ 10, 500, 1500 ];
my @deleted  = @ids[ 20, 700, 2000 ];
admin_json($sim, 'POST', "execvision/calls/$_/modify", { metadata => { company => 'Prefetch Test B' } })
  foreach @modified;
my @added = map { $_->{id} } @{ admin_json($sim, 'POST', 'execvision/calls', { count => 5 }) };
admin_json($sim, 'DELETE', "execvision/calls/$_") foreach @deleted;
$live = live_calls($sim);
ok(wait_until(20, sub { table_keys($copy) eq live_keys($live) }),
	'after the next sync the copy holds exactly the live calls again');
my $in = sub { join ', ', map { "'$_'" } @_ };
is(sql("SELECT count(*) FROM $copy WHERE id IN (@{[ $in->(@modified) ]}) AND metadata->>'company' = 'Prefetch Test B'"),
	'3', 'the modified calls have their new metadata in the copy');
is(sql("SELECT count(*) FROM $copy WHERE id IN (@{[ $in->(@added) ]})"),
	'5', 'the added calls are in the copy');
is(sql("SELECT count(*) FROM $copy WHERE id IN (@{[ $in->(@deleted) ]})"),
	'0', 'the deleted calls are gone from the copy');
ok(wait_until(5, sub { sql("SELECT rows = (SELECT count(*) FROM $copy) FROM conv_fdw.sync_status") eq 't' }),
	'sync_status: rows follows the additions and deletions');

#
# (c) Before the next sync, a scan already shows the changes: it reads the
# live changes since the copy's watermark, then the copy.  With copy_only
# it reads the copy alone and makes no request.
#
# a long interval; prefetch() also makes one sync due now: wait for it
# (read last_sync first: the worker may be done before the next statement)
my $synced = sql(q{SELECT last_sync FROM conv_fdw.sync_status});
sql(q{SELECT conv_fdw.prefetch('ev.calls', '1 hour')});
ok(wait_until(10, sub { sql(q{SELECT last_sync FROM conv_fdw.sync_status}) ne $synced }),
	'prefetch() with a new interval makes a sync due at once');
$synced = sql(q{SELECT last_sync FROM conv_fdw.sync_status});
my $copy_before = table_keys($copy);

my @modified_c = @ids[ 30, 800 ];
my @deleted_c  = @ids[ 40, 900 ];
admin_json($sim, 'POST', "execvision/calls/$_/modify", { metadata => { company => 'Prefetch Test C' } })
  foreach @modified_c;
my @added_c = map { $_->{id} } @{ admin_json($sim, 'POST', 'execvision/calls', { count => 3 }) };
admin_json($sim, 'DELETE', "execvision/calls/$_") foreach @deleted_c;
$live = live_calls($sim);

$mark = $sim->log_mark;
is(table_keys('ev.calls'), live_keys($live),
	'a scan of ev.calls shows the changes at once: exactly the live calls');
my @scan_reqs = $sim->log_since($mark);
is(sql(qq{SELECT count(*) FROM ev.calls WHERE id IN (@{[ $in->(@modified_c) ]})
	AND metadata->>'company' = 'Prefetch Test C'}), '2',
	'the scan shows the new metadata of the modified calls');
is(table_keys($copy), $copy_before, 'the copy does not have the changes yet');
is(sql(q{SELECT last_sync FROM conv_fdw.sync_status}), $synced, 'no sync ran in between');
my ($wm, $wm_id) = split /\|/, sql(q{SELECT } . iso('watermark')
	  . q{, watermark_id FROM conv_fdw.prefetched WHERE relid = 'ev.calls'::regclass});
(my $wm_q = $wm) =~ s/:/%3A/g;
my @delta_calls = grep { $_->{path} eq $calls_path } @scan_reqs;
is(scalar @scan_reqs, 2,
	'the scan made two requests: ' . join(', ', map { "$_->{path}?$_->{query}" } @scan_reqs));
is(scalar @delta_calls, 1, 'one for the calls changed since the copy');
is($delta_calls[0]{query}, "since=$wm_q&last_id=$wm_id&limit=1000",
	'it starts at the watermark: since + last_id of the last call the copy has');
is(scalar(grep { $_->{path} eq $deleted_path } @scan_reqs), 1, 'one for the deletions');

my $explain = sql('EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM ev.calls');
like($explain,
	qr{Remote request: changes since local copy \Q$copy\E \(complete up to \Q$wm\E\): GET /api/ev/2/calls\?since=\Q$wm_q\E&last_id=\Q$wm_id\E&limit=1000},
	'EXPLAIN VERBOSE says the scan reads the changes since the local copy');

sql(q{ALTER FOREIGN TABLE ev.calls OPTIONS (ADD copy_only 'true')});
$mark = $sim->log_mark;
is(table_keys('ev.calls'), $copy_before, "with copy_only 'true' the scan returns the copy as it is");
# (id || '' keeps the condition from becoming lookups by id, which ask
# the API whether the table is prefetched or not)
is(sql(qq{SELECT count(*) FROM ev.calls WHERE id || '' IN (@{[ $in->(@added_c, @deleted_c) ]})
	OR metadata->>'company' = 'Prefetch Test C'}),
	'2', 'it has the deleted calls, not the added ones nor the new metadata');
is(scalar($sim->log_since($mark)), 0, "with copy_only 'true' the scans make no request");
like(sql('EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM ev.calls'),
	qr{Remote request: none: local copy \Q$copy\E only, complete up to \Q$wm\E},
	'EXPLAIN VERBOSE says it reads the local copy only');
sql(q{ALTER FOREIGN TABLE ev.calls OPTIONS (DROP copy_only)});

#
# (d) REFRESH MATERIALIZED VIEW over ev.calls makes only the delta
# requests, not a full paging.
#
sql(q{CREATE MATERIALIZED VIEW call_companies AS SELECT id, metadata->>'company' AS company FROM ev.calls});
$mark = $sim->log_mark;
sql('REFRESH MATERIALIZED VIEW call_companies');
my @refresh = $sim->log_since($mark);
cmp_ok(scalar @refresh, '<=', 2, 'REFRESH MATERIALIZED VIEW made ' . scalar(@refresh) . ' requests');
is(scalar(grep { $_->{path} eq $calls_path && $_->{query} !~ /last_id=\Q$wm_id\E/ } @refresh), 0,
	'its calls request resumes at the watermark');
is(sql(q{SELECT string_agg(id, ',' ORDER BY id COLLATE "C") FROM call_companies}),
	join(',', sort keys %$live), 'the view holds exactly the live calls');
$mark = $sim->log_mark;
sql('SELECT count(*) FROM api.calls');
cmp_ok(scalar(requests_to($sim, $mark, $calls_path)), '>=', 3,
	'(reading the same calls without a copy takes a full paging)');

# the next sync brings the copy up to date
sql(q{SELECT conv_fdw.prefetch('ev.calls', '1 second')});
ok(wait_until(10, sub { table_keys($copy) eq live_keys($live) }),
	'the next sync applies the changes to the copy');

#
# (e) Crash safety.  A backfill of 20000 calls in pages of 100, each page
# slow, with the worker killed (kill -9) ten times: the postmaster restarts
# everything, the worker resumes from the watermark each time.  Calls are
# modified, added and deleted while it pages.  At the end the copy equals
# the simulator's data: nothing lost, nothing doubled, no stale version.
#
make_server('big',    $big->url, q{, page_size '100'}, 'calls');
make_server('bigapi', $big->url, '', 'calls');
admin_json($big, 'POST', 'faults',
	{ path => $calls_path, kind => 'latency', latency_ms => 120, count => -1 });
my $big_copy = 'conv_fdw.copy_' . sql(q{SELECT 'big.calls'::regclass::oid});
my $big_status = q{FROM conv_fdw.sync_status WHERE "table" = 'big.calls'::regclass};
sql(q{SELECT conv_fdw.prefetch('big.calls', '1 second')});

my ($kills, $last_rows) = (0, 0);
my $backfilling = sub { (try_q("SELECT last_sync IS NULL $big_status") // 't') eq 't' };
while ($kills < 10)
{
	my $pid;
	last unless wait_until(30, sub { ($pid = worker_pid()) ne '' });
	# let it commit a few pages since the last kill, then kill it at some
	# moment of a page (waiting for the response, or committing)
	wait_until(10, sub { (try_q("SELECT rows $big_status") // 0) >= $last_rows + 500 });
	sleep rand(0.2);
	last unless $backfilling->();
	$last_rows = try_q("SELECT rows $big_status") // $last_rows;
	kill 'KILL', $pid;
	$kills++;
	# the postmaster restarts everything; wait until the worker is back
	my $back = wait_until(60, sub { my $p = worker_pid(); $p ne '' && $p ne $pid });
	if (!$back)
	{
		fail("the worker came back after kill $kills");
		last;
	}
}
is($kills, 10, 'the worker was killed 10 times during the backfill, and came back each time');
ok($backfilling->(), 'the backfill was still running after the 10th kill')
  or diag 'raise the latency of the crash test';
my $restarts = () = slurp_file($node->logfile) =~ /was terminated by signal 9: Killed/g;
is($restarts, 10, 'the server log shows the 10 kills');

# Calls copied from now on are seen by the round that runs now (there are
# no more kills).  Modify some of them (they move to the end of the order,
# so the round meets them again), delete some, add some.
my $now_at = sql("SELECT watermark $big_status");
ok(wait_until(30, sub { sql("SELECT count(*) FROM $big_copy WHERE modified > '$now_at'") >= 300 }),
	'the resumed round copied 300 more calls');
my @seen = split /\n/, sql(qq{SELECT id FROM $big_copy WHERE modified > '$now_at'
	ORDER BY modified, id COLLATE "C" LIMIT 8});
ok($backfilling->(), 'and the backfill goes on');
admin_json($big, 'POST', "execvision/calls/$_/modify", { metadata => { company => 'Changed While Paging' } })
  foreach @seen[ 0 .. 4 ];
admin_json($big, 'DELETE', "execvision/calls/$_") foreach @seen[ 5 .. 7 ];
admin_json($big, 'POST', 'execvision/calls', { count => 7 });

# a scan in the middle of the backfill: the part of the list past the
# watermark comes from the API, the rest from the copy
# before the first round has read the deletions list, the table has no
# deletions watermark: the scan reads the deletions from the calls
# watermark, with no last_id
is(table_keys('big.calls'), live_keys(live_calls($big)),
	'a scan during the backfill returns exactly the live calls');

ok(wait_until(120, sub { !$backfilling->() }), 'the backfill completes');
admin_json($big, 'DELETE', 'faults');
my $big_live = live_calls($big);
my ($big_rows, $big_requests) = split /\|/, sql("SELECT rows, requests $big_status");
my ($count, $distinct) = split /\|/, sql("SELECT count(*), count(DISTINCT id) FROM $big_copy");
is($count, scalar keys %$big_live, "the copy has as many rows as the simulator has live calls ($count)");
is($distinct, $count, 'no call is in the copy twice');
is(table_keys($big_copy), live_keys($big_live),
	'the copy holds exactly the live calls: none lost, none doubled, every modified time current');
is(sql(qq{SELECT count(*) FROM $big_copy WHERE id IN (@{[ $in->(@seen[0 .. 4]) ]})
	AND metadata->>'company' = 'Changed While Paging'}), '5',
	'the calls modified during the round have their new version');
is(content_md5($big_copy), content_md5('bigapi.calls'),
	'every column of every row equals what the API returns');
is($big_rows, $count, 'sync_status: rows equals count(*)');
cmp_ok($big_requests, '>=', 200, "sync_status: $big_requests requests (pages of 100)");

# unprefetch() and prefetch() again while a sync round waits for the
# vendor: when its answer comes, that round must stop, not carry its
# position over to the new copy (which would then never get the rows
# before it)
admin_json($big, 'POST', 'faults',
	{ path => $calls_path, kind => 'latency', latency_ms => 3000, count => 1 });
sql(q{SELECT conv_fdw.prefetch('big.calls', '1 second')});
sleep 1;
sql(q{SELECT conv_fdw.unprefetch('big.calls')});
sql(q{SELECT conv_fdw.prefetch('big.calls', '1 hour')});
$big_copy = 'conv_fdw.copy_' . sql(q{SELECT 'big.calls'::regclass::oid});
ok(wait_until(60, sub { sql("SELECT last_sync IS NOT NULL $big_status") eq 't' }),
	'after unprefetch() and prefetch() during a round, the new backfill completes');
is(table_keys($big_copy), live_keys($big_live),
	'the new copy holds exactly the live calls');

#
# (f) SIGHUP and SIGTERM.  The worker's own settings cannot be read from
# another session (pg_settings shows that session's); what is observable
# is the worker's cadence: with a table due every 100 ms, the worker syncs
# it once per naptime, one request to calls/deleted each time.
#
sql(q{SELECT conv_fdw.prefetch('big.calls', '1 hour')});
sql(q{SELECT conv_fdw.prefetch('ev.calls', '100 milliseconds')});
sleep 1;
$mark = $sim->log_mark;
sleep 2;
my $rounds_200ms = requests_to($sim, $mark, $deleted_path);
cmp_ok($rounds_200ms, '>=', 4, "naptime 200ms: $rounds_200ms sync rounds in 2 s");

sql(q{ALTER SYSTEM SET conv_fdw.worker_naptime = '5s'});
sql('SELECT pg_reload_conf()');
sleep 1;
$mark = $sim->log_mark;
sleep 3;
my $rounds_5s = requests_to($sim, $mark, $deleted_path);
cmp_ok($rounds_5s, '<=', 1, "after ALTER SYSTEM naptime 5s and a reload: $rounds_5s sync round(s) in 3 s");
is(sql(q{SELECT setting || unit FROM pg_settings WHERE name = 'conv_fdw.worker_naptime'}),
	'5000ms', 'pg_settings (of this session) shows the new naptime');

# back to 200ms: the reload wakes the worker from its 5 s sleep at once
sql(q{ALTER SYSTEM SET conv_fdw.worker_naptime = '200ms'});
$mark = $sim->log_mark;
sql('SELECT pg_reload_conf()');
sleep 2;
my $rounds_back = requests_to($sim, $mark, $deleted_path);
cmp_ok($rounds_back, '>=', 4,
	"naptime 200ms again: $rounds_back rounds in the 2 s after the reload (not one 5 s nap)");

# SIGTERM while a request is in flight (the vendor takes 10 s to answer)
admin_json($sim, 'POST', 'faults',
	{ path => $calls_path, kind => 'latency', latency_ms => 10000, count => -1 });
sleep 1;
my $pid = worker_pid();
isnt($pid, '', 'the worker runs');
my $t0 = time;
sql("SELECT pg_terminate_backend($pid)");
ok(wait_until(1, sub { sql("SELECT count(*) FROM pg_stat_activity WHERE pid = $pid") eq '0' }),
	sprintf('SIGTERM during a request stops the worker within a second (%.2f s)', time - $t0));
ok($node->log_contains(qr/terminating background worker "conv_fdw worker" due to administrator command/),
	'the log says the worker was terminated');
admin_json($sim, 'DELETE', 'faults');

# prefetch() wakes the launcher, which starts the worker again
sql(q{SELECT conv_fdw.prefetch('ev.calls', '100 milliseconds')});
my $new_pid;
ok(wait_until(5, sub { ($new_pid = worker_pid()) ne '' }), 'after prefetch() the worker is back');
isnt($new_pid, $pid, 'a new worker');

# A worker that exits soon after it started is started again only after
# the launcher's retry interval (a minute), or when prefetch() asks.
sql("SELECT pg_terminate_backend($new_pid)");
ok(wait_until(1, sub { worker_pid() eq '' }), 'SIGTERM stops the new worker too');
sleep 2;
is(worker_pid(), '', 'the launcher does not restart it at once (it waits its retry interval)');
$synced = sql(q{SELECT last_sync FROM conv_fdw.sync_status WHERE "table" = 'ev.calls'::regclass});
sql(q{SELECT conv_fdw.prefetch('ev.calls', '100 milliseconds')});
ok(wait_until(5, sub { worker_pid() ne '' }), 'prefetch() wakes the launcher: the worker is back');
ok(wait_until(5, sub { sql(q{SELECT last_sync FROM conv_fdw.sync_status WHERE "table" = 'ev.calls'::regclass}) ne $synced }),
	'and syncs again');
sql(q{SELECT conv_fdw.prefetch('ev.calls', '1 hour')});

#
# (g) unprefetch; what cannot be prefetched; owners only; sync_status
# shows the current role's tables; and a table owner cannot make the
# worker run code as superuser.
#
my $big_oid = sql(q{SELECT 'big.calls'::regclass::oid});
sql(q{SELECT conv_fdw.unprefetch('big.calls')});
is(sql("SELECT to_regclass('$big_copy') IS NULL"), 't', 'unprefetch drops the copy');
is(sql("SELECT count(*) FROM conv_fdw.prefetched WHERE relid = $big_oid"), '0',
	'unprefetch deletes the catalog row');
is(sql(q{SELECT count(*) FROM conv_fdw.sync_status WHERE "table" = 'big.calls'::regclass}), '0',
	'sync_status no longer shows the table');
my $e = sql_error(q{SELECT conv_fdw.unprefetch('big.calls')});
is($e->{message}, 'foreign table "calls" is not prefetched', 'unprefetch of a table not prefetched fails');
is($e->{sqlstate}, '42704', 'with SQLSTATE undefined_object');

$e = sql_error(q{SELECT conv_fdw.prefetch('ev.users', '1 hour')});
is($e->{sqlstate}, '0A000', 'prefetch of ev.users fails with SQLSTATE feature_not_supported');
is($e->{message}, 'foreign table "users" cannot be prefetched', 'the error names the table');
is($e->{detail}, 'Its endpoint users has no paging by time and id to keep a copy current with.',
	'the detail says why');
is($e->{hint}, 'Query it directly; it is read in one request anyway.', 'the hint says what to do');
sql('IMPORT FOREIGN SCHEMA execvision LIMIT TO (listens) FROM SERVER ev INTO ev');
$e = sql_error(q{SELECT conv_fdw.prefetch('ev.listens', '1 hour')});
is($e->{message} . ' ' . $e->{detail}, 'foreign table "listens" cannot be prefetched '
	  . 'The objects of its endpoint listens have no id to keep a copy by.',
	'prefetch of a list without object ids fails, and says why');
$e = sql_error(q{SELECT conv_fdw.prefetch('pg_class', '1 hour')});
is($e->{message}, '"pg_class" is not a conv_fdw foreign table', 'prefetch of a table that is not conv_fdw\'s fails');
$e = sql_error(q{SELECT conv_fdw.prefetch('api.calls', '0 seconds')});
is($e->{message}, 'the sync interval must be positive', 'a sync interval of 0 is refused');

# alice owns a foreign table of her own; bob may only read ev.calls
sql(qq{
	CREATE ROLE alice LOGIN;
	CREATE ROLE bob LOGIN;
	GRANT USAGE ON FOREIGN SERVER ev TO alice, bob;
	CREATE USER MAPPING FOR alice SERVER ev OPTIONS (username 'ev-user', password 'ev-secret');
	CREATE USER MAPPING FOR bob SERVER ev OPTIONS (username 'ev-user', password 'ev-secret');
	GRANT USAGE ON SCHEMA ev TO bob;
	GRANT SELECT ON ev.calls TO bob;
	CREATE SCHEMA alice AUTHORIZATION alice;
	SET ROLE alice;
	IMPORT FOREIGN SCHEMA execvision LIMIT TO (calls) FROM SERVER ev INTO alice;
});
$e = sql_error(q{SET ROLE bob; SELECT conv_fdw.prefetch('ev.calls', '1 hour')});
is($e->{sqlstate}, '42501', 'a non-owner cannot prefetch: SQLSTATE insufficient_privilege');
is($e->{message}, 'must be owner of foreign table calls', 'the error says the owner must');
$e = sql_error(q{SET ROLE bob; SELECT conv_fdw.unprefetch('ev.calls')});
is($e->{message}, 'must be owner of foreign table calls', 'nor unprefetch');

# a role that may read a prefetched table reads it (the catalog is not
# readable by it: the scan reads it as the extension)
$live = live_calls($sim);
my ($ret, $stdout, $stderr) = $node->psql('postgres', "SET ROLE bob; SELECT $row_key FROM ev.calls ORDER BY id COLLATE \"C\"");
is($stdout, live_keys($live), 'a role with SELECT on a prefetched table reads it, changes and all')
  or diag $stderr;

# alice prefetches her table, then tries to get her code run as
# superuser: a now() of her own first in her search_path when calling
# prefetch() again (which sets next_sync = now()), and a trigger on her
# copy, which the worker writes
my $alice_oid = sql(q{SELECT 'alice.calls'::regclass::oid});
my $alice_copy = "conv_fdw.copy_$alice_oid";
sql(q{
	SET ROLE alice;
	SELECT conv_fdw.prefetch('alice.calls', '1 second');
	CREATE FUNCTION alice.now() RETURNS timestamptz LANGUAGE plpgsql AS $$
	BEGIN EXECUTE 'ALTER ROLE alice SUPERUSER'; RETURN pg_catalog.now(); END $$;
	CREATE FUNCTION alice.escalate() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN EXECUTE 'ALTER ROLE alice SUPERUSER'; RETURN NEW; END $$;
	SET search_path = alice, pg_catalog;
	SELECT conv_fdw.prefetch('alice.calls', '1 second');
});
is(sql(q{SELECT rolsuper FROM pg_roles WHERE rolname = 'alice'}), 'f',
	"prefetch() does not run a function of the caller's search_path as superuser");
ok(wait_until(20, sub { sql(qq{SELECT last_sync IS NOT NULL FROM conv_fdw.prefetched WHERE relid = $alice_oid}) eq 't' }),
	"alice's table is synced");
is(sql("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = '$alice_copy'::regclass"),
	'alice', 'its copy belongs to alice');
is(sql(q{SET ROLE alice; SELECT count(*) || ' ' || bool_and("table" = 'alice.calls'::regclass) FROM conv_fdw.sync_status}),
	'1 true', 'sync_status shows alice only her own table');
is(sql(q{SET ROLE bob; SELECT count(*) FROM conv_fdw.sync_status}),
	'0', 'and bob none');
is(sql(q{SELECT string_agg("table"::text, ',' ORDER BY "table"::text) FROM conv_fdw.sync_status}),
	'alice.calls,ev.calls', 'a superuser sees every table');

sql(qq{SET ROLE alice;
	CREATE TRIGGER escalate BEFORE INSERT ON $alice_copy FOR EACH ROW EXECUTE FUNCTION alice.escalate()});
admin_json($sim, 'POST', 'execvision/calls', { count => 2 });
ok(wait_until(20, sub { sql(qq{SELECT last_error IS NOT NULL FROM conv_fdw.prefetched WHERE relid = $alice_oid}) eq 't' }),
	"the next sync of alice's table fails in her trigger");
is(sql(q{SELECT rolsuper FROM pg_roles WHERE rolname = 'alice'}), 'f',
	'the trigger on her copy did not run as superuser');
like(sql(qq{SELECT last_error FROM conv_fdw.prefetched WHERE relid = $alice_oid}),
	qr/must be superuser/, 'sync_status shows why the sync failed');
sql(qq{SET ROLE alice; DROP TRIGGER escalate ON $alice_copy});

# a column whose type changes after the copy was made: an error, not a crash
sql(q{ALTER FOREIGN TABLE alice.calls ALTER COLUMN duration TYPE text});
$e = sql_error(q{SET ROLE alice; SELECT max(duration) FROM alice.calls});
is($e->{message},
	"column \"duration\" of the local copy copy_$alice_oid has type double precision, but the foreign table's has type text",
	'a scan of a copy whose column type no longer matches fails with an error that says so');

# dropping a prefetched table: the worker forgets it and drops its copy
sql(q{SET ROLE alice; DROP FOREIGN TABLE alice.calls});
ok(wait_until(10, sub { sql("SELECT count(*) FROM conv_fdw.prefetched WHERE relid = $alice_oid") eq '0' }),
	'the worker forgets a prefetched table that was dropped');
is(sql("SELECT to_regclass('$alice_copy') IS NULL"), 't', 'and drops its copy');

#
# (i) prefetch() and the wake of the launcher happen at commit: in a new
# database, one transaction creates the extension and prefetches, and the
# worker it starts finds both.
#
sql('CREATE DATABASE late');
my $late = $node->background_psql('late', on_error_stop => 1);
$late->query_safe(qq{
	BEGIN;
	CREATE EXTENSION conv_fdw;
	@{[ ev_server_sql('ev', $sim->url, "rate_limit '200/s'", 'calls') ]}
	SELECT conv_fdw.prefetch('ev.calls', '1 hour');
});
# a worker started now would find no extension, exit, and be retried
# only a minute later
sleep 1.5;
$late->query_safe('COMMIT');
$late->quit;
ok(wait_until(15, sub { sql(q{SELECT last_sync IS NOT NULL FROM conv_fdw.sync_status}, 'late') eq 't' }),
	'a prefetch() in the transaction that creates the extension is synced at once');

#
# (j) The launcher survives being unable to start workers: with
# max_worker_processes = 2 the launcher and the logical replication
# launcher take every slot.
#
sql('ALTER SYSTEM SET max_worker_processes = 2');
$node->restart;
ok(wait_until(20, sub { $node->log_contains(qr/conv_fdw could not start a worker for database/) }),
	'with no free worker slot the launcher says it could not start a worker');
my $launcher = try_q(q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'conv_fdw launcher'});
# each prefetch() wakes the launcher, which tries again
foreach (1 .. 3)
{
	try_q(q{SELECT conv_fdw.prefetch('ev.calls', '1 hour')});
	sleep 0.5;
}
ok(!$node->log_contains(qr/was terminated by signal 11/), 'the launcher did not crash');
is(try_q(q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'conv_fdw launcher'}), $launcher,
	'it still runs (the same process)');
$live = live_calls($sim);
is(try_q('SELECT count(*) FROM ev.calls'), scalar keys %$live, 'queries work');
$node->stop;

#
# (h) Without shared_preload_libraries: prefetch() registers the table, but
# no worker runs (there is no launcher: it is started with the server only
# from shared_preload_libraries), so nothing is copied, and scans read the
# API as if the table were not prefetched.
#
my $plain = PostgreSQL::Test::Cluster->new('no_preload');
$plain->init;
$plain->append_conf('postgresql.conf', "jit = off\n");
$plain->start;
$plain->safe_psql(
	'postgres', qq{
	CREATE EXTENSION conv_fdw;
	@{[ ev_server_sql('ev', $sim->url, "rate_limit '200/s'", 'calls') ]}
});
($ret, $stdout, $stderr) = $plain->psql('postgres', q{SELECT conv_fdw.prefetch('ev.calls', '1 second')});
is($ret, 0, 'without shared_preload_libraries prefetch() succeeds') or diag $stderr;
is($plain->safe_psql('postgres', q{SELECT "table" || ' ' || rows FROM conv_fdw.sync_status}),
	'ev.calls 0', 'and registers the table');
sleep 2;
is($plain->safe_psql('postgres', q{SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE 'conv_fdw%'}),
	'0', 'no launcher or worker runs');
is($plain->safe_psql('postgres', q{SELECT last_sync IS NULL FROM conv_fdw.sync_status}),
	't', 'nothing is synced');
is($plain->safe_psql('postgres', "SELECT $row_key FROM ev.calls ORDER BY id COLLATE \"C\""),
	live_keys($live), 'queries still work: a scan reads the API');
like($plain->safe_psql('postgres', 'EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM ev.calls'),
	qr{Remote request: GET /api/ev/2/calls\?since=1970-01-01T00%3A00Z&limit=1000},
	'EXPLAIN VERBOSE shows the plain API request: the empty copy is not used');
$plain->stop;

$sim->stop;
$big->stop;
done_testing();
