"""SK payload protection and IKE fragmentation against independent implementations.

- An implementation written here from RFC 7296 3.14, RFC 5282, RFC 7634 and
  RFC 7383 on python3-cryptography and hmac opens every message our code
  (ike/sk.c through build/tests/ike/ike_sk_tool) seals, and our code opens
  every message it seals, for each transform set; the Python side uses its
  own IVs, padding lengths and padding content.
- Fragments: ours split at several sizes are opened and joined here; fragments
  made here, shuffled and duplicated, are reassembled by ours.
- Wireshark's IKEv2 decryption (tshark UAT ikev2_decryption_table: SPIs,
  SK_ei/SK_er, encryption algorithm, SK_ai/SK_ar, integrity algorithm) opens an
  IKE_AUTH-like message we seal and shows the inner payloads: AES-CBC with
  HMAC-SHA1/SHA2 and AES-GCM with 8/12/16-byte ICVs (tshark 4.0 has no
  ChaCha20-Poly1305 for IKEv2; that one is checked against Python only).
"""
import hashlib
import hmac
import os
import random
import struct
import subprocess
import tempfile

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(ROOT, "build", "tests", "ike", "ike_sk_tool")

SPI_I, SPI_R = 0x0123456789ABCDEF, 0xFEDCBA9876543210
IKE_AUTH, FLAG_I, MSGID = 35, 0x08, 1
PLD_SK, PLD_SKF = 46, 53
IDI, AUTH, NOTIFY, TSI, TSR = 35, 39, 41, 44, 45

# name: encr id, integ id, SK_e bytes (with salt for AEAD), SK_a bytes,
# ICV bytes, HMAC hash, tshark encryption and integrity names
XFORMS = {
    "aes128gcm8": (18, 0, 20, 0, 8, None, "AES-GCM-128 with 8 octet ICV [RFC5282]"),
    "aes256gcm12": (19, 0, 36, 0, 12, None, "AES-GCM-256 with 12 octet ICV [RFC5282]"),
    "aes128gcm16": (20, 0, 20, 0, 16, None, "AES-GCM-128 with 16 octet ICV [RFC5282]"),
    "aes256gcm16": (20, 0, 36, 0, 16, None, "AES-GCM-256 with 16 octet ICV [RFC5282]"),
    "chacha20poly1305": (28, 0, 36, 0, 16, None, None),
    "aes128-sha1": (12, 2, 16, 20, 12, hashlib.sha1, "AES-CBC-128 [RFC3602]"),
    "aes256-sha256": (12, 12, 32, 32, 16, hashlib.sha256, "AES-CBC-256 [RFC3602]"),
    "aes192-sha384": (12, 13, 24, 48, 24, hashlib.sha384, "AES-CBC-192 [RFC3602]"),
    "aes256-sha512": (12, 14, 32, 64, 32, hashlib.sha512, "AES-CBC-256 [RFC3602]"),
}
TSHARK_INTEG = {0: "NONE [RFC4306]", 2: "HMAC_SHA1_96 [RFC2404]",
                12: "HMAC_SHA2_256_128 [RFC4868]", 13: "HMAC_SHA2_384_192 [RFC4868]",
                14: "HMAC_SHA2_512_256 [RFC4868]"}


# ---- the independent implementation -----------------------------------------
class Sk:
    def __init__(self, name, rng):
        (self.encr, self.integ, e_len, a_len, self.icv, self.hash, self.ws) = XFORMS[name]
        self.name = name
        self.sk_e = rng.randbytes(e_len)
        self.sk_a = rng.randbytes(a_len)
        self.aead = self.integ == 0
        self.iv_len = 8 if self.aead else 16
        self.block = 1 if self.aead else 16

    def args(self):
        return [str(self.encr), str(self.integ), self.sk_e.hex(), self.sk_a.hex()]

    def _aead_crypt(self, iv, aad, data, tag=None):
        key, nonce = self.sk_e[:-4], self.sk_e[-4:] + iv
        if self.encr == 28:
            c = ChaCha20Poly1305(key)
            return c.encrypt(nonce, data, aad) if tag is None else c.decrypt(nonce, data + tag, aad)
        if tag is None:
            enc = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
            enc.authenticate_additional_data(aad)
            ct = enc.update(data) + enc.finalize()
            return ct + enc.tag[:self.icv]
        dec = Cipher(algorithms.AES(key), modes.GCM(nonce, tag, min_tag_length=self.icv)).decryptor()
        dec.authenticate_additional_data(aad)
        return dec.update(data) + dec.finalize()

    def seal(self, first, inner, rng, frag=None, extra_pad=0):
        """An IKE_AUTH request carrying inner (SK, or SKF (num, total))."""
        pad = (-(len(inner) + 1)) % self.block + extra_pad * self.block
        plain = inner + rng.randbytes(pad) + bytes([pad])
        iv = rng.randbytes(self.iv_len)
        fixed = b"" if frag is None else struct.pack("!HH", *frag)
        ptype = PLD_SK if frag is None else PLD_SKF
        body_len = len(fixed) + self.iv_len + len(plain) + self.icv
        total = 28 + 4 + body_len
        aad = (struct.pack("!QQBBBBII", SPI_I, SPI_R, ptype, 0x20, IKE_AUTH, FLAG_I, MSGID,
                           total) + struct.pack("!BBH", first, 0, 4 + body_len) + fixed)
        if self.aead:
            return aad + iv + self._aead_crypt(iv, aad, plain)
        enc = Cipher(algorithms.AES(self.sk_e), modes.CBC(iv)).encryptor()
        ct = enc.update(plain) + enc.finalize()
        return aad + iv + ct + hmac.new(self.sk_a, aad + iv + ct, self.hash).digest()[:self.icv]

    def open(self, msg):
        """(first, inner, (num, total) or None); asserts on anything wrong."""
        spi_i, spi_r, ptype, ver, exch, flags, msgid, total = struct.unpack("!QQBBBBII", msg[:28])
        assert (spi_i, spi_r, ver, exch, flags, msgid, total) == (
            SPI_I, SPI_R, 0x20, IKE_AUTH, FLAG_I, MSGID, len(msg))
        first, crit, plen = struct.unpack("!BBH", msg[28:32])
        assert ptype in (PLD_SK, PLD_SKF) and crit == 0 and plen == len(msg) - 28
        off, frag = 32, None
        if ptype == PLD_SKF:
            frag, off = struct.unpack("!HH", msg[32:36]), 36
        iv = msg[off:off + self.iv_len]
        ct = msg[off + self.iv_len:len(msg) - self.icv]
        icv = msg[len(msg) - self.icv:]
        assert len(ct) % self.block == 0 and len(ct) >= 1
        if self.aead:
            plain = self._aead_crypt(iv, msg[:off], ct, icv)
        else:
            mac = hmac.new(self.sk_a, msg[:len(msg) - self.icv], self.hash).digest()
            assert hmac.compare_digest(mac[:self.icv], icv)
            dec = Cipher(algorithms.AES(self.sk_e), modes.CBC(iv)).decryptor()
            plain = dec.update(ct) + dec.finalize()
        pad = plain[-1]
        assert pad + 1 <= len(plain)
        return first, plain[:len(plain) - pad - 1], frag


def chain(payloads):
    """A payload chain from [(type, body)], built here."""
    out = b""
    for i, (_, body) in enumerate(payloads):
        nxt = payloads[i + 1][0] if i + 1 < len(payloads) else 0
        out += struct.pack("!BBH", nxt, 0, 4 + len(body)) + body
    return payloads[0][0], out


def auth_chain(rng, cert_bytes=0):
    ts = struct.pack("!BBHHH4s4s", 7, 0, 16, 0, 65535, bytes([10, 1, 0, 0]), bytes([10, 1, 255, 255]))
    payloads = [(IDI, struct.pack("!B3x", 2) + b"initiator.example.net")]
    if cert_bytes:
        payloads.append((37, bytes([4]) + rng.randbytes(cert_bytes)))
    auth = rng.randbytes(32)
    payloads += [(AUTH, struct.pack("!B3x", 2) + auth),
                 (NOTIFY, struct.pack("!BBH", 0, 0, 16384)),
                 (TSI, struct.pack("!B3x", 1) + ts), (TSR, struct.pack("!B3x", 1) + ts)]
    first, inner = chain(payloads)
    return first, inner, auth


def tool(*args, ok=True):
    p = subprocess.run([TOOL, *args], capture_output=True, text=True)
    if ok:
        assert p.returncode == 0, (p.stdout, p.stderr)
    return p


@pytest.fixture(scope="module", autouse=True)
def built():
    subprocess.run(["flock", "/tmp/xdpsec-build.lock", "make", "-s", "-C", ROOT,
                    "build/tests/ike/ike_sk_tool"], check=True)


# ---- SK both ways ----------------------------------------------------------------
@pytest.mark.parametrize("name", list(XFORMS))
def test_ours_sealed_python_opens(name):
    rng = random.Random(name)
    sk = Sk(name, rng)
    first, inner, _ = auth_chain(rng)
    ivs = set()
    for _ in range(3):
        msg = bytes.fromhex(tool("seal", *sk.args(), str(first), inner.hex()).stdout.strip())
        got_first, got, frag = sk.open(msg)
        assert (got_first, got, frag) == (first, inner, None)
        # minimal padding: none for AEAD, up to the block for CBC
        assert len(msg) == 32 + sk.iv_len + len(inner) + 1 + (-(len(inner) + 1)) % sk.block + sk.icv
        ivs.add(msg[32:32 + sk.iv_len])
    # AEAD: a new context's counter starts at 0 (test_ike_sk.c checks that
    # it moves on); CBC: random
    assert ivs == {bytes(8)} if sk.aead else len(ivs) == 3
    # a flipped bit anywhere is refused by the Python side too
    bad = bytearray(msg)
    bad[-1] ^= 1
    with pytest.raises(Exception):
        sk.open(bytes(bad))


@pytest.mark.parametrize("name", list(XFORMS))
def test_python_sealed_ours_opens(name):
    rng = random.Random(name + "py")
    sk = Sk(name, rng)
    first, inner, _ = auth_chain(rng, cert_bytes=rng.randrange(50, 400))
    for extra in (0, 1, 3):
        msg = sk.seal(first, inner, rng, extra_pad=extra)
        out = tool("open", *sk.args(), msg.hex()).stdout.split()
        assert int(out[0]) == first and bytes.fromhex(out[1]) == inner
        assert [int(t) for t in out[2:]] == [PLD_SK, IDI, 37, AUTH, NOTIFY, TSI, TSR]
    # wrong key, flipped ICV, lost byte: refused with the reason
    other = Sk(name, random.Random("other"))
    p = tool("open", *other.args(), msg.hex(), ok=False)
    assert p.returncode == 1 and "integrity check failed" in p.stdout
    bad = bytearray(msg)
    bad[-1] ^= 0x80
    p = tool("open", *sk.args(), bytes(bad).hex(), ok=False)
    assert p.returncode == 1 and "integrity check failed" in p.stdout


@pytest.mark.parametrize("name", ["aes256gcm16", "aes256-sha256"])
def test_bad_pad_length_refused(name):
    """A pad length beyond the plaintext under a valid ICV: the padding error."""
    rng = random.Random(name + "pad")
    sk = Sk(name, rng)
    first, inner, _ = auth_chain(rng)
    msg = bytearray(sk.seal(first, inner, rng))
    iv = bytes(msg[32:32 + sk.iv_len])
    n = len(msg) - 32 - sk.iv_len - sk.icv
    plain = inner + b"\0" * (n - len(inner) - 1) + bytes([n])   # one too many
    if sk.aead:
        body = sk._aead_crypt(iv, bytes(msg[:32]), plain)
    else:
        enc = Cipher(algorithms.AES(sk.sk_e), modes.CBC(iv)).encryptor()
        ct = enc.update(plain) + enc.finalize()
        body = ct + hmac.new(sk.sk_a, bytes(msg[:32]) + iv + ct, sk.hash).digest()[:sk.icv]
    msg[32 + sk.iv_len:] = body
    p = tool("open", *sk.args(), bytes(msg).hex(), ok=False)
    assert p.returncode == 1 and "bad pad length" in p.stdout


# ---- fragments both ways ---------------------------------------------------------
@pytest.mark.parametrize("name", ["aes128gcm16", "chacha20poly1305", "aes128-sha1", "aes256-sha512"])
@pytest.mark.parametrize("max_msg", [120, 300, 576, 1280])
def test_ours_fragmented_python_joins(name, max_msg):
    rng = random.Random(f"{name}{max_msg}")
    sk = Sk(name, rng)
    first, inner, _ = auth_chain(rng, cert_bytes=1200)
    frags = [bytes.fromhex(h) for h in
             tool("frag", *sk.args(), str(first), inner.hex(), str(max_msg)).stdout.split()]
    joined = b""
    for k, f in enumerate(frags, 1):
        assert len(f) <= max_msg
        got_first, piece, frag = sk.open(f)
        assert frag == (k, len(frags)) and got_first == (first if k == 1 else 0)
        joined += piece
    assert joined == inner
    # each fragment as full as it can be but the last
    room = max_msg - 36 - sk.iv_len - sk.icv
    per = room // sk.block * sk.block - 1
    assert len(frags) == -(-len(inner) // per)


@pytest.mark.parametrize("name", ["aes256gcm16", "chacha20poly1305", "aes256-sha256"])
def test_python_fragmented_ours_joins(name):
    rng = random.Random(name + "frag")
    sk = Sk(name, rng)
    first, inner, _ = auth_chain(rng, cert_bytes=900)
    cuts = sorted(rng.sample(range(1, len(inner)), 6))
    pieces = [inner[a:b] for a, b in zip([0] + cuts, cuts + [len(inner)])]
    total = len(pieces)
    frags = [sk.seal(first if k == 1 else 0, p, rng, frag=(k, total), extra_pad=k % 2)
             for k, p in enumerate(pieces, 1)]
    order = list(range(total))
    rng.shuffle(order)
    feed = []
    for k in order:
        feed += [frags[k], frags[k]] if k % 2 else [frags[k]]
    out = tool("reasm", *sk.args(), *[f.hex() for f in feed]).stdout.split("\n")
    statuses = [int(s) for s in out[:len(feed)]]
    done = statuses.index(1)                                   # DONE once, at the last new one
    assert statuses.count(1) == 1 and set(statuses[done + 1:]) <= {2}
    assert statuses.count(2) == len(feed) - total              # duplicates ignored
    got_first, got = out[len(feed)].split()
    assert int(got_first) == first and bytes.fromhex(got) == inner
    # one missing: never done
    p = tool("reasm", *sk.args(), *[f.hex() for f in frags[1:]], ok=False)
    assert p.returncode == 1 and p.stdout.split("\n")[:total - 1] == ["0"] * (total - 1)


# ---- Wireshark ---------------------------------------------------------------------
def pcap(msgs, path):
    """UDP/500 datagrams from 192.0.2.1 to 192.0.2.2 in a classic pcap."""
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101)   # raw IP
    for i, m in enumerate(msgs):
        udp = struct.pack("!HHHH", 500, 500, 8 + len(m), 0) + m
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0,
                         bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2]))
        s = sum(struct.unpack("!10H", ip))
        s = (s & 0xFFFF) + (s >> 16)
        ip = ip[:10] + struct.pack("!H", ~((s & 0xFFFF) + (s >> 16)) & 0xFFFF) + ip[12:]
        out += struct.pack("<IIII", 1700000000 + i, 0, len(ip + udp), len(ip + udp)) + ip + udp
    with open(path, "wb") as f:
        f.write(out)


def tshark_fields(path, sk, wrong_key=False):
    sk_e = bytes(len(sk.sk_e)) if wrong_key else sk.sk_e
    sk_a = bytes(len(sk.sk_a)) if wrong_key else sk.sk_a
    row = [f"{SPI_I:016x}", f"{SPI_R:016x}", sk_e.hex(), "00" * len(sk.sk_e), sk.ws,
           sk_a.hex(), "00" * len(sk.sk_a), TSHARK_INTEG[sk.integ]]
    # byte fields bare hex, enum fields quoted names (the UAT file syntax)
    uat = ",".join(f'"{v}"' if i in (4, 7) else v for i, v in enumerate(row))
    with tempfile.TemporaryDirectory() as home:     # no user profile
        p = subprocess.run(
            ["tshark", "-r", path, "-o", f"uat:ikev2_decryption_table:{uat}", "-T", "fields",
             "-E", "separator=|", "-e", "isakmp.typepayload", "-e", "isakmp.id.type",
             "-e", "isakmp.notify.msgtype", "-e", "isakmp.ts.start_ipv4",
             "-e", "isakmp.auth.data"],
            capture_output=True, text=True, env={**os.environ, "HOME": home})
    assert p.returncode == 0, p.stderr
    return [line.split("|") for line in p.stdout.strip().split("\n")]


@pytest.mark.parametrize("name", [n for n, x in XFORMS.items() if x[6]])
def test_tshark_decrypts(name, tmp_path):
    rng = random.Random(name + "ws")
    sk = Sk(name, rng)
    first, inner, auth = auth_chain(rng)
    msg = bytes.fromhex(tool("seal", *sk.args(), str(first), inner.hex()).stdout.strip())
    path = str(tmp_path / "sk.pcap")
    pcap([msg], path)
    types, id_type, notify, ts, auth_data = tshark_fields(path, sk)[0]
    assert types.split(",") == ["46", "35", "39", "41", "44", "45"]
    assert (id_type, notify) == ("2", "16384")
    assert ts.split(",") == ["10.1.0.0", "10.1.0.0"]
    assert auth_data == auth.hex()
    # the wrong keys: no inner payloads (GCM: the tag fails; CBC: tshark
    # 4.0 dissects the garbage after the SK header's next type, but finds
    # none of ours)
    types, id_type, notify, ts, auth_data = tshark_fields(path, sk, wrong_key=True)[0]
    assert types.split(",")[:1] == ["46"] and len(types.split(",")) <= 2
    assert "16384" not in notify and auth.hex() not in auth_data and "10.1.0.0" not in ts
