# conv_fdw against Siro's quirks, where pg_regress cannot show them:
#
# - the cursor is a position: a recording updated while a scan pages in
#   updatedAt order comes again on a later page, and must be returned once
#   (the change is made between two pages by the query itself, through a
#   function of its target list that calls the simulator's admin API);
# - in dateCreated order an update does not move a recording;
# - a bulk sync gives more recordings one updatedAt than a page holds;
# - deletions and late CRM links move updatedAt: an incremental poll by
#   updated_at sees them, deleted recordings included;
# - the quota: 429 with Retry-After, which conv_fdw waits out;
# - faults: a 500 is retried, a malformed or truncated page is an error.

use strict;
use warnings;

use JSON::PP ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

use ConvNode qw(fdw_node node_query node_error server_sql);
use ConvSim;
use EvSim qw(admin_json iso_epoch);
use SiroSim qw(siro_json $SIRO_BASE);

my %data = (
	calls  => 3000,
	users  => 60,
	clock  => '2026-11-20T03:00:00Z',
	anchor => '2026-11-20T02:00:00Z');
my $sim = ConvSim->start(%data, https => 0, siro_per_minute => 1000000);
my $url = $sim->url;
my $list_path = "$SIRO_BASE/core/recordings";

my $node = fdw_node('fdw_siro');

# Servers: "siro" with the vendor's page size (100), "siro10" pages of 10.
# sim_admin() calls the simulator's admin API from SQL; visit(id) returns
# its argument after noting it in "visited" and making the changes that
# "changes" plans for that id, so a query that projects visit(id) makes
# them between two of its pages.
$node->safe_psql(
	'postgres',
	'CREATE EXTENSION conv_fdw;'
	  . server_sql('siro', 'siro',   $url, "rate_limit '100000/s'")
	  . server_sql('siro', 'siro10', $url, "rate_limit '100000/s', page_size '10'")
	  . qq{

	CREATE TABLE admin_out (line text);
	CREATE FUNCTION sim_admin(method text, path text, body text DEFAULT NULL)
	RETURNS jsonb LANGUAGE plpgsql AS \$\$
	BEGIN
		TRUNCATE admin_out;
		EXECUTE format(\$c\$COPY admin_out FROM PROGRAM %L
						  WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')\$c\$,
			format('curl -sS --fail -X %s %s %s/_admin/%s', method,
				   CASE WHEN body IS NULL THEN ''
						ELSE '-H Content-Type:application/json --data-binary '''
							 || replace(body, '''', '''"''"''') || '''' END,
				   '$url', path));
		RETURN (SELECT string_agg(line, E'\\n') FROM admin_out)::jsonb;
	END
	\$\$;

	CREATE TABLE visited (n serial, id text);
	CREATE TABLE changes (at_id text, n serial, method text, path text, body text);
	CREATE TABLE change_results (n int, result jsonb);
	CREATE FUNCTION visit(rid text) RETURNS text LANGUAGE plpgsql AS \$\$
	DECLARE
		c record;
	BEGIN
		INSERT INTO visited (id) VALUES (rid);
		FOR c IN SELECT * FROM changes WHERE at_id = rid ORDER BY n LOOP
			INSERT INTO change_results VALUES (c.n, sim_admin(c.method, c.path, c.body));
		END LOOP;
		DELETE FROM changes WHERE at_id = rid;
		RETURN rid;
	END
	\$\$;
});

# Run a query that must succeed; a failure shows its error, not a die.
sub query { return node_query($node, @_); }

# Run SQL that must fail; returns its error: sqlstate, message, detail,
# hint, stdout.
sub sql_error { return node_error($node, @_); }

# The requests to the recordings list logged after $mark.
sub list_requests
{
	my ($mark) = @_;
	return grep { $_->{path} eq $list_path } $sim->log_since($mark);
}

# The simulator's recordings, in (updatedAt, id) or (dateCreated, id) order.
sub sim_recordings
{
	my ($order) = @_;
	return @{ admin_json($sim, 'GET',
		'siro/recordings' . ($order ? "?order=$order" : '')) };
}

# Plan the changes visit() makes when the scan returns $at_id.
sub plan_changes
{
	my ($at_id, @changes) = @_;

	$node->safe_psql('postgres',
		join('', map {
			my ($method, $path, $body) = @$_;
			"INSERT INTO changes (at_id, method, path, body) VALUES ('$at_id', '$method', '$path', "
			  . (defined $body ? "'$body'" : 'NULL') . ");\n"
		} @changes));
	return;
}

# Run $select (a query of visit(id)) under EXPLAIN ANALYZE; returns the ids
# visited in order, and the scan's actual rows and rows fetched.
sub visit_scan
{
	my ($select) = @_;

	$node->safe_psql('postgres', 'TRUNCATE visited, change_results');
	my $plan = query("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) $select");
	my ($rows)    = $plan =~ /Foreign Scan .*actual rows=(\d+)/;
	my ($fetched) = $plan =~ /Rows fetched: (\d+)/;
	my @ids = split /\n/, query('SELECT id FROM visited ORDER BY n');
	return (\@ids, $rows, $fetched, $plan);
}

# The ids that occur more than once.
sub repeated
{
	my %count;
	$count{$_}++ foreach @_;
	return [ sort grep { $count{$_} > 1 } keys %count ];
}

#
# A recording updated while a scan pages through an updatedAt filter: the
# cursor holds (updatedAt, id) of the last recording of a page, so the
# recording moves past it and the API sends it again.  The scan reads the
# recordings updated since the bulk sync (more of them share its time than
# a page holds) in pages of 10; when it returns the 15th (on page 2),
# visit() updates the 3rd (returned on page 1) and one near the end (not
# read yet), deletes another and adds two.
#
my @by_updated = sim_recordings('updatedAt');
my %per_time;
$per_time{ $_->{updatedAt} }++ foreach @by_updated;
my ($cluster) = grep { $per_time{$_} > 100 } sort keys %per_time;
ok(defined $cluster, "a bulk sync: $per_time{$cluster} recordings updated at $cluster");
my @tail = grep { $_->{updatedAt} ge $cluster } @by_updated;
my $n = @tail;
my ($early, $late, $gone) = map { $tail[$_]{id} } 2, $n - 20, $n - 10;
plan_changes($tail[14]{id},
	[ 'POST', "siro/recordings/$early/modify", '{"fields": {"notes": "changed during the scan"}}' ],
	[ 'POST', "siro/recordings/$late/modify", '{"fields": {}}' ],
	[ 'DELETE', "siro/recordings/$gone" ],
	[ 'POST', 'siro/recordings', '{"count": 2}' ]);

my $mark = $sim->log_mark;
my ($ids, $rows, $fetched, $plan) = visit_scan(
	"SELECT visit(id) FROM siro10.recordings WHERE updated_at >= '$cluster'");
my @added = map { $_->{id} } @{ JSON::PP->new->decode(query(
	q{SELECT result FROM change_results WHERE jsonb_typeof(result) = 'array'}) || '[]') };
is(scalar @added, 2, 'the changes were made during the scan: two recordings added');
is_deeply(repeated(@$ids), [], 'updatedAt order: no recording returned twice');
is_deeply([ sort @$ids ], [ sort((map { $_->{id} } @tail), @added) ],
	"updatedAt order: every recording of the range once ($n), and the two added");
is($rows, $n + 2, 'EXPLAIN ANALYZE: ' . ($n + 2) . ' rows');
is($fetched, $n + 3,
	'EXPLAIN ANALYZE: ' . ($n + 3) . ' fetched: the recording updated behind the cursor came twice')
  or diag $plan;
my $pos = 0;
my %at = map { $_ => $pos++ } @$ids;
is($at{$early}, 2, 'the early recording was returned from the first page');
cmp_ok($at{$late}, '>=', $n - 3, 'the late one at the end, where its update moved it');
my @reqs = list_requests($mark);
is(scalar @reqs, int(($n + 3) / 10) + 1, 'in pages of 10 (' . scalar(@reqs) . ' requests)');
is(scalar(grep { $_->{query} !~ /(^|&)updatedAt%3Agte=/ } @reqs), 0,
	'every page repeats the filter');
is(scalar(grep { $_->{query} =~ /(^|&)cursor=/ } @reqs), @reqs - 1,
	'every page but the first has a cursor');

# the deleted recording came with deleted = true, its last state
is(query("SELECT deleted, deleted_date = updated_at FROM siro.recordings WHERE id = '$gone'"),
	't|t', 'the recording deleted during the scan: found by id, deleted');
is(scalar(grep { $_ eq $gone } @$ids), 1, 'and it was in the scan');

#
# The same in dateCreated order (no updatedAt filter): the cursor holds
# (dateCreated, id), which an update does not change: nothing comes twice.
#
my @by_created = sim_recordings();
my @recent = @by_created[ -40 .. -1 ];
my $created_bound = $recent[0]{dateCreated};
($early, $late) = map { $recent[$_]{id} } 1, 30;
plan_changes($recent[12]{id},
	[ 'POST', "siro/recordings/$early/modify", '{"fields": {}}' ],
	[ 'POST', "siro/recordings/$late/modify", '{"fields": {}}' ]);
($ids, $rows, $fetched, $plan) = visit_scan(
	"SELECT visit(id) FROM siro10.recordings WHERE created_at >= '$created_bound'");
is(query('SELECT count(*) FROM change_results'), 2, 'dateCreated order: the changes were made');
is_deeply([ sort @$ids ], [ sort map { $_->{id} } @recent ],
	'dateCreated order: every recording of the range once');
is($fetched, 40, 'dateCreated order: 40 fetched, nothing twice') or diag $plan;
is_deeply([ @$ids ], [ map { $_->{id} } @recent ], 'and in dateCreated order');

#
# The bulk sync: more recordings share one updatedAt than a page of 100
# holds.  The cursor carries the id, so pages of 10 and 100 go through it;
# the whole table in pages of 10 is the simulator's list, each once.
#
my @synced = map { $_->{id} } grep { $_->{updatedAt} eq $cluster } sim_recordings();
cmp_ok(scalar @synced, '>', 100, scalar(@synced) . ' recordings are still at the bulk sync\'s time');
foreach my $schema ('siro', 'siro10')
{
	$mark = $sim->log_mark;
	my @got = split /\n/, query(
		"SELECT id FROM $schema.recordings WHERE updated_at >= '$cluster' AND updated_at <= '$cluster'");
	is_deeply([ sort @got ], [ sort @synced ],
		"$schema: the recordings of the bulk sync, each once");
	my $page = $schema eq 'siro' ? 100 : 10;
	is(scalar(list_requests($mark)), int(@synced / $page) + 1, "$schema: in pages of $page");
}
my @all = sim_recordings();
is(query(q{SELECT count(*) || '|' || count(DISTINCT id) FROM siro10.recordings}),
	scalar(@all) . '|' . scalar(@all), 'the whole list in pages of 10: every recording once');
is_deeply([ split /\n/, query('SELECT id FROM siro10.recordings') ], [ map { $_->{id} } @all ],
	'in the simulator\'s dateCreated order');

#
# Polling by updated_at: a CRM link that arrives late, and a deletion,
# move updatedAt, so the next poll from the last one's high-water mark
# brings exactly those recordings, the deleted one with deleted = true.
#
my $mark_time = query('SELECT max(updated_at) FROM siro.recordings');
my ($linked, $deleted) = map { $_->{id} } @all[ 100, 200 ];
admin_json($sim, 'POST', "siro/recordings/$linked/modify",
	{ fields => { crmCustomer => { id => 'crm-42', name => 'Late Link LLC' } } });
admin_json($sim, 'DELETE', "siro/recordings/$deleted");
$mark = $sim->log_mark;
is(query("SELECT id, deleted FROM siro.recordings
		   WHERE updated_at > '$mark_time' ORDER BY deleted"),
	"$linked|f\n$deleted|t",
	'the poll since the last high-water mark: the late CRM link and the deletion');
@reqs = list_requests($mark);
is(scalar @reqs, 1, 'the poll: one request');
like($reqs[0]{query}, qr/^updatedAt%3Agt=\d{4}-\d\d-\d\dT\d\d%3A\d\d%3A\d\d\.\d{3}Z&pageSize=100$/,
	'the poll: updatedAt:gt to the millisecond');
is(query("SELECT crm_customer->>'name' FROM siro.recordings WHERE id = '$linked'"),
	'Late Link LLC', 'the late CRM link is in the recording');

#
# Faults: a 500 on the third page is retried (the same cursor), and the
# scan returns every recording once; a malformed or truncated page is an
# error that names the request, with no partial result.
#
admin_json($sim, 'POST', 'faults', [
	{ path => $list_path, kind => 'latency', latency_ms => 0, count => 2 },
	{ path => $list_path, kind => 'status', status => 500, count => 1 } ]);
$mark = $sim->log_mark;
is(query(q{SELECT count(*) || '|' || count(DISTINCT id) FROM siro.recordings}),
	scalar(@all) . '|' . scalar(@all), '500 on page 3: retried, every recording once');
@reqs = list_requests($mark);
is_deeply([ map { $_->{status} } @reqs[ 0 .. 3 ] ], [ 200, 200, 500, 200 ],
	'500 on page 3: then the same page again');
is($reqs[3]{query}, $reqs[2]{query}, '500 on page 3: the retry has the same cursor');

foreach my $kind (qw(malformed truncate))
{
	admin_json($sim, 'DELETE', 'faults');
	admin_json($sim, 'POST', 'faults', [
		{ path => $list_path, kind => 'latency', latency_ms => 0, count => 1 },
		{ path => $list_path, kind => $kind } ]);
	$mark = $sim->log_mark;
	my $e = sql_error('SELECT count(*) FROM siro10.recordings');
	@reqs = list_requests($mark);
	isnt($e->{ret}, 0, "$kind page 2: the query fails");
	is($e->{stdout}, '', "$kind page 2: no count, not even a partial one");
	is(scalar @reqs, 2, "$kind page 2: two requests, no retry");
	is($e->{sqlstate}, 'HV000', "$kind page 2: SQLSTATE fdw_error");
	is($e->{message}, "invalid JSON in the response to GET $list_path?$reqs[1]{query}",
		"$kind page 2: the message names the request");
	like($reqs[1]{query}, qr/^cursor=[A-Za-z0-9_-]+&pageSize=10$/, "$kind page 2: with its cursor");
	is($e->{hint}, 'The vendor sent a malformed or truncated response.', "$kind page 2: the hint");
}
admin_json($sim, 'DELETE', 'faults');

# a malformed lookup
admin_json($sim, 'POST', 'faults', { path => "$list_path/*", kind => 'malformed' });
my $e = sql_error("SELECT title FROM siro.recordings WHERE id = '$all[0]{id}'");
is($e->{message}, "invalid JSON in the response to GET $list_path/$all[0]{id}",
	'a malformed lookup: the error names it');
admin_json($sim, 'DELETE', 'faults');

#
# Prefetching: Siro's cursor gives no (time, id) position to resume from.
#
$e = sql_error(q{SELECT conv_fdw.prefetch('siro.recordings', '5 minutes')});
is($e->{sqlstate}, '0A000', 'prefetch: feature_not_supported');
is($e->{message}, 'foreign table "recordings" cannot be prefetched', 'prefetch: the message');

#
# The quota: a simulator of 4 requests a minute, and a server with Siro's
# default rate (1000 a minute, which does not hold it back).  40 users in
# pages of 10 take 5 requests: the fifth is a 429 with Retry-After (the
# seconds left in the minute); conv_fdw waits it out and the retry, in the
# next minute, succeeds.
#
$sim->stop;
my $q = ConvSim->start(%data, calls => 100, https => 0, siro_per_minute => 4);
my $qurl = $q->url;
$node->safe_psql('postgres', server_sql('siro', 'siroq', $qurl, "page_size '10'", 'users'));
is(query(q{SELECT rate_limit FROM conv_fdw.rate_status WHERE server = 'siroq'}), '16.6667/s',
	"the server keeps Siro's default rate, 1000 a minute");
# a minute boundary among the first four requests would reset the count
sleep 60 - (time % 60) + 0.2 if time % 60 > 50;
my $t0 = time;
is(query('SELECT count(*), count(DISTINCT id) FROM siroq.users'), '40|40',
	'over the quota: the query succeeds with every user');
my $took = time - $t0;
my @log = grep { $_->{vendor} eq 'siro' } $q->log_since(0);
is_deeply([ map { $_->{status} } @log ], [ 200, 200, 200, 200, 429, 200 ],
	'four pages, a 429, then the retry');
is($log[5]{query}, $log[4]{query}, 'the retry asks for the same page');
my $minute_end = (int(iso_epoch($log[4]{t}) / 60) + 1) * 60;
cmp_ok(iso_epoch($log[5]{t}), '>=', $minute_end - 0.05,
	'the retry came once the minute was over, as Retry-After said');
is(query(q{SELECT throttled FROM conv_fdw.rate_status WHERE server = 'siroq'}), 'f',
	'the server is not throttled any more');
diag sprintf('the query waited %.1f s for the quota', $took);
$q->stop;

$node->stop;
ok(!$node->log_contains(qr/(PANIC|server process .* was terminated)/),
	'no backend crashed');
done_testing();
