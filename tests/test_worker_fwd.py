"""The worker's router duties (worker/fwd.c) through ctypes, checked
against scapy: L4 checksum completion, TTL/hop-limit decrement, ICMP
errors, IPv4 fragmentation, MSS clamping."""
import ctypes
import os

import pytest
from scapy.all import (IP, TCP, UDP, ICMP, IPv6, ICMPv6PacketTooBig,
                       ICMPv6TimeExceeded, Raw, defragment, raw)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB = ctypes.CDLL(os.path.join(ROOT, "build", "libxdpsec-worker.so"))
u8p = ctypes.POINTER(ctypes.c_uint8)
LIB.xs_fwd_l4_csum.argtypes = [u8p, ctypes.c_uint32]
LIB.xs_fwd_l4_csum_finish.argtypes = [u8p, ctypes.c_uint32]
LIB.xs_fwd_hop.argtypes = [u8p, ctypes.c_uint32]
LIB.xs_fwd_mss_clamp.argtypes = [u8p, ctypes.c_uint32, ctypes.c_uint16]
LIB.xs_fwd_mss_clamp.restype = ctypes.c_bool
LIB.xs_fwd_icmp_error.argtypes = [u8p, ctypes.c_uint32, u8p, ctypes.c_uint32,
                                  ctypes.c_uint8, ctypes.c_uint8,
                                  ctypes.c_uint32, u8p]
LIB.xs_fwd_icmp_error.restype = ctypes.c_uint32
LIB.xs_fwd_fragment.argtypes = [u8p, ctypes.c_uint32, ctypes.c_uint32,
                                ctypes.POINTER(u8p), ctypes.c_uint32,
                                ctypes.POINTER(ctypes.c_uint32), ctypes.c_int]

CSUM_NONE, CSUM_VALID, CSUM_COMPLETED, CSUM_BAD, CSUM_UNCHECKED = 0, 1, 2, 3, 4
DROP_TTL_EXCEEDED = 31


def buf(data, room=0):
    b = (ctypes.c_uint8 * (len(data) + room)).from_buffer_copy(bytes(data) + bytes(room))
    return b, ctypes.cast(b, u8p)


def l4_csum(pkt, fn=LIB.xs_fwd_l4_csum):
    b, p = buf(raw(pkt))
    return fn(p, len(b)), bytes(b)


def l4_finish(pkt):
    return l4_csum(pkt, LIB.xs_fwd_l4_csum_finish)


def pseudo_only(pkt):
    """What a CHECKSUM_PARTIAL skb carries: the folded pseudo-header sum."""
    full = pkt.__class__(raw(pkt))
    l4 = full[TCP] if TCP in full else full[UDP]
    l4len = len(raw(l4))
    if IP in full:
        ph = bytes(map(int, full[IP].src.split("."))) + bytes(map(int, full[IP].dst.split(".")))
        ph += bytes([0, full[IP].proto]) + l4len.to_bytes(2, "big")
    else:
        import socket
        ph = socket.inet_pton(socket.AF_INET6, full[IPv6].src)
        ph += socket.inet_pton(socket.AF_INET6, full[IPv6].dst)
        ph += l4len.to_bytes(4, "big") + bytes([0, 0, 0, full[IPv6].nh])
    s = sum(int.from_bytes(ph[i:i + 2], "big") for i in range(0, len(ph), 2))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    l4.chksum = s
    return full


FLOWS = [
    IP(src="10.1.0.2", dst="10.2.0.9") / TCP(sport=40000, dport=80, flags="PA") / Raw(b"x" * 101),
    IP(src="10.1.0.2", dst="10.2.0.9") / UDP(sport=5353, dport=53) / Raw(b"hello world!"),
    IPv6(src="2001:db8:1::2", dst="2001:db8:2::9") / TCP(sport=1, dport=443, flags="S") / Raw(b"y" * 33),
    IPv6(src="2001:db8:1::2", dst="2001:db8:2::9") / UDP(sport=7, dport=9) / Raw(b"z" * 7),
]


@pytest.mark.parametrize("pkt", FLOWS, ids=["tcp4", "udp4", "tcp6", "udp6"])
def test_partial_checksum_is_completed(pkt):
    good = raw(pkt)
    state, out = l4_csum(pseudo_only(pkt))
    assert state == CSUM_COMPLETED
    assert out == good


@pytest.mark.parametrize("pkt", FLOWS, ids=["tcp4", "udp4", "tcp6", "udp6"])
def test_complete_checksum_left_alone(pkt):
    state, out = l4_csum(pkt)
    assert state == CSUM_VALID
    assert out == raw(pkt)


@pytest.mark.parametrize("pkt", FLOWS, ids=["tcp4", "udp4", "tcp6", "udp6"])
def test_bad_checksum_not_fixed(pkt):
    p = pkt.__class__(raw(pkt))
    l4 = p[TCP] if TCP in p else p[UDP]
    l4.chksum ^= 0x1234
    bad = raw(p)
    state, out = l4_csum(p)
    assert state == CSUM_BAD
    assert out == bad


def test_udp4_without_checksum_untouched():
    p = IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2, chksum=0) / Raw(b"abc")
    state, out = l4_csum(p)
    assert state == CSUM_NONE and out == raw(p)


@pytest.mark.parametrize("pkt", FLOWS, ids=["tcp4", "udp4", "tcp6", "udp6"])
def test_finish_completes_partial_and_leaves_the_rest_unread(pkt):
    good = raw(pkt)
    assert l4_finish(pseudo_only(pkt)) == (CSUM_COMPLETED, good)
    assert l4_finish(pkt) == (CSUM_UNCHECKED, good)
    p = pkt.__class__(good)
    l4 = p[TCP] if TCP in p else p[UDP]
    l4.chksum ^= 0x1234
    assert l4_finish(p) == (CSUM_UNCHECKED, raw(p))


def test_finish_udp4_without_checksum_untouched():
    p = IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2, chksum=0) / Raw(b"abc")
    assert l4_finish(p) == (CSUM_NONE, raw(p))


def test_complete_checksum_equal_to_the_pseudo_header_sum_is_kept():
    """A packet whose correct checksum happens to equal the pseudo-header sum
    is complete: both functions must see that and change nothing."""
    base = IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1000, dport=2000) / Raw(b"\0\0")
    partial = pseudo_only(base)[UDP].chksum
    udp = raw(base[UDP])[:6] + b"\0\0" + raw(base[UDP])[8:]
    hdr = sum(int.from_bytes(udp[i:i + 2], "big") for i in range(0, 8, 2))
    word = (-2 * partial - hdr) % 0xffff
    p = IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1000, dport=2000, chksum=partial) / \
        Raw(word.to_bytes(2, "big"))
    recomputed = IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1000, dport=2000) / \
        Raw(word.to_bytes(2, "big"))
    assert IP(raw(recomputed))[UDP].chksum == partial      # scapy: it is correct
    assert l4_csum(p) == (CSUM_VALID, raw(p))
    assert l4_finish(p) == (CSUM_VALID, raw(p))


@pytest.mark.parametrize("ttl", [64, 2, 255, 1, 0])
def test_ipv4_ttl_decrement(ttl):
    p = IP(src="10.1.0.2", dst="10.2.0.9", ttl=ttl, options=[]) / ICMP() / Raw(b"ping")
    b, ptr = buf(raw(p))
    why = LIB.xs_fwd_hop(ptr, len(b))
    if ttl <= 1:
        assert why == DROP_TTL_EXCEEDED and bytes(b) == raw(p)
        return
    assert why == 0
    want = p.copy()
    want.ttl = ttl - 1
    want.chksum = None
    assert bytes(b) == raw(want)


@pytest.mark.parametrize("hlim", [64, 1])
def test_ipv6_hop_limit(hlim):
    p = IPv6(src="2001:db8::1", dst="2001:db8::2", hlim=hlim) / UDP() / Raw(b"q")
    b, ptr = buf(raw(p))
    why = LIB.xs_fwd_hop(ptr, len(b))
    if hlim == 1:
        assert why == DROP_TTL_EXCEEDED
    else:
        assert why == 0 and IPv6(bytes(b)).hlim == hlim - 1


def icmp_error(orig, type_, code, info, src):
    o, op = buf(raw(orig))
    out = (ctypes.c_uint8 * 2048)()
    s, sp = buf(src)
    n = LIB.xs_fwd_icmp_error(ctypes.cast(out, u8p), 2048, op, len(o), type_, code, info, sp)
    return bytes(out[:n])


def test_icmp_frag_needed():
    orig = IP(src="10.1.0.2", dst="10.2.0.9", flags="DF") / TCP(sport=5, dport=6) / Raw(b"a" * 1400)
    out = icmp_error(orig, 3, 4, 1400 - 73, bytes([10, 1, 0, 1]))
    p = IP(out)
    assert p.src == "10.1.0.1" and p.dst == "10.1.0.2" and p.proto == 1
    assert len(out) == 576 and p.len == 576
    assert p[ICMP].type == 3 and p[ICMP].code == 4 and p[ICMP].nexthopmtu == 1327
    assert raw(p[ICMP].payload) == raw(orig)[:548]
    chk = IP(out)
    chk.chksum = None
    chk[ICMP].chksum = None
    assert raw(IP(raw(chk))) == out


def test_icmpv6_packet_too_big():
    orig = IPv6(src="2001:db8:1::2", dst="2001:db8:2::9") / UDP(sport=5, dport=6) / Raw(b"b" * 1400)
    src = bytes.fromhex("20010db8000100000000000000000001")
    out = icmp_error(orig, 2, 0, 1366, src)
    p = IPv6(out)
    assert p.src == "2001:db8:1::1" and p.dst == "2001:db8:1::2"
    assert len(out) == 1280
    assert ICMPv6PacketTooBig in p and p[ICMPv6PacketTooBig].mtu == 1366
    assert raw(p[ICMPv6PacketTooBig].payload) == raw(orig)[:1280 - 48]
    chk = IPv6(out)
    chk[ICMPv6PacketTooBig].cksum = None
    assert raw(IPv6(raw(chk))) == out


def test_icmpv6_time_exceeded_small():
    orig = IPv6(src="2001:db8:1::2", dst="2001:db8:2::9", hlim=1) / UDP() / Raw(b"c" * 10)
    src = bytes.fromhex("20010db8000100000000000000000001")
    p = IPv6(icmp_error(orig, 3, 0, 0, src))
    assert ICMPv6TimeExceeded in p and raw(p[ICMPv6TimeExceeded].payload) == raw(orig)


@pytest.mark.parametrize("orig", [
    IP(src="10.1.0.2", dst="10.2.0.9") / ICMP(type=3, code=1) / Raw(b"x" * 28),
    IP(src="10.1.0.2", dst="10.2.0.9", frag=10) / Raw(b"x" * 28),
    IP(src="224.0.0.5", dst="10.2.0.9") / UDP() / Raw(b"x"),
    IPv6(src="2001:db8::2", dst="2001:db8::9") / ICMPv6PacketTooBig() / Raw(b"x" * 40),
    IPv6(src="ff02::1", dst="2001:db8::9") / UDP() / Raw(b"x"),
    IPv6(src="fe80::1", dst="ff02::16", hlim=1) / UDP() / Raw(b"x"),
], ids=["icmp-error", "non-first-fragment", "multicast-src", "icmpv6-error", "v6-multicast-src",
        "v6-link-local-src"])
def test_no_icmp_error_about(orig):
    src = bytes(16)
    assert icmp_error(orig, 3, 4, 1000, src) == b""


@pytest.mark.parametrize("size,mtu", [(1500, 576), (3000, 1400), (1000, 68), (2000, 1280)])
@pytest.mark.parametrize("opts", [False, True])
def test_fragments_reassemble(size, mtu, opts):
    from scapy.layers.inet import IPOption_RR, IPOption_Security
    options = [IPOption_Security(), IPOption_RR(routers=["1.2.3.4"])] if opts else []
    if opts and mtu < 100:
        mtu = 100
    hdr = IP(src="10.1.0.2", dst="10.2.0.9", id=0x4242, options=options) / UDP(sport=9, dport=9)
    body = (bytes(range(256)) * (size // 256 + 1))[:size - len(raw(hdr))]
    orig = IP(raw(hdr / Raw(body)))
    assert len(raw(orig)) == size
    o, op = buf(raw(orig))
    outs = [(ctypes.c_uint8 * 4096)() for _ in range(48)]
    ptrs = (u8p * 48)(*[ctypes.cast(x, u8p) for x in outs])
    lens = (ctypes.c_uint32 * 48)()
    n = LIB.xs_fwd_fragment(op, len(o), mtu, ptrs, 4096, lens, 48)
    assert n >= 2
    frags = [IP(bytes(outs[i][:lens[i]])) for i in range(n)]
    for i, f in enumerate(frags):
        assert lens[i] <= mtu
        assert f.id == 0x4242
        assert f.flags.MF == (i < n - 1)
        c = f.copy()
        c.chksum = None
        assert raw(IP(raw(c))) == raw(f)[:len(raw(IP(raw(c))))]
        if opts:  # security (copied) in all; record route (not copied) only in the first
            kinds = [x.option for x in f.options]
            assert 2 in kinds
            assert (7 in kinds) == (i == 0)
    whole = defragment(frags)
    assert len(whole) == 1
    assert raw(whole[0][IP].payload) == raw(orig[IP].payload)


def test_df_packet_not_fragmented():
    orig = IP(src="10.1.0.2", dst="10.2.0.9", flags="DF") / Raw(b"x" * 1500)
    o, op = buf(raw(orig))
    outs = [(ctypes.c_uint8 * 4096)() for _ in range(48)]
    ptrs = (u8p * 48)(*[ctypes.cast(x, u8p) for x in outs])
    lens = (ctypes.c_uint32 * 48)()
    assert LIB.xs_fwd_fragment(op, len(o), 1000, ptrs, 4096, lens, 48) == 0


def syn(mss, v6=False, flags="S"):
    l3 = IPv6(src="2001:db8::1", dst="2001:db8::2") if v6 else IP(src="10.0.0.1", dst="10.0.0.2")
    return l3 / TCP(sport=1234, dport=80, flags=flags,
                    options=[("NOP", None), ("MSS", mss), ("SAckOK", b""), ("WScale", 7)])


@pytest.mark.parametrize("v6", [False, True])
def test_mss_clamp_syn(v6):
    p = syn(1460, v6)
    b, ptr = buf(raw(p))
    assert LIB.xs_fwd_mss_clamp(ptr, len(b), 1360)
    want = syn(1360, v6)
    assert bytes(b) == raw(want)
    state, _ = l4_csum(IP(bytes(b)) if not v6 else IPv6(bytes(b)))
    assert state == CSUM_VALID


@pytest.mark.parametrize("pkt,clamp", [(syn(1200), 1360), (syn(1460, flags="A"), 1360), (syn(1460), 0)],
                         ids=["smaller", "not-syn", "off"])
def test_mss_clamp_leaves(pkt, clamp):
    b, ptr = buf(raw(pkt))
    assert not LIB.xs_fwd_mss_clamp(ptr, len(b), clamp)
    assert bytes(b) == raw(pkt)
