
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
use Time::HiRes qw(time sleep);

our @EXPORT_OK = qw(fdw_node wait_until);

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

=item wait_until($timeout, $cond)

Call $cond every 0.1 s until it returns true or $timeout seconds pass;
returns whether it became true.

=back

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

1;
