
=pod

=head1 NAME

CcaiSim - CCAI Platform helpers for the conv-sim TAP tests

=head1 SYNOPSIS

  use ConvSim;
  use CcaiSim qw(ccai_get ccai_json ccai_links ccai_walk ccai_tail);

  my $sim = ConvSim->start(calls => 3000,
	  clock => '2026-11-20T03:00:00Z', anchor => '2026-11-20T00:00:00Z');
  my $org = ccai_json($sim, 'settings/organization');
  my $walk = ccai_walk($sim, 'agents');
  my $tail = ccai_tail($sim, 'calls', 'updated_at', '2026-11-01T00:00:00.000Z');

=head1 DESCRIPTION

Small functions over ConvSim for tests of the simulated CCAI Platform
Manager API (C</manager/api/v1/>): requests with the default credentials,
the Link header taken apart, a pager that follows rel="next", and a tailer
written the way the vendor recommends (C<< <time>[from] >> with
sort_column and sort_direction=ASC), which also gets past a timestamp
shared by more objects than a page holds.

=cut

package CcaiSim;

use strict;
use warnings;

use Carp;
use Exporter 'import';

our @EXPORT_OK = qw(ccai_get ccai_json ccai_links ccai_walk ccai_tail
  $CCAI_PREFIX $CCAI_USER $CCAI_TOKEN);

our $CCAI_PREFIX = '/manager/api/v1/';
our $CCAI_USER   = 'acme';
our $CCAI_TOKEN  = 'ccai-token';

# A request's path below the prefix and its options, with the default
# credentials unless %opts gives others: what ccai_get and ccai_json send.
sub _ccai_args
{
	my ($path, %opts) = @_;

	return ("$CCAI_PREFIX$path", user => $CCAI_USER, password => $CCAI_TOKEN, %opts);
}

=pod

=head1 FUNCTIONS

=over

=item ccai_get($sim, $path_and_query, %opts)

GET C</manager/api/v1/$path_and_query> with the default credentials
(override with C<< user => >> and C<< password => >>; C<< tls => 1 >> goes
through https); returns what ConvSim's get returns.

=cut

sub ccai_get
{
	my ($sim, @args) = @_;

	return $sim->get(_ccai_args(@args));
}

=pod

=item ccai_json($sim, $path_and_query, %opts)

Like ccai_get, but dies unless the answer is a 200 with a JSON body, which
it returns decoded.

=cut

sub ccai_json
{
	my ($sim, @args) = @_;

	return $sim->get_json(_ccai_args(@args));
}

=pod

=item ccai_links($res)

The Link header of a response as a hash: relation => URL. Several Link
fields and comma-joined links are both understood.

=cut

sub ccai_links
{
	my ($res) = @_;

	my $h = $res->{headers}{link} // [];
	my %links;
	foreach my $field (ref $h ? @$h : ($h))
	{
		$links{$2} = $1 while $field =~ /<([^>]*)>;\s*rel="([^"]*)"/g;
	}
	return \%links;
}

=pod

=item ccai_walk($sim, $path_and_query, %opts)

Read a paged endpoint from its first page on, following each page's
rel="next" link until a page has none. Returns a hash: C<objects> (all of
them, in the order returned), C<pages> (how many requests), C<totals>
(each page's Total header) and C<responses> (each response).

=cut

sub ccai_walk
{
	my ($sim, $path, %opts) = @_;

	my $max = $opts{max_pages} // 1000;
	my (@objects, @totals, @responses);
	my $res = ccai_get($sim, $path, %opts);
	while (1)
	{
		croak "ccai_walk $path: $res->{status} $res->{content}"
		  unless $res->{status} == 200 && ref $res->{json} eq 'ARRAY';
		push @objects,   @{ $res->{json} };
		push @totals,    $res->{headers}{total};
		push @responses, $res;
		my $next = ccai_links($res)->{next};
		last unless defined $next;
		croak "ccai_walk $path: more than $max pages" if @responses >= $max;
		$next =~ s{^https?://[^/]+\Q$CCAI_PREFIX\E}{}
		  or croak "ccai_walk $path: a next link to somewhere else: $next";
		$res = ccai_get($sim, $next, %opts);
	}
	return {
		objects   => \@objects,
		pages     => scalar @responses,
		totals    => \@totals,
		responses => \@responses,
	};
}

=pod

=item ccai_tail($sim, $endpoint, $time_key, $from, %opts)

Tail C<$endpoint> on C<$time_key> from C<$from> as the vendor recommends:
C<< $time_key[from]=T&sort_column=$time_key&sort_direction=ASC >>, then
again from the last object's time. The bound is inclusive, so the objects
at that time come back and are dropped as seen; when a whole page shares
the bound's time, the next request asks for the next page of that bound
instead (the only way past more such objects than a page holds).
Options: C<per> (default 100), C<max_pages> (default 10000).

Returns a hash: C<objects> (each object once, in the order first seen),
C<pages> (per request: from, page, the ids), C<repeats> (objects returned
again) and C<stuck> (how many requests a tailer that only moved the bound
would have repeated forever).

=cut

sub ccai_tail
{
	my ($sim, $endpoint, $key, $from, %opts) = @_;

	my $per = $opts{per} // 100;
	my $max = $opts{max_pages} // 10000;
	my (%seen, @objects, @pages);
	my ($page, $repeats, $stuck) = (1, 0, 0);
	while (1)
	{
		croak "ccai_tail $endpoint: more than $max pages" if @pages >= $max;
		my $got = ccai_json($sim,
			"$endpoint?${key}%5Bfrom%5D=$from&sort_column=$key&sort_direction=ASC&per=$per&page=$page");
		push @pages, { from => $from, page => $page, ids => [ map { $_->{id} } @$got ] };
		foreach my $obj (@$got)
		{
			if ($seen{ $obj->{id} }++)
			{
				$repeats++;
				next;
			}
			push @objects, $obj;
		}
		last if @$got < $per;
		if ($got->[-1]{$key} eq $from)
		{
			$stuck++;
			$page++;
		}
		else
		{
			$from = $got->[-1]{$key};
			$page = 1;
		}
	}
	return {
		objects => \@objects,
		pages   => \@pages,
		repeats => $repeats,
		stuck   => $stuck,
	};
}

=pod

=back

=cut

1;
