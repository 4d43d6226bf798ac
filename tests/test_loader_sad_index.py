"""The daemon's SA index (loader/sad_index.c) against the linear definition.

A PROTECT policy uses the newest SA (in install order) that is not dead,
has the policy's direction (out -> out, in/fwd -> in), its template's proto
and mode, the template SPI if one is given, and then the template's reqid,
or without a reqid the template's addresses, or without those any SA. The
daemon finds that SA through hash chains and re-links only the policies an
SA change can concern; this test computes it here by scanning every SA, the
way loader/sad.c did before the index, after each of a few hundred random
adds, deletes and rekey-style replacements (a new SA of the same reqid and
peer, then the old one deleted), with slots freed and reused, and finally
with SAs whose hard lifetime has expired. The SPD map (xs_spd, active
generation) must agree with the daemon's list too.
"""
import random

import pytest

from netns import wait_for
from test_loader_daemon import KEY_GCM, Instance, btf_dump

LOCAL = "192.0.2.1"
PEERS = ("192.0.2.2", "192.0.2.3")
KEY_SHA1 = "0x" + "22" * 20

# selector src, selector dst, dir, tmpl words
POLICIES = [
    ("10.1.0.0/24", "10.2.0.0/24", "out",
     ["src", LOCAL, "dst", PEERS[0], "proto", "esp", "mode", "tunnel", "reqid", "1"]),
    ("10.2.0.0/24", "10.1.0.0/24", "fwd",
     ["src", PEERS[0], "dst", LOCAL, "proto", "esp", "mode", "tunnel", "reqid", "1"]),
    ("10.1.0.0/24", "10.3.0.0/24", "out",
     ["src", LOCAL, "dst", PEERS[1], "proto", "esp", "mode", "tunnel", "reqid", "2"]),
    ("10.3.0.0/24", "10.1.0.0/24", "in", ["proto", "esp", "mode", "transport", "reqid", "2"]),
    ("10.1.0.0/24", "10.4.0.0/24", "out",
     ["src", LOCAL, "dst", PEERS[0], "proto", "esp", "mode", "tunnel"]),
    ("10.1.0.0/24", "10.5.0.0/24", "out",
     ["src", LOCAL, "dst", PEERS[1], "proto", "esp", "mode", "tunnel"]),
    ("10.5.0.0/24", "10.1.0.0/24", "in",
     ["src", PEERS[1], "dst", LOCAL, "proto", "esp", "mode", "tunnel"]),
    ("10.1.0.0/24", "10.6.0.0/24", "out", ["proto", "esp", "mode", "transport"]),
    ("10.1.0.0/24", "10.7.0.0/24", "out", ["proto", "esp", "mode", "tunnel",
                                           "src", LOCAL, "dst", PEERS[0], "reqid", "3",
                                           "spi", str(0x1001)]),
    ("10.1.0.0/24", "10.8.0.0/24", "out", ["proto", "ah", "mode", "transport", "reqid", "1"]),
    ("10.8.0.0/24", "10.1.0.0/24", "in", ["proto", "ah", "mode", "transport"]),
]


def expected_slot(pol, sas, order):
    """The old xs_sad_for_policy(): a scan of every SA, newest match wins."""
    t = pol["tmpl"]
    want_dir = "out" if pol["dir"] == "out" else "in"
    best = None
    for s in sas:
        if (s["dir"] != want_dir or s["state"] == "dead" or s["proto"] != t["proto"] or
                s["mode"] != t["mode"] or (t["spi"] and s["spi"] != t["spi"])):
            continue
        if t["reqid"]:
            if s["reqid"] != t["reqid"]:
                continue
        elif t["src"] is not None and (s["src"], s["dst"]) != (t["src"], t["dst"]):
            continue
        if best is None or order[key(s)] > order[key(best)]:
            best = s
    return None if best is None else best["slot"]


def key(s):
    return (s["dst"], s["proto"], s["spi"])


class Sad:
    """SAs added and deleted through the CLI, with their install order."""

    def __init__(self, inst, rng):
        self.inst, self.rng = inst, rng
        self.order, self.seq, self.spi = {}, 0, 0x1000

    def add(self, reqid, out, peer, mode, proto, extra=()):
        self.spi += 1
        src, dst = (LOCAL, peer) if out else (peer, LOCAL)
        alg = (["aead", "rfc4106(gcm(aes))", KEY_GCM, "128"] if proto == "esp"
               else ["auth", "hmac(sha1)", KEY_SHA1])
        self.inst.ok("state", "add", "src", src, "dst", dst, "proto", proto,
                     "spi", hex(self.spi), "mode", mode, "dir", "out" if out else "in",
                     *alg, "reqid", str(reqid), *extra)
        self.seq += 1
        self.order[(dst, proto, self.spi)] = self.seq
        return (dst, proto, self.spi)

    def delete(self, k):
        self.inst.ok("state", "delete", "dst", k[0], "proto", k[1], "spi", hex(k[2]))
        del self.order[k]

    def random_add(self):
        r = self.rng
        return self.add(r.choice((0, 1, 2, 3)), r.random() < 0.5, r.choice(PEERS),
                        r.choice(("tunnel", "transport")), "esp" if r.random() < 0.8 else "ah")


def check(inst, sad):
    sas = inst.js("state", "list")
    assert sorted(key(s) for s in sas) == sorted(sad.order)
    pols = inst.js("policy", "list")
    for p in pols:
        assert p["sa_slot"] == expected_slot(p, sas, sad.order), (p, sas)
    return pols, sas


def spd_map_agrees(inst, pols):
    spd = btf_dump(inst.in_daemon_mnt("bpftool", "-j", "map", "dump", "pinned",
                                        inst.pins + "/xs_spd").stdout)
    gen = inst.js("status")["spd_generation"]
    live = {e["value"]["id"]: e["value"]["sa_slot"] for e in spd
            if e["key"] % 2 == gen and e["value"]["id"]}
    none = 0xffffffff
    assert {p["id"]: none if p["sa_slot"] is None else p["sa_slot"] for p in pols} == \
        {p["id"]: live[p["id"]] for p in pols}


@pytest.fixture
def inst():
    i = Instance()
    try:
        i.setup()
        i.ok("daemon")
        for src, dst, d, tmpl in POLICIES:
            i.ok("policy", "add", "src", src, "dst", dst, "dir", d, "tmpl", *tmpl)
        yield i
    finally:
        i.teardown()


def test_policies_follow_the_newest_sa(inst):
    rng = random.Random(4303)
    sad = Sad(inst, rng)
    sad.add(3, True, PEERS[0], "tunnel", "esp")     # 0x1001: the SPI template's
    linked = set()
    for step in range(240):
        keys = sorted(sad.order)
        op = rng.random()
        if op < 0.5 or len(keys) < 4:
            sad.random_add()
        elif op < 0.75:
            sad.delete(rng.choice(keys))
        else:   # rekey: a new SA like an old one, then the old one goes
            old = rng.choice(keys)
            s = inst.js("state", "get", "dst", old[0], "proto", old[1], "spi", hex(old[2]))
            peer = s["dst"] if s["dir"] == "out" else s["src"]
            sad.add(s["reqid"], s["dir"] == "out", peer, s["mode"], s["proto"])
            if step % 3:
                pols, _ = check(inst, sad)     # make before break: both there
            sad.delete(old)
        pols, _ = check(inst, sad)
        linked.update(p["id"] for p in pols if p["sa_slot"] is not None)
    assert len(linked) == len(POLICIES)     # every template was exercised
    spd_map_agrees(inst, pols)


def test_dead_sas_are_skipped(inst):
    sad = Sad(inst, random.Random(1))
    older = sad.add(1, True, PEERS[0], "tunnel", "esp")
    doomed = sad.add(1, True, PEERS[0], "tunnel", "esp", extra=("limit", "time-hard", "1"))
    pols, sas = check(inst, sad)
    slot = {key(s): s["slot"] for s in sas}
    assert pols[0]["sa_slot"] == slot[doomed]
    # the daemon's once-a-second lifetime pass marks it dead
    wait_for(lambda: [s["state"] for s in inst.js("state", "list") if key(s) == doomed]
             == ["dead"], timeout=10, what="the 1 s SA dead")
    pols, sas = check(inst, sad)
    assert [s["state"] for s in sas if key(s) == doomed] == ["dead"]
    assert pols[0]["sa_slot"] == slot[older]
    spd_map_agrees(inst, pols)
    sad.delete(older)
    pols, _ = check(inst, sad)
    assert pols[0]["sa_slot"] is None
