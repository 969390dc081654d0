# conv-sim, CCAI Platform Manager API: HTTP Basic with the subdomain and
# API token; bare JSON arrays paged by page and per (at most 100) with the
# Total, Per-Page and Link headers; tailing on updated_at (agents on
# status_updated_at, activity on started_at) with an inclusive [from], an
# exclusive [to] and a timestamp shared by more calls than a page; objects
# with realistic nulls and keys a client does not know; 400s, 404s and
# 405s; the admin operations; the request log; and 429 with Retry-After
# above the per-second quota.

use strict;
use warnings;

use JSON::PP;
use List::Util qw(all any first max min sum uniq);
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep time);

use ConvSim;
use CcaiSim qw(ccai_get ccai_json ccai_links ccai_walk ccai_tail $CCAI_PREFIX);
use EvSim qw(admin_json iso_epoch);

my %data = (
	calls  => 3000,
	clock  => '2026-11-20T03:00:00Z',
	anchor => '2026-11-20T00:00:00Z');
my $sim = ConvSim->start(%data);
my $base = $sim->url . $CCAI_PREFIX;

# The quota has a test of its own at the end; serve the rest without it.
admin_json($sim, 'POST', 'config', { rate_limits => JSON::PP::false });

my $time_re = qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

# Ids of a list of objects.
sub ids { return [ map { $_->{id} } @{ $_[0] } ]; }

# Assert an error status with the simulator's JSON error body.
sub is_error
{
	my ($res, $status, $what, $message) = @_;

	is($res->{status}, $status, "$what: $status");
	is($res->{json} && $res->{json}{status}, $status, "$what: JSON error body")
	  or diag $res->{content};
	like($res->{json}{message} // '', $message, "$what: the message says why") if $message;
	return;
}

# Whole seconds between two times, rounded as the API rounds durations.
sub seconds { return int(iso_epoch($_[1]) - iso_epoch($_[0]) + 0.5); }

#
# Authentication: HTTP Basic, the subdomain as user and the token as password.
#
my $res = $sim->get("${CCAI_PREFIX}settings/organization");
is($res->{status}, 401, 'no credentials: 401');
is($res->{headers}{'www-authenticate'}, 'Basic realm="Application"', '401: WWW-Authenticate');
is(ccai_get($sim, 'settings/organization', password => 'wrong')->{status}, 401, 'a wrong token: 401');
is(ccai_get($sim, 'settings/organization', user => 'globex')->{status}, 401,
	'another subdomain: 401');
is(ccai_get($sim, 'settings/organization', user => 'ev-user', password => 'ev-secret')->{status},
	401, "ExecVision's credentials: 401");
is($sim->get("${CCAI_PREFIX}calls", token => 'ccai-token')->{status}, 401, 'a bearer token: 401');
$res = ccai_get($sim, 'settings/organization');
is($res->{status}, 200, 'the right credentials: 200');
like($res->{headers}{'content-type'}, qr{^application/json; charset=utf-8$}, 'JSON in UTF-8');
is(ref $res->{json}, 'HASH', 'settings/organization is a bare object');
is($res->{json}{subdomain}, 'acme', 'of the subdomain');
ok(!defined $res->{headers}{total} && !defined $res->{headers}{link},
	'a single object has no paging headers');

#
# Paging: page (1-based) and per (default 100, at most 100); Total,
# Per-Page, and Link with first/prev before and next/last after.
#
$res = ccai_get($sim, 'calls');
is(ref $res->{json}, 'ARRAY', 'calls is a bare array');
is(scalar @{ $res->{json} }, 100, 'per defaults to 100');
is($res->{headers}{total}, 3000, 'Total: every call');
is($res->{headers}{'per-page'}, 100, 'Per-Page: 100');
like($res->{content}, qr/^\[\{"id":15001,/, 'ids are JSON numbers, the first 15001');
is_deeply(ccai_links($res),
	{ next => "${base}calls?page=2", last => "${base}calls?page=30" },
	'page 1 links to the next and the last page, absolute, from the Host header');
is(ref $res->{headers}{link}, '', 'the links in one Link field, as the gem sends them');

$res = ccai_get($sim, 'calls?per=500');
is(scalar @{ $res->{json} }, 100, 'per=500 is taken as 100, without an error');
is($res->{headers}{'per-page'}, 100, 'and Per-Page says 100');
is(ccai_links($res)->{next}, "${base}calls?page=2&per=500", 'the links keep per=500');
my $p2 = ids(ccai_json($sim, 'calls?per=10&page=2'));
is_deeply($p2, [ @{ ids($res->{json}) }[ 10 .. 19 ] ], 'per=10&page=2: the 11th to 20th call');
foreach my $junk ('abc', '0', '-5', '')
{
	is(ccai_get($sim, "calls?per=$junk")->{headers}{'per-page'}, 100, "per=$junk: the default 100");
}
is_deeply(ids(ccai_json($sim, 'calls?per=10&page=2x')), $p2, 'page=2x reads as 2 (Ruby to_i)');
foreach my $junk ('abc', '0', '-3')
{
	is_deeply(ids(ccai_json($sim, "calls?per=10&page=$junk")),
		ids(ccai_json($sim, 'calls?per=10')), "page=$junk: the first page");
}

# Every other parameter stays in the links, re-encoded and sorted as Rails' to_query does.
$res = ccai_get($sim, 'calls?per=7&zeta=a%20b%2Fc&page=3&alpha=x:y');
is_deeply(ccai_links($res), {
		first => "${base}calls?alpha=x%3Ay&page=1&per=7&zeta=a+b%2Fc",
		prev  => "${base}calls?alpha=x%3Ay&page=2&per=7&zeta=a+b%2Fc",
		next  => "${base}calls?alpha=x%3Ay&page=4&per=7&zeta=a+b%2Fc",
		last  => "${base}calls?alpha=x%3Ay&page=429&per=7&zeta=a+b%2Fc" },
	'the links keep every other parameter; unknown ones change nothing');
is(ccai_links(ccai_get($sim, 'teams?per=3', tls => 1))->{next},
	'https://localhost:' . $sim->https_port . "${CCAI_PREFIX}teams?page=2&per=3",
	'over https the links are https');

# Following rel="next" reads every call once, in id order.
my $walk = ccai_walk($sim, 'calls');
my @calls = @{ $walk->{objects} };
is($walk->{pages}, 30, 'calls: 30 pages of 100');
is(scalar @calls, 3000, 'calls: 3000 objects');
is(scalar(uniq @{ ids(\@calls) }), 3000, 'calls: each once');
ok((all { $calls[$_]{id} > $calls[ $_ - 1 ]{id} } 1 .. $#calls), 'calls: ids ascending');
ok((any { $calls[$_]{id} > $calls[ $_ - 1 ]{id} + 1 } 1 .. $#calls),
	'ids have gaps: they are no count');
my $last = $walk->{responses}[-1];
is_deeply(ccai_links($last), { first => "${base}calls?page=1", prev => "${base}calls?page=29" },
	'the last page has no next and no last link');
$res = ccai_get($sim, 'calls?page=31');
is_deeply($res->{json}, [], 'a page past the end is []');
is($res->{headers}{total}, 3000, 'with the Total');
is_deeply([ sort keys %{ ccai_links($res) } ], [qw(first prev)], 'and no next link');
ok(!defined ccai_get($sim, 'teams')->{headers}{link}, 'a single page has no Link at all');

my %sizes;
foreach my $ep (qw(chats agents agent_activity_logs teams menus user_statuses))
{
	my $w = ccai_walk($sim, $ep);
	my $n = scalar @{ $w->{objects} };
	$sizes{$ep} = $n;
	is($w->{totals}[0], $n, "$ep: Total is the number of objects paged through");
	is(scalar(uniq @{ ids($w->{objects}) }), $n, "$ep: each once");
	ok((all { $w->{objects}[$_]{id} > $w->{objects}[ $_ - 1 ]{id} } 1 .. $n - 1),
		"$ep: in id order");
}
is($sizes{chats}, 1500, 'chats: calls/2');
is($sizes{agents}, 50, 'agents: 50');
cmp_ok(abs($sizes{agent_activity_logs} - 3000), '<', 300, 'activity: about calls');
is_deeply([ @sizes{qw(teams menus user_statuses)} ], [ 8, 13, 7 ], 'teams, menus, user statuses');

#
# Tailing: <time>[from] inclusive, <time>[to] exclusive, sort_column then id.
#
my $truth = admin_json($sim, 'GET', 'ccai/calls');
is(scalar @$truth, 3000, 'the admin lists every call');
my @by_updated = sort { $a->{updated_at} cmp $b->{updated_at} || $a->{id} <=> $b->{id} } @$truth;
my $t1 = $by_updated[2000]{updated_at};
my @tail_truth = grep { $_->{updated_at} ge $t1 } @by_updated;
my $q = "updated_at%5Bfrom%5D=$t1&sort_column=updated_at&sort_direction=ASC";
$res = ccai_get($sim, "calls?$q");
is_deeply(ids($res->{json}), [ map { $_->{id} } @tail_truth[ 0 .. 99 ] ],
	'updated_at[from]: the calls updated at or after it, by (updated_at, id)');
is($res->{headers}{total}, scalar @tail_truth, 'Total counts the tail');
is($res->{json}[0]{updated_at}, $t1, 'the bound itself is included');
is(ccai_get($sim, "calls?updated_at[from]=$t1&sort_column=updated_at&sort_direction=ASC")->{content},
	$res->{content}, 'the brackets may come unencoded');
is(ccai_get($sim, "calls?$q&page=2")->{json}[0]{id}, $tail_truth[100]{id}, 'page 2 of the tail');
(my $t1_escaped = $t1) =~ s/:/%3A/g;
is(ccai_links($res)->{next},
	"${base}calls?page=2&sort_column=updated_at&sort_direction=ASC&updated_at%5Bfrom%5D=$t1_escaped",
	"a tail's next link keeps its bound and order, re-encoded");
my @desc = reverse @tail_truth;
is_deeply(ids(ccai_json($sim, "calls?updated_at%5Bfrom%5D=$t1&sort_column=updated_at&sort_direction=DESC")),
	[ map { $_->{id} } @desc[ 0 .. 99 ] ], 'sort_direction=DESC: newest first, then id descending');
is_deeply(ids(ccai_json($sim, "calls?updated_at%5Bfrom%5D=$t1&sort_column=updated_at&sort_direction=asc")),
	ids($res->{json}), 'asc in lower case too');
my $t2 = $by_updated[2050]{updated_at};
my @window = grep { $_->{updated_at} ge $t1 && $_->{updated_at} lt $t2 } @by_updated;
$res = ccai_get($sim, "calls?$q&updated_at%5Bto%5D=$t2");
is_deeply(ids($res->{json}), [ map { $_->{id} } @window ], 'updated_at[to]: exclusive');
ok(!(any { $_->{updated_at} eq $t2 } @{ $res->{json} }), 'nothing updated at the [to] bound');
$res = ccai_get($sim, "calls?updated_at%5Bfrom%5D=$t1&per=100");
is($res->{headers}{total}, scalar @tail_truth, 'without sort_column: the same calls');
is_deeply(ids($res->{json}), [ (sort { $a <=> $b } map { $_->{id} } @tail_truth)[ 0 .. 99 ] ],
	'in id order');
my $c1 = $calls[1000]{created_at};
is_deeply(ids(ccai_json($sim, "calls?created_at%5Bfrom%5D=$c1&sort_column=created_at&per=5")),
	ids([ @calls[ 1000 .. 1004 ] ]), 'created_at[from] with sort_column=created_at');
is(ccai_get($sim, 'calls?updated_at%5Bgte%5D=2026-11-19T00:00:00.000Z')->{headers}{total}, 3000,
	'a filter the API does not have is ignored: everything comes back');

foreach my $bad ('yesterday', '', '2026-11-01', '2026-11-01T00:00:00', '2026-11-01T00:00:00+01:00',
	'2026-02-30T00:00:00Z', '1762041600')
{
	is_error(ccai_get($sim, "calls?updated_at%5Bfrom%5D=$bad"), 400, "updated_at[from]=$bad",
		qr/updated_at\[from\]/);
}
is_error(ccai_get($sim, 'calls?updated_at%5Bto%5D=soon'), 400, 'a bad updated_at[to]', qr/\[to\]/);
is_error(ccai_get($sim, 'agents?status_updated_at%5Bfrom%5D=x'), 400, 'a bad status_updated_at[from]');
is_error(ccai_get($sim, 'calls?sort_column=duration'), 400, 'sort_column=duration',
	qr/id, created_at, updated_at/);
is_error(ccai_get($sim, 'calls?sort_column=status_updated_at'), 400, 'calls by status_updated_at');
is_error(ccai_get($sim, 'agents?sort_column=updated_at'), 400, 'agents by updated_at');
is_error(ccai_get($sim, 'calls?sort_column=updated_at&sort_direction=up'), 400,
	'sort_direction=up', qr/ASC or DESC/);
is(ccai_get($sim, 'calls?updated_at%5Bfrom%5D=2026-11-19T01:00:00%2B01:00&sort_column=updated_at')
	  ->{content},
	ccai_get($sim, 'calls?updated_at%5Bfrom%5D=2026-11-19T00:00:00Z&sort_column=updated_at')->{content},
	'an offset means what it says');

# A bulk update gave more calls one updated_at than a page holds.
my %at;
$at{ $_->{updated_at} }++ foreach @$truth;
my ($cluster) = grep { $at{$_} > 100 } keys %at;
ok(defined $cluster, 'some updated_at is shared by more calls than a page holds');
is($at{$cluster // ''}, 150, 'by 150 calls');
$res = ccai_get($sim, "calls?updated_at%5Bfrom%5D=$cluster&sort_column=updated_at&sort_direction=ASC");
ok((all { $_->{updated_at} eq $cluster } @{ $res->{json} }),
	'tailing from it returns a page of that updated_at only: moving the bound gets nowhere');
my $page2 = ccai_json($sim, "calls?updated_at%5Bfrom%5D=$cluster&sort_column=updated_at&sort_direction=ASC&page=2");
is(scalar(grep { $_->{updated_at} eq $cluster } @$page2), 50, 'page 2 of the bound holds the other 50');
cmp_ok($page2->[-1]{updated_at}, 'gt', $cluster, 'then later ones');

my $tail = ccai_tail($sim, 'calls', 'updated_at', '2000-01-01T00:00:00.000Z');
is(scalar @{ $tail->{objects} }, 3000, 'a tail from the start reads every call');
is_deeply(ids($tail->{objects}), [ map { $_->{id} } @by_updated ], 'once, in (updated_at, id) order');
cmp_ok($tail->{repeats}, '>', 0, 'the inclusive bound returns objects again');
cmp_ok($tail->{stuck}, '>=', 1, 'and the tailer had to page through the shared updated_at');

my $chat_tail = ccai_tail($sim, 'chats', 'updated_at', '2000-01-01T00:00:00.000Z');
is(scalar @{ $chat_tail->{objects} }, 1500, 'chats tail: every chat once');

my $agent_truth = admin_json($sim, 'GET', 'ccai/agents');
my @agents_by = sort { $a->{status_updated_at} cmp $b->{status_updated_at} || $a->{id} <=> $b->{id} }
  @$agent_truth;
my $sa = $agents_by[20]{status_updated_at};
is_deeply(ids(ccai_json($sim, "agents?status_updated_at%5Bfrom%5D=$sa&sort_column=status_updated_at&sort_direction=ASC")),
	[ map { $_->{id} } @agents_by[ 20 .. 49 ] ], 'agents tail on status_updated_at');
my $log_truth = admin_json($sim, 'GET', 'ccai/agent_activity_logs');
my @logs_by = sort { $a->{started_at} cmp $b->{started_at} || $a->{id} <=> $b->{id} } @$log_truth;
my $sl = $logs_by[-150]{started_at};
$res = ccai_get($sim, "agent_activity_logs?started_at%5Bfrom%5D=$sl&sort_column=started_at&sort_direction=ASC");
is_deeply(ids($res->{json}), [ map { $_->{id} } @logs_by[ -150 .. -51 ] ],
	'activity tail on started_at');
is($res->{headers}{total}, 150, 'with its Total');

# Page numbers are positions: a call updated between two pages moves, and
# the client's next page skips one it never saw.
my $shift_q = "updated_at%5Bfrom%5D=$t1&sort_column=updated_at&sort_direction=ASC";
my $page1 = ids(ccai_json($sim, "calls?$shift_q"));
my @before = (@$page1, @{ ids(ccai_json($sim, "calls?$shift_q&page=2")) });
admin_json($sim, 'POST', "ccai/calls/$page1->[5]/modify", { hold_duration => 7 });
my $page2_after = ids(ccai_json($sim, "calls?$shift_q&page=2"));
is($page2_after->[0], $before[101], 'after a call on page 1 changed, page 2 starts one call later');
ok(!(any { $_ == $before[100] } @$page1, @$page2_after),
	'paging while a call changes skips the call that slid onto the page already read');

#
# Objects: fields, realistic nulls, keys a client does not know.
#
my %calls_by_id = map { $_->{id} => $_ } @calls;
my @call_keys = qw(id call_type status lang created_at queued_at connecting_at connected_at
  ended_at updated_at duration hold_duration wait_duration agent menu participants
  transfers recording_url x_internal_flags);
ok((all { my $c = $_; all { exists $c->{$_} } @call_keys } @calls), "every call has @call_keys");
is(ref $calls[0]{x_internal_flags}, 'HASH', 'x_internal_flags: nested keys nobody documents');
my @times = grep { defined } map { my $c = $_; @$c{qw(created_at queued_at connecting_at connected_at ended_at updated_at)} } @calls;
ok((all { /$time_re/ } @times), 'times are UTC with milliseconds');
is_deeply([ sort(uniq(map { $_->{call_type} } @calls)) ], [qw(inbound outbound scheduled voicemail)],
	'call types');

# Calls of one kind, with a description for the test names.
sub calls_where { my ($f) = @_; return grep { $f->($_) } @calls; }

my @finished = calls_where(sub { $_[0]{status} eq 'finished' && $_[0]{call_type} eq 'inbound' });
cmp_ok(scalar @finished, '>', 1500, 'most inbound calls are finished');
ok((all {
			my $c = $_;
			(all { defined $c->{$_} } qw(queued_at connecting_at connected_at ended_at agent menu duration))
			  && $c->{created_at} le $c->{queued_at} && $c->{queued_at} le $c->{connecting_at}
			  && $c->{connecting_at} le $c->{connected_at} && $c->{connected_at} le $c->{ended_at}
			  && $c->{ended_at} le $c->{updated_at}
		} @finished), 'finished inbound calls: every step, in order, then updated');
ok((all { $_->{duration} == seconds($_->{connected_at}, $_->{ended_at}) } @finished),
	'duration: connected_at to ended_at');
ok((all { $_->{wait_duration} == seconds($_->{queued_at}, $_->{connected_at}) } @finished),
	'wait_duration: queued_at to connected_at');
ok((all { $_->{hold_duration} >= 0 && $_->{hold_duration} <= $_->{duration} } @finished),
	'talk time (duration - hold_duration) is never negative');
ok((any { $_->{hold_duration} > 0 } @finished), 'some calls were on hold');

my @abandoned = calls_where(sub { $_[0]{status} eq 'abandoned' });
cmp_ok(scalar @abandoned, '>', 50, 'abandoned calls');
ok((all { !defined $_->{connecting_at} && !defined $_->{connected_at} && !defined $_->{agent}
			&& !defined $_->{duration} && defined $_->{ended_at} && defined $_->{wait_duration} } @abandoned),
	'abandoned: no connecting_at, connected_at, agent or duration; a wait');
my @vm = calls_where(sub { $_[0]{call_type} eq 'voicemail' });
cmp_ok(scalar @vm, '>', 50, 'voicemails');
ok((all { !defined $_->{agent} && !defined $_->{connected_at} && defined $_->{recording_url} } @vm),
	'voicemails: no agent, not connected, a recording');
my @out = calls_where(sub { $_[0]{call_type} eq 'outbound' });
ok((all { !defined $_->{queued_at} && !defined $_->{menu} && !defined $_->{wait_duration} } @out),
	'outbound calls: never queued, no menu');
my @failed = calls_where(sub { $_[0]{status} eq 'failed' });
cmp_ok(scalar @failed, '>', 20, 'failed calls');
ok((all { !defined $_->{connected_at} && defined $_->{ended_at} && $_->{fail_reason} ne 'nothing'
			&& defined $_->{agent} } @failed), 'failed: rang an agent, never connected, a reason');
my @deflected = calls_where(sub { $_[0]{status} eq 'deflected' });
ok(@deflected && (all { !defined $_->{queued_at} && !defined $_->{agent} } @deflected),
	'deflected calls: never queued, no agent');

my @transferred = calls_where(sub { @{ $_[0]{transfers} } });
cmp_ok(scalar @transferred, '>', 20, 'some calls were transferred');
ok((all {
			my ($c, $t) = ($_, $_->{transfers}[0]);
			my @agents = grep { $_->{type} eq 'agent' } @{ $c->{participants} };
			$t->{created_at} ge $c->{connected_at} && $t->{created_at} le $c->{ended_at}
			  && $t->{from_agent}{id} == $c->{agent}{id} && $t->{to_agent}{id} != $c->{agent}{id}
			  && @agents == 2 && $agents[0]{ended_at} eq $t->{created_at}
			  && $agents[1]{agent_id} == $t->{to_agent}{id}
		} @transferred), 'a transfer: between two agents, while connected, as the participants show');
ok((all {
			my $c = $_;
			my ($a) = grep { $_->{type} eq 'agent' } @{ $c->{participants} };
			$a && $a->{agent_id} == $c->{agent}{id} && $a->{connected_at} eq $c->{connected_at}
		} @finished), 'the agent participant joins at connected_at');

my $menus = ccai_json($sim, 'menus');
my %menu = map { $_->{id} => $_ } @$menus;
# The path of a menu, from its root.
sub path_of { my ($m) = @_; return ($m->{parent_id} ? path_of($menu{ $m->{parent_id} }) . ' > ' : '') . $m->{name}; }
ok((all { !defined $_->{menu} || $_->{menu}{path} eq path_of($menu{ $_->{menu}{id} }) } @calls),
	'a call menu is a menu of menus, its path the names down to it');

is_deeply(ccai_json($sim, "calls/$calls[1234]{id}"), $calls[1234], 'calls/{id}: the call as listed');
is_error(ccai_get($sim, 'calls/99999999'), 404, 'an unknown call');
is_error(ccai_get($sim, 'calls/abc'), 404, 'a call id that is no number');
is_error(ccai_get($sim, "calls/$calls[0]{id}x"), 404, 'a call id with junk after it');
is_error(ccai_get($sim, 'recordings'), 404, 'an unknown endpoint');
is_error($sim->request('POST', "${CCAI_PREFIX}calls", user => 'acme', password => 'ccai-token'),
	405, 'POST calls');

my $chats = ccai_json($sim, 'chats');
ok((all { exists $_->{chat_type} && exists $_->{assigned_at} && ref $_->{message_counts} eq 'HASH' } @$chats),
	'chats: chat_type, assigned_at, nested message counts');
ok((all { defined $_->{assigned_at} == defined $_->{agent} } @$chats), 'a chat has an agent once assigned');

my $agents = ccai_walk($sim, 'agents')->{objects};
my $logs = ccai_walk($sim, 'agent_activity_logs')->{objects};
my %teams = map { $_->{id} => $_ } @{ ccai_json($sim, 'teams') };
ok((all { my $a = $_; all { exists $a->{$_} } qw(id name first_name last_name email status status_updated_at teams) } @$agents),
	'agents: the documented fields');
ok((all { @{ $_->{teams} } && all { $teams{ $_->{id} } } @{ $_->{teams} } } @$agents),
	"agents' teams are teams");
my %open;
push @{ $open{ $_->{agent_id} } }, $_ foreach grep { !defined $_->{ended_at} } @$logs;
ok((all { @{ $open{ $_->{id} } // [] } == 1 } @$agents), 'each agent has one open activity');
ok((all { $open{ $_->{id} }[0]{status} eq $_->{status}
			&& $open{ $_->{id} }[0]{started_at} eq $_->{status_updated_at} } @$agents),
	"an agent's status and status_updated_at are its open activity's");
ok((all { defined $_->{ended_at} ? $_->{duration} == seconds($_->{started_at}, $_->{ended_at})
			: !defined $_->{duration} } @$logs), 'activity duration: started_at to ended_at, null while open');

# teams/tree is the teams list nested by parent_id.
sub subtree
{
	my ($parent) = @_;
	return [ map { { id => $_->{id}, name => $_->{name}, children => subtree($_->{id}) } }
		  grep { ($_->{parent_id} // 0) == $parent } sort { $a->{id} <=> $b->{id} } values %teams ];
}
is_deeply(ccai_json($sim, 'teams/tree'), subtree(0), 'teams/tree: the teams nested by parent_id');

#
# Admin: add calls, change one, add agent activity.
#
admin_json($sim, 'POST', 'clock', { now => '2026-11-20T04:00:00Z' });
my $max_id = max map { $_->{id} } @calls;
my $added = admin_json($sim, 'POST', 'ccai/calls', { count => 3 });
is_deeply(ids($added), [ $max_id + 1 .. $max_id + 3 ], 'added calls get the next ids');
like($added->[0]{updated_at}, qr/^2026-11-20T04:00:0\d\.\d{3}Z$/, 'updated now');
$res = ccai_get($sim, 'calls?updated_at%5Bfrom%5D=2026-11-20T00:00:00.001Z&sort_column=updated_at');
is_deeply(ids($res->{json}), [ map { $_->{id} } $calls_by_id{ $page1->[5] }, @$added ],
	'a tail from before finds the changed call and the added ones');
is(ccai_get($sim, 'calls?per=1')->{headers}{total}, 3003, 'Total counts them');
is(ccai_json($sim, "calls/$page1->[5]")->{hold_duration}, 7, 'the change shows');

my ($live) = @{ admin_json($sim, 'POST', 'ccai/calls', { status => 'connected', call_type => 'inbound' }) };
my $oc = ccai_json($sim, "calls/$live->{id}");
is($oc->{status}, 'connected', 'an added call in progress');
ok(!defined $oc->{ended_at} && !defined $oc->{duration} && defined $oc->{connected_at}
	  && defined $oc->{agent}, 'connected: no ended_at, no duration yet; an agent');
is($oc->{participants}[-1]{ended_at}, undef, 'its participants have not left');
admin_json($sim, 'POST', 'clock', { now => '2026-11-20T04:05:00Z' });
my $mod = admin_json($sim, 'POST', "ccai/calls/$live->{id}/modify", { status => 'finished', hold_duration => 30 });
$oc = ccai_json($sim, "calls/$live->{id}");
like($oc->{ended_at}, qr/^2026-11-20T04:05:0\d\.\d{3}Z$/, 'finishing it: it ends now');
is($oc->{updated_at}, $mod->{updated_at}, 'and is updated now');
cmp_ok(abs($oc->{duration} - 300), '<', 5, 'five minutes after it connected');
is($oc->{hold_duration}, 30, 'with the hold given');
my ($chat) = @{ admin_json($sim, 'POST', 'ccai/chats', { chat_type => 'sms', status => 'finished' }) };
my $ch = ccai_json($sim, "chats?updated_at%5Bfrom%5D=$chat->{updated_at}")->[0];
is_deeply([ $ch->{id}, $ch->{chat_type}, $ch->{status} ], [ $chat->{id}, 'sms', 'finished' ], 'an added chat');

my $agent = $agents->[7];
my $old_open = $open{ $agent->{id} }[0];
my ($new_log) = @{ admin_json($sim, 'POST', 'ccai/agent_activity', { agent_id => $agent->{id}, status => 'Lunch' }) };
is_deeply([ @$new_log{qw(agent_id status ended_at)} ], [ $agent->{id}, 'Lunch', undef ], 'a new open activity');
cmp_ok($new_log->{id}, '>', max(map { $_->{id} } @$logs), 'with the next id');
my $ag = first { $_->{id} == $agent->{id} } @{ ccai_json($sim, 'agents') };
is_deeply([ $ag->{status}, $ag->{status_updated_at} ], [ 'Lunch', $new_log->{started_at} ],
	'the agent is in it from now');
my ($closed) = grep { $_->{id} == $old_open->{id} } @{ ccai_json($sim,
		"agent_activity_logs?started_at%5Bfrom%5D=$old_open->{started_at}&sort_column=started_at") };
is($closed->{ended_at}, $new_log->{started_at}, 'its previous activity ended then');
cmp_ok($closed->{duration}, '>', 0, 'with a duration');

my $total_before = ccai_get($sim, 'calls?per=1')->{headers}{total};
is_error($sim->admin('POST', 'ccai/calls', { count => 0 }), 400, 'count 0', qr/count/);
is_error($sim->admin('POST', 'ccai/calls', { count => 2, status => 'lost' }), 400, 'an unknown status', qr/status/);
is_error($sim->admin('POST', 'ccai/calls', { call_type => 'fax' }), 400, 'an unknown call_type');
is_error($sim->admin('POST', "ccai/calls/$calls[0]{id}/modify", { hold_duration => -1 }), 400,
	'a negative hold');
is_error($sim->request('POST', '/_admin/ccai/calls', body => 'not json'), 400, 'a body that is not JSON');
is(ccai_get($sim, 'calls?per=1')->{headers}{total}, $total_before, 'the 400s added nothing');
is_error($sim->admin('POST', 'ccai/calls/99999999/modify', {}), 404, 'modify an unknown call');
is_error($sim->admin('POST', 'ccai/agent_activity', { agent_id => 1 }), 404, 'an unknown agent');
is_error($sim->admin('POST', 'ccai/agent_activity', { status => 'Asleep' }), 400, 'an unknown user status');
is_error($sim->admin('DELETE', 'ccai/calls'), 405, 'DELETE calls');

#
# The request log: path and query as sent, no credentials.
#
my $mark = $sim->log_mark;
my $query = 'updated_at%5Bfrom%5D=2026-11-19T00%3A00%3A00.000Z&sort_column=updated_at&per=2';
ccai_get($sim, "calls?$query");
ccai_get($sim, 'calls/1', password => 'Hunter2-ccai');
my @log = $sim->log_since($mark);
is_deeply([ map { [ @$_{qw(vendor method path query status)} ] } @log ],
	[ [ 'ccai', 'GET', '/manager/api/v1/calls', $query, 200 ],
	  [ 'ccai', 'GET', '/manager/api/v1/calls/1', '', 401 ] ],
	'the log: vendor ccai, the path and query as sent, the status');
my $text = do { local (@ARGV, $/) = ($sim->log_file); <> };
unlike($text, qr/Hunter2|ccai-token/, 'the log holds no credential');

$sim->stop;

#
# Another account and its quota: --ccai-subdomain, --ccai-token,
# --ccai-per-second; above the quota, 429 with Retry-After.
#
my $sim2 = ConvSim->start(%data, https => 0,
	ccai_subdomain => 'globex', ccai_token => 's3cret', ccai_per_second => 3);
my %globex = (user => 'globex', password => 's3cret');

# Wait for the start of the next second of the quota's real-time periods.
sub next_second { sleep(1.02 - (time - int(time))); return; }

next_second();
my @burst = map { ccai_get($sim2, 'user_statuses', %globex) } 1 .. 6;
is_deeply([ map { $_->{status} } @burst ], [ 200, 200, 200, 429, 429, 429 ],
	'3 requests a second, then 429s');
my $r429 = $burst[3];
is($r429->{headers}{'retry-after'}, 1, '429: Retry-After 1');
is_deeply([ @{ $r429->{headers} }{qw(ratelimit-limit ratelimit-remaining)} ], [ 3, 0 ],
	'429: RateLimit-Limit and RateLimit-Remaining');
is($r429->{json}{status}, 429, '429: a JSON error');
$mark = $sim2->log_mark;
next_second();
is(ccai_get($sim2, 'user_statuses', %globex)->{status}, 200, 'the next second: 200 again');
is(ccai_get($sim2, 'user_statuses')->{status}, 401, "the default credentials: 401");
is(ccai_json($sim2, 'settings/organization', %globex)->{subdomain}, 'globex', 'the subdomain shows');
next_second();
is_deeply([ map { [ @$_{qw(id updated_at)} ] } @{ ccai_json($sim2, 'calls?per=20', %globex) } ],
	[ map { [ @$_{qw(id updated_at)} ] } @calls[ 0 .. 19 ] ], 'the same seed and sizes, the same calls');
ok(!eval { ConvSim->start(%data, https => 0, ccai_per_second => 'fast'); 1 }, 'a bad --ccai-per-second');
like($@, qr/--ccai-per-second needs a positive integer/, 'stops the simulator with a message');

done_testing();
