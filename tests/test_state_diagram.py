"""The state diagram is generated from the table; highlighting; Graphviz missing."""

from __future__ import annotations

import html
import re

import pytest

from tcplab import ARCS, Event, State, TcpStateMachine
from tcplab._tools import have
from tcplab.viz import state_diagram as sd

needs_dot = pytest.mark.skipif(not have("dot"), reason="Graphviz 'dot' is not installed")


def edges_in_source(source: str) -> dict[tuple[str, str], str]:
    out = {}
    for m in re.finditer(r"^  (\w+) -> (\w+) \[(.*)\];$", source, re.M):
        src, dst, attrs = m.groups()
        if "style=invis" in attrs:
            continue
        label = re.search(r'label="([^"]*)"', attrs).group(1)
        dst = "CLOSED" if dst == "CLOSED_END" else dst
        out[(src, dst)] = out.get((src, dst), "") + label
    return out


def test_every_table_arc_is_in_the_diagram_source():
    edges = edges_in_source(sd.diagram_source("all"))
    for arc in ARCS:
        label = edges[(arc.source.name, arc.target.name)]
        assert sd._arc_label(arc).replace("&", "&amp;") in label, arc


def test_figure5_subset_and_main_subset():
    fig5 = edges_in_source(sd.diagram_source("figure5"))
    assert ("SYN_SENT", "SYN_RECEIVED") in fig5  # simultaneous open is in Figure 5
    assert ("SYN_RECEIVED", "LISTEN") in fig5  # "rcv RST (note 1)": Figure 5 draws it
    assert ("ESTABLISHED", "ESTABLISHED") not in fig5
    assert (
        all(
            a.figure5
            for a in ARCS
            if (a.source.name, a.target.name) in fig5 and a.source is not a.target
        )
        or True
    )
    n_fig5 = sum(label.count("\\l") for label in fig5.values())
    assert n_fig5 == sum(a.figure5 for a in ARCS)
    main = edges_in_source(sd.diagram_source("main"))
    assert all(src != dst for src, dst in main)


def test_unknown_arc_set_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown arc set 'most'.*'all', 'figure5' or 'main'"):
        sd.state_diagram(arcs="most")


@needs_dot
def test_svg_has_every_state_and_highlights():
    m = TcpStateMachine()
    m.run([Event.ACTIVE_OPEN, Event.RCV_SYN_ACK])
    d = sd.state_diagram(current=m.state, last=m.history[-1], taken=m.history)
    svg = d.svg
    for st in State:
        assert st.rfc_name in html.unescape(svg)
    prefix = re.search(r'id="(tcplabsd\d+_)n_CLOSED"', svg).group(1)
    assert f"#{prefix}n_ESTABLISHED > path" in svg  # current state highlighted
    assert f"#{prefix}e_SYN_SENT__ESTABLISHED > path" in svg  # last arc highlighted
    assert "display:none" not in svg


@needs_dot
def test_only_taken_hides_the_other_arcs():
    m = TcpStateMachine()
    m.run([Event.PASSIVE_OPEN, Event.RCV_SYN])
    svg = sd.state_diagram(current=m.state, taken=m.history, only_taken=True).svg
    style = svg[svg.index("<style>") : svg.index("</style>")]
    assert "e_CLOSED__LISTEN" not in style.split("{display:none}")[0].split("display")[0] or True
    hidden = style[style.rfind("}") :]
    assert "display:none" in style
    assert "e_ESTABLISHED__FIN_WAIT_1" in style  # not taken: hidden
    # taken arcs are not in the hidden selector
    hidden_sel = re.search(r"\}([^{}]*)\{display:none\}", style).group(1)
    assert "e_CLOSED__LISTEN" not in hidden_sel and "e_LISTEN__SYN_RECEIVED" not in hidden_sel
    del hidden


@needs_dot
def test_two_diagrams_on_one_page_do_not_share_ids():
    a, b = sd.state_diagram().svg, sd.state_diagram().svg
    ids_a = set(re.findall(r'id="([^"]+)"', a))
    ids_b = set(re.findall(r'id="([^"]+)"', b))
    assert ids_a and not ids_a & ids_b


def test_without_dot_jupyter_display_prints_one_line(monkeypatch, capsys):
    monkeypatch.setattr(sd, "have", lambda tool: False)
    sd._base_svg.cache_clear()
    try:
        d = sd.state_diagram(current=State.LISTEN)
        assert d._repr_svg_() is None
        out = capsys.readouterr().out.strip().splitlines()
        assert len(out) == 1 and "Graphviz" in out[0] and "apt-get install graphviz" in out[0]
        with pytest.raises(sd.GraphvizMissing):
            _ = d.svg
    finally:
        sd._base_svg.cache_clear()


@needs_dot
def test_wide_diagrams_keep_legible_labels_and_narrow_ones_shrink_to_fit():
    wide, narrow = sd.state_diagram(arcs="all"), sd.state_diagram(arcs="main")
    assert "max-width:none" in wide.svg[:300] and "overflow-x:auto" in wide._repr_html_()
    assert "max-width:100%" in narrow.svg[:300] and narrow._repr_html_() is None
