"""CREATE_CHILD_SA between the xdpsec daemon and strongSwan's charon, for
what test_ike_interop.py's rekey cases do not cover: charon rekeying the IKE
SA (xdpsec answers, moves the Child SA to the new IKE SA and lets charon
delete the old one), Child SA rekeys with PFS both ways (a KE payload of the
ESP proposal's group; charon checks our KE and derives the same KEYMAT, or
no packet would pass), and a second Child SA created on the established IKE
SA (`xdpsec up gw net2`). Same rig as test_ike_interop.py (gw2gw, xdpsec on
gwA, charon on gwB, PSK); pings through the tunnel after each change.
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netns import wait_for  # noqa: E402
from test_ike_interop import PROPOSALS, load_both, rig  # noqa: E402,F401

FAST = "rekey_time = 3s\n life_time = 20s\n rand_time = 0s"


def one_sa(d, c):
    """Both sides on exactly one IKE SA with one installed Child SA, the same
    SPIs crosswise; (IKE SPIs, our Child SPIs)."""
    ours, theirs = d.installed(), c.list_sas()
    if not ours or len(ours) != 1 or len(theirs) != 1:
        return None
    kids = [k for k in theirs[0]["children"] if k["state"] == "INSTALLED"]
    (sa,) = ours
    if len(sa["child_sas"]) != 1 or len(kids) != 1:
        return None
    ch = sa["child_sas"][0]
    if (sa["initiator_spi"], sa["responder_spi"]) != (theirs[0]["spi_i"], theirs[0]["spi_r"]) \
            or (kids[0]["spi_in"], kids[0]["spi_out"]) != (ch["spi_out"], ch["spi_in"]):
        return None
    return (sa["initiator_spi"], sa["responder_spi"]), (ch["spi_in"], ch["spi_out"])


def test_ike_sa_rekey_by_charon(rig):
    """charon rekeys the IKE SA every 3 s: new IKE SPIs on both sides, the
    Child SA carried over unchanged, traffic flows, one IKE SA left."""
    t, d, c = rig
    load_both(rig, PROPOSALS[1], b_conn_extra="rekey_time = 3s\n over_time = 30s\n rand_time = 0s")
    c.initiate("net")
    first = wait_for(lambda: one_sa(d, c), timeout=15, what="the SAs")
    assert t.lanA.ping(t["LANB_IP4"], count=2)
    now = wait_for(lambda: (s := one_sa(d, c)) and s[0] != first[0] and s, timeout=15,
                   interval=0.1, what="a new IKE SA")
    assert now[1] == first[1]  # the same Child SA, moved
    assert "rekeyed into" in d.log()
    assert t.lanA.ping(t["LANB_IP4"], count=2) and t.lanB.ping(t["LANA_IP4"], count=2)
    c.terminate("gw")
    wait_for(d.empty, timeout=10, what="xdpsec without SAs after charon's DELETE")


@pytest.mark.parametrize("who", ["xdpsec", "charon"])
def test_child_rekey_with_pfs(rig, who):
    """ESP proposals with ECP-256: each Child SA rekey carries KE payloads;
    new SPIs, pings through the new pair."""
    t, d, c = rig
    side = "a" if who == "xdpsec" else "b"
    load_both(rig, PROPOSALS[1], a_esp_proposals="aes128gcm16-ecp256",
              b_esp_proposals="aes128gcm16-ecp256", **{f"{side}_child_extra": FAST})
    d.cli("up", "gw")
    first = wait_for(lambda: one_sa(d, c), timeout=15, what="the SAs")
    mark = len(c.log())
    now = wait_for(lambda: (s := one_sa(d, c)) and s[1] != first[1] and s, timeout=15,
                   interval=0.1, what="a rekeyed Child SA")
    assert now[0] == first[0]
    assert t.lanA.ping(t["LANB_IP4"], count=2) and t.lanB.ping(t["LANA_IP4"], count=2)
    # charon agreed on the proposal with its DH group: the exchange had KEs
    assert "selected proposal: ESP:AES_GCM_16_128/ECP_256" in c.log()[mark:], c.log()[mark:]
    d.cli("down", "gw")
    wait_for(d.empty, timeout=10, what="xdpsec without SAs after down")


def test_second_child_on_established_ike_sa(rig):
    """`xdpsec up gw net2` with the IKE SA up: CREATE_CHILD_SA for the new
    child, both Child SAs installed on both sides under one IKE SA."""
    t, d, c = rig
    net2 = """net2 {
            local_ts = 10.1.0.0/24
            remote_ts = 10.2.0.0/24[icmp]
            esp_proposals = aes128gcm16
            mode = tunnel
            start_action = none
          }"""
    load_both(rig, PROPOSALS[1], a_extra_children=net2, b_extra_children=net2.replace(
        "local_ts = 10.1.0.0/24\n            remote_ts = 10.2.0.0/24[icmp]",
        "local_ts = 10.2.0.0/24[icmp]\n            remote_ts = 10.1.0.0/24"))
    d.cli("up", "gw", "net")
    wait_for(lambda: one_sa(d, c), timeout=15, what="the first Child SA")
    d.cli("up", "gw", "net2")

    def two():
        ours, theirs = d.sas(), c.list_sas()
        if len(ours) != 1 or len(theirs) != 1:
            return None
        kids = [k for k in ours[0]["child_sas"] if k["state"] == "INSTALLED"]
        ckids = [k for k in theirs[0]["children"] if k["state"] == "INSTALLED"]
        return len(kids) == 2 and len(ckids) == 2 and (kids, ckids)
    kids, ckids = wait_for(two, timeout=15, what="two Child SAs")
    assert {(k["spi_in"], k["spi_out"]) for k in kids} == {
        (k["spi_out"], k["spi_in"]) for k in ckids}
    assert t.lanA.ping(t["LANB_IP4"], count=2)
    d.cli("down", "gw")
    wait_for(d.empty, timeout=10, what="xdpsec without SAs after down")
