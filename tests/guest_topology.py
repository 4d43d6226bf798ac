"""The topology the guest tests share: lanH - gwH - brH (bridge) - tap - the
guest, each family's addresses from an ADDR-like table (lan, gwlan, gw,
guest, inner, lan_net, plen, host), the guest's inner address on its lo."""
import subprocess


def build_guest_topology(prefix, lan, gw, br, guest, addr, inner_route):
    """Create namespaces lan, gw, br (Netns), boot guest (guest.Guest, whose
    tap goes on br's bridge) and address and route all of it. inner_route(a):
    what gw routes to the guest's inner side for the family whose addresses
    are a."""
    p = prefix
    for n in (lan, gw, br):
        subprocess.run(["ip", "netns", "add", n.name], check=True)
        n.run("sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 "
              "net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0")
    gw.run("sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1")
    gw.run(f"ip link add {p}gl type veth peer name {p}l netns {lan.name}")
    gw.run(f"ip link add {p}gw type veth peer name {p}bw netns {br.name}")
    guest.start()
    br.run(f"ip link add br0 type bridge && ip link set br0 up && "
           f"ip link set {p}bw master br0 up && ip link set {guest.taps[0]} master br0 up")
    lan.run(f"ethtool -K {p}l tso off gso off >/dev/null && ip link set {p}l up")
    gw.run(f"ip link set {p}gl up && ip link set {p}gw up")
    guest.run("sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.eth0.accept_dad=0")
    for fam, a in addr.items():
        v = "-6" if fam == "IP6" else "-4"
        lan.run(f"ip addr add {a['lan']}/{a['plen']} dev {p}l && "
                f"ip {v} route add default via {a['gwlan']}")
        gw.run(f"ip addr add {a['gwlan']}/{a['plen']} dev {p}gl && "
               f"ip addr add {a['gw']}/{a['plen']} dev {p}gw && "
               f"ip {v} route add {inner_route(a)} via {a['guest']}")
        guest.run(f"ip addr add {a['guest']}/{a['plen']} dev eth0 && "
                  f"ip addr add {a['inner']}/{a['host']} dev lo")
    guest.up("eth0")
    for fam, a in addr.items():
        v = "-6" if fam == "IP6" else "-4"
        guest.run(f"ip {v} route add {a['lan_net']} via {a['gw']} src {a['inner']}")


def remove_guest_topology(lan, gw, br, guest):
    """Undo build_guest_topology(): the guest shut down, the namespaces gone."""
    try:
        guest.close()
    finally:
        for n in (lan, gw, br):
            subprocess.run(["ip", "netns", "del", n.name], check=False)
