"""The engine's Python cross-check suites again, with the engine built with
AddressSanitizer + UndefinedBehaviorSanitizer (build/asan/libxdpsec-engine.so).
The C unit tests run under the sanitizers in test_unit.py; this covers the
ESP/AH paths that the scapy, tshark and negative suites drive."""
import glob
import os
import subprocess
import sys

TESTS = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(os.path.dirname(TESTS), "build")
SUITES = ["test_esp_scapy.py", "test_esp_negative.py", "test_esp_kat.py",
          "test_esp_tshark.py", "test_ah_scapy.py", "test_ah_negative.py"]


def asan_runtime():
    r = subprocess.run(["clang-16", "-print-file-name=libclang_rt.asan-x86_64.so"],
                       capture_output=True, text=True, check=True)
    path = r.stdout.strip()
    assert os.path.isabs(path) and os.path.exists(path), path
    return path


def test_engine_suites_under_asan_ubsan(tmp_path):
    lib = os.path.join(BUILD, "asan", "libxdpsec-engine.so")
    assert os.path.exists(lib), f"{lib} not built (make unit-asan)"
    log = tmp_path / "asan"
    env = dict(os.environ, LD_PRELOAD=asan_runtime(), XDPSEC_ENGINE_SO=lib,
               # CPython itself is not leak-clean; leaks in the engine are
               # caught by the C unit tests, which run with detect_leaks=1.
               ASAN_OPTIONS=f"detect_leaks=0:abort_on_error=1:log_path={log}",
               UBSAN_OPTIONS=f"print_stacktrace=1:halt_on_error=1:log_path={log}")
    r = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                        *[os.path.join(TESTS, s) for s in SUITES]],
                       capture_output=True, text=True, env=env, timeout=1200, cwd=tmp_path)
    reports = "".join(open(f).read() for f in glob.glob(f"{log}*"))
    assert not reports, reports[-6000:]
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert " passed" in r.stdout and " failed" not in r.stdout, r.stdout[-2000:]
