# A scan's memory does not grow with the rows it returns: a scan of 20 000
# calls needs about what a scan of 2 000 needs.  The one thing that does
# grow is the set of ids the scan has returned (so that none comes twice),
# about 16 bytes per row in a hash table that doubles: at most 36 bytes a
# row right after it doubled, and for a moment the old table too while it
# doubles.  The allowances below are that, plus a fixed slack; a per-row
# leak of a decoded row or of JSON objects, or a per-page one of response
# bodies, is far above them.

use strict;
use warnings;

use JSON::PP ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use ConvNode qw(fdw_node ev_server_sql);
use ConvSim;
use EvSim qw(admin_json);

my $sim = ConvSim->start(
	calls  => 20000,
	users  => 60,
	clock  => '2026-11-20T03:00:00Z',
	anchor => '2026-11-20T02:00:00Z',
	https  => 0);
admin_json($sim, 'POST', 'config', { rate_limits => JSON::PP::false });
my $live = scalar @{ admin_json($sim, 'GET', 'execvision/calls') };

my $node = fdw_node('fdw_memory');

my $url = $sim->url;
$node->safe_psql('postgres',
	'CREATE EXTENSION conv_fdw;'
	  . ev_server_sql('ev', $url, "rate_limit '100000/s'", 'calls'));

my $small = 2000;
cmp_ok($live, '>', 19000, "the simulator has $live calls");
my $extra_rows = $live - $small;

#
# The backend's peak memory (VmHWM: the most resident memory it ever
# had), in a fresh backend per scan, after a first request has loaded
# libcurl and opened a connection; each measure the least of two runs.
#
my $hwm = q{SELECT substring(pg_read_file('/proc/self/status') from 'VmHWM:\s*(\d+)')};

# Peak memory growth (kB) of a scan of the first $rows calls, and the rows.
sub peak_growth
{
	my ($rows) = @_;
	my ($best, $got);

	for (1 .. 2)
	{
		my $out = $node->safe_psql(
			'postgres', qq{
			SELECT count(*) FROM ev.calls WHERE id = 'no-such-call';
			$hwm;
			SELECT count(*) || ' ' || max(length(metadata::text)) || ' ' || sum(duration)
			  FROM (SELECT metadata, duration FROM ev.calls LIMIT $rows) s;
			$hwm;
		});
		my ($zero, $before, $scan, $after) = split /\n/, $out;
		($got) = split / /, $scan;
		my $growth = $after - $before;
		$best = $growth if !defined $best || $growth < $best;
	}
	return ($best, $got);
}

my ($growth_small, $rows_small) = peak_growth($small);
my ($growth_all,   $rows_all)   = peak_growth($live);
is($rows_small, $small, "a scan of $small calls");
is($rows_all, $live, "a scan of all $live calls");
note "peak memory growth: $growth_small kB for $rows_small rows, $growth_all kB for $rows_all rows";

# a scan holds about one page (some 1.2 MB of JSON here) a few times over
cmp_ok($growth_small, '<', 16 * 1024,
	"scanning $small calls raises the peak by $growth_small kB: a few pages' worth");

# 48 bytes a row: the id hash at its largest, and the old one beside it
# while it doubles; 1.5 MB for the allocator's whims
my $allowance = int((48 * $extra_rows) / 1024) + 1536;
cmp_ok($growth_all - $growth_small, '<', $allowance,
	sprintf('%d more rows raise the peak by %d kB only (allowed: %d kB)',
		$extra_rows, $growth_all - $growth_small, $allowance));

#
# The memory contexts, which show palloc'd memory exactly: read through a
# cursor, they are measured while the scan is open, after 2 000 rows and
# after all of them.  The response context is reset for every page and
# sized by it: it is left out.
#
my $contexts = q{SELECT sum(total_bytes) FROM pg_backend_memory_contexts
	WHERE name <> 'conv_fdw response'};
my $out = $node->safe_psql(
	'postgres', qq{
	BEGIN;
	DECLARE c NO SCROLL CURSOR FOR SELECT id, metadata, duration FROM ev.calls;
	MOVE FORWARD $small IN c;
	$contexts;
	MOVE FORWARD ALL IN c;
	$contexts;
	SELECT sum(total_bytes) FROM pg_backend_memory_contexts WHERE name LIKE 'conv_fdw%';
	COMMIT;
});
my ($ctx_small, $ctx_all, $conv) = grep { /^\d+$/ } split /\n/, $out;
my $ctx_allowance = 36 * $extra_rows + 128 * 1024;
note "memory contexts: $ctx_small bytes after $small rows, $ctx_all after $live; conv_fdw's: $conv";
cmp_ok($ctx_all - $ctx_small, '<', $ctx_allowance,
	sprintf('palloc memory grows by %d bytes for %d more rows (allowed: %d)',
		$ctx_all - $ctx_small, $extra_rows, $ctx_allowance));

$node->stop;
ok(!$node->log_contains(qr/(PANIC|server process .* was terminated)/),
	'no backend crashed');
$sim->stop;
done_testing();
