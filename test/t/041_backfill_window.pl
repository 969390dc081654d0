# conv_fdw.backfill_in_fastest_window: a prefetched table's first, full
# read waits for its server's fastest rate window (ExecVision's night),
# and pauses between pages when a slower window begins; later rounds run
# in any window.

use strict;
use warnings;

use JSON::PP ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

use ConvNode qw(fdw_node wait_until ev_server_sql);
use ConvSim;
use EvSim qw(admin_json);

my $sim = ConvSim->start(calls => 3000, users => 60, https => 0,
	clock => '2026-11-20T03:00:00Z', anchor => '2026-11-20T02:00:00Z');
admin_json($sim, 'POST', 'config', { rate_limits => JSON::PP::false });

my $node = fdw_node('backfill_window', q{
conv_fdw.worker_naptime = '200ms'
conv_fdw.backfill_in_fastest_window = on
});

# A rate_limit whose slow window is in force now, in UTC, or not: the
# fastest window (200/s) is "otherwise".
sub rate_limit
{
	my ($slow_now) = @_;
	my @t = gmtime(time);
	my $now = $t[2] * 60 + $t[1];
	# a two-hour window around now, or one starting two hours from now
	my $start = ($slow_now ? $now - 60 : $now + 120) % 1440;
	my $end = ($start + 120) % 1440;
	return sprintf('20/s %02d:%02d-%02d:%02d; 200/s',
		int($start / 60), $start % 60, int($end / 60), $end % 60);
}

my $url = $sim->url;
my $slow = rate_limit(1);
$node->safe_psql('postgres',
	'CREATE EXTENSION conv_fdw;'
	  . ev_server_sql('ev', $url, "rate_limit '$slow', rate_timezone 'UTC'", 'calls'));
is($node->safe_psql('postgres', 'SELECT current_window <> \'otherwise\' FROM conv_fdw.rate_status'),
	't', 'the slow window is in force');

# in the slow window the backfill does not start: no request, no row,
# the next look a minute away
my $mark = $sim->log_mark;
$node->safe_psql('postgres', "SELECT conv_fdw.prefetch('ev.calls', '1 hour')");
ok( wait_until(10, sub {
		$node->safe_psql('postgres',
			"SELECT next_sync > now() + interval '30 seconds' FROM conv_fdw.sync_status") eq 't';
	}),
	'in the slow window the backfill is deferred by a minute');
is($node->safe_psql('postgres',
		'SELECT rows, watermark IS NULL, last_sync IS NULL, last_error IS NULL FROM conv_fdw.sync_status'),
	'0|t|t|t', 'nothing was copied, and deferring is no error');
is(scalar(grep { $_->{path} =~ m{^/api/ev/2/calls} } $sim->log_since($mark)),
	0, 'the worker made no request');

# the fastest window begins: the backfill runs to the end
my $fast = rate_limit(0);
$node->safe_psql(
	'postgres', qq{
	ALTER SERVER ev OPTIONS (SET rate_limit '$fast');
	UPDATE conv_fdw.prefetched SET next_sync = now();
});
ok( wait_until(60, sub {
		$node->safe_psql('postgres', 'SELECT last_sync IS NOT NULL FROM conv_fdw.sync_status') eq 't';
	}),
	'in the fastest window the backfill completes');
my $live = scalar @{ admin_json($sim, 'GET', 'execvision/calls') };
is($node->safe_psql('postgres', 'SELECT rows FROM conv_fdw.sync_status'),
	$live, 'the copy holds every live call');

# once the copy is complete, later rounds run in the slow window too
# (the calls first: the round that the UPDATE makes due may start at once)
admin_json($sim, 'POST', 'execvision/calls', { count => 2 });
$node->safe_psql(
	'postgres', qq{
	ALTER SERVER ev OPTIONS (SET rate_limit '$slow');
	UPDATE conv_fdw.prefetched SET next_sync = now();
});
ok( wait_until(30, sub {
		$node->safe_psql('postgres', 'SELECT rows FROM conv_fdw.sync_status') == $live + 2;
	}),
	'an incremental round runs in the slow window');

$node->stop;
$sim->stop;
done_testing();
