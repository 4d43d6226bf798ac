#!/usr/bin/python3
"""Prepares the kernel-ESP test guest in build/guest/ (or the directory given).

    tests/guest/prepare.py [OUTDIR]

Downloads Debian's stock kernel (the linux-image-*-amd64 package that
linux-image-amd64 depends on) with `apt-get download` (running `apt-get update`
once when apt knows no candidate or cannot fetch it), unpacks it with `dpkg -x` into a scratch
directory (never into /boot), and keeps:

    vmlinux             the kernel, uncompressed: QEMU boots its ELF through the
                        PVH entry, which saves the seconds TCG needs to unpack
                        the xz bzImage
    initramfs.cpio.gz   busybox-static, tests/guest/init and the modules below
    release             the kernel release (uname -r)
    deb/                the downloaded package, so a rebuild needs no network

The initramfs holds the closure of MODULES under the `depends=` lines of the
modules' own .modinfo sections (what depmod writes into modules.dep; the
package ships no modules.dep), in load order. A stamp over this file, the
init script, the package name and busybox makes a second run a no-op
(~50 ms). Concurrent runs are serialized by a lock in OUTDIR.
"""
import fcntl
import glob
import gzip
import hashlib
import lzma
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUSYBOX = "/bin/busybox"
META = "linux-image-amd64"

# What the guest loads; their dependencies are added. Crypto templates and
# algorithms are looked up by name at SA creation (no modprobe in the guest),
# so every one an SA may name is listed.
MODULES = """
virtio virtio_ring virtio_pci virtio_net virtio_console virtio-rng
9pnet 9pnet_virtio 9p overlay
xfrm_user xfrm_algo xfrm_interface esp4 esp6 ah4 ah6
gcm ghash-generic ghash-clmulni-intel ctr seqiv echainiv authenc authencesn
chacha20poly1305 chacha_generic chacha-x86_64 poly1305_generic poly1305-x86_64
aesni-intel sha512_generic cryptd crypto_simd drbg
veth bridge tun sch_ingress cls_bpf act_bpf
""".split()


def norm(name):
    return name.replace("-", "_")


def log(msg):
    print(f"guest-prepare: {msg}", file=sys.stderr, flush=True)


def apt_update(why):
    log(f"{why}: apt-get update")
    subprocess.run(["apt-get", "update", "-q"], check=True, stdout=subprocess.DEVNULL)


def kernel_package():
    """The concrete linux-image-X-amd64 package linux-image-amd64 depends on,
    or None."""
    r = subprocess.run(["apt-cache", "depends", "--important", META],
                       capture_output=True, text=True)
    deps = [ln.split(":", 1)[1].strip() for ln in r.stdout.splitlines()
            if ln.strip().startswith("Depends:")]
    image = [d for d in deps if d.startswith("linux-image-") and d.endswith("-amd64")]
    return image[0] if r.returncode == 0 and image else None


def download(pkg, debdir):
    """The .deb of pkg in debdir, fetched unless it is there; None if apt
    could not fetch it (stale package lists)."""
    os.makedirs(debdir, exist_ok=True)
    have = glob.glob(os.path.join(debdir, f"{pkg}_*.deb"))
    if have:
        return have[0]
    log(f"apt-get download {pkg}")
    # as root apt cannot drop to _apt in a root-only directory: let it
    if _has_user("_apt"):
        shutil.chown(debdir, user="_apt")
    r = subprocess.run(["apt-get", "download", "-q", pkg], cwd=debdir,
                       stdout=subprocess.DEVNULL)
    have = glob.glob(os.path.join(debdir, f"{pkg}_*.deb"))
    return have[0] if r.returncode == 0 and have else None


def fetch_kernel(out):
    """(package, .deb): what a previous run used while its .deb is there,
    else the current one from apt, updating apt's lists once if they know
    no kernel or name one the mirror no longer has."""
    cached = _cached_package(out)
    if cached:
        return cached, download(cached, os.path.join(out, "deb"))
    for attempt in range(2):
        pkg = kernel_package()
        deb = pkg and download(pkg, os.path.join(out, "deb"))
        if deb:
            return pkg, deb
        if attempt == 0:
            apt_update(f"no {META} package" if not pkg else f"cannot fetch {pkg}")
    raise SystemExit(f"guest-prepare: cannot fetch the package {META} depends on")


def _has_user(name):
    import pwd
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def modinfo_depends(path):
    """The module names in the depends= entry of an ELF64 .ko's .modinfo."""
    with open(path, "rb") as f:
        elf = f.read()
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x3a)

    def section(i):
        name, _, _, _, off, size = struct.unpack_from("<IIQQQQ", elf, shoff + i * shentsize)
        return name, off, size

    _, stroff, _ = section(shstrndx)
    for i in range(shnum):
        name, off, size = section(i)
        if elf[stroff + name:elf.index(b"\0", stroff + name)] == b".modinfo":
            for entry in elf[off:off + size].split(b"\0"):
                if entry.startswith(b"depends="):
                    return [norm(d) for d in entry[8:].decode().split(",") if d]
            return []
    raise ValueError(f"{path}: no .modinfo")


def module_closure(moddir, roots):
    """Paths of roots and their dependencies, each after what it needs."""
    files = {norm(os.path.basename(p)[:-3]): p
             for p in glob.glob(os.path.join(moddir, "kernel", "**", "*.ko"), recursive=True)}
    order, seen = [], set()

    def visit(name):
        if name in seen:
            return
        seen.add(name)
        if name not in files:
            raise SystemExit(f"guest-prepare: module {name} not in the package")
        for dep in modinfo_depends(files[name]):
            visit(dep)
        order.append(files[name])

    for r in roots:
        visit(norm(r))
    return order


def extract_vmlinux(bzimage, path):
    """The ELF kernel inside an xz-compressed bzImage."""
    with open(bzimage, "rb") as f:
        data = f.read()
    start = data.find(b"\xfd7zXZ\0")
    if start < 0:
        raise SystemExit(f"guest-prepare: {bzimage} is not xz-compressed")
    elf = lzma.LZMADecompressor().decompress(data[start:])
    if not elf.startswith(b"\x7fELF"):
        raise SystemExit(f"guest-prepare: {bzimage} holds no ELF kernel")
    with open(path + ".tmp", "wb") as f:
        f.write(elf)
    os.replace(path + ".tmp", path)


def cpio_newc(entries):
    """A newc cpio archive of (name, mode, data) entries."""
    out = bytearray()
    for ino, (name, mode, data) in enumerate(entries + [("TRAILER!!!", 0, b"")], 1):
        nb = name.encode() + b"\0"
        fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nb), 0)
        out += b"070701" + b"".join(b"%08X" % v for v in fields) + nb
        out += b"\0" * (-len(out) % 4) + data
        out += b"\0" * (-len(out) % 4)
    return bytes(out)


def build_initramfs(mods, path):
    with open(BUSYBOX, "rb") as f:
        busybox = f.read()
    with open(os.path.join(HERE, "init"), "rb") as f:
        init = f.read()
    entries = [(d, 0o40755, b"") for d in ("bin", "dev", "proc", "sys", "lib",
                                            "lib/modules", "host", "rw", "newroot")]
    entries += [("bin/busybox", 0o100755, busybox), ("bin/sh", 0o120777, b"busybox"),
                ("bin/poweroff", 0o120777, b"busybox"),
                ("init", 0o100755, init)]
    names = []
    for m in mods:
        with open(m, "rb") as f:
            entries.append(("lib/modules/" + os.path.basename(m), 0o100644, f.read()))
        names.append(os.path.basename(m))
    entries.append(("lib/modules/order", 0o100644, ("\n".join(names) + "\n").encode()))
    tmp = path + ".tmp"
    with gzip.open(tmp, "wb", compresslevel=1) as f:
        f.write(cpio_newc(entries))
    os.replace(tmp, path)


def stamp_of(pkg):
    h = hashlib.sha256(pkg.encode())
    for p in (os.path.abspath(__file__), os.path.join(HERE, "init"), BUSYBOX):
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def prepare(out):
    os.makedirs(out, exist_ok=True)
    stamp_path = os.path.join(out, "stamp")
    with open(os.path.join(out, "lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        pkg, deb = fetch_kernel(out)
        stamp = stamp_of(pkg)
        if _read(stamp_path) == stamp and all(os.path.exists(os.path.join(out, f)) for f in
                                              ("vmlinux", "initramfs.cpio.gz", "release")):
            return
        scratch = tempfile.mkdtemp(prefix="unpack-", dir=out)
        try:
            log(f"unpacking {os.path.basename(deb)}")
            subprocess.run(["dpkg", "-x", deb, scratch], check=True)
            release = os.listdir(os.path.join(scratch, "lib", "modules"))[0]
            extract_vmlinux(os.path.join(scratch, "boot", f"vmlinuz-{release}"),
                            os.path.join(out, "vmlinux"))
            mods = module_closure(os.path.join(scratch, "lib", "modules", release), MODULES)
            build_initramfs(mods, os.path.join(out, "initramfs.cpio.gz"))
            with open(os.path.join(out, "release"), "w") as f:
                f.write(release + "\n")
            with open(os.path.join(out, "package"), "w") as f:
                f.write(pkg + "\n")
            log(f"kernel {release}, {len(mods)} modules")
        finally:
            shutil.rmtree(scratch)
        with open(stamp_path, "w") as f:
            f.write(stamp)


def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except FileNotFoundError:
        return None


def _cached_package(out):
    """The package a previous run used, while its .deb is still there (no apt
    lookup, so a prepared tree works offline)."""
    pkg = _read(os.path.join(out, "package"))
    if pkg and glob.glob(os.path.join(out, "deb", f"{pkg}_*.deb")):
        return pkg
    return None


if __name__ == "__main__":
    prepare(os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                            os.path.join(ROOT, "build", "guest")))
