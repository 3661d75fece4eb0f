"""Parallel approval (并联审批): independent items are processed at once, one joint approval."""

from __future__ import annotations

from collections import Counter

from onething.scenarios.levers.lever import Lever

APPROVAL_STEPS = ("review", "inspect", "decide")
DESCRIPTION = "independent items are approved at once, not one after another"
LABEL = "parallel approval"
PARALLEL = True


def bundle_steps(kinds: Counter[str]) -> Counter[str]:
    """The items' reviews, inspections and decisions become one joint approval."""
    approvals = sum(kinds[k] for k in APPROVAL_STEPS)
    merged = Counter({k: n for k, n in kinds.items() if k not in APPROVAL_STEPS})
    merged["approve"] = min(approvals, 1)
    return merged


LEVER = Lever.of(__name__, "parallel_approval")
