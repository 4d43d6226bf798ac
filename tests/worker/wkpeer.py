"""Packet helper for tests/test_worker_smoke.py, run inside a namespace
with `ip netns exec`. One action per run; prints "ready" once listening,
then its result as hex.

  sniff IFACE ESP|UDP:PORT|ICMP TIMEOUT [COUNT]   matching IP packets (hex, one a line)
  recv-udp ADDR PORT TIMEOUT           payload of the first datagram (hex)
  send-esp IFACE DSTMAC SEQ KEYHEX INNER_SRC INNER_DST DPORT PAYLOADHEX [FRAGSIZE]
      (with FRAGSIZE: the outer ESP packet fragmented, last fragment first;
       with dup:FRAGSIZE the first fragment is sent twice, an overlap;
       KEYHEX "nocrypto": benchmark-only ESP, plaintext payload, zero IV and ICV)
  send-udp DST PORT PAYLOADHEX [DF(1)|0] [TTL]
"""
import socket
import sys

from scapy.all import (Ether, IP, IPv6, UDP, ESP, Raw, AsyncSniffer, sendp, raw,
                       conf, fragment)
from scapy.layers.ipsec import SecurityAssociation

conf.verb = 0
GW, PEER = "192.0.2.1", "192.0.2.2"


def sniff(iface, what, timeout, count="1"):
    def match(p):
        if IP not in p and IPv6 not in p:
            return False
        if what in ("ESP", "ICMP"):
            return IP in p and p[IP].proto == (50 if what == "ESP" else 1)
        port = int(what.split(":")[1])
        return UDP in p and p[UDP].dport == port

    def l3(p):
        return raw(p[IP] if IP in p else p[IPv6])

    s = AsyncSniffer(iface=iface, lfilter=match, count=int(count), timeout=float(timeout),
                     started_callback=lambda: print("ready", flush=True))
    s.start()
    s.join()
    got = s.results or []
    for p in got:
        print(l3(p).hex(), flush=True)
    print("end", flush=True)


def recv_udp(addr, port, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    s.settimeout(float(timeout))
    print("ready", flush=True)
    try:
        data, _ = s.recvfrom(4096)
        print(data.hex(), flush=True)
    except socket.timeout:
        print("none", flush=True)


def plaintext_esp(seq, inner):
    """XS_SA_BENCH_NO_CRYPTO's wire format: IV 8 and ICV 16 zero bytes."""
    body = raw(inner)
    pad = (4 - (len(body) + 2) % 4) % 4
    nh = 41 if IPv6 in inner else 4
    data = bytes(8) + body + bytes(range(1, pad + 1)) + bytes([pad, nh]) + bytes(16)
    return IP(src=PEER, dst=GW) / ESP(spi=0x1001, seq=int(seq), data=data)


def send_esp(iface, dstmac, seq, keyhex, isrc, idst, dport, payload, fragsize=None):
    l3 = IPv6(src=isrc, dst=idst, hlim=64) if ":" in idst else IP(src=isrc, dst=idst, ttl=64)
    inner = l3 / UDP(sport=4321, dport=int(dport)) / Raw(bytes.fromhex(payload))
    if keyhex == "nocrypto":
        outer = plaintext_esp(seq, inner.__class__(raw(inner)))
    else:
        sa = SecurityAssociation(ESP, spi=0x1001, crypt_algo="AES-GCM",
                                 crypt_key=bytes.fromhex(keyhex),
                                 tunnel_header=IP(src=PEER, dst=GW))
        sa.seq_num = int(seq)
        outer = sa.encrypt(inner.__class__(raw(inner)))
    if fragsize:
        frags = fragment(IP(raw(outer)), fragsize=int(fragsize.split(":")[-1]))
        if fragsize.startswith("dup:"):
            frags = [frags[0], frags[0]] + frags[1:]
        else:
            frags.reverse()
        sendp([Ether(dst=dstmac) / f for f in frags], iface=iface)
    else:
        sendp(Ether(dst=dstmac) / outer, iface=iface)
    print("sent", flush=True)


def send_udp(dst, port, payload, df="1", ttl=None):
    s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET, socket.SOCK_DGRAM)
    if df == "0":
        s.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER = IP_PMTUDISC_DONT
    if ttl:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, int(ttl))
    s.sendto(bytes.fromhex(payload), (dst, int(port)))
    print("sent", flush=True)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"sniff": sniff, "recv-udp": recv_udp, "send-esp": send_esp,
     "send-udp": send_udp}[cmd](*args)
