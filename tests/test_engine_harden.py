"""xs_engine_harden(): memory locked, process not dumpable (keys never reach
swap or a core file). Runs in a child process so the test runner itself is
not locked."""
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent("""
    import ctypes, sys
    sys.path.insert(0, %r)
    import xsengine as xe
    libc = ctypes.CDLL(None)
    PR_GET_DUMPABLE = 3
    assert libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1
    def vmlck():
        for line in open("/proc/self/status"):
            if line.startswith("VmLck:"):
                return int(line.split()[1])
    assert vmlck() == 0
    assert xe.lib().xs_engine_harden() == 0
    assert libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0
    before = vmlck()
    assert before > 1000, before
    # MCL_FUTURE: an SA created afterwards is locked too (VmLck grows with heap use)
    sas = [xe.SA(spi=0x1000 + i, dir="out", enc="aes-gcm-16", enc_key=bytes(20)) for i in range(2000)]
    assert vmlck() > before, (before, vmlck())
    print("hardened", before, vmlck())
""")


def test_harden_locks_memory_and_disables_dumps():
    import os
    lib = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib")
    r = subprocess.run([sys.executable, "-c", CHILD % lib], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "hardened" in r.stdout
