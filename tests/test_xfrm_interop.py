"""xdpsec's AF_XDP worker against Linux kernel XFRM (ESP/AH in a QEMU guest
running Debian's stock kernel, tests/guest/).

    lanH [P+l]---[P+gl] gwH [P+gw]---[P+bw] brH (br0) [tap]---eth0 guest
    10.1.0.2      10.1.0.1  192.0.2.1               192.0.2.2 (lo: 10.2.0.2)
    fd00:1::2     fd00:1::1 2001:db8::1           2001:db8::2 (lo: fd00:2::2)

gwH runs one xdpsec daemon (WAN P+gw, LAN P+gl); the guest is keyed with
`ip xfrm state/policy`. Tunnel mode protects lanH <-> the guest's inner
address (xdpsec as a gateway, the guest as a host behind its own tunnel
end); transport mode protects gwH <-> the guest's WAN address (locally
generated traffic on both sides).

Each case: ping both ways and a TCP connection from each side, each
echoing 20 kB back to the side that opened it (compared byte for byte);
on the bridge (brH's port towards gwH) every IP packet is ESP / AH / ESP in
UDP 4500 with the two SPIs of the case (no plaintext, no inner address as an
outer one), and scapy, given the keys, verifies and opens every one of them
to traffic between the two protected addresses; xdpsec's and the guest
kernel's SA counters moved and the guest counted no error.

Dimensions: algorithm (AES-GCM rfc4106, ChaCha20-Poly1305 rfc7539esp,
AES-CBC + HMAC-SHA-256-128, AH HMAC-SHA-256-128), ESN off/on, tunnel /
transport, IPv4 / IPv6 (inner and outer), raw ESP / ESP in UDP 4500 (not
with AH). Their product (56 cases) takes too long under TCG (~3 s a case),
so CASES is a 3-wise covering set (23 cases): every combination of values
of any three dimensions that the product has is in some case, hence every
value and every pair too (test_cases_cover_every_triple checks it).

Negative cases: a wrong key on either inbound SA lets nothing through in
that direction; xdpsec counts icv-fail, the guest kernel its
XfrmInStateProtoError.
"""
import hashlib
import hmac
import itertools
import re
import secrets
import shlex
import subprocess

import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import AH, ESP, SecurityAssociation

from guest.guest import Guest
from guest_topology import build_guest_topology, remove_guest_topology
from netns import PYTHON, Netns, Xdpsec, _read_until, wait_for
from test_dataplane_common import alg, as_ipsec, assert_only_ipsec, key, outer, ping_all

ADDR = {
    "IP4": dict(lan="10.1.0.2", gwlan="10.1.0.1", gw="192.0.2.1", guest="192.0.2.2",
                inner="10.2.0.2", lan_net="10.1.0.0/24", inner_net="10.2.0.0/24",
                plen="24", host="32"),
    "IP6": dict(lan="fd00:1::2", gwlan="fd00:1::1", gw="2001:db8::1", guest="2001:db8::2",
                inner="fd00:2::2", lan_net="fd00:1::/64", inner_net="fd00:2::/64",
                plen="64", host="128"),
}

DIMENSIONS = {
    "alg": ["gcm", "chacha", "cbc", "ah"],
    "esn": [False, True],
    "mode": ["tunnel", "transport"],
    "fam": ["IP4", "IP6"],
    "encap": [False, True],
}


def valid(case):
    return not (case["alg"] == "ah" and case["encap"])


def product():
    names = list(DIMENSIONS)
    return [c for c in (dict(zip(names, vals)) for vals in
                        itertools.product(*DIMENSIONS.values())) if valid(c)]


STRENGTH = 3     # every combination of values of any 3 dimensions


def tuples(case, k=STRENGTH):
    """The case's values of every k dimensions, as ((dim, value), ...)."""
    return {tuple((d, case[d]) for d in dims)
            for dims in itertools.combinations(DIMENSIONS, k)}


def covering_set():
    """Greedy STRENGTH-wise cover of product(): repeatedly the case adding
    the most tuples not yet covered (deterministic: the first such in
    product order)."""
    todo = set().union(*(tuples(c) for c in product()))
    chosen = []
    while todo:
        best = max(product(), key=lambda c: len(tuples(c) & todo))
        chosen.append(best)
        todo -= tuples(best)
    return chosen


def case_id(c):
    return "-".join([c["alg"], "esn" if c["esn"] else "noesn", c["mode"],
                     c["fam"].lower(), "udp" if c["encap"] else "raw"])


CASES = covering_set()

# Linux needs a UDP socket with UDP_ENCAP_ESPINUDP on port 4500 to take ESP in
# UDP in (an IKE daemon's job); this one holds it for both families. Like an
# IKE daemon's, the socket bypasses IPsec policy both ways (struct
# xfrm_userpolicy_info, action ALLOW): a transport-mode policy between the
# two hosts also matches the UDP datagrams themselves, which the kernel
# checks before it hands them to the encapsulation.
ENCAP_SOCKETS = """
import socket, struct, time
SOL_UDP, UDP_ENCAP, UDP_ENCAP_ESPINUDP = 17, 100, 2
IP_XFRM_POLICY, IPV6_XFRM_POLICY = 17, 35
INF = (1 << 64) - 1

def bypass(fam, direction):
    sel = struct.pack("=16s16sHHHHHBBBxxxiI", b"", b"", 0, 0, 0, 0, fam, 0, 0, 0, 0, 0)
    lft = struct.pack("=8Q", INF, INF, INF, INF, 0, 0, 0, 0)
    return sel + lft + struct.pack("=4Q", 0, 0, 0, 0) + \\
        struct.pack("=IIBBBBxxxx", 0, 0, direction, 0, 0, 0)

socks = []
for fam, addr, level, opt in ((socket.AF_INET, "0.0.0.0", socket.IPPROTO_IP, IP_XFRM_POLICY),
                              (socket.AF_INET6, "::", socket.IPPROTO_IPV6, IPV6_XFRM_POLICY)):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    for direction in (0, 1):
        s.setsockopt(level, opt, bypass(fam, direction))
    s.bind((addr, 4500))
    s.setsockopt(SOL_UDP, UDP_ENCAP, UDP_ENCAP_ESPINUDP)
    socks.append(s)
time.sleep(3600)
"""


# TCP echo: the server sends back what a connection brings until EOF, then
# closes (argv: address, port, connections to serve, 0 = forever); the client
# sends its stdin, half-closes and writes what came back to stdout. No
# hashlib: OpenSSL takes a second to load in the guest under TCG.
ECHO_SERVER = """
import socket, sys
addr, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
if ":" in addr:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(4)
sys.stderr.write("LISTENING\\n")
sys.stderr.flush()
served = 0
while count == 0 or served < count:
    c, _ = s.accept()
    c.settimeout(30)
    try:
        while True:
            d = c.recv(65536)
            if not d:
                break
            c.sendall(d)
    except OSError:
        pass
    c.close()
    served += 1
"""

ECHO_CLIENT = """
import socket, sys
data = sys.stdin.buffer.read()
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
got = []
c.sendall(data)
c.shutdown(socket.SHUT_WR)
while True:
    d = c.recv(65536)
    if not d:
        break
    got.append(d)
sys.stdout.buffer.write(b"".join(got))
"""

GUEST_ECHO_PORT = 7000


class Interop:
    """The topology above, the daemon and the guest, for one module."""

    def __init__(self):
        self.prefix = "xi" + secrets.token_hex(3)
        self.lan, self.gw, self.br = (Netns(f"{self.prefix}-{n}") for n in ("lan", "gw", "br"))
        self.guest = Guest(self.br.name)
        self.d = Xdpsec(self.gw, "x")
        self.services = []
        self.spi = 0x10000

    def build(self):
        p = self.prefix
        build_guest_topology(p, self.lan, self.gw, self.br, self.guest, ADDR,
                             lambda a: a["inner_net"])
        self.services = [
            self.guest.run_async([PYTHON, "-c", ENCAP_SOCKETS], timeout=3600),
            self.guest.run_async([PYTHON, "-c", ECHO_SERVER, "::", str(GUEST_ECHO_PORT), "0"],
                                 timeout=3600)]
        wait_for(lambda: len(self.guest.run("ss -Hln 'sport = :4500 or sport = :7000'")
                             .stdout.splitlines()) == 3,
                 timeout=30, what="the guest's UDP encapsulation sockets and echo server")
        self.d.start(p + "gw", p + "gl")

    def close(self):
        try:
            self.d.stop()
        finally:
            remove_guest_topology(self.lan, self.gw, self.br, self.guest)

    def next_spis(self):
        self.spi += 2
        return self.spi, self.spi + 1

    def wire_if(self):
        return self.prefix + "bw"


@pytest.fixture(scope="module")
def ix():
    t = Interop()
    try:
        t.build()
        yield t
    finally:
        t.close()


class Case:
    """One SA pair between gwH (xdpsec) and the guest (kernel): hg is gwH ->
    guest, gh the way back."""

    def __init__(self, ix, alg_name, esn, mode, fam, encap, bad_key=None):
        self.ix, self.alg_name, self.esn, self.mode, self.fam, self.encap = \
            ix, alg_name, esn, mode, fam, encap
        self.a = ADDR[fam]
        self.proto = alg(alg_name, 1)[0]
        self.spi = dict(zip(("hg", "gh"), ix.next_spis()))
        self.bad_key = bad_key      # "xdpsec" or "guest": whose inbound key is wrong
        self.align4 = True

    def sa_words(self, direction, wrong=False, guest=False):
        """`ip xfrm state add` arguments of one direction's SA (wrong: with
        another key; guest: for the guest's kernel). Linux pads the AH
        header of IPv4 to 64 bits unless the SA has `flag align4`; RFC 4302
        (2.2) asks for 32, as xdpsec does: the guest's IPv4 AH SAs get it
        (test_ah_ipv4_without_align4_is_refused shows what happens without)."""
        spi = self.spi[direction]
        src, dst = (self.a["gw"], self.a["guest"]) if direction == "hg" else \
            (self.a["guest"], self.a["gw"])
        _, words, _ = alg(self.alg_name, spi + (0x100000 if wrong else 0))
        out = ["src", src, "dst", dst, "proto", self.proto, "spi", hex(spi),
               "mode", self.mode, *words, "reqid", str(spi)]
        flags = ["esn"] if self.esn else []
        if guest and self.proto == "ah" and self.fam == "IP4" and self.align4:
            flags.append("align4")
        if flags:
            out += ["flag", *flags]
        if self.encap:
            out += ["encap", "espinudp", "4500", "4500", "0.0.0.0"]
        return out

    def selectors(self):
        """(gwH side, guest side) of the protected traffic."""
        if self.mode == "tunnel":
            return self.a["lan_net"], self.a["inner"] + "/" + self.a["host"]
        return self.a["gw"] + "/" + self.a["host"], self.a["guest"] + "/" + self.a["host"]

    def install(self):
        """Flushes both sides, then SAs (inbound first on each side) and
        policies; the guest's part runs as one script (one agent round trip)."""
        ix, a = self.ix, self.a
        ix.d.cli("policy", "flush")
        ix.d.cli("state", "flush")
        rw = ["replay-window", "64"]
        h_sel, g_sel = self.selectors()
        tmpl = ["proto", self.proto, "mode", self.mode]
        guest = [["ip", "xfrm", "policy", "flush"], ["ip", "xfrm", "state", "flush"],
                 ["ip", "xfrm", "state", "add",
                  *self.sa_words("hg", self.bad_key == "guest", guest=True), *rw],
                 # iproute2 wants a window on every ESN SA, outbound too
                 ["ip", "xfrm", "state", "add", *self.sa_words("gh", guest=True)] +
                 (rw if self.esn else []),
                 ["ip", "xfrm", "policy", "add", "src", g_sel, "dst", h_sel, "dir", "out",
                  "tmpl", "src", a["guest"], "dst", a["gw"], *tmpl,
                  "reqid", str(self.spi["gh"]), "priority", "10"],
                 ["ip", "xfrm", "policy", "add", "src", h_sel, "dst", g_sel, "dir", "in",
                  "tmpl", "src", a["gw"], "dst", a["guest"], *tmpl,
                  "reqid", str(self.spi["hg"]), "priority", "10"]]
        if self.fam == "IP6":
            # neighbour discovery between the protected addresses stays in
            # the clear, as xdpsec sends it (the kernel would protect it):
            # allow policies that win over the PROTECT ones (lower priority)
            guest += [["ip", "xfrm", "policy", "add", "src", "::/0", "dst", "::/0",
                       "proto", "ipv6-icmp", "type", t, "dir", d, "priority", "1"]
                      for t, d in itertools.product(("135", "136"), ("in", "out"))]
        ix.guest.run("set -e\n" + "\n".join(shlex.join(cmd) for cmd in guest))
        in_dir = "fwd" if self.mode == "tunnel" else "in"
        ix.d.cli("state", "add", *self.sa_words("gh", self.bad_key == "xdpsec"), *rw)
        ix.d.cli("state", "add", *self.sa_words("hg"))
        ix.d.cli("policy", "add", "src", h_sel, "dst", g_sel, "dir", "out", "tmpl",
                 "src", a["gw"], "dst", a["guest"], *tmpl, "reqid", str(self.spi["hg"]))
        ix.d.cli("policy", "add", "src", g_sel, "dst", h_sel, "dir", in_dir, "tmpl",
                 "src", a["guest"], "dst", a["gw"], *tmpl, "reqid", str(self.spi["gh"]))

    def scapy_sa(self, direction):
        """scapy's SA for one direction (its own ESP/AH, an independent
        third implementation), ESN high bits 0."""
        spi = self.spi[direction]
        src, dst = (self.a["gw"], self.a["guest"]) if direction == "hg" else \
            (self.a["guest"], self.a["gw"])
        _, _, kw = alg(self.alg_name, spi)
        if self.mode == "tunnel":
            kw["tunnel_header"] = IPv6(src=src, dst=dst) if self.fam == "IP6" else \
                IP(src=src, dst=dst)
        if self.encap:
            kw["nat_t_header"] = UDP(sport=4500, dport=4500)
        return SecurityAssociation(ESP if self.proto == "esp" else AH, spi=spi,
                                   esn_en=self.esn, esn=0, **kw)

    # --- traffic ---

    def host_ns(self):
        return self.ix.lan if self.mode == "tunnel" else self.ix.gw

    def addrs(self):
        """(gwH side address, guest side address) of the protected traffic."""
        if self.mode == "tunnel":
            return self.a["lan"], self.a["inner"]
        return self.a["gw"], self.a["guest"]


def guest_xfrm_states(guest):
    """{spi: {"packets": n, "bytes": n, "esn": bool, "failed": n}} from
    `ip -s xfrm state` in the guest."""
    out = guest.run(["ip", "-s", "xfrm", "state"]).stdout
    states = {}
    for block in re.split(r"(?m)^src ", out)[1:]:
        spi = int(re.search(r"spi (0x[0-9a-f]+)", block).group(1), 16)
        cur = re.search(r"(\d+)\(bytes\), (\d+)\(packets\)", block)
        stats = re.search(r"replay-window \d+ replay (\d+) failed (\d+)", block)
        states[spi] = {"bytes": int(cur.group(1)), "packets": int(cur.group(2)),
                       "replay": int(stats.group(1)), "failed": int(stats.group(2)),
                       "esn": bool(re.search(r"flag .*\besn\b", block))}
    return states


def guest_xfrm_stat(guest):
    out = guest.run(["cat", "/proc/net/xfrm_stat"]).stdout
    return {k: int(v) for k, v in (ln.split() for ln in out.splitlines())}


def tcp_host_to_guest(c):
    """gwH's side connects to the guest's echo server."""
    tcp_echo(c.host_ns(), c.addrs()[1], GUEST_ECHO_PORT, c.spi["hg"])


def tcp_guest_to_host(c):
    """The guest connects to an echo server on gwH's side."""
    h, _ = c.addrs()
    port = 6000 + (c.spi["gh"] & 0xfff)
    srv = c.host_ns().popen([PYTHON, "-c", ECHO_SERVER, h, str(port), "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _read_until(srv, b"LISTENING", 20)
        tcp_echo(c.ix.guest, h, port, c.spi["gh"])
        assert srv.wait(timeout=30) == 0
    finally:
        srv.kill()
        srv.communicate()


def tcp_echo(runner, addr, port, seed, nbytes=20000):
    data = key(seed, 9, nbytes)
    r = runner.run([PYTHON, "-S", "-c", ECHO_CLIENT, addr, str(port)], input=data,
                   text=False, check=False, timeout=60)
    assert r.returncode == 0 and r.stdout == data, \
        f"TCP echo via {addr}: {len(r.stdout)} of {nbytes} bytes back, {r.stderr[-300:]}"


def wire_spis(pkts):
    """[(outer src, protocol, spi, encapsulated)] of the IPsec packets."""
    out = []
    for p in pkts:
        q = as_ipsec(p)
        sa = q[ESP] if ESP in q else q[AH]
        out.append((outer(p).src, "esp" if ESP in q else "ah", sa.spi, UDP in p))
    return out


def open_all(c, direction, pkts):
    """scapy-decrypts (verifies) every IPsec packet of one direction and
    returns what was inside (tunnel) or the packet without ESP/AH; an ICV
    failure raises. scapy 2.5 leaves the ESN high bits out of ESP's HMAC
    (RFC 4303 2.2.1 puts them after the trailer), so with ESN and
    AES-CBC + HMAC-SHA-256 the ICV is checked here and scapy only decrypts."""
    src = c.a["gw"] if direction == "hg" else c.a["guest"]
    sa = c.scapy_sa(direction)
    own_icv = c.esn and c.alg_name == "cbc"
    out = []
    for p in pkts:
        if outer(p).src != src:
            continue
        q = as_ipsec(p)
        if own_icv:
            esp = bytes(q[ESP])
            mac = hmac.new(alg(c.alg_name, c.spi[direction])[2]["auth_key"],
                           esp[:-16] + bytes(4), hashlib.sha256).digest()[:16]
            assert hmac.compare_digest(mac, esp[-16:]), f"ICV of {p.summary()}"
        b = bytes(sa.decrypt(q, verify=not own_icv))
        out.append(IP(b) if b[0] >> 4 == 4 else IPv6(b))
    return out


def xdpsec_sa(c, direction):
    dst = c.a["guest"] if direction == "hg" else c.a["gw"]
    return c.ix.d.js("state", "get", "dst", dst, "proto", c.proto,
                     "spi", hex(c.spi[direction]))


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_interop(ix, case):
    c = Case(ix, case["alg"], case["esn"], case["mode"], case["fam"], case["encap"])
    c.install()
    h, g = c.addrs()
    hns = c.host_ns()
    # the worker drops the packet that makes it resolve a neighbour
    wait_for(lambda: hns.ping(g, wait=1), timeout=20, what=f"ping {g} through the SAs")
    with ix.br.capture(ix.wire_if()) as wire:
        ping_all(hns, g)
        ping_all(ix.guest, h)
        tcp_host_to_guest(c)
        tcp_guest_to_host(c)
    pkts = assert_only_ipsec(wire, [h, g] if c.mode == "tunnel" else [])
    seen = wire_spis(pkts)
    gw, guest = c.a["gw"], c.a["guest"]
    assert {s for s in seen if s[0] == gw} == {(gw, c.proto, c.spi["hg"], c.encap)}, seen[:4]
    assert {s for s in seen if s[0] == guest} == \
        {(guest, c.proto, c.spi["gh"], c.encap)}, seen[:4]
    n_hg = sum(1 for s in seen if s[0] == gw)
    n_gh = sum(1 for s in seen if s[0] == guest)
    assert n_hg > 20 and n_gh > 20, (n_hg, n_gh)
    # scapy, given the keys, opens every packet of both sides (an ICV
    # failure raises) to what the protected hosts sent each other
    for direction, n, want in (("hg", n_hg, (h, g)), ("gh", n_gh, (g, h))):
        opened = open_all(c, direction, pkts)
        assert len(opened) == n
        assert {(p.src, p.dst) for p in opened} == {want}, opened[0].summary()
    # both sides counted what crossed the wire
    out, inb = xdpsec_sa(c, "hg"), xdpsec_sa(c, "gh")
    assert out["packets"] >= n_hg and inb["packets"] >= n_gh, (out, inb)
    assert inb["drops"] == 0, inb
    assert ("esn" in out["flags"]) == c.esn and ("esn" in inb["flags"]) == c.esn
    st = guest_xfrm_states(ix.guest)
    assert st[c.spi["hg"]]["packets"] >= n_hg and st[c.spi["gh"]]["packets"] >= n_gh, st
    assert st[c.spi["hg"]]["failed"] == 0 and st[c.spi["hg"]]["replay"] == 0, st
    assert st[c.spi["hg"]]["esn"] == c.esn and st[c.spi["gh"]]["esn"] == c.esn, st


def test_cases_cover_every_triple():
    """Every value of every dimension, every pair and every triple of values
    of distinct dimensions that the product has is in CASES."""
    for k in (1, 2, 3):
        want = set().union(*(tuples(c, k) for c in product()))
        assert set().union(*(tuples(c, k) for c in CASES)) == want, k
    assert len(CASES) < len(product()) and all(valid(c) for c in CASES)


def test_wrong_key_at_xdpsec_is_an_icv_failure(ix):
    """The guest seals with a key xdpsec does not have: nothing gets from
    the guest to lanH, the worker counts icv-fail for each packet, while
    the other direction still decrypts in the guest."""
    c = Case(ix, "gcm", False, "tunnel", "IP4", False, bad_key="xdpsec")
    c.install()
    before = ix.d.stats()["worker"]["drops"].get("icv-fail", 0)
    r = ix.guest.run(["ping", "-n", "-q", "-c", "3", "-i", "0.2", "-W", "1",
                      c.a["lan"]], check=False)
    assert " 0 received" in r.stdout, r.stdout
    wait_for(lambda: ix.d.stats()["worker"]["drops"].get("icv-fail", 0) >= before + 3,
             what="xdpsec to count icv-fail")
    assert xdpsec_sa(c, "gh")["packets"] == 0
    assert not ix.lan.ping(c.a["inner"], wait=1)
    assert guest_xfrm_states(ix.guest)[c.spi["hg"]]["packets"] >= 1


def test_wrong_key_in_the_guest_is_refused_by_the_kernel(ix):
    """xdpsec seals with a key the guest does not have: the kernel refuses
    each packet (XfrmInStateProtoError) and nothing reaches the guest."""
    c = Case(ix, "cbc", True, "transport", "IP6", False, bad_key="guest")
    c.install()
    before = guest_xfrm_stat(ix.guest)["XfrmInStateProtoError"]
    assert not ix.gw.ping(c.a["guest"], count=3, wait=1)
    assert xdpsec_sa(c, "hg")["packets"] >= 3
    after = guest_xfrm_stat(ix.guest)["XfrmInStateProtoError"]
    assert after >= before + 3, (before, after)
    assert guest_xfrm_states(ix.guest)[c.spi["hg"]]["packets"] == 0


def test_ah_ipv4_without_align4_is_refused(ix):
    """Linux's default IPv4 AH header (ICV padded to 64 bits: 32 bytes for
    HMAC-SHA-256-128 instead of RFC 4302's 28) is refused by xdpsec as
    bad-ah-header, and Linux refuses xdpsec's 28-byte header; hence `flag
    align4` on the guest's IPv4 AH SAs in the cases above."""
    c = Case(ix, "ah", False, "transport", "IP4", False)
    c.align4 = False
    c.install()
    before = ix.d.stats()["worker"]["drops"].get("bad-ah-header", 0)
    proto_err = guest_xfrm_stat(ix.guest)["XfrmInStateProtoError"]
    assert not ix.gw.ping(c.a["guest"], count=3, wait=1)
    wait_for(lambda: ix.d.stats()["worker"]["drops"].get("bad-ah-header", 0) >= before + 1
             or guest_xfrm_stat(ix.guest)["XfrmInStateProtoError"] >= proto_err + 3,
             what="a refused AH header")
    assert guest_xfrm_stat(ix.guest)["XfrmInStateProtoError"] >= proto_err + 3
    assert xdpsec_sa(c, "hg")["packets"] >= 3
    assert guest_xfrm_states(ix.guest)[c.spi["hg"]]["packets"] == 0


def test_guest_harness(ix):
    """What the tests rely on from tests/guest: exit codes, both streams,
    stdin, the command's timeout, files written into the guest, the stock
    kernel with the modules loaded."""
    g = ix.guest
    r = g.run("echo out; echo err >&2; exit 3", check=False)
    assert (r.returncode, r.stdout, r.stderr) == (3, "out\n", "err\n")
    with pytest.raises(AssertionError):
        g.run(["false"])
    assert g.run(["cat"], input=b"\x00\xffbytes", text=False).stdout == b"\x00\xffbytes"
    with pytest.raises(subprocess.TimeoutExpired):
        g.run(["sleep", "20"], timeout=1)
    g.write("/tmp/harness/file", "written\n", mode=0o600)
    assert g.run("stat -c %a /tmp/harness/file && cat /tmp/harness/file").stdout == \
        "600\nwritten\n"
    with open("/proc/sys/kernel/osrelease") as f:
        assert g.run(["uname", "-r"]).stdout.strip() != f.read().strip()
    mods = g.run(["cat", "/proc/modules"]).stdout
    assert all(re.search(rf"^{m} ", mods, re.M) for m in ("esp4", "esp6", "ah4", "ah6",
                                                          "xfrm_user", "veth"))
