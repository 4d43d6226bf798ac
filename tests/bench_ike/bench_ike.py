#!/usr/bin/python3
"""IKE SA setups per second (make bench-ike): xdpsec and strongSwan as responders.

Two namespaces joined by a veth pair: the driver (192.0.2.1) and the
responder (192.0.2.2). The responder is, one after the other in each round:

  strongswan  charon 5.9 (kernel-libipsec, as in the interop tests), with
              its cookie and per-peer blocking thresholds out of the way
  xdpsec      the xdpsec daemon (its IKE core in the event loop, Child SAs
              into the BPF maps), on the veth in XDP mode

Both get the same swanctl.conf-syntax connection: any peer, PSK, the IKE
proposal (default aes128gcm16-prfsha256-ecp256) and ESP aes128gcm16, a
Child SA per IKE SA (a /32 of 10.100.0.0/16 against 10.2.0.0/24).

The driver is tests/ike/ike_load_tool: xdpsec's IKE core as initiator with a
fake dataplane, WINDOW setups under way at any time, what strongSwan's
load-tester plugin does; load-tester is not in Debian's strongSwan packages
(libcharon-extra-plugins 5.9.8 lacks it), so the same driver runs against
both responders. --mode keep (default): TOTAL IKE SAs, each with its
Child SA, set up and kept; --mode delete: each IKE SA is deleted once set
up (load-tester's delete_after_established). Rate = IKE SAs set up /
seconds from the first request to the last setup. Driver and responder
share the machine's CPUs.

Rounds interleave the responders (default 3); the JSON (--json, default
build/bench/ike.json) has every run, the mean and the ratio.
"""
import argparse
import datetime
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from bench_machine import machine  # noqa: E402
from netns import Netns  # noqa: E402
from strongswan import Charon  # noqa: E402
from test_ike_interop import Daemon  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
TOOL = os.path.join(ROOT, "build", "tests", "ike", "ike_load_tool")
DRV_IP, RESP_IP = "192.0.2.1", "192.0.2.2"
ESP = "aes128gcm16"
CASES = ("strongswan", "xdpsec")


def log(msg):
    print(msg, flush=True)


def responder_conf(prop, psk):
    """The responder's connection, in the syntax both daemons read."""
    return f"""connections {{
  load {{
    local_addrs = {RESP_IP}
    remote_addrs = %any
    version = 2
    proposals = {prop}
    local {{
      auth = psk
      id = responder.load.example
    }}
    remote {{
      auth = psk
      id = %any
    }}
    children {{
      net {{
        local_ts = 10.2.0.0/24
        remote_ts = 10.100.0.0/16
        esp_proposals = {ESP}
      }}
    }}
  }}
}}
secrets {{
  ike-load {{
    secret = "{psk}"
  }}
}}
"""


class Pair:
    """The driver and responder namespaces and the veth between them."""

    def __init__(self):
        tag = secrets.token_hex(3)
        self.names = (f"xsbdrv{tag}", f"xsbrsp{tag}")
        self.ifs = (f"xsbd{tag}", f"xsbr{tag}")
        for n in self.names:
            subprocess.run(["ip", "netns", "add", n], check=True)
        self.drv, self.resp = Netns(self.names[0]), Netns(self.names[1])
        self.drv.run(f"ip link set lo up && ip link add {self.ifs[0]} type veth peer name "
                     f"{self.ifs[1]} && ip link set {self.ifs[1]} netns {self.names[1]} && "
                     f"ip addr add {DRV_IP}/24 dev {self.ifs[0]} && "
                     f"ip link set {self.ifs[0]} up")
        # the responder's side of the tunnels (charon routes via an address in it)
        self.resp.run(f"ip link set lo up && ip addr add {RESP_IP}/24 dev {self.ifs[1]} && "
                      f"ip link set {self.ifs[1]} up && ip addr add 10.2.0.1/24 dev lo")
        # no ARP in the measurement
        self.drv.run(f"ip neigh replace {RESP_IP} lladdr {self.resp.mac(self.ifs[1])} "
                     f"dev {self.ifs[0]}")
        self.resp.run(f"ip neigh replace {DRV_IP} lladdr {self.drv.mac(self.ifs[0])} "
                      f"dev {self.ifs[1]}")

    def close(self):
        for n in self.names:
            subprocess.run(["ip", "netns", "del", n], check=False)


def drive(args, pair, psk):
    r = pair.drv.run([TOOL, DRV_IP, RESP_IP, args.proposal, ESP, psk, str(args.total),
                      str(args.window), str(args.timeout), args.mode], check=False,
                     timeout=args.timeout + 30)
    if not r.stdout.strip():
        raise RuntimeError(f"ike_load_tool: {r.stderr.strip()}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def charon_conf(c):
    """Production-like logging, no cookies or per-peer blocking."""
    path = os.path.join(c.d, "strongswan.conf")
    with open(path) as f:
        text = f.read()
    text = text.replace("charon {", "charon {\n  cookie_threshold = 1000000\n"
                        "  block_threshold = 1000000\n  init_limit_half_open = 0", 1)
    text = text.replace("ike = 2", "ike = 1").replace("cfg = 2", "cfg = 1")
    with open(path, "w") as f:
        f.write(text)


def run_strongswan(args, pair, psk, work):
    c = Charon(pair.resp, os.path.join(work, "charon"))
    charon_conf(c)
    try:
        c.start()
        c.load(responder_conf(args.proposal, psk))
        return drive(args, pair, psk)
    finally:
        c.stop()


def run_xdpsec(args, pair, psk, work):
    d = Daemon(pair.resp, "bk", work)
    try:
        d.run()
        d.load(responder_conf(args.proposal, psk), pair.ifs[1])
        return drive(args, pair, psk)
    finally:
        try:
            d.stop()
        except subprocess.TimeoutExpired:   # busy: it is killed instead
            d.kill9()
            d.stop()



def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", default=os.path.join(ROOT, "build", "bench", "ike.json"))
    ap.add_argument("--proposal", default="aes128gcm16-prfsha256-ecp256")
    ap.add_argument("--total", type=int, default=100, help="IKE SAs per run")
    ap.add_argument("--window", type=int, default=16, help="setups under way at once")
    ap.add_argument("--mode", choices=("keep", "delete"), default="keep")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=300, help="seconds per run")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench-ike needs root (network namespaces)")
    start = time.monotonic()
    psk = secrets.token_hex(16)
    runs = {c: [] for c in CASES}
    with tempfile.TemporaryDirectory(prefix="xdpsec-bench-ike-") as work:
        for rnd in range(args.rounds):
            for case in CASES:
                sub = os.path.join(work, f"{case}{rnd}")
                os.makedirs(sub)
                fn = run_strongswan if case == "strongswan" else run_xdpsec
                pair = Pair()   # fresh namespaces: nothing left from a run
                try:
                    res = fn(args, pair, psk, sub)
                finally:
                    pair.close()
                runs[case].append(res)
                log(f"round {rnd + 1} {case:10s} {res['established']:5d} IKE SAs in "
                    f"{res['seconds']:7.2f} s: {res['rate']:7.1f}/s "
                    f"({res['failed']} failed, {res['retransmits']} retransmits)")
    mean = {c: sum(r["rate"] for r in runs[c]) / len(runs[c]) for c in CASES}
    ratio = mean["xdpsec"] / mean["strongswan"] if mean["strongswan"] else None
    log(f"\nmean IKE SA setups/s: strongswan {mean['strongswan']:.1f}, "
        f"xdpsec {mean['xdpsec']:.1f}, ratio xdpsec/strongswan "
        f"{ratio:.2f}" if ratio else "")
    out = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
           "machine": machine(), "proposal": args.proposal, "esp": ESP,
           "total": args.total, "window": args.window, "rounds": args.rounds,
           "mode": args.mode,
           "driver": "tests/ike/ike_load_tool (xdpsec IKE core as initiator, fake "
                     "dataplane; strongSwan's load-tester is not packaged in Debian)",
           "runs": runs, "mean_rate": mean, "ratio_xdpsec_strongswan": ratio,
           "runtime_s": round(time.monotonic() - start, 1)}
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(out, f, indent=1)
    log(f"wrote {args.json}")


if __name__ == "__main__":
    main()
