# conv-sim, Siro: the external API as the vendor documents it. Bearer
# token; core/users and core/recordings paged by pageSize and an opaque
# cursor that is a position (a recording updated during a scan by
# updatedAt comes again); createdAt/updatedAt filters with milliseconds;
# the recording object's documented fields, the heavy parts only behind
# their include flags; deleted recordings still listed; core/recordings/{id};
# the admin operations; the request log; 429 over the per-minute quota.

use strict;
use warnings;

use JSON::PP;
use List::Util qw(all any first sum uniq);
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep time);

use ConvSim;
use EvSim qw(admin_json iso_epoch);
use SiroSim qw(siro_get siro_json siro_scan $SIRO_BASE);

# 600 recordings: enough for a bulk-update cluster larger than a page
my %data = (
	calls  => 1200,
	clock  => '2026-11-20T03:00:00Z',
	anchor => '2026-11-20T00:00:00Z');
my $sim = ConvSim->start(%data, https => 0);

# The quota has its own simulator at the end; this part makes hundreds of requests.
admin_json($sim, 'POST', 'config', { rate_limits => JSON::PP::false });

my $ms_time = qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
my $all_flags = join '&', map { "$_=true" } qw(includePhotos includeCrmOpportunities
  includeMediaOpportunities includeEvaluation includeMultimediaEvents includeMobileEvents
  includeFollowups includeCrmAccounts);
my %part_of = (
	includePhotos             => 'images',
	includeCrmOpportunities   => 'crmOpportunities',
	includeMediaOpportunities => 'mediaOpportunities',
	includeEvaluation         => 'evaluation',
	includeMultimediaEvents   => 'multimediaEvents',
	includeMobileEvents       => 'mobileEvents',
	includeFollowups          => 'followups',
	includeCrmAccounts        => 'crmAccounts');

# The documented members of a recording, without the flag-gated parts, and
# the updatedAt the list filters on.
my @recording_fields = qw(id dateCreated deleted transcriptionStatus processingStatus
  processingStage processingErrors recordErrors processingError rawAudioPath
  processedAudioPath lastProcessedAudio organizationId teamId userId locked
  terminatedUngraciously originalDeviceId codeVersion lock splitLock mergeLock
  splitRetryNeeded organizationName repFirstName repLastName speakerMap
  mergeRetryNeeded redactedTranscript confidence error jumpToTags
  jumpToTagsWordsOnly lastUpdatedJumpToTags manualLabelBookmarkConfigIds result
  title notes durationInMilliseconds discoverable isPrivate detected_language
  trendingScore starCount viewCount uniqueViewCount deletedDate deletedPermanently
  originalRecordingId enableAutomaticSplit offsetFromOriginalRecordingMs
  conversationType debriefResponses debriefQuestions lastChunkUploaded
  numberOfChunks numberOfProcessedChunks numberOfExpectedChunks numberOfComments
  unreadComments unreadTags tags lastLabeled bookmarkConfigsUsedDuringLabeling
  bookmarklabels outcomeLabel manualLabels splitHistory secondaryTranscriptionJobId
  secondaryTranscriptionService secondaryProcessingStatus
  secondaryTranscriptionIgnored secondaryTranscriptionAttempts
  secondaryTranscriptionDurationSent lastSuccessfulSecondaryTranscription
  lastSuccessfulSecondaryTranscriptionJobId leadIdSiro leadInteractionIdSiro
  leadInteractionMatchScore latitude longitude coordinates g conversationTime
  repSpeakingTime customerSpeakingTime customerQuestionsCount repQuestionsCount
  exchangesCount repExchangesCount totalRepExchangesWithAQuestion repWordCount
  repUniqueWordsUsedCount repFillerWordsCount totalRepVocabularyScore
  totalRepWordObscurityScore longestMonologueMillis longestCustomerStoryMillis
  repWordsPerMinute repFillerWordsPerMin repSpeakerShare interactivityScore
  repControl repVocabularyLevel repWordObscurityScore conversationSegmentDates
  chunkStatusMap expectedChunksOutstanding advancedBookmarksChecked
  extractedPrimaryContactPhoneNumber doNotDelete processedChunkNumbers
  skippableChunkNumbers dateLackingSingleExpectedChunk audioDurationInMilliseconds
  isVideo videoRecordingId rawVideoPath source transcriptionLanguage os osVersion
  deviceType deviceId summaryProcessingStatus bookmarkingProcessingStatus
  llmBookmarkingStatus llmSpeakerAssignmentStatus conversationQualityTag
  conversationQualityTagReasoning llmConversationApprovalStatus
  aiMetricsProcessingStatus betaFeatures allChunksUploaded recordingSettings
  crmCustomer seedRecordingId seedRecordingRecordingId updatedAt);

# Ids of a list of objects.
sub ids { return [ map { $_->{id} } @{ $_[0] } ]; }

# Assert a JSON error with status $status (and a message matching $re).
sub is_error
{
	my ($res, $status, $what, $re) = @_;

	is($res->{status}, $status, "$what: $status");
	ok($res->{json} && $res->{json}{status} == $status && length $res->{json}{message},
		"$what: JSON error body") or diag $res->{content};
	like($res->{json}{message} // '', $re, "$what: the message says why") if $re;
	return;
}

# Assert that $obj has exactly the fields @$fields.
sub has_fields
{
	my ($obj, $fields, $what) = @_;

	is_deeply([ sort keys %{ $obj // {} } ], [ sort @$fields ], "$what: the documented fields")
	  or diag explain [ sort keys %{ $obj // {} } ];
	return;
}

# $iso (...sssZ) written in a zone $hours east of UTC, '+' encoded for a query.
sub in_zone
{
	my ($iso, $hours) = @_;
	my ($ms) = $iso =~ /\.(\d{3})Z$/;
	my @g = gmtime(int(iso_epoch($iso)) + $hours * 3600);

	return sprintf('%04d-%02d-%02dT%02d:%02d:%02d.%s%s%02d:00',
		$g[5] + 1900, $g[4] + 1, @g[ 3, 2, 1, 0 ], $ms, $hours < 0 ? '-' : '%2B', abs $hours);
}

#
# Authentication: a bearer token, nothing else.
#
my $res = $sim->get("$SIRO_BASE/core/recordings");
is_error($res, 401, 'no token');
is($res->{headers}{'www-authenticate'}, 'Bearer realm="Siro"', '401 says Bearer realm="Siro"');
is_error(siro_get($sim, 'core/users', token => 'siro-token2'), 401, 'a wrong token');
is_error($sim->get("$SIRO_BASE/core/users", user => 'siro-token', password => 'siro-token'),
	401, 'HTTP Basic');
is(siro_get($sim, 'core/users')->{status}, 200, 'the token: 200');
is_error(siro_get($sim, 'core/nothing'), 404, 'an unknown path');
is_error($sim->request('POST', "$SIRO_BASE/core/recordings", token => 'siro-token'), 405, 'POST core/recordings');

#
# core/users: 40 users of one organisation, paged by id.
#
my $upage = siro_json($sim, 'core/users');
is_deeply([ sort keys %$upage ], [qw(cursor data limit pageSize)], 'users: data, cursor, pageSize, limit');
is(scalar @{ $upage->{data} }, 25, 'users: pageSize defaults to 25');
my $upage2 = siro_json($sim, "core/users?cursor=$upage->{cursor}");
is(scalar @{ $upage2->{data} }, 15, 'users: the second page has the other 15');
is($upage2->{cursor}, undef, 'users: and no cursor');
my @users = (@{ $upage->{data} }, @{ $upage2->{data} });
is(scalar(uniq map { $_->{id} } @users), 40, 'users: 40 different users');
is_deeply(ids(\@users), [ sort @{ ids(\@users) } ], 'users: in id order');
is_deeply(siro_json($sim, 'core/users?pageSize=100')->{data}, \@users, 'users: pageSize=100 has them all');
has_fields($users[0], [qw(id organizationId teamId teamName firstName lastName email
	  phoneNumber role dateCreated deleted deletedDate)], 'users');
my %user = map { $_->{id} => $_ } @users;
my %roles;
$roles{ $_->{role} }++ foreach @users;
is_deeply(\%roles, { ADMIN => 2, MANAGER => 5, REP => 33 }, 'users: 2 admins, 5 managers, 33 reps');
ok((all { defined $_->{teamId} == ($_->{role} ne 'ADMIN') } @users), 'users: admins have no team, the others one');
is(scalar(uniq map { $_->{teamId} // () } @users), 5, 'users: five teams');
is(scalar(uniq map { $_->{organizationId} } @users), 1, 'users: one organisation');
is(scalar(grep { $_->{deleted} } @users), 2, 'users: two have left');
ok((all { $_->{deleted} == defined $_->{deletedDate} } @users), 'users: deletedDate iff deleted');
ok((any { !defined $_->{phoneNumber} } @users), 'users: some have no phone number');
like($users[0]{dateCreated}, $ms_time, 'users: dateCreated has milliseconds');
my $full = siro_json($sim, 'core/users?pageSize=40');
ok(defined $full->{cursor}, 'users: a full page has a cursor even when nothing follows');
$res = siro_json($sim, "core/users?pageSize=40&cursor=$full->{cursor}");
is_deeply([ $res->{data}, $res->{cursor} ], [ [], undef ], 'users: the next page is empty, without a cursor');

#
# The admin's lists are the truth the pagers are compared with.
#
my $truth = admin_json($sim, 'GET', 'siro/recordings');
is(scalar @$truth, 600, 'calls/2 = 600 recordings');
is_deeply(ids($truth), ids([ sort { $a->{dateCreated} cmp $b->{dateCreated} || $a->{id} cmp $b->{id} } @$truth ]),
	'the admin list is in (dateCreated, id) order');
my $truth_u = admin_json($sim, 'GET', 'siro/recordings?order=updatedAt');
is_deeply(ids($truth_u), ids([ sort { $a->{updatedAt} cmp $b->{updatedAt} || $a->{id} cmp $b->{id} } @$truth ]),
	'?order=updatedAt is in (updatedAt, id) order');

#
# core/recordings without filters: (dateCreated, id) order, 25 a page.
#
my $page = siro_json($sim, 'core/recordings');
is_deeply([ sort keys %$page ], [qw(cursor data limit pageSize)], 'recordings: data, cursor, pageSize, limit');
is_deeply([ $page->{pageSize}, $page->{limit} ], [ 25, 100 ], 'pageSize is the page size in force, limit the largest');
is_deeply(ids($page->{data}), [ @{ ids($truth) }[ 0 .. 24 ] ], 'the first page: the first 25 by (dateCreated, id)');
like($page->{cursor}, qr/^[A-Za-z0-9_-]{20,}$/, 'the cursor is opaque base64url');
is(siro_json($sim, 'core/recordings?pageSize=100')->{pageSize}, 100, 'pageSize=100');
foreach my $bad ('0', '101', '-1', '1.5', 'ten', '', '1e2', '%2B5', '99999999999999999999')
{
	is_error(siro_get($sim, "core/recordings?pageSize=$bad"), 400, "pageSize=$bad", qr/pageSize/);
}
is_error(siro_get($sim, 'core/users?pageSize=101'), 400, 'users: pageSize=101', qr/pageSize/);
is_error(siro_get($sim, 'core/recordings?pageSize=5&pageSize=6'), 400, 'pageSize twice', qr/more than once/);

my $scan = siro_scan($sim, 'core/recordings');
my @recs = @{ $scan->{objects} };
is_deeply(ids(\@recs), ids($truth), 'pages of 100: every recording once, in (dateCreated, id) order');
is($scan->{duplicates}, 0, 'pages of 100: no duplicates');
is(scalar @{ $scan->{pages} }, 7, 'six full pages and one more');
is_deeply($scan->{pages}[-1]{ids}, [], 'the page after a full last page is empty');
is($scan->{pages}[-1]{next}, undef, 'and has no cursor');
my $expected_keys = join ',', sort @recording_fields;
is_deeply([ grep { join(',', sort keys %$_) ne $expected_keys } @recs ], [],
	'every recording has exactly the documented members and updatedAt, no optional part');
has_fields($recs[0], \@recording_fields, 'recordings');

#
# The data: times, statuses, nulls, deletions, links to users.
#
my @times = map { @$_{qw(dateCreated updatedAt)} } @recs;
is_deeply([ grep { $_ !~ $ms_time } @times ], [], 'dateCreated and updatedAt are ISO 8601 UTC with milliseconds');
is_deeply([ grep { $_->{updatedAt} lt $_->{dateCreated} } @recs ], [], 'updatedAt is never before dateCreated');
cmp_ok($recs[0]{dateCreated}, 'ge', '2026-08-21T23:50:00.000Z', 'the data starts 90 days before the anchor');
cmp_ok($recs[-1]{updatedAt}, 'le', '2026-11-20T00:00:00.000Z', 'and ends at the anchor');
is_deeply([ map { @$_{qw(id dateCreated updatedAt deleted deletedDate)} } @recs ],
	[ map { @$_{qw(id dateCreated updatedAt deleted deletedDate)} } @$truth ],
	'the API and the admin agree on times and deletions');
my @deleted = grep { $_->{deleted} } @recs;
ok(@deleted >= 12 && @deleted <= 24, scalar(@deleted) . ' of 600 recordings are deleted (about 3%)');
ok((all { JSON::PP::is_bool($_->{deleted}) } @recs), 'deleted is a boolean');
ok((all { defined $_->{deletedDate} && $_->{deletedDate} eq $_->{updatedAt} } @deleted),
	'a deleted recording has deletedDate, and the deletion is its last update');
ok((all { !defined $_->{deletedDate} } grep { !$_->{deleted} } @recs), 'the others have deletedDate null');

my %status;
$status{ $_->{transcriptionStatus} }++ foreach @recs;
is_deeply([ grep { !/^(RECORDING|UPLOADING|TRANSCRIBING|COMPLETE|SECONDARY_TRANSCRIPTION_COMPLETE|ERROR|UNRECOVERABLE_ERROR)$/ } keys %status ],
	[], 'transcriptionStatus values are documented ones');
cmp_ok($status{COMPLETE}, '>', 450, 'most recordings are COMPLETE');
cmp_ok(scalar(keys %status), '>=', 4, 'and there are others: ' . join(', ', sort keys %status));
my @done = grep { defined $_->{conversationTime} } @recs;
my @undone = grep { !defined $_->{conversationTime} } @recs;
ok((all { $_->{transcriptionStatus} =~ /COMPLETE$/ } @done), 'talk metrics come with COMPLETE recordings');
ok(@undone && (all { !defined $_->{title} && !defined $_->{result} && !defined $_->{repWordCount} } @undone),
	'the others have null metrics, title and result');
ok((all { $_->{processingStatus} eq ($_->{transcriptionStatus} =~ /ERROR/ ? 'error' : 'complete') } @done, grep { $_->{transcriptionStatus} =~ /ERROR/ } @recs),
	'processingStatus agrees with transcriptionStatus');
ok((all { $_->{repSpeakingTime} + $_->{customerSpeakingTime} <= $_->{conversationTime}
	  && $_->{conversationTime} <= $_->{durationInMilliseconds} } @done),
	'rep + customer speaking time <= conversationTime <= durationInMilliseconds');
ok((all { abs($_->{repControl} - int(1000 * $_->{totalRepExchangesWithAQuestion} / $_->{repExchangesCount} + 0.5) / 10) < 0.06 } @done),
	'repControl is the percent of rep exchanges with a question');
ok((any { !defined $_->{title} } @done) && (any { defined $_->{title} } @done), 'some titles are null');
is_deeply([ uniq sort map { $_->{outcomeLabel} // 'null' } @done ], [qw(CLOSED NOT_CLOSED null)],
	'outcomeLabel CLOSED, NOT_CLOSED or null');
my %result_of = (CLOSED => 'closed', NOT_CLOSED => 'not closed', null => 'null');
ok((all { ($_->{result} // 'null') eq $result_of{ $_->{outcomeLabel} // 'null' } } @recs),
	'result and outcomeLabel agree');
my ($recording) = grep { $_->{transcriptionStatus} eq 'RECORDING' } @recs;
ok($recording, 'some recordings are still being recorded at the anchor');
is($recording->{durationInMilliseconds}, undef, 'they have no duration yet');
is($recording->{allChunksUploaded}, JSON::PP::false, 'nor all their chunks');
is_deeply([ grep { !$user{ $_->{userId} } || $user{ $_->{userId} }{role} eq 'ADMIN' } @recs ], [],
	'every recording is by a listed rep or manager');
is_deeply([ grep { my $u = $user{ $_->{userId} }; $u->{firstName} ne $_->{repFirstName}
	  || $u->{lastName} ne $_->{repLastName} || $u->{teamId} ne $_->{teamId} } @recs ], [],
	"repFirstName, repLastName and teamId are the user's");
is(scalar(uniq((map { $_->{organizationId} } @recs), (map { $_->{organizationId} } @users))), 1, 'one organisation');
my $linked = grep { defined $_->{crmCustomer} } @recs;
ok($linked > 150 && $linked < 450, "$linked recordings are linked to a CRM customer, the others null");
ok((all { !defined $_->{latitude} } grep { $_->{os} !~ /^(ios|android)$/ } @recs), 'desktop recordings have no location');
ok((any { defined $_->{latitude} } @recs), 'phone recordings mostly do');

#
# updatedAt filters: order by (updatedAt, id), bounds exact to the millisecond.
#
$scan = siro_scan($sim, 'core/recordings', query => 'updatedAt:gte=2000-01-01T00:00:00.000Z');
is_deeply(ids($scan->{objects}), ids($truth_u), 'with an updatedAt filter: (updatedAt, id) order, each once');
my @u = @$truth_u;
my ($late, $early) = ($u[-30]{updatedAt}, $u[30]{updatedAt});
my %cases = (
	"updatedAt:gte=$late" => [ grep { $_->{updatedAt} ge $late } @u ],
	"updatedAt:gt=$late"  => [ grep { $_->{updatedAt} gt $late } @u ],
	"updatedAt:lt=$early" => [ grep { $_->{updatedAt} lt $early } @u ],
	"updatedAt:lte=$early" => [ grep { $_->{updatedAt} le $early } @u ],
	"updatedAt%3Agte=$late" => [ grep { $_->{updatedAt} ge $late } @u ],
	'updatedAt:gte=' . in_zone($late, 2) => [ grep { $_->{updatedAt} ge $late } @u ],
	'updatedAt:gte=' . in_zone($late, -5) => [ grep { $_->{updatedAt} ge $late } @u ],
	"updatedAt:gt=$early&updatedAt:lte=$u[60]{updatedAt}" =>
	  [ grep { $_->{updatedAt} gt $early && $_->{updatedAt} le $u[60]{updatedAt} } @u ],
	"updatedAt:gte=$late&updatedAt:lt=$late" => []);
foreach my $q (sort keys %cases)
{
	is_deeply(ids(siro_scan($sim, 'core/recordings', query => $q, page_size => 7)->{objects}),
		ids($cases{$q}), "$q: exactly the recordings in range, in (updatedAt, id) order");
}
cmp_ok(scalar @{ $cases{"updatedAt:gte=$late"} }, '>', scalar @{ $cases{"updatedAt:gt=$late"} },
	'gte includes the recording at the bound, gt does not');

# A bulk CRM sync gave more recordings than a page the very same updatedAt.
my %per_time;
$per_time{ $_->{updatedAt} }++ foreach @u;
my ($cluster) = sort { $per_time{$b} <=> $per_time{$a} } keys %per_time;
cmp_ok($per_time{$cluster}, '>', 100, "$per_time{$cluster} recordings share updatedAt $cluster");
$scan = siro_scan($sim, 'core/recordings', query => "updatedAt:gte=$cluster&updatedAt:lte=$cluster");
is_deeply(ids($scan->{objects}), [ sort map { $_->{id} } grep { $_->{updatedAt} eq $cluster } @u ],
	'paging through the cluster: each once, by id');
cmp_ok(scalar @{ $scan->{pages} }, '>=', 2, 'over pages whose cursor is inside the cluster');

#
# createdAt filters: strict bounds on dateCreated; with updatedAt ones, the intersection.
#
my ($c1, $c2) = ($truth->[100]{dateCreated}, $truth->[140]{dateCreated});
is_deeply(ids(siro_scan($sim, 'core/recordings', query => "createdAt:gt=$c1&createdAt:lt=$c2", page_size => 9)->{objects}),
	ids([ grep { $_->{dateCreated} gt $c1 && $_->{dateCreated} lt $c2 } @$truth ]),
	'createdAt:gt and createdAt:lt: strictly between, in (dateCreated, id) order');
my $mixed = "createdAt:gt=$truth->[300]{dateCreated}&updatedAt:lt=$u[400]{updatedAt}";
is_deeply(ids(siro_scan($sim, 'core/recordings', query => $mixed)->{objects}),
	ids([ grep { $_->{dateCreated} gt $truth->[300]{dateCreated} && $_->{updatedAt} lt $u[400]{updatedAt} } @u ]),
	'createdAt and updatedAt together: both apply, in (updatedAt, id) order');

foreach my $bad ('2026-11-01T00:00:00Z', '2026-11-01T00:00:00.0Z', '2026-11-01T00:00:00.1234Z',
	'2026-11-01T00:00Z', '2026-11-01', '2026-11-01T00:00:00.000', 'yesterday', '1762041600000', '',
	'2026-11-01T00:00:00.000+01:00',    # an unencoded '+' is a space
	'2026-13-01T00:00:00.000Z', '2026-02-30T00:00:00.000Z', '2026-11-01T00:00:00.000Z%20x')
{
	is_error(siro_get($sim, "core/recordings?updatedAt:gt=$bad"), 400, "updatedAt:gt=$bad", qr/updatedAt:gt/);
	is_error(siro_get($sim, "core/recordings?createdAt:lt=$bad"), 400, "createdAt:lt=$bad", qr/createdAt:lt/);
}
foreach my $op (qw(createdAt:gte createdAt:lte createdAt:eq updatedAt:eq updatedAt createdAt updatedAt:GT))
{
	is_error(siro_get($sim, "core/recordings?$op=2026-11-01T00:00:00.000Z"), 400, "the undocumented filter $op",
		qr/\Q$op\E/);
}
is_error(siro_get($sim, 'core/recordings?updatedAt:gt=2026-11-01T00:00:00.000Z&updatedAt:gt=2026-11-02T00:00:00.000Z'),
	400, 'a filter given twice', qr/more than once/);
is(siro_get($sim, 'core/recordings?pageSize=1&sort=desc&foo=bar')->{status}, 200, 'other parameters are ignored');

#
# The cursor: a position, checked; a foreign or changed one is a 400.
#
my $p1 = siro_json($sim, 'core/recordings?pageSize=5');
my $cur = $p1->{cursor};
is_deeply(ids(siro_json($sim, "core/recordings?pageSize=5&cursor=$cur")->{data}), [ @{ ids($truth) }[ 5 .. 9 ] ],
	'the cursor continues after the last object');
is_deeply(ids(siro_json($sim, "core/recordings?pageSize=2&cursor=$cur")->{data}), [ @{ ids($truth) }[ 5, 6 ] ],
	'it is a position, not an offset: another pageSize continues from it too');
is_deeply(ids(siro_json($sim, "core/recordings?pageSize=2&cursor=$cur&createdAt:gt=$truth->[6]{dateCreated}")->{data}),
	[ @{ ids($truth) }[ 7, 8 ] ], 'with a filter ahead of it, the filter decides');
(my $flipped = $cur) =~ s/^(.{6})(.)/$1 . ($2 eq 'A' ? 'B' : 'A')/e;
my $ucur = $upage->{cursor};
my $uord = siro_json($sim, 'core/recordings?pageSize=5&updatedAt:gte=2000-01-01T00:00:00.000Z')->{cursor};
my %bad_cursor = (
	'abc'            => 'garbage',
	''               => 'an empty cursor',
	$flipped         => 'a changed character',
	substr($cur, 0, -1) => 'a truncated cursor',
	"${cur}A"        => 'a cursor with a character more',
	"$cur%3D"        => 'a padded cursor',
	'x' x 300        => 'a long one');
foreach my $bad (sort keys %bad_cursor)
{
	is_error(siro_get($sim, "core/recordings?cursor=$bad"), 400, "cursor: $bad_cursor{$bad}", qr/invalid cursor/);
}
is_error(siro_get($sim, "core/recordings?cursor=$ucur"), 400, 'a users cursor on recordings', qr/another listing/);
is_error(siro_get($sim, "core/users?cursor=$cur"), 400, 'a recordings cursor on users', qr/another listing/);
is_error(siro_get($sim, "core/recordings?cursor=$cur&updatedAt:gte=2000-01-01T00:00:00.000Z"), 400,
	'a dateCreated-order cursor with an updatedAt filter', qr/repeat the filters/);
is_error(siro_get($sim, "core/recordings?cursor=$uord"), 400,
	'an updatedAt-order cursor without the updatedAt filter', qr/repeat the filters/);
is_error(siro_get($sim, "core/recordings?cursor=$cur&cursor=$cur"), 400, 'two cursors', qr/more than once/);

#
# The optional parts: each flag adds its member and nothing else.
#
$page = siro_json($sim, "core/recordings?pageSize=100&$all_flags");
my @full = @{ $page->{data} };
is_deeply(ids(\@full), [ @{ ids($truth) }[ 0 .. 99 ] ], 'the flags do not change which recordings come');
is_deeply([ grep { join(',', sort keys %$_) ne join(',', sort @recording_fields, values %part_of) } @full ], [],
	'with every flag, every recording has every part');
my %full = map { $_->{id} => $_ } @full;
my %base = map { $_->{id} => $_ } @recs;
is_deeply({ map { my $r = { %$_ }; delete @$r{ values %part_of }; ($_->{id} => $r) } @full },
	{ map { $_ => $base{$_} } keys %full }, 'and the same members otherwise');
my $mobile = qr/^(ios|android)$/;
ok((all { (@{ $_->{mobileEvents} } > 0) == ($_->{os} =~ $mobile) } @full), 'mobileEvents: for phone recordings');
ok((all { !@{ $_->{images} } || $_->{os} =~ $mobile } @full), 'images: photos taken with phones');
ok((all { (@{ $_->{crmAccounts} } > 0) == defined $_->{crmCustomer} } @full), 'crmAccounts: iff a CRM customer');
ok((all { !@{ $_->{followups} } || defined $_->{crmCustomer} } @full), 'followups: only with a CRM customer');
ok((all { !@{ $_->{crmOpportunities} } || defined $_->{crmCustomer} } @full), 'crmOpportunities: only with a CRM customer');
ok((all { !defined $_->{evaluation} || defined $_->{conversationTime} } @full), 'evaluation: only with metrics');
foreach my $part (sort values %part_of)
{
	ok((any { ref $_->{$part} eq 'ARRAY' ? @{ $_->{$part} } : defined $_->{$part} } @full),
		"$part: some recordings have some");
}
# the shapes of the parts, as the document shows them
my $with = sub { my ($k) = @_; first { ref $_->{$k} eq 'ARRAY' ? @{ $_->{$k} } : defined $_->{$k} } @full };
has_fields($with->('images')->{images}[0], [qw(rawImages linkedImage timestamp)], 'images');
has_fields($with->('images')->{images}[0]{rawImages}[0], [qw(type uri url)], 'images: rawImages');
has_fields($with->('crmOpportunities')->{crmOpportunities}[0], [qw(opportunityExternalId accountId
	  accountName accountExternalId disposition closedAt name amount integrationName
	  integrationPlatform addresses)], 'crmOpportunities');
has_fields($with->('crmOpportunities')->{crmOpportunities}[0]{addresses}[0], [qw(street city state zip country)],
	'crmOpportunities: addresses');
has_fields($with->('mediaOpportunities')->{mediaOpportunities}[0],
	[qw(externalId integrationName integrationPlatform name addresses images)], 'mediaOpportunities');
has_fields($with->('multimediaEvents')->{multimediaEvents}[0], [qw(storageUrl mimeType timestampInMilliseconds)],
	'multimediaEvents');
has_fields($with->('mobileEvents')->{mobileEvents}[0], [qw(id recordingId userId event organizationId
	  dateCreated dateCreatedString timestampInMilliseconds durationInMilliseconds)], 'mobileEvents');
has_fields($with->('evaluation')->{evaluation}, [qw(recordingId hasScorecard evaluatedNodes metricRubrics
	  sectionWeights colorConfigurations scorecardInstanceId evaluationQualified name description
	  pointsPossible pointsEarned)], 'evaluation');
has_fields($with->('evaluation')->{evaluation}{evaluatedNodes}[0], [qw(id name indexNumber parentId nodeType
	  metadata pointsPossible pointsEarned color description metricValue unit unitAbbreviated)],
	'evaluation: evaluatedNodes');
has_fields($with->('followups')->{followups}[0], [qw(recordingId recordingTitle repName repId teamName
	  teamId followupId dateCreated followupType score followupAction context updatedAt metadata
	  starred status thinking crmCustomer hasFollowupComment note completed completedBy completedAt
	  history crmUrl)], 'followups');
my @customer_fields = qw(id name crmUrl customerType lastActivityAt emailAddress phoneNumber
  externalId matchingSource opportunityId engagementId opportunity address
  integrationConnectionId integrationPlatform integrationName);
has_fields($with->('crmCustomer')->{crmCustomer}, \@customer_fields, 'crmCustomer');
has_fields($with->('followups')->{followups}[0]{crmCustomer}, [ @customer_fields, 'contactAccount' ],
	'followups: crmCustomer');
my $opp = first { defined $_->{crmCustomer} && $_->{crmCustomer}{customerType} eq 'OPPORTUNITY' } @recs;
has_fields($opp && $opp->{crmCustomer}{opportunity}, [qw(id externalId createdAt updatedAt organizationId
	  name amount closedAt disposition recordingId accountId account opportunityUsers)],
	'crmCustomer.opportunity');
ok((all { $_->{mobileEvents}[0]{event}{value} eq 'start' } grep { @{ $_->{mobileEvents} } } @full),
	'mobileEvents start with start');
# an evaluation is scored from the recording's own metrics
my @evaluated = grep { defined $_->{evaluation} } @full;
ok((all {
	my $r = $_;
	my %metric = map { $_->{metadata}{metricType} => $_->{metricValue} } grep { $_->{nodeType} eq 'METRIC' } @{ $r->{evaluation}{evaluatedNodes} };
	$metric{REP_SPEAKER_SHARE} == $r->{repSpeakerShare} && $metric{REP_QUESTIONS_COUNT} == $r->{repQuestionsCount}
	  && abs($metric{CONVERSATION_TIME} - $r->{conversationTime} / 60000) < 0.051 } @evaluated),
	'evaluation metric values are the recording\'s metrics');
ok((all { my $e = $_->{evaluation}; $e->{pointsEarned} == sum(map { $_->{pointsEarned} } grep { $_->{nodeType} eq 'METRIC' } @{ $e->{evaluatedNodes} }) } @evaluated),
	'evaluation pointsEarned is the sum of its metrics');

#
# core/recordings/{id}: the object under "data", deleted ones too, flags alike.
#
my $one = $recs[3];
$res = siro_json($sim, "core/recordings/$one->{id}");
is_deeply([ keys %$res ], ['data'], 'lookup: {"data": ...}');
is_deeply($res->{data}, $one, 'lookup: the same object as the list');
my $dead = $deleted[0];
is(siro_json($sim, "core/recordings/$dead->{id}")->{data}{deleted}, JSON::PP::true, 'lookup: a deleted recording is found');
my ($rich) = grep { defined $_->{crmCustomer} && $_->{os} =~ $mobile && defined $_->{conversationTime} } @full;
foreach my $flag (sort keys %part_of)
{
	my $got = siro_json($sim, "core/recordings/$rich->{id}?$flag=true")->{data};
	is_deeply([ sort keys %$got ], [ sort @recording_fields, $part_of{$flag} ], "lookup $flag=true: adds $part_of{$flag}");
	is_deeply($got->{ $part_of{$flag} }, $rich->{ $part_of{$flag} }, "lookup $flag=true: as in the list");
	ok(!exists siro_json($sim, "core/recordings/$rich->{id}?$flag=false")->{data}{ $part_of{$flag} },
		"lookup $flag=false: no $part_of{$flag}");
	foreach my $bad ('1', 'yes', 'TRUE', '')
	{
		is_error(siro_get($sim, "core/recordings/$rich->{id}?$flag=$bad"), 400, "lookup $flag=$bad", qr/\Q$flag\E/);
	}
	is_error(siro_get($sim, "core/recordings?$flag=no"), 400, "list $flag=no", qr/\Q$flag\E/);
}
is_error(siro_get($sim, 'core/recordings/AAAAAAAAAAAAAAAAAAAA'), 404, 'lookup: an unknown id', qr/AAAA/);
is_error(siro_get($sim, "core/recordings/$one->{id}x"), 404, 'lookup: an id with more after it');
is_error(siro_get($sim, "core/recordings/$one->{id}%2Fx"), 404, 'lookup: an id with /x after it');
is_error($sim->request('DELETE', "$SIRO_BASE/core/recordings/$one->{id}", token => 'siro-token'), 405,
	'lookup: DELETE is not allowed');

#
# A recording updated during a scan by updatedAt comes again at its new
# place: the cursor is a position. In dateCreated order it stays put.
#
admin_json($sim, 'POST', 'clock', { now => '2026-11-20T06:00:00Z' });
my $window = "updatedAt:gte=$u[-60]{updatedAt}";
my ($early_id, $later_id);
$scan = siro_scan(
	$sim, 'core/recordings',
	query     => $window,
	page_size => 10,
	on_page   => sub {
		my ($n, $p) = @_;
		return unless $n == 2;
		$early_id = $p->{data}[0]{id};    # read already
		$later_id = $u[-5]{id};           # not read yet
		admin_json($sim, 'POST', "siro/recordings/$_/modify", {}) foreach $early_id, $later_id;
	});
my @all_ids = @{ ids($scan->{all}) };
is(scalar(grep { $_ eq $early_id } @all_ids), 2, 'a recording updated after the pager read it comes again');
is(scalar(grep { $_ eq $later_id } @all_ids), 1, 'one updated before the pager reached it comes once');
is_deeply([ sort @all_ids[ -2, -1 ] ], [ sort $early_id, $later_id ], 'both come last');
like($scan->{all}[-1]{updatedAt}, qr/^2026-11-20T06:00:/, 'with updatedAt the simulated now');
is($scan->{duplicates}, 1, 'the pager saw one duplicate');
is_deeply([ sort @{ ids($scan->{objects}) } ], [ sort map { $_->{id} } grep { $_->{updatedAt} ge $u[-60]{updatedAt} } @u ],
	'and every recording of the window once');
my $moved = $truth->[20]{id};
$scan = siro_scan(
	$sim, 'core/recordings',
	query     => "createdAt:lt=$truth->[40]{dateCreated}",
	page_size => 10,
	on_page   => sub { admin_json($sim, 'POST', "siro/recordings/$moved/modify", {}) if $_[0] == 3 });
is_deeply(ids($scan->{all}), [ @{ ids($truth) }[ 0 .. 39 ] ], 'in dateCreated order an update moves nothing');

#
# Admin: add, modify, delete.
#
admin_json($sim, 'POST', 'clock', { now => '2026-11-21T12:00:00Z' });
my $last_u = admin_json($sim, 'GET', 'siro/recordings?order=updatedAt')->[-1]{updatedAt};
my ($rep) = grep { $_->{role} eq 'REP' && !$_->{deleted} } @users;
my $added = admin_json($sim, 'POST', 'siro/recordings',
	{ count => 3, userId => $rep->{id}, fields => { title => 'Imported visit', notes => undef } });
is(scalar @$added, 3, 'add: three recordings');
like($added->[0]{updatedAt}, qr/^2026-11-21T12:00:/, 'add: updatedAt is the simulated now');
ok((all { $_->{dateCreated} lt $_->{updatedAt} && !$_->{deleted} } @$added), 'add: made before they were processed');
$page = siro_json($sim, "core/recordings?updatedAt:gt=$last_u");
is_deeply(ids($page->{data}), [ sort map { $_->{id} } @$added ], 'add: they come after everything else by updatedAt');
is_deeply([ uniq map { $_->{title} } @{ $page->{data} } ], ['Imported visit'], 'add: with the given title');
ok((all { exists $_->{notes} && !defined $_->{notes} } @{ $page->{data} }), 'add: and notes null');
ok((all { $_->{userId} eq $rep->{id} && $_->{repFirstName} eq $rep->{firstName} } @{ $page->{data} }),
	'add: by the given rep');
is(scalar @{ admin_json($sim, 'POST', 'siro/recordings', {}) }, 1, 'add: count defaults to 1');

my $target = $recs[50];
my $crm = { id => 'acc_1', name => 'Initech', customerType => 'ACCOUNT', externalId => '0017000000Abc',
	matchingSource => 'DIRECT', crmUrl => 'https://example.com/acc_1' };
my $changed = admin_json($sim, 'POST', "siro/recordings/$target->{id}/modify", { fields => { crmCustomer => $crm } });
like($changed->{updatedAt}, qr/^2026-11-21T12:0/, 'modify: updatedAt moves to the simulated now');
is($changed->{dateCreated}, $target->{dateCreated}, 'modify: dateCreated stays');
my $now_obj = siro_json($sim, "core/recordings/$target->{id}")->{data};
is_deeply($now_obj->{crmCustomer}, $crm, 'modify: the CRM link arrived');
is($now_obj->{updatedAt}, $changed->{updatedAt}, 'modify: the object shows the new updatedAt');
is(siro_json($sim, "core/recordings?updatedAt:gte=$changed->{updatedAt}")->{data}[-1]{id}, $target->{id},
	'modify: it comes last by updatedAt');
my $opps = [ { opportunityExternalId => 'opp_1', name => 'Roof', amount => 9000 } ];
admin_json($sim, 'POST', "siro/recordings/$target->{id}/modify", { fields => { crmOpportunities => $opps } });
ok(!exists siro_json($sim, "core/recordings/$target->{id}")->{data}{crmOpportunities},
	'modify: a changed optional part stays away without its flag');
is_deeply(siro_json($sim, "core/recordings/$target->{id}?includeCrmOpportunities=true")->{data}{crmOpportunities},
	$opps, 'modify: and shows with it');
is_deeply(siro_json($sim, "core/recordings/$target->{id}")->{data}{crmCustomer}, $crm,
	'modify: the earlier change stays');

my $victim = $recs[60];
my $gone = admin_json($sim, 'DELETE', "siro/recordings/$victim->{id}");
is($gone->{deleted}, JSON::PP::true, 'delete: deleted');
like($gone->{deletedDate}, qr/^2026-11-21T12:0/, 'delete: deletedDate is the simulated now');
is($gone->{updatedAt}, $gone->{deletedDate}, 'delete: and so is updatedAt');
my $after = siro_json($sim, "core/recordings/$victim->{id}")->{data};
is_deeply([ @$after{qw(deleted deletedDate)} ], [ JSON::PP::true, $gone->{deletedDate} ],
	'delete: the lookup still finds it, deleted');
ok((any { $_->{id} eq $victim->{id} && $_->{deleted} } @{ siro_json($sim, "core/recordings?updatedAt:gte=$gone->{updatedAt}")->{data} }),
	'delete: and the list shows it as an update');
is_error($sim->admin('DELETE', "siro/recordings/$victim->{id}"), 409, 'delete again');
is_error($sim->admin('DELETE', 'siro/recordings/nope'), 404, 'delete an unknown id');
is_error($sim->admin('POST', 'siro/recordings/nope/modify', {}), 404, 'modify an unknown id');
is_error($sim->admin('GET', "siro/recordings/$victim->{id}"), 405, 'GET one recording through the admin');
is_error($sim->admin('GET', 'siro/nope'), 404, 'an unknown admin route');
is_error($sim->admin('GET', 'siro/recordings?order=title'), 400, 'admin list ?order=title');

my $before = admin_json($sim, 'GET', 'siro/recordings');
my $tid = $recs[70]{id};
my $admin_id = (first { $_->{role} eq 'ADMIN' } @users)->{id};
my @bad = (
	[ 'siro/recordings', 'not json' ], [ 'siro/recordings', '[]' ], [ 'siro/recordings', { count => 0 } ],
	[ 'siro/recordings', { count => '3' } ], [ 'siro/recordings', { count => 100001 } ],
	[ 'siro/recordings', { count => undef } ], [ 'siro/recordings', { userId => 'nobody' } ],
	[ 'siro/recordings', { userId => $admin_id } ], [ 'siro/recordings', { userId => undef } ],
	[ 'siro/recordings', { fields => 5 } ], [ 'siro/recordings', { fields => undef } ],
	[ 'siro/recordings', { fields => { nope => 1 } } ], [ 'siro/recordings', { fields => { id => 'x' } } ],
	[ 'siro/recordings', { count => 2, fields => { updatedAt => '2030-01-01T00:00:00.000Z' } } ],
	[ 'siro/recordings', { title => 'at the top level' } ],
	[ "siro/recordings/$tid/modify", { fields => { deleted => JSON::PP::true } } ],
	[ "siro/recordings/$tid/modify", { fields => { deletedDate => undef } } ],
	[ "siro/recordings/$tid/modify", { fields => { dateCreated => '2026-01-01T00:00:00.000Z' } } ],
	[ "siro/recordings/$tid/modify", { fields => [] } ],
	[ "siro/recordings/$tid/modify", { crmCustomer => undef } ],
	[ "siro/recordings/$tid/modify", 'not json' ]);
foreach my $case (@bad)
{
	my ($path, $body) = @$case;
	my $shown = ref $body ? JSON::PP->new->canonical->allow_nonref->encode($body) : $body;
	is_error($sim->admin('POST', $path, $body), 400, "POST /_admin/$path $shown");
}
is_deeply(admin_json($sim, 'GET', 'siro/recordings'), $before, 'the bad requests changed nothing');

#
# The request log: one line per request, exactly as sent, never the token.
#
my $mark = $sim->log_mark;
my $query = "pageSize=2&updatedAt%3Agte=2026-11-01T00%3A00%3A00.000Z&includeEvaluation=true";
siro_get($sim, "core/recordings?$query");
siro_get($sim, 'core/recordings/nope');
siro_get($sim, 'core/users', token => 'wrong-token');
siro_get($sim, 'core/recordings?pageSize=0');
my @log = $sim->log_since($mark);
is_deeply([ map { "$_->{vendor} $_->{method} $_->{path} $_->{status}" } @log ],
	[ "siro GET $SIRO_BASE/core/recordings 200", "siro GET $SIRO_BASE/core/recordings/nope 404",
	  "siro GET $SIRO_BASE/core/users 401", "siro GET $SIRO_BASE/core/recordings 400" ],
	'the log has each request: vendor, method, path, status');
is($log[0]{query}, $query, 'the query exactly as the client encoded it');
my $text = do { local (@ARGV, $/) = ($sim->log_file); <> };
unlike($text, qr/siro-token|wrong-token|Bearer/, 'the log never has a token');
$sim->stop;

#
# Same seed and sizes: the same data; another seed: other data, and the
# first simulator's cursors are foreign to it.
#
my $twin = ConvSim->start(%data, https => 0);
is_deeply(siro_json($twin, "core/recordings?pageSize=3&$all_flags"), siro_json($twin, "core/recordings?pageSize=3&$all_flags"),
	'the same request twice: the same answer');
is_deeply(ids(siro_json($twin, 'core/recordings?pageSize=100')->{data}), [ @{ ids($truth) }[ 0 .. 99 ] ],
	'the same seed: the same recordings');
is_deeply(siro_json($twin, 'core/users?pageSize=100')->{data}, \@users, 'the same seed: the same users');
$twin->stop;
my $other = ConvSim->start(%data, seed => 2, https => 0);
isnt(siro_json($other, 'core/recordings?pageSize=1')->{data}[0]{id}, $truth->[0]{id}, 'another seed: other recordings');
is_error(siro_get($other, "core/recordings?cursor=$cur"), 400, "another seed's cursor", qr/invalid cursor/);
$other->stop;

#
# The quota: over --siro-per-minute requests in a minute, 429 with
# Retry-After. Unauthenticated requests count too (the gateway counts
# before it authenticates). The option --siro-token sets the token.
#
my $q = ConvSim->start(%data, calls => 100, https => 0, siro_per_minute => 5, siro_token => 'other-token');
# a minute boundary in the middle would reset the count
sleep 60 - (time % 60) + 0.2 if time % 60 > 50;
my @status = map { siro_get($q, 'core/users?pageSize=1', token => 'other-token')->{status} } 1 .. 3;
push @status, siro_get($q, 'core/users?pageSize=1')->{status};    # the default token is not this one's
push @status, siro_get($q, 'core/recordings/nope', token => 'other-token')->{status};
$res = siro_get($q, 'core/users', token => 'other-token');
push @status, $res->{status};
is_deeply(\@status, [ 200, 200, 200, 401, 404, 429 ], 'five requests in the minute (401 and 404 too), the sixth: 429');
like($res->{headers}{'retry-after'}, qr/^\d+$/, 'Retry-After: seconds');
ok($res->{headers}{'retry-after'} >= 1 && $res->{headers}{'retry-after'} <= 60, 'until the minute is over');
is($res->{headers}{'ratelimit-limit'}, 5, 'RateLimit-Limit: 5');
is($res->{headers}{'ratelimit-remaining'}, 0, 'RateLimit-Remaining: 0');
is_error($res, 429, 'over the quota');
is(admin_json($q, 'GET', 'rate')->{siro}{rejected}, 1, 'the admin counts the rejection');
is((grep { $_->{vendor} eq 'siro' } $q->log_since(0))[-1]{status}, 429, 'the log shows the 429');
$q->stop;

#
# The command line: bad options stop the simulator with a message.
#
my $bin = $ENV{CONV_SIM_BIN};
foreach my $bad ('0', '-5', 'x', '', '1.5', '99999999999')
{
	my $out = `timeout 20 \Q$bin\E --http-port 0 --calls 10 --siro-per-minute \Q$bad\E 2>&1`;
	my $status = $? >> 8;
	ok($status != 0 && $status != 124, "--siro-per-minute '$bad': exits non-zero ($status)");
	like($out, qr/--siro-per-minute/, "--siro-per-minute '$bad': says why");
}
my $help = `timeout 20 \Q$bin\E --help 2>&1`;
like($help, qr/--siro-token.*--siro-per-minute/s, '--help lists the Siro options');

done_testing();
