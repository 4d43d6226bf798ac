"""Runs the C unit tests (cmocka), plain and under ASan+UBSan."""
import glob
import os
import subprocess

import pytest

BUILD = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "build")
UNITS = sorted(os.path.basename(p)[:-2] for p in glob.glob(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "unit", "test_*.c")))


@pytest.mark.parametrize("variant", ["plain", "asan"])
@pytest.mark.parametrize("unit", UNITS)
def test_c_unit(unit, variant):
    exe = os.path.join(BUILD, "asan/tests" if variant == "asan" else "tests", unit)
    assert os.path.exists(exe), f"{exe} not built (make all unit-asan)"
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=1",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    r = subprocess.run([exe], capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    # cmocka prints its summary ("[  PASSED  ] n test(s).") on stderr
    assert "[  PASSED  ]" in r.stderr, r.stdout[-2000:] + r.stderr[-2000:]
