"""Shared test settings."""

import os

from hypothesis import settings

# Machines are shared and noisy: a slow example is not a failure (speed is the benchmarks' job).
settings.register_profile("jeugdhulp", deadline=None, print_blob=True)
# In CI the examples are derived from each test's name, so a run is repeatable; locally they vary
# from run to run and keep finding new cases.
settings.register_profile("ci", parent=settings.get_profile("jeugdhulp"), derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "jeugdhulp")
