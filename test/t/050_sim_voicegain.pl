# conv-sim, Voicegain speech analytics call export (GET /v1/sa/call):
# bearer auth; the documented columns in JSON and in CSV; page and
# per_page with X-Total-Count and Link; the time, agent, queue and
# voicebot filters; the sorts; the consecutive export after afterCallId
# and its stop before calls still being processed; the admin operations;
# the request log; and 429s over the per-minute and per-hour quotas.

use strict;
use warnings;

use Encode qw(decode_utf8);
use HTTP::Tiny;
use JSON::PP;
use List::Util qw(uniq);
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep time);

use ConvSim;

my $token = 'vg-token';
my %data = (
	calls  => 3000,
	users  => 40,
	clock  => '2026-11-20T03:00:00Z',
	anchor => '2026-11-20T00:00:00Z');

my @columns = qw(accountId contextId callId startTime endTime duration
  direction externalEndpoint internalEndpoint recording saSessionId agent.id
  agent.email agent.name agent.userId agent.channel queue.id queue.name
  sentiment crAnswersId score reviewStatus reviewNotes notes tags keywords
  topics isCallResolved incidents wordCloud numAudioChannels numSpkChannels
  version aivrAppId aivrSessionId originatingCallId progressPhase
  aivrTransferDestType callCenterCallId language dtmfEvents dailyRepeatCalls
  markers);

# ConvSim's get decodes every JSON body, and JSON::PP takes seconds over
# thousands of calls: the export is read raw, and decoded where needed.
my $http = HTTP::Tiny->new(proxy => undef, http_proxy => undef, https_proxy => undef);

# GET /v1/sa/call?$query with the token (override with token => ...):
# status, headers and the raw content; over https (tls => 1) through ConvSim.
sub vg_get
{
	my ($sim, $query, %opts) = @_;
	my $path = '/v1/sa/call' . (length $query ? "?$query" : '');

	return $sim->get($path, tls => 1, token => $token) if $opts{tls};
	return $http->get($sim->url . $path,
		{ headers => { Authorization => 'Bearer ' . ($opts{token} // $token) } });
}

# The decoded JSON body of a response.
sub json_of { return eval { JSON::PP->new->utf8->decode($_[0]{content}) }; }

# GET and decode.
sub vg_json { return json_of(vg_get(@_)); }

# The callIds of a JSON response, in order, without decoding it all
# (JSON::PP takes seconds over thousands of calls).
sub ids_of { return [ $_[0]{content} =~ /"callId":(\d+)/g ]; }

# The Link header's URLs by rel, from one or several Link fields.
sub links
{
	my ($res) = @_;
	my $h = $res->{headers}{link} // [];
	my %l;

	foreach my $v (ref $h ? @$h : ($h))
	{
		$l{$2} = $1 while $v =~ /<([^>]*)>;\s*rel="(\w+)"/g;
	}
	return \%l;
}

# Is a decoded JSON value a number (not a string)?
sub is_num
{
	my ($v) = @_;
	return defined $v && !ref $v && JSON::PP->new->allow_nonref->encode($v) !~ /^"/;
}

# Parse RFC 4180 CSV (CRLF row ends; quoted fields may hold anything).
sub parse_csv
{
	my ($text) = @_;
	my (@rows, @row);

	pos($text) = 0;
	while (pos($text) < length $text)
	{
		$text =~ /\G(?:"((?:[^"]|"")*)"|([^,"\r\n]*))(,|\r\n)/gc
		  or return undef;
		my ($quoted, $bare, $end) = ($1, $2, $3);
		push @row, defined $quoted ? $quoted =~ s/""/"/gr : $bare;
		next if $end eq ',';
		push @rows, [@row];
		@row = ();
	}
	return \@rows;
}

# "05-12-2024 6:15:45 PM" as "2024-05-12T18:15:45Z".
sub csv_time_iso
{
	my ($mo, $d, $y, $h, $mi, $s, $ampm) = $_[0] =~
	  /^(\d\d)-(\d\d)-(\d{4}) (1[0-2]|[1-9]):(\d\d):(\d\d) (AM|PM)$/
	  or return undef;
	return sprintf '%s-%s-%sT%02d:%s:%sZ', $y, $mo, $d,
	  $h % 12 + ($ampm eq 'PM' ? 12 : 0), $mi, $s;
}

# Assert a 400 with the JSON error body.
sub is_400
{
	my ($res, $what) = @_;

	is($res->{status}, 400, "$what: 400");
	my $err = json_of($res);
	ok($err && $err->{status} == 400 && length $err->{message},
		"$what: JSON error body") or diag $res->{content};
	return;
}

my $sim = ConvSim->start(%data);
# This test makes hundreds of requests a minute; the quotas are tested on
# simulators of their own at the end.
$sim->admin('POST', 'config', { rate_limits => JSON::PP::false });
my $api = $sim->url . '/v1/sa/call';

#
# Authentication: Authorization: Bearer <token>, nothing else.
#
my $res = $sim->get('/v1/sa/call');
is($res->{status}, 401, 'no token: 401');
is($res->{headers}{'www-authenticate'}, 'Bearer realm="Voicegain"', 'with a Bearer challenge');
is(vg_get($sim, '', token => 'vg-tokenx')->{status}, 401, 'a wrong token: 401');
is($sim->get('/v1/sa/call', user => $token, password => $token)->{status}, 401,
	'Basic auth: 401');
is(vg_get($sim, 'per_page=1')->{status}, 200, 'the token: 200');
is($sim->get('/v1/sa/calls', token => $token)->{status}, 404, 'another path: 404');
is($sim->request('POST', '/v1/sa/call', token => $token)->{status}, 405, 'POST: 405');

#
# The data: callIds ascending from 10001 with gaps, startTime with them.
#
my $truth = $sim->admin('GET', 'voicegain/calls')->{json};
my @all_ids = map { $_->{callId} } @$truth;
is(scalar @all_ids, 3000, '--calls calls');
is($all_ids[0], 10001, 'the first callId is 10001');
ok(!grep({ $all_ids[$_] <= $all_ids[ $_ - 1 ] } 1 .. $#all_ids), 'callIds ascend');
cmp_ok($all_ids[-1] - $all_ids[0] + 1, '>', 3000, 'with gaps');
ok(!grep({ $truth->[$_]{startTime} lt $truth->[ $_ - 1 ]{startTime} } 1 .. $#all_ids),
	'startTime never decreases as callId grows');
like($truth->[0]{startTime}, qr/^2026-08-2/, 'the data starts --days (90) before the anchor');
like($truth->[-1]{startTime}, qr/^2026-11-19T23:/, 'and ends shortly before it');
my %phase_of = map { $_->{callId} => $_->{progressPhase} } @$truth;
my @busy = grep { $phase_of{$_} !~ /^(DONE|ERROR)$/ } @all_ids;
my $stalled = $all_ids[2400];
is($phase_of{$stalled}, 'TRANSCRIBING', 'the call at 80% of the ids is still TRANSCRIBING');
is(scalar(grep { $_ < $stalled } @busy), 0, 'no call before it is being processed');
cmp_ok(scalar(grep { $_ >= $all_ids[-10] } @busy), '>=', 3, 'some of the newest are');
cmp_ok(scalar(grep { $_ > $all_ids[-10] && $phase_of{$_} eq 'DONE' } @all_ids), '>', 0,
	'between DONE ones');
cmp_ok(scalar(grep { $_ eq 'ERROR' } values %phase_of), '>', 5, 'some calls are ERROR');

#
# JSON: a bare array of calls with the documented keys, agent and queue as
# objects, RFC 3339 times, numbers as numbers, lists as arrays.
#
$res = vg_get($sim, '');
is($res->{status}, 200, 'default request: 200');
like($res->{headers}{'content-type'}, qr{^application/json}, 'JSON by default');
is(ref json_of($res), 'ARRAY', 'a bare JSON array');
is(scalar @{ json_of($res) }, 50, 'per_page defaults to 50');
is_deeply(ids_of($res), [ @all_ids[ 0 .. 49 ] ], 'page 1: the 50 lowest callIds, in order');
is($res->{headers}{'x-total-count'}, 3000, 'X-Total-Count: every call');
is(vg_get($sim, 'format=json&per_page=7')->{content},
	vg_get($sim, 'per_page=7')->{content}, 'format=json is the default');

my $calls = vg_json($sim, 'per_page=400');
my %keys;
foreach my $c (@$calls)
{
	foreach my $k (keys %$c)
	{
		if (ref $c->{$k} eq 'HASH')
		{
			$keys{"$k.$_"} = 1 foreach keys %{ $c->{$k} };
		}
		else
		{
			$keys{$k} = 1;
		}
	}
}
my @seen = sort keys %keys;
is_deeply(\@seen, [ sort @columns, 'queue.queueId' ],
	'every documented column appears, as agent/queue objects, plus queue.queueId');
my ($full) = grep { $_->{agent} && $_->{queue} && $_->{progressPhase} eq 'DONE' && defined $_->{score} } @$calls;
is_deeply([ sort keys %{ $full->{agent} } ], [qw(channel email id name userId)], 'agent: id, email, name, userId, channel');
is_deeply([ sort keys %{ $full->{queue} } ], [qw(id name queueId)], 'queue: id, name, queueId');
my $iso = qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
is_deeply([ grep { $_->{startTime} !~ $iso || $_->{endTime} !~ $iso } @$calls ], [],
	'startTime and endTime are RFC 3339 UTC, in seconds');
my @nums = qw(callId duration numAudioChannels version dailyRepeatCalls);
is_deeply([ grep { my $c = $_; grep { !is_num($c->{$_}) } @nums } @$calls ], [],
	"@nums are numbers");
ok(is_num($full->{sentiment}) && is_num($full->{score}) && is_num($full->{incidents}),
	'sentiment, score and incidents are numbers');
ok(!is_num($full->{agent}{id}) && !is_num($full->{queue}{id}) && !is_num($full->{callCenterCallId}),
	'the call center ids are strings');
is(scalar(grep { !ref $_->{tags} || ref $_->{tags} ne 'ARRAY' } grep { $_->{progressPhase} eq 'DONE' } @$calls), 0,
	'tags are arrays');
ok((grep { @{ $_->{tags} // [] } > 1 } @$calls), 'some calls have several tags');
ok(!grep({ $_->{progressPhase} eq 'DONE' && (ref $_->{keywords} ne 'ARRAY' || ref $_->{topics} ne 'ARRAY') } @$calls),
	'keywords and topics are arrays');
ok(!grep({ grep { !/^\d+,[A-Z_]+,\S+$/ } @{ $_->{markers} } } @$calls), 'markers are "ms,EVENT,detail" items');
my @resolved = grep { exists $_->{isCallResolved} } @$calls;
cmp_ok(scalar @resolved, '>', 0, 'isCallResolved is present on some calls');
ok(scalar(grep { !exists $_->{isCallResolved} && $_->{progressPhase} eq 'DONE' } @$calls) > 0,
	'and absent on some finished ones (not configured)');
ok(!grep({ !JSON::PP::is_bool($_->{isCallResolved}) } @resolved), 'it is a JSON boolean');
ok((grep { ($_->{notes} // '') =~ /\n.*\n/ && $_->{notes} =~ /"/ && $_->{notes} =~ /,/ } @$calls),
	'notes have several lines, quotes and commas');
my @botonly = grep { !exists $_->{agent} } @$calls;
cmp_ok(scalar @botonly, '>', 0, 'calls the voicebot kept have no agent');
ok(!grep({ !$_->{aivrAppId} || exists $_->{queue} } @botonly), 'they have an aivrAppId and no queue');
ok(!grep({ $_->{endTime} lt $_->{startTime} } @$calls), 'endTime is not before startTime');

# A call by callId: afterCallId=id-1 and per_page=1.
sub one_call
{
	my ($sim, $id) = @_;
	return vg_json($sim, 'afterCallId=' . ($id - 1) . '&per_page=1')->[0];
}
my $busy_call = one_call($sim, $stalled);
is($busy_call->{callId}, $stalled, 'a call fetched by afterCallId');
is($busy_call->{progressPhase}, 'TRANSCRIBING', 'the stalled call is TRANSCRIBING');
ok(!grep({ exists $busy_call->{$_} } qw(notes score sentiment tags wordCloud)),
	'a call being processed has no analytics yet');

#
# Paging: offsets (page-1)*per_page; each call exactly once; past the end
# an empty array; per_page 1..10000.
#
foreach my $per_page (700, 1000)
{
	my (@got, $n);
	for (my $page = 1;; $page++)
	{
		$res = vg_get($sim, "per_page=$per_page&page=$page");
		$n++;
		last unless @{ ids_of($res) };
		push @got, @{ ids_of($res) };
	}
	is_deeply(\@got, \@all_ids, "per_page=$per_page: every call exactly once, in callId order");
	is($n, int((3000 + $per_page - 1) / $per_page) + 1, "per_page=$per_page: then an empty page");
}
$res = vg_get($sim, 'per_page=700&page=6');
is($res->{status}, 200, 'a page past the end: 200');
is($res->{content}, '[]', 'an empty array');
is($res->{headers}{'x-total-count'}, 3000, 'X-Total-Count still counts every call');
is(scalar @{ ids_of(vg_get($sim, 'per_page=10000')) }, 3000, 'per_page=10000: all in one page');
is_deeply(ids_of(vg_get($sim, 'per_page=3&page=5')), [ @all_ids[ 12 .. 14 ] ], 'page 5 of 3 is rows 12-14');

#
# Link: first/prev/self/next/last as they apply, absolute URLs on the
# Host of the request, every other parameter kept as sent.
#
my $l = links(vg_get($sim, ''));
is_deeply($l, { first => "$api?page=1", self => "$api?page=1", next => "$api?page=2", last => "$api?page=60" },
	'page 1: first, self, next and last, no prev');
$l = links(vg_get($sim, 'page=2&per_page=700&sort_dir=desc'));
is_deeply($l, {
	first => "$api?per_page=700&sort_dir=desc&page=1", prev => "$api?per_page=700&sort_dir=desc&page=1",
	self  => "$api?per_page=700&sort_dir=desc&page=2", next => "$api?per_page=700&sort_dir=desc&page=3",
	last  => "$api?per_page=700&sort_dir=desc&page=5" },
	'page 2: every link; the other parameters kept, page replaced');
$l = links(vg_get($sim, 'per_page=700&page=5'));
ok($l->{prev} && !$l->{next}, 'the last page has prev and no next');
$l = links(vg_get($sim, 'per_page=700&page=9'));
is($l->{prev}, "$api?per_page=700&page=8", 'past the end: prev is the page before');
is($l->{last}, "$api?per_page=700&page=5", 'and last the last page');
$l = links(vg_get($sim, 'per_page=1&fromTime=2026-11-19T22:00:00%2B00:00'));
like($l->{next} // '', qr/fromTime=2026-11-19T22:00:00%2B00:00&/, 'parameters keep their encoding');
$l = links(vg_get($sim, 'per_page=9', tls => 1));
is($l->{next}, $sim->tls_url . '/v1/sa/call?per_page=9&page=2', 'over https the links are https');

# Following next from the first page visits every call once.
my @followed;
my $url = "$api?per_page=450";
my $hops = 0;
while ($url && $hops++ < 20)
{
	$res = $sim->get(substr($url, length $sim->url), token => $token);
	push @followed, @{ ids_of($res) };
	$url = links($res)->{next};
}
is_deeply(\@followed, \@all_ids, 'following Link next: every call once, 7 pages');
is($hops, 7, 'in 7 requests');

foreach my $bad (qw(per_page=0 per_page=10001 per_page=abc per_page=-5 per_page= per_page=1.5
	page=0 page=-1 page=x page=2147483648 format=xml format=CSV consecutive=yes consecutive=1
	afterCallId=-1 afterCallId=abc afterCallId=1e3))
{
	is_400(vg_get($sim, $bad), $bad);
}

#
# fromTime (inclusive) and toTime (exclusive) on startTime: RFC 3339 only,
# at most 32 characters.
#
my ($x, $y) = @$truth[ 1000, 1500 ];
$res = vg_get($sim, "fromTime=$x->{startTime}&toTime=$y->{startTime}&per_page=10000");
my @expected = map { $_->{callId} }
  grep { $_->{startTime} ge $x->{startTime} && $_->{startTime} lt $y->{startTime} } @$truth;
is_deeply(ids_of($res), \@expected, 'fromTime..toTime: the calls that started in between');
is($expected[0], $x->{callId}, 'fromTime is inclusive');
ok(!grep({ $_ == $y->{callId} } @expected), 'toTime is exclusive');
is($res->{headers}{'x-total-count'}, scalar @expected, 'X-Total-Count counts the filtered calls');
(my $plus_one = $x->{startTime}) =~ s/T(\d\d)/sprintf 'T%02d', $1 + 1/e;
$plus_one =~ s/Z$/%2B01:00/;
is_deeply(ids_of(vg_get($sim, "fromTime=$plus_one&per_page=10")), [ @expected[ 0 .. 9 ] ],
	'an offset means what it says') if $x->{startTime} !~ /T23/;
is(vg_get($sim, 'fromTime=2026-11-19T00:00:00.12345678901Z')->{status}, 200, 'a 32-character time: 200');
is(vg_get($sim, 'fromTime=2026-11-19t00:00:00z')->{status}, 200, 'lower-case t and z: 200');
foreach my $bad ('2026-11-19T00:00:00.123456789012Z', '2026-11-19', '2026-11-19T00:00Z',
	'2026-11-19T00:00:00', '2026-11-19%2000:00:00Z', '2026-11-19T00:00:00+01:00',
	'2026-11-19T00:00:00%2B0100', '2026-02-30T00:00:00Z', '2026-11-19T24:00:00Z', '1763510400', '')
{
	is_400(vg_get($sim, "fromTime=$bad"), "fromTime=$bad");
}
is_400(vg_get($sim, 'toTime=yesterday'), 'toTime=yesterday');

#
# agentId (agent.userId), queueId (queue.queueId), aivrAppId: repeated
# keys or comma-joined, 16 to 48 characters each.
#
my %by;
foreach my $c (@$truth)
{
	foreach my $f (qw(agentUserId queueId aivrAppId))
	{
		push @{ $by{$f}{ $c->{$f} } }, $c->{callId} if defined $c->{$f};
	}
}
my ($a1, $a2) = sort keys %{ $by{agentUserId} };
my @a12 = sort { $a <=> $b } @{ $by{agentUserId}{$a1} }, @{ $by{agentUserId}{$a2} };
is_deeply(ids_of(vg_get($sim, "agentId=$a1&per_page=10000")), $by{agentUserId}{$a1}, 'agentId: that agent\'s calls');
is_deeply(ids_of(vg_get($sim, "agentId=$a1&agentId=$a2&per_page=10000")), \@a12, 'agentId repeated: either agent');
is_deeply(ids_of(vg_get($sim, "agentId=$a1,$a2&per_page=10000")), \@a12, 'agentId comma-joined: the same');
my ($q1) = sort keys %{ $by{queueId} };
is_deeply(ids_of(vg_get($sim, "queueId=$q1&per_page=10000")), $by{queueId}{$q1}, 'queueId: that queue\'s calls');
my ($v1) = sort keys %{ $by{aivrAppId} };
is_deeply(ids_of(vg_get($sim, "aivrAppId=$v1&per_page=10000")), $by{aivrAppId}{$v1}, 'aivrAppId: that app\'s calls');
my %in_v1 = map { $_ => 1 } @{ $by{aivrAppId}{$v1} };
my @both = grep { $in_v1{$_} } @{ $by{queueId}{$q1} };
is_deeply(ids_of(vg_get($sim, "aivrAppId=$v1&queueId=$q1&per_page=10000")), \@both, 'filters combine with AND');
cmp_ok(scalar @both, '<', scalar @{ $by{queueId}{$q1} }, '(which narrows)');
my $calls_of_a1 = vg_json($sim, "agentId=$a1&per_page=3");
is_deeply([ uniq map { $_->{agent}{userId} } @$calls_of_a1 ], [$a1], 'agentId matches agent.userId');
$res = vg_get($sim, 'agentId=00000000-0000-4000-8000-000000000000');
is($res->{content}, '[]', 'an unknown agent: []');
is($res->{headers}{'x-total-count'}, 0, 'X-Total-Count 0');
is(links($res)->{last}, "$api?agentId=00000000-0000-4000-8000-000000000000&page=1", 'last is page 1');
foreach my $bad ('agentId=0123456789abcde', 'queueId=' . ('a' x 49), 'aivrAppId=', "agentId=$a1,")
{
	is_400(vg_get($sim, $bad), $bad);
}
is_deeply(ids_of(vg_get($sim, "agentId=$a1,%20$a2&per_page=10000")), $by{agentUserId}{$a1},
	'a blank after the comma is part of the next id, which matches nothing');
is(vg_get($sim, 'agentId=0123456789abcdef')->{status}, 200, 'a 16-character id: 200');

#
# Sorting: sort_by time/score/documentId with sort_dir per element.
#
sub sorted_ids
{
	my ($cmp) = @_;
	return [ map { $_->{callId} } sort { $cmp->($a, $b) || $a->{callId} <=> $b->{callId} } @$truth ];
}
is_deeply(ids_of(vg_get($sim, 'sort_dir=desc&per_page=10000')), [ reverse @all_ids ],
	'sort_dir=desc alone: documentId descending');
is_deeply(ids_of(vg_get($sim, 'sort_by=documentId&sort_dir=desc&per_page=10000')), [ reverse @all_ids ],
	'sort_by=documentId&sort_dir=desc: the same');
is_deeply(ids_of(vg_get($sim, 'sort_by=time&per_page=10000')), \@all_ids, 'sort_by=time: callId order');
my $by_score_desc = sorted_ids(sub {
	(defined $_[0]{score} ? 0 : 1) <=> (defined $_[1]{score} ? 0 : 1)
	  || ($_[1]{score} // 0) <=> ($_[0]{score} // 0) });
is_deeply(ids_of(vg_get($sim, 'sort_by=score&sort_dir=desc&per_page=10000')), $by_score_desc,
	'sort_by=score desc: highest first, unscored last, ties by callId');
my $by_score_asc = sorted_ids(sub {
	(defined $_[0]{score} ? 0 : 1) <=> (defined $_[1]{score} ? 0 : 1)
	  || ($_[0]{score} // 0) <=> ($_[1]{score} // 0) });
is_deeply(ids_of(vg_get($sim, 'sort_by=score&per_page=10000')), $by_score_asc,
	'sort_by=score asc: lowest first, unscored still last');
my $time_desc_score = sorted_ids(sub {
	$_[1]{startTime} cmp $_[0]{startTime}
	  || (defined $_[0]{score} ? 0 : 1) <=> (defined $_[1]{score} ? 0 : 1)
	  || ($_[0]{score} // 0) <=> ($_[1]{score} // 0) });
is_deeply(ids_of(vg_get($sim, 'sort_by=time&sort_by=score&sort_dir=desc&sort_dir=asc&per_page=10000')),
	$time_desc_score, 'two sort keys, repeated');
is_deeply(ids_of(vg_get($sim, 'sort_by=time,score&sort_dir=desc,asc&per_page=10000')),
	$time_desc_score, 'two sort keys, comma-joined');
my @paged;
push @paged, @{ ids_of(vg_get($sim, "sort_by=score&sort_dir=desc&per_page=250&page=$_")) } foreach 1 .. 12;
is_deeply(\@paged, $by_score_desc, 'paging a score sort returns each call once');
foreach my $bad ('sort_by=callId', 'sort_by=Time', 'sort_dir=up', 'sort_by=time&sort_dir=asc,desc',
	'sort_by=time,score&sort_dir=desc', 'sort_by=' . join(',', ('time') x 9))
{
	is_400(vg_get($sim, $bad), $bad);
}

#
# CSV: the documented header and order, locale times, RFC 4180 quoting,
# '|'-joined lists; the same calls as JSON.
#
$res = vg_get($sim, 'format=csv&per_page=400');
is($res->{status}, 200, 'format=csv: 200');
is($res->{headers}{'content-type'}, 'text/csv', 'Content-Type: text/csv');
is($res->{headers}{'x-total-count'}, 3000, 'with X-Total-Count');
is(links($res)->{next}, "$api?format=csv&per_page=400&page=2", 'and Link');
like($res->{content}, qr/\r\n\z/, 'rows end with CRLF');
my $rows = parse_csv(decode_utf8($res->{content}));
ok($rows, 'the body is RFC 4180 CSV') or diag substr($res->{content}, 0, 2000);
is_deeply($rows->[0], \@columns, 'the header: the documented columns, in order');
is(scalar @$rows, 401, 'a header and 400 rows');
is_deeply([ grep { @$_ != @columns } @$rows ], [], 'every row has every column');
my %col = map { $columns[$_] => $_ } 0 .. $#columns;
my @csv = map { my $r = $_; +{ map { $_ => $r->[ $col{$_} ] } @columns } } @$rows[ 1 .. $#$rows ];
is_deeply([ map { $_->{callId} } @csv ], [ map { $_->{callId} } @$calls ], 'the same calls as JSON');
my $ampm = qr/^\d\d-\d\d-\d{4} (1[0-2]|[1-9]):\d\d:\d\d [AP]M$/;
is_deeply([ grep { $_->{startTime} !~ $ampm || $_->{endTime} !~ $ampm } @csv ], [],
	'times are MM-DD-YYYY h:mm:ss AM/PM');
is_deeply([ map { csv_time_iso($_->{startTime}) } @csv ], [ map { $_->{startTime} } @$calls ],
	'the same instants as JSON, in UTC');
ok((grep { $_->{startTime} =~ / 12:\d\d:\d\d AM$/ } @csv) && (grep { $_->{startTime} =~ / [1-9]:/ } @csv),
	'midnight is 12 AM; hours are not padded');
my @mismatch;
foreach my $i (0 .. $#csv)
{
	my ($c, $j) = ($csv[$i], $calls->[$i]);
	my %want = (
		notes => $j->{notes} // '',
		tags => join('|', @{ $j->{tags} // [] }),
		markers => join('|', @{ $j->{markers} }),
		'agent.userId' => $j->{agent} ? $j->{agent}{userId} : '',
		'queue.name' => $j->{queue} ? $j->{queue}{name} : '',
		isCallResolved => !exists $j->{isCallResolved} ? '' : $j->{isCallResolved} ? 'true' : 'false',
		sentiment => $j->{sentiment} // '',
		score => $j->{score} // '');
	push @mismatch, "$c->{callId}.$_" foreach grep { $c->{$_} ne $want{$_} && !($c->{$_} =~ /^-?[\d.]+$/ && $c->{$_} == $want{$_}) } sort keys %want;
}
is_deeply(\@mismatch, [], 'notes, lists, agent, queue, isCallResolved, numbers: as in JSON');
like($res->{content}, qr/,"Summary: [^"]*(?:""[^"]*)*\n/, 'notes are quoted, newlines inside the quotes');
like($res->{content}, qr/""/, 'quotes inside are doubled');
ok((grep { $_->{markers} =~ /,.*\|/ } @csv), 'markers hold commas and pipes');
$res = vg_get($sim, 'format=csv&page=99');
is($res->{content}, join(',', @columns) . "\r\n", 'an empty result: only the header row');
is($res->{headers}{'content-type'}, 'text/csv', 'still text/csv');

#
# consecutive=true: callId order after afterCallId, stopping before the
# first call not DONE or ERROR; X-Total-Count ignores the stop.
#
# The export loop of the vendor's document: pages until an empty one.
sub export_run
{
	my ($sim, $max, $format, $tls) = @_;
	my (@ids, $total, $requests);

	for (my $page = 1;; $page++)
	{
		my $r = vg_get($sim, "format=$format&per_page=1000&page=$page&afterCallId=$max&consecutive=true",
			tls => $tls);
		$requests++;
		$total //= $r->{headers}{'x-total-count'};
		my $rows = $format eq 'csv' ? parse_csv($r->{content}) : undef;
		my @got = $rows ? map { $_->[2] } @$rows[ 1 .. $#$rows ] : @{ ids_of($r) };
		last unless @got;
		push @ids, @got;
	}
	return { ids => \@ids, max => $ids[-1] // $max, total => $total, requests => $requests };
}

my $run = export_run($sim, 0, 'csv');
my @before_stall = grep { $_ < $stalled } @all_ids;
is_deeply($run->{ids}, \@before_stall, 'consecutive export (CSV): every call up to the stalled one');
is($run->{max}, $all_ids[2399], 'the new high-water mark is the call before it');
is($run->{total}, 3000, 'X-Total-Count counts every call after afterCallId, past the stop');
is($run->{requests}, 4, 'three full pages, then an empty one');
is_deeply(export_run($sim, 0, 'csv', 1)->{ids}, $run->{ids},
	'the same loop over https, its certificate verified: the same calls');
$res = vg_get($sim, "consecutive=true&afterCallId=$run->{max}");
is($res->{content}, '[]', 'resuming at the stall: nothing');
is($res->{headers}{'x-total-count'}, 600, 'though X-Total-Count says 600 calls follow');
$res = vg_get($sim, 'consecutive=true&per_page=100&page=24');
is_deeply(ids_of($res), [ @all_ids[ 2300 .. 2399 ] ], 'page 24 of 100: the last rows before the stop');
is(vg_get($sim, 'consecutive=true&per_page=100&page=25')->{content}, '[]', 'page 25: empty');
my $from_stall = $truth->[2300]{startTime};
is_deeply(ids_of(vg_get($sim, "consecutive=true&fromTime=$from_stall&per_page=1000")),
	[ grep { $_ < $stalled } map { $_->{callId} } grep { $_->{startTime} ge $from_stall } @$truth ],
	'with fromTime: from there to the stop');
is_deeply(ids_of(vg_get($sim, "consecutive=true&afterCallId=$stalled&per_page=10000")),
	[ grep { $_ > $stalled && $_ < $busy[1] } @all_ids ],
	'after the stalled call: up to the next call being processed');
my ($agent_ok) = grep { !grep { $_ == $stalled } @{ $by{agentUserId}{$_} } } sort keys %{ $by{agentUserId} };
my @agent_ids = @{ $by{agentUserId}{$agent_ok} };
my ($agent_busy) = grep { $phase_of{$_} !~ /^(DONE|ERROR)$/ } @agent_ids;
my $agent_run = ids_of(vg_get($sim, "consecutive=true&agentId=$agent_ok&per_page=10000"));
is_deeply($agent_run, [ grep { $_ < ($agent_busy // 1e12) } @agent_ids ],
	'with agentId: only calls of that agent stop it');
cmp_ok($agent_run->[-1], '>', $stalled, '(it passes the stalled call of another agent)');
foreach my $bad (qw(consecutive=true&sort_by=documentId consecutive=true&sort_dir=asc
	consecutive=true&sort_by=time&sort_dir=desc consecutive=true&afterCallId=-1 consecutive=true&afterCallId=x))
{
	is_400(vg_get($sim, $bad), $bad);
}
is_deeply(ids_of(vg_get($sim, "afterCallId=$all_ids[2990]&per_page=100")), [ @all_ids[ 2991 .. 2999 ] ],
	'afterCallId without consecutive: a filter, no stop');

#
# Admin: finish the stalled call, add calls, delete one: the stop moves.
#
$res = $sim->admin('POST', "voicegain/calls/$stalled/modify", { progressPhase => 'DONE' });
is($res->{status}, 200, 'modify: 200');
is($res->{json}{progressPhase}, 'DONE', 'the stalled call is DONE');
ok(defined one_call($sim, $stalled)->{notes}, 'and now has its analytics');
my $run2 = export_run($sim, $run->{max}, 'json');
is_deeply($run2->{ids}, [ grep { $_ >= $stalled && $_ < $busy[1] } @all_ids ],
	'the next run continues to the next call being processed');
my @newest_busy = @busy[ 1 .. $#busy ];
$sim->admin('POST', "voicegain/calls/$_/modify", { progressPhase => 'ERROR' }) foreach @newest_busy;
$sim->admin('POST', 'clock', { now => '2026-11-20T04:00:00Z' });
my $added = $sim->admin('POST', 'voicegain/calls', { count => 3 })->{json};
my $queued = $sim->admin('POST', 'voicegain/calls', { count => 2, progressPhase => 'QUEUED' })->{json};
is(scalar @$added, 3, 'add: three calls');
cmp_ok($added->[0]{callId}, '>', $all_ids[-1], 'with callIds above every other');
ok($added->[1]{callId} > $added->[0]{callId} && $queued->[0]{callId} > $added->[2]{callId}, 'ascending');
like($added->[0]{startTime}, qr/^2026-11-20T03:/, 'that started before the simulated now');
is_deeply([ map { $_->{progressPhase} } @$added, @$queued ], [qw(DONE DONE DONE QUEUED QUEUED)],
	'DONE unless a progressPhase is given');
my $run3 = export_run($sim, $run2->{max}, 'json');
is_deeply($run3->{ids}, [ (grep { $_ > $run2->{max} } @all_ids), map { $_->{callId} } @$added ],
	'the next run: the finished newest calls and the added DONE ones');
$sim->admin('POST', "voicegain/calls/$_->{callId}/modify", { progressPhase => 'DONE' }) foreach @$queued;
is_deeply(export_run($sim, $run3->{max}, 'json')->{ids}, [ map { $_->{callId} } @$queued ],
	'once processed, the queued ones follow');
is(one_call($sim, $queued->[1]{callId})->{progressPhase}, 'DONE', 'the API shows the new phase');

$res = $sim->admin('DELETE', "voicegain/calls/$all_ids[5]");
is($res->{status}, 200, 'delete: 200');
is(vg_get($sim, 'per_page=1')->{headers}{'x-total-count'}, 3004, 'the call leaves the export');
ok(!grep({ $_ == $all_ids[5] } @{ ids_of(vg_get($sim, 'per_page=10')) }), 'it is not listed');
is($sim->admin('DELETE', "voicegain/calls/$all_ids[5]")->{status}, 404, 'deleting it again: 404');
is($sim->admin('POST', 'voicegain/calls/123/modify', { progressPhase => 'DONE' })->{status}, 404,
	'modify an unknown call: 404');
is($sim->admin('POST', "voicegain/calls/$stalled/modify", { progressPhase => 'FINISHED' })->{status}, 400,
	'an unknown phase: 400');
is($sim->admin('POST', 'voicegain/calls', { count => 0 })->{status}, 400, 'count 0: 400');
is($sim->admin('POST', 'voicegain/calls', { count => 1, progressPhase => 3 })->{status}, 400,
	'a phase that is not a string: 400');
is($sim->admin('GET', 'voicegain/nothing')->{status}, 404, 'an unknown admin path: 404');

#
# The request log: vendor, path and query as sent, status.
#
my $mark = $sim->log_mark;
vg_get($sim, 'per_page=2&agentId=0123456789abcdef%2C0123456789abcdeg');
vg_get($sim, 'per_page=0');
my @log = grep { $_->{vendor} eq 'voicegain' } $sim->log_since($mark);
is_deeply([ map { [ $_->{method}, $_->{path}, $_->{query}, $_->{status} ] } @log ],
	[ [ 'GET', '/v1/sa/call', 'per_page=2&agentId=0123456789abcdef%2C0123456789abcdeg', 200 ],
	  [ 'GET', '/v1/sa/call', 'per_page=0', 400 ] ],
	'the log has each request, its query as sent and its status');
$sim->stop;

#
# Quotas: 429 with Retry-After and RateLimit-* once a minute's or an
# hour's requests are used up; the token option.
#
my $small = ConvSim->start(%data, calls => 200, https => 0, voicegain_per_minute => 5,
	voicegain_token => 'jwt.abc.def');
# keep the six requests within one minute of the wall clock
sleep(61 - time % 60) if time % 60 > 55;
is(vg_get($small, 'per_page=1')->{status}, 401, '--voicegain-token: the default token is refused');
$mark = $small->log_mark;
my @statuses = map { vg_get($small, 'per_page=1', token => 'jwt.abc.def') } 1 .. 5;
is_deeply([ map { $_->{status} } @statuses ], [ 200, 200, 200, 200, 429 ],
	'--voicegain-per-minute 5: the sixth request of the minute is a 429 (the 401 counted)');
my $r429 = $statuses[-1];
like($r429->{headers}{'retry-after'} // '', qr/^\d+$/, 'with Retry-After in seconds');
cmp_ok($r429->{headers}{'retry-after'} // 0, '<=', 60, 'until the minute ends');
is($r429->{headers}{'ratelimit-limit'}, 5, 'RateLimit-Limit: 5');
is($r429->{headers}{'ratelimit-remaining'}, 0, 'RateLimit-Remaining: 0');
is(json_of($r429)->{status}, 429, 'a JSON error body');
is_deeply([ map { $_->{status} } grep { $_->{vendor} eq 'voicegain' } $small->log_since($mark) ],
	[ 200, 200, 200, 200, 429 ], 'the log shows the 429');
$small->stop;

my $hourly = ConvSim->start(%data, calls => 200, https => 0, voicegain_per_hour => 2);
@statuses = map { vg_get($hourly, 'per_page=1')->{status} } 1 .. 3;
is_deeply(\@statuses, [ 200, 200, 429 ], '--voicegain-per-hour 2: the third request is a 429');
$res = vg_get($hourly, 'per_page=1');
is($res->{headers}{'ratelimit-limit'}, 2, 'RateLimit-Limit: 2');
cmp_ok($res->{headers}{'retry-after'}, '<=', 3600, 'Retry-After: until the hour ends');
$hourly->stop;

eval { ConvSim->start(%data, calls => 10, https => 0, voicegain_per_minute => 0) };
like($@, qr/--voicegain-per-minute needs a positive integer/, 'a bad quota option stops the simulator');

done_testing();
