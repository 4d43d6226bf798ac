"""Helpers of tests/test_kernel_backend.py: the kernel's reqid range of an
instance, an independent decoder of xfrm_user's policy dump, the XFRM codec
tool, and the guest test bed (lanH - gwH with xdpsec afxdp - bridge - the
QEMU guest with xdpsec backend kernel) with SA pairs and traffic helpers.
"""
import hashlib
import ipaddress
import json
import os
import re
import secrets
import shutil
import socket
import struct
import subprocess
import tempfile

import pytest

from guest_topology import build_guest_topology, remove_guest_topology
from netns import PYTHON, Netns, Xdpsec, wait_for
from test_dataplane_common import TCP_CLIENT, TCP_SERVER, alg, key

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
XDPSEC = os.path.join(ROOT, "build", "xdpsec")
TOOL = os.path.join(ROOT, "build", "tests", "kernel", "xfrm_tool")
RUN_DIR = "/run/xdpsec"
NO_ESP = ("xdpsec: kernel backend: this kernel has no ESP (esp4/esp6 or xfrm_user "
          "missing): use backend afxdp")
KREQID_BASE = 0x58000000


def kreqid_lo(instance):
    """The instance's kernel reqid range (backend_kernel.c instance_tag)."""
    h = 2166136261
    for c in instance.encode():
        h = ((h ^ c) * 16777619) & 0xffffffff
    tag = (h ^ h >> 8 ^ h >> 16 ^ h >> 24) & 0xff
    return KREQID_BASE | tag << 16



# --- xfrm_user structures (linux/xfrm.h), decoded independently -----------

XFRM_MSG_GETPOLICY, XFRM_MSG_NEWPOLICY, XFRMA_TMPL = 0x15, 0x13, 5
NLM_F_REQUEST, NLM_F_DUMP, NLMSG_DONE, NLMSG_ERROR = 1, 0x300, 3, 2
SEL = struct.Struct("=16s16sHHHHHBBBxxxiI")       # xfrm_selector, 56 bytes
LFT_CFG = struct.Struct("=8Q")
LFT_CUR = struct.Struct("=4Q")
POL_TAIL = struct.Struct("=IIBBBBxxxx")           # priority index dir action flags share
TMPL = struct.Struct("=16sI B3x H2x 16s I BBB x III")   # xfrm_user_tmpl, 64 bytes


def nl_dump_policies(nsname):
    """Every XFRM policy of namespace nsname, decoded from the raw dump."""
    code = r'''
import socket, struct, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 6)   # NETLINK_XFRM
body = bytes(168)                                          # xfrm_userpolicy_info
s.send(struct.pack("=IHHII", 16 + len(body), 0x15, 0x301, 1, 0) + body)
out, done = b"", False
while not done:
    d = s.recv(1 << 20)
    out += d
    off = 0
    while off + 16 <= len(d):
        n, t = struct.unpack_from("=IH", d, off)
        done |= t in (2, 3)
        off += (n + 3) & ~3 if n >= 16 else len(d)
sys.stdout.write(out.hex())
'''
    raw = bytes.fromhex(subprocess.run(["ip", "netns", "exec", nsname, PYTHON, "-c", code],
                                       capture_output=True, text=True, check=True).stdout)
    pols, off = [], 0
    while off + 16 <= len(raw):
        length, typ = struct.unpack_from("=IH", raw, off)
        if typ == XFRM_MSG_NEWPOLICY:
            pols.append(decode_policy(raw[off + 16:off + length]))
        if typ in (NLMSG_DONE, NLMSG_ERROR) or length < 16:
            break
        off += (length + 3) & ~3
    return pols


def decode_policy(b):
    fields = SEL.unpack_from(b, 0)
    daddr, saddr, dport, dmask, sport, smask, fam, plen_d, plen_s, proto = fields[:10]
    n = 4 if fam == socket.AF_INET else 16
    lft = LFT_CFG.unpack_from(b, SEL.size)
    prio, index, dirn, action, _, share = POL_TAIL.unpack_from(
        b, SEL.size + LFT_CFG.size + LFT_CUR.size)
    p = dict(family=fam, src=str(ipaddress.ip_address(saddr[:n])), src_len=plen_s,
             dst=str(ipaddress.ip_address(daddr[:n])), dst_len=plen_d, proto=proto,
             sport=socket.ntohs(sport), sport_mask=socket.ntohs(smask),
             dport=socket.ntohs(dport), dport_mask=socket.ntohs(dmask),
             priority=prio, dir=dirn, action=action, lft=lft, tmpls=[])
    off = (SEL.size + LFT_CFG.size + LFT_CUR.size + POL_TAIL.size + 3) & ~3
    while off + 4 <= len(b):
        alen, atype = struct.unpack_from("=HH", b, off)
        if alen < 4:
            break
        if atype & 0x3fff == XFRMA_TMPL:
            for t in range(off + 4, off + alen - TMPL.size + 1, TMPL.size):
                (tdaddr, spi, tproto, tfam, tsaddr, reqid, mode, _share, optional,
                 aalgos, ealgos, calgos) = TMPL.unpack_from(b, t)
                m = 4 if tfam == socket.AF_INET else 16
                p["tmpls"].append(dict(
                    family=tfam, dst=str(ipaddress.ip_address(tdaddr[:m])),
                    src=str(ipaddress.ip_address(tsaddr[:m])), spi=socket.ntohl(spi),
                    proto=tproto, reqid=reqid, mode=mode, optional=optional,
                    algos=(aalgos, ealgos, calgos)))
        off += (alen + 3) & ~3
    return p


def tool(nsname, *args, check=True):
    r = subprocess.run(["ip", "netns", "exec", nsname, TOOL, *map(str, args)],
                       capture_output=True, text=True)
    if check and r.returncode:
        raise AssertionError(f"xfrm_tool {args[:2]}: {r.stderr}")
    return r


# --- the guest: topology --------------------------------------------------

ADDR = {
    "IP4": dict(lan="10.1.0.2", gwlan="10.1.0.1", gw="192.0.2.1", guest="192.0.2.2",
                inner="10.2.0.2", lan_net="10.1.0.0/24", plen="24", host="32"),
    "IP6": dict(lan="fd00:1::2", gwlan="fd00:1::1", gw="2001:db8::1", guest="2001:db8::2",
                inner="fd00:2::2", lan_net="fd00:1::/64", plen="64", host="128"),
}


class Bed:
    """lanH - gwH (xdpsec, afxdp) - brH (bridge) - tap - the guest (xdpsec,
    backend kernel; its inner addresses on lo, behind its own tunnel end).
    The guest runs copies of build/xdpsec and xfrm_tool made before it booted
    (its 9p view of the host caches lookups, and others rebuild build/)."""

    def __init__(self):
        from guest.guest import Guest
        self.prefix = "kb" + secrets.token_hex(3)
        self.lan, self.gw, self.br = (Netns(f"{self.prefix}-{n}") for n in ("lan", "gw", "br"))
        self.bins = tempfile.mkdtemp(prefix="xdpsec-kb-", dir="/var/tmp")
        for b in (XDPSEC, TOOL):
            shutil.copy2(b, self.bins)
        self.guest = Guest(self.br.name)
        self.h = Xdpsec(self.gw, "h")
        self.spi = 0x20000

    def build(self):
        p = self.prefix
        build_guest_topology(p, self.lan, self.gw, self.br, self.guest, ADDR,
                             lambda a: f"{a['inner']}/{a['host']}")
        self.h.start(p + "gw", p + "gl")
        self.gstart()

    def close(self):
        try:
            self.h.stop()
        finally:
            try:
                remove_guest_topology(self.lan, self.gw, self.br, self.guest)
            finally:
                shutil.rmtree(self.bins, ignore_errors=True)

    def g(self, *args, check=True):
        """The guest's xdpsec (instance g)."""
        return self.guest.run([os.path.join(self.bins, "xdpsec"), "-i", "g", *args],
                              check=check, timeout=60)

    def gjs(self, *args):
        return json.loads(self.g("--json", *args).stdout)

    def gstart(self):
        self.g("daemon", "--backend", "kernel")
        self.g("attach", "--wan", "eth0")

    def xfrm(self):
        """The guest's XFRM: (states text, policies text)."""
        r = self.guest.run("ip -s xfrm state; echo ===; ip xfrm policy")
        return tuple(r.stdout.split("===\n"))

    def next_spis(self):
        self.spi += 0x10
        return self.spi, self.spi + 1


@pytest.fixture(scope="module")
def bed():
    b = Bed()
    try:
        b.build()
        yield b
    finally:
        b.close()


def xfrm_sa_block(states, spi):
    """SA spi's lines in `ip -s xfrm state` text."""
    block = re.search(r"^src [^\n]*\n\tproto \w+ spi 0x%08x\(.*?(?=^src |\Z)" % spi,
                      states, re.S | re.M)
    assert block, f"spi 0x{spi:x} not in XFRM:\n{states}"
    return block.group(0)


def xfrm_sa_counters(states, spi):
    """(bytes, packets) of SA spi in `ip -s xfrm state` text."""
    m = re.search(r"lifetime current:\s+(\d+)\(bytes\), (\d+)\(packets\)",
                  xfrm_sa_block(states, spi))
    return int(m.group(1)), int(m.group(2))


SA_KEYS = {"src", "dst", "proto", "spi", "mode", "aead", "enc", "auth", "auth-trunc", "reqid",
           "replay-window", "flag", "encap", "backend", "dir", "tmpl"}


def conf_lines(words):
    """`state add` / `policy add` words (after the subcommand) as the lines
    of a configuration file item: `key = value...` (tmpl takes the rest)."""
    lines, i = [], 0
    while i < len(words):
        j = len(words) if words[i] == "tmpl" else i + 1
        while j < len(words) and words[j] not in SA_KEYS:
            j += 1
        lines.append(f"{words[i]} = " + " ".join(repr(w) if "(" in w or not w else w
                                                for w in words[i + 1:j]))
        i = j
    return lines


class Pair:
    """One SA each way between gwH (afxdp) and the guest (kernel): hg is
    gwH -> guest (reqid 1), gh the way back (reqid 2). g_extra: words added
    to the guest's SAs (e.g. a per-SA backend)."""

    def __init__(self, bed, alg_name, mode, fam, esn=False, encap=False, g_extra=()):
        self.b, self.alg_name, self.mode, self.fam = bed, alg_name, mode, fam
        self.esn, self.encap, self.g_extra = esn, encap, list(g_extra)
        self.a = ADDR[fam]
        self.proto = alg(alg_name, 1)[0]
        self.hg, self.gh = bed.next_spis()

    def words(self, spi, src, dst, reqid, inbound):
        _, algw, _ = alg(self.alg_name, spi)
        w = ["state", "add", "src", src, "dst", dst, "proto", self.proto, "spi", hex(spi),
             "mode", self.mode, *algw, "reqid", str(reqid)]
        w += ["replay-window", "64"] if inbound else []
        w += ["flag", "esn"] if self.esn else []
        w += ["encap", "espinudp", "4500", "4500", "0.0.0.0"] if self.encap else []
        return w

    def guest_sas(self, hg, gh):
        gw, guest = self.a["gw"], self.a["guest"]
        return (self.words(hg, gw, guest, 1, True) + self.g_extra,
                self.words(gh, guest, gw, 2, False) + self.g_extra)

    def add(self, hg=None, gh=None, guest=True):
        """Inbound SAs first on both sides, then outbound (a rekey's order);
        guest False: gwH's only."""
        hg, gh = hg or self.hg, gh or self.gh
        gw, g_in, g_out, b = self.a["gw"], *self.guest_sas(hg, gh), self.b
        if guest:
            b.g(*g_in)
        b.h.cli(*self.words(gh, self.a["guest"], gw, 2, True))
        b.h.cli(*self.words(hg, gw, self.a["guest"], 1, False))
        if guest:
            b.g(*g_out)
        self.hg, self.gh = hg, gh

    def delete(self, hg, gh):
        gw, guest, b = self.a["gw"], self.a["guest"], self.b
        b.h.cli("state", "delete", "dst", guest, "proto", self.proto, "spi", hex(hg))
        b.g("state", "delete", "dst", gw, "proto", self.proto, "spi", hex(gh))
        b.h.cli("state", "delete", "dst", gw, "proto", self.proto, "spi", hex(gh))
        b.g("state", "delete", "dst", guest, "proto", self.proto, "spi", hex(hg))

    def sels(self):
        """(gwH's side, the guest's side) of the protected traffic."""
        a = self.a
        if self.mode == "tunnel":
            return a["lan_net"], f"{a['inner']}/{a['host']}"
        return f"{a['gw']}/{a['host']}", f"{a['guest']}/{a['host']}"

    def policies(self):
        """(gwH's, the guest's) policies as `policy add` words."""
        a = self.a
        h_sel, g_sel = self.sels()
        tm = ["proto", self.proto, "mode", self.mode]
        t_hg = (["src", a["gw"], "dst", a["guest"]] if self.mode == "tunnel" else []) + tm
        t_gh = (["src", a["guest"], "dst", a["gw"]] if self.mode == "tunnel" else []) + tm
        h_in = "fwd" if self.mode == "tunnel" else "in"
        return ([["src", h_sel, "dst", g_sel, "dir", "out", "tmpl", *t_hg, "reqid", "1"],
                 ["src", g_sel, "dst", h_sel, "dir", h_in, "tmpl", *t_gh, "reqid", "2"]],
                [["src", g_sel, "dst", h_sel, "dir", "out", "tmpl", *t_gh, "reqid", "2"],
                 ["src", h_sel, "dst", g_sel, "dir", "in", "tmpl", *t_hg, "reqid", "1"]])

    def protect(self, guest=True):
        h_pols, g_pols = self.policies()
        for w in h_pols:
            self.b.h.cli("policy", "add", *w)
        for w in g_pols if guest else ():
            self.b.g("policy", "add", *w)

    def guest_conf(self, top):
        """The guest's side as a configuration file, top lines first."""
        out = [*top, "interfaces {", "    wan = eth0", "}", "sas {"]
        for i, w in enumerate(self.guest_sas(self.hg, self.gh)):
            out += [f"    sa{i} {{", *("        " + x for x in conf_lines(w[2:])), "    }"]
        out += ["}", "policies {"]
        for i, w in enumerate(self.policies()[1]):
            out += [f"    p{i} {{", *("        " + x for x in conf_lines(w)), "    }"]
        return "\n".join(out + ["}", ""])

    def ends(self):
        """(host namespace, its address, the guest's address) of the traffic."""
        a = self.a
        if self.mode == "tunnel":
            return self.b.lan, a["lan"], a["inner"]
        return self.b.gw, a["gw"], a["guest"]

    def flush(self):
        for cli in (self.b.h.cli, self.b.g):
            cli("policy", "flush")
            cli("state", "flush")


def guest_ping(bed, addr, count=3):
    r = bed.guest.run(["ping", "-n", "-q", "-c", str(count), "-i", "0.05", "-W", "3", "-s",
                       "200", addr], check=False, timeout=60)
    assert f"{count} received" in r.stdout, f"ping {addr} from the guest: {r.stdout}{r.stderr}"


def tcp_to_guest(bed, client, addr, port, nbytes=30000):
    unit = key(port, 9, 1000)
    srv = bed.guest.run_async([PYTHON, "-c", TCP_SERVER, addr, str(port)], timeout=60)
    wait_for(lambda: f":{port}" in bed.guest.run(["ss", "-Htln"]).stdout, timeout=20,
             what="the guest's TCP server")
    r = client.run([PYTHON, "-c", TCP_CLIENT, addr, str(port), unit.hex(),
                    str(nbytes // 1000)], check=False, timeout=60)
    want = _digest(unit, nbytes)
    srv.result(90)
    assert r.stdout == want, f"TCP to the guest {addr}: {r.stdout!r} {r.stderr}"


def tcp_from_guest(bed, server, addr, port, nbytes=30000):
    unit = key(port, 9, 1000)
    srv = server.popen([PYTHON, "-c", TCP_SERVER, addr, str(port)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: f":{port}" in server.run(["ss", "-Htln"]).stdout, timeout=20,
                 what="the host's TCP server")
        r = bed.guest.run([PYTHON, "-c", TCP_CLIENT, addr, str(port), unit.hex(),
                           str(nbytes // 1000)], check=False, timeout=60)
        assert r.stdout == _digest(unit, nbytes), f"TCP from the guest: {r.stdout!r} {r.stderr}"
    finally:
        srv.kill()
        srv.communicate()


def _digest(unit, nbytes):
    n = nbytes // 1000
    return (hashlib.sha256(unit * n).digest() + (n * 1000).to_bytes(8, "big")).hex()


def warm_up(pair):
    ns, _, gaddr = pair.ends()
    wait_for(lambda: ns.ping(gaddr, wait=2), timeout=40, interval=0.5,
             what=f"ping {gaddr} from {ns.name}")



def xfrm_stat(bed):
    text = bed.guest.run(["cat", "/proc/net/xfrm_stat"]).stdout
    return {k: int(v) for k, v in (line.split() for line in text.splitlines())}
