# conv_fdw loads both ways a library can: preloaded through
# shared_preload_libraries, and on demand in a backend that first needs it.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# A server definition that makes the backend load conv_fdw: CREATE SERVER
# calls the option validator, which lives in the library.
my $create_server = q{
	CREATE SERVER ev FOREIGN DATA WRAPPER conv_fdw
	  OPTIONS (vendor 'execvision', base_url 'https://acme.execvision.io');
};

#
# Preloaded: the postmaster loads the library, so its settings exist before
# any CREATE EXTENSION.
#
my $preload = PostgreSQL::Test::Cluster->new('preload');
$preload->init;
$preload->append_conf('postgresql.conf',
	"shared_preload_libraries = 'conv_fdw'");
$preload->start;

is($preload->safe_psql('postgres', 'SHOW conv_fdw.user_agent'),
	'conv_fdw/1.0', 'preloaded: settings exist before CREATE EXTENSION');

$preload->safe_psql('postgres', 'CREATE EXTENSION conv_fdw');
is( $preload->safe_psql(
		'postgres',
		q{SELECT fdwname || ' ' || fdwhandler::regproc || ' ' || fdwvalidator::regproc
		    FROM pg_foreign_data_wrapper}),
	'conv_fdw conv_fdw.conv_fdw_handler conv_fdw.conv_fdw_validator',
	'preloaded: CREATE EXTENSION creates the foreign data wrapper');

$preload->safe_psql('postgres', $create_server);
is($preload->safe_psql('postgres', 'SELECT srvname FROM pg_foreign_server'),
	'ev', 'preloaded: the validator accepts a server');

# The reserved prefix is in force in every backend, since the postmaster
# loaded the library before forking them.
my ($ret, $stdout, $stderr) =
  $preload->psql('postgres', q{SET conv_fdw.user_agnt = 'typo'});
isnt($ret, 0, 'preloaded: a misspelled conv_fdw setting is an error');
like(
	$stderr,
	qr/invalid configuration parameter name "conv_fdw\.user_agnt"/,
	'preloaded: the error names the misspelled setting');

$preload->stop;
ok( !$preload->log_contains(qr/(PANIC|server process .* was terminated)/),
	'preloaded: no backend crashed');

#
# On demand: nothing is loaded until a backend needs the library.
#
my $on_demand = PostgreSQL::Test::Cluster->new('on_demand');
$on_demand->init;
$on_demand->start;

($ret, $stdout, $stderr) =
  $on_demand->psql('postgres', 'SHOW conv_fdw.user_agent');
isnt($ret, 0, 'on demand: the library is not loaded before it is needed');
like(
	$stderr,
	qr/unrecognized configuration parameter "conv_fdw\.user_agent"/,
	'on demand: its settings are unknown until then');

$on_demand->safe_psql('postgres', 'CREATE EXTENSION conv_fdw');
is( $on_demand->safe_psql('postgres', $create_server . 'SHOW conv_fdw.user_agent'),
	'conv_fdw/1.0',
	'on demand: the validator loads the library, defining its settings');

is( $on_demand->safe_psql(
		'postgres', q{LOAD 'conv_fdw'; SHOW conv_fdw.user_agent}),
	'conv_fdw/1.0',
	'on demand: LOAD loads it too');

($ret, $stdout, $stderr) = $on_demand->psql('postgres',
	q{CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw OPTIONS (vendor 'gong')});
like(
	$stderr,
	qr/invalid value for option "vendor": "gong"/,
	'on demand: the validator rejects a bad vendor');

$on_demand->safe_psql('postgres', 'DROP EXTENSION conv_fdw CASCADE');
is( $on_demand->safe_psql(
		'postgres',
		q{SELECT count(*) FROM pg_namespace WHERE nspname = 'conv_fdw'}),
	'0',
	'on demand: DROP EXTENSION removes the schema');

$on_demand->stop;
ok( !$on_demand->log_contains(qr/(PANIC|server process .* was terminated)/),
	'on demand: no backend crashed');

done_testing();
