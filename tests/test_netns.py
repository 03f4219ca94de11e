"""tcplab.live.netns: private namespaces, created and always deleted."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tcplab.live.netns import namespaces, netns_available, userns_command

pytestmark = pytest.mark.live


def _names() -> set[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False)
    return {line.split()[0] for line in out.stdout.splitlines() if line.strip()}


@pytest.fixture(scope="module")
def can() -> None:
    ok, why = netns_available()
    if not ok:
        pytest.skip(why)
    if os.geteuid() != 0:
        pytest.skip("these checks look at the host's namespace list, which needs root")


def test_namespaces_exist_inside_and_are_deleted_after(can: None) -> None:
    with namespaces("A", "B", prefix="tcplab-test") as ns:
        names = {n.name for n in ns.values()}
        assert names <= _names()
        assert ns["A"].name != ns["B"].name
    assert not names & _names()


def test_namespaces_are_deleted_after_an_error(can: None) -> None:
    with pytest.raises(RuntimeError, match="boom"), namespaces("A", prefix="tcplab-test") as ns:
        name = ns["A"].name
        raise RuntimeError("boom")
    assert name not in _names()


def test_a_sysctl_changes_only_its_namespace(can: None) -> None:
    knob = Path("/proc/sys/net/ipv4/tcp_syn_retries")
    host = knob.read_text().strip()
    other = "2" if host != "2" else "3"
    with namespaces("A", prefix="tcplab-test") as ns:
        ns["A"].sysctl("net.ipv4.tcp_syn_retries", other)
        assert ns["A"].read_sysctl("net.ipv4.tcp_syn_retries") == other
        assert knob.read_text().strip() == host


def test_no_roles_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="at least one role"), namespaces():
        pass


def test_userns_command_runs_argv_as_root_of_its_own_namespaces() -> None:
    cmd = userns_command(["python3", "-c", "pass"])
    assert cmd[0] == "unshare"
    assert {"--user", "--map-root-user", "--net", "--mount"} <= set(cmd)
    assert cmd[-3:] == ["python3", "-c", "pass"]
