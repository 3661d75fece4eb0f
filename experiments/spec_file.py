"""Reading an experiment spec file: its ``kind`` picks the model it is checked against
(``studies.KINDS``), then the bundle it names is loaded and the kind checks the spec
against it (``spec`` has the fields every kind shares)."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from onething.experiments.spec import Experiment
from onething.experiments.studies import KINDS
from onething.scenarios.errors import FileError, Problem, Reason, from_validation_error
from onething.scenarios.loader import catalog_names, load_scenario, read_yaml, saved_names
from onething.scenarios.model import Scenario


def load_spec(path: str | Path, files_within: Path | None = None) -> Experiment:
    """The checked spec at ``path``; with ``files_within``, a scenario file it names must
    be in that folder (an uploaded spec reaches no other file of the machine)."""
    path = Path(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise FileError(path, [Problem("(top)", Reason("spec_not_mapping"))])
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        kinds = ", ".join(KINDS)
        missing = kind is None
        reason = (
            Reason("kind_missing", kinds=kinds)
            if missing
            else Reason("unknown_kind", kind=kind, kinds=kinds)
        )
        raise FileError(path, [Problem("kind", reason)])
    try:
        spec = KINDS[kind].model.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(path, data, exc) from None
    scenario = _bundle(path, spec.bundle, files_within)
    horizon = spec.horizon_days or scenario.run.horizon_days
    warmup = scenario.run.warmup_days if spec.warmup_days is None else spec.warmup_days
    problems = list(KINDS[kind].check(spec, scenario))
    if warmup >= horizon:
        reason = Reason("spec_warmup_too_long", warmup=warmup, horizon=horizon)
        problems.append(Problem("warmup_days", reason))
    if problems:
        raise FileError(path, problems)
    seed = scenario.run.seed if spec.seed is None else spec.seed
    return Experiment(spec, path, scenario, horizon, warmup, seed)


def _bundle(spec_path: Path, bundle: str, files_within: Path | None) -> Scenario:
    """A catalog name, a saved bundle's name, or a file relative to the spec (errors in
    that file name it)."""
    if "\0" in bundle:
        raise FileError(spec_path, [Problem("bundle", Reason("nul_in_bundle"))])
    if Path(bundle).suffix in (".yaml", ".yml"):
        file = spec_path.parent / bundle
        if files_within is not None and not file.resolve().is_relative_to(files_within.resolve()):
            raise FileError(spec_path, [Problem("bundle", Reason("bundle_outside", bundle=bundle))])
        if not file.is_file():
            raise FileError(
                spec_path,
                [Problem("bundle", Reason("no_scenario_file", file=file, name=file.name))],
            )
        return load_scenario(file)
    saved = saved_names()
    if bundle not in catalog_names() and bundle not in saved:
        known = ", ".join(catalog_names() + [n for n in saved if n not in catalog_names()])
        reason = Reason("unknown_bundle", bundle=bundle, known=known)
        raise FileError(spec_path, [Problem("bundle", reason)])
    return load_scenario(bundle)
