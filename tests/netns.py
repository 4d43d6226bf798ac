"""Namespace topologies for dataplane tests, built by scripts/topo.sh.

A test module imports the fixtures it uses (pytest finds them by name):

    from netns import gw2gw  # noqa: F401  (fixture)

    def test_tunnel(gw2gw):
        assert gw2gw.lanA.ping(gw2gw["LANB_IP4"])

`gw2gw`, `h2h` and `nat` are function-scoped fixtures; each builds its topology
under a fresh prefix and deletes it afterwards, also when the test fails. For
another scope, wrap `topology(kind)` (a context manager) in your own fixture.
A Topology gives the script's KEY=value output by `topo["KEY"]` and one Netns per
node as an attribute (`topo.lanA`, `topo.gwB`, `topo.nat`, `topo.hostA`).

Netns.run/popen run a command inside the namespace (a list, or a str for sh -c);
Netns.capture records an interface with tcpdump into a pcap read back by scapy;
Netns.sniffer/sendp run scapy inside the namespace with Debian's /usr/bin/python3.
Xdpsec runs one xdpsec daemon in a namespace; wan_tap(topo, left, right) puts a
bridge namespace between two peers so their WAN link can be captured at all.
"""
import contextlib
import os
import re
import secrets
import select
import signal
import subprocess
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOPO_SH = os.path.join(ROOT, "scripts", "topo.sh")
PYTHON = "/usr/bin/python3"


def wait_for(predicate, timeout=5.0, interval=0.02, what=None):
    """Polls predicate until it returns something true, and returns that."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"waited {timeout}s for {what or predicate}")
        time.sleep(interval)


def _read_until(proc, marker, timeout):
    """Reads proc.stderr (binary) until marker shows up; returns what was read."""
    seen = b""
    deadline = time.monotonic() + timeout
    fd = proc.stderr.fileno()
    while marker not in seen:
        left = deadline - time.monotonic()
        if left <= 0 or proc.poll() is not None:
            raise AssertionError(f"{proc.args} not ready: {seen.decode(errors='replace')}")
        if select.select([fd], [], [], left)[0]:
            seen += os.read(fd, 4096)
    return seen


def _rdpcap(path):
    from scapy.utils import rdpcap
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return []
    return list(rdpcap(path))


class Capture:
    """tcpdump on one interface of a namespace, flushing every packet at once."""

    def __init__(self, ns, iface, bpf_filter="", timeout=5.0):
        fd, self.path = tempfile.mkstemp(prefix="xdpsec-cap-", suffix=".pcap")
        os.close(fd)
        # 16 MiB of kernel buffer: the 2 MiB default loses bursts of a
        # worker's TX (seen: 51 of 120 packets); stop() records the loss
        argv = ["tcpdump", "-Z", "root", "-i", iface, "-n", "-U", "--immediate-mode",
                "-B", "16384", "-w", self.path]
        if bpf_filter:
            argv.append(bpf_filter)
        self.proc = ns.popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _read_until(self.proc, b"listening on", timeout)
        except AssertionError:
            self._end()
            raise
        self.packets = None

    def _end(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        err = self.proc.communicate(timeout=10)[1].decode(errors="replace")
        m = re.search(r"(\d+) packets? dropped by kernel", err)
        self.dropped = int(m.group(1)) if m else None

    def stop(self):
        """Stops tcpdump and returns the captured packets (scapy)."""
        if self.packets is None:
            self._end()
            self.packets = _rdpcap(self.path)
            os.unlink(self.path)
        return self.packets

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


SNIFF_CODE = """
import sys
from scapy.all import sniff, wrpcap
iface, flt, count, timeout, out = sys.argv[1:]
def started():
    sys.stderr.write("SNIFFING\\n")
    sys.stderr.flush()
pkts = sniff(iface=iface, filter=flt or None, count=int(count), timeout=float(timeout),
             started_callback=started)
if pkts:
    wrpcap(out, pkts)
"""

SENDP_CODE = """
import sys
from scapy.all import Raw, sendp
sendp([Raw(bytes.fromhex(h)) for h in sys.argv[2:]], iface=sys.argv[1], verbose=False)
"""


class Sniffer:
    """scapy's sniff() running inside a namespace until count packets or timeout."""

    def __init__(self, ns, iface, bpf_filter="", count=0, timeout=5.0):
        fd, self.path = tempfile.mkstemp(prefix="xdpsec-sniff-", suffix=".pcap")
        os.close(fd)
        os.unlink(self.path)
        self.proc = ns.popen([PYTHON, "-c", SNIFF_CODE, iface, bpf_filter, str(count),
                              str(timeout), self.path],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.timeout = timeout
        try:
            self.err = _read_until(self.proc, b"SNIFFING", 30)
        except AssertionError:
            self.proc.kill()
            self.proc.communicate()
            raise

    def result(self):
        """Waits for sniff() to finish and returns its packets."""
        self.err += self.proc.communicate(timeout=self.timeout + 30)[1]
        assert self.proc.returncode == 0, self.err.decode(errors="replace")
        pkts = _rdpcap(self.path)
        if os.path.exists(self.path):
            os.unlink(self.path)
        return pkts


class Netns:
    """One network namespace; commands run in it through `ip netns exec`."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"Netns({self.name!r})"

    def argv(self, cmd):
        if isinstance(cmd, str):
            cmd = ["sh", "-c", cmd]
        return ["ip", "netns", "exec", self.name, *cmd]

    def run(self, cmd, check=True, timeout=30, **kw):
        kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        r = subprocess.run(self.argv(cmd), timeout=timeout, **kw)
        if check and r.returncode != 0:
            raise AssertionError(f"{cmd} in {self.name} exited {r.returncode}: "
                                 f"{r.stdout}{r.stderr}")
        return r

    def popen(self, cmd, **kw):
        return subprocess.Popen(self.argv(cmd), **kw)

    def ping(self, addr, count=1, wait=2):
        """True when addr answers at least one of count echo requests."""
        r = self.run(["ping", "-n", "-q", "-c", str(count), "-i", "0.2", "-W", str(wait),
                      addr], check=False)
        return r.returncode == 0

    def mac(self, iface):
        return self.run(["cat", f"/sys/class/net/{iface}/address"]).stdout.strip()

    def python(self, code, *args, timeout=60, check=True):
        return self.run([PYTHON, "-c", code, *args], timeout=timeout, check=check)

    def capture(self, iface, bpf_filter=""):
        return Capture(self, iface, bpf_filter)

    def sniffer(self, iface, bpf_filter="", count=0, timeout=5.0):
        return Sniffer(self, iface, bpf_filter, count, timeout)

    def sendp(self, iface, frames):
        """Sends layer-2 frames (bytes or scapy packets) out of iface."""
        self.python(SENDP_CODE, iface, *(bytes(f).hex() for f in frames))


class Topology:
    def __init__(self, kind, prefix, env):
        self.kind = kind
        self.prefix = prefix
        self.env = env
        self.nodes = {v[len(prefix) + 1:]: Netns(v) for k, v in env.items()
                      if k.startswith("NS_")}

    def __getattr__(self, node):
        nodes = self.__dict__.get("nodes", {})
        if node in nodes:
            return nodes[node]
        raise AttributeError(node)

    def __getitem__(self, key):
        return self.env[key]

    def interfaces(self):
        return [v for k, v in self.env.items() if k.endswith("_IF")]


def unique_prefix():
    return "xt" + secrets.token_hex(4)


def parse_env(text):
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def topo_sh(action, kind, prefix):
    return subprocess.run([TOPO_SH, action, kind, "--prefix", prefix],
                          capture_output=True, text=True, timeout=120)


def leftovers(prefix):
    """Namespaces and links (in this namespace) whose names start with prefix."""
    names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                           check=True).stdout.split()
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    names += [line.split(": ")[1].split("@")[0] for line in links]
    return [n for n in names if n.startswith(prefix)]


@contextlib.contextmanager
def topology(kind, prefix=None):
    prefix = prefix or unique_prefix()
    try:
        r = topo_sh("create", kind, prefix)
        assert r.returncode == 0, f"topo.sh create {kind}: {r.stderr}"
        yield Topology(kind, prefix, parse_env(r.stdout))
    finally:
        r = topo_sh("delete", kind, prefix)
        assert r.returncode == 0, f"topo.sh delete {kind}: {r.stderr}"


@pytest.fixture
def gw2gw():
    with topology("gw2gw") as t:
        yield t


@pytest.fixture
def h2h():
    with topology("h2h") as t:
        yield t


@pytest.fixture
def nat():
    with topology("nat") as t:
        yield t


# --- xdpsec daemons and a tap on the WAN link, for the dataplane tests ---

# XDPSEC_BIN runs the tests against another build (e.g. of a clean checkout)
XDPSEC = os.environ.get("XDPSEC_BIN", os.path.join(ROOT, "build", "xdpsec"))
RUN_DIR = "/run/xdpsec"


class Xdpsec:
    """One xdpsec daemon instance running inside a namespace. stop() ends it
    (kill -9 if it does not answer) and removes what a killed daemon leaves
    in /run/xdpsec, so it is safe in a finally block."""

    def __init__(self, ns, tag):
        self.ns = ns
        self.name = "t" + secrets.token_hex(3) + tag
        self.lock = os.path.join(RUN_DIR, self.name + ".lock")

    def cli(self, *args, json_out=False, check=True):
        argv = [XDPSEC, "-i", self.name] + (["--json"] if json_out else []) + list(args)
        r = self.ns.run(argv, check=False)
        if check and r.returncode != 0:
            raise AssertionError(f"xdpsec {' '.join(args[:2])} in {self.ns.name}: "
                                 f"{r.stderr.strip()}")
        return r

    def js(self, *args):
        import json
        return json.loads(self.cli(*args, json_out=True).stdout)

    def start(self, wan, lan=None):
        self.cli("daemon")
        self.cli("attach", "--wan", wan, *(["--lan", lan] if lan else []))

    def pid(self):
        try:
            with open(self.lock) as f:
                return int(f.read().strip())
        except (FileNotFoundError, ValueError):
            return None

    def alive(self):
        pid = self.pid()
        try:
            with open(f"/proc/{pid}/status") as f:
                return "State:\tZ" not in f.read()
        except (FileNotFoundError, TypeError):
            return False

    def kill9(self):
        os.kill(self.pid(), signal.SIGKILL)
        wait_for(lambda: not self.alive(), what=f"{self.name} to die")

    def stop(self):
        if self.alive() and self.cli("stop", check=False).returncode != 0 and self.alive():
            self.kill9()
        for suffix in (".lock", ".sock", ".ifs"):
            path = os.path.join(RUN_DIR, self.name + suffix)
            if os.path.exists(path):
                os.unlink(path)

    def stats(self):
        return self.js("stats")

    def drops(self, hook="xdp-wan"):
        st = self.stats()
        return st["worker"]["drops"] if hook == "worker" else st["hooks"][hook]["drops"]


def _gateway_routes(ns, dev):
    """`ip route add` argument lists of the routes via a gateway on dev."""
    import json
    routes = []
    for fam in ("-4", "-6"):
        out = ns.run(["ip", "-j", fam, "route", "show", "dev", dev]).stdout
        routes += [[fam, r["dst"], "via", r["gateway"]] for r in json.loads(out or "[]")
                   if "gateway" in r]
    return routes


def _addrs(ns, dev):
    import json
    info = json.loads(ns.run(["ip", "-j", "addr", "show", "dev", dev]).stdout)[0]
    return [f"{a['local']}/{a['prefixlen']}" for a in info["addr_info"]
            if a.get("scope") == "global"]


@contextlib.contextmanager
def wan_tap(topo, left, right):
    """Replaces the veth between interface keys left and right (e.g. GWA_WAN,
    GWB_WAN) by two veths into a bridge in a new namespace P-wan, keeping the
    names, addresses and routes. XDP on a veth hides received frames from
    tcpdump and AF_XDP transmit skips the taps, so the WAN link is only
    observable from such a middle node: topo.wan.capture(topo["WAN_TAP_IF"])
    sees every frame between the two (the port towards left)."""
    sides = []
    for key in (left, right):
        node = next(n for n in topo.nodes if key.startswith(n.upper()))
        ns, dev = topo.nodes[node], topo[f"{key}_IF"]
        sides.append((ns, dev, _addrs(ns, dev), _gateway_routes(ns, dev)))
    wan = Netns(f"{topo.prefix}-wan")
    subprocess.run(["ip", "netns", "add", wan.name], check=True)
    try:
        sides[0][0].run(["ip", "link", "del", sides[0][1]])
        wan.run(["ip", "link", "add", "br0", "type", "bridge"])
        wan.run(["ip", "link", "set", "br0", "up"])
        for (ns, dev, addrs, routes), tag in zip(sides, ("wa", "wb")):
            port = topo.prefix + tag
            subprocess.run(["ip", "link", "add", dev, "netns", ns.name, "type", "veth",
                            "peer", "name", port, "netns", wan.name], check=True)
            wan.run(["ip", "link", "set", port, "master", "br0", "up"])
            for a in addrs:
                ns.run(["ip", "addr", "add", a, "dev", dev] + (["nodad"] if ":" in a else []))
            ns.run(["ip", "link", "set", dev, "up"])
        for ns, dev, _, _ in sides:
            wait_for(lambda: "LOWER_UP" in ns.run(["ip", "link", "show", dev]).stdout,
                     what=f"{dev} up")
        for ns, dev, _, routes in sides:
            for r in routes:
                ns.run(["ip", *r[:1], "route", "add", *r[1:], "dev", dev])
        topo.nodes["wan"] = wan
        topo.env["WAN_TAP_IF"] = topo.prefix + "wa"
        yield topo
    finally:
        pids = subprocess.run(["ip", "netns", "pids", wan.name], capture_output=True,
                              text=True).stdout.split()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
        subprocess.run(["ip", "netns", "del", wan.name], check=False)
