"""The IKEv2 codec against independent implementations.

- Messages built by our builder (ike/ikev2_msg.c, through ctypes on
  build/libxdpsec-ike.so) go as UDP/500 datagrams into one pcap that Wireshark's
  dissector (tshark -T pdml) decodes: exchange type, payload chain, proposals
  and transforms, KE group, nonce, notify types and data, IDs, AUTH, TS ranges,
  Delete SPIs, SK and SKF headers must be what we put in.
- strongSwan's charon, in a namespace of its own, sends its first IKE_SA_INIT
  to a peer that does not answer; tcpdump captures it and our parser
  (build/tests/ike/ike_decode) must find the proposals, KE group, nonce and
  notifies charon was configured to send.

Constants come from ike/ikev2.h (parsed here), so the header's numbers are
checked against tshark's names too. `python3 tests/test_ike_codec.py DIR`
writes the fuzz seeds (tests/fuzz/corpus/fuzz_ike_msg) built here.
"""
import ctypes
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from ctypes import POINTER, c_bool, c_long, c_size_t, c_uint8, c_uint16, c_uint32, c_uint64

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netns import Netns, wait_for  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB = os.path.join(ROOT, "build", "libxdpsec-ike.so")
DECODE = os.path.join(ROOT, "build", "tests", "ike", "ike_decode")


def header_constants():
    """NAME -> value for every `IKEV2_X = n,` enum line of ike/ikev2.h."""
    text = open(os.path.join(ROOT, "ike", "ikev2.h")).read()
    return {m[1]: int(m[2]) for m in re.finditer(r"^\s*IKEV2_(\w+) = (\d+),", text, re.M)}


K = header_constants()


# ---- the builder through ctypes -------------------------------------------
class Xform(ctypes.Structure):
    _fields_ = [("type", c_uint8), ("id", c_uint16), ("key_bits", c_uint16),
                ("unknown_attr", c_bool)]


class Proposal(ctypes.Structure):
    _fields_ = [("num", c_uint8), ("proto", c_uint8), ("spi_size", c_uint8),
                ("spi", c_uint8 * 8), ("first", c_uint16), ("nxforms", c_uint16)]


class SaPld(ctypes.Structure):
    _fields_ = [("nprops", c_uint16), ("nxforms", c_uint16), ("props", Proposal * 16),
                ("xforms", Xform * 128)]


class Ts(ctypes.Structure):
    _fields_ = [("type", c_uint8), ("proto", c_uint8), ("start_port", c_uint16),
                ("end_port", c_uint16), ("start", c_uint8 * 16), ("end", c_uint8 * 16)]


class Buf(ctypes.Structure):
    _fields_ = [("len", c_size_t), ("link", c_size_t), ("open", c_size_t),
                ("has_hdr", c_bool), ("sealed", c_bool), ("first", c_uint8),
                ("data", c_uint8 * 65535)]


def load_lib():
    lib = ctypes.CDLL(LIB)
    B = POINTER(Buf)
    sigs = {
        "ike_buf_init": (None, [B, c_uint64, c_uint64, c_uint8, c_uint8, c_uint32]),
        "ike_buf_init_inner": (None, [B]),
        "ike_msg_finalise": (ctypes.c_int, [B]),
        "ike_add_sa": (ctypes.c_int, [B, POINTER(SaPld)]),
        "ike_add_ke": (ctypes.c_int, [B, c_uint16, ctypes.c_char_p, c_size_t]),
        "ike_add_nonce": (ctypes.c_int, [B, ctypes.c_char_p, c_size_t]),
        "ike_add_notify": (ctypes.c_int, [B, c_uint8, ctypes.c_char_p, c_uint8, c_uint16,
                                          ctypes.c_char_p, c_size_t]),
        "ike_add_id": (ctypes.c_int, [B, c_uint8, c_uint8, ctypes.c_char_p, c_size_t]),
        "ike_add_cert": (ctypes.c_int, [B, c_uint8, c_uint8, ctypes.c_char_p, c_size_t]),
        "ike_add_auth": (ctypes.c_int, [B, c_uint8, ctypes.c_char_p, c_size_t]),
        "ike_add_ts": (ctypes.c_int, [B, c_uint8, POINTER(Ts), c_uint8]),
        "ike_add_delete": (ctypes.c_int, [B, c_uint8, c_uint8, ctypes.c_char_p, c_uint16]),
        "ike_add_vendor": (ctypes.c_int, [B, ctypes.c_char_p, c_size_t]),
        "ike_add_sk": (c_long, [B, c_uint8, c_size_t]),
        "ike_add_skf": (c_long, [B, c_uint8, c_uint16, c_uint16, c_size_t]),
        "ike_add_payload": (c_long, [B, c_uint8]),
        "ike_put": (ctypes.c_int, [B, ctypes.c_char_p, c_size_t]),
    }
    for name, (res, args) in sigs.items():
        getattr(lib, name).restype = res
        getattr(lib, name).argtypes = args
    return lib


class Msg:
    """One message (or, with inner=True, the payload chain inside an SK)."""

    def __init__(self, exchange=None, spi_i=0x0123456789abcdef, spi_r=0, flags=0x08,
                 msgid=0, inner=False):
        self.lib = load_lib()
        self.b = Buf()
        if inner:
            self.lib.ike_buf_init_inner(ctypes.byref(self.b))
        else:
            self.lib.ike_buf_init(ctypes.byref(self.b), spi_i, spi_r, K[exchange], flags, msgid)

    def _ok(self, rc):
        assert rc >= 0
        return rc

    def sa(self, proposals):
        """proposals: [(proto, spi, [(type, id, key_bits), ...]), ...]"""
        sa = SaPld()
        for i, (proto, spi, xforms) in enumerate(proposals):
            p = sa.props[i]
            p.proto, p.spi_size, p.first, p.nxforms = K[proto], len(spi), sa.nxforms, len(xforms)
            p.spi[:len(spi)] = list(spi)
            for t, xid, bits in xforms:
                sa.xforms[sa.nxforms] = Xform(K["XFORM_" + t], K[xid], bits, False)
                sa.nxforms += 1
        sa.nprops = len(proposals)
        self._ok(self.lib.ike_add_sa(ctypes.byref(self.b), ctypes.byref(sa)))

    def ke(self, group, data):
        self._ok(self.lib.ike_add_ke(ctypes.byref(self.b), K[group], data, len(data)))

    def nonce(self, data):
        self._ok(self.lib.ike_add_nonce(ctypes.byref(self.b), data, len(data)))

    def notify(self, ntype, data=b"", proto="PROTO_NONE", spi=b""):
        self._ok(self.lib.ike_add_notify(ctypes.byref(self.b), K[proto], spi, len(spi),
                                         K["N_" + ntype], data, len(data)))

    def vendor(self, data):
        self._ok(self.lib.ike_add_vendor(ctypes.byref(self.b), data, len(data)))

    def cert(self, pld, encoding, data):
        self._ok(self.lib.ike_add_cert(ctypes.byref(self.b), K["PAYLOAD_" + pld],
                                       K[encoding], data, len(data)))

    def ident(self, pld, id_type, data):
        self._ok(self.lib.ike_add_id(ctypes.byref(self.b), K["PAYLOAD_" + pld], K[id_type],
                                     data, len(data)))

    def auth(self, method, data):
        self._ok(self.lib.ike_add_auth(ctypes.byref(self.b), K[method], data, len(data)))

    def ts(self, pld, selectors):
        """selectors: [(ip_proto, start_port, end_port, start_addr, end_addr)]"""
        arr = (Ts * len(selectors))()
        for t, (proto, sport, eport, start, end) in zip(arr, selectors):
            t.type = K["TS_IPV4_ADDR_RANGE" if len(start) == 4 else "TS_IPV6_ADDR_RANGE"]
            t.proto, t.start_port, t.end_port = proto, sport, eport
            t.start[:len(start)] = list(start)
            t.end[:len(end)] = list(end)
        self._ok(self.lib.ike_add_ts(ctypes.byref(self.b), K["PAYLOAD_" + pld], arr,
                                     len(selectors)))

    def delete(self, proto, spis):
        self._ok(self.lib.ike_add_delete(ctypes.byref(self.b), K[proto], 4, b"".join(spis),
                                         len(spis)))

    def sk(self, inner, body):
        off = self._ok(self.lib.ike_add_sk(ctypes.byref(self.b), inner, len(body)))
        ctypes.memmove(ctypes.addressof(self.b.data) + off, body, len(body))

    def skf(self, inner, num, total, body):
        off = self._ok(self.lib.ike_add_skf(ctypes.byref(self.b),
                                            K["PAYLOAD_" + inner] if inner else 0, num,
                                            total, len(body)))
        ctypes.memmove(ctypes.addressof(self.b.data) + off, body, len(body))

    def raw(self, ptype, body, critical=False):
        """A payload of any type (known or not) with the given body."""
        off = self._ok(self.lib.ike_add_payload(ctypes.byref(self.b), ptype))
        self.b.data[off + 1] = 0x80 if critical else 0
        self._ok(self.lib.ike_put(ctypes.byref(self.b), body, len(body)))

    def bytes(self):
        n = self._ok(self.lib.ike_msg_finalise(ctypes.byref(self.b)))
        return bytes(self.b.data[:n])


def decode(msg, inner=None, tmp=None):
    """Our parser's view of msg (and of the SK plaintext inner), as JSON."""
    d = tempfile.mkdtemp(dir=tmp)
    paths = [os.path.join(d, "msg")]
    open(paths[0], "wb").write(msg)
    if inner is not None:
        paths.append(os.path.join(d, "inner"))
        open(paths[1], "wb").write(inner)
    r = subprocess.run([DECODE, *paths], capture_output=True, text=True, timeout=30)
    shutil.rmtree(d)
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)


# ---- the messages ----------------------------------------------------------
NATD_S, NATD_D = bytes(range(20)), bytes(range(100, 120))
KE_X25519 = bytes(range(0x40, 0x60))
NONCE = bytes(range(0xa0, 0xa0 + 40))
VENDOR = b"xdpsec-codec-test"
CA_HASHES = bytes(range(20)) + bytes(range(20, 40))
CERT = bytes(range(256)) * 2
AUTH14 = bytes([13]) + bytes.fromhex("300b06092a864886f70d01010b") + b"\x5a" * 64
TSI = [(17, 500, 4500, bytes([10, 1, 0, 0]), bytes([10, 1, 255, 255])),
       (0, 0, 65535, bytes.fromhex("fd000001" + "00" * 12), bytes.fromhex("fd000001" + "ff" * 12))]
TSR = [(6, 80, 80, bytes([10, 2, 0, 1]), bytes([10, 2, 0, 1]))]
IKE_PROPOSALS = [
    ("PROTO_IKE", b"", [("ENCR", "ENCR_AES_GCM_16", 256), ("PRF", "PRF_HMAC_SHA2_384", 0),
                        ("DH", "DH_CURVE25519", 0)]),
    ("PROTO_IKE", b"", [("ENCR", "ENCR_AES_CBC", 128), ("INTEG", "INTEG_HMAC_SHA2_256_128", 0),
                        ("PRF", "PRF_HMAC_SHA2_256", 0), ("DH", "DH_MODP_3072", 0)]),
]
ESP_PROPOSAL = [("PROTO_ESP", b"\xc0\x01\xd0\x0d",
                 [("ENCR", "ENCR_CHACHA20_POLY1305", 0), ("ESN", "ESN_YES", 0)])]


def init_request():
    m = Msg("EXCHANGE_IKE_SA_INIT")
    m.sa(IKE_PROPOSALS)
    m.ke("DH_CURVE25519", KE_X25519)
    m.nonce(NONCE)
    m.notify("NAT_DETECTION_SOURCE_IP", NATD_S)
    m.notify("NAT_DETECTION_DESTINATION_IP", NATD_D)
    m.notify("IKEV2_FRAGMENTATION_SUPPORTED")
    m.notify("SIGNATURE_HASH_ALGORITHMS", bytes([0, 2, 0, 3, 0, 4]))
    m.vendor(VENDOR)
    m.cert("CERTREQ", "CERT_X509_SIGNATURE", CA_HASHES)
    return m.bytes()


def init_response_errors():
    m = Msg("EXCHANGE_IKE_SA_INIT", spi_r=0x1111222233334444, flags=0x20)
    m.notify("COOKIE", b"\x42" * 32)
    m.notify("INVALID_KE_PAYLOAD", b"\x00\x0e")
    m.notify("NO_PROPOSAL_CHOSEN")
    return m.bytes()


def auth_payloads(m):
    """What an IKE_AUTH/CREATE_CHILD_SA carries, appended to m."""
    m.ident("IDI", "ID_FQDN", b"gw.example.org")
    m.cert("CERT", "CERT_X509_SIGNATURE", CERT)
    m.ident("IDR", "ID_IPV4_ADDR", bytes([192, 0, 2, 2]))
    m.auth("AUTH_DIGITAL_SIGNATURE", AUTH14)
    m.notify("USE_TRANSPORT_MODE")
    m.notify("INITIAL_CONTACT")
    m.notify("REKEY_SA", proto="PROTO_ESP", spi=b"\x01\x02\x03\x04")
    m.sa(ESP_PROPOSAL)
    m.ts("TSI", TSI)
    m.ts("TSR", TSR)
    m.delete("PROTO_ESP", [b"\xaa\xbb\xcc\xdd", b"\x00\x00\x10\x01"])
    return m


def inner_chain():
    """(the first payload's type: the SK's next field, the chain's bytes)"""
    m = auth_payloads(Msg(inner=True))
    body = m.bytes()
    return m.b.first, body


def child_sa_inner():
    m = Msg(inner=True)
    m.sa(ESP_PROPOSAL)
    m.nonce(NONCE)
    m.ke("DH_CURVE25519", KE_X25519)
    m.ts("TSI", TSI)
    m.ts("TSR", TSR)
    body = m.bytes()
    return m.b.first, body


def delete_inner():
    m = Msg(inner=True)
    m.delete("PROTO_ESP", [b"\x01\x02\x03\x04"])
    body = m.bytes()
    return m.b.first, body


def init_with_unknown():
    m = Msg("EXCHANGE_IKE_SA_INIT")
    m.sa(IKE_PROPOSALS[:1])
    m.raw(50, b"not critical, skipped")
    m.ke("DH_CURVE25519", KE_X25519)
    m.nonce(NONCE)
    return m.bytes()


def cleartext_auth():
    """The inner payloads in cleartext: only for tshark, our parser refuses it."""
    return auth_payloads(Msg("EXCHANGE_INFORMATIONAL", spi_r=7, msgid=2)).bytes()


def sk_message(inner, exchange="EXCHANGE_IKE_AUTH"):
    """SK whose "ciphertext" is the inner chain in clear (what the caller
    hands ike_msg_parse_inner() after decrypting)."""
    m = Msg(exchange, spi_r=0x5555, msgid=1)
    m.sk(inner[0], inner[1])
    return m.bytes()


def skf_message(num, total, inner):
    m = Msg("EXCHANGE_IKE_AUTH", spi_r=0x5555, msgid=1)
    m.skf("IDI" if num == 1 else None, num, total, inner)
    return m.bytes()


# ---- tshark --------------------------------------------------------------
def tshark_isakmp(msgs, tmp_path):
    from scapy.layers.inet import IP, UDP
    from scapy.packet import Raw
    from scapy.utils import wrpcap
    pcap = str(tmp_path / "ike.pcap")
    wrpcap(pcap, [IP(src="192.0.2.1", dst="192.0.2.2") / UDP(sport=500, dport=500) / Raw(m)
                  for m in msgs])
    r = subprocess.run(["tshark", "-r", pcap, "-T", "pdml"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    packets = ET.fromstring(r.stdout).findall("packet")
    assert len(packets) == len(msgs)
    for p in packets:
        assert p.find(".//field[@name='_ws.malformed']") is None, ET.tostring(p)[:2000]
    return [p.find("proto[@name='isakmp']") for p in packets]


def show(elem, name):
    return [f.get("show") for f in elem.iter("field") if f.get("name") == name]


def payloads(elem):
    """The top-level payload elements of an isakmp proto, in order."""
    return [f for f in elem.findall("field") if f.get("name") == "isakmp.typepayload"]


def subs(elem):
    return [f for f in elem.findall("field") if f.get("name") == "isakmp.typepayload"]


def tshark_proposals(sa):
    out = []
    for prop in subs(sa):
        xf = []
        for t in subs(prop):
            tid = [f.get("show") for f in t.findall("field")
                   if f.get("name", "").startswith("isakmp.tf.id.")]
            bits = show(t, "isakmp.ike2.attr.key_length")
            xf.append((int(show(t, "isakmp.tf.type")[0]), int(tid[0]),
                       int(bits[0]) if bits else 0))
        out.append((int(show(prop, "isakmp.prop.protoid")[0]),
                    show(prop, "isakmp.spisize")[0], xf))
    return out


def expected_proposals(proposals):
    return [(K[proto], str(len(spi)), [(K["XFORM_" + t], K[x], b) for t, x, b in xf])
            for proto, spi, xf in proposals]


def colon_hex(b):
    return ":".join(f"{x:02x}" for x in b)


def test_tshark_decodes_init(tmp_path):
    req, resp = init_request(), init_response_errors()
    a, b = tshark_isakmp([req, resp], tmp_path)
    assert show(a, "isakmp.exchangetype")[0] == str(K["EXCHANGE_IKE_SA_INIT"])
    assert show(a, "isakmp.ispi")[0] == "01:23:45:67:89:ab:cd:ef"
    assert show(a, "isakmp.version")[0] == "0x20"
    assert show(a, "isakmp.length")[0] == str(len(req))
    chain = [int(p.get("show")) for p in payloads(a)]
    assert chain == [K[f"PAYLOAD_{n}"] for n in
                     ("SA", "KE", "NONCE", "NOTIFY", "NOTIFY", "NOTIFY", "NOTIFY", "VENDOR",
                      "CERTREQ")]
    pl = payloads(a)
    assert tshark_proposals(pl[0]) == expected_proposals(IKE_PROPOSALS)
    assert show(pl[1], "isakmp.key_exchange.dh_group") == [str(K["DH_CURVE25519"])]
    assert show(pl[1], "isakmp.key_exchange.data") == [colon_hex(KE_X25519)]
    assert show(pl[2], "isakmp.nonce") == [colon_hex(NONCE)]
    assert show(a, "isakmp.notify.msgtype") == [str(K["N_" + n]) for n in (
        "NAT_DETECTION_SOURCE_IP", "NAT_DETECTION_DESTINATION_IP",
        "IKEV2_FRAGMENTATION_SUPPORTED", "SIGNATURE_HASH_ALGORITHMS")]
    assert show(pl[3], "isakmp.notify.data") == [colon_hex(NATD_S)]
    assert show(pl[6], "isakmp.notify.data.signature_hash_algorithms") == ["2", "3", "4"]
    assert show(pl[7], "isakmp.vid_bytes") == [colon_hex(VENDOR)]
    assert show(pl[8], "isakmp.certreq.type") == [str(K["CERT_X509_SIGNATURE"])]
    # the response: flags, responder SPI, three notifies with their data
    assert show(b, "isakmp.flag_r") == ["1"] and show(b, "isakmp.flag_i") == ["0"]
    assert show(b, "isakmp.rspi")[0] == colon_hex(bytes.fromhex("1111222233334444"))
    assert show(b, "isakmp.notify.msgtype") == [str(K["N_" + n]) for n in (
        "COOKIE", "INVALID_KE_PAYLOAD", "NO_PROPOSAL_CHOSEN")]
    assert show(b, "isakmp.notify.data")[:2] == [colon_hex(b"\x42" * 32), "00:0e"]
    # and our parser agrees with what tshark saw
    ours = decode(req, tmp=tmp_path)
    assert ours["ok"] and ours["chain"] == chain
    assert ours["ke"] == {"group": K["DH_CURVE25519"], "len": 32}
    assert [[p["proto"], [tuple(x) for x in p["xforms"]]] for p in ours["sa"]] == \
        [[p[0], p[2]] for p in expected_proposals(IKE_PROPOSALS)]
    assert decode(resp, tmp=tmp_path)["ok"]


def test_tshark_decodes_auth_payloads(tmp_path):
    clear, (first, inner) = cleartext_auth(), inner_chain()
    assert first == K["PAYLOAD_IDI"]
    sk = sk_message((first, inner))
    f1, f2 = skf_message(1, 2, inner[:100]), skf_message(2, 2, inner[100:])
    c, s, s1, s2 = tshark_isakmp([clear, sk, f1, f2], tmp_path)
    pl = payloads(c)
    assert [int(p.get("show")) for p in pl] == [K[f"PAYLOAD_{n}"] for n in (
        "IDI", "CERT", "IDR", "AUTH", "NOTIFY", "NOTIFY", "NOTIFY", "SA", "TSI", "TSR",
        "DELETE")]
    assert show(pl[0], "isakmp.id.type") == [str(K["ID_FQDN"])]
    assert show(pl[0], "isakmp.id.data.fqdn") == ["gw.example.org"]
    assert show(pl[1], "isakmp.cert.encoding") == [str(K["CERT_X509_SIGNATURE"])]
    assert show(pl[2], "isakmp.id.data.ipv4_addr") == ["192.0.2.2"]
    assert show(pl[3], "isakmp.auth.method") == [str(K["AUTH_DIGITAL_SIGNATURE"])]
    # RFC 7427: length byte, AlgorithmIdentifier, signature
    assert show(pl[3], "isakmp.auth.data.sig.asn1.len") == ["13"]
    assert show(pl[3], "isakmp.auth.data.sig.asn1.data") == [colon_hex(AUTH14[1:14])]
    assert show(pl[3], "isakmp.auth.data.sig.value") == [colon_hex(AUTH14[14:])]
    assert show(c, "isakmp.notify.msgtype") == [str(K["N_" + n]) for n in (
        "USE_TRANSPORT_MODE", "INITIAL_CONTACT", "REKEY_SA")]
    assert show(pl[6], "isakmp.notify.protoid") == [str(K["PROTO_ESP"])]
    assert tshark_proposals(pl[7]) == expected_proposals(ESP_PROPOSAL)
    assert show(pl[7], "isakmp.spi") == ["c0:01:d0:0d"]
    assert show(pl[8], "isakmp.ts.number") == ["2"]
    assert show(pl[8], "isakmp.ts.type") == [str(K["TS_IPV4_ADDR_RANGE"]),
                                             str(K["TS_IPV6_ADDR_RANGE"])]
    assert show(pl[8], "isakmp.ts.protoid") == ["17", "0"]
    assert show(pl[8], "isakmp.ts.start_port") == ["500", "0"]
    assert show(pl[8], "isakmp.ts.end_port") == ["4500", "65535"]
    assert show(pl[8], "isakmp.ts.start_ipv4") == ["10.1.0.0"]
    assert show(pl[8], "isakmp.ts.end_ipv4") == ["10.1.255.255"]
    assert show(pl[8], "isakmp.ts.start_ipv6") == ["fd00:1::"]
    assert show(pl[8], "isakmp.ts.end_ipv6") == ["fd00:1:ffff:ffff:ffff:ffff:ffff:ffff"]
    assert show(pl[9], "isakmp.ts.start_ipv4") == ["10.2.0.1"]
    assert show(pl[9], "isakmp.ts.start_port") == ["80"]
    assert show(pl[10], "isakmp.delete.protoid") == [str(K["PROTO_ESP"])]
    assert show(pl[10], "isakmp.spinum") == ["2"]
    assert show(pl[10], "isakmp.delete.spi") == ["aa:bb:cc:dd", "00:00:10:01"]
    # SK and SKF: the next payload names the first one inside
    assert [p.get("show") for p in payloads(s)] == [str(K["PAYLOAD_SK"])]
    assert show(payloads(s)[0], "isakmp.nextpayload") == [str(K["PAYLOAD_IDI"])]
    assert show(s, "isakmp.length")[0] == str(len(sk))
    assert show(s1, "isakmp.frag.number") == ["1"] and show(s1, "isakmp.frag.total") == ["2"]
    assert show(payloads(s1)[0], "isakmp.nextpayload") == [str(K["PAYLOAD_IDI"])]
    assert show(s2, "isakmp.frag.number") == ["2"]
    assert show(payloads(s2)[0], "isakmp.nextpayload") == ["0"]
    # our parser: the same chain inside SK, and refuses it in cleartext
    ours = decode(sk, inner, tmp=tmp_path)
    assert ours["ok"], ours
    assert ours["chain"] == [K["PAYLOAD_SK"]] + [int(p.get("show")) for p in pl]
    assert ours["tsi"][1]["start"] == TSI[1][3].hex() and ours["tsi"][1]["ports"] == [0, 65535]
    assert ours["delete"] == [[K["PROTO_ESP"], 4, 2]]
    refused = decode(clear, tmp=tmp_path)
    assert not refused["ok"] and refused["error_name"] == "invalid-syntax"
    assert refused["reason"] == "idi payload outside SK"
    assert decode(f1, tmp=tmp_path)["sk"] == {"inner": K["PAYLOAD_IDI"], "len": 100,
                                              "frag": [1, 2]}


# ---- strongSwan ------------------------------------------------------------
CHARON_CONF = """charon {{
  load_modular = no
  load = random nonce openssl aes sha1 sha2 hmac gcm kdf curve25519 pem pkcs1 x509 pubkey \
kernel-libipsec kernel-netlink socket-default vici
  plugins {{
    vici {{
      socket = unix://{d}/run/charon.vici
    }}
  }}
  install_routes = no
  retransmit_tries = 1
  filelog {{
    log {{
      path = {d}/charon.log
      flush_line = yes
      default = 1
      ike = 2
    }}
  }}
}}
"""
SWANCTL_CONF = """connections {
  codec {
    local_addrs = 192.0.2.1
    remote_addrs = 192.0.2.2
    version = 2
    proposals = aes256gcm16-prfsha384-x25519, aes128-sha256-modp3072
    fragmentation = yes
    local {
      auth = psk
      id = moon.example
    }
    remote {
      auth = psk
      id = sun.example
    }
    children {
      net {
        esp_proposals = aes256gcm16
        local_ts = 10.1.0.0/16
        remote_ts = 10.2.0.0/16
      }
    }
  }
}
secrets {
  ike-1 {
    id = sun.example
    secret = codec-test-secret
  }
}
"""


@pytest.fixture
def charon_ns(tmp_path):
    """A namespace with a veth 192.0.2.1/24 whose peer address .2 (a static
    neighbour, no host behind it) never answers, and charon running in it
    with its own config, pid file and VICI socket."""
    if os.geteuid() != 0:
        pytest.fail("needs root (network namespaces)")
    name = "xsike" + os.urandom(4).hex()
    d = tmp_path / "charon"
    (d / "run").mkdir(parents=True)
    (d / "swanctl").mkdir()
    (d / "strongswan.conf").write_text(CHARON_CONF.format(d=d))
    (d / "swanctl" / "swanctl.conf").write_text(SWANCTL_CONF)
    subprocess.run(["ip", "netns", "add", name], check=True)
    ns = Netns(name)
    proc = None
    try:
        ns.run("ip link set lo up && ip link add ike0 type veth peer name ike1 && "
               "ip addr add 192.0.2.1/24 dev ike0 && ip link set ike0 up && "
               "ip link set ike1 up && "
               "ip neigh add 192.0.2.2 lladdr 02:00:00:00:00:02 dev ike0")
        env = dict(os.environ, STRONGSWAN_CONF=str(d / "strongswan.conf"))
        proc = ns.popen(["sh", "-c", f"mount --bind {d}/run /run && exec /usr/lib/ipsec/charon"],
                        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        uri = f"unix://{d}/run/charon.vici"
        swanctl_env = dict(env, SWANCTL_DIR=str(d / "swanctl"))

        def swanctl(*args, check=True, timeout=30):
            return ns.run(["swanctl", *args, "--uri", uri], env=swanctl_env, check=check,
                          timeout=timeout)
        wait_for(lambda: proc.poll() is not None or
                 swanctl("--stats", check=False).returncode == 0, timeout=20,
                 what="charon's VICI socket")
        assert proc.poll() is None, (d / "charon.log").read_text()
        swanctl("--load-all")
        yield ns, swanctl, d
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        subprocess.run(["ip", "netns", "del", name], check=False)


def test_parse_strongswan_ike_sa_init(charon_ns, tmp_path):
    ns, swanctl, d = charon_ns
    cap = ns.capture("ike0", "udp port 500")
    init = ns.popen(["swanctl", "--initiate", "--child", "net", "--timeout", "3", "--uri",
                     f"unix://{d}/run/charon.vici"], stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    env=dict(os.environ, SWANCTL_DIR=str(d / "swanctl")))
    try:
        wait_for(lambda: "sending packet" in (d / "charon.log").read_text(), timeout=20,
                 what="charon sending its IKE_SA_INIT")
    finally:
        pkts = cap.stop()
        init.kill()
        init.wait()
    from scapy.layers.inet import UDP
    ike = [bytes(p[UDP].payload) for p in pkts if UDP in p and p[UDP].dport == 500]
    assert ike, "no IKE packet captured"
    msg = ike[0]
    (tmp_path / "strongswan-ike-sa-init").write_bytes(msg)  # a fuzz seed
    ours = decode(msg, tmp=tmp_path)
    assert ours["ok"], ours
    assert ours["exchange"] == K["EXCHANGE_IKE_SA_INIT"] and ours["flags"] == 0x08
    assert ours["msgid"] == 0 and ours["spi_r"] == "0" * 16
    assert [[tuple(x) for x in p["xforms"]] for p in ours["sa"]] == [
        [(K["XFORM_ENCR"], K["ENCR_AES_GCM_16"], 256), (K["XFORM_PRF"], K["PRF_HMAC_SHA2_384"], 0),
         (K["XFORM_DH"], K["DH_CURVE25519"], 0)],
        [(K["XFORM_ENCR"], K["ENCR_AES_CBC"], 128),
         (K["XFORM_INTEG"], K["INTEG_HMAC_SHA2_256_128"], 0),
         (K["XFORM_PRF"], K["PRF_HMAC_SHA2_256"], 0), (K["XFORM_DH"], K["DH_MODP_3072"], 0)]]
    assert all(p["proto"] == K["PROTO_IKE"] and p["spi"] == "" for p in ours["sa"])
    # KE for the first proposal's group; charon's nonces are 32 bytes
    assert ours["ke"] == {"group": K["DH_CURVE25519"], "len": 32}
    assert ours["nonce_len"] == 32
    types = [n["name"] for n in ours["notify"]]
    for want in ("nat-detection-source-ip", "nat-detection-destination-ip",
                 "ikev2-fragmentation-supported", "signature-hash-algorithms"):
        assert types.count(want) == 1, types
    natd = {n["name"]: n["data"] for n in ours["notify"]}
    assert len(bytes.fromhex(natd["nat-detection-source-ip"])) == 20
    algs = bytes.fromhex(natd["signature-hash-algorithms"])
    assert {int.from_bytes(algs[i:i + 2], "big") for i in range(0, len(algs), 2)} >= {
        K["HASH_SHA2_256"], K["HASH_SHA2_384"], K["HASH_SHA2_512"]}
    # NAT-D hashes are SHA-1(SPIi | SPIr | IP | port) (RFC 7296 2.23); with
    # kernel-libipsec charon fakes its source hash to force UDP encapsulation
    # (docs: platform.md), so only the destination's can be recomputed
    spis = bytes.fromhex(ours["spi_i"]) + bytes(8)
    src = hashlib.sha1(spis + bytes([192, 0, 2, 1]) + (500).to_bytes(2, "big")).hexdigest()
    dst = hashlib.sha1(spis + bytes([192, 0, 2, 2]) + (500).to_bytes(2, "big")).hexdigest()
    assert natd["nat-detection-destination-ip"] == dst
    assert natd["nat-detection-source-ip"] != src
    # one byte short anywhere is refused, never a crash
    for n in (len(msg) - 1, 28, 27):
        cut = decode(msg[:n], tmp=tmp_path)
        assert not cut["ok"] and cut["error_name"] == "invalid-syntax"


def write_seeds(outdir):
    """The fuzz seed corpus: valid messages of each kind (and a refused one)."""
    os.makedirs(outdir, exist_ok=True)
    first, inner = inner_chain()
    seeds = {
        "init-request": init_request(),
        "init-response-errors": init_response_errors(),
        "auth-sk-cleartext-inner": sk_message((first, inner)),
        "auth-skf-1-of-2": skf_message(1, 2, inner[:100]),
        "auth-skf-2-of-2": skf_message(2, 2, inner[100:]),
        "informational-cleartext-refused": cleartext_auth(),
        "create-child-sa-sk": sk_message(child_sa_inner(), "EXCHANGE_CREATE_CHILD_SA"),
        "informational-delete-sk": sk_message(delete_inner(), "EXCHANGE_INFORMATIONAL"),
        "init-unknown-payload": init_with_unknown(),
    }
    for name, data in seeds.items():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)


def test_fuzz_seeds(tmp_path):
    """The committed seeds are what write_seeds() makes (plus charon's
    IKE_SA_INIT); all but the one named refused parse, SK bodies included."""
    corpus = os.path.join(ROOT, "tests", "fuzz", "corpus", "fuzz_ike_msg")
    write_seeds(str(tmp_path / "seeds"))
    made = sorted(os.listdir(tmp_path / "seeds"))
    assert sorted(os.listdir(corpus)) == sorted(made + ["strongswan-ike-sa-init"])
    for name in made:
        assert open(os.path.join(corpus, name), "rb").read() == \
            (tmp_path / "seeds" / name).read_bytes(), name
    for name in os.listdir(corpus):
        msg = open(os.path.join(corpus, name), "rb").read()
        d = decode(msg, tmp=tmp_path)
        assert d["ok"] == (not name.endswith("-refused")), (name, d)
        if d["ok"] and d["sk"]["len"] and d["sk"]["frag"][0] == 0:
            inner = msg[-d["sk"]["len"]:]
            assert decode(msg, inner, tmp=tmp_path)["ok"], name


if __name__ == "__main__":
    write_seeds(sys.argv[1])
