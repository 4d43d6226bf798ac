"""ESP built by our engine, decrypted and ICV-checked by Wireshark's dissector.

A second independent implementation beside scapy (test_esp_scapy.py); it also
covers what scapy lacks, such as AES-GCM with 8- and 12-byte ICVs. All cases
go into one capture and one tshark run; each SA has its own SPI.
"""
import itertools
import os
import subprocess

import pytest
from scapy.layers.inet import IP, UDP, TCP
from scapy.layers.inet6 import IPv6
from scapy.utils import wrpcap

import xsengine as xe

TSHARK_ENC = {
    "aes-gcm-8": "AES-GCM with 8 octet ICV [RFC4106]",
    "aes-gcm-12": "AES-GCM with 12 octet ICV [RFC4106]",
    "aes-gcm-16": "AES-GCM with 16 octet ICV [RFC4106]",
    "aes-cbc": "AES-CBC [RFC3602]",
    "null": "NULL",
}
TSHARK_AUTH = {
    "none": "NULL",
    "hmac-sha1-96": "HMAC-SHA-1-96 [RFC2404]",
    "hmac-sha256-128": "HMAC-SHA-256-128 [RFC4868]",
    "hmac-sha384-192": "HMAC-SHA-384-192 [RFC4868]",
    "hmac-sha512-256": "HMAC-SHA-512-256 [RFC4868]",
}
INTEG_KEY_LEN = {"none": 0, "hmac-sha1-96": 20, "hmac-sha256-128": 32,
                 "hmac-sha384-192": 48, "hmac-sha512-256": 64}

TRANSFORMS = (
    [(f"aes-gcm-{icv}", klen + 4, "none") for icv in (8, 12, 16) for klen in (16, 24, 32)]
    + [("aes-cbc", klen, integ) for klen in (16, 24, 32)
       for integ in ("hmac-sha1-96", "hmac-sha256-128", "hmac-sha384-192", "hmac-sha512-256")]
    + [("null", 0, integ) for integ in ("hmac-sha1-96", "hmac-sha256-128")]
)
# (mode, outer family, inner family, udp encapsulation)
LAYOUTS = [
    (xe.MODE_TUNNEL, 4, 4, False), (xe.MODE_TUNNEL, 6, 6, False),
    (xe.MODE_TUNNEL, 4, 6, False), (xe.MODE_TUNNEL, 6, 4, False),
    (xe.MODE_TRANSPORT, 4, 4, False), (xe.MODE_TRANSPORT, 6, 6, False),
    (xe.MODE_TUNNEL, 4, 4, True),
]
OUTER = {4: ("192.0.2.1", "192.0.2.2"), 6: ("2001:db8::1", "2001:db8::2")}


def inner_packet(family, mode, n):
    payload = bytes((n + i) & 0xff for i in range(40 + n % 50))
    if mode == xe.MODE_TRANSPORT:
        src, dst = OUTER[family]
    else:
        src, dst = ("10.1.0.1", "10.2.0.1") if family == 4 else ("fd00:1::1", "fd00:2::1")
    l3 = IP(src=src, dst=dst) if family == 4 else IPv6(src=src, dst=dst)
    l4 = UDP(sport=1000 + n, dport=7) if n % 2 else TCP(sport=1000 + n, dport=80, flags="PA")
    return bytes(l3 / l4 / payload)


def build_cases():
    cases = []
    for n, ((enc, klen, integ), (mode, outer, inner, encap)) in enumerate(
            itertools.product(TRANSFORMS, LAYOUTS)):
        if mode == xe.MODE_TRANSPORT and outer != inner:
            continue
        spi = 0x10000 + n
        enc_key = bytes((spi + i) & 0xff for i in range(klen))
        integ_key = bytes((spi * 7 + i) & 0xff for i in range(INTEG_KEY_LEN[integ]))
        src, dst = OUTER[outer]
        sa = xe.SA(spi=spi, dir="out", mode=mode, src=src, dst=dst, enc=enc, enc_key=enc_key,
                   integ=integ, integ_key=integ_key,
                   udp_encap=(4500, 4500) if encap else None)
        plain = inner_packet(inner, mode, n)
        rc, wire = sa.out(plain)
        assert rc == "ok", (enc, integ, mode, rc)
        cases.append(dict(spi=spi, outer=outer, mode=mode, src=src, dst=dst, enc=enc,
                          integ=integ, enc_key=enc_key, integ_key=integ_key,
                          plain=plain, wire=wire))
    return cases


def uat_line(c):
    proto = "IPv4" if c["outer"] == 4 else "IPv6"
    ik = "0x" + c["integ_key"].hex() if c["integ_key"] else ""
    ek = "0x" + c["enc_key"].hex() if c["enc_key"] else ""
    return (f'"{proto}","{c["src"]}","{c["dst"]}","0x{c["spi"]:08x}",'
            f'"{TSHARK_ENC[c["enc"]]}","{ek}","{TSHARK_AUTH[c["integ"]]}","{ik}"')


def expected_contained(c):
    """Tunnel: the whole inner packet. Transport: what followed the IP header."""
    p = c["plain"]
    if c["mode"] == xe.MODE_TUNNEL:
        return p
    return p[20:] if c["outer"] == 4 else p[40:]


@pytest.fixture(scope="module")
def decoded(tmp_path_factory):
    d = tmp_path_factory.mktemp("tshark")
    cases = build_cases()
    (d / "esp_sa").write_text("\n".join(uat_line(c) for c in cases) + "\n")
    pkts = [IP(c["wire"]) if c["outer"] == 4 else IPv6(c["wire"]) for c in cases]
    wrpcap(str(d / "esp.pcap"), pkts, linktype=101)  # DLT_RAW: IPv4 and IPv6
    env = dict(os.environ, WIRESHARK_CONFIG_DIR=str(d), HOME=str(d))
    r = subprocess.run(
        ["tshark", "-n", "-r", str(d / "esp.pcap"),
         "-o", "esp.enable_encryption_decode:TRUE",
         "-o", "esp.enable_authentication_check:TRUE",
         "-T", "fields", "-E", "occurrence=l",
         "-e", "esp.spi", "-e", "esp.icv_good", "-e", "esp.contained_data"],
        capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    assert len(rows) == len(cases)
    return cases, rows


def test_tshark_decrypts_and_verifies_every_case(decoded):
    cases, rows = decoded
    failures = []
    for c, (spi, icv_good, contained) in zip(cases, rows):
        name = f'{c["enc"]}/{c["integ"]} mode={c["mode"]} v{c["outer"]} spi={spi}'
        if int(spi, 0) != c["spi"]:
            failures.append(f"{name}: spi {spi}")
        elif icv_good != "1":
            failures.append(f"{name}: ICV not good ({icv_good!r})")
        elif bytes.fromhex(contained.replace(":", "")) != expected_contained(c):
            failures.append(f"{name}: inner packet differs")
    assert not failures, "\n".join(failures)
    assert len(cases) >= 100
