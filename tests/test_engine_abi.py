"""The ctypes mirror in tests/lib/xsengine.py matches the C layout."""
import ctypes

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
