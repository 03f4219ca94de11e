"""Shared test configuration."""

import os

from hypothesis import settings

# The seq properties ask for >= 10,000 examples; keep the default profile for the rest.
settings.register_profile("default", deadline=None)
settings.load_profile("default")
os.environ.setdefault("MPLBACKEND", "Agg")
