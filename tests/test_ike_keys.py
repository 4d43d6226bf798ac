"""IKEv2 key derivation (ike/keys.c) and MODP key exchange (ike/dh.c),
cross-checked through ctypes on build/libxdpsec-ike.so.

The reference below is an independent implementation of the RFC 7296
formulas (sections 2.13-2.18) written here with Python's hmac/hashlib; it
shares no code with ike/keys.c. The MODP primes are computed from the
RFC 3526 formula (2^n - 2^(n-64) - 1 + 2^64 * (floor(2^(n-130) pi) + k)),
and the exchange is checked against python3-cryptography."""
import ctypes
import hashlib
import hmac
import os

import pytest
from cryptography.hazmat.primitives.asymmetric import dh as pydh

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB = os.path.join(ROOT, "build", "libxdpsec-ike.so")

# IANA ids (RFC 7296 section 3.3.2 and the IKEv2 registry)
PRF_SHA1, PRF_SHA256, PRF_SHA384, PRF_SHA512 = 2, 5, 6, 7
ENCR_AES_CBC, ENCR_AES_GCM_8, ENCR_AES_GCM_16, ENCR_CHACHA = 12, 18, 20, 28
INTEG_NONE, INTEG_SHA1_96, INTEG_SHA256, INTEG_SHA384, INTEG_SHA512 = 0, 2, 12, 13, 14
HASH = {PRF_SHA1: hashlib.sha1, PRF_SHA256: hashlib.sha256,
        PRF_SHA384: hashlib.sha384, PRF_SHA512: hashlib.sha512}


class Buf(ctypes.Structure):
    _fields_ = [("p", ctypes.c_char_p), ("len", ctypes.c_size_t)]


class KeyLens(ctypes.Structure):
    _fields_ = [("encr", ctypes.c_size_t), ("integ", ctypes.c_size_t)]


class SaKeys(ctypes.Structure):
    _fields_ = [("prf", ctypes.c_uint16), ("prf_len", ctypes.c_size_t),
                ("lens", KeyLens)] + [
        (n, ctypes.c_uint8 * s) for n, s in
        [("sk_d", 64), ("sk_ai", 64), ("sk_ar", 64), ("sk_ei", 36),
         ("sk_er", 36), ("sk_pi", 64), ("sk_pr", 64)]]


class ChildKeys(ctypes.Structure):
    _fields_ = [("lens", KeyLens)] + [
        (n, ctypes.c_uint8 * s) for n, s in
        [("encr_i", 36), ("integ_i", 64), ("encr_r", 36), ("integ_r", 64)]]


class SignedOctets(ctypes.Structure):
    _fields_ = [("msg", Buf), ("nonce", Buf), ("id", Buf),
                ("sk_p", ctypes.c_char_p), ("sk_p_len", ctypes.c_size_t)]


@pytest.fixture(scope="module")
def lib():
    assert os.path.exists(LIB), f"{LIB} not built (make)"
    L = ctypes.CDLL(LIB)
    L.ike_prf_plus.argtypes = [ctypes.c_uint16, ctypes.c_char_p, ctypes.c_size_t,
                               ctypes.c_char_p, ctypes.c_size_t,
                               ctypes.c_char_p, ctypes.c_size_t]
    L.ike_skeyseed.restype = ctypes.c_size_t
    L.ike_skeyseed_rekey.restype = ctypes.c_size_t
    L.ike_auth_psk.restype = ctypes.c_size_t
    L.ike_auth_psk.argtypes = [ctypes.c_uint16, ctypes.c_char_p, ctypes.c_size_t,
                               ctypes.POINTER(SignedOctets), ctypes.c_char_p]
    L.ike_auth_psk_verify.argtypes = [ctypes.c_uint16, ctypes.c_char_p,
                                      ctypes.c_size_t, ctypes.POINTER(SignedOctets),
                                      ctypes.c_char_p, ctypes.c_size_t]
    L.ike_key_lens.argtypes = [ctypes.c_uint16, ctypes.c_uint16, ctypes.c_uint16,
                               ctypes.POINTER(KeyLens)]
    L.ike_dh_new.restype = ctypes.c_void_p
    L.ike_dh_new.argtypes = [ctypes.c_uint16]
    L.ike_dh_free.argtypes = [ctypes.c_void_p]
    L.ike_dh_generate.argtypes = [ctypes.c_void_p]
    L.ike_dh_set_private.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    L.ike_dh_public.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    L.ike_dh_derive.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t,
                                ctypes.c_char_p, ctypes.c_size_t]
    return L


def buf(b):
    return Buf(b, len(b))


# ---- the independent reference (RFC 7296) ---------------------------------

def ref_prf(alg, key, data):
    return hmac.new(key, data, HASH[alg]).digest()


def ref_prf_plus(alg, key, seed, n):
    """prf+ (K,S) = T1 | T2 | ..., T1 = prf(K, S | 0x01),
    Tn = prf(K, Tn-1 | S | n) (section 2.13)."""
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = ref_prf(alg, key, t + seed + bytes([i]))
        out += t
        i += 1
    return out[:n]


def ref_sa_keys(alg, ni, nr, gir, spii, spir, encr, integ):
    """Section 2.14: SKEYSEED, then SK_d, SK_ai, SK_ar, SK_ei, SK_er,
    SK_pi, SK_pr in that order."""
    skeyseed = ref_prf(alg, ni + nr, gir)
    plen = HASH[alg]().digest_size
    sizes = [plen, integ, integ, encr, encr, plen, plen]
    km = ref_prf_plus(alg, skeyseed, ni + nr + spii + spir, sum(sizes))
    keys, off = [], 0
    for s in sizes:
        keys.append(km[off:off + s])
        off += s
    return skeyseed, keys


def sa_keys_of(k, lens, plen):
    return [bytes(k.sk_d[:plen]), bytes(k.sk_ai[:lens[1]]), bytes(k.sk_ar[:lens[1]]),
            bytes(k.sk_ei[:lens[0]]), bytes(k.sk_er[:lens[0]]),
            bytes(k.sk_pi[:plen]), bytes(k.sk_pr[:plen])]


def derive_sa(lib, alg, ni, nr, gir, spii, spir, lens):
    seed = ctypes.create_string_buffer(64)
    n = lib.ike_skeyseed(alg, ctypes.byref(buf(ni)), ctypes.byref(buf(nr)),
                         ctypes.byref(buf(gir)), seed)
    assert n == HASH[alg]().digest_size
    keys = SaKeys()
    kl = KeyLens(*lens)
    assert lib.ike_sa_keys_derive(alg, seed, ctypes.c_size_t(n), ctypes.byref(buf(ni)),
                                  ctypes.byref(buf(nr)), spii, spir,
                                  ctypes.byref(kl), ctypes.byref(keys)) == 0
    return seed.raw[:n], keys


# ---- prf+ -----------------------------------------------------------------

@pytest.mark.parametrize("alg", [PRF_SHA1, PRF_SHA256, PRF_SHA384, PRF_SHA512])
def test_prf_plus(lib, alg):
    blk = HASH[alg]().digest_size
    for klen, slen, n in [(0, 0, 1), (16, 40, blk), (32, 80, blk + 1),
                          (200, 1, 3 * blk - 1), (blk, 300, 255 * blk)]:
        key, seed = os.urandom(klen), os.urandom(slen)
        out = ctypes.create_string_buffer(n)
        assert lib.ike_prf_plus(alg, key, klen, seed, slen, out, n) == 0
        assert out.raw == ref_prf_plus(alg, key, seed, n), (klen, slen, n)
    out = ctypes.create_string_buffer(255 * blk + 1)
    assert lib.ike_prf_plus(alg, b"k", 1, b"s", 1, out, 255 * blk + 1) == -1
    assert lib.ike_prf_plus(99, b"k", 1, b"s", 1, out, 16) == -1


# ---- transform key lengths ------------------------------------------------

@pytest.mark.parametrize("encr,bits,integ,want", [
    (ENCR_AES_CBC, 128, INTEG_SHA256, (16, 32)),
    (ENCR_AES_CBC, 256, INTEG_SHA512, (32, 64)),
    (ENCR_AES_CBC, 192, INTEG_SHA1_96, (24, 20)),
    (ENCR_AES_CBC, 256, INTEG_SHA384, (32, 48)),
    (ENCR_AES_GCM_16, 128, INTEG_NONE, (20, 0)),     # RFC 5282: + 4-byte salt
    (ENCR_AES_GCM_16, 256, INTEG_NONE, (36, 0)),
    (ENCR_AES_GCM_8, 192, INTEG_NONE, (28, 0)),
    (ENCR_CHACHA, 0, INTEG_NONE, (36, 0)),           # RFC 7634: 32 + 4
    (ENCR_AES_CBC, 0, INTEG_SHA256, None),           # CBC needs a key length
    (ENCR_AES_CBC, 128, INTEG_NONE, None),           # and a MAC
    (ENCR_AES_GCM_16, 256, INTEG_SHA256, None),      # AEAD takes no MAC
    (ENCR_AES_GCM_16, 100, INTEG_NONE, None),
    (ENCR_CHACHA, 128, INTEG_NONE, None),
    (3, 0, INTEG_SHA256, None),                      # 3DES: not supported
])
def test_key_lens(lib, encr, bits, integ, want):
    kl = KeyLens()
    rc = lib.ike_key_lens(encr, bits, integ, ctypes.byref(kl))
    if want is None:
        assert rc == -1
    else:
        assert rc == 0 and (kl.encr, kl.integ) == want


# ---- SKEYSEED and SK_* ----------------------------------------------------

SA_CASES = [
    (PRF_SHA256, (16, 32), 32, 32, 256),     # aes128-sha256-modp2048
    (PRF_SHA256, (36, 0), 32, 32, 32),       # aes256gcm16-prfsha256-x25519
    (PRF_SHA384, (36, 0), 16, 48, 384),      # chacha20poly1305-prfsha384-modp3072
    (PRF_SHA384, (32, 48), 48, 64, 96),      # aes256-sha384-ecp384
    (PRF_SHA512, (32, 64), 256, 17, 66),     # aes256-sha512-ecp521
    (PRF_SHA512, (20, 0), 64, 256, 512),     # aes128gcm16-prfsha512-modp4096
    (PRF_SHA1, (16, 20), 20, 20, 128),       # legacy aes128-sha1
]


@pytest.mark.parametrize("alg,lens,ni_len,nr_len,gir_len", SA_CASES)
def test_sa_keys(lib, alg, lens, ni_len, nr_len, gir_len):
    ni, nr, gir = os.urandom(ni_len), os.urandom(nr_len), os.urandom(gir_len)
    spii, spir = os.urandom(8), os.urandom(8)
    seed, keys = derive_sa(lib, alg, ni, nr, gir, spii, spir, lens)
    want_seed, want = ref_sa_keys(alg, ni, nr, gir, spii, spir, *lens)
    plen = len(want_seed)
    assert seed == want_seed
    assert keys.prf == alg and keys.prf_len == plen
    assert sa_keys_of(keys, lens, plen) == want
    lib.ike_sa_keys_wipe(ctypes.byref(keys))
    assert bytes(keys.sk_d) == bytes(64) and bytes(keys.sk_pr) == bytes(64)


def test_sa_keys_bad_input(lib):
    ni, nr, gir = os.urandom(32), os.urandom(32), os.urandom(32)
    out = ctypes.create_string_buffer(64)
    short = os.urandom(15)                   # nonces are at least 16 bytes
    assert lib.ike_skeyseed(PRF_SHA256, ctypes.byref(buf(short)), ctypes.byref(buf(nr)),
                            ctypes.byref(buf(gir)), out) == 0
    assert lib.ike_skeyseed(99, ctypes.byref(buf(ni)), ctypes.byref(buf(nr)),
                            ctypes.byref(buf(gir)), out) == 0
    keys = SaKeys()
    for lens in [(0, 32), (37, 0), (16, 65)]:
        assert lib.ike_sa_keys_derive(PRF_SHA256, out, ctypes.c_size_t(32),
                                      ctypes.byref(buf(ni)), ctypes.byref(buf(nr)),
                                      bytes(8), bytes(8), ctypes.byref(KeyLens(*lens)),
                                      ctypes.byref(keys)) == -1


@pytest.mark.parametrize("alg", [PRF_SHA256, PRF_SHA384, PRF_SHA512])
def test_rekey_skeyseed(lib, alg):
    """Section 2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), then
    the new SA's keys with the new SPIs."""
    _, old = derive_sa(lib, alg, os.urandom(32), os.urandom(32), os.urandom(256),
                       os.urandom(8), os.urandom(8), (32, 0))
    sk_d = bytes(old.sk_d[:old.prf_len])
    gir, ni, nr = os.urandom(32), os.urandom(40), os.urandom(24)
    out = ctypes.create_string_buffer(64)
    n = lib.ike_skeyseed_rekey(ctypes.byref(old), ctypes.byref(buf(gir)),
                               ctypes.byref(buf(ni)), ctypes.byref(buf(nr)), out)
    assert out.raw[:n] == ref_prf(alg, sk_d, gir + ni + nr)


# ---- Child SA KEYMAT ------------------------------------------------------

@pytest.mark.parametrize("pfs", [False, True])
@pytest.mark.parametrize("alg,lens", [(PRF_SHA256, (36, 0)), (PRF_SHA256, (16, 32)),
                                      (PRF_SHA384, (32, 48)), (PRF_SHA512, (20, 0)),
                                      (PRF_SHA512, (32, 64))])
def test_child_keymat(lib, alg, lens, pfs):
    """Section 2.17: KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr); keys for
    initiator-to-responder first, encryption before integrity."""
    _, sa = derive_sa(lib, alg, os.urandom(32), os.urandom(32), os.urandom(64),
                      os.urandom(8), os.urandom(8), (16, 32))
    sk_d = bytes(sa.sk_d[:sa.prf_len])
    ni, nr = os.urandom(32), os.urandom(48)
    gir = os.urandom(384) if pfs else b""
    child = ChildKeys()
    assert lib.ike_child_keys_derive(ctypes.byref(sa),
                                     ctypes.byref(buf(gir)) if pfs else None,
                                     ctypes.byref(buf(ni)), ctypes.byref(buf(nr)),
                                     ctypes.byref(KeyLens(*lens)),
                                     ctypes.byref(child)) == 0
    e, a = lens
    km = ref_prf_plus(alg, sk_d, gir + ni + nr, 2 * (e + a))
    assert bytes(child.encr_i[:e]) == km[:e]
    assert bytes(child.integ_i[:a]) == km[e:e + a]
    assert bytes(child.encr_r[:e]) == km[e + a:2 * e + a]
    assert bytes(child.integ_r[:a]) == km[2 * e + a:]
    lib.ike_child_keys_wipe(ctypes.byref(child))
    assert bytes(child.encr_i) == bytes(36)


# ---- AUTH with a shared key -----------------------------------------------

@pytest.mark.parametrize("alg", [PRF_SHA256, PRF_SHA384, PRF_SHA512])
def test_psk_auth(lib, alg):
    """Section 2.15: AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"),
    RealMessage1 | NonceRData | prf(SK_pi, RestOfInitIDPayload))."""
    _, sa = derive_sa(lib, alg, os.urandom(32), os.urandom(32), os.urandom(32),
                      os.urandom(8), os.urandom(8), (36, 0))
    sk_pi = bytes(sa.sk_pi[:sa.prf_len])
    msg = os.urandom(500)
    nonce_r = os.urandom(32)
    id_body = bytes([2, 0, 0, 0]) + b"gw-a.example.net"     # ID_FQDN
    psk = b"correct horse battery staple"
    so = SignedOctets(buf(msg), buf(nonce_r), buf(id_body), sk_pi, len(sk_pi))
    out = ctypes.create_string_buffer(64)
    n = lib.ike_auth_psk(alg, psk, len(psk), ctypes.byref(so), out)
    maced = ref_prf(alg, sk_pi, id_body)
    want = ref_prf(alg, ref_prf(alg, psk, b"Key Pad for IKEv2"), msg + nonce_r + maced)
    assert out.raw[:n] == want
    assert lib.ike_auth_psk_verify(alg, psk, len(psk), ctypes.byref(so), want, len(want)) == 1
    bad = bytes([want[0] ^ 1]) + want[1:]
    assert lib.ike_auth_psk_verify(alg, psk, len(psk), ctypes.byref(so), bad, len(bad)) == 0
    assert lib.ike_auth_psk_verify(alg, psk, len(psk), ctypes.byref(so), want, len(want) - 1) == 0
    assert lib.ike_auth_psk_verify(alg, b"wrong", 5, ctypes.byref(so), want, len(want)) == 0


# ---- MODP against python3-cryptography --------------------------------------

def pi_bits(nbits):
    """floor(pi * 2^nbits), Machin's formula in integers."""
    guard = 64
    one = 1 << (nbits + guard)

    def arctan_inv(x):
        total, term, k, sign = 0, one // x, 1, 1
        while term:
            total += sign * (term // k)
            term //= x * x
            k += 2
            sign = -sign
        return total
    return (4 * (4 * arctan_inv(5) - arctan_inv(239))) >> guard


def rfc3526_prime(bits, k):
    return (1 << bits) - (1 << (bits - 64)) - 1 + (1 << 64) * (pi_bits(bits - 130) + k)


# RFC 3526 sections 3, 4, 5: the additive constants of the 2048/3072/4096-bit primes.
MODP = {14: (2048, 124476), 15: (3072, 1690314), 16: (4096, 240904)}
# RFC 3526 section 3, the 2048-bit prime as printed (checks the formula above).
MODP2048_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
    "3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF")


def test_modp_primes_formula():
    assert rfc3526_prime(2048, 124476) == int(MODP2048_HEX, 16)
    for bits, k in MODP.values():
        p = rfc3526_prime(bits, k)
        assert p.bit_length() == bits and pow(2, p - 1, p) == 1


@pytest.mark.parametrize("group", sorted(MODP))
def test_modp_against_cryptography(lib, group):
    bits, k = MODP[group]
    p = rfc3526_prime(bits, k)
    size = bits // 8
    params = pydh.DHParameterNumbers(p, 2).parameters()
    theirs = params.generate_private_key()
    their_pub = theirs.public_key().public_numbers().y.to_bytes(size, "big")

    ours = lib.ike_dh_new(group)
    assert ours
    try:
        # our exchange with their public value, both ways
        assert lib.ike_dh_generate(ours) == 0
        our_pub = ctypes.create_string_buffer(size)
        assert lib.ike_dh_public(ours, our_pub, size) == 0
        y = int.from_bytes(our_pub.raw, "big")
        assert 1 < y < p - 1
        secret = ctypes.create_string_buffer(size)
        assert lib.ike_dh_derive(ours, their_pub, size, secret, size) == 0
        peer = pydh.DHPublicNumbers(y, params.parameter_numbers()).public_key()
        want = theirs.exchange(peer).rjust(size, b"\0")    # g^ir, padded (2.14)
        assert secret.raw == want

        # their private value in our object gives their public value
        x = theirs.private_numbers().x
        xb = x.to_bytes((x.bit_length() + 7) // 8, "big")
        assert lib.ike_dh_set_private(ours, xb, len(xb)) == 0
        assert lib.ike_dh_public(ours, our_pub, size) == 0
        assert our_pub.raw == their_pub

        # g^ir with leading zero bytes stays full length: with g^r = 2 it
        # is 2^x, and 2^(bits-24) < p has two leading zero bytes
        x = bits - 24
        xb = x.to_bytes(2, "big")
        assert lib.ike_dh_set_private(ours, xb, 2) == 0
        assert lib.ike_dh_derive(ours, (2).to_bytes(size, "big"), size, secret, size) == 0
        assert secret.raw == pow(2, x, p).to_bytes(size, "big")
        assert secret.raw[:2] == b"\0\0"

        # invalid values: 0, 1, p-1, p, and a short value
        for bad in (0, 1, p - 1, p):
            assert lib.ike_dh_derive(ours, bad.to_bytes(size, "big"), size,
                                     secret, size) == -3
        assert lib.ike_dh_derive(ours, their_pub[1:], size - 1, secret, size) == -2
    finally:
        lib.ike_dh_free(ours)
