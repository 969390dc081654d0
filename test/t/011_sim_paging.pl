# conv-sim, ExecVision paging: since (required, seconds ignored), limit
# (default 100, maxima per endpoint), since + last_id keyset paging in
# (modified, id) order through clusters larger than a page, the known bug
# that repeats the last_id object, and calls modified or deleted during a
# scan.

use strict;
use warnings;

use JSON::PP;
use PostgreSQL::Test::Utils;
use Test::More;

use ConvSim;
use EvSim qw(ev_get ev_json ev_scan admin_json iso_epoch);

my %data = (
	users  => 40,
	clock  => '2026-11-20T03:00:00Z',
	anchor => '2026-11-20T00:00:00Z');
my $since0 = '2000-01-01T00:00Z';

my $sim = ConvSim->start(%data, calls => 3000, https => 0);

# This test makes a few hundred requests; the rate windows have a test of
# their own (014), so serve these without them.
admin_json($sim, 'POST', 'config', { rate_limits => JSON::PP::false });

# Ids of a list of objects.
sub ids { return [ map { $_->{ $_[1] // 'id' } } @{ $_[0] } ]; }

# Assert a 400 with the vendor's JSON error.
sub is_400
{
	my ($res, $what, $message) = @_;

	is($res->{status}, 400, "$what: 400");
	ok( $res->{json}
		  && $res->{json}{error} eq 'Bad Request'
		  && $res->{json}{status} == 400
		  && length($res->{json}{message}),
		"$what: JSON error body") or diag $res->{content};
	like($res->{json}{message} // '', $message, "$what: the message says why")
	  if $message;
	return;
}

#
# since is required wherever the document lists it, and must be ISO 8601
# with a zone.
#
my @since_endpoints = qw(calls calls/deleted call_topics listens scores
  feedback shares meetings plans kpis);
foreach my $ep (@since_endpoints)
{
	is_400(ev_get($sim, "$ep?limit=5"), "$ep without since", qr/since/);
	is_400(ev_get($sim, "$ep?since=&limit=5"), "$ep with an empty since", qr/since/);
	is(ev_get($sim, "$ep?since=$since0&limit=5")->{status}, 200, "$ep with since: 200");
}

foreach my $bad ('yesterday', '2026-11-01T00:00', '2026-11-01', '2026-13-01T00:00Z',
	'2026-11-01T24:00Z', '2026-11-01T00:61Z', '2026-11-01T00:00+5', '2026-02-29T00:00Z',
	'2026-11-31T00:00Z', '2026-11-01T00:00:00.Z', '2026-11-01T00:00:61Z', '2026-11-01T00:00+24:00',
	'1762041600', '2026-11-01T00:00Z%20trailing',
	'2026-11-01T00:00+01:00')    # an unencoded '+' is a space in a query
{
	is_400(ev_get($sim, "calls?since=$bad&limit=5"), "calls?since=$bad", qr/since/);
	is_400(ev_get($sim, "kpis?since=$bad&limit=5"), "kpis?since=$bad", qr/since/);
}
foreach my $good ('2028-02-29T00:00Z', '2026-11-01T00:00Z', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00.123456Z',
	'2026-11-01T00:00-05:00', '2026-11-01T00:00%2B01:00', '2026-11-01T00:00:00%2B0100')
{
	is(ev_get($sim, "calls?since=$good&limit=5")->{status}, 200, "calls?since=$good: 200");
}
# an offset means what it says: 05:00+05:00 is midnight UTC
is_deeply(
	ids(ev_json($sim, 'calls?since=2026-11-01T05:00%2B05:00&limit=20')),
	ids(ev_json($sim, 'calls?since=2026-11-01T00:00Z&limit=20')),
	'since with an offset is converted to UTC');

#
# limit: default 100, at most 1000; 100 with render_templates=true and for
# call_topics; anything but a nonnegative integer is a 400.
#
is(scalar @{ ev_json($sim, "calls?since=$since0") }, 100, 'calls: limit defaults to 100');
is(scalar @{ ev_json($sim, "kpis?since=$since0") }, 100, 'kpis: limit defaults to 100');
is(scalar @{ ev_json($sim, "call_topics?since=$since0") }, 100,
	'call_topics: limit defaults to 100');
is(scalar @{ ev_json($sim, "calls?since=$since0&limit=1000") }, 1000, 'calls: limit=1000');
is(scalar @{ ev_json($sim, "calls?since=$since0&limit=0") }, 0, 'calls: limit=0 is an empty page');
is_400(ev_get($sim, "calls?since=$since0&limit=1001"), 'calls: limit=1001', qr/1000/);
is_400(ev_get($sim, "calls/deleted?since=$since0&limit=1001"), 'calls/deleted: limit=1001');
is_400(ev_get($sim, "kpis?since=$since0&limit=1001"), 'kpis: limit=1001');
is_400(ev_get($sim, "scores?since=$since0&limit=1001"), 'scores: limit=1001');
is(scalar @{ ev_json($sim, "calls?since=$since0&limit=100&render_templates=true") },
	100, 'calls with render_templates=true: limit=100');
is_400(ev_get($sim, "calls?since=$since0&limit=101&render_templates=true"),
	'calls with render_templates=true: limit=101', qr/100/);
is_400(ev_get($sim, "calls?since=$since0&limit=1000&render_templates=true"),
	'calls with render_templates=true: limit=1000');
is(scalar @{ ev_json($sim, "calls?since=$since0&limit=101&render_templates=false") },
	101, 'calls with render_templates=false: limit=101');
is(scalar @{ ev_json($sim, "call_topics?since=$since0&limit=100") }, 100, 'call_topics: limit=100');
is_400(ev_get($sim, "call_topics?since=$since0&limit=101"), 'call_topics: limit=101', qr/100/);
foreach my $bad ('-1', '1.5', 'ten', '', '1e3', '%2B5', '+5', '5%20', '0x10', '99999999999999999999')
{
	is_400(ev_get($sim, "calls?since=$since0&limit=$bad"), "calls: limit=$bad", qr/limit/);
	is_400(ev_get($sim, "shares?since=$since0&limit=$bad"), "shares: limit=$bad", qr/limit/);
}

#
# The admin's list of live calls is the truth the pagers are compared with:
# every live call, in (modified, id) order.
#
my $truth = admin_json($sim, 'GET', 'execvision/calls');
my @truth_ids = map { $_->{id} } @$truth;
cmp_ok(scalar @truth_ids, '>', 2900, 'the admin lists the live calls');
my @sorted = sort { $a->{modified} cmp $b->{modified} || $a->{id} cmp $b->{id} } @$truth;
is_deeply(\@truth_ids, ids(\@sorted), 'the admin list is in (modified, id) order');

#
# Seconds in since are ignored: since=HH:MM:45Z returns the objects from
# HH:MM:00 on.
#
my ($target) = grep { $_->{modified} =~ /T\d\d:\d\d:(\d\d)/ && $1 < 40 && $1 > 0 } @$truth[ 500 .. $#$truth ];
(my $minute = $target->{modified}) =~ s/:\d\d\.\d+Z$//;
my ($first_in_minute) = grep { $_->{modified} ge "$minute:00" } @$truth;
my $page = ev_json($sim, "calls?since=$minute:45Z&limit=3");
is($page->[0]{id}, $first_in_minute->{id},
	"since=$minute:45Z starts at the first call from $minute:00");
cmp_ok($page->[0]{modified}, 'lt', "$minute:45", 'which was modified before :45');
is_deeply(ids($page), ids(ev_json($sim, "calls?since=$minute:00Z&limit=3")),
	'since with seconds answers as since at the minute');
is_deeply(ids(ev_json($sim, "calls?since=$minute:59.999999Z&limit=3")), ids($page),
	'and so does since=:59.999999');
my $kpis = ev_json($sim, "kpis?since=$since0&limit=1000");
(my $kpi_minute = $kpis->[50]{observedAt}) =~ s/:00Z$//;
my ($kpi_first) = grep { $kpis->[$_]{observedAt} ge "$kpi_minute:00Z" } 0 .. $#$kpis;
is_deeply(ev_json($sim, "kpis?since=$kpi_minute:30Z&limit=5"),
	[ @$kpis[ $kpi_first .. $kpi_first + 4 ] ],
	"kpis: since=$kpi_minute:30Z starts at the observation of $kpi_minute:00");

#
# Without last_id a page is every call modified at or after the minute of
# since, in (modified, id) order.
#
$page = ev_json($sim, "calls?since=$minute:00Z&limit=1000");
my ($pos) = grep { $truth->[$_]{id} eq $page->[0]{id} } 0 .. $#$truth;
is_deeply(ids($page), [ @truth_ids[ $pos .. $pos + 999 ] ],
	'a page is the next 1000 calls of the (modified, id) order');
ok(!grep({ $truth->[$_]{modified} ge "$minute:00" } 0 .. $pos - 1),
	'and nothing before it is at or after since');

#
# The default repeat rate (0.25): a full scan meets the known bug at least
# once, not on every page, and still returns each live call once.
#
is(admin_json($sim, 'POST', 'execvision/config', {})->{repeat_last_id_rate},
	0.25, 'the repeat rate defaults to 0.25');
my $scan = ev_scan($sim, 'calls', limit => 100);
my $keyset_pages = @{ $scan->{pages} } - 1;
cmp_ok($scan->{repeats}, '>=', 1, "default rate: the bug hit $scan->{repeats} of $keyset_pages pages");
cmp_ok($scan->{repeats}, '<', $keyset_pages, 'default rate: but not every page');
is($scan->{duplicates}, $scan->{repeats}, 'default rate: the repeats are the only duplicates');
is_deeply(ids($scan->{objects}), \@truth_ids,
	'default rate, pages of 100: the pager returns exactly the live calls, in order');
my ($hit) = grep { defined $_->{last_id} && $_->{ids}[0] eq $_->{last_id} } @{ $scan->{pages} };
my $again = ev_json($sim, "calls?since=$hit->{since}&last_id=$hit->{last_id}&limit=100");
is_deeply(ids($again), $hit->{ids}, 'the same request repeats the bug again (a hash of the request)');

# Rate 1: every next page with limit > 1 starts with its last_id object.
admin_json($sim, 'POST', 'execvision/config', { repeat_last_id_rate => 1 });
$scan = ev_scan($sim, 'calls', limit => 100);
$keyset_pages = @{ $scan->{pages} } - 1;
is($scan->{repeats}, $keyset_pages, "rate 1: all $keyset_pages pages with last_id repeat it");
is_deeply(ids($scan->{objects}), \@truth_ids, 'rate 1: the deduplicating pager is still exact');
is(scalar @{ $scan->{pages}[1]{ids} }, 100, 'rate 1: a repeating page is still a full page');
(my $late = $truth->[-40]{modified}) =~ s/:\d\d\.\d+Z$/:00/;
$scan = ev_scan($sim, 'calls', limit => 2, since => "${late}Z", max_pages => 100);
is($scan->{repeats}, @{ $scan->{pages} } - 1, 'rate 1: with limit=2 too');
is_deeply(ids($scan->{objects}), [ map { $_->{id} } grep { $_->{modified} ge $late } @$truth ],
	'rate 1, limit=2: the pager ends exactly');

# ... but never with limit=1, which could not progress.
my ($since, $last_id) = ($truth->[0]{modified}, $truth->[0]{id});
my @walk;
for (1 .. 15)
{
	my $p = ev_json($sim, "calls?since=$since&last_id=$last_id&limit=1");
	push @walk, $p->[0]{id};
	($since, $last_id) = ($p->[0]{modified}, $p->[0]{id});
}
is_deeply(\@walk, [ @truth_ids[ 1 .. 15 ] ], 'rate 1, limit=1: no page repeats, each is the next call');

# The bug hits calls/deleted and call_topics alike.
my $deleted_truth = admin_json($sim, 'GET', 'execvision/deleted');
cmp_ok(scalar @$deleted_truth, '>=', 25, 'one call in a hundred is deleted');
$scan = ev_scan($sim, 'calls/deleted', limit => 7);
is($scan->{repeats}, @{ $scan->{pages} } - 1, 'rate 1: calls/deleted pages repeat last_id');
is_deeply(ids($scan->{objects}), ids($deleted_truth), 'rate 1: calls/deleted pager is exact');
$page = ev_json($sim, "call_topics?since=$truth->[100]{modified}&last_id=$truth->[100]{id}&limit=3");
is($page->[0]{callId}, $truth->[100]{id}, 'rate 1: a call_topics page repeats last_id');

# Rate 0: never.
admin_json($sim, 'POST', 'execvision/config', { repeat_last_id_rate => 0 });
$scan = ev_scan($sim, 'calls', limit => 100);
is($scan->{repeats} + $scan->{duplicates}, 0, 'rate 0: no page repeats its last_id');
is_deeply(ids($scan->{objects}), \@truth_ids, 'rate 0: the pager is exact');
$scan = ev_scan($sim, 'calls', limit => 1000);
is($scan->{repeats} + $scan->{duplicates}, 0, 'rate 0, pages of 1000: no repeats');
is_deeply(ids($scan->{objects}), \@truth_ids, 'rate 0, pages of 1000: the pager is exact');

# call_topics pages the same calls, COMPLETE ones only (the last hundred
# or so: an element with its topic matches is some 25 kB of JSON).
(my $topics_from = $truth->[-120]{modified}) =~ s/:\d\d\.\d+Z$/:00/;
$scan = ev_scan($sim, 'call_topics', limit => 15, since => "${topics_from}Z");
is_deeply(ids($scan->{objects}, 'callId'),
	[ map { $_->{id} } grep { $_->{state} eq 'COMPLETE' && $_->{modified} ge $topics_from } @$truth ],
	'call_topics: the pager returns exactly the COMPLETE calls, in order');
cmp_ok(scalar @{ $scan->{pages} }, '>', 5, 'call_topics: over several pages');

#
# Calls modified during a scan move to the end of the order, so the pager
# sees them again; deleted calls leave calls and join calls/deleted.
#
my $seen_early = $truth->[10];      # on the first page
my $not_yet    = $truth->[2500];    # on a later page
my $gone       = $truth->[2600];    # deleted before the pager reaches it
my (%changed, @deleted_now);
$scan = ev_scan(
	$sim, 'calls',
	limit   => 100,
	on_page => sub {
		my ($n) = @_;
		return unless $n == 3;
		admin_json($sim, 'POST', 'clock', { now => '2026-11-20T04:00:00Z' });
		foreach my $c ($seen_early, $not_yet)
		{
			my $res = admin_json($sim, 'POST', "execvision/calls/$c->{id}/modify",
				{ metadata => { region => 'EMEA' } });
			$changed{ $c->{id} } = $res->{modified};
		}
		push @deleted_now, admin_json($sim, 'DELETE', "execvision/calls/$gone->{id}")->[0];
	});
my @all = map { $_->{id} } @{ $scan->{all} };
is(scalar(grep { $_ eq $seen_early->{id} } @all), 2,
	'a call modified after the pager read it is returned again');
is(scalar(grep { $_ eq $not_yet->{id} } @all), 1,
	'a call modified before the pager reached it is returned once');
my @tail = @{ $scan->{all} }[ -2, -1 ];
is_deeply([ sort map { $_->{id} } @tail ], [ sort keys %changed ],
	'both modified calls come last');
is_deeply([ map { $_->{modified} } @tail ], [ map { $changed{ $_->{id} } } @tail ],
	'with their new modified time');
like($tail[0]{modified}, qr/^2026-11-20T04:00:/, 'which is the simulated now');
is($tail[0]{metadata}{region}, 'EMEA', 'with the changed metadata');
ok(!grep({ $_ eq $gone->{id} } @all), 'a call deleted during the scan is not returned');

my $truth2 = admin_json($sim, 'GET', 'execvision/calls');
is(scalar @$truth2, scalar(@$truth) - 1, 'the admin list lost the deleted call');
is_deeply([ sort map { $_->{id} } @{ $scan->{objects} } ], [ sort map { $_->{id} } @$truth2 ],
	'the pager saw every live call');

admin_json($sim, 'POST', 'execvision/config', { repeat_last_id_rate => 0.25 });
my $deleted_scan = ev_scan($sim, 'calls/deleted', limit => 7);
is($deleted_scan->{objects}[-1]{id}, $gone->{id}, 'the deleted call comes last in calls/deleted');
is($deleted_scan->{objects}[-1]{deletedAt}, $deleted_now[0]{deletedAt},
	'deletedAt is when it was deleted');
like($deleted_scan->{objects}[-1]{deletedAt}, qr/^2026-11-20T04:00:/, 'the simulated now');
is_deeply(ids($deleted_scan->{objects}), ids(admin_json($sim, 'GET', 'execvision/deleted')),
	'the calls/deleted pager returns exactly the admin list of deleted calls');
cmp_ok($deleted_scan->{repeats}, '>', 0, 'calls/deleted pages hit the bug at the default rate');
my @deleted_sorted = sort { $a->{deletedAt} cmp $b->{deletedAt} || $a->{id} cmp $b->{id} }
  @{ $deleted_scan->{objects} };
is_deeply(ids($deleted_scan->{objects}), ids(\@deleted_sorted), 'in (deletedAt, id) order');
$sim->stop;

#
# A data set whose bulk-update cluster (calls with one identical modified)
# is larger than the largest page; the bug on every page (set by option).
#
my $big = ConvSim->start(%data, calls => 24000, https => 0,
	execvision_repeat_last_id_rate => 1);
admin_json($big, 'POST', 'config', { rate_limits => JSON::PP::false });
$truth     = admin_json($big, 'GET', 'execvision/calls');
@truth_ids = map { $_->{id} } @$truth;
my %per_time;
$per_time{ $_->{modified} }++ foreach @$truth;
my ($cluster) = sort { $per_time{$b} <=> $per_time{$a} } keys %per_time;
cmp_ok($per_time{$cluster}, '>', 1000,
	"a cluster of $per_time{$cluster} calls shares modified $cluster");
like($cluster, qr/T\d\d:\d\d:00\.000000Z$/, 'on a whole minute');
is(scalar(grep { $per_time{$_} > 100 } keys %per_time), 4, 'four clusters are larger than 100');


# Page from a minute before the cluster to the end (the full scans from the
# start were made above, on the small data set; decoding 24000 calls with
# JSON::PP would take half a minute).
(my $before = iso_epoch($cluster) - 60) =~ s/\..*//;
my @t = gmtime $before;
my $from = sprintf '%04d-%02d-%02dT%02d:%02d', $t[5] + 1900, $t[4] + 1, @t[ 3, 2, 1 ];
my @expected = map { $_->{id} } grep { $_->{modified} ge "$from:00" } @$truth;
cmp_ok(scalar @expected, '>', $per_time{$cluster}, "the calls from $from are more than the cluster");
foreach my $limit (100, 1000)
{
	$scan = ev_scan($big, 'calls', limit => $limit, since => "${from}Z");
	is(scalar @{ $scan->{objects} }, scalar @expected, "pages of $limit: as many calls as the admin lists");
	is_deeply([ sort @{ ids($scan->{objects}) } ], [ sort @expected ],
		"pages of $limit: the same ids as the admin lists");
	is_deeply(ids($scan->{objects}), \@expected, "pages of $limit: in the same order");
	is($scan->{repeats}, @{ $scan->{pages} } - 1, "pages of $limit: every page repeated its last_id");
	my @inside = grep { defined $_->{last_id} && $_->{since} eq $cluster } @{ $scan->{pages} };
	cmp_ok(scalar @inside, '>=', 1, "pages of $limit: some pages started inside the cluster");
}
$big->stop;

done_testing();
