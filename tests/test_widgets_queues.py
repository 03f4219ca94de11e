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
    first = w.picture.value
    assert first.startswith("<svg") and "clients" in first
    w.click(1)  # abort_on_overflow on: resets appear
    assert w.abort.value is True and w.picture.value != first
    assert "reset" in w.picture.value
    w.backlog.value = 50  # a user moving a slider redraws too
    assert "B+1 = 51" in w.picture.value


def test_flood_explorer_draws_and_caches():
    w = flood_explorer(TINY, precompute=False)
    assert w.picture.value.startswith("<svg")
    before = w.picture.value
    w.click(4)
    assert w.rate.value == 10000.0 and w.picture.value != before
    w.defences.value = ("none", "syn_cookies")
    assert "syn_cookies" in w.picture.value and "hybrid" not in w.picture.value


def test_isn_explorer_table_follows_the_window():
    w = isn_explorer(trials=50)
    assert w.picture.value.startswith("<svg")
    assert "rfc793-clock" in w.table.value
    w.click(0)
    small = w.table.value
    w.click(4)
    assert w.table.value != small and "16777216" in w.table.value


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
