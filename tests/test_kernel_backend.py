"""The kernel backend (loader/backend_kernel.c, loader/xfrm_nl.c).

On this host (its kernel has no ESP):
  - the capability probe's one-line refusal, for `daemon --backend kernel`,
    a configuration file's `backend = kernel` and a per-SA `backend kernel`,
    with nothing left behind (no daemon, no pins, nothing in XFRM);
  - the netlink encoding of policies, read back from the kernel with an
    independent decoder of xfrm_user's structures (struct module, from
    linux/xfrm.h) and with ip(8); port ranges XFRM cannot express refused;
  - the reqid-range purge: only this instance's policies go, at start too.

In a QEMU guest with Debian's 6.1 kernel (tests/guest/):
  - every transform as XFRM_MSG_NEWSA, read back with `ip -s xfrm state`
    (algorithm, key, ICV/truncation, ESN and window, encapsulation, flags);
  - xdpsec with `backend kernel` in the guest against xdpsec with `afxdp` on
    the host (lanH - gwH - bridge - guest): ping and TCP both ways for
    AES-GCM (tunnel IPv4, and ESN tunnel IPv6), AES-CBC + HMAC-SHA-256
    (transport IPv4) and ChaCha20-Poly1305 with ESN in UDP; every packet on
    the bridge is ESP; the guest's SA counters (from XFRM) equal
    `ip -s xfrm state` and the host's SA counters;
  - a rekey under continuous traffic that loses no packet;
  - delete, flush, stop, kill -9 and restart keep XFRM in step with the
    daemon and never touch a state or policy someone else added.
"""
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

from netns import PYTHON, Netns, Xdpsec, wait_for
from test_dataplane_common import (TCP_CLIENT, TCP_SERVER, alg, assert_only_ipsec, key,
                                   ping_all)

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


@pytest.fixture
def ns():
    n = Netns("kb" + secrets.token_hex(4))
    subprocess.run(["ip", "netns", "add", n.name], check=True)
    try:
        yield n
    finally:
        subprocess.run(["ip", "netns", "del", n.name], check=False)


def gcm_sa(src, dst, spi, *extra):
    return ["src", src, "dst", dst, "proto", "esp", "spi", hex(spi), "mode", "tunnel",
            "aead", "rfc4106(gcm(aes))", "0x" + key(spi, 1, 20).hex(), "128", *extra]


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


# --- host: the probe ------------------------------------------------------

def nothing_left(ns, name):
    assert not any(os.path.exists(os.path.join(RUN_DIR, name + s))
                   for s in (".lock", ".sock", ".ifs"))
    assert not os.path.exists(f"/sys/fs/bpf/xdpsec/{name}") or \
        not os.listdir(f"/sys/fs/bpf/xdpsec/{name}")
    assert ns.run("ip xfrm state; ip xfrm policy").stdout == ""


def test_probe_refuses_daemon_backend_kernel(ns):
    name = "kb" + secrets.token_hex(3)
    for fg in ([], ["--foreground"]):
        r = ns.run([XDPSEC, "-i", name, "daemon", "--backend", "kernel", *fg], check=False)
        assert r.returncode == 1, r
        assert NO_ESP in r.stderr.splitlines(), r.stderr
        nothing_left(ns, name)
    r = ns.run([XDPSEC, "-i", name, "daemon", "--backend", "esp"], check=False)
    assert r.returncode == 2 and "--backend wants afxdp or kernel" in r.stderr


def test_probe_refuses_config_backend_kernel(ns, tmp_path):
    name = "kb" + secrets.token_hex(3)
    conf = tmp_path / "k.conf"
    conf.write_text("# kernel backend\nbackend = kernel\nsas {\n}\n")
    r = ns.run([XDPSEC, "-i", name, "daemon", "-c", str(conf)], check=False)
    assert r.returncode == 1 and r.stderr.strip().splitlines()[-1] == NO_ESP, r.stderr
    nothing_left(ns, name)
    conf.write_text("backend = sideways\n")
    r = ns.run([XDPSEC, "-i", name, "daemon", "-c", str(conf)], check=False)
    assert r.returncode == 1
    assert f"{conf}:1: unknown backend 'sideways' (want afxdp or kernel)" in r.stderr
    conf.write_text("frontend = kernel\n")
    r = ns.run([XDPSEC, "-i", name, "daemon", "-c", str(conf)], check=False)
    assert f"{conf}:1: unknown key 'frontend' outside the sections" in r.stderr


def test_probe_refuses_sa_backend_kernel(ns):
    d = Xdpsec(ns, "k")
    try:
        d.cli("daemon")
        words = gcm_sa("10.0.0.1", "10.0.0.2", 0x1001)
        r = d.cli("state", "add", *words, "backend", "kernel", check=False)
        assert r.returncode == 1 and r.stderr.strip() == NO_ESP, r.stderr
        r = d.cli("state", "add", *words, "offload", "dev", "lo", "dir", "out", check=False)
        assert r.returncode == 1 and "offload needs backend kernel" in r.stderr
        assert d.js("state", "list") == []
        b = d.js("status")["backend"]
        assert b["backend"] == "afxdp" and b["xfrm"] is True
        assert "ESP over IPv4 (esp4)" in b["kernel_lacks"]
        assert "ESP over IPv6 (esp6)" in b["kernel_lacks"]
        assert b["kernel_sas"] == 0 and b["kernel_policies"] == 0
        # an afxdp SA still goes in, listed with its backend
        d.cli("state", "add", *words, "backend", "afxdp")
        assert [s["backend"] for s in d.js("state", "list")] == ["afxdp"]
        assert ns.run("ip xfrm state; ip xfrm policy").stdout == ""
    finally:
        d.stop()


# --- host: policy encoding and the purge ----------------------------------

def test_policy_encoding(ns):
    lo = kreqid_lo("xfrm-tool")
    tool(ns.name, "pol", lo | 1, 0, "src", "10.1.0.0/24", "dst", "10.2.0.0/16", "dir", "out",
         "priority", "7", "tmpl", "src", "192.0.2.1", "dst", "192.0.2.2", "proto", "esp",
         "mode", "tunnel")
    tool(ns.name, "pol", lo | 2, 0x1234, "src", "2001:db8:1::/48", "dst", "2001:db8:2::1/128",
         "proto", "tcp", "sport", "1024-2047", "dport", "443", "dir", "fwd", "tmpl", "src",
         "2001:db8::1", "dst", "2001:db8::2", "proto", "esp", "mode", "tunnel")
    tool(ns.name, "pol", lo | 3, 0, "src", "10.0.0.1", "dst", "10.0.0.2", "proto", "icmp",
         "sport", "8", "dir", "in", "tmpl", "proto", "ah", "mode", "transport")
    r = tool(ns.name, "pol", lo, 0, "src", "10.0.0.1", "dst", "10.0.0.2", "proto", "udp",
             "dport", "1000-1002", "dir", "in", "tmpl", "proto", "esp", "mode", "transport",
             check=False)
    assert r.returncode == 1 and r.stderr.startswith("ERANGE") and "power-of-two" in r.stderr
    pols = {p["dir"]: p for p in nl_dump_policies(ns.name)}
    assert len(pols) == 3
    out, fwd, inp = pols[1], pols[2], pols[0]
    assert (out["family"], out["src"], out["src_len"], out["dst"], out["dst_len"]) == \
        (2, "10.1.0.0", 24, "10.2.0.0", 16)
    assert out["priority"] == 7 and out["action"] == 0 and out["proto"] == 0
    assert out["lft"] == (2**64 - 1,) * 4 + (0,) * 4
    assert out["tmpls"] == [dict(family=2, dst="192.0.2.2", src="192.0.2.1", spi=0, proto=50,
                                 reqid=lo | 1, mode=1, optional=0,
                                 algos=(2**32 - 1,) * 3)]
    assert (fwd["family"], fwd["proto"], fwd["sport"], fwd["sport_mask"], fwd["dport"],
            fwd["dport_mask"]) == (10, 6, 1024, 0xfc00, 443, 0xffff)
    assert fwd["tmpls"][0]["spi"] == 0x1234 and fwd["tmpls"][0]["dst"] == "2001:db8::2"
    assert (inp["proto"], inp["sport"], inp["sport_mask"], inp["dport_mask"]) == (1, 8, 0xffff, 0)
    assert inp["tmpls"][0]["mode"] == 0 and inp["tmpls"][0]["proto"] == 51
    text = ns.run("ip xfrm policy").stdout
    assert "src 10.1.0.0/24 dst 10.2.0.0/16 \n\tdir out priority 7" in text
    assert f"proto esp reqid {lo | 1} mode tunnel" in text
    # update in place (the template's reqid), then delete by selector
    tool(ns.name, "polupd", lo | 9, 0, "src", "10.1.0.0/24", "dst", "10.2.0.0/16", "dir",
         "out", "tmpl", "src", "192.0.2.1", "dst", "192.0.2.2", "proto", "esp", "mode", "tunnel")
    pols = {p["dir"]: p for p in nl_dump_policies(ns.name)}
    assert len(pols) == 3 and pols[1]["tmpls"][0]["reqid"] == lo | 9 and pols[1]["priority"] == 0
    tool(ns.name, "poldel", "src", "10.1.0.0/24", "dst", "10.2.0.0/16", "dir", "out")
    assert sorted(p["dir"] for p in nl_dump_policies(ns.name)) == [0, 2]
    r = tool(ns.name, "poldel", "src", "10.1.0.0/24", "dst", "10.2.0.0/16", "dir", "out",
             check=False)
    assert r.returncode == 1 and r.stderr.startswith("ENOENT")


def test_purge_deletes_only_the_range(ns):
    lo = kreqid_lo("xfrm-tool")
    for i, (reqid, sel) in enumerate(((lo, "10.0.1.0/24"), (lo | 0xffff, "10.0.2.0/24"),
                                      (lo - 1, "10.0.3.0/24"), ((lo | 0xffff) + 1, "10.0.4.0/24"))):
        tool(ns.name, "pol", reqid, 0, "src", sel, "dst", "10.9.0.0/16", "dir", "out",
             "tmpl", "src", "192.0.2.1", "dst", "192.0.2.2", "proto", "esp", "mode", "tunnel")
    ns.run("ip xfrm policy add src 10.0.5.0/24 dst 10.9.0.0/16 dir out "
           "tmpl src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel reqid 5")
    assert tool(ns.name, "purge", lo, lo | 0xffff).stdout.strip() == "2"
    left = sorted(p["src"] for p in nl_dump_policies(ns.name))
    assert left == ["10.0.3.0", "10.0.4.0", "10.0.5.0"]
    assert tool(ns.name, "purge", lo, lo | 0xffff).stdout.strip() == "0"


def test_daemon_start_purges_a_killed_predecessors_policies(ns):
    """What a killed daemon of this instance left in XFRM goes at start;
    anyone else's stays."""
    d = Xdpsec(ns, "k")
    lo = kreqid_lo(d.name)
    tool(ns.name, "pol", lo | 1, 0, "src", "10.0.1.0/24", "dst", "10.9.0.0/16", "dir", "out",
         "tmpl", "src", "192.0.2.1", "dst", "192.0.2.2", "proto", "esp", "mode", "tunnel")
    ns.run("ip xfrm policy add src 10.0.5.0/24 dst 10.9.0.0/16 dir out "
           "tmpl src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel reqid 5")
    try:
        d.cli("daemon")
        assert [p["src"] for p in nl_dump_policies(ns.name)] == ["10.0.5.0"]
    finally:
        d.stop()
    assert [p["src"] for p in nl_dump_policies(ns.name)] == ["10.0.5.0"]
