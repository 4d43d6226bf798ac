"""Inbound selector enforcement (RFC 4301 section 5.2, step 4) in the AF_XDP
worker, end to end with the real XDP programs (the topology and
tests/worker/worker_smoke.c of tests/test_worker_smoke.py): the inbound SA
(SPI 0x1001) carries the selector 10.2.0.0/24 -> 10.3.0.0/24 (sel4) or
2001:db8:2::/64 -> 2001:db8:3::/64 (sel6). scapy encrypts every packet with
the SA's key, so each one passes the ICV check; only those whose inner
addresses are inside the selector may reach the LAN, the others are counted
as selector-mismatch."""
import pytest
from scapy.all import IP, IPv6, UDP, Raw, raw

from test_worker_smoke import KEY, listen, results, run, topology


def send(ns, seq, src, dst, dport, payload):
    run(ns["peer"], "send-esp", "p0", ns["w0mac"], seq, KEY.hex(), src, dst,
        dport, payload.hex())


def inner(src, dst, dport, payload):
    l3 = IPv6(src=src, dst=dst, hlim=63) if ":" in dst else IP(src=src, dst=dst, ttl=63)
    return raw(l3 / UDP(sport=4321, dport=dport) / Raw(payload))


def counters(ns):
    out, err = ns["proc"].communicate(timeout=30)
    assert ns["proc"].returncode == 0, err
    return dict(line.split() for line in out.splitlines())


@pytest.mark.parametrize("mode,good_src,lan,bad_src,other", [
    ("sel4", "10.2.0.5", "10.3.0.5", "10.9.9.9", ("2001:db8:2::5", "2001:db8:3::5")),
    ("sel6", "2001:db8:2::5", "2001:db8:3::5", "2001:db8:9::9", ("10.2.0.5", "10.3.0.5")),
])
def test_selector_delivers_matching_and_drops_the_rest(mode, good_src, lan, bad_src, other):
    with topology(mode) as ns:
        # stops at the second delivery (a leak would be among the first two: the
        # packets share one path); the timeout only bounds a failure
        sn = listen(ns["lan"], "sniff", "l1", "UDP:9999", 30, 2)
        send(ns, 1, good_src, lan, 9999, b"inside the selector")
        send(ns, 2, bad_src, lan, 9999, b"outside: source")
        send(ns, 3, good_src, "10.4.0.5" if "." in lan else "2001:db8:4::5", 9999,
             b"outside: destination")
        send(ns, 4, *other, 9999, b"outside: other family")
        send(ns, 5, good_src, lan, 9999, b"inside again")
        got = results(sn)
        assert got == [inner(good_src, lan, 9999, b"inside the selector"),
                       inner(good_src, lan, 9999, b"inside again")]
        kv = counters(ns)
        assert int(kv["drop.selector-mismatch"]) == 3
        # the mismatches decrypted fine: the SA saw all five, none failed
        assert int(kv["sad0.replay_top"]) == 5 and "drop.icv-fail" not in kv


def test_no_selector_delivers_any_inner_source():
    with topology() as ns:
        sn = listen(ns["lan"], "sniff", "l1", "UDP:9999", 30, 1)
        send(ns, 1, "10.9.9.9", "10.3.0.5", 9999, b"any source")
        assert results(sn) == [inner("10.9.9.9", "10.3.0.5", 9999, b"any source")]
        assert "drop.selector-mismatch" not in counters(ns)
