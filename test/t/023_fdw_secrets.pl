# The credentials of a user mapping (username and password) never show:
# not in EXPLAIN (VERBOSE, ANALYZE), not in the error of any failing
# request (HTTP errors, 401, broken bodies, resets, TLS), not in the debug
# messages of retries, not in conv_fdw's views, not from the background
# worker, and not in the server log, which logs every statement, every
# message down to DEBUG1, verbosely.

use strict;
use warnings;

use JSON::PP ();
use MIME::Base64 qw(encode_base64);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use ConvNode qw(ev_server_sql);
use ConvSim;
use EvSim qw(admin_json);

# Credentials no other text would contain by chance.
my $user     = 'Uzr-K4x9q';
my $password = 'Pw-Zq81-s3cr3t';
my $bad_password = 'Pw-Wr0ng-77xX';

my $sim = ConvSim->start(
	calls  => 500,
	users  => 20,
	clock  => '2026-11-20T03:00:00Z',
	anchor => '2026-11-20T02:00:00Z',
	execvision_username => $user,
	execvision_password => $password);
admin_json($sim, 'POST', 'config', { rate_limits => JSON::PP::false });

# Every form a secret could take in a text: as given, and HTTP Basic's
# base64 of user:password.
my @secrets = ($user, $password, $bad_password,
	encode_base64("$user:$password", ''), encode_base64("$user:$bad_password", ''));
my $secret_re = join('|', map { quotemeta } @secrets);

my $node = PostgreSQL::Test::Cluster->new('fdw_secrets');
$node->init;
# Cluster.pm sets log_statement = all, which would log the text of CREATE
# USER MAPPING itself, password and all: that is PostgreSQL's doing, not
# conv_fdw's (and why real servers do not log every statement).  The
# mappings are made without it; everything after them is logged.
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'conv_fdw'\njit = off\nlog_statement = 'none'");
$node->start;

my $url = $sim->url;
my %mapping = (
	good => "username '$user', password '$password'",
	bad  => "username '$user', password '$bad_password'");
$node->safe_psql(
	'postgres',
	join('',
		'CREATE EXTENSION conv_fdw;',
		ev_server_sql('ev', $url,
			{ options => "rate_limit '1000/s', max_retries '1'", mapping => $mapping{good} }),
		ev_server_sql('evbad', $url,
			{ options => "rate_limit '1000/s'", mapping => $mapping{bad} }, 'calls', 'users'),
		ev_server_sql('evtls', $sim->tls_url,
			{ options => "rate_limit '1000/s'", mapping => $mapping{good} }, 'users'),
		qq{
	CREATE FOREIGN TABLE public.typed_calls (id text, state bigint)
	  SERVER ev OPTIONS (endpoint 'calls');
}));

# From here on the server logs everything it can.
$node->append_conf('postgresql.conf', q{
log_statement = 'all'
log_min_messages = debug1
log_min_error_statement = debug1
log_error_verbosity = verbose
});
$node->reload;
$node->poll_query_until('postgres', q{SELECT current_setting('log_min_messages') = 'debug1'})
  or die 'the configuration was not reloaded';

# Every text the client got.
my $client_text = '';

# Run SQL in a session that also shows the client DEBUG1 messages and
# verbose errors; returns stdout and stderr, keeping them for the checks.
sub run
{
	my ($sql) = @_;

	my ($ret, $stdout, $stderr) = $node->psql('postgres',
		"SET client_min_messages = debug1;\n$sql",
		extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	$client_text .= "$stdout\n$stderr\n";
	return ($stdout, $stderr);
}

# Add a fault; dies unless the simulator accepts it.
sub add_fault
{
	admin_json($sim, 'POST', 'faults', $_[0]);
	return;
}

#
# EXPLAIN: the requests, never the credentials.
#
foreach my $query (
	q{SELECT * FROM ev.calls WHERE modified >= '2026-11-01'},
	q{SELECT * FROM ev.calls WHERE id = ANY('{a,b}')},
	q{SELECT id FROM ev.calls WHERE metadata->>'company' = 'ACME Corp'},
	q{SELECT * FROM ev.users})
{
	foreach my $options ('VERBOSE, ANALYZE', 'VERBOSE, ANALYZE, FORMAT JSON', 'VERBOSE')
	{
		my ($out, $err) = run("EXPLAIN ($options) $query");
		like($out, qr/Remote request/, "EXPLAIN ($options) $query: shows the request");
		like($out, qr/Requests/, "EXPLAIN ($options) $query: and what it did")
		  if $options =~ /ANALYZE/;
		unlike("$out$err", qr/$secret_re/, "EXPLAIN ($options) $query: no credentials");
	}
}

#
# Failing requests: each fails, and its error shows no credential.
#
my @failures = (
	[ '500 beyond max_retries', { path => '/api/ev/2/users', status => 500, count => 2 },
		'SELECT count(*) FROM ev.users', qr/failed with HTTP status 500/ ],
	[ '401', undef, 'SELECT count(*) FROM evbad.users', qr/failed with HTTP status 401/ ],
	[ '401 on a list', undef, 'SELECT count(*) FROM evbad.calls', qr/failed with HTTP status 401/ ],
	[ 'malformed JSON', { path => '/api/ev/2/calls', kind => 'malformed' },
		'SELECT count(*) FROM ev.calls', qr/invalid JSON in the response/ ],
	[ 'truncated JSON', { path => '/api/ev/2/calls', kind => 'truncate' },
		'SELECT count(*) FROM ev.calls', qr/invalid JSON in the response/ ],
	[ 'resets beyond max_retries', { path => '/api/ev/2/users', kind => 'reset', count => 2 },
		'SELECT count(*) FROM ev.users', qr/failed: / ],
	[ '403', { path => '/api/ev/2/call/*', status => 403 },
		q{SELECT count(*) FROM ev.calls WHERE id = 'x'}, qr/failed with HTTP status 403/ ],
	[ 'TLS verification', undef, 'SELECT count(*) FROM evtls.users', qr/certificate/ ],
	[ 'wrong type', undef, 'SELECT id, state FROM typed_calls', qr/cannot convert field "state"/ ],
);
foreach my $case (@failures)
{
	my ($what, $fault, $sql, $error) = @$case;

	admin_json($sim, 'DELETE', 'faults');
	add_fault($fault) if $fault;
	my ($out, $err) = run($sql);
	like($err, qr/ERROR: .*$error/, "$what: fails");
	unlike($err, qr/$secret_re/, "$what: no credentials in the error");
}
admin_json($sim, 'DELETE', 'faults');

# the retries of the 500 and the resets were reported at DEBUG1
like($client_text, qr/DEBUG: .*conv_fdw: GET .*retry 1 of 1/,
	'the retries are reported at DEBUG1 (and checked above)');

#
# conv_fdw's views, and the background worker keeping a copy with the
# wrong password: its error is in sync_status and in the log.
#
my ($out, $err) = run(q{SELECT conv_fdw.prefetch('evbad.calls', '1 hour')});
is($err =~ /ERROR/ ? $err : '', '', 'prefetch of a table with a wrong password');
ok( $node->poll_query_until(
		'postgres',
		q{SELECT last_error IS NOT NULL FROM conv_fdw.sync_status WHERE "table" = 'evbad.calls'::regclass}),
	'the worker tried and failed');
($out, $err) = run('SELECT * FROM conv_fdw.sync_status; SELECT * FROM conv_fdw.rate_status');
like($out, qr/failed with HTTP status 401/, 'sync_status shows the error');
unlike("$out$err", qr/$secret_re/, 'sync_status and rate_status show no credentials');
run(q{SELECT conv_fdw.unprefetch('evbad.calls')});

unlike($client_text, qr/$secret_re/, 'nothing the client got shows a credential');

#
# The server log: everything above is in it, no credential is.
#
$node->stop;
my $log = slurp_file($node->logfile);
like($log, qr/statement: .*EXPLAIN \(VERBOSE, ANALYZE\)/, 'the log has the statements');
like($log, qr/DEBUG:  .*conv_fdw: GET .*retry/, 'the log has the DEBUG1 retry messages');
like($log, qr/failed with HTTP status 401/, 'the log has the errors');
like($log, qr/LOCATION:  /, 'the log is verbose');
like($log, qr/conv_fdw could not sync/, "the log has the worker's error");
my @leaks = grep { /$secret_re/ } split /\n/, $log;
is_deeply(\@leaks, [], 'no line of the server log shows a credential');

ok(!$node->log_contains(qr/(PANIC|server process .* was terminated)/),
	'no backend crashed');
$sim->stop;
done_testing();
