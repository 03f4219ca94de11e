"""Pure-Python Poisson/binomial draws (tcplab._draws): right moments, seeded, numpy-free."""

import math
import random
import subprocess
import sys

import pytest

from tcplab._draws import binomial, poisson, poisson_counts


@pytest.mark.parametrize("mu", [0.3, 5.0, 17.0, 80.0, 3000.0])
def test_poisson_mean_and_variance_match(mu):
    rng = random.Random(1)
    xs = [poisson(rng, mu) for _ in range(4000)]
    m = sum(xs) / len(xs)
    var = sum((x - m) ** 2 for x in xs) / (len(xs) - 1)
    assert abs(m - mu) < 5 * math.sqrt(mu / len(xs))
    assert abs(var / mu - 1) < 0.15


@pytest.mark.parametrize(("n", "p"), [(10, 0.3), (50, 0.9), (1000, 0.2), (10**6, 0.37)])
def test_binomial_mean_and_variance_match(n, p):
    rng = random.Random(2)
    xs = [binomial(rng, n, p) for _ in range(4000)]
    assert all(0 <= x <= n for x in xs)
    m = sum(xs) / len(xs)
    var = sum((x - m) ** 2 for x in xs) / (len(xs) - 1)
    assert abs(m - n * p) < 5 * math.sqrt(n * p * (1 - p) / len(xs))
    assert abs(var / (n * p * (1 - p)) - 1) < 0.15


def test_poisson_counts_table_matches_the_pmf():
    rng = random.Random(3)
    xs = poisson_counts(rng, 2.0, 20000)
    for k in range(5):
        want = math.exp(-2.0) * 2.0**k / math.factorial(k)
        assert abs(xs.count(k) / len(xs) - want) < 0.012, k
    assert poisson_counts(rng, 0.0, 3) == [0, 0, 0]
    assert sum(poisson_counts(random.Random(4), 800.0, 200)) / 200 == pytest.approx(800, rel=0.02)


def test_edge_cases_and_seeding():
    rng = random.Random(0)
    assert binomial(rng, 0, 0.5) == 0
    assert binomial(rng, 7, 0.0) == 0
    assert binomial(rng, 7, 1.0) == 7
    assert poisson(rng, 0.0) == 0
    a = [poisson(random.Random(9), 50.0) for _ in range(3)]
    assert a == [poisson(random.Random(9), 50.0)] * 3


def test_the_flood_model_runs_without_numpy_or_pandas():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, *a):\n"
        "        if name.split('.')[0] in ('numpy', 'pandas'):\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from tcplab.flood import simulate_flood\n"
        "r = simulate_flood(None, 'hybrid', duration=3.0, attack_rate=5000.0)\n"
        "print(r.summary['clients'], r.summary['served'], r.counters['syns_attack'])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    clients, served, syns = map(int, out.stdout.split())
    assert clients > 0 and served == clients
    assert abs(syns - 15000) < 5 * math.sqrt(15000)
