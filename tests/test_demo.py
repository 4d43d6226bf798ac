"""scripts/demo.sh (`make demo`) end to end: it must succeed, show the ping
replies and ESP on the WAN link, never print key material, and leave nothing
behind (namespaces, links, daemon files) under its prefix."""
import os
import re
import subprocess

from netns import leftovers, unique_prefix

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO = os.path.join(ROOT, "scripts", "demo.sh")


def run_demo(prefix):
    return subprocess.run([DEMO, "--prefix", prefix], capture_output=True, text=True,
                          timeout=180)


def test_demo_pings_through_the_tunnel_and_cleans_up():
    prefix = unique_prefix()
    r = run_demo(prefix)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    replies = re.findall(r"^64 bytes from 10\.2\.0\.2: icmp_seq=\d+ ttl=62", r.stdout, re.M)
    assert len(replies) == 4, out
    assert "4 packets transmitted, 4 received" in r.stdout
    esp = re.findall(r"IP 192\.0\.2\.(\d) > 192\.0\.2\.(\d): ESP\(spi=0x0000(\d{4}),seq=0x[0-9a-f]+\)",
                     r.stdout)
    assert ("1", "2", "1001") in esp and ("2", "1", "2001") in esp, out
    assert re.search(r'"spi":4097,"state":2,"dir":1,"mode":1,"proto":50,"enc":20,'
                     r'"src":"192\.0\.2\.1","dst":"192\.0\.2\.2","seq":[1-9]', r.stdout), out
    assert "OK: lanA reached lanB through the xdpsec tunnel" in r.stdout
    # 36 key bytes are 72 hex digits; nothing of even 32 hex digits is printed
    assert not re.search(r"[0-9a-fA-F]{32}", out), out
    assert leftovers(prefix) == []
    assert not [f for f in os.listdir("/run/xdpsec") if f.startswith(prefix)]
    assert not [f for f in os.listdir("/tmp") if f.startswith("xdpsec-demo-" + prefix)]


def test_demo_refuses_a_bad_prefix_and_leaves_nothing():
    r = run_demo("9bad")
    assert r.returncode != 0
    assert "prefix '9bad'" in r.stderr
    assert leftovers("9bad") == []
    assert not [f for f in os.listdir("/tmp") if f.startswith("xdpsec-demo-9bad")]
