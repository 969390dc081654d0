# conv_fdw against Voicegain's call export, what pg_regress cannot show:
# every call exactly once across pages while calls are added and while a
# stuck call finishes; the consecutive export (call_id > n) stopping at the
# first call still being processed, saying so exactly when it withholds
# calls, and going on once the call is done; the vendor's per-minute quota
# (429 with Retry-After), which conv_fdw waits out; and a failing vendor.

use strict;
use warnings;

use IPC::Run ();
use JSON::PP ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

use ConvNode qw(fdw_node wait_until server_sql);
use ConvSim;

my $call_path = '/v1/sa/call';

# The simulator's quotas are raised: the tests below make hundreds of
# requests a minute.  The quota is tested on a simulator of its own.
my $sim = ConvSim->start(
	calls                => 1500,
	users                => 40,
	clock                => '2026-11-20T03:00:00Z',
	anchor               => '2026-11-20T02:00:00Z',
	voicegain_per_minute => 1000000,
	voicegain_per_hour   => 1000000,
	https                => 0);

my $node = fdw_node('fdw_voicegain');

# A Voicegain server named $name on $url with its schema of the same name.
sub vg_server_sql { return server_sql('voicegain', @_); }

$node->safe_psql('postgres',
	    'CREATE EXTENSION conv_fdw;'
	  . vg_server_sql('vg',   $sim->url, "rate_limit '100000/s'")
	  . vg_server_sql('vg50', $sim->url, "rate_limit '100000/s', page_size '50'"));

# The simulator's admin API; dies unless it answers 200.
sub admin
{
	my ($s, $method, $path, $body) = @_;
	my $res = $s->admin($method, $path, $body);
	die "$method /_admin/$path: $res->{status} $res->{content}"
	  unless $res->{status} == 200;
	return $res->{json};
}

# Every call, in callId order: callId, progressPhase, ...
sub all_calls { return @{ admin($sim, 'GET', 'voicegain/calls') }; }

sub finished { return $_[0]{progressPhase} eq 'DONE' || $_[0]{progressPhase} eq 'ERROR'; }

# The callIds a consecutive export after $after returns: those after it,
# up to the first call still being processed.
sub consecutive_ids
{
	my ($after, @calls) = @_;
	my @ids;
	foreach my $c (grep { $_->{callId} > $after } @calls)
	{
		last unless finished($c);
		push @ids, $c->{callId};
	}
	return @ids;
}

# Run SQL; returns (exit status, stdout, stderr).
sub run_sql
{
	my ($sql) = @_;
	return $node->psql('postgres', $sql);
}

# The notices "the vendor listed N of the M objects" in stderr, as [N, M].
sub listed_notices
{
	my ($stderr) = @_;
	my @notices;
	push @notices, [ $1, $2 ]
	  while $stderr =~ /NOTICE:  the vendor listed (\d+) of the (\d+) objects of calls that match/g;
	return @notices;
}

# The list requests logged after $mark.
sub call_requests
{
	my ($s, $mark) = @_;
	return grep { $_->{path} eq $call_path } $s->log_since($mark);
}

# Do the requests of one scan page through with one per_page, pages 1, 2, ...?
sub pages_in_order
{
	my ($per_page, @reqs) = @_;
	my $page = 1;
	foreach my $r (@reqs)
	{
		my %q = map { split /=/, $_, 2 } split /&/, $r->{query};
		return 0 unless ($q{per_page} // '') eq $per_page && ($q{page} // '') eq $page++;
	}
	return 1;
}

# Find duplicates and missing ids: returns (twice, missing) array refs.
sub compare_ids
{
	my ($returned, $expected) = @_;
	my %times;
	$times{$_}++ foreach @$returned;
	my @twice   = grep { $times{$_} > 1 } sort { $a <=> $b } keys %times;
	my @missing = grep { !$times{$_} } @$expected;
	return (\@twice, \@missing);
}

# Start a slow scan (each page takes 150 ms) in the background.
sub start_slow_scan
{
	my ($sql, $out, $err) = @_;
	admin($sim, 'POST', 'faults',
		{ path => $call_path, kind => 'latency', latency_ms => 150, count => -1 });
	return IPC::Run::start(
		[ $node->installed_command('psql'), '-XAtq', '-v', 'ON_ERROR_STOP=1',
		  '-d', $node->connstr('postgres'), '-c', $sql ],
		'>', $out, '2>', $err);
}

#
# The consecutive export (call_id > 0), 50 a page: it stops at the first
# call still being processed.  That call finishes while the scan pages, so
# the stop moves on to the next one: the scan goes on to it, every call
# once, and says that the calls from there on were withheld.
#
{
	my @before = all_calls();
	my @stuck  = map { $_->{callId} } grep { !finished($_) } @before;
	cmp_ok(scalar @stuck, '>=', 3, "calls still being processed: @stuck");
	my @upto_first = consecutive_ids(0, @before);
	cmp_ok(scalar @upto_first, '>', 500, scalar(@upto_first) . ' calls before the first, ' . $stuck[0]);

	my $mark = $sim->log_mark;
	my ($out, $err) = ('', '');
	my $scan = start_slow_scan('SELECT call_id FROM vg50.calls WHERE call_id > 0', \$out, \$err);
	ok(wait_until(60, sub { call_requests($sim, $mark) >= 4 }), 'the scan has read 4 pages');
	admin($sim, 'POST', "voicegain/calls/$stuck[0]/modify", { progressPhase => 'ERROR' });
	my $pages_then = call_requests($sim, $mark);
	cmp_ok($pages_then * 50, '<', scalar @upto_first,
		"$stuck[0] failed before the scan reached it (at page $pages_then)");
	$scan->finish;
	is($?, 0, 'the scan succeeded') or diag $err;
	admin($sim, 'DELETE', 'faults');

	my @after = all_calls();
	my @expected = consecutive_ids(0, @after);
	my ($now_stuck) = grep { !finished($_) } @after;
	is($now_stuck->{callId}, $stuck[1], "the export now stops at $stuck[1]");
	my @returned = split /\n/, $out;
	my ($twice, $missing) = compare_ids(\@returned, \@expected);
	is_deeply($twice,   [], 'no call was returned twice');
	is_deeply($missing, [], "every call up to $stuck[1] was returned, $stuck[0] too");
	is(scalar @returned, scalar @expected, 'and nothing else: ' . scalar(@returned) . ' rows');
	my $total = grep { $_->{callId} > 0 } @after;
	is_deeply([ listed_notices($err) ], [ [ scalar @expected, $total ] ],
		"one notice: the vendor listed " . scalar(@expected) . " of the $total calls");
	my @reqs = call_requests($sim, $mark);
	ok(pages_in_order(50, @reqs), 'pages 1 to ' . scalar(@reqs) . ', each of per_page=50');
	like($reqs[0]{query}, qr/^afterCallId=0&consecutive=true&format=json&page=1&per_page=50$/,
		'the consecutive export after callId 0');
}

#
# The whole list, 50 a page, while calls are added and calls change their
# phase (the export's order is callId ascending, new calls come last):
# every call once, the added ones too, and no notice.
#
{
	my @before = all_calls();
	my $mark = $sim->log_mark;
	my ($out, $err) = ('', '');
	my $scan = start_slow_scan('SELECT call_id FROM vg50.calls', \$out, \$err);

	ok(wait_until(60, sub { call_requests($sim, $mark) >= 6 }), 'the scan has read 6 pages');
	my @added = map { $_->{callId} }
	  @{ admin($sim, 'POST', 'voicegain/calls', { count => 30 }) };
	push @added, map { $_->{callId} }
	  @{ admin($sim, 'POST', 'voicegain/calls', { count => 5, progressPhase => 'QUEUED' }) };
	# the first stuck call (at 80%) finishes, a late one fails
	my ($stuck) = grep { !finished($_) } @before;
	admin($sim, 'POST', "voicegain/calls/$stuck->{callId}/modify", { progressPhase => 'DONE' });
	admin($sim, 'POST', "voicegain/calls/$before[-20]{callId}/modify", { progressPhase => 'ERROR' });
	my $pages_then = call_requests($sim, $mark);
	cmp_ok($pages_then * 50, '<', @before - 100,
		"calls were added before the scan reached the end (at page $pages_then)");

	$scan->finish;
	is($?, 0, 'the scan succeeded') or diag $err;
	admin($sim, 'DELETE', 'faults');

	my @returned = split /\n/, $out;
	my ($twice, $missing) = compare_ids(\@returned, [ map { $_->{callId} } @before ]);
	is_deeply($twice,   [], 'no call was returned twice');
	is_deeply($missing, [], 'every call that was there from the start was returned');
	is_deeply((compare_ids(\@returned, \@added))[1], [], 'the 35 calls added during the scan were returned');
	is(scalar @returned, @before + @added, 'and nothing else: ' . scalar(@returned) . ' rows');
	is_deeply([ listed_notices($err) ], [], 'no notice: nothing was withheld');
	my @reqs = call_requests($sim, $mark);
	ok(pages_in_order(50, @reqs), 'pages 1 to ' . scalar(@reqs) . ', each of per_page=50');
	unlike($reqs[0]{query}, qr/consecutive|afterCallId/, 'no consecutive export');
}

#
# The vendor's incremental export: a local copy goes on after the highest
# callId it has.  Each run stops before the first call still being
# processed and says so; once that call is done (an admin operation) the
# next run goes on past it.  The notice comes exactly when calls are
# withheld.
#
{
	$node->safe_psql('postgres', 'CREATE TABLE vg_copy AS SELECT * FROM vg.calls WHERE false');
	my $run_sql = q{INSERT INTO vg_copy SELECT * FROM vg.calls
		WHERE call_id > (SELECT coalesce(max(call_id), 0) FROM vg_copy)};

	# one run: the notices it gave, and whether the copy is as expected
	my $run = sub {
		my ($what) = @_;
		my @calls = all_calls();
		my $max = $node->safe_psql('postgres', 'SELECT coalesce(max(call_id), 0) FROM vg_copy');
		my @expected = consecutive_ids($max, @calls);
		my $withheld = scalar(grep { $_->{callId} > $max } @calls) - @expected;
		my ($ret, $stdout, $stderr) = run_sql($run_sql);
		is($ret, 0, "$what: the run succeeded") or diag $stderr;
		my $copy = $node->safe_psql('postgres',
			q{SELECT count(*) || ' ' || count(DISTINCT call_id) || ' ' ||
				coalesce(max(call_id), 0) FROM vg_copy});
		my @want = grep { $_->{callId} <= ($expected[-1] // $max) } @calls;
		is($copy, scalar(@want) . ' ' . scalar(@want) . ' ' . ($expected[-1] // $max),
			"$what: the copy has every call up to " . ($expected[-1] // $max) . ' once');
		my @notices = listed_notices($stderr);
		if ($withheld)
		{
			is_deeply(\@notices,
				[ [ scalar @expected, scalar @expected + $withheld ] ],
				"$what: a notice: " . scalar(@expected) . " listed, $withheld withheld");
		}
		else
		{
			is_deeply(\@notices, [], "$what: no notice, nothing withheld");
		}
		return scalar @expected;
	};

	my $n = $run->('first run');
	cmp_ok($n, '>', 1000, "first run: $n calls");
	is($run->('again, nothing new'), 0, 'again: no call');

	# finish the stuck calls one by one (one of them fails): each run goes
	# on to the next
	my @stuck = map { $_->{callId} } grep { !finished($_) } all_calls();
	foreach my $i (0 .. $#stuck)
	{
		admin($sim, 'POST', "voicegain/calls/$stuck[$i]/modify",
			{ progressPhase => $i == 1 ? 'ERROR' : 'DONE' });
		cmp_ok($run->("after $stuck[$i] finished"), '>=', 1,
			"after $stuck[$i] finished: from $stuck[$i] on");
	}
	$run->('all finished');

	# new calls: two done, one queued, two done
	admin($sim, 'POST', 'voicegain/calls', { count => 2 });
	my ($queued) = @{ admin($sim, 'POST', 'voicegain/calls', { count => 1, progressPhase => 'QUEUED' }) };
	admin($sim, 'POST', 'voicegain/calls', { count => 2 });
	is($run->('new calls'), 2, 'new calls: the two before the queued one');
	admin($sim, 'POST', "voicegain/calls/$queued->{callId}/modify", { progressPhase => 'TRANSCRIBING' });
	is($run->('still transcribing'), 0, 'still transcribing: no call');
	admin($sim, 'POST', "voicegain/calls/$queued->{callId}/modify", { progressPhase => 'DONE' });
	is($run->('transcribed'), 3, 'transcribed: it and the two after it');

	# a call deleted past the copy never comes, and stops nothing
	my ($gone) = @{ admin($sim, 'POST', 'voicegain/calls', { count => 3 }) };
	admin($sim, 'DELETE', "voicegain/calls/$gone->{callId}");
	is($run->('a deleted call'), 2, 'a deleted call: the other two');

	is($node->safe_psql('postgres',
			q{SELECT count(*) || ' ' || count(DISTINCT call_id) FROM vg_copy}),
		scalar(all_calls()) . ' ' . scalar(all_calls()),
		'the copy has every call once');
}

#
# The vendor refuses with 429 past its quota (here 4 requests a minute)
# and says when the minute ends (Retry-After); conv_fdw waits until then
# and goes on: 7 requests, one refused and asked again in the next minute.
#
{
	my $qsim = ConvSim->start(
		calls                => 300,
		users                => 20,
		clock                => '2026-11-20T03:00:00Z',
		anchor               => '2026-11-20T02:00:00Z',
		voicegain_per_minute => 4,
		https                => 0);
	$node->safe_psql('postgres',
		vg_server_sql('vgq', $qsim->url, "rate_limit '100/s', page_size '50'"));

	# the scan's 7 requests must fall in one minute of the simulator's
	# (wall clock) periods, else two minutes' quotas could admit them all
	my $second = (gmtime)[0];
	sleep(60 - $second + 0.5) if $second >= 45;
	my $mark = $qsim->log_mark;
	my ($ret, $stdout, $stderr) = run_sql('SELECT count(*), count(DISTINCT call_id) FROM vgq.calls');
	is($ret, 0, 'the scan over the quota succeeded') or diag $stderr;
	is($stdout, '300|300', 'every call once');
	my @reqs = call_requests($qsim, $mark);
	my @refused = grep { $_->{status} == 429 } @reqs;
	cmp_ok(scalar @refused, '>=', 1, scalar(@refused) . ' request(s) refused with 429');
	is(scalar(grep { $_->{status} == 200 } @reqs), 7, '7 pages answered (6 full, 1 empty)');
	# each refused request was asked again, after the minute ended
	foreach my $i (grep { $reqs[$_]{status} == 429 } 0 .. $#reqs)
	{
		my $next = $reqs[ $i + 1 ];
		is($next->{query}, $reqs[$i]{query}, "the refused $reqs[$i]{query} was asked again");
		is($next->{status}, 200, 'and answered');
		cmp_ok(substr($next->{t}, 0, 16), 'gt', substr($reqs[$i]{t}, 0, 16),
			"in the next minute ($reqs[$i]{t} -> $next->{t})");
	}
	ok(pages_in_order(50, grep { $_->{status} == 200 } @reqs),
		'the pages in order, each of per_page=50');
	my $status = $node->safe_psql('postgres',
		q{SELECT rate_limit || ' ' || throttled FROM conv_fdw.rate_status WHERE server = 'vgq'});
	is($status, '100/s false', 'rate_status: no longer throttled');
	$qsim->stop;
}

#
# A failing vendor: a 500 is retried; a malformed page is an error that
# names the request, with no partial result; a 400 is not retried.
#
{
	admin($sim, 'POST', 'faults', { path => $call_path, kind => 'status', status => 500 });
	my $mark = $sim->log_mark;
	my ($ret, $stdout, $stderr) = run_sql('SELECT count(*) FROM vg.calls WHERE call_id > 0');
	is($ret, 0, 'a 500 then success: the query succeeded') or diag $stderr;
	is($stdout, scalar(consecutive_ids(0, all_calls())), 'with every call');
	my @reqs = call_requests($sim, $mark);
	is_deeply([ map { $_->{status} } @reqs ], [ 500, (200) x (@reqs - 1) ], 'the 500 was retried');
	is($reqs[1]{query}, $reqs[0]{query}, 'the same request');

	# the second page turns into an HTML error page halfway
	admin($sim, 'POST', 'faults', [
		{ path => $call_path, kind => 'latency', latency_ms => 0, count => 1 },
		{ path => $call_path, kind => 'malformed' } ]);
	$mark = $sim->log_mark;
	($ret, $stdout, $stderr) = $node->psql('postgres', 'SELECT count(*) FROM vg50.calls',
		extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	@reqs = call_requests($sim, $mark);
	isnt($ret, 0, 'a malformed page: the query fails');
	is($stdout, '', 'no count, not even a partial one');
	is(scalar @reqs, 2, 'two requests: no retry, no page after it');
	like($stderr,
		qr/ERROR:  HV000: invalid JSON in the response to GET \Q$call_path?$reqs[1]{query}\E$/m,
		'the error names the request');
	like($stderr, qr/^HINT:  The vendor sent a malformed or truncated response\.$/m, 'with a hint');

	admin($sim, 'DELETE', 'faults');
	admin($sim, 'POST', 'faults', { path => $call_path, kind => 'status', status => 400 });
	$mark = $sim->log_mark;
	($ret, $stdout, $stderr) = run_sql('SELECT count(*) FROM vg.calls');
	isnt($ret, 0, 'a 400: the query fails');
	like($stderr, qr/failed with HTTP status 400/, 'naming the status');
	is(scalar(call_requests($sim, $mark)), 1, 'not retried');
	admin($sim, 'DELETE', 'faults');
}

$node->stop;
ok(!$node->log_contains(qr/(PANIC|server process .* was terminated)/), 'no backend crashed');
$sim->stop;
done_testing();
