"""The IKE_SA_INIT responder (ike/ikev2_init.c) against strongSwan's charon.

charon runs as in test_ike_codec.py (its `charon_ns` fixture: own namespace,
strongswan.conf and VICI socket, 192.0.2.1 on veth ike0); the fixture's
other veth end, ike1, moves to a second namespace as 192.0.2.2, where
tests/ike/ike_init_tool answers charon's IKE_SA_INIT on UDP 500 with
ike_init_respond(). charon then sends IKE_AUTH (to UDP 4500: kernel-libipsec
charon fakes a NAT, platform.md) protected with SK_ei/SK_ai; the tool opens
it with the keys WE derived and our parser (tests/ike/ike_decode) reads the
inner chain, which must be what charon was configured with. That needs our
DH, PRF, SKEYSEED/SK_* derivation and SK decryption to agree with charon's.
Also: charon retrying with the group our INVALID_KE_PAYLOAD asked for, and
giving up on our NO_PROPOSAL_CHOSEN.
"""
import hashlib
import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netns import Netns, wait_for  # noqa: E402
from test_ike_codec import K, SWANCTL_CONF, Msg, charon_ns, decode  # noqa: E402,F401

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(ROOT, "build", "tests", "ike", "ike_init_tool")
CHARON_IP, OUR_IP = "192.0.2.1", "192.0.2.2"


@pytest.fixture(scope="module", autouse=True)
def built():
    subprocess.run(["flock", "/tmp/xdpsec-build.lock", "make", "-s", "-C", ROOT,
                    "build/tests/ike/ike_init_tool", "build/tests/ike/ike_decode"],
                   check=True)


@pytest.fixture
def peer(charon_ns):
    """charon_ns plus a namespace of our own holding 192.0.2.2 on ike1."""
    ns, swanctl, d = charon_ns
    name = "xsinit" + os.urandom(4).hex()
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        ns.run(f"ip neigh del {OUR_IP} dev ike0 && ip link set ike1 netns {name}")
        ours = Netns(name)
        ours.run(f"ip link set lo up && ip addr add {OUR_IP}/24 dev ike1 && "
                 "ip link set ike1 up")
        yield ns, swanctl, d, ours
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)


def start_tool(ours, prop):
    tool = ours.popen([TOOL, prop, OUR_IP, "15000"], stdout=subprocess.PIPE,
                      stderr=subprocess.PIPE, text=True)
    # the tool is up once its sockets are bound
    wait_for(lambda: tool.poll() is not None or ":500 " in ours.run(
        ["ss", "-Hnlu", "sport", "=", ":500"]).stdout, timeout=10, what="the tool's socket")
    return tool


def run_exchange(peer, theirs, ours_prop):
    """Loads charon with proposal string theirs, initiates, and returns the
    tool's JSON lines (it answers with ours_prop) and charon's log."""
    ns, swanctl, d, ours = peer
    conf = SWANCTL_CONF.replace(
        "proposals = aes256gcm16-prfsha384-x25519, aes128-sha256-modp3072",
        f"proposals = {theirs}")
    assert conf != SWANCTL_CONF
    (d / "swanctl" / "swanctl.conf").write_text(conf)
    swanctl("--load-all")
    tool = start_tool(ours, ours_prop)
    init = None
    try:
        init = ns.popen(["swanctl", "--initiate", "--child", "net", "--timeout", "20",
                         "--uri", f"unix://{d}/run/charon.vici"], stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                        env=dict(os.environ, SWANCTL_DIR=str(d / "swanctl")))
        out, errs = tool.communicate(timeout=30)
    finally:
        for p in (tool, init):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
    lines = [json.loads(line) for line in out.splitlines()]
    return tool.returncode, lines, errs, d


def natd(spi_i, spi_r, ip, port):
    """RFC 7296 2.23, computed independently with hashlib."""
    return hashlib.sha1(bytes.fromhex(spi_i + spi_r) + bytes(map(int, ip.split("."))) +
                        port.to_bytes(2, "big")).hexdigest()


def check_response(line, tmp_path, group):
    """Our IKE_SA_INIT response, read back by our parser: header, KE group,
    Nr, and NAT-D hashes recomputed here."""
    resp = decode(bytes.fromhex(line["response"]), tmp=tmp_path)
    assert resp["ok"], resp
    assert resp["exchange"] == K["EXCHANGE_IKE_SA_INIT"] and resp["flags"] == 0x20
    assert resp["ke"]["group"] == group and resp["nonce_len"] == 32
    hashes = {n["name"]: n["data"] for n in resp["notify"]}
    assert hashes["nat-detection-source-ip"] == natd(resp["spi_i"], resp["spi_r"], OUR_IP, 500)
    assert hashes["nat-detection-destination-ip"] == natd(resp["spi_i"], resp["spi_r"],
                                                          CHARON_IP, 500)
    # charon's config has fragmentation = yes: we say we support it too
    assert "ikev2-fragmentation-supported" in hashes
    return resp


def check_auth(line, tmp_path, resp):
    """charon's IKE_AUTH, opened with our SK_ei/SK_ai: what charon was told
    to send (test_ike_codec.SWANCTL_CONF)."""
    assert line["event"] == "auth" and line["open"] == "ok", line
    auth = decode(bytes.fromhex(line["msg"]), bytes.fromhex(line["inner"]), tmp=tmp_path)
    assert auth["ok"], auth
    assert auth["exchange"] == K["EXCHANGE_IKE_AUTH"] and auth["msgid"] == 1
    assert (auth["spi_i"], auth["spi_r"]) == (resp["spi_i"], resp["spi_r"])
    inner = auth["chain"][auth["chain"].index(K["PAYLOAD_SK"]) + 1:]
    for want in ("IDI", "AUTH", "SA", "TSI", "TSR"):
        assert K["PAYLOAD_" + want] in inner, inner
    assert auth["idi"] == {"type": K["ID_FQDN"], "data": b"moon.example".hex()}
    assert auth["auth"]["method"] == K["AUTH_SHARED_KEY_MIC"]
    assert auth["auth"]["len"] == 32  # prf-hmac-sha2-256 output
    # esp_proposals = aes256gcm16 -> AES-GCM-16 256, no ESN
    assert [p["proto"] for p in auth["sa"]] == [K["PROTO_ESP"]]
    assert [tuple(x) for x in auth["sa"][0]["xforms"]] == [
        (K["XFORM_ENCR"], K["ENCR_AES_GCM_16"], 256), (K["XFORM_ESN"], K["ESN_NO"], 0)]
    assert len(bytes.fromhex(auth["sa"][0]["spi"])) == 4

    def ts(net):
        return [{"type": K["TS_IPV4_ADDR_RANGE"], "proto": 0, "ports": [0, 65535],
                 "start": bytes([10, net, 0, 0]).hex(), "end": bytes([10, net, 255, 255]).hex()}]
    assert auth["tsi"] == ts(1) and auth["tsr"] == ts(2)


@pytest.mark.parametrize("prop,encr,integ,group", [
    ("aes256gcm16-prfsha256-x25519", "ENCR_AES_GCM_16", "INTEG_NONE", "DH_CURVE25519"),
    ("aes128-sha256-modp3072", "ENCR_AES_CBC", "INTEG_HMAC_SHA2_256_128", "DH_MODP_3072"),
])
def test_charon_ike_auth_opens_with_our_keys(peer, tmp_path, prop, encr, integ, group):
    rc, lines, errs, d = run_exchange(peer, prop, prop)
    assert rc == 0, (lines, errs, (d / "charon.log").read_text())
    assert [x["event"] for x in lines] == ["init", "auth"], lines
    init = lines[0]
    assert init["result"] == 0 and init["peer_ke"] == K[group], init
    assert (init["encr"], init["integ"], init["prf"], init["group"]) == (
        K[encr], K[integ], K["PRF_HMAC_SHA2_256"], K[group])
    assert init["key_bits"] == int(prop[3:6]) and init["peer_frag"]
    resp = check_response(init, tmp_path, K[group])
    check_auth(lines[1], tmp_path, resp)


def test_invalid_ke_makes_charon_retry(peer, tmp_path):
    """charon sends KE for x25519 (its first group); we accept only
    modp3072 and say so; charon's second IKE_SA_INIT carries modp3072."""
    rc, lines, errs, d = run_exchange(peer, "aes256gcm16-prfsha256-x25519-modp3072",
                                      "aes256gcm16-prfsha256-modp3072")
    assert rc == 0, (lines, errs, (d / "charon.log").read_text())
    assert [x["event"] for x in lines] == ["init", "init", "auth"], lines
    first, second = lines[0], lines[1]
    assert first["result"] == 1 and first["notify"] == K["N_INVALID_KE_PAYLOAD"]
    assert first["peer_ke"] == K["DH_CURVE25519"]
    refused = decode(bytes.fromhex(first["response"]), tmp=tmp_path)
    assert refused["spi_r"] == "0" * 16 and [
        (n["name"], n["data"]) for n in refused["notify"]] == [("invalid-ke-payload", "000f")]
    assert second["result"] == 0 and second["peer_ke"] == K["DH_MODP_3072"]
    assert second["group"] == K["DH_MODP_3072"]
    resp = check_response(second, tmp_path, K["DH_MODP_3072"])
    check_auth(lines[2], tmp_path, resp)
    log = (d / "charon.log").read_text()
    assert "peer didn't accept DH group CURVE_25519, it requested MODP_3072" in log


def test_no_proposal_chosen_charon_gives_up(peer, tmp_path):
    rc, lines, errs, d = run_exchange(peer, "aes128-sha256-modp3072",
                                      "aes256gcm16-prfsha256-x25519")
    assert rc == 0, (lines, errs)
    assert len(lines) == 1 and lines[0]["result"] == 1, lines
    assert lines[0]["notify"] == K["N_NO_PROPOSAL_CHOSEN"]
    refused = decode(bytes.fromhex(lines[0]["response"]), tmp=tmp_path)
    assert refused["spi_r"] == "0" * 16 and [
        (n["name"], n["data"]) for n in refused["notify"]] == [("no-proposal-chosen", "")]
    log = d / "charon.log"
    wait_for(lambda: "received NO_PROPOSAL_CHOSEN notify error" in log.read_text(),
             timeout=10, what="charon's log of our NO_PROPOSAL_CHOSEN")


SEND_CODE = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
s.sendto(bytes.fromhex(sys.argv[1]), (sys.argv[2], 500))
print(s.recv(65535).hex())
"""


def x25519_request(ke):
    m = Msg("EXCHANGE_IKE_SA_INIT")
    m.sa([("PROTO_IKE", b"", [("ENCR", "ENCR_AES_GCM_16", 256),
                              ("PRF", "PRF_HMAC_SHA2_256", 0), ("DH", "DH_CURVE25519", 0)])])
    m.ke("DH_CURVE25519", ke)
    m.nonce(bytes(range(32)))
    return m.bytes()


@pytest.mark.parametrize("case", ["short-ke", "truncated", "no-nonce"])
def test_malformed_gets_invalid_syntax(peer, tmp_path, case):
    """Malformed requests from a plain socket in charon's namespace: the
    answer is INVALID_SYNTAX with a zero responder SPI, and no SA."""
    ns, _, _, ours = peer
    good = x25519_request(bytes(range(1, 33)))
    if case == "short-ke":
        msg = x25519_request(bytes(range(1, 32)))
    elif case == "truncated":
        msg = good[:-1]
    else:
        m = Msg("EXCHANGE_IKE_SA_INIT")
        m.ke("DH_CURVE25519", bytes(range(1, 33)))
        msg = m.bytes()
    tool = start_tool(ours, "aes256gcm16-prfsha256-x25519")
    try:
        reply = ns.python(SEND_CODE, msg.hex(), OUR_IP).stdout.strip()
        out, errs = tool.communicate(timeout=20)
    finally:
        if tool.poll() is None:
            tool.kill()
            tool.wait()
    lines = [json.loads(line) for line in out.splitlines()]
    assert tool.returncode == 0 and len(lines) == 1, (lines, errs)
    assert lines[0]["result"] == 1 and lines[0]["notify"] == K["N_INVALID_SYNTAX"], lines
    assert reply == lines[0]["response"]
    refused = decode(bytes.fromhex(reply), tmp=tmp_path)
    assert refused["ok"] and refused["spi_r"] == "0" * 16 and refused["flags"] == 0x20
    assert [(n["name"], n["data"]) for n in refused["notify"]] == [("invalid-syntax", "")]
