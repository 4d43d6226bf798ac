"""xdpsec command-line errors, table-driven: every bad argument gives one
line on stderr naming the problem and the right exit code (2: bad command
line, 1: the operation failed, e.g. no daemon). The arguments are checked
in the CLI before it connects, so no daemon runs here; the instance names
are unique and the CLI runs inside a private network namespace.
"""
import os
import subprocess

import pytest

XDPSEC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "xdpsec")
GCM128 = "0x" + "00112233445566778899aabbccddeeff" + "01020304"
SHA256 = "0x" + "ab" * 32
INSTANCE = "c%d" % (os.getpid() % 10**8)


@pytest.fixture(scope="module")
def netns():
    name = "xdlc%d" % os.getpid()
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)


def run(netns, args, instance=INSTANCE):
    cmd = ["ip", "netns", "exec", netns, XDPSEC]
    if instance is not None:
        cmd += ["-i", instance]
    return subprocess.run(cmd + args, capture_output=True, text=True, timeout=30)


def sa(*tail, src="192.0.2.1", dst="192.0.2.2", proto="esp", spi="0x1001"):
    base = ["state", "add"]
    for k, v in (("src", src), ("dst", dst), ("proto", proto), ("spi", spi)):
        if v is not None:
            base += [k, v]
    return base + list(tail)


AEAD = ["aead", "rfc4106(gcm(aes))", GCM128, "128"]
POL = ["policy", "add", "src", "10.1.0.0/24", "dst", "10.2.0.0/24"]

# (id, args, exit code, text the one-line error must contain)
CASES = [
    ("unknown command", ["frobnicate"], 2, "unknown command 'frobnicate'"),
    ("no command", [], 2, "missing command"),
    ("unknown option", ["--bogus", "status"], 2, "unknown option '--bogus'"),
    ("state no sub", ["state"], 2, "want add|delete|get|list|flush"),
    ("state bad sub", ["state", "replace"], 2, "unknown subcommand 'replace'"),
    ("state list extra", ["state", "list", "x"], 2, "unexpected argument 'x'"),
    ("bad hex digit", sa("aead", "rfc4106(gcm(aes))", "0x" + "zz" * 20, "128"), 2,
     "is not a hex digit"),
    ("odd hex", sa("aead", "rfc4106(gcm(aes))", "0x123", "128"), 2, "odd or zero number"),
    ("no 0x", sa("aead", "rfc4106(gcm(aes))", "00" * 20, "128"), 2, "want 0x followed by hex"),
    ("key too long", sa("aead", "rfc4106(gcm(aes))", "0x" + "00" * 40, "128"), 2,
     "longer than 36 bytes"),
    ("gcm key length", sa("aead", "rfc4106(gcm(aes))", "0x" + "00" * 16, "128"), 2,
     "AEAD key length is wrong"),
    ("chacha key length", sa("aead", "rfc7539esp(chacha20,poly1305)", "0x" + "00" * 32, "128"),
     2, "AEAD key length is wrong"),
    ("gmac key length", sa("aead", "rfc4543(gcm(aes))", "0x" + "00" * 17, "128"), 2,
     "AEAD key length is wrong"),
    ("cbc key length", sa("enc", "cbc(aes)", "0x" + "00" * 15, "auth-trunc", "hmac(sha256)",
                          SHA256, "128"), 2, "AES-CBC key must be 16, 24 or 32 bytes"),
    ("hmac key length", sa("enc", "cbc(aes)", "0x" + "00" * 16, "auth-trunc", "hmac(sha256)",
                           "0x" + "00" * 20, "128"), 2, "HMAC key length does not match"),
    ("null with key", sa("enc", "cipher_null", "0x00", "auth", "hmac(sha1)", "0x" + "00" * 20),
     2, "NULL encryption takes no key"),
    ("null without auth", sa("enc", "cipher_null", ""), 2, "needs integrity"),
    ("unknown enc", sa("enc", "cbc(des)", "0x" + "00" * 8), 2, "unknown enc algorithm 'cbc(des)'"),
    ("unknown aead", sa("aead", "ccm(aes)", GCM128, "128"), 2,
     "unknown aead algorithm 'ccm(aes)'"),
    ("auth sha256 96", sa("enc", "cbc(aes)", "0x" + "00" * 16, "auth", "hmac(sha256)", SHA256),
     2, "use auth-trunc 'hmac(sha256)' KEY 128"),
    ("trunc 96 sha256", sa("enc", "cbc(aes)", "0x" + "00" * 16, "auth-trunc", "hmac(sha256)",
                           SHA256, "96"), 2, "does not support a 96-bit ICV"),
    ("gcm icv 100", sa("aead", "rfc4106(gcm(aes))", GCM128, "100"), 2,
     "does not support a 100-bit ICV"),
    ("icv not a number", sa("aead", "rfc4106(gcm(aes))", GCM128, "lots"), 2,
     "bad ICV length 'lots'"),
    ("aead missing icv", sa("aead", "rfc4106(gcm(aes))", GCM128), 2,
     "aead 'rfc4106(gcm(aes))': missing the ICV length after the key"),
    ("trunc missing bits", sa("enc", "cbc(aes)", "0x" + "00" * 16, "auth-trunc", "hmac(sha1)",
                              "0x" + "00" * 20), 2, "missing the ICV length after the key"),
    ("missing spi", sa(*AEAD, spi=None), 2, "missing spi"),
    ("missing src", sa(*AEAD, src=None), 2, "missing src"),
    ("missing dst", sa(*AEAD, dst=None), 2, "missing dst"),
    ("missing proto", sa(*AEAD, proto=None), 2, "missing proto"),
    ("missing algorithm", sa("mode", "tunnel"), 2, "missing an algorithm"),
    ("bad src", sa(*AEAD, src="192.0.2.300"), 2, "bad src address '192.0.2.300'"),
    ("mixed families", sa(*AEAD, dst="2001:db8::1"), 2, "src and dst families differ"),
    ("unknown proto", sa(*AEAD, proto="gre"), 2, "unknown proto 'gre'"),
    ("proto after alg", ["state", "add", "src", "192.0.2.1", "dst", "192.0.2.2"] + AEAD +
     ["proto", "esp", "spi", "0x1001"], 2, "'proto' must come before the algorithms"),
    ("unknown mode", sa(*AEAD, "mode", "beet"), 2, "unknown mode 'beet'"),
    ("reserved spi", sa(*AEAD, spi="0x10"), 2, "SPI values 0-255 are reserved"),
    ("spi too big", sa(*AEAD, spi="0x1ffffffff"), 2, "above 2^32-1"),
    ("spi negative", sa(*AEAD, spi="-5"), 2, "bad spi '-5': not a number"),
    ("spi garbage", sa(*AEAD, spi="12abc"), 2, "bad spi '12abc'"),
    ("replay window", sa(*AEAD, "replay-window", "many"), 2, "bad replay-window 'many'"),
    ("unknown keyword", sa(*AEAD, "bogus", "1"), 2, "unknown keyword 'bogus'"),
    ("stray key", sa("enc", "cbc(aes)", "0x" + "00" * 16, "0x" + "11" * 16), 2,
     "unknown keyword '(hex value)'"),
    ("key as alg name", sa("aead", GCM128, "128"), 2, "unknown aead algorithm '(hex value)'"),
    ("unknown flag", sa(*AEAD, "flag", "wildrecv"), 2, "unknown flag 'wildrecv'"),
    ("encap type", sa(*AEAD, "encap", "espintcp", "4500", "4500", "0.0.0.0"), 2,
     "unknown encap 'espintcp'"),
    ("encap port 0", sa(*AEAD, "encap", "espinudp", "0", "4500", "0.0.0.0"), 2,
     "bad encap ports '0 4500'"),
    ("encap short", sa(*AEAD, "encap", "espinudp", "4500"), 2, "missing value after '4500'"),
    ("encap on ah", sa("auth", "hmac(sha1)", "0x" + "00" * 20, "encap", "espinudp", "4500",
                       "4500", "0.0.0.0", proto="ah"), 2, "UDP encapsulation is for ESP only"),
    ("ah with enc", sa("enc", "cbc(aes)", "0x" + "00" * 16, proto="ah"), 2,
     "AH takes no encryption transform"),
    ("sel host bits", sa(*AEAD, "sel", "src", "10.1.0.1/24"), 2, "host bits set"),
    ("sel prefix 33", sa(*AEAD, "sel", "src", "10.1.0.0/33"), 2, "length must be 0-32"),
    ("sel empty", sa(*AEAD, "sel", "proto", "tcp"), 2, "'sel' wants src PREFIX"),
    ("sel ports without proto", sa(*AEAD, "sel", "src", "10.1.0.0/24", "dport", "80"), 2,
     "sport/dport need proto tcp, udp, sctp or udplite"),
    ("sel ports on icmp", sa(*AEAD, "sel", "src", "10.1.0.0/24", "proto", "icmp", "sport", "8"),
     2, "sport/dport need proto tcp, udp, sctp or udplite"),
    ("sel type on udp", sa(*AEAD, "sel", "src", "10.1.0.0/24", "proto", "udp", "type", "8"), 2,
     "type/code need proto icmp or ipv6-icmp"),
    ("sel code 256", sa(*AEAD, "sel", "src", "10.1.0.0/24", "proto", "icmp", "code", "256"), 2,
     "bad sel code '256': want 0-255"),
    ("sel port range", sa(*AEAD, "sel", "src", "10.1.0.0/24", "proto", "tcp", "sport", "9-8"),
     2, "bad sel sport '9-8'"),
    ("sel proto", sa(*AEAD, "sel", "src", "10.1.0.0/24", "proto", "bogus"), 2,
     "unknown sel proto 'bogus'"),
    ("sel five", sa(*AEAD, *["sel", "src", "10.1.0.0/24"] * 5), 2, "too many 'sel' (at most 4)"),
    ("limit bogus", sa(*AEAD, "limit", "forever", "1"), 2, "'limit' wants"),
    ("limit value", sa(*AEAD, "limit", "time-hard", "soon"), 2, "bad time-hard 'soon'"),
    ("dir sideways", sa(*AEAD, "dir", "sideways"), 2, "unknown dir 'sideways'"),
    ("value missing at end", sa(*AEAD, "reqid"), 2, "missing value after 'reqid'"),
    ("delete missing spi", ["state", "delete", "dst", "192.0.2.2", "proto", "esp"], 2,
     "missing spi"),
    ("delete extra word", ["state", "delete", "dst", "192.0.2.2", "proto", "esp", "spi", "0x1001",
                           "mode", "tunnel"], 2, "unknown keyword 'mode'"),
    ("get bad dst", ["state", "get", "dst", "nowhere", "proto", "esp", "spi", "1"], 2,
     "bad dst address 'nowhere'"),
    ("policy no sub", ["policy"], 2, "want add|delete|list|flush"),
    ("policy bad prefix", ["policy", "add", "src", "10.1.0.0/40", "dst", "10.2.0.0/24",
                           "dir", "out"], 2, "bad src prefix '10.1.0.0/40'"),
    ("policy host bits", ["policy", "add", "src", "10.1.0.1/24", "dst", "10.2.0.0/24",
                          "dir", "out"], 2, "host bits set"),
    ("policy bad addr", ["policy", "add", "src", "10.1.0/24", "dst", "10.2.0.0/24",
                         "dir", "out"], 2, "bad src address '10.1.0'"),
    ("policy v6 prefix 129", ["policy", "add", "src", "2001:db8::/129", "dst", "::/0",
                              "dir", "out"], 2, "length must be 0-128"),
    ("policy families", ["policy", "add", "src", "10.1.0.0/24", "dst", "2001:db8::/32",
                         "dir", "out"], 2, "src and dst families differ"),
    ("port range reversed", POL + ["proto", "tcp", "dport", "100-50", "dir", "out"], 2,
     "bad dport '100-50'"),
    ("port too big", POL + ["proto", "udp", "sport", "70000", "dir", "out"], 2,
     "bad sport '70000'"),
    ("port not a number", POL + ["proto", "udp", "sport", "a-b", "dir", "out"], 2,
     "bad sport 'a'"),
    ("ports without proto", POL + ["dport", "22", "dir", "out"], 2,
     "sport/dport need proto"),
    ("policy unknown proto", POL + ["proto", "smtp", "dir", "out"], 2,
     "unknown proto 'smtp'"),
    ("policy proto 300", POL + ["proto", "300", "dir", "out"], 2, "unknown proto '300'"),
    ("policy missing dir", POL, 2, "missing dir"),
    ("policy missing src", ["policy", "add", "dst", "10.2.0.0/24", "dir", "out"], 2,
     "missing src"),
    ("policy bad dir", POL + ["dir", "up"], 2, "unknown dir 'up'"),
    ("policy bad action", POL + ["dir", "out", "action", "drop"], 2, "unknown action 'drop'"),
    ("policy block tmpl", POL + ["dir", "out", "action", "block", "tmpl", "proto", "esp",
                                 "mode", "transport"], 2, "action block takes no tmpl"),
    ("tmpl missing proto", POL + ["dir", "out", "tmpl", "mode", "transport"], 2,
     "tmpl: missing proto"),
    ("tmpl missing mode", POL + ["dir", "out", "tmpl", "proto", "esp"], 2, "tmpl: missing mode"),
    ("tmpl tunnel no addrs", POL + ["dir", "out", "tmpl", "proto", "esp", "mode", "tunnel"], 2,
     "tunnel mode needs src and dst"),
    ("tmpl unknown word", POL + ["dir", "out", "tmpl", "proto", "esp", "mode", "transport",
                                 "level", "use"], 2, "unknown tmpl keyword 'level'"),
    ("tmpl bad proto", POL + ["dir", "out", "tmpl", "proto", "comp", "mode", "transport"], 2,
     "unknown tmpl proto 'comp'"),
    ("policy priority", POL + ["dir", "out", "priority", "high"], 2, "bad priority 'high'"),
    ("policy delete priority", ["policy", "delete", "src", "10.1.0.0/24", "dst", "10.2.0.0/24",
                                "dir", "out", "priority", "1"], 2, "unknown keyword 'priority'"),
    ("attach nothing", ["attach"], 2, "want --wan IF and/or --lan IF"),
    ("attach bad option", ["attach", "--dmz", "eth0"], 2, "unknown option '--dmz'"),
    ("attach missing if", ["attach", "--wan"], 2, "missing interface after '--wan'"),
    ("detach two", ["detach", "a", "b"], 2, "unexpected argument 'b'"),
    ("status extra", ["status", "now"], 2, "unexpected argument 'now'"),
    ("stats extra", ["stats", "-v"], 2, "unexpected argument '-v'"),
    ("stop extra", ["stop", "now"], 2, "unexpected argument 'now'"),
    ("daemon bad option", ["daemon", "--verbose"], 2, "unknown option '--verbose'"),
    ("daemon -c missing", ["daemon", "-c"], 2, "missing file after '-c'"),
    ("load-conf no file", ["load-conf"], 2, "want exactly one FILE"),
    ("load-conf missing file", ["load-conf", "/nonexistent/x.conf"], 1, "no such file"),
    ("not running status", ["status"], 1,
     "instance %s is not running (start it with: xdpsec -i %s daemon)" % (INSTANCE, INSTANCE)),
    ("not running valid add", sa(*AEAD), 1, "is not running"),
    ("not running stop", ["stop"], 1, "is not running"),
]


@pytest.mark.parametrize("args,code,text", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_cli_error(netns, args, code, text):
    r = run(netns, args)
    assert r.returncode == code, (r.returncode, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("xdpsec: "), r.stderr
    assert text in lines[0], lines[0]
    assert r.stdout == ""
    for a in args:
        if a.startswith("0x") and len(a) > 20:
            assert a[2:] not in r.stderr


BAD_NAMES = ["", "A", "x" * 16, "a.b", "a/b", "../etc", "a b", "ü"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_instance_name(netns, name):
    r = run(netns, ["status"], instance=name)
    assert r.returncode == 2
    assert r.stderr.strip() == "xdpsec: bad instance name '%s' (want 1-15 of a-z 0-9 _ -)" % name


def test_help_lists_every_command(netns):
    r = run(netns, ["help"], instance=None)
    assert r.returncode == 0 and r.stderr == ""
    names = [l.split()[0] for l in r.stdout.splitlines() if l.startswith("  ")]
    assert names == ["help", "daemon", "stop", "attach", "detach", "state", "policy",
                     "status", "stats", "load-conf", "list-conns", "list-sas", "up", "down"]


def test_good_syntax_reaches_the_daemon_check(netns):
    """Valid arguments of every algorithm pass the CLI checks (exit 1: no daemon)."""
    good = [
        sa(*AEAD, "mode", "tunnel", "replay-window", "64", "flag", "esn", "encap", "espinudp",
           "4500", "4500", "0.0.0.0", "sel", "src", "10.1.0.0/24", "dst", "10.2.0.0/24",
           "reqid", "1", "limit", "time-soft", "10", "time-hard", "20", "byte-soft", "1",
           "byte-hard", "2", "packet-soft", "3", "packet-hard", "4", "dir", "out"),
        sa("enc", "cbc(aes)", "0x" + "00" * 32, "auth-trunc", "hmac(sha512)", "0x" + "00" * 64,
           "256"),
        sa("enc", "cipher_null", "", "auth", "hmac(sha1)", "0x" + "00" * 20),
        sa("aead", "rfc7539esp(chacha20,poly1305)", "0x" + "00" * 36, "128"),
        sa("aead", "rfc4543(gcm(aes))", "0x" + "00" * 20, "128"),
        sa("auth-trunc", "hmac(sha384)", "0x" + "00" * 48, "192", proto="ah"),
        sa("aead", "rfc4543(gcm(aes))", "0x" + "00" * 36, "128", proto="ah"),
        sa(*AEAD, src="2001:db8::1", dst="2001:db8::2"),
        POL + ["proto", "tcp", "sport", "1-1024", "dport", "443", "dir", "fwd", "priority", "9",
               "tmpl", "src", "192.0.2.1", "dst", "192.0.2.2", "proto", "esp", "mode", "tunnel",
               "reqid", "4", "spi", "0x1001"],
        ["policy", "delete", "src", "10.1.0.0/24", "dst", "10.2.0.0/24", "dir", "out"],
        ["state", "delete", "dst", "192.0.2.2", "proto", "esp", "spi", "0x1001"],
        ["attach", "--wan", "eth0", "--lan", "eth1"],
    ]
    for args in good:
        r = run(netns, args)
        assert r.returncode == 1 and "is not running" in r.stderr, (args, r.stderr)
