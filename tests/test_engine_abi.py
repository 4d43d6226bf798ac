"""The ctypes mirror in tests/lib/xsengine.py matches the C layout."""
import ctypes
import os
import re

import pytest
import xsengine as xe


@pytest.mark.parametrize("name,cls", [("xs_sa_cfg", xe.SaCfg), ("xs_pkt", xe.Pkt),
                                      ("xs_rx_info", xe.RxInfo), ("xs_sa_stats", xe.SaStats)])
def test_struct_sizes_match(name, cls):
    assert xe.lib().xs_test_sizeof(name.encode()) == ctypes.sizeof(cls)


def test_drop_names_match_library():
    for num, name in xe.DROP_NAMES.items():
        assert xe.lib().xs_drop_name(num).decode() == name
    assert xe.lib().xs_drop_name(10_000).decode() == "unknown"


def test_sa_flag_constants_match_sa_h():
    with open(os.path.join(xe.ROOT, "engine", "sa.h")) as f:
        body = re.search(r"enum xs_sa_flags \{(.*?)\};", f.read(), re.S).group(1)
    flags = {m.group(1): 1 << int(m.group(2))
             for m in re.finditer(r"XS_SA_(\w+)\s*=\s*1\s*<<\s*(\d+)", body)}
    assert flags == {"ESN": xe.F_ESN, "UDP_ENCAP": xe.F_UDP_ENCAP, "DF_SET": xe.F_DF_SET,
                     "DF_CLEAR": xe.F_DF_CLEAR, "NO_ECN": xe.F_NO_ECN,
                     "BENCH_NO_CRYPTO": xe.F_BENCH_NO_CRYPTO}
