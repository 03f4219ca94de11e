"""tcplab.live.netns: private namespaces, created and always deleted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tcplab.live import netns
from tcplab.live.netns import (
    namespaces,
    needs_user_namespace,
    netns_available,
    private_command,
    userns_command,
)

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


@pytest.fixture(scope="module")
def can_child() -> None:
    ok, why = netns_available("TCPLAB_TEST_USERNS", child=True)
    if not ok:
        pytest.skip(why)
    if os.geteuid() != 0:
        pytest.skip("the root path and the forced user-namespace path both need root")


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


def test_an_environment_variable_forces_the_user_namespace_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TCPLAB_NETNS_USERNS", raising=False)
    monkeypatch.setenv("TCPLAB_TEST_USERNS", "1")
    assert needs_user_namespace("TCPLAB_TEST_USERNS")
    assert private_command(["true"], "TCPLAB_TEST_USERNS") == userns_command(["true"])
    if os.geteuid() == 0:
        assert not needs_user_namespace()
        assert private_command(["true"]) == ["unshare", "--net", "true"]


def test_a_child_needs_unshare_even_as_root(monkeypatch: pytest.MonkeyPatch) -> None:
    if os.geteuid() != 0 or not os.path.exists("/dev/net/tun"):
        pytest.skip("the root path needs root and /dev/net/tun")
    monkeypatch.delenv("TCPLAB_NETNS_USERNS", raising=False)
    real = netns.shutil.which
    monkeypatch.setattr(netns.shutil, "which", lambda cmd: None if cmd == "unshare" else real(cmd))
    assert netns_available(child=True) == (False, "the 'unshare' command (util-linux) is missing")


_CHILD = """
from tcplab.live.netns import Netns
here = Netns.current()
here.sysctl("net.ipv4.tcp_syn_retries", 3)
fd = here.tun("tcplabt0", "192.168.77.1/24", route="192.0.2.0/24")
print(here.read_sysctl("net.ipv4.tcp_syn_retries"))
print(here.ip("route", "get", "192.0.2.9").replace("\\n", " "))
print(here.ip("link", "show", "lo").replace("\\n", " "))
"""


@pytest.mark.parametrize("force", ["", "TCPLAB_TEST_USERNS"])
def test_a_private_child_makes_its_tun_and_sysctls_in_its_own_namespace(
    can_child: None, force: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TCPLAB_TEST_USERNS", "1" if force else "0")
    host = Path("/proc/sys/net/ipv4/tcp_syn_retries").read_text().strip()
    cmd = private_command([sys.executable, "-c", _CHILD], "TCPLAB_TEST_USERNS")
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert res.returncode == 0, res.stderr
    retries, route, lo = res.stdout.splitlines()
    assert retries == "3"
    assert "dev tcplabt0" in route and "src 192.168.77.1" in route
    assert "UP" in lo
    assert Path("/proc/sys/net/ipv4/tcp_syn_retries").read_text().strip() == host
    assert "tcplabt0" not in subprocess.run(["ip", "link"], capture_output=True, text=True).stdout
