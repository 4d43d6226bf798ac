"""Shared pieces of the dataplane tests (test_dataplane_*.py); no tests here.

Two xdpsec gateways (or hosts) keyed by hand in both directions, traffic
generators that check what arrives (ping, a TCP transfer with a digest, UDP
datagrams numbered in their payload), and the checks on a capture of the
WAN link: nothing but ESP/AH/ESP-in-UDP on it, and scapy's independent
IPsec implementation, given the same keys, decrypts it to the exact packets
the sender sent (with the TTL/hop limit one lower when a gateway forwarded
them).
"""
import contextlib
import hashlib
import ipaddress
import json
import subprocess

from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment, ICMPv6EchoRequest
from scapy.layers.ipsec import AH, ESP, SecurityAssociation

import netns
from netns import PYTHON, Xdpsec, topology, wait_for, wan_tap


def key(spi, n, size):
    """Deterministic, distinct key bytes per SPI and role."""
    out = b""
    while len(out) < size:
        out += hashlib.sha256(b"%d-%d-%d" % (spi, n, len(out))).digest()
    return out[:size]


# name: (proto, xdpsec words, scapy SecurityAssociation arguments), per SPI
def alg(name, spi):
    if name == "gcm":
        k = key(spi, 1, 20)
        return "esp", ["aead", "rfc4106(gcm(aes))", "0x" + k.hex(), "128"], \
            dict(crypt_algo="AES-GCM", crypt_key=k)
    if name == "chacha":
        k = key(spi, 1, 36)
        return "esp", ["aead", "rfc7539esp(chacha20,poly1305)", "0x" + k.hex(), "128"], \
            dict(crypt_algo="CHACHA20-POLY1305", crypt_key=k)
    if name == "cbc":
        k, a = key(spi, 1, 32), key(spi, 2, 32)
        return "esp", ["enc", "cbc(aes)", "0x" + k.hex(), "auth-trunc", "hmac(sha256)",
                       "0x" + a.hex(), "128"], \
            dict(crypt_algo="AES-CBC", crypt_key=k, auth_algo="SHA2-256-128", auth_key=a)
    if name == "ah":
        a = key(spi, 2, 32)
        return "ah", ["auth-trunc", "hmac(sha256)", "0x" + a.hex(), "128"], \
            dict(auth_algo="SHA2-256-128", auth_key=a)
    raise ValueError(name)


def net(addr):
    bits = 24 if ":" not in addr else 64
    return str(ipaddress.ip_network(f"{addr}/{bits}", strict=False))


def host(addr):
    return addr + ("/128" if ":" in addr else "/32")


class Peer:
    """One end: its namespace, daemon, the outer addresses it uses for its
    own SAs (src = itself as it sends, dst = the peer as it sees it)."""

    def __init__(self, ns, tag, wan, lan, local, remote):
        self.ns, self.wan, self.lan = ns, wan, lan
        self.local, self.remote = local, remote
        self.d = Xdpsec(ns, tag)


class Tunnel:
    """A pair of xdpsec peers with one SA each way (reqids: A->B, B->A)
    and PROTECT policies between the given selector pairs."""

    def __init__(self, a, b, alg_name="gcm", mode="tunnel", encap=False,
                 spi_ab=0x1001, spi_ba=0x2001, reqids=(1, 2)):
        self.a, self.b = a, b
        self.reqids = reqids
        self.alg_name, self.mode, self.encap = alg_name, mode, encap
        self.spi = {"ab": spi_ab, "ba": spi_ba}

    def start(self):
        for p in (self.a, self.b):
            p.d.start(p.wan, p.lan)

    def stop(self):
        for p in (self.a, self.b):
            p.d.stop()

    def sa_words(self, spi, src, dst, reqid, extra=()):
        proto, words, _ = alg(self.alg_name, spi)
        out = ["state", "add", "src", src, "dst", dst, "proto", proto, "spi", hex(spi),
               "mode", self.mode, *words, "reqid", str(reqid), *extra]
        if self.encap:
            out += ["encap", "espinudp", "4500", "4500", "0.0.0.0"]
        return out

    def add_sas(self, spi_ab=None, spi_ba=None, window=64):
        """Inbound first on each side, then outbound (a rekey's order)."""
        ab, ba = spi_ab or self.spi["ab"], spi_ba or self.spi["ba"]
        rw = ["replay-window", str(window)]
        r_ab, r_ba = self.reqids
        self.b.d.cli(*self.sa_words(ab, self.b.remote, self.b.local, r_ab, rw))
        self.a.d.cli(*self.sa_words(ba, self.a.remote, self.a.local, r_ba, rw))
        self.a.d.cli(*self.sa_words(ab, self.a.local, self.a.remote, r_ab))
        self.b.d.cli(*self.sa_words(ba, self.b.local, self.b.remote, r_ba))
        self.spi = {"ab": ab, "ba": ba}

    def protect(self, sel_a, sel_b, in_dir="fwd"):
        """PROTECT sel_a <-> sel_b on both peers (in_dir: fwd for a gateway,
        in for a host)."""
        r_ab, r_ba = self.reqids
        for me, sel_me, sel_peer, out_id, in_id in ((self.a, sel_a, sel_b, r_ab, r_ba),
                                                    (self.b, sel_b, sel_a, r_ba, r_ab)):
            proto = alg(self.alg_name, 1)[0]
            me.d.cli("policy", "add", "src", sel_me, "dst", sel_peer, "dir", "out",
                     "tmpl", "src", me.local, "dst", me.remote, "proto", proto,
                     "mode", self.mode, "reqid", str(out_id))
            me.d.cli("policy", "add", "src", sel_peer, "dst", sel_me, "dir", in_dir,
                     "tmpl", "src", me.remote, "dst", me.local, "proto", proto,
                     "mode", self.mode, "reqid", str(in_id))

    def scapy_sa(self, direction, outer_src, outer_dst, spi=None):
        """scapy's SA for direction "ab" or "ba" with the outer addresses as
        seen on the wire."""
        spi = spi or self.spi[direction]
        proto, _, kw = alg(self.alg_name, spi)
        hdr = IPv6(src=outer_src, dst=outer_dst) if ":" in outer_src else \
            IP(src=outer_src, dst=outer_dst)
        if self.mode == "tunnel":
            kw = dict(kw, tunnel_header=hdr)
        if self.encap:
            kw = dict(kw, nat_t_header=UDP(sport=4500, dport=4500))
        return SecurityAssociation(ESP if proto == "esp" else AH, spi=spi, **kw)


@contextlib.contextmanager
def gw2gw_tunnel(outer="IP4", **kw):
    """gw2gw with a tap on the WAN and a started, keyed Tunnel."""
    with topology("gw2gw") as t, wan_tap(t, "GWA_WAN", "GWB_WAN"):
        a = Peer(t.gwA, "a", t["GWA_WAN_IF"], t["GWA_LAN_IF"],
                 t[f"GWA_WAN_{outer}"], t[f"GWB_WAN_{outer}"])
        b = Peer(t.gwB, "b", t["GWB_WAN_IF"], t["GWB_LAN_IF"],
                 t[f"GWB_WAN_{outer}"], t[f"GWA_WAN_{outer}"])
        tun = Tunnel(a, b, **kw)
        try:
            tun.start()
            tun.add_sas()
            yield t, tun
        finally:
            tun.stop()


def lan_sels(t, fams=("IP4", "IP6")):
    return [(net(t[f"LANA_{f}"]), net(t[f"LANB_{f}"])) for f in fams]


# --- traffic ---

def warm_up(ns, *addrs):
    """Pings until answered: the worker drops the packet that makes it
    resolve a neighbour (counted no-neighbour), so tests that count every
    packet start after one answered ping per path."""
    for a in addrs:
        wait_for(lambda: ns.ping(a, wait=1), timeout=15, what=f"ping {a} from {ns.name}")


def ping_all(ns, addr, count=3):
    r = ns.run(["ping", "-n", "-q", "-c", str(count), "-i", "0.05", "-W", "2", "-s", "200",
                "-p", "5a17c0de", addr], check=False)
    assert f"{count} received" in r.stdout, f"ping {addr} from {ns.name}: {r.stdout}{r.stderr}"


TCP_SERVER = """
import hashlib, socket, sys
s = socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
s.settimeout(20)
sys.stderr.write('LISTENING\\n'); sys.stderr.flush()
c, _ = s.accept()
c.settimeout(20)
h = hashlib.sha256()
n = 0
while True:
    d = c.recv(65536)
    if not d:
        break
    h.update(d)
    n += len(d)
c.sendall(h.digest() + n.to_bytes(8, 'big'))
c.close()
"""

TCP_CLIENT = """
import socket, sys
data = bytes.fromhex(sys.argv[3]) * int(sys.argv[4])
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
c.sendall(data)
c.shutdown(socket.SHUT_WR)
r = b''
while len(r) < 40:
    d = c.recv(64)
    if not d:
        break
    r += d
sys.stdout.write(r.hex())
"""


def tcp_transfer(client, server, addr, port=5001, nbytes=100000):
    """Sends nbytes over TCP; the server answers the SHA-256 and length."""
    unit = key(port, 9, 1000)
    srv = server.popen([PYTHON, "-c", TCP_SERVER, addr, str(port)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        netns._read_until(srv, b"LISTENING", 20)
        r = client.run([PYTHON, "-c", TCP_CLIENT, addr, str(port), unit.hex(),
                        str(nbytes // 1000)], check=False, timeout=40)
        want = hashlib.sha256(unit * (nbytes // 1000)).digest() + \
            (nbytes // 1000 * 1000).to_bytes(8, "big")
        assert r.stdout == want.hex(), f"TCP to {addr}: {r.stdout!r} {r.stderr}"
    finally:
        srv.kill()
        srv.communicate()


UDP_RECEIVER = """
import json, socket, sys, time
addr, port, count, idle = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
s = socket.socket(socket.AF_INET6 if ':' in addr else socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind((addr, port))
s.settimeout(idle)
sys.stderr.write('LISTENING\\n'); sys.stderr.flush()
seen = []
try:
    while len(seen) < count:
        d, _ = s.recvfrom(65536)
        if d[4:] == bytes([d[3]]) * (len(d) - 4):
            seen.append(int.from_bytes(d[:4], 'big'))
except socket.timeout:
    pass
sys.stdout.write(json.dumps(seen))
"""

UDP_SENDER = """
import socket, sys, time
addr, port, count, rate, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \\
    float(sys.argv[4]), int(sys.argv[5])
s = socket.socket(socket.AF_INET6 if ':' in addr else socket.AF_INET, socket.SOCK_DGRAM)
start = time.monotonic()
for i in range(count):
    delay = start + i / rate - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    s.sendto(i.to_bytes(4, 'big') + bytes([i & 0xff]) * size, (addr, port))
    if i == count // 4:
        sys.stderr.write('QUARTER\\n'); sys.stderr.flush()
"""


class UdpReceiver:
    def __init__(self, ns, addr, port, count, idle=3.0):
        self.proc = ns.popen([PYTHON, "-c", UDP_RECEIVER, addr, str(port), str(count),
                              str(idle)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        netns._read_until(self.proc, b"LISTENING", 20)

    def result(self, timeout=60):
        out, err = self.proc.communicate(timeout=timeout)
        assert self.proc.returncode == 0, err
        return json.loads(out)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def udp_send(ns, addr, port, count, rate=1000.0, size=100, wait=True):
    argv = [PYTHON, "-c", UDP_SENDER, addr, str(port), str(count), str(rate), str(size)]
    if wait:
        return ns.run(argv, timeout=60)
    return ns.popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def udp_roundtrip(sender, receiver, addr, port=6001, count=20):
    rx = UdpReceiver(receiver, addr, port, count)
    try:
        udp_send(sender, addr, port, count, rate=500)
        assert rx.result() == list(range(count))
    finally:
        rx.close()


# --- the wire ---

ND_MLD = {130, 131, 132, 133, 134, 135, 136, 143}


def outer(p):
    if IP in p:
        return p[IP]
    if IPv6 in p:
        return p[IPv6]
    return None


def is_ipsec(p):
    """True for ESP, AH, ESP in UDP 4500 (and their outer fragments)."""
    o = outer(p)
    nh = o.proto if isinstance(o, IP) else o.nh
    if isinstance(o, IPv6) and IPv6ExtHdrFragment in p:
        nh = p[IPv6ExtHdrFragment].nh
    if nh in (50, 51):
        return True
    return nh == 17 and UDP in p and p[UDP].dport == 4500 and p[UDP].sport == 4500


def is_link_control(p):
    """The links' own control traffic, never LAN data: IPv6 neighbour
    discovery and MLD, and IGMP to the link-local 224.0.0.0/24 groups
    (the kernel sends membership reports when an interface comes up)."""
    o = outer(p)
    if isinstance(o, IP):
        return o.proto == 2 and o.dst.startswith("224.0.0.")
    return isinstance(o, IPv6) and (o.nh == 58 or o.nh == 0) and \
        (o.dst.startswith("ff02:") or o.src.startswith("fe80:") or
         (o.nh == 58 and o.payload.type in ND_MLD))


def assert_only_ipsec(cap, lan_addrs):
    """Every IP packet of the capture is IPsec, none was lost by the capture,
    no LAN address is an outer one; returns the IPsec packets."""
    pkts = cap.stop()
    assert cap.dropped == 0, f"tcpdump lost {cap.dropped} packets"
    ips = [p for p in pkts if outer(p) is not None]
    bad = [p.summary() for p in ips if not is_link_control(p) and not is_ipsec(p)]
    assert not bad, f"plaintext on the WAN: {bad[:5]}"
    leaked = [p.summary() for p in ips if {outer(p).src, outer(p).dst} & set(lan_addrs)]
    assert not leaked, f"LAN addresses on the WAN: {leaked[:5]}"
    return [p for p in ips if is_ipsec(p)]


def as_ipsec(p):
    """The outer IP packet, with ESP in UDP turned into plain ESP for scapy."""
    o = outer(p)
    if UDP in p and p[UDP].dport == 4500:
        body = bytes(p[UDP].payload)
        if isinstance(o, IP):
            return IP(src=o.src, dst=o.dst, proto=50) / ESP(body)
        return IPv6(src=o.src, dst=o.dst, nh=50) / ESP(body)
    return o.__class__(bytes(o))


def decrypt_all(sa, pkts, src):
    """scapy-decrypts every IPsec packet whose outer source is src; an ICV
    failure raises."""
    out = []
    for p in pkts:
        if outer(p).src == src:
            b = bytes(sa.decrypt(as_ipsec(p)))     # AH leaves the inner unparsed
            out.append(IP(b) if b[0] >> 4 == 4 else IPv6(b))
    return out


def wire_seqs(pkts, src):
    """ESP/AH sequence numbers of the packets from src, in capture order."""
    out = []
    for p in pkts:
        if outer(p).src == src:
            q = as_ipsec(p)
            out.append(q[ESP].seq if ESP in q else q[AH].seq)
    return out


def forwarded(sent):
    """The packet as a router forwards it: TTL / hop limit one lower."""
    if IP in sent:
        p = sent[IP].copy()
        p.ttl -= 1
        del p.chksum
        return bytes(p.__class__(bytes(p)))
    p = sent[IPv6].copy()
    p.hlim -= 1
    return bytes(p)


def echo_key(p):
    if ICMP in p and p[ICMP].type == 8:
        return (p[IP].src, p[IP].dst, p[ICMP].id, p[ICMP].seq)
    if ICMPv6EchoRequest in p:
        e = p[ICMPv6EchoRequest]
        return (p[IPv6].src, p[IPv6].dst, e.id, e.seq)
    return None


def assert_echo_requests_match(sent_pkts, inner_pkts, hop=1):
    """Each echo request the sender sent is among the decrypted inner
    packets, byte for byte (TTL/hop limit lower by hop)."""
    inner = {}
    for p in inner_pkts:
        k = echo_key(p)
        if k:
            inner[k] = bytes(p)
    sent = [p for p in sent_pkts if echo_key(p)]
    assert sent, "the sender capture holds no echo request"
    for p in sent:
        want = forwarded(p) if hop else bytes(outer(p))
        got = inner.get(echo_key(p))
        assert got is not None, f"echo request {echo_key(p)} not on the WAN"
        assert got == want, f"inner {echo_key(p)}: {got.hex()} != {want.hex()}"
    return len(sent)


# --- transport mode between two peers' own addresses ---

def icmp_echo(p):
    return p[ICMP] if ICMP in p else p[ICMPv6EchoRequest]


def run_transport(t, tun, ns_a, ns_b, addr_a, addr_b, port):
    """Starts and keys tun (transport mode), PROTECTs addr_a <-> addr_b (the
    peers' own traffic: dir in), pings both ways and a TCP transfer A -> B;
    returns (IPsec packets of the WAN tap, the echo requests A's stack sent,
    captured on its internal veth)."""
    tun.start()
    tun.add_sas()
    tun.protect(host(addr_a), host(addr_b), in_dir="in")
    warm_up(ns_a, addr_b)
    with t.wan.capture(t["WAN_TAP_IF"]) as wire, \
            ns_a.capture("xsi-" + tun.a.d.name, "icmp or icmp6") as sent:
        ping_all(ns_a, addr_b)
        ping_all(ns_b, addr_a)
        tcp_transfer(ns_a, ns_b, addr_b, port=port, nbytes=50000)
    pkts = assert_only_ipsec(wire, [])
    mine = [p for p in sent.stop() if echo_key(p) and echo_key(p)[0] == addr_a]
    return pkts, mine


def assert_transport_esp(tun, pkts, sent):
    """The wire of run_transport holds only ESP (in UDP 4500 if tun.encap);
    scapy decrypts both directions, and the ICMP of each echo request A sent
    comes out byte for byte (a transport SA's IP header is the outer one)."""
    if tun.encap:
        assert all(UDP in p and p[UDP].sport == 4500 and p[UDP].dport == 4500
                   for p in pkts), [p.summary() for p in pkts[:3]]
    else:
        assert all(ESP in p and UDP not in p for p in pkts), [p.summary() for p in pkts[:3]]
    inner = decrypt_all(tun.scapy_sa("ab", tun.a.local, tun.b.local), pkts, tun.a.local)
    back = decrypt_all(tun.scapy_sa("ba", tun.b.local, tun.a.local), pkts, tun.b.local)
    assert len(inner) > 40 and len(back) > 3
    got = {echo_key(p): bytes(icmp_echo(p)) for p in inner if echo_key(p)}
    assert len(sent) == 3
    for p in sent:
        assert got.get(echo_key(p)) == bytes(icmp_echo(p)), echo_key(p)
