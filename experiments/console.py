"""The short human summary of an experiment: the kind's table of numbers, which the CLI
formats and prints (the full figures are in the output folder)."""

from __future__ import annotations

from onething.experiments.runner import Outcome, kind
from onething.experiments.studies.kind import Table
from onething.experiments.studies.words import Finding


def report(outcome: Outcome) -> Table:
    table = kind(outcome.plan.experiment).console(outcome.study, outcome.summary)
    table.notes.append(Finding("computed", computed=outcome.computed, reused=outcome.reused))
    return table
