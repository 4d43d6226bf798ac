"""Runs every libFuzzer harness (tests/fuzz/fuzz_*.c, built into build/fuzz/)
for a bounded time on its committed corpus, and checks that the committed
seeds of fuzz_esp_in are all accepted by the engine (so the fuzzer starts
past the ICV). Time per fuzzer: XDPSEC_FUZZ_SECONDS (default 30). Nothing is
written into the repository: new units and crash files go to a temp dir.
"""
import glob
import os
import re
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build", "fuzz")
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")
FUZZERS = sorted(os.path.basename(p)[:-2] for p in glob.glob(
    os.path.join(ROOT, "tests", "fuzz", "fuzz_*.c")))
SECONDS = int(os.environ.get("XDPSEC_FUZZ_SECONDS", "30"))


def run_fuzzer(name, args, tmp_path, env=None, timeout=None):
    exe = os.path.join(BUILD, name)
    assert os.path.exists(exe), f"{exe} not built (make {os.path.relpath(exe, ROOT)})"
    r = subprocess.run([exe, "-print_final_stats=1", "-timeout=10", "-rss_limit_mb=2048",
                        f"-artifact_prefix={tmp_path}/"] + args,
                       cwd=tmp_path, capture_output=True, text=True,
                       env=dict(os.environ, **(env or {})),
                       timeout=timeout or SECONDS + 300)
    m = re.search(r"stat::number_of_executed_units:\s*(\d+)", r.stderr)
    return r, int(m.group(1)) if m else 0


def test_fuzzers_found():
    assert "fuzz_esp_in" in FUZZERS


@pytest.mark.parametrize("name", FUZZERS)
def test_fuzz(name, tmp_path):
    work = tmp_path / "corpus"
    work.mkdir()
    dirs = [str(work)]
    if os.path.isdir(os.path.join(CORPUS, name)):
        dirs.append(os.path.join(CORPUS, name))
    r, units = run_fuzzer(name, [f"-max_total_time={SECONDS}"] + dirs, tmp_path)
    assert r.returncode == 0, r.stderr[-6000:]
    assert units > 0, r.stderr[-2000:]


def test_esp_in_seeds_are_accepted(tmp_path):
    seeds = os.path.join(CORPUS, "fuzz_esp_in")
    files = os.listdir(seeds)
    assert 0 < len(files) < 100
    assert sum(os.path.getsize(os.path.join(seeds, f)) for f in files) < 200 * 1024
    r, units = run_fuzzer("fuzz_esp_in", ["-runs=0", seeds], tmp_path,
                          env={"XDPSEC_FUZZ_MUST_ACCEPT": "1"}, timeout=300)
    assert r.returncode == 0, r.stderr[-4000:]
    assert units >= len(files), r.stderr[-2000:]


def test_esp_in_must_accept_catches_a_bad_seed(tmp_path):
    """The acceptance check above can fail: one flipped ciphertext bit traps."""
    seed = os.path.join(CORPUS, "fuzz_esp_in", "esp-aes-gcm-tunnel-v4-0-rx")
    data = bytearray(open(seed, "rb").read())
    data[-20] ^= 1
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "seed").write_bytes(bytes(data))
    r, _ = run_fuzzer("fuzz_esp_in", ["-runs=0", str(bad)], tmp_path,
                      env={"XDPSEC_FUZZ_MUST_ACCEPT": "1"}, timeout=300)
    assert r.returncode != 0
    assert "dropped a seed: icv-fail" in r.stderr
