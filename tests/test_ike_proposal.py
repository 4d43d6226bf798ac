"""Proposal strings (ike/proposal.c) against strongSwan as an independent encoder.

One charon, in a namespace of its own (test_ike_codec's charon_ns fixture),
holds one connection per proposal string, each towards its own silent peer
address. Every connection is initiated at once; tcpdump captures each first
IKE_SA_INIT, our codec (build/tests/ike/ike_decode) parses its SA payload, and
the transforms charon put on the wire, proposal by proposal and in order, must
be what our parser (ike_prop_parse() through ctypes) makes of the same string:
types, ids and key lengths, the PRF strongSwan derives from the integrity
algorithm, the order of types. The KE payload is for our first proposal's
first group, and our canonical string of each parses back to the same list.
"""
import ctypes
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_ike_codec as codec  # noqa: E402
from netns import wait_for  # noqa: E402
from test_ike_codec import K, SaPld, charon_ns, decode  # noqa: E402,F401 (fixture)

CASES = [
    "aes256gcm16-prfsha256-modp2048",
    "aes128gcm16-prfsha256-ecp256",
    "chacha20poly1305-prfsha256-x25519",
    "aes256-sha256-modp3072",
    # lists: several of a type, types written out of order, derived PRFs
    "aes256gcm16-aes128gcm16-prfsha512-prfsha256-ecp384-x25519, "
    "aes256-sha384-sha256-modp4096-modp2048",
    "x448-chacha20poly1305-prfsha384-ecp521, "
    "modp3072-sha512-aes128-aes192-sha1-prfsha256-curve25519, "
    "aes256gcm12-aes128gcm8-prfsha1-ecp256",
]
PEER = "192.0.2.{}"  # connection i initiates towards .(10 + i)


class Err(ctypes.Structure):
    _fields_ = [("notify", ctypes.c_uint16), ("payload", ctypes.c_uint8),
                ("reason", ctypes.c_char * 120)]


def lib():
    ike = ctypes.CDLL(codec.LIB)
    ike.ike_prop_parse.restype = ctypes.c_int
    ike.ike_prop_parse.argtypes = [ctypes.c_char_p, ctypes.c_uint8, ctypes.POINTER(SaPld),
                                   ctypes.POINTER(Err)]
    ike.ike_prop_format.restype = ctypes.c_int
    ike.ike_prop_format.argtypes = [ctypes.POINTER(SaPld), ctypes.c_char_p, ctypes.c_size_t]
    return ike


def ours(ike, text):
    """Our parser's proposals: [(proto, [(type, id, key_bits), ...]), ...]"""
    sa, err = SaPld(), Err()
    assert ike.ike_prop_parse(text.encode(), K["PROTO_IKE"], ctypes.byref(sa),
                              ctypes.byref(err)) == 0, err.reason
    out = []
    for p in sa.props[:sa.nprops]:
        xf = sa.xforms[p.first:p.first + p.nxforms]
        out.append((p.proto, [(x.type, x.id, x.key_bits) for x in xf]))
    return sa, out


def swanctl_conf():
    conns = []
    for i, text in enumerate(CASES):
        conns.append(f"""  case{i} {{
    local_addrs = 192.0.2.1
    remote_addrs = {PEER.format(10 + i)}
    version = 2
    proposals = {text}
    local {{
      auth = psk
      id = moon.example
    }}
    remote {{
      auth = psk
      id = sun.example
    }}
    children {{
      c{i} {{
        esp_proposals = aes256gcm16
        local_ts = 10.1.0.0/16
        remote_ts = 10.2.0.0/16
      }}
    }}
  }}""")
    return ("connections {\n" + "\n".join(conns) + "\n}\n" +
            "secrets {\n  ike-1 {\n    id = sun.example\n    secret = proposal-test\n  }\n}\n")


@pytest.fixture
def cases_conf(monkeypatch):
    """charon_ns writes test_ike_codec.SWANCTL_CONF: ours, for this test."""
    monkeypatch.setattr(codec, "SWANCTL_CONF", swanctl_conf())


def capture_inits(ns, d):
    """{peer address: charon's first IKE_SA_INIT to it} for every case."""
    from scapy.layers.inet import IP, UDP  # also lets scapy read Ethernet
    for i in range(len(CASES)):
        ns.run(f"ip neigh add {PEER.format(10 + i)} lladdr 02:00:00:00:00:02 dev ike0")
    cap = ns.capture("ike0", "udp port 500")
    env = dict(os.environ, SWANCTL_DIR=str(d / "swanctl"))
    procs = [ns.popen(["swanctl", "--initiate", "--child", f"c{i}", "--timeout", "3", "--uri",
                       f"unix://{d}/run/charon.vici"], stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL, env=env) for i in range(len(CASES))]
    log = d / "charon.log"
    try:
        wait_for(lambda: all(f"to {PEER.format(10 + i)}[500]" in log.read_text()
                             for i in range(len(CASES))), timeout=20,
                 what="charon sending every IKE_SA_INIT")
    finally:
        pkts = cap.stop()
        for p in procs:
            p.kill()
            p.wait()
    inits = {}
    for p in pkts:
        if UDP in p and p[UDP].dport == 500:
            inits.setdefault(p[IP].dst, bytes(p[UDP].payload))
    return inits


def test_strongswan_encodes_what_we_parse(cases_conf, charon_ns, tmp_path):
    ns, swanctl, d = charon_ns
    ike = lib()
    inits = capture_inits(ns, d)
    assert sorted(inits) == sorted(PEER.format(10 + i) for i in range(len(CASES))), inits
    for i, text in enumerate(CASES):
        sa, want = ours(ike, text)
        wire = decode(inits[PEER.format(10 + i)], tmp=tmp_path)
        assert wire["ok"], (text, wire)
        assert wire["exchange"] == K["EXCHANGE_IKE_SA_INIT"]
        got = [(p["proto"], [tuple(x) for x in p["xforms"]]) for p in wire["sa"]]
        assert got == want, text
        assert [p["num"] for p in wire["sa"]] == list(range(1, len(want) + 1))
        first_dh = next(x[1] for x in want[0][1] if x[0] == K["XFORM_DH"])
        assert wire["ke"]["group"] == first_dh, text
        # our canonical string of the list parses back to the same list
        buf = ctypes.create_string_buffer(1024)
        n = ike.ike_prop_format(ctypes.byref(sa), buf, len(buf))
        assert n == len(buf.value) > 0
        assert ours(ike, buf.value.decode())[1] == want, buf.value
