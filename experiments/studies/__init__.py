"""The study kinds, one module each (its spec fields, variants, study, printed table,
findings, report tables and plots); adding a kind is a module and a line below."""

from onething.experiments.studies import (
    lever_attribution,
    load_sweep,
    sensitivity,
    staffing,
    variants,
)
from onething.experiments.studies.kind import Kind

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        variants.KIND,
        lever_attribution.KIND,
        load_sweep.KIND,
        staffing.KIND,
        sensitivity.KIND,
    )
}

__all__ = ["KINDS", "Kind"]
