"""ISN, listen-queue and SYN-flood explorers: a picture at construction, and updates."""

import matplotlib.pyplot as plt

from tcplab.flood import FloodConfig, simulate_flood, sweep_attack_rate
from tcplab.listener import simulate_listen_queue
from tcplab.viz.isn_plots import plot_isn_over_time, plot_prediction_error
from tcplab.viz.queue_plots import plot_listen_queue, plot_queue_occupancy, plot_success_vs_attack
from tcplab.widgets.flood import flood_explorer
from tcplab.widgets.isn import isn_explorer
from tcplab.widgets.listener import listener_explorer

TINY = FloodConfig(duration=3.0, legit_rate=20.0, dt=0.002, sample_every=1.0)


def test_listener_explorer_draws_at_construction_and_on_change():
    w = listener_explorer()
    first = w.parts[0].value
    assert first.startswith("<svg") and "clients" in w.parts[1].value
    w.click(1)  # abort_on_overflow on: resets appear
    assert w.session.abort is True and w.parts[0].value != first
    assert "reset" in w.parts[1].value
    w.controls_box.children[0].value = 50  # a user moving the backlog slider redraws too
    assert "B+1 = 51" in w.parts[0].value


def test_flood_explorer_draws_and_runs_the_given_scenario():
    w = flood_explorer(TINY, precompute=False)
    assert w.parts[0].value.startswith("<svg") and "for 3 s" in w.parts[0].value
    before = w.parts[0].value
    w.click(4)
    assert w.session.rate == 10000.0 and w.parts[0].value != before
    w.change("defences", ["none", "syn_cookies"])
    assert "syn_cookies" in w.parts[0].value and "hybrid" not in w.parts[0].value
    want = simulate_flood(TINY, "syn_cookies", attack_rate=10000.0).summary
    assert f"{want['served_share']:.0%} served eventually" in w.parts[0].value


def test_flood_explorer_precomputes_in_the_background():
    w = flood_explorer(TINY)
    w.warming.join(60)
    assert not w.warming.is_alive()
    assert len(w.session._runs) == 6 * len(w.session.defences)


def test_isn_explorer_table_follows_the_window():
    w = isn_explorer(trials=50)
    assert w.parts[0].value.startswith("<svg")
    assert "rfc793-clock" in w.parts[1].value
    w.click(0)
    small = w.parts[1].value
    w.click(4)
    assert w.parts[1].value != small and "16,777,216" in w.parts[1].value


def test_plot_helpers_return_axes():
    axes = [
        plot_isn_over_time(times=[0.0, 10.0, 20.0]),
        plot_prediction_error(trials=20),
        plot_queue_occupancy(simulate_flood(TINY, "hybrid")),
        plot_listen_queue(simulate_listen_queue(duration=2.0)[0], max_ack_backlog=128),
        plot_success_vs_attack(sweep_attack_rate([0, 1000], ["none", "hybrid"], TINY)),
    ]
    assert all(ax.has_data() for ax in axes)
    plt.close("all")


def test_a_session_keeps_its_recent_pictures_and_no_more(monkeypatch):
    from tcplab.explore.listener import ListenerSession

    monkeypatch.setattr(ListenerSession, "KEEP", 3)
    s = ListenerSession(duration=1.0)
    drawn = []
    for b in (1, 2, 3, 4):
        s.set("backlog", b)
        drawn.append(s.render())
    assert len(s._cache) == 3  # the oldest setting (backlog 1) was let go
    s.set("backlog", 3)
    assert s.render() is drawn[2]  # a recent one is not simulated again
    s.set("backlog", 1)
    assert s.render() == drawn[0] and s.render() is not drawn[0]  # drawn again, same picture
