# conv-sim, ExecVision endpoints: every endpoint of the vendor's document
# answers with the fields the document lists, the optional parts of calls
# come and go with their parameters, the data is consistent across
# endpoints, and unknown ids, paths and methods get 404, 404 and 405.

use strict;
use warnings;

use JSON::PP;
use List::Util qw(any sum uniq);
use PostgreSQL::Test::Utils;
use Test::More;

use ConvSim;
use EvSim qw(ev_get ev_json ev_scan admin_json iso_epoch);

my %data = (
	calls  => 3000,
	users  => 40,
	clock  => '2026-11-20T03:00:00Z',
	anchor => '2026-11-20T00:00:00Z');
my $since0 = 'since=2000-01-01T00:00Z';

my $sim = ConvSim->start(%data, https => 0);

# Assert that $obj has exactly the documented fields.
sub has_fields
{
	my ($obj, $fields, $what) = @_;

	if (ref $obj ne 'HASH')
	{
		fail("$what: an object");
		return;
	}
	is_deeply([ sort keys %$obj ], [ sort @$fields ], "$what: the documented fields")
	  or diag explain [ sort keys %$obj ];
	return;
}

# Assert a JSON error with status $status.
sub is_error
{
	my ($res, $status, $what) = @_;

	is($res->{status}, $status, "$what: $status");
	is($res->{json} && $res->{json}{status}, $status, "$what: JSON error body");
	return;
}

my @call_fields = qw(id callerEmail callerId callSummary callTime duration
  direction state stats originalPath metadata modified);
my @stats_fields = qw(internalTalkTime externalTalkTime talkRatio
  interchangesPerMinute longestSegmentDurations talkSpeeds);

#
# users, teams, departments, and how they hang together
#
my $users = ev_json($sim, 'users');
my $teams = ev_json($sim, 'teams');
my $depts = ev_json($sim, 'departments');
has_fields($users->[0], [qw(userId email firstName lastName teamId departmentId systemIds)], 'users');
has_fields($teams->[0], [qw(id name managerId departmentId)], 'teams');
has_fields($depts->[0], [qw(id name)], 'departments');
is(scalar @$depts, 5, 'five departments');
is(scalar @$teams, int(40 / 12) + 1, 'users/12 + 1 teams');
cmp_ok(scalar @$users, '<', 40, 'inactive users are not listed');
cmp_ok(scalar @$users, '>=', 30, 'most users are active');
is(ref $users->[0]{systemIds}, 'ARRAY', 'systemIds is an array');
my %user = map { $_->{userId} => $_ } @$users;
my %team = map { $_->{id} => $_ } @$teams;
my %dept = map { $_->{id} => $_ } @$depts;
ok(!grep({ !$team{ $_->{teamId} } } @$users), 'every user is in a listed team');
ok(!grep({ $_->{departmentId} ne $team{ $_->{teamId} }{departmentId} } @$users),
	"a user's department is their team's");
ok(!grep({ !$user{ $_->{managerId} } } @$teams), 'every team manager is an active user');
ok(!grep({ !$dept{ $_->{departmentId} } } @$teams), 'every team is in a listed department');

#
# calls: fields, consistency with users, modified after callTime
#
my $scan = ev_scan($sim, 'calls', limit => 1000);
my @calls = @{ $scan->{objects} };
my %call = map { $_->{id} => $_ } @calls;
has_fields($calls[0], \@call_fields, 'calls (no include_*)');
my ($complete) = grep { $_->{state} eq 'COMPLETE' && $_->{callSummary} && $_->{duration} > 300 } @calls;
my ($incomplete) = grep { $_->{state} ne 'COMPLETE' } @calls;
has_fields($complete->{stats}, \@stats_fields, 'calls: stats');
has_fields($complete->{stats}{talkSpeeds}[0], [qw(start end wordsPerMinute)], 'calls: stats.talkSpeeds');
has_fields($complete->{callSummary}, [qw(nextSteps questionsAndAnswers summary)], 'calls: callSummary');
has_fields($complete->{callSummary}{questionsAndAnswers}[0], [qw(question answer)],
	'calls: callSummary.questionsAndAnswers');
is_deeply($incomplete->{stats}, {}, "a $incomplete->{state} call has empty stats");
is($incomplete->{callSummary}, undef, "a $incomplete->{state} call has no summary");
ok(grep({ $_->{state} eq 'COMPLETE' } @calls) > 0.8 * @calls, 'most calls are COMPLETE');
is_deeply([ grep { !/^(COMPLETE|TRANSCRIBING|PROCESSING|CONVERTER_REJECTED|FAILED)$/ } uniq map { $_->{state} } @calls ],
	[], 'states are the documented ones');
is_deeply([ sort { $a cmp $b } uniq map { $_->{direction} } @calls ], [qw(INBOUND OUTBOUND SCREENSHARE)],
	'directions are INBOUND, OUTBOUND and SCREENSHARE');
ok((any { $_->{duration} != int $_->{duration} } @calls), 'some durations are fractional');
ok(!grep({ iso_epoch($_->{modified}) <= iso_epoch($_->{callTime}) } @calls),
	'modified is later than callTime for every call');
ok(!grep({ !defined iso_epoch($_->{modified}) || $_->{modified} !~ /\.\d{6}Z$/ } @calls),
	'modified is ISO 8601 with microseconds');
my @unknown_callers = grep { !$user{ $_->{callerId} } } @calls;
cmp_ok(scalar @unknown_callers, '>', 0, 'some callers are not listed users (they left)');
cmp_ok(scalar @unknown_callers, '<', 0.2 * @calls, 'most callers are listed users');
ok(!grep({ $user{ $_->{callerId} } && $user{ $_->{callerId} }{email} ne $_->{callerEmail} } @calls),
	'callerEmail is the email of callerId');
is($calls[0]{metadata}{id}, $calls[0]{id}, 'metadata.id is the call id');
ok(!grep({ !exists $_->{metadata}{deleted} || !exists $_->{metadata}{uploader} } @calls),
	'every call has metadata deleted and uploader');

#
# The optional parts: include_transcripts, include_crm_matches,
# render_templates add their field and nothing else.
#
my $q = "calls?since=$complete->{modified}&limit=1";
is(ev_json($sim, $q)->[0]{id}, $complete->{id}, 'the call is found by its modified');
my %parts = (
	include_transcripts => sub { exists $_[0]{transcript} },
	include_crm_matches => sub { exists $_[0]{crmMatches} },
	render_templates    => sub { exists $_[0]{metadata}{callCardTemplate} });
foreach my $flag (sort keys %parts)
{
	my $on = ev_json($sim, "$q&$flag=true")->[0];
	my $off = ev_json($sim, "$q&$flag=false")->[0];
	ok($parts{$flag}->($on), "$flag=true adds its part");
	ok(!$parts{$flag}->($off), "$flag=false leaves it out");
	ok(!grep({ $_ ne $flag && $parts{$_}->($on) } keys %parts), "$flag=true adds nothing else");
	foreach my $bad ('yes', '1', 'TRUE', '')
	{
		is_error(ev_get($sim, "$q&$flag=$bad"), 400, "$flag=$bad");
	}
}
ok(!grep({ $_->($complete) } values %parts), 'by default calls have none of the optional parts');

my $full = ev_json($sim, "$q&include_transcripts=true&include_crm_matches=true&render_templates=true")->[0];
has_fields($full, [ @call_fields, 'transcript', 'crmMatches' ], 'calls with every part');
my $word = $full->{transcript}[0];
ok(exists $word->{start} && exists $word->{end} && exists $word->{word} && exists $word->{v},
	'a transcript word has start, end, word and v');
ok(!grep({ my $w = $_; grep { !/^(start|end|word|p|v)$/ } keys %$w } @{ $full->{transcript} }),
	'and nothing but those and p');
ok(!grep({ $_->{start} !~ /^\d+\.\d{3}$/ || $_->{end} !~ /^\d+\.\d{3}$/ } @{ $full->{transcript} }),
	'start and end are strings of seconds with three decimals');
ok(!grep({ $_->{v} ne '0' && $_->{v} ne '1' } @{ $full->{transcript} }), 'v is a speaker number');
my @with_crm = grep { @{ $_->{crmMatches} } } map { ev_json($sim, "call/$_->{id}") } @calls[ 0 .. 29 ];
my $crm = $with_crm[0];
has_fields($crm->{crmMatches}[0], [qw(crmName activityCrmId account contacts engagement)], 'crmMatches');
has_fields($crm->{crmMatches}[0]{contacts}[0], [qw(crmId name)], 'crmMatches: contacts');
my @accounts = map { my $c = $_; map { [ $c, $_->{account} ] } @{ $c->{crmMatches} } } @with_crm;
is_deeply([ grep { defined $_->[0]{metadata}{company} xor defined $_->[1] } @accounts ], [],
	'a CRM match has an account when the call has a company');
is_deeply([ grep { $_->[1] && $_->[1]{name} ne $_->[0]{metadata}{company} } @accounts ], [],
	"the account is the call's company");
my @with_id = grep { $_->[1] && $_->[0]{metadata}{crm_account_id} } @accounts;
cmp_ok(scalar @with_id, '>', 3, 'calls with a CRM account and metadata crm_account_id');
is_deeply([ grep { $_->[1]{crmId} ne $_->[0]{metadata}{crm_account_id} } @with_id ], [],
	'the CRM account id is the metadata crm_account_id');
my %account_of;
$account_of{ $_->[1]{name} }{ $_->[1]{crmId} } = 1 foreach grep { $_->[1] } @accounts;
is_deeply([ grep { keys %{ $account_of{$_} } > 1 } keys %account_of ], [], 'one account id per company');
my $incomplete_full = ev_json($sim, "calls?since=$incomplete->{modified}&limit=1&include_transcripts=true");
is($incomplete_full->[0]{transcript}, undef, "a $incomplete->{state} call has a null transcript");

#
# call/{id}: everything optional included; transcript/{id}: the
# simplified transcript, consistent with the word array and the stats.
#
my $one = ev_json($sim, "call/$complete->{id}");
has_fields($one, [ @call_fields, 'transcript', 'crmMatches' ], 'call/{id}');
ok(exists $one->{metadata}{callCardTemplate}, 'call/{id} renders the call card template');
delete $one->{metadata}{callCardTemplate};
is_deeply($one->{metadata}, $complete->{metadata}, 'call/{id} has the metadata calls shows');
is_deeply($one->{transcript}, $full->{transcript}, 'call/{id} has the transcript calls shows');

my $simple = ev_json($sim, "transcript/$complete->{id}");
has_fields($simple, [qw(speakers transcript)], 'transcript/{id}');
has_fields($simple->{speakers}[0], [qw(email firstName lastName speakerNumber speakerType)],
	'transcript/{id}: speakers');
has_fields($simple->{transcript}[0], [qw(endTime speakerNumber startTime text)],
	'transcript/{id}: transcript');
is($simple->{speakers}[0]{email}, $one->{callerEmail}, 'speaker 0 is the caller');
is($simple->{speakers}[0]{speakerType}, 'INTERNAL', 'who is INTERNAL');
is(join(' ', map { $_->{text} } @{ $simple->{transcript} }),
	join(' ', map { $_->{word} } @{ $one->{transcript} }),
	'the simplified transcript says what the word array says');
foreach my $speaker (0, 1)
{
	my $talk = sum map { $_->{endTime} - $_->{startTime} }
	  grep { $_->{speakerNumber} == $speaker } @{ $simple->{transcript} };
	my $stat = $speaker ? 'externalTalkTime' : 'internalTalkTime';
	cmp_ok(abs($talk - $one->{stats}{$stat}), '<', 0.01,
		"stats.$stat is the talk time of speaker $speaker in the transcript");
}

#
# calls/deleted
#
my $deleted = ev_json($sim, "calls/deleted?$since0&limit=1000");
cmp_ok(scalar @$deleted, '>=', 25, 'calls/deleted lists the deleted calls');
has_fields($deleted->[0], [qw(id deletedAt callerId callTime)], 'calls/deleted');
ok(!grep({ $call{ $_->{id} } } @$deleted), 'no deleted call is in calls');
ok(!grep({ iso_epoch($_->{deletedAt}) <= iso_epoch($_->{callTime}) } @$deleted),
	'a call is deleted after it was made');
is_error(ev_get($sim, "call/$deleted->[0]{id}"), 404, 'call/{id} of a deleted call');
is_error(ev_get($sim, "transcript/$deleted->[0]{id}"), 404, 'transcript/{id} of a deleted call');

#
# call_topics: fields, question counts from the transcript, and the
# window_length + minimum_matches filter.
#
my $tq = "call_topics?since=$complete->{modified}&limit=8";
my $topics_page = ev_json($sim, $tq);
my $tm = $topics_page->[0];
is($tm->{callId}, $complete->{id}, 'call_topics pages the calls');
has_fields($tm, [qw(callId modified questionCounts topicMatches)], 'call_topics');
has_fields($tm->{questionCounts},
	[qw(internalSpeakerQuestionCount externalSpeakerQuestionCount unknownSpeakerQuestionCount)],
	'call_topics: questionCounts');
has_fields($tm->{topicMatches}[0], [qw(startTime endTime text speakerType topicsWithMatches)],
	'call_topics: topicMatches');
has_fields($tm->{topicMatches}[0]{topicsWithMatches}[0], [qw(topicId topicName matches)],
	'call_topics: topicsWithMatches');
has_fields($tm->{topicMatches}[0]{topicsWithMatches}[0]{matches}[0],
	[qw(searchText matchingText matchStartTime matchStartIndex matchEndTime matchEndIndex)],
	'call_topics: matches');
ok(!grep({ !$call{ $_->{callId} } || $call{ $_->{callId} }{state} ne 'COMPLETE' } @$topics_page),
	'call_topics lists COMPLETE calls only');

# question counts: sentences ending in "?" per speaker of the word array
my %asked = (0 => 0, 1 => 0);
$asked{ $_->{v} }++ foreach grep { ($_->{p} // '') eq '?' } @{ $one->{transcript} };
is($tm->{questionCounts}{internalSpeakerQuestionCount}, $asked{0},
	'internal questions are the questions speaker 0 asks in the transcript');
is($tm->{questionCounts}{externalSpeakerQuestionCount} + $tm->{questionCounts}{unknownSpeakerQuestionCount},
	$asked{1}, 'external and unknown ones those of speaker 1');

# The speaker types of call_topics agree with transcript/{id}, also for
# calls whose customer was not matched (UNKNOWN).
my %customer_types;
foreach my $t (@{ ev_json($sim, "call_topics?since=$complete->{modified}&limit=20") })
{
	my $st = ev_json($sim, "transcript/$t->{callId}");
	my %type = map { $_->{speakerNumber} => $_->{speakerType} } @{ $st->{speakers} };
	my %speaker_of = map { $_->{text} . '@' . $_->{startTime} => $_->{speakerNumber} } @{ $st->{transcript} };
	my @disagree = grep { $_->{speakerType} ne $type{ $speaker_of{ $_->{text} . '@' . $_->{startTime} } // '' } }
	  @{ $t->{topicMatches} };
	is(scalar @disagree, 0, "call_topics speaker types agree with transcript/{id} ($type{1} customer)");
	is($t->{questionCounts}{ $type{1} eq 'UNKNOWN' ? 'externalSpeakerQuestionCount' : 'unknownSpeakerQuestionCount' },
		0, "questions of the $type{1} customer are counted as such");
	$customer_types{ $type{1} }++;
}
ok($customer_types{UNKNOWN} && $customer_types{EXTERNAL}, 'customers are EXTERNAL or UNKNOWN speakers')
  or diag explain \%customer_types;

# topics are documented with a number id, topic matches with a string topicId
like(ev_get($sim, $tq)->{content}, qr/"topicId":"\d+"/, 'topicId is a string');

# The sliding window filter keeps exactly the topics with minimum_matches
# matches within window_length seconds.
my ($window, $min) = (60, 3);
my $filtered = ev_json($sim, "$tq&window_length=$window&minimum_matches=$min");
is_deeply([ map { $_->{callId} } @$filtered ], [ map { $_->{callId} } @$topics_page ],
	'the filter keeps the calls');
my ($kept, $removed) = (0, 0);
foreach my $i (0 .. $#$topics_page)
{
	my %starts;
	foreach my $block (@{ $topics_page->[$i]{topicMatches} })
	{
		push @{ $starts{ $_->{topicId} } }, map { $_->{matchStartTime} } @{ $_->{matches} }
		  foreach @{ $block->{topicsWithMatches} };
	}
	my %expect;
	foreach my $topic (keys %starts)
	{
		my @t = sort { $a <=> $b } @{ $starts{$topic} };
		$expect{$topic} = 1 if any { my $s = $_; grep({ $_ >= $s && $_ <= $s + $window } @t) >= $min } @t;
	}
	my %got;
	foreach my $block (@{ $filtered->[$i]{topicMatches} })
	{
		$got{ $_->{topicId} } = 1 foreach @{ $block->{topicsWithMatches} };
	}
	is_deeply(\%got, \%expect, "call $i: the filter keeps the topics dense enough")
	  or diag explain { map { $_ => $starts{$_} } keys %starts };
	$kept += keys %expect;
	$removed += keys(%starts) - keys(%expect);
}
cmp_ok($removed, '>', 0, "the filter removed $removed topics");
cmp_ok($kept, '>', 0, "and kept $kept");
my $page_bytes = length ev_get($sim, $tq)->{content};
cmp_ok(length ev_get($sim, "$tq&window_length=$window&minimum_matches=$min")->{content}, '<',
	$page_bytes, 'the filtered page is smaller');
is_error(ev_get($sim, "$tq&window_length=60"), 400, 'window_length without minimum_matches');
is_error(ev_get($sim, "$tq&minimum_matches=3"), 400, 'minimum_matches without window_length');
foreach my $bad ('0', '-5', 'x', '1.5', '')
{
	is_error(ev_get($sim, "$tq&window_length=$bad&minimum_matches=3"), 400, "window_length=$bad");
}

#
# The since-paged endpoints without last_id.
#
my $listens = ev_json($sim, "listens?$since0&limit=1000");
has_fields($listens->[0], [qw(date modified callId listener caller timeListened)], 'listens');
is((uniq map { $_->{modified} } @$listens)[0], '', 'listens have an empty modified, as documented');
ok(!grep({ $_->{date} ge '2026-11-20' } @$listens), 'no listen is dated today (simulated) or later');
is((sort map { $_->{date} } @$listens)[-1], '2026-11-19', 'yesterday is there');
my %deleted_id = map { $_->{id} => 1 } @$deleted;
ok(!grep({ !$call{ $_->{callId} } && !$deleted_id{ $_->{callId} } } @$listens),
	'listens are of existing calls');
admin_json($sim, 'POST', 'clock', { now => '2026-11-25T03:00:00Z' });
my $later = ev_json($sim, "listens?$since0&limit=1000");
cmp_ok(scalar @$later, '>', scalar @$listens, 'five days later, more listens are computed');
is((sort map { $_->{date} } @$later)[-1], '2026-11-24', 'up to the day before');
admin_json($sim, 'POST', 'clock', { now => $data{clock} });

my $scores = ev_json($sim, "scores?$since0&limit=1");
has_fields($scores->[0], [qw(reviewer reviewerTeam caller callerTeam callId resultId scoreTime
	  modified scorecardId scorecardName questionId question skill1 skill2 skill3 scheme answer
	  rawAnswer reason comment)], 'scores');
is(scalar(uniq map { $_->{resultId} } @$scores), 1, 'scores?limit=1: one scorecard result');
my $card = ev_json($sim, "scorecard/$scores->[0]{scorecardId}");
is(scalar @$scores, scalar @$card, 'scores?limit=1: one element per question of its scorecard');
cmp_ok(scalar @$scores, '>', 1, 'which is more than one');
has_fields($card->[0], [qw(scorecardId scorecardScheme scorecardName questionId questionText)], 'scorecard/{id}');
is_deeply([ map { $_->{questionId} } @$scores ], [ map { $_->{questionId} } @$card ],
	'the answers are to the scorecard questions');
my $many = ev_json($sim, "scores?$since0&limit=40");
is(scalar(uniq map { $_->{resultId} } @$many), 40, 'scores?limit=40: forty results');
cmp_ok(scalar @$many, '>', 40, 'in more elements');
my %scheme_answers;
push @{ $scheme_answers{ $_->{scheme} } }, "$_->{answer}=$_->{rawAnswer}"
  foreach @{ ev_json($sim, "scores?$since0&limit=300") };
my %allowed = (
	OneToFive  => [ map { "$_=$_" } 0 .. 5 ],
	OneToThree => [qw(0=0 1=1 2=3 3=5)],
	YesNo      => [qw(no=0 yes=5)],
	PassFail   => [qw(fail=0 pass=5)]);
foreach my $scheme (sort keys %allowed)
{
	my %ok = map { $_ => 1 } @{ $allowed{$scheme} };
	my @answers = @{ $scheme_answers{$scheme} // [] };
	cmp_ok(scalar @answers, '>', 0, "there are $scheme answers");
	is_deeply([ grep { !$ok{$_} } @answers ], [], "$scheme answers follow the scoring scheme table");
}

my $feedback = ev_json($sim, "feedback?$since0&limit=200");
has_fields($feedback->[0], [qw(feedbackAt modified callId feedbackBy isComment isHighlight text
	  startTime endTime)], 'feedback');
ok(!grep({ $_->{isComment} == $_->{isHighlight} } @$feedback), 'feedback is a comment or a highlight');
ok(!grep({ $_->{isHighlight} xor defined $_->{endTime} } @$feedback), 'highlights have an end time');
has_fields(ev_json($sim, "shares?$since0&limit=1")->[0],
	[qw(sharedAt callId sharedBy recipientUserIds recipientEmails)], 'shares');

my $meetings = ev_json($sim, "meetings?$since0&limit=1000");
has_fields($meetings->[0], [qw(meetingId planId dateTime coachId recipientId startTime endTime
	  scores callReviews questions comments modified)], 'meetings');
has_fields($meetings->[0]{callReviews}[0], [qw(callId questions)], 'meetings: callReviews');
has_fields($meetings->[0]{questions}[0], [qw(question possibleScore actualScore reviewWeight)],
	'meetings: questions');
my $plans = ev_json($sim, "plans?$since0&limit=1000");

# Meeting and plan times are New York local times, with the offset in force
# (DST ended on 2026-11-01 at 06:00 UTC and begins on 2026-03-08 at 07:00).
# The data above is from before the end; a data set from the spring has
# both offsets.
sub check_local_times
{
	my ($s, $what) = @_;
	my @local = (
		(map { @$_{qw(dateTime startTime endTime modified)} } @{ ev_json($s, "meetings?$since0&limit=1000") }),
		(map { @$_{qw(startDate modified)} } @{ ev_json($s, "plans?$since0&limit=1000") }));
	my @wrong = grep {
		my $t = iso_epoch($_);
		my $dst = $t >= iso_epoch('2026-03-08T07:00Z') && $t < iso_epoch('2026-11-01T06:00Z');
		$_ !~ ($dst ? qr/-04:00$/ : qr/-05:00$/)
	} @local;
	is_deeply(\@wrong, [], "$what: meeting and plan times have the New York offset in force");
	return @local;
}
check_local_times($sim, 'autumn');
my $spring = ConvSim->start(calls => 100, users => 40, https => 0,
	clock => '2026-04-20T03:00:00Z', anchor => '2026-04-20T00:00:00Z');
my @local = check_local_times($spring, 'spring');
ok((any { /-04:00$/ } @local) && (any { /-05:00$/ } @local), 'spring: both offsets occur');
$spring->stop;

has_fields($plans->[0], [qw(planId name objective startDate coachId recipientId plannedMeetings
	  completedMeetings estimatedMissedMeetings skill modified)], 'plans');
has_fields($plans->[0]{skill}[0], [qw(skillId skillName)], 'plans: skill');
my %plan = map { $_->{planId} => $_ } @$plans;
ok(!grep({ !$plan{ $_->{planId} } } @$meetings), 'meetings belong to listed plans');

my $kpis = ev_json($sim, "kpis?$since0&limit=1000");
has_fields($kpis->[0], [qw(observedAt observerId observedId kpiId value modified)], 'kpis');
foreach my $id (uniq sort map { $_->{kpiId} } @$kpis)
{
	my $def = ev_json($sim, "kpi/$id");
	has_fields($def, [qw(kpiId description frequency target)], "kpi/$id");
	is($def->{kpiId}, $id, "kpi/$id is KPI $id");
	like($def->{frequency}, qr/^(DAILY|WEEKLY|MONTHLY|QUARTERLY)$/, "kpi/$id: a documented frequency");
}

my $topics = ev_json($sim, 'topics');
has_fields($topics->[0], [qw(id name words)], 'topics');
like(ev_get($sim, 'topics')->{content}, qr/^\[\{"id":1,/, 'a topic id is a number');

# Every since-paged list is ordered by its time and starts at since.
my %time_of = (kpis => 'observedAt', shares => 'sharedAt', feedback => 'modified',
	scores => 'modified', meetings => 'modified', plans => 'modified');
foreach my $ep (sort keys %time_of)
{
	my $list = ev_json($sim, "$ep?since=2026-10-01T00:00Z&limit=300");
	my @t = map { iso_epoch($_->{ $time_of{$ep} }) } @$list;
	ok(!grep({ $t[$_] < $t[ $_ - 1 ] } 1 .. $#t), "$ep: ordered by $time_of{$ep}");
	cmp_ok($t[0], '>=', iso_epoch('2026-10-01T00:00Z'), "$ep: from since on");
}

#
# Unknown ids, paths and methods.
#
is_error(ev_get($sim, 'call/00000000-0000-4000-8000-000000000000'), 404, 'call/{unknown id}');
is_error(ev_get($sim, 'transcript/00000000-0000-4000-8000-000000000000'), 404, 'transcript/{unknown id}');
is_error(ev_get($sim, 'scorecard/no-such-card'), 404, 'scorecard/{unknown id}');
is_error(ev_get($sim, "kpi/$_"), 404, "kpi/$_") foreach (0, 9, 'abc', '1x');
(my $encoded = $complete->{id}) =~ s/-/%2D/g;
is(ev_json($sim, "call/$encoded")->{id}, $complete->{id}, 'the id is percent-decoded');
is_error(ev_get($sim, "call/$complete->{id}%00x"), 404, 'call/{id}%00x: a NUL does not end the id');
is_error(ev_get($sim, "call/$complete->{id}x"), 404, 'call/{id}x');
is(ev_get($sim, "calls?since=2026-11-01T00:00Z%00junk")->{status}, 400, 'nor a since');

my $mark = $sim->log_mark;
my $res = ev_get($sim, 'call/..%2Fusers');
is_error($res, 404, 'call/..%2Fusers');
like($res->{json}{message}, qr{"\.\./users"}, 'which looked up the id ../users');
my ($entry) = $sim->log_since($mark);
is($entry->{path}, '/api/ev/2/call/..%2Fusers', 'the log shows the path as the client encoded it');

is_error(ev_get($sim, $_), 404, "unknown endpoint $_")
  foreach ('nope', 'calls/', 'call', 'call/', 'user', 'kpi', 'scorecards');
is_error($sim->get('/api/ev/3/users', user => 'ev-user', password => 'ev-secret'), 404, 'api/ev/3');
foreach my $req (['POST', 'calls'], ['PUT', 'users'], ['DELETE', 'users'], ['POST', "call/$complete->{id}"],
	['PATCH', 'check'], ['POST', 'calls/search?metadata.company=hooli'])
{
	is_error($sim->request($req->[0], "/api/ev/2/$req->[1]", user => 'ev-user', password => 'ev-secret'),
		405, "$req->[0] $req->[1]");
}

#
# DELETE call/{id}: 403 unless deletes are enabled for the token.
#
my $victim = $calls[1234];
is_error($sim->request('DELETE', "/api/ev/2/call/$victim->{id}", user => 'ev-user', password => 'ev-secret'),
	403, 'DELETE call/{id} by default');
is(ev_get($sim, "call/$victim->{id}")->{status}, 200, 'the call is still there');
admin_json($sim, 'POST', 'execvision/config', { allow_delete => JSON::PP::true });
$res = $sim->request('DELETE', "/api/ev/2/call/$victim->{id}", user => 'ev-user', password => 'ev-secret');
is($res->{status}, 204, 'DELETE call/{id} when enabled: 204');
is(ev_get($sim, "call/$victim->{id}")->{status}, 404, 'the call is gone');
is(ev_json($sim, "calls/deleted?since=$data{clock}&limit=5")->[-1]{id}, $victim->{id},
	'and listed in calls/deleted');
is_error($sim->request('DELETE', "/api/ev/2/call/$victim->{id}", user => 'ev-user', password => 'ev-secret'),
	404, 'DELETE of a deleted call');
$sim->stop;

my $deleting = ConvSim->start(calls => 50, users => 5, https => 0, clock => $data{clock},
	execvision_allow_delete => 'true');
my $id = ev_json($deleting, "calls?$since0&limit=1")->[0]{id};
is($deleting->request('DELETE', "/api/ev/2/call/$id", user => 'ev-user', password => 'ev-secret')->{status},
	204, '--execvision-allow-delete true enables DELETE call/{id}');
$deleting->stop;

done_testing();
