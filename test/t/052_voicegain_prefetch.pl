# Prefetching Voicegain calls: the export has no modification time, so the
# local copy grows by the consecutive export after the highest call id
# copied (consecutive=true&afterCallId=...).  That export stops at the
# first call still being processed, so the copy's watermark never passes
# such a call: calls after it come once it is done.  A scan of the
# prefetched table reads the live export after the watermark, then the
# copy, and says (NOTICE) when the vendor withholds calls.

use strict;
use warnings;

use JSON::PP ();
use PostgreSQL::Test::Utils;
use Test::More;

use ConvNode qw(fdw_node wait_until server_sql);
use ConvSim;

my $sim = ConvSim->start(
	calls  => 600,
	users  => 20,
	clock  => '2026-11-20T03:00:00Z',
	anchor => '2026-11-20T02:00:00Z',
	https  => 0,
	extra  => [ '--voicegain-per-minute', '100000', '--voicegain-per-hour', '100000' ]);

my $node = fdw_node('vg_prefetch', "conv_fdw.worker_naptime = '200ms'");

# Run SQL that must succeed.
sub sql
{
	my ($sql) = @_;
	return $node->safe_psql('postgres', $sql);
}

# The simulator's calls: [callId, progressPhase] in callId order.
sub sim_calls
{
	my $res = $sim->admin('GET', 'voicegain/calls');
	die "admin GET voicegain/calls: $res->{status}" unless $res->{status} == 200;
	my $json = JSON::PP->new->decode($res->{content});
	my $calls = ref $json eq 'HASH' ? $json->{calls} : $json;
	return map { [ $_->{callId}, $_->{progressPhase} ] } @$calls;
}

# The ids of the calls before the first one still being processed.
sub exportable_ids
{
	my @ids;
	foreach my $c (sim_calls())
	{
		last unless $c->[1] eq 'DONE' || $c->[1] eq 'ERROR';
		push @ids, $c->[0];
	}
	return @ids;
}

# The watermark id of the copy, once a sync after $after has finished.
sub synced_watermark
{
	my ($after) = @_;
	ok( wait_until(
			60,
			sub {
				sql(    "SELECT last_sync > '$after' AND last_error IS NULL "
					  . "FROM conv_fdw.sync_status WHERE \"table\" = 'vg.calls'::regclass"
				) eq 't';
			}),
		'a sync round finished');
	return sql("SELECT watermark_id FROM conv_fdw.prefetched");
}

sql('CREATE EXTENSION conv_fdw;'
	  . server_sql('voicegain', 'vg', $sim->url, "rate_limit '200/s', page_size '100'"));

my @all   = sim_calls();
my @ready = exportable_ids();
my ($stuck) = grep { $_->[1] ne 'DONE' && $_->[1] ne 'ERROR' } @all;
ok(@ready > 0 && @ready < @all, 'the simulator has a call still being processed among finished ones');

# The backfill: the consecutive export from the start, up to the stuck call.
my $t0 = sql('SELECT now()');
my $mark = $sim->log_mark;
sql("SELECT conv_fdw.prefetch('vg.calls', interval '1 second')");
my $wm = synced_watermark($t0);
is($wm, $ready[-1], 'the watermark is the last call before the one still being processed');
is(sql('SELECT count(*) FROM ' . sql("SELECT 'conv_fdw.copy_' || 'vg.calls'::regclass::oid")),
	scalar @ready, 'the copy holds exactly the calls the export gave');
my @backfill = grep { $_->{path} eq '/v1/sa/call' } $sim->log_since($mark);
like($backfill[0]{query}, qr/(^|&)consecutive=true(&|$)/, 'the backfill asks for the consecutive export');
like($backfill[0]{query}, qr/(^|&)afterCallId=0(&|$)/,    'from the start');
like($backfill[0]{query}, qr/(^|&)per_page=100(&|$)/,     'in pages of page_size');

# A scan reads the export after the watermark, then the copy, and says that
# the vendor withholds calls.
my ($ret, $out, $err) = $node->psql('postgres',
	'SELECT count(*), count(DISTINCT call_id) FROM vg.calls');
is($out, scalar(@ready) . '|' . scalar(@ready), 'the prefetched table reads each exported call once');
like($err, qr/NOTICE:  the vendor listed 0 of the \d+ objects of calls that match/,
	'and notes the calls the vendor withholds');
like(
	sql('EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM vg.calls'),
	qr/changes since local copy .* GET \/v1\/sa\/call\?format=json&consecutive=true&afterCallId=$wm&page=1&per_page=100/,
	'EXPLAIN shows the live part: the export after the watermark');

# Later rounds do not pass the stuck call either.
my $t1 = sql('SELECT now()');
is(synced_watermark($t1), $wm, 'another round: the watermark stays before the stuck call');

# The call is done: the next round copies it and the calls after it, up to
# the next call still being processed.
is($sim->admin('POST', "voicegain/calls/$stuck->[0]/modify", { progressPhase => 'DONE' })->{status},
	200, 'the stuck call finishes processing');
my @ready2 = exportable_ids();
ok(@ready2 > @ready, 'more calls are exportable now');
my $t2 = sql('SELECT now()');
is(synced_watermark($t2), $ready2[-1], 'the watermark moves on to the next call still being processed');
is(sql('SELECT count(*) FROM vg.calls'), scalar @ready2,
	'the prefetched table has the newly exportable calls, each once');
is( sql(    'SELECT count(*) FROM vg.calls WHERE call_id = ' . $stuck->[0]
		  . " AND progress_phase = 'DONE'"),
	1,
	'the formerly stuck call is there, done');

$node->stop;
$sim->stop;
done_testing();
