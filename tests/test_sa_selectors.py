"""Inbound SA selectors with protocol and ports, end to end through the
daemon: `state add ... sel ... proto P dport N-M sel ... proto icmp type T`
(two selectors on one SA, as an IKE Child SA with two traffic selector
pairs would have) reaches the worker. scapy encrypts every inner packet
with the SA's key, so each one authenticates; the worker delivers those
inside a selector and drops the rest as selector-mismatch (RFC 4301 5.2
step 4), including a later IPv4 fragment, which has no ports (RFC 4301
section 7). The listing gives the selectors back."""
from test_loader_daemon import KEY_GCM, inst, send_esp_gcm, wait_for  # noqa: F401

SPI = "0x2001"
SELS = ["sel", "src", "10.2.0.0/24", "dst", "10.1.0.0/24", "proto", "udp",
        "dport", "5000-5001",
        "sel", "src", "10.2.0.0/24", "dst", "10.1.0.0/24", "proto", "icmp", "type", "8"]
IP_ = "IP(src='10.2.0.5', dst='10.1.0.5'%s)"
INSIDE = [IP_ % "" + "/UDP(sport=40000, dport=5000)/Raw(b'a' * 20)",
          IP_ % "" + "/UDP(sport=40000, dport=5001)/Raw(b'b' * 20)",
          IP_ % "" + "/ICMP(type=8, code=3)/Raw(b'c' * 20)"]
OUTSIDE = [IP_ % "" + "/UDP(sport=40000, dport=4999)/Raw(b'd' * 20)",
           IP_ % "" + "/UDP(sport=40000, dport=5002)/Raw(b'e' * 20)",
           IP_ % "" + "/TCP(sport=40000, dport=5000)/Raw(b'f' * 20)",
           IP_ % "" + "/ICMP(type=0)/Raw(b'g' * 20)",
           # bytes 0-3 after the header read as ports 40000 -> 5000, but
           # the fragment at offset 8 bytes has no ports: mismatch
           IP_ % ", proto=17, frag=1" + "/UDP(sport=40000, dport=5000)/Raw(b'h' * 20)"]


def sa(inst):
    return inst.js("state", "get", "dst", "192.0.2.1", "proto", "esp", "spi", SPI)


def drops(inst):
    return inst.js("stats")["worker"]["drops"]


def test_proto_and_ports_selectors_enforced(inst):
    inst.ok("daemon")
    inst.ok("attach", "--wan", "wan0", "--lan", "lan0")
    inst.ok("state", "add", "src", "192.0.2.2", "dst", "192.0.2.1", "proto", "esp",
            "spi", SPI, "mode", "tunnel", "aead", "rfc4106(gcm(aes))", KEY_GCM, "128",
            "replay-window", "32", *SELS)
    seq = 1
    for i, inner in enumerate(INSIDE):
        send_esp_gcm(inst, KEY_GCM[2:], int(SPI, 16), [seq], inner=inner)
        seq += 1
        wait_for(lambda: sa(inst)["replay_top"] == seq - 1, what="inside packet %d" % i)
        assert drops(inst)["selector-mismatch"] == 0, inner
    for i, inner in enumerate(OUTSIDE):
        send_esp_gcm(inst, KEY_GCM[2:], int(SPI, 16), [seq], inner=inner)
        seq += 1
        wait_for(lambda: drops(inst)["selector-mismatch"] == i + 1,
                 what="mismatch of %s" % inner)
    assert sa(inst)["replay_top"] == len(INSIDE) + len(OUTSIDE)
    assert drops(inst)["icv-fail"] == 0
    got = sa(inst)["sel"]
    assert got == [{"src": "10.2.0.0/24", "dst": "10.1.0.0/24", "proto": "udp",
                    "dport": "5000-5001"},
                   {"src": "10.2.0.0/24", "dst": "10.1.0.0/24", "proto": "icmp",
                    "type": "8"}]
    text = inst.ok("state", "list")
    assert "\tsel src 10.2.0.0/24 dst 10.1.0.0/24 proto udp dport 5000-5001\n" in text
    assert "\tsel src 10.2.0.0/24 dst 10.1.0.0/24 proto icmp type 8\n" in text
