"""CREATE_CHILD_SA (ike/exchange_create_child.c, ike/rekey_ike.c) between two
IKE cores in memory (tests/ike/ike_pair_tool, as in test_ike_core.py).

The exchanges are decrypted here with python3-cryptography's AES-GCM from
the SK_e the tool prints at each action, and read with a payload walker
written here: REKEY_SA, SA SPIs, nonces, KE payloads, notifies. Child SA
keys are checked against KEYMAT = prf+(SK_d, [g^ir |] Ni | Nr) computed
with hmac; with PFS the initiator's key pair is a known X25519 private value
(dhpriv, ike_ccsa_premake()), so g^ir = X25519(that value, KEr) is computed
here too. The new IKE SA of a rekey is checked against SKEYSEED =
prf(SK_d (old), g^ir | Ni | Nr) and SK_d = prf+(SKEYSEED, Ni | Nr | SPIi |
SPIr). Also: the responder rekeying, collisions of Child SA and IKE SA
rekeys (RFC 7296 2.8.1/2.8.2: the exchange with the lowest nonce loses),
INVALID_KE_PAYLOAD, TEMPORARY_FAILURE, CHILD_SA_NOT_FOUND, a new Child SA on
an established IKE SA, rekeys by time, and the dataplane limits of a
non-ESN Child SA (soft below 2^32 packets).
"""
import hashlib
import hmac
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_ike_core import built, pair_events, prf_plus  # noqa: E402,F401

PRIV = bytes(range(1, 33))          # dhpriv for X25519 (RFC 7748 scalar bytes)
ENC = 36                            # aes256gcm16 key + salt; no integrity key
EXCH_CCSA, EXCH_INFO = 36, 37
N_INVALID_KE, N_TEMPORARY_FAILURE, N_CHILD_SA_NOT_FOUND = 17, 43, 44
N_REKEY_SA = 16393


def run(opts=(), i=(), r=(), until=20000):
    ev = pair_events(opts, i, r, until)
    keys = {(k["spi_i"], k["spi_r"]): k for k in ev if k["event"] == "keys" and k["side"] == "i"}
    return ev, keys


def walk(nxt, data):
    """(type, body) of each payload of a chain."""
    out, off = [], 0
    while nxt:
        length = int.from_bytes(data[off + 2:off + 4], "big")
        out.append((nxt, data[off + 4:off + length]))
        nxt, off = data[off], off + length
    return out


def open_sk(hexmsg, keys):
    """The decrypted inner chain of an SK message (AES-GCM-16, RFC 5282)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    m = bytes.fromhex(hexmsg)
    spis = (m[0:8].hex(), m[8:16].hex())
    k = keys[spis]
    sk_e = bytes.fromhex(k["sk_ei"] if m[19] & 0x08 else k["sk_er"])
    assert m[16] == 46, "not an SK message"
    body = m[32:]
    plain = AESGCM(sk_e[:32]).decrypt(sk_e[32:] + body[:8], body[8:], m[:32])
    return walk(m[28], plain[:-(plain[-1] + 1)])


class Exchange:
    """A CREATE_CHILD_SA request and its response, read."""

    def __init__(self, req, resp, keys):
        self.by = req["from"]
        self.req, self.resp = open_sk(req["hex"], keys), open_sk(resp["hex"], keys)
        self.spis = (bytes.fromhex(req["hex"])[0:8].hex(), bytes.fromhex(req["hex"])[8:16].hex())

    @staticmethod
    def one(chain, t):
        found = [b for typ, b in chain if typ == t]
        return found[0] if found else None

    def ni(self):
        return self.one(self.req, 40)

    def nr(self):
        return self.one(self.resp, 40)

    def ke(self, resp=False):
        b = self.one(self.resp if resp else self.req, 34)
        return (int.from_bytes(b[:2], "big"), b[4:]) if b else None

    def sa_spi(self, resp=False):
        b = self.one(self.resp if resp else self.req, 33)
        return b[8:8 + b[6]] if b else None

    def notifies(self, resp=True):
        return [(int.from_bytes(b[2:4], "big"), b[4:4 + b[1]], b[4 + b[1]:])
                for t, b in (self.resp if resp else self.req) if t == 41]


def exchanges(ev, keys):
    """Every CREATE_CHILD_SA exchange, in order, with its response."""
    msgs = [e for e in ev if e["event"] == "msg" and not e["dropped"] and
            bytes.fromhex(e["hex"])[18] == EXCH_CCSA]
    reqs = [m for m in msgs if not bytes.fromhex(m["hex"])[19] & 0x20]
    resps = [m for m in msgs if bytes.fromhex(m["hex"])[19] & 0x20]
    out = []
    for q in reqs:
        hq = bytes.fromhex(q["hex"])
        match = [p for p in resps if bytes.fromhex(p["hex"])[:16] == hq[:16] and
                 bytes.fromhex(p["hex"])[20:24] == hq[20:24] and p["from"] != q["from"]]
        if match and (q["hex"], match[0]["hex"]) not in [(x[0]["hex"], x[1]["hex"]) for x in out]:
            out.append((q, match[0]))
    return [Exchange(q, p, keys) for q, p in out]


def installs(ev, side):
    return [e for e in ev if e["event"] == "install" and e["side"] == side]


def deletes(ev, side, until):
    return [e for e in ev if e["event"] == "delete" and e["side"] == side and e["t"] <= until]


def final(ev, side):
    return [e for e in ev if e["event"] == "sa" and e["side"] == side]


def keymat(sk_d, seed):
    return prf_plus(bytes.fromhex(sk_d), seed, 2 * ENC)


def x25519(priv, pub):
    from cryptography.hazmat.primitives.asymmetric.x25519 import (X25519PrivateKey,
                                                                   X25519PublicKey)
    return X25519PrivateKey.from_private_bytes(priv).exchange(
        X25519PublicKey.from_public_bytes(pub))


def x25519_pub(priv):
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    return X25519PrivateKey.from_private_bytes(priv).public_key().public_bytes(
        Encoding.Raw, PublicFormat.Raw)


def check_child_keys(new, by, km):
    """new: {side: install}; by: the side that initiated the exchange."""
    other = "r" if by == "i" else "i"
    assert bytes.fromhex(new[by]["encr_out"]) == km[:ENC]
    assert bytes.fromhex(new[by]["encr_in"]) == km[ENC:]
    assert new[other]["encr_in"] == new[by]["encr_out"]
    assert new[other]["encr_out"] == new[by]["encr_in"]
    assert (new[by]["spi_in"], new[by]["spi_out"]) == (new[other]["spi_out"],
                                                        new[other]["spi_in"])


@pytest.mark.parametrize("side", ["i", "r"])
def test_child_rekey(side):
    """Either side rekeys (soft event at 5 s): REKEY_SA names its old
    inbound SPI, the new pair replaces the old one on both sides, KEYMAT is
    prf+(SK_d, Ni | Nr) ordered by who initiated the exchange, and the old
    pair is deleted only after both sides installed the new one."""
    ev, keys = run([f"soft=5000:{side}"], until=12000)
    (x,) = exchanges(ev, keys)
    assert x.by == side and x.ke() is None and x.ke(True) is None
    old = {s: installs(ev, s)[0] for s in "ir"}
    new = {s: installs(ev, s)[1] for s in "ir"}
    (proto, spi), = [(b[0], b[4:4 + b[1]]) for t, b in x.req
                     if t == 41 and int.from_bytes(b[2:4], "big") == N_REKEY_SA]
    assert proto == 3 and int.from_bytes(spi, "big") == old[side]["spi_in"]
    assert int.from_bytes(x.sa_spi(), "big") == new[side]["spi_in"]
    assert int.from_bytes(x.sa_spi(True), "big") == new["r" if side == "i" else "i"]["spi_in"]
    for s in "ir":
        assert new[s]["replaces"] == old[s]["spi_in"] and new[s]["reqid"] == old[s]["reqid"]
    k = keys[x.spis]
    check_child_keys(new, side, keymat(k["sk_d"], x.ni() + x.nr()))
    # make-before-break: both installs, then the old pair goes on both sides
    lines = [e for e in ev if e["event"] in ("install", "delete") and
             e.get("t", 0) <= 12000]
    assert [(e["event"], e["side"]) for e in lines][2:4] in (
        [("install", "r"), ("install", "i")], [("install", "i"), ("install", "r")])
    for s in "ir":
        (d,) = deletes(ev, s, 12000)
        assert (d["spi_in"], d["spi_out"]) == (old[s]["spi_in"], old[s]["spi_out"])
        (sa,) = final(ev, s)
        assert sa["state"] == "ESTABLISHED" and sa["children"] == 1


def test_pfs_rekey_keys_with_independent_gir():
    """PFS: KE of the child proposal's group both ways; g^ir computed here
    from the initiator's known private value and the responder's KEr."""
    esp = "esp=aes256gcm16-x25519"
    ev, keys = run(["soft=5000:i", f"dhpriv=i:31:{PRIV.hex()}"], i=[esp], r=[esp],
                   until=12000)
    (x,) = exchanges(ev, keys)
    gi, kei = x.ke()
    gr, ker = x.ke(True)
    assert gi == gr == 31 and kei == x25519_pub(PRIV) and len(ker) == 32
    gir = x25519(PRIV, ker)
    new = {s: installs(ev, s)[1] for s in "ir"}
    km = keymat(keys[x.spis]["sk_d"], gir + x.ni() + x.nr())
    check_child_keys(new, "i", km)
    # and not the keys without PFS
    assert bytes.fromhex(new["i"]["encr_out"]) != keymat(keys[x.spis]["sk_d"],
                                                         x.ni() + x.nr())[:ENC]


def test_pfs_invalid_ke_retry():
    """i sends an X25519 KE; r wants ECP-256 and answers INVALID_KE_PAYLOAD
    naming 19; i retries with it and the rekey completes."""
    ev, keys = run(["soft=5000:i"], i=["esp=aes256gcm16-x25519-ecp256"],
                   r=["esp=aes256gcm16-ecp256"], until=12000)
    x1, x2 = exchanges(ev, keys)
    assert x1.ke()[0] == 31 and x1.notifies() == [(N_INVALID_KE, b"", b"\x00\x13")]
    assert x2.ke()[0] == 19 and x2.ke(True)[0] == 19 and len(x2.ke(True)[1]) == 64
    new = {s: installs(ev, s)[1] for s in "ir"}
    assert new["i"]["encr_out"] == new["r"]["encr_in"] and len(installs(ev, "i")) == 2


@pytest.mark.parametrize("side", ["i", "r"])
def test_ike_sa_rekey_moves_children(side):
    """An IKE SA rekey by either side: new SPIs, SKEYSEED from the old SK_d
    and g^ir (computed here), the Child SA carried over untouched, the old
    IKE SA deleted; then a Child SA rekey on the new IKE SA uses its SK_d."""
    ev, keys = run([f"rekeyike=5000:{side}", f"dhpriv={side}:31:{PRIV.hex()}",
                    "soft=8000:i"], until=12000)
    x, y = exchanges(ev, keys)
    assert x.by == side and x.ke()[1] == x25519_pub(PRIV)
    spi_i, spi_r = x.sa_spi(), x.sa_spi(True)
    assert len(spi_i) == len(spi_r) == 8
    gir = x25519(PRIV, x.ke(True)[1])
    old = keys[x.spis]
    seed = hmac.new(bytes.fromhex(old["sk_d"]), gir + x.ni() + x.nr(),
                    hashlib.sha256).digest()
    sk = prf_plus(seed, x.ni() + x.nr() + spi_i + spi_r, 32 + 2 * ENC + 2 * 32)
    for s in "ir":
        (sa,) = final(ev, s)
        assert sa["state"] == "ESTABLISHED" and sa["children"] == 1
        assert (sa["spi_i"], sa["spi_r"]) == (spi_i.hex(), spi_r.hex())
        assert sa["sk_d"] == sk[:32].hex()
    # the new SA's keys as printed at 8 s: SK_ei/SK_er in their place
    k = keys[(spi_i.hex(), spi_r.hex())]
    assert (k["sk_ei"], k["sk_er"]) == (sk[32:32 + ENC].hex(), sk[32 + ENC:32 + 2 * ENC].hex())
    assert k["initiator"] == (side == "i")
    # the Child SA was moved, not re-made; its later rekey runs on the new SA
    assert y.spis == (spi_i.hex(), spi_r.hex()) and y.by == "i"
    new = {s: installs(ev, s)[1] for s in "ir"}
    check_child_keys(new, "i", keymat(sk[:32].hex(), y.ni() + y.nr()))
    for s in "ir":
        assert len(installs(ev, s)) == 2 and len(deletes(ev, s, 12000)) == 1
    # the old IKE SA: a Delete (proto IKE) from the rekey's initiator on it
    info = [e for e in ev if e["event"] == "msg" and e["from"] == side and
            bytes.fromhex(e["hex"])[18] == EXCH_INFO and
            not bytes.fromhex(e["hex"])[19] & 0x20 and
            bytes.fromhex(e["hex"])[:16] == bytes.fromhex(x.spis[0] + x.spis[1])]
    (d,) = info
    assert [(t, b[0]) for t, b in open_sk(d["hex"], keys)] == [(42, 1)]


def lowest(x):
    return min(x.ni(), x.nr())


def test_child_rekey_collision():
    """Both sides rekey the same Child SA at once: both exchanges complete;
    the one with the lowest of the four nonces loses and its initiator
    deletes the SA it made; the winner's initiator deletes the old one."""
    ev, keys = run(["soft=5000:i", "soft=5000:r"], until=12000)
    xs = exchanges(ev, keys)
    assert sorted(x.by for x in xs) == ["i", "r"]
    loser = min(xs, key=lowest)
    winner = [x for x in xs if x is not loser][0]
    # the survivor on i: SPIs from the winning exchange's SA payloads
    win_spi = {winner.by: int.from_bytes(winner.sa_spi(), "big"),
               ("r" if winner.by == "i" else "i"): int.from_bytes(winner.sa_spi(True), "big")}
    for s in "ir":
        (sa,) = final(ev, s)
        assert sa["children"] == 1
        gone = {d["spi_in"] for d in deletes(ev, s, 12000)}
        made = {e["spi_in"] for e in installs(ev, s)}
        assert made - gone == {win_spi[s]}
        assert len(made) == 3 and len(gone) == 2
    # the loser's initiator sent the Delete of its own new SA
    lose_new = int.from_bytes(loser.sa_spi(), "big")
    dels = [e for e in ev if e["event"] == "msg" and e["from"] == loser.by and
            bytes.fromhex(e["hex"])[18] == EXCH_INFO and not bytes.fromhex(e["hex"])[19] & 0x20]
    spis = [b[4:] for d in dels for t, b in open_sk(d["hex"], keys) if t == 42]
    assert lose_new.to_bytes(4, "big") in spis


def test_ike_sa_rekey_collision():
    """Both sides rekey the IKE SA at once: one IKE SA survives on both sides
    (the winning exchange's SPIs), with the Child SA, the rest deleted."""
    ev, keys = run(["rekeyike=5000:i", "rekeyike=5000:r"], until=12000)
    xs = exchanges(ev, keys)
    assert sorted(x.by for x in xs) == ["i", "r"]
    winner = max(xs, key=lowest)
    spis = (winner.sa_spi().hex(), winner.sa_spi(True).hex())
    for s in "ir":
        (sa,) = final(ev, s)
        assert sa["state"] == "ESTABLISHED" and sa["children"] == 1
        assert (sa["spi_i"], sa["spi_r"]) == spis
        assert len(installs(ev, s)) == 1 and not deletes(ev, s, 12000)


def test_temporary_failure_then_retry():
    """i rekeys the Child SA while r rekeys the IKE SA: each answers the
    other TEMPORARY_FAILURE, both retry after a random delay, and in the
    end the IKE SA is rekeyed and the Child SA too."""
    ev, keys = run(["soft=5000:i", "rekeyike=5000:r", "up=15000:i"], until=20000)
    xs = exchanges(ev, keys)      # (up at 15 s: the new SA's keys printed)
    notes = [n[0] for x in xs for n in x.notifies()]
    assert notes.count(N_TEMPORARY_FAILURE) >= 2 and set(notes) == {N_TEMPORARY_FAILURE}
    assert [n[0] for x in xs[:2] for n in x.notifies()] == [N_TEMPORARY_FAILURE] * 2
    done = [x for x in xs if not x.notifies()]
    assert sorted(x.by for x in done) == ["i", "r"]
    for s in "ir":
        (sa,) = final(ev, s)
        assert sa["children"] == 1 and sa["state"] == "ESTABLISHED"
        assert len(installs(ev, s)) == 2
    assert (final(ev, "i")[0]["spi_i"], final(ev, "i")[0]["spi_r"]) != xs[0].spis


def test_child_sa_not_found():
    """r deletes its Child SA; i's rekey request for it, retransmitted after
    the Delete went through, is answered CHILD_SA_NOT_FOUND; nothing new is
    installed and the IKE SA stays."""
    ev, keys = run(["expire=5000:r", "soft=5005:i", "drop=i3"], until=12000)
    xs = exchanges(ev, keys)
    assert [n[0] for n in xs[-1].notifies()] == [N_CHILD_SA_NOT_FOUND]
    for s in "ir":
        (sa,) = final(ev, s)
        assert sa["state"] == "ESTABLISHED" and sa["children"] == 0
        assert len(installs(ev, s)) == 1


def test_new_child_on_established_ike_sa():
    """`up` with the IKE SA established and its Child SA gone: a
    CREATE_CHILD_SA without REKEY_SA makes a new one (KEYMAT checked)."""
    ev, keys = run(["expire=5000:i", "up=6000:i"], until=12000)
    (x,) = exchanges(ev, keys)
    assert not [n for n in x.notifies(resp=False) if n[0] == N_REKEY_SA]
    new = {s: installs(ev, s)[1] for s in "ir"}
    assert new["i"]["replaces"] == 0 and new["r"]["replaces"] == 0
    check_child_keys(new, "i", keymat(keys[x.spis]["sk_d"], x.ni() + x.nr()))
    for s in "ir":
        assert final(ev, s)[0]["children"] == 1


def test_rekey_by_time_with_jitter():
    """rekey_time 20 s minus up to rand_time 5 s: the Child SA is rekeyed
    in that window by a side's own timer; ikerekey 30 s rekeys the IKE SA."""
    opts = ["rekey=20", "rand=5", "lifetime=40", "ikerekey=30"]
    ev, keys = run(["up=100:i"], i=opts, r=opts, until=36000)  # up: keys printed
    ccsa = [e for e in ev if e["event"] == "msg" and bytes.fromhex(e["hex"])[18] == EXCH_CCSA]
    first = open_sk(ccsa[0]["hex"], keys)
    assert 15000 <= ccsa[0]["t"] <= 20040
    assert N_REKEY_SA in [int.from_bytes(b[2:4], "big") for t, b in first if t == 41]
    # the IKE SA at 30 s (no rand_time for it): new SPIs in the end
    ike = [e for e in ccsa if e["t"] >= 30000]
    assert ike and ike[0]["t"] < 30100
    init = [e for e in ev if e["event"] == "msg" and bytes.fromhex(e["hex"])[18] == 34]
    for s in "ir":
        (sa,) = final(ev, s)
        assert sa["children"] == 1 and sa["state"] == "ESTABLISHED"
        assert sa["spi_i"] != bytes.fromhex(init[0]["hex"])[:8].hex()
        assert installs(ev, s)[0]["life_time"] == 40 and len(installs(ev, s)) >= 2


@pytest.mark.parametrize("esp,opts,hard,soft", [
    ("aes256gcm16", [], 2**32 - 1, 2**32 - 1 - 2**22),
    ("aes256gcm16", ["rekeypackets=4294967296000", "lifepackets=8589934592000"],
     2**32 - 1, 2**32 - 1 - 2**22),
    ("aes256gcm16-esn", [], 0, 0),
    ("aes256gcm16", ["rekeypackets=1000", "lifepackets=2000"], 2000, None),
])
def test_dataplane_limits(esp, opts, hard, soft):
    """A non-ESN Child SA never reaches a 32-bit sequence number wrap: its
    hard packet limit is 2^32-1 and its soft one (the rekey) 2^22 below,
    even if more is configured; with ESN what is configured stands."""
    ev, _ = run([], i=[f"esp={esp}", *opts], r=[f"esp={esp}", *opts], until=1000)
    for s in "ir":
        (c,) = installs(ev, s)
        assert c["life_packets"] == hard
        if soft is None:
            assert 900 <= c["rekey_packets"] <= 1000
        else:
            assert c["rekey_packets"] == soft


def test_refused_ccsa_answer_child_deleted():
    """i asks (CREATE_CHILD_SA, no REKEY_SA) for a transport-mode Child SA;
    r, tunnel only, answers with a tunnel-mode one it already installed: i
    refuses the answer and deletes that SA at r (RFC 7296 1.3), so neither
    side keeps it (the IKE_AUTH one went the same way)."""
    ev, keys = run(["up=6000:i"], i=["mode=transport"], until=12000)
    xs = exchanges(ev, keys)
    assert [x.by for x in xs] == ["i"] and not xs[0].notifies()
    assert not installs(ev, "i")
    made = installs(ev, "r")
    assert len(made) == 2 and not any(c["transport"] for c in made)
    gone = deletes(ev, "r", 12000)
    assert sorted(d["spi_in"] for d in gone) == sorted(c["spi_in"] for c in made)
    assert [d for d in gone if d["spi_in"] == made[1]["spi_in"]][0]["t"] < 6100
    dels = [e for e in ev if e["event"] == "msg" and e["from"] == "i" and e["t"] >= 6000 and
            bytes.fromhex(e["hex"])[18] == EXCH_INFO and not bytes.fromhex(e["hex"])[19] & 0x20]
    spis = [b[4:] for d in dels for t, b in open_sk(d["hex"], keys) if t == 42 and b[0] == 3]
    assert spis == [int(made[1]["spi_out"]).to_bytes(4, "big")]
    for s in "ir":
        (sa,) = final(ev, s)
        assert sa["state"] == "ESTABLISHED" and sa["children"] == 0


def test_queued_child_moves_with_ike_sa_rekey():
    """`up` while i's IKE SA rekey is in flight: the new Child SA waits in
    the old IKE SA's queue; the rekey moves it to the new IKE SA, where it
    is made (KEYMAT from the new SK_d), not lost with the old SA."""
    # (soft at 9 s: the new IKE SA's keys printed, and one more exchange)
    ev, keys = run(["expire=4000:i", "rekeyike=5000:i", "up=5000:i", "soft=9000:r"],
                   until=12000)
    x, y, z = exchanges(ev, keys)
    new_spis = (x.sa_spi().hex(), x.sa_spi(True).hex())
    assert x.by == "i" and y.by == "i" and y.spis == new_spis and z.by == "r"
    assert not [n for n in y.notifies(resp=False) if n[0] == N_REKEY_SA]
    new = {s: installs(ev, s)[1] for s in "ir"}
    check_child_keys(new, "i", keymat(keys[new_spis]["sk_d"], y.ni() + y.nr()))
    for s in "ir":
        (sa,) = final(ev, s)
        assert (sa["spi_i"], sa["spi_r"]) == new_spis and sa["children"] == 1


def test_ike_sa_rekey_invalid_ke_retry():
    """The IKE SA was made with X25519; then r's IKE proposals become
    ECP-256 only (test-only, in place, the SA kept): i's IKE SA rekey (KE of group 31) is answered
    INVALID_KE_PAYLOAD naming 19; i retries with ECP-256 (also offered by
    it) and the rekey completes with that group, the Child SA moved."""
    ike = "aes256gcm16-prfsha256-x25519-ecp256"
    ev, keys = run(["newike=r:aes256gcm16-prfsha256-ecp256", "reike=4000:r",
                    "rekeyike=5000:i"], i=[f"ike={ike}"], r=[f"ike={ike}"], until=12000)
    x1, x2 = exchanges(ev, keys)
    assert x1.ke()[0] == 31 and x1.notifies() == [(N_INVALID_KE, b"", b"\x00\x13")]
    assert x1.sa_spi(True) is None
    assert x2.spis == x1.spis and x2.ke()[0] == 19
    assert x2.ke(True)[0] == 19 and len(x2.ke(True)[1]) == 64
    new_spis = (x2.sa_spi().hex(), x2.sa_spi(True).hex())
    for s in "ir":
        (sa,) = final(ev, s)
        assert sa["state"] == "ESTABLISHED" and sa["children"] == 1
        assert (sa["spi_i"], sa["spi_r"]) == new_spis
        assert len(installs(ev, s)) == 1 and not deletes(ev, s, 12000)
