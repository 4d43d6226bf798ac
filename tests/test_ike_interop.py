"""IKEv2 between xdpsec and strongSwan, and between two xdpsec daemons.

gw2gw (scripts/topo.sh), LAN MTUs 1400 (kernel-libipsec's TUN):

    lanA 10.1.0.2 - gwA [xdpsec] 192.0.2.1 ==== 192.0.2.2 gwB [charon] - 10.2.0.2 lanB

One topology, one xdpsec daemon (foreground, its log kept) and one charon
serve the whole module; each case loads both sides' configuration afresh
(the same swanctl.conf text: xdpsec reads strongSwan's syntax), so the
proposals below run as IKE and ESP proposals alike, PSK both ways:
  - xdpsec initiates (`xdpsec up`), charon responds; and the other way;
  - both `list-sas` agree (SPIs crossed, proposal), pings both ways, TCP
    transfers with a digest check and a short iperf3 run go through, the
    SAD counters move;
  - DELETE from either side (`xdpsec down`, `swanctl --terminate`) leaves no
    SA and no policy in xdpsec's maps;
  - wrong PSK, no common proposal, unacceptable traffic selectors: the
    failure is logged in the peer's terms and nothing is installed;
  - certificates both ways with every proposal, the ends' keys rotating
    through RSA 2048, ECDSA P-256 and P-384, Ed25519, RFC 7427 and the
    classic methods (charon's log names each signature); a certificate of
    another CA, an expired one: AUTHENTICATION_FAILED, nothing installed;
  - start_action = trap; Child SA rekeys by either side and an IKE SA
    rekey under traffic both ways without a lost datagram; rekey_bytes;
    IPv6 outer; TS ranges and protocols; load-conf keeping unchanged
    connections; DPD against a killed charon; xdpsec behind a real NAT
    (the nat topology).
xdpsec against xdpsec (both gateways xdpsec, test_xdpsec_pair_*): tunnel
mode with ESN over IPv6 outer addresses with IPv4 and IPv6 LANs, an AH
Child SA in tunnel mode (charon's kernel-libipsec has no AH), transport
mode between the h2h hosts, also without traffic selectors (dynamic) and
with %any addresses on the responder.
"""
import json
import os
import subprocess

import pytest

import netns
from netns import Xdpsec, topology, wait_for, wan_tap
from strongswan import Charon, Pki, swanctl_conf
from test_dataplane_common import UdpReceiver, tcp_transfer, udp_send

PROPOSALS = ["aes256gcm16-prfsha256-modp2048", "aes128gcm16-prfsha256-ecp256",
             "chacha20poly1305-prfsha256-x25519", "aes256-sha256-modp3072"]
# what swanctl --list-sas calls the ESP transforms of each
CHARON_ESP = {"aes256gcm16-prfsha256-modp2048": "AES_GCM_16-256",
              "aes128gcm16-prfsha256-ecp256": "AES_GCM_16-128",
              "chacha20poly1305-prfsha256-x25519": "CHACHA20_POLY1305",
              "aes256-sha256-modp3072": "AES_CBC-256/HMAC_SHA2_256_128"}
# the canonical form xdpsec lists them in (ike_prop_format)
CANONICAL = {"chacha20poly1305-prfsha256-x25519": "chacha20poly1305-prfsha256-curve25519",
             "aes256-sha256-modp3072": "aes256-sha256-prfsha256-modp3072"}
PSK = "xdpsec interop secret"
A_ID, B_ID = "moon.example", "sun.example"
LAN_MTU = 1400


def set_lan_mtu(t):
    for ns, key in ((t.lanA, "LANA_IF"), (t.gwA, "GWA_LAN_IF"),
                    (t.gwB, "GWB_LAN_IF"), (t.lanB, "LANB_IF")):
        ns.run(["ip", "link", "set", t[key], "mtu", str(LAN_MTU)])


class Daemon(Xdpsec):
    """An xdpsec daemon in the foreground with its log in a file."""

    def __init__(self, ns, tag, workdir):
        super().__init__(ns, tag)
        self.workdir = str(workdir)
        self.logpath = os.path.join(self.workdir, f"xdpsec-{tag}.log")
        self.proc = None

    def run(self):
        self.logf = open(self.logpath, "w")
        self.proc = self.ns.popen([netns.XDPSEC, "-i", self.name, "daemon", "--foreground"],
                                  stdout=self.logf, stderr=self.logf)
        wait_for(lambda: self.proc.poll() is not None or
                 self.cli("status", check=False).returncode == 0, timeout=15,
                 what="the xdpsec daemon")
        assert self.proc.poll() is None, self.log()

    def stop(self):
        super().stop()
        if self.proc is not None:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.logf.close()

    def log(self):
        with open(self.logpath) as f:
            return f.read()

    def load(self, text, wan, lan=None):
        path = os.path.join(self.workdir, f"{self.name}.conf")
        ifs = f"interfaces {{\n  wan = {wan}\n" + (f"  lan = {lan}\n" if lan else "") + "}\n"
        with open(path, "w") as f:
            f.write(ifs + text)
        os.chmod(path, 0o600)
        self.cli("load-conf", path)

    def sas(self):
        return self.js("list-sas")

    def installed(self):
        """The IKE SAs once every one is ESTABLISHED with an INSTALLED child."""
        sas = self.sas()
        ok = sas and all(s["state"] == "ESTABLISHED" and s["child_sas"] and
                         all(c["state"] == "INSTALLED" for c in s["child_sas"]) for s in sas)
        return sas if ok else None

    def protect(self):
        return {(p["dir"], p["src"], p["dst"]) for p in self.js("policy", "list")
                if p["action"] == "protect"}

    def bypass(self):
        return {(p["src"], p["proto"], p["sport"]) for p in self.js("policy", "list")
                if p["action"] == "bypass"}

    def empty(self):
        """Nothing of IKE left: no IKE SA, no SA in the SAD, no PROTECT policy."""
        return not self.sas() and self.js("status")["sas"] == 0 and not self.protect()


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    """gw2gw with xdpsec on gwA and charon on gwB."""
    work = tmp_path_factory.mktemp("interop")
    with topology("gw2gw") as t:
        set_lan_mtu(t)
        d = Daemon(t.gwA, "a", work)
        c = Charon(t.gwB, work / "charon")
        try:
            d.run()
            c.start()
            yield t, d, c
        finally:
            d.stop()
            c.stop()


def confs(t, prop, **kw):
    """(xdpsec's, charon's) swanctl.conf text for the LAN-to-LAN tunnel."""
    a = dict(name="gw", local="192.0.2.1", remote="192.0.2.2", proposals=prop,
             esp_proposals=prop.rsplit("-", 1)[0].replace("-prfsha256", ""),
             local_ts="10.1.0.0/24", remote_ts="10.2.0.0/24", local_id=A_ID,
             remote_id=B_ID, secret=PSK)
    b = dict(a, local="192.0.2.2", remote="192.0.2.1", local_ts="10.2.0.0/24",
             remote_ts="10.1.0.0/24", local_id=B_ID, remote_id=A_ID)
    for k, v in kw.items():
        side, key = k.split("_", 1)
        (a if side == "a" else b)[key] = v
    return swanctl_conf(**a), swanctl_conf(**b)


def load_both(rig, prop, **kw):
    t, d, c = rig
    ours, theirs = confs(t, prop, **kw)
    c.swanctl("--terminate", "--ike", "gw", "--timeout", "3", check=False)
    c.load(theirs)
    d.load(ours, t["GWA_WAN_IF"], t["GWA_LAN_IF"])
    wait_for(lambda: not c.list_sas(), timeout=10, what="charon without SAs")


def iperf3(t, addr, seconds=1):
    """A short iperf3 TCP run lanA -> lanB; the bytes lanB received."""
    srv = t.lanB.popen(["iperf3", "-s", "-1", "-B", addr], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: t.lanB.run(["ss", "-Hltn", "sport", "=", ":5201"]).stdout,
                 timeout=10, what="iperf3 server")
        r = t.lanA.run(["iperf3", "-c", addr, "-t", str(seconds), "-J"], timeout=30)
        got = json.loads(r.stdout)["end"]["sum_received"]["bytes"]
        assert got > 100000, r.stdout[-2000:]
        return got
    finally:
        srv.kill()
        srv.wait()


def check_tunnel(rig, prop, we_initiated):
    t, d, c = rig
    ours = wait_for(d.installed, timeout=15, what="xdpsec's SAs")
    theirs = wait_for(lambda: [s for s in c.list_sas() if s["children"] and
                               s["children"][0]["state"] == "INSTALLED"], timeout=10,
                      what="charon's SAs")
    (sa,), (csa,) = ours, theirs
    assert sa["initiator"] == we_initiated
    assert sa["proposal"] == CANONICAL.get(prop, prop) and sa["local_id"] == A_ID and sa["remote_id"] == B_ID
    assert (sa["initiator_spi"], sa["responder_spi"]) == (csa["spi_i"], csa["spi_r"])
    (ch,), (cch,) = sa["child_sas"], csa["children"]
    # charon (kernel-libipsec) always encapsulates, tunnel mode, no ESN
    assert (ch["mode"], ch["protocol"], ch["encap"], ch["esn"]) == ("TUNNEL", "ESP", True, False)
    assert (ch["spi_in"], ch["spi_out"]) == (cch["spi_out"], cch["spi_in"])
    assert cch["alg"] == CHARON_ESP[prop] and cch["mode"] == "TUNNEL-in-UDP"
    assert (ch["local_ts"], ch["remote_ts"]) == (["10.1.0.0/24"], ["10.2.0.0/24"])
    assert ch["reqid"] == cch["reqid"] or ch["reqid"] > 0
    assert t.lanA.ping(t["LANB_IP4"], count=3) and t.lanB.ping(t["LANA_IP4"], count=3)
    tcp_transfer(t.lanA, t.lanB, t["LANB_IP4"], port=5001, nbytes=200000)
    tcp_transfer(t.lanB, t.lanA, t["LANA_IP4"], port=5002, nbytes=50000)
    sent = iperf3(t, t["LANB_IP4"])
    (ch,) = d.sas()[0]["child_sas"]
    assert ch["packets_out"] >= 150 and ch["packets_in"] >= 50, ch
    assert ch["bytes_out"] > 200000 + sent and ch["bytes_in"] > 50000, ch
    # the SAD holds exactly this pair, the SPD its two policies
    sad = {(s["dir"], s["spi"]) for s in d.js("state", "list")}
    assert sad == {("in", int(ch["spi_in"], 16)), ("out", int(ch["spi_out"], 16))}
    assert d.protect() == {("out", "10.1.0.0/24", "10.2.0.0/24"),
                           ("fwd", "10.2.0.0/24", "10.1.0.0/24")}
    assert json.loads(d.cli("list-sas", "--json").stdout)[0]["child_sas"][0]["spi_in"] == \
        ch["spi_in"]
    ike = d.js("status")["ike"]
    assert (ike["connections"], ike["child_sas"]) == (1, 1) and ike["sa_established"] >= 1
    # IKE itself bypasses the tunnels
    assert d.bypass() == {("192.0.2.1/32", "udp", "500"), ("192.0.2.1/32", "udp", "4500")}


@pytest.mark.parametrize("prop", PROPOSALS)
def test_xdpsec_initiates(rig, prop):
    t, d, c = rig
    load_both(rig, prop)
    d.cli("up", "gw")
    check_tunnel(rig, prop, True)
    d.cli("down", "gw")
    wait_for(d.empty, timeout=10, what="xdpsec without SAs after down")
    wait_for(lambda: not c.list_sas(), timeout=10, what="charon without SAs after down")


@pytest.mark.parametrize("prop", PROPOSALS)
def test_charon_initiates(rig, prop):
    t, d, c = rig
    load_both(rig, prop)
    c.initiate("net")
    check_tunnel(rig, prop, False)
    c.terminate("gw")
    wait_for(d.empty, timeout=10, what="xdpsec without SAs after charon's DELETE")


def test_ipv6_outer_with_both_lan_families(rig):
    """IPv6 between the gateways, IPv4 and IPv6 LANs in one Child SA."""
    t, d, c = rig
    load_both(rig, PROPOSALS[2], a_local=t["GWA_WAN_IP6"], a_remote=t["GWB_WAN_IP6"],
              b_local=t["GWB_WAN_IP6"], b_remote=t["GWA_WAN_IP6"],
              a_local_ts="10.1.0.0/24, fd00:1::/64", a_remote_ts="10.2.0.0/24, fd00:2::/64",
              b_local_ts="10.2.0.0/24, fd00:2::/64", b_remote_ts="10.1.0.0/24, fd00:1::/64")
    d.cli("up", "gw")
    (sa,) = wait_for(d.installed, timeout=15, what="xdpsec's SAs")
    assert (sa["local_host"], sa["remote_host"]) == (t["GWA_WAN_IP6"], t["GWB_WAN_IP6"])
    (ch,) = sa["child_sas"]
    assert sorted(ch["remote_ts"]) == ["10.2.0.0/24", "fd00:2::/64"]
    for fam in ("IP4", "IP6"):
        assert t.lanA.ping(t[f"LANB_{fam}"], count=2) and t.lanB.ping(t[f"LANA_{fam}"], count=2)
    tcp_transfer(t.lanA, t.lanB, t["LANB_IP6"], port=5005, nbytes=100000)
    assert len(d.protect()) == 4
    sad = d.js("state", "list")
    assert len(sad) == 2 and all(":" in s["src"] and ":" in s["dst"] for s in sad)
    d.cli("down", "gw")
    wait_for(d.empty, timeout=10, what="xdpsec without SAs after down")


KINDS = ("rsa", "p256", "p384", "ed25519")
# what charon's log names the signature of each key kind: RFC 7427 Digital
# Signature (method 14) schemes, and the classic methods (1, 9, 10)
CHARON_SCHEME = {"rsa": "RSA_EMSA_PKCS1_SHA2_256", "p256": "ECDSA_WITH_SHA256_DER",
                 "p384": "ECDSA_WITH_SHA384_DER", "ed25519": "ED25519"}
CHARON_CLASSIC = {"rsa": "RSA signature", "p256": "ECDSA-256 signature",
                  "p384": "ECDSA-384 signature"}
# proposal, initiator, moon's (xdpsec's) key, sun's (charon's) key, whether
# charon speaks RFC 7427; the key kinds rotate so each end has each kind,
# and two cases sign with the classic methods on the wire (Ed25519 has none)
CERT_CASES = [
    (PROPOSALS[0], "xdpsec", "rsa", "p256", True),
    (PROPOSALS[0], "charon", "p256", "rsa", False),
    (PROPOSALS[1], "xdpsec", "p384", "ed25519", True),
    (PROPOSALS[1], "charon", "ed25519", "p384", True),
    (PROPOSALS[2], "xdpsec", "rsa", "p384", False),
    (PROPOSALS[2], "charon", "p384", "rsa", True),
    (PROPOSALS[3], "xdpsec", "ed25519", "rsa", True),
    (PROPOSALS[3], "charon", "p256", "ed25519", True),
]


@pytest.fixture(scope="module")
def pki(rig, tmp_path_factory):
    """A CA (RSA) with moon (xdpsec) and sun (charon) certificates of every
    key kind, their FQDNs as subjectAltName, an expired one of each, and
    another CA (ECDSA P-256, the same name) with its own moon and sun;
    charon gets all of its own and the first CA in swanctl/."""
    t, d, c = rig
    p = Pki(tmp_path_factory.mktemp("pki"), kind="rsa")
    other = Pki(tmp_path_factory.mktemp("pki-other"), kind="p256")
    for kind in KINDS:
        p.issue("moon-" + kind, A_ID, kind)
        p.issue("sun-" + kind, B_ID, kind)
        c.install_pki(p, "sun-" + kind)
    for host, san in (("moon", A_ID), ("sun", B_ID)):
        p.issue(host + "-expired", san, "p256", expired=True)
        other.issue(host + "-other", san, "p256")
    c.install_pki(p, "sun-expired")
    for src in (other.cert("sun-other"), other.key("sun-other")):
        sub = "x509" if src.endswith(".pem") else "private"
        with open(src, "rb") as fi, open(os.path.join(c.d, "swanctl", sub,
                                                     os.path.basename(src)), "wb") as fo:
            fo.write(fi.read())
    p.other = other
    return p


def cert_confs(pki, moon, sun):
    """confs() keywords for certificates: moon's files by path (from pki, or
    the other CA's for "moon-other"), sun's by name in charon's swanctl/."""
    src = pki.other if moon.endswith("-other") else pki
    return dict(a_auth="pubkey", a_secret=None, a_local_cert=src.cert(moon),
                a_local_key=src.key(moon), a_remote_ca=pki.ca_cert,
                b_auth="pubkey", b_secret=None, b_local_cert=sun + ".pem",
                b_remote_ca="ca.pem")


def charon_auth_lines(c, mark):
    """charon's "authentication of ... successful" lines since mark."""
    return [ln.split("] ", 1)[-1] for ln in c.log()[mark:].splitlines()
            if "authentication of '" in ln]


@pytest.mark.parametrize("prop,initiator,moon,sun,rfc7427", CERT_CASES,
                         ids=[f"{c[1]}-{c[0].split('-')[-1]}-{c[2]}-{c[3]}"
                              f"{'' if c[4] else '-classic'}" for c in CERT_CASES])
def test_certificates(rig, pki, prop, initiator, moon, sun, rfc7427):
    """Certificate authentication with each proposal both ways; charon's log
    says which signature each end made and the other verified."""
    t, d, c = rig
    c.signature_authentication(rfc7427)
    try:
        load_both(rig, prop, **cert_confs(pki, "moon-" + moon, "sun-" + sun))
        mark = len(c.log())
        if initiator == "xdpsec":
            d.cli("up", "gw")
        else:
            c.initiate("net")
        check_tunnel(rig, prop, initiator == "xdpsec")
        names = CHARON_SCHEME if rfc7427 else CHARON_CLASSIC
        lines = charon_auth_lines(c, mark)
        assert f"authentication of '{A_ID}' with {names[moon]} successful" in lines, lines
        assert f"authentication of '{B_ID}' (myself) with {names[sun]} successful" in lines, \
            lines
        d.cli("down", "gw")
        wait_for(d.empty, timeout=10, what="xdpsec without SAs after down")
    finally:
        c.signature_authentication(True)


# initiator, moon's and sun's certificates, what xdpsec and charon log, and
# whether xdpsec counts a failed IKE SA: when charon as initiator refuses
# our certificate, our IKE_AUTH response went out and the SA was up on our
# side (RFC 7296 2.21.2: the initiator then tells us in an INFORMATIONAL
# with AUTHENTICATION_FAILED), so it ends as deleted by the peer instead
CERT_FAILURES = [
    ("xdpsec", "moon-other", "sun-p256",
     "IKE_AUTH failed: peer says authentication-failed", "no trusted", True),
    ("xdpsec", "moon-p256", "sun-expired",
     "CN=sun-expired' expired", "INFORMATIONAL request 2 [ N(AUTH_FAILED) ]", True),
    ("charon", "moon-p256", "sun-other",
     "CN=sun-other' issuer unknown (no configured CA)",
     "received AUTHENTICATION_FAILED notify error", True),
    ("charon", "moon-expired", "sun-p256",
     "peer notifies authentication-failed", "subject certificate invalid", False),
]


@pytest.mark.parametrize("initiator,moon,sun,ours,theirs,counted", CERT_FAILURES,
                         ids=["xdpsec-other-ca", "xdpsec-expired", "charon-other-ca",
                              "charon-expired"])
def test_certificate_failures(rig, pki, initiator, moon, sun, ours, theirs, counted):
    """A certificate from another CA, an expired one, refused by xdpsec and
    by charon: the IKE_AUTH fails in the peer's terms, AUTHENTICATION_FAILED
    reaches the other end, nothing stays installed on either side."""
    t, d, c = rig
    load_both(rig, PROPOSALS[1], **cert_confs(pki, moon, sun))
    mark, cmark = len(d.log()), len(c.log())
    before = d.js("status")["ike"]["sa_failed"]
    if initiator == "xdpsec":
        d.cli("up", "gw")
    else:
        c.initiate("net", timeout=5, check=False)
    wait_for(lambda: ours in d.log()[mark:], timeout=15, what=f"'{ours}' in xdpsec's log")
    wait_for(lambda: theirs in c.log()[cmark:], timeout=15, what=f"'{theirs}' in charon's log")
    if counted:
        wait_for(lambda: d.js("status")["ike"]["sa_failed"] > before, timeout=10,
                 what="xdpsec counting the failed IKE SA")
    wait_for(d.empty, timeout=10, what="xdpsec without SAs")
    assert all(not s["children"] for s in c.list_sas())


def test_rekey_by_bytes(rig):
    """rekey_bytes: the worker's soft byte limit marks the SAs dying, the
    daemon tells the core, which rekeys; the traffic goes on."""
    t, d, c = rig
    load_both(rig, PROPOSALS[0], a_child_extra="rekey_bytes = 300000\n life_bytes = 100000000")
    d.cli("up", "gw")
    (sa,) = wait_for(d.installed, timeout=15, what="xdpsec's SAs")
    first, uid = sa["child_sas"][0]["spi_in"], sa["child_sas"][0]["uniqueid"]
    limits = {s["dir"]: s["limit"] for s in d.js("state", "list")}
    for lim in limits.values():
        # the core's soft limit, jittered down by up to 10% (ike/lifetime.h)
        # so that both ends do not rekey at once (the draw itself is checked
        # deterministically in tests/unit/test_ike_lifetime.c); the hard one
        # as configured
        assert 270000 <= lim["byte-soft"] <= 300000 and lim["byte-hard"] == 100000000, lim
        # no ESN: rekey 2^22 packets before the 32-bit sequence number wraps
        assert (lim["packet-soft"], lim["packet-hard"]) == (2**32 - 1 - 2**22, 2**32 - 1), lim
    tcp_transfer(t.lanA, t.lanB, t["LANB_IP4"], port=5007, nbytes=500000)
    (sa,) = wait_for(lambda: (s := d.installed()) and s[0]["child_sas"][0]["spi_in"] != first
                     and s, timeout=10, what="a rekey after 300000 bytes")
    assert sa["child_sas"][0]["uniqueid"] > uid and sa["initiator"]
    tcp_transfer(t.lanA, t.lanB, t["LANB_IP4"], port=5008, nbytes=50000)
    d.cli("down", "gw")
    wait_for(d.empty, timeout=10, what="xdpsec without SAs after down")


@pytest.mark.parametrize("we_initiate", [True, False])
def test_ike_sa_rekey_time_listed(rig, we_initiate):
    """list-sas shows when the IKE SA will be rekeyed: rekey_time less up to
    rand_time, from the moment it is established, as initiator and responder."""
    t, d, c = rig
    load_both(rig, PROPOSALS[0], a_conn_extra="rekey_time = 1h\n rand_time = 5m")
    if we_initiate:
        d.cli("up", "gw")
    else:
        c.initiate("net")
    (sa,) = wait_for(d.installed, timeout=15, what="xdpsec's SAs")
    assert 3600 - 300 - 2 <= sa["rekey_time"] <= 3600, sa
    assert f"rekeying in {sa['rekey_time']}s" in d.cli("list-sas").stdout or \
        f"rekeying in {sa['rekey_time'] - 1}s" in d.cli("list-sas").stdout
    d.cli("down", "gw")
    wait_for(d.empty, timeout=10, what="xdpsec without SAs after down")


MANUAL = """sas {
  m-in {
    src = 192.0.2.9
    dst = 192.0.2.1
    proto = esp
    spi = 0x4242
    mode = tunnel
    aead = rfc4106(gcm(aes)) 0x00112233445566778899aabbccddeeff00112233 128
  }
}
policies {
  m-out {
    src = 10.1.9.0/24
    dst = 10.9.9.0/24
    dir = out
    action = block
  }
}
"""


def test_reload_keeps_unchanged_connections(rig):
    """load-conf with the same connection keeps its IKE SA and Child SA
    (same SPIs, traffic flows) while the file's manual SAs and policies
    come and go; a changed connection's SAs are deleted."""
    t, d, c = rig
    load_both(rig, PROPOSALS[0])
    ours = confs(t, PROPOSALS[0])[0]
    d.cli("up", "gw")
    (sa,) = wait_for(d.installed, timeout=15, what="xdpsec's SAs")
    ids = (sa["initiator_spi"], sa["child_sas"][0]["spi_in"], sa["child_sas"][0]["spi_out"])

    def same():
        (s,) = d.installed()
        return (s["initiator_spi"], s["child_sas"][0]["spi_in"],
                s["child_sas"][0]["spi_out"]) == ids
    d.load(MANUAL + ours, t["GWA_WAN_IF"], t["GWA_LAN_IF"])
    assert same() and {s["spi"] for s in d.js("state", "list")} == {
        0x4242, int(ids[1], 16), int(ids[2], 16)}
    assert ("10.1.9.0/24", "10.9.9.0/24") in {(p["src"], p["dst"]) for p in d.js("policy", "list")}
    assert t.lanA.ping(t["LANB_IP4"], count=2)
    d.load(ours, t["GWA_WAN_IF"], t["GWA_LAN_IF"])
    assert same() and len(d.js("state", "list")) == 2 and len(d.protect()) == 2
    assert len(d.js("policy", "list")) == 4  # and the two IKE BYPASS
    assert t.lanA.ping(t["LANB_IP4"], count=2) and c.list_sas()
    d.load(ours.replace("esp_proposals = aes256gcm16", "esp_proposals = aes128gcm16"),
           t["GWA_WAN_IF"], t["GWA_LAN_IF"])
    wait_for(d.empty, timeout=10, what="the changed connection's SAs gone")
    wait_for(lambda: not c.list_sas(), timeout=10, what="charon told")


def test_worker_restart_rekeys(rig):
    """A new attach restarts the worker, which has no keys for the SAs it
    did not see installed: the daemon has the core rekey them, traffic
    comes back."""
    t, d, c = rig
    load_both(rig, PROPOSALS[1])
    d.cli("up", "gw")
    (sa,) = wait_for(d.installed, timeout=15, what="xdpsec's SAs")
    first = sa["child_sas"][0]["spi_in"]
    d.cli("detach")
    d.cli("attach", "--wan", t["GWA_WAN_IF"], "--lan", t["GWA_LAN_IF"])
    wait_for(lambda: (s := d.installed()) and s[0]["child_sas"][0]["spi_in"] != first,
             timeout=15, what="a rekey after the worker restart")
    wait_for(lambda: all(s["keys"] for s in d.js("state", "list")), timeout=10,
             what="only keyed SAs left")
    assert t.lanA.ping(t["LANB_IP4"], count=3) and t.lanB.ping(t["LANA_IP4"], count=3)
    d.cli("down", "gw")
    wait_for(d.empty, timeout=10, what="xdpsec without SAs after down")


def test_ts_ranges_and_protocol(rig):
    """A range on our side and ICMP only: the policies are the range's
    prefixes (both directions, protocol icmp), the inbound SA's selectors
    the same, pings go through the tunnel."""
    t, d, c = rig
    load_both(rig, PROPOSALS[0], a_local_ts="10.1.0.2-10.1.0.5",
              a_remote_ts="10.2.0.0/24[icmp]", b_local_ts="10.2.0.0/24[icmp]",
              b_remote_ts="10.1.0.2-10.1.0.5")
    d.cli("up", "gw")
    (sa,) = wait_for(d.installed, timeout=15, what="xdpsec's SAs")
    (ch,) = sa["child_sas"]
    assert (ch["local_ts"], ch["remote_ts"]) == (["10.1.0.2-10.1.0.5"], ["10.2.0.0/24[1]"])
    assert d.protect() == {("out", "10.1.0.2/31", "10.2.0.0/24"),
                           ("out", "10.1.0.4/31", "10.2.0.0/24"),
                           ("fwd", "10.2.0.0/24", "10.1.0.2/31"),
                           ("fwd", "10.2.0.0/24", "10.1.0.4/31")}
    assert {p["proto"] for p in d.js("policy", "list") if p["action"] == "protect"} == {"icmp"}
    (sa_in,) = [s for s in d.js("state", "list") if s["dir"] == "in"]
    assert sorted((x["src"], x["dst"], x.get("proto")) for x in sa_in["sel"]) == [
        ("10.2.0.0/24", "10.1.0.2/31", "icmp"), ("10.2.0.0/24", "10.1.0.4/31", "icmp")]
    assert t.lanA.ping(t["LANB_IP4"], count=3)
    (ch,) = d.sas()[0]["child_sas"]
    assert ch["packets_out"] >= 3 and ch["packets_in"] >= 3
    d.cli("down", "gw")
    wait_for(d.empty, timeout=10, what="xdpsec without SAs after down")


def test_responder_for_any_peer(rig):
    """remote_addrs = %any on xdpsec (a responder for whoever authenticates):
    charon initiates, the Child SA's outer addresses are the peer's actual
    ones, `up` is refused for lack of a remote address."""
    t, d, c = rig
    load_both(rig, PROPOSALS[3], a_remote="%any")
    r = d.cli("up", "gw", check=False)
    assert r.returncode == 1
    assert r.stderr.strip() == "xdpsec: connection 'gw' has no remote address to initiate to"
    c.initiate("net")
    (sa,) = wait_for(d.installed, timeout=15, what="xdpsec's SAs")
    assert sa["remote_host"] == "192.0.2.2" and not sa["initiator"]
    assert {(s["dir"], s["dst"]) for s in d.js("state", "list")} == {
        ("in", "192.0.2.1"), ("out", "192.0.2.2")}
    assert t.lanB.ping(t["LANA_IP4"], count=2)
    c.terminate("gw")
    wait_for(d.empty, timeout=10, what="xdpsec without SAs after charon's DELETE")


FAILURES = [
    # id, keyword overrides of confs(), what xdpsec logs as initiator / as
    # responder, what charon logs when it initiated (the notify we sent)
    ("wrong-psk", dict(a_secret="not the secret"),
     "IKE_AUTH failed: peer says authentication-failed", "peer's AUTH does not verify",
     "received AUTHENTICATION_FAILED notify error"),
    ("unknown-id", dict(a_remote_id="other.example"),
     "IKE_AUTH failed: peer says authentication-failed",
     "no connection for the peer's identity", "received AUTHENTICATION_FAILED notify error"),
    ("no-proposal", dict(b_proposals="aes128-sha1-modp1024"),
     "peer refused IKE_SA_INIT: no-proposal-chosen",
     "IKE_SA_INIT refused with no-proposal-chosen", "received NO_PROPOSAL_CHOSEN notify error"),
    ("ts-unacceptable", dict(b_remote_ts="10.9.0.0/24"),
     "Child SA net failed: peer refused the Child SA (ts-unacceptable)",
     "no Child SA for the peer: no child matches the peer's selectors (ts-unacceptable)",
     "received TS_UNACCEPTABLE notify"),
]


@pytest.mark.parametrize("overrides,as_init,as_resp,theirs", [f[1:] for f in FAILURES],
                         ids=[f[0] for f in FAILURES])
@pytest.mark.parametrize("initiator", ["xdpsec", "charon"])
def test_failures(rig, initiator, overrides, as_init, as_resp, theirs):
    t, d, c = rig
    load_both(rig, PROPOSALS[0], **overrides)
    mark, cmark = len(d.log()), len(c.log())
    before = d.js("status")["ike"]
    if initiator == "xdpsec":
        d.cli("up", "gw")
    else:
        c.initiate("net", timeout=5, check=False)
    ours = as_init if initiator == "xdpsec" else as_resp
    wait_for(lambda: ours in d.log()[mark:], timeout=15, what=f"'{ours}' in xdpsec's log")
    if initiator == "charon":
        wait_for(lambda: theirs in c.log()[cmark:], timeout=10, what=f"'{theirs}' in charon's log")

    def failures(st):
        return st["sa_failed"] + st["child_failed"] + st["no_proposal"]
    wait_for(lambda: failures(d.js("status")["ike"]) > failures(before), timeout=10,
             what="the failure counted in status")
    # nothing installed on either side
    assert d.js("status")["sas"] == 0 and not d.protect()
    assert all(not s["child_sas"] for s in d.sas())
    assert all(not s["children"] for s in c.list_sas())


def test_behind_nat(tmp_path):
    """xdpsec on gwA behind a masquerading NAT initiates to charon on gwB
    (remote_addrs = %any): both see the NAT, ESP goes in UDP 4500 through
    it, traffic flows both ways."""
    with topology("nat") as t:
        set_lan_mtu(t)
        d = Daemon(t.gwA, "a", tmp_path)
        c = Charon(t.gwB, tmp_path / "charon")
        try:
            d.run()
            c.start()
            ours, theirs = confs(t, PROPOSALS[0], a_local=t["GWA_WAN_IP4"],
                                 a_remote=t["GWB_WAN_IP4"], b_local=t["GWB_WAN_IP4"],
                                 b_remote="%any")
            c.load(theirs)
            d.load(ours, t["GWA_WAN_IF"], t["GWA_LAN_IF"])
            d.cli("up", "gw")
            (sa,) = wait_for(d.installed, timeout=15, what="xdpsec's SAs")
            assert sa["nat_local"] and sa["remote_port"] == 4500
            (ch,) = sa["child_sas"]
            assert ch["encap"]
            encap = {s["dir"]: s["encap"] for s in d.js("state", "list")}
            assert encap["out"]["dport"] == 4500 and encap["in"]["sport"] == 4500
            assert t.lanA.ping(t["LANB_IP4"], count=3) and t.lanB.ping(t["LANA_IP4"], count=3)
            tcp_transfer(t.lanA, t.lanB, t["LANB_IP4"], port=5009, nbytes=100000)
            assert c.list_sas()[0]["children"][0]["state"] == "INSTALLED"
        finally:
            d.stop()
            c.stop()


JUNK_SENDER = """
import os, socket, sys
dst = sys.argv[1]
for port in (500, 4500):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 40000 + port))
    for n in range(200):
        body = os.urandom(n * 7 % 600)
        if port == 4500 and n % 3 == 0:
            body = bytes(4) + body          # with the non-ESP marker
        if port == 4500 and n % 7 == 0:
            body = bytes([0xff])            # a NAT keepalive
        s.sendto(body, (dst, port))
"""


def test_junk_datagrams(rig):
    """Random datagrams (some with the non-ESP marker, keepalives) to UDP
    500 and 4500: counted as dropped by the core, the daemon keeps working."""
    t, d, c = rig
    load_both(rig, PROPOSALS[0])
    before = sum(d.js("status")["ike"]["drops"].values())
    t.gwB.python(JUNK_SENDER, "192.0.2.1")
    wait_for(lambda: sum(d.js("status")["ike"]["drops"].values()) - before >= 100,
             timeout=10, what="the junk counted as IKE drops")
    d.cli("up", "gw")
    wait_for(d.installed, timeout=15, what="xdpsec's SAs after the junk")
    assert t.lanA.ping(t["LANB_IP4"], count=2)
    d.cli("down", "gw")
    wait_for(d.empty, timeout=10, what="xdpsec without SAs after down")


STRAY_REQUEST = """
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 0))
s.settimeout(10)
# an INFORMATIONAL request (initiator flag) for SPIs nobody has
hdr = bytes.fromhex("1122334455667788" "99aabbccddeeff00") + bytes([0, 0x20, 37, 0x08])
s.sendto(hdr + struct.pack("!II", 0, 28), (sys.argv[1], 500))
print(s.recv(2048).hex())
"""


def test_invalid_ike_spi_answered(rig):
    """A request for unknown IKE SPIs gets an unencrypted INVALID_IKE_SPI
    notify (RFC 7296 2.21.4) back to where it came from, SPIs and message
    ID copied, response flag set; counted in status."""
    t, d, c = rig
    load_both(rig, PROPOSALS[0])
    before = d.js("status")["ike"]["invalid_spi_sent"]
    ans = bytes.fromhex(t.gwB.python(STRAY_REQUEST, "192.0.2.1").stdout.strip())
    assert ans[:16] == bytes.fromhex("112233445566778899aabbccddeeff00")
    assert ans[18] == 37 and ans[19] & 0x20 and not ans[19] & 0x08, ans.hex()
    assert ans[20:24] == bytes(4) and ans[16] == 41          # first payload: Notify
    assert int.from_bytes(ans[28 + 6:28 + 8], "big") == 4    # INVALID_IKE_SPI
    assert d.js("status")["ike"]["invalid_spi_sent"] == before + 1


# ---- xdpsec against xdpsec ------------------------------------------------

def pair_conf(name, me, peer, my_id, peer_id, lts, rts, mode="tunnel",
              esp="aes256gcm16-esn", prop="aes256gcm16-prfsha384-x25519"):
    return swanctl_conf(name, me, peer, prop, esp, lts, rts, my_id, peer_id, secret=PSK,
                        mode=mode)


def test_xdpsec_pair_tunnel_esn_ipv6(tmp_path):
    """Both gateways xdpsec, IPv6 outer, IPv4 and IPv6 LANs, ESN."""
    with topology("gw2gw") as t:
        a, b = Daemon(t.gwA, "a", tmp_path), Daemon(t.gwB, "b", tmp_path)
        try:
            a.run()
            b.run()
            lts_a, lts_b = "10.1.0.0/24, fd00:1::/64", "10.2.0.0/24, fd00:2::/64"
            b.load(pair_conf("gw", t["GWB_WAN_IP6"], t["GWA_WAN_IP6"], B_ID, A_ID,
                             lts_b, lts_a), t["GWB_WAN_IF"], t["GWB_LAN_IF"])
            a.load(pair_conf("gw", t["GWA_WAN_IP6"], t["GWB_WAN_IP6"], A_ID, B_ID,
                             lts_a, lts_b), t["GWA_WAN_IF"], t["GWA_LAN_IF"])
            a.cli("up", "gw")
            (sa,) = wait_for(a.installed, timeout=15, what="the IKE SA")
            (ch,) = sa["child_sas"]
            assert (ch["esn"], ch["encap"], ch["mode"]) == (True, False, "TUNNEL")
            assert sorted(ch["local_ts"]) == ["10.1.0.0/24", "fd00:1::/64"]
            (bsa,) = wait_for(b.installed, timeout=5, what="the peer's IKE SA")
            assert (bsa["child_sas"][0]["spi_in"], bsa["child_sas"][0]["spi_out"]) == (
                ch["spi_out"], ch["spi_in"])
            assert sa["local_host"] == t["GWA_WAN_IP6"] and not bsa["initiator"]
            for fam in ("IP4", "IP6"):
                assert t.lanA.ping(t[f"LANB_{fam}"], count=2)
                assert t.lanB.ping(t[f"LANA_{fam}"], count=2)
            tcp_transfer(t.lanA, t.lanB, t["LANB_IP6"], port=5003, nbytes=100000)
            states = a.js("state", "list")
            flags = {s["spi"]: s["flags"] for s in states}
            assert flags == {int(ch["spi_in"], 16): ["esn"], int(ch["spi_out"], 16): ["esn"]}
            # ESN: no packet limit guards a 32-bit sequence number
            assert {(s["limit"]["packet-soft"], s["limit"]["packet-hard"])
                    for s in states} == {(0, 0)}
            b.cli("down", "gw")
            wait_for(a.empty, timeout=10, what="no SAs after the peer's DELETE")
            wait_for(b.empty, timeout=10, what="no SAs after down")
        finally:
            a.stop()
            b.stop()


def test_xdpsec_pair_transport(tmp_path):
    """h2h hosts, transport mode, the hosts' own traffic (dynamic TS)."""
    with topology("h2h") as t:
        a, b = Daemon(t.hostA, "a", tmp_path), Daemon(t.hostB, "b", tmp_path)
        try:
            a.run()
            b.run()
            b.load(pair_conf("h", t["HOSTB_IP4"], t["HOSTA_IP4"], B_ID, A_ID, "dynamic",
                             "dynamic", mode="transport", esp="chacha20poly1305"),
                   t["HOSTB_IF"])
            a.load(pair_conf("h", t["HOSTA_IP4"], t["HOSTB_IP4"], A_ID, B_ID, "dynamic",
                             "dynamic", mode="transport", esp="chacha20poly1305"),
                   t["HOSTA_IF"])
            a.cli("up", "h")
            (sa,) = wait_for(a.installed, timeout=15, what="the IKE SA")
            (ch,) = sa["child_sas"]
            assert ch["mode"] == "TRANSPORT" and ch["local_ts"] == [t["HOSTA_IP4"] + "/32"]
            wait_for(b.installed, timeout=5, what="the peer's IKE SA")
            assert t.hostA.ping(t["HOSTB_IP4"], count=3)
            tcp_transfer(t.hostA, t.hostB, t["HOSTB_IP4"], port=5004, nbytes=100000)
            (ch,) = a.sas()[0]["child_sas"]
            assert ch["packets_out"] > 50 and ch["packets_in"] > 10, ch
            a.cli("down", "h")
            wait_for(b.empty, timeout=10, what="no SAs after the peer's DELETE")
        finally:
            a.stop()
            b.stop()


def test_xdpsec_pair_ah_tunnel(tmp_path):
    """Both gateways xdpsec, an AH Child SA (HMAC-SHA-256-128, tunnel mode;
    charon's kernel-libipsec has no AH): the SAD holds AH SAs, the WAN
    carries IP/AH/IP with our SPIs, a 16-byte ICV and the LAN packet in
    clear, and pings go through both ways."""
    from scapy.layers.inet import ICMP, IP
    from scapy.layers.ipsec import AH

    def ah_conf(*args):
        conf = pair_conf(*args, esp="x")
        return conf.replace("esp_proposals = x", "ah_proposals = sha256")

    with topology("gw2gw") as t, wan_tap(t, "GWA_WAN", "GWB_WAN"):
        a, b = Daemon(t.gwA, "a", tmp_path), Daemon(t.gwB, "b", tmp_path)
        try:
            a.run()
            b.run()
            b.load(ah_conf("gw", "192.0.2.2", "192.0.2.1", B_ID, A_ID, "10.2.0.0/24",
                           "10.1.0.0/24"), t["GWB_WAN_IF"], t["GWB_LAN_IF"])
            a.load(ah_conf("gw", "192.0.2.1", "192.0.2.2", A_ID, B_ID, "10.1.0.0/24",
                           "10.2.0.0/24"), t["GWA_WAN_IF"], t["GWA_LAN_IF"])
            a.cli("up", "gw")
            (sa,) = wait_for(a.installed, timeout=15, what="the IKE SA")
            (ch,) = sa["child_sas"]
            assert (ch["protocol"], ch["mode"], ch["encap"]) == ("AH", "TUNNEL", False), ch
            assert {s["proto"] for s in a.js("state", "list")} == {"ah"}
            # the worker drops (counts no-neighbour) a packet for a LAN host
            # it has no neighbour entry for yet: resolve them first
            assert t.lanA.ping(t["LANB_IP4"], count=2) and t.lanB.ping(t["LANA_IP4"], count=2)
            with t.wan.capture(t["WAN_TAP_IF"], "ip proto 51") as wire:
                assert t.lanA.ping(t["LANB_IP4"], count=3)
                assert t.lanB.ping(t["LANA_IP4"], count=3)
            pkts = [p for p in wire.stop() if AH in p]
            spis = {int(ch["spi_out"], 16), int(ch["spi_in"], 16)}
            assert len(pkts) == 12 and {p[AH].spi for p in pkts} == spis
            for p in pkts:
                assert len(p[AH].icv) == 16 and p[AH].nh == 4, p.summary()
                inner = IP(bytes(p[AH].payload))
                assert ICMP in inner and {inner.src, inner.dst} == {
                    t["LANA_IP4"], t["LANB_IP4"]}, inner.summary()
            (ch,) = a.sas()[0]["child_sas"]
            assert ch["packets_out"] >= 8 and ch["packets_in"] >= 8, ch
            a.cli("down", "gw")
            wait_for(b.empty, timeout=10, what="no SAs after the peer's DELETE")
        finally:
            a.stop()
            b.stop()


def without_ts(conf):
    """swanctl's defaults: no local_ts/remote_ts lines (both `dynamic`)."""
    lines = [ln for ln in conf.splitlines(True)
             if not ln.strip().startswith(("local_ts", "remote_ts"))]
    return "".join(lines)


def test_xdpsec_pair_default_ts_any_addresses(tmp_path):
    """h2h, transport mode, no traffic selectors configured (dynamic: the IKE
    SA's own addresses); the responder has local_addrs and remote_addrs
    %any, so its selectors are only known once the IKE SA is."""
    with topology("h2h") as t:
        a, b = Daemon(t.hostA, "a", tmp_path), Daemon(t.hostB, "b", tmp_path)
        try:
            a.run()
            b.run()
            b.load(without_ts(pair_conf("h", "%any", "%any", B_ID, A_ID, "x", "x",
                                        mode="transport")), t["HOSTB_IF"])
            a.load(without_ts(pair_conf("h", t["HOSTA_IP4"], t["HOSTB_IP4"], A_ID, B_ID,
                                        "x", "x", mode="transport")), t["HOSTA_IF"])
            a.cli("up", "h")
            (sa,) = wait_for(a.installed, timeout=15, what="the IKE SA")
            (ch,) = sa["child_sas"]
            host_a, host_b = t["HOSTA_IP4"] + "/32", t["HOSTB_IP4"] + "/32"
            assert (ch["mode"], ch["local_ts"], ch["remote_ts"]) == (
                "TRANSPORT", [host_a], [host_b]), ch
            (bsa,) = wait_for(b.installed, timeout=5, what="the peer's IKE SA")
            (bch,) = bsa["child_sas"]
            assert (bch["local_ts"], bch["remote_ts"]) == ([host_b], [host_a]), bch
            assert b.protect() == {("out", host_b, host_a), ("in", host_a, host_b)}
            assert t.hostA.ping(t["HOSTB_IP4"], count=3)
            (bch,) = b.sas()[0]["child_sas"]
            assert bch["packets_in"] >= 3 and bch["packets_out"] >= 3, bch
            a.cli("down", "h")
            wait_for(b.empty, timeout=10, what="no SAs after the peer's DELETE")
        finally:
            a.stop()
            b.stop()


def test_up_down_errors(rig):
    t, d, c = rig
    load_both(rig, PROPOSALS[0])
    r = d.cli("up", "nosuch", check=False)
    assert r.returncode == 1 and r.stderr.strip() == "xdpsec: no connection 'nosuch'"
    r = d.cli("up", "gw", "nochild", check=False)
    assert r.returncode == 1 and "nochild" in r.stderr
    r = d.cli("up", check=False)
    assert r.returncode == 2 and r.stderr.strip() == "xdpsec: up: want CONN [CHILD]"
    assert d.sas() == []


def test_trap_starts_on_traffic(rig):
    """start_action = trap: PROTECT policies without SAs at load, the
    first packet's acquire starts IKE, traffic then flows; after a DELETE
    the trap policies stay."""
    t, d, c = rig
    load_both(rig, PROPOSALS[1], a_start_action="trap")
    assert d.protect() == {("out", "10.1.0.0/24", "10.2.0.0/24"),
                           ("fwd", "10.2.0.0/24", "10.1.0.0/24")}
    assert not d.sas() and d.js("status")["sas"] == 0
    acquires = d.js("status")["acquires"]
    t.lanA.ping(t["LANB_IP4"], count=1, wait=1)
    wait_for(d.installed, timeout=15, what="the SAs the acquire started")
    assert d.js("status")["acquires"] > acquires
    (sa,) = d.sas()
    assert sa["initiator"] and sa["child_sas"][0]["reqid"] == 0xF000
    assert t.lanA.ping(t["LANB_IP4"], count=3)
    c.terminate("gw")
    wait_for(lambda: not d.sas() and d.js("status")["sas"] == 0, timeout=10,
             what="the SAs gone after charon's DELETE")
    assert len(d.protect()) == 2


REKEYS = [
    # id, overrides: who rekeys what after about 3 s
    ("child-by-xdpsec", dict(a_child_extra="rekey_time = 3s\n life_time = 8s\n rand_time = 0s")),
    ("child-by-charon", dict(b_child_extra="rekey_time = 3s\n life_time = 8s\n rand_time = 0s")),
    ("ike-by-xdpsec", dict(a_conn_extra="rekey_time = 3s\n rand_time = 0s")),
]


@pytest.mark.parametrize("overrides", [r[1] for r in REKEYS], ids=[r[0] for r in REKEYS])
def test_rekey_under_traffic(rig, overrides):
    """Numbered UDP datagrams both ways across a rekey: every one arrives,
    the Child SA (or the IKE SA) is new afterwards, the old pair is gone
    from the SAD and the two policies stayed."""
    t, d, c = rig
    count, rate = 1600, 200.0
    load_both(rig, PROPOSALS[0], **overrides)
    d.cli("up", "gw")
    (sa,) = wait_for(d.installed, timeout=15, what="the SAs")
    first = (sa["initiator_spi"], sa["child_sas"][0]["spi_in"], sa["child_sas"][0]["spi_out"])
    # neighbours resolved on every hop first: what is measured is the rekey
    assert t.lanA.ping(t["LANB_IP4"], count=1) and t.lanB.ping(t["LANA_IP4"], count=1)
    rx_b = UdpReceiver(t.lanB, t["LANB_IP4"], 7001, count)
    rx_a = UdpReceiver(t.lanA, t["LANA_IP4"], 7002, count)
    try:
        tx_a = udp_send(t.lanA, t["LANB_IP4"], 7001, count, rate=rate, wait=False)
        tx_b = udp_send(t.lanB, t["LANA_IP4"], 7002, count, rate=rate, wait=False)
        assert tx_a.wait(timeout=60) == 0 and tx_b.wait(timeout=60) == 0
        got_b, got_a = rx_b.result(), rx_a.result()
    finally:
        rx_b.close()
        rx_a.close()
    for got in (got_b, got_a):
        missing = sorted(set(range(count)) - set(got))
        assert not missing, f"lost {len(missing)}: {missing[:20]}\n" + d.log()[-3000:]
    ike_rekey = "ike" in REKEYS[[r[1] for r in REKEYS].index(overrides)][0]

    def settled():
        """Both sides agree on one installed Child SA pair, the only outbound
        SA in the SAD; other SAs there are earlier pairs' inbound ones, kept
        a few seconds for packets still on the way (ike_install.c
        RETIRED_IN_MS). charon lists deleted ones a while; child rekeys go
        on every 3 s: read until a quiet moment."""
        sas, theirs = d.installed(), c.list_sas()
        kids = [k for s in theirs for k in s["children"] if k["state"] == "INSTALLED"]
        if not sas or len(theirs) != 1 or len(kids) != 1:
            return None
        ch, cch = sas[0]["child_sas"][0], kids[0]
        sad = d.js("state", "list")
        out = {s["spi"] for s in sad if s["dir"] == "out"}
        ins = {s["spi"] for s in sad if s["dir"] == "in"}
        ok = (cch.get("spi_in"), cch.get("spi_out")) == (ch["spi_out"], ch["spi_in"]) and \
            out == {int(ch["spi_out"], 16)} and int(ch["spi_in"], 16) in ins and \
            len(ins) <= 3
        return (sas[0]["initiator_spi"], ch["spi_in"], ch["spi_out"]) if ok else None
    now = wait_for(settled, timeout=10, interval=0.05, what="both sides on one Child SA")
    if ike_rekey:
        assert now[0] != first[0] and now[1:] == first[1:]
    else:
        assert now[0] == first[0] and now[1] != first[1] and now[2] != first[2]
    assert len(d.protect()) == 2
    d.cli("down", "gw")
    wait_for(d.empty, timeout=10, what="xdpsec without SAs after down")


def test_dpd_clears_a_dead_peer(rig):
    """dpd_delay = 1s: charon killed, xdpsec's liveness checks go
    unanswered, the IKE SA and its Child SA leave the maps (dpd_action =
    clear). charon is started again afterwards."""
    t, d, c = rig
    load_both(rig, PROPOSALS[1], a_conn_extra="dpd_delay = 1s")
    d.cli("up", "gw")
    wait_for(d.installed, timeout=15, what="xdpsec's SAs")
    mark = len(d.log())
    c.proc.kill()
    c.proc.wait()
    wait_for(d.empty, timeout=40, interval=0.2, what="the dead peer's SAs cleared")
    assert "peer did not answer" in d.log()[mark:]
    c.start()
