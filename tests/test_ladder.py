"""Ladder diagrams: labels relative to the ISNs, lost segments marked, images render."""

import base64

from tcplab.sim.scenarios import run_scenario
from tcplab.viz.ladder import ladder, ladder_png_data_uri, ladder_rows, ladder_svg, ladder_text


def test_labels_are_relative_to_each_side_iss():
    r = run_scenario("handshake")
    labels = [row.label for row in ladder_rows(r)]
    assert labels == ["SYN seq=x", "SYN+ACK seq=y ack=x+1", "ACK seq=x+1 ack=y+1"]
    absolute = [row.label for row in ladder_rows(r, relative=False)]
    assert absolute[0] == f"SYN seq={r.endpoint('A').iss}"


def test_relative_labels_across_the_wrap():
    r = run_scenario("close-four-way", client_iss=2**32 - 1, server_iss=2**32 - 2)
    labels = [row.label for row in ladder_rows(r)]
    assert labels[2] == "ACK seq=x+1 ack=y+1"
    assert labels[-1] == "ACK seq=x+2 ack=y+2"


def test_a_second_incarnation_gets_primed_symbols():
    r = run_scenario("rebooted-client")
    labels = [row.label for row in ladder_rows(r)]
    assert "SYN seq=x'" in labels and "SYN+ACK seq=y' ack=x'+1" in labels


def test_text_ladder_marks_loss_retransmission_and_errors():
    text = ladder_text(run_scenario("timewait-too-short"))
    assert "─✗" in text  # the lost final ACK
    assert "↻ FIN+ACK" in text  # B's retransmission
    assert "RST seq=x+2" in text
    assert "!! B: connection reset" in text
    assert "TIME-WAIT" in text and "LAST-ACK" in text


def test_figure_svg_and_png_render():
    r = run_scenario("close-lost-ack2")
    fig = ladder(r)
    assert fig.axes and fig.get_figheight() > 2.5
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("ACK seq=x+2 ack=y+2  (lost)" in t for t in texts)
    assert any(t == "TIME-WAIT" for t in texts)
    assert any("TIME-WAIT timer" in t for t in texts)
    svg = ladder_svg(r)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    uri = ladder_png_data_uri(r)
    assert base64.b64decode(uri.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_ladder_of_a_bare_trace_dataframe():
    r = run_scenario("handshake-lost-syn")
    rows = ladder_rows(r.trace)
    assert rows[0].fate == "lost" and rows[0].label == "SYN seq=x"
    assert ladder(r.trace).axes


def test_host_crash_is_drawn_and_labels_at_one_place_stack():
    from tcplab.sim.scenarios import run_scenario
    from tcplab.viz.ladder import ladder

    fig = ladder(run_scenario("keepalive-dead-peer"))
    texts = [t for t in fig.axes[0].texts if t.get_text()]
    assert any(t.get_text().startswith("crash") for t in texts)
    bottom = [t for t in texts if "keepalive" in t.get_text() or "timed out" in t.get_text()]
    ys = [t.get_position()[1] for t in bottom if t.get_position()[0] < 0.5]
    assert len(ys) == len(set(ys))  # no two labels printed on top of each other
