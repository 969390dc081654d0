# conv-sim, ExecVision authentication: HTTP Basic with the configured user
# and password (401 with a WWW-Authenticate challenge otherwise), over
# plain http and over https verified with the test CA; "check" answers an
# empty 200.

use strict;
use warnings;

use MIME::Base64 qw(encode_base64);
use PostgreSQL::Test::Utils;
use Test::More;

use ConvSim;
use EvSim qw(ev_get);

my %data = (
	calls  => 200,
	users  => 20,
	clock  => '2026-11-20T03:00:00Z',
	anchor => '2026-11-20T00:00:00Z');

my $sim = ConvSim->start(%data);

# Assert that $res is the vendor's 401: JSON error and a Basic challenge.
sub is_401
{
	my ($res, $what) = @_;

	is($res->{status}, 401, "$what: 401");
	is($res->{headers}{'www-authenticate'},
		'Basic realm="ExecVision"', "$what: WWW-Authenticate challenge");
	is($res->{json} && $res->{json}{status}, 401, "$what: JSON error body");
	return;
}

# A request with a raw Authorization header.
sub with_header
{
	my ($s, $path, $value, %opts) = @_;

	return $s->get("/api/ev/2/$path", headers => { Authorization => $value }, %opts);
}

my $basic = sub { 'Basic ' . encode_base64(shift, '') };

is_401($sim->get('/api/ev/2/users'), 'no credentials');
is_401(ev_get($sim, 'users', password => 'ev-secreT'), 'wrong password');
is_401(ev_get($sim, 'users', password => ''), 'empty password');
is_401(ev_get($sim, 'users', user => 'ev-user2'), 'wrong user');
is_401(ev_get($sim, 'users', user => 'EV-USER'), 'user name in another case');
is_401(with_header($sim, 'users', $basic->('ev-user')), 'Basic without a colon');
is_401(with_header($sim, 'users', 'Basic %%%notbase64'), 'Basic with garbage');
is_401(with_header($sim, 'users', 'Bearer ev-secret'), 'a bearer token');
is_401(with_header($sim, 'users', $basic->('ev-user:ev-secret') . 'x'),
	'Basic with trailing garbage');
is_401($sim->get('/api/ev/2/check'), 'check without credentials');
is_401($sim->get('/api/ev/2/no-such-endpoint'),
	'an unknown endpoint without credentials');

my $res = ev_get($sim, 'users');
is($res->{status}, 200, 'the right credentials: 200');
is(ref $res->{json}, 'ARRAY', 'the right credentials: the users array');

# check: access and connectivity, nothing else
$res = ev_get($sim, 'check');
is($res->{status},  200, 'check: 200');
is($res->{content}, '',  'check: empty body');
is($res->{headers}{'content-length'} // '0', '0', 'check: Content-Length 0');

# https, verified with the test CA, behaves the same
$res = ev_get($sim, 'check', tls => 1);
is($res->{status}, 200, 'check over https with the test CA: 200')
  or diag $res->{content};
is_401($sim->get('/api/ev/2/users', tls => 1), 'https without credentials');
$res = ev_get($sim, 'users', tls => 1);
is($res->{status}, 200, 'users over https: 200');
is_deeply($res->{json}, ev_get($sim, 'users')->{json},
	'https and http serve the same data');

# every answer above is in the log, with its status
my @logged = grep { $_->{vendor} eq 'execvision' } $sim->log_since(0);
is(scalar(grep { $_->{status} == 401 } @logged), 12, 'the log has the twelve 401s');
$sim->stop;

# Custom credentials; the password may contain a colon (only the first
# colon of user:password separates them).
my $custom = ConvSim->start(
	%data,
	https               => 0,
	execvision_username => 'acme-int',
	execvision_password => 'p4ss:w0rd');
is_401(ev_get($custom, 'check'), 'custom credentials: the defaults are refused');
is_401(ev_get($custom, 'check', user => 'acme-int', password => 'p4ss'),
	'custom credentials: the password up to its colon is refused');
is(ev_get($custom, 'check', user => 'acme-int', password => 'p4ss:w0rd')->{status},
	200, 'custom credentials: accepted');
is(ev_get($custom, 'users', user => 'acme-int', password => 'p4ss:w0rd')->{status},
	200, 'custom credentials: users');
$custom->stop;

done_testing();
