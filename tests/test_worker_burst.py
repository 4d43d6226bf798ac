"""A burst that arrives while the worker thread is not running.

On a machine whose cores are shared with the traffic's own endpoints the
worker is regularly descheduled for milliseconds; what arrives meanwhile
must wait in its AF_XDP rings instead of being dropped by the kernel (an
RX ring that is full, a fill ring with no frame left). gwA's daemon is
stopped (SIGSTOP: the XDP programs keep running, the worker does not), lanA
sends a burst of numbered UDP datagrams through the tunnel, the daemon is
continued: every datagram of a burst the rings can hold reaches lanB intact,
and a burst larger than the rings loses exactly what the kernel counted
(`xsk_rx_dropped` + `xsk_rx_ring_full` in the worker's statistics).
"""
import json
import os
import signal
import subprocess

import pytest

import netns
from netns import PYTHON
from test_dataplane_common import gw2gw_tunnel, lan_sels, warm_up

PORT = 7001
SIZE = 200

RECEIVER = """
import json, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE
s.bind((sys.argv[1], int(sys.argv[2])))
s.settimeout(float(sys.argv[3]))
sys.stderr.write('LISTENING\\n'); sys.stderr.flush()
seen, bad = [], 0
try:
    while True:
        d = s.recv(65536)
        n = int.from_bytes(d[:4], 'big')
        if d[4:] == bytes([n & 0xff]) * (len(d) - 4):
            seen.append(n)
        else:
            bad += 1
except socket.timeout:
    pass
sys.stdout.write(json.dumps({"seen": seen, "bad": bad}))
"""

SENDER = """
import socket, sys
addr, port, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 32, 64 << 20)  # SO_SNDBUFFORCE
for i in range(count):
    s.sendto(i.to_bytes(4, 'big') + bytes([i & 0xff]) * size, (addr, port))
"""


def kernel_drops(d):
    w = d.stats()["worker"]
    return w["xsk_rx_dropped"] + w["xsk_rx_ring_full"]


def burst(t, tun, count):
    """Send count datagrams lanA -> lanB while gwA's daemon is stopped;
    returns (datagrams received intact, corrupted ones, kernel drops)."""
    dst = t["LANB_IP4"]
    rx = t.lanB.popen([PYTHON, "-c", RECEIVER, dst, str(PORT), "5"],
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        netns._read_until(rx, b"LISTENING", 20)
        before = kernel_drops(tun.a.d)
        pid = tun.a.d.pid()
        os.kill(pid, signal.SIGSTOP)
        try:
            t.lanA.run([PYTHON, "-c", SENDER, dst, str(PORT), str(count), str(SIZE)],
                       timeout=60)
        finally:
            os.kill(pid, signal.SIGCONT)
        out, err = rx.communicate(timeout=60)
        assert rx.returncode == 0, err
    finally:
        if rx.poll() is None:
            rx.kill()
            rx.communicate()
    got = json.loads(out)
    return got["seen"], got["bad"], kernel_drops(tun.a.d) - before


@pytest.fixture
def tunnel():
    with gw2gw_tunnel("IP4", alg_name="gcm") as (t, tun):
        for sel_a, sel_b in lan_sels(t, ("IP4",)):
            tun.protect(sel_a, sel_b)
        warm_up(t.lanA, t["LANB_IP4"])
        yield t, tun


def test_burst_while_stopped_is_delivered(tunnel):
    t, tun = tunnel
    worker_drops = tun.a.d.stats()["worker"]["drops"]
    seen, bad, drops = burst(t, tun, 3000)
    assert bad == 0
    assert sorted(seen) == list(range(3000)), f"{len(seen)} of 3000 arrived"
    assert drops == 0
    assert tun.a.d.stats()["worker"]["drops"] == worker_drops


def test_burst_beyond_the_rings_is_counted(tunnel):
    t, tun = tunnel
    seen, bad, drops = burst(t, tun, 6000)
    assert bad == 0
    assert len(set(seen)) == len(seen)
    assert 3000 <= len(seen) < 6000
    assert drops == 6000 - len(seen)
