"""Runs the worker's C tests (cmocka, tests/worker/test_*.c): start errors
and their undoing, the control API while the threads run."""
import glob
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = sorted(os.path.basename(p)[:-2] for p in glob.glob(
    os.path.join(ROOT, "tests", "worker", "test_*.c")))


@pytest.mark.parametrize("test", TESTS)
def test_worker_c(test):
    exe = os.path.join(ROOT, "build", "tests", "worker", test)
    assert os.path.exists(exe), f"{exe} not built (make all)"
    r = subprocess.run([exe], capture_output=True, text=True, timeout=300)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-4000:]
    assert "[  PASSED  ]" in out and "FAILED" not in out, out[-2000:]
