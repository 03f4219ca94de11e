"""tcplab.live.sysctls: a preset from this machine's sysctls (read-only)."""

import pytest

from tcplab.live.sysctls import kernel_preset, kernel_release, syn_schedule_line
from tcplab.timers import LINUX, LINUX_PRE_6_5


def _write(root, **values):
    for k, v in values.items():
        (root / k).write_text(f"{v}\n")


def test_kernel_preset_from_a_fake_proc(tmp_path):
    _write(tmp_path, tcp_syn_retries=6, tcp_syn_linear_timeouts=4, tcp_synack_retries=2)
    p = kernel_preset(tmp_path)
    assert p.syn_timeline() == LINUX.syn_timeline()
    assert p.synack_timeline().give_up == 7
    assert "tcp_retries2 (assumed 15)" in p.notes[0]


def test_a_kernel_without_linear_timeouts_uses_the_old_schedule(tmp_path):
    _write(tmp_path, tcp_syn_retries=6)
    p = kernel_preset(tmp_path)
    assert p.syn_timeline() == LINUX_PRE_6_5.syn_timeline()
    line = syn_schedule_line(p, release="6.1.0")
    assert "old" in line and "127 s" in line and "6.1.0" in line


def test_nothing_readable_gives_defaults_with_a_note(tmp_path):
    p = kernel_preset(tmp_path / "missing")
    assert "tcp_syn_retries (assumed 6)" in p.notes[0]


def test_bad_root_is_refused():
    with pytest.raises(TypeError, match="root"):
        kernel_preset(3)  # type: ignore[arg-type]


def test_this_machine(tmp_path):
    # Read-only: reading /proc never changes it. Skipped where /proc has no TCP sysctls.
    from pathlib import Path

    if not Path("/proc/sys/net/ipv4/tcp_syn_retries").exists():
        pytest.skip("no /proc/sys/net/ipv4 here (not Linux)")
    p = kernel_preset()
    want = int(Path("/proc/sys/net/ipv4/tcp_syn_retries").read_text())
    assert p.syn_retries == want
    assert kernel_release() in syn_schedule_line(p)
