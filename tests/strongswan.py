"""strongSwan's charon (5.9.8, kernel-libipsec) as a peer in a test namespace.

    with Charon(ns, tmp_path / "moon") as c:      # started, stopped, cleaned
        c.load(swanctl_conf(...))                  # swanctl.conf + --load-all
        c.swanctl("--initiate", "--child", "net")
        sas = c.list_sas()                         # parsed --list-sas

Each instance has its own directory: strongswan.conf (plugins in the order
kernel-libipsec needs, ../shared/notes/platform.md), swanctl/ (conf, x509,
x509ca, private), run/ (bind-mounted over /run in charon's private mount
namespace, for its hard-coded pid file and the VICI socket) and charon.log.
Readiness is polled on the VICI socket; stop() sends SIGTERM, then SIGKILL,
and is safe to call twice. Pki makes a CA and host certificates with the
python3-cryptography for certificate authentication (RSA, ECDSA P-256 and
P-384, Ed25519; expired ones too); signature_authentication() turns
charon's RFC 7427 support on and off (strongswan.conf, --reload-settings).

kernel-libipsec quirks a test must live with: ESP always in UDP 4500,
tunnel mode only, no ESN, a 1400-byte MTU on its TUN device ipsec0.
"""
import datetime
import os
import re
import signal
import subprocess
import textwrap

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from netns import wait_for

CHARON = "/usr/lib/ipsec/charon"
PLUGINS = ("random nonce openssl aes sha1 sha2 hmac gcm kdf curve25519 chapoly pem pkcs1 "
           "pkcs8 x509 pubkey revocation constraints kernel-libipsec kernel-netlink "
           "socket-default vici")

STRONGSWAN_CONF = """charon {{
  load_modular = no
  load = {plugins}
  install_routes = yes
  routing_table = 220
  routing_table_prio = 220
  retransmit_tries = {tries}
  signature_authentication = {sigauth}
  retransmit_timeout = 1.0
  retransmit_base = 1.4
  plugins {{
    vici {{
      socket = unix://{d}/run/charon.vici
    }}
  }}
  filelog {{
    log {{
      path = {d}/charon.log
      time_format = %H:%M:%S
      flush_line = yes
      default = 1
      ike = 2
      cfg = 2
      knl = 1
    }}
  }}
}}
"""


class Charon:
    """One charon in namespace ns (a netns.Netns), files under workdir."""

    def __init__(self, ns, workdir, retransmit_tries=2):
        self.ns = ns
        self.d = str(workdir)
        self.proc = None
        self.tries = retransmit_tries
        for sub in ("run", "swanctl/x509", "swanctl/x509ca", "swanctl/private"):
            os.makedirs(os.path.join(self.d, sub), exist_ok=True)
        self._write_conf("yes")
        self.env = dict(os.environ, STRONGSWAN_CONF=os.path.join(self.d, "strongswan.conf"),
                        SWANCTL_DIR=os.path.join(self.d, "swanctl"))
        self.uri = f"unix://{self.d}/run/charon.vici"

    def _write_conf(self, sigauth):
        with open(os.path.join(self.d, "strongswan.conf"), "w") as f:
            f.write(STRONGSWAN_CONF.format(d=self.d, plugins=PLUGINS, tries=self.tries,
                                           sigauth=sigauth))

    def signature_authentication(self, on):
        """RFC 7427 for the IKE SAs charon makes from now on: with it off
        charon sends no SIGNATURE_HASH_ALGORITHMS and signs with the
        classic methods (RSA 1, ECDSA 9-11)."""
        self._write_conf("yes" if on else "no")
        self.swanctl("--reload-settings")

    def start(self, timeout=20):
        self.proc = self.ns.popen(
            ["sh", "-c", f"mount --bind {self.d}/run /run && exec {CHARON}"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: self.proc.poll() is not None or
                 self.swanctl("--stats", check=False).returncode == 0,
                 timeout=timeout, interval=0.1, what="charon's VICI socket")
        assert self.proc.poll() is None, "charon exited:\n" + self.log()
        return self

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def log(self):
        path = os.path.join(self.d, "charon.log")
        return open(path).read() if os.path.exists(path) else ""

    def swanctl(self, *args, check=True, timeout=30):
        r = self.ns.run(["swanctl", *args, "--uri", self.uri], env=self.env, check=False,
                        timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"swanctl {' '.join(args)}: {r.stdout}{r.stderr}\n"
                                 f"--- charon.log ---\n{self.log()[-4000:]}")
        return r

    def load(self, conf):
        """Writes swanctl.conf and loads it (and the credentials under swanctl/)."""
        with open(os.path.join(self.d, "swanctl", "swanctl.conf"), "w") as f:
            f.write(conf)
        os.chmod(os.path.join(self.d, "swanctl", "swanctl.conf"), 0o600)
        self.swanctl("--load-all", "--clear")

    def initiate(self, child, ike=None, timeout=15, check=True):
        args = ["--initiate", "--child", child, "--timeout", str(timeout)]
        if ike:
            args += ["--ike", ike]
        return self.swanctl(*args, check=check, timeout=timeout + 10)

    def terminate(self, ike, timeout=10):
        return self.swanctl("--terminate", "--ike", ike, "--timeout", str(timeout),
                            timeout=timeout + 10)

    def list_sas(self):
        return parse_list_sas(self.swanctl("--list-sas").stdout)

    def install_pki(self, pki, host):
        """Copies the CA, host's certificate and key where swanctl loads them."""
        for src, sub in ((pki.ca_cert, "x509ca"), (pki.cert(host), "x509"),
                         (pki.key(host), "private")):
            with open(src, "rb") as fi, open(os.path.join(self.d, "swanctl", sub,
                                                         os.path.basename(src)), "wb") as fo:
                fo.write(fi.read())


IKE_RE = re.compile(r"^(\S+): #(\d+), (\w+), IKEv2, (\w+)_i\*? (\w+)_r")
CHILD_RE = re.compile(r"^  (\S+): #(\d+), reqid (\d+), (\w+), ([\w-]+), (\w+):(\S+)")
SPI_RE = re.compile(r"^    (in|out)\s+([0-9a-f]{8})")
TS_RE = re.compile(r"^    (local|remote)\s+(.+)$")


def parse_list_sas(text):
    """swanctl --list-sas text -> [{name, id, state, spi_i, spi_r, proposal,
    children: [{name, id, reqid, state, mode, proto, alg, spi_in, spi_out,
    local, remote}]}]"""
    sas = []
    for line in text.splitlines():
        m = IKE_RE.match(line)
        if m:
            sas.append(dict(name=m[1], id=int(m[2]), state=m[3], spi_i=m[4], spi_r=m[5],
                            children=[]))
            continue
        if not sas:
            continue
        m = CHILD_RE.match(line)
        if m:
            sas[-1]["children"].append(dict(name=m[1], id=int(m[2]), reqid=int(m[3]),
                                            state=m[4], mode=m[5], proto=m[6], alg=m[7]))
            continue
        if line.startswith("  ") and not line.startswith("   ") and "/" in line and \
                "@" not in line and not sas[-1]["children"] and "proposal" not in sas[-1]:
            sas[-1]["proposal"] = line.strip()
        kids = sas[-1]["children"]
        m = SPI_RE.match(line)
        if m and kids:
            kids[-1]["spi_" + m[1]] = m[2]
        m = TS_RE.match(line)
        if m and kids:
            kids[-1][m[1]] = [s.strip() for s in m[2].split(",")]
    return sas


def swanctl_conf(name, local, remote, proposals, esp_proposals, local_ts, remote_ts,
                 local_id, remote_id, auth="psk", secret=None, mode="tunnel",
                 start_action="none", extra_children="", child="net", remote_ca=None,
                 local_cert=None, local_key=None, conn_extra="", child_extra=""):
    """One connection (and its PSK) in swanctl.conf syntax: the same text
    xdpsec's own configuration file takes in its connections section."""
    local_auth = f"auth = {auth}\n      id = {local_id}"
    if local_cert:
        local_auth += f"\n      certs = {local_cert}"
    if local_key:   # xdpsec's key: charon finds keys in swanctl/private
        local_auth += f"\n      key = {local_key}"
    remote_auth = f"auth = {auth}\n      id = {remote_id}"
    if remote_ca:
        remote_auth += f"\n      cacerts = {remote_ca}"
    conf = textwrap.dedent(f"""\
    connections {{
      {name} {{
        local_addrs = {local}
        remote_addrs = {remote}
        version = 2
        proposals = {proposals}
        {conn_extra}
        local {{
          {local_auth}
        }}
        remote {{
          {remote_auth}
        }}
        children {{
          {child} {{
            local_ts = {local_ts}
            remote_ts = {remote_ts}
            esp_proposals = {esp_proposals}
            mode = {mode}
            start_action = {start_action}
            {child_extra}
          }}
          {extra_children}
        }}
      }}
    }}
    """)
    if secret is not None:
        conf += textwrap.dedent(f"""\
        secrets {{
          ike-{name} {{
            id-1 = {local_id}
            id-2 = {remote_id}
            secret = "{secret}"
          }}
        }}
        """)
    return conf


class Pki:
    """A CA and host certificates made with python3-cryptography, files
    under workdir: ca.pem, HOST.pem, HOST.key (PKCS#8, what both charon's
    pkcs8 plugin and OpenSSL read). Key kinds: rsa (2048), p256, p384,
    ed25519; the CA's is kind, each host's its own."""

    def __init__(self, workdir, kind="p256", name="Test CA"):
        self.d = str(workdir)
        os.makedirs(self.d, exist_ok=True)
        self.ca_cert = os.path.join(self.d, "ca.pem")
        self.ca_key = new_key(kind)
        self.ca_name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CH"),
                                  x509.NameAttribute(NameOID.ORGANIZATION_NAME, "xdpsec test"),
                                  x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.datetime.now(datetime.timezone.utc)
        b = (x509.CertificateBuilder().subject_name(self.ca_name).issuer_name(self.ca_name)
             .public_key(self.ca_key.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(now - datetime.timedelta(days=1))
             .not_valid_after(now + datetime.timedelta(days=30))
             .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
             .add_extension(x509.KeyUsage(False, False, False, False, False, True, True,
                                          False, False), critical=True)
             .add_extension(x509.SubjectKeyIdentifier.from_public_key(
                 self.ca_key.public_key()), critical=False))
        self._write(self.ca_cert, b.sign(self.ca_key, _digest(self.ca_key)))

    @staticmethod
    def _write(path, cert):
        with open(path, "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))

    def cert(self, host):
        return os.path.join(self.d, host + ".pem")

    def key(self, host):
        return os.path.join(self.d, host + ".key")

    def issue(self, host, san, kind="p256", expired=False):
        """A certificate for CN=host with a dNSName subjectAltName san (e.g.
        "moon.example"), valid for 30 days from yesterday, or expired
        yesterday; returns its subject DN in strongSwan's form."""
        key = new_key(kind)
        now = datetime.datetime.now(datetime.timezone.utc)
        start = now - datetime.timedelta(days=31 if expired else 1)
        subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CH"),
                             x509.NameAttribute(NameOID.ORGANIZATION_NAME, "xdpsec test"),
                             x509.NameAttribute(NameOID.COMMON_NAME, host)])
        b = (x509.CertificateBuilder().subject_name(subject).issuer_name(self.ca_name)
             .public_key(key.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=30))
             .add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
             .add_extension(x509.KeyUsage(True, False, False, False, False, False, False,
                                          False, False), critical=True)
             .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                   ExtendedKeyUsageOID.CLIENT_AUTH]),
                            critical=False)
             .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                 self.ca_key.public_key()), critical=False))
        self._write(self.cert(host), b.sign(self.ca_key, _digest(self.ca_key)))
        with open(self.key(host), "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
        return f"C=CH, O=xdpsec test, CN={host}"


def new_key(kind):
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    return ec.generate_private_key({"p256": ec.SECP256R1(), "p384": ec.SECP384R1()}[kind])


def _digest(key):
    """The hash a CA of this key signs with (Ed25519: none, PureEdDSA)."""
    return None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
