"""The command line answers user errors and machine limits with one line, never a traceback.

Each case runs ``python -m tcplab`` as a real subprocess (so exit codes, stderr and signal
handling are the real ones). Exit status 2 = bad input or a lab that cannot run here;
130 = interrupted with Ctrl-C.
"""

import json
import resource
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tcplab.live import live_available, proc_net_tcp

AVAILABLE, REASON = live_available()
live = pytest.mark.skipif(not AVAILABLE, reason=f"live labs unavailable: {REASON}")


def tcplab(*args, preexec=None, cwd=None, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "tcplab", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=preexec,
        cwd=cwd,
    )


def one_line_error(proc, *fragments):
    err = proc.stderr.strip()
    assert "Traceback" not in proc.stderr, proc.stderr
    assert len(err.splitlines()) == 1, err
    for f in fragments:
        assert f in err, err
    return err


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["simulate", "handshake", "-p", "timers=rfc"], ["timers", "--timers"]),
        (["simulate", "handshake", "-p", "seed=3"], ["seed=3", "--seed"]),
        (["simulate", "handshake", "-p", "delay=abc"], ["delay", "'abc'"]),
        (["simulate", "handshake", "-p", "delay=nan"], ["delay", "nan"]),
        (["simulate", "handshake", "-p", "bogus=1"], ["bogus"]),
        (["simulate", "no-such-scenario"], ["'no-such-scenario'"]),
    ],
)
def test_simulate_user_errors_exit_2_with_one_line(args, fragments):
    proc = tcplab(*args)
    assert proc.returncode == 2
    one_line_error(proc, *fragments)


def test_a_trace_too_long_for_pcap_is_refused_and_no_file_is_left(tmp_path):
    out = tmp_path / "x.pcap"
    proc = tcplab("simulate", "handshake", "-p", "delay=1e10", "--pcap", str(out))
    assert proc.returncode == 2
    one_line_error(proc, "cannot write output", "10000000000.0")
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--backlog", "2147483648", "--clients", "2"], "backlog = 2147483648"),
        (["--backlog", "-1", "--clients", "2"], "backlog = -1"),
        (["--backlog", "2", "--clients", "100000"], "clients = 100000"),
        (["--backlog", "2", "--clients", "2", "--settle", "nan"], "settle = nan"),
    ],
)
def test_live_bad_values_exit_2_with_one_line(args, fragment):
    proc = tcplab("live", "accept-queue", *args)
    assert proc.returncode == 2
    one_line_error(proc, fragment)


def _nofile(n):
    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))

    return limit


@live
def test_too_few_file_descriptors_is_said_before_any_socket_is_opened():
    proc = tcplab("live", "accept-queue", "--backlog", "8", "--clients", "100", preexec=_nofile(64))
    assert proc.returncode == 2
    one_line_error(proc, "file-descriptor limit is 64", "ulimit -n")


@live
def test_running_out_of_descriptors_midway_is_one_line():
    # 40 descriptors pass the up-front check for 20 clients only if Python's own use is
    # small; either way the answer must be one line, never EMFILE's traceback.
    proc = tcplab("live", "accept-queue", "--backlog", "8", "--clients", "23", preexec=_nofile(40))
    if proc.returncode == 0:
        assert json.loads(proc.stdout)["match"]
    else:
        assert proc.returncode == 2
        one_line_error(proc, "descriptor")


def _can_unshare():
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True)
    return probe.returncode == 0


@live
@pytest.mark.skipif(not _can_unshare(), reason="needs unshare --net (root or user namespaces)")
def test_exhausted_port_range_is_reported_not_a_disagreement():
    # A private network namespace with a 3-port ephemeral range: most clients get no port.
    script = (
        "ip link set lo up && echo '40000 40002' > /proc/sys/net/ipv4/ip_local_port_range && "
        f"exec {sys.executable} -m tcplab live accept-queue --backlog 8 --clients 6"
    )
    proc = subprocess.run(
        ["unshare", "--net", "sh", "-c", script], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    failed = sum(result["connect_failed"].values())
    assert failed >= 3 and result["connect_failed"].keys() <= {"EADDRNOTAVAIL", "EADDRINUSE"}
    assert result["match"]  # the model is judged on the clients that did connect
    assert "CLOSED" not in result["observed"]["other"]
    one_line_error(proc, "could not connect", "no free local port")


@live
def test_ctrl_c_exits_130_with_one_line_after_cleanup():
    proc = subprocess.Popen(
        [sys.executable, "-m", "tcplab", "live", "close-wait", "--hold", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A background process may inherit SIGINT ignored; restore Python's default.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    # Interrupt inside the 5 s hold: once a CLOSE_WAIT socket shows (imports can be slow).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
        e.number == 0x08 for e in proc_net_tcp() if e.local[0] == "127.0.0.1"
    ):
        time.sleep(0.05)
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert out == ""
    assert "Traceback" not in err and err.strip().endswith("interrupted")
    assert len(err.strip().splitlines()) == 1
