"""xdpsec daemon and CLI against a running instance, each test in its own
network namespaces (and its own instance name):

    ns A (daemon)                       ns B (peer)
    wan0 192.0.2.1/24  <--- veth --->  wanp 192.0.2.2/24

Covers: start/second start/stop, attach (ip link shows the XDP program),
bpftool dump of the pinned SAD (readable fields, no key bytes), kill -9
(programs stay attached, ESP is dropped as no-worker, a restart cleans up),
config files, state/policy round trips and --json shapes, and counters
moving for an unknown SPI sent from the peer namespace.
"""
import itertools
import json
import os
import subprocess
import time

import pytest

XDPSEC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "xdpsec")
KEY_GCM = "0x" + "a1b2c3d4e5f60718293a4b5c6d7e8f90" + "c0ffee01"   # AES-128 + salt
KEY_SHA256 = "0x" + "5a" * 32
_seq = itertools.count()


def sh(*args, check=True, **kw):
    return subprocess.run(list(args), check=check, capture_output=True, text=True, **kw)


def btf_dump(text):
    """bpftool -j map dump: the BTF-formatted key/value of each entry."""
    return [e["formatted"] for e in json.loads(text)]


def wait_for(pred, timeout=10.0, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


class Instance:
    def __init__(self):
        n = next(_seq)
        self.name = "t%d-%d" % (os.getpid() % 100000, n)
        self.ns = "xdl%d_%d" % (os.getpid(), n)
        self.peer = self.ns + "p"
        self.lock = "/run/xdpsec/%s.lock" % self.name
        self.pins = "/sys/fs/bpf/xdpsec/" + self.name

    def setup(self):
        sh("ip", "netns", "add", self.ns)
        sh("ip", "netns", "add", self.peer)
        sh("ip", "-n", self.ns, "link", "add", "wan0", "type", "veth", "peer", "name", "wanp",
           "netns", self.peer)
        sh("ip", "-n", self.ns, "link", "add", "lan0", "type", "veth", "peer", "name", "lanp")
        for ns, dev in ((self.ns, "wan0"), (self.ns, "lan0"), (self.ns, "lanp"),
                        (self.peer, "wanp"), (self.ns, "lo")):
            sh("ip", "-n", ns, "link", "set", dev, "up")
        sh("ip", "-n", self.ns, "addr", "add", "192.0.2.1/24", "dev", "wan0")
        sh("ip", "-n", self.peer, "addr", "add", "192.0.2.2/24", "dev", "wanp")

    def cli(self, *args, json_out=False):
        cmd = ["ip", "netns", "exec", self.ns, XDPSEC, "-i", self.name]
        if json_out:
            cmd.append("--json")
        return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=30)

    def ok(self, *args):
        r = self.cli(*args)
        assert r.returncode == 0, (args, r.stderr)
        return r.stdout

    def js(self, *args):
        r = self.cli(*args, json_out=True)
        assert r.returncode == 0, (args, r.stderr)
        return json.loads(r.stdout)

    def pid(self):
        with open(self.lock) as f:
            return int(f.read().strip())

    def running(self):
        return os.path.exists(self.lock)

    def in_daemon_mnt(self, *args):
        """Runs a command in the daemon's mount namespace (its BPF fs)."""
        return sh("nsenter", "-t", str(self.pid()), "-m", "-n", *args)

    def link(self, dev, ns=None):
        return sh("ip", "-n", ns or self.ns, "-d", "link", "show", dev).stdout

    def teardown(self):
        if self.running():
            r = self.cli("stop")
            if r.returncode and self.running():
                os.kill(self.pid(), 9)
        for ns in (self.ns, self.peer):
            sh("ip", "netns", "del", ns, check=False)
        if not self.running():
            for suffix in (".ifs", ".sock", ".lock"):
                path = "/run/xdpsec/" + self.name + suffix
                if os.path.exists(path):
                    os.unlink(path)


@pytest.fixture
def inst():
    i = Instance()
    try:
        i.setup()
        yield i
    finally:
        i.teardown()


def sa_out(spi="0x1001", extra=()):
    return ["state", "add", "src", "192.0.2.1", "dst", "192.0.2.2", "proto", "esp",
            "spi", spi, "mode", "tunnel", "aead", "rfc4106(gcm(aes))", KEY_GCM, "128",
            "reqid", "7", *extra]


def sa_in(spi="0x2001"):
    return ["state", "add", "src", "192.0.2.2", "dst", "192.0.2.1", "proto", "esp",
            "spi", spi, "mode", "tunnel", "enc", "cbc(aes)", "0x" + "11" * 32,
            "auth-trunc", "hmac(sha256)", KEY_SHA256, "128", "replay-window", "64",
            "flag", "esn"]


def send_esp(inst, spi, count):
    script = ("from scapy.all import Ether, IP, sendp, Raw\n"
              "from scapy.layers.ipsec import ESP\n"
              "p = Ether(dst='ff:ff:ff:ff:ff:ff')/IP(src='192.0.2.2', dst='192.0.2.1')"
              "/ESP(spi=%d, seq=1)/Raw(b'\\x00' * 48)\n"
              "sendp(p, iface='wanp', count=%d, verbose=False)\n" % (spi, count))
    sh("ip", "netns", "exec", inst.peer, "/usr/bin/python3", "-c", script)


def test_start_second_start_stop(inst):
    inst.ok("daemon")
    assert inst.running()
    r = inst.cli("daemon")
    assert r.returncode == 1
    assert r.stderr.strip() == "xdpsec: instance %s is already running (pid %d)" % (
        inst.name, inst.pid())
    st = inst.js("status")
    assert st["instance"] == inst.name and st["interfaces"] == [] and st["sas"] == 0
    assert st["worker"] is None
    pins = inst.in_daemon_mnt("ls", inst.pins).stdout.split()
    for m in ("xs_sad", "xs_sadi", "xs_spd", "xs_spdd", "xs_spds", "xs_cfg", "xs_stats",
              "xs_xsks", "xs_events"):
        assert m in pins
    assert oct(os.stat("/run/xdpsec/%s.sock" % inst.name).st_mode & 0o777) == "0o600"
    inst.ok("stop")
    assert not inst.running()
    for suffix in (".sock", ".lock", ".ifs"):
        assert not os.path.exists("/run/xdpsec/" + inst.name + suffix)


def test_attach_dump_no_keys_stop_cleans(inst):
    inst.ok("daemon")
    inst.ok("attach", "--wan", "wan0", "--lan", "lan0")
    assert "prog/xdp" in inst.link("wan0") and "name xdp_wan" in inst.link("wan0")
    assert "name xdp_lan" in inst.link("lan0")
    internal = "xsp-" + inst.name[:11]
    assert "name xdp_lan" in inst.link(internal)
    tc = sh("tc", "-n", inst.ns, "filter", "show", "dev", "wan0", "egress").stdout
    assert "tc_out" in tc
    st = inst.js("status")
    roles = {f["role"]: f for f in st["interfaces"]}
    assert roles["wan"]["name"] == "wan0" and roles["wan"]["mode"] == "native"
    assert roles["lan"]["name"] == "lan0" and "internal" in roles
    assert st["worker"]["threads"] == 1

    inst.ok(*sa_out())
    inst.ok(*sa_in())
    dump_txt = inst.in_daemon_mnt("bpftool", "-j", "map", "dump", "pinned",
                                  inst.pins + "/xs_sad").stdout
    dump = btf_dump(dump_txt)
    used = {e["value"]["spi"]: e["value"] for e in dump if e["value"]["state"]}
    assert set(used) == {0x1001, 0x2001}
    out = used[0x1001]
    assert out["src"][:4] == [192, 0, 2, 1] and out["dst"][:4] == [192, 0, 2, 2]
    assert out["enc"] == 20 and out["integ"] == 0 and out["dir"] == 1 and out["mode"] == 1
    assert out["proto"] == 50 and out["state"] == 2 and out["reqid"] == 7
    inb = used[0x2001]
    assert inb["enc"] == 12 and inb["integ"] == 12 and inb["dir"] == 0
    assert inb["replay_window"] == 64 and inb["flags"] & 1
    listing = inst.ok("state", "list") + inst.cli("state", "list", json_out=True).stdout
    compact = dump_txt.replace(" ", "").replace("\n", "")
    for key in (KEY_GCM, KEY_SHA256, "0x" + "11" * 32):
        hexpart = key[2:]
        assert hexpart not in dump_txt.lower() and hexpart not in listing.lower()
        as_dec = ",".join(str(b) for b in bytes.fromhex(hexpart)[:6])
        assert as_dec not in compact
    sadi = btf_dump(inst.in_daemon_mnt("bpftool", "-j", "map", "dump", "pinned",
                                         inst.pins + "/xs_sadi").stdout)
    assert [(e["key"]["spi"], e["value"]) for e in sadi] == [(0x2001, 1)]

    inst.ok("stop")
    assert "xdp" not in inst.link("wan0").split("link/ether")[0]
    assert "prog/xdp" not in inst.link("wan0") and "prog/xdp" not in inst.link("lan0")
    assert "tc_out" not in sh("tc", "-n", inst.ns, "filter", "show", "dev", "wan0",
                              "egress").stdout
    links = sh("ip", "-n", inst.ns, "-br", "link").stdout
    assert "xsi-" not in links and "xsp-" not in links
    assert not os.path.exists("/run/xdpsec/%s.sock" % inst.name)


def test_sigterm_cleans_up(inst):
    inst.ok("daemon")
    inst.ok("attach", "--wan", "wan0")
    os.kill(inst.pid(), 15)
    wait_for(lambda: not inst.running(), what="daemon exit on SIGTERM")
    assert "prog/xdp" not in inst.link("wan0")
    assert "tc_out" not in sh("tc", "-n", inst.ns, "filter", "show", "dev", "wan0",
                              "egress").stdout
    assert "xsi-" not in sh("ip", "-n", inst.ns, "-br", "link").stdout
    for suffix in (".sock", ".ifs"):
        assert not os.path.exists("/run/xdpsec/" + inst.name + suffix)


def _stats_map_id(inst):
    info = json.loads(sh("ip", "-n", inst.ns, "-j", "-d", "link", "show", "wan0").stdout)[0]
    prog = info["xdp"]["prog"]["id"]
    maps = json.loads(sh("bpftool", "-j", "prog", "show", "id", str(prog)).stdout)["map_ids"]
    for m in maps:
        if json.loads(sh("bpftool", "-j", "map", "show", "id", str(m)).stdout)["name"] == "xs_stats":
            return m
    raise AssertionError("xs_stats not found")


def _no_worker_drops(map_id):
    dump = btf_dump(sh("bpftool", "-j", "map", "dump", "id", str(map_id)).stdout)
    wan = [e for e in dump if e["key"] == 0][0]
    return sum(cpu["value"]["drops"][21] for cpu in wan["values"])


def test_kill9_fails_closed_and_restart_cleans(inst):
    inst.ok("daemon")
    inst.ok("attach", "--wan", "wan0")
    inst.ok(*sa_in())
    os.kill(inst.pid(), 9)
    wait_for(lambda: sh("ip", "netns", "exec", inst.ns, "true") and not _alive(inst),
             what="daemon death")
    assert "name xdp_wan" in inst.link("wan0")
    stats = _stats_map_id(inst)
    before = _no_worker_drops(stats)
    send_esp(inst, 0x2001, 5)
    wait_for(lambda: _no_worker_drops(stats) >= before + 5, what="no-worker drops")
    r = inst.cli("status")
    assert r.returncode == 1 and "is not running" in r.stderr
    r = inst.cli("daemon")
    assert r.returncode == 0, r.stderr
    assert "not stopped cleanly" in r.stderr
    assert "prog/xdp" not in inst.link("wan0")
    assert "xsi-" not in sh("ip", "-n", inst.ns, "-br", "link").stdout
    inst.ok("attach", "--wan", "wan0")
    inst.ok("stop")
    assert "prog/xdp" not in inst.link("wan0")


def _alive(inst):
    try:
        pid = inst.pid()
    except (FileNotFoundError, ValueError):
        return False
    try:
        with open("/proc/%d/status" % pid) as f:
            return "State:\tZ" not in f.read()
    except FileNotFoundError:
        return False


def test_unknown_spi_counted(inst):
    inst.ok("daemon")
    inst.ok("attach", "--wan", "wan0")

    def unknown():
        return inst.js("stats")["hooks"]["xdp-wan"]["drops"]["unknown-spi"]
    before = unknown()
    send_esp(inst, 0xdeadbeef, 7)
    wait_for(lambda: unknown() >= before + 7, what="unknown-spi drops")
    assert "unknown-spi" in inst.ok("stats")
    st = inst.js("stats")
    assert st["hooks"]["xdp-wan"]["actions"]["drop"] >= 7
    assert set(st["hooks"]) == {"xdp-wan", "xdp-lan", "tc-out"}
    assert st["worker"]["drops"].keys() == st["hooks"]["tc-out"]["drops"].keys()


def test_state_round_trip_json(inst):
    inst.ok("daemon")
    inst.ok("attach", "--wan", "wan0")
    added = inst.js(*sa_out(extra=["sel", "src", "10.1.0.0/24", "dst", "10.2.0.0/24",
                                   "limit", "time-hard", "3600", "packet-soft", "1000",
                                   "encap", "espinudp", "4500", "4500", "0.0.0.0"]))
    assert added["dir"] == "out" and added["spi"] == 0x1001 and added["keys"] is True
    inst.ok(*sa_in())
    inst.ok("state", "add", "src", "192.0.2.1", "dst", "192.0.2.2", "proto", "ah",
            "spi", "0x3001", "mode", "transport", "auth", "hmac(sha1)", "0x" + "22" * 20)
    inst.ok("state", "add", "src", "192.0.2.9", "dst", "192.0.2.1", "proto", "esp",
            "spi", "0x4001", "dir", "out", "aead", "rfc7539esp(chacha20,poly1305)",
            "0x" + "33" * 36, "128")
    v6 = inst.js("state", "add", "src", "2001:db8::2", "dst", "2001:db8::1", "proto", "esp",
                 "spi", "0x5001", "mode", "transport", "aead", "rfc4543(gcm(aes))",
                 "0x" + "44" * 36, "128")
    assert v6["src"] == "2001:db8::2" and v6["dir"] == "in"
    assert v6["alg"] == "aead rfc4543(gcm(aes)) 128"
    inst.ok("state", "delete", "dst", "2001:db8::1", "proto", "esp", "spi", "0x5001")
    sas = {s["spi"]: s for s in inst.js("state", "list")}
    assert set(sas) == {0x1001, 0x2001, 0x3001, 0x4001}
    s = sas[0x1001]
    for k in ("slot", "src", "dst", "proto", "spi", "mode", "dir", "reqid", "state", "alg",
              "replay_window", "flags", "encap", "sel", "limit", "seq", "packets", "bytes"):
        assert k in s
    assert s["alg"] == "aead rfc4106(gcm(aes)) 128"
    assert s["encap"] == {"type": "espinudp", "sport": 4500, "dport": 4500}
    assert s["sel"] == [{"src": "10.1.0.0/24", "dst": "10.2.0.0/24"}]
    assert s["limit"]["time-hard"] == 3600 and s["limit"]["packet-soft"] == 1000
    assert sas[0x2001]["alg"] == "enc cbc(aes) auth-trunc hmac(sha256) 128"
    assert sas[0x2001]["dir"] == "in" and sas[0x2001]["flags"] == ["esn"]
    assert sas[0x3001]["alg"] == "auth-trunc hmac(sha1) 96" and sas[0x3001]["proto"] == "ah"
    assert sas[0x4001]["dir"] == "out"
    text = inst.ok("state", "list")
    assert "proto esp spi 0x00001001 reqid 7 mode tunnel dir out" in text
    got = inst.js("state", "get", "dst", "192.0.2.1", "proto", "esp", "spi", "0x2001")
    assert got["spi"] == 0x2001
    r = inst.cli(*sa_out())
    assert r.returncode == 1 and "exists already" in r.stderr
    assert inst.js("state", "delete", "dst", "192.0.2.1", "proto", "esp",
                   "spi", "0x2001") == {"deleted": 1}
    r = inst.cli("state", "delete", "dst", "192.0.2.1", "proto", "esp", "spi", "0x2001")
    assert r.returncode == 1 and "no such SA" in r.stderr
    assert inst.js("state", "flush") == {"deleted": 3}
    assert inst.js("state", "list") == []


def test_policy_round_trip_and_sa_link(inst):
    inst.ok("daemon")
    pol = ["src", "10.1.0.0/24", "dst", "10.2.0.0/24", "dir", "out"]
    p = inst.js("policy", "add", *pol, "tmpl", "src", "192.0.2.1", "dst", "192.0.2.2",
                "proto", "esp", "mode", "tunnel", "reqid", "7")
    assert p["action"] == "protect" and p["sa_slot"] is None
    inst.ok("policy", "add", "src", "10.1.0.0/24", "dst", "10.3.0.0/16", "proto", "tcp",
            "dport", "22", "sport", "1024-65535", "dir", "out", "priority", "5")
    inst.ok("policy", "add", "src", "0.0.0.0/0", "dst", "10.9.0.0/16", "dir", "fwd",
            "action", "block")
    inst.ok("policy", "add", "src", "2001:db8::/32", "dst", "2001:db8:1::/48", "dir", "in")
    pols = inst.js("policy", "list")
    assert [x["action"] for x in pols] == ["protect", "bypass", "discard", "bypass"]
    assert pols[1]["dport"] == "22" and pols[1]["sport"] == "1024-65535"
    assert pols[1]["proto"] == "tcp" and pols[1]["priority"] == 5
    assert pols[3]["src"] == "2001:db8::/32"
    inst.ok(*sa_out())
    slot = inst.js("policy", "list")[0]["sa_slot"]
    assert isinstance(slot, int)
    spd = btf_dump(inst.in_daemon_mnt("bpftool", "-j", "map", "dump", "pinned",
                                        inst.pins + "/xs_spd").stdout)
    gen = inst.js("status")["spd_generation"]
    live = [e["value"] for e in spd if e["key"] == gen]   # policy 0: XS_SPD_IDX(gen, 0)
    assert live[0]["id"] == pols[0]["id"] and live[0]["sa_slot"] == slot
    inst.ok("state", "flush")
    assert inst.js("policy", "list")[0]["sa_slot"] is None
    r = inst.cli("policy", "add", *pol)
    assert r.returncode == 1 and "exists already" in r.stderr
    assert inst.js("policy", "delete", *pol) == {"deleted": 1}
    r = inst.cli("policy", "delete", *pol)
    assert r.returncode == 1 and "no policy" in r.stderr
    assert inst.js("policy", "flush") == {"deleted": 3}
    assert inst.js("policy", "list") == []
    assert inst.ok("policy", "list") == ""


GOOD_CONF = """# xdpsec test configuration
interfaces {
    wan = wan0
}
sas {
    out1 {
        src = 192.0.2.1
        dst = 192.0.2.2
        proto = esp
        spi = 0x1001
        mode = tunnel
        aead = rfc4106(gcm(aes)) %s 128   # AES-128-GCM
        reqid = 1
    }
    in1 {
        src = 192.0.2.2
        dst = 192.0.2.1
        proto = esp
        spi = 0x2001
        mode = tunnel
        enc = cipher_null ""
        auth-trunc = hmac(sha256) %s 128
    }
}
policies {
    p1 {
        src = 10.1.0.0/24
        dst = 10.2.0.0/24
        dir = out
        tmpl = src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel reqid 1
        priority = 10
    }
}
connections {
}
secrets {
}
""" % (KEY_GCM, KEY_SHA256)


def write_conf(tmp_path, text, mode=0o600):
    path = tmp_path / "xdpsec.conf"
    path.write_text(text)
    os.chmod(path, mode)
    return str(path)


def test_config_good(inst, tmp_path):
    conf = write_conf(tmp_path, GOOD_CONF)
    r = inst.cli("daemon", "-c", conf)
    assert r.returncode == 0, r.stderr
    st = inst.js("status")
    assert st["sas"] == 2 and st["policies"] == 1
    assert st["interfaces"][0]["name"] == "wan0"
    pols = inst.js("policy", "list")
    assert pols[0]["priority"] == 10 and isinstance(pols[0]["sa_slot"], int)
    sas = {s["spi"]: s for s in inst.js("state", "list")}
    assert sas[0x2001]["alg"] == "enc cipher_null auth-trunc hmac(sha256) 128"
    res = inst.js("load-conf", conf)
    assert res["sas"] == 2 and res["policies"] == 1


BAD_CONFS = [
    ("unknown key", GOOD_CONF.replace("        reqid = 1\n", "        foo = 1\n"),
     ":13: unknown key 'foo' in sas.out1"),
    ("unknown section", "bogus {\n}\n", ":1: unknown section 'bogus'"),
    ("missing brace", "sas {\n    a {\n        src = 192.0.2.1\n", ":3: missing '}' for sas.a"),
    ("connections", "connections {\n    c1 {\n        foo = 1\n    }\n}\n",
     ":3: unknown key 'foo' in connections.c1"),
    ("bad value", GOOD_CONF.replace("spi = 0x1001", "spi = 0xnope"),
     ":10: sas.out1: bad spi '0xnope': not a number"),
    ("bad key length", GOOD_CONF.replace(KEY_GCM, KEY_GCM[:-2]),
     ":6: sas.out1: invalid SA: AEAD key length is wrong"),
    ("bad policy", GOOD_CONF.replace("dst = 10.2.0.0/24", "dst = 10.2.0.0/99"),
     ":28: policies.p1: bad dst prefix '10.2.0.0/99'"),
    ("no equals", "interfaces {\n    wan wan0\n}\n", ":2: expected 'key = value'"),
    ("quote", GOOD_CONF.replace('cipher_null ""', 'cipher_null "'), ":21: unterminated quote"),
    ("interfaces key", "interfaces {\n    dmz = eth9\n}\n", ":2: unknown key 'dmz' in interfaces"),
]


@pytest.mark.parametrize("name,text,msg", BAD_CONFS, ids=[b[0] for b in BAD_CONFS])
def test_config_bad(inst, tmp_path, name, text, msg):
    conf = write_conf(tmp_path, text)
    r = inst.cli("daemon", "-c", conf)
    assert r.returncode == 1
    assert r.stderr.strip() == "xdpsec: " + conf + r.stderr.strip().split(conf, 1)[1]
    assert msg in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not inst.running()
    assert not os.path.exists("/run/xdpsec/%s.sock" % inst.name)
    assert "prog/xdp" not in inst.link("wan0")
    inst.ok("daemon")
    r = inst.cli("load-conf", conf)
    assert r.returncode == 1 and msg in r.stderr
    assert inst.js("status")["sas"] == 0


def test_config_readable_with_keys_refused(inst, tmp_path):
    conf = write_conf(tmp_path, GOOD_CONF, mode=0o644)
    inst.ok("daemon")
    r = inst.cli("load-conf", conf)
    assert r.returncode == 1
    assert "holds keys but is readable by group or others" in r.stderr
    assert inst.js("status")["interfaces"] == []


def test_attach_errors_leave_nothing(inst):
    inst.ok("daemon")
    r = inst.cli("attach", "--wan", "nosuch0")
    assert r.returncode == 1
    assert r.stderr.strip() == "xdpsec: attach: interface 'nosuch0' does not exist"
    r = inst.cli("attach", "--wan", "wan0", "--lan", "nosuch1")
    assert r.returncode == 1 and "'nosuch1' does not exist" in r.stderr
    assert "prog/xdp" not in inst.link("wan0")
    assert "xsi-" not in sh("ip", "-n", inst.ns, "-br", "link").stdout
    assert inst.js("status")["interfaces"] == []
    inst.ok("attach", "--wan", "wan0")
    r = inst.cli("attach", "--wan", "lan0")
    assert r.returncode == 1 and "a WAN is attached already (wan0)" in r.stderr
    r = inst.cli("detach", "lan0")
    assert r.returncode == 1 and "'lan0' is not attached" in r.stderr
    inst.ok("detach", "wan0")
    assert "prog/xdp" not in inst.link("wan0")


def send_esp_gcm(inst, key_hex, spi, seqs, inner_src="10.2.0.5", inner=None):
    """ESP (AES-GCM-16, tunnel) built and encrypted by scapy, from the peer;
    inner: a scapy expression for the inner packet (default ICMP echo)."""
    inner = inner or "IP(src='%s', dst='10.1.0.5')/ICMP()/Raw(b'x' * 32)" % inner_src
    script = ("from scapy.all import Ether, IP, ICMP, TCP, UDP, Raw, sendp\n"
              "from scapy.layers.ipsec import SecurityAssociation, ESP\n"
              "sa = SecurityAssociation(ESP, spi=%d, crypt_algo='AES-GCM',"
              " crypt_key=bytes.fromhex('%s'),"
              " tunnel_header=IP(src='192.0.2.2', dst='192.0.2.1'))\n"
              "inner = %s\n"
              "for s in %r:\n"
              "    sendp(Ether(dst='ff:ff:ff:ff:ff:ff')/sa.encrypt(inner, seq_num=s),"
              " iface='wanp', verbose=False)\n" % (spi, key_hex, inner, list(seqs)))
    sh("ip", "netns", "exec", inst.peer, "/usr/bin/python3", "-c", script)


def test_worker_gets_the_keys(inst):
    """The keys given to `state add` reach the worker (and only there): ESP
    that scapy encrypts with them is decrypted (SA counters move); ESP under
    another key fails its ICV check."""
    inst.ok("daemon")
    inst.ok("attach", "--wan", "wan0", "--lan", "lan0")
    inst.ok("state", "add", "src", "192.0.2.2", "dst", "192.0.2.1", "proto", "esp",
            "spi", "0x2001", "mode", "tunnel", "aead", "rfc4106(gcm(aes))", KEY_GCM, "128",
            "replay-window", "32")
    send_esp_gcm(inst, KEY_GCM[2:], 0x2001, range(1, 6))

    def sa():
        return inst.js("state", "get", "dst", "192.0.2.1", "proto", "esp", "spi", "0x2001")
    wait_for(lambda: sa()["packets"] == 5, what="5 packets decrypted")
    assert sa()["bytes"] == 5 * 60 and sa()["replay_top"] == 5   # inner IPv4/ICMP, 60 bytes
    assert inst.js("stats")["hooks"]["xdp-wan"]["actions"]["worker"] >= 5
    wrong = "ff" + KEY_GCM[4:]
    send_esp_gcm(inst, wrong, 0x2001, range(6, 9))
    wait_for(lambda: inst.js("stats")["worker"]["drops"]["icv-fail"] >= 3, what="icv-fail")
    assert sa()["packets"] == 5


def test_protect_without_sa_acquire(inst):
    """LAN traffic that a PROTECT policy covers, with no SA: dropped (no-sa)
    by xdp-lan, and the daemon counts the acquire events."""
    inst.ok("daemon")
    inst.ok("attach", "--wan", "wan0", "--lan", "lan0")
    inst.ok("policy", "add", "src", "10.1.0.0/24", "dst", "10.2.0.0/24", "dir", "fwd",
            "tmpl", "src", "192.0.2.1", "dst", "192.0.2.2", "proto", "esp", "mode", "tunnel")
    inst.ok("policy", "add", "src", "10.1.0.0/24", "dst", "10.2.0.0/24", "dir", "out",
            "tmpl", "src", "192.0.2.1", "dst", "192.0.2.2", "proto", "esp", "mode", "tunnel")
    script = ("from scapy.all import Ether, IP, UDP, Raw, sendp\n"
              "p = Ether(dst='ff:ff:ff:ff:ff:ff')/IP(src='10.1.0.5', dst='10.2.0.7')"
              "/UDP(sport=1234, dport=5678)/Raw(b'secret' * 8)\n"
              "sendp(p, iface='lanp', count=4, verbose=False)\n")
    sh("ip", "netns", "exec", inst.ns, "/usr/bin/python3", "-c", script)
    wait_for(lambda: inst.js("status")["acquires"] >= 4, what="4 acquires")
    assert inst.js("stats")["hooks"]["xdp-lan"]["drops"]["no-sa"] >= 4
    assert "acquires (PROTECT traffic without an SA) 4" in inst.ok("status")


def test_state_add_sel_enforced_after_decryption(inst):
    """`state add ... sel src P dst P` reaches the worker: ESP that decrypts
    under the SA but carries an inner source outside the selector is dropped
    as selector-mismatch (RFC 4301 5.2 step 4); matching packets are not."""
    inst.ok("daemon")
    inst.ok("attach", "--wan", "wan0", "--lan", "lan0")
    inst.ok("state", "add", "src", "192.0.2.2", "dst", "192.0.2.1", "proto", "esp",
            "spi", "0x2001", "mode", "tunnel", "aead", "rfc4106(gcm(aes))", KEY_GCM, "128",
            "replay-window", "32", "sel", "src", "10.2.0.0/24", "dst", "10.1.0.0/24")

    def drops():
        return inst.js("stats")["worker"]["drops"]
    send_esp_gcm(inst, KEY_GCM[2:], 0x2001, range(1, 4), inner_src="10.9.9.9")
    wait_for(lambda: drops()["selector-mismatch"] == 3, what="3 selector mismatches")
    send_esp_gcm(inst, KEY_GCM[2:], 0x2001, range(4, 6))
    sa = inst.js("state", "get", "dst", "192.0.2.1", "proto", "esp", "spi", "0x2001")
    wait_for(lambda: inst.js("state", "get", "dst", "192.0.2.1", "proto", "esp", "spi",
                             "0x2001")["replay_top"] == 5, what="5 packets authenticated")
    assert sa["sel"] is not None
    assert drops()["selector-mismatch"] == 3 and drops()["icv-fail"] == 0


def test_internal_veth_offloads_and_sysctls(inst):
    """The internal veth pair has TSO/GSO/GRO off on both ends (the worker
    takes no multi-buffer frames), and its stack end accepts local sources
    (accept_local=1, rp_filter=0)."""
    inst.ok("daemon")
    inst.ok("attach", "--wan", "wan0")
    for dev in ("xsi-" + inst.name, "xsp-" + inst.name):
        feats = dict(line.strip().split(": ", 1)[0:2] for line in
                     sh("ip", "netns", "exec", inst.ns, "ethtool", "-k", dev).stdout.splitlines()
                     if ": " in line)
        for f in ("tcp-segmentation-offload", "generic-segmentation-offload",
                  "generic-receive-offload"):
            assert feats[f].startswith("off"), (dev, f, feats[f])
    conf = "net.ipv4.conf.xsi-%s." % inst.name
    got = sh("ip", "netns", "exec", inst.ns, "sysctl", "-n", conf + "accept_local",
             conf + "rp_filter").stdout.split()
    assert got == ["1", "0"]
