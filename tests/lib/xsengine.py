"""ctypes binding of build/libxdpsec-engine.so for the cross-check tests.

Mirrors engine/sa.h, engine/pkt.h and engine/engine.h field for field; a
layout mismatch is caught by test_engine_abi.py (sizeof checks).
"""
import ctypes
import os
import re
import socket

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build")

IPPROTO_ESP = 50
IPPROTO_AH = 51

MODE_TRANSPORT, MODE_TUNNEL = 0, 1
DIR_IN, DIR_OUT = 0, 1

ENC = {"none": 0, "null": 11, "aes-cbc": 12, "aes-gcm-8": 18, "aes-gcm-12": 19,
       "aes-gcm-16": 20, "aes-gmac": 21, "chacha20-poly1305": 28}
INTEG = {"none": 0, "hmac-sha1-96": 2, "aes128-gmac": 9, "aes192-gmac": 10,
         "aes256-gmac": 11, "hmac-sha256-128": 12, "hmac-sha384-192": 13,
         "hmac-sha512-256": 14}

F_ESN, F_UDP_ENCAP, F_DF_SET, F_DF_CLEAR, F_NO_ECN = 1, 2, 4, 8, 16
F_BENCH_NO_CRYPTO = 32  # benchmark only (engine/sa.h)
EV_SOFT_BYTES, EV_SOFT_PACKETS, EV_HARD_BYTES, EV_HARD_PACKETS, EV_SEQ_EXHAUSTED = 1, 2, 4, 8, 16


def _drop_names():
    names = {}
    with open(os.path.join(ROOT, "maps", "drop_reasons.h")) as f:
        for m in re.finditer(r"(\w+)\s*=\s*(\d+),\s*/\*\s*([a-z0-9-]+)\s*\*/", f.read()):
            names[int(m.group(2))] = m.group(3)
    return names


DROP_NAMES = _drop_names()
DROP = {v: k for k, v in DROP_NAMES.items()}
DROP_MAX = max(DROP_NAMES) + 1


class SaCfg(ctypes.Structure):
    _fields_ = [
        ("spi", ctypes.c_uint32), ("proto", ctypes.c_uint8), ("mode", ctypes.c_uint8),
        ("dir", ctypes.c_uint8), ("family", ctypes.c_uint8),
        ("src", ctypes.c_uint8 * 16), ("dst", ctypes.c_uint8 * 16),
        ("enc", ctypes.c_uint16), ("integ", ctypes.c_uint16),
        ("enc_key_len", ctypes.c_uint8), ("integ_key_len", ctypes.c_uint8),
        ("enc_key", ctypes.c_uint8 * 36), ("integ_key", ctypes.c_uint8 * 64),
        ("encap_sport", ctypes.c_uint16), ("encap_dport", ctypes.c_uint16),
        ("flags", ctypes.c_uint32), ("replay_window", ctypes.c_uint32),
        ("tfc_pad", ctypes.c_uint16), ("ttl", ctypes.c_uint8), ("pad0", ctypes.c_uint8),
        ("seq", ctypes.c_uint64), ("soft_bytes", ctypes.c_uint64),
        ("hard_bytes", ctypes.c_uint64), ("soft_packets", ctypes.c_uint64),
        ("hard_packets", ctypes.c_uint64),
    ]


class Pkt(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(ctypes.c_uint8)), ("len", ctypes.c_uint32),
                ("headroom", ctypes.c_uint32), ("tailroom", ctypes.c_uint32)]


class RxInfo(ctypes.Structure):
    _fields_ = [
        ("spi", ctypes.c_uint32), ("proto", ctypes.c_uint8), ("family", ctypes.c_uint8),
        ("udp_encap", ctypes.c_uint8), ("pad0", ctypes.c_uint8),
        ("l3_len", ctypes.c_uint16), ("ipsec_off", ctypes.c_uint16),
        ("sport", ctypes.c_uint16), ("dport", ctypes.c_uint16),
        ("src", ctypes.c_uint8 * 16), ("dst", ctypes.c_uint8 * 16),
    ]


class SaStats(ctypes.Structure):
    _fields_ = [("packets", ctypes.c_uint64), ("bytes", ctypes.c_uint64),
                ("drops", ctypes.c_uint64 * DROP_MAX)]


_lib = None


def lib():
    global _lib
    if _lib is None:
        _lib = ctypes.CDLL(os.environ.get("XDPSEC_ENGINE_SO",
                                          os.path.join(BUILD, "libxdpsec-engine.so")))
        _lib.xs_sa_new.argtypes = [ctypes.POINTER(SaCfg), ctypes.POINTER(ctypes.c_void_p),
                                   ctypes.POINTER(ctypes.c_char_p)]
        _lib.xs_sa_free.argtypes = [ctypes.c_void_p]
        _lib.xs_sa_take_events.argtypes = [ctypes.c_void_p]
        _lib.xs_sa_take_events.restype = ctypes.c_uint32
        for f in ("xs_esp_out", "xs_ah_out"):
            getattr(_lib, f).argtypes = [ctypes.c_void_p, ctypes.POINTER(Pkt)]
        for f in ("xs_esp_in", "xs_ah_in"):
            getattr(_lib, f).argtypes = [ctypes.c_void_p, ctypes.POINTER(Pkt),
                                         ctypes.POINTER(RxInfo)]
        _lib.xs_rx_parse.argtypes = [ctypes.POINTER(Pkt), ctypes.POINTER(RxInfo)]
        _lib.xs_drop_name.restype = ctypes.c_char_p
        _lib.xs_test_sa_stats.argtypes = [ctypes.c_void_p]
        _lib.xs_test_sa_stats.restype = ctypes.POINTER(SaStats)
        _lib.xs_test_sizeof.argtypes = [ctypes.c_char_p]
        _lib.xs_test_sizeof.restype = ctypes.c_size_t
    return _lib


class EngineError(Exception):
    pass


def _addr(family, text):
    raw = socket.inet_pton(family, text)
    return (ctypes.c_uint8 * 16)(*raw.ljust(16, b"\0"))


HEADROOM = 256
TAILROOM = 512


class SA:
    """One engine SA. Keys are bytes (AEAD/GMAC keys include the 4-byte salt)."""

    def __init__(self, *, spi, dir, proto=IPPROTO_ESP, mode=MODE_TUNNEL,
                 src="192.0.2.1", dst="192.0.2.2", enc="none", enc_key=b"",
                 integ="none", integ_key=b"", esn=False, udp_encap=None,
                 replay_window=64, tfc_pad=0, ttl=0, seq=0, flags=0,
                 soft_bytes=0, hard_bytes=0, soft_packets=0, hard_packets=0):
        family = socket.AF_INET6 if ":" in src else socket.AF_INET
        c = SaCfg()
        c.spi, c.proto, c.mode, c.family = spi, proto, mode, family
        c.dir = DIR_OUT if dir in ("out", DIR_OUT) else DIR_IN
        c.src, c.dst = _addr(family, src), _addr(family, dst)
        c.enc, c.integ = ENC[enc], INTEG[integ]
        c.enc_key_len, c.integ_key_len = len(enc_key), len(integ_key)
        c.enc_key[:len(enc_key)] = list(enc_key)
        c.integ_key[:len(integ_key)] = list(integ_key)
        c.flags = flags | (F_ESN if esn else 0)
        if udp_encap:
            c.flags |= F_UDP_ENCAP
            c.encap_sport, c.encap_dport = udp_encap
        c.replay_window, c.tfc_pad, c.ttl, c.seq = replay_window, tfc_pad, ttl, seq
        c.soft_bytes, c.hard_bytes = soft_bytes, hard_bytes
        c.soft_packets, c.hard_packets = soft_packets, hard_packets
        self.family = family
        self.proto = proto
        self._h = ctypes.c_void_p()
        why = ctypes.c_char_p()
        rc = lib().xs_sa_new(ctypes.byref(c), ctypes.byref(self._h), ctypes.byref(why))
        if rc != 0:
            raise EngineError((why.value or b"?").decode())

    def close(self):
        if self._h:
            lib().xs_sa_free(self._h)
            self._h = ctypes.c_void_p()

    __del__ = close

    @staticmethod
    def _buf(data):
        buf = (ctypes.c_uint8 * (HEADROOM + len(data) + TAILROOM))()
        ctypes.memmove(ctypes.addressof(buf) + HEADROOM, data, len(data))
        p = Pkt()
        p.data = ctypes.cast(ctypes.addressof(buf) + HEADROOM, ctypes.POINTER(ctypes.c_uint8))
        p.len, p.headroom, p.tailroom = len(data), HEADROOM, TAILROOM
        return buf, p

    def out(self, data):
        """Encapsulate an IP packet: (reason, bytes)."""
        buf, p = self._buf(bytes(data))
        fn = lib().xs_esp_out if self.proto == IPPROTO_ESP else lib().xs_ah_out
        rc = fn(self._h, ctypes.byref(p))
        return DROP_NAMES.get(rc, rc), ctypes.string_at(p.data, p.len)

    def inp(self, data):
        """Parse and decapsulate a received IP packet: (reason, bytes)."""
        buf, p = self._buf(bytes(data))
        info = RxInfo()
        rc = lib().xs_rx_parse(ctypes.byref(p), ctypes.byref(info))
        if rc == 0:
            fn = lib().xs_esp_in if self.proto == IPPROTO_ESP else lib().xs_ah_in
            rc = fn(self._h, ctypes.byref(p), ctypes.byref(info))
        return DROP_NAMES.get(rc, rc), ctypes.string_at(p.data, p.len)

    def events(self):
        return lib().xs_sa_take_events(self._h)

    def stats(self):
        s = lib().xs_test_sa_stats(self._h).contents
        return {"packets": s.packets, "bytes": s.bytes,
                "drops": {DROP_NAMES[i]: s.drops[i] for i in range(DROP_MAX) if s.drops[i]}}


def rx_parse(data):
    buf, p = SA._buf(bytes(data))
    info = RxInfo()
    rc = lib().xs_rx_parse(ctypes.byref(p), ctypes.byref(info))
    return DROP_NAMES.get(rc, rc), info
