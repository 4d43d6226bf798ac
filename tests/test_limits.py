"""Map capacities: `limits { sas = N policies = N }` in the configuration
and `daemon --sas N --policies N` size xs_sad/xs_sadi and xs_spd before
load. A small limit refuses the N+1th SA and policy with a one-line error
naming the limit; the maps really have those sizes (bpftool); a large limit
(1M SAs, 256k policies) loads; bad values, a conflict between the file and
the command line, and a later load-conf asking for other sizes are refused
with a clear message."""
import json

import pytest

from test_loader_daemon import KEY_GCM, inst, write_conf  # noqa: F401


def sa(spi):
    return ["state", "add", "src", "192.0.2.1", "dst", "192.0.2.2", "proto", "esp",
            "spi", hex(spi), "mode", "tunnel", "aead", "rfc4106(gcm(aes))", KEY_GCM, "128"]


def policy(n):
    return ["policy", "add", "src", "10.1.%d.0/24" % n, "dst", "10.2.0.0/24", "dir", "out",
            "action", "block"]


def map_sizes(inst):
    out = {}
    for name in ("xs_sad", "xs_sadi", "xs_spd"):
        info = json.loads(inst.in_daemon_mnt("bpftool", "-j", "map", "show", "pinned",
                                             inst.pins + "/" + name).stdout)
        out[name] = info["max_entries"]
    return out


def test_small_limits_refuse_the_next(inst, tmp_path):
    conf = write_conf(tmp_path, "limits {\n    sas = 4\n    policies = 3\n}\n")
    r = inst.cli("daemon", "-c", conf)
    assert r.returncode == 0, r.stderr
    assert map_sizes(inst) == {"xs_sad": 4, "xs_sadi": 4, "xs_spd": 6}
    st = inst.js("status")
    assert st["sad_slots"] == 4 and st["policies_max"] == 3
    for i in range(4):
        inst.ok(*sa(0x1000 + i))
    r = inst.cli(*sa(0x1004))
    assert r.returncode == 1
    assert r.stderr == "xdpsec: state add: the SAD is full (4 slots; limits sas)\n"
    for i in range(3):
        inst.ok(*policy(i))
    r = inst.cli(*policy(3))
    assert r.returncode == 1
    assert r.stderr == "xdpsec: policy add: the SPD is full (3 policies; limits policies)\n"
    # the SPD still works at its limit: delete one, add another
    inst.ok("policy", "delete", *policy(0)[2:8])
    inst.ok(*policy(3))
    assert inst.js("status")["policies"] == 3
    # a configuration asking for other sizes needs a restart
    (tmp_path / "other").mkdir()
    other = write_conf(tmp_path / "other", "limits {\n    sas = 8\n}\n")
    r = inst.cli("load-conf", other)
    assert r.returncode == 1
    assert "limits: sas = 8, but the daemon runs with 4 (restart it to resize)" in r.stderr
    inst.ok("load-conf", conf)     # same sizes: fine (replaces SAs and policies)
    assert inst.js("status")["sas"] == 0


def test_large_limits_load(inst):
    inst.ok("daemon", "--sas", "1048576", "--policies", "262144")
    assert map_sizes(inst) == {"xs_sad": 1048576, "xs_sadi": 1048576, "xs_spd": 524288}
    inst.ok("attach", "--wan", "wan0", "--lan", "lan0")
    inst.ok(*sa(0x1000))
    inst.ok(*policy(1))
    st = inst.js("status")
    assert st["sad_slots"] == 1048576 and st["sas"] == 1 and st["policies"] == 1


def test_default_limits(inst):
    inst.ok("daemon")
    assert map_sizes(inst) == {"xs_sad": 65536, "xs_sadi": 65536, "xs_spd": 131072}


BAD = [
    (["daemon", "--sas", "0"], 2, "xdpsec: daemon: limits: bad sas '0': want 1-4194304"),
    (["daemon", "--policies", "1048577"], 2,
     "xdpsec: daemon: limits: bad policies '1048577': want 1-1048576"),
    (["daemon", "--sas", "many"], 2, "xdpsec: daemon: limits: bad sas 'many': want 1-4194304"),
    (["daemon", "--sas"], 2, "xdpsec: daemon: --sas/--policies want a number"),
]


@pytest.mark.parametrize("args,code,msg", BAD, ids=[" ".join(b[0]) for b in BAD])
def test_bad_limit_options(inst, args, code, msg):
    r = inst.cli(*args)
    assert r.returncode == code and r.stderr.strip() == msg
    assert not inst.running()


BAD_CONFS = [
    ("limits {\n    sas = 0\n}\n", ":2: limits: bad sas '0': want 1-4194304"),
    ("limits {\n    sas = 4\n    slots = 9\n}\n",
     ":3: unknown limit 'slots' (want sas or policies)"),
    ("limits {\n    policies = 2\n", ":2: missing '}' for limits"),
]


@pytest.mark.parametrize("text,msg", BAD_CONFS, ids=["zero", "unknown", "brace"])
def test_bad_limits_in_config(inst, tmp_path, text, msg):
    conf = write_conf(tmp_path, text)
    r = inst.cli("daemon", "-c", conf)
    assert r.returncode == 1 and r.stderr.strip() == "xdpsec: " + conf + msg
    assert not inst.running()


def test_config_and_option_must_agree(inst, tmp_path):
    conf = write_conf(tmp_path, "limits {\n    sas = 16\n}\n")
    r = inst.cli("daemon", "-c", conf, "--sas", "32")
    assert r.returncode == 1
    assert r.stderr.strip() == \
        "xdpsec: limits: sas = 16 in the configuration, 32 on the command line"
    assert not inst.running()
    inst.ok("daemon", "-c", conf, "--sas", "16", "--policies", "5")
    assert map_sizes(inst) == {"xs_sad": 16, "xs_sadi": 16, "xs_spd": 10}
