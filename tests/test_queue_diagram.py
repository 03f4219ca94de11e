"""The listen-queue diagram shows a listener's real queue lengths, limits and counters."""

from __future__ import annotations

import shutil

import pytest

from tcplab.listener import Listener, ListenerConfig
from tcplab.viz.queue_diagram import listen_queues_diagram, listen_queues_source


def test_an_empty_listener_shows_its_limits_b_plus_one():
    src = listen_queues_source(config=ListenerConfig(backlog=3))
    assert "holds up to B+1 = 4" in src
    assert "listen(fd, 3) → B = 3" in src
    assert "SYN cookie" in src  # tcp_syncookies=1 by default


def test_a_full_accept_queue_and_its_counters_appear():
    lst = Listener(ListenerConfig(backlog=1))
    for i in range(3):
        peer = ("203.0.113.5", 1000 + i)
        res = lst.on_syn(0.01 * (i + 1), peer, isn=i)
        if res.iss is not None:
            lst.on_ack(0.01 * (i + 1), peer)
    src = listen_queues_source(lst)
    assert "2 of B+1 = 2" in src  # backlog 1 admits two
    assert "ListenOverflows = 1" in src and "ListenDrops = 1" in src


def test_abort_on_overflow_and_cookies_off_change_the_drop_boxes():
    src = listen_queues_source(config=ListenerConfig(syncookies=0, abort_on_overflow=True))
    assert "RST to the client" in src and "tcp_syncookies=0" in src
    assert "valid cookie" not in src


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")
def test_the_diagram_renders_to_svg():
    svg = listen_queues_diagram(config=ListenerConfig(backlog=8)).pipe(format="svg").decode()
    assert "accept queue" in svg and "<svg" in svg
