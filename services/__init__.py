"""Faust stream processors: a department, the integrated platform, the shared data."""
