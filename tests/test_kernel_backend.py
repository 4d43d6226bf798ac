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
    daemon and never touch a state or policy someone else added;
  - plaintext a kernel SA's policy covers is left to the kernel, which
    drops it; tunnel mode also with xdp-wan in generic mode (decrypted
    packets seen twice);
  - `backend = kernel` in a configuration file, and per-SA `backend = kernel`
    in an instance whose default is afxdp (load-conf replaces the SAs);
  - packet limits: XFRM enforces them, the daemon follows (dying, dead), the
    policy leaves XFRM and tc-out drops its traffic (no-sa);
  - IKEv2 between the two daemons puts the Child SA into the guest's XFRM
    (with in, fwd and out policies), traffic flows, `down` removes it; also
    as ESP in UDP on IKE's own port 4500 socket.
"""
import json
import os
import re
import secrets
import subprocess

import pytest
from scapy.layers.inet import IP

from kernel_backend_lib import (ADDR, NO_ESP, RUN_DIR, XDPSEC, Pair, bed,  # noqa: F401
                                guest_ping, kreqid_lo, nl_dump_policies, tcp_from_guest,
                                tcp_to_guest, tool, warm_up, xfrm_sa_block,
                                xfrm_sa_counters, xfrm_stat)
from netns import Netns, Xdpsec, wait_for
from test_dataplane_common import assert_only_ipsec, key, ping_all


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


def test_config_sa_backend_kernel_refused_before_any_change(ns, tmp_path):
    """A file whose SA says `backend = kernel` (or wants offload with afxdp)
    is refused with the SA's line before anything changes."""
    d = Xdpsec(ns, "k")
    conf = tmp_path / "k.conf"
    try:
        d.cli("daemon")
        d.cli("state", "add", *gcm_sa("10.0.0.1", "10.0.0.2", 0x1001))
        body = "\n        ".join(f"{w} = {v}" for w, v in (
            ("src", "10.0.0.1"), ("dst", "10.0.0.3"), ("proto", "esp"), ("spi", "0x2002"),
            ("aead", "rfc4106(gcm(aes)) 0x" + key(1, 1, 20).hex() + " 128")))
        for extra, err in (("backend = kernel", NO_ESP[len("xdpsec: "):]),
                           ("offload = dev lo dir out", "offload needs backend kernel")):
            conf.write_text(f"sas {{\n    x {{\n        {body}\n        {extra}\n    }}\n}}\n")
            conf.chmod(0o600)
            r = d.cli("load-conf", str(conf), check=False)
            assert r.returncode == 1 and f"{conf}:2: sas.x: {err}" in r.stderr, r.stderr
            assert [s["spi"] for s in d.js("state", "list")] == [0x1001]
    finally:
        d.stop()


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


# --- the guest: tests ------------------------------------------------------

CASES = [
    # id, algorithm, mode, family, ESN, ESP in UDP
    ("gcm-tunnel-ip4", "gcm", "tunnel", "IP4", False, False),
    ("cbc-sha256-transport-ip4", "cbc", "transport", "IP4", False, False),
    ("gcm-esn-tunnel-ip6", "gcm", "tunnel", "IP6", True, False),
    ("chacha-esn-tunnel-ip4-udp", "chacha", "tunnel", "IP4", True, True),
]


@pytest.mark.parametrize("alg_name,mode,fam,esn,encap", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_kernel_backend_against_afxdp(bed, alg_name, mode, fam, esn, encap):
    c = Pair(bed, alg_name, mode, fam, esn, encap)
    try:
        c.add()
        c.protect()
        states, pols = bed.xfrm()
        assert f"spi 0x{c.hg:08x}" in states and f"spi 0x{c.gh:08x}" in states
        # out, in, and in's twin fwd (XFRM checks fwd when forwarding)
        assert pols.count("dir ") == 3 and "dir out" in pols
        h_sel, g_sel = c.sels()
        twins = re.findall(r"src %s dst %s \n\tdir (in|fwd) priority 0 ptype main \n(.*?)\n\t\t(.*?)\n"
                           % (re.escape(h_sel), re.escape(g_sel)), pols, re.S)
        assert sorted(t[0] for t in twins) == ["fwd", "in"] and twins[0][1:] == twins[1][1:]
        warm_up(c)
        ns, haddr, gaddr = c.ends()
        with bed.br.capture(bed.prefix + "bw") as wire:
            ping_all(ns, gaddr)
            guest_ping(bed, haddr)
            tcp_to_guest(bed, ns, gaddr, 5201)
            tcp_from_guest(bed, ns, haddr, 5202)
        pkts = assert_only_ipsec(wire, [ADDR[fam]["lan"], ADDR[fam]["inner"]])
        assert len(pkts) > 40
        # counters: the guest's (from XFRM) = ip -s xfrm state = the host's
        def counted():
            st = {s["spi"]: s for s in bed.gjs("state", "list")}
            hs = {s["spi"]: s for s in bed.h.js("state", "list")}
            states, _ = bed.xfrm()
            x = {spi: xfrm_sa_counters(states, spi) for spi in (c.hg, c.gh)}
            ok = all((st[spi]["bytes"], st[spi]["packets"]) == x[spi] for spi in x) and \
                st[c.gh]["packets"] == hs[c.gh]["packets"] and \
                st[c.hg]["packets"] == hs[c.hg]["packets"] > 20
            return (st, hs) if ok else None
        st, hs = wait_for(counted, timeout=10, interval=0.5, what="XFRM counters in xdpsec")
        assert st[c.gh]["seq"] == st[c.gh]["packets"] and st[c.gh]["drops"] == 0
        assert st[c.hg]["replay_top"] == hs[c.hg]["seq"]
        assert all(s["backend"] == "kernel" for s in st.values())
        # the same in the pinned SAD (bpftool formats it with its BTF)
        for sa in st.values():
            keyb = " ".join(str(x) for x in sa["slot"].to_bytes(4, "little"))
            v = json.loads(bed.guest.run(f"bpftool -j map lookup pinned "
                                         f"/sys/fs/bpf/xdpsec/g/xs_sad key {keyb}").stdout)
            v = v["formatted"]["value"]
            assert (v["spi"], v["backend"], v["packets"], v["bytes"]) == \
                (sa["spi"], 1, sa["packets"], sa["bytes"])
        acts = bed.gjs("stats")["hooks"]["xdp-wan"]["actions"]
        assert acts["kernel"] >= st[c.hg]["packets"] and acts["worker"] == 0
    finally:
        c.flush()
    states, pols = bed.xfrm()
    assert states == "" and pols == "", (states, pols)


def test_rekey_under_traffic_loses_nothing(bed):
    c = Pair(bed, "gcm", "tunnel", "IP4")
    try:
        c.add()
        c.protect()
        warm_up(c)
        ns, haddr, gaddr = c.ends()
        n = 300
        ping = ns.popen(["ping", "-n", "-q", "-c", str(n), "-i", "0.03", "-W", "3", gaddr],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        back = bed.guest.run_async(["ping", "-n", "-q", "-c", str(n), "-i", "0.03", "-W", "3",
                                    haddr], timeout=120)
        wait_for(lambda: xfrm_sa_counters(bed.xfrm()[0], c.hg)[1] > 30, timeout=20,
                 interval=0.2, what="traffic on the first SAs")
        old_hg, old_gh = c.hg, c.gh
        c.add(*bed.next_spis())
        wait_for(lambda: all(xfrm_sa_counters(bed.xfrm()[0], spi)[1] > 10
                             for spi in (c.hg, c.gh)), timeout=20, interval=0.2,
                 what="traffic on the new SAs")
        c.delete(old_hg, old_gh)
        out, _ = ping.communicate(timeout=120)
        rev = back.result(150)
        assert f"{n} packets transmitted, {n} received" in out, out
        assert f"{n} packets transmitted, {n} received" in rev.stdout, rev.stdout
        states, pols = bed.xfrm()
        assert f"spi 0x{old_hg:08x}" not in states and f"spi 0x{old_gh:08x}" not in states
        assert all(xfrm_sa_counters(states, spi)[1] > 10 for spi in (c.hg, c.gh))
        assert pols.count("dir ") == 3
        assert sorted(s["spi"] for s in bed.gjs("state", "list")) == [c.hg, c.gh]
    finally:
        c.flush()


FOREIGN = ("ip xfrm state add src 198.51.100.1 dst 198.51.100.2 proto esp spi 0x77 "
           "reqid 77 mode tunnel aead 'rfc4106(gcm(aes))' 0x" + "11" * 20 + " 128 && "
           "ip xfrm policy add src 10.77.0.0/16 dst 10.78.0.0/16 dir out tmpl "
           "src 198.51.100.1 dst 198.51.100.2 proto esp mode tunnel reqid 77")


def only_foreign(bed):
    states, pols = bed.xfrm()
    assert re.findall(r"spi (0x[0-9a-f]+)", states) == ["0x00000077"], states
    assert re.findall(r"reqid (\d+)", pols) == ["77"], pols


def test_delete_flush_stop_kill_restart_keep_xfrm_in_step(bed):
    bed.guest.run(FOREIGN)
    c = Pair(bed, "gcm", "tunnel", "IP4")
    try:
        c.add()
        c.protect()
        warm_up(c)
        # delete the guest's outbound SA: its state and its policy leave XFRM
        bed.g("state", "delete", "dst", c.a["gw"], "proto", "esp", "spi", hex(c.gh))
        states, pols = bed.xfrm()
        assert f"spi 0x{c.gh:08x}" not in states and f"spi 0x{c.hg:08x}" in states
        assert "dir out" not in pols.replace("10.77.0.0/16 dst 10.78.0.0/16 \n\tdir out", "")
        out_pol = [p for p in bed.gjs("policy", "list") if p["dir"] == "out"][0]
        assert out_pol["sa_slot"] is None
        # flush: ours go, the foreign state and policy stay
        bed.g("state", "flush")
        only_foreign(bed)
        assert len(bed.gjs("policy", "list")) == 2
        # SAs back: the policies follow, traffic flows
        bed.h.cli("state", "flush")
        c.add(*bed.next_spis())
        states, pols = bed.xfrm()
        assert pols.count("dir ") == 4
        warm_up(c)
        # stop: nothing of ours is left
        bed.g("stop")
        only_foreign(bed)
        # kill -9 leaves the states; the next start removes them
        bed.gstart()
        c.flush()
        c.add(*bed.next_spis())
        c.protect()
        assert bed.xfrm()[0].count("proto esp") == 3
        pid = bed.guest.run(["cat", "/run/xdpsec/g.lock"]).stdout.strip()
        bed.guest.run(["kill", "-9", pid])
        wait_for(lambda: bed.guest.run(["kill", "-0", pid], check=False).returncode != 0,
                 timeout=10, what="the guest's daemon to die")
        assert bed.xfrm()[0].count("proto esp") == 3
        bed.gstart()
        only_foreign(bed)
    finally:
        c.flush()
        bed.guest.run("ip xfrm state flush; ip xfrm policy flush")


def k(n, size):
    return "0x" + key(0x5a, n, size).hex()


# state words -> what `ip -s xfrm state` must show for it (after "ip -s")
SA_CASES = [
    (["src", "10.0.0.1", "dst", "10.0.0.2", "proto", "esp", "spi", "0x1001", "mode", "tunnel",
      "dir", "in", "replay-window", "1024", "flag", "noecn", "tfcpad", "512",
      "aead", "rfc4106(gcm(aes))", k(1, 20), "64"],
     ["mode tunnel", "flag noecn af-unspec", f"aead rfc4106(gcm(aes)) {k(1, 20)} (160 bits) 64",
      "replay_window 1024, bitmap-length 32", "tfcpad 512"]),
    (["src", "2001:db8::1", "dst", "2001:db8::2", "proto", "esp", "spi", "0x1002", "mode",
      "transport", "dir", "out", "flag", "esn", "encap", "espinudp", "4500", "4501", "::",
      "enc", "cbc(aes)", k(2, 32), "auth-trunc", "hmac(sha512)", k(3, 64), "256",
      "limit", "time-soft", "100", "time-hard", "200", "byte-soft", "1000", "byte-hard",
      "2000", "packet-soft", "10", "packet-hard", "20"],
     ["src 2001:db8::1 dst 2001:db8::2", "mode transport", "flag esn",
      f"enc cbc(aes) {k(2, 32)}", f"auth-trunc hmac(sha512) {k(3, 64)} (512 bits) 256",
      "encap type espinudp sport 4500 dport 4501", "replay_window 32, bitmap-length 1",
      "soft 1000(bytes), hard 2000(bytes)", "soft 10(packets), hard 20(packets)",
      "expire add: soft 100(sec), hard 200(sec)"]),
    (["src", "10.0.0.1", "dst", "10.0.0.2", "proto", "esp", "spi", "0x1003", "mode",
      "transport", "dir", "in", "sel", "src", "10.1.0.0/24", "dst", "10.2.0.0/16", "proto",
      "tcp", "dport", "443", "enc", "cipher_null", ""],
     ["enc ecb(cipher_null)", "sel src 10.1.0.0/24 dst 10.2.0.0/16 proto tcp dport 443"]),
    (["src", "10.0.0.1", "dst", "10.0.0.2", "proto", "esp", "spi", "0x1004", "mode",
      "transport", "dir", "in", "replay-window", "64", "enc", "cbc(aes)", k(4, 16),
      "auth-trunc", "hmac(sha256)", k(5, 32), "128"],
     [f"auth-trunc hmac(sha256) {k(5, 32)} (256 bits) 128", f"enc cbc(aes) {k(4, 16)}",
      "sel src 0.0.0.0/0 dst 0.0.0.0/0"]),
    (["src", "10.0.0.1", "dst", "10.0.0.2", "proto", "esp", "spi", "0x1005", "mode", "tunnel",
      "dir", "out", "enc", "cbc(aes)", k(6, 24), "auth", "hmac(sha1)", k(7, 20),
      "auth", "hmac(sha384)", k(8, 48)],
     [f"auth-trunc hmac(sha384) {k(8, 48)} (384 bits) 192"]),
    (["src", "2001:db8::1", "dst", "2001:db8::2", "proto", "esp", "spi", "0x1006", "mode",
      "tunnel", "dir", "in", "replay-window", "128", "flag", "esn",
      "aead", "rfc7539esp(chacha20,poly1305)", k(9, 36), "128"],
     [f"aead rfc7539esp(chacha20,poly1305) {k(9, 36)} (288 bits) 128", "flag af-unspec esn",
      "replay_window 128, bitmap-length 4"]),
    (["src", "10.0.0.1", "dst", "10.0.0.2", "proto", "esp", "spi", "0x1007", "mode",
      "transport", "dir", "in", "aead", "rfc4543(gcm(aes))", k(10, 36), "128"],
     [f"aead rfc4543(gcm(aes)) {k(10, 36)} (288 bits) 128"]),
    (["src", "2001:db8::1", "dst", "2001:db8::2", "proto", "ah", "spi", "0x1008", "mode",
      "transport", "dir", "in", "replay-window", "32", "auth-trunc", "hmac(sha1)", k(11, 20),
      "96"],
     ["proto ah spi 0x00001008", f"auth-trunc hmac(sha1) {k(11, 20)} (160 bits) 96"]),
]

SA_REFUSED = [
    (["proto", "ah", "spi", "0x1101", "aead", "rfc4543(gcm(aes))", k(1, 20), "128"],
     "EOPNOTSUPP: Operation not supported: Linux XFRM has no integrity transform 9"),
    (["proto", "esp", "spi", "0x1102", "dir", "in", "flag", "esn",
      "aead", "rfc4106(gcm(aes))", k(1, 20), "128"],
     "ERANGE: Numerical result out of range: Linux XFRM wants a replay window with ESN"),
    (["proto", "esp", "spi", "0x1103", "dir", "in", "replay-window", "5000",
      "aead", "rfc4106(gcm(aes))", k(1, 20), "128"],
     "Linux XFRM takes a replay window of at most 4096"),
    (["proto", "esp", "spi", "0x1104", "dir", "in", "sel", "src", "10.1.0.0/24", "sel", "src",
      "10.3.0.0/24", "aead", "rfc4106(gcm(aes))", k(1, 20), "128"],
     "Linux XFRM takes one selector per SA"),
    # the device lookup and the offload request reach the kernel's offload
    # path, which has no ESP offload type here (esp4_offload not loaded)
    (["proto", "esp", "spi", "0x1105", "dir", "in", "offload", "dev", "eth0", "dir", "in",
      "aead", "rfc4106(gcm(aes))", k(1, 20), "128"],
     "EINVAL: Invalid argument: Type doesn't support offload"),
    (["proto", "esp", "spi", "0x1106", "dir", "out", "offload", "packet", "dev", "eth0",
      "dir", "out", "aead", "rfc4106(gcm(aes))", k(1, 20), "128"],
     "EINVAL: Invalid argument: Type doesn't support offload"),
]


def test_sa_encoding_read_back_in_the_guest(bed):
    """Every transform and option as XFRM_MSG_NEWSA, read back with ip(8)."""
    tool_bin = os.path.join(bed.bins, "xfrm_tool")
    lo = kreqid_lo("xfrm-tool")
    try:
        for i, (words, _) in enumerate(SA_CASES):
            bed.guest.run([tool_bin, "sa", str(lo | i), *words])
        states = bed.guest.run("ip -s xfrm state").stdout
        for i, (words, want) in enumerate(SA_CASES):
            spi = int(words[words.index("spi") + 1], 16)
            block = xfrm_sa_block(states, spi)
            assert f"reqid {lo | i}(" in block
            for w in want:
                assert w in block, f"'{w}' not in\n{block}"
        for words, err in SA_REFUSED:
            r = bed.guest.run([tool_bin, "sa", str(lo), "src", "10.0.0.1", "dst", "10.0.0.2",
                               "mode", "transport", *words], check=False)
            assert r.returncode == 1 and err in r.stderr, (words, r.stderr)
        dump = [json.loads(line) for line in
                bed.guest.run([tool_bin, "dump"]).stdout.splitlines()]
        assert sorted(d["spi"] for d in dump if d["reqid"] & ~0xffff == lo) == \
            [0x1001 + i for i in range(len(SA_CASES))]
        n = bed.guest.run([tool_bin, "purge", str(lo), str(lo | 0xffff)]).stdout.strip()
        assert n == str(len(SA_CASES))
    finally:
        bed.guest.run([tool_bin, "purge", str(lo), str(lo | 0xffff)], check=False)
    assert bed.guest.run("ip xfrm state").stdout == ""


def test_probe_in_the_guest(bed):
    b = bed.gjs("status")["backend"]
    assert b == dict(backend="kernel", xfrm=True, kernel_lacks=[], kernel_sas=0,
                     kernel_policies=0)
    r = bed.g("state", "add", "src", "192.0.2.2", "dst", "192.0.2.1", "proto", "ah", "spi",
              "0x3001", "mode", "transport", "aead", "rfc4543(gcm(aes))", k(1, 20), "128",
              check=False)
    assert r.returncode == 1
    assert r.stderr.strip() == ("xdpsec: kernel backend: Linux XFRM has no AH with AES-GMAC: "
                                "use backend afxdp for this SA"), r.stderr
    r = bed.g("state", "add", "src", "192.0.2.2", "dst", "192.0.2.1", "proto", "esp", "spi",
              "0x3002", "mode", "tunnel", "reqid", "70000", "aead", "rfc4106(gcm(aes))",
              k(1, 20), "128", check=False)
    assert r.returncode == 1 and "kernel backend: reqid 70000 above 65535" in r.stderr
    assert bed.gjs("state", "list") == [] and bed.xfrm() == ("", "")


def test_unprotected_plaintext_is_left_to_the_kernel_and_dropped(bed):
    """Plaintext a PROTECT policy with a kernel-backed SA covers goes to the
    stack (counted kernel), where the XFRM policy drops it: no answer."""
    from scapy.layers.inet import ICMP, IP
    from scapy.layers.l2 import Ether
    c = Pair(bed, "gcm", "tunnel", "IP4")
    try:
        c.add()
        c.protect()
        warm_up(c)
        mac = bed.guest.run(["cat", "/sys/class/net/eth0/address"]).stdout.strip()
        before_stat = xfrm_stat(bed)
        before_acts = bed.gjs("stats")["hooks"]["xdp-wan"]["actions"]["kernel"]
        before_out = xfrm_sa_counters(bed.xfrm()[0], c.gh)[1]
        frames = [Ether(dst=mac) / IP(src=c.a["lan"], dst=c.a["inner"]) /
                  ICMP(id=0x4b42, seq=i) / (b"plaintext" * 8) for i in range(5)]
        bed.br.sendp("br0", frames)
        wait_for(lambda: xfrm_stat(bed)["XfrmInTmplMismatch"] >=
                 before_stat["XfrmInTmplMismatch"] + 5, timeout=10, interval=0.2,
                 what="the guest kernel's policy check to drop the plaintext")
        assert bed.gjs("stats")["hooks"]["xdp-wan"]["actions"]["kernel"] >= before_acts + 5
        assert xfrm_sa_counters(bed.xfrm()[0], c.gh)[1] == before_out, "the guest answered"
    finally:
        c.flush()


def test_generic_xdp_on_the_guest_wan(bed):
    """With xdp-wan in generic (skb) mode (native XDP refuses a 9000-byte
    MTU on virtio-net), the packets XFRM decrypted come through xdp-wan again
    and must pass: tunnel mode still works."""
    bed.g("stop")
    bed.guest.run("ip link set eth0 mtu 9000")
    c = None
    try:
        bed.gstart()
        wan = [f for f in bed.gjs("status")["interfaces"] if f["role"] == "wan"][0]
        assert wan["mode"] == "generic", wan
        c = Pair(bed, "gcm", "tunnel", "IP4")
        c.add()
        c.protect()
        warm_up(c)
        ns, haddr, gaddr = c.ends()
        ping_all(ns, gaddr)
        guest_ping(bed, haddr)
        tcp_to_guest(bed, ns, gaddr, 5301)
        st = bed.gjs("stats")["hooks"]["xdp-wan"]
        assert st["drops"]["unprotected"] == 0
        # each inbound ESP packet and its decrypted inner packet
        hg = xfrm_sa_counters(bed.xfrm()[0], c.hg)[1]
        assert st["actions"]["kernel"] >= 2 * hg > 20
    finally:
        if c:
            c.flush()
        bed.g("stop", check=False)
        bed.guest.run("ip link set eth0 mtu 1500")
        bed.gstart()


def test_outer_fragments_for_a_kernel_sa(bed):
    """Transport mode: gwH's worker fragments ESP after encapsulation when it
    passes the MTU (an echo request of 1488 bytes, DF clear; tunnel mode
    fragments the inner packet instead, worker/process.c). xdp-wan sends
    outer fragments to the guest's worker, which reassembles them and, the
    SA being the kernel's, hands the datagram to the stack through the
    internal veth: XFRM decrypts it, the ping succeeds and the hand-off is
    counted, not dropped."""
    c = Pair(bed, "gcm", "transport", "IP4")
    try:
        c.add()
        c.protect()
        warm_up(c)
        ns, _, gaddr = c.ends()
        # a path MTU an earlier test's ICMP left would fragment the request
        # before ESP (transport mode refuses fragments: not this path)
        ns.run("ip route flush cache")
        before = bed.gjs("stats")["worker"]
        hg0 = xfrm_sa_counters(bed.xfrm()[0], c.hg)[1]
        with bed.br.capture(bed.prefix + "bw", "ip[6:2] & 0x3fff != 0") as wire:
            r = ns.run(["ping", "-n", "-q", "-c", "3", "-i", "0.2", "-W", "3", "-M", "dont",
                        "-s", "1460", gaddr], check=False)
        to_guest = [p[IP] for p in wire.stop()
                    if IP in p and p[IP].proto == 50 and p[IP].dst == c.a["guest"]]
        after = bed.gjs("stats")["worker"]
        assert "3 received" in r.stdout
        handed = after["reasm_to_kernel"] - before["reasm_to_kernel"]
        assert handed == 3
        assert len(to_guest) == 2 * handed and all(p.len <= 1500 for p in to_guest)
        assert after["drops"] == before["drops"]
        assert xfrm_sa_counters(bed.xfrm()[0], c.hg)[1] == hg0 + handed
    finally:
        c.flush()


def test_config_file_backends_in_the_guest(bed):
    """`backend = kernel` in the file; then a file whose instance default is
    afxdp and whose SAs say `backend = kernel` replaces it (load-conf)."""
    bed.g("stop")
    first = Pair(bed, "gcm", "tunnel", "IP4")
    second = Pair(bed, "cbc", "tunnel", "IP4", g_extra=["backend", "kernel"])
    try:
        bed.guest.write("/tmp/kb1.conf", first.guest_conf(["backend = kernel"]), mode=0o600)
        bed.guest.write("/tmp/kb2.conf", second.guest_conf(["backend = afxdp"]), mode=0o600)
        first.add(guest=False)
        first.protect(guest=False)
        bed.g("daemon", "-c", "/tmp/kb1.conf")
        assert bed.gjs("status")["backend"]["backend"] == "kernel"
        states, pols = bed.xfrm()
        assert states.count("proto esp") == 2 and pols.count("dir ") == 3
        warm_up(first)
        guest_ping(bed, first.a["lan"])
        bed.h.cli("policy", "flush")
        bed.h.cli("state", "flush")
        second.add(guest=False)
        second.protect(guest=False)
        bed.g("load-conf", "/tmp/kb2.conf")
        b = bed.gjs("status")["backend"]
        assert b["backend"] == "afxdp" and b["kernel_sas"] == 2 and b["kernel_policies"] == 3
        assert [s["backend"] for s in bed.gjs("state", "list")] == ["kernel", "kernel"]
        states, _ = bed.xfrm()
        assert sorted(re.findall(r"spi 0x([0-9a-f]+)", states)) == \
            [f"{second.hg:08x}", f"{second.gh:08x}"]
        assert "enc cbc(aes)" in states
        warm_up(second)
        guest_ping(bed, second.a["lan"])
    finally:
        bed.h.cli("policy", "flush")
        bed.h.cli("state", "flush")
        bed.g("stop", check=False)
        bed.gstart()
    assert bed.xfrm() == ("", "")


def test_kernel_sa_lifetimes_from_xfrm(bed):
    """Packet limits on the guest's outbound SA: XFRM counts and enforces
    them, the daemon follows (dying, then dead once XFRM deleted it); the
    policy then has no SA and leaves XFRM, and its traffic is dropped."""
    c = Pair(bed, "gcm", "tunnel", "IP4")
    try:
        gw, guest = c.a["gw"], c.a["guest"]
        bed.g(*c.words(c.hg, gw, guest, 1, True))
        bed.h.cli(*c.words(c.gh, guest, gw, 2, True))
        bed.h.cli(*c.words(c.hg, gw, guest, 1, False))
        bed.g(*c.words(c.gh, guest, gw, 2, False), "limit", "packet-soft", "4",
              "packet-hard", "8")
        c.protect()
        warm_up(c)

        def sa_state():
            return {s["spi"]: s["state"] for s in bed.gjs("state", "list")}[c.gh]
        guest_ping(bed, c.a["lan"], count=3)     # with the warm-up's answer: 4 or more
        wait_for(lambda: sa_state() == "dying", timeout=10, interval=0.3, what="dying")
        r = bed.guest.run(["ping", "-n", "-q", "-c", "10", "-i", "0.1", "-W", "1",
                           c.a["lan"]], check=False, timeout=60)
        assert " 0% packet loss" not in r.stdout, r.stdout
        wait_for(lambda: sa_state() == "dead", timeout=10, interval=0.3, what="dead")
        states, pols = bed.xfrm()
        assert f"spi 0x{c.gh:08x}" not in states and f"spi 0x{c.hg:08x}" in states
        assert "dir out" not in pols and "dir in" in pols and "dir fwd" in pols
        # in plaintext now (no XFRM policy), caught by tc-out: no SA, dropped
        before = bed.gjs("stats")["hooks"]["tc-out"]["drops"]["no-sa"]
        assert bed.guest.run(["ping", "-n", "-q", "-c", "2", "-W", "1", c.a["lan"]],
                             check=False).returncode != 0
        assert bed.gjs("stats")["hooks"]["tc-out"]["drops"]["no-sa"] >= before + 2
    finally:
        c.flush()
    assert bed.xfrm() == ("", "")


@pytest.mark.parametrize("encap", [False, True], ids=["esp", "esp-in-udp"])
def test_ike_keyed_kernel_backend(bed, tmp_path, encap):
    """IKEv2 between the host's xdpsec (afxdp) and the guest's (backend
    kernel): the Child SA lands in the guest's XFRM with its policies,
    traffic flows both ways, `down` takes it out of XFRM again. With
    `encap = yes` the Child SA is ESP in UDP on port 4500, which IKE's own
    socket holds: the kernel decapsulates on that socket (UDP_ENCAP set by
    IKE) instead of a second one the backend could not bind."""
    from strongswan import swanctl_conf
    extra = "encap = yes" if encap else ""
    a = ADDR["IP4"]
    inner = f"{a['inner']}/{a['host']}"
    psk = "kernel backend " + secrets.token_hex(8)
    host_conf = tmp_path / "h.conf"
    host_conf.write_text(swanctl_conf("kb", a["gw"], a["guest"], "aes256gcm16-prfsha256-x25519",
                                      "aes256gcm16", a["lan_net"], inner, "gw.example",
                                      "guest.example", secret=psk, conn_extra=extra))
    host_conf.chmod(0o600)
    bed.guest.write("/tmp/kb-ike.conf", "backend = kernel\ninterfaces {\n  wan = eth0\n}\n" +
                    swanctl_conf("kb", a["guest"], a["gw"], "aes256gcm16-prfsha256-x25519",
                                 "aes256gcm16", inner, a["lan_net"], "guest.example",
                                 "gw.example", secret=psk, conn_extra=extra), mode=0o600)
    try:
        bed.h.cli("load-conf", str(host_conf))
        bed.g("load-conf", "/tmp/kb-ike.conf")
        bed.g("up", "kb")

        def installed(js):
            sas = js("list-sas")
            return sas if sas and sas[0]["state"] == "ESTABLISHED" and sas[0]["child_sas"] \
                and sas[0]["child_sas"][0]["state"] == "INSTALLED" else None
        (sa,) = wait_for(lambda: installed(bed.gjs), timeout=60, interval=0.5,
                         what="the guest's IKE SA")
        (ch,) = sa["child_sas"]
        states, pols = bed.xfrm()
        spis = sorted(int(x, 16) for x in re.findall(r"proto esp spi (0x[0-9a-f]+)", states))
        assert spis == sorted(int(ch[k], 16) for k in ("spi_in", "spi_out")), states
        assert "aead rfc4106(gcm(aes))" in states and "(288 bits) 128" in states
        assert states.count("encap type espinudp sport 4500 dport 4500") == (2 if encap else 0)
        assert ch["encap"] == encap
        assert re.findall(r"dir (\w+)", pols) and sorted(re.findall(r"dir (\w+)", pols)) == \
            ["fwd", "in", "out"], pols
        assert all(s["backend"] == "kernel" for s in bed.gjs("state", "list"))
        wait_for(lambda: bed.lan.ping(a["inner"], wait=2), timeout=30, interval=0.5,
                 what="ping through the IKE-keyed SAs")
        guest_ping(bed, a["lan"])
        tcp_to_guest(bed, bed.lan, a["inner"], 5401)
        bed.g("down", "kb")
        wait_for(lambda: bed.xfrm() == ("", ""), timeout=20, interval=0.5,
                 what="the Child SA and its policies out of the guest's XFRM")
    finally:
        bed.g("stop", check=False)
        bed.gstart()
        host_conf.write_text("")        # no connections, SAs or policies
        bed.h.cli("load-conf", str(host_conf))
    assert bed.h.js("list-sas") == [] and bed.h.js("state", "list") == []
