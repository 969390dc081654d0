# Cresta through conv_fdw, checked against the simulator's request log:
# each pushed condition sends exactly its parameters, paging follows the
# page tokens, each INSERTed row is one POST whose body the vendor stores
# as sent, a POST that fails in the middle of a multi-row INSERT names its
# row while the rows before it stay created, and a POST is sent again only
# when the vendor surely did not act on it.

use strict;
use warnings;

use JSON::PP ();
use PostgreSQL::Test::Utils;
use Test::More;

use ConvNode qw(fdw_node server_sql);
use ConvSim;

my $sim = ConvSim->start(
	calls  => 3000,
	users  => 60,
	clock  => '2026-11-20T03:00:00Z',
	anchor => '2026-11-20T02:00:00Z',
	https  => 0);
# the test makes requests faster than Cresta's 10 a second
my $res = $sim->admin('POST', 'config', { rate_limits => JSON::PP::false });
is($res->{status}, 200, 'simulator rate limits off');

my $node = fdw_node('fdw_cresta');
my $url = $sim->url;
my $prefix = '/v1/customers/acme/profiles/default';
my $agent = 'customers/acme/users/d16bb79f6ca6';
my $template = "$prefix/scorecardTemplates/retention-save" =~ s{^/v1/}{}r;
my $conversation =
  "$prefix/conversations/0e29b7ef-d1a9-4acb-85ce-04cf91a3a942" =~ s{^/v1/}{}r;

$node->safe_psql('postgres',
	'CREATE EXTENSION conv_fdw;'
	  . server_sql('cresta', 'cr', $url,
		"customer 'acme', profile 'default', rate_limit '1000/s', page_size '40'"));

# Percent-encoding of query parameters, both ways.
sub uri_escape
{
	my ($s) = @_;
	return $s =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord $1)/ger;
}

sub uri_unescape
{
	my ($s) = @_;
	return $s =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ger;
}

# The requests logged after $mark, as [method, path, {param => value},
# status].
sub requests_since
{
	my ($mark) = @_;

	return map {
		my %params = map { my ($k, $v) = split /=/, $_, 2; ($k => uri_unescape($v)) }
		  grep { length } split /&/, $_->{query} // '';
		[ $_->{method}, $_->{path}, \%params, $_->{status} ];
	} grep { $_->{vendor} eq 'cresta' } $sim->log_since($mark);
}

# Request parameters as one comparable string.
sub params_text
{
	my ($params) = @_;
	return join '&', map { "$_=$params->{$_}" } sort keys %$params;
}

# Run a query; returns its requests.
sub query_requests
{
	my ($sql) = @_;

	my $mark = $sim->log_mark;
	$node->safe_psql('postgres', $sql);
	return requests_since($mark);
}

# GET scorecards from the vendor directly, all pages; returns the objects.
sub vendor_scorecards
{
	my (%filters) = @_;

	my @objects;
	my $token;
	do
	{
		my $query = join '&', map { "$_=" . uri_escape($filters{$_}) }
		  sort keys %filters;
		$query .= '&pageToken=' . uri_escape($token) if $token;
		my $page = $sim->get("$prefix/scorecards?$query", token => 'cresta-token');
		die "GET scorecards: $page->{status} $page->{content}"
		  unless $page->{status} == 200;
		push @objects, @{ $page->{json}{scorecards} // [] };
		$token = $page->{json}{nextPageToken};
	} while ($token);
	return @objects;
}

#
# pushdown: each condition sends exactly its parameter
#
my @cases = (
	[
		"update_time >= '2026-11-01' AND update_time < '2026-11-10'",
		{
			startUpdateTime => '2026-11-01T00:00:00.000Z',
			endUpdateTime   => '2026-11-10T00:00:00.000Z'
		}
	],
	[
		"update_time > '2026-11-01 10:00:00.0015' AND update_time <= '2026-11-02 10:00:00.0015'",
		{
			startUpdateTime => '2026-11-01T10:00:00.001Z',
			endUpdateTime   => '2026-11-02T10:00:00.003Z'
		}
	],
	[
		"submit_time BETWEEN '2026-11-15' AND '2026-11-16'",
		{
			startSubmitTime => '2026-11-15T00:00:00.000Z',
			endSubmitTime   => '2026-11-16T00:00:00.001Z'
		}
	],
	[ "agent_user_name = '$agent'", { agentUserName => $agent } ],
	[ "template_name = '$template'", { templateName => $template } ],
	[
		"'$agent' = agent_user_name AND submit_time < '2026-11-01' AND template_name = '$template'",
		{
			agentUserName => $agent,
			endSubmitTime => '2026-11-01T00:00:00.000Z',
			templateName  => $template
		}
	],
	# not pushed: other operators, other columns, expressions of the column
	[ "agent_user_name <> '$agent'", {} ],
	[ "comment = 'x'", {} ],
	[ "lower(template_name) = '$template'", {} ],
	[ "update_time::date = '2026-11-01'", {} ],);
foreach my $case (@cases)
{
	my ($where, $expected) = @$case;
	my @requests = query_requests("SELECT name FROM cr.scorecards WHERE $where");

	ok(@requests >= 1, "$where: requests made");
	my ($method, $path, $params) = @{ $requests[0] };
	is("$method $path", "GET $prefix/scorecards", "$where: the list");
	is_deeply($params, { %$expected, pageSize => 40 },
		"$where: exactly its parameters");
	my $want = params_text({ %$expected, pageSize => 40 });
	my @others = grep {
		my %p = %{ $_->[2] };
		delete $p{pageToken};
		params_text(\%p) ne $want
	} @requests[ 1 .. $#requests ];
	is(scalar @others, 0, "$where: later pages repeat the parameters");
}

# the result is the vendor's, exactly: compare with a direct scan
my @all = vendor_scorecards(pageSize => 100);
is(scalar @all, 1000, 'the vendor has 1000 scorecards');
my $sql_names = $node->safe_psql('postgres',
	"SELECT string_agg(name, ',' ORDER BY name) FROM cr.scorecards WHERE update_time >= '2026-11-01' AND update_time < '2026-11-10'");
my $expected_names = join ',', sort map { $_->{name} }
  grep { $_->{updateTime} ge '2026-11-01' && $_->{updateTime} lt '2026-11-10' } @all;
is($sql_names, $expected_names, 'the pushed scan returns exactly the matching scorecards');

#
# paging: pages of 40 follow the tokens; every scorecard once (the vendor
# answers a full last page with a token, and then an empty page)
#
my $mark = $sim->log_mark;
my $counts = $node->safe_psql('postgres',
	'SELECT count(*), count(DISTINCT name) FROM cr.scorecards');
is($counts, '1000|1000', 'a full scan returns each scorecard once');
my @pages = requests_since($mark);
is(scalar @pages, 26, '25 pages of 40, and the empty one after them');
ok(!exists $pages[0][2]{pageToken}, 'the first page has no token');
is(scalar(grep { exists $_->[2]{pageToken} } @pages[ 1 .. $#pages ]),
	25, 'every later page sends the token of the one before');

#
# INSERT: one POST per row, the body as the vendor stores it
#
$mark = $sim->log_mark;
my $returned = $node->safe_psql('postgres', qq{
	SET timezone = 'UTC';
	INSERT INTO cr.scorecards (conversation_name, agent_user_name, template_name,
							   scores, comment, total_score, manually_scored,
							   create_time, update_time, submit_time, creator)
	SELECT '$conversation', '$agent', '$template',
		   jsonb_build_array(jsonb_build_object('criterionId', 'reason',
												'numericValue', i,
												'notApplicable', false)),
		   'tap ' || i || E' \\u00e9 "q"', 10 * i, i % 2 = 0,
		   '2026-11-20 02:40:00'::timestamptz + i * interval '1.0015 s',
		   '2026-11-20 02:41:00'::timestamptz + i * interval '1 s',
		   CASE WHEN i = 2 THEN '2026-11-20 02:42:00+00'::timestamptz END,
		   jsonb_build_object('name', 'customers/acme/users/5dfa8601f1f8')
	  FROM generate_series(1, 3) i
	RETURNING name, comment, total_score, manually_scored, create_time
});
my @posts = requests_since($mark);
is(scalar @posts, 3, 'three rows, three requests');
is(scalar(grep { $_->[0] eq 'POST' && $_->[1] eq "$prefix/scorecards" && $_->[3] == 200 } @posts),
	3, 'each a POST to scorecards that succeeded');
my @rows = map { [ split /\|/ ] } split /\n/, $returned;
is(scalar @rows, 3, 'RETURNING shows three rows');
like($rows[0][0], qr{^customers/acme/profiles/default/scorecards/[0-9a-f-]{36}$},
	'RETURNING shows the name the vendor assigned');
is_deeply([ map { "$_->[1]|$_->[2]|$_->[3]|$_->[4]" } @rows ],
	[
		"tap 1 \xc3\xa9 \"q\"|10|f|2026-11-20 02:40:01.001+00",
		"tap 2 \xc3\xa9 \"q\"|20|t|2026-11-20 02:40:02.003+00",
		"tap 3 \xc3\xa9 \"q\"|30|f|2026-11-20 02:40:03.004+00"
	],
	'RETURNING shows what the vendor stored (times to the millisecond)')
  or diag $returned;

my %stored = map { $_->{name} => $_ }
  vendor_scorecards(agentUserName => $agent, startUpdateTime => '2026-11-20T02:41:00Z');
is(scalar keys %stored, 3, 'the vendor lists the three created scorecards');
my $second = $stored{ $rows[1][0] };
is_deeply(
	{
		map { $_ => $second->{$_} }
		  qw(conversationName agentUserName templateName comment totalScore
		  manuallyScored createTime updateTime submitTime scores)
	},
	{
		conversationName => $conversation,
		agentUserName    => $agent,
		templateName     => $template,
		comment          => "tap 2 \xc3\xa9 \"q\"",
		totalScore       => 20,
		manuallyScored   => JSON::PP::true,
		createTime       => '2026-11-20T02:40:02.003Z',
		updateTime       => '2026-11-20T02:41:02Z',
		submitTime       => '2026-11-20T02:42:00Z',
		scores => [ { criterionId => 'reason', numericValue => 2 } ],
	},
	'the second row reached the vendor field by field')
  or diag explain $second;
ok(!exists $stored{ $rows[0][0] }{submitTime}, 'a NULL column is not sent');

#
# a POST that fails in the middle: rows 1-2 are created, row 3 fails, row
# 4 is never sent; the error says so
#
# faults are taken in order: two normal answers, then a 500
$res = $sim->admin('POST', 'faults',
	[
		{ path => "$prefix/scorecards", kind => 'latency', latency_ms => 0, count => 2 },
		{ path => "$prefix/scorecards", kind => 'status', status => 500, count => 1 }
	]);
is($res->{status}, 200, 'faults added');
$mark = $sim->log_mark;
my ($ret, $stdout, $stderr) = $node->psql('postgres', qq{
	INSERT INTO cr.scorecards (conversation_name, agent_user_name, template_name,
							   scores, comment, update_time)
	SELECT '$conversation', '$agent', '$template',
		   '[{"criterionId": "reason", "notApplicable": true}]', 'fault ' || i,
		   '2026-11-20 02:50:00+00'
	  FROM generate_series(1, 4) i});
isnt($ret, 0, 'the INSERT fails');
like($stderr, qr/failed with HTTP status 500/, 'with the vendor\'s status');
like($stderr,
	qr/CONTEXT:  row 3 of INSERT into scorecards; rows 1-2 were already created at the vendor and a rollback does not remove them/,
	'naming the row and what was created');
unlike($stderr, qr/cresta-token/, 'the token is never shown');
@posts = requests_since($mark);
is_deeply([ map { "$_->[0] $_->[3]" } @posts ], [ 'POST 200', 'POST 200', 'POST 500' ],
	'rows 1 and 2 posted, row 3 failed once (a 500 may have acted: not resent), row 4 never sent');
is_deeply(
	[
		sort map { $_->{comment} }
		  vendor_scorecards(agentUserName => $agent, startUpdateTime => '2026-11-20T02:50:00Z')
	],
	[ 'fault 1', 'fault 2' ],
	'the vendor has rows 1 and 2, whatever the transaction did');

#
# a 503 says the vendor did not act: the POST is sent again, once
#
$res = $sim->admin('POST', 'faults',
	{ path => "$prefix/scorecards", kind => 'status', status => 503, count => 1 });
$mark = $sim->log_mark;
my $explain = $node->safe_psql('postgres', qq{
	EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
	INSERT INTO cr.scorecards (conversation_name, agent_user_name, template_name,
							   scores, comment, update_time)
	VALUES ('$conversation', '$agent', '$template',
			'[{"criterionId": "reason", "notApplicable": true}]', 'retried',
			'2026-11-20 02:55:00+00')});
is_deeply([ map { "$_->[0] $_->[3]" } requests_since($mark) ], [ 'POST 503', 'POST 200' ],
	'a 503 is retried');
like($explain, qr{Remote request: POST $prefix/scorecards per row}, 'EXPLAIN shows the request');
like($explain, qr/Requests: 2  Rows created: 1  Rate-limit wait: \d+ ms/,
	'EXPLAIN ANALYZE counts requests and rows created');
is(scalar(vendor_scorecards(agentUserName => $agent, startUpdateTime => '2026-11-20T02:55:00Z')),
	1, 'the retried row was created once');

#
# targets: INSERT only, one POST each; COPY FROM works the same way
#
$mark = $sim->log_mark;
my $usecase = "$prefix/usecases/retention" =~ s{^/v1/}{}r;
($ret, $stdout, $stderr) = $node->psql('postgres',
	"COPY cr.targets (scorecard_template_name, target, usecase_name) FROM stdin;\n"
	  . join('', map { "$template\t$_\t$usecase\n" } 50, 60) . "\\.\n");
is($ret, 0, 'COPY into targets') or diag $stderr;
is_deeply([ map { "$_->[0] $_->[1] $_->[3]" } requests_since($mark) ],
	[ "POST $prefix/targets 200", "POST $prefix/targets 200" ], 'a POST per line');
$res = $sim->admin('GET', 'cresta/targets');
is_deeply([ sort map { $_->{target} } @{ $res->{json} } ], [ 50, 60 ],
	'the vendor has both targets');

($ret, $stdout, $stderr) = $node->psql('postgres', 'SELECT * FROM cr.targets');
like($stderr, qr/foreign table "targets" can only be written/, 'targets cannot be read');

$node->stop;
$sim->stop;
done_testing();
