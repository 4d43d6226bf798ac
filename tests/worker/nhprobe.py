"""Line-driven probe of the worker's next-hop code (worker/nexthop.c) for
tests/test_worker_nexthop.py: run inside a network namespace, reads
commands on stdin, answers one JSON line each.

  lookup <address>   -> {"drop": n, "kind": k, "oif": i, "mac": ..., "mtu": m, "prefsrc": ...}
  poll <ms>          -> {"changed": 0|1}
"""
import ctypes
import ipaddress
import json
import os
import socket
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Nh(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_uint8), ("family", ctypes.c_uint8),
                ("mac", ctypes.c_uint8 * 6), ("src_mac", ctypes.c_uint8 * 6),
                ("mtu", ctypes.c_uint16), ("oif", ctypes.c_int),
                ("prefsrc", ctypes.c_uint8 * 16)]


class Monitor(ctypes.Structure):
    _fields_ = [("fd", ctypes.c_int), ("gen", ctypes.c_uint)]


def main():
    lib = ctypes.CDLL(os.path.join(ROOT, "build", "libxdpsec-worker.so"))
    mon = Monitor()
    assert lib.xs_nh_monitor_open(ctypes.byref(mon)) == 0
    cache = ctypes.c_void_p()
    assert lib.xs_nh_cache_new(ctypes.byref(mon), ctypes.byref(cache)) == 0
    lib.xs_nh_lookup.argtypes = [ctypes.c_void_p, ctypes.c_uint8,
                                 ctypes.c_char_p, ctypes.POINTER(Nh)]
    print(json.dumps({"ready": 1}), flush=True)
    for line in sys.stdin:
        cmd, arg = line.split()
        if cmd == "poll":
            print(json.dumps({"changed": lib.xs_nh_monitor_poll(ctypes.byref(mon), int(arg))}), flush=True)
            continue
        ip = ipaddress.ip_address(arg)
        fam = socket.AF_INET if ip.version == 4 else socket.AF_INET6
        nh = Nh()
        drop = lib.xs_nh_lookup(cache, fam, ip.packed, ctypes.byref(nh))
        alen = 4 if ip.version == 4 else 16
        print(json.dumps({"drop": drop, "kind": nh.kind, "oif": nh.oif,
                          "mac": bytes(nh.mac).hex(":"), "mtu": nh.mtu,
                          "prefsrc": str(ipaddress.ip_address(bytes(nh.prefsrc[:alen])))}),
              flush=True)


if __name__ == "__main__":
    main()
