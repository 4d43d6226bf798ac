"""The IKE core (ike/ike.h) against strongSwan's charon, PSK, both ways.

charon runs as in test_ike_init.py (`peer` fixture: charon on 192.0.2.1 in
its own namespace, us on 192.0.2.2 in another); tests/ike/ike_peer_tool runs
the core on UDP 500/4500 and prints the Child SAs it installs. What charon
installed (`swanctl --list-sas --raw`) must be the same Child SA: SPIs
crosswise, AES-GCM-16/256, selectors, UDP encapsulation (charon 5.9.8 with
kernel-libipsec always fakes a NAT, platform.md)."""
import json
import os
import re
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netns import wait_for  # noqa: E402
from test_ike_codec import charon_ns  # noqa: E402,F401
from test_ike_init import OUR_IP, CHARON_IP, peer  # noqa: E402,F401

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(ROOT, "build", "tests", "ike", "ike_peer_tool")
OURS = ["ike=aes256gcm16-prfsha384-x25519", "esp=aes256gcm16", "psk=codec-test-secret",
        "lid=fqdn:sun.example", "rid=fqdn:moon.example",
        "lts=10.2.0.0/16", "rts=10.1.0.0/16"]


@pytest.fixture
def charon(peer):
    """peer, with an address of charon's protected net on its side: its
    kernel-libipsec installs a route to the peer's net from it."""
    ns, swanctl, d, ours = peer
    ns.run("ip addr add 10.1.0.1/16 dev lo")
    return peer


@pytest.fixture(scope="module", autouse=True)
def built():
    subprocess.run(["flock", "/tmp/xdpsec-build.lock", "make", "-s", "-C", ROOT,
                    "build/tests/ike/ike_peer_tool"], check=True)


def tool(ours, *args, settings=OURS):
    return ours.popen([TOOL, OUR_IP, "25000", *args, *settings], stdout=subprocess.PIPE,
                      stderr=subprocess.PIPE, text=True)


def wait_bound(ours, proc):
    wait_for(lambda: proc.poll() is not None or ":4500 " in ours.run(
        ["ss", "-Hnlu", "sport", "=", ":4500"]).stdout, timeout=10, what="the tool's sockets")


def finish(proc, swanctl=None):
    """The tool's lines until it exits; with swanctl, charon's Child SAs as
    listed while ours is installed (the tool holds it for 3 s)."""
    lines, seen = [], None
    try:
        for line in proc.stdout:
            lines.append(json.loads(line))
            if swanctl and lines[-1]["event"] == "install":
                seen = charon_children(swanctl)
        proc.wait(timeout=40)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, lines, proc.stderr.read(), seen


def finish_charon_initiated(ns, swanctl, d, proc):
    """finish() for a tool that responds while charon (in ns, config dir d)
    initiates Child SA "net" towards it."""
    init = ns.popen(["swanctl", "--initiate", "--child", "net", "--timeout", "20",
                     "--uri", f"unix://{d}/run/charon.vici"], stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL, env=dict(os.environ, SWANCTL_DIR=str(d / "swanctl")))
    try:
        return finish(proc, swanctl)
    finally:
        init.kill()
        init.wait()


def charon_children(swanctl):
    """{(spi_in, spi_out): child} from `swanctl --list-sas --raw`."""
    out = swanctl("--list-sas", "--raw").stdout
    found = {}
    for m in re.finditer(r"spi-in=([0-9a-f]+) spi-out=([0-9a-f]+)", out):
        found[(int(m[1], 16), int(m[2], 16))] = out
    return found, out


def check_against_charon(lines, seen):
    (inst,) = [x for x in lines if x["event"] == "install"]
    assert (inst["encr"], inst["key_bits"], inst["integ"]) == (20, 256, 0)
    assert not inst["esn"] and not inst["transport"] and inst["encap"]
    assert (inst["local_port"], inst["remote_port"]) == (4500, 4500)
    assert inst["local_ts"] == [["10.2.0.0", "10.2.255.255", 0, 0, 65535]]
    assert inst["remote_ts"] == [["10.1.0.0", "10.1.255.255", 0, 0, 65535]]
    found, raw = seen
    # charon's inbound SPI is our outbound one and vice versa
    assert (inst["spi_out"], inst["spi_in"]) in found, (inst, raw)
    assert "state=INSTALLED" in raw and "encap=yes" in raw, raw
    assert "encr-alg=AES_GCM_16 encr-keysize=256" in raw, raw
    assert "local-ts=[10.1.0.0/16] remote-ts=[10.2.0.0/16]" in raw, raw
    return inst


def test_charon_initiates_we_respond(charon):
    ns, swanctl, d, ours = charon
    proc = tool(ours)
    wait_bound(ours, proc)
    rc, lines, err, seen = finish_charon_initiated(ns, swanctl, d, proc)
    assert rc == 0, (lines, err, (d / "charon.log").read_text()[-3000:])
    check_against_charon(lines, seen)
    (sa,) = [x for x in lines if x["event"] == "sa"]
    assert sa["state"] == "ESTABLISHED" and sa["remote_id"] == "moon.example"
    assert sa["proposal"] == "aes256gcm16-prfsha384-curve25519"
    # our shutdown DELETE reached charon: nothing of it is left there
    log = d / "charon.log"
    wait_for(lambda: "received DELETE for IKE_SA" in log.read_text(), timeout=10,
             what="charon's log of our DELETE")
    assert not charon_children(swanctl)[0]


def test_we_initiate_charon_responds(charon):
    ns, swanctl, d, ours = charon
    proc = tool(ours, "initiate", settings=OURS + [f"remote={CHARON_IP}"])
    rc, lines, err, seen = finish(proc, swanctl)
    assert rc == 0, (lines, err, (d / "charon.log").read_text()[-3000:])
    check_against_charon(lines, seen)


def test_we_delete_charon_removes(charon):
    ns, swanctl, d, ours = charon
    proc = tool(ours, "initiate", "down", settings=OURS + [f"remote={CHARON_IP}"])
    rc, lines, err, _ = finish(proc)
    assert rc == 0, (lines, err)
    inst = [x for x in lines if x["event"] == "install"]
    dels = [x for x in lines if x["event"] == "delete"]
    assert len(inst) == 1 and [(x["spi_in"], x["spi_out"]) for x in dels] == [
        (inst[0]["spi_in"], inst[0]["spi_out"])]
    # the tool stops only once charon answered our DELETE
    assert not [x for x in lines if x["event"] == "sa"]
    assert not charon_children(swanctl)[0]


def test_wrong_psk_charon_refuses(charon):
    ns, swanctl, d, ours = charon
    settings = [s for s in OURS if not s.startswith("psk=")] + [
        "psk=not-the-secret", f"remote={CHARON_IP}", "keyingtries=1"]
    proc = ours.popen([TOOL, OUR_IP, "8000", "initiate", *settings],
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    rc, lines, err, _ = finish(proc)
    assert rc == 1 and not [x for x in lines if x["event"] in ("install", "sa")], lines
    assert "AUTHENTICATION_FAILED" in err.upper().replace("-", "_"), err
    assert not charon_children(swanctl)[0]
    assert "tried 1 shared key for 'moon.example' - 'sun.example', but MAC mismatched" \
        in (d / "charon.log").read_text()


# ---- certificates ------------------------------------------------------------
PK_SWANCTL = """connections {
  codec {
    local_addrs = 192.0.2.1
    remote_addrs = 192.0.2.2
    version = 2
    proposals = aes256gcm16-prfsha384-x25519
    fragmentation = yes
    local {
      auth = pubkey
      certs = moon.pem
      id = rsa2048.example.org
    }
    remote {
      auth = pubkey
      id = p256.example.org
    }
    children {
      net {
        esp_proposals = aes256gcm16
        local_ts = 10.1.0.0/16
        remote_ts = 10.2.0.0/16
      }
    }
  }
}
"""


@pytest.fixture
def charon_pk(charon, tmp_path):
    """charon with an RSA certificate (rsa2048.example.org) under our test
    PKI (test_ike_auth.Pki: EC root, RSA intermediate); we use P-256."""
    from test_ike_auth import Pki
    ns, swanctl, d, ours = charon
    pki = Pki(str(tmp_path))
    sw = d / "swanctl"
    for sub in ("x509", "x509ca", "private"):
        (sw / sub).mkdir(exist_ok=True)
    (sw / "x509" / "moon.pem").write_bytes(open(pki.path("rsa2048.crt"), "rb").read())
    (sw / "x509ca" / "root.pem").write_bytes(open(pki.path("root.pem"), "rb").read())
    (sw / "x509ca" / "im.pem").write_bytes(open(pki.path("im.pem"), "rb").read())
    (sw / "private" / "moon.key").write_bytes(open(pki.path("rsa2048.key"), "rb").read())
    (sw / "swanctl.conf").write_text(PK_SWANCTL)
    swanctl("--load-all")
    chain = pki.write("p256-chain.pem", open(pki.path("p256.crt"), "rb").read() +
                      open(pki.path("im.pem"), "rb").read())
    cas = pki.write("cas.pem", open(pki.path("root.pem"), "rb").read() +
                    open(pki.path("im.pem"), "rb").read())
    settings = [s for s in OURS if s.split("=")[0] not in ("psk", "lid", "rid")] + [
        "lauth=pubkey", "rauth=pubkey", f"cert={chain}", f"key={pki.path('p256.key')}",
        f"ca={cas}", "lid=fqdn:p256.example.org", "rid=fqdn:rsa2048.example.org"]
    return ns, swanctl, d, ours, settings


def test_pubkey_charon_initiates(charon_pk):
    ns, swanctl, d, ours, settings = charon_pk
    proc = tool(ours, settings=settings)
    wait_bound(ours, proc)
    rc, lines, err, seen = finish_charon_initiated(ns, swanctl, d, proc)
    log = (d / "charon.log").read_text()
    assert rc == 0, (lines, err, log[-3000:])
    check_against_charon(lines, seen)
    assert "authentication of 'p256.example.org' with ECDSA_WITH_SHA256_DER successful" \
        in log, log[-3000:]


def test_pubkey_we_initiate(charon_pk):
    ns, swanctl, d, ours, settings = charon_pk
    proc = tool(ours, "initiate", settings=settings + [f"remote={CHARON_IP}"])
    rc, lines, err, seen = finish(proc, swanctl)
    log = (d / "charon.log").read_text()
    assert rc == 0, (lines, err, log[-3000:])
    check_against_charon(lines, seen)
    assert "authentication of 'p256.example.org' with ECDSA_WITH_SHA256_DER successful" \
        in log, log[-3000:]
    (sa,) = [x for x in lines if x["event"] == "sa"]
    assert sa["remote_id"] == "rsa2048.example.org"
    # charon's IKE_AUTH response (RSA certificate) came in RFC 7383
    # fragments, which we reassembled; ours named only the end entity
    # (charon's CERTREQ names our intermediate)
    assert re.search(r"splitting IKE message \(\d+ bytes\) into [2-9] fragments", log)
    assert "parsed IKE_AUTH request 1 [ IDi CERT CERTREQ IDr AUTH" in log
