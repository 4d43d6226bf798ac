"""AH (RFC 4302) cross-checked against scapy and python3-cryptography.

scapy's SecurityAssociation(AH, ...) is an independent AH: it builds and
verifies HMAC-SHA1-96 and HMAC-SHA2 ICVs with its own mutable-field zeroing
(scapy.layers.ipsec.zero_mutable_fields). For every algorithm, mode,
address-family combination and ESN setting:
  - the engine's packets verify in scapy (sa.decrypt checks the ICV) and
    decapsulate to the original packet;
  - scapy's packets verify in the engine and decapsulate to the original bytes;
  - the engine's packet equals scapy's byte for byte (AH is deterministic).
scapy has no AES-GMAC for AH: the GMAC tests compute RFC 4543's tag with
AESGCM (empty plaintext, the zeroed packet as AAD) independently.
"""
import socket
import struct

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from scapy.layers.inet import (IP, UDP, IPOption_LSRR, IPOption_NOP,
                               IPOption_Router_Alert, IPOption_RR)
from scapy.layers.inet6 import (HBHOptUnknown, IPv6, IPv6ExtHdrDestOpt,
                                IPv6ExtHdrHopByHop, IPv6ExtHdrRouting,
                                RouterAlert)
from scapy.layers.ipsec import AH, SecurityAssociation
from scapy.packet import Raw, raw

from xsengine import IPPROTO_AH, MODE_TRANSPORT, MODE_TUNNEL, SA

# engine name -> (scapy name, key length, ICV length)
HMAC = {
    "hmac-sha1-96": ("HMAC-SHA1-96", 20, 12),
    "hmac-sha256-128": ("SHA2-256-128", 32, 16),
    "hmac-sha384-192": ("SHA2-384-192", 48, 24),
    "hmac-sha512-256": ("SHA2-512-256", 64, 32),
}
SPI = 0x1234abcd
V4 = ("192.0.2.1", "192.0.2.2")
V6 = ("2001:db8::1", "2001:db8::2")
OUTER4 = ("198.51.100.1", "198.51.100.2")
OUTER6 = ("2001:db8:ffff::1", "2001:db8:ffff::2")
TOS = 0xb9          # DSCP EF, ECT(1): the outer header copies both (RFC 6040)

# (start, sent, ESN high bits): the SA's last number and the one on the wire
SEQS = {False: (41, 42, 0), True: ((7 << 32) | 41, (7 << 32) | 42, 7)}


def key_for(n, seed=1):
    return bytes((seed * 37 + i * 11) & 0xff for i in range(n))


def inner4():
    return IP(src=V4[0], dst=V4[1], tos=TOS, ttl=33, id=0x4321, flags="DF") / \
        UDP(sport=4000, dport=5000) / Raw(b"AH payload " * 5)


def inner6():
    return IPv6(src=V6[0], dst=V6[1], tc=TOS, fl=0x12345, hlim=33) / \
        UDP(sport=4000, dport=5000) / Raw(b"AH payload v6 " * 3)


def hbh6():
    # Option type 0x3e has the "may change en route" bit (0x20): scapy zeroes
    # its data for the ICV, as the engine does. Router Alert (type 5) does not.
    return IPv6(src=V6[0], dst=V6[1], hlim=20) / IPv6ExtHdrHopByHop(
        options=[RouterAlert(), HBHOptUnknown(otype=0x3e, optdata=b"\x11\x22\x33\x44")]) / \
        UDP(sport=1, dport=2) / Raw(b"hop-by-hop")


def engine_sa(direction, alg, mode, src, dst, esn, integ_key=None, **kw):
    start = SEQS[esn][0]
    return SA(spi=SPI, dir=direction, proto=IPPROTO_AH, mode=mode, src=src, dst=dst,
              integ=alg, integ_key=integ_key or key_for(HMAC[alg][1]), esn=esn,
              seq=start, **kw)


def outer_header(inner, outer):
    """The outer header the engine must build (copied DSCP/ECN and DF, TTL 64)."""
    tos = inner[IP].tos if IP in inner and inner.version == 4 else None
    if tos is None:
        tos = inner[IPv6].tc
    if ":" in outer[0]:
        return IPv6(src=outer[0], dst=outer[1], tc=tos, hlim=64)
    df = inner.version == 6 or "DF" in inner[IP].flags
    return IP(src=outer[0], dst=outer[1], tos=tos, ttl=64, id=0,
              flags="DF" if df else 0)


def scapy_sa(alg, esn, tunnel=None, integ_key=None):
    return SecurityAssociation(AH, spi=SPI, auth_algo=HMAC[alg][0],
                               auth_key=integ_key or key_for(HMAC[alg][1]),
                               tunnel_header=tunnel, esn_en=esn,
                               esn=SEQS[esn][2])


def parse(data):
    return IPv6(data) if data[0] >> 4 == 6 else IP(data)


CASES = [("transport", "v4", None), ("transport", "v6", None), ("transport", "hbh", None),
         ("tunnel", "v4", OUTER4), ("tunnel", "v6", OUTER4),
         ("tunnel", "v4", OUTER6), ("tunnel", "v6", OUTER6)]


def case_id(c):
    return f"{c[0]}-{c[1]}" + ("" if c[2] is None else "-over-" + ("v6" if ":" in c[2][0] else "v4"))


@pytest.mark.parametrize("esn", [False, True], ids=["noesn", "esn"])
@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
@pytest.mark.parametrize("alg", list(HMAC))
def test_hmac_matrix(alg, case, esn):
    mode, kind, outer = case
    pkt = {"v4": inner4, "v6": inner6, "hbh": hbh6}[kind]()
    orig = raw(pkt)
    if mode == "tunnel":
        src, dst, tunnel = outer[0], outer[1], outer_header(pkt, outer)
        emode = MODE_TUNNEL
    else:
        src, dst, tunnel = pkt.src, pkt.dst, None
        emode = MODE_TRANSPORT
    seq = SEQS[esn][1] & 0xffffffff

    # engine -> scapy
    out_sa = engine_sa("out", alg, emode, src, dst, esn)
    why, ours = out_sa.out(orig)
    assert why == "ok"
    theirs = scapy_sa(alg, esn, tunnel).encrypt(pkt, seq_num=seq)
    assert ours == raw(theirs), "engine AH differs from scapy's"
    ah = parse(ours)[AH]
    assert ah.spi == SPI and ah.seq == seq and ah.reserved == 0
    ah_len = (ah.payloadlen + 2) * 4
    align = 8 if ours[0] >> 4 == 6 else 4
    assert ah_len % align == 0 and ah_len - 12 - HMAC[alg][2] < align
    dec = scapy_sa(alg, esn, tunnel).decrypt(parse(ours))   # raises on a bad ICV
    assert raw(dec) == orig

    # scapy -> engine
    in_sa = engine_sa("in", alg, emode, src, dst, esn)
    why, plain = in_sa.inp(raw(theirs))
    assert (why, plain) == ("ok", orig)
    st = in_sa.stats()
    assert st["packets"] == 1 and st["drops"] == {}
    assert out_sa.stats()["packets"] == 1 and out_sa.stats()["bytes"] == len(orig)


def test_hbh_mutable_option_changes_en_route():
    """The mutable option's data may change; the immutable one may not."""
    alg = "hmac-sha256-128"
    pkt = hbh6()
    out_sa = engine_sa("out", alg, MODE_TRANSPORT, V6[0], V6[1], False)
    _, ours = out_sa.out(raw(pkt))
    p = parse(ours)
    opt = p[IPv6ExtHdrHopByHop].options[1]
    assert opt.otype == 0x3e
    p[IPv6ExtHdrHopByHop].options[1].optdata = b"\x99\x88\x77\x66"
    p.hlim = 1
    p.tc = 0x04
    p.fl = 0xabcde
    changed = raw(p)
    assert changed != ours
    raw(scapy_sa(alg, False).decrypt(parse(changed)))
    why, plain = engine_sa("in", alg, MODE_TRANSPORT, V6[0], V6[1], False).inp(changed)
    assert why == "ok"
    exp = hbh6()
    exp[IPv6ExtHdrHopByHop].options[1].optdata = b"\x99\x88\x77\x66"
    exp.hlim, exp.tc, exp.fl = 1, 0x04, 0xabcde
    assert plain == raw(exp)
    # Router Alert's value is immutable
    p = parse(ours)
    p[IPv6ExtHdrHopByHop].options[0].value = 1
    why, _ = engine_sa("in", alg, MODE_TRANSPORT, V6[0], V6[1], False).inp(raw(p))
    assert why == "icv-fail"


def test_hbh_and_destination_options_transport():
    """Hop-by-hop + destination options, both with a mutable option.

    The engine puts AH after hop-by-hop and before the destination options
    (RFC 4302 3.1.1: destination options stay in front of AH only ahead of a
    routing header), so that header is payload to it. scapy's
    split_for_transport puts AH after the destination options when there is
    no routing header; its zero_mutable_fields zeroes mutable option data only
    in headers in front of AH (it stops at AH), like the engine. So each side
    verifies the other's placement, and the bytes differ only in the order.
    """
    alg = "hmac-sha1-96"
    pkt = IPv6(src=V6[0], dst=V6[1]) / IPv6ExtHdrHopByHop(
        options=[HBHOptUnknown(otype=0x3e, optdata=b"abcd")]) / IPv6ExtHdrDestOpt(
        options=[HBHOptUnknown(otype=0x3f, optdata=b"wxyz")]) / UDP(sport=7, dport=9) / Raw(b"dst")
    orig = raw(pkt)
    _, ours = engine_sa("out", alg, MODE_TRANSPORT, V6[0], V6[1], False).out(orig)
    p = parse(ours)
    assert p[IPv6ExtHdrHopByHop].nh == IPPROTO_AH and p[AH].nh == 60
    assert raw(scapy_sa(alg, False).decrypt(parse(ours))) == orig
    # after AH, the destination option is covered as it is: changing it fails
    bad = bytearray(ours)
    bad[bad.index(b"wxyz")] ^= 1
    why, _ = engine_sa("in", alg, MODE_TRANSPORT, V6[0], V6[1], False).inp(bytes(bad))
    assert why == "icv-fail"

    theirs = scapy_sa(alg, False).encrypt(pkt, seq_num=SEQS[False][1])
    assert theirs[IPv6ExtHdrDestOpt].nh == IPPROTO_AH
    # in front of AH, the mutable destination option may change en route
    moved = bytearray(raw(theirs))
    moved[moved.index(b"wxyz")] ^= 1
    why, plain = engine_sa("in", alg, MODE_TRANSPORT, V6[0], V6[1], False).inp(bytes(moved))
    assert why == "ok"
    assert plain == orig.replace(b"wxyz", bytes([ord("w") ^ 1]) + b"xyz")


def test_routing_header_without_segments_left():
    """A routing header in front of AH with segments left 0 is immutable.

    Segments left 0 and no addresses: scapy's sender-side reordering of
    routing headers moves nothing, so both sides must agree byte for byte.
    """
    alg = "hmac-sha512-256"
    pkt = IPv6(src=V6[0], dst=V6[1]) / IPv6ExtHdrRouting(addresses=[], segleft=0) / \
        UDP(sport=7, dport=9) / Raw(b"routed")
    orig = raw(pkt)
    _, ours = engine_sa("out", alg, MODE_TRANSPORT, V6[0], V6[1], False).out(orig)
    theirs = scapy_sa(alg, False).encrypt(pkt, seq_num=SEQS[False][1])
    assert ours == raw(theirs)
    assert raw(scapy_sa(alg, False).decrypt(parse(ours))) == orig
    why, plain = engine_sa("in", alg, MODE_TRANSPORT, V6[0], V6[1], False).inp(ours)
    assert (why, plain) == ("ok", orig)


def test_routing_header_with_segments_left_is_refused():
    pkt = IPv6(src=V6[0], dst=V6[1]) / IPv6ExtHdrRouting(
        addresses=["2001:db8::99"], segleft=1) / UDP() / Raw(b"x")
    sa = engine_sa("out", "hmac-sha1-96", MODE_TRANSPORT, V6[0], V6[1], False)
    why, _ = sa.out(raw(pkt))
    assert why == "bad-ip-header"
    assert sa.stats()["drops"] == {"bad-ip-header": 1}


# IPv4 options (RFC 4302 A.1): Router Alert (148) is immutable, Record Route
# (7) is mutable and zeroed whole; scapy's table agrees on both.
def test_ipv4_options():
    alg = "hmac-sha256-128"
    pkt = IP(src=V4[0], dst=V4[1], options=[
        IPOption_Router_Alert(), IPOption_RR(routers=["0.0.0.0"]), IPOption_NOP()]) / \
        UDP() / Raw(b"opts")
    orig = raw(pkt)
    assert orig[20:24] == b"\x94\x04\x00\x00" and orig[24:27] == b"\x07\x07\x04"
    _, ours = engine_sa("out", alg, MODE_TRANSPORT, V4[0], V4[1], False).out(orig)
    theirs = scapy_sa(alg, False).encrypt(IP(orig), seq_num=SEQS[False][1])
    assert ours == raw(theirs)
    assert raw(scapy_sa(alg, False).decrypt(IP(ours))) == orig
    # a router records its address: still verifies
    rr = bytearray(ours)
    rr[20 + 4 + 3:20 + 4 + 7] = socket.inet_aton("203.0.113.9")
    rr[20 + 4 + 2] = 8
    why, _ = engine_sa("in", alg, MODE_TRANSPORT, V4[0], V4[1], False).inp(bytes(rr))
    assert why == "ok"
    # Router Alert is covered
    ra = bytearray(ours)
    ra[20 + 3] ^= 1
    why, _ = engine_sa("in", alg, MODE_TRANSPORT, V4[0], V4[1], False).inp(bytes(ra))
    assert why == "icv-fail"


def test_ipv4_source_route_is_refused():
    pkt = IP(src=V4[0], dst=V4[1], options=[
        IPOption_LSRR(routers=["203.0.113.1"])]) / UDP() / Raw(b"lsrr")
    assert raw(pkt)[20] == 0x83
    sa = engine_sa("out", "hmac-sha1-96", MODE_TRANSPORT, V4[0], V4[1], False)
    why, _ = sa.out(raw(pkt))
    assert why == "bad-ip-header"


# --- AES-GMAC (RFC 4543) -----------------------------------------------------

GMAC = {"aes128-gmac": 16, "aes192-gmac": 24, "aes256-gmac": 32}
SALT = bytes.fromhex("cafef00d")


def zeroed(pkt, ah_off, tag_len=16):
    """The packet with the mutable fields and the tag (not the IV) zeroed."""
    b = bytearray(pkt)
    if b[0] >> 4 == 4:
        b[1] = b[6] = b[7] = b[8] = b[10] = b[11] = 0
    else:
        b[0] &= 0xf0
        b[1] = b[2] = b[3] = b[7] = 0
    tag = ah_off + 12 + 8
    b[tag:tag + tag_len] = bytes(tag_len)
    return bytes(b)


def gmac_tag(key, pkt, ah_off, esn_hi):
    iv = pkt[ah_off + 12:ah_off + 20]
    aad = zeroed(pkt, ah_off) + (struct.pack("!I", esn_hi) if esn_hi is not None else b"")
    return AESGCM(key).encrypt(SALT + iv, b"", aad)


def ah_offset(pkt):
    return 40 if pkt[0] >> 4 == 6 else (pkt[0] & 0xf) * 4


GMAC_CASES = [("transport", "v4", None), ("transport", "v6", None),
              ("tunnel", "v4", OUTER6), ("tunnel", "v6", OUTER4)]


@pytest.mark.parametrize("esn", [False, True], ids=["noesn", "esn"])
@pytest.mark.parametrize("case", GMAC_CASES, ids=[case_id(c) for c in GMAC_CASES])
@pytest.mark.parametrize("alg", list(GMAC))
def test_gmac_out(alg, case, esn):
    mode, kind, outer = case
    pkt = inner4() if kind == "v4" else inner6()
    orig = raw(pkt)
    key = key_for(GMAC[alg], 5)
    src, dst = outer if outer else (pkt.src, pkt.dst)
    sa = engine_sa("out", alg, MODE_TUNNEL if outer else MODE_TRANSPORT, src, dst,
                   esn, integ_key=key + SALT)
    why, ours = sa.out(orig)
    assert why == "ok"
    off = ah_offset(ours)
    ah = ours[off:]
    ipv6 = ours[0] >> 4 == 6
    assert ah[1] == (8 if ipv6 else 7)            # 12 + 8 + 16 (+4 padding in IPv6)
    assert ah[12:20] == struct.pack("!Q", SEQS[esn][1])   # IV = 64-bit sequence number
    assert ah[4:12] == struct.pack("!II", SPI, SEQS[esn][1] & 0xffffffff)
    assert ah[20:36] == gmac_tag(key, ours, off, SEQS[esn][2] if esn else None)
    if ipv6:
        assert ah[36:40] == bytes(4)
    inner = ours[off + (ah[1] + 2) * 4:]
    assert inner == orig if outer else inner == orig[len(orig) - len(inner):]


def build_gmac_ah(key, orig, outer, esn, seq):
    """An AH packet built and tagged here, independently of the engine."""
    pkt = parse(orig)
    if outer:
        hdr = outer_header(pkt, outer)
        nh = 41 if orig[0] >> 4 == 6 else 4
        payload = orig
    else:
        hdr = pkt.copy()
        hdr.remove_payload()
        nh = 17
        payload = raw(pkt.payload)
    ipv6 = hdr.version == 6
    icv = struct.pack("!Q", seq) + bytes(16) + (bytes(4) if ipv6 else b"")
    ah = AH(nh=nh, payloadlen=(12 + len(icv)) // 4 - 2, reserved=0, spi=SPI,
            seq=seq & 0xffffffff, icv=icv)
    if ipv6:
        hdr.nh = IPPROTO_AH
        del hdr.plen
    else:
        hdr.proto = IPPROTO_AH
        del hdr.len, hdr.chksum
    b = bytearray(raw(hdr / ah / Raw(payload)))
    off = ah_offset(b)
    b[off + 20:off + 36] = gmac_tag(key, bytes(b), off, (seq >> 32) if esn else None)
    return bytes(b)


@pytest.mark.parametrize("esn", [False, True], ids=["noesn", "esn"])
@pytest.mark.parametrize("case", GMAC_CASES, ids=[case_id(c) for c in GMAC_CASES])
@pytest.mark.parametrize("alg", list(GMAC))
def test_gmac_in(alg, case, esn):
    mode, kind, outer = case
    pkt = inner4() if kind == "v4" else inner6()
    orig = raw(pkt)
    key = key_for(GMAC[alg], 6)
    src, dst = outer if outer else (pkt.src, pkt.dst)
    wire = build_gmac_ah(key, orig, outer, esn, SEQS[esn][1])
    sa = engine_sa("in", alg, MODE_TUNNEL if outer else MODE_TRANSPORT, src, dst,
                   esn, integ_key=key + SALT)
    assert sa.inp(wire) == ("ok", orig)
    # the IV is covered as AAD and as nonce: changing it fails
    bad = bytearray(wire)
    bad[ah_offset(wire) + 19] ^= 1
    sa2 = engine_sa("in", alg, MODE_TUNNEL if outer else MODE_TRANSPORT, src, dst,
                    esn, integ_key=key + SALT)
    assert sa2.inp(bytes(bad))[0] == "icv-fail"
    # a wrong key fails
    sa3 = engine_sa("in", alg, MODE_TUNNEL if outer else MODE_TRANSPORT, src, dst,
                    esn, integ_key=key_for(GMAC[alg], 7) + SALT)
    assert sa3.inp(wire)[0] == "icv-fail"


def test_tunnel_outer_header_rules():
    """TTL from the SA, ECN cleared with NO_ECN, DF forced, IPv4 ID counting."""
    alg = "hmac-sha256-128"
    pkt = inner4()
    sa = SA(spi=SPI, dir="out", proto=IPPROTO_AH, mode=MODE_TUNNEL, src=OUTER4[0],
            dst=OUTER4[1], integ=alg, integ_key=key_for(32), ttl=17,
            flags=16 | 8)   # XS_SA_NO_ECN | XS_SA_DF_CLEAR
    ids = []
    for _ in range(3):
        why, out = sa.out(raw(pkt))
        assert why == "ok"
        o = IP(out)
        assert o.ttl == 17 and o.tos == TOS & 0xfc and o.flags == 0
        assert o.proto == IPPROTO_AH and o[AH].nh == 4
        ids.append(o.id)
        assert raw(IP(raw(o))) == out      # checksum is right
    assert ids == [0, 1, 2]
    sa6 = SA(spi=SPI, dir="out", proto=IPPROTO_AH, mode=MODE_TUNNEL, src=OUTER6[0],
             dst=OUTER6[1], integ=alg, integ_key=key_for(32))
    _, out = sa6.out(raw(inner6()))
    o = IPv6(out)
    assert o.hlim == 64 and o.tc == TOS and o.fl == 0 and o[AH].nh == 41
    assert o.plen == len(out) - 40


@pytest.mark.parametrize("inner_ecn,outer_ecn,want", [(2, 3, 3), (1, 3, 3), (0, 3, None),
                                                      (2, 1, 1), (0, 1, 0), (2, 0, 2)])
def test_tunnel_ecn_decapsulation_rfc6040(inner_ecn, outer_ecn, want):
    """The outer TOS is mutable for AH (RFC 4302 3.3.3.1.1.1): a router marking
    CE en route leaves the ICV intact, and decapsulation applies RFC 6040."""
    alg = "hmac-sha256-128"
    pkt = inner4()
    pkt.tos = (TOS & 0xfc) | inner_ecn
    out_sa = engine_sa("out", alg, MODE_TUNNEL, *OUTER4, False)
    why, wire = out_sa.out(raw(pkt))
    assert why == "ok"
    o = IP(wire)
    o.tos = (o.tos & 0xfc) | outer_ecn
    del o.chksum
    in_sa = engine_sa("in", alg, MODE_TUNNEL, *OUTER4, False)
    why, got = in_sa.inp(raw(o))
    if want is None:
        assert why == "ecn-mismatch"
        return
    assert why == "ok"
    assert IP(got).tos == (TOS & 0xfc) | want
    g = IP(got)
    del g.chksum
    assert raw(IP(raw(g))) == got
