
=pod

=head1 NAME

SiroSim - Siro helpers for the conv-sim TAP tests

=head1 SYNOPSIS

  use ConvSim;
  use SiroSim qw(siro_get siro_json siro_scan);

  my $sim = ConvSim->start(calls => 1200, clock => '2026-11-20T03:00:00Z',
	  anchor => '2026-11-20T00:00:00Z');
  my $page = siro_json($sim, 'core/recordings?pageSize=10');
  my $scan = siro_scan($sim, 'core/recordings', query => 'updatedAt:gte=2026-11-01T00:00:00.000Z');

=head1 DESCRIPTION

Requests to the simulated Siro API with the default token, and a cursor
pager written the way the vendor says a client should page.

=cut

package SiroSim;

use strict;
use warnings;

use Carp;
use Exporter 'import';

our @EXPORT_OK = qw(siro_get siro_json siro_scan $SIRO_TOKEN $SIRO_BASE);

our $SIRO_TOKEN = 'siro-token';
our $SIRO_BASE  = '/api-externalApi/v1';

=pod

=head1 FUNCTIONS

=over

=item siro_get($sim, $path_and_query, %opts)

GET C</api-externalApi/v1/$path_and_query> with the default token
(override with C<< token => >>); returns what ConvSim's get returns.

=cut

sub siro_get
{
	my ($sim, $path, %opts) = @_;

	return $sim->get("$SIRO_BASE/$path", token => $SIRO_TOKEN, %opts);
}

=pod

=item siro_json($sim, $path_and_query, %opts)

Like siro_get, but dies unless the answer is a 200 with a JSON body, which
it returns decoded.

=cut

sub siro_json
{
	my ($sim, $path, %opts) = @_;

	return $sim->get_json("$SIRO_BASE/$path", token => $SIRO_TOKEN, %opts);
}

=pod

=item siro_scan($sim, $endpoint, %opts)

Read C<core/recordings> or C<core/users> from the start to the end: each
request with the same query (C<query>: filters and flags, C<page_size>:
default 100) and the previous page's cursor, until a page comes without
one.  Objects seen before are dropped (a recording updated during the scan
comes again).  C<on_page> is called with the page number and the decoded
page after each request; C<max_pages> defaults to 1000.

Returns a hash: C<objects> (each object once, in the order first seen),
C<all> (every object as returned), C<pages> (per request: the cursor sent,
the page's ids, the cursor returned) and C<duplicates>.

=cut

sub siro_scan
{
	my ($sim, $endpoint, %opts) = @_;

	my $size = $opts{page_size} // 100;
	my $max  = $opts{max_pages} // 1000;
	my ($cursor, %seen, @objects, @all, @pages);
	my $duplicates = 0;

	while (1)
	{
		croak "siro_scan $endpoint: more than $max pages" if @pages >= $max;
		my $query = "pageSize=$size";
		$query .= "&$opts{query}" if defined $opts{query};
		$query .= "&cursor=$cursor" if defined $cursor;
		my $page = siro_json($sim, "$endpoint?$query");
		croak "siro_scan $endpoint: no data array" unless ref $page->{data} eq 'ARRAY';

		push @pages, {
			cursor => $cursor,
			ids    => [ map { $_->{id} } @{ $page->{data} } ],
			next   => $page->{cursor} };
		push @all, @{ $page->{data} };
		foreach my $obj (@{ $page->{data} })
		{
			if ($seen{ $obj->{id} }++)
			{
				$duplicates++;
				next;
			}
			push @objects, $obj;
		}
		$opts{on_page}->(scalar @pages, $page) if $opts{on_page};
		last unless defined $page->{cursor};
		$cursor = $page->{cursor};
	}
	return {
		objects    => \@objects,
		all        => \@all,
		pages      => \@pages,
		duplicates => $duplicates,
	};
}

=pod

=back

=cut

1;
