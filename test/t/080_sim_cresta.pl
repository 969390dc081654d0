# conv-sim, Cresta Coaching Service: bearer auth and resource routing
# (customers/{c}/profiles/{p}/...), GET scorecards paging (pageSize,
# opaque pageToken bound to the filters, (updateTime, name) order, no
# nextPageToken on the last page) and filters, the protobuf JSON of
# scorecards (defaults omitted, float32, RFC 3339 times), POST scorecards
# (required fields, 400 naming the field, 409 on a duplicate name), POST
# scorecards:export (base64 CSV), POST targets, the admin operations,
# Google API errors, the request log, and 429 over the per-second quota.

use strict;
use warnings;

use JSON::PP;
use List::Util qw(any first uniq);
use MIME::Base64 qw(decode_base64);
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep time);

use ConvSim;
use EvSim qw(iso_epoch);

my %data = (
	calls  => 3000,
	users  => 40,
	clock  => '2026-11-20T03:00:00Z',
	anchor => '2026-11-20T00:00:00Z');
my $P      = '/v1/customers/acme/profiles/default';
my $parent = 'customers/acme/profiles/default';

# The quota (10/s by default) has a test of its own at the end; this part
# makes a few hundred requests.
my $sim = ConvSim->start(%data, https => 0, cresta_per_second => 100000);

# A request below $P with the default token.
sub cr_req
{
	my ($method, $path, %opts) = @_;
	return $sim->request($method, "$P/$path", token => 'cresta-token', %opts);
}

# Like cr_req, but dies unless the answer is a 200 with JSON, which it returns.
sub cr_ok
{
	my $res = cr_req(@_);
	die "$_[0] $_[1]: $res->{status} $res->{content}"
	  unless $res->{status} == 200 && ref $res->{json};
	return $res->{json};
}

# The admin API's JSON answer (dies unless 200).
sub admin_ok
{
	my $res = $sim->admin(@_);
	die "admin $_[0] $_[1]: $res->{status} $res->{content}" unless $res->{status} == 200;
	return $res->{json};
}

# Assert a Google API error: {"error": {"code", "message", "status"}}.
sub is_cr_error
{
	my ($res, $status, $code, $what, $message) = @_;

	is($res->{status}, $status, "$what: $status");
	ok( ref $res->{json} eq 'HASH'
		  && ref $res->{json}{error} eq 'HASH'
		  && $res->{json}{error}{code} == $status
		  && $res->{json}{error}{status} eq $code
		  && length($res->{json}{error}{message}),
		"$what: a Google API error $code") or diag $res->{content};
	like(ref $res->{json} eq 'HASH' && $res->{json}{error}{message} // '', $message,
		"$what: the message says why") if $message;
	return;
}

# Percent-encode a query value.
sub enc { my ($s) = @_; $s =~ s/([^A-Za-z0-9_.~-])/sprintf('%%%02X', ord $1)/ge; return $s; }

# A time as a string that sorts in time order (microseconds, no zone).
sub tkey
{
	my ($t) = @_;
	return undef
	  unless defined $t && $t =~ /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/;
	return $1 . '.' . substr(($2 // '') . '000000', 0, 6);
}

# Page through GET scorecards?$query with pageToken until there is no
# nextPageToken; on_page is called after each page with its number.
sub scan
{
	my ($query, %opts) = @_;
	my (@objects, @pages, $token);

	for (my $n = 0;; $n++)
	{
		my $page = cr_ok('GET', "scorecards?$query" . (defined $token ? "&pageToken=$token" : ''));
		push @pages, $page;
		push @objects, @{ $page->{scorecards} // [] };
		$opts{on_page}->($n) if $opts{on_page};
		$token = $page->{nextPageToken};
		last unless defined $token;
		die 'the pager does not end' if $n > 1000;
	}
	return { objects => \@objects, pages => \@pages };
}

sub names { return [ map { $_->{name} } @{ $_[0] } ]; }

#
# Authentication: a bearer token; the core's 401.
#
my $res = $sim->get("$P/scorecards");
is($res->{status}, 401, 'no token: 401');
is($res->{headers}{'www-authenticate'}, 'Bearer realm="Cresta"', 'with WWW-Authenticate: Bearer');
is($sim->get("$P/scorecards", token => 'wrong')->{status}, 401, 'a wrong token: 401');
is($sim->get("$P/scorecards", user => 'cresta-token', password => 'x')->{status},
	401, 'basic auth: 401');
is(cr_req('GET', 'scorecards?pageSize=1')->{status}, 200, 'the token: 200');

#
# Routing: our customer and profile only; unknown collections and methods.
#
is_cr_error($sim->get('/v1/customers/globex/profiles/default/scorecards', token => 'cresta-token'),
	403, 'PERMISSION_DENIED', 'another customer', qr{customers/globex});
is_cr_error($sim->get('/v1/customers/acme/profiles/beta/scorecards', token => 'cresta-token'),
	404, 'NOT_FOUND', 'another profile', qr{profiles/beta});
is_cr_error(cr_req('GET', 'calls'), 404, 'NOT_FOUND', 'an unknown collection');
is_cr_error(cr_req('GET', 'scorecards/x'), 404, 'NOT_FOUND', 'a scorecard by name (not in the document)');
is_cr_error($sim->get('/v1/customers/acme', token => 'cresta-token'), 404, 'NOT_FOUND', 'a path of another shape');
$res = cr_req('GET', 'targets');
is_cr_error($res, 405, 'UNIMPLEMENTED', 'GET targets (there is no list of targets)');
is($res->{headers}{allow}, 'POST', 'GET targets: Allow: POST');
$res = cr_req('DELETE', 'scorecards');
is_cr_error($res, 405, 'UNIMPLEMENTED', 'DELETE scorecards');
is($res->{headers}{allow}, 'GET, POST', 'DELETE scorecards: Allow: GET, POST');
is_cr_error(cr_req('GET', 'scorecards:export'), 405, 'UNIMPLEMENTED', 'GET scorecards:export');
is_cr_error($sim->request('POST', "$P/scorecards:export", token => 'cresta-token', body => {}),
	400, 'INVALID_ARGUMENT', 'POST scorecards:export routes to the export');
is_cr_error($sim->request('POST', "$P/scorecards%3Aexport", token => 'cresta-token', body => {}),
	400, 'INVALID_ARGUMENT', 'and so does scorecards%3Aexport');

#
# The admin's list is the truth the pagers are compared with: calls/3
# scorecards in (updateTime, name) order.
#
my $truth = admin_ok('GET', 'cresta/scorecards');
is(scalar @$truth, 1000, 'calls/3 scorecards');
my @sorted = sort { tkey($a->{updateTime}) cmp tkey($b->{updateTime}) || $a->{name} cmp $b->{name} } @$truth;
is_deeply(names($truth), names(\@sorted), 'the admin list is in (updateTime, name) order');
my %per_time;
$per_time{ $_->{updateTime} }++ foreach @$truth;
my ($cluster) = sort { $per_time{$b} <=> $per_time{$a} } keys %per_time;
cmp_ok($per_time{$cluster}, '>', 100, "$per_time{$cluster} scorecards share updateTime $cluster (more than a page)");
like($cluster, qr/:\d\dZ$/, 'a whole second, written without a fraction');
ok(!grep({ iso_epoch($_->{updateTime}) > iso_epoch($data{anchor}) } @$truth), 'nothing is updated after the anchor');
cmp_ok(iso_epoch($sorted[0]{updateTime}), '>', iso_epoch($data{anchor}) - 92 * 86400, 'the data spans --days');

#
# pageSize: default 50, 0 is the default, more than 100 is 100.
#
is(scalar @{ cr_ok('GET', 'scorecards')->{scorecards} }, 50, 'pageSize defaults to 50');
is(scalar @{ cr_ok('GET', 'scorecards?pageSize=0')->{scorecards} }, 50, 'pageSize=0 is the default');
is(scalar @{ cr_ok('GET', 'scorecards?pageSize=100')->{scorecards} }, 100, 'pageSize=100');
is(scalar @{ cr_ok('GET', 'scorecards?pageSize=1000')->{scorecards} }, 100, 'pageSize=1000 is silently 100');
is(scalar @{ cr_ok('GET', 'scorecards?page_size=7')->{scorecards} }, 7, 'page_size (snake_case) works too');
is(scalar @{ cr_ok('GET', 'scorecards?pageSize=%2B3')->{scorecards} }, 3, 'pageSize=+3');
foreach my $bad ('-1', 'ten', '1.5', '', '99999999999', '%207', '0x10')
{
	is_cr_error(cr_req('GET', "scorecards?pageSize=$bad"), 400, 'INVALID_ARGUMENT', "pageSize=$bad",
		qr/page_?size/i);
}
is_cr_error(cr_req('GET', 'scorecards?pageSize=5&pageSize=6'), 400, 'INVALID_ARGUMENT',
	'pageSize twice', qr/too many values/);
is_cr_error(cr_req('GET', 'scorecards?pageSize=5&page_size=6'), 400, 'INVALID_ARGUMENT',
	'pageSize and page_size', qr/too many values/);
is(cr_req('GET', 'scorecards?pageSize=5&unknownParameter=1')->{status}, 200,
	'an unknown query parameter is ignored');

#
# Paging: each scorecard exactly once, in order; nextPageToken omitted on
# the last page; a full last page is followed by an empty one, {}.
#
my $scan = scan('pageSize=100');
is_deeply(names($scan->{objects}), names($truth), 'pages of 100: every scorecard once, in order');
is(scalar @{ $scan->{pages} }, 11, 'ten full pages and an empty one');
ok(!grep({ @{ $_->{scorecards} } != 100 || !defined $_->{nextPageToken} } @{ $scan->{pages} }[ 0 .. 9 ]),
	'every full page has a nextPageToken');
is_deeply($scan->{pages}[10], {}, 'the last page is {}: no scorecards member, no nextPageToken');
$scan = scan('pageSize=7');
is_deeply(names($scan->{objects}), names($truth), 'pages of 7: every scorecard once, in order');
my $last = $scan->{pages}[-1];
ok(!exists $last->{nextPageToken} && @{ $last->{scorecards} } == 1000 % 7,
	'pages of 7: the last has the 6 left and no nextPageToken');
my @cluster_pages = grep { my $p = $_; 1 < grep { $_->{updateTime} eq $cluster } @{ $p->{scorecards} } }
  @{ scan('pageSize=100&startUpdateTime=' . enc($cluster))->{pages} };
cmp_ok(scalar @cluster_pages, '>=', 2, 'the cluster spans pages, and paging goes through it');

#
# pageToken: opaque, tamper-evident, bound to the filters.
#
my $p1 = cr_ok('GET', 'scorecards?pageSize=5');
my $token = $p1->{nextPageToken};
like($token, qr/^[A-Za-z0-9_-]+$/, 'the token is URL-safe');
is_deeply(names(cr_ok('GET', "scorecards?pageSize=5&pageToken=$token")->{scorecards}),
	[ map { $_->{name} } @$truth[ 5 .. 9 ] ], 'the token resumes after the page');
is_deeply(names(cr_ok('GET', "scorecards?pageSize=3&page_token=$token")->{scorecards}),
	[ map { $_->{name} } @$truth[ 5 .. 7 ] ], 'with another pageSize, and as page_token');
is(scalar @{ cr_ok('GET', 'scorecards?pageSize=5&pageToken=')->{scorecards} }, 5, 'an empty pageToken is the first page');
(my $tampered = $token) =~ s/^(.)/$1 eq 'A' ? 'B' : 'A'/e;
foreach my $bad ('abc', 'not a token', $tampered, substr($token, 0, -4), "${token}AA", '%00')
{
	is_cr_error(cr_req('GET', 'scorecards?pageSize=5&pageToken=' . enc($bad)), 400, 'INVALID_ARGUMENT',
		"pageToken=$bad", qr/page token/);
}
my $agent = $truth->[0]{agentUserName};
is_cr_error(cr_req('GET', "scorecards?pageSize=5&pageToken=$token&agentUserName=" . enc($agent)),
	400, 'INVALID_ARGUMENT', 'a token with other filters', qr/other filters/);

#
# Filters: agentUserName, templateName, updateTime and submitTime ranges
# (start inclusive, end exclusive); submit filters leave out drafts.
#
$scan = scan('pageSize=10&agentUserName=' . enc($agent));
my @want = grep { $_->{agentUserName} eq $agent } @$truth;
cmp_ok(scalar @want, '>', 10, 'the agent has more than a page of scorecards');
is_deeply(names($scan->{objects}), names(\@want), 'agentUserName: exactly the agent\'s, in order');
my $template = "$parent/scorecardTemplates/support-qa";
$scan = scan('pageSize=100&template_name=' . enc($template));
is_deeply(names($scan->{objects}), names([ grep { $_->{templateName} eq $template } @$truth ]),
	'template_name (snake_case): exactly the template\'s');
my $from = $truth->[300]{updateTime};
my $to   = $truth->[700]{updateTime};
$scan = scan('pageSize=100&startUpdateTime=' . enc($from) . '&endUpdateTime=' . enc($to));
@want = grep { tkey($_->{updateTime}) ge tkey($from) && tkey($_->{updateTime}) lt tkey($to) } @$truth;
is_deeply(names($scan->{objects}), names(\@want), 'startUpdateTime (inclusive) to endUpdateTime (exclusive)');
is($scan->{objects}[0]{updateTime}, $from, 'the first is at startUpdateTime');
isnt($scan->{objects}[-1]{updateTime}, $to, 'none is at endUpdateTime');
my ($sfrom, $sto) = ('2026-10-01T00:00:00Z', '2026-10-15T12:00:00Z');
$scan = scan("pageSize=100&startSubmitTime=$sfrom&endSubmitTime=$sto");
@want = grep { defined $_->{submitTime} && tkey($_->{submitTime}) ge tkey($sfrom) && tkey($_->{submitTime}) lt tkey($sto) } @$truth;
cmp_ok(scalar @want, '>', 50, 'submitted scorecards in the range');
is_deeply(names($scan->{objects}), names(\@want), 'startSubmitTime/endSubmitTime: the submitted ones in the range');
$scan = scan('pageSize=100&startSubmitTime=2000-01-01T00:00:00Z');
is(scalar @{ $scan->{objects} }, scalar(grep { defined $_->{submitTime} } @$truth),
	'a submit filter leaves out the drafts and the auto-scored');
is_deeply(names(cr_ok('GET', 'scorecards?pageSize=5&startUpdateTime=2026-11-01T05:00:00%2B05:00')->{scorecards}),
	names(cr_ok('GET', 'scorecards?pageSize=5&startUpdateTime=2026-11-01T00:00:00Z')->{scorecards}),
	'an offset in a time means what it says');
is_deeply(names(cr_ok('GET', 'scorecards?pageSize=20&agentUserName=&templateName=')->{scorecards}),
	[ map { $_->{name} } @$truth[ 0 .. 19 ] ], 'empty filters (a string\'s default) filter nothing');
is_deeply(cr_ok('GET', 'scorecards?startUpdateTime=2030-01-01T00:00:00Z'), {}, 'no match: {}');
foreach my $bad ('2026-11-01', '2026-11-01T00:00Z', '2026-11-01T00:00:00', 'yesterday', '1762041600',
	'2026-11-31T00:00:00Z', '2026-11-01T00:00:00.1234567891Z', '2026-11-01T00:00:00+01:00',
	'2026-11-01T00:00:00z', '2026-11-01 00:00:00Z')
{
	foreach my $param (qw(startUpdateTime endSubmitTime))
	{
		is_cr_error(cr_req('GET', "scorecards?$param=" . ($bad =~ s/ /%20/r)), 400, 'INVALID_ARGUMENT',
			"$param=$bad", qr/$param/);
	}
}
is(cr_req('GET', 'scorecards?startUpdateTime=2026-11-01T00:00:00.123456789Z')->{status}, 200,
	'nine fractional digits are fine');
is_cr_error(cr_req('GET', "scorecards?startUpdateTime=$to&endUpdateTime=$from"), 400, 'INVALID_ARGUMENT',
	'start after end', qr/after/);

#
# The scorecards' JSON: protobuf's mapping of the documented message.
#
my @cards = @{ scan('pageSize=100')->{objects} };
my %card = map { $_->{name} => $_ } @cards;
my %doc_fields = map { $_ => 1 } qw(name conversationName agentUserName creator templateName
  comment totalScore scores coachingPlanNames createTime updateTime submitTime aiScoreTime
  manuallyScored autoFailed acknowledgeTime acknowledgeComment usecaseName updatedBy submittedBy
  calibratedScorecardName calibrationConsistencyScore processInteractionTime processId
  submissionSource scorecardType referenceScorecardId scorecardWorkflows);
is_deeply([ grep { !$doc_fields{$_} } uniq map { keys %$_ } @cards ], [], 'only documented fields');
my @seen = uniq map { keys %$_ } @cards;
is(scalar(@seen), 27, 'every documented field but scorecardWorkflows occurs')
  or diag explain [ sort @seen ];
ok(!grep({ $_->{name} !~ m{^\Q$parent\E/scorecards/[0-9a-f-]{36}$} } @cards), 'names: parent/scorecards/{id}');
ok(!grep({ $_->{conversationName} !~ m{^\Q$parent\E/conversations/[0-9a-f-]{36}$} } @cards), 'conversationName');
ok(!grep({ $_->{agentUserName} !~ m{^customers/acme/users/[0-9a-f]{12}$} } @cards), 'agentUserName: customers/acme/users/{id}');
ok(!grep({ $_->{templateName} !~ m{^\Q$parent\E/scorecardTemplates/[a-z-]+$} } @cards), 'templateName');
is(scalar(uniq map { $_->{templateName} } @cards), 5, 'five templates');
my @times = map { my $c = $_; map { $c->{$_} // () } qw(createTime updateTime submitTime aiScoreTime acknowledgeTime processInteractionTime) } @cards;
ok(!grep({ !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?Z$/ } @times), 'times: RFC 3339 UTC, 0, 3 or 6 fractional digits');
ok((any { /:\d\dZ$/ } @times) && (any { /\.\d{3}Z$/ } @times), 'whole seconds are written without a fraction');
ok(!grep({ tkey($_->{createTime}) gt tkey($_->{updateTime}) || (defined $_->{submitTime} && (tkey($_->{submitTime}) lt tkey($_->{createTime}) || tkey($_->{submitTime}) gt tkey($_->{updateTime}))) } @cards),
	'createTime <= submitTime <= updateTime');
ok(!grep({ defined $_->{acknowledgeTime} && (!defined $_->{submitTime} || tkey($_->{acknowledgeTime}) gt tkey($_->{updateTime})) } @cards),
	'only submitted scorecards are acknowledged, before their updateTime');

my @drafts = grep { !defined $_->{submitTime} && $_->{manuallyScored} } @cards;
my @ai_only = grep { !$_->{manuallyScored} } @cards;
cmp_ok(scalar @drafts, '>', 30, 'some drafts');
ok(!grep({ exists $_->{submittedBy} || exists $_->{submissionSource} || !$_->{creator} } @drafts),
	'drafts: a creator, no submittedBy, no submissionSource');
cmp_ok(scalar @ai_only, '>', 30, 'some scored by auto scoring alone');
ok(!grep({ exists $_->{creator} || exists $_->{manuallyScored} || $_->{aiScoreTime} ne $_->{createTime} } @ai_only),
	'auto-scored: no creator, manuallyScored omitted (false), aiScoreTime is createTime');
my @failed = grep { $_->{autoFailed} } @cards;
cmp_ok(scalar @failed, '>', 10, 'some auto-failed');
ok(!grep({ exists $_->{totalScore} } @failed), 'an auto-failed scorecard scores 0: totalScore is omitted');
ok(!grep({ exists $_->{autoFailed} && !$_->{autoFailed} } @cards), 'autoFailed false is omitted');
my @na = grep { ($_->{totalScore} // 0) == -1 } @cards;
cmp_ok(scalar @na, '>', 3, 'some N/A scorecards: totalScore -1');
ok(!grep({ my $c = $_; grep { !$_->{notApplicable} } @{ $c->{scores} } } @na), 'whose criteria are all not applicable');
ok(!grep({ defined $_->{totalScore} && $_->{totalScore} != -1 && ($_->{totalScore} < 0 || $_->{totalScore} > 100) } @cards),
	'totalScore is -1 or within 0..100');
my $raw = cr_req('GET', 'scorecards?pageSize=100')->{content};
like($raw, qr/"totalScore":\d+\.\d{5,}[,}]/, 'totalScore is a float32 (83.333336)');
unlike($raw, qr/"totalScore":\d+\.0[,}]/, 'integral floats without ".0"');

my @scores = map { @{ $_->{scores} } } @cards;
ok(!grep({ !defined $_->{criterionId} || !defined $_->{criterionDisplayName} || !defined $_->{chapterId} } @scores),
	'every score has criterionId, criterionDisplayName and chapterId');
ok(!grep({ (exists $_->{numericValue}) + (exists $_->{textValue}) + ($_->{notApplicable} ? 1 : 0) != 1 } @scores),
	'each score has a numericValue, a textValue, or notApplicable');
ok((any { exists $_->{numericValue} && $_->{numericValue} == 0 } @scores), 'numericValue 0 is written (a oneof)');
ok(!grep({ exists $_->{notApplicable} && !$_->{notApplicable} } @scores), 'notApplicable false is omitted');
ok(!grep({ exists $_->{aiValue} && $_->{aiValue} == 0 } @scores), 'aiValue 0 is omitted');
ok((any { $_->{aiScored} } @scores) && (any { $_->{autoFailed} } @scores), 'aiScored and autoFailed scores');
ok(!grep({ $_->{commentAccessRoles} && !$_->{comment} } @scores) && (any { $_->{commentAccessRoles} } @scores),
	'commentAccessRoles come with comments');
my ($full) = grep { $_->{creator} && $_->{submittedBy} } @cards;
is_deeply([ sort keys %{ $full->{creator} } ], [qw(displayName email fullName name roles team userId username)],
	'user objects: a few of the fields') or diag explain $full->{creator};
like($full->{creator}{name}, qr{^customers/acme/users/\Q$full->{creator}{userId}\E$}, 'a user\'s name holds its userId');
my %users = map { $_->{name} => $_ } @{ admin_ok('GET', 'cresta/users') };
ok(!grep({ !$users{ $_->{agentUserName} } || $users{ $_->{agentUserName} }{manager} } @cards), 'agents are simulated users, not managers');
ok(!grep({ $_->{creator} && !$users{ $_->{creator}{name} }{manager} } @cards), 'creators are managers');
my @appeals = grep { $_->{referenceScorecardId} } @cards;
ok(@appeals && !grep({ !$card{"$parent/scorecards/$_->{referenceScorecardId}"} } @appeals),
	'referenceScorecardId is the id of another scorecard');
ok(!grep({ $_->{calibratedScorecardName} && !$card{ $_->{calibratedScorecardName} } } @cards),
	'calibratedScorecardName names another scorecard');
ok(!grep({ exists $_->{scorecardType} && $_->{scorecardType} eq 'SCORECARD_TYPE_UNSPECIFIED' } @cards),
	'the UNSPECIFIED enum value is omitted');

#
# POST scorecards: create.
#
my %new = (
	conversationName => "$parent/conversations/conv-1",
	agentUserName    => $agent,
	templateName     => $template,
	scores           => [
		{ criterionId => 'empathy', notApplicable => JSON::PP::false, numericValue => 4 },
		{ criterionId => 'tone', notApplicable => JSON::PP::false, textValue => 'Good' },
		{ criterionId => 'hold-etiquette', notApplicable => JSON::PP::true }
	],
	createTime => '2026-11-19T10:00:00+01:00',
	updateTime => '2026-11-19T09:30:00.5Z');
$res = cr_req('POST', 'scorecards', body => { %new, totalScore => 83.333333333, manuallyScored => JSON::PP::false });
is($res->{status}, 200, 'create: 200');
my $created = $res->{json}{scorecard};
like($created->{name}, qr{^\Q$parent\E/scorecards/[0-9a-f-]{36}$}, 'create: the server names it');
my @new_scores = map { my %s = %$_; delete $s{notApplicable} unless $s{notApplicable}; \%s } @{ $new{scores} };
is_deeply($created,
	{ %new, scores => \@new_scores, name => $created->{name}, totalScore => $created->{totalScore},
	createTime => '2026-11-19T09:00:00Z', updateTime => '2026-11-19T09:30:00.500Z' },
	'create: the given fields, times in UTC as protobuf writes them, false omitted');
like($res->{content}, qr/"totalScore":83\.333336[,}]/, 'create: totalScore as a float32');
like($res->{content}, qr/^\{"scorecard":\{"name":/, 'create: {"scorecard": {"name": ... first');
my @listed = @{ cr_ok('GET', 'scorecards?startUpdateTime=2026-11-19T09:30:00.5Z&endUpdateTime=2026-11-19T09:30:00.501Z')->{scorecards} };
is_deeply(\@listed, [$created], 'create: listed at its updateTime, as created');
is(scalar @{ admin_ok('GET', 'cresta/scorecards') }, 1001, 'create: the admin lists it');
$res = cr_req('POST', 'scorecards', body => { %new, scores => [ { criterionId => 'a', notApplicable => JSON::PP::false,
	numericValue => 123456789, aiValue => 1e-7 } ], calibrationConsistencyScore => 3e22 });
like($res->{content}, qr/"numericValue":123456790,"aiValue":1e-7[,}]/, 'create: float32 digits, small ones with an exponent');
like($res->{content}, qr/"calibrationConsistencyScore":3e\+22[,}]/, 'create: and large ones');

$res = cr_req('POST', 'scorecards', body => { %new, name => "$parent/scorecards/backfill-1", comment => undef,
	agent_user_name => undef });
is($res->{status}, 200, 'create with a name: 200') or diag $res->{content};
is($res->{json}{scorecard}{name}, "$parent/scorecards/backfill-1", 'create: a given name is kept');
ok(!exists $res->{json}{scorecard}{comment}, 'create: null is the same as absent');
is_cr_error(cr_req('POST', 'scorecards', body => { %new, name => "$parent/scorecards/backfill-1" }),
	409, 'ALREADY_EXISTS', 'create: a name that exists', qr/already exists/);
my $snake = cr_req('POST', 'scorecards', body => { (map { my $k = $_; $k =~ s/([A-Z])/_\l$1/g; ($k => $new{$_}) } keys %new) });
is($snake->{status}, 200, 'create: snake_case field names are read too') or diag $snake->{content};
ok($snake->{json}{scorecard}{conversationName} && !exists $snake->{json}{scorecard}{conversation_name},
	'create: and written back in camelCase');

foreach my $field (qw(conversationName agentUserName templateName scores createTime updateTime))
{
	my %body = %new;
	delete $body{$field};
	is_cr_error(cr_req('POST', 'scorecards', body => \%body), 400, 'INVALID_ARGUMENT',
		"create without $field", qr/scorecard\.$field is required/);
}
my @bad_bodies = (
	[ 'scores: []', { scores => [] }, qr/scorecard\.scores is required/ ],
	[ 'a score without criterionId', { scores => [ { notApplicable => JSON::PP::true } ] }, qr/scores\[0\]\.criterionId is required/ ],
	[ 'a score without notApplicable', { scores => [ { criterionId => 'a', numericValue => 1 } ] }, qr/scores\[0\]\.notApplicable is required/ ],
	[ 'a numericValue and a textValue', { scores => [ { criterionId => 'a', notApplicable => JSON::PP::false, numericValue => 1, textValue => 'x' } ] }, qr/scores\[0\]/ ],
	[ 'notApplicable and a value', { scores => [ { criterionId => 'a', notApplicable => JSON::PP::true, numericValue => 1 } ] }, qr/scores\[0\]/ ],
	[ 'an unknown field', { foo => 1 }, qr/Unknown name "foo" at 'scorecard'/ ],
	[ 'an unknown score field', { scores => [ { criterionId => 'a', notApplicable => JSON::PP::true, bar => 1 } ] }, qr/Unknown name "bar" at 'scorecard\.scores\[0\]'/ ],
	[ 'a field twice', { template_name => $template }, qr/Duplicate field "templateName"/ ],
	[ 'totalScore "high"', { totalScore => 'high' }, qr/scorecard\.totalScore/ ],
	[ 'totalScore 150', { totalScore => 150 }, qr/scorecard\.totalScore/ ],
	[ 'totalScore -0.5', { totalScore => -0.5 }, qr/scorecard\.totalScore/ ],
	[ 'manuallyScored "yes"', { manuallyScored => 'yes' }, qr/scorecard\.manuallyScored/ ],
	[ 'createTime without a zone', { createTime => '2026-11-19T10:00:00' }, qr/scorecard\.createTime/ ],
	[ 'submitTime a date', { submitTime => '2026-11-19' }, qr/scorecard\.submitTime/ ],
	[ 'agentUserName an id', { agentUserName => 'u1' }, qr/scorecard\.agentUserName/ ],
	[ 'agentUserName of another customer', { agentUserName => 'customers/globex/users/u1' }, qr/scorecard\.agentUserName/ ],
	[ 'templateName of another profile', { templateName => 'customers/acme/profiles/beta/scorecardTemplates/t' }, qr/scorecard\.templateName/ ],
	[ 'an unknown scorecardType', { scorecardType => 'SCORECARD_TYPE_BOGUS' }, qr/scorecard\.scorecardType/ ],
	[ 'creator a string', { creator => 'me' }, qr/scorecard\.creator/ ],
	[ 'scores an object', { scores => { criterionId => 'a' } }, qr/scorecard\.scores/ ],
	[ 'a name with capitals', { name => "$parent/scorecards/Backfill" }, qr/Backfill/ ],
	[ 'a name of another collection', { name => "$parent/targets/x" }, qr/scorecard\.name/ ]);
foreach my $case (@bad_bodies)
{
	my ($what, $change, $message) = @$case;
	is_cr_error(cr_req('POST', 'scorecards', body => { %new, %$change }), 400, 'INVALID_ARGUMENT',
		"create with $what", $message);
}
is_cr_error(cr_req('POST', 'scorecards', body => 'not json'), 400, 'INVALID_ARGUMENT', 'create: not JSON',
	qr/Invalid JSON payload/);
is_cr_error(cr_req('POST', 'scorecards', body => '[]'), 400, 'INVALID_ARGUMENT', 'create: a JSON array');
is_cr_error(cr_req('POST', 'scorecards', body => JSON::PP->new->encode(\%new) . ' {}'), 400, 'INVALID_ARGUMENT',
	'create: something after the object', qr/Invalid JSON payload/);
is_cr_error(cr_req('POST', 'scorecards'), 400, 'INVALID_ARGUMENT', 'create: no body');
is(scalar @{ admin_ok('GET', 'cresta/scorecards') }, 1004, 'the refused bodies created nothing');

#
# POST scorecards:export: {"data": base64 of a CSV}.
#
# Parse CSV text (every line ending in \n) into rows of fields.
sub parse_csv
{
	my ($text) = @_;
	my (@rows, @row);

	while ($text =~ /\G(?:"((?:[^"]|"")*)"|([^,\n"]*))(,|\n)/gc)
	{
		push @row, defined $1 ? $1 =~ s/""/"/gr : $2;
		next if $3 eq ',';
		push @rows, [@row];
		@row = ();
	}
	die 'not CSV at ' . pos($text) if (pos($text) // 0) != length $text;
	return \@rows;
}

# Export with the given body; returns the header and the rows as hashes.
sub export
{
	my ($body) = @_;
	my $json = cr_ok('POST', 'scorecards:export', body => $body);
	# bytes, as ConvSim decodes JSON
	my $text = decode_base64($json->{data});
	my $rows = parse_csv($text);
	my $header = shift @$rows;
	return { header => $header, rows => [ map { my $r = $_; +{ map { $header->[$_] => $r->[$_] } 0 .. $#$header } } @$rows ],
		data => $json->{data}, text => $text };
}

my $all = { includeDeactivatedUsers => JSON::PP::true, includeDevUsers => JSON::PP::true };
$truth = admin_ok('GET', 'cresta/scorecards');
my ($ex_from, $ex_to) = ('2026-10-01T00:00:00Z', '2026-10-20T00:00:00Z');
my $ex = export({ startTime => $ex_from, endTime => $ex_to, %$all });
like($ex->{data}, qr{^[A-Za-z0-9+/]+=*$}, 'export: data is standard base64');
is_deeply($ex->{header}, [ 'Scorecard Name', 'Scorecard Type', 'Conversation Name', 'Agent User Name',
	'Agent Name', 'Agent Email', 'Team Name', 'Template Name', 'Usecase Name', 'Creator User Name',
	'Create Time', 'Submit Time', 'Update Time', 'Acknowledge Time', 'Total Score', 'Auto Failed',
	'Manually Scored', 'Comment' ], 'export: the columns');
@want = sort { tkey($a->{createTime}) cmp tkey($b->{createTime}) || $a->{name} cmp $b->{name} }
  grep { tkey($_->{createTime}) ge tkey($ex_from) && tkey($_->{createTime}) le tkey($ex_to) } @$truth;
cmp_ok(scalar @want, '>', 100, 'export: scorecards created in the range');
is_deeply([ map { $_->{'Scorecard Name'} } @{ $ex->{rows} } ], names(\@want),
	'export: one line per scorecard created in [startTime, endTime], by (createTime, name)');
my ($row) = grep { $card{ $_->{'Scorecard Name'} }{submittedBy} && defined $card{ $_->{'Scorecard Name'} }{totalScore} } @{ $ex->{rows} };
my $c = $card{ $row->{'Scorecard Name'} };
is_deeply([ @$row{ 'Conversation Name', 'Agent User Name', 'Template Name', 'Creator User Name', 'Create Time', 'Submit Time', 'Total Score', 'Manually Scored' } ],
	[ $c->{conversationName}, $c->{agentUserName}, $c->{templateName}, $c->{creator}{name}, $c->{createTime}, $c->{submitTime}, $c->{totalScore}, 'true' ],
	'export: a line agrees with the scorecard\'s JSON');
is($row->{'Agent Email'}, $users{ $c->{agentUserName} }{user}{email}, 'export: the agent\'s email');
ok(!grep({ ($_->{'Total Score'} eq 'N/A') != (($card{ $_->{'Scorecard Name'} }{totalScore} // 0) == -1) } @{ $ex->{rows} }),
	'export: Total Score is N/A exactly where totalScore is -1');
ok(!grep({ $_->{'Total Score'} ne 'N/A' && $_->{'Total Score'} != ($card{ $_->{'Scorecard Name'} }{totalScore} // 0) } @{ $ex->{rows} }),
	'export: and the totalScore elsewhere, 0 where it is omitted');

my %excluded = map { $_ => 1 } grep { !$users{$_}{active} || $users{$_}{dev} } keys %users;
cmp_ok(scalar keys %excluded, '>', 0, 'some agents are deactivated or dev users');
my $default = export({ startTime => $ex_from, endTime => $ex_to });
is_deeply([ map { $_->{'Scorecard Name'} } @{ $default->{rows} } ],
	names([ grep { !$excluded{ $_->{agentUserName} } } @want ]),
	'export: without include*Users, deactivated agents and dev users are left out');
my $one = export({ startTime => $ex_from, endTime => $ex_to, agentUserNames => [$agent], %$all });
is_deeply([ map { $_->{'Scorecard Name'} } @{ $one->{rows} } ], names([ grep { $_->{agentUserName} eq $agent } @want ]),
	'export: agentUserNames');
my $by_template = export({ startTime => $ex_from, endTime => $ex_to, scorecardTemplateNames => ["$template\@*"], %$all });
is_deeply([ map { $_->{'Scorecard Name'} } @{ $by_template->{rows} } ], names([ grep { $_->{templateName} eq $template } @want ]),
	'export: scorecardTemplateNames with the revision @*');
my $team = $users{$agent}{user}{team};
my $by_team = export({ startTime => $ex_from, endTime => $ex_to, teamNames => [$team], %$all });
is_deeply([ map { $_->{'Scorecard Name'} } @{ $by_team->{rows} } ], names([ grep { $users{ $_->{agentUserName} }{user}{team} eq $team } @want ]),
	'export: teamNames');
my $by_usecase = export({ startTime => $ex_from, endTime => $ex_to, usecaseNames => ["$parent/usecases/support"], %$all });
is_deeply([ map { $_->{'Scorecard Name'} } @{ $by_usecase->{rows} } ],
	names([ grep { $_->{templateName} =~ m{/(support-qa|onboarding-call)$} } @want ]), 'export: usecaseNames');
is(scalar @{ export({ startTime => $ex_from, endTime => $ex_to, groupNames => ['customers/acme/groups/g1'] })->{rows} },
	0, 'export: groupNames (the account has no groups): no lines');
my $no_email = export({ startTime => $ex_from, endTime => $ex_to, features => ['ENABLED_FEATURES_BASE'] });
ok(!grep({ $_ eq 'Agent Email' } @{ $no_email->{header} }) && @{ $no_email->{header} } == 17,
	'export: features without AGENT_EMAIL_COLUMN drop the Agent Email column');
my $shifted = export({ startTime => '2026-10-01T10:00:00Z', endTime => '2026-10-20T10:00:00Z', %$all });
isnt($shifted->{data}, $ex->{data}, 'export: ten hours later is another export');
is(export({ startTime => '2026-10-01T20:00:00Z', endTime => '2026-10-20T20:00:00Z', timeZoneOffset => 600, %$all })->{data},
	$shifted->{data}, 'export: timeZoneOffset 600 reads the times as UTC+10:00');
is(export({ startTime => '2026-10-01T06:00:00Z', endTime => '2026-10-20T06:00:00Z', timeZoneId => 'America/New_York', %$all })->{data},
	$shifted->{data}, 'export: timeZoneId America/New_York (UTC-04:00 in October)');
is(export({ startTime => '2026-10-01T20:00:00Z', endTime => '2026-10-20T20:00:00Z', timeZoneId => 'Mars/Olympus', timeZoneOffset => 600, %$all })->{data},
	$shifted->{data}, 'export: an unknown timeZoneId falls back to timeZoneOffset');

my $quoted = cr_ok('POST', 'scorecards', body => { %new, comment => 'Good, "mostly"', totalScore => -1 })->{scorecard};
my $q = export({ startTime => '2026-11-19T09:00:00Z', endTime => '2026-11-19T09:00:00Z', scorecardNames => [ $quoted->{name} ], %$all });
is(scalar @{ $q->{rows} }, 1, 'export: scorecardNames, and an instant range is inclusive at both ends');
is_deeply([ @{ $q->{rows}[0] }{ 'Comment', 'Total Score', 'Agent User Name', 'Create Time', 'Manually Scored' } ],
	[ 'Good, "mostly"', 'N/A', $agent, '2026-11-19T09:00:00Z', 'false' ], 'export: a created scorecard\'s line');
like($q->{text}, qr/,"Good, ""mostly"""\n$/, 'export: quoted as encoding/csv quotes, lines end in \n');

my @bad_exports = (
	[ 'no startTime', { endTime => $ex_to }, qr/startTime is required/ ],
	[ 'no endTime', { startTime => $ex_from }, qr/endTime is required/ ],
	[ 'startTime a date', { startTime => '2026-10-01', endTime => $ex_to }, qr/startTime/ ],
	[ 'startTime after endTime', { startTime => $ex_to, endTime => $ex_from }, qr/after/ ],
	[ 'a template name without @*', { startTime => $ex_from, endTime => $ex_to, scorecardTemplateNames => [$template] }, qr/revision/ ],
	[ 'two usecases', { startTime => $ex_from, endTime => $ex_to, usecaseNames => [ "$parent/usecases/a", "$parent/usecases/b" ] }, qr/single/ ],
	[ 'an unknown feature', { startTime => $ex_from, endTime => $ex_to, features => ['ALL'] }, qr/features/ ],
	[ 'an unknown field', { startTime => $ex_from, endTime => $ex_to, limit => 5 }, qr/Unknown name "limit"/ ],
	[ 'agentUserNames a string', { startTime => $ex_from, endTime => $ex_to, agentUserNames => $agent }, qr/agentUserNames/ ],
	[ 'timeZoneOffset a string', { startTime => $ex_from, endTime => $ex_to, timeZoneOffset => '60' }, qr/timeZoneOffset/ ]);
foreach my $case (@bad_exports)
{
	my ($what, $body, $message) = @$case;
	is_cr_error(cr_req('POST', 'scorecards:export', body => $body), 400, 'INVALID_ARGUMENT',
		"export with $what", $message);
}

#
# POST targets.
#
my %target = (
	scorecardTemplateName => $template,
	target                => 85.5,
	usecaseName           => "$parent/usecases/support",
	createTime            => '2020-01-01T00:00:00Z',
	qaScore               => 12);
$res = cr_req('POST', 'targets', body => \%target);
is($res->{status}, 200, 'target: 200') or diag $res->{content};
my $t = $res->{json}{target};
like($t->{name}, qr{^\Q$parent\E/targets/[0-9a-f-]{36}$}, 'target: the server names it');
like($t->{createTime}, qr/^2026-11-20T03:\d\d:\d\d\.\d{6}Z$/, 'target: createTime is the simulated now');
is($t->{updateTime}, $t->{createTime}, 'target: updateTime is createTime');
ok(!exists $t->{qaScore}, 'target: qaScore is the server\'s (and not computed)');
is_deeply([ @$t{qw(scorecardTemplateName target usecaseName)} ], [ @target{qw(scorecardTemplateName target usecaseName)} ],
	'target: the given fields');
$res = cr_req('POST', 'targets', body => { %target, name => "$parent/targets/team-goal", target => 0,
	criterionOrChapterId => 'empathy' });
is($res->{json}{target}{name}, "$parent/targets/team-goal", 'target: a given name is kept');
ok(!exists $res->{json}{target}{target}, 'target: a target of 0 is omitted (protobuf)');
is_cr_error(cr_req('POST', 'targets', body => { %target, name => "$parent/targets/team-goal" }),
	409, 'ALREADY_EXISTS', 'target: a name that exists');
foreach my $case ([ 'no target', { target => undef }, qr/target\.target is required/ ],
	[ 'no usecaseName', { usecaseName => undef }, qr/target\.usecaseName is required/ ],
	[ 'no scorecardTemplateName', { scorecardTemplateName => undef }, qr/target\.scorecardTemplateName is required/ ],
	[ 'target 101', { target => 101 }, qr/target\.target/ ], [ 'target -1', { target => -1 }, qr/target\.target/ ],
	[ 'an unknown field', { goal => 1 }, qr/Unknown name "goal" at 'target'/ ])
{
	my ($what, $change, $message) = @$case;
	my %body = (%target, %$change);
	delete $body{$_} foreach grep { !defined $body{$_} } keys %body;
	is_cr_error(cr_req('POST', 'targets', body => \%body), 400, 'INVALID_ARGUMENT', "target with $what", $message);
}
is_deeply([ map { $_->{name} } @{ admin_ok('GET', 'cresta/targets') } ], [ $t->{name}, "$parent/targets/team-goal" ],
	'the admin lists the created targets');
is_deeply(admin_ok('GET', 'cresta/targets')->[0], $t, 'as POST answered them');

#
# Admin: scorecards modified during a scan move to the end of the order
# (updateTime is the simulated now); deleted ones leave the list.
#
$truth = admin_ok('GET', 'cresta/scorecards');
my ($draft) = grep { !defined $_->{submitTime} && $card{ $_->{name} } && $card{ $_->{name} }{manuallyScored} } @$truth[ 0 .. 99 ];
my $seen_early = $truth->[10];
my $not_yet    = $truth->[800];
my $gone       = $truth->[900];
(my $gone_id = $gone->{name}) =~ s{.*/}{};
my (%changed, @added);
$scan = scan(
	'pageSize=100',
	on_page => sub {
		my ($n) = @_;
		return unless $n == 2;
		admin_ok('POST', 'clock', { now => '2026-11-20T04:00:00Z' });
		foreach my $s ($seen_early, $not_yet)
		{
			(my $id = $s->{name}) =~ s{.*/}{};
			$changed{ $s->{name} } = admin_ok('POST', "cresta/scorecards/$id/modify", { comment => 'Reviewed again' })->{updateTime};
		}
		(my $id = $draft->{name}) =~ s{.*/}{};
		$changed{ $draft->{name} } = admin_ok('POST', "cresta/scorecards/$id/modify", { submit => JSON::PP::true })->{updateTime};
		admin_ok('DELETE', "cresta/scorecards/$gone_id");
		@added = @{ admin_ok('POST', 'cresta/scorecards', { count => 2, agentUserName => $agent }) };
	});
my @all_names = @{ names($scan->{objects}) };
is(scalar(grep { $_ eq $seen_early->{name} } @all_names), 2, 'a scorecard modified after the pager read it is returned again');
is(scalar(grep { $_ eq $not_yet->{name} } @all_names), 1, 'one modified before the pager reached it, once');
ok(!grep({ $_ eq $gone->{name} } @all_names), 'a scorecard deleted during the scan is not returned');
my @tail = @{ $scan->{objects} }[ -5 .. -1 ];
is_deeply([ sort map { $_->{name} } @tail ], [ sort(keys %changed, map { $_->{name} } @added) ],
	'the modified and the added come last');
like($tail[0]{updateTime}, qr/^2026-11-20T04:00:\d\d\.\d{6}Z$/, 'updated at the simulated now, with microseconds');
my ($reviewed) = grep { $_->{name} eq $seen_early->{name} } @tail;
is($reviewed->{comment}, 'Reviewed again', 'with the changed comment');
is($reviewed->{updateTime}, $changed{ $seen_early->{name} }, 'and the updateTime the admin answered');
my ($submitted) = grep { $_->{name} eq $draft->{name} } @tail;
ok($submitted->{submitTime} && $submitted->{submittedBy} && $submitted->{submissionSource},
	'a submitted draft has submitTime, submittedBy and submissionSource');
is($submitted->{submitTime}, $submitted->{updateTime}, 'submitted now');
ok(!grep({ $_->{agentUserName} ne $agent || $_->{updateTime} !~ /^2026-11-20T04:/ } @tail[ grep { my $i = $_; grep { $_->{name} eq $tail[$i]{name} } @added } 0 .. 4 ]),
	'the added scorecards are the given agent\'s, updated now');
my $after = admin_ok('GET', 'cresta/scorecards');
is(scalar @$after, scalar(@$truth) + 1, 'the admin list: one deleted, two added');
is_deeply(names(scan('pageSize=100')->{objects}), names($after), 'a new scan returns exactly the admin list');
is_deeply(names([ @{ scan('pageSize=100&startSubmitTime=2026-11-20T04:00:00Z')->{objects} } ]),
	names([ grep { defined $_->{submitTime} && $_->{submitTime} ge '2026-11-20T04:00' } @$after ]),
	'the submitted draft is found by submitTime');
my $backfill = admin_ok('POST', 'cresta/scorecards/backfill-1/modify', { comment => 'Backfilled' });
my $backfilled = first { $_->{name} eq "$parent/scorecards/backfill-1" } @{ cr_ok('GET', 'scorecards?startUpdateTime=2026-11-20T04:00:00Z&pageSize=100')->{scorecards} };
is($backfilled->{comment}, 'Backfilled', 'a created scorecard can be modified too');
is($backfilled->{updateTime}, $backfill->{updateTime}, 'and moves to now');
is($sim->admin('POST', 'cresta/scorecards/nope/modify', {})->{status}, 404, 'admin: modify an unknown scorecard: 404');
is($sim->admin('POST', "cresta/scorecards/backfill-1/modify", { colour => 'red' })->{status}, 400, 'admin: an unknown member: 400');
is($sim->admin('POST', "cresta/scorecards/backfill-1/modify", { submit => 'yes' })->{status}, 400, 'admin: submit not a boolean: 400');
is($sim->admin('POST', "cresta/scorecards/$gone_id/modify", {})->{status}, 404, 'admin: a deleted scorecard: 404');
is($sim->admin('POST', 'cresta/scorecards', { count => 0 })->{status}, 400, 'admin: count 0: 400');
is($sim->admin('POST', 'cresta/scorecards', { agentUserName => 'nobody' })->{status}, 400, 'admin: an unknown agent: 400');
is($sim->admin('GET', 'cresta/nope')->{status}, 404, 'admin: an unknown route: 404');

#
# The request log.
#
my $mark = $sim->log_mark;
my $query = 'pageSize=2&templateName=' . enc($template);
cr_req('GET', "scorecards?$query");
cr_req('POST', 'targets', body => {});
$sim->get("$P/scorecards");
my @log = $sim->log_since($mark);
is_deeply([ map { "$_->{vendor} $_->{method} $_->{path} $_->{status}" } @log ],
	[ "cresta GET $P/scorecards 200", "cresta POST $P/targets 400", "cresta GET $P/scorecards 401" ],
	'the log: vendor, method, path and status of each request');
is($log[0]{query}, $query, 'the log: the query as the client encoded it');
$sim->stop;

#
# The quota: 10 requests a second by default; over it, 429 with
# Retry-After and RateLimit-* headers (the core's error body).
#
my $small = ConvSim->start(%data, calls => 30, https => 0, cresta_per_second => 3);
# Start just after a second begins, so that the burst fits in one second.
sleep(1.02 - (time - int(time)));
my @burst = map { $small->get("$P/scorecards?pageSize=1", token => 'cresta-token') } 1 .. 8;
my @statuses = map { $_->{status} } @burst;
is_deeply([ @statuses[ 0 .. 2 ] ], [ 200, 200, 200 ], 'the first 3 requests of a second: 200') or diag "@statuses";
cmp_ok(scalar(grep { $_ == 429 } @statuses), '>=', 2, 'then 429') or diag "@statuses";
cmp_ok(scalar(grep { $_ == 200 } @statuses), '<=', 6, 'at most 3 a second') or diag "@statuses";
my $limited = first { $_->{status} == 429 } @burst;
is($limited->{headers}{'retry-after'}, '1', '429: Retry-After: 1');
is($limited->{headers}{'ratelimit-limit'}, '3', '429: RateLimit-Limit: 3');
is($limited->{headers}{'ratelimit-remaining'}, '0', '429: RateLimit-Remaining: 0');
sleep 1.1;
is($small->get("$P/scorecards?pageSize=1", token => 'cresta-token')->{status}, 200, 'the next second: 200');
is(scalar(grep { $_->{status} == 429 && $_->{vendor} eq 'cresta' } $small->log_since(0)),
	scalar(grep { $_ == 429 } @statuses), 'the log has the 429s');
$small->stop;

my $default_quota = ConvSim->start(%data, calls => 30, https => 0);
sleep(1.02 - (time - int(time)));
@statuses = map { $default_quota->get("$P/scorecards?pageSize=1", token => 'cresta-token')->{status} } 1 .. 12;
is_deeply([ @statuses[ 0 .. 9 ] ], [ (200) x 10 ], 'by default 10 a second pass') or diag "@statuses";
is($statuses[11], 429, 'the 12th in a second is refused') or diag "@statuses";
$default_quota->stop;

#
# Options: a bad --cresta-per-second or id stops the simulator.
#
my $bin = $ENV{CONV_SIM_BIN};
foreach my $args ([qw(--cresta-per-second 0)], [qw(--cresta-per-second x)], [qw(--cresta-customer a/b)])
{
	my $out = `timeout 20 \Q$bin\E --http-port 0 @{[ map { quotemeta } @$args ]} 2>&1`;
	my $status = $? >> 8;
	ok($status != 0 && $status != 124, "conv-sim @$args: exits non-zero ($status)");
	like($out, qr/--cresta-/, "conv-sim @$args: says why");
}
my $acme2 = ConvSim->start(%data, calls => 30, https => 0, cresta_token => 't2', cresta_customer => 'initech',
	cresta_profile => 'qa');
$res = $acme2->get('/v1/customers/initech/profiles/qa/scorecards?pageSize=1', token => 't2');
is($res->{status}, 200, '--cresta-token, --cresta-customer, --cresta-profile');
like($res->{json}{scorecards}[0]{name}, qr{^customers/initech/profiles/qa/scorecards/}, 'names follow them');
like($res->{json}{scorecards}[0]{agentUserName}, qr{^customers/initech/users/}, 'user names too');
$acme2->stop;

done_testing();
