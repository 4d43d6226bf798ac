"""Transport mode between gateways: on the gw2gw topology the two gateways
protect their own traffic (gwA's WAN address <-> gwB's WAN address) with
transport-mode ESP, and ESP in UDP 4500, over IPv4 and IPv6: ping both ways
and a TCP transfer gwA -> gwB, generated and received by the gateways' own
stacks (tc-out and the internal veth), while their LANs stay unprotected.
The WAN tap sees only ESP (resp. UDP 4500 ESP), and scapy decrypts both
directions with the configured keys to the exact ICMP of each echo request
gwA's stack sent."""
import pytest

from netns import topology, wan_tap
from test_dataplane_common import Peer, Tunnel, assert_transport_esp, run_transport


@pytest.mark.parametrize("encap", [False, True], ids=["esp", "espinudp"])
@pytest.mark.parametrize("fam", ["IP4", "IP6"])
def test_gw2gw_transport(fam, encap):
    with topology("gw2gw") as t, wan_tap(t, "GWA_WAN", "GWB_WAN"):
        ga, gb = t[f"GWA_WAN_{fam}"], t[f"GWB_WAN_{fam}"]
        a = Peer(t.gwA, "a", t["GWA_WAN_IF"], t["GWA_LAN_IF"], ga, gb)
        b = Peer(t.gwB, "b", t["GWB_WAN_IF"], t["GWB_LAN_IF"], gb, ga)
        tun = Tunnel(a, b, "gcm", mode="transport", encap=encap,
                     spi_ab=0x9001, spi_ba=0xa001)
        try:
            pkts, sent = run_transport(t, tun, t.gwA, t.gwB, ga, gb, 5105)
            assert_transport_esp(tun, pkts, sent)
            for p, spi in ((a, tun.spi["ab"]), (b, tun.spi["ba"])):
                sa = p.d.js("state", "get", "dst", p.remote, "proto", "esp", "spi", hex(spi))
                assert sa["mode"] == "transport" and sa["packets"] > 3
        finally:
            tun.stop()
