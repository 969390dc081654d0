# Paging is exact: every object once, whatever the page size, although the
# vendor repeats the last_id object on some pages, many calls share one
# modified time (clusters larger than a page), since ignores seconds, and
# calls are modified and added while a scan pages.  A page that cannot make
# progress is an error that says so, not an endless loop.

use strict;
use warnings;

use Digest::MD5 qw(md5_hex);
use IPC::Run ();
use JSON::PP ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

use ConvNode qw(ev_server_sql node_query);
use ConvSim;
use EvSim qw(ev_json admin_json);

my $sim = ConvSim->start(
	calls  => 3000,
	users  => 60,
	clock  => '2026-11-20T03:00:00Z',
	anchor => '2026-11-20T02:00:00Z',
	https  => 0);
admin_json($sim, 'POST', 'config', { rate_limits => JSON::PP::false });

my $node = PostgreSQL::Test::Cluster->new('fdw_paging');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'conv_fdw'\njit = off");
$node->start;

my $url = $sim->url;
my $calls_path = '/api/ev/2/calls';

# A server (and a schema of the same name with its tables) per page size;
# "" for the endpoints' defaults (1000 for calls and the since lists).
# Their rate limit is raised: the test makes hundreds of requests.
sub make_server
{
	my ($name, $page_size, @tables) = @_;

	my $opt = $page_size ne '' ? ", page_size '$page_size'" : '';
	$node->safe_psql('postgres',
		ev_server_sql($name, $url, "rate_limit '100000/s'$opt", @tables));
	return;
}

$node->safe_psql('postgres', 'CREATE EXTENSION conv_fdw');
make_server('ev',    '');
make_server('ev50',  '50');
make_server('ev7',   '7', 'calls');
make_server('ev1',   '1', 'calls');
make_server('evslow', '50', 'calls');

# Run a query that must succeed; a failure shows its error, not a die.
sub query { return node_query($node, @_); }

# count, distinct count and md5 of the sorted ids, as the SQL below gives them
sub id_summary
{
	my @ids = sort @_;
	my %distinct = map { $_ => 1 } @ids;
	return sprintf('%d|%d|%s', scalar @ids, scalar keys %distinct, md5_hex(join(',', @ids)));
}
my $id_summary_sql = q{count(*) || '|' || count(DISTINCT id) || '|' ||
	coalesce(md5(string_agg(id, ',' ORDER BY id COLLATE "C")), md5(''))};

# The calls requests logged after $mark.
sub calls_requests
{
	my ($mark) = @_;
	return grep { $_->{path} eq $calls_path } $sim->log_since($mark);
}

#
# The data has what makes paging hard: clusters of calls sharing one
# modified time, larger than a page of 50 or 100.
#
my @live = @{ admin_json($sim, 'GET', 'execvision/calls') };
my %cluster;
$cluster{ $_->{modified} }++ foreach @live;
my @clusters = sort grep { $cluster{$_} > 100 } keys %cluster;
cmp_ok(scalar @clusters, '>=', 3,
	'the data has clusters of more than 100 calls sharing a modified time: '
	  . join(', ', map { "$cluster{$_} at $_" } @clusters));
# the last one, on a whole minute
my $big = $clusters[-1];

#
# Every call exactly once, for several page sizes, with the vendor
# repeating the last_id object on every page (rate 1.0) and on some (its
# default, 0.25): the ids equal the simulator's own list of live calls.
#
my $expected = id_summary(map { $_->{id} } @live);
foreach my $rate (1.0, 0.25)
{
	admin_json($sim, 'POST', 'execvision/config', { repeat_last_id_rate => $rate });
	foreach my $case ([ 'ev', 1000 ], [ 'ev50', 50 ], [ 'ev7', 7 ])
	{
		my ($schema, $page) = @$case;
		my $mark = $sim->log_mark;

		is(query("SELECT $id_summary_sql FROM $schema.calls"), $expected,
			"repeat rate $rate, pages of $page: every call once, the exact id set");
		my @reqs = calls_requests($mark);
		cmp_ok(scalar @reqs, '>=', int(@live / $page) + 1,
			"repeat rate $rate, pages of $page: paged (" . scalar(@reqs) . ' requests)');
		is(scalar(grep { $_->{query} !~ /(^|&)limit=$page(&|$)/ } @reqs), 0,
			"repeat rate $rate, pages of $page: every request asks for $page");
	}
}

# The repeats were there and were dropped: with rate 1.0 each page after
# the first starts with the previous page's last call.
admin_json($sim, 'POST', 'execvision/config', { repeat_last_id_rate => 1.0 });
my $explain = query('EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT id FROM ev50.calls');
my ($rows) = $explain =~ /actual rows=(\d+)/;
my ($requests, $pages, $fetched) =
  $explain =~ /Requests: (\d+)  Pages: (\d+)  Rows fetched: (\d+)/;
is($rows, scalar @live, 'EXPLAIN ANALYZE: every call returned once');
is($fetched, @live + $pages - 1,
	"EXPLAIN ANALYZE: $fetched fetched: each of the $pages pages but the first repeated one call")
  or diag $explain;

#
# Pages of one call through a cluster, bounded by modified >= x: keyset
# paging moves past every object, one at a time (the vendor never repeats
# last_id on a page of 1: such a page could never progress).
#
my ($first_of_big) = grep { $live[$_]{modified} eq $big } 0 .. $#live;
my $bound = $live[ $first_of_big - 20 ]{modified};
my @tail = grep { $_->{modified} ge $bound } @live;
my $mark = $sim->log_mark;
is(query("SELECT $id_summary_sql FROM ev1.calls WHERE modified >= '$bound'"),
	id_summary(map { $_->{id} } @tail),
	'pages of 1 through a cluster of ' . $cluster{$big} . ': every call of the range once');
my @reqs = calls_requests($mark);
cmp_ok(scalar @reqs, '>', scalar @tail,
	'pages of 1: one request per call (' . scalar(@reqs) . ' requests)');
# since goes to the minute, its colon percent-encoded
my $minute = substr($bound, 0, 16) =~ s/:/%3A/gr;
like($reqs[0]{query}, qr/^since=\Q$minute\EZ&limit=1$/,
	'pages of 1: the first request starts at the minute of the bound');

#
# Calls modified and added while a scan pages: each comes exactly once,
# and every call that existed for the whole scan comes.  The scan is slow
# (each page of 50 takes 100 ms, 60 pages); the changes happen once it has
# read some pages and while it has many to go.
#
admin_json($sim, 'POST', 'execvision/config', { repeat_last_id_rate => 0.25 });
@live = @{ admin_json($sim, 'GET', 'execvision/calls') };
admin_json($sim, 'POST', 'faults',
	{ path => $calls_path, kind => 'latency', latency_ms => 100, count => -1 });
$mark = $sim->log_mark;
my ($scan_out, $scan_err) = ('', '');
my $scan = IPC::Run::start(
	[ $node->installed_command('psql'), '-XAtq', '-v', 'ON_ERROR_STOP=1',
	  '-d', $node->connstr('postgres'), '-c', 'SELECT id FROM evslow.calls' ],
	'>', \$scan_out, '2>', \$scan_err);

# wait for the 8th page
my $deadline = time + 60;
sleep 0.05 while calls_requests($mark) < 8 && time < $deadline;
cmp_ok(scalar(calls_requests($mark)), '>=', 8, 'the scan has read 8 pages');

# the first 300 calls have been returned; the last 100 are far ahead
my @early = map { $_->{id} } @live[ map { $_ * 30 } 0 .. 9 ];
my @late  = map { $_->{id} } @live[ map { $#live - $_ * 10 } 0 .. 9 ];
my $changed_at = time;
admin_json($sim, 'POST', "execvision/calls/$_/modify", { state => 'COMPLETE' })
  foreach (@early, @late);
my @added = map { $_->{id} }
  @{ admin_json($sim, 'POST', 'execvision/calls', { count => 10 }) };
my $pages_before = calls_requests($mark);
cmp_ok($pages_before * 50, '<', @live - 100,
	"the changes were made before the scan reached the late calls (at page $pages_before)");

$scan->finish;
is($?, 0, 'the scan succeeded') or diag $scan_err;
admin_json($sim, 'DELETE', 'faults');

my @returned = split /\n/, $scan_out;
my %times;
$times{$_}++ foreach @returned;
my @twice = grep { $times{$_} > 1 } sort keys %times;
is_deeply(\@twice, [], 'no call was returned twice');
my @missing = grep { !$times{$_} } map { $_->{id} } @live;
is_deeply(\@missing, [], 'every call that existed for the whole scan was returned');
is_deeply([ grep { !$times{$_} } @early, @late ], [],
	'the modified calls were returned (once)');
is_deeply([ grep { !$times{$_} } @added ], [],
	'the calls added during the scan were returned (once)');
is(scalar @returned, @live + @added, 'and nothing else: ' . scalar(@returned) . ' rows');

# the modified calls had moved to the end of the order, where the scan met
# them again: the early ones after it had returned them
my @now = @{ admin_json($sim, 'GET', 'execvision/calls') };
my %position;
@position{ map { $_->{id} } @now } = 0 .. $#now;
cmp_ok((sort { $a <=> $b } map { $position{$_} } @early)[0], '>=', @now - @early - @late - @added,
	'the early calls modified during the scan came again at its end');

#
# Since-only lists (no last_id: consecutive pages overlap) paged by 50
# return exactly what one page of 1000 holds.
#
foreach my $table (qw(kpis feedback shares listens meetings scores))
{
	my $sql = qq{SELECT count(*) || '|' || count(DISTINCT t::text) || '|' ||
		md5(string_agg(t::text, '|' ORDER BY t::text COLLATE "C")) FROM %s.$table t};

	$mark = $sim->log_mark;
	my $one_page = query(sprintf($sql, 'ev'));
	my $n_one = grep { $_->{path} eq "/api/ev/2/$table" } $sim->log_since($mark);
	$mark = $sim->log_mark;
	my $paged = query(sprintf($sql, 'ev50'));
	my $n_paged = grep { $_->{path} eq "/api/ev/2/$table" } $sim->log_since($mark);

	my ($n) = split /\|/, $one_page;
	cmp_ok($n, '>', 50, "$table: $n rows, more than a page of 50");
	is($n_one, 1, "$table: one request with pages of 1000");
	cmp_ok($n_paged, '>', 2, "$table: $n_paged requests with pages of 50");
	is($paged, $one_page, "$table: pages of 50 give every row once, as one page does");
}

#
# No progress: listens page by since alone and are dated by day, so many
# share one time.  A page no larger than the most listens of one day ends
# on that day's time again: an error that says so, at once.  One more
# and the scan gets through.
#
my $listens = ev_json($sim, 'listens?since=1970-01-01T00:00Z&limit=1000');
cmp_ok(scalar @$listens, '<', 1000, 'all listens fit in one page of 1000');
my (%per_day, @days);
foreach (@$listens)
{
	push @days, $_->{date} unless $per_day{ $_->{date} }++;
}
my $most = (sort { $b <=> $a } values %per_day)[0];
my ($stall_day) = grep { $per_day{$_} == $most } @days;
cmp_ok($most, '>=', 2, "up to $most listens share a day ($stall_day first)");

make_server('evmost', $most, 'listens');
make_server('evmore', $most + 1, 'listens');

$mark = $sim->log_mark;
my $t0 = time;
my ($ret, $stdout, $stderr) = $node->psql('postgres', 'SELECT count(*) FROM evmost.listens',
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
my $took = time - $t0;
isnt($ret, 0, "pages of $most: the scan fails");
like($stderr, qr/ERROR:  HV000: paging through listens made no progress$/m,
	"pages of $most: the error says paging made no progress");
like($stderr,
	qr/^DETAIL:  A full page of $most ended at ${stall_day}T00:00:00\.000000Z, where the page before it ended\.$/m,
	"pages of $most: the detail names the page size and the time");
like($stderr, qr/^HINT:  .*raise the server option page_size \(the vendor allows at most 1000\)\.$/m,
	"pages of $most: the hint says to raise page_size");
cmp_ok($took, '<', 5, sprintf("pages of $most: it ends at once (%.2f s)", $took));
my @listen_reqs = grep { $_->{path} eq '/api/ev/2/listens' } $sim->log_since($mark);
cmp_ok(scalar @listen_reqs, '<=', scalar(@days) + 1,
	'pages of ' . $most . ': at most one request per day (' . scalar(@listen_reqs) . ')');
is($listen_reqs[-1]{query}, "since=${stall_day}T00%3A00%3A00.000000Z&limit=$most",
	"pages of $most: the last request started at the day that filled it");

is(query('SELECT count(*) FROM evmore.listens'), scalar @$listens,
	'pages of ' . ($most + 1) . ': every listen');

$node->stop;
ok(!$node->log_contains(qr/(PANIC|server process .* was terminated)/),
	'no backend crashed');
$sim->stop;
done_testing();
