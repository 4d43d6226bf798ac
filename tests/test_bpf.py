"""Runs the BPF program tests (cmocka, BPF_PROG_TEST_RUN) and checks that
the classification benchmark runs with every verdict as expected."""
import glob
import json
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
TESTS = sorted(os.path.basename(p)[:-2] for p in glob.glob(
    os.path.join(ROOT, "tests", "bpf", "test_*.c")))


@pytest.mark.parametrize("test", TESTS)
def test_bpf(test):
    exe = os.path.join(BUILD, "tests", "bpf", test)
    assert os.path.exists(exe), f"{exe} not built (make all)"
    r = subprocess.run([exe], capture_output=True, text=True, timeout=600)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-4000:]
    assert "[  PASSED  ]" in out and "FAILED" not in out, out[-2000:]


def test_classification_bench_runs(tmp_path):
    exe = os.path.join(BUILD, "xdpsec-bpf-bench")
    out = tmp_path / "classify.json"
    r = subprocess.run([exe, "--repeat", "100", "--json", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    rows = json.loads(out.read_text())["classify"]
    assert [(x["sas"], x["policies"]) for x in rows] == [
        (s, p) for s in (1, 1000, 100000, 1000000) for p in (10, 10000)]
    # a negative figure means a packet got the wrong verdict
    assert all(x["wan_esp_ns"] > 0 and x["lan_protect_ns"] > 0 for x in rows), rows
