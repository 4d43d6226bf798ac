"""One xdpsec responder (`remote_addrs = %any`, one connection) serving two
xdpsec initiators at once: every peer's traffic must go out in that peer's
own Child SA, to that peer's address.

gw2gw with its WAN link through a bridge (netns.wan_tap) and a third
gateway gwC with its LAN on the same bridge:

    lanA 10.1.0.2 - gwA [responder] 192.0.2.1 ==bridge== 192.0.2.2 gwB - 10.2.0.2 lanB
                                                   \\==== 192.0.2.3 gwC - 10.3.0.2 lanC

The reqid ties a PROTECT policy to its SA (the newest usable outbound SA
of the template's reqid). Before every Child SA of a configured child had
the same reqid, so both peers' outbound policies used the newest outbound
SA, the last peer's: lanA's traffic for lanB went to gwC in gwC's SA.
Checked here: each IKE SA's Child SA has its own reqid, pings from lanA
reach both LANs, and on the wire (the bridge port towards gwA) gwA's ESP
to each peer carries exactly that peer's inbound SPI, as many packets as
that peer's SA decrypted.
"""
import contextlib
import os
import signal
import subprocess
from collections import Counter

from netns import Netns, topology, wait_for, wan_tap
from strongswan import swanctl_conf
from test_ike_interop import Daemon

PSK = "xdpsec reqid secret"
A_ID = "moon.example"
PEERS = {"B": ("sun.example", "192.0.2.2", "10.2.0"),
         "C": ("star.example", "192.0.2.3", "10.3.0")}
PROP, ESP = "aes256gcm16-prfsha384-x25519", "aes256gcm16-esn"
PINGS = 4


def responder_conf():
    """remote_addrs = %any, any identity; one PSK per peer identity."""
    conf = swanctl_conf("gw", "192.0.2.1", "%any", PROP, ESP, "10.1.0.0/24",
                        "10.0.0.0/8", A_ID, "%any")
    conf += "secrets {\n" + "".join(
        f'  ike-{k} {{\n    id-1 = {A_ID}\n    id-2 = {pid}\n    secret = "{PSK}"\n  }}\n'
        for k, (pid, _, _) in PEERS.items()) + "}\n"
    return conf


def initiator_conf(peer):
    pid, wan, lan = PEERS[peer]
    return swanctl_conf("gw", wan, "192.0.2.1", PROP, ESP, f"{lan}.0/24", "10.1.0.0/24",
                        pid, A_ID, secret=PSK)


def veth(ns_a, dev_a, ns_b, dev_b):
    subprocess.run(["ip", "link", "add", dev_a, "netns", ns_a.name, "type", "veth",
                    "peer", "name", dev_b, "netns", ns_b.name], check=True)


def up(ns, dev, addr):
    ns.run(["ip", "addr", "add", addr, "dev", dev])
    ns.run(["ip", "link", "set", dev, "up"])


def wait_up(ns, dev):
    wait_for(lambda: "LOWER_UP" in ns.run(["ip", "link", "show", dev]).stdout,
             what=f"{dev} up")


@contextlib.contextmanager
def third_gateway(t):
    """gwC and lanC: gwC's WAN a port of the bridge, routes both ways."""
    gwc, lanc = Netns(f"{t.prefix}-gwC"), Netns(f"{t.prefix}-lanC")
    made = []
    try:
        for ns in (gwc, lanc):
            subprocess.run(["ip", "netns", "add", ns.name], check=True)
            made.append(ns)
            ns.run(["ip", "link", "set", "lo", "up"])
        gwc.run(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"])
        port, wan_if, lan_if = t.prefix + "wc", t.prefix + "gcw", t.prefix + "gcl"
        veth(gwc, wan_if, t.wan, port)
        t.wan.run(["ip", "link", "set", port, "master", "br0", "up"])
        veth(gwc, lan_if, lanc, t.prefix + "lc")
        up(gwc, wan_if, "192.0.2.3/24")
        up(gwc, lan_if, "10.3.0.1/24")
        up(lanc, t.prefix + "lc", "10.3.0.2/24")
        for ns, dev in ((gwc, wan_if), (gwc, lan_if), (lanc, t.prefix + "lc")):
            wait_up(ns, dev)
        lanc.run(["ip", "route", "add", "default", "via", "10.3.0.1"])
        gwc.run(["ip", "route", "add", "10.1.0.0/24", "via", "192.0.2.1"])
        t.gwA.run(["ip", "route", "add", "10.3.0.0/24", "via", "192.0.2.3"])
        t.nodes.update(gwC=gwc, lanC=lanc)
        t.env.update(GWC_WAN_IF=wan_if, GWC_LAN_IF=lan_if)
        yield t
    finally:
        for ns in made:
            for pid in subprocess.run(["ip", "netns", "pids", ns.name], capture_output=True,
                                      text=True).stdout.split():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
            subprocess.run(["ip", "netns", "del", ns.name], check=False)


def child_by_peer(d):
    return {sa["remote_host"]: sa["child_sas"][0] for sa in d.sas()}


def test_two_peers_of_one_any_connection_keep_their_own_sas(tmp_path):
    with topology("gw2gw") as t, wan_tap(t, "GWA_WAN", "GWB_WAN"), third_gateway(t):
        a = Daemon(t.gwA, "a", tmp_path)
        peers = {"B": Daemon(t.gwB, "b", tmp_path), "C": Daemon(t.gwC, "c", tmp_path)}
        try:
            for d in (a, *peers.values()):
                d.run()
            a.load(responder_conf(), t["GWA_WAN_IF"], t["GWA_LAN_IF"])
            for k, d in peers.items():
                d.load(initiator_conf(k), t[f"GW{k}_WAN_IF"], t[f"GW{k}_LAN_IF"])
            for d in peers.values():
                d.cli("up", "gw")
                wait_for(d.installed, timeout=15, what="the initiator's SAs")
            wait_for(lambda: len(a.installed() or []) == 2, timeout=10,
                     what="both IKE SAs on the responder")
            ours = child_by_peer(a)
            theirs = {k: d.sas()[0]["child_sas"][0] for k, d in peers.items()}
            assert set(ours) == {wan for _, wan, _ in PEERS.values()}, ours
            # one reqid per peer's Child SA, from IKE's range for %any peers
            reqids = {c["reqid"] for c in ours.values()}
            assert len(reqids) == 2 and all(0xF800 <= r <= 0xFFFF for r in reqids), ours
            for k, (_, wan, _) in PEERS.items():
                assert (ours[wan]["spi_out"], ours[wan]["spi_in"]) == (
                    theirs[k]["spi_in"], theirs[k]["spi_out"])
            with t.wan.capture(t["WAN_TAP_IF"], "esp and src host 192.0.2.1") as cap:
                for _, _, lan in PEERS.values():
                    assert t.lanA.ping(f"{lan}.2", count=PINGS), lan
            seen = Counter((p["IP"].dst, p["ESP"].spi) for p in cap.stop())
            want = {(wan, int(ours[wan]["spi_out"], 16)) for _, wan, _ in PEERS.values()}
            assert set(seen) == want and all(n >= PINGS for n in seen.values()), seen
            for k, d in peers.items():
                # every ESP packet to a peer decrypted by that peer's SA
                (ch,) = d.sas()[0]["child_sas"]
                wan = PEERS[k][1]
                assert ch["packets_in"] == seen[(wan, int(ours[wan]["spi_out"], 16))], (k, ch)
            for d in peers.values():
                d.cli("down", "gw")
            wait_for(a.empty, timeout=10, what="the responder without SAs")
        finally:
            for d in (a, *peers.values()):
                d.stop()
