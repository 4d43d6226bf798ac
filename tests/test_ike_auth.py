"""IKEv2 certificate authentication (ike/auth_sig.c, sig_alg.c, cred.c,
ca.c, id.c, cert.c) through tests/ike/ike_auth_tool, against
python3-cryptography as the independent implementation.

Keys and certificates are made here: a root CA, an intermediate, end
entities with RSA-2048/3072, ECDSA P-256/P-384/P-521 and Ed25519 keys and
several subjectAltNames, an expired and a not-yet-valid one, one from
another CA, one whose keyUsage forbids signatures, one with a broken
signature. Our AUTH signatures are checked with python3-cryptography (the
AlgorithmIdentifiers against a DER encoder written here from RFC 7427
appendix A); signatures python3-cryptography makes, in every RFC 7427
encoding, must verify with ours; every refusal must give its reason."""
import datetime
import hashlib
import hmac
import ipaddress
import os
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature, encode_dss_signature)
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(ROOT, "build", "tests", "ike", "ike_auth_tool")

PRF_SHA256 = 5
AUTH_RSA, AUTH_P256, AUTH_P384, AUTH_P521, AUTH_DS = 1, 9, 10, 11, 14
H_SHA1, H_SHA256, H_SHA384, H_SHA512, H_IDENTITY = 1, 2, 3, 4, 5
ALL_HASHES = (1 << H_SHA256) | (1 << H_SHA384) | (1 << H_SHA512) | (1 << H_IDENTITY)
ID_IPV4, ID_FQDN, ID_RFC822, ID_IPV6, ID_DN = 1, 2, 3, 5, 9
NOW = datetime.datetime.utcnow()
DAY = datetime.timedelta(days=1)


# ---- a DER encoder for AlgorithmIdentifiers (RFC 7427 appendix A) -------
def tlv(tag, body):
    n = len(body)
    return bytes([tag]) + (bytes([n]) if n < 128 else bytes([0x81, n])) + body


def oid(dotted):
    a = [int(x) for x in dotted.split(".")]
    out = bytes([40 * a[0] + a[1]])
    for v in a[2:]:
        enc = [v & 0x7f]
        v >>= 7
        while v:
            enc.append(0x80 | (v & 0x7f))
            v >>= 7
        out += bytes(reversed(enc))
    return tlv(6, out)


def seq(*parts):
    return tlv(0x30, b"".join(parts))


NULL = b"\x05\x00"
OID_RSA = {H_SHA1: "1.2.840.113549.1.1.5", H_SHA256: "1.2.840.113549.1.1.11",
           H_SHA384: "1.2.840.113549.1.1.12", H_SHA512: "1.2.840.113549.1.1.13"}
OID_ECDSA = {H_SHA256: "1.2.840.10045.4.3.2", H_SHA384: "1.2.840.10045.4.3.3",
             H_SHA512: "1.2.840.10045.4.3.4"}
OID_HASH = {H_SHA1: "1.3.14.3.2.26", H_SHA256: "2.16.840.1.101.3.4.2.1",
            H_SHA384: "2.16.840.1.101.3.4.2.2", H_SHA512: "2.16.840.1.101.3.4.2.3"}
OID_PSS, OID_MGF1, OID_ED25519 = "1.2.840.113549.1.1.10", "1.2.840.113549.1.1.8", "1.3.101.112"
HASH = {H_SHA1: hashes.SHA1, H_SHA256: hashes.SHA256, H_SHA384: hashes.SHA384,
        H_SHA512: hashes.SHA512}
HLEN = {H_SHA256: 32, H_SHA384: 48, H_SHA512: 64}


def algid_rsa(h, null=True):
    return seq(oid(OID_RSA[h]), NULL) if null else seq(oid(OID_RSA[h]))


def algid_ecdsa(h):
    return seq(oid(OID_ECDSA[h]))


def algid_pss(h, salt, null=True, mgf_hash=None, trailer=False):
    ha = seq(oid(OID_HASH[h]), NULL) if null else seq(oid(OID_HASH[h]))
    mh = ha if mgf_hash is None else seq(oid(OID_HASH[mgf_hash]), NULL)
    params = tlv(0xa0, ha) + tlv(0xa1, seq(oid(OID_MGF1), mh)) + \
        tlv(0xa2, tlv(2, bytes([salt])))
    if trailer:
        params += tlv(0xa3, tlv(2, b"\x01"))
    return seq(oid(OID_PSS), seq(params))


ALGID_ED25519 = seq(oid(OID_ED25519))
# RSASSA-PSS with SHA-256 written the way RFC 7427 appendix A.4 writes its
# examples (trailer field present although it is the default)
RFC7427_PSS_SHA256 = bytes.fromhex(
    "304606092a864886f70d01010a3039a00f300d0609608648016503040201"
    "0500a11c301a06092a864886f70d010108300d06096086480165030402010500"
    "a203020120a303020101")


# ---- keys and certificates --------------------------------------------
def name(cn, o="xdpsec test"):
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CH"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, o),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def sign_hash(key):
    return None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()


def make_cert(subject, key, issuer, issuer_key, ca=False, sans=(),
              start=NOW - DAY, end=NOW + 30 * DAY, ku=None):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(start).not_valid_after(end)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), True))
    if ca:
        ku = ku or dict(digital_signature=False, key_cert_sign=True, crl_sign=True)
    if ku:
        full = dict(digital_signature=False, content_commitment=False,
                    key_encipherment=False, data_encipherment=False,
                    key_agreement=False, key_cert_sign=False, crl_sign=False,
                    encipher_only=False, decipher_only=False)
        full.update(ku)
        b = b.add_extension(x509.KeyUsage(**full), True)
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(list(sans)), False)
    return b.sign(issuer_key, sign_hash(issuer_key))


def der(cert):
    return cert.public_bytes(serialization.Encoding.DER)


class Pki:
    """Everything on disk (PEM) and in memory."""

    def __init__(self, d):
        self.d = d
        self.root_key = ec.generate_private_key(ec.SECP384R1())
        self.root = make_cert(name("Root CA"), self.root_key, name("Root CA"),
                              self.root_key, ca=True)
        self.im_key = rsa.generate_private_key(65537, 2048)
        self.im = make_cert(name("Intermediate CA"), self.im_key, name("Root CA"),
                            self.root_key, ca=True)
        self.other_key = ec.generate_private_key(ec.SECP256R1())
        self.other = make_cert(name("Other CA", "elsewhere"), self.other_key,
                               name("Other CA", "elsewhere"), self.other_key, ca=True)
        self.keys = {
            "rsa2048": rsa.generate_private_key(65537, 2048),
            "rsa3072": rsa.generate_private_key(65537, 3072),
            "p256": ec.generate_private_key(ec.SECP256R1()),
            "p384": ec.generate_private_key(ec.SECP384R1()),
            "p521": ec.generate_private_key(ec.SECP521R1()),
            "ed25519": ed25519.Ed25519PrivateKey.generate(),
        }
        self.certs = {}
        for kind, key in self.keys.items():
            sans = [x509.DNSName(f"{kind}.example.org"),
                    x509.RFC822Name(f"{kind}@example.org"),
                    x509.IPAddress(ipaddress.ip_address("192.0.2.7")),
                    x509.IPAddress(ipaddress.ip_address("2001:db8::7"))]
            self.certs[kind] = make_cert(name(kind), key, name("Intermediate CA"),
                                         self.im_key, sans=sans)
        ee = self.keys["p256"]
        self.expired = make_cert(name("expired"), ee, name("Intermediate CA"),
                                 self.im_key, start=NOW - 30 * DAY, end=NOW - DAY)
        self.future = make_cert(name("future"), ee, name("Intermediate CA"),
                                self.im_key, start=NOW + DAY, end=NOW + 30 * DAY)
        self.foreign = make_cert(name("foreign"), ee, name("Other CA", "elsewhere"),
                                 self.other_key)
        self.no_sign = make_cert(name("no-sign"), ee, name("Intermediate CA"),
                                 self.im_key, ku=dict(key_encipherment=True))
        raw = bytearray(der(make_cert(name("broken"), ee, name("Intermediate CA"),
                                      self.im_key)))
        raw[-5] ^= 0x01          # inside the signature value
        self.broken = bytes(raw)
        for n, c in [("root", self.root), ("im", self.im), ("other", self.other)]:
            self.write(f"{n}.pem", c.public_bytes(serialization.Encoding.PEM))
        for kind, key in self.keys.items():
            self.write_key(kind, key)
            self.write(f"{kind}.crt", self.certs[kind].public_bytes(
                serialization.Encoding.PEM))

    def path(self, n):
        return os.path.join(self.d, n)

    def write(self, n, data):
        with open(self.path(n), "wb") as f:
            f.write(data)
        return self.path(n)

    def write_key(self, n, key, enc=serialization.Encoding.PEM,
                  fmt=serialization.PrivateFormat.PKCS8,
                  crypt=serialization.NoEncryption()):
        return self.write(f"{n}.key", key.private_bytes(enc, fmt, crypt))


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    subprocess.run(["flock", "/tmp/xdpsec-build.lock", "make", "-s", "-C", ROOT,
                    "build/tests/ike/ike_auth_tool"], check=True)
    assert os.path.exists(TOOL), f"{TOOL} not built"
    return Pki(str(tmp_path_factory.mktemp("pki")))


def tool(*args, ok=True):
    p = subprocess.run([TOOL, *[str(a) for a in args]], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode in (0, 1), p.stdout + p.stderr
    if ok:
        assert p.returncode == 0, p.stdout + p.stderr
        return p.stdout.strip()
    assert p.returncode == 1, p.stdout
    assert p.stdout.startswith("refused: ")
    return p.stdout.strip()[len("refused: "):]


# ---- signed octets ---------------------------------------------------
class Octets:
    def __init__(self, idbody=b"\x02\x00\x00\x00gw.example.org"):
        self.msg, self.nonce = os.urandom(300), os.urandom(32)
        self.idbody, self.skp = idbody, os.urandom(32)

    def args(self):
        return [self.msg.hex(), self.nonce.hex(), self.idbody.hex(), self.skp.hex()]

    def data(self):   # RFC 7296 2.15, written here from the RFC text
        return self.msg + self.nonce + hmac.new(self.skp, self.idbody,
                                                hashlib.sha256).digest()


def py_verify(pub, method, data, octets):
    """Checks one of our AUTH payloads with python3-cryptography."""
    if method == AUTH_RSA:
        pub.verify(data, octets, padding.PKCS1v15(), hashes.SHA1())
        return
    if method in (AUTH_P256, AUTH_P384, AUTH_P521):
        n = len(data) // 2
        sig = encode_dss_signature(int.from_bytes(data[:n], "big"),
                                   int.from_bytes(data[n:], "big"))
        h = {AUTH_P256: hashes.SHA256, AUTH_P384: hashes.SHA384,
             AUTH_P521: hashes.SHA512}[method]
        pub.verify(sig, octets, ec.ECDSA(h()))
        return
    assert method == AUTH_DS
    alen = data[0]
    algid, sig = data[1:1 + alen], data[1 + alen:]
    if isinstance(pub, ed25519.Ed25519PublicKey):
        assert algid == ALGID_ED25519
        pub.verify(sig, octets)
    elif isinstance(pub, ec.EllipticCurvePublicKey):
        h = {32: H_SHA256, 48: H_SHA384, 66: H_SHA512}[(pub.curve.key_size + 7) // 8]
        assert algid == algid_ecdsa(h)
        pub.verify(sig, octets, ec.ECDSA(HASH[h]()))
    elif algid == algid_rsa(H_SHA256):
        pub.verify(sig, octets, padding.PKCS1v15(), hashes.SHA256())
    else:
        assert algid == algid_pss(H_SHA256, 32), algid.hex()
        pub.verify(sig, octets, padding.PSS(padding.MGF1(hashes.SHA256()), 32),
                   hashes.SHA256())


KINDS = ["rsa2048", "rsa3072", "p256", "p384", "p521", "ed25519"]


def our_sign(pki, kind, o, hashes_set=ALL_HASHES, pss=0, ok=True):
    out = tool("sign", pki.path(f"{kind}.key"), pki.path(f"{kind}.crt"),
               PRF_SHA256, hashes_set, pss, *o.args(), ok=ok)
    if not ok:
        return out
    method, data = out.split()
    return int(method), bytes.fromhex(data)


# ---- our signatures, checked by python3-cryptography ---------------------
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", ["rfc7427", "rfc7427-pss", "classic"])
def test_our_signature_verifies_in_python(pki, kind, mode):
    o = Octets()
    if mode == "classic" and kind == "ed25519":
        assert "no signature method" in our_sign(pki, kind, o, 0, ok=False)
        return
    method, data = our_sign(pki, kind, o, 0 if mode == "classic" else ALL_HASHES,
                            1 if mode == "rfc7427-pss" else 0)
    if mode == "classic":
        assert method == {"p256": AUTH_P256, "p384": AUTH_P384,
                          "p521": AUTH_P521}.get(kind, AUTH_RSA)
        if method != AUTH_RSA:
            assert len(data) == 2 * {AUTH_P256: 32, AUTH_P384: 48, AUTH_P521: 66}[method]
    else:
        assert method == AUTH_DS
    py_verify(pki.keys[kind].public_key(), method, data, o.data())
    # and ours accepts it, but not for other signed octets
    assert tool("sigverify", pki.path(f"{kind}.crt"), PRF_SHA256, method,
                data.hex(), *o.args()) == "ok"
    o2 = Octets()
    assert "does not verify" in tool("sigverify", pki.path(f"{kind}.crt"),
                                     PRF_SHA256, method, data.hex(), *o2.args(),
                                     ok=False)


def test_hash_choice_follows_the_peer(pki):
    o = Octets()
    for kind, peer, want in [("rsa2048", 1 << H_SHA512, H_SHA512),
                             ("p384", ALL_HASHES, H_SHA384),
                             ("p521", ALL_HASHES, H_SHA512),
                             ("p256", 1 << H_SHA384, H_SHA384)]:
        method, data = our_sign(pki, kind, o, peer)
        assert method == AUTH_DS
        algid = data[1:1 + data[0]]
        assert algid == (algid_rsa(want) if kind.startswith("rsa") else
                         algid_ecdsa(want))
    # Ed25519 without Identity, RSA with only SHA-1: classic or nothing
    assert "no signature method" in our_sign(pki, "ed25519", o, 1 << H_SHA256, ok=False)
    method, _ = our_sign(pki, "rsa2048", o, 1 << H_SHA1)
    assert method == AUTH_RSA


# ---- python3-cryptography's signatures, checked by ours -------------------
def py_rsa_cases():
    for h in (H_SHA256, H_SHA384, H_SHA512):
        for null in (True, False):   # RFC 4055 5: NULL or absent parameters
            yield f"pkcs1-{h}-{null}", algid_rsa(h, null), \
                lambda k, m, h=h: k.sign(m, padding.PKCS1v15(), HASH[h]())
        for salt in (HLEN[h], 20, 0):
            yield f"pss-{h}-{salt}", algid_pss(h, salt, null=salt != 20), \
                lambda k, m, h=h, s=salt: k.sign(
                    m, padding.PSS(padding.MGF1(HASH[h]()), s), HASH[h]())
    yield "pss-rfc7427", RFC7427_PSS_SHA256, lambda k, m: k.sign(
        m, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())


@pytest.mark.parametrize("case", list(py_rsa_cases()), ids=lambda c: c[0])
@pytest.mark.parametrize("kind", ["rsa2048", "rsa3072"])
def test_python_rsa_signature_verifies(pki, kind, case):
    _, algid, sign = case
    o = Octets()
    sig = sign(pki.keys[kind], o.data())
    data = bytes([len(algid)]) + algid + sig
    assert tool("sigverify", pki.path(f"{kind}.crt"), PRF_SHA256, AUTH_DS,
                data.hex(), *o.args()) == "ok"


@pytest.mark.parametrize("kind", ["p256", "p384", "p521"])
def test_python_ecdsa_signatures_verify(pki, kind):
    key, o = pki.keys[kind], Octets()
    for h in (H_SHA256, H_SHA384, H_SHA512):
        sig = key.sign(o.data(), ec.ECDSA(HASH[h]()))
        data = bytes([len(algid_ecdsa(h))]) + algid_ecdsa(h) + sig
        assert tool("sigverify", pki.path(f"{kind}.crt"), PRF_SHA256, AUTH_DS,
                    data.hex(), *o.args()) == "ok"
    method, h, n = {"p256": (AUTH_P256, hashes.SHA256, 32),
                    "p384": (AUTH_P384, hashes.SHA384, 48),
                    "p521": (AUTH_P521, hashes.SHA512, 66)}[kind]
    r, s = decode_dss_signature(key.sign(o.data(), ec.ECDSA(h())))
    raw = r.to_bytes(n, "big") + s.to_bytes(n, "big")
    assert tool("sigverify", pki.path(f"{kind}.crt"), PRF_SHA256, method,
                raw.hex(), *o.args()) == "ok"


def test_python_ed25519_and_rsa_classic_verify(pki):
    o = Octets()
    sig = pki.keys["ed25519"].sign(o.data())
    data = bytes([len(ALGID_ED25519)]) + ALGID_ED25519 + sig
    assert tool("sigverify", pki.path("ed25519.crt"), PRF_SHA256, AUTH_DS,
                data.hex(), *o.args()) == "ok"
    sig = pki.keys["rsa2048"].sign(o.data(), padding.PKCS1v15(), hashes.SHA1())
    assert tool("sigverify", pki.path("rsa2048.crt"), PRF_SHA256, AUTH_RSA,
                sig.hex(), *o.args()) == "ok"


# ---- refused AUTH payloads ------------------------------------------------
def refused_sig(pki, kind, method, data, o, want):
    reason = tool("sigverify", pki.path(f"{kind}.crt"), PRF_SHA256, method,
                  data.hex(), *o.args(), ok=False)
    assert want in reason, reason


def test_algorithm_identifier_refusals(pki):
    o = Octets()
    rsa_key, ec_key = pki.keys["rsa2048"], pki.keys["p256"]
    rsa_sig = rsa_key.sign(o.data(), padding.PKCS1v15(), hashes.SHA256())
    ec_sig = ec_key.sign(o.data(), ec.ECDSA(hashes.SHA256()))
    pss_sig = rsa_key.sign(o.data(), padding.PSS(padding.MGF1(hashes.SHA256()), 32),
                           hashes.SHA256())

    def ds(algid, sig):
        return bytes([len(algid)]) + algid + sig
    # an algorithm for another key type
    refused_sig(pki, "p256", AUTH_DS, ds(algid_rsa(H_SHA256), ec_sig), o, "does not fit")
    refused_sig(pki, "rsa2048", AUTH_DS, ds(algid_ecdsa(H_SHA256), rsa_sig), o,
                "does not fit")
    refused_sig(pki, "ed25519", AUTH_DS, ds(algid_ecdsa(H_SHA256), ec_sig), o,
                "does not fit")
    refused_sig(pki, "rsa2048", AUTH_DS, ds(ALGID_ED25519, rsa_sig), o, "does not fit")
    # SHA-1 in method 14 (RFC 8247), ECDSA with parameters, PSS defaults
    sha1_sig = rsa_key.sign(o.data(), padding.PKCS1v15(), hashes.SHA1())
    refused_sig(pki, "rsa2048", AUTH_DS, ds(algid_rsa(H_SHA1), sha1_sig), o,
                "not accepted")
    refused_sig(pki, "p256", AUTH_DS, ds(seq(oid(OID_ECDSA[H_SHA256]), NULL), ec_sig),
                o, "not accepted")
    refused_sig(pki, "rsa2048", AUTH_DS, ds(seq(oid(OID_PSS), seq()), pss_sig), o,
                "not accepted")
    refused_sig(pki, "rsa2048", AUTH_DS,
                ds(algid_pss(H_SHA256, 32, mgf_hash=H_SHA384), pss_sig), o,
                "not accepted")
    # right algorithm, wrong salt length: the signature does not verify
    refused_sig(pki, "rsa2048", AUTH_DS, ds(algid_pss(H_SHA256, 20), pss_sig), o,
                "does not verify")
    # garbage after the AlgorithmIdentifier (inside its length byte)
    refused_sig(pki, "rsa2048", AUTH_DS, ds(algid_rsa(H_SHA256) + b"\x00", rsa_sig),
                o, "data after the AlgorithmIdentifier")
    refused_sig(pki, "rsa2048", AUTH_DS, ds(b"\x30\x03\x06\x01\x00", rsa_sig), o,
                "not accepted")
    # unknown OID, not DER at all
    refused_sig(pki, "rsa2048", AUTH_DS, ds(seq(oid("1.2.3.4")), rsa_sig), o,
                "not accepted")
    refused_sig(pki, "rsa2048", AUTH_DS, ds(b"\x04\x02ab", rsa_sig), o, "not accepted")


def test_signature_length_refusals(pki):
    o = Octets()
    rsa_sig = pki.keys["rsa2048"].sign(o.data(), padding.PKCS1v15(), hashes.SHA256())
    ec_sig = pki.keys["p256"].sign(o.data(), ec.ECDSA(hashes.SHA256()))
    a_rsa, a_ec = algid_rsa(H_SHA256), algid_ecdsa(H_SHA256)

    def ds(algid, sig):
        return bytes([len(algid)]) + algid + sig
    for bad in (rsa_sig[:-1], rsa_sig + b"\x00", b"\x00" + rsa_sig):
        refused_sig(pki, "rsa2048", AUTH_DS, ds(a_rsa, bad), o, "does not verify")
    for bad in (ec_sig[:-1], ec_sig + b"\x00"):
        refused_sig(pki, "p256", AUTH_DS, ds(a_ec, bad), o, "does not verify")
    r, s = decode_dss_signature(ec_sig)
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    refused_sig(pki, "p256", AUTH_P256, raw[:-1], o, "of 63 bytes")
    refused_sig(pki, "p256", AUTH_P256, raw + b"\x00", o, "of 65 bytes")
    refused_sig(pki, "p256", AUTH_P256, ec_sig, o, "bytes (not 64)")
    # classic methods must fit the key and its curve
    refused_sig(pki, "p384", AUTH_P256, raw, o, "does not fit")
    refused_sig(pki, "rsa2048", AUTH_P256, raw, o, "does not fit")
    refused_sig(pki, "p256", AUTH_RSA, rsa_sig, o, "does not fit")
    refused_sig(pki, "p256", 2, raw, o, "not supported")
    # every truncation of a valid payload is refused (codec or check)
    good = ds(a_ec, ec_sig)
    for n in range(1, len(good)):
        p = subprocess.run([TOOL, "sigverify", pki.path("p256.crt"), str(PRF_SHA256),
                            str(AUTH_DS), good[:n].hex(), *o.args()],
                           capture_output=True, text=True)
        assert p.returncode == 1 and p.stdout.startswith("refused: "), (n, p.stdout)
    # and every single-bit flip in signature or AlgorithmIdentifier
    for i in range(1, len(good)):
        bad = bytearray(good)
        bad[i] ^= 0x10
        p = subprocess.run([TOOL, "sigverify", pki.path("p256.crt"), str(PRF_SHA256),
                            str(AUTH_DS), bytes(bad).hex(), *o.args()],
                           capture_output=True, text=True)
        assert p.returncode == 1, (i, p.stdout)


# ---- the whole peer check: ID, chain, ID in certificate, AUTH --------------
def peer_check(pki, kind, remote_id, idbody, certs, now=0, ok=True, cacerts="root.pem",
               sign_kind=None):
    o = Octets(idbody)
    method, data = our_sign(pki, sign_kind or kind, o)
    return tool("verify", pki.path(cacerts), remote_id, PRF_SHA256, now,
                idbody.hex(), method, data.hex(), *o.args(),
                *[c.hex() for c in certs], ok=ok)


def epoch(t):
    return int((t - datetime.datetime(1970, 1, 1)).total_seconds())


def idb(t, data):
    return bytes([t, 0, 0, 0]) + data


@pytest.mark.parametrize("kind", KINDS)
def test_peer_authenticates(pki, kind):
    chain = [der(pki.certs[kind]), der(pki.im)]
    for remote, body, shown in [
            ("%any", idb(ID_FQDN, f"{kind}.example.org".encode()), f"{kind}.example.org"),
            (f"{kind.upper()}.example.org", idb(ID_FQDN, f"{kind}.example.org".encode()),
             f"{kind}.example.org"),
            (f"{kind}@example.org", idb(ID_RFC822, f"{kind}@example.org".encode()),
             f"{kind}@example.org"),
            ("192.0.2.7", idb(ID_IPV4, bytes([192, 0, 2, 7])), "192.0.2.7"),
            ("2001:db8::7", idb(ID_IPV6, ipaddress.ip_address("2001:db8::7").packed),
             "2001:db8::7"),
            (f"C=CH, O=xdpsec test, CN={kind}",
             idb(ID_DN, name(kind).public_bytes()), f"C=CH, O=xdpsec test, CN={kind}")]:
        assert peer_check(pki, kind, remote, body, chain) == f"ok {shown}"


def test_peer_refusals(pki):
    fq = idb(ID_FQDN, b"p256.example.org")
    good = [der(pki.certs["p256"]), der(pki.im)]
    cases = [
        ("other.example.org", fq, good, "is not the configured"),
        ("%any", idb(ID_FQDN, b"p384.example.org"), good, "ID mismatch"),
        ("%any", idb(ID_IPV4, bytes([192, 0, 2, 8])), good, "ID mismatch"),
        ("%any", idb(ID_DN, name("p384").public_bytes()), good, "ID mismatch"),
        ("%any", fq, [der(pki.certs["p256"])], "issuer unknown"),
        ("%any", fq, [], "no certificate"),
        ("%any", idb(ID_DN, name("expired").public_bytes()),
         [der(pki.expired), der(pki.im)], "expired"),
        ("%any", idb(ID_DN, name("future").public_bytes()),
         [der(pki.future), der(pki.im)], "not yet valid"),
        ("%any", idb(ID_DN, name("foreign").public_bytes()),
         [der(pki.foreign), der(pki.other)], "issuer unknown"),
        ("%any", idb(ID_DN, name("broken").public_bytes()),
         [pki.broken, der(pki.im)], "bad signature"),
        ("%any", idb(ID_DN, name("no-sign").public_bytes()),
         [der(pki.no_sign), der(pki.im)], "keyUsage"),
        ("%any", fq, [der(pki.certs["p256"])[:-1], der(pki.im)], "not a DER"),
        ("%any", fq, [der(pki.certs["p256"]) + b"\x00", der(pki.im)], "data after"),
    ]
    for remote, body, certs, want in cases:
        reason = peer_check(pki, "p256", remote, body, certs, ok=False)
        assert want in reason, (want, reason)
    # signed by another key than the certificate's
    reason = peer_check(pki, "p384", "%any", idb(ID_FQDN, b"p384.example.org"),
                        [der(pki.certs["p384"]), der(pki.im)], ok=False,
                        sign_kind="p256")
    assert "does not fit" in reason or "does not verify" in reason
    reason = peer_check(pki, "rsa3072", "%any", idb(ID_FQDN, b"rsa3072.example.org"),
                        [der(pki.certs["rsa3072"]), der(pki.im)], ok=False,
                        sign_kind="rsa2048")
    assert "does not verify" in reason
    # at a time when the certificates were valid / no longer valid
    reason = peer_check(pki, "p256", "%any", fq, good, now=epoch(NOW - 2 * DAY),
                        ok=False)
    assert "not yet valid" in reason
    reason = peer_check(pki, "p256", "%any", fq, good, now=epoch(NOW + 31 * DAY),
                        ok=False)
    assert "expired" in reason
    later = epoch(NOW + 2 * DAY)
    assert peer_check(pki, "p256", "%any", fq, good, now=later).startswith("ok")


def test_intermediate_as_trust_anchor(pki):
    fq = idb(ID_FQDN, b"p256.example.org")
    assert peer_check(pki, "p256", "%any", fq, [der(pki.certs["p256"])],
                      cacerts="im.pem").startswith("ok")
    assert "issuer unknown" in peer_check(pki, "p256", "%any", fq,
                                          [der(pki.certs["p256"]), der(pki.im)],
                                          cacerts="other.pem", ok=False)


# ---- identities -------------------------------------------------------------
def printable_dn(o, cn):
    """The DER of C=CH, O=o, CN=cn, O and CN as PrintableString rather than
    the UTF8String the library picks by default."""
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CH"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, o,
                                         _ASN1Type.PrintableString),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn,
                                         _ASN1Type.PrintableString)]).public_bytes()


@pytest.mark.parametrize("text,typ,data,shown", [
    ("192.0.2.1", ID_IPV4, bytes([192, 0, 2, 1]), "192.0.2.1"),
    ("2001:db8::1", ID_IPV6, ipaddress.ip_address("2001:db8::1").packed, "2001:db8::1"),
    ("gw.example.org", ID_FQDN, b"gw.example.org", "gw.example.org"),
    ("@gw.example.org", ID_FQDN, b"gw.example.org", "gw.example.org"),
    ("@@user@example.org", ID_RFC822, b"user@example.org", "user@example.org"),
    ("user@example.org", ID_RFC822, b"user@example.org", "user@example.org"),
    ("%any", 0, b"", "%any"),
    ("C=CH, O=strongSwan Project, CN=moon.strongswan.org", ID_DN,
     printable_dn("strongSwan Project", "moon.strongswan.org"),
     "C=CH, O=strongSwan Project, CN=moon.strongswan.org"),
    ('C=CH, O="a, b", CN=x', ID_DN,
     printable_dn("a, b", "x"),
     "C=CH, O=a, b, CN=x"),
    ("/C=CH/O=strongSwan Project//CN=moon.strongswan.org,", ID_DN,
     printable_dn("strongSwan Project", "moon.strongswan.org"),
     "C=CH, O=strongSwan Project, CN=moon.strongswan.org"),
    ("E=u@x.org, CN=\u00e9", ID_DN,
     x509.Name([x509.NameAttribute(NameOID.EMAIL_ADDRESS, "u@x.org"),
                x509.NameAttribute(NameOID.COMMON_NAME, "\u00e9")]).public_bytes(),
     "emailAddress=u@x.org, CN=\u00e9"),
])
def test_id_strings(pki, text, typ, data, shown):
    out = tool("id", text)
    t, rest = out.split(" ", 1)
    h, s = rest.split(" ", 1) if typ else ("", rest.strip())
    assert (int(t), bytes.fromhex(h), s) == (typ, data, shown)


@pytest.mark.parametrize("text,want", [
    ("C=CH, X=y", "unknown attribute"), ("C=CH, x, CN=y", "not attribute=value"),
    ('CN="open', "unterminated"), ("CN=", "empty value"),
    ("C=" + "x" * 600, "longer than"), ("@", "ID of 0 bytes"),
])
def test_id_strings_refused(pki, text, want):
    assert want in tool("id", text, ok=False)


def test_id_matching(pki):
    for peer, cfg, want in [
            ("gw.example.org", "%any", 1), ("gw.example.org", "GW.Example.ORG", 1),
            ("gw.example.org", "gw.example.com", 0), ("192.0.2.1", "192.0.2.1", 1),
            ("192.0.2.1", "192.0.2.2", 0), ("192.0.2.1", "gw.example.org", 0),
            ("u@example.org", "U@EXAMPLE.org", 1), ("u@example.org", "@u@example.org", 0),
            ("C=CH, CN=x", "c=ch,cn=X", 1), ("C=CH, CN=x", "C=CH, CN=y", 0),
            ("C=CH, CN=x", "CN=x, C=CH", 0), ("2001:db8::1", "2001:db8:0::1", 1)]:
        assert tool("idmatch", peer, cfg) == str(want), (peer, cfg)


def test_id_in_certificate(pki):
    crt = pki.path("rsa2048.crt")
    for good in ("rsa2048.example.org", "RSA2048.example.org", "rsa2048@example.org",
                 "192.0.2.7", "2001:db8::7", "C=CH, O=xdpsec test, CN=rsa2048",
                 "c=ch, o=XDPSEC  test, cn=RSA2048"):
        assert tool("idcert", crt, good) == "ok", good
    for bad in ("p256.example.org", "rsa2048.example.org.evil", "192.0.2.8",
                "rsa2048@example.com", "C=CH, O=xdpsec test, CN=p256",
                "CN=rsa2048, O=xdpsec test, C=CH"):
        assert "ID mismatch" in tool("idcert", crt, bad, ok=False), bad
    # our own ID: the subject by default (in the certificate's encoding)
    subj = der(pki.certs["rsa2048"])
    out = tool("idlocal", crt, "%any").split(" ", 2)
    assert int(out[0]) == ID_DN and bytes.fromhex(out[1]) == \
        pki.certs["rsa2048"].subject.public_bytes() and subj
    out = tool("idlocal", crt, "c=ch, o=xdpsec test, cn=rsa2048").split(" ", 2)
    assert bytes.fromhex(out[1]) == pki.certs["rsa2048"].subject.public_bytes()
    assert tool("idlocal", crt, "192.0.2.7").startswith("1 c0000207 ")
    assert "ID mismatch" in tool("idlocal", crt, "gw.example.org", ok=False)


# ---- credentials, CERTREQ ----------------------------------------------------
def spki_sha1(cert):
    return hashlib.sha1(cert.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)).digest()


def test_certreq_and_certs_to_send(pki):
    out = tool("certreq", pki.path("root.pem"), pki.path("other.pem"))
    known, hashes_hex = out.split()
    assert known == "11"
    assert bytes.fromhex(hashes_hex) == spki_sha1(pki.root) + spki_sha1(pki.other)
    key, crt, im = pki.path("p256.key"), pki.path("p256.crt"), pki.path("im.pem")
    ee, imd = der(pki.certs["p256"]).hex(), der(pki.im).hex()
    assert tool("tosend", key, spki_sha1(pki.root).hex(), crt, im).split() == [ee, imd]
    assert tool("tosend", key, (spki_sha1(pki.other) + spki_sha1(pki.im)).hex(),
                crt, im).split() == [ee]
    assert tool("tosend", key, "-", crt, im).split() == [ee, imd]
    chain = pki.write("fullchain.pem", pki.certs["p256"].public_bytes(
        serialization.Encoding.PEM) + pki.im.public_bytes(serialization.Encoding.PEM))
    assert tool("tosend", key, "-", chain).split() == [ee, imd]
    # a key before the certificates is skipped; a broken block refuses the file
    with open(key, "rb") as f:
        combined = pki.write("combined.pem", f.read() + open(chain, "rb").read())
    assert tool("tosend", key, "-", combined).split() == [ee, imd]
    pem = open(chain, "rb").read()
    cut = pem.rindex(b"-----END")
    broken = pki.write("broken.pem", pem[:cut - 30] + pem[cut - 20:])
    assert "broken" in tool("tosend", key, "-", broken, ok=False)


def test_hash_notify(pki):
    assert tool("hashes", "0002000300040005000100ff") == f"{62} 0002000300040005"
    assert tool("hashes", "0001") == "2 0002000300040005"
    assert "of 3 bytes" in tool("hashes", "000200", ok=False)
    assert "of 0 bytes" in tool("hashes", "-", ok=False)


def test_credentials_loading(pki):
    p256 = pki.keys["p256"]
    crt = pki.path("p256.crt")
    trad = pki.write_key("p256-trad", p256, fmt=serialization.PrivateFormat.TraditionalOpenSSL)
    derk = pki.write_key("p256-der", p256, enc=serialization.Encoding.DER)
    rsa_trad = pki.write_key("rsa-trad", pki.keys["rsa2048"],
                             fmt=serialization.PrivateFormat.TraditionalOpenSSL)
    crt_der = pki.write("p256.der", der(pki.certs["p256"]))
    for key, cert in [(trad, crt), (derk, crt), (derk, crt_der),
                      (rsa_trad, pki.path("rsa2048.crt")),
                      (pki.path("ed25519.key"), pki.path("ed25519.crt"))]:
        assert tool("load", key, cert) == "ok", key
    enc = pki.write_key("enc", p256, crypt=serialization.BestAvailableEncryption(b"pw"))
    small = pki.write_key("rsa1024", rsa.generate_private_key(65537, 1024))
    x25519 = pki.write_key("x25519", X25519PrivateKey.generate())
    for args, want in [
            ((enc, crt), "no private key"), ((small, crt), "RSA key of 1024 bits"),
            ((x25519, crt), "unsupported key type"),
            ((pki.path("p384.key"), crt), "does not belong"),
            ((pki.path("p256.key"),), "no certificate loaded"),
            ((pki.path("missing.key"), crt), "No such file"),
            ((pki.path("p256.key"), pki.path("p256.key")), "no X.509 certificate")]:
        assert want in tool("load", *args, ok=False), (args, want)
