"""The 2MSL Monte Carlo: agrees with the closed form; zero at 2·lifetime; seeded."""

import numpy as np
import pytest

from tcplab.sim.montecarlo import (
    p_accept_exact,
    p_arrives_after,
    p_old_duplicate_accepted,
    sample_arrivals,
    timewait_sweep,
)


def test_estimate_matches_the_triangular_closed_form():
    s = timewait_sweep(120.0, trials=200_000, seed=1)
    assert np.max(np.abs(s.p_estimate - s.p_exact)) < 0.006


def test_one_msl_is_not_enough_two_msl_is():
    assert p_accept_exact(120, 120) == pytest.approx(0.5)
    assert p_old_duplicate_accepted(120, 120) == pytest.approx(0.5, abs=0.01)
    assert p_old_duplicate_accepted(240, 120) == 0.0
    assert p_old_duplicate_accepted(60, 120) > p_old_duplicate_accepted(120, 120)


def test_linux_60s_time_wait_against_a_30s_network_lifetime_is_safe():
    assert p_old_duplicate_accepted(60, 30) == 0.0
    assert p_old_duplicate_accepted(60, 60) > 0.0


def test_reuse_delay_and_window_probability():
    assert p_old_duplicate_accepted(0, 120, reuse_delay=240) == 0.0
    base = p_old_duplicate_accepted(30, 120)
    assert p_old_duplicate_accepted(30, 120, p_in_window=0.25) == pytest.approx(base * 0.25)


def test_uniform_send_model_is_less_likely_than_the_worst_case():
    assert p_old_duplicate_accepted(100, 120, send_model="uniform") < p_old_duplicate_accepted(
        100, 120
    )


def test_same_seed_same_numbers_and_arrays_in_arrays_out():
    a = sample_arrivals(120, 1000, seed=5)
    assert np.array_equal(a, sample_arrivals(120, 1000, seed=5))
    assert not np.array_equal(a, sample_arrivals(120, 1000, seed=6))
    assert a.min() >= 0 and a.max() <= 240
    out = p_old_duplicate_accepted([0, 120, 240], 120)
    assert out.shape == (3,) and out[0] == 1.0 and out[2] == 0.0


@pytest.mark.parametrize(
    "kw",
    [
        {"lifetime": -1},
        {"lifetime": 0},
        {"trials": 0},
        {"p_in_window": 2.0},
        {"time_wait": -5},
        {"send_model": "magic"},
    ],
)
def test_bad_input_names_the_value(kw):
    args = {"time_wait": 60, "lifetime": 120, **kw}
    with pytest.raises(ValueError, match=str(next(iter(kw.values())))):
        p_old_duplicate_accepted(**args)


def test_the_pure_closed_form_is_the_triangular_tail_and_p_accept_exact_maps_it():
    life = 120.0
    assert p_arrives_after(0, life) == 1.0
    assert p_arrives_after(60, life) == pytest.approx(1 - 60**2 / (2 * 120**2))
    assert p_arrives_after(180, life) == pytest.approx(60**2 / (2 * 120**2))
    assert p_arrives_after(240, life) == p_arrives_after(1e6, life) == 0.0
    tw = np.linspace(0, 300, 31)
    got = p_accept_exact(tw, life, 90.0, p_in_window=0.5)
    assert got.shape == tw.shape
    assert list(got) == [0.5 * p_arrives_after(max(t, 90.0), life) for t in tw]
    with pytest.raises(ValueError, match="lifetime"):
        p_arrives_after(10, 0)


def test_the_closed_form_imports_without_numpy():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, *a):\n"
        "        if name.split('.')[0] == 'numpy':\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from tcplab.sim.montecarlo import p_arrives_after\n"
        "print(p_arrives_after(120, 120))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0.5"
