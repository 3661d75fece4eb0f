"""onething: a what-if lab for 高效办成一件事 ("get one thing done") bundles.

The notebook API: ``load``, ``with_changes`` (a changed copy of a scenario, checked like a
file), ``simulate``, ``compare``, ``calibrate``, ``walk``; what they take and return:
``RunOptions``, ``Export``, ``Result``, ``Comparison``, ``Walk``, ``WalkStep``, ``Scenario``,
``Process``; ``FileError``, raised for a bad scenario or change, and ``Overloaded``, for
more applicants than the windows can ever serve.
"""

from onething.api import (
    Comparison,
    Result,
    RunOptions,
    Walk,
    WalkStep,
    calibrate,
    compare,
    load,
    simulate,
    walk,
)
from onething.scenarios.errors import FileError
from onething.scenarios.levers import Process
from onething.scenarios.loader import with_changes
from onething.scenarios.model import Scenario
from onething.sim.eventlog import Export
from onething.sim.overload import Overloaded

__all__ = [
    "Comparison",
    "Export",
    "FileError",
    "Overloaded",
    "Process",
    "Result",
    "RunOptions",
    "Scenario",
    "Walk",
    "WalkStep",
    "calibrate",
    "compare",
    "load",
    "simulate",
    "walk",
    "with_changes",
]
