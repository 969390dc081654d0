# Credentials given in a user mapping stay out of error messages and out of
# the server log when the validator rejects the mapping.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('secrets');
$node->init;
# Cluster.pm logs every statement; a real server logs failing statements
# only (log_min_error_statement = error), and those are what the validator
# controls.
$node->append_conf('postgresql.conf', "log_statement = 'none'");
$node->start;

$node->safe_psql(
	'postgres', q{
	CREATE EXTENSION conv_fdw;
	CREATE SERVER ev FOREIGN DATA WRAPPER conv_fdw
	  OPTIONS (vendor 'execvision', base_url 'https://acme.execvision.io');
});

# Each statement is rejected by the validator, for a bad secret or for
# another option next to a good one.
my %bad_mappings = (
	'password with a line break' =>
	  q{CREATE USER MAPPING FOR PUBLIC SERVER ev OPTIONS (username 'u', password E'Hunter2-pw\nX: 1')},
	'token with a line break' =>
	  q{CREATE USER MAPPING FOR PUBLIC SERVER ev OPTIONS (token E'Hunter2-tok\r\n')},
	'unknown option beside a password' =>
	  q{CREATE USER MAPPING FOR PUBLIC SERVER ev OPTIONS (user 'u', password 'Hunter2-pw2')},
	'bad user name beside a password' =>
	  q{CREATE USER MAPPING FOR PUBLIC SERVER ev OPTIONS (username 'a:b', password 'Hunter2-pw3')},
	'password in a URL' =>
	  q{ALTER SERVER ev OPTIONS (SET base_url 'https://me:Hunter2-url@acme.execvision.io')},
);

my $log_offset = -s $node->logfile;
foreach my $case (sort keys %bad_mappings)
{
	my ($ret, $stdout, $stderr) =
	  $node->psql('postgres', $bad_mappings{$case});
	isnt($ret, 0, "$case: rejected");
	like($stderr, qr/ERROR:  invalid (option|value for option)/,
		"$case: by the validator");
	unlike($stderr, qr/Hunter2/, "$case: the error does not show the secret");
}

# the validator's errors are in the log, the secrets are not
my $log = slurp_file($node->logfile, $log_offset);
like($log, qr/invalid value for option "password"/,
	'the server log has the errors');
unlike($log, qr/Hunter2/, 'the server log does not show any secret');

# nothing was created by the failing statements
is($node->safe_psql('postgres', 'SELECT count(*) FROM pg_user_mappings'),
	'0', 'no user mapping was created');

$node->stop;
done_testing();
