# conv-sim, ExecVision calls/search: exactly one metadata.<field>=<value>,
# the stored value lowercased and compared with the value as given (so an
# uppercase value never matches), at most 1000 ids in (modified, id) order,
# no paging.

use strict;
use warnings;

use JSON::PP;
use List::Util qw(uniq);
use PostgreSQL::Test::Utils;
use Test::More;

use ConvSim;
use EvSim qw(ev_get ev_scan admin_json);

my $sim = ConvSim->start(
	calls  => 3000,
	users  => 40,
	clock  => '2026-11-20T03:00:00Z',
	anchor => '2026-11-20T00:00:00Z',
	https  => 0);

# every live call, in (modified, id) order, with its metadata
my @calls = @{ ev_scan($sim, 'calls', limit => 1000)->{objects} };
my @truth = map { $_->{id} } @{ admin_json($sim, 'GET', 'execvision/calls') };
is_deeply([ map { $_->{id} } @calls ], \@truth, 'the scan has every live call');

# The JSON text of a metadata value (booleans decode to 1 and 0).
sub text_of
{
	my ($v) = @_;

	return JSON::PP::is_bool($v) ? ($v ? 'true' : 'false') : $v;
}

# The ids of calls whose metadata $field, lowercased, is $value.
sub matching
{
	my ($field, $value) = @_;

	return [ map { $_->{id} }
		  grep { defined $_->{metadata}{$field} && lc(text_of($_->{metadata}{$field})) eq $value }
		  @calls ];
}

# Search, asserting a 200 with an array of strings.
sub search
{
	my ($query, $what) = @_;

	my $res = ev_get($sim, "calls/search?$query");
	is($res->{status}, 200, "$what: 200") or diag $res->{content};
	ok(ref $res->{json} eq 'ARRAY' && !grep({ ref $_ } @{ $res->{json} }),
		"$what: an array of id strings");
	return $res->{json} // [];
}

#
# Companies that differ only in case are found by one lowercase value.
#
my %by_case = map { $_->{metadata}{company} => 1 } grep { defined $_->{metadata}{company} } @calls;
ok($by_case{'ACME Corp'} && $by_case{'Acme Corp'}, 'the data has "ACME Corp" and "Acme Corp"');
my $acme = search('metadata.company=acme+corp', 'company=acme corp');
is_deeply($acme, matching(company => 'acme corp'),
	'metadata.company=acme+corp finds exactly the calls of both, in (modified, id) order');
my %company_of = map { $_->{id} => $_->{metadata}{company} } @calls;
is_deeply([ sort { $a cmp $b } uniq map { $company_of{$_} } @$acme ], [ 'ACME Corp', 'Acme Corp' ],
	'ids of both spellings are in the answer');
is_deeply(search('metadata.company=acme%20corp', 'company=acme%20corp'), $acme,
	'%20 and + are both a space');
is_deeply(search('metadata.company=ACME+Corp', 'company=ACME Corp'), [],
	'the stored spelling with capitals matches nothing');
is_deeply(search('metadata.company=Acme+Corp', 'company=Acme Corp'), [],
	'nor does the other one');
is_deeply(search('metadata.company=acme', 'company=acme'), [], 'a part of the value matches nothing');

my $hpe = search('metadata.company=hewlett+packard+enterprise', 'the document\'s example');
cmp_ok(scalar @$hpe, '>', 0, 'the document\'s example query finds calls');
is_deeply($hpe, matching(company => 'hewlett packard enterprise'), 'exactly those of the company');
is_deeply(search('metadata.company=z%C3%BCrich+versicherung', 'a non-ASCII company'),
	matching(company => "z\x{fc}rich versicherung"), 'a non-ASCII value is matched byte for byte');

#
# More matches than the cap: exactly 1000 ids, the first in paging order.
#
my $live = matching(deleted => 'false');
cmp_ok(scalar @$live, '>', 1000, 'more than 1000 calls have metadata.deleted false');
my $capped = search('metadata.deleted=false', 'deleted=false');
is(scalar @$capped, 1000, 'a search with more matches returns exactly 1000 ids');
is_deeply($capped, [ @$live[ 0 .. 999 ] ], 'the first 1000 in (modified, id) order');
is_deeply(search('metadata.deleted=true', 'deleted=true'), [], 'a boolean compares by its JSON text');
is(ev_get($sim, 'calls/search?metadata.deleted=false&limit=2000')->{status}, 400,
	'there is no limit parameter (nor paging)');

#
# An opportunity: about twenty calls share one; its id is mixed case.
#
my ($opp) = map { $_->{metadata}{opportunity_id} }
  grep { ($_->{metadata}{opportunity_id} // '') =~ /[A-Z]/ } @calls[ 100 .. $#calls ];
my $found = search('metadata.opportunity_id=' . lc $opp, "opportunity_id=\L$opp");
cmp_ok(scalar @$found, '>=', 2, 'an opportunity search finds its calls');
cmp_ok(scalar @$found, '<=', 60, 'a small set');
is_deeply($found, matching(opportunity_id => lc $opp), 'exactly the calls with that opportunity');
my %meta_of = map { $_->{id} => $_->{metadata} } @calls;
is_deeply([ grep { lc($meta_of{$_}{opportunity_id}) ne lc $opp } @$found ], [],
	'all of them have the value, case-insensitively');
is_deeply(search("metadata.opportunity_id=$opp", 'the mixed-case opportunity id'), [],
	'the opportunity id as stored (mixed case) matches nothing');

# numbers compare by their JSON text
my $price = $found->[0] && $meta_of{ $found->[0] }{opportunity_price_point};
is_deeply(search("metadata.opportunity_price_point=$price", 'a number'),
	matching(opportunity_price_point => $price), 'a number matches by its text');

# metadata.id: the document's own example
my $id = $calls[42]{id};
is_deeply(search("metadata.id=$id", 'metadata.id'), [$id], 'metadata.id=callid returns ["callid"]');

# a call added (or changed) through the admin is found at once
my $added = admin_json($sim, 'POST', 'execvision/calls',
	{ count => 2, metadata => { company => 'Brand NEW Co', region => 'NA' } });
is_deeply(search('metadata.company=brand+new+co', 'an added company'),
	[ map { $_->{id} } @$added ], 'calls added through the admin are found');

#
# Exactly one parameter, and it must be a metadata field.
#
foreach my $bad ('', 'metadata.company=acme+corp&metadata.region=na',
	'metadata.company=acme+corp&metadata.company=hooli', 'company=acme+corp', 'id=' . $id,
	'metadata.=x', 'metadata=x', 'callerId=' . $calls[0]{callerId})
{
	my $res = ev_get($sim, "calls/search?$bad");
	is($res->{status}, 400, "calls/search?$bad: 400");
	is($res->{json} && $res->{json}{status}, 400, "calls/search?$bad: JSON error");
}
is(ev_get($sim, 'calls/search?metadata.company=acme+corp', password => 'x')->{status}, 401,
	'search needs the credentials too');

done_testing();
