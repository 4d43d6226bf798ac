"""The IKE sections of the configuration file (loader/conf_ike*.c):
`connections { }` and `secrets { }` as swanctl.conf writes them, loaded into
one daemon (its own namespace, no interfaces needed) with `load-conf`, read
back with `list-conns --json`: every key, the defaults, identities of every
form (DNs through ike/id.c's DER encoder and decoder), traffic-selector forms, and
one-line errors naming the file, the line and the key; a refused file
leaves the loaded connections as they were.
"""
import ipaddress
import json
import os
import subprocess
import textwrap
import time

import pytest

from netns import Netns, Xdpsec
from strongswan import Pki

FULL = """
connections {
    gw {
        local_addrs = 192.0.2.1
        remote_addrs = 192.0.2.2
        remote_port = 4500
        version = 2
        proposals = aes256gcm16-prfsha256-modp2048, aes256-sha256-modp3072
        encap = yes
        fragmentation = no
        dpd_delay = 30s
        dpd_timeout = 2m
        rekey_time = 1h
        rand_time = 5m
        keyingtries = 3
        local {
            auth = psk
            id = moon.example
        }
        remote {
            auth = psk
            id = @sun.example
        }
        children {
            net {
                local_ts = 10.1.0.0/24, 10.1.5.7-10.1.5.9
                remote_ts = 10.2.0.0/16[tcp/80], fd00:2::/64[udp/1000-2000]
                esp_proposals = aes128gcm16-ecp256-esn
                mode = tunnel
                start_action = start
                dpd_action = restart
                rekey_time = 10m
                life_time = 12m
                rand_time = 30s
                rekey_bytes = 1000000
                life_bytes = 2000000
                rekey_packets = 5000
                replay_window = 128
            }
            host {
                ah_proposals = sha256
                mode = transport
                start_action = trap
            }
        }
    }
}
secrets {
    ike-gw {
        id = moon.example
        id-2 = sun.example
        secret = "a shared secret"
    }
}
"""


@pytest.fixture(scope="module")
def daemon():
    ns = Netns("xsconf" + os.urandom(3).hex())
    subprocess.run(["ip", "netns", "add", ns.name], check=True)
    d = Xdpsec(ns, "c")
    try:
        ns.run(["ip", "link", "set", "lo", "up"])
        d.cli("daemon")
        yield d
    finally:
        d.stop()
        subprocess.run(["ip", "netns", "del", ns.name], check=False)


def write(tmp_path, text, mode=0o600, name="ike.conf"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    os.chmod(path, mode)
    return str(path)


def load(daemon, tmp_path, text, **kw):
    path = write(tmp_path, text, **kw)
    r = daemon.cli("load-conf", path, check=False)
    return path, r


def conns(daemon):
    return daemon.js("list-conns")


def test_every_key(daemon, tmp_path):
    path, r = load(daemon, tmp_path, FULL)
    assert r.returncode == 0, r.stderr
    res = conns(daemon)
    assert res["secrets"] == 1
    (gw,) = res["connections"]
    assert (gw["name"], gw["local_addrs"], gw["remote_addrs"]) == ("gw", "192.0.2.1", "192.0.2.2")
    assert (gw["local_port"], gw["remote_port"]) == (500, 4500)
    assert gw["proposals"] == "aes256gcm16-prfsha256-modp2048, aes256-sha256-prfsha256-modp3072"
    assert (gw["encap"], gw["fragmentation"], gw["esn"]) == (True, False, True)
    assert (gw["dpd_delay"], gw["dpd_timeout"], gw["rekey_time"], gw["rand_time"]) == (
        30, 120, 3600, 300)
    assert gw["keyingtries"] == 3
    assert gw["local"] == {"auth": "psk", "id": "moon.example", "certs": None, "key": None}
    assert gw["remote"] == {"auth": "psk", "id": "sun.example", "cacerts": None}
    net, host = gw["children"]
    assert net == {
        "name": "net", "mode": "tunnel", "proto": "esp",
        "proposals": "aes128gcm16-ecp256-esn",
        "local_ts": ["10.1.0.0/24", "10.1.5.7-10.1.5.9"],
        "remote_ts": ["10.2.0.0/16[6/80]", "fd00:2::/64[17/1000-2000]"],
        "start_action": "start", "dpd_action": "restart", "replay_window": 128,
        "rekey_time": 600, "life_time": 720, "rand_time": 30,
        "rekey_bytes": 1000000, "life_bytes": 2000000,
        "rekey_packets": 5000, "life_packets": 5500}
    assert (host["mode"], host["proto"], host["proposals"], host["start_action"]) == (
        "transport", "ah", "sha256-noesn", "trap")
    # dynamic: the configured addresses
    assert (host["local_ts"], host["remote_ts"]) == (["192.0.2.1/32"], ["192.0.2.2/32"])
    text = daemon.cli("list-conns").stdout
    assert "gw: IKEv2" in text and "10.2.0.0/16[6/80]" in text and "secret" not in text


def test_defaults(daemon, tmp_path):
    _, r = load(daemon, tmp_path, """
        connections {
            a {
                remote_addrs = 2001:db8::2
                local {
                    auth = psk
                    id = a.example
                }
                remote {
                    auth = psk
                }
                children {
                    c {
                    }
                }
            }
        }
    """)
    assert r.returncode == 0, r.stderr
    (a,) = conns(daemon)["connections"]
    assert (a["local_addrs"], a["local_port"], a["remote_port"]) == ("%any", 500, 500)
    assert (a["rekey_time"], a["rand_time"], a["keyingtries"]) == (14400, 1440, 1)
    assert (a["encap"], a["fragmentation"], a["esn"], a["dpd_delay"]) == (False, True, False, 0)
    assert a["remote"]["id"] == "%any"
    assert a["proposals"].startswith("aes256gcm16-aes128gcm16-chacha20poly1305-prfsha256")
    (c,) = a["children"]
    assert (c["mode"], c["proto"], c["start_action"], c["dpd_action"]) == (
        "tunnel", "esp", "none", "clear")
    assert (c["rekey_time"], c["life_time"], c["rand_time"], c["replay_window"]) == (
        3600, 3960, 360, 32)
    assert c["proposals"].startswith("aes256gcm16-aes128gcm16-chacha20poly1305-noesn")
    # local %any: dynamic stays dynamic (the IKE SA's address)
    assert (c["local_ts"], c["remote_ts"]) == (["dynamic"], ["2001:db8::2/128"])
    assert conns(daemon)["secrets"] == 0


IDS = [
    ("moon.example", "moon.example"),
    ("@moon", "moon"),
    ("carol@example.org", "carol@example.org"),
    ("@@carol", "carol"),
    ("192.0.2.9", "192.0.2.9"),
    ("2001:db8::9", "2001:db8::9"),
    ("%any", "%any"),
    ("C=CH, O=strongSwan Project, CN=moon.strongswan.org",
     "C=CH, O=strongSwan Project, CN=moon.strongswan.org"),
    ("/C=DE/O=Ex\u00e4mple/OU=Unit/E=a@b.c/CN=x",
     "C=DE, O=Ex\u00e4mple, OU=Unit, emailAddress=a@b.c, CN=x"),
    # forms only ike/id.c's parser knew before the loader used it
    ("C=CH, GN=Anna, L=Bern, CN='x'", "C=CH, GN=Anna, L=Bern, CN='x'"),
    ('C=CH, O="Acme, Inc", CN=gw', "C=CH, O=Acme, Inc, CN=gw"),
]


def test_identities(daemon, tmp_path):
    kids = "".join(f"""
            c{i} {{
                local_addrs = 192.0.2.1
                local {{
                    auth = psk
                }}
                remote {{
                    auth = psk
                    id = "{v}"
                }}
            }}""" for i, (v, _) in enumerate(IDS))
    _, r = load(daemon, tmp_path, "connections {" + kids + "\n}\n")
    assert r.returncode == 0, r.stderr
    got = [c["remote"]["id"] for c in conns(daemon)["connections"]]
    assert got == [want for _, want in IDS]


# (snippet inside connections.x (line 3 is the first key), line, message)
BAD = [
    ("foo = 1", 3, "unknown key 'foo' in connections.x"),
    ("version = 1", 3, "connections.x: version: '1' is not supported"),
    ("remote_addrs = 192.0.2.2, 192.0.2.3", 3, "remote_addrs: bad address"),
    ("remote_addrs = moon", 3, "remote_addrs: bad address 'moon'"),
    ("proposals = aes256-sha256-modp9999", 3, "proposals: bad proposals"),
    ("rekey_time = 4x", 3, "rekey_time: bad time '4x'"),
    ("encap = maybe", 3, "encap: bad value 'maybe'"),
    ("fragmentation = sometimes", 3, "fragmentation: bad value"),
    ("remote_port = 70000", 3, "remote_port: bad port"),
    ("local_port = 1500", 3, "local_port: only 500 (the daemon listens on 500 and 4500)"),
    ("local {\n    auth = eap\n}", 4, "connections.x.local: auth: 'eap' is not supported"),
    ("local {\n    cacerts = ca.pem\n}", 4, "unknown key 'cacerts' in connections.x.local"),
    ("remote {\n    id = C=XX, Q=1\n}", 4, "bad id 'C=XX, Q=1': DN: unknown attribute 'Q'"),
    ("remote {\n    id = C=XX, CN=\"gw\n}", 4, "DN: unterminated quote"),
    ("bogus {\n}", 3, "unknown section 'bogus' in connections.x"),
    ("children {\n    c {\n        mode = beet\n    }\n}", 5,
     "connections.x.children.c: mode: 'beet' is not supported"),
    ("children {\n    c {\n        local_ts = 10.0.0.0/33\n    }\n}", 5,
     "connections.x.children.c: local_ts: bad traffic selector '10.0.0.0/33'"),
    ("children {\n    c {\n        remote_ts = 10.0.0.9-10.0.0.1\n    }\n}", 5,
     "remote_ts: bad traffic selector '10.0.0.9-10.0.0.1'"),
    ("children {\n    c {\n        remote_ts = 10.0.0.0/8[xyz]\n    }\n}", 5,
     "unknown protocol 'xyz'"),
    ("children {\n    c {\n        start_action = trap|start\n    }\n}", 5,
     "start_action: 'trap|start' is not supported"),
    ("children {\n    c {\n        esp_proposals = aes128-bogus\n    }\n}", 5,
     "esp_proposals: bad proposals 'aes128-bogus'"),
    ("children {\n    c {\n        esp_proposals = aes128gcm16\n"
     "        ah_proposals = sha256\n    }\n}", 6, "only one of esp_proposals and ah_proposals"),
    ("children {\n    c {\n        replay_window = 100000\n    }\n}", 5,
     "replay_window: 100000 is above 65536"),
    ("children {\n    c {\n        rekey_time = 1h\n        life_time = 30m\n    }\n}", 2,
     "connections.x.children.c: life_time is below rekey_time"),
    ("children {\n    c {\n    }\n    c {\n    }\n}", 6, "child 'c' defined twice"),
    ("children {\n" + "".join(f"    c{i} {{\n    }}\n" for i in range(9)) + "}", 20,
     "more than 8 children in connections.x.children"),
    ("local {\n    auth = pubkey\n}", 2, "connections.x: local.certs is needed with auth = pubkey"),
]


def conn_text(snippet, addrs="local_addrs = 192.0.2.1\n"):
    body = textwrap.indent(snippet, " " * 8)
    return f"connections {{\n    x {{\n{body}\n        {addrs}    }}\n}}\n"


@pytest.mark.parametrize("snippet,line,msg", BAD, ids=[b[2][:40] for b in BAD])
def test_errors(daemon, tmp_path, snippet, line, msg):
    good, r = load(daemon, tmp_path, FULL, name="good.conf")
    assert r.returncode == 0, r.stderr
    path, r = load(daemon, tmp_path, conn_text(snippet))
    assert r.returncode == 1
    err = r.stderr.strip()
    assert err.startswith(f"xdpsec: {path}:{line}: ") and msg in err, err
    assert len(err.splitlines()) == 1
    # all or nothing: the connections of good.conf are still there
    assert [c["name"] for c in conns(daemon)["connections"]] == ["gw"]


SECRET_BAD = [
    ("    ike-a {\n        secret = 0x123\n    }\n", 3, "secret: bad secret: 0x wants"),
    ("    ike-a {\n        secret = 0s!!!!\n    }\n", 3, "secret: bad secret: 0s wants base64"),
    ("    ike-a {\n        id = a\n    }\n", 2, "secrets.ike-a: missing secret"),
    ("    private-a {\n        file = k.pem\n    }\n", 2, "secrets.private-a: only ike-NAME"),
    ("    ike-a {\n        pin = 1\n    }\n", 3, "unknown key 'pin' in secrets.ike-a"),
    ("    ike-a {\n        secret = x\n        secret = y\n    }\n", 4, "secret given twice"),
]


@pytest.mark.parametrize("body,line,msg", SECRET_BAD, ids=[b[2][:30] for b in SECRET_BAD])
def test_secret_errors(daemon, tmp_path, body, line, msg):
    path, r = load(daemon, tmp_path, "secrets {\n" + body + "}\n")
    assert r.returncode == 1
    assert r.stderr.strip().startswith(f"xdpsec: {path}:{line}: ") and msg in r.stderr, r.stderr


def test_secret_forms_and_privacy(daemon, tmp_path):
    text = ("secrets {\n    ike-1 {\n        secret = 0x0102\n    }\n"
            "    ike-2 {\n        secret = 0sAQID\n    }\n"
            "    ike3 {\n        secret = 'quoted words'\n    }\n}\n")
    path, r = load(daemon, tmp_path, text, mode=0o644)
    assert r.returncode == 1
    assert r.stderr.strip() == (f"xdpsec: {path}: holds keys but is readable by group or "
                                f"others (chmod 600 {path})")
    path, r = load(daemon, tmp_path, text)
    assert r.returncode == 0, r.stderr
    res = conns(daemon)
    assert res["secrets"] == 3
    assert "quoted" not in json.dumps(res) and "AQID" not in json.dumps(res)


CERT_CONF = """
    connections {
        c {
            remote_addrs = 192.0.2.2
            local {
                auth = pubkey
                certs = moon.pem
                key = KEY
            }
            remote {
                auth = pubkey
                id = "C=CH, CN=sun"
                cacerts = ca.pem
            }
        }
    }
"""


def test_certificate_paths(daemon, tmp_path):
    """Relative files are the configuration file's neighbours; the core
    loads them when the file is loaded."""
    pki = Pki(tmp_path)
    pki.issue("moon", "DNS:moon.example")
    _, r = load(daemon, tmp_path, CERT_CONF.replace("KEY", pki.key("moon")))
    assert r.returncode == 0, r.stderr
    (c,) = conns(daemon)["connections"]
    assert c["local"] == {"auth": "pubkey", "id": "%any", "certs": f"{tmp_path}/moon.pem",
                          "key": pki.key("moon")}
    assert c["remote"] == {"auth": "pubkey", "id": "C=CH, CN=sun",
                           "cacerts": f"{tmp_path}/ca.pem"}


def test_missing_certificate_refused_before_anything_changes(daemon, tmp_path):
    good, r = load(daemon, tmp_path, FULL, name="good.conf")
    assert r.returncode == 0, r.stderr
    path, r = load(daemon, tmp_path, CERT_CONF.replace("KEY", "/nonexistent.key"))
    assert r.returncode == 1
    err = r.stderr.strip()
    assert err.startswith(f"xdpsec: {path}: ") and "No such file" in err, err
    assert [c["name"] for c in conns(daemon)["connections"]] == ["gw"]


def test_without_connections(daemon, tmp_path):
    _, r = load(daemon, tmp_path, "sas {\n}\n")
    assert r.returncode == 0, r.stderr
    assert conns(daemon) == {"connections": [], "secrets": 0}
    assert daemon.js("list-sas") == [] and daemon.js("status")["ike"] is None
    assert json.loads(daemon.cli("list-sas", "--json").stdout) == []
    r = daemon.cli("list-sas", "--yaml", check=False)
    assert r.returncode == 2 and r.stderr.strip() == "xdpsec: unexpected argument '--yaml'"
    for cmd in (["up", "gw"], ["down", "gw"]):
        r = daemon.cli(*cmd, check=False)
        assert r.returncode == 1
        assert r.stderr.strip() == "xdpsec: unknown connection 'gw' (no connections loaded)"
    r = daemon.cli("down", check=False)
    assert r.returncode == 2 and r.stderr.strip() == "xdpsec: down: want CONN"


def test_connection_named_like_a_section(daemon, tmp_path):
    """A connection called x.local still has a remote { } section (where
    certs is unknown)."""
    path, r = load(daemon, tmp_path, """
        connections {
            x.local {
                remote {
                    certs = sun.pem
                }
            }
        }
    """)
    assert r.returncode == 1
    assert r.stderr.strip() == (f"xdpsec: {path}:5: unknown key 'certs' in "
                                "connections.x.local.remote")


def test_many_secrets(daemon, tmp_path):
    body = "".join(f"    ike-{i} {{\n        id = host{i}.example\n        secret = s{i}\n    }}\n"
                   for i in range(9))
    _, r = load(daemon, tmp_path, "secrets {\n" + body + "}\n")
    assert r.returncode == 0, r.stderr
    assert conns(daemon)["secrets"] == 9


def trap_conf(lts, rts, local="192.0.2.1", remote="192.0.2.2"):
    return f"""
        connections {{
            t {{
                local_addrs = {local}
                remote_addrs = {remote}
                local {{
                    auth = psk
                }}
                remote {{
                    auth = psk
                }}
                children {{
                    c {{
                        local_ts = {lts}
                        remote_ts = {rts}
                        start_action = trap
                    }}
                }}
            }}
        }}
    """


# ike/ike.h: IKE's reqids are IKE_REQID_BASE + connection index x 8 + child
# (fixed remote address), then the %any connections' per Child SA ones
IKE_REQID_BASE, IKE_REQID_END = 0xF000, 0x10000

RANGES = [("10.1.0.1", "10.1.0.254", "10.2.0.0/24"),
          ("172.16.3.7", "172.16.9.200", "10.9.9.9/32"),
          ("fd00::3", "fd00::1:0", "fd00:2::/64")]


@pytest.mark.parametrize("start,end,remote", RANGES)
def test_trap_policies_cover_ranges_exactly(daemon, tmp_path, start, end, remote):
    """A trap child's PROTECT policies (installed at load, no peer needed):
    a FROM-TO selector becomes exactly the prefixes Python's ipaddress
    summarizes it to, out and fwd, with the child's reqid; and the BYPASS
    of IKE's own ports."""
    local, peer = ("2001:db8::1", "2001:db8::2") if ":" in start else ("192.0.2.1", "192.0.2.2")
    _, r = load(daemon, tmp_path, trap_conf(f"{start}-{end}", remote, local, peer))
    assert r.returncode == 0, r.stderr
    want = {str(n) for n in ipaddress.summarize_address_range(ipaddress.ip_address(start),
                                                              ipaddress.ip_address(end))}
    pols = daemon.js("policy", "list")
    prot = [p for p in pols if p["action"] == "protect"]
    assert {p["src"] for p in prot if p["dir"] == "out"} == want
    assert {p["dst"] for p in prot if p["dir"] == "fwd"} == want
    assert {p["dst"] for p in prot if p["dir"] == "out"} == {remote}
    assert len(prot) == 2 * len(want)
    assert {(p["tmpl"]["reqid"], p["tmpl"]["mode"]) for p in prot} == {(IKE_REQID_BASE, "tunnel")}
    assert {(p["src"], p["sport"]) for p in pols if p["action"] == "bypass"} == {
        (f"{local}/{128 if ':' in local else 32}", "500"),
        (f"{local}/{128 if ':' in local else 32}", "4500")}
    _, r = load(daemon, tmp_path, "sas {\n}\n")
    assert r.returncode == 0 and daemon.js("policy", "list") == []


def test_trap_selector_too_wide(daemon, tmp_path):
    path, r = load(daemon, tmp_path, trap_conf("10.0.0.1-10.255.255.254", "10.9.0.0/16"))
    assert r.returncode == 1
    assert r.stderr.strip() == (f"xdpsec: {path}:3: connections.t.children.c: start_action "
                                "= trap: local_ts and remote_ts need more than 64 policies")


def test_trap_reqids_per_connection_and_child(daemon, tmp_path):
    """The second connection's second trap child: base + 1 x 8 + 1, the
    core's formula (the same reqid list-conns cannot show, policies do)."""
    two = trap_conf("10.1.0.0/24", "10.2.0.0/24", "192.0.2.1", "192.0.2.2")
    two = two.replace("connections {", """connections {
            first {
                local_addrs = 192.0.2.1
                remote_addrs = 192.0.2.3
                local {
                    auth = psk
                }
                remote {
                    auth = psk
                }
            }""", 1)
    two = two.replace("children {", """children {
                    c0 {
                        local_ts = 10.7.0.0/24
                        remote_ts = 10.8.0.0/24
                    }""", 1)
    _, r = load(daemon, tmp_path, two)
    assert r.returncode == 0, r.stderr
    prot = [p for p in daemon.js("policy", "list") if p["action"] == "protect"]
    assert prot and {p["tmpl"]["reqid"] for p in prot} == {IKE_REQID_BASE + 8 + 1}
    _, r = load(daemon, tmp_path, "sas {\n}\n")
    assert r.returncode == 0


@pytest.mark.parametrize("reqid", [IKE_REQID_BASE, IKE_REQID_END - 1])
def test_hand_keyed_reqid_in_ike_range_refused(daemon, reqid):
    """Hand-keyed SAs and policies cannot take IKE's reqids; just outside
    the range they can."""
    sa = ["state", "add", "src", "192.0.2.1", "dst", "192.0.2.2", "proto", "esp",
          "spi", "0x7001", "mode", "tunnel", "aead", "rfc4106(gcm(aes))", "0x" + "11" * 20,
          "128", "dir", "out", "reqid"]
    pol = ["policy", "add", "src", "10.5.0.0/24", "dst", "10.6.0.0/24", "dir", "out",
           "tmpl", "src", "192.0.2.1", "dst", "192.0.2.2", "proto", "esp", "mode", "tunnel",
           "reqid"]
    for args in (sa, pol):
        r = daemon.cli(*args, str(reqid), check=False)
        assert r.returncode != 0 and f"reqid {reqid}: 61440-65535 are IKE's" in r.stderr, r.stderr
    outside = IKE_REQID_BASE - 1 if reqid == IKE_REQID_BASE else IKE_REQID_END
    for args in (sa, pol):
        r = daemon.cli(*args, str(outside), check=False)
        assert r.returncode == 0, r.stderr
    daemon.cli("state", "delete", "dst", "192.0.2.2", "proto", "esp", "spi", "0x7001")
    daemon.cli("policy", "delete", "src", "10.5.0.0/24", "dst", "10.6.0.0/24", "dir", "out")


def xfrm_stat(daemon, name):
    text = daemon.ns.run(["cat", "/proc/net/xfrm_stat"]).stdout
    return int(next(ln.split()[1] for ln in text.splitlines() if ln.split()[0] == name))


SEND_UDP = """
import socket, sys
addr, port, payload = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3])
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
s.connect((addr, port))
s.settimeout(0.5)
s.send(payload)
try:
    s.recv(100)
    print("answer")
except ConnectionRefusedError:
    print("port-unreachable")
except socket.timeout:
    print("silence")
"""


def kernel_takes(daemon, family, port, payload):
    """Whether the kernel took the datagram as ESP instead of handing it to
    the socket: counted as XfrmInNoStates (no XFRM state for the SPI), or,
    where no ESP module is loaded (this host), answered with an ICMP port
    unreachable by xfrm's ESP-in-UDP receive path; a datagram the socket
    gets is never answered."""
    before = xfrm_stat(daemon, "XfrmInNoStates")
    addr = "127.0.0.1" if family == "4" else "::1"
    got = daemon.ns.run(["/usr/bin/python3", "-c", SEND_UDP, addr, str(port),
                         payload.hex()]).stdout.strip()
    assert got in ("port-unreachable", "silence"), got
    return got == "port-unreachable" or xfrm_stat(daemon, "XfrmInNoStates") == before + 1


@pytest.mark.parametrize("family", ["4", "6"])
def test_ike_natt_socket_is_an_esp_in_udp_socket(daemon, tmp_path, family):
    """IKE's port 4500 sockets have UDP_ENCAP_ESPINUDP (so that the kernel
    backend's ESP-in-UDP SAs can share them): the kernel takes a datagram
    that starts with a non-zero SPI as ESP, never seen by IKE, while one
    with the non-ESP marker still reaches IKE (not an IKE message: a drop
    counted by the core); on port 500 nothing goes to XFRM."""
    _, r = load(daemon, tmp_path, trap_conf("10.1.0.0/24", "10.2.0.0/24").replace(
        "start_action = trap", "start_action = none"))
    assert r.returncode == 0, r.stderr

    def drops():
        return sum(daemon.js("status")["ike"]["drops"].values())

    esp = bytes.fromhex("00001001 00000001") + bytes(32)
    before = drops()
    assert kernel_takes(daemon, family, 4500, esp)
    assert drops() == before
    assert not kernel_takes(daemon, family, 4500, bytes(4) + esp)
    assert not kernel_takes(daemon, family, 500, esp)
    deadline = time.monotonic() + 5
    while drops() < before + 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert drops() == before + 2, daemon.js("status")["ike"]
    _, r = load(daemon, tmp_path, "sas {\n}\n")
    assert r.returncode == 0
