"""Shared test settings."""

from hypothesis import settings

# Machines are shared and noisy: a slow example is not a failure (speed is the benchmarks' job).
settings.register_profile("jeugdhulp", deadline=None, print_blob=True)
settings.load_profile("jeugdhulp")
