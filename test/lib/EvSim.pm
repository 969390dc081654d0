
=pod

=head1 NAME

EvSim - ExecVision helpers for the conv-sim TAP tests

=head1 SYNOPSIS

  use ConvSim;
  use EvSim qw(ev_get ev_json ev_scan iso_epoch);

  my $sim = ConvSim->start(calls => 3000, users => 40,
	  clock => '2026-11-20T03:00:00Z', anchor => '2026-11-20T00:00:00Z');
  my $users = ev_json($sim, 'users');
  my $scan = ev_scan($sim, 'calls', limit => 100);
  is(scalar @{ $scan->{objects} }, ...);

=head1 DESCRIPTION

Small functions over ConvSim for the simulator's own tests (test/t/01x_sim_*):
requests to the ExecVision API with the default credentials, and a
since + last_id pager written the way the vendor's document says a client
should page.

=cut

package EvSim;

use strict;
use warnings;

use Carp;
use Exporter 'import';
use Time::Local qw(timegm);

our @EXPORT_OK = qw(ev_get ev_json ev_scan iso_epoch admin_json $EV_USER $EV_PASSWORD);

our $EV_USER     = 'ev-user';
our $EV_PASSWORD = 'ev-secret';

# A request's path below the prefix and its options, with the default
# credentials unless %opts gives others: what ev_get and ev_json send.
sub _ev_args
{
	my ($path, %opts) = @_;

	return ("/api/ev/2/$path", user => $EV_USER, password => $EV_PASSWORD, %opts);
}

=pod

=head1 FUNCTIONS

=over

=item ev_get($sim, $path_and_query, %opts)

GET C</api/ev/2/$path_and_query> with the default credentials (override
with C<< user => >> and C<< password => >>); returns what ConvSim's get
returns.

=cut

sub ev_get
{
	my ($sim, @args) = @_;

	return $sim->get(_ev_args(@args));
}

=pod

=item ev_json($sim, $path_and_query)

Like ev_get, but dies unless the answer is a 200 with a JSON body, which
it returns decoded.

=cut

sub ev_json
{
	my ($sim, @args) = @_;

	return $sim->get_json(_ev_args(@args));
}

=pod

=item admin_json($sim, $method, $path, $body)

Call the admin API; dies unless it answers 200, returns the decoded body.

=cut

sub admin_json
{
	my ($sim, $method, $path, $body) = @_;

	my $res = $sim->admin($method, $path, $body);
	croak "$method /_admin/$path: $res->{status} $res->{content}"
	  unless $res->{status} == 200;
	return $res->{json};
}

=pod

=item ev_scan($sim, $endpoint, %opts)

Read a since + last_id endpoint (C<calls>, C<calls/deleted>,
C<call_topics>) from C<since> to its end, as the vendor's document says:
the first request with since only, each next one with the last object's
time (C<time_key>: C<modified>, or C<deletedAt>) as since and its id
(C<id_key>: C<id>, or C<callId>) as last_id.  Objects seen before are
dropped (the known bug repeats the last_id object).  Options: C<limit>
(default 1000), C<since> (default 2000-01-01T00:00Z), C<extra> (more query
text), C<max_pages> (default 10000), C<on_page> (called with the page
number and the decoded page after each request).

Returns a hash: C<objects> (each object once, in the order first seen),
C<all> (every object as returned, repeats included), C<pages> (per
request: since, last_id, the page's ids), C<repeats> (how many pages
started with their last_id object) and C<duplicates> (how many returned
objects had been returned before).

=cut

sub ev_scan
{
	my ($sim, $endpoint, %opts) = @_;

	my $limit    = $opts{limit}    // 1000;
	my $since    = $opts{since}    // '2000-01-01T00:00Z';
	my $time_key = $opts{time_key} // ($endpoint eq 'calls/deleted' ? 'deletedAt' : 'modified');
	my $id_key   = $opts{id_key}   // ($endpoint eq 'call_topics' ? 'callId' : 'id');
	my $max      = $opts{max_pages} // 10000;
	my (%seen, @objects, @all, @pages);
	my ($last_id, $repeats, $duplicates) = (undef, 0, 0);

	while (1)
	{
		croak "ev_scan $endpoint: more than $max pages" if @pages >= $max;
		my $query = "since=$since&limit=$limit";
		$query .= "&last_id=$last_id" if defined $last_id;
		$query .= "&$opts{extra}" if defined $opts{extra};
		my $page = ev_json($sim, "$endpoint?$query");
		croak "ev_scan $endpoint: not an array" unless ref $page eq 'ARRAY';

		push @pages, {
			since   => $since,
			last_id => $last_id,
			ids     => [ map { $_->{$id_key} } @$page ] };
		push @all, @$page;
		$repeats++ if defined $last_id && @$page && $page->[0]{$id_key} eq $last_id;
		my $new = 0;
		foreach my $obj (@$page)
		{
			if ($seen{ $obj->{$id_key} }++)
			{
				$duplicates++;
				next;
			}
			push @objects, $obj;
			$new++;
		}
		$opts{on_page}->(scalar @pages, $page) if $opts{on_page};
		last if @$page < $limit;
		croak "ev_scan $endpoint: a full page brought nothing new" unless $new;
		$since   = $page->[-1]{$time_key};
		$last_id = $page->[-1]{$id_key};
	}
	return {
		objects    => \@objects,
		all        => \@all,
		pages      => \@pages,
		repeats    => $repeats,
		duplicates => $duplicates,
	};
}

=pod

=item iso_epoch($iso)

Seconds since the epoch (with fractions) of an ISO 8601 time with a zone
(C<Z> or C<+hh:mm>), or undef when it is not one.

=back

=cut

sub iso_epoch
{
	my ($s) = @_;

	return undef
	  unless defined $s
	  && $s =~ /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d)(\.\d+)?)?(Z|([+-])(\d\d):?(\d\d))$/;
	my $t = timegm($6 // 0, $5, $4, $3, $2 - 1, $1) + ($7 // 0);
	$t -= ($9 eq '-' ? -1 : 1) * ($10 * 3600 + $11 * 60) if $8 ne 'Z';
	return $t;
}

1;
