"""onething: a what-if lab for 高效办成一件事 ("get one thing done") bundles.

The notebook API: ``load``, ``simulate``, ``compare``, ``calibrate``, ``walk``.
"""

from onething.api import RunOptions, calibrate, compare, load, simulate, walk

__all__ = ["RunOptions", "calibrate", "compare", "load", "simulate", "walk"]
