# conv-sim, ExecVision rate windows: 5 requests/s from 06:00 to 21:00 New
# York time, 25/s otherwise (by the simulated clock, DST included).
# Requests above the rate are queued, not rejected, in evenly spaced slots;
# one that would wait the queue timeout or longer waits that long and gets
# a 504.

use strict;
use warnings;

use HTTP::Tiny;
use IO::Handle;
use JSON::PP;
use List::Util qw(max min sum);
use MIME::Base64 qw(encode_base64);
use POSIX ();
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

use ConvSim;
use EvSim qw(admin_json iso_epoch);

my $sim = ConvSim->start(
	calls  => 200,
	users  => 20,
	clock  => '2026-11-20T15:00:00Z',    # 10:00 in New York (EST)
	anchor => '2026-11-20T00:00:00Z',
	https  => 0);
my $auth = 'Basic ' . encode_base64('ev-user:ev-secret', '');

# Make $n requests of GET /api/ev/2/$path at once, from $n processes that
# start together; returns one hash per request: status, seconds taken
# (elapsed) and body, in the order they finished.
sub concurrently
{
	my ($n, $path) = @_;

	pipe(my $go_r, my $go_w) or die "pipe: $!";
	my @kids;
	for my $i (1 .. $n)
	{
		pipe(my $r, my $w) or die "pipe: $!";
		my $pid = fork // die "fork: $!";
		if ($pid == 0)
		{
			close $go_w;
			close $r;
			my $http = HTTP::Tiny->new(proxy => undef, http_proxy => undef,
				https_proxy => undef, timeout => 90, keep_alive => 0);
			sysread($go_r, my $buf, 1);    # returns when the parent says go
			my $t0 = time;
			my $res = $http->get($sim->url . "/api/ev/2/$path",
				{ headers => { Authorization => $auth } });
			my $t1 = time;
			$w->autoflush(1);
			print $w JSON::PP->new->encode({
				status  => $res->{status},
				elapsed => $t1 - $t0,
				end     => $t1,
				body    => $res->{content} // '' });
			close $w;
			POSIX::_exit(0);
		}
		close $w;
		push @kids, [ $pid, $r ];
	}
	close $go_r;
	sleep 0.2;    # every child is waiting on the go pipe
	close $go_w;
	my @results;
	foreach my $kid (@kids)
	{
		my $fh = $kid->[1];
		local $/;
		my $text = <$fh>;
		close $fh;
		waitpid($kid->[0], 0);
		push @results, JSON::PP->new->decode($text);
	}
	return sort { $a->{end} <=> $b->{end} } @results;
}

# The counters of GET /_admin/rate for ExecVision.
sub rate { return admin_json($sim, 'GET', 'rate')->{execvision}; }

# Set the simulated clock, and wait out the spacing after the last slot
# of earlier requests (at most 0.2 s), so that the next ones start afresh.
sub at
{
	my ($iso) = @_;

	admin_json($sim, 'POST', 'clock', { now => $iso });
	sleep 0.25;
	return;
}

# The most log entries within any span of 1 s starting at an entry.
sub max_per_second
{
	my @t = sort { $a <=> $b } map { iso_epoch($_->{t}) } @_;
	my $most = 0;
	foreach my $i (0 .. $#t)
	{
		my $n = grep { $_ >= $t[$i] && $_ < $t[$i] + 1 } @t[ $i .. $#t ];
		$most = $n if $n > $most;
	}
	return $most;
}

# Smallest gap between consecutive log entries.
sub min_gap
{
	my @t = sort { $a <=> $b } map { iso_epoch($_->{t}) } @_;
	return min map { $t[$_] - $t[ $_ - 1 ] } 1 .. $#t;
}

#
# Day window: 5/s. Eight requests at once are served one every 0.2 s, the
# last about 1.4 s after the first; none is rejected.
#
is(rate()->{per_second}, 5, 'at 10:00 New York time the rate is 5/s');
my $before = rate();
my $mark = $sim->log_mark;
my @day = concurrently(8, 'check');
is_deeply([ map { $_->{status} } @day ], [ (200) x 8 ], 'day: queued requests are served, not rejected');
my $slowest = max map { $_->{elapsed} } @day;
cmp_ok($slowest, '>=', 1.3, sprintf('day: 8 requests take about 7/5 s (%.2f s)', $slowest));
cmp_ok($slowest, '<', 2.2, 'day: but not much longer');
my @log = grep { $_->{path} eq '/api/ev/2/check' } $sim->log_since($mark);
is(scalar @log, 8, 'day: the log has the 8 requests');
my @waits = map { $_->{queue_wait_ms} } @log;
ok(!grep({ $waits[$_] <= $waits[ $_ - 1 ] } 1 .. $#waits), 'day: queue_wait_ms grows request by request')
  or diag "@waits";
cmp_ok($waits[0], '<', 50, 'day: the first request did not wait');
cmp_ok(abs($waits[-1] - 1400), '<', 100, "day: the last waited about 1400 ms ($waits[-1])");
cmp_ok(min_gap(@log), '>', 0.15, sprintf('day: requests are at least ~0.2 s apart (%.3f)', min_gap(@log)));
# The log's t is when the response was queued, a little after the request's
# slot; that jitter can bring the request of the slot exactly 1 s after
# another one into a 1 s span that starts at that other one, hence + 1.
cmp_ok(max_per_second(@log), '<=', 5 + 1, 'day: at most 5 (+1 for the edge) requests in any 1 s of the log');

my $after = rate();
is($after->{admitted} - $before->{admitted}, 8, '/_admin/rate: 8 more admitted');
is($after->{queued} - $before->{queued}, 7, '/_admin/rate: 7 of them were queued');
cmp_ok(abs(($after->{total_wait_ms} - $before->{total_wait_ms}) - sum(@waits)), '<', 10,
	'/_admin/rate: total_wait_ms grew by the waits in the log');
is($after->{timed_out}, $before->{timed_out}, '/_admin/rate: none timed out');

#
# Night window: 25/s. Twenty-six requests at once take about a second.
#
at('2026-11-20T03:00:00Z');    # 22:00 in New York
is(rate()->{per_second}, 25, 'at 22:00 New York time the rate is 25/s');
$mark = $sim->log_mark;
my @night = concurrently(26, 'check');
is(scalar(grep { $_->{status} == 200 } @night), 26, 'night: all 26 served');
$slowest = max map { $_->{elapsed} } @night;
cmp_ok($slowest, '>=', 0.9, sprintf('night: 26 requests take about 25/25 s (%.2f s)', $slowest));
cmp_ok($slowest, '<', 1.8, 'night: not the 5 s of the day window');
@log = grep { $_->{path} eq '/api/ev/2/check' } $sim->log_since($mark);
cmp_ok(min_gap(@log), '>', 0.025, sprintf('night: requests are at least ~0.04 s apart (%.3f)', min_gap(@log)));
cmp_ok(max_per_second(@log), '<=', 25 + 1, 'night: at most 25 (+1 for the edge) requests in any 1 s');
cmp_ok(max(map { $_->{queue_wait_ms} } @log), '>', 900, 'night: the last one queued about 1 s');

#
# The queue timeout: with 1 s, requests that would wait 1 s or more wait
# 1 s and get a 504; the others are served.
#
at('2026-11-20T15:00:00Z');
admin_json($sim, 'POST', 'config', { queue_timeout_s => 1 });
$before = rate();
$mark = $sim->log_mark;
my @timeout = concurrently(10, 'check');
my @late = grep { $_->{status} == 504 } @timeout;
my @served = grep { $_->{status} == 200 } @timeout;
is(@late + @served, 10, 'timeout: each request is served or times out');
cmp_ok(scalar @late, '>=', 3, scalar(@late) . ' of 10 requests timed out');
cmp_ok(scalar @served, '>=', 5, scalar(@served) . ' were served, those that waited less than 1 s');
ok(!grep({ $_->{elapsed} < 0.95 || $_->{elapsed} > 1.6 } @late), 'a 504 comes after waiting the 1 s timeout')
  or diag explain [ map { $_->{elapsed} } @late ];
ok(!grep({ $_->{elapsed} > 1.1 } @served), 'the served ones waited less');
my $err = eval { JSON::PP->new->decode($late[0]{body}) } // {};
is($err->{status}, 504, 'a 504 has a JSON error body');
@log = grep { $_->{path} eq '/api/ev/2/check' } $sim->log_since($mark);
is_deeply([ map { $_->{queue_wait_ms} + 0 } grep { $_->{status} == 504 } @log ],
	[ (1000) x @late ], 'the log has each 504 with queue_wait_ms 1000');
$after = rate();
is($after->{timed_out} - $before->{timed_out}, scalar @late, '/_admin/rate: timed_out counts them');
is($after->{admitted} - $before->{admitted}, scalar @served, '/_admin/rate: admitted counts the others');
admin_json($sim, 'POST', 'config', { queue_timeout_s => 60 });

#
# The window follows New York local time, DST included: the same UTC time
# of day is in the night window in November (EST, -5) and in the day
# window in July (EDT, -4).
#
my %window = (
	'2026-11-20T10:30:00Z' => 25,    # 05:30 EST
	'2026-11-20T10:59:30Z' => 25,    # 05:59:30 EST
	'2026-11-20T11:00:10Z' => 5,     # 06:00:10 EST
	'2026-11-21T01:59:30Z' => 5,     # 20:59:30 EST
	'2026-11-21T02:00:10Z' => 25,    # 21:00:10 EST
	'2026-07-15T09:59:30Z' => 25,    # 05:59:30 EDT
	'2026-07-15T10:00:10Z' => 5,     # 06:00:10 EDT
	'2026-07-15T10:30:00Z' => 5,     # 06:30 EDT
	'2026-07-16T00:59:30Z' => 5,     # 20:59:30 EDT
	'2026-07-16T01:00:10Z' => 25,    # 21:00:10 EDT
	'2026-03-08T06:30:00Z' => 25,    # 01:30 EST, the night DST begins
	'2026-03-08T10:30:00Z' => 5,     # 06:30 EDT, the same morning
);
foreach my $t (sort keys %window)
{
	admin_json($sim, 'POST', 'clock', { now => $t });
	is(rate()->{per_second}, $window{$t}, "at $t the rate is $window{$t}/s");
}

# and the queue follows the window: four requests at 10:30 UTC
at('2026-07-15T10:30:00Z');
$slowest = max map { $_->{elapsed} } concurrently(4, 'check');
cmp_ok($slowest, '>=', 0.55, sprintf('July 10:30 UTC (06:30 EDT): 4 requests take 3/5 s (%.2f)', $slowest));
at('2026-11-20T10:30:00Z');
$slowest = max map { $_->{elapsed} } concurrently(4, 'check');
cmp_ok($slowest, '<', 0.35, sprintf('November 10:30 UTC (05:30 EST): 3/25 s (%.2f)', $slowest));

#
# Without rate limits nothing is queued.
#
admin_json($sim, 'POST', 'config', { rate_limits => JSON::PP::false });
at('2026-11-20T15:00:00Z');
is(rate()->{per_second}, undef, 'rate_limits false: no rate in force');
$mark = $sim->log_mark;
$slowest = max map { $_->{elapsed} } concurrently(10, 'check');
cmp_ok($slowest, '<', 0.5, sprintf('rate_limits false: 10 requests at once are not queued (%.2f s)', $slowest));
is(max(map { $_->{queue_wait_ms} } $sim->log_since($mark)), 0, 'rate_limits false: no queue wait logged');
admin_json($sim, 'POST', 'config', { rate_limits => JSON::PP::true });

# Admin requests are never rate limited.
my $t0 = time;
admin_json($sim, 'GET', 'health') for 1 .. 20;
cmp_ok(time - $t0, '<', 1, 'the admin interface is not rate limited');
$sim->stop;

done_testing();
