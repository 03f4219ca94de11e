"""Simulations around the sans-I/O core: a lossy network, scenarios, traces, Monte Carlo.

Import the submodule you need (``tcplab.sim.network``, ``tcplab.sim.scenarios``,
``tcplab.sim.trace``, ``tcplab.sim.montecarlo``); this package imports nothing heavy.
"""
