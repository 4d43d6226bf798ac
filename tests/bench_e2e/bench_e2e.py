#!/usr/bin/python3
"""End-to-end benchmark (make bench-e2e): lanA -> lanB through gwA/gwB.

One gw2gw topology (scripts/topo.sh), then, one after the other:

  plain      kernel routing, no IPsec
  xdpsec     two xdpsec daemons, AES-256-GCM tunnel (manual keys, fresh per run)
  nocrypto   the same daemons and configuration with --bench-no-crypto (every
             SA gets XS_SA_BENCH_NO_CRYPTO): the same path, ESP from gwA's
             worker to gwB's worker, without encryption and ICV
  strongswan strongSwan 5.9 charon per gateway, kernel-libipsec (userspace ESP
             through a TUN), IKEv2 PSK, esp aes256gcm16

For each: iperf3 TCP lanA -> lanB with 1 and 4 streams, and iperf3 UDP at
full speed with 64 B payloads (92 B IP packets) and 1400 B IP packets
(1372 B payload): received packets/s and loss. Every LAN interface has MTU
1400 in every case, since strongSwan's TUN has a fixed 1400 MTU.

All cases run once per round, --rounds times (default 2), interleaved so
that they share the machine's noise; the tables show the mean of the rounds,
the JSON also has every round. Then build/xdpsec-bpf-bench (classification
cost). Prints tables and ratios and writes JSON (--json). Everything runs in
namespaces made and deleted here; keys and the PSK come from the secrets
module, are written only to 0600 files in a 0700 directory and are removed.
"""
import argparse
import datetime
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from bench_machine import machine  # noqa: E402
from netns import topology, wait_for  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
LAN_MTU = 1400
UDP_SIZES = {"udp64": 64, "udp1400": LAN_MTU - 28}
CASES = ("plain", "xdpsec", "nocrypto", "strongswan")
CHARON = "/usr/lib/ipsec/charon"
PLUGINS = ("random nonce openssl aes sha1 sha2 hmac gcm kdf pem pkcs1 x509 pubkey "
           "kernel-libipsec kernel-netlink socket-default vici")


def log(msg):
    print(msg, flush=True)


class Bench:
    def __init__(self, topo, args, work):
        self.t = topo
        self.args = args
        self.work = work
        self.lanb_ip = topo["LANB_IP4"]

    def iperf(self, extra, duration):
        cmd = ["iperf3", "-c", self.lanb_ip, "-t", str(duration), "-J", *extra]
        r = self.t.lanA.run(cmd, check=False, timeout=duration + 30)
        try:
            return json.loads(r.stdout)
        except ValueError:
            return {"error": (r.stdout + r.stderr).strip()[-300:]}

    def tcp(self, streams):
        j = self.iperf(["-P", str(streams)], self.args.seconds)
        if "error" in j:
            return {"error": j["error"]}
        end = j["end"]
        return {"gbit_s": round(end["sum_received"]["bits_per_second"] / 1e9, 3),
                "retransmits": end["sum_sent"].get("retransmits", 0)}

    def udp(self, size):
        j = self.iperf(["-u", "-b", "0", "-l", str(size)], self.args.seconds)
        if "error" in j:
            return {"error": j["error"]}
        s = j["end"]["sum"]
        sent, lost, secs = s["packets"], s["lost_packets"], s["seconds"]
        return {"payload": size, "ip_bytes": size + 28, "sent": sent,
                "received": sent - lost,
                "rx_kpps": round((sent - lost) / secs / 1e3, 1),
                "loss_pct": round(100.0 * lost / sent, 2) if sent else None}

    def measure(self):
        self.t.lanA.run(["ping", "-n", "-q", "-c", "3", "-i", "0.2", "-W", "2",
                         self.lanb_ip], check=False)
        res = {"tcp1": self.tcp(1), "tcp4": self.tcp(4)}
        for name, size in UDP_SIZES.items():
            res[name] = self.udp(size)
        return res

    def reachable(self):
        return self.t.lanA.ping(self.lanb_ip, count=1, wait=1)


# --- topology ------------------------------------------------------------
def lan_mtu(t):
    for ns, key in ((t.lanA, "LANA_IF"), (t.gwA, "GWA_LAN_IF"),
                    (t.gwB, "GWB_LAN_IF"), (t.lanB, "LANB_IF")):
        ns.run(["ip", "link", "set", t[key], "mtu", str(LAN_MTU)])


# --- xdpsec --------------------------------------------------------------
def xdpsec_conf(path, t, me, peer, keys):
    """gwA (me="A") or gwB: SAs out/in and policies out/fwd."""
    wan = {"A": t["GWA_WAN_IP4"], "B": t["GWB_WAN_IP4"]}
    lan = {"A": "10.1.0.0/24", "B": "10.2.0.0/24"}
    spi = {"A": "0x1001", "B": "0x2001"}
    lines = ["interfaces {", f"    wan = {t['GW%s_WAN_IF' % me]}",
             f"    lan = {t['GW%s_LAN_IF' % me]}", "}", "sas {"]
    for name, src, dst in (("out", me, peer), ("in", peer, me)):
        lines += [f"    {name} {{", f"        src = {wan[src]}", f"        dst = {wan[dst]}",
                  "        proto = esp", f"        spi = {spi[src]}", "        mode = tunnel",
                  f"        aead = rfc4106(gcm(aes)) {keys[src]} 128", "        reqid = 1"]
        if name == "in":
            lines.append("        replay-window = 128")
        lines.append("    }")
    lines += ["}", "policies {",
              "    lan-out {", f"        src = {lan[me]}", f"        dst = {lan[peer]}",
              "        dir = out",
              f"        tmpl = src {wan[me]} dst {wan[peer]} proto esp mode tunnel reqid 1",
              "    }",
              "    lan-in {", f"        src = {lan[peer]}", f"        dst = {lan[me]}",
              "        dir = fwd",
              f"        tmpl = src {wan[peer]} dst {wan[me]} proto esp mode tunnel reqid 1",
              "    }", "}"]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")


class Xdpsec:
    def __init__(self, b, crypto):
        self.b, self.crypto = b, crypto
        self.inst = {g: f"{b.t.prefix}{g.lower()}" for g in ("A", "B")}

    def __enter__(self):
        t = self.b.t
        keys = {g: "0x" + secrets.token_hex(36) for g in ("A", "B")}
        for me, peer in (("A", "B"), ("B", "A")):
            path = os.path.join(self.b.work, f"gw{me}.conf")
            xdpsec_conf(path, t, me, peer, keys)
            argv = [self.b.args.xdpsec, "-i", self.inst[me], "daemon", "-c", path]
            if not self.crypto:
                argv.append("--bench-no-crypto")
            try:
                getattr(t, "gw" + me).run(argv)
            finally:
                os.unlink(path)
        keys.clear()
        wait_for(self.b.reachable, timeout=10, what="lanA -> lanB through xdpsec")
        return self

    def status(self, gw):
        r = getattr(self.b.t, "gw" + gw).run([self.b.args.xdpsec, "-i", self.inst[gw],
                                              "--json", "status"])
        return json.loads(r.stdout)

    def sa_packets(self):
        r = self.b.t.gwA.run([self.b.args.xdpsec, "-i", self.inst["A"], "--json",
                              "state", "list"])
        return {sa["dir"]: sa["packets"] for sa in json.loads(r.stdout)}

    def __exit__(self, *exc):
        for g in ("A", "B"):
            getattr(self.b.t, "gw" + g).run([self.b.args.xdpsec, "-i", self.inst[g], "stop"],
                                           check=False)


# --- strongSwan ----------------------------------------------------------
STRONGSWAN_CONF = """charon {{
    load_modular = no
    load = {plugins}
    install_routes = yes
    routing_table = 220
    routing_table_prio = 220
    plugins {{
        vici {{
            socket = unix://{d}/run/charon.vici
        }}
    }}
    filelog {{
        log {{
            path = {d}/charon.log
            default = 1
        }}
    }}
}}
"""

SWANCTL_CONF = """connections {{
    gw {{
        version = 2
        local_addrs = {me}
        remote_addrs = {peer}
        proposals = aes256gcm16-prfsha256-ecp256
        local {{
            auth = psk
            id = {me}
        }}
        remote {{
            auth = psk
            id = {peer}
        }}
        children {{
            net {{
                local_ts = {lan_me}
                remote_ts = {lan_peer}
                esp_proposals = aes256gcm16
                mode = tunnel
            }}
        }}
    }}
}}
secrets {{
    ike-gw {{
        id-1 = {me}
        id-2 = {peer}
        secret = 0x{psk}
    }}
}}
"""


class StrongSwan:
    """Two charons (platform.md): own strongswan.conf, /run (pid file), VICI each."""

    def __init__(self, b):
        self.b = b
        self.procs = []
        self.dirs = {}

    def swanctl(self, gw, *args, check=True):
        d = self.dirs[gw]
        env = dict(os.environ, SWANCTL_DIR=os.path.join(d, "swanctl"))
        r = subprocess.run(["swanctl", *args, "--uri", f"unix://{d}/run/charon.vici"],
                           capture_output=True, text=True, env=env, timeout=30)
        if check and r.returncode:
            raise AssertionError(f"swanctl {args} on gw{gw}: {r.stdout}{r.stderr}")
        return r.stdout

    def start(self, gw, me, peer, lan_me, lan_peer, psk):
        d = tempfile.mkdtemp(prefix=f"xdpsec-bench-swan{gw}-", dir=self.b.work)
        self.dirs[gw] = d
        os.makedirs(os.path.join(d, "run"))
        os.makedirs(os.path.join(d, "swanctl"))
        with open(os.path.join(d, "strongswan.conf"), "w") as f:
            f.write(STRONGSWAN_CONF.format(plugins=PLUGINS, d=d))
        fd = os.open(os.path.join(d, "swanctl", "swanctl.conf"),
                     os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(SWANCTL_CONF.format(me=me, peer=peer, lan_me=lan_me,
                                        lan_peer=lan_peer, psk=psk))
        env = dict(os.environ, STRONGSWAN_CONF=os.path.join(d, "strongswan.conf"))
        ns = getattr(self.b.t, "gw" + gw)
        self.procs.append(ns.popen(["sh", "-c", f"mount --bind {d}/run /run && exec {CHARON}"],
                                   env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL))
        wait_for(lambda: os.path.exists(f"{d}/run/charon.vici"), timeout=10,
                 what=f"charon VICI socket of gw{gw}")
        self.swanctl(gw, "--load-all")

    def __enter__(self):
        t = self.b.t
        psk = secrets.token_hex(32)
        self.start("A", t["GWA_WAN_IP4"], t["GWB_WAN_IP4"], "10.1.0.0/24", "10.2.0.0/24", psk)
        self.start("B", t["GWB_WAN_IP4"], t["GWA_WAN_IP4"], "10.2.0.0/24", "10.1.0.0/24", psk)
        self.swanctl("A", "--initiate", "--child", "net", "--timeout", "10")
        for gw in ("A", "B"):
            wait_for(lambda: "INSTALLED" in self.swanctl(gw, "--list-sas"), timeout=10,
                     what=f"CHILD_SA installed on gw{gw}")
        wait_for(self.b.reachable, timeout=10, what="lanA -> lanB through strongSwan")
        return self

    def list_sas(self):
        return self.swanctl("A", "--list-sas")

    def __exit__(self, *exc):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


# --- run -----------------------------------------------------------------
def run_round(b, results, notes):
    log("  plain: kernel routing")
    wait_for(b.reachable, timeout=10, what="lanA -> lanB")
    results["plain"].append(b.measure())
    for case, crypto, what in (("xdpsec", True, "AES-256-GCM tunnel"),
                               ("nocrypto", False, "xdpsec worker, --bench-no-crypto")):
        log(f"  {case}: {what}")
        with Xdpsec(b, crypto=crypto) as x:
            results[case].append(b.measure())
            notes[case].append({"gwA_sa_packets": x.sa_packets(),
                                "gwA_worker": x.status("A")["worker"],
                                "gwB_worker": x.status("B")["worker"]})
    log("  strongswan: kernel-libipsec, aes256gcm16")
    with StrongSwan(b) as s:
        results["strongswan"].append(b.measure())
        notes["strongswan"].append({"gwA_sas": s.list_sas()})


def run_cases(args, work):
    """Every case once per round, rounds interleaved so all see the same noise."""
    results = {c: [] for c in CASES}
    notes = {c: [] for c in CASES}
    with topology("gw2gw") as t:
        b = Bench(t, args, work)
        lan_mtu(t)
        server = t.lanB.popen(["iperf3", "-s", "-B", b.lanb_ip], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        wait_for(lambda: ":5201" in t.lanB.run(["ss", "-ltn"]).stdout, timeout=10,
                 what="iperf3 server in lanB")
        for n in range(args.rounds):
            log(f"round {n + 1} of {args.rounds}")
            run_round(b, results, notes)
        server.terminate()
        server.wait(timeout=10)
    return results, notes


def mean_of(runs):
    """Per metric, the mean over rounds of each numeric field (errors kept)."""
    out = {}
    for metric in runs[0]:
        vals = [r[metric] for r in runs]
        if any("error" in v for v in vals):
            out[metric] = next(v for v in vals if "error" in v)
            continue
        out[metric] = {k: (round(sum(v[k] for v in vals) / len(vals), 3)
                           if isinstance(vals[0][k], (int, float)) else vals[0][k])
                       for k in vals[0]}
    return out


def classify(args):
    out = os.path.join(args.workdir_json, "classify.json")
    subprocess.run([args.bpf_bench, "--json", out], check=True, timeout=300,
                   stdout=subprocess.DEVNULL)
    with open(out) as f:
        return json.load(f)


def ratio(a, b):
    return round(a / b, 2) if a and b else None


def summarize(results, cls):
    def tcp(case, k):
        return results.get(case, {}).get(k, {}).get("gbit_s")
    r = {}
    for k in ("tcp1", "tcp4"):
        r[f"xdpsec_over_strongswan_{k}"] = ratio(tcp("xdpsec", k), tcp("strongswan", k))
        r[f"xdpsec_over_nocrypto_{k}"] = ratio(tcp("xdpsec", k), tcp("nocrypto", k))
    worst = max(max(c["wan_esp_ns"], c["lan_protect_ns"]) for c in cls["classify"])
    goals = {
        "tcp_vs_strongswan_4x": all((r[f"xdpsec_over_strongswan_{k}"] or 0) >= 4
                                    for k in ("tcp1", "tcp4")),
        "tcp_vs_nocrypto_75pct": all((r[f"xdpsec_over_nocrypto_{k}"] or 0) >= 0.75
                                     for k in ("tcp1", "tcp4")),
        "classify_under_100ns": worst < 100,
    }
    return r, goals, worst


def print_tables(results, ratios, goals, worst, cls):
    log("\nlanA -> lanB through gwA/gwB (LAN MTU %d; mean of the rounds)" % LAN_MTU)
    log("%-11s %10s %10s %22s %22s" % ("case", "TCP x1", "TCP x4", "UDP 92 B IP", "UDP 1400 B IP"))
    for case, res in results.items():
        cells = []
        for k in ("tcp1", "tcp4"):
            v = res[k]
            cells.append("error" if "error" in v else "%.2f Gb/s" % v["gbit_s"])
        for k in UDP_SIZES:
            v = res[k]
            cells.append("error" if "error" in v else
                         "%7.1f kpps %5.1f%% lost" % (v["rx_kpps"], v["loss_pct"]))
        log("%-11s %10s %10s %22s %22s" % (case, *cells))
    log("TCP retransmits (x1 / x4): " + ", ".join(
        "%s %s / %s" % (case, res["tcp1"].get("retransmits", "-"), res["tcp4"].get("retransmits", "-"))
        for case, res in results.items()))
    log("\nratios (TCP throughput)")
    for k, v in ratios.items():
        log("  %-36s %s" % (k, v))
    log("\nclassification (BPF_PROG_TEST_RUN, ns/packet)")
    log("%10s %9s %8s %12s" % ("SAs", "policies", "wan-esp", "lan-protect"))
    for c in cls["classify"]:
        log("%10d %9d %8.1f %12.1f" % (c["sas"], c["policies"], c["wan_esp_ns"],
                                      c["lan_protect_ns"]))
    log("\ngoals")
    log("  xdpsec TCP >= 4x strongSwan:        %s" % ("met" if goals["tcp_vs_strongswan_4x"] else "MISSED"))
    log("  xdpsec TCP >= 75%% of no-crypto:     %s" % ("met" if goals["tcp_vs_nocrypto_75pct"] else "MISSED"))
    log("  classification < 100 ns (worst %.1f): %s" % (worst, "met" if goals["classify_under_100ns"] else "MISSED"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", default=os.path.join(ROOT, "build", "bench", "e2e.json"))
    ap.add_argument("--seconds", type=int, default=5, help="per iperf3 run")
    ap.add_argument("--rounds", type=int, default=2, help="of all cases, interleaved")
    ap.add_argument("--xdpsec", default=os.path.join(ROOT, "build", "xdpsec"))
    ap.add_argument("--bpf-bench", default=os.path.join(ROOT, "build", "xdpsec-bpf-bench"))
    ap.add_argument("--skip-classify", action="store_true")
    args = ap.parse_args()
    if os.geteuid():
        sys.exit("bench-e2e: must run as root")
    for tool in ("iperf3", "swanctl", CHARON, args.xdpsec):
        if not shutil.which(tool):
            sys.exit(f"bench-e2e: {tool} is missing (make deps; make)")
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="xdpsec-bench-e2e-")
    os.chmod(work, 0o700)
    args.workdir_json = work
    try:
        rounds, notes = run_cases(args, work)
        cls = (classify(args) if not args.skip_classify
               else {"classify": [{"sas": 0, "policies": 0, "wan_esp_ns": 0.0,
                                   "lan_protect_ns": 0.0}]})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results = {c: mean_of(runs) for c, runs in rounds.items()}
    ratios, goals, worst = summarize(results, cls)
    print_tables(results, ratios, goals, worst, cls)
    out = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "machine": machine(), "lan_mtu": LAN_MTU, "seconds_per_run": args.seconds,
           "rounds": args.rounds, "results": results, "per_round": rounds,
           "ratios": ratios, "goals": goals,
           "classify": cls, "notes": notes,
           "runtime_s": round(time.monotonic() - started, 1)}
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(out, f, indent=1)
    log("\nwrote %s (%.0f s)" % (args.json, out["runtime_s"]))


if __name__ == "__main__":
    main()
