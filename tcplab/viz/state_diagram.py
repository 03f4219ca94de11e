"""The TCP state diagram, drawn with Graphviz from :data:`tcplab.fsm.ARCS`.

The layout follows the classic figure: CLOSED on top, the client's (active) path down the
left — SYN-SENT, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT — and the server's
(passive) path down the right — LISTEN, SYN-RECEIVED, ESTABLISHED, CLOSE-WAIT, LAST-ACK.
Arcs between the same two states are merged into one edge whose label lists every
``event / segment sent``; resets and aborts are drawn thin and grey so the two main paths
stay readable.

Speed: ``dot`` lays the graph out **once** per arc set (cached). Highlighting the
current state, the last transition, or hiding arcs not taken yet is done by adding a
``<style>`` block to that SVG, which costs microseconds — so an explorer step never waits
for Graphviz.
"""

from __future__ import annotations

import functools
import html
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from tcplab import _validate as _v
from tcplab._tools import have, missing_message
from tcplab.fsm import ARCS, Arc, Event, Send, State, Transition

__all__ = [
    "ID_PREFIX",
    "StateDiagram",
    "diagram_source",
    "edge_groups",
    "state_diagram",
]

ArcSet = Literal["all", "figure5", "main"]

#: Prefix of the element ids in :func:`diagram_source`'s DOT; a renderer replaces it per
#: diagram so several diagrams can share a page (:meth:`StateDiagram.style` takes the new one).
ID_PREFIX = "tcplabsd__"
_counter = itertools.count(1)

# Where each state sits: (rank, column). Column 0 = client/active side, 2 = server side.
_PLACE: dict[State, tuple[int, int]] = {
    State.CLOSED: (0, 1),
    State.LISTEN: (1, 2),
    State.SYN_SENT: (2, 0),
    State.SYN_RECEIVED: (2, 2),
    State.ESTABLISHED: (3, 1),
    State.FIN_WAIT_1: (4, 0),
    State.CLOSE_WAIT: (4, 2),
    State.FIN_WAIT_2: (5, 0),
    State.CLOSING: (5, 1),
    State.LAST_ACK: (5, 2),
    State.TIME_WAIT: (6, 0),
}

# The textbook paths, coloured so the eye can follow them.
_CLIENT_PATH = {
    (State.CLOSED, State.SYN_SENT),
    (State.SYN_SENT, State.ESTABLISHED),
    (State.ESTABLISHED, State.FIN_WAIT_1),
    (State.FIN_WAIT_1, State.FIN_WAIT_2),
    (State.FIN_WAIT_2, State.TIME_WAIT),
    (State.TIME_WAIT, State.CLOSED),
}
_SERVER_PATH = {
    (State.CLOSED, State.LISTEN),
    (State.LISTEN, State.SYN_RECEIVED),
    (State.SYN_RECEIVED, State.ESTABLISHED),
    (State.ESTABLISHED, State.CLOSE_WAIT),
    (State.CLOSE_WAIT, State.LAST_ACK),
    (State.LAST_ACK, State.CLOSED),
}
CLIENT_COLOR = "#1f77b4"
SERVER_COLOR = "#2ca02c"
OTHER_COLOR = "#555555"
RESET_COLOR = "#b0b0b0"
HIGHLIGHT = "#d62728"


def _is_reset(arc: Arc) -> bool:
    return arc.event in (Event.RCV_RST, Event.ABORT, Event.USER_TIMEOUT) or (
        arc.send is Send.RST and arc.source is State.CLOSED
    )


def _select(arcs: ArcSet) -> tuple[Arc, ...]:
    if not isinstance(arcs, str):
        raise _v.ArgumentTypeError(f"arcs = {_v.short(arcs)}: expected 'all', 'figure5' or 'main'")
    if arcs == "all":
        return ARCS
    if arcs == "figure5":
        return tuple(a for a in ARCS if a.figure5)
    if arcs == "main":  # Figure 5 plus the text's arcs, without resets, aborts and self-loops
        return tuple(a for a in ARCS if a.source is not a.target and not _is_reset(a))
    raise ValueError(f"unknown arc set {_v.short(arcs)}: expected 'all', 'figure5' or 'main'")


def _node_id(state: State) -> str:
    return f"{ID_PREFIX}n_{state.name}"


def _edge_id(source: State, target: State) -> str:
    return f"{ID_PREFIX}e_{source.name}__{target.name}"


def edge_groups(arcs: ArcSet = "all") -> dict[tuple[State, State], list[Arc]]:
    """The arcs merged per ``(source, target)`` pair — one drawn edge each."""
    groups: dict[tuple[State, State], list[Arc]] = {}
    for arc in _select(arcs):
        groups.setdefault((arc.source, arc.target), []).append(arc)
    return groups


def _arc_label(arc: Arc) -> str:
    origin = f" [{arc.origin.value}]" if arc.origin else ""
    return f"{arc.event.name}{origin} / {arc.send.value}"


def _target_node(src: State, dst: State) -> str:
    # Arcs into CLOSED from the lower half end at a second CLOSED box at the bottom (as
    # in RFC 9293 Figure 5), so they need not climb back over the whole diagram.
    if dst is State.CLOSED and _PLACE[src][0] >= 2 and src is not State.SYN_SENT:
        return "CLOSED_END"
    return dst.name


def diagram_source(arcs: ArcSet = "all") -> str:
    """The DOT source of the diagram (no Graphviz binary needed to produce it)."""
    lines = [
        "digraph tcp {",
        f'  graph [id="{ID_PREFIX}graph", rankdir=TB, nodesep=0.5, ranksep=0.6, '
        'fontname="Helvetica", bgcolor="transparent", newrank=true, splines=true];',
        '  node [shape=box, style="rounded,filled", fillcolor="#f4f6fb", color="#333333", '
        'fontname="Helvetica-Bold", fontsize=13, width=1.7, height=0.45];',
        '  edge [fontname="Helvetica", fontsize=9, arrowsize=0.7];',
    ]
    for state, (_, col) in _PLACE.items():
        fill = "#ffffff" if state is State.CLOSED else "#f4f6fb"
        lines.append(
            f'  {state.name} [id="{_node_id(state)}", label="{state.rfc_name}", '
            f'group="g{col}", fillcolor="{fill}"];'
        )
    lines.append(
        f'  CLOSED_END [id="{_node_id(State.CLOSED)}_end", label="CLOSED", '
        'fillcolor="#ffffff", group="g1"];'
    )
    by_rank: dict[int, list[State]] = {}
    for state, (rank, _) in _PLACE.items():
        by_rank.setdefault(rank, []).append(state)
    for states in by_rank.values():
        if len(states) > 1:
            # Invisible edges fix the left-to-right order inside a rank.
            ordered = sorted(states, key=lambda s: _PLACE[s][1])
            chain = " -> ".join(s.name for s in ordered)
            lines.append(f"  {{ rank=same; {chain} [style=invis]; }}")
    lines.append("  { rank=max; CLOSED_END; }")
    for (src, dst), group in edge_groups(arcs).items():
        label = "\\l".join(html.escape(_arc_label(a), quote=True) for a in group) + "\\l"
        attrs = [f'id="{_edge_id(src, dst)}"', f'label="{label}"']
        reset = all(_is_reset(a) for a in group)
        if (src, dst) in _CLIENT_PATH:
            attrs += [f'color="{CLIENT_COLOR}"', "penwidth=2.2", f'fontcolor="{CLIENT_COLOR}"']
            attrs.append("weight=8")  # keep the client's column straight
        elif (src, dst) in _SERVER_PATH:
            attrs += [f'color="{SERVER_COLOR}"', "penwidth=2.2", f'fontcolor="{SERVER_COLOR}"']
            attrs.append("weight=8")
        elif reset:
            attrs += [f'color="{RESET_COLOR}"', f'fontcolor="{OTHER_COLOR}"', "style=dashed"]
            attrs += ["fontsize=8", "weight=0"]
        else:
            attrs += [f'color="{OTHER_COLOR}"', f'fontcolor="{OTHER_COLOR}"']
        target = _target_node(src, dst)
        if target != "CLOSED_END" and _PLACE[dst][0] < _PLACE[src][0]:
            attrs.append("constraint=false")  # back edges (to CLOSED, LISTEN) keep ranks
        lines.append(f"  {src.name} -> {target} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


class GraphvizMissing(RuntimeError):
    """Graphviz's ``dot`` is not installed (the message says how to install it)."""


# Widest diagram (px) still drawn smaller to fit a column; wider ones keep their size.
_SHRINK_MAX = 1000


@functools.lru_cache(maxsize=8)
def _base_svg(arcs: ArcSet) -> str:
    """Lay out once with ``dot`` (the slow step) and cache the SVG."""
    if not have("dot"):
        raise GraphvizMissing(missing_message("dot"))
    import graphviz  # imported here: `import tcplab` must not pay for it

    svg: str = graphviz.Source(diagram_source(arcs)).pipe(format="svg", encoding="utf-8")
    # Drop the XML prolog and DOCTYPE so the SVG can be inlined in HTML.
    svg = svg[svg.index("<svg") :]
    # Graphviz writes an explicit pt size. Draw one viewBox unit per CSS pixel: a diagram
    # that fits shrinks with a narrow column, but one too wide to stay legible (every table
    # row: ~1,500 px) keeps its size and the page scrolls sideways — 6 px labels help no one.
    width = float(re.search(r'viewBox="[\d.]+ [\d.]+ ([\d.]+)', svg).group(1))  # type: ignore[union-attr]
    fit = "max-width:100%;" if width <= _SHRINK_MAX else "max-width:none;"
    svg = re.sub(
        r'<svg width="[^"]+" height="[^"]+"',
        f'<svg style="width:{width:.0f}px;{fit}height:auto"',
        svg,
        count=1,
    )
    return svg


@dataclass(frozen=True)
class StateDiagram:
    """A rendered (or renderable) state diagram; displays itself in Jupyter as SVG.

    Create with :func:`state_diagram`. ``source`` is the DOT text; ``svg`` the SVG with
    the highlighting applied (raises :class:`GraphvizMissing` when ``dot`` is absent,
    while Jupyter display only prints one line about installing Graphviz).
    """

    arcs: ArcSet = "all"
    current: State | None = None
    last: tuple[State, State] | None = None
    taken: frozenset[tuple[State, State]] = field(default_factory=frozenset)
    only_taken: bool = False

    @property
    def source(self) -> str:
        return diagram_source(self.arcs)

    def style(self, prefix: str) -> str:
        """The CSS (a <style> element, or "") that highlights this view in a diagram whose
        element ids start with ``prefix`` instead of :data:`ID_PREFIX`."""
        rules = [
            f"#{prefix}n_{s.name} > path, #{prefix}n_{s.name} > polygon, "
            f"#{prefix}n_{s.name}_end > path, #{prefix}n_{s.name}_end > polygon "
            f"{{fill:#ffe08a;stroke:{HIGHLIGHT};stroke-width:3px}}"
            for s in ([self.current] if self.current else [])
        ]
        if self.last:
            eid = f"{prefix}e_{self.last[0].name}__{self.last[1].name}"
            rules.append(
                f"#{eid} > path {{stroke:{HIGHLIGHT};stroke-width:3.5px}} "
                f"#{eid} > polygon {{fill:{HIGHLIGHT};stroke:{HIGHLIGHT}}} "
                f"#{eid} > text {{fill:{HIGHLIGHT};font-weight:bold}}"
            )
        for src, dst in self.taken:
            if (src, dst) != self.last:
                rules.append(f"#{prefix}e_{src.name}__{dst.name} > path {{stroke-width:3px}}")
        if self.only_taken:
            hidden = [k for k in edge_groups(self.arcs) if k not in self.taken]
            if hidden:
                sel = ", ".join(f"#{prefix}e_{a.name}__{b.name}" for a, b in hidden)
                rules.append(f"{sel} {{display:none}}")
        return "<style>" + " ".join(rules) + "</style>" if rules else ""

    @property
    def svg(self) -> str:
        base = _base_svg(self.arcs)
        prefix = f"tcplabsd{next(_counter)}_"
        svg = base.replace(ID_PREFIX, prefix)
        style = self.style(prefix)
        if style:
            head_end = svg.index(">") + 1  # right after the opening <svg ...>
            svg = svg[:head_end] + style + svg[head_end:]
        return svg

    def _repr_svg_(self) -> str | None:
        try:
            return self.svg
        except GraphvizMissing as exc:
            print(exc)  # one friendly line instead of a traceback in the notebook
            return None

    def _repr_html_(self) -> str | None:
        """Wide diagrams only: at their own size in a box that scrolls sideways.

        Jupyter shows an SVG output as an image squeezed to the column, which leaves the
        every-table-row diagram with 6 px labels; as HTML it keeps legible labels. Narrow
        diagrams return None and display as plain SVG.
        """
        try:
            svg = self.svg
        except GraphvizMissing:
            return None  # _repr_svg_ prints the one friendly line
        if "max-width:none" not in svg[: svg.index(">")]:
            return None
        return f'<div style="overflow-x:auto;max-width:100%">{svg}</div>'

    def __repr__(self) -> str:
        cur = self.current.name if self.current else "none"
        return f"<TCP state diagram: {self.arcs} arcs, current={cur}>"

    def save(self, path: str) -> None:
        """Write the SVG to ``path``."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.svg)


def _pair(x: object, name: str) -> tuple[State, State]:
    """A transition, an arc or a (source, target) pair of states, as the pair."""
    if isinstance(x, Transition | Arc):
        return (x.source, x.target)
    if isinstance(x, tuple | list) and len(x) == 2:
        return (
            _v.enum_member(x[0], f"{name}[0]", State),
            _v.enum_member(x[1], f"{name}[1]", State),
        )
    raise _v.ArgumentTypeError(
        f"{name} = {_v.short(x)}: expected a Transition, an Arc or a (State, State) pair"
    )


def state_diagram(
    *,
    current: State | None = None,
    last: Transition | Arc | tuple[State, State] | None = None,
    taken: Iterable[Transition | Arc | tuple[State, State]] = (),
    only_taken: bool = False,
    arcs: ArcSet = "all",
) -> StateDiagram:
    """The RFC 9293 state diagram, generated from the transition table.

    ``current`` highlights a state; ``last`` a transition; ``taken`` thickens the arcs
    taken so far and, with ``only_taken=True``, hides the others. ``arcs`` picks the arc
    set: ``"all"`` (every table row), ``"figure5"`` (only those of RFC 9293 Figure 5),
    ``"main"`` (no resets, aborts or self-loops).
    """
    _select(arcs)  # validates the name early, with a clear error

    if current is not None:
        current = _v.enum_member(current, "current", State)
    only_taken = _v.boolean(only_taken, "only_taken")
    steps = _v.sequence(taken, "taken", max_len=10_000, item=_pair, what="transitions")
    return StateDiagram(
        arcs=arcs,
        current=current,
        last=_pair(last, "last") if last is not None else None,
        taken=frozenset(steps),
        only_taken=only_taken,
    )
