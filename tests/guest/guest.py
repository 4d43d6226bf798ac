"""A QEMU guest running Debian's stock kernel, for tests that need kernel ESP
(this host's kernel has none).

    from guest.guest import Guest, guest      # guest: module-scoped fixture

    def test_x(guest):                        # a fresh netns with the guest's tap
        guest.ns.run(["ip", "addr", "add", "10.9.0.1/24", "dev", guest.taps[0]])
        guest.run(["ip", "addr", "add", "10.9.0.2/24", "dev", "eth0"])
        guest.up("eth0")
        assert guest.run("ping -c1 10.9.0.1").returncode == 0

    with Guest("some-netns", nics=2) as g:    # or in a namespace of your own
        r = g.run(["ip", "-s", "xfrm", "state"], timeout=10)

API (kept small and stable):
  Guest(netns=None, nics=1, mem_mb=768, cpus=1)
      netns: name of the host network namespace QEMU runs in (its taps are
      created there), None for the caller's. Nothing happens before start().
  start() / close(), or `with Guest(...) as g:`: boot (prepares build/guest/
      first, see prepare.py) and wait until the agent answers; close() always
      kills QEMU and removes what start() made (taps go with QEMU). QEMU also
      dies with the thread that called start() (PR_SET_PDEATHSIG): start
      and close a guest from the same long-lived thread.
  taps: host tap names, unique per run, up; tap i is the guest's eth<i>.
  run(cmd, check=True, timeout=30, input=None, text=True)
      -> subprocess.CompletedProcess, like tests/netns.Netns.run: cmd is an
      argv list, or a str for `sh -c`; runs as root in the guest; check
      raises AssertionError on a non-zero exit; past timeout the command's
      process group is killed and subprocess.TimeoutExpired raised.
  run_async(cmd, timeout=30, input=None, text=True) -> concurrent.futures.Future
      of the same CompletedProcess (check it yourself); for servers.
  write(path, data, mode=0o644): writes a file inside the guest.
  up(dev, timeout=10): sets a guest link up and waits for its carrier.
  console(): the guest's console output so far (for failure messages).
  accel: "kvm" or "tcg", what this boot uses.

The guest sees the host's whole root read-only (9p) under a tmpfs overlay, so
it runs the host's ip, python3, tcpdump and build/ (as they were when it
booted: the overlay caches lookups); its own /run and /sys/fs/bpf (/tmp is
the host's, writable through the overlay).
Loaded: virtio, 9p, overlay, xfrm_user, xfrm_interface, esp4/6, ah4/6, the
ESP crypto (gcm, chacha20poly1305, authenc(esn), cbc, ctr, hmac, sha1/256/512,
aesni), veth, bridge, tun, sch_ingress, cls_bpf, act_bpf. KVM is used when
/dev/kvm boots the kernel (probed once, remembered in build/guest/accel-*),
else TCG (`-cpu max,la57=off`); XS_GUEST_ACCEL=tcg|kvm forces one.
"""
import base64
import concurrent.futures
import contextlib
import itertools
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
from netns import Netns, wait_for  # noqa: E402

GUEST_DIR = os.path.join(ROOT, "build", "guest")
QEMU = "qemu-system-x86_64"
PORT_NAME = "xs.agent"
BOOT_TIMEOUT = 90.0
KVM_PROBE_TIMEOUT = 15.0


def _die_with_parent():
    """In the QEMU child before exec: SIGKILL when the thread that started
    it ends, so a killed test run leaves no guest (and no taps) behind."""
    import ctypes
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def prepare():
    """Builds build/guest/ if needed (fast when it is up to date)."""
    subprocess.run(["/usr/bin/python3", os.path.join(HERE, "prepare.py"), GUEST_DIR],
                   check=True)


def _kernel_args(extra=""):
    return ["-kernel", os.path.join(GUEST_DIR, "vmlinux"),
            "-initrd", os.path.join(GUEST_DIR, "initramfs.cpio.gz"),
            "-append", "console=ttyS0 quiet panic=-1 " + extra]


def _accel_args(accel, cpus):
    if accel == "kvm":
        return ["-accel", "kvm", "-cpu", "host"]
    return ["-accel", "tcg" + (",thread=multi" if cpus > 1 else ""),
            "-cpu", "max,la57=off"]


def probe_kvm():
    """True when /dev/kvm boots this kernel: a guest whose init powers off at
    once must exit in time (a paravirtual /dev/kvm that cannot run a stock
    kernel hangs silently)."""
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
    except OSError:
        return False
    argv = [QEMU, "-M", "pc", "-m", "256", "-nodefaults", "-no-user-config",
            "-display", "none", "-serial", "none", "-no-reboot",
            *_accel_args("kvm", 1), *_kernel_args("rdinit=/bin/poweroff -- -f")]
    try:
        r = subprocess.run(argv, capture_output=True, timeout=KVM_PROBE_TIMEOUT)
    except subprocess.TimeoutExpired:
        return False
    return r.returncode == 0


def choose_accel():
    forced = os.environ.get("XS_GUEST_ACCEL")
    if forced:
        return forced
    with open(os.path.join(GUEST_DIR, "release")) as f:
        key = f"accel-{os.uname().release}-{f.read().strip()}"
    path = os.path.join(GUEST_DIR, key)
    try:
        with open(path) as f:
            return f.read().strip()
    except FileNotFoundError:
        pass
    accel = "kvm" if probe_kvm() else "tcg"
    with open(path + ".tmp", "w") as f:
        f.write(accel + "\n")
    os.replace(path + ".tmp", path)
    return accel


class Guest:
    """One booted guest; see the module docstring for the API."""

    def __init__(self, netns=None, nics=1, mem_mb=768, cpus=1):
        self.netns, self.nics, self.mem_mb, self.cpus = netns, nics, mem_mb, cpus
        self.tag = secrets.token_hex(3)
        self.taps = [f"xg{self.tag}t{i}" for i in range(nics)]
        self.ns = Netns(netns) if netns else None
        self.accel = None
        self.proc = None
        self.dir = None
        self.sock = None
        self.ids = itertools.count(1)
        self.pending = {}
        self.lock = threading.Lock()
        self.reader = None

    # --- lifecycle ---

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def qemu_argv(self):
        argv = [QEMU, "-M", "pc", "-m", str(self.mem_mb), "-smp", str(self.cpus),
                "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
                "-serial", f"file:{self.dir}/console.log",
                *_accel_args(self.accel, self.cpus),
                *_kernel_args(f"xsagent={HERE}/agent.py"),
                "-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,"
                           "readonly=on,multidevs=remap",
                "-device", "virtio-rng-pci",
                "-device", "virtio-serial-pci",
                "-chardev", f"socket,id=agent,path={self.dir}/agent.sock,server=on,wait=off",
                "-device", f"virtserialport,chardev=agent,name={PORT_NAME}"]
        for i, tap in enumerate(self.taps):
            argv += ["-netdev", f"tap,id=n{i},ifname={tap},script=no,downscript=no",
                     "-device", f"virtio-net-pci,netdev=n{i},mac=52:54:{self.tag[:2]}:"
                                f"{self.tag[2:4]}:{self.tag[4:6]}:{i:02x}"]
        if self.netns:
            argv = ["ip", "netns", "exec", self.netns] + argv
        return argv

    def start(self):
        prepare()
        self.accel = choose_accel()
        self.dir = tempfile.mkdtemp(prefix="xdpsec-guest-")
        try:
            with open(f"{self.dir}/qemu.log", "wb") as log:
                self.proc = subprocess.Popen(self.qemu_argv(), stdin=subprocess.DEVNULL,
                                             stdout=log, stderr=subprocess.STDOUT,
                                             start_new_session=True,
                                             preexec_fn=_die_with_parent)
            self.sock = wait_for(self._connect, timeout=10, what="the QEMU agent socket")
            self.reader = threading.Thread(target=self._read_replies, daemon=True)
            self.reader.start()
            self._wait_ready()
            for tap in self.taps:
                self._host_run(["ip", "link", "set", tap, "up"])
        except BaseException:
            self.close()
            raise

    def close(self):
        """Kills QEMU (its taps vanish with it) and removes the run directory."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.sock:
            self.sock.close()
        self._fail_pending("the guest was closed")
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def console(self):
        try:
            with open(f"{self.dir}/console.log", errors="replace") as f:
                return f.read()
        except (OSError, TypeError):
            return ""

    # --- commands ---

    def run_async(self, cmd, timeout=30, input=None, text=True):
        argv = ["sh", "-c", cmd] if isinstance(cmd, str) else list(cmd)
        if isinstance(input, str):
            input = input.encode()
        fut = self._request({"op": "run", "argv": argv, "timeout": timeout,
                             "input": base64.b64encode(input or b"").decode()})
        done = concurrent.futures.Future()

        def finish(f):
            try:
                rep = f.result()
                out, err = (base64.b64decode(rep[k]) for k in ("out", "err"))
                if text:
                    out, err = out.decode(errors="replace"), err.decode(errors="replace")
                if rep["timedout"]:
                    raise subprocess.TimeoutExpired(argv, timeout, out, err)
                done.set_result(subprocess.CompletedProcess(argv, rep["rc"], out, err))
            except BaseException as e:
                done.set_exception(e)
        fut.add_done_callback(finish)
        return done

    def run(self, cmd, check=True, timeout=30, input=None, text=True):
        r = self.run_async(cmd, timeout, input, text).result(timeout + 30)
        if check and r.returncode != 0:
            raise AssertionError(f"{cmd} in the guest exited {r.returncode}: "
                                 f"{r.stdout}{r.stderr}")
        return r

    def write(self, path, data, mode=0o644):
        if isinstance(data, str):
            data = data.encode()
        self._request({"op": "write", "path": path, "mode": mode,
                       "data": base64.b64encode(data).decode()}).result(60)

    def up(self, dev, timeout=10):
        """Sets dev up and waits for carrier (virtio-net reports none for ~1 s)."""
        self.run(["ip", "link", "set", dev, "up"])
        wait_for(lambda: "LOWER_UP" in self.run(["ip", "link", "show", dev]).stdout,
                 timeout=timeout, interval=0.1, what=f"carrier on the guest's {dev}")

    # --- the agent channel ---

    def _host_run(self, argv):
        if self.ns:
            return self.ns.run(argv)
        return subprocess.run(argv, check=True, capture_output=True)

    def _connect(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"QEMU exited {self.proc.returncode}: {self._qemu_log()}")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(f"{self.dir}/agent.sock")
            return s
        except OSError:
            s.close()
            return None

    def _qemu_log(self):
        try:
            with open(f"{self.dir}/qemu.log", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def _wait_ready(self):
        """Pings until the agent answers (a ping sent before the agent opened
        its port may be lost, so keep sending)."""
        deadline = time.monotonic() + BOOT_TIMEOUT
        while True:
            fut = self._request({"op": "ping"})
            try:
                fut.result(0.5)
                return
            except concurrent.futures.TimeoutError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"guest not ready (accel {self.accel}, QEMU "
                                     f"{self.proc.poll()}): {self._qemu_log()}\n"
                                     f"{self.console()[-3000:]}")

    def _request(self, req):
        fut = concurrent.futures.Future()
        with self.lock:
            req["id"] = next(self.ids)
            self.pending[req["id"]] = fut
            self.sock.sendall((json.dumps(req) + "\n").encode())
        return fut

    def _read_replies(self):
        buf = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                self._fail_pending("the guest's agent channel closed")
                return
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                rep = json.loads(line)
                with self.lock:
                    fut = self.pending.pop(rep.get("id"), None)
                if fut is None:
                    continue
                if "error" in rep:
                    fut.set_exception(AssertionError(f"guest agent: {rep['error']}"))
                else:
                    fut.set_result(rep)

    def _fail_pending(self, why):
        with self.lock:
            pending, self.pending = self.pending, {}
        for fut in pending.values():
            if not fut.done():
                fut.set_exception(AssertionError(why))


@contextlib.contextmanager
def guest_in_new_netns(**kw):
    """A fresh host namespace (xg<hex>) with a booted Guest whose taps are in
    it; both are gone afterwards, also when the body fails."""
    name = "xg" + secrets.token_hex(4)
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        with Guest(name, **kw) as g:
            yield g
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)


@pytest.fixture(scope="module")
def guest():
    """One guest per test module, in its own host namespace (guest.ns)."""
    with guest_in_new_netns() as g:
        yield g
