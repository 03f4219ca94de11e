"""Port exhaustion arithmetic (tcplab.ports) and the live TIME-WAIT knobs reader."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tcplab.live.timewait import timewait_sysctls
from tcplab.ports import parse_port_range, port_budget, port_count, ports_in_time_wait
from tcplab.timers import LINUX, RFC


def test_a_client_with_the_usual_linux_range_and_linux_time_wait():
    budget = port_budget((32768, 60999), LINUX.time_wait)
    assert budget.ports == 28232  # both ends count
    assert budget.max_rate == pytest.approx(28232 / 60)
    assert budget.sustains(470) and not budget.sustains(471)


def test_rfc_time_wait_cuts_the_rate_by_four():
    linux = port_budget((32768, 60999), LINUX.time_wait)
    rfc = port_budget((32768, 60999), RFC.time_wait)
    assert rfc.max_rate == pytest.approx(linux.max_rate / 4)


def test_row_reports_occupancy_at_a_given_rate():
    row = port_budget((1000, 1999), 60).row(rate=10)
    assert row["ports"] == 1000
    assert row["ports in TIME-WAIT at 10/s"] == 600
    assert row["10/s sustainable?"] is True
    assert "ports in TIME-WAIT at 10/s" not in port_budget((1000, 1999), 60).row()


@given(
    lo=st.integers(1, 65535),
    span=st.integers(0, 65534),
    tw=st.floats(0.001, 1e4),
)
def test_the_max_rate_is_exactly_where_the_ports_run_out(lo, span, tw):
    hi = min(65535, lo + span)
    b = port_budget((lo, hi), tw)
    assert ports_in_time_wait(b.max_rate, tw) == pytest.approx(b.ports)
    assert b.sustains(b.max_rate * 0.999)
    assert not b.sustains(b.max_rate * 1.001)


@pytest.mark.parametrize(
    "text, expected",
    [("32768\t60999\n", (32768, 60999)), ("1024 65535", (1024, 65535))],
)
def test_parse_port_range(text, expected):
    assert parse_port_range(text) == expected


@pytest.mark.parametrize("text", ["", "32768", "a b", "60999 32768", "0 10", "1 70000"])
def test_parse_port_range_rejects_bad_text(text):
    with pytest.raises(ValueError, match="port range|port number|lo ≤ hi"):
        parse_port_range(text)


@pytest.mark.parametrize(
    "call",
    [
        lambda: port_count(10, 5),
        lambda: port_count(0, 5),
        lambda: port_budget((1, 2), 0),
        lambda: port_budget((1, 2), float("inf")),
        lambda: port_budget(5, 60),  # type: ignore[arg-type]
        lambda: ports_in_time_wait(-1, 60),
        lambda: ports_in_time_wait(True, 60),
    ],
)
def test_bad_input_raises_value_error_naming_it(call):
    with pytest.raises(ValueError):
        call()


def test_timewait_sysctls_reads_a_fake_proc(tmp_path: Path):
    ipv4 = tmp_path / "net" / "ipv4"
    ipv4.mkdir(parents=True)
    (ipv4 / "ip_local_port_range").write_text("40000\t49999\n")
    (ipv4 / "tcp_tw_reuse").write_text("2\n")
    (ipv4 / "tcp_rfc1337").write_text("garbage\n")  # unreadable knobs are left out
    got = timewait_sysctls(tmp_path)
    assert got == {"ip_local_port_range": (40000, 49999), "tcp_tw_reuse": 2}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux /proc/sys")
def test_timewait_sysctls_on_this_machine():
    got = timewait_sysctls()
    if "ip_local_port_range" not in got:
        pytest.skip("/proc/sys/net/ipv4 not readable here")
    lo, hi = got["ip_local_port_range"]
    assert port_count(lo, hi) > 0
    assert got.get("tcp_tw_reuse", 0) in (0, 1, 2)
