"""The runner, the result views and the CLI of packet scripts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dpkt
import pytest

from tcplab.script import (
    kernel_available,
    parse,
    run_both,
    run_script,
    side_by_side,
    side_by_side_html,
)
from tcplab.script.result import RunResult

HANDSHAKE = """\
// passive open
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    bind(3, ..., ...) = 0
+0    listen(3, 1) = 0
+0    < S 0:0(0) win 65535 <mss 1460>
+0    > S. 0:0(0) ack {ack} <mss 1460>
+.1   < . 1:1(0) ack 1 win 65535
+0    accept(3, ..., ...) = 4
"""


def test_a_correct_script_passes_and_records_the_packets() -> None:
    r = run_script(parse(HANDSHAKE.format(ack=1), "hs"), "model")
    assert r.passed, r.report()
    assert [p.direction for p in r.packets] == ["in", "out", "in"]
    assert [p.segment.kind for p in r.packets] == ["SYN", "SYN-ACK", "ACK"]
    assert r.summary() == "model: pass (7 lines)"


def test_a_wrong_expectation_names_the_line_expected_and_got() -> None:
    r = run_script(parse(HANDSHAKE.format(ack=0), "hs"), "model")
    assert not r.passed
    f = r.first_failure
    assert f is not None and f.lineno == 6
    assert f.expected == "S. 0:0(0) ack 0 <mss 1460>"
    assert "ack 1" in f.got and "(ack 1)" in f.got
    assert [x.status for x in r.lines[-2:]] == ["not run", "not run"]
    assert "line 6: expected S. 0:0(0) ack 0" in r.summary()


def test_silence_is_checked_an_unexpected_segment_fails() -> None:
    # An in-window RST draws a challenge ACK; a script that expects silence must fail.
    text = HANDSHAKE.format(ack=1) + "+.1 < R 5:5(0) win 0\n+.1 %state = ESTABLISHED\n"
    r = run_script(parse(text), "model")
    f = r.first_failure
    assert f is not None and f.lineno == 10
    assert f.got.startswith("unexpected . 1:1(0) ack 1")


def test_a_segment_too_late_is_nothing_sent() -> None:
    text = HANDSHAKE.format(ack=1).replace("+0    > S.", "+0.5  > S.")
    r = run_script(parse(text), "model")
    f = r.first_failure
    assert f is not None and f.lineno == 6 and "sent early" in f.got


def test_known_difference_is_reported_not_failed() -> None:
    r = run_script(Path("rst_syn_sent_bad_ack.pkt"), "model")
    assert r.passed, r.report()
    known = [x for x in r.lines if x.status == "known"]
    assert len(known) == 1 and "tcp_rcv_synsent_state_process" in known[0].note
    assert known[0].expected == "S 0:0(0) <mss 1460>" and known[0].got.startswith("nothing sent")
    assert "1 known difference" in r.summary()


def test_result_survives_json_and_draws_ladder_and_pcap(tmp_path: Path) -> None:
    r = run_script(Path("close_fourway_active.pkt"), "model")
    back = RunResult.from_dict(r.to_dict())
    assert back.lines == r.lines and [p.segment for p in back.packets] == [
        p.segment for p in r.packets
    ]
    fig = r.ladder()
    assert fig.axes and "close_fourway_active" in fig.get_suptitle()
    text = r.ladder_text()
    assert "FIN" in text and "SYN" in text
    n = r.write_pcap(tmp_path / "run.pcap")
    with open(tmp_path / "run.pcap", "rb") as f:
        frames = list(dpkt.pcap.Reader(f))
    assert n == len(frames) == len(r.packets)
    tcp = dpkt.ethernet.Ethernet(frames[0][1]).data.data
    assert tcp.flags & dpkt.tcp.TH_SYN


def test_side_by_side_marks_the_first_divergence() -> None:
    good = run_script(parse(HANDSHAKE.format(ack=1), "hs"), "model")
    bad = run_script(parse(HANDSHAKE.format(ack=0), "hs"), "model")
    bad.target = "other"
    table = side_by_side([good, bad])
    marked = [ln for ln in table.splitlines() if ln.startswith(">>")]
    assert len(marked) == 1 and marked[0].startswith(">>    6  ") and "FAIL" in marked[0]
    html = side_by_side_html([good, bad])
    assert "outline:3px solid" in html and "expected S. 0:0(0) ack 0" in html


def test_deliberate_error_diverges_on_both_targets() -> None:
    results = run_both(parse(HANDSHAKE.format(ack=0), "hs"))
    kernel = results[1]
    if kernel.error:
        pytest.skip(f"kernel target unavailable: {kernel.error}")
    for r in results:
        f = r.first_failure
        assert f is not None and f.lineno == 6, r.report()
        assert "(ack 1)" in f.got


def test_unknown_target_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="target = 'router': expected"):
        run_script(parse(HANDSHAKE.format(ack=1)), "router")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tcplab", "script", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_exit_codes(tmp_path: Path) -> None:
    ok = _cli("handshake_refused.pkt", "--target", "model")
    assert ok.returncode == 0, ok.stderr
    assert "model: pass" in ok.stdout
    wrong = tmp_path / "wrong.pkt"
    wrong.write_text(HANDSHAKE.format(ack=0))
    mism = _cli(str(wrong), "--target", "model")
    assert mism.returncode == 1 and "line 6: expected" in mism.stdout
    bad = tmp_path / "bad.pkt"
    bad.write_text("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 > S 0:0 ack 1\n")
    parse_err = _cli(str(bad))
    assert parse_err.returncode == 2
    assert "line 2, column 12: expected '(' in 'start:end(len)'" in parse_err.stderr
    assert "Traceback" not in parse_err.stderr
    missing = _cli(str(tmp_path / "nope.pkt"))
    assert missing.returncode == 2 and "not found" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_cli_both_targets_and_pcap(tmp_path: Path) -> None:
    if kernel_available():
        pytest.skip(f"kernel target unavailable: {kernel_available()}")
    res = _cli("handshake_passive.pkt", "--pcap", str(tmp_path / "hs"))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "model: pass" in res.stdout and "kernel: pass" in res.stdout
    assert (tmp_path / "hs-model.pcap").stat().st_size > 24
    assert (tmp_path / "hs-kernel.pcap").stat().st_size > 24


def test_editor_widget_runs_shows_verdicts_and_parse_errors() -> None:
    from tcplab.script.widget import script_editor

    text = HANDSHAKE.format(ack=0)
    ed = script_editor(text, target="model", ladders=False)
    assert [r.summary()[:14] for r in ed.results] == ["model: line 6:"]
    assert "outline:3px solid" in ed.result.value
    ed.text.value = text.replace("ack 0 <mss", "ack 1 <mss")
    ed.button.click()
    assert ed.results[0].passed
    ed.text.value = "0 > Q\n"
    assert ed.run() == [] and "line 1, column 5" in ed.result.value


def test_unavailable_kernel_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    from tcplab.script import cli, kernel

    monkeypatch.setattr(kernel, "unavailable_reason", lambda: "no user namespaces (test)")
    args = argparse.Namespace(
        file="handshake_passive.pkt", target="kernel", pcap=None, ladder=False, quiet=True
    )
    assert cli.run(args) == 2
    err = capsys.readouterr().err
    assert err == "kernel target unavailable: no user namespaces (test)\n"
    # run_both still runs the model and says why the kernel did not run
    model, kern = run_both(Path("handshake_passive.pkt"))
    assert model.passed and kern.error == "no user namespaces (test)"
    assert "not run" in side_by_side([model, kern])
