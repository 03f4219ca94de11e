"""``python -m tcplab simulate``: list, run, write files, fail clearly with status 2."""

import pytest

from tcplab.__main__ import main
from tcplab.sim.scenarios import list_scenarios


def test_list_prints_one_name_per_line(capsys):
    assert main(["simulate", "--list"]) == 0
    assert capsys.readouterr().out.split() == list_scenarios()


def test_run_prints_a_ladder_and_writes_files(capsys, tmp_path):
    csv, pcap = tmp_path / "t.csv", tmp_path / "t.pcap"
    assert (
        main(["simulate", "close-lost-ack2", "--seed", "3", "--csv", str(csv), "--pcap", str(pcap)])
        == 0
    )
    out = capsys.readouterr().out
    assert "SYN seq=x" in out and "─✗" in out and "B retransmits FIN" in out
    assert csv.read_text().startswith("id,time,arrive,sender")
    assert pcap.stat().st_size > 24


def test_parameters_pass_through(capsys):
    assert main(["simulate", "close-four-way", "-p", "server_close_after=2.0", "--absolute"]) == 0
    assert "seq=x" not in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["simulate", "no-such"],
        ["simulate"],
        ["simulate", "handshake", "-p", "colour=red"],
        ["simulate", "handshake", "-p", "novalue"],
    ],
)
def test_bad_input_exits_2_with_one_clear_line(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "error:" in err


def test_bad_option_type_is_argparse_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["simulate", "handshake", "--seed", "abc"])
    assert exc.value.code == 2
