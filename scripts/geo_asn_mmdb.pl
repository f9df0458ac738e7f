#!/usr/bin/env perl
# SPDX-License-Identifier: Apache-2.0
# Build an ASN MMDB (GeoLite2-ASN schema: autonomous_system_number,
# autonomous_system_organization) from the CSV ranges of the npm package
# @ip-location-db/asn (CC BY 4.0: RouteViews, DB-IP, NRO), which ships no
# MMDB of its own.  Usage: geo_asn_mmdb.pl OUT.mmdb asn-ipv4.csv [asn-ipv6.csv]
# Build epoch: the CSV's modification time, so a rebuild of the same data
# gives the same database build.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;
use Net::Works::Network;

my ($out, @csv) = @ARGV;
die "usage: $0 OUT.mmdb CSV...\n" unless $out && @csv;
my $epoch = 0;
for (@csv) { my $m = (stat $_)[9]; $epoch = $m if $m && $m > $epoch; }
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version => 6,
    record_size => 28,
    database_type => 'vigie-asn',
    languages => ['en'],
    description => { en => 'ASN from @ip-location-db/asn (CC BY 4.0)' },
    map_key_type_callback => sub {
        $_[0] eq 'autonomous_system_number' ? 'uint32' : 'utf8_string'
    },
    remove_reserved_networks => 0,
    alias_ipv6_to_ipv4 => 1,
    merge_strategy => 'none',
);
$tree->{_build_epoch} = $epoch;
my $skipped = 0;
for my $f (@csv) {
    open my $fh, '<:encoding(UTF-8)', $f or die "$f: $!\n";
    while (my $line = <$fh>) {
        chomp $line;
        my ($first, $last, $asn, $name) = split /,/, $line, 4;
        next unless defined $asn && $asn =~ /^\d+$/;
        $name //= '';
        $name =~ s/^"(.*)"$/$1/;
        $name =~ s/""/"/g;
        # ranges inside the IPv4 aliases of IPv6 (6to4, Teredo) cannot be
        # stored: the IPv4 data answers for them
        eval {
            $tree->insert_range($first, $last,
                { autonomous_system_number => $asn + 0, autonomous_system_organization => $name });
            1;
        } or $skipped++;
    }
}
open my $o, '>:raw', "$out.tmp" or die "$out.tmp: $!\n";
$tree->write_tree($o);
close $o or die "$out.tmp: $!\n";
rename "$out.tmp", $out or die "$out: $!\n";
print STDERR "geo_asn_mmdb: $out written ($skipped aliased ranges skipped)\n";
