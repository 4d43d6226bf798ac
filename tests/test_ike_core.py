"""The IKE core (ike/ike.h) against itself, in memory (tests/ike/ike_pair_tool):
two instances, a virtual clock, datagrams that can be lost, duplicated,
corrupted or NATed. Child SA keys are checked against KEYMAT computed here
with hmac/hashlib (RFC 7296 2.17 prf+) from SK_d and the nonces read from the
IKE_SA_INIT datagrams by a parser written here."""
import hashlib
import hmac
import json
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(ROOT, "build", "tests", "ike", "ike_pair_tool")

I_BASE = ["psk=pair-secret", "lid=fqdn:sun.example", "rid=fqdn:moon.example",
          "lts=10.1.0.0/16", "rts=10.2.0.0/16"]
R_BASE = ["psk=pair-secret", "lid=fqdn:moon.example", "rid=fqdn:sun.example",
          "lts=10.2.0.0/16", "rts=10.1.0.0/16"]


@pytest.fixture(scope="module", autouse=True)
def built():
    subprocess.run(["flock", "/tmp/xdpsec-build.lock", "make", "-s", "-C", ROOT,
                    "build/tests/ike/ike_pair_tool"], check=True)


def setting(base, extra):
    keys = {e.split("=")[0] for e in extra}
    return [b for b in base if b.split("=")[0] not in keys] + list(extra)


def pair_events(opts=(), i=(), r=(), until=20000):
    """The events (one JSON object a line) of ike_pair_tool: I_BASE and R_BASE
    settings overridden by i and r, the tool's own options opts."""
    out = subprocess.run([TOOL, f"until={until}", *opts, "--i", *setting(I_BASE, i),
                          "--r", *setting(R_BASE, r)], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def run(opts=(), i=(), r=(), until=20000):
    ev = pair_events(opts, i, r, until)
    return {
        "msgs": [e for e in ev if e["event"] == "msg"],
        "install": {s: [e for e in ev if e["event"] == "install" and e["side"] == s]
                    for s in "ir"},
        "delete": {s: [e for e in ev if e["event"] == "delete" and e["side"] == s]
                   for s in "ir"},
        "sa": {s: [e for e in ev if e["event"] == "sa" and e["side"] == s] for s in "ir"},
        "keepalive": [e for e in ev if e["event"] == "keepalive"],
        "stats": {e["side"]: e for e in ev if e["event"] == "stats"},
    }


def payloads(msg):
    """(type, body) of each payload of an unencrypted IKE message."""
    nxt, off, out = msg[16], 28, []
    while nxt:
        length = int.from_bytes(msg[off + 2:off + 4], "big")
        out.append((nxt, msg[off + 4:off + length]))
        nxt, off = msg[off], off + length
    assert off == len(msg)
    return out


def nonce_of(hexmsg):
    return [body for t, body in payloads(bytes.fromhex(hexmsg)) if t == 40][0]


def prf_plus(key, seed, n, alg=hashlib.sha256):
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(key, t + seed + bytes([i]), alg).digest()
        out += t
        i += 1
    return out[:n]


def init_msgs(res):
    """The IKE_SA_INIT request and response that made the SA (exchange 34,
    the last ones before IKE_AUTH)."""
    inits = [m for m in res["msgs"] if bytes.fromhex(m["hex"])[18] == 34]
    req = [m for m in inits if m["from"] == "i"][-1]
    resp = [m for m in inits if m["from"] == "r" and
            bytes.fromhex(m["hex"])[8:16] != bytes(8)][-1]
    return req, resp


def mirrored(res):
    """One Child SA each side, SPIs and keys crosswise."""
    (ci,), (cr,) = res["install"]["i"], res["install"]["r"]
    assert (ci["spi_in"], ci["spi_out"]) == (cr["spi_out"], cr["spi_in"])
    assert ci["encr_out"] == cr["encr_in"] and ci["encr_in"] == cr["encr_out"]
    assert ci["integ_out"] == cr["integ_in"] and ci["integ_in"] == cr["integ_out"]
    return ci, cr


def check_keys(res, enc_len, integ_len):
    """Mirrored, and the keys are KEYMAT of RFC 7296 2.17 (the SAs are up)."""
    ci, cr = mirrored(res)
    (sa_i,), (sa_r,) = res["sa"]["i"], res["sa"]["r"]
    assert sa_i["sk_d"] == sa_r["sk_d"] and sa_i["prf"] == 5
    req, resp = init_msgs(res)
    km = prf_plus(bytes.fromhex(sa_i["sk_d"]), nonce_of(req["hex"]) + nonce_of(resp["hex"]),
                  2 * (enc_len + integ_len))
    ei, ai = km[:enc_len], km[enc_len:enc_len + integ_len]
    er = km[enc_len + integ_len:2 * enc_len + integ_len]
    ar = km[2 * enc_len + integ_len:]
    assert bytes.fromhex(ci["encr_out"]) == ei and bytes.fromhex(ci["integ_out"]) == ai
    assert bytes.fromhex(ci["encr_in"]) == er and bytes.fromhex(ci["integ_in"]) == ar
    return ci, cr


@pytest.mark.parametrize("ike,esp,enc_len,integ_len,encr,integ,esn", [
    ("aes256gcm16-prfsha256-x25519", "aes256gcm16", 36, 0, 20, 0, False),
    ("aes128-sha256-prfsha256-modp2048", "aes128-sha256-esn", 16, 32, 12, 12, True),
    ("chacha20poly1305-prfsha256-ecp256", "chacha20poly1305-esn", 36, 0, 28, 0, True),
])
def test_psk_established_keys_match_keymat(ike, esp, enc_len, integ_len, encr, integ, esn):
    res = run(i=[f"ike={ike}", f"esp={esp}"], r=[f"ike={ike}", f"esp={esp}"])
    ci, cr = check_keys(res, enc_len, integ_len)
    for c in (ci, cr):
        assert (c["encr"], c["integ"], c["esn"], c["transport"]) == (encr, integ, esn, False)
        assert c["replay_window"] == 128 and not c["encap"]
    # the initiator's configured reqid (fixed remote address), the
    # responder's (remote %any) the first of the per Child SA range
    assert (ci["reqid"], cr["reqid"]) == (0xF000, 0xF800)
    assert ci["local_ts"] == [["10.1.0.0", "10.1.255.255", 0, 0, 65535]]
    assert ci["remote_ts"] == cr["local_ts"] == [["10.2.0.0", "10.2.255.255", 0, 0, 65535]]
    for s in "ir":
        assert res["sa"][s][0]["state"] == "ESTABLISHED"
        assert res["stats"][s]["established"] == 1 and res["stats"][s]["installed"] == 1
    assert res["sa"]["i"][0]["remote_id"] == "moon.example"
    assert res["sa"]["r"][0]["remote_id"] == "sun.example"
    # four datagrams: IKE_SA_INIT and IKE_AUTH, no retransmissions
    assert [m["from"] for m in res["msgs"] if m["t"] < 20000] == ["i", "r", "i", "r"]


def test_transport_mode():
    res = run(i=["mode=transport"], r=["mode=transport"])
    ci, cr = check_keys(res, 36, 0)
    assert ci["transport"] and cr["transport"]


def test_ts_narrowed_by_responder():
    """i proposes 10.0.0.0/8 <-> 0.0.0.0/0 and the specific 10.2.3.0/24; r's
    policy is 10.1.0.0/16 <-> 10.2.0.0/16,10.9.0.0/16 (RFC 7296 2.9)."""
    res = run(i=["lts=10.0.0.0/8", "rts=0.0.0.0/0"],
              r=["lts=10.2.0.0/16,10.9.0.0/16", "rts=10.1.0.0/16[6/80]"])
    ci, cr = check_keys(res, 36, 0)
    assert ci["local_ts"] == cr["remote_ts"] == [["10.1.0.0", "10.1.255.255", 6, 80, 80]]
    assert ci["remote_ts"] == cr["local_ts"] == [
        ["10.2.0.0", "10.2.255.255", 0, 0, 65535], ["10.9.0.0", "10.9.255.255", 0, 0, 65535]]


def test_ts_unacceptable():
    res = run(r=["rts=10.7.0.0/16"])
    assert not res["install"]["i"] and not res["install"]["r"]
    assert res["stats"]["r"]["ts_unacceptable"] == 1
    assert res["stats"]["i"]["ts_unacceptable"] == 1 and res["stats"]["i"]["child_failed"] == 1
    # the IKE SA itself is up on both sides (RFC 7296 1.2)
    assert [s["state"] for s in res["sa"]["i"] + res["sa"]["r"]] == ["ESTABLISHED"] * 2


def test_child_no_proposal_chosen():
    res = run(i=["esp=aes128gcm16"], r=["esp=aes256gcm16"])
    assert not res["install"]["i"] and not res["install"]["r"]
    assert res["stats"]["i"]["no_proposal"] == 1 and res["stats"]["r"]["no_proposal"] == 1


def test_ike_no_proposal_chosen():
    res = run(i=["ike=aes128-sha256-modp2048"], r=["ike=aes256gcm16-prfsha256-x25519"])
    assert not res["sa"]["i"] and not res["sa"]["r"]
    assert res["stats"]["r"]["no_proposal"] == 1 and res["stats"]["i"]["failed"] == 1
    assert len(res["msgs"]) == 2


def test_invalid_ke_retry_with_asked_group():
    res = run(i=["ike=aes256gcm16-prfsha256-x25519-ecp256"],
              r=["ike=aes256gcm16-prfsha256-ecp256"])
    check_keys(res, 36, 0)
    first, refusal = res["msgs"][0], res["msgs"][1]
    ke = [b for t, b in payloads(bytes.fromhex(first["hex"])) if t == 34][0]
    assert int.from_bytes(ke[:2], "big") == 31
    notify = [b for t, b in payloads(bytes.fromhex(refusal["hex"])) if t == 41][0]
    assert int.from_bytes(notify[2:4], "big") == 17 and notify[4:] == b"\x00\x13"
    req, _ = init_msgs(res)
    ke = [b for t, b in payloads(bytes.fromhex(req["hex"])) if t == 34][0]
    assert int.from_bytes(ke[:2], "big") == 19
    assert "ecp256" in res["sa"]["i"][0]["proposal"]


def test_wrong_psk_nothing_installed():
    res = run(r=["psk=other-secret"])
    assert not res["install"]["i"] and not res["install"]["r"]
    assert not res["sa"]["i"] and not res["sa"]["r"]
    assert res["stats"]["r"]["auth_failed"] == 1 and res["stats"]["i"]["failed"] == 1
    # the responder answered IKE_AUTH (with AUTHENTICATION_FAILED), once
    assert [m["from"] for m in res["msgs"]] == ["i", "r", "i", "r"]


def test_unknown_peer_id_refused():
    res = run(i=["lid=fqdn:mallory.example"])
    assert not res["install"]["r"] and not res["sa"]["r"]
    assert res["stats"]["r"]["auth_failed"] == 1


@pytest.mark.parametrize("lost", ["i2", "r2", "i1", "r1"])
def test_lost_datagram_retransmitted(lost):
    res = run(opts=[f"drop={lost}"])
    check_keys(res, 36, 0)
    assert res["stats"]["i"]["retransmits"] == 1
    # a lost IKE_AUTH response: the retransmitted request is answered from
    # the cache, the Child SA installed once
    assert res["stats"]["r"]["dup_requests"] == (1 if lost in ("r2", "r1") else 0)
    assert res["stats"]["r"]["installed"] == 1
    t = [m["t"] for m in res["msgs"] if m["from"] == "i"]
    k = 1 if lost in ("i1", "r1") else 2
    assert t[k] - t[k - 1] == 500


def test_duplicate_and_corrupt_requests():
    res = run(opts=["dup=i2"])
    check_keys(res, 36, 0)
    assert res["stats"]["r"]["dup_requests"] == 1 and res["stats"]["r"]["installed"] == 1
    res = run(opts=["flip=i2"])
    check_keys(res, 36, 0)
    assert res["stats"]["r"]["drop_decrypt"] == 1 and res["stats"]["i"]["retransmits"] == 1


def test_retransmit_backoff_and_give_up():
    """No answer at all: 0.5 s x 1.8^n, five retransmits, then give up."""
    res = run(opts=["dead=0"], i=["keyingtries=1"], until=60000)
    t = [m["t"] for m in res["msgs"] if m["from"] == "i"]
    assert len(t) == 6
    gaps = [b - a for a, b in zip(t, t[1:])]
    assert gaps == [500, 900, 1620, 2916, 5248]
    assert res["stats"]["i"]["give_ups"] == 1 and not res["sa"]["i"]


@pytest.mark.parametrize("side", ["i", "r"])
def test_delete_ike_sa(side):
    res = run(opts=[f"down=5000:{side}"])
    mirrored(res)
    for s in "ir":
        assert len(res["delete"][s]) == 1 and res["delete"][s][0]["t"] < 5100
        assert not res["sa"][s]
    assert res["stats"]["i"]["deleted"] == 1 and res["stats"]["r"]["deleted"] == 1


def test_delete_child_sa_keeps_ike_sa():
    res = run(opts=["expire=5000:i"])
    ci, cr = check_keys(res, 36, 0)
    assert [d["spi_in"] for d in res["delete"]["i"]] == [ci["spi_in"]]
    assert [d["spi_in"] for d in res["delete"]["r"]] == [cr["spi_in"]]
    assert all(d["t"] < 5100 for d in res["delete"]["i"] + res["delete"]["r"])
    assert [s["children"] for s in res["sa"]["i"] + res["sa"]["r"]] == [0, 0]


def test_dpd_gives_up_on_dead_peer():
    res = run(opts=["dead=1000"], i=["dpd=2/0"], until=40000)
    mirrored(res)
    (d,) = res["delete"]["i"]
    # liveness check at 2 s after the last message, then 0.5 s x 1.8^n
    assert 2040 + 500 + 900 + 1620 + 2916 + 5248 + 9447 - 50 <= d["t"] <= 2040 + 22700
    assert res["stats"]["i"]["give_ups"] == 1 and not res["sa"]["i"]
    empty = [m for m in res["msgs"] if m["from"] == "i" and m["t"] >= 2000]
    assert len(empty) == 6 and all(bytes.fromhex(m["hex"])[18] == 37 for m in empty)


def test_dpd_restart():
    res = run(opts=["dead=1000"], i=["dpd=2/0", "action=restart", "keyingtries=1"],
              until=60000)
    inits = [m for m in res["msgs"] if m["from"] == "i" and m["t"] > 20000 and
             bytes.fromhex(m["hex"])[18] == 34]
    assert inits, "no new IKE_SA_INIT after the peer died"


def test_dpd_alive_peer_answers():
    res = run(i=["dpd=2/0"], until=9000)
    check_keys(res, 36, 0)
    assert res["stats"]["i"]["give_ups"] == 0 and res["sa"]["i"]
    empty = [m for m in res["msgs"] if m["t"] >= 2000]
    assert len(empty) >= 6 and all(bytes.fromhex(m["hex"])[18] == 37 for m in empty)


def test_nat_detected_moves_to_4500():
    res = run(opts=["natr=198.51.100.7"])
    ci, cr = check_keys(res, 36, 0)
    assert ci["encap"] and cr["encap"]
    assert (ci["local_port"], ci["remote_port"]) == (4500, 4500)
    assert (cr["local_port"], cr["remote_port"]) == (4500, 14500)
    assert res["sa"]["i"][0]["nat_local"] and not res["sa"]["i"][0]["nat_remote"]
    assert res["sa"]["r"][0]["nat_remote"] and not res["sa"]["r"][0]["nat_local"]
    auth = [m for m in res["msgs"] if bytes.fromhex(m["hex"])[18] == 35]
    assert all(m["dport"] in (4500, 14500) for m in auth)


def test_forced_encap_fakes_nat():
    res = run(i=["encap=yes"])
    ci, cr = check_keys(res, 36, 0)
    assert ci["encap"] and cr["encap"] and ci["local_port"] == 4500
    assert res["sa"]["r"][0]["nat_remote"]


# ---- certificates (the module of ike/auth_sig.h, keys from test_ike_auth) --
@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    from test_ike_auth import Pki
    p = Pki(str(tmp_path_factory.mktemp("pki")))
    for kind in p.keys:
        p.write(f"{kind}-chain.pem", open(p.path(f"{kind}.crt"), "rb").read() +
                open(p.path("im.pem"), "rb").read())
    return p


def pk_side(pki, kind, peer, ca="root.pem"):
    return ["lauth=pubkey", "rauth=pubkey", f"cert={pki.path(kind + '-chain.pem')}",
            f"key={pki.path(kind + '.key')}", f"ca={pki.path(ca)}",
            f"lid=fqdn:{kind}.example.org", f"rid=fqdn:{peer}.example.org"]


@pytest.mark.parametrize("ikind,rkind", [("rsa2048", "p256"), ("ed25519", "p384")])
def test_pubkey_established_fragmented(pki, ikind, rkind):
    res = run(i=pk_side(pki, ikind, rkind), r=pk_side(pki, rkind, ikind))
    check_keys(res, 36, 0)
    assert res["sa"]["i"][0]["remote_id"] == f"{rkind}.example.org"
    assert res["sa"]["r"][0]["remote_id"] == f"{ikind}.example.org"
    init = [bytes.fromhex(m["hex"]) for m in res["msgs"] if bytes.fromhex(m["hex"])[18] == 34]
    # SIGNATURE_HASH_ALGORITHMS both ways, the responder's CERTREQ (38)
    for msg in init:
        notes = [int.from_bytes(b[2:4], "big") for t, b in payloads(msg) if t == 41]
        assert 16431 in notes and 16430 in notes
    assert 38 in [t for t, _ in payloads(init[1])]
    auth = [bytes.fromhex(m["hex"]) for m in res["msgs"] if bytes.fromhex(m["hex"])[18] == 35]
    # the chains do not fit 1280 bytes: RFC 7383 fragments (SKF, 53) both ways
    assert all(m[16] == 53 and len(m) <= 1252 for m in auth)
    assert len(auth) >= 4


def test_pubkey_unknown_ca_refused(pki):
    res = run(i=pk_side(pki, "p256", "rsa2048"),
              r=pk_side(pki, "rsa2048", "p256", ca="other.pem"))
    assert not res["install"]["i"] and not res["install"]["r"]
    assert not res["sa"]["i"] and not res["sa"]["r"]
    assert res["stats"]["r"]["auth_failed"] == 1 and res["stats"]["i"]["failed"] == 1


def test_pubkey_initiator_refuses_responder(pki):
    """The initiator does not trust the responder's chain, after the
    responder installed its Child SA: our INFORMATIONAL with
    AUTHENTICATION_FAILED makes it delete that (RFC 7296 2.21.2)."""
    res = run(i=pk_side(pki, "p256", "rsa2048", ca="other.pem"),
              r=pk_side(pki, "rsa2048", "p256"))
    assert not res["install"]["i"] and len(res["install"]["r"]) == 1
    (d,) = res["delete"]["r"]
    assert d["spi_in"] == res["install"]["r"][0]["spi_in"] and d["t"] < 100
    assert not res["sa"]["i"] and not res["sa"]["r"]


def test_transport_refused_child_deleted():
    """i wants transport mode, r (tunnel only) answers with a tunnel-mode
    Child SA it already installed: i refuses it and deletes it at r."""
    res = run(i=["mode=transport"])
    assert not res["install"]["i"]
    (cr,) = res["install"]["r"]
    assert not cr["transport"]
    (d,) = res["delete"]["r"]
    assert d["spi_in"] == cr["spi_in"] and d["t"] < 100
    assert res["stats"]["i"]["child_failed"] == 1
    assert [s["children"] for s in res["sa"]["i"] + res["sa"]["r"]] == [0, 0]


def test_nat_keepalives_from_behind_the_nat():
    res = run(opts=["natr=198.51.100.7"], until=65000)
    check_keys(res, 36, 0)
    ka = [(e["side"], e["t"]) for e in res["keepalive"]]
    assert [s for s, _ in ka] == ["i", "i", "i"]
    assert [t for _, t in ka] == [20040, 40040, 60040]


def test_initial_contact_replaces_old_sa():
    """r is unreachable long enough for i to give up and restart; i's new
    IKE SA carries INITIAL_CONTACT and r drops the old one it still had."""
    res = run(opts=["dead=1000", "alive=24000"], i=["dpd=2/0", "action=restart"],
              until=40000)
    assert len(res["install"]["i"]) == 2 and len(res["install"]["r"]) == 2
    old, new = res["install"]["r"]
    # (the shutdown at the end deletes what is left: after 40000)
    assert [d["spi_in"] for d in res["delete"]["r"] if d["t"] <= 40000] == [old["spi_in"]]
    assert len(res["sa"]["i"]) == 1 and len(res["sa"]["r"]) == 1
    auth = [bytes.fromhex(m["hex"]) for m in res["msgs"]
            if m["from"] == "i" and bytes.fromhex(m["hex"])[18] == 35 and not m["dropped"]]
    assert len(auth) == 2


def test_ipv6_outer_and_inner():
    res = run(opts=["v6"], i=["lts=2001:db8:1::/48", "rts=2001:db8:2::/48,10.2.0.0/16"],
              r=["lts=2001:db8:2::/48", "rts=2001:db8:1::/48"])
    ci, cr = check_keys(res, 36, 0)
    assert ci["local_ts"] == [["2001:db8:1::", "2001:db8:1:ffff:ffff:ffff:ffff:ffff", 0, 0, 65535]]
    assert ci["remote_ts"] == cr["local_ts"] == [
        ["2001:db8:2::", "2001:db8:2:ffff:ffff:ffff:ffff:ffff", 0, 0, 65535]]
    assert not ci["encap"]


def test_responder_forced_encap():
    res = run(r=["encap=yes"])
    ci, cr = check_keys(res, 36, 0)
    assert ci["encap"] and cr["encap"]
    assert (ci["local_port"], ci["remote_port"], cr["local_port"]) == (4500, 4500, 4500)
    assert res["sa"]["i"][0]["nat_remote"] and not res["sa"]["i"][0]["nat_local"]


def test_down_to_dead_peer_no_restart():
    """Our DELETE gets no answer: the SA goes after the retransmits, and
    dpd_action = restart does not bring back what we closed."""
    res = run(opts=["dead=4000", "down=5000:i"], i=["action=restart"], until=40000)
    mirrored(res)
    (d,) = res["delete"]["i"]
    assert 5000 + 500 + 900 + 1620 + 2916 + 5248 + 9447 - 50 < d["t"] < 5000 + 21000
    later = [m for m in res["msgs"] if m["from"] == "i" and m["t"] >= 5000]
    assert len(later) == 6 and all(bytes.fromhex(m["hex"])[18] == 37 for m in later)
    assert not res["sa"]["i"] and res["stats"]["i"]["give_ups"] == 1


def test_cookie_echoed():
    """A responder that demands cookies (RFC 7296 2.6): the initiator sends
    its IKE_SA_INIT again with the COOKIE notify first, and gets in."""
    res = run(opts=["cookies"])
    check_keys(res, 36, 0)
    first, demand, again = (bytes.fromhex(m["hex"]) for m in res["msgs"][:3])
    (cookie,) = [b[4:] for t, b in payloads(demand) if t == 41]
    assert payloads(demand)[0][1][2:4] == (16390).to_bytes(2, "big") and len(cookie) == 33
    assert demand[8:16] == bytes(8) and len(payloads(demand)) == 1
    t, body = payloads(again)[0]
    assert t == 41 and body[2:4] == (16390).to_bytes(2, "big") and body[4:] == cookie
    assert payloads(again)[1:] == payloads(first) and again[:8] == first[:8]
    assert res["stats"]["r"]["established"] == 1


def test_ah_child_sa():
    res = run(i=["ah=sha256-sha384"], r=["ah=sha384"])
    ci, cr = mirrored(res)
    for c in (ci, cr):
        assert (c["encr"], c["key_bits"], c["integ"]) == (0, 0, 13)
        assert c["encr_in"] == c["encr_out"] == ""
    check_keys(res, 0, 48)


def test_invalid_ike_spi_answered_rate_limited():
    """Requests for IKE SPIs r does not know (15 at 6 s, 15 at 8 s, from
    i's address and port 500) get RFC 7296 2.21.4's unprotected answer:
    SPIs and message ID copied, the response flag, one INVALID_IKE_SPI
    notify; at most 10 a second. i, given those responses for no SA of its
    own, answers nothing; the real IKE SA is untouched."""
    res = run(["stray=6000:i", "stray=8000:i"], until=10000)
    ans = [m for m in res["msgs"] if m["from"] == "r" and 6000 < m["t"] < 10000]
    assert [m["t"] for m in ans] == [6010] * 10 + [8010] * 10
    want = (bytes([0x51] * 8 + [0x52] * 8) + bytes([41, 0x20, 37, 0x20]) +
            (7).to_bytes(4, "big") + (36).to_bytes(4, "big") +
            bytes([0, 0, 0, 8, 0, 0]) + (4).to_bytes(2, "big"))
    assert all(bytes.fromhex(m["hex"]) == want for m in ans)
    assert all((m["sport"], m["dport"]) == (500, 500) for m in ans)
    assert not [m for m in res["msgs"] if m["from"] == "i" and 6000 < m["t"] < 10000]
    st = res["stats"]
    assert st["r"]["invalid_spi_sent"] == 20 and st["r"]["drop_no-sa"] == 30
    assert st["i"]["invalid_spi_sent"] == 0 and st["i"]["drop_no-sa"] == 20
    assert [s["state"] for s in res["sa"]["i"] + res["sa"]["r"]] == ["ESTABLISHED"] * 2
