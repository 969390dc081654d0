
=pod

=head1 NAME

ConvNode - PostgreSQL test nodes with conv_fdw, for TAP tests

=head1 SYNOPSIS

  use ConvNode qw(fdw_node wait_until);

  my $node = fdw_node('prefetch', "conv_fdw.worker_naptime = '200ms'");
  ok(wait_until(10, sub { ... }), 'it happened in time');

=cut

package ConvNode;

use strict;
use warnings;

use Exporter 'import';
use PostgreSQL::Test::Cluster;
use Test::More ();
use Time::HiRes qw(time sleep);

our @EXPORT_OK = qw(fdw_node wait_until server_sql ev_server_sql node_query node_error);

=pod

=over

=item fdw_node($name, $extra_conf)

A started node with conv_fdw in shared_preload_libraries and JIT off (a
full scan of a vendor list can cost more than jit_above_cost, and loading
LLVM is noise in a test); $extra_conf, if given, is appended to
postgresql.conf.

=cut

sub fdw_node
{
	my ($name, $extra_conf) = @_;

	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->append_conf('postgresql.conf',
		"shared_preload_libraries = 'conv_fdw'\njit = off\n" . ($extra_conf // ''));
	$node->start;
	return $node;
}

=pod

=item server_sql($vendor, $name, $url, $options, @tables)

The SQL that makes a server $name of $vendor on the simulator at $url (with
the simulator's default credentials for that vendor, and more server
options in $options, e.g. C<rate_limit '200/s'>), and a schema of the same
name with the vendor's tables imported (all of them when @tables is empty).
$options may also be a hash: { options => "...", mapping => "username 'u',
password 'p'" } for other credentials than the simulator's.
ev_server_sql($name, ...) is server_sql('execvision', $name, ...).

=cut

# the simulator's default credentials, as user mapping options
my %sim_credentials = (
	execvision => "username 'ev-user', password 'ev-secret'",
	voicegain  => "token 'vg-token'",
	siro       => "token 'siro-token'",
	ccai       => "username 'acme', password 'ccai-token'",
	cresta     => "token 'cresta-token'");

sub server_sql
{
	my ($vendor, $name, $url, $options, @tables) = @_;

	my %o = ref $options ? %$options : (options => $options);
	my $mapping = $o{mapping} // $sim_credentials{$vendor};
	my $more = $o{options} ? ", $o{options}" : '';
	my $limit_to = @tables ? 'LIMIT TO (' . join(', ', @tables) . ')' : '';
	return qq{
	CREATE SERVER $name FOREIGN DATA WRAPPER conv_fdw
	  OPTIONS (vendor '$vendor', base_url '$url'$more);
	CREATE USER MAPPING FOR CURRENT_USER SERVER $name
	  OPTIONS ($mapping);
	CREATE SCHEMA $name;
	IMPORT FOREIGN SCHEMA $vendor $limit_to FROM SERVER $name INTO $name;
};
}

sub ev_server_sql { return server_sql('execvision', @_); }

=pod

=item wait_until($timeout, $cond)

Call $cond every 0.1 s until it returns true or $timeout seconds pass;
returns whether it became true.

=cut

sub wait_until
{
	my ($timeout, $cond) = @_;

	my $deadline = time + $timeout;
	while (time < $deadline)
	{
		return 1 if $cond->();
		sleep 0.1;
	}
	return $cond->() ? 1 : 0;
}

=pod

=item node_query($node, $sql)

The output of SQL that must succeed; a failure is shown (diag), not died
on, so that the test goes on to its assertions.

=cut

sub node_query
{
	my ($node, $sql) = @_;

	my ($ret, $stdout, $stderr) = $node->psql('postgres', $sql);
	Test::More::diag($stderr) if $ret != 0;
	return $stdout;
}

=pod

=item node_error($node, $sql)

Run SQL that must fail, with VERBOSITY verbose; returns its error as a hash:
ret, stdout, stderr, sqlstate, message, detail, hint, context.

=cut

sub node_error
{
	my ($node, $sql) = @_;

	my ($ret, $stdout, $stderr) = $node->psql('postgres', $sql,
		extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	my %e = (ret => $ret, stdout => $stdout, stderr => $stderr);
	@e{qw(sqlstate message)} = $stderr =~ /ERROR:  ([0-9A-Z]{5}): (.*)/;
	($e{detail})  = $stderr =~ /^DETAIL:  (.*)$/m;
	($e{hint})    = $stderr =~ /^HINT:  (.*)$/m;
	($e{context}) = $stderr =~ /^CONTEXT:  (.*)$/m;
	return \%e;
}

=pod

=back

=cut

1;
