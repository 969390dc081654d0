# The test helper ConvSim.pm: it starts a simulator of its own, reaches it
# over http and verified https, reads its request log and stops it.

use strict;
use warnings;

use HTTP::Tiny;
use PostgreSQL::Test::Utils;
use Test::More;

use ConvSim;

my $sim = ConvSim->start(calls => 50, seed => 7);

like($sim->url,     qr{^http://127\.0\.0\.1:\d+$}, 'url is plain http on 127.0.0.1');
like($sim->tls_url, qr{^https://localhost:\d+$},   'tls_url is https on localhost');
ok(-f $sim->ca_file, 'the CA certificate exists');

my $res = $sim->get('/_admin/health');
is($res->{status}, 200, 'health over http');
ok($res->{json} && $res->{json}{ok}, 'health answers {"ok":true}');

$res = $sim->get('/_admin/health', tls => 1);
is($res->{status}, 200, 'health over https, verified with the test CA')
  or diag $res->{content};

# without the test CA the certificate is not trusted
my $untrusting = HTTP::Tiny->new(verify_SSL => 1, proxy => undef,
	http_proxy => undef, https_proxy => undef);
is($untrusting->get($sim->tls_url . '/_admin/health')->{status},
	599, 'https without the test CA fails verification');

# ExecVision with and without its default HTTP Basic credentials
my $calls = '/api/ev/2/calls?since=2000-01-01T00:00Z&limit=1';
my $mark  = $sim->log_mark;
is($sim->get($calls)->{status}, 401, 'ExecVision without credentials: 401');
$res = $sim->get($calls, user => 'ev-user', password => 'ev-secret');
is($res->{status}, 200, 'ExecVision with the default credentials: 200');
is(ref $res->{json}, 'ARRAY', 'calls come as a JSON array');
cmp_ok(scalar @{ $res->{json} }, '<=', 1, 'limit=1 returns at most one call');

# both requests are in the log, in order
my @logged = grep { $_->{path} eq '/api/ev/2/calls' } $sim->log_since($mark);
is_deeply(
	[ map { "$_->{method} $_->{status}" } @logged ],
	[ 'GET 401', 'GET 200' ],
	'log_since returns the requests made after the mark');
like($logged[-1]{query} // '', qr/(^|&)limit=1(&|$)/,
	'a log entry has the query string');
is(scalar(() = $sim->log_since($sim->log_mark)), 0,
	'nothing was logged after a fresh mark');

# admin() sends JSON to /_admin/...: set the simulated clock
$res = $sim->admin('POST', 'clock', { now => '2030-01-02T03:04:05Z' });
is($res->{status}, 200, 'admin POST clock');
like($res->{json}{now} // '', qr/^2030-01-02T03:04:05/,
	'the simulator took the clock from the JSON body');
like($sim->admin('GET', '/_admin/clock')->{json}{now} // '', qr/^2030-01-02T03:04/,
	'admin accepts a path with /_admin/ in front');
is($sim->admin('POST', 'clock', { when => 'now' })->{status},
	400, 'admin returns the status of a rejected request');

# stop() stops the process; a second call does nothing
my $pid = $sim->pid;
$sim->stop;
ok(!kill(0, $pid), 'stop ends the simulator process');
is($sim->get('/_admin/health')->{status}, 599, 'nothing answers after stop');
$sim->stop;

done_testing();
