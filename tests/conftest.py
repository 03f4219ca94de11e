"""Shared test configuration."""

import matplotlib
from hypothesis import settings

# The seq properties ask for >= 10,000 examples; keep the default profile for the rest.
settings.register_profile("default", deadline=None)
settings.load_profile("default")
# This process draws off-screen. Set here, not through MPLBACKEND: kernels started by the tests
# (nbclient, JupyterLab) must choose Jupyter's inline backend, as a student's kernel does.
matplotlib.use("Agg")
